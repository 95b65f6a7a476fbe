"""Use cases: sign in, check a session on each request, sign out.

A wrong password, an unknown user and a locked account get the same answer
and cost the same Argon2 verification, so none of them can be told apart."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.account import Account, Session, new_session, token_hash
from ..domain.errors import ConcurrentChangeError, InvalidCredentialsError, TemporaryPasswordExpiredError
from ..domain.passwords import MAX_LENGTH
from ..domain.request_fields import string_fields
from .change_password import record_failure
from .deps import Deps
from .find_account import find_account

MAX_USERNAME = 64
UNKNOWN_USERNAME = "-"  # no account has it (usernames are digits): DynamoDB refuses an empty key


@dataclass(frozen=True)
class SignedIn:
    token: str
    session: Session
    account: Account
    password_change_required: bool


def parse_credentials(body: Any) -> tuple[str, str]:
    values = string_fields(body, ("username", "password"))
    return values["username"], values["password"]


def login(deps: Deps, username: str, password: str, now: datetime) -> SignedIn:
    username = username.strip()
    # Oversized input is refused before any work, but only after the same
    # verification cost as a real attempt would take.
    # The social-insurance code or the 12-digit personal ID number (find_account).
    account = find_account(deps, username) if 0 < len(username) <= MAX_USERNAME else None
    if account is None or account.is_locked(now) or len(password) > MAX_LENGTH * 4 or not account.has_password:
        deps.hasher.dummy_verify(password[: MAX_LENGTH * 4])
        # The same one conditional write as a wrong password, on a key no account
        # has (attempts on a locked account are not counted), so the answer takes
        # the same time; keys stay spread out, never one hot item.
        nobody = username[:MAX_USERNAME] if account is None else f"{account.username}#refused"
        deps.accounts.record_failed_login(nobody or UNKNOWN_USERNAME, now)
        raise InvalidCredentialsError()
    if not deps.hasher.verify(account.password_hash, password):
        record_failure(deps, account, now)
        raise InvalidCredentialsError()
    if account.temporary and account.password_expires_at <= now:
        raise TemporaryPasswordExpiredError()
    rehashed = deps.hasher.hash(password) if deps.hasher.needs_rehash(account.password_hash) else None
    try:
        return open_session(deps, account, now, rehashed)
    except ConcurrentChangeError as error:
        # The password changed between our read and our write: try again.
        raise InvalidCredentialsError() from error


def open_session(deps: Deps, account: Account, now: datetime, rehashed: str | None = None) -> SignedIn:
    """A new session for ``account`` (a password sign-in, or VNeID): a 256-bit token, only its hash
    stored; ``ConcurrentChangeError`` when the account changed since it was read."""
    token = secrets.token_urlsafe(32)
    session = new_session(account, token, now)
    deps.accounts.start_session(session, account, rehashed)
    return SignedIn(token, session, account, session.restricted)


def authorize(deps: Deps, authorization: str | None, now: datetime) -> Session | None:
    """The live session behind ``Authorization: Bearer <token>`` (one DynamoDB
    write that checks and extends it), or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not 20 <= len(token) <= 100:
        return None
    return deps.accounts.touch_session(token_hash(token), now)


def logout(deps: Deps, session_hash: str) -> None:
    deps.accounts.end_session(session_hash)
