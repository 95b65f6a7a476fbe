"""Where declarations, their guards, decisions and audit trail are stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Protocol

from ...domain.decision import DecidedOnArrival, Decision
from ...domain.declaration import Declaration, GuardKey
from ...domain.id_copy import IdCopy, IdCopyUpload
from ...domain.notification import AuditEvent, Notification


class DeclarationStore(Protocol):
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
        """Put the declaration, its guards (its counter code), audit events, ``notices`` (a paper
        dossier's receipt) and the service report's counters of its status in one transaction.

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
        notices: list[Notification] | None = None,
    ) -> None:
        """Record receipt (its ``notices`` too, and count it for the service report) if ``before`` is still awaiting the
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

    def record_event(self, event: AuditEvent) -> None:
        """Append an audit event that changes nothing else (a refused submission, a read of
        an ID copy); the same event twice is stored once."""

    def ask_id_copy_upload(self, before: Declaration, upload: IdCopyUpload) -> None:
        """Record the upload handed out (the latest replaces any earlier one) if ``before``
        is still received and undecided; ``ConcurrentChangeError`` otherwise."""

    def attach_id_copy(self, before: Declaration, copy: IdCopy, audit: list[AuditEvent]) -> None:
        """Record the checked copy and its audit event in one transaction, if ``before`` is still
        received and its upload asked for is still ``copy.key``; the upload asked for goes.
        ``ConcurrentChangeError`` otherwise, and nothing is written."""

    def decided_for(self, replay_key: str) -> Declaration | None:
        """The declaration decided for the signed document of ``replay_key``, if any."""
