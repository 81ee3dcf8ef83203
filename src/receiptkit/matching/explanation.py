"""Explain: the match-weight waterfall of one proof, field by field (one row per comparator)."""

from __future__ import annotations

import uuid
import weakref
from typing import Any

import numpy as np
import pandas as pd

from receiptkit.matching.clocks import _duration, card_clock_key, card_clocks, segment_of, segment_text
from receiptkit.matching.comparators import MerchantTable, Reading, comparators
from receiptkit.matching.decide import _Weighed
from receiptkit.matching.elsewhere import coincidence_stratum
from receiptkit.matching.evidence import FIELDS, ProofArrays
from receiptkit.matching.index import JournalIndex
from receiptkit.matching.policy import MatchPolicy
from receiptkit.matching.result import _merchant_notes, _money, _pair_evidence

__all__ = ["explain"]


class _Store:
    """What ``explain`` needs, kept on the result without being copied by pandas."""

    def __init__(
        self,
        index: JournalIndex,
        proofs: ProofArrays,
        weighed: _Weighed,
        shown: dict[str, np.ndarray],
        policy: MatchPolicy,
    ) -> None:
        self.index = index
        self.arrays = proofs
        self.fx_sources: dict[tuple[str, str], str] = {}  # where each billing rate came from (match sets it)
        # the merchant readings and the batch's estimates of payments made elsewhere (match sets them)
        self.table: MerchantTable | None = None
        self.coincidence: dict[str, dict[str, float]] = {}
        self.proofs = proofs.frame
        self.journal = index.journal
        self.weighed = weighed
        self.shown = shown
        self.policy = policy
        self._position: pd.Series | None = None

    def position(self, proof_id: str) -> int:
        if self._position is None:
            ids = self.proofs["proof_id"].astype(str)
            self._position = pd.Series(np.arange(len(ids)), index=ids.to_numpy())
            self._position = self._position[~self._position.index.duplicated()]
        if proof_id not in self._position.index:
            raise KeyError(f"no proof {proof_id!r} in this result")
        return int(self._position[proof_id])

    def evidence_of(self, proof_id: str) -> pd.DataFrame:
        """The evidence rows (best, runner-up) of one proof, weighed again."""
        k = self.position(proof_id)
        picks = [int(x) for x in (self.shown["best"][k], self.shown["rival"][k]) if x >= 0]
        columns = ["proof_id", "rank", "txn_row", "txn_id", "posterior", "base", "n_same"]
        if not picks:
            return pd.DataFrame(columns=columns)
        positions = np.array(picks, dtype=np.int64)
        ev = _pair_evidence(self.index, self.arrays, self.weighed, positions, self.policy)
        frame = pd.DataFrame(
            {
                "proof_id": str(proof_id),
                "rank": np.arange(len(positions)),
                "txn_row": self.weighed.txn[positions],
                "txn_id": self.index.txn_ids(self.weighed.txn[positions]),
                "posterior": self.shown["conf"][positions],
                "base": ev.base,
                "n_same": ev.n_same,
            }
        )
        for field in FIELDS:
            frame[f"level_{field}"] = ev.levels[field]
            frame[f"weight_{field}"] = ev.weights[field]
        frame["note_merchant"] = _merchant_notes(self.index, self.weighed, ev)
        return frame

    def __deepcopy__(self, memo: dict[int, Any]) -> _Store:
        return self

    def __repr__(self) -> str:
        return f"<match evidence for {self.proofs.shape[0]} proofs>"


# The evidence explain() shows stays out of attrs (attrs hold plain values only,
# see receiptkit.frames): the frame match/find returns holds it as a hidden
# attribute, and a registry finds it by the token in attrs["evidence"] for as
# long as that frame lives, so frames derived from it (copies, selections,
# pickles in the same process) can be explained too.
_EVIDENCE: weakref.WeakValueDictionary[str, _Store] = weakref.WeakValueDictionary()
_HIDDEN = "_receiptkit_evidence"


def _keep_evidence(frame: pd.DataFrame, store: _Store) -> None:
    """Attach ``store`` to ``frame``: hidden attribute, token in ``attrs["evidence"]``."""
    token = f"match-evidence:{uuid.uuid4().hex}"
    _EVIDENCE[token] = store
    object.__setattr__(frame, _HIDDEN, store)
    frame.attrs["evidence"] = token


def _evidence_of(frame: pd.DataFrame) -> _Store | None:
    store = getattr(frame, _HIDDEN, None)
    if isinstance(store, _Store):
        return store
    token = frame.attrs.get("evidence")
    return _EVIDENCE.get(token) if isinstance(token, str) else None


def explain(result: pd.DataFrame, proof_id: str) -> pd.DataFrame:
    """The evidence per field for a proof's best candidate and the runner-up.

    Rows: the base rate (prior and how common the amount is in the window),
    then one row per field with the proof's value, the journal's value, the
    agreement level and the weight in bits (log2 of the likelihood ratio),
    for the chosen transaction and the runner-up, like a match-weight
    waterfall. The last row is the posterior probability.
    """
    store = _evidence_of(result)
    if store is None:
        raise ValueError(
            "explain needs the frame returned by match() or find() (or one derived from it while "
            "that frame is alive); match again to explain a result read back from a file"
        )
    ev = store.evidence_of(str(proof_id))
    proofs = store.proofs
    found = proofs[proofs["proof_id"].astype(str) == str(proof_id)]
    journal = store.journal
    proof_row = _in_zone_of(found.iloc[0], journal)
    picks = [journal.iloc[int(r)] for r in ev["txn_row"]]
    labels = ["best", "runner_up"]
    rows = []
    base = {"field": "base rate", "proof_value": _proof_value(proof_row, "amount")}  # money, not minor units
    for label, (_, e) in zip(labels, ev.iterrows(), strict=False):
        base[f"{label}_txn_id"] = e["txn_id"]
        base[f"{label}_value"] = f"{_expected_count(e['n_same'])} such transaction(s) expected in the window"
        base[f"{label}_level"] = "prior"
        base[f"{label}_bits"] = round(float(e["base"]) / np.log(2), 2)
    notes = [_absence_note(store, str(proof_id)), _coincidence_note(store, str(proof_id))]
    base_note = "; ".join(n for n in notes if n)
    if base_note and "best_txn_id" in base:
        base["best_note"] = base_note
    rows.append(base)
    by_field = {comparator.field: comparator for comparator in comparators(store.policy)}
    for field in FIELDS:
        row: dict[str, Any] = {"field": field, "proof_value": _proof_value(proof_row, field)}
        for label, (_, e), txn in zip(labels, ev.iterrows(), picks, strict=False):
            # the field's comparator writes its row: level, weight in bits and its reading in words
            reading = Reading(str(e[f"level_{field}"]), e.get(f"note_{field}"))
            written = by_field[field].explanation_row(
                row["proof_value"], _journal_value(txn, field), reading, float(e[f"weight_{field}"])
            )
            row[f"{label}_txn_id"] = e["txn_id"]
            for key in ("value", "level", "bits", "note"):
                row[f"{label}_{key}"] = written["journal_value" if key == "value" else key]
            if field == "amount" and row[f"{label}_level"] == "fx":  # the rate used, and where it came from
                rate_note = _rate_note(store, str(proof_row["currency"]), str(txn["currency"]))
                if rate_note:
                    note = row.get(f"{label}_note")
                    row[f"{label}_note"] = f"{note}; {rate_note}" if note else rate_note
            if (
                field == "card_last4"
            ):  # a whole card number the proof shows but does not name as its card (G7)
                unused = card_not_compared(proof_row)
                if unused:
                    note = row.get(f"{label}_note")
                    row[f"{label}_note"] = f"{note}; {unused}" if note else unused
            if field == "time":  # a terminal whose clock jumped: which piece corrected this time
                clock = _clock_note(store.index, int(e["txn_row"]))
                if clock:
                    note = row.get(f"{label}_note")
                    row[f"{label}_note"] = f"{note}; {clock}" if note else clock
        rows.append(row)
    total: dict[str, Any] = {"field": "posterior", "proof_value": None}
    for label, (_, e) in zip(labels, ev.iterrows(), strict=False):
        total[f"{label}_txn_id"] = e["txn_id"]
        total[f"{label}_value"] = f"{e['posterior']:.4%}"
        total[f"{label}_level"] = None
        total[f"{label}_bits"] = None
    rows.append(total)
    table = pd.DataFrame(rows)
    table.attrs["proof_id"] = str(proof_id)
    return table


def card_not_compared(proof: pd.Series | Any) -> str | None:
    """What a proof that shows a card-like number it could not use as its card says of it (its ``raw``'s
    ``card_not_compared``: the SMS reader's words, naming the last 4 only), or None."""
    raw = proof.get("raw") if hasattr(proof, "get") else None
    text = raw.get("card_not_compared") if isinstance(raw, dict) else None
    return text if isinstance(text, str) and text else None


def _rate_note(store: _Store, proof_currency: str, journal_currency: str) -> str | None:
    """The billing rate a proof in another currency was converted with, and where it came from."""
    rate = store.policy.fx_rates.get((journal_currency, proof_currency))
    if rate is None:
        return None
    source = store.fx_sources.get((journal_currency, proof_currency), "given in fx_rates")
    return f"converted at 1 {journal_currency} = {rate} {proof_currency} ({source})"


def _absence_note(store: _Store, proof_id: str) -> str | None:
    """The prior of "not in this journal" when the batch set it for this proof (not ``prior_absent``)."""
    absent = store.weighed.absent
    if absent is None:
        return None
    prior = float(np.exp(absent[store.position(proof_id)]))
    if not np.isfinite(prior) or np.isclose(prior, store.policy.prior_absent, rtol=1e-9, atol=0.0):
        return None
    return f"not in this journal: prior {prior:.1%} from the batch (prior_absent {store.policy.prior_absent:.1%})"


def _coincidence_note(store: _Store, proof_id: str) -> str | None:
    """What holds a proof as "paid elsewhere and coinciding" (:mod:`~receiptkit.matching.elsewhere`), in words:
    the stratum whose estimate applies, what the batch read it from, and the most the proof can reach; ``None``
    where the estimate lets it reach ``match_threshold`` (it is then not what refuses the proof)."""
    copy = store.weighed.copy
    k = store.position(proof_id)
    if copy is None or store.table is None or not np.isfinite(copy[k]):
        return None
    key = coincidence_stratum(store.arrays, store.table, store.coincidence, k)
    stats = store.coincidence.get(key) if key is not None else None
    if key is None or not stats:
        return None
    share, rate = float(stats["share"]), float(stats["rate"])
    cap = (1 - share) / (1 - share + share * rate) if share < 1 else 0.0
    if cap >= store.policy.match_threshold:
        return None
    kind = key.removesuffix(" brand")
    kind = f"{kind.removesuffix(' credit')} refund" if kind.endswith(" credit") else kind
    if key.endswith(" brand"):
        text, other, here = (
            "names a brand here without its branch",
            "another branch of a brand here",
            "a branch here",
        )
    else:
        text, other, here = "names no shop of this journal", "another shop", "a shop of this journal"
    if stats.get("kept"):
        read = f"as an earlier run of this journal kept it (share {share:.1%}, rate {rate:.1%})"
    else:
        read = (
            f"{int(stats['coincide'])} of the batch's {int(stats['named'])} {kind} proofs naming {other} fit a sale "
            f"here on amount, time and card, {int(stats['here'])} name {here} (share {share:.1%}, "
            f"rate {rate:.1%})"
        )
    return (
        f'paid elsewhere and coinciding: the proof {text} ("{key}"), as a payment made elsewhere would read; '
        f"{read}; so at most {cap:.1%} (a number the journal holds, or the shop and branch the payment names, "
        "would settle it)"
    )


def _clock_note(index: JournalIndex, row: int) -> str | None:
    """The clock that corrected a row's time, in words: its segment on a terminal whose clock jumped, else the
    terminal's offset (its card sales' when they keep a clock of their own) when a minute or more; else None."""
    segments = getattr(index, "clock_segments", {})
    code = int(index.terminal_code[row])
    if code < 0:
        return None
    terminal = str(index.terminals[code])
    if terminal not in segments:
        offset = int(index.offset_s[row])
        key = card_clock_key(terminal)
        # a card sale of a terminal that cannot have a card sales' clock: another terminal bears its key
        clash = bool(index.card_sale[row]) and key in index.terminal_names
        said = (
            f"its card sales keep no clock of their own here: terminal {key} bears that name"
            if clash
            else None
        )
        if abs(offset) < 60:
            return f"terminal {terminal}: {said}" if said else None
        own = bool(index.card_sale[row]) and key in card_clocks(
            index.clock_offsets or {}, index.terminal_names
        )
        logged = pd.Timestamp(int(index.ts_s[row]), unit="s", tz="UTC").tz_convert(index.tz)
        true = logged - pd.Timedelta(seconds=offset)
        clock = "card sales' clock" if own else "clock"
        return (
            f"logged {logged:%Y-%m-%d %H:%M:%S} by terminal {terminal}'s {clock}, "
            f"{_duration(offset)} off: {true:%Y-%m-%d %H:%M:%S}" + (f" ({said})" if said else "")
        )
    segment, unsure = segment_of(int(index.ts_s[row]), segments[terminal])
    if segment is None:
        return None
    text = segment_text(terminal, segment, index.tz)
    return text + ("; logged near the change, the piece is unsure" if unsure else "")


def _expected_count(n: float) -> str:
    """An expected count as people write it: 1,234 / 12 / 2.1 / 0.084."""
    return f"{n:,.0f}" if n >= 10 else f"{n:.2g}"


def _in_zone_of(row: pd.Series, journal: pd.DataFrame) -> pd.Series:
    """``row`` (a proof) with ``ts`` / ``ts_end`` shown in the zone of the journal's ``ts``, as the sales are.

    Proofs frames hold UTC (docs/proofs.md, Time zones); the waterfall puts the proof's time beside the sale's.
    """
    zone = getattr(journal["ts"].dt, "tz", None) if "ts" in journal.columns else None
    if zone is None:
        return row
    row = row.copy()
    for column in ("ts", "ts_end"):
        value = row.get(column)
        if isinstance(value, pd.Timestamp) and value.tzinfo is not None:
            row[column] = value.tz_convert(zone)
    return row


def _proof_value(row: pd.Series, field: str) -> Any:
    if field == "amount":
        return _money(int(row["amount_minor"]), str(row["currency"]))
    if field == "time":
        if pd.notna(row["ts"]):
            end = row.get("ts_end")
            if end is not None and pd.notna(end):
                return f"{row['ts']} to {end} ({row['ts_precision']})"
            return f"{row['ts']} ({row['ts_precision']})"
        return f"{row['date'].date()} (day)"
    if field == "merchant":
        return row.get("merchant_text")
    if field == "channel":  # what a card statement line naming a shop and no wallet tells (matching.channel)
        from receiptkit.matching.channel import card_lines

        line = card_lines(
            np.array([row.get("kind")], dtype=object), np.array([row.get("merchant_text")], dtype=object)
        )
        if line[0]:
            return "a statement line naming a shop and no wallet"
        from receiptkit.matching.channel import ALIPAY, WECHAT, proof_wallets

        raws = np.empty(1, dtype=object)
        raws[0] = row.get("raw")  # a dict, kept whole
        wallet = proof_wallets(
            np.array([row.get("kind")], dtype=object),
            np.array([row.get("wallet_txn_id")], dtype=object),
            raws,
        )[0]
        if wallet < 0:
            from receiptkit.matching.channel import bank_wallets

            wallet = bank_wallets(
                np.array([row.get("kind")], dtype=object),
                np.array([row.get("merchant_text")], dtype=object),
                raws,
            )[0]
            source = "a wallet's screen" if row.get("kind") == "wallet" else "a bank's text"
            named = {
                WECHAT: f"{source} naming WeChat Pay (财付通)",
                ALIPAY: f"{source} naming Alipay",
            }.get(int(wallet))
            if named is None:
                from receiptkit.matching.channel import bank_not_terminal

                if bank_not_terminal(
                    np.array([row.get("kind")], dtype=object),
                    np.array([row.get("merchant_text")], dtype=object),
                    raws,
                )[0]:
                    return "a bank's text naming WeChat Pay and Alipay"
            return named
        return {WECHAT: "a WeChat Pay record", ALIPAY: "an Alipay record"}.get(int(wallet))
    value = row.get(field)
    if field == "card_last4" and (value is None or pd.isna(value)):
        raw = row.get("raw")
        tail = raw.get("card_tail") if isinstance(raw, dict) else None
        return f"*{tail}" if isinstance(tail, str) and tail.isdigit() else None  # a 3-digit tail (尾号245)
    return None if value is None or pd.isna(value) else value


def _journal_value(row: pd.Series, field: str) -> Any:
    if field == "amount":
        return _money(int(row["amount_minor"]), str(row["currency"]))
    if field == "time":
        return str(row["ts"])
    if field == "merchant":
        return row.get("merchant_name")
    if field == "reference":
        parts = [f"{c}={row[c]}" for c in ("rrn", "auth_code", "stan") if pd.notna(row.get(c))]
        return ", ".join(parts) or None
    value = row.get(field)
    return None if value is None or pd.isna(value) else value
