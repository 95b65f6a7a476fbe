"""The least-privilege guard of the integration tests (tests/iam_guard.py) refuses what the roles
of infra/ do not grant, as IAM would, and lets through what they do."""

from __future__ import annotations

from chalicelib.config import load_settings
from tests.iam_guard import Violations


def guard() -> Violations:
    settings = load_settings()
    return Violations(
        settings.table_names(), {settings.dead_letter_queue: "dead_letters", settings.notifications_queue: "notices"}
    )


def test_a_transaction_is_authorised_item_by_item() -> None:
    violations = guard()
    settings = load_settings()
    transaction = {
        "TransactItems": [
            {"Update": {"TableName": settings.sessions_table}},
            {"ConditionCheck": {"TableName": settings.accounts_table}},
        ]
    }
    violations.check("session_authorizer", "dynamodb", "TransactWriteItems", transaction)
    assert violations.found == {"session_authorizer: dynamodb:ConditionCheckItem on accounts"}


def test_an_index_query_needs_that_index_and_a_table_query_the_table() -> None:
    violations = guard()
    notifications = load_settings().notifications_table
    violations.check("delivery_fallback_job", "dynamodb", "Query", {"TableName": notifications, "IndexName": "by_day"})
    assert violations.found == set()
    violations.check("delivery_fallback_job", "dynamodb", "Query", {"TableName": notifications})
    violations.check(
        "delivery_fallback_job", "dynamodb", "Query", {"TableName": notifications, "IndexName": "by_provider_message"}
    )
    assert violations.found == {
        "delivery_fallback_job: dynamodb:Query on notifications",
        "delivery_fallback_job: dynamodb:Query on notifications/index/by_provider_message",
    }


def test_queues_and_providers_by_role() -> None:
    violations = guard()
    settings = load_settings()
    queue = f"https://sqs.ap-southeast-1.amazonaws.com/123456789012/{settings.notifications_queue}"
    violations.check("app", "sqs", "SendMessageBatch", {"QueueUrl": queue})
    violations.check("deliver_notifications", "sqs", "SendMessage", {"QueueUrl": queue + "-dlq"})
    violations.check("deliver_notifications", "sns", "Publish", {"PhoneNumber": "+84912345678"})
    assert violations.found == set()
    violations.check("session_authorizer", "sqs", "SendMessage", {"QueueUrl": queue})
    violations.check("app", "sqs", "ReceiveMessage", {"QueueUrl": queue})
    violations.check("app", "sns", "Publish", {"PhoneNumber": "+84912345678"})
    violations.check("deliver_notifications", "sns", "Publish", {"TopicArn": "arn:aws:sns:x"})  # topics denied
    violations.check("ses_feedback", "ses", "SendEmail", {})
    violations.check("unknown_handler", "dynamodb", "GetItem", {"TableName": settings.accounts_table})
    assert violations.found == {
        "session_authorizer: sqs:SendMessage on notices",
        "app: sqs:ReceiveMessage on notices",
        "app: sns:Publish",
        "deliver_notifications: sns:Publish",
        "ses_feedback: ses:SendEmail",
        "unknown_handler: no entry in ACCESS",
    }
