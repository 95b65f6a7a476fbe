"""DynamoDB adapter of ``ServiceStats``: the service report's daily counters.

Writes: the other adapters put a ``Tally`` in the transaction of the change it
counts (``add_to``): one UpdateItem of ADDs on the item ``YYYY-MM-DD#n`` of
the day, ``n`` drawn at random among the write shards for each try, so the
traffic of a whole country never lands on one item. The day's maximum notice
latency is a conditional SET apart from the transaction (``raise_max``):
``attribute_not_exists(lat_max_ms) OR lat_max_ms < :v``. Its refusal only
means a shard holds that much already, and is expected.

Reads: days x shards keys with BatchGetItem, 100 keys a request, unprocessed
keys asked again with backoff; eventually consistent (the report is not a
lock). Never a Scan nor a Query: the cost grows with the days asked for, not
with the declarations, notices or people.

The attribute names are not declared on the model: PynamoDB's ``Path([name])``
builds the actions (a name with ``#`` is one attribute, sent as a placeholder),
and ints serialise as DynamoDB numbers.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.operand import Path

from ..domain.service_report import LATENCY_MAX, Tally, days_of, is_counter, merge_counters
from .models import StatsModel
from .transactions import Built, LabelledTransaction

BATCH_GET_KEYS = 100  # DynamoDB's limit per BatchGetItem request
UNPROCESSED_RETRIES = 8
MAX_RETRIES_ON_CONFLICT = 3
KNOWN_MAX_DAYS = 8

logger = logging.getLogger(__name__)


def stats_key(day: date, shard: int) -> str:
    return f"{day.isoformat()}#{shard}"


def _number(raw: dict[str, str]) -> int:
    return int(Decimal(raw["N"]))


class DynamoServiceStats:
    def __init__(
        self,
        shards: int,
        *,
        sleep: Callable[[float], None] = time.sleep,
        draw: Callable[[int], int] | None = None,
    ) -> None:
        if shards < 1:
            raise ValueError("at least one write shard")
        self._shards = shards
        self._sleep = sleep
        self._draw = draw or random.randrange
        # Per process, per day: a latency some shard is known to hold at least (skips useless writes).
        self._known_max: dict[date, int] = {}

    def _key(self, day: date) -> str:
        return stats_key(day, self._draw(self._shards))

    # --- writes -------------------------------------------------------------------------

    def add_to(self, tx: LabelledTransaction, tally: Tally | None) -> None:
        """Put the tally's ADDs into ``tx`` (nothing when there is nothing to count)."""
        if tally is None or not tally.counts:
            return
        counts = sorted(tally.counts.items())

        def build() -> Built:
            return (StatsModel(self._key(tally.day)),), {"actions": [Path([name]).add(n) for name, n in counts]}

        tx.update_redrawn("stats", build)

    def raise_max(self, tally: Tally) -> None:
        """Raise the day's maximum latency to the tally's, if it is higher."""
        value = tally.latency_max_ms
        if value is None:
            return
        known = self._known_max.get(tally.day)
        if known is not None and value <= known:
            return
        for attempt in range(MAX_RETRIES_ON_CONFLICT + 1):
            item = StatsModel(self._key(tally.day))
            try:
                item.update(
                    actions=[Path([LATENCY_MAX]).set(value)],
                    condition=Path([LATENCY_MAX]).does_not_exist() | (Path([LATENCY_MAX]) < value),
                )
            except UpdateError as error:
                code = error.cause_response_code
                if code == "TransactionConflictException" and attempt < MAX_RETRIES_ON_CONFLICT:
                    self._sleep(0.01 * 2**attempt)
                    continue  # the item is in a transaction: another shard
                if code == "TransactionConflictException":
                    # The report then falls back on the highest bucket in use (service_report.observed_max_ms).
                    logger.warning("maximum notice latency not recorded for %s", tally.day.isoformat())
                    return
                if code != "ConditionalCheckFailedException":
                    raise
            self._remember(tally.day, value)
            return

    def _remember(self, day: date, value: int) -> None:
        self._known_max[day] = max(value, self._known_max.get(day, value))
        while len(self._known_max) > KNOWN_MAX_DAYS:
            del self._known_max[min(self._known_max)]

    # --- reads --------------------------------------------------------------------------

    def keys(self, first: date, last: date) -> list[str]:
        return [stats_key(day, shard) for day in days_of(first, last) for shard in range(self._shards)]

    def read(self, first: date, last: date) -> dict[date, dict[str, int]]:
        by_day: dict[date, list[dict[str, int]]] = {}
        for raw in self._batch_get(self.keys(first, last)):
            day = date.fromisoformat(raw["key"]["S"].split("#", 1)[0])
            counters = {name: _number(value) for name, value in raw.items() if is_counter(name) and "N" in value}
            by_day.setdefault(day, []).append(counters)
        return {day: merge_counters(items) for day, items in sorted(by_day.items())}

    def _batch_get(self, keys: list[str]) -> Iterator[dict[str, Any]]:
        connection = StatsModel._get_connection()
        table = StatsModel.Meta.table_name
        for start in range(0, len(keys), BATCH_GET_KEYS):
            pending: list[dict[str, Any]] = [{"key": {"S": key}} for key in keys[start : start + BATCH_GET_KEYS]]
            for attempt in range(UNPROCESSED_RETRIES + 1):
                # PynamoDB types keys as str, but takes (and itself passes) attribute maps.
                response = connection.batch_get_item(pending)  # type: ignore[arg-type]
                yield from response.get("Responses", {}).get(table, [])
                pending = response.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
                if not pending:
                    break
                if attempt == UNPROCESSED_RETRIES:
                    raise RuntimeError(f"DynamoDB left {len(pending)} stats keys unprocessed after retries")
                self._sleep(min(1.0, 0.05 * 2**attempt) * (0.5 + random.random() / 2))  # noqa: S311 - jitter
