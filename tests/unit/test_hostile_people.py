"""Issue 17 (findings 2, 7, 9) with pure values and in-memory fakes: rate-limit
windows, the per-officer reissue limit, what an officer may read, and the
recovery request that leaves all work to the worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.account import CITIZEN, OFFICER, SUPERVISOR
from chalicelib.domain.desk_scope import Reader, masked_name, may_read_in_full
from chalicelib.domain.errors import ReissueRateLimitedError
from chalicelib.domain.rate_limits import REISSUE_PER_ACCOUNT, RateLimit, Window, retry_after_seconds, wait_before_next
from chalicelib.services.officer_desk import Officer
from chalicelib.services.recover_account import request_recovery
from chalicelib.services.reissue_password import holds_document, reissue_password
from tests.accounts import issue
from tests.fakes import FakeClock, FakeDeps

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
OFFICER_01 = Officer("0100000001", (OFFICER,), "BHXH-01", "01")


def shown(username: str) -> dict[str, str]:
    """The ID document ``tests.accounts.issue`` gives ``username``."""
    return {"document_type": "cccd", "document_number": f"0010890{username[-5:]}"}


# --- rate limits ------------------------------------------------------------------------


def test_sliding_windows_say_how_long_to_wait() -> None:
    assert wait_before_next([], T0, REISSUE_PER_ACCOUNT) is None
    assert wait_before_next([T0], T0 + timedelta(minutes=4), REISSUE_PER_ACCOUNT) == timedelta(minutes=6)
    assert wait_before_next([T0], T0 + timedelta(minutes=10), REISSUE_PER_ACCOUNT) is None
    three = [T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)]
    assert wait_before_next(three, T0 + timedelta(hours=3), REISSUE_PER_ACCOUNT) == timedelta(hours=21)
    two_a_minute = RateLimit("t", (Window(2, timedelta(minutes=1)),))
    assert wait_before_next([T0, T0 + timedelta(seconds=30)], T0 + timedelta(seconds=40), two_a_minute) == timedelta(
        seconds=20
    )


@pytest.mark.parametrize(("seconds", "header"), [(0.2, 1), (1.0, 1), (1.2, 2), (360.0, 360)])
def test_retry_after_rounds_up_to_whole_seconds(seconds: float, header: int) -> None:
    assert retry_after_seconds(timedelta(seconds=seconds)) == header


def test_an_officer_reissues_at_most_20_an_hour(fake_deps: FakeDeps) -> None:
    usernames = [f"01234567{n:02d}" for n in range(21)]
    for username in usernames:
        issue(fake_deps, username)
    clock = fake_deps.clock
    assert isinstance(clock, FakeClock)
    for username in usernames[:20]:
        reissue_password(fake_deps, username, shown(username), OFFICER_01, clock())
        clock.advance(seconds=30)

    with pytest.raises(ReissueRateLimitedError) as refused:
        reissue_password(fake_deps, usernames[20], shown(usernames[20]), OFFICER_01, clock())

    assert refused.value.retry_after == 3600 - 20 * 30
    another = Officer("0100000002", (OFFICER,), "BHXH-01", "01")
    reissue_password(fake_deps, usernames[20], shown(usernames[20]), another, clock())  # per officer, not per office


def test_a_refused_reissue_counts_against_no_limit(fake_deps: FakeDeps) -> None:
    issue(fake_deps)
    with pytest.raises(ReissueRateLimitedError):
        reissue_password(fake_deps, "0123456789", shown("0123456789"), OFFICER_01, fake_deps.clock())
        reissue_password(fake_deps, "0123456789", shown("0123456789"), OFFICER_01, fake_deps.clock())
    assert fake_deps.rate_limits.times[f"rate#reissue-officer#{OFFICER_01.username}"] == [fake_deps.clock()]


def test_the_document_shown_must_be_the_holders(fake_deps: FakeDeps) -> None:
    account = issue(fake_deps).account
    passport_holder = account.with_changes(identity_key="passport#FR#12AB34567")

    assert holds_document(account, "cccd", "001089056789") and holds_document(account, "cmnd", "001089056789")
    assert not holds_document(account, "cccd", "001089056788")
    assert not holds_document(account, "passport", "001089056789")
    assert holds_document(passport_holder, "passport", "12AB34567")
    assert not holds_document(passport_holder, "cccd", "12AB34567")


# --- what an officer may read ------------------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "office", "province", "full"),
    [
        (Reader((OFFICER,), "BHXH-01", "01"), "BHXH-01", "01", True),
        (Reader((OFFICER,), "BHXH-79", "79"), "BHXH-01", "01", False),
        (Reader((OFFICER,), "BHXH-79", "01"), "BHXH-01", "01", False),  # an officer: the office, not the province
        (Reader((SUPERVISOR,), "BHXH-79", "01"), "BHXH-01", "01", True),
        (Reader((SUPERVISOR,), "BHXH-01", "01"), "BHXH-79", "79", False),
        (Reader((SUPERVISOR,), "BHXH-01", None), "BHXH-01", None, False),
        (Reader((CITIZEN,), "BHXH-01", "01"), "BHXH-01", "01", False),
    ],
)
def test_who_reads_in_full(reader: Reader, office: str, province: str | None, full: bool) -> None:
    assert may_read_in_full(reader, office, province) is full


def test_masked_name_keeps_first_letters_only() -> None:
    assert masked_name("Nguyễn  Văn An") == "N***** V** A*"
    assert masked_name("Ư") == "Ư"


# --- recovery: the request path only queues ------------------------------------------------


def test_recovery_request_queues_the_same_task_whether_or_not_the_account_exists(fake_deps: FakeDeps) -> None:
    issue(fake_deps)
    for username in ("0123456789", "0999999999"):
        request_recovery(fake_deps, {"username": username, "phone": "0912345678"}, fake_deps.clock())

    assert [sorted(task) for task in fake_deps.outbox.tasks] == [["phone_digest", "task", "username"]] * 2
    assert all(task["task"] == "recovery_requested" for task in fake_deps.outbox.tasks)
    assert all("912345678" not in str(task) for task in fake_deps.outbox.tasks)  # no phone number in the queue
    assert fake_deps.outbox.queue == [n for n in fake_deps.outbox.queue if "recovery" not in n]
    assert fake_deps.accounts.accounts["0123456789"].recovery is None


def test_a_reissue_by_the_cccd_number_reaches_the_same_account_and_shares_its_limit(fake_deps: FakeDeps) -> None:
    """Công văn 1804/BHXH-QLT: the officer may type the 12-digit personal ID number; the notice names
    the account by it, and the code and the number count against one per-account limit."""
    issue(fake_deps, "0123456789")
    number = shown("0123456789")["document_number"]
    updated = reissue_password(fake_deps, number, shown("0123456789"), OFFICER_01, fake_deps.clock())
    assert updated.username == "0123456789"
    sms = [text for _, text in fake_deps.sender.sms] + [
        n.text for n in (s.notice for s in fake_deps.outbox.stored.values()) if n.kind == "temporary_password"
    ]
    assert any(f"MK tam moi cho TK {number}:" in text for text in sms)
    with pytest.raises(ReissueRateLimitedError):  # the same account by its code: within 10 minutes
        reissue_password(fake_deps, "0123456789", shown("0123456789"), OFFICER_01, fake_deps.clock())


def test_notices_name_the_account_by_the_cccd_number_only_for_citizens_issued_against_one() -> None:
    from chalicelib.domain.account import sign_in_name

    assert sign_in_name("0123456789", "id#001089020747") == "001089020747"
    assert sign_in_name("0123456789", "passport#FR#12AB34567") == "0123456789"
    assert sign_in_name("0123456789", "id#123456789") == "0123456789"  # a 9-digit CMND: the code
    assert sign_in_name("0100000001", "id#001089020747", (OFFICER,)) == "0100000001"  # staff keep theirs
