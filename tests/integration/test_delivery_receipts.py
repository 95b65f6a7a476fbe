"""Issue 15, item 1 on the emulator: a notice sent by the worker (moto's SNS and SES give the
message ids), then the providers' receipts through the deployed handlers: the SMS delivery-status
log subscription (``sms_delivery_status``) and SES's events on the feedback topic (``ses_feedback``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.models import NotificationModel
from chalicelib.domain.notification import EMAIL, SMS, Notification
from tests.integration.emulator import drain, event
from tests.unit.test_delivery_receipts import awslogs, sms_logs


def _sent(container: Any, aws: dict[str, Any], channel: str) -> NotificationModel:
    now = container.clock()
    recipient = "+84912345678" if channel == SMS else "an.nguyen@example.vn"
    notice = Notification(f"n-{channel}", "account_approved", channel, recipient, "Xin chao", "src", now, subject="S")
    recorded = container.outbox.record([notice], [])
    container.outbox.enqueue(recorded.to_enqueue)
    assert drain(aws) == 1
    item = NotificationModel.get(notice.id)
    assert item.status == "sent" and item.provider_message_id
    assert item.expires_at is not None and (item.expires_at - item.created_at).days == 396  # 13 months, then TTL
    return item


def test_an_sms_receipt_marks_the_notice_delivered_once(client: Any, container: Any, aws: dict[str, Any]) -> None:
    item = _sent(container, aws, SMS)
    logs = sms_logs()
    record = json.loads(logs["logEvents"][0]["message"])
    record["notification"]["messageId"] = item.provider_message_id
    logs["logEvents"][0]["message"] = json.dumps(record)
    answer = client.lambda_.invoke("sms_delivery_status", awslogs(logs))
    assert answer.payload == {"applied": 1, "delivered": 1, "unknown": 1}
    again = client.lambda_.invoke("sms_delivery_status", awslogs(logs))
    assert again.payload == {"ignored": 1, "unknown": 1}
    stored = NotificationModel.get(item.id)
    assert (stored.status, stored.delivery_reason) == ("delivered", "Message has been accepted by phone carrier")
    assert stored.delivery_at == datetime(2026, 11, 24, 3, 0, 1, 250000, tzinfo=UTC)


def test_an_ses_bounce_event_fails_the_email_and_suppresses_the_address(
    client: Any, container: Any, aws: dict[str, Any]
) -> None:
    item = _sent(container, aws, EMAIL)
    sns = event("ses_event_bounce.json")
    body = json.loads(sns["Records"][0]["Sns"]["Message"])
    body["mail"]["messageId"] = item.provider_message_id
    sns["Records"][0]["Sns"]["Message"] = json.dumps(body)
    client.lambda_.invoke("ses_feedback", sns)
    stored = NotificationModel.get(item.id)
    assert stored.status == "failed" and stored.delivery_reason.startswith("bounce; Permanent; General")
    assert container.outbox.is_email_suppressed("an.nguyen@example.vn")


def test_a_mark_sent_that_keeps_losing_to_busy_counters_never_sends_twice(
    client: Any, container: Any, aws: dict[str, Any], monkeypatch: Any
) -> None:
    """The notice is out already: when its transaction with the day's counters outlasts the
    retries, the ledger is marked sent alone, so no redelivery sends it again."""
    from chalicelib.adapters import transactions
    from chalicelib.domain.errors import ServiceBusyError
    from tests.integration.emulator import sent_emails

    now = container.clock()
    notice = Notification(
        "n-busy", "account_approved", EMAIL, "an.nguyen@example.vn", "Xin chao", "src", now, subject="S"
    )
    container.outbox.enqueue(container.outbox.record([notice], []).to_enqueue)

    def busy(self: Any) -> None:
        raise ServiceBusyError()

    monkeypatch.setattr(transactions.LabelledTransaction, "commit", busy)
    assert drain(aws) == 1
    item = NotificationModel.get(notice.id)
    assert item.status == "sent" and item.provider_message_id and item.secret is None
    container.outbox.enqueue([notice])  # SQS delivers the message again
    container.clock.advance(hours=1)  # long after any claim would have gone stale
    drain(aws)
    assert len([m for m in sent_emails() if "an.nguyen@example.vn" in m.destinations["ToAddresses"]]) == 1
