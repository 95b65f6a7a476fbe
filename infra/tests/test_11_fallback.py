"""Issue 15, item 2: a decision that did not arrive by one channel goes by the other. The sweep runs
every 5 minutes, the receipt handlers may queue a fallback (never send one themselves), the setting
comes from context, and an alarm watches the volume."""

from __future__ import annotations

import json

import pytest
from bhxh_infra.config import ContextError, load_config
from bhxh_infra.monitoring import FALLBACK_ALARM_PER_HOUR, NAMESPACE, SERVICE
from conftest import PROD_CONTEXT, Synth, get_att
from test_3_events import _event, _queue
from test_6_least_privilege import _allowed, _data_access, _index_arn, _queue_arn, _table_arn
from test_7_operations import _alarms, _operators


def _async_failures(prod: Synth) -> str:
    return json.dumps(get_att(_queue(prod, "bhxh-prod-async-failures")[0]), sort_keys=True)


def test_the_fallback_sweep_runs_every_five_minutes_with_a_failure_queue(prod: Synth) -> None:
    function = prod.functions()["delivery_fallback_job"]
    schedule = _event(function, "Schedule")
    assert schedule["Schedule"] == "rate(5 minutes)" and schedule["State"] == "ENABLED"
    async_id, _ = _queue(prod, "bhxh-prod-async-failures")
    assert function["Properties"]["DeadLetterQueue"] == {"Type": "SQS", "TargetArn": get_att(async_id)}
    assert function["Properties"]["Environment"]["Variables"]["BHXH_FALLBACK_AFTER_MINUTES"] == "10"


def test_the_fallback_delay_comes_from_context() -> None:
    assert load_config({**PROD_CONTEXT, "fallback_after_minutes": "7"}).fallback_after_minutes == 7
    assert load_config(PROD_CONTEXT).fallback_after_minutes == 10
    for wrong in ("0", "61", "soon"):
        with pytest.raises(ContextError, match="fallback_after_minutes"):
            load_config({**PROD_CONTEXT, "fallback_after_minutes": wrong})


def test_the_sweep_reads_the_day_index_and_records_and_queues_fallbacks_only(prod: Synth) -> None:
    notices, audit = _table_arn(prod, "notifications"), _table_arn(prod, "audit")
    assert _data_access(prod, "delivery_fallback_job") == {
        "dynamodb:Query": {_index_arn(prod, "notifications", "by_day")},
        "dynamodb:GetItem": {notices, _table_arn(prod, "declarations"), _table_arn(prod, "guards")},
        "dynamodb:PutItem": {notices, audit},
        "dynamodb:UpdateItem": {notices},
        "dynamodb:ConditionCheckItem": {notices},
        "sqs:GetQueueUrl": {_queue_arn(prod, prod.stack.queue)},
        # the notification queue; the asynchronous failures queue is the function's own dead-letter queue
        "sqs:SendMessage": {_queue_arn(prod, prod.stack.queue), _async_failures(prod)},
    }


def test_receipt_handlers_may_queue_a_fallback_and_count_the_receipt_but_send_nothing(prod: Synth) -> None:
    queue = _queue_arn(prod, prod.stack.queue)
    for handler in ("sms_delivery_status", "ses_feedback"):
        allowed = _allowed(prod, handler)
        assert allowed["sqs:SendMessage"] == {queue, _async_failures(prod)}, handler
        assert _table_arn(prod, "stats") in allowed["dynamodb:UpdateItem"], handler  # the receipt's counts
        assert _table_arn(prod, "audit") in allowed["dynamodb:PutItem"], handler
        assert allowed["dynamodb:Query"] == {_index_arn(prod, "notifications", "by_provider_message")}, handler
        assert "sns:Publish" not in allowed and "ses:SendEmail" not in allowed, handler


def test_an_alarm_watches_the_fallback_volume(prod: Synth) -> None:
    alarm = _alarms(prod)["bhxh-prod-notice-fallbacks"]
    metrics = {m["Id"]: m for m in alarm["Metrics"]}
    expression = next(m for m in metrics.values() if "Expression" in m)
    assert expression["Expression"] == "queued + unavailable" and expression["ReturnData"] is True
    names = {metrics[i]["MetricStat"]["Metric"]["MetricName"] for i in ("queued", "unavailable")}
    assert names == {"NoticeFallbacks", "NoticeFallbacksUnavailable"}
    for i in ("queued", "unavailable"):
        stat = metrics[i]["MetricStat"]
        assert stat["Metric"]["Namespace"] == NAMESPACE and stat["Stat"] == "Sum" and stat["Period"] == 3600
        assert stat["Metric"]["Dimensions"] == [{"Name": "service", "Value": SERVICE}]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (FALLBACK_ALARM_PER_HOUR, "GreaterThanThreshold")
    assert alarm["AlarmActions"] == [_operators(prod)] and "#notice-fallbacks" in alarm["AlarmDescription"]
