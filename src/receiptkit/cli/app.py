"""The shared Typer app, consoles and error handling of the command line.

Exit codes: 0 success; 1 the command ran but found a problem (e.g. no match,
a tampered log); 2 bad usage or unreadable input (a one-line error, no
traceback unless ``--debug``).
"""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

__all__ = [
    "EXIT_FOUND_PROBLEM",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_USAGE",
    "app",
    "console",
    "err_console",
    "fail",
    "internal_error",
    "pd_isna",
]

app = typer.Typer(
    name="receiptkit",
    pretty_exceptions_enable=False,
    help="Trustworthy duplicates of lost card and QR payment slips.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)
_state = {"debug": False}

EXIT_OK, EXIT_FOUND_PROBLEM, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False) -> None:
    _state["debug"] = debug


def fail(exc: Exception) -> NoReturn:
    """Print ``exc`` as one readable line (or re-raise it under ``--debug``) and exit 2."""
    if _state["debug"]:
        raise exc
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_USAGE)


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
