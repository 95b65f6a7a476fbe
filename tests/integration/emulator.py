"""Read what the in-process emulator (moto) sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "events"
DEFAULT_ACCOUNT_ID = "123456789012"  # moto's default account

REGION = "ap-southeast-1"


def sent_sms() -> list[tuple[str, str]]:
    from moto.sns.models import sns_backends

    return list(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values())


def sent_emails() -> list[Any]:
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def drain(aws: dict[str, Any], rounds: int = 5) -> int:
    """Deliver queued notices the way the Lambda event source would."""
    import boto3

    from app import deliver_notifications
    from local.worker import drain_once

    sqs = boto3.client("sqs", region_name=REGION)
    return sum(drain_once(deliver_notifications, sqs, aws["queue"], wait_seconds=0) for _ in range(rounds))


def event(name: str) -> dict[str, Any]:
    """A real-shaped Lambda event from tests/events/."""
    data: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return data
