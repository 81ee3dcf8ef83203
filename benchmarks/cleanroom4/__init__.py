"""Clean room 4: hostile and self-contradicting proofs, and what customers bring to a counter.

Written from ../shared/FIELD-GUIDE-PROOFS.md and the public docs (README, docs/proofs.md, docs/journal.md,
docs/cli.md, docs/notebook.md) without reading the matcher; it only measures.
"""

from .evaluate import Scenario, build, headline, render, run, table

__all__ = ["Scenario", "build", "headline", "render", "run", "table"]
