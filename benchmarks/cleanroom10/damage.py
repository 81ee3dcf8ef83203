"""Damage a written file with an oracle: the expected frame (as oracle lines) or a typed error.

Expectations: ``frame`` (the file must read as ``lines``), ``error`` (a typed error naming the place; a frame
equal to ``lines`` also passes, e.g. a missing currency column where every row has the default currency),
``either`` (``lines`` or a typed error). Anything else read is SILENTLY WRONG.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass, replace
from datetime import timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from .gen import EXPONENT, Line, Written, csv_line

MAX_MAJOR = Decimal(10) ** 13  # 10^15 minor units in a 2-decimal currency
FW = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")

# how the file writes a line's amount: file value = signed * factor (signed layouts) or |signed| (unsigned)
FACTOR = {"stripe": -1, "cgb_credit": -1, "unionpay_settlement": -1, "cmb_credit": -1}
UNSIGNED = {"wechat", "alipay", "bocom_credit", "boc_credit", "camt053"}
PREFIX = {"wechat": "¥"}
OPTIONAL_COL = {
    "wechat": "备注",
    "alipay": "备注",
    "cmb_debit": "客户摘要",
    "cmb_credit": "交易地金额",
    "boc_debit": "渠道",
    "abc_debit": "交易渠道",
    "cgb_credit": "入账金额",
    "hsbc_hk_credit": "Area / district",
    "hsbc_hk_debit": "Balance",
    "paypal": "Balance",
    "stripe": "available_on_utc",
    "journal_csv": "merchant_id",
    "canonical_proofs_csv": "card_last4",
    "unionpay_settlement": "笔数",
}
CURRENCY_COL = {
    "cmb_debit": "货币",
    "boc_credit": "币种",
    "hsbc_hk_credit": "Billing currency",
    "hsbc_hk_debit": "Billing currency",
    "paypal": "Currency",
    "stripe": "currency",
}
DATE_COL = {"hsbc_hk_credit": 0, "hsbc_hk_debit": 0, "paypal": 0}
TIME_COL = {"wechat": (0, "dt"), "boc_debit": (1, "t"), "paypal": (1, "t")}
TABLES = {
    "wechat", "alipay", "cmb_debit", "boc_credit", "boc_debit", "bocom_credit", "abc_debit", "cgb_credit",
    "hsbc_hk_credit", "hsbc_hk_debit", "paypal", "stripe", "canonical_proofs_csv", "journal_csv",
    "unionpay_settlement", "cmb_credit",
}  # fmt: skip
CHINESE = {
    "wechat", "alipay", "cmb_debit", "boc_credit", "boc_debit", "bocom_credit", "abc_debit", "cgb_credit",
    "journal_csv", "unionpay_settlement", "cmb_credit",
}  # fmt: skip
STRUCTURED = {"ofx1", "ofx2", "mt940", "camt053"}


@dataclass
class Case:
    name: str
    data: bytes
    expect: str  # frame / error / either / lenient
    lines: list[Line]
    target_row: int | None = None  # the file line damaged
    note: str = ""
    mode: str = "path"  # or "bytes": the same file uploaded as a binary file object
    kwargs: dict | None = None


def _fmt(v: Decimal, exp: int, thousands: bool = False) -> str:
    q = v.quantize(Decimal(1).scaleb(-exp)) if exp else v
    return f"{q:,.{exp}f}" if thousands else f"{q:.{exp}f}"


def _amount_cell_index(w: Written, x: Line) -> int:
    if w.fmt == "boc_credit":
        return 4 if x.signed > 0 else 5
    assert w.amount_cell is not None
    return w.amount_cell


def _with_amount(w: Written, x: Line, new_abs: Decimal, negative_in_file: bool) -> Line:
    """The oracle line after the file's amount became ``new_abs`` with the file's sign."""
    f = FACTOR.get(w.fmt, 1)
    if w.fmt in UNSIGNED:
        signed = new_abs if x.signed > 0 else -new_abs
    else:
        fv = -new_abs if negative_in_file else new_abs
        signed = fv * f
    extra = dict(x.extra)
    return replace(x, signed=signed, extra=extra)


def _split(text: str) -> tuple[list[str], str]:
    nl = "\r\n" if "\r\n" in text else "\n"
    return text.split(nl), nl


def _cells(line: str) -> list[str]:
    return next(csv.reader([line]))


def _join(cells: list[str]) -> str:
    return csv_line(cells, end="")


def table_cases(w: Written, rng: random.Random) -> list[Case]:
    text = w.data.decode(w.encoding)
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    lines, nl = _split(text)
    has_final = lines[-1] == ""
    if has_final:
        lines = lines[:-1]
    header_idx = w.rows[0] - 2
    header = _cells(lines[header_idx])

    def enc(ls: list[str], final: bool = True, encoding: str | None = None) -> bytes:
        t = nl.join(ls) + (nl if final else "")
        return (("\ufeff" if bom else "") + t).encode(encoding or w.encoding)

    cands = [i for i, x in enumerate(w.lines) if EXPONENT[x.currency] == 2]
    t = rng.choice(cands)
    x = w.lines[t]
    li = w.rows[t] - 1  # index into lines
    cells = _cells(lines[li])
    minor_col = w.fmt in ("canonical_proofs_csv", "journal_csv")
    ci = (
        _amount_cell_index(w, x)
        if w.fmt not in ("canonical_proofs_csv", "journal_csv")
        else header.index("amount_minor")
    )
    orig = cells[ci]
    cases: list[Case] = []

    def put_cell(new: str) -> bytes:
        c2 = list(cells)
        c2[ci] = new
        ls = list(lines)
        ls[li] = _join(c2)
        return enc(ls)

    def lines_with(nx: Line) -> list[Line]:
        out = list(w.lines)
        out[t] = nx
        return out

    cases.append(Case("reserialise", put_cell(orig), "frame", w.lines, w.rows[t]))
    if minor_col:
        cases += [
            Case(
                "max",
                put_cell(str(10**15)),
                "frame",
                lines_with(replace(x, signed=-MAX_MAJOR if x.signed < 0 else MAX_MAJOR)),
                w.rows[t],
            ),
            Case("beyond_max", put_cell(str(10**15 + 1)), "error", w.lines, w.rows[t]),
            Case("u64", put_cell("18446744073709538766"), "error", w.lines, w.rows[t]),
            Case("sci", put_cell("1.2E+3"), "error", w.lines, w.rows[t]),
            Case("thousands", put_cell(f"{x.minor:,}"), "either", w.lines, w.rows[t]),
            Case("parens", put_cell(f"({x.minor})"), "error", w.lines, w.rows[t]),
            Case("fullwidth", put_cell(str(x.minor).translate(FW)), "either", w.lines, w.rows[t]),
            Case("spaces", put_cell(f"  {x.minor} "), "either", w.lines, w.rows[t]),
            Case("nbsp", put_cell(f"\u00a0{x.minor}"), "either", w.lines, w.rows[t]),
        ]
    else:
        exp = 2
        neg = orig.strip().lstrip("¥").strip().startswith("-")
        sign = "-" if (neg and w.fmt not in UNSIGNED) else ("+" if w.fmt == "abc_debit" else "")
        m = re.match(r"^([A-Z]{3} ?)", orig.strip())
        pre = PREFIX.get(w.fmt, "") + (m.group(1) if m else "")
        tail = "\t" if orig.endswith("\t") else ""
        a = abs(x.signed)
        settle = w.fmt == "unionpay_settlement"

        def tok(s: str, signed: bool = True) -> str:
            return pre + (sign if signed else "") + s + tail

        cases.append(
            Case("max", put_cell(tok(_fmt(MAX_MAJOR, exp))), "error" if settle else "frame",
                 lines_with(_with_amount(w, x, MAX_MAJOR, neg)), w.rows[t])
        )  # fmt: skip
        cases.append(
            Case(
                "beyond_max",
                put_cell(tok(_fmt(MAX_MAJOR + Decimal("0.01"), exp))),
                "error",
                w.lines,
                w.rows[t],
            )
        )
        cases.append(Case("u64", put_cell(tok("184467440737095387.66")), "error", w.lines, w.rows[t]))
        cases.append(Case("sci", put_cell(tok("1.2E+3")), "error", w.lines, w.rows[t]))
        cases.append(
            Case("one_decimal", put_cell(tok("1,234.5")), "error" if settle else "either",
                 lines_with(_with_amount(w, x, Decimal("1234.50"), neg)), w.rows[t])
        )  # fmt: skip
        if w.fmt in UNSIGNED or settle:
            cases.append(
                Case("parens", put_cell(pre + f"({_fmt(a, exp)})" + tail), "error", w.lines, w.rows[t])
            )
        else:
            cases.append(
                Case("parens", put_cell(pre + f"({_fmt(a, exp)})" + tail), "either",
                     lines_with(_with_amount(w, x, a, True)), w.rows[t])
            )  # fmt: skip
        cases.append(
            Case("fullwidth", put_cell(tok(_fmt(a, exp).translate(FW))), "frame", w.lines, w.rows[t])
        )
        cases.append(Case("spaces", put_cell("  " + tok(_fmt(a, exp)) + " "), "frame", w.lines, w.rows[t]))
        cases.append(Case("nbsp_lead", put_cell("\u00a0" + tok(_fmt(a, exp))), "either", w.lines, w.rows[t]))
        if a >= 1000:
            s = _fmt(a, exp, thousands=True).replace(",", "\u00a0")
            cases.append(Case("nbsp_group", put_cell(tok(s)), "either", w.lines, w.rows[t]))
    # strict=False on a bad amount: the row left out and listed, the rest exact
    bad = put_cell(str(18446744073709538766) if minor_col else "184467440737095387.66")
    cases.append(Case("u64_lenient", bad, "lenient", [y for i, y in enumerate(w.lines) if i != t], w.rows[t]))

    # rows and structure
    dup = list(lines)
    dup.insert(li + 1, lines[li])
    dl = list(w.lines)
    dl.insert(t + 1, x)
    cases.append(Case("dup_row", enc(dup), "either", dl, w.rows[t] + 1))
    hdr = list(lines)
    hdr.insert(li + 1, lines[header_idx])
    cases.append(Case("dup_header", enc(hdr), "either", w.lines, w.rows[t] + 1))
    last_data = w.rows[-1] - 1
    junk = [*list(lines[: last_data + 1]), "以上数据仅供参考，导出完成", *lines[last_data + 1 :]]
    cases.append(Case("junk_footer", enc(junk), "either", w.lines, w.rows[-1] + 1))
    cut_line = lines[last_data]
    cut_at = max(1, len(cut_line) // 2)
    trunc = [*list(lines[:last_data]), cut_line[:cut_at]]
    cases.append(Case("truncated", enc(trunc, final=False), "error", w.lines, w.rows[-1]))
    if not has_final:
        pass
    cases.append(Case("bom", b"\xef\xbb\xbf" + enc(lines) if not bom and w.encoding == "utf-8" else enc(lines),
                      "frame", w.lines))  # fmt: skip
    cases.append(Case("crlf_swap", (("\ufeff" if bom else "") + ("\n" if nl == "\r\n" else "\r\n").join(lines)
                                    + ("\n" if nl == "\r\n" else "\r\n")).encode(w.encoding), "frame", w.lines))  # fmt: skip
    if any(ord(c) > 127 for c in text):
        other = "utf-8" if w.encoding != "utf-8" else "gb18030"
        # GB18030 is promised for the Chinese exports and the journal (docs/journal.md), not for PayPal/Stripe
        enc_expect = "frame" if w.fmt in CHINESE else "either"
        cases.append(Case(f"as_{other}", enc(lines, encoding=other), enc_expect, w.lines))

    def drop_col(name: str) -> bytes:
        if name not in header:
            return b""
        k = header.index(name)
        ls = list(lines)
        for i in [header_idx] + [j for j in range(header_idx + 1, len(ls)) if ls[j].strip()]:
            c = _cells(ls[i])
            del c[k]
            ls[i] = _join(c)
        return enc(ls)

    amount_name = header[ci]
    d = drop_col(amount_name)
    if d:
        cases.append(Case("missing_amount_col", d, "error", w.lines))
    if w.fmt in OPTIONAL_COL:
        d = drop_col(OPTIONAL_COL[w.fmt])
        if d:
            cases.append(Case("missing_optional_col", d, "frame", w.lines))
    if w.fmt in CURRENCY_COL:
        d = drop_col(CURRENCY_COL[w.fmt])
        if d:
            cases.append(Case("missing_currency_col", d, "error", w.lines))
    if w.fmt in DATE_COL:
        k = DATE_COL[w.fmt]
        days = [i for i, y in enumerate(w.lines) if y.day.day > 12 and (y.ts or y.day).__class__ is not None]
        if days:
            j = days[0]
            ls = list(lines)
            c = _cells(ls[w.rows[j] - 1])
            dd, mm, yy = c[k].split("/")
            c[k] = f"{mm}/{dd}/{yy}"
            ls[w.rows[j] - 1] = _join(c)
            cases.append(Case("swapped_date", enc(ls), "error", w.lines, w.rows[j]))
    if w.fmt in TIME_COL:
        k, kind = TIME_COL[w.fmt]
        ls = list(lines)
        c = _cells(ls[li])
        cell = c[k]
        hms = cell.split(" ")[-1]
        h, mi, s = hms.split(":")
        hh = int(h)
        word = "下午" if hh >= 12 else "上午"
        h12 = hh - 12 if hh > 12 else hh
        new = f"{word}{h12}:{mi}:{s}"
        c[k] = (cell.split(" ")[0] + " " + new) if kind == "dt" else new
        ls[li] = _join(c)
        cases.append(Case("time_pm_chinese", enc(ls), "either", w.lines, w.rows[t]))
    # PayPal: the whole file month first (a US account): the file decides the order (docs/proofs.md, PayPal)
    if w.fmt == "paypal":
        ls = list(lines)
        for r in range(header_idx + 2, len(ls) + 1):
            c = _cells(ls[r - 1])
            dd, mm, yy = c[0].split("/")
            c[0] = f"{mm}/{dd}/{yy}"
            ls[r - 1] = '"' + '","'.join(v.replace('"', '""') for v in c) + '"'
        cases.append(Case("all_month_first", enc(ls), "frame", w.lines))
    # a 0-decimal currency written with decimals
    jpy = [i for i, y in enumerate(w.lines) if y.currency == "JPY"]
    if jpy and w.fmt in ("paypal", "stripe"):
        j = jpy[0]
        ls = list(lines)
        c = _cells(ls[w.rows[j] - 1])
        k = header.index("Gross" if w.fmt == "paypal" else "gross")
        c[k] = c[k] + ".5"
        if w.fmt == "paypal":
            c[k + 2] = c[k]
        ls[w.rows[j] - 1] = _join(c)
        cases.append(Case("jpy_decimals", enc(ls), "error", w.lines, w.rows[j]))
    # a currency mark naming another currency than the row's: an error, never stripped (docs/proofs.md)
    if not minor_col and w.fmt not in ("unionpay_settlement",):
        other = {"CNY": "HK$", "HKD": "€", "USD": "HK$", "EUR": "$"}.get(x.currency)
        if other and not pre:
            cell = sign + other + _fmt(a, exp) + tail
            cases.append(Case("other_currency_mark", put_cell(cell), "error", w.lines, w.rows[t]))
        cases.append(Case("leading_zeros", put_cell(tok("000" + _fmt(a, exp))), "either", w.lines, w.rows[t]))
    # a day that does not exist in an ISO date cell
    iso = [
        k
        for k, v in enumerate(cells)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?", v.strip())
    ]
    if iso:
        k = iso[0]
        c = list(cells)
        c[k] = re.sub(r"^(\d{4})-(\d{2})-(\d{2})", r"\1-\2-31", c[k].strip())
        ls = list(lines)
        ls[li] = _join(c)
        cases.append(Case("impossible_date", enc(ls), "error", w.lines, w.rows[t]))
    if minor_col:
        cases.append(Case("minor_fraction", put_cell(f"{x.minor}.5"), "error", w.lines, w.rows[t]))
        cases.append(Case("minor_float_text", put_cell(f"{x.minor}.0"), "either", w.lines, w.rows[t]))
        k = header.index("ts")
        tsrows = [i for i, y in enumerate(w.lines) if y.ts is not None]
        if tsrows:
            j = tsrows[len(tsrows) // 2]
            ls = list(lines)
            c = _cells(ls[w.rows[j] - 1])
            c[k] = c[k][:19]  # the offset cut off: a naive time
            ls[w.rows[j] - 1] = _join(c)
            cases.append(Case("naive_ts", enc(ls), "either", w.lines, w.rows[j]))
            # the same instant written in another offset: read as that instant
            j = tsrows[len(tsrows) // 3]
            ls = list(lines)
            c = _cells(ls[w.rows[j] - 1])
            ts = w.lines[j].ts
            assert ts is not None
            c[k] = ts.astimezone(timezone(timedelta(hours=9))).isoformat(sep=" ")
            ls[w.rows[j] - 1] = _join(c)
            cases.append(Case("other_offset", enc(ls), "frame", w.lines, w.rows[j]))
    return cases


def structured_cases(w: Written, rng: random.Random) -> list[Case]:
    text = w.data.decode("utf-8")
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(nl)
    cands = [i for i, x in enumerate(w.lines) if EXPONENT[x.currency] == 2]
    t = rng.choice(cands)
    x = w.lines[t]
    off = {"ofx1": 3, "ofx2": 0, "mt940": 0, "camt053": 1}[w.fmt]
    li = w.rows[t] - 1 + off
    line = lines[li]
    comma = w.fmt == "mt940"
    if w.fmt in ("ofx1", "ofx2"):
        pat = re.compile(r"(<TRNAMT>)(-?)([0-9.]+)")
    elif w.fmt == "camt053":
        pat = re.compile(r"(<Amt Ccy=\"[A-Z]{3}\">)()([0-9.]+)")
    else:
        pat = re.compile(r"^(:61:\d{10}[DC])()([0-9,]+)")
    m = pat.search(line)
    assert m, (w.fmt, line)
    neg = m.group(2) == "-"

    def put(tok: str, signed: bool = True) -> bytes:
        if comma:
            tok = tok.replace(".", "#").replace(",", ".").replace("#", ",")
        new = line[: m.start()] + m.group(1) + (m.group(2) if signed else "") + tok + line[m.end() :]
        ls = list(lines)
        ls[li] = new
        return nl.join(ls).encode()

    def lines_with(nx: Line) -> list[Line]:
        out = list(w.lines)
        out[t] = nx
        return out

    a = abs(x.signed)
    unsigned = w.fmt in ("mt940", "camt053")

    def with_abs(v: Decimal) -> Line:
        return replace(x, signed=-v if x.signed < 0 else v)

    cases = [
        Case("reserialise", put(_fmt(a, 2)), "frame", w.lines, li + 1),
        # MT940 allows 15 characters for an amount (docs/proofs.md, MT940): the maximum cannot be written there
        Case("max", put(_fmt(MAX_MAJOR, 2)), "either" if comma else "frame", lines_with(with_abs(MAX_MAJOR)), li + 1),
        Case("beyond_max", put(_fmt(MAX_MAJOR + Decimal("0.01"), 2)), "error", w.lines, li + 1),
        Case("u64", put("184467440737095387.66"), "error", w.lines, li + 1),
        Case("sci", put("1.2E+3"), "error", w.lines, li + 1),
        # OFX writes a decimal comma too (ofxtools' euro sample): a comma beside a dot is a group mark there;
        # ISO 20022 amounts (xs:decimal) and MT940 allow no group mark at all
        Case("one_decimal", put("1,234.5"), "either" if w.fmt.startswith("ofx") else "error",
             lines_with(with_abs(Decimal("1234.50"))), li + 1),
        Case("parens", put(f"({_fmt(a, 2)})", signed=False), "error" if unsigned else "either",
             lines_with(replace(x, signed=-a)), li + 1),
        Case("fullwidth", put(_fmt(a, 2).translate(FW)), "either", w.lines, li + 1),
        Case("spaces", put(f" {_fmt(a, 2)} "), "either", w.lines, li + 1),
    ]  # fmt: skip
    del neg
    # a comma and three digits: a group mark or a decimal comma? ISO 20022 (xs:decimal), MT940 and OFX write no
    # group mark; OFX writes a decimal comma (ofxtools' euro sample): never a guess (docs/proofs.md, fuzzing)
    cases.append(Case("comma_three_digits", put("1,234"), "error", w.lines, li + 1))
    if w.fmt == "camt053":
        ls = list(lines)
        ls[li] = re.sub(r'Ccy="[A-Z]{3}">[0-9.]+<', 'Ccy="KWD">1,234<', line)
        cases.append(Case("comma_three_digits_kwd", nl.join(ls).encode(), "error", w.lines, li + 1))
    cut = int(len(w.data) * 0.55)
    cases.append(Case("truncated", w.data[:cut], "error", w.lines))
    cases.append(Case("bom", b"\xef\xbb\xbf" + w.data, "frame" if w.fmt != "mt940" else "either", w.lines))
    other = "\n" if nl == "\r\n" else "\r\n"
    cases.append(Case("crlf_swap", other.join(lines).encode(), "frame", w.lines))
    dup = list(lines)
    if w.fmt != "mt940":
        dup.insert(1, lines[0]) if w.fmt != "ofx1" else None
    return cases


def binary_cases(w: Written) -> list[Case]:
    return [Case("truncated", w.data[: int(len(w.data) * 0.6)], "error", w.lines)]


def variants(w: Written) -> list[Case]:
    """The file intact, read another documented way: as an upload; with ``tz=`` where only the zone shown moves."""
    out = [
        Case("as_upload", w.data, "frame" if w.reader != "settlement" else "either", w.lines, mode="bytes")
    ]
    if w.fmt in ("paypal", "stripe"):
        # docs/proofs.md: for PayPal and Stripe tz= only sets the zone ts is shown in, never the instant;
        # Stripe's date is then the day in that zone, PayPal's the day as written in the row's zone
        sh = ZoneInfo("Asia/Shanghai")
        lines = [
            replace(x, day=x.ts.astimezone(sh).date()) if (w.fmt == "stripe" and x.ts is not None) else x
            for x in w.lines
        ]
        out.append(Case("tz_shown", w.data, "frame", lines, kwargs={"tz": "Asia/Shanghai"}))
    return out


def cases_for(w: Written, rng: random.Random) -> list[Case]:
    if w.fmt in TABLES:
        return table_cases(w, rng) + variants(w)
    if w.fmt in STRUCTURED:
        return structured_cases(w, rng) + variants(w)
    return binary_cases(w) + variants(w)
