"""The signed-channel use case against the in-memory fakes."""

from __future__ import annotations

import pytest

from chalicelib.domain.declaration import Declaration
from chalicelib.domain.errors import CertificateExpiredError, SignerMismatchError, ValidationError
from chalicelib.domain.participant import Participant
from chalicelib.domain.rejection_reasons import AUTOMATIC_REASONS, REASONS
from chalicelib.domain.templates import rejection_sms
from chalicelib.services.submit_signed_declaration import refusal_subject, submit_signed_declaration
from chalicelib.signatures.verifier import SignedFormVerifier
from tests.builders import form
from tests.fakes import FakeClock, FakeDeps
from tests.pki import SigningPki, signing_pki

AN = Participant("0123456789", "Nguyễn Văn An", "1989-05-02", "male", "001089020747", "+84912345678", "01")


@pytest.fixture
def pki() -> SigningPki:
    return signing_pki()


@pytest.fixture
def deps(fake_deps: FakeDeps, pki: SigningPki) -> FakeDeps:
    fake_deps.signatures = SignedFormVerifier(str(pki.trust_store))
    fake_deps.registry.put_many([AN])
    return fake_deps


def test_approval_writes_declaration_account_and_notices_together(deps: FakeDeps, pki: SigningPki) -> None:
    outcome = submit_signed_declaration(deps, pki.sign(), deps.clock(), trace_id="t-1")

    declaration = outcome.declaration
    assert (declaration.status, declaration.channel, declaration.decided_by) == ("approved", "signed", "system")
    assert deps.declarations.get(declaration.id) == declaration
    assert declaration.signature is not None and len(declaration.signature["sha256"]) == 64
    assert "0123456789" in deps.accounts.accounts
    kinds = sorted((s.notice.kind, s.notice.channel) for s in deps.outbox.stored.values())
    assert kinds == [("account_approved", "email"), ("account_approved", "sms")]
    assert len(deps.outbox.queue) == 2
    events = [(e.subject, e.to_status, e.actor) for e in deps.declarations.audit]
    assert (declaration.id, "approved", "declarant") in events
    assert ("account#0123456789", "active", "declarant") in events


def test_registry_mismatch_rejects_with_notices_and_no_account(deps: FakeDeps, pki: SigningPki) -> None:
    deps.registry.put_many([Participant(**{**AN.__dict__, "gender": "female"})])

    outcome = submit_signed_declaration(deps, pki.sign(), deps.clock())

    assert (outcome.declaration.status, outcome.declaration.reasons, outcome.differences) == (
        "rejected",
        ("registry_mismatch",),
        ("gender",),
    )
    assert deps.accounts.accounts == {}
    assert sorted(s.notice.kind for s in deps.outbox.stored.values()) == ["declaration_rejected"] * 2


def test_existing_account_rejects_with_its_own_reason(deps: FakeDeps, pki: SigningPki) -> None:
    submit_signed_declaration(deps, pki.sign(), deps.clock())
    # Another document (a new address), signed anew: not a replay of the first.
    outcome = submit_signed_declaration(deps, pki.sign(form(address="2 Phố Huế, Hà Nội")), deps.clock())
    assert (outcome.declaration.status, outcome.declaration.reasons) == ("rejected", ("account_exists",))
    assert len(deps.declarations.items) == 2


@pytest.mark.parametrize(
    ("document", "error"),
    [
        (lambda p: p.sign(name="expired"), CertificateExpiredError),
        (lambda p: p.sign(name="other_person"), SignerMismatchError),
        (lambda p: p.sign(form(full_name="An 2")), ValidationError),
    ],
    ids=["expired", "signer", "form"],
)
def test_a_refusal_stores_only_its_audit_event(deps: FakeDeps, pki: SigningPki, document: object, error: type) -> None:
    body = document(pki)  # type: ignore[operator]
    with pytest.raises(error) as refused:
        submit_signed_declaration(deps, body, deps.clock(), trace_id="t-2")
    assert deps.declarations.items == {}
    assert deps.accounts.accounts == {}
    assert deps.outbox.stored == {}
    assert [(e.subject, e.to_status, e.reason, e.trace_id) for e in deps.declarations.audit] == [
        (refusal_subject(body), "refused", getattr(refused.value, "code", None), "t-2")
    ]


def test_the_default_fake_verifier_trusts_nobody(fake_deps: FakeDeps, pki: SigningPki) -> None:
    from chalicelib.domain.errors import CertificateUntrustedError

    with pytest.raises(CertificateUntrustedError):
        submit_signed_declaration(fake_deps, pki.sign(), fake_deps.clock())


@pytest.mark.parametrize("code", sorted(AUTOMATIC_REASONS))
def test_automatic_reasons_fit_the_sms_and_never_clash_with_the_officers(code: str) -> None:
    assert code not in REASONS
    text = rejection_sms("K7PQ-3M9X", AUTOMATIC_REASONS[code].sms, 0).text
    assert len(text) <= 160 and text.isascii()


# --- replays (issue 17, finding 4) ----------------------------------------------------------


def _stored(deps: FakeDeps) -> tuple[int, int, int, int]:
    return len(deps.declarations.items), len(deps.accounts.accounts), len(deps.outbox.stored), len(deps.outbox.queue)


@pytest.mark.parametrize("registry_gender", ["male", "female"], ids=["approved", "rejected"])
def test_a_replay_gives_the_first_answer_and_writes_and_sends_nothing(
    deps: FakeDeps, pki: SigningPki, registry_gender: str
) -> None:
    deps.registry.put_many([Participant(**{**AN.__dict__, "gender": registry_gender})])
    body = pki.sign()
    first = submit_signed_declaration(deps, body, deps.clock())
    stored, audit = _stored(deps), list(deps.declarations.audit)
    clock = deps.clock
    assert isinstance(clock, FakeClock)
    clock.advance(minutes=5)

    # The same signature value, whatever changed around it (line breaks in the base64 text).
    reformatted = body.replace(b"</ds:SignatureValue>", b"\n</ds:SignatureValue>", 1)
    assert reformatted != body
    for again in (body, reformatted):
        replay = submit_signed_declaration(deps, again, deps.clock())
        assert replay.declaration == first.declaration
        assert replay.differences == first.differences
        assert replay.replayed and not first.replayed
    assert _stored(deps) == stored
    assert deps.declarations.audit == audit


def test_a_replay_is_recognised_after_the_registry_changed(deps: FakeDeps, pki: SigningPki) -> None:
    deps.registry.put_many([Participant(**{**AN.__dict__, "gender": "female"})])
    body = pki.sign()
    first = submit_signed_declaration(deps, body, deps.clock())
    deps.registry.put_many([AN])  # fixed since: the first answer still stands for that document
    replay = submit_signed_declaration(deps, body, deps.clock())
    assert (replay.declaration, replay.differences) == (first.declaration, ("gender",))
    assert deps.accounts.accounts == {}


def test_a_replay_that_loses_the_race_reads_the_winners_decision(deps: FakeDeps, pki: SigningPki) -> None:
    """Both copies pass the first look; the store's conditional write picks one."""
    body = pki.sign()
    store = deps.declarations
    real_decided_for = store.decided_for
    looks: list[str] = []

    def not_yet(replay_key: str) -> Declaration | None:
        looks.append(replay_key)
        if len(looks) == 1:  # the first copy's look, before anything was decided
            submit_signed_declaration(deps, body, deps.clock())  # the parallel copy wins meanwhile
            return None
        return real_decided_for(replay_key)

    store.decided_for = not_yet  # type: ignore[method-assign]  # the first look, made to miss
    outcome = submit_signed_declaration(deps, body, deps.clock())
    assert outcome.replayed and outcome.declaration.status == "approved"
    assert len(store.items) == 1 and len(deps.accounts.accounts) == 1
    assert sorted(s.notice.channel for s in deps.outbox.stored.values()) == ["email", "sms"]
