"""Item 8: the web portal on a private S3 bucket behind CloudFront (origin access
control), the API under the same distribution at /v1/* (no CORS needed), and the
security headers of web/security-headers.json on every answer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bhxh_infra.config import ContextError, load_config
from bhxh_infra.portal import SECURITY_HEADERS_FILE, security_headers
from bhxh_infra.stack import API_GATEWAY_STAGE
from conftest import Synth, get_att, ref

ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AWS managed origin request policy


def _distribution(synth: Synth) -> dict[str, Any]:
    (distribution,) = synth.of_type("AWS::CloudFront::Distribution").values()
    return dict(distribution["Properties"]["DistributionConfig"])


def _site_bucket_id(synth: Synth) -> str:
    return synth.logical_id(synth.stack.portal.bucket)


def test_site_bucket_is_private_and_encrypted(prod: Synth) -> None:
    bucket = prod.resources[_site_bucket_id(prod)]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert "WebsiteConfiguration" not in bucket
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_only_this_distribution_reads_the_bucket_and_only_over_tls(prod: Synth) -> None:
    bucket_id = _site_bucket_id(prod)
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in prod.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == ref(bucket_id)
    ]
    allows = [s for s in policy if s["Effect"] == "Allow"]
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    (distribution_id,) = prod.of_type("AWS::CloudFront::Distribution")
    assert json.dumps(ref(distribution_id)) in json.dumps(allow["Condition"]["StringEquals"]["AWS:SourceArn"])
    denies = [s for s in policy if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denies)


def test_pages_come_from_the_bucket_through_origin_access_control(prod: Synth) -> None:
    config = _distribution(prod)
    assert config["DefaultRootObject"] == "index.html"
    default = config["DefaultCacheBehavior"]
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert default["AllowedMethods"] == ["GET", "HEAD"]
    (origin,) = [o for o in config["Origins"] if o["Id"] == default["TargetOriginId"]]
    assert origin["DomainName"] == get_att(_site_bucket_id(prod), "RegionalDomainName")
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    (oac_id,) = prod.of_type("AWS::CloudFront::OriginAccessControl")
    assert origin["OriginAccessControlId"] == get_att(oac_id, "Id")
    oac = prod.resources[oac_id]["Properties"]["OriginAccessControlConfig"]
    assert oac["SigningBehavior"] == "always"


def test_the_api_is_served_under_the_same_distribution_uncached(prod: Synth) -> None:
    config = _distribution(prod)
    (api,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/v1/*"]
    assert api["ViewerProtocolPolicy"] == "https-only"
    assert {"GET", "POST", "OPTIONS"} <= set(api["AllowedMethods"])
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    (origin,) = [o for o in config["Origins"] if o["Id"] == api["TargetOriginId"]]
    assert origin["OriginPath"] == f"/{API_GATEWAY_STAGE}"
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert ref("RestAPI") in origin["DomainName"]["Fn::Join"][1]
    cache = prod.resources[api["CachePolicyId"]["Ref"]]["Properties"]["CachePolicyConfig"]
    assert cache["DefaultTTL"] == 0 and cache["MinTTL"] == 0 and cache["MaxTTL"] <= 1
    # Authorization travels to the API on GET only as part of the cache key: per token, never shared.
    keyed = cache["ParametersInCacheKeyAndForwardedToOrigin"]
    assert "Authorization" in keyed["HeadersConfig"]["Headers"]
    assert keyed["QueryStringsConfig"]["QueryStringBehavior"] == "all"


def test_every_answer_has_the_portals_security_headers(prod: Synth) -> None:
    config = _distribution(prod)
    (policy_id,) = prod.of_type("AWS::CloudFront::ResponseHeadersPolicy")
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert all(b["ResponseHeadersPolicyId"] == ref(policy_id) for b in behaviours)
    policy = prod.resources[policy_id]["Properties"]["ResponseHeadersPolicyConfig"]
    assert policy["Name"] == "bhxh-prod-portal-security-headers"
    wanted = json.loads(SECURITY_HEADERS_FILE.read_text(encoding="utf-8"))
    security = policy["SecurityHeadersConfig"]
    # The file's policy, with the ID-copy bucket's endpoint added to connect-src (the desk posts scans to it).
    bucket = get_att(prod.logical_id(prod.stack.id_copies), "RegionalDomainName")
    before, after = wanted["Content-Security-Policy"].split("connect-src 'self'")
    assert security["ContentSecurityPolicy"] == {
        "ContentSecurityPolicy": {"Fn::Join": ["", [f"{before}connect-src 'self' https://", bucket, after]]},
        "Override": True,
    }
    assert security["FrameOptions"]["FrameOption"] == wanted["X-Frame-Options"]
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == wanted["Referrer-Policy"]
    assert security["ContentTypeOptions"]["Override"] is True
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 365 * 86400
    custom = {h["Header"]: h["Value"] for h in policy["CustomHeadersConfig"]["Items"]}
    assert custom == {
        name: value
        for name, value in wanted.items()
        if name not in {"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "X-Content-Type-Options"}
    }


def test_requests_are_logged_and_the_logs_expire(prod: Synth) -> None:
    config = _distribution(prod)
    logs_id = prod.logical_id(prod.stack.portal.logs)
    assert config["Logging"]["Bucket"] == get_att(logs_id, "RegionalDomainName")
    (rule,) = prod.resources[logs_id]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == prod.stack.config.log_retention_days


def test_outputs_say_where_to_publish(prod: Synth) -> None:
    outputs = prod.json["Outputs"]
    assert {"PortalURL", "PortalBucketName", "PortalDistributionId"} <= set(outputs)


def test_a_weakened_policy_stops_the_synthesis(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from bhxh_infra import portal

    headers = json.loads(SECURITY_HEADERS_FILE.read_text(encoding="utf-8"))
    weak = tmp_path / "security-headers.json"
    weak.write_text(json.dumps({**headers, "Content-Security-Policy": "script-src 'self' 'unsafe-inline'"}))
    monkeypatch.setattr(portal, "SECURITY_HEADERS_FILE", weak)
    with pytest.raises(ValueError, match="strict"):
        security_headers()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"portal_domain": "dichvu.baohiemxahoi.gov.vn"}, "go together"),
        ({"portal_domain": "not a host", "portal_certificate_arn": "x"}, "host name"),
        (
            {
                "portal_domain": "dichvu.baohiemxahoi.gov.vn",
                "portal_certificate_arn": "arn:aws:acm:ap-southeast-1:123456789012:certificate/abc",
            },
            "us-east-1",
        ),
        ({"portal_web_acl_arn": "arn:aws:wafv2:ap-southeast-1:123456789012:regional/webacl/x/y"}, "global"),
    ],
)
def test_portal_context_is_checked(extra: dict[str, str], message: str) -> None:
    with pytest.raises(ContextError, match=message):
        load_config({"stage": "prod", "cors_origins": "https://dichvu.baohiemxahoi.gov.vn", **extra})


def test_portal_domain_with_its_certificate_is_accepted() -> None:
    config = load_config(
        {
            "stage": "prod",
            "cors_origins": "https://dichvu.baohiemxahoi.gov.vn",
            "portal_domain": "DichVu.BaoHiemXaHoi.gov.vn",
            "portal_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f",
            "portal_web_acl_arn": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/bhxh/0a1b",
        }
    )
    assert config.portal_domain == "dichvu.baohiemxahoi.gov.vn"
