"""The VNeID relying party's checks of the ID token (issue 14, item 2), against the demo
provider's keys: every hostile token is refused with its own problem code."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc.jwk import RSAKey

from chalicelib.domain import errors as vneid
from tests.vneid import AN_ID, b64json, claims, demo, sign_in_at_provider, signed


def test_the_demo_providers_token_for_a_level_2_person_is_accepted() -> None:
    provider, client, fetch = demo()
    started, code = sign_in_at_provider(provider, client)
    token = client.exchange(code, started.verifier)
    identity = client.identity(token, started.nonce)
    assert (identity.personal_id, identity.full_name, identity.level) == (AN_ID, "Đặng Đức Khánh", "2")
    assert identity.birthdate == "1965-12-15" and identity.gender == "male"
    again, code = sign_in_at_provider(provider, client)
    client.identity(client.exchange(code, again.verifier), again.nonce)
    assert fetch.calls.count("/jwks") == 1 and fetch.calls.count("/.well-known/openid-configuration") == 1  # cached


def test_level_1_is_refused() -> None:
    provider, client, _ = demo()
    started, code = sign_in_at_provider(provider, client, level="1")
    with pytest.raises(vneid.LevelInsufficientError):
        client.identity(client.exchange(code, started.verifier), started.nonce)


def test_the_code_is_single_use_and_bound_to_the_pkce_verifier() -> None:
    provider, client, _ = demo()
    started, code = sign_in_at_provider(provider, client)
    with pytest.raises(vneid.VneidCodeInvalidError):
        client.exchange(code, "another-verifier")
    started, code = sign_in_at_provider(provider, client)
    client.exchange(code, started.verifier)
    with pytest.raises(vneid.VneidCodeInvalidError):
        client.exchange(code, started.verifier)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"aud": "another-client"}, vneid.TokenAudienceInvalidError),
        ({"aud": ["bhxh-dichvucong", "another"]}, vneid.TokenAudienceInvalidError),  # several, no azp
        ({"iss": "https://evil.example"}, vneid.TokenIssuerInvalidError),
        ({"exp": int(time.time()) - 120}, vneid.TokenExpiredError),
        ({"iat": int(time.time()) + 600}, vneid.TokenNotYetValidError),
        ({"nonce": "a-replayed-nonce"}, vneid.TokenNonceInvalidError),
        ({"nonce": None}, vneid.TokenNonceInvalidError),
        ({"personal_id": None}, vneid.TokenClaimsMissingError),
        ({"exp": None}, vneid.TokenClaimsMissingError),
        ({"identity_level": "1"}, vneid.LevelInsufficientError),
    ],
)
def test_hostile_claims_are_refused(change: dict[str, Any], problem: type[Exception]) -> None:
    provider, client, _ = demo()
    with pytest.raises(problem):
        client.identity(signed(provider, claims("n-1", **change)), "n-1")


def test_a_small_clock_skew_is_tolerated() -> None:
    provider, client, _ = demo()
    late = claims("n-1", exp=int(time.time()) - 30, iat=int(time.time()) - 330)
    assert client.identity(signed(provider, late), "n-1").personal_id == AN_ID


def test_a_bad_signature_is_refused() -> None:
    provider, client, _ = demo()
    forged = RSAKey.generate_key(2048, parameters={"kid": str(provider.key.kid)})  # the provider's kid, another key
    with pytest.raises(vneid.TokenSignatureInvalidError):
        client.identity(signed(provider, claims("n-1"), key=forged), "n-1")
    header, payload, signature = signed(provider, claims("n-1")).split(".")
    tampered = b64json(claims("n-1", personal_id="001089020747"))
    with pytest.raises(vneid.TokenSignatureInvalidError):
        client.identity(f"{header}.{tampered}.{signature}", "n-1")
    assert payload


def test_alg_none_and_hmac_are_refused() -> None:
    provider, client, _ = demo()
    unsigned = f"{b64json({'alg': 'none', 'kid': provider.key.kid})}.{b64json(claims('n-1'))}."
    with pytest.raises(vneid.TokenAlgorithmRefusedError):
        client.identity(unsigned, "n-1")
    hs = f"{b64json({'alg': 'HS256', 'kid': provider.key.kid})}.{b64json(claims('n-1'))}.c2lnbmF0dXJl"
    with pytest.raises(vneid.TokenAlgorithmRefusedError):
        client.identity(hs, "n-1")


def test_a_key_the_jwks_does_not_have_is_refused_after_one_refetch() -> None:
    provider, client, fetch = demo()
    stranger = RSAKey.generate_key(2048, parameters={"kid": "not-in-the-jwks"})
    client.key_set()
    with pytest.raises(vneid.TokenKeyUnknownError):
        client.identity(signed(provider, claims("n-1"), key=stranger), "n-1")
    assert fetch.calls.count("/jwks") == 1  # fetched within the last minute: not again


def test_rotated_keys_are_fetched_again_once() -> None:
    provider, client, fetch = demo()
    now = [time.time()]
    client._clock = lambda: now[0]
    client.key_set()
    provider.key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"})  # the provider rotates
    provider.key.ensure_kid()
    now[0] += 120
    assert client.identity(signed(provider, claims("n-1")), "n-1").personal_id == AN_ID
    assert fetch.calls.count("/jwks") == 2


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c", "x" * 20_000])
def test_garbage_is_malformed(token: str) -> None:
    _, client, _ = demo()
    with pytest.raises(vneid.VneidError) as caught:
        client.identity(token, "n-1")
    assert caught.value.code in ("vneid_token_malformed", "vneid_token_algorithm_refused")


def test_the_demo_provider_refuses_to_run_outside_the_local_stage() -> None:
    from local.vneid_idp import start

    with pytest.raises(RuntimeError, match="local stage"):
        start("127.0.0.1", 0, client_id="c", client_secret="s", stage="prod")


def test_a_client_secret_in_the_environment_counts_only_in_the_local_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.config import load_settings

    monkeypatch.setenv("BHXH_VNEID_CLIENT_SECRET", "from-the-environment")
    monkeypatch.setenv("BHXH_STAGE", "local")
    assert load_settings().vneid_client_secret == "from-the-environment"
    monkeypatch.setenv("BHXH_STAGE", "prod")
    assert load_settings().vneid_client_secret == ""  # deployed stages read the SSM parameter only
