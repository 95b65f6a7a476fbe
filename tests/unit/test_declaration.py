"""Declarations: the 10-day office window, expiry, Vietnam calendar days,
write shards and uniqueness guards."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.declaration import (
    AWAITING_OFFICE,
    CHANNEL_OFFICE,
    EXPIRED,
    OFFICE_WINDOW,
    RECEIVED,
    VN_TZ,
    Declaration,
    GuardKey,
    account_guard_keys,
    counter_code_guard,
    expiry_day,
    expiry_partition,
    new_office_declaration,
    shard_for,
    vn_today,
)
from chalicelib.domain.form01 import Form01, parse_form01
from tests.builders import form

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
FORM = parse_form01(form(), today=date(2026, 11, 24))


def declaration(now: datetime = NOW, form01: Form01 = FORM) -> Declaration:
    return new_office_declaration(form01, declaration_id="decl-1", code="K7PQ3M9X", now=now)


# --- a new office declaration ----------------------------------------------------


def test_new_office_declaration() -> None:
    decl = declaration()

    assert decl.id == "decl-1"
    assert decl.code == "K7PQ3M9X"
    assert decl.channel == CHANNEL_OFFICE
    assert decl.status == AWAITING_OFFICE
    assert decl.form == FORM
    assert decl.created_at == decl.confirmed_at == NOW
    assert decl.received_at is None and decl.decided_at is None


def test_office_window_is_ten_days() -> None:
    assert timedelta(days=10) == OFFICE_WINDOW


def test_expires_ten_days_after_confirming() -> None:
    decl = declaration()

    assert decl.expires_at == decl.confirmed_at + timedelta(days=10)
    assert decl.expires_at == datetime(2026, 12, 4, 3, 0, tzinfo=UTC)


def test_times_are_utc_whole_seconds() -> None:
    decl = declaration(now=datetime(2026, 11, 24, 10, 0, 0, 987654, tzinfo=VN_TZ))

    assert decl.confirmed_at == datetime(2026, 11, 24, 3, 0, 0, tzinfo=UTC)
    assert decl.confirmed_at.utcoffset() == timedelta(0)
    assert decl.expires_at == datetime(2026, 12, 4, 3, 0, 0, tzinfo=UTC)


def test_office_code_and_id_number_come_from_the_form() -> None:
    decl = declaration()

    assert decl.office_code == "BHXH-01"
    assert decl.id_number == "001089020747"


@settings(max_examples=300, deadline=None)
@given(st.datetimes(datetime(2026, 1, 1), datetime(2099, 1, 1), timezones=st.just(UTC)))
def test_expires_at_is_always_confirmed_at_plus_ten_days(now: datetime) -> None:
    decl = declaration(now=now)

    assert decl.expires_at == decl.confirmed_at + timedelta(days=10)
    assert timedelta(0) <= now - decl.confirmed_at < timedelta(seconds=1)


# --- expiry -------------------------------------------------------------------


def test_expired_exactly_at_expires_at() -> None:
    decl = declaration()
    assert decl.expires_at is not None

    assert decl.is_expired(decl.expires_at)


def test_not_expired_one_second_before() -> None:
    decl = declaration()
    assert decl.expires_at is not None

    assert not decl.is_expired(decl.expires_at - timedelta(seconds=1))


def test_expired_long_after_even_if_ttl_has_not_deleted_it() -> None:
    decl = declaration()

    assert decl.is_expired(NOW + timedelta(days=30))


def test_expiry_compares_instants_not_wall_clocks() -> None:
    decl = declaration()
    assert decl.expires_at is not None
    same_instant_in_vietnam = decl.expires_at.astimezone(VN_TZ)

    assert decl.is_expired(same_instant_in_vietnam)
    assert not decl.is_expired(same_instant_in_vietnam - timedelta(seconds=1))


def test_received_declaration_never_expires() -> None:
    decl = declaration().with_status(RECEIVED)

    assert not decl.is_expired(NOW + timedelta(days=30))
    assert decl.effective_status(NOW + timedelta(days=30)) == RECEIVED


def test_declaration_without_expiry_never_expires() -> None:
    decl = Declaration("d", "C", CHANNEL_OFFICE, AWAITING_OFFICE, FORM, NOW, NOW, expires_at=None)

    assert not decl.is_expired(NOW + timedelta(days=3650))


def test_effective_status() -> None:
    decl = declaration()
    assert decl.expires_at is not None

    assert decl.effective_status(decl.expires_at - timedelta(seconds=1)) == AWAITING_OFFICE
    assert decl.effective_status(decl.expires_at) == EXPIRED


def test_with_status_returns_a_copy() -> None:
    decl = declaration()

    received = decl.with_status(RECEIVED)

    assert received.status == RECEIVED
    assert decl.status == AWAITING_OFFICE
    assert received.id == decl.id and received.expires_at == decl.expires_at


# --- Vietnam calendar days ---------------------------------------------------------


def test_expiry_day_is_the_vietnamese_day() -> None:
    assert expiry_day(datetime(2026, 12, 4, 18, 30, tzinfo=UTC)) == date(2026, 12, 5)


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2026, 12, 4, 16, 59, 59, tzinfo=UTC), date(2026, 12, 4)),
        (datetime(2026, 12, 4, 17, 0, 0, tzinfo=UTC), date(2026, 12, 5)),
        (datetime(2026, 12, 31, 17, 0, 0, tzinfo=UTC), date(2027, 1, 1)),
    ],
)
def test_expiry_day_changes_at_vietnamese_midnight(instant: datetime, day: date) -> None:
    assert expiry_day(instant) == day


def test_vn_today() -> None:
    assert vn_today(datetime(2026, 11, 23, 17, 0, tzinfo=UTC)) == date(2026, 11, 24)
    assert vn_today(datetime(2026, 11, 23, 16, 59, tzinfo=UTC)) == date(2026, 11, 23)


def test_vietnam_is_utc_plus_seven_all_year() -> None:
    assert VN_TZ.utcoffset(datetime(2026, 1, 1)) == timedelta(hours=7)
    assert VN_TZ.utcoffset(datetime(2026, 7, 1)) == timedelta(hours=7)


# --- write shards ---------------------------------------------------------------


def test_shard_for_is_stable_across_processes() -> None:
    # crc32, not hash(): the same shard in every Lambda, whatever PYTHONHASHSEED
    assert shard_for("decl-1", 16) == 14
    assert shard_for("abc", 16) == 2


@settings(max_examples=300, deadline=None)
@given(st.text(), st.integers(min_value=1, max_value=64))
def test_shard_for_is_stable_and_in_range(declaration_id: str, shards: int) -> None:
    shard = shard_for(declaration_id, shards)

    assert 0 <= shard < shards
    assert shard_for(declaration_id, shards) == shard


def test_shard_for_spreads_over_every_shard() -> None:
    used = {shard_for(f"decl-{n}", 8) for n in range(1000)}

    assert used == set(range(8))


def test_expiry_partition() -> None:
    assert expiry_partition(date(2026, 12, 5), 3) == "2026-12-05#3"


# --- guards ---------------------------------------------------------------------


def test_account_guard_keys() -> None:
    assert account_guard_keys(FORM) == ["account#bhxh#0123456789", "account#id#001089020747"]


def test_account_guard_keys_differ_per_person() -> None:
    other = parse_form01(
        form(bhxh_code="7912345678", id_type="passport", id_number="C1234567"), today=date(2026, 11, 24)
    )

    assert account_guard_keys(other) == ["account#bhxh#7912345678", "account#passport#VN#C1234567"]
    assert not set(account_guard_keys(other)) & set(account_guard_keys(FORM))


def test_counter_code_guard_never_expires() -> None:
    assert counter_code_guard("K7PQ3M9X") == GuardKey("code#K7PQ3M9X", None)
