"""Use case: an officer issues a new temporary password (the person lost the
first one, or it lapsed after 7 days); the old one stops working at once."""

from __future__ import annotations

from datetime import datetime

from ..domain import templates
from ..domain.account import CITIZEN
from ..domain.errors import AccountNotFoundError, ConflictError, ForbiddenError
from ..domain.identifiers import is_bhxh_code
from ..domain.notification import AuditEvent, notices_for
from ..domain.passwords import new_temporary_password
from .deps import Deps
from .ports import ConcurrentChangeError


def reissue_password(deps: Deps, username: str, officer: str, now: datetime, trace_id: str | None = None) -> None:
    account = deps.accounts.get(username) if is_bhxh_code(username) else None
    if account is None:
        raise AccountNotFoundError()
    if set(account.roles) - {CITIZEN}:
        raise ForbiddenError()  # staff passwords are reset by an administrator (ops), not at the counter
    password = new_temporary_password()
    notices = notices_for(
        source=f"account#{username}#reissue#{now.isoformat()}",
        kind="temporary_password",
        phone=account.phone,
        email=account.email,
        sms=templates.temporary_password_sms(username, password),
        mail=templates.temporary_password_email(account.full_name, username, password),
        now=now,
        secret=password,
    )
    audit = AuditEvent(
        f"account#{username}",
        f"{now.isoformat()}#reissued",
        "active",
        "active",
        officer,
        "office",
        now,
        trace_id=trace_id,
    )
    try:
        deps.accounts.set_password_with_notices(account, deps.hasher.hash(password), now, notices, [audit])
    except ConcurrentChangeError as error:
        raise ConflictError() from error
    deps.accounts.end_sessions(username)
    deps.outbox.enqueue(notices)
