"""S3 adapter of ``IdCopyStorage``: presigned POST uploads and GET links, so the
files never pass through Lambda; the bucket encrypts with the stack's KMS key by
default and refuses plain HTTP (``infra/``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ..domain.id_copy import RETENTION_TAG, UNCHECKED, PresignedUpload, StoredObject


def _tagging(retention: str) -> str:
    return f"<Tagging><TagSet><Tag><Key>{RETENTION_TAG}</Key><Value>{retention}</Value></Tag></TagSet></Tagging>"


class S3IdCopyStorage:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def upload_form(self, key: str, content_type: str, max_bytes: int, expires_in: timedelta) -> PresignedUpload:
        # boto3 adds the bucket and the exact key to the policy's conditions, and dates the
        # policy by this machine's clock, as S3 will judge the upload by its own.
        expires_at = datetime.now(UTC).replace(microsecond=0) + expires_in
        post = self._client.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": content_type, "tagging": _tagging(UNCHECKED)},
            Conditions=[
                {"Content-Type": content_type},
                {"tagging": _tagging(UNCHECKED)},
                ["content-length-range", 1, max_bytes],
            ],
            ExpiresIn=int(expires_in.total_seconds()),
        )
        return PresignedUpload(str(post["url"]), {str(k): str(v) for k, v in post["fields"].items()}, expires_at)

    def fetch(self, key: str, max_bytes: int) -> StoredObject | None:
        try:
            found = self._client.get_object(Bucket=self._bucket, Key=key)
        except self._client.exceptions.NoSuchKey:
            return None
        size = int(found["ContentLength"])
        stream = found["Body"]
        try:
            body = stream.read(max_bytes + 1) if size <= max_bytes else b""
        finally:
            stream.close()
        return StoredObject(
            size=size,
            last_modified=found["LastModified"],
            content_type=str(found.get("ContentType", "")),
            body=body,
            version=found.get("VersionId"),
        )

    def label(self, key: str, retention: str) -> None:
        self._client.put_object_tagging(
            Bucket=self._bucket, Key=key, Tagging={"TagSet": [{"Key": RETENTION_TAG, "Value": retention}]}
        )

    def delete(self, key: str, version: str | None) -> None:
        extra = {"VersionId": version} if version and version != "null" else {}
        self._client.delete_object(Bucket=self._bucket, Key=key, **extra)

    def download_url(self, key: str, filename: str, expires_in: timedelta) -> str:
        return str(
            self._client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "ResponseContentDisposition": f'attachment; filename="{filename}"',
                },
                ExpiresIn=int(expires_in.total_seconds()),
            )
        )
