"""The local stack of `make run` (`python -m local`) in a subprocess, for the
end-to-end tests: free ports, its log in a file, up when /v1/health answers,
stopped with Ctrl-C (SIGINT) afterwards. ``web`` is the portal's URL (same origin
as the API through its /v1 proxy)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.builders import form

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_stack(log_path: Path, **extra_env: str) -> Iterator[dict[str, Any]]:
    api_port, emulator_port, web_port, idp_port = free_port(), free_port(), free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "BHXH_", "POWERTOOLS_"))}
    env.update(
        {
            "BHXH_API_PORT": str(api_port),
            "BHXH_EMULATOR_PORT": str(emulator_port),
            "BHXH_WEB_PORT": str(web_port),
            "BHXH_IDP_PORT": str(idp_port),
            "PYTHONUNBUFFERED": "1",
        },
        **extra_env,
    )
    log = log_path.open("w")
    process = subprocess.Popen([sys.executable, "-m", "local"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{api_port}"
    started = time.monotonic()
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"local stack exited early: {log_path.read_text()[-2000:]}")
            try:
                if requests.get(f"{api}/v1/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() - started > 60:
                pytest.fail("the API did not answer /v1/health within 60 s")
            time.sleep(0.3)
        yield {
            "api": api,
            "emulator": f"http://127.0.0.1:{emulator_port}",
            "web": f"http://127.0.0.1:{web_port}",
            "idp": f"http://127.0.0.1:{idp_port}",
            "env": env,
            "process": process,
            "startup_seconds": time.monotonic() - started,
        }
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def sms_to(stack: dict[str, Any], phone: str) -> list[str]:
    """SMS the emulator says were sent to ``phone``."""
    data = requests.get(f"{stack['emulator']}/moto-api/data.json", timeout=5).json()
    return [m["message"] for m in data.get("sns", {}).get("SMS", []) if m["phone_number"] == phone]


def wait_for_sms(stack: dict[str, Any], phone: str, marker: str = "", seconds: float = 30) -> list[str]:
    """The SMS to ``phone`` that contain ``marker``, as soon as there is one (or, after ``seconds``, none)."""
    deadline = time.monotonic() + seconds
    while not (found := [m for m in sms_to(stack, phone) if marker in m]) and time.monotonic() < deadline:
        time.sleep(0.3)
    return found


DEMO_PARTICIPANTS = ROOT / "local" / "demo-participants.csv"


def demo_form(bhxh_code: str, **changes: Any) -> dict[str, Any]:
    """Form 01 of a demo registry participant (local/demo-participants.csv), declared as the registry
    knows them (phone in national form), with ``changes`` (e.g. their email) on top."""
    import csv

    with DEMO_PARTICIPANTS.open(encoding="utf-8", newline="") as rows:
        row = next(row for row in csv.DictReader(rows) if row["bhxh_code"] == bhxh_code)
    person = {key: row[key] for key in ("full_name", "date_of_birth", "gender", "bhxh_code", "id_number")}
    return form(**person, phone="0" + row["phone"].removeprefix("+84"), **changes)


# A demo participant for the office channel, and a password the policy takes.
NGA = demo_form("1184011129", email="nga@example.vn")
STRONG = "Cây tre xanh bên dòng sông quê"


@contextmanager
def local_stack_with_pki(log_path: Path, prefix: str = "bhxh-e2e-pki-") -> Iterator[dict[str, Any]]:
    """The local stack with its demo CA and signer in a temporary folder (``stack["pki"]``)."""
    pki_dir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        with local_stack(log_path, BHXH_LOCAL_PKI_DIR=str(pki_dir)) as running:
            yield {**running, "pki": pki_dir}
    finally:
        shutil.rmtree(pki_dir, ignore_errors=True)


def run_ops(stack: dict[str, Any], *args: str, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    """``python -m ops ARGS`` against the stack, as an operator would run it (wide output)."""
    return subprocess.run(
        [sys.executable, "-m", "ops", *args],
        cwd=ROOT,
        env={**stack["env"], "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def module_stack(log_path: Path, *, pki: bool = False) -> Any:
    """A module-scoped ``stack`` fixture: one local stack (with the demo PKI when ``pki``)
    for all the tests of the module that assigns it (``stack = module_stack(LOG)``)."""

    @pytest.fixture(scope="module")
    def stack() -> Iterator[dict[str, Any]]:
        with local_stack_with_pki(log_path) if pki else local_stack(log_path) as running:
            yield running

    return stack
