"""The generator of clean room 8: card numbers, expiry dates and hostile text planted in real-looking inputs.

Written from the public docs and the field guide only (journal presets, proof layouts, SMS wordings).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

FULLWIDTH = str.maketrans("0123456789/", "０１２３４５６７８９／")

# brand, prefixes, lengths
BRANDS = [
    ("unionpay", ["622202", "622848", "621700", "625807", "623668"], [16, 17, 18, 19]),
    ("visa", ["4"], [13, 16, 19]),
    ("mastercard", ["51", "52", "53", "54", "55"], [16]),
    ("amex", ["34", "37"], [15]),
]


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def make_pan(rng: random.Random, brand: str | None = None) -> tuple[str, str]:
    b = rng.choice(BRANDS) if brand is None else next(x for x in BRANDS if x[0] == brand)
    prefix = rng.choice(b[1])
    length = rng.choice(b[2])
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return b[0], body + luhn_digit(body)


def masked(pan: str) -> str:
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def grouped(pan: str, sep: str) -> str:
    if len(pan) == 15:  # Amex 4-6-5
        return sep.join([pan[:4], pan[4:10], pan[10:]])
    return sep.join(pan[i : i + 4] for i in range(0, len(pan), 4))


FORMS = [
    "plain",
    "fullwidth",
    "spaced",
    "dashed",
    "dotted",
    "fullwidth_spaced",
    "zero_width",
    "masked_beside",
    "chinese_glued",
    "with_expiry",
    "after_digits",
    "after_date",
    "after_card",
]


def render(pan: str, form: str, expiry: tuple[str, str] | None = None) -> str:
    """A card number as an export or a person writes it."""
    if form == "plain":
        return pan
    if form == "fullwidth":
        return pan.translate(FULLWIDTH)
    if form == "spaced":
        return grouped(pan, " ")
    if form == "dashed":
        return grouped(pan, "-")
    if form == "dotted":
        return grouped(pan, ".")
    if form == "fullwidth_spaced":
        return grouped(pan, "\u3000").translate(FULLWIDTH)
    if form == "zero_width":
        return grouped(pan, "\u200b")
    if form == "masked_beside":
        return f"{masked(pan)} (完整卡号 {pan})"
    if form == "chinese_glued":
        return f"卡号{pan}消费"
    if form == "after_digits":  # a store number or code glued before the card's groups
        return f"No.{int(pan[-3:]) % 900 + 100}{grouped(pan, ' ')}"
    if form == "after_date":  # a date written before the card's groups, as an SMS or memo pastes them
        return f"2026-11-12 {grouped(pan, ' ')}"
    if form == "after_card":  # a second card number (not searched) written first, one space before this one
        other = make_pan(random.Random(pan))[1]
        return f"{grouped(other, ' ')} {grouped(pan, ' ')}"
    if form == "with_expiry":
        mm, yy = expiry or ("07", "33")
        return f"{grouped(pan, ' ')} 有效期{mm}/{yy}"
    raise ValueError(form)


EXPIRY_FORMS = [
    "EXP {mm}/{yy}",
    "有效期 {mm}/{yy}",
    "有效期至20{yy}年{mm}月",
    "VALID THRU {mm}/{yy}",
    "有效期{fmm}／{fyy}",
]


def render_expiry(mm: str, yy: str, rng: random.Random) -> str:
    f = rng.choice(EXPIRY_FORMS)
    return f.format(mm=mm, yy=yy, fmm=mm.translate(FULLWIDTH), fyy=yy.translate(FULLWIDTH))


INJECTIONS = [
    '=HYPERLINK("http://evil.example/{tok}","点击")',
    "+{tok}+cmd|' /C calc'!A0",
    "-2+3+{tok}",
    "@SUM(1+1)*{tok}",
    "\t=1+1 {tok}",
    "\r=1+1 {tok}",
    '＝HYPERLINK("x{tok}")',
    "  =1+{tok}",
    "\u3000＋1+{tok}",
]

HTMLS = [
    "<script>alert('{tok}')</script>",
    "\"><img src=x onerror=alert('{tok}')>",
    "<svg onload=alert('{tok}')>",
    "'><iframe src=javascript:alert('{tok}')>",
    "海底捞</td><td><b onmouseover=alert('{tok}')>x</b>",
]


@dataclass
class Plant:
    """One planted card number (or expiry-only plant when ``pan`` is empty)."""

    pid: str
    pan: str
    brand: str
    form: str
    where: str  # the input field (file:column)
    text: str
    expiry: tuple[str, str] | None = None
    paths: set[str] = field(default_factory=set)


@dataclass
class Payload:
    """One planted hostile text (formula or HTML) with a unique token."""

    tok: str
    kind: str  # formula | html
    text: str
    where: str


@dataclass
class Scenario:
    seed: int
    rng: random.Random
    plants: list[Plant] = field(default_factory=list)
    payloads: list[Payload] = field(default_factory=list)
    decoys: list[str] = field(default_factory=list)
    journal_rows: list[dict[str, str]] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    counter: int = 0

    def plant(
        self, where: str, form: str | None = None, brand: str | None = None, expiry: bool = False
    ) -> Plant:
        self.counter += 1
        b, pan = make_pan(self.rng, brand)
        form = form or self.rng.choice(FORMS)
        if form == "dotted" and len(pan) not in (16, 15):
            form = "spaced"
        exp = (
            (f"{self.rng.randint(1, 12):02d}", str(self.rng.randint(32, 39)))
            if (expiry or form == "with_expiry")
            else None
        )
        text = render(pan, form, exp)
        p = Plant(f"C{self.counter:03d}", pan, b, form, where, text, exp)
        self.plants.append(p)
        return p

    def expiry_plant(self, where: str) -> Plant:
        self.counter += 1
        mm, yy = f"{self.rng.randint(1, 12):02d}", str(self.rng.randint(32, 39))
        p = Plant(
            f"E{self.counter:03d}", "", "-", "expiry_only", where, render_expiry(mm, yy, self.rng), (mm, yy)
        )
        self.plants.append(p)
        return p

    def payload(self, kind: str, where: str) -> Payload:
        self.counter += 1
        tok = f"RKX{self.seed}Z{self.counter:03d}"
        tpl = self.rng.choice(INJECTIONS if kind == "formula" else HTMLS)
        p = Payload(tok, kind, tpl.format(tok=tok), where)
        self.payloads.append(p)
        return p


MERCHANTS = [
    "海底捞火锅(三里屯店)",
    "罗森(莘庄店)",
    "星巴克咖啡",
    "全家便利店",
    "喜茶(来福士店)",
    "美宜佳便利店",
]
TERMINAL = "12345678"
MERCHANT_ID = "898310058120003"


def build(seed: int, out: Path, *, n_card: int = 24, n_wallet: int = 10) -> Scenario:
    """Write the scenario's input files into ``out`` and return what was planted where."""
    rng = random.Random(seed * 7919 + 8)
    sc = Scenario(seed, rng)
    out.mkdir(parents=True, exist_ok=True)
    # decoys: card-like numbers drawn the same way but never written anywhere (chance-match baseline)
    drng = random.Random(seed * 31 + 5)  # its own stream: the inputs do not depend on how many decoys
    for _ in range(300):
        sc.decoys.append(make_pan(drng)[1])

    # ---------------------------------------------------------------- journal (unionpay_terminal layout)
    header = [
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
        "交易金额",
        "币种",
        "卡号",
        "发卡行",
        "卡组织",
        "交易类型",
        "交易状态",
        "支付方式",
        "第三方订单号",
        "商户订单号",
        "操作员",
    ]
    rows = []
    for i in range(n_card + n_wallet):
        card = i < n_card
        day = 10 + i % 15
        hh, mm, ss = rng.randint(9, 21), rng.randint(0, 59), rng.randint(0, 59)
        amount = f"{rng.randint(500, 99999) / 100:.2f}"
        merchant = rng.choice(MERCHANTS)
        pan_cell = issuer = scheme = ""
        last4 = ""
        plant_pan = None
        if card:
            plant_pan = sc.plant("journal:卡号", form=rng.choice([*FORMS[:7], "plain", "plain"]))
            plant_pan.paths.add("card")
            pan_cell = plant_pan.text
            last4 = plant_pan.pan[-4:]
            issuer, scheme = (
                "招商银行",
                {"unionpay": "银联", "visa": "VISA", "mastercard": "MASTERCARD", "amex": "AMEX"}[
                    plant_pan.brand
                ],
            )
        slot = i % 6
        if slot == 1:
            merchant = f"{merchant}{sc.plant('journal:商户名称', expiry=rng.random() < 0.4).text}"
        elif slot == 2:
            merchant = f"{merchant} {sc.expiry_plant('journal:商户名称').text}"
        elif slot == 3:
            merchant = sc.payload("formula", "journal:商户名称").text
        elif slot == 4:
            merchant = sc.payload("html", "journal:商户名称").text
        elif slot == 5 and card:
            issuer = f"招商银行 {sc.plant('journal:发卡行', form='chinese_glued').text}"
        txn = f"T{seed:02d}{i:05d}"
        row = {
            "交易流水号": txn,
            "商户号": MERCHANT_ID,
            "商户名称": merchant,
            "终端号": TERMINAL,
            "批次号": "000012",
            "凭证号": f"{100 + i:06d}",
            "参考号": f"3133{rng.randint(10**7, 10**8 - 1)}",
            "授权码": f"{rng.randint(100000, 999999)}",
            "交易日期": f"2026-11-{day:02d}",
            "交易时间": f"{hh:02d}:{mm:02d}:{ss:02d}",
            "交易金额": amount,
            "币种": "CNY",
            "卡号": pan_cell,
            "发卡行": issuer,
            "卡组织": scheme,
            "交易类型": "消费",
            "交易状态": "成功",
            "支付方式": "银行卡" if card else "微信",
            "第三方订单号": "" if card else "4200" + "".join(rng.choice("0123456789") for _ in range(24)),
            "商户订单号": f"M{seed}{i:06d}",
            "操作员": "01",
        }
        row["_last4"] = last4
        rows.append(row)
    sc.journal_rows = rows
    _write_csv(out / "journal.csv", header, rows)
    sc.files["journal"] = out / "journal.csv"

    # ---------------------------------------------------------------- WeChat personal bill (wallet rows)
    wheader = [
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
    wrows = []
    for r in rows[n_card:]:
        counter = r["商户名称"]
        goods, note, method = "/", "/", "零钱"
        k = rng.randint(0, 5)
        if k == 0:
            counter = f"{counter} {sc.plant('wechat:交易对方').text}"
        elif k == 1:
            goods = sc.plant("wechat:商品", expiry=True).text
        elif k == 2:
            note = sc.payload("formula", "wechat:备注").text
        elif k == 3:
            note = sc.payload("html", "wechat:备注").text
        elif k == 4:
            p = sc.plant("wechat:支付方式", form=rng.choice(["plain", "fullwidth", "spaced"]))
            method = f"招商银行信用卡({p.text})"
        elif rng.random() < 0.5:
            note = f"付款卡 {sc.plant('wechat:备注', form='masked_beside').text}"
        else:
            p = sc.plant("wechat:商品+备注", form="plain")
            p.form = "split_cells"
            cut = rng.randint(7, len(p.pan) - 5)
            goods, note = f"卡号{p.pan[:cut]}", p.pan[cut:]
            p.text = f"{goods} | {note}"
        wrows.append(
            {
                "交易时间": f"{r['交易日期']} {r['交易时间']}",
                "交易类型": "商户消费",
                "交易对方": counter,
                "商品": goods,
                "收/支": "支出",
                "金额(元)": f"¥{r['交易金额']}",
                "支付方式": method,
                "当前状态": "支付成功",
                "交易单号": r["第三方订单号"],
                "商户单号": r["商户订单号"],
                "备注": note,
            }
        )
    preamble = [
        "微信支付账单明细",
        "微信昵称：[测试]",
        "起始时间：[2026-11-01 00:00:00] 终止时间：[2026-11-30 23:59:59]",
        "导出类型：[全部]",
        "导出时间：[2026-12-01 10:00:00]",
        "",
        f"共{len(wrows)}笔记录",
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
    name_pan = sc.plant("file name of the WeChat bill", form="plain")
    wname = f"微信支付账单_卡{name_pan.pan}.csv"
    _write_csv(
        out / wname, wheader, wrows, preamble=[p + "," * (len(wheader) - 1) for p in preamble], bom=True
    )
    sc.files["wechat"] = out / wname

    # ---------------------------------------------------------------- card SMS (one message per line)
    msgs = []
    for r in rows[:n_card]:
        d = int(r["交易日期"][-2:])
        hhmm = r["交易时间"][:5]
        k = rng.randint(0, 3)
        last4 = r["_last4"]
        # a full number in an SMS must be the same card as the one it names (else the reader refuses it)
        same = next(p for p in sc.plants if p.where == "journal:卡号" and p.pan.endswith(last4) and p.pan)
        if k == 0:
            p = Plant(f"S{len(msgs):03d}", same.pan, same.brand, "plain", "sms:text", same.pan)
            sc.plants.append(p)
            msgs.append(
                f"【招商银行】您的信用卡{same.pan}于11月{d}日{hhmm}在财付通-{MERCHANTS[0]}快捷支付{r['交易金额']}元"
            )
        elif k == 1:
            e = sc.expiry_plant("sms:text")
            msgs.append(
                f"您尾号{last4}的龙卡信用卡11月{d:02d}日{hhmm}消费（{MERCHANTS[1]}）{r['交易金额']}元，{e.text}。"
            )
        elif k == 2:
            p = Plant(
                f"S{len(msgs):03d}",
                same.pan,
                same.brand,
                "fullwidth_spaced",
                "sms:text",
                grouped(same.pan, "\u3000").translate(FULLWIDTH),
            )
            sc.plants.append(p)
            msgs.append(
                f"尾号{last4}卡11月{d}日{hhmm}支出(消费{p.text}){r['交易金额']}元，余额1,333.22元。【工商银行】"
            )
        else:
            pay = sc.payload("formula", "sms:text")
            msgs.append(
                f"尾号{last4}卡11月{d}日{hhmm}支出(消费支付宝-{pay.text})"
                f"{r['交易金额']}元，余额1,333.22元。【工商银行】".replace("\r", " ").replace("\t", " ")
            )
    (out / "sms.txt").write_text("\n".join(msgs) + "\n", encoding="utf-8")
    sc.files["sms"] = out / "sms.txt"

    # ---------------------------------------------------------------- screenshot metadata JSON
    objs = []
    for r in rows[:4]:
        p1 = sc.plant("json:merchant")
        p2 = sc.plant("json:reference", form=rng.choice(["plain", "spaced", "fullwidth"]))
        objs.append(
            {
                "amount": f"-{r['交易金额']}",
                "time": f"{r['交易日期']} {r['交易时间']}",
                "merchant": f"{r['商户名称'][:6]} {p1.text}",
                "reference": p2.text,
                "payment_method": f"招商银行信用卡({r['_last4']})",
                "app": "云闪付",
            }
        )
    # ---------------------------------------------------------------- OFX (SGML) and MT940 bank statements
    ascii_forms = ["plain", "spaced", "dashed", "after_digits", "after_date", "masked_beside"]
    trns = []
    for i, r in enumerate(rows[:6]):
        name = _ascii(sc.plant("ofx:NAME", form=rng.choice(ascii_forms)))
        memo = _ascii(sc.plant("ofx:MEMO", form=rng.choice(ascii_forms)))
        ts = r["交易日期"].replace("-", "") + r["交易时间"].replace(":", "")
        trns.append(
            f"<STMTTRN>\n<TRNTYPE>DEBIT\n<DTPOSTED>{ts}[+8:CST]\n<TRNAMT>-{r['交易金额']}\n"
            f"<FITID>F{seed}{i:04d}\n<NAME>POS {name.text}\n<MEMO>CARD PURCHASE {memo.text}\n</STMTTRN>"
        )
    ofx = (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
        "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX>\n<SIGNONMSGSRSV1>\n<SONRS>\n<STATUS>\n"
        "<CODE>0\n<SEVERITY>INFO\n</STATUS>\n<DTSERVER>20261201120000\n<LANGUAGE>ENG\n</SONRS>\n"
        "</SIGNONMSGSRSV1>\n<BANKMSGSRSV1>\n<STMTTRNRS>\n<TRNUID>0\n<STATUS>\n<CODE>0\n<SEVERITY>INFO\n"
        "</STATUS>\n<STMTRS>\n<CURDEF>CNY\n<BANKACCTFROM>\n<BANKID>1234\n<ACCTID>99887766\n"
        "<ACCTTYPE>CHECKING\n</BANKACCTFROM>\n<BANKTRANLIST>\n<DTSTART>20261101\n<DTEND>20261130\n"
        + "\n".join(trns)
        + "\n</BANKTRANLIST>\n<LEDGERBAL>\n<BALAMT>100.00\n<DTASOF>20261130\n"
        "</LEDGERBAL>\n</STMTRS>\n</STMTTRNRS>\n</BANKMSGSRSV1>\n</OFX>\n"
    )
    (out / "statement.ofx").write_text(ofx, encoding="ascii")
    sc.files["ofx"] = out / "statement.ofx"
    lines = [":20:STMT1", ":25:99887766", ":28C:1", ":60F:C261101CNY100000,00"]
    for r in rows[6:12]:
        ref = sc.plant(
            "mt940:61 reference", form="plain", brand=rng.choice(["visa", "mastercard", "unionpay"])
        )
        if len(ref.pan) > 16:
            ref.text = ref.pan[:16]
            ref.pan = ""  # a 17-19 digit number cannot fit the 16x reference: not a card number there
        info = _ascii(sc.plant("mt940:86", form=rng.choice(ascii_forms)))
        d = r["交易日期"][2:].replace("-", "")
        lines.append(f":61:{d}{d[2:]}D{r['交易金额'].replace('.', ',')}NMSC{ref.text}//B{seed}{d}")
        lines.append(f":86:POS PURCHASE CARD {info.text}")
    lines += [":62F:C261130CNY90000,00", "-"]
    (out / "statement.sta").write_text("\r\n".join(lines) + "\r\n", encoding="ascii")
    sc.files["mt940"] = out / "statement.sta"

    (out / "screens.json").write_text(json.dumps(objs, ensure_ascii=False, indent=1), encoding="utf-8")
    sc.files["json"] = out / "screens.json"
    return sc


def _ascii(p: Plant) -> Plant:
    p.text = p.text.replace("(完整卡号 ", "(FULL ")
    return p


def _write_csv(
    path: Path, header: list[str], rows: list[dict[str, str]], *, preamble: list[str] = (), bom: bool = False
) -> None:
    import csv
    import io

    buf = io.StringIO()
    for line in preamble:
        buf.write(line + "\r\n")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    data = buf.getvalue().encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
