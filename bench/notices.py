"""Notification delivery on the local stack (a moto server + the worker of
``make run``): latency from an approval decision to its SMS at the provider,
and how fast the worker drains a full queue against a raw ``sns.publish`` loop."""

from __future__ import annotations

import gc
import io
import json
import logging
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .emulator import Emulator
from .report import Figure, Target, log
from .sign_in import percentile

LATENCY_TARGET = Target("<=", 2)
THROUGHPUT_TARGET = Target(">=", 0.4)  # issue 15: the worker at least 0.4x a bare sns.publish loop
REQUESTS_TARGET = Target("<=", 2)  # issue 15: DynamoDB requests per notice
POLL_INTERVAL_S = 0.05  # data.json polled every 50 ms (plus the poll's own time)
QUEUE_POLL_S = 0.25  # only to know when to stop: polling SQS every 20 ms slowed the worker by ~30 %
DECISION_INTERVAL_S = 0.2  # one account issued every 0.2 s: 10 notices a second
DELIVERY_TIMEOUT_S = 120.0
WORKER_STOP_TIMEOUT_S = 5.0
RESET_TABLES = ("accounts", "guards", "notifications", "audit")
DASHBOARD_SERVICES = ("sns", "ses")  # what data.json keeps listing while the group runs

# Index blocks, so every account (and phone number) in the group is new: the
# abuse limits allow 5 SMS per number an hour.
WARM_UP = 9_000
LATENCY = 0
LATENCY_STOCK = 1_000
THROUGHPUT = 2_000
RAW = 3_000


def issuances(quick: bool) -> int:
    """Accounts issued per run; each queues an SMS and an email."""
    return 40 if quick else 100


def _phone(index: int) -> str:
    return f"+8491{index:07d}"


def _email(index: int) -> str:
    return f"nguoi.{index}@example.vn"


def _holder(index: int) -> Any:
    from chalicelib.domain.account import CITIZEN, AccountHolder

    return AccountHolder(
        username=f"01{81_000_000 + index:08d}",
        full_name="Nguyễn Văn An",
        phone=_phone(index),
        email=_email(index),
        identity_key=f"id#00108901{index:04d}",
        province_code="01",
        roles=(CITIZEN,),
    )


def _issue(deps: Any, index: int, now: datetime) -> list[str]:
    """Approve one person: ``issue_account`` records the account with its SMS and
    email notices in one transaction and queues both; the notices' ids."""
    from chalicelib.services.issue_account import issue_account

    issued = issue_account(
        deps, _holder(index), now=now, source=f"bench#notices#{index}", actor="bench", channel="office"
    )
    return [notice.id for notice in issued.notices]


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 0.5), 3),
        "p99": round(percentile(values, 0.99), 3),
        "max": round(max(values), 3),
    }


# --- the emulator ---------------------------------------------------------------


class _Untracked(list[Any]):
    """A model class's ``instances_tracked`` that tracks nothing."""

    def append(self, _instance: Any) -> None:
        return None


@contextmanager
def dashboard_of_providers_only() -> Iterator[None]:
    """moto's ``/moto-api/data.json`` lists every instance of every model class
    ever built in this process (``moto.core.model_instances``), and moto's
    ``TransactWriteItems`` deep-copies whole tables: after 100 issuances it held
    50,100 DynamoDB ``Item`` objects and took 3.2 s to answer. While this is
    active only SNS and SES instances are tracked (the emulator's answers are
    unchanged; the dashboard is all that uses the lists)."""
    from moto.core.model_instances import model_data

    saved: list[tuple[Any, Any]] = []
    for service, models in model_data.items():
        if service in DASHBOARD_SERVICES:
            continue
        for model in models.values():
            saved.append((model, model.instances_tracked))  # type: ignore[attr-defined]
            model.instances_tracked = _Untracked()  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for model, tracked in saved:
            model.instances_tracked = tracked


class _Counting(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@dataclass
class Captured:
    """What the handler and the emulator print while the group runs."""

    stdout: io.StringIO = field(default_factory=io.StringIO)
    log: io.StringIO = field(default_factory=io.StringIO)
    emulator_errors: _Counting = field(default_factory=_Counting)

    def lines(self) -> list[str]:
        return (self.stdout.getvalue() + self.log.getvalue()).splitlines()

    def worker_errors(self) -> list[str]:
        return [line for line in self.lines() if line.startswith("worker:")]

    def outcomes(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for line in self.lines():
            if '"notice processed"' in line:
                try:
                    counts[str(json.loads(line).get("outcome"))] += 1
                except ValueError:
                    counts["unparsed"] += 1
        return dict(counts)

    def warnings(self) -> int:
        return sum('"level":"WARNING"' in line for line in self.lines())


@contextmanager
def captured_output() -> Iterator[Captured]:
    """Keep stdout for the figures: the handler's JSON log lines (Powertools
    ``Logger`` writes to the stdout it saw at import) and EMF metrics (``print``),
    the worker's error lines, and the emulator's "Error on request" tracebacks
    (an HTTP 500 that botocore retries) are captured and counted instead."""
    from chalicelib.observability import logger

    captured = Captured()
    handler = logger.registered_handler
    werkzeug = logging.getLogger("werkzeug")
    saved_handlers, saved_propagate = werkzeug.handlers[:], werkzeug.propagate
    old_stream = handler.setStream(captured.log) if isinstance(handler, logging.StreamHandler) else None
    werkzeug.handlers = [captured.emulator_errors]
    werkzeug.propagate = False
    try:
        with redirect_stdout(captured.stdout):
            yield captured
    finally:
        werkzeug.handlers, werkzeug.propagate = saved_handlers, saved_propagate
        if old_stream is not None and isinstance(handler, logging.StreamHandler):
            handler.setStream(old_stream)


def reset_tables(queues: dict[str, str], sqs: Any) -> int:
    """Empty tables for each run (stock moto's transactions cost O(table)); the
    queue must be empty already (SQS allows one purge a minute). The number of
    messages in the dead-letter queue."""
    from chalicelib.adapters import models

    for name in RESET_TABLES:
        model = models.MODELS[name]
        if model.exists():
            model.delete_table()
        model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
    left = queue_depth(sqs, queues["queue"])
    if left:
        raise RuntimeError(f"{left} messages left in the notification queue by an earlier run")
    return queue_depth(sqs, queues["dead_letters"])


class GcPauses:
    """Collector pauses while the group runs (any thread): the bench process may
    still hold millions of objects from the groups before (moto keeps every model
    instance it built), and a full collection over them stalls every thread."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0
        self.full_collection_before_s = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)

    def summary(self) -> dict[str, Any]:
        return {
            "full_collection_before_s": round(self.full_collection_before_s, 3),
            "collections": len(self.pauses),
            "max_pause_s": round(max(self.pauses, default=0.0), 4),
            "total_s": round(sum(self.pauses), 3),
        }


@contextmanager
def frozen_heap() -> Iterator[GcPauses]:
    """``gc.freeze()`` what the process holds already, so collections during the
    runs walk only the objects made since; their pauses are recorded."""
    pauses = GcPauses()
    started = time.perf_counter()
    gc.collect()
    pauses.full_collection_before_s = time.perf_counter() - started
    gc.freeze()
    gc.callbacks.append(pauses)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(pauses)
        gc.unfreeze()


# --- the worker -------------------------------------------------------------------


@contextmanager
def running_worker(handler: Any, sqs: Any, queue_url: str) -> Iterator[None]:
    """``local.worker.Worker`` as ``python -m local`` starts it."""
    from local.worker import Worker

    worker = Worker(handler, sqs, queue_url)
    worker.start()
    try:
        yield
    finally:
        worker.stop()
        # Not ``worker.join()``: Worker's ``_stop`` event shadows ``Thread._stop``,
        # so join (and is_alive once the thread ended) raise TypeError.
        deadline = time.monotonic() + WORKER_STOP_TIMEOUT_S
        while worker in threading.enumerate() and time.monotonic() < deadline:
            time.sleep(0.01)
        if worker in threading.enumerate():
            raise RuntimeError("the notification worker did not stop")


class ProviderWatch(threading.Thread):
    """Polls the emulator's ``/moto-api/data.json`` and records when each expected
    SMS (by phone number) and email (by address) is first seen: the time the
    response carrying it arrived."""

    def __init__(self, url: str, phones: set[str], emails: set[str]) -> None:
        super().__init__(name="provider-watch", daemon=True)
        self._url = f"{url}/moto-api/data.json"
        self.phones, self.emails = phones, emails
        self.sms_seen: dict[str, float] = {}
        self.email_seen: dict[str, float] = {}
        self.poll_seconds: list[float] = []
        self.done = threading.Event()
        self.error: BaseException | None = None
        self._halt = threading.Event()

    def poll(self) -> None:
        started = time.perf_counter()
        with urllib.request.urlopen(self._url, timeout=30) as response:
            data = json.loads(response.read())
        seen = time.time()
        self.poll_seconds.append(time.perf_counter() - started)
        for sms in data.get("sns", {}).get("SMS", []):
            phone = sms.get("phone_number")
            if phone in self.phones and phone not in self.sms_seen:
                self.sms_seen[phone] = seen
        for message in data.get("ses", {}).get("Message", []):
            for address in message.get("destinations", {}).get("ToAddresses", []):
                if address in self.emails and address not in self.email_seen:
                    self.email_seen[address] = seen
        if len(self.sms_seen) == len(self.phones) and len(self.email_seen) == len(self.emails):
            self.done.set()

    def run(self) -> None:
        try:
            while not self._halt.is_set() and not self.done.is_set():
                started = time.perf_counter()
                self.poll()
                self._halt.wait(max(0.0, POLL_INTERVAL_S - (time.perf_counter() - started)))
        except BaseException as error:
            self.error = error
            self.done.set()

    def halt(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=35)

    def wait(self, timeout: float) -> None:
        if not self.done.wait(timeout):
            self.halt()
            raise RuntimeError(
                f"after {timeout:.0f} s the provider shows {len(self.sms_seen)}/{len(self.phones)} SMS "
                f"and {len(self.email_seen)}/{len(self.emails)} emails"
            )
        self.halt()
        if self.error is not None:
            raise RuntimeError(f"polling data.json failed: {self.error!r}") from self.error


# --- checks -------------------------------------------------------------------------


def ledger(notice_ids: list[str]) -> dict[str, Any]:
    """Every notice's final record: count in = count out, all ``sent``; with
    ``last_sent_at``, the worker's clock (epoch seconds) when it sent the last one."""
    from chalicelib.adapters.models import NotificationModel

    items = list(NotificationModel.batch_get(notice_ids, consistent_read=True))
    statuses = Counter(str(item.status) for item in items)
    attempts = Counter(int(item.attempts or 0) for item in items)
    latencies = [float(item.latency_seconds) for item in items if item.latency_seconds is not None]
    result: dict[str, Any] = {
        "notices_in": len(notice_ids),
        "records": len(items),
        "statuses": dict(statuses),
        "attempts": {str(k): v for k, v in sorted(attempts.items())},
    }
    if latencies:
        result["recorded_latency_s"] = _summary(latencies)
    sent_at = [item.sent_at.timestamp() for item in items if item.sent_at is not None]
    result["last_sent_at"] = max(sent_at, default=0.0)
    if len(items) != len(notice_ids) or statuses.get("sent", 0) != len(notice_ids):
        raise AssertionError(f"the ledger does not show every notice sent: {result}")
    return result


def queue_depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


# --- runs ---------------------------------------------------------------------------


@dataclass
class Stack:
    emulator: Emulator
    deps: Any
    handler: Any
    sqs: Any
    sns: Any
    queues: dict[str, str]


def warm_up(stack: Stack, index: int) -> None:
    """One issuance delivered end to end: the container's clients, the handler's
    first call and the connection pools are built before anything is timed."""
    watch = ProviderWatch(stack.emulator.url, {_phone(index)}, {_email(index)})
    with running_worker(stack.handler, stack.sqs, stack.queues["queue"]):
        _issue(stack.deps, index, datetime.now(UTC))
        watch.start()
        watch.wait(DELIVERY_TIMEOUT_S)


def latency_run(stack: Stack, first: int, count: int) -> dict[str, Any]:
    """``count`` approvals, one every ``DECISION_INTERVAL_S``, while the worker runs;
    each SMS's latency is the first time data.json showed it minus the decision."""
    dead_letters = reset_tables(stack.queues, stack.sqs)
    warm_up(stack, WARM_UP + first)
    indexes = range(first, first + count)
    watch = ProviderWatch(stack.emulator.url, {_phone(i) for i in indexes}, {_email(i) for i in indexes})
    decided: dict[int, float] = {}
    issue_seconds: list[float] = []
    notice_ids: list[str] = []
    with running_worker(stack.handler, stack.sqs, stack.queues["queue"]):
        watch.start()
        try:
            start = time.perf_counter()
            for n, index in enumerate(indexes):
                time.sleep(max(0.0, start + n * DECISION_INTERVAL_S - time.perf_counter()))
                now = datetime.now(UTC)  # the decision: the notices' created_at
                decided[index] = now.timestamp()
                notice_ids += _issue(stack.deps, index, now)
                issue_seconds.append(time.time() - decided[index])
            watch.wait(DELIVERY_TIMEOUT_S)
        finally:
            watch.halt()
    sms = [watch.sms_seen[_phone(i)] - decided[i] for i in indexes]
    email = [watch.email_seen[_email(i)] - decided[i] for i in indexes]
    polls = watch.poll_seconds
    records = ledger(notice_ids)
    records.pop("last_sent_at")
    return {
        "sms_latency_s": sms,
        "email_latency_s": _summary(email),
        "notices": len(notice_ids),
        "issue_account_s": _summary(issue_seconds),
        "data_json_polls": len(polls),
        "data_json_poll_s": {"mean": round(sum(polls) / len(polls), 4), "max": round(max(polls), 4)},
        "ledger": records,
        "dead_lettered": queue_depth(stack.sqs, stack.queues["dead_letters"]) - dead_letters,
    }


def throughput_run(stack: Stack, first: int, count: int) -> dict[str, Any]:
    """``count`` approvals queued with no worker running; then the worker starts,
    timed until the ledger's last ``sent_at`` (the worker's clock as it marks the
    last notice sent). The queue is checked only to know when it is done."""
    dead_letters = reset_tables(stack.queues, stack.sqs)
    warm_up(stack, WARM_UP + first)
    notice_ids: list[str] = []
    for index in range(first, first + count):
        notice_ids += _issue(stack.deps, index, datetime.now(UTC))
    queued = queue_depth(stack.sqs, stack.queues["queue"])
    if queued != len(notice_ids):
        raise AssertionError(f"{queued} messages queued for {len(notice_ids)} notices")
    from .api_calls import ApiCalls

    started = time.time()  # the ledger's sent_at is wall-clock time too
    with ApiCalls().installed() as api, running_worker(stack.handler, stack.sqs, stack.queues["queue"]):
        deadline = started + DELIVERY_TIMEOUT_S
        while queue_depth(stack.sqs, stack.queues["queue"]):
            if time.time() > deadline:
                raise RuntimeError(f"the worker did not drain {len(notice_ids)} notices in {DELIVERY_TIMEOUT_S:.0f} s")
            time.sleep(QUEUE_POLL_S)
        emptied = time.time() - started
    # Only the worker talks to DynamoDB while it drains (the loop above asks SQS for the depth).
    dynamodb = {op: n for (service, op), n in api.counts.items() if service == "dynamodb"}
    watch = ProviderWatch(stack.emulator.url, {_phone(i) for i in range(first, first + count)}, set())
    watch.poll()
    if len(watch.sms_seen) != count:
        raise AssertionError(f"the provider shows {len(watch.sms_seen)} of {count} SMS")
    records = ledger(notice_ids)
    return {
        "notices": len(notice_ids),
        "seconds": round(records.pop("last_sent_at") - started, 3),
        "queue_seen_empty_after_s": round(emptied, 3),
        "ledger": records,
        "dead_lettered": queue_depth(stack.sqs, stack.queues["dead_letters"]) - dead_letters,
        "dynamodb_requests": sum(dynamodb.values()),
        "dynamodb_operations": dict(sorted(dynamodb.items())),
    }


def raw_publish(stack: Stack, first: int, count: int) -> float:
    """The floor: ``sns.publish`` of ``count`` SMS in a loop; seconds."""
    from chalicelib.domain import templates

    messages = [
        (_phone(index), templates.account_approved_sms(_holder(index).username, "N3M6ntqMcMyq").text)
        for index in range(first, first + count)
    ]
    started = time.perf_counter()
    for phone, text in messages:
        stack.sns.publish(PhoneNumber=phone, Message=text)
    return time.perf_counter() - started


def run(emulator: Emulator, quick: bool) -> list[Figure]:
    import argon2
    import boto3

    from chalicelib import bootstrap
    from chalicelib.domain.passwords import Hasher

    from .moto_costs import dynamodb_like_costs, sqs_like_costs

    count = issuances(quick)
    session = boto3.session.Session()
    sqs = session.client("sqs")
    container = bootstrap.Container()
    container.__dict__["hasher"] = Hasher(argon2.profiles.CHEAPEST)  # issuing is not what is measured
    settings = container.settings
    queues = {
        "queue": sqs.get_queue_url(QueueName=settings.notifications_queue)["QueueUrl"],
        "dead_letters": sqs.get_queue_url(QueueName=settings.dead_letter_queue)["QueueUrl"],
    }
    import app  # after the emulator's environment is set, as ``python -m local`` does

    stack = Stack(emulator, container, app.deliver_notifications, sqs, session.client("sns"), queues)
    container.outbox  # noqa: B018 - binds the models to the emulator's tables

    with ExitStack() as scope:
        bootstrap.override(container)
        scope.callback(bootstrap.override, None)
        scope.enter_context(dashboard_of_providers_only())
        gc_pauses = scope.enter_context(frozen_heap())
        frozen_objects = gc.get_freeze_count()
        captured = scope.enter_context(captured_output())
        with dynamodb_like_costs(), sqs_like_costs():
            log(f"  latency: {count} approvals, one every {DECISION_INTERVAL_S} s, worker running")
            latency = latency_run(stack, LATENCY, count)
        log("  latency again on stock moto (O(table) transactions)")
        errors_before = captured.emulator_errors.count
        stock = latency_run(stack, LATENCY_STOCK, count)
        stock_errors = captured.emulator_errors.count - errors_before
        with dynamodb_like_costs(), sqs_like_costs():
            log(f"  throughput: {2 * count} notices queued, then the worker; raw sns.publish before and after")
            raw_first = raw_publish(stack, RAW, 2 * count)
            drained = throughput_run(stack, THROUGHPUT, count)
            raw_second = raw_publish(stack, RAW + 2 * count, 2 * count)
    log(
        f"  SMS latency p99 {percentile(latency['sms_latency_s'], 0.99):.2f} s "
        f"(stock moto {percentile(stock['sms_latency_s'], 0.99):.2f} s); drained {drained['notices']} "
        f"in {drained['seconds']:.2f} s"
    )

    sms = latency.pop("sms_latency_s")
    stock_sms = stock.pop("sms_latency_s")
    worker_rate = drained["notices"] / drained["seconds"]
    raw_rate = 2 * (2 * count) / (raw_first + raw_second)
    common = {
        "backend": "moto server (local.resources.create_all), local.worker.Worker(app.deliver_notifications)",
        "emulator_costs": "bench.moto_costs.dynamodb_like_costs (transactions copy only the items they name)",
        "hasher": "argon2 CHEAPEST (issuing only)",
    }
    latency_details = {
        **common,
        "approvals": count,
        "decision_interval_s": DECISION_INTERVAL_S,
        "latency": "first data.json response listing the SMS - decision time (the notices' created_at)",
        "poll_granularity": f"data.json polled every {POLL_INTERVAL_S} s after the previous poll's start "
        "(or right after a slower poll); a figure overstates by up to one interval + one poll",
        **latency,
        "sms_latency_samples_s": [round(value, 3) for value in sms],
        "stock_moto": {
            "sms_latency_s": _summary(stock_sms),
            "email_latency_s": stock["email_latency_s"],
            "issue_account_s": stock["issue_account_s"],
            "ledger": stock["ledger"],
            "emulator_http_500s": stock_errors,
        },
        "handler_outcomes": captured.outcomes(),
        "handler_warnings": captured.warnings(),
        "worker_errors": captured.worker_errors()[:5],
        "emulator_http_500s": captured.emulator_errors.count - stock_errors,
        "gc_during_group": {"objects_frozen": frozen_objects, **gc_pauses.summary()},
    }
    return [
        Figure("notice_latency_p50_s", percentile(sms, 0.5), "s", 3, details={"sms": len(sms)}),
        Figure("notice_latency_p99_s", percentile(sms, 0.99), "s", 3, target=LATENCY_TARGET, details=latency_details),
        Figure("notice_latency_max_s", max(sms), "s", 3, details={"sms": len(sms)}),
        Figure(
            "worker_sends_per_s",
            worker_rate,
            "notices/s",
            1,
            details={
                **common,
                **drained,
                "end": "the ledger's last sent_at (queue depth polled every "
                f"{QUEUE_POLL_S} s only to know when to read it)",
            },
        ),
        Figure(
            "raw_sns_publish_per_s",
            raw_rate,
            "messages/s",
            1,
            details={
                "messages": 2 * count,
                "runs_s": [round(raw_first, 3), round(raw_second, 3)],
                "order": "raw, worker, raw",
            },
        ),
        Figure(
            "worker_throughput_ratio",
            worker_rate / raw_rate,
            "x",
            3,
            target=THROUGHPUT_TARGET,
            details={
                "note": "a batch of up to 10 messages costs the worker one BatchGetItem and one transaction "
                "(claims with the SMS limits and the suppression list), the provider calls, one transaction "
                "(marked sent with the day's counters) and, when the day's maximum latency rises, one update; "
                "plus the event source's SQS calls (here local.worker's receive and delete)"
            },
        ),
        Figure(
            "dynamodb_requests_per_notice",
            drained["dynamodb_requests"] / drained["notices"],
            "requests",
            2,
            target=REQUESTS_TARGET,
            details={
                "notices": drained["notices"],
                "requests": drained["dynamodb_requests"],
                "operations": drained["dynamodb_operations"],
                "run": "the throughput run: every notice queued first, then the worker drains batches of 10",
            },
        ),
    ]
