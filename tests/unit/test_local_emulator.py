"""The local stack's emulator answers DynamoDB requests one at a time (as
DynamoDB runs each atomically) and everything else concurrently (issue 17,
finding 6); its API answers each thread's own request."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from local.emulator import atomic_dynamodb


class SlowApp:
    """A WSGI app that records how many requests it answers at once."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self._lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        time.sleep(0.02)
        start_response("200 OK", [])

        def body() -> Iterable[bytes]:  # produced lazily, as werkzeug may
            time.sleep(0.01)
            with self._lock:
                self.inside -= 1
            yield b"{}"

        return body()


def hammer(app: Any, target: str, count: int = 8) -> list[bytes]:
    answers: list[bytes] = []

    def one() -> None:
        answers.append(b"".join(app({"HTTP_X_AMZ_TARGET": target}, lambda *a: None)))

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_dynamodb_requests_are_answered_one_at_a_time_body_included() -> None:
    slow = SlowApp()
    answers = hammer(atomic_dynamodb(slow), "DynamoDB_20120810.TransactWriteItems")
    assert answers == [b"{}"] * 8
    assert slow.most == 1


def test_stream_requests_too() -> None:
    slow = SlowApp()
    hammer(atomic_dynamodb(slow), "DynamoDBStreams_20120810.GetRecords")
    assert slow.most == 1


def test_other_services_stay_concurrent() -> None:
    """An SQS long poll must not hold up DynamoDB or other queues."""
    slow = SlowApp()
    hammer(atomic_dynamodb(slow), "AmazonSQS.ReceiveMessage")
    assert slow.most > 1


def test_the_api_answers_each_thread_its_own_request() -> None:
    from chalice.app import Chalice

    from local.per_thread import per_thread_requests, restore

    app = Chalice(app_name="per-thread")
    original = per_thread_requests(app)
    seen: dict[str, Any] = {}
    barrier = threading.Barrier(2)

    def handle(name: str) -> None:
        app.current_request = name  # type: ignore[assignment]
        barrier.wait()  # both threads have set theirs
        seen[name] = app.current_request

    threads = [threading.Thread(target=handle, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"a": "a", "b": "b"}
    restore(app, original)
    assert type(app) is Chalice
