"""``receiptkit audit list|verify|pending|confirm|export|import|head|upgrade``: the tamper-evident audit log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from receiptkit.cli.app import (
    EXIT_FOUND_PROBLEM,
    app,
    audit_option,
    check_exports,
    checked_zone,
    console,
    err_console,
    fail,
    pd_isna,
    whole_seconds,
)
from receiptkit.errors import ReceiptkitError

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

_DEFAULT = "receiptkit-audit.sqlite"
AuditOption = Annotated[str, audit_option("The audit log")]
HeadOption = Annotated[
    Path | None,
    typer.Option(
        help="The signed head file (default: <log>.head beside a SQLite file; a table on a server)."
    ),
]
KeyOption = Annotated[
    Path | None, typer.Option(help="Merchant key file (default: RECEIPTKIT_KEY / RECEIPTKIT_KEY_FILE).")
]


def _inputs(head: Path | None, key_file: Path | None) -> dict[str, Path | None]:
    """The files a command of the log reads besides the log: never an output's place."""
    inputs: dict[str, Path | None] = {
        "the signed head (--head)": head,
        "the merchant key file (--key-file)": key_file,
    }
    if head is not None:
        inputs["the signed head's lock file"] = head.with_name(head.name + ".lock")
    return inputs


def _tampered(report: object, what: str = "audit log") -> None:
    """The one line of a log that did not verify: TAMPERED, or NOT VERIFIED when the key could not check it.

    A key the log was not made with (``VerifyReport.checked`` false: a key mix-up, or a log rebuilt under
    another key) is not called tampering, and never intact: the line says which key was given and which the
    log names.
    """
    problem = getattr(report, "problem", None)
    seq = getattr(report, "first_bad_seq", None)
    where = f" at row {seq}" if seq is not None else ""
    verdict = "TAMPERED" if getattr(report, "checked", True) else "NOT VERIFIED"
    err_console.print(
        f"{what} {verdict}: {problem}{where}: {escape(getattr(report, 'message', ''))}",
        highlight=False,
        soft_wrap=True,
    )


@audit_app.command("list")
def audit_list(
    audit: AuditOption = _DEFAULT,
    txn: Annotated[str | None, typer.Option(help="Only rows about this transaction.")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Export to .csv or .xlsx instead of showing (every column, times in UTC: for machines)."
        ),
    ] = None,
    tz: Annotated[
        str,
        typer.Option(help="The zone the times are shown in (the shop's).", callback=checked_zone()),
    ] = "Asia/Shanghai",
) -> None:
    """Show the audit log, or export it to a spreadsheet (no chain: see `audit export` for backups).

    Times are shown in --tz to the second. On a console of 120 columns or more the rows are a table; narrower
    (an 80-column terminal), or piped, each row is one or two short lines, so no id, time or rule is cut off.
    """
    from receiptkit.audit import AuditLog

    try:
        log = AuditLog(audit, create=False)
        filters = {"subject": txn} if txn else {}
        if out is not None:
            check_exports({f"--out {out}": out}, {}, audit)
            log.export(out, **filters)
            console.print(f"exported to {out}", highlight=False, markup=False)
            return
        rows = log.rows(**filters)
    except ReceiptkitError as exc:
        fail(exc)
        return
    shown = [_list_row(row, tz) for _, row in rows.iterrows()]
    title = f"audit log {audit} ({len(shown)} rows; times in {tz})"
    if console.is_terminal and console.width >= 120:
        table = Table(title=escape(title))
        columns = ("seq", "time", "event", "status", "subject", "reprint", "code", "how / rule", "operator")
        for column in columns:
            table.add_column(column, no_wrap=True)
        for item in shown:
            table.add_row(*(escape(item[c]) for c in columns))
        console.print(table)
        return
    console.print(title, highlight=False, markup=False, soft_wrap=True)
    for item in shown:
        first = f"{item['seq']:>5} {item['time']} {item['event']} {item['status']} {item['subject']}".rstrip()
        more = [
            f"reprint {item['reprint']}" if item["reprint"] else "",
            f"code {item['code']}" if item["code"] else "",
            item["how / rule"],
            f"by {item['operator']}" if item["operator"] else "",
            item["error"],
        ]
        console.print(first, highlight=False, markup=False, soft_wrap=True)
        rest = " · ".join(part for part in more if part)
        if rest:
            console.print(f"      {rest}", highlight=False, markup=False, soft_wrap=True)


def _list_row(row: pd.Series, tz: str) -> dict[str, str]:
    """One audit row as ``audit list`` shows it: the time in ``tz`` to the second, empty cells as ""."""

    def cell(name: str) -> str:
        value = row.get(name)
        return "" if pd_isna(value) else str(value)

    when = row.get("recorded_at")
    time = "" if pd_isna(when) else f"{pd.Timestamp(when).tz_convert(tz):%Y-%m-%d %H:%M:%S}"
    number = cell("reprint_no")
    how = cell("how")
    rule = cell("rule")
    return {
        "seq": cell("seq"),
        "time": time,
        "event": cell("event_type"),
        "status": cell("status"),
        "subject": cell("subject"),
        "reprint": number.removesuffix(".0"),
        "code": cell("short_code"),
        "how / rule": ", ".join(part for part in (how, f"rule {rule}" if rule else "") if part),
        "operator": cell("operator"),
        "error": cell("error"),
    }


@audit_app.command("verify")
def audit_verify(
    audit: AuditOption = _DEFAULT,
    head: HeadOption = None,
    anchor: Annotated[
        list[Path] | None,
        typer.Option(
            help="An older signed head the log must still extend: a head file, an export or a closing pack "
            "folder (repeatable)."
        ),
    ] = None,
    key_file: KeyOption = None,
) -> None:
    """Check the keyed hash chain, its signed head, any anchors and the terminal register; list backdated events.

    Exit 1 and name the first problem when a row was edited, forged without the
    key, deleted, inserted, duplicated or moved, when rows were cut off the end
    (the signed head, or an --anchor, names rows that are gone), when the head
    is missing, edited or older than the log, or when the log was made with
    another key; also when a register row disagrees with the events it came
    from. Backdated events (a claimed time reaching back over rows already
    logged, e.g. a loss reported after reprints) are listed as warnings: they
    are not tampering by themselves.
    """
    from receiptkit.audit import AuditLog, read_head
    from receiptkit.terminals.register import TERMINAL_EVENT, Terminals
    from receiptkit.verification import load_key

    try:
        key = load_key(key_file)
        anchors = [read_head(path) for path in anchor or []]
        log = AuditLog(audit, create=False, key=key, head=head, allow_unkeyed=True)
        unsigned = [str(path) for path, found in zip(anchor or [], anchors, strict=True) if not found.signed]
        if unsigned:
            raise typer.BadParameter(f"--anchor {unsigned[0]} is not a signed head")
        report = log.verify(anchors=anchors)
        register = Terminals.existing(log) if report.ok else None
        register_report = register.verify() if register is not None else None
        backdated = (
            log.backdated(event_type=TERMINAL_EVENT, tolerance=dt.timedelta(minutes=1)) if report.ok else None
        )
    except ReceiptkitError as exc:
        fail(exc, key_file=True)
    if not report.ok:
        _tampered(report)
        raise typer.Exit(EXIT_FOUND_PROBLEM)
    assert backdated is not None  # report.ok: listed above
    checked = f", {len(anchors)} anchor(s) extended" if anchors else ""
    register_bad = register_report is not None and not register_report.ok
    if register_bad:  # stdout alone (a cron mail) must not read "intact" when any part is tampered
        assert register_report is not None
        count = len(register_report.problems)
        console.print(
            f"audit log TAMPERED: the terminal register disagrees with the log ({count} problem"
            f"{'' if count == 1 else 's'}, listed on stderr); the chain itself checks out: {report.rows} rows, "
            f"{report.message}{checked}",
            highlight=False,
            soft_wrap=True,
        )
    else:
        console.print(
            f"audit log intact: {report.rows} rows, {report.message}{checked}",
            highlight=False,
            soft_wrap=True,
        )
    for _, row in backdated.iterrows():
        console.print(
            f"backdated: row {row['seq']} ({row['event_type']} {escape(str(row['subject']))}) was written "
            f"{whole_seconds(row['lag'])} after the time it claims, over {row['overtakes']} row(s) already logged",
            highlight=False,
            soft_wrap=True,
        )
    if register_bad:
        assert register_report is not None
        for problem in register_report.problems:
            err_console.print(
                f"terminal register TAMPERED: {escape(problem)}", highlight=False, soft_wrap=True
            )
        raise typer.Exit(EXIT_FOUND_PROBLEM)
    if register_report is not None:
        console.print("terminal register agrees with the log", highlight=False)


@audit_app.command("pending")
def audit_pending(
    audit: AuditOption = _DEFAULT,
    txn: Annotated[str | None, typer.Option(help="Only reprints of this transaction.")] = None,
) -> None:
    """List reprints not confirmed as printed: unconfirmed, failed, or still pending.

    An ``unconfirmed`` reprint was sent but the printer did not confirm it
    (a printer without the process-ID response never can): check the printer
    (it may have printed, printed in part, or print later). If the duplicate
    came out whole, `receiptkit audit confirm CODE --operator NAME` records
    that; if not, reprinting the transaction again retries it with the same
    number and code. Exit 0 when there is none, 1 when some are listed.
    """
    from receiptkit.audit import AuditLog

    advice = {
        "unconfirmed": "check the printer; if the duplicate came out: receiptkit audit confirm {code} "
        "--operator NAME; if not, reprint again to retry (same number and code)",
        "failed": "reprint again to retry (same number and code)",
        "pending": "in progress, or its process died: retry after it is stale",
        "retry": "retry in progress, or its process died",
    }
    try:
        log = AuditLog(audit, create=False)
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
            f"{advice.get(a.state, '').format(code=a.code.short_code)}",
            highlight=False,
            soft_wrap=True,
        )
    raise typer.Exit(EXIT_FOUND_PROBLEM)


@audit_app.command("confirm")
def audit_confirm(
    code: Annotated[str, typer.Argument(help="The verification code on the duplicate (ABCDE-FGHJK).")],
    operator: Annotated[str, typer.Option(help="Who saw the duplicate come out (recorded).")],
    note: Annotated[str | None, typer.Option(help="What they saw, in a few words (recorded).")] = None,
    audit: AuditOption = _DEFAULT,
    head: HeadOption = None,
    key_file: KeyOption = None,
) -> None:
    """Record that an UNCONFIRMED duplicate came out whole: the operator's word, not the printer's.

    A printer without the process-ID response (and a one-way link) cannot
    confirm that paper came out: such a reprint stays unconfirmed until a person
    at the counter who holds the slip confirms it here. A `printed` row is
    appended to the log naming the operator (how: operator); the reprint then
    counts as a printed duplicate (`audit pending` no longer lists it; the cap
    and the same-proof rule count it). Refused, exit 2, for a failed reprint
    (nothing was printed: reprint to retry it), one printed already, one still
    pending, a code the log does not hold, or one that several reprints carry.
    """
    from receiptkit.audit import AuditLog
    from receiptkit.verification import load_key

    try:
        log = AuditLog(audit, create=False, key=load_key(key_file), head=head)
        done = log.confirm(code, operator=operator, note=note)
    except ReceiptkitError as exc:
        fail(exc, key_file=True)
    console.print(
        f"reprint {done.reprint_no} of {escape(done.txn_id)} (code {done.short_code}) confirmed as printed by "
        f"{escape(operator.strip())}: the operator's word, recorded in {escape(str(audit))} (the printer could not "
        "confirm it)",
        highlight=False,
        soft_wrap=True,
    )


@audit_app.command("export")
def audit_export(
    file: Annotated[Path, typer.Argument(help="The backup to write (JSON Lines, e.g. audit-2026-11.jsonl).")],
    audit: AuditOption = _DEFAULT,
    head: HeadOption = None,
    key_file: KeyOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing file (never the key, the log or its head).")
    ] = False,
) -> None:
    """Back the log up: every row with its chain, and the signed head (exit 1 if the log does not verify)."""
    from receiptkit.audit import AuditLog
    from receiptkit.verification import load_key

    if file.suffix.lower() in (".csv", ".xlsx"):
        fail(
            ReceiptkitError(
                "a backup keeps the chain and the head (JSON Lines); for a spreadsheet: audit list --out"
            )
        )
    try:
        check_exports({str(file): file}, _inputs(head, key_file), audit, overwrite=force)
        log = AuditLog(audit, create=False, key=load_key(key_file), head=head)
        report = log.verify()
        if not report.ok:
            _tampered(report)
            err_console.print("not exported", highlight=False)
            raise typer.Exit(EXIT_FOUND_PROBLEM)
        log.export_log(file)
    except ReceiptkitError as exc:
        fail(exc, key_file=True)
    signed = report.signed_head
    console.print(
        f"exported {report.rows} rows to {file}; head: row {signed.seq if signed else 0}, "
        f"{signed.row_hash if signed else ''}",
        highlight=False,
        soft_wrap=True,
    )


@audit_app.command("import")
def audit_import(
    file: Annotated[Path, typer.Argument(help="A backup written by `audit export`.")],
    audit: AuditOption = _DEFAULT,
    head: HeadOption = None,
    anchor: Annotated[
        list[Path] | None, typer.Option(help="An older signed head the backup must extend (repeatable).")
    ] = None,
    key_file: KeyOption = None,
) -> None:
    """Restore a backup into a new (or empty) log, after checking its chain and head (exit 1 if tampered)."""
    from receiptkit.audit import AuditLog, read_head, verify_export
    from receiptkit.verification import load_key

    try:
        key = load_key(key_file)
        anchors = [read_head(path) for path in anchor or []]
        checked = verify_export(file, key=key, anchors=anchors)
        if not checked.ok:
            _tampered(checked, "export")
            err_console.print("nothing imported", highlight=False)
            raise typer.Exit(EXIT_FOUND_PROBLEM)
        log = AuditLog(audit, key=key, head=head)
        report = log.import_log(file, anchors=anchors)
    except ReceiptkitError as exc:
        fail(exc, key_file=True)
    if not report.ok:  # pragma: no cover - the export was checked above
        _tampered(report)
        raise typer.Exit(EXIT_FOUND_PROBLEM)
    console.print(f"imported {report.rows} rows into {log.location}; {report.message}", highlight=False)


@audit_app.command("head")
def audit_head(
    audit: AuditOption = _DEFAULT,
    head: HeadOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Also write the signed head to this file (an anchor).")
    ] = None,
    resign: Annotated[
        bool,
        typer.Option(
            "--resign",
            help="Sign the log's end again after a writer died before signing (rows checked first).",
        ),
    ] = False,
    operator: Annotated[
        str | None, typer.Option(help="Who re-signs (recorded; needed with --resign).")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (recorded; needed with --resign).")] = None,
    key_file: KeyOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing file (never the key, the log or its head).")
    ] = False,
) -> None:
    """Print the log's signed head (keep it elsewhere: `audit verify --anchor FILE` checks the log extends it)."""
    from receiptkit.audit import AuditLog, ChainHead
    from receiptkit.verification import load_key

    try:
        if out is not None:
            check_exports({f"--out {out}": out}, _inputs(head, key_file), audit, overwrite=force)
        log = AuditLog(audit, create=False, key=load_key(key_file), head=head)
        if resign:
            if not (operator or "").strip() or not (reason or "").strip():
                raise typer.BadParameter("--resign needs --operator and --reason")
            signed: ChainHead | None = log.resign_head(operator=str(operator), reason=str(reason))
        else:
            report = log.verify()
            if not report.ok:
                _tampered(report)
                raise typer.Exit(EXIT_FOUND_PROBLEM)
            signed = report.signed_head
        if signed is None:  # pragma: no cover - verify() requires it
            raise typer.Exit(EXIT_FOUND_PROBLEM)
        if out is not None:
            signed.write(out)
    except ReceiptkitError as exc:
        fail(exc, key_file=True)
    console.print(signed.to_json(), highlight=False, soft_wrap=True)


@audit_app.command("upgrade")
def audit_upgrade(
    operator: Annotated[str, typer.Option(help="Who upgrades (recorded in the log).")],
    audit: AuditOption = _DEFAULT,
    head: HeadOption = None,
    key_file: KeyOption = None,
) -> None:
    """Key an unkeyed log from an older receiptkit, explicitly (its old chain is checked first)."""
    from receiptkit.audit import AuditLog
    from receiptkit.verification import load_key

    try:
        report = AuditLog.upgrade(audit, operator=operator, key=load_key(key_file), head=head)
    except ReceiptkitError as exc:
        fail(exc, key_file=True)
    if not report.ok:  # pragma: no cover - the upgrade verifies what it wrote
        _tampered(report)
        raise typer.Exit(EXIT_FOUND_PROBLEM)
    console.print(f"upgraded: {report.rows} rows keyed; {report.message}", highlight=False)
