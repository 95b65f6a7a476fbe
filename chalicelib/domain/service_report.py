"""The service report: what the service did on each Vietnamese day, read from
daily counters. Pure rules, no AWS.

Every write that changes a declaration's status, and the worker's write that
records a notice as sent, ADDs to the counters of the day it happened (a
``Tally``) in the same DynamoDB transaction as the change itself, so each
change counts exactly once: a retried or lost conditional write cancels the
count with it. The counters of a day live in a few items (write shards)
that the report sums.

Counters (attribute names of a stats item):

* ``decl#<channel>#<status>``: declarations of that channel that entered that
  status that day (Vietnam time): ``awaiting_office`` on submission,
  ``received`` on receipt (paper: when typed in), ``approved``/``rejected`` on
  the decision, ``expired`` on the day the 10 days ran out, ``cancelled`` when
  another declaration of the same person was approved (office and paper).
* ``due#<channel>#on_time``, ``due#<channel>#late``: dossiers with a due date
  (paper, and office dossiers once received) decided that day, on or before
  their ``due_by`` (the 3rd working day, Vietnam) or after it.
* ``lat#<i>``: notices the provider accepted that day whose latency (decision
  to provider acceptance) falls in histogram bucket ``i``; ``lat_over``: those
  over the 15-minute legal limit (exact); ``lat_max_ms``: the largest latency
  in milliseconds (a conditional SET by the worker, merged with ``max``).

Latency histogram: latencies are whole milliseconds (the ledger keeps them
rounded to the millisecond). Bucket 0 holds 0 to 100 ms; bucket ``i > 0``
holds the latencies ``upper(i-1) < v <= upper(i)`` with
``upper(i) = ceil(100 ms * 2^(i/16))``: 16 buckets per doubling, log-spaced.
A percentile is reported as the upper bound of the bucket that holds it,
capped by the exact maximum, so for a true percentile ``v`` (nearest rank):
``v <= reported < v * 2^(1/16) + 1 ms`` (2^(1/16) - 1 = 4.43 % relative
precision), and ``reported <= 100 ms`` when ``v <= 100 ms``; never above the
maximum. From 0.1 s to a day that is at most 263 buckets; a day of 1 s to
60 s latencies fills about 95. The scheme is part of the stored data: changing
it reinterprets the counters of past days.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from .declaration import (
    APPROVED,
    AWAITING_OFFICE,
    CANCELLED,
    CHANNEL_OFFICE,
    CHANNEL_PAPER,
    CHANNEL_SIGNED,
    CHANNEL_VNEID,
    EXPIRED,
    RECEIVED,
    REJECTED,
    Declaration,
    vn_today,
)
from .errors import FieldError, ReportRangeError
from .form01 import iso_date

LEGAL_LIMIT_SECONDS = 15 * 60  # a notice at most 15 minutes after the decision
LEGAL_LIMIT_MS = LEGAL_LIMIT_SECONDS * 1000
MAX_RANGE_DAYS = 92
DEFAULT_RANGE_DAYS = 7
TIME_ZONE = "Asia/Ho_Chi_Minh"

CHANNELS = (CHANNEL_OFFICE, CHANNEL_PAPER, CHANNEL_SIGNED, CHANNEL_VNEID)
STATUSES = (AWAITING_OFFICE, RECEIVED, APPROVED, REJECTED, EXPIRED, CANCELLED)
# The statuses a declaration of each channel can enter (DESIGN §3 "Statuses").
CHANNEL_STATUSES: dict[str, tuple[str, ...]] = {
    CHANNEL_OFFICE: (AWAITING_OFFICE, RECEIVED, APPROVED, REJECTED, EXPIRED, CANCELLED),
    CHANNEL_PAPER: (RECEIVED, APPROVED, REJECTED, CANCELLED),
    CHANNEL_SIGNED: (APPROVED, REJECTED),
    CHANNEL_VNEID: (APPROVED, REJECTED),
}
DUE_CHANNELS = (CHANNEL_PAPER, CHANNEL_OFFICE)  # the channels whose dossiers have a due date

# --- the latency histogram -------------------------------------------------------------

FLOOR_MS = 100
BUCKETS_PER_DOUBLING = 16
GROWTH = 2 ** (1 / BUCKETS_PER_DOUBLING)
RELATIVE_PRECISION = GROWTH - 1  # 0.0443: reported < true * GROWTH + 1 ms


def bucket_upper_ms(index: int) -> int:
    """The largest latency (ms) bucket ``index`` holds."""
    if index < 0:
        raise ValueError("bucket indexes start at 0")
    return math.ceil(FLOOR_MS * 2 ** (index / BUCKETS_PER_DOUBLING))


def bucket_of(latency_ms: int) -> int:
    """The bucket that holds ``latency_ms``: the first whose upper bound is not below it."""
    if latency_ms <= FLOOR_MS:
        return 0
    index = max(1, math.ceil(BUCKETS_PER_DOUBLING * math.log2(latency_ms / FLOOR_MS)))
    # The logarithm is a float: settle the exact bucket on the integer bounds.
    while bucket_upper_ms(index) < latency_ms:
        index += 1
    while index > 0 and bucket_upper_ms(index - 1) >= latency_ms:
        index -= 1
    return index


def nearest_rank(count: int, percent: int) -> int:
    """The rank (1-based) of the ``percent``-th percentile of ``count`` values,
    nearest-rank definition: the smallest rank with at least ``percent`` % of
    the values at or below it. Integer arithmetic (0.99 * 100 is not 99 in floats)."""
    if count <= 0:
        raise ValueError("no values")
    if not 0 < percent <= 100:
        raise ValueError("percent is in (0, 100]")
    return max(1, -(-percent * count // 100))


def percentile_ms(histogram: Mapping[int, int], percent: int, max_ms: int) -> int | None:
    """The reported ``percent``-th percentile: the upper bound of the bucket
    holding the value of that rank, capped by the maximum; None without values."""
    count = sum(histogram.values())
    if count <= 0:
        return None
    rank = nearest_rank(count, percent)
    seen = 0
    for index in sorted(histogram):
        seen += histogram[index]
        if seen >= rank:
            return min(bucket_upper_ms(index), max_ms)
    raise AssertionError("unreachable: the ranks add up to the count")


# --- counters ----------------------------------------------------------------------------

DECLARATION_PREFIX = "decl#"
DUE_PREFIX = "due#"
LATENCY_PREFIX = "lat#"
LATENCY_OVER = "lat_over"
LATENCY_MAX = "lat_max_ms"
ON_TIME = "on_time"
LATE = "late"
_COUNTER_NAME = re.compile(
    r"^(decl#[a-z_]+#[a-z_]+|due#[a-z_]+#(on_time|late)|lat#[0-9]{1,4}|lat_over|lat_max_ms"
    r"|rcpt_delivered|rcpt_in_limit|rcpt_failed|rcv_sent|rcv_in_2h)$"
)
# Delivery receipts (domain.delivery), counted on the day the notice was sent, by its latest receipt:
# delivered, delivered within 15 minutes of the decision, failed.
# Receipts of dossiers (Decree 164/2025/NĐ-CP: within 2 hours of receiving them): sent, and sent in time.
DOSSIER_RECEIPT_KIND = "dossier_received"
DOSSIER_RECEIPT_LIMIT_SECONDS = 2 * 60 * 60
RECEIPTS_SENT = "rcv_sent"
RECEIPTS_IN_2H = "rcv_in_2h"
RECEIPT_DELIVERED = "rcpt_delivered"
RECEIPT_IN_LIMIT = "rcpt_in_limit"
RECEIPT_FAILED = "rcpt_failed"


def receipt_counts(status: str | None, within_limit: bool) -> dict[str, int]:
    """What a notice's receipt state contributes: nothing without a receipt."""
    if status == "delivered":
        return {RECEIPT_DELIVERED: 1, **({RECEIPT_IN_LIMIT: 1} if within_limit else {})}
    if status == "failed":
        return {RECEIPT_FAILED: 1}
    return {}


def receipt_tally(sent_at: datetime, before: tuple[str | None, bool], after: tuple[str, bool]) -> Tally | None:
    """The change a receipt makes to the counters of the day the notice was sent: its new state's
    contribution less its old one (a later receipt can move a notice from delivered to failed)."""
    old, new = receipt_counts(*before), receipt_counts(*after)
    delta = {name: new.get(name, 0) - old.get(name, 0) for name in {*old, *new}}
    delta = {name: value for name, value in delta.items() if value}
    return Tally(vn_today(sent_at), delta) if delta else None


def declaration_counter(channel: str, status: str) -> str:
    return f"{DECLARATION_PREFIX}{channel}#{status}"


def due_counter(channel: str, on_time: bool) -> str:
    return f"{DUE_PREFIX}{channel}#{ON_TIME if on_time else LATE}"


def latency_counter(bucket: int) -> str:
    return f"{LATENCY_PREFIX}{bucket}"


def is_counter(name: str) -> bool:
    """A name this module writes (a stats item's other attributes are not counters)."""
    return bool(_COUNTER_NAME.match(name))


@dataclass(frozen=True)
class Tally:
    """What one change adds to the counters of ``day`` (Vietnam): ``counts`` are
    ADDed; ``latency_max_ms`` raises the day's maximum latency if it is higher."""

    day: date
    counts: Mapping[str, int]
    latency_max_ms: int | None = field(default=None)


def entered_status_at(declaration: Declaration) -> datetime:
    """When ``declaration`` entered its current status."""
    moments = {
        AWAITING_OFFICE: declaration.confirmed_at,
        RECEIVED: declaration.received_at,
        APPROVED: declaration.decided_at,
        REJECTED: declaration.decided_at,
        EXPIRED: declaration.expires_at,
        CANCELLED: declaration.decided_at,
    }
    moment = moments.get(declaration.status)
    if moment is None:
        raise ValueError(f"no time recorded for entering {declaration.status}")
    return moment


def status_tally(declaration: Declaration) -> Tally:
    """The counters a declaration adds as it enters its current status: one
    for (channel, status) on that day and, for a decided dossier that had a
    due date, one for on time (decided on or before ``due_by``, Vietnam) or late."""
    at = entered_status_at(declaration)
    day = vn_today(at)
    counts = {declaration_counter(declaration.channel, declaration.status): 1}
    if declaration.status in (APPROVED, REJECTED) and declaration.due_by is not None:
        counts[due_counter(declaration.channel, day <= declaration.due_by)] = 1
    return Tally(day, counts)


def expiry_tally(declaration: Declaration) -> Tally:
    """An office declaration cancelled after its 10 days: counted on the day it
    lapsed (``expires_at``), whenever DynamoDB's TTL got round to deleting it."""
    if declaration.expires_at is None:
        raise ValueError("only a declaration with an expiry can expire")
    return status_tally(declaration.with_status(EXPIRED))


def latency_ms(latency_seconds: float) -> int:
    """Whole milliseconds, never negative (clocks of two hosts may disagree slightly)."""
    return max(0, round(latency_seconds * 1000))


def notice_tally(latency_seconds: float, sent_at: datetime, kind: str = "") -> Tally:
    """A notice the provider accepted at ``sent_at``, ``latency_seconds`` after its decision (or,
    for a dossier's receipt, after the dossier was received: counted against its 2 hours too)."""
    value = latency_ms(latency_seconds)
    counts = {latency_counter(bucket_of(value)): 1}
    if value > LEGAL_LIMIT_MS:
        counts[LATENCY_OVER] = 1
    if kind == DOSSIER_RECEIPT_KIND:
        counts[RECEIPTS_SENT] = 1
        if latency_seconds <= DOSSIER_RECEIPT_LIMIT_SECONDS:
            counts[RECEIPTS_IN_2H] = 1
    return Tally(vn_today(sent_at), counts, latency_max_ms=value)


def merge_counters(items: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """Counters of several shards or days as one: sums, except the maximum."""
    merged: dict[str, int] = {}
    for item in items:
        for name, value in item.items():
            if name == LATENCY_MAX:
                merged[name] = max(merged.get(name, value), value)
            else:
                merged[name] = merged.get(name, 0) + value
    return merged


# --- the range asked for -------------------------------------------------------------------

RANGE_FIELDS = ("from", "to")


def _day(errors: list[FieldError], name: str, value: str | None) -> date | None:
    return None if value is None else iso_date(errors, name, value)


def report_range(query: Mapping[str, str], today: date) -> tuple[date, date]:
    """``from`` and ``to`` (Vietnam days, inclusive). ``to`` defaults to today,
    ``from`` to 6 days before ``to`` (7 days); at most 92 days, ``to`` not
    before ``from``. ``ReportRangeError`` (400) names what is wrong."""
    errors = [FieldError(str(name)[:64], "unknown_field") for name in query if name not in RANGE_FIELDS]
    first = _day(errors, "from", query.get("from"))
    last = _day(errors, "to", query.get("to"))
    if errors:
        raise ReportRangeError(errors)
    last = last or today
    if first is None:
        first = last - timedelta(days=DEFAULT_RANGE_DAYS - 1) if last - date.min >= timedelta(days=6) else date.min
    if last < first:
        raise ReportRangeError([FieldError("to", "range_reversed")])
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise ReportRangeError([FieldError("to", "range_too_long", {"max": str(MAX_RANGE_DAYS)})])
    return first, last


def days_of(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


# --- the report ------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _seconds(value_ms: int | None) -> float | None:
    return None if value_ms is None else value_ms / 1000


def histogram_of(counters: Mapping[str, int]) -> dict[int, int]:
    return {
        int(name[len(LATENCY_PREFIX) :]): count
        for name, count in counters.items()
        if name.startswith(LATENCY_PREFIX) and count > 0
    }


def observed_max_ms(counters: Mapping[str, int], histogram: Mapping[int, int]) -> int | None:
    """The exact maximum; should its write have been lost (the worker stopped
    between recording the notice and raising the maximum), at least the lower
    bound of the highest bucket in use, so percentiles stay consistent with it."""
    if not histogram:
        return None
    top = max(histogram)
    floor = bucket_upper_ms(top - 1) + 1 if top > 0 else 0
    return max(counters.get(LATENCY_MAX, floor), floor)


def notices_section(counters: Mapping[str, int]) -> dict[str, Any]:
    histogram = histogram_of(counters)
    count = sum(histogram.values())
    over = min(counters.get(LATENCY_OVER, 0), count)
    maximum = observed_max_ms(counters, histogram)
    p50 = percentile_ms(histogram, 50, maximum) if maximum is not None else None
    p99 = percentile_ms(histogram, 99, maximum) if maximum is not None else None
    delivered_in_limit = counters.get(RECEIPT_IN_LIMIT, 0)
    return {
        "count": count,
        "p50_seconds": _seconds(p50),
        "p99_seconds": _seconds(p99),
        "max_seconds": _seconds(maximum),
        "over_limit": over,
        "share_within_limit": _share(count - over, count),
        # The providers' receipts: arrived, arrived within 15 minutes of the decision, did not arrive.
        "delivered": counters.get(RECEIPT_DELIVERED, 0),
        "delivered_within_limit": delivered_in_limit,
        "failed": counters.get(RECEIPT_FAILED, 0),
        "share_delivered_within_limit": _share(delivered_in_limit, count),
    }


def day_section(counters: Mapping[str, int]) -> dict[str, Any]:
    """One day's (or the range's) figures from its merged counters."""
    dossiers = {}
    for channel in DUE_CHANNELS:
        on_time = counters.get(due_counter(channel, True), 0)
        late = counters.get(due_counter(channel, False), 0)
        dossiers[channel] = {"on_time": on_time, "late": late, "share_on_time": _share(on_time, on_time + late)}
    return {
        "declarations": {
            channel: {status: counters.get(declaration_counter(channel, status), 0) for status in statuses}
            for channel, statuses in CHANNEL_STATUSES.items()
        },
        "notices": notices_section(counters),
        "dossiers": dossiers,
        "cancelled_after_10_days": counters.get(declaration_counter(CHANNEL_OFFICE, EXPIRED), 0),
        "receipts": {
            "sent": counters.get(RECEIPTS_SENT, 0),
            "within_2_hours": counters.get(RECEIPTS_IN_2H, 0),
            "share_within_2_hours": _share(counters.get(RECEIPTS_IN_2H, 0), counters.get(RECEIPTS_SENT, 0)),
        },
    }


def build_report(first: date, last: date, counters_by_day: Mapping[date, Mapping[str, int]]) -> dict[str, Any]:
    """The report of ``first``..``last``: each day, then the whole range."""
    days = days_of(first, last)
    empty: dict[str, int] = {}
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "time_zone": TIME_ZONE,
        "limit_seconds": LEGAL_LIMIT_SECONDS,
        "latency_relative_precision": round(RELATIVE_PRECISION, 4),
        "days": [{"date": day.isoformat(), **day_section(counters_by_day.get(day, empty))} for day in days],
        "totals": day_section(merge_counters(counters_by_day.get(day, empty) for day in days)),
    }
