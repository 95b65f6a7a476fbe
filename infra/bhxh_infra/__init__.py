"""CDK app of the BHXH registration service: ``build_app`` makes the one stack of an environment."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from aws_cdk import App, Environment

from .config import INFRA_DIR, InfraConfig, load_config
from .stack import RegistrationStack


def cdk_json_context() -> dict[str, Any]:
    """The defaults in infra/cdk.json (the CDK CLI reads them itself; ``python main.py`` and tests do not)."""
    data = json.loads((INFRA_DIR / "cdk.json").read_text(encoding="utf-8"))
    return dict(data.get("context", {}))


def build_app(context: dict[str, Any] | None = None, outdir: str | None = None) -> tuple[App, RegistrationStack]:
    """The CDK app with the stack ``bhxh-<stage>``.

    ``context`` overrides cdk.json's defaults; context given to the CDK CLI (``-c``) overrides both.
    """
    app = App(context={**cdk_json_context(), **(context or {})}, outdir=outdir)
    values = {field.name: app.node.try_get_context(field.name) for field in dataclasses.fields(InfraConfig)}
    config = load_config(values)
    stack = RegistrationStack(
        app,
        config.stack_name,
        config=config,
        env=Environment(account=config.account, region=config.region),
    )
    return app, stack


__all__ = ["InfraConfig", "RegistrationStack", "build_app", "cdk_json_context", "load_config"]
