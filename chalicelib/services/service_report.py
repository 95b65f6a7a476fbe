"""Use case: the service report for reporters. Per Vietnamese day of a range
(at most 92): declarations by channel and the status they entered, notice
latency against the 15-minute legal limit, dossiers decided within their 3
working days, declarations cancelled after 10 days.

It reads only the daily counters (days x write shards items, whatever the
number of declarations, notices or people): never a Scan nor a Query."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..domain.account import REPORTER
from ..domain.declaration import vn_today
from ..domain.errors import ForbiddenError
from ..domain.service_report import build_report, report_range
from .deps import Deps


def service_report(deps: Deps, roles: tuple[str, ...], query: Mapping[str, str], now: datetime) -> dict[str, Any]:
    """``ReportRangeError`` (400) for a bad ``from``/``to``; ``ForbiddenError``
    unless the caller is a reporter (the authorizer already refuses others)."""
    if REPORTER not in roles:
        raise ForbiddenError()
    first, last = report_range(query, vn_today(now))
    return build_report(first, last, deps.stats.read(first, last))
