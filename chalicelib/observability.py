"""Logging, tracing and metrics behind one module (Powertools).

X-Ray's SDK reaches end of support in February 2027; only this module knows
which tracer is behind ``tracer``. Tracing is off outside Lambda
(``AWS_XRAY_SDK_ENABLED=false`` / ``POWERTOOLS_TRACE_DISABLED=true``).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "bhxh-registration"
NAMESPACE = "BHXH/Registration"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = Tracer(service=SERVICE)


def flush_metrics() -> None:
    """Emit the EMF blob for this invocation, if anything was recorded."""
    if metrics.metric_set:
        metrics.flush_metrics()


__all__ = ["MetricUnit", "flush_metrics", "logger", "metrics", "tracer"]
