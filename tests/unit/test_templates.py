"""Message templates: SMS fits one GSM-7 segment for any valid input; emails are
Vietnamese with diacritics plus English, and escape every value in HTML."""

from __future__ import annotations

import html
import inspect
import typing
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import templates
from chalicelib.domain.account import PASSWORD_REMINDER_DAYS
from chalicelib.domain.declaration import REMINDER_DAYS_BEFORE
from chalicelib.domain.fallback import FALLBACK_KINDS
from chalicelib.domain.identifiers import COUNTER_CODE_ALPHABET, COUNTER_CODE_LENGTH, format_counter_code, mask
from chalicelib.domain.passwords import TEMP_PASSWORD_ALPHABET
from chalicelib.domain.rejection_reasons import REASONS
from chalicelib.domain.templates import (
    HOTLINE,
    HOTLINE_SMS,
    OFFICE_LOOKUP_URL,
    SMS_MAX,
    Email,
    Sms,
    is_gsm7,
    office_cancelled_email,
    office_cancelled_sms,
    office_reminder_email,
    office_reminder_sms,
    unaccent,
)

# --- unaccent / GSM-7 -----------------------------------------------------------


def test_unaccent() -> None:
    assert unaccent("Hồ Chí Minh Đà Nẵng") == "Ho Chi Minh Da Nang"


def _vietnamese_letters() -> str:
    vowels = "aăâeêioôơuưy"
    tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]  # huyền sắc hỏi ngã nặng
    lower = "".join(unicodedata.normalize("NFC", v + t) for v in vowels for t in tones) + "đ"
    return lower + lower.upper()


def test_every_vietnamese_letter_unaccents_to_ascii_gsm7() -> None:
    letters = _vietnamese_letters()
    assert len(letters) == 2 * (12 * 6 + 1)

    plain = unaccent(letters)

    assert plain.isascii() and plain.isalpha()
    assert len(plain) == len(letters)
    assert is_gsm7(plain)


def test_is_gsm7() -> None:
    assert is_gsm7("BHXH VN: abc 0123 @£$ (x)")
    assert not is_gsm7("Hồ")
    assert not is_gsm7("[x]")  # extension characters cost two septets: not allowed
    assert not is_gsm7("€")


# --- SMS: worst case of every template ------------------------------------------

COUNTER_CODES = st.text(COUNTER_CODE_ALPHABET, min_size=COUNTER_CODE_LENGTH, max_size=COUNTER_CODE_LENGTH).map(
    format_counter_code
)
DATES = st.dates(date(2026, 1, 1), date(2099, 12, 31))
DAYS_LEFT = st.sampled_from(sorted({1, 3, *REMINDER_DAYS_BEFORE, *PASSWORD_REMINDER_DAYS}))
USERNAMES = st.text("0123456789", min_size=10, max_size=10)
# The longest temporary password the service issues is 12 characters; 16 leaves room.
TEMPORARY_PASSWORDS = st.text(TEMP_PASSWORD_ALPHABET, min_size=10, max_size=16)
ONE_TIME_CODES = st.text("0123456789", min_size=6, max_size=6)


def _sms_templates() -> list[Callable[..., Sms]]:
    return [
        func
        for name, func in inspect.getmembers(templates, inspect.isfunction)
        if name.endswith("_sms") and not name.startswith("_") and func.__module__ == templates.__name__
    ]


def _strategy_for(name: str, annotation: Any) -> st.SearchStrategy[Any] | None:
    if name == "code" and annotation is str:
        return st.one_of(COUNTER_CODES, ONE_TIME_CODES)
    if annotation is date:
        return DATES
    if name == "days_left" and annotation is int:
        return DAYS_LEFT
    if name == "username" and annotation is str:
        return USERNAMES
    if name == "temporary_password" and annotation is str:
        return TEMPORARY_PASSWORDS
    if name == "first_reason" and annotation is str:
        return st.sampled_from([reason.sms for reason in REASONS.values()])
    if name == "more" and annotation is int:
        return st.integers(0, len(REASONS) - 1)
    if name == "event" and annotation is str:
        return st.sampled_from(templates.ACCOUNT_EVENTS)
    if name == "kind" and annotation is str:
        return st.sampled_from(sorted(FALLBACK_KINDS))
    if name == "masked_email" and annotation is str:
        return st.emails().map(mask)
    if annotation is datetime:
        return st.datetimes(datetime(2026, 1, 1), datetime(2099, 12, 31), timezones=st.just(UTC))
    return None


def _worst_case_arguments(func: Callable[..., Sms]) -> st.SearchStrategy[dict[str, Any]] | str:
    """Strategies for every parameter, or the reason there is none."""
    hints = typing.get_type_hints(func)
    strategies: dict[str, st.SearchStrategy[Any]] = {}
    for name in inspect.signature(func).parameters:
        strategy = _strategy_for(name, hints.get(name))
        if strategy is None:
            return f"{func.__name__}: no worst-case strategy for parameter {name!r}; add one to this test"
        strategies[name] = strategy
    return st.fixed_dictionaries(strategies)


def _check_sms(sms: Sms) -> None:
    assert isinstance(sms, Sms)
    assert is_gsm7(sms.text), sms.text
    assert len(sms.text) <= SMS_MAX, (len(sms.text), sms.text)
    assert HOTLINE_SMS == "19009068"
    assert HOTLINE_SMS in sms.text


def test_known_sms_templates_are_discovered() -> None:
    names = {func.__name__ for func in _sms_templates()}

    assert {"office_reminder_sms", "office_cancelled_sms", "account_approved_sms", "recovery_code_sms"} <= names


@pytest.mark.parametrize("func", _sms_templates(), ids=lambda func: func.__name__)
def test_every_sms_template_fits_one_gsm7_segment(func: Callable[..., Sms]) -> None:
    arguments = _worst_case_arguments(func)
    if isinstance(arguments, str):
        pytest.skip(arguments)

    @settings(max_examples=300, deadline=None)
    @given(arguments)
    def check(kwargs: dict[str, Any]) -> None:
        _check_sms(func(**kwargs))

    check()


@settings(max_examples=300, deadline=None)
@given(COUNTER_CODES, DATES, DAYS_LEFT)
def test_office_reminder_sms_fits_one_gsm7_segment(code: str, expires_on: date, days_left: int) -> None:
    sms = office_reminder_sms(code, expires_on, days_left)

    _check_sms(sms)
    assert code in sms.text
    assert expires_on.strftime("%d/%m/%Y") in sms.text


@settings(max_examples=300, deadline=None)
@given(COUNTER_CODES)
def test_office_cancelled_sms_fits_one_gsm7_segment(code: str) -> None:
    sms = office_cancelled_sms(code)

    _check_sms(sms)
    assert code in sms.text


def test_office_reminder_sms_example() -> None:
    text = office_reminder_sms("K7PQ-3M9X", date(2026, 12, 4), 3).text

    assert "K7PQ-3M9X" in text
    assert "04/12/2026" in text
    assert "con 3 ngay" in text


# --- emails -------------------------------------------------------------------


def _reminder(full_name: str = "Nguyễn Văn An", office_name: str = "Bảo hiểm xã hội thành phố Hà Nội") -> Email:
    return office_reminder_email(full_name, "K7PQ-3M9X", date(2026, 12, 4), 3, office_name)


def _cancelled(full_name: str = "Nguyễn Văn An") -> Email:
    return office_cancelled_email(full_name, "K7PQ-3M9X")


EMAILS = {"office_reminder_email": _reminder, "office_cancelled_email": _cancelled}
ACCOUNT_EMAILS = {
    "account_approved_email": lambda: templates.account_approved_email("Nguyễn Văn An", "0123456789", "34679ACDEFGH"),
    "account_approved_vneid_email": lambda: templates.account_approved_vneid_email("Nguyễn Văn An", "0123456789"),
    "temporary_password_email": lambda: templates.temporary_password_email(
        "Nguyễn Văn An", "0123456789", "34679ACDEFGH"
    ),
    "password_reminder_email": lambda: templates.password_reminder_email(
        "Nguyễn Văn An", "0123456789", date(2026, 12, 31), 7
    ),
    **{
        f"account_alert_email[{event}]": lambda event=event: templates.account_alert_email(  # type: ignore[misc]
            event, "Nguyễn Văn An", "0123456789", datetime(2026, 12, 31, 17, 30, tzinfo=UTC)
        )
        for event in templates.ACCOUNT_EVENTS
    },
}
DESK_EMAILS = {
    "dossier_received_email": lambda: templates.dossier_received_email(
        "Nguyễn Văn An", "K7PQ-3M9X", "Bảo hiểm xã hội thành phố Hà Nội", date(2026, 11, 27)
    ),
    "rejection_email": lambda: templates.rejection_email(
        "Nguyễn Văn An",
        "K7PQ-3M9X",
        [(r.vi, r.fix_vi, r.en, r.fix_en) for r in REASONS.values()],
        "Ảnh <mờ> & thiếu chữ ký",
        ("Bảo hiểm xã hội thành phố Hà Nội", "Số 1 phố minh họa", "1900 9068"),
    ),
    "overdue_digest_email": lambda: templates.overdue_digest_email(
        "Bảo hiểm xã hội thành phố Hà Nội", date(2026, 11, 30), [("K7PQ-3M9X", date(2026, 11, 27))], ["AAAA-3333"]
    ),
}


# Built and checked in tests/unit/test_campaign.py.
CAMPAIGN_EMAILS = {"progress_digest_email"}
# To the person a declaration names, through the registry's phone and their account's e-mail.
ALERT_EMAILS = {
    "declared_in_your_name_email": lambda: templates.declared_in_your_name_email("Nguyễn Văn An", "K7PQ-3M9X"),
    "office_confirmation_email": lambda: templates.office_confirmation_email(
        "Nguyễn Văn An", "K7PQ-3M9X", "10:00 ngày 04/12/2026", "Bảo hiểm xã hội thành phố Hà Nội", "Số 1 phố minh họa"
    ),
    "declared_with_account_email": lambda: templates.declared_with_account_email("Nguyễn Văn An", "0123456789"),
}


@pytest.mark.parametrize("build", ALERT_EMAILS.values(), ids=ALERT_EMAILS.keys())
def test_alert_emails_are_bilingual_and_give_the_hotline(build: Callable[[], Email]) -> None:
    mail = build()
    assert mail.subject.startswith("BHXH Việt Nam") and "\n" not in mail.subject
    for part in (mail.text, mail.html):
        assert "Kính gửi Nguyễn Văn An" in part and "Dear Nguyen Van An" in part
        assert HOTLINE in part


def test_alerts_name_the_declaration_or_the_account() -> None:
    sms = templates.declared_in_your_name_sms("K7PQ-3M9X", date(2026, 12, 4)).text
    assert "K7PQ-3M9X" in sms and "04/12/2026" in sms and len(sms) <= 160
    confirmation = ALERT_EMAILS["office_confirmation_email"]()
    for phrase in ("in tờ khai đính kèm", "ký và ghi rõ họ tên", "CMND/CCCD/Hộ chiếu", "trước 10:00 ngày 04/12/2026"):
        assert phrase in confirmation.text
    assert "Bảo hiểm xã hội thành phố Hà Nội" in confirmation.subject
    assert "K7PQ-3M9X" in ALERT_EMAILS["declared_in_your_name_email"]().text
    assert "0123456789" in templates.declared_with_account_sms("0123456789").text
    assert "0123456789" in ALERT_EMAILS["declared_with_account_email"]().text


def test_rejection_email_says_what_to_fix_where_to_go_and_escapes_the_note() -> None:
    mail = DESK_EMAILS["rejection_email"]()
    for reason in REASONS.values():
        assert reason.fix_vi in mail.text and reason.fix_en in mail.text
    assert "Số 1 phố minh họa" in mail.text and "1900 9068" in mail.text
    assert templates.OFFICE_LOOKUP_URL in mail.html
    assert "&lt;mờ&gt; &amp;" in mail.html and "<mờ>" not in mail.html


def test_overdue_digest_lists_codes_only() -> None:
    mail = DESK_EMAILS["overdue_digest_email"]()
    assert "K7PQ-3M9X" in mail.text and "27/11/2026" in mail.text and "AAAA-3333" in mail.text


def test_every_email_template_is_covered() -> None:
    names = {
        name
        for name, func in inspect.getmembers(templates, inspect.isfunction)
        if name.endswith("_email") and not name.startswith("_") and func.__module__ == templates.__name__
    }

    covered = {
        name.partition("[")[0] for name in (*EMAILS, *ACCOUNT_EMAILS, *DESK_EMAILS, *ALERT_EMAILS, *FALLBACK_EMAILS)
    }

    assert names == covered | CAMPAIGN_EMAILS


@pytest.mark.parametrize("event", templates.ACCOUNT_EVENTS)
def test_account_alerts_say_what_when_and_whom_to_call(event: str) -> None:
    at = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # 00:30 on 1 January 2027 in Vietnam
    sms = templates.account_alert_sms(event, "0123456789", at)
    mail = templates.account_alert_email(event, "Nguyễn Văn An", "0123456789", at)

    assert "0123456789" in sms.text and "00:30 01/01/2027" in sms.text
    assert "Neu khong phai ban, goi ngay 19009068" in sms.text
    assert "Nếu không phải Ông/Bà thực hiện" in mail.text and "If this was not you" in mail.text
    assert HOTLINE in mail.text and HOTLINE in mail.html and "00:30 01/01/2027" in mail.text


def test_reissued_temporary_password_sms_is_also_the_owner_alert() -> None:
    text = templates.temporary_password_sms("0123456789", "34679ACDEFGH").text

    assert "34679ACDEFGH" in text and "Neu khong phai ban yeu cau, goi ngay 19009068" in text


@pytest.mark.parametrize("build", ACCOUNT_EMAILS.values(), ids=ACCOUNT_EMAILS.keys())
def test_account_emails_are_bilingual_and_name_the_account(build: Callable[[], Email]) -> None:
    mail = build()
    assert mail.subject.startswith("BHXH Việt Nam")
    for part in (mail.text, mail.html):
        assert "Kính gửi Nguyễn Văn An" in part and "Dear Nguyen Van An" in part
        assert "0123456789" in part


def test_password_expired_email_differs_from_the_reminder() -> None:
    expired = templates.password_reminder_email("An", "0123456789", date(2026, 12, 31), 0)
    assert "hết hạn hôm nay" in expired.text and "expired today" in expired.text


@pytest.mark.parametrize("build", EMAILS.values(), ids=EMAILS.keys())
def test_email_subject_is_vietnamese_with_diacritics(build: Callable[[], Email]) -> None:
    mail = build()

    assert "BHXH Việt Nam" in mail.subject
    assert "K7PQ-3M9X" in mail.subject
    assert "\n" not in mail.subject and "\r" not in mail.subject


@pytest.mark.parametrize("part", ["text", "html"])
@pytest.mark.parametrize("build", EMAILS.values(), ids=EMAILS.keys())
def test_email_body_has_vietnamese_english_lookup_url_and_hotline(build: Callable[[], Email], part: str) -> None:
    body = getattr(build(), part)

    assert "Kính gửi Nguyễn Văn An" in body
    assert "Tổng đài hỗ trợ" in body
    assert "Dear Nguyen Van An" in body
    assert "Hotline" in body
    assert OFFICE_LOOKUP_URL in body
    assert HOTLINE == "1900 9068"
    assert HOTLINE in body
    assert "K7PQ-3M9X" in body


def test_reminder_email_names_the_office_and_the_date() -> None:
    mail = _reminder()

    assert "Bảo hiểm xã hội thành phố Hà Nội" in mail.text
    assert "Bao hiem xa hoi thanh pho Ha Noi" in mail.text
    assert "04/12/2026" in mail.text
    assert "còn 3 ngày" in mail.subject


def test_email_html_is_a_document_in_vietnamese() -> None:
    page = _cancelled().html

    assert page.startswith("<!doctype html>")
    assert '<html lang="vi">' in page
    assert '<meta charset="utf-8">' in page
    assert '<div lang="en">' in page


SCRIPT = "<script>alert('x')</script>"


@pytest.mark.parametrize(
    "mail",
    [_reminder(full_name=SCRIPT), _reminder(office_name=SCRIPT), _cancelled(full_name=SCRIPT)],
    ids=["reminder-name", "reminder-office", "cancelled-name"],
)
def test_email_html_escapes_values(mail: Email) -> None:
    assert html.escape(SCRIPT) in mail.html
    assert "<script" not in mail.html
    assert SCRIPT in mail.text  # plain text carries the value as is


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1), st.text(min_size=1))
def test_email_html_escapes_any_name(full_name: str, office_name: str) -> None:
    mail = office_reminder_email(full_name, "K7PQ-3M9X", date(2026, 12, 4), 3, office_name)

    assert html.escape(full_name) in mail.html
    assert html.escape(office_name) in mail.html
    assert mail.html.count("<p>") == mail.html.count("</p>") == 8  # no markup slipped in


# --- fallback: a decision that did not arrive by one channel (domain.fallback) ----------

FALLBACK_EMAILS = {
    "sms_fallback_email": lambda: templates.sms_fallback_email(
        "091****678",
        templates.account_approved_sms("0123456789", "34679ACDEFGH")
        .text.replace("34679ACDEFGH", "[secret]")
        .replace("(", "<")
        .replace(")", ">"),
        datetime(2026, 12, 31, 17, 30, tzinfo=UTC),
    ),
}


def test_the_sms_fallback_email_quotes_the_sms_without_its_secret_and_says_what_to_fix() -> None:
    mail = FALLBACK_EMAILS["sms_fallback_email"]()
    assert mail.subject.startswith("BHXH Việt Nam") and "\n" not in mail.subject
    for part in (mail.text, mail.html):
        assert "091****678" in part and "00:30 01/01/2027" in part  # Vietnam time
        assert "TK: 0123456789 MK tam: ******" in part and "[secret]" not in part
        assert "Mật khẩu tạm không được nhắc lại" in part and "The temporary password is not repeated" in part
        assert HOTLINE in part and OFFICE_LOOKUP_URL in part
        assert "cập nhật số điện thoại" in part and "update your phone number" in part
    assert "&lt;doi MK" in mail.html and "<doi MK" not in mail.html  # the quoted text is escaped
    plain = templates.sms_fallback_email(
        "091****678", "BHXH VN: Ho so ma K7PQ-3M9X khong duoc chap nhan", datetime.now(UTC)
    )
    assert "Mật khẩu tạm" not in plain.text  # no word of a password when the SMS had none


@pytest.mark.parametrize("kind", sorted(FALLBACK_KINDS))
def test_the_email_fallback_sms_names_the_decision_and_the_address_when_it_fits(kind: str) -> None:
    short = templates.email_fallback_sms(kind, "a***@gmail.com").text
    assert "a***@gmail.com" in short and "khong den duoc" in short
    long = templates.email_fallback_sms(kind, "a***@" + "x" * 80 + ".vn").text
    assert "@" not in long and long.startswith("BHXH VN: Email bao ")  # the address left out, not the segment
    decision = {"account_approved": "da cap tai khoan", "declaration_rejected": "khong duoc chap nhan"}
    assert decision.get(kind, "da bi huy") in short and decision.get(kind, "da bi huy") in long
