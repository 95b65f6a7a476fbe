"""Issue 17, findings 1, 3 and 11 with the in-memory fakes: an anonymous
declaration in someone's name blocks nobody, is visible to the officer from the
real ID number, is cancelled by the real person's approval (at the counter or
signed), and alerts the person through the registry's phone only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.errors import DeclarationCancelledError
from chalicelib.services.alert_named_people import DECLARED_IN_YOUR_NAME, DECLARED_WITH_ACCOUNT
from chalicelib.services.approve_declaration import approve_declaration
from chalicelib.services.cancel_superseded import cancel_superseded
from chalicelib.services.lookup_declarations import lookup_declarations
from chalicelib.services.officer_desk import Officer
from chalicelib.services.receive_declaration import receive_declaration
from chalicelib.services.submit_office_declaration import submit_office_declaration
from chalicelib.services.submit_paper_declaration import submit_paper_declaration
from chalicelib.services.submit_signed_declaration import submit_signed_declaration
from chalicelib.signatures.verifier import SignedFormVerifier
from tests.accounts import issue
from tests.builders import PARTICIPANT_AN, form, other_person
from tests.fakes import FakeClock, FakeDeps
from tests.id_copies import attach_copy
from tests.pki import signing_pki

OFFICER = Officer("0100000001", ("officer",), "BHXH-01", "01")
REAL_ID = "001089020747"  # the registry's ID number of PARTICIPANT_AN (code 0123456789)
REGISTRY_PHONE = PARTICIPANT_AN.phone
RECEIPT = {"document_type": "cccd", "document_number": REAL_ID}


def imposter(**changes: str) -> dict[str, object]:
    """The victim's social-insurance code with everything else invented (finding 1)."""
    invented = {
        "full_name": "Trần Văn Giả",
        "date_of_birth": "1990-01-01",
        "id_number": "001090123456",
        "phone": "0987000111",
        "email": "gia@example.vn",
    }
    return form(**{**invented, **changes})


def statuses(deps: FakeDeps) -> dict[str, str]:
    return {d.id: d.status for d in deps.declarations.items.values()}


def test_an_anonymous_declaration_in_someones_name_blocks_no_channel(fake_deps: FakeDeps) -> None:
    blocker = submit_office_declaration(fake_deps, imposter(), fake_deps.clock()).declaration
    real = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    paper = submit_paper_declaration(fake_deps, form(), OFFICER, fake_deps.clock())
    assert len({blocker.id, real.id, paper.id}) == 3
    assert set(statuses(fake_deps).values()) == {"awaiting_office", "received"}


def test_the_same_with_the_victims_id_number_birth_date_and_gender(fake_deps: FakeDeps) -> None:
    submit_office_declaration(fake_deps, form(bhxh_code="0999999999", phone="0987000111"), fake_deps.clock())
    assert submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration.status == "awaiting_office"


def test_the_officer_finds_the_blocking_entry_by_the_real_id_number(fake_deps: FakeDeps) -> None:
    blocker = submit_office_declaration(fake_deps, imposter(), fake_deps.clock()).declaration
    by_id = submit_office_declaration(fake_deps, form(bhxh_code="0999999999"), fake_deps.clock()).declaration
    officer = Officer("0100000001", ("officer",), "BHXH-01", "01")
    found = lookup_declarations(fake_deps, {"id_number": REAL_ID}, officer, fake_deps.clock())
    # The one with the person's code (via the registry) and the one with their ID number.
    assert {item["id"] for item in found} == {blocker.id, by_id.id}


def test_approving_the_real_declaration_cancels_every_other_of_the_person(fake_deps: FakeDeps) -> None:
    now = fake_deps.clock()
    by_code = submit_office_declaration(fake_deps, imposter(), now).declaration
    by_id = submit_office_declaration(fake_deps, form(bhxh_code="0999999999"), now).declaration
    stranger = submit_office_declaration(fake_deps, other_person(), now)
    real = submit_office_declaration(fake_deps, form(), now).declaration
    receive_declaration(fake_deps, real.id, RECEIPT, OFFICER, now)
    attach_copy(fake_deps, real.id, OFFICER)
    approve_declaration(fake_deps, real.id, OFFICER, now, trace_id="t-1")
    fake_deps.run_queued_tasks()  # the notice worker cancels the others

    assert statuses(fake_deps) == {
        by_code.id: "cancelled",
        by_id.id: "cancelled",
        stranger.declaration.id: "awaiting_office",  # another person's: untouched
        real.id: "approved",
    }
    cancelled = fake_deps.declarations.get(by_code.id)
    assert cancelled is not None
    assert (cancelled.reasons, cancelled.decided_by, cancelled.expires_at) == (("superseded",), "0100000001", None)
    events = [
        (e.from_status, e.to_status, e.actor, e.reason, e.trace_id) for e in fake_deps.declarations.history(by_code.id)
    ]
    assert events[-1] == ("awaiting_office", "cancelled", "0100000001", "superseded", "t-1")
    day = now.date()
    assert fake_deps.stats.read(day, day)[day]["decl#office#cancelled"] == 2
    with pytest.raises(DeclarationCancelledError):
        receive_declaration(fake_deps, by_code.id, {**RECEIPT, "document_number": "001090123456"}, OFFICER, now)


def test_a_received_paper_dossier_of_the_person_is_cancelled_too(fake_deps: FakeDeps) -> None:
    now = fake_deps.clock()
    paper = submit_paper_declaration(fake_deps, form(), OFFICER, now)
    real = submit_office_declaration(fake_deps, form(), now).declaration
    receive_declaration(fake_deps, real.id, RECEIPT, OFFICER, now)
    attach_copy(fake_deps, real.id, OFFICER)
    approve_declaration(fake_deps, real.id, OFFICER, now)
    fake_deps.run_queued_tasks()  # the notice worker cancels the others
    assert statuses(fake_deps)[paper.id] == "cancelled"
    assert fake_deps.declarations.awaiting_decision("BHXH-01", now.date() + timedelta(days=30)) == []


def test_a_lapsed_declaration_is_left_to_expire_not_cancelled(fake_deps: FakeDeps) -> None:
    assert isinstance(fake_deps.clock, FakeClock)
    old = submit_office_declaration(fake_deps, imposter(), fake_deps.clock()).declaration
    fake_deps.clock.advance(days=11)
    real = submit_paper_declaration(fake_deps, form(), OFFICER, fake_deps.clock())
    attach_copy(fake_deps, real.id, OFFICER)
    approve_declaration(fake_deps, real.id, OFFICER, fake_deps.clock())
    assert statuses(fake_deps)[old.id] == "awaiting_office"  # the TTL handler counts it as expired


def test_cancelling_again_is_harmless(fake_deps: FakeDeps) -> None:
    now = fake_deps.clock()
    submit_office_declaration(fake_deps, imposter(), now)
    real = submit_paper_declaration(fake_deps, form(), OFFICER, now)
    attach_copy(fake_deps, real.id, OFFICER)
    approve_declaration(fake_deps, real.id, OFFICER, now)
    fake_deps.run_queued_tasks()  # the notice worker cancels the others
    approved = fake_deps.declarations.get(real.id)
    assert approved is not None
    assert cancel_superseded(fake_deps, approved, actor="0100000001", office_code="BHXH-01", now=now) == []


def test_a_signed_approval_cancels_the_persons_open_office_declaration(fake_deps: FakeDeps) -> None:
    """Finding 11: after a signed approval the office declaration no longer stays awaiting_office."""
    pki = signing_pki()
    fake_deps.signatures = SignedFormVerifier(str(pki.trust_store))
    office = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    blocker = submit_office_declaration(fake_deps, imposter(), fake_deps.clock()).declaration
    signed = submit_signed_declaration(fake_deps, pki.sign(), fake_deps.clock()).declaration
    fake_deps.run_queued_tasks()  # the notice worker cancels the others
    assert signed.status == "approved"
    assert (statuses(fake_deps)[office.id], statuses(fake_deps)[blocker.id]) == ("cancelled", "cancelled")
    assert {e.actor for e in fake_deps.declarations.history(office.id) if e.to_status == "cancelled"} == {"system"}


# --- the real person is told, through the registry's phone only --------------------------


def alerts(deps: FakeDeps) -> list[tuple[str, str, str]]:
    """The alerts recorded once the notice worker has run the queued alert tasks."""
    deps.run_queued_tasks()
    return sorted(
        (s.notice.kind, s.notice.channel, s.notice.recipient)
        for s in deps.outbox.stored.values()
        if s.notice.kind in (DECLARED_IN_YOUR_NAME, DECLARED_WITH_ACCOUNT)
    )


def test_the_registry_phone_is_told_never_the_submitted_one(fake_deps: FakeDeps) -> None:
    created = submit_office_declaration(fake_deps, imposter(), fake_deps.clock()).declaration
    assert alerts(fake_deps) == [(DECLARED_IN_YOUR_NAME, "sms", REGISTRY_PHONE)]  # no account: no trusted e-mail
    sms = next(s.notice for s in fake_deps.outbox.stored.values())
    assert created.code[:4] in sms.text and "19009068" in sms.text and len(sms.text) <= 160
    assert fake_deps.outbox.queue == [sms.id]


def test_an_id_number_the_registry_knows_alerts_its_owner(fake_deps: FakeDeps) -> None:
    submit_office_declaration(fake_deps, form(bhxh_code="0999999999", phone="0987000111"), fake_deps.clock())
    assert alerts(fake_deps) == [(DECLARED_IN_YOUR_NAME, "sms", REGISTRY_PHONE)]


def test_an_unknown_person_alerts_nobody(fake_deps: FakeDeps) -> None:
    submit_office_declaration(fake_deps, imposter(bhxh_code="0999999999"), fake_deps.clock())
    assert fake_deps.run_queued_tasks() == 1
    assert fake_deps.outbox.stored == {}


def test_an_account_holder_is_told_to_sign_in_or_recover(fake_deps: FakeDeps) -> None:
    issue(fake_deps, "0123456789", email="an.that@example.vn")
    fake_deps.outbox.stored.clear()
    result = submit_office_declaration(fake_deps, imposter(), fake_deps.clock())
    assert result.declaration.status == "awaiting_office"  # answered like anyone
    assert alerts(fake_deps) == [
        (DECLARED_WITH_ACCOUNT, "email", "an.that@example.vn"),  # the account's address, not the submitted one
        (DECLARED_WITH_ACCOUNT, "sms", REGISTRY_PHONE),
    ]


def test_one_alert_a_day_whatever_the_number_of_declarations(fake_deps: FakeDeps) -> None:
    assert isinstance(fake_deps.clock, FakeClock)
    for _ in range(5):
        submit_office_declaration(fake_deps, imposter(), fake_deps.clock())
    # One notice recorded; a re-queued message of a notice no worker took yet sends nothing twice.
    assert len(alerts(fake_deps)) == 1 and len(set(fake_deps.outbox.queue)) == 1
    fake_deps.clock.advance(days=1)
    submit_office_declaration(fake_deps, imposter(), fake_deps.clock())
    assert len(alerts(fake_deps)) == 2
