"""Use case: the person brings the printed, signed Form 01 and an ID document
to the office; the officer checks the document against the declaration and
records the dossier as received (notice 2659, section 2, step 4)."""

from __future__ import annotations

import hmac
from dataclasses import replace
from datetime import datetime
from typing import Any

from ..domain.declaration import RECEIVED, Declaration, declaration_event, vn_today
from ..domain.errors import ConcurrentChangeError, FieldError, ValidationError
from ..domain.identifiers import ID_DOCUMENT_TYPES
from ..domain.registry_check import Difference, registry_differences
from ..domain.request_fields import string_fields
from ..domain.transitions import RECEIVE, check
from ..domain.working_days import due_date
from .deps import Deps
from .dossier_receipt import receipt_notices
from .officer_desk import Officer, explain_lost_race, load

FIELDS = ("document_type", "document_number")


def _parse(body: Any) -> tuple[str, str]:
    values = string_fields(body, FIELDS)
    if values["document_type"] not in ID_DOCUMENT_TYPES:
        choices = {"choices": ", ".join(ID_DOCUMENT_TYPES)}
        raise ValidationError([FieldError("document_type", "invalid_choice", choices)])
    return values["document_type"], "".join(values["document_number"].split()).upper()[:32]


def receive_declaration(
    deps: Deps, declaration_id: str, body: Any, officer: Officer, now: datetime, *, trace_id: str | None = None
) -> tuple[Declaration, list[Difference]]:
    document_type, document_number = _parse(body)
    office = officer.require_office()
    declaration = load(deps, declaration_id)
    check(declaration, RECEIVE, now, office)
    declared = declaration.form.id_document
    mismatches = []
    if document_type != declared.type:
        mismatches.append(FieldError("document_type", "document_mismatch"))
    if not hmac.compare_digest(document_number.encode("utf-8", "surrogatepass"), declared.number.encode()):
        mismatches.append(FieldError("document_number", "document_mismatch"))
    if mismatches:
        raise ValidationError(mismatches)
    received = replace(
        declaration,
        status=RECEIVED,
        received_at=now,
        received_office=office,
        received_by=officer.username,
        due_by=due_date(vn_today(now)),
        expires_at=None,
    )
    audit = declaration_event(
        declaration, RECEIVED, actor=officer.username, at=now, office_code=office, trace_id=trace_id
    )
    receipts = receipt_notices(deps, received, now)  # the receipt, by SMS and email (Decree 164/2025)
    try:
        deps.declarations.receive(declaration, received, [audit], now=now, notices=receipts)
    except ConcurrentChangeError as error:
        raise explain_lost_race(deps, declaration_id, RECEIVE, now, office) from error
    deps.outbox.enqueue(receipts)
    return received, registry_differences(received.form, received.registry)
