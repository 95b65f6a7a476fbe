"""Least privilege checked against what the code does: while a Lambda handler of app.py runs in a
test (the HTTP API, the authorizer, the worker, the event and schedule handlers), every AWS call it
makes is recorded and compared with what ``infra/bhxh_infra/permissions.py`` grants that function
(``ACCESS``), as IAM would authorise it (a transaction per item, an index query on the index). A call
the deployed role would refuse fails the test that made it: the grant must follow the code."""

from __future__ import annotations

import contextvars
import functools
import importlib.util
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PERMISSIONS = Path(__file__).resolve().parent.parent / "infra" / "bhxh_infra" / "permissions.py"
running: contextvars.ContextVar[str | None] = contextvars.ContextVar("running_function", default=None)


@functools.cache
def access() -> dict[str, Any]:
    """``ACCESS`` of infra/, loaded from its file (the package imports the CDK, which the app's venv lacks)."""
    spec = importlib.util.spec_from_file_location("_bhxh_permissions", PERMISSIONS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return dict(module.ACCESS)


TRANSACT_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}


def _dynamodb(operation: str, params: dict[str, Any]) -> Iterator[tuple[str, str, str | None]]:
    """(action, table, index) as IAM authorises the call."""
    if operation == "TransactWriteItems":
        for entry in params.get("TransactItems", []):
            kind, op = next(iter(entry.items()))
            yield TRANSACT_ACTIONS[kind], op["TableName"], None
    elif operation == "TransactGetItems":
        for entry in params.get("TransactItems", []):
            yield "dynamodb:GetItem", entry["Get"]["TableName"], None
    elif operation in ("BatchGetItem", "BatchWriteItem"):
        for table in params.get("RequestItems", {}):
            yield f"dynamodb:{operation}", table, None
    else:
        yield f"dynamodb:{operation}", params.get("TableName", ""), params.get("IndexName")


class Violations:
    def __init__(self, table_names: dict[str, str], queues: dict[str, str]) -> None:
        self.logical = {physical: logical for logical, physical in table_names.items()}
        self.queues = queues  # queue URL suffix (name) -> "notices" | "dead_letters"
        self.found: set[str] = set()

    def check(self, function: str, service: str, operation: str, params: dict[str, Any]) -> None:
        grant = access().get(function)
        if grant is None:
            self.found.add(f"{function}: no entry in ACCESS")
            return
        if service == "dynamodb":
            for action, physical, index in _dynamodb(operation, params):
                table = self.logical.get(physical, physical)
                use = grant.tables.get(table)
                if action == "dynamodb:Query":
                    allowed = use is not None and (index in use.indexes if index else use.query)
                else:
                    allowed = use is not None and action in use.actions
                if not allowed:
                    where = f"{table}/index/{index}" if index else table
                    self.found.add(f"{function}: {action} on {where}")
        elif service == "sqs":
            queue = next(
                (kind for name, kind in self.queues.items() if str(params.get("QueueUrl", "")).endswith(name)), None
            )
            if operation in ("SendMessage", "SendMessageBatch"):
                allowed = grant.dead_letter_notices if queue == "dead_letters" else grant.send_notices
            elif operation == "GetQueueUrl":
                allowed = grant.send_notices or grant.consume_notices or grant.dead_letter_notices
            else:  # receive, delete, change visibility, attributes: the event source's and the worker's
                allowed = grant.consume_notices
            if not allowed:
                self.found.add(f"{function}: sqs:{operation} on {queue or params.get('QueueUrl')}")
        elif service == "sns" and operation == "Publish":
            if not grant.send_sms or "PhoneNumber" not in params:  # topics are denied to every role
                self.found.add(f"{function}: sns:Publish")
        elif service in ("ses", "sesv2") and operation.startswith("Send") and not grant.send_email:
            self.found.add(f"{function}: ses:{operation}")
        elif service == "s3":
            action = {"HeadObject": "s3:GetObject", "GetObjectTagging": "s3:GetObject"}.get(
                operation, f"s3:{operation}"
            )
            if action not in grant.id_copies:
                self.found.add(f"{function}: {action}")
        elif service == "ssm" and operation == "GetParameter" and not grant.vneid_secret:
            self.found.add(f"{function}: ssm:GetParameter")


def _as(function: str, call: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(call)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = running.set(function)
        try:
            return call(*args, **kwargs)
        finally:
            running.reset(token)

    return wrapper


@contextmanager
def least_privilege(monkeypatch: Any, table_names: dict[str, str], queues: dict[str, str]) -> Iterator[Violations]:
    """Record and check the calls of every handler of app.py while active."""
    import botocore.client
    from chalice.app import Chalice

    import app

    violations = Violations(table_names, queues)
    for name in access():
        if name == "app":
            continue
        handler = getattr(app, name)
        wrapped = _as(name, handler.func if hasattr(handler, "func") else handler)
        if hasattr(handler, "func"):
            monkeypatch.setattr(handler, "func", wrapped)
    monkeypatch.setattr(Chalice, "__call__", _as("app", Chalice.__call__))

    original = botocore.client.BaseClient._make_api_call

    def checking(client: Any, operation_name: str, api_params: Any) -> Any:
        function = running.get()
        if function is not None:
            violations.check(function, client.meta.service_model.service_name, operation_name, dict(api_params))
        return original(client, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", checking)
    yield violations
