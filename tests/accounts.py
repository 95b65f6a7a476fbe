"""Helpers to issue accounts in tests."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.account import CITIZEN, AccountHolder
from chalicelib.services.issue_account import Issued, issue_account


def holder(username: str = "0123456789", **changes: Any) -> AccountHolder:
    values: dict[str, Any] = {
        "username": username,
        "full_name": "Nguyễn Văn An",
        "phone": "+84912345678",
        "email": "an.nguyen@example.vn",
        "identity_key": f"id#0010890{username[-5:]}",
        "province_code": "01",
        "roles": (CITIZEN,),
    }
    values.update(changes)
    return AccountHolder(**values)


def issue(deps: Any, username: str = "0123456789", **changes: Any) -> Issued:
    return issue_account(
        deps, holder(username, **changes), now=deps.clock(), source=f"test#{username}", actor="test", channel="office"
    )
