"""In-memory fakes of every port, with the same semantics as the adapters
(atomic writes, conditional transitions); the contract tests hold both to
the same behaviour."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import argon2

from chalicelib.config import Settings, load_settings
from chalicelib.domain.account import (
    PASSWORD_HISTORY,
    RECOVERY_CODE_LIFETIME,
    RECOVERY_MAX_PER_HOUR,
    RECOVERY_MAX_TRIES,
    Account,
    PasswordDue,
    RecoveryCode,
    Session,
    lock_delay,
    password_expiry_day,
)
from chalicelib.domain.campaign import (
    ALREADY_COUNTED,
    COUNTED,
    NOT_ROSTERED,
    Issuance,
    RosterEntry,
    RosterOutcome,
    Unit,
    UnitTally,
    day_key,
)
from chalicelib.domain.decision import DecidedOnArrival, Decision
from chalicelib.domain.declaration import AWAITING_OFFICE, RECEIVED, Declaration, GuardKey, expiry_day
from chalicelib.domain.delivery import RECEIPT_STATUSES, Receipt
from chalicelib.domain.errors import AccountExistsError, ConcurrentChangeError, CounterCodeTakenError, ReplayedError
from chalicelib.domain.fallback import UNAVAILABLE_MARK, FallbackPlan, fallback_id
from chalicelib.domain.id_copy import IdCopy, IdCopyUpload, PresignedUpload, StoredObject
from chalicelib.domain.notification import (
    EMAIL,
    PERMANENT_FAILURE,
    QUEUED,
    SENDING,
    SENT,
    SMS,
    SUPPRESSED,
    TEMPORARY_FAILURE,
    Attachment,
    AuditEvent,
    ClaimedBatch,
    LedgerEntry,
    Notification,
    Recorded,
    SentNotice,
    SmsLimits,
    needs_sms_admission,
    sms_fingerprint,
)
from chalicelib.domain.office import Office
from chalicelib.domain.participant import Participant
from chalicelib.domain.passwords import Hasher
from chalicelib.domain.rate_limits import RateLimit, kept, wait_before_next
from chalicelib.domain.service_report import (
    LATENCY_MAX,
    LEGAL_LIMIT_SECONDS,
    Tally,
    days_of,
    notice_tally,
    receipt_tally,
    status_tally,
)
from chalicelib.domain.vneid import Identity, Started
from chalicelib.services.ports.signatures import SignatureVerifier

STALE_CLAIM = timedelta(minutes=2)


class FakeServiceStats:
    """The service report's daily counters in memory (one shard: the sums are the same)."""

    def __init__(self) -> None:
        self.days: dict[date, dict[str, int]] = {}
        self._lock = threading.Lock()

    def apply(self, tally: Tally | None) -> None:
        """Called by the fakes inside the write the tally belongs to."""
        if tally is None:
            return
        with self._lock:
            counters = self.days.setdefault(tally.day, {})
            for name, count in tally.counts.items():
                counters[name] = counters.get(name, 0) + count
            if tally.latency_max_ms is not None:
                counters[LATENCY_MAX] = max(counters.get(LATENCY_MAX, tally.latency_max_ms), tally.latency_max_ms)

    def read(self, first: date, last: date) -> dict[date, dict[str, int]]:
        return {day: dict(self.days[day]) for day in days_of(first, last) if self.days.get(day)}


@dataclass
class _Guard:
    owner: str
    expires_at: datetime | None


class FakeDeclarationStore:
    def __init__(self) -> None:
        self.items: dict[str, Declaration] = {}
        self.guards: dict[str, _Guard] = {}
        self.audit: list[AuditEvent] = []
        self.accounts: FakeAccountStore | None = None  # wired by FakeDeps: decisions issue accounts
        self.outbox: FakeOutbox | None = None
        self.stats = FakeServiceStats()  # FakeDeps shares one with the outbox
        self._lock = threading.RLock()

    def create(
        self,
        declaration: Declaration,
        guards: list[GuardKey],
        must_be_absent: list[str],
        audit: list[AuditEvent],
        now: datetime,
        *,
        notices: list[Notification] | None = None,
    ) -> None:
        with self._lock:
            if any(key in self.guards for key in must_be_absent):
                raise AccountExistsError()
            for guard in guards:
                held = self.guards.get(guard.key)
                free = held is None or (
                    guard.expires_at is not None and held.expires_at is not None and held.expires_at <= now
                )
                if not free:
                    raise CounterCodeTakenError()
            if declaration.id in self.items:
                raise CounterCodeTakenError()
            self.items[declaration.id] = declaration
            for guard in guards:
                self.guards[guard.key] = _Guard(declaration.id, guard.expires_at)
            self.audit.extend(audit)
            self.stats.apply(status_tally(declaration))
            if notices and self.outbox is not None:
                self.outbox.record(notices, [])

    def get(self, declaration_id: str) -> Declaration | None:
        return self.items.get(declaration_id)

    def expiring_on(self, day: date) -> Iterator[Declaration]:
        for item in list(self.items.values()):
            if item.status == AWAITING_OFFICE and item.expires_at is not None and expiry_day(item.expires_at) == day:
                yield item

    def find_by_code(self, code: str) -> list[Declaration]:
        return [d for d in self.items.values() if d.code == code]

    def find_by_id_number(self, id_number: str) -> list[Declaration]:
        found = [d for d in self.items.values() if d.id_number == id_number]
        return sorted(found, key=lambda d: d.created_at, reverse=True)[:20]

    def find_by_bhxh_code(self, bhxh_code: str, limit: int = 20) -> list[Declaration]:
        found = [d for d in self.items.values() if d.form.bhxh_code == bhxh_code]
        return sorted(found, key=lambda d: d.created_at, reverse=True)[:limit]

    def receive(
        self,
        before: Declaration,
        after: Declaration,
        audit: list[AuditEvent],
        *,
        now: datetime,
        notices: list[Notification] | None = None,
    ) -> None:
        with self._lock:
            current = self.items.get(before.id)
            if current is None or current.status != before.status or current.is_expired(now):
                raise ConcurrentChangeError()
            self.items[before.id] = after
            self.audit.extend(audit)
            self.stats.apply(status_tally(after))
            if notices and self.outbox is not None:
                self.outbox.record(notices, [])

    def decide(self, decision: Decision) -> None:
        with self._lock:
            current = self.items.get(decision.before.id)
            if current is None or current.status != decision.before.status:
                raise ConcurrentChangeError()
            if decision.account is not None:
                assert self.accounts is not None
                if decision.account.username in self.accounts.accounts or any(
                    key in self.accounts.guards for key in decision.account_guards
                ):
                    raise AccountExistsError()
                self.accounts.accounts[decision.account.username] = decision.account
                self.accounts.hold(decision.account_guards, decision.account.username)
            self.items[decision.before.id] = decision.after
            if self.outbox is not None:
                self.outbox.record(decision.notices, [])
            self.audit.extend(decision.audit)
            self.stats.apply(status_tally(decision.after))

    def cancel(self, before: Declaration, after: Declaration, audit: list[AuditEvent], *, now: datetime) -> None:
        with self._lock:
            current = self.items.get(before.id)
            lapsed = current is not None and current.expires_at is not None and current.expires_at <= now
            if current is None or current.status != before.status or lapsed:
                raise ConcurrentChangeError()
            self.items[before.id] = after
            self.audit.extend(audit)
            self.stats.apply(status_tally(after))

    def record_decided(self, decided: DecidedOnArrival) -> None:
        with self._lock:
            declaration = decided.declaration
            replay = f"signed#{decided.replay_key}" if decided.replay_key is not None else None
            if replay is not None and replay in self.guards:
                raise ReplayedError(self.guards[replay].owner)
            if declaration.id in self.items:
                raise ConcurrentChangeError()
            if decided.account is not None:
                assert self.accounts is not None
                if decided.account.username in self.accounts.accounts or any(
                    key in self.accounts.guards for key in decided.account_guards
                ):
                    raise AccountExistsError()
            if any(guard.key in self.guards for guard in decided.guards):
                raise CounterCodeTakenError()
            if decided.account is not None:
                assert self.accounts is not None
                self.accounts.accounts[decided.account.username] = decided.account
                self.accounts.hold(decided.account_guards, decided.account.username)
            self.items[declaration.id] = declaration
            for guard in decided.guards:
                self.guards[guard.key] = _Guard(declaration.id, guard.expires_at)
            if replay is not None:
                self.guards[replay] = _Guard(declaration.id, None)
            if self.outbox is not None:
                self.outbox.record(decided.notices, [])
            self.audit.extend(decided.audit)
            self.stats.apply(status_tally(decided.declaration))

    def decided_for(self, replay_key: str) -> Declaration | None:
        with self._lock:
            held = self.guards.get(f"signed#{replay_key}")
            return self.items.get(held.owner) if held is not None else None

    def record_event(self, event: AuditEvent) -> None:
        with self._lock:
            if not any(e.subject == event.subject and e.event_id == event.event_id for e in self.audit):
                self.audit.append(event)

    def ask_id_copy_upload(self, before: Declaration, upload: IdCopyUpload) -> None:
        with self._lock:
            current = self.items.get(before.id)
            if current is None or current.status != RECEIVED:
                raise ConcurrentChangeError()
            self.items[before.id] = replace(current, id_copy_upload=upload)

    def attach_id_copy(self, before: Declaration, copy: IdCopy, audit: list[AuditEvent]) -> None:
        with self._lock:
            current = self.items.get(before.id)
            pending = current.id_copy_upload if current is not None else None
            if current is None or current.status != RECEIVED or pending is None or pending.key != copy.key:
                raise ConcurrentChangeError()
            self.items[before.id] = replace(current, id_copy=copy, id_copy_upload=None)
            self.audit.extend(audit)

    def awaiting_decision(self, office_code: str, due_until: date) -> list[Declaration]:
        found = [
            d
            for d in self.items.values()
            if d.status == RECEIVED and d.received_office == office_code and d.due_by and d.due_by <= due_until
        ]
        return sorted(found, key=lambda d: (d.due_by or date.max, d.id))

    def history(self, declaration_id: str) -> list[AuditEvent]:
        return sorted((e for e in self.audit if e.subject == declaration_id), key=lambda e: e.event_id)


@dataclass
class _Stored:
    notice: Notification
    attempts: int = 0
    claimed_at: datetime | None = None
    provider_message_id: str | None = None
    error: str | None = None
    latency_seconds: float | None = None
    delivery_at: datetime | None = None
    delivery_reason: str | None = None
    sent_at: datetime | None = None
    fallback: str | None = None


class FakeOutbox:
    def __init__(self) -> None:
        self.stored: dict[str, _Stored] = {}
        self.audit: list[AuditEvent] = []
        self.queue: list[str] = []
        self.tasks: list[dict[str, str]] = []
        self.fingerprints: dict[str, datetime] = {}
        self.sms_times: dict[str, list[datetime]] = {}
        self.suppressed_emails: set[str] = set()
        self.delays: list[tuple[str, int]] = []
        self.dead_letters: list[tuple[str, str]] = []
        self.stats = FakeServiceStats()  # FakeDeps shares one with the declaration store
        self._lock = threading.Lock()

    def record(self, notices: list[Notification], audit: list[AuditEvent], tally: Tally | None = None) -> Recorded:
        with self._lock:
            audit_ids = {(a.subject, a.event_id) for a in self.audit}
            if any(n.id in self.stored for n in notices) or any((a.subject, a.event_id) in audit_ids for a in audit):
                pending = [self.stored[n.id].notice for n in notices if n.id in self.stored]
                return Recorded(False, [n for n in pending if n.status == QUEUED])
            for notice in notices:
                self.stored[notice.id] = _Stored(notice)
            self.audit.extend(audit)
            self.stats.apply(tally)
            return Recorded(True, list(notices))

    def _status(self, notification_id: str) -> str:
        return self.stored[notification_id].notice.status

    def _set(self, notification_id: str, **changes: object) -> None:
        stored = self.stored[notification_id]
        status = changes.pop("status", None)
        if status is not None:
            stored.notice = replace(stored.notice, status=str(status))
        for key, value in changes.items():
            setattr(stored, key, value)

    def enqueue(self, notices: list[Notification]) -> None:
        self.queue.extend(n.id for n in notices)

    def enqueue_task(self, task: str, payload: dict[str, str]) -> None:
        self.tasks.append({**payload, "task": task})

    def claim(self, notification_id: str, now: datetime) -> Notification | None:
        with self._lock:
            stored = self.stored.get(notification_id)
            if stored is None:
                return None
            status = stored.notice.status
            stale = status == SENDING and stored.claimed_at is not None and stored.claimed_at < now - STALE_CLAIM
            if status not in (QUEUED, TEMPORARY_FAILURE) and not stale:
                return None
            self._set(notification_id, status=SENDING, attempts=stored.attempts + 1, claimed_at=now)
            return replace(self.stored[notification_id].notice, attempts=stored.attempts)

    def mark_sent(
        self, notification_id: str, provider_message_id: str, now: datetime, latency: float, tally: Tally | None = None
    ) -> None:
        with self._lock:
            stored = self.stored[notification_id]
            if stored.notice.status != SENDING:
                raise ConcurrentChangeError()
            stored.notice = replace(stored.notice, secret=None)
            self._set(
                notification_id,
                status=SENT,
                sent_at=now,
                provider_message_id=provider_message_id,
                error=None,
                latency_seconds=round(latency, 3),
            )
            self.stats.apply(tally)

    def claim_batch(self, notification_ids: list[str], now: datetime, limits: SmsLimits) -> ClaimedBatch:
        """Each claimed with its limits, as the DynamoDB adapter does in one transaction."""
        claimed: list[Notification] = []
        refused: list[tuple[Notification, str]] = []
        for notification_id in dict.fromkeys(notification_ids):
            notice = self.claim(notification_id, now)
            if notice is None:
                continue
            why = None
            if needs_sms_admission(notice):
                why = self.admit_sms(notice, now, limits)
            elif notice.channel == EMAIL and self.is_email_suppressed(notice.recipient):
                why = "email_suppressed"
            if why:
                self.mark_suppressed(notice.id, why)
                refused.append((notice, why))
            else:
                claimed.append(notice)
        return ClaimedBatch(claimed, refused)

    def mark_sent_batch(self, sent: list[SentNotice]) -> list[str]:
        lost = []
        for entry in sent:
            tally = notice_tally(entry.latency_seconds, entry.sent_at, entry.kind)
            try:
                self.mark_sent(
                    entry.notification_id, entry.provider_message_id, entry.sent_at, entry.latency_seconds, tally
                )
            except ConcurrentChangeError:
                lost.append(entry.notification_id)
        return lost

    def mark_failed(self, notification_id: str, *, permanent: bool, error: str, now: datetime) -> None:
        self._set(notification_id, status=PERMANENT_FAILURE if permanent else TEMPORARY_FAILURE, error=error)

    def ledger_of_day(self, day: date, *, newest_first: bool = False, limit: int | None = None) -> list[LedgerEntry]:
        of_day = [s for s in self.stored.values() if s.notice.created_at.astimezone(UTC).date() == day]
        of_day.sort(key=lambda s: s.notice.created_at, reverse=newest_first)
        return [
            LedgerEntry(s.notice, s.latency_seconds, s.error, s.delivery_at, s.delivery_reason, s.fallback)
            for s in of_day[:limit]
        ]

    def record_receipt(self, receipt: Receipt) -> tuple[str, Notification | None]:
        with self._lock:
            found = [s for s in self.stored.values() if s.provider_message_id == receipt.provider_message_id]
            if not found:
                return "unknown", None
            stored = found[0]
            newer = stored.delivery_at is None or stored.delivery_at < receipt.at
            if stored.notice.status not in (SENT, *RECEIPT_STATUSES) or not newer:
                return "ignored", None
            limit = timedelta(seconds=LEGAL_LIMIT_SECONDS)
            created = stored.notice.created_at
            was = stored.notice.status if stored.notice.status in RECEIPT_STATUSES else None
            before = (was, stored.delivery_at is not None and stored.delivery_at - created <= limit)
            after = (receipt.status, receipt.at - created <= limit)
            self.stats.apply(receipt_tally(stored.sent_at or created, before, after))
            stored.notice = replace(stored.notice, status=receipt.status)
            stored.delivery_at, stored.delivery_reason = receipt.at, receipt.reason or receipt.status
            return "applied", stored.notice if receipt.status == "failed" else None

    def record_fallback(self, plan: FallbackPlan) -> bool:
        with self._lock:
            stored = self.stored.get(plan.failed.id)
            taken = fallback_id(plan.failed) in self.stored  # the decision fell back by its other notice
            if stored is None or stored.fallback is not None or taken:
                return False
            stored.fallback = plan.fallback.id if plan.fallback else UNAVAILABLE_MARK
            if plan.fallback is not None:
                self.stored[plan.fallback.id] = _Stored(plan.fallback)
            self.audit.append(plan.audit)
            return True

    def queued_of_kind(self, kind: str, created_from: datetime, created_to: datetime) -> list[Notification]:
        return self._created_between(
            created_from, created_to, lambda s: s.notice.kind == kind and s.notice.status == QUEUED
        )

    def unreceipted_sms(self, created_from: datetime, created_to: datetime, kinds: Iterable[str]) -> list[Notification]:
        wanted = set(kinds)
        return self._created_between(
            created_from,
            created_to,
            lambda s: (
                s.notice.channel == SMS and s.notice.status == SENT and s.notice.kind in wanted and not s.fallback
            ),
        )

    def _created_between(
        self, created_from: datetime, created_to: datetime, wanted: Callable[[_Stored], bool]
    ) -> list[Notification]:
        """As the day index: created in [from, to), oldest first, those ``wanted``."""
        found = sorted(self.stored.values(), key=lambda s: s.notice.created_at)
        return [s.notice for s in found if created_from <= s.notice.created_at < created_to and wanted(s)]

    def get(self, notification_id: str) -> Notification | None:
        stored = self.stored.get(notification_id)
        return stored.notice if stored else None

    def mark_suppressed(self, notification_id: str, reason: str) -> None:
        stored = self.stored[notification_id]
        stored.notice = replace(stored.notice, secret=None)
        self._set(notification_id, status=SUPPRESSED, error=reason)

    def admit_sms(self, notice: Notification, now: datetime, limits: SmsLimits) -> str | None:
        with self._lock:
            fingerprint = sms_fingerprint(notice.recipient, notice.rendered()[0])
            last = self.fingerprints.get(fingerprint)
            if last is not None and now - last < limits.duplicate_window:
                return "duplicate"
            sent = self.sms_times.setdefault(notice.recipient, [])
            if sum(1 for t in sent if now - t < timedelta(hours=1)) >= limits.per_hour:
                return "hourly_limit"
            if sum(1 for t in sent if now.date() == t.date()) >= limits.per_day:
                return "daily_limit"
            sent.append(now)
            self.fingerprints[fingerprint] = now
            return None

    def is_email_suppressed(self, address: str) -> bool:
        return address.lower() in self.suppressed_emails

    def suppress_email(self, address: str, reason: str) -> None:
        self.suppressed_emails.add(address.lower())

    def delay_retry(self, receipt_handle: str, seconds: int) -> None:
        self.delays.append((receipt_handle, seconds))

    def dead_letter(self, body: str, reason: str) -> None:
        self.dead_letters.append((body, reason))


@dataclass
class _StoredCopy:
    body: bytes
    content_type: str
    at: datetime
    version: str


class FakeIdCopyStorage:
    """Objects in memory. Like the emulator, it takes any POST (``put``): the service's
    own checks are what a test of a bad upload exercises."""

    URL = "https://id-copies.example.invalid/"

    def __init__(self) -> None:
        self.objects: dict[str, _StoredCopy] = {}
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # FakeDeps gives its own
        self.forms: list[tuple[str, str, int, timedelta]] = []
        self.links: list[tuple[str, str, timedelta]] = []
        self.labels: dict[str, str] = {}
        self._versions = itertools.count(1)

    def upload_form(self, key: str, content_type: str, max_bytes: int, expires_in: timedelta) -> PresignedUpload:
        self.forms.append((key, content_type, max_bytes, expires_in))
        fields = {"key": key, "Content-Type": content_type, "policy": "fake"}
        return PresignedUpload(self.URL, fields, self.clock() + expires_in)

    def put(self, key: str, body: bytes, content_type: str, at: datetime) -> None:
        """What a POST of the presigned form stores (a test's upload)."""
        self.objects[key] = _StoredCopy(body, content_type, at, str(next(self._versions)))

    def fetch(self, key: str, max_bytes: int) -> StoredObject | None:
        found = self.objects.get(key)
        if found is None:
            return None
        body = found.body if len(found.body) <= max_bytes else b""
        return StoredObject(len(found.body), found.at, found.content_type, body, found.version)

    def label(self, key: str, retention: str) -> None:
        self.labels[key] = retention

    def delete(self, key: str, version: str | None) -> None:
        found = self.objects.get(key)
        if found is not None and version in (None, found.version):
            del self.objects[key]

    def download_url(self, key: str, filename: str, expires_in: timedelta) -> str:
        self.links.append((key, filename, expires_in))
        return f"{self.URL}{key}?download={filename}"


@dataclass
class FakeSender:
    sms: list[tuple[str, str]] = field(default_factory=list)
    emails: list[tuple[str, str, str, str]] = field(default_factory=list)
    attachments: list[list[Attachment]] = field(default_factory=list)  # per email, in order
    failures: list[Exception] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def _maybe_fail(self) -> None:
        if self.failures:
            raise self.failures.pop(0)

    def send_sms(self, phone: str, text: str) -> str:
        self._maybe_fail()
        self.sms.append((phone, text))
        return f"sms-{next(self._ids)}"

    def send_email(self, to: str, subject: str, text: str, html: str, attachments: Sequence[Attachment] = ()) -> str:
        self._maybe_fail()
        self.emails.append((to, subject, text, html))
        self.attachments.append(list(attachments))
        return f"email-{next(self._ids)}"


class FakeOfficeDirectory:
    def __init__(self, offices: Iterable[Office] = ()) -> None:
        self.offices = {o.office_code: o for o in offices}

    def get(self, office_code: str) -> Office | None:
        return self.offices.get(office_code)

    def in_province(self, province_code: str) -> list[Office]:
        return sorted(
            (o for o in self.offices.values() if o.province_code == province_code), key=lambda o: o.office_code
        )

    def put_many(self, offices: Iterable[Office]) -> int:
        count = 0
        for office in offices:
            self.offices[office.office_code] = office
            count += 1
        return count


class FakeRegistry:
    def __init__(self) -> None:
        self.people: dict[str, Participant] = {}
        self.batches: list[int] = []

    def get(self, bhxh_code: str) -> Participant | None:
        return self.people.get(bhxh_code)

    def find_by_id_number(self, id_number: str) -> list[Participant]:
        return sorted((p for p in self.people.values() if p.id_number == id_number), key=lambda p: p.bhxh_code)

    def put_many(self, participants: Iterable[Participant]) -> int:
        count = 0
        for participant in participants:
            self.people[participant.bhxh_code] = participant
            count += 1
        self.batches.append(count)
        return count


class FakeAccountStore:
    """Accounts, guards and sessions in memory, with the adapter's conditions."""

    def __init__(self, outbox: FakeOutbox, audit: list[AuditEvent]) -> None:
        self.accounts: dict[str, Account] = {}
        self.guards: set[str] = set()
        self.guard_owners: dict[str, str] = {}
        self.login_states: dict[str, tuple[dict[str, str], datetime]] = {}
        self.sessions: dict[str, Session] = {}
        self.failed_login_writes = 0
        self._outbox = outbox
        self._audit = audit
        self._lock = threading.Lock()

    def create(
        self, account: Account, guard_keys: list[str], notices: list[Notification], audit: list[AuditEvent]
    ) -> None:
        with self._lock:
            if account.username in self.accounts or any(key in self.guards for key in guard_keys):
                raise AccountExistsError()
            self.accounts[account.username] = account
            self.hold(guard_keys, account.username)
            self._outbox.record(notices, [])
            self._audit.extend(audit)

    def get(self, username: str) -> Account | None:
        return self.accounts.get(username)

    def hold(self, guard_keys: list[str], username: str) -> None:
        """The guards an account is written with, each naming it (as the adapter's ``owner``)."""
        self.guards.update(guard_keys)
        self.guard_owners.update(dict.fromkeys(guard_keys, username))

    def username_by_identity(self, identity_key: str) -> str | None:
        key = f"account#{identity_key}"
        if key not in self.guards:  # the guard the adapter reads
            return None
        if key in self.guard_owners:
            return self.guard_owners[key]
        owners = [a.username for a in self.accounts.values() if a.identity_key == identity_key]
        return owners[0] if owners else None

    def link_identity(self, username: str, identity_key: str) -> bool:
        key = f"account#{identity_key}"
        with self._lock:
            if key in self.guards and self.guard_owners.get(key) != username:
                return False
            self.hold([key], username)
            return True

    def save_login_state(self, key: str, payload: dict[str, str], expires_at: datetime) -> None:
        assert key not in self.login_states
        self.login_states[key] = (dict(payload), expires_at)

    def take_login_state(self, key: str, now: datetime) -> dict[str, str] | None:
        with self._lock:
            saved = self.login_states.pop(key, None)
        if saved is None or saved[1] <= now:
            return None
        return saved[0]

    def record_failed_login(
        self, username: str, now: datetime, *, expected: int | None = None, alert: list[Notification] | None = None
    ) -> int:
        with self._lock:
            account = self.accounts.get(username)
            if account is None:
                self.failed_login_writes += 1  # the adapter's conditional write that finds no account
                return 0
            self.failed_login_writes += 1
            count = account.failed_logins + 1
            delay = lock_delay(count)
            self.accounts[username] = account.with_changes(
                failed_logins=count, locked_until=now + delay if delay else account.locked_until
            )
            if alert and expected is not None and count == expected + 1 and delay:
                self._outbox.record(alert, [])
            return count

    def start_session(self, session: Session, account: Account, rehashed: str | None) -> None:
        with self._lock:
            current = self.accounts[account.username]
            if current.password_hash != account.password_hash:
                raise ConcurrentChangeError()
            self.sessions[session.token_hash] = session
            self.accounts[account.username] = current.with_changes(
                failed_logins=0, locked_until=None, password_hash=rehashed or current.password_hash
            )

    def touch_session(self, token_hash: str, now: datetime) -> Session | None:
        session = self.sessions.get(token_hash)
        if session is None or not session.is_live(now):
            return None
        session = session.touched(now)
        self.sessions[token_hash] = session
        return session

    def end_session(self, token_hash: str) -> None:
        self.sessions.pop(token_hash, None)

    def lift_restriction(self, token_hash: str, password_expires_at: datetime) -> None:
        if token_hash in self.sessions:
            self.sessions[token_hash] = replace(
                self.sessions[token_hash], restricted=False, password_expires_at=password_expires_at
            )

    def end_sessions(self, username: str, keep: str | None = None) -> int:
        ended = [h for h, s in self.sessions.items() if s.username == username and h != keep]
        for value in ended:
            del self.sessions[value]
        return len(ended)

    def _new_password(self, account: Account, new_hash: str, temporary: bool, now: datetime) -> Account:
        current = self.accounts.get(account.username)
        if current is None or current.password_hash != account.password_hash:
            raise ConcurrentChangeError()
        updated = current.with_changes(
            password_hash=new_hash,
            password_set_at=now,
            temporary=temporary,
            password_history=(current.password_hash, *current.password_history)[:PASSWORD_HISTORY],
            failed_logins=0,
            locked_until=None,
            recovery=None,
        )
        self.accounts[account.username] = updated
        return updated

    def set_password(self, account: Account, new_hash: str, *, temporary: bool, now: datetime) -> Account:
        with self._lock:
            return self._new_password(account, new_hash, temporary, now)

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
        with self._lock:
            # All or nothing, as the adapter's transaction: a notice or audit event stored already cancels it.
            stored_events = {(e.subject, e.event_id) for e in self._audit}
            if any(n.id in self._outbox.stored for n in notices) or any(
                (e.subject, e.event_id) in stored_events for e in audit
            ):
                raise ConcurrentChangeError()
            updated = self._new_password(account, new_hash, temporary, now)
            self._outbox.record(notices, [])
            self._audit.extend(audit)
            return updated

    def start_recovery(self, account: Account, code_hash: str, now: datetime) -> bool:
        with self._lock:
            current = self.accounts[account.username]
            window = tuple(t for t in current.recovery_window if (now - t).total_seconds() < 3600)
            if len(window) >= RECOVERY_MAX_PER_HOUR:
                return False
            self.accounts[account.username] = current.with_changes(
                recovery=RecoveryCode(code_hash, now + RECOVERY_CODE_LIFETIME), recovery_window=(*window, now)
            )
            return True

    def record_recovery_try(self, account: Account) -> bool:
        with self._lock:
            current = self.accounts[account.username]
            if current.recovery is None or current.recovery.tries >= RECOVERY_MAX_TRIES:
                return False
            recovery = replace(current.recovery, tries=current.recovery.tries + 1)
            self.accounts[account.username] = current.with_changes(recovery=recovery)
            return True

    def issued(self, usernames: list[str]) -> list[Issuance]:
        found = (self.accounts.get(username) for username in dict.fromkeys(usernames))
        return [Issuance.of(a.username, a.created_at, a.channel) for a in found if a is not None]

    def staff_of_office(self, office_code: str) -> list[Account]:
        return sorted(
            (a for a in self.accounts.values() if a.office_code == office_code and set(a.roles) - {"citizen"}),
            key=lambda a: a.username,
        )

    def passwords_expiring_on(self, day: date) -> Iterator[PasswordDue]:
        for account in list(self.accounts.values()):
            if password_expiry_day(account) == day:
                yield PasswordDue(
                    account.username, account.full_name, account.phone, account.email, account.password_expires_at
                )


class FakeRateLimiter:
    """Sliding windows in memory, with the adapter's all-or-nothing rule."""

    def __init__(self) -> None:
        self.times: dict[str, list[datetime]] = {}
        self._lock = threading.Lock()

    def take(self, hits: list[tuple[RateLimit, str]], now: datetime) -> timedelta | None:
        with self._lock:
            waits = [wait_before_next(self.times.get(limit.key(s), []), now, limit) for limit, s in hits]
            refused = [wait for wait in waits if wait is not None]
            if refused:
                return max(refused)
            for limit, subject in hits:
                key = limit.key(subject)
                self.times[key] = [*kept(self.times.get(key, []), now, limit), now]
            return None


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


def _untrusting_verifier() -> SignatureVerifier:
    from chalicelib.signatures.trust_store import TrustStore
    from chalicelib.signatures.verifier import SignedFormVerifier

    return SignedFormVerifier("", store=TrustStore.build([], []))


def _sequential_ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"decl-{next(counter):04d}"


class FakeCampaignStore:
    """Units, counters and roster in memory, with the adapter's once-only rules."""

    def __init__(self) -> None:
        self.units: dict[str, UnitTally] = {}
        self.entries: dict[str, dict[str, str | None]] = {}
        self._lock = threading.Lock()

    def put_units(self, units: list[Unit]) -> int:
        with self._lock:
            for unit in units:
                old = self.units.get(unit.code)
                self.units[unit.code] = (
                    replace(old, unit=unit)
                    if old is not None
                    else UnitTally(unit=unit, roster=0, registered=0, daily={})
                )
        return len(units)

    def unit_codes(self) -> set[str]:
        return set(self.units)

    def tallies(self, province: str | None = None) -> list[UnitTally]:
        return [
            replace(t, daily=dict(t.daily))
            for t in self.units.values()
            if province is None or t.unit.province_code == province
        ]

    def _bump(self, code: str, roster: int, registered: int, day: str | None, channel: str | None) -> None:
        tally = self.units[code]
        daily = dict(tally.daily)
        if registered and day and channel:
            key = day_key(date.fromisoformat(day), channel)
            daily[key] = daily.get(key, 0) + registered
        self.units[code] = replace(
            tally, roster=tally.roster + roster, registered=tally.registered + registered, daily=daily
        )

    def roster(self, entries: list[RosterEntry], now: datetime) -> RosterOutcome:
        outcome = RosterOutcome()
        with self._lock:
            for code, entry in {e.bhxh_code: e for e in entries}.items():
                old = self.entries.get(code)
                if old is None:
                    self.entries[code] = {"unit_code": entry.unit_code, "registered_on": None, "channel": None}
                    self._bump(entry.unit_code, 1, 0, None, None)
                    outcome.added.append(code)
                    outcome.uncounted.append(code)
                elif old["unit_code"] == entry.unit_code:
                    outcome.unchanged += 1
                    if not old["registered_on"]:
                        outcome.uncounted.append(code)
                else:
                    counted = 1 if old["registered_on"] else 0
                    self._bump(str(old["unit_code"]), -1, -counted, old["registered_on"], old["channel"])
                    self._bump(entry.unit_code, 1, counted, old["registered_on"], old["channel"])
                    old["unit_code"] = entry.unit_code
                    outcome.moved.append(code)
                    if not counted:
                        outcome.uncounted.append(code)
        return outcome

    def count(self, issuance: Issuance) -> str:
        with self._lock:
            entry = self.entries.get(issuance.username)
            if entry is None:
                return NOT_ROSTERED
            if entry["registered_on"]:
                return ALREADY_COUNTED
            entry["registered_on"] = issuance.day.isoformat()
            entry["channel"] = issuance.channel
            self._bump(str(entry["unit_code"]), 0, 1, entry["registered_on"], issuance.channel)
            return COUNTED


@dataclass
class FakeIdentityProvider:
    """VNeID in memory: ``grant`` is the person signing in at the provider; the codes, tokens,
    verifiers and nonces are checked as the real relying party checks them (the token's
    cryptography is tested on ``chalicelib.vneid.oidc`` itself)."""

    started: list[Started] = field(default_factory=list)
    codes: dict[str, tuple[Identity, str, str]] = field(default_factory=dict)  # code -> (who, verifier, nonce)
    tokens: dict[str, tuple[Identity, str]] = field(default_factory=dict)

    def start(self) -> Started:
        n = len(self.started)
        started = Started(
            f"state-{n}", f"nonce-{n}", f"verifier-{n}", f"https://vneid.example/authorize?state=state-{n}"
        )
        self.started.append(started)
        return started

    def grant(self, started: Started, identity: Identity) -> str:
        code = f"code-{len(self.codes)}-{started.state}"
        self.codes[code] = (identity, started.verifier, started.nonce)
        return code

    def exchange(self, code: str, verifier: str) -> str:
        from chalicelib.domain.errors import VneidCodeInvalidError

        granted = self.codes.pop(code, None)
        if granted is None or granted[1] != verifier:
            raise VneidCodeInvalidError()
        token = f"token-{code}"
        self.tokens[token] = (granted[0], granted[2])
        return token

    def identity(self, id_token: str, nonce: str) -> Identity:
        from chalicelib.domain.errors import LevelInsufficientError, TokenNonceInvalidError

        identity, expected = self.tokens[id_token]
        if nonce != expected:
            raise TokenNonceInvalidError()
        if identity.level != "2":
            raise LevelInsufficientError()
        return identity


@dataclass
class FakeDeps:
    declarations: FakeDeclarationStore = field(default_factory=FakeDeclarationStore)
    outbox: FakeOutbox = field(default_factory=FakeOutbox)
    hasher: Hasher = field(default_factory=lambda: Hasher(argon2.profiles.CHEAPEST))
    sender: FakeSender = field(default_factory=FakeSender)
    offices: FakeOfficeDirectory = field(default_factory=FakeOfficeDirectory)
    registry: FakeRegistry = field(default_factory=FakeRegistry)
    clock: Callable[[], datetime] = field(default_factory=lambda: FakeClock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC)))
    new_id: Callable[[], str] = field(default_factory=_sequential_ids)
    # No trust anchors: every signature is untrusted unless a test gives a verifier.
    signatures: SignatureVerifier = field(default_factory=_untrusting_verifier)
    accounts: FakeAccountStore = field(init=False)
    campaign: FakeCampaignStore = field(default_factory=FakeCampaignStore)
    stats: FakeServiceStats = field(default_factory=FakeServiceStats)
    settings: Settings = field(default_factory=load_settings)
    rate_limits: FakeRateLimiter = field(default_factory=FakeRateLimiter)
    id_copies: FakeIdCopyStorage = field(default_factory=FakeIdCopyStorage)
    vneid: FakeIdentityProvider = field(default_factory=FakeIdentityProvider)

    def run_queued_tasks(self) -> int:
        """What the notice worker does with the tasks requests queued (recovery, alerts)."""
        from chalicelib.services.deliver_notification import run_task

        tasks, self.outbox.tasks = list(self.outbox.tasks), []
        for task in tasks:
            assert run_task(self, task, self.clock()), task
        return len(tasks)

    def __post_init__(self) -> None:
        self.id_copies.clock = self.clock
        self.accounts = FakeAccountStore(self.outbox, self.outbox.audit)
        self.declarations.accounts = self.accounts
        self.declarations.outbox = self.outbox
        self.declarations.stats = self.stats
        self.outbox.stats = self.stats
