"""RFC 9457 problem details, with messages in Vietnamese or English."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Response

from ..domain.errors import DomainError, FieldError, RateLimitedError, RegistryMismatchError, ValidationError
from ..domain.messages import Lang, field_message, problem_title

PROBLEM_TYPE_BASE = "https://dichvucong.baohiemxahoi.gov.vn/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def to_json(body: Any) -> str:
    """JSON text that always encodes as UTF-8: a body that echoes a caller's lone
    surrogate (a field name, say) is written with ASCII escapes instead."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(body, ensure_ascii=True, separators=(",", ":"))
    return text


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=to_json(body),
        status_code=status,
        headers={"Content-Type": JSON_CONTENT_TYPE, **(headers or {})},
    )


def problem(
    code: str,
    status: int,
    lang: Lang,
    *,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    title = problem_title(code, lang)
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail or title,
        "code": code,
    }
    if errors:
        body["errors"] = [{"field": e.field, "code": e.code, "message": field_message(e, lang)} for e in errors]
    if extra:
        body.update(extra)
    return Response(
        body=to_json(body),
        status_code=status,
        headers={"Content-Type": PROBLEM_CONTENT_TYPE, **(headers or {})},
    )


def from_domain_error(error: DomainError, lang: Lang) -> Response:
    if isinstance(error, ValidationError):
        fields = ", ".join(sorted({e.field for e in error.errors if e.field})) or "-"
        prefix = "Please correct" if lang == "en" else "Vui lòng sửa"
        return problem(error.code, error.status, lang, detail=f"{prefix}: {fields}", errors=error.errors)
    if isinstance(error, RegistryMismatchError):
        return problem(error.code, error.status, lang, extra={"differences": error.differences})
    if isinstance(error, RateLimitedError):
        retry = str(error.retry_after)
        return problem(
            error.code, error.status, lang, headers={"Retry-After": retry}, extra={"retry_after": error.retry_after}
        )
    return problem(error.code, error.status, lang)


# Chalice's own error responses (415, 405, 400 ...), rewritten as problems.
CHALICE_CODES = {
    "UnsupportedMediaType": "unsupported_media_type",
    "MethodNotAllowedError": "method_not_allowed",
    "BadRequestError": "bad_request",
    "BadRequest": "bad_request",
    "NotFoundError": "not_found",
    "InternalServerError": "internal_error",
}
