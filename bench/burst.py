"""A campaign's deadline day: 20,000 approvals within 30 minutes (issue 15, item 5).

A discrete-event simulation of the notice pipeline as ``infra/`` deploys it, fed by the real
worker code's measured cost: each approval queues an SMS, an email and the cancellation task;
the SQS event source hands batches of ``BATCH_SIZE`` to at most ``MAX_CONCURRENCY`` worker
instances; each message costs the worker's own time (measured here by running the real
``deliver_batch`` over the in-memory fakes) plus the DynamoDB requests it makes at a modelled
latency, plus the provider's call; SNS and SES accept at most their configured rates (token
buckets), and a send over the rate is throttled: the worker's own backoff (``retry_delay`` with
the configured base and cap) brings it back. The figure is the p99 of decision -> provider
acceptance over every notice; the configuration kept under 15 minutes is the one infra/ deploys.
Modelled constants are stated below; change them to test another account's quotas."""

from __future__ import annotations

import heapq
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from .report import Figure, Target, log

APPROVALS = 20_000
WINDOW_S = 30 * 60
BATCH_SIZE = 10  # app.py: @app.on_sqs_message(batch_size=10)
DYNAMODB_REQUEST_S = 0.008  # a single-item DynamoDB request from Lambda in-region (typical, single-digit ms)
SNS_PUBLISH_S = 0.045  # SNS Publish to a phone number, round trip
SES_SEND_S = 0.060  # SES SendEmail / SendRawEmail, round trip
SQS_POLL_S = 0.020  # the event source's receive, per batch
# Account quotas (docs/operations.md "Quotas to raise before a campaign"): SMS through SNS and SES.
SMS_PER_SECOND = 20.0
EMAIL_PER_SECOND = 14.0


@dataclass(frozen=True)
class Costs:
    cpu_s: float  # the worker's own time per message (the real code over the fakes)
    dynamodb_requests: float  # per message, as the worker makes them


def measure_costs(messages: int = 600) -> Costs:
    """Run the real ``deliver_batch`` over in-memory fakes: its time per message, and the
    store calls it makes per message (each fake call stands for one DynamoDB request)."""
    import argon2

    from chalicelib.config import load_settings
    from chalicelib.domain.notification import EMAIL, SMS, Notification
    from chalicelib.domain.passwords import Hasher
    from chalicelib.services.deliver_notification import QueuedMessage, deliver_batch
    from tests.fakes import FakeDeps

    deps = FakeDeps(hasher=Hasher(argon2.profiles.CHEAPEST), settings=load_settings())
    now = datetime(2026, 12, 31, 3, 0, tzinfo=UTC)
    notices = []
    for index in range(messages // 2):
        phone = f"+849{index:08d}"
        notices.append(Notification(f"n{index}#sms", "account_approved", SMS, phone, f"MK {index}", f"s{index}", now))
        notices.append(
            Notification(f"n{index}#email", "account_approved", EMAIL, f"p{index}@example.vn", "x", f"s{index}", now)
        )
    deps.outbox.record(notices, [])
    calls = depth = 0
    # DynamoDB requests each store call stands for: a batch's claim is a BatchGetItem and one
    # transaction, its marking one transaction; the one-at-a-time calls one request each.
    weights = {
        "claim_batch": 2,
        "mark_sent_batch": 1,
        "claim": 1,
        "admit_sms": 1,
        "is_email_suppressed": 1,
        "mark_suppressed": 1,
        "mark_failed": 1,
    }
    for name, weight in weights.items():
        original = getattr(deps.outbox, name)

        def counted(*args: object, _original: object = original, _weight: int = weight, **kwargs: object) -> object:
            nonlocal calls, depth
            calls += _weight if depth == 0 else 0  # the fake's batch calls its one-at-a-time calls: not again
            depth += 1
            try:
                return _original(*args, **kwargs)  # type: ignore[operator]
            finally:
                depth -= 1

        setattr(deps.outbox, name, counted)
    batches = [
        [
            QueuedMessage(f"m{i}", f"r{i}", f'{{"notification_id": "{notice.id}"}}')
            for i, notice in enumerate(notices[n : n + 10])
        ]
        for n in range(0, len(notices), 10)
    ]
    started = time.perf_counter()
    for batch in batches:
        deliver_batch(deps, batch, now)
    elapsed = time.perf_counter() - started
    assert len(deps.sender.sms) + len(deps.sender.emails) == len(notices)
    # The marking transaction and, when a day's maximum latency rises, one more update: counted as 1.
    return Costs(cpu_s=elapsed / len(notices), dynamodb_requests=calls / len(notices))


class TokenBucket:
    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.next_free = 0.0

    def take(self, at: float) -> float | None:
        """The time the send is accepted, or None when it is throttled (over the rate)."""
        if at + 1e-9 < self.next_free - 1.0:  # more than a second's worth queued: the provider refuses
            return None
        accepted = max(at, self.next_free)
        self.next_free = accepted + 1.0 / self.rate
        return accepted


def simulate(
    costs: Costs,
    *,
    approvals: int = APPROVALS,
    window_s: float = WINDOW_S,
    concurrency: int,
    sms_per_second: float = SMS_PER_SECOND,
    email_per_second: float = EMAIL_PER_SECOND,
    retry_base_s: int,
    retry_cap_s: int,
    seed: int = 7,
) -> dict[str, float]:
    from chalicelib.domain.notification import retry_delay

    rng = random.Random(seed)
    queue: list[tuple[float, int, str, float, int]] = []  # (visible at, seq, kind, decided at, attempts)
    seq = 0
    for _ in range(approvals):
        decided = rng.uniform(0, window_s)
        for kind in ("sms", "email", "task"):
            heapq.heappush(queue, (decided, seq, kind, decided, 1))
            seq += 1
    buckets = {"sms": TokenBucket(sms_per_second), "email": TokenBucket(email_per_second)}
    provider = {"sms": SNS_PUBLISH_S, "email": SES_SEND_S, "task": 0.0}
    per_message = costs.cpu_s + costs.dynamodb_requests * DYNAMODB_REQUEST_S
    workers = [0.0] * concurrency  # when each instance is free
    latencies: list[float] = []
    throttled = 0
    while queue:
        instance = min(range(concurrency), key=workers.__getitem__)
        now = max(workers[instance], queue[0][0])
        batch: list[tuple[float, int, str, float, int]] = []
        while queue and queue[0][0] <= now and len(batch) < BATCH_SIZE:
            batch.append(heapq.heappop(queue))
        clock = now + SQS_POLL_S
        for _, _, kind, decided, attempts in batch:
            clock += per_message
            if kind == "task":
                clock += 3 * DYNAMODB_REQUEST_S  # the person's other declarations: a query, a batch get, a write
                continue
            accepted = buckets[kind].take(clock)
            clock += provider[kind]
            if accepted is None:  # throttled: back to the queue after the worker's backoff
                throttled += 1
                delay = retry_delay(attempts, base=retry_base_s, cap=retry_cap_s, jitter=rng.random())
                heapq.heappush(queue, (clock + delay, seq, kind, decided, attempts + 1))
                seq += 1
                continue
            latencies.append(max(accepted, clock) - decided)
        workers[instance] = clock
    latencies.sort()
    return {
        "p50_s": latencies[len(latencies) // 2],
        "p99_s": latencies[int(len(latencies) * 0.99) - 1],
        "max_s": latencies[-1],
        "notices": len(latencies),
        "throttled": throttled,
    }


def run(quick: bool) -> list[Figure]:
    import sys
    from pathlib import Path

    from chalicelib.config import load_settings

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.fakes: the in-memory adapters
    settings = load_settings()
    costs = measure_costs(200 if quick else 600)
    concurrency = _deployed_concurrency()
    log(f"burst: {costs.cpu_s * 1000:.2f} ms of worker time and {costs.dynamodb_requests:.2f} requests a message")
    result = simulate(
        costs, concurrency=concurrency, retry_base_s=settings.retry_base_seconds, retry_cap_s=settings.retry_cap_seconds
    )
    slow_sms = simulate(
        costs,
        concurrency=concurrency,
        sms_per_second=10.0,
        retry_base_s=settings.retry_base_seconds,
        retry_cap_s=settings.retry_cap_seconds,
    )
    details = {
        "approvals": APPROVALS,
        "window_s": WINDOW_S,
        "notices": result["notices"],
        "batch_size": BATCH_SIZE,
        "max_concurrency": concurrency,
        "sms_per_second": SMS_PER_SECOND,
        "email_per_second": EMAIL_PER_SECOND,
        "worker_ms_per_message": round(costs.cpu_s * 1000, 3),
        "dynamodb_requests_per_message": round(costs.dynamodb_requests, 2),
        "modelled_dynamodb_request_ms": DYNAMODB_REQUEST_S * 1000,
        "p50_s": round(result["p50_s"], 2),
        "max_s": round(result["max_s"], 2),
        "throttled_sends": result["throttled"],
        "p99_s_if_sms_quota_were_10_per_second": round(slow_sms["p99_s"], 1),
    }
    return [Figure("burst_20k_p99_s", result["p99_s"], "s", 1, Target("<=", 900), details)]


def _deployed_concurrency() -> int:
    """The worker's SQS event source MaximumConcurrency, as infra/ deploys it by default."""
    import ast
    from pathlib import Path

    source = (Path(__file__).resolve().parent.parent / "infra" / "bhxh_infra" / "config.py").read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "notice_worker_max_concurrency":
            assert isinstance(node.value, ast.Constant) and isinstance(node.value.value, int)
            return node.value.value
    raise LookupError("notice_worker_max_concurrency not found in infra/bhxh_infra/config.py")
