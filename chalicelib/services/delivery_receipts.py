"""Use case: the providers' delivery receipts reach the ledger (``domain.delivery``):
SNS's SMS delivery-status logs through a CloudWatch Logs subscription, SES's events
through the configuration set's event destination (the SNS topic the feedback
handler also reads). Nothing personal is logged: counts only."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..domain.delivery import FAILED, Receipt, ses_receipt, sms_receipts
from ..domain.fallback import falls_back
from .delivery_fallback import cause_of_failure, fall_back
from .deps import Deps


def apply_receipts(deps: Deps, receipts: list[Receipt]) -> Counter[str]:
    """How many were applied, ignored (duplicates, older than the one recorded) and unknown; of
    those applied, how many said ``delivered`` and ``failed`` (the failed-delivery rate's metrics);
    and of the decisions that failed for good, how many fell back (``fallback_queued``), had nothing to
    fall back to (``fallback_unavailable``) or had fallen back before (``fallback_already``)."""
    outcomes: Counter[str] = Counter()
    for receipt in receipts:
        outcome, notice = deps.outbox.record_receipt(receipt)
        outcomes[outcome] += 1
        if outcome == "applied":
            outcomes[receipt.status] += 1
        if notice is not None and receipt.status == FAILED and receipt.permanent and falls_back(notice):
            # A decision that did not arrive goes by the other channel (once: see domain.fallback).
            fallen = fall_back(deps, notice, cause_of_failure(notice), deps.clock())
            outcomes[f"fallback_{fallen}"] += 1
    return outcomes


def handle_sms_status_logs(deps: Deps, event: dict[str, Any]) -> Counter[str]:
    """A CloudWatch Logs subscription event of the SNS SMS delivery-status log groups."""
    data = (event.get("awslogs") or {}).get("data") if isinstance(event, dict) else None
    return apply_receipts(deps, sms_receipts(data) if isinstance(data, str) else [])


def handle_ses_message(deps: Deps, message: str) -> Counter[str]:
    """An SES event as the SNS topic of the configuration set's event destination carries it."""
    import json

    try:
        event = json.loads(message)
    except ValueError:
        return Counter()
    return handle_ses_event(deps, event) if isinstance(event, dict) else Counter()


def handle_ses_event(deps: Deps, event: dict[str, Any]) -> Counter[str]:
    receipt = ses_receipt(event)
    return apply_receipts(deps, [receipt] if receipt is not None else [])
