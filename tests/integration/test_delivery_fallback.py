"""Issue 15, item 2 on the emulator, through the deployed handlers: a decision's notices sent by
the worker (moto's SNS and SES), then the providers' receipts (``sms_delivery_status``,
``ses_feedback``) and the 5-minute sweep (``delivery_fallback_job``), as tests/events/ shapes them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from chalicelib.adapters.models import AuditModel, NotificationModel
from chalicelib.domain import templates
from chalicelib.domain.fallback import FALLBACK_KIND, FALLBACK_STATUSES, fallback_id
from chalicelib.domain.notification import Notification, notices_for
from tests.integration.emulator import drain, event, sent_emails, sent_sms
from tests.unit.test_delivery_receipts import awslogs, sms_logs

PHONE = "+84912345678"
ADDRESS = "an.nguyen@example.vn"
SOURCE = "declaration#d-fallback"


def decide(container: Any, aws: dict[str, Any], *, email: str | None = ADDRESS) -> list[Notification]:
    notices = notices_for(
        source=SOURCE,
        kind="declaration_rejected",
        phone=PHONE,
        email=email,
        sms=templates.rejection_sms("K7PQ-3M9X", "Anh CCCD bi mo", 0),
        mail=templates.rejection_email(
            "Nguyễn Văn An", "K7PQ-3M9X", [("Ảnh mờ", "Chụp lại", "Blurred", "Retake")], None, None
        ),
        now=container.clock(),
    )
    container.outbox.enqueue(container.outbox.record(notices, []).to_enqueue)
    assert drain(aws) == len(notices)
    return notices


def provider_id(notice_id: str) -> str:
    found = NotificationModel.get(notice_id).provider_message_id
    assert found
    return found


def sms_failure(notice_id: str) -> dict[str, Any]:
    logs = sms_logs()
    record = json.loads(logs["logEvents"][1]["message"])
    record["notification"]["messageId"] = provider_id(notice_id)
    logs["logEvents"] = [{**logs["logEvents"][1], "message": json.dumps(record)}]
    return awslogs(logs)


def ses_event(name: str, notice_id: str) -> dict[str, Any]:
    sns = event(name)
    body = json.loads(sns["Records"][0]["Sns"]["Message"])
    body["mail"]["messageId"] = provider_id(notice_id)
    sns["Records"][0]["Sns"]["Message"] = json.dumps(body)
    return sns


def fallback_events() -> list[AuditModel]:
    return [a for a in AuditModel.query(SOURCE) if a.to_status in FALLBACK_STATUSES]


def test_an_sms_failure_sends_one_email_and_a_redelivered_log_nothing_more(
    client: Any, container: Any, aws: dict[str, Any]
) -> None:
    sms, _ = decide(container, aws)
    emails_before = len(sent_emails())

    first = client.lambda_.invoke("sms_delivery_status", sms_failure(sms.id)).payload
    again = client.lambda_.invoke("sms_delivery_status", sms_failure(sms.id)).payload

    assert first == {"applied": 1, "failed": 1, "fallback_queued": 1}
    assert again == {"ignored": 1}
    assert drain(aws) == 1
    [mail] = sent_emails()[emails_before:]
    assert mail.destinations["ToAddresses"] == [ADDRESS]
    assert "+84******678" in mail.body and "K7PQ-3M9X" in mail.body
    stored = NotificationModel.get(sms.id)
    assert (stored.status, stored.fallback) == ("failed", fallback_id(sms))
    fallback = NotificationModel.get(fallback_id(sms))
    assert (fallback.kind, fallback.channel, fallback.status) == (FALLBACK_KIND, "email", "sent")
    [audit] = fallback_events()
    assert (audit.to_status, audit.reason, audit.actor) == (
        "fallback_by_email",
        "sms_failed",
        "system:delivery-fallback",
    )
    assert drain(aws) == 0  # nothing else queued


def test_a_hard_bounce_sends_one_sms_a_soft_one_none(client: Any, container: Any, aws: dict[str, Any]) -> None:
    _, email = decide(container, aws)
    sms_before = len(sent_sms())

    client.lambda_.invoke("ses_feedback", ses_event("ses_event_bounce_transient.json", email.id))
    assert fallback_events() == [] and drain(aws) == 0
    client.lambda_.invoke("ses_feedback", ses_event("ses_event_bounce.json", email.id))
    client.lambda_.invoke("ses_feedback", ses_event("ses_event_bounce.json", email.id))  # SNS delivers it again

    assert drain(aws) == 1
    [(phone, text)] = sent_sms()[sms_before:]
    assert phone == PHONE and text.startswith("BHXH VN: Email bao ho so DK giao dich dien tu khong duoc chap nhan")
    [audit] = fallback_events()
    assert (audit.to_status, audit.reason, audit.channel) == ("fallback_by_sms", "email_bounced", "sms")


def test_the_sweep_falls_back_for_a_silent_sms_once(client: Any, container: Any, aws: dict[str, Any]) -> None:
    sms, _ = decide(container, aws)
    scheduled = event("schedule_delivery_fallback.json")

    container.clock.advance(minutes=9)
    assert client.lambda_.invoke("delivery_fallback_job", scheduled).payload == {
        "looked_at": 0,
        "queued": 0,
        "unavailable": 0,
        "requeued": 0,
    }
    container.clock.advance(minutes=2)
    assert client.lambda_.invoke("delivery_fallback_job", scheduled).payload["queued"] == 1
    assert drain(aws) == 1
    assert NotificationModel.get(fallback_id(sms)).status == "sent"
    container.clock.advance(minutes=5)
    again = client.lambda_.invoke("delivery_fallback_job", scheduled).payload
    assert (again["looked_at"], again["requeued"]) == (0, 0)
    # The SMS's failure comes after all: the ledger says so, and nothing more is sent.
    assert client.lambda_.invoke("sms_delivery_status", sms_failure(sms.id)).payload == {
        "applied": 1,
        "failed": 1,
        "fallback_already": 1,
    }
    assert drain(aws) == 0
    [audit] = fallback_events()
    assert audit.reason == "sms_no_receipt"


def test_the_sweep_reaches_across_midnight(container: Any, aws: dict[str, Any]) -> None:
    """The day index is read for each day the window covers."""
    from chalicelib.services.delivery_fallback import fall_back_unreceipted

    container.clock.advance(hours=20, minutes=55)  # 23:55 UTC
    decide(container, aws, email=None)
    report = fall_back_unreceipted(container, container.clock() + timedelta(minutes=15))
    assert (report.looked_at, report.queued, report.unavailable) == (1, 0, 1)
    assert fall_back_unreceipted(container, container.clock() + timedelta(minutes=20)).looked_at == 0


def test_a_fallback_never_queued_is_queued_by_the_next_sweep(container: Any, aws: dict[str, Any]) -> None:
    """The queue refused it (or the function stopped) after the ledger stored it: still ``queued``."""
    from chalicelib.domain.fallback import plan_fallback
    from chalicelib.services.delivery_fallback import fall_back_unreceipted

    sms, email = decide(container, aws)
    plan = plan_fallback(container.outbox.get(sms.id), container.outbox.get(email.id), "sms_failed", container.clock())
    assert container.outbox.record_fallback(plan) and plan.fallback is not None  # stored, not queued
    report = fall_back_unreceipted(container, container.clock() + timedelta(minutes=3))
    assert report.requeued == 1
    assert drain(aws) == 1 and NotificationModel.get(plan.fallback.id).status == "sent"
    assert fall_back_unreceipted(container, container.clock() + timedelta(minutes=8)).requeued == 0
