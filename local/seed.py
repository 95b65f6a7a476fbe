"""Seed the local stack with demo offices and registry participants."""

from __future__ import annotations

from typing import Any

from chalicelib.bootstrap import container
from chalicelib.services.import_participants import import_participants, read_rows

from .demo_data import PARTICIPANTS_CSV, demo_offices

DEMO_OFFICER = {
    "bhxh_code": "0100000001",
    "full_name": "Cán bộ Một Cửa Minh Họa",
    "phone": "0912000001",
    "id_number": "001080000001",
    "office_code": "BHXH-01",
    "roles": ("officer",),
    "email": "can.bo@example.vn",
}


def seed() -> dict[str, Any]:
    from datetime import UTC, datetime

    from chalicelib.services.create_staff_account import create_staff_account

    deps = container()
    offices = deps.offices.put_many(demo_offices())
    with PARTICIPANTS_CSV.open(encoding="utf-8", newline="") as stream:
        report = import_participants(deps.registry, read_rows(stream))
    officer = create_staff_account(deps, **DEMO_OFFICER, now=datetime.now(UTC))  # type: ignore[arg-type]
    return {
        "offices": offices,
        "participants": report.written,
        "officer": officer.account.username,
        "officer_password": officer.temporary_password,
    }
