"""``python -m receiptkit``: the ``receiptkit`` command line (the same app as the console script)."""

from __future__ import annotations


def main() -> None:
    """Run the ``receiptkit`` command line (:func:`receiptkit.cli.main`)."""
    from receiptkit.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
