"""The accountant's month: known statement lines (the oracle) and writers of every documented layout.

Written from docs/proofs.md, docs/journal.md, docs/closing.md and ../shared/samples/FORMATS.md only (clean room:
never the code under test). Each writer renders a list of oracle lines the way the real export looks per
FORMATS.md and the public sample files, and returns the bytes plus the line numbers of the rows.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
HONG_KONG = ZoneInfo("Asia/Hong_Kong")
UTC = ZoneInfo("UTC")
EXPONENT = {"JPY": 0, "CNY": 2, "HKD": 2, "USD": 2, "EUR": 2}
YEAR, MONTH = 2026, 11

MERCHANTS_CN = [
    "海底捞火锅(三里屯店)",
    "云膳过桥米线(传奇广场店)",
    "罗森(莘庄店)",
    "喜茶（北京大兴万科广场店）",
    "上海公共交通卡股份有限公司",
    "美团平台商户",
    "茶语轩·五角场",
    "全家FamilyMart 徐家汇",
]
MERCHANTS_EN = [
    "TRIPLE Z COFFEE",
    "MCDONALDS CENTRAL",
    "KFC RESTAURANT",
    "SUPERMARKET HK",
    "7-ELEVEN WANCHAI",
]
HOSTILE = [
    '=HYPERLINK("http://evil.example/x","点我")',
    "<script>alert('rk')</script>",
    "@SUM(1+1)",
    "+86 转账",
]


@dataclass
class Line:
    """One known statement line, from the account holder's side: ``signed < 0`` is money out (debit)."""

    day: date
    ts: datetime | None  # aware, or None for a date-only line
    precision: str  # second / minute / day
    signed: Decimal
    currency: str
    text: str
    ref: str = ""
    order_no: str = ""
    last4: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def minor(self) -> int:
        return int(abs(self.signed) * (10 ** EXPONENT[self.currency]))

    @property
    def direction(self) -> str:
        return "debit" if self.signed < 0 else "credit"


def amount(rng: random.Random, currency: str, big: bool = False) -> Decimal:
    exp = EXPONENT[currency]
    hi = 5_000_000 if big else 80_000
    if currency == "JPY":
        return Decimal(rng.randint(100, 150_000))
    cents = rng.randint(1, hi)
    if rng.random() < 0.1:
        cents = rng.randint(100_000, 900_000_00)  # thousands separators
    return Decimal(cents).scaleb(-exp)


def month_lines(
    rng: random.Random,
    n: int,
    *,
    currencies: tuple[str, ...] = ("CNY",),
    tz: ZoneInfo = SHANGHAI,
    precision: str = "second",
    texts: list[str] | None = None,
    credit_share: float = 0.2,
    ref: str = "",
    hostile: bool = False,
) -> list[Line]:
    """n lines over the month, in time order; ``ref`` names the kind of reference to draw."""
    texts = texts or MERCHANTS_CN
    out: list[Line] = []
    days = sorted(rng.randint(1, 30) for _ in range(n))
    # at least one day above 12 so day/month order is decided by the file
    if days and max(days) <= 12:
        days[-1] = 27
    for i, d in enumerate(days):
        cur = rng.choice(currencies)
        sig = amount(rng, cur)
        if rng.random() >= credit_share:
            sig = -sig
        day = date(YEAR, MONTH, d)
        h, m, s = rng.randint(7, 22), rng.randint(0, 59), rng.randint(0, 59)
        if precision == "minute":
            s = 0
        ts = datetime(YEAR, MONTH, d, h, m, s, tzinfo=tz) if precision != "day" else None
        text = rng.choice(texts)
        if hostile and i in (2, 5, 7, 11):
            text = HOSTILE[(i // 3) % len(HOSTILE)]
        r = ""
        if ref == "wechat":
            r = "4200" + "".join(rng.choice("0123456789") for _ in range(24))
        elif ref == "alipay":
            r = f"{YEAR}{MONTH:02d}{d:02d}22001" + "".join(rng.choice("0123456789") for _ in range(15))
        elif ref == "alnum":
            r = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(16))
        elif ref == "digits":
            r = "".join(rng.choice("0123456789") for _ in range(9))
        elif ref == "stripe":
            r = "txn_" + "".join(rng.choice("abcdefghijkLMNOPQ0123456789") for _ in range(22))
        order = f"M{YEAR}{MONTH:02d}{d:02d}{i:04d}" if ref in ("wechat", "alipay") else ""
        out.append(Line(day, ts, precision, sig, cur, text, r, order, last4=f"{rng.randint(0, 9999):04d}"))
    return out


def money(v: Decimal, currency: str, *, thousands: bool = False, sign: bool = True) -> str:
    exp = EXPONENT[currency]
    q = abs(v).quantize(Decimal(1).scaleb(-exp))
    s = f"{q:,.{exp}f}" if thousands else f"{q:.{exp}f}"
    if sign and v < 0:
        s = "-" + s
    return s


def csv_cell(s: str) -> str:
    if any(c in s for c in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def csv_line(cells: list[str], end: str = "\n") -> str:
    return ",".join(csv_cell(c) for c in cells) + end


@dataclass
class Written:
    """A rendered file: bytes, name, oracle lines in order, the 1-based file line of each, the reader call."""

    fmt: str
    name: str
    data: bytes
    lines: list[Line]
    rows: list[int]
    reader: str = "proofs"  # proofs / journal / settlement
    kwargs: dict = field(default_factory=dict)
    text_check: bool = True
    ref_field: str = "any"
    encoding: str = "utf-8"
    # how a table's amount cell is written, for damage: (line index in text, cell index) per row
    amount_cell: int | None = None
    signed_layout: bool = True
    skipped: int = 0  # rows that are no payment (docs: listed in receiptkit.skipped(frame))


# ---------------------------------------------------------------------------------------------------------
# wallets


def wechat(lines: list[Line]) -> Written:
    pad = ",,,,,,,,,,"
    n_in = sum(1 for x in lines if x.signed > 0)
    pre = [
        "微信支付账单明细",
        "微信昵称：[会计]",
        f"起始时间：[{YEAR}-{MONTH:02d}-01 00:00:00] 终止时间：[{YEAR}-{MONTH:02d}-30 23:59:59]",
        "导出类型：[全部]",
        f"导出时间：[{YEAR}-12-01 09:12:52]",
        "",
        f"共{len(lines)}笔记录",
        f"收入：{n_in}笔 0.00元",
        f"支出：{len(lines) - n_in}笔 0.00元",
        "中性交易：0笔 0.00元",
        "注：",
        "1. 充值/提现/理财通购买/零钱通存取/信用卡还款等交易，将计入中性交易",
        "2. 本明细仅展示当前账单中的交易，不包括已删除的记录",
        "3. 本明细仅供个人对账使用",
        "",
        "----------------------微信支付账单明细列表--------------------",
    ]
    out = [p + pad for p in pre]
    out.append("交易时间,交易类型,交易对方,商品,收/支,金额(元),支付方式,当前状态,交易单号,商户单号,备注")
    rows = []
    for x in lines:
        assert x.ts is not None
        kind = "商户消费" if x.signed < 0 else "退款"
        io_ = "支出" if x.signed < 0 else "收入"
        state = "支付成功" if x.signed < 0 else "已全额退款"
        cells = [
            x.ts.strftime("%Y-%m-%d %H:%M:%S"),
            kind,
            x.text,
            "商品",
            io_,
            "¥" + money(x.signed, "CNY", sign=False),
            f"招商银行({x.last4})",
            state,
            x.ref + "\t",
            x.order_no + "\t",
            "/",
        ]
        out.append(csv_line(cells, end="").rstrip("\n"))
        rows.append(len(out))
    text = "\r\n".join(out) + "\r\n"
    return Written(
        "wechat",
        f"微信支付账单({YEAR}{MONTH:02d}01-{YEAR}{MONTH:02d}30).csv",
        b"\xef\xbb\xbf" + text.encode("utf-8"),
        lines,
        rows,
        amount_cell=5,
        signed_layout=False,
    )


def wechat_xlsx(lines: list[Line]) -> Written:
    import openpyxl

    w = wechat(lines)
    text = w.data.decode("utf-8-sig")
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, raw in enumerate(text.split("\r\n")[:-1]):
        import csv

        cells = next(csv.reader([raw]))
        if i < 16:
            ws.append([cells[0]])
            continue
        row: list[object] = list(cells)
        if i > 16:
            row[5] = float(cells[5].lstrip("¥"))  # the xlsx stores a number (FORMATS.md)
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    rows = [
        r + 1 for r in w.rows
    ]  # row 18 for the header in the xlsx: data from row 18+... (header row 17 -> 18)
    rows = [r for r in w.rows]
    return Written(
        "wechat_xlsx", "微信支付账单流水文件.xlsx", buf.getvalue(), lines, rows, signed_layout=False
    )


def alipay(lines: list[Line]) -> Written:
    pre = [
        "-" * 84,
        "导出信息：",
        "姓名：xx",
        "支付宝账户：xx@example.com",
        f"起始时间：[{YEAR}-{MONTH:02d}-01 00:00:00]    终止时间：[{YEAR}-{MONTH:02d}-30 23:59:59]",
        "导出交易类型：[全部]",
        f"导出时间：[{YEAR}-12-01 09:12:52]",
        f"共{len(lines)}笔记录",
        "收入：0笔 0.00元",
        "支出：0笔 0.00元",
        "不计收支：0笔 0.00元",
        "",
        "特别提示：",
    ]
    pre += [f"{i}.本回单内容仅供参考；" for i in range(1, 10)]
    pre += [
        "",
        "------------------------支付宝（中国）网络技术有限公司  电子客户回单------------------------",
    ]
    header = "交易时间,交易分类,交易对方,对方账号,商品说明,收/支,金额,收/付款方式,交易状态,交易订单号,商家订单号,备注,"
    out = [*pre, header]
    rows = []
    for x in lines:
        assert x.ts is not None
        stamp = x.ts.strftime("%Y-%m-%d %H:%M" if x.precision == "minute" else "%Y-%m-%d %H:%M:%S")
        cells = [
            stamp + " ",
            "餐饮美食" if x.signed < 0 else "退款",
            x.text,
            "/",
            "商品示例",
            "支出" if x.signed < 0 else "收入",
            money(x.signed, "CNY", sign=False),
            f"交通银行信用卡({x.last4})",
            "交易成功" if x.signed < 0 else "退款成功",
            x.ref + "\t",
            x.order_no + "\t",
            "",
        ]
        out.append(csv_line(cells, end="").rstrip("\n") + ",")
        rows.append(len(out))
    text = "\r\n".join(out) + "\r\n"
    return Written(
        "alipay",
        "alipay_record_20261201.csv",
        text.encode("gb18030"),
        lines,
        rows,
        encoding="gb18030",
        amount_cell=6,
        signed_layout=False,
    )


# ---------------------------------------------------------------------------------------------------------
# Chinese banks


def cmb_debit(lines: list[Line]) -> Written:
    out = ["记账日期,货币,交易金额,联机余额,交易摘要,对手信息,客户摘要"]
    rows = []
    for x in lines:
        cells = [
            x.day.isoformat(),
            x.currency,
            money(x.signed, x.currency, thousands=True),
            "1,234.56",
            "快捷支付" if x.signed < 0 else "退款",
            x.text,
            "",
        ]
        out.append(csv_line(cells).rstrip("\n"))
        rows.append(len(out))
    return Written(
        "cmb_debit", "cmb_debit_202611.csv", ("\n".join(out) + "\n").encode(), lines, rows, amount_cell=2
    )


def cmb_credit(lines: list[Line], year: int = YEAR, month_: int = MONTH) -> Written:
    """招商银行信用卡: MM/DD dates, the year from the title; positive = spend."""
    out = [
        f"招商银行信用卡对账单（个人消费卡账户 {year}年{month_:02d}月）",
        "交易日,记账日,交易摘要,人民币金额,卡号末四位,交易地金额",
    ]
    rows = []
    for x in lines:
        a = money(-x.signed, "CNY", thousands=True)
        posted = x.day + timedelta(days=1)
        cells = [x.day.strftime("%m/%d"), posted.strftime("%m/%d"), x.text, a, x.last4, a + "(CN)"]
        out.append(csv_line(cells).rstrip("\n"))
        rows.append(len(out))
    name = f"cmb_credit_{year}{month_:02d}.csv"
    return Written("cmb_credit", name, ("\n".join(out) + "\n").encode(), lines, rows, amount_cell=3)


def boc_credit(lines: list[Line]) -> Written:
    out = [
        f"中国银行信用卡账单({YEAR}年{MONTH:02d}月)",
        "交易日,银行记账日,卡号后四位,交易描述,存入,支出,币种",
    ]
    rows = []
    for x in lines:
        posted = x.day + timedelta(days=1)
        a = money(x.signed, x.currency, sign=False)
        cells = [
            x.day.isoformat(),
            posted.isoformat(),
            x.last4,
            x.text,
            a if x.signed > 0 else "",
            a if x.signed < 0 else "",
            x.currency,
        ]
        out.append(csv_line(cells).rstrip("\n"))
        rows.append(len(out))
    return Written(
        "boc_credit",
        "boc_credit_202611.csv",
        ("\n".join(out) + "\n").encode(),
        lines,
        rows,
        amount_cell=None,
        signed_layout=False,
    )


def boc_debit(lines: list[Line]) -> Written:
    out = [
        "中国银行交易流水明细单",
        "记账日期,记账时间,币别,金额,余额,交易名称,渠道,网点名称,附言,对方账户名,对方卡号/账号,对方开户行,借记卡号",
    ]
    rows = []
    for x in lines:
        assert x.ts is not None
        cells = [
            x.ts.strftime("%Y-%m-%d"),
            x.ts.strftime("%H:%M:%S"),
            "人民币",
            money(x.signed, "CNY", thousands=True),
            "3,240.28",
            "网上快捷支付" if x.signed < 0 else "网上快捷退款",
            "银企对接",
            "-------------------",
            x.text,
            x.text,
            "Z200******010N",
            "-------------------",
            x.last4,
        ]
        out.append(csv_line(cells).rstrip("\n"))
        rows.append(len(out))
    return Written(
        "boc_debit", "boc_debit_202611.csv", ("\n".join(out) + "\n").encode(), lines, rows, amount_cell=3
    )


def bocom_credit(lines: list[Line]) -> Written:
    out = ["交易日期,记账日期,交易说明,交易币种/金额,入账币种/金额"]
    rows = []
    for x in lines:
        word = "消费" if x.signed < 0 else "退货"
        a = (
            f"{x.currency} {abs(x.signed):.2f}"
            if x.currency == "JPY"
            else f"{x.currency} {money(x.signed, x.currency, sign=False)}"
        )
        settle = f"CNY {money(x.signed, 'CNY', sign=False)}" if x.currency == "CNY" else "CNY 49.85"
        cells = [x.day.isoformat(), (x.day + timedelta(days=1)).isoformat(), f"{word} {x.text}", a, settle]
        out.append(csv_line(cells).rstrip("\n"))
        rows.append(len(out))
    return Written(
        "bocom_credit",
        "bocom_credit_202611.csv",
        ("\n".join(out) + "\n").encode(),
        lines,
        rows,
        amount_cell=3,
        signed_layout=False,
    )


def abc_debit(lines: list[Line]) -> Written:
    out = ["交易日期,交易时间,交易摘要,交易金额,本次余额,对手信息,日 志 号,交易渠道,交易附言"]
    rows = []
    for x in lines:
        sgn = "-" if x.signed < 0 else "+"
        cells = [
            x.day.strftime("%Y%m%d"),
            x.ts.strftime("%H%M%S") if x.ts is not None else "",  # empty time: day precision (docs/proofs.md)
            "财付通" if x.signed < 0 else "退款",
            sgn + money(x.signed, "CNY", sign=False),
            "11000.00",
            x.text,
            x.ref,
            "电子商务",
            x.text,
        ]
        out.append(csv_line(cells).rstrip("\n"))
        rows.append(len(out))
    return Written(
        "abc_debit", "abc_debit_202611.csv", ("\n".join(out) + "\n").encode(), lines, rows, amount_cell=3
    )


def cgb_credit(lines: list[Line]) -> Written:
    out = ["交易日期,入账日期,交易摘要,交易金额,交易货币,入账金额,入账货币"]
    rows = []
    for x in lines:
        word = "（消费）" if x.signed < 0 else "（退款）"
        a = money(-x.signed, "CNY")  # positive = spend
        cells = [
            x.day.strftime("%Y/%m/%d"),
            (x.day + timedelta(days=1)).strftime("%Y/%m/%d"),
            word + x.text,
            a,
            "人民币",
            a,
            "人民币",
        ]
        out.append(csv_line(cells).rstrip("\n"))
        rows.append(len(out))
    return Written(
        "cgb_credit", "cgb_credit_202611.csv", ("\n".join(out) + "\n").encode(), lines, rows, amount_cell=3
    )


def hsbc_credit(lines: list[Line]) -> Written:
    out = [
        "Transaction date,Post date,Description,Billing amount,Billing currency,Transaction status,"
        "Merchant name,Country / region,Area / district,Credit / Debit"
    ]
    rows = []
    for x in lines:
        pref = "SALES:   " if x.signed < 0 else "RETURN:  "
        cells = [
            x.day.strftime("%d/%m/%Y"),
            (x.day + timedelta(days=1)).strftime("%d/%m/%Y"),
            f"{pref}{x.text:<26}HKG          HK",
            None,
            x.currency,
            "POSTED",
            x.text,
            "HONG KONG",
            "HKG",
            "DEBIT" if x.signed < 0 else "CREDIT",
        ]
        amt = '"' + money(x.signed, x.currency, thousands=True) + '"\t'
        line = ",".join(amt if c is None else csv_cell(c) for c in cells)
        out.append(line)
        rows.append(len(out))
    return Written(
        "hsbc_hk_credit",
        "hsbc_hk_credit_202611.csv",
        ("\n".join(out) + "\n").encode(),
        lines,
        rows,
        amount_cell=3,
    )


def hsbc_debit(lines: list[Line]) -> Written:
    """Card lines end with the sale's day (``TRIPLE Z   HC1234567890123456   22MAR``); Date is the posting date."""
    out = ["Date,Description,Billing amount,Billing currency,Balance,Balance currency"]
    rows = []
    for i, x in enumerate(lines):
        posted = x.day
        desc = x.text
        if i % 2 == 0 and x.signed < 0:
            lag = 1 + i % 3
            posted = x.day + timedelta(days=lag)
            ref = "HC" + f"{(i * 7919 + 12345) % 10**16:016d}"
            desc = f"{x.text:<25}{ref}   {x.day.day:02d}{x.day.strftime('%b').upper()}"
        amt = '"' + money(x.signed, x.currency, thousands=True) + '"\t'
        line = ",".join(
            [posted.strftime("%d/%m/%Y"), csv_cell(desc), amt, x.currency, '"3,612.17"\t', x.currency]
        )
        out.append(line)
        rows.append(len(out))
    return Written(
        "hsbc_hk_debit",
        "hsbc_hk_debit_202611.csv",
        ("\n".join(out) + "\n").encode(),
        lines,
        rows,
        amount_cell=2,
    )


# ---------------------------------------------------------------------------------------------------------
# processors


def paypal(lines: list[Line]) -> Written:
    hdr = [
        "Date", "Time", "TimeZone", "Name", "Type", "Status", "Currency", "Gross", "Fee", "Net",
        "From Email Address", "To Email Address", "Transaction ID", "Reference Txn ID", "Balance",
    ]  # fmt: skip
    out = [",".join(f'"{h}"' for h in hdr)]
    rows = []
    for x in lines:
        assert x.ts is not None
        local = x.ts.astimezone(ZoneInfo("America/Los_Angeles"))
        zone = "PDT" if local.dst() else "PST"
        g = money(x.signed, x.currency, thousands=True)
        cells = [
            local.strftime("%d/%m/%Y"),
            local.strftime("%H:%M:%S"),
            zone,
            x.text,
            "Express Checkout Payment" if x.signed < 0 else "Payment Refund",
            "Completed",
            x.currency,
            g,
            "0.00" if x.currency != "JPY" else "0",
            g,
            "me@example.com",
            "shop@example.com",
            x.ref,
            "",
            "0.00",
        ]
        out.append(",".join('"' + c.replace('"', '""') + '"' for c in cells))
        rows.append(len(out))
    # a currency conversion pair (docs/proofs.md: not payments, listed in skipped)
    for cur, g, tid, ref in (
        ("USD", "-78.02", "CONV0001", "CONV0002"),
        ("EUR", "70.00", "CONV0002", "CONV0001"),
    ):
        cells = ["28/11/2026", "02:43:36", "PST", "", "General Currency Conversion", "Completed", cur, g, "0.00", g,
                 "", "", tid, ref, "0.00"]  # fmt: skip
        out.append(",".join('"' + c + '"' for c in cells))
    return Written(
        "paypal", "Download.CSV", ("\n".join(out) + "\n").encode(), lines, rows, amount_cell=7, skipped=2
    )


def stripe(lines: list[Line]) -> Written:
    hdr = "balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,description"
    out = [",".join(f'"{h}"' for h in hdr.split(","))]
    rows = []
    for x in lines:
        assert x.ts is not None
        u = x.ts.astimezone(UTC)
        g = money(-x.signed, x.currency)  # a charge (the customer paid) is positive gross
        cells = [
            x.ref,
            u.strftime("%Y-%m-%d %H:%M:%S"),
            (u + timedelta(days=2)).strftime("%Y-%m-%d 00:00:00"),
            x.currency.lower(),
            g,
            "0.00" if x.currency != "JPY" else "0",
            g,
            "charge" if x.signed < 0 else "refund",
            x.text,
        ]
        out.append(",".join('"' + c.replace('"', '""') + '"' for c in cells))
        rows.append(len(out))
    # a payout (docs/proofs.md: not a payment, listed in skipped)
    out.append('"txn_payout0000000000000001","2026-11-30 01:00:00","2026-11-30 00:00:00","usd","-500.00","0.00",'
               '"-500.00","payout","STRIPE PAYOUT"')  # fmt: skip
    return Written(
        "stripe", "balance_change_from_activity.csv", ("\n".join(out) + "\n").encode(), lines, rows,
        text_check=False, amount_cell=4, skipped=1,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------
# interchange formats


def _ofx_time(ts: datetime) -> str:
    off = ts.utcoffset()
    assert off is not None
    h = int(off.total_seconds() // 3600)
    return ts.strftime("%Y%m%d%H%M%S") + f".000[{h:+d}:CST]"


def ofx1(lines: list[Line], curdef: str = "HKD") -> Written:
    head = (
        "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:UTF-8\r\nCHARSET:NONE\r\n"
        "COMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
    )
    body = [
        "<OFX>",
        "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261201120000<LANGUAGE>ENG</SONRS>"
        "</SIGNONMSGSRSV1>",
        "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS>",
        f"<CURDEF>{curdef}",
        "<BANKACCTFROM><BANKID>004<ACCTID>123456789<ACCTTYPE>CHECKING</BANKACCTFROM>",
        "<BANKTRANLIST><DTSTART>20261101<DTEND>20261130",
    ]
    rows = []
    text_lines = head.split("\r\n")[:-1]
    for x in lines:
        rows.append(len(text_lines) + len(body) + 1)
        body.append("<STMTTRN>")
        body.append(f"<TRNTYPE>{'DEBIT' if x.signed < 0 else 'CREDIT'}")
        # a date without a time: FORMATS.md, DTPOSTED YYYYMMDD[HHMMSS...]
        body.append(f"<DTPOSTED>{_ofx_time(x.ts) if x.ts is not None else x.day.strftime('%Y%m%d')}")
        body.append(f"<TRNAMT>{money(x.signed, x.currency)}")
        body.append(f"<FITID>{x.ref}")
        body.append(f"<NAME>{x.text}")
        if x.currency != curdef:
            body.append(f"<CURRENCY><CURRATE>1.0<CURSYM>{x.currency}</CURRENCY>")
        body.append("</STMTTRN>")
    body += [
        "</BANKTRANLIST><LEDGERBAL><BALAMT>100.00<DTASOF>20261130</LEDGERBAL>",
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1>",
        "</OFX>",
    ]
    return Written(
        "ofx1",
        "statement.ofx",
        (head + "\r\n".join(body) + "\r\n").encode(),
        lines,
        rows,
        ref_field="reference",
    )


def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def ofx2(lines: list[Line], curdef: str = "USD") -> Written:
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
        '<?OFX OFXHEADER="200" VERSION="200" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>',
        "<OFX>",
        "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
        "<DTSERVER>20261201120000</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>",
        "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>",
        f"<STMTRS><CURDEF>{curdef}</CURDEF>",
        "<BANKACCTFROM><BANKID>121099999</BANKID><ACCTID>999988</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>",
        "<BANKTRANLIST><DTSTART>20261101</DTSTART><DTEND>20261130</DTEND>",
    ]
    rows = []
    for x in lines:
        assert x.ts is not None
        rows.append(len(out) + 1)
        cur = (
            f"<CURRENCY><CURRATE>1.0</CURRATE><CURSYM>{x.currency}</CURSYM></CURRENCY>"
            if x.currency != curdef
            else ""
        )
        out.append(
            f"<STMTTRN><TRNTYPE>{'DEBIT' if x.signed < 0 else 'CREDIT'}</TRNTYPE>"
            f"<DTPOSTED>{_ofx_time(x.ts)}</DTPOSTED><TRNAMT>{money(x.signed, x.currency)}</TRNAMT>"
            f"<FITID>{x.ref}</FITID><NAME>{_xml_escape(x.text)}</NAME>{cur}</STMTTRN>"
        )
    out += [
        "</BANKTRANLIST><LEDGERBAL><BALAMT>200.29</BALAMT><DTASOF>20261130</DTASOF></LEDGERBAL>",
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1>",
        "</OFX>",
    ]
    return Written(
        "ofx2", "statement2.ofx", ("\n".join(out) + "\n").encode(), lines, rows, ref_field="reference"
    )


def mt940(lines: list[Line]) -> Written:
    out = [":20:RK202611", ":25:NL77ABNA0574908765", ":28C:00011/1", ":60F:C261031EUR1000,00"]
    rows = []
    for x in lines:
        yymmdd = x.day.strftime("%y%m%d")
        mark = "D" if x.signed < 0 else "C"
        amt = f"{abs(x.signed):.2f}".replace(".", ",")
        rows.append(len(out) + 1)
        out.append(f":61:{yymmdd}{x.day.strftime('%m%d')}{mark}{amt}NTRF{x.ref}//B{x.ref[:8]}")
        out.append(f":86:{x.text}")
    out += [":62F:C261130EUR1000,00", "-"]
    return Written(
        "mt940", "statement.sta", ("\r\n".join(out) + "\r\n").encode(), lines, rows, ref_field="reference"
    )


def camt053(lines: list[Line]) -> Written:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">',
        "<BkToCstmrStmt>",
        "<GrpHdr><MsgId>RK/2026/11</MsgId><CreDtTm>2026-12-01T09:00:00+08:00</CreDtTm></GrpHdr>",
        "<Stmt><Id>RK2611</Id><CreDtTm>2026-12-01T09:00:00+08:00</CreDtTm>",
        "<Acct><Id><IBAN>NL77ABNA0574908765</IBAN></Id><Nm>会计示例有限公司</Nm></Acct>",
    ]
    rows = []
    for x in lines:
        ind = "DBIT" if x.signed < 0 else "CRDT"
        party = "Cdtr" if x.signed < 0 else "Dbtr"
        bookg = (
            f"<BookgDt><DtTm>{x.ts.isoformat()}</DtTm></BookgDt>"
            if x.ts is not None
            else f"<BookgDt><Dt>{x.day.isoformat()}</Dt></BookgDt>"
        )
        rows.append(len(out) + 1)
        out += [
            "<Ntry>",
            f'<Amt Ccy="{x.currency}">{money(x.signed, x.currency, sign=False)}</Amt>',
            f"<CdtDbtInd>{ind}</CdtDbtInd><Sts>BOOK</Sts>",
            bookg,
            f"<ValDt><Dt>{x.day.isoformat()}</Dt></ValDt>",
            f"<AcctSvcrRef>{x.ref}</AcctSvcrRef>",
            "<NtryDtls><TxDtls>",
            f"<RltdPties><{party}><Nm>{_xml_escape(x.text)}</Nm></{party}></RltdPties>",
            "</TxDtls></NtryDtls>",
            "</Ntry>",
        ]
    out += ["</Stmt>", "</BkToCstmrStmt>", "</Document>"]
    return Written(
        "camt053", "camt053_202611.xml", ("\n".join(out) + "\n").encode(), lines, rows, ref_field="reference"
    )


# ---------------------------------------------------------------------------------------------------------
# canonical proofs / journal / settlement


def canonical_proofs_frame(lines: list[Line], stem: str = "manual_month") -> object:
    import pandas as pd

    recs = []
    for i, x in enumerate(lines):
        recs.append(
            {
                "proof_id": f"{stem}:{i + 2}",
                "kind": "bank_statement",
                "ts": pd.Timestamp(x.ts) if x.ts is not None else pd.NaT,
                "ts_precision": x.precision,
                "date": x.day.isoformat(),
                "amount_minor": x.minor,
                "currency": x.currency,
                "direction": x.direction,
                "merchant_text": x.text,
                "card_last4": x.last4,
                "reference": x.ref,
            }
        )
    df = pd.DataFrame(recs)
    df["ts"] = pd.to_datetime(df["ts"], utc=True).dt.tz_convert("Asia/Shanghai")
    return df


def canonical_proofs_csv(lines: list[Line]) -> Written:
    df = canonical_proofs_frame(lines)
    text = df.to_csv(index=False)  # type: ignore[attr-defined]
    return Written(
        "canonical_proofs_csv", "proofs.csv", text.encode(), lines, [i + 2 for i in range(len(lines))],
        ref_field="reference", amount_cell=5,
    )  # fmt: skip


def canonical_proofs_parquet(lines: list[Line]) -> Written:
    df = canonical_proofs_frame(lines)
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)  # type: ignore[attr-defined]
    return Written(
        "canonical_proofs_parquet", "proofs.parquet", buf.getvalue(), lines, list(range(1, len(lines) + 1)),
        ref_field="reference",
    )  # fmt: skip


def journal_frame(lines: list[Line]) -> object:
    """Sales of the shop (the wallet lines' payments), canonical journal columns."""
    import pandas as pd

    recs = []
    for i, x in enumerate(lines):
        assert x.ts is not None
        recs.append(
            {
                "txn_id": f"T{i + 1:08d}",
                "merchant_id": "898310058120003",
                "merchant_name": x.text,
                "terminal_id": "12000002",
                "ts": x.ts,
                "amount_minor": x.minor,
                "currency": x.currency,
                "txn_type": "sale" if x.signed < 0 else "refund",
                "status": "approved",
                "channel": "wechat",
                "wallet_txn_id": x.ref,
                "order_no": x.order_no,
            }
        )
    df = pd.DataFrame(recs)
    df["ts"] = pd.to_datetime(df["ts"].map(lambda t: t.isoformat()), utc=False, format="ISO8601")
    return df


def journal_csv(lines: list[Line]) -> Written:
    df = journal_frame(lines)
    text = df.to_csv(index=False)  # type: ignore[attr-defined]
    return Written(
        "journal_csv", "journal.csv", text.encode(), lines, [i + 2 for i in range(len(lines))], reader="journal",
        amount_cell=5,
    )  # fmt: skip


def journal_parquet(lines: list[Line]) -> Written:
    df = journal_frame(lines)
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)  # type: ignore[attr-defined]
    return Written(
        "journal_parquet", "journal.parquet", buf.getvalue(), lines, list(range(1, len(lines) + 1)),
        reader="journal",
    )  # fmt: skip


def settlement(lines: list[Line]) -> Written:
    """UnionPay-style settlement detail: one line per batch; the Line's signed amount is the gross."""
    out = [
        "银联商务结算明细",
        "商户号:898310058120003",
        "结算日期,商户号,终端号,批次号,笔数,交易金额,手续费,结算金额,币种",
    ]
    rows = []
    for i, x in enumerate(lines):
        gross = -x.signed  # a sales batch is positive
        fee = (abs(gross) * Decimal("0.006")).quantize(Decimal("0.01"))
        if gross < 0:
            fee = -fee
        net = gross - fee
        x.extra.update(gross=gross, fee=fee, net=net, batch=f"{i + 1:06d}")
        cells = [
            x.day.strftime("%Y-%m-%d"),
            "898310058120003",
            "12000002",
            f"{i + 1:06d}",
            "3",
            f"{gross:,.2f}",
            f"{fee:.2f}",
            f"{net:,.2f}",
            "CNY",
        ]
        out.append(csv_line(cells).rstrip("\n"))
        rows.append(len(out))
    out.append(f"合计,,,,{3 * len(lines)},,,,")
    return Written(
        "unionpay_settlement", "结算明细.csv", ("\n".join(out) + "\n").encode(), lines, rows, reader="settlement",
        text_check=False, amount_cell=5,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------


def _mixed(lines: list[Line], day_every: int = 0, minute_every: int = 0) -> list[Line]:
    """Some lines with a date only (day precision), some with minutes only."""
    out = []
    for i, x in enumerate(lines):
        if day_every and i % day_every == day_every - 1:
            x = replace(x, ts=None, precision="day")
        elif minute_every and x.ts is not None and i % minute_every == minute_every - 1:
            x = replace(x, ts=x.ts.replace(second=0), precision="minute")
        out.append(x)
    return out


def _shift(lines: list[Line], rng: random.Random, back: int) -> list[Line]:
    """Some card lines of the month before (a statement covers the end of the previous month)."""
    out = []
    for i, x in enumerate(lines):
        if i < 4:
            x = replace(x, day=x.day - timedelta(days=back + rng.randint(0, 8)))
        out.append(x)
    return sorted(out, key=lambda y: y.day)


def _newyear(lines: list[Line]) -> list[Line]:
    """A January statement: December lines of the year before and January lines."""
    out = []
    for i, x in enumerate(lines):
        d = date(YEAR, 12, min(x.day.day, 31)) if i % 2 == 0 else date(YEAR + 1, 1, min(x.day.day, 25))
        out.append(replace(x, day=d))
    return sorted(out, key=lambda y: y.day)


def month(seed: int) -> dict[str, Written]:
    """Every file of the accountant's month for one seed."""
    rng = random.Random(seed * 7919 + 10)
    n = 24
    w_lines = month_lines(rng, n, ref="wechat", hostile=True)
    out = {
        "wechat": wechat(w_lines),
        "wechat_xlsx": wechat_xlsx(month_lines(rng, 12, ref="wechat")),
        "alipay": alipay(month_lines(rng, n, ref="alipay")),
        "alipay_minute": alipay(month_lines(rng, 12, ref="alipay", precision="minute")),
        "cmb_debit": cmb_debit(month_lines(rng, n, precision="day")),
        "cmb_credit": cmb_credit(_shift(month_lines(rng, n, precision="day"), rng, back=20)),
        "cmb_credit_newyear": cmb_credit(_newyear(month_lines(rng, 12, precision="day")), YEAR + 1, 1),
        "boc_credit": boc_credit(month_lines(rng, n, precision="day", currencies=("CNY", "USD"))),
        "boc_debit": boc_debit(month_lines(rng, n)),
        "bocom_credit": bocom_credit(month_lines(rng, n, precision="day", currencies=("CNY", "JPY", "USD"))),
        "abc_debit": abc_debit(_mixed(month_lines(rng, n, ref="digits"), day_every=4)),
        "cgb_credit": cgb_credit(month_lines(rng, n, precision="day")),
        "hsbc_hk_credit": hsbc_credit(
            month_lines(rng, n, precision="day", currencies=("HKD", "CNY", "USD"), texts=MERCHANTS_EN)
        ),
        "hsbc_hk_debit": hsbc_debit(
            month_lines(rng, n, precision="day", currencies=("HKD",), texts=MERCHANTS_EN)
        ),
        "paypal": paypal(
            month_lines(
                rng,
                n,
                currencies=("USD", "EUR", "HKD", "JPY"),
                tz=ZoneInfo("America/Los_Angeles"),
                texts=MERCHANTS_EN + MERCHANTS_CN,
                ref="alnum",
            )
        ),
        "stripe": stripe(month_lines(rng, n, currencies=("USD", "JPY", "HKD", "EUR"), tz=UTC, ref="stripe")),
        "ofx1": ofx1(
            _mixed(month_lines(rng, n, currencies=("HKD", "USD"), tz=HONG_KONG, ref="alnum"), day_every=6)
        ),
        "ofx2": ofx2(month_lines(rng, n, currencies=("USD", "CNY"), tz=SHANGHAI, ref="alnum")),
        "mt940": mt940(
            month_lines(rng, n, precision="day", currencies=("EUR",), texts=MERCHANTS_EN, ref="alnum")
        ),
        "camt053": camt053(
            month_lines(rng, n, currencies=("EUR", "CNY"), ref="alnum")
            + [
                replace(x, ts=None, precision="day")
                for x in month_lines(rng, 4, currencies=("EUR",), ref="alnum")
            ]
        ),
        "canonical_proofs_csv": canonical_proofs_csv(
            _mixed(month_lines(rng, n, currencies=("CNY", "JPY", "HKD")), day_every=5, minute_every=3)
        ),
        "canonical_proofs_parquet": canonical_proofs_parquet(
            _mixed(month_lines(rng, n, currencies=("CNY", "JPY", "USD")), day_every=5, minute_every=3)
        ),
        "journal_csv": journal_csv(month_lines(rng, n, currencies=("CNY",), ref="wechat", credit_share=0.0)),
        "journal_parquet": journal_parquet(month_lines(rng, n, currencies=("CNY", "JPY"), ref="wechat")),
        "unionpay_settlement": settlement(month_lines(rng, 10, precision="day", credit_share=0.0)),
    }
    # the wechat bill's sales are also in a journal, for match / reconcile
    out["_journal_for_wechat"] = journal_csv(w_lines)
    return out
