"""The ``receiptkit`` command line: thin, over the public API.

Exit codes: 0 success; 1 the command ran but found a problem (e.g. no match);
2 bad usage or unreadable input (a one-line error, no traceback unless
``--debug``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from receiptkit.errors import ReceiptkitError

app = typer.Typer(
    name="receiptkit",
    help="Trustworthy duplicates of lost card and QR payment slips.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)
_state = {"debug": False}

EXIT_OK, EXIT_FOUND_PROBLEM, EXIT_USAGE = 0, 1, 2


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False) -> None:
    _state["debug"] = debug


def _fail(exc: Exception) -> None:
    if _state["debug"]:
        raise exc
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_USAGE)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the outputs.")] = Path("receiptkit-demo"),
    transactions: Annotated[int, typer.Option(help="Journal size.")] = 5000,
    proofs: Annotated[int, typer.Option(help="Number of customer proofs.")] = 400,
    seed: Annotated[int, typer.Option(help="Random seed of the generator.")] = 7,
) -> None:
    """Run the main job on generated sample data and write its outputs."""
    from receiptkit.demo import run_demo

    try:
        summary = run_demo(out, n_transactions=transactions, n_proofs=proofs, seed=seed)
    except ReceiptkitError as exc:
        _fail(exc)
        return
    for line in summary.lines():
        console.print(line, highlight=False, soft_wrap=True)


@app.command()
def find(
    journal: Annotated[Path, typer.Option(help="The terminal journal file.")],
    amount: Annotated[str | None, typer.Option(help="Amount paid, e.g. 128.50")] = None,
    time: Annotated[str | None, typer.Option(help='When, e.g. "2026-11-20 14:32"')] = None,
    last4: Annotated[str | None, typer.Option(help="Last 4 digits of the card.")] = None,
    ref: Annotated[str | None, typer.Option(help="A reference number (RRN, auth code, 凭证号).")] = None,
    merchant: Annotated[str | None, typer.Option(help="Merchant text on the proof.")] = None,
    currency: Annotated[str, typer.Option(help="Currency of the amount.")] = "CNY",
    tz: Annotated[str, typer.Option(help="Time zone of --time.")] = "Asia/Shanghai",
    proof_file: Annotated[
        Path | None, typer.Option("--proof", help="A proof file instead of the options.")
    ] = None,
    preset: Annotated[str | None, typer.Option(help="Journal preset name.")] = None,
    top: Annotated[int, typer.Option(help="How many candidates to show.")] = 5,
) -> None:
    """Find the transaction a customer's proof points to, at the counter."""
    import receiptkit as rk

    try:
        log = rk.read_journal(journal, preset=preset, tz=tz)
        if proof_file is not None:
            proof = rk.read_proofs(proof_file, tz=tz).head(1)
        else:
            if amount is None:
                raise typer.BadParameter("give --amount (and ideally --time, --last4) or --proof FILE")
            proof = rk.proof(
                amount=amount,
                time=time,
                last4=last4,
                reference=ref,
                merchant=merchant,
                currency=currency,
                tz=tz,
            )
        ranked = rk.find(log, proof)
    except ReceiptkitError as exc:
        _fail(exc)
        return
    verdict = ranked.attrs["verdict"].iloc[0]
    table = Table(title=f"{verdict['status'].upper()}: {verdict['reason']}")
    for column in ("confidence", "txn_id", "ts", "amount", "card_last4", "terminal_id", "why"):
        table.add_column(column)
    for _, row in ranked.head(top).iterrows():
        table.add_row(
            f"{row['confidence']:.1%}",
            str(row["txn_id"]),
            str(row["ts"]),
            f"{rk.format_minor(int(row['amount_minor']), str(row['currency']))} {row['currency']}",
            str(row["card_last4"] if row["card_last4"] is not None else ""),
            str(row["terminal_id"]),
            str(row["why"]),
        )
    console.print(table)
    if verdict["ask"]:
        console.print(f"next: {verdict['ask']}", highlight=False)
    if verdict["status"] != "matched":
        raise typer.Exit(EXIT_FOUND_PROBLEM)


@app.command("reprint")
def reprint_cmd(
    txn_id: Annotated[str, typer.Argument(help="The transaction to reprint.")],
    journal: Annotated[Path, typer.Option(help="The terminal journal file.")],
    operator: Annotated[str, typer.Option(help="Who reprints (recorded in the audit log).")],
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit log).")],
    printer: Annotated[
        str | None, typer.Option(help="tcp://HOST:9100, usb:VID:PID, serial:/dev/ttyUSB0 or file:PATH")
    ] = None,
    pdf: Annotated[Path | None, typer.Option(help="Write the duplicate as PDF.")] = None,
    png: Annotated[Path | None, typer.Option(help="Write the duplicate as PNG.")] = None,
    audit: Annotated[Path, typer.Option(help="The audit log (SQLite file).")] = Path(
        "receiptkit-audit.sqlite"
    ),
    override: Annotated[
        list[str] | None, typer.Option(help="A control rule to override (repeatable).")
    ] = None,
    preset: Annotated[str | None, typer.Option(help="Journal preset name.")] = None,
    tz: Annotated[str | None, typer.Option(help="Time zone of the journal's times.")] = None,
    cap: Annotated[
        int | None, typer.Option(help="Refuse beyond this many reprints of one transaction.")
    ] = None,
) -> None:
    """Reprint a duplicate slip of one transaction, under the control rules, to the audit log.

    The merchant key comes from RECEIPTKIT_KEY or RECEIPTKIT_KEY_FILE.
    """
    import receiptkit as rk
    from receiptkit.reprinting import ReprintPolicy

    try:
        log = rk.read_journal(journal, preset=preset, tz=tz)
        found = log[log["txn_id"].astype(str) == txn_id]
        if found.empty:
            raise ReceiptkitError("no such transaction in the journal", file=str(journal), value=txn_id)
        record = rk.reprint(
            found.iloc[0],
            journal=log,
            operator=operator,
            reason=reason,
            printer=printer,
            pdf=pdf,
            png=png,
            audit=str(audit),
            override=override or (),
            policy=ReprintPolicy(cap=cap),
        )
    except ReceiptkitError as exc:
        _fail(exc)
        return
    console.print(
        f"reprint {record.reprint_no} of {record.txn_id} done ({', '.join(record.outputs)}); "
        f"verification code {record.short_code}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("verify")
def verify_cmd(
    code: Annotated[str, typer.Argument(help="The short code or the QR payload printed on the duplicate.")],
    audit: Annotated[Path, typer.Option(help="The audit log (SQLite file).")] = Path(
        "receiptkit-audit.sqlite"
    ),
) -> None:
    """Tell whether a presented duplicate is genuine, and which transaction and reprint it is."""
    import receiptkit as rk

    try:
        answer = rk.verify(code, audit=str(audit) if audit.exists() else None)
    except ReceiptkitError as exc:
        _fail(exc)
        return
    verdict = "GENUINE" if answer.genuine else "NOT GENUINE"
    console.print(
        f"{verdict}: {answer.reason} (txn {answer.txn_id}, reprint {answer.reprint_no})",
        highlight=False,
        soft_wrap=True,
    )
    if not answer.genuine:
        raise typer.Exit(EXIT_FOUND_PROBLEM)


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
        _fail(exc)
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
        _fail(exc)
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


def pd_isna(value: object) -> bool:
    """True for None and pandas/numpy missing values."""
    import pandas as pd

    return value is None or bool(pd.isna(value)) if not isinstance(value, list | tuple) else False


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
