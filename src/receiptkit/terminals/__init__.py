"""Terminals: the register, the journal rebuilt from back-office exports, activity after a loss.

- :class:`Terminals` (register.py): terminals and their status changes, kept in
  the audit log's database and checked against it;
- :func:`merge_journals` (merge.py): one journal from a partial terminal export,
  the acquirer's detail and wallet merchant bills;
- :func:`mark_after_loss`, :func:`loss_activity`, :func:`write_activity`
  (after_loss.py): transactions after a terminal's reported loss, and the list
  for the acquirer and the police;
- :func:`reconcile_settlement` (settlement.py), :func:`close_terminal` (closing.py),
  :func:`verify_pack` (pack.py): settlement reconciliation and the sealed closing pack.
"""

from __future__ import annotations

from receiptkit.terminals.after_loss import (
    activity_summary,
    activity_totals,
    loss_activity,
    mark_after_loss,
    write_activity,
)
from receiptkit.terminals.closing import ClosingPack, close_terminal, open_items
from receiptkit.terminals.merge import MergedJournal, NearMissWarning, UnclockedLinkWarning, merge_journals
from receiptkit.terminals.pack import PackReport, verify_pack
from receiptkit.terminals.register import StatusChange, Terminal, Terminals
from receiptkit.terminals.settlement import Reconciliation, reconcile_settlement

__all__ = [
    "ClosingPack",
    "MergedJournal",
    "NearMissWarning",
    "PackReport",
    "Reconciliation",
    "StatusChange",
    "Terminal",
    "Terminals",
    "UnclockedLinkWarning",
    "activity_summary",
    "activity_totals",
    "close_terminal",
    "loss_activity",
    "mark_after_loss",
    "merge_journals",
    "open_items",
    "reconcile_settlement",
    "verify_pack",
    "write_activity",
]
