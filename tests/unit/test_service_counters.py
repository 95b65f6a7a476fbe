"""Each use case hands its status change's counters to the write that makes the
change (in-memory fakes): counted when written, not when refused or replayed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from chalicelib.domain.errors import DeclarationCancelledError
from chalicelib.services.approve_declaration import approve_declaration
from chalicelib.services.deliver_notification import deliver_notification
from chalicelib.services.handle_declaration_expiry import handle_declaration_expiry
from chalicelib.services.officer_desk import Officer
from chalicelib.services.receive_declaration import receive_declaration
from chalicelib.services.reject_declaration import reject_declaration
from chalicelib.services.service_report import service_report
from chalicelib.services.submit_office_declaration import submit_office_declaration
from chalicelib.services.submit_paper_declaration import submit_paper_declaration
from tests.builders import form, other_person
from tests.fakes import FakeClock, FakeDeps
from tests.id_copies import attach_copy

OFFICER = Officer("0100000001", ("officer",), "BHXH-01", "01")
TODAY = date(2026, 11, 24)  # the fixture's clock: 10:00 in Vietnam
RECEIPT = {"document_type": "cccd", "document_number": "001089020747"}


def counters(deps: FakeDeps, day: date = TODAY) -> dict[str, int]:
    return deps.stats.read(day, day).get(day, {})


def test_submission_receipt_and_approval_count_once_each(fake_deps: FakeDeps) -> None:
    created = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    other = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration  # the same person again
    receive_declaration(fake_deps, created.id, RECEIPT, OFFICER, fake_deps.clock())
    attach_copy(fake_deps, created.id, OFFICER)
    approve_declaration(fake_deps, created.id, OFFICER, fake_deps.clock())
    fake_deps.run_queued_tasks()  # the alerts, and the notice worker cancels the other declaration
    with pytest.raises(DeclarationCancelledError):  # the approval cancelled the other one
        receive_declaration(fake_deps, other.id, RECEIPT, OFFICER, fake_deps.clock())
    assert counters(fake_deps) == {
        "decl#office#awaiting_office": 2,
        "decl#office#received": 1,
        "decl#office#approved": 1,
        "decl#office#cancelled": 1,
        "due#office#on_time": 1,
    }


def test_paper_rejected_after_its_due_date_is_late(fake_deps: FakeDeps) -> None:
    assert isinstance(fake_deps.clock, FakeClock)
    paper = submit_paper_declaration(fake_deps, other_person(), OFFICER, fake_deps.clock())  # due 27/11
    fake_deps.clock.advance(days=4)  # 28/11
    reject_declaration(fake_deps, paper.id, {"reasons": ["illegible_form"]}, OFFICER, fake_deps.clock())
    assert counters(fake_deps) == {"decl#paper#received": 1}
    assert counters(fake_deps, date(2026, 11, 28)) == {"decl#paper#rejected": 1, "due#paper#late": 1}


def test_an_expiry_delivered_twice_counts_once_on_its_day(fake_deps: FakeDeps) -> None:
    created = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    later = fake_deps.clock() + timedelta(days=12)  # the TTL sweeper came two days late
    handle_declaration_expiry(fake_deps, created, later)
    handle_declaration_expiry(fake_deps, created, later)
    assert counters(fake_deps, date(2026, 12, 4)) == {"decl#office#expired": 1}


def test_a_sent_notice_counts_its_latency_once(fake_deps: FakeDeps) -> None:
    created = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    receive_declaration(fake_deps, created.id, RECEIPT, OFFICER, fake_deps.clock())
    attach_copy(fake_deps, created.id, OFFICER)
    approve_declaration(fake_deps, created.id, OFFICER, fake_deps.clock())
    assert isinstance(fake_deps.clock, FakeClock)
    fake_deps.clock.advance(seconds=2)
    sms = next(nid for nid in fake_deps.outbox.stored if nid.endswith("#sms"))
    assert deliver_notification(fake_deps, sms, fake_deps.clock()).outcome == "sent"
    assert deliver_notification(fake_deps, sms, fake_deps.clock()).outcome == "skipped"
    notices = {k: v for k, v in counters(fake_deps).items() if k.startswith("lat")}
    assert notices == {"lat#70": 1, "lat_max_ms": 2000}  # 2 s: 1,987 < 2,000 <= 2,075 ms


def test_the_report_reads_the_counters(fake_deps: FakeDeps) -> None:
    submit_office_declaration(fake_deps, form(), fake_deps.clock())
    body = service_report(fake_deps, ("reporter",), {"from": "2026-11-24"}, datetime.fromisoformat("2026-11-25T01:00Z"))
    assert [day["declarations"]["office"]["awaiting_office"] for day in body["days"]] == [1, 0]
