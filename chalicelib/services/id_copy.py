"""Use cases: the copy of the ID document an office keeps with an ``office`` or
``paper`` dossier (notice 2659: "cơ quan BHXH photo CMND/CCCD/Hộ chiếu để lưu
cùng bản kê khai").

1. ``ask_upload``: an officer of the receiving office gets a presigned POST for
   one new key under the declaration (JPEG, PNG or PDF, 1 byte to 5 MiB, for 10
   minutes); the file goes straight to S3.
2. ``check_upload``: the service reads the object back and records it (key,
   size, type, SHA-256) on the declaration and in the audit trail, or deletes
   it and says why (empty, too large, not the type declared, posted after the
   upload expired). Only the key handed out last is ever read: a file posted to
   any other key, another declaration's included, is never recorded.
3. ``read_copy``: officers of the office and supervisors of the province get a
   short-lived link; every read is an audit event.

An office or paper dossier is approved only with a checked copy (``approve_declaration``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..documents.sniff import sniffed_type
from ..domain.declaration import Declaration, declaration_event
from ..domain.errors import (
    ConcurrentChangeError,
    DomainError,
    IdCopyEmptyError,
    IdCopyNotFoundError,
    IdCopyNotNeededError,
    IdCopyNotUploadedError,
    IdCopyTooLargeError,
    IdCopyTypeMismatchError,
    IdCopyTypeNotAllowedError,
    IdCopyUploadExpiredError,
)
from ..domain.id_copy import (
    ATTACHED,
    CONTENT_TYPES,
    DISCARDED,
    EXTENSIONS,
    KEPT,
    MAX_BYTES,
    READ,
    READ_WINDOW,
    UPLOAD_WINDOW,
    IdCopy,
    IdCopyUpload,
    PresignedUpload,
    StoredObject,
    object_key,
)
from ..domain.identifiers import format_counter_code
from ..domain.request_fields import string_fields
from ..domain.transitions import ATTACH_ID_COPY, check
from .deps import Deps
from .desk_scope import Scope
from .officer_desk import Officer, explain_lost_race, load


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime
    copy: IdCopy


def _at_counter(deps: Deps, declaration_id: str, officer: Officer, now: datetime) -> tuple[Declaration, str]:
    """The declaration, received at the officer's office and undecided, that keeps a copy."""
    office = officer.require_office()
    declaration = load(deps, declaration_id)
    if not declaration.keeps_id_copy:
        raise IdCopyNotNeededError()
    check(declaration, ATTACH_ID_COPY, now, office)
    return declaration, office


def ask_upload(
    deps: Deps, declaration_id: str, body: Any, officer: Officer, now: datetime
) -> tuple[IdCopyUpload, PresignedUpload]:
    content_type = string_fields(body, ("content_type",))["content_type"].strip().lower()
    if content_type not in CONTENT_TYPES:
        raise IdCopyTypeNotAllowedError()
    declaration, office = _at_counter(deps, declaration_id, officer, now)
    key = object_key(declaration.id, deps.new_id(), content_type)
    form = deps.id_copies.upload_form(key, content_type, MAX_BYTES, UPLOAD_WINDOW)
    # The policy's expiry, by the clock S3 judges uploads by (``refusal`` compares the two).
    upload = IdCopyUpload(key, content_type, form.expires_at, officer.username)
    try:
        deps.declarations.ask_id_copy_upload(declaration, upload)
    except ConcurrentChangeError as error:
        raise explain_lost_race(deps, declaration_id, ATTACH_ID_COPY, now, office) from error
    return upload, form


def refusal(stored: StoredObject, upload: IdCopyUpload) -> DomainError | None:
    """Why an uploaded object cannot be kept, or None."""
    if stored.last_modified > upload.expires_at:
        return IdCopyUploadExpiredError()
    if stored.size == 0:
        return IdCopyEmptyError()
    if stored.size > MAX_BYTES:
        return IdCopyTooLargeError()
    if sniffed_type(stored.body) != upload.content_type:
        return IdCopyTypeMismatchError()
    return None


def check_upload(
    deps: Deps, declaration_id: str, officer: Officer, now: datetime, *, trace_id: str | None = None
) -> IdCopy:
    declaration, office = _at_counter(deps, declaration_id, officer, now)
    upload = declaration.id_copy_upload
    stored = deps.id_copies.fetch(upload.key, MAX_BYTES) if upload is not None else None
    if upload is None or stored is None:
        raise IdCopyNotUploadedError()
    refused = refusal(stored, upload)
    if refused is not None:
        deps.id_copies.delete(upload.key, stored.version)
        raise refused
    copy = IdCopy(
        key=upload.key,
        content_type=upload.content_type,
        size=stored.size,
        sha256=hashlib.sha256(stored.body).hexdigest(),
        checked_at=now,
        checked_by=officer.username,
        office_code=office,
    )
    detail = {"key": copy.key, "content_type": copy.content_type, "size": str(copy.size), "sha256": copy.sha256}
    audit = declaration_event(
        declaration, ATTACHED, actor=officer.username, at=now, office_code=office, trace_id=trace_id, detail=detail
    )
    # Kept from now on: labelled first, so no recorded copy is ever left to the unchecked rule.
    deps.id_copies.label(copy.key, KEPT)
    try:
        deps.declarations.attach_id_copy(declaration, copy, [audit])
    except ConcurrentChangeError as error:
        raise explain_lost_race(deps, declaration_id, ATTACH_ID_COPY, now, office) from error
    return copy


def discard_copy(deps: Deps, declaration: Declaration) -> None:
    """A rejected or cancelled dossier's copy goes to the 90-day rule. Never in the way of the
    decision: a failure is logged (the key, nothing personal) and the copy stays ``kept``."""
    if declaration.id_copy is None:
        return
    try:
        deps.id_copies.label(declaration.id_copy.key, DISCARDED)
    except Exception as error:  # the decision is recorded already; retention is repaired by hand
        from ..observability import logger

        logger.warning("id copy not relabelled", extra={"key": declaration.id_copy.key, "error": type(error).__name__})


def read_copy(deps: Deps, declaration_id: str, officer: Officer, now: datetime, *, trace_id: str | None = None) -> Link:
    declaration = load(deps, declaration_id)
    Scope(deps, officer).require(declaration)
    copy = declaration.id_copy
    if copy is None:
        raise IdCopyNotFoundError()
    name = f"ban-sao-giay-to-{format_counter_code(declaration.code)}.{EXTENSIONS.get(copy.content_type, 'bin')}"
    url = deps.id_copies.download_url(copy.key, name, READ_WINDOW)
    read = declaration_event(
        declaration,
        READ,
        actor=officer.username,
        at=now,
        office_code=officer.office_code,
        trace_id=trace_id,
        detail={"key": copy.key},
        event_suffix=f"#{officer.username}",  # one per reader and instant
    )
    deps.declarations.record_event(read)
    return Link(url, now + READ_WINDOW, copy)
