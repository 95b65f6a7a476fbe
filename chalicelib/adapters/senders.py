"""SNS (SMS) and SES (email) adapter of ``Sender``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.notification import Attachment
from ..services.ports.notices import PermanentSendError, TemporarySendError

_TEMPORARY_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "ServiceUnavailable",
    "InternalError",
    "InternalFailure",
    "KMSThrottlingException",
    "RequestTimeout",
}


def _classify(error: Exception) -> Exception:
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in _TEMPORARY_CODES or status >= 500 or status == 429:
            return TemporarySendError(code or str(status))
        return PermanentSendError(code or str(status))
    return TemporarySendError(type(error).__name__)


class AwsSender:
    def __init__(self, sns_client: Any, ses_client: Any, *, sender_id: str, email_from: str, configuration_set: str):
        self._sns = sns_client
        self._ses = ses_client
        self._sender_id = sender_id
        self._from = email_from
        self._configuration_set = configuration_set

    def send_sms(self, phone: str, text: str) -> str:
        try:
            response = self._sns.publish(
                PhoneNumber=phone,
                Message=text,
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                    "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": self._sender_id},
                },
            )
        except (ClientError, BotoCoreError) as error:
            raise _classify(error) from error
        return str(response["MessageId"])

    def send_email(self, to: str, subject: str, text: str, html: str, attachments: Sequence[Attachment] = ()) -> str:
        if attachments:
            return self._send_raw(to, subject, text, html, attachments)
        kwargs: dict[str, Any] = {
            "Source": self._from,
            "Destination": {"ToAddresses": [to]},
            "Message": {
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": text, "Charset": "UTF-8"}, "Html": {"Data": html, "Charset": "UTF-8"}},
            },
        }
        if self._configuration_set:
            kwargs["ConfigurationSetName"] = self._configuration_set
        try:
            response = self._ses.send_email(**kwargs)
        except (ClientError, BotoCoreError) as error:
            raise _classify(error) from error
        return str(response["MessageId"])

    def _send_raw(self, to: str, subject: str, text: str, html: str, attachments: Sequence[Attachment]) -> str:
        """A MIME message (the standard library's ``email``): text and HTML, then the files."""
        from email.message import EmailMessage

        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = self._from
        message["To"] = to
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        for attachment in attachments:
            main, _, sub = attachment.content_type.partition("/")
            message.add_attachment(attachment.content, maintype=main, subtype=sub, filename=attachment.filename)
        kwargs: dict[str, Any] = {
            "Source": self._from,
            "Destinations": [to],
            "RawMessage": {"Data": message.as_bytes()},
        }
        if self._configuration_set:
            kwargs["ConfigurationSetName"] = self._configuration_set
        try:
            response = self._ses.send_raw_email(**kwargs)
        except (ClientError, BotoCoreError) as error:
            raise _classify(error) from error
        return str(response["MessageId"])
