"""The shared Typer app, consoles and error handling of the command line.

Exit codes: 0 success; 1 the command ran but found a problem (e.g. no match,
a tampered log); 2 bad usage or unreadable input (a one-line error, no
traceback unless ``--debug``); 3 an internal error; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn

import click
import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from receiptkit.errors import ReceiptkitError

__all__ = [
    "DAYFIRST_HELP",
    "EXIT_FOUND_PROBLEM",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "DayfirstOption",
    "app",
    "console",
    "err_console",
    "fail",
    "internal_error",
    "interrupted",
    "interrupted_reprint_text",
    "pd_isna",
    "with_key_options",
    "with_order_flags",
]


class _Commands(TyperGroup):
    """The root command group: looks at the whole command line once before Click parses it."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # ctx: Typer's (vendored) Click context
        refuse_both_order_flags(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a Ctrl-C stops it with one line, ``interrupted``, and exit 130 (:func:`interrupted`).

        Typer turned a KeyboardInterrupt into a silent exit 130: the clerk saw nothing at all.
        """
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            raise typer.Exit(interrupted(exc)) from None


def interrupted(exc: BaseException | None = None) -> int:
    """Report a Ctrl-C as ``interrupted`` on stderr (under ``--debug`` the traceback first) and return the
    exit code, 130 (128 + SIGINT, as a shell reports it). The audit log's own guard has already run: an append that was
    under way finished and signed its head before the KeyboardInterrupt reached here.

    A reprint stopped after its attempt was written (:class:`~receiptkit.errors.ReprintInterrupted`) says first
    what the audit log now holds and the way forward; ``interrupted`` stays the last line."""
    import sys
    import traceback

    from receiptkit.errors import ReprintInterrupted

    if _state["debug"]:
        traceback.print_exc()
    if isinstance(exc, ReprintInterrupted):
        print(interrupted_reprint_text(exc), file=sys.stderr, flush=True)
    print("interrupted", file=sys.stderr, flush=True)
    return EXIT_INTERRUPTED


def interrupted_reprint_text(exc: Any) -> str:
    """What a clerk is told of a reprint a Ctrl-C stopped (a ReprintInterrupted): the state, and what to do."""
    where = f"reprint {exc.reprint_no} of {exc.txn_id} (verification code {exc.short_code})"
    if exc.state == "failed":
        return (
            f"{where} was not printed: {exc.detail}. The audit log records it failed; the number stays used. "
            f"Run the same command again: it reprints number {exc.reprint_no} with the same code."
        )
    if exc.state == "unconfirmed":
        return (
            f"CHECK THE PRINTER: {where} may have come out: {exc.detail}. The audit log records it unconfirmed. "
            f"If the duplicate came out whole, record it: receiptkit audit confirm {exc.short_code} --operator NAME. "
            "If it did not, run the same command again (with --overwrite when it wrote a file, and --override "
            "same_proof with the reason when a proof identified the sale): it reprints number "
            f"{exc.reprint_no} with the same code."
        )
    return (
        f"{where} was done before the Ctrl-C took effect ({exc.detail}); the audit log records it {exc.state}: "
        "do not reprint it again for this customer."
    )


def refuse_both_order_flags(args: Sequence[str]) -> None:
    """Exit 2 when ``--dayfirst`` and ``--monthfirst`` are both on the command line (before any ``--``).

    Click keeps the last of a ``--x/--no-x`` pair, so ``3/11`` was read in whichever order came last,
    silently; one of the two is what the clerk means, and only the clerk knows which.
    """
    given = list(args[: args.index("--")] if "--" in args else args)
    if "--dayfirst" in given and "--monthfirst" in given:
        fail(
            ReceiptkitError(
                "--dayfirst and --monthfirst were both given: give one (3/11 day first is 3 November, "
                "month first 11 March), or neither to read the date as --tz's territory writes it"
            )
        )


app = typer.Typer(
    cls=_Commands,
    name="receiptkit",
    pretty_exceptions_enable=False,
    help="Trustworthy duplicates of lost card and QR payment slips.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


def _flags_as_flags() -> None:
    """``--help`` shows a flag as a flag (``--debug``), not ``--debug <bool>``: typer 0.29 types every option,
    flags included, though a flag takes no value. Only what help shows changes; parsing is click's."""
    from typer.core import TyperOption

    shown = getattr(TyperOption, "display_type_rich", None)
    if shown is None or getattr(shown, "_receiptkit_flags", False):
        return  # an older typer shows no type for a flag; or done already

    def display_type_rich(self: TyperOption, ctx: click.Context) -> str | None:
        return None if self.is_flag and self.metavar is None else shown(self, ctx)

    display_type_rich._receiptkit_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign,assignment]


_flags_as_flags()


def given_twice(params: Sequence[Any], args: Sequence[str]) -> tuple[str, list[str]] | None:
    """The first option taking one value that ``args`` give more than once, with the values given; or None.

    Click keeps the last value of an option given twice, silently: ``find --journal acq.csv --journal wx.csv``
    searched ``wx.csv`` only and told the clerk there was no such payment, and ``close-terminal`` with three
    ``--journal``s sealed a pack of the last file only (newcomer 20, H1, H2). Options that take several values
    (``multiple``, e.g. ``terminal activity --journal``) and flags are not counted; nothing after ``--`` is.
    """
    single: dict[str, str] = {}
    for param in params:
        if (  # typer's options are its own vendored Click's: read by what they are, not their class
            getattr(param, "param_type_name", "") == "option"
            and not getattr(param, "multiple", False)
            and not getattr(param, "is_flag", False)
            and not getattr(param, "count", False)
            and getattr(param, "nargs", 1) == 1
        ):
            for name in [*param.opts, *param.secondary_opts]:
                single[name] = param.opts[0] if param.opts else name
    seen: dict[str, list[str]] = {}
    tokens = list(args)
    k = 0
    while k < len(tokens):
        token = tokens[k]
        if token == "--":
            break
        name, eq, value = token.partition("=")
        if name in single:
            if eq:
                seen.setdefault(single[name], []).append(value)
            elif k + 1 < len(tokens):
                seen.setdefault(single[name], []).append(tokens[k + 1])
                k += 1
            else:
                seen.setdefault(single[name], []).append("")
        k += 1
    for name, values in seen.items():
        if len(values) > 1:
            return name, values
    return None


def _refuse_options_given_twice() -> None:
    """Every command exits 2 when an option that takes one value is given twice (:func:`given_twice`)."""
    from typer.core import TyperCommand

    parse = TyperCommand.parse_args
    if getattr(parse, "_receiptkit_once", False):
        return

    def parse_args(self: TyperCommand, ctx: Any, args: list[str]) -> list[str]:
        if not str(getattr(self.callback, "__module__", "")).startswith("receiptkit."):
            return parse(self, ctx, args)  # another program's Typer commands in this process: as Typer parses
        twice = given_twice(self.params, args)
        if twice is not None:
            name, values = twice
            shown = ", ".join(repr(v) for v in values[:4]) + (", ..." if len(values) > 4 else "")
            more = _TWICE_ADVICE.get(name, "")
            fail(
                ReceiptkitError(
                    f"{name} was given {len(values)} times ({shown}): {ctx.info_name} takes one {name}; "
                    f"give it once{more}"
                )
            )
        return parse(self, ctx, args)

    parse_args._receiptkit_once = True  # type: ignore[attr-defined]
    TyperCommand.parse_args = parse_args  # type: ignore[method-assign,assignment]


_TWICE_ADVICE = {
    "--journal": (
        " (to use several exports of one shop, rebuild one journal from them with receiptkit.merge_journals, "
        "docs/terminals.md, and give that file; `terminal activity` takes several --journal)"
    ),
}

_refuse_options_given_twice()
_state = {"debug": False}

EXIT_OK, EXIT_FOUND_PROBLEM, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
#: a Ctrl-C (KeyboardInterrupt): 128 + SIGINT, as shells report it
EXIT_INTERRUPTED = 130

DAYFIRST_HELP = (
    "Read a typed numeric date day first (3/11: 3 November) or month first (11 March). "
    "Default: as --tz's territory writes dates (CLDR: Asia/Shanghai month first, Asia/Hong_Kong day first); "
    "a zone without one (UTC, +08:00) refuses a date read both ways."
)
#: ``--dayfirst/--monthfirst``: the order of a typed numeric date; None lets the zone decide
DayfirstOption = Annotated[bool | None, typer.Option("--dayfirst/--monthfirst", help=DAYFIRST_HELP)]

_ORDER_WORDS = (
    ("dayfirst=True or False", "--dayfirst or --monthfirst"),
    ("dayfirst=True", "--dayfirst"),
    ("dayfirst=False", "--monthfirst"),
)


def with_order_flags(exc: ReceiptkitError) -> ReceiptkitError:
    """``exc`` saying ``--dayfirst`` / ``--monthfirst`` where the library says ``dayfirst=True/False``."""
    reason = exc.reason
    for words, flags in _ORDER_WORDS:
        reason = reason.replace(words, flags)
    if reason == exc.reason:
        return exc
    return type(exc)(reason, file=exc.file, row=exc.row, column=exc.column, value=exc.value)


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False) -> None:
    _state["debug"] = debug


def with_key_options(exc: Exception, *, key_file: bool = False, public_key: bool = False) -> Exception:
    """``load_key``'s "no verification key" in the command's words: the ways the command really has.

    The library ends it with "or pass key="; a command names ``--key-file FILE`` only when it has that
    option (``key_file``), and ``verify`` points to ``--public-key`` (``public_key``: a QR payload is
    checked with no secret). Other errors pass as they are.
    """
    from receiptkit.errors import VerificationKeyError
    from receiptkit.verification import KEY_ENV, KEY_FILE_ENV, NO_KEY

    if not isinstance(exc, VerificationKeyError) or not exc.reason.startswith(NO_KEY):
        return exc
    reason = f"{NO_KEY}: set {KEY_ENV} or {KEY_FILE_ENV}"
    if key_file:
        reason += ", or give --key-file FILE"
    if public_key:
        reason += " (a QR payload is checked without it: --public-key FILE)"
    return VerificationKeyError(reason, file=exc.file, row=exc.row, column=exc.column, value=exc.value)


def with_tz_option(exc: Exception) -> Exception:
    """``read_journal``'s "pass tz=" in the command's words: ``--tz`` (every command reading a journal has it)."""
    from receiptkit.errors import ReceiptkitError

    if not isinstance(exc, ReceiptkitError) or _LIBRARY_TZ not in exc.reason:
        return exc
    reason = exc.reason.replace(
        _LIBRARY_TZ, "give the journal's zone with --tz ZONE (e.g. --tz Asia/Shanghai)"
    )
    return type(exc)(reason, file=exc.file, row=exc.row, column=exc.column, value=exc.value)


_LIBRARY_TZ = "pass tz= (e.g. tz='Asia/Shanghai')"

# What the library tells a Python caller to do, and what the command's user does instead (no strict option,
# --preset, the proof options); applied by fail() to every error
_LIBRARY_WORDS = (
    ("pass new_audit_log=True to start one", "give --new-audit-log to start one"),
    (" (strict=False reports them all)", ""),
    (
        "Pass preset= or mapping={'<your column>': '<canonical>'}",
        "Give --preset NAME (one of those), or export the journal with one of those headers",
    ),
    (
        "read it with read_proofs, and the terminal's own export as the journal",
        "give it as the proof (--proof for find and reprint, --proofs for reconcile) and the terminal's own "
        "export as --journal",
    ),
    (
        "read it with read_journal, and the customer's proof (bill, statement, SMS) with read_proofs",
        "give it as --journal, and the customer's proof (bill, statement, SMS) as the proof (--proof for find "
        "and reprint, --proofs for reconcile)",
    ),
    (  # an SMS naming the day of the month only (广发 "22日14:02"): the command has no ref=
        "give ref= (the day it was received)",
        'save it with the time it arrived, as {"body": "<the text>", "t": <milliseconds since 1970>} in a .json '
        "file (docs/proofs.md, Card SMS), or type what it shows with the whole date: --amount, --time, --last4",
    ),
    (  # a proof file no layout reads: find and reprint have no format option, reconcile has --proof-format
        "format not recognised (give format=)",
        "format not recognised (reconcile reads it with --proof-format NAME; at the counter, type what it shows: "
        "--amount, --time, --last4)",
    ),
)


def whole_seconds(lag: object) -> str:
    """A lag as the audit commands print it: ``0 days 08:00:39``, never ``08:00:39.485198``."""
    import pandas as pd

    try:
        return str(pd.Timedelta(lag).floor("s"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(lag)


def with_command_words(exc: Exception) -> Exception:
    """``exc`` with the library's advice (``strict=False``, ``preset=``, ``read_proofs``) in the command's words."""
    if not isinstance(exc, ReceiptkitError):
        return exc
    reason = exc.reason
    for library, command in _LIBRARY_WORDS:
        reason = reason.replace(library, command)
    if reason == exc.reason:
        return exc
    return type(exc)(reason, file=exc.file, row=exc.row, column=exc.column, value=exc.value)


AUDIT_FORMS = "a SQLite file, or a SQLAlchemy URL: sqlite:///FILE, postgresql+psycopg://USER@HOST/DB"
"""What every ``--audit`` option takes (:func:`audit_option`)."""


def parse_audit(value: str | None) -> str | None:
    """An ``--audit`` value as the library takes it: a path or a URL, kept as typed (never a ``Path``).

    One parser for every command's ``--audit``. A ``Path`` option collapsed ``sqlite:///x`` into ``sqlite:/x``
    (pathlib merges slashes), so ``reprint``, ``find``, ``close-terminal`` and ``terminal ...`` looked for a
    folder named ``sqlite:`` (review 19). A URL written with one slash (``sqlite:/x``, ``postgresql:/db``) is
    refused here, naming the form that works, rather than read as a file in a folder named ``sqlite:``.
    """
    if value is None:
        return None
    import re

    text = value.strip()
    if not text:
        fail(ReceiptkitError(f"--audit is empty: give {AUDIT_FORMS}"))
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]+):/(?!/)", text)
    if scheme:
        fail(
            ReceiptkitError(
                f"--audit {value!r} is neither a file nor a URL: a URL has two slashes after its scheme "
                f"({scheme.group(1)}://...; a SQLite file is sqlite:///FILE); a file in a folder named "
                f"{scheme.group(1)}: is written ./{text}"
            )
        )
    return text


def audit_option(help: str, *names: str) -> Any:
    """The ``typer.Option`` of every command's ``--audit``: :data:`AUDIT_FORMS`, read by :func:`parse_audit`.

    Annotate the parameter ``str`` (or ``str | None``): a path or a URL, as the library's ``audit=`` takes it.
    """
    return typer.Option(*names, help=f"{help} ({AUDIT_FORMS}).", callback=parse_audit)


def audit_file(audit: str | Path | None) -> Path | None:
    """The SQLite file an ``--audit`` value names (a path, or a ``sqlite:///FILE`` URL); ``None`` for a server."""
    from receiptkit.reprinting import audit_files

    if audit is None:
        return None
    return audit_files(str(audit)).get("the audit log")


def check_audit_log(
    audit: str, new_audit_log: bool, *, why: str, first: str, journal: Path | None = None
) -> None:
    """Refuse, before anything is read or written, an ``--audit`` file that does not exist unless
    ``--new-audit-log``; name a log found nearby (the default one in this folder, or one beside the journal).

    For every command that writes to the audit log (``reprint``, ``close-terminal``, ``terminal add``): a
    mistyped ``--audit``, or a command run from another folder, once started a second log without a word.
    ``why``: what the shop's log holds that a new one would not; ``first``: when a new log is right. A
    database URL is checked when it is opened (no file here).
    """
    from receiptkit.reprinting import DEFAULT_AUDIT, _same_file

    file = audit_file(audit)
    if new_audit_log or file is None or file.exists():  # a server's log is checked when it is opened
        return
    nearby = []
    here = Path(DEFAULT_AUDIT)
    if here.is_file() and not _same_file(here, file):
        nearby.append(f"an audit log exists at {DEFAULT_AUDIT} (the default, in this folder)")
    beside = None if journal is None else journal.parent / DEFAULT_AUDIT
    if (
        beside is not None
        and beside.is_file()
        and not _same_file(beside, file)
        and not _same_file(beside, here)
    ):
        nearby.append(f"an audit log exists beside the journal: {beside}")
    found = f"; {' and '.join(nearby)}: give it with --audit" if nearby else ""
    raise ReceiptkitError(
        f"no audit log at {audit}: {why}{found}; to start a new log there ({first}), give --new-audit-log"
    )


def started_log_note(audit: str, later: str) -> None:
    """The note a command given ``--new-audit-log`` prints when it started the log."""
    err_console.print(
        f"note: started a new audit log at {escape(str(audit))} (--new-audit-log); keep it: {later}",
        highlight=False,
        soft_wrap=True,
    )


def fail(exc: Exception, *, key_file: bool = False, public_key: bool = False) -> NoReturn:
    """Print ``exc`` as one readable line (or re-raise it under ``--debug``) and exit 2.

    ``key_file`` / ``public_key``: the command has ``--key-file`` / ``--public-key``, named when the
    error is that no merchant key was given (:func:`with_key_options`).
    """
    if _state["debug"]:
        raise exc
    exc = with_key_options(exc, key_file=key_file, public_key=public_key)
    exc = with_tz_option(exc)
    exc = with_command_words(exc)
    err_console.print(f"[bold red]error:[/] {escape(_one_line(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_USAGE)


def _one_line(exc: Exception) -> str:
    """``exc`` as one line, its ``(value ...)`` tail dropped when the message names the value already (a
    refusal's transaction), and said as what it is when a refusal does not name it."""
    from receiptkit.errors import ReprintRefused, _short

    text = str(exc)
    value = getattr(exc, "value", None)
    if not isinstance(exc, ReceiptkitError) or value is None:
        return text
    tail = f" (value {_short(value)})"
    if not text.endswith(tail):
        return text
    if str(value) in exc.reason:
        return text.removesuffix(tail)
    if isinstance(exc, ReprintRefused):
        return text.removesuffix(tail) + f" (transaction {value})"
    return text


def checked_zone(option: str = "--tz") -> Callable[[str | None], str | None]:
    """A typer callback for a zone option: its value as every reader takes it (``UTC+8`` -> ``+08:00``).

    One validation for every command's ``--tz``, the same as every reader's ``tz=``
    (:func:`receiptkit.timeparse.zone_option`: an IANA name,
    or an offset ``+8``, ``UTC+8``, ``GMT-5``, ``+05:30`` read with the sign as written); anything
    else is exit 2 with one line naming the option and the value, before any file is read.
    """

    def check(value: str | None) -> str | None:
        from receiptkit.errors import TimeParseError
        from receiptkit.timeparse import zone_option

        try:
            return zone_option(value, option=option)
        except TimeParseError as exc:
            fail(exc)

    return check


def internal_error(exc: BaseException) -> int:
    """Report an unexpected exception (a bug) as one line and return the exit code (3).

    Under ``--debug`` the exception is re-raised with its traceback instead.
    """
    if _state["debug"]:
        raise exc
    err_console.print(
        f"[bold red]error:[/] internal error ({type(exc).__name__}: {escape(str(exc))}); "
        "run with --debug for the traceback",
        highlight=False,
        soft_wrap=True,
    )
    return EXIT_INTERNAL


def pd_isna(value: object) -> bool:
    """True for None and pandas/numpy missing values."""
    import pandas as pd

    return value is None or bool(pd.isna(value)) if not isinstance(value, list | tuple) else False


def check_exports(
    outputs: Mapping[str, Path],
    inputs: Mapping[str, Path | None],
    audit: object | None = None,
    *,
    overwrite: bool = True,
    hint: str = "pass --force to replace it",
) -> None:
    """Refuse, before anything is read, an export (a report, a list, a head, a backup, a public key) written over
    an input, the audit log's files or the merchant key, or into a folder that does not exist
    (:func:`receiptkit.reprinting.check_outputs`). An existing export is replaced when ``overwrite``, else refused
    saying ``hint``. ``outputs``: each by how the command names it (``"--out r.csv"``); ``inputs``: the
    command's input files by what they are (``"the journal (--journal)"``)."""
    from receiptkit.reprinting import _key_files, audit_files, check_outputs

    protected: dict[str, Path | None] = dict(inputs)
    if audit is not None:  # a server's log has no file here; a sqlite:/// URL names its file
        for what, path in audit_files(str(audit)).items():
            protected[f"{what} (--audit)" if what == "the audit log" else what] = path
    protected.update(_key_files(None))
    check_outputs(outputs, protected, overwrite=overwrite, hint=hint)
