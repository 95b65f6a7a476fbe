"""What the daily reminder jobs share: each person's notices recorded on their
own (ids are deterministic, so a second run records nothing new and only queues
again what was never queued), then everything queued in one go at the end."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domain.notification import Notification
from .deps import Deps


@dataclass
class ReminderReport:
    examined: int = 0
    queued: int = 0
    requeued: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


class ReminderBatch:
    def __init__(self, deps: Deps, report: ReminderReport) -> None:
        self._deps = deps
        self._report = report
        self._pending: list[Notification] = []

    def record(self, kind: str, notices: list[Notification]) -> None:
        recorded = self._deps.outbox.record(notices, [])
        self._pending.extend(recorded.to_enqueue)
        report = self._report
        if recorded.created:
            report.queued += len(notices)
            report.by_kind[kind] = report.by_kind.get(kind, 0) + len(notices)
        else:
            report.requeued += len(recorded.to_enqueue)

    def enqueue(self) -> None:
        self._deps.outbox.enqueue(self._pending)
