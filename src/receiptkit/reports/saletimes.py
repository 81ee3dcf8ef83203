"""Which time a report shows, in which zone: the proof's, the sale's as its terminal logged it, and corrected.

The journal holds each sale at the time the terminal's own clock logged (and printed on its slip); the matcher
compares the proof's time with that time less the terminal's clock offset (``clock_offset_s``: seconds the
clock was ahead of true time, found from all the proofs). A report that shows only the logged time beside the
proof's reads as an 8-hour mismatch on a terminal set to UTC in Shanghai (newcomer 19, G10), so the reports show
both, in columns that name the zone: :func:`column_labels`. :func:`sale_clocks` reads the offsets the matcher
applied to each sale off its :class:`~receiptkit.matching.index.JournalIndex`; :func:`about_rows` are the lines
that say all this at the head of each report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from receiptkit.matching.index import JournalIndex

__all__ = ["about_rows", "column_labels", "corrected_times", "sale_clocks"]


def column_labels(tz: str) -> dict[str, str]:
    """The report files' headers of the time columns, naming the zone: ``time`` -> ``proof time (UTC)``.

    >>> column_labels("Asia/Shanghai")["txn_time_corrected"]
    'sale time corrected (Asia/Shanghai)'
    """
    return {
        "time": f"proof time ({tz})",
        "txn_time": f"sale time as logged ({tz})",
        "txn_time_corrected": f"sale time corrected ({tz})",
        "candidate_time": f"candidate time as logged ({tz})",
        "candidate_time_corrected": f"candidate time corrected ({tz})",
    }


def sale_clocks(index: JournalIndex, txn_ids: Iterable[str]) -> dict[str, list[int]]:
    """The clock offsets (seconds ahead of true time) the matcher applied to each sale: ``{txn_id: [offset]}``.

    Read off ``index`` after :func:`receiptkit.match` ran on it. A sale whose terminal's clock changed near it
    has every place the matcher kept (several offsets, the applied one first); a sale the index does not hold
    is left out.
    """
    wanted = {str(t) for t in txn_ids}
    if not wanted:
        return {}
    ids = np.asarray(index.txn_id, dtype=object)
    rows = np.flatnonzero(np.isin(ids, list(wanted)))
    out: dict[str, list[int]] = {}
    alt_rows = getattr(index, "offset_alt_rows", np.empty(0, dtype=np.int64))
    alt_s = getattr(index, "offset_alt_s", np.empty(0, dtype=np.int64))
    for row in rows:
        offsets = out.setdefault(str(ids[row]), [])
        for offset in (int(index.offset_s[row]), *(int(s) for s in alt_s[alt_rows == row])):
            if offset not in offsets:
                offsets.append(offset)
    return out


def corrected_times(ts: pd.Series, offsets: Sequence[Sequence[int] | None], tz: str) -> list[str]:
    """Each logged time less its offset(s), as text in ``tz`` (``" or "`` between the places); ``""`` unknown.

    >>> corrected_times(pd.Series([pd.Timestamp("2026-11-14 02:37:21+08:00")]), [[-28786]], "Asia/Shanghai")
    ['2026-11-14 10:37:07']
    """
    stamps = pd.to_datetime(pd.Series(list(ts), dtype=object), utc=True)
    out = [""] * len(stamps)
    one = [i for i, p in enumerate(offsets) if p is not None and len(p) == 1 and pd.notna(stamps.iloc[i])]
    if one:  # the usual case, at once: a matched sale has the one offset the matcher applied
        seconds = pd.to_timedelta([int(offsets[i][0]) for i in one], unit="s")  # type: ignore[index]
        texts = (stamps.iloc[one] - seconds).dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M:%S")
        for i, text in zip(one, texts, strict=True):
            out[i] = text
    for i, places in enumerate(offsets):
        if places is not None and len(places) > 1 and pd.notna(stamps.iloc[i]):
            logged = stamps.iloc[i]
            out[i] = " or ".join(
                (logged - pd.Timedelta(seconds=int(s))).tz_convert(tz).strftime("%Y-%m-%d %H:%M:%S")
                for s in places
            )
    return out


def about_rows(tz: str, read: str, *, made: dt.datetime | None = None) -> list[tuple[str, str]]:
    """The lines at the head of a report: when it was made, the zone of its times, what each time column is,
    how amounts are held, what was read."""
    stamp = (made or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return [
        ("report", "receiptkit reconciliation"),
        ("made", stamp),
        ("times shown in", f"{tz}: every time column, named '... ({tz})'"),
        (
            "proof time",
            f"the time the proof shows (bank, wallet, SMS, typed at the counter), in {tz}; a date alone where "
            "the proof gives only its day",
        ),
        (
            "sale time as logged",
            f"the time the terminal's own clock logged and printed on the slip, in {tz}: a terminal whose clock "
            "is off logged its sales off by as much",
        ),
        (
            "sale time corrected",
            f"the logged time less the terminal's clock offset (clock_offset_s: seconds the clock was ahead of "
            f"true time, found by the matcher from all the proofs), in {tz}: the true time, to compare with the "
            "proof time; 'A or B' where the terminal's clock changed near the sale",
        ),
        (
            "amounts",
            "amount, txn_amount, candidate_amount: numbers in the currency's decimals (the .xlsx holds them "
            "as Excel numbers, exact to the cent below 90,000,000,000,000); amount_minor: the exact integer in "
            "minor units; currencies, and payments and refunds, are never added together",
        ),
        ("read", read),
    ]


def labelled(tables: Mapping[str, pd.DataFrame], tz: str) -> dict[str, pd.DataFrame]:
    """``tables`` with their time columns named as the report files name them (:func:`column_labels`)."""
    labels = column_labels(tz)
    return {name: frame.rename(columns=labels) for name, frame in tables.items()}
