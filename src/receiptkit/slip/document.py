"""The slip document: one list of blocks that every renderer draws the same way.

:meth:`Slip.from_transaction` turns one canonical journal row into a
:class:`Slip`: the display fields (masked card number, formatted amount,
labels in the chosen language) and the block list of its template
(:mod:`receiptkit.slip.templates`). :func:`layout` turns blocks into rows of a
fixed number of columns (CJK characters count as two), and the ESC/POS, PDF
and PNG renderers only draw those rows, so the three outputs cannot drift apart.

Duplicate marking is fixed: a "DUPLICATE 重打印" banner at the top and next to
the total, "重打印凭证/DUPLICATED" in the remarks, and a separate printed-at
line; the original date, time, voucher, batch, reference and auth code are
kept. The card number is masked to the last 4 digits (or first 6 + last 4 on
request, never more than the journal row shows) and no expiry date exists in
the document at all.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from receiptkit.errors import SchemaError, SlipLayoutError
from receiptkit.money import format_minor
from receiptkit.pan import find_full_pans, mask_pans_in_text, visible_digits
from receiptkit.slip.templates import TEMPLATES, Template, label_text
from receiptkit.timeparse import zone_label

__all__ = [
    "DUPLICATE_BANNER",
    "DUPLICATE_REMARK",
    "MISSING_GLYPH",
    "WIDTHS",
    "Barcode",
    "Block",
    "Feed",
    "KeyValue",
    "QRCode",
    "Row",
    "Separator",
    "Slip",
    "Text",
    "Verification",
    "cell_width",
    "layout",
]

#: The banner printed at the top and near the total of every duplicate (not configurable).
DUPLICATE_BANNER = "DUPLICATE 重打印"
#: The remark printed on every duplicate (not configurable).
DUPLICATE_REMARK = "重打印凭证/DUPLICATED"

#: Printed in place of a character the shipped font cannot draw (an emoji, a rare ideograph outside GBK), on
#: every output alike: the white square, the usual mark of a missing character in Chinese print (GB18030 A1 F5).
MISSING_GLYPH = "\u25a1"

#: Paper width -> (text columns, printable dots at 203 dpi, paper mm, printable mm).
WIDTHS: dict[str, tuple[int, int, float, float]] = {
    "80mm": (48, 576, 80.0, 72.0),
    "58mm": (32, 384, 58.0, 48.0),
}

COPIES: dict[str, tuple[str, str]] = {
    "cardholder": ("持卡人存根", "CARDHOLDER COPY"),
    "merchant": ("商户存根", "MERCHANT COPY"),
    "bank": ("银行存根", "BANK COPY"),
}

WALLET_COPIES: dict[str, tuple[str, str]] = {
    "cardholder": ("顾客存根", "CUSTOMER COPY"),
    "merchant": ("商户存根", "MERCHANT COPY"),
    "bank": ("机构存根", "ACQUIRER COPY"),
}

_TXN_TYPES: dict[str, tuple[str, str]] = {
    "sale": ("消费", "SALE"),
    "refund": ("退货", "REFUND"),
    "void": ("撤销", "VOID"),
    "preauth": ("预授权", "PRE-AUTH"),
    "completion": ("预授权完成", "AUTH COMPLETION"),
}

# entry mode words -> (UnionPay letter, English)
_ENTRY_MODES: dict[str, tuple[str, str]] = {
    "chip": ("I", "CHIP"),
    "icc": ("I", "CHIP"),
    "emv": ("I", "CHIP"),
    "contact": ("I", "CHIP"),
    "insert": ("I", "CHIP"),
    "contactless": ("C", "CONTACTLESS"),
    "ctls": ("C", "CONTACTLESS"),
    "nfc": ("C", "CONTACTLESS"),
    "tap": ("C", "CONTACTLESS"),
    "qpboc": ("C", "CONTACTLESS"),
    "swipe": ("S", "SWIPE"),
    "magstripe": ("S", "SWIPE"),
    "msr": ("S", "SWIPE"),
    "fallback": ("F", "FALLBACK"),
    "manual": ("M", "MANUAL"),
    "keyed": ("M", "MANUAL"),
    "moto": ("M", "MANUAL"),
}

_WALLETS: dict[str, tuple[str, str]] = {
    "wechat": ("微信支付", "WeChat Pay"),
    "alipay": ("支付宝", "Alipay"),
    "unionpay_qr": ("云闪付", "UnionPay QR"),
}

_CVM: dict[str, str] = {
    "pin": "VERIFIED BY PIN",
    "online_pin": "VERIFIED BY PIN",
    "offline_pin": "VERIFIED BY PIN",
    "cdcvm": "VERIFIED BY DEVICE",
    "device": "VERIFIED BY DEVICE",
}
_NO_SIGNATURE = "NO SIGNATURE REQUIRED"

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


# --------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Text:
    """A line of text; ``double`` is double width and height, ``inverse`` white on black."""

    text: str
    align: str = "left"
    bold: bool = False
    double: bool = False
    inverse: bool = False
    field: str = ""


@dataclass(frozen=True)
class KeyValue:
    """A label and its value: on one line when both fit, else the value whole on the next line.

    ``breakable`` values (names, places) may wrap onto more lines at spaces or between ideographs;
    the others (amounts, ids, dates, card numbers) are never cut: a value wider than the paper is
    a :class:`~receiptkit.errors.SlipLayoutError` naming ``field``.
    """

    key: str
    value: str
    bold: bool = False
    double: bool = False
    stacked: bool = False
    field: str = ""
    breakable: bool = False


@dataclass(frozen=True)
class Separator:
    """A rule across the paper."""

    char: str = "-"


@dataclass(frozen=True)
class QRCode:
    """A QR code of ``payload``."""

    payload: str


@dataclass(frozen=True)
class Barcode:
    """A Code128 barcode of ``data`` (printable ASCII)."""

    data: str


@dataclass(frozen=True)
class Feed:
    """Blank lines."""

    lines: int = 1


Block = Text | KeyValue | Separator | QRCode | Barcode | Feed


class Verification(NamedTuple):
    """A verification code printed on the slip, the payload of its QR code and the fingerprint
    of the public key that checks the payload's signature (empty when unsigned)."""

    code: str
    payload: str
    fingerprint: str = ""


@dataclass(frozen=True)
class Row:
    """One laid-out row: what the renderers draw.

    ``kind`` is ``"text"`` (``left`` and ``right`` parts, or ``left`` aligned by
    ``align``), ``"rule"``, ``"qr"``, ``"barcode"`` or ``"feed"``. ``cols`` is the
    number of columns the row spans (half the paper columns for double size).
    """

    kind: str
    left: str = ""
    right: str = ""
    align: str = "left"
    bold: bool = False
    double: bool = False
    inverse: bool = False
    data: str = ""


# --------------------------------------------------------------------------- widths and layout


def cell_width(text: str) -> int:
    """Printer columns that ``text`` takes: wide (CJK, full-width) characters count two.

    >>> cell_width("金额 AMOUNT")
    11
    >>> cell_width("￥1.00")
    6
    """
    total = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        if char == MISSING_GLYPH:  # full width on a GB18030 printer, like the wide character it stands for
            total += 2
            continue
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total


def _units(word: str) -> list[str]:
    """The pieces a word may be broken between: each wide non-digit character (an ideograph), each
    character of a run without digits, and whole every run holding a digit (never cut)."""
    runs: list[str] = []
    run = ""
    for char in word:
        if cell_width(char) == 2 and not char.isdigit():
            if run:
                runs.append(run)
                run = ""
            runs.append(char)
        else:
            run += char
    if run:
        runs.append(run)
    units: list[str] = []
    for piece in runs:
        if any(char.isdigit() for char in piece):
            units.append(piece)
        else:
            units.extend(piece)
    return units


def _too_wide(field: str, value: str, width: int) -> SlipLayoutError:
    return SlipLayoutError(
        f"{cell_width(value)} columns of a number or id cannot fit a line of {width} columns on this paper;"
        " refusing to print it cut across lines",
        column=field or None,
        value=value,
    )


#: Free-text fields whose over-long runs may break after a separator (``_ - . / , :``): the remarks name the
#: source files of a rebuilt journal (``terminal-12345678_journal_2026-11-07.csv``), wider than a 58 mm line, and
#: refusing the duplicate for a file's name would be wrong (the review's second read, session 19). An amount or
#: an id never reaches such a break: only a run wider than the whole line is broken, and only at a separator.
BREAKABLE_FIELDS = frozenset({"remarks"})


def _separated(unit: str, width: int) -> list[str] | None:
    """``unit`` broken after its separators into pieces of at most ``width`` columns, or None when it cannot be."""
    pieces: list[str] = []
    current = ""
    for part in re.split(r"(?<=[_\-./,:])", unit):
        if not part:
            continue
        if cell_width(part) > width:
            return None
        if cell_width(current + part) > width:
            pieces.append(current)
            current = part
        else:
            current += part
    if current:
        pieces.append(current)
    return pieces


def wrap_cells(text: str, width: int, *, field: str = "") -> list[str]:
    """Split ``text`` into pieces of at most ``width`` columns, breaking at spaces when possible,
    else between ideographs or letters, never inside a run holding a digit (an amount, an id).

    A digit run wider than ``width`` is a :class:`~receiptkit.errors.SlipLayoutError` naming ``field``.

    >>> wrap_cells("北京市朝阳区建国路88号", 10)
    ['北京市朝阳', '区建国路88', '号']
    >>> wrap_cells("店铺1234567890", 8)
    Traceback (most recent call last):
    ...
    receiptkit.errors.SlipLayoutError: 10 columns of a number or id cannot fit a line of 8 columns on this paper; refusing to print it cut across lines (value '1234567890')
    """
    if width <= 0:
        return [text]
    lines: list[str] = []
    current = ""
    for word in re.split(r"(\s+)", text):
        if not word:
            continue
        if cell_width(current + word) <= width:
            current += word
            continue
        if current.strip() and cell_width(word) <= width and not word.isspace():
            lines.append(current.rstrip())
            current = word
            continue
        units = _units(word)
        if field in BREAKABLE_FIELDS:
            units = [
                piece
                for unit in units
                for piece in (
                    (_separated(unit, width) or [unit])
                    if cell_width(unit) > width and not unit.isspace()
                    else [unit]
                )
            ]
        for unit in units:
            if cell_width(current + unit) <= width:
                current += unit
                continue
            if cell_width(unit) > width and not unit.isspace():
                raise _too_wide(field, unit, width)
            if current.strip():
                lines.append(current.rstrip())
            current = "" if unit.isspace() else unit
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


@lru_cache(maxsize=1)
def _font_chars() -> frozenset[int]:
    """Code points the shipped font draws (read once, from the font the PDF registers anyway)."""
    from reportlab.pdfbase import pdfmetrics

    from receiptkit.slip.render_pdf import register_font

    face = pdfmetrics.getFont(register_font()).face  # type: ignore[attr-defined]
    return frozenset(face.charToGlyph)


def drawable(text: str) -> str:
    """``text`` with every character the shipped font cannot draw replaced by :data:`MISSING_GLYPH`.

    Applied in :func:`layout`, so the text, ESC/POS, PDF and PNG outputs all show the same mark
    (without it ESC/POS sent an emoji's GB18030 bytes, PNG drew an empty box and the PDF text held U+0000).

    >>> drawable("喜茶🍵 Cafe")
    '喜茶□ Cafe'
    """
    chars = _font_chars()
    return "".join(
        char if ord(char) in chars or char.isspace() or unicodedata.combining(char) else MISSING_GLYPH
        for char in text
    )


def _kv_rows(block: KeyValue, cols: int) -> list[Row]:
    key, value, field = drawable(block.key) + ":", drawable(block.value), block.field
    if block.double:  # the total: double size, never cut inside the number
        half = cols // 2
        try:
            pieces = wrap_cells(value, half, field=field)
        except SlipLayoutError:  # the number alone is wider than a double-size line: whole at normal size
            if cell_width(value) > cols:
                raise _too_wide(field, value, cols) from None
            return [Row("text", key, bold=block.bold), Row("text", value, align="right", bold=True)]
        rows = [Row("text", key, bold=block.bold)]
        rows += [Row("text", piece, align="right", bold=True, double=True) for piece in pieces]
        return rows
    if not block.stacked and cell_width(key) + 1 + cell_width(value) <= cols:
        return [Row("text", key, value, bold=block.bold)]
    rows = [Row("text", key)]
    if block.breakable:
        return rows + [
            Row("text", "  " + piece, bold=block.bold) for piece in wrap_cells(value, cols - 2, field=field)
        ]
    if block.stacked and cell_width(value) <= cols - 2:
        return [*rows, Row("text", "  " + value, bold=block.bold)]
    if cell_width(value) > cols:
        raise _too_wide(field, value, cols)
    return [*rows, Row("text", value, align="right", bold=block.bold)]


def layout(blocks: Sequence[Block], cols: int) -> list[Row]:
    """Lay blocks out on a paper of ``cols`` columns; every renderer draws this result.

    Numbers and ids are never cut across lines (a :class:`~receiptkit.errors.SlipLayoutError` when one
    cannot fit the paper), and characters the shipped font lacks become :data:`MISSING_GLYPH`.
    """
    rows: list[Row] = []
    for block in blocks:
        if isinstance(block, Text):
            width = cols // 2 if block.double else cols
            for piece in wrap_cells(drawable(block.text), width, field=block.field):
                rows.append(
                    Row(
                        "text",
                        piece,
                        align=block.align,
                        bold=block.bold,
                        double=block.double,
                        inverse=block.inverse,
                    )
                )
        elif isinstance(block, KeyValue):
            rows.extend(_kv_rows(block, cols))
        elif isinstance(block, Separator):
            rows.append(Row("rule", data=block.char))
        elif isinstance(block, QRCode):
            rows.append(Row("qr", data=block.payload))
        elif isinstance(block, Barcode):
            rows.append(Row("barcode", data=block.data))
        elif isinstance(block, Feed):
            rows.extend(Row("feed") for _ in range(block.lines))
        else:  # pragma: no cover - the Block union is closed
            raise TypeError(f"not a slip block: {block!r}")
    return rows


def row_text(row: Row, cols: int) -> str:
    """A row as plain text of ``cols`` columns (double rows use half the columns)."""
    width = cols // 2 if row.double else cols
    if row.kind == "rule":
        return (row.data or "-") * cols
    if row.kind == "qr":
        return "[QR]"
    if row.kind == "barcode":
        return f"[{row.data}]"
    if row.kind == "feed":
        return ""
    if row.right:
        gap = max(1, width - cell_width(row.left) - cell_width(row.right))
        return row.left + " " * gap + row.right
    pad = max(0, width - cell_width(row.left))
    if row.align == "center":
        return " " * (pad // 2) + row.left
    if row.align == "right":
        return " " * pad + row.left
    return row.left


# --------------------------------------------------------------------------- fields


def _clean(value: Any) -> str | None:
    """A display string with control characters removed (no ESC/POS injection), or None."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    text = _CONTROL_RE.sub("", str(value)).strip()
    return text or None


# Identifier columns legitimately hold long digit runs (RRN, MID, wallet ids); every other
# text that reaches the slip is scanned for a Luhn-valid card number and masked.
_ID_FIELDS = frozenset(
    {"merchant_id", "terminal_id", "rrn", "stan", "batch_no", "auth_code", "wallet_txn_id", "order_no", "aid"}
)


def _get(row: Mapping[str, Any] | pd.Series, name: str) -> str | None:
    try:
        value = row[name]
    except (KeyError, IndexError):
        return None
    text = _clean(value)
    if text is not None and name not in _ID_FIELDS and name != "pan_masked":
        text = _mask_free_text(text)
    return text


def _mask_free_text(text: str) -> str:
    """Mask Luhn-valid card numbers and card expiry dates inside free text (merchant names, remarks...).

    The expiry dates go whether or not the text also holds a card number.
    """
    return mask_pans_in_text(text, strict=True)


def display_pan(pan_masked: str | None, card_last4: str | None, pan_digits: str = "last4") -> str | None:
    """The card number as printed: ``**** **** **** 0123`` or ``622202******0123``.

    Shows at most what the journal row shows, at most first 6 + last 4, last 4
    by default; never a full number (a full number in the input raises).

    >>> display_pan("622202*********0123", None)
    '*************** 0123'
    >>> display_pan("622202*********0123", None, "first6last4")
    '622202********* 0123'
    >>> display_pan("************0123", None, "first6last4")
    '************ 0123'
    """
    if pan_digits not in ("last4", "first6last4"):
        raise ValueError("pan_digits must be 'last4' or 'first6last4'")
    if pan_masked:
        if find_full_pans(pan_masked):
            # typed (a ValueError still, for callers that catch one); the number itself is never quoted
            raise SchemaError(
                "a full card number reached the slip; refusing to print it", column="pan_masked"
            )
        body = re.sub(r"[^\d*Xx#•]", "", pan_masked)
        lead, trail = visible_digits(body)
        if not body or lead == body:  # no mask characters: treat as digits we must not trust
            digits = re.sub(r"\D", "", body)
            if len(digits) > 4:
                raise ValueError("an unmasked card number reached the slip; refusing to print it")
            return f"**** {digits}" if digits else None
        n = len(body)
        last = trail[-4:] if trail else ""
        first = lead[:6] if pan_digits == "first6last4" else ""
        middle = "*" * (n - len(first) - len(last))
        return f"{first}{middle} {last}".strip() if last else f"{first}{middle}"
    if card_last4:
        return f"**** **** **** {card_last4}"
    return None


def _entry(mode: str | None) -> tuple[str, str] | None:
    if not mode:
        return None
    key = re.sub(r"[^a-z]", "", mode.lower())
    if key in _ENTRY_MODES:
        return _ENTRY_MODES[key]
    if len(key) == 1 and key.upper() in "ICSMF":
        for letter, english in _ENTRY_MODES.values():
            if letter == key.upper():
                return letter, english
    return None


def _fmt_ts(ts: pd.Timestamp, fmt: str) -> str:
    return ts.strftime(fmt)


def transaction_fields(
    row: Mapping[str, Any] | pd.Series,
    *,
    template: Template,
    lang: str,
    pan_digits: str = "last4",
) -> dict[str, str]:
    """The display strings of one journal row for ``template`` in ``lang`` (missing fields left out)."""
    out: dict[str, str] = {}
    for name in (
        "merchant_name",
        "merchant_location",
        "merchant_id",
        "terminal_id",
        "operator_id",
        "issuer",
        "acquirer",
        "auth_code",
        "rrn",
        "stan",
        "batch_no",
        "wallet_txn_id",
        "order_no",
        "aid",
        "app_label",
        "txn_id",
    ):
        value = _get(row, name)
        if value is not None:
            out[name] = value
    scheme = _get(row, "card_scheme")
    if scheme:
        out["card_scheme"] = scheme.upper()
    pan = display_pan(_get(row, "pan_masked"), _get(row, "card_last4"), pan_digits)
    entry = _entry(_get(row, "entry_mode"))
    if pan:
        out["pan"] = pan
        out["pan_entry"] = f"{pan} /{entry[0]}" if entry else pan
    if entry:
        out["entry_mode"] = entry[1]
    txn_type = _get(row, "txn_type") or "sale"
    zh, en = _TXN_TYPES.get(txn_type, (txn_type, txn_type.upper()))
    out["txn_type"] = {"zh": zh, "en": en}.get(lang, f"{zh}/{en}")
    ts = row["ts"]
    if not isinstance(ts, pd.Timestamp) or ts is pd.NaT:
        raise ValueError("journal row has no timestamp 'ts'")
    label = f" {zone_label(ts)}" if zone_label(ts) else ""
    out["date"] = _fmt_ts(ts, "%Y/%m/%d")
    out["time"] = _fmt_ts(ts, "%H:%M:%S") + label
    out["datetime"] = _fmt_ts(ts, "%Y/%m/%d %H:%M:%S") + label
    if "batch_no" in out or "stan" in out:
        out["batch_trace"] = f"{out.get('batch_no', '-')}/{out.get('stan', '-')}"
    currency = _get(row, "currency")
    if currency is None:  # never assumed: the duplicate shows the sale's own currency
        raise ValueError("journal row has no currency")
    minor = int(row["amount_minor"])
    if minor < 0:  # the sign lives in txn_type (a refund prints "-"), as in the canonical journal
        raise ValueError(f"journal row has a negative amount_minor ({minor}); the sign lives in txn_type")
    sign = "-" if txn_type in ("refund", "void") and minor else ""
    number = format_minor(minor, currency)
    if template.name == "unionpay" and currency == "CNY":
        out["amount"] = f"RMB {sign}{number}"
    elif template.name == "wallet" and currency == "CNY":
        out["amount"] = f"{sign}￥{number}"
    else:
        out["amount"] = f"{currency} {sign}{number}"
    channel = _get(row, "channel") or ""
    if channel in _WALLETS:
        zh_w, en_w = _WALLETS[channel]
        out["pay_method"] = {"zh": zh_w, "en": en_w}.get(lang, f"{zh_w}/{en_w}")
    if channel == "card" or pan:
        cvm = _get(row, "cvm")
        out["cvm"] = _CVM.get((cvm or "").lower(), _NO_SIGNATURE)
    status = _get(row, "status")
    if status:
        out["status"] = status
    return out


def _auto_template(row: Mapping[str, Any] | pd.Series) -> str:
    channel = (_get(row, "channel") or "").lower()
    if channel in ("wechat", "alipay"):
        return "wallet"
    scheme = (_get(row, "card_scheme") or "").lower().replace(" ", "")
    currency = (_get(row, "currency") or "").upper()
    if channel in ("card", "unionpay_qr") and (
        scheme in ("unionpay", "cup", "upi", "银联") or currency == "CNY"
    ):
        return "unionpay"
    if channel == "unionpay_qr":
        return "unionpay"
    return "card"


# --------------------------------------------------------------------------- the slip


@dataclass(frozen=True)
class Slip:
    """A duplicate slip: template name, paper width, display fields and blocks.

    Build one with :meth:`from_transaction`; draw it with :meth:`to_escpos`,
    :meth:`to_pdf`, :meth:`to_png` or :meth:`text`.
    """

    template: str
    width: str
    lang: str
    blocks: tuple[Block, ...]
    fields: Mapping[str, str] = field(default_factory=dict)
    ts: pd.Timestamp | None = None
    txn_id: str | None = None

    @property
    def cols(self) -> int:
        """Text columns of the paper (48 for 80 mm, 32 for 58 mm)."""
        return WIDTHS[self.width][0]

    @property
    def dots(self) -> int:
        """Printable dots across the paper at 203 dpi (576 or 384)."""
        return WIDTHS[self.width][1]

    @classmethod
    def from_transaction(
        cls,
        row: pd.Series | Mapping[str, Any],
        *,
        template: str | None = None,
        copy: str = "cardholder",
        lang: str | None = None,
        printed_at: pd.Timestamp | str | None = None,
        width: str = "80mm",
        original: pd.Series | Mapping[str, Any] | None = None,
        reprint_no: int | None = None,
        verification: Verification | tuple[str, str] | Any | None = None,
        status_note: str | None = None,
        remarks: Iterable[str] = (),
        pan_digits: str = "last4",
        refund_note: str | None = None,
    ) -> Slip:
        """Build the duplicate slip of one canonical journal row.

        ``template`` is ``"unionpay"``, ``"card"`` or ``"wallet"``; by default it
        follows the channel (WeChat Pay / Alipay -> wallet; a card with a
        UnionPay scheme or in CNY -> unionpay; other cards -> card). ``lang`` is
        ``"zh"``, ``"en"`` or ``"zh-en"`` (default: the template's). ``original``
        is the original row of a refund or void (its voucher, reference and date
        go into the remarks). ``verification`` is ``(code, qr_payload)``.
        ``status_note`` (e.g. ``"DECLINED"``) is printed large; a declined or
        reversed row gets one automatically. ``refund_note`` (``"REFUNDED 已退款 HKD 120.00 2026/11/02 02:32
        (T00000021R)"``, :meth:`receiptkit.refunds.RefundState.slip_line`) is printed in reverse under it, on
        every output. ``pan_digits`` is ``"last4"`` or
        ``"first6last4"``, never more than ``row["pan_masked"]`` shows.

        A number or id too wide for the paper (it is never cut across lines) raises
        :class:`~receiptkit.errors.SlipLayoutError` naming the field.
        """
        name = template or _auto_template(row)
        if name not in TEMPLATES:
            raise ValueError(f"unknown template {name!r}; choose one of {', '.join(TEMPLATES)}")
        if width not in WIDTHS:
            raise ValueError(f"width must be one of {', '.join(WIDTHS)}")
        if copy not in COPIES:
            raise ValueError(f"copy must be one of {', '.join(COPIES)}")
        tpl = TEMPLATES[name]
        lang = lang or tpl.lang
        if lang not in ("zh", "en", "zh-en"):
            raise ValueError("lang must be 'zh', 'en' or 'zh-en'")
        fields = transaction_fields(row, template=tpl, lang=lang, pan_digits=pan_digits)
        ts: pd.Timestamp = row["ts"]
        if printed_at is None:
            printed = pd.Timestamp.now(tz=ts.tz)
        else:
            printed = pd.Timestamp(printed_at)
            if printed.tzinfo is None:
                printed = printed.tz_localize(ts.tz)
            elif ts.tz is not None:
                printed = printed.tz_convert(ts.tz)
        fields["printed_at"] = printed.strftime("%Y/%m/%d %H:%M:%S")
        if printed.tzinfo is not None and zone_label(printed):
            fields["printed_at"] += f" {zone_label(printed)}"
        note = _clean(status_note)
        note = _mask_free_text(note) if note else None
        if note is None and fields.get("status") in ("declined", "reversed"):
            note = fields["status"].upper()
        if note:
            fields["status_note"] = note
        refund = _clean(refund_note)
        if refund:
            fields["refund_note"] = _mask_free_text(refund)
        if reprint_no is not None:
            fields["reprint_no"] = str(int(reprint_no))
        if verification is not None:
            code, payload, fingerprint = _verification_pair(verification)
            fields["verification_code"] = _clean(code) or ""
            fields["verification_payload"] = str(payload)
            if fingerprint:
                fields["verification_fingerprint"] = fingerprint
        remark_lines = [DUPLICATE_REMARK] if name == "unionpay" else []
        remark_lines += _original_remarks(row, original, fields.get("txn_type", ""), lang)
        remark_lines += [_mask_free_text(r) for r in (_clean(x) for x in remarks) if r]
        if name != "unionpay":
            remark_lines.append(DUPLICATE_REMARK)
        fields["remarks"] = "\n".join(remark_lines)
        blocks = build_blocks(tpl, fields, lang=lang, copy=copy, width=width)
        # laid out once now: a number or id too wide for the paper refuses the slip here (SlipLayoutError),
        # before rk.reprint uses a reprint number, never half-way through an output
        layout(blocks, WIDTHS[width][0])
        return cls(
            template=name,
            width=width,
            lang=lang,
            blocks=tuple(blocks),
            fields=dict(fields),
            ts=ts,
            txn_id=_get(row, "txn_id"),
        )

    # ------------------------------------------------------------------ outputs

    def rows(self) -> list[Row]:
        """The laid-out rows for this slip's paper width."""
        return layout(self.blocks, self.cols)

    def text(self) -> str:
        """The slip as plain text, in paper columns (CJK counted as two)."""
        return "\n".join(row_text(r, self.cols) for r in self.rows()) + "\n"

    def to_escpos(self, printer: Any = None, *, chinese: str = "auto") -> bytes:
        """ESC/POS bytes of the slip, also sent to ``printer`` (a python-escpos printer) if given.

        See :func:`receiptkit.slip.render_escpos.render` for ``chinese``.
        """
        from receiptkit.slip.render_escpos import render

        return render(self, printer, chinese=chinese)

    def to_pdf(self, path: str | Path | None = None) -> bytes:
        """A roll-width PDF page (58/80 mm wide, as tall as the slip); written to ``path`` if given."""
        from receiptkit.slip.render_pdf import render

        return render(self, path)

    def to_png(self, path: str | Path | None = None) -> bytes:
        """A PNG preview at printer resolution: the 576/384 printable dots with a 16 px margin all round
        (608/416 px wide); written to ``path`` if given."""
        from receiptkit.slip.render_png import render

        return render(self, path)

    def render(self, target: str, path: str | os.PathLike[str] | None = None, **options: Any) -> bytes:
        """The slip drawn on a registered target (``"escpos"``, ``"pdf"``, ``"png"``, ``"svg"``, ``"text"``
        or one added with :func:`receiptkit.slip.targets.register_target`); written to ``path`` if given.
        """
        from receiptkit.slip.targets import render

        return render(self, target, path, **options)

    def _repr_png_(self) -> bytes:
        return self.to_png()


def _verification_pair(value: Any) -> tuple[str, str, str]:
    """(code, QR payload, key fingerprint) from a tuple, or an object with ``short_code``/``qr_payload``
    (:class:`receiptkit.verification.VerificationCode`, fingerprint ``key_fingerprint``) or
    ``code``/``payload`` (fingerprint ``fingerprint``); the fingerprint is ``""`` when there is none."""
    for code_attr, payload_attr, print_attr in (
        ("short_code", "qr_payload", "key_fingerprint"),
        ("code", "payload", "fingerprint"),
    ):
        if hasattr(value, code_attr) and hasattr(value, payload_attr):
            fingerprint = getattr(value, print_attr, None) or ""
            return str(getattr(value, code_attr)), str(getattr(value, payload_attr)), str(fingerprint)
    code, payload, *rest = value
    return str(code), str(payload), str(rest[0]) if rest and rest[0] else ""


def _original_remarks(
    row: Mapping[str, Any] | pd.Series,
    original: Mapping[str, Any] | pd.Series | None,
    txn_label: str,
    lang: str,
) -> list[str]:
    txn_type = _get(row, "txn_type")
    if txn_type not in ("refund", "void"):
        return []
    lines: list[str] = []
    if original is None:
        ref = _get(row, "original_txn_id")
        if ref:
            lines.append(f"{label_text('原交易号', 'ORIG TXN', lang)}:{ref}")
        return lines
    stan = _get(original, "stan")
    rrn = _get(original, "rrn")
    if txn_type == "void" and stan:
        lines.append(f"{label_text('原凭证号', 'ORIG VOUCHER', lang)}:{stan}")
    if txn_type == "refund":
        if rrn:
            lines.append(f"{label_text('原参考号', 'ORIG REF', lang)}:{rrn}")
        ts = original.get("ts")
        if isinstance(ts, pd.Timestamp):
            lines.append(f"{label_text('原交易日期', 'ORIG DATE', lang)}:{ts.strftime('%Y/%m/%d')}")
        if stan:
            lines.append(f"{label_text('原凭证号', 'ORIG VOUCHER', lang)}:{stan}")
    return lines


# Text fields that may wrap onto more lines (at spaces, between ideographs or letters); every other
# key/value field (amounts, ids, dates, the card number, the pay method) prints whole or is refused.
_BREAKABLE_FIELDS = frozenset({"merchant_name", "merchant_location", "issuer", "acquirer", "app_label"})


def build_blocks(
    template: Template, fields: Mapping[str, str], *, lang: str, copy: str, width: str
) -> list[Block]:
    """Interpret ``template`` items with the display ``fields``: the block list of one slip."""
    blocks: list[Block] = []
    for item in template.items:
        kind = item.kind
        if kind == "banner":
            blocks.append(Text(DUPLICATE_BANNER, align="center", bold=True, double=True, inverse=True))
        elif kind == "title":
            title = label_text(template.title_zh, template.title_en, "zh" if lang == "zh-en" else lang)
            blocks.append(Text(title, align="center", bold=True, double=True))
            if lang == "zh-en":
                blocks.append(Text(template.title_en, align="center", bold=True))
        elif kind == "copy":
            zh, en = WALLET_COPIES[copy] if template.name == "wallet" else COPIES[copy]
            blocks.append(Text(f"{zh} {en}" if lang == "zh-en" else label_text(zh, en, lang), align="center"))
        elif kind == "status":
            note = fields.get("status_note")
            if note:
                blocks.append(
                    Text(note, align="center", bold=True, double=True, inverse=True, field="status_note")
                )
            refund = fields.get("refund_note")
            if refund:  # a refunded sale: never a plain SALE duplicate
                blocks.append(Text(refund, align="center", bold=True, inverse=True, field="refund_note"))
        elif kind == "sep":
            blocks.append(Separator())
        elif kind == "kv":
            value = fields.get(item.field or "")
            if value:
                label = label_text(item.zh, item.en, lang)
                breakable = item.field in _BREAKABLE_FIELDS
                blocks.append(
                    KeyValue(
                        label,
                        value,
                        bold=item.bold,
                        stacked=item.stacked,
                        field=item.field or "",
                        breakable=breakable,
                    )
                )
        elif kind == "amount":
            value = fields.get(item.field or "amount")
            if value:
                label = label_text(item.zh, item.en, lang)
                blocks.append(KeyValue(label, value, bold=True, double=True, field=item.field or "amount"))
        elif kind == "text":
            value = fields.get(item.field or "")
            if value:
                blocks.append(Text(value, align=item.align, bold=item.bold, field=item.field or ""))
        elif kind == "remarks":
            lines = [x for x in fields.get("remarks", "").split("\n") if x]
            if lines:
                blocks.append(Text(label_text(item.zh, item.en, lang) + ":"))
                blocks.extend(Text(line, field="remarks") for line in lines)
        elif kind == "reprint":
            if "reprint_no" in fields:
                label = label_text("重打印次数", "REPRINT", lang)
                blocks.append(KeyValue(label, fields["reprint_no"], bold=True, field="reprint_no"))
        elif kind == "printed_at":
            blocks.append(
                KeyValue(label_text(item.zh, item.en, lang), fields["printed_at"], field="printed_at")
            )
        elif kind == "qr":
            if fields.get("verification_payload"):
                blocks.append(Feed())
                blocks.append(QRCode(fields["verification_payload"]))
                code = fields.get("verification_code")
                if code:
                    label = label_text("校验码", "VERIFY", lang)
                    blocks.append(Text(f"{label}: {code}", align="center", field="verification_code"))
                fingerprint = fields.get("verification_fingerprint")
                if fingerprint:  # which published public key checks the QR's signature
                    label = label_text("公钥指纹", "PUBLIC KEY", lang)
                    blocks.append(
                        Text(f"{label}: {fingerprint}", align="center", field="verification_fingerprint")
                    )
        elif kind == "barcode":
            value = fields.get(item.field or "")
            if value and value.isascii() and value.isprintable() and len(value) <= _max_barcode(width):
                blocks.append(Barcode(value))
        elif kind == "feed":
            blocks.append(Feed())
        else:
            raise ValueError(f"template {template.name!r}: unknown item kind {kind!r}")
    return blocks


def _max_barcode(width: str) -> int:
    """Longest Code128 (set B) that fits the paper at one dot per module."""
    dots = WIDTHS[width][1]
    return (dots - 35 - 20) // 11
