"""The merchant journal of the clean-room world, as a canonical journal frame (docs/journal.md).

Sales at the journal's shops over a month: card (domestic and foreign), UnionPay QR, WeChat Pay and Alipay;
busy shops selling one price all hour; declined attempts followed by an approved retry; double charges
(the same sale logged twice, seconds apart, both approved); a second card with the same last 4 buying the
same amount in the same shop the same day; voids and refunds pointing at their sale. Each terminal logs
its own clock (``World.terminals``), so skewed and wrong-zone terminals shift their rows.

Everything is vectorised (numpy / pandas) so that a 1,000,000-row journal builds in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cleanroom.world import TZ, World

# (first 6, scheme, issuer, billing currency of the card)
BINS: tuple[tuple[str, str, str, str], ...] = (
    ("622848", "银联", "中国农业银行", "CNY"),
    ("621700", "银联", "中国建设银行", "CNY"),
    ("622588", "银联", "招商银行", "CNY"),
    ("622202", "银联", "中国工商银行", "CNY"),
    ("625911", "银联", "交通银行", "CNY"),
    ("621799", "银联", "中国邮政储蓄银行", "CNY"),
    ("436742", "Visa", "中国建设银行", "CNY"),
    ("524094", "Mastercard", "招商银行", "CNY"),
    ("456351", "Visa", "HSBC Hong Kong", "HKD"),
    ("414720", "Visa", "Chase", "USD"),
    ("552433", "Mastercard", "Citibank", "USD"),
)
FOREIGN_BIN_SHARE = 0.07


@dataclass
class JournalWorld:
    """The journal and what only the generator knows about each row (never given to a matcher)."""

    journal: pd.DataFrame  # canonical journal frame
    meta: pd.DataFrame  # per row, aligned with journal: true time, shop, card, role, partner row
    cards: pd.DataFrame  # card pool: first6, last4, scheme, issuer, billing currency


def _digits(rng: np.random.Generator, n: int, width: int) -> pd.Series:
    hi = 10 ** min(width, 18)
    values = rng.integers(0, hi, n, dtype=np.int64)
    text = pd.Series(values).astype(str).str.zfill(min(width, 18))
    if width > 18:
        text = _digits(rng, n, width - 18) + text
    return text


def _cards(rng: np.random.Generator, n: int) -> pd.DataFrame:
    domestic = [i for i, b in enumerate(BINS) if b[3] == "CNY"]
    foreign = [i for i, b in enumerate(BINS) if b[3] != "CNY"]
    is_foreign = rng.random(n) < FOREIGN_BIN_SHARE
    bin_idx = np.where(is_foreign, rng.choice(foreign, n), rng.choice(domestic, n))
    return pd.DataFrame(
        {
            "first6": [BINS[i][0] for i in bin_idx],
            "scheme": [BINS[i][1] for i in bin_idx],
            "issuer": [BINS[i][2] for i in bin_idx],
            "billing": [BINS[i][3] for i in bin_idx],
            "last4": _digits(rng, n, 4).to_numpy(),
        }
    )


def _time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds after midnight: lunch and dinner peaks over an 08:00-22:00 day."""
    pick = rng.random(n)
    lunch = rng.normal(12.4 * 3600, 3600, n)
    dinner = rng.normal(18.6 * 3600, 4300, n)
    flat = rng.uniform(8 * 3600, 22 * 3600, n)
    tod = np.where(pick < 0.35, lunch, np.where(pick < 0.7, dinner, flat))
    return np.clip(tod, 7 * 3600, 23 * 3600 - 1)


def make_journal(world: World, n_txns: int, rng: np.random.Generator) -> JournalWorld:
    """About ``n_txns`` journal rows (sales plus declines, doubles, voids and refunds)."""
    shops = world.journal_shops
    n_base = max(50, round(n_txns / 1.05))
    weights = np.array([4.0 if s.busy_price else 1.0 for s in shops])
    shop_pos = rng.choice(len(shops), n_base, p=weights / weights.sum())
    shop_idx = np.array([shops[p].index for p in shop_pos])
    # terminal within the shop
    n_terms = np.array([len(s.terminals) for s in shops])[shop_pos]
    term_k = (rng.random(n_base) * n_terms).astype(int)
    width = max(len(s.terminals) for s in shops)
    table = np.array([[*s.terminals, *[""] * (width - len(s.terminals))] for s in shops], dtype=object)
    terminal = table[shop_pos, term_k]
    day = rng.integers(0, world.days, n_base)
    tod = _time_of_day(rng, n_base)
    # busy shops: half their sales in one peak hour, most of those at the one price
    busy_price = np.array([s.busy_price for s in shops])[shop_pos]
    is_busy = busy_price > 0
    peak_hour = np.where(np.array([s.brand.key == "luckin" for s in shops])[shop_pos], 8, 15)
    in_peak = is_busy & (rng.random(n_base) < 0.5)
    tod = np.where(in_peak, peak_hour * 3600 + rng.uniform(0, 3600, n_base), tod)
    # amounts
    amount = np.empty(n_base, dtype=np.int64)
    for p, shop in enumerate(shops):
        sel = np.flatnonzero(shop_pos == p)
        if not len(sel):
            continue
        brand = shop.brand
        lo, hi = brand.spread
        free = rng.integers(lo, hi, len(sel))
        cents = rng.random(len(sel))
        free = np.where(cents < 0.5, free // 100 * 100, np.where(cents < 0.7, free // 50 * 50, free))
        if brand.menu:
            menu = rng.choice(np.array(brand.menu), len(sel))
            free = np.where(rng.random(len(sel)) < brand.menu_share, menu, free)
        amount[sel] = free
    one_price = in_peak & (rng.random(n_base) < 0.9)
    amount = np.where(one_price, busy_price, amount)
    # channels
    wallet_share = np.array([s.brand.wallet_share for s in shops])[shop_pos]
    u = rng.random(n_base)
    channel = np.where(
        u < wallet_share * 0.6,
        "wechat",
        np.where(u < wallet_share, "alipay", np.where(rng.random(n_base) < 0.9, "card", "unionpay_qr")),
    ).astype(object)
    # cards: a pool about a quarter the size of the sales (regular customers come back)
    cards = _cards(rng, max(200, n_base // 4))
    card = rng.integers(0, len(cards), n_base)
    # foreign cards pay by card, never by a Chinese wallet
    foreign = (cards["billing"].to_numpy() != "CNY")[card]
    channel = np.where(foreign, "card", channel).astype(object)
    # a wallet payment shows its bound card on the bill (or 零钱 / 余额: no card)
    wallet = np.isin(channel, ["wechat", "alipay"])
    bound = np.where(wallet & (rng.random(n_base) < 0.45), -1, card)
    true_s = day * 86400 + tod.astype(np.int64)

    base = pd.DataFrame(
        {
            "shop": shop_idx,
            "terminal_id": terminal,
            "true_s": true_s,
            "amount_minor": amount,
            "channel": channel,
            "card": bound,
            "txn_type": "sale",
            "status": "approved",
            "role": "sale",
            "partner": -1,
        }
    )
    base["key"] = np.arange(len(base))
    parts = [base]
    next_key = len(base)

    def add(frame: pd.DataFrame, role: str, partner: np.ndarray) -> None:
        nonlocal next_key
        frame = frame.copy()
        frame["role"] = role
        frame["partner"] = partner
        frame["key"] = np.arange(next_key, next_key + len(frame))
        next_key += len(frame)
        parts.append(frame)

    card_rows = base[base["channel"].isin(["card", "unionpay_qr"])]
    # declined attempt 20-150 s before an approved retry (same card, same amount, same terminal)
    pick = card_rows.sample(frac=0.03, random_state=rng.integers(2**31))
    d = pick.copy()
    d["true_s"] = d["true_s"] - rng.integers(20, 150, len(d))
    d["status"] = "declined"
    add(d, "declined", pick["key"].to_numpy())
    # double charge: the same sale logged twice, 3-40 s apart, both approved
    pick = card_rows.drop(pick.index).sample(frac=0.006, random_state=rng.integers(2**31))
    d = pick.copy()
    d["true_s"] = d["true_s"] + rng.integers(3, 40, len(d))
    add(d, "double", pick["key"].to_numpy())
    # another card with the same last 4: same shop, same amount, same day, 1-50 min away
    pick = card_rows.sample(frac=0.015, random_state=rng.integers(2**31))
    twins = cards.iloc[pick["card"].to_numpy()].copy()
    twins["first6"] = np.where(twins["first6"] == "622848", "621700", "622848")
    twins["issuer"] = np.where(twins["first6"] == "622848", "中国农业银行", "中国建设银行")
    twins["scheme"] = "银联"
    twins["billing"] = "CNY"
    twin_ids = np.arange(len(cards), len(cards) + len(twins))
    cards = pd.concat([cards, twins], ignore_index=True)
    d = pick.copy()
    shift = rng.integers(60, 3000, len(d)) * np.where(rng.random(len(d)) < 0.5, -1, 1)
    same_day = (d["true_s"] + shift) // 86400 == d["true_s"] // 86400
    d["true_s"] = np.where(same_day, d["true_s"] + shift, d["true_s"] - shift)
    d["card"] = twin_ids
    add(d, "shared_last4", pick["key"].to_numpy())
    # voids (minutes later) and refunds (1-6 days later, most in full)
    pick = base.sample(frac=0.01, random_state=rng.integers(2**31))
    d = pick.copy()
    d["true_s"] = d["true_s"] + rng.integers(60, 1800, len(d))
    d["txn_type"] = "void"
    add(d, "void", pick["key"].to_numpy())
    pick = base.drop(pick.index).sample(frac=0.02, random_state=rng.integers(2**31))
    d = pick.copy()
    d["true_s"] = d["true_s"] + rng.integers(1, 7, len(d)) * 86400 + rng.integers(-3 * 3600, 3 * 3600, len(d))
    partial = rng.random(len(d)) < 0.3
    part_amount = (d["amount_minor"] * rng.uniform(0.2, 0.8, len(d)) // 100 * 100).astype(np.int64)
    d["amount_minor"] = np.where(partial & (part_amount > 0), part_amount, d["amount_minor"])
    d["txn_type"] = "refund"
    add(d, "refund", pick["key"].to_numpy())

    rows = pd.concat(parts, ignore_index=True)
    n = len(rows)
    offsets = rows["terminal_id"].map({t.terminal_id: t.clock_offset_s for t in world.terminals}).to_numpy()
    true_ts = world.start.astype("datetime64[s]") + rows["true_s"].to_numpy().astype("timedelta64[s]")
    logged = true_ts + np.round(offsets + rng.normal(0, 1.0, n)).astype("timedelta64[s]")
    rows["true_ts"] = pd.to_datetime(true_ts).as_unit("ns")
    rows["logged"] = pd.to_datetime(logged).as_unit("ns")
    rows = rows.sort_values(["logged", "key"], kind="stable").reset_index(drop=True)
    rows["txn_id"] = "T" + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(8)
    key_to_txn = pd.Series(rows["txn_id"].to_numpy(), index=rows["key"].to_numpy())

    ch = rows["channel"].to_numpy()
    is_card = np.isin(ch, ["card", "unionpay_qr"])
    is_wechat = ch == "wechat"
    is_alipay = ch == "alipay"
    has_card = rows["card"].to_numpy() >= 0
    cidx = np.where(has_card, rows["card"].to_numpy(), 0)
    first6 = cards["first6"].to_numpy()[cidx]
    last4 = cards["last4"].to_numpy()[cidx]
    tt = rows["true_ts"].dt
    ymd = (tt.year * 10000 + tt.month * 100 + tt.day).astype(str)
    hms = (tt.hour * 10000 + tt.minute * 100 + tt.second).astype(str).str.zfill(6)

    def col(mask: np.ndarray, values) -> pd.Series:
        s = pd.Series(values, index=rows.index, dtype=object)
        return s.where(mask, None)

    # wallet numbers: WeChat 4200 + 6 digits + YYYYMMDD + 10 digits; Alipay YYYYMMDD + 2200 + 16 digits
    unique10 = pd.Series(rng.permutation(10**7)[:n] if n <= 10**7 else np.arange(n)).astype(str).str.zfill(10)
    wechat_no = "4200" + _digits(rng, n, 6) + ymd + unique10
    alipay_no = ymd + "2200" + _digits(rng, n, 6) + unique10
    wallet_no = np.where(is_wechat, wechat_no, np.where(is_alipay, alipay_no, None))
    order_no = np.where(
        is_wechat | is_alipay,
        "M" + rows["shop"].astype(str).str.zfill(2) + ymd.str[2:] + hms + unique10.str[-5:],
        None,
    )
    # a refund or void of a wallet payment carries its sale's wallet number (Alipay: the original trade number)
    is_follow = rows["role"].isin(["refund", "void"]).to_numpy()
    rows["wallet_no"] = wallet_no
    rows["order_no"] = order_no
    orig_row = pd.Series(np.arange(n), index=rows["key"].to_numpy())
    partner_pos = orig_row.reindex(rows["partner"].to_numpy()).to_numpy()
    follow_pos = np.flatnonzero(is_follow)
    src = partner_pos[follow_pos].astype(int)
    rows.loc[follow_pos, "wallet_no"] = rows["wallet_no"].to_numpy()[src]
    rows.loc[follow_pos, "order_no"] = rows["order_no"].to_numpy()[src]

    shop_list = world.shops
    names = np.array([s.name for s in shop_list], dtype=object)
    mids = np.array([s.merchant_id for s in shop_list], dtype=object)
    shop_arr = rows["shop"].to_numpy()
    approved = rows["status"].to_numpy() == "approved"
    journal = pd.DataFrame(
        {
            "txn_id": rows["txn_id"],
            "merchant_id": mids[shop_arr],
            "merchant_name": names[shop_arr],
            "terminal_id": rows["terminal_id"],
            "ts": rows["logged"].dt.tz_localize(TZ),
            "amount_minor": rows["amount_minor"].astype("int64"),
            "currency": "CNY",
            "txn_type": rows["txn_type"],
            "status": rows["status"],
            "channel": rows["channel"],
            "pan_masked": col(is_card, pd.Series(first6) + "******" + pd.Series(last4)),
            "card_last4": col(is_card, last4),
            "card_scheme": col(
                is_card, np.where(ch == "unionpay_qr", "银联", cards["scheme"].to_numpy()[cidx])
            ),
            "issuer": col(is_card | (has_card & ~is_card), cards["issuer"].to_numpy()[cidx]),
            "acquirer": np.where(is_card, "银联商务", np.where(is_wechat, "财付通", "支付宝")),
            "entry_mode": col(is_card, np.where(rng.random(n) < 0.6, "挥卡", "插卡")),
            "auth_code": col(is_card & approved, _digits(rng, n, 6)),
            "rrn": col(is_card, _digits(rng, n, 12)),
            "stan": col(is_card, _digits(rng, n, 6)),
            "batch_no": col(is_card, "000" + tt.day_of_year.astype(str).str.zfill(3)),
            "wallet_txn_id": rows["wallet_no"],
            "order_no": rows["order_no"],
            "operator_id": "0" + pd.Series(rng.integers(1, 6, n)).astype(str),
            "aid": None,
            "app_label": None,
            "original_txn_id": col(is_follow, key_to_txn.reindex(rows["partner"].to_numpy()).to_numpy()),
        }
    )
    for c in journal.columns:
        if c not in ("ts", "amount_minor"):
            journal[c] = journal[c].astype("string[pyarrow]")
    partner_txn = key_to_txn.reindex(rows["partner"].to_numpy()).to_numpy()
    meta = pd.DataFrame(
        {
            "txn_id": rows["txn_id"],
            "shop": shop_arr,
            "terminal_id": rows["terminal_id"],
            "true_ts": rows["true_ts"],
            "card": rows["card"],
            "role": rows["role"],
            "partner_txn": partner_txn,
        }
    )
    return JournalWorld(journal, meta, cards)
