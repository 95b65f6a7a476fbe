"""End to end on the local stack (`python -m local`), issue 17 finding 2: an
officer reissues a citizen's temporary password only with the ID document the
person shows, at most once in 10 minutes, and the new password reaches the
person by SMS (past the SMS limits) with the "if this was not you" line."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from tests.builders import form
from tests.e2e.stack import ROOT, module_stack, sms_to
from tests.id_copies import keep_copy, via_http

LOG = ROOT / ".e2e-reissue.log"
pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Cây tre xanh bên dòng sông quê"
PERSON = {"bhxh_code": "0428456566", "id_number": "045182745141", "phone": "+84880014760"}  # demo row 2


stack = module_stack(LOG)


def _post(stack: dict[str, Any], path: str, body: Any, token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{stack['api']}{path}", json=body, headers=headers, timeout=10)


def _wait_for_sms(stack: dict[str, Any], phone: str, count: int) -> list[str]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(sms_to(stack, phone)) < count:
        time.sleep(0.5)
    return sms_to(stack, phone)


def _demo_officer(stack: dict[str, Any]) -> str:
    import re

    banner = LOG.read_text(encoding="utf-8")
    found = re.search(r"demo officer \.+ username (\d{10}), temporary password (\S+)", banner)
    assert found, banner[-2000:]
    username, temporary = found.groups()
    token = _post(stack, "/v1/auth/login", {"username": username, "password": temporary}).json()["token"]
    change = {"current_password": temporary, "new_password": NEW_PASSWORD}
    assert _post(stack, "/v1/auth/password", change, token).status_code == 204
    return str(token)


def _approved_person(stack: dict[str, Any], officer: str) -> str:
    """The demo participant declares online, the officer receives and approves: their temporary password."""
    body = form(
        full_name="Nguyễn Thị Yến",
        date_of_birth="1982-03-09",
        gender="female",
        bhxh_code=PERSON["bhxh_code"],
        id_number=PERSON["id_number"],
        phone="0880014760",
        email="yen@example.vn",
    )
    created = _post(stack, "/v1/declarations", body)
    assert created.status_code == 201, created.text
    declaration_id = created.json()["id"]
    shown = {"document_type": "cccd", "document_number": PERSON["id_number"]}
    assert _post(stack, f"/v1/declarations/{declaration_id}/receive", shown, officer).status_code == 200
    keep_copy(via_http(stack["api"], {"Authorization": f"Bearer {officer}"}), declaration_id)
    assert _post(stack, f"/v1/declarations/{declaration_id}/approve", {}, officer).status_code == 200
    # The registry's phone was told of the declaration made in the person's name, got the dossier's
    # receipt at the counter, then the approval with the temporary password.
    texts = _wait_for_sms(stack, PERSON["phone"], 3)
    assert any("ma so BHXH/CCCD cua ban" in text for text in texts)
    assert any("Da tiep nhan ho so" in text for text in texts)
    (approval,) = [text for text in texts if "MK tam" in text]
    return approval.split("MK tam: ")[1].split(" ")[0]


def test_reissue_needs_the_person_present_is_rate_limited_and_reaches_them(stack: dict[str, Any]) -> None:
    officer = _demo_officer(stack)
    temporary = _approved_person(stack, officer)
    path = f"/v1/accounts/{PERSON['bhxh_code']}/reissue"

    without_document = _post(stack, path, {}, officer)
    someone_else = _post(stack, path, {"document_type": "cccd", "document_number": "010065054415"}, officer)
    assert without_document.status_code == 422
    assert someone_else.status_code == 422
    assert someone_else.json()["errors"][0]["code"] == "document_not_holder"
    assert someone_else.headers["Content-Type"].startswith("application/problem+json")
    login = {"username": PERSON["bhxh_code"], "password": temporary}
    assert _post(stack, "/v1/auth/login", login).status_code == 200  # nothing changed

    shown = {"document_type": "cccd", "document_number": PERSON["id_number"]}
    assert _post(stack, path, shown, officer).status_code == 202
    again = _post(stack, path, shown, officer)
    assert again.status_code == 429
    assert again.json()["code"] == "reissue_rate_limited"
    assert 590 <= int(again.headers["Retry-After"]) <= 600

    assert _post(stack, "/v1/auth/login", login).status_code == 401  # the old password stopped working
    messages = _wait_for_sms(stack, PERSON["phone"], 4)  # the three above, then the reissue
    [reissued] = [m for m in messages if "MK tam moi" in m]
    assert "Neu khong phai ban yeu cau, goi ngay 19009068" in reissued
    new_password = reissued.split(": ")[2].split(" ")[0]
    signed_in = _post(stack, "/v1/auth/login", {"username": PERSON["bhxh_code"], "password": new_password})
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["password_change_required"] is True
