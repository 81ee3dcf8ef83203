"""Writers: render known transactions in each format, from the formats' public descriptions.

Each writer takes the transactions and a :class:`Ctx` (the tokens a damage overrides, the options a
valid variant sets) and returns a :class:`Rendered`: the document (a :class:`TableDoc` for delimited
tables, text for the others, or ready bytes), how to read it and the frame that reading must give.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .truth import (
    FULLWIDTH_DIGITS,
    HONG_KONG,
    SHANGHAI,
    UTC,
    D,
    Txn,
    fmt_minor,
)

ARABIC = str.maketrans("0123456789.,", "٠١٢٣٤٥٦٧٨٩٫٬")  # Arabic-Indic digits, decimal and thousands marks
SKIP = object()  # an expected field the oracle does not compare (e.g. a merchant carrying a masked PAN)


@dataclass
class Ctx:
    """What a case changes: per-row token overrides (damages) and file-wide options (valid variants)."""

    rng: random.Random
    amt: dict[int, str] = field(default_factory=dict)  # row -> text replacing the amount's digits
    date: dict[int, D] = field(default_factory=dict)  # row -> date/time components (may be impossible)
    off: dict[int, str] = field(default_factory=dict)  # row -> zone offset text
    merch: dict[int, str] = field(default_factory=dict)  # row -> merchant text as written
    opts: frozenset = frozenset()

    def amount(self, i: int, t: Txn) -> str:
        if i in self.amt:
            return self.amt[i]
        s = fmt_minor(t.amount_minor, t.currency, thousands="thousands" in self.opts)
        if "fullwidth" in self.opts:
            s = s.translate(FULLWIDTH_DIGITS)
        if "arabic" in self.opts:
            s = s.translate(ARABIC)
        return s

    def signed(self, i: int, t: Txn, *, negative_is_debit: bool = True) -> str:
        tok = self.amount(i, t)
        negative = (t.direction == "debit") == negative_is_debit
        if negative:
            return "-" + tok
        return "+" + tok if "plus" in self.opts else tok

    def d(self, i: int, t: Txn) -> D:
        return self.date.get(i, D.of(t.ts))

    def m(self, i: int, t: Txn, null: str = "") -> str:
        if i in self.merch:
            return self.merch[i]
        return t.merchant if t.merchant is not None else null


@dataclass
class TableDoc:
    """A delimited table: free preamble lines, a header, rows of cells, free trailer lines."""

    pre: list[str]
    header: list[str]
    rows: list[list[str]]
    post: list[str] = field(default_factory=list)
    sep: str = ","
    quote_all: bool = False
    roles: dict[str, int] = field(default_factory=dict)  # role -> column index (amount, date, merchant)
    raw_cells: bool = False  # cells are already quoted as the exporter writes them

    def cell(self, c: str) -> str:
        if self.raw_cells:
            return c
        if self.quote_all or any(ch in c for ch in (self.sep, '"', "\n", "\r")):
            return '"' + c.replace('"', '""') + '"'
        return c

    def line(self, cells: list[str]) -> str:
        return self.sep.join(self.cell(c) for c in cells)

    def lines(self) -> list[str]:
        return [*self.pre, self.line(self.header), *(self.line(r) for r in self.rows), *self.post]


@dataclass
class Rendered:
    name: str  # file name given to the reader
    call: str  # "proofs", "journal" or "counter"
    expect: list[dict]  # one dict per row the reader must return, in order
    table: TableDoc | None = None
    text: str | None = None
    data: bytes | None = None  # ready bytes (xlsx, parquet)
    encoding: str = "utf-8"
    bom: bool = False
    eol: str = "\n"
    final_eol: bool = True
    kwargs: dict = field(default_factory=dict)
    forbidden: list[str] = field(default_factory=list)  # text that must not reach the frame (expiry)
    counter_args: dict | None = None
    fmt: str = ""

    def to_bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        lines = self.table.lines() if self.table is not None else self.text.split("\n")
        text = self.eol.join(lines) + (self.eol if self.final_eol else "")
        raw = text.encode(self.encoding)
        if self.bom:
            raw = b"\xef\xbb\xbf" + raw
        return raw


# ---------------------------------------------------------------- expectations


def pexp(
    t: Txn,
    *,
    prec: str,
    merchant: Any = SKIP,
    last4: Any = SKIP,
    wallet: Any = SKIP,
    order: Any = SKIP,
    reference: Any = SKIP,
    day: date | None = None,
) -> dict:
    """The proofs-frame row a reader must give for `t` (SKIP: the format does not carry that field)."""
    e = {
        "amount_minor": t.amount_minor,
        "currency": t.currency,
        "direction": t.direction,
        "ts_precision": prec,
        "date": day or t.ts.date(),
        "ts": None if prec == "day" else t.ts,
        "merchant_text": merchant,
        "card_last4": last4,
        "wallet_txn_id": wallet,
        "order_no": order,
        "reference": reference,
    }
    return e


def jexp(t: Txn, **kw) -> dict:
    e = {
        "ts": t.ts,
        "amount_minor": t.amount_minor,
        "currency": t.currency,
        "txn_type": "refund" if t.direction == "credit" else "sale",
        "status": "approved",
    }
    e.update(kw)
    return e


def _m(ctx: Ctx, i: int, t: Txn) -> Any:
    """Expected merchant: what was written, unless a damage put something there the oracle can't predict."""
    if i in ctx.merch:
        return ctx.merch[i] if "keep_merchant" in ctx.opts else SKIP
    return t.merchant


def _yymmdd(d: D) -> str:
    return f"{d.y % 100:02d}{d.mo:02d}{d.d:02d}"


# ---------------------------------------------------------------- Chinese wallets

WECHAT_PRE = [
    "微信支付账单明细",
    "微信昵称：[测试]",
    "起始时间：[2023-01-01 00:00:00] 终止时间：[2026-12-01 23:59:59]",
    "导出类型：[全部]",
    "导出时间：[2026-12-02 10:00:00]",
    "",
    "共{n}笔记录",
    "收入：0笔 0.00元",
    "支出：0笔 0.00元",
    "中性交易：0笔 0.00元",
    "注：",
    "1. 充值/提现/理财通购买/零钱通存取/信用卡还款等交易，将计入中性交易",
    "2. 本明细仅展示当前账单中的交易，不包括已删除的记录",
    "3. 本明细仅供个人对账使用",
    "",
    "----------------------微信支付账单明细列表--------------------",
]
WECHAT_HEADER = [
    "交易时间",
    "交易类型",
    "交易对方",
    "商品",
    "收/支",
    "金额(元)",
    "支付方式",
    "当前状态",
    "交易单号",
    "商户单号",
    "备注",
]


def _wechat_rows(txns, ctx, *, yen: str = "¥"):
    rows, exp = [], []
    for i, t in enumerate(txns):
        d = ctx.d(i, t)
        debit = t.direction == "debit"
        state = "支付成功" if debit else "已退款"
        pstate = SKIP
        if i == 0 and "partial_refund" in ctx.opts and debit and t.amount_minor > 1:
            state = f"已退款(￥{fmt_minor(t.amount_minor // 2)})"
            pstate = "partially_refunded"
        if i == 0 and "returned_transfer" in ctx.opts:
            t.direction, debit = "debit", True
            state, pstate = "对方已退还", "refunded"
        rows.append(
            [
                f"{d.ymd()} {d.hms()}",
                "商户消费" if debit else "退款",
                ctx.m(i, t, "/"),
                "/",
                "支出" if debit else "收入",
                yen + ctx.amount(i, t),
                f"招商银行({t.last4})" if t.last4 else "零钱",
                state,
                (t.wallet_txn_id or "/") + "\t",
                (t.order_no or "/") + "\t",
                "/",
            ]
        )
        e = pexp(
            t,
            prec="second",
            merchant=_m(ctx, i, t),
            last4=t.last4,
            wallet=t.wallet_txn_id,
            order=t.order_no,
        )
        e["payment_state"] = pstate
        exp.append(e)
    return rows, exp


def w_wechat(txns, ctx):
    rows, exp = _wechat_rows(txns, ctx)
    pre = [line.format(n=len(txns)) + ",,,,,,,,,," for line in WECHAT_PRE]
    doc = TableDoc(pre, list(WECHAT_HEADER), rows, roles={"amount": 5, "date": 0, "merchant": 2})
    return Rendered("微信支付账单(20230101-20261201).csv", "proofs", exp, table=doc, bom=True, eol="\r\n")


def w_wechat_xlsx(txns, ctx):
    import openpyxl

    rows, exp = _wechat_rows(txns, ctx)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for line in WECHAT_PRE[:-1]:
        ws.append([line.format(n=len(txns))])
    ws.append(["4. 本账单中所有时间均为UTC+08:00时间"])
    if "moved_header" in ctx.opts:
        ws.append(["5. 2026年起导出的账单多一行说明"])
    ws.append([WECHAT_PRE[-1]])
    ws.append(list(WECHAT_HEADER))
    for i, r in enumerate(rows):
        r = list(r)
        r[5] = float(r[5][1:]) if i not in ctx.amt and "fullwidth" not in ctx.opts else r[5]
        ws.append(r)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula stays text, as an export writes it
    buf = io.BytesIO()
    wb.save(buf)
    return Rendered("微信支付账单流水文件(20230101-20261201).xlsx", "proofs", exp, data=buf.getvalue())


ALIPAY_PRE = [
    "------------------------------------------------------------------------------------",
    "导出信息：",
    "姓名：测试",
    "支付宝账户：test@example.com",
    "起始时间：[2023-01-01 00:00:00]    终止时间：[2026-12-01 23:59:59]",
    "导出交易类型：[全部]",
    "导出时间：[2026-12-02 10:00:00]",
    "共{n}笔记录",
    "收入：0笔 0.00元",
    "支出：0笔 0.00元",
    "不计收支：0笔 0.00元",
    "",
    "特别提示：",
    "1.本回单内容可表明支付宝受理了相关交易申请；",
    "2.本回单不代表资金已到账；",
    "3.本回单仅供参考；",
    "4.如需查询交易详情请登录支付宝；",
    "5.支付宝不保证对方已收到款项；",
    "6.本回单不作为收款方发货依据；",
    "7.禁止将本回单用于非法用途；",
    "8.本明细仅展示当前账单中的交易，不包括已删除的记录；",
    "9.本明细仅供个人对账使用。",
    "",
    "------------------------支付宝（中国）网络技术有限公司  电子客户回单------------------------",
]
ALIPAY_HEADER = [
    "交易时间",
    "交易分类",
    "交易对方",
    "对方账号",
    "商品说明",
    "收/支",
    "金额",
    "收/付款方式",
    "交易状态",
    "交易订单号",
    "商家订单号",
    "备注",
    "",
]


def w_alipay(txns, ctx):
    pad = "padded" in ctx.opts
    no_sec = "no_seconds" in ctx.opts
    rows, exp = [], []
    for i, t in enumerate(txns):
        if no_sec:
            t.ts = t.ts.replace(second=0)
        d = ctx.d(i, t)
        debit = t.direction == "debit"
        cells = [
            f"{d.ymd()} {d.h:02d}:{d.mi:02d}" if no_sec else f"{d.ymd()} {d.hms()}",
            "餐饮美食" if debit else "退款",
            ctx.m(i, t, "/"),
            "/",
            "商品",
            "支出" if debit else "收入",
            ctx.amount(i, t),
            f"交通银行信用卡({t.last4})" if t.last4 else "余额",
            "交易成功" if debit else "退款成功",
            (t.wallet_txn_id or "") + "\t",
            (t.order_no or "") + "\t",
            "",
            "",
        ]
        if pad:
            cells = [c.ljust(20) if j < 12 else c for j, c in enumerate(cells)]
        rows.append(cells)
        exp.append(
            pexp(
                t,
                prec="minute" if no_sec else "second",
                merchant=_m(ctx, i, t),
                last4=t.last4,
                wallet=t.wallet_txn_id,
                order=t.order_no,
            )
        )
    header = [h.ljust(20) if pad and h else h for h in ALIPAY_HEADER]
    pre = [line.format(n=len(txns)) for line in ALIPAY_PRE]
    doc = TableDoc(pre, header, rows, roles={"amount": 6, "date": 0, "merchant": 2})
    return Rendered(
        "支付宝交易明细(20230101-20261201).csv", "proofs", exp, table=doc, encoding="gb18030", eol="\r\n"
    )


# ---------------------------------------------------------------- WeChat Pay merchant bill (journal)

WXM_HEADER = [
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


def w_wechat_merchant(txns, ctx):
    sub = "sub_merchant" in ctx.opts
    rows, exp = [], []
    for i, t in enumerate(txns):
        t.direction = "debit"
        d = ctx.d(i, t)
        amt = ctx.amount(i, t)
        sub_id = "1900000109" if sub else "0"
        cells = [
            f"{d.ymd()} {d.hms()}",
            "wx2421b1c4370ec43b",
            t.merchant_id[:10],
            sub_id,
            t.terminal_id or "",
            t.wallet_txn_id,
            t.order_no,
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "MICROPAY",
            "SUCCESS",
            "CMB_CREDIT",
            "CNY",
            amt,
            "0.00",
            "0",
            "0",
            "0.00",
            "0.00",
            "",
            "",
            ctx.m(i, t),
            "",
            "0.01",
            "0.60%",
            amt,
            "0.00",
            "",
        ]
        rows.append(["`" + c for c in cells])
        exp.append(
            jexp(
                t,
                txn_id=t.wallet_txn_id,
                wallet_txn_id=t.wallet_txn_id,
                order_no=t.order_no,
                terminal_id=t.terminal_id,
                merchant_id=sub_id if sub else t.merchant_id[:10],
            )
        )
    total = sum(t.amount_minor for t in txns)
    post = [
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额",
        f"`{len(txns)},`{fmt_minor(total)},`0.00,`0.00,`0.01,`{fmt_minor(total)},`0.00",
    ]
    doc = TableDoc([], list(WXM_HEADER), rows, post, roles={"amount": 12, "date": 0, "merchant": 20})
    return Rendered("All2026-01-15.csv", "journal", exp, table=doc, eol="\r\n")


# ---------------------------------------------------------------- UnionPay-style terminal export (journal)

UP_HEADER = [
    "交易日期",
    "交易时间",
    "商户号",
    "商户名称",
    "终端号",
    "批次号",
    "凭证号",
    "参考号",
    "授权码",
    "卡号",
    "交易类型",
    "交易金额",
    "交易状态",
]


def w_unionpay(txns, ctx):
    rows, exp = [], []
    for i, t in enumerate(txns):
        d = ctx.d(i, t)
        batch = "000012"
        stan = f"{100 + i:06d}"
        auth = f"{ctx.rng.randrange(10**6):06d}"
        card = ctx.merch.get(-1 - i) or f"622588******{t.last4}"
        cells = [
            d.ymd(),
            d.hms(),
            t.merchant_id,
            ctx.m(i, t),
            t.terminal_id,
            batch,
            stan,
            t.reference,
            auth,
            card,
            "消费" if t.direction == "debit" else "退货",
            ctx.amount(i, t),
            "成功",
        ]
        rows.append(cells)
        exp.append(
            jexp(
                t,
                txn_id=f"{t.terminal_id}/{batch}/{stan}",
                merchant_id=t.merchant_id,
                merchant_name=_m(ctx, i, t),
                terminal_id=t.terminal_id,
                batch_no=batch,
                stan=stan,
                rrn=t.reference,
                auth_code=auth,
                card_last4=t.last4,
            )
        )
    total = sum(t.amount_minor for t in txns)
    doc = TableDoc(
        ["POS交易明细查询"],
        list(UP_HEADER),
        rows,
        [f"合计,,,,,,,,,,,{fmt_minor(total)},"],
        roles={"amount": 11, "date": 0, "merchant": 3},
    )
    return Rendered("pos-export.csv", "journal", exp, table=doc)


# ---------------------------------------------------------------- canonical journal (csv, parquet)

CANON_J = [
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
    "card_last4",
    "rrn",
    "auth_code",
    "wallet_txn_id",
    "order_no",
]


def _iso(d: D, off: str) -> str:
    return f"{d.ymd()}T{d.hms()}{off}"


def _offset_of(t: Txn) -> str:
    o = t.ts.utcoffset()
    mins = int(o.total_seconds() // 60)
    sign = "+" if mins >= 0 else "-"
    mins = abs(mins)
    return f"{sign}{mins // 60:02d}:{mins % 60:02d}"


def _canon_rows(txns, ctx):
    rows, exp = [], []
    for i, t in enumerate(txns):
        d = ctx.d(i, t)
        txn_id = f"T{i + 1:08d}"
        amt = ctx.amt.get(i, str(t.amount_minor))
        rows.append(
            [
                txn_id,
                t.merchant_id,
                ctx.m(i, t),
                t.terminal_id,
                _iso(d, ctx.off.get(i, _offset_of(t))),
                amt,
                t.currency,
                "refund" if t.direction == "credit" else "sale",
                "approved",
                "card",
                t.last4 or "",
                t.reference,
                "123456",
                t.wallet_txn_id,
                t.order_no,
            ]
        )
        exp.append(
            jexp(
                t,
                txn_id=txn_id,
                merchant_id=t.merchant_id,
                merchant_name=_m(ctx, i, t),
                terminal_id=t.terminal_id,
                card_last4=t.last4,
                rrn=t.reference,
                wallet_txn_id=t.wallet_txn_id,
                order_no=t.order_no,
            )
        )
    return rows, exp


def w_journal_csv(txns, ctx):
    rows, exp = _canon_rows(txns, ctx)
    doc = TableDoc([], list(CANON_J), rows, roles={"amount": 5, "date": 4, "merchant": 2})
    return Rendered("journal.csv", "journal", exp, table=doc)


def w_journal_parquet(txns, ctx):
    import pandas as pd

    rows, exp = _canon_rows(txns, ctx)
    df = pd.DataFrame(rows, columns=CANON_J)
    with contextlib.suppress(
        ValueError, OverflowError
    ):  # a damaged token stays text: the reader must refuse it
        df["amount_minor"] = pd.array([int(x) for x in df["amount_minor"]], dtype="int64")
    if "naive" in ctx.opts:
        df["ts"] = pd.to_datetime([t.ts.replace(tzinfo=None) for t in txns])
    else:
        with contextlib.suppress(
            ValueError, OverflowError, pd.errors.OutOfBoundsDatetime
        ):  # an impossible time stays text
            df["ts"] = pd.to_datetime(df["ts"], utc=True)
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return Rendered("journal.parquet", "journal", exp, data=buf.getvalue())


# ---------------------------------------------------------------- Chinese banks


def _cmb_credit_fix(txns):
    """A statement month: every transaction in it or the month before (MM/DD dates take the title's year)."""
    y, mo = txns[-1].ts.year, txns[-1].ts.month
    py, pmo = (y, mo - 1) if mo > 1 else (y - 1, 12)
    for t in txns:
        yy, mm = (y, mo) if t.ts.day % 2 else (py, pmo)
        t.ts = t.ts.replace(year=yy, month=mm, day=min(t.ts.day, 28))
    txns.sort(key=lambda t: t.ts)
    return y, mo


def w_cmb_credit(txns, ctx):
    y, mo = _cmb_credit_fix(txns)
    rows, exp = [], []
    for i, t in enumerate(txns):
        d = ctx.d(i, t)
        md = f"{d.mo:02d}/{d.d:02d}"
        amt = ctx.signed(i, t, negative_is_debit=False)
        rows.append([md, md, ctx.m(i, t), amt, t.last4 or "", amt])
        exp.append(pexp(t, prec="day", merchant=_m(ctx, i, t), last4=t.last4))
    doc = TableDoc(
        [f"招商银行信用卡对账单（个人消费卡账户 {y}年{mo:02d}月）"],
        [
            "交易日",
            "记账日",
            "交易摘要",
            "人民币金额",
            "卡号后四位" if "alt_last4_header" in ctx.opts else "卡号末四位",
            "交易地金额",
        ],
        rows,
        roles={"amount": 3, "date": 0, "merchant": 2},
    )
    return Rendered("cmb-credit.csv", "proofs", exp, table=doc)


def w_cmb_debit(txns, ctx):
    rows, exp = [], []
    for i, t in enumerate(txns):
        d = ctx.d(i, t)
        rows.append([d.ymd(), "CNY", ctx.signed(i, t), "1,271.66", "快捷支付", ctx.m(i, t), "财付通"])
        exp.append(pexp(t, prec="day"))
    doc = TableDoc(
        [],
        ["记账日期", "货币", "交易金额", "联机余额", "交易摘要", "对手信息", "客户摘要"],
        rows,
        roles={"amount": 2, "date": 0, "merchant": 5},
    )
    return Rendered("cmb-debit.csv", "proofs", exp, table=doc)


def w_icbc(txns, ctx):
    last4 = txns[0].last4 or "5678"
    rows, exp = [], []
    for i, t in enumerate(txns):
        t.last4 = last4
        d = ctx.d(i, t)
        amt = ctx.amount(i, t)
        inc, out = ("", amt) if t.direction == "debit" else (amt, "")
        pad = lambda s, w=20: s.ljust(w) + "\t"  # noqa: E731 (ICBC pads and ends cells with a tab)
        rows.append(
            [
                pad(d.ymd(), 15),
                pad(d.ymd(), 15),
                pad("消费" if t.direction == "debit" else "退货"),
                pad(ctx.m(i, t)),
                pad("CHN"),
                pad(inc),
                pad(out),
                pad("人民币"),
                pad(inc),
                pad(out),
                pad("人民币"),
                pad("1,000.00"),
                pad(""),
            ]
        )
        exp.append(pexp(t, prec="day", last4=last4))
    doc = TableDoc(
        ["明细查询文件下载", "", f'卡号: 1234****{last4},"卡别名: "', "", "子账户类别:", ""],
        [
            "交易日期",
            "记账日期",
            "摘要",
            "交易场所",
            "交易国家或地区简称",
            "交易金额(收入)",
            "交易金额(支出)",
            "交易币种",
            "记账金额(收入)",
            "记账金额(支出)",
            "记账币种",
            "余额",
            "对方户名",
        ],
        rows,
        [" ", "人民币合计,,,,,,,,,,,,"],
        roles={"amount": 6, "date": 0, "merchant": 3},
    )
    return Rendered("icbc-credit.csv", "proofs", exp, table=doc)


def w_boc_credit(txns, ctx):
    rows, exp = [], []
    for i, t in enumerate(txns):
        d = ctx.d(i, t)
        amt = ctx.amount(i, t)
        dep, out = ("", amt) if t.direction == "debit" else (amt, "")
        rows.append([d.ymd(), d.ymd(), t.last4 or "", ctx.m(i, t), dep, out, "CNY"])
        exp.append(pexp(t, prec="day", merchant=_m(ctx, i, t), last4=t.last4))
    doc = TableDoc(
        [f"中国银行信用卡账单({txns[-1].ts.year}年{txns[-1].ts.month:02d}月)"],
        ["交易日", "银行记账日", "卡号后四位", "交易描述", "存入", "支出", "币种"],
        rows,
        roles={"amount": 5, "date": 0, "merchant": 3},
    )
    return Rendered("boc-credit.csv", "proofs", exp, table=doc)


def w_boc_debit(txns, ctx):
    rows, exp = [], []
    for i, t in enumerate(txns):
        d = ctx.d(i, t)
        rows.append(
            [
                d.ymd(),
                d.hms(),
                "人民币",
                ctx.signed(i, t),
                "3,240.28",
                "网上快捷支付",
                "银企对接",
                "-------------------",
                ctx.m(i, t),
                ctx.m(i, t),
                "Z200******010N",
                "-------------------",
                t.last4 or "",
            ]
        )
        exp.append(pexp(t, prec="second", last4=t.last4))
    doc = TableDoc(
        ["中国银行交易流水明细单"],
        [
            "记账日期",
            "记账时间",
            "币别",
            "金额",
            "余额",
            "交易名称",
            "渠道",
            "网点名称",
            "附言",
            "对方账户名",
            "对方卡号/账号",
            "对方开户行",
            "借记卡号",
        ],
        rows,
        roles={"amount": 3, "date": 0, "merchant": 8},
    )
    return Rendered("boc-debit.csv", "proofs", exp, table=doc)


def w_bocom_credit(txns, ctx):
    rows, exp = [], []
    for i, t in enumerate(txns):
        d = ctx.d(i, t)
        word = "消费" if t.direction == "debit" else "退货"
        amt = f"CNY {ctx.amount(i, t)}"
        rows.append([d.ymd(), d.ymd(), f"{word} {ctx.m(i, t)}", amt, amt])
        exp.append(pexp(t, prec="day"))
    doc = TableDoc(
        [],
        ["交易日期", "记账日期", "交易说明", "交易币种/金额", "入账币种/金额"],
        rows,
        roles={"amount": 3, "date": 0, "merchant": 2},
    )
    return Rendered("bocom-credit.csv", "proofs", exp, table=doc)


def w_bocom_debit(txns, ctx):
    rows, exp = [], []
    for i, t in enumerate(txns):
        d = ctx.d(i, t)
        rows.append(
            [
                str(i + 1),
                d.ymd(),
                d.hms(),
                "网络支付",
                "借 Dr" if t.direction == "debit" else "贷 Cr",
                ctx.amount(i, t),
                "1334.63",
                "6666666666666666",
                ctx.m(i, t),
                "网络支付",
                "",
            ]
        )
        exp.append(pexp(t, prec="second"))
    doc = TableDoc(
        [],
        [
            "序号",
            "交易日期",
            "交易时间",
            "交易类型",
            "借贷",
            "交易金额",
            "余额",
            "对方账号",
            "对方户名",
            "交易地点",
            "摘要",
        ],
        rows,
        roles={"amount": 5, "date": 1, "merchant": 8},
    )
    return Rendered("bocom-debit.csv", "proofs", exp, table=doc)


def w_abc_debit(txns, ctx):
    rows, exp = [], []
    for i, t in enumerate(txns):
        d = ctx.d(i, t)
        opts = ctx.opts | {"plus"}
        amt = Ctx(ctx.rng, ctx.amt, ctx.date, ctx.off, ctx.merch, opts).signed(i, t)
        log = f"{ctx.rng.randrange(10**9):09d}"
        rows.append(
            [
                d.ymd(""),
                d.hms(""),
                "财付通",
                amt,
                "11000.00",
                ctx.m(i, t),
                log,
                "电子商务",
                "微信支付-" + ctx.m(i, t),
            ]
        )
        exp.append(pexp(t, prec="second", reference=log))
    doc = TableDoc(
        [],
        [
            "交易日期",
            "交易时间",
            "交易摘要",
            "交易金额",
            "本次余额",
            "对手信息",
            "日 志 号",
            "交易渠道",
            "交易附言",
        ],
        rows,
        roles={"amount": 3, "date": 0, "merchant": 5},
    )
    return Rendered("abc-debit.csv", "proofs", exp, table=doc)


def w_cgb_credit(txns, ctx):
    rows, exp = [], []
    for i, t in enumerate(txns):
        d = ctx.d(i, t)
        amt = ctx.signed(i, t, negative_is_debit=False)
        word = "（消费）" if t.direction == "debit" else "（退款）"
        rows.append([d.ymd("/"), d.ymd("/"), word + ctx.m(i, t), amt, "人民币", amt, "人民币"])
        exp.append(pexp(t, prec="day"))
    doc = TableDoc(
        [],
        ["交易日期", "入账日期", "交易摘要", "交易金额", "交易货币", "入账金额", "入账货币"],
        rows,
        roles={"amount": 3, "date": 0, "merchant": 2},
    )
    return Rendered("cgb-credit.csv", "proofs", exp, table=doc)


def _hk(txns):
    for t in txns:
        t.ts = t.ts.replace(tzinfo=HONG_KONG)


def _q(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def w_hsbc_credit(txns, ctx):
    _hk(txns)
    rows, exp = [], []
    for i, t in enumerate(txns):
        t.currency = "HKD" if i % 2 else "CNY"
        d = ctx.d(i, t)
        dmy = f"{d.d:02d}/{d.mo:02d}/{d.y:04d}"
        m = ctx.m(i, t)
        rows.append(
            [
                dmy,
                dmy,
                _q(f"SALES:   {m:<26}CHN          CN"),
                _q(ctx.signed(i, t)) + "\t",
                t.currency,
                "POSTED",
                _q(m),
                "CHINA",
                "CHN",
                "DEBIT" if t.direction == "debit" else "CREDIT",
            ]
        )
        exp.append(pexp(t, prec="day"))
    doc = TableDoc(
        [],
        [
            "Transaction date",
            "Post date",
            "Description",
            "Billing amount",
            "Billing currency",
            "Transaction status",
            "Merchant name",
            "Country / region",
            "Area / district",
            "Credit / Debit",
        ],
        rows,
        raw_cells=True,
        roles={"amount": 3, "date": 0, "merchant": 6},
    )
    return Rendered("hsbc-credit.csv", "proofs", exp, table=doc)


def w_hsbc_debit(txns, ctx):
    _hk(txns)
    rows, exp = [], []
    for i, t in enumerate(txns):
        t.currency = "HKD"
        d = ctx.d(i, t)
        dmy = f"{d.d:02d}/{d.mo:02d}/{d.y:04d}"
        rows.append(
            [
                dmy,
                _q(f"POS PURCHASE             {ctx.m(i, t)}"),
                _q(ctx.signed(i, t)) + "\t",
                "HKD",
                '"3,612.17"\t',
                "HKD",
            ]
        )
        exp.append(pexp(t, prec="day"))
    doc = TableDoc(
        [],
        ["Date", "Description", "Billing amount", "Billing currency", "Balance", "Balance currency"],
        rows,
        raw_cells=True,
        roles={"amount": 2, "date": 0, "merchant": 1},
    )
    return Rendered("hsbc-debit.csv", "proofs", exp, table=doc)


# ---------------------------------------------------------------- PayPal, Stripe

PAYPAL_ZONES = {"PST": -8, "PDT": -7, "EST": -5, "CET": 1, "CEST": 2}
PAYPAL_HEADER = [
    "Date",
    "Time",
    "TimeZone",
    "Name",
    "Type",
    "Status",
    "Currency",
    "Gross",
    "Fee",
    "Net",
    "From Email Address",
    "To Email Address",
    "Transaction ID",
    "Address Status",
    "Sales Tax",
    "Reference Txn ID",
    "Invoice Number",
    "Receipt ID",
    "Balance",
    "Contact Phone Number",
    "Subject",
    "Note",
]


def w_paypal(txns, ctx):
    rows, exp = [], []
    # the date order is decided by a day above 12 (DD/MM): make sure the file has one
    if all(t.ts.day <= 12 for t in txns):
        txns[0].ts = txns[0].ts.replace(day=13 + txns[0].ts.day)
    for i, t in enumerate(txns):
        zone = ctx.rng.choice(sorted(PAYPAL_ZONES))
        t.ts = t.ts.replace(tzinfo=timezone(timedelta(hours=PAYPAL_ZONES[zone])))
        t.currency = "USD" if i % 3 else "EUR"
        t.wallet_txn_id = "".join(ctx.rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXY") for _ in range(17))
        d = ctx.d(i, t)
        gross = ctx.signed(i, t)
        rows.append(
            [
                f"{d.d:02d}/{d.mo:02d}/{d.y:04d}",
                d.hms(),
                ctx.off.get(i, zone),
                ctx.m(i, t),
                "Express Checkout Payment" if t.direction == "debit" else "Payment Refund",
                "Completed",
                t.currency,
                gross,
                "0.00",
                gross,
                "me@example.com",
                "shop@example.com",
                t.wallet_txn_id,
                "",
                "0.00",
                "",
                "",
                "",
                "100.00",
                "",
                "",
                "",
            ]
        )
        exp.append(pexp(t, prec="second", merchant=_m(ctx, i, t), wallet=t.wallet_txn_id))
    doc = TableDoc(
        [], list(PAYPAL_HEADER), rows, quote_all=True, roles={"amount": 7, "date": 0, "merchant": 3}
    )
    return Rendered("Download.CSV", "proofs", exp, table=doc)


def _utc(txns):
    for t in txns:
        t.ts = t.ts.replace(tzinfo=UTC)
        t.currency = "USD"


def w_stripe_balance(txns, ctx):
    _utc(txns)
    rows, exp = [], []
    for i, t in enumerate(txns):
        d = ctx.d(i, t)
        t.wallet_txn_id = "txn_" + "".join(ctx.rng.choice("abcdefghijkLMNOPQ0123456789") for _ in range(24))
        gross = ctx.signed(i, t, negative_is_debit=False)
        rows.append(
            [
                t.wallet_txn_id,
                f"{d.ymd()} {d.hms()}",
                f"{(t.ts + timedelta(days=2)).date()} 00:00:00",
                "usd",
                gross,
                "0.00",
                gross,
                "charge" if t.direction == "debit" else "refund",
                ctx.m(i, t) if t.direction == "debit" else "REFUND FOR PAYMENT",
            ]
        )
        exp.append(pexp(t, prec="second", wallet=t.wallet_txn_id))
    doc = TableDoc(
        [],
        [
            "balance_transaction_id",
            "created_utc",
            "available_on_utc",
            "currency",
            "gross",
            "fee",
            "net",
            "reporting_category",
            "description",
        ],
        rows,
        quote_all=True,
        roles={"amount": 4, "date": 1, "merchant": 8},
    )
    return Rendered("balance_change_from_activity.csv", "proofs", exp, table=doc)


def w_stripe_payments(txns, ctx):
    _utc(txns)
    rows, exp = [], []
    for i, t in enumerate(txns):
        t.direction = "debit"
        d = ctx.d(i, t)
        t.wallet_txn_id = "ch_" + "".join(ctx.rng.choice("abcdefghijkLMNOPQ0123456789") for _ in range(24))
        t.reference = "pi_" + "".join(ctx.rng.choice("abcdefghijkLMNOPQ0123456789") for _ in range(24))
        desc = ctx.m(i, t)
        rows.append(
            [
                t.wallet_txn_id,
                f"{d.ymd()} {d.hms()}",
                ctx.amount(i, t),
                "0.00",
                "usd",
                "true",
                "Paid",
                desc,
                t.last4 or "",
                "Visa",
                "7",
                "2031",
                t.reference,
            ]
        )
        exp.append(
            pexp(
                t,
                prec="second",
                merchant=_m(ctx, i, t),
                last4=t.last4,
                wallet=t.wallet_txn_id,
                reference=t.reference,
            )
        )
    doc = TableDoc(
        [],
        [
            "id",
            "Created (UTC)",
            "Amount",
            "Amount Refunded",
            "Currency",
            "Captured",
            "Status",
            "Statement Descriptor",
            "Card Last4",
            "Card Brand",
            "Card Exp Month",
            "Card Exp Year",
            "PaymentIntent ID",
        ],
        rows,
        roles={"amount": 2, "date": 1, "merchant": 7},
    )
    return Rendered("unified_payments.csv", "proofs", exp, table=doc, forbidden=["2031"])


# ---------------------------------------------------------------- MT940


def w_mt940(txns, ctx):
    for t in txns:
        t.currency = "EUR"
    nonref = "nonref" in ctx.opts
    lines = []
    if "abn_header" in ctx.opts:
        lines += ["ABNANL2A", "940", "ABNANL2A"]
    d0 = ctx.d(0, txns[0])
    lines += [":20:STMT0001", ":25:NL77ABNA0574908765", ":28C:1/1", f":60F:C{_yymmdd(d0)}EUR1000,00"]
    exp = []
    bal = 100000
    for i, t in enumerate(txns):
        d = ctx.d(i, t)
        amt = ctx.amt.get(i, fmt_minor(t.amount_minor).replace(".", ","))
        if i not in ctx.amt and "short_decimals" in ctx.opts and amt.endswith(",00"):
            amt = amt[:-2]
        ref = None if nonref else f"REF{ctx.rng.randrange(10**8):08d}"
        mark = "D" if t.direction == "debit" else "C"
        lines.append(f":61:{_yymmdd(d)}{d.mo:02d}{d.d:02d}{mark}{amt}NTRF{ref or 'NONREF'}//B{i:06d}")
        lines.append(f":86:{ctx.m(i, t)}")
        bal += t.amount_minor if mark == "C" else -t.amount_minor
        exp.append(pexp(t, prec="day", merchant=_m(ctx, i, t), reference=ref))
    sign = "C" if bal >= 0 else "D"
    lines.append(
        f":62F:{sign}{_yymmdd(ctx.d(len(txns) - 1, txns[-1]))}EUR{fmt_minor(abs(bal)).replace('.', ',')}"
    )
    lines.append("-")
    return Rendered("statement.sta", "proofs", exp, text="\n".join(lines), eol="\r\n")


# ---------------------------------------------------------------- CAMT.053 / 054


def _x(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _camt(txns, ctx, kind: str):
    v08 = "v08" in ctx.opts
    dt_only = "dt_only" in ctx.opts
    if kind == "053":
        ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001." + ("08" if v08 else "02")
        root, block = "BkToCstmrStmt", "Stmt"
    else:
        ns = "urn:iso:std:iso:20022:tech:xsd:camt.054.001." + ("08" if v08 else "04")
        root, block = "BkToCstmrDbtCdtNtfctn", "Ntfctn"
    offs = ["+01:00", "+08:00", "Z", "-05:00", "+05:30"]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<Document xmlns="{ns}">',
        f"<{root}>",
        "<GrpHdr><MsgId>MSG0001</MsgId><CreDtTm>2026-12-01T10:00:00+01:00</CreDtTm></GrpHdr>",
        f"<{block}>",
        "<Id>STMT0001</Id><CreDtTm>2026-12-01T10:00:00+01:00</CreDtTm>",
        "<Acct><Id><IBAN>NL77ABNA0574908765</IBAN></Id><Ccy>EUR</Ccy></Acct>",
    ]
    exp = []
    for i, t in enumerate(txns):
        t.currency = "EUR"
        off = ctx.off.get(i, ctx.rng.choice(offs))
        if i not in ctx.off:
            if off == "Z":
                tz = UTC
            else:
                hh, mm = int(off[1:3]), int(off[4:6])
                delta = timedelta(hours=hh, minutes=mm)
                tz = timezone(delta if off[0] == "+" else -delta)
            t.ts = t.ts.replace(tzinfo=tz)
        if "naive" in ctx.opts:
            t.ts = t.ts.replace(tzinfo=UTC)
            off = ""
        d = ctx.d(i, t)
        ind = "DBIT" if t.direction == "debit" else "CRDT"
        side = "Cdtr" if t.direction == "debit" else "Dbtr"
        name = _x(ctx.m(i, t))
        party = f"<{side}><Pty><Nm>{name}</Nm></Pty></{side}>" if v08 else f"<{side}><Nm>{name}</Nm></{side}>"
        when = f"<Dt>{d.ymd()}</Dt>" if dt_only else f"<DtTm>{d.ymd()}T{d.hms()}{off}</DtTm>"
        ref = f"ASR{ctx.rng.randrange(10**10):010d}"
        out.append(
            f'<Ntry><Amt Ccy="EUR">{ctx.amount(i, t)}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Sts>BOOK</Sts>'
            f"<BookgDt>{when}</BookgDt><ValDt><Dt>{d.ymd()}</Dt></ValDt><AcctSvcrRef>{ref}</AcctSvcrRef>"
            f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>CCRD</Cd><SubFmlyCd>POSD</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls><TxDtls><RltdPties>{party}</RltdPties></TxDtls></NtryDtls></Ntry>"
        )
        exp.append(
            pexp(
                t,
                prec="day" if dt_only else "second",
                merchant=_m(ctx, i, t),
                reference=ref,
                day=t.ts.date(),
            )
        )
    out += [f"</{block}>", f"</{root}>", "</Document>"]
    return Rendered(f"camt{kind}.xml", "proofs", exp, text="\n".join(out))


def w_camt053(txns, ctx):
    return _camt(txns, ctx, "053")


def w_camt054(txns, ctx):
    return _camt(txns, ctx, "054")


# ---------------------------------------------------------------- OFX

OFX1_HEAD = (
    "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
    "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n"
)
OFX_ZONES = [("-5:EST", -5), ("+8:CST", 8), ("0:GMT", 0), ("-8:PST", -8), ("+1:CET", 1)]


def _ofx(txns, ctx, xml: bool):
    close = (lambda tag: f"</{tag}>") if xml else (lambda tag: "")
    if "utf8_in_1252" in ctx.opts or "cp1252" in ctx.opts:
        for t in txns:
            t.merchant = ctx.rng.choice(["Café Zürich", "Crème Brûlée Bäckerei", "Señor Niño Tapas"])
    body = []
    exp = []
    for i, t in enumerate(txns):
        t.currency = "USD"
        zname, h = ctx.rng.choice(OFX_ZONES)
        if "naive" in ctx.opts:
            t.ts = t.ts.replace(tzinfo=UTC)
            zone = ""
        else:
            t.ts = t.ts.replace(tzinfo=timezone(timedelta(hours=h)))
            zone = f"[{ctx.off.get(i, zname)}]"
        d = ctx.d(i, t)
        fitid = f"F{ctx.rng.randrange(10**10):010d}"
        stamp = d.ymd("") + ("" if "date_only" in ctx.opts else d.hms("") + zone)
        amt = ctx.signed(i, t)
        body.append(
            f"<STMTTRN><TRNTYPE>{'DEBIT' if t.direction == 'debit' else 'CREDIT'}{close('TRNTYPE')}"
            f"<DTPOSTED>{stamp}{close('DTPOSTED')}<TRNAMT>{amt}{close('TRNAMT')}<FITID>{fitid}{close('FITID')}"
            f"<NAME>{_x(ctx.m(i, t))}{close('NAME')}<MEMO>POS{close('MEMO')}</STMTTRN>"
        )
        prec = "day" if "date_only" in ctx.opts else "second"
        exp.append(pexp(t, prec=prec, merchant=_m(ctx, i, t), reference=fitid))
    c = close
    doc = (
        "<OFX>\n"
        f"<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0{c('CODE')}<SEVERITY>INFO{c('SEVERITY')}</STATUS>"
        f"<DTSERVER>20261201120000{c('DTSERVER')}<LANGUAGE>ENG{c('LANGUAGE')}</SONRS></SIGNONMSGSRSV1>\n"
        f"<BANKMSGSRSV1><STMTTRNRS><TRNUID>1{c('TRNUID')}<STATUS><CODE>0{c('CODE')}<SEVERITY>INFO{c('SEVERITY')}</STATUS>\n"
        f"<STMTRS><CURDEF>USD{c('CURDEF')}<BANKACCTFROM><BANKID>121000358{c('BANKID')}<ACCTID>123456789{c('ACCTID')}"
        f"<ACCTTYPE>CHECKING{c('ACCTTYPE')}</BANKACCTFROM>\n"
        f"<BANKTRANLIST><DTSTART>20230101{c('DTSTART')}<DTEND>20261201{c('DTEND')}\n"
        + "\n".join(body)
        + f"\n</BANKTRANLIST><LEDGERBAL><BALAMT>100.00{c('BALAMT')}<DTASOF>20261201{c('DTASOF')}</LEDGERBAL>"
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1>\n</OFX>"
    )
    if xml:
        head = (
            '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n'
        )
        return Rendered("statement.ofx", "proofs", exp, text=head + doc)
    enc = "cp1252" if "cp1252" in ctx.opts else "utf-8"
    return Rendered("statement.ofx", "proofs", exp, text=OFX1_HEAD + "\n" + doc, eol="\r\n", encoding=enc)


def w_ofx1(txns, ctx):
    return _ofx(txns, ctx, xml=False)


def w_ofx2(txns, ctx):
    return _ofx(txns, ctx, xml=True)


# ---------------------------------------------------------------- card SMS and app notifications

# Wordings from the field guide, section 1.1 and the WeChat official-account templates (quoted there),
# with the fields put back: (template, direction, precision, carries merchant, currency, tail digits,
# JSON only (a multi-line template)). A 3-digit tail gives no card_last4.
SMS_TEMPLATES: list[tuple[str, str, str, bool, str, int, bool]] = [
    (
        "尾号{l4}卡{mo}月{d}日{H}:{M}支出(消费{m}){a}元，余额1,333.22元。【工商银行】",
        "debit",
        "minute",
        True,
        "CNY",
        4,
        False,
    ),
    (
        "尾号{l4}卡{mo}月{d}日{H}:{M}收入(退款{m}){a}元，余额1,333.22元。【工商银行】",
        "credit",
        "minute",
        True,
        "CNY",
        4,
        False,
    ),
    (
        "【招商银行】您账户{l4}于{mo2}月{d2}日{H}:{M}在{m}快捷支付{a}元",
        "debit",
        "minute",
        True,
        "CNY",
        4,
        False,
    ),
    (
        "【中国农业银行】您尾号{l4}账户{mo2}月{d2}日{H}:{M}向{m}完成支付宝交易人民币-{a}，余额1,234.56。",
        "debit",
        "minute",
        True,
        "CNY",
        4,
        False,
    ),
    (
        "【建设银行】您账户{l4}于{mo}月{d}日{H}时{M}分向{m}支出人民币{a}元",
        "debit",
        "minute",
        True,
        "CNY",
        4,
        False,
    ),
    (
        "尊敬的客户，您在{Y}-{mo2}-{d2} {H}:{M}:{S}使用银行卡{l4}进行了RMB {a}元的网上支付交易。【中国银行】",
        "debit",
        "second",
        False,
        "CNY",
        4,
        False,
    ),
    ("您尾号{l4}交行信用卡{d2}日{H}时{M}分成功消费人民币{a}元", "debit", "minute", False, "CNY", 4, False),
    (
        "【邮储银行】{yy}年{mo2}月{d2}日{H}:{M}您尾号{l3}账户快捷支付，支出金额{a}元",
        "debit",
        "minute",
        False,
        "CNY",
        3,
        False,
    ),
    (
        "您尾号{l4}的龙卡信用卡{mo2}月{d2}日{H}:{M}消费/预付款{a}日元，实际消费金额以入账结算币种金额为准。",
        "debit",
        "minute",
        False,
        "JPY",
        4,
        False,
    ),
    (
        "【招商银行】您的招商银行信用卡({l4})于{mo2}月{d2}日{H}:{M}在{m}消费{a}元，详询185****6220。",
        "debit",
        "minute",
        True,
        "CNY",
        4,
        False,
    ),
    (
        "交易时间：尾号{l4}信用卡{mo2}月{d2}日{H}:{M}\n交易类型：消费\n交易金额：{a}人民币\n交易商户：{m}\n可用额度：11383815.03人民币",
        "debit",
        "minute",
        True,
        "CNY",
        4,
        True,
    ),
    (
        "交易时间：尾号{l4}信用卡{mo2}月{d2}日{H}:{M}\n交易类型：退货\n交易金额：{a}人民币\n交易商户：{m}",
        "credit",
        "minute",
        True,
        "CNY",
        4,
        True,
    ),
]


def _sms_text(i, t, ctx, tpl):
    d = ctx.d(i, t)
    a = ctx.amount(i, t)
    if t.currency == "JPY" and i not in ctx.amt:
        a = a + ".00"  # the CCB wording writes yen with two decimals: 858.00日元
    return tpl.format(
        l4=t.last4,
        l3=t.last4[1:],
        mo=d.mo,
        d=d.d,
        mo2=f"{d.mo:02d}",
        d2=f"{d.d:02d}",
        Y=f"{d.y:04d}",
        yy=f"{d.y % 100:02d}",
        H=f"{d.h:02d}",
        M=f"{d.mi:02d}",
        S=f"{d.s:02d}",
        m=ctx.m(i, t),
        a=a,
    )


def _sms_prepare(txns, ctx, *, json_ok: bool):
    out = []
    # messages without a year are read as the latest such day before `ref`: keep them within weeks
    base = txns[-1].ts
    # the campaign's row k (a card number ending in txns[k]'s card, placed at merch[-1 - k]) follows
    # its transaction through the re-sort below, so the number lands in that card's own message
    drawn = {id(t): j for j, t in enumerate(txns)}
    for t in txns:
        t.ts = base - timedelta(hours=ctx.rng.randrange(0, 24 * 25), minutes=ctx.rng.randrange(60))
    txns.sort(key=lambda t: t.ts)
    pool = [x for x in SMS_TEMPLATES if json_ok or not x[6]]
    for i, t in enumerate(txns):
        choices = (
            pool if i not in ctx.date else [x for x in pool if "{mo" in x[0]]
        )  # a day-only date has no month to damage
        tpl, direction, prec, has_m, cur, tail, _ = choices[ctx.rng.randrange(len(choices))]
        t.direction = direction
        t.last4 = t.last4 or "1234"
        if cur == "JPY":
            t.currency = "JPY"
            t.amount_minor = max(1, t.amount_minor // 100)
        if prec == "minute":
            t.ts = t.ts.replace(second=0)
        text = _sms_text(i, t, ctx, tpl)
        if i in ctx.merch and not has_m:
            text += " " + ctx.merch[i]  # a damage placed in free text after the message
        extra = ctx.merch.get(-1 - drawn[id(t)])
        if extra:
            text += extra
        e = pexp(
            t,
            prec=prec,
            merchant=_m(ctx, i, t) if has_m and not extra else SKIP,
            last4=t.last4 if tail == 4 else None,
        )
        out.append((t, text, e))
    return out


def w_sms(txns, ctx):
    items = _sms_prepare(txns, ctx, json_ok=False)
    ref = max(t.ts for t, _, _ in items) + timedelta(hours=1)
    return Rendered(
        "sms.txt",
        "proofs",
        [e for _, _, e in items],
        text="\n".join(x for _, x, _ in items),
        kwargs={"format": "sms", "ref": ref},
    )


def w_sms_json(txns, ctx):
    items = _sms_prepare(txns, ctx, json_ok=True)
    objs = []
    exp = []
    for k, (t, text, e) in enumerate(items):
        cap = int((t.ts + timedelta(seconds=40)).timestamp() * 1000)
        style = k % 3
        if style == 0:
            objs.append({"body": text, "t": cap})
        elif style == 1:
            objs.append({"title": "银行通知", "text": text, "t": cap})
        else:
            objs.append({"mMap": {"description": text}, "t": cap})
        exp.append(e)
    # the CMB push without date or merchant: dated by its capture time only
    if "cmb_push" in ctx.opts:
        t = items[-1][0]
        cap_ts = t.ts + timedelta(minutes=3)
        # the push says 人民币: the truth is CNY even when the last message was a 日元 one
        t2 = t.with_(direction="debit", ts=cap_ts, amount_minor=t.amount_minor + 1, currency="CNY")
        objs.append(
            {
                "title": "招商银行",
                "text": f"信用卡通知：您尾号{t.last4}的招行信用卡消费{fmt_minor(t2.amount_minor)}人民币。",
                "t": int(cap_ts.timestamp() * 1000),
            }
        )
        exp.append(pexp(t2, prec="day", last4=t.last4))
    text = json.dumps(objs, ensure_ascii="ascii_json" in ctx.opts, indent=1)
    return Rendered("notifications.json", "proofs", exp, text=text, kwargs={"format": "sms"})


# ---------------------------------------------------------------- counter input


def w_counter(txns, ctx):
    t = txns[0]
    t.ts = t.ts.replace(second=0)
    t.direction = "debit"
    d = ctx.d(0, t)
    style = ctx.rng.randrange(2)
    time = f"{d.ymd()} {d.h:02d}:{d.mi:02d}" if style == 0 else f"{d.ymd('/')} {d.h:02d}:{d.mi:02d}"
    amount = ctx.amount(0, t)
    if "yen" in ctx.opts:
        amount = "¥" + amount
    last4 = ctx.merch.get(-1, t.last4)
    args = {
        "amount": amount,
        "time": time,
        "last4": last4,
        "merchant": ctx.m(0, t),
        "reference": t.reference,
        "ref": t.ts + timedelta(days=1),
    }
    exp = [pexp(t, prec="minute", merchant=_m(ctx, 0, t), last4=t.last4, reference=t.reference)]
    return Rendered("<counter>", "counter", exp, counter_args=args)


CANON_P = [
    "proof_id",
    "kind",
    "ts",
    "ts_precision",
    "date",
    "amount_minor",
    "currency",
    "direction",
    "merchant_text",
    "card_last4",
    "reference",
    "wallet_txn_id",
    "order_no",
]


def w_proofs_csv(txns, ctx):
    """A proofs frame saved with to_csv(index=False): the canonical proofs layout of docs/proofs.md."""
    rows, exp = [], []
    for i, t in enumerate(txns):
        d = ctx.d(i, t)
        rows.append(
            [
                f"proofs:{i + 2}",
                "wallet",
                _iso(d, ctx.off.get(i, _offset_of(t))).replace("T", " "),
                "second",
                d.ymd(),
                ctx.amt.get(i, str(t.amount_minor)),
                t.currency,
                t.direction,
                ctx.m(i, t),
                t.last4 or "",
                t.reference or "",
                t.wallet_txn_id or "",
                t.order_no or "",
            ]
        )
        exp.append(
            pexp(
                t,
                prec="second",
                merchant=_m(ctx, i, t),
                last4=t.last4,
                wallet=t.wallet_txn_id,
                order=t.order_no,
                reference=t.reference,
            )
        )
    doc = TableDoc([], list(CANON_P), rows, roles={"amount": 5, "date": 2, "merchant": 8})
    return Rendered("proofs.csv", "proofs", exp, table=doc)


def w_foreign_csv(txns, ctx):
    """A plain English CSV in no layout the docs list (the issue's SMS-sniffing example): no reader's."""
    rows = []
    for i, t in enumerate(txns):
        d = ctx.d(i, t)
        word = "pending" if i % 2 == 0 else "completed"
        desc = "Card ending 1234 coffee" if "ending" in ctx.opts else ctx.m(i, t)
        rows.append([d.ymd(), desc, "$" + ctx.amount(i, t), word])
    doc = TableDoc(
        [], ["date", "description", "amount", "status"], rows, roles={"amount": 2, "date": 0, "merchant": 1}
    )
    return Rendered("export.csv", "proofs", [], table=doc, kwargs={"strict": False})


@dataclass
class Format:
    name: str
    writer: Callable
    kind: str  # "table", "text", "binary", "counter"
    english: bool = False
    tz: Any = SHANGHAI
    currency: str = "CNY"
    seconds: bool = True
    minrows: int = 1
    caps: frozenset = frozenset()  # which valid variants apply


T = "table"
FORMATS: dict[str, Format] = {
    f.name: f
    for f in [
        Format(
            "wechat_csv",
            w_wechat,
            T,
            caps=frozenset(
                {
                    "thousands",
                    "fullwidth",
                    "arabic",
                    "empty_opt",
                    "reorder",
                    "gbk",
                    "lf",
                    "partial_refund",
                    "returned_transfer",
                }
            ),
        ),
        Format(
            "wechat_xlsx",
            w_wechat_xlsx,
            "binary",
            caps=frozenset({"empty_opt", "moved_header", "partial_refund"}),
        ),
        Format(
            "alipay_csv",
            w_alipay,
            T,
            caps=frozenset({"padded", "empty_opt", "utf8", "reorder", "thousands", "no_seconds", "arabic"}),
        ),
        Format(
            "wechat_merchant", w_wechat_merchant, T, caps=frozenset({"sub_merchant", "bom", "reorder", "tsv"})
        ),
        Format(
            "unionpay_terminal", w_unionpay, T, caps=frozenset({"gbk", "bom", "crlf", "reorder", "thousands"})
        ),
        Format(
            "journal_csv", w_journal_csv, T, tz=SHANGHAI, caps=frozenset({"bom", "crlf", "reorder", "quoted"})
        ),
        Format("journal_parquet", w_journal_parquet, "binary", caps=frozenset()),
        Format(
            "cmb_credit",
            w_cmb_credit,
            T,
            minrows=2,
            caps=frozenset({"thousands", "plus", "bom", "crlf", "gbk", "alt_last4_header"}),
        ),
        Format(
            "cmb_debit",
            w_cmb_debit,
            T,
            caps=frozenset({"thousands", "plus", "bom", "crlf", "gbk", "reorder"}),
        ),
        Format("icbc", w_icbc, T, caps=frozenset({"thousands", "bom", "crlf", "gbk"})),
        Format("boc_credit", w_boc_credit, T, caps=frozenset({"thousands", "bom", "crlf", "gbk", "reorder"})),
        Format(
            "boc_debit",
            w_boc_debit,
            T,
            caps=frozenset({"thousands", "plus", "bom", "crlf", "gbk", "reorder"}),
        ),
        Format("bocom_credit", w_bocom_credit, T, caps=frozenset({"thousands", "bom", "crlf", "gbk"})),
        Format(
            "bocom_debit", w_bocom_debit, T, caps=frozenset({"thousands", "bom", "crlf", "gbk", "reorder"})
        ),
        Format("abc_debit", w_abc_debit, T, caps=frozenset({"thousands", "bom", "crlf", "gbk"})),
        Format(
            "cgb_credit",
            w_cgb_credit,
            T,
            caps=frozenset({"thousands", "plus", "bom", "crlf", "gbk", "reorder"}),
        ),
        Format(
            "hsbc_hk_credit",
            w_hsbc_credit,
            T,
            english=True,
            tz=HONG_KONG,
            caps=frozenset({"thousands", "crlf"}),
        ),
        Format(
            "hsbc_hk_debit",
            w_hsbc_debit,
            T,
            english=True,
            tz=HONG_KONG,
            caps=frozenset({"thousands", "crlf"}),
        ),
        Format(
            "paypal",
            w_paypal,
            T,
            english=True,
            caps=frozenset({"bom", "crlf", "thousands", "plus", "reorder", "tsv", "arabic"}),
        ),
        Format(
            "stripe_balance",
            w_stripe_balance,
            T,
            english=True,
            caps=frozenset({"bom", "crlf", "thousands", "reorder"}),
        ),
        Format(
            "stripe_payments",
            w_stripe_payments,
            T,
            english=True,
            caps=frozenset({"bom", "crlf", "reorder", "quoted"}),
        ),
        Format(
            "mt940",
            w_mt940,
            "text",
            english=True,
            caps=frozenset({"abn_header", "nonref", "short_decimals", "lf"}),
        ),
        Format(
            "camt053",
            w_camt053,
            "text",
            english=True,
            caps=frozenset({"v08", "dt_only", "naive", "bom", "crlf"}),
        ),
        Format(
            "camt054",
            w_camt054,
            "text",
            english=True,
            caps=frozenset({"v08", "dt_only", "naive", "bom", "crlf"}),
        ),
        Format(
            "ofx1",
            w_ofx1,
            "text",
            english=True,
            caps=frozenset({"naive", "date_only", "lf", "utf8_in_1252", "cp1252"}),
        ),
        Format("ofx2", w_ofx2, "text", english=True, caps=frozenset({"naive", "date_only", "crlf", "bom"})),
        Format("sms_text", w_sms, "text", seconds=False, caps=frozenset({"thousands", "fullwidth", "crlf"})),
        Format(
            "sms_json",
            w_sms_json,
            "text",
            seconds=False,
            caps=frozenset({"thousands", "cmb_push", "ascii_json", "bom"}),
        ),
        Format("foreign_csv", w_foreign_csv, T, english=True),
        Format("proofs_csv", w_proofs_csv, T, caps=frozenset({"bom", "crlf", "reorder", "quoted"})),
        Format(
            "counter",
            w_counter,
            "counter",
            seconds=False,
            caps=frozenset({"yen", "fullwidth", "thousands", "arabic"}),
        ),
    ]
}


def expected_date(d: datetime) -> date:
    return d.date()
