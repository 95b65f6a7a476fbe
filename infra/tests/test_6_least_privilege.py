"""Item 6: Chalice's generated policy off; each function only the actions it uses, on only its resources."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bhxh_infra.permissions import ACCESS
from conftest import Synth, as_list, get_att, statements

DATA_SERVICES = ("dynamodb:", "sqs:", "kms:", "s3:", "ses:", "logs:")
# IAM actions that have no resource type, so "*" is the only resource they accept.
STAR_ONLY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "sns:Publish", "sns:SetSMSAttributes"}
# Called by SNS on the caller's behalf (End User Messaging SMS), only through SNS.
VIA_SNS = {
    "sms-voice:SendTextMessage",
    "sms-voice:DescribeAccountAttributes",
    "sms-voice:DescribeSpendLimits",
    "sms-voice:SetTextMessageSpendLimitOverride",
}


def _iam_resources(synth: Synth) -> dict[str, dict[str, Any]]:
    return {
        k: v
        for k, v in synth.resources.items()
        if v["Type"] in {"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}
    }


def _role_of(synth: Synth, handler: str) -> dict[str, Any]:
    (function,) = [f for f in synth.stack.functions if f.handler == handler]
    return synth.resources[function.role_logical_id]


def _allowed(synth: Synth, handler: str) -> dict[str, set[str]]:
    """action -> set of resources (as JSON) the handler's role allows."""
    allowed: dict[str, set[str]] = {}
    for statement in statements(_role_of(synth, handler)):
        if statement["Effect"] != "Allow":
            continue
        for action in as_list(statement["Action"]):
            allowed.setdefault(action, set()).update(
                json.dumps(r, sort_keys=True) for r in as_list(statement["Resource"])
            )
    return allowed


def _table_arn(synth: Synth, name: str) -> str:
    return json.dumps(get_att(synth.logical_id(synth.stack.tables[name])), sort_keys=True)


def test_no_statement_allows_data_actions_on_star(prod: Synth) -> None:
    for logical_id, resource in _iam_resources(prod).items():
        for statement in statements(resource):
            if statement["Effect"] != "Allow" or "*" not in as_list(statement["Resource"]):
                continue
            for action in as_list(statement["Action"]):
                assert not action.startswith(DATA_SERVICES), f"{logical_id}: {action} on *"
                if action in VIA_SNS:
                    assert statement["Condition"] == {"StringEquals": {"aws:CalledViaLast": "sns.amazonaws.com"}}
                    continue
                assert action in STAR_ONLY, f"{logical_id}: {action} on * is not an action without resource type"


def test_no_wildcard_actions(prod: Synth) -> None:
    for logical_id, resource in _iam_resources(prod).items():
        for statement in statements(resource):
            for action in as_list(statement.get("Action", [])):
                if statement["Effect"] == "Allow":
                    assert "*" not in action, f"{logical_id}: {action}"


def test_chalice_generated_policy_is_off(prod: Synth) -> None:
    """Each Chalice role has one inline policy, ours: no autogen policy, no deny-all placeholder left."""
    for function in prod.stack.functions:
        role = prod.resources[function.role_logical_id]["Properties"]
        assert role["RoleName"] == function.name
        (policy,) = role["Policies"]
        assert policy["PolicyName"] == function.name
        sids = {s.get("Sid") for s in policy["PolicyDocument"]["Statement"]}
        assert "ReplacedByInfra" not in sids
        assert {"OwnLogs", "Tracing", "DataKey"} <= sids
        text = json.dumps(policy)
        assert "logs:CreateLogGroup" not in text  # Chalice's autogen policy has it on arn:*:logs:*:*:*
        assert role.get("ManagedPolicyArns") is None


def test_every_function_has_a_declared_access(prod: Synth) -> None:
    handlers = {f.handler for f in prod.stack.functions}
    assert handlers == set(ACCESS), "ACCESS and the functions in app.py must match, both ways"


def test_authorizer_only_touches_its_session(prod: Synth) -> None:
    dynamo = {a: r for a, r in _allowed(prod, "session_authorizer").items() if a.startswith("dynamodb:")}
    assert dynamo == {"dynamodb:UpdateItem": {_table_arn(prod, "sessions")}}


def test_nobody_scans_and_jobs_only_query_their_indexes(prod: Synth) -> None:
    for handler in ACCESS:
        assert "dynamodb:Scan" not in _allowed(prod, handler), handler
    jobs = {
        "office_reminders_job": ("declarations", "by_expiry_day"),
        "password_age_job": ("accounts", "by_password_expiry"),
    }
    for handler, (table, index) in jobs.items():
        allowed = _allowed(prod, handler)
        queried = allowed["dynamodb:Query"]
        assert len(queried) == 1, handler
        assert index in next(iter(queried)), handler
        assert _table_arn(prod, table) not in queried  # the index only, never the table


def test_index_resources_exist_in_the_models(prod: Synth) -> None:
    specs = prod.stack.specs
    for handler, access in ACCESS.items():
        for table, use in access.tables.items():
            assert set(use.indexes) <= {i.name for i in specs[table].indexes}, (handler, table)


def test_only_the_worker_sends_sms_and_email(prod: Synth) -> None:
    for handler in ACCESS:
        allowed = _allowed(prod, handler)
        sends = "sns:Publish" in allowed or "ses:SendEmail" in allowed
        assert sends == (handler == "deliver_notifications"), handler
    role = _role_of(prod, "deliver_notifications")
    by_sid = {s["Sid"]: s for s in statements(role)}
    assert by_sid["NoTopicPublish"]["Effect"] == "Deny"  # the "*" of SMS cannot reach a topic
    assert by_sid["SendEmail"]["Condition"] == {"StringEquals": {"ses:FromAddress": "no-reply@baohiemxahoi.gov.vn"}}
    assert "*" not in by_sid["SendEmail"]["Resource"]


def test_only_the_stream_handler_reads_the_stream(prod: Synth) -> None:
    table = get_att(prod.logical_id(prod.stack.tables["declarations"]))
    stream = json.dumps({"Fn::Join": ["", [table, "/stream/*"]]}, sort_keys=True)
    for handler in ACCESS:
        allowed = _allowed(prod, handler)
        reads = "dynamodb:GetRecords" in allowed
        assert reads == (handler == "on_declaration_change"), handler
        if reads:
            for action in (
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:DescribeStream",
                "dynamodb:ListStreams",
            ):
                assert allowed[action] == {stream}


def test_only_the_api_uses_idempotency_and_registry(prod: Synth) -> None:
    for table in ("idempotency", "registry"):
        arn = _table_arn(prod, table)
        users = {h for h in ACCESS if any(arn in resources for resources in _allowed(prod, h).values())}
        assert users == {"app"}, table


@pytest.mark.parametrize("handler", sorted(ACCESS))
def test_kms_only_on_the_data_key(prod: Synth, handler: str) -> None:
    key = json.dumps(get_att(prod.logical_id(prod.stack.key)), sort_keys=True)
    for action, resources in _allowed(prod, handler).items():
        if action.startswith("kms:"):
            assert resources == {key}, (handler, action)


@pytest.mark.parametrize("handler", sorted(ACCESS))
def test_logs_only_to_own_log_group(prod: Synth, handler: str) -> None:
    (function,) = [f for f in prod.stack.functions if f.handler == handler]
    groups = [
        k
        for k, v in prod.of_type("AWS::Logs::LogGroup").items()
        if v["Properties"]["LogGroupName"] == f"/aws/lambda/{function.name}"
    ]
    (group,) = groups
    allowed = _allowed(prod, handler)
    assert allowed["logs:PutLogEvents"] == {json.dumps(get_att(group), sort_keys=True)}


def test_queue_access_is_split_by_role(prod: Synth) -> None:
    queue = json.dumps(get_att(prod.logical_id(prod.stack.queue)), sort_keys=True)
    for handler, access in ACCESS.items():
        allowed = _allowed(prod, handler)
        assert (queue in allowed.get("sqs:SendMessage", set())) == access.send_notices, handler
        assert (queue in allowed.get("sqs:ReceiveMessage", set())) == access.consume_notices, handler
