"""The notice ledger and queue (outbox) and the SMS/email provider (sender)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from ...domain.delivery import Receipt
from ...domain.notification import (
    Attachment,
    AuditEvent,
    ClaimedBatch,
    LedgerEntry,
    Notification,
    Recorded,
    SentNotice,
    SmsLimits,
)

if TYPE_CHECKING:  # annotations only: kept off the cold start
    from ...domain.fallback import FallbackPlan
    from ...domain.service_report import Tally


class Outbox(Protocol):
    def record_receipt(self, receipt: Receipt) -> tuple[str, Notification | None]:
        """Apply a provider's delivery receipt to the notice it sent: ``applied`` (with the notice as
        it is now when the receipt said ``failed``); ``ignored`` (a duplicate, or older than the receipt
        recorded); ``unknown`` (no notice has that provider id)."""

    def record_fallback(self, plan: FallbackPlan) -> bool:
        """Mark ``plan.failed`` as fallen back and store the fallback notice (if any) and the audit
        event, atomically; False (nothing stored) when the notice was marked before or the decision
        has a fallback already (``fallback_id``)."""

    def unreceipted_sms(self, created_from: datetime, created_to: datetime, kinds: Iterable[str]) -> list[Notification]:
        """SMS of ``kinds`` created in [from, to), sent, with no receipt, never fallen back."""

    def queued_of_kind(self, kind: str, created_from: datetime, created_to: datetime) -> list[Notification]:
        """Notices of ``kind`` created in [from, to) and still ``queued`` (never taken by a worker)."""

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

    def claim_batch(self, notification_ids: list[str], now: datetime, limits: SmsLimits) -> ClaimedBatch:
        """Claim a batch at once, as ``claim`` does each, with the abuse limits of the SMS that
        need them (``needs_sms_admission``) and the suppression list of the emails, atomically per
        notice: a refused one is claimed and marked ``suppressed``, never sent."""

    def mark_sent_batch(self, sent: list[SentNotice]) -> list[str]:
        """Record the notices as sent, with their latencies counted, as ``mark_sent`` does each;
        the ids another worker's claim took over meanwhile (not written, not counted)."""

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

    def send_email(
        self, to: str, subject: str, text: str, html: str, attachments: Sequence[Attachment] = ()
    ) -> str: ...
