"""Rebuild one journal from several: a partial terminal export, the acquirer's detail, wallet bills.

When a terminal is lost or broken its own memory is gone, and the journal has
to be put together from what others hold: the last back-office export of the
terminal, the acquirer's transaction detail, the WeChat Pay and Alipay merchant
bills. They overlap (a WeChat payment taken on the terminal is in the terminal
export *and* in the WeChat bill), their clocks differ, and each knows different
fields. :func:`merge_journals` recognises the same transaction seen twice, keeps
the richer fields, says for every row which sources it came from, and reports
rows that share a key but disagree instead of choosing between them.

Sources are merged in the order given, each onto the rows merged so far:

1. **keys**, in this order: the RRN; the wallet transaction number; terminal +
   batch + 凭证号 (``terminal_id/batch_no/stan``). A key links two rows only when
   its value is unique on both sides and the rows go the same way (a payment
   and its refund share the wallet number but are two transactions). The
   RRN is unique only within a settlement day (field guide 6): it links within
   the clock difference most RRN pairs share; with too few RRN pairs to show
   one, within an hour of the clock the other keys (or the rare amounts, step
   2) show; with nothing else showing a clock, the link stands and, when its
   times differ by more than ``time_tolerance``, is listed in
   :attr:`MergedJournal.unclocked_links` with an :class:`UnclockedLinkWarning`
   (:mod:`~receiptkit.terminals.merge_clock`).
2. the **clock difference** of the new source against the merged rows: the
   median time difference of the key-linked pairs, or, with fewer than
   ``min_pairs`` of them, the most common difference between rows with the same
   rare amount (within ``max_clock_difference``), refined by a median; its
   spread is the scaled median absolute deviation.
3. **amount and time**: rows still unlinked, with the same currency, amount,
   direction and status, no disagreeing identifier (RRN, wallet number, order
   number, voucher, card last 4, channel, terminal), whose times agree within
   ``time_tolerance`` (or three spreads, if larger) once the clock difference is
   taken off; closest pairs first, each row used once.

Linked rows become one row: the first source's value of every field, gaps
filled from the later source. ``ts`` is on the **first source's clock**: rows
that only a later source has are shifted by that source's estimated clock
difference, so one terminal's rows share one clock (put the source whose clock
you trust most first; usually the acquirer's). Rows linked by a key that
disagree on the amount, the status or the card are **not** merged: both stay in
the journal, both marked in ``merge_conflict``, and the pair is listed in
:attr:`MergedJournal.conflicts`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from receiptkit.errors import SchemaError
from receiptkit.pan import visible_digits
from receiptkit.schema import JOURNAL_COLUMNS, STRING, validate_journal
from receiptkit.terminals.merge_clock import local_offsets, rrn_candidates

__all__ = [
    "CONFLICT_FIELDS",
    "KEYS",
    "MergedJournal",
    "NearMissWarning",
    "UnclockedLinkWarning",
    "merge_journals",
]

KEYS = ("rrn", "wallet_txn_id", "stan")
"""Identifiers that recognise one transaction across sources, strongest first (``stan``: terminal+batch+凭证号)."""
CONFLICT_FIELDS = ("amount", "status", "card")
"""What two rows sharing a key must agree on to be merged."""

_DEBIT = ("sale", "completion", "preauth")
_MAX_PAIRS = 2_000_000  # candidate pairs looked at to estimate a clock difference from amounts
_IDS_MUST_AGREE = ("rrn", "wallet_txn_id", "order_no", "card_last4", "auth_code")
NEAR_MISS_FACTOR = 4
"""Rows left unlinked that would link within this many times the time window are reported."""
NEAR_MISS_COLUMNS = ("source", "txn_id_a", "txn_id_b", "amount_minor", "currency", "gap_s", "window_s")
UNCLOCKED_COLUMNS = (
    "source",
    "txn_id",
    "sources_a",
    "source_txn_id",
    "rrn",
    "amount_minor",
    "currency",
    "ts_a",
    "ts_b",
    "difference_s",
)


class NearMissWarning(UserWarning):
    """:func:`merge_journals` left rows apart that a wider clock window would have linked (see
    :attr:`MergedJournal.near_misses`): perhaps one sale in two rows."""


class UnclockedLinkWarning(UserWarning):
    """:func:`merge_journals` linked rows on an RRN alone, with no clock difference to check the link
    against (see :attr:`MergedJournal.unclocked_links`): an RRN recurs on other settlement days, so each
    may be two sales of one amount, days apart, in one row."""


@dataclass(frozen=True)
class MergedJournal:
    """What :func:`merge_journals` returns.

    - ``journal``: the canonical journal with two more columns: ``sources``
      (the labels of the sources the row came from, joined with ``;``, in the
      order given) and ``merge_conflict`` (the conflict id, or empty);
    - ``conflicts``: one row per pair of rows that share a key but disagree:
      ``conflict_id, key, key_value, fields`` (what disagrees: ``amount``,
      ``status``, ``card``), then for each side ``_a`` (the rows merged so far)
      and ``_b`` (the later source): ``sources, txn_id, source_row, ts,
      amount_minor, currency, status, card``;
    - ``clock_offsets``: per source, ``offset_s`` (its clock minus the first
      source's, the median over the key-linked pairs), ``spread_s``, ``pairs``
      used, ``method`` (``reference``, ``keys``, ``amounts``, ``none``) and
      ``offset_min_s`` / ``offset_max_s`` (the least and greatest clock
      difference applied to its rows: they differ when the clock drifts);
    - ``links``: per input row, the merged ``txn_id`` it went into, its
      ``source``, ``source_txn_id``, ``source_file``, ``source_row`` and what
      linked it (``first``, ``rrn``, ``wallet_txn_id``, ``stan``, ``time``,
      ``conflict`` or ``alone``);
    - ``near_misses``: pairs of rows left apart (the merged row ``txn_id_a``,
      the later source's row ``txn_id_b``) with the same amount, currency,
      direction and status and no disagreeing identifier, whose times are
      ``gap_s`` apart once the clock difference is taken off: more than the
      window used (``window_s``), less than :data:`NEAR_MISS_FACTOR` times it.
      Each may be one sale in two rows (a clock that jumped); a
      :class:`NearMissWarning` says how many;
    - ``unclocked_links``: the links that rest on an RRN alone: too few
      RRN pairs to show the new source's clock, no other key nor rare amount
      showing it, and times more than ``time_tolerance`` apart. One row per
      link: ``source`` (the later source), ``txn_id`` (the merged row),
      ``sources_a`` (the sources of the merged row before the link),
      ``source_txn_id`` (the later source's row in it), ``rrn``,
      ``amount_minor``, ``currency``, ``ts_a`` (the merged row's time, on the
      first source's clock), ``ts_b`` (the later row's time on its own clock)
      and ``difference_s`` (``ts_b - ts_a``). An RRN is unique only within a
      settlement day (field guide 6): each may be two sales of one amount days
      apart (one of them missing from the journal), or one sale on a clock
      days off; an :class:`UnclockedLinkWarning` says how many.
    """

    journal: pd.DataFrame
    conflicts: pd.DataFrame
    clock_offsets: pd.DataFrame
    links: pd.DataFrame
    near_misses: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(NEAR_MISS_COLUMNS)))
    unclocked_links: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(UNCLOCKED_COLUMNS))
    )


CONFLICT_COLUMNS = (
    "conflict_id",
    "key",
    "key_value",
    "fields",
    *(
        f"{name}_{side}"
        for side in ("a", "b")
        for name in ("sources", "txn_id", "source_row", "ts", "amount_minor", "currency", "status", "card")
    ),
)


def _labels(frames: Sequence[pd.DataFrame], sources: Sequence[str] | None) -> list[str]:
    if sources is not None:
        labels = [str(s).strip() for s in sources]
        if len(labels) != len(frames):
            raise SchemaError(f"{len(labels)} source label(s) for {len(frames)} journal(s)")
        if any(not label for label in labels):
            raise SchemaError("source labels must not be empty")
        if len(set(labels)) != len(labels):
            raise SchemaError("source labels must be unique", value=labels)
        return labels
    labels = []
    for i, frame in enumerate(frames):
        names = frame["source"].dropna().unique() if "source" in frame.columns else []
        label = (
            Path(str(names[0])).name
            if len(names) == 1
            else str(frame.attrs.get("preset") or f"journal{i + 1}")
        )
        base, n = label, 1
        while label in labels:
            n += 1
            label = f"{base}#{n}"
        labels.append(label)
    return labels


def _prepare(frame: pd.DataFrame, label: str, tz: object | None) -> pd.DataFrame:
    out = validate_journal(frame)
    out.attrs = {}  # the sources' reader reports do not describe the merged journal
    if tz is not None:
        out["ts"] = out["ts"].dt.tz_convert(tz)
    out = out.reset_index(drop=True)
    out["_side"] = np.where(out["txn_type"].isin(_DEBIT).to_numpy(dtype=bool), 0, 1)
    out["_ns"] = out["ts"].dt.tz_convert("UTC").dt.as_unit("ns").astype("int64").to_numpy()
    first6 = out["pan_masked"].map(lambda v: visible_digits(v)[0][:6] if isinstance(v, str) else None)
    out["_first6"] = first6.astype(object).where(
        first6.map(lambda v: isinstance(v, str) and len(v) == 6), None
    )
    out["_first6"] = out["_first6"].astype(STRING)
    for name in ("source", "source_row"):
        if name not in out.columns:
            out[name] = pd.Series(pd.NA, index=out.index, dtype=STRING if name == "source" else "Int64")
    return out


def _key(frame: pd.DataFrame, key: str) -> pd.Series:
    """The key's value per row (with the direction), empty where the row lacks it."""
    if key == "stan":
        parts = frame["terminal_id"] + "/" + frame["batch_no"] + "/" + frame["stan"]
    else:
        parts = frame[key]
    return frame["_side"].astype(str).astype(STRING) + "|" + parts.astype(STRING)


def _unique(values: pd.Series) -> pd.Series:
    """Values that occur once (the others set empty)."""
    counts = values.map(values.value_counts())
    return values.where(counts == 1)


def _card_differs(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    last4 = (a["card_last4"].notna() & b["card_last4"].notna() & (a["card_last4"] != b["card_last4"])).fillna(
        False
    )
    first6 = (a["_first6"].notna() & b["_first6"].notna() & (a["_first6"] != b["_first6"])).fillna(False)
    return (last4 | first6).to_numpy(dtype=bool)


def _disagreements(a: pd.DataFrame, b: pd.DataFrame) -> list[list[str]]:
    amount = ((a["amount_minor"] != b["amount_minor"]) | (a["currency"] != b["currency"])).to_numpy(
        dtype=bool
    )
    status = (a["status"] != b["status"]).to_numpy(dtype=bool)
    card = _card_differs(a, b)
    return [
        [name for name, hit in zip(CONFLICT_FIELDS, flags, strict=True) if hit]
        for flags in zip(amount, status, card, strict=True)
    ]


def _robust(deltas: np.ndarray) -> tuple[float, float]:
    centre = float(np.median(deltas))
    spread = 1.4826 * float(np.median(np.abs(deltas - centre)))
    return centre, spread


def _estimate_offset(
    merged: pd.DataFrame,
    new: pd.DataFrame,
    linked_m: np.ndarray,
    linked_f: np.ndarray,
    *,
    min_pairs: int,
    max_difference_ns: int,
    bin_ns: int,
) -> tuple[float, float, int, str]:
    """The new source's clock minus the merged rows' clock, in ns: (offset, spread, pairs, method)."""
    if len(linked_m):  # a key says the two rows are one transaction: their time difference is the clocks'
        deltas = new["_ns"].to_numpy()[linked_f] - merged["_ns"].to_numpy()[linked_m]
        offset, spread = _robust(deltas.astype(np.float64))
        return offset, spread, len(deltas), "keys"
    block = ["currency", "amount_minor", "_side"]
    found: tuple[float, float, int, str] = (0.0, 0.0, 0, "none")
    for most in (3, None):  # rare amounts first (clean pairs); every amount when they are too few
        left = merged if most is None else merged[merged.groupby(block)["_ns"].transform("size") <= most]
        right = new if most is None else new[new.groupby(block)["_ns"].transform("size") <= most]
        sizes = (
            left.groupby(block)
            .size()
            .to_frame("m")
            .join(right.groupby(block).size().to_frame("f"), how="inner")
        )
        if int((sizes["m"] * sizes["f"]).sum()) > _MAX_PAIRS:
            continue
        pairs = left[[*block, "_ns"]].merge(right[[*block, "_ns"]], on=block, suffixes=("_m", "_f"))
        deltas = (pairs["_ns_f"] - pairs["_ns_m"]).to_numpy()
        deltas = deltas[np.abs(deltas) <= max_difference_ns]
        if len(deltas) < min_pairs:
            found = (0.0, 0.0, len(deltas), "none")
            continue
        mode, support = _clear_mode(deltas, bin_ns, min_pairs)
        if mode is None:
            found = (0.0, 0.0, support, "none")
            continue
        near = deltas[np.abs(deltas - mode) <= bin_ns].astype(np.float64)
        offset, spread = _robust(near)
        return offset, spread, len(near), "amounts"
    return found


def _clear_mode(deltas: np.ndarray, bin_ns: int, min_pairs: int) -> tuple[float | None, int]:
    """The time difference most pairs share, if it stands out; else ``None``.

    Differences are counted in bins of ``bin_ns`` on two grids half a bin apart
    (a true offset near a bin edge would split its pairs on one of them). The
    best bin must hold ``min_pairs`` pairs and at least twice as many as any bin
    two or more bins away: same-price sales every few minutes give many chance
    differences, and a mode that does not stand out is not a clock.
    """
    best: tuple[int, float, int] | None = None  # (count, centre, rival)
    for shift in (0.0, 0.5):
        bins = np.floor(deltas / bin_ns + shift).astype(np.int64)
        values, counts = np.unique(bins, return_counts=True)
        top = counts.max()
        candidates = values[counts == top]
        pick = candidates[np.argmin(np.abs((candidates + 0.5 - shift) * bin_ns))]
        far = np.abs(values - pick) >= 2
        rival = int(counts[far].max()) if far.any() else 0
        if best is None or top > best[0]:
            best = (int(top), float((pick + 0.5 - shift) * bin_ns), rival)
    assert best is not None
    top, centre, rival = best
    if top < min_pairs or top < 2 * rival:
        return None, top
    close = np.abs(deltas - centre) <= bin_ns / 2
    return float(np.median(deltas[close])), top


class _OtherClock:
    """The new source's clock difference as evidence other than the RRN shows it, worked out when first asked.

    The RRN is keyed first, but with too few RRN pairs to show a clock its links are held to this clock
    (:func:`~receiptkit.terminals.merge_clock.rrn_candidates`): the pairs the wallet number and terminal +
    batch + 凭证号 would link (values unique on both sides, rows that agree), followed in time as
    :func:`~receiptkit.terminals.merge_clock.local_offsets` follows them; with none, the rare amounts' clear
    mode (:func:`_estimate_offset`, kept for the merge's own estimate when no key links either). Calling it
    gives the difference (ns) at the given merged-row times, or ``None`` when none of that shows a clock.
    """

    def __init__(
        self, merged: pd.DataFrame, new: pd.DataFrame, *, min_pairs: int, max_difference_ns: int, bin_ns: int
    ) -> None:
        self.merged, self.new = merged, new
        self.min_pairs, self.max_difference_ns, self.bin_ns = min_pairs, max_difference_ns, bin_ns
        self.amounts: tuple[float, float, int, str] | None = None
        self._anchors: tuple[np.ndarray, np.ndarray] | None = None

    def amount_offset(self) -> tuple[float, float, int, str]:
        """:func:`_estimate_offset` with no key link (the rare amounts), computed once."""
        if self.amounts is None:
            empty = np.empty(0, dtype=np.int64)
            self.amounts = _estimate_offset(
                self.merged,
                self.new,
                empty,
                empty,
                min_pairs=self.min_pairs,
                max_difference_ns=self.max_difference_ns,
                bin_ns=self.bin_ns,
            )
        return self.amounts

    def _key_anchors(self) -> tuple[np.ndarray, np.ndarray]:
        if self._anchors is None:
            merged, new = self.merged, self.new
            m_idx = np.empty(0, dtype=np.int64)
            f_idx = np.empty(0, dtype=np.int64)
            for key in KEYS[1:]:  # as the merge keys them: the wallet number, then the voucher on the rest
                left = _unique(_key(merged, key)).where(~np.isin(np.arange(len(merged)), m_idx))
                right = _unique(_key(new, key)).where(~np.isin(np.arange(len(new)), f_idx))
                pairs = (
                    pd.DataFrame({"k": left, "_m": np.arange(len(merged))})
                    .dropna(subset=["k"])
                    .merge(pd.DataFrame({"k": right, "_f": np.arange(len(new))}).dropna(subset=["k"]), on="k")
                )
                m_idx = np.concatenate([m_idx, pairs["_m"].to_numpy(dtype=np.int64)])
                f_idx = np.concatenate([f_idx, pairs["_f"].to_numpy(dtype=np.int64)])
            if len(m_idx):  # a pair that disagrees (amount, status, card) is a conflict, no clock
                fields = _disagreements(
                    merged.iloc[m_idx].reset_index(drop=True), new.iloc[f_idx].reset_index(drop=True)
                )
                agree = np.array([not f for f in fields], dtype=bool)
                m_idx, f_idx = m_idx[agree], f_idx[agree]
            self._anchors = (m_idx, f_idx)
        return self._anchors

    def __call__(self, at_ns: np.ndarray) -> np.ndarray | None:
        m_idx, f_idx = self._key_anchors()
        if len(m_idx):
            anchor_ns = self.merged["_ns"].to_numpy()[m_idx]
            deltas = (self.new["_ns"].to_numpy()[f_idx] - anchor_ns).astype(np.float64)
            curve, _spread = local_offsets(
                anchor_ns,
                deltas,
                np.asarray(at_ns, dtype=np.float64),
                min_pairs=max(self.min_pairs, 3),
                offset=float(np.median(deltas)),
            )
            return curve
        offset, _spread, _pairs, method = self.amount_offset()
        if method == "amounts":
            return np.full(len(at_ns), offset, dtype=np.float64)
        return None


def _compatible(a: pd.DataFrame, b: pd.DataFrame, disjoint_terminals: bool) -> np.ndarray:
    ok = np.ones(len(a), dtype=bool)
    for name in _IDS_MUST_AGREE:
        ok &= ~(a[name].notna() & b[name].notna() & (a[name] != b[name])).fillna(False).to_numpy(dtype=bool)
    triple_a = a["terminal_id"] + "/" + a["batch_no"] + "/" + a["stan"]
    triple_b = b["terminal_id"] + "/" + b["batch_no"] + "/" + b["stan"]
    ok &= ~(triple_a.notna() & triple_b.notna() & (triple_a != triple_b)).fillna(False).to_numpy(dtype=bool)
    channel = (a["channel"] == b["channel"]) | (a["channel"] == "other") | (b["channel"] == "other")
    ok &= channel.fillna(False).to_numpy(dtype=bool)
    if not disjoint_terminals:
        same = a["terminal_id"].isna() | b["terminal_id"].isna() | (a["terminal_id"] == b["terminal_id"])
        ok &= same.fillna(False).to_numpy(dtype=bool)
    ok &= ~_card_differs(a, b)
    return ok


def _window_pairs(
    merged: pd.DataFrame,
    new: pd.DataFrame,
    free_m: np.ndarray,
    free_f: np.ndarray,
    offset_ns: np.ndarray,
    tolerance_ns: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (merged row, new row) in the same block whose corrected times are within the tolerance.

    One sort and two binary searches on a (block, time) key: only pairs inside
    the window are ever made, so a price sold hundreds of times a day costs no
    more than the sales around each one.
    """
    block = ["currency", "amount_minor", "_side", "status"]
    both = pd.concat([merged.loc[free_m, block], new.loc[free_f, block]], ignore_index=True)
    codes = both.groupby(block, sort=False, dropna=False).ngroup().to_numpy(dtype=np.int64)
    code_m, code_f = codes[: len(free_m)], codes[len(free_m) :]
    ns_m = merged["_ns"].to_numpy()[free_m]
    ns_f = new["_ns"].to_numpy()[free_f] - np.round(offset_ns[free_f]).astype(np.int64)
    if len(ns_m) == 0 or len(ns_f) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    low = min(ns_m.min(), ns_f.min())
    unit = 1_000  # microseconds, coarser when the (block, time) key would overflow
    while True:
        width = int(max(ns_m.max(), ns_f.max()) - low) // unit + 2 * int(tolerance_ns) // unit + 3
        if (int(codes.max()) + 1) * width < 2**62:
            break
        unit *= 1_000
    key_m = code_m * width + (ns_m - low) // unit
    key_f = code_f * width + (ns_f - low) // unit
    order = np.argsort(key_m, kind="stable")
    sorted_keys = key_m[order]
    reach = int(tolerance_ns) // unit + 1
    starts = np.searchsorted(sorted_keys, key_f - reach, side="left")
    stops = np.searchsorted(sorted_keys, key_f + reach, side="right")
    counts = stops - starts
    owner = np.repeat(np.arange(len(key_f)), counts)
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    m_pos = order[np.repeat(starts, counts) + within]
    residual = np.abs(ns_f[owner] - ns_m[m_pos])
    keep = (residual <= tolerance_ns) & (code_m[m_pos] == code_f[owner])
    return free_m[m_pos[keep]], free_f[owner[keep]], residual[keep]


def _compatible_pairs(
    merged: pd.DataFrame,
    new: pd.DataFrame,
    free_m: np.ndarray,
    free_f: np.ndarray,
    offset_ns: np.ndarray,
    tolerance_ns: float,
) -> pd.DataFrame:
    """:func:`_window_pairs` whose rows disagree on no identifier: ``_m``, ``_f``, ``_r`` (the residual, ns)."""
    m_idx, f_idx, residual = _window_pairs(merged, new, free_m, free_f, offset_ns, tolerance_ns)
    pairs = pd.DataFrame({"_m": m_idx, "_f": f_idx, "_r": residual})
    if pairs.empty:
        return pairs
    a = merged.loc[m_idx].reset_index(drop=True)
    b = new.loc[f_idx].reset_index(drop=True)
    disjoint = not (set(merged["terminal_id"].dropna()) & set(new["terminal_id"].dropna()))
    return pairs[_compatible(a, b, disjoint)]


def _time_links(
    merged: pd.DataFrame,
    new: pd.DataFrame,
    free_m: np.ndarray,
    free_f: np.ndarray,
    offset_ns: np.ndarray,
    tolerance_ns: float,
) -> tuple[np.ndarray, np.ndarray]:
    pairs = _compatible_pairs(merged, new, free_m, free_f, offset_ns, tolerance_ns)
    if pairs.empty:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    pairs = pairs.sort_values(["_r", "_m", "_f"], kind="stable")
    taken_m: set[int] = set()
    taken_f: set[int] = set()
    out_m: list[int] = []
    out_f: list[int] = []
    for m, f in zip(pairs["_m"].to_numpy(), pairs["_f"].to_numpy(), strict=True):
        if m in taken_m or f in taken_f:
            continue
        taken_m.add(m)
        taken_f.add(f)
        out_m.append(int(m))
        out_f.append(int(f))
    return np.array(out_m, dtype=np.int64), np.array(out_f, dtype=np.int64)


def _fill(merged: pd.DataFrame, new: pd.DataFrame, m_idx: np.ndarray, f_idx: np.ndarray) -> pd.DataFrame:
    """Fill the merged rows' empty fields from the linked rows of the new source."""
    if len(m_idx) == 0:
        return merged
    out = merged
    skip = {"txn_id", "ts", "amount_minor", "source", "source_row", "_side", "_ns", "_row", "_sources"}
    for name in new.columns:
        if name in skip:
            continue
        incoming = new[name].iloc[f_idx].set_axis(m_idx)
        if name not in out.columns:
            out[name] = pd.Series(pd.NA, index=out.index, dtype=incoming.dtype)
        current = out.loc[m_idx, name]
        if name == "channel":
            take = current.eq("other") & incoming.ne("other")
        else:
            take = current.isna() & incoming.notna()
        take = take.fillna(False).astype(bool)
        if take.any():
            out.loc[take[take].index, name] = incoming[take]
    return out


def merge_journals(
    frames: Sequence[pd.DataFrame],
    *,
    sources: Sequence[str] | None = None,
    time_tolerance: pd.Timedelta | str = "90s",
    max_clock_difference: pd.Timedelta | str = "12h",
    min_pairs: int = 3,
) -> MergedJournal:
    """Join several canonical journals of the same terminals into one; see the module docs.

    ``frames``: canonical journals (from :func:`receiptkit.read_journal`), in
    order of trust (the first one's clock and values win). ``sources``: a label
    per frame (default: the file each was read from). ``time_tolerance``: how
    far apart two sightings of one transaction may be once the clock difference
    is taken off. ``max_clock_difference``: the largest clock difference looked
    for when no key links the sources. Inputs are not modified.

    >>> import pandas as pd
    >>> def row(**kw):
    ...     base = {"ts": pd.Timestamp("2026-11-20 10:00", tz="Asia/Shanghai"), "amount_minor": 2500,
    ...             "currency": "CNY", "txn_type": "sale", "status": "approved", "channel": "card"}
    ...     return {**base, **kw}
    >>> terminal = pd.DataFrame([row(txn_id="t1", rrn="111", stan="000001")])
    >>> acquirer = pd.DataFrame([row(txn_id="a1", rrn="111", issuer="招商银行"),
    ...                          row(txn_id="a2", rrn="112", ts=pd.Timestamp("2026-11-20 11:00", tz="Asia/Shanghai"))])
    >>> out = merge_journals([terminal, acquirer], sources=["terminal", "acquirer"])
    >>> out.journal[["txn_id", "stan", "issuer", "sources"]].values.tolist()
    [['t1', '000001', '招商银行', 'terminal;acquirer'], ['a2', <NA>, <NA>, 'acquirer']]
    >>> len(out.conflicts)
    0
    """
    frames = list(frames)
    if not frames:
        raise SchemaError("merge_journals needs at least one journal")
    labels = _labels(frames, sources)
    tolerance_ns = pd.Timedelta(time_tolerance).value
    max_ns = pd.Timedelta(max_clock_difference).value
    if tolerance_ns < 0 or max_ns < 0:
        raise SchemaError("time_tolerance and max_clock_difference must not be negative")

    merged = _prepare(frames[0], labels[0], None)
    tz = merged["ts"].dt.tz
    merged["_row"] = np.arange(len(merged))
    merged["_sources"] = [[labels[0]] for _ in range(len(merged))]
    merged["merge_conflict"] = pd.Series(pd.NA, index=merged.index, dtype=STRING)
    links = [_link_rows(merged["_row"].to_numpy(), labels[0], merged, np.arange(len(merged)), "first")]
    offsets = [{"source": labels[0], "offset_s": 0.0, "spread_s": 0.0, "pairs": 0, "method": "reference"}]
    conflicts: list[dict[str, object]] = []
    near_misses: list[dict[str, object]] = []
    unclocked: list[dict[str, object]] = []

    for frame, label in zip(frames[1:], labels[1:], strict=True):
        new = _prepare(frame, label, tz)
        free_m = np.ones(len(merged), dtype=bool)
        free_f = np.ones(len(new), dtype=bool)
        key_m: list[int] = []
        key_f: list[int] = []
        appended_conflicts: list[tuple[int, str]] = []  # (position in new, conflict id)
        other_clock = _OtherClock(
            merged, new, min_pairs=min_pairs, max_difference_ns=max_ns, bin_ns=max(tolerance_ns, 1)
        )
        for key in KEYS:
            if key == "rrn":  # unique within one settlement day only: held to the clock (merge_clock)
                pairs = rrn_candidates(
                    _key(merged, key).where(free_m),
                    _key(new, key).where(free_f),
                    merged,
                    new,
                    tolerance_ns=tolerance_ns,
                    min_pairs=min_pairs,
                    clear_mode=_clear_mode,
                    clock=other_clock,
                )
            else:
                left = _unique(_key(merged, key).where(free_m))
                right = _unique(_key(new, key).where(free_f))
                pairs = (
                    pd.DataFrame({"k": left, "_m": np.arange(len(merged))})
                    .dropna(subset=["k"])
                    .merge(pd.DataFrame({"k": right, "_f": np.arange(len(new))}).dropna(subset=["k"]), on="k")
                )
            if pairs.empty:
                continue
            m_idx, f_idx = pairs["_m"].to_numpy(), pairs["_f"].to_numpy()
            a = merged.iloc[m_idx].reset_index(drop=True)
            b = new.iloc[f_idx].reset_index(drop=True)
            fields = _disagreements(a, b)
            agree = np.array([not f for f in fields], dtype=bool)
            for j in np.flatnonzero(~agree):
                conflict_id = f"C{len(conflicts) + 1}"
                conflicts.append(
                    _conflict(conflict_id, key, pairs["k"].iat[j], fields[j], a.iloc[j], b.iloc[j], label)
                )
                merged.iat[m_idx[j], merged.columns.get_loc("merge_conflict")] = conflict_id
                appended_conflicts.append((int(f_idx[j]), conflict_id))
            if "clocked" in pairs.columns:  # RRN links that rest on the RRN alone: listed, never silent
                for j in np.flatnonzero(agree & ~pairs["clocked"].to_numpy(dtype=bool)):
                    unclocked.append(_unclocked(a.iloc[j], b.iloc[j], pairs["k"].iat[j], label))
            key_m += m_idx[agree].tolist()
            key_f += f_idx[agree].tolist()
            links.append(_link_rows(merged["_row"].to_numpy()[m_idx[agree]], label, new, f_idx[agree], key))
            free_m[m_idx] = False
            free_f[f_idx] = False

        if key_m:
            offset, spread, n_pairs, method = _estimate_offset(
                merged,
                new,
                np.array(key_m, dtype=np.int64),
                np.array(key_f, dtype=np.int64),
                min_pairs=min_pairs,
                max_difference_ns=max_ns,
                bin_ns=max(tolerance_ns, 1),
            )
        else:  # the rare amounts (perhaps already worked out to check few RRN pairs against)
            offset, spread, n_pairs, method = other_clock.amount_offset()
        anchors_m = np.array(key_m, dtype=np.int64)
        anchors_f = np.array(key_f, dtype=np.int64)
        offset_f, local_spread = local_offsets(
            merged["_ns"].to_numpy()[anchors_m],
            (new["_ns"].to_numpy()[anchors_f] - merged["_ns"].to_numpy()[anchors_m]).astype(np.float64),
            new["_ns"].to_numpy().astype(np.float64) - offset,
            min_pairs=max(min_pairs, 3),
            offset=offset,
        )
        if method == "keys":
            spread = local_spread
        offsets.append(
            {
                "source": label,
                "offset_s": offset / 1e9,
                "spread_s": spread / 1e9,
                "pairs": n_pairs,
                "method": method,
                "offset_min_s": float(offset_f.min()) / 1e9 if len(offset_f) else offset / 1e9,
                "offset_max_s": float(offset_f.max()) / 1e9 if len(offset_f) else offset / 1e9,
            }
        )
        window = max(float(tolerance_ns), 3.0 * spread)
        time_m, time_f = _time_links(
            merged, new, np.flatnonzero(free_m), np.flatnonzero(free_f), offset_f, window
        )
        if len(time_m):
            links.append(_link_rows(merged["_row"].to_numpy()[time_m], label, new, time_f, "time"))
        free_f[time_f] = False
        free_m[time_m] = False
        wide = _compatible_pairs(
            merged, new, np.flatnonzero(free_m), np.flatnonzero(free_f), offset_f, NEAR_MISS_FACTOR * window
        )
        wide = wide[wide["_r"] > window]
        near = [
            (int(merged["_row"].iat[m]), int(f), float(r) / 1e9, window / 1e9)
            for m, f, r in zip(
                wide["_m"].to_numpy(), wide["_f"].to_numpy(), wide["_r"].to_numpy(), strict=True
            )
        ]

        linked_m = np.array(key_m + time_m.tolist(), dtype=np.int64)
        linked_f = np.array(key_f + time_f.tolist(), dtype=np.int64)
        merged = _fill(merged, new, linked_m, linked_f)
        sources_col = merged["_sources"].tolist()
        for m in linked_m:
            sources_col[m] = [*sources_col[m], label]
        merged["_sources"] = pd.Series(sources_col, index=merged.index, dtype=object)

        # rows only this source has, and the later side of each conflict, are added as they are
        conflict_of = dict(appended_conflicts)
        rest = np.flatnonzero(free_f)
        rest = np.union1d(rest, np.array(list(conflict_of), dtype=np.int64))
        added = new.iloc[rest].copy()
        shift_ns = np.round(offset_f[rest]).astype(np.int64)
        added["ts"] = added["ts"] - pd.to_timedelta(shift_ns, unit="ns")
        added["_ns"] = added["_ns"] - shift_ns
        start = int(merged["_row"].max()) + 1 if len(merged) else 0
        added["_row"] = np.arange(start, start + len(added))
        row_of = dict(zip(rest.tolist(), added["_row"].tolist(), strict=True))
        for m_row, f, gap, width in near:
            if f in row_of:
                near_misses.append(
                    {
                        "source": label,
                        "_row_a": m_row,
                        "_row_b": row_of[f],
                        "amount_minor": int(new["amount_minor"].iat[f]),
                        "currency": new["currency"].iat[f],
                        "gap_s": gap,
                        "window_s": width,
                    }
                )
        added["_sources"] = [[label] for _ in range(len(added))]
        added["merge_conflict"] = pd.Series(
            [conflict_of.get(int(i), pd.NA) for i in rest], index=added.index, dtype=STRING
        )
        by = ["conflict" if int(i) in conflict_of else "alone" for i in rest]
        links.append(_link_rows(added["_row"].to_numpy(), label, new, rest, by))
        merged = pd.concat([merged, added], ignore_index=True)

    return _finish(merged, labels, links, conflicts, offsets, near_misses, unclocked)


def _link_rows(
    rows: np.ndarray, label: str, source: pd.DataFrame, positions: np.ndarray, by: str | list[str]
) -> pd.DataFrame:
    """Which input rows (``positions`` in ``source``) went into which merged rows, and how."""
    picked = source.iloc[positions]
    return pd.DataFrame(
        {
            "_row": rows,
            "source": label,
            "source_txn_id": picked["txn_id"].to_numpy(dtype=object),
            "source_file": picked["source"].to_numpy(dtype=object),
            "source_row": picked["source_row"].to_numpy(dtype=object),
            "linked_by": by,
        }
    )


def _unclocked(a: pd.Series, b: pd.Series, value: str, label: str) -> dict[str, object]:
    """One RRN link with no clock to check it: the merged row ``a``, the later source's row ``b``."""
    return {
        "source": label,
        "_row": int(a["_row"]),
        "sources_a": ";".join(a["_sources"]),
        "source_txn_id": b["txn_id"],
        "rrn": str(value).split("|", 1)[1],
        "amount_minor": int(b["amount_minor"]),
        "currency": b["currency"],
        "ts_a": a["ts"],
        "ts_b": b["ts"],
        "difference_s": (int(b["_ns"]) - int(a["_ns"])) / 1e9,
    }


def _card(row: pd.Series) -> object:
    pan = row.get("pan_masked")
    if isinstance(pan, str):
        return pan
    last4 = row.get("card_last4")
    return f"****{last4}" if isinstance(last4, str) else pd.NA


def _conflict(
    conflict_id: str, key: str, value: str, fields: list[str], a: pd.Series, b: pd.Series, label: str
) -> dict[str, object]:
    out: dict[str, object] = {
        "conflict_id": conflict_id,
        "key": key,
        "key_value": str(value).split("|", 1)[1],
        "fields": ";".join(fields),
        "_row_a": int(a["_row"]),
    }
    for side, row, sources in (("a", a, ";".join(a["_sources"])), ("b", b, label)):
        out[f"sources_{side}"] = sources
        out[f"txn_id_{side}"] = row["txn_id"]
        out[f"source_row_{side}"] = row["source_row"]
        out[f"ts_{side}"] = row["ts"]
        out[f"amount_minor_{side}"] = int(row["amount_minor"])
        out[f"currency_{side}"] = row["currency"]
        out[f"status_{side}"] = row["status"]
        out[f"card_{side}"] = _card(row)
    return out


def _finish(
    merged: pd.DataFrame,
    labels: list[str],
    links: list[pd.DataFrame],
    conflicts: list[dict[str, object]],
    offsets: list[dict[str, object]],
    near_misses: list[dict[str, object]],
    unclocked: list[dict[str, object]],
) -> MergedJournal:
    out = merged.sort_values(["ts", "_row"], kind="stable").reset_index(drop=True)
    # txn_ids of different sources may collide: later rows get "@<their first source>"
    ids = out["txn_id"].astype(str)
    first_source = out["_sources"].map(lambda s: s[0])
    if ids.duplicated().any():
        dup = out["_row"] != out.groupby(ids)["_row"].transform("min")
        ids = ids.mask(dup, ids + "@" + first_source)
        n = 2
        while ids.duplicated().any():
            again = ids.duplicated()
            ids = ids.mask(again, ids + f"#{n}")
            n += 1
    out["txn_id"] = ids.astype(STRING)
    final = dict(zip(out["_row"].to_numpy(), out["txn_id"], strict=True))
    out["sources"] = out["_sources"].map(lambda s: ";".join(s)).astype(STRING)
    out["merge_conflict"] = out["merge_conflict"].astype(STRING)

    link_frame = pd.concat(links, ignore_index=True)
    link_frame.insert(0, "txn_id", link_frame["_row"].map(final).astype(STRING))
    link_frame = link_frame.drop(columns="_row")
    for name in ("source", "source_txn_id", "source_file", "linked_by"):
        link_frame[name] = link_frame[name].astype(STRING)
    link_frame["source_row"] = pd.array(link_frame["source_row"], dtype="Int64")

    report = pd.DataFrame(conflicts, columns=[*CONFLICT_COLUMNS, "_row_a"])
    if len(report):
        # the later side's final txn_id: the row added with that conflict id from that source
        later = out[out["merge_conflict"].notna()]
        by_conflict = {
            (cid, srcs): tid
            for cid, srcs, tid in zip(later["merge_conflict"], later["sources"], later["txn_id"], strict=True)
        }
        report["txn_id_a"] = report["_row_a"].map(final)
        report["txn_id_b"] = [
            by_conflict.get((cid, src), tid)
            for cid, src, tid in zip(
                report["conflict_id"], report["sources_b"], report["txn_id_b"], strict=True
            )
        ]
    report = report.drop(columns="_row_a")
    for name in report.columns:
        if name.startswith(("ts_",)):
            report[name] = (
                pd.to_datetime(report[name], utc=True)
                if len(report)
                else pd.Series(dtype="datetime64[ns, UTC]")
            )
        elif name.startswith("amount_minor_"):
            report[name] = report[name].astype("int64")
        elif name.startswith("source_row_"):
            report[name] = pd.array(report[name], dtype="Int64")
        else:
            report[name] = report[name].astype(object).where(report[name].notna(), None).astype(STRING)

    internal = [c for c in out.columns if c.startswith("_")]
    journal = validate_journal(out.drop(columns=internal))
    extra = [
        c for c in journal.columns if c not in JOURNAL_COLUMNS and c not in ("sources", "merge_conflict")
    ]
    journal = journal[[*JOURNAL_COLUMNS, *extra, "sources", "merge_conflict"]]
    journal.attrs["sources"] = list(labels)
    offsets_frame = pd.DataFrame(
        offsets, columns=["source", "offset_s", "spread_s", "pairs", "method", "offset_min_s", "offset_max_s"]
    )
    offsets_frame.loc[0, ["offset_min_s", "offset_max_s"]] = 0.0
    misses = pd.DataFrame(near_misses, columns=["source", "_row_a", "_row_b", *NEAR_MISS_COLUMNS[3:]])
    misses.insert(1, "txn_id_a", misses["_row_a"].map(final).astype(STRING))
    misses.insert(2, "txn_id_b", misses["_row_b"].map(final).astype(STRING))
    misses = misses.drop(columns=["_row_a", "_row_b"]).reset_index(drop=True)
    misses["source"] = misses["source"].astype(STRING)
    misses["currency"] = misses["currency"].astype(STRING)
    misses["amount_minor"] = misses["amount_minor"].astype("int64")
    misses["gap_s"] = misses["gap_s"].astype("float64")
    misses["window_s"] = misses["window_s"].astype("float64")
    if len(misses):
        warnings.warn(
            f"merge_journals: {len(misses)} pair(s) of rows left apart that a clock window up to "
            f"{NEAR_MISS_FACTOR}x wider would have linked (perhaps one sale in two rows); "
            "see MergedJournal.near_misses",
            NearMissWarning,
            stacklevel=3,
        )
    rrn_only = pd.DataFrame(unclocked, columns=["_row", *UNCLOCKED_COLUMNS[:1], *UNCLOCKED_COLUMNS[2:]])
    rrn_only.insert(2, "txn_id", rrn_only["_row"].map(final).astype(STRING))
    rrn_only = rrn_only.drop(columns="_row").reset_index(drop=True)
    for name in ("source", "sources_a", "source_txn_id", "rrn", "currency"):
        rrn_only[name] = rrn_only[name].astype(object).where(rrn_only[name].notna(), None).astype(STRING)
    rrn_only["amount_minor"] = rrn_only["amount_minor"].astype("int64")
    rrn_only["difference_s"] = rrn_only["difference_s"].astype("float64")
    tz = out["ts"].dt.tz
    for name in ("ts_a", "ts_b"):  # each on its own clock, in the first source's time zone
        rrn_only[name] = pd.to_datetime(rrn_only[name], utc=True).dt.tz_convert(tz)
    if len(rrn_only):
        warnings.warn(
            f"merge_journals: {len(rrn_only)} link(s) rest on an RRN alone, with no clock to check them "
            "(an RRN recurs on other settlement days: two sales of one amount days apart would be one row, "
            "one sale lost); check each in MergedJournal.unclocked_links: is it one sale? If not, clear that "
            "row's RRN in the later source and merge again",
            UnclockedLinkWarning,
            stacklevel=3,
        )
    return MergedJournal(
        journal=journal,
        conflicts=report,
        clock_offsets=offsets_frame,
        links=link_frame,
        near_misses=misses,
        unclocked_links=rrn_only,
    )
