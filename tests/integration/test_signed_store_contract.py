"""``record_decided`` and ``record_event``: the fake and the DynamoDB
adapter behave the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.domain.account import CITIZEN, Account
from chalicelib.domain.decision import DecidedOnArrival
from chalicelib.domain.declaration import APPROVED, REJECTED, counter_code_guard, new_signed_declaration
from chalicelib.domain.errors import AccountExistsError, CounterCodeTakenError, ReplayedError
from chalicelib.domain.form01 import parse_form01
from chalicelib.domain.notification import AuditEvent, Notification
from tests.builders import form
from tests.fakes import FakeDeps

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
SIGNATURE = {"sha256": "ab" * 32, "serial": "1f", "issuer": "CN=CA", "not_after": "2028-11-24T00:00:00+00:00"}


@pytest.fixture(params=["fake", "dynamo"])
def deps(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeDeps()
    return request.getfixturevalue("container")


def decided(did: str, status: str, code: str, *, account: bool) -> DecidedOnArrival:
    parsed = parse_form01(form(), today=date(2026, 11, 24))
    declaration = new_signed_declaration(
        parsed,
        declaration_id=did,
        code=code,
        now=NOW,
        status=status,
        reasons=() if status == APPROVED else ("registry_mismatch",),
        signature=SIGNATURE,
    )
    notice = Notification(f"declaration#{did}#k#sms", "k", "sms", "+84912345678", "text", f"declaration#{did}", NOW)
    audit = AuditEvent(did, f"{did}-1", None, status, "declarant", "signed", NOW)
    holder = Account(
        username="0123456789",
        full_name="Nguyễn Văn An",
        phone="+84912345678",
        email=None,
        identity_key="id#001089020747",
        roles=(CITIZEN,),
        password_hash="$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
        password_set_at=NOW,
        temporary=True,
        created_at=NOW,
    )
    return DecidedOnArrival(
        declaration=declaration,
        guards=[counter_code_guard(code)],
        notices=[notice],
        audit=[audit],
        account=holder if account else None,
        account_guards=["account#bhxh#0123456789", "account#id#001089020747"] if account else [],
    )


def test_a_decided_declaration_round_trips(deps: Any) -> None:
    item = decided("s-1", APPROVED, "K7PQ3M9X", account=True)
    deps.declarations.record_decided(item)
    assert deps.declarations.get("s-1") == item.declaration
    assert deps.declarations.get("s-1").signature == SIGNATURE
    assert deps.accounts.get("0123456789") is not None
    assert deps.outbox.get("declaration#s-1#k#sms") is not None
    assert [e.to_status for e in deps.declarations.history("s-1")] == [APPROVED]


def test_a_second_account_is_refused_and_nothing_is_written(deps: Any) -> None:
    deps.declarations.record_decided(decided("s-1", APPROVED, "K7PQ3M9X", account=True))
    with pytest.raises(AccountExistsError):
        deps.declarations.record_decided(decided("s-2", APPROVED, "AAAA3333", account=True))
    assert deps.declarations.get("s-2") is None
    assert deps.outbox.get("declaration#s-2#k#sms") is None
    deps.declarations.record_decided(decided("s-2", REJECTED, "AAAA3333", account=False))
    assert deps.declarations.get("s-2").status == REJECTED


def test_a_taken_counter_code_is_reported(deps: Any) -> None:
    deps.declarations.record_decided(decided("s-1", REJECTED, "K7PQ3M9X", account=False))
    with pytest.raises(CounterCodeTakenError):
        deps.declarations.record_decided(decided("s-2", REJECTED, "K7PQ3M9X", account=False))
    assert deps.declarations.get("s-2") is None


def test_a_refusal_is_appended_once(deps: Any) -> None:
    event = AuditEvent("signed-refusal#ab", "e-1", None, "refused", "declarant", "signed", NOW, reason="weak_algorithm")
    deps.declarations.record_event(event)
    deps.declarations.record_event(event)
    assert [(e.subject, e.to_status) for e in deps.declarations.history("signed-refusal#ab")] == [
        ("signed-refusal#ab", "refused")
    ]


@pytest.mark.parametrize("first_status", [APPROVED, REJECTED])
def test_a_replay_key_is_decided_once_and_names_its_decision(deps: Any, first_status: str) -> None:
    key = "cd" * 32
    assert deps.declarations.decided_for(key) is None
    first = replace(decided("s-1", first_status, "K7PQ3M9X", account=first_status == APPROVED), replay_key=key)
    deps.declarations.record_decided(first)
    assert deps.declarations.decided_for(key) == first.declaration
    for status, account in ((APPROVED, True), (REJECTED, False)):  # whatever the second copy would decide
        again = replace(decided("s-2", status, "AAAA3333", account=account), replay_key=key)
        with pytest.raises(ReplayedError) as replayed:
            deps.declarations.record_decided(again)
        assert replayed.value.declaration_id == "s-1"
    assert deps.declarations.get("s-2") is None
    assert deps.outbox.get("declaration#s-2#k#sms") is None
    other = replace(decided("s-3", REJECTED, "BBBB4444", account=False), replay_key="ef" * 32)
    deps.declarations.record_decided(other)  # another document: its own decision
    assert deps.declarations.decided_for("ef" * 32) == other.declaration
