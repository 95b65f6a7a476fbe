"""``TransactWrite`` that remembers a label per item, so a cancelled
transaction says *which* condition failed.

PynamoDB sends condition checks first, then deletes, puts and updates, and
DynamoDB's cancellation reasons follow that order; the labels are kept in
the same order.

Hot, write-sharded counters (the service report's daily counters) join a
transaction as an update whose item is drawn anew for every try
(``update_redrawn``). Two transactions that touch the same item at the same
moment cancel one of them (``TransactionConflict``); when that conflict is
only on such a counter item, the whole transaction, which wrote nothing, is
sent again with another shard, a few times, after a short random pause.

Every outcome of a transaction is one of three (DESIGN §3: a 5xx is a defect):

* it was written;
* a condition failed (``TransactionCancelled`` names which): the caller makes
  a decision of it (409 with the winner's state, a replay's first answer ...);
* it was refused for a passing reason (a conflict with a concurrent
  transaction on any item, throttling, a transaction in progress, an internal
  error of the service): nothing was written, so the same transaction is sent
  again after a short random pause, a bounded number of times; when the
  reason persists, ``ServiceBusyError`` (503 with ``Retry-After``).

Anything else (a malformed request) is a defect and is raised as it is."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..domain.errors import ServiceBusyError

_ORDER = ("condition_check", "delete", "save", "update")
CONFLICT = "TransactionConflict"
CONDITION_FAILED = "ConditionalCheckFailed"
# Cancellation reasons that say "not now" rather than "no": nothing was written.
TRANSIENT_REASONS = frozenset({CONFLICT, "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})
# Whole-request errors that say the same (moto's and DynamoDB's spellings).
TRANSIENT_ERRORS = frozenset(
    {
        "TransactionConflictException",
        "TransactionInProgressException",
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
    }
)
logger = logging.getLogger(__name__)
TRANSIENT_RETRIES = 5
COUNTER_CONFLICT_RETRIES = TRANSIENT_RETRIES  # kept: the name the README's "counter conflict" logs refer to
_PAUSE_SECONDS = 0.01  # doubled on every retry, times a random factor in [0.5, 1)

Built = tuple[tuple[Any, ...], dict[str, Any]]


@dataclass(frozen=True)
class _Op:
    kind: str
    label: str
    build: Callable[[], Built]
    redrawn: bool = False


class TransactionCancelled(Exception):
    def __init__(self, failed: set[str], cause: TransactWriteError) -> None:
        super().__init__(", ".join(sorted(failed)) or "cancelled")
        self.failed = failed
        self.cause = cause


def _fixed(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Callable[[], Built]:
    return lambda: (args, kwargs)


class LabelledTransaction:
    def __init__(self, connection: Connection, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._connection = connection
        self._ops: list[_Op] = []
        self._sleep = sleep

    def condition_check(self, label: str, *args: Any, **kwargs: Any) -> None:
        self._ops.append(_Op("condition_check", label, _fixed(args, kwargs)))

    def delete(self, label: str, *args: Any, **kwargs: Any) -> None:
        self._ops.append(_Op("delete", label, _fixed(args, kwargs)))

    def save(self, label: str, *args: Any, **kwargs: Any) -> None:
        self._ops.append(_Op("save", label, _fixed(args, kwargs)))

    def update(self, label: str, *args: Any, **kwargs: Any) -> None:
        self._ops.append(_Op("update", label, _fixed(args, kwargs)))

    def update_redrawn(self, label: str, build: Callable[[], Built]) -> None:
        """An unconditional update of an item chosen by ``build()`` for each try
        (``build`` returns the positional and keyword arguments of ``update``)."""
        self._ops.append(_Op("update", label, build, redrawn=True))

    def commit(self) -> None:
        """Raises ``TransactionCancelled`` naming the labels whose condition
        failed, or ``ServiceBusyError`` when a passing refusal outlasts the retries."""
        ordered = sorted(self._ops, key=lambda op: _ORDER.index(op.kind))
        for attempt in range(TRANSIENT_RETRIES + 1):
            try:
                with TransactWrite(connection=self._connection) as tx:
                    for op in ordered:
                        args, kwargs = op.build()
                        getattr(tx, op.kind)(*args, **kwargs)
                return
            except TransactWriteError as error:
                reasons = error.cancellation_reasons or []
                failed = {
                    op.label
                    for op, reason in zip(ordered, reasons, strict=False)
                    if reason is not None and reason.code == CONDITION_FAILED
                }
                if failed:
                    raise TransactionCancelled(failed, error) from error
                if not _transient(error, reasons):
                    raise
                if attempt == TRANSIENT_RETRIES:
                    logger.warning(
                        "transaction refused %d times, giving up",
                        attempt + 1,
                        extra={"reason": _reason(error, reasons)},
                    )
                    raise ServiceBusyError() from error
                if _only_counter_conflicts(ordered, reasons):
                    logger.info("counter conflict, transaction sent again (try %d)", attempt + 2)
                else:
                    logger.info(
                        "transaction refused for now, sent again (try %d)",
                        attempt + 2,
                        extra={"reason": _reason(error, reasons)},
                    )
                self._sleep(_PAUSE_SECONDS * 2**attempt * (0.5 + random.random() / 2))  # noqa: S311 - jitter


def _transient(error: TransactWriteError, reasons: list[Any]) -> bool:
    """Refused for a passing reason: every named cause is one, or the whole request was."""
    causes = [reason.code for reason in reasons if reason is not None and reason.code not in (None, "None")]
    if causes:
        return all(code in TRANSIENT_REASONS for code in causes)
    return getattr(error, "cause_response_code", None) in TRANSIENT_ERRORS


def _reason(error: TransactWriteError, reasons: list[Any]) -> str:
    causes = sorted({str(r.code) for r in reasons if r is not None and r.code not in (None, "None")})
    return ",".join(causes) or str(getattr(error, "cause_response_code", None))


def _only_counter_conflicts(ordered: list[_Op], reasons: list[Any]) -> bool:
    """Cancelled only because a redrawn (counter) item was busy in another transaction."""
    causes = [(op, reason) for op, reason in zip(ordered, reasons, strict=False) if reason is not None]
    return bool(causes) and all(op.redrawn and reason.code == CONFLICT for op, reason in causes)
