"""The local API's access log leaves query strings (ID numbers of the deprecated forms) out."""

from __future__ import annotations

from http import HTTPStatus

from local.access_log import log_request_without_query, request_line_without_query


class Handler:
    command = "GET"
    path = "/v1/declarations/d-1?id_number=001089020747"
    request_version = "HTTP/1.1"

    def __init__(self) -> None:
        self.logged: list[str] = []

    def log_message(self, template: str, *args: str) -> None:
        self.logged.append(template % args)


def test_the_query_is_left_out_of_the_request_line() -> None:
    assert request_line_without_query("GET", "/v1/declarations?id_number=1", "HTTP/1.1") == (
        "GET /v1/declarations?… HTTP/1.1"
    )
    assert request_line_without_query("POST", "/v1/declarations/lookup", "HTTP/1.1") == (
        "POST /v1/declarations/lookup HTTP/1.1"
    )


def test_the_logged_line_has_no_id_number() -> None:
    handler = Handler()
    log_request_without_query(handler, HTTPStatus.OK, 123)
    assert handler.logged == ['"GET /v1/declarations/d-1?… HTTP/1.1" 200 123']
