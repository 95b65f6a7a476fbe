"""Accounts and sign-in: login, password change, logout, recovery by SMS code,
the caller's own account, and an officer's reissue of a temporary password."""

from __future__ import annotations

from ..api.endpoint import Call, Routes, ViewResult
from ..bootstrap import container
from ..observability import MetricUnit, metrics

routes = Routes(__name__)


@routes.route("/v1/auth/login", methods=["POST"])
def sign_in(call: Call) -> ViewResult:
    from ..services.sign_in import login, parse_credentials

    deps = container()
    username, password = parse_credentials(call.json())
    signed_in = login(deps, username, password, deps.clock())
    metrics.add_metric(name="SignIns", unit=MetricUnit.Count, value=1)
    return 200, {
        "token": signed_in.token,
        "expires_at": signed_in.session.absolute_expires_at.isoformat(),
        "idle_expires_at": signed_in.session.idle_expires_at.isoformat(),
        "password_change_required": signed_in.password_change_required,
        "password_expires_at": signed_in.account.password_expires_at.isoformat(),  # a password was checked
    }


@routes.route("/v1/auth/password", methods=["POST"], signed_in=True)
def change_own_password(call: Call) -> ViewResult:
    from ..services.change_password import change_password

    deps = container()
    caller = call.caller()
    change_password(deps, caller.username, caller.session, call.json(), deps.clock())
    return 204, None


@routes.route("/v1/auth/logout", methods=["POST"], signed_in=True)
def sign_out(call: Call) -> ViewResult:
    from ..services.sign_in import logout

    logout(container(), call.caller().session)
    return 204, None


@routes.route("/v1/auth/recovery", methods=["POST"])
def start_recovery(call: Call) -> ViewResult:
    from ..services.recover_account import request_recovery

    deps = container()
    request_recovery(deps, call.json(), deps.clock())
    return 202, None


@routes.route("/v1/auth/recovery/confirm", methods=["POST"])
def finish_recovery(call: Call) -> ViewResult:
    from ..services.recover_account import confirm_recovery

    deps = container()
    confirm_recovery(deps, call.json(), deps.clock())
    return 204, None


@routes.route("/v1/auth/vneid/start", methods=["POST"])
def vneid_start(call: Call) -> ViewResult:
    from ..services.vneid_sign_in import start_vneid

    deps = container()
    started = start_vneid(deps, call.json(), deps.clock())
    return 200, {"authorization_url": started.authorization_url, "expires_at": started.expires_at.isoformat()}


@routes.route("/v1/auth/vneid/callback", methods=["POST"])
def vneid_callback(call: Call) -> ViewResult:
    from ..services.sign_in import SignedIn
    from ..services.vneid_sign_in import complete_vneid

    deps = container()
    outcome = complete_vneid(deps, call.json(), deps.clock(), trace_id=call.correlation_id)
    if isinstance(outcome, SignedIn):
        metrics.add_metric(name="SignIns", unit=MetricUnit.Count, value=1)
        return 200, {
            "outcome": "signed_in",
            "token": outcome.token,
            "expires_at": outcome.session.absolute_expires_at.isoformat(),
            "idle_expires_at": outcome.session.idle_expires_at.isoformat(),
            "username": outcome.account.username,
        }
    metrics.add_metric(name=f"VneidRegistrations_{outcome.status}", unit=MetricUnit.Count, value=1)
    body: dict[str, object] = {"outcome": outcome.status, "reasons": list(outcome.reasons)}
    if outcome.declaration is not None:
        body["declaration_id"] = outcome.declaration.id
        body["code"] = outcome.declaration.code
    if outcome.differences:
        body["differences"] = list(outcome.differences)
    if outcome.username is not None:
        body["username"] = outcome.username
    return (201 if outcome.status == "approved" else 200), body


@routes.route("/v1/me", signed_in=True)
def me(call: Call) -> ViewResult:
    from ..services.get_me import get_me

    deps = container()
    return 200, get_me(deps, call.caller().username, deps.clock())


@routes.route("/v1/accounts/{username}/reissue", methods=["POST"], signed_in=True)
def reissue(call: Call, username: str) -> ViewResult:
    from ..services.reissue_password import reissue_password
    from .desk import officer_of

    deps = container()
    reissue_password(deps, username, call.json(), officer_of(call), deps.clock(), trace_id=call.correlation_id)
    return 202, None
