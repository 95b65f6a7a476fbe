"""Algorithm policy of Thông tư 15/2025/TT-BKHCN: RSA keys of at least 2048
bits or ECDSA keys of at least 256, hashes SHA-256 or stronger. SHA-1 passes
only with the explicit legacy setting (``BHXH_ALLOW_SHA1``), off by default.
The same rules apply to the XMLDSig algorithms, the signer's key, every
certificate signature on the path and every key that made one. The legacy
setting admits SHA-1 in the XML signature only: pyca/cryptography, which
validates the path, no longer verifies SHA-1 certificate signatures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain.errors import WeakAlgorithmError

MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
STRONG_HASHES = frozenset({"sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512"})
LEGACY_HASHES = frozenset({"sha1"})

XMLDSIG = "http://www.w3.org/2000/09/xmldsig#"
MORE = "http://www.w3.org/2001/04/xmldsig-more#"
ENC = "http://www.w3.org/2001/04/xmlenc#"
MORE_2007 = "http://www.w3.org/2007/05/xmldsig-more#"
MORE_2021 = "http://www.w3.org/2021/04/xmldsig-more#"

# XMLDSig URIs of the signature methods and digests we accept, by hash.
SIGNATURE_METHODS: dict[str, str] = {
    f"{MORE}rsa-sha256": "sha256",
    f"{MORE}rsa-sha384": "sha384",
    f"{MORE}rsa-sha512": "sha512",
    f"{MORE}ecdsa-sha256": "sha256",
    f"{MORE}ecdsa-sha384": "sha384",
    f"{MORE}ecdsa-sha512": "sha512",
    f"{MORE_2007}sha256-rsa-MGF1": "sha256",
    f"{MORE_2007}sha384-rsa-MGF1": "sha384",
    f"{MORE_2007}sha512-rsa-MGF1": "sha512",
    f"{MORE_2007}sha3-256-rsa-MGF1": "sha3_256",
    f"{MORE_2007}sha3-384-rsa-MGF1": "sha3_384",
    f"{MORE_2007}sha3-512-rsa-MGF1": "sha3_512",
    f"{MORE_2021}ecdsa-sha3-256": "sha3_256",
    f"{MORE_2021}ecdsa-sha3-384": "sha3_384",
    f"{MORE_2021}ecdsa-sha3-512": "sha3_512",
    f"{XMLDSIG}rsa-sha1": "sha1",
    f"{MORE}ecdsa-sha1": "sha1",
    f"{MORE_2007}sha1-rsa-MGF1": "sha1",
}
DIGEST_METHODS: dict[str, str] = {
    f"{ENC}sha256": "sha256",
    f"{MORE}sha384": "sha384",
    f"{ENC}sha512": "sha512",
    f"{MORE_2007}sha3-256": "sha3_256",
    f"{MORE_2007}sha3-384": "sha3_384",
    f"{MORE_2007}sha3-512": "sha3_512",
    f"{XMLDSIG}sha1": "sha1",
}
# Everything else that SignedInfo may name is refused as a weak (or unknown) algorithm.


@dataclass(frozen=True)
class AlgorithmPolicy:
    allow_sha1: bool = False

    def hash_allowed(self, name: str | None) -> bool:
        if name is None:
            return False
        name = name.lower().replace("-", "_")
        return name in STRONG_HASHES or (self.allow_sha1 and name in LEGACY_HASHES)

    def check_xmldsig(self, signature_method: str | None, digest_methods: list[str | None]) -> None:
        """``WeakAlgorithmError`` unless every algorithm named in SignedInfo passes."""
        if not self.hash_allowed(SIGNATURE_METHODS.get(signature_method or "")):
            raise WeakAlgorithmError("signature method")
        for uri in digest_methods:
            if not self.hash_allowed(DIGEST_METHODS.get(uri or "")):
                raise WeakAlgorithmError("digest method")

    def check_key(self, public_key: Any) -> None:
        """A key that signs (the signer's, or a CA's on the path): RSA >= 2048 bits or ECDSA >= 256 bits."""
        from cryptography.hazmat.primitives.asymmetric import ec, rsa

        if isinstance(public_key, rsa.RSAPublicKey):
            if public_key.key_size < MIN_RSA_BITS:
                raise WeakAlgorithmError(f"RSA {public_key.key_size}")
            return
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            if public_key.curve.key_size < MIN_EC_BITS:
                raise WeakAlgorithmError(f"EC {public_key.curve.key_size}")
            return
        raise WeakAlgorithmError(type(public_key).__name__)

    def check_certificate_signature(self, cert: Any) -> None:
        """A certificate of the path: signed with SHA-256 or stronger (never
        SHA-1: the path verifier does not process SHA-1 certificate signatures,
        whatever the legacy setting)."""
        try:
            algorithm = cert.signature_hash_algorithm
        except Exception as error:  # an unknown or unsupported signature algorithm
            raise WeakAlgorithmError("certificate signature algorithm") from error
        name = algorithm.name if algorithm is not None else None
        if name is None or name.lower().replace("-", "_") not in STRONG_HASHES:
            raise WeakAlgorithmError(f"certificate signed with {name}")
