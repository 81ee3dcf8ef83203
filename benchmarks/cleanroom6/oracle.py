"""The oracle: which sale a careful clerk with the same evidence could single out, and what a duplicate
must show. Independent of receiptkit: it reads the generator's own sales, decodes ESC/POS with
``escpos.decode`` and PDF text with pypdf.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from .escpos import decode
from .sessions import Evidence
from .world import Sale, World

CLOCK_TOLERANCE = timedelta(minutes=10)  # a clerk allows for a terminal clock a few minutes off


def consistent(s: Sale, ev: Evidence) -> bool:
    """Whether a journal sale fits the evidence as a careful clerk reads it (on the printed/logged time)."""
    if s.txn_type != "sale" or s.status != "approved" or ev.other_merchant:
        return False
    if ev.amount_minor is not None and (s.amount_minor != ev.amount_minor or s.currency != ev.currency):
        return False
    if ev.last4 and (s.channel != "card" or s.customer is None or s.customer.last4 != ev.last4):
        return False
    if ev.wallet_txn:
        if "…" in ev.wallet_txn:
            head, tail = ev.wallet_txn.split("…")
            if not (s.wallet_txn_id.startswith(head) and s.wallet_txn_id.endswith(tail)):
                return False
        elif s.wallet_txn_id != ev.wallet_txn:
            return False
    return ev.lo - CLOCK_TOLERANCE <= s.logged_time <= ev.hi + CLOCK_TOLERANCE


def clerk(w: World, ev: Evidence | None) -> list[Sale]:
    if ev is None:
        return []
    return [s for s in w.sales if consistent(s, ev)]


@dataclass
class SlipCheck:
    problems: list[str] = field(default_factory=list)
    reprint_no: int | None = None
    qr: str | None = None
    text_chars: int = 0


CUR_MARK = {"CNY": ("RMB", "CNY", "￥", "¥"), "HKD": ("HKD", "HK$")}


def pdf_text(path: Path) -> str:
    try:
        import pypdf
    except ImportError:  # pragma: no cover - pypdf is in the shared venv
        return ""
    reader = pypdf.PdfReader(str(path))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _luhn_ok(d: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(d)):
        v = int(ch)
        if i % 2 == 1:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return total % 10 == 0


def check_text(text: str, s: Sale, what: str) -> SlipCheck:
    """Field checks on a duplicate's text: sale, amount and currency, local time, card, duplicate mark."""
    c = SlipCheck(text_chars=len(text))
    flat = re.sub(r"\s+", "", text)
    if not text.strip():
        c.problems.append(f"{what}: no text")
        return c
    if "重打印" not in text and "DUPLICATE" not in text.upper():
        c.problems.append(f"{what}: not marked as a duplicate")
    ref = s.rrn or s.wallet_txn_id
    if ref and ref not in flat:
        c.problems.append(f"{what}: reference {ref} of {s.txn_id} not shown")
    if s.stan and s.channel == "card" and s.stan not in flat:
        c.problems.append(f"{what}: voucher no {s.stan} not shown")
    amt = f"{s.amount_minor // 100}.{s.amount_minor % 100:02d}"
    amounts = set(re.findall(r"(?<![\d.])\d{1,6}\.\d{2}(?![\d])", text))
    if amt not in amounts:
        c.problems.append(f"{what}: amount {amt} not shown (amounts seen: {sorted(amounts)})")
    others = {a for a in amounts if a != amt}
    if others:
        c.problems.append(f"{what}: other amounts printed: {sorted(others)}")
    if not any(m in text for m in CUR_MARK[s.currency]):
        c.problems.append(f"{what}: currency {s.currency} not shown")
    for cur, marks in CUR_MARK.items():
        if cur != s.currency and any(
            re.search(re.escape(m) + r"\s?\d", text) for m in marks if m not in ("￥", "¥")
        ):
            c.problems.append(f"{what}: another currency's mark ({cur}) beside an amount")
    lt = s.logged_time
    want = [lt.strftime(f"%Y{sep}%m{sep}%d %H:%M:%S") for sep in "/-"] + [
        lt.strftime("%Y年%m月%d日 %H:%M:%S")
    ]
    # the date and the time on one line, or on two (the international card template: DATE: / TIME:)
    split = any(lt.strftime(f"%Y{sep}%m{sep}%d") in text for sep in "/-") and lt.strftime("%H:%M:%S") in text
    if not any(x in text for x in want) and not split:
        times = re.findall(r"\d{4}[/-]\d{2}[/-]\d{2} \d{2}:\d{2}(?::\d{2})?", text)
        c.problems.append(f"{what}: local time {want[0]} not shown (times seen: {times})")
    if s.customer is not None and s.channel == "card":
        pan = s.customer.pan
        if pan in flat:
            c.problems.append(f"{what}: FULL CARD NUMBER {pan[:6]}…{pan[-4:]} printed")
        for masked in re.findall(r"\d*\*[*\d ]*\d+", text):
            m2 = re.fullmatch(r"(\d*)[* ]+(\d+)", masked.strip())
            head, tail = (m2.group(1), m2.group(2)) if m2 else (masked, "")
            if not m2 or len(head) > 6 or len(tail) > 4 or not pan.startswith(head) or not pan.endswith(tail):
                c.problems.append(
                    f"{what}: card shown as {masked.strip()!r}: more than first 6 + last 4, or not this card"
                )
        if pan[-4:] not in flat:
            c.problems.append(f"{what}: card's last 4 not shown")
    for run in re.findall(r"\d{13,19}", text):
        card_like = _luhn_ok(run) and run[0] in "3456" and len(run) in (16, 19)
        if card_like and not (s.wallet_txn_id and run in s.wallet_txn_id) and run != s.order_no:
            c.problems.append(f"{what}: a card-like number {run[:6]}…{run[-4:]} printed")
    if re.search(r"(有效期|EXP)[^\n]{0,6}\d{2}\s*/\s*\d{2}", text):
        c.problems.append(f"{what}: an expiry date printed")
    m = re.search(r"(?:REPRINT|重打印次数)[^\d\n]{0,12}(\d+)", text)
    c.reprint_no = int(m.group(1)) if m else None
    return c


def check_escpos(path: Path, s: Sale) -> SlipCheck:
    d = decode(path.read_bytes())
    c = check_text(d.text, s, "escpos")
    if d.unknown:
        c.problems.append(f"escpos: commands my decoder does not know: {d.unknown[:3]}")
    if not d.cut:
        c.problems.append("escpos: no paper cut")
    c.qr = d.qr[0] if d.qr else None
    if d.rasters and not d.text.strip():
        c.problems.append("escpos: all text is raster (nothing to decode)")
    return c


def check_qr(payload: str, s: Sale) -> list[str]:
    """The QR payload's fields (docs/reprint.md 'What the code covers') against the sale."""
    parts = payload.split("|")
    if len(parts) < 17 or not parts[0].startswith("RK"):
        return [f"qr: not an RK payload ({payload[:20]}…)"]
    f = parts[1:17]
    probs = []
    utc = s.logged_time.astimezone(tz=None).astimezone(__import__("datetime").timezone.utc)
    want = {
        0: s.txn_id,
        2: s.terminal.tid,
        3: utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        4: str(s.amount_minor),
        5: s.currency,
    }
    for i, v in want.items():
        if f[i] != v:
            probs.append(f"qr: field {i} is {f[i]!r}, the sale's is {v!r}")
    if s.customer is not None and s.customer.pan in payload:
        probs.append("qr: FULL CARD NUMBER in the payload")
    return probs
