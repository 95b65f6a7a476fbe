from typing import Any
import pytest
from tests.integration import test_openapi as t

@pytest.mark.parametrize("name", ["approve-registry-mismatch", "reject", "history", "approve-other-office"])
def test_mutated(client: Any, clock: Any, name: str, monkeypatch: Any) -> None:
    schemas = t.SPEC["components"]["schemas"]
    if name == "approve-registry-mismatch":
        monkeypatch.setitem(schemas["Problem"], "then", {"required": ["differences", "nope"]})
    elif name == "reject":
        monkeypatch.setitem(schemas["RejectedDeclaration"]["properties"]["note"], "type", "null")
    elif name == "history":
        monkeypatch.setitem(schemas["HistoryEvent"]["properties"]["trace_id"], "type", "null")
    else:
        monkeypatch.setitem(t.SPEC["components"]["responses"]["DecisionForbidden"]["content"]["application/problem+json"]["schema"]["properties"]["code"], "enum", ["forbidden"])
    s = next(x for x in t.SCENARIOS if x.name == name)
    with pytest.raises(AssertionError):
        t.test_response_matches_the_document(client, clock, s)
