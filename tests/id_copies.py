"""The scan of an ID document shown at the counter, as tests at every level attach it:
through the use cases (fakes or moto) or over HTTP (the API, then a POST of the
presigned form straight to S3, then the check)."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from typing import Any

from chalicelib.domain.id_copy import JPEG, PDF, PNG, IdCopy


@cache
def image_bytes(kind: str = "JPEG", size: tuple[int, int] = (48, 32)) -> bytes:
    """A real, small image (Pillow), the same bytes on every call."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(buffer, kind)
    return buffer.getvalue()


def jpeg() -> bytes:
    return image_bytes("JPEG")


def png() -> bytes:
    return image_bytes("PNG")


PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXTENSION = {JPEG: "jpg", PNG: "png", PDF: "pdf"}


def post_presigned(upload: dict[str, Any], body: bytes, filename: str = "scan.jpg", content_type: str = JPEG) -> int:
    """What the officer's browser does with ``{"url", "fields"}``: a multipart POST, the file last."""
    import requests

    response = requests.post(
        upload["url"], data=upload["fields"], files={"file": (filename, body, content_type)}, timeout=30
    )
    return response.status_code


def attach_copy(
    deps: Any, declaration_id: str, officer: Any, body: bytes | None = None, declared: str = JPEG
) -> IdCopy:
    """Ask for an upload, upload ``body`` (a JPEG by default) and check it, through the use cases."""
    from chalicelib.services.id_copy import ask_upload, check_upload
    from tests.fakes import FakeIdCopyStorage

    content = jpeg() if body is None else body
    upload, form = ask_upload(deps, declaration_id, {"content_type": declared}, officer, deps.clock())
    if isinstance(deps.id_copies, FakeIdCopyStorage):
        deps.id_copies.put(upload.key, content, declared, deps.clock())
    else:
        assert post_presigned({"url": form.url, "fields": form.fields}, content, content_type=declared) < 300
    return check_upload(deps, declaration_id, officer, deps.clock())


Request = Callable[[str, str, Any], tuple[int, Any]]  # (method, path, JSON body) -> (status, JSON answer)


def attach_over_http(
    request: Request, declaration_id: str, body: bytes | None = None, declared: str = JPEG, sent_as: str | None = None
) -> tuple[int, Any]:
    """The desk's three steps over HTTP; the check's (status, answer)."""
    status, answer = request("POST", f"/v1/declarations/{declaration_id}/id-copy", {"content_type": declared})
    assert status == 201, answer
    content = jpeg() if body is None else body
    kind = sent_as or declared
    assert post_presigned(answer["upload"], content, f"scan.{EXTENSION.get(kind, 'bin')}", kind) < 300
    return request("POST", f"/v1/declarations/{declaration_id}/id-copy/check", None)


def via_chalice(client: Any, token: str) -> Request:
    """``Request`` through chalice.test.Client, signed in with ``token``."""
    import json

    def request(method: str, path: str, body: Any) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        response = client.http.request(
            method, path, headers=headers, body=json.dumps(body) if body is not None else b""
        )
        return response.status_code, json.loads(response.body) if response.body else None

    return request


def via_http(api: str, headers: dict[str, str]) -> Request:
    """``Request`` to a served API (the local stack), with the officer's ``Authorization`` in ``headers``."""
    import requests

    def request(method: str, path: str, body: Any) -> tuple[int, Any]:
        response = requests.request(method, f"{api}{path}", json=body, headers=headers, timeout=30)
        return response.status_code, response.json() if response.content else None

    return request


def keep_copy(request: Request, declaration_id: str) -> None:
    """Attach and check a JPEG copy (what the officer does before approving)."""
    status, answer = attach_over_http(request, declaration_id)
    assert status == 200, answer


def recorded_copy(declaration_id: str, officer: str = "0100000001", office: str = "BHXH-01") -> None:
    """A checked copy written straight onto a stored declaration (DynamoDB), for tests about
    something else (the campaign's hundred approvals): the upload and its check are the subject of
    tests/*/test_counter_paperwork.py, which go through the real path."""
    import hashlib
    from datetime import UTC, datetime

    from chalicelib.adapters.models import DeclarationModel
    from chalicelib.domain.id_copy import IdCopy

    copy = IdCopy(
        key=f"id-copies/{declaration_id}/test.jpg",
        content_type=JPEG,
        size=len(jpeg()),
        sha256=hashlib.sha256(jpeg()).hexdigest(),
        checked_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
        checked_by=officer,
        office_code=office,
    )
    DeclarationModel(declaration_id).update(actions=[DeclarationModel.id_copy.set(copy.to_dict())])
