"""The local API's access log without query strings.

``chalice local`` logs each request line as the client sent it, query string
included; the deprecated ``?id_number=`` forms would put ID numbers in that
log. API Gateway's access log (``infra/``) records ``resourcePath`` only; this
keeps the local one alike."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


def request_line_without_query(command: str, path: str, version: str) -> str:
    """``GET /v1/x?id_number=1 HTTP/1.1`` → ``GET /v1/x?… HTTP/1.1``."""
    resource, mark, _ = path.partition("?")
    return f"{command} {resource}{'?…' if mark else ''} {version}"


def log_request_without_query(handler: Any, code: int | str = "-", size: int | str = "-") -> None:
    """Drop-in for ``BaseHTTPRequestHandler.log_request``."""
    if isinstance(code, HTTPStatus):
        code = code.value
    line = request_line_without_query(str(handler.command), str(handler.path), str(handler.request_version))
    handler.log_message('"%s" %s %s', line, str(code), str(size))


def redact_query_strings() -> None:
    """Make ``chalice local``'s request handler log request lines without their query."""
    from chalice.local import ChaliceRequestHandler

    ChaliceRequestHandler.log_request = log_request_without_query
