"""Rows of the BHXH registry export (``import-participants``)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.participant import PARTICIPANT_COLUMNS, parse_participant_row

DEMO_CSV = Path(__file__).resolve().parents[2] / "local" / "demo-participants.csv"

ROW = {
    "bhxh_code": "0139941583",
    "full_name": "Đặng Đức Khánh",
    "date_of_birth": "1965-12-15",
    "gender": "male",
    "id_number": "010065054415",
    "phone": "+84705683953",
    "province_code": "01",
}


def row(**changes: Any) -> dict[str, Any]:
    return {**ROW, **changes}


def errors_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        parse_participant_row(data)
    return [(e.field, e.code) for e in caught.value.errors]


def test_demo_csv_first_row_is_valid() -> None:
    with DEMO_CSV.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        assert tuple(reader.fieldnames or ()) == PARTICIPANT_COLUMNS
        first = next(reader)

    assert first == ROW
    assert parse_participant_row(first) == ROW


def test_values_are_normalised() -> None:
    result = parse_participant_row(
        row(full_name="  Đặng   Đức  Khánh ", phone="0705 683 953", id_number=" c1234567 ", gender=" male ")
    )

    assert result["full_name"] == "Đặng Đức Khánh"
    assert result["phone"] == "+84705683953"
    assert result["id_number"] == "C1234567"
    assert result["gender"] == "male"


def test_full_name_is_normalised_to_nfc() -> None:
    import unicodedata

    result = parse_participant_row(row(full_name=unicodedata.normalize("NFD", "Đặng Đức Khánh")))

    assert result["full_name"] == "Đặng Đức Khánh"


def test_extra_columns_are_ignored() -> None:
    assert parse_participant_row(row(note="x")) == ROW


@pytest.mark.parametrize("number", ["123456789", "010065054415", "C1234567"])
def test_id_number_may_be_cccd_cmnd_or_passport(number: str) -> None:
    assert parse_participant_row(row(id_number=number))["id_number"] == number


@pytest.mark.parametrize("column", PARTICIPANT_COLUMNS)
def test_missing_column(column: str) -> None:
    data = row()
    del data[column]

    assert errors_of(data) == [(column, "required")]


@pytest.mark.parametrize("column", PARTICIPANT_COLUMNS)
@pytest.mark.parametrize("value", ["", "   ", None])
def test_blank_column(column: str, value: Any) -> None:
    assert errors_of(row(**{column: value})) == [(column, "required")]


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("bhxh_code", "013994158", "invalid_bhxh_code"),
        ("bhxh_code", "01399415830", "invalid_bhxh_code"),
        ("bhxh_code", "013994158X", "invalid_bhxh_code"),
        ("full_name", "A" * 101, "too_long"),
        ("date_of_birth", "1965-13-15", "invalid_date"),
        ("date_of_birth", "15/12/1965", "invalid_date"),
        ("gender", "nam", "invalid_choice"),
        ("gender", "Male", "invalid_choice"),
        ("id_number", "0100-6505", "invalid_code"),
        ("id_number", "12345", "invalid_code"),
        ("id_number", "ABCDEFGH", "invalid_code"),
        ("id_number", "0100650544150", "invalid_code"),
        ("phone", "abc", "invalid_phone"),
        ("phone", "0705", "invalid_phone"),
        ("province_code", "99", "invalid_code"),
        ("province_code", "1", "invalid_code"),
        ("province_code", "02", "invalid_code"),  # merged into another province in 2025
    ],
)
def test_invalid_column(column: str, value: str, code: str) -> None:
    assert errors_of(row(**{column: value})) == [(column, code)]


def test_every_problem_is_reported_at_once() -> None:
    data = row(bhxh_code="1", gender="x", phone="abc", province_code="99")

    assert errors_of(data) == [
        ("bhxh_code", "invalid_bhxh_code"),
        ("gender", "invalid_choice"),
        ("phone", "invalid_phone"),
        ("province_code", "invalid_code"),
    ]


def test_date_of_birth_is_stored_as_yyyy_mm_dd() -> None:
    try:
        result = parse_participant_row(row(date_of_birth="19651215"))
    except ValidationError:
        return
    assert result["date_of_birth"] == "1965-12-15"
