"""Form 01 as a PDF: the warm render time (median) of the real renderer, next to a bare
fpdf2 page drawn in the same run (one core-font line: what any fpdf2 page costs), its size,
the first (cold) render, and whether ``import app`` loads any of the PDF libraries (it must
not: they load on the PDF route only, so the API's cold start does not pay for them)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from chalicelib.domain.declaration import Declaration
from chalicelib.domain.office import Office

from .cold_start import child_env
from .report import ROOT, Figure, Target, log

PDF_MODULES = ("fpdf", "segno", "PIL", "fontTools", "pymupdf_fonts")
CHILD = """\
import sys
import app
print(",".join(sorted(m for m in {modules!r} if m in sys.modules)))
"""


def _declaration() -> tuple[Declaration, Office]:
    from chalicelib.domain.declaration import new_office_declaration
    from chalicelib.domain.form01 import Form01, IdDocument

    form = Form01(
        "Nguyễn Thị Hồng Nhung",
        "1990-05-17",
        "female",
        "VN",
        "0123456789",
        IdDocument("cccd", "001190012345", "2021-04-10", "Cục Cảnh sát QLHC về TTXH"),
        "+84912345678",
        "nhung@example.vn",
        "Số 12 ngõ 34 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội",
        "BHXH-01",
        None,
    )
    now = datetime(2026, 12, 3, 3, 15, tzinfo=UTC)
    office = Office("BHXH-01", "01", "Bảo hiểm xã hội thành phố Hà Nội", "Số 8 phố Lê Thái Tổ, Hà Nội", "1900 9068")
    return new_office_declaration(form, declaration_id="bench-1", code="K7PQ3M9X", now=now), office


def _bare_page() -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Form 01")
    return bytes(pdf.output())


def _median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def loaded_at_cold_start() -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(modules=PDF_MODULES)],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    line = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return [name for name in line.split(",") if name]


def run(quick: bool) -> list[Figure]:
    from chalicelib.documents.form01_pdf import render_form01

    declaration, office = _declaration()
    start = time.perf_counter()
    first = render_form01(declaration, office)
    cold_ms = (time.perf_counter() - start) * 1000
    runs = 10 if quick else 40
    rendered_ms = _median_ms(lambda: render_form01(declaration, office), runs)
    _bare_page()
    bare_ms = _median_ms(_bare_page, runs)
    again = render_form01(declaration, office)
    loaded = loaded_at_cold_start()
    log(f"form01 pdf: {rendered_ms:.1f} ms warm, bare page {bare_ms:.1f} ms, {len(first.content)} bytes")
    details = {
        "pdf_bytes": len(first.content),
        "first_render_ms": round(cold_ms, 1),
        "bare_fpdf2_page_ms": round(bare_ms, 2),
        "runs": runs,
        "byte_identical": first.content == again.content,
        "libraries": "fpdf2 2.8.9, segno 1.6.6, Noto Sans from pymupdf-fonts 1.0.5",
    }
    return [
        Figure("form01_pdf_ms", rendered_ms, "ms", 1, Target("<=", 250), details),
        Figure("form01_pdf_size_kb", len(first.content) / 1024, "KiB", 1, Target("<=", 100)),
        Figure(
            "pdf_libraries_loaded_at_cold_start",
            len(loaded),
            "modules",
            0,
            Target("<=", 0),
            {"checked": list(PDF_MODULES), "loaded": loaded},
        ),
    ]
