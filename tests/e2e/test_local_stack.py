"""End to end: `python -m local` (what `make run` starts) in a subprocess,
driven over HTTP like the web front end and the README's curl walkthrough."""

from __future__ import annotations

import signal
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from tests.documents import read_pdf
from tests.e2e.stack import ROOT, demo_form, module_stack, run_ops, wait_for_sms
from tests.id_copies import attach_over_http, jpeg, via_http

LOG = ROOT / ".e2e-stack.log"
pytestmark = pytest.mark.e2e


stack = module_stack(LOG)


def test_walkthrough_submit_status_reminder_sms(stack: dict[str, Any]) -> None:
    assert stack["startup_seconds"] < 60
    api = stack["api"]
    # A demo participant (local/demo-participants.csv): reminders go only to the registry's phone.
    body = demo_form("0861808165", email="dung@example.vn")
    created = requests.post(f"{api}/v1/declarations", json=body, timeout=10)
    assert created.status_code == 201, created.text
    declaration = created.json()
    assert declaration["status"] == "awaiting_office"

    status = requests.get(
        f"{api}/v1/declarations/{declaration['id']}", headers={"X-Id-Number": "082068797611"}, timeout=10
    )
    assert status.status_code == 200
    assert status.json()["code"] == declaration["code"]

    expires_on = (datetime.fromisoformat(declaration["expires_at"]) + timedelta(hours=7)).date()
    as_of = (expires_on - timedelta(days=3)).isoformat()
    job = run_ops(stack, "run-job", "office-reminders", "--as-of", as_of)
    assert job.returncode == 0, job.stderr
    assert '"queued": 2' in job.stdout

    # (the registry's phone also got the "declared in your name" alert)
    messages = wait_for_sms(stack, "+84888751578", "se tu huy")
    assert len(messages) == 1
    assert declaration["code"] in messages[0]
    assert len(messages[0]) <= 160


def test_bad_input_never_5xx(stack: dict[str, Any]) -> None:
    api = stack["api"]
    cases = [
        ("application/json", b"{oops"),
        ("text/plain", b"hello"),
        ("application/json", b"x" * (70 * 1024)),
        ("application/json", b'{"full_name": 1}'),
    ]
    for content_type, payload in cases:
        response = requests.post(
            f"{api}/v1/declarations", data=payload, headers={"Content-Type": content_type}, timeout=10
        )
        assert 400 <= response.status_code < 500, (content_type, response.status_code, response.text)
        assert response.json()["code"]


def demo_staff(label: str) -> tuple[str, str]:
    """Username and temporary password of a demo staff member, from the stack's banner."""
    import re

    banner = LOG.read_text(encoding="utf-8")
    found = re.search(rf"{label} \.+ username (\d{{10}}), temporary password (\S+)", banner)
    assert found, banner[-2000:]
    username, password = found.groups()
    return username, password


def test_demo_officer_signs_in_and_must_change_the_password(stack: dict[str, Any]) -> None:
    username, password = demo_staff("demo officer")
    api = stack["api"]
    signed_in = requests.post(f"{api}/v1/auth/login", json={"username": username, "password": password}, timeout=10)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["password_change_required"] is True
    token = signed_in.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{api}/v1/me", headers=headers, timeout=10).status_code == 200
    changed = requests.post(
        f"{api}/v1/auth/password",
        json={"current_password": password, "new_password": "Cây tre xanh bên dòng sông quê"},
        headers=headers,
        timeout=10,
    )
    assert changed.status_code == 204, changed.text
    assert requests.get(f"{api}/v1/me", headers=headers, timeout=10).json()["password_change_required"] is False


def test_officer_receives_and_approves_then_the_person_signs_in(stack: dict[str, Any]) -> None:
    """Runs after the demo officer has changed the password (test above)."""
    api = stack["api"]
    signed_in = requests.post(
        f"{api}/v1/auth/login",
        json={"username": "0100000001", "password": "Cây tre xanh bên dòng sông quê"},
        timeout=10,
    )
    assert signed_in.status_code == 200, signed_in.text
    officer = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    # The first demo participant (local/demo-participants.csv) declares online.
    body = demo_form("0139941583", email="khanh@example.vn")
    created = requests.post(f"{api}/v1/declarations", json=body, timeout=10)
    assert created.status_code == 201, created.text
    declaration = created.json()

    # The person downloads Form 01 to print: it names them with their diacritics, and its QR code
    # is the counter code, which the desk's scanner types into the lookup.
    pdf = requests.get(
        f"{api}/v1/declarations/{declaration['id']}/form01.pdf", headers={"X-Id-Number": "010065054415"}, timeout=10
    )
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"] == f'inline; filename="to-khai-01-{declaration["code"]}.pdf"'
    printed = read_pdf(pdf.content)
    assert printed.pages == 1 and (round(printed.width_mm), round(printed.height_mm)) == (210, 297)
    assert body["full_name"] in printed.text and "Người kê khai ký, ghi rõ họ tên" in printed.text
    assert printed.qr_codes == [declaration["code"]]

    found = requests.post(
        f"{api}/v1/declarations/lookup", json={"code": printed.qr_codes[0]}, headers=officer, timeout=10
    )
    assert [item["id"] for item in found.json()["items"]] == [declaration["id"]]
    assert found.json()["items"][0]["registry_differences"] == []
    received = requests.post(
        f"{api}/v1/declarations/{declaration['id']}/receive",
        json={"document_type": "cccd", "document_number": "010065054415"},
        headers=officer,
        timeout=10,
    )
    assert received.status_code == 200, received.text
    approve = f"{api}/v1/declarations/{declaration['id']}/approve"
    refused = requests.post(approve, json={}, headers=officer, timeout=10)
    assert (refused.status_code, refused.json()["code"]) == (409, "id_copy_missing")
    # The scan of the CCCD goes straight to S3 (the emulator) through the presigned POST, then is checked.
    status, copy = attach_over_http(via_http(api, officer), declaration["id"])
    assert status == 200, copy
    assert copy["content_type"] == "image/jpeg" and copy["size"] == len(jpeg())
    approved = requests.post(approve, json={}, headers=officer, timeout=10)
    assert approved.status_code == 200, approved.text
    link = requests.get(f"{api}/v1/declarations/{declaration['id']}/id-copy", headers=officer, timeout=10)
    assert requests.get(link.json()["url"], timeout=10).content == jpeg()

    approval = wait_for_sms(stack, "+84705683953", "MK tam")
    # The notice names the account by the CCCD number (Công văn 1804/BHXH-QLT); the code signs in too.
    assert len(approval) == 1 and f"TK: {body['id_document']['number']}" in approval[0]
    password = approval[0].split("MK tam: ")[1].split(" ")[0]
    person = requests.post(f"{api}/v1/auth/login", json={"username": "0139941583", "password": password}, timeout=10)
    assert person.status_code == 200, person.text
    assert person.json()["password_change_required"] is True


def test_reporter_sees_the_approval_counted_in_the_progress_report(stack: dict[str, Any]) -> None:
    """Runs after the approval above: the accounts stream worker counts it in BHXH-01."""
    username, password = demo_staff("demo reporter")
    api = stack["api"]
    token = requests.post(f"{api}/v1/auth/login", json={"username": username, "password": password}, timeout=10)
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    new = {"current_password": password, "new_password": "Cây tre xanh bên dòng sông quê"}
    assert requests.post(f"{api}/v1/auth/password", json=new, headers=headers, timeout=10).status_code == 204

    deadline = time.monotonic() + 20
    while True:
        report = requests.get(f"{api}/v1/reports/progress", params={"province": "01"}, headers=headers, timeout=10)
        assert report.status_code == 200, report.text
        hanoi = report.json()["units"][0]
        # The demo officer and reporter (counted when rostered) and the person approved above.
        if hanoi["registered"] == 3 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert (hanoi["unit_code"], hanoi["registered"]) == ("BHXH-01", 3)
    sheet = requests.get(f"{api}/v1/reports/progress", params={"format": "csv"}, headers=headers, timeout=10)
    assert sheet.content.startswith(b"\xef\xbb\xbf") and "Tổng cộng" in sheet.content.decode("utf-8")


def test_ctrl_c_stops_everything(stack: dict[str, Any]) -> None:
    process = stack["process"]
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 0
    for url in (f"{stack['api']}/v1/health", f"{stack['emulator']}/moto-api/data.json"):
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=2)
