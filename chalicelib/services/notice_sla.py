"""Operator use case: how fast notices reached the provider (the law: 15
minutes from the decision; the design target: p99 under 60 s). Reads the
ledger by day from its index, never a Scan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..domain.service_report import LEGAL_LIMIT_SECONDS


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


def sla_report(deps: Any, today: date, days: int) -> SlaReport:
    from ..adapters.models import NotificationModel

    deps.outbox  # noqa: B018 - binds the models to their tables
    latencies: list[float] = []
    not_sent = 0
    for back in range(max(1, days)):
        for item in NotificationModel.by_day.query((today - timedelta(days=back)).isoformat()):
            if item.status == "sent" and item.latency_seconds is not None:
                latencies.append(float(item.latency_seconds))
            elif item.status in ("permanent_failure", "suppressed"):
                not_sent += 1
    return SlaReport(
        sent=len(latencies),
        p50=_percentile(latencies, 0.5),
        p99=_percentile(latencies, 0.99),
        max=max(latencies, default=0.0),
        over_limit=sum(1 for value in latencies if value > LEGAL_LIMIT_SECONDS),
        not_sent=not_sent,
    )
