"""``python -m local``: the whole service on this machine (see README)."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import sys
import threading
import time
from pathlib import Path

from .env import api_port, apply_local_env, emulator_port, emulator_url, idp_port, web_port

ROOT = Path(__file__).resolve().parent.parent
LISTEN_BACKLOG = 128


def main() -> int:
    # Ctrl-C is ours from the start: a signal during start-up stops cleanly too.
    stopping = threading.Event()

    def stop(*_: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    apply_local_env()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the emulator's access log
    from .emulator import AtomicMotoServer

    # Each DynamoDB request atomic, as in AWS and in the tests (local/emulator.py).
    emulator = AtomicMotoServer(ip_address="127.0.0.1", port=emulator_port(), verbose=False)
    emulator.start()

    import boto3

    from chalicelib.config import load_settings

    from .demo_pki import local_pki_dir, write_local_demo
    from .resources import create_all
    from .seed import seed

    # A fresh demo CA and signer each start; the API reads its trust store.
    pki, demo_form = write_local_demo(local_pki_dir(ROOT))
    os.environ.setdefault("BHXH_TRUST_STORE", str(pki.trust_store))

    from .web import start as start_portal

    # The portal: web/ and a same-origin proxy of /v1 to the API (CloudFront does the same in production).
    # The desk posts ID copies straight to the bucket (the emulator): the portal's policy allows it.
    portal, _ = start_portal("127.0.0.1", web_port(), api_port(), upload_origin=emulator_url())
    portal_url = f"http://127.0.0.1:{portal.server_address[1]}"

    # The demo VNeID provider (local stage only), with a client secret of this run; VNeID sends the
    # person back to the portal's vneid.html. Set before anything reads the settings.
    from .vneid_idp import start as start_idp

    vneid_secret = secrets.token_urlsafe(24)
    idp, idp_provider = start_idp(
        "127.0.0.1", idp_port(), client_id="bhxh-local", client_secret=vneid_secret, stage="local"
    )
    os.environ.setdefault("BHXH_VNEID_ISSUER", idp_provider.issuer)
    os.environ.setdefault("BHXH_VNEID_CLIENT_ID", "bhxh-local")
    os.environ.setdefault("BHXH_VNEID_CLIENT_SECRET", vneid_secret)
    os.environ.setdefault("BHXH_VNEID_REDIRECT_URI", f"{portal_url}/vneid.html")

    settings = load_settings()
    session = boto3.session.Session()
    created = create_all(settings, session)
    seeded = seed()

    from chalice.cli.factory import CLIFactory

    from .access_log import redact_query_strings
    from .gateway import create_server

    redact_query_strings()  # no ID numbers of the deprecated query forms in the console

    factory = CLIFactory(str(ROOT))
    # chalice local, answering what API Gateway refuses with the deployed gateway responses.
    server = create_server(factory, "127.0.0.1", api_port(), "local")
    from .per_thread import per_thread_requests

    per_thread_requests(server.app_object)  # chalice local answers in threads; Lambda one at a time
    # A burst of connections is queued, as API Gateway would take it (HTTPServer's backlog is 5).
    server.server.socket.listen(LISTEN_BACKLOG)
    api_thread = threading.Thread(target=server.serve_forever, name="api", daemon=True)

    from app import deliver_notifications

    from .worker import Worker

    # The same handler Lambda's SQS event source calls.
    worker = Worker(deliver_notifications, session.client("sqs"), created["queue"])
    worker.start()

    from app import on_account_issued

    from .streams import StreamReader, StreamWorker

    # The same handler Lambda's DynamoDB stream event source calls: new accounts reach the campaign counters.
    accounts_stream = StreamWorker(
        "accounts-stream",
        on_account_issued,
        StreamReader(session.client("dynamodbstreams"), session.client("dynamodb"), settings.accounts_table),
    )
    accounts_stream.start()

    print(
        f"""
BHXH e-transaction registration: local stack
  portal ........ {portal_url}/  (citizen pages; officer desk {portal_url}/desk.html;
                  leadership dashboard {portal_url}/dashboard.html)
  API ........... http://127.0.0.1:{api_port()}/v1/health
  emulator ...... {emulator_url()}  (moto server: DynamoDB, SQS, SNS, SES, S3: the ID-document copies)
  seeded ........ {seeded["offices"]} BHXH offices, {seeded["participants"]} registry participants
                  (local/demo-participants.csv)
  demo officer .. username {seeded["officer"]}, temporary password {seeded["officer_password"]}
                  (POST /v1/auth/login, then change it: POST /v1/auth/password)
  sent SMS/email  {emulator_url()}/moto-api/data.json  (SMS under "sns" -> "SMS"; email under "ses")
                  or: python -m ops outbox
  demo reporter . username {seeded["reporter"]}, temporary password {seeded["reporter_password"]}
  campaign ...... {seeded["units"]} units, {seeded["rostered"]} rostered ({seeded["counted"]} registered already)
                  GET /v1/reports/progress?format=json|csv (reporter); python -m ops import-units|import-roster
  jobs .......... python -m ops run-job office-reminders|password-age|overdue-digest|progress-digest
                  |delivery-fallback
  VNeID (DEMO) .. {idp_provider.issuer}/  (a stand-in for VNeID, local only: any demo person, level 1 or 2)
                  POST /v1/auth/vneid/start {{"purpose": "register", "office_code": "BHXH-01"}} -> open
                  authorization_url, choose a person -> {portal_url}/vneid.html finishes it
  signed channel  demo root CA in {pki.trust_store} (BHXH_TRUST_STORE); signer {pki.uid}
                  key {pki.signer_key}, certificate chain {pki.signer_cert}
                  python -m ops sign-form01 {demo_form} --key {pki.signer_key} \\
                    --cert {pki.signer_cert} --out signed.xml
                  curl -X POST localhost:{api_port()}/v1/declarations/signed -H 'Content-Type: application/xml' \\
                    --data-binary @signed.xml
Ctrl-C stops everything.""",
        flush=True,
    )
    # The API answers only once everything behind it runs and the banner is out.
    api_thread.start()
    while not stopping.is_set():
        time.sleep(0.2)
    worker.stop()
    accounts_stream.stop()
    portal.shutdown()
    idp.shutdown()
    server.shutdown()
    emulator.stop()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
