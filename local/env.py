"""Environment for talking to the local emulator instead of AWS."""

from __future__ import annotations

import os

DEFAULTS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_REGION": "ap-southeast-1",
    "AWS_XRAY_SDK_ENABLED": "false",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "BHXH/Registration",
    # DynamoDB Streams against moto need the account id left out of endpoints.
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "BHXH_STAGE": "local",
    # No network here: the signed channel uses the CRLs of its trust store only.
    "BHXH_CRL_FETCH": "false",
}


def emulator_port() -> int:
    return int(os.environ.get("BHXH_EMULATOR_PORT", "4566"))


def api_port() -> int:
    return int(os.environ.get("BHXH_API_PORT", "8000"))


def idp_port() -> int:
    """The demo VNeID provider's port (``make run``); 0 asks the system for a free one."""
    return int(os.environ.get("BHXH_IDP_PORT", "9000"))


def web_port() -> int:
    """The portal's port (``make run``); 0 asks the system for a free one."""
    return int(os.environ.get("BHXH_WEB_PORT", "8080"))


def emulator_url() -> str:
    return f"http://127.0.0.1:{emulator_port()}"


def apply_local_env() -> None:
    """Point boto3 and PynamoDB at the emulator (both honour AWS_ENDPOINT_URL)."""
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("AWS_ENDPOINT_URL", emulator_url())
    os.environ.setdefault("BHXH_NOTIFICATIONS_QUEUE", "bhxh-local-notifications")
