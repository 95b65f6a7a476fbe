"""Least privilege: what each Lambda function of the Chalice app may do, and nothing more.

Chalice's generated policy is off (``autogen_policy: false``). Chalice still
creates one role per function (``<Function>Role``); the stack replaces that
role's inline policy with the document built here from ``ACCESS``.

``ACCESS`` is keyed by the Python name of the handler in app.py (``app`` is the
HTTP API). It lists, per table, the DynamoDB actions the handler's code paths
call (adapters in ``chalicelib/adapters``) and the GSIs it queries. Notes:

* ``TransactWriteItems`` is authorised per item as ``PutItem``/``UpdateItem``/
  ``DeleteItem``/``ConditionCheckItem`` on each table it touches;
  ``TransactGetItems`` as ``GetItem``.
* PynamoDB's ``Model.update`` is ``UpdateItem`` with ``ALL_NEW`` (no extra read);
  ``Model.get`` is ``GetItem``; ``batch_get`` is ``BatchGetItem``;
  ``batch_write`` is ``BatchWriteItem``; a query on an index is ``Query`` on
  ``table/<t>/index/<i>``, a query on the table ``Query`` on the table.
* PynamoDB never calls ``DescribeTable`` here: the models carry their schema.

A function that consumes a DynamoDB stream says which table's (``StreamUse``):
it gets the stream-read actions on that table's stream only, its event source
mapping reads that stream, passes only the records ``StreamUse.records``
matches, and sends the batches that still fail to its own on-failure queue.

A function found in the Chalice template without an entry here stops the
synthesis (fail closed): a new handler must declare what it touches.
The other direction is checked by the app's integration tests (``tests/iam_guard.py``): every AWS
call a handler makes while a test runs it must be one its entry here grants, as IAM authorises it,
or that test fails; a grant cannot fall behind the code unnoticed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

GET = "dynamodb:GetItem"
BATCH_GET = "dynamodb:BatchGetItem"
PUT = "dynamodb:PutItem"
UPDATE = "dynamodb:UpdateItem"
DELETE = "dynamodb:DeleteItem"
CHECK = "dynamodb:ConditionCheckItem"
BATCH_WRITE = "dynamodb:BatchWriteItem"
QUERY = "dynamodb:Query"

STREAM_READ = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
QUEUE_SEND = ("sqs:GetQueueUrl", "sqs:SendMessage")  # SendMessageBatch is authorised as SendMessage
QUEUE_CONSUME = (  # what the Lambda SQS event source mapping needs, plus the worker's own backoff
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
)
# Since SNS delivers SMS through AWS End User Messaging SMS, it calls these on the caller's behalf
# (forward access sessions): allowed only when SNS is the caller (aws:CalledViaLast).
SMS_SEND_VIA_SNS = ("sms-voice:SendTextMessage",)
SMS_SETTINGS_VIA_SNS = (
    "sms-voice:DescribeAccountAttributes",
    "sms-voice:DescribeSpendLimits",
    "sms-voice:SetTextMessageSpendLimitOverride",
)
CALLED_VIA_SNS = {"StringEquals": {"aws:CalledViaLast": "sns.amazonaws.com"}}
# ID copies (chalicelib/adapters/id_copies.py): signing a presigned POST needs the signer to hold
# PutObject and PutObjectTagging (the policy tags the upload); the check reads it, labels it,
# deletes a refused one (that version); a presigned GET needs GetObject.
ID_COPY_API = (
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:GetObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
)
ID_COPY_LABEL = ("s3:PutObjectTagging",)
KMS_USE = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")
XRAY_WRITE = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
LOG_WRITE = ("logs:CreateLogStream", "logs:PutLogEvents")


@dataclass(frozen=True)
class TableUse:
    actions: tuple[str, ...] = ()  # on the table ARN
    query: bool = False  # Query on the table itself (partition + sort key)
    indexes: tuple[str, ...] = ()  # Query on these GSIs


@dataclass(frozen=True)
class StreamUse:
    """The DynamoDB stream a function consumes (its event source mapping), and where failed batches go."""

    table: str  # the model's name in MODELS; its model must set ``stream_view_type``
    records: Mapping[str, Any]  # Lambda event filter: only matching records invoke the function
    failures: str  # on-failure SQS queue, ``bhxh-<stage>-<failures>``: batches that failed every retry


@dataclass(frozen=True)
class FunctionAccess:
    purpose: str
    tables: Mapping[str, TableUse] = field(default_factory=dict)
    send_notices: bool = False  # put notices on the notification queue
    consume_notices: bool = False  # the SQS event source and the worker's backoff on the notification queue
    dead_letter_notices: bool = False  # the worker moves permanent failures to the dead-letter queue itself
    stream: StreamUse | None = None  # the DynamoDB stream event source (and its on-failure queue)
    send_sms: bool = False
    send_email: bool = False
    trust_store: bool = False  # the trust-store layer (signed channel)
    id_copies: tuple[str, ...] = ()  # S3 actions on the ID-copy bucket's objects (id-copies/*)
    vneid_secret: bool = False  # reads VNeID's client secret (ssm:GetParameter on that one parameter)
    invoked_asynchronously: bool = False  # EventBridge/SNS: failed events go to the async failure queue


_OUTBOX_RECORD = {  # DynamoSqsOutbox.record: one transaction of notices + audit, replay reads the notices
    "notifications": TableUse((PUT, GET)),
    "audit": TableUse((PUT,)),
}
# record_receipt: the sparse index by provider message id, one conditional update (a transaction with the
# day's counters); a failed notice read whole (get); a decision's fallback: the sibling notice (get), one
# transaction marking the failed notice (update), storing the fallback notice (put; with none, a condition
# check that the decision has none yet) and its audit event.
_RECEIPTS = {
    "notifications": TableUse((GET, PUT, UPDATE, CHECK), indexes=("by_provider_message",)),
    "audit": TableUse((PUT,)),
    "stats": TableUse((UPDATE,)),  # the service report's delivered/failed counts, in the receipt's transaction
    "declarations": TableUse((GET,)),  # the decided declaration, whose history records the fallback
    "guards": TableUse((GET,)),  # an email fallback's address on the suppression list (is_email_suppressed)
}
_OUTBOX_NOTICES = {"notifications": TableUse((PUT, GET))}  # DynamoSqsOutbox.record with no audit event

TTL_PRINCIPAL = "dynamodb.amazonaws.com"

# Which stream records reach each stream handler (the handler checks the same thing; the filter saves
# the invocations and keeps records the handler ignores from being retried into the failure queue).
TTL_DELETIONS = {  # deletions made by the TTL process, not by a user
    "eventName": ["REMOVE"],
    "userIdentity": {"type": ["Service"], "principalId": [TTL_PRINCIPAL]},
}
NEW_ITEMS = {"eventName": ["INSERT"]}

ACCESS: dict[str, FunctionAccess] = {
    "app": FunctionAccess(
        purpose="HTTP API: declarations, officer desk, sign-in, accounts, recovery",
        tables={
            # create / receive / decide / cancel / record_decided (transactions), get, find_by_* (index +
            # batch get), awaiting_decision (overdue list)
            "declarations": TableUse(
                (GET, BATCH_GET, PUT, UPDATE), indexes=("by_code", "by_id_number", "by_bhxh_code", "by_office_due")
            ),
            # open-declaration, counter-code and account guards: put/update/delete/condition check in transactions;
            # a CCCD number's account (find_account: the account#id# guard, get)
            "guards": TableUse((GET, PUT, UPDATE, DELETE, CHECK)),
            "notifications": TableUse((PUT, GET)),
            "audit": TableUse((PUT,), query=True),  # history of a declaration
            # BHXH records cross-check; who an ID number belongs to (lookups, alerts to the registry's phone)
            "registry": TableUse((GET,), indexes=("by_id_number",)),
            "offices": TableUse((GET,), indexes=("by_province",)),
            "idempotency": TableUse((GET, PUT, UPDATE, DELETE)),  # Powertools idempotency persistence layer
            # a session refused for a password changed since it was read: a condition check, no write
            "accounts": TableUse((GET, PUT, UPDATE, CHECK)),
            # start_session (put), lift_restriction (update), logout (delete), end_sessions (index + batch delete)
            "sessions": TableUse((PUT, UPDATE, DELETE, BATCH_WRITE), indexes=("by_username",)),
            # progress report: the unit keys from the listing index, then the units by batch get
            "units": TableUse((BATCH_GET,), indexes=("listing",)),
            # service report counters: ADDs in the status-change transactions; the report's batch gets
            "stats": TableUse((UPDATE, BATCH_GET)),
        },
        send_notices=True,
        trust_store=True,
        id_copies=ID_COPY_API,
        vneid_secret=True,  # the VNeID callback exchanges the code with the client's credentials
    ),
    "session_authorizer": FunctionAccess(
        purpose="API Gateway authorizer: one conditional update that checks and extends the session",
        tables={"sessions": TableUse((UPDATE,))},
    ),
    "deliver_notifications": FunctionAccess(
        purpose="SQS worker: claims each notice, applies SMS limits and the email suppression list, sends; "
        "runs the tasks requests queue (alerts to the people a declaration names, cancellations, recovery)",
        tables={
            # claim_batch (batch get, then the claims in one transaction), claim, mark_sent(_batch) /
            # mark_failed / mark_suppressed; the tasks' notices (record: put, replay get)
            "notifications": TableUse((UPDATE, PUT, GET, BATCH_GET)),
            # admit_sms and claim_batch (transaction: two counters updated, one duplicate guard put; an email's
            # address not suppressed: a condition check), is_email_suppressed (get)
            "guards": TableUse((GET, PUT, UPDATE, CHECK)),
            # mark_sent: latency histogram ADDs in its transaction, then the conditional maximum; cancellations' tally
            "stats": TableUse((UPDATE,)),
            # alert and cancellation tasks: the declaration (get), the person's others (index + batch get),
            # cancel (transaction update); the emailed Form 01 renders the declaration (get)
            "declarations": TableUse((GET, BATCH_GET, UPDATE), indexes=("by_id_number", "by_bhxh_code")),
            "audit": TableUse((PUT,)),  # a cancellation's audit event, in its transaction
            "registry": TableUse((GET,), indexes=("by_id_number",)),  # who the declaration names
            "offices": TableUse((GET,)),  # the office on the emailed Form 01
            "accounts": TableUse((GET, UPDATE)),  # alert recipients; recovery: start_recovery, record_recovery_try
        },
        send_notices=True,  # the tasks' notices (alerts, cancellations, recovery codes) are queued
        consume_notices=True,
        dead_letter_notices=True,
        send_sms=True,
        send_email=True,
        id_copies=ID_COPY_LABEL,  # a cancelled dossier's copy goes to the 90-day retention rule
    ),
    "ses_feedback": FunctionAccess(
        purpose="SNS subscriber: SES events mark the notice delivered or failed (a decision's hard bounce "
        "falls back to SMS); bounces and complaints put addresses on the suppression list",
        tables={
            **_RECEIPTS,
            "guards": TableUse((GET, PUT)),  # the suppression list: written here, read by a fallback
        },
        send_notices=True,  # a hard bounce's SMS fallback
        invoked_asynchronously=True,
    ),
    "sms_delivery_status": FunctionAccess(
        purpose="CloudWatch Logs subscriber: SNS SMS delivery-status logs mark the notice delivered or failed; "
        "a decision's failed SMS falls back to email",
        tables=_RECEIPTS,
        send_notices=True,  # a failed SMS's email fallback
        invoked_asynchronously=True,
    ),
    "delivery_fallback_job": FunctionAccess(
        purpose="Every 5 minutes: a decision's SMS with no delivery receipt after the configured time falls "
        "back to email",
        tables={
            # unreceipted_sms, queued_of_kind: the day index; then as a receipt's fallback: the sibling notice
            # (get), one transaction marking the SMS (update), storing the fallback (put, or a condition check
            # when there is none) and its audit event
            "notifications": TableUse((GET, PUT, UPDATE, CHECK), indexes=("by_day",)),
            "audit": TableUse((PUT,)),
            "declarations": TableUse((GET,)),  # the decided declaration, whose history records the fallback
            "guards": TableUse((GET,)),  # an email fallback's address on the suppression list
        },
        send_notices=True,
        invoked_asynchronously=True,
    ),
    "on_declaration_change": FunctionAccess(
        purpose="DynamoDB stream (TTL deletions only): audit event, cancellation notices, expiry counter",
        tables={**_OUTBOX_RECORD, "stats": TableUse((UPDATE,))},  # the counter ADD in the record transaction
        send_notices=True,
        stream=StreamUse("declarations", TTL_DELETIONS, "declaration-stream-failures"),
    ),
    "on_account_issued": FunctionAccess(
        purpose="DynamoDB stream (new accounts only): counts a rostered person's registration in their unit",
        tables={
            # DynamoCampaignStore.count: the roster entry (consistent get), then one transaction that marks
            # it counted and adds to the unit's counters (two conditional updates)
            "roster": TableUse((GET, UPDATE)),
            "units": TableUse((UPDATE,)),
        },
        stream=StreamUse("accounts", NEW_ITEMS, "account-stream-failures"),
    ),
    "office_reminders_job": FunctionAccess(
        purpose="Daily: reminders 3 days and 1 day before an office declaration expires",
        tables={
            "declarations": TableUse(indexes=("by_expiry_day",)),
            "offices": TableUse((GET,)),
            **_OUTBOX_RECORD,
        },
        send_notices=True,
        invoked_asynchronously=True,
    ),
    "password_age_job": FunctionAccess(
        purpose="Daily: password-expiry reminders 14, 7, 1 days before and on the day",
        tables={"accounts": TableUse(indexes=("by_password_expiry",)), **_OUTBOX_RECORD},
        send_notices=True,
        invoked_asynchronously=True,
    ),
    "overdue_digest_job": FunctionAccess(
        purpose="Daily: each office's supervisors get the dossiers overdue and due tomorrow",
        tables={
            "offices": TableUse(indexes=("by_province",)),
            "declarations": TableUse(indexes=("by_office_due",)),
            "accounts": TableUse(indexes=("by_staff_office",)),
            **_OUTBOX_RECORD,
        },
        send_notices=True,
        invoked_asynchronously=True,
    ),
    "progress_digest_job": FunctionAccess(
        purpose="Daily: leadership gets every campaign unit's registration progress, worst first",
        tables={
            "units": TableUse((BATCH_GET,), indexes=("listing",)),  # the same reads as the progress report
            **_OUTBOX_NOTICES,  # one e-mail notice per leadership address, no audit event
        },
        send_notices=True,
        invoked_asynchronously=True,
    ),
}


def handler_name(handler: str) -> str:
    """``app.deliver_notifications`` -> ``deliver_notifications``; ``app.app`` -> ``app``."""
    module, _, name = handler.rpartition(".")
    if module != "app":
        raise ValueError(f"unexpected Lambda handler {handler!r}: the Chalice app lives in app.py")
    return name


def function_suffix(handler: str) -> str:
    """The part of the function's name after ``bhxh-<stage>-``."""
    name = handler_name(handler)
    return "api" if name == "app" else name.replace("_", "-")
