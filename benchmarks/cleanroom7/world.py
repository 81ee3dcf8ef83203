"""The shop over two periods: a journal, terminals whose clocks are off, and a month of proofs.

Written from ../shared/FIELD-GUIDE-PROOFS.md (sections 1, 4, 5, 6) and the public docs only (docs/journal.md
for the canonical journal columns, docs/proofs.md for the canonical proofs file); not from the library's code.

Terminal clocks (field guide 6): most right to within a minute, one a few minutes fast, one hours off (set to
UTC, or to a neighbour zone), one a minute or two fast that is replaced after period 1 (its successor's clock is
right). Card rows carry the terminal's clock; QR rows (WeChat Pay, Alipay, UnionPay QR) the channel's payment
time (field guide 6, the aggregator's ``trans_time``). After period 1 each off terminal's clock is either left as
it was or set right (the terminal's sign-on overwrote it with host time, field guide 6, openpos ``logon.c``).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

SHANGHAI = timezone(timedelta(hours=8))
MERCHANT_ID = "898310058127701"
MERCHANT_NAME = "阿娘面馆(长乐路店)"
CURRENCY = "CNY"
P1_START = date(2026, 11, 2)
P1_DAYS = 28  # 2 .. 29 November
P2_START = P1_START + timedelta(days=P1_DAYS)  # 30 November
P2_DAYS = 6  # 30 November .. 5 December
OPEN_H, CLOSE_H = 10, 22
MENU = [
    1800,
    2200,
    2600,
    2800,
    3200,
    3500,
    3800,
    4200,
    4500,
    4800,
    5600,
    6400,
    6800,
    8800,
    9600,
    12800,
]

JOURNAL_COLUMNS = [
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
    "acquirer",
    "entry_mode",
    "auth_code",
    "rrn",
    "stan",
    "batch_no",
    "wallet_txn_id",
    "order_no",
    "operator_id",
    "aid",
    "app_label",
    "original_txn_id",
]
PROOF_COLUMNS = [
    "proof_id",
    "kind",
    "ts",
    "ts_precision",
    "ts_end",
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
]
BINS = ["622202", "622848", "621700", "625807", "436742", "518710", "622588", "620522"]


@dataclass
class Terminal:
    """A terminal, its clock in period 1 and what happened to it after."""

    tid: str
    offset_s: int  # its clock less the true time, in period 1 (card rows)
    fate: str  # "same": the clock kept its offset; "set_right": set right after period 1; "replaced"
    successor: str | None = None


@dataclass
class Sale:
    """One journal row, with the truth beside it."""

    txn_id: str
    terminal: str
    true_ts: datetime
    amount_minor: int
    channel: str
    status: str = "approved"
    txn_type: str = "sale"
    last4: str = ""
    pan_masked: str = ""
    rrn: str = ""
    stan: str = ""
    auth_code: str = ""
    wallet_txn_id: str = ""
    order_no: str = ""
    original_txn_id: str = ""
    period: int = 1
    planted: bool = False  # a stranger's sale placed by a session

    def logged(self, terminals: dict[str, Terminal], *, export: str) -> datetime:
        """The time the journal shows: the terminal's clock for card rows, the channel's for QR rows.

        ``export`` is ``"grow"`` (the journal as the terminals wrote it) or ``"fixed:<tid>"`` (a vendor
        re-export with that terminal's card times corrected).
        """
        if self.channel != "card":
            return self.true_ts
        t = terminals[self.terminal]
        if export == f"fixed:{t.tid}":
            return self.true_ts
        if self.period == 2 and t.fate == "set_right":
            return self.true_ts
        return self.true_ts + timedelta(seconds=t.offset_s)


@dataclass
class World:
    """Everything a seed generates."""

    seed: int
    terminals: dict[str, Terminal]
    sales: list[Sale]
    p1_proofs: list[dict[str, str]]
    fixed_terminal: str  # the terminal whose times the vendor's re-export corrects
    replaced: str
    successor: str
    rng: random.Random = field(repr=False)

    def by_id(self) -> dict[str, Sale]:
        return {s.txn_id: s for s in self.sales}

    def write_journal(self, path: Path, *, periods: tuple[int, ...], export: str) -> None:
        """Write the canonical journal CSV (docs/journal.md), times with their +08:00 offset."""
        rows = [s for s in self.sales if s.period in periods]
        rows.sort(key=lambda s: (s.logged(self.terminals, export=export), s.txn_id))
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(JOURNAL_COLUMNS)
            for s in rows:
                ts = s.logged(self.terminals, export=export)
                card = s.channel == "card"
                w.writerow(
                    [
                        s.txn_id,
                        MERCHANT_ID,
                        MERCHANT_NAME,
                        s.terminal,
                        ts.isoformat(),
                        s.amount_minor,
                        CURRENCY,
                        s.txn_type,
                        s.status,
                        s.channel,
                        s.pan_masked,
                        s.last4,
                        ("银联" if s.pan_masked.startswith("62") else "Visa") if card else "",
                        "",
                        "银联商务",
                        "插卡" if card else "",
                        s.auth_code,
                        s.rrn,
                        s.stan,
                        "000031" if card else "",
                        s.wallet_txn_id,
                        s.order_no,
                        "01",
                        "",
                        "",
                        s.original_txn_id,
                    ]
                )

    def write_proofs(self, path: Path) -> None:
        """Write the month's proofs as a canonical proofs CSV (docs/proofs.md)."""
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=PROOF_COLUMNS)
            w.writeheader()
            for p in self.p1_proofs:
                w.writerow(p)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def wechat_number(rng: random.Random, day: date) -> str:
    """A merchant payment's 交易单号: 4200 + 6 digits + YYYYMMDD + 10 digits (field guide 4.2)."""
    return "4200" + _digits(rng, 6) + day.strftime("%Y%m%d") + _digits(rng, 10)


def alipay_number(rng: random.Random, day: date) -> str:
    """An Alipay TRADE 订单号: YYYYMMDD + 20 digits, 28 in all (field guide 4.4)."""
    return day.strftime("%Y%m%d") + "2200" + _digits(rng, 16)


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.n = 0
        self.stan: dict[str, int] = {}
        self.rng = rng
        self.rrns: set[str] = set()

    def txn(self) -> str:
        self.n += 1
        return f"T{self.n:08d}"

    def next_stan(self, tid: str) -> str:
        self.stan[tid] = self.stan.get(tid, 0) + 1
        return f"{self.stan[tid]:06d}"

    def rrn(self) -> str:
        while True:
            r = _digits(self.rng, 12)
            if r not in self.rrns:
                self.rrns.add(r)
                return r


def make_sale(
    rng: random.Random,
    ids: _Ids,
    *,
    terminal: str,
    true_ts: datetime,
    amount_minor: int,
    channel: str,
    period: int,
    last4: str | None = None,
    planted: bool = False,
) -> Sale:
    """One approved sale with the identifiers its channel carries."""
    s = Sale(
        txn_id=ids.txn(),
        terminal=terminal,
        true_ts=true_ts,
        amount_minor=amount_minor,
        channel=channel,
        period=period,
        planted=planted,
    )
    if channel == "card":
        s.last4 = last4 or _digits(rng, 4)
        s.pan_masked = rng.choice(BINS) + "******" + s.last4
        s.rrn = ids.rrn()
        s.stan = ids.next_stan(terminal)
        s.auth_code = _digits(rng, 6)
    elif channel == "wechat":
        s.wallet_txn_id = wechat_number(rng, true_ts.date())
        s.order_no = "ANM" + true_ts.strftime("%Y%m%d") + _digits(rng, 8)
    elif channel == "alipay":
        s.wallet_txn_id = alipay_number(rng, true_ts.date())
        s.order_no = "ANM" + true_ts.strftime("%Y%m%d") + _digits(rng, 8)
    else:  # unionpay_qr
        s.rrn = ids.rrn()
        s.order_no = "ANM" + true_ts.strftime("%Y%m%d") + _digits(rng, 8)
    return s


def _open_time(rng: random.Random, day: date) -> datetime:
    # lunch and dinner peaks
    if rng.random() < 0.45:
        h = rng.uniform(11.0, 13.5)
    elif rng.random() < 0.7:
        h = rng.uniform(17.5, 21.0)
    else:
        h = rng.uniform(OPEN_H, CLOSE_H - 0.05)
    base = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
    return base + timedelta(seconds=int(h * 3600))


def build(seed: int, *, per_day: int = 110) -> World:
    """Generate the shop, its terminals, both periods' sales and period 1's month of proofs."""
    rng = random.Random(7000 + seed)
    # a clock set to UTC (8 h behind Shanghai), to UTC+1 (7 h behind), or to Tokyo (1 h ahead)
    hours_off = rng.choice([-28800, -28800, -25200, 3600])
    hours_off += rng.randint(-40, 40)
    fast = rng.randint(240, 660)
    # one of the two off terminals is set right after period 1, the other keeps its clock
    fates = ["same", "set_right"]
    rng.shuffle(fates)
    terminals = {
        "31000001": Terminal("31000001", fast, fates[0]),
        "31000002": Terminal("31000002", hours_off, fates[1]),
        "31000003": Terminal("31000003", rng.randint(-20, 20), "same"),
        "31000004": Terminal("31000004", rng.randint(70, 170), "replaced", successor="31000005"),
        "31000005": Terminal("31000005", rng.randint(-10, 10), "same"),
    }
    fixed = "31000001" if fates[0] == "same" else "31000002"
    ids = _Ids(rng)
    sales: list[Sale] = []
    for period, start, days in ((1, P1_START, P1_DAYS), (2, P2_START, P2_DAYS)):
        tids = ["31000001", "31000002", "31000003", "31000004" if period == 1 else "31000005"]
        for d in range(days):
            day = start + timedelta(days=d)
            for _ in range(int(per_day * rng.uniform(0.8, 1.2))):
                channel = rng.choices(["card", "wechat", "alipay", "unionpay_qr"], [45, 30, 20, 5])[0]
                tid = rng.choices(tids, [30, 25, 25, 20])[0]
                amount = rng.choice(MENU) + rng.choice([0, 0, 0, 0, 300, 600, 1000])
                s = make_sale(
                    rng,
                    ids,
                    terminal=tid,
                    true_ts=_open_time(rng, day),
                    amount_minor=amount,
                    channel=channel,
                    period=period,
                )
                r = rng.random()
                if r < 0.02:
                    s.status = "declined"
                sales.append(s)
                if r > 0.99 and s.status == "approved":
                    ref = make_sale(
                        rng,
                        ids,
                        terminal=tid,
                        true_ts=s.true_ts + timedelta(minutes=rng.randint(3, 40)),
                        amount_minor=amount,
                        channel=channel,
                        period=period,
                        last4=s.last4 or None,
                    )
                    ref.txn_type = "refund"
                    ref.original_txn_id = s.txn_id
                    ref.pan_masked, ref.wallet_txn_id = s.pan_masked, s.wallet_txn_id
                    sales.append(ref)
    world = World(seed, terminals, sales, [], fixed, "31000004", "31000005", rng)
    return world


def make_p1_proofs(world: World, share: float = 0.12) -> None:
    """A month of customers' proofs of period 1 (card SMS to the minute, wallet records, a few issuer screens)."""
    rng = world.rng
    out: list[dict[str, str]] = []
    n = 0
    for s in world.sales:
        if s.period != 1 or s.status != "approved" or s.txn_type != "sale" or rng.random() > share:
            continue
        n += 1
        row = {c: "" for c in PROOF_COLUMNS}
        row.update(
            proof_id=f"P{n:05d}",
            amount_minor=str(s.amount_minor),
            currency=CURRENCY,
            direction="debit",
            date=s.true_ts.date().isoformat(),
        )
        if s.channel == "card":
            if (
                rng.random() < 0.85
            ):  # a card SMS: the minute, the last 4, no shop (ICBC 银联消费, field guide 1.1)
                minute = s.true_ts.replace(second=0)
                row.update(kind="sms", ts=minute.isoformat(), ts_precision="minute", card_last4=s.last4)
            else:  # an issuer app's detail: seconds, last 4 and the reference
                row.update(
                    kind="issuer_app",
                    ts=s.true_ts.isoformat(),
                    ts_precision="second",
                    card_last4=s.last4,
                    reference=s.rrn,
                    merchant_text=MERCHANT_NAME,
                )
        elif s.channel in ("wechat", "alipay"):
            row.update(
                kind="wallet",
                ts=s.true_ts.isoformat(),
                ts_precision="second",
                merchant_text=MERCHANT_NAME,
                wallet_txn_id=s.wallet_txn_id,
                order_no=s.order_no if rng.random() < 0.5 else "",
            )
        else:
            minute = s.true_ts.replace(second=0)
            row.update(
                kind="issuer_app", ts=minute.isoformat(), ts_precision="minute", merchant_text=MERCHANT_NAME
            )
        out.append(row)
    # a few payments made elsewhere (a mall's other shops): not in this journal
    for _ in range(max(3, len(out) // 30)):
        n += 1
        day = P1_START + timedelta(days=rng.randrange(P1_DAYS))
        t = _open_time(rng, day).replace(second=0)
        row = {c: "" for c in PROOF_COLUMNS}
        row.update(
            proof_id=f"P{n:05d}",
            kind="sms",
            ts=t.isoformat(),
            ts_precision="minute",
            date=day.isoformat(),
            amount_minor=str(rng.choice(MENU) + 50),
            currency=CURRENCY,
            direction="debit",
            card_last4=_digits(rng, 4),
        )
        out.append(row)
    world.p1_proofs = out
