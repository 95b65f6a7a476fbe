"""Use case: the declarant reads the status of their declaration.

The declaration is named by its id or by its counter code (what the person
has on paper: the confirmation and the printed form show it). Neither is
enough: the declarant also gives their ID number (in the ``X-Id-Number``
header, never in the URL), and a mismatch answers exactly like an unknown id
or code (404), so neither can be probed."""

from __future__ import annotations

import hmac
from datetime import datetime

from ..domain.declaration import Declaration
from ..domain.errors import DeclarationExpiredError, DeclarationNotFoundError
from ..domain.identifiers import COUNTER_CODE_ALPHABET, COUNTER_CODE_LENGTH, normalise_counter_code
from .deps import Deps


def _counter_code(value: str) -> str | None:
    """``K7PQ-3M9X``, ``k7pq3m9x``... as stored, or None when ``value`` cannot be a counter code
    (declaration ids are 36-character UUIDs: the two never meet)."""
    code = normalise_counter_code(value)
    if len(value) > 2 * COUNTER_CODE_LENGTH or len(code) != COUNTER_CODE_LENGTH:
        return None
    return code if all(ch in COUNTER_CODE_ALPHABET for ch in code) else None


def _matches(declaration: Declaration | None, given: bytes) -> bool:
    expected = declaration.id_number.encode() if declaration is not None else b"-"
    return hmac.compare_digest(given, expected) and declaration is not None


def get_declaration_status(deps: Deps, declaration_id: str, id_number: str | None, now: datetime) -> Declaration:
    if not id_number or len(declaration_id) > 64 or len(id_number) > 32:
        raise DeclarationNotFoundError()
    # Any text, lone surrogates included (a header can carry them): it only has to not match.
    given = "".join(id_number.split()).upper().encode("utf-8", "surrogatepass")
    code = _counter_code(declaration_id)
    if code is not None:
        # Codes are drawn at random and may repeat over time: the newest of the person's own.
        found = [d for d in deps.declarations.find_by_code(code) if _matches(d, given)]
        declaration = max(found, key=lambda d: d.created_at, default=None)
    else:
        declaration = deps.declarations.get(declaration_id)
        if not _matches(declaration, given):
            declaration = None
    if declaration is None:
        raise DeclarationNotFoundError()
    if declaration.is_expired(now):
        raise DeclarationExpiredError()
    return declaration
