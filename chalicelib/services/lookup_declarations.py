"""Use case: at the counter an officer finds a declaration by its short code
or by the ID number of the person standing there (any office's: Decree
164/2025 makes service independent of administrative boundaries), seeing in
full only what ``domain.desk_scope`` allows.

By ID number, the officer sees every declaration carrying that number and
every declaration carrying the social-insurance code the BHXH registry links
to that number, so a declaration someone else made with the person's code
(and an invented ID number) is found too (DESIGN §2 "Nobody blocks anybody").

The ID number travels in a POST body (``POST /v1/declarations/lookup``), never
in a URL; ``GET /v1/declarations?id_number=`` is deprecated."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..domain.declaration import Declaration
from ..domain.desk_scope import FULL, LIMITED, masked_name
from ..domain.errors import FieldError, ValidationError
from ..domain.identifiers import format_counter_code, is_bhxh_code, mask, normalise_counter_code
from ..domain.registry_check import registry_differences
from .deps import Deps
from .desk_scope import Scope
from .officer_desk import Officer

FIELDS = ("code", "id_number", "bhxh_code")
MAX_BY_LINKED_CODE = 20


def summary(declaration: Declaration, now: datetime) -> dict[str, Any]:
    form = declaration.form
    return {
        "id": declaration.id,
        "code": format_counter_code(declaration.code),
        "channel": declaration.channel,
        "status": declaration.effective_status(now),
        "full_name": form.full_name,
        "date_of_birth": form.date_of_birth,
        "gender": form.gender,
        "bhxh_code": form.bhxh_code,
        "id_document": {"type": form.id_document.type, "number": form.id_document.number},
        "phone": mask(form.phone, 3, 2),
        "office_code": form.office_code,
        "created_at": declaration.created_at.isoformat(),
        "expires_at": declaration.expires_at.isoformat() if declaration.expires_at else None,
        "received_office": declaration.received_office,
        "due_by": declaration.due_by.isoformat() if declaration.due_by else None,
        "registry_differences": [d.to_dict() for d in registry_differences(form, declaration.registry)],
        # office and paper: the checked copy of the ID document, needed to approve (null: none yet)
        "id_copy": declaration.id_copy.summary() if declaration.id_copy else None,
    }


def lookup_body(body: Any) -> dict[str, str]:
    """The JSON body of ``POST /v1/declarations/lookup``: ``code`` and/or ``id_number`` (with
    ``bhxh_code`` to prove the person's own), strings."""
    if not isinstance(body, dict):
        raise ValidationError([FieldError("", "invalid_type", {"expected": "object"})])
    errors = [FieldError(str(key)[:64], "unknown_field") for key in body if key not in FIELDS]
    errors += [
        FieldError(name, "invalid_type", {"expected": "string"})
        for name in FIELDS
        if body.get(name) is not None and not isinstance(body[name], str)
    ]
    if errors:
        raise ValidationError(errors)
    return {name: str(body[name]) for name in FIELDS if body.get(name) is not None}


def find_by_id_number(deps: Deps, number: str) -> list[Declaration]:
    """Declarations with this ID number, and those with the code the registry links to it."""
    found = {d.id: d for d in deps.declarations.find_by_id_number(number)}
    for person in deps.registry.find_by_id_number(number):
        found.update({d.id: d for d in deps.declarations.find_by_bhxh_code(person.bhxh_code, MAX_BY_LINKED_CODE)})
    return sorted(found.values(), key=lambda d: (d.created_at, d.id), reverse=True)


def limited_summary(declaration: Declaration, now: datetime) -> dict[str, Any]:
    """What the counter needs of another office's declaration: no birth date,
    codes of the person, ID document or registry data; name and phone masked."""
    return {
        "id": declaration.id,
        "code": format_counter_code(declaration.code),
        "channel": declaration.channel,
        "status": declaration.effective_status(now),
        "full_name": masked_name(declaration.form.full_name),
        "phone": mask(declaration.form.phone, 3, 2),
        "office_code": declaration.form.office_code,
        "created_at": declaration.created_at.isoformat(),
        "expires_at": declaration.expires_at.isoformat() if declaration.expires_at else None,
        "received_office": declaration.received_office,
        "due_by": declaration.due_by.isoformat() if declaration.due_by else None,
        "detail": LIMITED,
    }


def _clean(value: str) -> str:
    return "".join(value[:32].split()).upper()


def lookup_declarations(deps: Deps, query: Mapping[str, str], officer: Officer, now: datetime) -> list[dict[str, Any]]:
    """By counter code or ID number. Declarations of the officer's office (a
    supervisor's province) come in full; others limited, unless the ID number
    and the counter code or social-insurance code given all match them."""
    code, id_number, bhxh_code = query.get("code"), query.get("id_number"), query.get("bhxh_code")
    if code is None and id_number is None:
        raise ValidationError([FieldError("code", "required_one_of", {"fields": "code, id_number"})])
    if bhxh_code is not None and id_number is None:
        raise ValidationError([FieldError("bhxh_code", "requires_id_number")])
    number = _clean(id_number) if id_number is not None else None
    if number is not None and (not number or not number.isalnum()):
        raise ValidationError([FieldError("id_number", "invalid_code")])
    if bhxh_code is not None and not is_bhxh_code(bhxh_code.strip()):
        raise ValidationError([FieldError("bhxh_code", "invalid_bhxh_code")])
    if code is not None:
        normalised = normalise_counter_code(code[:32])
        if not normalised:
            raise ValidationError([FieldError("code", "invalid_code")])
        found = deps.declarations.find_by_code(normalised)
    else:
        found = find_by_id_number(deps, number or "")

    def proven(declaration: Declaration) -> bool:
        """The person's ID number and one of their codes, both given and both theirs."""
        form = declaration.form
        if number is None or not hmac.compare_digest(number.encode(), form.id_document.number.encode()):
            return False
        if bhxh_code is not None:
            # The code declared, or (a CCCD holder who left it out, Công văn 1804) the registry's for them.
            given = bhxh_code.strip().encode()
            known = {form.bhxh_code, str((declaration.registry or {}).get("bhxh_code") or form.bhxh_code)}
            return any(hmac.compare_digest(given, code.encode()) for code in sorted(known))
        return code is not None  # found by this counter code

    scope = Scope(deps, officer)
    return [
        {**summary(d, now), "detail": FULL} if scope.covers(d) or proven(d) else limited_summary(d, now) for d in found
    ]
