"""``python -m bench [--quick] [--only NAME ...]``: print one line per figure
(``name: value unit``, ``MISSED`` when a target is missed) and write them all
to bench/results.json. Exit 1 only when a measurement crashed."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .report import RESULTS, ROOT, Figure, log, write_results


class Shared:
    """What several groups use, made on first use and torn down at the end."""

    def __init__(self, stack: ExitStack, quick: bool) -> None:
        self._stack = stack
        self.quick = quick
        self._emulator: object | None = None
        self._files: object | None = None

    def emulator(self) -> object:
        if self._emulator is None:
            from .emulator import Emulator

            emulator = Emulator()
            self._stack.callback(emulator.stop)
            self._emulator = emulator.start()
        return self._emulator

    def files(self) -> object:
        if self._files is None:
            from .data import DataFiles

            directory = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="bhxh-bench-")))
            self._files = DataFiles(directory)
        return self._files


def _cold_start(shared: Shared) -> list[Figure]:
    from . import cold_start

    return cold_start.run(shared.quick)


def _burst(shared: Shared) -> list[Figure]:
    from . import burst

    return burst.run(shared.quick)


def _vneid(shared: Shared) -> list[Figure]:
    from . import vneid

    return vneid.run(shared.quick)


def _form01_pdf(shared: Shared) -> list[Figure]:
    from . import form01_pdf

    return form01_pdf.run(shared.quick)


def _dynamodb(shared: Shared) -> list[Figure]:
    from . import api_calls

    return api_calls.run(shared.quick)


def _password_age(shared: Shared) -> list[Figure]:
    from . import password_age

    return password_age.run(shared.quick)


def _sign_in(shared: Shared) -> list[Figure]:
    from . import sign_in

    return sign_in.run(shared.quick)


def _signed(shared: Shared) -> list[Figure]:
    from . import signed

    return signed.run(shared.quick)


def _campaign(shared: Shared) -> list[Figure]:
    from . import campaign

    return campaign.run(shared.quick)


def _throughput(shared: Shared) -> list[Figure]:
    from .data import DataFiles
    from .emulator import Emulator
    from .participants import run_throughput

    emulator, files = shared.emulator(), shared.files()
    assert isinstance(emulator, Emulator) and isinstance(files, DataFiles)
    return run_throughput(emulator, files, shared.quick)


def _notices(shared: Shared) -> list[Figure]:
    from . import notices
    from .emulator import Emulator

    emulator = shared.emulator()
    assert isinstance(emulator, Emulator)
    return notices.run(emulator, shared.quick)


def _memory(shared: Shared) -> list[Figure]:
    from .data import DataFiles
    from .emulator import Emulator
    from .participants import run_memory

    emulator, files = shared.emulator(), shared.files()
    assert isinstance(emulator, Emulator) and isinstance(files, DataFiles)
    return run_memory(emulator, files, shared.quick)


@dataclass(frozen=True)
class Group:
    name: str
    run: Callable[[Shared], list[Figure]]
    figures: tuple[str, ...]


# In this order: the in-process moto of ``dynamodb_requests``, ``password_age`` and
# ``sign_in`` must not overlap the moto server (the groups from ``import_participants``
# on share it, one at a time; ``notice_delivery`` runs a worker thread against it).
GROUPS = (
    Group("cold_start", _cold_start, ("cold_start_ratio", "cold_start_app_ms", "cold_start_baseline_ms")),
    Group("burst", _burst, ("burst_20k_p99_s",)),
    Group("vneid", _vneid, ("dynamodb_requests_per_vneid_registration", "vneid_token_check_ratio")),
    Group("form01_pdf", _form01_pdf, ("form01_pdf_ms", "form01_pdf_size_kb", "pdf_libraries_loaded_at_cold_start")),
    Group(
        "dynamodb_requests",
        _dynamodb,
        (
            "dynamodb_requests_per_office_submission",
            "dynamodb_requests_per_office_submission_cold",
            "sqs_requests_per_office_submission",
            "dynamodb_requests_per_status_read",
            "dynamodb_requests_per_receive",
            "dynamodb_requests_per_approve",
            "dynamodb_requests_per_id_copy_upload",
            "dynamodb_requests_per_id_copy_check",
        ),
    ),
    Group(
        "password_age",
        _password_age,
        (
            "password_age_reads_per_due",
            "password_age_scans",
            "password_age_time_ratio_100k_vs_10k",
            "password_age_time_ratio_10k_vs_1k",
        ),
    ),
    Group(
        "sign_in",
        _sign_in,
        (
            "login_latency_p50_ms",
            "login_latency_p95_ms",
            "login_failure_latency_ratio",
            "recovery_timing_ratio",
            "dynamodb_requests_per_login",
            "dynamodb_requests_per_authorized_request",
        ),
    ),
    Group(
        "signed",
        _signed,
        (
            "signed_verifications_per_s",
            "signxml_bare_verifications_per_s",
            "signed_verify_ratio",
            "dynamodb_requests_per_signed_submission",
            "dynamodb_requests_per_signed_submission_max",
        ),
    ),
    Group(
        "campaign",
        _campaign,
        (
            "dynamodb_requests_per_progress_report",
            "dynamodb_requests_per_progress_report_one_province",
            "progress_report_ms",
            "dynamodb_requests_per_counted_registration",
        ),
    ),
    Group(
        "import_participants",
        _throughput,
        ("import_participants_rows_per_s", "raw_batch_write_rows_per_s", "import_participants_ratio"),
    ),
    Group(
        "import_memory",
        _memory,
        (
            "import_participants_peak_mb_1k",
            "import_participants_peak_mb_10k",
            "import_participants_peak_mb_100k",
            "import_memory_growth_ratio",
        ),
    ),
    Group(
        "notice_delivery",
        _notices,
        (
            "notice_latency_p50_s",
            "notice_latency_p99_s",
            "notice_latency_max_s",
            "worker_sends_per_s",
            "raw_sns_publish_per_s",
            "worker_throughput_ratio",
            "dynamodb_requests_per_notice",
        ),
    ),
)


def select(names: list[str]) -> list[Group]:
    """Groups named, or holding a figure named, in ``--only`` (all when empty)."""
    wanted = {name.strip() for value in names for name in value.split(",") if name.strip()}
    if not wanted:
        return list(GROUPS)
    chosen = [group for group in GROUPS if group.name in wanted or wanted.intersection(group.figures)]
    known = {group.name for group in GROUPS} | {figure for group in GROUPS for figure in group.figures}
    unknown = sorted(wanted - known)
    if unknown:
        raise SystemExit(f"unknown figure or group: {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (10k rows instead of 100k, fewer runs)")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this group or the group of this figure (repeatable, or comma-separated)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON results")
    args = parser.parse_args(argv)
    groups = select(args.only)

    os.chdir(ROOT)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    figures: list[Figure] = []
    errors: list[dict[str, str]] = []
    timings: dict[str, float] = {}
    with ExitStack() as stack:
        shared = Shared(stack, args.quick)
        for group in groups:
            log(f"{group.name} ...")
            group_started = time.perf_counter()
            try:
                results = group.run(shared)
            except Exception as error:
                traceback.print_exc()
                errors.append({"group": group.name, "error": f"{type(error).__name__}: {error}"})
                print(f"{group.name}: CRASHED ({type(error).__name__})", flush=True)
                continue
            finally:
                timings[group.name] = round(time.perf_counter() - group_started, 2)
            for figure in results:
                print(figure.line(), flush=True)
            figures.extend(results)
    runtime = time.perf_counter() - started
    meta = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "only": [group.name for group in groups],
        "runtime_s": round(runtime, 1),
        "group_runtime_s": timings,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    write_results(args.output, figures, meta, errors)
    missed = [figure.name for figure in figures if figure.passed is False]
    log(
        f"done in {runtime:.0f} s; {len(figures)} figures, {len(missed)} missed, {len(errors)} crashed -> {args.output}"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
