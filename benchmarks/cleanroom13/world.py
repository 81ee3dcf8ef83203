"""The seeded world: a canonical journal (docs/journal.md), a merchant key and typed proofs.

Everything here is written from docs/journal.md ("The canonical journal") and docs/reprint.md; nothing
is read from the library's code.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

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
    "auth_code",
    "rrn",
    "stan",
    "batch_no",
)

SHANGHAI = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Sale:
    """One approved card sale of the journal, with what a customer's proof of it shows."""

    txn_id: str
    ts: datetime
    amount_minor: int
    last4: str
    rrn: str
    stan: str
    terminal_id: str

    def amount_text(self) -> str:
        """The amount as a customer types it (``128.50``)."""
        return f"{self.amount_minor // 100}.{self.amount_minor % 100:02d}"

    def time_text(self) -> str:
        """The proof's time to the second, in Shanghai."""
        return self.ts.strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class World:
    """A journal file, a key and the sales in it."""

    folder: Path
    journal: Path
    key_text: str
    sales: list[Sale]


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def full_pan(rng: random.Random) -> str:
    """A Visa-like 16-digit number with a valid Luhn digit (never a real card: test prefix 4111 11)."""
    body = "411111" + "".join(rng.choice("0123456789") for _ in range(9))
    return body + _luhn_digit(body)


def build(folder: Path, seed: int, n_sales: int = 24) -> World:
    """Write ``journal.csv`` (canonical, ``+08:00`` offsets) with ``n_sales`` distinct card sales."""
    rng = random.Random(seed * 7919 + 13)
    folder.mkdir(parents=True, exist_ok=True)
    start = datetime(2026, 11, 20, 9, 0, 0, tzinfo=SHANGHAI)
    sales: list[Sale] = []
    used_amounts: set[int] = set()
    used_last4: set[str] = set()
    t = start
    for i in range(n_sales):
        t = t + timedelta(minutes=rng.randint(7, 40), seconds=rng.randint(0, 59))
        while True:
            amount = rng.randint(1000, 99999)
            if amount not in used_amounts:
                break
        used_amounts.add(amount)
        while True:
            last4 = f"{rng.randint(0, 9999):04d}"
            if last4 not in used_last4:
                break
        used_last4.add(last4)
        sales.append(
            Sale(
                txn_id=f"S{seed:02d}{i:04d}",
                ts=t,
                amount_minor=amount,
                last4=last4,
                rrn=f"{rng.randint(10**11, 10**12 - 1)}",
                stan=f"{i + 1:06d}",
                terminal_id=rng.choice(["11000001", "11000002"]),
            )
        )
    journal = folder / "journal.csv"
    with journal.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for s in sales:
            w.writerow(
                [
                    s.txn_id,
                    "898310048160001",
                    "Clean Room 13 Cafe",
                    s.terminal_id,
                    s.ts.isoformat(),
                    s.amount_minor,
                    "CNY",
                    "sale",
                    "approved",
                    "card",
                    f"622848******{s.last4}",
                    s.last4,
                    f"{rng.randint(0, 999999):06d}",
                    s.rrn,
                    s.stan,
                    "000045",
                ]
            )
    key_text = "hex:" + f"{rng.getrandbits(256):064x}"
    (folder / "merchant.key").write_text(key_text + "\n", encoding="utf-8")
    (folder / "merchant.key").chmod(0o600)
    return World(folder=folder, journal=journal, key_text=key_text, sales=sales)
