"""Use cases: a person who forgot the password gets a one-time code by SMS
on the registered phone, then sets a new password with it.

The request always answers the same (202), whether or not the username and
phone match, so it cannot be used to learn who has an account."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from typing import Any

from ..domain import templates
from ..domain.account import RECOVERY_MAX_TRIES, recovery_code_hash
from ..domain.errors import FieldError, RecoveryCodeInvalidError, ValidationError
from ..domain.notification import notices_for
from ..domain.request_fields import string_fields
from .change_password import set_new_password
from .deps import Deps

MAX_TEXT = 64


def _same_phone(registered: str, given: str) -> bool:
    import phonenumbers

    try:
        parsed = phonenumbers.parse(given[:20], "VN")
    except phonenumbers.NumberParseException:
        return False
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return hmac.compare_digest(e164.encode(), registered.encode())


def request_recovery(deps: Deps, body: Any, now: datetime) -> None:
    values = string_fields(body, ("username", "phone"))
    username = values["username"].strip()[:MAX_TEXT]
    account = deps.accounts.get(username) if username else None
    if account is None or not _same_phone(account.phone, values["phone"]):
        return
    code = f"{secrets.randbelow(10**6):06d}"
    if not deps.accounts.start_recovery(account, recovery_code_hash(account.username, code), now):
        return  # three codes in the last hour already: say nothing more
    notices = notices_for(
        source=f"account#{account.username}#recovery#{now.isoformat()}",
        kind="recovery_code",
        phone=account.phone,
        email=None,
        sms=templates.recovery_code_sms(code),
        mail=None,
        now=now,
        secret=code,
    )
    recorded = deps.outbox.record(notices, [])
    deps.outbox.enqueue(recorded.to_enqueue)


def confirm_recovery(deps: Deps, body: Any, now: datetime) -> None:
    values = string_fields(body, ("username", "code", "new_password"))
    username = values["username"].strip()[:MAX_TEXT]
    if not username:  # never a key to look up (DynamoDB refuses an empty one)
        raise ValidationError([FieldError("username", "required")])
    account = deps.accounts.get(username)
    recovery = account.recovery if account is not None else None
    if account is None or recovery is None or recovery.expires_at <= now or recovery.tries >= RECOVERY_MAX_TRIES:
        raise RecoveryCodeInvalidError()
    # Each try is counted (conditionally, below the limit) before the code is
    # compared, so parallel guesses cannot exceed the 5 tries.
    if not deps.accounts.record_recovery_try(account):
        raise RecoveryCodeInvalidError()
    given = recovery_code_hash(account.username, values["code"].strip()[:MAX_TEXT])
    if not hmac.compare_digest(given, recovery.code_hash):
        raise RecoveryCodeInvalidError()
    set_new_password(deps, account, values["new_password"], now)
    deps.accounts.end_sessions(account.username)
