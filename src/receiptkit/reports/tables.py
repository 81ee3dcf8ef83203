"""The tables of a reconciliation report, ready to write.

:func:`report_tables` turns a match result, its proofs and the journal into
the report's sheets: ``summary``, ``files`` (per file read: rows, proofs, rows
skipped and refused), ``matched``, ``ambiguous`` (one row per candidate),
``unmatched``, ``left out`` (the rows the readers skipped or refused) and
``clock offsets``, and :func:`proof_rows` into
the flat one-row-per-proof table of the CSV report. Times are shown in one
zone at the proof's own precision (a sale's as its terminal logged it, ``txn_time``, and less the
clock offset the matcher applied, ``txn_time_corrected``; the files name the zone in their headers:
:func:`~receiptkit.reports.saletimes.column_labels`), amounts as exact text next to their
integer minor units; full card numbers are masked in every text cell (the
readers already mask them; this is the last guard before a file is written).
Formula injection is the writers' job (:mod:`receiptkit.spreadsheet`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import SupportsInt

import numpy as np
import pandas as pd

from receiptkit.frames import side_report
from receiptkit.matching.clocks import card_clock_key, card_clocks
from receiptkit.matching.index import card_sale_rows
from receiptkit.matching.result import candidate_pairs
from receiptkit.money import format_minor
from receiptkit.pan import mask_pans_in_text
from receiptkit.reports.intake import files_table, left_out_table
from receiptkit.reports.saletimes import corrected_times
from receiptkit.reports.summary import summarise, without_attrs

__all__ = ["SHEETS", "offset_text", "proof_rows", "report_tables"]

SHEETS = ("summary", "files", "matched", "ambiguous", "unmatched", "left out", "clock offsets")
"""The report's sheets, in order."""

_PROOF_COLUMNS = (
    "proof_id",
    "source",
    "source_row",
    "kind",
    "time",
    "amount",
    "amount_minor",
    "currency",
    "direction",
    "merchant_text",
    "card_last4",
    "reference",
)


def _times(
    ts: pd.Series, precision: pd.Series, date: pd.Series | None, tz: str, end: pd.Series | None = None
) -> pd.Series:
    """Times as text in ``tz`` at their precision; dates for day-precision proofs; windows as "start to end"."""
    out = pd.Series("", index=ts.index, dtype=object)
    has = ts.notna()
    if has.any():
        local = pd.to_datetime(ts[has], utc=True).dt.tz_convert(tz)
        minute = precision[has].astype(str).isin(["minute", "hour"]).to_numpy()
        out.loc[has] = local.dt.strftime("%Y-%m-%d %H:%M:%S").where(
            ~minute, local.dt.strftime("%Y-%m-%d %H:%M")
        )
        if end is not None:  # an hour, a period or a range typed at the counter: the whole window
            ranged = has & end.notna()
            if ranged.any():
                last = pd.to_datetime(end[ranged], utc=True).dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M")
                out.loc[ranged] = out.loc[ranged] + " to " + last
    if date is not None:
        dated = ~has & date.notna()
        out.loc[dated] = pd.to_datetime(date[dated]).dt.strftime("%Y-%m-%d")
    return out


def _amounts(amount_minor: pd.Series, currency: pd.Series) -> list[str]:
    return [
        "" if pd.isna(a) or pd.isna(c) else format_minor(int(a), str(c))
        for a, c in zip(amount_minor, currency, strict=True)
    ]


def _masked(frame: pd.DataFrame) -> pd.DataFrame:
    """Full card numbers in any text cell replaced by their masked form."""
    out = frame.copy()
    for name in out.columns:
        if pd.api.types.is_object_dtype(out[name]) or pd.api.types.is_string_dtype(out[name]):
            out[name] = out[name].map(lambda v: mask_pans_in_text(v) if isinstance(v, str) else v)
    return out


def _proof_view(proofs: pd.DataFrame, tz: str) -> pd.DataFrame:
    view = pd.DataFrame(
        {
            "proof_id": proofs["proof_id"].astype(str).to_numpy(),
            "source": proofs["source"].astype(object).to_numpy(),
            "source_row": proofs["source_row"].astype("Int64").to_numpy(),
            "kind": proofs["kind"].astype(object).to_numpy(),
            "time": _times(
                proofs["ts"], proofs["ts_precision"], proofs["date"], tz, proofs.get("ts_end")
            ).to_numpy(),
            "amount": _amounts(proofs["amount_minor"], proofs["currency"]),
            "amount_minor": proofs["amount_minor"].astype("int64").to_numpy(),
            "currency": proofs["currency"].astype(object).to_numpy(),
            "direction": proofs["direction"].astype(object).to_numpy(),
            "merchant_text": proofs["merchant_text"].astype(object).to_numpy(),
            "card_last4": proofs["card_last4"].astype(object).to_numpy(),
            "reference": proofs["reference"].astype(object).to_numpy(),
        }
    )
    return view


def _journal_view(journal: pd.DataFrame, tz: str, prefix: str) -> pd.DataFrame:
    """The journal's columns a report shows, named ``<prefix>...``; ``__ts`` the logged time itself (dropped
    once the corrected time is made from it)."""
    unique = journal.drop_duplicates("txn_id")
    precision = pd.Series("second", index=unique.index)
    view = pd.DataFrame(
        {
            "txn_id": unique["txn_id"].astype(str).to_numpy(),
            "__ts": unique["ts"].array,
            f"{prefix}time": _times(unique["ts"], precision, None, tz).to_numpy(),
            f"{prefix}amount": _amounts(unique["amount_minor"], unique["currency"]),
            f"{prefix}currency": unique["currency"].astype(object).to_numpy(),
            f"{prefix}terminal_id": unique["terminal_id"].astype(object).to_numpy(),
            f"{prefix}channel": unique["channel"].astype(object).to_numpy(),
            f"{prefix}card_last4": unique["card_last4"].astype(object).to_numpy(),
            f"{prefix}merchant_name": unique["merchant_name"].astype(object).to_numpy(),
        }
    )
    return view


def offset_text(seconds: SupportsInt | None) -> str:
    """A clock offset as ``+6 min 56 s`` (ahead) or ``-2 h 0 min 5 s`` (behind).

    >>> offset_text(416), offset_text(-7205), offset_text(0)
    ('+6 min 56 s', '-2 h 0 min 5 s', '0 s')
    """
    if seconds is None or pd.isna(seconds):
        return ""
    value = int(seconds)
    if value == 0:
        return "0 s"
    sign = "+" if value > 0 else "-"
    hours, rest = divmod(abs(value), 3600)
    minutes, secs = divmod(rest, 60)
    parts = (
        ([f"{hours} h"] if hours else []) + ([f"{minutes} min"] if hours or minutes else []) + [f"{secs} s"]
    )
    return sign + " ".join(parts)


def _candidates_text(candidates: list[tuple[str, float]]) -> str:
    return ", ".join(f"{txn} ({float(p):.1%})" for txn, p in candidates)


def _candidate_lists(result: pd.DataFrame) -> list[list[tuple[str, float]]]:
    """Each result row's listed candidates as (txn_id, confidence) pairs."""
    if "candidate_txn_ids" not in result.columns:
        return [[] for _ in range(len(result))]
    return [
        candidate_pairs({"candidate_txn_ids": ids, "candidate_confidences": ps})
        for ids, ps in zip(result["candidate_txn_ids"], result["candidate_confidences"], strict=True)
    ]


def proof_rows(result: pd.DataFrame, proofs: pd.DataFrame, journal: pd.DataFrame, tz: str) -> pd.DataFrame:
    """One row per proof: the proof, its verdict and, when matched, the transaction."""
    result, proofs, journal = without_attrs(result), without_attrs(proofs), without_attrs(journal)
    verdicts = pd.DataFrame(
        {
            "proof_id": result["proof_id"].astype(str).to_numpy(),
            "status": result["status"].astype(str).to_numpy(),
            "txn_id": result["txn_id"].astype(object).to_numpy(),
            "confidence": result["confidence"].astype(float).to_numpy(),
            "margin": result["margin"].astype(float).to_numpy(),
            "n_candidates": result["n_candidates"].astype("int64").to_numpy(),
            "candidates": np.array([_candidates_text(c) for c in _candidate_lists(result)], dtype=object),
            "ask": result["ask"].astype(object).to_numpy(),
            "reason": result["reason"].astype(object).to_numpy(),
            "flags": result["flags"].astype(object).to_numpy(),
            # .array, not .to_numpy(): an Int64 column with gaps to numpy is float (-28786.0 in the CSV)
            "clock_offset_s": result["clock_offset_s"].astype("Int64").array,
        }
    )
    rows = _proof_view(proofs, tz).merge(verdicts, on="proof_id", how="right", validate="one_to_one")
    txns = _journal_view(journal, tz, "txn_")
    rows = rows.merge(txns, on="txn_id", how="left")
    rows.insert(rows.columns.get_loc("txn_id") + 1, "txn_time", rows.pop("txn_time"))
    # the logged time less the offset the matcher applied to this very row (result.clock_offset_s)
    offsets = [None if pd.isna(s) else [int(s)] for s in rows["clock_offset_s"]]
    corrected = corrected_times(rows.pop("__ts"), offsets, tz)
    rows.insert(rows.columns.get_loc("txn_time") + 1, "txn_time_corrected", np.array(corrected, dtype=object))
    return _masked(rows)


def _matched(rows: pd.DataFrame) -> pd.DataFrame:
    matched = rows[rows["status"] == "matched"]
    columns = [
        *_PROOF_COLUMNS,
        "txn_id",
        "txn_time",
        "txn_time_corrected",
        "txn_amount",
        "txn_currency",
        "txn_terminal_id",
        "txn_channel",
        "txn_card_last4",
        "txn_merchant_name",
        "confidence",
        "margin",
        "flags",
        "reason",
        "clock_offset_s",
    ]
    return matched[columns].reset_index(drop=True)


def _ambiguous(
    rows: pd.DataFrame,
    result: pd.DataFrame,
    journal: pd.DataFrame,
    tz: str,
    clocks: Mapping[str, Sequence[int]] | None = None,
) -> pd.DataFrame:
    ambiguous = result[result["status"].astype(str) == "ambiguous"]
    pairs = [
        (str(pid), rank, str(txn), float(p))
        for pid, cands in zip(ambiguous["proof_id"], _candidate_lists(ambiguous), strict=True)
        for rank, (txn, p) in enumerate(cands, start=1)
    ]
    listed = pd.DataFrame(pairs, columns=["proof_id", "rank", "candidate_txn_id", "candidate_confidence"])
    candidates = _journal_view(journal, tz, "candidate_").rename(columns={"txn_id": "candidate_txn_id"})
    listed = listed.merge(candidates, on="candidate_txn_id", how="left")
    places = [(clocks or {}).get(str(t)) for t in listed["candidate_txn_id"]]
    listed["candidate_time_corrected"] = np.array(
        corrected_times(listed.pop("__ts"), places, tz), dtype=object
    )
    base = rows.loc[rows["status"] == "ambiguous", [*_PROOF_COLUMNS, "n_candidates", "ask", "reason"]]
    out = base.merge(listed, on="proof_id", how="left")
    out["rank"] = out["rank"].astype("Int64")
    columns = [
        *_PROOF_COLUMNS,
        "n_candidates",
        "ask",
        "rank",
        "candidate_txn_id",
        "candidate_confidence",
        "candidate_time",
        "candidate_time_corrected",
        "candidate_amount",
        "candidate_currency",
        "candidate_terminal_id",
        "candidate_channel",
        "candidate_card_last4",
        "reason",
    ]
    return _masked(out[columns].reset_index(drop=True))


def _unmatched(rows: pd.DataFrame) -> pd.DataFrame:
    unmatched = rows[rows["status"] == "unmatched"]
    return unmatched[[*_PROOF_COLUMNS, "n_candidates", "flags", "reason"]].reset_index(drop=True)


def _clock_offsets(result: pd.DataFrame, journal: pd.DataFrame | None = None) -> pd.DataFrame:
    """The offsets sheet; ``matched_proofs`` per terminal, and per ``"<terminal_id> card"`` clock those of
    the terminal's card sales (its other rows' under the terminal's id; :func:`.clocks.card_clock_key`).

    ``card_sales_of`` names the terminal whose card sales' clock a row is (empty: a terminal's own offset), read
    against the journal's terminal ids (:func:`.clocks.card_clocks`; without the journal, the result's
    ``attrs["card_clocks"]``): a terminal may itself be named ``"T1 card"``."""
    offsets = side_report(result, "clock_offsets")
    columns = ["terminal_id", "card_sales_of", "offset_s", "offset", "votes", "used", "matched_proofs"]
    if offsets.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    out = without_attrs(offsets).reset_index()
    said = dict(result.attrs.get("card_clocks") or {})
    result = without_attrs(result)
    out = out.rename(columns={out.columns[0]: "terminal_id"})
    out["terminal_id"] = out["terminal_id"].astype(str)
    matched = result[result["status"].astype(str) == "matched"]
    clocks = matched["terminal_id"].astype(str)
    # a "<X> card" row is X's card sales' clock only where no terminal of the journal bears that name
    terminals = journal["terminal_id"].dropna().astype(str).unique() if journal is not None else ()
    cards = card_clocks(out["terminal_id"], terminals) if journal is not None else said
    out["card_sales_of"] = out["terminal_id"].map(cards).astype("string")
    owners = set(cards.values())
    if owners and journal is not None and len(matched):
        card = pd.Series(card_sale_rows(journal), index=journal["txn_id"].astype(str).to_numpy())
        card = card[~card.index.duplicated()]
        on_card = matched["txn_id"].astype(str).map(card).fillna(False).to_numpy(dtype=bool)
        own = clocks.isin(list(owners)).to_numpy() & on_card
        clocks = clocks.where(~own, clocks.map(card_clock_key))
    per_terminal = clocks.value_counts()
    out["matched_proofs"] = out["terminal_id"].map(per_terminal).fillna(0).astype("int64")
    out["offset"] = out["offset_s"].map(offset_text)
    out["offset_s"] = out["offset_s"].astype("Int64")
    out["votes"] = out["votes"].astype(float)
    out["used"] = out["used"].astype(bool)
    return out[columns]


def report_tables(
    result: pd.DataFrame,
    proofs: pd.DataFrame,
    journal: pd.DataFrame,
    tz: str = "Asia/Shanghai",
    clocks: Mapping[str, Sequence[int]] | None = None,
) -> dict[str, pd.DataFrame]:
    """The report's sheets (:data:`SHEETS`), as display-ready frames.

    ``clocks``: the clock offsets the matcher applied to the candidates of ambiguous proofs
    (:func:`~receiptkit.reports.saletimes.sale_clocks`), for their corrected times; without them those
    cells are empty (a matched sale's comes from the result's ``clock_offset_s``).
    """
    offsets = _clock_offsets(result, without_attrs(journal))
    files, left_out = files_table(proofs), _masked(left_out_table(proofs))
    result, proofs, journal = without_attrs(result), without_attrs(proofs), without_attrs(journal)
    rows = proof_rows(result, proofs, journal, tz)
    return {
        "summary": summarise(result, proofs),
        "files": files,
        "matched": _matched(rows),
        "ambiguous": _ambiguous(rows, result, journal, tz, clocks),
        "unmatched": _unmatched(rows),
        "left out": left_out,
        "clock offsets": offsets,
    }
