"""Use case: a declaration was approved (at the counter, or automatically on
the signed channel); the same person's other open declarations are cancelled
(DESIGN §2 "Nobody blocks anybody").

Several unverified declarations may name one person; the approval settles
which was real. The approval queues a task (``queue_cancellation``) and the
notice worker cancels the others, one transaction each (so an approval costs
the same 3 DynamoDB requests however many declarations name the person), each conditional on its status being unchanged
and on it not having lapsed (a lapsed office declaration is the TTL handler's
to count as expired). A cancellation lost to a concurrent change is skipped.
Should any remain open (a crash in between, more than the lookups return),
none of them can ever be approved: the account's guards refuse a second
account, and office declarations lapse after 10 days anyway.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.declaration import (
    APPROVED,
    CANCELLED,
    SUPERSEDED,
    Declaration,
    declaration_event,
    identity_key,
    is_cancellable,
    superseded,
)
from ..domain.errors import ConcurrentChangeError
from .deps import Deps
from .id_copy import discard_copy

SUPERSEDED_CANCELLATION = "cancel_superseded"  # the task an approval queues
MAX_BY_CODE = 100  # declarations read by social-insurance code (the ID number lookup reads 20)


def same_person(approved: Declaration, other: Declaration) -> bool:
    """By social-insurance code or by ID document (type-aware, as the account guards)."""
    return other.form.bhxh_code == approved.form.bhxh_code or identity_key(other.form) == identity_key(approved.form)


def others_of_the_person(deps: Deps, approved: Declaration) -> list[Declaration]:
    found = {d.id: d for d in deps.declarations.find_by_bhxh_code(approved.form.bhxh_code, limit=MAX_BY_CODE)}
    found.update({d.id: d for d in deps.declarations.find_by_id_number(approved.id_number)})
    return sorted(
        (d for d in found.values() if d.id != approved.id and same_person(approved, d)),
        key=lambda d: (d.created_at, d.id),
    )


def cancel_superseded(
    deps: Deps,
    approved: Declaration,
    *,
    actor: str,
    office_code: str | None,
    now: datetime,
    trace_id: str | None = None,
) -> list[Declaration]:
    """Cancel the person's other open declarations; returns those cancelled."""
    cancelled: list[Declaration] = []
    for other in others_of_the_person(deps, approved):
        if not is_cancellable(other, now):
            continue
        after = superseded(other, by=actor, now=now)
        audit = declaration_event(
            other, CANCELLED, actor=actor, at=now, office_code=office_code, trace_id=trace_id, reason=SUPERSEDED
        )
        try:
            deps.declarations.cancel(other, after, [audit], now=now)
        except ConcurrentChangeError:
            continue  # received, decided or lapsed meanwhile: its new status stands
        discard_copy(deps, after)
        cancelled.append(after)
    return cancelled


def queue_cancellation(
    deps: Deps, approved: Declaration, *, actor: str, office_code: str | None, trace_id: str | None
) -> None:
    """After an approval: the worker cancels the person's other open declarations."""
    payload = {
        "declaration_id": approved.id,
        "actor": actor,
        "office_code": office_code or "",
        "trace_id": trace_id or "",
    }
    deps.outbox.enqueue_task(SUPERSEDED_CANCELLATION, payload)


def handle_cancellation(deps: Deps, task: dict[str, Any], now: datetime) -> bool:
    """Worker side of ``queue_cancellation``; True when anything was cancelled."""
    approved = deps.declarations.get(str(task.get("declaration_id", ""))[:64])
    if approved is None or approved.status != APPROVED:
        return False
    cancelled = cancel_superseded(
        deps,
        approved,
        actor=str(task.get("actor", ""))[:64],
        office_code=str(task.get("office_code", ""))[:32] or None,
        now=now,
        trace_id=str(task.get("trace_id", ""))[:64] or None,
    )
    return bool(cancelled)
