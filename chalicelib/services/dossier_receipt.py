"""The receipt of a dossier (Decree 164/2025/NĐ-CP: a receipt with the appointment within 2 hours
of receiving it): when an officer receives an ``office`` dossier or types in a ``paper`` one, the
person gets, by SMS and by email where they gave one, the code, what happens next and the date by
which the decision is due. The person stood at the counter with their ID document, so the contacts
are theirs. Recorded in the same transaction as the receipt itself; the service report counts the
share sent within 2 hours."""

from __future__ import annotations

from datetime import datetime

from ..domain import templates
from ..domain.declaration import Declaration
from ..domain.identifiers import format_counter_code
from ..domain.notification import Notification, notices_for
from ..domain.service_report import DOSSIER_RECEIPT_KIND
from .deps import Deps

DOSSIER_RECEIVED = DOSSIER_RECEIPT_KIND  # the service report counts these against their 2 hours


def receipt_notices(deps: Deps, declaration: Declaration, now: datetime) -> list[Notification]:
    if declaration.due_by is None:
        raise ValueError("a received dossier has a due date")
    form = declaration.form
    office = deps.offices.get(declaration.received_office or form.office_code)
    code = format_counter_code(declaration.code)
    return notices_for(
        source=f"declaration#{declaration.id}",
        kind=DOSSIER_RECEIVED,
        phone=form.phone,
        email=form.email,
        sms=templates.dossier_received_sms(code, declaration.due_by),
        mail=templates.dossier_received_email(
            form.full_name, code, office.name if office else form.office_code, declaration.due_by
        ),
        now=now,
    )
