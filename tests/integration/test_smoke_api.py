from __future__ import annotations

import json
from typing import Any

from tests.builders import form


def post(client: Any, body: Any, **headers: str) -> Any:
    return client.http.post(
        "/v1/declarations", headers={"Content-Type": "application/json", **headers}, body=json.dumps(body)
    )


def test_submit_returns_201_awaiting_office(client: Any) -> None:
    response = post(client, form())
    assert response.status_code == 201, response.body
    body = json.loads(response.body)
    assert body["status"] == "awaiting_office"
