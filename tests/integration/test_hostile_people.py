"""Issue 17, findings 2, 7, 8, 9 and issue 18's "accounts alert their owner",
through chalice.test.Client against moto: nobody can reset, lock out, read or
enumerate another person's account or dossier beyond what the law allows."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.adapters.models import AccountModel, AuditModel, NotificationModel
from chalicelib.domain.account import SUPERVISOR
from chalicelib.domain.notification import SMS, Notification
from tests.accounts import issue
from tests.fakes import FakeClock
from tests.integration import test_officer_desk as desk
from tests.integration.emulator import drain, sent_emails, sent_sms

STRONG = "Cây tre xanh bên dòng sông quê"
ANOTHER = "Mặt trời mọc đằng đông mỗi sáng"
CITIZEN = "0123456789"
SHOWN = {"document_type": "cccd", "document_number": "001089056789"}  # tests.accounts.issue's ID for CITIZEN
PHONE = "+84912345678"


def call(client: Any, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    return desk.call(client, method, path, body, token=token)


def login(client: Any, username: str, password: str) -> Any:
    return call(client, "POST", "/v1/auth/login", {"username": username, "password": password})


def sms_to(phone: str) -> list[str]:
    return [text for number, text in sent_sms() if number == phone]


def emails_to(address: str) -> list[Any]:
    return [m for m in sent_emails() if address in m.destinations.get("ToAddresses", [])]


@pytest.fixture
def officer(client: Any, container: Any) -> str:
    return desk.staff_token(client, container, "0100000001", "BHXH-01")


def reissue(client: Any, token: str, body: Any = SHOWN, username: str = CITIZEN) -> Any:
    return call(client, "POST", f"/v1/accounts/{username}/reissue", body, token=token)


# --- finding 2: reissue only with the person present, rate-limited, audited, alerted -------------


def test_reissue_without_the_id_document_shown_changes_nothing(client: Any, container: Any, officer: str) -> None:
    issued = issue(container)

    missing = reissue(client, officer, {})
    other_person = reissue(client, officer, {"document_type": "cccd", "document_number": "079301123456"})
    passport = reissue(client, officer, {"document_type": "passport", "document_number": "001089056789"})

    assert missing.status_code == 422
    assert {e["field"] for e in json.loads(missing.body)["errors"]} == {"document_type", "document_number"}
    for refused in (other_person, passport):
        assert refused.status_code == 422
        assert json.loads(refused.body)["errors"] == [
            {
                "field": "document_number",
                "code": "document_not_holder",
                "message": "Giấy tờ xuất trình không phải của chủ tài khoản",
            }
        ]
    assert login(client, CITIZEN, issued.temporary_password).status_code == 200


def test_reissue_at_the_counter_is_audited_with_officer_office_and_trace(
    client: Any, container: Any, officer: str
) -> None:
    issued = issue(container)
    response = client.http.post(
        f"/v1/accounts/{CITIZEN}/reissue",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {officer}",
            "X-Correlation-Id": "trace-17-2",
        },
        body=json.dumps({"document_type": "cccd", "document_number": "0010 8905 6789"}),
    )

    assert response.status_code == 202, response.body
    assert login(client, CITIZEN, issued.temporary_password).status_code == 401
    [event] = [e for e in AuditModel.query(f"account#{CITIZEN}") if e.reason == "reissued"]
    assert (event.actor, event.office_code, event.trace_id) == ("0100000001", "BHXH-01", "trace-17-2")


def test_reissue_is_rate_limited_per_account_with_retry_after(
    client: Any, container: Any, officer: str, clock: FakeClock
) -> None:
    issue(container)
    assert reissue(client, officer).status_code == 202
    clock.advance(minutes=4)

    too_soon = reissue(client, officer)

    assert too_soon.status_code == 429
    assert too_soon.headers["Retry-After"] == "360"
    body = json.loads(too_soon.body)
    assert (body["code"], body["retry_after"]) == ("reissue_rate_limited", 360)
    clock.advance(minutes=6)
    assert reissue(client, officer).status_code == 202
    clock.advance(minutes=10)
    assert reissue(client, officer).status_code == 202
    clock.advance(minutes=10)
    third_day = reissue(client, officer)  # 3 in the last 24 hours already
    assert third_day.status_code == 429
    assert int(third_day.headers["Retry-After"]) == 24 * 3600 - 30 * 60


def test_reissued_password_gets_through_the_sms_limits(
    client: Any, container: Any, aws: dict[str, Any], officer: str, clock: FakeClock
) -> None:
    """The finding: the SMS limit dropped the reissued password and locked the person out."""
    issue(container)
    drain(aws)  # the approval SMS: 1 of the 5 an hour
    for n in range(4):  # someone else's requests use up the number's hourly SMS allowance
        flood = Notification(f"flood-{n}", "recovery_code", SMS, PHONE, f"flood {n}", "test", clock())
        assert container.outbox.admit_sms(flood, clock(), container.settings.sms_limits()) is None
    probe = Notification("probe", "recovery_code", SMS, PHONE, "probe", "test", clock())
    assert container.outbox.admit_sms(probe, clock(), container.settings.sms_limits()) == "hourly_limit"
    before = len(sms_to(PHONE))

    assert reissue(client, officer).status_code == 202
    drain(aws)

    new_sms = sms_to(PHONE)[before:]
    assert len(new_sms) == 1 and "MK tam moi cho TK 001089056789" in new_sms[0]
    assert "Neu khong phai ban yeu cau, goi ngay 19009068" in new_sms[0]
    password = new_sms[0].split(": ")[2].split(" ")[0]
    assert login(client, CITIZEN, password).status_code == 200


def test_staff_accounts_are_not_reissued_at_the_counter(client: Any, container: Any, officer: str) -> None:
    desk.staff_token(client, container, "0100000004", "BHXH-79")
    staff = reissue(client, officer, {"document_type": "cccd", "document_number": "001080000004"}, "0100000004")
    assert (staff.status_code, json.loads(staff.body)["code"]) == (403, "forbidden")


# --- finding 9: supervisors read their province, officers their office --------------------------


@pytest.fixture
def received_in_hanoi(client: Any, container: Any, officer: str) -> str:
    container.registry.put_many([desk.AN])
    created = desk.submit(client)
    assert desk.receive(client, officer, created["id"]).status_code == 200
    return str(created["id"])


@pytest.mark.parametrize(
    ("office", "roles", "status"),
    [
        ("BHXH-01", ("officer",), 200),
        ("BHXH-79", ("officer",), 403),
        ("BHXH-01", (SUPERVISOR,), 200),
        ("BHXH-79", (SUPERVISOR,), 403),
    ],
    ids=["own-office", "other-office", "own-province-supervisor", "other-province-supervisor"],
)
def test_history_is_read_only_within_scope(
    client: Any, container: Any, received_in_hanoi: str, office: str, roles: tuple[str, ...], status: int
) -> None:
    token = desk.staff_token(client, container, "0100000009", office, *roles)

    response = call(client, "GET", f"/v1/declarations/{received_in_hanoi}/history", token=token)

    assert response.status_code == status, response.body
    if status == 403:
        assert json.loads(response.body)["code"] == "out_of_scope"


def test_lookup_across_offices_shows_only_what_the_counter_needs(
    client: Any, container: Any, received_in_hanoi: str
) -> None:
    token = desk.staff_token(client, container, "0100000002", "BHXH-79")
    found = call(client, "GET", "/v1/declarations?id_number=001089020747", token=token)

    [item] = json.loads(found.body)["items"]
    assert item["detail"] == "limited"
    assert item["full_name"] == "N***** V** A*" and item["phone"] == "+84*******78"
    assert item["status"] == "received" and item["received_office"] == "BHXH-01"
    for hidden in ("bhxh_code", "date_of_birth", "gender", "id_document", "registry_differences"):
        assert hidden not in item

    proven = call(client, "GET", "/v1/declarations?id_number=001089020747&bhxh_code=0123456789", token=token)
    [full] = json.loads(proven.body)["items"]
    assert full["detail"] == "full" and full["bhxh_code"] == "0123456789"
    guessed = call(client, "GET", "/v1/declarations?id_number=001089020747&bhxh_code=0123456780", token=token)
    assert json.loads(guessed.body)["items"][0]["detail"] == "limited"


# --- finding 7: the answer does not depend on whether the account exists -------------------------


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Every AWS API call made while a test runs, by service.operation."""
    from botocore.client import BaseClient

    counts: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counting(client: Any, operation_name: str, api_params: Any) -> Any:
        counts[f"{client.meta.service_model.service_name}.{operation_name}"] += 1
        return original(client, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    yield counts


def _calls_of(counts: Counter[str], action: Any) -> Counter[str]:
    before = Counter(counts)
    action()
    return counts - before


def test_recovery_request_does_the_same_work_whether_or_not_the_pair_matches(
    client: Any, container: Any, aws: dict[str, Any], aws_calls: Counter[str]
) -> None:
    issue(container)
    call(client, "POST", "/v1/auth/recovery", {"username": "0999999998", "phone": "0912345678"})  # warm-up
    drain(aws)
    bodies = {
        "match": {"username": CITIZEN, "phone": "0912345678"},
        "wrong_phone": {"username": CITIZEN, "phone": "0987654321"},
        "unknown_user": {"username": "0999999999", "phone": "0912345678"},
    }
    answers: dict[str, Any] = {}
    work: dict[str, Counter[str]] = {}
    for name, body in bodies.items():
        before = Counter(aws_calls)
        answers[name] = call(client, "POST", "/v1/auth/recovery", body)
        work[name] = aws_calls - before

    assert {(a.status_code, a.body) for a in answers.values()} == {(202, b"")}
    assert work["match"] == work["wrong_phone"] == work["unknown_user"] == Counter({"sqs.SendMessage": 1})
    drain(aws)
    assert len([t for t in sms_to(PHONE) if "Ma khoi phuc" in t]) == 1  # the worker sent the one code


def test_login_failure_does_the_same_work_for_unknown_and_known_users(
    client: Any, container: Any, aws_calls: Counter[str]
) -> None:
    issue(container)
    login(client, "0999999998", "warm-up")
    unknown = _calls_of(aws_calls, lambda: login(client, "0999999999", "wrong-password-1"))
    known = _calls_of(aws_calls, lambda: login(client, CITIZEN, "wrong-password-1"))

    assert known == unknown == Counter({"dynamodb.GetItem": 1, "dynamodb.UpdateItem": 1})


# --- finding 8 and issue 18.4: the owner always gets back in, and is told -----------------------


def _recover(client: Any, aws: dict[str, Any], new_password: str) -> Any:
    before = len(sms_to(PHONE))
    assert call(client, "POST", "/v1/auth/recovery", {"username": CITIZEN, "phone": "0912345678"}).status_code == 202
    drain(aws)
    [text] = [t for t in sms_to(PHONE)[before:] if "Ma khoi phuc" in t]
    code = text.split("mat khau: ")[1][:6]
    body = {"username": CITIZEN, "code": code, "new_password": new_password}
    return call(client, "POST", "/v1/auth/recovery/confirm", body)


def test_locked_out_owner_gets_back_in_by_sms_code_and_the_lockout_clears(
    client: Any, container: Any, aws: dict[str, Any]
) -> None:
    issue(container)
    for n in range(20):  # a stranger locks the account
        login(client, CITIZEN, f"wrong-password-{n}")
    assert AccountModel.get(CITIZEN).failed_logins == 5  # locked from the 5th: further tries are not counted
    drain(aws)

    assert _recover(client, aws, STRONG).status_code == 204

    account = AccountModel.get(CITIZEN)
    assert account.failed_logins == 0
    assert account.locked_until is None
    assert login(client, CITIZEN, STRONG).status_code == 200


def test_lockout_alerts_the_owner_once(client: Any, container: Any, aws: dict[str, Any], clock: FakeClock) -> None:
    issue(container)
    drain(aws)
    before_sms, before_mail = len(sms_to(PHONE)), len(emails_to("an.nguyen@example.vn"))
    for n in range(8):
        login(client, CITIZEN, f"wrong-password-{n}")
        clock.advance(minutes=16)  # waits out every lock
    drain(aws)

    alerts = sms_to(PHONE)[before_sms:]
    assert len(alerts) == 1 and "tam khoa dang nhap" in alerts[0] and "goi ngay 19009068" in alerts[0]
    [mail] = emails_to("an.nguyen@example.vn")[before_mail:]
    assert "tạm khóa" in mail.subject
    assert [n.kind for n in NotificationModel.scan() if n.kind.startswith("alert_")] == ["alert_locked"] * 2


def test_password_change_and_recovery_alert_the_owner(client: Any, container: Any, aws: dict[str, Any]) -> None:
    issued = issue(container)
    token = json.loads(login(client, CITIZEN, issued.temporary_password).body)["token"]
    body = {"current_password": issued.temporary_password, "new_password": STRONG}
    assert call(client, "POST", "/v1/auth/password", body, token=token).status_code == 204
    drain(aws)
    assert _recover(client, aws, ANOTHER).status_code == 204
    drain(aws)

    texts = sms_to(PHONE)
    assert any("vua duoc doi" in t and "Neu khong phai ban, goi ngay 19009068" in t for t in texts)
    assert any("vua duoc dat lai bang ma SMS" in t for t in texts)
    subjects = [m.subject for m in emails_to("an.nguyen@example.vn")]
    assert "BHXH Việt Nam: mật khẩu vừa được đổi" in subjects
    assert "BHXH Việt Nam: mật khẩu vừa được đặt lại" in subjects


def test_expired_temporary_password_tells_only_who_knows_it(client: Any, container: Any, clock: FakeClock) -> None:
    issued = issue(container)
    clock.advance(days=8)

    right = login(client, CITIZEN, issued.temporary_password)
    wrong = login(client, CITIZEN, "not-the-password")
    unknown = login(client, "0999999999", "not-the-password")

    assert (right.status_code, json.loads(right.body)["code"]) == (401, "temporary_password_expired")
    assert "Quên mật khẩu" in json.loads(right.body)["detail"]
    assert (wrong.status_code, json.loads(wrong.body)) == (unknown.status_code, json.loads(unknown.body))
    assert json.loads(wrong.body)["code"] == "invalid_credentials"
