"""Working days in Vietnam: weekends and public holidays (Tết, 30/4-1/5,
2/9, and 24 November from 2026) do not count."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.working_days import add_working_days, due_date, is_working_day


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 11, 16), date(2026, 11, 19)),  # Mon -> Thu, plain week
        (date(2026, 11, 20), date(2026, 11, 26)),  # Fri -> Thu: weekend and 24/11 (Vietnam Culture Day)
        (date(2026, 11, 23), date(2026, 11, 27)),  # Mon -> Fri: 24/11 skipped
        (date(2026, 11, 21), date(2026, 11, 26)),  # received on a Saturday
        (date(2027, 2, 3), date(2027, 2, 15)),  # Tết 2027: 4-10 February are holidays
        (date(2027, 2, 1), date(2027, 2, 11)),  # 2 and 3 February, then Tết until the 10th
        (date(2026, 4, 29), date(2026, 5, 6)),  # 30/4 and 1/5, then the weekend
        (date(2026, 8, 28), date(2026, 9, 7)),  # 31/8 (substituted), 1/9 and 2/9
        (date(2026, 12, 31), date(2027, 1, 6)),  # New Year's Day
    ],
)
def test_due_date(received: date, due: date) -> None:
    assert due_date(received) == due


@pytest.mark.parametrize(
    "day",
    [date(2026, 11, 24), date(2027, 2, 6), date(2027, 2, 10), date(2026, 4, 30), date(2026, 5, 1), date(2026, 9, 2)],
)
def test_public_holidays_are_not_working_days(day: date) -> None:
    assert not is_working_day(day)


def test_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 11, 28)) and not is_working_day(date(2026, 11, 29))
    assert is_working_day(date(2026, 11, 25))


def test_zero_working_days_is_the_same_day() -> None:
    assert add_working_days(date(2026, 11, 25), 0) == date(2026, 11, 25)
