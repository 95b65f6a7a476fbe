"""Notifications: what goes to a person, by which channel, and its states."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .templates import TEMPLATE_VERSION, Email, Sms

# A notice carrying a temporary password or a one-time code stores it apart
# from its text, which holds this mark instead; the secret is erased once sent.
SECRET_MARK = "[secret]"  # noqa: S105 - a placeholder, not a password

# SMS kinds that pass the per-number abuse limits: a temporary password an
# officer reissued with the person present (itself limited per account and per
# officer, see ``rate_limits``), so the SMS limit can never lock its owner out.
LIMIT_EXEMPT_KINDS = frozenset({"temporary_password"})

SMS = "sms"
EMAIL = "email"

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
TEMPORARY_FAILURE = "temporary_failure"
PERMANENT_FAILURE = "permanent_failure"
SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class Notification:
    """One message to one recipient. ``id`` is deterministic per (cause,
    kind, channel), so recording the same notice twice is a no-op."""

    id: str
    kind: str
    channel: str
    recipient: str
    text: str
    source: str
    created_at: datetime
    subject: str = ""
    html: str = ""
    template_version: str = TEMPLATE_VERSION
    status: str = QUEUED
    secret: str | None = None
    attempts: int = field(default=0, compare=False)  # tries so far, this one included once claimed
    # A document rendered when the notice is sent (never stored in the ledger): ``form01#<declaration id>``.
    attachment: str | None = None

    def rendered(self) -> tuple[str, str]:
        """Text and HTML as sent: the secret put back in place of its mark."""
        if not self.secret:
            return self.text, self.html
        return self.text.replace(SECRET_MARK, self.secret), self.html.replace(SECRET_MARK, self.secret)


FORM01_ATTACHMENT = "form01#"


def needs_sms_admission(notice: Notification) -> bool:
    """An SMS counts against its number's allowance (and the duplicate window) on its first try,
    unless its kind is exempt; ``notice`` as claimed (its try included in ``attempts``)."""
    return notice.channel == SMS and notice.attempts <= 1 and notice.kind not in LIMIT_EXEMPT_KINDS


@dataclass(frozen=True)
class ClaimedBatch:
    """What claiming a worker's batch settled: ``claimed`` notices to send now (``sending``);
    ``refused`` ones claimed and marked ``suppressed`` (with why: an SMS limit, a duplicate, a
    suppressed address); ``unsettled`` ids the batch could not settle together, to claim one at a
    time. An id in none of them was not claimable (another worker has it, or it is done)."""

    claimed: list[Notification] = field(default_factory=list)
    refused: list[tuple[Notification, str]] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SentNotice:
    """A notice the provider accepted: what marks it sent."""

    notification_id: str
    provider_message_id: str
    sent_at: datetime
    latency_seconds: float
    kind: str = ""
    clear: bool = True  # a secret or an earlier error to erase (False: the notice had neither)


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email (Form 01 as a PDF)."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class LedgerEntry:
    """A notice as the ledger holds it: what was sent and what became of it."""

    notice: Notification
    latency_seconds: float | None = None  # decision to provider acceptance, once sent
    error: str | None = None  # the last failure or the reason it was suppressed
    delivery_at: datetime | None = None  # the provider's receipt: when it arrived or failed (domain.delivery)
    delivery_reason: str | None = None
    fallback: str | None = None  # the fallback notice's id, or ``unavailable`` (domain.fallback)


def staff_email(source: str, kind: str, address: str, mail: Email, now: datetime) -> Notification:
    """An email to staff (digests): one per source, so a re-run records nothing new."""
    return Notification(
        f"{source}#email", kind, EMAIL, address, mail.text, source, now, subject=mail.subject, html=mail.html
    )


def notices_for(
    *,
    source: str,
    kind: str,
    phone: str,
    email: str | None,
    sms: Sms,
    mail: Email | None,
    now: datetime,
    secret: str | None = None,
) -> list[Notification]:
    """An SMS always, and an email when the person gave an address."""

    def hide(text: str) -> str:
        return text.replace(secret, SECRET_MARK) if secret else text

    notices = [Notification(f"{source}#{kind}#sms", kind, SMS, phone, hide(sms.text), source, now, secret=secret)]
    if email and mail is not None:
        notices.append(
            Notification(
                f"{source}#{kind}#email",
                kind,
                EMAIL,
                email,
                hide(mail.text),
                source,
                now,
                subject=mail.subject,
                html=hide(mail.html),
                secret=secret,
            )
        )
    return notices


@dataclass(frozen=True)
class AuditEvent:
    """An append-only status change."""

    subject: str
    event_id: str
    from_status: str | None
    to_status: str
    actor: str
    channel: str
    at: datetime
    office_code: str | None = None
    trace_id: str | None = None
    reason: str | None = None  # why, when the change is a refusal (a problem code)
    detail: dict[str, str] | None = None  # what else the event recorded (an ID copy's key, size, type, digest)


def retry_delay(attempts: int, *, base: int, cap: int, jitter: float) -> int:
    """Seconds before the next try: exponential (base, 2·base, 4·base ...) up
    to ``cap``, scaled by ``jitter`` in [0.5, 1] so retries spread out."""
    exponential = min(cap, base * 2 ** max(0, attempts - 1))
    return max(0, int(exponential * (0.5 + jitter / 2)))


def sms_fingerprint(recipient: str, text: str) -> str:
    """Identifies an identical SMS to the same number (for the 10-minute rule)."""
    import hashlib

    return hashlib.sha256(f"{recipient}\n{text}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Recorded:
    """``created``: stored now (False on a replay). ``to_enqueue``: the notices
    to put on the queue: all of them the first time; on a replay those no
    worker has taken yet (re-queueing them is harmless: workers claim first)."""

    created: bool
    to_enqueue: list[Notification]


@dataclass(frozen=True)
class SmsLimits:
    """From the settings (``Settings.sms_limits``), the one place with their defaults."""

    per_hour: int
    per_day: int
    duplicate_window: timedelta
