"""Accounts and sign-in through chalice.test.Client (authorizer included), against moto."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from chalicelib.adapters.models import AccountModel, GuardModel, SessionModel
from chalicelib.domain.account import OFFICER
from chalicelib.domain.errors import AccountExistsError
from tests.accounts import issue
from tests.fakes import FakeClock
from tests.integration.emulator import drain, sent_sms

NEW_PASSWORD = "Cây tre xanh bên dòng sông quê"


def call(client: Any, method: str, path: str, body: Any = None, token: str | None = None, **headers: str) -> Any:
    all_headers = {"Content-Type": "application/json", **headers}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    payload = json.dumps(body) if body is not None else None
    return client.http.request(method, path, headers=all_headers, body=payload)


def login(client: Any, username: str, password: str) -> Any:
    return call(client, "POST", "/v1/auth/login", {"username": username, "password": password})


def test_twenty_concurrent_issuances_make_one_account(container: Any, atomic_emulator: None) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(20)

    def attempt() -> None:
        barrier.wait()
        try:
            issue(container)
            outcomes.append("issued")
        except AccountExistsError:
            outcomes.append("account_exists")

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("issued") == 1
    assert outcomes.count("account_exists") == 19
    assert AccountModel.count() == 1
    assert GuardModel.count("account#bhxh#0123456789") == 1


def test_same_id_document_under_another_code_is_the_same_person(container: Any) -> None:
    issue(container, "0123456789", identity_key="id#001089020747")
    with pytest.raises(AccountExistsError):
        issue(container, "0999999999", identity_key="id#001089020747")


def test_walkthrough_temporary_password_to_full_session(client: Any, container: Any, aws: dict[str, Any]) -> None:
    issued = issue(container, roles=(OFFICER,), office_code="BHXH-01")
    drain(aws)
    sms = [text for phone, text in sent_sms() if phone == "+84912345678"]
    assert len(sms) == 1 and "TK: 0123456789" in sms[0] and issued.temporary_password in sms[0]

    signed_in = login(client, "0123456789", issued.temporary_password)
    assert signed_in.status_code == 200
    body = json.loads(signed_in.body)
    assert body["password_change_required"] is True
    token = body["token"]
    assert len(token) >= 43

    me = call(client, "GET", "/v1/me", token=token)
    assert me.status_code == 200
    assert json.loads(me.body)["phone"] == "+84*******78"
    assert call(client, "POST", "/v1/accounts/0123456789/reissue", {}, token=token).status_code == 403

    changed = call(
        client,
        "POST",
        "/v1/auth/password",
        {"current_password": issued.temporary_password, "new_password": NEW_PASSWORD},
        token=token,
    )
    assert changed.status_code == 204, changed.body
    assert json.loads(call(client, "GET", "/v1/me", token=token).body)["password_change_required"] is False
    other = issue(container, "7912345678", identity_key="id#079301123456", phone="+84987654321")
    shown = {"document_type": "cccd", "document_number": "079301123456"}  # the person is at the counter
    reissued = call(client, "POST", "/v1/accounts/7912345678/reissue", shown, token=token)
    assert reissued.status_code == 202
    assert login(client, "7912345678", other.temporary_password).status_code == 401
    again = json.loads(login(client, "0123456789", NEW_PASSWORD).body)
    assert again["password_change_required"] is False


def test_expired_temporary_password_cannot_sign_in(client: Any, container: Any, clock: FakeClock) -> None:
    issued = issue(container)
    clock.advance(days=7)
    response = login(client, "0123456789", issued.temporary_password)
    assert response.status_code == 401
    assert json.loads(response.body)["code"] == "temporary_password_expired"


def test_password_older_than_183_days_forces_a_change(client: Any, container: Any, clock: FakeClock) -> None:
    issued = issue(container)
    token = json.loads(login(client, "0123456789", issued.temporary_password).body)["token"]
    body = {"current_password": issued.temporary_password, "new_password": NEW_PASSWORD}
    assert call(client, "POST", "/v1/auth/password", body, token=token).status_code == 204
    clock.advance(days=182, hours=23)
    assert json.loads(login(client, "0123456789", NEW_PASSWORD).body)["password_change_required"] is False
    clock.advance(hours=1)
    assert json.loads(login(client, "0123456789", NEW_PASSWORD).body)["password_change_required"] is True


def test_brute_force_locks_with_growing_delay_and_same_answers(client: Any, container: Any, clock: FakeClock) -> None:
    issued = issue(container)
    unknown = login(client, "0999999999", "whatever-password")
    delays = []
    for n in range(20):  # an attacker who waits out every lock
        wrong = login(client, "0123456789", f"wrong-password-{n}")
        assert (wrong.status_code, json.loads(wrong.body)) == (401, json.loads(unknown.body))
        account = AccountModel.get("0123456789")
        delays.append(0 if account.locked_until is None else (account.locked_until - clock.now).total_seconds())
        if delays[-1]:
            locked = login(client, "0123456789", issued.temporary_password)  # right password, but locked
            assert (locked.status_code, json.loads(locked.body)) == (401, json.loads(unknown.body))
        clock.advance(seconds=delays[-1] + 1)
    assert delays == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900, 900, 900]
    assert login(client, "0123456789", issued.temporary_password).status_code == 200
    assert AccountModel.get("0123456789").failed_logins == 0


def test_attempts_during_a_lock_are_refused_without_counting(client: Any, container: Any) -> None:
    issue(container)
    for n in range(8):
        login(client, "0123456789", f"wrong-password-{n}")
    assert AccountModel.get("0123456789").failed_logins == 5


def test_logout_and_password_change_end_sessions(client: Any, container: Any) -> None:
    issued = issue(container)
    first = json.loads(login(client, "0123456789", issued.temporary_password).body)["token"]
    second = json.loads(login(client, "0123456789", issued.temporary_password).body)["token"]
    third = json.loads(login(client, "0123456789", issued.temporary_password).body)["token"]
    assert call(client, "POST", "/v1/auth/logout", {}, token=third).status_code == 204
    assert call(client, "GET", "/v1/me", token=third).status_code == 403
    body = {"current_password": issued.temporary_password, "new_password": NEW_PASSWORD}
    assert call(client, "POST", "/v1/auth/password", body, token=first).status_code == 204
    assert call(client, "GET", "/v1/me", token=first).status_code == 200
    assert call(client, "GET", "/v1/me", token=second).status_code == 403
    assert SessionModel.count() == 1


def test_sessions_time_out_idle_and_absolute(client: Any, container: Any, clock: FakeClock) -> None:
    issued = issue(container)
    token = json.loads(login(client, "0123456789", issued.temporary_password).body)["token"]
    for _ in range(24):  # active every 29 minutes: the idle timeout keeps moving
        clock.advance(minutes=29)
        assert call(client, "GET", "/v1/me", token=token).status_code == 200
    clock.advance(minutes=29)  # 12 h 05 since sign-in
    assert call(client, "GET", "/v1/me", token=token).status_code == 403
    idle = json.loads(login(client, "0123456789", issued.temporary_password).body)["token"]
    clock.advance(minutes=31)
    assert call(client, "GET", "/v1/me", token=idle).status_code == 403


def test_missing_or_malformed_tokens_are_refused(client: Any, container: Any) -> None:
    assert client.http.get("/v1/me").status_code == 401
    assert call(client, "GET", "/v1/me", token="x" * 43).status_code == 403
    assert client.http.get("/v1/me", headers={"Authorization": "Basic abc"}).status_code == 403


def test_weak_new_password_is_refused_with_a_reason(client: Any, container: Any) -> None:
    issued = issue(container)
    token = json.loads(login(client, "0123456789", issued.temporary_password).body)["token"]
    for new, code in [
        ("short", "password_too_short"),
        ("password123", "password_too_weak"),
        ("an-0123456789-xyz-long", "password_contains_personal_data"),
        (issued.temporary_password, "password_reused"),
    ]:
        response = call(
            client,
            "POST",
            "/v1/auth/password",
            {"current_password": issued.temporary_password, "new_password": new},
            token=token,
            **{"Accept-Language": "en"},
        )
        assert response.status_code == 422, new
        error = json.loads(response.body)["errors"][0]
        assert (error["field"], error["code"]) == ("new_password", code)
        assert error["message"]


def test_recovery_by_sms_code(client: Any, container: Any, aws: dict[str, Any]) -> None:
    issue(container)
    drain(aws)
    before = len(sent_sms())
    for body in (
        {"username": "0999999999", "phone": "0912345678"},
        {"username": "0123456789", "phone": "0900000000"},
    ):
        assert call(client, "POST", "/v1/auth/recovery", body).status_code == 202
    drain(aws)
    assert len(sent_sms()) == before
    assert (
        call(client, "POST", "/v1/auth/recovery", {"username": "0123456789", "phone": "0912 345 678"}).status_code
        == 202
    )
    drain(aws)
    code = sent_sms()[-1][1].split("mat khau: ")[1][:6]
    bad = {"username": "0123456789", "code": "000000" if code != "000000" else "111111", "new_password": NEW_PASSWORD}
    assert json.loads(call(client, "POST", "/v1/auth/recovery/confirm", bad).body)["code"] == "recovery_code_invalid"
    good = {"username": "0123456789", "code": code, "new_password": NEW_PASSWORD}
    assert call(client, "POST", "/v1/auth/recovery/confirm", good).status_code == 204
    assert login(client, "0123456789", NEW_PASSWORD).status_code == 200
    assert call(client, "POST", "/v1/auth/recovery/confirm", good).status_code == 400  # one use


def test_recovery_codes_are_limited(client: Any, container: Any, aws: dict[str, Any], clock: FakeClock) -> None:
    issue(container)
    drain(aws)
    before = len(sent_sms())
    for _ in range(5):
        call(client, "POST", "/v1/auth/recovery", {"username": "0123456789", "phone": "0912345678"})
        clock.advance(minutes=1)
    drain(aws)
    codes = sent_sms()[before:]
    assert len(codes) == 3
    last = codes[-1][1].split("mat khau: ")[1][:6]
    for _ in range(5):
        call(
            client,
            "POST",
            "/v1/auth/recovery/confirm",
            {"username": "0123456789", "code": "999999x", "new_password": NEW_PASSWORD},
        )
    exhausted = {"username": "0123456789", "code": last, "new_password": NEW_PASSWORD}
    assert call(client, "POST", "/v1/auth/recovery/confirm", exhausted).status_code == 400


def test_secrets_are_erased_from_the_ledger_once_sent(container: Any, aws: dict[str, Any]) -> None:
    from chalicelib.adapters.models import NotificationModel

    issued = issue(container)
    stored = list(NotificationModel.scan())
    assert stored and all(issued.temporary_password not in (n.text + (n.html or "")) for n in stored)
    assert all(n.secret == issued.temporary_password for n in stored)
    drain(aws)
    assert all(n.secret is None and n.status == "sent" for n in NotificationModel.scan())


def test_the_personal_id_number_names_the_same_account_as_the_code(
    client: Any, container: Any, aws: dict[str, Any]
) -> None:
    """Công văn 1804/BHXH-QLT: sign-in and recovery take the 12-digit personal ID number too."""
    issued = issue(container, identity_key="id#001089020747")
    drain(aws)
    by_cccd = login(client, "001089020747", issued.temporary_password)
    assert by_cccd.status_code == 200, by_cccd.body
    me = call(client, "GET", "/v1/me", token=json.loads(by_cccd.body)["token"])
    assert json.loads(me.body)["username"] == "0123456789"
    assert login(client, "001089020748", issued.temporary_password).status_code == 401
    # Recovery with the ID number and the registered phone; confirmed with the ID number.
    assert (
        call(client, "POST", "/v1/auth/recovery", {"username": "001089020747", "phone": "0912345678"}).status_code
        == 202
    )
    drain(aws)
    code = sent_sms()[-1][1].split("mat khau: ")[1][:6]
    good = {"username": "001089020747", "code": code, "new_password": NEW_PASSWORD}
    assert call(client, "POST", "/v1/auth/recovery/confirm", good).status_code == 204
    assert login(client, "0123456789", NEW_PASSWORD).status_code == 200  # the same account by its code
