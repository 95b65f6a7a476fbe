"""The session authorizer's answer to API Gateway: the routes a live session's
roles may call (a temporary or expired password: only changing it), or an
explicit Deny."""

from __future__ import annotations

from typing import Any

from chalice.app import AuthRequest, AuthResponse, AuthRoute

from ..bootstrap import container


def deny(method_arn: str) -> dict[str, Any]:
    """An explicit Deny: an Allow with no resources is not refused everywhere. The
    context says why to API Gateway's ACCESS_DENIED response (``gateway_responses``)."""
    from .gateway_responses import denial_context

    return {
        "principalId": "anonymous",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": [method_arn]}],
        },
        "context": denial_context("session_invalid"),
    }


def authorize_request(auth_request: AuthRequest) -> AuthResponse | dict[str, Any]:
    """Checks the session (one DynamoDB write that also extends its idle timeout)."""
    from ..domain.account import allowed_routes
    from ..services.sign_in import authorize
    from .gateway_responses import denial_context

    deps = container()
    now = deps.clock()
    session = authorize(deps, auth_request.token, now)
    if session is None:
        return deny(auth_request.method_arn)
    restricted = session.is_restricted(now)
    allowed = allowed_routes(session.roles, restricted)
    routes: list[str | AuthRoute] = [AuthRoute(path, list(methods)) for path, methods in allowed.items()]
    return AuthResponse(
        routes=routes,
        principal_id=session.username,
        context={
            "roles": ",".join(session.roles),
            "session": session.token_hash,
            "restricted": str(restricted).lower(),
            "office_code": session.office_code or "",
            "province_code": session.province_code or "",
            # Why a route outside ``routes`` is refused (ACCESS_DENIED's body).
            **denial_context("password_change_required" if restricted else "forbidden"),
        },
    )
