"""Item 2: every table from the PynamoDB models, on demand, PITR, customer-managed KMS, TTL, GSIs, stream."""

from __future__ import annotations

import pytest
from bhxh_infra import app_model
from conftest import Synth, get_att

from chalicelib.adapters import models

SPECS = app_model.table_specs()


def _tables(synth: Synth) -> dict[str, dict]:
    """Tables by the model's name (declarations, guards ...)."""
    prefix = "bhxh-prod-"
    return {
        t["Properties"]["TableName"].removeprefix(prefix): t["Properties"]
        for t in synth.of_type("AWS::DynamoDB::Table").values()
    }


def _key_schema(keys: app_model.KeySchema) -> list[dict[str, str]]:
    schema = [{"AttributeName": keys.partition[0], "KeyType": "HASH"}]
    if keys.sort:
        schema.append({"AttributeName": keys.sort[0], "KeyType": "RANGE"})
    return schema


def test_one_table_per_model(prod: Synth) -> None:
    assert set(_tables(prod)) == set(models.MODELS)
    assert len(prod.of_type("AWS::DynamoDB::Table")) == len(models.MODELS)


def test_table_names_are_the_apps_own(prod: Synth) -> None:
    expected = app_model.settings_for("prod").table_names()
    assert {name: f"bhxh-prod-{name}" for name in models.MODELS} == expected
    assert {f"bhxh-prod-{name}" for name in _tables(prod)} == set(expected.values())


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_table_matches_its_model(prod: Synth, name: str) -> None:
    spec = SPECS[name]
    table = _tables(prod)[name]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    key_id = prod.logical_id(prod.stack.key)
    assert table["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": get_att(key_id)}
    assert table["KeySchema"] == _key_schema(spec.keys)
    # Every GSI the code queries, with the model's keys and projection, and no other.
    deployed = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
    assert set(deployed) == {index.name for index in spec.indexes}
    for index in spec.indexes:
        gsi = deployed[index.name]
        assert gsi["KeySchema"] == _key_schema(index.keys)
        projection = {"ProjectionType": index.projection}
        if index.non_key_attributes:
            projection["NonKeyAttributes"] = list(index.non_key_attributes)
        assert gsi["Projection"] == projection
    # Attribute types as the model stores them (TTL and numbers N, dates and text S).
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    for attribute_name, attribute_type in [spec.keys.partition, *([spec.keys.sort] if spec.keys.sort else [])]:
        assert types[attribute_name] == attribute_type
    # TTL on the model's TTLAttribute; none where the model has none (audit, accounts ... never expire).
    if spec.ttl_attribute:
        assert table["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in table


def test_ttl_attributes_cover_what_expires(prod: Synth) -> None:
    with_ttl = {name for name, spec in SPECS.items() if spec.ttl_attribute}
    assert {"declarations", "guards", "sessions", "idempotency"} <= with_ttl
    assert "audit" not in with_ttl  # the audit trail is append-only and permanent


# The tables whose stream a handler reads, with the view each model asks for.
STREAMS = {
    "declarations": "NEW_AND_OLD_IMAGES",  # on_declaration_change: the expired declaration (old image)
    "accounts": "NEW_IMAGE",  # on_account_issued: the new account
}


def test_streams_are_the_models_and_no_others(prod: Synth) -> None:
    tables = _tables(prod)
    assert models.DeclarationModel.Meta.stream_view_type == STREAMS["declarations"]
    assert models.AccountModel.Meta.stream_view_type == STREAMS["accounts"]
    for name, table in tables.items():
        if name in STREAMS:
            assert table["StreamSpecification"] == {"StreamViewType": STREAMS[name]}, name
        else:
            assert "StreamSpecification" not in table, name


def test_accounts_stream_carries_only_the_new_image(prod: Synth) -> None:
    """on_account_issued needs the new account only: no old image (password hashes) in the stream."""
    accounts = _tables(prod)["accounts"]
    assert accounts["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}


def test_units_list_every_unit_on_a_keys_only_index(prod: Synth) -> None:
    units = _tables(prod)["units"]
    assert units["KeySchema"] == [{"AttributeName": "unit_code", "KeyType": "HASH"}]
    (listing,) = units["GlobalSecondaryIndexes"]
    assert listing == {
        "IndexName": "listing",
        "KeySchema": [
            {"AttributeName": "listing", "KeyType": "HASH"},
            {"AttributeName": "listing_key", "KeyType": "RANGE"},
        ],
        # Keys only: counter updates on a unit never write to the index.
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }
    types = {a["AttributeName"]: a["AttributeType"] for a in units["AttributeDefinitions"]}
    assert types == {"unit_code": "S", "listing": "S", "listing_key": "S"}
    assert "TimeToLiveSpecification" not in units  # campaign counters are kept


def test_roster_is_keyed_by_social_insurance_code(prod: Synth) -> None:
    roster = _tables(prod)["roster"]
    assert roster["KeySchema"] == [{"AttributeName": "bhxh_code", "KeyType": "HASH"}]
    assert "GlobalSecondaryIndexes" not in roster
    assert "TimeToLiveSpecification" not in roster


def test_the_key_is_customer_managed_and_rotated(prod: Synth) -> None:
    keys = prod.of_type("AWS::KMS::Key")
    assert len(keys) == 1
    key = next(iter(keys.values()))["Properties"]
    assert key["EnableKeyRotation"] is True
    assert key.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
