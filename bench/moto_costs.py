"""moto's DynamoDB with DynamoDB's costs, for figures that measure how our
code scales with table size (``password_age``).

Stock moto 5.2 answers a ``Query`` on a global secondary index by sorting and
scanning every item of the table (``Table.all_items``), and backs up each table a
``TransactWriteItems`` touches with a ``copy.deepcopy`` of the whole table. So a
job that reads 1,000 items from a 100,000-item table, or records 1,000 notices one
transaction each, measures moto: O(table) per query and O(table) per transaction,
where DynamoDB's cost is O(items returned) and O(items written).

``dynamodb_like_costs()`` patches both, only while it is active:

* GSI queries: the candidates handed to moto's own query code are only the
  items whose first index hash-key attribute equals the queried value, from an
  index kept per table and rebuilt after any write to that table
  (``Table.put_item``/``delete_item``, ``DynamoDBBackend.update_item``). moto's
  code still applies every condition, sort, page limit and projection, so the
  answer is the same (``PartiQL`` writes are not tracked: not used here).
* Transactions: the rollback copy of a table is a shallow copy of its item map
  with deep copies of only the items the transaction names (tables with a stream
  are still deep-copied whole), which restores the same state on a failure.
"""

from __future__ import annotations

import copy
import inspect
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_INDEX = "_bench_gsi_index"  # (generation, {(index name, value): [items in all_items order]})
_GENERATION = "_bench_generation"


def _bump(table: Any) -> None:
    setattr(table, _GENERATION, getattr(table, _GENERATION, 0) + 1)


def _candidates(table: Any, index_name: str, attribute: str, value: Any) -> list[Any]:
    generation = getattr(table, _GENERATION, 0)
    cached = table.__dict__.get(_INDEX)
    if cached is None or cached[0] != generation:
        cached = (generation, {})
        setattr(table, _INDEX, cached)
    by_value: dict[Any, list[Any]] | None = cached[1].get((index_name, attribute))
    if by_value is None:
        by_value = {}
        for item in table.all_items():  # sorted, as moto's query expects
            key = item.attrs.get(attribute)
            if key is not None:
                by_value.setdefault(key, []).append(item)
        cached[1][(index_name, attribute)] = by_value
    return by_value.get(value, [])


def _key_of(table: Any, op_type: str, op: dict[str, Any]) -> tuple[Any, Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    source = op["Item"] if op_type == "Put" else op["Key"]
    hash_value = DynamoType(source[table.hash_key_attr])
    range_value = DynamoType(source[table.range_key_attr]) if table.range_key_attr else None
    return hash_value, range_value


def _light_copy(table: Any, keys: list[tuple[Any, Any]]) -> Any:
    """What ``copy.deepcopy(table)`` restores on a rollback, for a transaction
    that changes only ``keys``: the other items are shared, never mutated by it."""
    if table.stream_shard is not None:
        clone = copy.deepcopy(table)
        clone.__dict__.pop(_INDEX, None)
        return clone
    clone = copy.copy(table)
    clone.__dict__.pop(_INDEX, None)
    clone.items = copy.copy(table.items)  # keeps the defaultdict's factory
    for hash_value, range_value in keys:
        if hash_value not in table.items:
            continue
        if range_value is None:
            clone.items[hash_value] = copy.deepcopy(table.items[hash_value])
        else:
            partition = dict(clone.items[hash_value])
            if range_value in partition:
                partition[range_value] = copy.deepcopy(partition[range_value])
            clone.items[hash_value] = partition
    return clone


@contextmanager
def dynamodb_like_costs() -> Iterator[None]:
    import moto.dynamodb.models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import GlobalSecondaryIndex, Table

    originals: dict[tuple[type, str], Any] = {
        (Table, "query"): Table.query,
        (Table, "put_item"): Table.put_item,
        (Table, "delete_item"): Table.delete_item,
        (DynamoDBBackend, "update_item"): DynamoDBBackend.update_item,
        (DynamoDBBackend, "transact_write_items"): DynamoDBBackend.transact_write_items,
    }
    backend_module: Any = moto.dynamodb.models
    real_copy = backend_module.copy  # the module moto imported as ``copy``

    signature = inspect.signature(Table.query)

    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs).arguments
        index_name = bound.get("index_name")
        conditions = bound.get("hash_key_conditions") or []
        index = next((i for i in self.global_indexes or [] if i.name == index_name), None)
        if isinstance(index, GlobalSecondaryIndex) and conditions:
            first_hash = next(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
            value = next((v for name, v in conditions if name == first_hash), None)
            if value is not None:
                candidates = _candidates(self, index.name, first_hash, value)
                self.all_items = lambda: list(candidates)  # moto's query reads only these
                try:
                    return originals[(Table, "query")](self, *args, **kwargs)
                finally:
                    del self.all_items
        return originals[(Table, "query")](self, *args, **kwargs)

    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        _bump(self)
        return originals[(Table, "put_item")](self, *args, **kwargs)

    def delete_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        _bump(self)
        return originals[(Table, "delete_item")](self, *args, **kwargs)

    def update_item(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        if table_name in self.tables:
            _bump(self.tables[table_name])  # may change an item in place
        return originals[(DynamoDBBackend, "update_item")](self, table_name, *args, **kwargs)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        keys: dict[str, list[tuple[Any, Any]]] = {}
        for entry in transact_items:
            op_type, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            if table is not None and op_type in ("Put", "Update", "Delete", "ConditionCheck"):
                keys.setdefault(table.name, []).append(_key_of(table, op_type, op))

        def deepcopy(value: Any, memo: Any = None) -> Any:
            if isinstance(value, Table):
                return _light_copy(value, keys.get(value.name, []))
            return real_copy.deepcopy(value, memo)

        backend_module.copy = types.SimpleNamespace(deepcopy=deepcopy, copy=real_copy.copy)
        try:
            return originals[(DynamoDBBackend, "transact_write_items")](self, transact_items)
        finally:
            backend_module.copy = real_copy

    replacements: dict[tuple[type, str], Any] = {
        (Table, "query"): query,
        (Table, "put_item"): put_item,
        (Table, "delete_item"): delete_item,
        (DynamoDBBackend, "update_item"): update_item,
        (DynamoDBBackend, "transact_write_items"): transact_write_items,
    }
    for (owner, name), function in replacements.items():
        setattr(owner, name, function)
    try:
        yield
    finally:
        for (owner, name), function in originals.items():
            setattr(owner, name, function)
        backend_module.copy = real_copy


@contextmanager
def sqs_like_costs() -> Iterator[None]:
    """moto 5's ``ReceiveMessage`` checks each message it hands out against the queue's retention
    period by computing every attribute of the queue, ``ApproximateNumberOfMessages`` among them:
    a pass over all its messages per message received, so a receive costs O(depth) per message and
    draining a queue costs O(depth²) — a worker reading a deep queue measures moto, not SQS, whose
    receive does not depend on the depth. While active, the check reads the one attribute it needs
    (the answer is the same)."""
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    original = SQSBackend.is_message_valid_based_on_retention_period

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention_period = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention_period + message.sent_timestamp / 1000 > unix_time())

    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]
    try:
        yield
    finally:
        SQSBackend.is_message_valid_based_on_retention_period = original  # type: ignore[method-assign]
