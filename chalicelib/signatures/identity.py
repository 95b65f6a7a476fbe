"""Who signed: the ID documents named by the certificate subject's UID
attributes (OID 0.9.2342.19200300.100.1.1), as Vietnamese licensed CAs write
them: ``CCCD:001089020747``, ``CMND:012345678``, ``HC:C1234567``. Other UID
values (a tax code ``MST:...``) name no person's document and are ignored."""

from __future__ import annotations

from typing import Any

from ..domain.errors import SignerMismatchError
from ..domain.form01 import Form01

UID_OID = "0.9.2342.19200300.100.1.1"
PREFIXES = {"CCCD": "cccd", "CMND": "cmnd", "HC": "passport"}

Identity = tuple[str, str]  # (ID document type as in Form 01, number)


def parse_uid(value: str) -> Identity | None:
    """``("cccd", "001089020747")`` from ``CCCD:001089020747``; None for other UIDs."""
    prefix, sep, number = value.partition(":")
    kind = PREFIXES.get(prefix.strip().upper())
    number = "".join(number.split()).upper()
    if not sep or kind is None or not number:
        return None
    return kind, number


def identities(cert: Any) -> tuple[Identity, ...]:
    """Every ID document the certificate's subject names."""
    from cryptography.x509 import ObjectIdentifier

    found: list[Identity] = []
    for attribute in cert.subject.get_attributes_for_oid(ObjectIdentifier(UID_OID)):
        value = attribute.value if isinstance(attribute.value, str) else attribute.value.decode("utf-8", "replace")
        parsed = parse_uid(value)
        if parsed is not None and parsed not in found:
            found.append(parsed)
    return tuple(found)


def check_signer(document_type: str, number: str, signer: tuple[Identity, ...]) -> None:
    """The declared ID document must be one the certificate names, type and
    number alike (a CMND certificate does not sign for a CCCD declaration)."""
    if (document_type, "".join(number.split()).upper()) not in signer:
        raise SignerMismatchError()


def check_form_signer(form: Form01, signer: tuple[Identity, ...]) -> None:
    check_signer(form.id_document.type, form.id_document.number, signer)
