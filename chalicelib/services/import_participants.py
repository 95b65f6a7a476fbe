"""Use case: load the BHXH participant registry from a CSV export.

Streamed: rows are read, validated and written in chunks, so memory stays
flat whatever the file size. Bad rows are reported with their line numbers
and the rest go on. Writes overwrite by social-insurance code, so a re-run
is safe."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TextIO

from ..domain.errors import FieldError, ValidationError
from ..domain.participant import PARTICIPANT_COLUMNS, Participant, parse_participant_row
from ..services.ports.directory import Registry

CHUNK = 500


@dataclass
class RowProblem:
    line: int
    errors: list[FieldError]


@dataclass
class ImportReport:
    read: int = 0
    written: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    rejected: int = 0
    max_problems_kept: int = 1000

    def reject(self, problem: RowProblem) -> None:
        self.rejected += 1
        if len(self.problems) < self.max_problems_kept:
            self.problems.append(problem)


def read_rows(stream: TextIO, columns: tuple[str, ...] = PARTICIPANT_COLUMNS) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; raises ValidationError on a wrong header."""
    reader = csv.DictReader(stream)
    header = [name.strip().lstrip("\ufeff") for name in (reader.fieldnames or [])]
    missing = [column for column in columns if column not in header]
    if missing:
        raise ValidationError([FieldError(column, "missing_column") for column in missing])
    reader.fieldnames = header
    for row in reader:
        yield reader.line_num, row


def import_participants(
    registry: Registry,
    rows: Iterable[tuple[int, dict[str, str]]],
    on_chunk: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validation of the next chunk overlaps the write of the previous one
    (one write in flight at a time, so memory holds at most two chunks)."""
    report = ImportReport()
    chunk: list[Participant] = []
    in_flight: Future[int] | None = None

    def settle() -> None:
        nonlocal in_flight
        if in_flight is not None:
            written = in_flight.result()
            report.written += written
            if on_chunk is not None:
                on_chunk(written)
            in_flight = None

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="registry-writer") as writer:

        def flush() -> None:
            nonlocal chunk, in_flight
            settle()
            if chunk:
                in_flight = writer.submit(registry.put_many, chunk)
                chunk = []

        for line, row in rows:
            report.read += 1
            try:
                chunk.append(Participant(**parse_participant_row(row)))
            except ValidationError as error:
                report.reject(RowProblem(line, error.errors))
                continue
            if len(chunk) >= CHUNK:
                flush()
        flush()
        settle()
    return report
