"""The world of clean room 5: one chain in Hong Kong, Shanghai and Shenzhen, in one journal.

Written from ../shared/FIELD-GUIDE-PROOFS.md (sections 2.3, 3, 5, 6) and docs/journal.md (the canonical
journal columns) only. Every sale keeps its true instant (``true_ts``) beside the time its terminal logged;
the journal handed to the library holds only what a terminal export holds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

HKT = ZoneInfo("Asia/Hong_Kong")
CST = ZoneInfo("Asia/Shanghai")
START = date(2026, 11, 2)  # a Monday: weekends fall on days 5-6, 12-13, ...

# Public reference rates (units of the second currency per unit of the first), about late 2026.
REF_RATE = {("CNY", "HKD"): 1.087, ("HKD", "CNY"): 0.92, ("CNY", "USD"): 0.1385, ("HKD", "USD"): 0.1282}


@dataclass(frozen=True)
class Shop:
    """A shop of the chain or of another brand; ``in_journal`` says whether its sales are in the journal."""

    key: str
    name: str  # shop sign + branch, as the shop's own staff write it
    latin: str  # as a card network descriptor writes it (field guide 2.3)
    brand_latin: str
    legal: str
    currency: str
    tz: ZoneInfo
    country: str  # ISO 3166 alpha-3 for descriptors
    in_journal: bool
    merchant_id: str = ""
    share: float = 0.0


SHOPS: dict[str, Shop] = {
    s.key: s
    for s in [
        Shop(
            "HK_CWB",
            "金記茶餐廳(銅鑼灣店)",
            "KAM KEE CAFE (CAUSEWAY BAY)",
            "KAM KEE CAFE",
            "KAM KEE CATERING (HK) LIMITED",
            "HKD",
            HKT,
            "HKG",
            True,
            "852000100000001",
            0.42,
        ),
        Shop(
            "SH_JAS",
            "金记茶餐厅(静安寺店)",
            "JINJI CAFE (JINGANSI)",
            "JINJI CAFE",
            "上海金记餐饮管理有限公司",
            "CNY",
            CST,
            "CHN",
            True,
            "898310058120101",
            0.38,
        ),
        Shop(
            "SZ_FT",
            "金记茶餐厅(福田店)",
            "JINJI CAFE (FUTIAN)",
            "JINJI CAFE",
            "上海金记餐饮管理有限公司",
            "CNY",
            CST,
            "CHN",
            True,
            "898440358120102",
            0.20,
        ),
        # elsewhere: payments there reach the batch, never the journal
        Shop(
            "HK_MK",
            "金記茶餐廳(旺角店)",
            "KAM KEE CAFE (MONG KOK)",
            "KAM KEE CAFE",
            "KAM KEE CATERING (HK) LIMITED",
            "HKD",
            HKT,
            "HKG",
            False,
        ),
        Shop(
            "SH_XJH",
            "金记茶餐厅(徐家汇店)",
            "JINJI CAFE (XUJIAHUI)",
            "JINJI CAFE",
            "上海金记餐饮管理有限公司",
            "CNY",
            CST,
            "CHN",
            False,
        ),
        Shop(
            "HK_TW",
            "翠華餐廳(中環店)",
            "TSUI WAH RESTAURANT (CENTRAL)",
            "TSUI WAH RESTAURANT",
            "TSUI WAH HOLDINGS LIMITED",
            "HKD",
            HKT,
            "HKG",
            False,
        ),
        Shop(
            "SH_TW",
            "翠华餐厅(南京西路店)",
            "TSUI WAH (NANJING XI LU)",
            "TSUI WAH",
            "上海翠华餐饮有限公司",
            "CNY",
            CST,
            "CHN",
            False,
        ),
    ]
}
JOURNAL_SHOPS = [s for s in SHOPS.values() if s.in_journal]

MENU = {
    "HKD": [
        "32.00",
        "38.00",
        "45.50",
        "48.00",
        "52.50",
        "58.00",
        "66.00",
        "78.00",
        "88.00",
        "98.50",
        "128.50",
    ],
    "CNY": [
        "28.00",
        "32.00",
        "38.50",
        "45.00",
        "52.50",
        "58.00",
        "66.00",
        "88.00",
        "98.50",
        "128.50",
        "168.00",
    ],
}


@dataclass
class Terminal:
    """A terminal and its life: active from/until (day index), its clock error in seconds."""

    tid: str
    shop: str
    offset_s: float  # logged = true + offset
    first_day: int = 0
    last_day: int = 10**6
    last_minute: int | None = None  # on last_day, minutes after midnight it stops (loss / closing)
    situation: str = "normal"


@dataclass
class World:
    """The generated journal (canonical columns), the truth beside it, and the terminals."""

    days: int
    journal: pd.DataFrame
    truth: pd.DataFrame  # txn_id, shop, true_ts (UTC), card_origin, card_kind, situation
    terminals: dict[str, Terminal] = field(default_factory=dict)


def terminals_for(days: int) -> dict[str, Terminal]:
    """Seven terminals: lost + replaced (HK), closed mid-period (SH), a wrong zone (SZ), minutes-off clocks."""
    lost_day = max(1, int(days * 0.4))
    closed_day = max(2, int(days * 0.65))
    ts = [
        Terminal("HK000011", "HK_CWB", 4.0, 0, lost_day, 15 * 60, "lost"),
        Terminal("HK000019", "HK_CWB", 21.0, lost_day + 1, situation="replacement"),
        Terminal("HK000012", "HK_CWB", 95.0, situation="skewed"),
        Terminal("SH000021", "SH_JAS", -2.0),
        Terminal("SH000022", "SH_JAS", -150.0, 0, closed_day, 24 * 60, "closed"),
        Terminal("SZ000031", "SZ_FT", -8 * 3600.0, situation="wrong_zone"),  # set to UTC, exported as +08:00
        Terminal("SZ000032", "SZ_FT", 1.0),
    ]
    return {t.tid: t for t in ts}


LUCKY = [f"{n:04d}" for n in (1234, 8888, 6666, 1688, 5188, 9999, 2468, 1314, 5200, 3388)]


def _last4(rng: random.Random) -> str:
    return rng.choice(LUCKY) if rng.random() < 0.07 else f"{rng.randrange(10000):04d}"


def _card(rng: random.Random, shop: Shop) -> tuple[str, str, str, str]:
    """(origin, scheme, issuer, last4): Hong Kong shops see mostly HK cards, mainland ones mainland cards."""
    r = rng.random()
    if shop.currency == "HKD":
        origin = "hk" if r < 0.78 else ("cn" if r < 0.95 else "us")
    else:
        origin = "cn" if r < 0.80 else ("hk" if r < 0.96 else "us")
    if origin == "hk":
        scheme, issuer = rng.choice(
            [
                ("Visa", "HSBC HK"),
                ("Mastercard", "HSBC HK"),
                ("Visa", "Hang Seng"),
                ("Amex", "AMEX HK"),
                ("UnionPay", "BOC HK"),
            ]
        )
    elif origin == "cn":
        scheme, issuer = rng.choice(
            [
                ("UnionPay", "招商银行"),
                ("UnionPay", "工商银行"),
                ("UnionPay", "建设银行"),
                ("Visa", "交通银行"),
                ("Mastercard", "中国银行"),
            ]
        )
    else:
        scheme, issuer = rng.choice([("Visa", "CHASE"), ("Mastercard", "CITI"), ("Amex", "AMEX US")])
    return origin, scheme, issuer, _last4(rng)


_BIN = {"Visa": "438912", "Mastercard": "524310", "Amex": "376543", "UnionPay": "622588"}


def _minute_of_day(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.45:
        return rng.randrange(12 * 60, 14 * 60)
    if r < 0.75:
        return rng.randrange(18 * 60, 20 * 60 + 30)
    return rng.randrange(7 * 60 + 30, 22 * 60)


def _amount(rng: random.Random, currency: str) -> int:
    n = rng.choices([1, 1, 1, 2, 2, 3, 4])[0]
    cents = sum(round(float(rng.choice(MENU[currency])) * 100) for _ in range(n))
    return cents


def _wallet_id(rng: random.Random, channel: str, local: datetime) -> str:
    ymd = local.strftime("%Y%m%d")
    if channel == "wechat":
        return (
            "4200"
            + "".join(rng.choice("0123456789") for _ in range(6))
            + ymd
            + "".join(rng.choice("0123456789") for _ in range(10))
        )
    return ymd + "22001" + "".join(rng.choice("0123456789") for _ in range(15))


def build_world(seed: int, txns: int) -> World:
    """Generate ``txns`` journal rows (approximately: declined attempts and refunds are added)."""
    rng = random.Random(seed * 7919 + 5)
    days = max(7, round(30 * txns / 20000))
    terms = terminals_for(days)
    rows: list[dict[str, object]] = []
    truth: list[dict[str, object]] = []
    stan: dict[str, int] = {}
    n_sales = int(txns * 0.975)

    def push(row: dict[str, object], tr: dict[str, object]) -> None:
        row["txn_id"] = tr["txn_id"] = f"T{len(rows) + 1:07d}"
        rows.append(row)
        truth.append(tr)

    shops = JOURNAL_SHOPS
    for _ in range(n_sales):
        shop = rng.choices(shops, weights=[s.share for s in shops])[0]
        day = rng.randrange(days)
        minute = _minute_of_day(rng)
        active = [
            t
            for t in terms.values()
            if t.shop == shop.key
            and t.first_day <= day <= t.last_day
            and not (day == t.last_day and t.last_minute is not None and minute >= t.last_minute)
        ]
        term = rng.choice(active)
        local = datetime.combine(
            START + timedelta(days=day), datetime.min.time(), tzinfo=shop.tz
        ) + timedelta(minutes=minute, seconds=rng.randrange(60))
        true_utc = local.astimezone(UTC)
        cur = shop.currency
        r = rng.random()
        channel = (
            "card"
            if r < (0.62 if cur == "HKD" else 0.42)
            else ("wechat" if rng.random() < 0.55 else "alipay")
        )
        amount = _amount(rng, cur)
        row: dict[str, object] = {
            "merchant_id": shop.merchant_id,
            "merchant_name": shop.name,
            "terminal_id": term.tid,
            "amount_minor": amount,
            "currency": cur,
            "txn_type": "sale",
            "status": "approved",
            "channel": channel,
        }
        origin = kind = ""
        if channel == "card":
            origin, scheme, issuer, l4 = _card(rng, shop)
            kind = "credit" if rng.random() < 0.75 else "debit"
            row.update(
                pan_masked=f"{_BIN[scheme]}******{l4}",
                card_last4=l4,
                card_scheme=scheme,
                issuer=issuer,
                entry_mode=rng.choice(["Tapped", "Dipped", "挥卡", "插卡"]),
                auth_code=f"{rng.randrange(10**6):06d}",
                rrn=f"{rng.randrange(10**12):012d}",
            )
            if rng.random() < 0.025:  # a declined attempt of the same amount shortly before
                d = dict(row, status="declined", auth_code=None)
                t_decl = true_utc - timedelta(seconds=rng.randrange(25, 150))
                push(
                    _finish(d, term, t_decl, shop, stan, day),
                    {
                        "shop": shop.key,
                        "true_ts": t_decl,
                        "card_origin": origin,
                        "card_kind": kind,
                        "situation": term.situation,
                        "decl": True,
                    },
                )
        else:
            row.update(
                wallet_txn_id=_wallet_id(rng, channel, local),
                order_no=f"{shop.key[:2]}{local:%Y%m%d%H%M%S}{rng.randrange(10**4):04d}",
            )
            if rng.random() < 0.4:  # the wallet shows the card that funded it
                _o, _s, issuer, l4 = _card(rng, shop)
                row.update(card_last4=l4, issuer=issuer)
        push(
            _finish(row, term, true_utc, shop, stan, day),
            {
                "shop": shop.key,
                "true_ts": true_utc,
                "card_origin": origin,
                "card_kind": kind,
                "situation": term.situation,
                "decl": False,
            },
        )
    # refunds of a few sales 1-4 days later, same terminal if it still works
    for i in rng.sample(range(len(rows)), k=int(txns * 0.01)):
        base = rows[i]
        if base["status"] != "approved":
            continue
        tr = truth[i]
        when = tr["true_ts"] + timedelta(days=rng.randrange(1, 5), minutes=rng.randrange(-120, 120))
        dday = (when.astimezone(SHOPS[str(tr["shop"])].tz).date() - START).days
        term = terms[str(base["terminal_id"])]
        if dday >= days or dday > term.last_day:
            continue
        ref = dict(
            base,
            txn_type="refund",
            original_txn_id=base["txn_id"],
            amount_minor=int(base["amount_minor"]) if rng.random() < 0.7 else int(base["amount_minor"]) // 2,
        )
        ref.pop("txn_id")
        push(_finish(ref, term, when, SHOPS[str(tr["shop"])], stan, dday), dict(tr, true_ts=when, decl=False))
    journal = pd.DataFrame(rows)
    cols = [
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
        "entry_mode",
        "auth_code",
        "rrn",
        "stan",
        "batch_no",
        "wallet_txn_id",
        "order_no",
        "original_txn_id",
    ]
    for c in cols:
        if c not in journal:
            journal[c] = None
    journal = journal[cols]
    tr = pd.DataFrame(truth)
    tr["true_ts"] = pd.to_datetime(tr["true_ts"], utc=True)
    return World(days, journal, tr, terms)


def _finish(
    row: dict[str, object], term: Terminal, true_utc: datetime, shop: Shop, stan: dict[str, int], day: int
) -> dict[str, object]:
    """Stamp the terminal's clock (the wrong-zone one writes UTC wall time as +08:00), trace and batch."""
    logged = true_utc + timedelta(seconds=term.offset_s)
    local = logged.astimezone(shop.tz)
    stan[term.tid] = stan.get(term.tid, 0) + 1
    row = dict(row)
    row["ts"] = local.isoformat(timespec="seconds")
    row["stan"] = f"{stan[term.tid] % 1000000:06d}"
    row["batch_no"] = f"{day - term.first_day + 1:06d}"
    return row
