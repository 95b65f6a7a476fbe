"""Reports for leadership (role reporter): campaign progress per unit, and the
service report from the daily counters."""

from __future__ import annotations

from ..api.endpoint import Call, Routes, ViewResult
from ..bootstrap import container

routes = Routes(__name__)

REPORT_FORMATS = ("json", "csv")


@routes.route("/v1/reports/progress", signed_in=True)
def progress_report(call: Call) -> ViewResult:
    """Per unit: roster, registered, %, remaining, deadline, days left, 7-day
    projection, on track; totals. ``format=csv`` for Excel; ``province=`` filters."""
    from ..api.endpoint import Download
    from ..domain.campaign import progress_csv
    from ..domain.declaration import vn_today
    from ..domain.errors import FieldError, ValidationError
    from ..services.campaign import campaign_progress

    deps = container()
    form = call.query.get("format", "json")
    if form not in REPORT_FORMATS:
        raise ValidationError([FieldError("format", "invalid_choice", {"choices": ", ".join(REPORT_FORMATS)})])
    today = vn_today(deps.clock())
    report = campaign_progress(deps, today, call.query.get("province") or None)
    if form == "csv":
        name = f"tien-do-dang-ky-{today.isoformat()}{'-' + report.province if report.province else ''}.csv"
        return 200, Download(progress_csv(report, call.lang), "text/csv; charset=utf-8", name)
    return 200, report.to_dict()


@routes.route("/v1/reports/service", signed_in=True)
def service_report(call: Call) -> ViewResult:
    """Per Vietnamese day of ``from``..``to``: declarations by channel and status,
    notice latency against the 15-minute limit, dossiers decided within 3 working
    days, cancellations after 10 days; read from the daily counters only."""
    from ..services.service_report import service_report as run

    deps = container()
    return 200, run(deps, call.caller().roles, call.query, deps.clock())
