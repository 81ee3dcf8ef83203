"""A small merchant: 1-3 shops, their terminals, and a terminal journal of 2-4 weeks.

The journal is written in the canonical layout of docs/journal.md (``ts`` with its offset,
``amount_minor`` in fen/cents). Card rows carry the terminal's own clock (field guide 6: mostly right,
one terminal minutes fast, now and then one hours off); wallet rows carry the wallet server's time.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

CST = timezone(timedelta(hours=8))  # Shanghai and Hong Kong are both UTC+8, no daylight saving


@dataclass(frozen=True)
class Shop:
    key: str
    name: str
    merchant_id: str
    zone: str  # IANA zone the clerk gives with --tz
    currency: str
    menu: tuple[tuple[str, int], ...]  # (item, price in minor units)
    channels: tuple[tuple[str, float], ...]  # channel weights
    sales_per_day: int
    hours: tuple[int, int]
    wallet_payee: str  # the name a wallet screen shows (商户全称 / 收款方)


SHOPS = {
    "sh": Shop(
        "sh",
        "老街馄饨(静安店)",
        "898310058121001",
        "Asia/Shanghai",
        "CNY",
        (
            ("鲜肉馄饨", 1800),
            ("荠菜馄饨", 2200),
            ("虾仁馄饨", 3200),
            ("小笼包", 2500),
            ("生煎", 1500),
            ("豆浆", 500),
            ("葱油拌面", 1600),
            ("咸豆花", 800),
        ),
        (("wechat", 0.5), ("alipay", 0.3), ("card", 0.2)),
        110,
        (6, 21),
        "上海老街餐饮管理有限公司静安分公司",
    ),
    "sh2": Shop(
        "sh2",
        "老街馄饨(五角场店)",
        "898310058121002",
        "Asia/Shanghai",
        "CNY",
        (("鲜肉馄饨", 1800), ("荠菜馄饨", 2200), ("虾仁馄饨", 3200), ("小笼包", 2500), ("酸梅汤", 600)),
        (("wechat", 0.45), ("alipay", 0.35), ("card", 0.2)),
        80,
        (7, 21),
        "上海老街餐饮管理有限公司杨浦分公司",
    ),
    "hk": Shop(
        "hk",
        "九記雲吞麵(上環)",
        "852100000000771",
        "Asia/Hong_Kong",
        "HKD",
        (("鮮蝦雲吞麵", 4800), ("牛腩麵", 6200), ("炸醬撈麵", 5200), ("凍奶茶", 2200), ("菜心", 2800)),
        (("card", 0.6), ("alipay", 0.25), ("wechat", 0.15)),
        70,
        (11, 22),
        "KAU KEE NOODLE LIMITED",
    ),
}

# A branch of the same brand that is NOT in this merchant's journal (field guide 2.1 item 4: the branch is
# often the only thing telling two outlets apart).
OTHER_BRANCH = {"sh": "老街馄饨(徐家汇店)", "sh2": "老街馄饨(徐家汇店)", "hk": "九記雲吞麵(中環)"}

BINS = ("622202", "621700", "622848", "625807", "436742", "512425", "622588", "356827")


def luhn_complete(body: str) -> str:
    """``body`` plus its Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


@dataclass
class Customer:
    pan: str
    bank: str

    @property
    def last4(self) -> str:
        return self.pan[-4:]


@dataclass
class Terminal:
    tid: str
    shop: Shop
    clock_offset_s: int  # terminal clock minus true time


@dataclass
class Sale:
    txn_id: str
    shop: Shop
    terminal: Terminal
    true_time: datetime  # what the bank / wallet server saw (UTC+8)
    logged_time: datetime  # what the terminal logged and printed on the original slip
    amount_minor: int
    currency: str
    channel: str
    status: str = "approved"
    txn_type: str = "sale"
    customer: Customer | None = None
    rrn: str = ""
    stan: str = ""
    batch_no: str = ""
    auth_code: str = ""
    wallet_txn_id: str = ""
    order_no: str = ""
    original_txn_id: str = ""


@dataclass
class World:
    seed: int
    shops: list[Shop]
    terminals: list[Terminal]
    sales: list[Sale]
    customers: list[Customer]
    first_day: date
    last_day: date
    today: date
    path: Path | None = None
    by_id: dict[str, Sale] = field(default_factory=dict)

    def approved_sales(self) -> list[Sale]:
        return [s for s in self.sales if s.txn_type == "sale" and s.status == "approved"]


BANKS = ("招商银行", "工商银行", "建设银行", "中国银行", "农业银行", "交通银行", "广发银行")


def make_world(seed: int, today: date) -> World:
    """A merchant of 1-3 shops over 14-28 days ending the day before ``today``."""
    rng = random.Random(seed * 7919 + 6)
    keys = [["sh"], ["sh", "hk"], ["sh", "sh2"], ["sh", "sh2", "hk"]][seed % 4]
    shops = [SHOPS[k] for k in keys]
    days = rng.randint(14, 28)
    last_day = today - timedelta(days=1)
    first_day = last_day - timedelta(days=days - 1)
    terminals: list[Terminal] = []
    for i, shop in enumerate(shops):
        n = 2 if shop.key == "sh" else 1
        for j in range(n):
            off = rng.choice([0, 0, 0, 5, -20, 40])  # field guide 6: mostly within a minute
            terminals.append(Terminal(f"{11000001 + i * 1000000 + j}", shop, off))
    # the tail: one terminal minutes fast, sometimes one hours off (zone misconfiguration)
    fast = rng.choice(terminals)
    fast.clock_offset_s = rng.choice([7 * 60 + 12, 6 * 60 + 58, -(3 * 60 + 39)])
    if seed % 2 == 1 and len(terminals) > 1:
        slow = rng.choice([t for t in terminals if t is not fast])
        slow.clock_offset_s = -8 * 3600 + rng.randint(-30, 30)
    customers = [
        Customer(
            luhn_complete(rng.choice(BINS) + "".join(rng.choice("0123456789") for _ in range(9))),
            rng.choice(BANKS),
        )
        for _ in range(900)
    ]
    sales: list[Sale] = []
    seq = 0
    stan_by_tid: dict[str, int] = {}
    for d in range(days):
        day = first_day + timedelta(days=d)
        for shop in shops:
            tshop = [t for t in terminals if t.shop is shop]
            n = int(shop.sales_per_day * (1.25 if day.weekday() >= 5 else 1.0) * rng.uniform(0.8, 1.15))
            for _ in range(n):
                h0, h1 = shop.hours
                peak = rng.random()
                if peak < 0.3:
                    hour = rng.gauss(12.2, 0.7)
                elif peak < 0.5:
                    hour = rng.gauss(18.3, 0.8)
                elif peak < 0.65 and h0 < 9:
                    hour = rng.gauss(7.8, 0.6)
                else:
                    hour = rng.uniform(h0, h1)
                hour = min(max(hour, h0 + 0.01), h1 - 0.01)
                t = datetime(day.year, day.month, day.day, tzinfo=CST) + timedelta(seconds=int(hour * 3600))
                items = rng.choices(shop.menu, k=rng.choice([1, 1, 2, 2, 3, 4]))
                amount = sum(p for _, p in items)
                channel = rng.choices([c for c, _ in shop.channels], [w for _, w in shop.channels])[0]
                term = rng.choice(tshop)
                seq += 1
                cust = rng.choice(customers)
                logged = t + timedelta(seconds=term.clock_offset_s) if channel == "card" else t
                stan_by_tid[term.tid] = stan_by_tid.get(term.tid, 0) + 1
                s = Sale(
                    txn_id=f"T{seq:07d}",
                    shop=shop,
                    terminal=term,
                    true_time=t,
                    logged_time=logged,
                    amount_minor=amount,
                    currency=shop.currency,
                    channel=channel,
                    customer=cust,
                    stan=f"{stan_by_tid[term.tid]:06d}",
                    batch_no=f"{(day - first_day).days // 7 + 1:06d}",
                )
                if channel == "card":
                    s.rrn = f"{rng.randint(10**11, 10**12 - 1)}"
                    s.auth_code = f"{rng.randint(0, 999999):06d}"
                else:
                    ymd = t.strftime("%Y%m%d")
                    if channel == "wechat":
                        s.wallet_txn_id = (
                            f"4200{rng.randint(0, 999999):06d}{ymd}{rng.randint(0, 10**10 - 1):010d}"
                        )
                    else:
                        s.wallet_txn_id = f"{ymd}2200{rng.randint(0, 10**16 - 1):016d}"
                    s.order_no = f"LJ{ymd}{seq:08d}"
                r = rng.random()
                if r < 0.02:
                    s.status = "declined"
                sales.append(s)
                if r > 0.995 and s.status == "approved":  # a few refunds of a whole sale, later that day
                    seq += 1
                    rt = t + timedelta(minutes=rng.randint(5, 90))
                    refund = Sale(
                        txn_id=f"T{seq:07d}",
                        shop=shop,
                        terminal=term,
                        true_time=rt,
                        logged_time=rt + timedelta(seconds=term.clock_offset_s) if channel == "card" else rt,
                        amount_minor=amount,
                        currency=shop.currency,
                        channel=channel,
                        txn_type="refund",
                        customer=cust,
                        original_txn_id=s.txn_id,
                        stan=f"{stan_by_tid[term.tid] + 1:06d}",
                        batch_no=s.batch_no,
                    )
                    stan_by_tid[term.tid] += 1
                    sales.append(refund)
    sales.sort(key=lambda s: s.logged_time)
    w = World(seed, shops, terminals, sales, customers, first_day, last_day, today)
    w.by_id = {s.txn_id: s for s in sales}
    return w


# One terminal of the Shanghai shop exports full card numbers (an older export): the reader must mask them.
FULL_PAN_TERMINAL = "11000002"

COLUMNS = (
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
    "card_scheme",
    "issuer",
    "auth_code",
    "rrn",
    "stan",
    "batch_no",
    "wallet_txn_id",
    "order_no",
    "original_txn_id",
)


def mask(pan: str) -> str:
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def write_journal(w: World, path: Path) -> Path:
    """The canonical journal CSV (docs/journal.md, preset ``canonical``)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        wr = csv.writer(fh)
        wr.writerow(COLUMNS)
        for s in w.sales:
            card = s.channel == "card" and s.customer is not None
            pan = ""
            if card and s.customer is not None:
                pan = s.customer.pan if s.terminal.tid == FULL_PAN_TERMINAL else mask(s.customer.pan)
            wr.writerow(
                (
                    s.txn_id,
                    s.shop.merchant_id,
                    s.shop.name,
                    s.terminal.tid,
                    s.logged_time.isoformat(),
                    s.amount_minor,
                    s.currency,
                    s.txn_type,
                    s.status,
                    s.channel,
                    pan,
                    s.customer.last4 if card and s.customer else "",
                    ("银联" if s.customer and s.customer.pan[0] == "6" else "Visa") if card else "",
                    s.customer.bank if card and s.customer else "",
                    s.auth_code,
                    s.rrn,
                    s.stan,
                    s.batch_no,
                    s.wallet_txn_id,
                    s.order_no,
                    s.original_txn_id,
                )
            )
    w.path = path
    return path
