"""A worker's batch claimed and marked together (issue 15, item 3): ``Outbox.claim_batch`` and
``Outbox.mark_sent_batch`` give the same answers from the fake and from DynamoDB, and on
DynamoDB a batch costs three requests (BatchGetItem, the claim transaction, the mark
transaction), whatever its size, with exactly-once kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.notification import EMAIL, SENDING, SENT, SMS, SUPPRESSED, Notification, SentNotice, SmsLimits
from tests.fakes import FakeOutbox
from tests.races import race

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
LIMITS = SmsLimits(per_hour=5, per_day=10, duplicate_window=timedelta(minutes=10))


@pytest.fixture(params=["fake", "dynamo"])
def outbox(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeOutbox()
    return request.getfixturevalue("container").outbox


def sms(number: int, phone: str | None = None, kind: str = "account_approved") -> Notification:
    return Notification(
        f"n-{number}#sms", kind, SMS, phone or f"+8491234{number:04d}", f"Ma {number}", f"s-{number}", NOW
    )


def email(number: int, address: str | None = None) -> Notification:
    return Notification(
        f"n-{number}#email", "account_approved", EMAIL, address or f"p{number}@example.vn", "x", f"s-{number}", NOW
    )


def sent(notice: Notification, seconds: float = 3.0) -> SentNotice:
    return SentNotice(notice.id, f"m-{notice.id}", NOW + timedelta(seconds=seconds), seconds, notice.kind)


def test_a_batch_is_claimed_whole_then_marked_sent(outbox: Any) -> None:
    notices = [sms(1), email(1), sms(2), email(2)]
    outbox.record(notices, [])
    batch = outbox.claim_batch([n.id for n in notices], NOW, LIMITS)
    assert sorted(n.id for n in batch.claimed) == sorted(n.id for n in notices)
    assert batch.refused == [] and batch.unsettled == []
    assert all(n.status == SENDING and n.attempts == 1 for n in batch.claimed)
    assert batch.claimed[0].text.startswith("Ma") and batch.claimed[0].recipient.startswith("+84")
    # claimed: nobody else gets them, not even the same batch again
    again = outbox.claim_batch([n.id for n in notices], NOW, LIMITS)
    assert (again.claimed, again.refused, again.unsettled) == ([], [], [])
    assert outbox.mark_sent_batch([sent(n) for n in notices]) == []
    assert {outbox.get(n.id).status for n in notices} == {SENT}


def test_what_is_not_claimable_is_left_out_and_the_rest_claimed(outbox: Any) -> None:
    notices = [sms(1), sms(2), sms(3)]
    outbox.record(notices, [])
    assert outbox.claim("n-2#sms", NOW) is not None  # another worker has it
    batch = outbox.claim_batch(["n-1#sms", "n-2#sms", "missing", "n-3#sms"], NOW, LIMITS)
    assert sorted(n.id for n in batch.claimed) == ["n-1#sms", "n-3#sms"]
    # a stale claim is taken over, as ``claim`` does
    later = outbox.claim_batch(["n-2#sms"], NOW + timedelta(minutes=3), LIMITS)
    assert [n.id for n in later.claimed] == ["n-2#sms"] and later.claimed[0].attempts == 2


def test_a_refused_notice_is_suppressed_and_the_others_still_go(outbox: Any) -> None:
    first = sms(1, phone="+84912000001")
    duplicate = Notification("n-9#sms", "account_approved", SMS, "+84912000001", "Ma 1", "s-9", NOW)
    bounced = email(2, address="Bounced@Example.vn")
    others = [sms(3), email(3)]
    outbox.record([first, duplicate, bounced, *others], [])
    outbox.suppress_email("bounced@example.vn", "bounce")
    assert [n.id for n in outbox.claim_batch([first.id], NOW, LIMITS).claimed] == [first.id]
    batch = outbox.claim_batch([duplicate.id, bounced.id, *(n.id for n in others)], NOW, LIMITS)
    assert sorted((n.id, why) for n, why in batch.refused) == [
        (bounced.id, "email_suppressed"),
        (duplicate.id, "duplicate"),
    ]
    assert sorted(n.id for n in batch.claimed) == sorted(n.id for n in others)
    for notice in (duplicate, bounced):
        assert outbox.get(notice.id).status == SUPPRESSED
        assert outbox.get(notice.id).secret is None


def test_the_hourly_limit_refuses_in_a_batch_as_alone(outbox: Any) -> None:
    phone = "+84912000077"
    notices = [Notification(f"n-{i}#sms", "k", SMS, phone, f"text {i}", f"s-{i}", NOW) for i in range(7)]
    outbox.record(notices, [])
    outcomes = [outbox.claim_batch([n.id], NOW, LIMITS) for n in notices]
    assert [len(b.claimed) for b in outcomes] == [1] * 5 + [0, 0]
    assert [why for b in outcomes for _, why in b.refused] == ["hourly_limit", "hourly_limit"]


def test_exempt_kinds_and_retries_count_against_no_limit(outbox: Any) -> None:
    phone = "+84912000088"
    notices = [Notification(f"t-{i}#sms", "temporary_password", SMS, phone, "same", f"s-{i}", NOW) for i in range(7)]
    outbox.record(notices, [])
    claimed = [n for notice in notices for n in outbox.claim_batch([notice.id], NOW, LIMITS).claimed]
    assert len(claimed) == 7  # an officer's reissue never runs into the limit, nor the duplicate window


def test_two_sms_to_one_number_in_a_batch_are_both_settled(outbox: Any) -> None:
    """One transaction may name an item once: the second is left to be claimed alone (DynamoDB),
    and neither is lost."""
    first, second = sms(1, phone="+84912000099"), sms(2, phone="+84912000099")
    outbox.record([first, second], [])
    batch = outbox.claim_batch([first.id, second.id], NOW, LIMITS)
    settled = [n.id for n in batch.claimed] + batch.unsettled
    assert sorted(settled) == [first.id, second.id]


def test_a_notice_taken_over_is_reported_and_the_rest_marked(outbox: Any) -> None:
    notices = [sms(1), sms(2), sms(3)]
    outbox.record(notices, [])
    outbox.claim_batch([n.id for n in notices], NOW, LIMITS)
    assert outbox.claim("n-2#sms", NOW + timedelta(minutes=3)) is not None  # its claim went stale: taken over
    outbox.mark_sent("n-2#sms", "m-other", NOW + timedelta(minutes=3), 180.0)
    assert outbox.mark_sent_batch([sent(n) for n in notices]) == ["n-2#sms"]
    assert {n.id: outbox.get(n.id).status for n in notices} == dict.fromkeys(["n-1#sms", "n-2#sms", "n-3#sms"], SENT)


# --- DynamoDB only: what it costs, and exactly once under a race --------------------------------


def test_a_batch_of_ten_costs_three_requests(container: Any, calls: list[str]) -> None:
    notices = [n for i in range(5) for n in (sms(i), email(i))]
    container.outbox.record(notices, [])
    container.stats  # noqa: B018 - built before counting
    calls.clear()
    batch = container.outbox.claim_batch([n.id for n in notices], NOW, LIMITS)
    assert len(batch.claimed) == 10
    assert calls == ["BatchGetItem", "TransactWriteItems"]
    calls.clear()
    container.outbox.mark_sent_batch([sent(n) for n in notices])
    assert calls[0] == "TransactWriteItems"
    assert calls[1:] in ([], ["UpdateItem"])  # the day's maximum latency, only when it rises
    counters = container.stats.read(NOW.date(), NOW.date())[NOW.date()]
    assert sum(v for k, v in counters.items() if k.startswith("lat#")) == 10  # one latency counted for each


@pytest.mark.usefixtures("atomic_emulator")
def test_racing_workers_claim_each_notice_once(container: Any) -> None:
    notices = [n for i in range(10) for n in (sms(i), email(i))]
    container.outbox.record(notices, [])
    ids = [n.id for n in notices]

    def claim(index: int) -> list[str]:
        batch = container.outbox.claim_batch(ids[index:] + ids[:index], NOW, LIMITS)
        mine = [n.id for n in batch.claimed]
        for notification_id in batch.unsettled:
            alone = container.outbox.claim(notification_id, NOW)
            mine += [alone.id] if alone else []
        return mine

    outcomes = race(4, claim)
    assert all(isinstance(outcome, list) for outcome in outcomes), outcomes
    claimed = [nid for outcome in outcomes if isinstance(outcome, list) for nid in outcome]
    assert sorted(claimed) == sorted(ids)  # every notice claimed by exactly one worker
