"""Known truths: the transactions the writers render, drawn from a seeded generator.

Everything here is written from the public descriptions of the formats (the samples' FORMATS.md, the
field guide's quoted wordings, docs/proofs.md and docs/journal.md), never from the library's code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import UTC as UTC  # re-exported for the writers
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
HONG_KONG = ZoneInfo("Asia/Hong_Kong")

# Merchant names in the shapes the field guide quotes (sign + branch, legal entity, wallet prefix, platform).
MERCHANTS_CN = [
    "云膳过桥米线(传奇广场店)",
    "美团-牛约堡手(旭辉店)",
    "北京三快在线科技有限公司",
    "金拱门(中国)有限公司",
    "大商鲜生（长兴岛）",
    "湖北良品铺子电子商务有限公司",
    "罗森(莘庄店)",
    "海底捞火锅(三里屯店)",
    "杭州园区便利店",
    "茶语轩五角场店",
]
MERCHANTS_EN = [
    "MCDONALDS",
    "YAHUI CATERING CO LTD",
    "SQ *MYPHARMACY",
    "PAYPAL *ACME SHOP",
    "Blue Bottle Coffee",
    "WOOLWORTHS ONLINE",
    "UBER *EATS",
    "Corner Books & Co",
]

FULLWIDTH = str.maketrans("0123456789.,-+", "０１２３４５６７８９．，－＋")
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass(frozen=True)
class D:
    """Date/time components, possibly impossible (2026-02-30): writers format them by hand."""

    y: int
    mo: int
    d: int
    h: int = 0
    mi: int = 0
    s: int = 0

    @classmethod
    def of(cls, t: datetime) -> D:
        return cls(t.year, t.month, t.day, t.hour, t.minute, t.second)

    def ymd(self, sep: str = "-") -> str:
        return f"{self.y:04d}{sep}{self.mo:02d}{sep}{self.d:02d}"

    def hms(self, sep: str = ":") -> str:
        return f"{self.h:02d}{sep}{self.mi:02d}{sep}{self.s:02d}"


@dataclass
class Txn:
    """One transaction as the customer's (or merchant's) document shows it."""

    amount_minor: int
    currency: str
    direction: str  # debit: money left the customer; credit: money came back
    ts: datetime  # aware, in the document's zone (wall time as written)
    merchant: str | None = None
    last4: str | None = None
    wallet_txn_id: str | None = None
    order_no: str | None = None
    reference: str | None = None
    terminal_id: str | None = None
    merchant_id: str | None = None
    extra: dict = field(default_factory=dict)

    def with_(self, **kw) -> Txn:
        return replace(self, **kw)


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    """A card number of `length` digits starting with `prefix` that passes the Luhn check."""
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return body + str((10 - total % 10) % 10)


def random_pan(rng: random.Random) -> str:
    prefix = rng.choice(["622588", "622202", "411111", "525500", "621700", "356800"])
    return luhn_complete(prefix, rng.choice([16, 16, 19]), rng)


def fmt_minor(minor: int, currency: str = "CNY", *, thousands: bool = False) -> str:
    """Plain decimal text of a non-negative amount in minor units (exact)."""
    decimals = 0 if currency in ("JPY", "KRW") else 2
    if decimals == 0:
        whole, frac = minor, ""
    else:
        whole, frac = divmod(minor, 100)
        frac = f".{frac:02d}"
    w = f"{whole:,}" if thousands else str(whole)
    return w + frac


def draw_amount(rng: random.Random, *, big: bool = False) -> int:
    r = rng.random()
    if big or r < 0.15:
        return rng.randrange(100_000, 50_000_000)  # 1,000.00 .. 500,000.00: thousands separators show
    if r < 0.25:
        return rng.randrange(1, 100)
    return rng.randrange(100, 100_000)


def draw_ts(rng: random.Random, tz, *, year_lo: int = 2023, year_hi: int = 2026) -> datetime:
    start = datetime(year_lo, 1, 1)
    span = (datetime(year_hi, 11, 30) - start).total_seconds()
    naive = start + timedelta(seconds=int(rng.random() * span))
    return naive.replace(tzinfo=tz)


def draw_txns(
    rng: random.Random,
    n: int,
    *,
    tz=SHANGHAI,
    currency: str = "CNY",
    english: bool = False,
    credit_share: float = 0.2,
    seconds: bool = True,
    ordered: bool = True,
) -> list[Txn]:
    out = []
    for _ in range(n):
        ts = draw_ts(rng, tz)
        if not seconds:
            ts = ts.replace(second=0)
        out.append(
            Txn(
                amount_minor=draw_amount(rng),
                currency=currency,
                direction="credit" if rng.random() < credit_share else "debit",
                ts=ts,
                merchant=rng.choice(MERCHANTS_EN if english else MERCHANTS_CN),
                last4=f"{rng.randrange(10000):04d}",
                wallet_txn_id="4200" + "".join(str(rng.randrange(10)) for _ in range(24)),
                order_no="".join(rng.choice("0123456789ABCDEF") for _ in range(20)),
                reference=f"{rng.randrange(10**12):012d}",
                terminal_id=f"{rng.randrange(10**8):08d}",
                merchant_id=f"{rng.randrange(10**15):015d}",
            )
        )
    if ordered:
        out.sort(key=lambda t: t.ts)
    return out


def pan_ending(last4: str, rng: random.Random, length: int = 16) -> str:
    """A Luhn-valid card number of `length` digits ending with `last4`."""
    prefix = rng.choice(["622588", "622202", "411111", "525500", "621700"])
    middle = [rng.randrange(10) for _ in range(length - len(prefix) - 4)]
    for fix in range(10):
        middle[0] = fix
        digits = prefix + "".join(map(str, middle)) + last4
        total = 0
        for i, ch in enumerate(reversed(digits)):
            n = int(ch)
            if i % 2 == 1:
                n *= 2
                if n > 9:
                    n -= 9
            total += n
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable: one digit always fixes the Luhn sum")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0
