"""Integration tests see API Gateway as deployed: chalice.test.Client's emulated
gateway answers its refusals with the deployed gateway responses (local/gateway.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def deployed_gateway_responses(monkeypatch: pytest.MonkeyPatch) -> None:
    import chalice.test

    from local.gateway import ProblemGateway

    monkeypatch.setattr(chalice.test, "LocalGateway", ProblemGateway)
