"""Cross-check of a declaration against the BHXH participant registry."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from .form01 import Form01


@dataclass(frozen=True)
class Difference:
    field: str
    declared: str
    registry: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "declared": self.declared, "registry": self.registry}


def _name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def registry_differences(form: Form01, participant: dict[str, str] | None) -> list[Difference]:
    """Fields of the declaration that disagree with the registry (name NFC and
    case-insensitive, date of birth, gender, ID number). Not in the registry
    at all is one difference on ``bhxh_code``."""
    if participant is None:
        return [Difference("bhxh_code", form.bhxh_code, None)]
    differences = []
    if _name_key(form.full_name) != _name_key(participant["full_name"]):
        differences.append(Difference("full_name", form.full_name, participant["full_name"]))
    if form.date_of_birth != participant["date_of_birth"]:
        differences.append(Difference("date_of_birth", form.date_of_birth, participant["date_of_birth"]))
    if form.gender != participant["gender"]:
        differences.append(Difference("gender", form.gender, participant["gender"]))
    if form.id_document.number != participant["id_number"].upper():
        differences.append(Difference("id_document.number", form.id_document.number, participant["id_number"]))
    return differences
