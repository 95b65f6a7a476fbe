"""Rows of the BHXH registry export (``import-participants``)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import FieldError, ValidationError
from .identifiers import GENDERS, cmnd_problem, is_bhxh_code, passport_problem
from .provinces import PROVINCES

PARTICIPANT_COLUMNS = ("bhxh_code", "full_name", "date_of_birth", "gender", "id_number", "phone", "province_code")


def parse_participant_row(row: dict[str, Any]) -> dict[str, str]:
    """Validate one CSV row; returns normalised values or raises ValidationError."""
    import phonenumbers

    errors: list[FieldError] = []
    values = {key: str(row.get(key) or "").strip() for key in PARTICIPANT_COLUMNS}
    for key, value in values.items():
        if not value:
            errors.append(FieldError(key, "required"))
    if values["bhxh_code"] and not is_bhxh_code(values["bhxh_code"]):
        errors.append(FieldError("bhxh_code", "invalid_bhxh_code"))
    values["full_name"] = " ".join(unicodedata.normalize("NFC", values["full_name"]).split())
    if len(values["full_name"]) > 100:
        errors.append(FieldError("full_name", "too_long", {"max": "100"}))
    if values["date_of_birth"]:
        try:
            values["date_of_birth"] = date.fromisoformat(values["date_of_birth"]).isoformat()
        except ValueError:
            errors.append(FieldError("date_of_birth", "invalid_date"))
    if values["gender"] and values["gender"] not in GENDERS:
        errors.append(FieldError("gender", "invalid_choice", {"choices": ", ".join(GENDERS)}))
    number = values["id_number"].upper()
    values["id_number"] = number
    # The registry holds CCCD, CMND (9 or 12 digits) or passport numbers.
    if number and cmnd_problem(number) is not None and passport_problem(number) is not None:
        errors.append(FieldError("id_number", "invalid_code"))
    if values["phone"]:
        try:
            parsed = phonenumbers.parse(values["phone"], "VN")
            if not phonenumbers.is_valid_number(parsed):
                raise phonenumbers.NumberParseException(0, "invalid")
            values["phone"] = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            errors.append(FieldError("phone", "invalid_phone"))
    if values["province_code"] and values["province_code"] not in PROVINCES:
        errors.append(FieldError("province_code", "invalid_code"))
    if errors:
        raise ValidationError(errors)
    return values


@dataclass(frozen=True)
class Participant:
    bhxh_code: str
    full_name: str
    date_of_birth: str
    gender: str
    id_number: str
    phone: str
    province_code: str
