"""The replay key of a signed Form 01: SHA-256 of its canonical signature value.

A valid signature value is what only the signer could produce, so the same
value seen again is the same signed document sent again (whatever bytes
around it changed: whitespace, the certificate chain's order, comments
outside what is signed). The use case stores the key with the decision and
answers a replay with the first answer.

*Canonical*: the base64 text decoded (its line breaks and spaces do not
count), and for ECDSA the ``(r, s)`` pair with the low ``s``: ``(r, n - s)``
is an equally valid signature of the same document that anyone holding it
can compute, and must not pass for a new one. RSA signatures (PKCS#1 v1.5,
as XMLDSig uses) admit no such second form.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from ..domain.errors import SignatureInvalidError
from .xml_input import DSIG_NS

# Group orders of the named curves a signer's key may use (SEC 2, RFC 5639).
CURVE_ORDERS = {
    "secp256r1": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "secp384r1": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16
    ),
    "secp521r1": int(
        "01FF" + "FFFFFFFF" * 7 + "FFFFFFFA" + "51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409", 16
    ),
    "brainpoolP256r1": 0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7,
    "brainpoolP384r1": int(
        "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565", 16
    ),
    "brainpoolP512r1": int(
        "AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870"
        "553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069",
        16,
    ),
}


def signature_value(signature: Any) -> bytes:
    """The decoded ``ds:SignatureValue`` of a ``ds:Signature`` element."""
    found = signature.findall(f"{{{DSIG_NS}}}SignatureValue")
    if len(found) != 1:
        raise SignatureInvalidError("expected one SignatureValue")
    text = "".join((found[0].text or "").split())
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise SignatureInvalidError("SignatureValue is not base64") from error


def canonical_value(value: bytes, public_key: Any) -> bytes:
    """``value`` as one document has it, whichever valid form was sent."""
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or len(value) % 2:
        return value
    half = len(value) // 2
    r, s = value[:half], int.from_bytes(value[half:], "big")
    order = CURVE_ORDERS.get(public_key.curve.name)
    if order is None:
        # An unknown order: r alone (fixed by the signer's random nonce) names the signature.
        return r
    return r + min(s, order - s).to_bytes(half, "big")


def replay_key(signature: Any, public_key: Any) -> str:
    """SHA-256 (hex) of the canonical signature value; call it once the value verified."""
    return hashlib.sha256(canonical_value(signature_value(signature), public_key)).hexdigest()
