"""DynamoDB adapter of ``ConsistencySource``: paged Scans (with filters, so
only what a check needs crosses the wire) and BatchGetItem lookups.

For the operator's ``check-consistency`` only: a Scan reads the whole table,
which no request path or daily job may do (DESIGN §2)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from ..domain.declaration import APPROVED
from ..domain.notification import QUEUED
from ..services.consistency import ACCOUNT_GUARD_PREFIX, AccountRow, DeclarationRow, GuardRow, NoticeRow
from .models import AccountModel, DeclarationModel, GuardModel, NotificationModel

PAGE = 1000  # items per Scan page


class DynamoConsistencySource:
    """Reads the tables the models are bound to (``bootstrap`` binds them)."""

    def __init__(self, page_size: int = PAGE) -> None:
        self._page = page_size

    def approved_declarations(self) -> Iterator[DeclarationRow]:
        items = DeclarationModel.scan(
            DeclarationModel.status == APPROVED,
            page_size=self._page,
            attributes_to_get=["id", "bhxh_code"],
        )
        for item in items:
            yield DeclarationRow(item.id, item.bhxh_code)

    def accounts(self) -> Iterator[AccountRow]:
        for item in AccountModel.scan(page_size=self._page, attributes_to_get=["username", "identity_key"]):
            yield AccountRow(item.username, item.identity_key)

    def account_guards(self) -> Iterator[GuardRow]:
        items = GuardModel.scan(
            GuardModel.key.startswith(ACCOUNT_GUARD_PREFIX), page_size=self._page, attributes_to_get=["key", "owner"]
        )
        for item in items:
            yield GuardRow(item.key, item.owner)

    def queued_notices(self, created_before: datetime) -> Iterator[NoticeRow]:
        condition = (NotificationModel.status == QUEUED) & (
            NotificationModel.created_at < created_before.astimezone(UTC)
        )
        items = NotificationModel.scan(
            condition, page_size=self._page, attributes_to_get=["id", "kind", "channel", "created_at"]
        )
        for item in items:
            yield NoticeRow(item.id, item.kind, item.channel, item.created_at)

    def existing_accounts(self, usernames: Sequence[str]) -> set[str]:
        if not usernames:
            return set()
        return {item.username for item in AccountModel.batch_get(list(usernames), attributes_to_get=["username"])}

    def guard_owners(self, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}
        return {item.key: item.owner for item in GuardModel.batch_get(list(keys), attributes_to_get=["key", "owner"])}
