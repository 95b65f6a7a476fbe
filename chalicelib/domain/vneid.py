"""VNeID sign-ins (Decree 164/2025/NĐ-CP, Decree 69/2024/NĐ-CP): what a checked ID token says
about the person, and every way a VNeID sign-in is refused (one problem code each)."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import DomainError

PURPOSE_REGISTER = "register"
PURPOSE_SIGN_IN = "sign_in"
PURPOSES = (PURPOSE_REGISTER, PURPOSE_SIGN_IN)


class VneidError(DomainError):
    """The base of every refused VNeID sign-in; subclasses name the reason."""

    code = "vneid_refused"
    status = 401


class VneidStateInvalidError(VneidError):
    """No sign-in started with this ``state`` (unknown, used already, or older than 10 minutes)."""

    code = "vneid_state_invalid"
    status = 400


class VneidCodeInvalidError(VneidError):
    """The provider refused the authorization code (wrong, used, expired, or PKCE failed)."""

    code = "vneid_code_invalid"
    status = 400


class VneidUnavailableError(VneidError):
    """The provider did not answer (or answered nonsense): try again later."""

    code = "vneid_unavailable"
    status = 503


class TokenMalformedError(VneidError):
    code = "vneid_token_malformed"


class TokenSignatureInvalidError(VneidError):
    code = "vneid_token_signature_invalid"


class TokenAlgorithmRefusedError(VneidError):
    code = "vneid_token_algorithm_refused"


class TokenKeyUnknownError(VneidError):
    code = "vneid_token_key_unknown"


class TokenIssuerInvalidError(VneidError):
    code = "vneid_token_issuer_invalid"


class TokenAudienceInvalidError(VneidError):
    code = "vneid_token_audience_invalid"


class TokenExpiredError(VneidError):
    code = "vneid_token_expired"


class TokenNotYetValidError(VneidError):
    code = "vneid_token_not_yet_valid"


class TokenNonceInvalidError(VneidError):
    code = "vneid_token_nonce_invalid"


class TokenClaimsMissingError(VneidError):
    code = "vneid_token_claims_missing"


class LevelInsufficientError(VneidError):
    """Registration needs a level-2 e-ID account (issued in person against the chip CCCD)."""

    code = "vneid_level_insufficient"
    status = 403


@dataclass(frozen=True)
class Identity:
    """What a checked ID token says about the person."""

    subject: str
    personal_id: str
    full_name: str
    birthdate: str | None
    gender: str | None
    level: str


@dataclass(frozen=True)
class Started:
    state: str
    nonce: str
    verifier: str
    url: str
