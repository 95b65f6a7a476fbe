"""The declaration state machine: every legal and illegal transition."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.declaration import (
    APPROVED,
    AWAITING_OFFICE,
    RECEIVED,
    REJECTED,
    Declaration,
    new_office_declaration,
)
from chalicelib.domain.errors import (
    AlreadyDecidedError,
    AlreadyReceivedError,
    DeclarationExpiredError,
    DomainError,
    NotReceivedError,
    OtherOfficeError,
)
from chalicelib.domain.form01 import parse_form01
from chalicelib.domain.transitions import APPROVE, RECEIVE, REJECT, check
from tests.builders import form

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
HERE, THERE = "BHXH-01", "BHXH-79"


def declaration(state: str) -> Declaration:
    base = new_office_declaration(parse_form01(form(), today=date(2026, 11, 24)), declaration_id="d", code="C", now=NOW)
    if state == "awaiting_office":
        return base
    if state == "expired":
        return replace(base, expires_at=NOW - timedelta(seconds=1))
    received = replace(base, status=RECEIVED, expires_at=None, received_office=HERE, due_by=date(2026, 11, 27))
    if state == "received":
        return received
    return replace(received, status={"approved": APPROVED, "rejected": REJECTED}[state])


TABLE: list[tuple[str, str, str, type[DomainError] | None]] = [
    # state,            action,  office, refusal
    ("awaiting_office", RECEIVE, HERE, None),
    ("awaiting_office", RECEIVE, THERE, None),  # any office may receive
    ("awaiting_office", APPROVE, HERE, NotReceivedError),
    ("awaiting_office", REJECT, HERE, NotReceivedError),
    ("expired", RECEIVE, HERE, DeclarationExpiredError),
    ("expired", APPROVE, HERE, DeclarationExpiredError),
    ("expired", REJECT, HERE, DeclarationExpiredError),
    ("received", RECEIVE, HERE, AlreadyReceivedError),
    ("received", APPROVE, HERE, None),
    ("received", REJECT, HERE, None),
    ("received", APPROVE, THERE, OtherOfficeError),
    ("received", REJECT, THERE, OtherOfficeError),
    ("approved", RECEIVE, HERE, AlreadyDecidedError),
    ("approved", APPROVE, HERE, AlreadyDecidedError),
    ("approved", REJECT, HERE, AlreadyDecidedError),
    ("rejected", RECEIVE, HERE, AlreadyDecidedError),
    ("rejected", APPROVE, HERE, AlreadyDecidedError),
    ("rejected", REJECT, HERE, AlreadyDecidedError),
]


@pytest.mark.parametrize(("state", "action", "office", "refusal"), TABLE)
def test_transition(state: str, action: str, office: str, refusal: type[DomainError] | None) -> None:
    subject = declaration(state)
    if refusal is None:
        check(subject, action, NOW, office)
    else:
        with pytest.raises(refusal):
            check(subject, action, NOW, office)


def test_table_covers_every_state_and_action() -> None:
    covered = {(state, action) for state, action, _, _ in TABLE}
    states = {"awaiting_office", "expired", "received", "approved", "rejected"}
    assert covered == {(s, a) for s in states for a in (RECEIVE, APPROVE, REJECT)}


def test_refusal_codes_are_distinct() -> None:
    codes = {r.code for _, _, _, r in TABLE if r is not None}
    assert codes == {"not_received", "declaration_expired", "already_received", "already_decided", "other_office"}
    assert AWAITING_OFFICE == "awaiting_office"
