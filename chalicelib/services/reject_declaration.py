"""Use case: the officer rejects a received dossier with reasons from the
catalogue; the SMS and email say what to fix and point to the nearest BHXH
office, the office lookup page and the hotline 1900 9068."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from ..domain import templates
from ..domain.decision import Decision
from ..domain.declaration import REJECTED, Declaration, declaration_event
from ..domain.errors import ConcurrentChangeError, FieldError, ValidationError
from ..domain.identifiers import format_counter_code
from ..domain.notification import Notification, notices_for
from ..domain.office import Office
from ..domain.rejection_reasons import MAX_NOTE, REASONS, describe
from ..domain.transitions import REJECT, check
from .deps import Deps
from .id_copy import discard_copy
from .officer_desk import Officer, explain_lost_race, load

FIELDS = ("reasons", "note")


def parse_rejection(body: Any) -> tuple[tuple[str, ...], str | None]:
    if not isinstance(body, dict):
        raise ValidationError([FieldError("", "invalid_type", {"expected": "object"})])
    errors = [FieldError(str(key)[:64], "unknown_field") for key in body if key not in FIELDS]
    reasons = body.get("reasons")
    note = body.get("note")
    if not isinstance(reasons, list) or not reasons:
        errors.append(FieldError("reasons", "required"))
        reasons = []
    elif len(reasons) > len(REASONS) or any(not isinstance(r, str) or r not in REASONS for r in reasons):
        errors.append(FieldError("reasons", "invalid_choice", {"choices": ", ".join(REASONS)}))
    if note is not None and not isinstance(note, str):
        errors.append(FieldError("note", "invalid_type", {"expected": "string"}))
        note = None
    note = " ".join(note.split()) if note else None
    if note and len(note) > MAX_NOTE:
        errors.append(FieldError("note", "too_long", {"max": str(MAX_NOTE)}))
    if "other" in reasons and not note:
        errors.append(FieldError("note", "required"))
    if errors:
        raise ValidationError(errors)
    return tuple(dict.fromkeys(str(r) for r in reasons)), note


def nearest_office(deps: Deps, declaration: Declaration) -> Office | None:
    """By the declarant's province (registry), else the office they chose."""
    province = (declaration.registry or {}).get("province_code")
    if province:
        offices = deps.offices.in_province(province)
        if offices:
            return offices[0]
    return deps.offices.get(declaration.received_office or declaration.office_code)


def rejection_notices(
    deps: Deps, declaration: Declaration, reasons: tuple[str, ...], note: str | None, now: datetime
) -> list[Notification]:
    """The rejection SMS and email: what was wrong, what to fix, the nearest
    office, the lookup page and the hotline (every rejection sends these)."""
    form = declaration.form
    code = format_counter_code(declaration.code)
    catalogue = [describe(r) for r in reasons]
    office = nearest_office(deps, declaration)
    return notices_for(
        source=f"declaration#{declaration.id}",
        kind="declaration_rejected",
        phone=form.phone,
        email=form.email,
        sms=templates.rejection_sms(code, catalogue[0].sms, len(catalogue) - 1),
        mail=templates.rejection_email(
            form.full_name,
            code,
            [(r.vi, r.fix_vi, r.en, r.fix_en) for r in catalogue],
            note,
            (office.name, office.address, office.phone) if office else None,
        ),
        now=now,
    )


def reject_declaration(
    deps: Deps, declaration_id: str, body: Any, officer: Officer, now: datetime, *, trace_id: str | None = None
) -> Declaration:
    reasons, note = parse_rejection(body)
    office_code = officer.require_office()
    declaration = load(deps, declaration_id)
    check(declaration, REJECT, now, office_code)
    notices = rejection_notices(deps, declaration, reasons, note, now)
    rejected = replace(
        declaration, status=REJECTED, decided_at=now, decided_by=officer.username, reasons=reasons, note=note
    )
    audit = declaration_event(
        declaration, REJECTED, actor=officer.username, at=now, office_code=office_code, trace_id=trace_id
    )
    decision = Decision(
        before=declaration,
        after=rejected,
        notices=notices,
        audit=[audit],
    )
    try:
        deps.declarations.decide(decision)
    except ConcurrentChangeError as error:
        raise explain_lost_race(deps, declaration_id, REJECT, now, office_code) from error
    deps.outbox.enqueue(notices)
    discard_copy(deps, rejected)
    return rejected
