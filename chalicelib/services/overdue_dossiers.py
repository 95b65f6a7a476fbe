"""Use cases: received dossiers past their 3-working-day limit, for an
officer (own office) or a supervisor (own province); and the daily digest
that emails each office's supervisors what is overdue and due tomorrow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..domain import templates
from ..domain.account import SUPERVISOR
from ..domain.declaration import Declaration, vn_today
from ..domain.identifiers import format_counter_code
from ..domain.notification import Notification, staff_email
from ..domain.provinces import PROVINCES
from .deps import Deps
from .officer_desk import Officer


def overdue_for(deps: Deps, officer: Officer, now: datetime) -> list[Declaration]:
    """Due before today (Vietnam): from the sparse by_office_due index, never a Scan."""
    yesterday = vn_today(now) - timedelta(days=1)
    if SUPERVISOR in officer.roles and officer.province_code:
        offices = [o.office_code for o in deps.offices.in_province(officer.province_code)]
    else:
        offices = [officer.require_office()]
    found: list[Declaration] = []
    for office in offices:
        found.extend(deps.declarations.awaiting_decision(office, yesterday))
    return sorted(found, key=lambda d: (d.due_by or date.max, d.id))


@dataclass
class DigestReport:
    offices: int = 0
    emails: int = 0
    overdue: int = 0
    due_tomorrow: int = 0
    by_office: dict[str, int] = field(default_factory=dict)


def send_overdue_digest(deps: Deps, as_of: date, now: datetime) -> DigestReport:
    report = DigestReport()
    pending: list[Notification] = []
    tomorrow = as_of + timedelta(days=1)
    for province in PROVINCES:
        for office in deps.offices.in_province(province):
            waiting = deps.declarations.awaiting_decision(office.office_code, tomorrow)
            report.offices += 1
            if not waiting:
                continue
            overdue = [(format_counter_code(d.code), d.due_by) for d in waiting if d.due_by and d.due_by < as_of]
            soon = [format_counter_code(d.code) for d in waiting if d.due_by == tomorrow]
            report.overdue += len(overdue)
            report.due_tomorrow += len(soon)
            if not overdue and not soon:
                continue
            mail = templates.overdue_digest_email(office.name, as_of, overdue, soon)
            for staff in deps.accounts.staff_of_office(office.office_code):
                if SUPERVISOR not in staff.roles or not staff.email:
                    continue
                source = f"office#{office.office_code}#overdue#{as_of.isoformat()}#{staff.username}"
                recorded = deps.outbox.record([staff_email(source, "overdue_digest", staff.email, mail, now)], [])
                pending.extend(recorded.to_enqueue)
                if recorded.created:
                    report.emails += 1
                    report.by_office[office.office_code] = report.by_office.get(office.office_code, 0) + 1
    deps.outbox.enqueue(pending)
    return report
