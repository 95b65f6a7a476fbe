"""The campaign progress report at national scale: 1,000 units and 1,000,000
rostered people, and the DynamoDB requests one report costs.

The roster and the units' counters are written straight into the in-process
emulator's tables (moto's backend, no API round trip: a million PutItem calls
through botocore would take the better part of an hour), as consistent data:
each unit's ``roster``, ``registered`` and daily counters are the sums of its
roster entries. The report then runs through the real adapter and service,
counted at botocore like the other request figures. The target is the
issue's: ``units / 100 + 5`` requests per report, whatever the number of people.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .api_calls import ApiCalls, _operations, _service
from .env import IN_PROCESS_AWS, patched_env
from .report import Figure, Target

UNITS = 1_000
PEOPLE = 1_000_000
QUICK_PEOPLE = 100_000
CHANNELS = ("signed", "office", "paper")
TODAY = date(2026, 11, 25)


def _unit_code(index: int) -> str:
    return f"U{index:04d}"


def _write_synthetic(settings: Any, people: int) -> tuple[int, int]:
    """Roster ``people`` across ``UNITS`` units, 40 % of them registered over the
    last 30 days; returns (rostered, registered) as written."""
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.domain.provinces import PROVINCES

    backend = dynamodb_backends["123456789012"][settings.region]
    roster_table = backend.get_table(settings.roster_table)
    units_table = backend.get_table(settings.units_table)
    provinces = sorted(PROVINCES)
    roster: Counter[int] = Counter()
    registered: Counter[int] = Counter()
    daily: dict[int, Counter[str]] = {u: Counter() for u in range(UNITS)}
    rostered_at = datetime(2026, 10, 1, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")
    for person in range(people):
        unit = person % UNITS
        item: dict[str, Any] = {
            "bhxh_code": {"S": f"{person:010d}"},
            "unit_code": {"S": _unit_code(unit)},
            "full_name": {"S": "Nguyễn Văn An"},
            "rostered_at": {"S": rostered_at},
        }
        roster[unit] += 1
        if person * 7919 % 10 < 4:
            day = (TODAY - timedelta(days=person % 30)).isoformat()
            channel = CHANNELS[person % len(CHANNELS)]
            item["registered_on"] = {"S": day}
            item["channel"] = {"S": channel}
            registered[unit] += 1
            daily[unit][f"{day}#{channel}"] += 1
        roster_table.put_item(item)
    for unit in range(UNITS):
        province = "00" if unit % 50 == 0 else provinces[unit % len(provinces)]
        code = _unit_code(unit)
        units_table.put_item(
            {
                "unit_code": {"S": code},
                "name": {"S": f"Đơn vị số {unit}"},
                "province_code": {"S": province},
                "deadline": {"S": (TODAY + timedelta(days=30 + unit % 60)).isoformat()},
                "listing": {"S": "unit"},
                "listing_key": {"S": f"{province}#{code}"},
                "roster": {"N": str(roster[unit])},
                "registered": {"N": str(registered[unit])},
                "daily": {"M": {key: {"N": str(n)} for key, n in daily[unit].items()}},
            }
        )
    return sum(roster.values()), sum(registered.values())


def run(quick: bool) -> list[Figure]:
    import boto3
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.config import load_settings
    from chalicelib.domain.campaign import COUNTED, NOT_ROSTERED
    from chalicelib.services.campaign import campaign_progress, count_issued_account
    from local.resources import create_all

    from .moto_costs import dynamodb_like_costs

    people = QUICK_PEOPLE if quick else PEOPLE
    # moto backs up a whole table per transaction and scans it per index query; the
    # patch gives it DynamoDB's costs (see bench/moto_costs.py), answers unchanged.
    with (
        patched_env(IN_PROCESS_AWS, remove=("AWS_ENDPOINT_URL", "AWS_PROFILE")),
        mock_aws(),
        dynamodb_like_costs(),
    ):
        settings = load_settings()
        create_all(settings, boto3.session.Session())
        started = time.perf_counter()
        rostered, registered = _write_synthetic(settings, people)
        load_seconds = time.perf_counter() - started
        deps = bootstrap.Container(settings)
        calls = ApiCalls()
        reports: list[Counter[tuple[str, str]]] = []
        seconds: list[float] = []
        with calls.installed():
            for _ in range(3):
                before = calls.snapshot()
                began = time.perf_counter()
                report = campaign_progress(deps, TODAY)
                seconds.append(time.perf_counter() - began)
                reports.append(calls.since(before))
            before = calls.snapshot()
            province = campaign_progress(deps, TODAY, "01")
            by_province = calls.since(before)
            # The stream handler's cost per new account: rostered and not yet counted, or not rostered.
            counts: list[int] = []
            misses: list[int] = []
            at = datetime(2026, 11, 25, 3, tzinfo=UTC)
            for person in range(people):
                if len(counts) == 50:
                    break
                if person * 7919 % 10 >= 4:  # rostered, not registered yet
                    before = calls.snapshot()
                    assert count_issued_account(deps, f"{person:010d}", at, "signed") == COUNTED
                    counts.append(_service(calls.since(before), "dynamodb"))
            for outsider in range(50):
                before = calls.snapshot()
                assert count_issued_account(deps, f"9{outsider:09d}", at, "signed") == NOT_ROSTERED
                misses.append(_service(calls.since(before), "dynamodb"))

    # The report must be right, not only cheap.
    if (report.totals.roster, report.totals.registered, report.totals.units) != (rostered, registered, UNITS):
        raise AssertionError(f"report totals {report.totals} differ from the data written ({rostered}, {registered})")
    per_report = [_service(c, "dynamodb") for c in reports]
    target = UNITS / 100 + 5
    return [
        Figure(
            "dynamodb_requests_per_progress_report",
            statistics.fmean(per_report),
            "requests",
            decimals=0,
            target=Target("<=", target),
            details={
                "units": UNITS,
                "rostered": rostered,
                "registered": registered,
                "target": f"units / 100 + 5 = {target:g}",
                "operations": _operations(reports),
                "report_seconds_median": statistics.median(seconds),
                "synthetic_load_seconds": round(load_seconds, 1),
            },
        ),
        Figure(
            "dynamodb_requests_per_progress_report_one_province",
            _service(by_province, "dynamodb"),
            "requests",
            decimals=0,
            target=Target("<=", target),
            details={"units": len(province.rows), "operations": _operations([by_province])},
        ),
        Figure(
            "progress_report_ms",
            statistics.median(seconds) * 1000,
            "ms",
            details={"units": UNITS, "rostered": rostered, "note": "in-process emulator; informative, no target"},
        ),
        Figure(
            "dynamodb_requests_per_counted_registration",
            statistics.fmean(counts),
            "requests",
            target=Target("<=", 2),
            details={"counted": len(counts), "max": max(counts), "not_rostered_mean": statistics.fmean(misses)},
        ),
    ]
