"""End to end, the signed channel as the README shows it: `python -m local`
makes a demo CA and a signer certificate for a seeded participant,
`python -m ops sign-form01` signs their Form 01, the API approves it, and the
worker delivers the SMS with the username and temporary password."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.stack import ROOT, module_stack, run_ops, wait_for_sms

LOG = ROOT / ".e2e-signed-stack.log"
pytestmark = pytest.mark.e2e


stack = module_stack(LOG, pki=True)


def sign(stack: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """The demo participant's Form 01 and its signed XML, as the README does it."""
    pki: Path = stack["pki"]
    form_path = pki / "form01-demo.json"
    person = json.loads(form_path.read_text(encoding="utf-8"))
    signed = pki / f"signed-{time.monotonic_ns()}.xml"
    done = run_ops(
        stack,
        "sign-form01",
        str(form_path),
        "--key",
        str(pki / "signer-key.pem"),
        "--cert",
        str(pki / "signer-chain.pem"),
        "--out",
        str(signed),
    )
    assert done.returncode == 0, done.stderr
    return person, signed.read_bytes()


def test_signed_submission_is_approved_and_the_password_arrives_by_sms(stack: dict[str, Any]) -> None:
    banner = LOG.read_text(encoding="utf-8")
    assert "python -m ops sign-form01" in banner and str(stack["pki"] / "signer-key.pem") in banner
    person, signed = sign(stack)

    response = requests.post(
        f"{stack['api']}/v1/declarations/signed",
        data=signed,
        headers={"Content-Type": "application/xml"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "approved"

    messages = wait_for_sms(stack, person["phone"])
    assert len(messages) == 1, messages
    found = re.search(r"TK: (\d{12}) MK tam: (\S+)", messages[0])
    assert found and found.group(1) == person["id_document"]["number"]  # the CCCD number names the account
    signed_in = requests.post(
        f"{stack['api']}/v1/auth/login",
        json={"username": found.group(1), "password": found.group(2)},
        timeout=30,
    )
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["password_change_required"] is True


def test_tampered_submission_is_refused_without_any_sms(stack: dict[str, Any]) -> None:
    _, signed = sign(stack)
    tampered = signed.replace(b"<gender>", b"<gender>x", 1)
    response = requests.post(
        f"{stack['api']}/v1/declarations/signed",
        data=tampered,
        headers={"Content-Type": "application/xml"},
        timeout=30,
    )
    assert (response.status_code, response.json()["code"]) == (422, "signature_invalid")
    assert response.headers["Content-Type"].startswith("application/problem+json")
    schema = requests.get(f"{stack['api']}/v1/form01.xsd", timeout=10)
    assert schema.status_code == 200 and b"urn:vn:bhxh:form01:v1" in schema.content
