"""``TransactWrite`` that remembers a label per item, so a cancelled
transaction says *which* condition failed.

PynamoDB sends condition checks first, then deletes, puts and updates, and
DynamoDB's cancellation reasons follow that order; the labels are kept in
the same order."""

from __future__ import annotations

from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

_ORDER = ("condition_check", "delete", "save", "update")


class TransactionCancelled(Exception):
    def __init__(self, failed: set[str], cause: TransactWriteError) -> None:
        super().__init__(", ".join(sorted(failed)) or "cancelled")
        self.failed = failed
        self.cause = cause


class LabelledTransaction:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._ops: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]] = []

    def condition_check(self, label: str, *args: Any, **kwargs: Any) -> None:
        self._ops.append(("condition_check", label, args, kwargs))

    def delete(self, label: str, *args: Any, **kwargs: Any) -> None:
        self._ops.append(("delete", label, args, kwargs))

    def save(self, label: str, *args: Any, **kwargs: Any) -> None:
        self._ops.append(("save", label, args, kwargs))

    def update(self, label: str, *args: Any, **kwargs: Any) -> None:
        self._ops.append(("update", label, args, kwargs))

    def commit(self) -> None:
        """Raises ``TransactionCancelled`` naming the labels whose condition failed."""
        ordered = sorted(self._ops, key=lambda op: _ORDER.index(op[0]))
        try:
            with TransactWrite(connection=self._connection) as tx:
                for kind, _label, args, kwargs in ordered:
                    getattr(tx, kind)(*args, **kwargs)
        except TransactWriteError as error:
            reasons = error.cancellation_reasons or []
            failed = {
                op[1]
                for op, reason in zip(ordered, reasons, strict=False)
                if reason is not None and reason.code == "ConditionalCheckFailed"
            }
            if not failed and not any(r is not None and r.code == "TransactionConflict" for r in reasons):
                raise
            # A conflict with a concurrent transaction: the caller re-reads and decides.
            raise TransactionCancelled(failed, error) from error
