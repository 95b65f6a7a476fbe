"""One request per thread in the local API, as Lambda has one per process.

Chalice keeps the request being answered in ``app.current_request`` (and its
context in ``app.lambda_context``), one attribute for the whole app: right in
Lambda, where an execution environment answers one request at a time, but
``chalice local`` answers each request in its own thread, so under parallel
requests a view could read another request's headers or body. Here both
attributes become per thread, for the local server and for tests that call
the app from several threads.
"""

from __future__ import annotations

import threading
from typing import Any

from chalice.app import Chalice


class _PerThread:
    """A data descriptor: wins over the instance's own attribute of that name."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return getattr(instance.__dict__["_per_thread"], self._name, None)

    def __set__(self, instance: Any, value: Any) -> None:
        setattr(instance.__dict__["_per_thread"], self._name, value)


def per_thread_requests(app: Chalice) -> type:
    """Make ``app``'s current request and Lambda context per thread; returns the
    class it had (to restore it)."""
    original = type(app)
    if "_per_thread" in app.__dict__:
        return original
    app.__dict__["_per_thread"] = threading.local()
    app.__class__ = type(
        f"PerThread{original.__name__}",
        (original,),
        {"current_request": _PerThread("current_request"), "lambda_context": _PerThread("lambda_context")},
    )
    return original


def restore(app: Chalice, original: type) -> None:
    app.__class__ = original
    app.__dict__.pop("_per_thread", None)
