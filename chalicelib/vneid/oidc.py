"""VNeID as an OpenID Connect provider, from the relying party's side (Decree 164/2025/NĐ-CP:
social-insurance e-transactions through electronic identification accounts; Decree 69/2024/NĐ-CP:
level-2 e-ID accounts).

The authorization code flow with PKCE (S256), ``state`` and ``nonce``: the provider's discovery
document and its JWKS are fetched over HTTPS and cached (``CACHE_SECONDS``); a token signed with a
key the cached set does not have makes the set be fetched again once (the provider rotated its
keys), no more often than ``REFRESH_AFTER_SECONDS``. The ID token is checked with joserfc: the
signature with an allow-listed algorithm (never ``none``, never HMAC with a public key), ``iss``,
``aud`` (and ``azp`` when there are several audiences), ``exp``/``iat``/``nbf`` with a small
leeway, the ``nonce`` of this sign-in, then the identity assurance level (a configurable claim
name and value) and the personal ID number. Each failure has its own problem code; nothing of the
token is logged.

Imported only by the VNeID routes (joserfc and the HTTP client stay off the cold start)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ConflictAlgorithmError,
    DecodeError,
    ExpiredTokenError,
    InvalidKeyIdError,
    InvalidKeyTypeError,
    JoseError,
    MissingAlgorithmError,
    MissingClaimError,
    MissingKeyError,
    UnsupportedAlgorithmError,
)
from joserfc.jwk import KeySet

from ..domain.errors import (
    LevelInsufficientError,
    TokenAlgorithmRefusedError,
    TokenAudienceInvalidError,
    TokenClaimsMissingError,
    TokenExpiredError,
    TokenIssuerInvalidError,
    TokenKeyUnknownError,
    TokenMalformedError,
    TokenNonceInvalidError,
    TokenNotYetValidError,
    TokenSignatureInvalidError,
    VneidCodeInvalidError,
    VneidError,
    VneidUnavailableError,
)
from ..domain.vneid import Identity, Started

ALGORITHMS = ("RS256", "PS256", "ES256")  # asymmetric only: never "none", never HS*
CACHE_SECONDS = 3600
REFRESH_AFTER_SECONDS = 60  # an unknown kid refetches the JWKS at most this often
TIMEOUT_SECONDS = 5
MAX_DOCUMENT_BYTES = 256 * 1024
MAX_TOKEN_BYTES = 16 * 1024


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    client_id: str
    client_secret: Callable[[], str]  # read when needed (Secrets Manager / SSM, cached by the caller)
    redirect_uri: str
    level_claim: str = "identity_level"
    level_required: str = "2"
    id_claim: str = "personal_id"
    leeway_seconds: int = 60


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


Fetch = Callable[[urllib.request.Request], bytes]


def _fetch(request: urllib.request.Request) -> bytes:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - https in config
            return bytes(response.read(MAX_DOCUMENT_BYTES + 1))
    except urllib.error.HTTPError as error:
        body = error.read(MAX_DOCUMENT_BYTES + 1)
        raise ProviderAnswer(error.code, body) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise VneidUnavailableError() from error


class ProviderAnswer(Exception):
    """A non-2xx answer of the provider (its status and body)."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(status)
        self.status, self.body = status, body


def _json(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise VneidUnavailableError()
    try:
        value = json.loads(raw)
    except ValueError as error:
        raise VneidUnavailableError() from error
    if not isinstance(value, dict):
        raise VneidUnavailableError()
    return value


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _request(url: str, **options: Any) -> urllib.request.Request:
    """HTTPS only; plain HTTP only to this machine (the local stack's demo provider)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
        raise VneidUnavailableError()
    return urllib.request.Request(url, **options)  # noqa: S310 - the scheme is checked above


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcClient:
    """One per process: the provider's metadata and keys cached between requests."""

    def __init__(self, config: ProviderConfig, *, fetch: Fetch = _fetch, clock: Callable[[], float] = time.time):
        self.config = config
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._metadata: tuple[float, Metadata] | None = None
        self._keys: tuple[float, KeySet] | None = None

    # --- discovery and keys ---------------------------------------------------------------------

    def metadata(self) -> Metadata:
        with self._lock:
            if self._metadata and self._clock() - self._metadata[0] < CACHE_SECONDS:
                return self._metadata[1]
        url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            document = _json(self._fetch(_request(url, headers={"Accept": "application/json"})))
        except ProviderAnswer as error:
            raise VneidUnavailableError() from error
        try:
            metadata = Metadata(
                issuer=str(document["issuer"]),
                authorization_endpoint=str(document["authorization_endpoint"]),
                token_endpoint=str(document["token_endpoint"]),
                jwks_uri=str(document["jwks_uri"]),
            )
        except KeyError as error:
            raise VneidUnavailableError() from error
        if metadata.issuer != self.config.issuer:  # OpenID Connect Discovery 1.0, section 4.3
            raise VneidUnavailableError()
        with self._lock:
            self._metadata = (self._clock(), metadata)
        return metadata

    def key_set(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            cached = self._keys
        if cached is not None:
            fetched_at, keys = cached
            age = self._clock() - fetched_at
            # Kept an hour; a refresh (a kid the set lacks) refetches, but not within a minute of the last fetch.
            if age < (REFRESH_AFTER_SECONDS if refresh else CACHE_SECONDS):
                return keys
        request = _request(self.metadata().jwks_uri, headers={"Accept": "application/json"})
        try:
            document = _json(self._fetch(request))
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (ProviderAnswer, JoseError, ValueError, TypeError, KeyError) as error:
            raise VneidUnavailableError() from error
        with self._lock:
            self._keys = (self._clock(), keys)
        return keys

    # --- the flow -------------------------------------------------------------------------------

    def start(self) -> Started:
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        query = urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": self.config.client_id,
                "redirect_uri": self.config.redirect_uri,
                "scope": "openid profile",
                "state": state,
                "nonce": nonce,
                "code_challenge": pkce_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        endpoint = self.metadata().authorization_endpoint
        separator = "&" if "?" in endpoint else "?"
        return Started(state, nonce, verifier, f"{endpoint}{separator}{query}")

    def exchange(self, code: str, verifier: str) -> str:
        """The ID token for ``code`` (client_secret_basic, with the PKCE verifier)."""
        form = urllib.parse.urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.config.redirect_uri,
                "code_verifier": verifier,
            }
        ).encode("ascii")
        credentials = ":".join(
            urllib.parse.quote(part, safe="") for part in (self.config.client_id, self.config.client_secret())
        )
        request = _request(
            self.metadata().token_endpoint,
            data=form,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode("ascii"),
            },
        )
        try:
            answer = _json(self._fetch(request))
        except ProviderAnswer as error:
            if 400 <= error.status < 500:  # invalid_grant and friends (RFC 6749, section 5.2)
                raise VneidCodeInvalidError() from error
            raise VneidUnavailableError() from error
        token = answer.get("id_token")
        if not isinstance(token, str) or not token:
            raise VneidUnavailableError()
        return token

    def identity(self, id_token: str, nonce: str, *, now: float | None = None) -> Identity:
        """Check ``id_token`` (signature, claims, ``nonce``) and read the person from it."""
        claims = self.verified_claims(id_token, nonce, now=now)
        config = self.config
        level = claims.get(config.level_claim)
        personal_id = claims.get(config.id_claim)
        name = claims.get("name")
        if not isinstance(personal_id, str) or not isinstance(name, str) or level is None:
            raise TokenClaimsMissingError()
        if str(level) != config.level_required:
            raise LevelInsufficientError()
        birthdate, gender = claims.get("birthdate"), claims.get("gender")
        return Identity(
            subject=str(claims["sub"]),
            personal_id=personal_id,
            full_name=name,
            birthdate=birthdate if isinstance(birthdate, str) else None,
            gender=gender if isinstance(gender, str) else None,
            level=str(level),
        )

    def verified_claims(self, id_token: str, nonce: str, *, now: float | None = None) -> dict[str, Any]:
        if not id_token or len(id_token) > MAX_TOKEN_BYTES:
            raise TokenMalformedError()
        token = self._decoded(id_token)
        config = self.config
        registry = jwt.JWTClaimsRegistry(
            now=int(self._clock() if now is None else now),
            leeway=config.leeway_seconds,
            iss={"essential": True, "value": config.issuer},
            aud={"essential": True, "value": config.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )
        claims: dict[str, Any] = dict(token.claims)
        try:
            registry.validate(claims)
        except ExpiredTokenError as error:
            raise TokenExpiredError() from error
        except MissingClaimError as error:
            raise TokenClaimsMissingError() from error
        except ClaimError as error:
            raise _claim_problem(error.claim) from error
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != config.client_id:
            raise TokenAudienceInvalidError()
        if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(
            claims["nonce"].encode("utf-8", "surrogatepass"), nonce.encode()
        ):
            raise TokenNonceInvalidError()
        return claims

    def _decoded(self, id_token: str) -> jwt.Token:
        for refresh in (False, True):
            try:
                return jwt.decode(id_token, self.key_set(refresh=refresh), algorithms=list(ALGORITHMS))
            except InvalidKeyIdError as error:
                if refresh:
                    raise TokenKeyUnknownError() from error
            except BadSignatureError as error:
                raise TokenSignatureInvalidError() from error
            except (UnsupportedAlgorithmError, MissingAlgorithmError, ConflictAlgorithmError) as error:
                raise TokenAlgorithmRefusedError() from error
            except (MissingKeyError, InvalidKeyTypeError) as error:  # no key of the header's kind
                raise TokenKeyUnknownError() from error
            except (DecodeError, JoseError, ValueError, TypeError) as error:
                raise TokenMalformedError() from error
        raise TokenKeyUnknownError()


_CLAIM_PROBLEMS: dict[str, type[VneidError]] = {
    "iss": TokenIssuerInvalidError,
    "aud": TokenAudienceInvalidError,
    "exp": TokenExpiredError,
    "nbf": TokenNotYetValidError,
    "iat": TokenNotYetValidError,
}


def _claim_problem(claim: str) -> VneidError:
    return _CLAIM_PROBLEMS.get(claim, TokenClaimsMissingError)()
