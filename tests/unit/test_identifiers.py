"""Identifiers: ID-document structure, counter codes, masking."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.identifiers import (
    COUNTER_CODE_ALPHABET,
    COUNTER_CODE_LENGTH,
    cccd_problem,
    cmnd_problem,
    format_counter_code,
    is_bhxh_code,
    mask,
    new_counter_code,
    normalise_counter_code,
    passport_problem,
)

BORN_1989 = date(1989, 5, 2)
BORN_2001 = date(2001, 9, 30)


@pytest.mark.parametrize(
    ("number", "gender", "born", "expected"),
    [
        ("001089020747", "male", BORN_1989, None),
        ("001189020747", "female", BORN_1989, None),
        ("079201123456", "male", BORN_2001, None),
        ("079301123456", "female", BORN_2001, None),
        ("001089020747", None, None, None),  # nothing to compare with
        ("001389020747", None, BORN_1989, "cccd_century_mismatch"),
        ("001389020747", "female", None, None),  # century unknown without a birth date
        ("096000000000", "male", date(1900, 1, 1), None),
        ("096100000000", "female", date(1900, 1, 1), None),
        ("096399000000", "female", date(2099, 12, 31), None),
        ("00108902074", "male", BORN_1989, "cccd_format"),
        ("0010890207470", "male", BORN_1989, "cccd_format"),
        ("00108902074X", "male", BORN_1989, "cccd_format"),
        ("００１０８９０２０７４７", "male", BORN_1989, "cccd_format"),  # full-width digits
        ("", "male", BORN_1989, "cccd_format"),
        ("000089020747", "male", BORN_1989, "cccd_province"),
        ("003089020747", "male", BORN_1989, "cccd_province"),
        ("097089020747", "male", BORN_1989, "cccd_province"),
        ("001289020747", "male", BORN_1989, "cccd_century_mismatch"),
        ("001489020747", "male", BORN_1989, "cccd_century_mismatch"),
        ("079001123456", "male", BORN_2001, "cccd_century_mismatch"),
        ("001090020747", "male", BORN_1989, "cccd_birth_year_mismatch"),
        ("079210123456", "male", BORN_2001, "cccd_birth_year_mismatch"),
        ("001089020747", "female", BORN_1989, "cccd_gender_mismatch"),
        ("001189020747", "male", BORN_1989, "cccd_gender_mismatch"),
        ("079201123456", "female", BORN_2001, "cccd_gender_mismatch"),
        ("079301123456", "male", BORN_2001, "cccd_gender_mismatch"),
        ("001189020747", "male", None, "cccd_gender_mismatch"),
    ],
)
def test_cccd_problem(number: str, gender: str | None, born: date | None, expected: str | None) -> None:
    assert cccd_problem(number, gender, born) == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("123456789", None),
        ("123456789012", None),
        ("12345678", "cmnd_format"),
        ("1234567890", "cmnd_format"),
        ("12345678901", "cmnd_format"),
        ("1234567890123", "cmnd_format"),
        ("12345678A", "cmnd_format"),
        ("１２３４５６７８９", "cmnd_format"),
        ("", "cmnd_format"),
    ],
)
def test_cmnd_problem(number: str, expected: str | None) -> None:
    assert cmnd_problem(number) == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("C1234567", None),
        ("B123456", None),
        ("123456", None),
        ("123456789", None),
        ("AB1234567", None),
        ("C1234", "passport_format"),  # 5: too short
        ("C123456789", "passport_format"),  # 10: too long
        ("ABCDEFGH", "passport_format"),  # no digit
        ("C-123456", "passport_format"),
        ("C 123456", "passport_format"),
        ("Đ1234567", "passport_format"),  # not Latin ASCII
        ("", "passport_format"),
    ],
)
def test_passport_problem(number: str, expected: str | None) -> None:
    assert passport_problem(number) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0123456789", True),
        ("012345678", False),
        ("01234567890", False),
        ("012345678a", False),
        ("０１２３４５６７８９", False),
    ],
)
def test_is_bhxh_code(value: str, expected: bool) -> None:
    assert is_bhxh_code(value) is expected


def test_counter_code_alphabet_avoids_lookalikes() -> None:
    assert not set(COUNTER_CODE_ALPHABET) & set("0O1IL5S2Z8BUV")
    assert len(set(COUNTER_CODE_ALPHABET)) == len(COUNTER_CODE_ALPHABET)


def test_new_counter_code_uses_the_alphabet_and_length() -> None:
    for _ in range(200):
        code = new_counter_code()
        assert len(code) == COUNTER_CODE_LENGTH == 8
        assert set(code) <= set(COUNTER_CODE_ALPHABET)


def test_new_counter_code_is_random() -> None:
    assert len({new_counter_code() for _ in range(1000)}) > 990


def test_format_counter_code() -> None:
    assert format_counter_code("K7PQ3M9X") == "K7PQ-3M9X"


@pytest.mark.parametrize("typed", ["k7pq-3m9x", "K7PQ-3M9X", "K7PQ3M9X", " k7pq 3m9x ", "k7-pq-3m-9x"])
def test_normalise_counter_code(typed: str) -> None:
    assert normalise_counter_code(typed) == "K7PQ3M9X"


@settings(max_examples=300, deadline=None)
@given(st.text(COUNTER_CODE_ALPHABET, min_size=COUNTER_CODE_LENGTH, max_size=COUNTER_CODE_LENGTH))
def test_format_then_normalise_round_trips(code: str) -> None:
    assert normalise_counter_code(format_counter_code(code)) == code
    assert normalise_counter_code(format_counter_code(code).lower()) == code


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0912345678", "09******78"),
        ("+84912345678", "+8********78"),
        ("001089020747", "00********47"),
        ("12345", "12*45"),
        ("1234", "****"),
        ("123", "***"),
        ("1", "*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask(value: str | None, expected: str) -> None:
    assert mask(value) == expected


def test_mask_email_keeps_only_the_domain() -> None:
    assert mask("an.nguyen@example.vn") == "a***@example.vn"


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=5).filter(lambda value: "@" not in value))
def test_mask_keeps_length_and_hides_the_middle(value: str) -> None:
    masked = mask(value)

    assert len(masked) == len(value)
    assert masked[2:-2] == "*" * (len(value) - 4)
