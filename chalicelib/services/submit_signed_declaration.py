"""Use case: an individual submits Form 01 signed with a personal digital
certificate; it is decided in the request (DESIGN §2 "Signed declarations").

* A valid signature of the declarant whose data match the BHXH registry:
  approved, the account issued, the approval SMS and email queued; the same
  person's open office or paper declarations are then cancelled.
* A valid signature with a registry mismatch, or a person who has an account
  already: rejected with reasons, rejection notices queued.
* Anything else (XML, signature, certificate, signer, form): refused with the
  problem's code. Only an audit event is stored, and nobody is notified: a
  request that proves nothing proves nothing about who owns that phone.

Approval or rejection is one transaction (declaration, account, guards,
notices, audit), so a notice goes out only for a decision that was recorded.

The same signed document sent again (same signature value, whatever else
changed around it) gets the first answer again and writes and sends nothing:
the decision's transaction stores the document's replay key with a
condition, so of any number of parallel copies exactly one is decided, and
the others read that decision.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime

from ..domain.decision import DecidedOnArrival
from ..domain.declaration import (
    APPROVED,
    AUTOMATIC,
    CHANNEL_SIGNED,
    REJECTED,
    Declaration,
    audit_event_id,
    counter_code_guard,
    declaration_event,
    new_signed_declaration,
    vn_today,
)
from ..domain.errors import (
    AccountExistsError,
    CounterCodeTakenError,
    DomainError,
    FieldError,
    ReplayedError,
    ValidationError,
)
from ..domain.form01 import Form01, parse_form01
from ..domain.identifiers import new_counter_code
from ..domain.notification import AuditEvent, Notification
from ..domain.participant import Participant
from ..domain.registry_check import registry_differences
from ..domain.signature import VerifiedSignature
from ..signatures.identity import check_form_signer
from .cancel_superseded import queue_cancellation
from .deps import Deps
from .find_account import registry_record
from .issue_account import citizen_holder, prepare_account
from .reject_declaration import rejection_notices

CODE_ATTEMPTS = 5
REFUSED = "refused"
ACTOR = "declarant"


@dataclass(frozen=True)
class SignedOutcome:
    declaration: Declaration
    differences: tuple[str, ...]  # the fields that differ from the registry (names only)
    replayed: bool = False  # the document was decided before: this is that first decision


def _first_answer(first: Declaration) -> SignedOutcome:
    """The outcome of an earlier decision, as it was answered then (its
    differences recomputed from the registry record stored with it)."""
    differences = tuple(d.field for d in registry_differences(first.form, first.registry)) if first.reasons else ()
    return SignedOutcome(first, differences, replayed=True)


def refusal_subject(body: bytes) -> str:
    """Refusals are filed under the body's SHA-256: the same bytes refused
    twice share a subject; nothing personal is in the key."""
    return f"signed-refusal#{hashlib.sha256(body).hexdigest()}"


def _verified(deps: Deps, body: bytes, now: datetime) -> tuple[Form01, VerifiedSignature]:
    verified = deps.signatures.verify(body, now)
    form = parse_form01(verified.content, today=vn_today(now))
    check_form_signer(form, verified.signer)
    if deps.offices.get(form.office_code) is None:
        raise ValidationError([FieldError("office_code", "unknown_office")])
    return form, verified


def submit_signed_declaration(deps: Deps, body: bytes, now: datetime, *, trace_id: str | None = None) -> SignedOutcome:
    try:
        form, verified = _verified(deps, body, now)
    except DomainError as error:
        deps.declarations.record_event(
            AuditEvent(
                subject=refusal_subject(body),
                event_id=audit_event_id(now, REFUSED),
                from_status=None,
                to_status=REFUSED,
                actor=ACTOR,
                channel=CHANNEL_SIGNED,
                at=now,
                trace_id=trace_id,
                reason=error.code,
            )
        )
        raise
    first = deps.declarations.decided_for(verified.replay_key)
    if first is not None:
        return _first_answer(first)
    participant = registry_record(deps, form)
    arrival = Arrival(
        form,
        participant,
        deps.new_id(),
        now,
        trace_id,
        replay_key=verified.replay_key,
        signature=verified.certificate,
    )
    try:
        return decide_on_arrival(deps, arrival)
    except ReplayedError as replayed:
        # A parallel copy of the same document was decided first; nothing of ours was written.
        earlier = deps.declarations.get(replayed.declaration_id)
        if earlier is None:
            raise RuntimeError("a replay key names a declaration that is not stored") from replayed
        return _first_answer(earlier)


def decide_on_arrival(deps: Deps, arrival: Arrival) -> SignedOutcome:
    """Approve (the account issued) when the declared data match the registry, else reject with
    reasons; one transaction each, notices queued after it (the signed and the VNeID channels)."""
    differences = tuple(d.field for d in registry_differences(arrival.form, arrival.registry))
    if not differences:
        approved = _approve(deps, arrival)
        if approved is not None:
            return SignedOutcome(approved, ())
        if not arrival.reject_when_account_exists:
            raise AccountExistsError()
        reasons: tuple[str, ...] = ("account_exists",)
    else:
        reasons = ("registry_mismatch",)
    return SignedOutcome(_reject(deps, arrival, reasons), differences)


@dataclass(frozen=True)
class Arrival:
    """A Form 01 whose declarant is proven (a valid signature, or a level-2 VNeID sign-in), about
    to be decided."""

    form: Form01
    participant: Participant | None
    declaration_id: str
    now: datetime
    trace_id: str | None
    replay_key: str  # stored with the decision, once: a replay gets the first answer
    channel: str = CHANNEL_SIGNED
    signature: dict[str, str] | None = None  # the signer's certificate (signed channel)
    with_password: bool = True  # False through VNeID: the person signs in with VNeID
    identities: tuple[str, ...] = ()  # more names for the account (``vneid#<subject>``)
    # Someone with an account already: rejected and told (signed), or ``AccountExistsError`` raised
    # for the caller to answer (VNeID: the person is identified, so told directly, nothing stored).
    reject_when_account_exists: bool = True

    @property
    def registry(self) -> dict[str, str] | None:
        return asdict(self.participant) if self.participant else None

    def declaration(self, status: str, reasons: tuple[str, ...] = ()) -> Declaration:
        return new_signed_declaration(
            self.form,
            declaration_id=self.declaration_id,
            code=new_counter_code(),
            now=self.now,
            status=status,
            reasons=reasons,
            registry=self.registry,
            signature=self.signature,
            channel=self.channel,
        )

    def audit(self, declaration: Declaration) -> AuditEvent:
        return declaration_event(
            declaration,
            declaration.status,
            actor=ACTOR,
            at=self.now,
            office_code=declaration.office_code,
            trace_id=self.trace_id,
            from_status=None,
        )


def _approve(deps: Deps, arrival: Arrival) -> Declaration | None:
    """The approved declaration, or None when the person has an account already."""
    form = arrival.form
    prepared = prepare_account(
        deps,
        citizen_holder(form, arrival.participant),
        now=arrival.now,
        source=f"declaration#{arrival.declaration_id}",
        actor=ACTOR,
        channel=arrival.channel,
        trace_id=arrival.trace_id,
        with_password=arrival.with_password,
        extra_identities=arrival.identities,
    )
    for _ in range(CODE_ATTEMPTS):
        approved = arrival.declaration(APPROVED)
        try:
            deps.declarations.record_decided(
                DecidedOnArrival(
                    declaration=approved,
                    guards=[counter_code_guard(approved.code)],
                    notices=prepared.notices,
                    audit=[arrival.audit(approved), prepared.audit],
                    account=prepared.account,
                    account_guards=prepared.guard_keys,
                    replay_key=arrival.replay_key,
                )
            )
        except CounterCodeTakenError:
            continue
        except AccountExistsError:
            return None
        deps.outbox.enqueue(prepared.notices)
        queue_cancellation(deps, approved, actor=AUTOMATIC, office_code=None, trace_id=arrival.trace_id)
        return approved
    raise RuntimeError("no free counter code after several draws")


def _reject(deps: Deps, arrival: Arrival, reasons: tuple[str, ...]) -> Declaration:
    for _ in range(CODE_ATTEMPTS):
        rejected = arrival.declaration(REJECTED, reasons)
        notices: list[Notification] = rejection_notices(deps, rejected, reasons, None, arrival.now)
        try:
            deps.declarations.record_decided(
                DecidedOnArrival(
                    declaration=rejected,
                    guards=[counter_code_guard(rejected.code)],
                    notices=notices,
                    audit=[arrival.audit(rejected)],
                    replay_key=arrival.replay_key,
                )
            )
        except CounterCodeTakenError:
            continue
        deps.outbox.enqueue(notices)
        return rejected
    raise RuntimeError("no free counter code after several draws")
