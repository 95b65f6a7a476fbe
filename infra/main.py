"""CDK entry point (``cdk synth|diff|deploy -c stage=NAME -c cors_origins=https://...`` from infra/)."""

from __future__ import annotations

from bhxh_infra import build_app

if __name__ == "__main__":
    app, _stack = build_app()
    app.synth()
