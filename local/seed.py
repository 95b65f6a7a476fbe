"""Seed the local stack with demo offices and registry participants."""

from __future__ import annotations

from chalicelib.bootstrap import container
from chalicelib.services.import_participants import import_participants, read_rows

from .demo_data import PARTICIPANTS_CSV, demo_offices


def seed() -> dict[str, int]:
    deps = container()
    offices = deps.offices.put_many(demo_offices())
    with PARTICIPANTS_CSV.open(encoding="utf-8", newline="") as stream:
        report = import_participants(deps.registry, read_rows(stream))
    return {"offices": offices, "participants": report.written}
