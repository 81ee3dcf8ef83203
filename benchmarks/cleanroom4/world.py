"""The shop's world: two branches of one brand, their terminals and four weeks of sales.

Written from ../shared/FIELD-GUIDE-PROOFS.md (sections 2, 4, 6) and the public journal columns of
docs/journal.md, without reading the matcher. Every sale keeps its true instant (the wallet's or the
acquirer host's clock) beside the time its journal row shows (the terminal's own clock for card rows,
and for wallet rows of terminals that do not take the wallet's time).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

TZ = ZoneInfo("Asia/Shanghai")
START = date(2026, 11, 2)  # a Monday; four weeks to 2026-11-29
DAYS = 28

BRAND = "老街馄饨"
LEGAL = "上海老街餐饮管理有限公司"


@dataclass(frozen=True)
class Shop:
    idx: int
    branch: str
    merchant_id: str

    @property
    def name(self) -> str:
        return f"{BRAND}({self.branch})"


@dataclass(frozen=True)
class Terminal:
    tid: str
    shop: int
    offset_s: int  # terminal clock minus true time, seconds
    wallet_ids: bool  # the journal carries the wallet's own number (and the wallet's time) on wallet rows
    kind: str  # "ok", "skewed", "wrong_zone"


SHOPS = (Shop(0, "五角场店", "898310058120011"), Shop(1, "徐家汇店", "898310058120012"))

# Shops that are not in the journal: another branch of the same brand, and other brands.
OTHER_SHOPS = (
    f"{BRAND}(静安寺店)",
    f"{BRAND}(厦门中山路店)",
    "古茗(打浦桥店)",
    "罗森(莘庄店)",
    "喜茶(五角场店)",
    "沙县小吃(国权路店)",
)

# Banks: name as wallets show it, card BIN, whether the card is a credit card.
BANKS = (
    ("招商银行", "622588", True),
    ("工商银行", "622202", False),
    ("建设银行", "436742", True),
    ("农业银行", "622848", False),
    ("中国银行", "625907", True),
    ("交通银行", "622260", True),
    ("广发银行", "625809", True),
    ("邮储银行", "621799", False),
)

MENU = (1200, 1500, 1800, 2200, 2550, 2800, 3200, 3600, 3850, 4500, 5800, 6800, 8800, 1650, 2050)


@dataclass
class World:
    seed: int
    terminals: list[Terminal]
    journal: pd.DataFrame  # canonical columns, what read_journal is given
    truth: pd.DataFrame  # per journal row: true_ts, offset_s, shop, bank, funding, customer card
    by_amount: dict[int, list[int]] = field(default_factory=dict)


def make_terminals(rng: random.Random) -> list[Terminal]:
    """Most clocks right (within seconds); two skewed by minutes; one in the wrong zone (UTC as local)."""
    skew_a = rng.choice([1, -1]) * rng.randint(150, 420)
    skew_b = rng.choice([1, -1]) * rng.randint(90, 300)
    return [
        Terminal("11000001", 0, rng.randint(-8, 8), True, "ok"),
        Terminal("11000002", 0, skew_a, True, "skewed"),
        Terminal("11000003", 0, rng.randint(-8, 8), False, "ok"),
        Terminal("12000001", 1, rng.randint(-8, 8), False, "ok"),
        Terminal("12000002", 1, skew_b, False, "skewed"),
        Terminal("12000003", 1, -8 * 3600 + rng.randint(-20, 20), True, "wrong_zone"),
        Terminal("11000004", 0, rng.randint(-8, 8), True, "ok"),
        Terminal("12000004", 1, rng.randint(-8, 8), False, "ok"),
    ]


def wechat_number(rng: random.Random, day: date) -> str:
    """WeChat merchant-payment 交易单号: 4200 + 6 digits + YYYYMMDD + 10 digits (field guide 4.2)."""
    return f"4200{rng.randrange(10**6):06d}{day:%Y%m%d}{rng.randrange(10**10):010d}"


def alipay_number(rng: random.Random, day: date) -> str:
    """Alipay TRADE 订单号: YYYYMMDD + 20 digits, 28 in all (field guide 4.4)."""
    return f"{day:%Y%m%d}2200{rng.randrange(10**16):016d}"


def embedded_date(number: str) -> date | None:
    """The payment date a full wallet number carries, or None for a form that carries none."""
    digits = number.strip()
    try:
        if len(digits) == 28 and digits.startswith("4200"):
            return datetime.strptime(digits[10:18], "%Y%m%d").date()
        if len(digits) == 28:
            return datetime.strptime(digits[:8], "%Y%m%d").date()
    except ValueError:
        return None
    return None


def _time_of_day(rng: random.Random) -> int:
    """Seconds after midnight: lunch and dinner peaks over a 07:00-22:00 day."""
    while True:
        r = rng.random()
        if r < 0.35:
            s = rng.gauss(12.25 * 3600, 50 * 60)
        elif r < 0.7:
            s = rng.gauss(18.75 * 3600, 60 * 60)
        else:
            s = rng.uniform(7 * 3600, 22 * 3600)
        if 7 * 3600 <= s < 22 * 3600:
            return int(s)


def _amount(rng: random.Random) -> int:
    if rng.random() < 0.6:
        return rng.choice(MENU) * rng.choice([1, 1, 1, 2])
    return rng.randint(8, 400) * 100 + rng.choice([0, 0, 50, rng.randrange(100)])


def build_world(seed: int, n_txns: int) -> World:
    rng = random.Random(seed * 7919 + 4)
    terminals = make_terminals(rng)
    by_shop = {s.idx: [t for t in terminals if t.shop == s.idx] for s in SHOPS}
    events: list[dict] = []
    n_sales = int(n_txns * 0.97)
    for _ in range(n_sales):
        day = START + timedelta(days=rng.randrange(DAYS))
        true_ts = datetime(day.year, day.month, day.day, tzinfo=TZ) + timedelta(seconds=_time_of_day(rng))
        shop = 0 if rng.random() < 0.55 else 1
        term = rng.choice(by_shop[shop])
        channel = rng.choices(["card", "wechat", "alipay", "unionpay_qr"], [30, 35, 25, 10])[0]
        bank_i = rng.randrange(len(BANKS))
        last4 = f"{rng.randrange(10000):04d}"
        funding = "card"
        if channel == "wechat":
            funding = rng.choices(["card", "零钱"], [65, 35])[0]
        elif channel == "alipay":
            funding = rng.choices(["card", "花呗", "余额"], [55, 30, 15])[0]
        ev = dict(
            true_ts=true_ts,
            shop=shop,
            terminal=term,
            channel=channel,
            bank=bank_i,
            last4=last4,
            funding=funding,
            amount=_amount(rng),
            txn_type="sale",
            status="approved",
        )
        events.append(ev)
        # a declined attempt before some card sales (field guide: retries after a decline)
        if channel == "card" and rng.random() < 0.03:
            events.append(
                {**ev, "true_ts": true_ts - timedelta(seconds=rng.randint(20, 90)), "status": "declined"}
            )
    # refunds of a few sales, later the same day
    for ev in rng.sample(events, max(1, int(n_txns * 0.005))):
        if ev["status"] == "approved":
            events.append(
                {**ev, "true_ts": ev["true_ts"] + timedelta(minutes=rng.randint(5, 90)), "txn_type": "refund"}
            )
    events.sort(key=lambda e: e["true_ts"])

    rows: list[dict] = []
    truth: list[dict] = []
    stan: dict[str, int] = {t.tid: rng.randint(1, 500) for t in terminals}
    for i, ev in enumerate(events):
        term: Terminal = ev["terminal"]
        channel = ev["channel"]
        day = ev["true_ts"].date()
        wallet_no = None
        if channel == "wechat":
            wallet_no = wechat_number(rng, day)
        elif channel == "alipay":
            wallet_no = alipay_number(rng, day)
        # QR rows of an aggregator terminal carry the channel's payment time, card rows the terminal's own
        # clock (field guide 6: "trans_time is the channel's payment time ... but the current time for cards")
        takes_wallet_time = channel in ("wechat", "alipay", "unionpay_qr") and term.wallet_ids
        offset = 0 if takes_wallet_time else term.offset_s
        jitter = rng.randint(0, 2) if takes_wallet_time else rng.randint(0, 3)
        shown_ts = ev["true_ts"] + timedelta(seconds=offset + jitter)
        stan[term.tid] += 1
        bank_name, bin6, credit = BANKS[ev["bank"]]
        carded = channel in ("card", "unionpay_qr")
        txn_id = f"T{i + 1:06d}"
        rows.append(
            dict(
                txn_id=txn_id,
                merchant_id=SHOPS[term.shop].merchant_id,
                merchant_name=SHOPS[term.shop].name,
                terminal_id=term.tid,
                ts=shown_ts,
                amount_minor=ev["amount"],
                currency="CNY",
                txn_type=ev["txn_type"],
                status=ev["status"],
                channel=channel,
                pan_masked=f"{bin6}******{ev['last4']}" if carded else None,
                card_last4=ev["last4"] if carded else None,
                card_scheme="银联" if carded else None,
                issuer=bank_name if carded else None,
                auth_code=f"{rng.randrange(10**6):06d}" if carded and ev["status"] == "approved" else None,
                rrn=f"{rng.randrange(10**12):012d}" if channel != "wechat" and channel != "alipay" else None,
                stan=f"{stan[term.tid] % 10**6:06d}",
                batch_no=f"{(day - START).days // 7 + 1:06d}",
                wallet_txn_id=wallet_no if (wallet_no and term.wallet_ids) else None,
                order_no=None,
                original_txn_id=None,
            )
        )
        truth.append(
            dict(
                txn_id=txn_id,
                true_ts=ev["true_ts"],
                offset_s=offset + jitter,
                clock_s=offset,
                clock="channel time" if takes_wallet_time else term.kind,
                shop=term.shop,
                bank=ev["bank"],
                credit=credit,
                last4=ev["last4"],
                funding=ev["funding"],
                wallet_no=wallet_no,
            )
        )
    journal = pd.DataFrame(rows)
    for col in journal.columns:
        if col not in ("ts", "amount_minor"):
            journal[col] = journal[col].astype("string")
    truth_df = pd.DataFrame(truth)
    world = World(seed=seed, terminals=terminals, journal=journal, truth=truth_df)
    for i, a in enumerate(journal["amount_minor"].tolist()):
        world.by_amount.setdefault(int(a), []).append(i)
    return world


def sales(world: World) -> list[int]:
    """Row indexes of approved sales."""
    j = world.journal
    return [
        i
        for i, (t, s) in enumerate(zip(j["txn_type"], j["status"], strict=True))
        if t == "sale" and s == "approved"
    ]
