"""Issue 15, item 2 with the fakes: a decision that did not reach the person by one channel goes
by the other, once. Receipts shaped as the providers send them (tests/events/ through the
helpers of test_delivery_receipts); the notices are the real decision notices, sent by the worker."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain import templates
from chalicelib.domain.fallback import (
    FALLBACK_BY_EMAIL,
    FALLBACK_KIND,
    FALLBACK_STATUSES,
    FALLBACK_UNAVAILABLE,
    fallback_id,
)
from chalicelib.domain.notification import EMAIL, SMS, Notification, notices_for
from chalicelib.services.deliver_notification import deliver_notices
from chalicelib.services.delivery_fallback import fall_back_unreceipted
from chalicelib.services.delivery_receipts import handle_ses_event, handle_sms_status_logs
from tests.fakes import FakeDeps
from tests.unit.test_delivery_receipts import awslogs, ses_event, sms_logs

PHONE = "+84912345678"
EMAIL_ADDRESS = "an.nguyen@example.vn"
SOURCE = "declaration#d-1"


def decide(deps: FakeDeps, *, email: str | None = EMAIL_ADDRESS, kind: str = "account_approved") -> list[Notification]:
    """An approval (its SMS and email carry a temporary password) recorded and sent by the worker."""
    now = deps.clock()
    notices = notices_for(
        source=SOURCE,
        kind=kind,
        phone=PHONE,
        email=email,
        sms=templates.account_approved_sms("0123456789", "34679ACDEFGH"),
        mail=templates.account_approved_email("Nguyễn Văn An", "0123456789", "34679ACDEFGH"),
        now=now,
        secret="34679ACDEFGH",
    )
    deps.outbox.enqueue(deps.outbox.record(notices, []).to_enqueue)
    drain(deps)
    return notices


def drain(deps: FakeDeps) -> int:
    queued, deps.outbox.queue = list(deps.outbox.queue), []
    deliveries = deliver_notices(deps, queued, deps.clock())
    assert all(d.outcome == "sent" for d in deliveries.values()), deliveries
    return len(deliveries)


def provider_id(deps: FakeDeps, notice_id: str) -> str:
    found = deps.outbox.stored[notice_id].provider_message_id
    assert found
    return found


def sms_failure(deps: FakeDeps, notice_id: str, *, late: timedelta = timedelta(seconds=5)) -> dict[str, Any]:
    """SNS's FAILURE log record for the SMS the worker sent as ``notice_id``."""
    logs = sms_logs()
    record = json.loads(logs["logEvents"][1]["message"])
    assert record["status"] == "FAILURE"
    record["notification"]["messageId"] = provider_id(deps, notice_id)
    record["notification"]["timestamp"] = (deps.clock() + late).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    logs["logEvents"] = [{**logs["logEvents"][1], "message": json.dumps(record)}]
    return awslogs(logs)


def sms_success(deps: FakeDeps, notice_id: str) -> dict[str, Any]:
    logs = sms_logs()
    record = json.loads(logs["logEvents"][0]["message"])
    record["notification"]["messageId"] = provider_id(deps, notice_id)
    logs["logEvents"] = [{**logs["logEvents"][0], "message": json.dumps(record)}]
    return awslogs(logs)


def bounce(deps: FakeDeps, notice_id: str, bounce_type: str = "Permanent") -> dict[str, Any]:
    event = ses_event("ses_event_bounce.json", provider_id(deps, notice_id))
    event["bounce"]["bounceType"] = bounce_type
    return event


def fallbacks(deps: FakeDeps) -> list[Notification]:
    return [s.notice for s in deps.outbox.stored.values() if s.notice.kind == FALLBACK_KIND]


def fallback_audit(deps: FakeDeps) -> list[Any]:
    return [a for a in deps.outbox.audit if a.to_status in FALLBACK_STATUSES]


def test_an_sms_that_fails_goes_once_by_email_without_the_password(fake_deps: FakeDeps) -> None:
    sms, _ = decide(fake_deps)
    fake_deps.sender.emails.clear()

    outcomes = handle_sms_status_logs(fake_deps, sms_failure(fake_deps, sms.id))

    assert outcomes == {"applied": 1, "failed": 1, "fallback_queued": 1}
    [fallback] = fallbacks(fake_deps)
    assert (fallback.id, fallback.channel, fallback.recipient) == (fallback_id(sms), EMAIL, EMAIL_ADDRESS)
    assert drain(fake_deps) == 1
    [(to, subject, text, html)] = fake_deps.sender.emails
    assert to == EMAIL_ADDRESS and "không đến được máy" in subject
    assert "+84******678" in text and "TK: 0123456789 MK tam: ******" in text
    assert "34679ACDEFGH" not in text + html  # the password is never repeated (nor stored: it was erased)
    [audit] = fallback_audit(fake_deps)
    assert (audit.subject, audit.to_status, audit.channel, audit.reason) == (
        SOURCE,
        FALLBACK_BY_EMAIL,
        EMAIL,
        "sms_failed",
    )
    assert audit.detail == {"notice": sms.id, "fallback": fallback.id}
    assert PHONE not in json.dumps(audit.detail) and EMAIL_ADDRESS not in json.dumps(audit.detail)
    assert fake_deps.outbox.ledger_of_day(fake_deps.clock().date())[0].fallback == fallback.id


def test_an_email_that_bounces_hard_goes_once_by_sms(fake_deps: FakeDeps) -> None:
    _, email = decide(fake_deps)
    fake_deps.sender.sms.clear()

    outcomes = handle_ses_event(fake_deps, bounce(fake_deps, email.id))

    assert outcomes == {"applied": 1, "failed": 1, "fallback_queued": 1}
    assert drain(fake_deps) == 1
    [(phone, text)] = fake_deps.sender.sms
    assert phone == PHONE
    assert text.startswith("BHXH VN: Email bao da cap tai khoan giao dich dien tu gui toi a***@example.vn")
    [audit] = fallback_audit(fake_deps)
    assert (audit.to_status, audit.channel, audit.reason) == ("fallback_by_sms", SMS, "email_bounced")


def test_a_soft_bounce_does_not_fall_back(fake_deps: FakeDeps) -> None:
    _, email = decide(fake_deps)
    assert handle_ses_event(fake_deps, bounce(fake_deps, email.id, "Transient")) == {"applied": 1, "failed": 1}
    assert fallbacks(fake_deps) == [] and fallback_audit(fake_deps) == []


def test_neither_loops_nor_falls_back_twice(fake_deps: FakeDeps) -> None:
    sms, email = decide(fake_deps)
    assert handle_sms_status_logs(fake_deps, sms_failure(fake_deps, sms.id))["fallback_queued"] == 1
    drain(fake_deps)
    [fallback] = fallbacks(fake_deps)

    # The decision's email bounces too, and so does the fallback email: nothing more goes.
    assert handle_ses_event(fake_deps, bounce(fake_deps, email.id)) == {
        "applied": 1,
        "failed": 1,
        "fallback_already": 1,
    }
    assert handle_ses_event(fake_deps, bounce(fake_deps, fallback.id)) == {"applied": 1, "failed": 1}
    # SNS logs the failure again (a redelivered subscription batch) and a later one: nothing more either.
    assert handle_sms_status_logs(fake_deps, sms_failure(fake_deps, sms.id)) == {"ignored": 1}
    later = sms_failure(fake_deps, sms.id, late=timedelta(minutes=3))
    assert handle_sms_status_logs(fake_deps, later) == {"applied": 1, "failed": 1, "fallback_already": 1}
    assert fall_back_unreceipted(fake_deps, fake_deps.clock() + timedelta(hours=1)).queued == 0
    assert len(fallbacks(fake_deps)) == 1 and len(fallback_audit(fake_deps)) == 1
    assert fake_deps.outbox.queue == []


def test_with_no_email_given_the_failure_is_recorded_and_nothing_is_sent(fake_deps: FakeDeps) -> None:
    [sms] = decide(fake_deps, email=None)

    outcomes = handle_sms_status_logs(fake_deps, sms_failure(fake_deps, sms.id))

    assert outcomes == {"applied": 1, "failed": 1, "fallback_unavailable": 1}
    assert fallbacks(fake_deps) == [] and fake_deps.outbox.queue == []
    [audit] = fallback_audit(fake_deps)
    assert (audit.to_status, audit.reason, audit.detail) == (FALLBACK_UNAVAILABLE, "sms_failed", {"notice": sms.id})
    assert fake_deps.outbox.ledger_of_day(fake_deps.clock().date())[0].fallback == "unavailable"
    # Recorded once: the next receipt or sweep finds it done.
    assert fall_back_unreceipted(fake_deps, fake_deps.clock() + timedelta(hours=1)).looked_at == 0


def test_no_email_fallback_to_an_address_that_bounced_before(fake_deps: FakeDeps) -> None:
    sms, _ = decide(fake_deps)
    fake_deps.outbox.suppress_email(EMAIL_ADDRESS, "bounce")  # the approval's own email bounced, say
    assert handle_sms_status_logs(fake_deps, sms_failure(fake_deps, sms.id))["fallback_unavailable"] == 1
    assert fallbacks(fake_deps) == [] and fake_deps.outbox.queue == []


def test_a_fallback_the_queue_refused_goes_with_the_next_sweep(fake_deps: FakeDeps, monkeypatch: Any) -> None:
    sms, _ = decide(fake_deps)
    enqueue = fake_deps.outbox.enqueue

    def refused(notices: list[Notification]) -> None:
        raise RuntimeError("SQS refused 1 of 1 messages")

    monkeypatch.setattr(fake_deps.outbox, "enqueue", refused)
    with pytest.raises(RuntimeError):  # the function fails; CloudWatch Logs delivers the batch again
        handle_sms_status_logs(fake_deps, sms_failure(fake_deps, sms.id))
    monkeypatch.setattr(fake_deps.outbox, "enqueue", enqueue)
    assert handle_sms_status_logs(fake_deps, sms_failure(fake_deps, sms.id)) == {"ignored": 1}  # the ledger has it
    [fallback] = fallbacks(fake_deps)
    assert fallback.status == "queued" and fake_deps.outbox.queue == []

    assert fall_back_unreceipted(fake_deps, fake_deps.clock() + timedelta(minutes=1)).requeued == 0  # too soon
    report = fall_back_unreceipted(fake_deps, fake_deps.clock() + timedelta(minutes=3))
    assert report.requeued == 1 and fake_deps.outbox.queue == [fallback.id]
    fake_deps.sender.emails.clear()
    assert drain(fake_deps) == 1 and len(fake_deps.sender.emails) == 1
    assert fall_back_unreceipted(fake_deps, fake_deps.clock() + timedelta(minutes=8)).requeued == 0  # sent now


def test_only_decisions_fall_back(fake_deps: FakeDeps) -> None:
    sms, _ = decide(fake_deps, kind="dossier_received")
    assert handle_sms_status_logs(fake_deps, sms_failure(fake_deps, sms.id)) == {"applied": 1, "failed": 1}
    assert fallbacks(fake_deps) == []


def test_an_sms_with_no_receipt_falls_back_after_the_configured_time(fake_deps: FakeDeps) -> None:
    sms, _ = decide(fake_deps)
    after = timedelta(minutes=fake_deps.settings.fallback_after_minutes)
    assert after == timedelta(minutes=10)  # the default, inside the 15-minute promise

    assert fall_back_unreceipted(fake_deps, fake_deps.clock() + after - timedelta(seconds=1)).looked_at == 0
    report = fall_back_unreceipted(fake_deps, fake_deps.clock() + after + timedelta(seconds=1))

    assert (report.looked_at, report.queued, report.unavailable) == (1, 1, 0)
    [audit] = fallback_audit(fake_deps)
    assert audit.reason == "sms_no_receipt"
    # The next sweeps find nothing; the receipt that comes late changes the ledger and nothing else.
    assert fall_back_unreceipted(fake_deps, fake_deps.clock() + after * 2).looked_at == 0
    assert handle_sms_status_logs(fake_deps, sms_failure(fake_deps, sms.id))["fallback_already"] == 1
    assert len(fallbacks(fake_deps)) == 1


def test_a_delivered_sms_never_falls_back(fake_deps: FakeDeps) -> None:
    sms, _ = decide(fake_deps)
    assert handle_sms_status_logs(fake_deps, sms_success(fake_deps, sms.id)) == {"applied": 1, "delivered": 1}
    assert fall_back_unreceipted(fake_deps, fake_deps.clock() + timedelta(minutes=30)).looked_at == 0
    assert fallbacks(fake_deps) == []


def test_the_setting_moves_the_sweep(fake_deps: FakeDeps, monkeypatch: Any) -> None:
    from chalicelib.config import load_settings

    monkeypatch.setenv("BHXH_FALLBACK_AFTER_MINUTES", "3")
    fake_deps.settings = load_settings()
    decide(fake_deps)
    assert fall_back_unreceipted(fake_deps, fake_deps.clock() + timedelta(minutes=4)).queued == 1
