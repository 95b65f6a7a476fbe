"""Worker use case: send queued notices through their providers, once each.

For every batch of messages: claim the ledger records together with the
abuse limits (SMS per number per hour and day, no identical SMS within 10
minutes) and the email suppression list (conditional writes in one
transaction, so a redelivered message sends nothing twice), call the
provider for each, then mark them sent together: three store requests for a
batch in the common case. A temporary failure comes back with exponential
backoff and jitter until the queue dead-letters it; a permanent one is
recorded and dead-lettered at once. Nothing is dropped silently: every
notice ends ``sent``, ``suppressed`` or in the dead-letter queue."""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..domain.notification import (
    EMAIL,
    FORM01_ATTACHMENT,
    SMS,
    TEMPORARY_FAILURE,
    Attachment,
    Notification,
    SentNotice,
    needs_sms_admission,
    retry_delay,
)
from ..services.ports.notices import PermanentSendError, TemporarySendError
from .deps import Deps

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    outcome: str  # sent, skipped, suppressed, permanent_failure, temporary_failure (comes back)
    channel: str = ""
    kind: str = ""
    latency_seconds: float = 0.0
    reason: str = ""
    attempts: int = 0  # of a temporary failure: the tries so far, for the backoff


@dataclass(frozen=True)
class QueuedMessage:
    message_id: str
    receipt_handle: str
    body: str


@dataclass
class BatchResult:
    failed: list[str] = field(default_factory=list)  # message ids to deliver again
    deliveries: list[Delivery] = field(default_factory=list)
    dead_lettered: int = 0


def attachments(deps: Deps, notice: Notification) -> list[Attachment]:
    """The documents a notice carries, rendered now (the same bytes as any other print of them):
    Form 01 of an online declaration. None when the declaration is gone (the text stands alone)."""
    if not (notice.attachment or "").startswith(FORM01_ATTACHMENT):
        return []
    declaration = deps.declarations.get(str(notice.attachment)[len(FORM01_ATTACHMENT) :])
    if declaration is None:
        return []
    from ..documents.form01_pdf import render_form01

    rendered = render_form01(declaration, deps.offices.get(declaration.form.office_code))
    return [Attachment(rendered.filename, "application/pdf", rendered.content)]


def deliver_notification(deps: Deps, notification_id: str, now: datetime) -> Delivery:
    """One notice (a batch of one). Raises ``TemporarySendError`` (carrying the attempt count) so
    the queue delivers the message again."""
    delivery = deliver_notices(deps, [notification_id], now)[notification_id]
    if delivery.outcome == TEMPORARY_FAILURE:
        raise TemporarySendError(delivery.reason, delivery.attempts)
    return delivery


def _claim_alone(deps: Deps, notification_id: str, now: datetime) -> tuple[Notification | None, Delivery | None]:
    """What a batch could not settle: claimed, then its limits applied, one request each."""
    notice = deps.outbox.claim(notification_id, now)
    if notice is None:
        return None, Delivery("skipped")
    refused = None
    if needs_sms_admission(notice):
        refused = deps.outbox.admit_sms(notice, now, deps.settings.sms_limits())
    elif notice.channel == EMAIL and deps.outbox.is_email_suppressed(notice.recipient):
        refused = "email_suppressed"
    if refused:
        deps.outbox.mark_suppressed(notice.id, refused)
        return None, Delivery("suppressed", notice.channel, notice.kind, reason=refused)
    return notice, None


def deliver_notices(deps: Deps, notification_ids: list[str], now: datetime) -> dict[str, Delivery]:
    """Send a batch: claimed together with their limits (``Outbox.claim_batch``), each sent
    through its provider, then marked sent together (``Outbox.mark_sent_batch``): in the common
    case three store requests for the whole batch. A failure is recorded at once, on its own."""
    batch = deps.outbox.claim_batch(notification_ids, now, deps.settings.sms_limits())
    results: dict[str, Delivery] = {
        notice.id: Delivery("suppressed", notice.channel, notice.kind, reason=why) for notice, why in batch.refused
    }
    to_send = list(batch.claimed)
    for notification_id in batch.unsettled:
        notice, outcome = _claim_alone(deps, notification_id, now)
        if notice is not None:
            to_send.append(notice)
        elif outcome is not None:
            results[notification_id] = outcome
    sent: list[SentNotice] = []
    for notice in to_send:
        results[notice.id] = _send(deps, notice, sent)
    lost = deps.outbox.mark_sent_batch(sent)
    if lost:
        # Sent by us, but another worker's claim took over the record meanwhile (it was stale).
        logger.warning("sent notices taken over before being marked", extra={"notices": len(lost)})
    return {notification_id: results.get(notification_id, Delivery("skipped")) for notification_id in notification_ids}


def _send(deps: Deps, notice: Notification, sent: list[SentNotice]) -> Delivery:
    attempts = max(1, notice.attempts)
    text, html = notice.rendered()
    try:
        if notice.channel == SMS:
            message_id = deps.sender.send_sms(notice.recipient, text)
        else:
            message_id = deps.sender.send_email(notice.recipient, notice.subject, text, html, attachments(deps, notice))
    except PermanentSendError as error:
        deps.outbox.mark_failed(notice.id, permanent=True, error=str(error), now=deps.clock())
        return Delivery("permanent_failure", notice.channel, notice.kind, reason=str(error))
    except TemporarySendError as error:
        deps.outbox.mark_failed(notice.id, permanent=False, error=str(error), now=deps.clock())
        return Delivery(TEMPORARY_FAILURE, notice.channel, notice.kind, reason=str(error), attempts=attempts)
    sent_at = deps.clock()
    latency = (sent_at - notice.created_at).total_seconds()
    # The service report's latency histogram moves in the same write that records the notice as sent.
    clear = bool(notice.secret) or attempts > 1  # a secret to erase, or an earlier try's error
    sent.append(SentNotice(notice.id, message_id, sent_at, latency, notice.kind, clear=clear))
    return Delivery("sent", notice.channel, notice.kind, latency)


def run_task(deps: Deps, task: dict[str, Any], now: datetime) -> bool:
    """Work queued by a request (``Outbox.enqueue_task``); False to try again later.
    An unknown task raises ``KeyError`` and is dead-lettered."""
    from .alert_named_people import DECLARATION_ALERT, handle_declaration_alert
    from .cancel_superseded import SUPERSEDED_CANCELLATION, handle_cancellation
    from .recover_account import RECOVERY_REQUESTED, handle_recovery_request

    handlers = {
        RECOVERY_REQUESTED: handle_recovery_request,
        DECLARATION_ALERT: handle_declaration_alert,
        SUPERSEDED_CANCELLATION: handle_cancellation,
    }
    handler = handlers[str(task["task"])]
    try:
        handler(deps, task, now)
    except Exception as error:  # any failure: the queue delivers it again
        logger.warning("queued task failed", extra={"task": task["task"], "error_type": type(error).__name__})
        return False
    return True


def deliver_batch(deps: Deps, messages: list[QueuedMessage], now: datetime) -> BatchResult:
    result = BatchResult()
    base, cap = deps.settings.retry_base_seconds, deps.settings.retry_cap_seconds
    notices: list[tuple[QueuedMessage, str]] = []
    for message in messages:
        try:
            payload = json.loads(message.body)
            if isinstance(payload, dict) and "task" in payload:
                if not run_task(deps, payload, now):
                    result.failed.append(message.message_id)  # comes back; dead-lettered after the last try
                continue
            notices.append((message, str(payload["notification_id"])))
        except (ValueError, KeyError, TypeError):
            deps.outbox.dead_letter(message.body, "malformed message")
            result.dead_lettered += 1
    if not notices:
        return result
    deliveries = deliver_notices(deps, [nid for _, nid in notices], now)  # a repeated id is claimed once
    for message, notification_id in notices:
        delivery = deliveries[notification_id]
        if delivery.outcome == TEMPORARY_FAILURE:
            delay = retry_delay(delivery.attempts, base=base, cap=cap, jitter=random.random())  # noqa: S311 - jitter
            deps.outbox.delay_retry(message.receipt_handle, delay)
            result.failed.append(message.message_id)
            continue
        if delivery.outcome == "permanent_failure":
            deps.outbox.dead_letter(message.body, delivery.reason or "permanent failure")
            result.dead_lettered += 1
        result.deliveries.append(delivery)
    return result
