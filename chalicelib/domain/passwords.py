"""Passwords: temporary passwords, Argon2id hashing and the policy for new ones.

Pure rules (DESIGN §2 "Accounts and sign-in"): the services decide when to
hash, verify or check; nothing here reads the clock, the environment or AWS.
"""

from __future__ import annotations

import re
import secrets
import string
import unicodedata
from collections.abc import Sequence

import argon2

from .errors import FieldError

# Temporary passwords are read from an SMS and typed by hand, often by older
# people: no 0/O/o, 1/l/I/i, 5/S/s, 2/Z/z, 8/B, u/v/U/V. Plain ASCII letters and
# digits are all in the GSM 03.38 basic alphabet, so the SMS stays one segment.
_AMBIGUOUS = set("0Oo1lIi5Ss2Zz8BuvUV")
TEMP_PASSWORD_ALPHABET = "".join(
    ch for ch in string.digits + string.ascii_uppercase + string.ascii_lowercase if ch not in _AMBIGUOUS
)
_TEMP_LETTERS = frozenset(ch for ch in TEMP_PASSWORD_ALPHABET if ch.isalpha())
_TEMP_DIGITS = frozenset(ch for ch in TEMP_PASSWORD_ALPHABET if ch.isdigit())
TEMP_PASSWORD_MIN_LENGTH = 10

FIELD = "new_password"
MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_SCORE = 2  # zxcvbn 0..4; 2 is "somewhat guessable", ~10^8 guesses at least
HISTORY_SIZE = 5
# zxcvbn's matching grows faster than linearly with length; the head of a long
# password is enough to judge it (and a long one rarely fails on strength).
ZXCVBN_MAX_INPUT = 100

# Always forbidden, whoever the user is: the obvious words for this service.
FIXED_CONTEXT_WORDS = ("bhxh", "baohiemxahoi")
_MIN_CONTEXT_PART = 4  # shorter name parts ("An", "Văn") would reject innocent passwords
_MIN_CONTEXT_DIGITS = 6
_DIGIT_SEPARATORS = str.maketrans("", "", "+-.()/")
_DIGIT_RUN = re.compile(r"[0-9]{6,}")  # _MIN_CONTEXT_DIGITS or more

# zxcvbn's lists are English; these Vietnamese favourites are handed to it as
# extra user inputs so that "matkhau123" ("password123") scores as it should.
COMMON_VIETNAMESE_WORDS = (
    "matkhau",
    "matma",
    "anhyeuem",
    "emyeuanh",
    "yeuem",
    "yeuanh",
    "baohiem",
    "xahoi",
    "taikhoan",
    "dangnhap",
    "baomat",
    "vssid",
    "vietnam",
    "hanoi",
    "saigon",
    "hochiminh",
    "danang",
    "abcxyz",
)


def new_temporary_password(length: int = 12) -> str:
    """A random password for the approval SMS, easy to read and type.

    At least one letter and one digit, because some of the systems people
    re-type it into insist on both.
    """
    if length < TEMP_PASSWORD_MIN_LENGTH:
        raise ValueError(f"temporary passwords have at least {TEMP_PASSWORD_MIN_LENGTH} characters")
    while True:
        candidate = "".join(secrets.choice(TEMP_PASSWORD_ALPHABET) for _ in range(length))
        chars = set(candidate)
        if chars & _TEMP_LETTERS and chars & _TEMP_DIGITS:
            return candidate


def normalise(password: str) -> str:
    """NFKC, so the same password typed on another keyboard or IME still matches
    (full-width 'Ｐａｓｓ' is 'Pass'; precomposed and combining Vietnamese agree)."""
    return unicodedata.normalize("NFKC", password)


class Hasher:
    """Argon2id hashing; RFC 9106 low-memory profile (64 MiB, t=3, p=4) by default.

    ``parameters`` exists so tests can use a cheap profile; production keeps the
    default, and ``needs_rehash`` tells the login service when to upgrade a hash.
    """

    def __init__(self, parameters: argon2.Parameters | None = None) -> None:
        self._hasher = argon2.PasswordHasher.from_parameters(parameters or argon2.profiles.RFC_9106_LOW_MEMORY)
        self._dummy_hash: str | None = None

    def hash(self, password: str) -> str:
        """PHC string (``$argon2id$v=19$m=...``) with a fresh random salt.

        Raises ``ValueError`` (``UnicodeEncodeError``) for text that is not valid
        Unicode (lone surrogates); ``check_new_password`` rejects those first.
        """
        return self._hasher.hash(normalise(password))

    def verify(self, stored_hash: str, password: str) -> bool:
        """True only on a match; a mismatch, a malformed hash or an unencodable
        password is just False, so callers answer every failure the same way."""
        try:
            return self._hasher.verify(stored_hash, normalise(password))
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError, UnicodeEncodeError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when the hash was made with other parameters (or cannot be read),
        so the login service re-hashes the password it has just verified."""
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except argon2.exceptions.InvalidHashError:
            return True

    def dummy_verify(self, password: str) -> None:
        """Spend the time of a real verification, for a login with an unknown
        username, so response times do not reveal which usernames exist.

        The reference hash is made on first use (that first call costs one hash
        more) and kept on the instance.
        """
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        self.verify(self._dummy_hash, password)


def _fold(text: str) -> str:
    """Lower case, no Vietnamese diacritics (đ→d), no whitespace: 'Nguyễn Văn An'
    and 'nguyenvanan' are the same word to someone guessing."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("đ", "d")
    return "".join(bare.split())


def _unaccent(text: str) -> str:
    """Vietnamese without diacritics, case and spaces kept (for zxcvbn)."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


def context_words(context: Sequence[str]) -> set[str]:
    """Folded words a new password must not contain: each value whole, its parts
    of at least 4 characters, the last 6 digits of long digit runs (phones,
    ID numbers), and the service's own name."""
    words = set(FIXED_CONTEXT_WORDS)
    for raw in context:
        value = normalise(raw)
        words.add(_fold(value))
        words.update(_fold(part) for part in value.split())
        compact = "".join(value.split()).translate(_DIGIT_SEPARATORS)
        words.update(run[-_MIN_CONTEXT_DIGITS:] for run in _DIGIT_RUN.findall(compact))
    # The whole value obeys the same minimum as its parts: a one-word name like
    # "An" must not forbid every password containing "an".
    return {word for word in words if len(word) >= _MIN_CONTEXT_PART}


def _is_weak(password: str, context: Sequence[str]) -> bool:
    from zxcvbn import zxcvbn  # type: ignore[import-untyped]  # loads large word lists: only when needed

    head = _unaccent(password)[:ZXCVBN_MAX_INPUT]
    result = zxcvbn(head, user_inputs=[*context, *COMMON_VIETNAMESE_WORDS], max_length=ZXCVBN_MAX_INPUT)
    return int(result["score"]) < MIN_SCORE


def check_new_password(
    password: str, *, context: Sequence[str], previous_hashes: Sequence[str], hasher: Hasher
) -> list[FieldError]:
    """Why ``password`` cannot be the new password ([] when it can).

    Only the first failing rule is reported: length, personal data, strength,
    reuse. ``context`` holds the user's own values (username, name, phone, ...);
    ``previous_hashes`` the current hash and the last ones. Length, not character
    classes, is what makes a password strong (NIST SP 800-63B), so there are no
    composition rules. Messages never echo the personal data that matched.
    """
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, e.g. from a JSON "\ud800" escape
        return [FieldError(FIELD, "invalid_characters")]
    normalised = normalise(password)
    if len(normalised) < MIN_LENGTH:
        return [FieldError(FIELD, "password_too_short", {"min": str(MIN_LENGTH)})]
    if len(normalised) > MAX_LENGTH:
        return [FieldError(FIELD, "password_too_long", {"max": str(MAX_LENGTH)})]
    folded = _fold(normalised)
    if any(word in folded for word in context_words(context)):
        return [FieldError(FIELD, "password_contains_personal_data")]
    if _is_weak(normalised, context):
        return [FieldError(FIELD, "password_too_weak")]
    if any(hasher.verify(stored, normalised) for stored in previous_hashes):
        return [FieldError(FIELD, "password_reused", {"count": str(HISTORY_SIZE)})]
    return []
