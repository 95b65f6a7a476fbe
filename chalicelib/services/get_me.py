"""Use case: the signed-in person's own account, personal data masked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.errors import AccountNotFoundError
from ..domain.identifiers import mask
from .deps import Deps


def get_me(deps: Deps, username: str, now: datetime) -> dict[str, Any]:
    account = deps.accounts.get(username)
    if account is None:
        raise AccountNotFoundError()
    return {
        "username": account.username,
        "full_name": account.full_name,
        "phone": mask(account.phone, 3, 2),
        "email": mask(account.email) if account.email else None,
        "roles": list(account.roles),
        "office_code": account.office_code,
        "password_expires_at": account.password_expiry.isoformat() if account.password_expiry else None,
        "password_change_required": account.password_change_required(now),
        "temporary_password": account.temporary,
    }
