"""Use case: the audit trail of one declaration (officers and supervisors)."""

from __future__ import annotations

from typing import Any

from .deps import Deps
from .officer_desk import MAX_ID, load


def declaration_history(deps: Deps, declaration_id: str) -> list[dict[str, Any]]:
    events = deps.declarations.history(declaration_id) if 0 < len(declaration_id) <= MAX_ID else []
    if not events:
        load(deps, declaration_id)  # 404 for an unknown id (a lapsed one keeps its history)
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
