"""The bodies of the event handlers ``app.py`` declares (their Lambda handler
names, ``app.<name>``, are what the deployment's functions, roles and alarms
are named after, so the decorators stay there): parse the event, run one use
case, record metrics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalice.app import DynamoDBEvent, SNSEvent, SQSEvent

from ..bootstrap import container
from ..observability import MetricUnit, flush_metrics, logger, metrics


def deliver_notifications(event: SQSEvent) -> dict[str, Any]:
    """Send each queued notice; report only the failed messages back to SQS
    (the event source mapping has ReportBatchItemFailures, see infra/)."""
    from ..services.deliver_notification import QueuedMessage, deliver_batch

    deps = container()
    messages = [
        QueuedMessage(record.to_dict().get("messageId", ""), record.receipt_handle, record.body) for record in event
    ]
    result = deliver_batch(deps, messages, deps.clock())
    for delivery in result.deliveries:
        dimensions = {"outcome": delivery.outcome}
        logger.info("notice processed", extra={**dimensions, "kind": delivery.kind, "reason": delivery.reason})
        if delivery.outcome == "sent":
            metrics.add_metric(name="NoticeLatency", unit=MetricUnit.Seconds, value=delivery.latency_seconds)
            metrics.add_metric(name="NoticesSent", unit=MetricUnit.Count, value=1)
        elif delivery.outcome == "suppressed":
            metrics.add_metric(name="NoticesSuppressed", unit=MetricUnit.Count, value=1)
    if result.dead_lettered:
        metrics.add_metric(name="NoticesDeadLettered", unit=MetricUnit.Count, value=result.dead_lettered)
    if result.failed:
        logger.warning("notices to retry", extra={"count": len(result.failed)})
    flush_metrics()
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in result.failed]}


def ses_feedback(event: SNSEvent) -> None:
    """SES events (delivery, bounce, complaint, reject, rendering failure): the notice's receipt in
    the ledger; later emails to a bounced or complaining address are suppressed (SMS still goes)."""
    from ..services.delivery_receipts import handle_ses_message
    from ..services.email_feedback import handle_ses_feedback

    receipt_metrics(handle_ses_message(container(), event.message))  # the ledger: delivered or failed
    suppressed = handle_ses_feedback(container(), event.message)
    if suppressed:
        metrics.add_metric(name="EmailAddressesSuppressed", unit=MetricUnit.Count, value=suppressed)
    flush_metrics()


def sms_delivery_status(event: dict[str, Any]) -> dict[str, int]:
    """SNS's SMS delivery-status log events (a CloudWatch Logs subscription): the ledger's receipts."""
    from ..services.delivery_receipts import handle_sms_status_logs

    outcomes = handle_sms_status_logs(container(), event)
    receipt_metrics(outcomes)
    logger.info("sms receipts", extra=dict(outcomes))  # counts only: no phone, no message id
    flush_metrics()
    return dict(outcomes)


def receipt_metrics(outcomes: Mapping[str, int]) -> None:
    """NoticesDelivered / NoticesUndelivered (the failed-delivery alarm's rate), ReceiptsUnknown, and
    the decisions that fell back to the other channel or had none (the fallback-volume alarm)."""
    names = {
        "delivered": "NoticesDelivered",
        "failed": "NoticesUndelivered",
        "unknown": "ReceiptsUnknown",
        **FALLBACK_METRICS,
    }
    for key, name in names.items():
        if outcomes.get(key):
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=outcomes[key])


def declaration_changes(event: DynamoDBEvent) -> None:
    """TTL deletions of office declarations never brought to an office."""
    from ..adapters.stream_records import ttl_expired_declarations
    from ..services.handle_declaration_expiry import handle_declaration_expiry

    deps = container()
    for declaration in ttl_expired_declarations(record.to_dict() for record in event):
        queued = handle_declaration_expiry(deps, declaration, deps.clock())
        metrics.add_metric(name="DeclarationsExpired", unit=MetricUnit.Count, value=1)
        logger.info("declaration expired", extra={"declaration_id": declaration.id, "notices": len(queued)})
    flush_metrics()


def accounts_issued(event: DynamoDBEvent) -> None:
    """Every new account, whatever the channel: its holder's unit counts it
    once if they are rostered. A failure re-delivers the batch; counting is
    conditional, so what was counted is not counted again."""
    from ..adapters.stream_records import issued_accounts
    from ..domain.campaign import COUNTED
    from ..services.campaign import count_issued_account

    deps = container()
    counted = sum(
        count_issued_account(deps, issued.username, issued.created_at, issued.channel) == COUNTED
        for issued in issued_accounts(record.to_dict() for record in event)
    )
    if counted:
        metrics.add_metric(name="CampaignRegistrationsCounted", unit=MetricUnit.Count, value=counted)
    flush_metrics()


FALLBACK_METRICS = {"fallback_queued": "NoticeFallbacks", "fallback_unavailable": "NoticeFallbacksUnavailable"}


def delivery_fallback_job() -> dict[str, Any]:
    """Every 5 minutes: decisions' SMS with no receipt after ``fallback_after_minutes`` go by email."""
    report = scheduled_job("delivery-fallback")
    receipt_metrics({"fallback_queued": report["queued"], "fallback_unavailable": report["unavailable"]})
    flush_metrics()
    return report


def scheduled_job(name: str) -> dict[str, Any]:
    """A daily job for today (Vietnam), as ``python -m ops run-job NAME`` runs it."""
    from ..domain.declaration import vn_today
    from ..jobs import run_job

    deps = container()
    now = deps.clock()
    report = run_job(name, deps, vn_today(now), now)
    # Counts only: a report may list recipients.
    logger.info("job done", extra={"job": name, **{k: v for k, v in report.items() if isinstance(v, int | dict)}})
    return report
