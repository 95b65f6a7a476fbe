"""Use case: an individual confirms Form 01 online and chooses to submit the
dossier at a BHXH office (notice 2659/BHXH-CNTT, section 2, steps 1-2).

Anonymous: nothing here is verified yet, so nothing here refuses or reveals
anything about the person named (DESIGN §2 "Nobody blocks anybody"). Another
open declaration or an account of the same person changes neither the status
nor the body of the answer; the registry's contacts of the person named are
alerted instead (``alert_named_people``). The counter, a valid signature or
an approval settles which declaration is real; an approval cancels the others."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from ..domain.declaration import (
    AWAITING_OFFICE,
    CHANNEL_OFFICE,
    Declaration,
    audit_event_id,
    counter_code_guard,
    new_office_declaration,
    vn_today,
)
from ..domain.errors import FieldError, ValidationError
from ..domain.form01 import parse_form01
from ..domain.identifiers import new_counter_code
from ..domain.notification import AuditEvent
from .alert_named_people import alert_named_people, named_people
from .deps import Deps
from .ports import CounterCodeTakenError, Office

CODE_ATTEMPTS = 5


@dataclass(frozen=True)
class Submitted:
    declaration: Declaration
    office: Office


def submit_office_declaration(deps: Deps, body: Any, now: datetime, trace_id: str | None = None) -> Submitted:
    form = parse_form01(body, today=vn_today(now))
    office = deps.offices.get(form.office_code)
    if office is None:
        raise ValidationError([FieldError("office_code", "unknown_office")])
    # Read once now, so the officer sees the differences when the dossier arrives.
    participant = deps.registry.get(form.bhxh_code)
    named = named_people(deps, form, participant)
    snapshot = asdict(participant) if participant else None
    for _ in range(CODE_ATTEMPTS):
        declaration = new_office_declaration(form, declaration_id=deps.new_id(), code=new_counter_code(), now=now)
        declaration = replace(declaration, registry=snapshot)
        audit = AuditEvent(
            subject=declaration.id,
            event_id=audit_event_id(declaration.confirmed_at, AWAITING_OFFICE),
            from_status=None,
            to_status=AWAITING_OFFICE,
            actor="declarant",
            channel=CHANNEL_OFFICE,
            at=declaration.confirmed_at,
            office_code=office.office_code,
            trace_id=trace_id,
        )
        try:
            deps.declarations.create(declaration, [counter_code_guard(declaration.code)], [], [audit], now)
        except CounterCodeTakenError:
            continue
        alert_named_people(deps, named, declaration, now)
        return Submitted(declaration, office)
    raise RuntimeError("no free counter code after several draws")
