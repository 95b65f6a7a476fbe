"""The officer desk through chalice.test.Client (authorizer included), against moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.adapters.models import AccountModel, DeclarationModel, NotificationModel
from chalicelib.domain.participant import Participant
from tests.accounts import issue
from tests.builders import form, other_person
from tests.fakes import FakeClock
from tests.id_copies import keep_copy, via_chalice
from tests.integration.emulator import drain, sent_emails, sent_sms
from tests.races import racing_decisions

STRONG = "Cây tre xanh bên dòng sông quê"
AN = Participant("0123456789", "NGUYỄN VĂN AN", "1989-05-02", "male", "001089020747", "+84912345678", "01")
BINH = Participant("7912345678", "Trần Thị Bình", "2001-09-30", "female", "079301123456", "+84987654321", "79")


def call(client: Any, method: str, path: str, body: Any = None, token: str | None = None, **headers: str) -> Any:
    all_headers = {"Content-Type": "application/json", **headers}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    return client.http.request(method, path, headers=all_headers, body=json.dumps(body) if body is not None else None)


def staff_token(client: Any, container: Any, username: str, office: str, *roles: str) -> str:
    issued = issue(
        container,
        username,
        identity_key=f"id#00108{username[-7:]}",
        roles=roles or ("officer",),
        office_code=office,
        province_code=office[-2:],
        phone="+84912000001",
    )
    token = json.loads(
        call(client, "POST", "/v1/auth/login", {"username": username, "password": issued.temporary_password}).body
    )["token"]
    change = {"current_password": issued.temporary_password, "new_password": STRONG}
    assert call(client, "POST", "/v1/auth/password", change, token=token).status_code == 204
    return str(token)


@pytest.fixture
def desk(client: Any, container: Any) -> dict[str, Any]:
    container.registry.put_many([AN, BINH])
    return {
        "officer": staff_token(client, container, "0100000001", "BHXH-01"),
        "other_office": staff_token(client, container, "0100000002", "BHXH-79"),
        "supervisor": staff_token(client, container, "0100000003", "BHXH-01", "supervisor"),
    }


def submit(client: Any, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = call(client, "POST", "/v1/declarations", body or form())
    assert response.status_code == 201, response.body
    result: dict[str, Any] = json.loads(response.body)
    return result


def receive(client: Any, token: str, declaration_id: str, **document: str) -> Any:
    body = {"document_type": "cccd", "document_number": "001089020747", **document}
    return call(client, "POST", f"/v1/declarations/{declaration_id}/receive", body, token=token)


def test_online_declaration_received_approved_and_signed_in(
    client: Any, container: Any, aws: dict[str, Any], desk: dict[str, Any]
) -> None:
    created = submit(client)
    found = json.loads(
        call(client, "GET", f"/v1/declarations?code={created['code'].lower()}", token=desk["officer"]).body
    )
    assert [item["id"] for item in found["items"]] == [created["id"]]
    assert found["items"][0]["registry_differences"] == []  # name compared NFC and case-insensitively

    received = receive(client, desk["officer"], created["id"])
    assert received.status_code == 200, received.body
    assert json.loads(received.body)["due_by"] == "2026-11-27"  # 24/11 is a holiday
    assert DeclarationModel.get(created["id"]).expires_at is None  # no longer expires

    keep_copy(via_chalice(client, desk["officer"]), created["id"])
    approved = call(client, "POST", f"/v1/declarations/{created['id']}/approve", {}, token=desk["officer"])
    assert approved.status_code == 200, approved.body
    assert json.loads(approved.body)["status"] == "approved"
    assert AccountModel.get("0123456789").temporary is True
    drain(aws)
    sms = [text for phone, text in sent_sms() if phone == "+84912345678" and "MK tam" in text]
    assert len(sms) == 1 and "TK: 001089020747" in sms[0]  # the CCCD number names the account (CV 1804/BHXH-QLT)
    password = sms[0].split("MK tam: ")[1].split(" ")[0]
    signed_in = call(client, "POST", "/v1/auth/login", {"username": "001089020747", "password": password})
    assert json.loads(signed_in.body)["password_change_required"] is True

    history = json.loads(call(client, "GET", f"/v1/declarations/{created['id']}/history", token=desk["officer"]).body)
    assert [(e["from"], e["to"]) for e in history["items"]] == [
        (None, "awaiting_office"),
        ("awaiting_office", "received"),
        ("received", "id_copy_attached"),
        ("received", "approved"),
    ]
    assert history["items"][-1]["actor"] == "0100000001"


def test_document_shown_must_match(client: Any, desk: dict[str, Any]) -> None:
    created = submit(client)
    response = receive(client, desk["officer"], created["id"], document_type="passport", document_number="C1234567")
    assert response.status_code == 422
    assert {e["field"] for e in json.loads(response.body)["errors"]} == {"document_type", "document_number"}


def test_expired_declaration_cannot_be_received(client: Any, desk: dict[str, Any], clock: FakeClock) -> None:
    now = clock.now
    clock.advance(days=-10)  # declared 10 days ago; the officer signed in just now
    created = submit(client)
    clock.now = now
    response = receive(client, desk["officer"], created["id"])
    assert (response.status_code, json.loads(response.body)["code"]) == (410, "declaration_expired")


def test_approval_refused_while_registry_differs(client: Any, container: Any, desk: dict[str, Any]) -> None:
    container.registry.put_many([Participant(**{**AN.__dict__, "date_of_birth": "1989-05-03"})])
    created = submit(client)
    receive(client, desk["officer"], created["id"])
    keep_copy(via_chalice(client, desk["officer"]), created["id"])
    response = call(client, "POST", f"/v1/declarations/{created['id']}/approve", {}, token=desk["officer"])
    body = json.loads(response.body)
    assert (response.status_code, body["code"]) == (409, "registry_mismatch")
    assert AccountModel.count() == 3  # the three staff only


def test_reject_tells_what_to_fix_and_where_to_go(client: Any, desk: dict[str, Any], aws: dict[str, Any]) -> None:
    created = submit(client, other_person())
    receive(client, desk["officer"], created["id"], document_number="079301123456")
    bad = call(
        client, "POST", f"/v1/declarations/{created['id']}/reject", {"reasons": ["other"]}, token=desk["officer"]
    )
    assert json.loads(bad.body)["errors"][0]["field"] == "note"
    body = {"reasons": ["illegible_form", "incomplete_dossier"], "note": "Thiếu chữ ký"}
    rejected = call(client, "POST", f"/v1/declarations/{created['id']}/reject", body, token=desk["officer"])
    assert rejected.status_code == 200, rejected.body
    drain(aws)
    texts = [text for phone, text in sent_sms() if phone == "+84987654321"]
    assert sum("Da tiep nhan ho so" in text and "Ket qua truoc 27/11/2026" in text for text in texts) == 1  # receipt
    sms = [text for text in texts if "ma so BHXH/CCCD" not in text and "Da tiep nhan" not in text]
    assert len(sms) == 1 and "khong duoc chap nhan" in sms[0] and "19009068" in sms[0] and "(+1)" in sms[0]
    to_her = [m for m in sent_emails() if "binh.tran@example.vn" in m.destinations["ToAddresses"]]
    assert ["biên nhận" in m.subject for m in to_her] == [True, False]  # the receipt, then the decision
    email = to_her[-1]
    assert "Thành phố Hồ Chí Minh" in email.body and "tra-cuu-co-quan-bao-hiem" in email.body
    again = call(client, "POST", f"/v1/declarations/{created['id']}/approve", {}, token=desk["officer"])
    assert json.loads(again.body)["code"] == "already_decided"
    assert submit(client, other_person())["status"] == "awaiting_office"  # may declare again


def test_other_office_cannot_decide(client: Any, desk: dict[str, Any]) -> None:
    created = submit(client)
    receive(client, desk["officer"], created["id"])
    response = call(client, "POST", f"/v1/declarations/{created['id']}/approve", {}, token=desk["other_office"])
    assert (response.status_code, json.loads(response.body)["code"]) == (403, "other_office")


def test_citizens_and_supervisors_cannot_decide(client: Any, container: Any, desk: dict[str, Any]) -> None:
    created = submit(client)
    response = call(client, "POST", f"/v1/declarations/{created['id']}/receive", {}, token=desk["supervisor"])
    assert response.status_code == 403
    assert call(client, "GET", "/v1/declarations?code=X", token=None).status_code == 401


def test_ten_concurrent_decisions_make_one(
    client: Any, container: Any, aws: dict[str, Any], desk: dict[str, Any], atomic_emulator: None
) -> None:
    from chalicelib.services.officer_desk import Officer

    created = submit(client)
    receive(client, desk["officer"], created["id"])
    officer = Officer("0100000001", ("officer",), "BHXH-01", "01")
    outcomes = racing_decisions(container, created["id"], officer, 10)
    assert outcomes.count("decided") == 1, outcomes
    assert set(outcomes) - {"decided"} <= {"already_decided"}
    citizens = [a for a in AccountModel.scan() if "citizen" in a.roles]
    assert len(citizens) <= 1
    decision_notices = [
        n
        for n in NotificationModel.scan()
        if n.source == f"declaration#{created['id']}" and n.kind != "dossier_received"  # the receipt came first
    ]
    assert len(decision_notices) == 2  # one SMS and one email, of the one decision


def test_paper_declaration_is_received_with_a_due_date(client: Any, desk: dict[str, Any]) -> None:
    created = call(client, "POST", "/v1/declarations/paper", form(), token=desk["officer"])
    assert created.status_code == 201, created.body
    body = json.loads(created.body)
    assert (body["status"], body["channel"], body["due_by"]) == ("received", "paper", "2026-11-27")
    # Someone else's declaration in the person's name never stands in the way (issue 17, finding 1).
    online = call(client, "POST", "/v1/declarations", form())
    assert online.status_code == 201, online.body
    again = call(client, "POST", "/v1/declarations/paper", form(), token=desk["officer"])
    assert again.status_code == 201, again.body


def test_overdue_for_officer_and_supervisor(
    client: Any, container: Any, desk: dict[str, Any], clock: FakeClock
) -> None:
    from chalicelib.services.officer_desk import Officer
    from chalicelib.services.submit_paper_declaration import submit_paper_declaration

    officer = Officer("0100000001", ("officer",), "BHXH-01", "01")
    last_wednesday = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)  # due Monday 23/11
    paper_id = submit_paper_declaration(container, form(), officer, last_wednesday).id
    submit_paper_declaration(container, other_person(), officer, clock.now)  # due 27/11: not overdue
    for token in (desk["officer"], desk["supervisor"]):
        items = json.loads(call(client, "GET", "/v1/declarations/overdue", token=token).body)["items"]
        assert [item["id"] for item in items] == [paper_id]
    assert json.loads(call(client, "GET", "/v1/declarations/overdue", token=desk["other_office"]).body)["items"] == []


def test_overdue_digest_emails_supervisors(
    client: Any, container: Any, desk: dict[str, Any], aws: dict[str, Any]
) -> None:
    from chalicelib.services.overdue_dossiers import send_overdue_digest

    call(client, "POST", "/v1/declarations/paper", form(), token=desk["officer"])
    drain(aws)
    report = send_overdue_digest(container, datetime(2026, 11, 26).date(), container.clock())
    assert (report.due_tomorrow, report.emails) == (1, 1)
    assert send_overdue_digest(container, datetime(2026, 11, 26).date(), container.clock()).emails == 0
    drain(aws)
    digest = [m for m in sent_emails() if "hồ sơ quá hạn" in m.subject]
    assert len(digest) == 1
