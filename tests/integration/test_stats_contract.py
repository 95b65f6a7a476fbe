"""The service report's counters move with the writes they count, in the fakes
and in DynamoDB alike: a write that happens counts once, a write refused by its
condition (a replay, a lost race) counts nothing. Then the DynamoDB adapter's
own duties: write shards, BatchGetItem pages and unprocessed keys, retries
when a counter item is busy in another transaction, the maximum latency."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.decision import Decision
from chalicelib.domain.declaration import (
    APPROVED,
    RECEIVED,
    account_guard_keys,
    counter_code_guard,
    new_office_declaration,
    new_paper_declaration,
    superseded,
)
from chalicelib.domain.errors import ConcurrentChangeError, CounterCodeTakenError
from chalicelib.domain.form01 import parse_form01
from chalicelib.domain.notification import AuditEvent, Notification
from chalicelib.domain.service_report import Tally, notice_tally
from tests.builders import form, other_person
from tests.fakes import FakeDeps

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
DAY = date(2026, 11, 24)
FORM = parse_form01(form(), today=DAY)


@pytest.fixture(params=["fake", "dynamo"])
def deps(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeDeps()
    return request.getfixturevalue("container")


def submit(store: Any, did: str = "d-1", code: str = "K7PQ3M9X", body: dict[str, Any] | None = None) -> Any:
    parsed = parse_form01(body or form(), today=DAY)
    item = new_office_declaration(parsed, declaration_id=did, code=code, now=NOW)
    audit = AuditEvent(item.id, "created", None, item.status, "declarant", item.channel, NOW)
    store.create(item, [counter_code_guard(item.code)], account_guard_keys(item.form), [audit], NOW)
    return item


def test_a_created_declaration_counts_once_a_refused_one_not_at_all(deps: Any) -> None:
    submit(deps.declarations)
    with pytest.raises(CounterCodeTakenError):
        submit(deps.declarations, "d-2", "K7PQ3M9X")  # the counter code is taken: nothing stored
    submit(deps.declarations, "d-3", "BBBB4444", other_person())
    assert deps.stats.read(DAY, DAY) == {DAY: {"decl#office#awaiting_office": 2}}


def test_a_cancellation_counts_once_and_a_lost_race_not_at_all(deps: Any) -> None:
    item = submit(deps.declarations)
    later = NOW + timedelta(days=1)
    cancelled = superseded(item, by="o", now=later)
    audit = AuditEvent(item.id, "cancelled", item.status, cancelled.status, "o", item.channel, later)
    deps.declarations.cancel(item, cancelled, [audit], now=later)
    with pytest.raises(ConcurrentChangeError):
        deps.declarations.cancel(item, cancelled, [replace(audit, event_id="again")], now=later)
    assert deps.stats.read(DAY, DAY + timedelta(days=1)) == {
        DAY: {"decl#office#awaiting_office": 1},
        DAY + timedelta(days=1): {"decl#office#cancelled": 1},
    }


def test_a_decision_counts_once_and_a_lost_race_not_at_all(deps: Any) -> None:
    paper = new_paper_declaration(
        FORM, declaration_id="p-1", code="PPPP2222", now=NOW, officer="o", office_code="BHXH-01", due_by=DAY
    )
    deps.declarations.create(paper, [], [], [], NOW)
    late = NOW + timedelta(days=1)
    approved = replace(paper, status=APPROVED, decided_at=late, decided_by="o")
    decision = Decision(before=paper, after=approved, notices=[], audit=[])
    deps.declarations.decide(decision)
    with pytest.raises(ConcurrentChangeError):
        deps.declarations.decide(decision)  # the same decision again: the status is no longer "received"
    assert deps.stats.read(DAY, DAY + timedelta(days=1)) == {
        DAY: {"decl#paper#received": 1},
        DAY + timedelta(days=1): {"decl#paper#approved": 1, "due#paper#late": 1},
    }


def test_a_receipt_counts_once(deps: Any) -> None:
    item = submit(deps.declarations)
    received = replace(item, status=RECEIVED, received_at=NOW, received_office="BHXH-01", received_by="o", due_by=DAY)
    deps.declarations.receive(item, received, [], now=NOW)
    with pytest.raises(ConcurrentChangeError):
        deps.declarations.receive(item, received, [], now=NOW)
    assert deps.stats.read(DAY, DAY) == {DAY: {"decl#office#awaiting_office": 1, "decl#office#received": 1}}


def test_a_replayed_record_counts_nothing(deps: Any) -> None:
    audit = AuditEvent("d-1", "expired", "awaiting_office", "expired", "system", "office", NOW)
    tally = Tally(DAY, {"decl#office#expired": 1})
    assert deps.outbox.record([], [audit], tally).created
    assert not deps.outbox.record([], [audit], tally).created
    assert deps.stats.read(DAY, DAY) == {DAY: {"decl#office#expired": 1}}


def _sent(deps: Any, nid: str, latency: float) -> None:
    deps.outbox.record([Notification(nid, "k", "sms", "+84912345678", "text", "s", NOW)], [])
    assert deps.outbox.claim(nid, NOW) is not None
    deps.outbox.mark_sent(nid, f"m-{nid}", NOW, latency, notice_tally(latency, NOW))


def test_sent_notices_fill_the_histogram_and_the_maximum_only_rises(deps: Any) -> None:
    _sent(deps, "n-1", 5.0)
    _sent(deps, "n-2", 3.0)
    _sent(deps, "n-3", 1000.0)
    _sent(deps, "n-4", 0.2)
    with pytest.raises(ConcurrentChangeError):  # sent already: neither written nor counted again
        deps.outbox.mark_sent("n-4", "m-again", NOW, 2000.0, notice_tally(2000.0, NOW))
    # Which bucket holds which latency is the domain's (tests/unit/test_service_report.py): each tally once.
    expected: dict[str, int] = {}
    for latency in (5.0, 3.0, 1000.0, 0.2):
        for name, count in notice_tally(latency, NOW).counts.items():
            expected[name] = expected.get(name, 0) + count
    assert deps.stats.read(DAY, DAY) == {DAY: {**expected, "lat_max_ms": 1_000_000}}
    assert expected["lat_over"] == 1


def test_days_without_counters_are_left_out(deps: Any) -> None:
    assert deps.stats.read(DAY, DAY + timedelta(days=30)) == {}


# --- the DynamoDB adapter ------------------------------------------------------------------------


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every AWS API call made, by operation name, with its parameters."""
    import botocore.client

    seen: list[tuple[str, dict[str, Any]]] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self: Any, operation_name: str, api_params: Any) -> Any:
        seen.append((operation_name, api_params))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    yield seen


def _with_stats(container: Any, **options: Any) -> Any:
    """The container with its stats adapter built with ``options`` (before any store uses it)."""
    from chalicelib.adapters.stats import DynamoServiceStats

    container._pynamodb  # noqa: B018 - binds the models to their tables
    container.__dict__["_stats"] = DynamoServiceStats(container.settings.stats_shards, sleep=lambda _: None, **options)
    return container


def _raw_items() -> dict[str, dict[str, Any]]:
    import boto3

    from chalicelib.adapters.models import StatsModel

    table = StatsModel.Meta.table_name
    items = boto3.client("dynamodb", region_name="ap-southeast-1").scan(TableName=table)["Items"]
    return {item["key"]["S"]: item for item in items}


def test_counters_are_numbers_on_the_item_of_the_day_and_shard(container: Any) -> None:
    shards = itertools.cycle([3, 11])
    _with_stats(container, draw=lambda n: next(shards))
    submit(container.declarations)
    submit(container.declarations, "d-2", "BBBB4444", other_person())
    items = _raw_items()
    assert set(items) == {"2026-11-24#3", "2026-11-24#11"}
    assert items["2026-11-24#3"]["decl#office#awaiting_office"] == {"N": "1"}
    assert container.stats.read(DAY, DAY) == {DAY: {"decl#office#awaiting_office": 2}}


def test_a_30_day_report_is_five_batch_gets_of_at_most_100_keys(container: Any, calls: list[Any]) -> None:
    _with_stats(container, draw=lambda n: n - 1)  # the last shard: read by the last request
    submit(container.declarations)
    calls.clear()
    first = DAY - timedelta(days=29)
    assert container.stats.read(first, DAY) == {DAY: {"decl#office#awaiting_office": 1}}
    assert container.settings.stats_shards == 16
    assert [name for name, _ in calls] == ["BatchGetItem"] * 5  # 30 x 16 = 480 keys
    sizes = [len(next(iter(params["RequestItems"].values()))["Keys"]) for _, params in calls]
    assert sizes == [100, 100, 100, 100, 80]


def test_unprocessed_keys_are_asked_again(container: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.client

    _with_stats(container, draw=lambda n: 0)
    submit(container.declarations)
    original = botocore.client.BaseClient._make_api_call
    pages: list[int] = []

    def throttled(self: Any, operation_name: str, api_params: Any) -> Any:
        response = original(self, operation_name, api_params)
        if operation_name == "BatchGetItem":
            ((table, request),) = api_params["RequestItems"].items()
            pages.append(len(request["Keys"]))
            if len(pages) == 1:  # DynamoDB returns only part of the first page
                response["Responses"][table] = []
                response["UnprocessedKeys"] = {table: {"Keys": request["Keys"][:5]}}
        return response

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", throttled)
    assert container.stats.read(DAY, DAY) == {DAY: {"decl#office#awaiting_office": 1}}
    assert pages == [16, 5]


def _conflict_once(monkeypatch: pytest.MonkeyPatch, *, on_stats: bool) -> list[int]:
    """The first TransactWriteItems is cancelled: its stats item (or its first item) was busy."""
    import botocore.client
    from botocore.exceptions import ClientError

    original = botocore.client.BaseClient._make_api_call
    tries: list[int] = []

    def busy(self: Any, operation_name: str, api_params: Any) -> Any:
        if operation_name == "TransactWriteItems":
            tries.append(1)
            if len(tries) == 1:
                items = api_params["TransactItems"]
                busy_index = next(
                    (
                        i
                        for i, item in enumerate(items)
                        if item.get("Update", {}).get("TableName", "").endswith("stats")
                    ),
                    None,
                )
                if not on_stats:
                    busy_index = 0
                reasons = [
                    {"Code": "TransactionConflict", "Message": "busy"} if i == busy_index else {"Code": "None"}
                    for i in range(len(items))
                ]
                raise ClientError(
                    {
                        "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                        "CancellationReasons": reasons,
                    },
                    operation_name,
                )
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", busy)
    return tries


def test_a_busy_counter_item_sends_the_transaction_again_on_another_shard(
    container: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    draws = iter([5, 9])
    _with_stats(container, draw=lambda n: next(draws))
    tries = _conflict_once(monkeypatch, on_stats=True)
    submit(container.declarations)
    assert len(tries) == 2
    assert set(_raw_items()) == {"2026-11-24#9"}  # shard 5 was busy: counted once, on shard 9
    assert container.declarations.get("d-1") is not None


def test_a_conflict_on_the_declaration_itself_is_sent_again(container: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A conflict wrote nothing: the same transaction goes again (issue 17, finding 5),
    instead of surfacing as a taken counter code."""
    _with_stats(container, draw=lambda n: 3)
    tries = _conflict_once(monkeypatch, on_stats=False)
    submit(container.declarations)
    assert len(tries) == 2
    assert container.declarations.get("d-1") is not None
    assert set(_raw_items()) == {"2026-11-24#3"}


def test_the_maximum_is_a_conditional_set_that_skips_what_it_knows(container: Any, calls: list[Any]) -> None:
    from chalicelib.adapters.stats import DynamoServiceStats

    container._pynamodb  # noqa: B018 - binds the models to their tables
    shards = itertools.cycle([0, 1])
    stats = DynamoServiceStats(2, draw=lambda n: next(shards))
    stats.raise_max(Tally(DAY, {}, latency_max_ms=5000))  # shard 0
    stats.raise_max(Tally(DAY, {}, latency_max_ms=3000))  # known to be below: no request
    fresh = DynamoServiceStats(2, draw=lambda n: 0)
    fresh.raise_max(Tally(DAY, {}, latency_max_ms=4000))  # refused by the condition, swallowed
    fresh.raise_max(Tally(DAY, {}, latency_max_ms=3900))  # below what the refusal taught it: no request
    stats.raise_max(Tally(DAY, {}, latency_max_ms=7000))  # shard 1
    updates = [params for name, params in calls if name == "UpdateItem"]
    assert len(updates) == 3
    assert {key: item.get("lat_max_ms") for key, item in _raw_items().items()} == {
        "2026-11-24#0": {"N": "5000"},
        "2026-11-24#1": {"N": "7000"},
    }
    assert stats.read(DAY, DAY) == {DAY: {"lat_max_ms": 7000}}
