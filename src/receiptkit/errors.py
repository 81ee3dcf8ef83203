"""Every error receiptkit raises, in one place.

Each error carries where it happened (file, row or line, column, value) when
that applies, and its message names them so that a person can find and fix the
bad input without reading a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from receiptkit.pan import mask_cell, mask_pans_deep

__all__ = [
    "AmountError",
    "AuditError",
    "ClosingError",
    "ClosingRefused",
    "ConfirmRefused",
    "JournalError",
    "LearnedFileError",
    "PackError",
    "PolicyError",
    "PrintUnconfirmed",
    "PrinterError",
    "PrinterNotReady",
    "ProofError",
    "ReceiptkitError",
    "ReprintInterrupted",
    "ReprintRefused",
    "SchemaError",
    "SettlementError",
    "SlipLayoutError",
    "TimeParseError",
]


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ReceiptkitError(Exception):
    """Base class of all receiptkit errors.

    Attributes ``file``, ``row``, ``column`` and ``value`` say where the problem
    is; any of them may be ``None`` when it does not apply. ``row`` is the
    1-based line number in a text file, or the 1-based data row in a table
    source (spreadsheet row for Excel, record number for SQL and frames).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
    ) -> None:
        # Errors quote input (a raw line, a cell): a full card number or an
        # expiry date in it must not reach a message, a log or a traceback.
        self.reason = mask_pans_deep(message)
        self.file = None if file is None else mask_pans_deep(str(file))  # a file may be named by a card
        self.row = row
        self.column = column
        self.value = mask_cell(column, value)  # an expiry column's value is never quoted
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        prefix = ", ".join(where)
        text = f"{prefix}: {self.reason}" if prefix else self.reason
        if self.value is not None:
            text += f" (value {_short(self.value)})"
        return text

    def located(
        self,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
    ) -> ReceiptkitError:
        """Return a copy of this error with missing location fields filled in."""
        return type(self)(
            self.reason,
            file=self.file if self.file is not None else file,
            row=self.row if self.row is not None else row,
            column=self.column if self.column is not None else column,
            value=self.value if self.value is not None else value,
        )


class AmountError(ReceiptkitError, ValueError):
    """A money amount could not be read exactly."""


class TimeParseError(ReceiptkitError, ValueError):
    """A date or time could not be read."""


class SchemaError(ReceiptkitError, ValueError):
    """A frame does not follow the canonical schema."""


class SlipLayoutError(ReceiptkitError, ValueError):
    """A slip field (an amount, an id, a number) does not fit the paper's width whole.

    ``column`` names the field. A number is never cut across lines (its first line would read as
    another, smaller number), so the slip is refused instead.
    """


class PolicyError(ReceiptkitError, ValueError):
    """A matcher or reprint parameter (:class:`~receiptkit.MatchPolicy`, :class:`~receiptkit.ReprintPolicy`) is out of its range."""


class JournalError(ReceiptkitError, ValueError):
    """The terminal journal could not be read or is invalid."""


class ProofError(ReceiptkitError, ValueError):
    """A proof of payment could not be read."""


class PrinterError(ReceiptkitError, OSError):
    """The printer could not be reached or reported a fault."""


class PrinterNotReady(PrinterError):
    """The printer's real-time status refuses the job; ``conditions`` names why.

    Conditions: ``offline``, ``cover_open``, ``paper_end``, ``error`` (and the
    error's kind when the printer says it: ``autocutter_error``,
    ``unrecoverable_error``, ``recoverable_error``).
    """

    def __init__(self, message: str, *, conditions: tuple[str, ...] = (), **where: Any) -> None:
        self.conditions = tuple(conditions)
        super().__init__(message, **where)


class PrintUnconfirmed(PrinterError):
    """The slip's bytes left for the printer, but the printer did not confirm that it printed them.

    Not a failure to forget: the slip may be on the counter, half printed, or
    come out later (a printer out of paper prints its queue once paper is
    loaded). ``record`` is the reprint's record when a reprint raised it, and
    ``result`` the :class:`receiptkit.printers.PrintResult`.
    """

    def __init__(self, message: str, *, record: Any = None, result: Any = None, **where: Any) -> None:
        self.record = record
        self.result = result
        super().__init__(message, **where)


class ReprintRefused(ReceiptkitError):
    """A reprint was refused by a control rule; ``rule`` names the rule.

    A policy refusal, not an I/O error: it is no ``OSError`` (nor ``PermissionError``), so a POS program's
    ``except OSError:`` around printing (retry, "check the printer") never catches it. Until session 20 it
    subclassed ``PermissionError`` (newcomer 19, G14.1); catch ``ReprintRefused`` (or ``ReceiptkitError``).
    """

    def __init__(self, message: str, *, rule: str = "", **where: Any) -> None:
        self.rule = rule
        super().__init__(f"[{rule}] {message}" if rule else message, **where)


class ReprintInterrupted(KeyboardInterrupt):
    """A reprint stopped by a Ctrl-C (SIGINT) once its attempt was written, with the attempt closed in the log.

    A :class:`KeyboardInterrupt` (code that stops on Ctrl-C keeps stopping), raised by
    :func:`receiptkit.reprint` after it appended the attempt's closing row: ``state`` is what the log
    now says, ``failed`` (nothing was sent: calling ``reprint`` again retries the same number and code),
    ``unconfirmed`` (bytes may have reached the printer or an output file was written: check it, then
    :meth:`receiptkit.AuditLog.confirm` or call ``reprint`` again), or ``printed`` (the Ctrl-C came after
    the duplicate was made and logged: do not reprint it). ``detail`` is the closing row's own words
    (``interrupted by the operator (Ctrl-C) before anything was sent or written``, ``... after all 1234
    bytes of the slip were sent, before the printer confirmed it ...``). ``str(error)`` says all of it
    and the way forward. A Ctrl-C before the attempt was written is a plain ``KeyboardInterrupt``: no
    number was used and nothing was printed.
    """

    def __init__(
        self,
        message: str,
        *,
        txn_id: str,
        reprint_no: int,
        attempt_id: int,
        short_code: str,
        state: str,
        detail: str = "",
    ) -> None:
        self.txn_id = txn_id
        self.reprint_no = reprint_no
        self.attempt_id = attempt_id
        self.short_code = short_code
        self.state = state
        self.detail = detail
        super().__init__(message)


class AuditError(ReceiptkitError):
    """The audit log is unusable or has been tampered with."""


class ConfirmRefused(AuditError):
    """A clerk's confirmation that a duplicate came out was refused; ``state`` says why.

    ``state`` is the attempt's state (``failed``: nothing was printed; ``printed``: already
    printed; ``pending`` / ``retry``: still in progress or its process died), ``unknown`` (no
    reprint carries the code) or ``ambiguous`` (several reprints carry it). Nothing is written.
    """

    def __init__(self, message: str, *, state: str = "", **where: Any) -> None:
        self.state = state
        super().__init__(message, **where)


class VerificationKeyError(AuditError):
    """No usable merchant key: none given or configured, empty, too short or not decodable.

    A usage problem, not tampering: the command line exits 2 for it (a tampered log exits 1).
    """


class SettlementError(ReceiptkitError, ValueError):
    """A settlement file or frame could not be read or is invalid (file, row, column, value)."""


class ClosingError(ReceiptkitError, ValueError):
    """A closing pack cannot be made from this input (unknown terminal, folder not empty, ...)."""


class ClosingRefused(ReceiptkitError, PermissionError):
    """Closing was refused: blocking open items or unsettled batches remain (``blocking`` counts them)."""

    def __init__(self, message: str, *, blocking: Mapping[str, int] | None = None, **where: Any) -> None:
        self.blocking = dict(blocking or {})
        super().__init__(message, **where)


class PackError(ReceiptkitError):
    """A pack folder cannot be written or read (not a folder, no manifest, unreadable manifest)."""


class LearnedFileError(ReceiptkitError, ValueError):
    """A learned file (``<journal>.receiptkit.json``) is malformed, or cannot be used with this journal.

    ``file`` names the file; ``value`` the entry (e.g. the clock-offset key read two ways).
    """
