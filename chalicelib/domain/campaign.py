"""The registration campaign: every unit's staff registered by its deadline.

Units (provincial BHXH offices and central units) each have a campaign
deadline and a roster of staff (``import-roster``). A unit's counters move
when a rostered person's account is issued; this module holds the pure rules
that turn those counters into the progress report leadership reads every
morning: percent, remaining, days left, the 7-day rate, the projected
completion date at that rate, and whether the unit is on track.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from .declaration import vn_today
from .errors import FieldError, ValidationError
from .identifiers import is_bhxh_code
from .provinces import PROVINCES

UNIT_COLUMNS = ("unit_code", "name", "province_code", "deadline")
ROSTER_COLUMNS = ("unit_code", "bhxh_code", "full_name")
CENTRAL = "00"  # province_code of central units (Văn phòng BHXH Việt Nam, centres, ...)
UNIT_CODE = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,29}")
MAX_UNIT_NAME = 200
MAX_PERSON_NAME = 100
RATE_WINDOW_DAYS = 7
PROJECTION_HORIZON_DAYS = 3653  # beyond 10 years a projection means "not at this rate"
CHANNELS = ("signed", "vneid", "office", "paper", "ops")  # "ops": staff accounts made by operators


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    province_code: str  # CENTRAL for central units
    deadline: date


@dataclass(frozen=True)
class RosterEntry:
    unit_code: str
    bhxh_code: str
    full_name: str


def day_key(day: date, channel: str) -> str:
    """Key of a unit's daily counter: registrations that day through that channel."""
    return f"{day.isoformat()}#{channel}"


@dataclass(frozen=True)
class UnitTally:
    """A unit and its counters as stored (``daily``: ``day_key`` → count)."""

    unit: Unit
    roster: int = 0
    registered: int = 0
    daily: dict[str, int] = field(default_factory=dict)

    def registered_on(self, day: date) -> dict[str, int]:
        """Registrations on ``day`` by channel (channels with none left out)."""
        prefix = f"{day.isoformat()}#"
        return {key[len(prefix) :]: n for key, n in self.daily.items() if key.startswith(prefix) and n}

    def registered_between(self, first: date, last: date) -> int:
        """Registrations from ``first`` to ``last``, both included."""
        total = 0
        for key, count in self.daily.items():
            day = date.fromisoformat(key.split("#", 1)[0])
            if first <= day <= last:
                total += count
        return total


# --- parsing the operators' CSV files ------------------------------------------------


def _clean_name(errors: list[FieldError], name: str, value: str, max_len: int) -> str:
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        errors.append(FieldError(name, "required"))
    elif len(text) > max_len:
        errors.append(FieldError(name, "too_long", {"max": str(max_len)}))
    elif any(unicodedata.category(ch).startswith("C") for ch in text):
        errors.append(FieldError(name, "invalid_characters"))
    return text


def _unit_code(errors: list[FieldError], value: str) -> str:
    code = value.strip().upper()
    if not code:
        errors.append(FieldError("unit_code", "required"))
    elif not UNIT_CODE.fullmatch(code):
        errors.append(FieldError("unit_code", "invalid_code"))
    return code


def parse_unit_row(row: dict[str, Any]) -> Unit:
    """One row of ``import-units``: ``unit_code,name,province_code,deadline``."""
    errors: list[FieldError] = []
    values = {key: str(row.get(key) or "").strip() for key in UNIT_COLUMNS}
    code = _unit_code(errors, values["unit_code"])
    name = _clean_name(errors, "name", values["name"], MAX_UNIT_NAME)
    province = values["province_code"] or CENTRAL
    if province != CENTRAL and province not in PROVINCES:
        errors.append(FieldError("province_code", "invalid_code"))
    deadline = None
    if not values["deadline"]:
        errors.append(FieldError("deadline", "required"))
    else:
        try:
            deadline = date.fromisoformat(values["deadline"])
        except ValueError:
            errors.append(FieldError("deadline", "invalid_date"))
    if errors or deadline is None:
        raise ValidationError(errors)
    return Unit(code, name, province, deadline)


def parse_roster_row(row: dict[str, Any]) -> RosterEntry:
    """One row of ``import-roster``: ``unit_code,bhxh_code,full_name``."""
    errors: list[FieldError] = []
    values = {key: str(row.get(key) or "").strip() for key in ROSTER_COLUMNS}
    code = _unit_code(errors, values["unit_code"])
    if not values["bhxh_code"]:
        errors.append(FieldError("bhxh_code", "required"))
    elif not is_bhxh_code(values["bhxh_code"]):
        errors.append(FieldError("bhxh_code", "invalid_bhxh_code"))
    name = _clean_name(errors, "full_name", values["full_name"], MAX_PERSON_NAME)
    if errors:
        raise ValidationError(errors)
    return RosterEntry(code, values["bhxh_code"], name)


# --- the progress report ---------------------------------------------------------------


def percent(part: int, whole: int) -> float | None:
    """Rounded down to one decimal: 99.96 % shows as 99.9, never as 100."""
    if whole <= 0:
        return None
    return (part * 1000 // whole) / 10


def projected_completion(remaining: int, last_window: int, today: date) -> date | None:
    """The day the remaining people are registered at the rate of the last
    ``RATE_WINDOW_DAYS`` complete days; ``None`` when nothing is left to do,
    nothing moved in those days, or the rate would need over 10 years."""
    if remaining <= 0:
        return None
    if last_window <= 0:
        return None
    days = -(-remaining * RATE_WINDOW_DAYS // last_window)  # ceil, in integers
    if days > PROJECTION_HORIZON_DAYS:
        return None
    return today + timedelta(days=days)


@dataclass(frozen=True)
class ProgressRow:
    unit_code: str
    name: str
    province_code: str
    roster: int
    registered: int
    percent: float | None
    remaining: int
    deadline: date
    days_left: int
    rate_7d: float  # registrations per day over the 7 complete days before today
    projected_completion: date | None
    on_track: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit_code": self.unit_code,
            "name": self.name,
            "province_code": self.province_code,
            "roster": self.roster,
            "registered": self.registered,
            "percent": self.percent,
            "remaining": self.remaining,
            "deadline": self.deadline.isoformat(),
            "days_left": self.days_left,
            "rate_7d": self.rate_7d,
            "projected_completion": self.projected_completion.isoformat() if self.projected_completion else None,
            "on_track": self.on_track,
        }


def rate_window(today: date) -> tuple[date, date]:
    """The 7 complete days before ``today``."""
    return today - timedelta(days=RATE_WINDOW_DAYS), today - timedelta(days=1)


def progress_row(tally: UnitTally, today: date) -> ProgressRow:
    unit = tally.unit
    registered = min(tally.registered, tally.roster)
    remaining = max(tally.roster - registered, 0)
    window = tally.registered_between(*rate_window(today))
    projected = projected_completion(remaining, window, today) if tally.roster else None
    on_track = tally.roster > 0 and (remaining == 0 or (projected is not None and projected <= unit.deadline))
    return ProgressRow(
        unit_code=unit.code,
        name=unit.name,
        province_code=unit.province_code,
        roster=tally.roster,
        registered=registered,
        percent=percent(registered, tally.roster),
        remaining=remaining,
        deadline=unit.deadline,
        days_left=(unit.deadline - today).days,
        rate_7d=round(window / RATE_WINDOW_DAYS, 2),
        projected_completion=projected,
        on_track=on_track,
    )


@dataclass(frozen=True)
class ProgressTotals:
    units: int
    roster: int
    registered: int
    percent: float | None
    remaining: int
    rate_7d: float
    projected_completion: date | None
    deadline: date | None  # the latest unit deadline
    units_on_track: int
    units_behind: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "roster": self.roster,
            "registered": self.registered,
            "percent": self.percent,
            "remaining": self.remaining,
            "rate_7d": self.rate_7d,
            "projected_completion": self.projected_completion.isoformat() if self.projected_completion else None,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "units_on_track": self.units_on_track,
            "units_behind": self.units_behind,
        }


@dataclass(frozen=True)
class ProgressReport:
    as_of: date
    province: str | None
    rows: list[ProgressRow]
    totals: ProgressTotals
    yesterday_by_channel: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        first, last = rate_window(self.as_of)
        return {
            "as_of": self.as_of.isoformat(),
            "province": self.province,
            "rate_window": {"from": first.isoformat(), "to": last.isoformat()},
            "units": [row.to_dict() for row in self.rows],
            "totals": self.totals.to_dict(),
            "yesterday_by_channel": dict(self.yesterday_by_channel),
        }

    def worst_first(self) -> list[ProgressRow]:
        """Behind schedule first, then by share registered, then by fewest days left."""
        return sorted(
            self.rows,
            key=lambda r: (r.on_track, r.percent if r.percent is not None else -1.0, r.days_left, r.unit_code),
        )


def progress_report(tallies: Iterable[UnitTally], today: date, province: str | None = None) -> ProgressReport:
    """Rows in listing order (province, then unit code) and the totals."""
    ordered = sorted(tallies, key=lambda t: (t.unit.province_code, t.unit.code))
    rows = [progress_row(tally, today) for tally in ordered]
    first, last = rate_window(today)
    window = sum(t.registered_between(first, last) for t in ordered)
    roster = sum(r.roster for r in rows)
    registered = sum(r.registered for r in rows)
    remaining = sum(r.remaining for r in rows)
    yesterday: dict[str, int] = {}
    for tally in ordered:
        for channel, count in tally.registered_on(today - timedelta(days=1)).items():
            yesterday[channel] = yesterday.get(channel, 0) + count
    totals = ProgressTotals(
        units=len(rows),
        roster=roster,
        registered=registered,
        percent=percent(registered, roster),
        remaining=remaining,
        rate_7d=round(window / RATE_WINDOW_DAYS, 2),
        projected_completion=projected_completion(remaining, window, today) if roster else None,
        deadline=max((r.deadline for r in rows), default=None),
        units_on_track=sum(1 for r in rows if r.on_track),
        units_behind=sum(1 for r in rows if not r.on_track),
    )
    return ProgressReport(today, province, rows, totals, dict(sorted(yesterday.items())))


# --- CSV for Excel -----------------------------------------------------------------------

CSV_HEADERS: dict[str, tuple[str, ...]] = {
    "vi": (
        "Mã đơn vị",
        "Tên đơn vị",
        "Mã tỉnh",
        "Số cán bộ",
        "Đã đăng ký",
        "Tỷ lệ (%)",
        "Còn lại",
        "Hạn hoàn thành",
        "Số ngày còn lại",
        "Tốc độ 7 ngày (người/ngày)",
        "Dự kiến hoàn thành",
        "Đúng tiến độ",
    ),
    "en": (
        "Unit code",
        "Unit",
        "Province",
        "Roster",
        "Registered",
        "Percent",
        "Remaining",
        "Deadline",
        "Days left",
        "7-day rate (per day)",
        "Projected completion",
        "On track",
    ),
}
CSV_WORDS: dict[str, dict[str, str]] = {
    "vi": {"yes": "Có", "no": "Không", "total": "Tổng cộng"},
    "en": {"yes": "Yes", "no": "No", "total": "Total"},
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """Text a spreadsheet shows as text: a leading formula sign is escaped
    (OWASP CSV injection), numbers and dates are written plainly."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def _number(value: float | None, decimals: int) -> str:
    return "" if value is None else f"{value:.{decimals}f}"


def progress_csv(report: ProgressReport, lang: str = "vi") -> str:
    """UTF-8 text with a byte-order mark and CRLF line ends: Excel opens it
    with Vietnamese letters intact. One row per unit, then the totals."""
    words = CSV_WORDS.get(lang, CSV_WORDS["vi"])
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS.get(lang, CSV_HEADERS["vi"]))
    for row in report.rows:
        writer.writerow(
            [
                _cell(row.unit_code),
                _cell(row.name),
                _cell(row.province_code),
                row.roster,
                row.registered,
                _number(row.percent, 1),
                row.remaining,
                row.deadline.isoformat(),
                row.days_left,
                _number(row.rate_7d, 2),
                row.projected_completion.isoformat() if row.projected_completion else "",
                words["yes"] if row.on_track else words["no"],
            ]
        )
    totals = report.totals
    writer.writerow(
        [
            "",
            words["total"],
            report.province or "",
            totals.roster,
            totals.registered,
            _number(totals.percent, 1),
            totals.remaining,
            totals.deadline.isoformat() if totals.deadline else "",
            (totals.deadline - report.as_of).days if totals.deadline else "",
            _number(totals.rate_7d, 2),
            totals.projected_completion.isoformat() if totals.projected_completion else "",
            f"{totals.units_on_track}/{totals.units}",
        ]
    )
    return buffer.getvalue()


# --- issuance and rostering (what the stores report back) --------------------------------

UNKNOWN_CHANNEL = "unknown"  # accounts issued before the channel was recorded
COUNTED = "counted"
ALREADY_COUNTED = "already_counted"
NOT_ROSTERED = "not_rostered"


@dataclass(frozen=True)
class Issuance:
    """A person's account was issued on ``day`` (Vietnam) through ``channel``."""

    username: str
    day: date
    channel: str

    @classmethod
    def of(cls, username: str, created_at: datetime, channel: str | None) -> Issuance:
        """From an account's creation time (its Vietnamese day) and recorded channel."""
        return cls(username, vn_today(created_at), channel or UNKNOWN_CHANNEL)


@dataclass
class RosterOutcome:
    """What one chunk of roster rows did: bhxh codes newly rostered, moved to
    another unit (their counters moved with them), or already as written."""

    added: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unchanged: int = 0
    uncounted: list[str] = field(default_factory=list)  # of this chunk: rostered, registration not counted yet
