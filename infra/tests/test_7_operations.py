"""Item 7: alarms to the operators' topic, the dashboard, log retention."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bhxh_infra.config import REPO_ROOT
from bhxh_infra.monitoring import NAMESPACE, SERVICE
from conftest import Synth, get_att, ref


def _alarms(synth: Synth) -> dict[str, dict[str, Any]]:
    return {a["Properties"]["AlarmName"]: a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()}


def _metric(alarm: dict[str, Any]) -> dict[str, Any]:
    """Namespace, MetricName and Dimensions of a one-metric alarm, in either of CloudWatch's two forms."""
    if "MetricName" in alarm:
        return {k: alarm[k] for k in ("Namespace", "MetricName", "Dimensions") if k in alarm}
    stats = [m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m]
    return dict(stats[0]["Metric"]) if len(stats) == 1 and len(alarm["Metrics"]) == 1 else {}


def _operators(synth: Synth) -> dict[str, Any]:
    return ref(synth.logical_id(synth.stack.operators))


def test_every_alarm_notifies_the_operators_and_names_its_runbook(prod: Synth) -> None:
    alarms = _alarms(prod)
    runbook = (REPO_ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [_operators(prod)], name
        assert alarm["OKActions"] == [_operators(prod)], name
        anchor = alarm["AlarmDescription"].rpartition("docs/operations.md#")[2]
        assert anchor and f'<a id="{anchor}"></a>' in runbook, f"{name}: runbook section {anchor!r} missing"


def test_operator_topic_is_encrypted_and_subscribed_from_context(prod: Synth) -> None:
    topic = prod.resources[prod.logical_id(prod.stack.operators)]["Properties"]
    assert topic["TopicName"] == "bhxh-prod-operators"
    assert topic["KmsMasterKeyId"] == get_att(prod.logical_id(prod.stack.key))
    (subscription,) = prod.of_type("AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Endpoint"] == "vanhanh@baohiemxahoi.gov.vn"
    assert subscription["Properties"]["TopicArn"] == _operators(prod)


def _dead_letter_queue(synth: Synth, suffix: str) -> Any:
    stack = synth.stack
    return {"notifications-dlq": stack.dead_letters, "async-failures": stack.async_failures}.get(
        suffix
    ) or stack.stream_failures.get(suffix)


@pytest.mark.parametrize(
    "suffix",
    ["notifications-dlq", "declaration-stream-failures", "account-stream-failures", "async-failures"],
)
def test_dead_letters_above_zero(prod: Synth, suffix: str) -> None:
    alarm = _alarms(prod)[f"bhxh-prod-{suffix}-not-empty"]
    queue = prod.logical_id(_dead_letter_queue(prod, suffix))
    assert _metric(alarm) == {
        "Namespace": "AWS/SQS",
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Dimensions": [{"Name": "QueueName", "Value": get_att(queue, "QueueName")}],
    }
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["Threshold"] == 0


def test_oldest_queued_notice_over_ten_minutes(prod: Synth) -> None:
    alarm = _alarms(prod)["bhxh-prod-oldest-notice-over-10-minutes"]
    assert _metric(alarm) == {
        "Namespace": "AWS/SQS",
        "MetricName": "ApproximateAgeOfOldestMessage",
        "Dimensions": [{"Name": "QueueName", "Value": get_att(prod.logical_id(prod.stack.queue), "QueueName")}],
    }
    assert alarm["Threshold"] == 600
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_api_5xx_rate_is_a_math_expression(prod: Synth) -> None:
    alarm = _alarms(prod)["bhxh-prod-api-5xx-rate"]
    metrics = {m["Id"]: m for m in alarm["Metrics"]}
    expression = next(m for m in metrics.values() if "Expression" in m)
    assert expression["Expression"] == "IF(requests > 0, 100 * errors / requests, 0)"
    assert expression["ReturnData"] is True
    errors = metrics["errors"]["MetricStat"]["Metric"]
    requests = metrics["requests"]["MetricStat"]["Metric"]
    assert (errors["MetricName"], requests["MetricName"]) == ("5XXError", "Count")
    dims = [{"Name": "ApiName", "Value": "bhxh-prod-api"}, {"Name": "Stage", "Value": "api"}]
    assert errors["Dimensions"] == dims
    assert requests["Dimensions"] == dims
    assert alarm["Threshold"] == 1


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_error_and_throttle_alarms(prod: Synth, metric: str) -> None:
    alarms = [a for a in _alarms(prod).values() if _metric(a).get("Namespace") == "AWS/Lambda"]
    watched = {_metric(a)["Dimensions"][0]["Value"] for a in alarms if _metric(a)["MetricName"] == metric}
    assert watched == {f.name for f in prod.stack.functions}
    for alarm in alarms:
        assert alarm["Threshold"] == 0
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_sms_spend_near_the_limit_parameter(prod: Synth) -> None:
    alarm = _alarms(prod)["bhxh-prod-sms-spend-near-limit"]
    spend = next(m for m in alarm["Metrics"] if "MetricStat" in m)["MetricStat"]
    assert spend["Metric"] == {"Namespace": "AWS/SNS", "MetricName": "SMSMonthToDateSpentUSD"}
    expression = next(m for m in alarm["Metrics"] if "Expression" in m)["Expression"]
    # 100 * spend / <the SmsMonthlySpendLimit parameter>, compared with 80 (%).
    assert expression == {"Fn::Join": ["", [f"100 * {spend_id(alarm)} / ", {"Ref": "SmsMonthlySpendLimit"}]]}
    assert alarm["Threshold"] == 80
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def spend_id(alarm: dict[str, Any]) -> str:
    return next(m["Id"] for m in alarm["Metrics"] if "MetricStat" in m)


def test_dashboard_shows_registrations_decisions_latency_and_errors(prod: Synth) -> None:
    (dashboard,) = prod.of_type("AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == "bhxh-prod-dashboard"
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for metric in (
        "DeclarationsSubmitted",
        "PaperDeclarationsReceived",
        "SignIns",  # registrations
        "CampaignRegistrationsCounted",  # the campaign (on_account_issued)
        "DeclarationsApproved",
        "DeclarationsRejected",
        "DeclarationsExpired",  # decisions
        "NoticeLatency",
        "NoticesSent",  # notices
        "5XXError",
        "Errors",
        "ApproximateNumberOfMessagesVisible",
        "SMSMonthToDateSpentUSD",  # errors
    ):
        assert metric in body, metric
    assert NAMESPACE in body
    assert "service" in body and "bhxh-registration" in body
    # The app emits its EMF metrics where the dashboard looks (chalicelib/observability.py, .chalice/config.json).
    observability = (REPO_ROOT / "chalicelib" / "observability.py").read_text(encoding="utf-8")
    assert f'NAMESPACE = "{NAMESPACE}"' in observability
    assert f'SERVICE = "{SERVICE}"' in observability
    for function in prod.functions().values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == NAMESPACE
        assert variables["POWERTOOLS_SERVICE_NAME"] == SERVICE


def test_every_function_logs_to_a_retained_encrypted_group(prod: Synth) -> None:
    groups = {
        v["Properties"]["LogGroupName"]: (k, v["Properties"])
        for k, v in prod.of_type("AWS::Logs::LogGroup").items()
        if isinstance(v["Properties"]["LogGroupName"], str)  # SNS's SMS logs are named by account (test_4)
    }
    key = get_att(prod.logical_id(prod.stack.key))
    for function in prod.stack.functions:
        logical_id, group = groups[f"/aws/lambda/{function.name}"]
        assert group["RetentionInDays"] == 365
        assert group["KmsKeyId"] == key
        logging = prod.resources[function.logical_id]["Properties"]["LoggingConfig"]
        assert logging["LogGroup"] == ref(logical_id)
    for name, (_logical_id, group) in groups.items():
        assert group["RetentionInDays"] == 365, name


def test_every_dead_letter_queue_has_an_alarm_and_a_dashboard_line(prod: Synth) -> None:
    """Stream failure queues come from ACCESS: a new stream handler's queue is watched like the others."""
    alarms = _alarms(prod)
    (dashboard,) = prod.of_type("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert set(prod.stack.stream_failures) == {"declaration-stream-failures", "account-stream-failures"}
    for suffix, queue in prod.stack.stream_failures.items():
        assert f"bhxh-prod-{suffix}-not-empty" in alarms, suffix
        assert prod.logical_id(queue) in body, suffix


@pytest.mark.parametrize("handler", ["on_account_issued", "progress_digest_job"])
def test_campaign_functions_have_error_and_throttle_alarms(prod: Synth, handler: str) -> None:
    suffix = handler.replace("_", "-")
    alarms = _alarms(prod)
    for metric, name in (("Errors", f"bhxh-prod-{suffix}-errors"), ("Throttles", f"bhxh-prod-{suffix}-throttles")):
        assert _metric(alarms[name]) == {
            "Namespace": "AWS/Lambda",
            "MetricName": metric,
            "Dimensions": [{"Name": "FunctionName", "Value": f"bhxh-prod-{suffix}"}],
        }
