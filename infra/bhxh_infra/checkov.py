"""Checkov skips, justified in place: ``Metadata.checkov.skip`` on the resource itself.

Only for findings that do not apply to this system; the reason is written next
to the id and shows in the synthesised template.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnResource
from constructs import IConstruct


def skip(target: IConstruct | CfnResource, reasons: dict[str, str]) -> None:
    """Add ``checkov: skip`` entries (check id -> reason) to a CloudFormation resource."""
    resource = target if isinstance(target, CfnResource) else target.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{target.node.path} has no CloudFormation resource to annotate")
    current: Any = resource.get_metadata("checkov") or {}
    entries = [e for e in current.get("skip", []) if e["id"] not in reasons]
    entries.extend({"id": check_id, "comment": reason} for check_id, reason in sorted(reasons.items()))
    resource.add_metadata("checkov", {"skip": entries})


# Reasons shared by several resources.
NO_VPC = (
    "The functions call only AWS public service endpoints (DynamoDB, SQS, SNS, SES, X-Ray) over TLS with "
    "IAM auth and the CAs' public CRL distribution points; there is nothing in a VPC to reach, and a VPC "
    "would need NAT for the CRLs and add cost and cold-start time."
)
NO_RESERVED_CONCURRENCY = (
    "Concurrency is bounded upstream (API Gateway stage throttling, SQS event source MaximumConcurrency, "
    "one EventBridge invocation a day); reserving account concurrency would fail on accounts with a "
    "small quota and cap the API below its throttle."
)
SYNC_NO_DLQ = (
    "Invoked synchronously (API Gateway) or by an event source mapping whose failures are handled by the "
    "source (SQS redrive to the dead-letter queue, stream on-failure destination); a Lambda DLQ only "
    "applies to asynchronous invocations."
)
