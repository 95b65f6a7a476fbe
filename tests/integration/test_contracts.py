"""One contract, two implementations: the in-memory fakes the unit tests use
and the DynamoDB/SQS adapters must behave the same."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.declaration import (
    CANCELLED,
    RECEIVED,
    Declaration,
    account_guard_keys,
    counter_code_guard,
    new_office_declaration,
    superseded,
)
from chalicelib.domain.errors import AccountExistsError, ConcurrentChangeError, CounterCodeTakenError
from chalicelib.domain.form01 import parse_form01
from chalicelib.domain.notification import AuditEvent, Notification
from tests.builders import PARTICIPANT_AN, PARTICIPANT_BINH, form, other_person
from tests.fakes import FakeDeclarationStore, FakeOutbox, FakeRegistry

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.fixture(params=["fake", "dynamo"])
def deps(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":

        class Fakes:
            declarations = FakeDeclarationStore()
            outbox = FakeOutbox()
            registry = FakeRegistry()

        fakes = Fakes()
        fakes.registry.put_many([PARTICIPANT_AN, PARTICIPANT_BINH])
        return fakes
    return request.getfixturevalue("container")


def declaration(body: dict[str, Any] | None = None, *, did: str = "d-1", code: str = "K7PQ3M9X") -> Declaration:
    parsed = parse_form01(body or form(), today=date(2026, 11, 24))
    return new_office_declaration(parsed, declaration_id=did, code=code, now=NOW)


def create(store: Any, item: Declaration, now: datetime = NOW) -> None:
    audit = AuditEvent(item.id, "created", None, item.status, "declarant", item.channel, now)
    store.create(item, [counter_code_guard(item.code)], account_guard_keys(item.form), [audit], now)


def test_create_then_get_round_trips(deps: Any) -> None:
    item = declaration()
    create(deps.declarations, item)
    assert deps.declarations.get("d-1") == item
    assert deps.declarations.get("missing") is None


def test_declarations_of_one_person_coexist(deps: Any) -> None:
    """Nobody blocks anybody: a second declaration with the same code and ID number is stored."""
    create(deps.declarations, declaration())
    create(deps.declarations, declaration(did="d-2", code="AAAA3333"))
    assert deps.declarations.get("d-1") is not None and deps.declarations.get("d-2") is not None


def test_find_by_bhxh_code_lists_every_declaration_of_the_code_newest_first(deps: Any) -> None:
    create(deps.declarations, declaration())
    create(deps.declarations, declaration(form(id_number="001089099999"), did="d-2", code="AAAA3333"), NOW)
    later = replace(declaration(did="d-3", code="BBBB4444"), created_at=NOW + timedelta(minutes=1))
    create(deps.declarations, later)
    create(deps.declarations, declaration(other_person(), did="d-4", code="CCCC5555"))
    found = deps.declarations.find_by_bhxh_code("0123456789")
    assert found[0].id == "d-3"
    assert sorted(d.id for d in found) == ["d-1", "d-2", "d-3"]
    assert len(deps.declarations.find_by_bhxh_code("0123456789", limit=1)) == 1
    assert deps.declarations.find_by_bhxh_code("0000000000") == []


def test_registry_finds_people_by_id_number(deps: Any) -> None:
    assert deps.registry.find_by_id_number("001089020747") == [PARTICIPANT_AN]
    assert deps.registry.find_by_id_number("079301123456") == [PARTICIPANT_BINH]
    assert deps.registry.find_by_id_number("999999999999") == []


def _cancelled(item: Declaration, now: datetime = NOW) -> tuple[Declaration, AuditEvent]:
    after = superseded(item, by="0100000001", now=now)
    return after, AuditEvent(item.id, "cancel", item.status, CANCELLED, "0100000001", item.channel, now)


def test_cancel_stores_the_cancellation_without_ttl(deps: Any) -> None:
    item = declaration()
    create(deps.declarations, item)
    after, audit = _cancelled(item)
    deps.declarations.cancel(item, after, [audit], now=NOW)
    stored = deps.declarations.get("d-1")
    assert stored is not None
    assert (stored.status, stored.reasons, stored.expires_at, stored.decided_by) == (
        CANCELLED,
        ("superseded",),
        None,
        "0100000001",
    )
    assert list(deps.declarations.expiring_on(date(2026, 12, 4))) == []  # no reminder for it
    with pytest.raises(ConcurrentChangeError):  # cancelled once
        deps.declarations.cancel(item, after, [replace(audit, event_id="cancel-2")], now=NOW)


def test_cancel_refuses_a_changed_or_lapsed_declaration(deps: Any) -> None:
    item = declaration()
    create(deps.declarations, item)
    after, audit = _cancelled(item)
    stale = replace(item, status=RECEIVED)  # the caller read another status than the stored one
    with pytest.raises(ConcurrentChangeError):
        deps.declarations.cancel(stale, replace(after), [audit], now=NOW)
    lapsed_at = NOW + timedelta(days=10)  # its 10 days are over: the TTL handler counts it as expired
    with pytest.raises(ConcurrentChangeError):
        deps.declarations.cancel(item, superseded(item, by="o", now=lapsed_at), [audit], now=lapsed_at)
    stored = deps.declarations.get("d-1")
    assert stored is not None and stored.status == "awaiting_office"


def test_taken_counter_code_is_reported(deps: Any) -> None:
    create(deps.declarations, declaration())
    with pytest.raises(CounterCodeTakenError):
        create(deps.declarations, declaration(other_person(), did="d-2", code="K7PQ3M9X"))


def test_existing_account_wins_over_everything(deps: Any, request: pytest.FixtureRequest) -> None:
    item = declaration()
    if isinstance(deps.declarations, FakeDeclarationStore):
        deps.declarations.guards["account#bhxh#0123456789"] = object()  # type: ignore[assignment]
    else:
        from chalicelib.adapters.models import GuardModel

        GuardModel("account#bhxh#0123456789", owner="acct").save()
    with pytest.raises(AccountExistsError):
        create(deps.declarations, item)


def test_expiring_on_lists_the_day_in_vietnam(deps: Any) -> None:
    create(deps.declarations, declaration())
    create(deps.declarations, declaration(other_person(), did="d-2", code="AAAA3333"))
    day = date(2026, 12, 4)
    assert sorted(d.id for d in deps.declarations.expiring_on(day)) == ["d-1", "d-2"]
    assert list(deps.declarations.expiring_on(day + timedelta(days=1))) == []


def notice(nid: str = "n-1") -> Notification:
    return Notification(nid, "office_cancelled", "sms", "+84912345678", "hello", "declaration#d-1", NOW)


def audit_event() -> AuditEvent:
    return AuditEvent("d-1", "expired", "awaiting_office", "expired", "system", "office", NOW)


def test_record_then_replay(deps: Any) -> None:
    first = deps.outbox.record([notice(), notice("n-2")], [audit_event()])
    assert first.created and [n.id for n in first.to_enqueue] == ["n-1", "n-2"]
    assert deps.outbox.claim("n-1", NOW) is not None
    replay = deps.outbox.record([notice(), notice("n-2")], [audit_event()])
    assert not replay.created
    assert [n.id for n in replay.to_enqueue] == ["n-2"]


def test_claim_is_exclusive(deps: Any) -> None:
    deps.outbox.record([notice()], [])
    claimed = deps.outbox.claim("n-1", NOW)
    assert claimed is not None and claimed.status == "sending"
    assert deps.outbox.claim("n-1", NOW) is None
    assert deps.outbox.claim("missing", NOW) is None


def test_stale_claim_can_be_taken_again(deps: Any) -> None:
    deps.outbox.record([notice()], [])
    deps.outbox.claim("n-1", NOW)
    assert deps.outbox.claim("n-1", NOW + timedelta(minutes=1)) is None
    assert deps.outbox.claim("n-1", NOW + timedelta(minutes=3)) is not None


@pytest.mark.parametrize(
    ("finish", "status", "claimable"),
    [
        (lambda o: o.mark_sent("n-1", "mid-1", NOW, 1.5), "sent", False),
        (lambda o: o.mark_failed("n-1", permanent=True, error="bad number", now=NOW), "permanent_failure", False),
        (lambda o: o.mark_failed("n-1", permanent=False, error="throttled", now=NOW), "temporary_failure", True),
    ],
)
def test_outcomes(deps: Any, finish: Callable[[Any], None], status: str, claimable: bool) -> None:
    deps.outbox.record([notice()], [])
    deps.outbox.claim("n-1", NOW)
    finish(deps.outbox)
    stored = deps.outbox.get("n-1")
    assert stored is not None and stored.status == status
    assert (deps.outbox.claim("n-1", NOW) is not None) is claimable


def test_recorded_notice_round_trips(deps: Any) -> None:
    email = replace(notice("n-3"), channel="email", subject="Chủ đề", html="<p>x</p>", recipient="a@example.vn")
    deps.outbox.record([email], [])
    assert deps.outbox.get("n-3") == email
