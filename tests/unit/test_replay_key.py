"""The replay key of a signed document (chalicelib/signatures/replay.py): the
same for every valid form of one signature value, different for another."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from lxml import etree

from chalicelib.domain.errors import SignatureInvalidError
from chalicelib.signatures.replay import canonical_value, replay_key

DS = "http://www.w3.org/2000/09/xmldsig#"
CURVES: dict[str, ec.EllipticCurve] = {
    "secp256r1": ec.SECP256R1(),
    "secp384r1": ec.SECP384R1(),
    "secp521r1": ec.SECP521R1(),
    "brainpoolP256r1": ec.BrainpoolP256R1(),
}


def raw(r: int, s: int, size: int) -> bytes:
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def signature_element(value: str) -> etree._Element:
    signature = etree.Element(f"{{{DS}}}Signature")
    etree.SubElement(signature, f"{{{DS}}}SignatureValue").text = value
    return signature


@pytest.mark.parametrize("curve", sorted(CURVES))
def test_both_valid_ecdsa_forms_have_one_key(curve: str) -> None:
    key = ec.generate_private_key(CURVES[curve])
    public = key.public_key()
    r, s = decode_dss_signature(key.sign(b"form01", ec.ECDSA(hashes.SHA256())))
    n = public.curve.group_order
    public.verify(encode_dss_signature(r, n - s), b"form01", ec.ECDSA(hashes.SHA256()))  # anyone can make it
    size = (public.curve.key_size + 7) // 8
    assert canonical_value(raw(r, s, size), public) == canonical_value(raw(r, n - s, size), public)
    other_r, other_s = decode_dss_signature(key.sign(b"form01", ec.ECDSA(hashes.SHA256())))
    assert canonical_value(raw(other_r, other_s, size), public) != canonical_value(raw(r, s, size), public)


def test_rsa_values_are_kept_as_they_are() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    value = key.sign(b"form01", padding.PKCS1v15(), hashes.SHA256())
    assert canonical_value(value, key.public_key()) == value


def test_the_base64_layout_does_not_count() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    text = base64.b64encode(bytes(range(256))).decode()
    wrapped = "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    assert replay_key(signature_element(text), key) == replay_key(signature_element(f"\n  {wrapped}\n"), key)
    assert replay_key(signature_element(text), key) != replay_key(signature_element(text[:-4] + "AAAA"), key)


@pytest.mark.parametrize("value", ["not base64!", "QUJ"])
def test_a_value_that_is_not_base64_is_refused(value: str) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    with pytest.raises(SignatureInvalidError):
        replay_key(signature_element(value), key)
