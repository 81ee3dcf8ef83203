"""``receiptkit audit list|verify``: the tamper-evident audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
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
    """Check the hash chain: exit 1 and name the first bad row when a row was edited, deleted or moved."""
    from receiptkit.audit import AuditLog

    try:
        report = AuditLog(str(audit), create=False).verify()
    except ReceiptkitError as exc:
        fail(exc)
        return
    if report.ok:
        console.print(
            f"audit log intact: {report.rows} rows, {report.message}", highlight=False, soft_wrap=True
        )
        return
    err_console.print(
        f"audit log TAMPERED: {report.problem} at row {report.first_bad_seq}: {report.message}",
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(EXIT_FOUND_PROBLEM)
