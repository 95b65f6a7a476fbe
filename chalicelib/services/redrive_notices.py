"""Operator use case: put dead-lettered notices back on the queue. The
ledger's conditional claim keeps this safe: a notice already sent is not
sent again."""

from __future__ import annotations

from typing import Any


def redrive(deps: Any, limit: int) -> int:
    sqs = deps.client("sqs")
    source, target = deps.dead_letter_url, deps.queue_url
    moved = 0
    while moved < limit:
        batch = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            break
        sqs.send_message_batch(
            QueueUrl=target, Entries=[{"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(batch)]
        )
        sqs.delete_message_batch(
            QueueUrl=source,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
        )
        moved += len(batch)
    return moved
