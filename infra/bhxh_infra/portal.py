"""The web portal (``web/``): a private S3 bucket behind CloudFront.

CloudFront reads the bucket through origin access control (the bucket has no
public access at all) and serves the API under the same distribution at
``/v1/*``, so the browser talks to one origin and needs no CORS. Every answer,
page or API, carries the security headers of ``web/security-headers.json`` (the
file ``make run``'s portal server sends too), through one response headers policy.

The files are published by ``aws s3 sync`` (docs/operations.md, "Publishing the
portal"), not by a CDK BucketDeployment: that construct brings a Lambda function
whose role needs wildcard S3 actions, which the least-privilege tests refuse.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, Fn, RemovalPolicy
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from constructs import Construct

from . import checkov
from .config import REPO_ROOT, InfraConfig

SECURITY_HEADERS_FILE = REPO_ROOT / "web" / "security-headers.json"
# Headers CloudFront sets through its security-headers fields; the others go as custom headers.
MANAGED_HEADERS = {
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Strict-Transport-Security",
}
HSTS_MAX_AGE = Duration.days(730)


def security_headers() -> dict[str, str]:
    headers: dict[str, str] = json.loads(SECURITY_HEADERS_FILE.read_text(encoding="utf-8"))
    # The CloudFront fields below take these as enums: the file must say what they say.
    expected = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
    for name, value in expected.items():
        if headers.get(name) != value:
            raise ValueError(f"{SECURITY_HEADERS_FILE}: {name} must be {value!r} (the CloudFront policy sets it)")
    if "unsafe-inline" in headers["Content-Security-Policy"] or "unsafe-eval" in headers["Content-Security-Policy"]:
        raise ValueError(f"{SECURITY_HEADERS_FILE}: the Content-Security-Policy must stay strict")
    return headers


class Portal(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        api: Any,
        api_stage: str,
        removal: RemovalPolicy,
        upload_origin: str | None = None,
    ) -> None:
        """``upload_origin``: the ID-copy bucket's endpoint, where the desk posts scans (connect-src)."""
        super().__init__(scope, construct_id)
        headers = security_headers()
        if upload_origin:
            policy = headers["Content-Security-Policy"]
            allowed = f"connect-src 'self' {upload_origin}"
            headers["Content-Security-Policy"] = policy.replace("connect-src 'self'", allowed)

        self.logs = s3.Bucket(
            self,
            "Logs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            # CloudFront standard logging writes with ACLs.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=Duration.days(config.log_retention_days),
                    noncurrent_version_expiration=Duration.days(1),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=removal,
        )
        checkov.skip(
            self.logs,
            {
                "CKV_AWS_18": "This is the access-log bucket of the portal; logging it into itself would loop.",
                "CKV_AWS_145": "CloudFront standard logging cannot write to an SSE-KMS bucket; SSE-S3 encrypts it.",
                "CKV_AWS_144": "Access logs, kept for the retention period; no cross-region copy is required.",
                "CKV2_AWS_62": "Nothing reacts to new log files; they are read on demand.",
            },
        )

        self.bucket = s3.Bucket(
            self,
            "Site",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=removal,
        )
        checkov.skip(
            self.bucket,
            {
                "CKV_AWS_18": (
                    "Readers reach the files only through CloudFront, whose access logs (bucket Logs) record every "
                    "request; writes are the publisher's `aws s3 sync`, recorded by CloudTrail."
                ),
                "CKV_AWS_145": (
                    "Static public pages from the repository (no personal data); SSE-S3 keeps the origin access "
                    "control simple and the data key for personal data only."
                ),
                "CKV_AWS_144": "The pages are published from the repository; a lost region is republished from it.",
                "CKV2_AWS_62": "Nothing reacts to published files; CloudFront reads them.",
            },
        )

        custom = [
            cloudfront.ResponseCustomHeader(header=name, value=value, override=True)
            for name, value in headers.items()
            if name not in MANAGED_HEADERS
        ]
        self.headers_policy = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            response_headers_policy_name=config.name("portal-security-headers"),
            comment="web/security-headers.json: CSP and security headers of the portal and the API",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=headers["Content-Security-Policy"], override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, override=True
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(custom_headers=custom),
        )

        # The API's answers are per person (sessions, statuses): never cached. CloudFront forwards
        # Authorization on GET only when it is part of the cache key, so it is, with TTL 0: nothing
        # is stored unless the API itself said so, and then only for the same token.
        self.api_cache_policy = cloudfront.CachePolicy(
            self,
            "ApiNoStore",
            cache_policy_name=config.name("api-no-store"),
            comment="API through the portal: per-token keys, nothing kept",
            default_ttl=Duration.seconds(0),
            min_ttl=Duration.seconds(0),
            max_ttl=Duration.seconds(1),
            header_behavior=cloudfront.CacheHeaderBehavior.allow_list("Authorization", "Accept-Language"),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.all(),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )
        api_origin = origins.HttpOrigin(
            Fn.join("", [api.ref, ".execute-api.", Aws.REGION, ".", Aws.URL_SUFFIX]),
            origin_path=f"/{api_stage}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
        )
        certificate = (
            acm.Certificate.from_certificate_arn(self, "Certificate", config.portal_certificate_arn)
            if config.portal_certificate_arn
            else None
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=config.name("portal"),
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers_policy,
                compress=True,
            ),
            additional_behaviors={
                "/v1/*": cloudfront.BehaviorOptions(
                    origin=api_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=self.api_cache_policy,
                    # Every viewer header and query string but Host (API Gateway needs its own).
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=self.headers_policy,
                    compress=True,
                )
            },
            domain_names=[config.portal_domain] if config.portal_domain else None,
            certificate=certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_200,  # includes Asia
            enable_logging=True,
            log_bucket=self.logs,
            log_file_prefix="cloudfront/",
            web_acl_id=config.portal_web_acl_arn or None,
        )
        skips = {
            "CKV_AWS_310": (
                "One origin per path: the bucket (pages) and API Gateway (/v1); a failover origin group "
                "cannot carry POST requests to the API."
            ),
            "CKV_AWS_374": "Citizens abroad use the service too: no geographic restriction.",
        }
        if not config.portal_web_acl_arn:
            waf = (
                "A CloudFront web ACL lives in us-east-1, outside this regional stack: create it there and pass "
                "-c portal_web_acl_arn=... (docs/operations.md, 'Publishing the portal'); API Gateway throttles."
            )
            skips |= {"CKV_AWS_68": waf, "CKV2_AWS_47": waf}
        if certificate is None:
            default_cert = (
                "No portal_domain/portal_certificate_arn in this environment's context: the *.cloudfront.net "
                "certificate (TLS 1.2+ is negotiated by browsers); with a domain, TLSv1.2_2021 is the minimum."
            )
            skips |= {"CKV_AWS_174": default_cert, "CKV2_AWS_42": default_cert}
        checkov.skip(self.distribution, skips)

        CfnOutput(scope, "PortalURL", value=f"https://{config.portal_domain or self.distribution.domain_name}/")
        CfnOutput(scope, "PortalBucketName", value=self.bucket.bucket_name)
        CfnOutput(scope, "PortalDistributionId", value=self.distribution.distribution_id)
