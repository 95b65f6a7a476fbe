"""End to end, the signed channel as the README shows it: `python -m local`
makes a demo CA and a signer certificate for a seeded participant,
`python -m ops sign-form01` signs their Form 01, the API approves it, and the
worker delivers the SMS with the username and temporary password."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.test_local_stack import free_port

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / ".e2e-signed-stack.log"
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack() -> Iterator[dict[str, Any]]:
    api_port, emulator_port = free_port(), free_port()
    pki_dir = Path(tempfile.mkdtemp(prefix="bhxh-e2e-pki-"))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "BHXH_", "POWERTOOLS_"))}
    env.update(
        {
            "BHXH_API_PORT": str(api_port),
            "BHXH_EMULATOR_PORT": str(emulator_port),
            "BHXH_LOCAL_PKI_DIR": str(pki_dir),
            "PYTHONUNBUFFERED": "1",
        }
    )
    log = LOG.open("w")
    process = subprocess.Popen([sys.executable, "-m", "local"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{api_port}"
    started = time.monotonic()
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"local stack exited early: {LOG.read_text()[-2000:]}")
            try:
                if requests.get(f"{api}/v1/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() - started > 60:
                pytest.fail("the API did not answer /v1/health within 60 s")
            time.sleep(0.3)
        yield {"api": api, "emulator": f"http://127.0.0.1:{emulator_port}", "env": env, "pki": pki_dir}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        import shutil

        shutil.rmtree(pki_dir, ignore_errors=True)


def sms_to(stack: dict[str, Any], phone: str) -> list[str]:
    data = requests.get(f"{stack['emulator']}/moto-api/data.json", timeout=5).json()
    return [m["message"] for m in data.get("sns", {}).get("SMS", []) if m["phone_number"] == phone]


def sign(stack: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """The demo participant's Form 01 and its signed XML, as the README does it."""
    pki: Path = stack["pki"]
    form_path = pki / "form01-demo.json"
    person = json.loads(form_path.read_text(encoding="utf-8"))
    signed = pki / f"signed-{time.monotonic_ns()}.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ops",
            "sign-form01",
            str(form_path),
            "--key",
            str(pki / "signer-key.pem"),
            "--cert",
            str(pki / "signer-chain.pem"),
            "--out",
            str(signed),
        ],
        cwd=ROOT,
        env=stack["env"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
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

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not sms_to(stack, person["phone"]):
        time.sleep(0.5)
    messages = sms_to(stack, person["phone"])
    assert len(messages) == 1, messages
    found = re.search(r"TK: (\d{10}) MK tam: (\S+)", messages[0])
    assert found and found.group(1) == person["bhxh_code"]
    signed_in = requests.post(
        f"{stack['api']}/v1/auth/login",
        json={"username": person["bhxh_code"], "password": found.group(2)},
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
