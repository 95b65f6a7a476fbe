"""Item 6: Chalice's generated policy off; each function only the actions it uses, on only its resources."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from bhxh_infra import build_app
from bhxh_infra.permissions import ACCESS, StreamUse
from conftest import PROD_CONTEXT, Synth, as_list, get_att, statements

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


def _index_arn(synth: Synth, table: str, index: str) -> str:
    arn = get_att(synth.logical_id(synth.stack.tables[table]))
    return json.dumps({"Fn::Join": ["", [arn, f"/index/{index}"]]}, sort_keys=True)


def _stream_arn(synth: Synth, table: str) -> str:
    arn = get_att(synth.logical_id(synth.stack.tables[table]))
    return json.dumps({"Fn::Join": ["", [arn, "/stream/*"]]}, sort_keys=True)


def _queue_arn(synth: Synth, queue: Any) -> str:
    return json.dumps(get_att(synth.logical_id(queue)), sort_keys=True)


def _data_access(synth: Synth, handler: str) -> dict[str, set[str]]:
    """What the handler may do to tables, streams and queues (logs, tracing and the key aside)."""
    return {a: r for a, r in _allowed(synth, handler).items() if a.startswith(("dynamodb:", "sqs:"))}


STREAM_READ = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams")


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
        "progress_digest_job": ("units", "listing"),
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


# Who reads which table's stream: each stream handler its own table's stream, nobody else any stream.
STREAM_READERS = {"on_declaration_change": "declarations", "on_account_issued": "accounts"}


def test_only_the_stream_handlers_read_a_stream_each_its_own(prod: Synth) -> None:
    for handler in ACCESS:
        allowed = _allowed(prod, handler)
        reads = "dynamodb:GetRecords" in allowed
        assert reads == (handler in STREAM_READERS), handler
        if reads:
            for action in STREAM_READ:
                assert allowed[action] == {_stream_arn(prod, STREAM_READERS[handler])}, (handler, action)


def test_each_stream_handler_sends_only_to_its_own_failure_queue(prod: Synth) -> None:
    queues = {
        "on_declaration_change": "declaration-stream-failures",
        "on_account_issued": "account-stream-failures",
    }
    for handler in ACCESS:
        by_sid = {s["Sid"]: s for s in statements(_role_of(prod, handler))}
        if handler not in queues:
            assert "StreamFailures" not in by_sid, handler
            continue
        queue = prod.stack.stream_failures[queues[handler]]
        assert by_sid["StreamFailures"]["Action"] == "sqs:SendMessage"
        assert by_sid["StreamFailures"]["Resource"] == get_att(prod.logical_id(queue))


def test_account_counter_touches_only_the_roster_the_units_and_the_accounts_stream(prod: Synth) -> None:
    """on_account_issued: a consistent GetItem on the roster, then one transaction updating the roster
    entry and the unit; the account comes from the stream record, never from the accounts table."""
    roster, units = _table_arn(prod, "roster"), _table_arn(prod, "units")
    stream = _stream_arn(prod, "accounts")
    assert _data_access(prod, "on_account_issued") == {
        "dynamodb:GetItem": {roster},
        "dynamodb:UpdateItem": {roster, units},
        **{action: {stream} for action in STREAM_READ},
        "sqs:SendMessage": {_queue_arn(prod, prod.stack.stream_failures["account-stream-failures"])},
    }
    access = ACCESS["on_account_issued"]
    assert not access.send_notices and not access.invoked_asynchronously


def test_progress_digest_reads_units_and_records_notices_only(prod: Synth) -> None:
    """progress_digest_job: the listing index and a batch get on units, one notice per leadership
    address (put, and get on a re-run), queued; nothing on the roster, no audit event."""
    units, notifications = _table_arn(prod, "units"), _table_arn(prod, "notifications")
    assert _data_access(prod, "progress_digest_job") == {
        "dynamodb:Query": {_index_arn(prod, "units", "listing")},
        "dynamodb:BatchGetItem": {units},
        "dynamodb:PutItem": {notifications},
        "dynamodb:GetItem": {notifications},
        "sqs:GetQueueUrl": {_queue_arn(prod, prod.stack.queue)},
        "sqs:SendMessage": {_queue_arn(prod, prod.stack.queue), _queue_arn(prod, prod.stack.async_failures)},
    }


def test_api_reads_units_for_the_progress_report_only(prod: Synth) -> None:
    allowed = _allowed(prod, "app")
    units = _table_arn(prod, "units")
    on_units = {action for action, resources in allowed.items() if units in resources}
    assert on_units == {"dynamodb:BatchGetItem"}
    assert _index_arn(prod, "units", "listing") in allowed["dynamodb:Query"]


def test_campaign_tables_are_touched_only_by_their_handlers(prod: Synth) -> None:
    """The roster is written by on_account_issued only (the imports run with operator credentials);
    units are read by the report and the digest and counted by on_account_issued."""
    expected = {
        "roster": {"on_account_issued"},
        "units": {"app", "on_account_issued", "progress_digest_job"},
    }
    for table, handlers in expected.items():
        logical_id = json.dumps(prod.logical_id(prod.stack.tables[table]))  # in the table, index and stream ARNs
        users = {
            handler
            for handler in ACCESS
            if any(logical_id in resource for resources in _allowed(prod, handler).values() for resource in resources)
        }
        assert users == handlers, table


def test_a_stream_on_a_table_without_one_stops_the_synthesis(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fail closed: ACCESS cannot name a stream the models do not create."""
    wrong = dataclasses.replace(
        ACCESS["on_account_issued"], stream=StreamUse("roster", {"eventName": ["INSERT"]}, "account-stream-failures")
    )
    monkeypatch.setitem(ACCESS, "on_account_issued", wrong)
    with pytest.raises(ValueError, match="sets no stream_view_type"):
        build_app(PROD_CONTEXT, outdir=str(tmp_path))


def test_a_decorator_reading_another_stream_than_access_says_stops_the_synthesis(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Fail closed: app.py's decorator reads the accounts stream; permissions for another one are refused."""
    wrong = dataclasses.replace(
        ACCESS["on_account_issued"],
        stream=StreamUse("declarations", {"eventName": ["INSERT"]}, "account-stream-failures"),
    )
    monkeypatch.setitem(ACCESS, "on_account_issued", wrong)
    with pytest.raises(ValueError, match="but ACCESS says the stream of 'declarations'"):
        build_app(PROD_CONTEXT, outdir=str(tmp_path))


def test_only_the_api_uses_idempotency_and_the_worker_reads_the_registry_too(prod: Synth) -> None:
    # The registry: the API's cross-checks, and the worker's alert task (who a declaration names).
    for table, expected in (("idempotency", {"app"}), ("registry", {"app", "deliver_notifications"})):
        arn = _table_arn(prod, table)
        users = {h for h in ACCESS if any(arn in resources for resources in _allowed(prod, h).values())}
        assert users == expected, table


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
