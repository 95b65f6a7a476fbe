"""The local stack's AWS emulator: moto's threaded server, with every
DynamoDB request made atomic as the real service makes it.

moto's server answers each request in its own thread, and its DynamoDB
backend is not thread-safe: ``TransactWriteItems`` applies its items one by
one and, when a condition fails, rolls back by restoring copies of the
tables, without a lock. Two transactions in flight at once can interleave
item by item, and the rollback of one can erase the other's writes: under
parallel signed replays a declaration was stored ``approved`` with no
account (issue 17, finding 6). DynamoDB runs each request atomically
(transactions are serializable), so one lock around each DynamoDB (and
DynamoDB Streams) request emulates it, as the tests' ``atomic_emulator``
does in-process. Other services are left concurrent: SQS long polls would
otherwise hold everybody up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
SERIALISED_TARGETS = ("DynamoDB_", "DynamoDBStreams_")


def atomic_dynamodb(app: Wsgi, lock: threading.Lock | None = None) -> Wsgi:
    """``app`` with DynamoDB requests answered one at a time (the whole answer,
    body included, produced under the lock)."""
    guard = lock if lock is not None else threading.Lock()

    def serialised(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(SERIALISED_TARGETS):
            return app(environ, start_response)
        with guard:
            answer = app(environ, start_response)
            try:
                return [b"".join(answer)]
            finally:
                close = getattr(answer, "close", None)
                if close is not None:
                    close()

    return serialised


class AtomicMotoServer(ThreadedMotoServer):
    """``ThreadedMotoServer`` whose DynamoDB requests are atomic."""

    def _server_entry(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        app = atomic_dynamodb(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()
