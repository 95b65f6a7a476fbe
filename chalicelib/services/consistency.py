"""Use case: find impossible states (``python -m ops check-consistency``).

Every invariant of DESIGN §2 is held by conditional writes and transactions;
this check is the operator's proof that it held, run after an incident, a
load test or a restore. It reads everything (an operator command may page
whole tables; no request path or daily job does) and fixes nothing: what it
finds is for a person to look at.

Impossible states:

* ``approved_without_account``: a declaration ``approved`` whose person has no account;
* ``account_without_guard``: an account without one of its uniqueness guards
  (social-insurance code, ID document), or with a guard held by another account;
* ``guard_without_account``: an account guard whose owner account does not exist;
* ``several_accounts_for_one_person``: two accounts with one ID document;
* ``notice_stuck_queued``: a notice still ``queued`` longer than the allowed time
  (the legal limit is 15 minutes from the decision).

Personal data (codes, ID numbers, phones, addresses) are masked in what it reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Protocol, TypeVar

from ..domain.identifiers import mask

APPROVED_WITHOUT_ACCOUNT = "approved_without_account"
ACCOUNT_WITHOUT_GUARD = "account_without_guard"
GUARD_WITHOUT_ACCOUNT = "guard_without_account"
SEVERAL_ACCOUNTS = "several_accounts_for_one_person"
NOTICE_STUCK = "notice_stuck_queued"
CHECKS = (APPROVED_WITHOUT_ACCOUNT, ACCOUNT_WITHOUT_GUARD, GUARD_WITHOUT_ACCOUNT, SEVERAL_ACCOUNTS, NOTICE_STUCK)
DEFAULT_STUCK_AFTER = timedelta(minutes=15)
BATCH = 100  # keys per BatchGetItem
ACCOUNT_GUARD_PREFIX = "account#"


@dataclass(frozen=True)
class Finding:
    check: str
    subject: str  # what to look at, personal data masked
    detail: str


@dataclass(frozen=True)
class DeclarationRow:
    id: str
    bhxh_code: str


@dataclass(frozen=True)
class AccountRow:
    username: str
    identity_key: str


@dataclass(frozen=True)
class GuardRow:
    key: str
    owner: str


@dataclass(frozen=True)
class NoticeRow:
    id: str
    kind: str
    channel: str
    created_at: datetime


class ConsistencySource(Protocol):
    """Whole-table reads (paged) and batch lookups, for this check only."""

    def approved_declarations(self) -> Iterable[DeclarationRow]: ...

    def accounts(self) -> Iterable[AccountRow]: ...

    def account_guards(self) -> Iterable[GuardRow]:
        """Every guard whose key starts with ``account#``."""

    def queued_notices(self, created_before: datetime) -> Iterable[NoticeRow]:
        """Notices still ``queued`` created before ``created_before``."""

    def existing_accounts(self, usernames: Sequence[str]) -> set[str]: ...

    def guard_owners(self, keys: Sequence[str]) -> dict[str, str]:
        """Owner of each of ``keys`` that exists."""


T = TypeVar("T")


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def expected_guards(account: AccountRow) -> dict[str, str]:
    """The guards an account holds (``issue_account.account_guards``), by what they guard."""
    return {
        f"{ACCOUNT_GUARD_PREFIX}bhxh#{account.username}": "social-insurance code",
        f"{ACCOUNT_GUARD_PREFIX}{account.identity_key}": "ID document",
    }


_NOT_PERSONAL = re.compile(
    r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # generated ids
    r"|\d{4}-\d{2}-\d{2}([T ][0-9:.+\-]*)?)$"  # dates and times
)


def masked_key(key: str) -> str:
    """A key or id with its personal parts masked: every ``#`` part holding an
    email address or six digits or more (codes, ID numbers, phones), except
    generated ids and dates."""

    def part(value: str) -> str:
        if "@" in value or (sum(c.isdigit() for c in value) >= 6 and not _NOT_PERSONAL.match(value)):
            return mask(value)
        return value

    return "#".join(part(value) for value in key.split("#"))


def _approved_without_account(source: ConsistencySource, batch: int) -> Iterator[Finding]:
    for rows in _batches(source.approved_declarations(), batch):
        found = source.existing_accounts(sorted({row.bhxh_code for row in rows}))
        for row in rows:
            if row.bhxh_code not in found:
                yield Finding(APPROVED_WITHOUT_ACCOUNT, row.id, f"no account {mask(row.bhxh_code)}")


def _accounts(source: ConsistencySource, batch: int) -> Iterator[Finding]:
    holders: dict[str, list[str]] = {}
    for rows in _batches(source.accounts(), batch):
        wanted = {row.username: expected_guards(row) for row in rows}
        owners = source.guard_owners(sorted({key for guards in wanted.values() for key in guards}))
        for row in rows:
            holders.setdefault(row.identity_key, []).append(row.username)
            for key, what in wanted[row.username].items():
                owner = owners.get(key)
                if owner is None:
                    yield Finding(ACCOUNT_WITHOUT_GUARD, mask(row.username), f"no {what} guard")
                elif owner != row.username:
                    yield Finding(ACCOUNT_WITHOUT_GUARD, mask(row.username), f"{what} guard held by {mask(owner)}")
    for identity, usernames in holders.items():
        if len(usernames) > 1:
            yield Finding(SEVERAL_ACCOUNTS, masked_key(identity), ", ".join(mask(name) for name in sorted(usernames)))


def _orphan_guards(source: ConsistencySource, batch: int) -> Iterator[Finding]:
    for rows in _batches(source.account_guards(), batch):
        found = source.existing_accounts(sorted({row.owner for row in rows}))
        for row in rows:
            if row.owner not in found:
                yield Finding(GUARD_WITHOUT_ACCOUNT, masked_key(row.key), f"account {mask(row.owner)} missing")


def _stuck_notices(source: ConsistencySource, now: datetime, stuck_after: timedelta) -> Iterator[Finding]:
    for row in source.queued_notices(now - stuck_after):
        minutes = int((now - row.created_at).total_seconds() // 60)
        yield Finding(NOTICE_STUCK, masked_key(row.id), f"{row.kind} {row.channel} queued for {minutes} min")


def check_consistency(
    source: ConsistencySource,
    now: datetime,
    *,
    stuck_after: timedelta = DEFAULT_STUCK_AFTER,
    batch: int = BATCH,
) -> list[Finding]:
    """Every impossible state found, in the order of ``CHECKS``; an empty list when none."""
    findings = [
        *_approved_without_account(source, batch),
        *_accounts(source, batch),
        *_orphan_guards(source, batch),
        *_stuck_notices(source, now, stuck_after),
    ]
    return sorted(findings, key=lambda finding: CHECKS.index(finding.check))
