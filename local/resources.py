"""Create every table, index, stream, queue and identity on an emulator (or a
sandbox account) from the same definitions the code uses."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from chalicelib.adapters import models
from chalicelib.config import Settings

MAX_RECEIVES = 5
VISIBILITY_TIMEOUT = 120


def create_tables(settings: Settings) -> list[str]:
    models.configure(settings)
    created = []
    for model in models.MODELS.values():
        if not model.exists():
            model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
            created.append(model.Meta.table_name)
    return created


def create_queues(settings: Settings, sqs: Any) -> dict[str, str]:
    dlq_url = sqs.create_queue(QueueName=settings.dead_letter_queue)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(
        QueueName=settings.notifications_queue,
        Attributes={
            "VisibilityTimeout": str(VISIBILITY_TIMEOUT),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)}),
        },
    )["QueueUrl"]
    return {"queue": queue_url, "dead_letters": dlq_url}


def create_identities(settings: Settings, ses: Any, sns: Any) -> None:
    ses.verify_email_identity(EmailAddress=settings.email_sender)
    sns.set_sms_attributes(attributes={"DefaultSMSType": "Transactional", "DefaultSenderID": settings.sms_sender_id})


def create_id_copies_bucket(settings: Settings, s3: Any, region: str) -> str:
    """The private bucket of ID-document copies (infra/ adds KMS, TLS-only, lifecycle),
    versioned as in AWS; the officer's browser posts to it, so it answers CORS."""
    bucket = settings.id_copies_bucket
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket, **location)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedMethods": ["POST", "GET"],
                    "AllowedOrigins": ["*"],
                    "AllowedHeaders": ["*"],
                    "MaxAgeSeconds": 600,
                }
            ]
        },
    )
    return str(bucket)


def create_all(settings: Settings, session: Any) -> dict[str, Any]:
    import os

    tables = create_tables(settings)
    queues = create_queues(settings, session.client("sqs"))
    create_identities(settings, session.client("ses"), session.client("sns"))
    topic = os.environ.get("BHXH_SES_FEEDBACK_TOPIC", f"bhxh-{settings.stage}-ses-feedback")
    feedback = session.client("sns").create_topic(Name=topic)["TopicArn"]
    bucket = create_id_copies_bucket(settings, session.client("s3", region_name=settings.region), settings.region)
    return {"tables": tables, **queues, "ses_feedback_topic": feedback, "id_copies_bucket": bucket}
