"""Customer proofs of the clean-room world, as a canonical proofs frame (docs/proofs.md), with a truth each.

Forms (field guide sections 1-5): wallet bills with the full 交易单号, screenshots with masked or no numbers,
bank SMS (minute or no time, last 4 or a 3-digit tail, wallet prefixes, truncated names, legal entities,
aggregators), card statement lines (交易日, or only the posting date with its lag and weekend postings),
foreign-card lines with and without the original CNY amount, and counter input (a minute, only an hour, or
a range). Proofs of payments made elsewhere copy the amount, minute and last 4 of a journal sale but name
another branch or brand (or only an aggregator).

Hour and range proofs use ``ts_precision="hour"`` with the window ``[ts, ts_end]`` (docs/proofs.md: ``14点`` is
14:00 to 15:00).
The truth (``txn_id`` or none) and the category live in a separate frame, never in the proofs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from cleanroom.journal import JournalWorld
from cleanroom.world import FX_REFERENCE, TZ, Shop, World, descriptor

CATEGORIES: dict[str, tuple[float, str]] = {
    "wallet_id": (0.08, "WeChat/Alipay bill with the full 交易单号 (often 商户单号 too), second"),
    "wallet_masked_id": (0.05, "wallet screenshot with a masked number (****0942, …73310942, 尾号0942)"),
    "wallet_no_id": (0.06, "wallet screenshot without numbers: amount, second, payee (sign, legal, masked)"),
    "sms": (0.09, "bank SMS: minute, last 4, wallet prefix + sign/branch, truncated, no merchant"),
    "sms_no_time": (0.04, "bank SMS without a time (BOC credit style): day, last 4"),
    "legal_or_aggregator": (
        0.05,
        "SMS or statement naming the legal entity or an aggregator (美团, 收钱吧...)",
    ),
    "statement_txn_date": (0.05, "card statement line with 交易日 (date only), last 4"),
    "statement_posting_date": (0.05, "statement line with only the posting date (lag, weekend postings)"),
    "fx_with_original": (0.025, "foreign card line with the original CNY amount"),
    "fx_without_original": (0.025, "foreign card line in the billing currency only (1-3 % spread)"),
    "counter_minute": (0.05, "counter input: amount + minute (+ last 4, + shop name)"),
    "counter_hour": (0.04, "counter input naming only an hour (14点)"),
    "counter_range": (0.03, "counter input with a range (14点-15点, 两点左右)"),
    "busy_one_price": (0.05, "the one price in a busy shop's peak hour"),
    "shared_last4": (0.035, "another card, same last 4, same amount, same shop, same day"),
    "retry_after_decline": (0.035, "approved retry after a declined attempt"),
    "double_charge": (0.02, "one of two identical approved charges seconds apart"),
    "voided_sale": (0.015, "a sale voided later"),
    "refund": (0.05, "refund (credit): SMS, wallet bill, statement"),
    "skewed_clock": (0.04, "sale on a terminal whose clock is minutes off"),
    "wrong_zone_clock": (0.03, "sale on a terminal set to another zone (UTC, +1 h)"),
    "battery_clock": (0.015, "sale on a terminal whose clock lost its date (a year behind)"),
    "jump_code": (0.015, "paid here, but the bank names an unrelated business (跳码)"),
    "elsewhere_branch": (0.035, "paid at another branch of a journal chain; amount/minute/last 4 coincide"),
    "elsewhere_brand": (0.035, "paid at another brand; amount/minute/last 4 coincide"),
    "elsewhere_unnamed": (0.015, "paid elsewhere; text names only an aggregator or nothing"),
}
ELSEWHERE = ("elsewhere_branch", "elsewhere_brand", "elsewhere_unnamed")

PROOF_COLUMNS = (
    "proof_id",
    "kind",
    "ts",
    "ts_precision",
    "date",
    "amount_minor",
    "currency",
    "direction",
    "merchant_text",
    "card_last4",
    "reference",
    "wallet_txn_id",
    "order_no",
    "terminal_id",
    "source",
    "source_row",
    "raw",
)


@dataclass
class ProofSet:
    proofs: pd.DataFrame  # canonical proofs frame + ts_end + payment_state
    truth: pd.DataFrame  # proof_id, truth, category, form, style, decoy


_CUMULATIVE: dict[tuple, tuple[list[str], list[float]]] = {}


def _choice(rng: np.random.Generator, options: dict[str, float]) -> str:
    """One key of ``options`` drawn with the given weights."""
    key = tuple(options.items())
    if key not in _CUMULATIVE:
        total = sum(options.values())
        acc, cum = 0.0, []
        for w in options.values():
            acc += w / total
            cum.append(acc)
        _CUMULATIVE[key] = (list(options), cum)
    keys, cum = _CUMULATIVE[key]
    u = rng.random()
    for k, c in zip(keys, cum, strict=True):
        if u < c:
            return k
    return keys[-1]


def _money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def _icbc_money(minor: int) -> str:
    text = _money(minor).rstrip("0").rstrip(".")
    return text


def _day(t: datetime) -> datetime:
    return t.replace(hour=0, minute=0, second=0, microsecond=0)


def _hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def _posting_date(rng: np.random.Generator, day: datetime) -> datetime:
    """Calendar lag 0-3 days (weekends included), or 1-2 business days with weekend postings moved."""
    if rng.random() < 0.55:
        return day + timedelta(days=(0, 1, 1, 2, 3)[int(rng.integers(5))])
    out = day
    for _ in range((1, 1, 2)[int(rng.integers(3))]):
        out += timedelta(days=1)
        while out.weekday() >= 5:
            out += timedelta(days=1)
    return out


class _Builder:
    def __init__(self, world: World, jw: JournalWorld, rng: np.random.Generator) -> None:
        self.world = world
        self.jw = jw
        self.rng = rng
        self.j = jw.journal
        self.m = jw.meta
        self.cards = jw.cards
        self.first6 = jw.cards["first6"].to_numpy()
        self.last4 = jw.cards["last4"].to_numpy()
        self.billing = jw.cards["billing"].to_numpy()
        self.issuer = jw.cards["issuer"].to_numpy()
        # plain numpy columns: per-proof access to pandas cells is slow at 100,000 proofs
        self.channel = self.j["channel"].astype(object).to_numpy()
        self.amount = self.j["amount_minor"].to_numpy()
        self.wallet_no = self.j["wallet_txn_id"].astype(object).to_numpy()
        self.order_no = self.j["order_no"].astype(object).to_numpy()
        self.txn_id = self.j["txn_id"].astype(object).to_numpy()
        self.card = self.m["card"].to_numpy()
        self.shop_idx = self.m["shop"].to_numpy()
        self.true = pd.DatetimeIndex(
            self.m["true_ts"]
        ).to_pydatetime()  # naive local datetimes: fast per-proof arithmetic

    # --- pieces ---
    def card_of(self, pos: int) -> int:
        return int(self.card[pos])

    def true_ts(self, pos: int) -> datetime:
        return self.true[pos]

    def shop(self, pos: int) -> Shop:
        return self.world.shops[int(self.shop_idx[pos])]

    def style(self, form: str) -> str:
        r = self.rng
        if form in ("wallet_id", "wallet_masked"):
            return _choice(r, {"sign_branch": 0.6, "legal": 0.2, "fullwidth": 0.2})
        if form == "wallet_noid":
            return _choice(r, {"sign_branch": 0.4, "legal": 0.2, "masked_nick": 0.3, "fullwidth": 0.1})
        if form in ("sms", "sms_notime"):
            return _choice(
                r,
                {
                    "prefixed": 0.35,
                    "city_branch": 0.1,
                    "fullwidth": 0.1,
                    "truncated40": 0.2,
                    "truncated_short": 0.1,
                    "none": 0.15,
                },
            )
        if form in ("statement_txn", "statement_posting"):
            return _choice(
                r, {"prefixed": 0.4, "statement_chn": 0.3, "truncated40": 0.2, "truncated_short": 0.1}
            )
        if form in ("fx_orig", "fx_billing"):
            return "latin"
        return "counter"

    def eligible(self, form: str, pos: int) -> bool:
        channel = self.channel[pos]
        card = self.card_of(pos)
        if form in ("wallet_id", "wallet_masked", "wallet_noid"):
            return channel in ("wechat", "alipay")
        if form in ("fx_orig", "fx_billing"):
            return channel == "card" and card >= 0 and self.billing[card] != "CNY"
        if form in ("sms", "sms_notime", "statement_txn", "statement_posting"):
            return card >= 0 and self.billing[card] == "CNY"
        return True

    # --- one proof ---
    def build(
        self,
        form: str,
        pos: int,
        *,
        style: str | None = None,
        shop: Shop | None = None,
        credit: bool = False,
    ) -> tuple[dict, str]:
        """A proof of journal row ``pos`` (or, with ``shop``, of a payment at that shop looking like it)."""
        r = self.rng
        shop = shop or self.shop(pos)
        channel = str(self.channel[pos])
        amount = int(self.amount[pos])
        card = self.card_of(pos)
        last4 = self.last4[card] if card >= 0 else None
        true = self.true_ts(pos)
        style = style or self.style(form)
        direction = "credit" if credit else "debit"
        text_channel = channel if form.startswith(("sms", "statement")) else "bill"
        if form.startswith("wallet"):
            text_channel = "bill"
        merchant = descriptor(shop, style, text_channel, r) if style != "counter" else None
        p: dict = {
            "kind": None,
            "ts": None,
            "ts_precision": None,
            "ts_end": None,
            "date": None,
            "amount_minor": amount,
            "currency": "CNY",
            "direction": direction,
            "merchant_text": merchant,
            "card_last4": None,
            "reference": None,
            "wallet_txn_id": None,
            "order_no": None,
            "terminal_id": None,
            "payment_state": None,
            "raw": {},
        }
        wallet_no = self.wallet_no[pos]
        order_no = self.order_no[pos]
        if form in ("wallet_id", "wallet_masked", "wallet_noid"):
            p["kind"] = "wallet"
            p["ts"], p["ts_precision"] = true.replace(microsecond=0), "second"
            p["payment_state"] = "success"
            if last4 is not None and r.random() < 0.6:
                p["card_last4"] = last4
                p["raw"]["支付方式"] = f"{self.issuer[card]}储蓄卡({last4})"
            else:
                p["raw"]["支付方式"] = "零钱" if channel == "wechat" else "余额"
            if form == "wallet_id":
                p["wallet_txn_id"] = wallet_no
                if r.random() < 0.6:
                    p["order_no"] = order_no
            elif form == "wallet_masked":
                w = str(wallet_no)
                masks = ("****" + w[-4:], "…" + w[-8:], "*" + w[-8:], "尾号" + w[-4:], w[:4] + "…" + w[-4:])
                p["wallet_txn_id"] = masks[int(r.integers(len(masks)))]
            p["raw"]["交易对方"] = merchant
        elif form in ("sms", "sms_notime"):
            p["kind"] = "sms"
            minute = true.replace(second=0, microsecond=0) + timedelta(minutes=1 if r.random() < 0.03 else 0)
            if form == "sms":
                p["ts"], p["ts_precision"] = minute, "minute"
            else:
                p["date"], p["ts_precision"] = _day(true), "day"
            three = form == "sms" and r.random() < 0.05
            if not three:
                p["card_last4"] = last4
            p["raw"]["text"] = _sms_text(r, form, minute, amount, merchant, last4, three, credit)
        elif form in ("statement_txn", "statement_posting", "fx_orig", "fx_billing"):
            p["kind"] = "bank_statement"
            day = _day(true)
            posted = _posting_date(r, day)
            p["card_last4"] = last4
            p["ts_precision"] = "day"
            p["raw"] = {"记账日": posted.strftime("%Y-%m-%d"), "posting_date": posted.strftime("%Y-%m-%d")}
            if form in ("statement_txn", "fx_orig"):
                p["date"] = day
                p["raw"]["交易日"] = day.strftime("%Y-%m-%d")
            else:
                p["date"] = posted
            p["raw"]["交易摘要"] = merchant
            if form in ("fx_orig", "fx_billing"):
                cur = self.billing[card]
                billed = round(
                    amount * FX_REFERENCE[cur] * (1 + r.uniform(0.01, 0.03)) * (1 + r.normal(0, 0.003))
                )
                p["raw"]["入账金额"] = f"{_money(billed)} {cur}"
                if form == "fx_orig":
                    p["raw"]["交易金额"] = f"{_money(amount)} CNY"
                else:
                    p["amount_minor"], p["currency"] = billed, cur
        elif form.startswith("counter"):
            p["kind"] = "manual"
            p["merchant_text"] = shop.name if r.random() < 0.6 else None
            if last4 is not None and r.random() < (0.7 if channel in ("card", "unionpay_qr") else 0.3):
                p["card_last4"] = last4
            if form == "counter_minute":
                p["ts"], p["ts_precision"] = true.replace(second=0, microsecond=0), "minute"
                p["raw"]["time_text"] = true.strftime("%H:%M")
            elif form == "counter_hour":
                start = _hour(true)
                p["ts"], p["ts_precision"], p["ts_end"] = start, "hour", start + timedelta(hours=1)
                p["raw"]["time_text"] = f"{start.hour}点"
            else:
                if r.random() < 0.5:
                    width = int(r.integers(1, 3))
                    start = _hour(true) - timedelta(hours=int(r.integers(0, width)))
                    end = start + timedelta(hours=width)
                    text = f"{start.hour}点-{end.hour}点"
                else:
                    hour = _hour(true + timedelta(minutes=30))
                    start, end = hour - timedelta(minutes=30), hour + timedelta(minutes=30)
                    text = f"{hour.hour}点左右"
                p["ts"], p["ts_precision"], p["ts_end"] = start, "hour", end
                p["raw"]["time_text"] = text
        else:
            raise ValueError(form)
        if p["date"] is None and p["ts"] is not None:
            p["date"] = _day(p["ts"])
        return p, style


def _sms_text(r, form, minute, amount, merchant, last4, three, credit) -> str:
    m, d = minute.month, minute.day
    hm = minute.strftime("%H:%M")
    merchant = merchant or ""
    tail = last4[1:] if three else last4
    if three:
        return f"【邮储银行】{minute:%y}年{m:02d}月{d:02d}日{hm}您尾号{tail}账户快捷支付，支出金额{_money(amount)}元"
    if credit:
        if form == "sms_notime":
            return f"您尾号{tail}的龙卡信用卡{m:02d}月{d:02d}日消费退货/退税（{merchant}）{_money(amount)}元"
        return f"【招商银行】您账户{tail}于{m:02d}月{d:02d}日{hm}在{merchant}退款{_money(amount)}元"
    if form == "sms_notime":
        return f"您的信用卡{tail}于{minute:%Y}年{m:02d}月{d:02d}日，在{merchant}消费RMB{_money(amount)}元。【中国银行】"
    k = int(r.integers(5))
    if k == 0:
        return f"【招商银行】您账户{tail}于{m:02d}月{d:02d}日{hm}在{merchant}快捷支付{_money(amount)}元"
    if k == 1:
        return f"尾号{tail}卡{m}月{d}日{hm}支出(消费{merchant}){_icbc_money(amount)}元，余额1,333.22元。【工商银行】"
    if k == 2:
        return f"您尾号{tail}的龙卡信用卡{m:02d}月{d:02d}日{hm}消费（{merchant}）{_money(amount)}元"
    if k == 3:
        return f"您尾号{tail}交行信用卡{d:02d}日{minute:%H}时{minute:%M}分成功消费人民币{_money(amount)}元"
    return f"【广发银行】您尾号{tail}广发卡{d:02d}日{hm}消费人民币{_money(amount)}元。"


def make_proofs(world: World, jw: JournalWorld, n_proofs: int, rng: np.random.Generator) -> ProofSet:
    """``n_proofs`` proofs over the categories of :data:`CATEGORIES` (each gets at least one when it can)."""
    b = _Builder(world, jw, rng)
    j, m = jw.journal, jw.meta
    n = len(j)
    pos = np.arange(n)
    approved_sale = (j["txn_type"] == "sale").to_numpy() & (j["status"] == "approved").to_numpy()
    term_kind = (
        j["terminal_id"].astype(object).map({t.terminal_id: t.clock_kind for t in world.terminals}).to_numpy()
    )
    role = m["role"].to_numpy()
    partner = m["partner_txn"]
    txn_pos = pd.Series(pos, index=j["txn_id"].to_numpy())

    def partners_of(r: str) -> np.ndarray:
        return txn_pos.reindex(partner[role == r].to_numpy()).to_numpy().astype(int)

    retried = partners_of("declined")
    doubled = partners_of("double")
    doubles = pos[role == "double"]
    voided = partners_of("void")
    shared_base = partners_of("shared_last4")
    shared_twin = pos[role == "shared_last4"]
    related = np.zeros(n, bool)
    for arr in (retried, doubled, doubles, voided, shared_base, shared_twin, partners_of("refund")):
        related[arr] = True
    shops = world.shops
    shop_arr = m["shop"].to_numpy()
    busy_price = np.array([s.busy_price for s in shops])[shop_arr]
    peak = np.array([8 if s.brand.key == "luckin" else 15 for s in shops])[shop_arr]
    in_peak = m["true_ts"].dt.hour.to_numpy() == peak
    busy = approved_sale & (busy_price > 0) & (j["amount_minor"].to_numpy() == busy_price) & in_peak
    plain = approved_sale & (role == "sale") & ~related & (term_kind == "ok") & ~busy

    pools = {
        "busy_one_price": pos[busy & (term_kind == "ok") & ~related],
        "shared_last4": np.concatenate([shared_base, shared_twin]),
        "retry_after_decline": retried,
        "double_charge": np.concatenate([doubled, doubles]),
        "voided_sale": voided,
        "refund": pos[(role == "refund") & (term_kind == "ok")],
        "skewed_clock": pos[approved_sale & (term_kind == "minutes") & (role == "sale")],
        "wrong_zone_clock": pos[approved_sale & (term_kind == "zone") & (role == "sale")],
        "battery_clock": pos[approved_sale & (term_kind == "days") & (role == "sale")],
    }
    forms = {
        "wallet_id": {"wallet_id": 1},
        "wallet_masked_id": {"wallet_masked": 1},
        "wallet_no_id": {"wallet_noid": 1},
        "sms": {"sms": 1},
        "sms_no_time": {"sms_notime": 1},
        "legal_or_aggregator": {"sms": 0.6, "statement_txn": 0.4},
        "statement_txn_date": {"statement_txn": 1},
        "statement_posting_date": {"statement_posting": 1},
        "fx_with_original": {"fx_orig": 1},
        "fx_without_original": {"fx_billing": 1},
        "counter_minute": {"counter_minute": 1},
        "counter_hour": {"counter_hour": 1},
        "counter_range": {"counter_range": 1},
        "busy_one_price": {"sms": 0.4, "counter_minute": 0.3, "wallet_noid": 0.2, "wallet_id": 0.1},
        "shared_last4": {"sms": 0.4, "counter_minute": 0.3, "statement_txn": 0.2, "sms_notime": 0.1},
        "retry_after_decline": {"sms": 0.5, "counter_minute": 0.3, "statement_txn": 0.2},
        "double_charge": {"sms": 0.5, "counter_minute": 0.3, "statement_txn": 0.2},
        "voided_sale": {"sms": 0.4, "wallet_id": 0.3, "counter_minute": 0.3},
        "refund": {"sms": 0.25, "sms_notime": 0.3, "wallet_id": 0.25, "statement_posting": 0.2},
        "skewed_clock": {"wallet_id": 0.3, "wallet_noid": 0.2, "sms": 0.3, "counter_minute": 0.2},
        "wrong_zone_clock": {"wallet_id": 0.3, "wallet_noid": 0.2, "sms": 0.3, "counter_minute": 0.2},
        "battery_clock": {"wallet_id": 0.4, "sms": 0.3, "wallet_noid": 0.3},
        "jump_code": {"sms": 0.6, "statement_txn": 0.4},
        "elsewhere_branch": {"sms": 0.5, "wallet_noid": 0.25, "statement_txn": 0.25},
        "elsewhere_brand": {"sms": 0.5, "wallet_noid": 0.25, "statement_txn": 0.25},
        "elsewhere_unnamed": {"sms": 0.6, "statement_txn": 0.4},
    }
    weights = np.array([w for w, _ in CATEGORIES.values()])
    counts = np.maximum(1, np.floor(weights / weights.sum() * n_proofs)).astype(int)
    counts[np.argmax(weights)] += max(0, n_proofs - counts.sum())
    used = np.zeros(n, bool)
    rows: list[dict] = []
    truth: list[dict] = []
    plain_order = rng.permutation(pos[plain])
    plain_cursor = 0

    def take(pool: np.ndarray, want_form: dict[str, float], k: int) -> list[tuple[int, str]]:
        out = []
        for p in rng.permutation(pool):
            if len(out) >= k:
                break
            if used[p]:
                continue
            form = _choice(rng, want_form)
            if not b.eligible(form, int(p)):
                ok = [f for f in want_form if b.eligible(f, int(p))]
                if not ok:
                    continue
                form = ok[int(rng.integers(len(ok)))]
            used[p] = True
            out.append((int(p), form))
        return out

    for category, k in zip(CATEGORIES, counts, strict=True):
        want = forms[category]
        if category in pools:
            picked = take(pools[category], want, k)
            for p, form in picked:
                credit = category == "refund"
                proof, style = b.build(form, p, credit=credit)
                rows.append(proof)
                truth.append({"truth": b.txn_id[p], "category": category, "form": form, "style": style})
            continue
        # plain sales (or decoys for payments made elsewhere)
        got = 0
        tries = 0
        while got < k and plain_cursor < len(plain_order) and tries < 50 * k + 100:
            tries += 1
            p = int(plain_order[plain_cursor])
            plain_cursor += 1
            if used[p]:
                continue
            form = _choice(rng, want)
            if not b.eligible(form, p):
                ok = [f for f in want if b.eligible(f, p)]
                if not ok:
                    continue
                form = ok[int(rng.integers(len(ok)))]
            style = None
            shop = None
            if category == "legal_or_aggregator":
                style = _choice(rng, {"legal": 0.4, "legal_truncated": 0.2, "aggregator": 0.4})
            if category == "jump_code":
                style = "jump"
            if category in ELSEWHERE:
                if b.card_of(p) < 0 and form != "wallet_noid":
                    continue
                here = b.shop(p)
                if category == "elsewhere_branch":
                    options = [s for s in shops if not s.in_journal and s.brand.key == here.brand.key]
                    style = _choice(
                        rng,
                        {
                            "sign_branch": 0.2,
                            "prefixed": 0.35,
                            "city_branch": 0.2,
                            "fullwidth": 0.1,
                            "truncated40": 0.15,
                        },
                    )
                elif category == "elsewhere_brand":
                    options = [s for s in shops if not s.in_journal and s.brand.key != here.brand.key]
                    style = _choice(
                        rng,
                        {
                            "sign_branch": 0.25,
                            "prefixed": 0.4,
                            "legal": 0.15,
                            "fullwidth": 0.1,
                            "truncated40": 0.1,
                        },
                    )
                else:
                    options = [s for s in shops if not s.in_journal]
                    style = _choice(rng, {"aggregator": 0.7, "none": 0.3})
                if not options:
                    continue
                shop = options[int(rng.integers(len(options)))]
                if form == "wallet_noid" and style == "city_branch":
                    style = "sign_branch"
            used[p] = True
            proof, style = b.build(form, p, style=style, shop=shop)
            if category in ELSEWHERE and form == "wallet_noid":
                # the wallet's own second inside the journal sale's minute
                start = proof["ts"].replace(second=0, microsecond=0)
                proof["ts"] = start + timedelta(seconds=int(rng.integers(0, 60)))
            rows.append(proof)
            truth.append(
                {
                    "truth": None if category in ELSEWHERE else b.txn_id[p],
                    "category": category,
                    "form": form,
                    "style": style,
                    "decoy": b.txn_id[p] if category in ELSEWHERE else None,
                }
            )
            got += 1

    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    truth = [truth[i] for i in order]
    frame = pd.DataFrame(rows)
    frame.insert(0, "proof_id", [f"C{i + 1:06d}" for i in range(len(frame))])
    frame["source"] = "cleanroom"
    frame["source_row"] = pd.array(np.arange(1, len(frame) + 1), dtype="Int64")
    for c in ("ts", "ts_end"):
        frame[c] = pd.to_datetime(frame[c].astype(object)).astype("datetime64[ns]").dt.tz_localize(TZ)
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    for c in ("kind", "ts_precision", "currency", "direction", "merchant_text", "card_last4", "reference"):
        frame[c] = frame[c].astype("string[pyarrow]")
    for c in ("wallet_txn_id", "order_no", "terminal_id", "source", "payment_state"):
        frame[c] = frame[c].astype("string[pyarrow]")
    frame["amount_minor"] = frame["amount_minor"].astype("int64")
    frame = frame[[*PROOF_COLUMNS, "ts_end", "payment_state"]]
    tf = pd.DataFrame(truth)
    if "decoy" not in tf:
        tf["decoy"] = None
    tf.insert(0, "proof_id", frame["proof_id"].to_numpy())
    return ProofSet(frame, tf)


TAIL3 = re.compile(r"尾号(\d{3})账户")
