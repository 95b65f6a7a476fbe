"""Item 3: the notification queue and its DLQ, the SQS and stream event sources, schedules, SES feedback topic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bhxh_infra import app_model
from bhxh_infra.config import REPO_ROOT
from conftest import Synth, get_att, ref

from chalicelib.adapters.outbox import STALE_CLAIM

EVENTS_DIR = REPO_ROOT / "tests" / "events"


def _queue(synth: Synth, name: str) -> tuple[str, dict[str, Any]]:
    for logical_id, queue in synth.of_type("AWS::SQS::Queue").items():
        if queue["Properties"]["QueueName"] == name:
            return logical_id, queue["Properties"]
    raise AssertionError(f"no queue {name}")


def _event(function: dict[str, Any], kind: str) -> dict[str, Any]:
    events = [e for e in function["Properties"].get("Events", {}).values() if e["Type"] == kind]
    assert len(events) == 1, f"expected one {kind} event, got {events}"
    return dict(events[0]["Properties"])


def test_every_queue_is_encrypted_with_the_data_key(prod: Synth) -> None:
    key = get_att(prod.logical_id(prod.stack.key))
    queues = prod.of_type("AWS::SQS::Queue")
    # notifications, its dead-letter queue, one failure queue per stream handler, async failures
    assert len(queues) == 5
    for logical_id, queue in queues.items():
        assert queue["Properties"]["KmsMasterKeyId"] == key, logical_id


def test_notification_queue_redrives_to_its_dead_letter_queue(prod: Synth) -> None:
    settings = app_model.settings_for("prod")
    dlq_id, dlq = _queue(prod, settings.dead_letter_queue)
    _queue_id, queue = _queue(prod, settings.notifications_queue)
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": get_att(dlq_id),
        "maxReceiveCount": app_model.NOTICE_MAX_RECEIVES,
    }
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    # A message must not reappear while its claim is still fresh, nor before the function times out.
    assert queue["VisibilityTimeout"] >= STALE_CLAIM.total_seconds()
    assert queue["VisibilityTimeout"] >= prod.stack.config.lambda_timeout_s


def test_queues_refuse_plain_http(prod: Synth) -> None:
    policies = prod.of_type("AWS::SQS::QueuePolicy")
    assert len(policies) == 5
    for policy in policies.values():
        (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_sqs_event_source_reports_batch_item_failures(prod: Synth) -> None:
    worker = prod.functions()["deliver_notifications"]
    queue_id, _ = _queue(prod, app_model.settings_for("prod").notifications_queue)
    event = _event(worker, "SQS")
    assert event["Queue"] == get_att(queue_id)
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert event["BatchSize"] == 10  # from the decorator in app.py
    assert event["ScalingConfig"] == {"MaximumConcurrency": prod.stack.config.notice_worker_max_concurrency}


def _matches(pattern: Any, value: Any) -> bool:
    """EventBridge-style matching as Lambda event filtering does it (exact values, nested objects)."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and _matches(p, value[k]) for k, p in pattern.items())
    return value in pattern


def test_stream_source_takes_only_ttl_deletions_with_retries_bisect_and_a_failure_queue(prod: Synth) -> None:
    handler = prod.functions()["on_declaration_change"]
    table_id = prod.logical_id(prod.stack.tables["declarations"])
    failures_id, _ = _queue(prod, "bhxh-prod-declaration-stream-failures")
    event = _event(handler, "DynamoDB")
    assert event["Stream"] == get_att(table_id, "StreamArn")
    assert event["MaximumRetryAttempts"] == 5
    assert event["MaximumRecordAgeInSeconds"] == 24 * 3600
    assert event["BisectBatchOnFunctionError"] is True
    assert event["DestinationConfig"] == {"OnFailure": {"Destination": get_att(failures_id)}}
    assert event["StartingPosition"] == "TRIM_HORIZON"
    (pattern,) = [json.loads(f["Pattern"]) for f in event["FilterCriteria"]["Filters"]]
    assert pattern == {
        "eventName": ["REMOVE"],
        "userIdentity": {"type": ["Service"], "principalId": ["dynamodb.amazonaws.com"]},
    }
    # The records the app's own tests use: only the TTL deletion passes the filter.
    verdicts = {}
    for name in ("dynamodb_ttl_remove", "dynamodb_user_remove", "dynamodb_insert"):
        (record,) = json.loads(Path(EVENTS_DIR / f"{name}.json").read_text(encoding="utf-8"))["Records"]
        verdicts[name] = _matches(pattern, record)
    assert verdicts == {"dynamodb_ttl_remove": True, "dynamodb_user_remove": False, "dynamodb_insert": False}


def _record(name: str) -> dict[str, Any]:
    (record,) = json.loads(Path(EVENTS_DIR / f"{name}.json").read_text(encoding="utf-8"))["Records"]
    return dict(record)


def test_accounts_stream_source_takes_only_new_accounts_with_retries_bisect_and_its_own_failure_queue(
    prod: Synth,
) -> None:
    handler = prod.functions()["on_account_issued"]
    table_id = prod.logical_id(prod.stack.tables["accounts"])
    failures_id, failures = _queue(prod, "bhxh-prod-account-stream-failures")
    event = _event(handler, "DynamoDB")
    assert event["Stream"] == get_att(table_id, "StreamArn")
    assert event["BatchSize"] == 100  # from the decorator in app.py
    assert event["StartingPosition"] == "TRIM_HORIZON"
    assert event["MaximumRetryAttempts"] == 5
    assert event["MaximumRecordAgeInSeconds"] == 24 * 3600
    assert event["BisectBatchOnFunctionError"] is True
    assert event["DestinationConfig"] == {"OnFailure": {"Destination": get_att(failures_id)}}
    assert failures["MessageRetentionPeriod"] == 14 * 24 * 3600
    (pattern,) = [json.loads(f["Pattern"]) for f in event["FilterCriteria"]["Filters"]]
    assert pattern == {"eventName": ["INSERT"]}
    # A new account passes; its later updates (sign-ins, password changes) and deletions do not.
    insert = _record("dynamodb_insert")
    modify = {**insert, "eventName": "MODIFY"}
    verdicts = {
        "insert": _matches(pattern, insert),
        "modify": _matches(pattern, modify),
        "user_remove": _matches(pattern, _record("dynamodb_user_remove")),
        "ttl_remove": _matches(pattern, _record("dynamodb_ttl_remove")),
    }
    assert verdicts == {"insert": True, "modify": False, "user_remove": False, "ttl_remove": False}


def test_each_stream_handler_has_its_own_failure_queue(prod: Synth) -> None:
    destinations = {
        handler: _event(prod.functions()[handler], "DynamoDB")["DestinationConfig"]["OnFailure"]["Destination"]
        for handler in ("on_declaration_change", "on_account_issued")
    }
    assert destinations == {
        "on_declaration_change": get_att(_queue(prod, "bhxh-prod-declaration-stream-failures")[0]),
        "on_account_issued": get_att(_queue(prod, "bhxh-prod-account-stream-failures")[0]),
    }
    # No other function has a stream event source.
    readers = {
        h
        for h, f in prod.functions().items()
        if any(e["Type"] == "DynamoDB" for e in f["Properties"].get("Events", {}).values())
    }
    assert readers == set(destinations)


JOBS = ("office_reminders_job", "password_age_job", "overdue_digest_job", "progress_digest_job")


@pytest.mark.parametrize("job", JOBS)
def test_each_daily_job_has_an_eventbridge_schedule(prod: Synth, job: str) -> None:
    function = prod.functions()[job]
    schedule = _event(function, "Schedule")
    assert schedule["Schedule"].startswith("cron(")
    assert schedule["State"] == "ENABLED"
    assert schedule["Name"] == function["Properties"]["FunctionName"]
    # Failed asynchronous invocations (after Lambda's retries) are kept, not lost.
    async_id, _ = _queue(prod, "bhxh-prod-async-failures")
    assert function["Properties"]["DeadLetterQueue"] == {"Type": "SQS", "TargetArn": get_att(async_id)}


def test_schedules_are_the_apps_crons(prod: Synth) -> None:
    """08:00, 07:00 and 07:30 in Vietnam (UTC+7), as the decorators in app.py say."""
    crons = {job: _event(prod.functions()[job], "Schedule")["Schedule"] for job in JOBS}
    assert crons == {
        "office_reminders_job": "cron(0 1 * * ? *)",
        "password_age_job": "cron(0 1 * * ? *)",
        "overdue_digest_job": "cron(0 0 * * ? *)",
        "progress_digest_job": "cron(30 0 * * ? *)",
    }


def test_ses_feedback_topic_feeds_the_feedback_handler(prod: Synth) -> None:
    topic_id = prod.logical_id(prod.stack.ses_feedback)
    topic = prod.resources[topic_id]["Properties"]
    assert topic["TopicName"] == "bhxh-prod-ses-feedback"
    assert topic["KmsMasterKeyId"] == get_att(prod.logical_id(prod.stack.key))
    handler = prod.functions()["ses_feedback"]
    assert _event(handler, "SNS")["Topic"] == ref(topic_id)
    assert handler["Properties"]["Environment"]["Variables"]["BHXH_SES_FEEDBACK_TOPIC"] == "bhxh-prod-ses-feedback"
    policy = next(
        p["Properties"]["PolicyDocument"]
        for p in prod.of_type("AWS::SNS::TopicPolicy").values()
        if p["Properties"]["Topics"] == [ref(topic_id)]
    )
    ses_statement = next(s for s in policy["Statement"] if s.get("Sid") == "SesPublishes")
    assert ses_statement["Principal"] == {"Service": "ses.amazonaws.com"}
    assert "aws:SourceAccount" in ses_statement["Condition"]["StringEquals"]
