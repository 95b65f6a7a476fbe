"""Daily job (08:00 Asia/Ho_Chi_Minh): passwords must change at least every
6 months. Reminds 14, 7 and 1 days before expiry and says so on the day.

Reads only the accounts due, from the sparse, write-sharded
``by_password_expiry`` index; notice ids name the account, the expiry day and
the reminder, so a second run for the same day queues nothing new."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ..domain import templates
from ..domain.account import PASSWORD_REMINDER_DAYS
from ..domain.declaration import VN_TZ
from ..domain.notification import notices_for
from .deps import Deps
from .reminder_batch import ReminderBatch, ReminderReport

PasswordAgeReport = ReminderReport


def run_password_age(deps: Deps, as_of: date, now: datetime) -> PasswordAgeReport:
    report = PasswordAgeReport()
    batch = ReminderBatch(deps, report)
    for days in PASSWORD_REMINDER_DAYS:
        day = as_of + timedelta(days=days)
        kind = "password_expired" if days == 0 else f"password_reminder_{days}d"
        for due in deps.accounts.passwords_expiring_on(day):
            report.examined += 1
            expires_on = due.password_expires_at.astimezone(VN_TZ).date()
            if expires_on != day:
                continue  # changed since the index was written
            notices = notices_for(
                source=f"account#{due.username}#password#{expires_on.isoformat()}",
                kind=kind,
                phone=due.phone,
                email=due.email,
                sms=templates.password_reminder_sms(due.username, expires_on, days),
                mail=templates.password_reminder_email(due.full_name, due.username, expires_on, days),
                now=now,
            )
            batch.record(kind, notices)
    batch.enqueue()
    return report
