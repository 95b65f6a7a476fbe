"""Form 01 as XML (``chalicelib/schemas/form01.xsd``): root ``form01`` in
``urn:vn:bhxh:form01:v1``, one child element per JSON field of DESIGN §3,
``id_document`` with its four children. Reading gives the same dict a JSON
body would, so ``parse_form01`` validates both channels alike."""

from __future__ import annotations

from typing import Any

from ..domain.errors import FieldError, ValidationError
from ..domain.form01 import FIELDS, ID_DOCUMENT_FIELDS
from .xml_input import DSIG_NS, FORM01_NS, FORM01_TAG

NESTED = {"id_document": ID_DOCUMENT_FIELDS}
# Empty optional elements (``<email/>``) read as absent.
OPTIONAL = ("nationality", "email", "unit_code")
ROOT_ATTRIBUTES = ("Id",)


def _local(tag: Any) -> str:
    text = str(tag)
    return text.split("}", 1)[1] if text.startswith("{") else text


def _text(errors: list[FieldError], path: str, element: Any) -> str | None:
    if not isinstance(element.tag, str):
        return None
    if len(element) or element.attrib:
        errors.append(FieldError(path, "invalid_type", {"expected": "string"}))
        return None
    return str(element.text or "")


def _children(errors: list[FieldError], parent: Any, prefix: str, names: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for child in parent:
        if not isinstance(child.tag, str):  # comments and processing instructions carry no data
            continue
        name = _local(child.tag)
        path = f"{prefix}{name}"[:64]
        if child.tag == f"{{{DSIG_NS}}}Signature" and not prefix:
            continue
        if not child.tag.startswith(f"{{{FORM01_NS}}}") or name not in names:
            errors.append(FieldError(path, "unknown_field"))
            continue
        if name in values:
            errors.append(FieldError(path, "duplicate_field"))
            continue
        if name in NESTED:
            if child.attrib or (child.text or "").strip():
                errors.append(FieldError(path, "invalid_type", {"expected": "object"}))
                continue
            values[name] = _children(errors, child, f"{name}.", NESTED[name])
            continue
        text = _text(errors, path, child)
        if text is None:
            continue
        if name in OPTIONAL and not text.strip():
            continue
        values[name] = text
    return values


def form01_from_xml(root: Any) -> dict[str, Any]:
    """The Form 01 fields of a ``form01`` element, as decoded JSON would give
    them; ``ValidationError`` for elements out of place. Values are checked
    afterwards by ``parse_form01``."""
    if root.tag != FORM01_TAG:
        raise ValidationError([FieldError("", "invalid_type", {"expected": "form01"})])
    errors: list[FieldError] = [
        FieldError(f"@{_local(name)}"[:64], "unknown_field") for name in root.attrib if name not in ROOT_ATTRIBUTES
    ]
    values = _children(errors, root, "", FIELDS)
    if errors:
        raise ValidationError(errors)
    return values


def form01_to_xml(data: dict[str, Any], *, element_id: str | None = None) -> bytes:
    """A Form 01 JSON body as unsigned XML (what ``python -m ops sign-form01`` signs)."""
    from lxml import etree

    root = etree.Element(FORM01_TAG, nsmap={None: FORM01_NS})
    if element_id:
        root.set("Id", element_id)
    for name in FIELDS:
        value = data.get(name)
        if value is None:
            continue
        child = etree.SubElement(root, f"{{{FORM01_NS}}}{name}")
        if name in NESTED and isinstance(value, dict):
            for key in NESTED[name]:
                if value.get(key) is not None:
                    etree.SubElement(child, f"{{{FORM01_NS}}}{key}").text = str(value[key])
        else:
            child.text = str(value)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
