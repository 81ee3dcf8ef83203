"""Matching proofs of payment to terminal transactions.

- :func:`match`: a frame of proofs against a journal, one verdict per proof;
- :func:`find`: one proof at the counter, ranked candidates;
- :func:`explain`: the evidence behind a verdict, field by field;
- :class:`JournalIndex`: the journal indexed once for repeated searches;
- :class:`MatchPolicy`: thresholds, windows and weights.
"""

from receiptkit.matching.engine import RESULT_COLUMNS, explain, find, match
from receiptkit.matching.index import JournalIndex
from receiptkit.matching.policy import MatchPolicy
from receiptkit.matching.result import candidate_pairs

__all__ = ["RESULT_COLUMNS", "JournalIndex", "MatchPolicy", "candidate_pairs", "explain", "find", "match"]
