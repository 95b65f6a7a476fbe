"""Applies ``domain.desk_scope`` to stored declarations: which office a
declaration belongs to, and its province (one office read, cached per call)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domain.declaration import Declaration
from ..domain.desk_scope import Reader, may_read_in_full
from ..domain.errors import OutOfScopeError
from .deps import Deps
from .officer_desk import Officer


def owning_office(declaration: Declaration) -> str:
    """Where the dossier was received, else the office the declarant chose."""
    return declaration.received_office or declaration.form.office_code


@dataclass
class Scope:
    deps: Deps
    officer: Officer
    _provinces: dict[str, str | None] = field(default_factory=dict)

    def province_of(self, office_code: str) -> str | None:
        if office_code not in self._provinces:
            office = self.deps.offices.get(office_code) if office_code else None
            self._provinces[office_code] = office.province_code if office else None
        return self._provinces[office_code]

    def covers_office(self, office_code: str | None) -> bool:
        if not office_code:
            return False
        reader = Reader(self.officer.roles, self.officer.office_code, self.officer.province_code)
        return may_read_in_full(reader, office_code, self.province_of(office_code))

    def covers(self, declaration: Declaration) -> bool:
        return self.covers_office(owning_office(declaration))

    def require(self, declaration: Declaration) -> None:
        if not self.covers(declaration):
            raise OutOfScopeError()
