"""Accounts (passwords, lockout, sessions, recovery) and the rate limiter of abuse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from ...domain.account import Account, PasswordDue, Session
from ...domain.notification import AuditEvent, Notification

if TYPE_CHECKING:  # annotations only: kept off the cold start
    from ...domain.campaign import Issuance
    from ...domain.rate_limits import RateLimit


class AccountStore(Protocol):
    def create(
        self, account: Account, guard_keys: list[str], notices: list[Notification], audit: list[AuditEvent]
    ) -> None:
        """Account, its uniqueness guards, its notices and audit events, in one
        transaction; ``AccountExistsError`` when any guard or the username is taken."""

    def get(self, username: str) -> Account | None: ...

    def username_by_identity(self, identity_key: str) -> str | None:
        """The username of the account whose ID document is ``identity_key`` (``id#<number>``: its
        uniqueness guard names the owner), or None."""

    def link_identity(self, username: str, identity_key: str) -> bool:
        """Name the account by one more identity (``vneid#<subject>``): a guard owned by it, written
        only if no account holds that identity yet. False when another account holds it."""

    def save_login_state(self, key: str, payload: dict[str, str], expires_at: datetime) -> None:
        """Keep what an external sign-in started with (VNeID: nonce, PKCE verifier, purpose) until
        ``expires_at``, under ``key`` (a hash of its ``state``)."""

    def take_login_state(self, key: str, now: datetime) -> dict[str, str] | None:
        """The state saved under ``key``, removed as it is read (single use); None when unknown,
        used already or expired."""

    def record_failed_login(
        self, username: str, now: datetime, *, expected: int | None = None, alert: list[Notification] | None = None
    ) -> int:
        """Count one more consecutive failure (atomic); returns the new count
        and locks the account for ``lock_delay(count)``. An unknown username
        costs the same one conditional write and returns 0. ``alert``: the
        owner's notices, recorded with the failure that starts the lock (the
        count read before was ``expected``): whenever the returned count is
        ``expected + 1`` and locks, they are in the ledger."""

    def start_session(self, session: Session, account: Account, rehashed: str | None) -> None:
        """Store the session and reset the failure count (and upgrade the hash), atomically."""

    def touch_session(self, token_hash: str, now: datetime) -> Session | None:
        """The live session, its idle timeout pushed back; None when unknown or expired."""

    def end_session(self, token_hash: str) -> None: ...

    def lift_restriction(self, token_hash: str, password_expires_at: datetime) -> None:
        """After a password change the session may call everything its roles allow."""

    def end_sessions(self, username: str, keep: str | None = None) -> int: ...

    def set_password(self, account: Account, new_hash: str, *, temporary: bool, now: datetime) -> Account:
        """Replace the password if it is still ``account.password_hash``;
        ``ConcurrentChangeError`` otherwise. Clears lockout and recovery."""

    def set_password_with_notices(
        self,
        account: Account,
        new_hash: str,
        now: datetime,
        notices: list[Notification],
        audit: list[AuditEvent],
        *,
        temporary: bool = True,
    ) -> Account:
        """A new password (temporary unless said otherwise), the notices that carry
        it or alert its owner and audit events, atomically, if the password is still
        ``account.password_hash`` (else ``ConcurrentChangeError``). Clears lockout and recovery."""

    def start_recovery(self, account: Account, code_hash: str, now: datetime) -> bool:
        """Store a recovery code unless 3 were issued in the last hour."""

    def record_recovery_try(self, account: Account) -> bool:
        """Count one try if fewer than 5 were made on the current code; False otherwise."""

    def passwords_expiring_on(self, day: date) -> Iterator[PasswordDue]: ...

    def staff_of_office(self, office_code: str) -> list[Account]: ...

    def issued(self, usernames: list[str]) -> list[Issuance]:
        """When and how the accounts of these usernames were issued (those
        that exist), read strongly consistent."""


class RateLimiter(Protocol):
    def take(self, hits: list[tuple[RateLimit, str]], now: datetime) -> timedelta | None:
        """Count one hit for each (limit, subject) if every limit allows it, all
        or none, held by conditional writes; otherwise count nothing and say how
        long until all would allow it."""
