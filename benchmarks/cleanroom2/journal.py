"""The merchant's terminal journal: sales, declines and retries, double charges, voids and refunds.

Each row carries the terminal's own clock (true time plus the terminal's offset) in ``ts``; the true
time stays in hidden columns (``true_ts`` and friends) that never reach the library: only the
canonical CSV / Parquet written by :func:`write_journal` does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from .world import DAYS, FIRST_DAY, TZ, Card, Terminal, World

CANONICAL = [
    "txn_id",
    "merchant_id",
    "merchant_name",
    "terminal_id",
    "ts",
    "amount_minor",
    "currency",
    "txn_type",
    "status",
    "channel",
    "pan_masked",
    "card_last4",
    "issuer",
    "auth_code",
    "rrn",
    "stan",
    "batch_no",
    "wallet_txn_id",
    "order_no",
    "original_txn_id",
]
HIDDEN = ["true_ts", "card_id", "payer", "day", "event"]


def _digits(rng: np.random.Generator, n: int) -> str:
    return "".join(str(d) for d in rng.integers(0, 10, size=n))


def _time_of_day(rng: np.random.Generator) -> int:
    """Seconds after midnight: lunch and dinner peaks over a 10:00-22:00 day."""
    u = rng.random()
    if u < 0.35:
        s = rng.normal(12.4 * 3600, 0.6 * 3600)
    elif u < 0.7:
        s = rng.normal(18.8 * 3600, 0.8 * 3600)
    else:
        s = rng.uniform(10 * 3600, 21.9 * 3600)
    return int(min(max(s, 10 * 3600), 21.95 * 3600))


def _amount(world: World, rng: np.random.Generator, tea: bool) -> int:
    if not tea and rng.random() < 0.01:  # a banquet: four digits, written with a thousands separator
        return int(rng.integers(1000, 4000)) * 100 + int(rng.choice([0, 0, 50, 80]))
    if rng.random() < 0.3:  # the set menu: one price all hour in a busy shop
        prices = world.set_prices_cents[-2:] if tea else world.set_prices_cents[:5]
        return int(rng.choice(prices))
    k = 1 + int(rng.integers(0, 2 if tea else 4))
    items = world.menu_cents[:16] if not tea else world.menu_cents[24:]
    return int(rng.choice(items, size=k).sum())


def build_journal(world: World, rng: np.random.Generator, n_txns: int) -> pd.DataFrame:
    """Rows of the journal (canonical columns plus hidden truth columns), ordered by true time."""
    by_branch: dict[str, list[Terminal]] = {}
    for t in world.terminals:
        by_branch.setdefault(t.branch.key, []).append(t)
    keys = ["sx_wjc", "sx_xjh", "cy_wjc"]
    branch_p = np.array([0.4, 0.35, 0.25])
    domestic = [c for c in world.cards if c.billing == "CNY"]
    foreign = [c for c in world.cards if c.billing != "CNY"]
    rows: list[dict] = []
    stan: dict[str, int] = {t.terminal_id: 100 for t in world.terminals}

    def card_fields(term: Terminal, card: Card) -> dict:
        stan[term.terminal_id] += 1
        return {
            "pan_masked": card.pan_masked,
            "card_last4": card.last4,
            "issuer": card.bank,
            "auth_code": _digits(rng, 6),
            "rrn": _digits(rng, 12),
            "stan": f"{stan[term.terminal_id]:06d}",
            "batch_no": "000012",
            "card_id": card.card_id,
        }

    def base(term: Terminal, true_ts: pd.Timestamp, day: int, amount: int, channel: str) -> dict:
        return {
            "merchant_id": term.branch.merchant_id,
            "merchant_name": term.branch.sign,
            "terminal_id": term.terminal_id,
            "true_ts": true_ts,
            "ts": true_ts + pd.Timedelta(seconds=term.offset_at(day)),
            "amount_minor": amount,
            "currency": "CNY",
            "txn_type": "sale",
            "status": "approved",
            "channel": channel,
            "day": day,
            "card_id": -1,
            "payer": "",
        }

    while len(rows) < n_txns:
        day = int(rng.integers(0, DAYS))
        date = FIRST_DAY + dt.timedelta(days=day)
        secs = _time_of_day(rng)
        true_ts = pd.Timestamp(dt.datetime.combine(date, dt.time()) + dt.timedelta(seconds=secs), tz=TZ)
        bkey = keys[int(rng.choice(3, p=branch_p))]
        terms = by_branch[bkey]
        tea = bkey.startswith("cy")
        amount = _amount(world, rng, tea)
        qr = rng.random() < 0.55
        if qr:
            term = next(t for t in terms if t.kind == "qr")
            channel = str(rng.choice(["wechat", "alipay", "unionpay_qr"], p=[0.6, 0.35, 0.05]))
            r = base(term, true_ts, day, amount, channel)
            ymd = true_ts.strftime("%Y%m%d")
            if channel == "wechat":
                r["wallet_txn_id"] = "4200" + _digits(rng, 6) + ymd + _digits(rng, 10)
            elif channel == "alipay":
                r["wallet_txn_id"] = ymd + "2200" + _digits(rng, 16)
            else:
                r["wallet_txn_id"] = ymd + _digits(rng, 12)
            r["order_no"] = {"收钱吧": "SQB", "拉卡拉": "LKL", "银联商务": "UMS"}[
                term.branch.aggregator
            ] + _digits(rng, 18)
            # the customer's wallet pays from a bound card (whose last 4 the wallet bill shows) or the balance
            r["payer"] = "balance" if rng.random() < 0.3 else "card"
            r["card_id"] = int(rng.choice(len(domestic))) if r["payer"] == "card" else -1
            r["event"] = "sale"
            rows.append(r)
            continue
        card_terms = [t for t in terms if t.kind == "card"]
        term = card_terms[int(rng.integers(0, len(card_terms)))]
        card = (
            foreign[int(rng.integers(0, len(foreign)))]
            if rng.random() < 0.03
            else domestic[int(rng.integers(0, len(domestic)))]
        )
        u = rng.random()
        if u < 0.035:  # declined first, then approved: a retry
            first = base(
                term, true_ts - pd.Timedelta(seconds=int(rng.integers(40, 200))), day, amount, "card"
            )
            first.update(card_fields(term, card), status="declined", event="declined")
            first["auth_code"] = ""
            rows.append(first)
            r = base(term, true_ts, day, amount, "card")
            r.update(card_fields(term, card), event="retry")
            rows.append(r)
            continue
        r = base(term, true_ts, day, amount, "card")
        r.update(card_fields(term, card), event="sale")
        rows.append(r)
        if u < 0.04:  # double charge: the same card charged twice seconds apart, both approved
            r2 = base(term, true_ts + pd.Timedelta(seconds=int(rng.integers(8, 50))), day, amount, "card")
            r2.update(card_fields(term, card), event="double")
            r["event"] = "double"
            rows.append(r2)

    frame = pd.DataFrame(rows)
    frame = frame.sort_values("true_ts", kind="stable").reset_index(drop=True)
    frame["txn_id"] = [f"J{i:07d}" for i in range(1, len(frame) + 1)]
    frame = _voids_and_refunds(frame, rng)
    terms = {t.terminal_id: t for t in world.terminals}
    first = pd.Timestamp(FIRST_DAY, tz=TZ)
    day_index = ((frame["true_ts"] - first) // pd.Timedelta(days=1)).astype(int)
    offsets = [terms[t].offset_at(d) for t, d in zip(frame["terminal_id"], day_index, strict=False)]
    frame["ts"] = frame["true_ts"] + pd.to_timedelta(offsets, unit="s")
    frame["clock_offset_s"] = offsets
    for col in CANONICAL:
        if col not in frame:
            frame[col] = ""
    frame[["original_txn_id", "wallet_txn_id", "order_no", "pan_masked", "card_last4", "issuer"]] = frame[
        ["original_txn_id", "wallet_txn_id", "order_no", "pan_masked", "card_last4", "issuer"]
    ].fillna("")
    for col in ["auth_code", "rrn", "stan", "batch_no", "event", "payer"]:
        frame[col] = frame[col].fillna("")
    return frame


def _voids_and_refunds(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Void 1 % of approved sales minutes later; refund 1.5 % of them (in full or in part) days later."""
    sales = frame.index[(frame.status == "approved") & (frame.event == "sale")]
    pick = rng.permutation(sales)
    n_void = len(sales) // 100
    n_refund = len(sales) * 15 // 1000
    extra = []
    for i in pick[:n_void]:
        s = frame.loc[i]
        r = s.to_dict()
        delay = pd.Timedelta(seconds=int(rng.integers(60, 600)))
        r.update(
            txn_type="void",
            true_ts=s.true_ts + delay,
            ts=s.ts + delay,
            original_txn_id=s.txn_id,
            event="void",
            rrn=_digits(rng, 12) if s.channel == "card" else "",
            auth_code="",
        )
        frame.loc[i, "event"] = "voided"
        extra.append(r)
    last = frame.true_ts.max()
    for i in pick[n_void : n_void + n_refund]:
        s = frame.loc[i]
        delay = pd.Timedelta(days=int(rng.integers(0, 5)), seconds=int(rng.integers(600, 20000)))
        if s.true_ts + delay > last:
            continue
        r = s.to_dict()
        amount = int(s.amount_minor) if rng.random() < 0.7 else int(s.amount_minor * rng.uniform(0.2, 0.8))
        term_offset = s.ts - s.true_ts
        r.update(
            txn_type="refund",
            true_ts=s.true_ts + delay,
            ts=s.true_ts + delay + term_offset,
            amount_minor=amount,
            original_txn_id=s.txn_id,
            event="refund",
            rrn=_digits(rng, 12) if s.channel == "card" else "",
            auth_code=_digits(rng, 6) if s.channel == "card" else "",
        )
        if s.channel == "wechat":  # a WeChat refund has its own number (the bill shows it: 5030...)
            r["wallet_txn_id"] = "503" + _digits(rng, 26)
        frame.loc[i, "event"] = "refunded"
        frame.loc[i, "refunded_minor"] = amount
        extra.append(r)
    out = pd.concat([frame, pd.DataFrame(extra)], ignore_index=True)
    out = out.sort_values("true_ts", kind="stable").reset_index(drop=True)
    n = len(frame)
    out.loc[out.txn_id.isna() | out.event.isin(["void", "refund"]), "txn_id"] = [
        f"J{i:07d}" for i in range(n + 1, n + 1 + int((out.event.isin(["void", "refund"])).sum()))
    ]
    return out


def write_journal(frame: pd.DataFrame, folder: Path) -> tuple[Path, Path]:
    """Write the canonical journal (CSV and Parquet) the library reads: terminal clock times, no truth."""
    out = frame[CANONICAL].copy()
    out["ts"] = out["ts"].map(lambda t: t.isoformat())
    out["amount_minor"] = out["amount_minor"].astype("int64")
    csv = folder / "journal.csv"
    out.to_csv(csv, index=False)
    pq = folder / "journal.parquet"
    out.astype({c: "string" for c in CANONICAL if c not in ("amount_minor",)}).to_parquet(pq, index=False)
    return csv, pq
