"""Shared fixtures: an in-process AWS emulator (moto) with every resource the
code uses, a Chalice test client, and fakes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import argon2
import pytest

from chalicelib.domain.passwords import Hasher
from tests.builders import OFFICE, OFFICE_HCM, PARTICIPANT_AN, PARTICIPANT_BINH
from tests.fakes import FakeClock, FakeDeps, FakeOfficeDirectory

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_REGION": "ap-southeast-1",
    "AWS_XRAY_SDK_ENABLED": "false",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "BHXH/Registration",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "BHXH_STAGE": "test",
}

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.fixture
def fake_deps() -> FakeDeps:
    deps = FakeDeps(offices=FakeOfficeDirectory([OFFICE, OFFICE_HCM]), clock=FakeClock(NOW))
    deps.registry.put_many([PARTICIPANT_AN, PARTICIPANT_BINH])
    return deps


@pytest.fixture(scope="session")
def emulator() -> Iterator[dict[str, Any]]:
    """moto in-process with every table, queue and identity, created once per worker.

    Creating the twelve tables, the queues and the identities costs ~2 s; each
    test then gets a clean copy of this state from :func:`aws` in milliseconds."""
    import boto3
    from moto import mock_aws

    from chalicelib.config import load_settings
    from local.resources import create_all

    with pytest.MonkeyPatch.context() as patch:
        _set_aws_env(patch)
        with mock_aws():
            settings = load_settings()
            session = boto3.session.Session()
            created = create_all(settings, session)
            yield {"settings": settings, "session": session, **created}


def _set_aws_env(patch: pytest.MonkeyPatch) -> None:
    for key, value in AWS_ENV.items():
        patch.setenv(key, value)
    patch.delenv("AWS_ENDPOINT_URL", raising=False)
    patch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def aws(emulator: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The emulator with every resource created and nothing in it: empty tables
    and streams, empty queues, no SMS or email sent."""
    from chalicelib import bootstrap
    from tests.integration.emulator import reset

    _set_aws_env(monkeypatch)
    reset()
    yield dict(emulator)
    bootstrap.override(None)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def container(aws: dict[str, Any], clock: FakeClock) -> Any:
    """The real container (moto-backed adapters) with a controllable clock."""
    from chalicelib import bootstrap

    # Argon2 with RFC 9106 parameters costs ~0.1 s a hash; tests use the cheapest profile.
    real = bootstrap.Container(
        aws["settings"], clock=clock, hasher=Hasher(argon2.profiles.CHEAPEST), session=aws["session"]
    )
    real.offices.put_many([OFFICE, OFFICE_HCM])
    real.registry.put_many([PARTICIPANT_AN, PARTICIPANT_BINH])
    bootstrap.override(real)
    return real


@pytest.fixture
def client(container: Any) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("BHXH_SKIP_E2E") == "1":
        skip = pytest.mark.skip(reason="BHXH_SKIP_E2E=1")
        for item in items:
            if "e2e" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def atomic_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make each emulated AWS request atomic, as the real services are.

    moto's in-process backends are not thread-safe: two concurrent
    TransactWriteItems can interleave item by item, and dict iteration can
    fail. DynamoDB executes each request atomically (transactions are
    serializable), so a lock around each API call emulates the real service
    while the callers' read-check-write sequences still interleave freely."""
    import threading

    import botocore.client

    lock = threading.Lock()
    original = botocore.client.BaseClient._make_api_call

    def atomic(self: Any, operation_name: str, api_params: Any) -> Any:
        with lock:
            return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", atomic)


@pytest.fixture
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator CLI's console, wide enough that table cells are never cut.

    Its width was fixed from COLUMNS when ``ops.cli`` was first imported (by any test)."""
    from rich.console import Console

    monkeypatch.setattr("ops.cli.console", Console(width=200))
