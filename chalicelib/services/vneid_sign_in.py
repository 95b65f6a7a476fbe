"""Use cases: register, and sign in, with a VNeID e-ID account (Decree 164/2025/NĐ-CP: social-
insurance e-transactions through electronic identification accounts; Decree 69/2024/NĐ-CP: a
level-2 account was issued in person against the chip CCCD).

``start_vneid`` keeps the sign-in's nonce, PKCE verifier and purpose under a hash of its
``state`` (10 minutes, single use) and answers the provider's URL. ``complete_vneid`` takes that
state back (one DeleteItem: a second callback with it finds nothing), exchanges the code, checks
the ID token (signature, issuer, audience, times, nonce, level 2), then:

* ``register``: the person the token names (the personal ID number) is looked up in the BHXH
  registry. Not there: rejected (nothing stored, nobody to notify). There, with an account
  already: told so, and the VNeID subject is linked to that account (no duplicate). There, and the
  token's name, birth date and gender match the registry: approved in the request — the account
  issued without any password (nothing to change at first sign-in, no 6-month rule), linked to
  the VNeID subject, the approval notices queued — or rejected with the differences, notified to
  the registry's phone. The decision is the signed channel's (``decide_on_arrival``): one
  transaction, one account per person across every channel.
* ``sign_in``: the account linked to that VNeID subject (or, once, the one of that personal ID
  number, which is then linked) gets a normal session.

Every refusal has its own problem code; nothing but the consumed state is written for one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..domain.declaration import CHANNEL_VNEID, Declaration
from ..domain.errors import (
    AccountExistsError,
    FieldError,
    ValidationError,
    VneidNoAccountError,
    VneidStateInvalidError,
)
from ..domain.form01 import Form01, IdDocument
from ..domain.participant import Participant
from ..domain.request_fields import string_fields
from ..domain.vneid import PURPOSE_REGISTER, PURPOSE_SIGN_IN, PURPOSES, Identity
from .deps import Deps
from .find_account import username_by_personal_id
from .sign_in import SignedIn, open_session
from .submit_signed_declaration import Arrival, decide_on_arrival

STATE_LIFETIME = timedelta(minutes=10)
MAX_FIELD = 2048


@dataclass(frozen=True)
class VneidStarted:
    authorization_url: str
    expires_at: datetime


@dataclass(frozen=True)
class VneidRegistration:
    """``approved``, ``rejected`` (with ``reasons`` and the fields that differ) or
    ``already_registered`` (``username`` of the account the person has)."""

    status: str
    declaration: Declaration | None = None
    reasons: tuple[str, ...] = ()
    differences: tuple[str, ...] = ()
    username: str | None = None


def state_key(state: str) -> str:
    """Only a hash of the state is stored: the state itself travels in the browser."""
    return hashlib.sha256(state.encode("utf-8", "surrogatepass")).hexdigest()


def identity_of_subject(subject: str) -> str:
    return f"vneid#{hashlib.sha256(subject.encode('utf-8', 'surrogatepass')).hexdigest()}"


def start_vneid(deps: Deps, body: Any, now: datetime) -> VneidStarted:
    values = body if isinstance(body, dict) else None
    if values is None:
        raise ValidationError([FieldError("", "invalid_type", {"expected": "object"})])
    errors = [FieldError(str(k)[:64], "unknown_field") for k in values if k not in ("purpose", "office_code")]
    purpose, office_code = values.get("purpose"), values.get("office_code")
    if purpose not in PURPOSES:
        errors.append(FieldError("purpose", "invalid_choice", {"choices": ", ".join(PURPOSES)}))
    if purpose == PURPOSE_REGISTER:
        if office_code is not None and not isinstance(office_code, str):
            errors.append(FieldError("office_code", "invalid_type", {"expected": "string"}))
        elif not isinstance(office_code, str) or not office_code.strip():
            errors.append(FieldError("office_code", "required"))
        elif len(office_code) > 20 or deps.offices.get(office_code.strip()) is None:
            errors.append(FieldError("office_code", "unknown_office"))
    elif office_code is not None:
        errors.append(FieldError("office_code", "unknown_field"))
    if errors:
        raise ValidationError(errors)
    started = deps.vneid.start()
    payload = {"nonce": started.nonce, "verifier": started.verifier, "purpose": str(purpose)}
    if purpose == PURPOSE_REGISTER:
        payload["office_code"] = str(office_code).strip()
    expires_at = now + STATE_LIFETIME
    deps.accounts.save_login_state(state_key(started.state), payload, expires_at)
    return VneidStarted(started.url, expires_at)


def parse_callback(body: Any) -> tuple[str, str]:
    values = string_fields(body, ("code", "state"))
    for name, value in values.items():
        if not value.strip() or len(value) > MAX_FIELD:
            raise ValidationError([FieldError(name, "invalid")])
    return values["code"], values["state"]


def complete_vneid(
    deps: Deps, body: Any, now: datetime, *, trace_id: str | None = None
) -> VneidRegistration | SignedIn:
    code, state = parse_callback(body)
    saved = deps.accounts.take_login_state(state_key(state), now)
    if saved is None:
        raise VneidStateInvalidError()
    identity = deps.vneid.identity(deps.vneid.exchange(code, saved["verifier"]), saved["nonce"])
    if saved["purpose"] == PURPOSE_SIGN_IN:
        return sign_in_with_vneid(deps, identity, now)
    return register_with_vneid(deps, identity, saved["office_code"], saved["nonce"], now, trace_id=trace_id)


def sign_in_with_vneid(deps: Deps, identity: Identity, now: datetime) -> SignedIn:
    username = deps.accounts.username_by_identity(identity_of_subject(identity.subject))
    if username is None:
        # First VNeID sign-in of an account registered another way: the personal ID number names it.
        username = username_by_personal_id(deps, identity.personal_id)
        if username is None or not deps.accounts.link_identity(username, identity_of_subject(identity.subject)):
            raise VneidNoAccountError()
    account = deps.accounts.get(username)
    if account is None:
        raise VneidNoAccountError()
    return open_session(deps, account, now)


def register_with_vneid(
    deps: Deps, identity: Identity, office_code: str, nonce: str, now: datetime, *, trace_id: str | None = None
) -> VneidRegistration:
    people = deps.registry.find_by_id_number(identity.personal_id)
    if len(people) != 1:  # unknown to the registry (or not one person): nothing to decide on, nobody to tell
        # As the signed channel says of a person the registry lacks: a mismatch on the code.
        return VneidRegistration("rejected", reasons=("registry_mismatch",), differences=("bhxh_code",))
    participant = people[0]
    subject = identity_of_subject(identity.subject)
    arrival = Arrival(
        form=_form(identity, participant, office_code, now),
        participant=participant,
        declaration_id=deps.new_id(),
        now=now,
        trace_id=trace_id,
        replay_key=f"vneid#{state_key(nonce)}",
        channel=CHANNEL_VNEID,
        with_password=False,
        identities=(subject,),
        reject_when_account_exists=False,
    )
    try:
        outcome = decide_on_arrival(deps, arrival)
    except AccountExistsError:
        # The decision's transaction found the person's account (its guards): no second one. The
        # person VNeID just identified is told which, and may sign in with VNeID from now on.
        existing = username_by_personal_id(deps, identity.personal_id)
        if existing is None:  # the account is held under the code: the registry names it
            existing = participant.bhxh_code
        deps.accounts.link_identity(existing, subject)
        return VneidRegistration("already_registered", username=existing)
    declaration = outcome.declaration
    return VneidRegistration(declaration.status, declaration, declaration.reasons, outcome.differences)


def _form(identity: Identity, participant: Participant, office_code: str, now: datetime) -> Form01:
    """Form 01 as VNeID asserts it (name, birth date, gender, personal ID number), with what only
    the registry holds (the social-insurance code, the phone) and the office the person chose."""
    return Form01(
        full_name=identity.full_name,
        date_of_birth=identity.birthdate or "",
        gender=identity.gender or "",
        nationality="VN",
        bhxh_code=participant.bhxh_code,
        id_document=IdDocument(type="cccd", number=identity.personal_id, issued_on="", issued_by="VNeID"),
        phone=participant.phone,
        email=None,
        address="",
        office_code=office_code,
        unit_code=None,
    )
