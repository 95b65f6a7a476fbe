"""The declaration state machine: which action is legal from which status.

    awaiting_office --receive--> received --approve--> approved
                                         --reject---> rejected
    awaiting_office --(10 days)--> expired
    awaiting_office, received --(another declaration of the person approved)--> cancelled
    paper: (typed in) --> received;  signed: --> approved / rejected

Every refusal has its own error; the stores enforce the same rule with a
conditional write, so a race can only produce one of these errors."""

from __future__ import annotations

from datetime import datetime

from .declaration import APPROVED, AWAITING_OFFICE, CANCELLED, EXPIRED, RECEIVED, REJECTED, Declaration
from .errors import (
    AlreadyDecidedError,
    AlreadyReceivedError,
    DeclarationCancelledError,
    DeclarationExpiredError,
    NotReceivedError,
    OtherOfficeError,
)

RECEIVE = "receive"
APPROVE = "approve"
REJECT = "reject"
ATTACH_ID_COPY = "attach_id_copy"  # a copy of the ID document, kept with a received dossier


def check(declaration: Declaration, action: str, now: datetime, office_code: str | None) -> None:
    """Raise the error that refuses ``action``, or return when it is legal."""
    status = declaration.effective_status(now)
    if status in (APPROVED, REJECTED):
        raise AlreadyDecidedError()
    if status == CANCELLED:
        raise DeclarationCancelledError()
    if status == EXPIRED:
        raise DeclarationExpiredError()
    if action == RECEIVE:
        if status == RECEIVED:
            raise AlreadyReceivedError()
        return
    if status == AWAITING_OFFICE:
        raise NotReceivedError()
    if declaration.received_office is not None and declaration.received_office != office_code:
        raise OtherOfficeError()
