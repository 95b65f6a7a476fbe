"""VNeID (issue 14): DynamoDB requests per registration, and the ID token check against a bare
joserfc verify of the same token.

* ``dynamodb_requests_per_vneid_registration``: people of the demo registry register through the
  real use cases (``start_vneid`` then ``complete_vneid``) on moto in-process, the demo provider
  answering in-process (its HTTP is not DynamoDB); every DynamoDB request of both is counted at
  botocore. Target <= 4: the state put, the state taken back, the registry query, the decision's
  transaction.
* ``vneid_token_check_ratio``: the relying party's whole check of one ID token (``OidcClient.identity``
  with its cached key set: signature, every claim, nonce, level) against a bare
  ``joserfc.jwt.decode`` + ``JWTClaimsRegistry.validate`` of the same token with the same key,
  interleaved, best of several rounds: bare / ours (>= 0.8: the checks cost little beyond the
  signature)."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .api_calls import ApiCalls, _operations, _service
from .env import IN_PROCESS_AWS, patched_env
from .report import Figure, Target

REGISTRATIONS = 30
TOKEN_ROUNDS = 7
TOKEN_CHECKS = 200


def _registrations(quick: bool) -> tuple[list[int], dict[str, int], dict[str, int]]:
    import boto3
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.config import load_settings
    from chalicelib.domain.participant import Participant
    from chalicelib.services.vneid_sign_in import complete_vneid, start_vneid
    from chalicelib.vneid.oidc import OidcClient, ProviderConfig
    from local.demo_data import demo_offices
    from local.resources import create_all
    from local.vneid_idp import DemoProvider, load_people
    from tests.vneid import CLIENT_ID, ISSUER, REDIRECT, SECRET, InProcess

    people = list(load_people().values())[: 10 if quick else REGISTRATIONS]
    per_registration: list[int] = []
    outcomes: Counter[str] = Counter()
    calls_all: list[Counter[tuple[str, str]]] = []
    with patched_env(IN_PROCESS_AWS, remove=("AWS_ENDPOINT_URL", "AWS_PROFILE")), mock_aws():
        settings = load_settings()
        create_all(settings, boto3.session.Session())
        deps = bootstrap.Container(settings)
        deps.offices.put_many(demo_offices())
        deps.registry.put_many(Participant(**row) for row in load_people().values())
        provider = DemoProvider(ISSUER, CLIENT_ID, SECRET, load_people())
        config = ProviderConfig(ISSUER, CLIENT_ID, lambda: SECRET, REDIRECT)
        deps.__dict__["vneid"] = OidcClient(config, fetch=InProcess(provider))
        deps.vneid.start()  # discovery fetched once a process, as on Lambda
        deps.offices.get("BHXH-01")  # the office cache is warm, as on a warm Lambda
        bootstrap.override(deps)
        try:
            counter = ApiCalls()
            with counter.installed():
                for person in people:
                    before = counter.snapshot()
                    started = start_vneid(deps, {"purpose": "register", "office_code": "BHXH-01"}, datetime.now(UTC))
                    query = dict(parse_qsl(urlsplit(started.authorization_url).query))
                    back = provider.authorize(query, person["id_number"], "2")  # the person at VNeID
                    answer = dict(parse_qsl(urlsplit(back).query))
                    outcome = complete_vneid(deps, answer, datetime.now(UTC))
                    outcomes[getattr(outcome, "status", "signed_in")] += 1
                    spent = counter.since(before)
                    calls_all.append(spent)
                    per_registration.append(_service(spent, "dynamodb"))
        finally:
            bootstrap.override(None)
    return per_registration, dict(outcomes), _operations(calls_all)


def _token_timing(quick: bool) -> dict[str, Any]:
    from joserfc import jwt

    from tests.vneid import claims, demo, signed

    provider, client, _ = demo()
    token = signed(provider, claims("bench-nonce"))
    keys = client.key_set()
    client.identity(token, "bench-nonce")  # warm: key set cached, as on a warm Lambda

    def bare() -> None:
        decoded = jwt.decode(token, keys, algorithms=["RS256"])
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
        ).validate(decoded.claims)

    def ours() -> None:
        client.identity(token, "bench-nonce")

    checks = 50 if quick else TOKEN_CHECKS
    bare_runs: list[float] = []
    our_runs: list[float] = []
    for _ in range(3 if quick else TOKEN_ROUNDS):
        for runs, check in ((bare_runs, bare), (our_runs, ours)):
            started = time.perf_counter()
            for _ in range(checks):
                check()
            runs.append((time.perf_counter() - started) / checks)
    return {
        "bare_ms": min(bare_runs) * 1000,
        "ours_ms": min(our_runs) * 1000,
        "bare_median_ms": statistics.median(bare_runs) * 1000,
        "ours_median_ms": statistics.median(our_runs) * 1000,
        "checks_per_round": checks,
        "rounds": len(bare_runs),
    }


def run(quick: bool) -> list[Figure]:
    per_registration, outcomes, operations = _registrations(quick)
    timing = _token_timing(quick)
    return [
        Figure(
            "dynamodb_requests_per_vneid_registration",
            statistics.fmean(per_registration),
            "requests",
            2,
            target=Target("<=", 4),
            details={
                "registrations": len(per_registration),
                "max": max(per_registration),
                "outcomes": outcomes,
                "operations": operations,
                "counted": "start_vneid + complete_vneid (state put, state taken back, registry query, "
                "the decision's transaction); the provider in-process, its discovery and keys cached",
            },
        ),
        Figure(
            "vneid_token_check_ratio",
            timing["bare_ms"] / timing["ours_ms"],
            "x",
            3,
            target=Target(">=", 0.8),
            details={
                **timing,
                "compared": "OidcClient.identity (signature, iss, aud, exp/iat, nonce, level, claims) vs "
                "joserfc jwt.decode + JWTClaimsRegistry(iss, aud) of the same RS256 token, same key",
            },
        ),
    ]
