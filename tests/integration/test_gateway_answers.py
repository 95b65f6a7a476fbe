"""Each answer API Gateway makes before the service runs, as the local stack and
chalice.test.Client give it (local/gateway.py): a problem with its code, the
status, Content-Type, Content-Language and a correlation id."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.api.gateway_responses import GATEWAY_MAX_BODY_BYTES
from chalicelib.domain.account import OFFICER, SUPERVISOR
from tests.accounts import issue
from tests.integration.test_officer_desk import call, staff_token

PROBLEM = "application/problem+json"


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].split(";")[0] == PROBLEM
    assert response.headers["Content-Language"] == "vi"
    assert response.headers["X-Correlation-Id"]
    body: dict[str, Any] = json.loads(response.body)
    assert (body["status"], body["code"]) == (status, code)
    assert body["type"].endswith("/problems/" + code)
    assert body["title"] and body["title_en"] and body["detail"] and body["detail_en"]
    return body


def test_no_token_is_401_unauthenticated(client: Any) -> None:
    body = _problem(client.http.get("/v1/me"), 401, "unauthenticated")
    assert body["title_en"] == "Please sign in"


@pytest.mark.parametrize(
    "authorization", ["Bearer " + "x" * 43, "Bearer short", "Basic dXNlcjpwYXNz", "Bearer", "x" * 500, "Bearer ☃☃☃"]
)
def test_garbled_or_unknown_token_is_403_session_invalid(client: Any, authorization: str) -> None:
    _problem(client.http.get("/v1/me", headers={"Authorization": authorization}), 403, "session_invalid")


def test_ended_session_is_403_session_invalid(client: Any, container: Any) -> None:
    token = staff_token(client, container, "0100000001", "BHXH-01", OFFICER)
    assert call(client, "POST", "/v1/auth/logout", token=token).status_code == 204
    _problem(call(client, "GET", "/v1/me", token=token), 403, "session_invalid")


def test_temporary_password_session_is_told_to_change_it(client: Any, container: Any) -> None:
    issued = issue(container, "0100000001", roles=(OFFICER,), office_code="BHXH-01", identity_key="id#001080000001")
    login = call(client, "POST", "/v1/auth/login", {"username": "0100000001", "password": issued.temporary_password})
    token = json.loads(login.body)["token"]
    body = _problem(call(client, "GET", "/v1/declarations/overdue", token=token), 403, "password_change_required")
    assert "POST /v1/auth/password" in body["detail"]
    assert "POST /v1/auth/password" in body["detail_en"]
    assert call(client, "GET", "/v1/me", token=token).status_code == 200  # what it may still do


def test_role_without_the_route_is_403_forbidden(client: Any, container: Any) -> None:
    token = staff_token(client, container, "0100000003", "BHXH-01", SUPERVISOR)
    _problem(call(client, "POST", "/v1/declarations/x/receive", {}, token=token), 403, "forbidden")


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/v1/nowhere", {}),
        ("GET", "/", {}),
        ("POST", "/v2/declarations", {}),
        ("GET", "/v1/nowhere", {"Authorization": "Bearer " + "x" * 43}),
        ("GET", "/v1/declarations/a/b/c/d", {}),
    ],
)
def test_unknown_route_is_404_route_not_found(client: Any, method: str, path: str, headers: dict[str, str]) -> None:
    _problem(client.http.request(method, path, headers=headers), 404, "route_not_found")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/v1/health", "GET, OPTIONS"),
        ("TRACE", "/v1/health", "GET, OPTIONS"),
        ("PUT", "/v1/declarations", "GET, OPTIONS, POST"),
        ("PATCH", "/v1/me", "GET, OPTIONS"),
    ],
)
def test_method_a_route_does_not_have_is_405_with_allow(client: Any, method: str, path: str, allow: str) -> None:
    response = client.http.request(method, path)
    _problem(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == allow


def test_body_over_api_gateway_limit_is_413(client: Any) -> None:
    response = client.http.post("/v1/auth/login", body=b"x" * (GATEWAY_MAX_BODY_BYTES + 1))
    _problem(response, 413, "body_too_large")


def test_authorizer_failure_is_500_internal_error(client: Any, container: Any, monkeypatch: Any) -> None:
    def broken(*_: Any) -> Any:
        raise RuntimeError("table unreachable")

    monkeypatch.setattr("chalicelib.services.sign_in.authorize", broken)
    _problem(client.http.get("/v1/me", headers={"Authorization": "Bearer " + "x" * 43}), 500, "internal_error")


def test_service_refusals_still_follow_accept_language(client: Any) -> None:
    response = client.http.post(
        "/v1/auth/login", headers={"Content-Type": "application/json", "Accept-Language": "en"}, body=b"{"
    )
    assert response.status_code == 400
    assert (response.headers["Content-Language"], json.loads(response.body)["title"]) == (
        "en",
        "The body is not valid JSON",
    )


@pytest.mark.parametrize(
    ("given", "kept"),
    [("abc-123", True), ("---", True), ("x" * 64, True), ("", False), (" ", False), ("x" * 65, False), ("ä1", False)],
)
def test_correlation_id_matching_the_pattern_is_kept_else_replaced(client: Any, given: str, kept: bool) -> None:
    response = client.http.get("/v1/health", headers={"X-Correlation-Id": given})
    assert response.status_code == 200
    assert (response.headers["X-Correlation-Id"] == given) is kept
    assert 1 <= len(response.headers["X-Correlation-Id"]) <= 64
