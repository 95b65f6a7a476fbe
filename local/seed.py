"""Seed the local stack with demo offices and registry participants."""

from __future__ import annotations

from typing import Any

from chalicelib.bootstrap import container
from chalicelib.services.import_participants import import_participants, read_rows

from .demo_data import PARTICIPANTS_CSV, demo_offices, demo_roster, demo_units

DEMO_OFFICER = {
    "bhxh_code": "0100000001",
    "full_name": "Cán bộ Một Cửa Minh Họa",
    "phone": "0912000001",
    "id_number": "001080000001",
    "office_code": "BHXH-01",
    "roles": ("officer",),
    "email": "can.bo@example.vn",
}
DEMO_REPORTER = {
    "bhxh_code": "0100000009",
    "full_name": "Chuyên Viên Báo Cáo Minh Họa",
    "phone": "0912000009",
    "id_number": "001080000009",
    "office_code": "BHXH-01",
    "roles": ("reporter",),
    "email": "bao.cao@example.vn",
}
CAMPAIGN_DAYS = 45  # the demo campaign's deadline, from today


def seed() -> dict[str, Any]:
    from datetime import UTC, datetime

    from chalicelib.services.create_staff_account import create_staff_account

    deps = container()
    offices = deps.offices.put_many(demo_offices())
    with PARTICIPANTS_CSV.open(encoding="utf-8", newline="") as stream:
        report = import_participants(deps.registry, read_rows(stream))
    now = datetime.now(UTC)
    officer = create_staff_account(deps, **DEMO_OFFICER, now=now)  # type: ignore[arg-type]
    reporter = create_staff_account(deps, **DEMO_REPORTER, now=now)  # type: ignore[arg-type]
    campaign = seed_campaign(deps, now, [DEMO_OFFICER, DEMO_REPORTER])
    return {
        "offices": offices,
        "participants": report.written,
        "officer": officer.account.username,
        "officer_password": officer.temporary_password,
        "reporter": reporter.account.username,
        "reporter_password": reporter.temporary_password,
        **campaign,
    }


def seed_campaign(deps: Any, now: Any, staff: list[dict[str, Any]]) -> dict[str, Any]:
    """Units due in 45 days; the demo participants and staff on their rosters
    (the staff accounts exist already, so the import counts them)."""
    import csv
    from datetime import timedelta

    from chalicelib.domain.declaration import vn_today
    from chalicelib.services.campaign import import_roster, import_units

    units = demo_units(vn_today(now) + timedelta(days=CAMPAIGN_DAYS))
    import_units(deps, list(enumerate(units, start=2)))
    with PARTICIPANTS_CSV.open(encoding="utf-8", newline="") as stream:
        people = list(csv.DictReader(stream))
    rows = demo_roster(people, [(s["office_code"], s["bhxh_code"], s["full_name"]) for s in staff])
    report = import_roster(deps, list(enumerate(rows, start=2)), now)
    return {"units": len(units), "rostered": report.added, "counted": report.counted}
