"""Counter commands: ``find``, ``reprint``, ``verify``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from receiptkit.cli.app import EXIT_FOUND_PROBLEM, app, console, fail
from receiptkit.errors import ReceiptkitError


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
        fail(exc)
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
        fail(exc)
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
        fail(exc)
        return
    verdict = "GENUINE" if answer.genuine else "NOT GENUINE"
    console.print(
        f"{verdict}: {answer.reason} (txn {answer.txn_id}, reprint {answer.reprint_no})",
        highlight=False,
        soft_wrap=True,
    )
    if not answer.genuine:
        raise typer.Exit(EXIT_FOUND_PROBLEM)
