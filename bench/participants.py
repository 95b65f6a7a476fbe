"""``import_participants`` against a moto server: throughput against a raw
boto3 ``batch_write_item`` loop over the same CSV, and peak memory."""

from __future__ import annotations

import csv
import gc
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .data import DataFiles
from .emulator import Emulator
from .report import ROOT, Figure, Target, log

RATIO_TARGET = Target(">=", 0.8)
GROWTH_TARGET = Target("<=", 1.5)
BATCH = 25
WARM_UP_ROWS = 1_000


@dataclass(frozen=True)
class Run:
    method: str
    rows: int
    seconds: float


def _count_items(table: str) -> int:
    import boto3

    description = boto3.session.Session().client("dynamodb").describe_table(TableName=table)
    return int(description["Table"]["ItemCount"])


def run_ours(path: Path) -> int:
    from chalicelib import bootstrap
    from chalicelib.services.import_participants import import_participants, read_rows

    bootstrap.override(None)  # a fresh container: settings, connection and client built inside the timing
    with path.open(encoding="utf-8", newline="") as stream:
        report = import_participants(bootstrap.container().registry, read_rows(stream))
    if report.rejected or report.written != report.read:
        raise RuntimeError(f"import rejected {report.rejected} rows: {report.problems[:3]}")
    return report.written


def run_raw(path: Path) -> int:
    """The floor: no validation, no model layer, 25 puts a request, unprocessed items retried."""
    import boto3

    from chalicelib.config import load_settings

    settings = load_settings()
    client = boto3.session.Session(region_name=settings.region).client("dynamodb")
    table = settings.registry_table

    def write(batch: list[dict[str, Any]]) -> None:
        request: dict[str, Any] = {table: batch}
        delay = 0.05
        while request:
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
            if request:
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    written = 0
    batch: list[dict[str, Any]] = []
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            batch.append({"PutRequest": {"Item": {key: {"S": value} for key, value in row.items()}}})
            if len(batch) == BATCH:
                write(batch)
                written += len(batch)
                batch = []
    if batch:
        write(batch)
        written += len(batch)
    return written


def timed(emulator: Emulator, method: str, path: Path, rows: int) -> Run:
    fn: Callable[[Path], int] = run_ours if method == "import_participants" else run_raw
    table = emulator.reset_registry()
    gc.collect()
    started = time.perf_counter()
    written = fn(path)
    seconds = time.perf_counter() - started
    stored = _count_items(table)
    if written != rows or stored != rows:
        raise RuntimeError(f"{method}: wrote {written} rows, table holds {stored}, expected {rows}")
    log(f"{method}: {rows} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")
    return Run(method, rows, seconds)


def run_throughput(emulator: Emulator, files: DataFiles, quick: bool) -> list[Figure]:
    rows = 10_000 if quick else 100_000
    path = files.participants(rows)
    # ABBA: each method runs once early and once late, so drift in the machine
    # (or in the emulator) weighs on both alike.
    order = ["import_participants", "raw_batch_write", "raw_batch_write", "import_participants"]
    runs = [timed(emulator, method, path, rows) for method in order]
    emulator.reset_registry()  # leave no 100k-item table in this process's memory

    def rate(method: str) -> float:
        mine = [run for run in runs if run.method == method]
        return sum(run.rows for run in mine) / sum(run.seconds for run in mine)

    ours, raw = rate("import_participants"), rate("raw_batch_write")
    detail = {"rows": rows, "runs": [run.__dict__ for run in runs], "order": "ABBA", "emulator": "moto server"}
    return [
        Figure("import_participants_rows_per_s", ours, "rows/s", decimals=0, details=detail),
        Figure("raw_batch_write_rows_per_s", raw, "rows/s", decimals=0, details=detail),
        Figure("import_participants_ratio", ours / raw, "x", target=RATIO_TARGET, details=detail),
    ]


def _label(rows: int) -> str:
    return f"{rows // 1000}k" if rows % 1000 == 0 else str(rows)


def traced_peak(emulator: Emulator, files: DataFiles, rows: int) -> dict[str, Any]:
    emulator.reset_registry()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.memory_child",
            str(files.participants(rows)),
            "--warm-up",
            str(files.participants(WARM_UP_ROWS)),
        ],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"memory run ({rows} rows) failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["written"] != rows or result["rejected"]:
        raise RuntimeError(f"memory run ({rows} rows) wrote {result['written']}, rejected {result['rejected']}")
    log(f"memory: {rows} rows, traced peak {result['peak_bytes'] / 2**20:.2f} MiB in {result['seconds']:.1f} s")
    return result


def run_memory(emulator: Emulator, files: DataFiles, quick: bool) -> list[Figure]:
    small, large = (1_000, 10_000) if quick else (10_000, 100_000)
    peaks = {rows: traced_peak(emulator, files, rows) for rows in (small, large)}
    emulator.reset_registry()
    mib = {rows: result["peak_bytes"] / 2**20 for rows, result in peaks.items()}
    note = f"tracemalloc peak during the import, after a {WARM_UP_ROWS}-row warm-up import in the same child process"
    return [
        Figure(
            f"import_participants_peak_mb_{_label(small)}", mib[small], "MiB", details={**peaks[small], "how": note}
        ),
        Figure(
            f"import_participants_peak_mb_{_label(large)}", mib[large], "MiB", details={**peaks[large], "how": note}
        ),
        Figure(
            "import_memory_growth_ratio",
            mib[large] / mib[small],
            "x",
            target=GROWTH_TARGET,
            details={"small_rows": small, "large_rows": large},
        ),
    ]
