"""The portal's server under ``make run``: the static files of ``web/`` and a
same-origin proxy of ``/v1/*`` to the local API, so the browser needs no CORS,
as behind CloudFront in production (infra/). Every answer carries the security
headers of ``web/security-headers.json``, the same file CloudFront's response
headers policy is built from."""

from __future__ import annotations

import http.client
import json
import mimetypes
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlsplit

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
SECURITY_HEADERS_FILE = WEB_ROOT / "security-headers.json"
# Files of web/ that are configuration, not part of the site.
NOT_SERVED = frozenset({"security-headers.json"})
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        # set by this server
        "server",
        "date",
    }
)
MAX_PROXIED_BODY = 1024 * 1024  # the API refuses anything over 256 KiB itself
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
}


def security_headers(upload_origin: str | None = None) -> dict[str, str]:
    """The portal's headers; ``upload_origin``: where the desk's browser posts ID copies
    (the bucket's endpoint: here the emulator), added to the policy's ``connect-src``,
    as infra/ adds the bucket's."""
    headers: dict[str, str] = json.loads(SECURITY_HEADERS_FILE.read_text(encoding="utf-8"))
    if upload_origin:
        policy = headers["Content-Security-Policy"]
        headers["Content-Security-Policy"] = policy.replace("connect-src 'self'", f"connect-src 'self' {upload_origin}")
    return headers


def resolve_static(path: str, root: Path = WEB_ROOT) -> Path | None:
    """The file of ``root`` a URL path names (``/`` and ``/dir/`` mean index.html), or None:
    never a file outside ``root``, never a dot-file, never configuration."""
    relative = unquote(path).lstrip("/")
    if relative == "" or relative.endswith("/"):
        relative += "index.html"
    parts = Path(relative).parts
    if any(part.startswith(".") or part in ("", "..") for part in parts) or "\\" in relative:
        return None
    candidate = (root / relative).resolve()
    if root.resolve() not in candidate.parents or not candidate.is_file() or candidate.name in NOT_SERVED:
        return None
    return candidate


class PortalHandler(BaseHTTPRequestHandler):
    """Static files and the ``/v1`` proxy; the class attributes are set by :func:`make_server`."""

    api_host: ClassVar[str] = "127.0.0.1"
    api_port: ClassVar[int] = 8000
    headers_to_send: ClassVar[dict[str, str]] = {}
    protocol_version = "HTTP/1.1"
    server_version = "bhxh-portal"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the API logs requests (with personal data masked); URLs may hold query strings."""

    def _security(self) -> None:
        for name, value in self.headers_to_send.items():
            self.send_header(name, value)

    def _is_api(self) -> bool:
        path = urlsplit(self.path).path
        return path == "/v1" or path.startswith("/v1/")

    def do_GET(self) -> None:
        if self._is_api():
            self._proxy()
        else:
            self._static(head=False)

    def do_HEAD(self) -> None:
        if self._is_api():
            self._proxy()
        else:
            self._static(head=True)

    def do_POST(self) -> None:
        self._proxy_or_405()

    def do_PUT(self) -> None:
        self._proxy_or_405()

    def do_PATCH(self) -> None:
        self._proxy_or_405()

    def do_DELETE(self) -> None:
        self._proxy_or_405()

    def do_OPTIONS(self) -> None:
        self._proxy_or_405()

    def _proxy_or_405(self) -> None:
        if self._is_api():
            self._proxy()
            return
        self._plain(HTTPStatus.METHOD_NOT_ALLOWED, b"Method not allowed\n", extra={"Allow": "GET, HEAD"})

    def _plain(self, status: HTTPStatus, body: bytes, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self._security()
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _static(self, head: bool) -> None:
        file = resolve_static(urlsplit(self.path).path)
        if file is None:
            self._plain(HTTPStatus.NOT_FOUND, "Không tìm thấy trang / Page not found\n".encode())
            return
        body = file.read_bytes()
        content_type = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        # Local development: always the file as it is on disk.
        self.send_header("Cache-Control", "no-cache")
        self._security()
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _proxy(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_PROXIED_BODY:
            self._plain(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"Request body too large\n")
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else None
        forwarded = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        connection = http.client.HTTPConnection(self.api_host, self.api_port, timeout=60)
        try:
            connection.request(self.command, self.path, body=body, headers=forwarded)
            answer = connection.getresponse()
            payload = answer.read()
        except OSError:
            self._plain(HTTPStatus.BAD_GATEWAY, b"The API is not answering\n")
            return
        finally:
            connection.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() not in {h.lower() for h in self.headers_to_send}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self._security()
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)


def make_server(host: str, port: int, api_port: int, upload_origin: str | None = None) -> ThreadingHTTPServer:
    handler = type(
        "BoundPortalHandler",
        (PortalHandler,),
        {"api_port": api_port, "headers_to_send": security_headers(upload_origin)},
    )
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def start(
    host: str, port: int, api_port: int, upload_origin: str | None = None
) -> tuple[ThreadingHTTPServer, threading.Thread]:
    server = make_server(host, port, api_port, upload_origin)
    thread = threading.Thread(target=server.serve_forever, name="portal", daemon=True)
    thread.start()
    return server, thread
