"""DynamoDB ledger + SQS queue adapter of ``Outbox``.

The ledger record is the truth; the SQS message only says "look at record X".
A worker claims a record with a conditional write before calling the
provider, so a redelivered message or a re-run job sends nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from ..domain.delivery import FAILED, RECEIPT_STATUSES, Receipt
from ..domain.errors import ConcurrentChangeError, ServiceBusyError
from ..domain.fallback import UNAVAILABLE_MARK, FallbackPlan, fallback_id
from ..domain.notification import (
    EMAIL,
    PERMANENT_FAILURE,
    QUEUED,
    SENDING,
    SENT,
    SUPPRESSED,
    TEMPORARY_FAILURE,
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
from ..domain.service_report import LEGAL_LIMIT_SECONDS, Tally, merge_counters, notice_tally, receipt_tally
from ..observability import logger
from .audit import save_audit
from .models import GuardModel, NotificationModel
from .stats import DynamoServiceStats
from .transactions import LabelledTransaction, TransactionCancelled

# A claim older than this is taken to belong to a worker that died mid-send;
# it matches the queue's visibility timeout (see infra/).
STALE_CLAIM = timedelta(minutes=2)
SQS_BATCH = 10
# A batch's claim transaction is sent again without the notices a condition refused, this many times
# at most; what is left is claimed one at a time.
CLAIM_ROUNDS = 3
# Refusal labels, in the order a notice is said to be refused when several apply (as ``admit_sms``).
REFUSALS = ("duplicate", "hourly_limit", "daily_limit", "email_suppressed")


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

    @staticmethod
    def _claimable(now: datetime) -> Any:
        """Queued, failed for now, or claimed by a worker that died mid-send."""
        return NotificationModel.id.exists() & (
            NotificationModel.status.is_in(QUEUED, TEMPORARY_FAILURE)
            | ((NotificationModel.status == SENDING) & (NotificationModel.claimed_at < now - STALE_CLAIM))
        )

    @staticmethod
    def _looks_claimable(item: NotificationModel, now: datetime) -> bool:
        """``_claimable`` on a copy read (the write's condition decides)."""
        if item.status in (QUEUED, TEMPORARY_FAILURE):
            return True
        return item.status == SENDING and item.claimed_at is not None and item.claimed_at < now - STALE_CLAIM

    @staticmethod
    def _unchanged_since(item: NotificationModel) -> Any:
        """The record still as read (claimable then): its status and, for a stale claim, its time.
        As strict as ``_claimable`` (any claim since changes one of them) and cheaper to evaluate."""
        condition = NotificationModel.status == item.status
        if item.status == SENDING:
            condition &= NotificationModel.claimed_at == item.claimed_at
        return condition

    @staticmethod
    def _claim_actions(now: datetime) -> list[Action]:
        return [
            NotificationModel.status.set(SENDING),
            NotificationModel.attempts.add(1),
            NotificationModel.claimed_at.set(now),
        ]

    def claim(self, notification_id: str, now: datetime) -> Notification | None:
        item = NotificationModel(notification_id)
        now = now.astimezone(UTC)
        try:
            item.update(actions=self._claim_actions(now), condition=self._claimable(now))
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        return notification_from_model(item)

    def claim_batch(self, notification_ids: list[str], now: datetime, limits: SmsLimits) -> ClaimedBatch:
        """A worker's batch in two requests: one BatchGetItem (consistent) of the notices, then one
        transaction that claims every notice that looks claimable together with the SMS abuse limits
        (the counters and the duplicate guard, as ``admit_sms``) and, for an email, a condition that
        its address is not suppressed. Each notice's claim stands or falls with its own limits.

        A refused condition cancels the whole transaction, which then wrote nothing: the notice
        whose claim was refused is left out (another worker has it); one refused by a limit or the
        suppression list is claimed and marked ``suppressed`` in one conditional write; the others
        go again (``CLAIM_ROUNDS``). Two notices of the batch that would touch the same guard item
        (one transaction may name an item once), or a transaction refused for a passing reason
        beyond its retries, are left ``unsettled``: claimed one at a time by the caller."""
        now = now.astimezone(UTC)
        ids = list(dict.fromkeys(notification_ids))
        if not ids:
            return ClaimedBatch()
        read = {item.id: item for item in NotificationModel.batch_get(ids, consistent_read=True)}
        plan: list[Notification] = []
        unsettled: list[str] = []
        guards: set[str] = set()
        unchanged: dict[str, Any] = {}  # per notice: the claim's condition, the record as read
        for notification_id in ids:
            item = read.get(notification_id)
            if item is None or not self._looks_claimable(item, now):
                continue
            notice = replace(notification_from_model(item), status=SENDING, attempts=int(item.attempts or 0) + 1)
            keys = self._guard_keys(notice, now)
            if guards & keys:
                unsettled.append(notice.id)
                continue
            guards |= keys
            plan.append(notice)
            unchanged[notice.id] = self._unchanged_since(item)
        refused: list[tuple[Notification, str]] = []
        for _ in range(CLAIM_ROUNDS):
            if not plan:
                return ClaimedBatch([], refused, unsettled)
            tx = LabelledTransaction(self._connection)
            for notice in plan:
                tx.update(
                    f"claim#{notice.id}",
                    NotificationModel(notice.id),
                    actions=self._claim_actions(now),
                    condition=unchanged[notice.id],
                )
                self._add_admission(tx, notice, now, limits, suffix=f"#{notice.id}")
            try:
                tx.commit()
            except TransactionCancelled as cancelled:
                failed: dict[str, set[str]] = {}
                for label in cancelled.failed:
                    reason, _, notification_id = label.partition("#")
                    failed.setdefault(notification_id, set()).add(reason)
                for notice in plan:
                    reasons = failed.get(notice.id, set())
                    if reasons and "claim" not in reasons:
                        why = next(r for r in REFUSALS if r in reasons)
                        if self._claim_refused(notice.id, why, now):
                            refused.append((notice, why))
                plan = [notice for notice in plan if notice.id not in failed]
                continue
            except ServiceBusyError:
                break
            return ClaimedBatch(plan, refused, unsettled)
        return ClaimedBatch([], refused, unsettled + [notice.id for notice in plan])

    def _guard_keys(self, notice: Notification, now: datetime) -> set[str]:
        if needs_sms_admission(notice):
            return set(self._sms_guard_keys(notice, now))
        if notice.channel == EMAIL:
            return {_suppression_key(notice.recipient)}
        return set()

    @staticmethod
    def _sms_guard_keys(notice: Notification, now: datetime) -> tuple[str, str, str]:
        phone = notice.recipient
        fingerprint = sms_fingerprint(phone, notice.rendered()[0])
        return (
            f"rate#sms#{phone}#{now.strftime('%Y%m%d%H')}",
            f"rate#sms#{phone}#{now.strftime('%Y%m%d')}",
            f"dup#sms#{fingerprint}",
        )

    def _add_admission(
        self, tx: LabelledTransaction, notice: Notification, now: datetime, limits: SmsLimits, *, suffix: str = ""
    ) -> None:
        """The conditions under which ``notice`` may go, and what it counts, into ``tx``: an SMS's
        hourly and daily allowance and duplicate guard (``needs_sms_admission``); an email's address
        not suppressed."""
        if notice.channel == EMAIL:
            tx.condition_check(
                f"email_suppressed{suffix}",
                GuardModel,
                _suppression_key(notice.recipient),
                condition=GuardModel.key.does_not_exist(),
            )
            return
        if needs_sms_admission(notice):
            self._add_sms_admission(tx, notice, now, limits, suffix=suffix)

    def _add_sms_admission(
        self, tx: LabelledTransaction, notice: Notification, now: datetime, limits: SmsLimits, *, suffix: str = ""
    ) -> None:
        hourly, daily, duplicate = self._sms_guard_keys(notice, now)
        for label, key, limit, keep in (
            ("hourly_limit", hourly, limits.per_hour, timedelta(hours=2)),
            ("daily_limit", daily, limits.per_day, timedelta(days=2)),
        ):
            tx.update(
                f"{label}{suffix}",
                GuardModel(key),
                actions=[
                    GuardModel.hits.add(1),
                    GuardModel.owner.set(notice.id),
                    GuardModel.expires_at.set(now + keep),
                ],
                condition=GuardModel.hits.does_not_exist() | (GuardModel.hits < limit),
            )
        tx.save(
            f"duplicate{suffix}",
            GuardModel(duplicate, owner=notice.id, expires_at=now + limits.duplicate_window),
            condition=GuardModel.key.does_not_exist() | (GuardModel.expires_at <= now),
        )

    def _claim_refused(self, notification_id: str, reason: str, now: datetime) -> bool:
        """Claim a notice a limit refused and mark it ``suppressed`` in one write; False when
        another worker has it."""
        try:
            NotificationModel(notification_id).update(
                actions=[
                    *self._claim_actions(now)[1:],
                    NotificationModel.status.set(SUPPRESSED),
                    NotificationModel.error.set(reason),
                    NotificationModel.secret.remove(),
                ],
                condition=self._claimable(now),
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_sent_batch(self, sent: list[SentNotice]) -> list[str]:
        """One transaction for the whole batch: every notice (still ``sending``) and the day's
        latency histogram with all their counts (one counter item a day); then the day's maximum,
        a conditional write apart, only when it rises. When a notice is no longer ``sending``
        (cancelled, nothing written) or the transaction outlasts its retries, each is marked on
        its own (``mark_sent``, which never leaves a sent notice ``sending``)."""
        if len(sent) <= 1:
            return [entry.notification_id for entry in sent if not self._mark_one(entry)]
        tallies = [notice_tally(e.latency_seconds, e.sent_at, e.kind) for e in sent]
        tx = LabelledTransaction(self._connection)
        for entry in sent:
            tx.update(
                "notice",
                NotificationModel(entry.notification_id),
                actions=self._sent_actions(
                    entry.provider_message_id, entry.sent_at, entry.latency_seconds, clear=entry.clear
                ),
                condition=NotificationModel.status == SENDING,
            )
        merged = _merged_tallies(tallies)
        for tally in merged:
            self._stats.add_to(tx, tally)
        try:
            tx.commit()
        except (TransactionCancelled, ServiceBusyError):
            return [entry.notification_id for entry in sent if not self._mark_one(entry)]
        for tally in merged:
            self._stats.raise_max(tally)
        return []

    def _mark_one(self, entry: SentNotice) -> bool:
        tally = notice_tally(entry.latency_seconds, entry.sent_at, entry.kind)
        try:
            self.mark_sent(
                entry.notification_id, entry.provider_message_id, entry.sent_at, entry.latency_seconds, tally
            )
        except ConcurrentChangeError:
            return False
        return True

    @staticmethod
    def _sent_actions(provider_message_id: str, now: datetime, latency: float, *, clear: bool = True) -> list[Action]:
        """``clear``: erase the secret (the temporary password) and the last error; False only when
        the notice as claimed had neither."""
        return [
            NotificationModel.status.set(SENT),
            NotificationModel.sent_at.set(now.astimezone(UTC)),
            NotificationModel.provider_message_id.set(provider_message_id),
            NotificationModel.latency_seconds.set(round(latency, 3)),
            *([NotificationModel.error.remove(), NotificationModel.secret.remove()] if clear else []),
        ]

    def mark_sent(
        self, notification_id: str, provider_message_id: str, now: datetime, latency: float, tally: Tally | None = None
    ) -> None:
        """One transaction: the ledger record (still ``sending``) and the latency
        histogram of the day; then the day's maximum, a conditional write apart.

        The notice is sent already: should the transaction keep losing to busy counter
        items (``ServiceBusyError``), the ledger is marked sent alone, without the counters
        (logged: the report misses one latency), never left ``sending`` for a second send."""
        actions = self._sent_actions(provider_message_id, now, latency)
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

    def record_receipt(self, receipt: Receipt) -> tuple[str, Notification | None]:
        """``applied`` (with the notice as it is now), ``ignored`` (a duplicate, or older than the
        receipt recorded) or ``unknown`` (no notice was sent with that provider id). One query of the
        sparse index, one conditional update."""
        found = list(NotificationModel.by_provider_message.query(receipt.provider_message_id, limit=1))
        if not found:
            return "unknown", None
        seen = found[0]
        for _ in range(2):  # the index may lag the table: on a lost condition, read the item and try once more
            outcome = self._apply_receipt(seen, receipt)
            if outcome != "retry":
                failed = outcome == "applied" and receipt.status == FAILED
                return outcome, self._after_failure(seen.id) if failed else None
            try:
                seen = NotificationModel.get(seen.id, consistent_read=True)
            except NotificationModel.DoesNotExist:
                return "unknown", None
        return "ignored", None

    def _after_failure(self, notification_id: str) -> Notification | None:
        """The whole notice (the index holds its keys and status only) that a receipt said failed: what
        a fallback needs (``domain.fallback``); a delivered one needs nothing, so costs no read."""
        try:
            return notification_from_model(NotificationModel.get(notification_id, consistent_read=True))
        except NotificationModel.DoesNotExist:
            return None

    def record_fallback(self, plan: FallbackPlan) -> bool:
        """Mark the failed notice, store the fallback notice (if any) and the audit event, in one
        transaction on condition the notice was never marked and the decision has no fallback yet
        (its id is one per decision: the new notice's condition, or a check when there is none):
        False when either was so."""
        tx = LabelledTransaction(self._connection)
        tx.update(
            "failed",
            NotificationModel(plan.failed.id),
            actions=[NotificationModel.fallback.set(plan.fallback.id if plan.fallback else UNAVAILABLE_MARK)],
            condition=NotificationModel.id.exists() & NotificationModel.fallback.does_not_exist(),
        )
        if plan.fallback is not None:
            save_notices(tx, [plan.fallback])
        else:
            tx.condition_check(
                "fallback", NotificationModel, fallback_id(plan.failed), condition=NotificationModel.id.does_not_exist()
            )
        save_audit(tx, [plan.audit])
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            if cancelled.failed:
                return False
            raise ConcurrentChangeError() from cancelled
        return True

    def unreceipted_sms(self, created_from: datetime, created_to: datetime, kinds: Iterable[str]) -> list[Notification]:
        """SMS of ``kinds`` created in [from, to) that were sent, have no receipt and never fell back:
        the day index's range, the rest filtered by DynamoDB."""
        wanted = (
            (NotificationModel.channel == "sms")
            & (NotificationModel.status == SENT)
            & NotificationModel.kind.is_in(*kinds)
            & NotificationModel.fallback.does_not_exist()
        )
        return self._created_between(created_from, created_to, wanted)

    def queued_of_kind(self, kind: str, created_from: datetime, created_to: datetime) -> list[Notification]:
        wanted = (NotificationModel.kind == kind) & (NotificationModel.status == QUEUED)
        return self._created_between(created_from, created_to, wanted)

    @staticmethod
    def _created_between(created_from: datetime, created_to: datetime, wanted: Any) -> list[Notification]:
        """Notices created in [from, to) that match ``wanted``: the day index, one query a day."""
        start, end = created_from.astimezone(UTC), created_to.astimezone(UTC)
        found: list[Notification] = []
        day = start.date()
        while day <= end.date():
            found.extend(
                notification_from_model(item)
                for item in NotificationModel.by_day.query(
                    day.isoformat(),
                    NotificationModel.created_at.between(start, end - timedelta(microseconds=1)),
                    filter_condition=wanted,
                )
            )
            day += timedelta(days=1)
        return found

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
        tx = LabelledTransaction(self._connection)
        self._add_sms_admission(tx, notice, now.astimezone(UTC), limits)
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            for reason in REFUSALS:
                if reason in cancelled.failed:
                    return reason
            return "rate_limited"
        return None

    def is_email_suppressed(self, address: str) -> bool:
        try:
            GuardModel.get(_suppression_key(address))
        except GuardModel.DoesNotExist:
            return False
        return True

    def suppress_email(self, address: str, reason: str) -> None:
        GuardModel(_suppression_key(address), owner=reason[:100]).save()

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
                item.fallback,
            )
            for item in items
        ]

    def get(self, notification_id: str) -> Notification | None:
        try:
            return notification_from_model(NotificationModel.get(notification_id, consistent_read=True))
        except NotificationModel.DoesNotExist:
            return None


def _suppression_key(address: str) -> str:
    return f"suppressed#email#{address.lower()}"


def _merged_tallies(tallies: Iterable[Tally]) -> list[Tally]:
    """One tally a day: the counts summed (``merge_counters``), the highest latency kept."""
    by_day: dict[date, list[Tally]] = {}
    for tally in tallies:
        by_day.setdefault(tally.day, []).append(tally)
    return [
        Tally(
            day,
            merge_counters(t.counts for t in same_day),
            latency_max_ms=max((t.latency_max_ms for t in same_day if t.latency_max_ms is not None), default=None),
        )
        for day, same_day in by_day.items()
    ]
