"""Notices are never lost: retries with backoff, dead letters, abuse limits,
email suppression, exactly-once sending — against moto, with injected faults."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

import boto3
import pytest

from chalicelib.adapters.models import NotificationModel
from chalicelib.services.ports.notices import PermanentSendError, TemporarySendError
from tests.accounts import issue
from tests.integration.emulator import drain, event, sent_emails, sent_sms


class FaultySender:
    """The real SNS/SES sender, with scripted faults in front of it."""

    def __init__(
        self,
        real: Any,
        sms_faults: list[Exception] | None = None,
        email_fault: Exception | None = None,
        chooser: Any = None,
    ) -> None:
        self.real = real
        self.sms_faults = list(sms_faults or [])
        self.email_fault = email_fault
        self.chooser = chooser
        self.calls = 0

    def send_sms(self, phone: str, text: str) -> str:
        self.calls += 1
        if self.chooser is not None:
            self.chooser()
        if self.sms_faults:
            raise self.sms_faults.pop(0)
        return str(self.real.send_sms(phone, text))

    def send_email(self, to: str, subject: str, text: str, html: str, attachments: Any = ()) -> str:
        self.calls += 1
        if self.chooser is not None:
            self.chooser()
        if self.email_fault is not None:
            raise self.email_fault
        return str(self.real.send_email(to, subject, text, html))


@pytest.fixture
def fast(container: Any) -> Any:
    """No waiting between tries (the backoff itself is unit-tested)."""
    container.__dict__["settings"] = replace(container.settings, retry_base_seconds=0)
    return container


def statuses() -> dict[str, str]:
    return {item.id: item.status for item in NotificationModel.scan()}


def dead_letters(aws: dict[str, Any]) -> list[str]:
    sqs = boto3.client("sqs", region_name="ap-southeast-1")
    bodies: list[str] = []
    while True:
        batch = sqs.receive_message(QueueUrl=aws["dead_letters"], MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return bodies
        for message in batch:
            bodies.append(json.loads(message["Body"])["notification_id"])
            sqs.delete_message(QueueUrl=aws["dead_letters"], ReceiptHandle=message["ReceiptHandle"])


def test_sms_throttled_twice_is_sent_on_the_third_try(fast: Any, aws: dict[str, Any]) -> None:
    fast.__dict__["sender"] = FaultySender(
        fast.sender, [TemporarySendError("Throttling"), TemporarySendError("Throttling")]
    )
    issue(fast)
    drain(aws, rounds=10)
    sms = NotificationModel.get("test#0123456789#account_approved#sms")
    assert (sms.status, sms.attempts) == ("sent", 3)
    assert len(sent_sms()) == 1


def test_permanent_email_failure_is_recorded_and_dead_lettered(fast: Any, aws: dict[str, Any]) -> None:
    fast.__dict__["sender"] = FaultySender(fast.sender, email_fault=PermanentSendError("MessageRejected"))
    issue(fast)
    drain(aws, rounds=5)
    email = NotificationModel.get("test#0123456789#account_approved#email")
    assert (email.status, int(email.attempts), email.secret is None) == ("permanent_failure", 1, True)
    assert dead_letters(aws) == ["test#0123456789#account_approved#email"]
    assert statuses()["test#0123456789#account_approved#sms"] == "sent"


def test_any_mix_of_faults_loses_nothing(fast: Any, aws: dict[str, Any]) -> None:
    rng = random.Random(2659)

    def chaos() -> None:
        roll = rng.random()
        if roll < 0.35:
            raise TemporarySendError("Throttling")
        if roll < 0.45:
            raise PermanentSendError("InvalidParameter")

    fast.__dict__["sender"] = FaultySender(fast.sender, chooser=chaos)
    for index in range(15):
        issue(fast, f"01000000{index:02d}", identity_key=f"id#0010800000{index:02d}", phone=f"+849120000{index:02d}")
    queued = set(statuses())
    assert len(queued) == 30
    drain(aws, rounds=40)
    final = statuses()
    dead = set(dead_letters(aws))
    delivered = {nid for nid, status in final.items() if status in ("sent", "suppressed")}
    assert delivered | dead == queued  # count in = count out
    assert not delivered & dead
    assert dead and fast.sender.calls > len(queued)  # the faults really happened
    assert all(final[nid] in ("permanent_failure", "temporary_failure") for nid in dead)
    assert len(sent_sms()) == sum(1 for nid in delivered if nid.endswith("#sms") and final[nid] == "sent")


def test_sms_abuse_limits_suppress_and_count(fast: Any, aws: dict[str, Any], clock: Any) -> None:
    from chalicelib.domain.notification import Notification

    issue(fast)
    drain(aws)
    for n in range(6):  # 1 approval + 6 recovery codes to one number within the hour
        clock.advance(minutes=1)
        code = Notification(f"code-{n}", "recovery_code", "sms", "+84912345678", f"ma {n}", f"src-{n}", clock.now)
        fast.outbox.enqueue(fast.outbox.record([code], []).to_enqueue)
    drain(aws)
    sms = [item for item in NotificationModel.scan() if item.channel == "sms"]
    assert sorted(item.status for item in sms).count("sent") == 5
    suppressed = [item for item in sms if item.status == "suppressed"]
    assert [item.error for item in suppressed] == ["hourly_limit", "hourly_limit"]
    assert len(sent_sms()) == 5


def test_identical_sms_within_ten_minutes_is_suppressed(fast: Any, aws: dict[str, Any]) -> None:
    from chalicelib.domain.notification import Notification

    notices = [
        Notification(f"same-{n}", "test", "sms", "+84912345678", "BHXH VN: giong nhau", f"src-{n}", fast.clock())
        for n in range(2)
    ]
    fast.outbox.enqueue(fast.outbox.record(notices, []).to_enqueue)
    drain(aws)
    final = {item.id: (item.status, item.error) for item in NotificationModel.scan()}
    assert sorted(final.values()) == [("sent", None), ("suppressed", "duplicate")]
    assert len(sent_sms()) == 1


def test_bounced_address_gets_no_more_email_but_sms_still_goes(client: Any, fast: Any, aws: dict[str, Any]) -> None:
    client.lambda_.invoke("ses_feedback", event("ses_bounce.json"))
    issue(fast)
    drain(aws)
    final = statuses()
    assert final["test#0123456789#account_approved#email"] == "suppressed"
    assert final["test#0123456789#account_approved#sms"] == "sent"
    assert sent_emails() == [] and len(sent_sms()) == 1


def test_redrive_puts_dead_letters_back_and_sends_once(fast: Any, aws: dict[str, Any]) -> None:
    from chalicelib.services.redrive_notices import redrive

    fast.__dict__["sender"] = FaultySender(fast.sender, email_fault=TemporarySendError("ServiceUnavailable"))
    issue(fast)
    drain(aws, rounds=12)  # five tries, then the queue dead-letters it
    assert statuses()["test#0123456789#account_approved#email"] == "temporary_failure"
    fast.sender.email_fault = None
    assert redrive(fast, 100) == 1
    drain(aws)
    assert statuses()["test#0123456789#account_approved#email"] == "sent"
    assert len(sent_emails()) == 1


def test_sla_report_reads_latencies(fast: Any, aws: dict[str, Any], clock: Any) -> None:
    from chalicelib.services.notice_sla import sla_report

    issue(fast)
    clock.advance(seconds=42)
    drain(aws)
    report = sla_report(fast, clock.now.date(), 1)
    assert (report.sent, report.max, report.over_limit) == (2, 42.0, 0)
