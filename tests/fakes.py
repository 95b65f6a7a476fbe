"""In-memory fakes of every port, with the same semantics as the adapters
(atomic writes, conditional transitions); the contract tests hold both to
the same behaviour."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from chalicelib.domain.declaration import AWAITING_OFFICE, Declaration, GuardKey, expiry_day
from chalicelib.domain.errors import AccountExistsError, OpenDeclarationExistsError
from chalicelib.domain.notification import (
    PERMANENT_FAILURE,
    QUEUED,
    SENDING,
    SENT,
    TEMPORARY_FAILURE,
    AuditEvent,
    Notification,
)
from chalicelib.services.ports import CounterCodeTakenError, Office, Participant, Recorded

STALE_CLAIM = timedelta(minutes=2)


@dataclass
class _Guard:
    owner: str
    expires_at: datetime | None


class FakeDeclarationStore:
    def __init__(self) -> None:
        self.items: dict[str, Declaration] = {}
        self.guards: dict[str, _Guard] = {}
        self.audit: list[AuditEvent] = []
        self._lock = threading.Lock()

    def create(
        self,
        declaration: Declaration,
        guards: list[GuardKey],
        must_be_absent: list[str],
        audit: list[AuditEvent],
        now: datetime,
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
                    if guard.key.startswith("code#"):
                        raise CounterCodeTakenError()
                    raise OpenDeclarationExistsError()
            if declaration.id in self.items:
                raise CounterCodeTakenError()
            self.items[declaration.id] = declaration
            for guard in guards:
                self.guards[guard.key] = _Guard(declaration.id, guard.expires_at)
            self.audit.extend(audit)

    def get(self, declaration_id: str) -> Declaration | None:
        return self.items.get(declaration_id)

    def expiring_on(self, day: date) -> Iterator[Declaration]:
        for item in list(self.items.values()):
            if item.status == AWAITING_OFFICE and item.expires_at is not None and expiry_day(item.expires_at) == day:
                yield item


@dataclass
class _Stored:
    notice: Notification
    attempts: int = 0
    claimed_at: datetime | None = None
    provider_message_id: str | None = None
    error: str | None = None


class FakeOutbox:
    def __init__(self) -> None:
        self.stored: dict[str, _Stored] = {}
        self.audit: list[AuditEvent] = []
        self.queue: list[str] = []
        self._lock = threading.Lock()

    def record(self, notices: list[Notification], audit: list[AuditEvent]) -> Recorded:
        with self._lock:
            audit_ids = {(a.subject, a.event_id) for a in self.audit}
            if any(n.id in self.stored for n in notices) or any((a.subject, a.event_id) in audit_ids for a in audit):
                pending = [self.stored[n.id].notice for n in notices if n.id in self.stored]
                return Recorded(False, [n for n in pending if n.status == QUEUED])
            for notice in notices:
                self.stored[notice.id] = _Stored(notice)
            self.audit.extend(audit)
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
            return self.stored[notification_id].notice

    def mark_sent(self, notification_id: str, provider_message_id: str, now: datetime) -> None:
        self._set(notification_id, status=SENT, provider_message_id=provider_message_id, error=None)

    def mark_failed(self, notification_id: str, *, permanent: bool, error: str, now: datetime) -> None:
        self._set(notification_id, status=PERMANENT_FAILURE if permanent else TEMPORARY_FAILURE, error=error)

    def get(self, notification_id: str) -> Notification | None:
        stored = self.stored.get(notification_id)
        return stored.notice if stored else None


@dataclass
class FakeSender:
    sms: list[tuple[str, str]] = field(default_factory=list)
    emails: list[tuple[str, str, str, str]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def _maybe_fail(self) -> None:
        if self.failures:
            raise self.failures.pop(0)

    def send_sms(self, phone: str, text: str) -> str:
        self._maybe_fail()
        self.sms.append((phone, text))
        return f"sms-{next(self._ids)}"

    def send_email(self, to: str, subject: str, text: str, html: str) -> str:
        self._maybe_fail()
        self.emails.append((to, subject, text, html))
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

    def put_many(self, participants: Iterable[Participant]) -> int:
        count = 0
        for participant in participants:
            self.people[participant.bhxh_code] = participant
            count += 1
        self.batches.append(count)
        return count


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


def _sequential_ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"decl-{next(counter):04d}"


@dataclass
class FakeDeps:
    declarations: FakeDeclarationStore = field(default_factory=FakeDeclarationStore)
    outbox: FakeOutbox = field(default_factory=FakeOutbox)
    sender: FakeSender = field(default_factory=FakeSender)
    offices: FakeOfficeDirectory = field(default_factory=FakeOfficeDirectory)
    registry: FakeRegistry = field(default_factory=FakeRegistry)
    clock: Callable[[], datetime] = field(default_factory=lambda: FakeClock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC)))
    new_id: Callable[[], str] = field(default_factory=_sequential_ids)
