"""What the infrastructure learns from the application itself, so the two never drift.

* Tables, key schemas, GSIs (with their projections), TTL attributes and the
  streams come from the PynamoDB models in ``chalicelib/adapters/models.py`` (the
  same ``_get_schema()`` PynamoDB's ``create_table`` and ``local/resources.py`` use).
* Table and queue names come from ``chalicelib.config.load_settings`` for the stage.
* The queue's visibility timeout and receive count are the ones the local stack
  uses and the outbox's stale-claim rule assumes.
* The environment variables the code reads are found in its source, so a new
  one makes the infra tests ask whether the deployment must set it.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import Any

from .config import REPO_ROOT

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model

from chalicelib.adapters import models
from chalicelib.adapters.outbox import STALE_CLAIM
from chalicelib.config import Settings, load_settings
from local.resources import MAX_RECEIVES, VISIBILITY_TIMEOUT


@dataclass(frozen=True)
class KeySchema:
    partition: tuple[str, str]  # (attribute name, S/N/B)
    sort: tuple[str, str] | None


@dataclass(frozen=True)
class IndexSpec:
    name: str
    keys: KeySchema
    projection: str  # ALL, KEYS_ONLY, INCLUDE
    non_key_attributes: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    name: str  # the model's key in MODELS: declarations, guards ...
    keys: KeySchema
    indexes: tuple[IndexSpec, ...]
    ttl_attribute: str | None
    stream_view_type: str | None

    @property
    def env_var(self) -> str:
        """The variable of chalicelib/config.py that names this table."""
        return f"BHXH_{self.name.upper()}_TABLE"

    @property
    def stream_env_var(self) -> str:
        """The variable app.py reads at import for the stream decorator of this table's handler."""
        return f"BHXH_{self.name.upper()}_STREAM_ARN"


def _keys(key_schema: list[dict[str, str]], types: dict[str, str]) -> KeySchema:
    by_type = {k["KeyType"]: k["AttributeName"] for k in key_schema}
    partition = by_type["HASH"]
    sort = by_type.get("RANGE")
    return KeySchema((partition, types[partition]), (sort, types[sort]) if sort else None)


def table_spec(name: str, model: type[Model]) -> TableSpec:
    schema = model._get_schema()
    types = {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
    indexes = []
    for index in schema["global_secondary_indexes"]:
        projection = index["projection"]
        indexes.append(
            IndexSpec(
                name=index["index_name"],
                keys=_keys(index["key_schema"], types),
                projection=projection["ProjectionType"],
                non_key_attributes=tuple(projection.get("NonKeyAttributes", ())),
            )
        )
    if schema["local_secondary_indexes"]:
        raise NotImplementedError(f"{name}: local secondary indexes are not deployed by infra/ yet")
    ttl = [a.attr_name for a in model.get_attributes().values() if isinstance(a, TTLAttribute)]
    return TableSpec(
        name=name,
        keys=_keys(schema["key_schema"], types),
        indexes=tuple(sorted(indexes, key=lambda i: i.name)),
        ttl_attribute=ttl[0] if ttl else None,
        stream_view_type=getattr(model.Meta, "stream_view_type", None),
    )


def table_specs() -> dict[str, TableSpec]:
    return {name: table_spec(name, model) for name, model in models.MODELS.items()}


def settings_for(stage: str) -> Settings:
    """The app's own settings for ``stage`` with nothing else set: the names it expects."""
    saved = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith("BHXH_")}
    os.environ["BHXH_STAGE"] = stage
    try:
        return load_settings()
    finally:
        os.environ.pop("BHXH_STAGE", None)
        os.environ.update(saved)


# Queue settings shared with the local stack (local/resources.py). A claim older
# than STALE_CLAIM is taken over by another worker, so a message must not become
# visible again before that: the visibility timeout is at least STALE_CLAIM.
NOTICE_VISIBILITY_TIMEOUT_S = max(VISIBILITY_TIMEOUT, int(STALE_CLAIM.total_seconds()))
NOTICE_MAX_RECEIVES = MAX_RECEIVES

_ENV_NAME = re.compile(r"""["'](BHXH_[A-Z0-9_]+)["']""")


def environment_variables_read() -> dict[str, set[str]]:
    """``BHXH_*`` variables named in the code, by file (config.py at run time, app.py at import)."""
    found: dict[str, set[str]] = {}
    for relative in ("chalicelib/config.py", "app.py"):
        text = (REPO_ROOT / relative).read_text(encoding="utf-8")
        found[relative] = set(_ENV_NAME.findall(text))
    return found


def import_time_bindings() -> dict[str, str]:
    """The variables app.py reads at import for its decorators, with their local defaults."""
    text = (REPO_ROOT / "app.py").read_text(encoding="utf-8")
    return dict(re.findall(r"""os\.environ\.get\(\s*["'](BHXH_[A-Z0-9_]+)["'],\s*["']([^"']*)["']""", text))


def describe() -> dict[str, Any]:
    """A summary for humans (``python -m bhxh_infra.app_model``)."""
    return {
        "tables": {name: spec.__dict__ for name, spec in table_specs().items()},
        "visibility_timeout_s": NOTICE_VISIBILITY_TIMEOUT_S,
        "max_receives": NOTICE_MAX_RECEIVES,
        "env": {k: sorted(v) for k, v in environment_variables_read().items()},
    }


if __name__ == "__main__":
    import pprint

    pprint.pprint(describe())
