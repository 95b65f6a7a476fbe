"""Register and sign in with VNeID (issue 14, items 2 and 3), over the in-memory fakes: the
use case's decisions; the ID token's cryptography is tested on the relying party itself
(tests/unit/test_vneid_tokens.py) and end to end against the demo provider."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.errors import (
    LevelInsufficientError,
    TokenNonceInvalidError,
    ValidationError,
    VneidNoAccountError,
    VneidStateInvalidError,
)
from chalicelib.domain.vneid import Identity
from chalicelib.services.sign_in import SignedIn, authorize, login
from chalicelib.services.vneid_sign_in import (
    VneidRegistration,
    complete_vneid,
    start_vneid,
)
from tests.accounts import issue
from tests.builders import PARTICIPANT_AN
from tests.fakes import FakeDeps

AN = Identity("subject-an", "001089020747", "Nguyễn Văn An", "1989-05-02", "male", "2")


def flow(deps: FakeDeps, identity: Identity, purpose: str = "register", **extra: Any) -> Any:
    """The person starts, signs in at the provider, and comes back with the code."""
    body = {"purpose": purpose, **({"office_code": "BHXH-01"} if purpose == "register" else {}), **extra}
    start_vneid(deps, body, deps.clock())
    started = deps.vneid.started[-1]
    code = deps.vneid.grant(started, identity)
    return complete_vneid(deps, {"code": code, "state": started.state}, deps.clock())


def test_level_2_registers_at_once_without_a_password_and_signs_in(fake_deps: FakeDeps) -> None:
    outcome = flow(fake_deps, AN)
    assert isinstance(outcome, VneidRegistration) and outcome.status == "approved"
    assert outcome.declaration is not None and outcome.declaration.channel == "vneid"
    account = fake_deps.accounts.get("0123456789")
    assert account is not None and not account.has_password and not account.temporary
    assert account.channel == "vneid" and not account.password_change_required(fake_deps.clock() + timedelta(days=400))
    sms = [n for n in (s.notice for s in fake_deps.outbox.stored.values()) if n.channel == "sms"]
    assert [n.kind for n in sms] == ["account_approved"] and "TK: 001089020747" in sms[0].text
    assert "MK" not in sms[0].text and sms[0].secret is None  # no password is issued, none travels
    with pytest.raises(Exception) as caught:  # there is no password to sign in with
        login(fake_deps, "0123456789", "", fake_deps.clock())
    assert caught.value.__class__.__name__ == "InvalidCredentialsError"

    signed_in = flow(fake_deps, AN, "sign_in")
    assert isinstance(signed_in, SignedIn) and not signed_in.password_change_required
    session = authorize(fake_deps, f"Bearer {signed_in.token}", fake_deps.clock())
    assert session is not None and session.username == "0123456789" and not session.restricted


def test_level_1_is_refused_and_nothing_is_written(fake_deps: FakeDeps) -> None:
    with pytest.raises(LevelInsufficientError):
        flow(fake_deps, Identity("s", "001089020747", "Nguyễn Văn An", "1989-05-02", "male", "1"))
    assert fake_deps.accounts.accounts == {} and fake_deps.declarations.items == {}
    assert fake_deps.outbox.stored == {}


def test_the_state_is_single_use_and_expires(fake_deps: FakeDeps) -> None:
    start_vneid(fake_deps, {"purpose": "register", "office_code": "BHXH-01"}, fake_deps.clock())
    started = fake_deps.vneid.started[-1]
    code = fake_deps.vneid.grant(started, AN)
    with pytest.raises(VneidStateInvalidError):  # a state nobody started
        complete_vneid(fake_deps, {"code": code, "state": "forged"}, fake_deps.clock())
    later = fake_deps.clock() + timedelta(minutes=11)
    with pytest.raises(VneidStateInvalidError):  # older than 10 minutes
        complete_vneid(fake_deps, {"code": code, "state": started.state}, later)
    with pytest.raises(VneidStateInvalidError):  # and gone once tried
        complete_vneid(fake_deps, {"code": code, "state": started.state}, fake_deps.clock())
    assert fake_deps.accounts.accounts == {}


def test_a_token_for_another_sign_in_is_refused(fake_deps: FakeDeps) -> None:
    """A replayed ID token (or code) carries the nonce of the sign-in it was issued for."""
    start_vneid(fake_deps, {"purpose": "register", "office_code": "BHXH-01"}, fake_deps.clock())
    first = fake_deps.vneid.started[-1]
    start_vneid(fake_deps, {"purpose": "register", "office_code": "BHXH-01"}, fake_deps.clock())
    second = fake_deps.vneid.started[-1]
    code = fake_deps.vneid.grant(first, AN)  # issued for the first sign-in
    fake_deps.vneid.codes[code] = (AN, second.verifier, first.nonce)  # the attacker knows the verifier
    with pytest.raises(TokenNonceInvalidError):
        complete_vneid(fake_deps, {"code": code, "state": second.state}, fake_deps.clock())
    assert fake_deps.accounts.accounts == {}


def test_someone_with_an_account_is_told_so_and_can_then_sign_in_with_vneid(fake_deps: FakeDeps) -> None:
    issue(fake_deps, "0123456789", identity_key="id#001089020747")
    outcome = flow(fake_deps, AN)
    assert isinstance(outcome, VneidRegistration)
    assert (outcome.status, outcome.username, outcome.declaration) == ("already_registered", "0123456789", None)
    assert len(fake_deps.accounts.accounts) == 1
    signed_in = flow(fake_deps, AN, "sign_in")
    assert isinstance(signed_in, SignedIn) and signed_in.account.username == "0123456789"


def test_data_that_differ_from_the_registry_are_rejected_with_the_fields(fake_deps: FakeDeps) -> None:
    outcome = flow(fake_deps, Identity("s", "001089020747", "Nguyễn Văn Ân", "1989-05-02", "male", "2"))
    assert isinstance(outcome, VneidRegistration)
    assert (outcome.status, outcome.reasons) == ("rejected", ("registry_mismatch",))
    assert outcome.differences == ("full_name",)
    assert fake_deps.accounts.accounts == {}
    sms = [n for n in (s.notice for s in fake_deps.outbox.stored.values()) if n.channel == "sms"]
    assert [n.recipient for n in sms] == [PARTICIPANT_AN.phone]  # the registry's phone is told


def test_a_person_the_registry_does_not_know_is_rejected_and_nothing_stored(fake_deps: FakeDeps) -> None:
    outcome = flow(fake_deps, Identity("s", "001089099999", "Người Lạ", "1990-01-01", "male", "2"))
    assert isinstance(outcome, VneidRegistration)
    assert (outcome.status, outcome.reasons) == ("rejected", ("registry_mismatch",))
    assert outcome.differences == ("bhxh_code",)
    assert fake_deps.declarations.items == {} and fake_deps.outbox.stored == {}


def test_sign_in_without_an_account_says_register_first(fake_deps: FakeDeps) -> None:
    with pytest.raises(VneidNoAccountError):
        flow(fake_deps, AN, "sign_in")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "register"}, "office_code"),
        ({"purpose": "register", "office_code": 1}, "office_code"),
        ({"purpose": "register", "office_code": "  "}, "office_code"),
        ({"purpose": ["register"]}, "purpose"),
        ({"purpose": "register", "office_code": "BHXH-99"}, "office_code"),
        ({"purpose": "sign_up"}, "purpose"),
        ({"purpose": "sign_in", "office_code": "BHXH-01"}, "office_code"),
        ({"purpose": "sign_in", "extra": 1}, "extra"),
        ([], ""),
    ],
)
def test_bad_starts_are_refused_by_field(fake_deps: FakeDeps, body: Any, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        start_vneid(fake_deps, body, fake_deps.clock())
    assert field in [e.field for e in caught.value.errors]
    assert fake_deps.accounts.login_states == {}


def test_the_printable_form_of_a_vneid_registration_renders(fake_deps: FakeDeps) -> None:
    """VNeID gives no issue date of the ID document: the form prints a dash, never fails."""
    from chalicelib.documents.form01_pdf import render_form01
    from tests.builders import OFFICE
    from tests.documents import read_pdf

    outcome = flow(fake_deps, AN)
    assert isinstance(outcome, VneidRegistration) and outcome.declaration is not None
    rendered = render_form01(outcome.declaration, OFFICE)
    text = read_pdf(rendered.content).text
    assert "Đăng ký qua VNeID" in text and "Nguyễn Văn An" in text
