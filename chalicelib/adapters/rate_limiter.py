"""DynamoDB adapter of ``RateLimiter``: one guard item per (limit, subject)
holding the times of its recent hits.

A hit reads the items, decides with ``domain.rate_limits``, then writes every
item in one ``TransactWriteItems`` conditional on each list being what was
read: two concurrent hits cannot both pass a limit, and a refused hit counts
nothing anywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pynamodb.connection import Connection

from ..domain.rate_limits import RateLimit, kept, wait_before_next
from .models import GuardModel
from .transactions import LabelledTransaction, TransactionCancelled

ATTEMPTS = 3
CONTENDED = timedelta(seconds=1)  # every attempt lost a race: ask the caller to come back in a second


class DynamoRateLimiter:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def take(self, hits: list[tuple[RateLimit, str]], now: datetime) -> timedelta | None:
        now = now.astimezone(UTC)
        for _ in range(ATTEMPTS):
            read = [(limit, limit.key(subject), self._stored(limit.key(subject))) for limit, subject in hits]
            waits = [wait_before_next(_parsed(stored), now, limit) for limit, _, stored in read]
            refused = [wait for wait in waits if wait is not None]
            if refused:
                return max(refused)
            tx = LabelledTransaction(self._connection)
            for limit, key, stored in read:
                kept_times = [t.isoformat() for t in kept(_parsed(stored), now, limit)]
                condition = GuardModel.key.does_not_exist() if stored is None else GuardModel.times == stored
                tx.save(
                    key,
                    GuardModel(
                        key, owner=limit.name, times=[*kept_times, now.isoformat()], expires_at=now + limit.longest
                    ),
                    condition=condition,
                )
            try:
                tx.commit()
            except TransactionCancelled:
                continue  # another hit landed between our read and our write: decide again
            return None
        return CONTENDED

    @staticmethod
    def _stored(key: str) -> list[str] | None:
        """The recorded hits as stored (None: no item yet)."""
        try:
            item = GuardModel.get(key, consistent_read=True)
        except GuardModel.DoesNotExist:
            return None
        return list(item.times or [])


def _parsed(stored: list[str] | None) -> list[datetime]:
    return [datetime.fromisoformat(t) for t in stored or []]
