"""``check_consistency`` against an in-memory source: each impossible state
is found, masked, and a consistent store reports nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from chalicelib.services.consistency import (
    AccountRow,
    DeclarationRow,
    Finding,
    GuardRow,
    NoticeRow,
    check_consistency,
    masked_key,
)

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
AN, BINH = "0123456789", "7912345678"


class MemorySource:
    def __init__(self) -> None:
        self.declarations: list[DeclarationRow] = []
        self.account_rows: list[AccountRow] = []
        self.guards: dict[str, str] = {}
        self.notices: list[tuple[NoticeRow, str]] = []
        self.lookups: list[int] = []

    def add_account(self, username: str, identity: str, *, guards: bool = True) -> None:
        self.account_rows.append(AccountRow(username, identity))
        if guards:
            self.guards[f"account#bhxh#{username}"] = username
            self.guards[f"account#{identity}"] = username

    def approved_declarations(self) -> list[DeclarationRow]:
        return self.declarations

    def accounts(self) -> list[AccountRow]:
        return self.account_rows

    def account_guards(self) -> list[GuardRow]:
        return [GuardRow(k, o) for k, o in self.guards.items() if k.startswith("account#")]

    def queued_notices(self, created_before: datetime) -> list[NoticeRow]:
        return [row for row, status in self.notices if status == "queued" and row.created_at < created_before]

    def existing_accounts(self, usernames: Sequence[str]) -> set[str]:
        self.lookups.append(len(usernames))
        return {row.username for row in self.account_rows} & set(usernames)

    def guard_owners(self, keys: Sequence[str]) -> dict[str, str]:
        self.lookups.append(len(keys))
        return {key: self.guards[key] for key in keys if key in self.guards}


def consistent() -> MemorySource:
    source = MemorySource()
    source.add_account(AN, "id#001089020747")
    source.declarations.append(DeclarationRow("d-1", AN))
    source.guards["code#K7PQ3M9X"] = "d-1"  # other guards are not account guards
    source.notices.append((NoticeRow("declaration#d-1#account_approved#sms", "account_approved", "sms", NOW), "sent"))
    return source


def test_a_consistent_store_reports_nothing() -> None:
    assert check_consistency(consistent(), NOW) == []


def test_an_approved_declaration_without_its_account() -> None:
    source = consistent()
    source.declarations.append(DeclarationRow("d-2", BINH))
    assert check_consistency(source, NOW) == [Finding("approved_without_account", "d-2", "no account 79******78")]


def test_an_account_without_its_guards_and_a_guard_held_by_another() -> None:
    source = consistent()
    source.add_account(BINH, "id#079301123456", guards=False)
    source.guards["account#bhxh#" + BINH] = AN
    assert check_consistency(source, NOW) == [
        Finding("account_without_guard", "79******78", "social-insurance code guard held by 01******89"),
        Finding("account_without_guard", "79******78", "no ID document guard"),
    ]


def test_a_guard_whose_account_is_missing() -> None:
    source = consistent()
    source.guards["account#id#079301123456"] = BINH
    [finding] = check_consistency(source, NOW)
    assert finding == Finding("guard_without_account", "account#id#07********56", "account 79******78 missing")


def test_several_accounts_for_one_person() -> None:
    source = consistent()
    source.add_account(BINH, "id#001089020747", guards=False)
    findings = check_consistency(source, NOW)
    assert Finding("several_accounts_for_one_person", "id#00********47", "01******89, 79******78") in findings
    assert [f.check for f in findings] == ["account_without_guard"] * 2 + ["several_accounts_for_one_person"]


def test_notices_queued_longer_than_allowed() -> None:
    source = consistent()
    old = NOW - timedelta(minutes=16)
    source.notices += [
        (NoticeRow(f"declaration#d-9#account_approved#{AN}", "account_approved", "sms", old), "queued"),
        (NoticeRow("declaration#d-8#account_approved#sms", "account_approved", "sms", NOW), "queued"),  # fresh
        (NoticeRow("declaration#d-7#account_approved#sms", "account_approved", "sms", old), "sent"),
    ]
    assert check_consistency(source, NOW) == [
        Finding(
            "notice_stuck_queued",
            "declaration#d-9#account_approved#01******89",
            "account_approved sms queued for 16 min",
        )
    ]
    assert check_consistency(source, NOW, stuck_after=timedelta(minutes=30)) == []


def test_lookups_go_in_batches() -> None:
    source = MemorySource()
    for n in range(250):
        source.add_account(f"{n:010d}", f"id#{n:012d}")
        source.declarations.append(DeclarationRow(f"d-{n}", f"{n:010d}"))
    assert check_consistency(source, NOW, batch=100) == []
    assert max(source.lookups) <= 200  # two guards per account, 100 accounts per lookup


def test_masked_key_hides_numbers_and_addresses() -> None:
    assert masked_key("campaign#digest#2026-11-24#lanhdao@example.vn") == "campaign#digest#2026-11-24#l***@example.vn"
    assert masked_key("passport#VN#B1234567") == "passport#VN#B1****67"
    generated = "declaration#cd5a777a-130a-457d-a64f-a6b410083caa#account_approved#sms"
    assert masked_key(generated) == generated
    assert masked_key("account#0123456789#reissue#2026-11-24T03:00:00+00:00") == (
        "account#01******89#reissue#2026-11-24T03:00:00+00:00"
    )
