"""The registration campaign against moto: units, rosters, counting through
the accounts stream, the progress report (JSON and CSV) and the digest."""

from __future__ import annotations

import csv
import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.adapters.models import RosterModel, UnitModel
from chalicelib.domain.campaign import Unit
from chalicelib.domain.participant import Participant
from chalicelib.services.campaign import import_roster, import_units
from tests.builders import form
from tests.fakes import FakeClock
from tests.integration.emulator import drain, event, sent_emails
from tests.integration.test_officer_desk import call, staff_token

GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Khánh", "Lan", "Minh", "Ngọc", "Phúc", "Quang", "Sơn", "Thảo"]
UNITS = [
    {
        "unit_code": "BHXH-01",
        "name": "Bảo hiểm xã hội thành phố Hà Nội",
        "province_code": "01",
        "deadline": "2026-12-31",
    },
    {
        "unit_code": "BHXH-79",
        "name": "Bảo hiểm xã hội Thành phố Hồ Chí Minh",
        "province_code": "79",
        "deadline": "2026-12-15",
    },
    {"unit_code": "TTCNTT", "name": "Trung tâm Công nghệ thông tin", "province_code": "", "deadline": "2026-12-10"},
]


def person(i: int) -> tuple[dict[str, Any], Participant]:
    """The i-th synthetic staff member: a valid Form 01 and the registry's matching record."""
    name = f"Nguyễn Văn {GIVEN[i % len(GIVEN)]}"
    bhxh, id_number, phone = f"02{i:08d}", f"001089{i:06d}", f"0913{i:06d}"
    body = form(full_name=name, bhxh_code=bhxh, id_number=id_number, phone=phone, email=f"staff{i}@example.vn")
    return body, Participant(bhxh, name, "1989-05-02", "male", id_number, f"+84913{i:06d}", "01")


def rows(data: list[dict[str, str]]) -> list[tuple[int, dict[str, str]]]:
    return [(line, row) for line, row in enumerate(data, start=2)]


def roster_rows(assignments: dict[int, str]) -> list[tuple[int, dict[str, str]]]:
    return rows(
        [
            {"unit_code": unit, "bhxh_code": person(i)[1].bhxh_code, "full_name": person(i)[1].full_name}
            for i, unit in assignments.items()
        ]
    )


def deliver_accounts_stream(aws: dict[str, Any], *, times: int = 1, parallel: int = 1) -> int:
    """The accounts stream, delivered ``times`` over (Lambda redelivers after a
    failure) by ``parallel`` concurrent readers (as if shards raced)."""
    import boto3

    from app import on_account_issued
    from local.streams import StreamReader, deliver

    def once() -> int:
        reader = StreamReader(boto3.client("dynamodbstreams"), boto3.client("dynamodb"), aws["settings"].accounts_table)
        return deliver(on_account_issued, reader)

    delivered = 0
    for _ in range(times):
        with ThreadPoolExecutor(parallel) as pool:
            delivered = max(pool.map(lambda _: once(), range(parallel)))
    return delivered


def counters(code: str) -> tuple[int, int, dict[str, int]]:
    item = UnitModel.get(code, consistent_read=True)
    daily: Any = item.daily
    return int(item.roster), int(item.registered), {k: int(v) for k, v in daily.as_dict().items()}


@pytest.fixture
def campaign(container: Any) -> Any:
    report = import_units(container, rows(UNITS))
    assert report.written == 3 and report.rejected == 0
    container.registry.put_many([person(i)[1] for i in range(130)])
    return container


def paper_declarations(container: Any, people: range) -> list[str]:
    from chalicelib.services.officer_desk import Officer
    from chalicelib.services.submit_paper_declaration import submit_paper_declaration

    officer = Officer("0100000001", ("officer",), "BHXH-01", "01")
    return [submit_paper_declaration(container, person(i)[0], officer, container.clock()).id for i in people]


def approve_all(container: Any, ids: list[str], workers: int) -> list[str]:
    from chalicelib.services.approve_declaration import approve_declaration
    from chalicelib.services.officer_desk import Officer
    from tests.id_copies import recorded_copy

    officer = Officer("0100000001", ("officer",), "BHXH-01", "01")
    for declaration_id in ids:
        recorded_copy(declaration_id)  # what approval needs; the copy itself is tested elsewhere
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []

    def approve(index: int) -> None:
        if index < workers:
            barrier.wait()  # the first wave starts together
        try:
            approve_declaration(container, ids[index], officer, container.clock())
            outcomes.append("approved")
        except Exception as error:
            outcomes.append(getattr(error, "code", type(error).__name__))

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(approve, range(len(ids))))
    return outcomes


def test_hundred_concurrent_approvals_across_three_units_count_exactly(
    campaign: Any, aws: dict[str, Any], atomic_emulator: None
) -> None:
    # 100 rostered people (45, 35, 20) and 10 who are on no roster.
    units = {i: "BHXH-01" if i < 45 else "BHXH-79" if i < 80 else "TTCNTT" for i in range(100)}
    imported = import_roster(campaign, roster_rows(units), campaign.clock())
    assert (imported.added, imported.counted, imported.rejected) == (100, 0, 0)
    ids = paper_declarations(campaign, range(110))

    outcomes = approve_all(campaign, ids, workers=20)
    assert outcomes.count("approved") == 110, outcomes
    # A retried approval changes nothing: the declaration is decided already.
    assert approve_all(campaign, [ids[0], ids[50], ids[99]], workers=3) == ["already_decided"] * 3

    # Every record delivered three times over by four racing readers.
    assert deliver_accounts_stream(aws, times=3, parallel=4) >= 110
    today = "2026-11-24#paper"
    assert counters("BHXH-01") == (45, 45, {today: 45})
    assert counters("BHXH-79") == (35, 35, {today: 35})
    assert counters("TTCNTT") == (20, 20, {today: 20})
    assert RosterModel.get(person(0)[1].bhxh_code).registered_on == "2026-11-24"


def test_roster_import_counts_earlier_registrations_and_is_rerunnable(campaign: Any, aws: dict[str, Any]) -> None:
    ids = paper_declarations(campaign, range(4))
    approve_all(campaign, ids, workers=1)
    deliver_accounts_stream(aws)  # nobody is rostered yet: nothing counted
    assert counters("BHXH-01") == (0, 0, {})

    data = roster_rows({0: "BHXH-01", 1: "BHXH-01", 2: "BHXH-79", 5: "BHXH-79"})
    first = import_roster(campaign, data, campaign.clock())
    assert (first.added, first.counted, first.unchanged, first.moved) == (4, 3, 0, 0)
    again = import_roster(campaign, data, campaign.clock())
    assert (again.added, again.counted, again.unchanged, again.moved) == (0, 0, 4, 0)
    deliver_accounts_stream(aws)  # the stream comes late: already counted
    assert counters("BHXH-01") == (2, 2, {"2026-11-24#paper": 2})
    assert counters("BHXH-79") == (2, 1, {"2026-11-24#paper": 1})


def test_rerunning_the_roster_counts_what_the_stream_missed(campaign: Any, aws: dict[str, Any]) -> None:
    import_roster(campaign, roster_rows({0: "BHXH-01", 1: "BHXH-01"}), campaign.clock())
    approve_all(campaign, paper_declarations(campaign, range(2)), workers=1)
    # The stream records were lost (more than 24 hours in the failure queue): nothing counted.
    assert counters("BHXH-01")[1] == 0

    repaired = import_roster(campaign, roster_rows({0: "BHXH-01", 1: "BHXH-01"}), campaign.clock())
    assert (repaired.unchanged, repaired.counted) == (2, 2)
    assert counters("BHXH-01") == (2, 2, {"2026-11-24#paper": 2})
    deliver_accounts_stream(aws)  # the records come back after all: counted once still
    assert counters("BHXH-01") == (2, 2, {"2026-11-24#paper": 2})


def test_moving_a_person_moves_their_counters(campaign: Any, aws: dict[str, Any]) -> None:
    approve_all(campaign, paper_declarations(campaign, range(1)), workers=1)
    import_roster(campaign, roster_rows({0: "BHXH-01", 1: "BHXH-01"}), campaign.clock())
    moved = import_roster(campaign, roster_rows({0: "TTCNTT", 1: "BHXH-79"}), campaign.clock())

    assert (moved.moved, moved.added, moved.counted) == (2, 0, 0)
    assert counters("BHXH-01") == (0, 0, {"2026-11-24#paper": 0})
    assert counters("TTCNTT") == (1, 1, {"2026-11-24#paper": 1})
    assert counters("BHXH-79") == (1, 0, {})


def test_bad_roster_rows_are_reported_by_line_and_the_rest_imported(campaign: Any) -> None:
    data = rows(
        [
            {"unit_code": "BHXH-01", "bhxh_code": person(0)[1].bhxh_code, "full_name": "Nguyễn Văn An"},
            {"unit_code": "NOWHERE", "bhxh_code": person(1)[1].bhxh_code, "full_name": "Nguyễn Văn Bình"},
            {"unit_code": "BHXH-01", "bhxh_code": "12", "full_name": ""},
        ]
    )
    report = import_roster(campaign, data, campaign.clock())

    assert (report.read, report.added, report.rejected) == (3, 1, 2)
    assert [(p.line, [(e.field, e.code) for e in p.errors]) for p in report.problems] == [
        (3, [("unit_code", "unknown_unit")]),
        (4, [("bhxh_code", "invalid_bhxh_code"), ("full_name", "required")]),
    ]


def test_unit_import_updates_names_and_deadlines_but_keeps_counters(campaign: Any) -> None:
    import_roster(campaign, roster_rows({0: "BHXH-01"}), campaign.clock())
    changed = [{**UNITS[0], "name": "BHXH Hà Nội", "deadline": "2027-01-15"}]
    import_units(campaign, rows(changed))

    tally = next(t for t in campaign.campaign.tallies("01"))
    assert tally.unit == Unit("BHXH-01", "BHXH Hà Nội", "01", date(2027, 1, 15))
    assert tally.roster == 1


# --- the report through the API -------------------------------------------------------------


@pytest.fixture
def reporter(client: Any, campaign: Any) -> str:
    return staff_token(client, campaign, "0100000009", "BHXH-01", "reporter")


def register_over_days(campaign: Any, aws: dict[str, Any], clock: FakeClock, plan: list[tuple[str, range]]) -> None:
    """Approve the people of each range on that Vietnamese day (09:00)."""
    for day, people in plan:
        clock.now = datetime.fromisoformat(f"{day}T02:00:00+00:00")
        approve_all(campaign, paper_declarations(campaign, people), workers=1)
    deliver_accounts_stream(aws)


def test_progress_report_json_and_csv_match_hand_computed_figures(
    client: Any, campaign: Any, aws: dict[str, Any], clock: FakeClock
) -> None:
    # Hà Nội: 20 rostered (0-19); TTCNTT: 6 rostered (20-25); Hồ Chí Minh: 4 rostered (26-29).
    units = {i: "BHXH-01" if i < 20 else "TTCNTT" if i < 26 else "BHXH-79" for i in range(30)}
    import_roster(campaign, roster_rows(units), campaign.clock())
    register_over_days(
        campaign,
        aws,
        clock,
        [
            ("2026-11-10", range(0, 3)),  # before the 7-day window (18/11-24/11)
            ("2026-11-19", range(3, 10)),  # Hà Nội: 7 in the window
            ("2026-11-24", range(20, 22)),  # TTCNTT: 2 in the window, yesterday
            ("2026-11-25", range(10, 11)),  # today: counted, not in the rate
        ],
    )
    clock.now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
    reporter = staff_token(client, campaign, "0100000009", "BHXH-01", "reporter")

    response = call(client, "GET", "/v1/reports/progress", token=reporter)
    assert response.status_code == 200, response.body
    report = json.loads(response.body)
    assert report["as_of"] == "2026-11-25"
    by_code = {row["unit_code"]: row for row in report["units"]}
    assert [row["unit_code"] for row in report["units"]] == ["TTCNTT", "BHXH-01", "BHXH-79"]
    # Hà Nội: 11/20, 9 left, 7 in 7 days = 1/day -> 9 days -> 04/12, before 31/12.
    assert by_code["BHXH-01"] == {
        "unit_code": "BHXH-01",
        "name": "Bảo hiểm xã hội thành phố Hà Nội",
        "province_code": "01",
        "roster": 20,
        "registered": 11,
        "percent": 55.0,
        "remaining": 9,
        "deadline": "2026-12-31",
        "days_left": 36,
        "rate_7d": 1.0,
        "projected_completion": "2026-12-04",
        "on_track": True,
    }
    # TTCNTT: 2/6, 4 left at 2/7 a day -> 14 days -> 09/12, before 10/12.
    assert (by_code["TTCNTT"]["percent"], by_code["TTCNTT"]["rate_7d"]) == (33.3, 0.29)
    assert (by_code["TTCNTT"]["projected_completion"], by_code["TTCNTT"]["on_track"]) == ("2026-12-09", True)
    # Hồ Chí Minh: nobody yet, no rate, no projection: behind.
    assert (by_code["BHXH-79"]["registered"], by_code["BHXH-79"]["projected_completion"]) == (0, None)
    assert by_code["BHXH-79"]["on_track"] is False
    assert report["totals"] == {
        "units": 3,
        "roster": 30,
        "registered": 13,
        "percent": 43.3,
        "remaining": 17,
        "rate_7d": 1.29,
        "projected_completion": "2026-12-09",  # 17 * 7 / 9 = 13.2 -> 14 days
        "deadline": "2026-12-31",
        "units_on_track": 2,
        "units_behind": 1,
    }
    assert report["yesterday_by_channel"] == {"paper": 2}

    filtered = json.loads(call(client, "GET", "/v1/reports/progress?province=79", token=reporter).body)
    assert [row["unit_code"] for row in filtered["units"]] == ["BHXH-79"] and filtered["province"] == "79"

    sheet = call(client, "GET", "/v1/reports/progress?format=csv", token=reporter)
    assert sheet.status_code == 200
    assert sheet.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert sheet.headers["Content-Disposition"] == 'attachment; filename="tien-do-dang-ky-2026-11-25.csv"'
    raw = sheet.body if isinstance(sheet.body, bytes) else sheet.body.encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert table[0][0] == "Mã đơn vị" and table[0][-1] == "Đúng tiến độ"
    assert table[1:] == [
        [
            "TTCNTT",
            "Trung tâm Công nghệ thông tin",
            "00",
            "6",
            "2",
            "33.3",
            "4",
            "2026-12-10",
            "15",
            "0.29",
            "2026-12-09",
            "Có",
        ],
        [
            "BHXH-01",
            "Bảo hiểm xã hội thành phố Hà Nội",
            "01",
            "20",
            "11",
            "55.0",
            "9",
            "2026-12-31",
            "36",
            "1.00",
            "2026-12-04",
            "Có",
        ],
        [
            "BHXH-79",
            "Bảo hiểm xã hội Thành phố Hồ Chí Minh",
            "79",
            "4",
            "0",
            "0.0",
            "4",
            "2026-12-15",
            "20",
            "0.00",
            "",
            "Không",
        ],
        ["", "Tổng cộng", "", "30", "13", "43.3", "17", "2026-12-31", "36", "1.29", "2026-12-09", "2/3"],
    ]
    english = call(client, "GET", "/v1/reports/progress?format=csv", token=reporter, **{"Accept-Language": "en"})
    assert english.body.decode("utf-8-sig").startswith("Unit code,Unit,Province")


def test_progress_report_is_for_reporters_only(client: Any, campaign: Any, reporter: str) -> None:
    officer = staff_token(client, campaign, "0100000001", "BHXH-01")
    assert call(client, "GET", "/v1/reports/progress").status_code == 401
    assert call(client, "GET", "/v1/reports/progress", token=officer).status_code == 403


@pytest.mark.parametrize(
    ("query", "field"), [("format=xlsx", "format"), ("province=99", "province"), ("province=abc", "province")]
)
def test_progress_report_rejects_bad_queries(client: Any, reporter: str, query: str, field: str) -> None:
    response = call(client, "GET", f"/v1/reports/progress?{query}", token=reporter)

    assert response.status_code == 422
    problem = json.loads(response.body)
    assert problem["code"] == "validation_failed" and problem["errors"][0]["field"] == field


# --- the digest -------------------------------------------------------------------------------


def test_daily_digest_emails_leadership_worst_first_once(
    campaign: Any, aws: dict[str, Any], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.jobs import run_job

    monkeypatch.setenv("BHXH_LEADERSHIP_EMAILS", "lanh.dao@baohiemxahoi.gov.vn, van.phong@baohiemxahoi.gov.vn")
    import_roster(campaign, roster_rows({0: "BHXH-01", 1: "BHXH-79", 2: "TTCNTT", 3: "TTCNTT"}), clock())
    register_over_days(campaign, aws, clock, [("2026-11-24", range(0, 3))])
    drain(aws)  # the approval notices
    approvals = len(sent_emails())
    clock.now = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)  # the schedule: 07:30 in Vietnam

    first = run_job("progress-digest", campaign, date(2026, 11, 25), clock())
    again = run_job("progress-digest", campaign, date(2026, 11, 25), clock())
    assert (first["units"], first["emails"], again["emails"]) == (3, 2, 0)
    drain(aws)
    mails = sent_emails()[approvals:]
    assert sorted(m.destinations["ToAddresses"][0] for m in mails) == [
        "lanh.dao@baohiemxahoi.gov.vn",
        "van.phong@baohiemxahoi.gov.vn",
    ]
    body = mails[0].body  # the HTML part
    # Worst first: Hồ Chí Minh and TTCNTT have no 7-day rate (behind), Hà Nội is done.
    rows = body.split("<tbody>")[1]
    assert rows.index("<td>BHXH-79</td>") < rows.index("<td>BHXH-01</td>")
    assert rows.index("<td>TTCNTT</td>") < rows.index("<td>BHXH-01</td>")
    day = "Ngày 24/11/2026 có 3 người đăng ký: Ký số: 0, Qua VNeID: 0, Nộp tại cơ quan BHXH: 0, Tờ khai giấy: 3"
    assert day in body


def test_digest_without_recipients_sends_nothing(campaign: Any, aws: dict[str, Any], clock: FakeClock) -> None:
    from chalicelib.jobs import run_job

    assert run_job("progress-digest", campaign, date(2026, 11, 25), clock())["emails"] == 0
    assert drain(aws) == 0


def test_schedule_handler_runs_the_digest(client: Any, campaign: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BHXH_LEADERSHIP_EMAILS", "lanh.dao@baohiemxahoi.gov.vn")
    result = client.lambda_.invoke("progress_digest_job", event("schedule_progress_digest.json"))
    assert result.payload["emails"] == 1 and result.payload["units"] == 3
