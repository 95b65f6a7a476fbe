"""Reference data: the offices and the BHXH registry of participants."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from ...domain.office import Office
from ...domain.participant import Participant


class OfficeDirectory(Protocol):
    def get(self, office_code: str) -> Office | None: ...

    def in_province(self, province_code: str) -> list[Office]: ...

    def put_many(self, offices: Iterable[Office]) -> int: ...


class Registry(Protocol):
    def get(self, bhxh_code: str) -> Participant | None: ...

    def find_by_id_number(self, id_number: str) -> list[Participant]:
        """The participants whose ID document has this number (normally one)."""

    def put_many(self, participants: Iterable[Participant]) -> int: ...
