"""The declarant reads the status by counter code + ID number (what the confirmation
page and the printed form show), as well as by declaration id."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain.errors import DeclarationExpiredError, DeclarationNotFoundError
from chalicelib.domain.identifiers import format_counter_code
from chalicelib.services.get_declaration_status import get_declaration_status
from chalicelib.services.submit_office_declaration import submit_office_declaration
from tests.builders import form, other_person
from tests.fakes import FakeDeps


def test_the_counter_code_in_any_form_finds_the_declaration(fake_deps: FakeDeps) -> None:
    declaration = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    now = fake_deps.clock()
    printed = format_counter_code(declaration.code)
    for typed in (printed, printed.lower(), declaration.code, f" {printed[:4]} {printed[5:]} "):
        assert get_declaration_status(fake_deps, typed, "001089020747", now) == declaration


def test_a_code_with_someone_elses_id_number_is_not_found(fake_deps: FakeDeps) -> None:
    declaration = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    submit_office_declaration(fake_deps, other_person(), fake_deps.clock())
    now = fake_deps.clock()
    for wrong in ("079301123456", "001089020748", "", None):
        with pytest.raises(DeclarationNotFoundError):
            get_declaration_status(fake_deps, declaration.code, wrong, now)


@pytest.mark.parametrize("value", ["K7PQ-3M9", "K7PQ-3M9XX", "B7PQ-3M9X", "K7PQ_3M9X!!!!!!!!!!", "-" * 30])
def test_what_cannot_be_a_code_is_read_as_an_id(fake_deps: FakeDeps, value: str) -> None:
    submit_office_declaration(fake_deps, form(), fake_deps.clock())
    with pytest.raises(DeclarationNotFoundError):
        get_declaration_status(fake_deps, value, "001089020747", fake_deps.clock())


def test_a_repeated_code_answers_the_persons_own_newest(fake_deps: FakeDeps) -> None:
    mine = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    theirs = submit_office_declaration(fake_deps, other_person(), fake_deps.clock()).declaration
    # Codes are random: an older declaration of another person may carry the same one.
    fake_deps.declarations.items[theirs.id] = replace(
        theirs, code=mine.code, created_at=mine.created_at - timedelta(days=400)
    )
    assert get_declaration_status(fake_deps, mine.code, "001089020747", fake_deps.clock()) == mine
    assert get_declaration_status(fake_deps, mine.code, "079301123456", fake_deps.clock()).id == theirs.id


def test_an_expired_declaration_is_gone_by_code_too(fake_deps: FakeDeps) -> None:
    declaration = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    with pytest.raises(DeclarationExpiredError):
        get_declaration_status(fake_deps, declaration.code, "001089020747", fake_deps.clock() + timedelta(days=10))
