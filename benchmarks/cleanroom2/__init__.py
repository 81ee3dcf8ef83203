"""Second clean-room evaluation of receiptkit's matcher: proofs as the texts and files customers bring.

Written from ../shared/FIELD-GUIDE-PROOFS.md, ../shared/samples/FORMATS.md and the public docs
(README, docs/journal.md, docs/proofs.md, docs/cli.md, the result columns of docs/matching.md),
without reading the library's source, its tests, its data sets or the first clean room. It is used to
measure, never to tune. Entry point: ``benchmarks/bench_cleanroom2.py``.
"""

from .run import build, elsewhere_summary, evaluate, score

__all__ = ["build", "elsewhere_summary", "evaluate", "score"]
