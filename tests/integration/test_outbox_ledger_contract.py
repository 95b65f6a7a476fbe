"""The ledger read by day (``Outbox.ledger_of_day``): the same answers from the
fake and from DynamoDB, for the operator's outbox listing and the SLA report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.notification import PERMANENT_FAILURE, QUEUED, SENT, SMS, Notification
from tests.fakes import FakeOutbox

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.fixture(params=["fake", "dynamo"])
def outbox(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeOutbox()
    return request.getfixturevalue("container").outbox


def notice(number: int, created_at: datetime) -> Notification:
    return Notification(f"n-{number}", "approved", SMS, "+84912345678", f"text {number}", f"s-{number}", created_at)


def test_ledger_of_day_lists_that_day_with_outcomes(outbox: Any) -> None:
    first, second, third = notice(1, NOW), notice(2, NOW + timedelta(minutes=1)), notice(3, NOW + timedelta(minutes=2))
    yesterday = notice(4, NOW - timedelta(days=1))
    outbox.record([first, second, third, yesterday], [])
    assert outbox.claim("n-1", NOW) is not None
    outbox.mark_sent("n-1", "provider-1", NOW + timedelta(seconds=5), 4.25)
    assert outbox.claim("n-2", NOW) is not None
    outbox.mark_failed("n-2", permanent=True, error="InvalidParameter", now=NOW)

    oldest_first = outbox.ledger_of_day(NOW.date())
    assert [e.notice.id for e in oldest_first] == ["n-1", "n-2", "n-3"]
    by_id = {e.notice.id: e for e in oldest_first}
    assert (by_id["n-1"].notice.status, by_id["n-1"].latency_seconds, by_id["n-1"].error) == (SENT, 4.25, None)
    assert (by_id["n-2"].notice.status, by_id["n-2"].error) == (PERMANENT_FAILURE, "InvalidParameter")
    assert (by_id["n-3"].notice.status, by_id["n-3"].latency_seconds) == (QUEUED, None)

    newest = outbox.ledger_of_day(NOW.date(), newest_first=True, limit=2)
    assert [e.notice.id for e in newest] == ["n-3", "n-2"]
    assert [e.notice.id for e in outbox.ledger_of_day((NOW - timedelta(days=1)).date())] == ["n-4"]
    assert outbox.ledger_of_day((NOW + timedelta(days=1)).date()) == []
