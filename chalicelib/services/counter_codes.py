"""A new declaration under a counter code nobody holds: codes are drawn at
random and held by a guard item written in the declaration's own transaction,
so a taken code only means drawing again (never two declarations on one code)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..domain.declaration import Declaration, counter_code_guard
from ..domain.errors import CounterCodeTakenError
from ..domain.identifiers import new_counter_code
from ..domain.notification import AuditEvent, Notification
from .deps import Deps

CODE_ATTEMPTS = 5


class NoFreeCounterCodeError(RuntimeError):
    """Five draws in a row were taken: the code space is too full (a defect to fix, not a user error)."""


def create_with_free_code(
    deps: Deps,
    build: Callable[[str], Declaration],
    audit_for: Callable[[Declaration], AuditEvent],
    account_keys: list[str],
    now: datetime,
    *,
    notices_for: Callable[[Declaration], list[Notification]] | None = None,
) -> Declaration:
    """``build(code)`` the declaration, store it with ``audit_for(it)``, ``notices_for(it)`` and its
    code's guard (and ``account_keys``' guards); draw again while the code is taken."""
    for _ in range(CODE_ATTEMPTS):
        declaration = build(new_counter_code())
        notices = notices_for(declaration) if notices_for is not None else None
        try:
            deps.declarations.create(
                declaration,
                [counter_code_guard(declaration.code)],
                account_keys,
                [audit_for(declaration)],
                now,
                notices=notices,
            )
        except CounterCodeTakenError:
            continue
        return declaration
    raise NoFreeCounterCodeError("no free counter code after several draws")
