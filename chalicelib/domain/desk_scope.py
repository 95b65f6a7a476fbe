"""What an officer may read of a declaration (issue 17, finding 9).

Officers read in full the dossiers of their own office, supervisors those of
their own province (README, "Officer desk"). A lookup across offices shows
what the counter needs (status, office, codes, dates, masked name and phone)
and nothing more, unless the person's social-insurance code or counter code
and their ID number were both given: then the person is at the counter."""

from __future__ import annotations

from dataclasses import dataclass

from .account import OFFICER, SUPERVISOR

FULL = "full"
LIMITED = "limited"


@dataclass(frozen=True)
class Reader:
    roles: tuple[str, ...]
    office_code: str | None
    province_code: str | None


def may_read_in_full(reader: Reader, office_code: str, province_code: str | None) -> bool:
    """``office_code``: the declaration's office (where it was received, else
    the one chosen); ``province_code``: that office's province."""
    if OFFICER in reader.roles and reader.office_code and reader.office_code == office_code:
        return True
    return bool(
        SUPERVISOR in reader.roles and reader.province_code and province_code and reader.province_code == province_code
    )


def masked_name(full_name: str) -> str:
    """``Nguyễn Văn An`` → ``N***** V** A*``: enough to recognise, not to learn."""
    return " ".join(word[:1] + "*" * (len(word) - 1) for word in full_name.split())
