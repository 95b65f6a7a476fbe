"""``python -m ops``: operate the service. Talks to the local emulator by
default; ``--stage NAME`` talks to AWS with the ambient credentials and the
tables of that stage."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(help="Operate the BHXH e-transaction registration service.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


@app.callback()
def main(
    stage: Annotated[
        Optional[str], typer.Option(help="AWS stage to operate (default: the local emulator).")  # noqa: UP045
    ] = None,
) -> None:
    if stage:
        os.environ["BHXH_STAGE"] = stage
    else:
        from local.env import apply_local_env

        apply_local_env()


def _deps() -> Any:
    from chalicelib.bootstrap import container

    return container()


@app.command("import-participants")
def import_participants_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV export")],
) -> None:
    """Load registry participants (columns: bhxh_code, full_name, date_of_birth,
    gender, id_number, phone, province_code). Streamed; safe to re-run."""
    from chalicelib.domain.participant import PARTICIPANT_COLUMNS
    from chalicelib.services.import_participants import import_participants

    deps = _deps()
    report = _import_csv(
        file, PARTICIPANT_COLUMNS, lambda rows, advance: import_participants(deps.registry, rows, on_chunk=advance)
    )
    console.print(f"read {report.read} rows, wrote {report.written}, rejected {report.rejected}")
    if report.rejected:
        raise typer.Exit(1)


def _import_csv(file: Path, columns: tuple[str, ...], run: Any) -> Any:
    """Stream ``file`` through ``run(rows, advance)`` with a progress bar; print
    bad rows by line; exit 2 on a wrong header."""
    from chalicelib.domain.errors import ValidationError
    from chalicelib.domain.messages import field_message
    from chalicelib.services.import_participants import read_rows

    total = max(0, sum(1 for _ in file.open("rb")) - 1)
    with file.open(encoding="utf-8-sig", newline="") as stream:
        try:
            rows = read_rows(stream, columns)
            with Progress(
                TextColumn("importing"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=err,
            ) as progress:
                task = progress.add_task("import", total=total)
                report = run(rows, lambda n: progress.advance(task, n))
        except ValidationError as error:
            problems = ", ".join(f"{e.field}: {field_message(e, 'en')}" for e in error.errors)
            err.print(f"[red]{file}: {problems}")
            raise typer.Exit(2) from error
    for problem in report.problems:
        fields = "; ".join(f"{e.field}: {field_message(e, 'en')}" for e in problem.errors)
        err.print(f"line {problem.line}: {fields}")
    if report.rejected > len(report.problems):
        err.print(f"... and {report.rejected - len(report.problems)} more bad rows")
    return report


@app.command("import-units")
def import_units_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV file")],
) -> None:
    """Create or update campaign units (columns: unit_code, name, province_code
    (empty or 00 for central units), deadline YYYY-MM-DD). Counters are kept; safe to re-run."""
    from chalicelib.domain.campaign import UNIT_COLUMNS
    from chalicelib.services.campaign import import_units

    deps = _deps()

    def run(rows: Any, advance: Any) -> Any:
        report = import_units(deps, rows)
        advance(report.read)
        return report

    report = _import_csv(file, UNIT_COLUMNS, run)
    console.print(f"read {report.read} rows, wrote {report.written} units, rejected {report.rejected}")
    if report.rejected:
        raise typer.Exit(1)


@app.command("import-roster")
def import_roster_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV file")],
) -> None:
    """Roster each unit's staff (columns: unit_code, bhxh_code, full_name).
    Streamed; safe to re-run. People who registered already are counted now;
    a person rostered in another unit moves there with their counters."""
    from chalicelib.domain.campaign import ROSTER_COLUMNS
    from chalicelib.services.campaign import import_roster

    deps = _deps()
    report = _import_csv(
        file, ROSTER_COLUMNS, lambda rows, advance: import_roster(deps, rows, datetime.now(UTC), on_chunk=advance)
    )
    console.print(
        f"read {report.read} rows: {report.added} rostered, {report.moved} moved to another unit, "
        f"{report.unchanged} already rostered, {report.counted} registered earlier and counted now, "
        f"{report.rejected} rejected"
    )
    if report.rejected:
        raise typer.Exit(1)


@app.command("run-job")
def run_job_command(
    name: Annotated[str, typer.Argument(help="office-reminders")],
    as_of: Annotated[
        Optional[str], typer.Option("--as-of", help="Vietnamese date YYYY-MM-DD (default: today)")  # noqa: UP045
    ] = None,
) -> None:
    """Run a daily job now, as its EventBridge schedule would."""
    from chalicelib.domain.declaration import vn_today
    from chalicelib.domain.errors import UnknownJobError
    from chalicelib.jobs import JOBS, run_job

    now = datetime.now(UTC)
    try:
        day = date.fromisoformat(as_of) if as_of else vn_today(now)
    except ValueError as error:
        raise typer.BadParameter("--as-of takes YYYY-MM-DD") from error
    try:
        report = run_job(name, _deps(), day, now)
    except UnknownJobError as error:
        err.print(f"[red]unknown job {name!r}; jobs: {', '.join(JOBS)}")
        raise typer.Exit(2) from error
    console.print_json(json.dumps(report))


@app.command("create-officer")
def create_officer_command(  # noqa: PLR0917 - typer options
    bhxh_code: Annotated[str, typer.Option(help="Social-insurance code (becomes the username)")],
    full_name: Annotated[str, typer.Option(help="Full name")],
    phone: Annotated[str, typer.Option(help="Vietnamese mobile number")],
    id_number: Annotated[str, typer.Option(help="CCCD/CMND number")],
    office: Annotated[str, typer.Option(help="Office code, e.g. BHXH-01")],
    role: Annotated[list[str], typer.Option(help="Role(s): officer, supervisor, reporter, admin")],
    email: Annotated[Optional[str], typer.Option(help="Email")] = None,  # noqa: UP045
) -> None:
    """Create a staff account with roles; prints its temporary password once."""
    from chalicelib.domain.errors import DomainError, ValidationError
    from chalicelib.domain.messages import field_message
    from chalicelib.services.create_staff_account import create_staff_account

    deps = _deps()
    try:
        issued = create_staff_account(
            deps,
            bhxh_code=bhxh_code,
            full_name=full_name,
            phone=phone,
            id_number=id_number,
            office_code=office,
            roles=tuple(role),
            email=email,
            now=datetime.now(UTC),
        )
    except ValidationError as error:
        err.print("[red]" + "; ".join(f"{e.field}: {field_message(e, 'en')}" for e in error.errors))
        raise typer.Exit(2) from error
    except DomainError as error:
        err.print(f"[red]{error.code}")
        raise typer.Exit(1) from error
    console.print(f"created {issued.account.username} ({', '.join(issued.account.roles)}, {office})")
    console.print(f"temporary password (shown once, valid 7 days): {issued.temporary_password}")


@app.command("outbox")
def outbox_command(
    limit: Annotated[int, typer.Option(help="How many notices")] = 20,
    days: Annotated[int, typer.Option(help="How many days back to look")] = 7,
    show_text: Annotated[
        bool, typer.Option("--text", help="Show the SMS text or email subject (personal data: local stack only)")
    ] = False,
) -> None:
    """Recent notices, newest first: recipients masked, status (sent, then delivered or failed once the
    provider's receipt came), tries, the last error, the receipt, and a decision's fallback."""
    from chalicelib.domain.identifiers import mask
    from chalicelib.domain.notification import LedgerEntry

    deps = _deps()
    entries: list[LedgerEntry] = []
    day = datetime.now(UTC).date()
    for back in range(days):
        entries.extend(
            deps.outbox.ledger_of_day(day - timedelta(days=back), newest_first=True, limit=limit - len(entries))
        )
        if len(entries) >= limit:
            break
    columns = ("created (UTC)", "kind", "channel", "to", "status", "attempts", "error", "receipt (UTC)", "fallback")
    table = Table(*columns, *(["text"] if show_text else []))
    for entry in entries[:limit]:
        notice = entry.notice
        row = [
            notice.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            notice.kind,
            notice.channel,
            mask(notice.recipient, 3, 2),
            notice.status,
            str(notice.attempts),
            entry.error or "",
            # The provider's receipt: when it said the notice arrived (delivered) or not (failed), and why.
            f"{entry.delivery_at:%Y-%m-%d %H:%M:%S} {entry.delivery_reason or ''}".strip() if entry.delivery_at else "",
            # A decision that did not arrive: by which channel it went again, or that there was none.
            _fallback_column(entry.fallback),
        ]
        if show_text:
            row.append(notice.text if notice.channel == "sms" else notice.subject)
        table.add_row(*row)
    console.print(table)


def _fallback_column(fallback: str | None) -> str:
    if fallback is None:
        return ""
    return "none possible" if fallback == "unavailable" else "sent again by the other channel"


@app.command("redrive")
def redrive_command(
    limit: Annotated[int, typer.Option(help="Move at most this many messages")] = 10_000,
) -> None:
    """Move dead-lettered notices back to the notification queue (after fixing the cause)."""
    from chalicelib.services.redrive_notices import redrive

    moved = redrive(_deps(), limit)
    console.print(f"moved {moved} message(s) back to the notification queue")


@app.command("sla")
def sla_command(
    days: Annotated[int, typer.Option(help="Days back from today (UTC), today included")] = 1,
) -> None:
    """Decision-to-provider latency of sent notices: p50, p99 and max against the 15-minute limit."""
    from chalicelib.domain.service_report import LEGAL_LIMIT_SECONDS
    from chalicelib.services.notice_sla import sla_report

    report = sla_report(_deps(), datetime.now(UTC).date(), days)
    table = Table("notices sent", "p50 (s)", "p99 (s)", "max (s)", "over 15 min", "not sent (failed/suppressed)")
    table.add_row(
        str(report.sent),
        f"{report.p50:.2f}",
        f"{report.p99:.2f}",
        f"{report.max:.2f}",
        str(report.over_limit),
        str(report.not_sent),
    )
    console.print(table)
    verdict = "within" if report.max <= LEGAL_LIMIT_SECONDS else "OVER"
    console.print(f"{verdict} the legal limit of 15 minutes (design target: p99 under 60 s)")


@app.command("check-consistency")
def check_consistency_command(
    stuck_minutes: Annotated[
        int, typer.Option("--stuck-minutes", min=1, help="A notice still queued after this long is stuck")
    ] = 15,
) -> None:
    """Find impossible states (approved without an account, an account without its
    guards or a guard without its account, several accounts for one person, notices
    stuck queued) by paging the tables. Reports them, fixes nothing; exit 1 when any."""
    from chalicelib.adapters.consistency_scan import DynamoConsistencySource
    from chalicelib.services.consistency import check_consistency

    deps = _deps()
    deps._pynamodb  # noqa: B018 - binds the models to the stage's tables
    findings = check_consistency(
        DynamoConsistencySource(), datetime.now(UTC), stuck_after=timedelta(minutes=stuck_minutes)
    )
    if not findings:
        console.print("consistent: no impossible state found")
        return
    table = Table("check", "subject", "detail")
    for finding in findings:
        table.add_row(finding.check, finding.subject, finding.detail)
    console.print(table)
    console.print(f"{len(findings)} impossible state(s) found; nothing was changed")
    raise typer.Exit(1)


@app.command("sign-form01")
def sign_form01_command(
    form: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="Form 01 as JSON")],
    key: Annotated[Path, typer.Option(exists=True, dir_okay=False, readable=True, help="Signer's private key (PEM)")],
    cert: Annotated[
        Path,
        typer.Option(exists=True, dir_okay=False, readable=True, help="Signer's certificate, then its CA's (PEM)"),
    ],
    out: Annotated[
        Optional[Path], typer.Option("--out", help="Where to write the signed XML (default: stdout)")  # noqa: UP045
    ] = None,
) -> None:
    """Sign a Form 01 the way a declarant's signing tool does (enveloped
    XMLDSig, RSA/ECDSA with SHA-256, certificate chain in KeyInfo), for
    POST /v1/declarations/signed. Nothing is sent anywhere."""
    import sys

    from chalicelib.signatures.signing import sign_form01

    try:
        body = json.loads(form.read_text(encoding="utf-8"))
        if not isinstance(body, dict):
            raise ValueError("the Form 01 JSON must be an object")
        signed = sign_form01(body, key.read_bytes(), cert.read_bytes())
    except (ValueError, TypeError) as error:
        err.print(f"[red]{form}: {error}")
        raise typer.Exit(2) from error
    if out is None:
        sys.stdout.buffer.write(signed + b"\n")
        return
    out.write_bytes(signed)
    err.print(f"signed Form 01 written to {out} ({len(signed)} bytes)")
