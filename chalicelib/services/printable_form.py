"""Use case: Form 01 as a PDF to print, sign and bring to the office (notice
2659, section 2, step 3: the person prints it after confirming online, or asks
the officer to print it).

The declarant proves it is theirs with their ID number, exactly as for the
status read (a mismatch is a 404, like an unknown id); an officer of the
office, or a supervisor of its province, needs only their session."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .deps import Deps
from .desk_scope import Scope
from .get_declaration_status import get_declaration_status
from .officer_desk import load, officer_by_token

if TYPE_CHECKING:
    from ..documents.form01_pdf import Rendered


def printable_form01(
    deps: Deps, declaration_id: str, *, id_number: str | None, authorization: str | None, now: datetime
) -> Rendered:
    if authorization:
        officer = officer_by_token(deps, authorization, now)
        declaration = load(deps, declaration_id)
        Scope(deps, officer).require(declaration)
    else:
        declaration = get_declaration_status(deps, declaration_id, id_number, now)
    from ..documents.form01_pdf import render_form01

    return render_form01(declaration, deps.offices.get(declaration.form.office_code))
