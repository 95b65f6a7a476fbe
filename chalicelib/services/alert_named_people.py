"""Use case: an anonymous declaration names a person the BHXH registry knows
(by social-insurance code or by ID number); that person is told, through the
phone the registry holds (and the e-mail of their account, if they have one),
never through the phone or e-mail the declaration gave (DESIGN §2 "Nobody
blocks anybody").

The anonymous route answers the same whatever the registry holds; what the
person learns ("a declaration was submitted in your name", or "you already
have an account: sign in or recover") goes only to them.

At most one alert of each kind per person and Vietnamese day: its notice ids
are fixed by (person, day), so repeated declarations in someone's name the same
day do not spend that person's SMS allowance (5 an hour, 20 a day), which the
approval SMS with their temporary password also needs. Every declaration stays
visible to the officer's lookup.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain import templates
from ..domain.declaration import Declaration, expiry_day, vn_today
from ..domain.form01 import Form01
from ..domain.identifiers import format_counter_code
from ..domain.notification import EMAIL, FORM01_ATTACHMENT, Notification, notices_for
from ..domain.participant import Participant
from .deps import Deps

DECLARATION_ALERT = "declaration_alert"  # the task an anonymous submission queues
DECLARED_IN_YOUR_NAME = "declared_in_your_name"
DECLARED_WITH_ACCOUNT = "declared_with_account"
OFFICE_CONFIRMATION = "office_confirmation"  # the declarant's own address, Form 01 attached


def named_people(deps: Deps, form: Form01, by_code: Participant | None) -> list[Participant]:
    """The registry's people a Form 01 names: the owner of its social-insurance
    code (``by_code``, read already) and the owners of its ID number. The index
    is queried whatever the code gave, so known and unknown codes cost alike."""
    people = {p.bhxh_code: p for p in deps.registry.find_by_id_number(form.id_document.number)}
    if by_code is not None:
        people[by_code.bhxh_code] = by_code
    return [people[code] for code in sorted(people)]


def alert_notices(deps: Deps, person: Participant, declaration: Declaration, now: datetime) -> list[Notification]:
    """The alert to one person named: to the registry's phone and the account's e-mail."""
    account = deps.accounts.get(person.bhxh_code)
    email = account.email if account is not None else None
    source = f"declared#{person.bhxh_code}#{vn_today(now).isoformat()}"
    if account is not None:
        kind = DECLARED_WITH_ACCOUNT
        sms = templates.declared_with_account_sms(account.username)
        mail = templates.declared_with_account_email(person.full_name, account.username)
    else:
        code = format_counter_code(declaration.code)
        kind = DECLARED_IN_YOUR_NAME
        expires_on = expiry_day(declaration.expires_at) if declaration.expires_at else vn_today(now)
        sms = templates.declared_in_your_name_sms(code, expires_on)
        mail = templates.declared_in_your_name_email(person.full_name, code)
    found = notices_for(source=source, kind=kind, phone=person.phone, email=email, sms=sms, mail=mail, now=now)
    if account is None:
        found += confirmation_with_form(deps, person, declaration, now)
    return [notice for notice in found if notice.recipient]


def confirmation_with_form(
    deps: Deps, person: Participant, declaration: Declaration, now: datetime
) -> list[Notification]:
    """The printable Form 01, by email to the address the declaration gave, with what to do and by
    when; only when the declaration's phone is the one the registry holds for the person (the rule
    of the reminders), at most one a person and day, like the alerts: an address typed by anyone
    cannot be made to receive more."""
    form = declaration.form
    if not form.email or form.phone != person.phone or declaration.expires_at is None:
        return []
    from ..documents.form01_pdf import vn_datetime

    office = deps.offices.get(form.office_code)
    mail = templates.office_confirmation_email(
        form.full_name,
        format_counter_code(declaration.code),
        vn_datetime(declaration.expires_at),
        office.name if office else form.office_code,
        office.address if office else "",
    )
    source = f"confirmed#{person.bhxh_code}#{vn_today(now).isoformat()}"
    notice = Notification(
        f"{source}#{OFFICE_CONFIRMATION}#email",
        OFFICE_CONFIRMATION,
        EMAIL,
        form.email,
        mail.text,
        source,
        now,
        subject=mail.subject,
        html=mail.html,
        attachment=f"{FORM01_ATTACHMENT}{declaration.id}",
    )
    return [notice]


def alert_named_people(deps: Deps, people: list[Participant], declaration: Declaration, now: datetime) -> int:
    """Record and queue the alerts, one person at a time (one person's alert of
    the day recorded already must not hold back another's); returns how many
    notices were queued. A second declaration the same day records nothing new."""
    queued = 0
    for person in people:
        notices = alert_notices(deps, person, declaration, now)
        if not notices:
            continue
        recorded = deps.outbox.record(notices, [])
        deps.outbox.enqueue(recorded.to_enqueue)
        queued += len(recorded.to_enqueue) if recorded.created else 0
    return queued


def handle_declaration_alert(deps: Deps, task: dict[str, Any], now: datetime) -> bool:
    """Worker side of an anonymous submission: tell the people the registry
    links to the declaration's code or ID number. True when anyone was alerted."""
    declaration = deps.declarations.get(str(task.get("declaration_id", ""))[:64])
    if declaration is None:
        return False  # gone (expired long ago): nobody to tell about it
    form = declaration.form
    named = named_people(deps, form, deps.registry.get(form.bhxh_code))
    return alert_named_people(deps, named, declaration, now) > 0
