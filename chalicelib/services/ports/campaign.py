"""The registration campaign: units, their rosters and counters."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: kept off the cold start
    from ...domain.campaign import Issuance, RosterEntry, RosterOutcome, Unit, UnitTally


class CampaignStore(Protocol):
    def put_units(self, units: list[Unit]) -> int:
        """Create units or update their name, province and deadline; counters untouched."""

    def unit_codes(self) -> set[str]: ...

    def tallies(self, province: str | None = None) -> list[UnitTally]:
        """Every unit (of one province) with its counters; never reads people:
        one index query and one BatchGetItem per 100 units."""

    def roster(self, entries: list[RosterEntry], now: datetime) -> RosterOutcome:
        """Roster people into known units, each unit's roster counter moved in
        the same transaction as the entries; a person already rostered in
        another unit moves there with their counters. Re-running is a no-op."""

    def count(self, issuance: Issuance) -> str:
        """Count a rostered person's registration in their unit, once ever
        (``COUNTED``, ``ALREADY_COUNTED`` or ``NOT_ROSTERED``)."""
