"""The office-channel use cases with in-memory fakes: no AWS, no clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain.errors import (
    DeclarationExpiredError,
    DeclarationNotFoundError,
    ValidationError,
)
from chalicelib.services.deliver_notification import deliver_notification
from chalicelib.services.get_declaration_status import get_declaration_status
from chalicelib.services.handle_declaration_expiry import handle_declaration_expiry
from chalicelib.services.ports.notices import PermanentSendError, TemporarySendError
from chalicelib.services.send_office_reminders import send_office_reminders
from chalicelib.services.submit_office_declaration import submit_office_declaration
from tests.builders import form, other_person
from tests.fakes import FakeDeps


def test_submit_stores_declaration_code_guard_and_audit(fake_deps: FakeDeps) -> None:
    result = submit_office_declaration(fake_deps, form(), fake_deps.clock())
    stored = fake_deps.declarations.get(result.declaration.id)
    assert stored is not None and stored.status == "awaiting_office"
    assert stored.expires_at == fake_deps.clock() + timedelta(days=10)
    assert set(fake_deps.declarations.guards) == {f"code#{stored.code}"}  # no per-person guard: nobody blocks
    assert [(e.from_status, e.to_status) for e in fake_deps.declarations.audit] == [(None, "awaiting_office")]
    # Only the phone the registry holds is told; the address the request gave gets the form only
    # because the request's phone is that same phone (test_counter_paperwork.py has the other case).
    fake_deps.run_queued_tasks()  # the alert to the registry's phone is worked out behind the queue
    sent = {(n.notice.kind, n.notice.recipient) for n in fake_deps.outbox.stored.values()}
    assert sent == {("declared_in_your_name", "+84912345678"), ("office_confirmation", "an.nguyen@example.vn")}


def test_submit_accepts_a_second_declaration_of_the_same_person(fake_deps: FakeDeps) -> None:
    first = submit_office_declaration(fake_deps, form(), fake_deps.clock())
    second = submit_office_declaration(fake_deps, form(), fake_deps.clock())
    assert first.declaration.id != second.declaration.id
    assert fake_deps.declarations.get(second.declaration.id) is not None


def test_submit_accepts_a_person_with_an_account(fake_deps: FakeDeps) -> None:
    fake_deps.declarations.guards["account#id#001089020747"] = object()  # type: ignore[assignment]
    result = submit_office_declaration(fake_deps, form(), fake_deps.clock())
    assert result.declaration.status == "awaiting_office"


def test_submit_redraws_a_colliding_counter_code(fake_deps: FakeDeps, monkeypatch: pytest.MonkeyPatch) -> None:
    codes = iter(["AAAA3333", "AAAA3333", "CCCC4444"])
    monkeypatch.setattr("chalicelib.services.counter_codes.new_counter_code", lambda: next(codes))
    first = submit_office_declaration(fake_deps, form(), fake_deps.clock())
    second = submit_office_declaration(fake_deps, other_person(), fake_deps.clock())
    assert (first.declaration.code, second.declaration.code) == ("AAAA3333", "CCCC4444")


def test_submit_rejects_unknown_office(fake_deps: FakeDeps) -> None:
    with pytest.raises(ValidationError) as caught:
        submit_office_declaration(fake_deps, form(office_code="BHXH-99"), fake_deps.clock())
    assert [(e.field, e.code) for e in caught.value.errors] == [("office_code", "unknown_office")]


def test_status_checks_id_number_and_expiry(fake_deps: FakeDeps) -> None:
    declaration = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    now = fake_deps.clock()
    assert get_declaration_status(fake_deps, declaration.id, "001 089 020 747", now) == declaration
    for wrong in ("001089020748", "", None):
        with pytest.raises(DeclarationNotFoundError):
            get_declaration_status(fake_deps, declaration.id, wrong, now)
    with pytest.raises(DeclarationExpiredError):
        get_declaration_status(fake_deps, declaration.id, "001089020747", now + timedelta(days=10))


def test_expiry_queues_sms_and_email_once(fake_deps: FakeDeps) -> None:
    declaration = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    queued = handle_declaration_expiry(fake_deps, declaration, fake_deps.clock())
    assert sorted(n.channel for n in queued) == ["email", "sms"]
    assert [(e.from_status, e.to_status) for e in fake_deps.outbox.audit] == [("awaiting_office", "expired")]
    for notice in queued:
        deliver_notification(fake_deps, notice.id, fake_deps.clock())
    again = handle_declaration_expiry(fake_deps, declaration, fake_deps.clock())
    assert again == []
    assert len(fake_deps.outbox.audit) == 1
    assert len(fake_deps.sender.sms) == 1


def test_expiry_of_a_received_declaration_does_nothing(fake_deps: FakeDeps) -> None:
    declaration = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    before = set(fake_deps.outbox.stored)  # the alert to the registry's phone
    assert handle_declaration_expiry(fake_deps, declaration.with_status("received"), fake_deps.clock()) == []
    assert set(fake_deps.outbox.stored) == before


def test_reminders_go_3_days_and_1_day_before(fake_deps: FakeDeps) -> None:
    submit_office_declaration(fake_deps, form(), fake_deps.clock())  # expires 2026-12-04 in Vietnam
    now = fake_deps.clock()
    assert send_office_reminders(fake_deps, date(2026, 11, 30), now).queued == 0
    three = send_office_reminders(fake_deps, date(2026, 12, 1), now)
    assert three.by_kind == {"office_reminder_3d": 2}
    assert send_office_reminders(fake_deps, date(2026, 12, 1), now).queued == 0
    one = send_office_reminders(fake_deps, date(2026, 12, 3), now)
    assert one.by_kind == {"office_reminder_1d": 2}


def test_reminders_skip_received_and_expired(fake_deps: FakeDeps) -> None:
    declaration = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    fake_deps.declarations.items[declaration.id] = declaration.with_status("received")
    assert send_office_reminders(fake_deps, date(2026, 12, 1), fake_deps.clock()).examined == 0


def test_delivery_sends_once(fake_deps: FakeDeps) -> None:
    declaration = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    sms = next(n for n in handle_declaration_expiry(fake_deps, declaration, fake_deps.clock()) if n.channel == "sms")
    assert deliver_notification(fake_deps, sms.id, fake_deps.clock()).outcome == "sent"
    assert deliver_notification(fake_deps, sms.id, fake_deps.clock()).outcome == "skipped"
    assert len(fake_deps.sender.sms) == 1


def test_temporary_failure_is_retried_then_sent(fake_deps: FakeDeps) -> None:
    declaration = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    sms = next(n for n in handle_declaration_expiry(fake_deps, declaration, fake_deps.clock()) if n.channel == "sms")
    fake_deps.sender.failures.append(TemporarySendError("Throttling"))
    with pytest.raises(TemporarySendError):
        deliver_notification(fake_deps, sms.id, fake_deps.clock())
    assert fake_deps.outbox.get(sms.id).status == "temporary_failure"  # type: ignore[union-attr]
    assert deliver_notification(fake_deps, sms.id, fake_deps.clock()).outcome == "sent"


def test_permanent_failure_is_not_retried(fake_deps: FakeDeps) -> None:
    declaration = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    sms = next(n for n in handle_declaration_expiry(fake_deps, declaration, fake_deps.clock()) if n.channel == "sms")
    fake_deps.sender.failures.append(PermanentSendError("InvalidParameter"))
    assert deliver_notification(fake_deps, sms.id, fake_deps.clock()).outcome == "permanent_failure"
    assert deliver_notification(fake_deps, sms.id, fake_deps.clock()).outcome == "skipped"
    assert fake_deps.sender.sms == []


def test_no_reminder_or_cancellation_sms_to_a_phone_the_registry_does_not_know(fake_deps: FakeDeps) -> None:
    stranger = form(phone="0987000111")  # not the phone BHXH holds for this person
    declaration = submit_office_declaration(fake_deps, stranger, fake_deps.clock()).declaration
    report = send_office_reminders(fake_deps, date(2026, 12, 1), fake_deps.clock())
    assert (report.queued, report.unverified) == (0, 1)
    assert handle_declaration_expiry(fake_deps, declaration, fake_deps.clock()) == []
    assert [(e.from_status, e.to_status) for e in fake_deps.outbox.audit] == [("awaiting_office", "expired")]
    # The registry's phone was alerted when the declaration arrived; the stranger's phone gets nothing.
    fake_deps.run_queued_tasks()
    assert {n.notice.kind for n in fake_deps.outbox.stored.values()} == {"declared_in_your_name"}
    assert {n.notice.recipient for n in fake_deps.outbox.stored.values()} == {"+84912345678"}
