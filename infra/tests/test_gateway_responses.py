"""Issue 18: what API Gateway answers itself is the same problem the local stack answers
(chalicelib/api/gateway_responses.py, local/gateway.py): gateway responses and a mock ANY
method per path (405 with Allow) in the deployed definition."""

from __future__ import annotations

import json
import re

from conftest import Synth

from chalicelib.api.gateway_responses import (
    ANSWERS_BY_TYPE,
    DENIAL_CODES,
    allow_header,
    denial_context,
    problem_body,
    render,
)

PROBLEM_TYPE = "'application/problem+json; charset=utf-8'"
REQUIRED_TYPES = {
    "DEFAULT_4XX",
    "DEFAULT_5XX",
    "UNAUTHORIZED",
    "ACCESS_DENIED",
    "MISSING_AUTHENTICATION_TOKEN",
    "RESOURCE_NOT_FOUND",
    "REQUEST_TOO_LARGE",
    "THROTTLED",
    "AUTHORIZER_FAILURE",
    "INTEGRATION_TIMEOUT",
}


def _substitute(template: str, context: dict[str, str]) -> str:
    """API Gateway's plain ``$context`` substitution in a gateway response template."""
    return re.sub(r"\$context\.authorizer\.([a-z_]+)", lambda m: context[m.group(1)], template)


def _definition(synth: Synth) -> dict:
    return dict(synth.resources["RestAPI"]["Properties"]["DefinitionBody"])


def test_every_gateway_response_is_a_problem_with_the_local_body(prod: Synth) -> None:
    responses = _definition(prod)["x-amazon-apigateway-gateway-responses"]
    assert set(responses) >= REQUIRED_TYPES
    assert set(responses) == set(ANSWERS_BY_TYPE)
    for response_type, response in responses.items():
        answer = ANSWERS_BY_TYPE[response_type]
        assert response["statusCode"] == str(answer.status)
        headers = response["responseParameters"]
        assert headers["gatewayresponse.header.Content-Type"] == PROBLEM_TYPE
        assert headers["gatewayresponse.header.Content-Language"] == "'vi'"
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == "'https://dichvu.baohiemxahoi.gov.vn'"
        (template,) = response["responseTemplates"].values()
        if response_type == "ACCESS_DENIED":
            for code in DENIAL_CODES:
                context = denial_context(code)
                assert json.loads(_substitute(template, context)) == render(answer, context)
        else:
            assert json.loads(template) == render(answer)


def test_unknown_route_and_missing_token_bodies(prod: Synth) -> None:
    responses = _definition(prod)["x-amazon-apigateway-gateway-responses"]
    unknown = json.loads(responses["MISSING_AUTHENTICATION_TOKEN"]["responseTemplates"]["application/json"])
    assert (unknown["status"], unknown["code"]) == (404, "route_not_found")
    no_token = json.loads(responses["UNAUTHORIZED"]["responseTemplates"]["application/json"])
    assert (no_token["status"], no_token["code"], no_token["title_en"]) == (401, "unauthenticated", "Please sign in")
    assert "$context.authorizer.problem_code" in responses["ACCESS_DENIED"]["responseTemplates"]["application/json"]


def test_methods_a_path_does_not_have_answer_405_with_allow(prod: Synth) -> None:
    from app import app

    paths = _definition(prod)["paths"]
    assert set(app.routes) <= set(paths)
    for path, methods in app.routes.items():
        any_method = paths[path]["x-amazon-apigateway-any-method"]
        integration = any_method["x-amazon-apigateway-integration"]
        assert integration["type"] == "mock"
        assert "security" not in any_method  # answered without the authorizer or the function
        response = integration["responses"]["default"]
        assert response["statusCode"] == "405"
        headers = response["responseParameters"]
        assert headers["method.response.header.Allow"] == f"'{allow_header(set(methods))}'"
        assert headers["method.response.header.Content-Type"] == PROBLEM_TYPE
        assert json.loads(response["responseTemplates"]["application/json"]) == problem_body("method_not_allowed", 405)
        for own in methods:  # the path's own methods are untouched
            assert "x-amazon-apigateway-integration" in paths[path][own.lower()]
