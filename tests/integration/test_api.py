"""HTTP behaviour through chalice.test.Client, against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.builders import form, other_person
from tests.fakes import FakeClock


def post(client: Any, body: Any, raw: bytes | str | None = None, **headers: str) -> Any:
    return client.http.post(
        "/v1/declarations",
        headers={"Content-Type": "application/json", **headers},
        body=raw if raw is not None else json.dumps(body),
    )


def problem_of(response: Any) -> dict[str, Any]:
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = json.loads(response.body)
    return body


def test_health(client: Any) -> None:
    response = client.http.get("/v1/health")
    assert response.status_code == 200
    assert json.loads(response.body) == {"status": "ok", "version": "0.1.0"}


def test_submit_creates_awaiting_office_declaration_with_ten_day_expiry(client: Any, clock: FakeClock) -> None:
    response = post(client, form())
    assert response.status_code == 201
    body = json.loads(response.body)
    assert body["status"] == "awaiting_office"
    assert body["expires_at"] == "2026-12-04T03:00:00+00:00"
    assert body["office"]["office_code"] == "BHXH-01"
    assert len(body["code"]) == 9 and body["code"][4] == "-"


def test_status_needs_the_matching_id_number(client: Any) -> None:
    created = json.loads(post(client, form()).body)
    ok = client.http.get(f"/v1/declarations/{created['id']}", headers={"X-Id-Number": "001089020747"})
    assert ok.status_code == 200
    assert json.loads(ok.body)["code"] == created["code"]
    wrong = client.http.get(f"/v1/declarations/{created['id']}", headers={"X-Id-Number": "001089020748"})
    missing = client.http.get(f"/v1/declarations/{created['id']}")
    unknown = client.http.get("/v1/declarations/nope", headers={"X-Id-Number": "001089020747"})
    for response in (wrong, missing, unknown):
        assert response.status_code == 404
        assert problem_of(response)["code"] == "declaration_not_found"
    assert json.loads(wrong.body) == json.loads(unknown.body)


def test_expired_declaration_is_410_before_ttl_deletes_it(client: Any, clock: FakeClock) -> None:
    created = json.loads(post(client, form()).body)
    clock.advance(days=10)
    response = client.http.get(f"/v1/declarations/{created['id']}", headers={"X-Id-Number": "001089020747"})
    assert response.status_code == 410
    assert problem_of(response)["code"] == "declaration_expired"


def test_several_declarations_of_one_person_coexist(client: Any) -> None:
    """Nobody blocks anybody (issue 17): the same code, the same ID number, or both, declared again."""
    assert post(client, form()).status_code == 201
    assert post(client, form(phone="0987000111")).status_code == 201
    assert post(client, form(bhxh_code="0999999999")).status_code == 201
    assert post(client, other_person()).status_code == 201


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        ("{bad json", "application/json", 400, "malformed_json"),
        ("", "application/json", 400, "malformed_json"),
        ("[1, 2]", "application/json", 422, "validation_failed"),
        ('"text"', "application/json", 422, "validation_failed"),
        ("\xff\xfe", "application/json", 400, "malformed_json"),
        ("{}", "text/plain", 415, "unsupported_media_type"),
        ("<form01/>", "application/xml", 415, "unsupported_media_type"),
        ("[" * 5000 + "]" * 5000, "application/json", 400, "malformed_json"),
    ],
)
def test_bad_bodies_get_a_4xx_problem(client: Any, raw: str, content_type: str, status: int, code: str) -> None:
    response = post(client, None, raw=raw, **{"Content-Type": content_type})
    assert response.status_code == status
    assert problem_of(response)["code"] == code


def test_body_over_64_kib_is_413(client: Any) -> None:
    response = post(client, form(address="x" * (65 * 1024)))
    assert response.status_code == 413
    assert problem_of(response)["code"] == "body_too_large"


def test_unknown_fields_and_bad_values_get_field_errors(client: Any) -> None:
    response = post(client, {**form(phone="123"), "favourite_colour": "red"})
    assert response.status_code == 422
    body = problem_of(response)
    assert body["code"] == "validation_failed"
    fields = {(e["field"], e["code"]) for e in body["errors"]}
    assert ("favourite_colour", "unknown_field") in fields
    assert ("phone", "invalid_phone") in fields
    assert all(e["message"] for e in body["errors"])


def test_unknown_office_is_a_field_error(client: Any) -> None:
    response = post(client, form(office_code="BHXH-99"))
    assert response.status_code == 422
    assert {"field": "office_code", "code": "unknown_office"}.items() <= problem_of(response)["errors"][0].items()


def test_messages_in_english_on_request(client: Any) -> None:
    vi = problem_of(post(client, None, raw="{bad"))
    en = problem_of(post(client, None, raw="{bad", **{"Accept-Language": "en-GB,en;q=0.9"}))
    assert vi["code"] == en["code"] == "malformed_json"
    assert vi["title"] == "Nội dung gửi lên không phải JSON hợp lệ"
    assert en["title"] == "The body is not valid JSON"


def test_idempotency_key_replays_the_first_response(client: Any) -> None:
    first = post(client, form(), **{"Idempotency-Key": "abc-123"})
    second = post(client, form(), **{"Idempotency-Key": "abc-123"})
    assert first.status_code == second.status_code == 201
    assert json.loads(first.body) == json.loads(second.body)


def test_idempotency_key_with_another_body_is_409(client: Any) -> None:
    assert post(client, form(), **{"Idempotency-Key": "abc-123"}).status_code == 201
    other = post(client, other_person(), **{"Idempotency-Key": "abc-123"})
    assert other.status_code == 409
    assert problem_of(other)["code"] == "idempotency_key_reused"


def test_failed_request_does_not_burn_its_idempotency_key(client: Any) -> None:
    bad = post(client, form(phone="1"), **{"Idempotency-Key": "k-1"})
    assert bad.status_code == 422
    bad_again = post(client, form(phone="2"), **{"Idempotency-Key": "k-1"})
    assert bad_again.status_code == 422


def test_invalid_idempotency_key_is_400(client: Any) -> None:
    response = post(client, form(), **{"Idempotency-Key": "x" * 200})
    assert response.status_code == 400
    assert problem_of(response)["code"] == "invalid_idempotency_key"


def test_cors_allows_the_front_end_headers(client: Any) -> None:
    from app import app

    # API Gateway answers preflights from this configuration (chalice.test cannot).
    allowed = app.routes["/v1/declarations"]["POST"].cors.get_access_control_headers()
    assert "Idempotency-Key" in allowed["Access-Control-Allow-Headers"]
    assert "Accept-Language" in allowed["Access-Control-Allow-Headers"]
    created = post(client, form())
    assert created.headers["Access-Control-Allow-Origin"]
    assert "X-Correlation-Id" in created.headers["Access-Control-Expose-Headers"]


def test_correlation_id_is_echoed(client: Any) -> None:
    response = client.http.get("/v1/health", headers={"X-Correlation-Id": "req-42"})
    assert response.headers["X-Correlation-Id"] == "req-42"


def test_offices_by_province(client: Any) -> None:
    response = client.http.get("/v1/offices?province=79")
    assert [o["office_code"] for o in json.loads(response.body)["items"]] == ["BHXH-79"]
    bad = client.http.get("/v1/offices?province=999")
    assert bad.status_code == 422


def test_stored_declaration_keeps_normalised_values(client: Any, container: Any) -> None:
    created = json.loads(post(client, form(full_name="  nguyễn   văn an ")).body)
    stored = container.declarations.get(created["id"])
    assert stored.form.full_name == "nguyễn văn an"
    assert stored.form.phone == "+84912345678"


def test_unexpected_error_is_a_500_problem_without_details(
    client: Any, container: Any, monkeypatch: Any, no_personal_data_in_logs: Any
) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret 001089020747")

    monkeypatch.setattr(container.declarations, "create", boom)
    response = post(client, form())
    assert response.status_code == 500
    body = problem_of(response)
    assert body["code"] == "internal_error"
    assert "001089020747" not in response.body.decode()
    # The log says where, by the project's own paths: not the machine's directories (a checkout in a
    # random temporary folder looked like a temporary password to the personal-data detector).
    [logged] = [line for line in no_personal_data_in_logs.lines if "unhandled error" in line and "frames" in line]
    frames = json.loads(logged[logged.index("{") :])["frames"]
    assert frames and all(not frame.startswith("/") for frame in frames), frames
    assert frames[-1].startswith("tests/integration/test_api.py:") and frames[-1].endswith(" boom"), frames
