"""Use case: at the counter an officer finds a declaration by its short code
or by the ID number of the person standing there (any office's).

By ID number, the officer sees every declaration carrying that number and
every declaration carrying the social-insurance code the BHXH registry links
to that number, so a declaration someone else made with the person's code
(and an invented ID number) is found too (DESIGN §2 "Nobody blocks anybody").

The ID number travels in a POST body (``POST /v1/declarations/lookup``), never
in a URL; ``GET /v1/declarations?id_number=`` is deprecated."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..domain.declaration import Declaration
from ..domain.errors import FieldError, ValidationError
from ..domain.identifiers import format_counter_code, mask, normalise_counter_code
from ..domain.registry_check import registry_differences
from .deps import Deps

FIELDS = ("code", "id_number")
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
    }


def lookup_body(body: Any) -> dict[str, str]:
    """The JSON body of ``POST /v1/declarations/lookup``: ``{code}`` or ``{id_number}``, strings."""
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


def lookup_declarations(deps: Deps, query: Mapping[str, str], now: datetime) -> list[dict[str, Any]]:
    code, id_number = query.get("code"), query.get("id_number")
    if (code is None) == (id_number is None):
        raise ValidationError([FieldError("code", "required_one_of", {"fields": "code, id_number"})])
    if code is not None:
        normalised = normalise_counter_code(code[:32])
        if not normalised:
            raise ValidationError([FieldError("code", "invalid_code")])
        found = deps.declarations.find_by_code(normalised)
    else:
        number = "".join((id_number or "")[:32].split()).upper()
        if not number or not number.isalnum():
            raise ValidationError([FieldError("id_number", "invalid_code")])
        found = find_by_id_number(deps, number)
    return [summary(d, now) for d in found]
