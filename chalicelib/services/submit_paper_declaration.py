"""Use case: an officer types in a paper Form 01 handed in at the counter;
it is received at once and must be decided within 3 working days.

The officer is authenticated and the person is at the counter, so a person
who has an account already is told so (``account_exists``); someone else's
open declaration never stands in the way (DESIGN §2 "Nobody blocks anybody")."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from ..domain.declaration import (
    RECEIVED,
    Declaration,
    account_guard_keys,
    declaration_event,
    new_paper_declaration,
    vn_today,
)
from ..domain.errors import FieldError, ValidationError
from ..domain.form01 import parse_form01
from ..domain.notification import AuditEvent, Notification
from ..domain.working_days import due_date
from .counter_codes import create_with_free_code
from .deps import Deps
from .dossier_receipt import receipt_notices
from .find_account import registry_record
from .officer_desk import Officer


def submit_paper_declaration(
    deps: Deps, body: Any, officer: Officer, now: datetime, trace_id: str | None = None
) -> Declaration:
    office = officer.require_office()
    form = parse_form01(body, today=vn_today(now))
    if deps.offices.get(form.office_code) is None:
        raise ValidationError([FieldError("office_code", "unknown_office")])
    participant = registry_record(deps, form)
    snapshot = asdict(participant) if participant else None

    def build(code: str) -> Declaration:
        declaration = new_paper_declaration(
            form,
            declaration_id=deps.new_id(),
            code=code,
            now=now,
            officer=officer.username,
            office_code=office,
            due_by=due_date(vn_today(now)),
        )
        return replace(declaration, registry=snapshot)

    def audit_for(declaration: Declaration) -> AuditEvent:
        return declaration_event(
            declaration,
            RECEIVED,
            actor=officer.username,
            at=now,
            office_code=office,
            trace_id=trace_id,
            from_status=None,
        )

    receipts: list[Notification] = []

    def notices_for(declaration: Declaration) -> list[Notification]:
        receipts[:] = receipt_notices(deps, declaration, now)  # the receipt, by SMS and email
        return list(receipts)

    declaration = create_with_free_code(deps, build, audit_for, account_guard_keys(form), now, notices_for=notices_for)
    deps.outbox.enqueue(receipts)
    return declaration
