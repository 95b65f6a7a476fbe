"""Use cases of the registration campaign: units, rosters, counting each
rostered person's registration once, the progress report and its daily digest.

Counting is driven by the accounts table's stream (``on_account_issued`` in
``app.py``): every account, whatever channel issued it, is counted once in the
unit that rosters its holder. A person rostered after registering is counted
by the roster import. Both sides write first and read second (the stream
handler reads the roster after the account exists; the import reads accounts
after the roster entry exists), so whichever comes last sees the other, and the
conditional count makes the second attempt a no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..domain import templates
from ..domain.campaign import (
    CENTRAL,
    CHANNELS,
    COUNTED,
    Issuance,
    ProgressReport,
    RosterEntry,
    Unit,
    parse_roster_row,
    parse_unit_row,
    progress_report,
)
from ..domain.errors import FieldError, ValidationError
from ..domain.notification import Notification, staff_email
from ..domain.provinces import PROVINCES
from .deps import Deps
from .import_participants import ImportReport, RowProblem

CHUNK = 500


# --- units -----------------------------------------------------------------------------


def import_units(deps: Deps, rows: Iterable[tuple[int, dict[str, str]]]) -> ImportReport:
    """Create or update units (``unit_code,name,province_code,deadline``); re-runnable."""
    report = ImportReport()
    chunk: list[Unit] = []
    for line, row in rows:
        report.read += 1
        try:
            chunk.append(parse_unit_row(row))
        except ValidationError as error:
            report.reject(RowProblem(line, error.errors))
            continue
        if len(chunk) >= CHUNK:
            report.written += deps.campaign.put_units(chunk)
            chunk = []
    if chunk:
        report.written += deps.campaign.put_units(chunk)
    return report


# --- roster ----------------------------------------------------------------------------


@dataclass
class RosterImportReport(ImportReport):
    added: int = 0
    moved: int = 0
    unchanged: int = 0
    counted: int = 0  # registered before being rostered: counted now


def import_roster(
    deps: Deps,
    rows: Iterable[tuple[int, dict[str, str]]],
    now: datetime,
    on_chunk: Callable[[int], None] | None = None,
) -> RosterImportReport:
    """Streamed in chunks; bad rows (and unknown units) reported by line; safe
    to re-run: people already rostered in the same unit are left alone, people
    rostered in another unit move there with their counters, and anyone on the
    file whose account exists but was not counted yet is counted (so re-running
    the same file repairs counts a failed stream delivery left behind)."""
    report = RosterImportReport()
    units = deps.campaign.unit_codes()
    chunk: list[RosterEntry] = []

    def flush() -> None:
        nonlocal chunk
        if not chunk:
            return
        outcome = deps.campaign.roster(chunk, now)
        report.added += len(outcome.added)
        report.moved += len(outcome.moved)
        report.unchanged += outcome.unchanged
        report.written += len(outcome.added) + len(outcome.moved)
        # Registrations that happened before these people were rostered (or that the
        # stream handler could not count: a re-run of the same file repairs them).
        for issuance in deps.accounts.issued(outcome.uncounted):
            if deps.campaign.count(issuance) == COUNTED:
                report.counted += 1
        if on_chunk is not None:
            on_chunk(len(chunk))
        chunk = []

    for line, row in rows:
        report.read += 1
        try:
            entry = parse_roster_row(row)
            if entry.unit_code not in units:
                raise ValidationError([FieldError("unit_code", "unknown_unit")])
        except ValidationError as error:
            report.reject(RowProblem(line, error.errors))
            if on_chunk is not None:
                on_chunk(1)
            continue
        chunk.append(entry)
        if len(chunk) >= CHUNK:
            flush()
    flush()
    return report


# --- counting --------------------------------------------------------------------------


def count_issued_account(deps: Deps, username: str, created_at: datetime, channel: str | None) -> str:
    """An account was issued (stream INSERT): count it if its holder is rostered.
    Redelivered records and concurrent deliveries count once."""
    return deps.campaign.count(Issuance.of(username, created_at, channel))


# --- the report ------------------------------------------------------------------------


def campaign_progress(deps: Deps, today: date, province: str | None = None) -> ProgressReport:
    if province is not None and province != CENTRAL and province not in PROVINCES:
        raise ValidationError([FieldError("province", "invalid_code")])
    return progress_report(deps.campaign.tallies(province), today, province)


@dataclass
class ProgressDigestReport:
    units: int = 0
    emails: int = 0
    recipients: list[str] = field(default_factory=list)


def send_progress_digest(deps: Deps, as_of: date, now: datetime, recipients: tuple[str, ...]) -> ProgressDigestReport:
    """07:30 Vietnam: leadership gets every unit, worst first, and yesterday's
    registrations by channel. One notice per address and day, so a re-run of
    the job sends nothing twice."""
    report = progress_report(deps.campaign.tallies(), as_of)
    outcome = ProgressDigestReport(units=len(report.rows))
    if not recipients:
        return outcome
    yesterday = as_of - timedelta(days=1)
    channels = [(channel, report.yesterday_by_channel.get(channel, 0)) for channel in CHANNELS]
    channels += [(c, n) for c, n in report.yesterday_by_channel.items() if c not in CHANNELS]
    mail = templates.progress_digest_email(report, report.worst_first(), yesterday, channels)
    pending: list[Notification] = []
    for address in recipients:
        source = f"campaign#digest#{as_of.isoformat()}#{address.lower()}"
        recorded = deps.outbox.record([staff_email(source, "progress_digest", address, mail, now)], [])
        pending.extend(recorded.to_enqueue)
        if recorded.created:
            outcome.emails += 1
            outcome.recipients.append(address)
    deps.outbox.enqueue(pending)
    return outcome
