"""GET /v1/reports/service through chalice.test.Client (authorizer included),
against moto: real submissions, receipts, decisions (one late), signed
declarations, an expiry delivered twice by the stream and notices delivered
by the worker, then the report's numbers, exactly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.models import NotificationModel
from chalicelib.domain.participant import Participant
from tests.accounts import issue
from tests.builders import PARTICIPANT_AN, form, other_person
from tests.fakes import FakeClock
from tests.id_copies import keep_copy, via_chalice
from tests.integration.emulator import drain, event
from tests.races import racing_decisions

STRONG = "Cây tre xanh bên dòng sông quê"
T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 10:00 on Tuesday 24/11 in Vietnam (a holiday: due dates 27/11)
REPORT = "/v1/reports/service"


def _person(name: str, born: str, gender: str, bhxh: str, cccd: str, phone: str) -> tuple[dict[str, Any], Participant]:
    body = form(
        full_name=name,
        date_of_birth=born,
        gender=gender,
        bhxh_code=bhxh,
        id_number=cccd,
        phone=phone,
        email=f"{bhxh}@example.vn",
    )
    return body, Participant(bhxh, name, born, gender, cccd, "+84" + phone[1:], "01")


CUONG = _person("Lê Văn Cường", "1990-03-04", "male", "0100000101", "001090012345", "0913000101")
DUNG = _person("Phạm Thị Dung", "1992-07-08", "female", "0100000102", "001192012345", "0913000102")
EM = _person("Hoàng Văn Em", "1985-01-02", "male", "0100000103", "001085012345", "0913000103")
GIANG = _person("Vũ Thị Giang", "1995-05-05", "female", "0100000104", "001195012345", "0913000104")
HUNG = _person("Đỗ Văn Hùng", "1988-09-10", "male", "0100000105", "001088012345", "0913000105")


def call(client: Any, method: str, path: str, body: Any = None, token: str | None = None, **headers: str) -> Any:
    all_headers = {"Content-Type": "application/json", **headers}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    return client.http.request(method, path, headers=all_headers, body=json.dumps(body) if body is not None else None)


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.body
    body: dict[str, Any] = json.loads(response.body)
    return body


def login(client: Any, username: str, password: str = STRONG) -> str:
    return str(ok(call(client, "POST", "/v1/auth/login", {"username": username, "password": password}))["token"])


def account(client: Any, container: Any, username: str, roles: tuple[str, ...], office: str | None = None) -> None:
    """An account past its first password change (signs in with STRONG from then on)."""
    issued = issue(
        container,
        username,
        identity_key=f"id#00108{username[-7:]}",
        roles=roles,
        office_code=office,
        province_code="01",
        phone=f"+849140{username[-5:]}",
        email=None,
    )
    token = login(client, username, issued.temporary_password)
    change = {"current_password": issued.temporary_password, "new_password": STRONG}
    assert call(client, "POST", "/v1/auth/password", change, token=token).status_code == 204


def report(client: Any, token: str, query: str = "", **headers: str) -> Any:
    return call(client, "GET", f"{REPORT}{query}", token=token, **headers)


@pytest.fixture
def staff(client: Any, container: Any, aws: dict[str, Any], clock: FakeClock) -> Iterator[None]:
    """An officer of BHXH-01 and a reporter, created the day before (their own
    notices, with no email address: the temporary password and the alert that it
    was changed, 4 SMS, are sent and counted on 23/11)."""
    clock.now = T0 - timedelta(days=1)
    account(client, container, "0100000001", ("officer",), "BHXH-01")
    account(client, container, "0100000009", ("reporter",))
    assert drain(aws) == 4
    clock.now = T0
    yield


def zero_day(day: str) -> dict[str, Any]:
    return {
        "date": day,
        "declarations": {
            "office": {"awaiting_office": 0, "received": 0, "approved": 0, "rejected": 0, "expired": 0, "cancelled": 0},
            "paper": {"received": 0, "approved": 0, "rejected": 0, "cancelled": 0},
            "signed": {"approved": 0, "rejected": 0},
            "vneid": {"approved": 0, "rejected": 0},
        },
        "notices": {
            "count": 0,
            "p50_seconds": None,
            "p99_seconds": None,
            "max_seconds": None,
            "over_limit": 0,
            "share_within_limit": None,
            "delivered": 0,
            "delivered_within_limit": 0,
            "failed": 0,
            "share_delivered_within_limit": None,
        },
        "dossiers": {
            "paper": {"on_time": 0, "late": 0, "share_on_time": None},
            "office": {"on_time": 0, "late": 0, "share_on_time": None},
        },
        "cancelled_after_10_days": 0,
        "receipts": {"sent": 0, "within_2_hours": 0, "share_within_2_hours": None},
    }


def ttl_removal(declaration_id: str) -> dict[str, Any]:
    """The stream record DynamoDB's TTL sweeper would deliver for this declaration
    (moto neither deletes expired items nor marks removals as the service's)."""
    import boto3

    from chalicelib.adapters.models import DeclarationModel

    item = boto3.client("dynamodb", region_name="ap-southeast-1").get_item(
        TableName=DeclarationModel.Meta.table_name, Key={"id": {"S": declaration_id}}
    )["Item"]
    removal = event("dynamodb_ttl_remove.json")
    record = removal["Records"][0]
    record["dynamodb"]["Keys"] = {"id": {"S": declaration_id}}
    record["dynamodb"]["OldImage"] = item
    return removal


def test_the_report_counts_what_happened_exactly(
    client: Any, container: Any, aws: dict[str, Any], clock: FakeClock, staff: None, calls: list[str]
) -> None:
    from chalicelib.signatures.verifier import SignedFormVerifier
    from tests.pki import signing_pki

    pki = signing_pki()
    container.__dict__["signatures"] = SignedFormVerifier(str(pki.trust_store))
    binh_differs = Participant(
        "7912345678", "Trần Thị Bình", "2001-09-30", "female", "079301123456", "+84987654321", "02"
    )
    container.registry.put_many([PARTICIPANT_AN, *(p for _, p in (CUONG, DUNG, EM, GIANG, HUNG))])
    container.registry.put_many([Participant(**{**binh_differs.__dict__, "date_of_birth": "2001-09-29"})])

    # 24/11, 10:00 in Vietnam. Online: Cường, Em and Giang declare; Cường and Em bring their dossiers.
    officer = login(client, "0100000001")
    online = {
        who: ok(call(client, "POST", "/v1/declarations", person[0]), 201)["id"]
        for who, person in (("cuong", CUONG), ("em", EM), ("giang", GIANG))
    }
    # The registry's phones of the three are told of a declaration in their names (issue 17): three
    # queued alert tasks, then the three SMS they record, and the three printable forms by email
    # (each declaration's phone is the registry's, so its address gets Form 01: issue 13).
    assert drain(aws) == 9
    for who, number in (("cuong", "001090012345"), ("em", "001085012345")):
        document = {"document_type": "cccd", "document_number": number}
        ok(call(client, "POST", f"/v1/declarations/{online[who]}/receive", document, token=officer))
    # Paper: Dung's and Hùng's forms typed in at the counter.
    paper = {
        who: ok(call(client, "POST", "/v1/declarations/paper", person[0], token=officer), 201)["id"]
        for who, person in (("dung", DUNG), ("hung", HUNG))
    }
    # Each of the four dossiers received at the counter gets its receipt, SMS and email, at once (Decree 164/2025).
    assert drain(aws) == 8
    # Signed: An's is approved, Bình's rejected (the registry has another date of birth).
    xml = {"Content-Type": "application/xml"}
    signed_an = ok(client.http.post("/v1/declarations/signed", headers=xml, body=pki.sign()), 201)
    signed_binh = client.http.post(
        "/v1/declarations/signed", headers=xml, body=pki.sign(other_person(), name="other_person")
    )
    assert (signed_an["status"], ok(signed_binh, 201)["status"]) == ("approved", "rejected")
    clock.advance(seconds=2)
    # SMS and email of both, 2 s after the decision, and the approval's task cancelling An's other declarations.
    assert drain(aws) == 5

    keep_copy(via_chalice(client, officer), online["cuong"])
    ok(call(client, "POST", f"/v1/declarations/{online['cuong']}/approve", {}, token=officer))
    clock.advance(seconds=30)
    assert drain(aws) == 3  # 30 s: SMS and email, and the approval's cancellation task

    rejection = {"reasons": ["illegible_form"]}
    ok(call(client, "POST", f"/v1/declarations/{online['em']}/reject", rejection, token=officer))
    ok(call(client, "POST", f"/v1/declarations/{paper['dung']}/reject", rejection, token=officer))
    clock.advance(seconds=60)
    assert drain(aws) == 4  # 60 s

    # Saturday 28/11, 09:00: Hùng's paper dossier (due Friday 27/11) is approved late; its notices take 20 minutes.
    clock.now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    late = login(client, "0100000001")
    keep_copy(via_chalice(client, late), paper["hung"])
    ok(call(client, "POST", f"/v1/declarations/{paper['hung']}/approve", {}, token=late))
    clock.advance(minutes=20)
    assert drain(aws) == 3  # SMS and email, and the approval's cancellation task

    # 4/12: Giang never came; DynamoDB's TTL deletes her declaration; the stream delivers the removal twice.
    clock.now = datetime(2026, 12, 4, 5, 0, tzinfo=UTC)
    removal = ttl_removal(online["giang"])
    client.lambda_.invoke("on_declaration_change", removal)
    client.lambda_.invoke("on_declaration_change", removal)
    # One cancellation SMS and email, sent at once; the replay queued them again before any worker
    # took them (harmless): the worker skips the two duplicates.
    assert drain(aws) == 4
    sent = [n for n in NotificationModel.scan() if n.source == f"declaration#{online['giang']}"]
    assert sorted((n.channel, n.status, int(n.attempts)) for n in sent) == [("email", "sent", 1), ("sms", "sent", 1)]

    reporter = login(client, "0100000009")
    calls.clear()
    body = ok(report(client, reporter, "?from=2026-11-24&to=2026-12-04"))
    # 11 days x 16 shards = 176 keys: two BatchGetItem requests; the authorizer's one session update.
    assert sorted(calls) == ["BatchGetItem", "BatchGetItem", "UpdateItem"]

    assert (body["from"], body["to"], body["limit_seconds"]) == ("2026-11-24", "2026-12-04", 900)
    days = {day["date"]: day for day in body["days"]}
    assert list(days) == [(date(2026, 11, 24) + timedelta(days=i)).isoformat() for i in range(11)]
    for day, figures in days.items():
        if day not in ("2026-11-24", "2026-11-28", "2026-12-04"):
            assert figures == zero_day(day)

    assert days["2026-11-24"] == {
        "date": "2026-11-24",
        "declarations": {
            "office": {"awaiting_office": 3, "received": 2, "approved": 1, "rejected": 1, "expired": 0, "cancelled": 0},
            "paper": {"received": 2, "approved": 0, "rejected": 1, "cancelled": 0},
            "signed": {"approved": 1, "rejected": 1},
            "vneid": {"approved": 0, "rejected": 0},
        },
        # 0 x 14 (three alerts, three forms, eight receipts), 2 x 4, 30, 30, 60 x 4 s: the median (rank 12)
        # is 0 s, reported as the first bucket's bound 0.1 s; p99 is 60 s, the maximum.
        "notices": {
            "count": 24,
            "p50_seconds": 0.1,
            "p99_seconds": 60.0,
            "max_seconds": 60.0,
            "over_limit": 0,
            "share_within_limit": 1.0,
            "delivered": 0,
            "delivered_within_limit": 0,
            "failed": 0,
            "share_delivered_within_limit": 0.0,
        },
        "dossiers": {
            "paper": {"on_time": 1, "late": 0, "share_on_time": 1.0},
            "office": {"on_time": 2, "late": 0, "share_on_time": 1.0},
        },
        "cancelled_after_10_days": 0,
        # The four dossiers' receipts (SMS and email each), all sent within the 2 hours.
        "receipts": {"sent": 8, "within_2_hours": 8, "share_within_2_hours": 1.0},
    }
    assert days["2026-11-28"] == {
        **zero_day("2026-11-28"),
        "declarations": {
            **zero_day("")["declarations"],
            "paper": {"received": 0, "approved": 1, "rejected": 0, "cancelled": 0},
        },
        "notices": {
            "count": 2,
            "p50_seconds": 1200.0,
            "p99_seconds": 1200.0,
            "max_seconds": 1200.0,
            "over_limit": 2,
            "share_within_limit": 0.0,
            "delivered": 0,
            "delivered_within_limit": 0,
            "failed": 0,
            "share_delivered_within_limit": 0.0,
        },
        "dossiers": {
            "paper": {"on_time": 0, "late": 1, "share_on_time": 0.0},
            "office": {"on_time": 0, "late": 0, "share_on_time": None},
        },
    }
    expired = {"awaiting_office": 0, "received": 0, "approved": 0, "rejected": 0, "expired": 1, "cancelled": 0}
    assert days["2026-12-04"] == {
        **zero_day("2026-12-04"),
        "declarations": {**zero_day("")["declarations"], "office": expired},
        "notices": {
            "count": 2,
            "p50_seconds": 0.0,
            "p99_seconds": 0.0,
            "max_seconds": 0.0,
            "over_limit": 0,
            "share_within_limit": 1.0,
            "delivered": 0,
            "delivered_within_limit": 0,
            "failed": 0,
            "share_delivered_within_limit": 0.0,
        },
        "cancelled_after_10_days": 1,
    }
    assert body["totals"] == {
        "declarations": {
            "office": {"awaiting_office": 3, "received": 2, "approved": 1, "rejected": 1, "expired": 1, "cancelled": 0},
            "paper": {"received": 2, "approved": 1, "rejected": 1, "cancelled": 0},
            "signed": {"approved": 1, "rejected": 1},
            "vneid": {"approved": 0, "rejected": 0},
        },
        # 0 x 16 (with the three forms and the eight receipts), 2 x 4, 30, 30, 60 x 4, 1200, 1200 s:
        # median (rank 14) 0 s, reported as the first bucket's bound 0.1 s; p99 (rank 28) 1200 s.
        "notices": {
            "count": 28,
            "p50_seconds": 0.1,
            "p99_seconds": 1200.0,
            "max_seconds": 1200.0,
            "over_limit": 2,
            "share_within_limit": 0.9286,
            "delivered": 0,
            "delivered_within_limit": 0,
            "failed": 0,
            "share_delivered_within_limit": 0.0,
        },
        "dossiers": {
            "paper": {"on_time": 1, "late": 1, "share_on_time": 0.5},
            "office": {"on_time": 2, "late": 0, "share_on_time": 1.0},
        },
        "cancelled_after_10_days": 1,
        "receipts": {"sent": 8, "within_2_hours": 8, "share_within_2_hours": 1.0},
    }

    # The day before: the staff's own notices (account issued), nothing else.
    before = ok(report(client, reporter, "?from=2026-11-23&to=2026-11-23"))["totals"]
    assert before["notices"]["count"] == 4 and before["declarations"] == zero_day("")["declarations"]


def test_default_range_is_the_last_seven_days(client: Any, clock: FakeClock, staff: None) -> None:
    ok(call(client, "POST", "/v1/declarations", form()), 201)
    clock.now = T0 + timedelta(days=2, hours=15)  # 27/11 at 01:00 in Vietnam
    body = ok(report(client, login(client, "0100000009")))
    assert (body["from"], body["to"]) == ("2026-11-21", "2026-11-27")
    assert [day["declarations"]["office"]["awaiting_office"] for day in body["days"]] == [0, 0, 0, 1, 0, 0, 0]
    assert body["totals"]["declarations"]["office"]["awaiting_office"] == 1


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("?from=2026-11-25&to=2026-11-24", "to", "range_reversed"),
        ("?from=2026-08-24&to=2026-11-24", "to", "range_too_long"),  # 93 days
        ("?from=24/11/2026", "from", "invalid_date"),
        ("?to=2026-02-30", "to", "invalid_date"),
        ("?days=7", "days", "unknown_field"),
    ],
)
def test_bad_ranges_are_400_problems(client: Any, staff: None, query: str, field: str, code: str) -> None:
    reporter = login(client, "0100000009")
    response = report(client, reporter, query)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = json.loads(response.body)
    assert (problem["code"], problem["status"]) == ("invalid_report_range", 400)
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)]
    english = json.loads(report(client, reporter, query, **{"Accept-Language": "en"}).body)
    assert english["title"] == "The report's date range is not valid"
    assert problem["title"] == "Khoảng thời gian của báo cáo không hợp lệ"


def test_ninety_two_days_are_allowed(client: Any, staff: None) -> None:
    body = ok(report(client, login(client, "0100000009"), "?from=2026-08-25&to=2026-11-24"))
    assert len(body["days"]) == 92


def test_only_reporters(client: Any, container: Any, staff: None) -> None:
    assert report(client, "").status_code == 401  # no Authorization header
    assert report(client, login(client, "0100000001")).status_code == 403  # an officer
    account(client, container, "0123456780", ("citizen",))
    assert report(client, login(client, "0123456780")).status_code == 403  # a citizen
    issued = issue(container, "0100000010", identity_key="id#001080000010", roles=("reporter",), email=None)
    temporary = login(client, "0100000010", issued.temporary_password)
    assert report(client, temporary).status_code == 403  # a reporter who must change the password first


def test_the_service_refuses_a_caller_without_the_reporter_role(container: Any) -> None:
    from chalicelib.domain.errors import ForbiddenError
    from chalicelib.services.service_report import service_report

    with pytest.raises(ForbiddenError):
        service_report(container, ("officer", "supervisor"), {}, T0)


def test_two_racing_decisions_move_the_counters_once(
    client: Any, container: Any, staff: None, atomic_emulator: None
) -> None:
    from chalicelib.services.officer_desk import Officer

    officer_token = login(client, "0100000001")
    created = ok(call(client, "POST", "/v1/declarations", form()), 201)
    body = {"document_type": "cccd", "document_number": "001089020747"}
    ok(call(client, "POST", f"/v1/declarations/{created['id']}/receive", body, token=officer_token))
    officer = Officer("0100000001", ("officer",), "BHXH-01", "01")
    outcomes = racing_decisions(container, created["id"], officer, 6)
    assert outcomes.count("decided") == 1, outcomes
    office = container.stats.read(T0.date(), T0.date())[T0.date()]
    decided = office.get("decl#office#approved", 0) + office.get("decl#office#rejected", 0)
    assert (decided, office.get("due#office#on_time", 0), office.get("due#office#late", 0)) == (1, 1, 0)
    assert (office["decl#office#awaiting_office"], office["decl#office#received"]) == (1, 1)
