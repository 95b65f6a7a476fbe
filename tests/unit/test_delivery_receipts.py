"""Issue 15, item 1 with the fakes: the providers' receipts move the ledger from ``sent`` to
``delivered`` or ``failed`` with their reason; duplicates, older receipts and unknown ids change
nothing. Events as the providers shape them (tests/events/)."""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.delivery import DELIVERED, FAILED, Receipt, ses_receipt, sms_receipts
from chalicelib.domain.notification import SMS, Notification
from chalicelib.domain.service_report import notice_tally
from chalicelib.services.delivery_receipts import apply_receipts, handle_ses_event, handle_sms_status_logs
from tests.fakes import FakeDeps

EVENTS = Path(__file__).resolve().parent.parent / "events"
AT = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def awslogs(payload: dict[str, Any]) -> dict[str, Any]:
    """A CloudWatch Logs subscription event, encoded as CloudWatch Logs encodes it."""
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()}}


def sms_logs() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / "sns_sms_delivery_status_logs.json").read_text(encoding="utf-8"))
    return data


def ses_event(name: str, message_id: str = "MESSAGE-ID") -> dict[str, Any]:
    sns = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    body: dict[str, Any] = json.loads(sns["Records"][0]["Sns"]["Message"])
    body["mail"]["messageId"] = message_id
    return body


def sent_notice(deps: FakeDeps, provider_id: str, channel: str = SMS) -> str:
    notice = Notification(f"n-{provider_id}", "dossier_received", channel, "+84912345678", "text", "src", AT)
    recorded = deps.outbox.record([notice], [])
    assert recorded.created
    deps.outbox.claim(notice.id, AT)
    deps.outbox.mark_sent(notice.id, provider_id, AT, 1.0, notice_tally(1.0, AT))
    return notice.id


def ledger(deps: FakeDeps, notice_id: str) -> tuple[str, str | None]:
    stored = deps.outbox.stored[notice_id]
    return stored.notice.status, stored.delivery_reason


def test_sms_status_logs_read_as_sns_writes_them() -> None:
    found = sms_receipts(awslogs(sms_logs())["awslogs"]["data"])
    assert found == [
        Receipt(
            "SUCCESS-MESSAGE-ID",
            DELIVERED,
            datetime(2026, 11, 24, 3, 0, 1, 250000, tzinfo=UTC),
            "Message has been accepted by phone carrier",
        ),
        Receipt(
            "FAILURE-MESSAGE-ID",
            FAILED,
            datetime(2026, 11, 24, 3, 0, 3, 120000, tzinfo=UTC),
            "Phone is currently unreachable/unavailable",
        ),
    ]


@pytest.mark.parametrize(
    "name, status, reason",
    [
        ("ses_event_delivery.json", DELIVERED, "250 2.0.0 OK"),
        ("ses_event_bounce.json", FAILED, "bounce; Permanent; General; smtp; 550 5.1.1 user unknown"),
        ("ses_event_complaint.json", DELIVERED, "complaint"),
        ("ses_event_reject.json", FAILED, "reject; Bad content"),
        ("ses_event_rendering_failure.json", FAILED, "rendering failure; Attribute"),
    ],
)
def test_every_ses_event_type_is_a_receipt(name: str, status: str, reason: str) -> None:
    receipt = ses_receipt(ses_event(name))
    assert receipt is not None and receipt.provider_message_id == "MESSAGE-ID"
    assert receipt.status == status and receipt.reason.startswith(reason)


@pytest.mark.parametrize("data", ["", "not base64!", base64.b64encode(b"not gzip").decode()])
def test_unreadable_logs_give_no_receipt(data: str) -> None:
    assert sms_receipts(data) == []


def test_delivered_then_a_duplicate_and_an_unknown_id(fake_deps: FakeDeps) -> None:
    notice_id = sent_notice(fake_deps, "SUCCESS-MESSAGE-ID")
    event = awslogs(sms_logs())
    # FAILURE-MESSAGE-ID was none of ours.
    assert handle_sms_status_logs(fake_deps, event) == {"applied": 1, "delivered": 1, "unknown": 1}
    assert ledger(fake_deps, notice_id) == (DELIVERED, "Message has been accepted by phone carrier")
    assert handle_sms_status_logs(fake_deps, event) == {"ignored": 1, "unknown": 1}  # redelivered
    assert ledger(fake_deps, notice_id) == (DELIVERED, "Message has been accepted by phone carrier")


def test_failed_with_the_carriers_reason(fake_deps: FakeDeps) -> None:
    notice_id = sent_notice(fake_deps, "FAILURE-MESSAGE-ID")
    handle_sms_status_logs(fake_deps, awslogs(sms_logs()))
    assert ledger(fake_deps, notice_id) == (FAILED, "Phone is currently unreachable/unavailable")


def test_out_of_order_receipts_keep_the_latest(fake_deps: FakeDeps) -> None:
    notice_id = sent_notice(fake_deps, "MESSAGE-ID", channel="email")
    bounce = ses_event("ses_event_bounce.json")  # 03:00:05
    delivery = ses_event("ses_event_delivery.json")  # 03:00:04, arrives after the bounce
    assert handle_ses_event(fake_deps, bounce) == {"applied": 1, "failed": 1}
    assert handle_ses_event(fake_deps, delivery) == {"ignored": 1}
    assert ledger(fake_deps, notice_id)[0] == FAILED
    complaint = ses_event("ses_event_complaint.json")  # 05:10, later: it reached the mailbox after all
    assert handle_ses_event(fake_deps, complaint) == {"applied": 1, "delivered": 1}
    assert ledger(fake_deps, notice_id) == (DELIVERED, "complaint")


def test_a_notice_not_sent_takes_no_receipt(fake_deps: FakeDeps) -> None:
    notice_id = sent_notice(fake_deps, "MESSAGE-ID")
    stored = fake_deps.outbox.stored[notice_id]
    stored.notice = replace(stored.notice, status="permanent_failure")
    receipt = Receipt("MESSAGE-ID", DELIVERED, AT, "ok")
    assert apply_receipts(fake_deps, [receipt]) == {"ignored": 1}
    assert ledger(fake_deps, notice_id)[0] == "permanent_failure"


def test_the_report_counts_each_notice_by_its_latest_receipt(fake_deps: FakeDeps) -> None:
    from datetime import timedelta

    from chalicelib.domain.service_report import build_report

    sent_notice(fake_deps, "MESSAGE-ID", channel="email")
    day = AT.date()

    def notices() -> dict[str, Any]:
        report = build_report(day, day, fake_deps.stats.read(day, day))
        section: dict[str, Any] = report["totals"]["notices"]
        return section

    apply_receipts(fake_deps, [Receipt("MESSAGE-ID", DELIVERED, AT + timedelta(minutes=2), "250 OK")])
    assert (notices()["delivered"], notices()["delivered_within_limit"], notices()["failed"]) == (1, 1, 0)
    # A bounce reported later moves it: delivered no more, failed once.
    apply_receipts(fake_deps, [Receipt("MESSAGE-ID", FAILED, AT + timedelta(minutes=20), "bounce")])
    assert (notices()["delivered"], notices()["delivered_within_limit"], notices()["failed"]) == (0, 0, 1)
    assert notices()["share_delivered_within_limit"] == 0.0
