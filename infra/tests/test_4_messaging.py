"""Item 4: SNS SMS settings (Transactional, sender id, spend limit parameter); SES configuration set."""

from __future__ import annotations

import json
from typing import Any

from conftest import Synth, get_att, ref, statements


def _render(value: Any, refs: dict[str, str]) -> str:
    """A string property built with Fn::Join, its Refs replaced by placeholders."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_render(part, refs) for part in parts)
    if "Ref" in value:
        return refs.get(value["Ref"], f"<{value['Ref']}>")
    if "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    raise AssertionError(f"cannot render {value}")


def _sms_resource(synth: Synth) -> dict[str, Any]:
    (resource,) = synth.of_type("Custom::SmsSettings").values()
    return dict(resource["Properties"])


def test_spend_limit_is_a_number_parameter(prod: Synth) -> None:
    parameter = prod.json["Parameters"]["SmsMonthlySpendLimit"]
    assert parameter["Type"] == "Number"
    assert parameter["Default"] == 1  # AWS's default quota: the first deployment works in any account
    assert parameter["MinValue"] == 1


def test_sms_attributes_are_set_on_create_and_update(prod: Synth) -> None:
    resource = _sms_resource(prod)
    for phase in ("Create", "Update"):
        call = json.loads(_render(resource[phase], {"SmsMonthlySpendLimit": "1234"}))
        assert call["service"] == "SNS"
        assert call["action"] == "setSMSAttributes"
        assert call["parameters"]["attributes"] == {
            "DefaultSMSType": "Transactional",
            "DefaultSenderID": "BHXHVN",
            "MonthlySpendLimit": "1234",  # the parameter's value
            # Every SMS's delivery status goes to CloudWatch Logs, written with the stack's role.
            "DeliveryStatusIAMRole": f"<{prod.logical_id(prod.stack.sms_status_role)}.Arn>",
            "DeliveryStatusSuccessSamplingRate": "100",
        }
    assert "Delete" not in resource  # leaving the account's settings as they are on stack deletion


def test_sender_id_from_context(uat: Synth) -> None:
    call = json.loads(_render(_sms_resource(uat)["Create"], {}))
    assert call["parameters"]["attributes"]["DefaultSenderID"] == "BHXHUAT"
    for function in uat.functions().values():
        assert function["Properties"]["Environment"]["Variables"]["BHXH_SMS_SENDER_ID"] == "BHXHUAT"


def test_sms_custom_resource_may_only_set_sms_attributes(prod: Synth) -> None:
    (policy,) = [p for p in prod.of_type("AWS::IAM::Policy").values() if "SmsSettings" in json.dumps(p)]
    sns_statement, pass_role, via_sns = statements(policy)
    assert sns_statement == {"Action": "sns:SetSMSAttributes", "Effect": "Allow", "Resource": "*"}
    # Only the delivery-status role may be handed to SNS.
    assert pass_role == {
        "Action": "iam:PassRole",
        "Effect": "Allow",
        "Resource": get_att(prod.logical_id(prod.stack.sms_status_role), "Arn"),
    }
    # What SNS itself calls in End User Messaging SMS for the spend limit, and only through SNS.
    assert via_sns["Condition"] == {"StringEquals": {"aws:CalledViaLast": "sns.amazonaws.com"}}
    assert all(action.startswith("sms-voice:") for action in via_sns["Action"])


def test_ses_configuration_set_publishes_bounces_and_complaints(prod: Synth) -> None:
    ((config_set_id, config_set),) = prod.of_type("AWS::SES::ConfigurationSet").items()
    assert config_set["Properties"]["Name"] == "bhxh-prod-email"
    assert config_set["Properties"]["DeliveryOptions"] == {"TlsPolicy": "REQUIRE"}
    assert config_set["Properties"]["SuppressionOptions"] == {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]}
    events = []
    for destination in prod.of_type("AWS::SES::ConfigurationSetEventDestination").values():
        props = destination["Properties"]
        assert props["ConfigurationSetName"] == ref(config_set_id)
        event_destination = props["EventDestination"]
        assert event_destination["Enabled"] is True
        assert event_destination["SnsDestination"] == {"TopicARN": ref(prod.logical_id(prod.stack.ses_feedback))}
        events += event_destination["MatchingEventTypes"]
    # Bounces and complaints (suppression) and every other outcome (the ledger's delivery receipts).
    assert sorted(events) == ["bounce", "complaint", "delivery", "reject", "renderingFailure"]


def test_sms_delivery_status_logs_reach_the_receipts_function(prod: Synth) -> None:
    function = next(f for f in prod.stack.functions if f.handler == "sms_delivery_status")
    arn = get_att(function.logical_id, "Arn")
    groups = {prod.logical_id(group) for group in prod.stack.sms_status_logs}
    filters = prod.of_type("AWS::Logs::SubscriptionFilter").values()
    assert {ref_id for f in filters for ref_id in [f["Properties"]["LogGroupName"]["Ref"]]} == groups
    assert all(f["Properties"]["DestinationArn"] == arn and f["Properties"]["FilterPattern"] == "" for f in filters)
    permissions = [p["Properties"] for p in prod.of_type("AWS::Lambda::Permission").values()]
    invokes = [p for p in permissions if p["Principal"] == "logs.ap-southeast-1.amazonaws.com"]
    assert len(invokes) == 2 and all(p["FunctionName"] == arn for p in invokes)
    role = prod.resources[prod.logical_id(prod.stack.sms_status_role)]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "sns.amazonaws.com"}


def test_functions_send_through_the_configuration_set(prod: Synth) -> None:
    for function in prod.functions().values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["BHXH_SES_CONFIGURATION_SET"] == "bhxh-prod-email"
        assert variables["BHXH_EMAIL_SENDER"] == "no-reply@baohiemxahoi.gov.vn"


def test_sender_domain_identity_with_dkim(prod: Synth) -> None:
    (identity,) = prod.of_type("AWS::SES::EmailIdentity").values()
    props = identity["Properties"]
    assert props["EmailIdentity"] == "baohiemxahoi.gov.vn"
    assert props["ConfigurationSetAttributes"] == {
        "ConfigurationSetName": ref(prod.logical_id(prod.stack.configuration_set))
    }
    outputs = prod.json["Outputs"]
    assert {"DkimRecord1", "DkimRecord2", "DkimRecord3"} <= set(outputs)


def test_topics_and_key_let_ses_and_cloudwatch_publish_encrypted(prod: Synth) -> None:
    (key,) = prod.of_type("AWS::KMS::Key").values()
    by_sid = {s.get("Sid"): s for s in key["Properties"]["KeyPolicy"]["Statement"]}
    assert by_sid["SesToEncryptedTopic"]["Principal"] == {"Service": "ses.amazonaws.com"}
    assert by_sid["AlarmsToEncryptedTopic"]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert by_sid["CloudWatchLogs"]["Condition"]["ArnLike"]
    for topic in prod.of_type("AWS::SNS::Topic").values():
        assert topic["Properties"]["KmsMasterKeyId"] == get_att(prod.logical_id(prod.stack.key))
