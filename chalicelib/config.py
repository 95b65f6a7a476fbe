"""Settings, read from the environment when first needed, never at import.

Chalice's test client sets a stage's environment variables only for the
duration of a call, and Lambda may reuse a process across configuration
changes only on a new deployment, so nothing here is evaluated at import time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .domain.notification import SmsLimits

DEFAULT_REGION = "ap-southeast-1"


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment."""

    stage: str
    region: str
    declarations_table: str
    guards_table: str
    notifications_table: str
    audit_table: str
    registry_table: str
    offices_table: str
    idempotency_table: str
    accounts_table: str
    sessions_table: str
    units_table: str
    roster_table: str
    notifications_queue: str
    dead_letter_queue: str
    retry_base_seconds: int
    retry_cap_seconds: int
    sms_per_hour: int
    sms_per_day: int
    sms_duplicate_window_minutes: int
    sms_sender_id: str
    email_sender: str
    ses_configuration_set: str
    trust_store: str
    expiry_shards: int
    password_shards: int
    max_body_bytes: int
    # The service report's daily counters: their table and write shards per day.
    stats_table: str
    stats_shards: int
    # The signed channel (DESIGN §2 "Signed declarations").
    revocation_mode: str = "hard-fail"  # hard-fail | soft-fail | require
    allow_sha1: bool = False  # legacy SHA-1 signatures and certificates (off: Thông tư 15/2025/TT-BKHCN)
    crl_fetch: bool = True  # fetch CRLs from the certificates' distribution points
    crl_fetch_timeout: float = 5.0
    # The campaign's daily progress digest (07:30 Vietnam): who receives it.
    leadership_emails: tuple[str, ...] = ()
    # The copies of ID documents kept with office and paper dossiers (S3, SSE-KMS by the bucket's default).
    id_copies_bucket: str = "bhxh-local-id-copies"
    # VNeID, the national e-ID, as an OpenID Connect provider (Decree 164/2025/NĐ-CP). Empty issuer: off.
    vneid_issuer: str = ""
    vneid_client_id: str = ""
    vneid_redirect_uri: str = ""
    # Where the client secret is: an SSM SecureString parameter name (deployed), or the secret itself
    # in ``BHXH_VNEID_CLIENT_SECRET`` for the local stack only.
    vneid_client_secret_parameter: str = ""
    vneid_client_secret: str = ""
    vneid_level_claim: str = "identity_level"
    vneid_level_required: str = "2"
    vneid_id_claim: str = "personal_id"
    # A decision's SMS with no delivery receipt this long after it was accepted falls back to email.
    fallback_after_minutes: int = 10

    def sms_limits(self) -> SmsLimits:
        """SMS abuse limits per phone number (per hour, per day, identical text)."""
        from .domain.notification import SmsLimits

        return SmsLimits(self.sms_per_hour, self.sms_per_day, timedelta(minutes=self.sms_duplicate_window_minutes))

    def table_names(self) -> dict[str, str]:
        return {
            "declarations": self.declarations_table,
            "guards": self.guards_table,
            "notifications": self.notifications_table,
            "audit": self.audit_table,
            "registry": self.registry_table,
            "offices": self.offices_table,
            "idempotency": self.idempotency_table,
            "accounts": self.accounts_table,
            "sessions": self.sessions_table,
            "units": self.units_table,
            "roster": self.roster_table,
            "stats": self.stats_table,
        }


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


REVOCATION_MODES = ("hard-fail", "soft-fail", "require")


def _flag(value: str) -> bool:
    return value.lower() in ("1", "true", "yes", "on")


def _revocation_mode(value: str) -> str:
    if value not in REVOCATION_MODES:
        raise ValueError(f"BHXH_REVOCATION_MODE must be one of {', '.join(REVOCATION_MODES)}")
    return value


def _positive(value: str, name: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"{name} must be at least 1")
    return number


def load_settings() -> Settings:
    """Read the settings now. Cheap; callers may cache the result."""
    stage = _env("BHXH_STAGE", "local")
    prefix = _env("BHXH_TABLE_PREFIX", f"bhxh-{stage}-")
    return Settings(
        stage=stage,
        region=_env("AWS_REGION", _env("AWS_DEFAULT_REGION", DEFAULT_REGION)),
        declarations_table=_env("BHXH_DECLARATIONS_TABLE", prefix + "declarations"),
        guards_table=_env("BHXH_GUARDS_TABLE", prefix + "guards"),
        notifications_table=_env("BHXH_NOTIFICATIONS_TABLE", prefix + "notifications"),
        audit_table=_env("BHXH_AUDIT_TABLE", prefix + "audit"),
        registry_table=_env("BHXH_REGISTRY_TABLE", prefix + "registry"),
        offices_table=_env("BHXH_OFFICES_TABLE", prefix + "offices"),
        idempotency_table=_env("BHXH_IDEMPOTENCY_TABLE", prefix + "idempotency"),
        accounts_table=_env("BHXH_ACCOUNTS_TABLE", prefix + "accounts"),
        sessions_table=_env("BHXH_SESSIONS_TABLE", prefix + "sessions"),
        units_table=_env("BHXH_UNITS_TABLE", prefix + "units"),
        roster_table=_env("BHXH_ROSTER_TABLE", prefix + "roster"),
        notifications_queue=_env("BHXH_NOTIFICATIONS_QUEUE", f"bhxh-{stage}-notifications"),
        dead_letter_queue=_env(
            "BHXH_NOTIFICATIONS_DLQ", _env("BHXH_NOTIFICATIONS_QUEUE", f"bhxh-{stage}-notifications") + "-dlq"
        ),
        retry_base_seconds=int(_env("BHXH_RETRY_BASE_SECONDS", "15")),
        retry_cap_seconds=int(_env("BHXH_RETRY_CAP_SECONDS", "240")),
        sms_per_hour=int(_env("BHXH_SMS_PER_HOUR", "5")),
        sms_per_day=int(_env("BHXH_SMS_PER_DAY", "20")),
        sms_duplicate_window_minutes=int(_env("BHXH_SMS_DUPLICATE_MINUTES", "10")),
        sms_sender_id=_env("BHXH_SMS_SENDER_ID", "BHXHVN"),
        email_sender=_env("BHXH_EMAIL_SENDER", "no-reply@baohiemxahoi.gov.vn"),
        ses_configuration_set=_env("BHXH_SES_CONFIGURATION_SET", ""),
        trust_store=_env("BHXH_TRUST_STORE", "trust-store"),
        expiry_shards=int(_env("BHXH_EXPIRY_SHARDS", "8")),
        password_shards=int(_env("BHXH_PASSWORD_SHARDS", "16")),
        max_body_bytes=int(_env("BHXH_MAX_BODY_BYTES", str(64 * 1024))),
        stats_table=_env("BHXH_STATS_TABLE", prefix + "stats"),
        stats_shards=_positive(_env("BHXH_STATS_SHARDS", "16"), "BHXH_STATS_SHARDS"),
        revocation_mode=_revocation_mode(_env("BHXH_REVOCATION_MODE", "hard-fail")),
        allow_sha1=_flag(_env("BHXH_ALLOW_SHA1", "false")),
        crl_fetch=_flag(_env("BHXH_CRL_FETCH", "true")),
        crl_fetch_timeout=float(_env("BHXH_CRL_FETCH_TIMEOUT", "5")),
        id_copies_bucket=_env("BHXH_ID_COPIES_BUCKET", f"bhxh-{stage}-id-copies"),
        leadership_emails=tuple(
            address.strip() for address in _env("BHXH_LEADERSHIP_EMAILS", "").split(",") if address.strip()
        ),
        vneid_issuer=_env("BHXH_VNEID_ISSUER", ""),
        vneid_client_id=_env("BHXH_VNEID_CLIENT_ID", ""),
        vneid_redirect_uri=_env("BHXH_VNEID_REDIRECT_URI", ""),
        vneid_client_secret_parameter=_env("BHXH_VNEID_CLIENT_SECRET_PARAMETER", ""),
        vneid_client_secret=_env("BHXH_VNEID_CLIENT_SECRET", "") if stage == "local" else "",
        vneid_level_claim=_env("BHXH_VNEID_LEVEL_CLAIM", "identity_level"),
        vneid_level_required=_env("BHXH_VNEID_LEVEL_REQUIRED", "2"),
        vneid_id_claim=_env("BHXH_VNEID_ID_CLAIM", "personal_id"),
        fallback_after_minutes=_positive(_env("BHXH_FALLBACK_AFTER_MINUTES", "10"), "BHXH_FALLBACK_AFTER_MINUTES"),
    )
