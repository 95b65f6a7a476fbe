"""The copy of the ID document the office keeps with the dossier (notice 2659,
section 2, step 4: "cơ quan BHXH photo CMND/CCCD/Hộ chiếu để lưu cùng bản kê
khai").

The officer uploads the scan straight to S3 through a presigned POST (the file
never passes through Lambda); the service then checks the object and records
it. Objects are keyed by declaration id and a random upload id, never by ID
number or name. Personal data (Decree 13/2023/NĐ-CP): the file's contents and
the ID number never reach a log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"
CONTENT_TYPES = (JPEG, PNG, PDF)
EXTENSIONS = {JPEG: "jpg", PNG: "png", PDF: "pdf"}
MAX_BYTES = 5 * 1024 * 1024
UPLOAD_WINDOW = timedelta(minutes=10)  # how long a presigned POST is good for
READ_WINDOW = timedelta(minutes=5)  # how long a presigned GET is good for
KEY_PREFIX = "id-copies/"

# Retention, as the object's ``retention`` tag, which the bucket's lifecycle rules read
# (infra/, docs/operations.md): posted ``unchecked`` (gone after 1 day), ``kept`` once
# checked (kept with the dossier), ``rejected`` when the dossier is rejected or cancelled
# (gone after 90 days: the time to complain about a decision).
RETENTION_TAG = "retention"
UNCHECKED = "unchecked"
KEPT = "kept"
DISCARDED = "rejected"

ATTACHED = "id_copy_attached"  # audit: a checked copy was recorded
READ = "id_copy_read"  # audit: someone was given a link to the copy


def object_key(declaration_id: str, upload_id: str, content_type: str) -> str:
    return f"{KEY_PREFIX}{declaration_id}/{upload_id}.{EXTENSIONS[content_type]}"


@dataclass(frozen=True)
class IdCopyUpload:
    """A presigned upload handed to an officer, not yet checked."""

    key: str
    content_type: str
    expires_at: datetime
    requested_by: str

    def to_dict(self) -> dict[str, str]:
        return {
            "key": self.key,
            "content_type": self.content_type,
            "expires_at": self.expires_at.isoformat(),
            "requested_by": self.requested_by,
        }

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> IdCopyUpload:
        return cls(data["key"], data["content_type"], datetime.fromisoformat(data["expires_at"]), data["requested_by"])


@dataclass(frozen=True)
class IdCopy:
    """A checked copy, as recorded on the declaration and in the audit trail."""

    key: str
    content_type: str
    size: int
    sha256: str
    checked_at: datetime
    checked_by: str
    office_code: str

    def to_dict(self) -> dict[str, str]:
        return {
            "key": self.key,
            "content_type": self.content_type,
            "size": str(self.size),
            "sha256": self.sha256,
            "checked_at": self.checked_at.isoformat(),
            "checked_by": self.checked_by,
            "office_code": self.office_code,
        }

    def summary(self) -> dict[str, str | int]:
        """What the desk sees of it: never its key (the declaration names it)."""
        return {
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "checked_at": self.checked_at.isoformat(),
            "checked_by": self.checked_by,
        }

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> IdCopy:
        return cls(
            key=data["key"],
            content_type=data["content_type"],
            size=int(data["size"]),
            sha256=data["sha256"],
            checked_at=datetime.fromisoformat(data["checked_at"]),
            checked_by=data["checked_by"],
            office_code=data["office_code"],
        )


@dataclass(frozen=True)
class PresignedUpload:
    """What the officer's browser posts to: the URL and the form fields, the file last.
    ``expires_at`` is the policy's own expiry, by the clock that signed it."""

    url: str
    fields: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class StoredObject:
    """An uploaded object as storage holds it: its size, when it landed, its bytes."""

    size: int
    last_modified: datetime
    content_type: str
    body: bytes  # empty when the object is larger than the reader's limit: never read then
    version: str | None = None
