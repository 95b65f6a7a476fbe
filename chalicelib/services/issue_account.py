"""Use case: issue and activate the one account of a person (every approval
calls this), or a staff account (``ops create-officer``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain import templates
from ..domain.account import CITIZEN, Account, AccountHolder, sign_in_name
from ..domain.declaration import audit_event_id, identity_key
from ..domain.form01 import Form01
from ..domain.notification import AuditEvent, Notification, notices_for
from ..domain.participant import Participant
from ..domain.passwords import new_temporary_password
from .deps import Deps

ACTIVE = "active"


@dataclass(frozen=True)
class Issued:
    account: Account
    temporary_password: str
    notices: list[Notification]


def citizen_holder(form: Form01, participant: Participant | None) -> AccountHolder:
    """The declarant of an approved Form 01 (province from the BHXH registry). The username is the
    social-insurance code: the registry's, when the form gave the personal ID number in its place."""
    from .find_account import is_personal_id

    code = participant.bhxh_code if participant is not None and is_personal_id(form.bhxh_code) else form.bhxh_code
    return AccountHolder(
        username=code,
        full_name=form.full_name,
        phone=form.phone,
        email=form.email,
        identity_key=identity_key(form),
        province_code=participant.province_code if participant else None,
        roles=(CITIZEN,),
    )


def account_guards(holder: AccountHolder) -> list[str]:
    """One account per person: by social-insurance code and by ID document."""
    return [f"account#bhxh#{holder.username}", f"account#{holder.identity_key}"]


@dataclass(frozen=True)
class PreparedAccount:
    """An account ready to be written, with what goes in the same transaction."""

    account: Account
    temporary_password: str
    guard_keys: list[str]
    notices: list[Notification]
    audit: AuditEvent


def prepare_account(
    deps: Deps,
    holder: AccountHolder,
    *,
    now: datetime,
    source: str,
    actor: str,
    channel: str,
    notify: bool = True,
    trace_id: str | None = None,
    with_password: bool = True,
    extra_identities: tuple[str, ...] = (),
) -> PreparedAccount:
    """Build (not write) the account: temporary password, its hash, the
    approval notices carrying the password, and the audit event.

    ``with_password=False`` (registered through VNeID): no password at all, so nothing to change at
    first sign-in and no 6-month rule; the notices say to sign in with VNeID. ``extra_identities``
    (``vneid#<subject>``) are guarded with the account, each naming it."""
    password = new_temporary_password() if with_password else ""
    account = Account(
        username=holder.username,
        full_name=holder.full_name,
        phone=holder.phone,
        email=holder.email,
        identity_key=holder.identity_key,
        roles=holder.roles,
        password_hash=deps.hasher.hash(password) if with_password else "",
        password_set_at=now,
        temporary=with_password,
        created_at=now,
        office_code=holder.office_code,
        province_code=holder.province_code,
        channel=channel,
    )
    notices: list[Notification] = []
    if notify:
        name = sign_in_name(holder.username, holder.identity_key, holder.roles)
        if with_password:
            sms = templates.account_approved_sms(name, password)
            mail = templates.account_approved_email(holder.full_name, name, password)
        else:  # registered through VNeID: the notices say to sign in with it
            sms = templates.account_approved_vneid_sms(name)
            mail = templates.account_approved_vneid_email(holder.full_name, name)
        notices = notices_for(
            source=source,
            kind="account_approved",
            phone=holder.phone,
            email=holder.email,
            sms=sms,
            mail=mail,
            now=now,
            secret=password or None,
        )
    audit = AuditEvent(
        subject=f"account#{holder.username}",
        event_id=audit_event_id(now, ACTIVE),
        from_status=None,
        to_status=ACTIVE,
        actor=actor,
        channel=channel,
        at=now,
        office_code=holder.office_code,
        trace_id=trace_id,
    )
    guards = account_guards(holder) + [f"account#{identity}" for identity in extra_identities]
    return PreparedAccount(account, password, guards, notices, audit)


def issue_account(
    deps: Deps,
    holder: AccountHolder,
    *,
    now: datetime,
    source: str,
    actor: str,
    channel: str,
    notify: bool = True,
    trace_id: str | None = None,
) -> Issued:
    """One ``TransactWriteItems``: the account, its guards, its approval notices
    and an audit event. ``AccountExistsError`` when the person has one already."""
    prepared = prepare_account(
        deps, holder, now=now, source=source, actor=actor, channel=channel, notify=notify, trace_id=trace_id
    )
    deps.accounts.create(prepared.account, prepared.guard_keys, prepared.notices, [prepared.audit])
    deps.outbox.enqueue(prepared.notices)
    return Issued(prepared.account, prepared.temporary_password, prepared.notices)
