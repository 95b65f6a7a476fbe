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


def reset() -> None:
    """Empty every resource of the in-process emulator, keeping the resources.

    Tables keep their keys, indexes, TTL and stream settings; their items and
    stream records go. Queues keep their attributes and lose every message,
    visible or in flight. Buckets keep their settings and lose every object.
    Sent SMS and email are forgotten."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.table import StreamShard
    from moto.s3.models import s3_backends
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends
    from moto.sqs.models import sqs_backends

    for table in dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables.values():
        table.items.clear()
        if getattr(table, "stream_shard", None) is not None:
            table.stream_shard = StreamShard(DEFAULT_ACCOUNT_ID, table)
    for queue in sqs_backends[DEFAULT_ACCOUNT_ID][REGION].queues.values():
        with queue._messages_lock:
            queue._messages = []
            queue._pending_messages = set()
            queue.deleted_messages = set()
    for bucket in s3_backends[DEFAULT_ACCOUNT_ID]["global"].buckets.values():
        bucket.keys.clear()
    sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.clear()
    ses = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
    ses.sent_messages.clear()
    ses.sent_message_count = 0
    ses.rejected_messages_count = 0
