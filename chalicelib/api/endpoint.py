"""One wrapper for every HTTP view: language, body limits and JSON parsing,
``Idempotency-Key``, correlation id, and the mapping of domain errors to
problems. Views receive a ``Call`` and return ``(status, body)``."""

from __future__ import annotations

import functools
import json
import re
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalice.app import Blueprint, Chalice, ChaliceAuthorizer, Response

from ..bootstrap import container
from ..domain.errors import (
    BodyTooLargeError,
    ConcurrentChangeError,
    ConflictError,
    DomainError,
    MalformedJsonError,
    ServiceBusyError,
    UnauthenticatedError,
)
from ..domain.messages import Lang, pick_lang
from ..observability import logger
from .problems import from_domain_error, json_response, problem

ViewResult = tuple[int, Any]


@dataclass(frozen=True)
class Download:
    """A view's body that is not JSON (a CSV report, a PDF): sent as it is. Bytes go out
    as a binary type of the app's (``app.api.binary_types``)."""

    text: str | bytes
    content_type: str
    filename: str | None = None
    inline: bool = False  # shown by the browser (a PDF) rather than saved

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": self.content_type, "Cache-Control": "no-store"}
        if self.filename:
            disposition = "inline" if self.inline else "attachment"
            headers["Content-Disposition"] = f'{disposition}; filename="{self.filename}"'
        return headers


@dataclass(frozen=True)
class WithHeaders:
    """A view's JSON body sent with response headers of its own (a deprecation notice)."""

    body: Any
    headers: dict[str, str]


@dataclass(frozen=True)
class Principal:
    """Who called, as the authorizer vouched (API Gateway passes its context)."""

    username: str
    roles: tuple[str, ...]
    session: str
    office_code: str | None
    province_code: str | None

    @classmethod
    def from_context(cls, context: dict[str, Any] | None) -> Principal | None:
        if not context or not context.get("principalId") or not context.get("session"):
            return None
        return cls(
            username=str(context["principalId"]),
            roles=tuple(r for r in str(context.get("roles", "")).split(",") if r),
            session=str(context["session"]),
            office_code=str(context["office_code"]) if context.get("office_code") else None,
            province_code=str(context["province_code"]) if context.get("province_code") else None,
        )


@dataclass
class Call:
    """What a view needs from the request, already checked."""

    lang: Lang
    query: dict[str, str]
    headers: Any
    raw_body: bytes
    correlation_id: str
    principal: Principal | None = None
    _json: Any = None

    def caller(self) -> Principal:
        """The signed-in caller; the authorizer guarantees one on protected routes."""
        if self.principal is None:
            raise UnauthenticatedError()
        return self.principal

    def json(self) -> Any:
        if self._json is None:
            if not self.raw_body.strip():
                raise MalformedJsonError("empty body")
            try:
                self._json = json.loads(self.raw_body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError) as error:
                raise MalformedJsonError(type(error).__name__) from error
        return self._json


CORRELATION_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def correlation_id(request: Any) -> str:
    given = request.headers.get("x-correlation-id", "")
    if CORRELATION_ID.fullmatch(given):  # else ignored and replaced, as openapi.json says
        return str(given)
    context = getattr(request, "context", None) or {}
    return str(context.get("requestId") or uuid.uuid4())


class Api:
    """Registers views on a Chalice app or blueprint through the common wrapper."""

    def __init__(self, app: Chalice | Blueprint) -> None:
        self._app = app

    def route(
        self,
        path: str,
        *,
        methods: list[str] | None = None,
        idempotent: bool = False,
        content_types: list[str] | None = None,
        max_body_bytes: int | None = None,
        **route_kwargs: Any,
    ) -> Callable[[Callable[..., ViewResult]], Callable[..., Response]]:
        """``max_body_bytes``: this route's body limit, instead of ``BHXH_MAX_BODY_BYTES``."""

        def register(view: Callable[..., ViewResult]) -> Callable[..., Response]:
            @functools.wraps(view)
            def handle(**path_params: str) -> Response:
                return self._handle(
                    view, path_params, idempotent=idempotent, scope=f"{methods}:{path}", max_body_bytes=max_body_bytes
                )

            verbs = methods or ["GET"]
            # A body is only read on writes; reads accept any Content-Type.
            default_types = ["application/json"] if set(verbs) - {"GET", "HEAD"} else ["*/*"]
            self._app.route(
                path,
                methods=verbs,
                content_types=content_types or default_types,
                **route_kwargs,
            )(handle)
            return handle

        return register

    def _handle(
        self,
        view: Callable[..., ViewResult],
        path_params: dict[str, str],
        *,
        idempotent: bool,
        scope: str,
        max_body_bytes: int | None = None,
    ) -> Response:
        request = self._app.current_request
        assert request is not None
        lang = pick_lang(request.headers.get("accept-language"))
        request_id = correlation_id(request)
        logger.set_correlation_id(request_id)
        headers = {"X-Correlation-Id": request_id, "Content-Language": lang}
        try:
            raw = request.raw_body or b""
            raw_body = raw.encode("utf-8") if isinstance(raw, str) else raw
            settings = container().settings
            if len(raw_body) > (max_body_bytes or settings.max_body_bytes):
                raise BodyTooLargeError()
            principal = Principal.from_context((request.context or {}).get("authorizer"))
            call = Call(lang, dict(request.query_params or {}), request.headers, raw_body, request_id, principal)

            def run() -> dict[str, Any]:
                status, body = view(call, **path_params)
                return {"status": status, "body": body}

            key = request.headers.get("idempotency-key")
            if idempotent and key is not None:
                from .idempotency import check_key, run_idempotent

                outcome = run_idempotent(
                    table_name=settings.idempotency_table,
                    client=container().dynamodb,
                    # A key belongs to its caller: two officers never share a stored answer.
                    scope=f"{scope}#{principal.username if principal else 'anonymous'}",
                    key=check_key(key),
                    raw_body=raw_body,
                    handler=run,
                    lambda_context=self._app.lambda_context,
                )
            else:
                outcome = run()
        except DomainError as error:
            logger.info("request refused", extra={"problem": error.code, "status": error.status})
            response = from_domain_error(error, lang)
            response.headers.update(headers)
            return response
        except ServiceBusyError as busy:
            # Nothing was written: the same request may come again (DESIGN §3: the one non-defect 5xx).
            logger.warning("request refused", extra={"problem": busy.code, "status": busy.status})
            retry = {"Retry-After": str(busy.retry_after_seconds)}
            return problem(busy.code, busy.status, lang, headers={**headers, **retry})
        except ConcurrentChangeError:
            # A use case that lost a race without explaining it: nothing was written, and
            # the caller learns so (409 conflict: read again, then decide), never a 500.
            logger.info("request refused", extra={"problem": ConflictError.code, "status": ConflictError.status})
            response = from_domain_error(ConflictError(), lang)
            response.headers.update(headers)
            return response
        except Exception as error:
            # Frames only: an exception's message may quote personal data.
            logger.error(
                "unhandled error",
                extra={
                    "error_type": type(error).__name__,
                    # Where, not what: a frame's source line may quote data too (a test's, or a literal).
                    "frames": [
                        f"{_where(f.filename)}:{f.lineno} {f.name}" for f in traceback.extract_tb(error.__traceback__)
                    ],
                },
            )
            return problem("internal_error", 500, lang, headers=headers)
        if isinstance(outcome["body"], Download):
            download = outcome["body"]
            return Response(
                body=download.text, status_code=outcome["status"], headers={**headers, **download.headers()}
            )
        if isinstance(outcome["body"], WithHeaders):
            extra = outcome["body"]
            return json_response(extra.body, outcome["status"], {**headers, **extra.headers})
        if outcome["status"] in (202, 204) and outcome["body"] is None:
            return Response(body="", status_code=outcome["status"], headers=dict(headers))
        return json_response(outcome["body"], outcome["status"], headers)


@dataclass(frozen=True)
class _RouteSpec:
    path: str
    view: Callable[..., Any]
    signed_in: bool
    raw: bool
    options: dict[str, Any]


class Routes:
    """One area's HTTP routes (citizen, desk, auth, reports), declared with
    decorators where the views are, and bound into a Chalice blueprint by
    ``app.py``, which owns the session authorizer (a Lambda function of its own,
    ``app.session_authorizer``) and hands it in: an area never imports the app."""

    def __init__(self, import_name: str) -> None:
        self._import_name = import_name
        self._specs: list[_RouteSpec] = []

    def route(
        self, path: str, *, signed_in: bool = False, **options: Any
    ) -> Callable[[Callable[..., ViewResult]], Callable[..., ViewResult]]:
        """A view through the common wrapper (``Api.route``'s options); ``signed_in``
        puts it behind the session authorizer."""

        def declare(view: Callable[..., ViewResult]) -> Callable[..., ViewResult]:
            self._specs.append(_RouteSpec(path, view, signed_in, False, options))
            return view

        return declare

    def raw_route(self, path: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """A plain Chalice view that builds its own ``Response`` (a static document)."""

        def declare(view: Callable[..., Any]) -> Callable[..., Any]:
            self._specs.append(_RouteSpec(path, view, False, True, options))
            return view

        return declare

    def blueprint(self, authorizer: ChaliceAuthorizer) -> Blueprint:
        blueprint = Blueprint(self._import_name)
        api = Api(blueprint)
        for spec in self._specs:
            if spec.raw:
                blueprint.route(spec.path, **spec.options)(spec.view)
                continue
            options = {**spec.options, **({"authorizer": authorizer} if spec.signed_in else {})}
            api.route(spec.path, **options)(spec.view)
        return blueprint


_ROOT = str(Path(__file__).resolve().parents[2]) + "/"


def _where(filename: str) -> str:
    """A frame's file without the machine's directories (``/var/task/``, a checkout's path, which
    may hold a random name that looks like data): from the project, or from site-packages."""
    if filename.startswith(_ROOT):
        return filename.removeprefix(_ROOT)
    _, found, inside = filename.partition("site-packages/")
    return inside if found else filename.rsplit("/", 1)[-1]
