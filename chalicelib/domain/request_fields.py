"""Small JSON request bodies made of required string fields (sign-in,
password change, recovery): one parser, the same field errors everywhere."""

from __future__ import annotations

from typing import Any

from .errors import FieldError, ValidationError


def string_fields(body: Any, names: tuple[str, ...]) -> dict[str, str]:
    """The named fields, all required strings; unknown fields are refused."""
    if not isinstance(body, dict):
        raise ValidationError([FieldError("", "invalid_type", {"expected": "object"})])
    errors = [FieldError(str(key)[:64], "unknown_field") for key in body if key not in names]
    for name in names:
        value = body.get(name)
        if value is None:
            errors.append(FieldError(name, "required"))
        elif not isinstance(value, str):
            errors.append(FieldError(name, "invalid_type", {"expected": "string"}))
    if errors:
        raise ValidationError(errors)
    return {name: str(body[name]) for name in names}
