"""The shop: a journal in the documented canonical layout, a merchant key, an audit log and genuine reprints."""

from __future__ import annotations

import csv
import hashlib
import random
import re
import shutil
import socket
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import receiptkit as rk

from .cases import run_cli

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
    "auth_code",
    "rrn",
    "stan",
    "batch_no",
    "original_txn_id",
]

NAMES = [
    "海底捞火锅(三里屯店)",
    "全家便利店(望京SOHO店)",
    "瑞幸咖啡(国贸店)",
    "Corner Books",
    "喜茶(静安寺店)",
]


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    """A Luhn-valid card number of ``length`` digits starting with ``prefix``."""
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    for last in "0123456789":
        digits = body + last
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = int(ch)
            if i % 2 == 1:
                d = d * 2 - 9 if d * 2 > 9 else d * 2
            total += d
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


@dataclass
class Dup:
    """One genuine reprint as the bench made it."""

    txn_id: str
    reprint_no: int
    short_code: str
    payload: str
    state: str  # printed / unconfirmed / failed
    outputs: dict[str, Path] = field(default_factory=dict)
    last4: str = ""
    amount_minor: int = 0
    full_pan: str = ""
    note: str = ""


@dataclass
class Shop:
    """A shop's folder, key, journal and genuine duplicates."""

    name: str
    folder: Path
    key_text: str
    merchant_id: str
    rows: list[dict[str, str]]
    dups: list[Dup] = field(default_factory=list)
    full_pans: set[str] = field(default_factory=set)
    cli_texts: list[tuple[str, str]] = field(default_factory=list)
    fingerprint: str = ""
    refused_txn: str = ""
    voided_txn: str = ""
    partial_txn: str = ""
    lost_terminal: str = ""

    @property
    def key_file(self) -> Path:
        return self.folder / "a.key"

    @property
    def log(self) -> Path:
        return self.folder / "receiptkit-audit.sqlite"

    @property
    def journal(self) -> Path:
        return self.folder / "journal.csv"

    def row(self, txn_id: str) -> dict[str, str]:
        return next(r for r in self.rows if r["txn_id"] == txn_id)


def make_rows(
    rng: random.Random, prefix: str, merchant_id: str, n_sales: int
) -> tuple[list[dict[str, str]], set[str]]:
    """Sales (one with a full card number in pan_masked), a declined attempt, a void and a partial refund."""
    name = rng.choice(NAMES)
    terminals = [f"{rng.randint(10, 19)}00000{i}" for i in (1, 2)]
    rows: list[dict[str, str]] = []
    full: set[str] = set()
    stan = rng.randint(100, 800)
    for i in range(n_sales):
        day = rng.randint(1, 28)
        ts = f"2026-11-{day:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}+08:00"
        pan = luhn_complete(rng.choice(["622588", "622848", "411111", "524863"]), 16, rng)
        stan += 1
        row = {
            "txn_id": f"{prefix}{i + 1:05d}",
            "merchant_id": merchant_id,
            "merchant_name": name,
            "terminal_id": rng.choice(terminals),
            "ts": ts,
            "amount_minor": str(rng.choice([1, 5, 10, 50]) * rng.randint(100, 9000)),
            "currency": "CNY",
            "txn_type": "sale",
            "status": "approved",
            "channel": "card",
            "pan_masked": pan[:6] + "******" + pan[-4:],
            "auth_code": f"{rng.randint(0, 999999):06d}",
            "rrn": f"{rng.randint(10**11, 10**12 - 1)}",
            "stan": f"{stan:06d}",
            "batch_no": "000045",
            "original_txn_id": "",
        }
        if i == n_sales - 1:  # a hostile journal: the whole card number in pan_masked
            row["pan_masked"] = pan
            full.add(pan)
        rows.append(row)
    declined = dict(rows[0], txn_id=f"{prefix}D0001", status="declined", stan=f"{stan + 1:06d}", auth_code="")
    voided_sale = rows[1]
    void = dict(
        voided_sale,
        txn_id=f"{prefix}V0001",
        txn_type="void",
        original_txn_id=voided_sale["txn_id"],
        stan=f"{stan + 2:06d}",
        rrn=f"{rng.randint(10**11, 10**12 - 1)}",
    )
    part = rows[2]
    refund = dict(
        part,
        txn_id=f"{prefix}R0001",
        txn_type="refund",
        original_txn_id=part["txn_id"],
        amount_minor=str(int(part["amount_minor"]) // 2),
        ts=_later(part["ts"]),
        stan=f"{stan + 3:06d}",
        rrn=f"{rng.randint(10**11, 10**12 - 1)}",
    )
    return [*rows, declined, void, refund], full


def _later(ts: str) -> str:
    """The same time on the next day (or the 28th's next day), as a refund a day later."""
    m = re.match(r"2026-11-(\d\d)(.*)", ts)
    assert m
    return f"2026-11-{min(int(m.group(1)) + 1, 29):02d}{m.group(2)}"


def merchant_id_of(rows: list[dict[str, str]]) -> str:
    return rows[0]["merchant_id"]


def write_journal(path: Path, rows: list[dict[str, str]]) -> None:
    """The canonical journal as CSV (docs/journal.md: canonical column names, amount_minor, tz-aware ts)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)


def closed_port() -> int:
    """A local port with nothing listening (a printer that cannot be reached)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _api_reprint(shop: Shop, journal: Any, txn: str, **kw: Any) -> Dup:
    row = journal[journal.txn_id == txn].iloc[0]
    jrow = shop.row(txn)
    pan = jrow["pan_masked"]
    try:
        rec = rk.reprint(
            row,
            journal=journal,
            operator=kw.pop("operator", "clerk7"),
            reason=kw.pop("reason", "customer lost the slip"),
            audit=str(shop.log),
            key=shop.key_text,
            **kw,
        )
        state = rec.status
    except rk.PrintUnconfirmed as exc:
        rec = exc.record
        state = "unconfirmed"
    except rk.PrinterError as exc:
        # the attempt has a number and a code in the log (docs/reprint.md, "Order of events")
        rows = rk.AuditLog(str(shop.log), create=False, key=shop.key_text).rows(
            event_type="reprint", subject=txn
        )
        att = rows[rows.short_code.notna()].iloc[-1]
        return Dup(
            txn,
            int(att["reprint_no"]),
            str(att["short_code"]),
            payload_from_log(rows, str(att["short_code"])),
            "failed",
            last4=pan[-4:],
            amount_minor=int(jrow["amount_minor"]),
            note=str(exc)[:120],
        )
    outs = {k: Path(v) for k, v in (rec.paths or {}).items()}
    return Dup(
        txn,
        rec.reprint_no,
        rec.short_code,
        rec.qr_payload,
        state,
        outs,
        last4=pan[-4:],
        amount_minor=int(jrow["amount_minor"]),
        full_pan=pan if pan in shop.full_pans else "",
    )


def build_shop(root: Path, name: str, seed: int, *, full: bool) -> Shop:
    """Make the shop's folder and its genuine history (``full``: every kind of reprint, else two)."""
    rng = random.Random(f"cleanroom11-{name}-{seed}")
    folder = root / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    key_text = "hex:" + hashlib.sha256(f"cr11 key {name} {seed}".encode()).hexdigest()
    merchant_id = f"898{rng.randint(10**11, 10**12 - 1)}"
    rows, full_pans = make_rows(rng, "A" if name == "shopA" else "B", merchant_id, 9 if full else 4)
    shop = Shop(name, folder, key_text, merchant_id, rows, full_pans=full_pans)
    shop.key_file.write_text(key_text + "\n")
    shop.key_file.chmod(0o600)
    write_journal(shop.journal, rows)
    sales = [r["txn_id"] for r in rows if r["txn_type"] == "sale" and r["status"] == "approved"]
    shop.voided_txn, shop.partial_txn = sales[1], sales[2]
    first = sales[3]
    # the first reprint ever, through the command line as the README shows it
    res = run_cli(
        [
            "reprint",
            first,
            "--journal",
            "journal.csv",
            "--operator",
            "clerk7",
            "--reason",
            "customer lost the slip",
            "--pdf",
            "d_cli.pdf",
            "--png",
            "d_cli.png",
            "--new-audit-log",
            "--tz",
            "Asia/Shanghai",
        ],
        folder,
        shop.key_file,
    )
    if res.code != 0:
        raise RuntimeError(f"genuine first reprint failed ({res.code}): {res.text}")
    m = re.search(r"verification code ([A-Z2-7]{5}-[A-Z2-7]{5})", res.out)
    assert m, res.out
    fp = re.search(r"public key ([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})", res.out)
    shop.fingerprint = fp.group(1) if fp else ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        journal = rk.read_journal(str(shop.journal))
    log = rk.AuditLog(str(shop.log), create=False, key=shop.key_text)
    att = log.rows(event_type="reprint", subject=first)
    code = m.group(1)
    shop.dups.append(
        Dup(
            first,
            1,
            code,
            payload_from_log(att, code),
            "printed",
            {"pdf": folder / "d_cli.pdf", "png": folder / "d_cli.png"},
            last4=shop.row(first)["pan_masked"][-4:],
            amount_minor=int(shop.row(first)["amount_minor"]),
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shop.dups.append(
            _api_reprint(
                shop, journal, sales[0], pdf=folder / "d_s0.pdf", outputs={"escpos": folder / "d_s0.bin"}
            )
        )
        if not full:
            _export_public(shop)
            return shop
        shop.dups.append(_api_reprint(shop, journal, first, pdf=folder / "d_cli2.pdf", operator="li"))
        # an older copy of the log, for roll-backs
        snap = folder / "old"
        snap.mkdir()
        for f in (shop.log, shop.log.with_name(shop.log.name + ".head")):
            shutil.copy2(f, snap / f.name)
        # a one-way printer: unconfirmed, then the clerk confirms it
        d = _api_reprint(shop, journal, sales[4], printer=f"file:{folder / 'd_s4.bin'}")
        d.outputs["escpos"] = folder / "d_s4.bin"
        res = run_cli(
            ["audit", "confirm", d.short_code, "--operator", "clerk9", "--note", "slip in hand"],
            folder,
            shop.key_file,
        )
        if res.code != 0:
            raise RuntimeError(f"audit confirm failed ({res.code}): {res.text}")
        d.state = "printed"
        d.note = "confirmed by the clerk"
        shop.dups.append(d)
        # left unconfirmed
        d = _api_reprint(shop, journal, sales[5], printer=f"file:{folder / 'd_s5.bin'}")
        d.outputs["escpos"] = folder / "d_s5.bin"
        shop.dups.append(d)
        # a printer that cannot be reached: a failed attempt, with a number and a code
        shop.dups.append(_api_reprint(shop, journal, sales[6], printer=f"tcp://127.0.0.1:{closed_port()}"))
        # refused by a rule: declined
        declined = next(r["txn_id"] for r in rows if r["status"] == "declined")
        try:
            _api_reprint(shop, journal, declined, pdf=folder / "d_declined.pdf")
        except rk.ReprintRefused:
            shop.refused_txn = declined
        # the sale whose pan_masked held the whole card number, to PDF and ESC/POS
        shop.dups.append(
            _api_reprint(
                shop, journal, sales[-1], pdf=folder / "d_pan.pdf", outputs={"escpos": folder / "d_pan.bin"}
            )
        )
        # a partly refunded sale
        shop.dups.append(_api_reprint(shop, journal, shop.partial_txn, pdf=folder / "d_part.pdf"))
        # the terminal register lives in the same log: a terminal reported lost after every sale
        import datetime as _dt

        reg = rk.Terminals(str(shop.log), key=shop.key_text)
        tid = rows[0]["terminal_id"]
        reg.add(
            tid,
            operator="li",
            merchant_id=merchant_id_of(rows),
            model="PAX A920",
            serial_no="SN1",
            acquirer="UnionPay",
        )
        lost_at = _dt.datetime(2026, 11, 30, 12, 0, tzinfo=_dt.timezone(_dt.timedelta(hours=8)))
        reg.report_lost(tid, at=lost_at, operator="li", note="stolen from the counter")
        shop.lost_terminal = tid
        res = run_cli(["audit", "head", "--out", "anchor.head"], folder, shop.key_file)
        if res.code != 0:
            raise RuntimeError(f"audit head failed: {res.text}")
        res = run_cli(["audit", "export", "backup.jsonl"], folder, shop.key_file)
        if res.code != 0:
            raise RuntimeError(f"audit export failed: {res.text}")
        # one more after the anchor, through the command line, the clerk typing a whole card number in the reason
        typed_pan = luhn_complete("622848", 16, rng)
        shop.full_pans.add(typed_pan)
        res = run_cli(
            [
                "reprint",
                sales[7],
                "--journal",
                "journal.csv",
                "--operator",
                "clerk7",
                "--reason",
                f"customer lost slip of card {typed_pan}",
                "--pdf",
                "d_s7.pdf",
                "--tz",
                "Asia/Shanghai",
            ],
            folder,
            shop.key_file,
        )
        shop.cli_texts.append((res.command(), res.text))
        m = re.search(r"verification code ([A-Z2-7]{5}-[A-Z2-7]{5})", res.out)
        if res.code != 0 or not m:
            raise RuntimeError(f"genuine last reprint failed ({res.code}): {res.text}")
        att = rk.AuditLog(str(shop.log), create=False, key=shop.key_text).rows(
            event_type="reprint", subject=sales[7]
        )
        shop.dups.append(
            Dup(
                sales[7],
                1,
                m.group(1),
                payload_from_log(att, m.group(1)),
                "printed",
                {"pdf": folder / "d_s7.pdf"},
                last4=shop.row(sales[7])["pan_masked"][-4:],
                amount_minor=int(shop.row(sales[7])["amount_minor"]),
            )
        )
    _export_public(shop)
    return shop


def _export_public(shop: Shop) -> None:
    res = run_cli(["key", "export-public", "merchant.pem"], shop.folder, shop.key_file)
    if res.code != 0:
        raise RuntimeError(f"key export-public failed: {res.text}")


def payload_from_log(attempts: Any, code: str) -> str:
    """The QR payload as docs/reprint.md spells it, from the fields the log keeps (RK2|16 fields|HMAC|fp|sig)."""
    import json
    from urllib.parse import quote

    row = attempts[attempts.short_code == code].iloc[0]
    det = json.loads(row["details"])
    order = [
        "txn_id",
        "merchant_id",
        "terminal_id",
        "ts",
        "amount_minor",
        "currency",
        "txn_type",
        "status",
        "card_last4",
        "auth_code",
        "rrn",
        "stan",
        "batch_no",
        "wallet_txn_id",
        "reprint_no",
        "printed_at",
    ]

    def enc(v: str) -> str:
        if any(c in v for c in "|%") or any(ord(c) > 127 for c in v):
            return quote(v, safe="")
        return v

    fields = [enc(str(det["fields"].get(k) or "")) for k in order]
    fp = det["key_fingerprint"].replace("-", "")
    return "|".join(["RK2", *fields, det["mac"], fp, det["signature"]])
