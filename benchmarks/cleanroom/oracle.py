"""Which proofs a careful clerk could single out, written from the field description, not from any matcher.

The clerk holds the same evidence as the matcher (the proofs frame, ``raw`` included, and the journal) plus
what the field guide teaches: SMS times are the transaction's minute (sometimes a minute late); terminal
clocks are mostly within a minute, some are minutes off, a few run in another zone; bank lines may carry
only the posting date, 0-3 business days after the sale (up to 5 calendar days across a weekend); a foreign
card is billed in its own currency at a public reference rate plus a 1-3 % spread; merchant names come behind
wallet prefixes, truncated, as the brand's legal entity, or as an aggregator that says nothing about the shop.

Rule, per proof:

1. A full wallet number or merchant order number names its row: the proof is identifiable when exactly one
   journal row of the proof's direction carries it, and that row is the truth.
2. Otherwise the clerk keeps the rows that contradict nothing: same amount and currency (foreign billing
   currency: within the reference rate's band), approved, a sale for a payment and a refund for money back,
   the same last 4 (or 3-digit tail) when both sides show one, a masked number's visible digits, a merchant
   text that does not name another shop (another brand, another branch, another brand's legal entity; an
   aggregator, a platform or an unknown name is neutral), and a time inside the proof's window widened by
   the clock tolerance. Clock offsets the clerk can read from the batch (a terminal with at least three
   proofs whose full wallet number ties a proof second to a journal row) are corrected first.
3. Two tolerances: 90 s (a right clock) and, when nothing fits that, 10 minutes (a clock minutes off).
   The clerk names a row when the first tolerance that leaves anything leaves exactly one row, or exactly
   one row whose card digits agree with the proof's (the others showing no card, such as wallet payments:
   they fit only if the wallet happened to be funded by a card with the same digits). The proof is
   identifiable when the named row is the truth.
4. One to one: a row that another proof names is not a candidate for the others (a few rounds).

A payment made elsewhere (truth: none) is never identifiable; the clerk would be fooled by it when the rule
above leaves exactly one row (``clerk_pick``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cleanroom.world import (
    AGGREGATOR_TEXTS,
    FX_REFERENCE,
    NO_MERCHANT_TEXTS,
    TZ,
    World,
    normalise,
    strip_text,
)

TIGHT_S = 90
WIDE_S = 600
POSTING_LAG_DAYS = 5
FX_BAND = (0.99, 1.045)
DAY_NS = 86400 * 10**9
_TAIL3 = re.compile(r"尾号(\d{3})(?!\d)")
_LATIN_CITY = {"上海": "SHANGHAI", "北京": "BEIJING", "深圳": "SHENZHEN", "杭州": "HANGZHOU"}


def _shop_forms(shop) -> list[str]:
    sign, branch, city = shop.brand.sign, shop.branch, shop.city
    city_branch = branch if branch.startswith(city) else city + branch
    forms = [
        f"{sign}({branch})",
        f"{sign}{branch}",
        f"{sign}({city_branch})",
        f"{sign}{city_branch}",
        shop.brand.legal,
    ]
    if shop.brand.latin:
        forms.append(shop.brand.latin + _LATIN_CITY.get(city, ""))
    return [normalise(f) for f in forms]


_NEUTRAL = {strip_text(t) for t in (*AGGREGATOR_TEXTS, *NO_MERCHANT_TEXTS)} | {
    strip_text(t) for t in ("美团支付", "美团App", "京东支付", "钱袋宝支付")
}


def shops_named(text: object, world: World) -> frozenset[int] | None:
    """The shops (indices) ``text`` could name, or None when it is neutral (empty, aggregator, unknown)."""
    if text is None or text is pd.NA or (isinstance(text, float) and np.isnan(text)):
        return None
    s = strip_text(str(text))
    if not s or s in _NEUTRAL or any(n.startswith(s) for n in _NEUTRAL if n):
        return None
    forms = _world_forms(world)
    if "**" in s:  # a masked title: which signs could it be?
        pattern = re.compile(".*".join(re.escape(p) for p in s.split("**")))
        named = {x.index for x in world.shops if pattern.fullmatch(normalise(x.brand.sign))}
    else:
        named = {i for i, fs in forms.items() if any(f.startswith(s) or s.startswith(f) for f in fs)}
    return frozenset(named) or None  # a name no shop has is unknown: neutral, never for


def _world_forms(world: World) -> dict[int, list[str]]:
    cached = getattr(world, "_oracle_forms", None)
    if cached is None:
        cached = {shop.index: _shop_forms(shop) for shop in world.shops}
        world._oracle_forms = cached  # type: ignore[attr-defined]
    return cached


def merchant_compatible(text: object, shop, world: World) -> bool:
    """False only when ``text`` names another shop (brand, branch or legal entity) than ``shop``."""
    named = shops_named(text, world)
    return named is None or shop.index in named


def _window(row) -> tuple[int, int]:
    """The proof's window in naive local nanoseconds (before clock tolerance)."""
    prec = row.ts_precision
    if prec in ("second", "minute", "hour") and not pd.isna(row.ts):
        lo = row.ts.tz_convert(TZ).tz_localize(None).value
        if prec == "second":
            return lo, lo
        if prec == "minute":
            return lo, lo + 59 * 10**9
        return lo, row.ts_end.tz_convert(TZ).tz_localize(None).value
    day = pd.Timestamp(row.date).normalize().value
    raw = row.raw if isinstance(row.raw, dict) else {}
    if "记账日" in raw and "交易日" not in raw:
        return day - POSTING_LAG_DAYS * DAY_NS, day + DAY_NS - 10**9
    return day, day + DAY_NS - 10**9


def _masked(wid: str) -> tuple[str, str] | None:
    """(visible prefix, visible suffix) of a masked wallet number, or None for a full one."""
    if wid.isdigit():
        return None
    m = re.fullmatch(r"(\d*)\D+(\d+)", wid)
    if not m:
        return ("", "")
    return m.group(1), m.group(2)


def learn_offsets(proofs: pd.DataFrame, journal: pd.DataFrame, min_votes: int = 3) -> dict[str, float]:
    """Per terminal, the clock offset (s) read from proofs whose full wallet number names a row."""
    wid = proofs["wallet_txn_id"].astype("string")
    full = proofs[wid.str.fullmatch(r"\d{16,}", na=False) & (proofs["ts_precision"] == "second")]
    j = journal[journal["wallet_txn_id"].notna()]
    pairs = full[["proof_id", "wallet_txn_id", "ts", "direction"]].merge(
        j[["wallet_txn_id", "ts", "terminal_id", "txn_type"]], on="wallet_txn_id", suffixes=("_p", "_j")
    )
    pairs = pairs[(pairs["direction"] == "credit") == (pairs["txn_type"] == "refund")]
    pairs = pairs[~pairs["txn_type"].isin(["void"])]
    pairs["d"] = (pairs["ts_j"] - pairs["ts_p"]).dt.total_seconds()
    out = {}
    for tid, g in pairs.groupby("terminal_id"):
        if len(g) >= min_votes:
            out[str(tid)] = float(g["d"].median())
    return out


def identifiable(
    proofs: pd.DataFrame, truth: pd.DataFrame, journal: pd.DataFrame, world: World
) -> pd.DataFrame:
    """Per proof: ``identifiable`` (bool), ``clerk_pick`` (the one row the clerk would name, or None)."""
    offsets = learn_offsets(proofs, journal)
    j = journal.reset_index(drop=True)
    local = j["ts"].dt.tz_convert(TZ).dt.tz_localize(None).dt.as_unit("ns").astype("int64").to_numpy()
    off = j["terminal_id"].map(offsets).fillna(0.0).to_numpy()
    ct = local - (off * 1e9).astype(np.int64)
    jt = pd.DataFrame(
        {
            "row": np.arange(len(j)),
            "txn_id": j["txn_id"].to_numpy(),
            "amount_minor": j["amount_minor"].to_numpy(),
            "currency": j["currency"].astype(str).to_numpy(),
            "ct": ct,
            "day": ct // DAY_NS,
            "last4": j["card_last4"].astype(object).where(j["card_last4"].notna(), None).to_numpy(),
            "wid": j["wallet_txn_id"].astype(object).where(j["wallet_txn_id"].notna(), None).to_numpy(),
            "order_no": j["order_no"].astype(object).where(j["order_no"].notna(), None).to_numpy(),
            "credit": (j["txn_type"] == "refund").to_numpy(),
            "ok": (j["status"] == "approved").to_numpy()
            & j["txn_type"].isin(["sale", "completion", "refund"]).to_numpy(),
            "shop_key": j["merchant_name"].astype(str).to_numpy(),
        }
    )
    jt = jt[jt["ok"]]
    shop_by_name = {s.name: s for s in world.journal_shops}
    journal_currencies = set(jt["currency"].unique())

    # evidence per proof
    recs = []
    for row in proofs.itertuples(index=False):
        lo, hi = _window(row)
        raw = row.raw if isinstance(row.raw, dict) else {}
        text = raw.get("text", "") if isinstance(raw.get("text", ""), str) else ""
        m3 = _TAIL3.search(text)
        wid = None if pd.isna(row.wallet_txn_id) else str(row.wallet_txn_id)
        masked = _masked(wid) if wid else None
        recs.append(
            {
                "proof_id": row.proof_id,
                "lo": lo,
                "hi": hi,
                "amount_p": int(row.amount_minor),
                "currency_p": str(row.currency),
                "credit_p": row.direction == "credit",
                "last4_p": None if pd.isna(row.card_last4) else str(row.card_last4),
                "tail3": m3.group(1) if (m3 and pd.isna(row.card_last4)) else None,
                "wid_full": wid if (wid and masked is None) else None,
                "wid_pre": masked[0] if masked else None,
                "wid_suf": masked[1] if masked else None,
                "order_p": None if pd.isna(row.order_no) else str(row.order_no),
                "text": None if pd.isna(row.merchant_text) else str(row.merchant_text),
            }
        )
    ev = pd.DataFrame(recs)
    ev["fx"] = ~ev["currency_p"].isin(journal_currencies)

    # 1. strong identifiers
    strong = ev[ev["wid_full"].notna() | ev["order_p"].notna()]
    found = []
    for col_p, col_j in (("wid_full", "wid"), ("order_p", "order_no")):
        sub = strong[strong[col_p].notna()][["proof_id", col_p, "credit_p"]]
        hits = sub.merge(jt[[col_j, "txn_id", "credit"]], left_on=col_p, right_on=col_j)
        found.append(hits.loc[hits["credit_p"] == hits["credit"], ["proof_id", "txn_id"]])
    hits = pd.concat(found).drop_duplicates()
    n_strong = hits.groupby("proof_id").size().to_dict()
    pick_strong = {p: t for p, t in hits.groupby("proof_id")["txn_id"].first().items() if n_strong[p] == 1}
    # 2-3. everything else (proofs with a strong id that named nothing are judged like the rest)
    rest = ev[~ev["proof_id"].isin([p for p, n in n_strong.items() if n >= 1])].copy()
    first = (rest["lo"] - WIDE_S * 10**9) // DAY_NS
    last = (rest["hi"] + WIDE_S * 10**9) // DAY_NS
    span = (last - first + 1).astype(int).to_numpy()
    exp = rest.loc[rest.index.repeat(span)].copy()
    exp["day"] = (
        np.repeat(first.to_numpy(), span) + np.concatenate([np.arange(k) for k in span]) if len(span) else []
    )
    cols = ["row", "txn_id", "amount_minor", "ct", "day", "last4", "wid", "credit", "shop_key"]
    plain = exp[~exp["fx"]].merge(
        jt[[*cols, "currency"]],
        left_on=["amount_p", "currency_p", "day"],
        right_on=["amount_minor", "currency", "day"],
    )
    fxp = exp[exp["fx"] & exp["last4_p"].notna()].merge(
        jt[cols], left_on=["last4_p", "day"], right_on=["last4", "day"]
    )
    if len(fxp):
        rate = fxp["currency_p"].map(FX_REFERENCE).astype(float)
        expected = fxp["amount_minor"] * rate
        fxp = fxp[
            (fxp["amount_p"] >= expected * FX_BAND[0] - 1) & (fxp["amount_p"] <= expected * FX_BAND[1] + 1)
        ]
    pairs = pd.concat([plain, fxp], ignore_index=True)
    pairs = pairs[pairs["credit_p"] == pairs["credit"]]
    l4 = pairs["last4_p"].isna() | pairs["last4"].isna() | (pairs["last4_p"] == pairs["last4"])
    ok = l4.to_numpy().copy()
    sub = np.flatnonzero(pairs["tail3"].notna().to_numpy() & pairs["last4"].notna().to_numpy())
    if len(sub):
        ok[sub] &= [
            str(b).endswith(a)
            for a, b in zip(pairs["tail3"].to_numpy()[sub], pairs["last4"].to_numpy()[sub], strict=True)
        ]
    sub = np.flatnonzero(pairs["wid_suf"].notna().to_numpy())
    if len(sub):
        ok[sub] &= [
            w is not None and w == w and str(w).endswith(suf) and str(w).startswith(pre or "")
            for pre, suf, w in zip(
                pairs["wid_pre"].to_numpy()[sub],
                pairs["wid_suf"].to_numpy()[sub],
                pairs["wid"].to_numpy()[sub],
                strict=True,
            )
        ]
    pairs = pairs[ok]
    # merchant text: each distinct text is read once
    named = {t: shops_named(t, world) for t in pairs["text"].dropna().unique()}
    shop_index = {name: shop.index for name, shop in shop_by_name.items()}
    idx = pairs["shop_key"].map(shop_index).to_numpy()
    nm = pairs["text"].map(named).to_numpy()
    pairs = pairs[[n is None or n != n or i in n for n, i in zip(nm, idx, strict=True)]]
    pairs = pairs.drop_duplicates(["proof_id", "row"])
    pairs["tight"] = (pairs["ct"] >= pairs["lo"] - TIGHT_S * 10**9) & (
        pairs["ct"] <= pairs["hi"] + TIGHT_S * 10**9
    )
    pairs["wide"] = (pairs["ct"] >= pairs["lo"] - WIDE_S * 10**9) & (
        pairs["ct"] <= pairs["hi"] + WIDE_S * 10**9
    )
    # the card digits confirmed on both sides (a row that shows no card, e.g. a wallet payment, is only
    # compatible): among several fitting rows, the one row whose card digits agree is the one
    pairs["confirmed"] = pairs["last4"].notna() & (pairs["last4_p"].notna() | pairs["tail3"].notna())

    def pick_in(fit: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        """Per proof: how many rows fit, and the row the clerk names (NaN when it cannot name one)."""
        n = fit.groupby("proof_id").size()
        only = fit.groupby("proof_id")["txn_id"].first().where(n == 1)
        conf = fit[fit["confirmed"]]
        nc = conf.groupby("proof_id").size()
        one_conf = conf.groupby("proof_id")["txn_id"].first()[nc == 1]
        named = only.copy()
        fill = named.isna() & named.index.isin(one_conf.index)
        named[fill] = one_conf.reindex(named.index[fill]).to_numpy()
        return n, named

    out = truth[["proof_id", "truth", "category"]].copy()
    pid = out["proof_id"]
    has_strong = pid.isin([p for p, n in n_strong.items() if n >= 1])

    def picks(cands: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        n1, id1 = pick_in(cands[cands["tight"]])
        n2, id2 = pick_in(cands[cands["wide"]])
        c1 = pid.map(n1).fillna(0).astype(int)
        c2 = pid.map(n2).fillna(0).astype(int)
        pick = pd.Series(None, index=out.index, dtype=object)
        pick = pick.where(~(c1 > 0), pid.map(id1))
        pick = pick.where(~((c1 == 0) & (c2 > 0)), pid.map(id2))
        pick = pick.where(~has_strong, pid.map(pick_strong))
        return pick, pd.Series(np.where(c1 > 0, c1, c2), index=out.index)

    # one to one: a row another proof names is not this proof's (a few rounds, as a clerk would go on)
    pick, count = picks(pairs)
    for _ in range(3):
        named = dict(zip(pid[pick.notna()], pick[pick.notna()], strict=True))
        taken = set(named.values())
        owner = pairs["proof_id"].map(named)
        keep = ~pairs["txn_id"].isin(taken) | (owner == pairs["txn_id"])
        if keep.all():
            break
        new_pick, count = picks(pairs[keep])
        if new_pick.fillna("").equals(pick.fillna("")):
            break
        pick = new_pick
    out["clerk_pick"] = pick
    out["n_fit"] = np.where(has_strong, pid.map(n_strong).fillna(0), count).astype(int)
    out["identifiable"] = out["truth"].notna() & (out["clerk_pick"] == out["truth"]).fillna(False).astype(
        bool
    )
    out["offsets_learned"] = len(offsets)
    return out
