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
    except KeyboardInterrupt as exc:  # one between the commands (their own Ctrl-C is handled in app.py)
        sys.exit(interrupted(exc))
    except Exception as exc:  # a bug: one line, the traceback only with --debug
        sys.exit(internal_error(exc))
    finally:
        _ignore_ctrl_c_at_exit()


def _ignore_ctrl_c_at_exit() -> None:
    """Once the command has said how it ended, a Ctrl-C changes nothing: it is ignored while Python shuts down.

    Shutting the interpreter down takes about half a second, and Python gives SIGINT back its default action
    first: a Ctrl-C then killed the process by the signal (status -2, shell 130) after ``reprint`` had printed
    ``done`` and exited 0 (newcomer 18 F12.11, newcomer 19 G5).
    """
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
