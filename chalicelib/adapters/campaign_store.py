"""DynamoDB adapter of ``CampaignStore``: units with their counters, and the roster.

Every counter moves with ``ADD`` (or ``if_not_exists(...) + n`` inside the
``daily`` map) in the same transaction as the roster entry that justifies
it, so a counter is never ahead of or behind the people it counts:

* rostering a person: the entry (``attribute_not_exists``) and +1 on the unit's roster;
* counting a registration: ``registered_on`` set on the entry (condition: not
  set yet, still in that unit) and +1 on the unit's ``registered`` and its
  day's counter; a retried or concurrent count cancels and counts nothing;
* moving a person to another unit: the entry (condition: unchanged since
  read) and -1/+1 on both units, their registration with them.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from pynamodb.connection import Connection

from ..domain.campaign import (
    ALREADY_COUNTED,
    COUNTED,
    NOT_ROSTERED,
    Issuance,
    RosterEntry,
    RosterOutcome,
    Unit,
    UnitTally,
    day_key,
)
from ..domain.errors import ConcurrentChangeError
from .models import RosterModel, UnitModel
from .transactions import LabelledTransaction, TransactionCancelled

LISTING = "unit"
MAX_TRANSACTION_ITEMS = 100
COUNT_ATTEMPTS = 5


def listing_key(unit: Unit) -> str:
    return f"{unit.province_code}#{unit.code}"


def tally_from_model(item: UnitModel) -> UnitTally:
    daily_raw: Any = item.daily
    daily = daily_raw.as_dict() if hasattr(daily_raw, "as_dict") else dict(daily_raw or {})
    return UnitTally(
        unit=Unit(item.unit_code, item.name, item.province_code, date.fromisoformat(item.deadline)),
        roster=int(item.roster or 0),
        registered=int(item.registered or 0),
        daily={str(key): int(value) for key, value in daily.items()},
    )


def _counter_actions(registered: int, day: str | None, channel: str | None, roster: int = 0) -> list[Any]:
    actions: list[Any] = []
    if roster:
        actions.append(UnitModel.roster.add(roster))
    if registered and day and channel:
        path = UnitModel.daily[day_key(date.fromisoformat(day), channel)]
        actions.append(UnitModel.registered.add(registered))
        actions.append(path.set((path | 0) + registered))
    return actions


class DynamoCampaignStore:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # --- units ---------------------------------------------------------------------------

    def put_units(self, units: list[Unit]) -> int:
        for unit in units:
            UnitModel(unit.code).update(
                actions=[
                    UnitModel.name.set(unit.name),
                    UnitModel.province_code.set(unit.province_code),
                    UnitModel.deadline.set(unit.deadline.isoformat()),
                    UnitModel.listing.set(LISTING),
                    UnitModel.listing_key.set(listing_key(unit)),
                    UnitModel.roster.set(UnitModel.roster | 0),
                    UnitModel.registered.set(UnitModel.registered | 0),
                    UnitModel.daily.set(UnitModel.daily | {}),
                ]
            )
        return len(units)

    def _keys(self, province: str | None) -> list[str]:
        condition = UnitModel.listing_key.startswith(f"{province}#") if province else None
        return [item.unit_code for item in UnitModel.by_listing.query(LISTING, condition)]

    def unit_codes(self) -> set[str]:
        return set(self._keys(None))

    def tallies(self, province: str | None = None) -> list[UnitTally]:
        keys = self._keys(province)
        # PynamoDB pages the keys by 100 and retries UnprocessedKeys.
        return [tally_from_model(item) for item in UnitModel.batch_get(keys)] if keys else []

    # --- roster --------------------------------------------------------------------------

    def roster(self, entries: list[RosterEntry], now: datetime) -> RosterOutcome:
        outcome = RosterOutcome()
        latest = {entry.bhxh_code: entry for entry in entries}  # a person twice in a chunk: the last row wins
        existing = {item.bhxh_code: item for item in RosterModel.batch_get(list(latest), consistent_read=True)}
        new = [entry for code, entry in latest.items() if code not in existing]
        for group in _groups(new):
            if self._add(group, now):
                outcome.added.extend(entry.bhxh_code for entry in group)
                outcome.uncounted.extend(entry.bhxh_code for entry in group)
            else:  # someone rostered one of them meanwhile (another import): one by one
                for entry in group:
                    self._place(entry, now, outcome)
        for code, entry in latest.items():
            if code in existing:
                self._settle(existing[code], entry, now, outcome)
        return outcome

    def _add(self, group: list[RosterEntry], now: datetime) -> bool:
        """The entries and each unit's roster counter, in one transaction;
        False when one of them is rostered already."""
        tx = LabelledTransaction(self._connection)
        for entry in group:
            tx.save(
                "entry",
                RosterModel(entry.bhxh_code, unit_code=entry.unit_code, full_name=entry.full_name, rostered_at=now),
                condition=RosterModel.bhxh_code.does_not_exist(),
            )
        for unit_code, count in Counter(entry.unit_code for entry in group).items():
            tx.update(
                "unit",
                UnitModel(unit_code),
                actions=_counter_actions(0, None, None, roster=count),
                condition=UnitModel.unit_code.exists(),
            )
        try:
            tx.commit()
        except TransactionCancelled:
            return False
        return True

    def _place(self, entry: RosterEntry, now: datetime, outcome: RosterOutcome) -> None:
        for _ in range(COUNT_ATTEMPTS):
            try:
                item = RosterModel.get(entry.bhxh_code, consistent_read=True)
            except RosterModel.DoesNotExist:
                if self._add([entry], now):
                    outcome.added.append(entry.bhxh_code)
                    outcome.uncounted.append(entry.bhxh_code)
                    return
                continue
            self._settle(item, entry, now, outcome)
            return
        raise ConcurrentChangeError()

    def _settle(self, item: RosterModel, entry: RosterEntry, now: datetime, outcome: RosterOutcome) -> None:
        """A person rostered already: left alone in the same unit, moved otherwise."""
        if item.unit_code == entry.unit_code:
            outcome.unchanged += 1
            if not item.registered_on:
                outcome.uncounted.append(entry.bhxh_code)
        else:
            self._move(item, entry, now, outcome)

    def _move(self, item: RosterModel, entry: RosterEntry, now: datetime, outcome: RosterOutcome) -> None:
        """To another unit, with the registration if it was counted (``item``:
        the entry as read; read again after a lost race)."""
        for attempt in range(COUNT_ATTEMPTS):
            if attempt:
                item = RosterModel.get(entry.bhxh_code, consistent_read=True)
                if item.unit_code == entry.unit_code:  # moved there meanwhile (another import)
                    self._settle(item, entry, now, outcome)
                    return
            counted = 1 if item.registered_on else 0
            unchanged = RosterModel.unit_code == item.unit_code
            unchanged &= (
                RosterModel.registered_on == item.registered_on
                if item.registered_on
                else RosterModel.registered_on.does_not_exist()
            )
            tx = LabelledTransaction(self._connection)
            tx.update(
                "entry",
                RosterModel(entry.bhxh_code),
                actions=[
                    RosterModel.unit_code.set(entry.unit_code),
                    RosterModel.full_name.set(entry.full_name),
                    RosterModel.rostered_at.set(now.astimezone(UTC)),
                ],
                condition=unchanged,
            )
            tx.update(
                "unit",
                UnitModel(item.unit_code),
                actions=_counter_actions(-counted, item.registered_on, item.channel, roster=-1),
                condition=UnitModel.unit_code.exists(),
            )
            tx.update(
                "unit",
                UnitModel(entry.unit_code),
                actions=_counter_actions(counted, item.registered_on, item.channel, roster=1),
                condition=UnitModel.unit_code.exists(),
            )
            try:
                tx.commit()
            except TransactionCancelled:
                continue
            outcome.moved.append(entry.bhxh_code)
            if not counted:
                outcome.uncounted.append(entry.bhxh_code)
            return
        raise ConcurrentChangeError()

    # --- counting registrations ------------------------------------------------------------

    def count(self, issuance: Issuance) -> str:
        for _ in range(COUNT_ATTEMPTS):
            try:
                item = RosterModel.get(issuance.username, consistent_read=True)
            except RosterModel.DoesNotExist:
                return NOT_ROSTERED
            if item.registered_on:
                return ALREADY_COUNTED
            day = issuance.day.isoformat()
            tx = LabelledTransaction(self._connection)
            tx.update(
                "entry",
                RosterModel(issuance.username),
                actions=[RosterModel.registered_on.set(day), RosterModel.channel.set(issuance.channel)],
                condition=(RosterModel.unit_code == item.unit_code) & RosterModel.registered_on.does_not_exist(),
            )
            tx.update(
                "unit",
                UnitModel(item.unit_code),
                actions=_counter_actions(1, day, issuance.channel),
                condition=UnitModel.unit_code.exists(),
            )
            try:
                tx.commit()
            except TransactionCancelled:
                continue  # counted by a concurrent delivery, or moved: read again
            return COUNTED
        raise ConcurrentChangeError()


def _groups(entries: list[RosterEntry]) -> list[list[RosterEntry]]:
    """Transactions of at most 100 items: the entries plus one update per unit."""
    groups: list[list[RosterEntry]] = []
    current: list[RosterEntry] = []
    units: set[str] = set()
    for entry in entries:
        extra = 0 if entry.unit_code in units else 1
        if len(current) + len(units) + 1 + extra > MAX_TRANSACTION_ITEMS:
            groups.append(current)
            current, units = [], set()
        current.append(entry)
        units.add(entry.unit_code)
    if current:
        groups.append(current)
    return groups
