"""The ``receiptkit`` command line: thin, over the public API.

Every module in this package that defines commands registers them on
:data:`receiptkit.cli.app.app` when imported; this file imports them all, so
adding a command group is adding a module here.

Exit codes: 0 success; 1 the command ran but found a problem (e.g. no match);
2 bad usage or unreadable input (a one-line error, no traceback unless
``--debug``); 3 an internal error (a bug: one line, the traceback with ``--debug``);
130 interrupted (Ctrl-C: one line, ``interrupted``).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import warnings
from typing import TextIO

from receiptkit.cli.app import app, internal_error, interrupted

__all__ = ["app", "main"]

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if not _module.startswith("_") and _module != "app":
        importlib.import_module(f"{__name__}.{_module}")


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """A library warning at the command line: one line, ``warning: <what>``, not Python's file, line and
    source fragment (which reads like a traceback to staff at the counter)."""
    print(f"warning: {message}", file=file or sys.stderr)


def main() -> None:
    """Console entry point."""
    if "--debug" not in sys.argv:
        warnings.showwarning = _show_warning
    try:
        app()
    except KeyboardInterrupt:  # one between the commands (their own Ctrl-C is handled in app.py)
        sys.exit(interrupted())
    except Exception as exc:  # a bug: one line, the traceback only with --debug
        sys.exit(internal_error(exc))
