"""Issue 13 with the in-memory fakes: Form 01 as a PDF (rendered for real, read back with
PDFium and a QR decoder), and the ID-document copy kept with the dossier: every bad upload
is refused with its own code and leaves nothing recorded."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from chalicelib.documents.form01_pdf import render_form01
from chalicelib.domain import errors
from chalicelib.domain.declaration import Declaration
from chalicelib.domain.form01 import MAX_ADDRESS, MAX_ISSUED_BY, MAX_NAME
from chalicelib.domain.id_copy import DISCARDED, JPEG, KEPT, MAX_BYTES, PDF, PNG, UPLOAD_WINDOW
from chalicelib.services.approve_declaration import approve_declaration
from chalicelib.services.id_copy import ask_upload, check_upload, read_copy
from chalicelib.services.officer_desk import Officer
from chalicelib.services.printable_form import printable_form01
from chalicelib.services.receive_declaration import receive_declaration
from chalicelib.services.reject_declaration import reject_declaration
from chalicelib.services.submit_office_declaration import submit_office_declaration
from chalicelib.services.submit_paper_declaration import submit_paper_declaration
from tests.builders import OFFICE, form
from tests.documents import read_pdf
from tests.fakes import FakeDeps
from tests.id_copies import PDF_BYTES, attach_copy, jpeg, png

OFFICER = Officer("0100000001", ("officer",), "BHXH-01", "01")
OTHER_OFFICE = Officer("0100000002", ("officer",), "BHXH-79", "79")
SUPERVISOR = Officer("0100000003", ("supervisor",), None, "01")
RECEIPT = {"document_type": "cccd", "document_number": "001089020747"}
VIETNAMESE = "ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"


def received(deps: FakeDeps) -> Declaration:
    created = submit_office_declaration(deps, form(), deps.clock()).declaration
    declaration, _ = receive_declaration(deps, created.id, RECEIPT, OFFICER, deps.clock())
    return declaration


# --- Form 01 as a PDF ---------------------------------------------------------------------------


def test_the_pdf_is_one_a4_page_with_every_field_the_code_as_qr_and_the_deadline(fake_deps: FakeDeps) -> None:
    created = submit_office_declaration(fake_deps, form(email="an@example.vn"), fake_deps.clock()).declaration
    rendered = printable_form01(
        fake_deps, created.id, id_number="001089020747", authorization=None, now=fake_deps.clock()
    )
    printed = read_pdf(rendered.content)
    assert printed.pages == 1 and (round(printed.width_mm), round(printed.height_mm)) == (210, 297)
    code = f"{created.code[:4]}-{created.code[4:]}"
    assert printed.qr_codes == [code] and code in printed.text
    text = printed.text
    declared = created.form
    for value in (
        declared.full_name,
        "02/05/1989",
        "Nam",
        declared.bhxh_code,
        declared.id_document.number,
        declared.id_document.issued_by,
        declared.phone,
        "an@example.vn",
        declared.address,
        OFFICE.name,
        OFFICE.address,
        "Người kê khai ký, ghi rõ họ tên",
        "Kê khai trực tuyến",
        "10:00 ngày 04/12/2026",  # expires_at, 10 days after 10:00 on 24/11 (Vietnam)
    ):
        assert value in text, value
    assert rendered.filename == f"to-khai-01-{code}.pdf"


def test_the_same_declaration_gives_the_same_bytes_whenever_it_is_printed(fake_deps: FakeDeps) -> None:
    created = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    first = printable_form01(fake_deps, created.id, id_number="001089020747", authorization=None, now=fake_deps.clock())
    fake_deps.clock.advance(days=3)  # type: ignore[attr-defined]
    again = printable_form01(fake_deps, created.id, id_number="001089020747", authorization=None, now=fake_deps.clock())
    assert first.content == again.content


def test_the_longest_values_the_form_allows_still_fit_one_page(fake_deps: FakeDeps) -> None:
    created = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    document = dataclasses.replace(
        created.form.id_document, issued_by=("Cục Cảnh sát QLHC về TTXH " * 20)[:MAX_ISSUED_BY]
    )
    longest = dataclasses.replace(
        created.form,
        full_name=("Nguyễn Thị Hồng " * 10)[:MAX_NAME].strip(),
        address=("Số 12 ngõ 34 phố Hàng Bạc, Hoàn Kiếm " * 10)[:MAX_ADDRESS].strip(),
        id_document=document,
        email="a" * 64 + "@" + "b" * 60 + ".example.vn",
    )
    printed = read_pdf(render_form01(dataclasses.replace(created, form=longest), OFFICE).content)
    assert printed.pages == 1 and printed.qr_codes
    assert longest.full_name.split()[-1] in printed.text


def test_every_vietnamese_letter_is_in_the_embedded_font() -> None:
    from fontTools.ttLib import TTFont

    from chalicelib.documents.fonts import font_files

    for path in font_files().values():
        cmap = TTFont(str(path)).getBestCmap()
        missing = [ch for ch in VIETNAMESE + VIETNAMESE.upper() if ord(ch) not in cmap]
        assert missing == [], (path.name, missing)


def test_the_pdf_needs_the_right_id_number_or_an_officer_in_scope(fake_deps: FakeDeps) -> None:
    created = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    with pytest.raises(errors.DeclarationNotFoundError):
        printable_form01(fake_deps, created.id, id_number="001089020748", authorization=None, now=fake_deps.clock())
    with pytest.raises(errors.DeclarationNotFoundError):
        printable_form01(fake_deps, created.id, id_number=None, authorization=None, now=fake_deps.clock())
    with pytest.raises(errors.UnauthenticatedError):
        printable_form01(
            fake_deps, created.id, id_number=None, authorization="Bearer " + "x" * 40, now=fake_deps.clock()
        )


# --- the ID-document copy -----------------------------------------------------------------------


def test_a_checked_jpeg_is_recorded_on_the_declaration_and_in_the_audit_trail(fake_deps: FakeDeps) -> None:
    declaration = received(fake_deps)
    copy = attach_copy(fake_deps, declaration.id, OFFICER)
    stored = fake_deps.declarations.items[declaration.id]
    assert stored.id_copy == copy and stored.id_copy_upload is None
    assert copy.key.startswith(f"id-copies/{declaration.id}/") and copy.key.endswith(".jpg")
    assert declaration.id_number not in copy.key and "Nguy" not in copy.key  # keyed by declaration, never the person
    assert (copy.content_type, copy.size) == (JPEG, len(jpeg()))
    import hashlib

    assert copy.sha256 == hashlib.sha256(jpeg()).hexdigest()
    (event,) = [e for e in fake_deps.declarations.audit if e.to_status == "id_copy_attached"]
    assert event.detail == {"key": copy.key, "content_type": JPEG, "size": str(copy.size), "sha256": copy.sha256}
    assert fake_deps.id_copies.labels[copy.key] == KEPT
    _key, content_type, max_bytes, window = fake_deps.id_copies.forms[-1]
    assert (content_type, max_bytes, window) == (JPEG, MAX_BYTES, UPLOAD_WINDOW)


@pytest.mark.parametrize("body, declared", [(png(), PNG), (PDF_BYTES, PDF)])
def test_png_and_pdf_copies_are_kept_too(fake_deps: FakeDeps, body: bytes, declared: str) -> None:
    declaration = received(fake_deps)
    assert attach_copy(fake_deps, declaration.id, OFFICER, body, declared).content_type == declared


def test_a_paper_dossier_keeps_a_copy_and_is_approved_only_with_one(fake_deps: FakeDeps) -> None:
    paper = submit_paper_declaration(fake_deps, form(), OFFICER, fake_deps.clock())
    with pytest.raises(errors.IdCopyMissingError):
        approve_declaration(fake_deps, paper.id, OFFICER, fake_deps.clock())
    assert fake_deps.declarations.items[paper.id].status == "received"
    attach_copy(fake_deps, paper.id, OFFICER)
    assert approve_declaration(fake_deps, paper.id, OFFICER, fake_deps.clock()).status == "approved"


def _refused(deps: FakeDeps, declaration: Declaration, error: type[Exception]) -> None:
    """The check refuses with ``error``; the file is gone and nothing was recorded."""
    audit_before = list(deps.declarations.audit)
    with pytest.raises(error):
        check_upload(deps, declaration.id, OFFICER, deps.clock())
    stored = deps.declarations.items[declaration.id]
    assert stored.id_copy is None
    assert deps.declarations.audit == audit_before
    pending = stored.id_copy_upload
    assert pending is None or pending.key not in deps.id_copies.objects


def _upload(deps: FakeDeps, declaration: Declaration, body: bytes, declared: str = JPEG, **put: object) -> str:
    upload, _ = ask_upload(deps, declaration.id, {"content_type": declared}, OFFICER, deps.clock())
    key = str(put.get("key", upload.key))
    deps.id_copies.put(key, body, declared, put.get("at", deps.clock()))  # type: ignore[arg-type]
    return upload.key


def test_a_type_other_than_jpeg_png_or_pdf_gets_no_upload(fake_deps: FakeDeps) -> None:
    declaration = received(fake_deps)
    for asked in ("image/gif", "text/plain", "application/octet-stream", ""):
        with pytest.raises(errors.IdCopyTypeNotAllowedError):
            ask_upload(fake_deps, declaration.id, {"content_type": asked}, OFFICER, fake_deps.clock())
    assert fake_deps.id_copies.forms == [] and fake_deps.declarations.items[declaration.id].id_copy_upload is None


def test_a_png_renamed_jpg_is_refused(fake_deps: FakeDeps) -> None:
    declaration = received(fake_deps)
    _upload(fake_deps, declaration, png(), JPEG)
    _refused(fake_deps, declaration, errors.IdCopyTypeMismatchError)


def test_bytes_that_only_start_like_a_jpeg_are_refused(fake_deps: FakeDeps) -> None:
    declaration = received(fake_deps)
    _upload(fake_deps, declaration, b"\xff\xd8\xff\xe0" + b"not an image" * 10, JPEG)
    _refused(fake_deps, declaration, errors.IdCopyTypeMismatchError)


def test_an_empty_file_is_refused(fake_deps: FakeDeps) -> None:
    declaration = received(fake_deps)
    _upload(fake_deps, declaration, b"", JPEG)
    _refused(fake_deps, declaration, errors.IdCopyEmptyError)


def test_six_mib_is_refused(fake_deps: FakeDeps) -> None:
    declaration = received(fake_deps)
    _upload(fake_deps, declaration, jpeg() + b"\0" * (6 * 1024 * 1024), JPEG)
    _refused(fake_deps, declaration, errors.IdCopyTooLargeError)


def test_an_upload_after_the_presigned_post_expired_is_refused(fake_deps: FakeDeps) -> None:
    declaration = received(fake_deps)
    _upload(fake_deps, declaration, jpeg(), JPEG, at=fake_deps.clock() + UPLOAD_WINDOW + timedelta(seconds=1))
    _refused(fake_deps, declaration, errors.IdCopyUploadExpiredError)


def test_an_upload_to_another_declarations_key_is_never_recorded(fake_deps: FakeDeps) -> None:
    mine, theirs = received(fake_deps), received(fake_deps)
    ask_upload(fake_deps, theirs.id, {"content_type": JPEG}, OFFICER, fake_deps.clock())  # asked; nothing posted
    # With my presigned form, a file posted to a key under their declaration.
    _upload(fake_deps, mine, jpeg(), JPEG, key=f"id-copies/{theirs.id}/forged.jpg")
    for declaration in (mine, theirs):
        with pytest.raises(errors.IdCopyNotUploadedError):
            check_upload(fake_deps, declaration.id, OFFICER, fake_deps.clock())
        assert fake_deps.declarations.items[declaration.id].id_copy is None


def test_no_upload_asked_for_and_a_signed_declaration_keeps_none(fake_deps: FakeDeps) -> None:
    declaration = received(fake_deps)
    with pytest.raises(errors.IdCopyNotUploadedError):
        check_upload(fake_deps, declaration.id, OFFICER, fake_deps.clock())
    signed = dataclasses.replace(declaration, id="signed-1", channel="signed", status="approved")
    fake_deps.declarations.items[signed.id] = signed
    with pytest.raises(errors.IdCopyNotNeededError):
        ask_upload(fake_deps, signed.id, {"content_type": JPEG}, OFFICER, fake_deps.clock())


def test_only_the_receiving_office_attaches_and_not_before_receipt(fake_deps: FakeDeps) -> None:
    declaration = received(fake_deps)
    with pytest.raises(errors.OtherOfficeError):
        ask_upload(fake_deps, declaration.id, {"content_type": JPEG}, OTHER_OFFICE, fake_deps.clock())
    waiting = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    with pytest.raises(errors.NotReceivedError):
        ask_upload(fake_deps, waiting.id, {"content_type": JPEG}, OFFICER, fake_deps.clock())


def test_reading_gives_a_short_link_in_scope_and_is_audited(fake_deps: FakeDeps) -> None:
    declaration = received(fake_deps)
    copy = attach_copy(fake_deps, declaration.id, OFFICER)
    for reader in (OFFICER, SUPERVISOR):
        link = read_copy(fake_deps, declaration.id, reader, fake_deps.clock())
        assert link.copy == copy and copy.key in link.url
        assert link.expires_at - fake_deps.clock() == timedelta(minutes=5)
    reads = [e for e in fake_deps.declarations.audit if e.to_status == "id_copy_read"]
    assert [e.actor for e in reads] == [OFFICER.username, SUPERVISOR.username]
    with pytest.raises(errors.OutOfScopeError):
        read_copy(fake_deps, declaration.id, OTHER_OFFICE, fake_deps.clock())
    assert len([e for e in fake_deps.declarations.audit if e.to_status == "id_copy_read"]) == 2


def test_a_rejected_dossiers_copy_goes_to_the_short_retention(fake_deps: FakeDeps) -> None:
    declaration = received(fake_deps)
    copy = attach_copy(fake_deps, declaration.id, OFFICER)
    reject_declaration(fake_deps, declaration.id, {"reasons": ["illegible_form"]}, OFFICER, fake_deps.clock())
    assert fake_deps.id_copies.labels[copy.key] == DISCARDED


# --- the confirmation: the PDF by email, the code and the deadline by SMS -------------------------


def _sent_after_submission(deps: FakeDeps, body: dict[str, object]) -> Declaration:
    from chalicelib.services.deliver_notification import deliver_notification

    created = submit_office_declaration(deps, body, deps.clock()).declaration
    deps.run_queued_tasks()
    for notice_id in list(deps.outbox.queue):
        deliver_notification(deps, notice_id, deps.clock())
    return created


def test_the_declarant_gets_form01_attached_and_the_registry_phone_the_code_and_deadline(fake_deps: FakeDeps) -> None:
    created = _sent_after_submission(fake_deps, form())
    code = f"{created.code[:4]}-{created.code[4:]}"
    (sms,) = [text for phone, text in fake_deps.sender.sms if phone == "+84912345678"]
    assert code in sms and "04/12/2026" in sms and len(sms) <= 160
    emails = [(mail, files) for mail, files in zip(fake_deps.sender.emails, fake_deps.sender.attachments, strict=True)]
    ((_to, subject, text, _html), (attachment,)) = next(item for item in emails if item[0][0] == "an.nguyen@example.vn")
    assert OFFICE.name in subject and "in tờ khai đính kèm" in text and "10:00 ngày 04/12/2026" in text
    assert (attachment.filename, attachment.content_type) == (f"to-khai-01-{code}.pdf", "application/pdf")
    assert read_pdf(attachment.content).qr_codes == [code]


def test_no_form_goes_to_an_address_whose_phone_is_not_the_registrys(fake_deps: FakeDeps) -> None:
    _sent_after_submission(fake_deps, form(phone="0987000111", email="someone.else@example.vn"))
    assert not [mail for mail in fake_deps.sender.emails if mail[0] == "someone.else@example.vn"]
    assert all(files == [] for files in fake_deps.sender.attachments)


# --- the receipt within 2 hours (Decree 164/2025/NĐ-CP) ----------------------------------------------


def test_receiving_a_dossier_sends_its_receipt_with_the_due_date(fake_deps: FakeDeps) -> None:
    declaration = received(fake_deps)
    receipts = [s.notice for s in fake_deps.outbox.stored.values() if s.notice.kind == "dossier_received"]
    assert sorted(n.channel for n in receipts) == ["email", "sms"]
    code = f"{declaration.code[:4]}-{declaration.code[4:]}"
    sms = next(n for n in receipts if n.channel == "sms")
    assert code in sms.text and "27/11/2026" in sms.text and len(sms.text) <= 160  # 3 working days after 24/11
    mail = next(n for n in receipts if n.channel == "email")
    assert OFFICE.name in mail.text and "27/11/2026" in mail.text and mail.recipient == "an.nguyen@example.vn"
    assert set(fake_deps.outbox.queue) >= {n.id for n in receipts}


def test_a_paper_dossier_gets_its_receipt_too_and_the_report_counts_the_2_hours(fake_deps: FakeDeps) -> None:
    from datetime import date

    from chalicelib.domain.service_report import build_report
    from chalicelib.services.deliver_notification import deliver_notification

    paper = submit_paper_declaration(fake_deps, form(), OFFICER, fake_deps.clock())
    receipts = [s.notice for s in fake_deps.outbox.stored.values() if s.notice.source == f"declaration#{paper.id}"]
    assert sorted((n.kind, n.channel) for n in receipts) == [("dossier_received", "email"), ("dossier_received", "sms")]
    deliver_notification(fake_deps, receipts[0].id, fake_deps.clock())  # at once
    fake_deps.clock.advance(hours=3)  # type: ignore[attr-defined]
    deliver_notification(fake_deps, receipts[1].id, fake_deps.clock())  # three hours late
    day = date(2026, 11, 24)
    figures = build_report(day, day, fake_deps.stats.read(day, day))["totals"]["receipts"]
    assert figures == {"sent": 2, "within_2_hours": 1, "share_within_2_hours": 0.5}


def test_any_office_receives_an_online_dossier_and_then_owns_it(fake_deps: FakeDeps) -> None:
    """Decree 164/2025: service does not depend on administrative boundaries. Chosen online for
    BHXH-01 (Hà Nội), brought to BHXH-79 (Hồ Chí Minh City): received there, its receipt names that
    office, the audit trail records where, and that office decides it (and sees it overdue)."""
    from chalicelib.services.declaration_history import declaration_history
    from chalicelib.services.overdue_dossiers import overdue_for
    from tests.builders import OFFICE_HCM

    created = submit_office_declaration(fake_deps, form(), fake_deps.clock()).declaration
    assert created.form.office_code == "BHXH-01"
    declaration, _ = receive_declaration(fake_deps, created.id, RECEIPT, OTHER_OFFICE, fake_deps.clock())
    assert declaration.received_office == "BHXH-79"
    (event,) = [e for e in fake_deps.declarations.audit if e.subject == created.id and e.to_status == "received"]
    assert (event.office_code, event.actor) == ("BHXH-79", OTHER_OFFICE.username)
    receipt = next(
        s.notice
        for s in fake_deps.outbox.stored.values()
        if s.notice.kind == "dossier_received" and s.notice.channel == "email"
    )
    assert OFFICE_HCM.name in receipt.text
    with pytest.raises(errors.OtherOfficeError):  # the office chosen online no longer decides it
        approve_declaration(fake_deps, created.id, OFFICER, fake_deps.clock())
    fake_deps.clock.advance(days=5)  # type: ignore[attr-defined]
    assert [d.id for d in overdue_for(fake_deps, OTHER_OFFICE, fake_deps.clock())] == [created.id]
    assert overdue_for(fake_deps, OFFICER, fake_deps.clock()) == []
    attach_copy(fake_deps, created.id, OTHER_OFFICE)
    assert approve_declaration(fake_deps, created.id, OTHER_OFFICE, fake_deps.clock()).status == "approved"
    history = declaration_history(fake_deps, created.id, OTHER_OFFICE)
    assert [(item["to"], item["office_code"]) for item in history][1:] == [
        ("received", "BHXH-79"),
        ("id_copy_attached", "BHXH-79"),
        ("approved", "BHXH-79"),
    ]
