"""``python -m receiptkit``: the ``receiptkit`` command line (the same app as the console script)."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``receiptkit`` command line (:func:`receiptkit.cli.main`).

    The commands are imported here, inside the function, so that a Ctrl-C while they load (about half a
    second) is the same one line, ``interrupted``, and exit 130 as one while a command runs.
    """
    try:
        from receiptkit.cli import main as cli_main
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr, flush=True)
        sys.exit(130)
    cli_main()


if __name__ == "__main__":
    main()
