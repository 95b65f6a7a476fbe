"""DynamoDB adapter of ``DeclarationStore``: one transaction per write."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from pynamodb.connection import Connection

from ..domain.declaration import (
    Declaration,
    GuardKey,
    expiry_day,
    expiry_partition,
    shard_for,
)
from ..domain.errors import AccountExistsError, OpenDeclarationExistsError
from ..domain.form01 import Form01
from ..domain.notification import AuditEvent
from ..services.ports import CounterCodeTakenError
from .audit import audit_model
from .models import AuditModel, DeclarationModel, GuardModel
from .transactions import LabelledTransaction, TransactionCancelled


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def to_model(declaration: Declaration, shards: int) -> DeclarationModel:
    form = declaration.form
    shard = None
    if declaration.expires_at is not None:
        shard = expiry_partition(expiry_day(declaration.expires_at), shard_for(declaration.id, shards))
    return DeclarationModel(
        id=declaration.id,
        code=declaration.code,
        channel=declaration.channel,
        status=declaration.status,
        form=form.to_dict(),
        id_number=form.id_document.number,
        bhxh_code=form.bhxh_code,
        office_code=form.office_code,
        created_at=_utc(declaration.created_at),
        confirmed_at=_utc(declaration.confirmed_at),
        expires_at=_utc(declaration.expires_at),
        expiry_shard=shard,
        received_at=_utc(declaration.received_at),
        decided_at=_utc(declaration.decided_at),
    )


def _form_from_raw(raw: Any) -> Form01:
    data = raw.as_dict() if hasattr(raw, "as_dict") else dict(raw)
    return Form01.from_dict(data)


def from_model(item: DeclarationModel) -> Declaration:
    return Declaration(
        id=item.id,
        code=item.code,
        channel=item.channel,
        status=item.status,
        form=_form_from_raw(item.form),
        created_at=item.created_at,
        confirmed_at=item.confirmed_at,
        expires_at=item.expires_at,
        received_at=item.received_at,
        decided_at=item.decided_at,
    )


class DynamoDeclarationStore:
    def __init__(self, connection: Connection, shards: int) -> None:
        self._connection = connection
        self._shards = shards

    def create(
        self,
        declaration: Declaration,
        guards: list[GuardKey],
        must_be_absent: list[str],
        audit: list[AuditEvent],
        now: datetime,
    ) -> None:
        tx = LabelledTransaction(self._connection)
        tx.save("declaration", to_model(declaration, self._shards), condition=DeclarationModel.id.does_not_exist())
        for event in audit:
            tx.save("audit", audit_model(event), condition=AuditModel.event_id.does_not_exist())
        for guard in guards:
            condition = GuardModel.key.does_not_exist()
            if guard.expires_at is not None:
                # A guard whose TTL has passed is free, deleted or not.
                condition = condition | (GuardModel.expires_at <= now)
            label = "code" if guard.key.startswith("code#") else "open"
            tx.save(
                label,
                GuardModel(guard.key, owner=declaration.id, expires_at=_utc(guard.expires_at)),
                condition=condition,
            )
        for key in must_be_absent:
            tx.condition_check("account", GuardModel, key, condition=GuardModel.key.does_not_exist())
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            if "account" in cancelled.failed:
                raise AccountExistsError() from cancelled
            if "open" in cancelled.failed:
                raise OpenDeclarationExistsError() from cancelled
            raise CounterCodeTakenError() from cancelled

    def get(self, declaration_id: str) -> Declaration | None:
        try:
            return from_model(DeclarationModel.get(declaration_id, consistent_read=True))
        except DeclarationModel.DoesNotExist:
            return None

    def expiring_on(self, day: date) -> Iterator[Declaration]:
        for shard in range(self._shards):
            for item in DeclarationModel.by_expiry_day.query(expiry_partition(day, shard)):
                yield from_model(item)


def declaration_from_stream_image(image: dict[str, Any]) -> Declaration:
    """A declaration from a DynamoDB stream record's ``OldImage`` (DynamoDB JSON)."""
    return from_model(DeclarationModel.from_raw_data(image))
