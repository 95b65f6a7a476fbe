"""A demo PKI for the signed channel: a root (the stand-in for the national
root), a licensed-CA-like intermediate, and personal signing certificates
whose subject UID names an ID document (``CCCD:001089020747``), as Vietnamese
licensed CAs issue them. Used by ``make run`` (``python -m local``), the
tests (which also build the broken certificates of the attack corpus) and
``make bench``. Nothing here is used by the service itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
UID_OID = NameOID.USER_ID  # 0.9.2342.19200300.100.1.1


def new_key(kind: str = "rsa", size: int = 2048) -> PrivateKey:
    """``rsa`` with ``size`` bits, or ``ec`` on P-256/P-384."""
    if kind == "ec":
        return ec.generate_private_key(ec.SECP384R1() if size == 384 else ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=size)


def _name(common_name: str, uid: str | None = None, organization: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    if uid:
        attributes.append(x509.NameAttribute(UID_OID, uid))
    return x509.Name(attributes)


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: PrivateKey

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def _ski(key: PrivateKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def signing_usage(*, digital_signature: bool = True, non_repudiation: bool = True) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=non_repudiation,
        key_encipherment=not (digital_signature or non_repudiation),
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def new_root(
    now: datetime, *, name: str = "BHXH Demo Root CA (not for production)", key: PrivateKey | None = None
) -> Issued:
    key = key or new_key()
    subject = _name(name, organization="Demo national root")
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=365))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(_ski(key), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(cert, key)


def new_intermediate(
    issuer: Issued,
    now: datetime,
    *,
    name: str = "BHXH Demo Licensed CA (not for production)",
    crl_url: str | None = None,
    key: PrivateKey | None = None,
    valid_days: tuple[int, int] = (-180, 1825),
    hash_algorithm: Any = None,
) -> Issued:
    key = key or new_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name, organization="Demo licensed CA"))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=valid_days[0]))
        .not_valid_after(now + timedelta(days=valid_days[1]))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(_ski(key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    )
    if crl_url:
        builder = builder.add_extension(_distribution_points(crl_url), critical=False)
    return Issued(builder.sign(issuer.key, hash_algorithm or hashes.SHA256()), key)


def _distribution_points(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(url)], relative_name=None, reasons=None, crl_issuer=None
            )
        ]
    )


def new_signer(
    issuer: Issued,
    now: datetime,
    *,
    full_name: str = "Nguyễn Văn An",
    uid: str | None = "CCCD:001089020747",
    key: PrivateKey | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    key_usage: x509.KeyUsage | None = None,
    hash_algorithm: Any = None,
    crl_url: str | None = None,
    extra: list[tuple[Any, bool]] | None = None,
) -> Issued:
    """A personal signing certificate (``key_usage=None``: digitalSignature +
    nonRepudiation; pass ``signing_usage(...)`` or a custom one to change it)."""
    key = key or new_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(full_name, uid=uid))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from or now - timedelta(days=30))
        .not_valid_after(valid_until or now + timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage or signing_usage(), critical=True)
        .add_extension(_ski(key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    )
    if crl_url:
        builder = builder.add_extension(_distribution_points(crl_url), critical=False)
    for extension, critical in extra or []:
        builder = builder.add_extension(extension, critical=critical)
    return Issued(builder.sign(issuer.key, hash_algorithm or hashes.SHA256()), key)


def new_crl(issuer: Issued, now: datetime, revoked: tuple[x509.Certificate, ...] = (), days: int = 7) -> bytes:
    """A CRL of ``issuer`` (PEM) listing ``revoked``."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(now - timedelta(hours=1))
        .next_update(now + timedelta(days=days))
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    )
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(now - timedelta(minutes=30))
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class DemoPki:
    """What ``write_demo_pki`` leaves on disk."""

    directory: Path
    trust_store: Path
    signer_key: Path
    signer_cert: Path  # the signer's certificate followed by the intermediate (the chain to send)
    uid: str


def write_demo_pki(directory: Path, *, uid: str, full_name: str, now: datetime | None = None) -> DemoPki:
    """Root + intermediate + one signer, written as PEM files: ``trust-store/``
    holds the root and both CRLs (empty), ``signer-key.pem`` the signer's
    private key, ``signer-chain.pem`` its certificate then the intermediate."""
    now = now or datetime.now(UTC)
    root = new_root(now)
    intermediate = new_intermediate(root, now)
    signer = new_signer(intermediate, now, full_name=full_name, uid=uid)
    trust_store = directory / "trust-store"
    trust_store.mkdir(parents=True, exist_ok=True)
    for stale in trust_store.iterdir():
        stale.unlink(missing_ok=True)  # another local stack may be starting too
    (trust_store / "demo-root.pem").write_bytes(root.cert_pem)
    (trust_store / "demo-root.crl").write_bytes(new_crl(root, now, days=30))
    (trust_store / "demo-licensed-ca.crl").write_bytes(new_crl(intermediate, now, days=30))
    key_path = directory / "signer-key.pem"
    key_path.write_bytes(signer.key_pem)
    key_path.chmod(0o600)
    chain_path = directory / "signer-chain.pem"
    chain_path.write_bytes(signer.cert_pem + intermediate.cert_pem)
    return DemoPki(directory, trust_store, key_path, chain_path, uid)


# The seeded participant who holds the demo signing certificate (second row of
# local/demo-participants.csv; the README's office walkthrough uses the first).
DEMO_SIGNER_ROW = 1


def local_pki_dir(root: Path) -> Path:
    """``BHXH_LOCAL_PKI_DIR``, else ``.local-pki/`` in the repository (git-ignored)."""
    import os

    configured = os.environ.get("BHXH_LOCAL_PKI_DIR", "").strip()
    return Path(configured) if configured else root / ".local-pki"


def write_local_demo(directory: Path) -> tuple[DemoPki, Path]:
    """The demo PKI for a seeded participant, and a Form 01 of theirs to sign
    (``form01-demo.json``), both in ``directory``."""
    import csv
    import json

    from .demo_data import PARTICIPANTS_CSV

    with PARTICIPANTS_CSV.open(encoding="utf-8", newline="") as stream:
        person = list(csv.DictReader(stream))[DEMO_SIGNER_ROW]
    directory.mkdir(parents=True, exist_ok=True)
    pki = write_demo_pki(directory, uid=f"CCCD:{person['id_number']}", full_name=person["full_name"])
    body = {
        "full_name": person["full_name"],
        "date_of_birth": person["date_of_birth"],
        "gender": person["gender"],
        "nationality": "VN",
        "bhxh_code": person["bhxh_code"],
        "id_document": {
            "type": "cccd",
            "number": person["id_number"],
            "issued_on": "2021-04-01",
            "issued_by": "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
        },
        "phone": person["phone"],
        "email": "demo.signer@example.vn",
        "address": "Số 1 phố minh họa, Hà Nội",
        "office_code": f"BHXH-{person['province_code']}",
    }
    form_path = directory / "form01-demo.json"
    form_path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return pki, form_path
