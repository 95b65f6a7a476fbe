"""VNeID (issue 14, item 2): the relying party's configuration reaches the API, its client secret
is an SSM SecureString read at run time (never in the template), and only the API may read it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bhxh_infra.config import ContextError, load_config
from conftest import Synth, as_list, statements

SECRET_PARAMETER = "/bhxh/prod/vneid/client-secret"  # noqa: S105 - a parameter name, not a secret


def _getters(synth: Synth) -> dict[str, list[Any]]:
    """handler -> the resources its role may ssm:GetParameter."""
    found: dict[str, list[Any]] = {}
    for function in synth.stack.functions:
        for statement in statements(synth.resources[function.role_logical_id]):
            if "ssm:GetParameter" in as_list(statement["Action"]):
                found.setdefault(function.handler, []).extend(as_list(statement["Resource"]))
    return found


def test_the_api_gets_the_relying_partys_settings(prod: Synth) -> None:
    variables = prod.functions()["app"]["Properties"]["Environment"]["Variables"]
    assert variables["BHXH_VNEID_ISSUER"] == "https://sso.vneid.gov.vn/oidc"
    assert variables["BHXH_VNEID_CLIENT_ID"] == "bhxh-dichvucong"
    assert variables["BHXH_VNEID_REDIRECT_URI"] == "https://dichvu.baohiemxahoi.gov.vn/vneid.html"
    assert variables["BHXH_VNEID_CLIENT_SECRET_PARAMETER"] == SECRET_PARAMETER
    assert (variables["BHXH_VNEID_LEVEL_CLAIM"], variables["BHXH_VNEID_LEVEL_REQUIRED"]) == ("identity_level", "2")


def test_the_client_secret_is_never_in_the_template(prod: Synth) -> None:
    for function in prod.functions().values():
        assert "BHXH_VNEID_CLIENT_SECRET" not in function["Properties"]["Environment"]["Variables"]
    assert not prod.of_type("AWS::SSM::Parameter")  # a SecureString is put by an operator, not by the stack
    assert "demo-client-secret" not in json.dumps(prod.json)


def test_only_the_api_reads_the_secret_and_only_that_parameter(prod: Synth) -> None:
    getters = _getters(prod)
    assert set(getters) == {"app"}
    (resource,) = getters["app"]
    assert f":parameter{SECRET_PARAMETER}" in json.dumps(resource)  # that one parameter
    assert "*" not in json.dumps(resource)


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"vneid_issuer": "http://sso.vneid.gov.vn", "vneid_client_id": "x"}, "https:// URL"),
        ({"vneid_issuer": "https://sso.vneid.gov.vn"}, "go together"),
        ({"vneid_client_id": "bhxh"}, "go together"),
    ],
)
def test_bad_vneid_context_is_refused(context: dict[str, str], message: str) -> None:
    with pytest.raises(ContextError, match=message):
        load_config({"stage": "prod", "cors_origins": "https://a.vn", **context})


def test_without_an_issuer_vneid_is_off(uat: Synth) -> None:
    variables = uat.functions()["app"]["Properties"]["Environment"]["Variables"]
    assert variables["BHXH_VNEID_ISSUER"] == "" and variables["BHXH_VNEID_CLIENT_ID"] == ""
