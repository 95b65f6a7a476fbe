"""Form 01 (Mẫu số 01, 5236/VBHN-BLĐTBXH): the declaration and its rules.

``parse_form01`` is total: for any input whatsoever it returns a ``Form01`` or
raises ``ValidationError`` listing every problem, never anything else.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from .countries import ISO_3166_ALPHA2
from .errors import FieldError, ValidationError
from .identifiers import (
    GENDERS,
    ID_DOCUMENT_TYPES,
    cccd_problem,
    cmnd_problem,
    is_bhxh_code,
    passport_problem,
)

FIELDS = (
    "full_name",
    "date_of_birth",
    "gender",
    "nationality",
    "bhxh_code",
    "id_document",
    "phone",
    "email",
    "address",
    "office_code",
    "unit_code",
)
# ``bhxh_code`` may be left out by a CCCD holder: the personal ID number serves as the code
# (Công văn 1804/BHXH-QLT); the registry names the person by it (``services.find_account``).
REQUIRED = ("full_name", "date_of_birth", "gender", "id_document", "phone", "address", "office_code")
ID_DOCUMENT_FIELDS = ("type", "number", "issued_on", "issued_by")
OPTIONAL_DEFAULTS: dict[str, Any] = {"nationality": "VN", "email": None, "unit_code": None}

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_NAME = 100
MAX_ADDRESS = 300
MAX_ISSUED_BY = 200
EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True)
class IdDocument:
    type: str
    number: str
    issued_on: str
    issued_by: str


@dataclass(frozen=True)
class Form01:
    """A validated, normalised declaration."""

    full_name: str
    date_of_birth: str
    gender: str
    nationality: str
    bhxh_code: str
    id_document: IdDocument
    phone: str
    email: str | None
    address: str
    office_code: str
    unit_code: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Form01:
        """Rebuild from stored data that was validated before."""
        values = dict(data)
        values["id_document"] = IdDocument(**values["id_document"])
        return cls(**values)


def _collapse_spaces(value: str) -> str:
    return " ".join(value.split())


def _text(errors: list[FieldError], name: str, value: Any, max_len: int) -> str:
    if not isinstance(value, str):
        errors.append(FieldError(name, "invalid_type", {"expected": "string"}))
        return ""
    text = _collapse_spaces(unicodedata.normalize("NFC", value))
    if not text:
        errors.append(FieldError(name, "required"))
    elif len(text) > max_len:
        errors.append(FieldError(name, "too_long", {"max": str(max_len)}))
    elif any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in text):
        errors.append(FieldError(name, "invalid_characters"))
    return text


NAME_JOINERS = "'’-"


def _is_name(text: str) -> bool:
    """Letters and single spaces; an apostrophe or hyphen only between letters,
    as in ethnic-minority names (``H'Hen Niê``, ``Y-Moan``)."""
    for index, ch in enumerate(text):
        if ch.isalpha() or ch == " ":
            continue
        if ch in NAME_JOINERS and 0 < index < len(text) - 1 and text[index - 1].isalpha() and text[index + 1].isalpha():
            continue
        return False
    return True


def is_latin_script(text: str) -> bool:
    """Every letter is a Latin one (Vietnamese letters with their diacritics
    included), by the Unicode character names after NFC: a name that mixes in
    Cyrillic or Greek look-alikes ("Nguyеn" with a Cyrillic е) is refused, and
    no hand-written list of letters is needed."""
    return all(unicodedata.name(ch, "").startswith("LATIN ") for ch in text if ch.isalpha())


def _name(errors: list[FieldError], value: Any) -> str:
    before = len(errors)
    text = _text(errors, "full_name", value, MAX_NAME)
    if len(errors) == before and not _is_name(text):
        errors.append(FieldError("full_name", "invalid_characters"))
    elif len(errors) == before and not is_latin_script(text):
        errors.append(FieldError("full_name", "invalid_script"))
    return text


def iso_date(errors: list[FieldError], name: str, value: Any) -> date | None:
    """Exactly ``YYYY-MM-DD`` (else an ``invalid_date`` or ``invalid_type`` error, and None)."""
    if not isinstance(value, str):
        errors.append(FieldError(name, "invalid_type", {"expected": "string"}))
        return None
    # Exactly YYYY-MM-DD: Python's fromisoformat also takes week dates (1989-W18-2).
    if not ISO_DATE.fullmatch(value):
        errors.append(FieldError(name, "invalid_date"))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(name, "invalid_date"))
        return None


def _phone(errors: list[FieldError], value: Any) -> str:
    import phonenumbers  # heavy metadata: only on the paths that validate

    if not isinstance(value, str):
        errors.append(FieldError("phone", "invalid_type", {"expected": "string"}))
        return ""
    if not value.strip() or len(value) > 20:
        errors.append(FieldError("phone", "invalid_phone"))
        return ""
    try:
        number = phonenumbers.parse(value, "VN")
    except phonenumbers.NumberParseException:
        errors.append(FieldError("phone", "invalid_phone"))
        return ""
    mobile = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != "VN"
        or phonenumbers.number_type(number) not in mobile
    ):
        errors.append(FieldError("phone", "invalid_phone"))
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email(errors: list[FieldError], value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        errors.append(FieldError("email", "invalid_type", {"expected": "string"}))
        return None
    from email_validator import EmailNotValidError, validate_email

    if len(value) > 254:
        errors.append(FieldError("email", "invalid_email"))
        return None
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        errors.append(FieldError("email", "invalid_email"))
        return None
    return str(result.normalized)


def _code(errors: list[FieldError], name: str, value: Any, max_len: int) -> str:
    if not isinstance(value, str):
        errors.append(FieldError(name, "invalid_type", {"expected": "string"}))
        return ""
    text = value.strip()
    if not text.isascii():
        errors.append(FieldError(name, "invalid_code"))
        return text
    text = text.upper()
    if not text or len(text) > max_len or not all(ch.isalnum() or ch in "-_." for ch in text):
        errors.append(FieldError(name, "invalid_code"))
    return text


def _id_document(
    errors: list[FieldError], value: Any, gender: str | None, dob: date | None, today: date
) -> IdDocument | None:
    if not isinstance(value, dict):
        errors.append(FieldError("id_document", "invalid_type", {"expected": "object"}))
        return None
    for key in value:
        if key not in ID_DOCUMENT_FIELDS:
            errors.append(FieldError(f"id_document.{str(key)[:64]}", "unknown_field"))
    for key in ID_DOCUMENT_FIELDS:
        if key not in value or value[key] is None:
            errors.append(FieldError(f"id_document.{key}", "required"))
    before = len(errors)
    doc_type = value.get("type")
    if "type" in value and doc_type not in ID_DOCUMENT_TYPES:
        errors.append(FieldError("id_document.type", "invalid_choice", {"choices": ", ".join(ID_DOCUMENT_TYPES)}))
    raw_number = value.get("number")
    number = ""
    if raw_number is not None:
        if not isinstance(raw_number, str):
            errors.append(FieldError("id_document.number", "invalid_type", {"expected": "string"}))
        else:
            number = "".join(raw_number.split())
            number = number.upper() if number.isascii() else number
            problem = None
            if doc_type == "cccd":
                problem = cccd_problem(number, gender, dob)
            elif doc_type == "cmnd":
                problem = cmnd_problem(number)
            elif doc_type == "passport":
                problem = passport_problem(number)
            if problem:
                errors.append(FieldError("id_document.number", problem))
    issued_on = None
    if value.get("issued_on") is not None:
        issued_on = iso_date(errors, "id_document.issued_on", value["issued_on"])
        if issued_on is not None and (issued_on > today or (dob is not None and issued_on < dob)):
            errors.append(FieldError("id_document.issued_on", "date_out_of_range"))
    issued_by = ""
    if value.get("issued_by") is not None:
        issued_by = _text(errors, "id_document.issued_by", value["issued_by"], MAX_ISSUED_BY)
    if len(errors) > before or not isinstance(doc_type, str) or issued_on is None:
        return None
    return IdDocument(type=doc_type, number=number, issued_on=issued_on.isoformat(), issued_by=issued_by)


def parse_form01(data: Any, *, today: date) -> Form01:
    """Validate and normalise a Form 01 given as decoded JSON.

    ``today`` is the current date in Vietnam; the domain reads no clock.
    """
    if not isinstance(data, dict):
        raise ValidationError([FieldError("", "invalid_type", {"expected": "object"})])
    errors: list[FieldError] = []
    for key in data:
        if key not in FIELDS:
            errors.append(FieldError(str(key)[:64], "unknown_field"))
    for key in REQUIRED:
        if data.get(key) is None:
            errors.append(FieldError(key, "required"))
    values = {**OPTIONAL_DEFAULTS, **{k: v for k, v in data.items() if v is not None}}

    full_name = _name(errors, values["full_name"]) if "full_name" in values else ""

    dob = None
    if "date_of_birth" in values:
        dob = iso_date(errors, "date_of_birth", values["date_of_birth"])
        if dob is not None and not (EARLIEST_BIRTH <= dob < today):
            errors.append(FieldError("date_of_birth", "date_out_of_range"))
            dob = None

    gender = values.get("gender")
    if "gender" in values and gender not in GENDERS:
        errors.append(FieldError("gender", "invalid_choice", {"choices": ", ".join(GENDERS)}))
        gender = None

    nationality = values["nationality"]
    if not isinstance(nationality, str) or not nationality.isascii() or nationality.upper() not in ISO_3166_ALPHA2:
        errors.append(FieldError("nationality", "invalid_country"))
        nationality = "VN"
    else:
        nationality = nationality.upper()

    bhxh_code = values.get("bhxh_code", "")
    if "bhxh_code" in values and not (isinstance(bhxh_code, str) and is_bhxh_code(bhxh_code)):
        errors.append(FieldError("bhxh_code", "invalid_bhxh_code"))

    id_document = None
    if "id_document" in values:
        id_document = _id_document(
            errors, values["id_document"], gender if isinstance(gender, str) else None, dob, today
        )

    phone = _phone(errors, values["phone"]) if "phone" in values else ""
    email = _email(errors, values["email"])
    address = _text(errors, "address", values["address"], MAX_ADDRESS) if "address" in values else ""
    office_code = _code(errors, "office_code", values["office_code"], 20) if "office_code" in values else ""
    unit_code = None
    if values["unit_code"] is not None:
        unit_code = _code(errors, "unit_code", values["unit_code"], 20)

    if "bhxh_code" not in values:
        if id_document is not None and id_document.type == "cccd":
            bhxh_code = id_document.number
        elif not (isinstance(values.get("id_document"), dict) and values["id_document"].get("type") == "cccd"):
            errors.append(FieldError("bhxh_code", "required"))
    if errors or id_document is None or dob is None:
        raise ValidationError(errors or [FieldError("", "invalid")])
    return Form01(
        full_name=full_name,
        date_of_birth=dob.isoformat(),
        gender=str(gender),
        nationality=nationality,
        bhxh_code=str(bhxh_code),
        id_document=id_document,
        phone=phone,
        email=email,
        address=address,
        office_code=office_code,
        unit_code=unit_code,
    )
