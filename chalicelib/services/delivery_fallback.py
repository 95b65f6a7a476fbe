"""Use case: a decision that did not reach the person by one channel goes by the other
(``domain.fallback``). Two ways in: a receipt saying it failed (``delivery_receipts``), and the
scheduled sweep of SMS the provider said nothing about for ``fallback_after_minutes``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.fallback import (
    EMAIL_BOUNCED,
    FALLBACK_KIND,
    FALLBACK_KINDS,
    SMS_FAILED,
    SMS_NO_RECEIPT,
    declaration_of,
    falls_back,
    plan_fallback,
    sibling_id,
)
from ..domain.notification import EMAIL, SMS, Notification
from .deps import Deps

# What one sweep looks back over beyond ``fallback_after``: the sweep runs every 5 minutes, so an
# SMS is looked at several times (a fallback is stored once: the notice is marked) and a sweep
# missed for up to an hour is made good by the next.
SWEEP_LOOKBACK = timedelta(hours=1)

# A fallback notice still ``queued`` this long after it was stored was never put on the queue (the
# queue refused it, or the function stopped in between): the sweep queues it again (the worker claims
# before it sends, so a second message sends nothing twice).
STUCK_AFTER = timedelta(minutes=2)

QUEUED = "queued"  # a fallback notice was stored and queued
UNAVAILABLE = "unavailable"  # nothing to fall back to (no email given, or that channel failed too)
ALREADY = "already"  # the decision fell back before (or was found so): nothing done


def fall_back(deps: Deps, failed: Notification, cause: str, now: datetime) -> str:
    """One decision's notice did not arrive: ``queued``, ``unavailable`` or ``already``."""
    if not falls_back(failed):
        return ALREADY
    decided = declaration_of(failed)
    declaration = deps.declarations.get(decided) if decided else None
    sibling = deps.outbox.get(sibling_id(failed))
    suppressed = sibling is not None and sibling.channel == EMAIL and deps.outbox.is_email_suppressed(sibling.recipient)
    plan = plan_fallback(failed, sibling, cause, now, declaration, address_suppressed=suppressed)
    if not deps.outbox.record_fallback(plan):
        return ALREADY  # this notice fell back before, or the decision did by its other notice
    if plan.fallback is None:
        return UNAVAILABLE
    # Stored before it is queued: if queueing fails, the ledger keeps it ``queued`` and the next
    # sweep queues it (``STUCK_AFTER``).
    deps.outbox.enqueue([plan.fallback])
    return QUEUED


def cause_of_failure(notice: Notification) -> str:
    return SMS_FAILED if notice.channel == SMS else EMAIL_BOUNCED


@dataclass(frozen=True)
class SweepReport:
    looked_at: int  # decisions' SMS with no receipt in time
    queued: int  # of those, fallen back now
    unavailable: int  # of those, with nothing to fall back to
    requeued: int = 0  # fallback notices stored earlier but never queued, queued now


def fall_back_unreceipted(deps: Deps, now: datetime) -> SweepReport:
    """Decisions' SMS that the provider accepted and then said nothing about for
    ``fallback_after_minutes``: the person gets the email fallback. Then the fallbacks stored in
    the last hour that are still ``queued`` go on the queue again."""
    after = timedelta(minutes=deps.settings.fallback_after_minutes)
    silent = deps.outbox.unreceipted_sms(now - after - SWEEP_LOOKBACK, now - after, FALLBACK_KINDS)
    outcomes = [fall_back(deps, notice, SMS_NO_RECEIPT, now) for notice in silent]
    stuck = deps.outbox.queued_of_kind(FALLBACK_KIND, now - after - SWEEP_LOOKBACK, now - STUCK_AFTER)
    if stuck:
        deps.outbox.enqueue(stuck)
    return SweepReport(len(silent), outcomes.count(QUEUED), outcomes.count(UNAVAILABLE), len(stuck))
