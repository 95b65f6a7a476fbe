"""Logging, tracing and metrics behind one module (Powertools).

X-Ray's SDK reaches end of support in February 2027; only this module knows
which tracer is behind ``tracer``. Tracing is off outside Lambda
(``AWS_XRAY_SDK_ENABLED=false`` / ``POWERTOOLS_TRACE_DISABLED=true``).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "bhxh-registration"
NAMESPACE = "BHXH/Registration"


class _WithoutExceptionText(logging.Filter):
    """Powertools' tracer logs a traced method's exception with its message and traceback, and an
    exception's message may quote personal data; the service logs its errors itself (type and
    frames only, chalicelib/api/endpoint.py), so the tracer's line keeps only its own text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


class _Tracer(Tracer):
    """Traced methods never copy an exception (its message) into the trace's metadata."""

    def capture_method(
        self, method: Any = None, capture_response: bool | None = None, capture_error: bool | None = False
    ) -> Any:
        return super().capture_method(method, capture_response=capture_response, capture_error=capture_error)


logging.getLogger("aws_lambda_powertools.tracing.tracer").addFilter(_WithoutExceptionText())
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = _Tracer(service=SERVICE)


_flushing = threading.Lock()


def flush_metrics() -> None:
    """Emit the EMF blob for this invocation, if anything was recorded. Lambda runs one invocation
    at a time per process; the local stack and the tests run handlers on threads that share the
    one ``metrics`` object, so a flush is one at a time and an empty set (flushed by another
    thread meanwhile) is not an error."""
    with _flushing:
        if metrics.metric_set:
            metrics.flush_metrics(raise_on_empty_metrics=False)


__all__ = ["MetricUnit", "flush_metrics", "logger", "metrics", "tracer"]
