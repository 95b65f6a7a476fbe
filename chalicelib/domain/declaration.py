"""Declarations: channels, statuses, expiry and reminder rules."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone

from .form01 import Form01
from .id_copy import IdCopy, IdCopyUpload
from .notification import AuditEvent

VN_TZ = timezone(timedelta(hours=7), "ICT")  # Vietnam keeps no daylight saving time
OFFICE_WINDOW = timedelta(days=10)
REMINDER_DAYS_BEFORE = (3, 1)

CHANNEL_OFFICE = "office"
CHANNEL_PAPER = "paper"
CHANNEL_SIGNED = "signed"
CHANNEL_VNEID = "vneid"  # registered through a level-2 VNeID e-ID account (Decree 164/2025/NĐ-CP)

AWAITING_OFFICE = "awaiting_office"
RECEIVED = "received"
APPROVED = "approved"
REJECTED = "rejected"
EXPIRED = "expired"
# Superseded: another declaration of the same person was approved (DESIGN §2
# "Nobody blocks anybody"); the approval cancels the person's open ones.
CANCELLED = "cancelled"
OPEN_STATUSES = (AWAITING_OFFICE, RECEIVED)
SUPERSEDED = "superseded"  # the reason recorded on a cancelled declaration


def vn_today(now: datetime) -> date:
    return now.astimezone(VN_TZ).date()


def expiry_day(expires_at: datetime) -> date:
    """The Vietnamese calendar day on which an office declaration lapses."""
    return expires_at.astimezone(VN_TZ).date()


def shard_for(declaration_id: str, shards: int) -> int:
    """Stable write shard, so one day's expiries spread over ``shards`` keys."""
    return zlib.crc32(declaration_id.encode()) % shards


def expiry_partition(day: date, shard: int) -> str:
    return f"{day.isoformat()}#{shard}"


@dataclass(frozen=True)
class Declaration:
    id: str
    code: str
    channel: str
    status: str
    form: Form01
    created_at: datetime
    confirmed_at: datetime
    expires_at: datetime | None = None
    received_at: datetime | None = None
    received_office: str | None = None
    received_by: str | None = None
    due_by: date | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    reasons: tuple[str, ...] = ()
    note: str | None = None
    # The registry record as read when the declaration arrived (None: not found).
    registry: dict[str, str] | None = field(default=None, compare=False)
    # Signed channel: the certificate that signed it (sha256, serial, issuer, not_after).
    signature: dict[str, str] | None = field(default=None, compare=False)
    # Office and paper dossiers: the checked copy of the ID document, and an upload asked for.
    id_copy: IdCopy | None = field(default=None, compare=False)
    id_copy_upload: IdCopyUpload | None = field(default=None, compare=False)

    @property
    def office_code(self) -> str:
        return self.form.office_code

    @property
    def id_number(self) -> str:
        return self.form.id_document.number

    def is_expired(self, now: datetime) -> bool:
        """Expired once ``expires_at`` has passed, whether or not DynamoDB's
        TTL sweeper (which lags by up to days) has deleted the item yet."""
        return self.status == AWAITING_OFFICE and self.expires_at is not None and self.expires_at <= now

    def effective_status(self, now: datetime) -> str:
        return EXPIRED if self.is_expired(now) else self.status

    @property
    def keeps_id_copy(self) -> bool:
        """Dossiers whose ID document an officer checked at the counter keep a copy of
        it with the form; a signed declaration's identity is its certificate."""
        return self.channel in (CHANNEL_OFFICE, CHANNEL_PAPER)

    def with_status(self, status: str) -> Declaration:
        return replace(self, status=status)


def new_paper_declaration(
    form: Form01, *, declaration_id: str, code: str, now: datetime, officer: str, office_code: str, due_by: date
) -> Declaration:
    """A paper Form 01 typed in at the counter: received at once, to be
    decided within 3 working days."""
    received = now.astimezone(UTC).replace(microsecond=0)
    return Declaration(
        id=declaration_id,
        code=code,
        channel=CHANNEL_PAPER,
        status=RECEIVED,
        form=form,
        created_at=received,
        confirmed_at=received,
        received_at=received,
        received_office=office_code,
        received_by=officer,
        due_by=due_by,
    )


def new_office_declaration(form: Form01, *, declaration_id: str, code: str, now: datetime) -> Declaration:
    """An online Form 01 the person confirmed, to be brought to an office within 10 days."""
    confirmed = now.astimezone(UTC).replace(microsecond=0)
    return Declaration(
        id=declaration_id,
        code=code,
        channel=CHANNEL_OFFICE,
        status=AWAITING_OFFICE,
        form=form,
        created_at=confirmed,
        confirmed_at=confirmed,
        expires_at=confirmed + OFFICE_WINDOW,
    )


AUTOMATIC = "system"  # decided_by of a declaration decided without an officer (signed channel)


def new_signed_declaration(
    form: Form01,
    *,
    declaration_id: str,
    code: str,
    now: datetime,
    status: str,
    reasons: tuple[str, ...] = (),
    registry: dict[str, str] | None = None,
    signature: dict[str, str] | None = None,
    channel: str = CHANNEL_SIGNED,
) -> Declaration:
    """A Form 01 signed with a personal digital certificate (or whose declarant signed in with a
    level-2 VNeID account): decided on arrival (approved, or rejected with reasons), never open,
    so it holds no TTL."""
    received = now.astimezone(UTC).replace(microsecond=0)
    return Declaration(
        id=declaration_id,
        code=code,
        channel=channel,
        status=status,
        form=form,
        created_at=received,
        confirmed_at=received,
        decided_at=received,
        decided_by=AUTOMATIC,
        reasons=reasons,
        registry=registry,
        signature=signature,
    )


@dataclass(frozen=True)
class GuardKey:
    """A uniqueness guard item key. ``expires_at`` set: frees itself at that time."""

    key: str
    expires_at: datetime | None = None


def identity_key(form: Form01) -> str:
    """The person's ID document as a uniqueness key. CCCD and 12-digit CMND
    numbers share one national numbering, so they share one namespace;
    passports are keyed by issuing country."""
    document = form.id_document
    if document.type == "passport":
        return f"passport#{form.nationality}#{document.number}"
    return personal_id_key(document.number)


def personal_id_key(number: str) -> str:
    """The uniqueness key of a CCCD (or 12-digit CMND) number: an account's guard ``account#<key>``."""
    return f"id#{number}"


def superseded(declaration: Declaration, *, by: str, now: datetime) -> Declaration:
    """``declaration`` cancelled because another declaration of the same person
    was approved (``by`` decided it): no longer open, no TTL, no due date."""
    return replace(
        declaration,
        status=CANCELLED,
        decided_at=now,
        decided_by=by,
        reasons=(SUPERSEDED,),
        expires_at=None,
    )


def is_cancellable(declaration: Declaration, now: datetime) -> bool:
    """Open and not lapsed: an expired office declaration is the TTL's to count."""
    return declaration.status in OPEN_STATUSES and not declaration.is_expired(now)


def account_guard_keys(form: Form01) -> list[str]:
    """The keys the account issuance service claims: one account per person."""
    return [f"account#bhxh#{form.bhxh_code}", f"account#{identity_key(form)}"]


def counter_code_guard(code: str) -> GuardKey:
    return GuardKey(f"code#{code}")


# Audit events sort by time, then by their place in the lifecycle, so two
# changes within the same second still read in order.
# The ID copy, kept while received, reads after the receipt and before the decision ("2#" < "2a#" < "3#").
_LIFECYCLE_RANK = {
    AWAITING_OFFICE: "1",
    RECEIVED: "2",
    "id_copy_attached": "2a",
    APPROVED: "3",
    REJECTED: "3",
    EXPIRED: "3",
    CANCELLED: "4",
}


def audit_event_id(at: datetime, to_status: str) -> str:
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{stamp}#{_LIFECYCLE_RANK.get(to_status, '9')}#{to_status}"


def declaration_event(
    declaration: Declaration,
    to_status: str,
    *,
    actor: str,
    at: datetime,
    office_code: str | None,
    trace_id: str | None,
    from_status: str | None = "",
    detail: dict[str, str] | None = None,
    reason: str | None = None,
    event_suffix: str = "",
) -> AuditEvent:
    """An audit event of ``declaration`` (its subject and channel); ``from_status`` defaults to its
    current status (None: it is being created); ``event_suffix`` tells apart events of one instant."""
    return AuditEvent(
        subject=declaration.id,
        event_id=audit_event_id(at, to_status) + event_suffix,
        from_status=declaration.status if from_status == "" else from_status,
        to_status=to_status,
        actor=actor,
        channel=declaration.channel,
        at=at,
        office_code=office_code,
        trace_id=trace_id,
        reason=reason,
        detail=detail,
    )


def contact_is_verified(declaration: Declaration) -> bool:
    """Before anyone has checked an ID document, a declaration's phone is only
    what an anonymous request said. Reminders and cancellations go out only
    when that phone is the one BHXH's registry holds for the person, so the
    service cannot be used to send SMS to strangers."""
    registry_phone = (declaration.registry or {}).get("phone")
    return bool(registry_phone) and registry_phone == declaration.form.phone
