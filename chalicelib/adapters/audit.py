"""Audit events as DynamoDB items (written inside other adapters' transactions)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from ..domain.notification import AuditEvent
from .models import AuditModel
from .transactions import LabelledTransaction


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
        detail=dict(event.detail) if event.detail else None,
        at=event.at.astimezone(UTC),
    )


def save_audit(tx: LabelledTransaction, audit: Iterable[AuditEvent]) -> None:
    """Add the events to ``tx``, each on condition it is new: a replayed event cancels the transaction."""
    for event in audit:
        tx.save("audit", audit_model(event), condition=AuditModel.event_id.does_not_exist())
