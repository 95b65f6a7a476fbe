"""The service report's daily counters."""

from __future__ import annotations

from datetime import date
from typing import Protocol


class ServiceStats(Protocol):
    """The service report's daily counters (``domain/service_report.py``); the
    stores and the outbox move them in the transactions of what they count."""

    def read(self, first: date, last: date) -> dict[date, dict[str, int]]:
        """Counters of each Vietnamese day from ``first`` to ``last`` (inclusive),
        merged over the write shards; days with none are left out. Never a Scan:
        days x shards keys."""
