"""``receiptkit close-terminal`` and ``receiptkit verify-pack``: closing packs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from receiptkit.cli.app import (
    EXIT_FOUND_PROBLEM,
    app,
    audit_file,
    audit_option,
    check_audit_log,
    checked_zone,
    console,
    err_console,
    fail,
    started_log_note,
)
from receiptkit.errors import ReceiptkitError

_AUDIT = "receiptkit-audit.sqlite"


@app.command("close-terminal")
def close_terminal_cmd(
    terminal_id: Annotated[str, typer.Argument(help="The terminal to close (终端号).")],
    journal: Annotated[Path, typer.Option(help="The terminal journal file (all terminals may be in it).")],
    out: Annotated[Path, typer.Option(help="A new folder for the closing pack.")],
    settlement: Annotated[
        Path | None, typer.Option(help="Settlement file: 结算明细 CSV, WeChat Pay or Alipay merchant bill.")
    ] = None,
    settlement_format: Annotated[
        str | None, typer.Option(help="unionpay_settlement, wechat_merchant or alipay_merchant (sniffed).")
    ] = None,
    payouts: Annotated[
        Path | None, typer.Option(help="The merchant's bank statement (credits are payouts).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Close despite open items or unsettled batches.")
    ] = False,
    reason: Annotated[str | None, typer.Option(help="Why a forced closing is done (audit log).")] = None,
    operator: Annotated[str | None, typer.Option(help="Who closes (default: the OS user).")] = None,
    audit: Annotated[
        str, audit_option("The audit log holding the register; it must exist unless --new-audit-log")
    ] = _AUDIT,
    new_audit_log: Annotated[
        bool,
        typer.Option(
            "--new-audit-log",
            help="Start a new audit log at --audit when there is none (a shop with no log yet); without it a "
            "missing log is refused before anything is read or written.",
        ),
    ] = False,
    preset: Annotated[str | None, typer.Option(help="Journal preset name.")] = None,
    tz: Annotated[
        str | None, typer.Option(help="Time zone of the journal's times.", callback=checked_zone())
    ] = None,
    rate: Annotated[str | None, typer.Option(help="Fee rate, e.g. 0.60% (default: inferred).")] = None,
    at: Annotated[str | None, typer.Option(help="Closing time, ISO 8601 with offset (default: now).")] = None,
    key_file: Annotated[
        Path | None, typer.Option(help="Merchant key file (default: RECEIPTKIT_KEY / RECEIPTKIT_KEY_FILE).")
    ] = None,
) -> None:
    """Settle a terminal, list what is open, and write a sealed pack of every voucher; then mark it closed.

    Exit 1 (nothing written) while pre-authorisations are open, refunds or
    batches are unsettled or transactions follow a reported loss, unless
    --force with --reason.
    """
    import pandas as pd

    from receiptkit.readers.settlement import read_settlement
    from receiptkit.terminals.closing import ClosingRefused, close_terminal

    file = audit_file(audit)  # None on a server: its log is checked when it is opened
    new_log = new_audit_log and file is not None and not file.exists()
    try:
        if force and not (reason or "").strip():
            raise typer.BadParameter("--force needs --reason")
        when = None
        if at is not None:
            if not re.match(r"\s*\d{4}(?:\s*([/.-])\s*\d{1,2}\s*\1\s*\d{1,2}|\d{4})(?!\d)", at):
                # pandas reads "3/11/2026" as 11 March, silently, and "13/11/2026" as 13 November, also
                # after the time or a weekday ("18:00+08:00 3/11/2026", "Tue 3/11/2026 ..."): year first only;
                # and "260311 18:00" (two digits each) as 26 March 2011: four digits of year, then the month
                raise typer.BadParameter(
                    "--at: write the date year first (ISO 8601, e.g. 2026-11-20T18:00+08:00): "
                    "a day and month written first could be read either way round"
                )
            when = pd.Timestamp(at)
            if when.tzinfo is None:
                raise typer.BadParameter("--at needs a time zone offset, e.g. 2026-11-20T18:00+08:00")
        check_audit_log(  # before the settlement or the journal is read, or anything written
            audit,
            new_audit_log,
            journal=journal,
            why="a closing is recorded in the shop's audit log, which holds the terminal register (a new log "
            "would not mark the terminal closed, and the pack would anchor a log nobody keeps)",
            first="a shop with no audit log yet",
        )
        lines = None
        if settlement is not None:
            lines = read_settlement(settlement, format=settlement_format)
        options = {k: v for k, v in (("preset", preset), ("tz", tz)) if v is not None}
        pack = close_terminal(
            terminal_id,
            journal,
            out=out,
            settlement=lines,
            payouts=payouts,
            operator=operator,
            force=force,
            reason=reason,
            key=key_file,
            audit=audit,
            rate=rate,
            now=when,
            journal_options=options,
            new_audit_log=new_audit_log,
        )
    except ClosingRefused as exc:
        err_console.print(f"[bold red]refused:[/] {escape(exc.reason)}", highlight=False, soft_wrap=True)
        table = Table(title="what keeps the terminal open")
        table.add_column("kind")
        table.add_column("count", justify="right")
        for kind, count in sorted(exc.blocking.items()):
            table.add_row(kind, str(count))
        err_console.print(table)
        raise typer.Exit(EXIT_FOUND_PROBLEM) from None
    except (ReceiptkitError, ValueError, TypeError) as exc:
        fail(exc, key_file=True)
        return
    if new_log and file is not None and file.exists():
        started_log_note(audit, "it holds the closing and the register; every later command needs it")
    console.print(
        f"closing pack for terminal {pack.terminal_id} written to {pack.folder}: {len(pack.files)} files "
        f"+ manifest, {pack.vouchers} vouchers; manifest sha256 {pack.manifest_sha256}",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )
    if pack.forced:
        listed = ", ".join(f"{n} {k}" for k, n in sorted(pack.blocking.items()))
        console.print(
            f"forced despite {listed}: {pack.reason}", highlight=False, soft_wrap=True, markup=False
        )
    if pack.reconciliation is not None and not pack.reconciliation.ok:
        found = ", ".join(f"{n} {k}" for k, n in pack.reconciliation.summary().items())
        console.print(
            f"settlement differences: {found} (settlement_differences.csv)", highlight=False, soft_wrap=True
        )
    kinds = pack.open_items["kind"].value_counts()
    if len(kinds):
        console.print(
            "open items: " + ", ".join(f"{n} {k}" for k, n in kinds.items()) + " (open_items.csv)",
            highlight=False,
        )
    if pack.register_status is None:
        console.print(
            f"terminal {pack.terminal_id} is not in the register: not marked closed",
            highlight=False,
            markup=False,
        )
    else:
        console.print(
            f"terminal {pack.terminal_id} is now {pack.register_status} in the register",
            highlight=False,
            markup=False,
        )


@app.command("verify-pack")
def verify_pack_cmd(
    folder: Annotated[Path, typer.Argument(help="The closing pack folder.")],
    key_file: Annotated[
        Path | None, typer.Option(help="Merchant key file (default: RECEIPTKIT_KEY / RECEIPTKIT_KEY_FILE).")
    ] = None,
    audit: Annotated[
        str | None, audit_option("Also check that this audit log still extends the pack's signed head")
    ] = None,
) -> None:
    """Tell whether a closing pack is intact; exit 1 and name what changed, went missing or was added.

    The pack's audit head must be signed with the key; with --audit the log must
    still hold it (no row up to the closing was cut, rewritten or replaced).
    """
    from receiptkit.terminals.pack import verify_pack

    try:
        report = verify_pack(folder, key=key_file, audit=audit)
    except ReceiptkitError as exc:
        fail(exc, key_file=True)
        return
    meta = report.meta
    what = f"terminal {meta.get('terminal_id')}, closed {meta.get('closed_at')}"
    if report.audit_head is not None:
        what += f"; audit head: {report.audit_head}"
    if report.intact:
        console.print(f"INTACT: {report.message} ({what})", highlight=False, soft_wrap=True, markup=False)
        return
    console.print(f"NOT INTACT: {report.message} ({what})", highlight=False, soft_wrap=True, markup=False)
    raise typer.Exit(EXIT_FOUND_PROBLEM)
