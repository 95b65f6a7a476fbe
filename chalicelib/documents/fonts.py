"""The font the printed Form 01 embeds: Noto Sans (SIL Open Font License), full
Vietnamese coverage, from the pinned ``pymupdf-fonts`` package (Artifex's font
collection for PyMuPDF), never from the machine's fonts, so every Lambda and every
laptop prints the same glyphs.

fpdf2 reads fonts from files: the two faces are written once per process to a
private temporary directory (Lambda's ``/tmp``) and reused."""

from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path

FAMILY = "NotoSans"
# fontTools reports the tables it leaves out of a subset (Noto's autohinting one) as warnings.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
_lock = threading.Lock()
_paths: dict[str, Path] = {}


def _buffer(style: str) -> bytes:
    if style == "B":
        from pymupdf_fonts import NotoSans_Bold as face
    else:
        from pymupdf_fonts import NotoSans_Regular as face
    return bytes(face.fontbuffer)


def font_files() -> dict[str, Path]:
    """Style ("" regular, "B" bold) to the TTF file of that face."""
    with _lock:
        if not _paths:
            folder = Path(tempfile.mkdtemp(prefix="bhxh-fonts-"))
            for style, name in (("", "NotoSans-Regular.ttf"), ("B", "NotoSans-Bold.ttf")):
                path = folder / name
                path.write_bytes(_buffer(style))
                _paths[style] = path
        return dict(_paths)
