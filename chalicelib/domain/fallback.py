"""Fallback: a decision that did not reach the person by one channel goes by the other.

Every decision (approval, rejection, cancellation) goes by SMS, and by email too when the person
gave an address (``notices_for``). When the provider says the SMS did not arrive (a carrier
FAILURE), or says nothing for ``fallback_after`` minutes, or when the email bounced hard (or was
rejected, or could not be rendered), the person gets one more notice by the other channel: it
names the decision and says which address or number did not work, so they can correct it before
a recovery code or a reminder is lost the same way. It never carries a secret: a temporary
password is erased once sent; the fallback says where it went.

Rules: only the decision kinds fall back (a fallback never does: no loop); one fallback per
decision, whichever channel failed first (the failed notice is marked in the same transaction,
and the fallback's id is fixed per decision: never two); none when the other channel is missing
(no email given) or has failed too. Each outcome is in the declaration's audit trail (the officer
desk's history): ``fallback_by_email``, ``fallback_by_sms`` or ``fallback_unavailable``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import templates
from .declaration import Declaration, audit_event_id, declaration_event
from .delivery import FAILED
from .identifiers import mask
from .notification import EMAIL, PERMANENT_FAILURE, SMS, SUPPRESSED, AuditEvent, Notification

FALLBACK_KINDS = frozenset({"account_approved", "declaration_rejected", "office_cancelled"})
FALLBACK_KIND = "delivery_fallback"

# Why a decision fell back (the audit event's reason).
SMS_FAILED = "sms_failed"
SMS_NO_RECEIPT = "sms_no_receipt"
EMAIL_BOUNCED = "email_bounced"

# The audit event's status: the fallback was queued (by email, by SMS), or there was nothing to fall back to.
FALLBACK_BY_EMAIL = "fallback_by_email"
FALLBACK_BY_SMS = "fallback_by_sms"
FALLBACK_UNAVAILABLE = "fallback_unavailable"
FALLBACK_STATUSES = (FALLBACK_BY_EMAIL, FALLBACK_BY_SMS, FALLBACK_UNAVAILABLE)
# What the failed notice's ``fallback`` mark holds when there was nothing to fall back to.
UNAVAILABLE_MARK = "unavailable"

FALLBACK_ACTOR = "system:delivery-fallback"


def other_channel(channel: str) -> str:
    return EMAIL if channel == SMS else SMS


def sibling_id(notice: Notification) -> str:
    """The same decision's notice on the other channel (``notices_for`` names them so)."""
    return f"{notice.source}#{notice.kind}#{other_channel(notice.channel)}"


def fallback_id(notice: Notification) -> str:
    """One per decision, whichever channel failed: two fallbacks would need two ids."""
    return f"{notice.source}#{notice.kind}#fallback"


def falls_back(notice: Notification) -> bool:
    return notice.kind in FALLBACK_KINDS


@dataclass(frozen=True)
class FallbackPlan:
    """What falling back ``failed`` means: the notice to send (None: nothing to send it by) and
    the audit event that records it either way."""

    failed: Notification
    fallback: Notification | None
    audit: AuditEvent


def declaration_of(notice: Notification) -> str | None:
    """The declaration a decision's notice is about (``notices_for(source="declaration#<id>")``)."""
    prefix, _, declaration_id = notice.source.partition("#")
    return declaration_id if prefix == "declaration" and declaration_id else None


def plan_fallback(
    failed: Notification,
    sibling: Notification | None,
    cause: str,
    now: datetime,
    declaration: Declaration | None = None,
    *,
    address_suppressed: bool = False,
) -> FallbackPlan:
    """``sibling``: the decision's notice on the other channel as the ledger holds it, if any;
    ``declaration``: the one decided, whose history (the officer desk's) records the fallback;
    ``address_suppressed``: the sibling's email address is on the suppression list (it bounced or
    complained before), so an email would not go."""
    usable = (
        sibling is not None and sibling.status not in (FAILED, PERMANENT_FAILURE, SUPPRESSED) and not address_suppressed
    )
    fallback = _fallback_notice(failed, sibling, now) if usable and sibling is not None else None
    to_status = (
        (FALLBACK_BY_EMAIL if fallback.channel == EMAIL else FALLBACK_BY_SMS) if fallback else FALLBACK_UNAVAILABLE
    )
    detail = {"notice": failed.id, **({"fallback": fallback.id} if fallback else {})}
    if declaration is not None:
        audit = declaration_event(
            declaration,
            to_status,
            actor=FALLBACK_ACTOR,
            at=now,
            office_code=declaration.received_office or declaration.office_code,  # the dossier's office
            trace_id=None,
            reason=cause,
            detail=detail,
        )
    else:
        audit = AuditEvent(
            subject=failed.source,
            event_id=audit_event_id(now, to_status),
            from_status=None,
            to_status=to_status,
            actor=FALLBACK_ACTOR,
            channel=other_channel(failed.channel),
            at=now,
            reason=cause,
            detail=detail,
        )
    return FallbackPlan(failed, fallback, audit)


def _fallback_notice(failed: Notification, sibling: Notification, now: datetime) -> Notification:
    if failed.channel == SMS:
        mail = templates.sms_fallback_email(mask(failed.recipient, 3, 3), failed.text, failed.created_at)
        return Notification(
            fallback_id(failed),
            FALLBACK_KIND,
            EMAIL,
            sibling.recipient,
            mail.text,
            failed.source,
            now,
            subject=mail.subject,
            html=mail.html,
        )
    sms = templates.email_fallback_sms(failed.kind, mask(failed.recipient))
    return Notification(fallback_id(failed), FALLBACK_KIND, SMS, sibling.recipient, sms.text, failed.source, now)
