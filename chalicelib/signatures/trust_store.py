"""The trust anchors (the national root and the licensed CAs) and the CRLs
beside them, read from the directory ``BHXH_TRUST_STORE`` names.

Loaded once per process and kept while the directory is unchanged (looked at
again at most once a minute), so a Lambda container parses them once."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..observability import logger
from .revocation import HeldCrl

CERT_SUFFIXES = (".pem", ".crt", ".cer")
CRL_SUFFIXES = (".crl",)
RECHECK_SECONDS = 60.0


@dataclass(frozen=True)
class TrustStore:
    """Anchors and CRLs as ``cryptography`` objects, and the anchors as the
    ``Store`` the path verifier takes (all parsed once per load)."""

    anchors: tuple[Any, ...] = ()
    crls: tuple[HeldCrl, ...] = ()
    verifier_store: Any = field(default=None, repr=False)

    @classmethod
    def build(cls, anchors: list[Any], crls: list[Any]) -> TrustStore:
        from cryptography.x509.verification import Store

        return cls(
            anchors=tuple(anchors),
            crls=tuple(HeldCrl.of(crl) for crl in crls),
            verifier_store=Store(anchors) if anchors else None,
        )


def _is_ca(cert: Any) -> bool:
    from cryptography import x509

    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def read_directory(directory: Path) -> TrustStore:
    """Every CA certificate in ``*.pem``/``*.crt``/``*.cer`` (PEM, several per
    file, or DER) is an anchor; every ``*.crl`` (PEM or DER) a CRL. A file that
    does not parse is logged and skipped, never fatal."""
    from cryptography import x509

    anchors: list[Any] = []
    crls: list[Any] = []
    if not directory.is_dir():
        logger.warning("trust store directory missing: every signature is untrusted", extra={"path": str(directory)})
        return TrustStore.build([], [])
    for path in sorted(directory.iterdir()):
        suffix = path.suffix.lower()
        try:
            data = path.read_bytes()
            if suffix in CERT_SUFFIXES:
                certs = (
                    x509.load_pem_x509_certificates(data)
                    if b"-----BEGIN" in data
                    else [x509.load_der_x509_certificate(data)]
                )
                for cert in certs:
                    if _is_ca(cert):
                        anchors.append(cert)
                    else:
                        logger.warning("trust store: not a CA certificate, ignored", extra={"file": path.name})
            elif suffix in CRL_SUFFIXES:
                crls.append(x509.load_pem_x509_crl(data) if b"-----BEGIN" in data else x509.load_der_x509_crl(data))
        except (ValueError, OSError) as error:
            logger.warning("trust store: unreadable file skipped", extra={"file": path.name, "error": str(error)})
    return TrustStore.build(anchors, crls)


def _signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    if not directory.is_dir():
        return ()
    return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in directory.iterdir() if p.is_file()))


class TrustStoreCache:
    """The store of one directory, re-read when its files change."""

    def __init__(self, directory: str) -> None:
        self._directory = Path(directory)
        self._lock = threading.Lock()
        self._store: TrustStore | None = None
        self._signature: tuple[tuple[str, int, int], ...] = ()
        self._checked = 0.0

    def get(self) -> TrustStore:
        with self._lock:
            now = time.monotonic()
            if self._store is not None and now - self._checked < RECHECK_SECONDS:
                return self._store
            signature = _signature(self._directory)
            if self._store is None or signature != self._signature:
                self._store = read_directory(self._directory)
                self._signature = signature
                logger.info(
                    "trust store loaded",
                    extra={"anchors": len(self._store.anchors), "crls": len(self._store.crls)},
                )
            self._checked = now
            return self._store


_CACHES: dict[str, TrustStoreCache] = {}
_CACHES_LOCK = threading.Lock()


def trust_store(directory: str) -> TrustStore:
    """The process-wide store of ``directory``."""
    with _CACHES_LOCK:
        cache = _CACHES.get(directory)
        if cache is None:
            cache = _CACHES[directory] = TrustStoreCache(directory)
    return cache.get()
