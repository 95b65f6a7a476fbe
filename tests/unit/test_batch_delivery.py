"""The worker's batch (``deliver_batch``): claimed together, sent one by one, marked together;
what the batch leaves unsettled is claimed alone with the same limits; every message gets the
outcome of its notice."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.domain.notification import EMAIL, SMS, ClaimedBatch, Notification
from chalicelib.services.deliver_notification import QueuedMessage, deliver_batch
from chalicelib.services.ports.notices import TemporarySendError
from tests.fakes import FakeDeps

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def message(notification_id: str, n: int = 0) -> QueuedMessage:
    return QueuedMessage(
        f"m-{notification_id}-{n}", f"r-{notification_id}-{n}", json.dumps({"notification_id": notification_id})
    )


def notices() -> list[Notification]:
    return [
        Notification("a#sms", "account_approved", SMS, "+84912000001", "Ma A", "s-a", NOW),
        Notification("a#email", "account_approved", EMAIL, "a@example.vn", "A", "s-a", NOW, subject="S"),
        Notification("b#sms", "account_approved", SMS, "+84912000002", "Ma B", "s-b", NOW),
        # the same text to the same number as a#sms: the duplicate guard refuses it
        Notification("c#sms", "account_approved", SMS, "+84912000001", "Ma A", "s-c", NOW),
    ]


@pytest.fixture
def deps(fake_deps: FakeDeps) -> FakeDeps:
    fake_deps.outbox.record(notices(), [])
    return fake_deps


def test_a_batch_sends_each_once_and_suppresses_the_duplicate(deps: FakeDeps) -> None:
    batch = [message(n.id) for n in notices()] + [message("a#sms", 1)]  # a#sms delivered twice by SQS
    result = deliver_batch(deps, batch, NOW)
    assert result.failed == [] and result.dead_lettered == 0
    assert sorted(deps.sender.sms) == sorted([("+84912000001", "Ma A"), ("+84912000002", "Ma B")])
    assert len(deps.sender.emails) == 1
    outcomes = sorted(d.outcome for d in result.deliveries)
    assert outcomes == ["sent", "sent", "sent", "sent", "suppressed"]  # the redelivery shares a#sms's outcome
    assert deps.outbox.get("c#sms").status == "suppressed"  # type: ignore[union-attr]
    again = deliver_batch(deps, batch, NOW)  # the whole batch delivered again: nothing sent twice
    assert {d.outcome for d in again.deliveries} == {"skipped"} and len(deps.sender.sms) == 2


def test_what_the_batch_leaves_unsettled_is_claimed_alone_with_the_same_limits(
    deps: FakeDeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deps.outbox, "claim_batch", lambda ids, now, limits: ClaimedBatch(unsettled=list(ids)))
    result = deliver_batch(deps, [message(n.id) for n in notices()], NOW)
    assert sorted(d.outcome for d in result.deliveries) == ["sent", "sent", "sent", "suppressed"]
    assert len(deps.sender.sms) == 2 and len(deps.sender.emails) == 1
    assert deps.outbox.get("c#sms").status == "suppressed"  # type: ignore[union-attr]


def test_a_temporary_failure_comes_back_alone_and_the_rest_is_marked_sent(deps: FakeDeps) -> None:
    deps.sender.failures.append(TemporarySendError("Throttling"))  # the first send of the batch
    result = deliver_batch(deps, [message(n.id) for n in notices()[:3]], NOW)
    assert result.failed == ["m-a#sms-0"]
    assert deps.outbox.delays and deps.outbox.delays[0][0] == "r-a#sms-0"
    statuses = {n.id: deps.outbox.get(n.id).status for n in notices()[:3]}  # type: ignore[union-attr]
    assert statuses == {"a#sms": "temporary_failure", "a#email": "sent", "b#sms": "sent"}
    again = deliver_batch(deps, [message("a#sms")], NOW)
    assert [d.outcome for d in again.deliveries] == ["sent"]


def test_one_notice_marked_sent_elsewhere_meanwhile_is_only_logged(deps: FakeDeps, caplog: Any) -> None:
    original = deps.outbox.mark_sent_batch

    def taken_over(sent: list[Any]) -> list[str]:
        stored = deps.outbox.stored["b#sms"]
        stored.notice = replace(stored.notice, status="sent")  # a stale claim taken over and sent
        return original(sent)

    deps.outbox.mark_sent_batch = taken_over  # type: ignore[method-assign]
    result = deliver_batch(deps, [message("a#sms"), message("b#sms")], NOW)
    assert result.failed == [] and [d.outcome for d in result.deliveries] == ["sent", "sent"]
    assert "taken over" in caplog.text
