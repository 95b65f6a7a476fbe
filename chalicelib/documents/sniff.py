"""What an uploaded file really is: its signature and, for images, whether Pillow decodes it
(a file that only starts like a JPEG is not one). Imported only by the ID-copy use case;
Pillow's format plugins load here, once, never in a request's thread."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from ..domain.id_copy import JPEG, PDF, PNG

Image.preinit()  # JPEG and PNG plugins, at import (not lazily, where threads could race)


def sniffed_type(body: bytes) -> str | None:
    """The allowed type the bytes are, or None."""
    if body.startswith(b"%PDF-") and b"%%EOF" in body[-1024:]:
        return PDF
    if not (body.startswith(b"\xff\xd8\xff") or body.startswith(b"\x89PNG\r\n\x1a\n")):
        return None
    try:
        with Image.open(io.BytesIO(body), formats=("JPEG", "PNG")) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return {"JPEG": JPEG, "PNG": PNG}.get(kind or "")
