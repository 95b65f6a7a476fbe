"""Use case: BHXH offices, for choosing where to submit and for "nearest office"."""

from __future__ import annotations

from ..domain.errors import FieldError, ValidationError
from ..domain.office import Office
from ..domain.provinces import PROVINCES
from .deps import Deps


def list_offices(deps: Deps, province_code: str | None) -> list[Office]:
    """Offices of one province, or the provincial office of every province."""
    if province_code is None:
        provincial = (deps.offices.get(f"BHXH-{code}") for code in PROVINCES)
        return [office for office in provincial if office is not None]
    if province_code not in PROVINCES:
        raise ValidationError([FieldError("province", "invalid_code")])
    return deps.offices.in_province(province_code)
