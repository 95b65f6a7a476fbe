"""The signature module on its own: XML intake, Form 01 as XML, signer
identity, algorithm policy, revocation modes, CRL fetching, trust store."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from chalicelib.domain.errors import (
    CertificateRevokedError,
    MalformedXmlError,
    RevocationUnknownError,
    SignerMismatchError,
    ValidationError,
    WeakAlgorithmError,
    XmlDtdForbiddenError,
)
from chalicelib.domain.form01 import FIELDS, ID_DOCUMENT_FIELDS
from chalicelib.signatures.form_xml import form01_from_xml, form01_to_xml
from chalicelib.signatures.identity import check_signer, identities, parse_uid
from chalicelib.signatures.policy import AlgorithmPolicy
from chalicelib.signatures.revocation import CrlFetcher, HeldCrl, check_revocation
from chalicelib.signatures.signing import sign_form01
from chalicelib.signatures.trust_store import read_directory
from chalicelib.signatures.verifier import SignedFormVerifier
from chalicelib.signatures.xml_input import parse_untrusted
from local.demo_pki import Issued, new_crl, new_key, new_signer
from tests.builders import form
from tests.conftest import NOW
from tests.pki import SigningPki, signing_pki

SCHEMA = Path(__file__).resolve().parents[2] / "chalicelib" / "schemas" / "form01.xsd"


@pytest.fixture(scope="module")
def pki() -> SigningPki:
    return signing_pki()


def crl(issuer: Issued, revoked: tuple[x509.Certificate, ...] = (), days: int = 7, at: Any = NOW) -> HeldCrl:
    return HeldCrl.of(x509.load_pem_x509_crl(new_crl(issuer, at, revoked, days)))


# --- XML intake -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>',
        b'<?xml version="1.0"?>\n<!DOCTYPE a SYSTEM "http://127.0.0.1:9/a.dtd"><a/>',
        b"<a><!ENTITY e 'x'></a>",
    ],
)
def test_doctype_and_entities_are_refused_before_parsing(body: bytes) -> None:
    with pytest.raises(XmlDtdForbiddenError):
        parse_untrusted(body)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n",
        b"<a>",
        b"<a>&undefined;</a>",
        '<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>'.encode("latin-1"),
        "<a/>".encode("utf-16"),
        b"\xff\xfe<a/>",
    ],
)
def test_what_is_not_utf8_xml_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedXmlError):
        parse_untrusted(body)


def test_a_utf8_bom_and_declaration_are_fine() -> None:
    root = parse_untrusted(b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?><a>\xc3\xa9</a>')
    assert root.text == "é"


# --- Form 01 as XML ---------------------------------------------------------------------


def test_form01_round_trips_through_xml() -> None:
    body = form(unit_code="HN-01")
    assert form01_from_xml(parse_untrusted(form01_to_xml(body))) == body


def test_empty_optional_elements_read_as_absent() -> None:
    xml = form01_to_xml(form()).replace(b"<email>an.nguyen@example.vn</email>", b"<email/><unit_code> </unit_code>")
    assert "email" not in form01_from_xml(parse_untrusted(xml))


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ((b"<gender>", b"<sex>x</sex><gender>"), "sex", "unknown_field"),
        ((b"<gender>", b"<gender>male</gender><gender>"), "gender", "duplicate_field"),
        ((b"<gender>male", b"<gender><x>male</x>"), "gender", "invalid_type"),
        ((b"<type>cccd</type>", b"<type>cccd</type><kind>x</kind>"), "id_document.kind", "unknown_field"),
        ((b"<id_document>", b"<id_document>text"), "id_document", "invalid_type"),
        ((b"<form01 ", b'<form01 version="2" '), "@version", "unknown_field"),
        ((b"<gender>male</gender>", b'<gender xmlns="urn:other">male</gender>'), "gender", "unknown_field"),
    ],
)
def test_elements_out_of_place_are_field_errors(change: tuple[bytes, bytes], field: str, code: str) -> None:
    xml = form01_to_xml(form()).replace(*change, 1)
    with pytest.raises(ValidationError) as refused:
        form01_from_xml(parse_untrusted(xml))
    assert (field, code) in [(e.field, e.code) for e in refused.value.errors]


def test_the_xsd_names_exactly_the_form01_fields() -> None:
    from lxml import etree

    schema = etree.parse(str(SCHEMA))
    xs = "{http://www.w3.org/2001/XMLSchema}"
    root = schema.find(f"{xs}element[@name='form01']")
    top = [e.get("name") for e in root.iter(f"{xs}element") if e.get("name")][1:]  # [0]: form01 itself
    nested = [e.get("name") for e in schema.find(f"{xs}complexType[@name='IdDocument']").iter(f"{xs}element")]
    assert top == list(FIELDS)
    assert nested == list(ID_DOCUMENT_FIELDS)
    assert etree.XMLSchema(schema).validate(etree.fromstring(form01_to_xml(form(unit_code="HN-01"))))


# --- signer identity --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uid", "expected"),
    [
        ("CCCD:001089020747", ("cccd", "001089020747")),
        ("cccd: 0010 8902 0747", ("cccd", "001089020747")),
        ("CMND:012345678", ("cmnd", "012345678")),
        ("HC:c1234567", ("passport", "C1234567")),
        ("MST:0101234567", None),
        ("001089020747", None),
        ("CCCD:", None),
    ],
)
def test_uid_values(uid: str, expected: tuple[str, str] | None) -> None:
    assert parse_uid(uid) == expected


def test_every_uid_of_the_subject_is_read(pki: SigningPki) -> None:
    from cryptography.x509.oid import NameOID

    cert = pki.signer.cert
    assert identities(cert) == (("cccd", "001089020747"),)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Nguyễn Văn An"),
            x509.NameAttribute(NameOID.USER_ID, "MST:0101234567"),
            x509.NameAttribute(NameOID.USER_ID, "CMND:012345678"),
            x509.NameAttribute(NameOID.USER_ID, "CCCD:001089020747"),
        ]
    )
    two = x509.CertificateBuilder(
        subject_name=subject,
        issuer_name=cert.issuer,
        public_key=cert.public_key(),
        serial_number=1,
        not_valid_before=cert.not_valid_before_utc,
        not_valid_after=cert.not_valid_after_utc,
    ).sign(pki.intermediate.key, None if isinstance(pki.intermediate.key, ec.EllipticCurvePrivateKey) else _sha256())
    assert identities(two) == (("cmnd", "012345678"), ("cccd", "001089020747"))


def _sha256() -> Any:
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()


def test_the_declared_document_must_be_named_type_and_number_alike() -> None:
    signer = (("cccd", "001089020747"),)
    check_signer("cccd", "0010 8902 0747", signer)
    for declared in (("cmnd", "001089020747"), ("cccd", "079301123456"), ("passport", "001089020747")):
        with pytest.raises(SignerMismatchError):
            check_signer(*declared, signer)


# --- algorithm policy -------------------------------------------------------------------

MORE = "http://www.w3.org/2001/04/xmldsig-more#"


def test_sha1_in_the_xml_signature_only_with_the_legacy_setting() -> None:
    method = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    digests: list[str | None] = ["http://www.w3.org/2000/09/xmldsig#sha1"]
    with pytest.raises(WeakAlgorithmError):
        AlgorithmPolicy().check_xmldsig(method, digests)
    AlgorithmPolicy(allow_sha1=True).check_xmldsig(method, digests)
    AlgorithmPolicy().check_xmldsig(f"{MORE}ecdsa-sha384", ["http://www.w3.org/2001/04/xmlenc#sha512"])
    for unknown in (f"{MORE}rsa-sha224", f"{MORE}hmac-sha256", None):
        with pytest.raises(WeakAlgorithmError):
            AlgorithmPolicy(allow_sha1=True).check_xmldsig(unknown, ["http://www.w3.org/2001/04/xmlenc#sha256"])


@pytest.mark.parametrize(
    ("key", "weak"),
    [
        (lambda: new_key(size=2048).public_key(), False),
        (lambda: new_key(size=1024).public_key(), True),
        (lambda: ec.generate_private_key(ec.SECP256R1()).public_key(), False),
        (lambda: ec.generate_private_key(ec.SECP224R1()).public_key(), True),
        (lambda: ed25519.Ed25519PrivateKey.generate().public_key(), True),
    ],
    ids=["rsa2048", "rsa1024", "p256", "p224", "ed25519"],
)
def test_key_sizes(key: Any, weak: bool) -> None:
    if weak:
        with pytest.raises(WeakAlgorithmError):
            AlgorithmPolicy(allow_sha1=True).check_key(key())
    else:
        AlgorithmPolicy().check_key(key())


def test_a_sha1_certificate_is_refused_even_with_the_legacy_setting(pki: SigningPki) -> None:
    verifier = SignedFormVerifier(str(pki.trust_store), allow_sha1=True)
    verifier.verify(pki.sign(digest="sha1", signature_digest="sha1", legacy_sha1=True), NOW)
    with pytest.raises(WeakAlgorithmError):
        verifier.verify(pki.sign(name="sha1_cert"), NOW)


# --- revocation -------------------------------------------------------------------------


def chain(pki: SigningPki, leaf: Issued | None = None) -> list[x509.Certificate]:
    return [(leaf or pki.signer).cert, pki.intermediate.cert, pki.root.cert]


def test_without_crls_the_mode_decides(pki: SigningPki) -> None:
    check_revocation(chain(pki), [], NOW, "soft-fail")
    check_revocation(chain(pki), [], NOW, "hard-fail")  # nothing names a distribution point
    with pytest.raises(RevocationUnknownError):
        check_revocation(chain(pki), [], NOW, "require")
    with_point = new_signer(pki.intermediate, NOW, key=pki.signer.key, crl_url="http://127.0.0.1:9/ca.crl")
    with pytest.raises(RevocationUnknownError):
        check_revocation(chain(pki, with_point), [crl(pki.root)], NOW, "hard-fail")
    check_revocation(chain(pki, with_point), [crl(pki.root)], NOW, "soft-fail")


def test_current_crls_satisfy_require(pki: SigningPki) -> None:
    check_revocation(chain(pki), [crl(pki.root), crl(pki.intermediate)], NOW, "require")
    stale = crl(pki.intermediate, days=1, at=NOW - timedelta(days=3))
    with pytest.raises(RevocationUnknownError):
        check_revocation(chain(pki), [crl(pki.root), stale], NOW, "require")


def test_a_listed_certificate_is_revoked_in_every_mode_even_by_a_stale_crl(pki: SigningPki) -> None:
    revoked = pki.certs["revoked"]
    stale = crl(pki.intermediate, (revoked.cert,), days=1, at=NOW - timedelta(days=3))
    for mode in ("soft-fail", "hard-fail", "require"):
        with pytest.raises(CertificateRevokedError):
            check_revocation(chain(pki, revoked), [stale], NOW, mode)


def test_a_crl_not_signed_by_the_issuer_is_ignored(pki: SigningPki) -> None:
    forger = Issued(pki.intermediate.cert, new_key())  # the CA's name, another key
    forged = crl(forger, (pki.signer.cert,))
    check_revocation(chain(pki), [forged], NOW, "soft-fail")
    with pytest.raises(RevocationUnknownError):
        check_revocation(chain(pki), [forged, crl(pki.root)], NOW, "require")


def test_a_revoked_intermediate_refuses_its_signers(pki: SigningPki) -> None:
    with pytest.raises(CertificateRevokedError):
        check_revocation(chain(pki), [crl(pki.root, (pki.intermediate.cert,))], NOW, "soft-fail")


# --- CRL fetching -----------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_fetched_crls_are_cached_and_failures_remembered_a_minute(pki: SigningPki) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    calls: list[str] = []
    der = x509.load_pem_x509_crl(new_crl(pki.intermediate, NOW)).public_bytes(Encoding.DER)
    answers: dict[str, Any] = {"http://ca/ok.crl": der, "http://ca/down.crl": OSError("timed out")}

    def download(url: str, timeout: float) -> bytes:
        calls.append(url)
        answer = answers[url]
        if isinstance(answer, Exception):
            raise answer
        return bytes(answer)

    clock = Clock()
    fetcher = CrlFetcher(2.0, download=download, clock=clock)
    assert fetcher.fetch("http://ca/ok.crl", NOW) is not None
    assert fetcher.fetch("http://ca/down.crl", NOW) is None
    assert fetcher.fetch("http://ca/ok.crl", NOW) is not None
    assert fetcher.fetch("http://ca/down.crl", NOW) is None
    assert calls == ["http://ca/ok.crl", "http://ca/down.crl"]
    clock.now += 61
    fetcher.fetch("http://ca/down.crl", NOW)
    assert calls[-1] == "http://ca/down.crl" and len(calls) == 3
    clock.now += 3600
    fetcher.fetch("http://ca/ok.crl", NOW)
    assert len(calls) == 4


@pytest.fixture
def crl_server(pki: SigningPki) -> Iterator[dict[str, Any]]:
    """A CRL distribution point on 127.0.0.1, serving what the test puts in ``files``."""
    files: dict[str, bytes] = {}
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}", "files": files, "hits": hits}
    finally:
        server.shutdown()
        server.server_close()


def root_only_store(pki: SigningPki, directory: Path) -> str:
    """A trust store with the root and its CRL, without the licensed CA's CRL."""
    (directory / "root.pem").write_bytes(pki.root.cert_pem)
    (directory / "root.crl").write_bytes(new_crl(pki.root, NOW))
    return str(directory)


def test_a_crl_from_the_distribution_point_revokes(pki: SigningPki, crl_server: dict[str, Any], tmp_path: Path) -> None:
    url = f"{crl_server['url']}/licensed-ca.crl"
    signer = new_signer(pki.intermediate, NOW, key=pki.signer.key, crl_url=url)
    document = pki.sign_with(signer)
    store = root_only_store(pki, tmp_path)
    with pytest.raises(RevocationUnknownError):  # hard-fail: the point names a CRL we cannot get
        SignedFormVerifier(store, fetcher=CrlFetcher(2.0)).verify(document, NOW)
    crl_server["files"]["/licensed-ca.crl"] = new_crl(pki.intermediate, NOW)
    assert SignedFormVerifier(store, fetcher=CrlFetcher(2.0)).verify(document, NOW).signer
    crl_server["files"]["/licensed-ca.crl"] = new_crl(pki.intermediate, NOW, (signer.cert,))
    with pytest.raises(CertificateRevokedError):
        SignedFormVerifier(store, fetcher=CrlFetcher(2.0)).verify(document, NOW)
    assert crl_server["hits"] == ["/licensed-ca.crl"] * 3


def test_without_fetching_a_distribution_point_is_never_contacted(
    pki: SigningPki, crl_server: dict[str, Any], tmp_path: Path
) -> None:
    signer = new_signer(pki.intermediate, NOW, key=pki.signer.key, crl_url=f"{crl_server['url']}/ca.crl")
    with pytest.raises(RevocationUnknownError):
        SignedFormVerifier(root_only_store(pki, tmp_path)).verify(pki.sign_with(signer), NOW)
    assert crl_server["hits"] == []


def test_soft_fail_accepts_when_the_distribution_point_is_down(pki: SigningPki, tmp_path: Path) -> None:
    signer = new_signer(pki.intermediate, NOW, key=pki.signer.key, crl_url="http://127.0.0.1:9/none.crl")
    store = root_only_store(pki, tmp_path)
    verifier = SignedFormVerifier(store, revocation_mode="soft-fail", fetcher=CrlFetcher(0.5))
    assert verifier.verify(pki.sign_with(signer), NOW).signer == (("cccd", "001089020747"),)


# --- trust store ------------------------------------------------------------------------


def test_trust_store_keeps_ca_certificates_and_crls_and_skips_the_rest(pki: SigningPki, tmp_path: Path) -> None:
    (tmp_path / "root.pem").write_bytes(pki.root.cert_pem)
    (tmp_path / "signer.pem").write_bytes(pki.signer.cert_pem)  # not a CA: never an anchor
    (tmp_path / "junk.crt").write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    (tmp_path / "root.crl").write_bytes(new_crl(pki.root, NOW))
    (tmp_path / "README.txt").write_text("ignored")
    store = read_directory(tmp_path)
    assert [cert.subject for cert in store.anchors] == [pki.root.cert.subject]
    assert len(store.crls) == 1


def test_a_forged_certificate_never_makes_us_fetch(pki: SigningPki, crl_server: dict[str, Any]) -> None:
    from chalicelib.domain.errors import CertificateUntrustedError

    wrong = signing_pki().other_intermediate
    forged = new_signer(wrong, NOW, key=pki.signer.key, crl_url=f"{crl_server['url']}/any.crl")
    document = sign_form01(form(), forged.key_pem, forged.cert_pem + wrong.cert_pem)
    with pytest.raises(CertificateUntrustedError):
        SignedFormVerifier(str(pki.trust_store), fetcher=CrlFetcher(2.0)).verify(document, NOW)
    assert crl_server["hits"] == []


def test_a_missing_trust_store_trusts_nobody(pki: SigningPki, tmp_path: Path) -> None:
    from chalicelib.domain.errors import CertificateUntrustedError

    with pytest.raises(CertificateUntrustedError):
        SignedFormVerifier(str(tmp_path / "missing")).verify(pki.sign(), NOW)


# --- hostile certificates ---------------------------------------------------------------


def test_a_certificate_with_a_key_outside_the_policy_is_a_weak_algorithm(pki: SigningPki) -> None:
    from cryptography.hazmat.primitives import hashes

    ed = ed25519.Ed25519PrivateKey.generate()
    cert = (
        x509.CertificateBuilder()
        .subject_name(pki.signer.cert.subject)
        .issuer_name(pki.intermediate.cert.subject)
        .public_key(ed.public_key())
        .serial_number(7)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(pki.intermediate.key, hashes.SHA256())
    )
    from cryptography.hazmat.primitives.serialization import Encoding

    chain = cert.public_bytes(Encoding.PEM) + pki.intermediate.cert_pem
    document = sign_form01(form(), pki.signer.key_pem, chain)
    with pytest.raises(WeakAlgorithmError):
        SignedFormVerifier(str(pki.trust_store)).verify(document, NOW)


def test_garbage_in_x509certificate_is_an_invalid_signature(pki: SigningPki) -> None:
    import base64

    from chalicelib.domain.errors import SignatureInvalidError

    document = pki.sign()
    start = document.index(b"<ds:X509Certificate>") + len(b"<ds:X509Certificate>")
    end = document.index(b"</ds:X509Certificate>")
    garbage = base64.b64encode(b"\x30\x82\x01\x00" + b"\x00" * 256)
    with pytest.raises(SignatureInvalidError):
        SignedFormVerifier(str(pki.trust_store)).verify(document[:start] + garbage + document[end:], NOW)


def test_random_corruption_is_always_a_domain_refusal_never_a_crash(pki: SigningPki) -> None:
    """300 documents with a few bytes changed, cut or doubled: each verifies
    (a change in what the signature does not cover) or raises a DomainError."""
    import random

    from chalicelib.domain.errors import DomainError

    document = pki.sign()
    verifier = SignedFormVerifier(str(pki.trust_store))
    rng = random.Random(2659)
    outcomes: set[str] = set()
    for _ in range(300):
        mutated = bytearray(document)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(mutated))
            choice = rng.random()
            if choice < 0.5:
                mutated[at] = rng.randrange(256)
            elif choice < 0.75:
                del mutated[at : at + rng.randint(1, 40)]
            else:
                mutated[at:at] = mutated[at : at + rng.randint(1, 40)]
        try:
            verifier.verify(bytes(mutated), NOW)
            outcomes.add("verified")
        except DomainError as refused:
            outcomes.add(refused.code)
    assert {"signature_invalid", "malformed_xml"} <= outcomes


def test_ops_sign_form01_writes_what_the_verifier_accepts(
    pki: SigningPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from ops.cli import app

    monkeypatch.setenv("BHXH_STAGE", "test")  # --stage sets it; monkeypatch puts it back
    (tmp_path / "form.json").write_text(json.dumps(form(), ensure_ascii=False), encoding="utf-8")
    (tmp_path / "key.pem").write_bytes(pki.signer.key_pem)
    (tmp_path / "chain.pem").write_bytes(pki.chain())
    args = ["--stage", "test", "sign-form01", str(tmp_path / "form.json"), "--key", str(tmp_path / "key.pem")]
    args += ["--cert", str(tmp_path / "chain.pem"), "--out", str(tmp_path / "signed.xml")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    verified = SignedFormVerifier(str(pki.trust_store)).verify((tmp_path / "signed.xml").read_bytes(), NOW)
    assert verified.content == form()
    (tmp_path / "form.json").write_text("[1, 2]", encoding="utf-8")
    assert CliRunner().invoke(app, args).exit_code == 2
