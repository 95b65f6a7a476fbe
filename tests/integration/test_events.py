"""Event handlers (DynamoDB stream, SQS, EventBridge schedule) through
chalice.test.Client, with real-shaped events from tests/events/."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.models import AuditModel, NotificationModel
from tests.builders import form, other_person
from tests.fakes import FakeClock
from tests.integration.emulator import drain, event, sent_emails, sent_sms

DECLARATION_ID = "6f1c2b1e-7c1a-4b8e-9d4f-2a1b3c4d5e6f"


def submit(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = client.http.post("/v1/declarations", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 201, response.body
    result: dict[str, Any] = json.loads(response.body)
    return result


def test_ttl_removal_records_expiry_and_sends_the_cancellation(client: Any, aws: dict[str, Any]) -> None:
    client.lambda_.invoke("on_declaration_change", event("dynamodb_ttl_remove.json"))
    audit = list(AuditModel.query(DECLARATION_ID))
    assert [(a.from_status, a.to_status, a.actor) for a in audit] == [
        ("awaiting_office", "expired", "system:dynamodb-ttl")
    ]
    assert drain(aws) == 2
    sms = sent_sms()
    assert len(sms) == 1
    phone, text = sms[0]
    assert phone == "+84912345678"
    assert "K7PQ-3M9X" in text and "da tu huy" in text
    emails = sent_emails()
    assert len(emails) == 1
    assert "K7PQ-3M9X" in emails[0].subject


def test_redelivered_ttl_record_sends_nothing_twice(client: Any, aws: dict[str, Any]) -> None:
    client.lambda_.invoke("on_declaration_change", event("dynamodb_ttl_remove.json"))
    drain(aws)
    client.lambda_.invoke("on_declaration_change", event("dynamodb_ttl_remove.json"))
    drain(aws)
    assert len(sent_sms()) == 1
    assert len(list(AuditModel.query(DECLARATION_ID))) == 1


def test_user_removal_is_not_an_expiry(client: Any, aws: dict[str, Any]) -> None:
    client.lambda_.invoke("on_declaration_change", event("dynamodb_user_remove.json"))
    client.lambda_.invoke("on_declaration_change", event("dynamodb_insert.json"))
    assert list(AuditModel.query(DECLARATION_ID)) == []
    assert drain(aws) == 0
    assert sent_sms() == []


def test_sqs_worker_sends_once_even_when_redelivered(client: Any, aws: dict[str, Any]) -> None:
    client.lambda_.invoke("on_declaration_change", event("dynamodb_ttl_remove.json"))
    message = event("sqs_notification.json")
    notification_id = f"declaration#{DECLARATION_ID}#office_cancelled#sms"
    message["Records"][0]["body"] = json.dumps({"notification_id": notification_id})
    for _ in range(3):
        result = client.lambda_.invoke("deliver_notifications", message)
        assert result.payload == {"batchItemFailures": []}
    assert len(sent_sms()) == 1
    stored = NotificationModel.get(notification_id)
    assert stored.status == "sent"
    assert stored.attempts == 1
    assert stored.provider_message_id


def test_malformed_sqs_message_goes_to_the_dead_letter_queue(client: Any, aws: dict[str, Any]) -> None:
    import boto3

    message = event("sqs_notification.json")
    message["Records"][0]["body"] = "not json"
    result = client.lambda_.invoke("deliver_notifications", message)
    assert result.payload == {"batchItemFailures": []}  # not retried: it can never succeed
    sqs = boto3.client("sqs", region_name="ap-southeast-1")
    dead = sqs.receive_message(QueueUrl=aws["dead_letters"], MessageAttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in dead] == ["not json"]
    assert dead[0]["MessageAttributes"]["reason"]["StringValue"] == "malformed message"


def test_reminder_job_reminds_3_and_1_days_before_and_never_twice(
    client: Any, aws: dict[str, Any], clock: FakeClock
) -> None:
    first = submit(client, form())  # expires 2026-12-04 (Vietnam)
    submit(client, other_person())
    clock.now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam, 3 days before
    report = client.lambda_.invoke("office_reminders_job", event("schedule_office_reminders.json")).payload
    assert report["queued"] == 4  # two people, SMS + email each
    again = client.lambda_.invoke("office_reminders_job", event("schedule_office_reminders.json")).payload
    assert again["queued"] == 0
    assert again["requeued"] == 4  # not yet taken by a worker: queued again, harmlessly
    drain(aws)
    texts = [text for _, text in sent_sms() if "se tu huy" in text]  # beside the registry phones' alerts
    assert len(texts) == 2
    assert any(first["code"] in text and "con 3 ngay" in text for text in texts)

    clock.now = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # 1 day before
    report = client.lambda_.invoke("office_reminders_job", event("schedule_office_reminders.json")).payload
    assert report["by_kind"] == {"office_reminder_1d": 4}
    drain(aws)
    assert sum("con 1 ngay" in text for _, text in sent_sms()) == 2


def test_reminder_job_skips_other_days(client: Any, aws: dict[str, Any], clock: FakeClock) -> None:
    submit(client, form())
    clock.now = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 2 days before: no reminder
    report = client.lambda_.invoke("office_reminders_job", event("schedule_office_reminders.json")).payload
    assert report == {"examined": 0, "queued": 0, "requeued": 0, "unverified": 0, "by_kind": {}}
