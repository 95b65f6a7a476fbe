"""The officer's desk (roles officer and supervisor): look up at the counter,
paper Form 01, receive, approve, reject, overdue dossiers, history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..api.endpoint import Call, Routes, ViewResult
from ..bootstrap import container
from ..observability import MetricUnit, metrics

if TYPE_CHECKING:
    from ..services.officer_desk import Officer

routes = Routes(__name__)


def officer_of(call: Call) -> Officer:
    from ..services.officer_desk import Officer

    caller = call.caller()
    return Officer(caller.username, caller.roles, caller.office_code, caller.province_code)


@routes.route("/v1/declarations", methods=["GET"], signed_in=True)
def lookup(call: Call) -> ViewResult:
    """Deprecated: the ID number ends up in URLs; ``POST /v1/declarations/lookup`` replaces it."""
    from ..api.deprecation import deprecation_headers
    from ..api.endpoint import WithHeaders
    from ..services.lookup_declarations import lookup_declarations

    deps = container()
    items = lookup_declarations(deps, call.query, officer_of(call), deps.clock())
    return 200, WithHeaders({"items": items}, deprecation_headers("/v1/declarations/lookup"))


@routes.route("/v1/declarations/lookup", methods=["POST"], signed_in=True)
def lookup_by_body(call: Call) -> ViewResult:
    """Find declarations by counter code or ID number, given in the body (never in the URL)."""
    from ..services.lookup_declarations import lookup_body, lookup_declarations

    deps = container()
    return 200, {"items": lookup_declarations(deps, lookup_body(call.json()), officer_of(call), deps.clock())}


@routes.route("/v1/declarations/paper", methods=["POST"], idempotent=True, signed_in=True)
def submit_paper(call: Call) -> ViewResult:
    from ..services.lookup_declarations import summary
    from ..services.submit_paper_declaration import submit_paper_declaration

    deps = container()
    now = deps.clock()
    declaration = submit_paper_declaration(deps, call.json(), officer_of(call), now, trace_id=call.correlation_id)
    metrics.add_metric(name="PaperDeclarationsReceived", unit=MetricUnit.Count, value=1)
    return 201, summary(declaration, now)


@routes.route("/v1/declarations/{declaration_id}/receive", methods=["POST"], signed_in=True)
def receive(call: Call, declaration_id: str) -> ViewResult:
    from ..services.lookup_declarations import summary
    from ..services.receive_declaration import receive_declaration

    deps = container()
    now = deps.clock()
    received, _ = receive_declaration(
        deps, declaration_id, call.json(), officer_of(call), now, trace_id=call.correlation_id
    )
    return 200, summary(received, now)


@routes.route("/v1/declarations/{declaration_id}/approve", methods=["POST"], signed_in=True)
def approve(call: Call, declaration_id: str) -> ViewResult:
    from ..services.approve_declaration import approve_declaration
    from ..services.lookup_declarations import summary

    deps = container()
    now = deps.clock()
    approved = approve_declaration(deps, declaration_id, officer_of(call), now, trace_id=call.correlation_id)
    metrics.add_metric(name="DeclarationsApproved", unit=MetricUnit.Count, value=1)
    return 200, summary(approved, now)


@routes.route("/v1/declarations/{declaration_id}/reject", methods=["POST"], signed_in=True)
def reject(call: Call, declaration_id: str) -> ViewResult:
    from ..services.lookup_declarations import summary
    from ..services.reject_declaration import reject_declaration

    deps = container()
    now = deps.clock()
    rejected = reject_declaration(
        deps, declaration_id, call.json(), officer_of(call), now, trace_id=call.correlation_id
    )
    metrics.add_metric(name="DeclarationsRejected", unit=MetricUnit.Count, value=1)
    return 200, {**summary(rejected, now), "reasons": list(rejected.reasons), "note": rejected.note}


@routes.route("/v1/declarations/{declaration_id}/id-copy", methods=["POST"], signed_in=True)
def ask_id_copy_upload(call: Call, declaration_id: str) -> ViewResult:
    """A presigned POST for the scan of the ID document shown at the counter."""
    from ..domain.id_copy import MAX_BYTES
    from ..services.id_copy import ask_upload

    deps = container()
    upload, form = ask_upload(deps, declaration_id, call.json(), officer_of(call), deps.clock())
    return 201, {
        "upload": {"url": form.url, "fields": form.fields},
        "content_type": upload.content_type,
        "max_bytes": MAX_BYTES,
        "expires_at": upload.expires_at.isoformat(),
    }


@routes.route("/v1/declarations/{declaration_id}/id-copy/check", methods=["POST"], signed_in=True)
def check_id_copy(call: Call, declaration_id: str) -> ViewResult:
    """Check the uploaded file and record it with the dossier (no body is read)."""
    from ..services.id_copy import check_upload

    deps = container()
    copy = check_upload(deps, declaration_id, officer_of(call), deps.clock(), trace_id=call.correlation_id)
    metrics.add_metric(name="IdCopiesChecked", unit=MetricUnit.Count, value=1)
    return 200, copy.summary()


@routes.route("/v1/declarations/{declaration_id}/id-copy", signed_in=True)
def read_id_copy(call: Call, declaration_id: str) -> ViewResult:
    """A short-lived link to the copy kept with the dossier; every read is audited."""
    from ..services.id_copy import read_copy

    deps = container()
    link = read_copy(deps, declaration_id, officer_of(call), deps.clock(), trace_id=call.correlation_id)
    return 200, {"url": link.url, "expires_at": link.expires_at.isoformat(), **link.copy.summary()}


@routes.route("/v1/declarations/overdue", signed_in=True)
def overdue(call: Call) -> ViewResult:
    from ..services.lookup_declarations import summary
    from ..services.overdue_dossiers import overdue_for

    deps = container()
    now = deps.clock()
    return 200, {"items": [summary(d, now) for d in overdue_for(deps, officer_of(call), now)]}


@routes.route("/v1/declarations/{declaration_id}/history", signed_in=True)
def history(call: Call, declaration_id: str) -> ViewResult:
    from ..services.declaration_history import declaration_history

    return 200, {"items": declaration_history(container(), declaration_id, officer_of(call))}
