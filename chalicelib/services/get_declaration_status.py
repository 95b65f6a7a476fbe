"""Use case: the declarant reads the status of their declaration.

The id alone is not enough: the declarant also gives their ID number (in the
``X-Id-Number`` header, never in the URL), and a mismatch answers exactly
like an unknown id (404), so ids cannot be probed."""

from __future__ import annotations

import hmac
from datetime import datetime

from ..domain.declaration import Declaration
from ..domain.errors import DeclarationExpiredError, DeclarationNotFoundError
from .deps import Deps


def get_declaration_status(deps: Deps, declaration_id: str, id_number: str | None, now: datetime) -> Declaration:
    if not id_number or len(declaration_id) > 64 or len(id_number) > 32:
        raise DeclarationNotFoundError()
    declaration = deps.declarations.get(declaration_id)
    given = "".join(id_number.split()).upper().encode()
    expected = declaration.id_number.encode() if declaration is not None else b"-"
    if declaration is None or not hmac.compare_digest(given, expected):
        raise DeclarationNotFoundError()
    if declaration.is_expired(now):
        raise DeclarationExpiredError()
    return declaration
