"""The ports the use cases depend on. Each has a DynamoDB/AWS adapter in
``chalicelib/adapters`` and an in-memory fake in ``tests/fakes.py``; the
same contract tests run against both."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from ..domain.account import Account, Session
from ..domain.declaration import Declaration, GuardKey
from ..domain.notification import AuditEvent, LedgerEntry, Notification

if TYPE_CHECKING:  # annotations only: kept off the cold start
    from ..domain.campaign import RosterEntry, Unit, UnitTally
    from ..domain.rate_limits import RateLimit
    from ..domain.service_report import Tally


@dataclass(frozen=True)
class Office:
    office_code: str
    province_code: str
    name: str
    address: str
    phone: str

    def to_dict(self) -> dict[str, str]:
        return {
            "office_code": self.office_code,
            "province_code": self.province_code,
            "name": self.name,
            "address": self.address,
            "phone": self.phone,
        }


@dataclass(frozen=True)
class Participant:
    bhxh_code: str
    full_name: str
    date_of_birth: str
    gender: str
    id_number: str
    phone: str
    province_code: str


@dataclass(frozen=True)
class Decision:
    """Everything one decision writes, atomically."""

    before: Declaration
    after: Declaration
    notices: list[Notification]
    audit: list[AuditEvent]
    account: Account | None = None
    account_guards: list[str] = field(default_factory=list)


class CounterCodeTakenError(Exception):
    """The random counter code collided with an existing one; draw another."""


class DeclarationStore(Protocol):
    def create(
        self,
        declaration: Declaration,
        guards: list[GuardKey],
        must_be_absent: list[str],
        audit: list[AuditEvent],
        now: datetime,
    ) -> None:
        """Put the declaration, its guards (its counter code), audit events and
        the service report's counters of its status in one transaction.

        Several declarations of one person may coexist (DESIGN §2 "Nobody
        blocks anybody"): nothing here refuses a second one. Raises
        ``AccountExistsError`` when any ``must_be_absent`` key exists (paper
        forms typed in by officers), ``CounterCodeTakenError`` when the code
        guard is taken."""

    def get(self, declaration_id: str) -> Declaration | None: ...

    def expiring_on(self, day: date) -> Iterator[Declaration]:
        """Declarations still awaiting the office whose expiry falls on ``day`` (Vietnam)."""

    def find_by_code(self, code: str) -> list[Declaration]: ...

    def find_by_id_number(self, id_number: str) -> list[Declaration]: ...

    def find_by_bhxh_code(self, bhxh_code: str, limit: int = 20) -> list[Declaration]:
        """Declarations carrying this social-insurance code, newest first, at most ``limit``."""

    def receive(
        self,
        before: Declaration,
        after: Declaration,
        audit: list[AuditEvent],
        *,
        now: datetime,
    ) -> None:
        """Record receipt (and count it for the service report) if ``before`` is still awaiting the
        office and not expired; the declaration loses its TTL.
        Otherwise ``ConcurrentChangeError`` and nothing is written."""

    def decide(self, decision: Decision) -> None:
        """Apply a decision in one transaction (the declaration's status change
        conditional on it still being received, the account and its guards when
        approved, the notices, the audit event and the decision's tally). ``ConcurrentChangeError``
        when the status changed; ``AccountExistsError`` when the person has an account."""

    def cancel(self, before: Declaration, after: Declaration, audit: list[AuditEvent], *, now: datetime) -> None:
        """Record ``after`` (cancelled: another declaration of the person was
        approved) with its audit event and tally, in one transaction, if
        ``before`` still has its status and has not lapsed; its TTL, expiry
        index entry and due-date index entry go. ``ConcurrentChangeError`` otherwise."""

    def awaiting_decision(self, office_code: str, due_until: date) -> list[Declaration]:
        """Received dossiers of an office due on or before ``due_until``, oldest first."""

    def history(self, declaration_id: str) -> list[AuditEvent]: ...

    def record_decided(self, decided: DecidedOnArrival) -> None:
        """Put a declaration decided on arrival in one transaction: the
        declaration with its final status, its guards (counter code), the
        account and its guards when approved, the notices, the audit events
        and the tally, and the ``replay_key`` guard. ``ReplayedError`` when that key
        is stored already, else ``AccountExistsError`` when the person has an account
        (nothing written), ``CounterCodeTakenError`` when the code is taken."""

    def record_refusal(self, event: AuditEvent) -> None:
        """Append the audit event of a refused submission; nothing else is stored."""

    def decided_for(self, replay_key: str) -> Declaration | None:
        """The declaration decided for the signed document of ``replay_key``, if any."""


@dataclass(frozen=True)
class Recorded:
    """``created``: stored now (False on a replay). ``to_enqueue``: the notices
    to put on the queue: all of them the first time; on a replay those no
    worker has taken yet (re-queueing them is harmless: workers claim first)."""

    created: bool
    to_enqueue: list[Notification]


@dataclass(frozen=True)
class SmsLimits:
    """From the settings (``Settings.sms_limits``), the one place with their defaults."""

    per_hour: int
    per_day: int
    duplicate_window: timedelta


class Outbox(Protocol):
    def record(self, notices: list[Notification], audit: list[AuditEvent], tally: Tally | None = None) -> Recorded:
        """Store notices, audit events and ``tally`` atomically; a replay
        (an audit event or notice stored already) stores and counts nothing."""

    def enqueue(self, notices: list[Notification]) -> None: ...

    def enqueue_task(self, task: str, payload: dict[str, str]) -> None:
        """Put work for the notice worker on the same queue (one SQS request),
        so a request's answer does not wait for it (e.g. a recovery request)."""

    def claim(self, notification_id: str, now: datetime) -> Notification | None:
        """Move a queued notice to ``sending``; None when another worker has it
        or it was already sent (so a redelivered message sends nothing)."""

    def mark_sent(
        self, notification_id: str, provider_message_id: str, now: datetime, latency: float, tally: Tally | None = None
    ) -> None:
        """Record the notice as sent (still ``sending``: else ``ConcurrentChangeError``)
        and ``tally`` in one transaction, then raise the day's maximum latency."""

    def mark_suppressed(self, notification_id: str, reason: str) -> None: ...

    def admit_sms(self, notice: Notification, now: datetime, limits: SmsLimits) -> str | None:
        """None when the SMS may go; otherwise why not (hourly_limit, daily_limit, duplicate)."""

    def is_email_suppressed(self, address: str) -> bool: ...

    def suppress_email(self, address: str, reason: str) -> None: ...

    def delay_retry(self, receipt_handle: str, seconds: int) -> None: ...

    def dead_letter(self, body: str, reason: str) -> None: ...

    def mark_failed(self, notification_id: str, *, permanent: bool, error: str, now: datetime) -> None: ...

    def ledger_of_day(self, day: date, *, newest_first: bool = False, limit: int | None = None) -> list[LedgerEntry]:
        """The notices created on ``day`` (UTC), from the ledger's by-day index (never a Scan)."""

    def get(self, notification_id: str) -> Notification | None: ...


class TemporarySendError(Exception):
    """The provider may accept the message later (throttling, outage)."""


class PermanentSendError(Exception):
    """The provider will never accept this message (bad number, rejected)."""


class Sender(Protocol):
    def send_sms(self, phone: str, text: str) -> str: ...

    def send_email(self, to: str, subject: str, text: str, html: str) -> str: ...


class OfficeDirectory(Protocol):
    def get(self, office_code: str) -> Office | None: ...

    def in_province(self, province_code: str) -> list[Office]: ...

    def put_many(self, offices: Iterable[Office]) -> int: ...


class Registry(Protocol):
    def get(self, bhxh_code: str) -> Participant | None: ...

    def find_by_id_number(self, id_number: str) -> list[Participant]:
        """The participants whose ID document has this number (normally one)."""

    def put_many(self, participants: Iterable[Participant]) -> int: ...


class ConcurrentChangeError(Exception):
    """The item changed between read and conditional write; nothing was written."""


class ServiceBusyError(Exception):
    """The store refused a write for a passing reason (contention, throttling)
    more times than its bounded retries allow; nothing was written. Not the
    caller's fault, so not a ``DomainError``: the API answers ``503
    busy_try_again`` with ``Retry-After``, and the same request may be sent again."""

    code = "busy_try_again"
    status = 503
    retry_after_seconds = 2


@dataclass(frozen=True)
class PasswordDue:
    """An account whose password expires on a given day (from the sparse index)."""

    username: str
    full_name: str
    phone: str
    email: str | None
    password_expires_at: datetime


class AccountStore(Protocol):
    def create(
        self, account: Account, guard_keys: list[str], notices: list[Notification], audit: list[AuditEvent]
    ) -> None:
        """Account, its uniqueness guards, its notices and audit events, in one
        transaction; ``AccountExistsError`` when any guard or the username is taken."""

    def get(self, username: str) -> Account | None: ...

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


# --- registration campaign --------------------------------------------------------------


@dataclass(frozen=True)
class Issuance:
    """A person's account was issued on ``day`` (Vietnam) through ``channel``."""

    username: str
    day: date
    channel: str

    @classmethod
    def of(cls, username: str, created_at: datetime, channel: str | None) -> Issuance:
        """From an account's creation time (its Vietnamese day) and recorded channel."""
        from ..domain.declaration import vn_today

        return cls(username, vn_today(created_at), channel or UNKNOWN_CHANNEL)


UNKNOWN_CHANNEL = "unknown"  # accounts issued before the channel was recorded
COUNTED = "counted"
ALREADY_COUNTED = "already_counted"
NOT_ROSTERED = "not_rostered"


@dataclass
class RosterOutcome:
    """What one chunk of roster rows did: bhxh codes newly rostered, moved to
    another unit (their counters moved with them), or already as written."""

    added: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unchanged: int = 0
    uncounted: list[str] = field(default_factory=list)  # of this chunk: rostered, registration not counted yet


class CampaignStore(Protocol):
    def put_units(self, units: list[Unit]) -> int:
        """Create units or update their name, province and deadline; counters untouched."""

    def unit_codes(self) -> set[str]: ...

    def tallies(self, province: str | None = None) -> list[UnitTally]:
        """Every unit (of one province) with its counters; never reads people:
        one index query and one BatchGetItem per 100 units."""

    def roster(self, entries: list[RosterEntry], now: datetime) -> RosterOutcome:
        """Roster people into known units, each unit's roster counter moved in
        the same transaction as the entries; a person already rostered in
        another unit moves there with their counters. Re-running is a no-op."""

    def count(self, issuance: Issuance) -> str:
        """Count a rostered person's registration in their unit, once ever
        (``COUNTED``, ``ALREADY_COUNTED`` or ``NOT_ROSTERED``)."""


# --- signed channel -------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedSignature:
    """What a valid signature vouches for. ``content``: the Form 01 fields
    read from the signed bytes only (never from the request as received);
    ``signer``: the ID documents the certificate's subject UID names, as
    (type, number); ``certificate``: what identifies it, for the record;
    ``replay_key``: SHA-256 (hex) of the canonical signature value, the same
    for the same signed document however it is sent again."""

    content: dict[str, Any]
    signer: tuple[tuple[str, str], ...]
    certificate: dict[str, str]
    replay_key: str


class SignatureVerifier(Protocol):
    def verify(self, body: bytes, now: datetime) -> VerifiedSignature:
        """Every check of DESIGN §2 "Signed declarations", or the
        ``SignatureInvalidError`` subclass (or XML error) that names the first
        that fails."""


@dataclass(frozen=True)
class DecidedOnArrival:
    """A declaration decided in the request that brought it (signed channel):
    everything written, atomically, in one transaction."""

    declaration: Declaration
    guards: list[GuardKey]
    notices: list[Notification]
    audit: list[AuditEvent]
    account: Account | None = None
    account_guards: list[str] = field(default_factory=list)
    replay_key: str | None = None  # the signed document's: stored with the decision, once


class ReplayedError(Exception):
    """The same signed document was decided already (its replay key is
    stored); ``declaration_id`` names that first decision. Nothing was written."""

    def __init__(self, declaration_id: str) -> None:
        super().__init__(declaration_id)
        self.declaration_id = declaration_id


# --- service report ---------------------------------------------------------------------


class ServiceStats(Protocol):
    """The service report's daily counters (``domain/service_report.py``); the
    stores and the outbox move them in the transactions of what they count."""

    def read(self, first: date, last: date) -> dict[date, dict[str, int]]:
        """Counters of each Vietnamese day from ``first`` to ``last`` (inclusive),
        merged over the write shards; days with none are left out. Never a Scan:
        days x shards keys."""
