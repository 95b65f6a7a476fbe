"""Use case: a signed-in person changes their password (required at first
login and at least every 6 months); every other session ends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain import templates
from ..domain.account import LOCK_AFTER_FAILURES, Account
from ..domain.errors import AccountNotFoundError, ConcurrentChangeError, ConflictError, FieldError, ValidationError
from ..domain.passwords import check_new_password
from ..domain.request_fields import string_fields
from .account_alerts import account_event, alert_notices
from .deps import Deps

FIELDS = ("current_password", "new_password")


def parse_change(body: Any) -> tuple[str, str]:
    values = string_fields(body, FIELDS)
    return values["current_password"], values["new_password"]


def context_of(account: Account) -> list[str]:
    return [account.username, account.full_name, account.phone, account.phone.removeprefix("+84"), account.email or ""]


def set_new_password(
    deps: Deps, account: Account, new_password: str, now: datetime, *, event: str = templates.PASSWORD_CHANGED
) -> Account:
    """Policy check, then one transaction conditional on the old hash: the new
    password (lockout and recovery cleared), the owner's alert and an audit
    event; the alert is queued once written."""
    problems = check_new_password(
        new_password,
        context=context_of(account),
        previous_hashes=[account.password_hash, *account.password_history],
        hasher=deps.hasher,
    )
    if problems:
        raise ValidationError(problems)
    alerts = alert_notices(account, event, now)
    audit = account_event(account, event, now, actor=account.username, channel="self")
    try:
        updated = deps.accounts.set_password_with_notices(
            account, deps.hasher.hash(new_password), now, alerts, [audit], temporary=False
        )
    except ConcurrentChangeError as error:
        raise ConflictError() from error
    deps.outbox.enqueue(alerts)
    return updated


def record_failure(deps: Deps, account: Account, now: datetime) -> int:
    """Count a wrong password; the failure that locks the account alerts its owner."""
    locks = account.failed_logins + 1 == LOCK_AFTER_FAILURES
    alerts = alert_notices(account, templates.LOCKED, now) if locks else []
    count = deps.accounts.record_failed_login(account.username, now, expected=account.failed_logins, alert=alerts)
    if alerts and count == LOCK_AFTER_FAILURES:
        deps.outbox.enqueue(alerts)
    return count


def change_password(deps: Deps, username: str, session_hash: str, body: Any, now: datetime) -> Account:
    current, new = parse_change(body)
    account = deps.accounts.get(username)
    if account is None:
        raise AccountNotFoundError()
    if account.is_locked(now):
        deps.hasher.dummy_verify(current)  # same answer and cost as a wrong password
        raise ValidationError([FieldError("current_password", "wrong_password")])
    if not deps.hasher.verify(account.password_hash, current):
        record_failure(deps, account, now)
        raise ValidationError([FieldError("current_password", "wrong_password")])
    updated = set_new_password(deps, account, new, now)
    deps.accounts.end_sessions(username, keep=session_hash)
    deps.accounts.lift_restriction(session_hash, updated.password_expires_at)
    return updated
