"""Issue 17, findings 4 and 5, in-process: parallel requests through
chalice.test.Client (one thread each, the emulator atomic per request as
DynamoDB is) never get a 5xx; a signed document replayed gets its first
answer; one person gets one account and one set of notices; and the
consistency check finds nothing afterwards. Then every way a transaction can
be refused maps to a decision or a problem (503 ``busy_try_again`` with
``Retry-After`` when a passing refusal outlasts the retries)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chalicelib.adapters.models import AccountModel, DeclarationModel, GuardModel, NotificationModel
from chalicelib.domain.participant import Participant
from tests.builders import form
from tests.id_copies import keep_copy, via_chalice
from tests.integration.emulator import drain, sent_sms
from tests.integration.test_officer_desk import call, receive, staff_token
from tests.pki import SigningPki, trusted_by
from tests.races import race

AN = Participant("0123456789", "NGUYỄN VĂN AN", "1989-05-02", "male", "001089020747", "+84912345678", "01")
Answer = tuple[int, dict[str, Any]]


@pytest.fixture
def threaded(client: Any, atomic_emulator: None) -> Iterator[Any]:
    """The test client, safe to call from several threads (as chalice local is, local/per_thread.py)."""
    from app import app
    from local.per_thread import per_thread_requests, restore

    original = per_thread_requests(app)
    yield client
    restore(app, original)


@pytest.fixture
def pki(container: Any) -> SigningPki:
    return trusted_by(container, AN)


def in_parallel(count: int, send: Callable[[], Any]) -> list[Answer]:
    """``count`` calls of ``send`` released together; their (status, body)."""

    def one(_: int) -> Answer:
        response = send()
        return response.status_code, json.loads(response.body) if response.body else {}

    answers = race(count, one)
    assert all(isinstance(answer, tuple) for answer in answers), answers  # no call raised
    return [answer for answer in answers if isinstance(answer, tuple)]


def no_5xx(answers: list[Answer]) -> None:
    assert [a for a in answers if a[0] >= 500] == []


def assert_consistent(aws: dict[str, Any], container: Any) -> None:
    """The notices delivered (as the worker would), then nothing impossible anywhere."""
    from chalicelib.adapters.consistency_scan import DynamoConsistencySource
    from chalicelib.services.consistency import check_consistency

    drain(aws)
    assert check_consistency(DynamoConsistencySource(), container.clock()) == []


def test_thirty_parallel_submissions_for_one_person_never_5xx(
    threaded: Any, container: Any, aws: dict[str, Any]
) -> None:
    answers = in_parallel(30, lambda: call(threaded, "POST", "/v1/declarations", form()))
    no_5xx(answers)
    created = [body for status, body in answers if status == 201]
    refused = [body for status, body in answers if status != 201]
    # All 201 once several declarations may coexist; until then 409 naming the state found.
    assert created and all(status in (201, 409) for status, _ in answers)
    assert {body["code"] for body in refused} <= {"open_declaration_exists", "account_exists"}
    assert {body["id"] for body in created} == {item.id for item in DeclarationModel.scan()}
    assert_consistent(aws, container)


def test_thirty_parallel_signed_replays_make_one_decision(
    threaded: Any, container: Any, pki: SigningPki, aws: dict[str, Any]
) -> None:
    signed = pki.sign()
    headers = {"Content-Type": "application/xml"}
    answers = in_parallel(30, lambda: threaded.http.post("/v1/declarations/signed", headers=headers, body=signed))
    no_5xx(answers)
    first = answers[0]
    assert first[0] == 201 and first[1]["status"] == "approved"
    assert all(answer == first for answer in answers)  # the same status and body, thirty times
    assert [item.id for item in DeclarationModel.scan()] == [first[1]["id"]]
    assert [item.username for item in AccountModel.scan()] == ["0123456789"]
    notices = sorted((n.kind, n.channel) for n in NotificationModel.scan())
    assert notices == [("account_approved", "email"), ("account_approved", "sms")]
    assert len([g for g in GuardModel.scan() if g.key.startswith("signed#")]) == 1

    later = threaded.http.post("/v1/declarations/signed", headers=headers, body=signed)
    assert (later.status_code, json.loads(later.body)) == first
    assert NotificationModel.count() == 2
    assert_consistent(aws, container)
    assert [phone for phone, _ in sent_sms()] == ["+84912345678"]  # one SMS, the approval's


def test_twenty_parallel_approvals_make_one_account(
    threaded: Any, container: Any, aws: dict[str, Any], atomic_emulator: None
) -> None:
    container.registry.put_many([AN])
    officer = staff_token(threaded, container, "0100000001", "BHXH-01")
    created = json.loads(call(threaded, "POST", "/v1/declarations", form()).body)
    assert receive(threaded, officer, created["id"]).status_code == 200
    keep_copy(via_chalice(threaded, officer), created["id"])

    path = f"/v1/declarations/{created['id']}/approve"
    answers = in_parallel(20, lambda: call(threaded, "POST", path, {}, token=officer))
    no_5xx(answers)
    assert sorted(status for status, _ in answers) == [200] + [409] * 19, answers
    assert {body["code"] for status, body in answers if status == 409} == {"already_decided"}
    citizens = [a.username for a in AccountModel.scan() if "citizen" in a.roles]
    assert citizens == ["0123456789"]
    decision = [
        (n.kind, n.channel)
        for n in NotificationModel.scan()
        if n.source == f"declaration#{created['id']}" and n.kind != "dossier_received"
    ]
    assert sorted(decision) == [("account_approved", "email"), ("account_approved", "sms")]
    assert_consistent(aws, container)


# --- every transaction outcome maps to a decision or a problem (finding 5) ---------------


def refuse_transactions(monkeypatch: pytest.MonkeyPatch, times: int, *, code: str, whole: bool = False) -> list[int]:
    """The next ``times`` TransactWriteItems are refused: a cancellation naming
    ``code`` for the first item, or (``whole``) a request error ``code``."""
    import botocore.client
    from botocore.exceptions import ClientError

    original = botocore.client.BaseClient._make_api_call
    tries: list[int] = []

    def refused(self: Any, operation_name: str, api_params: Any) -> Any:
        tables = {
            entry.get("TableName", "")
            for item in api_params.get("TransactItems", [])
            for entry in item.values()
            if isinstance(entry, dict)
        }
        # The declaration's own transaction (a submission may also record an alert to the registry's phone).
        if operation_name == "TransactWriteItems" and any(t.endswith("-declarations") for t in tables):
            tries.append(1)
            if len(tries) <= times:
                if whole:
                    raise ClientError({"Error": {"Code": code, "Message": "not now"}}, operation_name)
                items = api_params["TransactItems"]
                reasons = [
                    {"Code": code, "Message": "not now"} if i == 0 else {"Code": "None"} for i in range(len(items))
                ]
                error = {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}
                raise ClientError({"Error": error, "CancellationReasons": reasons}, operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refused)
    return tries


@pytest.mark.parametrize(
    ("code", "whole"),
    [
        ("TransactionConflict", False),
        ("ThrottlingError", False),
        ("ProvisionedThroughputExceeded", False),
        ("ThrottlingException", True),
        ("TransactionInProgressException", True),
        ("InternalServerError", True),
    ],
)
def test_a_passing_refusal_is_sent_again_and_the_request_succeeds(
    client: Any, monkeypatch: pytest.MonkeyPatch, code: str, whole: bool
) -> None:
    tries = refuse_transactions(monkeypatch, 3, code=code, whole=whole)
    response = call(client, "POST", "/v1/declarations", form())
    assert response.status_code == 201, response.body
    assert len(tries) == 4
    assert DeclarationModel.count() == 1


def test_a_refusal_that_persists_is_503_busy_with_retry_after_and_writes_nothing(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters.transactions import TRANSIENT_RETRIES

    tries = refuse_transactions(monkeypatch, 1000, code="TransactionConflict")
    response = call(client, "POST", "/v1/declarations", form(), **{"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.headers["Retry-After"] == "2"
    body = json.loads(response.body)
    assert (body["code"], body["status"]) == ("busy_try_again", 503)
    assert body["title"].startswith("The service is busy")
    assert len(tries) == TRANSIENT_RETRIES + 1
    assert DeclarationModel.count() == 0 and GuardModel.count() == 0


def test_a_malformed_transaction_is_a_defect_not_a_retry(monkeypatch: pytest.MonkeyPatch, container: Any) -> None:
    from pynamodb.exceptions import TransactWriteError

    from tests.integration.test_stats_contract import submit

    tries = refuse_transactions(monkeypatch, 1000, code="ValidationError")
    with pytest.raises(TransactWriteError):
        submit(container.declarations)
    assert len(tries) == 1


def test_a_lost_race_no_use_case_explained_is_409_conflict(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import chalicelib.services.submit_office_declaration as module
    from chalicelib.domain.errors import ConcurrentChangeError

    def lost(*args: Any, **kwargs: Any) -> Any:
        raise ConcurrentChangeError()

    monkeypatch.setattr(module, "submit_office_declaration", lost)
    response = call(client, "POST", "/v1/declarations", form())
    assert response.status_code == 409
    assert json.loads(response.body)["code"] == "conflict"
