"""``AccountStore``: one contract, two implementations. The in-memory fake the
unit tests use and the DynamoDB adapter must give the same answers for
accounts, lockout, sessions, passwords, recovery and the indexes.

Times are whole seconds: the session's absolute expiry is a TTL attribute
(epoch seconds) in DynamoDB."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.account import (
    CITIZEN,
    MAX_LOCK,
    OFFICER,
    PASSWORD_HISTORY,
    PASSWORD_MAX_AGE,
    RECOVERY_CODE_LIFETIME,
    RECOVERY_MAX_PER_HOUR,
    RECOVERY_MAX_TRIES,
    SESSION_IDLE,
    SUPERVISOR,
    Account,
    PasswordDue,
    RecoveryCode,
    Session,
    lock_delay,
    new_session,
    token_hash,
)
from chalicelib.domain.campaign import Issuance
from chalicelib.domain.declaration import shard_for
from chalicelib.domain.errors import AccountExistsError, ConcurrentChangeError
from chalicelib.domain.notification import AuditEvent, Notification
from chalicelib.services.issue_account import account_guards
from chalicelib.services.ports.accounts import AccountStore
from chalicelib.services.ports.notices import Outbox
from tests.accounts import holder
from tests.fakes import FakeDeps

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
AN = "0123456789"
BINH = "7912345678"


@dataclass
class Stores:
    accounts: AccountStore
    outbox: Outbox
    audit_of: Callable[[str], list[AuditEvent]]


@pytest.fixture(params=["fake", "dynamo"])
def stores(request: pytest.FixtureRequest) -> Stores:
    if request.param == "fake":
        fakes = FakeDeps()
        audit = fakes.outbox.audit
        return Stores(
            fakes.accounts,
            fakes.outbox,
            lambda subject: sorted((e for e in audit if e.subject == subject), key=lambda e: e.event_id),
        )
    container = request.getfixturevalue("container")
    return Stores(container.accounts, container.outbox, container.declarations.history)


def account(username: str = AN, **changes: Any) -> Account:
    """The account issued to ``tests.accounts.holder(username)``: password set, not temporary."""
    person = holder(username)
    values: dict[str, Any] = {name: getattr(person, name) for name in HOLDER_FIELDS} | {
        "password_hash": "hash-1",
        "password_set_at": NOW,
        "temporary": False,
        "created_at": NOW,
        "channel": "office",
    }
    values.update(changes)
    return Account(**values)


HOLDER_FIELDS = ("username", "full_name", "phone", "email", "identity_key", "roles", "province_code")


def guards(username: str = AN) -> list[str]:
    return account_guards(holder(username))


def notice(nid: str, source: str = f"account#{AN}") -> Notification:
    return Notification(nid, "account_issued", "sms", "+84912345678", "Tài khoản đã được cấp", source, NOW)


def audit_event(event_id: str, subject: str = f"account#{AN}") -> AuditEvent:
    return AuditEvent(subject, event_id, None, "issued", "officer-1", "office", NOW, office_code="BHXH-01")


def create(stores: Stores, item: Account | None = None, **kwargs: Any) -> Account:
    item = item or account()
    stores.accounts.create(
        item, kwargs.get("guard_keys", guards(item.username)), kwargs.get("notices", []), kwargs.get("audit", [])
    )
    return item


def current(stores: Stores, username: str = AN) -> Account:
    found = stores.accounts.get(username)
    assert found is not None, f"account {username} should exist"
    return found


# --- create and get ---------------------------------------------------------------------


def test_create_then_get_round_trips_with_notices_and_audit(stores: Stores) -> None:
    item = account(roles=(CITIZEN,), temporary=True, channel="signed")
    create(stores, item, notices=[notice("n-1")], audit=[audit_event("e-1")])
    assert stores.accounts.get(AN) == item
    assert stores.outbox.get("n-1") == notice("n-1")
    assert stores.audit_of(f"account#{AN}") == [audit_event("e-1")]


def test_get_of_an_unknown_username_is_none(stores: Stores) -> None:
    assert stores.accounts.get("0000000000") is None


def test_taken_username_is_refused_and_nothing_is_written(stores: Stores) -> None:
    create(stores)
    second_guards = ["account#bhxh#9999999999", "account#id#079301123456"]
    with pytest.raises(AccountExistsError):
        create(
            stores,
            account(full_name="Someone Else"),
            guard_keys=second_guards,
            notices=[notice("n-2")],
            audit=[audit_event("e-2")],
        )
    assert current(stores).full_name == "Nguyễn Văn An"
    assert stores.outbox.get("n-2") is None
    assert stores.audit_of(f"account#{AN}") == []
    # The refused account's guards were not taken.
    create(stores, account(BINH), guard_keys=second_guards)


def test_taken_guard_is_refused_and_nothing_is_written(stores: Stores) -> None:
    create(stores)
    free_guard, taken_guard = "account#id#079301123456", guards(AN)[1]
    with pytest.raises(AccountExistsError):
        create(
            stores,
            account(BINH),
            guard_keys=[free_guard, taken_guard],
            notices=[notice("n-2", f"account#{BINH}")],
            audit=[audit_event("e-2", f"account#{BINH}")],
        )
    assert stores.accounts.get(BINH) is None
    assert stores.outbox.get("n-2") is None
    assert stores.audit_of(f"account#{BINH}") == []
    # The free guard was not taken by the refused attempt.
    create(stores, account(BINH), guard_keys=[free_guard])
    assert current(stores, BINH).username == BINH


# --- failed logins and lockout ----------------------------------------------------------


def test_failed_logins_count_and_lock_with_growing_delays(stores: Stores) -> None:
    create(stores)
    for count in range(1, 5):
        assert stores.accounts.record_failed_login(AN, NOW) == count
        assert (current(stores).failed_logins, current(stores).locked_until) == (count, None)

    assert stores.accounts.record_failed_login(AN, NOW) == 5
    assert current(stores).locked_until == NOW + timedelta(seconds=1) == NOW + lock_delay(5)
    assert current(stores).is_locked(NOW) and not current(stores).is_locked(NOW + timedelta(seconds=1))

    later = NOW + timedelta(seconds=10)
    assert stores.accounts.record_failed_login(AN, later) == 6
    assert current(stores).locked_until == later + timedelta(seconds=2)


def test_lock_never_exceeds_fifteen_minutes(stores: Stores) -> None:
    create(stores)
    for _ in range(15):
        stores.accounts.record_failed_login(AN, NOW)
    assert stores.accounts.record_failed_login(AN, NOW) == 16  # 2^11 s uncapped
    assert current(stores).locked_until == NOW + MAX_LOCK


# --- sessions ---------------------------------------------------------------------------


def start(stores: Stores, token: str = "token-a", now: datetime = NOW, username: str = AN) -> Session:
    session = new_session(current(stores, username), token, now)
    stores.accounts.start_session(session, current(stores, username), None)
    return session


def test_start_session_resets_failures_and_lock(stores: Stores) -> None:
    create(stores)
    for _ in range(6):
        stores.accounts.record_failed_login(AN, NOW)
    session = new_session(current(stores), "token-a", NOW)
    stores.accounts.start_session(session, current(stores), None)
    after = current(stores)
    assert (after.failed_logins, after.locked_until, after.password_hash) == (0, None, "hash-1")
    assert stores.accounts.touch_session(session.token_hash, NOW) == session


def test_start_session_stores_the_rehashed_password(stores: Stores) -> None:
    create(stores)
    session = new_session(current(stores), "token-a", NOW)
    stores.accounts.start_session(session, current(stores), "hash-1-stronger")
    after = current(stores)
    assert (after.password_hash, after.password_history, after.password_set_at) == ("hash-1-stronger", (), NOW)


@pytest.mark.parametrize("failures", [0, 2], ids=["clean-account", "after-failures"])
def test_start_session_refuses_a_password_changed_since_it_was_read(stores: Stores, failures: int) -> None:
    create(stores)
    for _ in range(failures):
        stores.accounts.record_failed_login(AN, NOW)
    read = current(stores)
    stores.accounts.set_password(read, "hash-2", temporary=False, now=NOW)
    session = new_session(read, "token-a", NOW)
    with pytest.raises(ConcurrentChangeError):
        stores.accounts.start_session(session, read, None)
    assert stores.accounts.touch_session(session.token_hash, NOW) is None
    assert current(stores).password_hash == "hash-2"


def test_touch_pushes_the_idle_expiry_back(stores: Stores) -> None:
    create(stores)
    session = start(stores)
    touched_at = NOW + timedelta(minutes=29)
    touched = stores.accounts.touch_session(session.token_hash, touched_at)
    assert touched == replace(session, idle_expires_at=touched_at + SESSION_IDLE)
    # Alive past the first idle expiry because it was used.
    assert stores.accounts.touch_session(session.token_hash, NOW + timedelta(minutes=58)) is not None


def test_touch_of_an_idle_session_is_none(stores: Stores) -> None:
    create(stores)
    session = start(stores)
    assert stores.accounts.touch_session(session.token_hash, NOW + SESSION_IDLE) is None
    assert stores.accounts.touch_session(session.token_hash, NOW + SESSION_IDLE + timedelta(minutes=1)) is None


def test_touch_of_an_unknown_session_is_none(stores: Stores) -> None:
    assert stores.accounts.touch_session(token_hash("never-issued"), NOW) is None


def test_activity_never_extends_past_the_absolute_expiry(stores: Stores) -> None:
    create(stores)
    absolute = NOW + timedelta(hours=2)  # as SESSION_ABSOLUTE, in fewer steps
    session = replace(new_session(current(stores), "token-a", NOW), absolute_expires_at=absolute)
    stores.accounts.start_session(session, current(stores), None)
    step = timedelta(minutes=29)
    at = NOW + step
    while at < absolute:
        touched = stores.accounts.touch_session(session.token_hash, at)
        assert touched is not None, f"live at {at}"
        assert touched.idle_expires_at == min(at + SESSION_IDLE, absolute)
        assert touched.absolute_expires_at == absolute
        at += step
    assert stores.accounts.touch_session(session.token_hash, absolute) is None


def test_absolute_expiry_ends_a_session_whose_idle_expiry_is_later(stores: Stores) -> None:
    create(stores)
    absolute = NOW + timedelta(hours=1)
    session = replace(
        new_session(current(stores), "token-a", NOW),
        idle_expires_at=absolute + timedelta(minutes=20),
        absolute_expires_at=absolute,
    )
    stores.accounts.start_session(session, current(stores), None)
    assert stores.accounts.touch_session(session.token_hash, absolute - timedelta(seconds=1)) is not None
    assert stores.accounts.touch_session(session.token_hash, absolute) is None


def test_end_session_ends_only_that_session(stores: Stores) -> None:
    create(stores)
    first, second = start(stores, "token-a"), start(stores, "token-b")
    stores.accounts.end_session(first.token_hash)
    stores.accounts.end_session(token_hash("never-issued"))  # no error
    assert stores.accounts.touch_session(first.token_hash, NOW) is None
    assert stores.accounts.touch_session(second.token_hash, NOW) == second


def test_lift_restriction_frees_the_session(stores: Stores) -> None:
    create(stores, account(temporary=True))
    session = start(stores)
    assert session.restricted
    expires = NOW + PASSWORD_MAX_AGE
    stores.accounts.lift_restriction(session.token_hash, expires)
    lifted = stores.accounts.touch_session(session.token_hash, NOW)
    assert lifted == replace(session, restricted=False, password_expires_at=expires)
    assert not lifted.is_restricted(NOW)


def test_lift_restriction_of_an_unknown_session_creates_nothing(stores: Stores) -> None:
    stores.accounts.lift_restriction(token_hash("never-issued"), NOW + PASSWORD_MAX_AGE)
    assert stores.accounts.touch_session(token_hash("never-issued"), NOW) is None


def test_end_sessions_ends_the_user_s_sessions_but_the_kept_one(stores: Stores) -> None:
    create(stores)
    create(stores, account(BINH))
    mine = [start(stores, f"token-{n}") for n in range(3)]
    theirs = start(stores, "token-binh", username=BINH)

    assert stores.accounts.end_sessions(AN, keep=mine[0].token_hash) == 2
    assert [stores.accounts.touch_session(s.token_hash, NOW) is not None for s in mine] == [True, False, False]
    assert stores.accounts.touch_session(theirs.token_hash, NOW) == theirs

    assert stores.accounts.end_sessions(AN) == 1
    assert stores.accounts.touch_session(mine[0].token_hash, NOW) is None
    assert stores.accounts.end_sessions(AN) == 0


# --- passwords --------------------------------------------------------------------------


def test_set_password_replaces_it_and_keeps_history(stores: Stores) -> None:
    create(stores, account(temporary=True))
    later = NOW + timedelta(days=1)
    updated = stores.accounts.set_password(current(stores), "hash-2", temporary=False, now=later)
    assert updated == current(stores)
    assert (updated.password_hash, updated.password_set_at, updated.temporary) == ("hash-2", later, False)
    assert updated.password_history == ("hash-1",)
    assert updated.password_expires_at == later + PASSWORD_MAX_AGE


def test_password_history_keeps_the_last_five_most_recent_first(stores: Stores) -> None:
    create(stores)
    for n in range(2, 9):
        stores.accounts.set_password(current(stores), f"hash-{n}", temporary=False, now=NOW)
    after = current(stores)
    assert after.password_hash == "hash-8"
    assert after.password_history == tuple(f"hash-{n}" for n in range(7, 2, -1))
    assert len(after.password_history) == PASSWORD_HISTORY


def test_set_password_refuses_a_hash_changed_under_it(stores: Stores) -> None:
    create(stores)
    read = current(stores)
    stores.accounts.set_password(read, "hash-2", temporary=False, now=NOW)
    with pytest.raises(ConcurrentChangeError):
        stores.accounts.set_password(read, "hash-3", temporary=False, now=NOW)
    assert (current(stores).password_hash, current(stores).password_history) == ("hash-2", ("hash-1",))


def test_set_password_clears_lockout_and_recovery_but_not_the_hourly_limit(stores: Stores) -> None:
    create(stores)
    for _ in range(6):
        stores.accounts.record_failed_login(AN, NOW)
    for _ in range(RECOVERY_MAX_PER_HOUR):
        assert stores.accounts.start_recovery(current(stores), "code-hash", NOW)
    updated = stores.accounts.set_password(current(stores), "hash-2", temporary=False, now=NOW)
    assert (updated.failed_logins, updated.locked_until, updated.recovery) == (0, None, None)
    assert current(stores).recovery is None
    assert not stores.accounts.start_recovery(current(stores), "code-hash", NOW + timedelta(minutes=1))


def test_set_password_with_notices_writes_all_at_once(stores: Stores) -> None:
    create(stores)
    later = NOW + timedelta(days=2)
    updated = stores.accounts.set_password_with_notices(
        current(stores), "hash-temp", later, [notice("n-1"), notice("n-2")], [audit_event("reissued")]
    )
    assert updated == current(stores)
    assert (updated.password_hash, updated.temporary, updated.password_set_at) == ("hash-temp", True, later)
    assert updated.password_history == ("hash-1",)
    assert [stores.outbox.get(n) for n in ("n-1", "n-2")] == [notice("n-1"), notice("n-2")]
    assert stores.audit_of(f"account#{AN}") == [audit_event("reissued")]


def test_set_password_with_notices_writes_nothing_when_the_hash_changed(stores: Stores) -> None:
    create(stores)
    read = current(stores)
    stores.accounts.set_password(read, "hash-2", temporary=False, now=NOW)
    with pytest.raises(ConcurrentChangeError):
        stores.accounts.set_password_with_notices(read, "hash-temp", NOW, [notice("n-1")], [audit_event("reissued")])
    assert current(stores).password_hash == "hash-2"
    assert stores.outbox.get("n-1") is None
    assert stores.audit_of(f"account#{AN}") == []


def test_set_password_with_notices_writes_nothing_when_a_notice_exists(stores: Stores) -> None:
    create(stores, notices=[notice("n-1")])
    with pytest.raises(ConcurrentChangeError):
        stores.accounts.set_password_with_notices(
            current(stores), "hash-temp", NOW, [notice("n-1"), notice("n-2")], [audit_event("reissued")]
        )
    assert (current(stores).password_hash, current(stores).temporary) == ("hash-1", False)
    assert stores.outbox.get("n-2") is None
    assert stores.audit_of(f"account#{AN}") == []


# --- recovery ---------------------------------------------------------------------------


def test_start_recovery_stores_the_code_three_times_an_hour(stores: Stores) -> None:
    create(stores)
    times = [NOW, NOW + timedelta(minutes=10), NOW + timedelta(minutes=20)]
    for n, at in enumerate(times):
        assert stores.accounts.start_recovery(current(stores), f"code-{n}", at)
        assert current(stores).recovery == RecoveryCode(f"code-{n}", at + RECOVERY_CODE_LIFETIME, 0)
    assert not stores.accounts.start_recovery(current(stores), "code-x", NOW + timedelta(minutes=59, seconds=59))
    assert current(stores).recovery == RecoveryCode("code-2", times[2] + RECOVERY_CODE_LIFETIME, 0)
    # An hour after the first, one slot is free again (and only one).
    assert stores.accounts.start_recovery(current(stores), "code-3", NOW + timedelta(hours=1))
    assert not stores.accounts.start_recovery(current(stores), "code-4", NOW + timedelta(hours=1))


def test_start_recovery_with_a_stale_account_is_refused(stores: Stores) -> None:
    """A concurrent request issued a code since the account was read: it counts
    against the limit (the fake sees the current window, DynamoDB a failed condition)."""
    create(stores)
    read = current(stores)
    for n in range(RECOVERY_MAX_PER_HOUR):
        assert stores.accounts.start_recovery(current(stores), f"code-{n}", NOW)
    assert not stores.accounts.start_recovery(read, "code-x", NOW)


def test_recovery_tries_are_counted_up_to_five_per_code(stores: Stores) -> None:
    create(stores)
    assert not stores.accounts.record_recovery_try(current(stores)), "no code, no try"
    stores.accounts.start_recovery(current(stores), "code-1", NOW)
    assert [stores.accounts.record_recovery_try(current(stores)) for _ in range(RECOVERY_MAX_TRIES + 1)] == [
        *[True] * RECOVERY_MAX_TRIES,
        False,
    ]
    recovery = current(stores).recovery
    assert recovery is not None and recovery.tries == RECOVERY_MAX_TRIES
    # A new code starts a new count.
    stores.accounts.start_recovery(current(stores), "code-2", NOW + timedelta(minutes=5))
    assert stores.accounts.record_recovery_try(current(stores))


# --- indexes and reads ------------------------------------------------------------------


def due(item: Account) -> PasswordDue:
    return PasswordDue(item.username, item.full_name, item.phone, item.email, item.password_set_at + PASSWORD_MAX_AGE)


def expiring(stores: Stores, day: date) -> list[PasswordDue]:
    return sorted(stores.accounts.passwords_expiring_on(day), key=lambda d: d.username)


def test_passwords_expiring_on_lists_real_passwords_by_day_in_vietnam(stores: Stores) -> None:
    morning = create(stores, account(AN))  # 10:00 in Vietnam
    evening = create(stores, account(BINH, password_set_at=NOW + timedelta(hours=14)), guard_keys=guards(BINH))
    many = [create(stores, account(f"01000000{n:02d}"), guard_keys=[f"account#bhxh#01000000{n:02d}"]) for n in range(6)]
    create(stores, account("0200000000", temporary=True), guard_keys=["account#bhxh#0200000000"])

    day = (NOW + PASSWORD_MAX_AGE).date()  # 2027-05-26
    assert len({shard_for(a.username, 16) for a in many}) > 1, "the day's accounts should span several shards"
    assert expiring(stores, day) == sorted([due(morning), *map(due, many)], key=lambda d: d.username)
    # 17:00 UTC is already the next day in Vietnam.
    assert expiring(stores, day + timedelta(days=1)) == [due(evening)]
    assert expiring(stores, day - timedelta(days=1)) == []


def test_password_expiry_index_follows_password_changes(stores: Stores) -> None:
    create(stores)
    day = (NOW + PASSWORD_MAX_AGE).date()
    stores.accounts.set_password(current(stores), "hash-temp", temporary=True, now=NOW)
    assert expiring(stores, day) == [], "temporary passwords get no reminder"

    later = NOW + timedelta(days=3)
    stores.accounts.set_password(current(stores), "hash-3", temporary=False, now=later)
    assert expiring(stores, day) == []
    assert expiring(stores, day + timedelta(days=3)) == [due(current(stores))]


def test_staff_of_office_lists_staff_accounts_by_username(stores: Stores) -> None:
    def staff(username: str, office: str, *roles: str) -> None:
        create(stores, account(username, roles=roles, office_code=office), guard_keys=[f"staff#{username}"])

    staff("officer-2", "BHXH-01", OFFICER)
    staff("officer-1", "BHXH-01", OFFICER, SUPERVISOR)
    staff("supervisor-9", "BHXH-01", SUPERVISOR)
    staff("officer-79", "BHXH-79", OFFICER)
    staff("citizen-01", "BHXH-01", CITIZEN)

    found = stores.accounts.staff_of_office("BHXH-01")
    assert [a.username for a in found] == ["officer-1", "officer-2", "supervisor-9"]
    assert found == [current(stores, a.username) for a in found]
    assert stores.accounts.staff_of_office("BHXH-99") == []


def test_issued_tells_day_in_vietnam_and_channel_of_existing_accounts(stores: Stores) -> None:
    create(stores, account(AN, created_at=NOW + timedelta(hours=17), channel="signed"))
    create(stores, account(BINH, channel=None), guard_keys=guards(BINH))
    found = stores.accounts.issued([BINH, AN, BINH, "0000000000"])
    assert sorted(found, key=lambda i: i.username) == [
        Issuance(AN, date(2026, 11, 25), "signed"),
        Issuance(BINH, date(2026, 11, 24), "unknown"),
    ]
    assert stores.accounts.issued([]) == []


def test_the_identity_guard_names_the_account(stores: Stores) -> None:
    """The 12-digit personal ID number finds the account through its uniqueness guard."""
    issued = account()
    stores.accounts.create(issued, guards(), [], [])
    assert stores.accounts.username_by_identity(issued.identity_key) == AN
    assert stores.accounts.username_by_identity("id#001089099999") is None
