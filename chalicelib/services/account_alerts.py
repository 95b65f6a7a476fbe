"""What tells a person that something happened to their account (OWASP ASVS
2.5.5): a password change, a recovery and a lockout each send an SMS, and an
email when they gave one, "if this was not you, call 1900 9068". An officer's
reissue is told by the SMS and email that carry the new temporary password.

The notices are built here and written by the store in the same transaction
as the change they report; the caller queues them afterwards."""

from __future__ import annotations

from datetime import datetime

from ..domain import templates
from ..domain.account import Account
from ..domain.declaration import audit_event_id
from ..domain.notification import AuditEvent, Notification, notices_for

ACTIVE = "active"


def alert_notices(account: Account, event: str, now: datetime) -> list[Notification]:
    """The owner's SMS and email about ``event`` (one of ``templates.ACCOUNT_EVENTS``)."""
    return notices_for(
        source=f"account#{account.username}#{event}#{now.isoformat()}",
        kind=f"alert_{event}",
        phone=account.phone,
        email=account.email,
        sms=templates.account_alert_sms(event, account.username, now),
        mail=templates.account_alert_email(event, account.full_name, account.username, now),
        now=now,
    )


def account_event(
    account: Account,
    event: str,
    now: datetime,
    *,
    actor: str,
    channel: str,
    office_code: str | None = None,
    trace_id: str | None = None,
) -> AuditEvent:
    """The audit record of a change to an account (the status stays ``active``)."""
    return AuditEvent(
        subject=f"account#{account.username}",
        event_id=f"{audit_event_id(now, ACTIVE)}#{event}",
        from_status=ACTIVE,
        to_status=ACTIVE,
        actor=actor,
        channel=channel,
        at=now,
        office_code=office_code,
        trace_id=trace_id,
        reason=event,
    )
