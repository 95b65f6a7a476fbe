"""Reading a PDF the service printed, as a person and a desk scanner would: its text
(pypdfium2, PDFium's text layer) and the QR codes on its rendered page (zxing-cpp)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReadPdf:
    pages: int
    width_mm: float
    height_mm: float
    text: str
    qr_codes: list[str]


def read_pdf(content: bytes) -> ReadPdf:
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(content)
    try:
        page = document[0]
        width, height = page.get_size()  # points
        text = page.get_textpage().get_text_range()
        image = page.render(scale=3).to_pil()
        codes = [found.text for found in zxingcpp.read_barcodes(image) if found.format == zxingcpp.BarcodeFormat.QRCode]
        return ReadPdf(len(document), width * 25.4 / 72, height * 25.4 / 72, text, codes)
    finally:
        document.close()
