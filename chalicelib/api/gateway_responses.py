"""What API Gateway answers itself, before the service runs, as RFC 9457 problems.

API Gateway refuses some requests without invoking the function: no token, an
authorizer's refusal, an unknown route, a body over its 10 MB limit,
throttling. Its default bodies (``{"message": "Unauthorized"}``) are replaced by
*gateway responses* (``infra/``) built from this table, and the local stack
(``local/gateway.py``) answers the same bodies, status codes and headers, so
what is tested locally is what is deployed.

A gateway response is a template with simple ``$context`` substitutions and no
logic (no Velocity): it cannot choose a language from ``Accept-Language``. These
answers therefore carry Vietnamese ``title``/``detail`` (the service's default
language, ``Content-Language: vi``) and the English texts beside them in
``title_en``/``detail_en``; the ``code`` is stable for clients to act on.

``ACCESS_DENIED`` (the authorizer did not allow this route) takes its code and
texts from the authorizer's context, which says why: ``session_invalid`` (no
live session behind the token), ``password_change_required`` (a temporary or
expired password allows only changing it) or ``forbidden`` (the roles do not
allow the route); :func:`denial_context` builds that context.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..domain.messages import PROBLEM_TITLES
from .problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE

GATEWAY_LANGUAGE = "vi"
# Larger bodies are refused by API Gateway itself (REQUEST_TOO_LARGE); the service's own limits are lower.
GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024
# Why the authorizer refused: the codes ACCESS_DENIED can carry (all 403).
DENIAL_CODES = ("session_invalid", "password_change_required", "forbidden")
# The authorizer context keys the ACCESS_DENIED template reads.
DENIAL_KEYS = ("problem_code", "problem_title", "problem_detail", "problem_title_en", "problem_detail_en")


@dataclass(frozen=True)
class GatewayAnswer:
    """One API Gateway response type: the status and problem code it answers with."""

    response_type: str
    status: int
    code: str


GATEWAY_ANSWERS: tuple[GatewayAnswer, ...] = (
    GatewayAnswer("UNAUTHORIZED", 401, "unauthenticated"),
    # Context-driven: code and texts from the authorizer (see DENIAL_CODES); "forbidden" stands for the row.
    GatewayAnswer("ACCESS_DENIED", 403, "forbidden"),
    # API Gateway's answer to a path (or a method of a path) the API does not have.
    GatewayAnswer("MISSING_AUTHENTICATION_TOKEN", 404, "route_not_found"),
    GatewayAnswer("RESOURCE_NOT_FOUND", 404, "route_not_found"),
    GatewayAnswer("REQUEST_TOO_LARGE", 413, "body_too_large"),
    GatewayAnswer("UNSUPPORTED_MEDIA_TYPE", 415, "unsupported_media_type"),
    GatewayAnswer("THROTTLED", 429, "too_many_requests"),
    GatewayAnswer("QUOTA_EXCEEDED", 429, "too_many_requests"),
    GatewayAnswer("BAD_REQUEST_BODY", 400, "bad_request"),
    GatewayAnswer("BAD_REQUEST_PARAMETERS", 400, "bad_request"),
    GatewayAnswer("INVALID_API_KEY", 403, "forbidden"),
    GatewayAnswer("INVALID_SIGNATURE", 403, "forbidden"),
    GatewayAnswer("EXPIRED_TOKEN", 403, "forbidden"),
    GatewayAnswer("WAF_FILTERED", 403, "forbidden"),
    GatewayAnswer("AUTHORIZER_FAILURE", 500, "internal_error"),
    GatewayAnswer("AUTHORIZER_CONFIGURATION_ERROR", 500, "internal_error"),
    GatewayAnswer("API_CONFIGURATION_ERROR", 500, "internal_error"),
    GatewayAnswer("INTEGRATION_FAILURE", 502, "bad_gateway"),
    GatewayAnswer("INTEGRATION_TIMEOUT", 504, "gateway_timeout"),
    # Any other refusal API Gateway makes: its status cannot be substituted, so it is fixed.
    GatewayAnswer("DEFAULT_4XX", 400, "bad_request"),
    GatewayAnswer("DEFAULT_5XX", 500, "internal_error"),
)
ANSWERS_BY_TYPE = {answer.response_type: answer for answer in GATEWAY_ANSWERS}
# Every code answered at the edge, with its status (what the OpenAPI document must list).
EDGE_CODE_STATUSES: dict[str, int] = {
    **{answer.code: answer.status for answer in GATEWAY_ANSWERS},
    **dict.fromkeys(DENIAL_CODES, 403),
    # The local server answers a method a path does not have itself (see local/gateway.py).
    "method_not_allowed": 405,
}


def texts(code: str) -> tuple[str, str]:
    """(Vietnamese, English) title of an edge answer's code."""
    return PROBLEM_TITLES[code]


def problem_body(code: str, status: int) -> dict[str, Any]:
    """The problem an edge answer carries: Vietnamese texts, English beside them."""
    vi, en = texts(code)
    return {
        "type": PROBLEM_TYPE_BASE + code,
        "title": vi,
        "status": status,
        "detail": vi,
        "code": code,
        "title_en": en,
        "detail_en": en,
    }


def denial_context(code: str) -> dict[str, str]:
    """What the authorizer puts in its context so that ACCESS_DENIED says why (see module doc)."""
    if code not in DENIAL_CODES:
        raise ValueError(f"not a denial code: {code}")
    vi, en = texts(code)
    return {
        "problem_code": code,
        "problem_title": vi,
        "problem_detail": vi,
        "problem_title_en": en,
        "problem_detail_en": en,
    }


def render(answer: GatewayAnswer, authorizer_context: dict[str, Any] | None = None) -> dict[str, Any]:
    """The body API Gateway sends for ``answer``; ACCESS_DENIED reads the authorizer's context."""
    if answer.response_type != "ACCESS_DENIED":
        return problem_body(answer.code, answer.status)
    code = str((authorizer_context or {}).get("problem_code") or "forbidden")
    return problem_body(code if code in DENIAL_CODES else "forbidden", answer.status)


# --- the deployed form (infra/) -----------------------------------------------------------


def _template(answer: GatewayAnswer) -> str:
    """The gateway response's body template: JSON with ``$context`` substitutions only."""
    if answer.response_type != "ACCESS_DENIED":
        return json.dumps(problem_body(answer.code, answer.status), ensure_ascii=False, separators=(",", ":"))
    # Texts come from our own messages (no quote or backslash: checked by the tests), so substituting
    # them into a JSON string keeps the JSON valid.
    return (
        "{"
        f'"type":"{PROBLEM_TYPE_BASE}$context.authorizer.problem_code",'
        '"title":"$context.authorizer.problem_title",'
        f'"status":{answer.status},'
        '"detail":"$context.authorizer.problem_detail",'
        '"code":"$context.authorizer.problem_code",'
        '"title_en":"$context.authorizer.problem_title_en",'
        '"detail_en":"$context.authorizer.problem_detail_en"'
        "}"
    )


def swagger_gateway_responses(allow_origin: str) -> dict[str, Any]:
    """``x-amazon-apigateway-gateway-responses`` of the REST API's definition; ``allow_origin`` is the
    web front end's origin, so that its scripts can read these answers too."""
    return {
        answer.response_type: {
            "statusCode": str(answer.status),
            "responseParameters": {
                "gatewayresponse.header.Content-Type": f"'{PROBLEM_CONTENT_TYPE}'",
                "gatewayresponse.header.Content-Language": f"'{GATEWAY_LANGUAGE}'",
                "gatewayresponse.header.X-Correlation-Id": "context.requestId",
                "gatewayresponse.header.Cache-Control": "'no-store'",
                "gatewayresponse.header.Access-Control-Allow-Origin": f"'{allow_origin}'",
                "gatewayresponse.header.Access-Control-Expose-Headers": "'X-Correlation-Id,Content-Language'",
            },
            # API Gateway picks the template by the request's Accept; this one serves every request.
            "responseTemplates": {"application/json": _template(answer)},
        }
        for answer in GATEWAY_ANSWERS
    }


def allow_header(methods: set[str] | frozenset[str]) -> str:
    """``Allow`` of a path: its methods and OPTIONS (CORS preflight), sorted."""
    return ", ".join(sorted({m.upper() for m in methods} | {"OPTIONS"}))


SWAGGER_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")


def swagger_method_not_allowed(paths: dict[str, Any], allow_origin: str) -> dict[str, dict[str, Any]]:
    """For each path of the REST API's definition, an ``x-amazon-apigateway-any-method`` answering
    ``405 method_not_allowed`` with ``Allow`` (a mock integration: the function is not invoked).

    API Gateway prefers a path's own methods to its ANY method, so only the methods a path does not
    have reach it; without it they would get MISSING_AUTHENTICATION_TOKEN (a 404 here)."""
    body = json.dumps(problem_body("method_not_allowed", 405), ensure_ascii=False, separators=(",", ":"))
    headers = {
        "Content-Type": f"'{PROBLEM_CONTENT_TYPE}'",
        "Content-Language": f"'{GATEWAY_LANGUAGE}'",
        "Cache-Control": "'no-store'",
        "X-Correlation-Id": "context.requestId",
        "Access-Control-Allow-Origin": f"'{allow_origin}'",
        "Access-Control-Expose-Headers": "'X-Correlation-Id,Content-Language'",
    }
    methods: dict[str, dict[str, Any]] = {}
    for path, item in paths.items():
        allow = allow_header({m for m in item if m in SWAGGER_METHODS})
        values = {"Allow": f"'{allow}'", **headers}
        methods[path] = {
            "consumes": ["application/json"],
            "produces": ["application/problem+json"],
            "responses": {
                "405": {
                    "description": "The path does not have this method.",
                    "headers": {name: {"type": "string"} for name in values},
                }
            },
            "x-amazon-apigateway-integration": {
                "type": "mock",
                "passthroughBehavior": "when_no_match",
                "requestTemplates": {"application/json": '{"statusCode": 405}'},
                "responses": {
                    "default": {
                        "statusCode": "405",
                        "responseParameters": {f"method.response.header.{k}": v for k, v in values.items()},
                        "responseTemplates": {"application/json": body},
                    }
                },
            },
        }
    return methods
