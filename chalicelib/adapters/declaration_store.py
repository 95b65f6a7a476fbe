"""DynamoDB adapter of ``DeclarationStore``: one transaction per write."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, UpdateError

from ..domain.account import Account
from ..domain.decision import DecidedOnArrival, Decision
from ..domain.declaration import (
    RECEIVED,
    Declaration,
    GuardKey,
    expiry_day,
    expiry_partition,
    shard_for,
)
from ..domain.errors import AccountExistsError, ConcurrentChangeError, CounterCodeTakenError, ReplayedError
from ..domain.form01 import Form01
from ..domain.id_copy import IdCopy, IdCopyUpload
from ..domain.notification import AuditEvent, Notification
from ..domain.service_report import status_tally
from .account_store import account_model
from .audit import audit_model, save_audit
from .models import AccountModel, AuditModel, DeclarationModel, GuardModel
from .outbox import save_notices
from .stats import DynamoServiceStats
from .transactions import LabelledTransaction, TransactionCancelled


def replay_guard_key(replay_key: str) -> str:
    """The guard item that holds a signed document's first decision, forever."""
    return f"signed#{replay_key}"


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
        received_office=declaration.received_office,
        received_by=declaration.received_by,
        due_by=declaration.due_by.isoformat() if declaration.due_by else None,
        due_office=declaration.received_office if declaration.status == RECEIVED else None,
        decided_at=_utc(declaration.decided_at),
        decided_by=declaration.decided_by,
        reasons=list(declaration.reasons) or None,
        note=declaration.note,
        registry=dict(declaration.registry) if declaration.registry is not None else None,
        signature=dict(declaration.signature) if declaration.signature is not None else None,
        id_copy=declaration.id_copy.to_dict() if declaration.id_copy else None,
        id_copy_upload=declaration.id_copy_upload.to_dict() if declaration.id_copy_upload else None,
    )


def _raw_map(raw: Any) -> dict[str, str] | None:
    if raw is None:
        return None
    data = raw.as_dict() if hasattr(raw, "as_dict") else dict(raw)
    return {str(k): str(v) for k, v in data.items()}


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
        received_office=item.received_office,
        received_by=item.received_by,
        due_by=date.fromisoformat(item.due_by) if item.due_by else None,
        decided_at=item.decided_at,
        decided_by=item.decided_by,
        reasons=tuple(item.reasons or ()),
        note=item.note,
        registry=_raw_map(item.registry),
        signature=_raw_map(item.signature),
        id_copy=IdCopy.from_dict(copy) if (copy := _raw_map(item.id_copy)) else None,
        id_copy_upload=IdCopyUpload.from_dict(upload) if (upload := _raw_map(item.id_copy_upload)) else None,
    )


class DynamoDeclarationStore:
    """Every status change is one transaction, the service report's counters of
    the new status included, so a change that is not written counts nothing."""

    def __init__(
        self, connection: Connection, shards: int, password_shards: int = 16, *, stats: DynamoServiceStats
    ) -> None:
        self._connection = connection
        self._shards = shards
        self._password_shards = password_shards
        self._stats = stats

    def create(
        self,
        declaration: Declaration,
        guards: list[GuardKey],
        must_be_absent: list[str],
        audit: list[AuditEvent],
        now: datetime,
        *,
        notices: list[Notification] | None = None,
    ) -> None:
        tx = LabelledTransaction(self._connection)
        tx.save("declaration", to_model(declaration, self._shards), condition=DeclarationModel.id.does_not_exist())
        self._stats.add_to(tx, status_tally(declaration))
        save_audit(tx, audit)
        save_notices(tx, notices or [])
        for guard in guards:
            condition = GuardModel.key.does_not_exist()
            if guard.expires_at is not None:
                # A guard whose TTL has passed is free, deleted or not.
                condition = condition | (GuardModel.expires_at <= now)
            tx.save(
                "code",
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

    def _get_many(self, ids: list[str]) -> list[Declaration]:
        found = [from_model(item) for item in DeclarationModel.batch_get(ids)] if ids else []
        return sorted(found, key=lambda d: d.created_at, reverse=True)

    def find_by_code(self, code: str) -> list[Declaration]:
        return self._get_many([item.id for item in DeclarationModel.by_code.query(code, limit=10)])

    def find_by_id_number(self, id_number: str) -> list[Declaration]:
        items = DeclarationModel.by_id_number.query(id_number, scan_index_forward=False, limit=20)
        return self._get_many([item.id for item in items])

    def find_by_bhxh_code(self, bhxh_code: str, limit: int = 20) -> list[Declaration]:
        items = DeclarationModel.by_bhxh_code.query(bhxh_code, scan_index_forward=False, limit=limit)
        return self._get_many([item.id for item in items])

    def receive(
        self,
        before: Declaration,
        after: Declaration,
        audit: list[AuditEvent],
        *,
        now: datetime,
        notices: list[Notification] | None = None,
    ) -> None:
        if not (after.received_at and after.received_office and after.received_by and after.due_by):
            raise ValueError("a received declaration names when, where, by whom and its due date")
        tx = LabelledTransaction(self._connection)
        tx.update(
            "declaration",
            DeclarationModel(before.id),
            actions=[
                DeclarationModel.status.set(after.status),
                DeclarationModel.received_at.set(after.received_at.astimezone(UTC)),
                DeclarationModel.received_office.set(after.received_office),
                DeclarationModel.received_by.set(after.received_by),
                DeclarationModel.due_by.set(after.due_by.isoformat()),
                DeclarationModel.due_office.set(after.received_office),
                DeclarationModel.expires_at.remove(),  # no TTL once the dossier is at the office
                DeclarationModel.expiry_shard.remove(),
            ],
            condition=(DeclarationModel.status == before.status) & (DeclarationModel.expires_at > _utc(now)),
        )
        self._stats.add_to(tx, status_tally(after))
        save_audit(tx, audit)
        save_notices(tx, notices or [])
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            raise ConcurrentChangeError() from cancelled

    def _add_decision_writes(
        self,
        tx: LabelledTransaction,
        account: Account | None,
        account_guards: list[str],
        notices: list[Notification],
        audit: list[AuditEvent],
    ) -> None:
        """What every decision writes beside the declaration: the account and its
        guards (on approval), the notices and the audit events."""
        if account is not None:
            tx.save(
                "account",
                account_model(account, self._password_shards),
                condition=AccountModel.username.does_not_exist(),
            )
            for key in account_guards:
                owner = GuardModel(key, owner=account.username)
                tx.save("account_guard", owner, condition=GuardModel.key.does_not_exist())
        save_notices(tx, notices)
        save_audit(tx, audit)

    def decide(self, decision: Decision) -> None:
        after = decision.after
        if not (after.decided_at and after.decided_by):
            raise ValueError("a decision names when and by whom")
        tx = LabelledTransaction(self._connection)
        tx.update(
            "declaration",
            DeclarationModel(after.id),
            actions=[
                DeclarationModel.status.set(after.status),
                DeclarationModel.decided_at.set(after.decided_at.astimezone(UTC)),
                DeclarationModel.decided_by.set(after.decided_by),
                *([DeclarationModel.reasons.set(list(after.reasons))] if after.reasons else []),
                *([DeclarationModel.note.set(after.note)] if after.note else []),
                DeclarationModel.due_office.remove(),
            ],
            condition=DeclarationModel.status == decision.before.status,
        )
        self._stats.add_to(tx, status_tally(after))
        self._add_decision_writes(tx, decision.account, decision.account_guards, decision.notices, decision.audit)
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            # DynamoDB names every failed condition; emulators may name only the
            # first. The declaration's own status decides which story is true.
            current = self.get(after.id)
            if current is None or current.status != decision.before.status:
                raise ConcurrentChangeError() from cancelled
            if cancelled.failed & {"account", "account_guard"}:
                raise AccountExistsError() from cancelled
            raise ConcurrentChangeError() from cancelled

    def cancel(self, before: Declaration, after: Declaration, audit: list[AuditEvent], *, now: datetime) -> None:
        if not (after.decided_at and after.decided_by):
            raise ValueError("a cancellation names when and by whom")
        tx = LabelledTransaction(self._connection)
        lapsed = DeclarationModel.expires_at.exists() & (DeclarationModel.expires_at <= _utc(now))
        tx.update(
            "declaration",
            DeclarationModel(before.id),
            actions=[
                DeclarationModel.status.set(after.status),
                DeclarationModel.decided_at.set(after.decided_at.astimezone(UTC)),
                DeclarationModel.decided_by.set(after.decided_by),
                DeclarationModel.reasons.set(list(after.reasons)),
                DeclarationModel.expires_at.remove(),  # kept as evidence: the TTL must not delete it
                DeclarationModel.expiry_shard.remove(),  # no reminders
                DeclarationModel.due_office.remove(),  # not overdue
            ],
            condition=(DeclarationModel.status == before.status) & ~lapsed,
        )
        self._stats.add_to(tx, status_tally(after))
        save_audit(tx, audit)
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            raise ConcurrentChangeError() from cancelled

    def record_decided(self, decided: DecidedOnArrival) -> None:
        declaration = decided.declaration
        tx = LabelledTransaction(self._connection)
        tx.save("declaration", to_model(declaration, self._shards), condition=DeclarationModel.id.does_not_exist())
        self._stats.add_to(tx, status_tally(declaration))
        for guard in decided.guards:
            tx.save(
                "code" if guard.key.startswith("code#") else "guard",
                GuardModel(guard.key, owner=declaration.id, expires_at=_utc(guard.expires_at)),
                condition=GuardModel.key.does_not_exist(),
            )
        if decided.replay_key is not None:
            tx.save(
                "replay",
                GuardModel(replay_guard_key(decided.replay_key), owner=declaration.id),
                condition=GuardModel.key.does_not_exist(),
            )
        self._add_decision_writes(tx, decided.account, decided.account_guards, decided.notices, decided.audit)
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            # The replay guard is put before the account's items, so even an emulator that
            # names only the first failed condition names it; its owner is read only then.
            if "replay" in cancelled.failed and decided.replay_key is not None:
                first = self._replay_owner(decided.replay_key)
                if first is not None:
                    raise ReplayedError(first) from cancelled
            if cancelled.failed & {"account", "account_guard"}:
                raise AccountExistsError() from cancelled
            if "code" in cancelled.failed:
                raise CounterCodeTakenError() from cancelled
            raise ConcurrentChangeError() from cancelled

    def _replay_owner(self, replay_key: str) -> str | None:
        try:
            return str(GuardModel.get(replay_guard_key(replay_key), consistent_read=True).owner)
        except GuardModel.DoesNotExist:
            return None

    def decided_for(self, replay_key: str) -> Declaration | None:
        owner = self._replay_owner(replay_key)
        return self.get(owner) if owner is not None else None

    def record_event(self, event: AuditEvent) -> None:
        try:
            audit_model(event).save(condition=AuditModel.event_id.does_not_exist())
        except PutError as error:
            if not _condition_failed(error):
                raise
            # The same refusal recorded already (a retried request): nothing to add.

    def ask_id_copy_upload(self, before: Declaration, upload: IdCopyUpload) -> None:
        try:
            DeclarationModel(before.id).update(
                actions=[DeclarationModel.id_copy_upload.set(upload.to_dict())],
                condition=DeclarationModel.status == RECEIVED,
            )
        except UpdateError as error:
            if _condition_failed(error):
                raise ConcurrentChangeError() from error
            raise

    def attach_id_copy(self, before: Declaration, copy: IdCopy, audit: list[AuditEvent]) -> None:
        tx = LabelledTransaction(self._connection)
        tx.update(
            "declaration",
            DeclarationModel(before.id),
            actions=[DeclarationModel.id_copy.set(copy.to_dict()), DeclarationModel.id_copy_upload.remove()],
            condition=(DeclarationModel.status == RECEIVED) & (DeclarationModel.id_copy_upload["key"] == copy.key),
        )
        save_audit(tx, audit)
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            raise ConcurrentChangeError() from cancelled

    def awaiting_decision(self, office_code: str, due_until: date) -> list[Declaration]:
        items = DeclarationModel.by_office_due.query(
            office_code, DeclarationModel.due_by <= due_until.isoformat(), limit=500
        )
        return [from_model(item) for item in items]

    def history(self, declaration_id: str) -> list[AuditEvent]:
        return [
            AuditEvent(
                subject=item.subject,
                event_id=item.event_id,
                from_status=item.from_status,
                to_status=item.to_status,
                actor=item.actor,
                channel=item.channel,
                at=item.at,
                office_code=item.office_code,
                trace_id=item.trace_id,
                reason=item.reason,
                detail=_raw_map(item.detail),
            )
            for item in AuditModel.query(declaration_id)
        ]


def _condition_failed(error: PutError | UpdateError) -> bool:
    cause = getattr(error, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


def declaration_from_stream_image(image: dict[str, Any]) -> Declaration:
    """A declaration from a DynamoDB stream record's ``OldImage`` (DynamoDB JSON)."""
    return from_model(DeclarationModel.from_raw_data(image))
