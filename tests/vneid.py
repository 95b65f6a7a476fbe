"""The VNeID relying party (``OidcClient``) wired to the demo provider without a network, and
hostile ID tokens made with joserfc, for the tests and the bench."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
import urllib.request
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

from chalicelib.vneid.oidc import OidcClient, ProviderAnswer, ProviderConfig
from local.vneid_idp import DemoProvider, demo_subject, load_people

ISSUER = "https://vneid.demo.example"
CLIENT_ID = "bhxh-dichvucong"
SECRET = "demo-client-secret"
REDIRECT = "https://dichvucong.example/vneid.html"
AN_ID = "010065054415"  # Đặng Đức Khánh in the demo registry


class InProcess:
    """``fetch`` for ``OidcClient``: the demo provider's endpoints called directly; counts calls."""

    def __init__(self, provider: DemoProvider) -> None:
        self.provider = provider
        self.calls: list[str] = []

    def __call__(self, request: urllib.request.Request) -> bytes:
        path = urllib.parse.urlsplit(request.full_url).path
        self.calls.append(path)
        if path == "/.well-known/openid-configuration":
            return json.dumps(self.provider.discovery()).encode()
        if path == "/jwks":
            return json.dumps(self.provider.jwks()).encode()
        if path == "/token":
            form = dict(urllib.parse.parse_qsl((request.data or b"").decode()))  # type: ignore[union-attr]
            status, body = self.provider.token(form, request.get_header("Authorization"))
            if status != 200:
                raise ProviderAnswer(status, json.dumps(body).encode())
            return json.dumps(body).encode()
        raise ProviderAnswer(404, b"{}")


def demo() -> tuple[DemoProvider, OidcClient, InProcess]:
    provider = DemoProvider(ISSUER, CLIENT_ID, SECRET, load_people())
    fetch = InProcess(provider)
    client = OidcClient(ProviderConfig(ISSUER, CLIENT_ID, lambda: SECRET, REDIRECT), fetch=fetch)
    return provider, client, fetch


def sign_in_at_provider(provider: DemoProvider, client: OidcClient, person: str = AN_ID, level: str = "2") -> Any:
    """Start, let ``person`` sign in at ``level``, and return (started, code)."""
    started = client.start()
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(started.url).query))
    back = provider.authorize(query, person, level)
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back).query))["code"]
    return started, code


KHANH = {"id_number": AN_ID, "full_name": "Đặng Đức Khánh", "date_of_birth": "1965-12-15", "gender": "male"}


def claims(
    for_nonce: str,
    *,
    issuer: str = ISSUER,
    audience: str = CLIENT_ID,
    person: dict[str, str] = KHANH,
    **changes: Any,
) -> dict[str, Any]:
    """An ID token's claims for ``person`` at level 2, as the demo provider issues them; ``changes``
    replace claims (None removes one)."""
    now = int(time.time())
    value = {
        "iss": issuer,
        "aud": audience,
        "sub": demo_subject(person["id_number"]),
        "iat": now,
        "exp": now + 300,
        "nonce": for_nonce,
        "name": person["full_name"],
        "birthdate": person["date_of_birth"],
        "gender": person["gender"],
        "personal_id": person["id_number"],
        "identity_level": "2",
    }
    value.update(changes)
    return {k: v for k, v in value.items() if v is not None}


def b64json(value: dict[str, Any]) -> str:
    """A JWT segment made by hand (for tokens no library would sign: ``alg: none``, tampered payloads)."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def signed(provider: DemoProvider, payload: dict[str, Any], *, key: RSAKey | None = None) -> str:
    signer = key or provider.key
    header = {"alg": "RS256", "kid": signer.kid or provider.key.kid}
    return jwt.encode(header, payload, signer)
