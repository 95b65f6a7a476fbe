"""Per-source limits in front of the API: an AWS WAF v2 web ACL on the API stage.

The service holds per-account limits in DynamoDB (login delays, recovery codes,
reissues); alone they let a stranger lock anyone out, officers included, with
20 wrong passwords (issue 17, finding 8). Rate-based rules count requests per
client IP over 5 minutes and block the excess before API Gateway: a tight one
on ``/v1/auth/*`` (sign-in, recovery), a generous one on everything (offices
sit behind one NAT address), plus AWS's known-bad-inputs and IP-reputation
rule groups. A blocked request gets 429 with a problem body and
``Retry-After`` (WAF can only label it ``application/json``).
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from .config import InfraConfig

WINDOW_S = 300  # the rate-based rules' evaluation window
RATE_LIMITED_BODY = "rate-limited"
PROBLEM = {
    "type": "https://dichvucong.baohiemxahoi.gov.vn/problems/rate_limited",
    "title": "Quá nhiều yêu cầu; vui lòng thử lại sau",
    "status": 429,
    "detail": "Too many requests from this address; please try again in a few minutes",
    "code": "rate_limited",
}
MANAGED_GROUPS = ("AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList")


def _visibility(name: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}


def _rate_rule(name: str, priority: int, limit: int, scope_down: dict[str, Any] | None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Limit": limit, "AggregateKeyType": "IP", "EvaluationWindowSec": WINDOW_S}
    if scope_down is not None:
        statement["ScopeDownStatement"] = scope_down
    return {
        "Name": name,
        "Priority": priority,
        "Statement": {"RateBasedStatement": statement},
        "Action": {
            "Block": {
                "CustomResponse": {
                    "ResponseCode": 429,
                    "CustomResponseBodyKey": RATE_LIMITED_BODY,
                    "ResponseHeaders": [{"Name": "Retry-After", "Value": str(WINDOW_S)}],
                }
            }
        },
        "VisibilityConfig": _visibility(name),
    }


def _path_contains(fragment: str) -> dict[str, Any]:
    """Matches with or without the stage prefix (``/api/v1/auth/...`` on the execute-api host)."""
    return {
        "ByteMatchStatement": {
            "FieldToMatch": {"UriPath": {}},
            "PositionalConstraint": "CONTAINS",
            "SearchString": fragment,
            "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}],
        }
    }


def _managed(name: str, priority: int) -> dict[str, Any]:
    return {
        "Name": name,
        "Priority": priority,
        "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": name}},
        "OverrideAction": {"None": {}},
        "VisibilityConfig": _visibility(name),
    }


def rules(config: InfraConfig) -> list[dict[str, Any]]:
    return [
        _rate_rule("auth-per-ip", 0, config.waf_auth_rate_per_ip, _path_contains("/v1/auth/")),
        _rate_rule("all-per-ip", 1, config.waf_rate_per_ip, None),
        *(_managed(name, 2 + n) for n, name in enumerate(MANAGED_GROUPS)),
    ]


class ApiFirewall(Construct):
    """The web ACL and its association with the REST API's stage."""

    def __init__(self, scope: Construct, construct_id: str, *, config: InfraConfig, api_id: str, stage: str) -> None:
        super().__init__(scope, construct_id)
        name = config.name("api-firewall")
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=name,
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                sampled_requests_enabled=True, cloud_watch_metrics_enabled=True, metric_name=name
            ),
            description="Per-source rate limits in front of the registration API, issue 17 finding 8",
        )
        # Raw CloudFormation shapes, as the stack's other escape hatches.
        self.web_acl.add_property_override("Rules", rules(config))
        self.web_acl.add_property_override(
            "CustomResponseBodies",
            {
                RATE_LIMITED_BODY: {
                    "ContentType": "APPLICATION_JSON",
                    "Content": json.dumps(PROBLEM, ensure_ascii=False),
                }
            },
        )
        region = Stack.of(self).region
        self.association = wafv2.CfnWebACLAssociation(
            self,
            "Association",
            resource_arn=f"arn:aws:apigateway:{region}::/restapis/{api_id}/stages/{stage}",
            web_acl_arn=self.web_acl.attr_arn,
        )
