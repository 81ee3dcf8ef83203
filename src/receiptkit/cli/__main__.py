"""``python -m receiptkit.cli``."""

from receiptkit.cli import main

main()
