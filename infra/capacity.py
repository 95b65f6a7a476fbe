"""Capacity for 17 million accounts, from the ``make bench`` figures and stated assumptions.

    .venv/bin/python infra/capacity.py                     # print the markdown
    .venv/bin/python infra/capacity.py --write docs/operations.md   # replace the table there
    make capacity                                           # the same as --write

Inputs:

* ``bench/results.json`` (``make bench``): DynamoDB requests per submission,
  status read, receive, approve, login and authorized request (with the
  operations behind them, which split reads from writes), items read per
  account due by the password-age job, the login latency, a progress report's
  requests and the accounts-stream handler's per new account. Without the
  file, or without one of these figures, nothing is computed: it says what to run.
* Item sizes, measured: a representative item of each table is built with the
  application's own PynamoDB models and sized with DynamoDB's rules (attribute
  names + values; GSI copies + 100 bytes of index overhead).
* ``ASSUMPTIONS`` below: population, activity on a peak day, durations.
  Change them here; every figure in the output says where it comes from.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

RESULTS = REPO_ROOT / "bench" / "results.json"
START = "<!-- capacity:start -->"
END = "<!-- capacity:end -->"

ASSUMPTIONS: dict[str, tuple[float, str]] = {
    "accounts": (17_000_000, "accounts, one per person (the target population)"),
    "registrations_per_peak_day": (170_000, "registrations on a peak day (1 % of the population: a campaign deadline)"),
    "office_share": (0.60, "share of registrations through the office channel (online form, dossier at an office)"),
    "paper_share": (0.25, "share through paper forms typed in by officers"),
    "signed_share": (0.15, "share through signed XML, decided on arrival"),
    "received_share": (0.90, "office declarations brought to an office within 10 days (the rest expire)"),
    "status_reads_per_declaration": (3, "status reads by the declarant per online declaration"),
    "declarations_per_account": (1.15, "declarations per account over time (rejections, expiries, then success)"),
    "sign_ins_per_peak_day": (510_000, "sign-ins on a peak day (3 % of accounts)"),
    "authorized_requests_per_sign_in": (8, "authorized API requests per session"),
    "email_share": (0.60, "declarants who give an email address (SMS goes to everyone)"),
    "password_reminder_days": (4, "password reminders per 183-day cycle (14, 7, 1 days before, on the day)"),
    "password_cycle_days": (183, "password lifetime in days"),
    "audit_events_per_declaration": (3, "audit events per declaration (submitted, received, decided)"),
    "notices_per_account_first_year": (14, "notices per account in its first year (decision + password reminders)"),
    "guards_per_account": (3, "guard items kept per account (social-insurance code, ID number, counter code)"),
    "peak_hour_share": (0.15, "share of a day's traffic in its busiest hour"),
    "peak_second_factor": (2.0, "busiest second / average second of the busiest hour"),
    "lambda_cpu_factor": (3.5, "slowdown of CPU-bound work (Argon2id) on a 512 MB function (~0.29 vCPU) vs the bench"),
    "api_request_ms": (80, "duration of a non-login API request (2-3 DynamoDB round trips + Lambda overhead)"),
    "authorizer_ms": (25, "duration of the authorizer (one conditional UpdateItem)"),
    "notice_send_ms": (150, "worker time per notice (claim, SMS/SES call, mark sent)"),
    "notice_writes": (3, "DynamoDB writes per notice sent (claim, SMS limits transaction, mark sent)"),
    "campaign_units": (1_000, "campaign units (provincial BHXH offices and central units; the bench's scale)"),
    "rostered_staff": (1_000_000, "people on the campaign rosters (`import-roster`; the bench's scale)"),
    "rostered_registrations_per_peak_day": (
        20_000,
        "rostered people whose account is issued on a peak day (2 % of the rosters: before the deadlines)",
    ),
    "progress_reads_per_day": (500, "progress reports read per day (JSON or CSV), plus the 07:30 digest"),
    "campaign_days": (90, "days a unit's daily counters cover (one `daily` entry per day and channel)"),
}

NEEDED = {
    "dynamodb_requests_per_office_submission": "dynamodb_requests",
    "dynamodb_requests_per_status_read": "dynamodb_requests",
    "dynamodb_requests_per_receive": "dynamodb_requests",
    "dynamodb_requests_per_approve": "dynamodb_requests",
    "dynamodb_requests_per_login": "sign_in",
    "dynamodb_requests_per_authorized_request": "sign_in",
    "login_latency_p50_ms": "sign_in",
    "password_age_reads_per_due": "password_age",
    "dynamodb_requests_per_progress_report": "campaign",
    "dynamodb_requests_per_counted_registration": "campaign",
}
READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}


class MissingFigures(Exception):
    pass


def a(name: str) -> float:
    return ASSUMPTIONS[name][0]


# --- bench figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class PerRequest:
    reads: float
    writes: float
    source: str


def load_figures(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        raise MissingFigures(f"{path} not found: run `make bench` first (nothing was computed).")
    data = json.loads(path.read_text(encoding="utf-8"))
    figures = {f["name"]: f for f in data.get("figures", []) if f.get("value") is not None}
    missing = sorted(set(NEEDED) - set(figures))
    if missing:
        groups = sorted({NEEDED[m] for m in missing})
        raise MissingFigures(
            f"{path} lacks {', '.join(missing)}: run `make bench` (or `.venv/bin/python -m bench --only "
            f"{','.join(groups)}`) first (nothing was computed)."
        )
    return figures


def split(figure: dict[str, Any]) -> PerRequest:
    """Requests per operation from the bench figure, split into reads and writes by its operations."""
    operations = {k.partition(".")[2] or k: v for k, v in figure["details"]["operations"].items() if "sqs" not in k}
    total = sum(operations.values())
    reads = sum(v for k, v in operations.items() if k in READS)
    value = float(figure["value"])
    return PerRequest(value * reads / total, value * (total - reads) / total, f"bench `{figure['name']}`")


# --- item sizes --------------------------------------------------------------------------


def _value_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = len(str(inner).lstrip("-").replace(".", "").lstrip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "SS":
        return sum(len(v.encode()) for v in inner)
    if kind == "L":
        return 3 + sum(_value_size(v) + 1 for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_size(v) + 1 for k, v in inner.items())
    raise ValueError(kind)


def item_size(model: Any) -> int:
    """Bytes DynamoDB counts for an item: attribute names plus values."""
    return sum(len(name.encode()) + _value_size(value) for name, value in model.serialize().items())


def sample_items() -> dict[str, Any]:
    """A representative item per table, built with the application's models."""
    from chalicelib.adapters import models as m

    now = datetime(2026, 11, 14, 2, 30, tzinfo=UTC)
    argon2 = "$argon2id$v=19$m=65536,t=3,p=4$" + "S" * 22 + "$" + "H" * 43
    form = {
        "full_name": "Nguyễn Thị Thanh Hương",
        "date_of_birth": "1989-04-12",
        "gender": "female",
        "nationality": "VN",
        "bhxh_code": "0123456789",
        "id_document": {
            "type": "cccd",
            "number": "001189020747",
            "issued_on": "2021-04-01",
            "issued_by": "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
        },
        "phone": "+84912345678",
        "email": "huong.nguyen@example.vn",
        "address": "Số 12 ngõ 34 phố Trần Duy Hưng, phường Trung Hòa, quận Cầu Giấy, Hà Nội",
        "office_code": "BHXH-01-005",
        "unit_code": "DV-01-0042",
    }
    declaration = m.DeclarationModel(
        "6f1c2b1e-7c1a-4b8e-9d4f-2a1b3c4d5e6f",
        code="K7PQ3M9X",
        channel="office",
        status="approved",
        form=form,
        id_number="001189020747",
        bhxh_code="0123456789",
        office_code="BHXH-01-005",
        created_at=now,
        confirmed_at=now,
        received_at=now,
        received_office="BHXH-01-005",
        received_by="0100000001",
        due_by="2026-11-19",
        decided_at=now,
        decided_by="0100000001",
    )
    account = m.AccountModel(
        "0123456789",
        full_name=form["full_name"],
        phone=form["phone"],
        email=form["email"],
        identity_key="cccd#001189020747",
        roles={"citizen"},
        password_hash=argon2,
        password_set_at=now,
        temporary=False,
        password_history=[argon2] * 5,
        password_expiry_shard="2027-05-16#11",  # noqa: S106 - an index key, not a password
        failed_logins=0,
        created_at=now,
        channel="office",
    )
    sms = m.NotificationModel(
        "declaration#6f1c2b1e-7c1a-4b8e-9d4f-2a1b3c4d5e6f#approved#sms",
        kind="approved",
        channel="sms",
        recipient=form["phone"],
        text="B" * 155,
        template_version="2026-11",
        source="declaration#6f1c2b1e",
        status="sent",
        attempts=1,
        created_at=now,
        claimed_at=now,
        sent_at=now,
        day="2026-11-14",
        provider_message_id="0" * 36,
        latency_seconds=4.2,
    )
    email = m.NotificationModel(
        "declaration#6f1c2b1e-7c1a-4b8e-9d4f-2a1b3c4d5e6f#approved#email",
        kind="approved",
        channel="email",
        recipient=form["email"],
        subject="BHXH Việt Nam: đăng ký giao dịch điện tử thành công",
        text="Kính gửi bà Nguyễn Thị Thanh Hương, " * 25,
        html="<p>Kính gửi bà Nguyễn Thị Thanh Hương,</p>" * 30,
        template_version="2026-11",
        source="declaration#6f1c2b1e",
        status="sent",
        attempts=1,
        created_at=now,
        claimed_at=now,
        sent_at=now,
        day="2026-11-14",
        provider_message_id="0" * 60,
        latency_seconds=5.1,
    )
    days = int(a("campaign_days"))
    unit = m.UnitModel(
        "BHXH-01",
        name="Bảo hiểm xã hội thành phố Hà Nội",
        province_code="01",
        deadline="2026-12-31",
        listing="unit",
        listing_key="01#BHXH-01",
        roster=2_400,
        registered=1_850,
        # One counter per day and channel: the item grows with the campaign (by_listing is keys-only,
        # so the index copy does not).
        daily={
            f"{(now - timedelta(days=day)).date().isoformat()}#{channel}": 12
            for day in range(days)
            for channel in ("signed", "office", "paper")
        },
    )
    roster = m.RosterModel(
        "0123456789",
        unit_code="BHXH-01",
        full_name=form["full_name"],
        rostered_at=now,
        registered_on="2026-11-14",
        channel="office",
    )
    return {
        "declarations": declaration,
        "accounts": account,
        "guards": m.GuardModel("account#bhxh#0123456789", owner="0123456789"),
        "audit": m.AuditModel(
            "6f1c2b1e-7c1a-4b8e-9d4f-2a1b3c4d5e6f",
            "2026-11-14T02:30:00.000000+0000#approved",
            from_status="received",
            to_status="approved",
            actor="0100000001",
            channel="office",
            office_code="BHXH-01-005",
            trace_id="1-6735a1b2-0123456789abcdef01234567",
            at=now,
        ),
        "registry": m.ParticipantModel(
            "0123456789",
            full_name=form["full_name"],
            date_of_birth="1989-04-12",
            gender="female",
            id_number="001189020747",
            phone=form["phone"],
            province_code="01",
        ),
        "notification_sms": sms,
        "notification_email": email,
        "sessions": m.SessionModel(
            "a" * 64,
            username="0123456789",
            roles={"citizen"},
            restricted=False,
            created_at=now,
            idle_expires_at=now,
            absolute_expires_at=now,
            password_expires_at=now,
        ),
        "units": unit,
        "roster": roster,
    }


# --- the model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    what: str
    value: str
    how: str


def _storage(size_bytes: float) -> str:
    if size_bytes < 1e8:  # the campaign's tables: megabytes
        return f"{size_bytes / 1e6:,.1f} MB"
    return f"{size_bytes / 1e9:,.1f} GB"


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _n(value: float) -> str:
    return f"{value:,.0f}"


def compute(figures: dict[str, dict[str, Any]]) -> dict[str, list[Row]]:
    items = sample_items()
    size = {name: item_size(model) for name, model in items.items()}
    accounts = a("accounts")
    declarations = accounts * a("declarations_per_account")
    index_overhead = 100
    notice_size = a("email_share") * size["notification_email"] + size["notification_sms"]
    notice_size /= 1 + a("email_share")

    storage_bytes = [
        (
            "accounts",
            accounts * (size["accounts"] + 260 + index_overhead),
            f"{_n(accounts)} × ({size['accounts']} B item + ~260 B in `by_password_expiry` + 100 B index overhead)",
        ),
        (
            "declarations",
            declarations * (size["declarations"] + 3 * (90 + index_overhead)),
            f"{_n(declarations)} × ({size['declarations']} B + three keys-only GSIs; "
            "the sparse GSIs hold only open ones)",
        ),
        (
            "guards",
            accounts * a("guards_per_account") * size["guards"],
            f"{_n(accounts)} × {a('guards_per_account'):g} × {size['guards']} B",
        ),
        (
            "audit",
            declarations * a("audit_events_per_declaration") * size["audit"],
            f"{_n(declarations)} × {a('audit_events_per_declaration'):g} events × {size['audit']} B",
        ),
        (
            "notifications (13 months, then TTL)",
            accounts * a("notices_per_account_first_year") * 13 / 12 * (notice_size + 120 + 110),
            f"{_n(accounts)} × {a('notices_per_account_first_year'):g} × 13/12 × {notice_size:,.0f} B (SMS "
            f"{size['notification_sms']} B, email {size['notification_email']:,} B) + `by_day` copy + "
            "`by_provider_message` (receipts); kept 13 months by TTL, so it stops growing after the first year",
        ),
        ("registry", accounts * size["registry"], f"{_n(accounts)} × {size['registry']} B"),
        (
            "units (campaign)",
            a("campaign_units") * (size["units"] + 40 + index_overhead),
            f"{_n(a('campaign_units'))} × ({size['units']:,} B with {a('campaign_days'):g} days of daily counters "
            "+ keys-only `listing` GSI)",
        ),
        (
            "roster (campaign)",
            a("rostered_staff") * size["roster"],
            f"{_n(a('rostered_staff'))} × {size['roster']} B",
        ),
    ]
    storage = [Row(what, _storage(value), how) for what, value, how in storage_bytes]
    total = sum(value for _what, value, _how in storage_bytes)
    storage.append(Row("**total**", f"**{_storage(total)}**", "sessions, idempotency and offices are negligible (TTL)"))

    submit = split(figures["dynamodb_requests_per_office_submission"])
    status = split(figures["dynamodb_requests_per_status_read"])
    receive = split(figures["dynamodb_requests_per_receive"])
    approve = split(figures["dynamodb_requests_per_approve"])
    login = split(figures["dynamodb_requests_per_login"])
    authorized = split(figures["dynamodb_requests_per_authorized_request"])
    age = figures["password_age_reads_per_due"]
    age_reads = float(age["value"])
    age_writes = age["details"]["operations"].get("TransactWriteItems", 0) / max(1, age["details"]["due"])

    registrations = a("registrations_per_peak_day")
    office = registrations * a("office_share")
    paper = registrations * a("paper_share")
    signed = registrations * a("signed_share")
    received = office * a("received_share")
    decided = received + paper + signed
    sign_ins = a("sign_ins_per_peak_day")
    api_requests = sign_ins * a("authorized_requests_per_sign_in")
    due = accounts / a("password_cycle_days") * a("password_reminder_days")
    notices = decided * (1 + a("email_share")) + due * (1 + a("email_share"))
    report = figures["dynamodb_requests_per_progress_report"]
    counted = figures["dynamodb_requests_per_counted_registration"]
    # count_issued_account: one consistent GetItem on the roster for every new account (all a person on no
    # roster costs), then one TransactWriteItems for a rostered person not counted yet.
    lookup = float(counted["details"]["not_rostered_mean"])
    counting = PerRequest(0, float(counted["value"]) - lookup, "bench `dynamodb_requests_per_counted_registration`")
    # The report's requests depend on the number of units only (one listing page, a BatchGetItem per 100).
    per_report = split(report)
    report_scale = a("campaign_units") / float(report["details"]["units"])
    per_report = PerRequest(per_report.reads * report_scale, per_report.writes * report_scale, per_report.source)

    flows = [
        ("office submissions", office, submit, ""),
        ("status reads", (office + signed) * a("status_reads_per_declaration"), status, ""),
        ("receipts at the office", received, receive, ""),
        ("paper dossiers typed in", paper, submit, "estimated as a submission"),
        ("signed declarations", signed, approve, "estimated as an approval (decided on arrival)"),
        ("approvals and rejections", received + paper, approve, ""),
        ("sign-ins", sign_ins, login, ""),
        ("authorized requests", api_requests, authorized, "the authorizer's one write"),
        (
            "password-age job",
            due,
            PerRequest(age_reads, age_writes, "bench `password_age_reads_per_due`"),
            "items read and notice transactions per account due",
        ),
        ("notices sent", notices, PerRequest(0, a("notice_writes"), "assumption `notice_writes`"), ""),
        (
            "accounts stream: roster look-ups",
            decided,
            PerRequest(lookup, 0, "bench `dynamodb_requests_per_counted_registration`, `not_rostered_mean`"),
            "every decision taken as an issued account; rostered or not",
        ),
        (
            "accounts stream: registrations counted",
            a("rostered_registrations_per_peak_day"),
            counting,
            "one transaction: the roster entry and the unit's counters",
        ),
        (
            "progress reports and digest",
            a("progress_reads_per_day"),
            per_report,
            f"for {_n(a('campaign_units'))} units; never per person",
        ),
    ]
    requests = []
    total_reads = total_writes = 0.0
    for label, count, per, note in flows:
        reads, writes = count * per.reads, count * per.writes
        total_reads += reads
        total_writes += writes
        requests.append(
            Row(
                label,
                f"{_n(reads)} / {_n(writes)}",
                f"{_n(count)} × ({per.reads:g} r + {per.writes:g} w, {per.source}) {note}".rstrip(),
            )
        )
    peak = a("peak_hour_share") / 3600 * a("peak_second_factor")
    requests.append(
        Row(
            "**total per peak day**",
            f"**{_n(total_reads)} / {_n(total_writes)}**",
            f"peak ≈ {_n(total_reads * peak)} reads/s, {_n(total_writes * peak)} writes/s "
            f"(on demand: no capacity to provision)",
        )
    )

    login_ms = float(figures["login_latency_p50_ms"]["value"]) * a("lambda_cpu_factor")
    api_per_day = office + (office + signed) * a("status_reads_per_declaration") + received + paper + signed
    api_per_day += received + paper + api_requests
    api_rps = api_per_day * peak
    login_rps = sign_ins * peak
    api_concurrency = api_rps * a("api_request_ms") / 1000 + login_rps * login_ms / 1000
    authorizer_concurrency = api_requests * peak * a("authorizer_ms") / 1000
    worker_concurrency = notices * peak * a("notice_send_ms") / 1000
    deployed = json.loads((REPO_ROOT / "infra" / "cdk.json").read_text(encoding="utf-8"))["context"]
    throttle = deployed["api_throttle_rate"]
    sms_rate = notices * peak / (1 + a("email_share"))
    email_rate = notices * peak * a("email_share") / (1 + a("email_share"))
    concurrency = [
        Row(
            "API (`bhxh-<stage>-api`)",
            _n(math.ceil(api_concurrency)),
            f"{_n(api_rps)} req/s × {a('api_request_ms'):g} ms + {_n(login_rps)} sign-ins/s × {login_ms:,.0f} ms "
            f"(bench `login_latency_p50_ms` {float(figures['login_latency_p50_ms']['value']):.0f} ms × "
            f"{a('lambda_cpu_factor'):g})",
        ),
        Row(
            "authorizer",
            _n(math.ceil(authorizer_concurrency)),
            f"{_n(api_requests * peak)} req/s × {a('authorizer_ms'):g} ms",
        ),
        Row(
            "notice worker",
            _n(math.ceil(worker_concurrency)),
            f"{_n(notices * peak)} notices/s × {a('notice_send_ms'):g} ms (the SQS source is capped at "
            f"{deployed['notice_worker_max_concurrency']}, `notice_worker_max_concurrency` in cdk.json)",
        ),
        Row(
            "daily jobs, stream handlers",
            "1–2",
            "one invocation per schedule; stream batches of 25 TTL deletions and of 100 new accounts "
            "(one concurrent batch per stream shard)",
        ),
        Row(
            "**peak total**",
            f"**{_n(math.ceil(api_concurrency + authorizer_concurrency + worker_concurrency) + 2)}**",
            f"account quota 1,000 by default; peak API rate {_n(api_rps + login_rps)} req/s vs the stage throttle "
            f"{throttle} req/s (`api_throttle_rate` in cdk.json)",
        ),
        Row(
            "SMS / emails per second at peak",
            f"{sms_rate:,.0f} / {email_rate:,.0f}",
            "SNS's default SMS rate (20/s) and a new SES account's rate need raising before the campaign "
            "(docs/operations.md, quotas)",
        ),
    ]
    sizes = [
        Row(name, f"{value:,} B", f"a representative `{type(items[name]).__name__}`, sized by DynamoDB's rules")
        for name, value in size.items()
    ]
    return {"storage": storage, "requests": requests, "concurrency": concurrency, "sizes": sizes}


def render(figures: dict[str, dict[str, Any]], meta: dict[str, Any]) -> str:
    tables = compute(figures)
    source = f"`make bench` figures of {meta.get('generated_at', 'an unknown date')}"
    if meta.get("cpus"):
        source += f" ({meta['cpus']} CPUs, Python {meta.get('python', '?')})"
    out = [
        START,
        f"Generated by `infra/capacity.py` from the {source}; regenerate with `make bench capacity`.",
        "",
        "| | figure | how |",
        "|---|---|---|",
    ]
    titles = {
        "storage": "Storage (DynamoDB, 17 M accounts)",
        "requests": "DynamoDB reads / writes on a peak day",
        "concurrency": "Lambda concurrency at the peak second",
        "sizes": "Measured item sizes",
    }
    for key, title in titles.items():
        out.append(f"| **{title}** | | |")
        out.extend(f"| {row.what} | {row.value} | {row.how} |" for row in tables[key])
    out += ["", "Assumptions (edit `ASSUMPTIONS` in `infra/capacity.py`):", ""]
    out += [f"* `{name}` = {_number(value)}: {why}" for name, (value, why) in ASSUMPTIONS.items()]
    out.append(END)
    return "\n".join(out) + "\n"


def write_into(document: Path, block: str) -> None:
    text = document.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{document} has no {START} ... {END} markers")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    document.write_text(head + block.rstrip("\n") + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS, help="bench results (default bench/results.json)")
    parser.add_argument("--write", type=Path, help="replace the capacity block of this markdown file")
    args = parser.parse_args(argv)
    try:
        figures = load_figures(args.results)
    except MissingFigures as missing:
        print(missing, file=sys.stderr)
        return 1
    meta = json.loads(args.results.read_text(encoding="utf-8"))
    block = render(figures, meta)
    if args.write:
        write_into(args.write, block)
        print(f"capacity table written into {args.write}")
    else:
        print(block, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
