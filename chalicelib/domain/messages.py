"""Texts for problems and field errors, in Vietnamese (default) and English."""

from __future__ import annotations

from .errors import FieldError

Lang = str  # "vi" or "en"

PROBLEM_TITLES: dict[str, tuple[str, str]] = {
    "bad_request": ("Yêu cầu không hợp lệ", "Bad request"),
    "validation_failed": ("Thông tin gửi lên chưa hợp lệ", "Some values are not valid"),
    "malformed_json": ("Nội dung gửi lên không phải JSON hợp lệ", "The body is not valid JSON"),
    "body_too_large": ("Nội dung gửi lên quá lớn", "The request body is too large"),
    "unsupported_media_type": ("Kiểu nội dung không được hỗ trợ", "Unsupported media type"),
    "not_found": ("Không tìm thấy", "Not found"),
    "method_not_allowed": ("Phương thức không được hỗ trợ", "Method not allowed"),
    "declaration_not_found": ("Không tìm thấy tờ khai", "Declaration not found"),
    "declaration_expired": (
        "Tờ khai đã bị hủy do quá 10 ngày chưa nộp hồ sơ tại cơ quan BHXH",
        "The declaration was cancelled: the dossier was not brought to a BHXH office within 10 days",
    ),
    "declaration_cancelled": (
        "Tờ khai đã bị hủy vì một tờ khai khác của cùng người đã được phê duyệt",
        "The declaration was cancelled: another declaration of the same person was approved",
    ),
    "vneid_refused": ("Đăng nhập VNeID không thành công", "The VNeID sign-in was refused"),
    "vneid_state_invalid": (
        "Phiên đăng nhập VNeID không hợp lệ hoặc đã hết hạn (10 phút); vui lòng bắt đầu lại",
        "The VNeID sign-in is unknown, used already or older than 10 minutes; please start again",
    ),
    "vneid_code_invalid": (
        "VNeID không chấp nhận mã xác thực; vui lòng đăng nhập lại",
        "VNeID did not accept the authorization code; please sign in again",
    ),
    "vneid_unavailable": (
        "Chưa kết nối được VNeID; vui lòng thử lại sau",
        "VNeID cannot be reached now; please try again later",
    ),
    "vneid_token_malformed": ("Mã định danh (ID token) của VNeID không hợp lệ", "The VNeID ID token is malformed"),
    "vneid_token_signature_invalid": (
        "Chữ ký của mã định danh VNeID không hợp lệ",
        "The signature of the VNeID ID token is not valid",
    ),
    "vneid_token_algorithm_refused": (
        "Thuật toán ký của mã định danh VNeID không được chấp nhận",
        "The signing algorithm of the VNeID ID token is not accepted",
    ),
    "vneid_token_key_unknown": (
        "Mã định danh VNeID được ký bằng khóa không có trong danh sách khóa của VNeID",
        "The VNeID ID token is signed with a key VNeID does not publish",
    ),
    "vneid_token_issuer_invalid": (
        "Mã định danh không do VNeID phát hành",
        "The ID token was not issued by VNeID",
    ),
    "vneid_token_audience_invalid": (
        "Mã định danh VNeID không dành cho dịch vụ này",
        "The VNeID ID token is not meant for this service",
    ),
    "vneid_token_expired": ("Mã định danh VNeID đã hết hạn", "The VNeID ID token has expired"),
    "vneid_token_not_yet_valid": (
        "Mã định danh VNeID chưa có hiệu lực (thời gian phát hành ở tương lai)",
        "The VNeID ID token is not valid yet (issued in the future)",
    ),
    "vneid_token_nonce_invalid": (
        "Mã định danh VNeID không thuộc phiên đăng nhập này",
        "The VNeID ID token belongs to another sign-in",
    ),
    "vneid_token_claims_missing": (
        "Mã định danh VNeID thiếu thông tin bắt buộc",
        "The VNeID ID token lacks a required claim",
    ),
    "vneid_level_insufficient": (
        "Cần tài khoản định danh điện tử mức độ 2 để đăng ký (Nghị định 69/2024/NĐ-CP)",
        "Registering needs a level-2 e-ID account (Decree 69/2024/NĐ-CP)",
    ),
    "vneid_no_account": (
        "Chưa có tài khoản giao dịch điện tử gắn với VNeID này; vui lòng đăng ký trước",
        "No e-transaction account is linked to this VNeID; please register first",
    ),
    "account_exists": (
        "Bạn đã có tài khoản giao dịch điện tử với BHXH",
        "You already have an e-transaction account with BHXH",
    ),
    "idempotency_key_reused": (
        "Idempotency-Key đã được dùng cho một yêu cầu khác",
        "This Idempotency-Key was already used for a different request",
    ),
    "idempotency_in_progress": (
        "Yêu cầu với Idempotency-Key này đang được xử lý",
        "A request with this Idempotency-Key is still being processed",
    ),
    "invalid_idempotency_key": ("Idempotency-Key không hợp lệ", "Invalid Idempotency-Key"),
    "unknown_job": ("Không có tác vụ này", "No such job"),
    "unauthenticated": ("Vui lòng đăng nhập", "Please sign in"),
    "invalid_credentials": (
        "Tên đăng nhập hoặc mật khẩu không đúng",
        "The username or password is not correct",
    ),
    "temporary_password_expired": (
        'Mật khẩu tạm đã hết hạn (7 ngày). Để có mật khẩu mới, chọn "Quên mật khẩu" (mã gửi qua SMS đến '
        "số điện thoại đã đăng ký) hoặc mang giấy tờ tùy thân đến cơ quan BHXH bất kỳ; hỗ trợ: 1900 9068",
        'The temporary password has expired (7 days). To get a new one, use "Forgot password" (a code by SMS '
        "to your registered phone) or bring your ID document to any BHXH office; hotline 1900 9068",
    ),
    "account_not_found": ("Không tìm thấy tài khoản", "Account not found"),
    "recovery_code_invalid": (
        "Mã khôi phục không đúng hoặc đã hết hạn",
        "The recovery code is wrong or has expired",
    ),
    "conflict": (
        "Dữ liệu vừa được thay đổi bởi một yêu cầu khác, vui lòng thử lại",
        "The data was just changed by another request; please try again",
    ),
    "busy_try_again": (
        "Hệ thống đang bận, chưa ghi nhận yêu cầu; vui lòng gửi lại sau ít giây",
        "The service is busy and recorded nothing; please send the request again in a few seconds",
    ),
    "forbidden": ("Bạn không có quyền thực hiện thao tác này", "You may not do this"),
    "other_office": (
        "Hồ sơ được tiếp nhận tại cơ quan BHXH khác; chỉ cán bộ của cơ quan đó được quyết định",
        "The dossier was received at another office; only that office's officers may decide it",
    ),
    "already_decided": ("Hồ sơ đã được quyết định", "The dossier has already been decided"),
    "already_received": ("Hồ sơ đã được tiếp nhận", "The dossier has already been received"),
    "not_received": (
        "Hồ sơ chưa được tiếp nhận: cần kiểm tra giấy tờ tùy thân trước khi quyết định",
        "The dossier has not been received: check the ID document before deciding",
    ),
    "id_copy_missing": (
        "Chưa có bản sao giấy tờ tùy thân đã kiểm tra: tải lên bản chụp CMND/CCCD/Hộ chiếu trước khi phê duyệt",
        "No checked copy of the ID document: upload the scan of the ID document before approving",
    ),
    "id_copy_not_needed": (
        "Tờ khai ký số không cần lưu bản sao giấy tờ tùy thân",
        "A digitally signed declaration keeps no copy of the ID document",
    ),
    "id_copy_type_not_allowed": (
        "Chỉ nhận bản chụp JPEG, PNG hoặc PDF",
        "Only JPEG, PNG or PDF copies are accepted",
    ),
    "id_copy_not_uploaded": (
        "Chưa nhận được tệp: hãy xin đường dẫn tải lên và tải tệp lên trước",
        "No file has arrived: ask for an upload and upload the file first",
    ),
    "id_copy_upload_expired": (
        "Đường dẫn tải lên đã hết hạn; tệp đã bị xóa, vui lòng tải lên lại",
        "The upload link had expired; the file was deleted, please upload again",
    ),
    "id_copy_empty": ("Tệp tải lên rỗng; tệp đã bị xóa", "The uploaded file is empty; it was deleted"),
    "id_copy_too_large": (
        "Tệp tải lên lớn hơn 5 MiB; tệp đã bị xóa",
        "The uploaded file is larger than 5 MiB; it was deleted",
    ),
    "id_copy_type_mismatch": (
        "Nội dung tệp không đúng loại đã khai (JPEG, PNG hoặc PDF); tệp đã bị xóa",
        "The file's content is not the type declared (JPEG, PNG or PDF); it was deleted",
    ),
    "id_copy_not_found": ("Hồ sơ chưa có bản sao giấy tờ tùy thân", "The dossier has no copy of the ID document"),
    "registry_mismatch": (
        "Thông tin kê khai khác với dữ liệu BHXH; chưa thể phê duyệt",
        "The declaration differs from BHXH's records; it cannot be approved yet",
    ),
    "malformed_xml": (
        "Nội dung gửi lên không phải tờ khai XML hợp lệ (UTF-8)",
        "The body is not a valid XML declaration (UTF-8)",
    ),
    "xml_dtd_forbidden": (
        "Tờ khai XML không được chứa DOCTYPE hay khai báo thực thể (entity)",
        "The XML must not contain a DOCTYPE or entity declarations",
    ),
    "signature_invalid": (
        "Chữ ký số không hợp lệ hoặc nội dung đã bị thay đổi sau khi ký",
        "The digital signature is not valid, or the content was changed after signing",
    ),
    "signature_missing": ("Tờ khai chưa được ký số", "The declaration is not digitally signed"),
    "certificate_untrusted": (
        "Chứng thư số không do tổ chức cung cấp dịch vụ chứng thực chữ ký số được cấp phép cấp",
        "The certificate was not issued by a licensed certification authority",
    ),
    "certificate_expired": ("Chứng thư số đã hết hạn", "The certificate has expired"),
    "certificate_not_yet_valid": ("Chứng thư số chưa có hiệu lực", "The certificate is not valid yet"),
    "certificate_revoked": ("Chứng thư số đã bị thu hồi", "The certificate has been revoked"),
    "revocation_unknown": (
        "Chưa kiểm tra được tình trạng thu hồi của chứng thư số, vui lòng thử lại sau",
        "The certificate's revocation status could not be checked; please try again later",
    ),
    "weak_algorithm": (
        "Thuật toán ký hoặc độ dài khóa không đáp ứng Thông tư 15/2025/TT-BKHCN",
        "The signature algorithm or key size does not meet Circular 15/2025/TT-BKHCN",
    ),
    "key_usage_invalid": (
        "Chứng thư số không được phép dùng để ký số",
        "The certificate may not be used for digital signatures",
    ),
    "signer_mismatch": (
        "Người ký không phải người kê khai (số giấy tờ tùy thân trong chứng thư số khác tờ khai)",
        "The signer is not the declarant (the certificate names another ID document)",
    ),
    "invalid_report_range": (
        "Khoảng thời gian của báo cáo không hợp lệ",
        "The report's date range is not valid",
    ),
    "reissue_rate_limited": (
        "Mật khẩu tạm của tài khoản này vừa được cấp lại (tối đa 1 lần trong 10 phút, 3 lần mỗi ngày; "
        "mỗi cán bộ 20 lần mỗi giờ); vui lòng thử lại sau",
        "This account's temporary password was reissued recently (at most once in 10 minutes and 3 times a day; "
        "20 an hour per officer); please try again later",
    ),
    "rate_limited": ("Quá nhiều yêu cầu; vui lòng thử lại sau", "Too many requests; please try again later"),
    "out_of_scope": (
        "Hồ sơ thuộc cơ quan BHXH ngoài phạm vi của Ông/Bà (cán bộ: cơ quan mình; giám sát: tỉnh mình)",
        "The dossier belongs to an office outside your scope (officers: their office; supervisors: their province)",
    ),
    "session_invalid": (
        "Phiên đăng nhập không hợp lệ, đã kết thúc hoặc đã hết hạn; vui lòng đăng nhập lại",
        "The session is not valid, has ended or has expired; please sign in again",
    ),
    "password_change_required": (
        "Vui lòng đổi mật khẩu trước: mật khẩu tạm hoặc mật khẩu quá 6 tháng chỉ cho phép đổi mật khẩu "
        "(POST /v1/auth/password), xem tài khoản (GET /v1/me) và đăng xuất",
        "Please change your password first: with a temporary password, or one older than 6 months, you may only "
        "change it (POST /v1/auth/password), read your account (GET /v1/me) and sign out",
    ),
    "route_not_found": (
        "Không có địa chỉ này trong API; xem tài liệu tại /v1/openapi.json",
        "There is no such address in the API; see /v1/openapi.json",
    ),
    "too_many_requests": (
        "Có quá nhiều yêu cầu; vui lòng thử lại sau ít phút",
        "Too many requests; please try again in a few minutes",
    ),
    "bad_gateway": (
        "Hệ thống không trả lời đúng, vui lòng thử lại sau hoặc gọi 1900 9068",
        "The service did not answer properly; please try again later or call 1900 9068",
    ),
    "gateway_timeout": (
        "Hệ thống trả lời quá chậm, vui lòng thử lại sau hoặc gọi 1900 9068",
        "The service took too long to answer; please try again later or call 1900 9068",
    ),
    "internal_error": (
        "Hệ thống đang gặp sự cố, vui lòng thử lại sau hoặc gọi 1900 9068",
        "Something went wrong on our side; please try again later or call 1900 9068",
    ),
}

FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("Bắt buộc nhập", "Required"),
    "unknown_field": ("Trường này không được chấp nhận", "This field is not accepted here"),
    "invalid_type": ("Sai kiểu dữ liệu (cần {expected})", "Wrong type (expected {expected})"),
    "too_long": ("Dài quá {max} ký tự", "Longer than {max} characters"),
    "invalid_characters": ("Có ký tự không hợp lệ", "Contains characters that are not allowed"),
    "invalid_script": (
        "Chỉ dùng chữ cái Latin (chữ tiếng Việt có dấu), không dùng chữ của bảng chữ cái khác",
        "Use Latin letters only (Vietnamese diacritics allowed), not letters of another alphabet",
    ),
    "invalid_date": ("Ngày phải theo dạng YYYY-MM-DD", "Dates are written YYYY-MM-DD"),
    "date_out_of_range": ("Ngày không hợp lệ", "The date is out of range"),
    "invalid_choice": ("Chỉ chấp nhận: {choices}", "Must be one of: {choices}"),
    "invalid_country": ("Mã quốc tịch phải theo ISO 3166-1 (ví dụ VN)", "Use an ISO 3166-1 code (e.g. VN)"),
    "invalid_bhxh_code": ("Mã số BHXH gồm 10 chữ số", "The social-insurance code has 10 digits"),
    "invalid_phone": ("Số điện thoại di động Việt Nam không hợp lệ", "Not a valid Vietnamese mobile number"),
    "invalid_email": ("Địa chỉ thư điện tử không hợp lệ", "Not a valid email address"),
    "invalid_code": ("Mã không hợp lệ", "Not a valid code"),
    "cccd_format": ("Số CCCD gồm 12 chữ số", "A CCCD number has 12 digits"),
    "cccd_province": ("Mã tỉnh trong số CCCD không đúng", "The province part of the CCCD number is not valid"),
    "cccd_century_mismatch": (
        "Số CCCD không khớp với thế kỷ của năm sinh",
        "The CCCD number does not match the century of birth",
    ),
    "cccd_birth_year_mismatch": (
        "Số CCCD không khớp với năm sinh",
        "The CCCD number does not match the year of birth",
    ),
    "cccd_gender_mismatch": ("Số CCCD không khớp với giới tính", "The CCCD number does not match the gender"),
    "cmnd_format": ("Số CMND gồm 9 hoặc 12 chữ số", "A CMND number has 9 or 12 digits"),
    "passport_format": ("Số hộ chiếu không hợp lệ", "Not a valid passport number"),
    "missing_column": ("Thiếu cột trong tệp CSV", "Column missing from the CSV file"),
    "unknown_office": ("Không có cơ quan BHXH với mã này", "No BHXH office has this code"),
    "unknown_unit": (
        "Chưa có đơn vị với mã này (nhập danh sách đơn vị trước)",
        "No unit has this code (import the units first)",
    ),
    "wrong_password": ("Mật khẩu hiện tại không đúng", "The current password is not correct"),
    "document_mismatch": (
        "Giấy tờ xuất trình không khớp với tờ khai",
        "The document shown does not match the declaration",
    ),
    "document_not_holder": (
        "Giấy tờ xuất trình không phải của chủ tài khoản",
        "The document shown is not the account holder's",
    ),
    "requires_id_number": ("Chỉ dùng cùng với id_number", "Only together with id_number"),
    "required_one_of": ("Cần nhập một trong: {fields}", "Give one of: {fields}"),
    "invalid": ("Không hợp lệ", "Not valid"),
    "duplicate_field": ("Trường này xuất hiện nhiều lần", "This field appears more than once"),
    "password_too_short": ("Mật khẩu phải có ít nhất {min} ký tự", "The password must have at least {min} characters"),
    "password_too_long": (
        "Mật khẩu không được dài quá {max} ký tự",
        "The password must not be longer than {max} characters",
    ),
    "password_contains_personal_data": (
        "Mật khẩu không được chứa tên, mã số BHXH, số điện thoại hay từ 'bhxh'",
        "The password must not contain your name, social-insurance code, phone number or the word 'bhxh'",
    ),
    "password_too_weak": (
        "Mật khẩu quá dễ đoán; hãy dùng một cụm gồm vài từ, nên dài từ 15 ký tự trở lên",
        "The password is too easy to guess; use a passphrase of several words, 15 characters or more is best",
    ),
    "password_reused": (
        "Mật khẩu mới không được trùng {count} mật khẩu gần nhất",
        "The new password must not be one of your last {count} passwords",
    ),
    "range_reversed": ("Ngày kết thúc (to) phải từ ngày bắt đầu (from) trở đi", "`to` must not be before `from`"),
    "range_too_long": (
        "Báo cáo chỉ lấy tối đa {max} ngày một lần",
        "A report covers at most {max} days",
    ),
}


def pick_lang(accept_language: str | None) -> Lang:
    """Vietnamese unless the caller prefers English (RFC 9110 q-values honoured)."""
    if not accept_language:
        return "vi"
    best, best_q = "vi", -1.0
    for part in accept_language.split(",")[:10]:
        tag, _, params = part.strip().partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in ("vi", "en") and q > 0 and q > best_q:
            best, best_q = primary, q
    return best


def problem_title(code: str, lang: Lang) -> str:
    vi, en = PROBLEM_TITLES.get(code, PROBLEM_TITLES["bad_request"])
    return en if lang == "en" else vi


def field_message(error: FieldError, lang: Lang) -> str:
    vi, en = FIELD_MESSAGES.get(error.code, FIELD_MESSAGES["invalid"])
    template = en if lang == "en" else vi
    try:
        return template.format(**error.params)
    except (KeyError, IndexError):
        return template
