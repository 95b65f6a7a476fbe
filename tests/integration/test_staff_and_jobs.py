"""Staff accounts (ops create-officer) and the password-age job, against moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from typer.testing import CliRunner

from chalicelib.adapters.models import AccountModel
from ops.cli import app as ops_app
from tests.accounts import issue
from tests.fakes import FakeClock
from tests.integration.emulator import drain, event, sent_sms

runner = CliRunner()


def set_real_password(container: Any, username: str, at: datetime) -> None:
    account = container.accounts.get(username)
    container.accounts.set_password(
        account, container.hasher.hash("Cây tre xanh bên dòng sông"), temporary=False, now=at
    )


def test_create_officer_prints_a_temporary_password_once(container: Any) -> None:
    args = [
        "--stage",
        "test",
        "create-officer",
        "--bhxh-code",
        "0100000009",
        "--full-name",
        "Lê Thị Cán Bộ",
        "--phone",
        "0912000009",
        "--id-number",
        "001080000009",
        "--office",
        "BHXH-01",
        "--role",
        "officer",
        "--role",
        "supervisor",
    ]
    result = runner.invoke(ops_app, args)
    assert result.exit_code == 0, result.output
    assert "temporary password" in result.output
    account = AccountModel.get("0100000009")
    assert account.roles == {"officer", "supervisor"} and account.office_code == "BHXH-01"
    again = runner.invoke(ops_app, args)
    assert again.exit_code == 1 and "account_exists" in again.output


def test_create_officer_validates_its_input(container: Any) -> None:
    result = runner.invoke(
        ops_app,
        [
            "--stage",
            "test",
            "create-officer",
            "--bhxh-code",
            "12",
            "--full-name",
            "X",
            "--phone",
            "1",
            "--id-number",
            "1",
            "--office",
            "BHXH-99",
            "--role",
            "king",
        ],
    )
    assert result.exit_code == 2
    for field in ("bhxh_code", "phone", "id_number", "office", "role"):
        assert field in result.output


def test_password_age_job_reminds_and_never_twice(
    client: Any, container: Any, aws: dict[str, Any], clock: FakeClock
) -> None:
    set_at = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)  # expires 2026-12-01 (183 days)
    for index, username in enumerate(["0100000001", "0100000002", "0100000003"]):
        issue(container, username, identity_key=f"id#00108000000{index}", phone=f"+8491200000{index}")
        set_real_password(container, username, set_at + timedelta(days=7 * index))
    drain(aws)
    before = len(sent_sms())
    scheduled = event("schedule_office_reminders.json")

    clock.now = datetime(2026, 11, 17, 1, 0, tzinfo=UTC)  # 14 days before the first expiry
    report = client.lambda_.invoke("password_age_job", scheduled).payload
    assert report["by_kind"] == {"password_reminder_14d": 2}  # SMS and email of account 1
    assert client.lambda_.invoke("password_age_job", scheduled).payload["queued"] == 0
    drain(aws)
    assert len(sent_sms()) == before + 1

    # 1 December: the first expires, the second is 7 days away, the third 14.
    clock.now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    report = client.lambda_.invoke("password_age_job", scheduled).payload
    assert report["by_kind"] == {"password_expired": 2, "password_reminder_7d": 2, "password_reminder_14d": 2}
    drain(aws)
    texts = [text for _, text in sent_sms()[before:]]
    assert sum("da het han" in text for text in texts) == 1
    assert sum("con 7 ngay" in text for text in texts) == 1
    assert sum("con 14 ngay" in text for text in texts) == 2


def test_password_change_moves_the_reminder(container: Any, clock: FakeClock) -> None:
    from chalicelib.services.password_age import run_password_age

    issue(container)
    set_real_password(container, "0123456789", datetime(2026, 6, 1, 3, 0, tzinfo=UTC))
    set_real_password(container, "0123456789", datetime(2026, 11, 1, 3, 0, tzinfo=UTC))
    old_day = datetime(2026, 11, 17).date()
    assert run_password_age(container, old_day, clock.now).examined == 0
