"""Settlement reconciliation: terminal batches against settlement lines, settlement lines against payouts.

:func:`reconcile_settlement` answers three questions a merchant closing a
terminal must settle with the acquirer:

1. **Was every batch settled, and for the right amount?** Each settlement line
   (see :mod:`receiptkit.readers.settlement`) selects the journal transactions
   it settles: by terminal (when the line names one), batch number (else the
   trading day), channel (when the line names one) and currency. Their *gross*
   is approved sales and completions minus approved refunds and voids (a void
   of a pre-authorisation counts nothing: the pre-authorisation never did).
   The line's gross and count are compared with it; its fee with
   ``gross x rate`` (within ``fee_tolerance_minor``, one minor unit by default);
   a WeChat Pay or Alipay line (:data:`PER_PAYMENT_FEE`: the fee is rounded per
   payment) with the sum of its payments' fees, each rounded, when the journal
   holds the line's payments (its gross agrees), else within half a minor unit
   per payment (``(count + 1) // 2``).
2. **Which payout paid which line?** Each bank credit (a proofs frame from
   :func:`receiptkit.read_proofs`, ``direction == "credit"``) is matched to the
   settlement lines whose net amounts it pays, dated T+0 to T+3 after their
   settlement date. One credit may pay several lines: a bounded subset-sum
   over a small window of candidate lines.
3. **What is left over?** Batches never (or only partly) settled, lines with no
   batch, lines not paid, payouts not explained, transactions settled twice.

Fee rates: a line's own ``fee_rate`` wins; else ``rate=`` (one rate, or one per
channel); else the rate is inferred from the lines themselves: the simplest
decimal rate that the most lines agree with (each line allows the rates
``(fee +- tolerance) / gross``), so one wrong fee does not move the rate.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from receiptkit.money import ensure_sum_fits
from receiptkit.readers.settlement import parse_rate, read_settlement, validate_settlement
from receiptkit.schema import STRING, validate_journal, validate_proofs

__all__ = [
    "DIFFERENCE_COLUMNS",
    "DIFFERENCE_KINDS",
    "Reconciliation",
    "infer_rate",
    "journal_batches",
    "money_rows",
    "reconcile_settlement",
]

PER_PAYMENT_FEE = frozenset({"wechat", "alipay"})
"""Channels whose fee is charged and rounded per payment (each bill row has its 手续费 / 服务费): a day's
fee is the sum of rounded fees, not ``round(gross x rate)``."""

#: What a difference can be (the ``kind`` column of :attr:`Reconciliation.differences`).
DIFFERENCE_KINDS = (
    "batch_not_settled",
    "batch_partly_settled",
    "line_without_batch",
    "gross_difference",
    "fee_difference",
    "count_difference",
    "settled_twice",
    "line_not_paid",
    "payout_unexplained",
)
DIFFERENCE_COLUMNS = (
    "kind",
    "terminal_id",
    "batch_no",
    "trade_date",
    "line_id",
    "payout_id",
    "currency",
    "expected",
    "reported",
    "amount_minor",
    "detail",
)
_SIGN = {"sale": 1, "completion": 1, "refund": -1, "void": -1}


@dataclass
class Reconciliation:
    """What :func:`reconcile_settlement` found.

    - ``lines``: the settlement lines with ``expected_count``,
      ``expected_gross_minor``, ``gross_diff_minor``, ``fee_rate_used``,
      ``expected_fee_minor``, ``fee_diff_minor``, ``batches`` (the journal
      batches the line covers) and ``payout_id``;
    - ``batches``: one row per journal batch (terminal, batch number or trading
      day, currency) with ``count``, ``gross_minor``, ``settled`` (``settled``,
      ``partly``, ``not_settled``) and the ``line_ids`` that settle it;
    - ``payouts``: the bank credits with the ``line_ids`` each pays, ``lag_days``
      and ``status`` (``explained``, ``ambiguous`` when several sets of lines fit
      equally, ``unexplained``);
    - ``differences``: one row per finding (:data:`DIFFERENCE_COLUMNS`, ``kind``
      in :data:`DIFFERENCE_KINDS`); ``amount_minor`` is the money involved
      (reported minus expected for differences), ``expected``/``reported`` are
      amounts in minor units, or counts for ``count_difference``;
    - ``rates``: the fee rate used per channel (``"*"``: lines without one) and
      how many lines support an inferred rate;
    - ``covered``: the ``txn_id`` of every journal transaction some line settles.
    """

    lines: pd.DataFrame
    batches: pd.DataFrame
    payouts: pd.DataFrame
    differences: pd.DataFrame
    rates: dict[str, dict[str, Any]] = field(default_factory=dict)
    covered: frozenset[str] = frozenset()

    @property
    def ok(self) -> bool:
        """True when nothing is left over and nothing differs."""
        return self.differences.empty

    def unsettled(self) -> pd.DataFrame:
        """Batches not settled or only partly settled."""
        return self.batches[self.batches["settled"] != "settled"].reset_index(drop=True)

    def summary(self) -> dict[str, int]:
        """Number of differences per kind (kinds with none left out)."""
        return {k: int(v) for k, v in self.differences["kind"].value_counts(sort=False).items()}


# --------------------------------------------------------------------------- journal side


def money_rows(journal: pd.DataFrame) -> pd.DataFrame:
    """The journal rows that move settled money, with their signed amount and batch keys.

    Approved sales and completions count ``+amount``, approved refunds and voids
    ``-amount``; a void of a pre-authorisation (``original_txn_id`` naming a
    ``preauth`` row) counts nothing and is left out, like pre-authorisations,
    declined and reversed rows. Columns: ``row`` (position in ``journal``),
    ``txn_id``, ``terminal_id``, ``batch_no``, ``trade_date`` (the local
    calendar day of ``ts``), ``batch`` (``batch_no``, else ``day YYYY-MM-DD``),
    ``channel``, ``currency``, ``txn_type``, ``signed_minor``.
    """
    approved = (journal["status"] == "approved").fillna(False).to_numpy(dtype=bool)
    kinds = journal["txn_type"].astype(object).to_numpy()
    moving = approved & np.isin(kinds, list(_SIGN))
    preauth_ids = set(journal.loc[(journal["txn_type"] == "preauth").fillna(False), "txn_id"].dropna())
    if preauth_ids:
        of_preauth = (journal["txn_type"] == "void").fillna(False) & journal["original_txn_id"].isin(
            list(preauth_ids)
        ).fillna(False)
        moving &= ~of_preauth.to_numpy(dtype=bool)
    rows = np.flatnonzero(moving)
    part = journal.iloc[rows]
    ts = part["ts"]
    day = ts.dt.tz_localize(None).dt.normalize() if ts.dt.tz is not None else ts.dt.normalize()
    batch_no = part["batch_no"].astype(STRING)
    day_text = "day " + day.dt.strftime("%Y-%m-%d")
    sign = part["txn_type"].map(_SIGN).astype("int64")
    return pd.DataFrame(
        {
            "row": rows,
            "txn_id": part["txn_id"].to_numpy(),
            "terminal_id": part["terminal_id"].astype(STRING).to_numpy(),
            "batch_no": batch_no.to_numpy(),
            "trade_date": day.to_numpy(),
            "batch": batch_no.fillna(day_text.astype(STRING)).to_numpy(),
            "channel": part["channel"].astype(STRING).to_numpy(),
            "currency": part["currency"].astype(STRING).to_numpy(),
            "txn_type": part["txn_type"].astype(STRING).to_numpy(),
            "signed_minor": (part["amount_minor"].astype("int64") * sign).to_numpy(),
        }
    ).astype({"terminal_id": STRING, "batch_no": STRING, "batch": STRING, "channel": STRING})


def journal_batches(journal: pd.DataFrame) -> pd.DataFrame:
    """One row per journal batch (terminal, batch, currency): count, gross, first and last day, channels."""
    return _batches(money_rows(journal))


def _batches(money: pd.DataFrame) -> pd.DataFrame:
    keys = ["terminal_id", "batch", "currency"]
    if money.empty:
        return pd.DataFrame(
            {
                **{k: pd.Series([], dtype=STRING) for k in keys},
                "batch_no": pd.Series([], dtype=STRING),
                "first_day": pd.Series([], dtype="datetime64[ns]"),
                "last_day": pd.Series([], dtype="datetime64[ns]"),
                "count": pd.Series([], dtype="int64"),
                "gross_minor": pd.Series([], dtype="int64"),
                "channels": pd.Series([], dtype=STRING),
            }
        )
    ensure_sum_fits(money["signed_minor"].to_numpy(), what="settlement batch total")
    grouped = money.groupby(keys, dropna=False, sort=True)
    out = grouped.agg(
        batch_no=("batch_no", "first"),
        first_day=("trade_date", "min"),
        last_day=("trade_date", "max"),
        count=("row", "size"),
        gross_minor=("signed_minor", "sum"),
        channels=("channel", lambda c: ",".join(sorted(set(c.dropna())))),
    ).reset_index()
    out["count"] = out["count"].astype("int64")
    out["gross_minor"] = out["gross_minor"].astype("int64")
    return out


# --------------------------------------------------------------------------- lines -> batches


def _pairs(money: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """(money row, line) pairs: the journal rows each settlement line selects."""
    sel = pd.DataFrame(
        {
            "line": np.arange(len(lines)),
            "terminal_id": lines["terminal_id"].to_numpy(),
            "batch_no": lines["batch_no"].to_numpy(),
            "trade_date": lines["trade_date"].fillna(lines["settlement_date"]).to_numpy(),
            "channel": lines["channel"].to_numpy(),
            "currency": lines["currency"].to_numpy(),
        }
    )
    has_terminal = sel["terminal_id"].notna().to_numpy(dtype=bool)
    has_batch = sel["batch_no"].notna().to_numpy(dtype=bool)
    has_channel = sel["channel"].notna().to_numpy(dtype=bool)
    found = []
    for terminal, batch, channel in itertools.product((True, False), repeat=3):
        mask = (has_terminal == terminal) & (has_batch == batch) & (has_channel == channel)
        if not mask.any():
            continue
        keys = ["currency", "batch_no" if batch else "trade_date"]
        if terminal:
            keys.append("terminal_id")
        if channel:
            keys.append("channel")
        left = money[["row", *keys]].dropna(subset=keys)
        right = sel.loc[mask, ["line", *keys]]
        for key in keys:
            if key != "trade_date":
                left = left.astype({key: object})
                right = right.astype({key: object})
        found.append(left.merge(right, on=keys, how="inner")[["row", "line"]])
    if not found:
        return pd.DataFrame({"row": pd.Series([], dtype="int64"), "line": pd.Series([], dtype="int64")})
    return pd.concat(found, ignore_index=True)


# --------------------------------------------------------------------------- fees


def infer_rate(gross: Any, fee: Any, *, tolerance: int = 1) -> tuple[Decimal | None, int]:
    """The simplest decimal rate that the most lines agree with, and how many lines do.

    Each line with a non-zero gross allows the rates in
    ``[(|fee| - tolerance) / |gross|, (|fee| + tolerance) / |gross|]``; the rate is
    taken where most of these intervals overlap, as the decimal with the fewest
    digits there. Lines whose fee has the opposite sign of their gross are left
    out. Returns ``(None, 0)`` when no line can say.

    >>> infer_rate([33000, 86800, 100000, 7700], [198, 650, 600, 46])
    (Decimal('0.006'), 3)
    """
    events: list[tuple[Fraction, int]] = []
    for g, f in zip(gross, fee, strict=True):
        g, f = int(g), int(f)
        if g == 0 or (f != 0 and (f > 0) != (g > 0)):
            continue
        g, f = abs(g), abs(f)
        events.append((Fraction(max(f - tolerance, 0), g), 0))
        events.append((Fraction(f + tolerance, g), 1))
    if not events:
        return None, 0
    events.sort()  # at equal points, starts (0) come before ends (1): closed intervals
    best, depth, lo, hi = 0, 0, Fraction(0), Fraction(0)
    for position, (point, end) in enumerate(events):
        if end:
            depth -= 1
            continue
        depth += 1
        if depth > best:
            best, lo = depth, point
            hi = next(p for p, e in events[position + 1 :] if e)
    for digits in range(1, 12):
        scale = 10**digits
        candidate = Fraction(math.ceil(lo * scale), scale)
        if candidate <= hi:
            return (Decimal(candidate.numerator) / Decimal(candidate.denominator)).normalize(), best
    mid = (lo + hi) / 2  # pragma: no cover - 11 digits always fit an interval this wide
    return Decimal(mid.numerator) / Decimal(mid.denominator), best


def _fee_of(gross: int, rate: Decimal) -> int:
    return int((Decimal(gross) * rate).to_integral_value(rounding=ROUND_HALF_UP))


def _rates(
    lines: pd.DataFrame, rate: str | Decimal | Mapping[str, str | Decimal] | None, tolerance: int
) -> tuple[list[Decimal | None], dict[str, dict[str, Any]]]:
    given: dict[str, Decimal] = {}
    if isinstance(rate, Mapping):
        for channel, value in rate.items():
            parsed = parse_rate(value)
            if parsed is None:
                raise ValueError(f"not a fee rate for {channel}: {value!r}")
            given[str(channel)] = parsed
    elif rate is not None:
        if isinstance(rate, float):
            raise TypeError("give the fee rate as text or Decimal ('0.006', '0.60%'), not float")
        parsed = parse_rate(rate)
        if parsed is None:
            raise ValueError(f"not a fee rate: {rate!r}")
        given["*"] = parsed
    groups = lines["channel"].fillna("*").astype(str)
    info: dict[str, dict[str, Any]] = {}
    for channel in sorted(set(groups)):
        chosen = given.get(channel, given.get("*"))
        if chosen is not None:
            info[channel] = {"rate": chosen, "source": "given", "support": None}
            continue
        mask = (groups == channel).to_numpy() & lines["fee_rate"].isna().to_numpy(dtype=bool)
        if not mask.any():
            info[channel] = {"rate": None, "source": "per line", "support": None}
            continue
        inferred, support = infer_rate(
            lines.loc[mask, "gross_minor"], lines.loc[mask, "fee_minor"], tolerance=tolerance
        )
        info[channel] = {"rate": inferred, "source": "inferred", "support": support}
    used: list[Decimal | None] = []
    for own, channel in zip(lines["fee_rate"], groups, strict=True):
        used.append(Decimal(own) if isinstance(own, str) else info[channel]["rate"])
    return used, info


# --------------------------------------------------------------------------- payouts


def _match_payouts(
    lines: pd.DataFrame,
    payouts: pd.DataFrame,
    days: tuple[int, int],
    max_lines: int,
    max_window: int,
    max_combinations: int,
) -> tuple[list[list[int]], list[str], list[str]]:
    """For each payout: the positions of the lines it pays, its status and a note."""
    net = lines["net_minor"].to_numpy(dtype=np.int64)
    line_day = lines["settlement_date"].to_numpy(dtype="datetime64[D]")
    line_cur = lines["currency"].astype(object).to_numpy()
    pay_day = payouts["date"].to_numpy(dtype="datetime64[D]")
    pay_amount = payouts["amount_minor"].to_numpy(dtype=np.int64)
    pay_cur = payouts["currency"].astype(object).to_numpy()
    taken = np.zeros(len(lines), dtype=bool)
    paid: list[list[int]] = [[] for _ in range(len(payouts))]
    status = ["unexplained"] * len(payouts)
    notes = [""] * len(payouts)
    order = np.lexsort((np.arange(len(payouts)), pay_day))

    def window(p: int) -> tuple[np.ndarray, np.ndarray]:
        lag = (pay_day[p] - line_day).astype(np.int64)
        ok = (lag >= days[0]) & (lag <= days[1]) & (line_cur == pay_cur[p]) & ~taken & (net != 0)
        return np.flatnonzero(ok), lag

    # exact single lines first, so that a set of lines never takes another payout's own line
    for p in order:
        candidates, lag = window(p)
        exact = candidates[net[candidates] == pay_amount[p]]
        if exact.size:
            best = exact[np.lexsort((exact, lag[exact]))][0]
            taken[best] = True
            paid[p] = [int(best)]
            status[p] = "explained"
    for p in order:
        if paid[p]:
            continue
        candidates, lag = window(p)
        if candidates.size < 2:
            continue
        candidates = candidates[np.lexsort((candidates, lag[candidates]))][:max_window]
        evaluated = 0
        solutions: list[tuple[int, tuple[int, ...]]] = []
        bound = False
        for size in range(2, min(max_lines, candidates.size) + 1):
            for combo in itertools.combinations(candidates.tolist(), size):
                evaluated += 1
                if evaluated > max_combinations:
                    bound = True
                    break
                if int(net[list(combo)].sum()) == pay_amount[p]:
                    solutions.append((int(lag[list(combo)].sum()), combo))
            if solutions or bound:
                break
        if bound:  # the search was cut short: a set found so far may not be the only or the best one
            notes[p] = f"search bound reached ({max_combinations} combinations)"
        elif solutions:
            solutions.sort()
            chosen = solutions[0][1]
            taken[list(chosen)] = True
            paid[p] = sorted(chosen)
            tied = [s for s in solutions if s[0] == solutions[0][0]]
            if len(tied) > 1:
                status[p] = "ambiguous"
                notes[p] = f"{len(tied)} sets of {len(chosen)} lines fit equally; the first was taken"
            else:
                status[p] = "explained"
    return paid, status, notes


# --------------------------------------------------------------------------- main


def _as_payouts(payouts: Any) -> pd.DataFrame:
    if isinstance(payouts, pd.DataFrame):
        frame = validate_proofs(payouts)
    else:
        from receiptkit.readers.proofs import read_proofs

        frame = read_proofs(payouts)
    return frame[(frame["direction"] == "credit").to_numpy(dtype=bool)].reset_index(drop=True)


def reconcile_settlement(
    journal: pd.DataFrame,
    settlement: Any,
    payouts: Any = None,
    *,
    rate: str | Decimal | Mapping[str, str | Decimal] | None = None,
    fee_tolerance_minor: int = 1,
    payout_days: tuple[int, int] = (0, 3),
    max_lines_per_payout: int = 5,
    max_window: int = 16,
    max_combinations: int = 100_000,
) -> Reconciliation:
    """Match settlement lines to terminal batches, and bank payouts to settlement lines.

    ``journal``: a canonical journal (:func:`receiptkit.read_journal`).
    ``settlement``: a settlement frame or anything :func:`receiptkit.read_settlement`
    reads. ``payouts``: a proofs frame or a file :func:`receiptkit.read_proofs`
    reads (the merchant's bank statement); only its credit lines are used.

    ``rate``: the fee rate (``"0.006"``, ``"0.60%"``, a Decimal) or one per channel
    (``{"card": "0.6%", "wechat": "0.38%"}``); lines with a ``fee_rate`` of their
    own keep it; rates not given are inferred (see :func:`infer_rate`).
    ``fee_tolerance_minor``: how far a fee may be from ``gross x rate`` (default
    one minor unit). ``payout_days``: the payout date minus the settlement date
    (default T+0 to T+3). One payout may pay up to ``max_lines_per_payout``
    lines, searched among the ``max_window`` lines nearest in time and at most
    ``max_combinations`` sets; a payout beyond the bound stays unexplained, with
    a note.
    """
    journal = validate_journal(journal)
    lines = read_settlement(settlement) if not isinstance(settlement, pd.DataFrame) else settlement
    lines = validate_settlement(lines)
    money = money_rows(journal)
    batches = _batches(money)
    pairs = _pairs(money, lines)

    # per line: what the journal says it settles
    per_line = pairs.merge(money[["row", "signed_minor", "terminal_id", "batch", "currency"]], on="row")
    expected = per_line.groupby("line").agg(
        expected_count=("row", "size"), expected_gross_minor=("signed_minor", "sum")
    )
    out = lines.copy()
    out["expected_count"] = (
        expected["expected_count"].reindex(range(len(lines))).fillna(0).astype("int64").to_numpy()
    )
    out["expected_gross_minor"] = (
        expected["expected_gross_minor"].reindex(range(len(lines))).fillna(0).astype("int64").to_numpy()
    )
    out["gross_diff_minor"] = out["gross_minor"] - out["expected_gross_minor"]
    covered_batches = (
        per_line.assign(key=per_line["terminal_id"].fillna("") + "/" + per_line["batch"].fillna(""))
        .groupby("line")["key"]
        .agg(lambda k: ",".join(sorted(set(k))))
    )
    out["batches"] = pd.Series(
        covered_batches.reindex(range(len(lines))).to_numpy(), index=out.index, dtype=STRING
    )
    used, rate_info = _rates(out, rate, fee_tolerance_minor)
    out["fee_rate_used"] = pd.Series(
        [None if r is None else str(r) for r in used], index=out.index, dtype=STRING
    )
    fees = [pd.NA if r is None else _fee_of(int(g), r) for g, r in zip(out["gross_minor"], used, strict=True)]
    tolerances = [fee_tolerance_minor] * len(out)
    per_payment = out["channel"].isin(PER_PAYMENT_FEE).fillna(False).to_numpy(dtype=bool)
    amounts = per_line.groupby("line")["signed_minor"].agg(list)
    for i in np.flatnonzero(per_payment & np.array([r is not None for r in used], dtype=bool)):
        rate_i = used[i]
        assert rate_i is not None
        mine = amounts.get(i)
        if mine is not None and int(out["gross_diff_minor"].iat[i]) == 0:
            # the line's own payments are in the journal: their fees, each rounded, summed (exact)
            fees[i] = sum(int(np.sign(a)) * _fee_of(abs(int(a)), rate_i) for a in mine)
        elif not pd.isna(count := out["count"].iat[i]):  # each payment's fee rounded: up to half a unit each
            tolerances[i] = max(fee_tolerance_minor, (int(count) + 1) // 2)
        # else: no count, no number of payments to widen the tolerance by (the plain tolerance)
    out["expected_fee_minor"] = pd.array(fees, dtype="Int64")
    out["fee_diff_minor"] = out["fee_minor"] - out["expected_fee_minor"]
    out["fee_tolerance_line"] = tolerances

    # per batch: which lines settle it
    coverage = pairs.groupby("row")["line"].agg(list)
    money_cov = money.assign(lines=money["row"].map(coverage))
    money_cov["covered"] = money_cov["lines"].notna()
    line_ids = out["line_id"].to_numpy()
    status_rows = money_cov.groupby(["terminal_id", "batch", "currency"], dropna=False, sort=True).agg(
        covered=("covered", "sum"),
        line_ids=(
            "lines",
            lambda ls: ",".join(sorted({line_ids[i] for group in ls.dropna() for i in group})),
        ),
    )
    batches = batches.merge(status_rows.reset_index(), on=["terminal_id", "batch", "currency"], how="left")
    batches["covered"] = batches["covered"].fillna(0).astype("int64")
    batches["settled"] = np.where(
        batches["covered"] == batches["count"],
        "settled",
        np.where(batches["covered"] == 0, "not_settled", "partly"),
    )
    batches["line_ids"] = batches["line_ids"].astype(STRING).mask(batches["line_ids"] == "", pd.NA)

    # payouts
    pay = None
    if payouts is not None:
        pay = _as_payouts(payouts)
        paid, statuses, notes = _match_payouts(
            out, pay, payout_days, max_lines_per_payout, max_window, max_combinations
        )
        pay = pay[
            ["proof_id", "date", "amount_minor", "currency", "merchant_text", "source", "source_row"]
        ].copy()
        pay["line_ids"] = pd.Series([",".join(line_ids[i] for i in p) for p in paid], dtype=STRING).mask(
            lambda s: s == "", pd.NA
        )
        pay["lines_paid"] = [len(p) for p in paid]
        pay["lag_days"] = [
            ",".join(str(int((pay["date"].iloc[k] - out["settlement_date"].iloc[i]).days)) for i in p)
            for k, p in enumerate(paid)
        ]
        pay["status"] = pd.Series(statuses, dtype=STRING)
        pay["note"] = pd.Series(notes, dtype=STRING)
        payout_of = {i: pay["proof_id"].iloc[k] for k, p in enumerate(paid) for i in p}
        out["payout_id"] = pd.Series(
            [payout_of.get(i) for i in range(len(out))], index=out.index, dtype=STRING
        )
    else:
        out["payout_id"] = pd.Series(pd.NA, index=out.index, dtype=STRING)

    differences = _differences(out, batches, money_cov, pay, line_ids, fee_tolerance_minor)
    out = out.drop(columns="fee_tolerance_line")
    return Reconciliation(
        lines=out,
        batches=batches,
        payouts=pay if pay is not None else _no_payouts(),
        differences=differences,
        rates=rate_info,
        covered=frozenset(str(t) for t in money_cov.loc[money_cov["covered"], "txn_id"]),
    )


def _no_payouts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "proof_id": pd.Series([], dtype=STRING),
            "date": pd.Series([], dtype="datetime64[ns]"),
            "amount_minor": pd.Series([], dtype="int64"),
            "currency": pd.Series([], dtype=STRING),
            "line_ids": pd.Series([], dtype=STRING),
            "status": pd.Series([], dtype=STRING),
        }
    )


def _row(kind: str, **values: Any) -> dict[str, Any]:
    row = dict.fromkeys(DIFFERENCE_COLUMNS)
    row["kind"] = kind
    row.update(values)
    return row


def _differences(
    lines: pd.DataFrame,
    batches: pd.DataFrame,
    money_cov: pd.DataFrame,
    pay: pd.DataFrame | None,
    line_ids: np.ndarray,
    fee_tolerance: int,
) -> pd.DataFrame:
    found: list[dict[str, Any]] = []
    for batch in batches.itertuples(index=False):
        if batch.settled == "settled":
            continue
        rows = money_cov[
            (
                money_cov["terminal_id"].fillna("")
                == (batch.terminal_id if isinstance(batch.terminal_id, str) else "")
            )
            & (money_cov["batch"] == batch.batch)
            & (money_cov["currency"] == batch.currency)
            & ~money_cov["covered"]
        ]
        left = int(rows["signed_minor"].sum())
        whole = batch.settled == "not_settled"
        found.append(
            _row(
                "batch_not_settled" if whole else "batch_partly_settled",
                terminal_id=batch.terminal_id,
                batch_no=batch.batch_no,
                trade_date=batch.first_day,
                currency=batch.currency,
                expected=left,
                amount_minor=left,
                detail=(
                    f"{len(rows)} transaction(s) on {batch.first_day:%Y-%m-%d}"
                    + ("" if batch.first_day == batch.last_day else f" to {batch.last_day:%Y-%m-%d}")
                    + f" in no settlement line; channels {','.join(sorted(set(rows['channel'].dropna())))}"
                ),
            )
        )
    twice = money_cov[money_cov["lines"].map(lambda ls: isinstance(ls, list) and len(ls) > 1)]
    if not twice.empty:
        twice = twice.assign(key=twice["lines"].map(lambda ls: ",".join(line_ids[i] for i in sorted(ls))))
        for key, rows in twice.groupby("key", sort=True):
            found.append(
                _row(
                    "settled_twice",
                    terminal_id=rows["terminal_id"].iloc[0],
                    batch_no=rows["batch_no"].iloc[0],
                    trade_date=rows["trade_date"].min(),
                    line_id=key,
                    currency=rows["currency"].iloc[0],
                    amount_minor=int(rows["signed_minor"].sum()),
                    detail=f"{len(rows)} transaction(s) selected by several lines",
                )
            )
    for line in lines.itertuples(index=False):
        where = {
            "terminal_id": line.terminal_id,
            "batch_no": line.batch_no,
            "trade_date": line.trade_date if pd.notna(line.trade_date) else line.settlement_date,
            "line_id": line.line_id,
            "currency": line.currency,
        }
        if line.expected_count == 0:
            found.append(
                _row(
                    "line_without_batch",
                    **where,
                    reported=int(line.gross_minor),
                    amount_minor=int(line.gross_minor),
                    detail=f"no journal transaction for this line ({line.source}, row {line.source_row})",
                )
            )
            continue
        if line.gross_diff_minor != 0:
            found.append(
                _row(
                    "gross_difference",
                    **where,
                    expected=int(line.expected_gross_minor),
                    reported=int(line.gross_minor),
                    amount_minor=int(line.gross_diff_minor),
                    detail="line gross minus journal gross (approved sales and completions - refunds - voids)",
                )
            )
        if pd.notna(line.count) and int(line.count) != int(line.expected_count):
            found.append(
                _row(
                    "count_difference",
                    **where,
                    expected=int(line.expected_count),
                    reported=int(line.count),
                    detail="transactions counted by the line vs. in the journal",
                )
            )
    tolerance_rows = lines[lines["fee_diff_minor"].notna()]
    for line in tolerance_rows.itertuples(index=False):
        if abs(int(line.fee_diff_minor)) <= int(getattr(line, "fee_tolerance_line", fee_tolerance)):
            continue
        found.append(
            _row(
                "fee_difference",
                terminal_id=line.terminal_id,
                batch_no=line.batch_no,
                trade_date=line.trade_date if pd.notna(line.trade_date) else line.settlement_date,
                line_id=line.line_id,
                currency=line.currency,
                expected=int(line.expected_fee_minor),
                reported=int(line.fee_minor),
                amount_minor=int(line.fee_diff_minor),
                detail=f"fee vs. gross {int(line.gross_minor)} x rate {line.fee_rate_used}",
            )
        )
    if pay is not None:
        for line in lines[lines["payout_id"].isna() & (lines["net_minor"] != 0)].itertuples(index=False):
            found.append(
                _row(
                    "line_not_paid",
                    terminal_id=line.terminal_id,
                    batch_no=line.batch_no,
                    trade_date=line.trade_date if pd.notna(line.trade_date) else line.settlement_date,
                    line_id=line.line_id,
                    currency=line.currency,
                    expected=int(line.net_minor),
                    amount_minor=int(line.net_minor),
                    detail=f"no payout of this net amount (alone or with other lines) within the payout window "
                    f"after {line.settlement_date:%Y-%m-%d}",
                )
            )
        for payout in pay[pay["status"] == "unexplained"].itertuples(index=False):
            found.append(
                _row(
                    "payout_unexplained",
                    payout_id=payout.proof_id,
                    trade_date=payout.date,
                    currency=payout.currency,
                    reported=int(payout.amount_minor),
                    amount_minor=int(payout.amount_minor),
                    detail=(
                        "credit matching no settlement line or set of lines"
                        + (f"; {payout.note}" if payout.note else "")
                    ),
                )
            )
    frame = pd.DataFrame(found, columns=list(DIFFERENCE_COLUMNS))
    for column in ("kind", "terminal_id", "batch_no", "line_id", "payout_id", "currency", "detail"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None).astype(STRING)
    frame["trade_date"] = pd.to_datetime(frame["trade_date"]).astype("datetime64[ns]")
    for column in ("expected", "reported", "amount_minor"):
        frame[column] = pd.array(
            frame[column].astype(object).where(frame[column].notna(), None), dtype="Int64"
        )
    order = {k: i for i, k in enumerate(DIFFERENCE_KINDS)}
    frame = frame.assign(_order=frame["kind"].map(order)).sort_values(["_order", "trade_date"], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)
