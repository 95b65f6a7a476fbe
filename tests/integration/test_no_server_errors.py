"""No input gives a 5xx: every operation of the OpenAPI document, driven through
chalice.test.Client with generated bodies, query strings, path parameters and
headers (empty, blank, over-long, NUL-containing, non-BMP and lone-surrogate
strings in every field, wrong types, whole bodies of any JSON), anonymous and as
a signed-in member of staff; every answer is documented for its operation and
matches the document (status, media type, body schema)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.test_officer_desk import call, staff_token
from tests.integration.test_openapi import PROBLEM, SPEC, _escape, _follow, _schema_errors

HTTP_METHODS = ("get", "post", "put", "delete", "patch")
OPERATIONS = sorted((path, method) for path, item in SPEC["paths"].items() for method in item if method in HTTP_METHODS)
NASTY = st.sampled_from(
    [
        "",
        " ",
        "   ",
        "\t\n",
        "\x00",
        "0123456789\x00",
        "\U0001f600",
        "\U0001f600" * 70,
        "𝔸𝔹ℂ",
        "\ud800",
        "a\udfffb",
        "x" * 5000,
        "0" * 300,
        "0123456789",
        "001089020747",
        "../../etc/passwd",
        "%00",
        "' OR 1=1 --",
        "<x/>",
        "null",
    ]
)
STRINGS = st.one_of(NASTY, st.text(max_size=40))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | STRINGS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(STRINGS, children, max_size=3),
    max_leaves=8,
)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = SPEC
        for part in schema["$ref"][2:].split("/"):
            node = node[part]
        schema = node
    return schema


def _object(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Objects with the schema's property names (and sometimes others), each value nasty or of any type."""
    schema = _resolve(schema)
    names = sorted(schema.get("properties", {}))
    if not names:
        return JSON_VALUES

    def value(name: str) -> st.SearchStrategy[Any]:
        inner = _resolve(schema["properties"][name])
        if inner.get("type") == "object" and depth < 2:
            return st.one_of(_object(inner, depth + 1), STRINGS, JSON_VALUES)
        return st.one_of(STRINGS, STRINGS, JSON_VALUES)

    return st.fixed_dictionaries({}, optional={name: value(name) for name in names}) | st.dictionaries(
        STRINGS, JSON_VALUES, max_size=2
    )


def _parameters(operation: dict[str, Any], path_item: dict[str, Any]) -> list[dict[str, Any]]:
    return [_resolve(p) for p in [*path_item.get("parameters", []), *operation.get("parameters", [])]]


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    path, method = draw(st.sampled_from(OPERATIONS))
    operation = SPEC["paths"][path][method]
    parameters = _parameters(operation, SPEC["paths"][path])
    url = path
    query = {}
    headers = {}
    for parameter in parameters:
        where, name = parameter["in"], parameter["name"]
        if where == "path":
            # Never empty: "/v1/declarations/" is another route ("/v1/declarations").
            value = draw(STRINGS.filter(bool))
            url = url.replace("{" + name + "}", quote(value.encode("utf-8", "surrogatepass"), safe=""))
        elif where == "query" and draw(st.booleans()):
            query[name] = draw(STRINGS)
        elif where == "header" and draw(st.booleans()):
            headers[name] = draw(st.one_of(NASTY, st.text(st.characters(min_codepoint=32, max_codepoint=126))))
    if query:
        url += "?" + urlencode({k: v.encode("utf-8", "surrogatepass") for k, v in query.items()})
    body = None
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        value = draw(st.one_of(_object(content["application/json"]["schema"]), JSON_VALUES))
        body = json.dumps(value).encode("utf-8")
        headers["Content-Type"] = "application/json"
    elif content:
        headers["Content-Type"] = next(iter(content))
        body = draw(STRINGS).encode("utf-8", "surrogatepass")
    return {"template": path, "method": method, "url": url, "headers": headers, "body": body}


def check_against_document(request: dict[str, Any], response: Any) -> None:
    where = f"{request['method'].upper()} {request['url'][:200]}"
    assert response.status_code < 500, f"{where} answered {response.status_code}: {response.body[:500]!r}"
    responses = SPEC["paths"][request["template"]][request["method"]]["responses"]
    status = str(response.status_code)
    assert status in responses, f"{where} answered {status}, not documented"
    pointer, documented = _follow(f"/paths/{_escape(request['template'])}/{request['method']}/responses/{status}")
    content = documented.get("content", {})
    if not content:
        assert response.body in (b"", ""), where
        return
    media = response.headers.get("Content-Type", "").split(";")[0].strip()
    assert media in content, f"{where}: {media} not documented for {status}"
    if media.endswith("json"):
        body = json.loads(response.body)
        errors = _schema_errors(f"{pointer}/content/{_escape(media)}/schema", body)
        assert not errors, f"{where}: {errors}"


@pytest.fixture
def staff(client: Any, container: Any) -> str:
    """A member of staff with every role that has routes, past the first password change."""
    return staff_token(client, container, "0100000001", "BHXH-01", "officer", "reporter", "admin")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=False,
)
@given(request=requests(), signed_in=st.booleans())
def test_no_input_gives_a_server_error(client: Any, staff: str, request: dict[str, Any], signed_in: bool) -> None:
    headers = dict(request["headers"])
    if signed_in:
        headers["Authorization"] = f"Bearer {staff}"
    response = client.http.request(request["method"].upper(), request["url"], headers=headers, body=request["body"])
    check_against_document(request, response)


@pytest.mark.parametrize("username", ["", "   ", "\t", "\x00", "\U0001f600" * 100, "x" * 5000])
def test_recovery_confirm_with_any_username_is_a_4xx(client: Any, username: str) -> None:
    body = {"username": username, "code": "123456", "new_password": "Cây tre xanh bên dòng sông quê"}
    response = call(client, "POST", "/v1/auth/recovery/confirm", body)
    assert 400 <= response.status_code < 500, response.body
    if not username.strip():
        assert response.status_code == 422
        assert json.loads(response.body)["errors"] == [
            {"field": "username", "code": "required", "message": "Bắt buộc nhập"}
        ]
    request = {"template": "/v1/auth/recovery/confirm", "method": "post", "url": "/v1/auth/recovery/confirm"}
    check_against_document(request, response)
    assert PROBLEM in response.headers["Content-Type"]
