"""Integration tests see API Gateway as deployed: chalice.test.Client's emulated
gateway answers its refusals with the deployed gateway responses (local/gateway.py).
Everything they log goes through the personal-data detector (tests/pii_guard.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.pii_guard import CapturingHandler, guarding


@pytest.fixture(autouse=True)
def deployed_gateway_responses(monkeypatch: pytest.MonkeyPatch) -> None:
    import chalice.test

    from local.gateway import ProblemGateway

    monkeypatch.setattr(chalice.test, "LocalGateway", ProblemGateway)


@pytest.fixture(autouse=True)
def no_personal_data_in_logs() -> Iterator[CapturingHandler]:
    """Every integration test: what it logged shows no ID number, phone, email, token or password."""
    with guarding() as handler:
        yield handler


@pytest.fixture(autouse=True)
def least_privilege(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every integration test: each AWS call a handler of app.py makes is one its deployed role allows
    (tests/iam_guard.py against infra's ``ACCESS``)."""
    from chalicelib.config import load_settings
    from tests.iam_guard import least_privilege

    settings = load_settings()
    queues = {settings.dead_letter_queue: "dead_letters", settings.notifications_queue: "notices"}
    with least_privilege(monkeypatch, settings.table_names(), queues) as violations:
        yield
    assert not violations.found, "calls the deployed roles would refuse: " + "; ".join(sorted(violations.found))


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the AWS API calls made (a module may define its own ``calls`` with the parameters)."""
    import botocore.client

    seen: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self: Any, operation_name: str, api_params: Any) -> Any:
        seen.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return seen
