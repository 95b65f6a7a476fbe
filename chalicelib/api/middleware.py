"""HTTP middleware: what Chalice answers itself gets the service's problem shape."""

from __future__ import annotations

from typing import Any

from ..domain.messages import pick_lang
from ..observability import flush_metrics
from .endpoint import correlation_id
from .problems import CHALICE_CODES, PROBLEM_CONTENT_TYPE, problem


def problems_for_chalice_errors(event: Any, get_response: Any) -> Any:
    """Chalice answers some requests itself (415, 405); give those the same
    problem+json shape as ours, and flush metrics after every request."""
    response = get_response(event)
    try:
        content_type = response.headers.get("Content-Type", "")
        if response.status_code >= 400 and not content_type.startswith("application/problem+json"):
            body = response.body if isinstance(response.body, dict) else {}
            code = CHALICE_CODES.get(str(body.get("Code", "")), "bad_request")
            if response.status_code >= 500:
                code = "internal_error"
            lang = pick_lang(event.headers.get("accept-language"))
            headers = {
                **dict(response.headers),
                "Content-Type": PROBLEM_CONTENT_TYPE,
                "Content-Language": lang,
                "X-Correlation-Id": correlation_id(event),
            }
            response = problem(code, response.status_code, lang, headers=headers)
    finally:
        flush_metrics()
    return response
