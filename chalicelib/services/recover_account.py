"""Use cases: a person who forgot the password gets a one-time code by SMS
on the registered phone, then sets a new password with it.

The request always answers the same (202), in the same time, whether or not
the username and phone match, so it cannot be used to learn who has an
account: it only queues the request, and the notice worker does the rest."""

from __future__ import annotations

import hashlib
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
from .find_account import find_account

MAX_TEXT = 64


RECOVERY_REQUESTED = "recovery_requested"


def phone_digest(username: str, phone_e164: str) -> str:
    """What the queued request carries instead of the phone number itself."""
    # Any text a request carried, lone surrogates included: it only has to digest, never to match.
    return hashlib.sha256(f"{username}\n{phone_e164}".encode("utf-8", "surrogatepass")).hexdigest()


def _e164(given: str) -> str:
    import phonenumbers

    try:
        parsed = phonenumbers.parse(given[:20], "VN")
    except phonenumbers.NumberParseException:
        return given[:20]
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def request_recovery(deps: Deps, body: Any, now: datetime) -> None:
    """Queue the request and answer; the worker (``handle_recovery_request``)
    compares the pair and sends the code. The request path reads nothing, so
    its answer and its time are the same whether the username and phone match."""
    values = string_fields(body, ("username", "phone"))
    username = values["username"].strip()[:MAX_TEXT]
    if not username:
        return
    deps.outbox.enqueue_task(
        RECOVERY_REQUESTED,
        {"username": username, "phone_digest": phone_digest(username, _e164(values["phone"].strip()))},
    )


def handle_recovery_request(deps: Deps, task: dict[str, Any], now: datetime) -> bool:
    """Worker side of ``request_recovery``: a code by SMS when the username and
    phone match (at most 3 an hour); True when one was sent."""
    username, digest = str(task.get("username", ""))[:MAX_TEXT], str(task.get("phone_digest", ""))
    account = find_account(deps, username) if username else None  # the code or the personal ID number
    if account is None or not hmac.compare_digest(phone_digest(username, account.phone), digest):
        return False
    code = f"{secrets.randbelow(10**6):06d}"
    if not deps.accounts.start_recovery(account, recovery_code_hash(account.username, code), now):
        return False  # three codes in the last hour already: say nothing more
    notices = notices_for(
        source=f"account#{account.username}#recovery#{now.isoformat()}#{deps.new_id()}",  # one notice per code
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
    return True


def confirm_recovery(deps: Deps, body: Any, now: datetime) -> None:
    values = string_fields(body, ("username", "code", "new_password"))
    username = values["username"].strip()[:MAX_TEXT]
    if not username:  # never a key to look up (DynamoDB refuses an empty one)
        raise ValidationError([FieldError("username", "required")])
    account = find_account(deps, username)
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
    set_new_password(deps, account, values["new_password"], now, event=templates.RECOVERED)
    deps.accounts.end_sessions(account.username)
