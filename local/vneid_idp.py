"""A DEMO identity provider standing in for VNeID in the local stack only (``make run``).

It speaks enough OpenID Connect for the service's relying party: discovery, JWKS, the
authorization endpoint (an accessible page listing the demo registry's people, each at level 1
or level 2; or ``login_hint=<personal ID>&acr_values=<level>`` to choose without the page, as
the tests do) and the token endpoint (client_secret_basic, single-use codes bound to the
redirect URI and the PKCE S256 challenge). Its RSA signing key is generated at start with
joserfc and never leaves the process. It refuses to start outside the ``local`` stage: it is
not VNeID and issues identities to anyone who clicks."""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

PEOPLE_CSV = Path(__file__).with_name("demo-participants.csv")
CODE_SECONDS = 60
TOKEN_SECONDS = 300
LEVEL_CLAIM = "identity_level"
ID_CLAIM = "personal_id"


def demo_subject(personal_id: str) -> str:
    """A stable pairwise-looking subject per person (never the ID number itself)."""
    return hashlib.sha256(f"demo-vneid:{personal_id}".encode()).hexdigest()[:32]


@dataclass
class DemoProvider:
    issuer: str
    client_id: str
    client_secret: str
    people: dict[str, dict[str, str]]
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self.key.ensure_kid()

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "claims_supported": ["sub", "name", "birthdate", "gender", ID_CLAIM, LEVEL_CLAIM],
        }

    def jwks(self) -> dict[str, Any]:
        return dict(KeySet([self.key]).as_dict(private=False))

    def authorize(self, query: dict[str, str], personal_id: str, level: str) -> str:
        """The redirect back to the relying party, carrying a fresh code."""
        code = secrets.token_urlsafe(32)
        with self.lock:
            self.codes[code] = {
                "person": personal_id,
                "level": level,
                "nonce": query["nonce"],
                "redirect_uri": query["redirect_uri"],
                "challenge": query["code_challenge"],
                "expires": self.clock() + CODE_SECONDS,
            }
        back = urllib.parse.urlencode({"code": code, "state": query["state"]})
        return f"{query['redirect_uri']}{'&' if '?' in query['redirect_uri'] else '?'}{back}"

    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        if not self._client_ok(authorization):
            return 401, {"error": "invalid_client"}
        with self.lock:
            grant = self.codes.pop(form.get("code", ""), None)  # single use
        if grant is None or grant["expires"] < self.clock() or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if form.get("redirect_uri") != grant["redirect_uri"] or not secrets.compare_digest(
            challenge, grant["challenge"]
        ):
            return 400, {"error": "invalid_grant"}
        person = self.people[grant["person"]]
        now = int(self.clock())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": demo_subject(person["id_number"]),
            "iat": now,
            "exp": now + TOKEN_SECONDS,
            "nonce": grant["nonce"],
            "name": person["full_name"],
            "birthdate": person["date_of_birth"],
            "gender": person["gender"],
            ID_CLAIM: person["id_number"],
            LEVEL_CLAIM: grant["level"],
        }
        header = {"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}
        return 200, {"id_token": jwt.encode(header, claims, self.key), "token_type": "Bearer", "expires_in": 300}

    def _client_ok(self, authorization: str | None) -> bool:
        scheme, _, value = (authorization or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            client, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
        except ValueError:
            return False
        expected = f"{self.client_id}:{self.client_secret}"
        given = f"{urllib.parse.unquote(client)}:{urllib.parse.unquote(secret)}"
        return secrets.compare_digest(given.encode(), expected.encode())

    def page(self, query: dict[str, str]) -> str:
        """The sign-in page: every demo person, a level-2 and a level-1 button each."""
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in sorted(query.items())
        )
        rows = "".join(
            "<tr>"
            f"<td>{html.escape(p['full_name'])}</td><td>{html.escape(number)}</td>"
            f'<td><form method="post" action="/authorize">{hidden}'
            f'<input type="hidden" name="login_hint" value="{html.escape(number)}">'
            '<button name="acr_values" value="2">Mức 2 / Level 2</button> '
            '<button name="acr_values" value="1">Mức 1 / Level 1</button></form></td></tr>'
            for number, p in sorted(self.people.items(), key=lambda item: item[1]["full_name"])
        )
        return (
            '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
            '<title>VNeID (DEMO) — Đăng nhập / Sign in</title><link rel="icon" href="data:,">'
            "<style>body{font-family:sans-serif;margin:2rem;color:#111}"
            "td,th{padding:.3rem .6rem;text-align:left}button{padding:.3rem .6rem}</style></head><body>"
            "<main><h1>VNeID (DEMO) — chỉ dùng để thử / demo only</h1>"
            "<p>Chọn người để đăng nhập và mức định danh. / Choose a person and an identification level.</p>"
            "<table><caption>Người có trong dữ liệu thử / Demo people</caption>"
            '<thead><tr><th scope="col">Họ tên / Name</th><th scope="col">Số định danh / Personal ID</th>'
            f'<th scope="col">Đăng nhập / Sign in</th></tr></thead><tbody>{rows}</tbody></table></main></body></html>'
        )


def load_people(path: Path = PEOPLE_CSV) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["id_number"]: row for row in csv.DictReader(handle)}


def _handler(provider: DemoProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return  # the query strings carry codes and states: not logged

        def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, value: dict[str, Any]) -> None:
            self._send(status, json.dumps(value).encode(), "application/json")

        def _form(self) -> dict[str, str]:
            length = min(int(self.headers.get("Content-Length") or 0), 64 * 1024)
            raw = self.rfile.read(length).decode("utf-8", "replace")
            return dict(urllib.parse.parse_qsl(raw))

        def _authorize(self, query: dict[str, str]) -> None:
            required = ("client_id", "redirect_uri", "state", "nonce", "code_challenge")
            if (
                any(not query.get(name) for name in required)
                or query.get("client_id") != provider.client_id
                or query.get("response_type", "code") != "code"
                or query.get("code_challenge_method") != "S256"
            ):
                self._json(400, {"error": "invalid_request"})
                return
            person, level = query.get("login_hint"), query.get("acr_values")
            if person and level in ("1", "2") and person in provider.people:
                self._send(302, b"", "text/plain", {"Location": provider.authorize(query, person, level)})
                return
            self._send(200, provider.page(query).encode(), "text/html; charset=utf-8")

        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parts.query))
            if parts.path == "/.well-known/openid-configuration":
                self._json(200, provider.discovery())
            elif parts.path == "/jwks":
                self._json(200, provider.jwks())
            elif parts.path == "/authorize":
                self._authorize(query)
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if path == "/token":
                status, body = provider.token(self._form(), self.headers.get("Authorization"))
                self._json(status, body)
            elif path == "/authorize":
                self._authorize(self._form())
            else:
                self._json(404, {"error": "not_found"})

    return Handler


def start(
    host: str,
    port: int,
    *,
    client_id: str,
    client_secret: str,
    stage: str,
    people: dict[str, dict[str, str]] | None = None,
) -> tuple[ThreadingHTTPServer, DemoProvider]:
    """Serve the demo provider on a thread (the demo registry's people unless ``people`` is given);
    its issuer URL is ``provider.issuer``."""
    if stage != "local":
        raise RuntimeError("the demo VNeID provider runs only in the local stage")
    provider = DemoProvider("", client_id, client_secret, load_people() if people is None else people)
    server = ThreadingHTTPServer((host, port), _handler(provider))
    provider.issuer = f"http://{host}:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, name="demo-vneid", daemon=True).start()
    return server, provider
