"""Use case: the audit trail of one declaration, for officers of its office
and supervisors of its province (``domain.desk_scope``)."""

from __future__ import annotations

from typing import Any

from ..domain.errors import DeclarationNotFoundError, OutOfScopeError
from .deps import Deps
from .desk_scope import Scope, owning_office
from .officer_desk import MAX_ID, Officer


def declaration_history(deps: Deps, declaration_id: str, officer: Officer) -> list[dict[str, Any]]:
    valid = 0 < len(declaration_id) <= MAX_ID
    declaration = deps.declarations.get(declaration_id) if valid else None
    events = deps.declarations.history(declaration_id) if valid else []
    if declaration is None and not events:
        raise DeclarationNotFoundError()
    if declaration is not None:
        office = owning_office(declaration)
    else:  # a lapsed one keeps its history: the last office it names
        office = next((e.office_code for e in reversed(events) if e.office_code), "")
    if not Scope(deps, officer).covers_office(office):
        raise OutOfScopeError()
    return [
        {
            "at": event.at.isoformat(),
            "from": event.from_status,
            "to": event.to_status,
            "actor": event.actor,
            "channel": event.channel,
            "office_code": event.office_code,
            "trace_id": event.trace_id,
        }
        for event in events
    ]
