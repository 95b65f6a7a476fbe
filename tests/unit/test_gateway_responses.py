"""The deployed gateway responses (templates with $context substitutions) give
exactly the bodies the local stack answers (render)."""

from __future__ import annotations

import json
import re

import pytest

from chalicelib.api.gateway_responses import (
    ANSWERS_BY_TYPE,
    DENIAL_CODES,
    DENIAL_KEYS,
    EDGE_CODE_STATUSES,
    GATEWAY_ANSWERS,
    denial_context,
    render,
    swagger_gateway_responses,
)
from chalicelib.domain.messages import PROBLEM_TITLES

ORIGIN = "https://dichvu.baohiemxahoi.gov.vn"


def _substitute(template: str, context: dict[str, str]) -> str:
    """What API Gateway does to a gateway response template: plain $context substitution."""
    return re.sub(r"\$context\.authorizer\.([a-z_]+)", lambda m: context[m.group(1)], template)


@pytest.mark.parametrize("answer", GATEWAY_ANSWERS, ids=[a.response_type for a in GATEWAY_ANSWERS])
def test_deployed_template_is_the_local_body(answer) -> None:
    deployed = swagger_gateway_responses(ORIGIN)[answer.response_type]
    assert deployed["statusCode"] == str(answer.status)
    headers = deployed["responseParameters"]
    assert headers["gatewayresponse.header.Content-Type"] == "'application/problem+json; charset=utf-8'"
    assert headers["gatewayresponse.header.Content-Language"] == "'vi'"
    assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == f"'{ORIGIN}'"
    (template,) = deployed["responseTemplates"].values()
    if answer.response_type == "ACCESS_DENIED":
        for code in DENIAL_CODES:
            context = denial_context(code)
            body = json.loads(_substitute(template, context))
            assert body == render(answer, context)
            assert (body["code"], body["status"]) == (code, 403)
    else:
        assert "$" not in template
        assert json.loads(template) == render(answer)


def test_every_answer_has_both_languages_and_a_matching_type() -> None:
    for answer in GATEWAY_ANSWERS:
        body = render(answer)
        vi, en = PROBLEM_TITLES[body["code"]]
        assert (body["title"], body["title_en"], body["status"]) == (vi, en, answer.status)
        assert body["type"].endswith("/" + body["code"])


def test_denial_texts_substitute_safely_into_json() -> None:
    for code in DENIAL_CODES:
        context = denial_context(code)
        assert set(context) == set(DENIAL_KEYS)
        for value in context.values():
            assert '"' not in value and "\\" not in value and "$" not in value


def test_password_change_required_tells_how() -> None:
    body = render(ANSWERS_BY_TYPE["ACCESS_DENIED"], denial_context("password_change_required"))
    assert "/v1/auth/password" in body["detail"] and "/v1/auth/password" in body["detail_en"]


def test_access_denied_without_a_reason_is_forbidden() -> None:
    assert render(ANSWERS_BY_TYPE["ACCESS_DENIED"], {})["code"] == "forbidden"
    assert render(ANSWERS_BY_TYPE["ACCESS_DENIED"], {"problem_code": "x"})["code"] == "forbidden"
    with pytest.raises(ValueError):
        denial_context("not_a_reason")


def test_each_code_has_one_status() -> None:
    for answer in GATEWAY_ANSWERS:
        assert EDGE_CODE_STATUSES[answer.code] == answer.status
