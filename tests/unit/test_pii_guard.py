"""The personal-data detector of tests/pii_guard.py finds what it must and passes masked forms."""

from __future__ import annotations

import logging

import pytest

from chalicelib.observability import logger
from tests.pii_guard import find_personal_data, guarding


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("holder 001089020747 approved", "id_number_12"),
        ('{"id_number": "001089020747"}', "id_number_12"),
        ("cmnd=123456789", "cmnd_9"),
        ('{"document_number": "123456789"}', "cmnd_9"),
        ("sent to +84912345678", "phone"),
        ("sent to 0912345678", "phone"),
        ("sent to 84912345678", "phone"),
        ("call 0912 345 678", "phone"),
        ("call 091.234.5678", "phone"),
        ("to an.nguyen@example.vn", "email"),
        ("Authorization: Bearer abcdefgh12345678", "bearer_token"),
        ("token jOqcHzoUGX80VwAXW-8EjUYMvUjPatN_wfpacdB8x6A", "session_token"),
        ("MK tam: K7pQ2m9xAb3D", "temporary_password"),
        ("password K7pQ2m9x4W", "temporary_password"),
        ("recovery code 123456", "recovery_code"),
        ("Ma khoi phuc (mã): 654321", "recovery_code"),
    ],
)
def test_finds_personal_data_and_secrets(text: str, kind: str) -> None:
    assert kind in {finding.kind for finding in find_personal_data(text)}


@pytest.mark.parametrize(
    "text",
    [
        "sent to 09******78",
        "holder 0010******47",
        "to a***@example.vn",
        "from no-reply@baohiemxahoi.gov.vn",
        "correlation e0305065-8029-4ec7-bfa7-cf2b0d7567c0",
        "declaration 01JD3Z8Q4X5N2K7M9P6R3T1W0Y",
        "hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "counter code K7PQ-3M9X, username 0123456789, 3 notices, 2026-11-24T03:00:00+00:00",
        "file /work/app.py:126 submit_declaration",
    ],
)
def test_passes_masked_and_harmless_text(text: str) -> None:
    assert find_personal_data(text) == []


def test_guard_fails_a_test_that_logs_personal_data() -> None:
    with pytest.raises(pytest.fail.Exception, match="phone"), guarding():
        logger.info("sms sent", extra={"to": "+84912345678"})


def test_guard_reads_exception_text() -> None:
    with pytest.raises(pytest.fail.Exception, match="id_number_12"), guarding():
        try:
            raise RuntimeError("holder 001089020747")
        except RuntimeError:
            logging.getLogger("anything").exception("failed")


def test_guard_passes_clean_logs() -> None:
    with guarding() as handler:
        logger.info("sms sent", extra={"to": "+84*******678"})
    assert len(handler.lines) == 1
