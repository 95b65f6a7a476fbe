"""Deliver a DynamoDB stream locally the way Lambda's event source mapping
would: read the shards in order, hand batches to the same handler, and on a
failure deliver the same batch again (records are never skipped)."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any


def lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """boto3's record as Lambda passes it: JSON only (epoch seconds, not datetime)."""
    dynamodb = dict(record.get("dynamodb") or {})
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = created.timestamp()
    dynamodb.setdefault("ApproximateCreationDateTime", 0)
    dynamodb.setdefault("SizeBytes", 0)
    dynamodb.setdefault("StreamViewType", "NEW_IMAGE")
    return {
        "eventID": record.get("eventID", ""),
        "eventName": record.get("eventName", ""),
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion", region),
        "eventSourceARN": stream_arn,
        "dynamodb": dynamodb,
        **({"userIdentity": record["userIdentity"]} if "userIdentity" in record else {}),
    }


class StreamReader:
    """Reads a table's stream from its start (TRIM_HORIZON), shard by shard."""

    def __init__(self, streams: Any, dynamodb: Any, table_name: str) -> None:
        self._streams = streams
        self._arn = str(dynamodb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"])
        self._iterators: dict[str, str | None] = {}
        self._region = streams.meta.region_name

    def read(self, limit: int = 100) -> list[dict[str, Any]]:
        """The next records (at most ``limit`` per shard) as Lambda would get them."""
        shards = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        records: list[dict[str, Any]] = []
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._streams.get_shard_iterator(
                    StreamArn=self._arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            iterator = self._iterators[shard_id]
            if iterator is None:
                continue
            response = self._streams.get_records(ShardIterator=iterator, Limit=limit)
            records.extend(lambda_record(r, self._arn, self._region) for r in response.get("Records", []))
            self._iterators[shard_id] = response.get("NextShardIterator")
        return records


def deliver(handler: Any, reader: StreamReader, batch_size: int = 100) -> int:
    """Hand everything new to ``handler`` in batches; returns how many records."""
    total = 0
    while True:
        records = reader.read(batch_size)
        if not records:
            return total
        for start in range(0, len(records), batch_size):
            handler({"Records": records[start : start + batch_size]}, None)
        total += len(records)


class StreamWorker(threading.Thread):
    """Polls a stream and delivers it; a failed batch is retried, as Lambda does."""

    def __init__(self, name: str, handler: Any, reader: StreamReader, interval: float = 0.5) -> None:
        super().__init__(name=name, daemon=True)
        self._handler, self._reader, self._interval = handler, reader, interval
        self._stopping = threading.Event()
        self._pending: list[dict[str, Any]] = []

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                if not self._pending:
                    self._pending = self._reader.read()
                if self._pending:
                    self._handler({"Records": self._pending}, None)
                    self._pending = []
                    continue
            except Exception as error:  # keep the local worker alive; Lambda would retry the batch
                print(f"{self.name}: {type(error).__name__}: {error}")
            self._stopping.wait(self._interval)

    def stop(self) -> None:
        self._stopping.set()
