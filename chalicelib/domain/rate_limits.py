"""Rate limits on what people may do to an account, in one place.

Each limit is a set of sliding windows (at most ``limit`` hits in any
``window``); the times of the hits are kept with the counter, so a refusal can
say exactly when the next hit will be allowed (``Retry-After``). The adapter
holds them with DynamoDB conditional writes, never in process memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Window:
    limit: int
    window: timedelta


@dataclass(frozen=True)
class RateLimit:
    name: str
    windows: tuple[Window, ...]

    @property
    def longest(self) -> timedelta:
        return max(w.window for w in self.windows)

    def key(self, subject: str) -> str:
        return f"rate#{self.name}#{subject}"


# An officer's reissue of a citizen's temporary password (issue 17, finding 2):
# per account at most 1 in 10 minutes and 3 a day; per officer 20 an hour.
REISSUE_PER_ACCOUNT = RateLimit("reissue-account", (Window(1, timedelta(minutes=10)), Window(3, timedelta(days=1))))
REISSUE_PER_OFFICER = RateLimit("reissue-officer", (Window(20, timedelta(hours=1)),))


def wait_before_next(times: Sequence[datetime], now: datetime, limit: RateLimit) -> timedelta | None:
    """None when one more hit is allowed at ``now``; otherwise how long until it is."""
    longest: timedelta | None = None
    for window in limit.windows:
        recent = sorted(t for t in times if now - t < window.window)
        if len(recent) >= window.limit:
            # The hit that must leave the window before another one fits.
            wait = recent[len(recent) - window.limit] + window.window - now
            longest = wait if longest is None else max(longest, wait)
    return longest


def kept(times: Sequence[datetime], now: datetime, limit: RateLimit) -> list[datetime]:
    """The hits still inside the longest window (older ones no longer matter)."""
    return sorted(t for t in times if now - t < limit.longest)


def retry_after_seconds(wait: timedelta) -> int:
    """Whole seconds for the ``Retry-After`` header, rounded up, at least 1."""
    seconds = int(wait.total_seconds())
    return max(1, seconds + (1 if wait.total_seconds() > seconds else 0))
