"""API Gateway as deployed, locally: the same problem answers for what it refuses.

``chalice local`` and ``chalice.test.Client`` emulate API Gateway with
``chalice.local.LocalGateway``, which answers refusals with API Gateway's
*default* bodies (``{"message": "Unauthorized"}``), and the HTTP server answers a
method it has no handler for (``TRACE``) with a 501 HTML page. The deployed API
replaces those bodies with gateway responses (``infra/``, from
``chalicelib/api/gateway_responses.py``); :class:`ProblemGateway` answers the same
ones, so local runs and tests see what callers of the deployed API see.

A method a path does not have is ``405 method_not_allowed`` with ``Allow``, as
the deployed API's mock ANY methods answer it (``swagger_method_not_allowed``).
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    ForbiddenError,
    InvalidAuthorizerError,
    LambdaContext,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    LocalGatewayAuthorizer,
    NotAuthorizedError,
    RouteMatcher,
)

from chalicelib.api.gateway_responses import (
    ANSWERS_BY_TYPE,
    EDGE_CODE_STATUSES,
    GATEWAY_LANGUAGE,
    GATEWAY_MAX_BODY_BYTES,
    allow_header,
    problem_body,
    render,
)
from chalicelib.api.problems import PROBLEM_CONTENT_TYPE

# What a Lambda authorizer raises to make API Gateway answer 401 (UNAUTHORIZED).
UNAUTHORIZED_MESSAGE = "Unauthorized"


class AuthorizerFailedError(Exception):
    """The authorizer function raised: API Gateway answers AUTHORIZER_FAILURE (500)."""


class RecordingAuthorizer(LocalGatewayAuthorizer):
    """Chalice's local authorizer, remembering the context of its last refusal
    (ACCESS_DENIED's body reads it) and turning an exception into what API
    Gateway answers for it."""

    def __init__(self, app_object: Chalice) -> None:
        super().__init__(app_object)
        self.last_context: dict[str, Any] = {}

    def authorize(self, raw_path: str, lambda_event: Any, lambda_context: LambdaContext) -> Any:
        self.last_context = {}
        try:
            return super().authorize(raw_path, lambda_event, lambda_context)
        except (ForbiddenError, NotAuthorizedError, InvalidAuthorizerError):
            raise
        except Exception as error:
            if str(error) == UNAUTHORIZED_MESSAGE:
                raise NotAuthorizedError({}, None) from error
            raise AuthorizerFailedError(type(error).__name__) from error

    def _check_can_invoke_view_function(self, arn: str, auth_result: Any) -> bool:
        self.last_context = dict(auth_result.get("context") or {})
        return bool(super()._check_can_invoke_view_function(arn, auth_result))


class ProblemGateway(LocalGateway):
    """``LocalGateway`` answering refusals with the deployed gateway responses."""

    def __init__(self, app_object: Chalice, config: Config) -> None:
        super().__init__(app_object, config)
        self._authorizer: RecordingAuthorizer = RecordingAuthorizer(app_object)
        self._routes = RouteMatcher(list(app_object.routes))

    def handle_request(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        if body is not None and len(body) > GATEWAY_MAX_BODY_BYTES:
            return self.answer("REQUEST_TOO_LARGE")
        try:
            route = self._routes.match_route(path).route
        except ValueError:
            return self.answer("MISSING_AUTHENTICATION_TOKEN")
        methods = set(self._app_object.routes[route])
        if method not in methods and method != "OPTIONS":
            return self.problem("method_not_allowed", {"Allow": allow_header(methods)})
        try:
            return super().handle_request(method, path, headers, body)
        except NotAuthorizedError:
            return self.answer("UNAUTHORIZED")
        except ForbiddenError as error:
            if error.headers.get("x-amzn-ErrorType") == "AccessDeniedException":
                return self.answer("ACCESS_DENIED", self._authorizer.last_context)
            return self.answer("MISSING_AUTHENTICATION_TOKEN")
        except InvalidAuthorizerError:
            return self.answer("AUTHORIZER_CONFIGURATION_ERROR")
        except AuthorizerFailedError:
            return self.answer("AUTHORIZER_FAILURE")

    def answer(self, response_type: str, context: dict[str, Any] | None = None) -> dict[str, Any]:
        gateway_answer = ANSWERS_BY_TYPE[response_type]
        return self._response(gateway_answer.status, render(gateway_answer, context), {})

    def problem(self, code: str, headers: dict[str, str]) -> dict[str, Any]:
        status = EDGE_CODE_STATUSES[code]
        return self._response(status, problem_body(code, status), headers)

    def _response(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        cors = self._app_object.api.cors
        origin = cors.allow_origin if cors and not isinstance(cors, bool) else os.environ.get("BHXH_CORS_ORIGIN", "*")
        return {
            "statusCode": status,
            "headers": {
                "Content-Type": PROBLEM_CONTENT_TYPE,
                "Content-Language": GATEWAY_LANGUAGE,
                "X-Correlation-Id": str(uuid.uuid4()),
                "Cache-Control": "no-store",
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Expose-Headers": "X-Correlation-Id,Content-Language",
                **headers,
            },
            "multiValueHeaders": {},
            "body": json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            "isBase64Encoded": False,
        }


class ProblemRequestHandler(ChaliceRequestHandler):
    """Chalice's HTTP handler with :class:`ProblemGateway`, for every method
    (``TRACE`` included), and problem answers for requests it cannot parse."""

    def __init__(self, request: Any, client_address: Any, server: Any, app_object: Chalice, config: Config) -> None:
        self.problem_gateway = ProblemGateway(app_object, config)
        super().__init__(request, client_address, server, app_object, config)

    def __getattr__(self, name: str) -> Any:
        # BaseHTTPRequestHandler looks up ``do_<METHOD>``; any method reaches the gateway (405 if unknown).
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    def _generic_handle(self) -> None:
        self.local_gateway = self.problem_gateway
        try:
            length = int(self.headers.get("content-length") or "0")
        except ValueError:
            self.send_error(400)
            return
        if length > GATEWAY_MAX_BODY_BYTES:
            # Not read: API Gateway refuses it before the service runs.
            self.close_connection = True
            response = self.problem_gateway.answer("REQUEST_TOO_LARGE")
            self._send_http_response(response["statusCode"], dict(response["headers"]), response["body"])
            return
        super()._generic_handle()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A request line or headers the server cannot parse: a problem, not an HTML page."""
        status, problem_code = (400, "bad_request") if code < 500 else (500, "internal_error")
        body = json.dumps(problem_body(problem_code, status), ensure_ascii=False).encode("utf-8")
        self.send_response(status, message)
        self.send_header("Content-Type", PROBLEM_CONTENT_TYPE)
        self.send_header("Content-Language", GATEWAY_LANGUAGE)
        self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def create_server(factory: Any, host: str, port: int, stage: str) -> LocalDevServer:
    """``chalice local``'s server (chalice.cli.create_local_server) with :class:`ProblemRequestHandler`."""
    from chalice.deploy.validate import validate_routes

    config = factory.create_config_obj(chalice_stage_name=stage)
    app_obj = config.chalice_app
    validate_routes(app_obj.routes)
    CustomLocalChalice.__bases__ = (LocalChalice, app_obj.__class__)
    app_obj.__class__ = CustomLocalChalice
    return LocalDevServer(app_obj, config, host, port, handler_cls=ProblemRequestHandler)
