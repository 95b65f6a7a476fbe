"""Delivery receipts: what became of a notice after the provider accepted it.

A notice ends at ``sent`` when SNS or SES accepted it; their receipts then say
whether it reached the phone or the mailbox: SNS's SMS delivery-status log
(SUCCESS / FAILURE, with the carrier's response) and SES's events through the
configuration set (Delivery, Bounce, Complaint, Reject, Rendering Failure).
A receipt moves the ledger ``sent`` -> ``delivered`` or ``failed`` with the
provider's reason. Receipts come at least once and in any order: the ledger keeps
the one with the latest event time, so a duplicate or an older one changes nothing."""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

DELIVERED = "delivered"
FAILED = "failed"
RECEIPT_STATUSES = (DELIVERED, FAILED)
MAX_REASON = 300


@dataclass(frozen=True)
class Receipt:
    """One provider event about one message it accepted (``provider_message_id``)."""

    provider_message_id: str
    status: str  # delivered | failed
    at: datetime  # when the provider says it happened
    reason: str  # the provider's words (carrier response, bounce type and diagnostic), never an address
    # A failure no retry of the provider will mend (a carrier FAILURE, a hard bounce, a reject, a template
    # SES could not render): a decision's notice then falls back to the other channel (``domain.fallback``).
    permanent: bool = True


def _at(value: Any) -> datetime | None:
    """SES writes ISO 8601 with ``Z``; SNS's SMS logs ``2026-11-24 03:00:01.250``, in UTC."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _reason(*parts: Any) -> str:
    return "; ".join(str(p) for p in parts if p)[:MAX_REASON]


def sms_receipts(awslogs_data: str) -> list[Receipt]:
    """The receipts in a CloudWatch Logs subscription event (``awslogs.data``: base64 of gzip of
    JSON) of the account's SNS SMS delivery-status log groups. What cannot be read is left out."""
    try:
        batch = json.loads(gzip.decompress(base64.b64decode(awslogs_data)))
    except (ValueError, OSError, EOFError):
        return []
    found = []
    for event in batch.get("logEvents", []) if isinstance(batch, dict) else []:
        try:
            record = json.loads(event.get("message", ""))
        except (ValueError, AttributeError):
            continue
        if not isinstance(record, dict):
            continue
        notification = record.get("notification") or {}
        delivery = record.get("delivery") or {}
        status = {"SUCCESS": DELIVERED, "FAILURE": FAILED}.get(str(record.get("status", "")))
        message_id = notification.get("messageId")
        at = _at(notification.get("timestamp"))
        if status is None or not isinstance(message_id, str) or not message_id or at is None:
            continue
        found.append(Receipt(message_id, status, at, _reason(delivery.get("providerResponse"))))
    return found


_SES_EVENT_AT = {
    "Delivery": ("delivery", "timestamp"),
    "Bounce": ("bounce", "timestamp"),
    "Complaint": ("complaint", "timestamp"),
    "Reject": ("mail", "timestamp"),
    "Rendering Failure": ("mail", "timestamp"),
}


def ses_receipt(event: dict[str, Any]) -> Receipt | None:
    """The receipt in an SES event (event publishing: ``eventType``; or a feedback
    notification: ``notificationType``), or None for events that say nothing of delivery."""
    kind = event.get("eventType") or event.get("notificationType")
    if kind not in _SES_EVENT_AT:
        return None
    mail = event.get("mail") or {}
    section, field = _SES_EVENT_AT[str(kind)]
    at = _at((event.get(section) or {}).get(field)) or _at(mail.get("timestamp"))
    message_id = mail.get("messageId")
    if not isinstance(message_id, str) or not message_id or at is None:
        return None
    if kind == "Delivery":
        return Receipt(message_id, DELIVERED, at, _reason((event.get("delivery") or {}).get("smtpResponse")))
    if kind == "Complaint":  # it reached the mailbox; the person marked it as spam
        return Receipt(message_id, DELIVERED, at, "complaint")
    if kind == "Bounce":
        bounce = event.get("bounce") or {}
        diagnostics = [r.get("diagnosticCode") for r in bounce.get("bouncedRecipients", []) if isinstance(r, dict)]
        reason = _reason("bounce", bounce.get("bounceType"), bounce.get("bounceSubType"), *diagnostics[:1])
        return Receipt(message_id, FAILED, at, reason, permanent=bounce.get("bounceType") == "Permanent")
    if kind == "Reject":
        return Receipt(message_id, FAILED, at, _reason("reject", (event.get("reject") or {}).get("reason")))
    failure = event.get("failure") or {}
    return Receipt(message_id, FAILED, at, _reason("rendering failure", failure.get("errorMessage")))
