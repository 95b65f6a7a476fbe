"""Untrusted XML in: UTF-8 only, no DTD, no entities, no network, no huge trees.

A DOCTYPE is refused before the parser sees the bytes (XXE, billion laughs),
and the parser is configured so that it could not resolve one anyway.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..domain.errors import MalformedXmlError, XmlDtdForbiddenError

if TYPE_CHECKING:
    from lxml import etree

FORM01_NS = "urn:vn:bhxh:form01:v1"
FORM01_TAG = f"{{{FORM01_NS}}}form01"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"

_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF8_BOM = b"\xef\xbb\xbf"


def hardened_parser() -> etree.XMLParser:
    """A parser that loads no DTD, expands no entity and opens no connection."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=False,
    )


def check_bytes(body: bytes) -> None:
    """Refuse what must never reach the parser: nothing at all, other encodings, DTDs."""
    if not body.strip():
        raise MalformedXmlError("empty body")
    text = body[len(_UTF8_BOM) :] if body.startswith(_UTF8_BOM) else body
    declared = _DECLARED_ENCODING.match(text.lstrip())
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise MalformedXmlError("only UTF-8 is accepted")
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedXmlError("not UTF-8") from error
    if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
        raise XmlDtdForbiddenError()


def parse_untrusted(body: bytes) -> Any:
    """The document's root element, or ``MalformedXmlError`` / ``XmlDtdForbiddenError``."""
    from lxml import etree

    check_bytes(body)
    try:
        root = etree.fromstring(body, parser=hardened_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise MalformedXmlError(type(error).__name__) from error
    if root is None:
        raise MalformedXmlError("no root element")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlDtdForbiddenError()
    if any(True for _ in root.iter(etree.Entity)):
        raise XmlDtdForbiddenError()
    return root
