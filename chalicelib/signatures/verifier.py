"""Verification of a signed Form 01, in the order of the EU DSS checklist.

1. Format: UTF-8 XML without DTD or entities; root ``form01`` in
   ``urn:vn:bhxh:form01:v1``.
2. Structure: exactly one ``ds:Signature`` in the whole document, a child of
   the root (enveloped); exactly one ``Reference``, to the whole document
   (``URI=""``) or to the root's own ``Id``; only the enveloped-signature and
   canonicalisation transforms; no ``ds:Object``; no two elements with the same
   ID; one ``KeyInfo/X509Data`` holding exactly one end-entity certificate.
   These rules are what defeats signature wrapping: the signed node can only
   be the root the data are read from.
3. Algorithms (Thông tư 15/2025/TT-BKHCN) of SignedInfo and of the signer's key.
4. Digests and signature value: signxml, with the signer's certificate as the
   only key it may use; the data read afterwards are signxml's canonical
   bytes of what the signature covers, never the request as received.
5. Certificate path to the anchors of ``BHXH_TRUST_STORE``: first a walk
   from the signer up, each certificate verified as signed by the next, to
   name the precise failure (no anchor reached, validity now, algorithm of
   each certificate signature and size of each key that made one); then
   pyca/cryptography's RFC 5280 path validation (basic constraints, path
   length, name constraints, validity) decides.
6. Key usage of the signer's certificate: digitalSignature or nonRepudiation.
7. Revocation of every certificate of the validated path from CRLs (the
   trust store's, and the distribution points' when fetching is on).
8. Signer identity: the subject UID values (matched with the declared ID
   document by the use case, once the form is validated).

pyca/cryptography (the verifier signxml itself relies on) validates the path
rather than pyhanko-certvalidator: measured here, pyhanko's pure-Python ASN.1
took about 1 ms a path, more than signxml's whole verification (0.7 ms),
against 0.07 ms for cryptography's, and it checks a CRL only for a certificate
that names a distribution point.
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import datetime
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm

from ..domain.errors import (
    CertificateExpiredError,
    CertificateNotYetValidError,
    CertificateUntrustedError,
    KeyUsageError,
    MalformedXmlError,
    SignatureInvalidError,
    SignatureMissingError,
)
from ..domain.signature import VerifiedSignature
from ..observability import logger
from .form_xml import form01_from_xml
from .identity import identities
from .policy import DIGEST_METHODS, SIGNATURE_METHODS, AlgorithmPolicy
from .replay import replay_key
from .revocation import CrlFetcher, HeldCrl, check_revocation, distribution_points
from .trust_store import TrustStore, trust_store
from .xml_input import DSIG_NS, FORM01_TAG, hardened_parser, parse_untrusted

ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
C14N_TRANSFORMS = frozenset(
    {
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
        "http://www.w3.org/2006/12/xml-c14n11",
        "http://www.w3.org/2006/12/xml-c14n11#WithComments",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    }
)
ID_ATTRIBUTES = ("Id", "ID", "id")  # and xml:id: what signxml resolves a "#..." reference by
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
MAX_CERTIFICATES = 10
NS = {"ds": DSIG_NS}


def _one(parent: Any, path: str, what: str) -> Any:
    found = parent.findall(path, NS)
    if len(found) != 1:
        raise SignatureInvalidError(f"expected one {what}, found {len(found)}")
    return found[0]


def _check_unique_ids(root: Any) -> None:
    seen: set[str] = set()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            local = name.split("}", 1)[1] if name.startswith("{") else name
            if local in ID_ATTRIBUTES or name == XML_ID:
                if value in seen:
                    raise SignatureInvalidError("duplicate ID")
                seen.add(value)


def _the_signature(root: Any) -> Any:
    signatures = root.findall(".//ds:Signature", NS)
    if not signatures:
        raise SignatureMissingError()
    if len(signatures) > 1:
        raise SignatureInvalidError("more than one signature")
    signature = signatures[0]
    if signature.getparent() is not root:
        raise SignatureInvalidError("the signature is not enveloped in the root")
    return signature


def _check_signed_info(root: Any, signature: Any, policy: AlgorithmPolicy) -> None:
    if signature.findall("ds:Object", NS):
        raise SignatureInvalidError("ds:Object is not expected")
    signed_info = _one(signature, "ds:SignedInfo", "SignedInfo")
    reference = _one(signed_info, "ds:Reference", "Reference")
    uri = reference.get("URI")
    root_id = root.get("Id")
    if uri != "" and not (root_id and uri == f"#{root_id}"):
        raise SignatureInvalidError("the reference must cover the whole form01")
    transforms = [t.get("Algorithm") for t in reference.findall("ds:Transforms/ds:Transform", NS)]
    if ENVELOPED not in transforms or any(t != ENVELOPED and t not in C14N_TRANSFORMS for t in transforms):
        raise SignatureInvalidError("unexpected transforms")
    method = signed_info.find("ds:SignatureMethod", NS)
    digests = [d.get("Algorithm") for d in reference.findall("ds:DigestMethod", NS)]
    policy.check_xmldsig(method.get("Algorithm") if method is not None else None, digests or [None])


def _certificates(signature: Any) -> tuple[Any, list[Any]]:
    """The signer's certificate and the CA certificates sent with it."""
    from cryptography import x509

    key_info = _one(signature, "ds:KeyInfo", "KeyInfo")
    x509_data = _one(key_info, "ds:X509Data", "X509Data")
    encoded = x509_data.findall("ds:X509Certificate", NS)
    if not 1 <= len(encoded) <= MAX_CERTIFICATES:
        raise SignatureInvalidError("X509Certificate count")
    import base64

    certs = []
    for element in encoded:
        try:
            certs.append(x509.load_der_x509_certificate(base64.b64decode("".join((element.text or "").split()))))
        except ValueError as error:
            raise SignatureInvalidError("unreadable certificate") from error
    end_entities: list[Any] = []
    authorities: list[Any] = []
    for cert in certs:
        try:
            is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        except ValueError as error:
            raise SignatureInvalidError("unreadable certificate extensions") from error
        (authorities if is_ca else end_entities).append(cert)
    if len(end_entities) != 1:
        raise SignatureInvalidError("expected exactly one end-entity certificate")
    return end_entities[0], authorities


def _validity(cert: Any, now: datetime) -> None:
    if now < cert.not_valid_before_utc:
        raise CertificateNotYetValidError()
    if now > cert.not_valid_after_utc:
        raise CertificateExpiredError()


def _check_key_usage(cert: Any) -> None:
    from cryptography import x509

    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except (x509.ExtensionNotFound, ValueError) as error:
        raise KeyUsageError("no key usage") from error
    if not (usage.digital_signature or usage.content_commitment):
        raise KeyUsageError()


def _der(cert: Any) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return bytes(cert.public_bytes(Encoding.DER))


_XMLDSIG_CONFIGS: dict[bool, Any] = {}


def _xmldsig_config(policy: AlgorithmPolicy, now: datetime) -> Any:
    from dataclasses import replace

    from signxml.algorithms import DigestAlgorithm, SignatureMethod
    from signxml.verifier import SignatureConfiguration

    base = _XMLDSIG_CONFIGS.get(policy.allow_sha1)
    if base is None:
        base = _XMLDSIG_CONFIGS[policy.allow_sha1] = SignatureConfiguration(
            require_x509=True,
            location="./",
            expect_references=1,
            signature_methods=frozenset(
                SignatureMethod(uri) for uri, digest in SIGNATURE_METHODS.items() if policy.hash_allowed(digest)
            ),
            digest_algorithms=frozenset(
                DigestAlgorithm(uri) for uri, digest in DIGEST_METHODS.items() if policy.hash_allowed(digest)
            ),
        )
    return replace(base, verification_time=now)


class SignedFormVerifier:
    """The ``SignatureVerifier`` port: configured once, safe to share."""

    def __init__(
        self,
        trust_store_dir: str,
        *,
        revocation_mode: str = "hard-fail",
        allow_sha1: bool = False,
        fetcher: CrlFetcher | None = None,
        store: TrustStore | None = None,
    ) -> None:
        self._directory = trust_store_dir
        self._store = store
        self._mode = revocation_mode
        self._policy = AlgorithmPolicy(allow_sha1=allow_sha1)
        self._fetcher = fetcher

    @property
    def store(self) -> TrustStore:
        return self._store if self._store is not None else trust_store(self._directory)

    def verify(self, body: bytes, now: datetime) -> VerifiedSignature:
        root = parse_untrusted(body)
        if root.tag != FORM01_TAG:
            raise MalformedXmlError("the root element must be form01 in urn:vn:bhxh:form01:v1")
        signature = _the_signature(root)
        _check_unique_ids(root)
        _check_signed_info(root, signature, self._policy)
        signer, authorities = _certificates(signature)
        try:
            self._policy.check_key(signer.public_key())
            signed = self._xmldsig(body, signer, now)
            store = self.store
            chain = self._path(signer, authorities, store, now)
            check_revocation(chain, self._crls(chain, store, now), now, self._mode)
            found = identities(signer)
            summary = _summary(signer)
        except (ValueError, TypeError, UnsupportedAlgorithm) as error:
            # cryptography parses certificates lazily: a malformed field or an
            # algorithm it does not know surfaces here, from untrusted input.
            logger.info("certificate not processable", extra={"error_type": type(error).__name__})
            raise SignatureInvalidError("certificate not processable") from error
        return VerifiedSignature(
            content=form01_from_xml(signed),
            signer=found,
            certificate=summary,
            replay_key=replay_key(signature, signer.public_key()),
        )

    def _xmldsig(self, body: bytes, signer: Any, now: datetime) -> Any:
        """Digests and signature value; returns the signed content as parsed
        from signxml's canonical bytes of it."""
        from signxml.exceptions import InvalidCertificate
        from signxml.verifier import VerifyResult, XMLVerifier

        try:
            result = XMLVerifier().verify(
                body,
                x509_cert=signer,
                parser=hardened_parser(),
                expect_config=_xmldsig_config(self._policy, now),
            )
        except InvalidCertificate as error:
            _validity(signer, now)
            raise SignatureInvalidError("certificate") from error
        except Exception as error:  # every signxml, lxml and decoding failure of untrusted input
            logger.info("signature does not verify", extra={"error_type": type(error).__name__})
            raise SignatureInvalidError(type(error).__name__) from error
        if not isinstance(result, VerifyResult) or result.signed_xml is None or result.signed_xml.tag != FORM01_TAG:
            raise SignatureInvalidError("the signed content is not form01")
        return result.signed_xml

    def _path(self, signer: Any, authorities: list[Any], store: TrustStore, now: datetime) -> list[Any]:
        """The validated path, the signer first and the anchor last."""
        from cryptography.x509.verification import PolicyBuilder, VerificationError

        if store.verifier_store is None:
            raise CertificateUntrustedError("no trust anchors")
        verifier = (
            PolicyBuilder()
            .store(store.verifier_store)
            .time(now)
            .max_chain_depth(MAX_CERTIFICATES)
            .extension_policies(ee_policy=_ee_policy(), ca_policy=_ca_policy())
            .build_client_verifier()
        )
        try:
            chain = list(verifier.verify(signer, authorities).chain)
        except VerificationError as error:
            _explain(signer, authorities, list(store.anchors), self._policy, now)
            logger.info("certificate path refused", extra={"reason": str(error)[:200]})
            raise CertificateUntrustedError() from error
        for cert, issuer in itertools.pairwise(chain):
            self._policy.check_certificate_signature(cert)
            self._policy.check_key(issuer.public_key())
        _check_key_usage(signer)
        return chain

    def _crls(self, chain: list[Any], store: TrustStore, now: datetime) -> list[HeldCrl]:
        """The trust store's CRLs, and (fetching on) those of the distribution
        points the validated path names: a forged certificate never makes us
        fetch an address of its choosing."""
        crls: list[HeldCrl] = list(store.crls)
        if self._fetcher is not None:
            for cert in chain[:-1]:
                for url in distribution_points(cert):
                    fetched = self._fetcher.fetch(url, now)
                    if fetched is not None:
                        crls.append(fetched)
        return crls


_POLICIES: dict[str, Any] = {}


def _ee_policy() -> Any:
    """Personal signing certificates: any extensions (key usage is checked
    apart, to name that failure); no subjectAltName needed."""
    if "ee" not in _POLICIES:
        from cryptography.x509.verification import ExtensionPolicy

        _POLICIES["ee"] = ExtensionPolicy.permit_all()
    return _POLICIES["ee"]


def _ca_policy() -> Any:
    """CA certificates: basicConstraints CA, keyCertSign (RFC 5280 as the web PKI applies it)."""
    if "ca" not in _POLICIES:
        from cryptography.x509.verification import ExtensionPolicy

        _POLICIES["ca"] = ExtensionPolicy.webpki_defaults_ca()
    return _POLICIES["ca"]


def _explain(signer: Any, authorities: list[Any], anchors: list[Any], policy: AlgorithmPolicy, now: datetime) -> None:
    """Why the path verifier refused, when the reason has its own code: walks
    from the signer up, each certificate verified as signed by the next, held
    to the algorithm policy and to its validity period. Returns when nothing
    specific is found (the caller answers ``certificate_untrusted``)."""
    current = signer
    seen = [signer]
    for _ in range(MAX_CERTIFICATES):
        _validity(current, now)
        policy.check_certificate_signature(current)
        issuer = next((c for c in anchors if c.subject == current.issuer and _issued_by(current, c)), None)
        if issuer is not None:
            policy.check_key(issuer.public_key())
            _validity(issuer, now)
            return
        issuer = next(
            (c for c in authorities if c.subject == current.issuer and c not in seen and _issued_by(current, c)),
            None,
        )
        if issuer is None:
            return
        policy.check_key(issuer.public_key())
        seen.append(issuer)
        current = issuer


def _issued_by(cert: Any, issuer: Any) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:  # wrong issuer, unsupported algorithm, malformed signature: not issued by it
        return False
    return True


def _summary(cert: Any) -> dict[str, str]:
    return {
        "sha256": hashlib.sha256(_der(cert)).hexdigest(),
        "serial": format(cert.serial_number, "x"),
        "issuer": cert.issuer.rfc4514_string(),
        "not_after": cert.not_valid_after_utc.isoformat(),
    }
