"""Passwords: temporary passwords, Argon2id hashing, and the policy for new ones."""

from __future__ import annotations

import dataclasses
import string
from collections import Counter

import argon2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.errors import FieldError
from chalicelib.domain.messages import FIELD_MESSAGES, field_message
from chalicelib.domain.passwords import (
    FIELD,
    TEMP_PASSWORD_ALPHABET,
    Hasher,
    check_new_password,
    new_temporary_password,
    normalise,
)
from chalicelib.domain.templates import GSM7_BASIC

CHEAP = argon2.profiles.CHEAPEST
STRONG = "Cây tre xanh bên dòng sông quê 2026"
USERNAME = "0123456789"
FULL_NAME = "Nguyễn Văn An"
PHONE = "0912 345 678"
CONTEXT = [USERNAME, FULL_NAME, PHONE]
WORDS = "mèo đen nhảy qua hàng rào tre lúc chín giờ tối thứ bảy, gió lạnh thổi từ sông Hồng về phía phố cổ".split()


def passphrase(length: int) -> str:
    """Distinct words (no repetition zxcvbn could spot), cut to exactly ``length``."""
    text = " ".join(f"{word}{i}" for i, word in enumerate(WORDS * 3))
    assert len(text) >= length
    return text[:length]


@pytest.fixture(scope="module")
def hasher() -> Hasher:
    return Hasher(CHEAP)


def codes(
    password: str, hasher: Hasher, *, context: list[str] | None = None, previous: list[str] | None = None
) -> list[str]:
    errors = check_new_password(
        password, context=CONTEXT if context is None else context, previous_hashes=previous or [], hasher=hasher
    )
    return [e.code for e in errors]


# --- temporary passwords ------------------------------------------------------------


@pytest.mark.parametrize("ambiguous", list("0Oo1lIi5Ss2Zz8BuvUV"))
def test_temp_alphabet_has_no_ambiguous_character(ambiguous: str) -> None:
    assert ambiguous not in TEMP_PASSWORD_ALPHABET


def test_temp_alphabet_is_ascii_letters_and_digits_in_gsm7() -> None:
    assert set(TEMP_PASSWORD_ALPHABET) <= set(string.ascii_letters + string.digits)
    assert set(TEMP_PASSWORD_ALPHABET) <= GSM7_BASIC
    assert len(set(TEMP_PASSWORD_ALPHABET)) == len(TEMP_PASSWORD_ALPHABET)


def test_temp_password_default_length_and_alphabet() -> None:
    password = new_temporary_password()

    assert len(password) == 12
    assert set(password) <= set(TEMP_PASSWORD_ALPHABET)


@pytest.mark.parametrize("length", [10, 16, 40])
def test_temp_password_honours_length(length: int) -> None:
    assert len(new_temporary_password(length)) == length


@pytest.mark.parametrize("length", [-1, 0, 8, 9])
def test_temp_password_shorter_than_10_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="at least 10"):
        new_temporary_password(length)


def test_temp_passwords_have_a_letter_and_a_digit_and_look_random() -> None:
    draws = [new_temporary_password(10) for _ in range(1000)]

    assert all(any(ch.isalpha() for ch in p) and any(ch.isdigit() for ch in p) for p in draws)
    assert len(set(draws)) == 1000
    # every character of the alphabet turns up, none dominates (10000 draws, ~49 chars)
    counts = Counter("".join(draws))
    assert set(counts) == set(TEMP_PASSWORD_ALPHABET)
    assert max(counts.values()) < 3 * min(counts.values())


# --- normalisation and hashing ---------------------------------------------------------


def test_normalise_is_nfkc() -> None:
    assert normalise("Ｐａｓｓ") == "Pass"
    assert normalise("Vie\u0302\u0323t") == "Việt"


def test_full_width_password_verifies_against_ascii_hash(hasher: Hasher) -> None:
    stored = hasher.hash("Pass word 2026")

    assert hasher.verify(stored, "Ｐａｓｓ ｗｏｒｄ ２０２６")


def test_decomposed_vietnamese_verifies_against_precomposed_hash(hasher: Hasher) -> None:
    stored = hasher.hash("Việt Nam")

    assert hasher.verify(stored, "Vie\u0302\u0323t Nam")


def test_hash_is_argon2id_with_a_fresh_salt(hasher: Hasher) -> None:
    first, second = hasher.hash("same password"), hasher.hash("same password")

    assert first.startswith("$argon2id$")
    assert first != second


def test_verify_true_on_match(hasher: Hasher) -> None:
    assert hasher.verify(hasher.hash("correct horse"), "correct horse") is True


def test_verify_false_on_mismatch(hasher: Hasher) -> None:
    assert hasher.verify(hasher.hash("correct horse"), "correct horse!") is False


@pytest.mark.parametrize(
    "stored",
    ["", "not a hash", "$argon2id$v=19$m=8,t=1,p=1$garbage", "$2b$12$abcdefghijklmnopqrstuv", "$argon2id$\x00"],
)
def test_verify_false_on_malformed_hash(hasher: Hasher, stored: str) -> None:
    assert hasher.verify(stored, "anything") is False


def test_verify_false_for_lone_surrogate(hasher: Hasher) -> None:
    assert hasher.verify(hasher.hash("abc"), "\ud800") is False


def test_needs_rehash_when_parameters_differ(hasher: Hasher) -> None:
    other = Hasher(dataclasses.replace(CHEAP, time_cost=CHEAP.time_cost + 1))

    assert hasher.needs_rehash(other.hash("pw")) is True
    assert hasher.needs_rehash(hasher.hash("pw")) is False


def test_needs_rehash_for_malformed_hash(hasher: Hasher) -> None:
    assert hasher.needs_rehash("not a hash") is True


def test_dummy_verify_runs_and_reuses_its_hash() -> None:
    local = Hasher(CHEAP)

    local.dummy_verify("whatever")
    first = local._dummy_hash
    local.dummy_verify("something else")

    assert first is not None
    assert local._dummy_hash == first


def test_default_hasher_uses_rfc_9106_low_memory() -> None:
    stored = Hasher().hash("x")

    params = argon2.extract_parameters(stored)
    assert params.type is argon2.Type.ID
    assert (params.time_cost, params.memory_cost, params.parallelism) == (3, 65536, 4)
    assert params == argon2.profiles.RFC_9106_LOW_MEMORY


# --- policy: length ---------------------------------------------------------------------


def test_7_characters_is_too_short(hasher: Hasher) -> None:
    errors = check_new_password("kW9#q2x", context=[], previous_hashes=[], hasher=hasher)

    assert errors == [FieldError(FIELD, "password_too_short", {"min": "8"})]


def test_8_characters_is_long_enough(hasher: Hasher) -> None:
    assert "password_too_short" not in codes("kW9#q2xT", hasher)


def test_length_counts_code_points_after_nfkc(hasher: Hasher) -> None:
    # 4 Vietnamese letters written with combining marks are 4 code points after NFKC, not 9
    assert codes("e\u0302\u0301" * 4, hasher) == ["password_too_short"]


def test_128_characters_is_allowed(hasher: Hasher) -> None:
    assert codes(passphrase(128), hasher) == []


def test_129_characters_is_too_long(hasher: Hasher) -> None:
    errors = check_new_password(passphrase(129), context=[], previous_hashes=[], hasher=hasher)

    assert errors == [FieldError(FIELD, "password_too_long", {"max": "128"})]


@pytest.mark.parametrize(
    "password",
    [STRONG, "🦄 ăn phở ở Hội An lúc 3 giờ sáng 🌈", "bananas-fly-over-42-moons", "correct horse battery staple"],
)
def test_strong_unicode_passwords_are_accepted(hasher: Hasher, password: str) -> None:
    assert codes(password, hasher) == []


# --- policy: personal data ------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "tk0123456789-rất-an-toàn",  # username inside
        "NguyenVanAn!Forever2026",  # full name without spaces or diacritics
        "nguyễn văn an yêu biển",  # full name as typed
        "my-phone-ends-345678!",  # last 6 digits of the phone
        "Giraffe-Bhxh-Pizza-Rocket",  # the service's name, any case
        "giraffe-BHXH-pizza-rocket",
        "bảo hiểm xã hội tuyệt vời lắm",  # the long name with diacritics and spaces
        "NGUYEN-purple-elephant-99",  # a name part of at least 4 characters
    ],
)
def test_personal_data_is_refused(hasher: Hasher, password: str) -> None:
    assert codes(password, hasher) == ["password_contains_personal_data"]


def test_personal_data_error_does_not_echo_the_data(hasher: Hasher) -> None:
    errors = check_new_password("NguyenVanAn!Forever2026", context=CONTEXT, previous_hashes=[], hasher=hasher)

    assert errors == [FieldError(FIELD, "password_contains_personal_data")]
    assert "nguyen" not in field_message(errors[0], "vi").lower()


def test_name_part_shorter_than_4_is_not_a_context_word(hasher: Hasher) -> None:
    assert codes("bananas-fly-over-42-moons", hasher, context=["An", FULL_NAME]) == []


def test_dong_d_folds_to_d(hasher: Hasher) -> None:
    assert codes("Duong-tra-sua-ngon-77", hasher, context=["Đường Thị Mai"]) == ["password_contains_personal_data"]


def test_empty_context_values_are_ignored(hasher: Hasher) -> None:
    assert codes(STRONG, hasher, context=["", "   "]) == []


# --- policy: strength --------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["password", "12345678", "matkhau123", "Mậtkhẩu123", "anhyeuem123", "iloveyou"])
def test_common_passwords_are_too_weak(hasher: Hasher, password: str) -> None:
    assert codes(password, hasher, context=[]) == ["password_too_weak"]


def test_long_passwords_are_judged_on_their_head_quickly(hasher: Hasher) -> None:
    assert codes("ab" * 64, hasher) == ["password_too_weak"]


# --- policy: reuse ---------------------------------------------------------------------------------


def test_reusing_a_previous_password_is_refused(hasher: Hasher) -> None:
    previous = [hasher.hash("first passphrase of mine"), hasher.hash(STRONG), "corrupt"]

    errors = check_new_password(STRONG, context=CONTEXT, previous_hashes=previous, hasher=hasher)

    assert errors == [FieldError(FIELD, "password_reused", {"count": "5"})]


def test_reuse_is_detected_through_nfkc(hasher: Hasher) -> None:
    previous = [hasher.hash("Ｐａｓｓｐｈｒａｓｅ with purple owls")]

    assert codes("Passphrase with purple owls", hasher, previous=previous) == ["password_reused"]


def test_a_new_password_is_not_reuse(hasher: Hasher) -> None:
    previous = [hasher.hash("first passphrase of mine")]

    assert codes(STRONG, hasher, previous=previous) == []


# --- messages -------------------------------------------------------------------------------------


POLICY_CODES = [
    "invalid_characters",
    "password_too_short",
    "password_too_long",
    "password_contains_personal_data",
    "password_too_weak",
    "password_reused",
]


@pytest.mark.parametrize("code", POLICY_CODES)
def test_every_policy_code_has_messages_in_both_languages(code: str) -> None:
    vi, en = FIELD_MESSAGES[code]
    assert vi.strip() and en.strip()
    assert vi != en


def test_messages_fill_their_params() -> None:
    assert field_message(FieldError(FIELD, "password_too_short", {"min": "8"}), "vi") == (
        "Mật khẩu phải có ít nhất 8 ký tự"
    )
    assert "128" in field_message(FieldError(FIELD, "password_too_long", {"max": "128"}), "en")
    assert "5" in field_message(FieldError(FIELD, "password_reused", {"count": "5"}), "vi")


def test_lone_surrogate_is_invalid_characters(hasher: Hasher) -> None:
    assert codes("abc\ud800defgh-long-enough", hasher) == ["invalid_characters"]


# --- property ----------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    password=st.text(max_size=300),
    context=st.lists(st.text(max_size=40), max_size=4),
)
def test_policy_is_total(password: str, context: list[str]) -> None:
    hasher = Hasher(CHEAP)

    errors = check_new_password(password, context=context, previous_hashes=["corrupt"], hasher=hasher)

    assert isinstance(errors, list)
    assert all(isinstance(e, FieldError) and e.field == FIELD and e.code in FIELD_MESSAGES for e in errors)
    assert len(errors) <= 1


@settings(max_examples=200, deadline=None)
@given(
    password=st.text(st.characters(exclude_categories=()), min_size=8, max_size=300),
    context=st.lists(st.text(max_size=40), max_size=4),
)
def test_policy_is_total_past_the_length_rule(password: str, context: list[str]) -> None:
    """Long enough to reach zxcvbn and the reuse check; lone surrogates included."""
    errors = check_new_password(password, context=context, previous_hashes=["corrupt"], hasher=Hasher(CHEAP))

    assert all(isinstance(e, FieldError) and e.code in FIELD_MESSAGES for e in errors)
    assert len(errors) <= 1
