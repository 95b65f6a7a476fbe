"""The service report's pure rules: the latency histogram and its percentiles,
what each change counts, the date range, and the report built from counters.
Expected figures are worked out by hand (bucket bounds: ceil(100 ms * 2^(i/16)))."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.declaration import (
    APPROVED,
    EXPIRED,
    REJECTED,
    new_office_declaration,
    new_paper_declaration,
    new_signed_declaration,
)
from chalicelib.domain.errors import ReportRangeError
from chalicelib.domain.form01 import parse_form01
from chalicelib.domain.service_report import (
    GROWTH,
    LATENCY_MAX,
    LATENCY_OVER,
    MAX_RANGE_DAYS,
    RELATIVE_PRECISION,
    Tally,
    bucket_of,
    bucket_upper_ms,
    build_report,
    declaration_counter,
    due_counter,
    expiry_tally,
    is_counter,
    latency_counter,
    merge_counters,
    nearest_rank,
    notice_tally,
    percentile_ms,
    report_range,
    status_tally,
)
from tests.builders import form

FORM = parse_form01(form(), today=date(2026, 11, 24))
TODAY = date(2026, 11, 25)


# --- buckets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "upper"),
    [(0, 100), (1, 105), (2, 110), (15, 192), (16, 200), (17, 209), (53, 994), (54, 1038), (210, 893_344)],
)
def test_bucket_bounds(index: int, upper: int) -> None:
    assert bucket_upper_ms(index) == upper


@pytest.mark.parametrize(
    ("latency", "bucket"),
    [
        (0, 0),
        (100, 0),  # 0.1 s and below: bucket 0
        (101, 1),
        (105, 1),  # a bound belongs to the bucket it closes
        (106, 2),
        (200, 16),
        (201, 17),
        (1000, 54),
        (900_000, 211),  # the legal limit: 893,344 < 900,000 <= 932,896
        (1_200_000, 217),  # 1,158,524 < 1,200,000 <= 1,209,816
    ],
)
def test_bucket_of(latency: int, bucket: int) -> None:
    assert bucket_of(latency) == bucket


def test_relative_precision_is_one_sixteenth_of_a_doubling() -> None:
    assert round(RELATIVE_PRECISION, 4) == 0.0443
    with pytest.raises(ValueError):
        bucket_upper_ms(-1)


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=0, max_value=10**10))
def test_every_latency_falls_between_its_bucket_bounds(latency: int) -> None:
    bucket = bucket_of(latency)
    assert latency <= bucket_upper_ms(bucket)
    if bucket > 0:
        assert bucket_upper_ms(bucket - 1) < latency


# --- percentiles -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "percent", "rank"),
    [(1, 50, 1), (4, 50, 2), (5, 50, 3), (100, 99, 99), (101, 99, 100), (100, 7, 7), (200, 99, 198)],
)
def test_nearest_rank(count: int, percent: int, rank: int) -> None:
    assert nearest_rank(count, percent) == rank


def test_percentiles_of_four_notices() -> None:
    # 1, 2, 3 and 4 s: the median (rank 2) is 2 s, in bucket 70 (1,987 < 2,000 <= 2,075 ms);
    # p99 (rank 4) is 4 s, in bucket 86 (3,974 < 4,000 <= 4,150 ms), capped by the maximum.
    histogram = {bucket_of(ms): 1 for ms in (1000, 2000, 3000, 4000)}
    assert percentile_ms(histogram, 50, 4000) == 2075
    assert percentile_ms(histogram, 99, 4000) == 4000
    assert percentile_ms({}, 50, 0) is None


def test_percentile_never_exceeds_the_maximum() -> None:
    assert percentile_ms({bucket_of(150): 3}, 50, 150) == 150  # the bucket's bound is 152


def _true_percentile(values: list[int], percent: int) -> int:
    ordered = sorted(values)
    # Nearest rank, by its definition: the smallest k with k/n >= percent/100.
    rank = next(k for k in range(1, len(ordered) + 1) if Fraction(k, len(ordered)) >= Fraction(percent, 100))
    return ordered[rank - 1]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=3 * 86_400_000), min_size=1, max_size=300),
    st.sampled_from([50, 99, 1, 75, 90, 95, 100]),
)
def test_reported_percentile_is_an_upper_bound_within_the_precision(values: list[int], percent: int) -> None:
    histogram: dict[int, int] = {}
    for value in values:
        histogram[bucket_of(value)] = histogram.get(bucket_of(value), 0) + 1
    maximum = max(values)
    true = _true_percentile(values, percent)
    reported = percentile_ms(histogram, percent, maximum)
    assert reported is not None
    assert true <= reported <= maximum
    assert reported < true * GROWTH + 1 or (true <= 100 and reported <= 100)


# --- what a change counts ----------------------------------------------------------------------

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def test_submission_counts_awaiting_office_on_its_vietnamese_day() -> None:
    late_evening = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)  # 00:30 on the 25th in Vietnam
    submitted = new_office_declaration(FORM, declaration_id="d", code="C", now=late_evening)
    assert status_tally(submitted) == Tally(date(2026, 11, 25), {"decl#office#awaiting_office": 1})


def _paper_decided(decided_at: datetime, status: str = APPROVED) -> Tally:
    paper = new_paper_declaration(
        FORM, declaration_id="p", code="C", now=NOW, officer="o", office_code="BHXH-01", due_by=date(2026, 11, 27)
    )
    return status_tally(replace(paper, status=status, decided_at=decided_at, decided_by="o"))


def test_paper_decided_by_the_end_of_its_due_day_in_vietnam_is_on_time() -> None:
    last_minute = datetime(2026, 11, 27, 16, 59, tzinfo=UTC)  # 23:59 on the 27th in Vietnam
    assert _paper_decided(last_minute).counts == {"decl#paper#approved": 1, "due#paper#on_time": 1}
    next_day = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # 00:00 on the 28th in Vietnam
    tally = _paper_decided(next_day, REJECTED)
    assert tally == Tally(date(2026, 11, 28), {"decl#paper#rejected": 1, "due#paper#late": 1})


def test_paper_received_counts_no_due_date_yet() -> None:
    paper = new_paper_declaration(
        FORM, declaration_id="p", code="C", now=NOW, officer="o", office_code="BHXH-01", due_by=date(2026, 11, 27)
    )
    assert status_tally(paper).counts == {"decl#paper#received": 1}


def test_signed_decision_has_no_due_date() -> None:
    signed = new_signed_declaration(FORM, declaration_id="s", code="C", now=NOW, status=REJECTED)
    assert status_tally(signed) == Tally(date(2026, 11, 24), {"decl#signed#rejected": 1})


def test_expiry_counts_on_the_day_the_ten_days_ran_out() -> None:
    submitted = new_office_declaration(FORM, declaration_id="d", code="C", now=NOW)
    assert expiry_tally(submitted) == Tally(date(2026, 12, 4), {"decl#office#expired": 1})
    with pytest.raises(ValueError):
        expiry_tally(replace(submitted, expires_at=None))


def test_a_status_without_its_time_is_a_defect() -> None:
    submitted = new_office_declaration(FORM, declaration_id="d", code="C", now=NOW)
    with pytest.raises(ValueError):
        status_tally(replace(submitted, status=APPROVED))


def test_notice_counts_on_the_vietnamese_day_it_was_accepted() -> None:
    accepted = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # midnight in Vietnam
    assert notice_tally(0.2, accepted) == Tally(date(2026, 11, 25), {"lat#16": 1}, latency_max_ms=200)


def test_notice_over_fifteen_minutes_is_counted_over_the_limit() -> None:
    at_limit = notice_tally(900.0, NOW)
    assert at_limit.counts == {"lat#211": 1} and at_limit.latency_max_ms == 900_000
    over = notice_tally(900.001, NOW)
    assert over.counts == {"lat#211": 1, LATENCY_OVER: 1}
    assert notice_tally(-0.5, NOW) == Tally(date(2026, 11, 24), {"lat#0": 1}, latency_max_ms=0)


def test_counter_names() -> None:
    assert declaration_counter("office", EXPIRED) == "decl#office#expired"
    assert due_counter("paper", False) == "due#paper#late"
    assert latency_counter(211) == "lat#211"
    assert all(map(is_counter, ["decl#signed#approved", "due#office#on_time", "lat#0", LATENCY_OVER, LATENCY_MAX]))
    assert not any(map(is_counter, ["key", "lat#", "due#paper#soon", "decl#office"]))


def test_merge_sums_counts_and_keeps_the_largest_maximum() -> None:
    merged = merge_counters([{"lat#3": 1, LATENCY_MAX: 900}, {"lat#3": 2, "lat#9": 1, LATENCY_MAX: 700}, {}])
    assert merged == {"lat#3": 3, "lat#9": 1, LATENCY_MAX: 900}


# --- the range ---------------------------------------------------------------------------------


def test_default_range_is_the_last_seven_days_ending_today() -> None:
    assert report_range({}, TODAY) == (date(2026, 11, 19), TODAY)


def test_to_alone_ends_seven_days_and_from_alone_runs_to_today() -> None:
    assert report_range({"to": "2026-11-10"}, TODAY) == (date(2026, 11, 4), date(2026, 11, 10))
    assert report_range({"from": "2026-11-01"}, TODAY) == (date(2026, 11, 1), TODAY)
    assert report_range({"to": "0001-01-03"}, TODAY) == (date.min, date(1, 1, 3))


def test_ninety_two_days_at_most() -> None:
    first = date(2026, 8, 26)
    assert (TODAY - first).days + 1 == MAX_RANGE_DAYS
    assert report_range({"from": first.isoformat(), "to": TODAY.isoformat()}, TODAY) == (first, TODAY)
    with pytest.raises(ReportRangeError) as refused:
        report_range({"from": (first - timedelta(days=1)).isoformat()}, TODAY)
    assert [(e.field, e.code, e.params) for e in refused.value.errors] == [("to", "range_too_long", {"max": "92"})]


def test_reversed_range_is_refused() -> None:
    with pytest.raises(ReportRangeError) as refused:
        report_range({"from": "2026-11-25", "to": "2026-11-24"}, TODAY)
    assert [(e.field, e.code) for e in refused.value.errors] == [("to", "range_reversed")]
    assert refused.value.status == 400 and refused.value.code == "invalid_report_range"


@pytest.mark.parametrize(
    "value", ["2026-11-5", "20261125", "2026-W48-3", "2026-02-30", "２０２６-11-25", " 2026-11-25", ""]
)
def test_malformed_days_are_refused(value: str) -> None:
    with pytest.raises(ReportRangeError) as refused:
        report_range({"from": value, "to": "2026-13-01"}, TODAY)
    assert [(e.field, e.code) for e in refused.value.errors] == [("from", "invalid_date"), ("to", "invalid_date")]


def test_unknown_query_parameters_are_refused() -> None:
    with pytest.raises(ReportRangeError) as refused:
        report_range({"form": "2026-11-01"}, TODAY)
    assert [(e.field, e.code) for e in refused.value.errors] == [("form", "unknown_field")]


# --- the report ------------------------------------------------------------------------------


def test_report_of_two_days() -> None:
    first, second = date(2026, 11, 24), date(2026, 11, 25)
    counters = {
        first: {
            "decl#office#awaiting_office": 3,
            "decl#office#received": 2,
            "decl#paper#received": 1,
            "decl#signed#approved": 1,
            "decl#office#expired": 1,
            # notices of 1, 2, 3 and 4 s
            "lat#54": 1,
            "lat#70": 1,
            "lat#79": 1,
            "lat#86": 1,
            LATENCY_MAX: 4000,
        },
        second: {
            "decl#paper#approved": 2,
            "due#paper#on_time": 1,
            "due#paper#late": 1,
            "decl#office#rejected": 1,
            "due#office#on_time": 1,
            # one notice of 20 minutes
            "lat#217": 1,
            LATENCY_OVER: 1,
            LATENCY_MAX: 1_200_000,
        },
    }
    report = build_report(first, second, counters)
    assert (report["from"], report["to"], report["limit_seconds"]) == ("2026-11-24", "2026-11-25", 900)
    assert report["time_zone"] == "Asia/Ho_Chi_Minh" and report["latency_relative_precision"] == 0.0443
    day1, day2 = report["days"]
    assert day1["date"] == "2026-11-24"
    assert day1["declarations"] == {
        "office": {"awaiting_office": 3, "received": 2, "approved": 0, "rejected": 0, "expired": 1, "cancelled": 0},
        "paper": {"received": 1, "approved": 0, "rejected": 0, "cancelled": 0},
        "signed": {"approved": 1, "rejected": 0},
        "vneid": {"approved": 0, "rejected": 0},
    }
    assert day1["cancelled_after_10_days"] == 1
    assert day1["notices"] == {
        "count": 4,
        "p50_seconds": 2.075,
        "p99_seconds": 4.0,
        "max_seconds": 4.0,
        "over_limit": 0,
        "share_within_limit": 1.0,
        "delivered": 0,
        "delivered_within_limit": 0,
        "failed": 0,
        "share_delivered_within_limit": 0.0,
    }
    assert day1["dossiers"] == {
        "paper": {"on_time": 0, "late": 0, "share_on_time": None},
        "office": {"on_time": 0, "late": 0, "share_on_time": None},
    }
    assert day2["dossiers"] == {
        "paper": {"on_time": 1, "late": 1, "share_on_time": 0.5},
        "office": {"on_time": 1, "late": 0, "share_on_time": 1.0},
    }
    assert day2["notices"] == {
        "count": 1,
        "p50_seconds": 1200.0,
        "p99_seconds": 1200.0,
        "max_seconds": 1200.0,
        "over_limit": 1,
        "share_within_limit": 0.0,
        "delivered": 0,
        "delivered_within_limit": 0,
        "failed": 0,
        "share_delivered_within_limit": 0.0,
    }
    totals = report["totals"]
    assert "date" not in totals
    assert totals["declarations"]["paper"] == {"received": 1, "approved": 2, "rejected": 0, "cancelled": 0}
    # Five notices: 1, 2, 3, 4 s and 20 min. Median (rank 3) 3 s: bucket 79 (2,935 < 3,000 <= 3,065 ms).
    assert totals["notices"]["count"] == 5
    assert totals["notices"]["p50_seconds"] == 3.065
    assert totals["notices"]["p99_seconds"] == 1200.0
    assert (totals["notices"]["over_limit"], totals["notices"]["share_within_limit"]) == (1, 0.8)
    assert totals["dossiers"]["paper"]["share_on_time"] == 0.5


def test_empty_days_report_zeros_and_nulls() -> None:
    report = build_report(TODAY, TODAY, {})
    (day,) = report["days"]
    assert day["notices"] == {
        "count": 0,
        "p50_seconds": None,
        "p99_seconds": None,
        "max_seconds": None,
        "over_limit": 0,
        "share_within_limit": None,
        "delivered": 0,
        "delivered_within_limit": 0,
        "failed": 0,
        "share_delivered_within_limit": None,
    }
    assert day == {"date": "2026-11-25", **report["totals"]}


def test_a_lost_maximum_falls_back_to_the_highest_bucket_in_use() -> None:
    # The worker stopped between recording a 4 s notice and raising the maximum (still 1 s).
    counters = {"lat#54": 1, "lat#86": 1, LATENCY_MAX: 1000}
    notices = build_report(TODAY, TODAY, {TODAY: counters})["totals"]["notices"]
    assert notices["max_seconds"] == 3.975  # just above bucket 85's bound (3,974 ms)
    assert notices["p99_seconds"] == 3.975
