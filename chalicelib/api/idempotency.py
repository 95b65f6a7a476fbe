"""``Idempotency-Key`` on writes, with Powertools' idempotency utility.

The key is scoped by method and path; the request body is the payload that
must match. A repeated key with the same body returns the first response; a
different body is ``idempotency_key_reused`` (409); a first request still
running is ``idempotency_in_progress`` (409). Failures (4xx) are not stored,
so a corrected request may reuse its key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from ..domain.errors import (
    IdempotencyInProgressError,
    IdempotencyKeyReusedError,
    InvalidIdempotencyKeyError,
)

EXPIRES_AFTER_SECONDS = 24 * 3600
MAX_KEY = 128


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY or not all(33 <= ord(ch) < 127 for ch in key):
        raise InvalidIdempotencyKeyError()
    return key


def run_idempotent(
    *,
    table_name: str,
    client: Any,
    scope: str,
    key: str,
    raw_body: bytes,
    handler: Callable[[], dict[str, Any]],
    lambda_context: Any = None,
) -> dict[str, Any]:
    """Run ``handler`` once per (scope, key); its result must be JSON-serialisable."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="body_sha256",
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
        raise_on_no_idempotency_key=True,
    )

    if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
        config.register_lambda_context(lambda_context)

    def run(request: dict[str, Any]) -> dict[str, Any]:
        return handler()

    request = {"key": f"{scope}#{key}", "body_sha256": hashlib.sha256(raw_body).hexdigest()}
    wrapped = idempotent_function(
        run, data_keyword_argument="request", persistence_store=persistence, config=config, key_prefix="http"
    )
    try:
        return dict(wrapped(request=request))
    except IdempotencyValidationError as error:
        raise IdempotencyKeyReusedError() from error
    except IdempotencyAlreadyInProgressError as error:
        raise IdempotencyInProgressError() from error
