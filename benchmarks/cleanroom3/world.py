"""The world: merchants here and elsewhere, terminals with their clocks, and four weeks of sales.

Written from ../shared/FIELD-GUIDE-PROOFS.md only (clean room): no receiptkit internals are used here.
Every sale carries its TRUE time (the bank / wallet host's clock) and the time its terminal wrote in the
journal (true time + the terminal's clock offset at that moment).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 2, tzinfo=SH)  # a Monday
DAYS = 28
REF = "2026-12-01"  # the day the customers come to the counter


@dataclass
class Merchant:
    mid: str
    brand: str
    branch: str  # 五角场店; "" for none
    legal: str  # legal entity shown by some statements
    kind: str  # hotpot, tea, conv
    here: bool
    aggregator: str = ""  # 收钱吧 / 拉卡拉 notices, 美团 descriptors

    @property
    def name(self) -> str:
        return f"{self.brand}({self.branch})" if self.branch else self.brand


@dataclass
class Terminal:
    tid: str
    merchant: Merchant
    kind: str = "ok"  # ok, skew, zone, jump
    base_offset_s: float = 0.0
    jump_at: datetime | None = None
    jump_s: float = 0.0

    def offset(self, true_ts: datetime) -> float:
        off = self.base_offset_s
        if self.jump_at is not None and true_ts >= self.jump_at:
            off += self.jump_s
        return off


@dataclass
class Txn:
    txn_id: str
    merchant: Merchant
    terminal: Terminal
    true_ts: datetime
    amount_minor: int
    channel: str  # card, wechat, alipay, unionpay_qr
    txn_type: str = "sale"
    status: str = "approved"
    card_last4: str = ""
    card_scheme: str = ""
    foreign: bool = False  # a Hong Kong card (statement billed in HKD or CNY)
    payer_card: str = ""  # for wallet payments funded by a bank card: that card's last 4 (not in the journal)
    wallet_txn_id: str = ""
    order_no: str = ""
    rrn: str = ""
    auth_code: str = ""
    stan: str = ""
    original_txn_id: str = ""
    tags: set = field(default_factory=set)  # retry, double, voided, refunded, busy_price, ...
    twin: str = ""  # double charge: the other charge's txn_id

    @property
    def rec_ts(self) -> datetime:
        return self.true_ts + timedelta(seconds=self.terminal.offset(self.true_ts))


HOTPOT_MENU = [2800, 3800, 4800, 5800, 6800, 3250, 2600, 1800, 8800, 12800, 1500, 2200]
TEA_MENU = [1200, 1500, 1600, 1800, 1900, 2200, 2500]
CONV_MENU = [350, 500, 650, 800, 1200, 1580, 2390, 990]


def _amount(rng: random.Random, kind: str) -> int:
    if kind == "tea":
        n = rng.choices([1, 2, 3], [0.7, 0.22, 0.08])[0]
        return sum(rng.choice(TEA_MENU) for _ in range(n))
    if kind == "conv":
        n = rng.choices([1, 2, 3, 4], [0.4, 0.3, 0.2, 0.1])[0]
        return sum(rng.choice(CONV_MENU) for _ in range(n))
    people = rng.randint(1, 6)
    dishes = sum(rng.choice(HOTPOT_MENU) for _ in range(rng.randint(2, 3 + people * 2)))
    return dishes + people * 600  # tea per person


_HOURS = {
    "tea": [0] * 9 + [2, 4, 6, 8, 8, 7, 7, 8, 8, 7, 6, 5, 4, 0, 0],
    "hotpot": [0] * 10 + [1, 6, 8, 4, 1, 1, 1, 3, 8, 9, 7, 5, 3, 1],
    "conv": [1, 1, 0, 0, 0, 0, 1, 3, 6, 5, 4, 4, 5, 4, 3, 3, 4, 5, 6, 6, 5, 4, 3, 2],
}


def _when(rng: random.Random, day: int, kind: str) -> datetime:
    h = rng.choices(range(24), _HOURS[kind])[0]
    return START + timedelta(days=day, hours=h, seconds=rng.randrange(3600))


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


@dataclass
class World:
    merchants: list[Merchant]
    terminals: list[Terminal]
    txns: list[Txn]  # the journal (here)
    elsewhere: list[Txn]  # payments made in other shops (not in the journal)
    cards: list[str]
    rng: random.Random

    def journal_frame(self) -> pd.DataFrame:
        rows = []
        for t in self.txns:
            rows.append(
                {
                    "txn_id": t.txn_id,
                    "merchant_id": t.merchant.mid,
                    "merchant_name": t.merchant.name,
                    "terminal_id": t.terminal.tid,
                    "ts": t.rec_ts.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
                    "amount_minor": t.amount_minor,
                    "currency": "CNY",
                    "txn_type": t.txn_type,
                    "status": t.status,
                    "channel": t.channel,
                    "card_last4": t.card_last4,
                    "card_scheme": t.card_scheme,
                    "auth_code": t.auth_code,
                    "rrn": t.rrn,
                    "stan": t.stan,
                    "wallet_txn_id": t.wallet_txn_id,
                    "order_no": t.order_no,
                    "original_txn_id": t.original_txn_id,
                }
            )
        return pd.DataFrame(rows)


def _merchants() -> list[Merchant]:
    lm = "上海老码头餐饮管理有限公司"
    return [
        Merchant("898310058120001", "老码头火锅", "五角场店", lm, "hotpot", True, "美团"),
        Merchant("898310058120002", "老码头火锅", "静安寺店", lm, "hotpot", True, "美团"),
        Merchant(
            "898310058120003",
            "一点点",
            "莘庄店",
            "上海闵行区莘庄一点点饮品店(个体工商户)",
            "tea",
            True,
            "收钱吧",
        ),
        # elsewhere, same city
        Merchant("898310058129901", "老码头火锅", "徐家汇店", lm, "hotpot", False, "美团"),
        Merchant(
            "898310058129902",
            "一点点",
            "七宝店",
            "上海闵行区七宝一点点饮品店(个体工商户)",
            "tea",
            False,
            "收钱吧",
        ),
        Merchant("898310058129903", "古茗", "打浦桥店", "上海古茗茶饮管理有限公司", "tea", False, "拉卡拉"),
        Merchant("898310058129904", "罗森", "莘庄店", "上海罗森便利有限公司", "conv", False, ""),
        Merchant(
            "898310058129905", "蜀大侠火锅", "五角场店", "上海蜀侠餐饮有限公司", "hotpot", False, "美团"
        ),
    ]


def build_world(seed: int, n_txns: int) -> World:
    rng = random.Random(seed * 7919 + 17)
    ms = _merchants()
    here = [m for m in ms if m.here]
    mid_day = START + timedelta(days=12, hours=rng.randint(0, 23))
    terms = [
        Terminal("11000001", ms[0], "ok", rng.uniform(-30, 30)),
        Terminal("11000002", ms[0], "skew", rng.choice([1, -1]) * rng.uniform(240, 600)),
        Terminal("12000001", ms[1], "zone", -8 * 3600 + rng.uniform(-20, 20)),  # set to UTC, logged as local
        Terminal(
            "12000002",
            ms[1],
            "jump",
            rng.uniform(-20, 20),
            mid_day,
            rng.choice([1, -1]) * rng.uniform(3, 30) * 3600,
        ),
        Terminal("13000001", ms[2], "ok", rng.uniform(-15, 15)),
        Terminal("13000002", ms[2], "skew", rng.choice([1, -1]) * rng.uniform(120, 400)),
        Terminal("13000003", ms[2], "ok", rng.uniform(-10, 10)),  # QR box: wallets only
    ]
    by_m = {m.mid: [t for t in terms if t.merchant is m] for m in here}
    # cards: some last 4 shared by many customers (family cards, common tails)
    common = [_digits(rng, 4) for _ in range(6)]
    cards = [rng.choice(common) if rng.random() < 0.12 else _digits(rng, 4) for _ in range(4000)]
    share = {ms[0].mid: 0.22, ms[1].mid: 0.18, ms[2].mid: 0.60}
    txns: list[Txn] = []
    seq = [0]

    def new_id() -> str:
        seq[0] += 1
        return f"T{seq[0]:07d}"

    def fill(t: Txn) -> None:
        d = t.true_ts.strftime("%Y%m%d")
        if t.channel == "wechat":
            t.wallet_txn_id = "4200" + _digits(rng, 6) + d + _digits(rng, 10)
            t.order_no = "WX" + d + _digits(rng, 12)
        elif t.channel == "alipay":
            t.wallet_txn_id = d + "2200" + _digits(rng, 16)
            t.order_no = "AP" + d + _digits(rng, 12)
        elif t.channel == "unionpay_qr":
            t.order_no = "UQ" + d + _digits(rng, 12)
            t.rrn = _digits(rng, 12)
        else:
            t.rrn = _digits(rng, 12)
            t.auth_code = _digits(rng, 6)
        t.stan = f"{seq[0] % 1000000:06d}"

    def sale(m: Merchant, when: datetime, elsewhere: bool = False) -> Txn:
        kind = m.kind
        ch = rng.choices(["card", "wechat", "alipay", "unionpay_qr"], [0.3, 0.38, 0.27, 0.05])[0]
        pool = by_m.get(m.mid)
        if pool:
            pool = [t for t in pool if ch != "card" or t.tid != "13000003"]
            term = rng.choice(pool)
        else:
            term = Terminal("9" + m.mid[-7:], m)
        t = Txn(("E" if elsewhere else "") + new_id(), m, term, when, _amount(rng, kind), ch)
        if ch == "card":
            t.card_last4 = rng.choice(cards)
            t.card_scheme = rng.choices(["银联", "Visa", "Mastercard"], [0.7, 0.18, 0.12])[0]
            t.foreign = t.card_scheme != "银联" and rng.random() < 0.5
        elif rng.random() < 0.6:  # wallet funded by a bank card
            t.payer_card = rng.choice(cards)
        if kind == "tea":
            t.tags.add("busy_price")
        fill(t)
        return t

    per_day = n_txns / DAYS
    for day in range(DAYS):
        for m in here:
            weekend = (START + timedelta(days=day)).weekday() >= 5
            n = int(rng.gauss(per_day * share[m.mid] * (1.2 if weekend else 0.93), per_day * 0.03) + 0.5)
            for _ in range(max(n, 1)):
                txns.append(sale(m, _when(rng, day, m.kind)))
    txns.sort(key=lambda t: t.true_ts)
    extra: list[Txn] = []
    for t in txns:
        r = rng.random()
        if t.channel == "card" and r < 0.05:  # declined, then approved on a retry
            d = Txn(
                new_id(),
                t.merchant,
                t.terminal,
                t.true_ts - timedelta(seconds=rng.randint(20, 150)),
                t.amount_minor,
                "card",
            )
            d.status, d.card_last4, d.card_scheme = "declined", t.card_last4, t.card_scheme
            fill(d)
            extra.append(d)
            t.tags.add("retry")
        elif t.channel == "card" and r < 0.07:  # charged twice
            d = Txn(
                new_id(),
                t.merchant,
                t.terminal,
                t.true_ts + timedelta(seconds=rng.randint(25, 100)),
                t.amount_minor,
                "card",
            )
            d.card_last4, d.card_scheme, d.foreign = t.card_last4, t.card_scheme, t.foreign
            fill(d)
            d.tags.add("double")
            t.tags.add("double")
            d.twin, t.twin = t.txn_id, d.txn_id
            extra.append(d)
        elif r < 0.085:  # voided minutes later
            v = Txn(
                new_id(),
                t.merchant,
                t.terminal,
                t.true_ts + timedelta(seconds=rng.randint(60, 900)),
                t.amount_minor,
                t.channel,
            )
            v.txn_type, v.card_last4, v.original_txn_id = "void", t.card_last4, t.txn_id
            fill(v)
            extra.append(v)
            t.tags.add("voided")
        elif r < 0.125:  # refunded on a later day, fully or partly
            later = t.true_ts + timedelta(days=rng.randint(1, 8), minutes=rng.randint(-200, 200))
            if later >= START + timedelta(days=DAYS):
                continue
            amt = (
                t.amount_minor
                if rng.random() < 0.6
                else max(100, int(t.amount_minor * rng.uniform(0.1, 0.8)) // 10 * 10)
            )
            f = Txn(new_id(), t.merchant, t.terminal, later, amt, t.channel)
            f.txn_type, f.card_last4, f.card_scheme, f.original_txn_id = (
                "refund",
                t.card_last4,
                t.card_scheme,
                t.txn_id,
            )
            f.foreign, f.payer_card = t.foreign, t.payer_card
            fill(f)
            f.wallet_txn_id = ""
            f.tags.add("refund")
            f.tags.add("partial" if amt < t.amount_minor else "full")
            extra.append(f)
            t.tags.add("refunded")
            t.refund_id = f.txn_id  # type: ignore[attr-defined]
    txns.extend(extra)
    txns.sort(key=lambda t: (t.rec_ts, t.txn_id))
    # payments made in other shops of the same city (their customers' proofs reach the batch)
    others = [m for m in ms if not m.here]
    elsewhere = []
    for _ in range(max(200, n_txns // 20)):
        m = rng.choice(others)
        e = sale(m, _when(rng, rng.randrange(DAYS), m.kind), elsewhere=True)
        elsewhere.append(e)
    return World(ms, terms, txns, elsewhere, cards, rng)
