"""Use case: DynamoDB's TTL deleted an office declaration that was never
brought to an office; record the cancellation and tell the person."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..domain import templates
from ..domain.declaration import AWAITING_OFFICE, EXPIRED, Declaration, contact_is_verified, declaration_event
from ..domain.identifiers import format_counter_code
from ..domain.notification import Notification, notices_for
from ..domain.service_report import expiry_tally
from .deps import Deps

TTL_ACTOR = "system:dynamodb-ttl"


def handle_declaration_expiry(
    deps: Deps, declaration: Declaration, now: datetime, trace_id: str | None = None
) -> list[Notification]:
    """Idempotent: a redelivered stream record records, queues and counts
    nothing new (the audit event's id is fixed by the expiry, and its
    conditional put, the notices and the expiry counter are one transaction)."""
    if declaration.status != AWAITING_OFFICE:
        return []
    verified = contact_is_verified(declaration)
    expired_at = declaration.expires_at or now
    form = declaration.form
    code = format_counter_code(declaration.code)
    notices = (
        notices_for(
            source=f"declaration#{declaration.id}",
            kind="office_cancelled",
            phone=form.phone,
            email=form.email,
            sms=templates.office_cancelled_sms(code),
            mail=templates.office_cancelled_email(form.full_name, code),
            now=now,
        )
        if verified
        else []
    )
    audit = declaration_event(
        declaration,
        EXPIRED,
        actor=TTL_ACTOR,
        at=expired_at,
        office_code=declaration.office_code,
        trace_id=trace_id,
        from_status=AWAITING_OFFICE,
    )
    recorded = deps.outbox.record(notices, [audit], expiry_tally(replace(declaration, expires_at=expired_at)))
    deps.outbox.enqueue(recorded.to_enqueue)
    return recorded.to_enqueue
