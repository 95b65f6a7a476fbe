"""Demo data and demo staff are seeded only into the local emulator on the `local` stage."""

from __future__ import annotations

import pytest

from local.seed import NotLocalError, ensure_local, seed

LOCAL = {"BHXH_STAGE": "local", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}


@pytest.mark.parametrize(
    "endpoint", ["http://127.0.0.1:4566", "http://localhost:55123", "http://[::1]:4566", "http://127.0.0.1:4566/"]
)
def test_local_emulator_on_the_local_stage_is_accepted(endpoint: str) -> None:
    assert ensure_local({"BHXH_STAGE": "local", "AWS_ENDPOINT_URL": endpoint}) == endpoint


@pytest.mark.parametrize(
    "environ",
    [
        {"BHXH_STAGE": "prod", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"},
        {"BHXH_STAGE": "", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"},
        {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"},
        {"BHXH_STAGE": "Local", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"},
        {"BHXH_STAGE": "local"},
        {"BHXH_STAGE": "local", "AWS_ENDPOINT_URL": ""},
        {"BHXH_STAGE": "local", "AWS_ENDPOINT_URL": "https://dynamodb.ap-southeast-1.amazonaws.com"},
        {"BHXH_STAGE": "local", "AWS_ENDPOINT_URL": "http://127.0.0.1.attacker.example:4566"},
        {"BHXH_STAGE": "local", "AWS_ENDPOINT_URL": "http://localhost@dynamodb.amazonaws.com"},
        {"BHXH_STAGE": "local", "AWS_ENDPOINT_URL": "https://127.0.0.1:4566"},
        {"BHXH_STAGE": "local", "AWS_ENDPOINT_URL": "http://10.0.0.5:4566"},
        {**LOCAL, "AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.ap-southeast-1.amazonaws.com"},
    ],
)
def test_anything_else_is_refused(environ: dict[str, str]) -> None:
    with pytest.raises(NotLocalError):
        ensure_local(environ)


def test_seed_refuses_before_touching_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_container() -> None:
        raise AssertionError("seed built the container before checking where it is")

    monkeypatch.setattr("local.seed.container", no_container)
    monkeypatch.setenv("BHXH_STAGE", "prod")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    with pytest.raises(NotLocalError):
        seed()
    monkeypatch.setenv("BHXH_STAGE", "local")
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    with pytest.raises(NotLocalError):
        seed()
