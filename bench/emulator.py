"""A moto server on a free local port, with every resource of ``local.resources``,
and this process's environment pointed at it (as ``local/env.py`` does)."""

from __future__ import annotations

import logging
import os
from typing import Any

from .report import log


class Emulator:
    def __init__(self) -> None:
        self._server: Any = None
        self._saved_env: dict[str, str] | None = None
        self.url = ""

    def start(self) -> Emulator:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"

        from local.env import DEFAULTS

        self._saved_env = dict(os.environ)
        for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(key, None)
        os.environ.update(DEFAULTS)  # overrides any real credentials: nothing here may reach AWS
        os.environ["AWS_ENDPOINT_URL"] = self.url
        os.environ["BHXH_NOTIFICATIONS_QUEUE"] = "bhxh-local-notifications"

        import boto3

        from chalicelib.config import load_settings
        from local.resources import create_all

        create_all(load_settings(), boto3.session.Session())
        log(f"moto server on {self.url}")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._saved_env is not None:
            os.environ.clear()
            os.environ.update(self._saved_env)
            self._saved_env = None

    def reset_registry(self) -> str:
        """Drop and re-create the registry table, so every run writes into an empty one."""
        from chalicelib.adapters import models
        from chalicelib.config import load_settings

        settings = load_settings()
        models.configure(settings)
        if models.ParticipantModel.exists():
            models.ParticipantModel.delete_table()
        models.ParticipantModel.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
        return settings.registry_table
