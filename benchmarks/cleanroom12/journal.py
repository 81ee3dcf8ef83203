"""Seeded journals in the canonical layout (docs/journal.md, "The canonical journal").

One journal file per shop, each read with its own ``tz=`` (or, for the offset shops, without one:
docs/slips.md says such times print with their offset). The generator keeps the truth it wrote:
the full card numbers (never in the journal's masked column except where a row deliberately holds a
full number, which the reader must mask), the expected local time, links between sales and their
refunds or voids, and which rows the reprint rules must refuse.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

EXPONENT = {"CNY": 2, "HKD": 2, "USD": 2, "JPY": 0, "KWD": 3}
MAX_MINOR = 10**15  # docs/journal.md: receiptkit.money.MAX_MINOR

COLUMNS = [
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
    "card_scheme",
    "auth_code",
    "rrn",
    "stan",
    "batch_no",
    "wallet_txn_id",
    "order_no",
    "original_txn_id",
]


@dataclass(frozen=True)
class Shop:
    """A shop: one journal file, one zone, one currency."""

    key: str
    zone: str  # IANA zone, or "+08:00" / "Z" for the offset shops read without tz=
    read_tz: str | None  # what read_journal gets as tz=
    currency: str
    merchant_id: str
    names: tuple[str, ...]
    schemes: tuple[str, ...]
    wallets: tuple[str, ...]


SHOPS = (
    Shop(
        "sh",
        "Asia/Shanghai",
        "Asia/Shanghai",
        "CNY",
        "898310058120003",
        (
            "海底捞火锅(三里屯店)",
            "星巴克咖啡（上海南京西路旗舰店）",
            "喜茶ＨＥＹＴＥＡ（静安嘉里中心店）🍵",
            "上海市浦东新区张江高科技园区碧波路六九〇号昇鑫堃垚便利店第三分店",
            "全家ＦａｍｉｌｙＭａｒｔ（徐家汇店）",
        ),
        ("UnionPay", "Visa", "Mastercard"),
        ("wechat", "alipay", "unionpay_qr"),
    ),
    Shop(
        "hk",
        "Asia/Hong_Kong",
        "Asia/Hong_Kong",
        "HKD",
        "898440353110021",
        ("Joe's Coffee (Wan Chai)", "翠華餐廳（旺角店）", "Maxim's MX — Causeway Bay Branch No. 2"),
        ("Visa", "Mastercard", "Amex", "UnionPay"),
        ("alipay", "wechat"),
    ),
    Shop(
        "tk",
        "Asia/Tokyo",
        "Asia/Tokyo",
        "JPY",
        "JP0012345678",
        ("ビックカメラ 有楽町店", "Ginza Sushi Kyubey"),
        ("Visa", "Mastercard", "Amex"),
        ("alipay",),
    ),
    Shop(
        "kw",
        "Asia/Kuwait",
        "Asia/Kuwait",
        "KWD",
        "KW0098765432",
        ("Alshaya Starbucks Avenues", "Kuwait Duty Free 科威特免税店"),
        ("Visa", "Mastercard"),
        (),
    ),
    Shop(
        "ny",
        "America/New_York",
        "America/New_York",
        "USD",
        "NY0000471100",
        ("Joe's Pizza Times Square", "Golden Unicorn 金豐大酒樓"),
        ("Visa", "Amex", "Mastercard"),
        (),
    ),
    Shop(
        "off8",
        "+08:00",
        None,
        "CNY",
        "898310058120777",
        ("深圳华强北电子市场（一期店）",),
        ("UnionPay",),
        ("wechat",),
    ),
    Shop(
        "utc",
        "Z",
        None,
        "USD",
        "US0000000UTC1",
        ("Online Store Z",),
        ("Visa",),
        (),
    ),
)

SCHEME_PREFIX = {
    "UnionPay": (("622202", 19), ("622848", 16), ("621700", 19)),
    "Visa": (("411111", 16), ("453275", 16)),
    "Mastercard": (("515554", 16), ("222300", 16)),
    "Amex": (("378282", 15), ("371449", 15)),
}


def luhn_complete(body: str) -> str:
    """Append the Luhn check digit to ``body``."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def make_pan(rng: random.Random, scheme: str) -> str:
    """A Luhn-valid card number of the scheme."""
    prefix, length = rng.choice(SCHEME_PREFIX[scheme])
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return luhn_complete(body)


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class Row:
    """One journal row as written, with the truth the oracle needs."""

    shop: Shop
    cells: dict[str, str]
    utc: datetime
    full_pan: str | None = None
    pan_form: str = ""  # masked / last4 / full / fullwidth / none
    expect_refusal: str | None = None  # the documented rule that must refuse this row
    refund_mark: str | None = None  # "full" / "partial" when refunds point at this sale
    linked: set[str] = field(default_factory=set)  # txn_ids legitimately printed with this one
    hostile_name: bool = False
    remark_expiry: str | None = None

    @property
    def txn_id(self) -> str:
        return self.cells["txn_id"]


def _amount(rng: random.Random, currency: str) -> int:
    exp = EXPONENT[currency]
    pick = rng.random()
    if pick < 0.06:
        return MAX_MINOR
    if pick < 0.12:
        return MAX_MINOR - rng.randrange(1, 10**6)
    if pick < 0.2:
        return rng.randrange(1, 100)  # coins
    major = rng.choice([rng.randrange(1, 100), rng.randrange(100, 10000), rng.randrange(10000, 10**7)])
    return major * 10**exp + rng.randrange(0, 10**exp)


def _ts(rng: random.Random, shop: Shop) -> datetime:
    """A time near local midnight (or the US DST change), as an aware UTC datetime."""
    day = datetime(2026, 10, 20) + timedelta(days=rng.randrange(0, 35))
    kind = rng.random()
    if kind < 0.35:
        local = day.replace(hour=23, minute=59, second=rng.randrange(0, 60))
    elif kind < 0.6:
        local = day.replace(hour=0, minute=rng.randrange(0, 3), second=rng.randrange(0, 60))
    else:
        local = day.replace(hour=rng.randrange(0, 24), minute=rng.randrange(60), second=rng.randrange(60))
    if shop.zone == "America/New_York" and rng.random() < 0.3:
        # 2026-11-01 01:30 happens twice in New York; the file's offset says which
        fold = rng.randrange(2)
        aware = datetime(2026, 11, 1, 1, 30, rng.randrange(60), tzinfo=ZoneInfo(shop.zone), fold=fold)
        return aware.astimezone(UTC)
    if shop.zone == "+08:00":
        return (local - timedelta(hours=8)).replace(tzinfo=UTC)
    if shop.zone == "Z":
        return local.replace(tzinfo=UTC)
    return local.replace(tzinfo=ZoneInfo(shop.zone)).astimezone(UTC)


def _write_ts(rng: random.Random, shop: Shop, utc: datetime) -> str:
    """The cell as an export might write it: UTC with Z, or the shop's own offset."""
    if shop.zone == "+08:00":
        return (utc + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    if shop.zone == "Z":
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    if rng.random() < 0.4:
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return utc.astimezone(ZoneInfo(shop.zone)).isoformat()


def generate(seed: int, rows_per_shop: int = 6) -> list[Row]:
    """Rows for every shop; txn ids, references and numbers unique across the whole run."""
    rng = random.Random(seed * 7919 + 12)
    rows: list[Row] = []
    used: set[str] = set()

    def unique(make):  # type: ignore[no-untyped-def]
        while True:
            value = make()
            if value not in used:
                used.add(value)
                return value

    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    for shop in SHOPS:
        term = [f"{rng.randrange(10**7, 10**8)}" for _ in range(2)]
        batch = f"{rng.randrange(1, 999):06d}"
        shop_rows: list[Row] = []
        for i in range(rows_per_shop):
            utc = _ts(rng, shop)
            amount = _amount(rng, shop.currency)
            wallet = shop.wallets and rng.random() < 0.3
            name = rng.choice(shop.names)
            cells = {c: "" for c in COLUMNS}
            cells.update(
                txn_id=unique(lambda shop=shop: f"{shop.key.upper()}{digits(8)}"),
                merchant_id=shop.merchant_id,
                merchant_name=name,
                terminal_id=rng.choice(term),
                ts=_write_ts(rng, shop, utc),
                amount_minor=str(amount),
                currency=shop.currency,
                txn_type="sale",
                status="approved",
            )
            row = Row(shop=shop, cells=cells, utc=utc)
            if wallet:
                channel = rng.choice(shop.wallets)
                cells["channel"] = channel
                if channel == "wechat":
                    cells["wallet_txn_id"] = unique(lambda: "42000" + digits(23))
                elif channel == "alipay":
                    cells["wallet_txn_id"] = unique(
                        lambda utc=utc: utc.strftime("%Y%m%d") + "22001" + digits(15)
                    )
                else:
                    cells["rrn"] = unique(lambda: digits(12))
                    cells["stan"] = f"{rng.randrange(1, 999999):06d}"
                cells["order_no"] = unique(lambda utc=utc: "ORD" + utc.strftime("%Y%m%d") + digits(6))
            else:
                scheme = rng.choice(shop.schemes)
                pan = unique(lambda scheme=scheme: make_pan(rng, scheme))
                row.full_pan = pan
                form = rng.choices(["masked", "last4", "full", "fullwidth"], [5, 2, 2, 1])[0]
                row.pan_form = form
                if form == "masked":
                    cells["pan_masked"] = pan[:6] + "*" * (len(pan) - 10) + pan[-4:]
                elif form == "last4":
                    cells["pan_masked"] = "*" * (len(pan) - 4) + pan[-4:]
                elif form == "full":
                    cells["pan_masked"] = pan
                else:
                    cells["pan_masked"] = pan.translate(FULLWIDTH)
                cells.update(
                    channel="card",
                    card_scheme=scheme,
                    auth_code=f"{rng.randrange(0, 999999):06d}",
                    rrn=unique(lambda: digits(12)),
                    stan=unique(lambda: f"{rng.randrange(1, 999999):06d}"),
                    batch_no=batch,
                )
            if i == 1 and shop.key in ("sh", "hk"):
                # a hostile branch name: a card number and its expiry typed into the name
                hostile = make_pan(rng, "Visa")
                cells["merchant_name"] = (
                    f"{name} 卡号 {' '.join(hostile[k : k + 4] for k in range(0, 16, 4))} 有效期 12/28"
                )
                row.hostile_name = True
                row.full_pan = row.full_pan or hostile
                row.cells["_hostile_pan"] = hostile
            if rng.random() < 0.25:
                row.remark_expiry = rng.choice(["EXP 09/27", "有效期 09/27"])
            shop_rows.append(row)
        _links(rng, shop, shop_rows, unique, digits)
        rows.extend(shop_rows)
    return rows


def _links(rng, shop, shop_rows, unique, digits) -> None:  # type: ignore[no-untyped-def]
    """Refunds (partial, full), a void and a declined row: what the reprint rules must do with them."""
    sales = [r for r in shop_rows if r.cells["amount_minor"] not in ("0", "1")]
    if len(sales) < 4:
        return
    partial, full, voided, declined = sales[0], sales[2], sales[3], sales[4 % len(sales)]

    def follow(original: Row, txn_type: str, amount: int, status: str = "approved") -> Row:
        cells = dict(original.cells)
        cells.pop("_hostile_pan", None)
        utc = original.utc + timedelta(hours=rng.randrange(1, 30), seconds=rng.randrange(60))
        cells.update(
            txn_id=original.txn_id + ("R" if txn_type == "refund" else "V") + digits(2),
            ts=_write_ts(rng, shop, utc),
            amount_minor=str(amount),
            txn_type=txn_type,
            status=status,
            original_txn_id=original.txn_id,
            auth_code=f"{rng.randrange(0, 999999):06d}" if cells["auth_code"] else "",
            rrn=unique(lambda: digits(12)) if cells["rrn"] else "",
            stan=unique(lambda: f"{rng.randrange(1, 999999):06d}") if cells["stan"] else "",
            wallet_txn_id=unique(lambda: "50300" + digits(23)) if cells["wallet_txn_id"] else "",
            order_no=unique(lambda: "RFD" + digits(12)) if cells["order_no"] else "",
        )
        row = Row(shop=shop, cells=cells, utc=utc, full_pan=original.full_pan, pan_form=original.pan_form)
        row.hostile_name = original.hostile_name
        row.linked.add(original.txn_id)
        original.linked.add(row.txn_id)
        return row

    amt = int(partial.cells["amount_minor"])
    refund_part = follow(partial, "refund", max(1, amt // 3))
    partial.refund_mark = "partial"
    refund_full = follow(full, "refund", int(full.cells["amount_minor"]))
    full.refund_mark = "full"
    full.expect_refusal = "refunded"
    void = follow(voided, "void", int(voided.cells["amount_minor"]))
    voided.expect_refusal = "voided"
    void.expect_refusal = "voided"
    if declined not in (partial, full, voided):
        declined.cells["status"] = "declined"
        declined.expect_refusal = "declined"
    shop_rows.extend([refund_part, refund_full, void])


def write_journals(rows: list[Row], folder: Path) -> dict[str, Path]:
    """One canonical CSV per shop (UTF-8, line break at the end)."""
    paths: dict[str, Path] = {}
    for shop in SHOPS:
        path = folder / f"journal_{shop.key}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(COLUMNS)
            for r in rows:
                if r.shop is shop:
                    w.writerow([r.cells[c] for c in COLUMNS])
        paths[shop.key] = path
    return paths
