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
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
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


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
