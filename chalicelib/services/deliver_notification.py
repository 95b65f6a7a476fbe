"""Worker use case: send queued notices through their providers, once each.

For every message: claim the ledger record (a conditional write, so a
redelivered message sends nothing twice), apply the abuse limits (SMS per
number per hour and day, no identical SMS within 10 minutes) and the email
suppression list, then call the provider. A temporary failure comes back
with exponential backoff and jitter until the queue dead-letters it; a
permanent one is recorded and dead-lettered at once. Nothing is dropped
silently: every notice ends ``sent``, ``suppressed`` or in the dead-letter
queue."""

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
    LIMIT_EXEMPT_KINDS,
    SMS,
    Attachment,
    Notification,
    retry_delay,
)
from ..domain.service_report import notice_tally
from ..services.ports.notices import PermanentSendError, TemporarySendError
from .deps import Deps

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    outcome: str  # sent, skipped, suppressed, permanent_failure
    channel: str = ""
    kind: str = ""
    latency_seconds: float = 0.0
    reason: str = ""


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
    """Raises ``TemporarySendError`` (carrying the attempt count) so the queue
    delivers the message again."""
    notice = deps.outbox.claim(notification_id, now)
    if notice is None:
        return Delivery("skipped")
    attempts = max(1, notice.attempts)
    if notice.channel == SMS and attempts == 1 and notice.kind not in LIMIT_EXEMPT_KINDS:
        refused = deps.outbox.admit_sms(notice, now, deps.settings.sms_limits())
        if refused:
            deps.outbox.mark_suppressed(notice.id, refused)
            return Delivery("suppressed", notice.channel, notice.kind, reason=refused)
    if notice.channel == EMAIL and deps.outbox.is_email_suppressed(notice.recipient):
        deps.outbox.mark_suppressed(notice.id, "email_suppressed")
        return Delivery("suppressed", notice.channel, notice.kind, reason="email_suppressed")
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
        raise TemporarySendError(str(error), attempts) from error
    sent_at = deps.clock()
    latency = (sent_at - notice.created_at).total_seconds()
    # The service report's latency histogram moves in the same write that records the notice as sent.
    deps.outbox.mark_sent(notice.id, message_id, sent_at, latency, notice_tally(latency, sent_at, notice.kind))
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
    for message in messages:
        try:
            payload = json.loads(message.body)
            if isinstance(payload, dict) and "task" in payload:
                if not run_task(deps, payload, now):
                    result.failed.append(message.message_id)  # comes back; dead-lettered after the last try
                continue
            notification_id = str(payload["notification_id"])
        except (ValueError, KeyError, TypeError):
            deps.outbox.dead_letter(message.body, "malformed message")
            result.dead_lettered += 1
            continue
        try:
            delivery = deliver_notification(deps, notification_id, now)
        except TemporarySendError as error:
            attempts = error.args[1] if len(error.args) > 1 else 1
            delay = retry_delay(int(attempts), base=base, cap=cap, jitter=random.random())  # noqa: S311 - jitter
            deps.outbox.delay_retry(message.receipt_handle, delay)
            result.failed.append(message.message_id)
            continue
        if delivery.outcome == "permanent_failure":
            deps.outbox.dead_letter(message.body, delivery.reason or "permanent failure")
            result.dead_lettered += 1
        result.deliveries.append(delivery)
    return result
