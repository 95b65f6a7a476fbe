"""What the use cases need, as one object. ``bootstrap.Container`` builds the
real one lazily; unit tests pass ``tests.fakes.FakeDeps``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from .ports import DeclarationStore, OfficeDirectory, Outbox, Registry, Sender


class Deps(Protocol):
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
    def clock(self) -> Callable[[], datetime]: ...

    @property
    def new_id(self) -> Callable[[], str]: ...
