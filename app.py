"""HTTP routes and event handlers: parse, call one service, map the result.

Resource names in decorators (queue, stream) are deployment bindings that
``chalice package`` reads at import; ``infra/`` sets them. Everything else is
configuration read lazily through ``chalicelib.bootstrap``.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from chalice.app import (
    AuthRequest,
    AuthResponse,
    AuthRoute,
    Chalice,
    CORSConfig,
    Cron,
    DynamoDBEvent,
    SNSEvent,
    SQSEvent,
)

from chalicelib import __version__
from chalicelib.api.endpoint import Api, Call, ViewResult, correlation_id
from chalicelib.api.problems import CHALICE_CODES, PROBLEM_CONTENT_TYPE, problem
from chalicelib.bootstrap import container
from chalicelib.domain.declaration import Declaration, vn_today
from chalicelib.domain.identifiers import format_counter_code
from chalicelib.domain.messages import pick_lang
from chalicelib.observability import MetricUnit, flush_metrics, logger, metrics, tracer

app = Chalice(app_name="bhxh-registration")
app.api.cors = CORSConfig(
    allow_origin=os.environ.get("BHXH_CORS_ORIGIN", "*"),
    allow_headers=["Content-Type", "Authorization", "Idempotency-Key", "Accept-Language", "X-Correlation-Id"],
    expose_headers=["X-Correlation-Id", "Content-Language"],
    max_age=600,
)
api = Api(app)

NOTIFICATIONS_QUEUE = os.environ.get("BHXH_NOTIFICATIONS_QUEUE", "bhxh-local-notifications")
DECLARATIONS_STREAM_ARN = os.environ.get(
    "BHXH_DECLARATIONS_STREAM_ARN",
    "arn:aws:dynamodb:ap-southeast-1:123456789012:table/bhxh-local-declarations/stream/local",
)
ACCOUNTS_STREAM_ARN = os.environ.get(
    "BHXH_ACCOUNTS_STREAM_ARN",
    "arn:aws:dynamodb:ap-southeast-1:123456789012:table/bhxh-local-accounts/stream/local",
)
SES_FEEDBACK_TOPIC = os.environ.get("BHXH_SES_FEEDBACK_TOPIC", "bhxh-local-ses-feedback")
TTL_PRINCIPAL = "dynamodb.amazonaws.com"


@app.middleware("http")
def problems_for_chalice_errors(event: Any, get_response: Any) -> Any:
    """Chalice answers some requests itself (415, 405); give those the same
    problem+json shape as ours, and flush metrics after every request."""
    response = get_response(event)
    try:
        content_type = response.headers.get("Content-Type", "")
        if response.status_code >= 400 and not content_type.startswith("application/problem+json"):
            body = response.body if isinstance(response.body, dict) else {}
            code = CHALICE_CODES.get(str(body.get("Code", "")), "bad_request")
            if response.status_code >= 500:
                code = "internal_error"
            lang = pick_lang(event.headers.get("accept-language"))
            headers = {
                **dict(response.headers),
                "Content-Type": PROBLEM_CONTENT_TYPE,
                "Content-Language": lang,
                "X-Correlation-Id": correlation_id(event),
            }
            response = problem(code, response.status_code, lang, headers=headers)
    finally:
        flush_metrics()
    return response


# --- HTTP --------------------------------------------------------------------------


@api.route("/v1/health")
def health(call: Call) -> ViewResult:
    return 200, {"status": "ok", "version": __version__}


@api.route("/v1/openapi.json")
def openapi(call: Call) -> ViewResult:
    from chalicelib.api.spec import load_spec

    return 200, load_spec()


@api.route("/v1/offices")
def list_offices(call: Call) -> ViewResult:
    from chalicelib.services.list_offices import list_offices as run

    offices = run(container(), call.query.get("province"))
    return 200, {"items": [office.to_dict() for office in offices]}


def _declaration_body(declaration: Declaration, now: datetime) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": declaration.id,
        "code": format_counter_code(declaration.code),
        "channel": declaration.channel,
        "status": declaration.effective_status(now),
        "created_at": declaration.created_at.isoformat(),
        "office_code": declaration.office_code,
    }
    if declaration.expires_at is not None:
        body["expires_at"] = declaration.expires_at.isoformat()
    return body


@api.route("/v1/declarations", methods=["POST"], idempotent=True)
@tracer.capture_method
def submit_declaration(call: Call) -> ViewResult:
    from chalicelib.services.submit_office_declaration import submit_office_declaration

    deps = container()
    now = deps.clock()
    submitted = submit_office_declaration(deps, call.json(), now, trace_id=call.correlation_id)
    metrics.add_metric(name="DeclarationsSubmitted", unit=MetricUnit.Count, value=1)
    body = _declaration_body(submitted.declaration, now)
    body["office"] = submitted.office.to_dict()
    return 201, body


@api.route("/v1/declarations/{declaration_id}")
def declaration_status(call: Call, declaration_id: str) -> ViewResult:
    from chalicelib.services.get_declaration_status import get_declaration_status

    deps = container()
    now = deps.clock()
    declaration = get_declaration_status(deps, declaration_id, call.query.get("id_number"), now)
    return 200, _declaration_body(declaration, now)


# --- events --------------------------------------------------------------------------


@app.on_sqs_message(queue=NOTIFICATIONS_QUEUE, batch_size=10)
def deliver_notifications(event: SQSEvent) -> dict[str, Any]:
    """Send each queued notice; report only the failed messages back to SQS
    (the event source mapping has ReportBatchItemFailures, see infra/)."""
    from chalicelib.services.deliver_notification import QueuedMessage, deliver_batch

    deps = container()
    messages = [
        QueuedMessage(record.to_dict().get("messageId", ""), record.receipt_handle, record.body) for record in event
    ]
    result = deliver_batch(deps, messages, deps.clock())
    for delivery in result.deliveries:
        dimensions = {"outcome": delivery.outcome}
        logger.info("notice processed", extra={**dimensions, "kind": delivery.kind, "reason": delivery.reason})
        if delivery.outcome == "sent":
            metrics.add_metric(name="NoticeLatency", unit=MetricUnit.Seconds, value=delivery.latency_seconds)
            metrics.add_metric(name="NoticesSent", unit=MetricUnit.Count, value=1)
        elif delivery.outcome == "suppressed":
            metrics.add_metric(name="NoticesSuppressed", unit=MetricUnit.Count, value=1)
    if result.dead_lettered:
        metrics.add_metric(name="NoticesDeadLettered", unit=MetricUnit.Count, value=result.dead_lettered)
    if result.failed:
        logger.warning("notices to retry", extra={"count": len(result.failed)})
    flush_metrics()
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in result.failed]}


@app.on_sns_message(topic=SES_FEEDBACK_TOPIC)
def ses_feedback(event: SNSEvent) -> None:
    """SES bounce and complaint notifications: later emails to a bounced or
    complaining address are suppressed (SMS still goes)."""
    from chalicelib.services.email_feedback import handle_ses_feedback

    deps = container()
    suppressed = handle_ses_feedback(deps, event.message)
    if suppressed:
        metrics.add_metric(name="EmailAddressesSuppressed", unit=MetricUnit.Count, value=suppressed)
    flush_metrics()


@app.on_dynamodb_record(stream_arn=DECLARATIONS_STREAM_ARN, batch_size=25)
def on_declaration_change(event: DynamoDBEvent) -> None:
    """TTL deletions of office declarations never brought to an office."""
    from chalicelib.adapters.declaration_store import declaration_from_stream_image
    from chalicelib.services.handle_declaration_expiry import handle_declaration_expiry

    deps = container()
    for record in event:
        raw = record.to_dict()
        if raw.get("eventName") != "REMOVE":
            continue
        identity = raw.get("userIdentity") or {}
        if identity.get("type") != "Service" or identity.get("principalId") != TTL_PRINCIPAL:
            logger.info("declaration deleted by a user, not an expiry", extra={"event_id": raw.get("eventID")})
            continue
        old_image = (raw.get("dynamodb") or {}).get("OldImage")
        if not old_image:
            logger.error("TTL removal without an old image", extra={"event_id": raw.get("eventID")})
            continue
        declaration = declaration_from_stream_image(old_image)
        queued = handle_declaration_expiry(deps, declaration, deps.clock())
        metrics.add_metric(name="DeclarationsExpired", unit=MetricUnit.Count, value=1)
        logger.info("declaration expired", extra={"declaration_id": declaration.id, "notices": len(queued)})
    flush_metrics()


@app.schedule(Cron(0, 1, "*", "*", "?", "*"))
def office_reminders_job(event: Any) -> dict[str, Any]:
    """08:00 Asia/Ho_Chi_Minh: reminders 3 days and 1 day before expiry."""
    from chalicelib.jobs import run_job

    deps = container()
    now = deps.clock()
    report = run_job("office-reminders", deps, vn_today(now), now)
    logger.info("job done", extra={"job": "office-reminders", **report})
    return report


# --- accounts and sign-in ------------------------------------------------------------


@app.authorizer(ttl_seconds=0)
def session_authorizer(auth_request: AuthRequest) -> AuthResponse | dict[str, Any]:
    """Checks the session (one DynamoDB write that also extends its idle
    timeout) and allows exactly the routes the caller's roles may call; a
    temporary or expired password allows only changing it."""
    from chalicelib.api.gateway_responses import denial_context
    from chalicelib.domain.account import allowed_routes
    from chalicelib.services.sign_in import authorize

    deps = container()
    now = deps.clock()
    session = authorize(deps, auth_request.token, now)
    if session is None:
        # An explicit Deny: an Allow with no resources is not refused everywhere. The context says
        # why to API Gateway's ACCESS_DENIED response (chalicelib/api/gateway_responses.py).
        return {
            "principalId": "anonymous",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": [auth_request.method_arn]}
                ],
            },
            "context": denial_context("session_invalid"),
        }
    restricted = session.is_restricted(now)
    allowed = allowed_routes(session.roles, restricted)
    routes: list[str | AuthRoute] = [AuthRoute(path, list(methods)) for path, methods in allowed.items()]
    return AuthResponse(
        routes=routes,
        principal_id=session.username,
        context={
            "roles": ",".join(session.roles),
            "session": session.token_hash,
            "restricted": str(restricted).lower(),
            "office_code": session.office_code or "",
            "province_code": session.province_code or "",
            # Why a route outside ``routes`` is refused (ACCESS_DENIED's body).
            **denial_context("password_change_required" if restricted else "forbidden"),
        },
    )


@api.route("/v1/auth/login", methods=["POST"])
def sign_in(call: Call) -> ViewResult:
    from chalicelib.services.sign_in import login, parse_credentials

    deps = container()
    username, password = parse_credentials(call.json())
    signed_in = login(deps, username, password, deps.clock())
    metrics.add_metric(name="SignIns", unit=MetricUnit.Count, value=1)
    return 200, {
        "token": signed_in.token,
        "expires_at": signed_in.session.absolute_expires_at.isoformat(),
        "idle_expires_at": signed_in.session.idle_expires_at.isoformat(),
        "password_change_required": signed_in.password_change_required,
        "password_expires_at": signed_in.account.password_expires_at.isoformat(),
    }


@api.route("/v1/auth/password", methods=["POST"], authorizer=session_authorizer)
def change_own_password(call: Call) -> ViewResult:
    from chalicelib.services.change_password import change_password

    deps = container()
    caller = call.caller()
    change_password(deps, caller.username, caller.session, call.json(), deps.clock())
    return 204, None


@api.route("/v1/auth/logout", methods=["POST"], authorizer=session_authorizer)
def sign_out(call: Call) -> ViewResult:
    from chalicelib.services.sign_in import logout

    logout(container(), call.caller().session)
    return 204, None


@api.route("/v1/auth/recovery", methods=["POST"])
def start_recovery(call: Call) -> ViewResult:
    from chalicelib.services.recover_account import request_recovery

    deps = container()
    request_recovery(deps, call.json(), deps.clock())
    return 202, None


@api.route("/v1/auth/recovery/confirm", methods=["POST"])
def finish_recovery(call: Call) -> ViewResult:
    from chalicelib.services.recover_account import confirm_recovery

    deps = container()
    confirm_recovery(deps, call.json(), deps.clock())
    return 204, None


@api.route("/v1/me", authorizer=session_authorizer)
def me(call: Call) -> ViewResult:
    from chalicelib.services.get_me import get_me

    deps = container()
    return 200, get_me(deps, call.caller().username, deps.clock())


@api.route("/v1/accounts/{username}/reissue", methods=["POST"], authorizer=session_authorizer)
def reissue(call: Call, username: str) -> ViewResult:
    from chalicelib.services.reissue_password import reissue_password

    deps = container()
    reissue_password(deps, username, call.caller().username, deps.clock(), trace_id=call.correlation_id)
    return 202, None


@app.schedule(Cron(0, 1, "*", "*", "?", "*"))
def password_age_job(event: Any) -> dict[str, Any]:
    """08:00 Asia/Ho_Chi_Minh: password reminders 14, 7, 1 days before expiry, and on the day."""
    from chalicelib.jobs import run_job

    deps = container()
    now = deps.clock()
    report = run_job("password-age", deps, vn_today(now), now)
    logger.info("job done", extra={"job": "password-age", **report})
    return report


# --- officer desk ----------------------------------------------------------------------


def _officer(call: Call) -> Any:
    from chalicelib.services.officer_desk import Officer

    caller = call.caller()
    return Officer(caller.username, caller.roles, caller.office_code, caller.province_code)


@api.route("/v1/declarations", methods=["GET"], authorizer=session_authorizer)
def lookup(call: Call) -> ViewResult:
    from chalicelib.services.lookup_declarations import lookup_declarations

    deps = container()
    return 200, {"items": lookup_declarations(deps, call.query, deps.clock())}


@api.route("/v1/declarations/paper", methods=["POST"], idempotent=True, authorizer=session_authorizer)
def submit_paper(call: Call) -> ViewResult:
    from chalicelib.services.lookup_declarations import summary
    from chalicelib.services.submit_paper_declaration import submit_paper_declaration

    deps = container()
    now = deps.clock()
    declaration = submit_paper_declaration(deps, call.json(), _officer(call), now, trace_id=call.correlation_id)
    metrics.add_metric(name="PaperDeclarationsReceived", unit=MetricUnit.Count, value=1)
    return 201, summary(declaration, now)


@api.route("/v1/declarations/{declaration_id}/receive", methods=["POST"], authorizer=session_authorizer)
def receive(call: Call, declaration_id: str) -> ViewResult:
    from chalicelib.services.lookup_declarations import summary
    from chalicelib.services.receive_declaration import receive_declaration

    deps = container()
    now = deps.clock()
    received, _ = receive_declaration(
        deps, declaration_id, call.json(), _officer(call), now, trace_id=call.correlation_id
    )
    return 200, summary(received, now)


@api.route("/v1/declarations/{declaration_id}/approve", methods=["POST"], authorizer=session_authorizer)
def approve(call: Call, declaration_id: str) -> ViewResult:
    from chalicelib.services.approve_declaration import approve_declaration
    from chalicelib.services.lookup_declarations import summary

    deps = container()
    now = deps.clock()
    approved = approve_declaration(deps, declaration_id, _officer(call), now, trace_id=call.correlation_id)
    metrics.add_metric(name="DeclarationsApproved", unit=MetricUnit.Count, value=1)
    return 200, summary(approved, now)


@api.route("/v1/declarations/{declaration_id}/reject", methods=["POST"], authorizer=session_authorizer)
def reject(call: Call, declaration_id: str) -> ViewResult:
    from chalicelib.services.lookup_declarations import summary
    from chalicelib.services.reject_declaration import reject_declaration

    deps = container()
    now = deps.clock()
    rejected = reject_declaration(deps, declaration_id, call.json(), _officer(call), now, trace_id=call.correlation_id)
    metrics.add_metric(name="DeclarationsRejected", unit=MetricUnit.Count, value=1)
    return 200, {**summary(rejected, now), "reasons": list(rejected.reasons), "note": rejected.note}


@api.route("/v1/declarations/overdue", authorizer=session_authorizer)
def overdue(call: Call) -> ViewResult:
    from chalicelib.services.lookup_declarations import summary
    from chalicelib.services.overdue_dossiers import overdue_for

    deps = container()
    now = deps.clock()
    return 200, {"items": [summary(d, now) for d in overdue_for(deps, _officer(call), now)]}


@api.route("/v1/declarations/{declaration_id}/history", authorizer=session_authorizer)
def history(call: Call, declaration_id: str) -> ViewResult:
    from chalicelib.services.declaration_history import declaration_history

    return 200, {"items": declaration_history(container(), declaration_id)}


@app.schedule(Cron(0, 0, "*", "*", "?", "*"))
def overdue_digest_job(event: Any) -> dict[str, Any]:
    """07:00 Asia/Ho_Chi_Minh: each office's supervisors get the dossiers overdue and due tomorrow."""
    from chalicelib.jobs import run_job

    deps = container()
    now = deps.clock()
    report = run_job("overdue-digest", deps, vn_today(now), now)
    logger.info("job done", extra={"job": "overdue-digest", **report})
    return report


# --- registration campaign ---------------------------------------------------------------


@app.on_dynamodb_record(stream_arn=ACCOUNTS_STREAM_ARN, batch_size=100)
def on_account_issued(event: DynamoDBEvent) -> None:
    """Every new account, whatever the channel: its holder's unit counts it
    once if they are rostered. A failure re-delivers the batch; counting is
    conditional, so what was counted is not counted again."""
    from chalicelib.adapters.models import AccountModel
    from chalicelib.services.campaign import count_issued_account
    from chalicelib.services.ports import COUNTED

    deps = container()
    counted = 0
    for record in event:
        raw = record.to_dict()
        if raw.get("eventName") != "INSERT":
            continue
        image = (raw.get("dynamodb") or {}).get("NewImage")
        if not image:
            logger.error("account insert without a new image", extra={"event_id": raw.get("eventID")})
            continue
        account = AccountModel.from_raw_data(image)
        if count_issued_account(deps, account.username, account.created_at, account.channel) == COUNTED:
            counted += 1
    if counted:
        metrics.add_metric(name="CampaignRegistrationsCounted", unit=MetricUnit.Count, value=counted)
    flush_metrics()


REPORT_FORMATS = ("json", "csv")


@api.route("/v1/reports/progress", authorizer=session_authorizer)
def progress_report(call: Call) -> ViewResult:
    """Per unit: roster, registered, %, remaining, deadline, days left, 7-day
    projection, on track; totals. ``format=csv`` for Excel; ``province=`` filters."""
    from chalicelib.api.endpoint import Download
    from chalicelib.domain.campaign import progress_csv
    from chalicelib.domain.errors import FieldError, ValidationError
    from chalicelib.services.campaign import campaign_progress

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


@app.schedule(Cron(30, 0, "*", "*", "?", "*"))
def progress_digest_job(event: Any) -> dict[str, Any]:
    """07:30 Asia/Ho_Chi_Minh: leadership gets every unit's progress, worst first."""
    from chalicelib.jobs import run_job

    deps = container()
    now = deps.clock()
    report = run_job("progress-digest", deps, vn_today(now), now)
    logger.info("job done", extra={"job": "progress-digest", "units": report["units"], "emails": report["emails"]})
    return report


# --- signed channel ---------------------------------------------------------------------

SIGNED_MAX_BODY_BYTES = 256 * 1024
XML_TYPES = ["application/xml", "text/xml"]


@api.route(
    "/v1/declarations/signed",
    methods=["POST"],
    idempotent=True,
    content_types=XML_TYPES,
    max_body_bytes=SIGNED_MAX_BODY_BYTES,
)
@tracer.capture_method
def submit_signed(call: Call) -> ViewResult:
    """Form 01 signed with a personal digital certificate, decided in the request."""
    from chalicelib.services.submit_signed_declaration import submit_signed_declaration

    deps = container()
    now = deps.clock()
    outcome = submit_signed_declaration(deps, call.raw_body, now, trace_id=call.correlation_id)
    declaration = outcome.declaration
    metrics.add_metric(name=f"SignedDeclarations{declaration.status.capitalize()}", unit=MetricUnit.Count, value=1)
    return 201, {
        **_declaration_body(declaration, now),
        "decided_at": declaration.decided_at.isoformat() if declaration.decided_at else None,
        "reasons": list(declaration.reasons),
        "differences": list(outcome.differences),
    }


@app.route("/v1/form01.xsd", methods=["GET"])
def form01_schema() -> Any:
    """The XML Schema of a signed Form 01 (chalicelib/schemas/form01.xsd)."""
    from pathlib import Path

    from chalice.app import Response

    schema = (Path(__file__).resolve().parent / "chalicelib" / "schemas" / "form01.xsd").read_text(encoding="utf-8")
    return Response(
        body=schema,
        status_code=200,
        headers={"Content-Type": "application/xml; charset=utf-8", "Cache-Control": "public, max-age=3600"},
    )


# --- service report (reporters) ---------------------------------------------------------


@api.route("/v1/reports/service", authorizer=session_authorizer)
def service_report(call: Call) -> ViewResult:
    """Per Vietnamese day of ``from``..``to``: declarations by channel and status,
    notice latency against the 15-minute limit, dossiers decided within 3 working
    days, cancellations after 10 days; read from the daily counters only."""
    from chalicelib.services.service_report import service_report as run

    deps = container()
    return 200, run(deps, call.caller().roles, call.query, deps.clock())
