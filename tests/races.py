"""Races for concurrency tests: many callers released at the same instant."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def race(count: int, action: Callable[[int], T]) -> list[T | str]:
    """Run ``action(0..count-1)`` on ``count`` threads started together; each
    outcome is what the action returned or the code of the error it raised."""
    barrier = threading.Barrier(count)
    outcomes: list[T | str] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes.append(action(index))
        except Exception as error:
            outcomes.append(getattr(error, "code", type(error).__name__))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def racing_decisions(container: Any, declaration_id: str, officer: Any, count: int) -> list[str]:
    """``count`` officers approve (odd) or reject (even) one declaration at once (its ID copy attached first)."""
    from chalicelib.services.approve_declaration import approve_declaration
    from chalicelib.services.reject_declaration import reject_declaration
    from tests.id_copies import attach_copy

    attach_copy(container, declaration_id, officer)

    def decide(index: int) -> str:
        if index % 2:
            approve_declaration(container, declaration_id, officer, container.clock())
        else:
            reject_declaration(container, declaration_id, {"reasons": ["illegible_form"]}, officer, container.clock())
        return "decided"

    return race(count, decide)
