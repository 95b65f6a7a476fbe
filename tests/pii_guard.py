"""Personal data never in logs in clear: a detector, and a fixture that runs it over
everything a test logs (message, extra fields, exception text).

What it finds: 12-digit ID numbers (CCCD), 9-digit CMND numbers next to a word
that names them, Vietnamese mobile numbers (+84 / 84 / 0 forms, with or without
separators), email addresses (the service's own sender addresses excepted),
bearer tokens (the header form, and the 43-character session tokens the service
issues), temporary passwords (10 to 16 letters and digits, mixed) and one-time
recovery codes written beside their name. Masked forms (``09******78``,
``a***@example.vn``) are what the logs should carry and pass.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

SERVICE_EMAIL_DOMAINS = ("baohiemxahoi.gov.vn",)
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

DETECTORS: dict[str, re.Pattern[str]] = {
    "id_number_12": re.compile(r"(?<![\w-])\d{12}(?![\w-])"),
    "cmnd_9": re.compile(r"(?i)(?:cmnd|id_number|id number|document_number|chứng minh)\W{0,24}\d{9}(?!\d)"),
    "phone": re.compile(r"(?<![\w+-])(?:\+84|84|0)[ .-]?(?:3|5|7|8|9)\d(?:[ .-]?\d){7}(?![\w-])"),
    "email": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "bearer_token": re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    "session_token": re.compile(r"(?<![\w-])(?=[\w-]*[A-Z])(?=[\w-]*[a-z])(?=[\w-]*\d)[\w-]{43}(?![\w-])"),
    "temporary_password": re.compile(
        r"(?<![\w-])(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{10,16}(?![\w-])"
    ),
    "recovery_code": re.compile(r"(?i)(?:recovery|code|mã|otp)\W{0,12}\d{6}(?!\d)"),
}


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str


def _is_hex(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]+|[0-9A-F]+", text))


def find_personal_data(text: str) -> list[Finding]:
    """Every piece of personal data or secret ``text`` shows in clear."""
    found = []
    for kind, pattern in DETECTORS.items():
        for match in pattern.finditer(text):
            value = match.group(0)
            if kind == "email" and value.lower().endswith(tuple("@" + d for d in SERVICE_EMAIL_DOMAINS)):
                continue
            if kind == "temporary_password" and _is_hex(value):
                continue
            found.append(Finding(kind, value))
    return found


def render_record(record: logging.LogRecord) -> str:
    """All a log line carries: the message, the extra fields and the exception."""
    extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
    parts = [record.getMessage(), json.dumps(extras, default=repr, ensure_ascii=False)]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


class CapturingHandler(logging.Handler):
    """Keeps what is logged at INFO and above (what a Lambda function writes to CloudWatch)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {render_record(record)}")


@contextmanager
def guarding() -> Iterator[CapturingHandler]:
    """Captures what is logged inside; fails the test afterwards if it shows personal data in clear."""
    handler = CapturingHandler()
    service = logging.getLogger("bhxh-registration")  # Powertools' logger (chalicelib/observability.py)
    loggers = [logging.getLogger(), *([] if service.propagate else [service])]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    leaks = [(line[:300], finding) for line in handler.lines for finding in find_personal_data(line)]
    if leaks:
        shown = "\n".join(f"  {f.kind}: {f.text!r} in {line!r}" for line, f in leaks[:10])
        pytest.fail(f"personal data or secrets logged in clear ({len(leaks)}):\n{shown}", pytrace=False)


@pytest.fixture
def pii_guard() -> Iterator[CapturingHandler]:
    """Fails the test (at teardown) if anything it logged shows personal data in clear."""
    with guarding() as handler:
        yield handler
