"""Item 1: one stack per environment, named from the context; every resource named from it."""

from __future__ import annotations

import json

import pytest
from bhxh_infra.config import ContextError, load_config
from conftest import Synth

# Resource type -> the property that carries its name.
NAMED = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::SES::ConfigurationSet": "Name",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::Serverless::Api": "Name",
}


def _name_of(resource: dict, prop: str) -> str:
    return resource["Properties"][prop]


@pytest.mark.parametrize("which", ["prod", "uat"])
def test_stack_is_named_from_the_stage(which: str, request: pytest.FixtureRequest) -> None:
    synth: Synth = request.getfixturevalue(which)
    assert synth.stack.stack_name == f"bhxh-{which}"
    assert synth.stack.config.stage == which


@pytest.mark.parametrize("which", ["prod", "uat"])
def test_every_named_resource_carries_the_stage(which: str, request: pytest.FixtureRequest) -> None:
    synth: Synth = request.getfixturevalue(which)
    prefix = f"bhxh-{which}-"
    seen = 0
    for logical_id, resource in synth.resources.items():
        prop = NAMED.get(resource["Type"])
        if prop is None:
            continue
        name = _name_of(resource, prop)
        expected = f"alias/{prefix}" if resource["Type"] == "AWS::KMS::Alias" else prefix
        assert isinstance(name, str), f"{logical_id}: {prop} should be a literal name"
        assert name.startswith(expected), f"{logical_id}: {name!r} does not start with {expected!r}"
        seen += 1
    assert seen > 40
    sns_sms_logs = {synth.logical_id(group) for group in synth.stack.sms_status_logs}
    for logical_id, group in synth.of_type("AWS::Logs::LogGroup").items():
        if logical_id in sns_sms_logs:
            # SNS names its SMS delivery-status log groups itself, one pair per account and region
            # (like the account's SMS settings, which name the role SNS writes them with).
            name = group["Properties"]["LogGroupName"]["Fn::Join"][1]
            assert name[0] == f"sns/{synth.stack.region}/" and name[2].startswith("/DirectPublishToPhoneNumber")
            continue
        assert f"/{prefix}" in group["Properties"]["LogGroupName"], logical_id
    for logical_id, role in synth.of_type("AWS::IAM::Role").items():
        name = role["Properties"].get("RoleName")
        if name is not None:  # CDK's own custom-resource role keeps a generated name
            assert name.startswith(prefix), logical_id


def test_no_name_of_one_environment_leaks_into_another(prod: Synth, uat: Synth) -> None:
    assert "bhxh-prod" not in json.dumps(uat.json)
    assert "bhxh-uat" not in json.dumps(prod.json)
    # Same resources, but for what uat's context leaves out (SES identity, API Gateway account role, e-mail).
    only_prod = {prod.resources[k]["Type"] for k in set(prod.resources) - set(uat.resources)}
    assert only_prod == {
        "AWS::SES::EmailIdentity",
        "AWS::ApiGateway::Account",
        "AWS::IAM::Role",
        "AWS::SNS::Subscription",
    }
    assert not set(uat.resources) - set(prod.resources)


def test_context_values_reach_the_template(uat: Synth) -> None:
    for group in uat.of_type("AWS::Logs::LogGroup").values():
        assert group["Properties"]["RetentionInDays"] == 90
    api = uat.resources["RestAPI"]["Properties"]
    assert api["MethodSettings"][0]["ThrottlingRateLimit"] == 50
    assert api["MethodSettings"][0]["ThrottlingBurstLimit"] == 100
    assert uat.json["Parameters"]["SmsMonthlySpendLimit"]["Default"] == 500
    assert not uat.of_type("AWS::SES::EmailIdentity")
    assert not uat.of_type("AWS::ApiGateway::Account")
    for table in uat.of_type("AWS::DynamoDB::Table").values():
        assert table["DeletionPolicy"] == "Delete"
        assert table["Properties"]["DeletionProtectionEnabled"] is False


def test_prod_keeps_its_data(prod: Synth) -> None:
    for logical_id, table in prod.of_type("AWS::DynamoDB::Table").items():
        assert table["DeletionPolicy"] == "Retain", logical_id
        assert table["Properties"]["DeletionProtectionEnabled"] is True, logical_id
    for key in prod.of_type("AWS::KMS::Key").values():
        assert key["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"cors_origins": "https://a.vn"}, "'stage' is required"),
        ({"stage": "Prod!", "cors_origins": "https://a.vn"}, "must match"),
        ({"stage": "local", "cors_origins": "https://a.vn"}, "emulator"),
        ({"stage": "prod"}, "'cors_origins' is required"),
        ({"stage": "prod", "cors_origins": "*"}, "https:// origin"),
        ({"stage": "prod", "cors_origins": "http://a.vn"}, "https:// origin"),
        ({"stage": "prod", "cors_origins": "https://a.vn,https://b.vn"}, "exactly one CORS origin"),
        ({"stage": "prod", "cors_origins": "https://a.vn", "log_retention_days": "100"}, "log_retention_days"),
        ({"stage": "prod", "cors_origins": "https://a.vn", "sms_sender_id": "BHXH VIET NAM"}, "sms_sender_id"),
        ({"stage": "prod", "cors_origins": "https://a.vn", "leadership_emails": "lanhdao"}, "leadership_emails"),
        (
            {"stage": "prod", "cors_origins": "https://a.vn", "leadership_emails": "a@bhxh.vn;b@bhxh.vn"},
            "leadership_emails",
        ),
    ],
)
def test_bad_context_is_refused_with_a_reason(context: dict, message: str) -> None:
    with pytest.raises(ContextError, match=message):
        load_config(context)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ()),  # allowed: the digest job then sends nothing (and the synthesis warns)
        ("", ()),
        ("a@bhxh.vn, b@bhxh.vn", ("a@bhxh.vn", "b@bhxh.vn")),  # -c leadership_emails=a@...,b@...
        (["a@bhxh.vn", "b@bhxh.vn"], ("a@bhxh.vn", "b@bhxh.vn")),  # a list in cdk.json
        ("Lanh.Dao@BHXH.vn,lanh.dao@bhxh.vn", ("Lanh.Dao@BHXH.vn",)),  # one digest per address
    ],
)
def test_leadership_emails_come_from_context(value: object, expected: tuple[str, ...]) -> None:
    config = load_config({"stage": "prod", "cors_origins": "https://a.vn", "leadership_emails": value})
    assert config.leadership_emails == expected
