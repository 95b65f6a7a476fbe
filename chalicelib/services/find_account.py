"""An account named by its username (the 10-digit social-insurance code) or by the 12-digit personal
ID number (số định danh cá nhân, the CCCD number: Công văn 1804/BHXH-QLT makes it serve as the
social-insurance code). Both name the same account: the ID number through the account's uniqueness
guard (``account#id#<number>``), written with the account in one transaction, so nothing needs
migrating and nothing is scanned: one more GetItem when the ID number is given
(also when it names no account, so the time tells nothing)."""

from __future__ import annotations

from ..domain.account import Account
from ..domain.declaration import personal_id_key
from ..domain.form01 import Form01
from ..domain.participant import Participant
from .deps import Deps

PERSONAL_ID_LENGTH = 12


def is_personal_id(identifier: str) -> bool:
    return len(identifier) == PERSONAL_ID_LENGTH and identifier.isascii() and identifier.isdigit()


def find_account(deps: Deps, identifier: str) -> Account | None:
    identifier = identifier.strip()
    if not identifier:
        return None
    if is_personal_id(identifier):
        username = username_by_personal_id(deps, identifier)
        # Unknown number: still one account read, as a username, so a known and an unknown ID number
        # cost the same two reads and the time tells nobody who has an account.
        return deps.accounts.get(username or identifier)
    return deps.accounts.get(identifier)


def username_by_personal_id(deps: Deps, number: str) -> str | None:
    """The username of the account issued against that personal ID number (its guard names it)."""
    return deps.accounts.username_by_identity(personal_id_key(number))


def registry_record(deps: Deps, form: Form01) -> Participant | None:
    """The BHXH registry's record of the declarant: by the social-insurance code; or, when Form 01
    gave the 12-digit personal ID number in its place (Công văn 1804/BHXH-QLT: a CCCD holder may
    omit the code, ``parse_form01``), by that number: the one record whose ID number it is. One
    read either way."""
    if is_personal_id(form.bhxh_code):
        found = [p for p in deps.registry.find_by_id_number(form.bhxh_code) if p.id_number == form.bhxh_code]
        return found[0] if len(found) == 1 else None
    return deps.registry.get(form.bhxh_code)
