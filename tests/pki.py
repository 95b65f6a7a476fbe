"""The tests' PKI: a root (in the trust store), a licensed-CA-like
intermediate, the declarant's signing certificate (UID=CCCD:001089020747, the
person of ``tests.builders.form()``), and every broken certificate of the
attack corpus. Built once per test session, valid around ``tests.conftest.NOW``."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from chalicelib.signatures.signing import sign_form01
from local.demo_pki import Issued, new_crl, new_intermediate, new_key, new_root, new_signer, signing_usage
from tests.builders import form
from tests.conftest import NOW

SHA256_WITH_RSA = bytes.fromhex("06092a864886f70d01010b")
SHA1_WITH_RSA = bytes.fromhex("06092a864886f70d010105")


def resigned_with_sha1(issued: Issued, issuer: Issued) -> Issued:
    """``issued`` signed again by ``issuer`` with SHA-1: cryptography no longer
    signs certificates with SHA-1, so the DER is edited (both OIDs have the same
    length, and so has the signature)."""
    der = issued.cert.public_bytes(Encoding.DER)
    tbs = issued.cert.tbs_certificate_bytes
    start = der.index(tbs)
    new_tbs = tbs.replace(SHA256_WITH_RSA, SHA1_WITH_RSA)
    key = issuer.key
    assert isinstance(key, rsa.RSAPrivateKey)
    signature = key.sign(new_tbs, padding.PKCS1v15(), hashes.SHA1())
    rest = der[start + len(tbs) :].replace(SHA256_WITH_RSA, SHA1_WITH_RSA)
    return Issued(
        x509.load_der_x509_certificate(der[:start] + new_tbs + rest[: -len(signature)] + signature), issued.key
    )


@dataclass(frozen=True)
class SigningPki:
    root: Issued
    intermediate: Issued
    signer: Issued
    certs: dict[str, Issued]  # the other signers, by case name
    other_intermediate: Issued  # of the wrong CA
    trust_store: Path

    def chain(self, name: str = "signer") -> bytes:
        """The signer's certificate then its CA's (what goes in KeyInfo)."""
        issued = self.signer if name == "signer" else self.certs[name]
        ca = self.other_intermediate if name == "wrong_ca" else self.intermediate
        if name == "self_signed":
            return issued.cert_pem
        return issued.cert_pem + ca.cert_pem

    def sign(self, body: dict[str, Any] | None = None, name: str = "signer", **options: Any) -> bytes:
        issued = self.signer if name == "signer" else self.certs[name]
        return sign_form01(body or form(), issued.key_pem, self.chain(name), **options)

    def sign_with(self, issued: Issued, body: dict[str, Any] | None = None) -> bytes:
        """Signed with a certificate the test made under the intermediate."""
        return sign_form01(body or form(), issued.key_pem, issued.cert_pem + self.intermediate.cert_pem)


@cache
def signing_pki() -> SigningPki:
    now = NOW
    root = new_root(now)
    intermediate = new_intermediate(root, now)
    key = new_key()
    signer = new_signer(intermediate, now, key=key)
    wrong_root = new_root(now, name="Some Other Root CA")
    wrong_intermediate = new_intermediate(wrong_root, now, name="Some Other CA")
    self_signed_key = new_key()
    self_signed = Issued(
        x509.CertificateBuilder()
        .subject_name(signer.cert.subject)
        .issuer_name(signer.cert.subject)
        .public_key(self_signed_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(signing_usage(), critical=True)
        .sign(self_signed_key, hashes.SHA256()),
        self_signed_key,
    )
    certs = {
        "ecdsa": new_signer(intermediate, now, key=new_key("ec")),
        "wrong_ca": new_signer(wrong_intermediate, now, key=key),
        "self_signed": self_signed,
        "expired": new_signer(
            intermediate, now, key=key, valid_from=now - timedelta(days=800), valid_until=now - timedelta(days=1)
        ),
        "not_yet_valid": new_signer(
            intermediate, now, key=key, valid_from=now + timedelta(days=2), valid_until=now + timedelta(days=700)
        ),
        "revoked": new_signer(intermediate, now, key=key),
        "rsa1024": new_signer(intermediate, now, key=new_key(size=1024)),
        "sha1_cert": resigned_with_sha1(new_signer(intermediate, now, key=key), intermediate),
        "no_signing_usage": new_signer(
            intermediate, now, key=key, key_usage=signing_usage(digital_signature=False, non_repudiation=False)
        ),
        "non_repudiation_only": new_signer(
            intermediate, now, key=key, key_usage=signing_usage(digital_signature=False, non_repudiation=True)
        ),
        "other_person": new_signer(intermediate, now, key=key, full_name="Trần Thị Bình", uid="CCCD:079301123456"),
        "cmnd": new_signer(intermediate, now, key=key, uid="CMND:001089020747"),
        "no_uid": new_signer(intermediate, now, key=key, uid=None),
    }
    directory = Path(tempfile.mkdtemp(prefix="bhxh-test-pki-"))
    atexit.register(shutil.rmtree, directory, True)
    trust_store = directory / "trust-store"
    trust_store.mkdir()
    (trust_store / "root.pem").write_bytes(root.cert_pem)
    (trust_store / "root.crl").write_bytes(new_crl(root, now))
    (trust_store / "licensed-ca.crl").write_bytes(new_crl(intermediate, now, (certs["revoked"].cert,)))
    return SigningPki(root, intermediate, signer, certs, wrong_intermediate, trust_store)


def trusted_by(container: Any, *registry: Any) -> SigningPki:
    """The tests' PKI, its root the container's only trust anchor; ``registry``
    participants (the declarants) put in the registry."""
    from chalicelib.signatures.verifier import SignedFormVerifier

    pki = signing_pki()
    container.__dict__["signatures"] = SignedFormVerifier(str(pki.trust_store))
    container.registry.put_many(list(registry))
    return pki
