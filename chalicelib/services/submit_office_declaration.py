"""Use case: an individual confirms Form 01 online and chooses to submit the
dossier at a BHXH office (notice 2659/BHXH-CNTT, section 2, steps 1-2).

Anonymous: nothing here is verified yet, so nothing here refuses or reveals
anything about the person named (DESIGN §2 "Nobody blocks anybody"). Another
open declaration or an account of the same person changes neither the status
nor the body of the answer; the registry's contacts of the person named are
alerted instead, by the notice worker (``alert_named_people``). The counter, a valid signature or
an approval settles which declaration is real; an approval cancels the others."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from ..domain.declaration import (
    AWAITING_OFFICE,
    Declaration,
    declaration_event,
    new_office_declaration,
    vn_today,
)
from ..domain.errors import FieldError, ValidationError
from ..domain.form01 import parse_form01
from ..domain.notification import AuditEvent
from ..domain.office import Office
from .alert_named_people import DECLARATION_ALERT
from .counter_codes import create_with_free_code
from .deps import Deps
from .find_account import registry_record


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
    participant = registry_record(deps, form)
    snapshot = asdict(participant) if participant else None

    def build(code: str) -> Declaration:
        declaration = new_office_declaration(form, declaration_id=deps.new_id(), code=code, now=now)
        return replace(declaration, registry=snapshot)

    def audit_for(declaration: Declaration) -> AuditEvent:
        return declaration_event(
            declaration,
            AWAITING_OFFICE,
            actor="declarant",
            at=declaration.confirmed_at,
            office_code=office.office_code,
            trace_id=trace_id,
            from_status=None,
        )

    declaration = create_with_free_code(deps, build, audit_for, [], now)
    # Whether the registry knows the person named, and what they are told, is worked out behind
    # the queue: this request costs the same, and answers the same, for anyone named.
    deps.outbox.enqueue_task(DECLARATION_ALERT, {"declaration_id": declaration.id})
    return Submitted(declaration, office)
