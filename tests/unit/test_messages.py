"""Problem titles and field messages, in Vietnamese (default) and English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import errors
from chalicelib.domain.errors import DomainError, FieldError
from chalicelib.domain.messages import FIELD_MESSAGES, PROBLEM_TITLES, field_message, pick_lang, problem_title

DOMAIN = Path(errors.__file__).parent
FIELD_ERROR_CODE = re.compile(r'FieldError\(\s*[^,]+,\s*"([a-z_]+)"')
PROBLEM_RETURN = re.compile(r'return "([a-z_]+)"')


# --- pick_lang ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "vi"),
        ("", "vi"),
        ("vi", "vi"),
        ("vi-VN", "vi"),
        ("en", "en"),
        ("EN", "en"),
        ("en-US", "en"),
        ("en-US,en;q=0.9", "en"),
        ("vi;q=0.5, en;q=0.9", "en"),
        ("en;q=0.5, vi;q=0.9", "vi"),
        ("en;q=0.9, vi", "vi"),
        ("fr", "vi"),
        ("fr-FR,fr;q=0.9", "vi"),
        ("fr, en;q=0.1", "en"),
        ("*", "vi"),
    ],
)
def test_pick_lang(header: str | None, expected: str) -> None:
    assert pick_lang(header) == expected


@pytest.mark.parametrize("header", ["q=;;,", ";", ",,,", "en;q=", "en;q=abc", "en;q=1e999", "en;q=nan", ";q=0.5"])
def test_pick_lang_survives_garbage(header: str) -> None:
    assert pick_lang(header) in ("vi", "en")


def test_pick_lang_q_zero_means_not_acceptable() -> None:
    assert pick_lang("en;q=0") == "vi"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_pick_lang_is_total(header: str) -> None:
    assert pick_lang(header) in ("vi", "en")


# --- problem titles -------------------------------------------------------------


def _domain_error_classes() -> list[type[DomainError]]:
    found: list[type[DomainError]] = []
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop()
        if cls.__module__ == errors.__name__:
            found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: cls.__name__)


def test_domain_error_classes_are_found() -> None:
    assert len(_domain_error_classes()) >= 14


@pytest.mark.parametrize("cls", _domain_error_classes(), ids=lambda cls: cls.__name__)
def test_every_problem_code_has_titles_in_both_languages(cls: type[DomainError]) -> None:
    assert cls.code in PROBLEM_TITLES
    vi, en = PROBLEM_TITLES[cls.code]
    assert vi.strip() and en.strip()
    assert problem_title(cls.code, "vi") == vi
    assert problem_title(cls.code, "en") == en


@pytest.mark.parametrize("cls", _domain_error_classes(), ids=lambda cls: cls.__name__)
def test_every_problem_is_a_4xx(cls: type[DomainError]) -> None:
    assert 400 <= cls.status < 500


def test_problem_codes_are_unique() -> None:
    codes = [cls.code for cls in _domain_error_classes()]

    assert len(codes) == len(set(codes))


def test_unknown_problem_code_falls_back_to_bad_request() -> None:
    assert problem_title("no_such_code", "en") == "Bad request"
    assert problem_title("no_such_code", "vi") == PROBLEM_TITLES["bad_request"][0]


def test_problem_title_defaults_to_vietnamese() -> None:
    assert problem_title("not_found", "fr") == "Không tìm thấy"


# --- field messages ---------------------------------------------------------------


def _field_error_codes() -> dict[str, str]:
    """Every literal field error code in chalicelib/domain, with where it comes from."""
    codes: dict[str, str] = {}
    for path in sorted(DOMAIN.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for code in FIELD_ERROR_CODE.findall(source):
            codes.setdefault(code, path.name)
    # ID-document checks return their code, passed on as FieldError(..., problem)
    identifiers = (DOMAIN / "identifiers.py").read_text(encoding="utf-8")
    for code in PROBLEM_RETURN.findall(identifiers):
        codes.setdefault(code, "identifiers.py")
    return codes


FIELD_ERROR_CODES = _field_error_codes()


def test_field_error_codes_are_found() -> None:
    expected = {"required", "unknown_field", "invalid_type", "too_long", "invalid_date", "cccd_format", "cmnd_format"}

    assert expected <= set(FIELD_ERROR_CODES)


@pytest.mark.parametrize(
    ("code", "source"),
    sorted(FIELD_ERROR_CODES.items()),
    ids=[f"{c}@{s}" for c, s in sorted(FIELD_ERROR_CODES.items())],
)
def test_every_field_error_code_has_messages_in_both_languages(code: str, source: str) -> None:
    assert code in FIELD_MESSAGES, f"{code} (from {source}) has no entry in FIELD_MESSAGES"
    vi, en = FIELD_MESSAGES[code]
    assert vi.strip() and en.strip()


def test_field_message_formats_params() -> None:
    error = FieldError("full_name", "too_long", {"max": "100"})

    assert field_message(error, "vi") == "Dài quá 100 ký tự"
    assert field_message(error, "en") == "Longer than 100 characters"


def test_field_message_lists_choices() -> None:
    error = FieldError("gender", "invalid_choice", {"choices": "male, female"})

    assert field_message(error, "en") == "Must be one of: male, female"


def test_field_message_without_its_params_does_not_crash() -> None:
    assert field_message(FieldError("full_name", "too_long"), "en") == "Longer than {max} characters"


def test_field_message_ignores_extra_params() -> None:
    assert field_message(FieldError("bhxh_code", "required", {"x": "y"}), "en") == "Required"


def test_field_message_for_unknown_code_is_generic() -> None:
    assert field_message(FieldError("x", "no_such_code"), "en") == "Not valid"
    assert field_message(FieldError("x", "no_such_code"), "vi") == "Không hợp lệ"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(FIELD_MESSAGES)),
    st.dictionaries(st.sampled_from(["max", "expected", "choices", "other"]), st.text()),
    st.sampled_from(["vi", "en"]),
)
def test_field_message_is_total(code: str, params: dict[str, str], lang: str) -> None:
    assert isinstance(field_message(FieldError("x", code, params), lang), str)
