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
    order = public_key.curve.group_order
    return r + min(s, order - s).to_bytes(half, "big")


def replay_key(signature: Any, public_key: Any) -> str:
    """SHA-256 (hex) of the canonical signature value; call it once the value verified."""
    return hashlib.sha256(canonical_value(signature_value(signature), public_key)).hexdigest()
