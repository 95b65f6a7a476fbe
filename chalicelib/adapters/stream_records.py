"""DynamoDB stream records, as Lambda delivers them, read into what the use
cases need: which records to act on, and the items they carry."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.declaration import Declaration
from ..observability import logger

# DynamoDB's TTL process is the only deleter whose records carry this identity.
TTL_PRINCIPAL = "dynamodb.amazonaws.com"


@dataclass(frozen=True)
class IssuedAccount:
    username: str
    created_at: datetime
    channel: str | None


def ttl_expired_declarations(records: Iterable[dict[str, Any]]) -> Iterator[Declaration]:
    """The declarations DynamoDB's TTL deleted; deletions by anyone else are
    not expiries (logged and passed over)."""
    from .declaration_store import declaration_from_stream_image

    for raw in records:
        if raw.get("eventName") != "REMOVE":
            continue
        identity = raw.get("userIdentity") or {}
        if identity.get("type") != "Service" or identity.get("principalId") != TTL_PRINCIPAL:
            logger.info("declaration deleted by a user, not an expiry", extra={"event_id": raw.get("eventID")})
            continue
        old_image = (raw.get("dynamodb") or {}).get("OldImage")
        if not old_image:
            logger.error("TTL removal without an old image", extra={"event_id": raw.get("eventID")})
            continue
        yield declaration_from_stream_image(old_image)


def issued_accounts(records: Iterable[dict[str, Any]]) -> Iterator[IssuedAccount]:
    """Accounts inserted into the accounts table (any channel)."""
    from .models import AccountModel

    for raw in records:
        if raw.get("eventName") != "INSERT":
            continue
        image = (raw.get("dynamodb") or {}).get("NewImage")
        if not image:
            logger.error("account insert without a new image", extra={"event_id": raw.get("eventID")})
            continue
        account = AccountModel.from_raw_data(image)
        yield IssuedAccount(account.username, account.created_at, account.channel)
