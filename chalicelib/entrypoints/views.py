"""Response bodies more than one area returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.declaration import Declaration
from ..domain.identifiers import format_counter_code


def declaration_body(declaration: Declaration, now: datetime) -> dict[str, Any]:
    """What the declarant sees of their declaration (status reads, submissions)."""
    body: dict[str, Any] = {
        "id": declaration.id,
        "code": format_counter_code(declaration.code),
        "channel": declaration.channel,
        "status": declaration.effective_status(now),
        "created_at": declaration.created_at.isoformat(),
        "office_code": declaration.office_code,
    }
    if declaration.expires_at is not None:
        body["expires_at"] = declaration.expires_at.isoformat()
    return body
