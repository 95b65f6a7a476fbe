"""Process environment for the emulators, set and restored around a block."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

# The same environment as the tests' in-process moto (tests/conftest.py).
IN_PROCESS_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_REGION": "ap-southeast-1",
    "AWS_XRAY_SDK_ENABLED": "false",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "BHXH/Registration",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "BHXH_STAGE": "bench",
}


@contextmanager
def patched_env(values: dict[str, str], remove: tuple[str, ...] = ()) -> Iterator[None]:
    saved = dict(os.environ)
    for key in remove:
        os.environ.pop(key, None)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
