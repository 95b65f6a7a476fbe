"""Where the copies of ID documents are stored (S3 in AWS and on the local stack)."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from ...domain.id_copy import PresignedUpload, StoredObject


class IdCopyStorage(Protocol):
    def upload_form(self, key: str, content_type: str, max_bytes: int, expires_in: timedelta) -> PresignedUpload:
        """A presigned POST for exactly ``key``, of ``content_type``, 1 to ``max_bytes`` bytes,
        tagged ``unchecked``, good for ``expires_in``."""

    def fetch(self, key: str, max_bytes: int) -> StoredObject | None:
        """The object at ``key``, or None; its bytes only when it has at most ``max_bytes``."""

    def label(self, key: str, retention: str) -> None:
        """Set the object's retention tag (``domain.id_copy``), which the lifecycle rules read."""

    def delete(self, key: str, version: str | None) -> None:
        """Remove the object (a refused upload), that version for good when given; nothing when absent."""

    def download_url(self, key: str, filename: str, expires_in: timedelta) -> str:
        """A presigned GET of ``key``, downloaded as ``filename``, good for ``expires_in``."""
