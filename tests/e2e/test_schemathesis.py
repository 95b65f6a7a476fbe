"""An independent client against the local stack: schemathesis (pinned in
requirements-dev.txt) reads the served /v1/openapi.json and drives every
operation anonymously and with a session of each role (citizen, officer,
supervisor, reporter), with the checks not_a_server_error,
response_schema_conformance, content_type_conformance and
status_code_conformance, at least 25 examples per operation, once with a fixed
seed (reproducible) and once with a random seed (printed). Any finding fails."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.stack import ROOT, demo_form, local_stack, run_ops, wait_for_sms
from tests.id_copies import keep_copy, via_http

LOG = ROOT / ".e2e-schemathesis-stack.log"
pytestmark = pytest.mark.e2e

CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance,status_code_conformance"
EXAMPLES = 25
FIXED_SEED = 18
NEW_PASSWORD = "Cây tre xanh bên dòng sông quê"


def _banner_credentials(label: str) -> tuple[str, str]:
    found = re.search(rf"{label} \.+ username (\d{{10}}), temporary password (\S+)", LOG.read_text(encoding="utf-8"))
    assert found, f"{label} not in the stack's banner"
    username, password = found.groups()
    return username, password


def _session(api: str, username: str, password: str) -> str:
    """Sign in, change the temporary password, sign in again: a full (unrestricted) session."""
    first = requests.post(f"{api}/v1/auth/login", json={"username": username, "password": password}, timeout=10)
    assert first.status_code == 200, first.text
    token = first.json()["token"]
    changed = requests.post(
        f"{api}/v1/auth/password",
        json={"current_password": password, "new_password": NEW_PASSWORD},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert changed.status_code == 204, changed.text
    again = requests.post(f"{api}/v1/auth/login", json={"username": username, "password": NEW_PASSWORD}, timeout=10)
    assert again.status_code == 200 and again.json()["password_change_required"] is False, again.text
    return str(again.json()["token"])


def _supervisor(stack: dict[str, Any]) -> tuple[str, str]:
    created = run_ops(
        stack, "create-officer", "--bhxh-code", "0100000003", "--full-name", "Giám Sát Viên Minh Họa",
        "--phone", "0912000003", "--id-number", "001080000003", "--office", "BHXH-01", "--role", "supervisor",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    found = re.search(r"temporary password \(shown once[^)]*\): (\S+)", created.stdout)
    assert found, created.stdout
    return "0100000003", found.group(1)


def _citizen(stack: dict[str, Any], officer: str) -> tuple[str, str]:
    """A demo participant declares online; the officer receives and approves; the SMS carries the password."""
    api, headers = stack["api"], {"Authorization": f"Bearer {officer}"}
    body = demo_form("0428456566", email=None, office_code="BHXH-01")
    created = requests.post(f"{api}/v1/declarations", json=body, timeout=10)
    assert created.status_code == 201, created.text
    declaration = created.json()["id"]
    document = {"document_type": "cccd", "document_number": "045182745141"}
    received = requests.post(f"{api}/v1/declarations/{declaration}/receive", json=document, headers=headers, timeout=10)
    assert received.status_code == 200, received.text
    keep_copy(via_http(api, headers), declaration)
    approved = requests.post(f"{api}/v1/declarations/{declaration}/approve", json={}, headers=headers, timeout=10)
    assert approved.status_code == 200, approved.text
    (sms,) = wait_for_sms(stack, "+84880014760", "MK tam")
    return "0428456566", sms.split("MK tam: ")[1].split(" ")[0]


@pytest.fixture(scope="module")
def stack_and_tokens() -> Iterator[tuple[dict[str, Any], dict[str, str | None]]]:
    with local_stack(LOG) as stack:
        api = stack["api"]
        officer = _session(api, *_banner_credentials("demo officer"))
        tokens: dict[str, str | None] = {
            "anonymous": None,
            "officer": officer,
            "reporter": _session(api, *_banner_credentials("demo reporter")),
            "supervisor": _session(api, *_supervisor(stack)),
            "citizen": _session(api, *_citizen(stack, officer)),
        }
        yield stack, tokens


def _operation_ids(role: str) -> list[str]:
    """The operations a role's session may call (all others are refused by the gateway, tested
    elsewhere); anonymous: the public ones. Signing out is left out: it would end the session."""
    from chalicelib.domain.account import allowed_routes

    spec = json.loads((ROOT / "chalicelib" / "openapi.json").read_text(encoding="utf-8"))
    allowed = {} if role == "anonymous" else allowed_routes((role,), False)
    chosen = []
    for path, item in spec["paths"].items():
        pattern = re.sub(r"\{[^}]+\}", "*", path)
        for method, operation in item.items():
            if not isinstance(operation, dict) or "operationId" not in operation or path == "/v1/auth/logout":
                continue
            public = "security" not in operation
            if (role == "anonymous" and public) or method.upper() in allowed.get(pattern, ()):
                chosen.append(operation["operationId"])
    return chosen


def _run(stack: dict[str, Any], role: str, token: str | None, seed: int) -> dict[str, Any]:
    command = [
        str(Path(sys.executable).parent / "st"), "run", f"{stack['api']}/v1/openapi.json",
        "--url", stack["api"], "--checks", CHECKS, "--max-examples", str(EXAMPLES), "--seed", str(seed),
        "--phases", "examples,fuzzing", "--mode", "positive", "--workers", "2",
        "--generation-database", "none", "--request-timeout", "10", "--no-color",
    ]  # fmt: skip
    for operation_id in _operation_ids(role):
        command += ["--include-operation-id", operation_id]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    found = re.search(r"Test cases:\s+(\d+) generated", done.stdout)
    return {"returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr, "cases": found and found[1]}


@pytest.mark.parametrize("role", ["anonymous", "citizen", "officer", "supervisor", "reporter"])
def test_schemathesis_finds_nothing(stack_and_tokens: Any, role: str) -> None:
    stack, tokens = stack_and_tokens
    random_seed = random.SystemRandom().randrange(2**31)
    for seed in (FIXED_SEED, random_seed):
        result = _run(stack, role, tokens[role], seed)
        summary = result["stdout"][-3000:]
        print(f"schemathesis {role} seed={seed}: {result['cases']} cases\n{summary}")
        assert result["returncode"] == 0, (
            f"schemathesis ({role}, seed {seed}) found problems:\n{summary}{result['stderr'][-2000:]}"
        )


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "code"),
    [
        ("TRACE", "/v1/health", {}, 405, "method_not_allowed"),
        ("PROPFIND", "/v1/health", {}, 405, "method_not_allowed"),
        ("DELETE", "/v1/me", {}, 405, "method_not_allowed"),
        ("GET", "/v1/nowhere", {}, 404, "route_not_found"),
        ("GET", "/v1/me", {}, 401, "unauthenticated"),
        ("GET", "/v1/me", {"Authorization": "Bearer garbled"}, 403, "session_invalid"),
        ("POST", "/v1/auth/login", {"Content-Length": str(10 * 1024 * 1024 + 1)}, 413, "body_too_large"),
    ],
)
def test_local_server_answers_gateway_problems(
    stack_and_tokens: Any, method: str, path: str, headers: dict[str, str], status: int, code: str
) -> None:
    """Over HTTP, as a caller of the local stack sees them (no HTML 501 page)."""
    import http.client

    stack, _ = stack_and_tokens
    host, port = stack["api"].removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request(method, path, headers=headers)  # a Content-Length with no body: refused unread
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    assert (response.status, body["code"], body["status"]) == (status, code, status)
    assert response.getheader("Content-Type") == "application/problem+json; charset=utf-8"
    assert response.getheader("Content-Language") == "vi"
