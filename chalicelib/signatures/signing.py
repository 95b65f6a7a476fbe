"""Signing a Form 01 the way a declarant's signing tool does: an enveloped
XMLDSig signature over the whole document (``Reference URI=""``), with the
signer's certificate and its chain in ``KeyInfo/X509Data``.

The service never signs; ``python -m ops sign-form01``, the tests and
``make bench`` do."""

from __future__ import annotations

from typing import Any

SHA256 = "sha256"


def _algorithms(key: Any, digest: str) -> tuple[Any, Any]:
    from cryptography.hazmat.primitives.asymmetric import ec
    from signxml import algorithms

    methods: Any = algorithms.SignatureMethod
    digests: Any = algorithms.DigestAlgorithm
    family = "ecdsa" if isinstance(key, ec.EllipticCurvePrivateKey) else "rsa"
    return methods.from_fragment(f"{family}-{digest}"), digests.from_fragment(digest)


def sign_xml(
    xml: bytes,
    key_pem: bytes,
    chain_pem: bytes,
    *,
    digest: str = SHA256,
    signature_digest: str = SHA256,
    reference_uri: str | None = None,
    legacy_sha1: bool = False,
) -> bytes:
    """``xml`` signed with ``key_pem``; ``chain_pem`` holds the signer's
    certificate first, then its intermediates. ``reference_uri`` ``#id``
    signs the element with that ``Id`` instead of the whole document.
    ``digest`` names the references' digest, ``signature_digest`` the hash of
    the signature method; ``legacy_sha1`` lets SHA-1 through (to build the
    refused test cases)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from lxml import etree
    from signxml.algorithms import SignatureConstructionMethod
    from signxml.signer import XMLSigner

    from .xml_input import hardened_parser

    key: Any = load_pem_private_key(key_pem, password=None)
    _, digest_method = _algorithms(key, digest)
    signature_method, _ = _algorithms(key, signature_digest)

    class Signer(XMLSigner):
        def check_deprecated_methods(self) -> None:
            if not legacy_sha1:
                super().check_deprecated_methods()  # type: ignore[no-untyped-call]

    certs = [cert.public_bytes(_pem()).decode() for cert in x509.load_pem_x509_certificates(chain_pem)]
    root = etree.fromstring(xml, parser=hardened_parser())
    signer = Signer(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=signature_method,
        digest_algorithm=digest_method,
    )
    signed = signer.sign(root, key=key, cert=certs, reference_uri=reference_uri)
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


def _pem() -> Any:
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.PEM


def sign_form01(
    form: dict[str, Any], key_pem: bytes, chain_pem: bytes, *, element_id: str | None = None, **options: Any
) -> bytes:
    """A Form 01 JSON body, as signed XML."""
    from .form_xml import form01_to_xml

    return sign_xml(form01_to_xml(form, element_id=element_id), key_pem, chain_pem, **options)
