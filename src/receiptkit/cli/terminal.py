"""``receiptkit terminal list|add|report-lost|replace|alias|show|verify|activity``: the terminal register."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.markup import escape
from rich.table import Table

from receiptkit.cli.app import (
    EXIT_FOUND_PROBLEM,
    DayfirstOption,
    app,
    audit_file,
    audit_option,
    check_audit_log,
    check_exports,
    checked_zone,
    console,
    err_console,
    fail,
    pd_isna,
    started_log_note,
    whole_seconds,
    with_order_flags,
)
from receiptkit.errors import AuditError, ReceiptkitError, VerificationKeyError

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

    from receiptkit.terminals import Terminal, Terminals

terminal_app = typer.Typer(
    help="The terminal register: lost, replaced and closed terminals, and what happened after the loss.",
    no_args_is_help=True,
)
app.add_typer(terminal_app, name="terminal")

AuditOption = Annotated[str, audit_option("The audit log that holds the register")]
OperatorOption = Annotated[str, typer.Option(help="Who makes the change (recorded in the audit log).")]
TzOption = Annotated[str, typer.Option(help="Time zone of times written without one.")]
DEFAULT_AUDIT = "receiptkit-audit.sqlite"


def _open(audit: str, *, create: bool, missing: str | None = None) -> Terminals:
    """The register (exit 2 with one line when there is none, or the file is not a log).

    ``missing``: what to say instead when a server's database holds no log (``terminal add``: the way to start one).
    """
    from receiptkit.audit import missing_log
    from receiptkit.terminals import Terminals
    from receiptkit.verification import load_key

    try:
        # the register is keyed: a missing key is refused before a new log file is created
        return Terminals(audit, create=create, key=load_key())
    except ReceiptkitError as exc:
        if missing is not None and missing_log(exc):
            fail(ReceiptkitError(missing))
        fail(exc)


def _time(
    text: str | None, tz: str, what: str, dayfirst: bool | None, *, time_of_day: bool = False
) -> dt.datetime | None:
    """A typed time, read as ``find --time`` reads it (:func:`~receiptkit.timeparse.parse_time_window`, now as
    the reference: ``昨天下午2点``, ``11月18日上午8点11``, ``11月18日 08:11``, ``2026-11-18 14:00``), a numeric
    day/month in the order ``--dayfirst/--monthfirst`` or ``--tz``'s territory gives.

    A time said as a window (an hour ``下午2点`` is 14:00-15:00, ``左右``, a period, a range) stands for its
    **start**: a cutoff is the earliest moment the loss (replacement) may have happened, so nothing in the window
    is vouched for. ``time_of_day``: a day alone is refused (a cutoff needs a time; the day's start is written
    ``00:00``). Refused as ``find`` refuses: a spoken hour 1-11 without 上午/下午, a time later than now.
    """
    from receiptkit.timeparse import parse_time_window

    if text is None:
        return None
    now = pd_now(tz)
    try:
        window = parse_time_window(text, tz, ref=now.date(), dayfirst=dayfirst)
    except ReceiptkitError as exc:
        raise with_order_flags(ReceiptkitError(exc.reason, column=what, value=text)) from None
    if window.start > now:
        raise ReceiptkitError(
            f"{text} is read as {window.start:%Y-%m-%d %H:%M} {tz}, later than now ({now:%Y-%m-%d %H:%M}): give a "
            "time that has passed (the year, or 上午/下午, may be wrong)",
            column=what,
            value=text,
        )
    if time_of_day and window.precision == "day":
        raise ReceiptkitError(
            f'{text} is a day, not a time: say when, e.g. "{window.start:%Y-%m-%d} 14:00" or "昨天下午2点" '
            f'(the day\'s start is "{window.start:%Y-%m-%d} 00:00"): nothing after the time is vouched for',
            column=what,
            value=text,
        )
    return window.start.to_pydatetime()


def pd_now(tz: str) -> pd.Timestamp:
    """Now, in ``tz`` (the reference of a typed time: its day, its year, and nothing after it)."""
    import pandas as pd

    return pd.Timestamp.now(tz=tz)


def _as_typed(text: str, tz: str, dayfirst: bool | None) -> str:
    """How a typed time was read, in the shop's zone: ``2026-11-18 14:00 Asia/Shanghai``, and, when the text
    names a window, ``(下午2点: 14:00-15:00, from its start)``."""
    from receiptkit.timeparse import parse_time_window

    window = parse_time_window(text, tz, ref=pd_now(tz).date(), dayfirst=dayfirst)
    said = f"{window.start:%Y-%m-%d %H:%M} {tz}"
    if window.end is not None:
        end = (
            f"{window.end:%H:%M}"
            if window.end.date() == window.start.date()
            else f"{window.end:%Y-%m-%d %H:%M}"
        )
        said += f" (as typed: {text}, {window.start:%H:%M}-{end}: from its start)"
    elif text.strip() != f"{window.start:%Y-%m-%d %H:%M}":
        said += f" (as typed: {text})"
    return said


def _tampered(exc: AuditError) -> NoReturn:
    err_console.print(f"terminal register TAMPERED: {exc}", highlight=False, soft_wrap=True, markup=False)
    raise typer.Exit(EXIT_FOUND_PROBLEM)


@contextmanager
def _register_errors() -> Iterator[None]:
    """A tampered register exits 1 with its one line; other receiptkit errors (a missing key too) exit 2."""
    try:
        yield
    except VerificationKeyError as exc:  # no usable key is a usage problem (exit 2), not tampering
        fail(exc)
    except AuditError as exc:
        _tampered(exc)
    except ReceiptkitError as exc:
        fail(exc)


def _say(entry: Terminal, what: str) -> None:
    console.print(
        f"terminal {entry.terminal_id} {what}: {entry.status}", highlight=False, soft_wrap=True, markup=False
    )


@terminal_app.command("list")
def list_cmd(audit: AuditOption = DEFAULT_AUDIT) -> None:
    """Show every terminal in the register with its status."""
    register = _open(audit, create=False)
    with _register_errors():
        frame = register.list()
    table = Table(title=f"terminals in {audit}")
    columns = ["terminal_id", "merchant_id", "model", "serial_no", "status", "status_at", "replaced_by"]
    for column in columns:
        table.add_column(column)
    for _, row in frame.iterrows():
        table.add_row(*["" if pd_isna(row[c]) else escape(str(row[c])) for c in columns])
    console.print(table)


@terminal_app.command("add")
def add_cmd(
    terminal_id: Annotated[str, typer.Argument(help="The terminal number (终端号).")],
    operator: OperatorOption,
    merchant: Annotated[str | None, typer.Option(help="Merchant number (商户号).")] = None,
    model: Annotated[str | None, typer.Option(help="Terminal model.")] = None,
    serial: Annotated[str | None, typer.Option(help="Serial number of the device.")] = None,
    acquirer: Annotated[str | None, typer.Option(help="The acquirer (收单机构).")] = None,
    since: Annotated[str | None, typer.Option(help="In service since (optional).")] = None,
    note: Annotated[str | None, typer.Option(help="A note.")] = None,
    audit: AuditOption = DEFAULT_AUDIT,
    new_audit_log: Annotated[
        bool,
        typer.Option(
            "--new-audit-log",
            help="Start a new audit log (and register) at --audit when there is none (the shop's first "
            "terminal); without it a missing log is refused before anything is written.",
        ),
    ] = False,
    tz: TzOption = "Asia/Shanghai",
    dayfirst: DayfirstOption = None,
) -> None:
    """Put a terminal in the register as active."""
    why = (
        "the terminal register is kept in the shop's audit log (a new log would hold a second register, "
        "which the loss reports, find, reprint and close-terminal given the shop's log never read)"
    )
    first = "the shop's first terminal"
    try:
        check_audit_log(audit, new_audit_log, why=why, first=first)
    except ReceiptkitError as exc:
        fail(exc)
    file = audit_file(audit)  # None on a server: its log is checked when it is opened
    new_log = new_audit_log and file is not None and not file.exists()
    # a server's database without the log is refused unless --new-audit-log, as a missing file is above
    register = _open(
        audit,
        create=new_audit_log or file is not None,
        missing=f"no audit log at {audit}: {why}; to start a new log there ({first}), give --new-audit-log",
    )
    with _register_errors():
        entry = register.add(
            terminal_id,
            operator=operator,
            merchant_id=merchant,
            model=model,
            serial_no=serial,
            acquirer=acquirer,
            since=_time(since, tz, "--since", dayfirst),
            note=note,
        )
    if new_log and file is not None and file.exists():
        started_log_note(audit, "the register and every reprint are kept in it; every later command needs it")
    _say(entry, "added")


@terminal_app.command("report-lost")
def report_lost_cmd(
    terminal_id: Annotated[str, typer.Argument(help="The terminal that was lost, stolen or broken.")],
    at: Annotated[
        str,
        typer.Option(
            help='When it was lost, read as find --time reads it: "2026-11-20 14:00", "昨天下午2点", '
            '"11月18日上午8点11"; an hour or a window counts from its start.'
        ),
    ],
    operator: OperatorOption,
    note: Annotated[str | None, typer.Option(help="What happened.")] = None,
    audit: AuditOption = DEFAULT_AUDIT,
    tz: TzOption = "Asia/Shanghai",
    dayfirst: DayfirstOption = None,
) -> None:
    """Report a terminal lost since a time; nothing done with it after that time is vouched for."""
    register = _open(audit, create=False)
    with _register_errors():
        entry = register.report_lost(
            terminal_id, at=_time(at, tz, "--at", dayfirst, time_of_day=True), operator=operator, note=note
        )
    _say(entry, f"reported lost since {_as_typed(at, tz, dayfirst)}")
    console.print("nothing done with it after that time is vouched for", highlight=False, soft_wrap=True)


@terminal_app.command("replace")
def replace_cmd(
    terminal_id: Annotated[str, typer.Argument(help="The terminal being replaced.")],
    by: Annotated[str, typer.Option(help="The replacement terminal's number.")],
    operator: OperatorOption,
    at: Annotated[str | None, typer.Option(help="When (default: now).")] = None,
    note: Annotated[str | None, typer.Option(help="A note.")] = None,
    model: Annotated[str | None, typer.Option(help="Model of the replacement.")] = None,
    serial: Annotated[str | None, typer.Option(help="Serial number of the replacement.")] = None,
    audit: AuditOption = DEFAULT_AUDIT,
    tz: TzOption = "Asia/Shanghai",
    dayfirst: DayfirstOption = None,
) -> None:
    """Mark a terminal replaced by another (added to the register when new)."""
    register = _open(audit, create=False)
    with _register_errors():
        entry = register.replace(
            terminal_id,
            by=by,
            operator=operator,
            at=_time(at, tz, "--at", dayfirst, time_of_day=True),
            note=note,
            model=model,
            serial_no=serial,
        )
    _say(entry, f"replaced by {entry.replaced_by}")


@terminal_app.command("show")
def show_cmd(
    terminal_id: Annotated[str, typer.Argument(help="The terminal.")],
    audit: AuditOption = DEFAULT_AUDIT,
) -> None:
    """Show one terminal: attributes, status, cutoff and every change (exit 1 if the register was tampered with)."""
    register = _open(audit, create=False)
    with _register_errors():
        entry = register.get(terminal_id)
        late = register.backdated()
    for name in (
        "terminal_id",
        "merchant_id",
        "model",
        "serial_no",
        "acquirer",
        "status",
        "replaced_by",
        "replaces",
    ):
        value = getattr(entry, name)
        if value is not None:
            console.print(f"{name}: {value}", highlight=False, soft_wrap=True, markup=False)
    if entry.cutoff_at is not None:
        console.print(
            f"cutoff: {entry.cutoff_status} at {entry.cutoff_at.isoformat()} "
            f"(written {entry.reported_at.isoformat() if entry.reported_at else '?'}): "
            "transactions after it are not vouched for",
            highlight=False,
            soft_wrap=True,
        )
    if entry.aliases:
        console.print(f"aliases: {'; '.join(entry.aliases)}", highlight=False, soft_wrap=True, markup=False)
    table = Table(title="changes (from the audit log)")
    for column in ("seq", "status", "claimed time", "recorded", "operator", "note"):
        table.add_column(column)
    for change in entry.history:
        table.add_row(
            str(change.seq),
            escape(change.status),
            "" if change.at is None else change.at.isoformat(),
            change.recorded_at.isoformat(timespec="seconds"),
            escape(change.operator or ""),
            escape(
                (
                    f"{change.action} {change.details.get('alias')}; "
                    if change.action in ("alias", "unalias")
                    else ""
                )
                + (change.note or "")
                + (f" -> {change.replacement}" if change.replacement else "")
            ),
        )
    console.print(table)
    mine = late[late["subject"] == entry.terminal_id] if len(late) else late
    for _, row in mine.iterrows():
        console.print(
            f"backdated: the {row['status']} change (row {row['seq']}) was written {whole_seconds(row['lag'])} after the time it "
            f"claims; {row['reprints_between']} reprint(s) of this terminal's transactions were logged in between",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )


@terminal_app.command("alias")
def alias_cmd(
    terminal_id: Annotated[str, typer.Argument(help="The terminal whose merchant has this name.")],
    text: Annotated[str, typer.Argument(help="The name on statements, e.g. 上海某某餐饮管理有限公司.")],
    operator: OperatorOption,
    note: Annotated[str | None, typer.Option(help="A note.")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Withdraw the alias instead.")] = False,
    audit: AuditOption = DEFAULT_AUDIT,
) -> None:
    """Declare a name the terminal's merchant has on statements (legal entity, aggregator, head office).

    `receiptkit find --audit` and `receiptkit reconcile --audit` then read proofs
    naming it as this merchant's, instead of as neutral or another shop.
    """
    register = _open(audit, create=False)
    with _register_errors():
        entry = register.alias(terminal_id, text, operator=operator, note=note, remove=remove)
    what = "withdrawn" if remove else "declared"
    console.print(
        f"terminal {entry.terminal_id}: alias {text} {what}; aliases now: {'; '.join(entry.aliases) or 'none'}",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )


@terminal_app.command("verify")
def verify_cmd(audit: AuditOption = DEFAULT_AUDIT) -> None:
    """Check the audit chain and every register row against it; list backdated changes (exit 1 on tampering)."""
    report = _open(audit, create=False).verify()
    for _, row in report.backdated.iterrows():
        console.print(
            f"backdated: terminal {row['subject']} {row['status']} claims {row['effective_at'].isoformat()}, "
            f"written {whole_seconds(row['lag'])} later ({row['reprints_between']} reprint(s) in between)",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    if report.ok:
        console.print("terminal register intact and in line with the audit log", highlight=False)
        return
    for problem in report.problems:
        err_console.print(
            f"terminal register TAMPERED: {problem}", highlight=False, soft_wrap=True, markup=False
        )
    raise typer.Exit(EXIT_FOUND_PROBLEM)


def _unclocked_lines(links: pd.DataFrame) -> list[str]:
    """The links a rebuilt journal rests on an RRN alone (:attr:`MergedJournal.unclocked_links`), for the user."""
    from receiptkit.money import format_minor

    if not len(links):
        return []
    lines = [
        f"{len(links)} link(s) rest on an RRN alone, with no clock to check them (an RRN recurs on other "
        "settlement days): is each one sale? If not (two sales of one amount on two days), "
        "clear that row's RRN in the later journal and run again:"
    ]
    for row in links.itertuples(index=False):
        days = abs(float(row.difference_s)) / 86_400
        lines.append(
            f"  RRN {row.rrn}: {row.txn_id} {row.ts_a:%Y-%m-%d %H:%M:%S} ({row.sources_a}) = {row.source_txn_id} "
            f"{row.ts_b:%Y-%m-%d %H:%M:%S} ({row.source}), {days:.1f} days apart, "
            f"{format_minor(int(row.amount_minor), str(row.currency))} {row.currency}"
        )
    return lines


@terminal_app.command("activity")
def activity_cmd(
    terminal_id: Annotated[str, typer.Argument(help="The terminal.")],
    journal: Annotated[
        list[Path],
        typer.Option(
            help="A journal or back-office export (repeat to rebuild from several: most trusted first)."
        ),
    ],
    out: Annotated[Path, typer.Option(help="Write the list with totals to .xlsx or .csv.")],
    since_loss: Annotated[
        bool,
        typer.Option("--since-loss/--all", help="Only what happened after the cutoff (default), or all."),
    ] = True,
    preset: Annotated[
        list[str] | None, typer.Option(help="Journal preset (once for all journals, or once per journal).")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option(help="A label per journal (default: file names).")
    ] = None,
    audit: AuditOption = DEFAULT_AUDIT,
    tz: Annotated[
        str | None, typer.Option(help="Time zone of the journals' naive times.", callback=checked_zone())
    ] = None,
) -> None:
    """The list a merchant hands the acquirer and the police: the terminal's transactions after its loss."""
    import receiptkit as rk
    from receiptkit.terminals import (
        UnclockedLinkWarning,
        activity_summary,
        loss_activity,
        merge_journals,
        write_activity,
    )

    presets: list[str | None] = list(preset or [])
    if len(presets) not in (0, 1, len(journal)):
        fail(ReceiptkitError(f"give --preset once, or once per --journal ({len(journal)})"))
    try:
        check_exports(
            {f"--out {out}": out}, {f"a journal (--journal {path})": path for path in journal}, audit
        )
    except ReceiptkitError as exc:
        fail(exc)
    register = _open(audit, create=False)
    with _register_errors():
        frames = [
            rk.read_journal(path, preset=(presets[i] if len(presets) > 1 else (presets or [None])[0]), tz=tz)
            for i, path in enumerate(journal)
        ]
        if len(frames) > 1:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UnclockedLinkWarning)  # said below, pair by pair
                merged = merge_journals(frames, sources=source)
            log = merged.journal
            if len(merged.conflicts):
                console.print(
                    f"{len(merged.conflicts)} conflict(s) between the sources (rows kept apart, see merge_conflict)",
                    highlight=False,
                )
            for line in _unclocked_lines(merged.unclocked_links):
                console.print(line, highlight=False, soft_wrap=True, markup=False)
        else:
            log = frames[0]
        activity = loss_activity(log, terminal_id, register, since_loss=since_loss, audit=register.log)
        written = write_activity(activity, out)
    for line in activity_summary(activity):
        console.print(line, highlight=False, soft_wrap=True, markup=False)
    console.print(f"written to {written}", highlight=False, soft_wrap=True, markup=False)
