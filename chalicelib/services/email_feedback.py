"""Use case: SES reports a permanent bounce or a complaint; the address is
put on the suppression list so no further email goes to it (GOV.UK Notify
does the same). The same events' receipts reach the ledger through
``delivery_receipts.handle_ses_message``."""

from __future__ import annotations

import json
from typing import Any

from .deps import Deps


def _addresses(feedback: dict[str, Any]) -> list[tuple[str, str]]:
    kind = feedback.get("notificationType") or feedback.get("eventType")
    if kind == "Bounce":
        bounce = feedback.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return []  # transient bounces: SES retries, nothing to suppress
        return [(r.get("emailAddress", ""), "bounce") for r in bounce.get("bouncedRecipients", [])]
    if kind == "Complaint":
        complaint = feedback.get("complaint") or {}
        return [(r.get("emailAddress", ""), "complaint") for r in complaint.get("complainedRecipients", [])]
    return []


def handle_ses_feedback(deps: Deps, message: str) -> int:
    """Returns how many addresses were suppressed; ignores what it cannot read."""
    try:
        feedback = json.loads(message)
    except ValueError:
        return 0
    if not isinstance(feedback, dict):
        return 0
    count = 0
    for address, reason in _addresses(feedback):
        if isinstance(address, str) and "@" in address and len(address) <= 254:
            deps.outbox.suppress_email(address.strip(), reason)
            count += 1
    return count
