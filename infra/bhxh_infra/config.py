"""Deployment settings, read from CDK context (``cdk.json`` defaults, ``-c key=value`` overrides).

Every value has one place where it is read and checked; the stack never calls
``try_get_context`` itself. Values from the command line arrive as strings, those
from ``cdk.json`` as JSON, so each reader accepts both.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INFRA_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = INFRA_DIR.parent

STAGE_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,14}[a-z0-9]$")
EMAIL_ADDRESS = re.compile(r"^[^@\s,]+@[a-z0-9.-]+\.[a-z]{2,}$")
DEFAULT_REGION = "ap-southeast-1"


class ContextError(ValueError):
    """A context value is missing or invalid; the message says which and why."""


@dataclass(frozen=True)
class InfraConfig:
    stage: str
    region: str
    account: str | None
    cors_origins: tuple[str, ...]
    operator_emails: tuple[str, ...] = ()
    leadership_emails: tuple[str, ...] = ()  # the campaign's daily progress digest (BHXH_LEADERSHIP_EMAILS)
    sms_sender_id: str = "BHXHVN"
    sms_monthly_spend_limit_usd: int = 1
    sms_spend_alarm_percent: int = 80
    email_sender: str = "no-reply@baohiemxahoi.gov.vn"
    manage_ses_identity: bool = True
    manage_apigateway_account: bool = True
    log_retention_days: int = 365
    api_throttle_rate: int = 500
    api_throttle_burst: int = 1000
    # AWS WAF rate-based rules, requests per client IP in 5 minutes (issue 17, finding 8):
    # everything (an office's officers share one NAT address), and /v1/auth/* (sign-in, recovery).
    waf_rate_per_ip: int = 3000
    waf_auth_rate_per_ip: int = 100
    api_5xx_alarm_percent: float = 1.0
    api_endpoint_type: str = "REGIONAL"
    notice_worker_max_concurrency: int = 20
    lambda_memory_mb: int = 512
    lambda_timeout_s: int = 30
    retain_data: bool = True
    revocation_mode: str = "hard-fail"
    allow_sha1: bool = False
    trust_store_dir: Path = field(default=INFRA_DIR / "trust-store")
    # The portal's CloudFront distribution: its own domain (with an ACM certificate in us-east-1)
    # and a WAF web ACL (also in us-east-1); without them, *.cloudfront.net and no web ACL.
    portal_domain: str | None = None
    portal_certificate_arn: str | None = None
    portal_web_acl_arn: str | None = None
    # VNeID as an OpenID Connect provider (Decree 164/2025/NĐ-CP): its issuer and this service's client
    # id; the client secret is an SSM SecureString (``vneid_secret_parameter``), never in the template.
    vneid_issuer: str = ""
    vneid_client_id: str = ""
    vneid_level_claim: str = "identity_level"
    vneid_level_required: str = "2"
    vneid_id_claim: str = "personal_id"
    # A decision's SMS with no delivery receipt this many minutes after SNS accepted it goes by email
    # (BHXH_FALLBACK_AFTER_MINUTES; the sweep runs every 5 minutes).
    fallback_after_minutes: int = 10

    @property
    def prefix(self) -> str:
        """Every resource name starts with this (``bhxh-<stage>-``)."""
        return f"bhxh-{self.stage}-"

    @property
    def stack_name(self) -> str:
        return f"bhxh-{self.stage}"

    def name(self, suffix: str) -> str:
        return self.prefix + suffix

    @property
    def vneid_secret_parameter(self) -> str:
        """The SSM SecureString holding VNeID's client secret; operators put it (docs/operations.md)."""
        return f"/bhxh/{self.stage}/vneid/client-secret"

    @property
    def cors_origin(self) -> str:
        """The one origin the app serves (Chalice's ``CORSConfig`` takes a single origin)."""
        return self.cors_origins[0]

    @property
    def email_domain(self) -> str:
        return self.email_sender.rpartition("@")[2]


def _text(value: Any) -> str:
    return str(value).strip()


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in {"true", "1", "yes"}:
        return True
    if text in {"false", "0", "no"}:
        return False
    raise ContextError(f"context {name!r} must be true or false, not {value!r}")


def _int(name: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(_text(value))
    except ValueError:
        raise ContextError(f"context {name!r} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise ContextError(f"context {name!r} must be between {low} and {high}, not {number}")
    return number


def _list(value: Any) -> tuple[str, ...]:
    """A JSON list, or a comma-separated string (``-c cors_origins=https://a,https://b``)."""
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(_text(v) for v in value if _text(v))
    text = _text(value)
    if text.startswith("["):
        return tuple(_text(v) for v in json.loads(text) if _text(v))
    return tuple(part.strip() for part in text.split(",") if part.strip())


# CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922)


def load_config(context: dict[str, Any]) -> InfraConfig:
    """Build the settings from a context mapping (``key -> value``)."""

    def get(name: str, default: Any = None) -> Any:
        value = context.get(name)
        return default if value is None or value == "" else value

    stage = _text(get("stage", ""))
    if not stage:
        raise ContextError("context 'stage' is required: cdk deploy -c stage=prod (the stack is bhxh-<stage>)")
    if not STAGE_PATTERN.match(stage):
        raise ContextError(
            f"context 'stage' must match {STAGE_PATTERN.pattern} (it prefixes every name), not {stage!r}"
        )
    if stage == "local":
        raise ContextError("stage 'local' is the emulator's (make run); pick another name")

    origins = _list(get("cors_origins"))
    if not origins:
        raise ContextError(
            "context 'cors_origins' is required: the web front end's origin, e.g. https://dichvu.example.vn"
        )
    for origin in origins:
        if origin == "*" or not re.match(r"^https://[a-z0-9.-]+(:\d+)?$", origin):
            raise ContextError(f"CORS origin {origin!r} must be an https:// origin (scheme and host, no path, no '*')")
    if len(origins) > 1:
        # app.py builds one CORSConfig(allow_origin=BHXH_CORS_ORIGIN) at import; serving several
        # origins needs the app to echo the request's Origin when it is on a list.
        raise ContextError("the app serves exactly one CORS origin (CORSConfig in app.py); give one in 'cors_origins'")

    retention = _int("log_retention_days", get("log_retention_days", 365), 1, 3653)
    if retention not in LOG_RETENTION_DAYS:
        raise ContextError(f"context 'log_retention_days' must be one of {LOG_RETENTION_DAYS}, not {retention}")

    sender_id = _text(get("sms_sender_id", "BHXHVN"))
    if not re.match(r"^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$", sender_id):
        raise ContextError("context 'sms_sender_id' must be 1-11 letters or digits with at least one letter")

    email_sender = _text(get("email_sender", "no-reply@baohiemxahoi.gov.vn"))
    if not EMAIL_ADDRESS.match(email_sender):
        raise ContextError(f"context 'email_sender' must be an email address, not {email_sender!r}")

    # Who receives the campaign's daily progress digest; none is allowed (the job then sends nothing,
    # and the synthesis warns). The app splits BHXH_LEADERSHIP_EMAILS on commas.
    leadership: list[str] = []
    for address in _list(get("leadership_emails")):
        if not EMAIL_ADDRESS.match(address.lower()):
            raise ContextError(f"context 'leadership_emails': {address!r} is not an email address")
        if address.lower() not in {known.lower() for known in leadership}:
            leadership.append(address)

    endpoint = _text(get("api_endpoint_type", "REGIONAL")).upper()
    if endpoint not in {"REGIONAL", "EDGE"}:
        raise ContextError("context 'api_endpoint_type' must be REGIONAL or EDGE")

    trust_store = Path(_text(get("trust_store_dir", str(INFRA_DIR / "trust-store"))))
    if not trust_store.is_absolute():
        trust_store = INFRA_DIR / trust_store

    revocation = _text(get("revocation_mode", "hard-fail"))
    if revocation not in {"hard-fail", "soft-fail", "require"}:
        raise ContextError("context 'revocation_mode' must be hard-fail, soft-fail or require (BHXH_REVOCATION_MODE)")

    portal_domain = _text(get("portal_domain", "")).lower() or None
    if portal_domain and not re.match(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$", portal_domain):
        raise ContextError(f"context 'portal_domain' must be a host name, not {portal_domain!r}")
    portal_certificate = _text(get("portal_certificate_arn", "")) or None
    if portal_certificate and not re.match(
        r"^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]+$", portal_certificate
    ):
        raise ContextError(
            "context 'portal_certificate_arn' must be an ACM certificate ARN in us-east-1 (CloudFront's)"
        )
    if bool(portal_domain) != bool(portal_certificate):
        raise ContextError(
            "contexts 'portal_domain' and 'portal_certificate_arn' go together (the domain's certificate)"
        )
    portal_web_acl = _text(get("portal_web_acl_arn", "")) or None
    if portal_web_acl and not re.match(r"^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/.+$", portal_web_acl):
        raise ContextError("context 'portal_web_acl_arn' must be a global (CloudFront) WAFv2 web ACL ARN")

    vneid_issuer = _text(get("vneid_issuer", "")).rstrip("/")
    if vneid_issuer and not re.match(r"^https://[a-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~/-]*)?$", vneid_issuer):
        raise ContextError(f"context 'vneid_issuer' must be an https:// URL, not {vneid_issuer!r}")
    vneid_client_id = _text(get("vneid_client_id", ""))
    if bool(vneid_issuer) != bool(vneid_client_id):
        raise ContextError("contexts 'vneid_issuer' and 'vneid_client_id' go together (VNeID off without both)")

    account = get("account") or os.environ.get("CDK_DEFAULT_ACCOUNT")
    return InfraConfig(
        stage=stage,
        region=_text(get("region") or os.environ.get("CDK_DEFAULT_REGION") or DEFAULT_REGION),
        account=_text(account) if account else None,
        cors_origins=origins,
        operator_emails=_list(get("operator_emails")),
        leadership_emails=tuple(leadership),
        sms_sender_id=sender_id,
        sms_monthly_spend_limit_usd=_int(
            "sms_monthly_spend_limit_usd", get("sms_monthly_spend_limit_usd", 1), 1, 10**6
        ),
        sms_spend_alarm_percent=_int("sms_spend_alarm_percent", get("sms_spend_alarm_percent", 80), 1, 100),
        email_sender=email_sender,
        manage_ses_identity=_bool("manage_ses_identity", get("manage_ses_identity", True)),
        manage_apigateway_account=_bool("manage_apigateway_account", get("manage_apigateway_account", True)),
        log_retention_days=retention,
        api_throttle_rate=_int("api_throttle_rate", get("api_throttle_rate", 500), 1, 10_000),
        api_throttle_burst=_int("api_throttle_burst", get("api_throttle_burst", 1000), 1, 5_000),
        waf_rate_per_ip=_int("waf_rate_per_ip", get("waf_rate_per_ip", 3000), 10, 2_000_000_000),
        waf_auth_rate_per_ip=_int("waf_auth_rate_per_ip", get("waf_auth_rate_per_ip", 100), 10, 2_000_000_000),
        api_5xx_alarm_percent=float(_text(get("api_5xx_alarm_percent", 1.0))),
        api_endpoint_type=endpoint,
        notice_worker_max_concurrency=_int(
            "notice_worker_max_concurrency", get("notice_worker_max_concurrency", 20), 2, 1000
        ),
        lambda_memory_mb=_int("lambda_memory_mb", get("lambda_memory_mb", 512), 128, 10_240),
        lambda_timeout_s=_int("lambda_timeout_s", get("lambda_timeout_s", 30), 3, 120),
        retain_data=_bool("retain_data", get("retain_data", True)),
        fallback_after_minutes=_int("fallback_after_minutes", get("fallback_after_minutes", 10), 1, 60),
        revocation_mode=revocation,
        allow_sha1=_bool("allow_sha1", get("allow_sha1", False)),
        trust_store_dir=trust_store,
        portal_domain=portal_domain,
        portal_certificate_arn=portal_certificate,
        portal_web_acl_arn=portal_web_acl,
        vneid_issuer=vneid_issuer,
        vneid_client_id=vneid_client_id,
        vneid_level_claim=_text(get("vneid_level_claim", "identity_level")),
        vneid_level_required=_text(get("vneid_level_required", "2")),
        vneid_id_claim=_text(get("vneid_id_claim", "personal_id")),
    )
