"""Synthesise the stack once per test session (``chalice package`` + CDK take ~10 s) and share it.

``prod`` is the environment under test; ``uat`` is a second synthesis with other
context values, to show that names and settings come from the context.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

INFRA_DIR = Path(__file__).resolve().parent.parent
if str(INFRA_DIR) not in sys.path:
    sys.path.insert(0, str(INFRA_DIR))
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from aws_cdk.assertions import Template  # noqa: E402
from bhxh_infra import build_app  # noqa: E402
from bhxh_infra.stack import RegistrationStack  # noqa: E402

PROD_CONTEXT = {
    "stage": "prod",
    "cors_origins": "https://dichvu.baohiemxahoi.gov.vn",
    "operator_emails": "vanhanh@baohiemxahoi.gov.vn",
    "leadership_emails": "lanhdao@baohiemxahoi.gov.vn,vanphong@baohiemxahoi.gov.vn",
    "vneid_issuer": "https://sso.vneid.gov.vn/oidc",
    "vneid_client_id": "bhxh-dichvucong",
}
UAT_CONTEXT = {
    "stage": "uat",
    "cors_origins": "https://uat.dichvu.baohiemxahoi.gov.vn",
    "log_retention_days": "90",
    "api_throttle_rate": "50",
    "api_throttle_burst": "100",
    "waf_rate_per_ip": "500",
    "waf_auth_rate_per_ip": "20",
    "sms_monthly_spend_limit_usd": "500",
    "sms_sender_id": "BHXHUAT",
    "manage_ses_identity": "false",
    "manage_apigateway_account": "false",
    "retain_data": "false",
}


@dataclass
class Synth:
    stack: RegistrationStack
    template: Template
    json: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.json["Resources"])

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == kind}

    def logical_id(self, construct: Any) -> str:
        return str(self.stack.get_logical_id(construct.node.default_child))

    def functions(self) -> dict[str, dict[str, Any]]:
        """Chalice's functions by handler name (``app`` for the API)."""
        return {f.handler: self.resources[f.logical_id] for f in self.stack.functions}


def _synth(context: dict[str, str], outdir: Path) -> Synth:
    _app, stack = build_app(context, outdir=str(outdir))
    template = Template.from_stack(stack)
    return Synth(stack, template, template.to_json())


@pytest.fixture(scope="session")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return _synth(PROD_CONTEXT, tmp_path_factory.mktemp("prod"))


@pytest.fixture(scope="session")
def uat(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return _synth(UAT_CONTEXT, tmp_path_factory.mktemp("uat"))


def statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
    """Every policy statement of a role's inline policies or of an IAM policy resource."""
    props = resource["Properties"]
    documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
    if "PolicyDocument" in props:
        documents.append(props["PolicyDocument"])
    return [s for d in documents for s in d["Statement"]]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def get_att(logical_id: str, attribute: str = "Arn") -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, attribute]}


def ref(logical_id: str) -> dict[str, Any]:
    return {"Ref": logical_id}


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
