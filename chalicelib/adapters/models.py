"""PynamoDB models: the one definition of every table, used by the code, by
``local/`` to create the emulator's tables, and mirrored by ``infra/``.

Table names, region and endpoint are bound by ``configure`` (called from
``bootstrap``), never at import.
"""

from __future__ import annotations

import os
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from ..config import Settings

PLACEHOLDER = "unconfigured"


class _Meta:
    table_name = PLACEHOLDER
    region = "ap-southeast-1"
    billing_mode = "PAY_PER_REQUEST"


class ByCodeIndex(GlobalSecondaryIndex["DeclarationModel"]):
    class Meta:
        index_name = "by_code"
        projection = KeysOnlyProjection()

    code = UnicodeAttribute(hash_key=True)


class ByIdNumberIndex(GlobalSecondaryIndex["DeclarationModel"]):
    class Meta:
        index_name = "by_id_number"
        projection = KeysOnlyProjection()

    id_number = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class ByBhxhCodeIndex(GlobalSecondaryIndex["DeclarationModel"]):
    """Every declaration carrying a social-insurance code, newest first: the
    officer sees all of a person's declarations (an imposter's included), and
    an approval finds the others it cancels."""

    class Meta:
        index_name = "by_bhxh_code"
        projection = KeysOnlyProjection()

    bhxh_code = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class ByExpiryDayIndex(GlobalSecondaryIndex["DeclarationModel"]):
    """Sparse and write-sharded: only declarations awaiting the office carry
    ``expiry_shard`` (``YYYY-MM-DD#n``); the reminder job queries one day."""

    class Meta:
        index_name = "by_expiry_day"
        projection = AllProjection()

    expiry_shard = UnicodeAttribute(hash_key=True)
    expires_at = TTLAttribute(range_key=True)


class ByOfficeDueIndex(GlobalSecondaryIndex["DeclarationModel"]):
    """Sparse: received dossiers awaiting a decision, by office and due date."""

    class Meta:
        index_name = "by_office_due"
        projection = AllProjection()

    due_office = UnicodeAttribute(hash_key=True)
    due_by = UnicodeAttribute(range_key=True)


class DeclarationModel(Model):
    class Meta(_Meta):
        stream_view_type = "NEW_AND_OLD_IMAGES"

    id = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute()
    channel = UnicodeAttribute()
    status = UnicodeAttribute()
    form = MapAttribute[str, Any]()
    id_number = UnicodeAttribute()
    bhxh_code = UnicodeAttribute()
    office_code = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    confirmed_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute(null=True)
    expiry_shard = UnicodeAttribute(null=True)
    received_at = UTCDateTimeAttribute(null=True)
    received_office = UnicodeAttribute(null=True)
    received_by = UnicodeAttribute(null=True)
    due_by = UnicodeAttribute(null=True)  # YYYY-MM-DD, Vietnam
    due_office = UnicodeAttribute(null=True)  # set while a received dossier awaits a decision
    decided_at = UTCDateTimeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    reasons = ListAttribute[str](null=True)
    note = UnicodeAttribute(null=True)
    registry = MapAttribute[str, Any](null=True)
    signature = MapAttribute[str, Any](null=True)  # signed channel: the certificate that signed
    id_copy = MapAttribute[str, Any](null=True)  # office and paper: the checked copy of the ID document
    id_copy_upload = MapAttribute[str, Any](null=True)  # an upload asked for, not yet checked

    by_code = ByCodeIndex()
    by_id_number = ByIdNumberIndex()
    by_bhxh_code = ByBhxhCodeIndex()
    by_expiry_day = ByExpiryDayIndex()
    by_office_due = ByOfficeDueIndex()


class GuardModel(Model):
    """Uniqueness guards (one account, one open declaration, unique codes)."""

    class Meta(_Meta):
        pass

    key = UnicodeAttribute(hash_key=True)
    owner = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)
    hits = NumberAttribute(null=True)  # rate counters (SMS per phone per hour/day)
    times = ListAttribute[str](null=True)  # sliding-window rate limits: ISO times of the hits kept


class NotificationsByDayIndex(GlobalSecondaryIndex["NotificationModel"]):
    """Recent notices for operators (``python -m ops outbox``), newest first."""

    class Meta:
        index_name = "by_day"
        projection = AllProjection()

    day = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class NotificationsByProviderMessageIndex(GlobalSecondaryIndex["NotificationModel"]):
    """Sent notices by the provider's message id, for its delivery receipts (sparse: set when sent)."""

    class Meta:
        index_name = "by_provider_message"
        # What a receipt needs to know of the notice, so applying it costs one query and one write.
        projection = IncludeProjection(["status", "created_at", "sent_at", "delivery_at"])

    provider_message_id = UnicodeAttribute(hash_key=True)


class NotificationModel(Model):
    class Meta(_Meta):
        pass

    id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    channel = UnicodeAttribute()
    recipient = UnicodeAttribute()
    subject = UnicodeAttribute(null=True)
    text = UnicodeAttribute()
    html = UnicodeAttribute(null=True)
    template_version = UnicodeAttribute()
    source = UnicodeAttribute()
    status = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    claimed_at = UTCDateTimeAttribute(null=True)
    sent_at = UTCDateTimeAttribute(null=True)
    provider_message_id = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    day = UnicodeAttribute()
    secret = UnicodeAttribute(null=True)  # erased once sent
    attachment = UnicodeAttribute(null=True)  # a document rendered at send time (form01#<declaration id>)
    latency_seconds = NumberAttribute(null=True)  # decision to provider acceptance (the 15-minute SLA)
    # The provider's receipt (domain/delivery.py): when it says the notice arrived or failed, and why.
    delivery_at = UTCDateTimeAttribute(null=True)
    delivery_reason = UnicodeAttribute(null=True)
    # A decision's notice that did not arrive: the fallback notice's id, or ``unavailable`` (domain.fallback).
    fallback = UnicodeAttribute(null=True)
    # Kept 13 months (the SLA history a year back, month on month), then DynamoDB's TTL deletes it.
    expires_at = TTLAttribute(null=True)

    by_day = NotificationsByDayIndex()
    by_provider_message = NotificationsByProviderMessageIndex()


class AuditModel(Model):
    """Append-only status changes, one partition per subject."""

    class Meta(_Meta):
        pass

    subject = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)
    from_status = UnicodeAttribute(null=True)
    to_status = UnicodeAttribute()
    actor = UnicodeAttribute()
    channel = UnicodeAttribute()
    office_code = UnicodeAttribute(null=True)
    trace_id = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)  # a refusal's problem code
    detail = MapAttribute[str, Any](null=True)  # what an event recorded besides a status (an ID copy's digest)
    at = UTCDateTimeAttribute()


class ParticipantsByIdNumberIndex(GlobalSecondaryIndex["ParticipantModel"]):
    """The registry by ID document number: which person an ID number belongs to."""

    class Meta:
        index_name = "by_id_number"
        projection = AllProjection()

    id_number = UnicodeAttribute(hash_key=True)


class ParticipantModel(Model):
    """A slice of the BHXH participant registry, keyed by social-insurance code."""

    class Meta(_Meta):
        pass

    bhxh_code = UnicodeAttribute(hash_key=True)
    full_name = UnicodeAttribute()
    date_of_birth = UnicodeAttribute()
    gender = UnicodeAttribute()
    id_number = UnicodeAttribute()
    phone = UnicodeAttribute()
    province_code = UnicodeAttribute()

    by_id_number = ParticipantsByIdNumberIndex()


class ByProvinceIndex(GlobalSecondaryIndex["OfficeModel"]):
    class Meta:
        index_name = "by_province"
        projection = AllProjection()

    province_code = UnicodeAttribute(hash_key=True)
    office_code = UnicodeAttribute(range_key=True)


class OfficeModel(Model):
    class Meta(_Meta):
        pass

    office_code = UnicodeAttribute(hash_key=True)
    province_code = UnicodeAttribute()
    name = UnicodeAttribute()
    address = UnicodeAttribute()
    phone = UnicodeAttribute()

    by_province = ByProvinceIndex()


class ByPasswordExpiryIndex(GlobalSecondaryIndex["AccountModel"]):
    """Sparse and write-sharded: accounts with a real (not temporary)
    password carry ``password_expiry_shard`` (``YYYY-MM-DD#n``); the
    password-age job queries only the days it reminds about."""

    class Meta:
        index_name = "by_password_expiry"
        projection = IncludeProjection(["full_name", "phone", "email", "password_set_at", "temporary"])

    password_expiry_shard = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute(range_key=True)


class ByStaffOfficeIndex(GlobalSecondaryIndex["AccountModel"]):
    """Sparse: staff accounts by office (whom to tell about overdue dossiers)."""

    class Meta:
        index_name = "by_staff_office"
        projection = AllProjection()

    staff_office = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute(range_key=True)


class AccountModel(Model):
    class Meta(_Meta):
        # New accounts reach the campaign counters (``on_account_issued``).
        stream_view_type = "NEW_IMAGE"

    username = UnicodeAttribute(hash_key=True)
    full_name = UnicodeAttribute()
    phone = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    identity_key = UnicodeAttribute()
    roles = UnicodeSetAttribute()
    office_code = UnicodeAttribute(null=True)
    province_code = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute()
    password_set_at = UTCDateTimeAttribute()
    temporary = BooleanAttribute()
    password_history = ListAttribute[str](default=list)
    password_expiry_shard = UnicodeAttribute(null=True)
    failed_logins = NumberAttribute(default=0)
    locked_until = UTCDateTimeAttribute(null=True)
    recovery_code_hash = UnicodeAttribute(null=True)
    recovery_expires_at = UTCDateTimeAttribute(null=True)
    recovery_tries = NumberAttribute(null=True)
    recovery_window = ListAttribute[str](null=True)  # ISO times of the codes sent in the last hour
    created_at = UTCDateTimeAttribute()
    staff_office = UnicodeAttribute(null=True)  # staff only: their office
    channel = UnicodeAttribute(null=True)  # how it was issued: signed, office, paper or staff

    by_password_expiry = ByPasswordExpiryIndex()
    by_staff_office = ByStaffOfficeIndex()


class SessionsByUserIndex(GlobalSecondaryIndex["SessionModel"]):
    class Meta:
        index_name = "by_username"
        projection = KeysOnlyProjection()

    username = UnicodeAttribute(hash_key=True)


class SessionModel(Model):
    """Only the SHA-256 of the token is stored; the TTL removes dead sessions."""

    class Meta(_Meta):
        pass

    token_hash = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute()
    roles = UnicodeSetAttribute()
    restricted = BooleanAttribute()
    office_code = UnicodeAttribute(null=True)
    province_code = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    idle_expires_at = UTCDateTimeAttribute()
    absolute_expires_at = TTLAttribute()
    password_expires_at = UTCDateTimeAttribute(null=True)

    by_username = SessionsByUserIndex()


class UnitsListingIndex(GlobalSecondaryIndex["UnitModel"]):
    """Every unit under one key, by province then code: the report reads the
    keys here (one page per ~25,000 units) and the counters by BatchGetItem.
    Keys only, so counter updates never write to the index."""

    class Meta:
        index_name = "listing"
        projection = KeysOnlyProjection()

    listing = UnicodeAttribute(hash_key=True)
    listing_key = UnicodeAttribute(range_key=True)  # "<province_code>#<unit_code>"


class UnitModel(Model):
    """A campaign unit and its counters, moved with ADD only."""

    class Meta(_Meta):
        pass

    unit_code = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    province_code = UnicodeAttribute()
    deadline = UnicodeAttribute()  # YYYY-MM-DD, Vietnam
    listing = UnicodeAttribute()
    listing_key = UnicodeAttribute()
    roster = NumberAttribute(default=0)
    registered = NumberAttribute(default=0)
    daily = MapAttribute[str, Any](default=dict)  # "YYYY-MM-DD#channel" -> registrations

    by_listing = UnitsListingIndex()


class RosterModel(Model):
    """A rostered person: which unit counts them, and whether they are counted."""

    class Meta(_Meta):
        pass

    bhxh_code = UnicodeAttribute(hash_key=True)
    unit_code = UnicodeAttribute()
    full_name = UnicodeAttribute()
    rostered_at = UTCDateTimeAttribute()
    registered_on = UnicodeAttribute(null=True)  # YYYY-MM-DD, Vietnam: set once, when counted
    channel = UnicodeAttribute(null=True)


class IdempotencyModel(Model):
    """Schema of the table Powertools' idempotency utility reads and writes."""

    class Meta(_Meta):
        pass

    id = UnicodeAttribute(hash_key=True)
    expiration = TTLAttribute(null=True)


class StatsModel(Model):
    """Daily counters of the service report (``domain/service_report.py``): one
    item per Vietnamese day and write shard, key ``YYYY-MM-DD#n``. The counters
    are attributes named by the domain (``decl#office#received``, ``lat#54`` ...),
    ADDed in the transactions of the changes they count; the report reads
    days x shards items with BatchGetItem, never a Scan."""

    class Meta(_Meta):
        pass

    key = UnicodeAttribute(hash_key=True)


MODELS: dict[str, type[Model]] = {
    "declarations": DeclarationModel,
    "guards": GuardModel,
    "notifications": NotificationModel,
    "audit": AuditModel,
    "registry": ParticipantModel,
    "offices": OfficeModel,
    "idempotency": IdempotencyModel,
    "accounts": AccountModel,
    "sessions": SessionModel,
    "units": UnitModel,
    "roster": RosterModel,
    "stats": StatsModel,
}


def _endpoint() -> str:
    """The endpoint botocore will use (an emulator's, or AWS's): clients are bound to it when built."""
    return os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL") or ""


def configure(settings: Settings) -> None:
    """Bind every model to its table; a changed name, region or endpoint drops the cached connection."""
    names = settings.table_names()
    endpoint = _endpoint()
    for name, model in MODELS.items():
        binding = (names[name], settings.region, endpoint)
        if getattr(model, "_binding", None) == binding:
            continue  # the same table: keep the connection (and its botocore client, ~40 ms to build)
        model.Meta.table_name = names[name]
        model.Meta.region = settings.region
        model._connection = None
        model._binding = binding  # type: ignore[attr-defined]


_connections: dict[tuple[str, str], Connection] = {}


def connection(region: str) -> Connection:
    """One low-level connection per region and endpoint in a process, for transactions:
    its botocore session loads DynamoDB's service model once (~40 ms), not per container."""
    key = (region, _endpoint())
    if key not in _connections:
        _connections[key] = Connection(region=region)
    return _connections[key]
