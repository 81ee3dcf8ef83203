"""Generator of clean room 9: one merchant's truth and the sources that arrive after a terminal is lost.

Truth: terminals A (lost, then replaced by B) and C (closed at the end), card, WeChat Pay, Alipay and
UnionPay QR sales at a few popular prices, declines with approved retries, voids, refunds of earlier days,
two sales of one amount a minute apart, a host reversal the terminal logged as approved, the thief's
transactions on A after the loss, QR payments by static code between the loss and the replacement.

Sources (layouts from docs/journal.md, docs/closing.md and samples/FORMATS.md):

- ``acquirer_detail.csv``: the acquirer's detail (unionpay_terminal layout, UTF-8 with BOM, host clock,
  card and UnionPay QR only, 清算日期 next day after 23:00, RRN unique within a settlement day only,
  one row of another merchant's terminal);
- ``terminal_A_export.csv``: A's last back-office export (GBK, title line, unionpay_terminal layout): only
  up to its last sync, on A's own clock (field guide 6: mostly within a minute, a tail of hours, rarely
  days), some RRNs and wallet numbers missing, some full card numbers;
- ``wechat_bill.csv``: WeChat Pay merchant trade bill (backtick cells, server clock, one row written twice,
  one row of another sub-merchant); ``wechat_bill_clean.csv`` is the same without the repeated row;
- ``alipay_bill.csv``: Alipay merchant bill (GBK, ``#`` preamble and trailer, ids ending with a tab);
- ``settlement.csv``: 结算明细 (GBK, one line per terminal batch and channel; one of C's batches missing,
  one of C's lines overcharged);
- ``bank.csv``: the merchant's CMB debit statement: the payouts of C's lines and one unrelated credit.

``truth.json`` holds the truth and the map from every written data row to its transaction.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

TZ = "Asia/Shanghai"
PRICES = [2500, 3600, 1990, 4560, 12850, 880, 3200, 5800, 1500, 6600]
CHANNELS = ["card", "wechat", "alipay", "unionpay_qr"]
CHANNEL_P = [0.45, 0.30, 0.15, 0.10]


@dataclass
class Txn:
    uid: int
    merchant: str
    terminal: str | None
    channel: str
    txn_type: str
    status: str
    amount: int
    ts: str  # true instant, ISO with offset
    pan: str | None = None
    rrn: str | None = None
    stan: str | None = None
    batch: str | None = None
    auth: str | None = None
    wallet: str | None = None
    refund_no: str | None = None
    order_no: str | None = None
    orig_uid: int | None = None
    settle_day: str | None = None
    fee: int = 0
    thief: bool = False
    foreign: bool = False
    interim: bool = False
    conflict: bool = False


@dataclass
class World:
    seed: int
    merchant: str
    foreign_merchant: str
    terminals: dict[str, str]  # role -> id
    foreign_terminal: str
    start: str
    days: int
    loss_at: str
    replaced_at: str
    last_sync: str
    close_at: str
    offsets: dict[str, float]  # source -> clock minus host clock, seconds
    offset_kind: str
    acq_has_stan: bool = True
    # A's rows in the acquirer detail start here (the detail asked for covers part of A's life)
    acq_from: str = ""
    # A's clock drift, seconds per day (a real-time clock off by ~20 ppm gains ~1.7 s a day)
    drift: float = 0.0
    txns: list[Txn] = field(default_factory=list)
    rows: dict[str, list[list[int]]] = field(default_factory=dict)  # label -> [[line, uid], ...]
    dup_line: int = 0
    expected_differences: list[dict[str, str]] = field(default_factory=list)
    wallet_lines: list[dict[str, object]] = field(default_factory=list)


def fee_of(amount: int, rate: Decimal = Decimal("0.006")) -> int:
    return int((Decimal(amount) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def yuan(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def luhn_pan(rng: np.random.Generator, prefix: str) -> str:
    body = prefix + "".join(str(d) for d in rng.integers(0, 10, 18 - len(prefix)))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def mask(pan: str | None) -> str:
    return "" if not pan else pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(9000 + seed)
        self.seed = seed
        self.txns: list[Txn] = []
        self.stan: dict[str, int] = {}
        self.batch: dict[str, tuple[str, int]] = {}
        self.rrn_seq: dict[str, int] = {}
        self.wseq = 0
        self.cards = [luhn_pan(self.rng, p) for p in ("622848", "622202", "621700", "625807", "436742") * 12]

    def _settle_day(self, ts: pd.Timestamp) -> str:
        day = ts.normalize()
        if ts.hour >= 23:
            day += pd.Timedelta(days=1)
        return day.strftime("%Y-%m-%d")

    def _next_stan(self, tid: str) -> str:
        self.stan[tid] = self.stan.get(tid, 0) + 1
        return f"{self.stan[tid] % 1000000:06d}"

    def _batch(self, tid: str, sday: str) -> str:
        cur = self.batch.get(tid)
        if cur is None or cur[0] != sday:
            n = (cur[1] + 1) if cur else 1
            self.batch[tid] = (sday, n)
        return f"{self.batch[tid][1]:06d}"

    def _rrn(self, sday: str) -> str:
        # field 37: unique within one settlement day only; the sequence starts again every day
        self.rrn_seq[sday] = self.rrn_seq.get(sday, 0) + 1
        return "6324" + f"{self.rrn_seq[sday]:08d}"

    def add(
        self,
        merchant: str,
        tid: str | None,
        channel: str,
        ttype: str,
        status: str,
        amount: int,
        ts: pd.Timestamp,
        *,
        pan: str | None = None,
        orig: Txn | None = None,
        **kw: object,
    ) -> Txn:
        ts = ts.floor("s")
        t = Txn(
            uid=len(self.txns),
            merchant=merchant,
            terminal=tid,
            channel=channel,
            txn_type=ttype,
            status=status,
            amount=amount,
            ts=ts.isoformat(),
            orig_uid=orig.uid if orig else None,
        )
        t.settle_day = self._settle_day(ts)
        if channel in ("card", "unionpay_qr"):
            if channel == "card":
                t.pan = pan
                if status == "approved":
                    t.auth = f"{int(self.rng.integers(0, 999999)):06d}"
        else:
            self.wseq += 1
            day = ts.strftime("%Y%m%d")
            if channel == "wechat":
                if ttype == "refund":
                    t.wallet = orig.wallet if orig else None
                    t.refund_no = (
                        "5030" + day + f"{int(self.rng.integers(0, 10**12)):012d}" + f"{self.wseq:05d}"
                    )
                    t.order_no = orig.order_no if orig else None
                else:
                    t.wallet = (
                        "4200" + "00" + day + f"{int(self.rng.integers(0, 10**9)):09d}" + f"{self.wseq:05d}"
                    )
                    t.order_no = f"MO{day}{self.wseq:08d}"
            else:
                if ttype == "refund":
                    t.wallet = orig.wallet if orig else None
                    t.refund_no = f"RF{day}{self.wseq:010d}"
                    t.order_no = orig.order_no if orig else None
                else:
                    t.wallet = (
                        day + "22001" + f"{int(self.rng.integers(0, 10**10)):010d}" + f"{self.wseq:05d}"
                    )
                    t.order_no = f"AO{day}{self.wseq:08d}"
            if status == "approved":
                t.fee = fee_of(amount)
        for k, v in kw.items():
            setattr(t, k, v)
        self.txns.append(t)
        return t

    def finalize(self) -> None:
        """Trace numbers, batches and RRNs in the order the terminals and the host saw the transactions."""
        self.txns.sort(key=lambda t: (t.ts, t.uid))
        for t in self.txns:
            sday = t.settle_day or ""
            if t.terminal is not None:
                t.stan = self._next_stan(t.terminal)
                t.batch = self._batch(t.terminal, sday)
            if t.channel in ("card", "unionpay_qr"):
                t.rrn = self._rrn(sday)


def _pick(rng: np.random.Generator, seq: list) -> object:
    return seq[int(rng.integers(0, len(seq)))]


def build_world(seed: int) -> World:
    g = _Gen(seed)
    rng = g.rng
    days = [21, 45, 30, 120][seed] if seed < 4 else int(_pick(rng, [21, 28, 35, 60, 90, 120, 180, 365]))
    if seed < 4:
        kind = ["minute", "hours", "minute", "days"][seed]
    else:
        kind = str(rng.choice(["minute", "hours", "days"], p=[0.8, 0.15, 0.05]))
    if kind == "minute":
        off = float(rng.integers(-60, 61))
    elif kind == "hours":
        off = float(_pick(rng, [-8 * 3600, 3600, -3600, 8 * 3600])) + float(rng.integers(-30, 31))
    else:
        off = float(_pick(rng, [2, 3, -1, 400])) * 86400 + float(rng.integers(-60, 61))
    end = pd.Timestamp("2026-11-28", tz=TZ)
    start = end - pd.Timedelta(days=days)
    merchant = f"8983100481{60000 + seed:05d}"
    foreign_merchant = f"8983100482{70000 + seed:05d}"
    tA, tB, tC = f"1{seed:03d}0001", f"1{seed:03d}0099", f"1{seed:03d}0002"
    tF = f"9{seed:03d}0007"
    loss_day = start + pd.Timedelta(days=int(days * 0.7))
    loss_at = loss_day + pd.Timedelta(hours=14, minutes=int(rng.integers(0, 50)))
    replaced_at = loss_day + pd.Timedelta(days=1, hours=9, minutes=30)
    last_sync = loss_day - pd.Timedelta(days=int(rng.integers(1, 4))) + pd.Timedelta(hours=12)
    close_at = end + pd.Timedelta(hours=18)
    offsets = {
        "acquirer": 0.0,
        "terminal": off,
        "wechat": float(rng.integers(0, 4)),
        "alipay": float(rng.integers(-3, 2)),
    }

    sales_by: dict[tuple[str, str], list[Txn]] = {}

    def sale(tid: str | None, day: pd.Timestamp, ts: pd.Timestamp, channel: str, amount: int) -> None:
        if channel == "card":
            pan = str(_pick(rng, g.cards))
            if rng.random() < 0.08:  # declined, then the approved retry
                g.add(merchant, tid, "card", "sale", "declined", amount, ts, pan=pan)
                ts = ts + pd.Timedelta(seconds=int(rng.integers(30, 120)))
            t = g.add(merchant, tid, "card", "sale", "approved", amount, ts, pan=pan)
            if rng.random() < 0.03:  # voided a few minutes later
                g.add(
                    merchant,
                    tid,
                    "card",
                    "void",
                    "approved",
                    amount,
                    ts + pd.Timedelta(seconds=int(rng.integers(60, 600))),
                    pan=pan,
                    orig=t,
                )
                return
        else:
            t = g.add(merchant, tid, channel, "sale", "approved", amount, ts, interim=tid is None)
        if tid is not None:
            sales_by.setdefault((tid, channel), []).append(t)

    def day_of(tid: str, day: pd.Timestamp, lo: pd.Timestamp, hi: pd.Timestamp) -> None:
        n = int(rng.poisson(22))
        secs = np.sort(rng.integers(8 * 3600, 23 * 3600 + 1800, n))
        for s in secs:
            ts = day + pd.Timedelta(seconds=int(s))
            if not (lo <= ts < hi):
                continue
            ch = str(rng.choice(CHANNELS, p=CHANNEL_P))
            amount = int(_pick(rng, PRICES)) if rng.random() < 0.7 else int(rng.integers(100, 30000))
            sale(tid, day, ts, ch, amount)
        if rng.random() < 0.5:  # two different sales of one amount a minute apart
            ts = day + pd.Timedelta(seconds=int(rng.integers(9 * 3600, 21 * 3600)))
            if lo <= ts and ts + pd.Timedelta(minutes=2) < hi:
                ch = str(rng.choice(["card", "wechat", "alipay"]))
                amount = int(_pick(rng, PRICES[:4]))
                sale(tid, day, ts, ch, amount)
                sale(tid, day, ts + pd.Timedelta(seconds=int(rng.integers(45, 80))), ch, amount)
        for ch, p in (("card", 0.4), ("wechat", 0.35), ("alipay", 0.2)):  # a refund of an earlier day
            pool = [t for t in sales_by.get((tid, ch), []) if pd.Timestamp(t.ts) < day]
            if pool and rng.random() < p:
                orig = pool[int(rng.integers(0, len(pool)))]
                if ch == "card" and any(x.orig_uid == orig.uid for x in g.txns):
                    continue
                if ch != "card" and any(x.orig_uid == orig.uid for x in g.txns):
                    continue
                ts = day + pd.Timedelta(seconds=int(rng.integers(10 * 3600, 20 * 3600)))
                if lo <= ts < hi:
                    amt = orig.amount if (ch == "card" or rng.random() < 0.6) else max(1, orig.amount // 2)
                    g.add(merchant, tid, ch, "refund", "approved", amt, ts, pan=orig.pan, orig=orig)
                    if ch != "card" and amt < orig.amount and rng.random() < 0.5:
                        # a second partial refund of the same payment (the same wallet number), minutes later
                        ts2 = ts + pd.Timedelta(seconds=int(rng.integers(120, 400)))
                        if ts2 < hi:
                            g.add(merchant, tid, ch, "refund", "approved", orig.amount - amt, ts2, orig=orig)

    lossT, replT, endT = pd.Timestamp(loss_at), pd.Timestamp(replaced_at), pd.Timestamp(end)
    for d in range(days):
        day = start + pd.Timedelta(days=d)
        day_of(tA, day, start, lossT)
        day_of(tB, day, replT, endT)
        day_of(tC, day, start, endT)
        if day.normalize() == loss_day.normalize():
            # the thief on A after the loss: a refund to their own card, a test sale, a declined big one,
            # a WeChat refund of an earlier day's payment
            x, y = luhn_pan(rng, "621700"), luhn_pan(rng, "621700")
            t0 = lossT + pd.Timedelta(minutes=int(rng.integers(40, 80)))
            g.add(merchant, tA, "card", "refund", "approved", 50000, t0, pan=x, thief=True)
            g.add(
                merchant,
                tA,
                "card",
                "sale",
                "approved",
                100,
                t0 + pd.Timedelta(minutes=10),
                pan=x,
                thief=True,
            )
            g.add(
                merchant,
                tA,
                "card",
                "sale",
                "declined",
                200000,
                t0 + pd.Timedelta(minutes=11),
                pan=y,
                thief=True,
            )
            pool = [
                t for t in sales_by.get((tA, "wechat"), []) if not any(z.orig_uid == t.uid for z in g.txns)
            ]
            if pool:
                orig = pool[0]
                g.add(
                    merchant,
                    tA,
                    "wechat",
                    "refund",
                    "approved",
                    orig.amount,
                    t0 + pd.Timedelta(minutes=50),
                    orig=orig,
                    thief=True,
                )
            # QR payments by static code while no terminal is there
            for _k in range(int(rng.integers(5, 10))):
                ts = lossT + pd.Timedelta(minutes=int(rng.integers(5, 9 * 60)))
                if ts.hour < 23:
                    sale(None, day, ts, str(_pick(rng, ["wechat", "alipay"])), int(_pick(rng, PRICES)))
    # a host reversal that A logged as approved (a conflict the rebuild must show, not resolve)
    pool = [
        t
        for t in g.txns
        if t.terminal == tA
        and t.channel == "card"
        and t.status == "approved"
        and t.txn_type == "sale"
        and pd.Timestamp(t.ts) < last_sync
        and not any(z.orig_uid == t.uid for z in g.txns)
    ]
    rev = pool[len(pool) // 2]
    rev.status, rev.conflict, rev.auth = "reversed", True, None
    # another merchant's rows: one in the acquirer detail, one in the WeChat bill, each next to one of ours
    ours = [
        t
        for t in g.txns
        if t.terminal == tA
        and t.channel == "card"
        and t.status == "approved"
        and t.txn_type == "sale"
        and not t.conflict
    ]
    o = ours[len(ours) // 3]
    g.add(
        foreign_merchant,
        tF,
        "card",
        "sale",
        "approved",
        o.amount,
        pd.Timestamp(o.ts) + pd.Timedelta(seconds=40),
        pan=str(_pick(rng, g.cards)),
        foreign=True,
    )
    ours = [
        t
        for t in g.txns
        if t.terminal == tA
        and t.channel == "wechat"
        and t.txn_type == "sale"
        and pd.Timestamp(t.ts) < last_sync
    ]
    o = ours[len(ours) // 2]
    g.add(
        foreign_merchant,
        tF,
        "wechat",
        "sale",
        "approved",
        o.amount,
        pd.Timestamp(o.ts) + pd.Timedelta(seconds=25),
        foreign=True,
    )
    g.finalize()
    acq_has_stan = seed in (0, 2) if seed < 4 else bool(rng.random() < 0.5)
    partial = seed in (1, 2) if seed < 4 else bool(rng.random() < 0.5)
    drift = (
        {0: 0.0, 1: -1.5, 2: 0.0, 3: 2.0}[seed]
        if seed < 4
        else float(rng.uniform(-2, 2)) * (rng.random() < 0.5)
    )
    acq_from = (start + pd.Timedelta(days=int(days * 0.3)) if partial else start).isoformat()
    w = World(
        seed=seed,
        acq_has_stan=acq_has_stan,
        drift=drift,
        acq_from=acq_from,
        merchant=merchant,
        foreign_merchant=foreign_merchant,
        terminals={"A": tA, "B": tB, "C": tC},
        foreign_terminal=tF,
        start=start.isoformat(),
        days=days,
        loss_at=lossT.isoformat(),
        replaced_at=replT.isoformat(),
        last_sync=last_sync.isoformat(),
        close_at=close_at.isoformat(),
        offsets=offsets,
        offset_kind=kind,
        txns=g.txns,
    )
    return w


# --------------------------------------------------------------------------------------------- writers


def _csv_line(cells: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


TYPE_WORD = {"sale": "消费", "void": "消费撤销", "refund": "退货"}
STATUS_WORD = {"approved": "成功", "declined": "失败", "reversed": "冲正"}
CHANNEL_WORD = {"card": "银行卡", "unionpay_qr": "银联二维码", "wechat": "微信", "alipay": "支付宝"}


def _local(ts: str, shift: float = 0.0) -> pd.Timestamp:
    return (pd.Timestamp(ts) + pd.Timedelta(seconds=shift)).tz_convert(TZ)


def terminal_shift(w: World, t: Txn) -> float:
    """A's clock minus the host's at the time of ``t``: the offset plus the drift since the start, whole seconds."""
    days = (pd.Timestamp(t.ts) - pd.Timestamp(w.start)).total_seconds() / 86400
    return float(round(w.offsets["terminal"] + w.drift * days))


def acq_id(t: Txn) -> str:
    """The acquirer's own serial number of a transaction (交易流水号)."""
    return f"Q{_local(t.ts):%Y%m%d}{t.uid:07d}"


def write_sources(w: World, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    by_uid = {t.uid: t for t in w.txns}
    own = set(w.terminals.values())
    rng = np.random.default_rng(19000 + w.seed)

    # acquirer detail: host clock, card and UnionPay QR of every terminal of the merchant (+ one foreign row)
    # (some acquirers' detail has no 凭证号: then only the RRN, unique within a settlement day, and the
    # amount and time tie it to the terminal's rows)
    head = [
        "交易流水号",
        "商户号",
        "商户名称",
        "终端号",
        "批次号",
        "凭证号",
        "参考号",
        "授权码",
        "交易日期",
        "交易时间",
        "交易类型",
        "交易金额",
        "卡号",
        "发卡行",
        "交易状态",
        "支付方式",
        "清算日期",
        "原交易流水号",
    ]
    if not w.acq_has_stan:
        head.remove("凭证号")
    lines, rows = [_csv_line(head)], []
    for t in w.txns:
        if t.channel not in ("card", "unionpay_qr") or t.terminal is None:
            continue
        if t.terminal == w.terminals["A"] and pd.Timestamp(t.ts) < pd.Timestamp(w.acq_from):
            continue
        ts = _local(t.ts)
        cells = [
            acq_id(t),
            t.merchant,
            "测试餐饮店" if not t.foreign else "别家商店",
            t.terminal or "",
            t.batch or "",
            t.stan or "",
            t.rrn or "",
            t.auth or "",
            ts.strftime("%Y-%m-%d"),
            ts.strftime("%H:%M:%S"),
            TYPE_WORD[t.txn_type],
            yuan(t.amount),
            mask(t.pan),
            "工商银行" if t.pan else "",
            STATUS_WORD[t.status],
            CHANNEL_WORD[t.channel],
            (t.settle_day or "").replace("-", "")[4:],
            acq_id(by_uid[t.orig_uid]) if t.orig_uid is not None else "",
        ]
        if not w.acq_has_stan:
            del cells[5]
        lines.append(_csv_line(cells))
        rows.append([len(lines), t.uid])
    (out / "acquirer_detail.csv").write_bytes(("\ufeff" + "".join(lines)).encode("utf-8"))
    w.rows["acquirer"] = rows

    # A's last export: its own clock, up to its last sync, gaps, full card numbers in places
    tA = w.terminals["A"]
    head = [
        "终端号",
        "批次号",
        "凭证号",
        "参考号",
        "交易日期",
        "交易时间",
        "交易类型",
        "交易金额(元)",
        "卡号",
        "交易状态",
        "支付方式",
        "第三方订单号",
        "操作员",
    ]
    lines, rows = ["POS终端交易明细 终端" + tA + "\n", _csv_line(head)], []
    sync = pd.Timestamp(w.last_sync)
    for t in w.txns:
        if t.terminal != tA or pd.Timestamp(t.ts) >= sync:
            continue
        ts = _local(t.ts, terminal_shift(w, t))
        rrn = t.rrn if (t.rrn and rng.random() > 0.15) else ""
        wal = t.wallet if (t.wallet and rng.random() > 0.3) else ""
        card = (t.pan if rng.random() < 0.2 else mask(t.pan)) if t.pan else ""
        status = "approved" if t.conflict else t.status
        lines.append(
            _csv_line(
                [
                    tA,
                    t.batch or "",
                    t.stan or "",
                    rrn,
                    ts.strftime("%Y-%m-%d"),
                    ts.strftime("%H:%M:%S"),
                    TYPE_WORD[t.txn_type],
                    yuan(t.amount),
                    card,
                    STATUS_WORD[status],
                    CHANNEL_WORD[t.channel],
                    wal,
                    "01",
                ]
            )
        )
        rows.append([len(lines), t.uid])
    (out / "terminal_A_export.csv").write_bytes("".join(lines).encode("gbk"))
    w.rows["terminal"] = rows

    # WeChat Pay merchant trade bill: server clock, backticks, a repeated row, another sub-merchant's row
    head = [
        "交易时间",
        "公众账号ID",
        "商户号",
        "特约商户号",
        "设备号",
        "微信订单号",
        "商户订单号",
        "用户标识",
        "交易类型",
        "交易状态",
        "付款银行",
        "货币种类",
        "应结订单金额",
        "代金券金额",
        "微信退款单号",
        "商户退款单号",
        "退款金额",
        "充值券退款金额",
        "退款类型",
        "退款状态",
        "商品名称",
        "商户数据包",
        "手续费",
        "费率",
        "订单金额",
        "申请退款金额",
        "费率备注",
    ]
    lines, rows = [",".join(head) + "\r\n"], []
    clean: list[str] = [lines[0]]
    wrows = [t for t in w.txns if t.channel == "wechat"]
    dup_uid = wrows[len(wrows) // 3].uid
    sums: dict[tuple[str, str], list[int]] = {}
    for t in wrows:
        ts = _local(t.ts, w.offsets["wechat"] + float(rng.integers(0, 2)))
        refund = t.txn_type == "refund"
        orig = by_uid.get(t.orig_uid) if t.orig_uid is not None else None
        cells = [
            ts.strftime("%Y-%m-%d %H:%M:%S"),
            "wx2421b1c4370ec43b",
            "1900000109",
            t.merchant,
            t.terminal or "",
            t.wallet or "",
            t.order_no or "",
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "MICROPAY" if t.terminal else "NATIVE",
            "REFUND" if refund else "SUCCESS",
            "CMB_DEBIT",
            "CNY",
            yuan(orig.amount if (refund and orig) else t.amount),
            "0.00",
            t.refund_no if refund else "0",
            ("R" + (t.order_no or "")) if refund else "0",
            yuan(t.amount) if refund else "0.00",
            "0.00",
            "ORIGINAL" if refund else "",
            "SUCCESS" if refund else "",
            "餐饮",
            "",
            ("-" if refund else "") + f"{t.fee / 100:.5f}",
            "0.60%",
            yuan(orig.amount if (refund and orig) else t.amount),
            yuan(t.amount) if refund else "0.00",
            "",
        ]
        line = ",".join("`" + c for c in cells) + "\r\n"
        lines.append(line)
        clean.append(line)
        rows.append([len(lines), t.uid])
        if t.uid == dup_uid:  # the same row twice (two exports pasted together)
            lines.append(line)
            w.dup_line = len(lines)
        if t.terminal == w.terminals["C"]:
            k = (ts.strftime("%Y-%m-%d"), "wechat")
            s = sums.setdefault(k, [0, 0])
            s[0] += -t.amount if refund else t.amount
            s[1] += -t.fee if refund else t.fee
    n = len(wrows)
    trailer = [
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n",
        ",".join("`" + c for c in [str(n), "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"]) + "\r\n",
    ]
    (out / "wechat_bill.csv").write_bytes(("\ufeff" + "".join(lines + trailer)).encode("utf-8"))
    (out / "wechat_bill_clean.csv").write_bytes(("\ufeff" + "".join(clean + trailer)).encode("utf-8"))
    w.rows["wechat"] = rows

    # Alipay merchant bill: GBK, '#' preamble and trailer, ids ending with a tab
    head = [
        "支付宝交易号",
        "商户订单号",
        "业务类型",
        "商品名称",
        "创建时间",
        "完成时间",
        "门店编号",
        "门店名称",
        "操作员",
        "终端号",
        "对方账户",
        "订单金额（元）",
        "商家实收（元）",
        "支付宝红包（元）",
        "集分宝（元）",
        "支付宝优惠（元）",
        "商家优惠（元）",
        "券核销金额（元）",
        "券名称",
        "商家红包消费金额（元）",
        "卡消费金额（元）",
        "退款批次号/请求号",
        "服务费（元）",
        "分润（元）",
        "备注",
    ]
    s0, e0 = pd.Timestamp(w.start), pd.Timestamp(w.close_at)
    lines = [
        "#支付宝业务明细查询\n",
        "#账号：[2088102177" + f"{w.seed:06d}" + "]\n",
        f"#起始日期：[{s0:%Y年%m月%d日} 00:00:00]   终止日期：[{e0:%Y年%m月%d日} 00:00:00]\n",
        "#-----------------------------------------业务明细列表----------------------------------------\n",
        ",".join(head) + "\n",
    ]
    rows = []
    for t in w.txns:
        if t.channel != "alipay":
            continue
        ts = _local(t.ts, w.offsets["alipay"])
        refund = t.txn_type == "refund"
        amt = -t.amount if refund else t.amount
        cells = [
            (t.wallet or "") + "\t",
            (t.order_no or "") + "\t",
            "退款" if refund else "交易",
            "餐饮",
            (ts - pd.Timedelta(seconds=3)).strftime("%Y-%m-%d %H:%M:%S"),
            ts.strftime("%Y-%m-%d %H:%M:%S"),
            "S001",
            "测试餐饮店",
            "01",
            t.terminal or "",
            "138****0000",
            yuan(amt),
            yuan(amt),
            "0.00",
            "0.00",
            "0.00",
            "0.00",
            "0.00",
            "",
            "0.00",
            "0.00",
            ((t.refund_no or "") + "\t") if refund else "",
            yuan(t.fee if refund else -t.fee),
            "0.00",
            "",
        ]
        lines.append(_csv_line(cells))
        rows.append([len(lines), t.uid])
        if t.terminal == w.terminals["C"]:
            k = (ts.strftime("%Y-%m-%d"), "alipay")
            s = sums.setdefault(k, [0, 0])
            s[0] += amt
            s[1] += -t.fee if refund else t.fee
    lines += [
        "#-----------------------------------------业务明细列表结束------------------------------------\n",
        "#交易合计：0笔，共0.00元\n",
        "#退款合计：0笔，共0.00元\n",
        "#导出时间：[2026年12月01日 10:00:00]\n",
    ]
    (out / "alipay_bill.csv").write_bytes("".join(lines).encode("gbk"))
    w.rows["alipay"] = rows

    # settlement detail: one line per terminal batch and channel (card, UnionPay QR)
    tC = w.terminals["C"]
    groups: dict[tuple[str, str, str], list[Txn]] = {}
    for t in w.txns:
        if t.terminal in own and t.channel in ("card", "unionpay_qr"):
            groups.setdefault((t.terminal or "", t.batch or "", t.channel), []).append(t)
    c_batches = sorted({b for (tid, b, ch) in groups if tid == tC})
    missing_batch = c_batches[len(c_batches) // 2]
    c_card_lines = [k for k in groups if k[0] == tC and k[2] == "card" and k[1] != missing_batch]
    over = sorted(c_card_lines)[len(c_card_lines) // 4]
    head = [
        "清算日期",
        "商户号",
        "终端号",
        "批次号",
        "交易笔数",
        "交易金额",
        "手续费",
        "结算金额",
        "币种",
        "交易渠道",
    ]
    lines = ["结算明细 商户" + w.merchant + "\n", _csv_line(head)]
    card_lines: list[dict[str, object]] = []
    for key in sorted(groups, key=lambda k: (groups[k][0].settle_day or "", k)):
        tid, batch, ch = key
        if tid == tC and batch == missing_batch:
            continue
        counted = [t for t in groups[key] if t.status == "approved"]
        gross = sum(t.amount if t.txn_type == "sale" else -t.amount for t in counted)
        fee = fee_of(gross) + (150 if key == over else 0)
        sday = groups[key][0].settle_day or ""
        lines.append(
            _csv_line(
                [
                    sday,
                    w.merchant,
                    tid,
                    batch,
                    str(len(counted)),
                    yuan(gross),
                    yuan(fee),
                    yuan(gross - fee),
                    "人民币",
                    CHANNEL_WORD[ch],
                ]
            )
        )
        if tid == tC:
            card_lines.append({"day": sday, "net": gross - fee, "line": len(lines)})
    lines.append(_csv_line(["合计", "", "", "", "", "", "", "", "", ""]))
    (out / "settlement.csv").write_bytes("".join(lines).encode("gbk"))
    w.expected_differences = [
        {"kind": "batch_not_settled", "batch_no": missing_batch},
        {"kind": "fee_difference", "batch_no": over[1]},
        {"kind": "payout_unexplained", "amount": "1234"},
    ]

    # the bank statement (CMB debit): C's card lines and C's wallet days paid T+1, a negative line netted
    # into the next payout of its channel, every fifth payout of a day paying two lines
    for (day, ch), (gross, fee) in sorted(sums.items()):
        w.wallet_lines.append({"day": day, "channel": ch, "gross": gross, "fee": fee})
    groups_pay: dict[str, list[tuple[str, int, int]]] = {
        "银联商务结算": [],
        "财付通结算": [],
        "支付宝结算": [],
    }
    for x in card_lines:
        groups_pay["银联商务结算"].append((str(x["day"]), int(str(x["net"])), int(str(x["line"]))))
    for n_, x in enumerate(w.wallet_lines):
        what = "财付通结算" if x["channel"] == "wechat" else "支付宝结算"
        groups_pay[what].append((str(x["day"]), int(str(x["gross"])) - int(str(x["fee"])), n_))
    credits: list[tuple[str, int, str]] = []
    for what, gl in groups_pay.items():
        gl.sort()
        pending: list[tuple[str, int, int]] = []
        for i, item in enumerate(gl):
            if pending and (pd.Timestamp(item[0]) - pd.Timestamp(pending[0][0])).days > 2:
                for x in pending:  # a negative line nothing near it nets: no payout pays it
                    w.expected_differences.append({"kind": "line_not_paid", "amount": str(x[1])})
                pending = []
            pending.append(item)
            total = sum(x[1] for x in pending)
            nxt = gl[i + 1] if i + 1 < len(gl) else None
            if total <= 0:
                continue
            if i % 5 == 4 and nxt is not None and nxt[0] == item[0] and nxt[1] > 0:
                continue  # paid together with the next line of the same day
            pay = (pd.Timestamp(item[0]) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
            credits.append((pay, total, what))
            pending = []
        for x in pending:  # a negative line at the end of the period: nothing pays it
            w.expected_differences.append({"kind": "line_not_paid", "amount": str(x[1])})
    credits.append(((pd.Timestamp(w.start) + pd.Timedelta(days=3)).strftime("%Y-%m-%d"), 1234, "利息"))
    credits.sort()
    bal = 1_000_000
    lines = [_csv_line(["记账日期", "货币", "交易金额", "联机余额", "交易摘要", "对手信息", "客户摘要"])]
    for day, amt, what in credits:
        bal += amt
        lines.append(
            _csv_line(
                [
                    day,
                    "CNY",
                    yuan(amt),
                    yuan(bal),
                    what,
                    "银联商务有限公司" if "银联" in what else what,
                    "结算款",
                ]
            )
        )
    (out / "bank.csv").write_bytes("".join(lines).encode("utf-8"))

    truth = asdict(w)
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=0), encoding="utf-8")


def load_world(folder: Path) -> World:
    data = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    txns = [Txn(**t) for t in data.pop("txns")]
    return World(txns=txns, **data)
