"""Issue 17 through the HTTP API (chalice.test.Client, moto): findings 1, 3,
10 and 11. Each test failed on the code before the fix."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.accounts import issue
from tests.builders import FORM, form
from tests.id_copies import keep_copy, via_chalice
from tests.integration.emulator import drain
from tests.integration.test_officer_desk import call, receive, staff_token

REAL_ID = FORM["id_document"]["number"]
INVENTED = {"full_name": "Trần Văn Giả", "date_of_birth": "1990-01-01", "id_number": "001090123456"}


@pytest.fixture
def desk(client: Any, container: Any) -> dict[str, str]:
    """Signed-in staff of BHXH-01 (passwords changed): an officer and a supervisor."""
    return {
        "officer": staff_token(client, container, "0100000001", "BHXH-01"),
        "supervisor": staff_token(client, container, "0100000003", "BHXH-01", "supervisor"),
    }


def submit(client: Any, body: dict[str, Any]) -> Any:
    return call(client, "POST", "/v1/declarations", body)


def lookup(client: Any, token: str, **body: str) -> list[dict[str, Any]]:
    response = call(client, "POST", "/v1/declarations/lookup", body, token=token)
    assert response.status_code == 200, response.body
    items: list[dict[str, Any]] = json.loads(response.body)["items"]
    return items


def shape(response: Any) -> tuple[int, str, tuple[tuple[str, str], ...]]:
    """What an anonymous caller can compare: status, media type, and the body's keys with their value types."""
    body = json.loads(response.body)
    return (
        response.status_code,
        response.headers["Content-Type"],
        tuple((key, type(value).__name__) for key, value in sorted(body.items())),
    )


# --- finding 1: nobody blocks anybody ---------------------------------------------------


def test_a_blocking_declaration_is_found_and_cancelled_and_blocks_nothing(
    client: Any, container: Any, desk: dict[str, str], aws: dict[str, Any]
) -> None:
    officer = desk["officer"]
    blocker = submit(client, form(**INVENTED, phone="0987000111"))  # the victim's code, all else invented
    assert blocker.status_code == 201, blocker.body
    real = submit(client, form())
    assert real.status_code == 201, real.body  # was 409 open_declaration_exists
    paper = call(client, "POST", "/v1/declarations/paper", form(), token=officer)
    assert paper.status_code == 201, paper.body  # was 409 open_declaration_exists

    blocker_id, real_id, paper_id = (json.loads(r.body)["id"] for r in (blocker, real, paper))
    found = {item["id"]: item["status"] for item in lookup(client, officer, id_number=REAL_ID)}
    assert found == {blocker_id: "awaiting_office", real_id: "awaiting_office", paper_id: "received"}  # was []

    assert receive(client, officer, real_id).status_code == 200
    keep_copy(via_chalice(client, officer), real_id)
    approved = call(client, "POST", f"/v1/declarations/{real_id}/approve", {}, token=officer)
    assert approved.status_code == 200, approved.body
    drain(aws)  # the notice worker runs the approval's cancellation task
    found = {item["id"]: item["status"] for item in lookup(client, officer, id_number=REAL_ID)}
    assert found == {blocker_id: "cancelled", real_id: "approved", paper_id: "cancelled"}

    history = json.loads(call(client, "GET", f"/v1/declarations/{blocker_id}/history", token=officer).body)
    assert [(e["from"], e["to"]) for e in history["items"]][-1] == ("awaiting_office", "cancelled")
    again = call(client, "POST", f"/v1/declarations/{paper_id}/approve", {}, token=officer)
    assert (again.status_code, json.loads(again.body)["code"]) == (409, "declaration_cancelled")
    status = client.http.get(f"/v1/declarations/{blocker_id}", headers={"X-Id-Number": "001090123456"})
    assert json.loads(status.body)["status"] == "cancelled"


# --- finding 3: the anonymous route tells nothing ----------------------------------------


def test_anonymous_submission_answers_alike_whoever_the_code_or_id_number_belongs_to(
    client: Any, container: Any
) -> None:
    unknown_code = submit(client, form(**INVENTED, bhxh_code="0999999999"))
    known_code = submit(client, form(**INVENTED))  # the registry knows 0123456789
    known_with_open = submit(client, form(**INVENTED))  # ... and now it has an open declaration
    known_id = submit(client, form(bhxh_code="0999999998"))  # the registry knows the ID number
    known_id_with_open = submit(client, form(bhxh_code="0999999997"))
    issue(container, "7912345678", identity_key="id#079301123456")
    has_account = submit(client, form(**INVENTED, bhxh_code="7912345678"))  # was 409 account_exists
    same_id_has_account = submit(
        client,
        form(
            full_name="Trần Thị Bình",
            date_of_birth="2001-09-30",
            gender="female",
            bhxh_code="0999999996",
            id_number="079301123456",
        ),
    )
    responses = [unknown_code, known_code, known_with_open, known_id, known_id_with_open, has_account]
    responses.append(same_id_has_account)
    assert {shape(r) for r in responses} == {shape(unknown_code)}
    assert unknown_code.status_code == 201
    assert {json.loads(r.body)["status"] for r in responses} == {"awaiting_office"}


def test_anonymous_submission_does_the_same_work_whoever_is_named(
    client: Any, container: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Timing: the same AWS calls for an unknown person, a known one and an account holder; who
    is told what is worked out by the notice worker (a queued task), not in the request."""
    from collections import Counter

    from botocore.client import BaseClient

    original = BaseClient._make_api_call
    calls: list[str] = []

    def counting(api: Any, operation_name: str, api_params: Any) -> Any:
        calls.append(f"{api.meta.service_model.service_name}.{operation_name}")
        return original(api, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)

    def calls_of(body: dict[str, Any]) -> Counter[str]:
        calls.clear()
        assert submit(client, body).status_code == 201
        return Counter(calls)

    calls_of(form(**INVENTED, bhxh_code="0999999998"))  # warms the caches (office, queue URL)
    unknown = calls_of(form(**INVENTED, bhxh_code="0999999999"))
    assert calls_of(form(**INVENTED)) == unknown  # the registry knows 0123456789
    issue(container, "7912345678", identity_key="id#079301123456")
    assert calls_of(form(**INVENTED, bhxh_code="7912345678")) == unknown  # an account holder
    assert unknown["sqs.SendMessage"] == 1 and "dynamodb.TransactWriteItems" in unknown


# --- finding 10: no ID number in any URL ----------------------------------------------------


def test_lookup_and_status_take_the_id_number_in_the_body_or_a_header(client: Any, desk: dict[str, str]) -> None:
    created = json.loads(submit(client, form()).body)
    by_body = call(client, "POST", "/v1/declarations/lookup", {"id_number": REAL_ID}, token=desk["officer"])
    assert (by_body.status_code, "Deprecation" in by_body.headers) == (200, False)
    assert [item["id"] for item in json.loads(by_body.body)["items"]] == [created["id"]]
    by_code = lookup(client, desk["supervisor"], code=created["code"])
    assert [item["id"] for item in by_code] == [created["id"]]

    status = client.http.get(f"/v1/declarations/{created['id']}", headers={"X-Id-Number": REAL_ID})
    assert (status.status_code, "Deprecation" in status.headers) == (200, False)
    assert json.loads(status.body)["code"] == created["code"]
    wrong = client.http.get(f"/v1/declarations/{created['id']}", headers={"X-Id-Number": "079301123456"})
    assert json.loads(wrong.body)["code"] == "declaration_not_found"


def test_the_old_query_forms_still_answer_with_deprecation_headers(client: Any, desk: dict[str, str]) -> None:
    created = json.loads(submit(client, form()).body)
    old_lookup = call(client, "GET", f"/v1/declarations?id_number={REAL_ID}", token=desk["officer"])
    assert old_lookup.status_code == 200
    assert [item["id"] for item in json.loads(old_lookup.body)["items"]] == [created["id"]]
    assert old_lookup.headers["Deprecation"] == "@1796256000"  # 2026-12-03T00:00:00Z
    assert '</v1/declarations/lookup>; rel="successor-version"' in old_lookup.headers["Link"]
    assert 'rel="deprecation"' in old_lookup.headers["Link"]

    old_status = client.http.get(f"/v1/declarations/{created['id']}?id_number={REAL_ID}")
    assert old_status.status_code == 200
    assert old_status.headers["Deprecation"] == "@1796256000"
    assert f'</v1/declarations/{created["id"]}>; rel="successor-version"' in old_status.headers["Link"]


def test_the_id_number_is_never_logged(
    client: Any, desk: dict[str, str], caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO)  # what the functions log in Lambda (libraries' DEBUG output is off there)
    created = json.loads(submit(client, form()).body)
    lookup(client, desk["officer"], id_number=REAL_ID)
    call(client, "GET", f"/v1/declarations?id_number={REAL_ID}", token=desk["officer"])
    client.http.get(f"/v1/declarations/{created['id']}", headers={"X-Id-Number": REAL_ID})
    client.http.get(f"/v1/declarations/{created['id']}", headers={"X-Id-Number": "0" * 40})  # refused
    call(client, "POST", "/v1/declarations/lookup", {"id_number": REAL_ID, "x": 1}, token=desk["officer"])
    captured = capsys.readouterr()
    logged = caplog.text + captured.out + captured.err
    assert logged.strip(), "nothing was logged: the test would prove nothing"
    assert REAL_ID not in logged


# --- finding 11: one script per name --------------------------------------------------------


def test_a_name_in_cyrillic_look_alikes_is_refused(client: Any) -> None:
    look_alike = form(full_name="Nguy\u0435n V\u0430n A")  # Cyrillic е and а
    response = call(client, "POST", "/v1/declarations", look_alike, **{"Accept-Language": "en"})
    assert response.status_code == 422
    errors = json.loads(response.body)["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("full_name", "invalid_script")]
    assert "Latin" in errors[0]["message"]
