"""Anyone, without signing in: health, the API document, offices, Form 01 online
(office channel) and signed, and the declarant's status read."""

from __future__ import annotations

from typing import Any

from ..api.endpoint import Call, Routes, ViewResult
from ..bootstrap import container
from ..observability import MetricUnit, metrics, tracer
from .views import declaration_body

routes = Routes(__name__)

SIGNED_MAX_BODY_BYTES = 256 * 1024
XML_TYPES = ["application/xml", "text/xml"]


@routes.route("/v1/health")
def health(call: Call) -> ViewResult:
    from .. import __version__

    return 200, {"status": "ok", "version": __version__}


@routes.route("/v1/openapi.json")
def openapi(call: Call) -> ViewResult:
    from ..api.spec import load_spec

    return 200, load_spec()


@routes.route("/v1/offices")
def list_offices(call: Call) -> ViewResult:
    from ..services.list_offices import list_offices as run

    offices = run(container(), call.query.get("province"))
    return 200, {"items": [office.to_dict() for office in offices]}


@routes.route("/v1/declarations", methods=["POST"], idempotent=True)
@tracer.capture_method
def submit_declaration(call: Call) -> ViewResult:
    from ..services.submit_office_declaration import submit_office_declaration

    deps = container()
    now = deps.clock()
    submitted = submit_office_declaration(deps, call.json(), now, trace_id=call.correlation_id)
    metrics.add_metric(name="DeclarationsSubmitted", unit=MetricUnit.Count, value=1)
    body = declaration_body(submitted.declaration, now)
    body["office"] = submitted.office.to_dict()
    return 201, body


ID_NUMBER_HEADER = "x-id-number"


@routes.route("/v1/declarations/{declaration_id}")
def declaration_status(call: Call, declaration_id: str) -> ViewResult:
    """The declarant gives their ID number in ``X-Id-Number``; the query form
    (``?id_number=``) puts it in URLs and logs, and is deprecated."""
    from ..api.deprecation import deprecation_headers
    from ..api.endpoint import WithHeaders
    from ..services.get_declaration_status import get_declaration_status

    deps = container()
    now = deps.clock()
    id_number = call.headers.get(ID_NUMBER_HEADER)
    deprecated = id_number is None and "id_number" in call.query
    if deprecated:
        id_number = call.query.get("id_number")
    declaration = get_declaration_status(deps, declaration_id, id_number, now)
    body = declaration_body(declaration, now)
    if deprecated:
        return 200, WithHeaders(body, deprecation_headers(f"/v1/declarations/{declaration.id}"))
    return 200, body


@routes.route("/v1/declarations/{declaration_id}/form01.pdf")
def form01_pdf(call: Call, declaration_id: str) -> ViewResult:
    """Form 01 to print and sign: for the declarant (their ID number in ``X-Id-Number``, or
    ``?id_number=`` for a plain link), or for an officer (``Authorization: Bearer``)."""
    from ..api.endpoint import Download
    from ..services.printable_form import printable_form01

    deps = container()
    id_number = call.headers.get(ID_NUMBER_HEADER) or call.query.get("id_number")
    rendered = printable_form01(
        deps, declaration_id, id_number=id_number, authorization=call.headers.get("authorization"), now=deps.clock()
    )
    return 200, Download(rendered.content, "application/pdf", rendered.filename, inline=True)


@routes.route(
    "/v1/declarations/signed",
    methods=["POST"],
    idempotent=True,
    content_types=XML_TYPES,
    max_body_bytes=SIGNED_MAX_BODY_BYTES,
)
@tracer.capture_method
def submit_signed(call: Call) -> ViewResult:
    """Form 01 signed with a personal digital certificate, decided in the request."""
    from ..services.submit_signed_declaration import submit_signed_declaration

    deps = container()
    now = deps.clock()
    outcome = submit_signed_declaration(deps, call.raw_body, now, trace_id=call.correlation_id)
    declaration = outcome.declaration
    # A replay answers the first decision again, and counts as a replay only.
    outcome_name = "Replayed" if outcome.replayed else declaration.status.capitalize()
    metrics.add_metric(name=f"SignedDeclarations{outcome_name}", unit=MetricUnit.Count, value=1)
    return 201, {
        **declaration_body(declaration, now),
        "decided_at": declaration.decided_at.isoformat() if declaration.decided_at else None,
        "reasons": list(declaration.reasons),
        "differences": list(outcome.differences),
    }


@routes.raw_route("/v1/form01.xsd", methods=["GET"])
def form01_schema() -> Any:
    """The XML Schema of a signed Form 01 (chalicelib/schemas/form01.xsd)."""
    from pathlib import Path

    from chalice.app import Response

    schema = (Path(__file__).resolve().parent.parent / "schemas" / "form01.xsd").read_text(encoding="utf-8")
    return Response(
        body=schema,
        status_code=200,
        headers={"Content-Type": "application/xml; charset=utf-8", "Cache-Control": "public, max-age=3600"},
    )
