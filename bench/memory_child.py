"""Child process of the memory figures: one import, traced by tracemalloc.

Run in its own interpreter so that the moto server (in the parent) and the
items it stores are not traced. Prints one JSON line."""

from __future__ import annotations

import argparse
import gc
import json
import resource
import time
import tracemalloc
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("csv", type=Path)
    parser.add_argument("--warm-up", type=Path, required=True)
    args = parser.parse_args()

    from chalicelib.bootstrap import container
    from chalicelib.services.import_participants import import_participants, read_rows

    registry = container().registry
    # Builds the DynamoDB client and loads the phone-number metadata, so the
    # traced peak is the import's working set, not one-off set-up.
    with args.warm_up.open(encoding="utf-8", newline="") as stream:
        import_participants(registry, read_rows(stream))
    gc.collect()

    tracemalloc.start()
    started = time.perf_counter()
    with args.csv.open(encoding="utf-8", newline="") as stream:
        report = import_participants(registry, read_rows(stream))
    seconds = time.perf_counter() - started
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "read": report.read,
                "written": report.written,
                "rejected": report.rejected,
                "peak_bytes": peak,
                "end_bytes": current,
                "seconds": seconds,
                "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


if __name__ == "__main__":
    main()
