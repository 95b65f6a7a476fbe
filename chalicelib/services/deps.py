"""What the use cases need, as one object. ``bootstrap.Container`` builds the
real one lazily; unit tests pass ``tests.fakes.FakeDeps``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from .ports import (
    AccountStore,
    CampaignStore,
    DeclarationStore,
    OfficeDirectory,
    Outbox,
    RateLimiter,
    Registry,
    Sender,
    ServiceStats,
    SignatureVerifier,
)

if TYPE_CHECKING:  # argon2 is imported only by the paths that hash
    from ..config import Settings
    from ..domain.passwords import Hasher


class Deps(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def declarations(self) -> DeclarationStore: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def sender(self) -> Sender: ...

    @property
    def offices(self) -> OfficeDirectory: ...

    @property
    def registry(self) -> Registry: ...

    @property
    def accounts(self) -> AccountStore: ...

    @property
    def hasher(self) -> Hasher: ...

    @property
    def signatures(self) -> SignatureVerifier: ...

    @property
    def campaign(self) -> CampaignStore: ...

    @property
    def rate_limits(self) -> RateLimiter: ...

    @property
    def stats(self) -> ServiceStats: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...

    @property
    def new_id(self) -> Callable[[], str]: ...
