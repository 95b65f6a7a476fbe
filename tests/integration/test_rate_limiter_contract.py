"""One contract, two implementations of ``RateLimiter``: the in-memory fake and
the DynamoDB adapter (sliding windows held by conditional writes)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.rate_limits import REISSUE_PER_ACCOUNT, REISSUE_PER_OFFICER, RateLimit, Window
from tests.fakes import FakeRateLimiter

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
TWO_A_MINUTE = RateLimit("contract", (Window(2, timedelta(minutes=1)),))


@pytest.fixture(params=["fake", "dynamo"])
def limiter(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeRateLimiter()
    return request.getfixturevalue("container").rate_limits


def test_allows_up_to_the_limit_then_says_how_long_to_wait(limiter: Any) -> None:
    assert limiter.take([(TWO_A_MINUTE, "a")], NOW) is None
    assert limiter.take([(TWO_A_MINUTE, "a")], NOW + timedelta(seconds=20)) is None
    assert limiter.take([(TWO_A_MINUTE, "a")], NOW + timedelta(seconds=30)) == timedelta(seconds=30)
    assert limiter.take([(TWO_A_MINUTE, "b")], NOW + timedelta(seconds=30)) is None  # per subject
    assert limiter.take([(TWO_A_MINUTE, "a")], NOW + timedelta(seconds=60)) is None  # the first left the window


def test_all_or_nothing_across_limits(limiter: Any) -> None:
    assert limiter.take([(REISSUE_PER_ACCOUNT, "0123456789"), (REISSUE_PER_OFFICER, "o1")], NOW) is None
    refused = limiter.take([(REISSUE_PER_ACCOUNT, "0123456789"), (REISSUE_PER_OFFICER, "o1")], NOW)
    assert refused == timedelta(minutes=10)
    for n in range(19):  # the refused hit did not count against the officer: 19 more fit in the hour
        assert limiter.take([(REISSUE_PER_OFFICER, "o1")], NOW + timedelta(seconds=n)) is None
    assert limiter.take([(REISSUE_PER_OFFICER, "o1")], NOW + timedelta(seconds=30)) == timedelta(minutes=59, seconds=30)


def test_concurrent_hits_never_pass_the_limit(limiter: Any, request: pytest.FixtureRequest) -> None:
    if not isinstance(limiter, FakeRateLimiter):
        request.getfixturevalue("atomic_emulator")
    barrier = threading.Barrier(10)
    outcomes: list[timedelta | None] = []

    def hit() -> None:
        barrier.wait()
        outcomes.append(limiter.take([(REISSUE_PER_ACCOUNT, "0123456789")], NOW))

    threads = [threading.Thread(target=hit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(None) == 1
