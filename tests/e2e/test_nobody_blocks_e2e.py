"""End to end on the local stack (`make run`), issue 17 finding 1: a stranger
declares in a demo participant's name; the participant still registers, the
officer finds the stranger's entry by the participant's real ID number, the
approval cancels it, and only the phone the registry holds is told."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests

from tests.e2e.stack import NGA, ROOT, STRONG, module_stack, sms_to
from tests.id_copies import keep_copy, via_http

LOG = ROOT / ".e2e-nobody-blocks.log"
pytestmark = pytest.mark.e2e

REGISTRY_PHONE = "+84358977616"
STRANGER_PHONE = "+84987000111"


stack = module_stack(LOG)


def officer_headers(api: str) -> dict[str, str]:
    """The demo officer (its temporary password from the stack's banner), past the first change."""
    banner = LOG.read_text(encoding="utf-8")
    found = re.search(r"demo officer \.+ username (\d{10}), temporary password (\S+)", banner)
    assert found, banner[-2000:]
    username, temporary = found.groups()
    token = requests.post(f"{api}/v1/auth/login", json={"username": username, "password": temporary}, timeout=10)
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    change = {"current_password": temporary, "new_password": STRONG}
    assert requests.post(f"{api}/v1/auth/password", json=change, headers=headers, timeout=10).status_code == 204
    return headers


def wait_for(predicate: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.5)


def test_a_stranger_cannot_block_the_real_person(stack: dict[str, Any]) -> None:
    api = stack["api"]
    stranger = {
        **NGA,
        "full_name": "Trần Văn Giả",
        "date_of_birth": "1990-01-01",
        "gender": "male",
        "phone": "0987000111",
        "email": "gia@example.vn",
    }
    stranger["id_document"] = {**NGA["id_document"], "number": "001090123456"}
    blocking = requests.post(f"{api}/v1/declarations", json=stranger, timeout=10)
    assert blocking.status_code == 201, blocking.text

    real = requests.post(f"{api}/v1/declarations", json=NGA, timeout=10)
    assert real.status_code == 201, real.text  # was 409 open_declaration_exists
    assert set(real.json()) == set(blocking.json())

    officer = officer_headers(api)
    found = requests.post(
        f"{api}/v1/declarations/lookup", json={"id_number": "072197806072"}, headers=officer, timeout=10
    )
    assert found.status_code == 200, found.text
    ids = {item["id"]: item["status"] for item in found.json()["items"]}
    assert ids == {blocking.json()["id"]: "awaiting_office", real.json()["id"]: "awaiting_office"}  # was []

    real_id = real.json()["id"]
    received = requests.post(
        f"{api}/v1/declarations/{real_id}/receive",
        headers=officer,
        timeout=10,
        json={"document_type": "cccd", "document_number": "072197806072"},
    )
    assert received.status_code == 200, received.text
    keep_copy(via_http(api, officer), real_id)
    approved = requests.post(f"{api}/v1/declarations/{real_id}/approve", json={}, headers=officer, timeout=10)
    assert approved.status_code == 200, approved.text

    def statuses() -> dict[str, str]:
        after = requests.post(
            f"{api}/v1/declarations/lookup", json={"id_number": "072197806072"}, headers=officer, timeout=10
        )
        return {item["id"]: item["status"] for item in after.json()["items"]}

    # The notice worker cancels the stranger's declaration (the approval's queued task) within seconds.
    wait_for(lambda: statuses()[blocking.json()["id"]] == "cancelled")
    assert statuses() == {blocking.json()["id"]: "cancelled", real_id: "approved"}

    # The registry's phone was told of the declaration in her name (once) and got her password;
    # the number the stranger typed got nothing.
    wait_for(lambda: any("MK tam" in m for m in sms_to(stack, REGISTRY_PHONE)))
    to_her = sms_to(stack, REGISTRY_PHONE)
    assert sum("MK tam" in m for m in to_her) == 1, to_her
    assert sum("Neu khong phai ban" in m for m in to_her) == 1, to_her
    assert sms_to(stack, STRANGER_PHONE) == []
    status = requests.get(
        f"{api}/v1/declarations/{blocking.json()['id']}", headers={"X-Id-Number": "001090123456"}, timeout=10
    )
    assert status.json()["status"] == "cancelled"
