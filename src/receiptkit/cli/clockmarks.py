"""What ``find`` says of a candidate's time when the matcher corrected it for its terminal's clock.

The journal holds each sale at the time the terminal's own clock logged (and printed on its slip). The matcher
compares the customer's time with that time corrected by the terminal's clock offset (learned by ``reconcile``
and kept beside the journal): a terminal 8 hours slow logged at 00:00:16 the sale the customer's phone shows at
08:00. A clerk shown only one of the two cannot tell why it differs from the customer's screen, so ``find``
shows both, and the offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from receiptkit.matching.index import JournalIndex


@dataclass(frozen=True)
class CandidateClock:
    """How a candidate's logged time was corrected: ``offset_s`` seconds ahead of true time (0: not corrected).

    ``unsure``: the terminal's clock changed near this row, so the matcher kept every place it could be
    (``offsets``, each a possible offset; the one in ``offset_s`` among them). ``later``: the row was logged
    after the last proof that showed its terminal's clock (the kept offset's period: ``JournalIndex.beyond_rows``),
    so its clock may have been set right since and its logged time may be the true one.
    """

    offset_s: int = 0
    unsure: bool = False
    offsets: tuple[int, ...] = ()
    later: bool = False

    @property
    def corrected(self) -> bool:
        """Whether the time the matcher compared differs from the logged one (or may)."""
        return self.offset_s != 0 or (self.unsure and any(self.offsets))


def candidate_clocks(index: JournalIndex, ranked: pd.DataFrame) -> list[CandidateClock]:
    """Each ranked candidate's clock correction, as the matcher applied it on ``index``.

    Read from the index after :func:`receiptkit.find` ran on it (the offsets it used). A txn id the index
    holds on several rows with different offsets is ``unsure`` with all of them.
    """
    import numpy as np

    ids = np.asarray(index.txn_id, dtype=object)
    later_rows = set(getattr(index, "beyond_rows", np.empty(0, dtype=np.int64)).tolist())
    out = []
    for txn in ranked["txn_id"].astype(str):
        rows = np.flatnonzero(ids == txn)
        if not len(rows):
            out.append(CandidateClock())
            continue
        offsets = {int(index.offset_s[r]) for r in rows}
        unsure = bool(index.offset_unsure[rows].any()) or len(offsets) > 1
        alternatives = set(offsets)
        for r in rows:
            alternatives |= {int(s) for s in index.offset_alt_s[index.offset_alt_rows == r]}
        out.append(
            CandidateClock(
                offset_s=int(index.offset_s[rows[0]]),
                unsure=unsure,
                offsets=tuple(sorted(alternatives)) if unsure else (),
                later=any(int(r) in later_rows for r in rows),
            )
        )
    return out


def corrected_text(ts: object, clock: CandidateClock, tz: str) -> str:
    """The corrected time and the offset, ``2026-11-01 08:00:02 (clock -7 h 59 min 46 s)``; ``""`` when none.

    >>> import pandas as pd
    >>> corrected_text(pd.Timestamp("2026-11-01 00:00:16+08:00"), CandidateClock(-28786), "Asia/Hong_Kong")
    '2026-11-01 08:00:02 (clock -7 h 59 min 46 s)'
    >>> corrected_text(pd.Timestamp("2026-11-01 00:00:16+08:00"), CandidateClock(0), "Asia/Hong_Kong")
    ''
    >>> corrected_text(pd.Timestamp("2026-11-01 00:00:16+08:00"), CandidateClock(-28786, later=True), "Asia/Hong_Kong")
    '2026-11-01 08:00:02 (clock -7 h 59 min 46 s), or as logged if its clock was set right since'
    """
    import pandas as pd

    if not clock.corrected or ts is None or pd.isna(ts):
        return ""
    logged = pd.Timestamp(ts)

    def one(offset: int) -> str:
        when = (logged - pd.Timedelta(seconds=offset)).tz_convert(tz).strftime("%Y-%m-%d %H:%M:%S")
        return f"{when} (clock {_offset(offset)})" if offset else f"{when} (clock right)"

    if clock.unsure:
        return " or ".join(one(o) for o in clock.offsets) + "; the clock changed near here"
    if clock.later:  # the kept offset may not hold for it: the logged time is as likely, said first as known
        return f"{one(clock.offset_s)}, or as logged if its clock was set right since"
    return one(clock.offset_s)


def _offset(seconds: int) -> str:
    """An offset as the reconcile summary writes it, with whole days first: ``-297 d 3 h 0 min 2 s``.

    >>> _offset(-28786), _offset(14), _offset(-(297 * 86400 + 3 * 3600 + 2))
    ('-7 h 59 min 46 s', '+14 s', '-297 d 3 h 0 min 2 s')
    """
    from receiptkit.reports.tables import offset_text

    days, rest = divmod(abs(seconds), 86400)
    if not days:
        return offset_text(seconds)
    sign = "-" if seconds < 0 else "+"
    return f"{sign}{days} d " + (offset_text(rest).removeprefix("+") if rest else "0 s")


CORRECTED_NOTE = (
    "time: as the terminal logged and printed it; corrected: that time less the terminal's clock offset "
    "(learned by reconcile), as the customer's phone or bank shows it"
)
"""The line under candidates when any shown time was corrected."""
