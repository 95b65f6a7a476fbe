"""DynamoDB ledger + SQS queue adapter of ``Outbox``.

The ledger record is the truth; the SQS message only says "look at record X".
A worker claims a record with a conditional write before calling the
provider, so a redelivered message or a re-run job sends nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from ..domain.delivery import RECEIPT_STATUSES, Receipt
from ..domain.errors import ConcurrentChangeError, ServiceBusyError
from ..domain.notification import (
    PERMANENT_FAILURE,
    QUEUED,
    SENDING,
    SENT,
    SUPPRESSED,
    TEMPORARY_FAILURE,
    AuditEvent,
    LedgerEntry,
    Notification,
    Recorded,
    SmsLimits,
    sms_fingerprint,
)
from ..domain.service_report import LEGAL_LIMIT_SECONDS, Tally, receipt_tally
from ..observability import logger
from .audit import save_audit
from .models import GuardModel, NotificationModel
from .stats import DynamoServiceStats
from .transactions import LabelledTransaction, TransactionCancelled

# A claim older than this is taken to belong to a worker that died mid-send;
# it matches the queue's visibility timeout (see infra/).
STALE_CLAIM = timedelta(minutes=2)
SQS_BATCH = 10


def notification_model(notice: Notification) -> NotificationModel:
    return NotificationModel(
        notice.id,
        kind=notice.kind,
        channel=notice.channel,
        recipient=notice.recipient,
        subject=notice.subject or None,
        text=notice.text,
        html=notice.html or None,
        template_version=notice.template_version,
        source=notice.source,
        status=notice.status,
        attempts=0,
        created_at=notice.created_at.astimezone(UTC),
        day=notice.created_at.astimezone(UTC).date().isoformat(),
        secret=notice.secret,
        attachment=notice.attachment,
        expires_at=notice.created_at.astimezone(UTC) + LEDGER_RETENTION,
    )


# How long the ledger keeps a notice (its TTL): 13 months, the SLA history a year back month on month.
LEDGER_RETENTION = timedelta(days=396)


def save_notices(tx: LabelledTransaction, notices: Iterable[Notification]) -> None:
    """Add the notices to ``tx``, each on condition it is new: a replayed notice cancels the transaction."""
    for notice in notices:
        tx.save("notice", notification_model(notice), condition=NotificationModel.id.does_not_exist())


def notification_from_model(item: NotificationModel) -> Notification:
    return Notification(
        id=item.id,
        kind=item.kind,
        channel=item.channel,
        recipient=item.recipient,
        text=item.text,
        source=item.source,
        created_at=item.created_at,
        subject=item.subject or "",
        html=item.html or "",
        template_version=item.template_version,
        status=item.status,
        secret=item.secret,
        attempts=int(item.attempts or 0),
        attachment=item.attachment,
    )


class DynamoSqsOutbox:
    def __init__(
        self,
        connection: Connection,
        sqs_client: Any,
        queue_url: Callable[[], str],
        dead_letter_url: Callable[[], str] | None = None,
        *,
        stats: DynamoServiceStats,
    ) -> None:
        self._connection = connection
        self._sqs = sqs_client
        self._queue_url = queue_url
        self._dead_letter_url = dead_letter_url or queue_url
        self._stats = stats

    def record(self, notices: list[Notification], audit: list[AuditEvent], tally: Tally | None = None) -> Recorded:
        tx = LabelledTransaction(self._connection)
        save_notices(tx, notices)
        save_audit(tx, audit)
        self._stats.add_to(tx, tally)
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            if not cancelled.failed and tally is not None:
                # Not a replay but a conflict with a concurrent transaction: nothing was written,
                # nothing counted; the caller's retry (the stream delivers the record again) will.
                raise
            # A replay: everything was stored before. Re-queue what no worker took.
            stored = [self.get(n.id) for n in notices]
            return Recorded(False, [n for n in stored if n is not None and n.status == QUEUED])
        return Recorded(True, list(notices))

    def enqueue(self, notices: list[Notification]) -> None:
        for start in range(0, len(notices), SQS_BATCH):
            batch = notices[start : start + SQS_BATCH]
            response = self._sqs.send_message_batch(
                QueueUrl=self._queue_url(),
                Entries=[
                    {"Id": str(i), "MessageBody": json.dumps({"notification_id": n.id})} for i, n in enumerate(batch)
                ],
            )
            if response.get("Failed"):
                # Left ``queued`` in the ledger; the caller's retry re-queues them.
                raise RuntimeError(f"SQS refused {len(response['Failed'])} of {len(batch)} messages")

    def enqueue_task(self, task: str, payload: dict[str, str]) -> None:
        self._sqs.send_message(QueueUrl=self._queue_url(), MessageBody=json.dumps({**payload, "task": task}))

    def claim(self, notification_id: str, now: datetime) -> Notification | None:
        item = NotificationModel(notification_id)
        now = now.astimezone(UTC)
        condition = NotificationModel.status.is_in(QUEUED, TEMPORARY_FAILURE) | (
            (NotificationModel.status == SENDING) & (NotificationModel.claimed_at < now - STALE_CLAIM)
        )
        try:
            item.update(
                actions=[
                    NotificationModel.status.set(SENDING),
                    NotificationModel.attempts.add(1),
                    NotificationModel.claimed_at.set(now),
                ],
                condition=condition & NotificationModel.id.exists(),
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        return notification_from_model(item)

    def mark_sent(
        self, notification_id: str, provider_message_id: str, now: datetime, latency: float, tally: Tally | None = None
    ) -> None:
        """One transaction: the ledger record (still ``sending``) and the latency
        histogram of the day; then the day's maximum, a conditional write apart.

        The notice is sent already: should the transaction keep losing to busy counter
        items (``ServiceBusyError``), the ledger is marked sent alone, without the counters
        (logged: the report misses one latency), never left ``sending`` for a second send."""
        actions: list[Action] = [
            NotificationModel.status.set(SENT),
            NotificationModel.sent_at.set(now.astimezone(UTC)),
            NotificationModel.provider_message_id.set(provider_message_id),
            NotificationModel.latency_seconds.set(round(latency, 3)),
            NotificationModel.error.remove(),
            NotificationModel.secret.remove(),
        ]
        tx = LabelledTransaction(self._connection)
        tx.update(
            "notice", NotificationModel(notification_id), actions=actions, condition=NotificationModel.status == SENDING
        )
        self._stats.add_to(tx, tally)
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            raise ConcurrentChangeError() from cancelled
        except ServiceBusyError:
            logger.warning("notice marked sent without its counters", extra={"notice_kind": "sent", "counters": "lost"})
            try:
                NotificationModel(notification_id).update(
                    actions=actions, condition=NotificationModel.status == SENDING
                )
            except UpdateError as error:
                if error.cause_response_code == "ConditionalCheckFailedException":
                    raise ConcurrentChangeError() from error
                raise
            return
        if tally is not None:
            self._stats.raise_max(tally)

    def record_receipt(self, receipt: Receipt) -> str:
        """``applied``, ``ignored`` (a duplicate, or older than the receipt recorded) or ``unknown``
        (no notice was sent with that provider id). One query of the sparse index, one conditional update."""
        found = list(NotificationModel.by_provider_message.query(receipt.provider_message_id, limit=1))
        if not found:
            return "unknown"
        seen = found[0]
        for _ in range(2):  # the index may lag the table: on a lost condition, read the item and try once more
            outcome = self._apply_receipt(seen, receipt)
            if outcome != "retry":
                return outcome
            try:
                seen = NotificationModel.get(seen.id, consistent_read=True)
            except NotificationModel.DoesNotExist:
                return "unknown"
        return "ignored"

    def _apply_receipt(self, seen: NotificationModel, receipt: Receipt) -> str:
        at = receipt.at.astimezone(UTC)
        if seen.status not in (SENT, *RECEIPT_STATUSES) or (seen.delivery_at is not None and seen.delivery_at >= at):
            return "ignored"  # not sent, or a duplicate, or older than the receipt recorded
        limit = timedelta(seconds=LEGAL_LIMIT_SECONDS)
        before_within = seen.delivery_at is not None and seen.delivery_at - seen.created_at <= limit
        before = (seen.status if seen.status in RECEIPT_STATUSES else None, before_within)
        tally = receipt_tally(seen.sent_at or seen.created_at, before, (receipt.status, at - seen.created_at <= limit))
        unchanged = (NotificationModel.status == seen.status) & (
            NotificationModel.delivery_at.does_not_exist()
            if seen.delivery_at is None
            else NotificationModel.delivery_at == seen.delivery_at
        )
        tx = LabelledTransaction(self._connection)
        tx.update(
            "notice",
            NotificationModel(seen.id),
            actions=[
                NotificationModel.status.set(receipt.status),
                NotificationModel.delivery_at.set(at),
                NotificationModel.delivery_reason.set(receipt.reason or receipt.status),
            ],
            condition=unchanged,
        )
        self._stats.add_to(tx, tally)
        try:
            tx.commit()
        except TransactionCancelled:
            return "retry"
        return "applied"

    def mark_suppressed(self, notification_id: str, reason: str) -> None:
        NotificationModel(notification_id).update(
            actions=[
                NotificationModel.status.set(SUPPRESSED),
                NotificationModel.error.set(reason),
                NotificationModel.secret.remove(),
            ],
            condition=NotificationModel.status == SENDING,
        )

    def admit_sms(self, notice: Notification, now: datetime, limits: SmsLimits) -> str | None:
        """Count the SMS against its number's hourly and daily allowance and
        refuse an identical one within the window, atomically; the reason
        when refused."""
        now = now.astimezone(UTC)
        phone = notice.recipient
        tx = LabelledTransaction(self._connection)
        for label, bucket, limit, keep in (
            ("hourly_limit", now.strftime("%Y%m%d%H"), limits.per_hour, timedelta(hours=2)),
            ("daily_limit", now.strftime("%Y%m%d"), limits.per_day, timedelta(days=2)),
        ):
            tx.update(
                label,
                GuardModel(f"rate#sms#{phone}#{bucket}"),
                actions=[
                    GuardModel.hits.add(1),
                    GuardModel.owner.set(notice.id),
                    GuardModel.expires_at.set(now + keep),
                ],
                condition=GuardModel.hits.does_not_exist() | (GuardModel.hits < limit),
            )
        fingerprint = sms_fingerprint(phone, notice.rendered()[0])
        tx.save(
            "duplicate",
            GuardModel(f"dup#sms#{fingerprint}", owner=notice.id, expires_at=now + limits.duplicate_window),
            condition=GuardModel.key.does_not_exist() | (GuardModel.expires_at <= now),
        )
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            for reason in ("duplicate", "hourly_limit", "daily_limit"):
                if reason in cancelled.failed:
                    return reason
            return "rate_limited"
        return None

    def is_email_suppressed(self, address: str) -> bool:
        try:
            GuardModel.get(f"suppressed#email#{address.lower()}")
        except GuardModel.DoesNotExist:
            return False
        return True

    def suppress_email(self, address: str, reason: str) -> None:
        GuardModel(f"suppressed#email#{address.lower()}", owner=reason[:100]).save()

    def delay_retry(self, receipt_handle: str, seconds: int) -> None:
        """Backoff: the failed message comes back after ``seconds``."""
        self._sqs.change_message_visibility(
            QueueUrl=self._queue_url(), ReceiptHandle=receipt_handle, VisibilityTimeout=min(seconds, 43_200)
        )

    def dead_letter(self, body: str, reason: str) -> None:
        self._sqs.send_message(
            QueueUrl=self._dead_letter_url(),
            MessageBody=body,
            MessageAttributes={"reason": {"DataType": "String", "StringValue": reason[:256]}},
        )

    def mark_failed(self, notification_id: str, *, permanent: bool, error: str, now: datetime) -> None:
        NotificationModel(notification_id).update(
            actions=[
                NotificationModel.status.set(PERMANENT_FAILURE if permanent else TEMPORARY_FAILURE),
                NotificationModel.error.set(error[:500]),
                *([NotificationModel.secret.remove()] if permanent else []),
            ],
            condition=NotificationModel.status == SENDING,
        )

    def ledger_of_day(self, day: date, *, newest_first: bool = False, limit: int | None = None) -> list[LedgerEntry]:
        items = NotificationModel.by_day.query(day.isoformat(), scan_index_forward=not newest_first, limit=limit)
        return [
            LedgerEntry(
                notification_from_model(item),
                float(item.latency_seconds) if item.latency_seconds is not None else None,
                item.error,
                item.delivery_at,
                item.delivery_reason,
            )
            for item in items
        ]

    def get(self, notification_id: str) -> Notification | None:
        try:
            return notification_from_model(NotificationModel.get(notification_id, consistent_read=True))
        except NotificationModel.DoesNotExist:
            return None
