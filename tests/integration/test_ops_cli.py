"""The operator CLI against moto: import-participants, run-job, outbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from chalicelib.adapters.models import ParticipantModel
from local.demo_data import PARTICIPANTS_CSV
from ops.cli import app

runner = CliRunner()
HEADER = "bhxh_code,full_name,date_of_birth,gender,id_number,phone,province_code\n"


def test_import_participants_reports_bad_rows_and_goes_on(aws: dict[str, Any], tmp_path: Path) -> None:
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        HEADER
        + "0123456789,Nguyễn Văn An,1989-05-02,male,001089020747,0912345678,01\n"
        + "12345,Bad Code,1989-05-02,male,001089020747,0912345678,01\n"
        + "7912345678,Trần Thị Bình,2001-09-30,female,079301123456,0987654321,79\n"
        + "7900000000,No Phone,2001-09-30,female,079301123456,,79\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["--stage", "test", "import-participants", str(csv_file)])
    assert result.exit_code == 1, result.output
    assert "line 3: bhxh_code" in result.output
    assert "line 5: phone" in result.output
    assert "read 4 rows, wrote 2, rejected 2" in result.output
    person = ParticipantModel.get("7912345678")
    assert (person.full_name, person.phone) == ("Trần Thị Bình", "+84987654321")


def test_import_is_safe_to_rerun(aws: dict[str, Any]) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["--stage", "test", "import-participants", str(PARTICIPANTS_CSV)])
        assert result.exit_code == 0, result.output
    assert ParticipantModel.count() == 60


def test_import_refuses_a_file_without_the_columns(aws: dict[str, Any], tmp_path: Path) -> None:
    csv_file = tmp_path / "wrong.csv"
    csv_file.write_text("code,name\n1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["--stage", "test", "import-participants", str(csv_file)])
    assert result.exit_code == 2
    assert "bhxh_code" in result.output


def test_run_job_by_name_and_unknown_job(aws: dict[str, Any]) -> None:
    ok = runner.invoke(app, ["--stage", "test", "run-job", "office-reminders", "--as-of", "2026-12-01"])
    assert ok.exit_code == 0, ok.output
    assert '"queued": 0' in ok.output
    unknown = runner.invoke(app, ["--stage", "test", "run-job", "nope"])
    assert unknown.exit_code == 2
    assert "office-reminders" in unknown.output


def test_outbox_masks_recipients(client: Any, aws: dict[str, Any]) -> None:
    from tests.integration.test_events import event

    client.lambda_.invoke("on_declaration_change", event("dynamodb_ttl_remove.json"))
    result = runner.invoke(app, ["--stage", "test", "outbox", "--days", "400"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "office_cancelled" in result.output
    assert "+84912345678" not in result.output
    assert "+84*******78" in result.output
