"""Use case: a signed-in person changes their password (required at first
login and at least every 6 months); every other session ends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.account import Account
from ..domain.errors import AccountNotFoundError, ConflictError, FieldError, ValidationError
from ..domain.passwords import check_new_password
from ..domain.request_fields import string_fields
from .deps import Deps
from .ports import ConcurrentChangeError

FIELDS = ("current_password", "new_password")


def parse_change(body: Any) -> tuple[str, str]:
    values = string_fields(body, FIELDS)
    return values["current_password"], values["new_password"]


def context_of(account: Account) -> list[str]:
    return [account.username, account.full_name, account.phone, account.phone.removeprefix("+84"), account.email or ""]


def set_new_password(deps: Deps, account: Account, new_password: str, now: datetime) -> Account:
    """Policy check, then a conditional write on the old hash."""
    problems = check_new_password(
        new_password,
        context=context_of(account),
        previous_hashes=[account.password_hash, *account.password_history],
        hasher=deps.hasher,
    )
    if problems:
        raise ValidationError(problems)
    try:
        return deps.accounts.set_password(account, deps.hasher.hash(new_password), temporary=False, now=now)
    except ConcurrentChangeError as error:
        raise ConflictError() from error


def change_password(deps: Deps, username: str, session_hash: str, body: Any, now: datetime) -> Account:
    current, new = parse_change(body)
    account = deps.accounts.get(username)
    if account is None:
        raise AccountNotFoundError()
    if account.is_locked(now):
        deps.hasher.dummy_verify(current)  # same answer and cost as a wrong password
        raise ValidationError([FieldError("current_password", "wrong_password")])
    if not deps.hasher.verify(account.password_hash, current):
        deps.accounts.record_failed_login(username, now)
        raise ValidationError([FieldError("current_password", "wrong_password")])
    updated = set_new_password(deps, account, new, now)
    deps.accounts.end_sessions(username, keep=session_hash)
    deps.accounts.lift_restriction(session_hash, updated.password_expires_at)
    return updated
