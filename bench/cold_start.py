"""Cold start: wall time of ``import app`` in fresh interpreters, against a bare
Chalice + boto3 app measured in the same run (alternating, so noise hits both)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from typing import Any

from .report import ROOT, Figure, Target, log

RUNS = 5
TARGET = Target("<=", 1.3)

# Timed inside the child, around the import only (interpreter start-up excluded).
CHILD = """\
import time
t0 = time.perf_counter()
import {module}
print(f"{{(time.perf_counter() - t0) * 1000:.4f}}")
"""

LAMBDA_ENV = {
    "LAMBDA_TASK_ROOT": str(ROOT),
    "AWS_XRAY_SDK_ENABLED": "false",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_REGION": "ap-southeast-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "PYTHONPROFILEIMPORTTIME"):
        env.pop(key, None)
    env.update(LAMBDA_ENV)
    return env


def import_ms(module: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(module=module)],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"import {module} failed:\n{done.stderr[-2000:]}")
    return float(done.stdout.strip().splitlines()[-1])


def top_imports(count: int = 10) -> list[dict[str, Any]]:
    """``python -X importtime -c "import app"``: the imports with the largest cumulative time."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import app"],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows: list[dict[str, Any]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, name = line[len("import time:") :].split("|", 2)
        rows.append({"module": name.rstrip(), "self_us": int(_self), "cumulative_us": int(cumulative)})
    rows.sort(key=lambda row: row["cumulative_us"], reverse=True)
    return rows[:count]


def run(quick: bool) -> list[Figure]:
    runs = 3 if quick else RUNS
    # One discarded import each: writes the .pyc files and warms the file cache.
    import_ms("app")
    import_ms("bench.baseline_app")
    ours: list[float] = []
    base: list[float] = []
    for index in range(runs):
        order = [("app", ours), ("bench.baseline_app", base)]
        if index % 2:
            order.reverse()
        for module, samples in order:
            samples.append(import_ms(module))
    app_ms = statistics.median(ours)
    base_ms = statistics.median(base)
    ratio = Figure(
        "cold_start_ratio",
        app_ms / base_ms,
        "x",
        target=TARGET,
        details={"runs": runs, "app_ms": ours, "baseline_ms": base},
    )
    if ratio.passed is False:
        log("cold start missed its target; python -X importtime -c 'import app', top 10 cumulative:")
        top = top_imports()
        for row in top:
            log(f"  {row['cumulative_us'] / 1000:8.1f} ms  {row['module']}")
        ratio.details["importtime_top10"] = top
    return [
        ratio,
        Figure("cold_start_app_ms", app_ms, "ms", decimals=1, details={"samples": ours}),
        Figure("cold_start_baseline_ms", base_ms, "ms", decimals=1, details={"samples": base}),
    ]
