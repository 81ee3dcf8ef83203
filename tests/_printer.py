"""The older name of the fake printer (:mod:`fakeprinter`), kept for the tests that import it."""

from __future__ import annotations

from fakeprinter import FakePrinter as PrinterServer

PAPER_OK, PAPER_OUT = 0x12, 0x72  # DLE EOT 4 replies: fixed bits 1 and 4; bits 5-6 = paper end

__all__ = ["PAPER_OK", "PAPER_OUT", "PrinterServer"]
