"""The deployment and the code agree: every setting the code reads is decided here, on purpose."""

from __future__ import annotations

from typing import Any

from bhxh_infra import app_model
from conftest import PROD_CONTEXT, Synth, get_att

# Settings the code reads that the deployment leaves at the code's default, and why.
CODE_DEFAULTS = {
    "BHXH_MAX_BODY_BYTES": "request size limit: a property of the API contract, not of the environment",
    "BHXH_RETRY_BASE_SECONDS": "notice retry backoff: tuned in code against the queue's receive count",
    "BHXH_RETRY_CAP_SECONDS": "notice retry backoff: tuned in code against the queue's receive count",
    "BHXH_SMS_PER_HOUR": "anti-abuse SMS limits: policy, the same in every environment",
    "BHXH_SMS_PER_DAY": "anti-abuse SMS limits: policy, the same in every environment",
    "BHXH_SMS_DUPLICATE_MINUTES": "anti-abuse SMS limits: policy, the same in every environment",
    "BHXH_CRL_FETCH_TIMEOUT": "how long the signed channel waits for a CRL download: tuned in code",
    "BHXH_API_PORT": "local stack only (make run)",
    "BHXH_EMULATOR_PORT": "local stack only (make run)",
    "BHXH_VNEID_CLIENT_SECRET": "local stack only (the demo provider's); deployed stages read the SSM parameter",
}


def _variables(synth: Synth) -> dict[str, dict[str, Any]]:
    return {h: f["Properties"]["Environment"]["Variables"] for h, f in synth.functions().items()}


def test_every_variable_the_code_reads_is_set_or_knowingly_defaulted(prod: Synth) -> None:
    read = set().union(*app_model.environment_variables_read().values())
    for handler, variables in _variables(prod).items():
        undecided = read - set(variables) - set(CODE_DEFAULTS)
        assert not undecided, f"{handler}: set these in infra/ or add them to CODE_DEFAULTS with a reason: {undecided}"


def test_table_variables_name_the_deployed_tables(prod: Synth) -> None:
    for variables in _variables(prod).values():
        for name, spec in prod.stack.specs.items():
            assert variables[spec.env_var] == f"bhxh-prod-{name}"
        assert variables["BHXH_TABLE_PREFIX"] == "bhxh-prod-"
        assert variables["BHXH_STAGE"] == "prod"


def test_import_time_bindings_point_at_the_deployed_resources(prod: Synth) -> None:
    """app.py reads these at import for its decorators; each must name what the stack creates."""
    bindings = app_model.import_time_bindings()
    assert set(bindings) >= {
        "BHXH_NOTIFICATIONS_QUEUE",
        "BHXH_DECLARATIONS_STREAM_ARN",
        "BHXH_ACCOUNTS_STREAM_ARN",
        "BHXH_SES_FEEDBACK_TOPIC",
    }
    declarations = get_att(prod.logical_id(prod.stack.tables["declarations"]), "StreamArn")
    accounts = get_att(prod.logical_id(prod.stack.tables["accounts"]), "StreamArn")
    queue_name = prod.resources[prod.logical_id(prod.stack.queue)]["Properties"]["QueueName"]
    topic_name = prod.resources[prod.logical_id(prod.stack.ses_feedback)]["Properties"]["TopicName"]
    for variables in _variables(prod).values():
        assert variables["BHXH_NOTIFICATIONS_QUEUE"] == queue_name
        assert variables["BHXH_DECLARATIONS_STREAM_ARN"] == declarations
        assert variables["BHXH_ACCOUNTS_STREAM_ARN"] == accounts
        assert variables["BHXH_SES_FEEDBACK_TOPIC"] == topic_name
        assert variables["BHXH_NOTIFICATIONS_DLQ"] == "bhxh-prod-notifications-dlq"


def test_every_stream_arn_variable_names_its_tables_real_stream(prod: Synth) -> None:
    """One BHXH_<TABLE>_STREAM_ARN per table with a stream, in every function, no placeholder left."""
    streamed = {name: spec for name, spec in prod.stack.specs.items() if spec.stream_view_type}
    assert set(streamed) == {"declarations", "accounts"}
    bindings = app_model.import_time_bindings()
    for name, spec in streamed.items():
        assert spec.stream_env_var in bindings, f"app.py reads no {spec.stream_env_var}"
        stream = get_att(prod.logical_id(prod.stack.tables[name]), "StreamArn")
        for handler, variables in _variables(prod).items():
            assert variables[spec.stream_env_var] == stream, (handler, name)
    assert "set-by-infra" not in str(prod.json)


def test_leadership_emails_come_from_context(prod: Synth, uat: Synth) -> None:
    assert PROD_CONTEXT["leadership_emails"] == "lanhdao@baohiemxahoi.gov.vn,vanphong@baohiemxahoi.gov.vn"
    for variables in _variables(prod).values():
        assert variables["BHXH_LEADERSHIP_EMAILS"] == "lanhdao@baohiemxahoi.gov.vn,vanphong@baohiemxahoi.gov.vn"
    # None given (uat): allowed, the digest then goes to nobody, and the synthesis says so.
    for variables in _variables(uat).values():
        assert variables["BHXH_LEADERSHIP_EMAILS"] == ""
    assert _warnings(uat) == ["leadership_emails"]
    assert _warnings(prod) == []


def _warnings(synth: Synth) -> list[str]:
    from aws_cdk.assertions import Annotations, Match

    found = Annotations.from_stack(synth.stack).find_warning("*", Match.string_like_regexp("leadership_emails"))
    return ["leadership_emails" for _ in found]


def test_write_shards_are_pinned(prod: Synth) -> None:
    settings = app_model.settings_for("prod")
    for variables in _variables(prod).values():
        assert variables["BHXH_EXPIRY_SHARDS"] == str(settings.expiry_shards)
        assert variables["BHXH_PASSWORD_SHARDS"] == str(settings.password_shards)
        assert variables["BHXH_STATS_SHARDS"] == str(settings.stats_shards)


def test_signed_channel_policy_is_explicit(prod: Synth, uat: Synth) -> None:
    for synth in (prod, uat):
        for variables in _variables(synth).values():
            assert variables["BHXH_REVOCATION_MODE"] == "hard-fail"
            assert variables["BHXH_ALLOW_SHA1"] == "false"  # Thông tư 15/2025/TT-BKHCN: SHA-1 off
            assert variables["BHXH_CRL_FETCH"] == "true"


def test_function_environments_are_encrypted_with_the_data_key(prod: Synth) -> None:
    key = get_att(prod.logical_id(prod.stack.key))
    for handler, function in prod.functions().items():
        assert function["Properties"]["KmsKeyArn"] == key, handler


def test_signed_channel_gets_the_trust_store(prod: Synth) -> None:
    ((layer_id, layer),) = prod.of_type("AWS::Lambda::LayerVersion").items()
    assert layer["Properties"]["LayerName"] == "bhxh-prod-trust-store"
    api = prod.functions()["app"]["Properties"]
    assert api["Layers"] == [{"Ref": layer_id}]
    assert api["Environment"]["Variables"]["BHXH_TRUST_STORE"] == "/opt/trust-store"


def test_checkov_skips_are_justified(prod: Synth) -> None:
    skipped = 0
    for logical_id, resource in prod.resources.items():
        for entry in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert entry["id"].startswith("CKV"), logical_id
            assert len(entry.get("comment", "")) > 40, f"{logical_id}: {entry['id']} needs a real reason"
            skipped += 1
    assert skipped > 0
