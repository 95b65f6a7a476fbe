"""Item 5: API Gateway stage throttling, access logs, X-Ray on API and functions, CORS origin from context."""

from __future__ import annotations

import json

import pytest
from bhxh_infra.stack import API_GATEWAY_STAGE
from conftest import Synth, get_att


def _api(synth: Synth) -> dict:
    return dict(synth.resources["RestAPI"]["Properties"])


def test_stage_is_throttled(prod: Synth) -> None:
    (settings,) = _api(prod)["MethodSettings"]
    assert settings["ResourcePath"] == "/*"
    assert settings["HttpMethod"] == "*"
    assert settings["ThrottlingRateLimit"] == prod.stack.config.api_throttle_rate == 500
    assert settings["ThrottlingBurstLimit"] == prod.stack.config.api_throttle_burst == 1000
    assert settings["LoggingLevel"] == "OFF"  # no execution logs: they would copy request data
    assert settings["DataTraceEnabled"] is False


def test_access_logs_go_to_an_encrypted_log_group_without_personal_data(prod: Synth) -> None:
    api = _api(prod)
    group_id = prod.logical_id(prod.stack.api_access_logs)
    assert api["AccessLogSetting"]["DestinationArn"] == get_att(group_id)
    fields = json.loads(api["AccessLogSetting"]["Format"])
    assert {"requestId", "status", "resourcePath", "responseLatency", "xrayTraceId"} <= set(fields)
    text = json.dumps(fields)
    for leak in ("$context.path", "querystring", "$input", "requestOverride"):
        assert leak not in text
    group = prod.resources[group_id]["Properties"]
    assert group["LogGroupName"] == "/aws/apigateway/bhxh-prod-api"
    assert group["KmsKeyId"] == get_att(prod.logical_id(prod.stack.key))
    assert group["RetentionInDays"] == 365


def test_access_logging_has_its_account_role_first(prod: Synth) -> None:
    ((account_id, account),) = prod.of_type("AWS::ApiGateway::Account").items()
    assert prod.resources["RestAPI"]["DependsOn"] == [account_id]
    assert "CloudWatchRoleArn" in account["Properties"]


def test_api_traces_with_xray(prod: Synth) -> None:
    api = _api(prod)
    assert api["TracingEnabled"] is True
    assert api["StageName"] == API_GATEWAY_STAGE
    assert api["Name"] == "bhxh-prod-api"
    assert api["EndpointConfiguration"] == "REGIONAL"
    assert api["OpenApiVersion"] == "2.0"  # no extra, unthrottled "Stage" stage from SAM


def test_every_function_traces_with_xray(prod: Synth) -> None:
    functions = prod.functions()
    assert len(functions) >= 7
    for handler, function in functions.items():
        assert function["Properties"]["Tracing"] == "Active", handler


@pytest.mark.parametrize(
    ("which", "origin"),
    [("prod", "https://dichvu.baohiemxahoi.gov.vn"), ("uat", "https://uat.dichvu.baohiemxahoi.gov.vn")],
)
def test_cors_origin_comes_from_context(which: str, origin: str, request: pytest.FixtureRequest) -> None:
    synth: Synth = request.getfixturevalue(which)
    paths = _api(synth)["DefinitionBody"]["paths"]
    preflights = [p["options"] for p in paths.values() if "options" in p]
    assert len(preflights) >= 10
    for preflight in preflights:
        headers = preflight["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == f"'{origin}'"
    assert "'*'" not in json.dumps(paths)
    for function in synth.functions().values():  # the app adds the same origin to its own responses
        assert function["Properties"]["Environment"]["Variables"]["BHXH_CORS_ORIGIN"] == origin


def test_routes_that_need_a_session_use_the_authorizer(prod: Synth) -> None:
    body = _api(prod)["DefinitionBody"]
    assert body["securityDefinitions"]["session_authorizer"]["x-amazon-apigateway-authorizer"]["type"] == "token"
    me = body["paths"]["/v1/me"]["get"]
    assert me["security"] == [{"session_authorizer": []}]
