"""Register and sign in with VNeID over HTTP (issue 14, items 2-4): the API on moto, the demo
identity provider on its own port (its discovery, JWKS, authorization and token endpoints over
real HTTP), every hostile ID token refused with its own code and nothing written, and one person
through VNeID and the signed channel at once -> exactly one account."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from joserfc.jwk import RSAKey

from chalicelib.adapters.models import AccountModel, DeclarationModel
from chalicelib.vneid.oidc import OidcClient, ProviderConfig
from local.vneid_idp import DemoProvider
from local.vneid_idp import start as start_idp
from tests.builders import PARTICIPANT_AN, form
from tests.integration.emulator import drain, sent_sms
from tests.pki import SigningPki, trusted_by
from tests.races import race
from tests.vneid import b64json, claims

CLIENT_ID, SECRET = "bhxh-test", "test-secret"
REDIRECT = "http://127.0.0.1:1/vneid.html"
AN = AN_PERSON = {
    "id_number": PARTICIPANT_AN.id_number,
    "full_name": PARTICIPANT_AN.full_name,
    "date_of_birth": PARTICIPANT_AN.date_of_birth,
    "gender": PARTICIPANT_AN.gender,
}


@pytest.fixture(scope="module")
def idp() -> Iterator[DemoProvider]:
    server, provider = start_idp(
        "127.0.0.1",
        0,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        stage="local",
        people={AN_PERSON["id_number"]: AN_PERSON},
    )
    yield provider
    server.shutdown()


@pytest.fixture
def vneid(container: Any, idp: DemoProvider) -> DemoProvider:
    container.__dict__["vneid"] = OidcClient(ProviderConfig(idp.issuer, CLIENT_ID, lambda: SECRET, REDIRECT))
    return idp


def call(client: Any, path: str, body: Any, token: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    response = client.http.post(path, headers=headers, body=json.dumps(body))
    return response.status_code, json.loads(response.body) if response.body else {}


def at_provider(authorization_url: str, level: str = "2") -> tuple[str, str]:
    """The person picks themselves at ``level`` on the demo provider; (code, state) it sends back."""
    hint = urllib.parse.urlencode({"login_hint": AN_PERSON["id_number"], "acr_values": level})
    answer = requests.get(f"{authorization_url}&{hint}", allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(answer.headers["Location"]).query))
    return back["code"], back["state"]


def flow(client: Any, purpose: str = "register", level: str = "2") -> tuple[int, dict[str, Any]]:
    body = {"purpose": purpose, **({"office_code": "BHXH-01"} if purpose == "register" else {})}
    status, started = call(client, "/v1/auth/vneid/start", body)
    assert status == 200, started
    code, state = at_provider(started["authorization_url"], level)
    return call(client, "/v1/auth/vneid/callback", {"code": code, "state": state})


def nothing_written() -> bool:
    return list(AccountModel.scan()) == [] and list(DeclarationModel.scan()) == []


def test_level_2_is_approved_at_once_then_signs_in_with_a_normal_session(
    client: Any, vneid: DemoProvider, aws: dict[str, Any]
) -> None:
    status, registered = flow(client)
    assert status == 201, registered
    assert registered["outcome"] == "approved" and registered["reasons"] == []
    account = AccountModel.get("0123456789")
    assert account.channel == "vneid" and account.password_hash == "" and account.temporary is False
    assert account.password_expiry_shard is None  # never reminded about a password it does not have
    drain(aws)
    sms = [text for phone, text in sent_sms() if phone == PARTICIPANT_AN.phone]
    assert len(sms) == 1 and "qua VNeID" in sms[0] and "TK: 001089020747" in sms[0] and "MK tam" not in sms[0]

    status, signed_in = flow(client, "sign_in")
    assert status == 200 and signed_in["outcome"] == "signed_in", signed_in
    me = client.http.get("/v1/me", headers={"Authorization": f"Bearer {signed_in['token']}"})
    assert me.status_code == 200, me.body
    body = json.loads(me.body)
    assert body["username"] == "0123456789" and body["password_change_required"] is False
    assert body["password_expires_at"] is None and body["temporary_password"] is False

    status, again = flow(client)  # registering again: told there is an account, no second one
    assert (status, again["outcome"], again["username"]) == (200, "already_registered", "0123456789")
    assert len(list(AccountModel.scan())) == 1


def test_level_1_is_refused_and_nothing_written(client: Any, vneid: DemoProvider) -> None:
    status, problem = flow(client, level="1")
    assert (status, problem["code"]) == (403, "vneid_level_insufficient")
    assert nothing_written()


def test_a_state_is_used_once(client: Any, vneid: DemoProvider) -> None:
    status, started = call(client, "/v1/auth/vneid/start", {"purpose": "sign_in"})
    code, state = at_provider(started["authorization_url"])
    assert (
        call(client, "/v1/auth/vneid/callback", {"code": code, "state": "x" + state})[1]["code"]
        == "vneid_state_invalid"
    )
    status, problem = call(client, "/v1/auth/vneid/callback", {"code": code, "state": state})
    assert (status, problem["code"]) == (404, "vneid_no_account")
    status, problem = call(client, "/v1/auth/vneid/callback", {"code": code, "state": state})
    assert (status, problem["code"]) == (400, "vneid_state_invalid")


def _claims(provider: DemoProvider, nonce: str, **changes: Any) -> dict[str, Any]:
    return claims(nonce, issuer=provider.issuer, audience=CLIENT_ID, person=AN_PERSON, **changes)


STRANGER = RSAKey.generate_key(2048, parameters={"kid": "not-published"})


def _hostile(kind: str) -> Callable[[DemoProvider, str], str]:
    from joserfc import jwt

    def make(provider: DemoProvider, nonce: str) -> str:
        header = {"alg": "RS256", "kid": provider.key.kid}
        if kind == "bad_signature":
            impostor = RSAKey.generate_key(2048, parameters={"kid": str(provider.key.kid)})
            return jwt.encode(header, _claims(provider, nonce), impostor)
        if kind == "wrong_aud":
            return jwt.encode(header, _claims(provider, nonce, aud="someone-else"), provider.key)
        if kind == "expired":
            past = int(time.time()) - 3600
            return jwt.encode(header, _claims(provider, nonce, iat=past - 300, exp=past), provider.key)
        if kind == "replayed_nonce":
            return jwt.encode(header, _claims(provider, "the-nonce-of-an-earlier-sign-in"), provider.key)
        if kind == "alg_none":
            return f"{b64json({'alg': 'none', 'kid': provider.key.kid})}.{b64json(_claims(provider, nonce))}."
        if kind == "unknown_kid":
            return jwt.encode({"alg": "RS256", "kid": "not-published"}, _claims(provider, nonce), STRANGER)
        raise AssertionError(kind)

    return make


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("bad_signature", 401, "vneid_token_signature_invalid"),
        ("wrong_aud", 401, "vneid_token_audience_invalid"),
        ("expired", 401, "vneid_token_expired"),
        ("replayed_nonce", 401, "vneid_token_nonce_invalid"),
        ("alg_none", 401, "vneid_token_algorithm_refused"),
        ("unknown_kid", 401, "vneid_token_key_unknown"),
    ],
)
def test_hostile_id_tokens_are_refused_each_with_its_code_and_nothing_written(
    client: Any, vneid: DemoProvider, monkeypatch: pytest.MonkeyPatch, kind: str, status: int, code: str
) -> None:
    honest = vneid.token

    def token(form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        answer_status, answer = honest(form, authorization)  # the code, client and PKCE checks stand
        if answer_status == 200:
            nonce = json.loads(base64.urlsafe_b64decode(answer["id_token"].split(".")[1] + "=="))["nonce"]
            answer = {**answer, "id_token": _hostile(kind)(vneid, nonce)}
        return answer_status, answer

    monkeypatch.setattr(vneid, "token", token)
    answer_status, problem = flow(client)
    assert (answer_status, problem["code"]) == (status, code), problem
    assert problem["type"].endswith(code) or "title" in problem
    assert nothing_written()


def signed_and_vneid_ready(client: Any, container: Any, count: int) -> tuple[list[bytes], list[tuple[str, str]]]:
    """``count`` different signed Form 01s of An (one document sent several times would be one decision
    and its replays) and ``count`` VNeID registrations started and authorised, their callbacks not made."""
    pki: SigningPki = trusted_by(container, PARTICIPANT_AN)
    signed = [pki.sign(form(email=f"an{index}@example.vn")) for index in range(count)]
    callbacks = []
    for _ in range(count):
        _, started = call(client, "/v1/auth/vneid/start", {"purpose": "register", "office_code": "BHXH-01"})
        callbacks.append(at_provider(started["authorization_url"]))
    return signed, callbacks


@pytest.mark.usefixtures("atomic_emulator")
def test_the_same_person_through_vneid_and_the_signed_channel_at_once_gets_one_account(
    client: Any, container: Any, vneid: DemoProvider
) -> None:
    from app import app
    from local.per_thread import per_thread_requests, restore

    signed, callbacks = signed_and_vneid_ready(client, container, 3)
    original = per_thread_requests(app)
    try:

        def one(index: int) -> int:
            if index % 2:
                code, state = callbacks[index // 2]
                return call(client, "/v1/auth/vneid/callback", {"code": code, "state": state})[0]
            response = client.http.post(
                "/v1/declarations/signed", headers={"Content-Type": "application/xml"}, body=signed[index // 2]
            )
            return int(response.status_code)

        statuses = race(6, one)
    finally:
        restore(app, original)
    assert all(isinstance(s, int) and s < 500 for s in statuses), statuses
    assert [a.username for a in AccountModel.scan()] == ["0123456789"]


@pytest.mark.usefixtures("atomic_emulator")
def test_twenty_concurrent_registrations_of_one_person_across_channels_and_identifiers_make_one_account(
    client: Any, container: Any, vneid: DemoProvider
) -> None:
    """Issue 14: office and paper dossiers declared with the code or with only the CCCD number
    (Công văn 1804), approved by officers, signed Form 01s and VNeID callbacks, all at once."""
    from app import app
    from chalicelib.services.approve_declaration import approve_declaration
    from chalicelib.services.officer_desk import Officer
    from chalicelib.services.receive_declaration import receive_declaration
    from chalicelib.services.submit_office_declaration import submit_office_declaration
    from chalicelib.services.submit_paper_declaration import submit_paper_declaration
    from local.per_thread import per_thread_requests, restore
    from tests.id_copies import attach_copy

    officer = Officer("0100000001", ("officer",), "BHXH-01", "01")
    document = {"document_type": "cccd", "document_number": PARTICIPANT_AN.id_number}

    def declared(with_code: bool) -> dict[str, Any]:
        body = form()
        if not with_code:
            del body["bhxh_code"]  # the CCCD number serves as the code
        return body

    dossiers = []
    for index in range(5):  # online, brought to the office
        submitted = submit_office_declaration(container, declared(index % 2 == 0), container.clock())
        receive_declaration(container, submitted.declaration.id, document, officer, container.clock())
        dossiers.append(submitted.declaration.id)
    for index in range(5):  # typed in from paper
        dossiers.append(submit_paper_declaration(container, declared(index % 2 == 1), officer, container.clock()).id)
    for dossier in dossiers:
        attach_copy(container, dossier, officer)
    signed, callbacks = signed_and_vneid_ready(client, container, 5)

    def one(index: int) -> str:
        if index < 10:
            approve_declaration(container, dossiers[index], officer, container.clock())
            return "approved"
        if index < 15:
            response = client.http.post(
                "/v1/declarations/signed", headers={"Content-Type": "application/xml"}, body=signed[index - 10]
            )
            return f"signed {response.status_code} {json.loads(response.body).get('status')}"
        code, state = callbacks[index - 15]
        status, body = call(client, "/v1/auth/vneid/callback", {"code": code, "state": state})
        return f"vneid {status} {body.get('outcome', body.get('code'))}"

    original = per_thread_requests(app)
    try:
        outcomes = race(20, one)
    finally:
        restore(app, original)
    assert [a.username for a in AccountModel.scan()] == ["0123456789"], outcomes
    assert not [o for o in outcomes if " 5" in str(o)], outcomes  # no 5xx anywhere
    winners = [o for o in outcomes if o in ("approved", "signed 201 approved", "vneid 201 approved")]
    assert len(winners) == 1, outcomes
