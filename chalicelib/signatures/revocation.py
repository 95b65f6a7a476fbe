"""Revocation from CRLs: those of the trust store, and those fetched from
the certificates' distribution points (with a timeout and a per-process
cache), checked for every certificate of the validated path on top of
pyca/cryptography's primitives (CRL signature, serial lookup). The mode
(``BHXH_REVOCATION_MODE``) says what to do when no current CRL is at hand;
a listed certificate is refused in every mode.

OCSP is not consulted yet (see README).
"""

from __future__ import annotations

import itertools
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from ..domain.errors import CertificateRevokedError, RevocationUnknownError
from ..observability import logger

MAX_CRL_BYTES = 20 * 1024 * 1024
MAX_CACHE_SECONDS = 3600.0  # re-fetch at least hourly, even if nextUpdate is later
FAILURE_CACHE_SECONDS = 60.0  # do not hammer a distribution point that is down
SCHEMES = ("http://", "https://")


def distribution_points(cert: Any) -> list[str]:
    """The http(s) URLs of a certificate's CRL distribution points."""
    from cryptography import x509

    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except (x509.ExtensionNotFound, ValueError):
        return []
    urls = []
    for point in points:
        for name in point.full_name or []:
            if isinstance(name, x509.UniformResourceIdentifier) and name.value.lower().startswith(SCHEMES):
                urls.append(name.value)
    return urls


def _download(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "bhxh-registration-crl-fetcher"})  # noqa: S310 - http(s) only
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only
        data = bytes(response.read(MAX_CRL_BYTES + 1))
    if len(data) > MAX_CRL_BYTES:
        raise ValueError("CRL too large")
    return data


class CrlFetcher:
    """Fetches a CRL once per URL and keeps it until its nextUpdate (at most
    an hour); a failure is remembered for a minute. Thread-safe."""

    def __init__(
        self,
        timeout: float,
        download: Callable[[str, float], bytes] = _download,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._timeout = timeout
        self._download = download
        self._clock = clock
        self._cache: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def fetch(self, url: str, now: datetime) -> HeldCrl | None:
        """The CRL at ``url``, or None when it cannot be had."""
        from cryptography import x509

        with self._lock:
            hit = self._cache.get(url)
            if hit is not None and self._clock() < hit[0]:
                return cast(HeldCrl | None, hit[1])
        crl = None
        try:
            data = self._download(url, self._timeout)
            pem = data.lstrip().startswith(b"-----")
            crl = HeldCrl.of(x509.load_pem_x509_crl(data) if pem else x509.load_der_x509_crl(data))
        except Exception as error:  # network, HTTP and parse errors alike: the revocation mode decides
            logger.warning("CRL fetch failed", extra={"url": url, "error_type": type(error).__name__})
        keep = FAILURE_CACHE_SECONDS
        if crl is not None:
            keep = MAX_CACHE_SECONDS
            next_update = crl.crl.next_update_utc
            if next_update is not None:
                keep = max(0.0, min(keep, (next_update - now).total_seconds()))
        with self._lock:
            if len(self._cache) > 1000:
                self._cache.clear()
            self._cache[url] = (self._clock() + keep, crl)
        return crl


_SIGNATURE_OK: dict[tuple[bytes, bytes], bool] = {}
CLOCK_SKEW = timedelta(minutes=5)


def _crl_signed_by(crl: Any, issuer: Any) -> bool:
    """Whether ``issuer`` signed ``crl`` (remembered: CRLs are few and long-lived)."""
    from cryptography.hazmat.primitives import hashes

    key = (crl.signature, issuer.fingerprint(hashes.SHA256()))
    verdict = _SIGNATURE_OK.get(key)
    if verdict is None:
        try:
            verdict = bool(crl.is_signature_valid(issuer.public_key()))
        except (TypeError, ValueError):
            verdict = False
        if len(_SIGNATURE_OK) > 10_000:
            _SIGNATURE_OK.clear()
        _SIGNATURE_OK[key] = verdict
    return verdict


def _is_ca(cert: Any) -> bool:
    from cryptography import x509

    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):
        return False


@dataclass(frozen=True)
class HeldCrl:
    """A CRL with what the check reads from it every time, read once."""

    crl: Any
    issuer: Any
    usable: bool  # a complete, direct CRL: not a delta, not indirect, not reason-partitioned
    idp: Any  # the IssuingDistributionPoint, or None

    @classmethod
    def of(cls, crl: Any) -> HeldCrl:
        from cryptography import x509

        usable, idp = True, None
        try:
            for extension in crl.extensions:
                if isinstance(extension.value, x509.DeltaCRLIndicator):
                    usable = False
                elif isinstance(extension.value, x509.IssuingDistributionPoint):
                    idp = extension.value
                    if idp.indirect_crl or idp.only_some_reasons or idp.only_contains_attribute_certs:
                        usable = False
        except ValueError:
            usable = False
        return cls(crl, crl.issuer, usable, idp)

    def covers(self, cert: Any) -> bool:
        """RFC 5280 §6.3.3 scope of the issuing distribution point."""
        if not self.usable:
            return False
        if self.idp is None:
            return True
        from cryptography import x509

        is_ca = _is_ca(cert)
        if (self.idp.only_contains_user_certs and is_ca) or (self.idp.only_contains_ca_certs and not is_ca):
            return False
        if self.idp.full_name:
            named = {n.value for n in self.idp.full_name if isinstance(n, x509.UniformResourceIdentifier)}
            return bool(named.intersection(distribution_points(cert)))
        return True


def check_revocation(chain: list[Any], crls: list[HeldCrl], now: datetime, mode: str) -> None:
    """``chain``: the validated path, the signer first, the trust anchor last
    (the anchor is trusted by configuration and not checked). A certificate
    listed on any CRL its issuer signed is revoked, in every mode, even by a
    CRL past its nextUpdate (a revocation is final; only removeFromCRL lifts
    it). Without a current CRL, ``require`` refuses every certificate and
    ``hard-fail`` those that name a distribution point; ``soft-fail`` never."""
    from cryptography import x509

    for cert, issuer in itertools.pairwise(chain):
        name = cert.issuer
        current = False
        for held in crls:
            if held.issuer != name or not held.covers(cert) or not _crl_signed_by(held.crl, issuer):
                continue
            entry = held.crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None:
                try:
                    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
                except (x509.ExtensionNotFound, ValueError):
                    reason = None
                if reason != x509.ReasonFlags.remove_from_crl:
                    raise CertificateRevokedError()
            next_update = held.crl.next_update_utc
            if held.crl.last_update_utc <= now + CLOCK_SKEW and (next_update is None or now <= next_update):
                current = True
        if not current and (mode == "require" or (mode == "hard-fail" and distribution_points(cert))):
            raise RevocationUnknownError()
