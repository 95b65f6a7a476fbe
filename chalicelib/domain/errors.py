"""Domain failures, one type each, with a stable machine code.

Every failure a caller can cause maps to exactly one problem ``code`` and one
HTTP status (RFC 9457). Texts live in ``domain.messages``; nothing here knows
about HTTP beyond the status number the API contract assigns.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field


@dataclass(frozen=True)
class FieldError:
    """One invalid field: ``field`` is a JSON-pointer-like dotted path."""

    field: str
    code: str
    params: dict[str, str] = dataclass_field(default_factory=dict)


class DomainError(Exception):
    """Base of every failure a caller can cause; never a 5xx."""

    code = "bad_request"
    status = 400

    def __init__(self, detail: str | None = None, *, params: dict[str, str] | None = None) -> None:
        super().__init__(detail or self.code)
        self.detail = detail
        self.params = params or {}


class ValidationError(DomainError):
    code = "validation_failed"
    status = 422

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.code}" for e in errors))
        self.errors = errors


class MalformedJsonError(DomainError):
    code = "malformed_json"
    status = 400


class BodyTooLargeError(DomainError):
    code = "body_too_large"
    status = 413


class NotFoundError(DomainError):
    code = "not_found"
    status = 404


class DeclarationNotFoundError(NotFoundError):
    code = "declaration_not_found"


class DeclarationExpiredError(DomainError):
    code = "declaration_expired"
    status = 410


class DeclarationCancelledError(DomainError):
    """Another declaration of the same person was approved: this one is void."""

    code = "declaration_cancelled"
    status = 409


class AccountExistsError(DomainError):
    code = "account_exists"
    status = 409


class IdempotencyKeyReusedError(DomainError):
    code = "idempotency_key_reused"
    status = 409


class IdempotencyInProgressError(DomainError):
    code = "idempotency_in_progress"
    status = 409


class InvalidIdempotencyKeyError(DomainError):
    code = "invalid_idempotency_key"
    status = 400


class UnknownJobError(DomainError):
    code = "unknown_job"
    status = 404


class UnauthenticatedError(DomainError):
    code = "unauthenticated"
    status = 401


class InvalidCredentialsError(DomainError):
    """Wrong password, unknown user or locked account: one answer for all."""

    code = "invalid_credentials"
    status = 401


class TemporaryPasswordExpiredError(DomainError):
    code = "temporary_password_expired"
    status = 401


class AccountNotFoundError(NotFoundError):
    code = "account_not_found"


class RecoveryCodeInvalidError(DomainError):
    code = "recovery_code_invalid"
    status = 400


class ConflictError(DomainError):
    code = "conflict"
    status = 409


class ForbiddenError(DomainError):
    code = "forbidden"
    status = 403


class OtherOfficeError(DomainError):
    """Officers decide only the dossiers received at their own office."""

    code = "other_office"
    status = 403


class AlreadyDecidedError(DomainError):
    code = "already_decided"
    status = 409


class AlreadyReceivedError(DomainError):
    code = "already_received"
    status = 409


class NotReceivedError(DomainError):
    """The dossier must be received (ID checked) before a decision."""

    code = "not_received"
    status = 409


class RegistryMismatchError(DomainError):
    code = "registry_mismatch"
    status = 409

    def __init__(self, differences: list[dict[str, str | None]]) -> None:
        super().__init__(", ".join(str(d["field"]) for d in differences))
        self.differences = differences


# --- signed channel --------------------------------------------------------------------


class MalformedXmlError(DomainError):
    code = "malformed_xml"
    status = 400


class XmlDtdForbiddenError(DomainError):
    """A DOCTYPE or an entity: refused before parsing (XXE, entity expansion)."""

    code = "xml_dtd_forbidden"
    status = 400


class SignatureInvalidError(DomainError):
    """The base of every refused signature: the structure, a digest or the
    signature value does not hold. Subclasses name the precise reason."""

    code = "signature_invalid"
    status = 422


class SignatureMissingError(SignatureInvalidError):
    code = "signature_missing"


class CertificateUntrustedError(SignatureInvalidError):
    """No path from the signer's certificate to a configured trust anchor."""

    code = "certificate_untrusted"


class CertificateExpiredError(SignatureInvalidError):
    code = "certificate_expired"


class CertificateNotYetValidError(SignatureInvalidError):
    code = "certificate_not_yet_valid"


class CertificateRevokedError(SignatureInvalidError):
    code = "certificate_revoked"


class RevocationUnknownError(SignatureInvalidError):
    """Revocation could not be checked and the revocation mode requires it."""

    code = "revocation_unknown"


class WeakAlgorithmError(SignatureInvalidError):
    """Below Thông tư 15/2025/TT-BKHCN: RSA < 2048, ECDSA < 256, or SHA-1 without the legacy setting."""

    code = "weak_algorithm"


class KeyUsageError(SignatureInvalidError):
    """The signer's certificate allows neither digitalSignature nor nonRepudiation."""

    code = "key_usage_invalid"


class SignerMismatchError(SignatureInvalidError):
    """The certificate's subject UID does not name the declared ID document."""

    code = "signer_mismatch"


# --- service report ----------------------------------------------------------------------


class ReportRangeError(ValidationError):
    """The report's ``from``/``to`` query: not YYYY-MM-DD, reversed, or longer than allowed."""

    code = "invalid_report_range"
    status = 400


# --- abuse by people: rate limits, officer scope ------------------------------------------


class RateLimitedError(DomainError):
    """Too many of one action in a window; ``retry_after`` seconds until the next is allowed."""

    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(params={"retry_after": str(retry_after)})
        self.retry_after = retry_after


class ReissueRateLimitedError(RateLimitedError):
    """An account's temporary password was reissued too often, or the officer reissued too many."""

    code = "reissue_rate_limited"


class OutOfScopeError(DomainError):
    """Officers read their own office's dossiers in full, supervisors their own province's."""

    code = "out_of_scope"
    status = 403


# --- the ID-document copy kept with the dossier ------------------------------------------------


class IdCopyMissingError(DomainError):
    """An ``office`` or ``paper`` dossier is approved only with a checked copy of the ID document."""

    code = "id_copy_missing"
    status = 409


class IdCopyNotNeededError(DomainError):
    """A signed declaration's identity is its certificate: it keeps no copy."""

    code = "id_copy_not_needed"
    status = 409


class IdCopyTypeNotAllowedError(DomainError):
    code = "id_copy_type_not_allowed"
    status = 415


class IdCopyNotUploadedError(DomainError):
    """No upload was asked for, or nothing arrived at the key it gave."""

    code = "id_copy_not_uploaded"
    status = 409


class IdCopyUploadExpiredError(DomainError):
    code = "id_copy_upload_expired"
    status = 409


class IdCopyEmptyError(DomainError):
    code = "id_copy_empty"
    status = 422


class IdCopyTooLargeError(DomainError):
    code = "id_copy_too_large"
    status = 422


class IdCopyTypeMismatchError(DomainError):
    """The bytes are not the type the upload declared (a PNG named ``.jpg``), or none allowed."""

    code = "id_copy_type_mismatch"
    status = 422


class IdCopyNotFoundError(NotFoundError):
    code = "id_copy_not_found"


# --- outcomes of writes: not the caller's fault, so not ``DomainError``s ---------------------


class CounterCodeTakenError(Exception):
    """The random counter code collided with an existing one; draw another."""


class ConcurrentChangeError(Exception):
    """The item changed between read and conditional write; nothing was written."""


class ServiceBusyError(Exception):
    """The store refused a write for a passing reason (contention, throttling)
    more times than its bounded retries allow; nothing was written. Not the
    caller's fault, so not a ``DomainError``: the API answers ``503
    busy_try_again`` with ``Retry-After``, and the same request may be sent again."""

    code = "busy_try_again"
    status = 503
    retry_after_seconds = 2


class ReplayedError(Exception):
    """The same signed document was decided already (its replay key is
    stored); ``declaration_id`` names that first decision. Nothing was written."""

    def __init__(self, declaration_id: str) -> None:
        super().__init__(declaration_id)
        self.declaration_id = declaration_id


# --- VNeID sign-ins (chalicelib/vneid/oidc.py, services/vneid_sign_in.py) ---


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


class VneidUnavailableError(ServiceBusyError):
    """VNeID did not answer (or answered something that is not OpenID Connect). Not the caller's
    fault, so, like ``ServiceBusyError``, a 503 with ``Retry-After``: the person starts again later."""

    code = "vneid_unavailable"
    status = 503
    retry_after_seconds = 30


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


class VneidNoAccountError(VneidError):
    """Signed in with VNeID, but no account is linked to that person: register first."""

    code = "vneid_no_account"
    status = 404
