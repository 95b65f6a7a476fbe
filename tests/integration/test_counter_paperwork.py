"""Issue 13 on the emulator (moto's S3 and DynamoDB, chalice.test.Client): the PDF route,
and uploads of ID copies through real presigned POSTs. The emulator, unlike S3, takes any
POST whatever its policy says: what is refused here is refused by the service's own check,
which deletes the object and records nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.models import AuditModel, DeclarationModel
from tests.documents import read_pdf
from tests.id_copies import attach_over_http, jpeg, png, post_presigned, via_chalice
from tests.integration.test_officer_desk import call, receive, submit

PDF_ACCEPT = {"Accept": "application/pdf"}


@pytest.fixture
def officer(client: Any, container: Any) -> str:
    from tests.integration.test_officer_desk import AN, staff_token

    container.registry.put_many([AN])
    return staff_token(client, container, "0100000001", "BHXH-01")


def _objects(aws: dict[str, Any]) -> list[str]:
    s3 = aws["session"].client("s3")
    listed = s3.list_objects_v2(Bucket=aws["id_copies_bucket"]).get("Contents", [])
    return [item["Key"] for item in listed]


def _received(client: Any, officer: str) -> str:
    created = submit(client)
    assert receive(client, officer, created["id"]).status_code == 200
    return str(created["id"])


def _ask(client: Any, officer: str, declaration_id: str, content_type: str = "image/jpeg") -> dict[str, Any]:
    asked = call(client, "POST", f"/v1/declarations/{declaration_id}/id-copy", {"content_type": content_type}, officer)
    assert asked.status_code == 201, asked.body
    body: dict[str, Any] = json.loads(asked.body)
    return body


def _check(client: Any, officer: str, declaration_id: str) -> tuple[int, dict[str, Any]]:
    checked = call(client, "POST", f"/v1/declarations/{declaration_id}/id-copy/check", None, officer)
    return checked.status_code, json.loads(checked.body)


def _nothing_recorded(aws: dict[str, Any], declaration_id: str) -> None:
    item = DeclarationModel.get(declaration_id)
    assert item.id_copy is None
    assert [e.to_status for e in AuditModel.query(declaration_id)] == ["awaiting_office", "received"]
    assert [key for key in _objects(aws) if key.startswith(f"id-copies/{declaration_id}/")] == []


def test_the_pdf_route_for_the_declarant_and_the_officer(client: Any, officer: str) -> None:
    created = submit(client)
    path = f"/v1/declarations/{created['id']}/form01.pdf"
    mine = client.http.get(path, headers={**PDF_ACCEPT, "X-Id-Number": "001089020747"})
    assert mine.status_code == 200 and mine.headers["Content-Type"] == "application/pdf"
    assert read_pdf(mine.body).qr_codes == [created["code"]]
    by_link = client.http.get(f"{path}?id_number=001089020747", headers=PDF_ACCEPT)
    by_code = client.http.get(
        f"/v1/declarations/{created['code']}/form01.pdf", headers={**PDF_ACCEPT, "X-Id-Number": "001089020747"}
    )
    desk = client.http.get(path, headers={**PDF_ACCEPT, "Authorization": f"Bearer {officer}"})
    assert mine.body == by_link.body == by_code.body == desk.body  # byte-identical, whoever prints it
    wrong = client.http.get(path, headers={**PDF_ACCEPT, "X-Id-Number": "001089020748"})
    assert (wrong.status_code, json.loads(wrong.body)["code"]) == (404, "declaration_not_found")
    stranger = client.http.get(path, headers={**PDF_ACCEPT, "Authorization": "Bearer " + "x" * 43})
    assert (stranger.status_code, json.loads(stranger.body)["code"]) == (401, "unauthenticated")
    json_only = client.http.get(path, headers={"Accept": "application/json", "X-Id-Number": "001089020747"})
    assert json_only.status_code == 400
    assert json_only.headers["Content-Type"].startswith("application/problem+json")


def test_a_jpeg_goes_straight_to_s3_is_checked_kept_labelled_and_read(
    client: Any, officer: str, aws: dict[str, Any]
) -> None:
    declaration_id = _received(client, officer)
    asked = _ask(client, officer, declaration_id)
    assert asked["max_bytes"] == 5 * 1024 * 1024
    key = asked["upload"]["fields"]["key"]
    assert key.startswith(f"id-copies/{declaration_id}/") and "001089020747" not in key
    assert post_presigned(asked["upload"], jpeg()) < 300
    status, copy = _check(client, officer, declaration_id)
    assert status == 200, copy
    assert (copy["content_type"], copy["size"]) == ("image/jpeg", len(jpeg()))
    s3 = aws["session"].client("s3")
    assert s3.get_object_tagging(Bucket=aws["id_copies_bucket"], Key=key)["TagSet"] == [
        {"Key": "retention", "Value": "kept"}
    ]
    link = call(client, "GET", f"/v1/declarations/{declaration_id}/id-copy", None, officer)
    assert link.status_code == 200
    import requests

    assert requests.get(json.loads(link.body)["url"], timeout=10).content == jpeg()
    events = [(e.to_status, e.actor) for e in AuditModel.query(declaration_id)]
    assert events[-2:] == [("id_copy_attached", "0100000001"), ("id_copy_read", "0100000001")]


@pytest.mark.parametrize(
    "body, code",
    [
        (png(), "id_copy_type_mismatch"),  # a PNG renamed .jpg, posted as image/jpeg
        (b"", "id_copy_empty"),
        (jpeg() + b"\0" * (6 * 1024 * 1024), "id_copy_too_large"),
    ],
    ids=["png-renamed-jpg", "empty", "6-mib"],
)
def test_a_bad_upload_is_refused_deleted_and_nothing_recorded(
    client: Any, officer: str, aws: dict[str, Any], body: bytes, code: str
) -> None:
    declaration_id = _received(client, officer)
    asked = _ask(client, officer, declaration_id)
    assert post_presigned(asked["upload"], body, "scan.jpg", "image/jpeg") < 300  # the emulator takes it
    status, problem = _check(client, officer, declaration_id)
    assert (status, problem["code"]) == (422, code)
    _nothing_recorded(aws, declaration_id)


def test_a_wrong_type_gets_no_upload_at_all(client: Any, officer: str, aws: dict[str, Any]) -> None:
    declaration_id = _received(client, officer)
    path = f"/v1/declarations/{declaration_id}/id-copy"
    refused = call(client, "POST", path, {"content_type": "image/gif"}, officer)
    assert (refused.status_code, json.loads(refused.body)["code"]) == (415, "id_copy_type_not_allowed")
    assert DeclarationModel.get(declaration_id).id_copy_upload is None
    _nothing_recorded(aws, declaration_id)


def test_an_upload_to_another_declarations_key_is_never_recorded(
    client: Any, officer: str, aws: dict[str, Any]
) -> None:
    mine, theirs = _received(client, officer), _received(client, officer)
    asked = _ask(client, officer, mine)
    forged = {**asked["upload"], "fields": {**asked["upload"]["fields"], "key": f"id-copies/{theirs}/forged.jpg"}}
    assert post_presigned(forged, jpeg()) < 300  # S3 refuses this (the policy names the key); the emulator not
    for declaration_id in (mine, theirs):
        status, problem = _check(client, officer, declaration_id)
        assert (status, problem["code"]) == (409, "id_copy_not_uploaded")
        assert DeclarationModel.get(declaration_id).id_copy is None


def test_an_expired_presigned_post_is_refused_and_deleted(client: Any, officer: str, aws: dict[str, Any]) -> None:
    declaration_id = _received(client, officer)
    asked = _ask(client, officer, declaration_id)
    # Ten minutes pass before the file is posted: the upload's expiry, as recorded, is behind it.
    item = DeclarationModel.get(declaration_id)
    pending = dict(item.id_copy_upload.as_dict())  # type: ignore[no-untyped-call]
    pending["expires_at"] = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    item.update(actions=[DeclarationModel.id_copy_upload.set(pending)])
    assert post_presigned(asked["upload"], jpeg()) < 300
    status, problem = _check(client, officer, declaration_id)
    assert (status, problem["code"]) == (409, "id_copy_upload_expired")
    _nothing_recorded(aws, declaration_id)


def test_approval_waits_for_the_copy_and_a_rejection_shortens_its_retention(
    client: Any, officer: str, aws: dict[str, Any]
) -> None:
    declaration_id = _received(client, officer)
    approve = call(client, "POST", f"/v1/declarations/{declaration_id}/approve", {}, officer)
    assert (approve.status_code, json.loads(approve.body)["code"]) == (409, "id_copy_missing")
    status, copy = attach_over_http(via_chalice(client, officer), declaration_id)
    assert status == 200, copy
    rejected = call(
        client, "POST", f"/v1/declarations/{declaration_id}/reject", {"reasons": ["illegible_form"]}, officer
    )
    assert rejected.status_code == 200
    (key,) = _objects(aws)
    s3 = aws["session"].client("s3")
    assert s3.get_object_tagging(Bucket=aws["id_copies_bucket"], Key=key)["TagSet"] == [
        {"Key": "retention", "Value": "rejected"}
    ]
