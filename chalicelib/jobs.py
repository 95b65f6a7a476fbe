"""Scheduled jobs (daily, and the delivery fallback every 5 minutes), by name: run by EventBridge
schedules in AWS and by ``python -m ops run-job NAME [--as-of DATE]`` by hand or on the local stack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from .domain.errors import UnknownJobError
from .services.deps import Deps


def _office_reminders(deps: Deps, as_of: date, now: datetime) -> dict[str, Any]:
    from .services.send_office_reminders import send_office_reminders

    return asdict(send_office_reminders(deps, as_of, now))


def _password_age(deps: Deps, as_of: date, now: datetime) -> dict[str, Any]:
    from .services.password_age import run_password_age

    return asdict(run_password_age(deps, as_of, now))


def _overdue_digest(deps: Deps, as_of: date, now: datetime) -> dict[str, Any]:
    from .services.overdue_dossiers import send_overdue_digest

    return asdict(send_overdue_digest(deps, as_of, now))


def _progress_digest(deps: Deps, as_of: date, now: datetime) -> dict[str, Any]:
    from .config import load_settings
    from .services.campaign import send_progress_digest

    return asdict(send_progress_digest(deps, as_of, now, load_settings().leadership_emails))


def _delivery_fallback(deps: Deps, as_of: date, now: datetime) -> dict[str, Any]:
    from .services.delivery_fallback import fall_back_unreceipted

    return asdict(fall_back_unreceipted(deps, now))


JOBS: dict[str, Callable[[Deps, date, datetime], dict[str, Any]]] = {
    "office-reminders": _office_reminders,
    "password-age": _password_age,
    "overdue-digest": _overdue_digest,
    "progress-digest": _progress_digest,
    "delivery-fallback": _delivery_fallback,
}


def run_job(name: str, deps: Deps, as_of: date, now: datetime) -> dict[str, Any]:
    job = JOBS.get(name)
    if job is None:
        raise UnknownJobError(name)
    return job(deps, as_of, now)
