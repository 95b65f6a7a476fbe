"""Item 9: the bucket of ID-document copies (issue 13): private, SSE-KMS with the stack's key,
TLS only, versioned, lifecycle by retention tag, CORS for the portal only; the functions that
touch it get exactly the object actions their code calls, on id-copies/* only."""

from __future__ import annotations

from typing import Any

from bhxh_infra.permissions import ACCESS, ID_COPY_API, ID_COPY_LABEL
from conftest import Synth, get_att, statements

from chalicelib.domain.id_copy import DISCARDED, KEPT, KEY_PREFIX, RETENTION_TAG, UNCHECKED


def _bucket_id(synth: Synth) -> str:
    return synth.logical_id(synth.stack.id_copies)


def _bucket(synth: Synth) -> dict[str, Any]:
    return dict(synth.resources[_bucket_id(synth)]["Properties"])


def test_bucket_is_private_versioned_and_encrypted_with_the_data_key(prod: Synth) -> None:
    bucket = _bucket(prod)
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == get_att(prod.logical_id(prod.stack.key), "Arn")
    assert rule["BucketKeyEnabled"] is True
    assert "BucketName" not in bucket  # never named after people; CloudFormation names it


def test_bucket_policy_refuses_plain_http(prod: Synth) -> None:
    bucket = {"Ref": _bucket_id(prod)}
    policies = [p for p in prod.of_type("AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == bucket]
    (policy,) = policies
    denies = [s for s in statements(policy) if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and s["Action"] == "s3:*" for s in denies)


def test_lifecycle_deletes_unchecked_and_rejected_copies_and_old_versions(prod: Synth) -> None:
    rules = {rule["Id"]: rule for rule in _bucket(prod)["LifecycleConfiguration"]["Rules"]}
    assert rules["unchecked-uploads"]["TagFilters"] == [{"Key": RETENTION_TAG, "Value": UNCHECKED}]
    assert rules["unchecked-uploads"]["ExpirationInDays"] == 1
    assert rules["rejected-or-cancelled-dossiers"]["TagFilters"] == [{"Key": RETENTION_TAG, "Value": DISCARDED}]
    assert rules["rejected-or-cancelled-dossiers"]["ExpirationInDays"] == 90
    assert rules["replaced-versions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    # A kept copy (approved dossier) has no expiry rule: it is kept with the dossier.
    assert not any(f.get("Value") == KEPT for rule in rules.values() for f in rule.get("TagFilters", []))
    assert all(rule["Status"] == "Enabled" for rule in rules.values())


def test_cors_admits_only_the_portal_posting(prod: Synth) -> None:
    (rule,) = _bucket(prod)["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedOrigins"] == list(prod.stack.config.cors_origins)


def _id_copy_statements(synth: Synth, handler: str) -> list[dict[str, Any]]:
    function = next(f for f in synth.stack.functions if f.handler == handler)
    role = synth.resources[function.role_logical_id]
    return [s for s in statements(role) if any(str(a).startswith("s3:") for a in _list(s["Action"]))]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_only_the_api_and_the_worker_touch_copies_and_only_under_the_prefix(prod: Synth) -> None:
    expected = {"app": sorted(ID_COPY_API), "deliver_notifications": sorted(ID_COPY_LABEL)}
    for function in prod.stack.functions:
        found = _id_copy_statements(prod, function.handler)
        if function.handler not in expected:
            assert found == [], function.handler
            continue
        (statement,) = found
        assert sorted(_list(statement["Action"])) == expected[function.handler]
        assert statement["Resource"] == {"Fn::Join": ["", [get_att(_bucket_id(prod), "Arn"), f"/{KEY_PREFIX}*"]]}
    assert set(expected) == {h for h, a in ACCESS.items() if a.id_copies}


def test_functions_name_the_bucket_and_the_portal_may_post_to_it(prod: Synth) -> None:
    functions = prod.functions()
    variables = functions["app"]["Properties"]["Environment"]["Variables"]
    assert variables["BHXH_ID_COPIES_BUCKET"] == {"Ref": _bucket_id(prod)}
    (policy,) = prod.of_type("AWS::CloudFront::ResponseHeadersPolicy").values()
    csp = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    joined = csp["ContentSecurityPolicy"]
    assert get_att(_bucket_id(prod), "RegionalDomainName") in joined["Fn::Join"][1]
