"""Account use cases with in-memory fakes: issuance, sign-in, lockout,
password change, recovery, password age, route permissions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.account import (
    OFFICER,
    RESTRICTED_ROUTES,
    SESSION_IDLE,
    Session,
    allowed_routes,
    lock_delay,
    token_hash,
)
from chalicelib.domain.errors import (
    AccountExistsError,
    InvalidCredentialsError,
    RecoveryCodeInvalidError,
    TemporaryPasswordExpiredError,
    ValidationError,
)
from chalicelib.services.change_password import change_password
from chalicelib.services.password_age import run_password_age
from chalicelib.services.recover_account import confirm_recovery, request_recovery
from chalicelib.services.sign_in import authorize, login
from tests.accounts import issue
from tests.fakes import FakeClock, FakeDeps

STRONG = "Cây tre xanh bên dòng sông quê"


def test_issue_records_account_guards_notice_and_audit(fake_deps: FakeDeps) -> None:
    issued = issue(fake_deps)
    assert fake_deps.accounts.guards == {"account#bhxh#0123456789", "account#id#001089056789"}
    assert sorted(n.channel for n in issued.notices) == ["email", "sms"]
    assert all(
        issued.temporary_password not in n.text and n.secret == issued.temporary_password for n in issued.notices
    )
    assert [e.to_status for e in fake_deps.outbox.audit] == ["active"]
    with pytest.raises(AccountExistsError):
        issue(fake_deps)


def test_login_with_temporary_password_is_restricted(fake_deps: FakeDeps) -> None:
    issued = issue(fake_deps)
    signed_in = login(fake_deps, "0123456789", issued.temporary_password, fake_deps.clock())
    assert signed_in.password_change_required and signed_in.session.restricted
    assert signed_in.session.token_hash == token_hash(signed_in.token)
    assert token_hash(signed_in.token) in fake_deps.accounts.sessions
    assert signed_in.token not in fake_deps.accounts.sessions  # only the hash is stored


def test_login_failures_are_indistinguishable(fake_deps: FakeDeps) -> None:
    issue(fake_deps)
    for username, password in [("0999999999", "x" * 10), ("0123456789", "wrong-one"), ("", "x"), ("0" * 500, "x")]:
        with pytest.raises(InvalidCredentialsError):
            login(fake_deps, username, password, fake_deps.clock())


def test_temporary_password_lapses_after_7_days(fake_deps: FakeDeps) -> None:
    issued = issue(fake_deps)
    clock = fake_deps.clock
    assert isinstance(clock, FakeClock)
    clock.advance(days=7)
    with pytest.raises(TemporaryPasswordExpiredError):
        login(fake_deps, "0123456789", issued.temporary_password, clock())


@pytest.mark.parametrize(
    ("failures", "seconds"), [(1, 0), (4, 0), (5, 1), (6, 2), (10, 32), (14, 512), (15, 900), (100, 900)]
)
def test_lock_delay(failures: int, seconds: int) -> None:
    assert lock_delay(failures) == timedelta(seconds=seconds)


def test_a_session_lives_until_idle_or_absolute_expiry_and_activity_is_capped() -> None:
    start = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    absolute = start + timedelta(hours=1)
    session = Session("h", "0123456789", ("citizen",), False, start, start + SESSION_IDLE, absolute)
    assert session.is_live(start + SESSION_IDLE - timedelta(seconds=1))
    assert not session.is_live(start + SESSION_IDLE)
    assert not replace(session, idle_expires_at=absolute + SESSION_IDLE).is_live(absolute)
    assert session.touched(start + timedelta(minutes=10)).idle_expires_at == start + timedelta(minutes=40)
    assert session.touched(start + timedelta(minutes=45)).idle_expires_at == absolute


def test_change_password_checks_current_and_policy(fake_deps: FakeDeps) -> None:
    issued = issue(fake_deps)
    session = login(fake_deps, "0123456789", issued.temporary_password, fake_deps.clock()).session
    with pytest.raises(ValidationError) as wrong:
        change_password(
            fake_deps,
            "0123456789",
            session.token_hash,
            {"current_password": "no", "new_password": STRONG},
            fake_deps.clock(),
        )
    assert wrong.value.errors[0].code == "wrong_password"
    with pytest.raises(ValidationError) as weak:
        change_password(
            fake_deps,
            "0123456789",
            session.token_hash,
            {"current_password": issued.temporary_password, "new_password": "matkhau123"},
            fake_deps.clock(),
        )
    assert weak.value.errors[0].code == "password_too_weak"
    updated = change_password(
        fake_deps,
        "0123456789",
        session.token_hash,
        {"current_password": issued.temporary_password, "new_password": STRONG},
        fake_deps.clock(),
    )
    assert not updated.temporary
    assert fake_deps.accounts.sessions[session.token_hash].restricted is False
    assert updated.password_history == (issued.account.password_hash,)


def test_authorize_needs_a_bearer_token(fake_deps: FakeDeps) -> None:
    issued = issue(fake_deps)
    token = login(fake_deps, "0123456789", issued.temporary_password, fake_deps.clock()).token
    now = fake_deps.clock()
    assert authorize(fake_deps, f"Bearer {token}", now) is not None
    for header in (None, "", token, f"Basic {token}", "Bearer short", f"Bearer {token}x"):
        assert authorize(fake_deps, header, now) is None


def test_allowed_routes_by_role_and_restriction() -> None:
    assert allowed_routes((OFFICER,), restricted=True) == RESTRICTED_ROUTES
    assert "/v1/accounts/*/reissue" in allowed_routes((OFFICER,), restricted=False)
    assert "/v1/accounts/*/reissue" not in allowed_routes(("citizen",), restricted=False)
    assert allowed_routes(("unknown-role",), restricted=False) == {}


def test_recovery_flow_and_limits(fake_deps: FakeDeps) -> None:
    issue(fake_deps)
    clock = fake_deps.clock
    assert isinstance(clock, FakeClock)
    request_recovery(fake_deps, {"username": "0123456789", "phone": "0912345678"}, clock())
    assert not any("recovery" in n for n in fake_deps.outbox.queue)  # the worker sends it
    fake_deps.run_queued_tasks()
    notice = next(n for n in fake_deps.outbox.queue if "recovery" in n)
    code = fake_deps.outbox.stored[notice].notice.secret
    assert code is not None and len(code) == 6
    with pytest.raises(RecoveryCodeInvalidError):
        confirm_recovery(fake_deps, {"username": "0123456789", "code": "x", "new_password": STRONG}, clock())
    clock.advance(minutes=6)
    with pytest.raises(RecoveryCodeInvalidError):  # expired after 5 minutes
        confirm_recovery(fake_deps, {"username": "0123456789", "code": code, "new_password": STRONG}, clock())
    for _ in range(4):
        request_recovery(fake_deps, {"username": "0123456789", "phone": "+84912345678"}, clock())
        fake_deps.run_queued_tasks()
        clock.advance(seconds=1)
    assert sum("recovery" in n for n in fake_deps.outbox.queue) == 3  # at most 3 an hour


def test_password_age_with_fakes(fake_deps: FakeDeps) -> None:
    issued = issue(fake_deps)
    set_at = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
    fake_deps.accounts.set_password(issued.account, fake_deps.hasher.hash(STRONG), temporary=False, now=set_at)
    report = run_password_age(fake_deps, date(2026, 11, 24), fake_deps.clock())  # expiry 2026-12-01: 7 days
    assert report.by_kind == {"password_reminder_7d": 2}
    assert run_password_age(fake_deps, date(2026, 11, 24), fake_deps.clock()).queued == 0
    assert run_password_age(fake_deps, date(2026, 11, 25), fake_deps.clock()).queued == 0


def test_the_social_insurance_code_and_the_personal_id_number_sign_in_to_one_account(fake_deps: FakeDeps) -> None:
    """Công văn 1804/BHXH-QLT: the 12-digit personal ID number serves as the social-insurance code."""
    from chalicelib.domain.errors import InvalidCredentialsError
    from chalicelib.services.sign_in import login

    issued = issue(fake_deps, "0123456789", identity_key="id#001089020747")
    now = fake_deps.clock()
    by_code = login(fake_deps, "0123456789", issued.temporary_password, now)
    by_cccd = login(fake_deps, " 001089020747 ", issued.temporary_password, now)
    assert by_code.account.username == by_cccd.account.username == "0123456789"
    for wrong in ("001089020748", "001089020747x", "0123456788"):
        with pytest.raises(InvalidCredentialsError):
            login(fake_deps, wrong, issued.temporary_password, now)


def test_a_cccd_holder_may_leave_the_code_out_and_gets_the_registrys(fake_deps: FakeDeps) -> None:
    """Công văn 1804/BHXH-QLT: Form 01 without ``bhxh_code`` when a CCCD is given; the registry is
    matched by the personal ID number, and the account issued is the registry's code."""
    from datetime import date

    from chalicelib.domain.errors import ValidationError
    from chalicelib.domain.form01 import parse_form01
    from chalicelib.services.approve_declaration import approve_declaration
    from chalicelib.services.officer_desk import Officer
    from chalicelib.services.sign_in import login
    from chalicelib.services.submit_paper_declaration import submit_paper_declaration
    from tests.builders import form
    from tests.id_copies import attach_copy

    body = form()
    del body["bhxh_code"]
    assert parse_form01(body, today=date(2026, 11, 24)).bhxh_code == "001089020747"
    for other in ("cmnd", "passport"):
        without = form(id_type=other, id_number="001089020" if other == "cmnd" else "B1234567")
        del without["bhxh_code"]
        with pytest.raises(ValidationError) as caught:
            parse_form01(without, today=date(2026, 11, 24))
        assert ("bhxh_code", "required") in [(e.field, e.code) for e in caught.value.errors]

    officer = Officer("0100000001", ("officer",), "BHXH-01", "01")
    paper = submit_paper_declaration(fake_deps, body, officer, fake_deps.clock())
    assert paper.registry is not None and paper.registry["bhxh_code"] == "0123456789"  # found by the number
    attach_copy(fake_deps, paper.id, officer)
    approve_declaration(fake_deps, paper.id, officer, fake_deps.clock())
    assert list(fake_deps.accounts.accounts) == ["0123456789"]
    password = next(s.notice.secret for s in fake_deps.outbox.stored.values() if s.notice.kind == "account_approved")
    assert password
    for name in ("0123456789", "001089020747"):
        assert login(fake_deps, name, password, fake_deps.clock()).account.username == "0123456789"
