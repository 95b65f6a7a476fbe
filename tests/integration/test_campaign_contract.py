"""The campaign store's contract, run against the fake and against DynamoDB (moto)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.domain.campaign import ALREADY_COUNTED, COUNTED, NOT_ROSTERED, Issuance, RosterEntry, Unit
from tests.fakes import FakeCampaignStore

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
HANOI = Unit("BHXH-01", "Bảo hiểm xã hội thành phố Hà Nội", "01", date(2026, 12, 31))
HCMC = Unit("BHXH-79", "Bảo hiểm xã hội Thành phố Hồ Chí Minh", "79", date(2026, 12, 15))
CENTRE = Unit("TTCNTT", "Trung tâm Công nghệ thông tin", "00", date(2026, 12, 10))


@pytest.fixture(params=["fake", "dynamo"])
def store(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeCampaignStore()
    return request.getfixturevalue("container").campaign


def entry(code: str, unit: str = "BHXH-01") -> RosterEntry:
    return RosterEntry(unit, code, "Nguyễn Văn An")


def tally(store: Any, code: str) -> tuple[int, int, dict[str, int]]:
    found = {t.unit.code: t for t in store.tallies()}[code]
    return found.roster, found.registered, {k: v for k, v in found.daily.items() if v}


def test_units_listed_by_province_with_zero_counters(store: Any) -> None:
    assert store.put_units([HCMC, HANOI, CENTRE]) == 3

    assert store.unit_codes() == {"BHXH-01", "BHXH-79", "TTCNTT"}
    assert sorted(t.unit.code for t in store.tallies()) == ["BHXH-01", "BHXH-79", "TTCNTT"]
    assert [t.unit for t in store.tallies("79")] == [HCMC]
    assert [t.unit for t in store.tallies("00")] == [CENTRE]
    assert store.tallies("04") == []
    assert tally(store, "BHXH-01") == (0, 0, {})


def test_roster_is_rerunnable_and_moves_people(store: Any) -> None:
    store.put_units([HANOI, HCMC])
    first = store.roster([entry("0000000001"), entry("0000000002"), entry("0000000001")], NOW)
    assert (sorted(first.added), first.moved, first.unchanged) == (["0000000001", "0000000002"], [], 0)
    again = store.roster([entry("0000000001"), entry("0000000002", "BHXH-79")], NOW)
    assert (again.added, again.moved, again.unchanged) == ([], ["0000000002"], 1)
    assert sorted(first.uncounted) == ["0000000001", "0000000002"] and sorted(again.uncounted) == sorted(
        first.uncounted
    )
    assert (tally(store, "BHXH-01")[0], tally(store, "BHXH-79")[0]) == (1, 1)


def test_a_registration_counts_once_and_moves_with_the_person(store: Any) -> None:
    store.put_units([HANOI, HCMC])
    store.roster([entry("0000000001")], NOW)
    issued = Issuance("0000000001", date(2026, 11, 24), "signed")

    assert store.count(issued) == COUNTED
    assert store.count(issued) == ALREADY_COUNTED
    assert store.roster([entry("0000000001")], NOW).uncounted == []
    assert store.count(Issuance("0000000009", date(2026, 11, 24), "signed")) == NOT_ROSTERED
    assert tally(store, "BHXH-01") == (1, 1, {"2026-11-24#signed": 1})

    store.roster([entry("0000000001", "BHXH-79")], NOW)
    assert tally(store, "BHXH-01") == (0, 0, {})
    assert tally(store, "BHXH-79") == (1, 1, {"2026-11-24#signed": 1})


def test_units_keep_counters_when_redefined(store: Any) -> None:
    store.put_units([HANOI])
    store.roster([entry("0000000001")], NOW)
    store.put_units([Unit("BHXH-01", "BHXH Hà Nội", "01", date(2027, 1, 31))])

    found = store.tallies("01")[0]
    assert (found.unit.name, found.unit.deadline, found.roster) == ("BHXH Hà Nội", date(2027, 1, 31), 1)


def test_large_roster_chunks_fit_in_transactions(store: Any) -> None:
    store.put_units([HANOI, HCMC, CENTRE])
    units = ["BHXH-01", "BHXH-79", "TTCNTT"]
    outcome = store.roster([entry(f"{i:010d}", units[i % 3]) for i in range(250)], NOW)

    assert len(outcome.added) == 250
    assert [tally(store, u)[0] for u in units] == [84, 83, 83]
