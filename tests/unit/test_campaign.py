"""The campaign's pure rules: rows, projections, the report, its CSV and the digest.

The scenario below is computed by hand (today 25/11/2026, rate window
18/11–24/11):

| unit    | roster | registered | in window | rate/day | remaining | projection          | deadline   | on track |
|---------|--------|------------|-----------|----------|-----------|---------------------|------------|----------|
| TTCNTT  | 3      | 1          | 0         | 0.00     | 2         | none                | 05/12/2026 | no       |
| BHXH-01 | 200    | 130        | 70        | 10.00    | 70        | +ceil(70/10)=7 d    | 31/12/2026 | yes      |
| BHXH-04 | 10     | 10         | 3         | 0.43     | 0         | done                | 15/12/2026 | yes      |
| BHXH-79 | 50     | 20         | 6         | 0.86     | 30        | +ceil(30*7/6)=35 d  | 30/11/2026 | no       |
| total   | 263    | 161        | 79        | 11.29    | 102       | +ceil(102*7/79)=10 d |           | 2/4      |
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import templates
from chalicelib.domain.campaign import (
    CENTRAL,
    Unit,
    UnitTally,
    parse_roster_row,
    parse_unit_row,
    percent,
    progress_csv,
    progress_report,
    projected_completion,
)
from chalicelib.domain.errors import ValidationError

TODAY = date(2026, 11, 25)


def _days(first: str, last: str, **per_channel: int) -> dict[str, int]:
    out: dict[str, int] = {}
    day = date.fromisoformat(first)
    while day <= date.fromisoformat(last):
        for channel, n in per_channel.items():
            out[f"{day.isoformat()}#{channel}"] = n
        day += timedelta(days=1)
    return out


HANOI = UnitTally(
    Unit("BHXH-01", "Bảo hiểm xã hội thành phố Hà Nội", "01", date(2026, 12, 31)),
    roster=200,
    registered=130,
    daily={
        **_days("2026-11-18", "2026-11-24", office=4, signed=6),
        "2026-11-25#signed": 5,  # today: not in the rate window
        "2026-11-10#office": 55,
    },
)
IT_CENTRE = UnitTally(
    Unit("TTCNTT", "Trung tâm Công nghệ thông tin", CENTRAL, date(2026, 12, 5)),
    roster=3,
    registered=1,
    daily={"2026-11-10#ops": 1},
)
CAO_BANG = UnitTally(
    Unit("BHXH-04", "Bảo hiểm xã hội tỉnh Cao Bằng", "04", date(2026, 12, 15)),
    roster=10,
    registered=10,
    daily={"2026-11-19#signed": 3, "2026-11-05#office": 7},
)
HCMC = UnitTally(
    Unit("BHXH-79", "Bảo hiểm xã hội Thành phố Hồ Chí Minh", "79", date(2026, 11, 30)),
    roster=50,
    registered=20,
    daily={"2026-11-20#office": 3, "2026-11-22#signed": 2, "2026-11-24#paper": 1, "2026-11-01#office": 14},
)
SCENARIO = [HANOI, IT_CENTRE, CAO_BANG, HCMC]


def test_report_rows_match_the_hand_computed_table() -> None:
    report = progress_report(SCENARIO, TODAY)

    rows = {row.unit_code: row.to_dict() for row in report.rows}
    assert [row.unit_code for row in report.rows] == ["TTCNTT", "BHXH-01", "BHXH-04", "BHXH-79"]
    assert rows["BHXH-01"] == {
        "unit_code": "BHXH-01",
        "name": "Bảo hiểm xã hội thành phố Hà Nội",
        "province_code": "01",
        "roster": 200,
        "registered": 130,
        "percent": 65.0,
        "remaining": 70,
        "deadline": "2026-12-31",
        "days_left": 36,
        "rate_7d": 10.0,
        "projected_completion": "2026-12-02",
        "on_track": True,
    }
    assert rows["TTCNTT"]["percent"] == 33.3
    assert rows["TTCNTT"]["rate_7d"] == 0.0
    assert rows["TTCNTT"]["projected_completion"] is None
    assert rows["TTCNTT"]["on_track"] is False
    assert rows["BHXH-04"]["remaining"] == 0 and rows["BHXH-04"]["on_track"] is True
    assert rows["BHXH-04"]["projected_completion"] is None and rows["BHXH-04"]["percent"] == 100.0
    assert rows["BHXH-79"]["rate_7d"] == 0.86
    assert rows["BHXH-79"]["projected_completion"] == "2026-12-30"
    assert rows["BHXH-79"]["days_left"] == 5
    assert rows["BHXH-79"]["on_track"] is False


def test_totals_and_yesterday_by_channel() -> None:
    report = progress_report(SCENARIO, TODAY)

    assert report.totals.to_dict() == {
        "units": 4,
        "roster": 263,
        "registered": 161,
        "percent": 61.2,
        "remaining": 102,
        "rate_7d": 11.29,
        "projected_completion": "2026-12-05",
        "deadline": "2026-12-31",
        "units_on_track": 2,
        "units_behind": 2,
    }
    assert report.yesterday_by_channel == {"office": 4, "paper": 1, "signed": 6}
    assert report.to_dict()["rate_window"] == {"from": "2026-11-18", "to": "2026-11-24"}


def test_worst_first_puts_units_behind_schedule_first_then_by_share() -> None:
    report = progress_report(SCENARIO, TODAY)

    assert [row.unit_code for row in report.worst_first()] == ["TTCNTT", "BHXH-79", "BHXH-01", "BHXH-04"]


def test_csv_opens_in_excel_with_vietnamese_names_and_hand_computed_figures() -> None:
    text = progress_csv(progress_report(SCENARIO, TODAY))

    assert text.startswith("\ufeff")  # Excel reads UTF-8 only with the byte-order mark
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")
    assert text.count("\r\n") == 6 and "\n" not in text.replace("\r\n", "")
    lines = text[1:].split("\r\n")
    assert lines[0] == (
        "Mã đơn vị,Tên đơn vị,Mã tỉnh,Số cán bộ,Đã đăng ký,Tỷ lệ (%),Còn lại,Hạn hoàn thành,Số ngày còn lại,"
        "Tốc độ 7 ngày (người/ngày),Dự kiến hoàn thành,Đúng tiến độ"
    )
    assert lines[1:6] == [
        "TTCNTT,Trung tâm Công nghệ thông tin,00,3,1,33.3,2,2026-12-05,10,0.00,,Không",
        "BHXH-01,Bảo hiểm xã hội thành phố Hà Nội,01,200,130,65.0,70,2026-12-31,36,10.00,2026-12-02,Có",
        "BHXH-04,Bảo hiểm xã hội tỉnh Cao Bằng,04,10,10,100.0,0,2026-12-15,20,0.43,,Có",
        "BHXH-79,Bảo hiểm xã hội Thành phố Hồ Chí Minh,79,50,20,40.0,30,2026-11-30,5,0.86,2026-12-30,Không",
        ",Tổng cộng,,263,161,61.2,102,2026-12-31,36,11.29,2026-12-05,2/4",
    ]
    assert lines[6] == ""


def test_csv_in_english_and_quoting() -> None:
    odd = UnitTally(Unit("X1", 'Ban "Quản lý", thu', "01", date(2026, 12, 1)), roster=1)
    text = progress_csv(progress_report([odd], TODAY), "en")

    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:3] == ["Unit code", "Unit", "Province"]
    assert rows[1][1] == 'Ban "Quản lý", thu'
    assert rows[1][-1] == "No" and rows[2][1] == "Total"


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"])
def test_csv_cells_never_start_a_formula(name: str) -> None:
    unit = UnitTally(Unit("X1", name, "01", date(2026, 12, 1)), roster=1)
    rows = list(csv.reader(io.StringIO(progress_csv(progress_report([unit], TODAY))[1:])))

    assert rows[1][1] == "'" + name


def test_unit_without_roster_is_not_on_track_and_has_no_percent() -> None:
    empty = UnitTally(Unit("X1", "Đơn vị mới", "01", date(2026, 12, 1)))
    row = progress_report([empty], TODAY).rows[0]

    assert row.percent is None and row.on_track is False and row.projected_completion is None


def test_percent_never_rounds_up_to_done() -> None:
    assert percent(9999, 10000) == 99.9
    assert percent(10000, 10000) == 100.0
    assert percent(1, 3) == 33.3
    assert percent(0, 0) is None


@given(st.integers(1, 10**6), st.integers(1, 10**6))
def test_projection_is_the_first_day_the_rate_covers_what_is_left(remaining: int, window: int) -> None:
    projected = projected_completion(remaining, window, TODAY)

    if remaining * 7 > window * 3653:
        assert projected is None  # not within 10 years at this rate
        return
    assert projected is not None
    days = (projected - TODAY).days
    assert days * window >= remaining * 7 > (days - 1) * window


def test_projection_without_progress_or_without_work() -> None:
    assert projected_completion(5, 0, TODAY) is None
    assert projected_completion(0, 9, TODAY) is None


# --- the operators' CSV rows -------------------------------------------------------------


def test_unit_rows() -> None:
    unit = parse_unit_row(
        {"unit_code": " bhxh-01 ", "name": "  Bảo hiểm   xã hội ", "province_code": "01", "deadline": "2026-12-31"}
    )
    assert unit == Unit("BHXH-01", "Bảo hiểm xã hội", "01", date(2026, 12, 31))
    central = parse_unit_row({"unit_code": "VP", "name": "Văn phòng", "province_code": "", "deadline": "2026-12-31"})
    assert central.province_code == CENTRAL

    with pytest.raises(ValidationError) as caught:
        parse_unit_row({"unit_code": "a b", "name": "", "province_code": "99", "deadline": "31/12/2026"})
    assert {(e.field, e.code) for e in caught.value.errors} == {
        ("unit_code", "invalid_code"),
        ("name", "required"),
        ("province_code", "invalid_code"),
        ("deadline", "invalid_date"),
    }


def test_roster_rows() -> None:
    decomposed = "Nguye\u0302\u0303n Va\u0306n An"  # NFD, as some exports write it
    entry = parse_roster_row({"unit_code": "bhxh-01", "bhxh_code": "0123456789", "full_name": decomposed})
    assert entry.unit_code == "BHXH-01" and entry.full_name == "Nguyễn Văn An"

    with pytest.raises(ValidationError) as caught:
        parse_roster_row({"unit_code": "", "bhxh_code": "12345", "full_name": "A\x00B"})
    assert {(e.field, e.code) for e in caught.value.errors} == {
        ("unit_code", "required"),
        ("bhxh_code", "invalid_bhxh_code"),
        ("full_name", "invalid_characters"),
    }


# --- the digest ---------------------------------------------------------------------------


def _digest() -> templates.Email:
    report = progress_report(SCENARIO, TODAY)
    channels = [(c, report.yesterday_by_channel.get(c, 0)) for c in ("signed", "office", "paper", "ops")]
    return templates.progress_digest_email(report, report.worst_first(), TODAY - timedelta(days=1), channels)


def test_digest_lists_units_worst_first_and_yesterday_by_channel() -> None:
    mail = _digest()

    assert mail.subject.startswith("BHXH Việt Nam") and "161/263" in mail.subject and "2 đơn vị" in mail.subject
    vi = mail.text.split("—\n")[0]
    order = [vi.index(code + " ") for code in ("TTCNTT", "BHXH-79", "BHXH-01", "BHXH-04")]
    assert order == sorted(order)
    assert "Ngày 24/11/2026 có 11 người đăng ký: Ký số: 6, Nộp tại cơ quan BHXH: 4, Tờ khai giấy: 1" in mail.text
    assert "On 24/11/2026, 11 registered: Digitally signed: 6" in mail.text
    assert "BHXH-79 Bảo hiểm xã hội Thành phố Hồ Chí Minh: 20/50 (40.0%), còn 30" in mail.text
    assert "dự kiến 30/12/2026 — CHẬM TIẾN ĐỘ" in mail.text
    assert "BHXH-04 Bao hiem xa hoi tinh Cao Bang: 10/10 (100.0%), 0 left" in mail.text
    html_rows = mail.html.split("<tbody>")[1]
    assert html_rows.index("TTCNTT") < html_rows.index("BHXH-79") < html_rows.index("BHXH-01")


def test_digest_html_escapes_unit_names() -> None:
    bad = UnitTally(Unit("X1", "<script>x</script>", "01", date(2026, 12, 1)), roster=1)
    report = progress_report([bad], TODAY)
    mail = templates.progress_digest_email(report, report.worst_first(), TODAY, [])

    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html


def test_digest_of_a_thousand_units_fits_a_dynamodb_item_and_says_what_it_left_out() -> None:
    tallies = [
        UnitTally(
            Unit(f"U{i:04d}", f"Bảo hiểm xã hội đơn vị số {i}", "01", date(2026, 12, 31)), roster=1000, registered=i
        )
        for i in range(1000)
    ]
    report = progress_report(tallies, TODAY)
    mail = templates.progress_digest_email(report, report.worst_first(), TODAY - timedelta(days=1), [])

    size = len(mail.text.encode()) + len(mail.html.encode()) + len(mail.subject.encode())
    assert size < 200_000  # DynamoDB items hold 400 KB; the ledger keeps text and HTML
    assert "… và 900 đơn vị khác (900 chậm tiến độ)" in mail.text and "/v1/reports/progress?format=csv" in mail.html
    assert "U0000 " in mail.text and "U0100 " not in mail.text  # the least advanced first
