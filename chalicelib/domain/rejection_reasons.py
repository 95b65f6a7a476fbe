"""The fixed catalogue of rejection reasons: what was wrong and what to fix,
in Vietnamese and English, with a short unaccented label for the SMS."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    sms: str  # unaccented, short: the SMS has one segment
    vi: str
    en: str
    fix_vi: str
    fix_en: str


REASONS: dict[str, Reason] = {
    r.code: r
    for r in (
        Reason(
            "id_document_mismatch",
            "giay to tuy than khong khop",
            "Giấy tờ tùy thân xuất trình không khớp với tờ khai",
            "The ID document shown does not match the declaration",
            "Kê khai lại đúng loại và số CMND/CCCD/Hộ chiếu, mang bản gốc khi nộp hồ sơ.",
            "Declare the exact type and number of your ID card or passport, and bring the original.",
        ),
        Reason(
            "registry_mismatch",
            "thong tin khac du lieu BHXH",
            "Thông tin kê khai khác với dữ liệu do cơ quan BHXH quản lý",
            "The declared data differ from BHXH's records",
            "Kiểm tra họ tên, ngày sinh, giới tính, số giấy tờ; "
            "nếu dữ liệu BHXH sai, đề nghị điều chỉnh tại cơ quan BHXH.",
            "Check name, date of birth, gender and ID number; "
            "if BHXH's records are wrong, ask an office to correct them.",
        ),
        Reason(
            "incomplete_dossier",
            "ho so chua day du",
            "Hồ sơ chưa đầy đủ",
            "The dossier is incomplete",
            "Nộp tờ khai Mẫu số 01 đã ký, ghi rõ họ tên, kèm giấy tờ tùy thân.",
            "Hand in the signed Form 01 with your full name written, together with your ID document.",
        ),
        Reason(
            "illegible_form",
            "to khai khong doc duoc",
            "Tờ khai không đọc được hoặc bị tẩy xóa",
            "The form is illegible or has corrections",
            "Điền lại tờ khai rõ ràng, không tẩy xóa.",
            "Fill in a new form clearly, without corrections.",
        ),
        Reason(
            "other",
            "ly do khac (xem email)",
            "Lý do khác",
            "Another reason",
            "Xem ghi chú của cán bộ tiếp nhận.",
            "See the officer's note.",
        ),
    )
}
MAX_NOTE = 500

# Reasons only an automatic decision gives (signed channel); officers choose from REASONS.
AUTOMATIC_REASONS: dict[str, Reason] = {
    r.code: r
    for r in (
        Reason(
            "account_exists",
            "ban da co tai khoan",
            "Bạn đã có tài khoản giao dịch điện tử với BHXH",
            "You already have an e-transaction account with BHXH",
            "Đăng nhập bằng tài khoản đã có (tên đăng nhập là mã số BHXH); "
            "quên mật khẩu thì dùng chức năng khôi phục mật khẩu hoặc gọi 1900 9068.",
            "Sign in with your existing account (the username is your social-insurance code); "
            "if you forgot the password, use password recovery or call 1900 9068.",
        ),
    )
}


def describe(code: str) -> Reason:
    """Any reason a rejection may carry, officer-chosen or automatic."""
    return REASONS.get(code) or AUTOMATIC_REASONS[code]
