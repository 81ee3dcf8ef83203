"""Clean-room evaluation of proof-to-journal matching (issue #17, "Evaluation that cannot flatter").

Written from the field description (../shared/FIELD-GUIDE-PROOFS.md, issues #17 and #18, the public frame
contracts in docs/journal.md and docs/proofs.md) by someone who has not read the matcher's code. It is for
evaluation only: nothing in the library is tuned on it.

- :mod:`cleanroom.world`: brands, chains, branches in several cities, terminals and their clocks, and the
  names a payment reaches the customer under (shop sign, branch, wallet prefixes, legal entities, aggregators).
- :mod:`cleanroom.journal`: the merchant journal (canonical journal frame).
- :mod:`cleanroom.proofs`: the customer proofs (canonical proofs frame) with a truth and a category each.
- :mod:`cleanroom.oracle`: whether a careful clerk holding the same evidence could single out the transaction.
- :mod:`cleanroom.methods`: receiptkit, a naive pandas baseline, recordlinkage and splink on the same data.
- :mod:`cleanroom.scoring`: precision, recall and false matches per category.
"""

from __future__ import annotations

from cleanroom.journal import make_journal
from cleanroom.proofs import CATEGORIES, make_proofs
from cleanroom.world import make_world

__all__ = ["CATEGORIES", "make_journal", "make_proofs", "make_world"]
