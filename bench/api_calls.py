"""AWS API calls per use case, counted at botocore (boto3 and PynamoDB both go through it)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from .data import OFFICE_CODE, office_forms
from .env import IN_PROCESS_AWS, patched_env
from .report import Figure, Target

PEOPLE = 50
TARGET = Target("<=", 2)


class ApiCalls:
    """Every ``BaseClient._make_api_call`` while installed, by (service, operation).
    One logical call each: botocore's retries of the same call are not counted again."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()

    def snapshot(self) -> Counter[tuple[str, str]]:
        return Counter(self.counts)

    def since(self, before: Counter[tuple[str, str]]) -> Counter[tuple[str, str]]:
        return self.counts - before

    @contextmanager
    def installed(self) -> Iterator[ApiCalls]:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        counts = self.counts

        def counting(client: Any, operation_name: str, api_params: Any) -> Any:
            counts[(client.meta.service_model.service_name, operation_name)] += 1
            return original(client, operation_name, api_params)

        BaseClient._make_api_call = counting
        try:
            yield self
        finally:
            BaseClient._make_api_call = original


def _service(calls: Counter[tuple[str, str]], service: str) -> int:
    return sum(n for (name, _op), n in calls.items() if name == service)


def _operations(calls: list[Counter[tuple[str, str]]]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for call in calls:
        for (service, operation), n in call.items():
            total[f"{service}.{operation}"] += n
    return dict(sorted(total.items()))


def _scan_jpeg() -> bytes:
    """A stand-in for the scan of an ID card: a real JPEG (Pillow), 856 x 540 like a CCCD at 10 px/mm."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (856, 540), (220, 225, 230)).save(buffer, "JPEG")
    return buffer.getvalue()


def run(quick: bool) -> list[Figure]:
    import boto3
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.config import load_settings
    from chalicelib.domain.id_copy import JPEG
    from chalicelib.domain.participant import Participant
    from chalicelib.services.approve_declaration import approve_declaration
    from chalicelib.services.get_declaration_status import get_declaration_status
    from chalicelib.services.id_copy import ask_upload, check_upload
    from chalicelib.services.officer_desk import Officer
    from chalicelib.services.receive_declaration import receive_declaration
    from chalicelib.services.submit_office_declaration import submit_office_declaration
    from local.demo_data import demo_offices
    from local.resources import create_all

    people = office_forms(20 if quick else PEOPLE)
    submissions: list[Counter[tuple[str, str]]] = []
    reads: list[Counter[tuple[str, str]]] = []
    receipts: list[Counter[tuple[str, str]]] = []
    approvals: list[Counter[tuple[str, str]]] = []
    uploads: list[Counter[tuple[str, str]]] = []
    checks: list[Counter[tuple[str, str]]] = []
    scan = _scan_jpeg()
    officer = Officer("0100000001", ("officer",), OFFICE_CODE, OFFICE_CODE[-2:])
    with patched_env(IN_PROCESS_AWS, remove=("AWS_ENDPOINT_URL", "AWS_PROFILE")), mock_aws():
        settings = load_settings()
        create_all(settings, boto3.session.Session())
        deps = bootstrap.Container(settings)
        s3 = boto3.client("s3", region_name=settings.region)
        offices = [office for office in demo_offices() if office.office_code in (OFFICE_CODE, "BHXH-79")]
        deps.offices.put_many(offices)  # clears the office cache: the first submission is cold
        # Registry records that agree with the declarations, so every approval goes through.
        deps.registry.put_many(
            Participant(
                body["bhxh_code"],
                body["full_name"],
                body["date_of_birth"],
                body["gender"],
                body["id_document"]["number"],
                body["phone"],
                OFFICE_CODE[-2:],
            )
            for body in people
        )
        bootstrap.override(deps)
        try:
            calls = ApiCalls()
            submitted = []
            with calls.installed():
                for body in people:
                    before = calls.snapshot()
                    result = submit_office_declaration(deps, body, datetime.now(UTC), trace_id="bench")
                    submissions.append(calls.since(before))
                    submitted.append((result.declaration.id, body["id_document"]["number"]))
                for declaration_id, id_number in submitted:
                    before = calls.snapshot()
                    get_declaration_status(deps, declaration_id, id_number, datetime.now(UTC))
                    reads.append(calls.since(before))
                for declaration_id, id_number in submitted:
                    document = {"document_type": "cccd", "document_number": id_number}
                    before = calls.snapshot()
                    receive_declaration(deps, declaration_id, document, officer, datetime.now(UTC))
                    receipts.append(calls.since(before))
                    # The ID copy: the presigned POST asked for, the file posted (what the browser
                    # sends S3, straight to the bucket), then the check that reads and records it.
                    before = calls.snapshot()
                    upload, _ = ask_upload(deps, declaration_id, {"content_type": JPEG}, officer, datetime.now(UTC))
                    uploads.append(calls.since(before))
                    s3.put_object(Bucket=settings.id_copies_bucket, Key=upload.key, Body=scan, ContentType=JPEG)
                    before = calls.snapshot()
                    check_upload(deps, declaration_id, officer, datetime.now(UTC))
                    checks.append(calls.since(before))
                    before = calls.snapshot()
                    approve_declaration(deps, declaration_id, officer, datetime.now(UTC))
                    approvals.append(calls.since(before))
        finally:
            bootstrap.override(None)

    per_submission = [_service(c, "dynamodb") for c in submissions]
    warm = per_submission[1:]
    sqs = [_service(c, "sqs") for c in submissions[1:]]  # the first also looks the queue URL up, once a process
    per_read = [_service(c, "dynamodb") for c in reads]
    per_receive = [_service(c, "dynamodb") for c in receipts]
    per_approve = [_service(c, "dynamodb") for c in approvals]
    per_upload = [_service(c, "dynamodb") for c in uploads]
    per_check = [_service(c, "dynamodb") for c in checks]
    desk = [
        Figure(
            "dynamodb_requests_per_id_copy_upload",
            statistics.fmean(per_upload),
            "requests",
            target=Target("<=", 2),
            details={"uploads": len(per_upload), "max": max(per_upload), "operations": _operations(uploads)},
        ),
        Figure(
            "dynamodb_requests_per_id_copy_check",
            statistics.fmean(per_check),
            "requests",
            target=Target("<=", 2),
            details={
                "checks": len(per_check),
                "max": max(per_check),
                "operations": _operations(checks),  # the S3 GetObject and PutObjectTagging included
            },
        ),
        Figure(
            "dynamodb_requests_per_receive",
            statistics.fmean(per_receive),
            "requests",
            target=Target("<=", 2),
            details={"receipts": len(per_receive), "max": max(per_receive), "operations": _operations(receipts)},
        ),
        Figure(
            "dynamodb_requests_per_approve",
            statistics.fmean(per_approve),
            "requests",
            target=Target("<=", 4),
            details={"approvals": len(per_approve), "max": max(per_approve), "operations": _operations(approvals)},
        ),
    ]
    return [
        *desk,
        Figure(
            "dynamodb_requests_per_office_submission",
            statistics.fmean(warm),
            "requests",
            target=TARGET,
            details={
                "submissions": len(warm),
                "min": min(warm),
                "max": max(warm),
                "operations": _operations(submissions[1:]),
                "excludes": "the first submission (office cache warm-up)",
            },
        ),
        Figure(
            "dynamodb_requests_per_office_submission_cold",
            per_submission[0],
            "requests",
            details={"operations": _operations(submissions[:1])},
        ),
        Figure(
            "sqs_requests_per_office_submission",
            statistics.fmean(sqs),
            "requests",
            # One SendMessage: the alert to whoever the registry links to the code or ID number is a
            # queued task (issue 17: the request costs the same whoever is named).
            target=Target("<=", 1),
            details={"submissions": len(sqs)},
        ),
        Figure(
            "dynamodb_requests_per_status_read",
            statistics.fmean(per_read),
            "requests",
            details={
                "reads": len(per_read),
                "min": min(per_read),
                "max": max(per_read),
                "operations": _operations(reads),
            },
        ),
    ]
