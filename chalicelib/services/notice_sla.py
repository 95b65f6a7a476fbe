"""Operator use case: how fast notices reached the provider (the law: 15
minutes from the decision; the design target: p99 under 60 s). Reads the
ledger by day from its index, never a Scan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..domain.delivery import RECEIPT_STATUSES
from ..domain.notification import PERMANENT_FAILURE, SENT, SUPPRESSED
from ..domain.service_report import LEGAL_LIMIT_SECONDS
from .deps import Deps


@dataclass(frozen=True)
class SlaReport:
    sent: int
    p50: float
    p99: float
    max: float
    over_limit: int
    not_sent: int


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def sla_report(deps: Deps, today: date, days: int) -> SlaReport:
    latencies: list[float] = []
    not_sent = 0
    for back in range(max(1, days)):
        for entry in deps.outbox.ledger_of_day(today - timedelta(days=back)):
            if entry.notice.status in (SENT, *RECEIPT_STATUSES) and entry.latency_seconds is not None:
                latencies.append(entry.latency_seconds)
            elif entry.notice.status in (PERMANENT_FAILURE, SUPPRESSED):
                not_sent += 1
    return SlaReport(
        sent=len(latencies),
        p50=_percentile(latencies, 0.5),
        p99=_percentile(latencies, 0.99),
        max=max(latencies, default=0.0),
        over_limit=sum(1 for value in latencies if value > LEGAL_LIMIT_SECONDS),
        not_sent=not_sent,
    )
