"""Valid test data, made fast: Form 01 bodies for submissions and big
participant CSVs built from the demo registry's pool of people."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from chalicelib.domain.participant import PARTICIPANT_COLUMNS
from local.demo_data import demo_participants

POOL_SIZE = 200
OFFICE_CODE = "BHXH-01"


def office_forms(count: int) -> list[dict[str, Any]]:
    """Form 01 bodies of ``count`` different people: each a distinct
    social-insurance code and a distinct CCCD whose century-gender and
    birth-year digits agree with the person (the demo pool guarantees that;
    only the 6 trailing random digits are replaced)."""
    forms = []
    for index, person in enumerate(demo_participants(count, seed=20261124)):
        cccd = person["id_number"][:6] + f"{index:06d}"
        forms.append(
            {
                "full_name": person["full_name"],
                "date_of_birth": person["date_of_birth"],
                "gender": person["gender"],
                "nationality": "VN",
                "bhxh_code": f"{person['province_code']}{90_000_000 + index:08d}",
                "id_document": {
                    "type": "cccd",
                    "number": cccd,
                    "issued_on": "2021-04-01",
                    "issued_by": "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
                },
                "phone": person["phone"],
                "email": f"nguoi.{index}@example.vn",
                "address": f"{index + 1} Trần Duy Hưng, Cầu Giấy, Hà Nội",
                "office_code": OFFICE_CODE,
            }
        )
    return forms


def write_participants_csv(path: Path, rows: int) -> Path:
    """``rows`` valid registry rows; the demo pool repeats, the code is unique per row."""
    pool = [[person[column] for column in PARTICIPANT_COLUMNS] for person in demo_participants(POOL_SIZE)]
    size = len(pool)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PARTICIPANT_COLUMNS)
        # columns: bhxh_code, ..., province_code (last)
        writer.writerows(
            [f"{row[-1]}{index:08d}", *row[1:]] for index, row in ((i, pool[i % size]) for i in range(rows))
        )
    return path


class DataFiles:
    """Participant CSVs in one temporary directory, each made once."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._made: dict[int, Path] = {}

    def participants(self, rows: int) -> Path:
        if rows not in self._made:
            self._made[rows] = write_participants_csv(self._directory / f"participants-{rows}.csv", rows)
        return self._made[rows]
