"""Accounts: roles, password age, lockout, sessions, and what each role may call."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from .declaration import VN_TZ

CITIZEN = "citizen"
OFFICER = "officer"
SUPERVISOR = "supervisor"
REPORTER = "reporter"
ADMIN = "admin"
ROLES = (CITIZEN, OFFICER, SUPERVISOR, REPORTER, ADMIN)

PASSWORD_MAX_AGE = timedelta(days=183)  # "at least every 6 months"
PASSWORD_REMINDER_DAYS = (14, 7, 1, 0)  # 0: the day it expires
TEMPORARY_PASSWORD_LIFETIME = timedelta(days=7)
PASSWORD_HISTORY = 5

LOCK_AFTER_FAILURES = 5
MAX_LOCK = timedelta(minutes=15)

SESSION_IDLE = timedelta(minutes=30)
SESSION_ABSOLUTE = timedelta(hours=12)

RECOVERY_CODE_LIFETIME = timedelta(minutes=5)
RECOVERY_MAX_TRIES = 5
RECOVERY_MAX_PER_HOUR = 3


@dataclass(frozen=True)
class Account:
    username: str
    full_name: str
    phone: str
    email: str | None
    identity_key: str
    roles: tuple[str, ...]
    password_hash: str
    password_set_at: datetime
    temporary: bool
    created_at: datetime
    office_code: str | None = None
    province_code: str | None = None
    password_history: tuple[str, ...] = ()
    failed_logins: int = 0
    locked_until: datetime | None = None
    recovery: RecoveryCode | None = None
    recovery_window: tuple[datetime, ...] = ()
    channel: str | None = None  # how the account was issued (signed, office, paper, ops)

    @property
    def has_password(self) -> bool:
        """False for an account registered through VNeID that never set one: it signs in with VNeID."""
        return bool(self.password_hash)

    @property
    def password_expires_at(self) -> datetime:
        lifetime = TEMPORARY_PASSWORD_LIFETIME if self.temporary else PASSWORD_MAX_AGE
        return self.password_set_at + lifetime

    @property
    def password_expiry(self) -> datetime | None:
        """When the password must be changed by; None without a password (nothing to change)."""
        return self.password_expires_at if self.has_password else None

    def password_change_required(self, now: datetime) -> bool:
        """A temporary password, or one older than 6 months, must be changed (only a password)."""
        return self.has_password and (self.temporary or self.password_expires_at <= now)

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def with_changes(self, **changes: object) -> Account:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class RecoveryCode:
    code_hash: str
    expires_at: datetime
    tries: int = 0


def lock_delay(failures: int) -> timedelta:
    """After 5 consecutive failures: 2^(n-5) seconds, at most 15 minutes."""
    if failures < LOCK_AFTER_FAILURES:
        return timedelta(0)
    exponent = min(failures - LOCK_AFTER_FAILURES, 20)
    return min(timedelta(seconds=2**exponent), MAX_LOCK)


def password_expiry_day(account: Account) -> date | None:
    """The Vietnamese day a real password expires (None for temporary ones:
    they lapse after 7 days and need no reminder)."""
    if account.temporary or not account.has_password:
        return None
    return account.password_expires_at.astimezone(VN_TZ).date()


def token_hash(token: str) -> str:
    """Only the hash of a session token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def recovery_code_hash(username: str, code: str) -> str:
    return hashlib.sha256(f"{username}:{code}".encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    token_hash: str
    username: str
    roles: tuple[str, ...]
    restricted: bool
    created_at: datetime
    idle_expires_at: datetime
    absolute_expires_at: datetime
    office_code: str | None = None
    province_code: str | None = None
    password_expires_at: datetime | None = None

    def is_live(self, now: datetime) -> bool:
        """Neither idle nor past its absolute limit: the one rule of "a live
        session" (the DynamoDB adapter writes it as the condition of its touch)."""
        return self.idle_expires_at > now and self.absolute_expires_at > now

    def touched(self, now: datetime) -> Session:
        """Activity at ``now`` pushes the idle expiry back, never past the absolute one."""
        return replace(self, idle_expires_at=min(now + SESSION_IDLE, self.absolute_expires_at))

    def is_restricted(self, now: datetime) -> bool:
        """Restricted from sign-in (temporary password), or since the password
        ran out of its 6 months during the session."""
        return self.restricted or (self.password_expires_at is not None and self.password_expires_at <= now)


def new_session(account: Account, token: str, now: datetime) -> Session:
    absolute = now + SESSION_ABSOLUTE
    return Session(
        token_hash=token_hash(token),
        username=account.username,
        roles=account.roles,
        restricted=account.password_change_required(now),
        created_at=now,
        idle_expires_at=min(now + SESSION_IDLE, absolute),
        absolute_expires_at=absolute,
        office_code=account.office_code,
        province_code=account.province_code,
        password_expires_at=account.password_expiry,
    )


# What a session may call. API Gateway enforces it through the authorizer
# (path parameters are written as "*", as in execute-api resource ARNs).
RESTRICTED_ROUTES: dict[str, tuple[str, ...]] = {
    "/v1/me": ("GET",),
    "/v1/auth/password": ("POST",),
    "/v1/auth/logout": ("POST",),
}
DESK_READ_ROUTES: dict[str, tuple[str, ...]] = {
    "/v1/declarations": ("GET",),  # deprecated: POST /v1/declarations/lookup
    "/v1/declarations/lookup": ("POST",),
    "/v1/declarations/overdue": ("GET",),
    "/v1/declarations/*/history": ("GET",),
    "/v1/declarations/*/id-copy": ("GET",),
}
DESK_ROUTES: dict[str, tuple[str, ...]] = {
    **DESK_READ_ROUTES,
    "/v1/declarations/paper": ("POST",),
    "/v1/declarations/*/receive": ("POST",),
    "/v1/declarations/*/approve": ("POST",),
    "/v1/declarations/*/reject": ("POST",),
    "/v1/declarations/*/id-copy": ("GET", "POST"),
    "/v1/declarations/*/id-copy/check": ("POST",),
    "/v1/accounts/*/reissue": ("POST",),
}
REPORT_ROUTES: dict[str, tuple[str, ...]] = {
    "/v1/reports/progress": ("GET",),
    "/v1/reports/service": ("GET",),
}
ROLE_ROUTES: dict[str, dict[str, tuple[str, ...]]] = {
    CITIZEN: dict(RESTRICTED_ROUTES),
    OFFICER: {**RESTRICTED_ROUTES, **DESK_ROUTES},
    SUPERVISOR: {**RESTRICTED_ROUTES, **DESK_READ_ROUTES},
    REPORTER: {**RESTRICTED_ROUTES, **REPORT_ROUTES},
    ADMIN: {**RESTRICTED_ROUTES, "/v1/accounts/*/reissue": ("POST",)},
}


def allowed_routes(roles: tuple[str, ...], restricted: bool) -> dict[str, tuple[str, ...]]:
    if restricted:
        return dict(RESTRICTED_ROUTES)
    merged: dict[str, set[str]] = {}
    for role in roles:
        for path, methods in ROLE_ROUTES.get(role, {}).items():
            merged.setdefault(path, set()).update(methods)
    return {path: tuple(sorted(methods)) for path, methods in merged.items()}


@dataclass(frozen=True)
class AccountHolder:
    """Who an account is issued to (from an approved declaration, or staff)."""

    username: str
    full_name: str
    phone: str
    email: str | None
    identity_key: str
    province_code: str | None = None
    roles: tuple[str, ...] = (CITIZEN,)
    office_code: str | None = None
    context_words: tuple[str, ...] = field(default=())


def sign_in_name(username: str, identity_key: str, roles: tuple[str, ...] = (CITIZEN,)) -> str:
    """The name a citizen is told to sign in with: the 12-digit personal ID number (the CCCD
    number, which Công văn 1804/BHXH-QLT makes the social-insurance code) when the account was
    issued against one, else the username (a passport holder's social-insurance code, staff)."""
    number = identity_key.removeprefix("id#")
    if set(roles) == {CITIZEN} and identity_key.startswith("id#") and len(number) == 12 and number.isdigit():
        return number
    return username


@dataclass(frozen=True)
class PasswordDue:
    """An account whose password expires on a given day (from the sparse index)."""

    username: str
    full_name: str
    phone: str
    email: str | None
    password_expires_at: datetime
