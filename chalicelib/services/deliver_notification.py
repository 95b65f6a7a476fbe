"""Worker use case: send one queued notice through its provider, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain.notification import SMS
from .deps import Deps
from .ports import PermanentSendError, TemporarySendError


@dataclass(frozen=True)
class Delivery:
    outcome: str  # sent, skipped, permanent_failure
    channel: str = ""
    kind: str = ""
    latency_seconds: float = 0.0


def deliver_notification(deps: Deps, notification_id: str, now: datetime) -> Delivery:
    """Raises ``TemporarySendError`` so the queue delivers the message again."""
    notice = deps.outbox.claim(notification_id, now)
    if notice is None:
        return Delivery("skipped")
    text, html = notice.rendered()
    try:
        if notice.channel == SMS:
            message_id = deps.sender.send_sms(notice.recipient, text)
        else:
            message_id = deps.sender.send_email(notice.recipient, notice.subject, text, html)
    except PermanentSendError as error:
        deps.outbox.mark_failed(notice.id, permanent=True, error=str(error), now=deps.clock())
        return Delivery("permanent_failure", notice.channel, notice.kind)
    except TemporarySendError as error:
        deps.outbox.mark_failed(notice.id, permanent=False, error=str(error), now=deps.clock())
        raise
    sent_at = deps.clock()
    deps.outbox.mark_sent(notice.id, message_id, sent_at)
    return Delivery("sent", notice.channel, notice.kind, (sent_at - notice.created_at).total_seconds())
