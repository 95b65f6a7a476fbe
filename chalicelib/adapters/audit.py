"""Audit events as DynamoDB items (written inside other adapters' transactions)."""

from __future__ import annotations

from datetime import UTC

from ..domain.notification import AuditEvent
from .models import AuditModel


def audit_model(event: AuditEvent) -> AuditModel:
    return AuditModel(
        event.subject,
        event.event_id,
        from_status=event.from_status,
        to_status=event.to_status,
        actor=event.actor,
        channel=event.channel,
        office_code=event.office_code,
        trace_id=event.trace_id,
        reason=event.reason,
        at=event.at.astimezone(UTC),
    )
