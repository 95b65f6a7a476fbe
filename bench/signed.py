"""Signed channel: verifications per second of our full check against bare
signxml on the same document in the same run, and DynamoDB requests per
signed submission through the real container (moto in-process)."""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .api_calls import ApiCalls, _operations, _service
from .data import OFFICE_CODE, office_forms
from .env import IN_PROCESS_AWS, patched_env
from .report import Figure, Target

RATIO_TARGET = Target(">=", 0.8)
REQUESTS_TARGET = Target("<=", 4)


class Pki:
    """Root (the only trust anchor) -> licensed CA -> signer: a 3-certificate
    chain, RSA-2048 and SHA-256 throughout, as Vietnamese licensed CAs issue."""

    def __init__(self, directory: Path, now: datetime) -> None:
        from local.demo_pki import new_crl, new_intermediate, new_key, new_root

        self.now = now
        self.root = new_root(now)
        self.intermediate = new_intermediate(self.root, now)
        self.key = new_key()  # one key for every bench signer: key generation is not what is measured
        self.trust_store = directory / "trust-store"
        self.trust_store.mkdir()
        (self.trust_store / "root.pem").write_bytes(self.root.cert_pem)
        (self.trust_store / "root.crl").write_bytes(new_crl(self.root, now))
        (self.trust_store / "licensed-ca.crl").write_bytes(new_crl(self.intermediate, now))

    def sign(self, body: dict[str, Any]) -> bytes:
        from chalicelib.signatures.signing import sign_form01
        from local.demo_pki import new_signer

        document = body["id_document"]
        signer = new_signer(
            self.intermediate, self.now, key=self.key, full_name=body["full_name"], uid=f"CCCD:{document['number']}"
        )
        return sign_form01(body, signer.key_pem, signer.cert_pem + self.intermediate.cert_pem)


def _rate(check: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        check()
    return count / (time.perf_counter() - started)


def verification_figures(pki: Pki, document: bytes, quick: bool) -> list[Figure]:
    from signxml.verifier import XMLVerifier

    from chalicelib.domain.form01 import parse_form01
    from chalicelib.signatures.identity import check_form_signer, check_signer
    from chalicelib.signatures.verifier import SignedFormVerifier

    verifier = SignedFormVerifier(str(pki.trust_store), revocation_mode="hard-fail")
    anchor = str(pki.trust_store / "root.pem")

    def ours() -> None:
        verified = verifier.verify(document, pki.now)
        declared = verified.content["id_document"]
        check_signer(declared["type"], declared["number"], verified.signer)

    def with_form_validation() -> None:
        verified = verifier.verify(document, pki.now)
        check_form_signer(parse_form01(verified.content, today=pki.now.date()), verified.signer)

    def bare() -> None:
        # What signxml does on its own: digests, signature value, and the
        # X509Data chain to the same anchor (its default, with ca_pem_file).
        XMLVerifier().verify(document, ca_pem_file=anchor)

    rounds, count = (3, 100) if quick else (6, 300)
    ours()
    bare()  # warm-up: imports, the trust store, the parsers
    our_rates: list[float] = []
    bare_rates: list[float] = []
    form_rates: list[float] = []
    with_form_validation()
    for index in range(rounds):
        order = [(ours, our_rates), (bare, bare_rates), (with_form_validation, form_rates)]
        if index % 2:
            order.reverse()
        for check, rates in order:
            rates.append(_rate(check, count))
    ours_per_s = statistics.median(our_rates)
    bare_per_s = statistics.median(bare_rates)
    details = {
        "rounds": rounds,
        "per_round": count,
        "document_bytes": len(document),
        # For comparison only: the same plus the Form 01 field rules of the JSON channel.
        "with_form_validation_per_s": statistics.median(form_rates),
    }
    return [
        Figure("signed_verifications_per_s", ours_per_s, "verifications/s", decimals=0, details=details),
        Figure("signxml_bare_verifications_per_s", bare_per_s, "verifications/s", decimals=0, details=details),
        Figure(
            "signed_verify_ratio",
            ours_per_s / bare_per_s,
            "x",
            target=RATIO_TARGET,
            details={"ours": our_rates, "signxml": bare_rates},
        ),
    ]


def request_figures(pki: Pki, quick: bool) -> list[Figure]:
    import boto3
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.config import load_settings
    from chalicelib.domain.errors import DomainError
    from chalicelib.domain.participant import Participant
    from chalicelib.services.submit_signed_declaration import submit_signed_declaration
    from chalicelib.signatures.verifier import SignedFormVerifier
    from local.demo_data import demo_offices
    from local.resources import create_all

    people = office_forms(10 if quick else 30)
    documents = [pki.sign(body) for body in people]
    approvals: list[Counter[tuple[str, str]]] = []
    rejections: list[Counter[tuple[str, str]]] = []
    replays: list[Counter[tuple[str, str]]] = []
    refusals: list[Counter[tuple[str, str]]] = []
    with patched_env(IN_PROCESS_AWS, remove=("AWS_ENDPOINT_URL", "AWS_PROFILE")), mock_aws():
        settings = load_settings()
        create_all(settings, boto3.session.Session())
        deps = bootstrap.Container(settings, clock=lambda: pki.now)
        deps.__dict__["signatures"] = SignedFormVerifier(str(pki.trust_store))
        deps.offices.put_many([o for o in demo_offices() if o.office_code in (OFFICE_CODE, "BHXH-79")])
        deps.offices.get(OFFICE_CODE)  # the office cache is warm in a running Lambda
        # Everyone in the registry but the last three: those are rejected (not found).
        deps.registry.put_many(
            Participant(
                body["bhxh_code"],
                body["full_name"],
                body["date_of_birth"],
                body["gender"],
                body["id_document"]["number"],
                body["phone"],
                OFFICE_CODE[-2:],
            )
            for body in people[:-3]
        )
        bootstrap.override(deps)
        try:
            calls = ApiCalls()
            with calls.installed():
                for index, document in enumerate(documents):
                    before = calls.snapshot()
                    outcome = submit_signed_declaration(deps, document, pki.now, trace_id="bench")
                    (approvals if outcome.declaration.status == "approved" else rejections).append(calls.since(before))
                    if index < 3:  # a replayed document: answered with its first decision
                        before = calls.snapshot()
                        assert submit_signed_declaration(deps, document, pki.now, trace_id="bench").replayed
                        replays.append(calls.since(before))
                for document in documents[:5]:
                    before = calls.snapshot()
                    with contextlib.suppress(DomainError):
                        submit_signed_declaration(deps, document.replace(b"<gender>", b"<gender>x", 1), pki.now)
                    refusals.append(calls.since(before))
        finally:
            bootstrap.override(None)
    per_approval = [_service(c, "dynamodb") for c in approvals]
    per_rejection = [_service(c, "dynamodb") for c in rejections]
    per_replay = [_service(c, "dynamodb") for c in replays]
    per_refusal = [_service(c, "dynamodb") for c in refusals]
    every = per_approval + per_rejection + per_replay + per_refusal
    return [
        Figure(
            "dynamodb_requests_per_signed_submission",
            statistics.fmean(per_approval),
            "requests",
            target=REQUESTS_TARGET,
            details={
                "approvals": len(per_approval),
                "approval_operations": _operations(approvals),
                "max_any_outcome": max(every),
                "rejections_mean": statistics.fmean(per_rejection),
                "rejection_operations": _operations(rejections),
                "replays_mean": statistics.fmean(per_replay),
                "replay_operations": _operations(replays),
                "refusals_mean": statistics.fmean(per_refusal),
                "refusal_operations": _operations(refusals),
            },
        ),
        Figure(
            "dynamodb_requests_per_signed_submission_max",
            max(every),
            "requests",
            decimals=0,
            target=REQUESTS_TARGET,
            details={
                "approved": max(per_approval),
                "rejected": max(per_rejection),
                "replayed": max(per_replay),
                "refused": max(per_refusal),
            },
        ),
    ]


def run(quick: bool) -> list[Figure]:
    from chalicelib.observability import logger

    now = datetime.now(UTC)
    level = logger.log_level
    logger.setLevel("WARNING")  # stdout carries only the figures
    try:
        with tempfile.TemporaryDirectory(prefix="bhxh-bench-pki-") as directory:
            pki = Pki(Path(directory), now)
            typical = pki.sign(office_forms(1)[0])
            return [*verification_figures(pki, typical, quick), *request_figures(pki, quick)]
    finally:
        logger.setLevel(level)
