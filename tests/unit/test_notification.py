"""Notifications: an SMS always, an email when the person gave an address,
with ids that make recording the same notice twice a no-op."""

from __future__ import annotations

from datetime import UTC, date, datetime

from chalicelib.domain.notification import EMAIL, QUEUED, SMS, notices_for
from chalicelib.domain.templates import TEMPLATE_VERSION, office_cancelled_email, office_cancelled_sms

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
SMS_TEXT = office_cancelled_sms("K7PQ-3M9X")
MAIL = office_cancelled_email("Nguyễn Văn An", "K7PQ-3M9X")


def test_sms_and_email() -> None:
    notices = notices_for(
        source="decl-1", kind="cancelled", phone="+84912345678", email="an@example.vn", sms=SMS_TEXT, mail=MAIL, now=NOW
    )

    sms, mail = notices
    assert (sms.id, sms.channel, sms.recipient, sms.text) == (
        "decl-1#cancelled#sms",
        SMS,
        "+84912345678",
        SMS_TEXT.text,
    )
    assert (mail.id, mail.channel, mail.recipient) == ("decl-1#cancelled#email", EMAIL, "an@example.vn")
    assert (mail.subject, mail.text, mail.html) == (MAIL.subject, MAIL.text, MAIL.html)
    assert all(n.status == QUEUED and n.template_version == TEMPLATE_VERSION for n in notices)
    assert all(n.created_at == NOW and n.source == "decl-1" and n.kind == "cancelled" for n in notices)


def test_sms_only_without_an_email_address() -> None:
    for email in (None, ""):
        notices = notices_for(
            source="decl-1", kind="cancelled", phone="+84912345678", email=email, sms=SMS_TEXT, mail=MAIL, now=NOW
        )
        assert [n.channel for n in notices] == [SMS]


def test_sms_only_without_an_email_template() -> None:
    notices = notices_for(
        source="decl-1", kind="cancelled", phone="+84912345678", email="an@example.vn", sms=SMS_TEXT, mail=None, now=NOW
    )

    assert [n.channel for n in notices] == [SMS]


def test_ids_are_deterministic() -> None:
    def ids(now: datetime) -> list[str]:
        notices = notices_for(
            source="decl-1", kind="reminder-3", phone="+84912345678", email="a@b.vn", sms=SMS_TEXT, mail=MAIL, now=now
        )
        return [n.id for n in notices]

    assert ids(NOW) == ids(datetime.combine(date(2026, 12, 5), datetime.min.time(), UTC))
