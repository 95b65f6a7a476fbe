"""The operator CLI against moto: import-participants, run-job, outbox."""

from __future__ import annotations

import json
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


def test_outbox_masks_recipients(client: Any, aws: dict[str, Any], wide_console: None) -> None:
    from tests.integration.emulator import event

    client.lambda_.invoke("on_declaration_change", event("dynamodb_ttl_remove.json"))
    result = runner.invoke(app, ["--stage", "test", "outbox", "--days", "400"])
    assert result.exit_code == 0, result.output
    assert "office_cancelled" in result.output
    assert "+84912345678" not in result.output
    assert "+84*******78" in result.output


def test_outbox_shows_the_providers_receipt(
    client: Any, container: Any, aws: dict[str, Any], wide_console: None
) -> None:
    from tests.integration.test_delivery_receipts import _sent
    from tests.unit.test_delivery_receipts import awslogs, sms_logs

    item = _sent(container, aws, "sms")
    logs = sms_logs()
    logs["logEvents"] = logs["logEvents"][1:]  # the carrier could not reach the phone
    record = json.loads(logs["logEvents"][0]["message"])
    record["notification"]["messageId"] = item.provider_message_id
    logs["logEvents"][0]["message"] = json.dumps(record)
    client.lambda_.invoke("sms_delivery_status", awslogs(logs))
    result = runner.invoke(app, ["--stage", "test", "outbox", "--days", "400"])
    assert result.exit_code == 0, result.output
    assert "failed" in result.output and "2026-11-24 03:00:03 Phone is currently" in result.output
    # An approval whose SMS failed, from a person who gave no email: no other channel to fall back to.
    assert "none possible" in result.output


def test_run_job_runs_the_delivery_fallback_sweep(aws: dict[str, Any]) -> None:
    result = runner.invoke(app, ["--stage", "test", "run-job", "delivery-fallback"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"looked_at": 0, "queued": 0, "unavailable": 0, "requeued": 0}


UNITS_CSV = (
    "unit_code,name,province_code,deadline\n"
    "BHXH-01,Bảo hiểm xã hội thành phố Hà Nội,01,2026-12-31\n"
    "TTCNTT,Trung tâm Công nghệ thông tin,,2026-12-10\n"
    "BAD UNIT,,99,31/12/2026\n"
)
ROSTER_CSV = (
    "\ufeffunit_code,bhxh_code,full_name\n"  # Excel writes a byte-order mark
    "BHXH-01,0123456789,Nguyễn Văn An\n"
    "TTCNTT,7912345678,Trần Thị Bình\n"
    "NOWHERE,0100000001,Lê Văn Cường\n"
    "BHXH-01,12,\n"
)


def test_import_units_and_roster(aws: dict[str, Any], tmp_path: Path) -> None:
    from chalicelib.adapters.models import RosterModel, UnitModel

    units = tmp_path / "units.csv"
    units.write_text(UNITS_CSV, encoding="utf-8")
    result = runner.invoke(app, ["--stage", "test", "import-units", str(units)])
    assert result.exit_code == 1, result.output
    assert "line 4: unit_code" in result.output and "read 3 rows, wrote 2 units, rejected 1" in result.output
    assert UnitModel.get("TTCNTT").province_code == "00"

    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER_CSV, encoding="utf-8")
    first = runner.invoke(app, ["--stage", "test", "import-roster", str(roster)])
    assert first.exit_code == 1, first.output
    assert "line 4: unit_code: No unit has this code" in first.output
    assert "line 5: bhxh_code" in first.output
    assert "read 4 rows: 2 rostered, 0 moved to another unit, 0 already rostered" in first.output
    again = runner.invoke(app, ["--stage", "test", "import-roster", str(roster)])
    assert "read 4 rows: 0 rostered, 0 moved to another unit, 2 already rostered" in again.output
    assert RosterModel.get("7912345678").full_name == "Trần Thị Bình"
    assert (UnitModel.get("BHXH-01").roster, UnitModel.get("TTCNTT").roster) == (1, 1)


def test_import_roster_refuses_a_file_without_the_columns(aws: dict[str, Any], tmp_path: Path) -> None:
    csv_file = tmp_path / "wrong.csv"
    csv_file.write_text("unit,code\n1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["--stage", "test", "import-roster", str(csv_file)])
    assert result.exit_code == 2
    assert "unit_code" in result.output and "bhxh_code" in result.output
