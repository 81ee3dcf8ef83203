"""``receiptkit demo``: the main job on generated sample data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from receiptkit.cli.app import app, console, fail
from receiptkit.errors import ReceiptkitError


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the outputs.")] = Path("receiptkit-demo"),
    transactions: Annotated[
        int,
        typer.Option(help="Sales to generate (the journal also holds their declined attempts and refunds)."),
    ] = 5000,
    proofs: Annotated[int, typer.Option(help="Number of customer proofs.")] = 400,
    seed: Annotated[int, typer.Option(help="Random seed of the generator.")] = 7,
) -> None:
    """Run the main job on generated sample data and write its outputs."""
    from receiptkit.demo import run_demo

    try:
        summary = run_demo(out, n_transactions=transactions, n_proofs=proofs, seed=seed)
    except ReceiptkitError as exc:
        fail(exc)
        return
    for line in summary.lines():
        console.print(line, highlight=False, soft_wrap=True)
