"""The OpenAPI document (chalicelib/openapi.json) against the app.

The document must be valid OpenAPI 3.1, served unchanged at /v1/openapi.json,
list exactly the routes the Chalice app has, agree with the domain's codes,
and describe the real responses: for each scenario below, the response's
status must be documented for its operation, and its media type, headers and
JSON body must match what is documented for that status.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # no stubs installed
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from chalicelib.domain.account import OFFICER, REPORTER, SUPERVISOR
from chalicelib.domain.participant import Participant
from tests.accounts import issue
from tests.builders import FORM, form, other_person
from tests.fakes import FakeClock
from tests.id_copies import jpeg, keep_copy, png, post_presigned, via_chalice
from tests.integration import test_officer_desk as desk

SPEC_PATH = Path(__file__).resolve().parents[2] / "chalicelib" / "openapi.json"
SPEC_TEXT = SPEC_PATH.read_text(encoding="utf-8")
SPEC: dict[str, Any] = json.loads(SPEC_TEXT)
SPEC_URI = "urn:bhxh:openapi"
REGISTRY: Registry[Any] = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(SPEC))
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON = "application/json"
PROBLEM = "application/problem+json"
MAX_BODY = 64 * 1024
EMPTY_STATUSES = ("202", "204")
NEW_PASSWORD = "Cây tre xanh bên dòng sông quê"


# --- reading the document -------------------------------------------------------------


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _at(pointer: str) -> Any:
    """The node at a JSON pointer (``/a/b``) inside the document."""
    node: Any = SPEC
    for raw in pointer.split("/")[1:]:
        segment = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(segment)] if isinstance(node, list) else node[segment]
    return node


def _follow(pointer: str) -> tuple[str, Any]:
    """Follow OpenAPI ``$ref``s (responses, headers, parameters) from ``pointer``."""
    node = _at(pointer)
    seen = {pointer}
    while isinstance(node, dict) and "$ref" in node:
        target = node["$ref"]
        assert target.startswith("#/"), f"only local references are supported, got {target}"
        pointer = target[1:]
        assert pointer not in seen, f"reference cycle at {target}"
        seen.add(pointer)
        node = _at(pointer)
    return pointer, node


def _validator(pointer: str) -> Draft202012Validator:
    """A validator for the schema at ``pointer``, resolving its refs in the document."""
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{pointer}"},
        registry=REGISTRY,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _schema_errors(pointer: str, instance: Any) -> list[str]:
    return sorted(
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in _validator(pointer).iter_errors(instance)
    )


def _operations() -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in SPEC["paths"].items() for method in item if method in HTTP_METHODS}


def _documented_responses() -> list[tuple[str, str, str, str, Any]]:
    """(path, method, status, pointer, response object) for every documented response."""
    found = []
    for path, method in sorted(_operations()):
        base = f"/paths/{_escape(path)}/{method.lower()}/responses"
        for status in _at(base):
            pointer, response = _follow(f"{base}/{_escape(status)}")
            found.append((path, method, status, pointer, response))
    return found


def _problem_responses() -> list[tuple[str, str, str, str, Any]]:
    return [entry for entry in _documented_responses() if PROBLEM in entry[4].get("content", {})]


def _component(name: str) -> Any:
    return SPEC["components"]["schemas"][name]


# --- the document itself ---------------------------------------------------------------


def test_document_is_valid_openapi_3_1() -> None:
    assert SPEC["openapi"].startswith("3.1.")
    validate_openapi(SPEC)


def test_document_is_formatted_with_two_space_indent() -> None:
    canonical = json.dumps(SPEC, ensure_ascii=False, indent=2) + "\n"
    assert canonical == SPEC_TEXT, "rewrite chalicelib/openapi.json with json.dumps(indent=2, ensure_ascii=False)"


def test_info_version_is_the_package_version() -> None:
    from chalicelib import __version__

    assert SPEC["info"]["version"] == __version__


def _app_routes() -> dict[tuple[str, str], Any]:
    """(path, method) → Chalice route entry, for every HTTP route of the app."""
    from app import app

    return {
        (path, method): entry
        for path, entries in app.routes.items()
        for method, entry in entries.items()
        if method != "OPTIONS"
    }


def test_every_app_route_is_documented() -> None:
    missing = set(_app_routes()) - _operations()
    assert not missing, f"routes missing from openapi.json: {sorted(missing)}"


def test_every_documented_operation_is_an_app_route() -> None:
    extra = _operations() - set(_app_routes())
    assert not extra, f"openapi.json documents operations the app lacks: {sorted(extra)}"


def _known_problem_statuses() -> dict[str, int]:
    """Every problem code the app can answer with, and its HTTP status."""
    from chalicelib.api.problems import CHALICE_CODES
    from chalicelib.domain import errors

    statuses = {
        cls.code: cls.status
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.DomainError)
    }
    # Codes that only the middleware (chalicelib/api/middleware.py) produces, from Chalice's own errors.
    statuses.update({"method_not_allowed": 405, "unsupported_media_type": 415, "internal_error": 500})
    # The view wrapper's answer to a write the store kept refusing for a passing reason.
    from chalicelib.domain.errors import ServiceBusyError

    statuses[ServiceBusyError.code] = ServiceBusyError.status
    for cls in vars(errors).values():  # its kin: a dependency that did not answer (VNeID)
        if isinstance(cls, type) and issubclass(cls, ServiceBusyError):
            statuses[cls.code] = cls.status
    # Codes of API Gateway's own answers (gateway responses, emulated by local/gateway.py).
    from chalicelib.api.gateway_responses import EDGE_CODE_STATUSES

    conflicting = {code for code, status in EDGE_CODE_STATUSES.items() if statuses.get(code, status) != status}
    assert not conflicting, f"gateway answers give these codes another status: {sorted(conflicting)}"
    statuses.update(EDGE_CODE_STATUSES)
    unmapped = set(CHALICE_CODES.values()) - set(statuses)
    assert not unmapped, f"add the HTTP status of {sorted(unmapped)} here"
    return statuses


def test_problem_code_enum_lists_every_code_the_app_can_answer() -> None:
    documented = set(_component("Problem")["properties"]["code"]["enum"])
    assert documented == set(_known_problem_statuses())


def test_field_error_code_enum_lists_every_field_message() -> None:
    from chalicelib.domain.messages import FIELD_MESSAGES

    assert set(_component("FieldError")["properties"]["code"]["enum"]) == set(FIELD_MESSAGES)


def test_every_problem_response_pins_its_status_and_codes() -> None:
    unpinned = []
    for path, method, status, pointer, response in _problem_responses():
        schema = response["content"][PROBLEM]["schema"]
        properties = schema.get("properties", {})
        if properties.get("status", {}).get("const") != int(status) or not properties.get("code", {}).get("enum"):
            unpinned.append(f"{method} {path} {status} ({pointer})")
    assert not unpinned, f"problem responses without status const / code enum: {unpinned}"


def test_problem_codes_are_documented_under_their_own_status() -> None:
    statuses = _known_problem_statuses()
    misplaced = []
    for path, method, status, _pointer, response in _problem_responses():
        schema = response["content"][PROBLEM]["schema"]
        for code in schema.get("properties", {}).get("code", {}).get("enum", []):
            if statuses.get(code) != int(status):
                misplaced.append(f"{method} {path} {status}: {code} is answered with {statuses.get(code)}")
    assert not misplaced, misplaced


def test_pinned_field_codes_are_field_codes() -> None:
    known = set(_component("FieldError")["properties"]["code"]["enum"])
    unknown = {}
    for path, method, status, _pointer, response in _problem_responses():
        schema = response["content"][PROBLEM]["schema"]
        errors = schema.get("properties", {}).get("errors", {})
        pinned = set(errors.get("items", {}).get("properties", {}).get("code", {}).get("enum", []))
        if pinned - known:
            unknown[f"{method} {path} {status}"] = sorted(pinned - known)
    assert not unknown, unknown


def test_empty_responses_are_exactly_202_and_204() -> None:
    """202 and 204 answer an empty body: documented without content; every other response has some."""
    wrong = [
        f"{method} {path} {status}"
        for path, method, status, _pointer, response in _documented_responses()
        if (status in EMPTY_STATUSES) == bool(response.get("content"))
    ]
    assert not wrong, wrong


def test_operations_behind_the_authorizer_declare_bearer_auth() -> None:
    scheme = SPEC["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "security" not in SPEC, "public operations must not inherit a document-wide requirement"
    wrong = []
    for (path, method), entry in sorted(_app_routes().items()):
        operation = SPEC["paths"].get(path, {}).get(method.lower())
        if operation is None:
            continue  # reported by test_every_app_route_is_documented
        protected = entry.authorizer is not None
        declared = operation.get("security") == [{"bearerAuth": []}]
        gateway = {"401", "403"} <= set(operation["responses"])
        if protected != declared or (protected and not gateway):
            wrong.append(f"{method} {path}: authorizer={protected}, security={operation.get('security')}")
    assert not wrong, wrong


def test_role_enum_matches_the_domain() -> None:
    from chalicelib.domain.account import ROLES

    assert set(_component("Role")["enum"]) == set(ROLES)


def test_form01_schema_has_exactly_the_form_fields() -> None:
    from chalicelib.domain.form01 import FIELDS, ID_DOCUMENT_FIELDS, REQUIRED

    form01, id_document = _component("Form01"), _component("IdDocument")
    assert (set(form01["properties"]), set(form01["required"])) == (set(FIELDS), set(REQUIRED))
    assert (set(id_document["properties"]), set(id_document["required"])) == (
        set(ID_DOCUMENT_FIELDS),
        set(ID_DOCUMENT_FIELDS),
    )


@pytest.mark.parametrize("body", [FORM, other_person(), form(email=None, nationality=None, unit_code="KCN-01")])
def test_valid_forms_match_the_form01_schema(body: dict[str, Any]) -> None:
    assert _schema_errors("/components/schemas/Form01", body) == []


@pytest.mark.parametrize(
    "body",
    [form(nickname="An"), form(id_serial="X"), form(gender="other"), form(bhxh_code="12345")],
    ids=["unknown-field", "unknown-id-document-field", "bad-gender", "short-bhxh-code"],
)
def test_invalid_forms_do_not_match_the_form01_schema(body: dict[str, Any]) -> None:
    assert _schema_errors("/components/schemas/Form01", body) != []


def test_request_examples_match_their_schema() -> None:
    failures = {}
    for path, method in _operations():
        content = SPEC["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
        for media, media_object in content.items():
            pointer = f"/paths/{_escape(path)}/{method.lower()}/requestBody/content/{_escape(media)}/schema"
            for name, example in media_object.get("examples", {}).items():
                errors = _schema_errors(pointer, example["value"])
                if errors:
                    failures[f"{method} {path} {name}"] = errors
    assert not failures, failures


def test_declaration_with_office_is_declaration_plus_office() -> None:
    declaration, with_office = _component("Declaration"), _component("DeclarationWithOffice")
    assert with_office["properties"] == {**declaration["properties"], "office": with_office["properties"]["office"]}
    assert set(with_office["required"]) == {*declaration["required"], "office"}


def test_declaration_enums_match_the_domain() -> None:
    from chalicelib.domain import declaration as d

    channels = {d.CHANNEL_OFFICE, d.CHANNEL_PAPER, d.CHANNEL_SIGNED, d.CHANNEL_VNEID}
    statuses = {d.AWAITING_OFFICE, d.RECEIVED, d.APPROVED, d.REJECTED, d.EXPIRED, d.CANCELLED}
    documented = (set(_component("Channel")["enum"]), set(_component("DeclarationStatus")["enum"]))
    assert documented == (channels, statuses)


def _desk_declaration() -> Any:
    """A received paper declaration, as the domain builds it."""
    from chalicelib.domain.declaration import new_paper_declaration
    from chalicelib.domain.form01 import parse_form01

    return new_paper_declaration(
        parse_form01(FORM, today=date(2026, 11, 24)),
        declaration_id="decl-0001",
        code="K7PQ3M9X",
        now=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
        officer="0100000001",
        office_code="BHXH-01",
        due_by=date(2026, 11, 27),
    )


def test_declaration_summary_has_exactly_the_summary_keys() -> None:
    from chalicelib.services.lookup_declarations import summary

    declaration = _desk_declaration()
    body = summary(declaration, declaration.created_at)
    schema = _component("DeclarationSummary")
    assert (set(schema["properties"]), set(schema["required"])) == (set(body), set(body))
    assert _schema_errors("/components/schemas/DeclarationSummary", body) == []


def test_rejected_declaration_is_summary_plus_reasons_and_note() -> None:
    summary, rejected = _component("DeclarationSummary"), _component("RejectedDeclaration")
    extra = {"reasons": rejected["properties"]["reasons"], "note": rejected["properties"]["note"]}
    assert rejected["properties"] == {**summary["properties"], **extra}
    assert set(rejected["required"]) == {*summary["required"], "reasons", "note"}


def test_desk_request_bodies_have_exactly_the_service_fields() -> None:
    from chalicelib.domain.identifiers import ID_DOCUMENT_TYPES
    from chalicelib.services import receive_declaration, reject_declaration

    receive, rejection = _component("ReceiveRequest"), _component("RejectionRequest")
    assert set(receive["properties"]) == set(receive["required"]) == set(receive_declaration.FIELDS)
    assert receive["properties"]["document_type"]["enum"] == list(ID_DOCUMENT_TYPES)
    assert set(rejection["properties"]) == set(reject_declaration.FIELDS)


def test_rejection_reasons_match_the_catalogue() -> None:
    from chalicelib.domain.rejection_reasons import MAX_NOTE, REASONS

    assert set(_component("RejectionReason")["enum"]) == set(REASONS)
    properties = _component("RejectionRequest")["properties"]
    assert (properties["reasons"]["maxItems"], properties["note"]["maxLength"]) == (len(REASONS), MAX_NOTE)


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"reasons": ["illegible_form", "incomplete_dossier"]}, True),
        ({"reasons": ["other"], "note": "Thiếu chữ ký"}, True),
        ({"reasons": ["illegible_form"], "note": None}, True),
        ({"reasons": ["other"]}, False),
        ({"reasons": ["other"], "note": "  "}, False),
        ({"reasons": []}, False),
        ({"reasons": ["no_reason"]}, False),
        ({"note": "Thiếu chữ ký"}, False),
        ({"reasons": ["illegible_form"], "comment": "x"}, False),
    ],
)
def test_rejection_request_schema(body: dict[str, Any], valid: bool) -> None:
    assert (_schema_errors("/components/schemas/RejectionRequest", body) == []) is valid


def test_registry_difference_fields_match_the_domain() -> None:
    from chalicelib.domain.form01 import parse_form01
    from chalicelib.domain.registry_check import registry_differences

    declared = parse_form01(FORM, today=date(2026, 11, 24))
    everything_differs = Participant("0123456789", "Lê Thị Cúc", "1990-01-01", "female", "079190000001", "", "79")
    fields = {d.field for d in registry_differences(declared, asdict(everything_differs))}
    fields |= {d.field for d in registry_differences(declared, None)}
    assert set(_component("RegistryDifference")["properties"]["field"]["enum"]) == fields


@pytest.mark.parametrize(
    ("code", "with_differences", "valid"),
    [
        ("registry_mismatch", True, True),
        ("registry_mismatch", False, False),
        ("conflict", True, False),
        ("conflict", False, True),
    ],
)
def test_only_registry_mismatch_problems_list_differences(code: str, with_differences: bool, valid: bool) -> None:
    body: dict[str, Any] = {
        "type": f"https://dichvucong.baohiemxahoi.gov.vn/problems/{code}",
        "title": "t",
        "status": 409,
        "detail": "d",
        "code": code,
    }
    if with_differences:
        body["differences"] = [{"field": "date_of_birth", "declared": "1989-05-02", "registry": "1989-05-03"}]
    assert (_schema_errors("/components/schemas/Problem", body) == []) is valid


# --- the document as served --------------------------------------------------------------


def test_served_document_is_the_file(client: Any) -> None:
    response = client.http.get("/v1/openapi.json")
    assert (response.status_code, json.loads(response.body)) == (200, SPEC)


# --- real responses against the document -------------------------------------------------


def _post_declaration(client: Any, body: Any, **headers: str) -> Any:
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.http.post("/v1/declarations", headers={"Content-Type": JSON, **headers}, body=raw)


def _submitted_id(client: Any) -> str:
    response = _post_declaration(client, form())
    assert response.status_code == 201, response.body
    return str(json.loads(response.body)["id"])


def _submit_twice(client: Any, clock: FakeClock) -> Any:
    _submitted_id(client)
    return _post_declaration(client, form())


def _replay(client: Any, clock: FakeClock) -> Any:
    first = _post_declaration(client, form(), **{"Idempotency-Key": "replay-1"})
    assert first.status_code == 201, first.body
    return _post_declaration(client, form(), **{"Idempotency-Key": "replay-1"})


def _too_large(client: Any, clock: FakeClock) -> Any:
    body = json.dumps(form(address="x" * MAX_BODY))
    assert len(body.encode()) > MAX_BODY
    return _post_declaration(client, body)


def _status(client: Any, clock: FakeClock) -> Any:
    declaration_id = _submitted_id(client)
    return client.http.get(f"/v1/declarations/{declaration_id}", headers={"X-Id-Number": FORM["id_document"]["number"]})


def _status_deprecated_query(client: Any, clock: FakeClock) -> Any:
    declaration_id = _submitted_id(client)
    response = client.http.get(f"/v1/declarations/{declaration_id}?id_number={FORM['id_document']['number']}")
    assert response.headers["Deprecation"].startswith("@"), response.headers
    return response


def _status_wrong_id_number(client: Any, clock: FakeClock) -> Any:
    declaration_id = _submitted_id(client)
    return client.http.get(f"/v1/declarations/{declaration_id}", headers={"X-Id-Number": "079301123456"})


def _status_expired(client: Any, clock: FakeClock) -> Any:
    declaration_id = _submitted_id(client)
    clock.advance(days=11)
    return client.http.get(
        f"/v1/declarations/{declaration_id}",
        headers={"Accept-Language": "en", "X-Id-Number": FORM["id_document"]["number"]},
    )


def _deps() -> Any:
    """The container the app under test uses (the ``container`` fixture installed it)."""
    from chalicelib import bootstrap

    return bootstrap.container()


def _post(client: Any, path: str, body: Any = None, token: str | None = None, **headers: str) -> Any:
    all_headers = {"Content-Type": JSON, **headers}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    raw = body if body is None or isinstance(body, bytes | str) else json.dumps(body)
    return client.http.post(path, headers=all_headers, body=raw)


def _login(client: Any, username: str, password: str) -> Any:
    return _post(client, "/v1/auth/login", {"username": username, "password": password})


def _signed_in(client: Any, username: str = "0123456789", **holder: Any) -> tuple[str, str]:
    """Issue an account and sign in with its temporary password: (token, temporary password)."""
    issued = issue(_deps(), username, **holder)
    response = _login(client, username, issued.temporary_password)
    assert response.status_code == 200, response.body
    return str(json.loads(response.body)["token"]), issued.temporary_password


def _change_password(client: Any, token: str, current: str, new: str, **headers: str) -> Any:
    body = {"current_password": current, "new_password": new}
    return _post(client, "/v1/auth/password", body, token=token, **headers)


def _officer(client: Any) -> str:
    """A signed-in officer's token, past the first password change (a temporary
    password's session may call only /v1/me, /v1/auth/password and /v1/auth/logout)."""
    token, temporary = _signed_in(
        client, "0999999999", identity_key="id#001089099999", roles=(OFFICER,), office_code="BHXH-01"
    )
    changed = _change_password(client, token, temporary, NEW_PASSWORD)
    assert changed.status_code == 204, changed.body
    return token


def _sign_in(client: Any, clock: FakeClock) -> Any:
    issued = issue(_deps())
    return _login(client, "0123456789", issued.temporary_password)


def _sign_in_wrong_password(client: Any, clock: FakeClock) -> Any:
    issue(_deps())
    return _login(client, "0123456789", "not-the-password")


def _sign_in_expired_temporary_password(client: Any, clock: FakeClock) -> Any:
    issued = issue(_deps())
    clock.advance(days=7)
    return _login(client, "0123456789", issued.temporary_password)


def _me(client: Any, clock: FakeClock) -> Any:
    token, _ = _signed_in(client)
    return client.http.get("/v1/me", headers={"Authorization": f"Bearer {token}"})


def _me_officer(client: Any, clock: FakeClock) -> Any:
    token = _officer(client)
    return client.http.get("/v1/me", headers={"Authorization": f"Bearer {token}"})


def _password_too_short(client: Any, clock: FakeClock) -> Any:
    token, temporary = _signed_in(client)
    return _change_password(client, token, temporary, "short", **{"Accept-Language": "en"})


def _password_wrong_current(client: Any, clock: FakeClock) -> Any:
    token, _ = _signed_in(client)
    return _change_password(client, token, "not-the-password", NEW_PASSWORD)


def _password_changed(client: Any, clock: FakeClock) -> Any:
    token, temporary = _signed_in(client)
    return _change_password(client, token, temporary, NEW_PASSWORD)


def _logout(client: Any, clock: FakeClock) -> Any:
    token, _ = _signed_in(client)
    return _post(client, "/v1/auth/logout", token=token)


def _recovery(client: Any, clock: FakeClock) -> Any:
    issue(_deps())
    return _post(client, "/v1/auth/recovery", {"username": "0123456789", "phone": "0912345678"})


def _recovery_confirm_wrong_code(client: Any, clock: FakeClock) -> Any:
    issue(_deps())
    body = {"username": "0123456789", "code": "000000", "new_password": NEW_PASSWORD}
    return _post(client, "/v1/auth/recovery/confirm", body)


SHOWN = {"document_type": "cccd", "document_number": "001089056789"}  # what tests.accounts.issue gives 0123456789


def _reissue(client: Any, clock: FakeClock) -> Any:
    issue(_deps())
    return _post(client, "/v1/accounts/0123456789/reissue", SHOWN, token=_officer(client))


def _reissue_unknown_account(client: Any, clock: FakeClock) -> Any:
    return _post(client, "/v1/accounts/0000000001/reissue", SHOWN, token=_officer(client))


def _reissue_not_the_holder(client: Any, clock: FakeClock) -> Any:
    issue(_deps())
    shown = {"document_type": "cccd", "document_number": "079301123456"}
    return _post(client, "/v1/accounts/0123456789/reissue", shown, token=_officer(client))


def _reissue_too_soon(client: Any, clock: FakeClock) -> Any:
    issue(_deps())
    token = _officer(client)
    assert _post(client, "/v1/accounts/0123456789/reissue", SHOWN, token=token).status_code == 202
    clock.advance(minutes=9)
    return _post(client, "/v1/accounts/0123456789/reissue", SHOWN, token=token)


# The officer desk: staff signed in past their first password change, and the
# BHXH participant registry holding the declarant (see test_officer_desk.py).


def _staff(client: Any, office: str = "BHXH-01", *roles: str, username: str = "0100000001") -> str:
    return desk.staff_token(client, _deps(), username, office, *roles)


def _registry(*participants: Participant) -> None:
    _deps().registry.put_many(list(participants))


def _desk_get(client: Any, path: str, token: str) -> Any:
    return client.http.get(path, headers={"Authorization": f"Bearer {token}"})


def _items(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.body
    items: list[dict[str, Any]] = json.loads(response.body)["items"]
    return items


def _received(client: Any, token: str, participant: Participant = desk.AN) -> str:
    """An online declaration of ``participant``'s person, received at BHXH-01."""
    _registry(participant)
    declaration_id = str(desk.submit(client)["id"])
    received = desk.receive(client, token, declaration_id)
    assert received.status_code == 200, received.body
    return declaration_id


def _decide(client: Any, token: str, declaration_id: str, action: str, body: Any = None, **headers: str) -> Any:
    path = f"/v1/declarations/{declaration_id}/{action}"
    return _post(client, path, {} if body is None else body, token=token, **headers)


def _lookup_by_code(client: Any, clock: FakeClock) -> Any:
    _registry(desk.AN)
    created = desk.submit(client)
    response = _desk_get(client, f"/v1/declarations?code={created['code'].lower()}", _staff(client))
    assert [item["id"] for item in _items(response)] == [created["id"]]
    return response


def _lookup_by_id_number(client: Any, clock: FakeClock) -> Any:
    _registry(replace(desk.AN, date_of_birth="1989-05-03"))  # read when declared: one difference
    desk.submit(client)
    response = _desk_get(client, f"/v1/declarations?id_number={FORM['id_document']['number']}", _staff(client))
    assert [len(item["registry_differences"]) for item in _items(response)] == [1]
    return response


def _lookup_without_query(client: Any, clock: FakeClock) -> Any:
    return _desk_get(client, "/v1/declarations", _staff(client))


def _lookup_post(client: Any, clock: FakeClock, body: Callable[[dict[str, Any]], Any]) -> Any:
    """Submit a declaration, then look it up with ``body(the declaration)``."""
    _registry(desk.AN)
    created = desk.submit(client)
    response = _post(client, "/v1/declarations/lookup", body(created), token=_staff(client))
    if response.status_code == 200:
        assert [item["id"] for item in _items(response)] == [created["id"]]
    return response


def _paper_for_an_account_holder(client: Any, clock: FakeClock) -> Any:
    issue(_deps())  # the person of form() has an account already
    return _post(client, "/v1/declarations/paper", form(), token=_staff(client))


def _receive(client: Any, clock: FakeClock) -> Any:
    _registry(desk.AN)
    created = desk.submit(client)
    return desk.receive(client, _staff(client), created["id"])


def _receive_other_document(client: Any, clock: FakeClock) -> Any:
    created = desk.submit(client)
    return desk.receive(client, _staff(client), created["id"], document_type="passport", document_number="C1234567")


def _receive_expired(client: Any, clock: FakeClock) -> Any:
    now = clock.now
    clock.advance(days=-10)  # declared 10 days ago
    created = desk.submit(client)
    clock.now = now  # sign in only now: a session opened in the past would have expired
    return desk.receive(client, _staff(client), created["id"])


def _with_copy(client: Any, token: str, declaration_id: str) -> str:
    """The received dossier with a checked copy of the ID document (what approval needs)."""
    keep_copy(via_chalice(client, token), declaration_id)
    return declaration_id


def _approve(client: Any, clock: FakeClock) -> Any:
    token = _staff(client)
    return _decide(client, token, _with_copy(client, token, _received(client, token)), "approve")


def _approve_twice(client: Any, clock: FakeClock) -> Any:
    token = _staff(client)
    declaration_id = _with_copy(client, token, _received(client, token))
    assert _decide(client, token, declaration_id, "approve").status_code == 200
    return _decide(client, token, declaration_id, "approve")


def _approve_registry_mismatch(client: Any, clock: FakeClock) -> Any:
    token = _staff(client)
    declaration_id = _received(client, token, replace(desk.AN, date_of_birth="1989-05-03"))
    return _decide(client, token, _with_copy(client, token, declaration_id), "approve")


def _approve_at_other_office(client: Any, clock: FakeClock) -> Any:
    declaration_id = _received(client, _staff(client))
    other = _staff(client, "BHXH-79", username="0100000002")
    return _decide(client, other, declaration_id, "approve", **{"Accept-Language": "en"})


def _reject(client: Any, clock: FakeClock) -> Any:
    token = _staff(client)
    body = {"reasons": ["illegible_form", "other"], "note": "Thiếu  chữ ký"}
    return _decide(client, token, _received(client, token), "reject", body)


def _reject_other_without_note(client: Any, clock: FakeClock) -> Any:
    token = _staff(client)
    return _decide(client, token, _received(client, token), "reject", {"reasons": ["other"]})


def _paper(client: Any, clock: FakeClock) -> Any:
    _registry(desk.AN)
    return _post(client, "/v1/declarations/paper", form(), token=_staff(client))


def _paper_replay(client: Any, clock: FakeClock) -> Any:
    token = _staff(client)
    first = _post(client, "/v1/declarations/paper", form(), token=token, **{"Idempotency-Key": "paper-1"})
    assert first.status_code == 201, first.body
    return _post(client, "/v1/declarations/paper", form(), token=token, **{"Idempotency-Key": "paper-1"})


def _paper_while_declared_online(client: Any, clock: FakeClock) -> Any:
    desk.submit(client)
    return _post(client, "/v1/declarations/paper", form(), token=_staff(client))


def _paper_invalid(client: Any, clock: FakeClock) -> Any:
    body = form(id_number="001189020747", nickname="An")  # CCCD digit 4 = 1: a woman, but gender is male
    return _post(client, "/v1/declarations/paper", body, token=_staff(client))


def _history_with_fallback(client: Any, clock: FakeClock) -> Any:
    """The rejection's SMS did not reach the phone: its email fallback is in the dossier's history."""
    from chalicelib.services.delivery_fallback import fall_back

    token = _staff(client)
    declaration_id = _received(client, token)
    assert _decide(client, token, declaration_id, "reject", {"reasons": ["illegible_form"]}).status_code == 200
    sms = _deps().outbox.get(f"declaration#{declaration_id}#declaration_rejected#sms")
    assert sms is not None and fall_back(_deps(), sms, "sms_failed", clock()) == "queued"
    response = _desk_get(client, f"/v1/declarations/{declaration_id}/history", token)
    last = _items(response)[-1]
    assert (last["from"], last["to"], last["actor"], last["channel"], last["office_code"]) == (
        "rejected",
        "fallback_by_email",
        "system:delivery-fallback",
        "office",
        "BHXH-01",
    )
    return response


def _overdue(client: Any, clock: FakeClock, *roles: str) -> Any:
    from chalicelib.services.officer_desk import Officer
    from chalicelib.services.submit_paper_declaration import submit_paper_declaration

    officer = Officer("0100000001", (OFFICER,), "BHXH-01", "01")
    last_wednesday = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)  # due Monday 23/11
    submit_paper_declaration(_deps(), form(), officer, last_wednesday)
    token = _staff(client, "BHXH-01", *roles, username="0100000003" if roles else "0100000001")
    response = _desk_get(client, "/v1/declarations/overdue", token)
    assert [item["due_by"] for item in _items(response)] == ["2026-11-23"]
    return response


def _history(client: Any, clock: FakeClock) -> Any:
    token = _staff(client)
    declaration_id = _received(client, token)
    assert _decide(client, token, _with_copy(client, token, declaration_id), "approve").status_code == 200
    response = _desk_get(client, f"/v1/declarations/{declaration_id}/history", token)
    assert [event["to"] for event in _items(response)] == [
        "awaiting_office",
        "received",
        "id_copy_attached",
        "approved",
    ]
    return response


# --- the counter's paperwork: Form 01 as a PDF, the ID copy ---------------------------------
PDF_ACCEPT = {"Accept": "application/pdf"}


def _form01_pdf(client: Any, clock: FakeClock) -> Any:
    _registry(desk.AN)
    declaration_id = desk.submit(client)["id"]
    headers = {**PDF_ACCEPT, "X-Id-Number": "001089020747"}
    return client.http.get(f"/v1/declarations/{declaration_id}/form01.pdf", headers=headers)


def _form01_pdf_officer(client: Any, clock: FakeClock) -> Any:
    token = _staff(client)
    headers = {**PDF_ACCEPT, "Authorization": f"Bearer {token}"}
    return client.http.get(f"/v1/declarations/{_received(client, token)}/form01.pdf", headers=headers)


def _form01_pdf_wrong_number(client: Any, clock: FakeClock) -> Any:
    declaration_id = desk.submit(client)["id"]
    headers = {**PDF_ACCEPT, "X-Id-Number": "001089020748"}
    return client.http.get(f"/v1/declarations/{declaration_id}/form01.pdf", headers=headers)


def _form01_pdf_other_office(client: Any, clock: FakeClock) -> Any:
    declaration_id = _received(client, _staff(client))
    other = _staff(client, "BHXH-79", username="0100000002")
    headers = {**PDF_ACCEPT, "Authorization": f"Bearer {other}"}
    return client.http.get(f"/v1/declarations/{declaration_id}/form01.pdf", headers=headers)


def _ask_copy(client: Any, clock: FakeClock, content_type: str = "image/jpeg") -> Any:
    token = _staff(client)
    path = f"/v1/declarations/{_received(client, token)}/id-copy"
    return _post(client, path, {"content_type": content_type}, token=token)


def _ask_copy_not_received(client: Any, clock: FakeClock) -> Any:
    token = _staff(client)
    return _post(
        client, f"/v1/declarations/{_submitted_id(client)}/id-copy", {"content_type": "image/png"}, token=token
    )


def _check_copy(client: Any, clock: FakeClock, body: bytes | None = None, declared: str = "image/jpeg") -> Any:
    """Ask for an upload, post ``body`` (a JPEG by default) as ``declared``, then the one check."""
    token = _staff(client)
    declaration_id = _received(client, token)
    asked = _post(client, f"/v1/declarations/{declaration_id}/id-copy", {"content_type": declared}, token=token)
    assert asked.status_code == 201, asked.body
    post_presigned(json.loads(asked.body)["upload"], jpeg() if body is None else body, "scan.jpg", declared)
    return _post(client, f"/v1/declarations/{declaration_id}/id-copy/check", token=token)


def _check_copy_not_uploaded(client: Any, clock: FakeClock) -> Any:
    token = _staff(client)
    declaration_id = _received(client, token)
    assert (
        _post(
            client, f"/v1/declarations/{declaration_id}/id-copy", {"content_type": "image/jpeg"}, token=token
        ).status_code
        == 201
    )
    return _post(client, f"/v1/declarations/{declaration_id}/id-copy/check", token=token)


def _read_copy(client: Any, clock: FakeClock, reader: str = "officer") -> Any:
    token = _staff(client)
    declaration_id = _with_copy(client, token, _received(client, token))
    if reader == "other":
        token = _staff(client, "BHXH-79", username="0100000002")
    elif reader == "supervisor":
        token = _staff(client, "BHXH-01", "supervisor", username="0100000003")
    return _desk_get(client, f"/v1/declarations/{declaration_id}/id-copy", token)


def _read_no_copy(client: Any, clock: FakeClock) -> Any:
    token = _staff(client)
    return _desk_get(client, f"/v1/declarations/{_received(client, token)}/id-copy", token)


def _approve_without_copy(client: Any, clock: FakeClock) -> Any:
    token = _staff(client)
    return _decide(client, token, _received(client, token), "approve")


def _history_out_of_scope(client: Any, clock: FakeClock) -> Any:
    declaration_id = _received(client, _staff(client))
    return _desk_get(
        client, f"/v1/declarations/{declaration_id}/history", _staff(client, "BHXH-79", username="0100000002")
    )


def _lookup_from_other_office(client: Any, clock: FakeClock) -> Any:
    _registry(desk.AN)
    created = desk.submit(client)
    token = _staff(client, "BHXH-79", username="0100000002")
    response = _desk_get(client, f"/v1/declarations?code={created['code']}", token)
    assert [item["detail"] for item in _items(response)] == ["limited"]
    return response


def _history_unknown(client: Any, clock: FakeClock) -> Any:
    return _desk_get(client, "/v1/declarations/no-such-declaration/history", _staff(client))


def _progress(client: Any, clock: FakeClock, query: str = "") -> Any:
    from chalicelib.services.campaign import import_roster, import_units

    unit = {"unit_code": "BHXH-01", "name": "Bảo hiểm xã hội thành phố Hà Nội", "province_code": "01"}
    import_units(_deps(), [(2, {**unit, "deadline": "2026-12-31"})])
    import_roster(
        _deps(), [(2, {"unit_code": "BHXH-01", "bhxh_code": "0123456789", "full_name": "Nguyễn Văn An"})], clock()
    )
    token = _staff(client, "BHXH-01", REPORTER, username="0100000009")
    return _desk_get(client, f"/v1/reports/progress{query}", token)


def _reporter(client: Any) -> str:
    return _staff(client, "BHXH-01", REPORTER, username="0100000009")


def _service_report(client: Any, clock: FakeClock) -> Any:
    desk.submit(client)  # one declaration awaiting the office today (24/11)
    response = _desk_get(client, "/v1/reports/service?from=2026-11-23&to=2026-11-24", _reporter(client))
    body = json.loads(response.body)
    assert [day["declarations"]["office"]["awaiting_office"] for day in body["days"]] == [0, 1]
    return response


def _service_report_reversed(client: Any, clock: FakeClock) -> Any:
    return client.http.get(
        "/v1/reports/service?from=2026-11-24&to=2026-11-23",
        headers={"Authorization": f"Bearer {_reporter(client)}", "Accept-Language": "en"},
    )


def _busy(client: Any, clock: FakeClock) -> Any:
    """Every TransactWriteItems cancelled by a conflict: after the bounded retries, 503."""
    import botocore.client
    from botocore.exceptions import ClientError

    original = botocore.client.BaseClient._make_api_call

    def conflict(self: Any, operation_name: str, api_params: Any) -> Any:
        if operation_name == "TransactWriteItems":
            reasons = [{"Code": "TransactionConflict"} for _ in api_params["TransactItems"]]
            error = {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}
            raise ClientError({"Error": error, "CancellationReasons": reasons}, operation_name)
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = conflict
    try:
        return _post_declaration(client, form())
    finally:
        botocore.client.BaseClient._make_api_call = original


def _signed_replay(client: Any, clock: FakeClock) -> Any:
    """The same signed Form 01 twice: the second answer is the first."""
    from chalicelib.bootstrap import container
    from chalicelib.signatures.verifier import SignedFormVerifier
    from tests.pki import signing_pki

    pki = signing_pki()
    container().__dict__["signatures"] = SignedFormVerifier(str(pki.trust_store))
    signed = pki.sign()
    headers = {"Content-Type": "application/xml"}
    first = client.http.post("/v1/declarations/signed", headers=headers, body=signed)
    again = client.http.post("/v1/declarations/signed", headers=headers, body=signed)
    assert (first.status_code, first.body) == (again.status_code, again.body)
    return again


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    template: str
    status: int
    run: Callable[[Any, FakeClock], Any]
    code: str | None = None  # the problem code expected (gateway scenarios)


SCENARIOS = [
    Scenario("health", "GET", "/v1/health", 200, lambda c, _: c.http.get("/v1/health")),
    Scenario("openapi", "GET", "/v1/openapi.json", 200, lambda c, _: c.http.get("/v1/openapi.json")),
    Scenario("offices", "GET", "/v1/offices", 200, lambda c, _: c.http.get("/v1/offices")),
    Scenario("offices-province", "GET", "/v1/offices", 200, lambda c, _: c.http.get("/v1/offices?province=01")),
    Scenario("offices-unknown-province", "GET", "/v1/offices", 422, lambda c, _: c.http.get("/v1/offices?province=99")),
    Scenario("submit", "POST", "/v1/declarations", 201, lambda c, _: _post_declaration(c, form())),
    Scenario("submit-idempotent-replay", "POST", "/v1/declarations", 201, _replay),
    Scenario("submit-same-person", "POST", "/v1/declarations", 201, _submit_twice),
    Scenario(
        "submit-malformed-json", "POST", "/v1/declarations", 400, lambda c, _: _post_declaration(c, '{"full_name": ')
    ),
    Scenario(
        "submit-bad-idempotency-key",
        "POST",
        "/v1/declarations",
        400,
        lambda c, _: _post_declaration(c, form(), **{"Idempotency-Key": "has spaces"}),
    ),
    Scenario(
        "submit-wrong-content-type",
        "POST",
        "/v1/declarations",
        415,
        lambda c, _: c.http.post("/v1/declarations", headers={"Content-Type": "text/plain"}, body=json.dumps(form())),
    ),
    Scenario("submit-too-large", "POST", "/v1/declarations", 413, _too_large),
    Scenario(
        "submit-unknown-field",
        "POST",
        "/v1/declarations",
        422,
        lambda c, _: _post_declaration(c, form(nickname="An"), **{"Accept-Language": "en"}),
    ),
    Scenario("status", "GET", "/v1/declarations/{declaration_id}", 200, _status),
    Scenario("status-deprecated-query", "GET", "/v1/declarations/{declaration_id}", 200, _status_deprecated_query),
    Scenario("status-wrong-id-number", "GET", "/v1/declarations/{declaration_id}", 404, _status_wrong_id_number),
    Scenario("status-expired", "GET", "/v1/declarations/{declaration_id}", 410, _status_expired),
    Scenario("login", "POST", "/v1/auth/login", 200, _sign_in),
    Scenario("login-wrong-password", "POST", "/v1/auth/login", 401, _sign_in_wrong_password),
    Scenario("login-temporary-password-expired", "POST", "/v1/auth/login", 401, _sign_in_expired_temporary_password),
    Scenario(
        "login-missing-field",
        "POST",
        "/v1/auth/login",
        422,
        lambda c, _: _post(c, "/v1/auth/login", {"username": "0123456789"}),
    ),
    Scenario("login-malformed-json", "POST", "/v1/auth/login", 400, lambda c, _: _post(c, "/v1/auth/login", "{")),
    Scenario("me", "GET", "/v1/me", 200, _me),
    Scenario("me-officer", "GET", "/v1/me", 200, _me_officer),
    Scenario("password-too-short", "POST", "/v1/auth/password", 422, _password_too_short),
    Scenario("password-wrong-current", "POST", "/v1/auth/password", 422, _password_wrong_current),
    Scenario("password-changed", "POST", "/v1/auth/password", 204, _password_changed),
    Scenario("logout", "POST", "/v1/auth/logout", 204, _logout),
    Scenario("recovery", "POST", "/v1/auth/recovery", 202, _recovery),
    Scenario(
        "recovery-missing-phone",
        "POST",
        "/v1/auth/recovery",
        422,
        lambda c, _: _post(c, "/v1/auth/recovery", {"username": "0123456789"}),
    ),
    Scenario("recovery-confirm-wrong-code", "POST", "/v1/auth/recovery/confirm", 400, _recovery_confirm_wrong_code),
    Scenario("reissue", "POST", "/v1/accounts/{username}/reissue", 202, _reissue),
    Scenario("reissue-unknown-account", "POST", "/v1/accounts/{username}/reissue", 404, _reissue_unknown_account),
    Scenario("reissue-not-the-holder", "POST", "/v1/accounts/{username}/reissue", 422, _reissue_not_the_holder),
    Scenario("reissue-too-soon", "POST", "/v1/accounts/{username}/reissue", 429, _reissue_too_soon),
    Scenario("lookup-from-other-office", "GET", "/v1/declarations", 200, _lookup_from_other_office),
    Scenario("lookup-by-code", "GET", "/v1/declarations", 200, _lookup_by_code),
    Scenario("lookup-by-id-number", "GET", "/v1/declarations", 200, _lookup_by_id_number),
    Scenario("lookup-without-query", "GET", "/v1/declarations", 422, _lookup_without_query),
    Scenario(
        "lookup-post-by-code",
        "POST",
        "/v1/declarations/lookup",
        200,
        lambda c, k: _lookup_post(c, k, lambda created: {"code": created["code"].lower()}),
    ),
    Scenario(
        "lookup-post-by-id-number",
        "POST",
        "/v1/declarations/lookup",
        200,
        lambda c, k: _lookup_post(c, k, lambda _: {"id_number": FORM["id_document"]["number"]}),
    ),
    Scenario(
        "lookup-post-bhxh-code-alone",
        "POST",
        "/v1/declarations/lookup",
        422,
        lambda c, k: _lookup_post(c, k, lambda _: {"bhxh_code": "0123456789"}),
    ),
    Scenario(
        "lookup-post-wrong-fields",
        "POST",
        "/v1/declarations/lookup",
        422,
        lambda c, k: _lookup_post(c, k, lambda _: {"id_number": 1, "name": "An"}),
    ),
    Scenario(
        "lookup-post-malformed-json",
        "POST",
        "/v1/declarations/lookup",
        400,
        lambda c, k: _post(c, "/v1/declarations/lookup", "{", token=_staff(c)),
    ),
    Scenario("receive", "POST", "/v1/declarations/{declaration_id}/receive", 200, _receive),
    Scenario(
        "receive-other-document", "POST", "/v1/declarations/{declaration_id}/receive", 422, _receive_other_document
    ),
    Scenario("receive-expired", "POST", "/v1/declarations/{declaration_id}/receive", 410, _receive_expired),
    Scenario("approve", "POST", "/v1/declarations/{declaration_id}/approve", 200, _approve),
    Scenario("approve-without-copy", "POST", "/v1/declarations/{declaration_id}/approve", 409, _approve_without_copy),
    Scenario("form01-pdf", "GET", "/v1/declarations/{declaration_id}/form01.pdf", 200, _form01_pdf),
    Scenario("form01-pdf-officer", "GET", "/v1/declarations/{declaration_id}/form01.pdf", 200, _form01_pdf_officer),
    Scenario(
        "form01-pdf-wrong-number", "GET", "/v1/declarations/{declaration_id}/form01.pdf", 404, _form01_pdf_wrong_number
    ),
    Scenario(
        "form01-pdf-other-office", "GET", "/v1/declarations/{declaration_id}/form01.pdf", 403, _form01_pdf_other_office
    ),
    Scenario("id-copy-ask", "POST", "/v1/declarations/{declaration_id}/id-copy", 201, _ask_copy),
    Scenario(
        "id-copy-ask-gif",
        "POST",
        "/v1/declarations/{declaration_id}/id-copy",
        415,
        lambda c, k: _ask_copy(c, k, "image/gif"),
    ),
    Scenario(
        "id-copy-ask-not-received", "POST", "/v1/declarations/{declaration_id}/id-copy", 409, _ask_copy_not_received
    ),
    Scenario("id-copy-check", "POST", "/v1/declarations/{declaration_id}/id-copy/check", 200, _check_copy),
    Scenario(
        "id-copy-check-empty",
        "POST",
        "/v1/declarations/{declaration_id}/id-copy/check",
        422,
        lambda c, k: _check_copy(c, k, b""),
    ),
    Scenario(
        "id-copy-check-png-as-jpeg",
        "POST",
        "/v1/declarations/{declaration_id}/id-copy/check",
        422,
        lambda c, k: _check_copy(c, k, png()),
    ),
    Scenario(
        "id-copy-check-not-uploaded",
        "POST",
        "/v1/declarations/{declaration_id}/id-copy/check",
        409,
        _check_copy_not_uploaded,
    ),
    Scenario("id-copy-read", "GET", "/v1/declarations/{declaration_id}/id-copy", 200, _read_copy),
    Scenario(
        "id-copy-read-supervisor",
        "GET",
        "/v1/declarations/{declaration_id}/id-copy",
        200,
        lambda c, k: _read_copy(c, k, "supervisor"),
    ),
    Scenario(
        "id-copy-read-other-office",
        "GET",
        "/v1/declarations/{declaration_id}/id-copy",
        403,
        lambda c, k: _read_copy(c, k, "other"),
    ),
    Scenario("id-copy-read-none", "GET", "/v1/declarations/{declaration_id}/id-copy", 404, _read_no_copy),
    Scenario("approve-already-decided", "POST", "/v1/declarations/{declaration_id}/approve", 409, _approve_twice),
    Scenario(
        "approve-registry-mismatch",
        "POST",
        "/v1/declarations/{declaration_id}/approve",
        409,
        _approve_registry_mismatch,
    ),
    Scenario(
        "approve-other-office", "POST", "/v1/declarations/{declaration_id}/approve", 403, _approve_at_other_office
    ),
    Scenario("reject", "POST", "/v1/declarations/{declaration_id}/reject", 200, _reject),
    Scenario(
        "reject-other-without-note", "POST", "/v1/declarations/{declaration_id}/reject", 422, _reject_other_without_note
    ),
    Scenario("paper", "POST", "/v1/declarations/paper", 201, _paper),
    Scenario("paper-idempotent-replay", "POST", "/v1/declarations/paper", 201, _paper_replay),
    Scenario("paper-while-declared-online", "POST", "/v1/declarations/paper", 201, _paper_while_declared_online),
    Scenario("paper-account-exists", "POST", "/v1/declarations/paper", 409, _paper_for_an_account_holder),
    Scenario("paper-invalid-form", "POST", "/v1/declarations/paper", 422, _paper_invalid),
    Scenario("overdue-officer", "GET", "/v1/declarations/overdue", 200, _overdue),
    Scenario("overdue-supervisor", "GET", "/v1/declarations/overdue", 200, lambda c, k: _overdue(c, k, SUPERVISOR)),
    Scenario("history", "GET", "/v1/declarations/{declaration_id}/history", 200, _history),
    Scenario("history-fallback", "GET", "/v1/declarations/{declaration_id}/history", 200, _history_with_fallback),
    Scenario("history-unknown", "GET", "/v1/declarations/{declaration_id}/history", 404, _history_unknown),
    Scenario("history-out-of-scope", "GET", "/v1/declarations/{declaration_id}/history", 403, _history_out_of_scope),
    Scenario("progress", "GET", "/v1/reports/progress", 200, _progress),
    Scenario("progress-csv", "GET", "/v1/reports/progress", 200, lambda c, k: _progress(c, k, "?format=csv")),
    Scenario("progress-province", "GET", "/v1/reports/progress", 200, lambda c, k: _progress(c, k, "?province=00")),
    Scenario("progress-bad-format", "GET", "/v1/reports/progress", 422, lambda c, k: _progress(c, k, "?format=xls")),
    Scenario("service-report", "GET", "/v1/reports/service", 200, _service_report),
    Scenario("service-report-reversed-range", "GET", "/v1/reports/service", 400, _service_report_reversed),
    Scenario("submit-busy", "POST", "/v1/declarations", 503, _busy),
    Scenario("signed-replay", "POST", "/v1/declarations/signed", 201, _signed_replay),
]


def _documented(scenario: Scenario, status: int) -> tuple[str, Any]:
    """(pointer, response object) documented for the scenario's operation and ``status``."""
    operation = SPEC["paths"].get(scenario.template, {}).get(scenario.method.lower())
    assert operation is not None, f"{scenario.method} {scenario.template} is not in openapi.json"
    assert str(status) in operation["responses"], (
        f"{scenario.method} {scenario.template} answered {status}, "
        f"which is not documented (documented: {sorted(operation['responses'])})"
    )
    return _follow(f"/paths/{_escape(scenario.template)}/{scenario.method.lower()}/responses/{status}")


def test_every_scenario_operation_exists() -> None:
    scenarios = [*SCENARIOS, *GATEWAY_SCENARIOS]
    missing = {(s.method, s.template) for s in scenarios} - {(m, p) for p, m in _operations()}
    assert not missing, missing


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_response_matches_the_document(client: Any, clock: FakeClock, scenario: Scenario) -> None:
    response = scenario.run(client, clock)
    assert response.status_code == scenario.status, f"scenario did not produce {scenario.status}: {response.body!r}"

    pointer, documented = _documented(scenario, response.status_code)

    headers = {name.lower(): value for name, value in response.headers.items()}
    header_errors = []
    for name in documented.get("headers", {}):
        header_pointer, header = _follow(f"{pointer}/headers/{_escape(name)}")
        if name.lower() not in headers:
            if header.get("required"):
                header_errors.append(f"{name}: missing")
            continue
        header_errors += [f"{name}: {e}" for e in _schema_errors(f"{header_pointer}/schema", headers[name.lower()])]
    assert not header_errors, header_errors

    content = documented.get("content", {})
    if not content:
        assert response.body in (b"", ""), f"documented without content, answered {response.body!r}"
        return
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    assert media_type in content, f"Content-Type {media_type!r}, documented: {sorted(content)}"
    if media_type == "application/pdf":  # documented as binary: a PDF, whole
        assert response.body.startswith(b"%PDF-") and response.body.rstrip().endswith(b"%%EOF")
        return
    raw = response.body.decode("utf-8") if isinstance(response.body, bytes) else response.body
    body = json.loads(raw) if media_type.endswith("json") else raw
    assert _schema_errors(f"{pointer}/content/{_escape(media_type)}/schema", body) == []


# --- API Gateway's own refusals ------------------------------------------------------------
# The authorizer answers before the service runs, with the deployed gateway responses
# (problems, emulated for chalice.test.Client by local/gateway.py, see conftest.py).


def _reissue_with_restricted_session(client: Any, clock: FakeClock) -> Any:
    token, _ = _signed_in(client, roles=(OFFICER,), office_code="BHXH-01")
    return _post(client, "/v1/accounts/0123456789/reissue", token=token)


def _receive_as_supervisor(client: Any, clock: FakeClock) -> Any:
    created = desk.submit(client)
    return desk.receive(client, _staff(client, "BHXH-01", SUPERVISOR, username="0100000003"), created["id"])


def _me_after_logout(client: Any, clock: FakeClock) -> Any:
    token, _ = _signed_in(client)
    assert _post(client, "/v1/auth/logout", token=token).status_code == 204
    return client.http.get("/v1/me", headers={"Authorization": f"Bearer {token}"})


def _without_token(name: str, method: str, template: str, path: str) -> Scenario:
    """The request without a bearer token: the authorizer's 401 ``unauthenticated``."""
    return Scenario(name, method, template, 401, lambda c, _: c.http.request(method, path), code="unauthenticated")


def _officer_on_report(name: str, path: str) -> Scenario:
    """An officer's session on a leadership report: the authorizer's 403 ``forbidden``."""
    return Scenario(name, "GET", path, 403, lambda c, _: _desk_get(c, path, _staff(c)), code="forbidden")


def _unknown_token(client: Any, clock: FakeClock) -> Any:
    return client.http.get("/v1/me", headers={"Authorization": "Bearer " + "x" * 43})


GATEWAY_SCENARIOS = [
    _without_token("me-without-token", "GET", "/v1/me", "/v1/me"),
    Scenario("me-unknown-token", "GET", "/v1/me", 403, _unknown_token, code="session_invalid"),
    Scenario("me-after-logout", "GET", "/v1/me", 403, _me_after_logout, code="session_invalid"),
    _without_token("logout-without-token", "POST", "/v1/auth/logout", "/v1/auth/logout"),
    Scenario(
        "reissue-restricted-session",
        "POST",
        "/v1/accounts/{username}/reissue",
        403,
        _reissue_with_restricted_session,
        code="password_change_required",
    ),
    _without_token("lookup-without-token", "GET", "/v1/declarations", "/v1/declarations?code=X"),
    Scenario(
        "receive-as-supervisor",
        "POST",
        "/v1/declarations/{declaration_id}/receive",
        403,
        _receive_as_supervisor,
        code="forbidden",
    ),
    _without_token("progress-without-token", "GET", "/v1/reports/progress", "/v1/reports/progress"),
    _officer_on_report("progress-as-officer", "/v1/reports/progress"),
    _without_token("service-report-without-token", "GET", "/v1/reports/service", "/v1/reports/service"),
    _officer_on_report("service-report-as-officer", "/v1/reports/service"),
]


@pytest.mark.parametrize("scenario", GATEWAY_SCENARIOS, ids=[s.name for s in GATEWAY_SCENARIOS])
def test_gateway_refusal_matches_the_document(client: Any, clock: FakeClock, scenario: Scenario) -> None:
    response = scenario.run(client, clock)
    assert response.status_code == scenario.status, f"scenario did not produce {scenario.status}: {response.body!r}"
    pointer, documented = _documented(scenario, response.status_code)
    assert response.headers["Content-Type"].split(";")[0] == PROBLEM
    assert set(documented.get("headers", {})) <= set(response.headers)
    body = json.loads(response.body)
    assert _schema_errors(f"{pointer}/content/{_escape(PROBLEM)}/schema", body) == []
    assert body["code"] == scenario.code


def test_gateway_refusals_cover_every_denial() -> None:
    from chalicelib.api.gateway_responses import DENIAL_CODES

    assert {s.code for s in GATEWAY_SCENARIOS} >= {"unauthenticated", *DENIAL_CODES}
