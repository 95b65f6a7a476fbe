"""Form 01 (Mẫu số 01, 5236/VBHN-BLĐTBXH) as a printable A4 page: every declared
field, the counter code in large type and as a QR code the officer's desk scans,
the deadline, the office, the channel and the box where the person signs
(notice 2659, section 2, step 3: "in, ký, ghi rõ họ tên").

fpdf2 lays the page out and embeds a subset of Noto Sans (``fonts``); segno
encodes the QR code, drawn as vector squares (no image library on this path).
The same declaration always gives the same bytes: the document's dates are the
declaration's own, never the time of the request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..domain.declaration import CHANNEL_OFFICE, CHANNEL_PAPER, CHANNEL_SIGNED, CHANNEL_VNEID, VN_TZ, Declaration
from ..domain.identifiers import format_counter_code
from ..domain.office import Office
from ..domain.templates import HOTLINE

if TYPE_CHECKING:
    from fpdf import FPDF

GENDERS = {"male": "Nam / Male", "female": "Nữ / Female"}
ID_TYPES = {
    "cccd": "Căn cước công dân (CCCD) / Citizen identity card",
    "cmnd": "Chứng minh nhân dân (CMND) / Identity card",
    "passport": "Hộ chiếu / Passport",
}
CHANNELS = {
    CHANNEL_OFFICE: "Kê khai trực tuyến, nộp tại cơ quan BHXH / Declared online, brought to a BHXH office",
    CHANNEL_PAPER: "Tờ khai giấy, cán bộ BHXH nhập / Paper form typed in by a BHXH officer",
    CHANNEL_SIGNED: "Tờ khai ký số / Digitally signed form",
    CHANNEL_VNEID: "Đăng ký qua VNeID / Registered through VNeID",
}
SIGNATURE_BOX = "Người kê khai ký, ghi rõ họ tên"
TITLE = "TỜ KHAI ĐĂNG KÝ SỬ DỤNG PHƯƠNG THỨC GIAO DỊCH ĐIỆN TỬ VỚI CƠ QUAN BẢO HIỂM XÃ HỘI"
TITLE_EN = "Registration for electronic transactions with Vietnam Social Security (individuals)"
PAGE_WIDTH = 210.0  # A4, millimetres
MARGIN = 15.0
QR_SIZE = 32.0
ROW_HEIGHT = 5.8
BOX_HEIGHT = 32.0
FOOTER_TOP = 297.0 - MARGIN - 16


@dataclass(frozen=True)
class Rendered:
    content: bytes
    filename: str


def vn_datetime(at: datetime) -> str:
    """``10:15 ngày 11/12/2026`` in Vietnam's time."""
    local = at.astimezone(VN_TZ)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def vn_date(iso_day: str) -> str:
    """``dd/mm/yyyy``; a dash for a date the channel did not ask (VNeID gives no issue date)."""
    if not iso_day:
        return "—"
    year, month, day = iso_day.split("-")
    return f"{day}/{month}/{year}"


def filename(declaration: Declaration) -> str:
    """``to-khai-01-K7PQ-3M9X.pdf``: the counter code, nothing personal."""
    return f"to-khai-01-{format_counter_code(declaration.code)}.pdf"


def _fields(declaration: Declaration, office: Office | None) -> list[tuple[str, str]]:
    form = declaration.form
    document = form.id_document
    office_text = f"{office.name}, {office.address}" if office else form.office_code
    return [
        ("1. Họ và tên / Full name", form.full_name),
        ("2. Ngày sinh / Date of birth", vn_date(form.date_of_birth)),
        ("3. Giới tính / Gender", GENDERS.get(form.gender, form.gender)),
        ("4. Quốc tịch / Nationality", form.nationality),
        ("5. Mã số BHXH / Social-insurance code", form.bhxh_code),
        ("6. Giấy tờ tùy thân / ID document", ID_TYPES.get(document.type, document.type)),
        ("    Số / Number", document.number),
        ("    Ngày cấp / Issued on", vn_date(document.issued_on)),
        ("    Nơi cấp / Issued by", document.issued_by),
        ("7. Điện thoại di động / Mobile phone", form.phone),
        ("8. Thư điện tử / Email", form.email or "—"),
        ("9. Địa chỉ liên hệ / Contact address", form.address),
        ("10. Đơn vị công tác / Agency unit", form.unit_code or "—"),
        ("11. Cơ quan BHXH nhận hồ sơ / BHXH office", office_text),
        ("12. Hình thức / Channel", CHANNELS.get(declaration.channel, declaration.channel)),
    ]


@dataclass(frozen=True)
class Layout:
    value_size: float
    row_height: float


# The usual layout, and a compact one for the longest values the form allows.
LAYOUTS = (Layout(10, ROW_HEIGHT), Layout(8, 4.4))


class DoesNotFitError(Exception):
    pass


def render_form01(declaration: Declaration, office: Office | None) -> Rendered:
    """One A4 page: in the usual layout, or the compact one when long values need it."""
    for layout in LAYOUTS[:-1]:
        try:
            return _render(declaration, office, layout)
        except DoesNotFitError:
            continue
    return _render(declaration, office, LAYOUTS[-1])


def _render(declaration: Declaration, office: Office | None, layout: Layout) -> Rendered:
    from fpdf import FPDF

    from .fonts import FAMILY, font_files

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    # The declaration's own time: the same bytes on every request (and no clock read).
    pdf.set_creation_date(declaration.confirmed_at.astimezone(UTC))
    pdf.set_title(f"Mẫu số 01 - {format_counter_code(declaration.code)}")
    pdf.set_author("Bảo hiểm xã hội Việt Nam")
    pdf.set_creator("bhxh-registration")
    pdf.set_lang("vi")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    for style, path in font_files().items():
        pdf.add_font(FAMILY, style, str(path))
    pdf.add_page()
    width = PAGE_WIDTH - 2 * MARGIN

    # Heading: the agency on the left, the national motto on the right, the form's number.
    pdf.set_font(FAMILY, "B", 9)
    pdf.set_xy(MARGIN, MARGIN)
    pdf.cell(80, 5, "BẢO HIỂM XÃ HỘI VIỆT NAM", align="C")
    pdf.set_xy(MARGIN + 80, MARGIN)
    pdf.cell(width - 80, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C")
    pdf.set_xy(MARGIN + 80, MARGIN + 5)
    pdf.cell(width - 80, 5, "Độc lập - Tự do - Hạnh phúc", align="C")
    pdf.set_font(FAMILY, "", 8)
    pdf.set_xy(MARGIN, MARGIN + 5)
    pdf.cell(80, 5, "Mẫu số 01 (5236/VBHN-BLĐTBXH)", align="C")

    # The counter code, large, and its QR code: what the officer's desk scans.
    code = format_counter_code(declaration.code)
    top = MARGIN + 14
    _draw_qr(pdf, code, PAGE_WIDTH - MARGIN - QR_SIZE, top, QR_SIZE)
    pdf.set_xy(MARGIN, top + 2)
    pdf.set_font(FAMILY, "", 9)
    pdf.cell(width - QR_SIZE - 4, 5, "Mã hồ sơ (đọc tại quầy) / Counter code")
    pdf.set_xy(MARGIN, top + 8)
    pdf.set_font(FAMILY, "B", 28)
    pdf.cell(width - QR_SIZE - 4, 13, code)
    pdf.set_font(FAMILY, "", 9)
    pdf.set_xy(MARGIN, top + 23)
    if declaration.channel == CHANNEL_OFFICE and declaration.expires_at is not None:
        deadline = f"Hạn nộp hồ sơ tại cơ quan BHXH / Bring it before: {vn_datetime(declaration.expires_at)}"
        pdf.set_font(FAMILY, "B", 10)
        pdf.multi_cell(width - QR_SIZE - 4, 5, deadline)
    else:
        pdf.cell(width - QR_SIZE - 4, 5, f"Ngày kê khai / Declared: {vn_datetime(declaration.confirmed_at)}")

    # Title.
    pdf.set_xy(MARGIN, top + QR_SIZE + 4)
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(width, 6, TITLE, align="C")
    pdf.set_font(FAMILY, "", 9)
    pdf.multi_cell(width, 5, TITLE_EN, align="C")
    pdf.ln(3)

    # Every field of Form 01, one row each.
    label_width = 70.0
    pdf.set_draw_color(120, 120, 120)
    for label, value in _fields(declaration, office):
        y = pdf.get_y()
        pdf.set_font(FAMILY, "B" if value == declaration.form.full_name else "", layout.value_size)
        pdf.set_xy(MARGIN + label_width, y)
        pdf.multi_cell(width - label_width, layout.row_height, value, border="B", align="L")
        bottom = pdf.get_y()
        pdf.set_font(FAMILY, "", min(9, layout.value_size))
        pdf.set_xy(MARGIN, y)
        pdf.multi_cell(label_width, layout.row_height, label)
        pdf.set_y(max(bottom, pdf.get_y()))

    # Commitment and the signature box.
    pdf.ln(4)
    pdf.set_font(FAMILY, "", 9.5)
    pdf.multi_cell(
        width,
        5,
        "Tôi cam đoan những nội dung kê khai trên là đúng sự thật và chịu trách nhiệm trước pháp luật "
        "về những nội dung đã kê khai. / I declare that the above is true.",
    )
    pdf.ln(3)
    box_width, box_height = 85.0, BOX_HEIGHT
    box_x = PAGE_WIDTH - MARGIN - box_width
    box_y = pdf.get_y()
    pdf.set_xy(MARGIN, box_y + 2)
    pdf.multi_cell(
        width - box_width - 6,
        5,
        "......................., ngày ...... tháng ...... năm ........\n(Nơi ký, ngày ký / Place and date)",
    )
    pdf.rect(box_x, box_y, box_width, box_height)
    pdf.set_xy(box_x, box_y + 2)
    pdf.set_font(FAMILY, "B", 10)
    pdf.cell(box_width, 5, "NGƯỜI KÊ KHAI / DECLARANT", align="C")
    pdf.set_xy(box_x, box_y + 7)
    pdf.set_font(FAMILY, "", 9)
    pdf.multi_cell(box_width, 4.5, f"({SIGNATURE_BOX})\n(Sign and write your full name)", align="C")
    content_bottom = box_y + box_height

    # What to do with it, at the foot of the page.
    if content_bottom > FOOTER_TOP:
        raise DoesNotFitError()
    pdf.set_xy(MARGIN, FOOTER_TOP)
    pdf.set_font(FAMILY, "", 8.5)
    pdf.set_draw_color(0, 0, 0)
    pdf.multi_cell(width, 4.5, _instructions(declaration, office), border="T")
    return Rendered(bytes(pdf.output()), filename(declaration))


def _instructions(declaration: Declaration, office: Office | None) -> str:
    place = office.name if office else declaration.form.office_code
    if declaration.channel == CHANNEL_OFFICE and declaration.expires_at is not None:
        return (
            f"In tờ khai, ký, ghi rõ họ tên và mang cùng CMND/CCCD/Hộ chiếu đến {place} trước "
            f"{vn_datetime(declaration.expires_at)}; quá hạn, tờ khai tự động bị hủy. Tổng đài {HOTLINE}.\n"
            "Print, sign and bring this form with your ID document to the office before the deadline; "
            "after it the declaration is cancelled automatically."
        )
    return (
        f"Tờ khai được lưu cùng bản sao giấy tờ tùy thân tại {place}. Tổng đài {HOTLINE}.\n"
        "The form is kept with a copy of the ID document at the office."
    )


def _draw_qr(pdf: FPDF, text: str, x: float, y: float, size: float) -> None:
    """The QR code of ``text`` as filled squares, one rectangle per run of dark modules."""
    import segno

    qr = segno.make_qr(text, error="m", boost_error=False)
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=4)]
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")
