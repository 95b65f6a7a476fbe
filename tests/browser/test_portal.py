"""The portal in real headless Chromium against the local stack of `make run`:
the citizen registers and sees the code, the officer works the counter, the
citizen's SMS password is forced to change, the reporter sees progress move;
a rejection with reasons, validation errors on their fields, a readable 409.
Every page: axe-core without serious or critical violations, no console error,
no CSP violation, screenshots at desktop and phone sizes.

The tests share one stack and one browser and run in this order (each builds
on the one before, as people do on one day at the counter)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, expect, sync_playwright

from tests.browser.harness import CHROMIUM, Watch, assert_accessible, check_page, launch, new_context
from tests.documents import read_pdf
from tests.e2e.stack import ROOT, local_stack_with_pki, wait_for_sms
from tests.id_copies import jpeg

LOG = ROOT / ".e2e-browser-stack.log"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: `make browser` installs it"),
]
TIMEOUT_MS = 10_000
NEW_PASSWORD = {
    "officer": "Quầy một cửa mở lúc bảy giờ sáng",
    "reporter": "Báo cáo tiến độ gửi lãnh đạo mỗi sáng",
    "citizen": "Nhà tôi ở cuối con hẻm nhỏ",
}
# The first demo participant (local/demo-participants.csv), rostered in unit BHXH-01.
KHANH = {
    "full_name": "Đặng Đức Khánh",
    "date_of_birth": "15/12/1965",
    "gender": "male",
    "bhxh_code": "0139941583",
    "id_type": "cccd",
    "id_number": "010065054415",
    "issued_on": "01/04/2021",
    "issued_by": "Cục Cảnh sát QLHC về TTXH",
    "phone": "0705 683 953",
    "email": "khanh@example.vn",
    "address": "12 Trần Duy Hưng, Cầu Giấy, Hà Nội",
    "office_code": "BHXH-01",
}
# The fourth, typed in from paper at the counter.
NGA = {
    **KHANH,
    "full_name": "Bùi Thị Nga",
    "date_of_birth": "10/09/1997",
    "gender": "female",
    "bhxh_code": "1184011129",
    "id_number": "072197806072",
    "phone": "0358977616",
    "email": "",
    "address": "5 Lê Lợi, Điện Biên",
}


@pytest.fixture(scope="module")
def stack() -> Iterator[dict[str, Any]]:
    with local_stack_with_pki(LOG, prefix="bhxh-browser-pki-") as running:
        deadline = time.monotonic() + 10
        while True:
            try:
                requests.get(running["web"], timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield {**running, "shared": {}}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def watch() -> Watch:
    return Watch()


@pytest.fixture(scope="module")
def context(browser: Browser, watch: Watch) -> Iterator[BrowserContext]:
    made = new_context(browser, watch)
    made.set_default_timeout(TIMEOUT_MS)
    yield made
    made.close()


@pytest.fixture(scope="module")
def pages(context: BrowserContext) -> dict[str, Page]:
    """One tab per person: sessionStorage (where the token lives) is per tab."""
    return {}


def tab(pages: dict[str, Page], context: BrowserContext, who: str) -> Page:
    if who not in pages:
        pages[who] = context.new_page()
    return pages[who]


@pytest.fixture(autouse=True)
def no_console_errors(watch: Watch) -> Iterator[None]:
    watch.take()
    yield
    assert watch.take() == []


def demo_staff(label: str) -> tuple[str, str]:
    found = re.search(rf"{label} \.+ username (\d{{10}}), temporary password (\S+)", LOG.read_text(encoding="utf-8"))
    assert found, "the stack's banner names the demo staff"
    return found.group(1), found.group(2)


def go(page: Page, stack: dict[str, Any], path: str) -> None:
    response = page.goto(f"{stack['web']}/{path}")
    assert response is not None and response.ok


def fill_form01(page: Page, person: dict[str, str]) -> None:
    """By the visible labels, as a person reads the form."""
    page.get_by_label("Họ và tên").fill(person["full_name"])
    page.get_by_label("Ngày sinh").fill(person["date_of_birth"])
    page.locator(f"#f-gender-{person['gender']}").check()
    page.get_by_label("Mã số BHXH").fill(person["bhxh_code"])
    page.locator(f"#f-id_document-type-{person['id_type']}").check()
    page.get_by_label("Số giấy tờ").fill(person["id_number"])
    page.get_by_label("Ngày cấp").fill(person["issued_on"])
    page.get_by_label("Nơi cấp").fill(person["issued_by"])
    page.get_by_label("Số điện thoại di động").fill(person["phone"])
    page.get_by_label("Thư điện tử (không bắt buộc)").fill(person["email"])
    page.get_by_label("Địa chỉ liên hệ").fill(person["address"])
    page.get_by_label("Cơ quan BHXH nhận hồ sơ").select_option(person["office_code"])


def sign_in(page: Page, stack: dict[str, Any], username: str, password: str, next_page: str = "") -> None:
    go(page, stack, f"signin.html{'?next=' + next_page if next_page else ''}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()


def change_password(page: Page, current: str, new: str) -> None:
    page.wait_for_url(re.compile(r"/password\.html"))
    expect(page.locator("#forced")).to_be_visible()
    page.get_by_label("Mật khẩu hiện tại").fill(current)
    page.get_by_label("Mật khẩu mới", exact=True).fill(new)
    page.get_by_label("Nhập lại mật khẩu mới").fill(new)
    page.get_by_role("button", name="Đổi mật khẩu").click()


def api_problem(stack: dict[str, Any], path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(f"{stack['api']}{path}", json=body, timeout=10)
    assert answer.headers["Content-Type"].startswith("application/problem+json"), answer.text
    problem: dict[str, Any] = answer.json()
    return problem


def as_json(person: dict[str, str]) -> dict[str, Any]:
    day, month, year = person["date_of_birth"].split("/")
    issued_day, issued_month, issued_year = person["issued_on"].split("/")
    body: dict[str, Any] = {
        "full_name": person["full_name"],
        "date_of_birth": f"{year}-{month}-{day}",
        "gender": person["gender"],
        "bhxh_code": person["bhxh_code"],
        "id_document": {
            "type": person["id_type"],
            "number": person["id_number"],
            "issued_on": f"{issued_year}-{issued_month}-{issued_day}",
            "issued_by": person["issued_by"],
        },
        "phone": person["phone"].replace(" ", ""),
        "address": person["address"],
        "office_code": person["office_code"],
    }
    if person["email"]:
        body["email"] = person["email"]
    return body


# --- the scenarios ------------------------------------------------------------------------------


def test_every_page_has_the_security_headers_and_the_start_page(stack, context, pages) -> None:
    page = tab(pages, context, "citizen")
    response = page.goto(f"{stack['web']}/")
    assert response is not None
    headers = response.headers
    policy = json.loads((ROOT / "web" / "security-headers.json").read_text(encoding="utf-8"))
    # The desk posts ID copies to the bucket (the emulator here): the one origin added to connect-src.
    upload = f"connect-src 'self' {stack['emulator']}"
    policy["Content-Security-Policy"] = policy["Content-Security-Policy"].replace("connect-src 'self'", upload)
    assert headers["content-security-policy"] == policy["Content-Security-Policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    # The API through the portal's origin answers with the same headers (no CORS needed).
    health = requests.get(f"{stack['web']}/v1/health", timeout=5)
    assert health.json()["status"] == "ok"
    assert health.headers["Content-Security-Policy"] == policy["Content-Security-Policy"]
    expect(page.locator("h1")).to_have_text("Đăng ký giao dịch điện tử với BHXH")
    check_page(page, "index")


def test_english_toggle_switches_the_lang_attribute(stack, context, pages) -> None:
    page = tab(pages, context, "citizen")
    go(page, stack, "index.html")
    assert page.evaluate("document.documentElement.lang") == "vi"
    page.get_by_role("button", name="English").click()
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.locator("h1")).to_have_text("Register for electronic transactions with BHXH")
    go(page, stack, "register.html")  # the choice follows the person from page to page
    expect(page.get_by_label("Full name")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Tiếng Việt").click()
    assert page.evaluate("document.documentElement.lang") == "vi"
    expect(page.get_by_label("Họ và tên")).to_be_visible()


def test_citizen_registers_after_fixing_errors_and_sees_the_code(stack, context, pages) -> None:
    page = tab(pages, context, "citizen")
    go(page, stack, "register.html")
    check_page(page, "register")

    # Nothing filled in: the summary at the top links to each field, the message is beside it.
    page.get_by_role("button", name="Gửi tờ khai").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(page.locator("#f-full_name-error")).to_have_text("Nhập họ và tên")
    summary.get_by_role("link", name="Nhập họ và tên").click()
    expect(page.get_by_label("Họ và tên")).to_be_focused()
    assert page.get_by_label("Họ và tên").get_attribute("aria-invalid") == "true"
    check_page(page, "register-errors")

    # A CCCD whose first three digits name no province passes the browser's checks; the
    # server's refusal is shown on the field, and nothing typed is lost.
    fill_form01(page, {**KHANH, "id_number": "999065054415"})
    page.get_by_role("button", name="Gửi tờ khai").click()
    problem = api_problem(stack, "/v1/declarations", as_json({**KHANH, "id_number": "999065054415"}))
    server_message = next(e["message"] for e in problem["errors"] if e["field"] == "id_document.number")
    expect(page.locator("#f-id_document-number-error")).to_have_text(server_message)
    expect(page.get_by_label("Họ và tên")).to_have_value(KHANH["full_name"])
    expect(page.get_by_label("Địa chỉ liên hệ")).to_have_value(KHANH["address"])

    page.get_by_label("Số giấy tờ").fill(KHANH["id_number"])
    page.get_by_role("button", name="Gửi tờ khai").click()
    page.wait_for_url(re.compile(r"/confirmation\.html"))
    code = page.locator("#counter-code").inner_text()
    assert re.fullmatch(r"[34679ACDEFGHJKMNPQRTWXY]{4}-[34679ACDEFGHJKMNPQRTWXY]{4}", code)
    expect(page.locator("#deadline")).not_to_be_empty()
    expect(page.locator("#office-name")).to_have_text("Bảo hiểm xã hội thành phố Hà Nội")
    expect(page.locator("#form-summary")).to_contain_text(KHANH["id_number"])
    check_page(page, "confirmation")
    # Form 01 as a PDF, with the counter code as a QR code the desk scans.
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải tờ khai PDF (có mã QR) để in").click()
    assert download.value.suggested_filename == f"to-khai-01-{code}.pdf"
    printed = read_pdf(Path(download.value.path()).read_bytes())
    assert printed.qr_codes == [code] and KHANH["full_name"] in printed.text
    # Printed: Form 01 with a place to sign, without the site's header and buttons.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="In tờ khai")).to_be_hidden()
    expect(page.locator(".signature-box")).to_be_visible()
    page.emulate_media(media="screen")
    stack["shared"]["khanh"] = {"code": code}


def test_a_second_declaration_of_the_same_person_is_accepted_too(stack, context, pages) -> None:
    """Nobody blocks anybody: a declaration already open for the person never stops another."""
    page = tab(pages, context, "citizen")
    go(page, stack, "register.html")
    fill_form01(page, KHANH)
    page.get_by_role("button", name="Gửi tờ khai").click()
    page.wait_for_url(re.compile(r"/confirmation\.html"))
    second = page.locator("#counter-code").inner_text()
    assert second != stack["shared"]["khanh"]["code"]


def test_citizen_checks_the_status(stack, context, pages) -> None:
    page = tab(pages, context, "citizen")
    declared = stack["shared"]["khanh"]
    go(page, stack, "status.html")
    # As the person reads it from the printed form (any case, no dash).
    page.get_by_label("Mã hồ sơ").fill(declared["code"].lower().replace("-", ""))
    page.get_by_label("Số giấy tờ tùy thân").fill(KHANH["id_number"])
    page.get_by_role("button", name="Tra cứu").click()
    result = page.locator("#outcome .banner")
    expect(result).to_contain_text(declared["code"])
    expect(result).to_contain_text("Chờ nộp hồ sơ tại cơ quan BHXH")
    check_page(page, "status")


def test_reporter_signs_in_with_the_keyboard_alone_and_sees_the_dashboard(stack, context, pages) -> None:
    username, temporary = demo_staff("demo reporter")
    page = tab(pages, context, "reporter")
    go(page, stack, "signin.html")
    check_page(page, "signin")
    keyboard = page.keyboard
    keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    keyboard.press("Enter")  # skip to the main content
    keyboard.press("Tab")
    expect(page.get_by_label("Tên đăng nhập")).to_be_focused()
    keyboard.type(username)
    keyboard.press("Tab")
    expect(page.get_by_label("Mật khẩu", exact=True)).to_be_focused()
    keyboard.type(temporary)
    keyboard.press("Enter")

    # Forced change: a weak password is refused with the server's reason on the field.
    page.wait_for_url(re.compile(r"/password\.html"))
    expect(page.locator("#password-rules")).to_be_visible()
    page.get_by_label("Mật khẩu hiện tại").focus()
    keyboard.type(temporary)
    keyboard.press("Tab")
    keyboard.type("12345678")
    keyboard.press("Tab")
    keyboard.type("12345678")
    keyboard.press("Enter")
    expect(page.locator("#p-new_password-error")).to_be_visible()
    assert page.locator("#p-new_password-error").inner_text().strip()
    expect(page.get_by_label("Mật khẩu hiện tại")).to_have_value(temporary)
    check_page(page, "password-refused")
    page.get_by_label("Mật khẩu mới", exact=True).fill(NEW_PASSWORD["reporter"])
    page.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD["reporter"])
    page.get_by_label("Nhập lại mật khẩu mới").press("Enter")

    page.wait_for_url(re.compile(r"/dashboard\.html"))
    row = page.locator("#units tr", has_text="(BHXH-01)")
    expect(row).to_be_visible()
    stack["shared"]["hanoi_registered"] = registered(page)
    expect(page.locator("#units svg.bar").first).to_be_visible()
    expect(page.locator("#recent svg.chart")).to_be_visible()
    expect(page.locator("#latency svg.chart")).to_be_visible()
    check_page(page, "dashboard", show=page.locator("#units-title"))

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Tải tệp CSV (Excel)").click()
    download = download_info.value
    assert re.fullmatch(r"tien-do-dang-ky-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    assert Path(download.path()).read_bytes().startswith("\ufeffMã đơn vị".encode())

    page.get_by_label("Tỉnh, thành phố").select_option("01")
    page.get_by_role("button", name="Xem tiến độ").click()
    expect(page.locator("#units tbody tr")).to_have_count(1)


def registered(page: Page) -> int:
    cell = page.locator("#units tr", has_text="(BHXH-01)").locator("td").nth(1).inner_text()
    return int(cell.split("/")[0].strip().replace(".", ""))


def test_officer_changes_password_finds_by_scanned_code_receives_and_approves(stack, context, pages) -> None:
    username, temporary = demo_staff("demo officer")
    page = tab(pages, context, "officer")
    sign_in(page, stack, username, temporary)
    change_password(page, temporary, NEW_PASSWORD["officer"])
    page.wait_for_url(re.compile(r"/desk\.html"))
    expect(page.locator("#outcome .banner--success")).to_be_visible()

    # A scanner in keyboard mode: the code field has the focus, the code arrives as keystrokes and Enter.
    code_field = page.get_by_label("Mã hồ sơ")
    expect(code_field).to_be_focused()
    page.keyboard.type(stack["shared"]["khanh"]["code"].lower().replace("-", ""))
    page.keyboard.press("Enter")
    expect(page.locator("#declaration-title")).to_have_text(f"Mã hồ sơ {stack['shared']['khanh']['code']}")
    expect(page.locator("#differences")).to_contain_text("Thông tin khớp dữ liệu BHXH")
    expect(page.locator("#declaration-summary")).to_contain_text("Chờ nộp hồ sơ tại cơ quan BHXH")

    # A wrong document number: the API's refusal is shown; the typed number stays.
    page.get_by_label("Số trên giấy tờ xuất trình").fill("010065054416")
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    expect(page.locator("#receive-form .field-error, #action-outcome .banner--error").first).to_be_visible()
    expect(page.get_by_label("Số trên giấy tờ xuất trình")).to_have_value("010065054416")

    page.get_by_label("Số trên giấy tờ xuất trình").fill(KHANH["id_number"])
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    expect(page.locator("#action-outcome .banner--success")).to_contain_text("Đã tiếp nhận hồ sơ")
    expect(page.locator("#declaration-summary")).to_contain_text("Đã tiếp nhận, đang giải quyết")
    check_page(page, "desk-received")

    # Approval needs the copy of the ID document: refused without it, then the scan is uploaded.
    page.get_by_role("button", name="Duyệt và cấp tài khoản").click()
    expect(page.locator("#action-outcome .banner--error")).to_contain_text("bản sao giấy tờ tùy thân")
    page.get_by_label("Tệp bản sao (JPEG, PNG hoặc PDF, tối đa 5 MiB)").set_input_files(
        files=FilePayload(name="cccd.jpg", mimeType="image/jpeg", buffer=jpeg())
    )
    page.get_by_role("button", name="Tải lên bản sao").click()
    expect(page.locator("#action-outcome .banner--success")).to_contain_text("Đã lưu bản sao giấy tờ")
    expect(page.locator("#declaration-summary")).to_contain_text("Đã lưu (JPEG")
    check_page(page, "desk-id-copy")

    page.get_by_role("button", name="Duyệt và cấp tài khoản").click()
    expect(page.locator("#action-outcome .banner--success")).to_contain_text("Đã duyệt hồ sơ")
    expect(page.locator("#declaration-summary")).to_contain_text("Đã duyệt, tài khoản đã được cấp")
    page.get_by_role("button", name="Xem lịch sử hồ sơ").click()
    expect(page.locator("#history tbody tr")).to_have_count(4)
    check_page(page, "desk-approved")


def test_reporter_sees_the_units_progress_move(stack, context, pages) -> None:
    page = tab(pages, context, "reporter")
    before = stack["shared"]["hanoi_registered"]
    cell = page.locator("#units tr", has_text="(BHXH-01)").locator("td").nth(1)
    deadline = time.monotonic() + 20
    while True:
        # The accounts stream counts the approval within about a second; ask again until it shows.
        page.get_by_role("button", name="Xem tiến độ").click()
        try:
            expect(cell).to_have_text(re.compile(rf"^{before + 1} / "), timeout=1000)
            break
        except AssertionError:
            assert time.monotonic() < deadline, "the approval did not reach the dashboard"


def test_citizen_signs_in_with_the_sms_password_and_must_change_it(stack, context, pages) -> None:
    messages = wait_for_sms(stack, "+84705683953", "MK tam")
    assert messages, "no SMS with the temporary password"
    found = re.search(r"TK: (\d+) MK tam: (\S+)", messages[-1])
    assert found
    username, temporary = found.groups()
    page = tab(pages, context, "citizen")
    sign_in(page, stack, username, temporary)
    change_password(page, temporary, NEW_PASSWORD["citizen"])
    page.wait_for_url(re.compile(r"/account\.html"))
    expect(page.locator("#me")).to_contain_text(KHANH["full_name"])
    assert username == KHANH["id_number"]  # the notice names the account by the CCCD number
    expect(page.locator("#me")).to_contain_text(KHANH["bhxh_code"])  # the same account
    check_page(page, "account")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r"/signin\.html\?signed_out=1"))
    expect(page.locator("#outcome .banner--success")).to_have_text("Bạn đã đăng xuất")


def test_citizen_recovers_the_password_with_an_sms_code(stack, context, pages) -> None:
    page = tab(pages, context, "citizen")
    go(page, stack, "recovery.html")
    check_page(page, "recovery")
    page.get_by_label("Tên đăng nhập").fill(KHANH["bhxh_code"])
    page.get_by_label("Số điện thoại đã đăng ký").fill(KHANH["phone"])
    page.get_by_role("button", name="Gửi mã qua SMS").click()
    expect(page.get_by_label("Mã xác nhận")).to_be_visible()
    codes = wait_for_sms(stack, "+84705683953", "Ma khoi phuc")
    assert codes, "no SMS with the recovery code"
    code = re.search(r"\b(\d{6})\b", codes[-1])
    assert code
    page.get_by_label("Mã xác nhận").fill(code.group(1))
    page.get_by_label("Mật khẩu mới", exact=True).fill("Sáng nay trời mưa rất to ở Hà Nội")
    page.get_by_role("button", name="Đặt mật khẩu mới").click()
    expect(page.locator("#outcome .banner--success")).to_contain_text("Đã đặt mật khẩu mới")


def test_officer_finds_by_id_number_sees_differences_and_rejects_with_reasons(stack, context, pages) -> None:
    # The third demo participant declares with a misspelt name (the registry says "Lê Hữu Dũng").
    dung = {
        **KHANH,
        "full_name": "Lê Văn Dũng",
        "date_of_birth": "05/01/1968",
        "bhxh_code": "0861808165",
        "id_number": "082068797611",
        "phone": "0888751578",
        "email": "",
    }
    created = requests.post(f"{stack['api']}/v1/declarations", json=as_json(dung), timeout=10)
    assert created.status_code == 201, created.text
    page = tab(pages, context, "officer")
    go(page, stack, "desk.html")
    page.get_by_label("Hoặc số giấy tờ tùy thân").fill(dung["id_number"])
    page.get_by_role("button", name="Tìm hồ sơ").click()
    expect(page.locator("#differences .banner--warning")).to_contain_text("Lê Hữu Dũng")
    expect(page.locator("#declaration-summary mark")).to_have_text("Lê Văn Dũng")
    check_page(page, "desk-differences", show=page.locator("#declaration-title"))
    page.get_by_label("Số trên giấy tờ xuất trình").fill(dung["id_number"])
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    expect(page.locator("#action-outcome .banner--success")).to_be_visible()

    # "Another reason" without a note: refused beside the note; the ticked reasons stay ticked.
    page.get_by_label("Thông tin khác dữ liệu BHXH").check()
    page.get_by_label("Lý do khác (ghi rõ trong ghi chú)").check()
    page.get_by_role("button", name="Từ chối hồ sơ").click()
    expect(page.locator("#d-note-error")).to_have_text("Ghi rõ lý do khác trong ghi chú")
    expect(page.get_by_label("Thông tin khác dữ liệu BHXH")).to_be_checked()
    page.get_by_label("Ghi chú cho người dân").fill("Họ tên trên tờ khai khác sổ BHXH.")
    page.get_by_role("button", name="Từ chối hồ sơ").click()
    outcome = page.locator("#action-outcome .banner--success")
    expect(outcome).to_contain_text("Đã từ chối hồ sơ")
    expect(outcome).to_contain_text("Thông tin khác dữ liệu BHXH; Lý do khác")
    expect(page.locator("#declaration-summary")).to_contain_text("Bị từ chối")
    check_page(page, "desk-rejected")


def test_officer_types_in_a_paper_form(stack, context, pages) -> None:
    page = tab(pages, context, "officer")
    go(page, stack, "paper.html")
    expect(page.get_by_label("Cơ quan BHXH nhận hồ sơ")).to_have_value("BHXH-01")
    fill_form01(page, NGA)
    page.get_by_role("button", name="Lưu và tiếp nhận tờ khai giấy").click()
    outcome = page.locator("#outcome .banner--success")
    expect(outcome).to_contain_text("Đã tiếp nhận tờ khai giấy")
    check_page(page, "paper")
    outcome.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/desk\.html#code="))
    expect(page.locator("#declaration-summary")).to_contain_text(NGA["full_name"])
    expect(page.get_by_role("button", name="Duyệt và cấp tài khoản")).to_be_visible()


def test_a_paper_form_for_a_person_with_an_account_shows_the_409_readably(stack, context, pages) -> None:
    from chalicelib.domain.messages import problem_title

    page = tab(pages, context, "officer")  # Khánh's account was issued by the approval above
    go(page, stack, "paper.html")
    fill_form01(page, KHANH)
    page.get_by_role("button", name="Lưu và tiếp nhận tờ khai giấy").click()
    banner = page.locator("#outcome .banner--error")
    expect(banner).to_be_visible()
    expect(banner.locator("h2")).to_have_text(problem_title("account_exists", "vi"))
    expect(banner).not_to_contain_text("{")  # words, not JSON
    expect(page.get_by_label("Họ và tên")).to_have_value(KHANH["full_name"])


def test_a_signed_form_uploaded_as_a_file_is_decided_at_once(stack, context, pages, tmp_path) -> None:
    # Signed as the README's `python -m ops sign-form01` does, with the stack's demo signer.
    from chalicelib.signatures.signing import sign_form01

    pki: Path = stack["pki"]
    signed = tmp_path / "form01-signed.xml"
    form = json.loads((pki / "form01-demo.json").read_text(encoding="utf-8"))
    signed.write_bytes(
        sign_form01(form, (pki / "signer-key.pem").read_bytes(), (pki / "signer-chain.pem").read_bytes())
    )
    page = tab(pages, context, "citizen")
    go(page, stack, "signed.html")
    page.get_by_role("button", name="Gửi tờ khai đã ký").click()
    expect(page.locator("#x-file-error")).to_have_text("Chọn tệp tờ khai đã ký (.xml)")
    page.get_by_label("Tệp tờ khai đã ký (.xml)").set_input_files(str(signed))
    page.get_by_role("button", name="Gửi tờ khai đã ký").click()
    expect(page.locator("#outcome .banner--success")).to_contain_text("Tờ khai đã ký số được duyệt")
    check_page(page, "signed")


SON = {"full_name": "Nguyễn Minh Sơn", "bhxh_code": "1226811864", "id_number": "040079123856"}


def at_demo_vneid(page: Page, stack: dict[str, Any], person: str) -> None:
    """The demo provider's page (the local stack's stand-in for VNeID): the person, at level 2."""
    page.wait_for_url(re.compile(re.escape(stack["idp"]) + r"/authorize"))
    row = page.get_by_role("row").filter(has_text=person)
    row.get_by_role("button", name="Mức 2 / Level 2").click()


def test_a_citizen_registers_with_vneid_at_once_then_signs_in_with_it(stack, context, pages) -> None:
    page = tab(pages, context, "vneid")
    go(page, stack, "vneid.html")
    check_page(page, "vneid")
    page.get_by_role("button", name="Đăng ký bằng VNeID").click()  # no office chosen: said on the field
    expect(page.locator(".error-summary")).to_contain_text("Chọn cơ quan BHXH lưu hồ sơ")
    page.get_by_label("Cơ quan BHXH lưu hồ sơ").select_option("BHXH-01")
    page.get_by_role("button", name="Đăng ký bằng VNeID").click()
    at_demo_vneid(page, stack, SON["full_name"])
    page.wait_for_url(re.compile(r"/vneid\.html$"))  # the code and state are out of the address bar
    expect(page.locator("#outcome .banner--success")).to_contain_text("Đăng ký thành công qua VNeID")
    check_page(page, "vneid-approved", page.locator("#outcome"))
    approval = wait_for_sms(stack, "+84897797860", "qua VNeID")
    assert approval and f"TK: {SON['id_number']}" in approval[0] and "MK tam" not in approval[0]

    page.get_by_role("button", name="Đăng nhập bằng VNeID").click()
    at_demo_vneid(page, stack, SON["full_name"])
    page.wait_for_url(re.compile(r"/account\.html"))  # a normal session, no password to change
    expect(page.locator("#me")).to_contain_text(SON["full_name"])
    expect(page.locator("#me")).to_contain_text(SON["bhxh_code"])
