"""Use case: the officer approves a received dossier; the account is issued
and activated and the approval SMS and email (username and temporary
password) are queued, all in one transaction with the status change. Then
the same person's other open declarations are cancelled by the notice worker (``cancel_superseded``)."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime

from ..domain.decision import Decision
from ..domain.declaration import APPROVED, Declaration, declaration_event
from ..domain.errors import ConcurrentChangeError, IdCopyMissingError, RegistryMismatchError
from ..domain.registry_check import registry_differences
from ..domain.transitions import APPROVE, check
from .cancel_superseded import queue_cancellation
from .deps import Deps
from .find_account import registry_record
from .issue_account import citizen_holder, prepare_account
from .officer_desk import Officer, explain_lost_race, load


def approve_declaration(
    deps: Deps, declaration_id: str, officer: Officer, now: datetime, trace_id: str | None = None
) -> Declaration:
    office = officer.require_office()
    declaration = load(deps, declaration_id)
    check(declaration, APPROVE, now, office)
    if declaration.keeps_id_copy and declaration.id_copy is None:
        raise IdCopyMissingError()
    form = declaration.form
    participant = registry_record(deps, form)
    differences = registry_differences(form, asdict(participant) if participant else None)
    if differences:
        raise RegistryMismatchError([d.to_dict() for d in differences])
    prepared = prepare_account(
        deps,
        citizen_holder(form, participant),
        now=now,
        source=f"declaration#{declaration.id}",
        actor=officer.username,
        channel=declaration.channel,
        trace_id=trace_id,
    )
    approved = replace(declaration, status=APPROVED, decided_at=now, decided_by=officer.username)
    audit = declaration_event(
        declaration, APPROVED, actor=officer.username, at=now, office_code=office, trace_id=trace_id
    )
    decision = Decision(
        before=declaration,
        after=approved,
        notices=prepared.notices,
        audit=[audit, prepared.audit],
        account=prepared.account,
        account_guards=prepared.guard_keys,
    )
    try:
        deps.declarations.decide(decision)
    except ConcurrentChangeError as error:
        raise explain_lost_race(deps, declaration_id, APPROVE, now, office) from error
    deps.outbox.enqueue(prepared.notices)
    queue_cancellation(deps, approved, actor=officer.username, office_code=office, trace_id=trace_id)
    return approved
