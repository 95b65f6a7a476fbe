"""The cold-start baseline: the smallest Chalice app that has boto3 at hand."""

import boto3  # noqa: F401 - the baseline pays for boto3 as a Lambda handler would
from chalice import Chalice  # type: ignore[attr-defined]  # chalice re-exports it without __all__

app = Chalice(app_name="baseline")


@app.route("/")
def index() -> dict[str, str]:
    return {"status": "ok"}
