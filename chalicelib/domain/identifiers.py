"""Identifiers: social-insurance codes, ID documents, counter codes, masking."""

from __future__ import annotations

import secrets
from datetime import date

from .provinces import CCCD_PROVINCE_PREFIXES

# Counter codes are read aloud and typed by officers: no 0/O, 1/I/L, 5/S, 2/Z,
# 8/B, U/V confusion.
COUNTER_CODE_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
COUNTER_CODE_LENGTH = 8

ID_DOCUMENT_TYPES = ("cccd", "cmnd", "passport")
GENDERS = ("male", "female")


def is_bhxh_code(value: str) -> bool:
    return len(value) == 10 and value.isascii() and value.isdigit()


def cccd_problem(number: str, gender: str | None, date_of_birth: date | None) -> str | None:
    """Return why a CCCD number is structurally wrong, or None.

    Structure (Thông tư 07/2016/TT-BCA, art. 7): 3 digits province of birth
    registration, 1 digit century and gender, 2 digits year of birth, 6 random.
    """
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        return "cccd_format"
    if number[:3] not in CCCD_PROVINCE_PREFIXES:
        return "cccd_province"
    century_gender = int(number[3])
    if date_of_birth is not None:
        # 0/1: born 1900-1999, 2/3: 2000-2099, ...; even male, odd female.
        if century_gender // 2 != date_of_birth.year // 100 - 19:
            return "cccd_century_mismatch"
        if number[4:6] != f"{date_of_birth.year % 100:02d}":
            return "cccd_birth_year_mismatch"
    if gender is not None and (century_gender % 2 == 1) != (gender == "female"):
        return "cccd_gender_mismatch"
    return None


def cmnd_problem(number: str) -> str | None:
    if len(number) not in (9, 12) or not number.isascii() or not number.isdigit():
        return "cmnd_format"
    return None


def passport_problem(number: str) -> str | None:
    """Passports: 6 to 9 Latin letters and digits, at least one digit
    (Vietnamese passports are one letter and 7 digits, e.g. ``C1234567``)."""
    if not 6 <= len(number) <= 9 or not number.isascii() or not number.isalnum():
        return "passport_format"
    if not any(ch.isdigit() for ch in number):
        return "passport_format"
    return None


def new_counter_code() -> str:
    """A short, random counter code, e.g. ``K7PQ-3M9X`` once formatted."""
    return "".join(secrets.choice(COUNTER_CODE_ALPHABET) for _ in range(COUNTER_CODE_LENGTH))


def format_counter_code(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def normalise_counter_code(value: str) -> str:
    """Accept what an officer types: any case, dashes and spaces."""
    return "".join(ch for ch in value.upper() if ch.isalnum())


def mask(value: str | None, keep_start: int = 2, keep_end: int = 2) -> str:
    """Mask personal data for logs and listings: ``0912345678`` → ``09******78``."""
    if not value:
        return ""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
