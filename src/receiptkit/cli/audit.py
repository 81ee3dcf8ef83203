"""``receiptkit audit list|verify|pending``: the tamper-evident audit log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from receiptkit.cli.app import EXIT_FOUND_PROBLEM, app, console, err_console, fail, pd_isna
from receiptkit.errors import ReceiptkitError

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("list")
def audit_list(
    audit: Annotated[Path, typer.Option(help="The audit log (SQLite file).")] = Path(
        "receiptkit-audit.sqlite"
    ),
    txn: Annotated[str | None, typer.Option(help="Only rows about this transaction.")] = None,
    out: Annotated[Path | None, typer.Option(help="Export to .csv or .xlsx instead of showing.")] = None,
) -> None:
    """Show the audit log, or export it."""
    from receiptkit.audit import AuditLog

    try:
        log = AuditLog(str(audit), create=False)
        filters = {"subject": txn} if txn else {}
        if out is not None:
            log.export(out, **filters)
            console.print(f"exported to {out}", highlight=False)
            return
        rows = log.rows(**filters)
    except ReceiptkitError as exc:
        fail(exc)
        return
    table = Table(title=f"audit log {audit}")
    columns = ["seq", "recorded_at", "event_type", "subject", "status", "reprint_no", "operator"]
    for column in columns:
        table.add_column(column)
    for _, row in rows.iterrows():
        table.add_row(*["" if pd_isna(row.get(c)) else str(row.get(c)) for c in columns])
    console.print(table)


@audit_app.command("verify")
def audit_verify(
    audit: Annotated[Path, typer.Option(help="The audit log (SQLite file).")] = Path(
        "receiptkit-audit.sqlite"
    ),
) -> None:
    """Check the hash chain and the terminal register; list backdated events.

    Exit 1 and name the first bad row when a row was edited, deleted or moved,
    or when a register row disagrees with the events it came from (a loss time
    edited in the register table). Backdated events (a claimed time reaching
    back over rows already logged, e.g. a loss reported after reprints) are
    listed as warnings: they are not tampering by themselves.
    """
    from receiptkit.audit import AuditLog
    from receiptkit.terminals.register import TERMINAL_EVENT, Terminals

    try:
        log = AuditLog(str(audit), create=False)
        report = log.verify()
        register = Terminals.existing(log) if report.ok else None
        register_report = register.verify() if register is not None else None
        backdated = log.backdated(event_type=TERMINAL_EVENT, tolerance=dt.timedelta(minutes=1))
    except ReceiptkitError as exc:
        fail(exc)
    if not report.ok:
        err_console.print(
            f"audit log TAMPERED: {report.problem} at row {report.first_bad_seq}: {escape(report.message)}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_FOUND_PROBLEM)
    console.print(f"audit log intact: {report.rows} rows, {report.message}", highlight=False, soft_wrap=True)
    for _, row in backdated.iterrows():
        console.print(
            f"backdated: row {row['seq']} ({row['event_type']} {escape(str(row['subject']))}) was written "
            f"{row['lag']} after the time it claims, over {row['overtakes']} row(s) already logged",
            highlight=False,
            soft_wrap=True,
        )
    if register_report is not None and not register_report.ok:
        for problem in register_report.problems:
            err_console.print(
                f"terminal register TAMPERED: {escape(problem)}", highlight=False, soft_wrap=True
            )
        raise typer.Exit(EXIT_FOUND_PROBLEM)
    if register_report is not None:
        console.print("terminal register agrees with the log", highlight=False)


@audit_app.command("pending")
def audit_pending(
    audit: Annotated[Path, typer.Option(help="The audit log (SQLite file).")] = Path(
        "receiptkit-audit.sqlite"
    ),
    txn: Annotated[str | None, typer.Option(help="Only reprints of this transaction.")] = None,
) -> None:
    """List reprints not confirmed as printed: unconfirmed, failed, or still pending.

    An ``unconfirmed`` reprint was sent but the printer did not confirm it:
    check the printer (it may have printed, printed in part, or print later).
    Reprinting the transaction again retries it with the same number and code.
    Exit 0 when there is none, 1 when some are listed.
    """
    from receiptkit.audit import AuditLog

    advice = {
        "unconfirmed": "check the printer; reprint again to retry (same number and code)",
        "failed": "reprint again to retry (same number and code)",
        "pending": "in progress, or its process died: retry after it is stale",
        "retry": "retry in progress, or its process died",
    }
    try:
        log = AuditLog(str(audit), create=False)
        attempts = log.unfinished(txn_id=txn)
    except ReceiptkitError as exc:
        fail(exc)
    if not attempts:
        console.print("no unfinished reprints: every reprint was confirmed as printed", highlight=False)
        return
    console.print(f"{len(attempts)} reprint(s) not confirmed as printed in {audit}:", highlight=False)
    for a in attempts:
        since = a.since.isoformat(timespec="seconds") if a.since is not None else "?"
        console.print(
            f"{a.state.upper()}: reprint {a.reprint_no} of {escape(a.txn_id)} (attempt {a.attempt_id}, "
            f"code {a.code.short_code}, operator {escape(a.operator or '?')}, tries {a.tries}, since {since}): "
            f"{advice.get(a.state, '')}",
            highlight=False,
            soft_wrap=True,
        )
    raise typer.Exit(EXIT_FOUND_PROBLEM)
