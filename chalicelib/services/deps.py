"""What the use cases need, as one object. ``bootstrap.Container`` builds the
real one lazily; unit tests pass ``tests.fakes.FakeDeps``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from ..services.ports.accounts import AccountStore, RateLimiter
from ..services.ports.campaign import CampaignStore
from ..services.ports.declarations import DeclarationStore
from ..services.ports.directory import OfficeDirectory, Registry
from ..services.ports.id_copies import IdCopyStorage
from ..services.ports.notices import Outbox, Sender
from ..services.ports.signatures import SignatureVerifier
from ..services.ports.stats import ServiceStats
from ..services.ports.vneid import IdentityProvider

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
    def id_copies(self) -> IdCopyStorage: ...

    @property
    def vneid(self) -> IdentityProvider: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...

    @property
    def new_id(self) -> Callable[[], str]: ...
