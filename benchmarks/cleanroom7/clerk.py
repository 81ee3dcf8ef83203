"""The careful clerk: what the journal and the learned file let a person single out, without the truth.

The clerk reads the journal as exported (logged times) and the learned file beside it, whose format
docs/matching.md ("What a run learns, kept beside the journal") describes: per terminal a clock offset (and its
card sales' own, marked ``card_sales_of``; pieces in ``segments``) and ``journal_rows.through``, the last row the
offset was learned on. A row logged after ``through`` may have been logged by a clock set right since (field guide
6), so the clerk places it both ways: corrected by the offset and as logged. After a vendor's re-export (the clerk
is told the journal was exported again) no row is known to keep the old clock, so every corrected row is also
placed as logged. Candidates: approved sales of the amount whose place falls in the stated window give or take
two minutes (the offset's own error), of the card's last 4 when said, of the wallet number when shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .sessions import Evidence
from .world import Sale, Terminal

TOLERANCE = timedelta(seconds=120)


@dataclass
class Learned:
    offsets: dict[str, list[int]]  # key -> offsets (the offset, and each segment's)
    card_key: dict[str, str]  # terminal -> key of its card sales' clock
    through: dict[str, datetime]

    @classmethod
    def read(cls, path: Path) -> Learned:
        if not path.exists():
            return cls({}, {}, {})
        data = json.loads(path.read_text(encoding="utf-8"))
        offsets: dict[str, list[int]] = {}
        card_key: dict[str, str] = {}
        for key, entry in (data.get("clock_offsets") or {}).items():
            offs = [int(entry.get("offset_s", 0))]
            for seg in entry.get("segments") or []:
                offs.append(int(seg.get("offset_s", 0)))
            offsets[key] = sorted(set(offs))
            if entry.get("card_sales_of"):
                card_key[str(entry["card_sales_of"])] = key
        through = {}
        for key, rows in (data.get("journal_rows") or {}).items():
            if rows.get("through"):
                through[key] = datetime.fromisoformat(rows["through"])
        return cls(offsets, card_key, through)


def places(sale: Sale, logged: datetime, learned: Learned, *, reexport: bool) -> list[datetime]:
    """Where the clerk may place a row on the customer's clock."""
    key = learned.card_key.get(sale.terminal, sale.terminal) if sale.channel == "card" else sale.terminal
    offs = learned.offsets.get(key)
    if not offs:
        return [logged]
    out = [logged - timedelta(seconds=o) for o in offs]
    through = learned.through.get(key) or learned.through.get(sale.terminal)
    known = not reexport and through is not None and logged <= through
    if not known:
        out.append(logged)
    return out


def candidates(
    ev: Evidence,
    sales: list[Sale],
    terminals: dict[str, Terminal],
    learned: Learned,
    *,
    export: str,
    periods: tuple[int, ...] = (1, 2),
) -> list[str]:
    """The txn ids the clerk cannot rule out."""
    out = []
    for s in sales:
        if s.period not in periods or s.status != "approved" or s.txn_type != "sale":
            continue
        if s.amount_minor != ev.amount_minor:
            continue
        if ev.wallet_txn_id:
            if s.wallet_txn_id == ev.wallet_txn_id:
                out.append(s.txn_id)
            continue
        if ev.last4 and s.last4 != ev.last4:
            continue
        logged = s.logged(terminals, export=export)
        assert ev.start is not None and ev.end is not None
        lo, hi = ev.start - TOLERANCE, ev.end + TOLERANCE
        if any(lo <= p <= hi for p in places(s, logged, learned, reexport=export.startswith("fixed"))):
            out.append(s.txn_id)
    return out
