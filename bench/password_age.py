"""The password-age job at scale: DynamoDB items it reads per account due, and
how its wall time grows with the number of accounts (moto in-process)."""

from __future__ import annotations

import gc
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Any

from .env import IN_PROCESS_AWS, patched_env
from .report import Figure, Target, log

AS_OF = date(2026, 11, 24)
BATCH = 25
RUNS = 3
SAMPLE_CHECKS = 200  # generated items compared with the adapter's own serialisation
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$YmVuY2hiZW5jaGJlbmNo$ZHVtbXlkdW1teWR1bW15ZHVtbXlkdW1teWR1bW15ZHU"


def sizes(quick: bool) -> tuple[int, int, int]:
    """(accounts in the large table, in the small one, accounts due in each)."""
    return (10_000, 1_000, 100) if quick else (100_000, 10_000, 1_000)


def _label(count: int) -> str:
    return f"{count // 1000}k"


def ratio_name(quick: bool) -> str:
    large, small, _ = sizes(quick)
    return f"password_age_time_ratio_{_label(large)}_vs_{_label(small)}"


# --- test data ----------------------------------------------------------------


def _expiry_offsets() -> tuple[tuple[int, ...], tuple[int, ...]]:
    from chalicelib.domain.account import PASSWORD_REMINDER_DAYS

    due = tuple(PASSWORD_REMINDER_DAYS)  # 14, 7, 1 days ahead and today
    # Everyone else expires on another day: already expired up to 30 days ago
    # (nobody changed it), or any other day of the next 6 months.
    others = tuple(day for day in range(-30, 184) if day not in due)
    return due, others


def _plan(count: int, due: int) -> Iterator[tuple[int, date, bool]]:
    """(index, expiry day, due?) for ``count`` accounts, ``due`` of them (spread
    through the table) expiring on one of the job's reminder days."""
    due_days, other_days = _expiry_offsets()
    stride = count // due
    for index in range(count):
        if index % stride == 0 and index // stride < due:
            n = index // stride
            yield index, AS_OF + timedelta(days=due_days[n % len(due_days)]), True
        else:
            yield index, AS_OF + timedelta(days=other_days[index % len(other_days)]), False


def _username(index: int) -> str:
    return f"{index % 96 + 1:02d}{index:08d}"  # a social-insurance code: province + 8 digits


def _set_at(index: int, expiry_day: date) -> datetime:
    """When the password was set, so that it expires on ``expiry_day`` in Vietnam."""
    from chalicelib.domain.account import PASSWORD_MAX_AGE
    from chalicelib.domain.declaration import VN_TZ

    expires = datetime.combine(expiry_day, day_time(9, 0), VN_TZ) + timedelta(seconds=index % 3600)
    return (expires - PASSWORD_MAX_AGE).astimezone(UTC)


def _account(index: int, expiry_day: date) -> Any:
    """The account the adapter would store (used to check ``_raw_item``)."""
    from chalicelib.domain.account import CITIZEN, Account

    set_at = _set_at(index, expiry_day)
    username = _username(index)
    return Account(
        username=username,
        full_name="Nguyễn Văn An",
        phone=f"+8491{index:07d}",
        email=f"nguoi.{index}@example.vn",
        identity_key=f"id#0010890{index:05d}",
        roles=(CITIZEN,),
        password_hash=DUMMY_HASH,
        password_set_at=set_at,
        temporary=False,
        created_at=set_at - timedelta(days=30),
        province_code=username[:2],
    )


def _raw_item(index: int, expiry_day: date, shards: int) -> dict[str, Any]:
    """``DynamoAccountStore._model(account).serialize()``, made fast."""
    from pynamodb.constants import DATETIME_FORMAT

    from chalicelib.domain.declaration import expiry_partition, shard_for

    set_at = _set_at(index, expiry_day)
    username = _username(index)
    return {
        "username": {"S": username},
        "full_name": {"S": "Nguyễn Văn An"},
        "phone": {"S": f"+8491{index:07d}"},
        "email": {"S": f"nguoi.{index}@example.vn"},
        "identity_key": {"S": f"id#0010890{index:05d}"},
        "roles": {"SS": ["citizen"]},
        "province_code": {"S": username[:2]},
        "password_hash": {"S": DUMMY_HASH},
        "password_set_at": {"S": set_at.strftime(DATETIME_FORMAT)},
        "temporary": {"BOOL": False},
        "password_history": {"L": []},
        "password_expiry_shard": {"S": expiry_partition(expiry_day, shard_for(username, shards))},
        "failed_logins": {"N": "0"},
        "created_at": {"S": (set_at - timedelta(days=30)).strftime(DATETIME_FORMAT)},
    }


def _check_items(plan: list[tuple[int, date, bool]], shards: int) -> None:
    """The generated items are exactly what the adapter writes (a sample)."""
    from chalicelib.adapters import account_store

    def serialise(account: Any) -> dict[str, Any]:
        if hasattr(account_store, "account_model"):
            return dict(account_store.account_model(account, shards).serialize())
        store: Any = account_store.DynamoAccountStore(None, shards)  # type: ignore[arg-type]  # needs no connection
        return dict(store._model(account).serialize())

    step = max(1, len(plan) // SAMPLE_CHECKS)
    for index, day, _due in plan[::step]:
        expected = serialise(_account(index, day))
        actual = _raw_item(index, day, shards)
        if expected != actual:
            raise AssertionError(f"generated account {index} differs from the adapter's: {expected} != {actual}")


def _load(client: Any, table: str, plan: list[tuple[int, date, bool]], shards: int) -> None:
    requests = [{"PutRequest": {"Item": _raw_item(index, day, shards)}} for index, day, _ in plan]
    for start in range(0, len(requests), BATCH):
        pending: dict[str, Any] = {table: requests[start : start + BATCH]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


# --- measurement --------------------------------------------------------------


@dataclass
class Reads:
    """DynamoDB calls and the items they read, counted at botocore."""

    calls: Counter[str] = field(default_factory=Counter)
    query_items: int = 0  # ScannedCount: what DynamoDB reads (and bills), before any filter
    query_returned: int = 0  # Count
    scan_items: int = 0
    get_items: int = 0

    @property
    def items(self) -> int:
        return self.query_items + self.scan_items + self.get_items

    def add(self, operation: str, response: Any) -> None:
        self.calls[operation] += 1
        if operation in ("Query", "Scan"):
            scanned = int(response.get("ScannedCount", response.get("Count", 0)))
            if operation == "Query":
                self.query_items += scanned
                self.query_returned += int(response.get("Count", 0))
            else:
                self.scan_items += scanned
        elif operation == "GetItem":
            self.get_items += 1 if response.get("Item") else 0
        elif operation in ("BatchGetItem", "TransactGetItems"):
            found = response.get("Responses") or {}
            if isinstance(found, dict):  # BatchGetItem: items by table
                self.get_items += sum(len(items) for items in found.values())
            else:  # TransactGetItems: one entry per requested key
                self.get_items += sum(1 for entry in found if entry.get("Item"))


@contextmanager
def counting_dynamodb() -> Iterator[Reads]:
    from botocore.client import BaseClient

    original = BaseClient._make_api_call
    reads = Reads()

    def counting(client: Any, operation_name: str, api_params: Any) -> Any:
        response = original(client, operation_name, api_params)
        if client.meta.service_model.service_name == "dynamodb":
            reads.add(operation_name, response)
        return response

    BaseClient._make_api_call = counting
    try:
        yield reads
    finally:
        BaseClient._make_api_call = original


class RecordingSqs:
    """Stands in for SQS in the timed runs: moto's SQS recomputes queue
    attributes over every stored message on each send (quadratic in messages)."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.calls = 0

    def get_queue_url(self, QueueName: str) -> dict[str, str]:
        return {"QueueUrl": f"https://sqs.ap-southeast-1.amazonaws.com/123456789012/{QueueName}"}

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        assert QueueUrl and 1 <= len(Entries) <= 10
        self.calls += 1
        self.messages.extend(entry["MessageBody"] for entry in Entries)
        return {"Successful": [{"Id": entry["Id"]} for entry in Entries], "Failed": []}


@dataclass
class Dataset:
    name: str
    settings: Any
    accounts: int
    due: int
    partition: str  # one due partition, for the emulator check
    seconds: list[float] = field(default_factory=list)
    reads: list[Reads] = field(default_factory=list)


def _settings(stage: str) -> Any:
    import os

    from chalicelib.config import load_settings

    os.environ["BHXH_STAGE"] = stage  # inside patched_env: restored afterwards
    os.environ.pop("BHXH_NOTIFICATIONS_QUEUE", None)
    return load_settings()


def _make_dataset(name: str, accounts: int, due: int) -> Dataset:
    import boto3

    from local.resources import create_all

    settings = _settings(f"bench-{name}")
    session = boto3.session.Session()
    create_all(settings, session)
    plan = list(_plan(accounts, due))
    assert sum(1 for *_, is_due in plan if is_due) == due
    _check_items(plan, settings.password_shards)
    started = time.perf_counter()
    _load(session.client("dynamodb"), settings.accounts_table, plan, settings.password_shards)
    log(f"  {accounts:,} accounts ({due:,} due) written in {time.perf_counter() - started:.1f} s")
    from chalicelib.domain.declaration import expiry_partition, shard_for

    index, day, _ = next(entry for entry in plan if entry[2] and entry[1] == AS_OF + timedelta(days=7))
    partition = expiry_partition(day, shard_for(_username(index), settings.password_shards))
    return Dataset(name, settings, accounts, due, partition)


def _query_partition(client: Any, settings: Any, partition: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": settings.accounts_table,
        "IndexName": "by_password_expiry",
        "KeyConditionExpression": "password_expiry_shard = :p",
        "ExpressionAttributeValues": {":p": {"S": partition}},
    }
    while True:
        page = client.query(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _run_job(dataset: Dataset) -> None:
    """One run of ``run_password_age`` on a fresh container, fresh notification
    and audit tables, clients already made; timed around the call only."""
    from chalicelib import bootstrap
    from chalicelib.adapters import models
    from chalicelib.domain.declaration import VN_TZ
    from chalicelib.services.password_age import run_password_age

    now = datetime.combine(AS_OF, day_time(8, 0), VN_TZ)  # the job's schedule: 08:00 in Vietnam
    deps = bootstrap.Container(dataset.settings, clock=lambda: now)
    sqs = RecordingSqs()
    deps.__dict__["_sqs"] = sqs
    deps.accounts  # noqa: B018 - binds the models to this dataset's tables
    for model in (models.NotificationModel, models.AuditModel):
        model.delete_table()
        model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
    models.AccountModel.describe_table()  # makes the index query's client
    deps._pynamodb.describe_table(dataset.settings.notifications_table)  # and the transactions' one
    deps.outbox  # noqa: B018
    deps.queue_url  # noqa: B018
    gc.collect()
    with counting_dynamodb() as reads:
        started = time.perf_counter()
        report = run_password_age(deps, AS_OF, now)
        elapsed = time.perf_counter() - started
    if report.examined != dataset.due or report.queued != 2 * dataset.due or len(sqs.messages) != report.queued:
        raise AssertionError(
            f"{dataset.name}: examined {report.examined}, queued {report.queued}, "
            f"sent {len(sqs.messages)}; expected {dataset.due} accounts, {2 * dataset.due} notices"
        )
    dataset.seconds.append(elapsed)
    dataset.reads.append(reads)
    log(f"  {dataset.name}: {elapsed:.2f} s, {reads.items} items read, {dict(reads.calls)}")


def run(quick: bool) -> list[Figure]:
    import boto3
    from moto import mock_aws

    from .moto_costs import dynamodb_like_costs

    large_count, small_count, due = sizes(quick)
    with patched_env(IN_PROCESS_AWS, remove=("AWS_ENDPOINT_URL", "AWS_PROFILE")), mock_aws():
        small = _make_dataset(_label(small_count), small_count, due)
        large = _make_dataset(_label(large_count), large_count, due)
        # moto answers as DynamoDB would, at DynamoDB's cost (see moto_costs.py);
        # checked against stock moto on one partition of each table.
        client = boto3.session.Session().client("dynamodb")
        stock: dict[str, list[dict[str, Any]]] = {}
        query_s: dict[str, float] = {}
        for dataset in (small, large):
            started = time.perf_counter()
            stock[dataset.name] = _query_partition(client, dataset.settings, dataset.partition)
            query_s[f"stock_moto_{dataset.name}"] = round(time.perf_counter() - started, 4)
        with dynamodb_like_costs():
            for dataset in (small, large):
                patched = _query_partition(client, dataset.settings, dataset.partition)  # builds the index
                started = time.perf_counter()
                patched = _query_partition(client, dataset.settings, dataset.partition)
                query_s[f"patched_{dataset.name}"] = round(time.perf_counter() - started, 4)
                if patched != stock[dataset.name] or not patched:
                    raise AssertionError(f"{dataset.name}: patched moto answers differently on {dataset.partition}")
            for dataset in (small, large, large, small, small, large):  # ABBA: the machine is noisy
                _run_job(dataset)

    large_reads = [r.items for r in large.reads]
    reads_per_due = max(large_reads) / due
    scans = sum(r.calls["Scan"] for d in (small, large) for r in d.reads)
    large_median, small_median = statistics.median(large.seconds), statistics.median(small.seconds)
    last = large.reads[-1]
    return [
        Figure(
            "password_age_reads_per_due",
            reads_per_due,
            "items/account due",
            target=Target("<=", 1.05),
            details={
                "accounts": large_count,
                "due": due,
                "items_read_per_run": large_reads,
                "query_scanned_count": last.query_items,
                "query_count": last.query_returned,
                "get_items": last.get_items,
                "items_read_per_run_small_table": [r.items for r in small.reads],
                "operations": dict(sorted(last.calls.items())),
                "counted": "ScannedCount of every Query response + items of GetItem/BatchGetItem + Scan's ScannedCount",
            },
        ),
        Figure(
            "password_age_scans",
            scans,
            "scans",
            decimals=0,
            target=Target("<=", 0),
            details={"runs": len(large.reads) + len(small.reads)},
        ),
        Figure(
            ratio_name(quick),
            large_median / small_median,
            "x",
            target=Target("<=", 1.5),
            details={
                "large_accounts": large_count,
                "small_accounts": small_count,
                "due": due,
                "large_s": [round(s, 3) for s in large.seconds],
                "small_s": [round(s, 3) for s in small.seconds],
                "large_median_s": round(large_median, 3),
                "small_median_s": round(small_median, 3),
                "order": "small, large, large, small, small, large",
                "emulator": "moto in-process with DynamoDB's query/transaction costs (bench/moto_costs.py); "
                "SQS replaced by a recorder",
                "one_partition_query_s": query_s,
            },
        ),
    ]
