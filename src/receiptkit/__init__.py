"""receiptkit: trustworthy duplicates of lost card and QR payment slips.

Read the terminal journal and the customer's proof of payment, match them,
and reprint a duplicate slip marked as such, with an audit trail.

The public API is imported lazily, so ``import receiptkit`` stays cheap for
POS software and does not import printer or PDF libraries until used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "ReceiptkitError": "receiptkit.errors",
    "JournalError": "receiptkit.errors",
    "LearnedFileError": "receiptkit.errors",
    "ProofError": "receiptkit.errors",
    "SchemaError": "receiptkit.errors",
    "PolicyError": "receiptkit.errors",
    "AmountError": "receiptkit.errors",
    "TimeParseError": "receiptkit.errors",
    "PrinterError": "receiptkit.errors",
    "PrinterNotReady": "receiptkit.errors",
    "PrintUnconfirmed": "receiptkit.errors",
    "ReprintRefused": "receiptkit.errors",
    "ReprintInterrupted": "receiptkit.errors",
    "AuditError": "receiptkit.errors",
    "ConfirmRefused": "receiptkit.errors",
    "VerificationKeyError": "receiptkit.errors",
    "Money": "receiptkit.money",
    "parse_amount": "receiptkit.money",
    "format_minor": "receiptkit.money",
    "parse_time": "receiptkit.timeparse",
    "mask_pan": "receiptkit.pan",
    "JOURNAL_COLUMNS": "receiptkit.schema",
    "PROOF_COLUMNS": "receiptkit.schema",
    "validate_journal": "receiptkit.schema",
    "validate_proofs": "receiptkit.schema",
    "empty_journal": "receiptkit.schema",
    "empty_proofs": "receiptkit.schema",
    "match": "receiptkit.matching",
    "find": "receiptkit.matching",
    "candidate_pairs": "receiptkit.matching",
    "explain": "receiptkit.matching",
    "JournalIndex": "receiptkit.matching",
    "MatchPolicy": "receiptkit.matching",
    "Learned": "receiptkit.matching.learned",
    "learned_path": "receiptkit.matching.learned",
    "load_learned": "receiptkit.matching.learned",
    "save_learned": "receiptkit.matching.learned",
    "make_dataset": "receiptkit.datasets",
    "reprint": "receiptkit.reprinting",
    "ReprintPolicy": "receiptkit.reprinting",
    "ReprintRecord": "receiptkit.reprinting",
    "read_proofs": "receiptkit.readers.proofs",
    "read_screenshot": "receiptkit.readers.screenshot",
    "proof": "receiptkit.readers.manual",
    "read_journal": "receiptkit.readers.journal",
    "AuditLog": "receiptkit.audit",
    "verify": "receiptkit.verification",
    "load_key": "receiptkit.verification",
    "VerificationCode": "receiptkit.verification",
    "Verification": "receiptkit.verification",
    "Slip": "receiptkit.slip.document",
    "write_a4_pdf": "receiptkit.slip.a4",
    "print_slip": "receiptkit.printers",
    "open_printer": "receiptkit.printers",
    "PrintResult": "receiptkit.printers",
    "Terminals": "receiptkit.terminals",
    "merge_journals": "receiptkit.terminals",
    "MergedJournal": "receiptkit.terminals",
    "NearMissWarning": "receiptkit.terminals",
    "UnclockedLinkWarning": "receiptkit.terminals",
    "mark_after_loss": "receiptkit.terminals",
    "loss_activity": "receiptkit.terminals",
    "write_activity": "receiptkit.terminals",
    "read_settlement": "receiptkit.readers.settlement",
    "reconcile_settlement": "receiptkit.terminals.settlement",
    "close_terminal": "receiptkit.terminals.closing",
    "verify_pack": "receiptkit.terminals.pack",
    "reconcile": "receiptkit.reports",
    "Reconciliation": "receiptkit.reports",
    "rejected": "receiptkit.frames",
    "skipped": "receiptkit.frames",
    "concat_proofs": "receiptkit.frames",
    "clock_offsets": "receiptkit.frames",
    "side_report": "receiptkit.frames",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'receiptkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
