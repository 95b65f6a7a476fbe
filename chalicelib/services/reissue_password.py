"""Use case: an officer issues a new temporary password (the person lost the
first one, or it lapsed after 7 days); the old one stops working at once.

Only with the person at the officer's counter: the body carries the ID
document they show, checked against the account holder's as ``receive``
checks it. Decree 164/2025/NĐ-CP makes service independent of administrative
boundaries, so any office may do it, but the officer acts at their own
office, which the audit records (who, office, when, trace id). Rate-limited
per account (1 in 10 minutes, 3 a day) and per officer (20 an hour) by
conditional writes; the person is told by the SMS and email that carry the
new password, which pass the SMS abuse limits so they always arrive."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from ..domain import templates
from ..domain.account import CITIZEN, Account, sign_in_name
from ..domain.declaration import personal_id_key
from ..domain.errors import (
    AccountNotFoundError,
    ConcurrentChangeError,
    ConflictError,
    FieldError,
    ForbiddenError,
    ReissueRateLimitedError,
    ValidationError,
)
from ..domain.identifiers import ID_DOCUMENT_TYPES, is_bhxh_code
from ..domain.notification import notices_for
from ..domain.passwords import new_temporary_password
from ..domain.rate_limits import REISSUE_PER_ACCOUNT, REISSUE_PER_OFFICER, retry_after_seconds
from ..domain.request_fields import string_fields
from .account_alerts import account_event
from .deps import Deps
from .find_account import find_account, is_personal_id
from .officer_desk import Officer

FIELDS = ("document_type", "document_number")
REISSUED = "reissued"


def parse_document(body: Any) -> tuple[str, str]:
    """The ID document shown at the counter: a known type and its number (spaces removed, upper case)."""
    values = string_fields(body, FIELDS)
    if values["document_type"] not in ID_DOCUMENT_TYPES:
        choices = {"choices": ", ".join(ID_DOCUMENT_TYPES)}
        raise ValidationError([FieldError("document_type", "invalid_choice", choices)])
    return values["document_type"], "".join(values["document_number"].split()).upper()[:32]


def holds_document(account: Account, document_type: str, number: str) -> bool:
    """The account's identity key (``domain.declaration.identity_key``) names this
    document: CCCD and 12-digit CMND share ``id#<number>``, passports are
    ``passport#<country>#<number>``."""
    if document_type == "passport":
        kind, _, rest = account.identity_key.partition("#")
        _, _, held = rest.partition("#")
        return kind == "passport" and hmac.compare_digest(held.encode(), number.encode("utf-8", "surrogatepass"))
    return hmac.compare_digest(account.identity_key.encode(), personal_id_key(number).encode("utf-8", "surrogatepass"))


def reissue_password(
    deps: Deps, username: str, body: Any, officer: Officer, now: datetime, *, trace_id: str | None = None
) -> Account:
    document_type, document_number = parse_document(body)
    office = officer.require_office()
    # The social-insurance code or the 12-digit personal ID number: the same account either way.
    account = find_account(deps, username) if is_bhxh_code(username) or is_personal_id(username) else None
    if account is None:
        raise AccountNotFoundError()
    if set(account.roles) - {CITIZEN}:
        raise ForbiddenError()  # staff passwords are reset by an administrator (ops), not at the counter
    if not holds_document(account, document_type, document_number):
        raise ValidationError([FieldError("document_number", "document_not_holder")])
    username = account.username
    wait = deps.rate_limits.take([(REISSUE_PER_ACCOUNT, username), (REISSUE_PER_OFFICER, officer.username)], now)
    if wait is not None:
        raise ReissueRateLimitedError(retry_after_seconds(wait))
    password = new_temporary_password()
    name = sign_in_name(account.username, account.identity_key, account.roles)
    notices = notices_for(
        source=f"account#{username}#reissue#{now.isoformat()}",
        kind="temporary_password",
        phone=account.phone,
        email=account.email,
        sms=templates.temporary_password_sms(name, password),
        mail=templates.temporary_password_email(account.full_name, name, password),
        now=now,
        secret=password,
    )
    audit = account_event(
        account, REISSUED, now, actor=officer.username, channel="office", office_code=office, trace_id=trace_id
    )
    try:
        updated = deps.accounts.set_password_with_notices(account, deps.hasher.hash(password), now, notices, [audit])
    except ConcurrentChangeError as error:
        raise ConflictError() from error
    deps.accounts.end_sessions(username)
    deps.outbox.enqueue(notices)
    return updated
