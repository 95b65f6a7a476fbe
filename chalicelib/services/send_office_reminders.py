"""Daily job: remind people whose office declaration lapses in 3 days or 1 day.

Reads only the declarations due, from the sparse ``by_expiry_day`` index;
notice ids are deterministic, so running the job twice for one day queues
nothing twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..domain import templates
from ..domain.declaration import REMINDER_DAYS_BEFORE, contact_is_verified, expiry_day
from ..domain.identifiers import format_counter_code
from ..domain.notification import notices_for
from .deps import Deps
from .reminder_batch import ReminderBatch, ReminderReport


@dataclass
class JobReport(ReminderReport):
    unverified: int = 0  # the declared phone is not the registry's: no SMS to strangers


def send_office_reminders(deps: Deps, as_of: date, now: datetime) -> JobReport:
    report = JobReport()
    batch = ReminderBatch(deps, report)
    for days in REMINDER_DAYS_BEFORE:
        kind = f"office_reminder_{days}d"
        for declaration in deps.declarations.expiring_on(as_of + timedelta(days=days)):
            report.examined += 1
            if declaration.is_expired(now) or declaration.expires_at is None:
                continue
            if not contact_is_verified(declaration):
                report.unverified += 1
                continue
            office = deps.offices.get(declaration.office_code)
            office_name = office.name if office else declaration.office_code
            form = declaration.form
            code = format_counter_code(declaration.code)
            expires_on = expiry_day(declaration.expires_at)
            notices = notices_for(
                source=f"declaration#{declaration.id}",
                kind=kind,
                phone=form.phone,
                email=form.email,
                sms=templates.office_reminder_sms(code, expires_on, days),
                mail=templates.office_reminder_email(form.full_name, code, expires_on, days, office_name),
                now=now,
            )
            batch.record(kind, notices)
    batch.enqueue()
    return report
