"""Issue 17, finding 8: per-source limits (AWS WAF v2 rate-based rules) on the API stage,
complementing the per-account lockout, so a stranger cannot keep a person or an officer out."""

from __future__ import annotations

import json
from typing import Any

from bhxh_infra.firewall import MANAGED_GROUPS, WINDOW_S
from bhxh_infra.stack import API_GATEWAY_STAGE
from conftest import Synth, get_att, ref


def _acl(synth: Synth) -> dict[str, Any]:
    ((_, acl),) = synth.of_type("AWS::WAFv2::WebACL").items()
    return dict(acl["Properties"])


def _rules(synth: Synth) -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in _acl(synth)["Rules"]}


def test_web_acl_is_regional_allows_by_default_and_is_named_for_the_stage(prod: Synth) -> None:
    acl = _acl(prod)
    assert (acl["Scope"], acl["DefaultAction"], acl["Name"]) == ("REGIONAL", {"Allow": {}}, "bhxh-prod-api-firewall")
    assert acl["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True


def test_auth_routes_have_a_tighter_per_ip_rate_limit_than_everything(prod: Synth) -> None:
    rules = _rules(prod)
    auth = rules["auth-per-ip"]["Statement"]["RateBasedStatement"]
    every = rules["all-per-ip"]["Statement"]["RateBasedStatement"]

    assert (auth["AggregateKeyType"], every["AggregateKeyType"]) == ("IP", "IP")
    assert auth["EvaluationWindowSec"] == every["EvaluationWindowSec"] == WINDOW_S
    assert auth["Limit"] == prod.stack.config.waf_auth_rate_per_ip == 100
    assert every["Limit"] == prod.stack.config.waf_rate_per_ip == 3000
    match = auth["ScopeDownStatement"]["ByteMatchStatement"]
    assert (match["FieldToMatch"], match["PositionalConstraint"], match["SearchString"]) == (
        {"UriPath": {}},
        "CONTAINS",
        "/v1/auth/",
    )
    assert "ScopeDownStatement" not in every
    assert rules["auth-per-ip"]["Priority"] < rules["all-per-ip"]["Priority"]


def test_blocked_requests_get_429_with_retry_after_and_a_problem_body(prod: Synth) -> None:
    acl = _acl(prod)
    for name in ("auth-per-ip", "all-per-ip"):
        response = _rules(prod)[name]["Action"]["Block"]["CustomResponse"]
        assert response["ResponseCode"] == 429
        assert response["ResponseHeaders"] == [{"Name": "Retry-After", "Value": str(WINDOW_S)}]
        body = acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
        problem = json.loads(body["Content"])
        assert (body["ContentType"], problem["status"], problem["code"]) == ("APPLICATION_JSON", 429, "rate_limited")


def test_aws_managed_groups_for_known_bad_inputs_and_ip_reputation(prod: Synth) -> None:
    rules = _rules(prod)
    for name in MANAGED_GROUPS:
        assert rules[name]["Statement"]["ManagedRuleGroupStatement"] == {"VendorName": "AWS", "Name": name}
        assert rules[name]["OverrideAction"] == {"None": {}}
    assert len({rule["Priority"] for rule in rules.values()}) == len(rules)


def test_web_acl_is_associated_with_the_api_stage(prod: Synth) -> None:
    ((_, association),) = prod.of_type("AWS::WAFv2::WebACLAssociation").items()
    acl_id = prod.stack.get_logical_id(prod.stack.firewall.web_acl)
    props = association["Properties"]
    assert props["WebACLArn"] == get_att(acl_id)
    assert json.dumps(ref("RestAPI")) in json.dumps(props["ResourceArn"])
    assert f"/stages/{API_GATEWAY_STAGE}" in json.dumps(props["ResourceArn"])
    assert association["DependsOn"] == [f"RestAPI{API_GATEWAY_STAGE}Stage"]


def test_limits_come_from_the_context(uat: Synth) -> None:
    rules = _rules(uat)
    assert rules["auth-per-ip"]["Statement"]["RateBasedStatement"]["Limit"] == 20
    assert rules["all-per-ip"]["Statement"]["RateBasedStatement"]["Limit"] == 500
