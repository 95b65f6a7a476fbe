"""Form 01 rules (DESIGN §3): parsing, normalisation and every field error."""

from __future__ import annotations

import copy
import unicodedata
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chalicelib.domain.countries import ISO_3166_ALPHA2
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.form01 import FIELDS, ID_DOCUMENT_FIELDS, REQUIRED, Form01, IdDocument, parse_form01
from chalicelib.domain.provinces import CCCD_PROVINCE_PREFIXES
from tests.builders import form

TODAY = date(2026, 11, 24)


def parse(data: Any) -> Form01:
    return parse_form01(data, today=TODAY)


def errors_of(data: Any) -> list[tuple[str, str]]:
    """The (field, code) pairs of the ValidationError ``data`` raises."""
    with pytest.raises(ValidationError) as caught:
        parse(data)
    return [(e.field, e.code) for e in caught.value.errors]


def without(key: str) -> dict[str, Any]:
    data = form()
    del data[key]
    return data


def without_id(key: str) -> dict[str, Any]:
    data = form()
    del data["id_document"][key]
    return data


# --- a valid form ------------------------------------------------------------


def test_valid_form_parses() -> None:
    result = parse(form())

    assert result == Form01(
        full_name="Nguyễn Văn An",
        date_of_birth="1989-05-02",
        gender="male",
        nationality="VN",
        bhxh_code="0123456789",
        id_document=IdDocument(
            type="cccd",
            number="001089020747",
            issued_on="2021-04-01",
            issued_by="Cục Cảnh sát quản lý hành chính về trật tự xã hội",
        ),
        phone="+84912345678",
        email="an.nguyen@example.vn",
        address="12 Trần Duy Hưng, Cầu Giấy, Hà Nội",
        office_code="BHXH-01",
        unit_code=None,
    )


def test_full_name_is_normalised_to_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn An")
    assert decomposed != "Nguyễn Văn An"

    assert parse(form(full_name=decomposed)).full_name == "Nguyễn Văn An"


def test_full_name_spaces_are_collapsed_and_trimmed() -> None:
    assert parse(form(full_name="  Nguyễn   Văn\tAn  ")).full_name == "Nguyễn Văn An"


def test_address_spaces_are_collapsed() -> None:
    assert parse(form(address=" 12  Trần Duy Hưng,\n Hà Nội ")).address == "12 Trần Duy Hưng, Hà Nội"


def test_phone_is_stored_in_e164() -> None:
    assert parse(form(phone="0912345678")).phone == "+84912345678"


def test_email_domain_is_normalised() -> None:
    assert parse(form(email="An.Nguyen@EXAMPLE.VN")).email == "An.Nguyen@example.vn"


def test_office_code_is_uppercased_and_trimmed() -> None:
    assert parse(form(office_code=" bhxh-01 ")).office_code == "BHXH-01"


def test_unit_code_is_optional_and_uppercased() -> None:
    assert parse(form()).unit_code is None
    assert parse(form(unit_code="don-vi.01")).unit_code == "DON-VI.01"


def test_nationality_defaults_to_vn() -> None:
    assert parse(without("nationality")).nationality == "VN"


def test_nationality_null_means_default_vn() -> None:
    assert parse(form(nationality=None)).nationality == "VN"


def test_id_number_spaces_are_removed() -> None:
    assert parse(form(id_number="001 089 020 747")).id_document.number == "001089020747"


def test_passport_number_is_uppercased() -> None:
    assert parse(form(id_type="passport", id_number="c1234567")).id_document.number == "C1234567"


# --- presence: required and unknown fields -----------------------------------


@pytest.mark.parametrize("key", REQUIRED)
def test_missing_required_field(key: str) -> None:
    assert errors_of(without(key)) == [(key, "required")]


def replaced(key: str, value: Any) -> dict[str, Any]:
    """The valid form with one top-level field set (``form()`` reads ``id_*`` as id_document keys)."""
    data = form()
    data[key] = value
    return data


@pytest.mark.parametrize("key", REQUIRED)
def test_null_required_field(key: str) -> None:
    assert errors_of(replaced(key, None)) == [(key, "required")]


@pytest.mark.parametrize("key", ["email", "unit_code", "nationality"])
def test_optional_field_may_be_absent(key: str) -> None:
    data = form(unit_code="U1")
    del data[key]

    parse(data)


@pytest.mark.parametrize("key", ID_DOCUMENT_FIELDS)
def test_missing_id_document_field(key: str) -> None:
    assert errors_of(without_id(key)) == [(f"id_document.{key}", "required")]


def test_unknown_top_level_field() -> None:
    assert errors_of(form(password="secret")) == [("password", "unknown_field")]


def test_unknown_id_document_field() -> None:
    assert errors_of(form(id_expires_on="2031-04-01")) == [("id_document.expires_on", "unknown_field")]


def test_every_problem_is_reported_at_once() -> None:
    data = form(full_name="An 2", gender="x", bhxh_code="1", phone="1", email="nope")

    assert set(errors_of(data)) == {
        ("full_name", "invalid_characters"),
        ("gender", "invalid_choice"),
        ("bhxh_code", "invalid_bhxh_code"),
        ("phone", "invalid_phone"),
        ("email", "invalid_email"),
    }


# --- types -------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, [], "form", 1, 1.5, True])
def test_body_that_is_not_an_object(value: Any) -> None:
    assert errors_of(value) == [("", "invalid_type")]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("full_name", 123),
        ("full_name", ["Nguyễn Văn An"]),
        ("date_of_birth", 19890502),
        ("phone", 912345678),
        ("email", 1),
        ("address", {"street": "12 Trần Duy Hưng"}),
        ("office_code", 1),
        ("unit_code", 1),
        ("id_document", "001089020747"),
        ("id_document", ["cccd", "001089020747"]),
    ],
)
def test_wrong_type(key: str, value: Any) -> None:
    assert errors_of(replaced(key, value)) == [(key, "invalid_type")]


@pytest.mark.parametrize(("key", "value"), [("number", 1089020747), ("issued_on", 20210401), ("issued_by", False)])
def test_wrong_type_in_id_document(key: str, value: Any) -> None:
    assert errors_of(form(**{f"id_{key}": value})) == [(f"id_document.{key}", "invalid_type")]


def test_wrong_type_names_the_expected_type() -> None:
    with pytest.raises(ValidationError) as caught:
        parse(form(full_name=1))

    assert caught.value.errors[0].params == {"expected": "string"}


# --- full_name ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Nguyễn Văn 2",
        "Nguyen Van An1",
        "An@Nguyen",
        "Nguyễn- Văn An",
        "-Nguyễn Văn An",
        "Nguyễn Văn An'",
        "Nguyễn Văn An.",
    ],
)
def test_full_name_with_digits_or_symbols(name: str) -> None:
    assert errors_of(form(full_name=name)) == [("full_name", "invalid_characters")]


@pytest.mark.parametrize(
    "name",
    [
        "Nguy\u0435n V\u0430n A",  # Cyrillic е and а among Latin letters: the look-alike of "Nguyen Van A"
        "Nguyễn Văn \u0391n",  # a Greek capital alpha
        "Иван Петров",  # wholly Cyrillic
        "阮文安",  # Han
    ],
)
def test_full_name_in_another_script_is_refused(name: str) -> None:
    assert errors_of(form(full_name=name)) == [("full_name", "invalid_script")]


@pytest.mark.parametrize("name", ["Nguyễn Văn An", "ĐẶNG ĐỨC KHÁNH", "Trần Thị Bình", "Lò Văn Ơn", "Ksor H'Bia"])
def test_full_name_in_vietnamese_latin_letters_is_accepted(name: str) -> None:
    assert parse(form(full_name=name)).full_name == name


@pytest.mark.parametrize("name", ["H'Hen Niê", "Y-Moan Ênuôl", "H’Ren Byă", "Nguyễn-Văn An"])
def test_full_name_accepts_apostrophes_and_hyphens_inside_ethnic_minority_names(name: str) -> None:
    assert parse(form(full_name=name)).full_name == name


@pytest.mark.parametrize("name", ["Nguyễn\u200bVăn", "Nguyễn\x00Văn"])  # zero-width space (Cf), control (Cc)
def test_full_name_with_invisible_characters(name: str) -> None:
    assert set(errors_of(form(full_name=name))) == {("full_name", "invalid_characters")}


def test_full_name_with_invisible_characters_is_reported_once() -> None:
    assert errors_of(form(full_name="Nguyễn\x00Văn")) == [("full_name", "invalid_characters")]


def test_full_name_of_100_letters_is_accepted() -> None:
    assert parse(form(full_name="A" * 100)).full_name == "A" * 100


def test_full_name_over_100_characters() -> None:
    assert errors_of(form(full_name="A" * 101)) == [("full_name", "too_long")]


def test_full_name_length_counts_after_collapsing_spaces() -> None:
    assert parse(form(full_name="A" * 50 + "    " + "B" * 49)).full_name == "A" * 50 + " " + "B" * 49


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_blank_full_name(name: str) -> None:
    assert errors_of(form(full_name=name)) == [("full_name", "required")]


def test_address_over_300_characters() -> None:
    assert errors_of(form(address="x" * 301)) == [("address", "too_long")]


def test_blank_issued_by() -> None:
    assert errors_of(form(id_issued_by="  ")) == [("id_document.issued_by", "required")]


# --- dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "02/05/1989",
        "1989/05/02",
        "1989-5-2",
        "19890502",
        "1989-02-30",
        "1989-13-01",
        " 1989-05-02",
        "1989-05-02T00:00",
        "",
    ],
)
def test_date_of_birth_format(value: str) -> None:
    assert errors_of(form(date_of_birth=value)) == [("date_of_birth", "invalid_date")]


def test_date_of_birth_iso_week_format_is_rejected() -> None:
    assert errors_of(form(date_of_birth="1989-W18-2")) == [("date_of_birth", "invalid_date")]


def test_issued_on_format() -> None:
    assert errors_of(form(id_issued_on="01/04/2021")) == [("id_document.issued_on", "invalid_date")]


@pytest.mark.parametrize("value", ["2026-11-24", "2026-11-25", "2099-01-01", "1899-12-31", "0001-01-01"])
def test_date_of_birth_out_of_range(value: str) -> None:
    # cmnd, so the CCCD century/birth-year rules play no part
    data = form(date_of_birth=value, id_type="cmnd", id_number="123456789")

    assert errors_of(data) == [("date_of_birth", "date_out_of_range")]


@pytest.mark.parametrize("value", ["1900-01-01", "2026-11-23"])
def test_date_of_birth_at_the_edges_of_the_range(value: str) -> None:
    data = form(date_of_birth=value, id_type="cmnd", id_number="123456789", id_issued_on="2026-11-24")

    assert parse(data).date_of_birth == value


def test_issued_on_in_the_future() -> None:
    assert errors_of(form(id_issued_on="2026-11-25")) == [("id_document.issued_on", "date_out_of_range")]


def test_issued_on_today_is_accepted() -> None:
    assert parse(form(id_issued_on="2026-11-24")).id_document.issued_on == "2026-11-24"


def test_issued_on_before_birth() -> None:
    assert errors_of(form(id_issued_on="1989-05-01")) == [("id_document.issued_on", "date_out_of_range")]


def test_issued_on_the_day_of_birth_is_accepted() -> None:
    assert parse(form(id_issued_on="1989-05-02")).id_document.issued_on == "1989-05-02"


# --- gender, nationality, bhxh_code ------------------------------------------


@pytest.mark.parametrize("value", ["Male", "m", "other", "", 1, True])
def test_gender_choices(value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(form(gender=value, id_type="cmnd", id_number="123456789"))

    assert [(e.field, e.code, e.params) for e in caught.value.errors] == [
        ("gender", "invalid_choice", {"choices": "male, female"})
    ]


@pytest.mark.parametrize(("value", "expected"), [("VN", "VN"), ("vn", "VN"), ("Us", "US"), ("fr", "FR")])
def test_nationality_iso_codes(value: str, expected: str) -> None:
    assert parse(form(nationality=value)).nationality == expected


@pytest.mark.parametrize("value", ["XX", "VNM", "V", "", " VN", "Việt Nam", 84, ["VN"]])
def test_nationality_not_an_iso_code(value: Any) -> None:
    assert errors_of(form(nationality=value)) == [("nationality", "invalid_country")]


def test_nationality_with_non_ascii_letters_is_rejected() -> None:
    assert errors_of(form(nationality="ſe")) == [("nationality", "invalid_country")]


@pytest.mark.parametrize(
    "value", ["012345678", "01234567890", "012345678a", "0123 45678", "０１２３４５６７８９", "", 123456789]
)
def test_bhxh_code_has_10_digits(value: Any) -> None:
    assert errors_of(form(bhxh_code=value)) == [("bhxh_code", "invalid_bhxh_code")]


# --- id_document -------------------------------------------------------------


@pytest.mark.parametrize("value", ["CCCD", "id", "", 1])
def test_id_document_type_choices(value: Any) -> None:
    assert errors_of(form(id_type=value)) == [("id_document.type", "invalid_choice")]


@pytest.mark.parametrize(
    ("gender", "date_of_birth", "number"),
    [
        ("male", "1989-05-02", "001089020747"),  # 1900s, male: 0
        ("female", "1989-05-02", "001189020747"),  # 1900s, female: 1
        ("male", "2001-09-30", "079201123456"),  # 2000s, male: 2
        ("female", "2001-09-30", "079301123456"),  # 2000s, female: 3
        ("male", "1900-01-01", "096000000001"),
        ("female", "1999-12-31", "001199000000"),
    ],
)
def test_cccd_accepted(gender: str, date_of_birth: str, number: str) -> None:
    data = form(gender=gender, date_of_birth=date_of_birth, id_number=number, id_issued_on="2021-04-01")

    assert parse(data).id_document.number == number


@pytest.mark.parametrize(
    ("gender", "date_of_birth", "number", "code"),
    [
        ("male", "1989-05-02", "00108902074", "cccd_format"),
        ("male", "1989-05-02", "0010890207470", "cccd_format"),
        ("male", "1989-05-02", "00108902074A", "cccd_format"),
        ("male", "1989-05-02", "000089020747", "cccd_province"),
        ("male", "1989-05-02", "003089020747", "cccd_province"),
        ("male", "1989-05-02", "001289020747", "cccd_century_mismatch"),  # 2000s digit, born 1989
        ("female", "1989-05-02", "001389020747", "cccd_century_mismatch"),
        ("male", "2001-09-30", "079001123456", "cccd_century_mismatch"),  # 1900s digit, born 2001
        ("male", "1989-05-02", "001090020747", "cccd_birth_year_mismatch"),
        ("male", "2001-09-30", "079210123456", "cccd_birth_year_mismatch"),
        ("female", "1989-05-02", "001089020747", "cccd_gender_mismatch"),  # male digit 0
        ("male", "1989-05-02", "001189020747", "cccd_gender_mismatch"),  # female digit 1
        ("female", "2001-09-30", "079201123456", "cccd_gender_mismatch"),  # male digit 2
        ("male", "2001-09-30", "079301123456", "cccd_gender_mismatch"),  # female digit 3
    ],
)
def test_cccd_rejected(gender: str, date_of_birth: str, number: str, code: str) -> None:
    data = form(gender=gender, date_of_birth=date_of_birth, id_number=number, id_issued_on="2021-04-01")

    assert errors_of(data) == [("id_document.number", code)]


@pytest.mark.parametrize("number", ["123456789", "123456789012"])
def test_cmnd_accepted(number: str) -> None:
    assert parse(form(id_type="cmnd", id_number=number)).id_document.number == number


@pytest.mark.parametrize(
    "number", ["12345678", "1234567890", "12345678901", "1234567890123", "12345678A", "１２３４５６７８９"]
)
def test_cmnd_rejected(number: str) -> None:
    assert errors_of(form(id_type="cmnd", id_number=number)) == [("id_document.number", "cmnd_format")]


@pytest.mark.parametrize(("number", "stored"), [("C1234567", "C1234567"), ("B123456", "B123456"), ("123456", "123456")])
def test_passport_accepted(number: str, stored: str) -> None:
    assert parse(form(id_type="passport", id_number=number)).id_document.number == stored


@pytest.mark.parametrize("number", ["C1234", "C123456789", "ABCDEFGH", "C-123456", "Đ1234567", ""])
def test_passport_rejected(number: str) -> None:
    expected = [("id_document.number", "passport_format")]
    assert errors_of(form(id_type="passport", id_number=number)) == expected


# --- phone -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["0912345678", "+84912345678", "84 912 345 678", "84912345678", "0912 345 678", "091-234-5678", "(091) 2345678"],
)
def test_vietnamese_mobile_accepted(value: str) -> None:
    assert parse(form(phone=value)).phone == "+84912345678"


@pytest.mark.parametrize("value", ["0332345678", "0862345678", "0702345678", "0562345678"])
def test_other_mobile_prefixes_accepted(value: str) -> None:
    assert parse(form(phone=value)).phone == "+84" + value[1:]


@pytest.mark.parametrize(
    "value",
    [
        "02439393939",  # Hà Nội landline
        "+84 24 3939 3939",
        "02838383838",  # HCMC landline
        "+14155552671",  # US
        "+66812345678",  # Thailand mobile
        "0912",
        "091234567890",
        "abc",
        "",
        "   ",
        "+",
        "0912345678901234567890123",
        "19009068",  # the hotline is not a mobile
    ],
)
def test_not_a_vietnamese_mobile(value: str) -> None:
    assert errors_of(form(phone=value)) == [("phone", "invalid_phone")]


# --- email -------------------------------------------------------------------


def test_email_is_optional() -> None:
    assert parse(without("email")).email is None
    assert parse(form(email=None)).email is None
    assert parse(form(email="")).email is None


@pytest.mark.parametrize(
    "value", ["nope", "a@", "@example.vn", "a b@example.vn", "a@@example.vn", "a@example", "x" * 250 + "@a.vn"]
)
def test_invalid_email(value: str) -> None:
    assert errors_of(form(email=value)) == [("email", "invalid_email")]


# --- office_code ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "BHXH 01", "BHXH/01", "Đ01", "X" * 21])
def test_invalid_office_code(value: str) -> None:
    assert errors_of(form(office_code=value)) == [("office_code", "invalid_code")]


# --- properties ----------------------------------------------------------------

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
JSON = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=20,
)
FORM_SHAPED = st.fixed_dictionaries(
    {},
    optional={
        **{key: JSON for key in FIELDS},
        "id_document": JSON | st.fixed_dictionaries({}, optional={key: JSON for key in ID_DOCUMENT_FIELDS}),
    },
)
FIELD_PATHS = [*FIELDS, *(f"id_document.{key}" for key in ID_DOCUMENT_FIELDS), "extra", "id_document.extra"]
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parses_or_validation_error(data: Any) -> None:
    try:
        result = parse(data)
    except ValidationError as error:
        assert error.errors
    else:
        assert isinstance(result, Form01)


@FAST
@given(JSON)
def test_any_json_value_parses_or_raises_validation_error(data: Any) -> None:
    _parses_or_validation_error(data)


@FAST
@given(FORM_SHAPED)
def test_any_form_shaped_dict_parses_or_raises_validation_error(data: dict[str, Any]) -> None:
    _parses_or_validation_error(data)


@FAST
@given(st.sampled_from(FIELD_PATHS), JSON)
def test_valid_form_with_one_field_replaced_parses_or_raises_validation_error(path: str, value: Any) -> None:
    data = form()
    if path.startswith("id_document."):
        data["id_document"][path.split(".", 1)[1]] = value
    else:
        data[path] = value

    _parses_or_validation_error(data)


@FAST
@given(st.sampled_from(FIELD_PATHS), st.text())
def test_valid_form_with_one_field_replaced_by_text_parses_or_raises_validation_error(path: str, value: str) -> None:
    data = form()
    if path.startswith("id_document."):
        data["id_document"][path.split(".", 1)[1]] = value
    else:
        data[path] = value

    _parses_or_validation_error(data)


MOBILE_PREFIXES = ["90", "91", "93", "94", "96", "97", "98", "32", "35", "39", "70", "79", "81", "86", "88", "56", "58"]
# Every Latin letter of the Basic Multilingual Plane, by its Unicode name (names are one script).
LATIN_LETTERS = sorted(
    ch for ch in map(chr, range(0x10000)) if ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN ")
)
LETTERS = st.sampled_from(LATIN_LETTERS)
# Letters that stay one letter under NFC: a composition-excluded one (DEVANAGARI LETTER QA becomes
# KA + NUKTA, a combining mark) is refused too, but as ``invalid_characters``.
OTHER_SCRIPT_LETTERS = st.characters(categories=["Lu", "Ll", "Lo"]).filter(
    lambda ch: not unicodedata.name(ch, "").startswith("LATIN ") and unicodedata.normalize("NFC", ch) == ch
)
SAFE_TEXT = st.characters(exclude_categories=["Cc", "Cf", "Cs", "Co", "Cn"])


@st.composite
def phones(draw: st.DrawFn) -> str:
    national = draw(st.sampled_from(MOBILE_PREFIXES)) + draw(st.text("0123456789", min_size=7, max_size=7))
    style = draw(st.sampled_from(["0{n}", "+84{n}", "84{n}", "84 {a} {b} {c}", "0{a} {b} {c}"]))
    return style.format(n=national, a=national[:3], b=national[3:6], c=national[6:])


@st.composite
def valid_forms(draw: st.DrawFn) -> dict[str, Any]:
    words = draw(st.lists(st.text(LETTERS, min_size=1, max_size=12), min_size=1, max_size=5))
    gender = draw(st.sampled_from(["male", "female"]))
    dob = draw(st.dates(date(1900, 1, 1), TODAY - timedelta(days=1)))
    issued_on = draw(st.dates(dob, TODAY))
    doc_type = draw(st.sampled_from(["cccd", "cmnd", "passport"]))
    if doc_type == "cccd":
        digit = (dob.year // 100 - 19) * 2 + (1 if gender == "female" else 0)
        number = (
            draw(st.sampled_from(sorted(CCCD_PROVINCE_PREFIXES)))
            + str(digit)
            + f"{dob.year % 100:02d}"
            + draw(st.text("0123456789", min_size=6, max_size=6))
        )
    elif doc_type == "cmnd":
        number = draw(st.text("0123456789", min_size=9, max_size=9) | st.text("0123456789", min_size=12, max_size=12))
    else:
        number = draw(st.from_regex(r"[A-Za-z][0-9]{7}|[0-9A-Z]{5}[0-9]", fullmatch=True))
    nationality = draw(st.sampled_from(sorted(ISO_3166_ALPHA2)))
    data: dict[str, Any] = {
        "full_name": draw(st.sampled_from(["", " ", "  "])).join(words),
        "date_of_birth": dob.isoformat(),
        "gender": gender,
        "nationality": draw(st.sampled_from([nationality, nationality.lower()])),
        "bhxh_code": draw(st.text("0123456789", min_size=10, max_size=10)),
        "id_document": {
            "type": doc_type,
            "number": number,
            "issued_on": issued_on.isoformat(),
            "issued_by": draw(st.text(SAFE_TEXT, min_size=1, max_size=200)),
        },
        "phone": draw(phones()),
        "address": draw(st.text(SAFE_TEXT, min_size=1, max_size=300)),
        "office_code": draw(st.from_regex(r"[A-Za-z0-9._-]{1,20}", fullmatch=True)),
    }
    if draw(st.booleans()):
        data["email"] = draw(st.emails() | st.sampled_from(["An.Nguyen@EXAMPLE.VN", "nguyễn@ví-dụ.vn", ""]))
    if draw(st.booleans()):
        data["unit_code"] = draw(st.from_regex(r"[A-Za-z0-9._-]{1,20}", fullmatch=True))
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(valid_forms())
def test_valid_output_is_a_fixed_point(data: dict[str, Any]) -> None:
    try:
        first = parse(copy.deepcopy(data))
    except ValidationError:
        assume(False)
        raise

    again = first.to_dict()
    if again["email"] is None:
        del again["email"]
    assert parse(again) == first


@FAST
@given(valid_forms())
def test_valid_output_is_normalised(data: dict[str, Any]) -> None:
    try:
        result = parse(data)
    except ValidationError:
        assume(False)
        raise

    assert result.phone.startswith("+84") and len(result.phone) == 12
    assert result.full_name == unicodedata.normalize("NFC", result.full_name)
    assert result.full_name == " ".join(result.full_name.split())
    assert result.nationality in ISO_3166_ALPHA2
    assert result.office_code == result.office_code.upper()
    assert date.fromisoformat(result.date_of_birth) < TODAY


@FAST
@given(st.text(LETTERS, min_size=1, max_size=20), OTHER_SCRIPT_LETTERS, st.integers(0, 20))
def test_any_letter_of_another_script_in_a_latin_name_is_refused(latin: str, other: str, at: int) -> None:
    assert errors_of(form(full_name=latin[:at] + other + latin[at:])) == [("full_name", "invalid_script")]
