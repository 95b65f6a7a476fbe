"""The portal's server of `make run` (local/web.py): web/ with the security
headers, nothing outside it, and /v1 passed to the API as it is (method, path,
query, headers, body; the API's status, headers and body back)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from local.web import WEB_ROOT, make_server, resolve_static, security_headers

SEEN: list[dict[str, Any]] = []


class FakeApi(BaseHTTPRequestHandler):
    """Records what arrives and answers a problem, as the API does."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        SEEN.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers.items()),
                "body": self.rfile.read(length) if length else b"",
            }
        )
        body = json.dumps({"code": "already_decided", "title": "Hồ sơ đã được giải quyết"}).encode()
        self.send_response(409)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("X-Correlation-Id", "abc")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _answer


def serve(server: ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def api() -> Iterator[int]:
    SEEN.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeApi)
    for _ in serve(server):
        yield int(server.server_address[1])


@pytest.fixture
def portal(api: int) -> Iterator[str]:
    yield from serve(make_server("127.0.0.1", 0, api))


def test_pages_come_with_the_security_headers(portal: str) -> None:
    answer = requests.get(f"{portal}/", timeout=5)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    for name, value in security_headers().items():
        assert answer.headers[name] == value
    assert 'lang="vi"' in answer.text
    script = requests.get(f"{portal}/js/api.js", timeout=5)
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"  # modules need a JS type


@pytest.mark.parametrize(
    "path",
    ["/security-headers.json", "/../README.md", "/%2e%2e/README.md", "/js/../../app.py", "/.hidden", "/nope.html"],
)
def test_nothing_but_the_site_is_served(portal: str, path: str) -> None:
    answer = requests.get(portal + path, timeout=5)
    assert answer.status_code == 404
    assert answer.headers["Content-Security-Policy"] == security_headers()["Content-Security-Policy"]


def test_resolve_static_stays_inside_the_root(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("x")
    (tmp_path / "secret.txt").write_text("x")
    assert resolve_static("/", tmp_path / "site") == (tmp_path / "site" / "index.html").resolve()
    assert resolve_static("/../secret.txt", tmp_path / "site") is None
    assert resolve_static("/index.html", WEB_ROOT) == (WEB_ROOT / "index.html").resolve()


def test_api_calls_pass_through_unchanged(portal: str) -> None:
    answer = requests.post(
        f"{portal}/v1/declarations/abc/approve?x=1",
        data=b"{}",
        headers={"Authorization": "Bearer t0k3n", "Content-Type": "application/json", "Accept-Language": "en"},
        timeout=5,
    )
    assert answer.status_code == 409
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.headers["X-Correlation-Id"] == "abc"
    assert answer.json()["code"] == "already_decided"
    assert answer.headers["X-Frame-Options"] == "DENY"
    (seen,) = SEEN
    assert seen["method"] == "POST"
    assert seen["path"] == "/v1/declarations/abc/approve?x=1"
    assert seen["headers"]["Authorization"] == "Bearer t0k3n"
    assert seen["headers"]["Accept-Language"] == "en"
    assert seen["body"] == b"{}"


def test_other_methods_off_the_api_are_refused(portal: str) -> None:
    assert requests.post(f"{portal}/index.html", timeout=5).status_code == 405
    assert requests.delete(f"{portal}/v1/x", timeout=5).status_code == 409  # the API decides for its own paths


def test_an_api_that_does_not_answer_is_a_502(api: int) -> None:
    server = make_server("127.0.0.1", 0, api)
    dead = ThreadingHTTPServer(("127.0.0.1", 0), FakeApi)
    port = int(dead.server_address[1])
    dead.server_close()
    server.RequestHandlerClass.api_port = port  # type: ignore[attr-defined]
    for url in serve(server):
        assert requests.get(f"{url}/v1/health", timeout=5).status_code == 502
