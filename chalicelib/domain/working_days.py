"""Working days in Vietnam: Monday to Friday, less public holidays (Bộ luật
Lao động 2019 art. 112, from the ``holidays`` package, Tết and 24 November
included). A paper dossier is decided within 3 working days of receipt."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Any

PAPER_DECISION_WORKING_DAYS = 3


@cache
def _calendar(year: int) -> Any:
    import holidays  # imported only where due dates are computed

    return holidays.country_holidays("VN", years=[year])


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _calendar(day.year)


def add_working_days(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (the day of receipt does not count)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def due_date(received_on: date) -> date:
    return add_working_days(received_on, PAPER_DECISION_WORKING_DAYS)
