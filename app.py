"""Wiring only: the Chalice app, its CORS and problem middleware, the session
authorizer, the HTTP areas as blueprints, and the event handlers.

Resource names in decorators (queue, stream, topic) are deployment bindings
that ``chalice package`` reads at import; ``infra/`` sets them. The handlers'
names here are the Lambda functions' names (``app.<name>``). Everything else is
in ``chalicelib`` and read lazily through ``chalicelib.bootstrap``.
"""

from __future__ import annotations

import os
from typing import Any

from chalice.app import AuthRequest, AuthResponse, Chalice, CORSConfig, Cron, DynamoDBEvent, Rate, SNSEvent, SQSEvent

from chalicelib.api.middleware import problems_for_chalice_errors
from chalicelib.entrypoints import auth, citizen, desk, events, reports

app = Chalice(app_name="bhxh-registration")
app.api.cors = CORSConfig(
    allow_origin=os.environ.get("BHXH_CORS_ORIGIN", "*"),
    allow_headers=[
        "Content-Type",
        "Authorization",
        "Idempotency-Key",
        "Accept-Language",
        "X-Correlation-Id",
        "X-Id-Number",
    ],
    expose_headers=["X-Correlation-Id", "Content-Language", "Deprecation", "Link"],
    max_age=600,
)
app.register_middleware(problems_for_chalice_errors, "http")
# Form 01 as a PDF: API Gateway passes it through as binary (clients accept it, or */*).
app.api.binary_types.append("application/pdf")

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


@app.authorizer(ttl_seconds=0)
def session_authorizer(auth_request: AuthRequest) -> AuthResponse | dict[str, Any]:
    from chalicelib.api.authorizer import authorize_request

    return authorize_request(auth_request)


for area in (citizen, auth, desk, reports):
    app.register_blueprint(area.routes.blueprint(session_authorizer))


@app.on_sqs_message(queue=NOTIFICATIONS_QUEUE, batch_size=10)
def deliver_notifications(event: SQSEvent) -> dict[str, Any]:
    return events.deliver_notifications(event)


@app.on_sns_message(topic=SES_FEEDBACK_TOPIC)
def ses_feedback(event: SNSEvent) -> None:
    events.ses_feedback(event)


@app.lambda_function()
def sms_delivery_status(event: dict[str, Any], context: Any) -> dict[str, int]:
    """SNS SMS delivery-status logs, through a CloudWatch Logs subscription filter (infra/)."""
    return events.sms_delivery_status(event)


@app.on_dynamodb_record(stream_arn=DECLARATIONS_STREAM_ARN, batch_size=25)
def on_declaration_change(event: DynamoDBEvent) -> None:
    events.declaration_changes(event)


@app.on_dynamodb_record(stream_arn=ACCOUNTS_STREAM_ARN, batch_size=100)
def on_account_issued(event: DynamoDBEvent) -> None:
    events.accounts_issued(event)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def delivery_fallback_job(event: Any) -> dict[str, Any]:
    """Every 5 minutes: a decision's SMS without a receipt after BHXH_FALLBACK_AFTER_MINUTES goes by email."""
    return events.delivery_fallback_job()


@app.schedule(Cron(0, 0, "*", "*", "?", "*"))
def overdue_digest_job(event: Any) -> dict[str, Any]:
    """07:00 Asia/Ho_Chi_Minh: each office's supervisors get the dossiers overdue and due tomorrow."""
    return events.scheduled_job("overdue-digest")


@app.schedule(Cron(30, 0, "*", "*", "?", "*"))
def progress_digest_job(event: Any) -> dict[str, Any]:
    """07:30 Asia/Ho_Chi_Minh: leadership gets every unit's progress, worst first."""
    return events.scheduled_job("progress-digest")


@app.schedule(Cron(0, 1, "*", "*", "?", "*"))
def office_reminders_job(event: Any) -> dict[str, Any]:
    """08:00 Asia/Ho_Chi_Minh: reminders 3 days and 1 day before expiry."""
    return events.scheduled_job("office-reminders")


@app.schedule(Cron(0, 1, "*", "*", "?", "*"))
def password_age_job(event: Any) -> dict[str, Any]:
    """08:00 Asia/Ho_Chi_Minh: password reminders 14, 7, 1 days before expiry, and on the day."""
    return events.scheduled_job("password-age")
