"""Deliver queued notices locally the way Lambda's SQS event source would:
long-poll, hand a batch to the same handler, delete what succeeded, leave the
reported failures to come back after the visibility timeout."""

from __future__ import annotations

import threading
from typing import Any


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


_ARNS: dict[str, str] = {}  # queue URL -> ARN: asked once, as the event source knows its queue


def _queue_arn(sqs: Any, queue_url: str) -> str:
    if queue_url not in _ARNS:
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]
        _ARNS[queue_url] = attributes["QueueArn"]
    return _ARNS[queue_url]


def drain_once(handler: Any, sqs: Any, queue_url: str, wait_seconds: int = 1) -> int:
    """One poll; returns how many messages were handled successfully."""
    response = sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds, AttributeNames=["All"]
    )
    messages = response.get("Messages", [])
    if not messages:
        return 0
    arn = _queue_arn(sqs, queue_url)
    result = handler(sqs_event(messages, arn, sqs.meta.region_name), None) or {}
    failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
    done = [m for m in messages if m["MessageId"] not in failed]
    if done:
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
        )
    return len(done)


class Worker(threading.Thread):
    def __init__(self, handler: Any, sqs: Any, queue_url: str) -> None:
        super().__init__(name="notification-worker", daemon=True)
        self._handler, self._sqs, self._queue_url = handler, sqs, queue_url
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                drain_once(self._handler, self._sqs, self._queue_url, wait_seconds=1)
            except Exception as error:  # keep the local worker alive; Lambda would retry
                print(f"worker: {type(error).__name__}: {error}")
                self._stopping.wait(1)

    def stop(self) -> None:
        self._stopping.set()
