"""What one decision writes, atomically (the stores take these whole)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .account import Account
from .declaration import Declaration, GuardKey
from .notification import AuditEvent, Notification


@dataclass(frozen=True)
class Decision:
    """Everything one decision writes, atomically."""

    before: Declaration
    after: Declaration
    notices: list[Notification]
    audit: list[AuditEvent]
    account: Account | None = None
    account_guards: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DecidedOnArrival:
    """A declaration decided in the request that brought it (signed channel):
    everything written, atomically, in one transaction."""

    declaration: Declaration
    guards: list[GuardKey]
    notices: list[Notification]
    audit: list[AuditEvent]
    account: Account | None = None
    account_guards: list[str] = field(default_factory=list)
    replay_key: str | None = None  # the signed document's: stored with the decision, once
