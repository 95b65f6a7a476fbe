"""Use case: at the counter an officer finds a declaration by its short code
or by the ID number of the person standing there (any office's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.declaration import Declaration
from ..domain.errors import FieldError, ValidationError
from ..domain.identifiers import format_counter_code, mask, normalise_counter_code
from ..domain.registry_check import registry_differences
from .deps import Deps


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


def lookup_declarations(deps: Deps, query: dict[str, str], now: datetime) -> list[dict[str, Any]]:
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
        found = deps.declarations.find_by_id_number(number)
    return [summary(d, now) for d in found]
