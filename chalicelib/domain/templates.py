"""Every text the service sends to people, in one place.

SMS: unaccented Vietnamese in the GSM 03.38 basic alphabet, one 160-character
segment for any valid input (tests check the worst case). Email: Vietnamese
with diacritics first, English below, plain text and HTML with every value
escaped. Bump ``TEMPLATE_VERSION`` when a text changes, so the notification
ledger says which wording a person received.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .campaign import ProgressReport, ProgressRow

TEMPLATE_VERSION = "2026-12-04"
HOTLINE = "1900 9068"
HOTLINE_SMS = "19009068"
OFFICE_LOOKUP_URL = "https://baohiemxahoi.gov.vn/tracuu/Pages/tra-cuu-co-quan-bao-hiem.aspx"
PORTAL_URL = "https://dichvucong.baohiemxahoi.gov.vn"
SMS_MAX = 160

# GSM 03.38 default alphabet (basic set only; extension characters cost two).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def unaccent(text: str) -> str:
    """Vietnamese without diacritics: ``Hồ Chí Minh`` → ``Ho Chi Minh``."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC for ch in text)


@dataclass(frozen=True)
class Sms:
    text: str


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def _vn_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _sms(text: str) -> Sms:
    text = unaccent(text)
    if not is_gsm7(text) or len(text) > SMS_MAX:
        # A template defect, caught by the property tests before release.
        raise ValueError(f"SMS template outside one GSM-7 segment ({len(text)} chars)")
    return Sms(text)


def _email(subject: str, vi_paragraphs: list[str], en_paragraphs: list[str]) -> Email:
    text = "\n\n".join([*vi_paragraphs, "—", *en_paragraphs]) + "\n"
    body = "".join(f"<p>{html.escape(p)}</p>" for p in vi_paragraphs)
    body_en = "".join(f"<p>{html.escape(p)}</p>" for p in en_paragraphs)
    page = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head><body>{body}<hr>"
        f'<div lang="en">{body_en}</div></body></html>'
    )
    return Email(subject=subject, text=text, html=page)


# --- office channel: reminders and cancellation --------------------------------


def office_reminder_sms(code: str, expires_on: date, days_left: int) -> Sms:
    return _sms(
        f"BHXH VN: To khai DK giao dich dien tu ma {code} se tu huy ngay {_vn_date(expires_on)} "
        f"(con {days_left} ngay) neu chua nop ho so tai co quan BHXH. HT {HOTLINE_SMS}"
    )


def office_reminder_email(full_name: str, code: str, expires_on: date, days_left: int, office_name: str) -> Email:
    return _email(
        f"BHXH Việt Nam: còn {days_left} ngày để nộp hồ sơ đăng ký giao dịch điện tử ({code})",
        [
            f"Kính gửi {full_name},",
            f"Tờ khai đăng ký sử dụng phương thức giao dịch điện tử (Mẫu số 01) mã {code} của Ông/Bà "
            f"sẽ tự động hủy vào ngày {_vn_date(expires_on)} (còn {days_left} ngày) nếu Ông/Bà chưa nộp hồ sơ.",
            f"Vui lòng mang tờ khai đã in, ký, ghi rõ họ tên và CMND/CCCD/Hộ chiếu đến {office_name}.",
            f"Tra cứu cơ quan BHXH gần nhất: {OFFICE_LOOKUP_URL}. Tổng đài hỗ trợ: {HOTLINE}.",
        ],
        [
            f"Dear {unaccent(full_name)},",
            f"Your e-transaction registration (Form 01) with code {code} will be cancelled automatically "
            f"on {_vn_date(expires_on)} ({days_left} days left) unless you bring the dossier to a BHXH office.",
            f"Please bring the printed, signed form and your ID card or passport to {unaccent(office_name)}.",
            f"Find the nearest BHXH office: {OFFICE_LOOKUP_URL}. Hotline: {HOTLINE}.",
        ],
    )


# --- the receipt of a dossier (Decree 164/2025/NĐ-CP: within 2 hours of receiving it) ----------


def dossier_received_sms(code: str, due_on: date) -> Sms:
    return _sms(
        f"BHXH VN: Da tiep nhan ho so DK giao dich dien tu ma {code}. Ket qua truoc {_vn_date(due_on)} "
        f"qua SMS va email. HT {HOTLINE_SMS}"
    )


def dossier_received_email(full_name: str, code: str, office_name: str, due_on: date) -> Email:
    return _email(
        f"BHXH Việt Nam: giấy biên nhận hồ sơ đăng ký giao dịch điện tử {code}",
        [
            f"Kính gửi {full_name},",
            f"{office_name} đã tiếp nhận hồ sơ đăng ký sử dụng phương thức giao dịch điện tử mã {code} của Ông/Bà.",
            f"Việc tiếp theo: cơ quan BHXH đối chiếu hồ sơ với dữ liệu BHXH và trả kết quả trước ngày "
            f"{_vn_date(due_on)} (3 ngày làm việc). Ông/Bà nhận kết quả qua tin nhắn và thư điện tử; khi được chấp "
            "thuận, tin nhắn có tên đăng nhập và mật khẩu tạm thời.",
            f"Tra cứu trạng thái hồ sơ: {PORTAL_URL}. Tổng đài hỗ trợ: {HOTLINE}.",
        ],
        [
            f"Dear {unaccent(full_name)},",
            f"{unaccent(office_name)} has received your e-transaction registration dossier, code {code}.",
            f"What happens next: BHXH checks it against its records and decides by {_vn_date(due_on)} (3 working "
            "days). You get the decision by SMS and email; an approval carries your username and a temporary password.",
            f"Check the status at {PORTAL_URL}. Hotline: {HOTLINE}.",
        ],
    )


def office_cancelled_sms(code: str) -> Sms:
    return _sms(
        f"BHXH VN: To khai DK giao dich dien tu ma {code} da tu huy do qua 10 ngay chua nop ho so. "
        f"Moi ke khai lai tren Cong DVC BHXH. HT {HOTLINE_SMS}"
    )


def office_cancelled_email(full_name: str, code: str) -> Email:
    return _email(
        f"BHXH Việt Nam: tờ khai đăng ký giao dịch điện tử {code} đã bị hủy",
        [
            f"Kính gửi {full_name},",
            f"Tờ khai đăng ký sử dụng phương thức giao dịch điện tử mã {code} đã tự động hủy vì "
            "quá 10 ngày kể từ ngày xác nhận mà Ông/Bà chưa nộp hồ sơ tại cơ quan BHXH.",
            f"Ông/Bà có thể kê khai lại tại {PORTAL_URL}.",
            f"Tra cứu cơ quan BHXH gần nhất: {OFFICE_LOOKUP_URL}. Tổng đài hỗ trợ: {HOTLINE}.",
        ],
        [
            f"Dear {unaccent(full_name)},",
            f"Your e-transaction registration with code {code} was cancelled automatically because the "
            "dossier was not brought to a BHXH office within 10 days of confirming it.",
            f"You can declare again at {PORTAL_URL}.",
            f"Find the nearest BHXH office: {OFFICE_LOOKUP_URL}. Hotline: {HOTLINE}.",
        ],
    )


# --- declarations in someone's name: the registry's contact is told ------------------
# Sent to the phone the BHXH registry holds (and the e-mail of the person's
# account, if any), never to what an anonymous declaration gave.


def declared_in_your_name_sms(code: str, expires_on: date) -> Sms:
    """The code and the deadline; what to do if it was the person, and if it was not."""
    return _sms(
        f"BHXH VN: To khai DK GDDT ma {code} vua nop voi ma so BHXH/CCCD cua ban. In, ky, mang CCCD den BHXH "
        f"truoc {_vn_date(expires_on)}. Neu khong phai ban, goi ngay {HOTLINE_SMS}"
    )


def office_confirmation_email(full_name: str, code: str, deadline: str, office_name: str, office_address: str) -> Email:
    """To the address the declaration gave, once its phone proved to be the registry's: the
    printable Form 01 is attached (``Notification.attachment``)."""
    return _email(
        f"BHXH Việt Nam: tờ khai {code} – in, ký và mang đến {office_name} trước {deadline}",
        [
            f"Kính gửi {full_name},",
            f"Tờ khai đăng ký sử dụng phương thức giao dịch điện tử (Mẫu số 01) mã {code} đã được ghi nhận.",
            f"Việc cần làm: in tờ khai đính kèm (tệp PDF), ký và ghi rõ họ tên, rồi mang cùng CMND/CCCD/Hộ chiếu "
            f"đến {office_name}, {office_address} trước {deadline}. Quá hạn, tờ khai tự động bị hủy.",
            f"Tại quầy, cán bộ quét mã QR trên tờ khai. Tổng đài hỗ trợ: {HOTLINE}.",
        ],
        [
            f"Dear {unaccent(full_name)},",
            f"Your e-transaction registration (Form 01) with code {code} is recorded.",
            f"What to do: print the attached form (PDF), sign it and write your full name, then bring it with your "
            f"ID card or passport to {unaccent(office_name)}, {unaccent(office_address)} before {deadline}. "
            "After that date the declaration is cancelled automatically.",
            f"At the counter the officer scans the QR code on the form. Hotline: {HOTLINE}.",
        ],
    )


def declared_in_your_name_email(full_name: str, code: str) -> Email:
    return _email(
        f"BHXH Việt Nam: có tờ khai đăng ký giao dịch điện tử mang thông tin của Ông/Bà ({code})",
        [
            f"Kính gửi {full_name},",
            f"Một tờ khai đăng ký sử dụng phương thức giao dịch điện tử (Mẫu số 01) mã {code} vừa được nộp "
            "trực tuyến với mã số BHXH hoặc số giấy tờ tùy thân của Ông/Bà.",
            "Nếu đó là Ông/Bà, vui lòng mang tờ khai đã in, ký và giấy tờ tùy thân đến cơ quan BHXH trong 10 ngày.",
            f"Nếu không phải Ông/Bà, vui lòng gọi ngay Tổng đài {HOTLINE}. Tờ khai này không ngăn Ông/Bà tự đăng ký: "
            "chỉ tờ khai được cán bộ BHXH đối chiếu giấy tờ tùy thân, hoặc được ký số, mới được phê duyệt.",
        ],
        [
            f"Dear {unaccent(full_name)},",
            f"An e-transaction registration (Form 01) with code {code} was just submitted online with your "
            "social-insurance code or ID document number.",
            "If it was you, bring the printed, signed form and your ID document to a BHXH office within 10 days.",
            f"If it was not you, call the hotline {HOTLINE} at once. It does not stop you from registering yourself: "
            "only a declaration whose ID document an officer checked, or which is digitally signed, is approved.",
        ],
    )


def declared_with_account_sms(username: str) -> Sms:
    return _sms(
        f"BHXH VN: Co to khai DK giao dich dien tu moi voi thong tin cua ban, nhung ban da co TK {username}. "
        f"Hay dang nhap/khoi phuc MK. Khong phai ban? Goi {HOTLINE_SMS}"
    )


def declared_with_account_email(full_name: str, username: str) -> Email:
    return _email(
        "BHXH Việt Nam: Ông/Bà đã có tài khoản giao dịch điện tử",
        [
            f"Kính gửi {full_name},",
            "Một tờ khai đăng ký sử dụng phương thức giao dịch điện tử vừa được nộp trực tuyến với mã số BHXH "
            f"hoặc số giấy tờ tùy thân của Ông/Bà, nhưng Ông/Bà đã có tài khoản {username}.",
            f"Vui lòng đăng nhập tại {PORTAL_URL}; nếu quên mật khẩu, hãy dùng chức năng khôi phục mật khẩu.",
            f"Nếu không phải Ông/Bà nộp tờ khai, vui lòng gọi ngay Tổng đài {HOTLINE}.",
        ],
        [
            f"Dear {unaccent(full_name)},",
            "An e-transaction registration was just submitted online with your social-insurance code or ID "
            f"document number, but you already have account {username}.",
            f"Please sign in at {PORTAL_URL}; if you forgot the password, use password recovery.",
            f"If you did not submit it, call the hotline {HOTLINE} at once.",
        ],
    )


# --- accounts: approval, temporary passwords, password age, recovery -------------


def account_approved_sms(username: str, temporary_password: str) -> Sms:
    return _sms(
        f"BHXH VN: Dang ky giao dich dien tu thanh cong. TK: {username} MK tam: {temporary_password} "
        f"(doi MK khi dang nhap lan dau, han 7 ngay). HT {HOTLINE_SMS}"
    )


def account_approved_email(full_name: str, username: str, temporary_password: str) -> Email:
    return _email(
        "BHXH Việt Nam: tài khoản giao dịch điện tử của Ông/Bà đã được cấp",
        [
            f"Kính gửi {full_name},",
            "Cơ quan BHXH đã chấp nhận đăng ký sử dụng phương thức giao dịch điện tử của Ông/Bà.",
            f"Tên đăng nhập: {username}. Mật khẩu tạm: {temporary_password} (hiệu lực 7 ngày).",
            "Ông/Bà phải đổi mật khẩu ngay lần đầu đăng nhập và đổi mật khẩu ít nhất 6 tháng một lần.",
            f"Đăng nhập tại {PORTAL_URL}. Tổng đài hỗ trợ: {HOTLINE}.",
        ],
        [
            f"Dear {unaccent(full_name)},",
            "BHXH has accepted your registration for electronic transactions.",
            f"Username: {username}. Temporary password: {temporary_password} (valid for 7 days).",
            "You must change the password when you first sign in, and at least every 6 months.",
            f"Sign in at {PORTAL_URL}. Hotline: {HOTLINE}.",
        ],
    )


def account_approved_vneid_sms(username: str) -> Sms:
    """Registered through VNeID: no password was issued; the person signs in with VNeID."""
    return _sms(
        f"BHXH VN: Dang ky giao dich dien tu qua VNeID thanh cong. TK: {username}. "
        f"Dang nhap bang VNeID, khong can mat khau. HT {HOTLINE_SMS}"
    )


def account_approved_vneid_email(full_name: str, username: str) -> Email:
    return _email(
        "BHXH Việt Nam: tài khoản giao dịch điện tử của Ông/Bà đã được cấp (qua VNeID)",
        [
            f"Kính gửi {full_name},",
            "Cơ quan BHXH đã chấp nhận đăng ký giao dịch điện tử của Ông/Bà qua tài khoản định danh điện tử VNeID.",
            f"Tên đăng nhập: {username}. Ông/Bà đăng nhập bằng VNeID; không có mật khẩu tạm nào được cấp.",
            f"Đăng nhập tại {PORTAL_URL}. Tổng đài hỗ trợ: {HOTLINE}.",
        ],
        [
            f"Dear {unaccent(full_name)},",
            "BHXH has accepted your registration for electronic transactions through your VNeID e-ID account.",
            f"Username: {username}. You sign in with VNeID; no temporary password was issued.",
            f"Sign in at {PORTAL_URL}. Hotline: {HOTLINE}.",
        ],
    )


def temporary_password_sms(username: str, temporary_password: str) -> Sms:
    """Sent when an officer reissues the password: it is also the owner's alert."""
    return _sms(
        f"BHXH VN: MK tam moi cho TK {username}: {temporary_password} (han 7 ngay). MK cu het hieu luc. "
        f"Neu khong phai ban yeu cau, goi ngay {HOTLINE_SMS}"
    )


def temporary_password_email(full_name: str, username: str, temporary_password: str) -> Email:
    return _email(
        "BHXH Việt Nam: mật khẩu tạm mới cho tài khoản giao dịch điện tử",
        [
            f"Kính gửi {full_name},",
            f"Cơ quan BHXH đã cấp lại mật khẩu tạm cho tài khoản {username}: {temporary_password} "
            "(hiệu lực 7 ngày). Mật khẩu cũ không còn dùng được.",
            "Ông/Bà phải đổi mật khẩu khi đăng nhập.",
            f"Nếu Ông/Bà không yêu cầu, vui lòng gọi ngay Tổng đài {HOTLINE}.",
        ],
        [
            f"Dear {unaccent(full_name)},",
            f"BHXH has issued a new temporary password for account {username}: {temporary_password} "
            "(valid for 7 days). The old password no longer works.",
            "You must change the password when you sign in.",
            f"If you did not ask for this, call the hotline {HOTLINE} at once.",
        ],
    )


def password_reminder_sms(username: str, expires_on: date, days_left: int) -> Sms:
    if days_left <= 0:
        return _sms(
            f"BHXH VN: MK tai khoan {username} da het han hom nay ({_vn_date(expires_on)}). "
            f"Ban se phai doi MK khi dang nhap. HT {HOTLINE_SMS}"
        )
    return _sms(
        f"BHXH VN: MK tai khoan {username} het han ngay {_vn_date(expires_on)} (con {days_left} ngay). "
        f"Vui long doi MK (it nhat 6 thang/lan). HT {HOTLINE_SMS}"
    )


def password_reminder_email(full_name: str, username: str, expires_on: date, days_left: int) -> Email:
    if days_left <= 0:
        vi = (
            f"Mật khẩu tài khoản {username} đã hết hạn hôm nay ({_vn_date(expires_on)}); "
            "Ông/Bà sẽ phải đổi khi đăng nhập."
        )
        en = f"The password of account {username} expired today ({_vn_date(expires_on)}); change it at sign-in."
        subject = "BHXH Việt Nam: mật khẩu đã hết hạn"
    else:
        vi = f"Mật khẩu tài khoản {username} sẽ hết hạn ngày {_vn_date(expires_on)} (còn {days_left} ngày)."
        en = f"The password of account {username} expires on {_vn_date(expires_on)} ({days_left} days left)."
        subject = f"BHXH Việt Nam: mật khẩu hết hạn sau {days_left} ngày"
    return _email(
        subject,
        [
            f"Kính gửi {full_name},",
            vi,
            "Theo quy định, mật khẩu phải được đổi ít nhất 6 tháng một lần.",
            f"Đổi mật khẩu tại {PORTAL_URL}. Tổng đài hỗ trợ: {HOTLINE}.",
        ],
        [
            f"Dear {unaccent(full_name)},",
            en,
            "Passwords must be changed at least every 6 months.",
            f"Change it at {PORTAL_URL}. Hotline: {HOTLINE}.",
        ],
    )


def recovery_code_sms(code: str) -> Sms:
    return _sms(
        f"BHXH VN: Ma khoi phuc mat khau: {code} (hieu luc 5 phut). Khong cung cap ma nay cho bat ky ai. "
        f"HT {HOTLINE_SMS}"
    )


# --- accounts alert their owner (OWASP ASVS 2.5.5) ---------------------------------------

PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name, not a password
RECOVERED = "recovered"
LOCKED = "locked"
ACCOUNT_EVENTS = (PASSWORD_CHANGED, RECOVERED, LOCKED)

_ALERT_SMS = {
    PASSWORD_CHANGED: "MK TK {username} vua duoc doi luc {at}.",
    RECOVERED: "MK TK {username} vua duoc dat lai bang ma SMS luc {at}.",
    LOCKED: "TK {username} tam khoa dang nhap luc {at} do nhap sai MK nhieu lan. Lay lai MK bang ma SMS.",
}
_ALERT_EMAIL = {
    PASSWORD_CHANGED: (
        "mật khẩu vừa được đổi",
        "Mật khẩu tài khoản {username} vừa được đổi lúc {at}; các phiên đăng nhập khác đã kết thúc.",
        "The password of account {username} was changed at {at}; every other session was ended.",
    ),
    RECOVERED: (
        "mật khẩu vừa được đặt lại",
        "Mật khẩu tài khoản {username} vừa được đặt lại bằng mã khôi phục gửi qua SMS lúc {at}; "
        "mọi phiên đăng nhập đã kết thúc.",
        "The password of account {username} was reset with an SMS recovery code at {at}; every session was ended.",
    ),
    LOCKED: (
        "tài khoản tạm khóa đăng nhập",
        "Tài khoản {username} bị tạm khóa đăng nhập lúc {at} vì mật khẩu bị nhập sai nhiều lần. "
        'Ông/Bà vẫn có thể lấy lại mật khẩu bằng mã gửi qua SMS (chọn "Quên mật khẩu").',
        "Account {username} was temporarily locked at {at} after repeated wrong passwords. "
        'You can still get back in with a code by SMS ("Forgot password").',
    ),
}


def _vn_time(at: datetime) -> str:
    from .declaration import VN_TZ

    return at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")


def account_alert_sms(event: str, username: str, at: datetime) -> Sms:
    """What happened to the account, and whom to call if it was not its owner."""
    what = _ALERT_SMS[event].format(username=username, at=_vn_time(at))
    return _sms(f"BHXH VN: {what} Neu khong phai ban, goi ngay {HOTLINE_SMS}")


def account_alert_email(event: str, full_name: str, username: str, at: datetime) -> Email:
    subject, vi, en = _ALERT_EMAIL[event]
    when = _vn_time(at)
    return _email(
        f"BHXH Việt Nam: {subject}",
        [
            f"Kính gửi {full_name},",
            vi.format(username=username, at=when),
            f"Nếu không phải Ông/Bà thực hiện, vui lòng gọi ngay Tổng đài {HOTLINE}.",
        ],
        [
            f"Dear {unaccent(full_name)},",
            en.format(username=username, at=when + " (Vietnam time)"),
            f"If this was not you, call the hotline {HOTLINE} at once.",
        ],
    )


# --- officer desk: rejection, overdue digest -------------------------------------------


def rejection_sms(code: str, first_reason: str, more: int) -> Sms:
    extra = f" (+{more})" if more else ""
    return _sms(
        f"BHXH VN: Ho so DK giao dich dien tu ma {code} khong duoc chap nhan: {first_reason}{extra}. "
        f"Lien he BHXH gan nhat hoac HT {HOTLINE_SMS}"
    )


def rejection_email(
    full_name: str,
    code: str,
    reasons: list[tuple[str, str, str, str]],
    note: str | None,
    office: tuple[str, str, str] | None,
) -> Email:
    """``reasons``: (what, what to fix) in Vietnamese then English;
    ``office``: the nearest office's name, address and phone."""
    vi = [
        f"Kính gửi {full_name},",
        f"Hồ sơ đăng ký sử dụng phương thức giao dịch điện tử mã {code} của Ông/Bà không được chấp nhận.",
        *[f"• {what} — cần làm: {fix}" for what, fix, _, _ in reasons],
    ]
    en = [
        f"Dear {unaccent(full_name)},",
        f"Your e-transaction registration with code {code} was not accepted.",
        *[f"• {what} — to do: {fix}" for _, _, what, fix in reasons],
    ]
    if note:
        vi.append(f"Ghi chú của cán bộ: {note}")
        en.append(f"Officer's note: {note}")
    if office is not None:
        name, address, phone = office
        vi.append(f"Cơ quan BHXH gần nhất: {name}, {address}, điện thoại {phone}.")
        en.append(f"Nearest BHXH office: {unaccent(name)}, {unaccent(address)}, phone {phone}.")
    vi.append(f"Tra cứu cơ quan BHXH gần nhất: {OFFICE_LOOKUP_URL}. Tổng đài hỗ trợ: {HOTLINE}.")
    en.append(f"Find the nearest BHXH office: {OFFICE_LOOKUP_URL}. Hotline: {HOTLINE}.")
    return _email(f"BHXH Việt Nam: hồ sơ đăng ký giao dịch điện tử {code} không được chấp nhận", vi, en)


def overdue_digest_email(
    office_name: str, as_of: date, overdue: list[tuple[str, date]], due_tomorrow: list[str]
) -> Email:
    """To an office's supervisors: paper and office dossiers past or at their
    3-working-day limit (codes only: no personal data in email)."""
    late = ", ".join(f"{code} (hạn {_vn_date(due)})" for code, due in overdue) or "không có"
    late_en = ", ".join(f"{code} (due {_vn_date(due)})" for code, due in overdue) or "none"
    soon = ", ".join(due_tomorrow) or "không có"
    soon_en = ", ".join(due_tomorrow) or "none"
    return _email(
        f"BHXH Việt Nam: {len(overdue)} hồ sơ quá hạn, {len(due_tomorrow)} hồ sơ đến hạn ngày mai ({office_name})",
        [
            f"Báo cáo ngày {_vn_date(as_of)} của {office_name}.",
            f"Hồ sơ quá hạn 3 ngày làm việc ({len(overdue)}): {late}.",
            f"Hồ sơ đến hạn ngày mai ({len(due_tomorrow)}): {soon}.",
        ],
        [
            f"Report of {_vn_date(as_of)} for {unaccent(office_name)}.",
            f"Dossiers past their 3 working days ({len(overdue)}): {late_en}.",
            f"Dossiers due tomorrow ({len(due_tomorrow)}): {soon_en}.",
        ],
    )


# --- registration campaign: the leadership's daily digest ---------------------------------

CHANNEL_NAMES: dict[str, tuple[str, str]] = {
    "signed": ("Ký số", "Digitally signed"),
    "office": ("Nộp tại cơ quan BHXH", "Online, completed at an office"),
    "paper": ("Tờ khai giấy", "Paper form"),
    "vneid": ("Qua VNeID", "Through VNeID"),
    "ops": ("Tài khoản cán bộ", "Staff accounts"),
}


def _percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


DIGEST_MAX_UNITS = 100  # a notice (text + HTML) must fit a DynamoDB item (400 KB) with room to spare
REPORT_URL = "/v1/reports/progress?format=csv"


def progress_digest_email(
    report: ProgressReport,
    worst_first: list[ProgressRow],
    yesterday: date,
    by_channel: list[tuple[str, int]],
    max_units: int = DIGEST_MAX_UNITS,
) -> Email:
    """To leadership, every morning: the units, those behind schedule first (the
    first ``max_units``; the rest counted, with where to read them all), and
    yesterday's registrations of rostered staff by channel (unit figures only:
    no personal data)."""
    omitted = worst_first[max_units:]
    worst_first = worst_first[:max_units]
    omitted_behind = sum(1 for row in omitted if not row.on_track)
    totals = report.totals
    subject = (
        f"BHXH Việt Nam: tiến độ đăng ký giao dịch điện tử ngày {_vn_date(report.as_of)} — "
        f"{totals.registered}/{totals.roster} ({_percent_text(totals.percent)}), "
        f"{totals.units_behind} đơn vị chậm tiến độ"
    )
    channel_vi = ", ".join(f"{CHANNEL_NAMES.get(c, (c, c))[0]}: {n}" for c, n in by_channel)
    channel_en = ", ".join(f"{CHANNEL_NAMES.get(c, (c, c))[1]}: {n}" for c, n in by_channel)
    total_yesterday = sum(n for _, n in by_channel)
    projected = _vn_date(totals.projected_completion) if totals.projected_completion else "—"

    def line(row: ProgressRow, lang: str) -> str:
        done = row.remaining == 0 and row.roster > 0
        if lang == "vi":
            when = (
                "đã hoàn thành"
                if done
                else f"dự kiến {_vn_date(row.projected_completion)}"
                if row.projected_completion
                else "chưa có tiến độ 7 ngày qua"
            )
            verdict = "đúng tiến độ" if row.on_track else "CHẬM TIẾN ĐỘ"
            return (
                f"{row.unit_code} {row.name}: {row.registered}/{row.roster} ({_percent_text(row.percent)}), "
                f"còn {row.remaining}, hạn {_vn_date(row.deadline)} (còn {row.days_left} ngày), {when} — {verdict}"
            )
        when = (
            "done"
            if done
            else f"projected {_vn_date(row.projected_completion)}"
            if row.projected_completion
            else "no progress in the last 7 days"
        )
        verdict = "on track" if row.on_track else "BEHIND"
        return (
            f"{row.unit_code} {unaccent(row.name)}: {row.registered}/{row.roster} ({_percent_text(row.percent)}), "
            f"{row.remaining} left, due {_vn_date(row.deadline)} ({row.days_left} days), {when} — {verdict}"
        )

    vi = [
        f"Báo cáo tiến độ đăng ký giao dịch điện tử của cán bộ, công chức, viên chức, người lao động ngành BHXH "
        f"ngày {_vn_date(report.as_of)}.",
        f"Toàn ngành: {totals.registered}/{totals.roster} người đã đăng ký ({_percent_text(totals.percent)}), "
        f"còn {totals.remaining}; tốc độ 7 ngày qua {totals.rate_7d:.2f} người/ngày; dự kiến hoàn thành {projected}; "
        f"{totals.units_on_track}/{totals.units} đơn vị đúng tiến độ.",
        f"Ngày {_vn_date(yesterday)} có {total_yesterday} người đăng ký: {channel_vi}.",
        "Các đơn vị (chậm tiến độ trước):",
        *[line(row, "vi") for row in worst_first],
        *(
            [f"… và {len(omitted)} đơn vị khác ({omitted_behind} chậm tiến độ): xem báo cáo đầy đủ tại {REPORT_URL}."]
            if omitted
            else []
        ),
    ]
    en = [
        f"Progress of BHXH staff registering for e-transactions on {_vn_date(report.as_of)}.",
        f"All units: {totals.registered}/{totals.roster} registered ({_percent_text(totals.percent)}), "
        f"{totals.remaining} left; last 7 days {totals.rate_7d:.2f} per day; projected completion {projected}; "
        f"{totals.units_on_track}/{totals.units} units on track.",
        f"On {_vn_date(yesterday)}, {total_yesterday} registered: {channel_en}.",
        "Units (behind schedule first):",
        *[line(row, "en") for row in worst_first],
        *(
            [f"… and {len(omitted)} more units ({omitted_behind} behind schedule): full report at {REPORT_URL}."]
            if omitted
            else []
        ),
    ]
    text = (
        "\n\n".join(vi[:4])
        + "\n"
        + "\n".join(vi[4:])
        + "\n\n—\n\n"
        + "\n\n".join(en[:4])
        + "\n"
        + "\n".join(en[4:])
        + "\n"
    )
    head = ("Mã", "Đơn vị", "Số cán bộ", "Đã đăng ký", "Tỷ lệ", "Còn lại", "Hạn", "Còn (ngày)", "Dự kiến", "Tiến độ")
    rows_html = "".join(
        "<tr{style}>{cells}</tr>".format(
            style="" if row.on_track else ' style="background:#fde2e1"',
            cells="".join(
                f"<td>{html.escape(str(cell))}</td>"
                for cell in (
                    row.unit_code,
                    row.name,
                    row.roster,
                    row.registered,
                    _percent_text(row.percent),
                    row.remaining,
                    _vn_date(row.deadline),
                    row.days_left,
                    _vn_date(row.projected_completion) if row.projected_completion else "—",
                    "Đúng tiến độ" if row.on_track else "Chậm tiến độ",
                )
            ),
        )
        for row in worst_first
    )
    table = (
        '<table border="1" cellpadding="4" cellspacing="0"><thead><tr>'
        + "".join(f"<th>{html.escape(h)}</th>" for h in head)
        + f"</tr></thead><tbody>{rows_html}</tbody></table>"
    )
    more = f"<p>{html.escape(vi[-1])}</p>" if omitted else ""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in vi[:4]) + table + more
    body_en = "".join(f"<p>{html.escape(p)}</p>" for p in en[:4])
    page = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head><body>{body}<hr>"
        f'<div lang="en">{body_en}<p>The table above lists every unit, behind schedule first.</p></div></body></html>'
    )
    return Email(subject=subject, text=text, html=page)


# --- fallback: a decision that did not arrive by one channel (domain.fallback) -----------------

_DECISION_SMS = {
    "account_approved": "da cap tai khoan giao dich dien tu",
    "declaration_rejected": "ho so DK giao dich dien tu khong duoc chap nhan",
    "office_cancelled": "to khai DK giao dich dien tu da bi huy",
}


def email_fallback_sms(kind: str, masked_email: str) -> Sms:
    """An email about a decision bounced: the decision in a word, and the address to correct
    (left out when it would not fit one segment)."""
    decision = _DECISION_SMS.get(kind, "thong bao")
    for where in (f" gui toi {masked_email}", ""):
        text = unaccent(
            f"BHXH VN: Email bao {decision}{where} khong den duoc. Cap nhat email tai co quan BHXH. HT {HOTLINE_SMS}"
        )
        if is_gsm7(text) and len(text) <= SMS_MAX:
            return _sms(text)
    return _sms(f"BHXH VN: Email bao {decision} khong den duoc. HT {HOTLINE_SMS}")


def sms_fallback_email(masked_phone: str, sms_text: str, sent_at: datetime) -> Email:
    """An SMS about a decision did not reach the phone: what it said (a temporary password is not
    repeated: it went in the email sent with it) and the number to correct."""
    from .notification import SECRET_MARK

    said = sms_text.replace(SECRET_MARK, "******")
    hidden = SECRET_MARK in sms_text
    when = _vn_time(sent_at)
    return _email(
        "BHXH Việt Nam: tin nhắn SMS gửi Ông/Bà không đến được máy",
        [
            "Kính gửi Ông/Bà,",
            f"Tin nhắn SMS BHXH Việt Nam gửi tới số {masked_phone} lúc {when} không đến được máy của Ông/Bà.",
            f"Nội dung tin nhắn: «{said}»",
            *(
                [
                    "Mật khẩu tạm không được nhắc lại ở đây: nó có trong email thông báo cấp tài khoản gửi cùng lúc. "
                    "Nếu không thấy, Ông/Bà có thể xin cấp lại tại bất kỳ cơ quan BHXH nào."
                ]
                if hidden
                else []
            ),
            "Để nhận được mã khôi phục mật khẩu và các thông báo sau này, vui lòng cập nhật số điện thoại tại "
            f"cơ quan BHXH gần nhất ({OFFICE_LOOKUP_URL}) hoặc gọi Tổng đài {HOTLINE}.",
        ],
        [
            "Dear Sir or Madam,",
            f"The SMS BHXH sent to {masked_phone} at {when} (Vietnam time) did not reach your phone.",
            f"It said: «{said}»",
            *(
                [
                    "The temporary password is not repeated here: it is in the approval email sent at the same "
                    "time. If you cannot find it, any BHXH office can issue a new one."
                ]
                if hidden
                else []
            ),
            "To receive password-recovery codes and later notices, please update your phone number at the "
            f"nearest BHXH office ({OFFICE_LOOKUP_URL}) or call the hotline {HOTLINE}.",
        ],
    )
