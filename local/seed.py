"""Seed the local stack with demo offices and registry participants."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

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


LOCAL_STAGE = "local"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class NotLocalError(RuntimeError):
    """Demo data and demo staff (with known usernames) are for the local emulator only."""


def ensure_local(environ: Mapping[str, str]) -> str:
    """Refuse anything but the local emulator and the ``local`` stage, whatever else the environment says:
    the AWS endpoint must be an ``http://`` loopback address and the stage ``local``. Returns the endpoint."""
    stage = environ.get("BHXH_STAGE", "")
    endpoint = environ.get("AWS_ENDPOINT_URL", "")
    parsed = urlsplit(endpoint)
    if stage != LOCAL_STAGE:
        raise NotLocalError(f"demo data is seeded on the {LOCAL_STAGE!r} stage only, not {stage!r}")
    if parsed.scheme != "http" or parsed.hostname not in LOCAL_HOSTS or parsed.path not in ("", "/"):
        raise NotLocalError(f"demo data is seeded into the local emulator only, not {endpoint or 'AWS'!r}")
    for service_endpoint in (v for k, v in environ.items() if k.startswith("AWS_ENDPOINT_URL_")):
        if urlsplit(service_endpoint).hostname not in LOCAL_HOSTS:
            raise NotLocalError("a service endpoint (AWS_ENDPOINT_URL_*) points outside this machine")
    return endpoint


def seed() -> dict[str, Any]:
    import os
    from datetime import UTC, datetime

    from chalicelib.services.create_staff_account import create_staff_account

    ensure_local(os.environ)
    deps = container()
    if deps.settings.stage != LOCAL_STAGE:
        raise NotLocalError(f"the container is configured for stage {deps.settings.stage!r}")
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
