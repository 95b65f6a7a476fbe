"""``python -m ops check-consistency`` against moto: each impossible state,
made by hand in the tables, is reported (masked) with exit code 1, and
nothing is changed; a consistent store exits 0."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from chalicelib.adapters.models import AccountModel, GuardModel, NotificationModel
from chalicelib.domain.declaration import APPROVED
from ops.cli import app
from tests.accounts import issue
from tests.builders import form

runner = CliRunner()


def check() -> Any:
    return runner.invoke(app, ["--stage", "test", "check-consistency"], env={"COLUMNS": "200"})


def approved(container: Any, declaration_id: str, bhxh_code: str) -> None:
    from chalicelib.adapters.declaration_store import to_model
    from chalicelib.domain.declaration import new_office_declaration
    from chalicelib.domain.form01 import parse_form01

    parsed = parse_form01(form(bhxh_code=bhxh_code), today=datetime(2026, 11, 24).date())
    declaration = new_office_declaration(parsed, declaration_id=declaration_id, code="K7PQ3M9X", now=container.clock())
    model = to_model(declaration, 8)
    model.status = APPROVED
    model.save()


def person(container: Any, username: str, **changes: Any) -> None:
    """An account issued as usual, its notices sent already."""
    issue(container, username, **changes)
    for notice in NotificationModel.scan():
        notice.update(actions=[NotificationModel.status.set("sent")])


def snapshot() -> tuple[int, int, int]:
    return AccountModel.count(), GuardModel.count(), NotificationModel.count()


def test_a_consistent_store_exits_zero(container: Any) -> None:
    person(container, "0123456789")
    approved(container, "d-1", "0123456789")
    result = check()
    assert result.exit_code == 0, result.output
    assert "no impossible state" in result.output


@pytest.mark.parametrize(
    "make",
    [
        "approved_without_account",
        "account_without_guard",
        "guard_without_account",
        "several_accounts_for_one_person",
        "notice_stuck_queued",
    ],
)
def test_each_impossible_state_is_reported_and_left_alone(container: Any, make: str, wide_console: None) -> None:
    person(container, "0123456789")  # one consistent person beside the broken state
    if make == "approved_without_account":
        approved(container, "d-9", "7912345678")
        expected = ["d-9", "79******78"]
    elif make == "account_without_guard":
        GuardModel("account#bhxh#0123456789").delete()
        expected = ["01******89", "no social-insurance code guard"]
    elif make == "guard_without_account":
        GuardModel("account#id#079301123456", owner="7912345678").save()
        expected = ["account#id#07********56", "account 79******78 missing"]
    elif make == "several_accounts_for_one_person":
        person(container, "7912345678", identity_key="id#079301123456")
        # Written past its guards, as only a defect could: the same ID document as the first.
        AccountModel("7912345678").update(actions=[AccountModel.identity_key.set("id#001089056789")])
        expected = ["id#00********89", "01******89, 79******78", "ID document guard held by 01******89"]
    else:
        from chalicelib.adapters.outbox import notification_model
        from chalicelib.domain.notification import Notification

        old = datetime.now(UTC) - timedelta(minutes=40)
        notification_model(
            Notification(
                "declaration#d-5#account_approved#sms",
                "account_approved",
                "sms",
                "+84912345678",
                "x",
                "declaration#d-5",
                old,
            )
        ).save()
        expected = ["declaration#d-5#account_approved#sms", "queued for 40 min"]
    before = snapshot()
    result = check()
    assert result.exit_code == 1, result.output
    assert make in result.output
    for text in expected:
        assert text in result.output
    assert "0123456789" not in result.output and "+84912345678" not in result.output
    assert snapshot() == before  # reported, not fixed
