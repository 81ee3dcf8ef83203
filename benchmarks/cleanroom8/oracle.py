"""The oracle of clean room 8: find planted secrets and unsafe cells in outputs.

Written from the project's promises only (README, docs/*.md, the field notes), never from the code under
test.

Leak rule (card numbers). Every output is turned into text. The text is normalised: NFKC (full-width
forms become ASCII), then every character Unicode gives a digit value (``unicodedata.digit``) becomes that
ASCII digit, then the separators a card number is written with (spaces of any kind, ``-`` and dashes, ``.``,
``/``, ``_``, ``·``, zero-width and other invisible characters) are dropped between two digit groups of 3
digits or more (a card's groups: 4-4-4-4, 4-6-5, 4-4-4-4-3) and are a break elsewhere, so that a date, a time
and an amount (``2026-11-16 10:06,308.01``) never run together into one long number (they did while this was
written, and a decoy matched one on seed 3). In that text a planted card
number ``P`` of ``n`` digits leaks when some run of 7 or more consecutive digits of ``P``, ``P[i:j]`` with
``j - i >= 7``, appears and that run covers at least 4 positions of the hidden middle (positions 6 .. n-5;
all 3 of them for a 13-digit number). A masked form ``622202******0128`` shows at most 6 + 4 digits separated
by ``*``, so it never matches; a run such as ``62220212****`` (first 6 and two hidden digits) is not counted,
because numbers planted with one issuer prefix (``622202``) share their first 6 digits and one or two
following digits agree by chance one time in 10 or 100 (seen while writing this on seed 0). Chance matches
are measured with decoy numbers drawn the same way but never planted (the ``decoy`` line of the table).
For a number planted split across two adjacent cells, cell separators (``,`` ``;`` ``|`` tab, quotes) are
dropped too before searching (reported as its own form, ``split_cells``).

Expiry rule (duplicates only). A planted expiry ``MM/YY`` (YY in 32-39: no day of a month, so the slip's
``2026/11/30`` cannot collide) appears on a duplicate when the NFKC text holds ``MM/YY``, ``MM/20YY``,
``MM-YY`` or ``20YY年MM月`` with no digit, ``/`` or ``-`` glued before it and none of those or ``:`` after it.
"""

from __future__ import annotations

import contextlib
import csv
import html.parser
import io
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

SEPARATORS = set(" \t\r\n\u00a0\u3000\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a")
SEPARATORS |= set("-\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d._/\u00b7\u30fb\uff0e\uff0f\uff3f")
SEPARATORS |= set("\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f")
CELL_SEPARATORS = set(",;|\"'\t")
TRIGGERS = set("=+-@\uff1d\uff0b\uff0d\uff20\t\r")
LEADING_SPACE = " \u3000\u00a0\u200b\u200c\u200d\u2060\ufeff\u2002\u2003"


def to_ascii_digits(text: str) -> str:
    """NFKC, then every Unicode digit to its ASCII digit."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        if not ch.isascii():
            d = unicodedata.digit(ch, None)
            if d is not None:
                out.append(str(d))
                continue
        out.append(ch)
    return "".join(out)


HEX_TOKEN = re.compile(
    r"(?<![0-9A-Za-z])(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*[0-9])[0-9a-fA-F]{16,}(?![0-9A-Za-z])"
)
B64_TOKEN = re.compile(
    r"(?=[A-Za-z0-9+/=_-]*[a-z])(?=[A-Za-z0-9+/=_-]*[A-Z])(?=[A-Za-z0-9+/=_-]*[0-9])[A-Za-z0-9+/=_-]{24,}"
)


def squeeze(text: str, *, cells: bool = False) -> str:
    """The normalised text with separators dropped (cell separators too when ``cells``).

    Hash-like tokens are blanked first: hex strings of 16+ characters holding both letters a-f and digits
    (SHA-256, HMAC, key ids) and base64 strings of 24+ characters holding lower and upper case letters and
    digits (signatures, public keys). Their digit runs match a 7-digit window of some planted number by
    chance (seen on seed 1: ``…2b379038007aba32`` in an audit hash), and no reader sees a card number there."""
    text = to_ascii_digits(text)
    text = HEX_TOKEN.sub(" ", text)
    text = B64_TOKEN.sub(" ", text)
    drop = SEPARATORS | CELL_SEPARATORS if cells else SEPARATORS
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch not in drop:
            out.append(ch)
            i += 1
            continue
        j = i
        while j < n and text[j] in drop:
            j += 1
        before = 0
        while before < len(out) and out[-1 - before].isdigit():
            before += 1
        after = 0
        while j + after < n and text[j + after].isdigit():
            after += 1
        # join two digit groups only when both have 3 digits or more, as a card's groups do
        out.append("" if before >= 3 and after >= 3 else "|")
        i = j
    return "".join(out)


class Searchable:
    """One output's squeezed text with the set of its 7-digit substrings, for fast look-ups."""

    def __init__(self, text: str, *, cells: bool = False) -> None:
        self.text = squeeze(text, cells=cells)
        self.grams: set[str] = set()
        for run in re.findall(r"\d{7,}", self.text):
            self.grams.update(run[i : i + 7] for i in range(len(run) - 6))

    def leaked(self, pan: str) -> str | None:
        if not any(w in self.grams for w in windows(pan)):
            return None
        return leaked(pan, self.text)


def windows(pan: str, size: int = 7) -> list[str]:
    """Every run of ``size`` consecutive digits of ``pan``."""
    return [pan[i : i + size] for i in range(len(pan) - size + 1)]


def hidden_needed(pan: str) -> int:
    """Hidden digits a window must show to count: 4, or all of them for a 13-digit number (3)."""
    return min(4, len(pan) - 10)


def leaked(pan: str, squeezed: str) -> str | None:
    """The longest run of ``pan`` found in ``squeezed`` that is 7 digits or more and shows at least
    ``hidden_needed(pan)`` digits of the hidden middle (positions 6 .. n-5), or None."""
    n = len(pan)
    need = hidden_needed(pan)
    for size in range(n, 6, -1):
        for i in range(n - size + 1):
            hidden = len(set(range(i, i + size)) & set(range(6, n - 4)))
            if hidden >= need and pan[i : i + size] in squeezed:
                return pan[i : i + size]
    return None


def expiry_patterns(mm: str, yy: str) -> re.Pattern[str]:
    """The written forms of one expiry date."""
    return re.compile(
        rf"(?<![\d/\-])(?:{mm}\s*[/\-]\s*(?:20)?{yy}|20{yy}\s*年\s*{mm}\s*月)(?![\d/\-:])",
    )


def expiry_found(mm: str, yy: str, text: str) -> str | None:
    m = expiry_patterns(mm, yy).search(unicodedata.normalize("NFKC", text))
    return m.group(0) if m else None


# ---------------------------------------------------------------------------------------------- text of outputs


def frame_text(frame) -> str:
    """Every cell, column name, index label and ``attrs`` of a frame, as text (one cell per line)."""
    parts: list[str] = [" | ".join(map(str, frame.columns))]
    for row in frame.itertuples(index=True):
        parts.append(" | ".join(_cell_text(v) for v in row))
    try:
        parts.append(json.dumps(frame.attrs, ensure_ascii=False, default=str))
    except Exception:
        parts.append(repr(frame.attrs))
    return "\n".join(parts)


def _cell_text(v: object) -> str:
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return str(v)


def pdf_text(path: Path) -> str:
    """Text of a PDF by pypdf, plus its metadata and any text in its raw bytes' literal strings."""
    out = []
    try:
        import pypdf

        reader = pypdf.PdfReader(str(path))
        for page in reader.pages:
            out.append(page.extract_text() or "")
        if reader.metadata:
            out.append(json.dumps({k: str(v) for k, v in reader.metadata.items()}, ensure_ascii=False))
        try:
            outline = reader.outline

            def walk(items: Iterable[object]) -> None:
                for it in items:
                    if isinstance(it, list):
                        walk(it)
                    else:
                        out.append(str(getattr(it, "title", "")))

            walk(outline)
        except Exception:
            pass
    except Exception as exc:
        out.append(f"<pdf unreadable: {exc}>")
    return "\n".join(out)


def xlsx_cells(path: Path) -> list[tuple[str, str, object, str, bool]]:
    """(sheet, coordinate, value, data_type, quote_prefix) of every non-empty cell."""
    import openpyxl

    wb = openpyxl.load_workbook(str(path), read_only=False, data_only=False)
    cells = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                qp = bool(getattr(c, "quotePrefix", False) or getattr(c.style, "quotePrefix", False))
                with contextlib.suppress(Exception):
                    qp = qp or bool(c._style and wb._cell_styles[c._style_id].quotePrefix)
                cells.append((ws.title, c.coordinate, c.value, c.data_type, qp))
    return cells


def xlsx_text(path: Path) -> str:
    return "\n".join(" | ".join(map(str, (s, a, v))) for s, a, v, _t, _q in xlsx_cells(path))


def csv_cells(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")
    return list(csv.reader(io.StringIO(text)))


def starts_with_trigger(cell: str) -> bool:
    s = cell.lstrip(LEADING_SPACE)
    return bool(s) and s[0] in TRIGGERS


@dataclass
class HtmlFinding:
    payload: str
    how: str


class _TagScan(html.parser.HTMLParser):
    def __init__(self, tokens: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens = tokens
        self.found: list[HtmlFinding] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        blob = " ".join(f"{k}={v}" for k, v in attrs)
        for tok in self.tokens:
            if tok in blob and (
                tag in ("img", "svg", "iframe", "script", "a", "body", "details")
                or any(k.startswith("on") or (v or "").lower().startswith("javascript:") for k, v in attrs)
            ):
                self.found.append(HtmlFinding(tok, f"<{tag} {blob[:80]}>"))
        if tag == "script":
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            for tok in self.tokens:
                if tok in data:
                    self.found.append(HtmlFinding(tok, f"<script>{data[:80]}"))


def html_findings(text: str, payloads: dict[str, str]) -> list[HtmlFinding]:
    """Payloads (token -> planted text) that reach the page as markup, not as text."""
    found: dict[str, HtmlFinding] = {}
    for tok, payload in payloads.items():
        markup = payload[payload.find("<") :] if "<" in payload else None
        if markup and markup in text:
            found[tok] = HtmlFinding(tok, f"raw: {markup[:60]}")
    scan = _TagScan(list(payloads))
    with contextlib.suppress(Exception):
        scan.feed(text)
    for f in scan.found:
        found.setdefault(f.payload, f)
    return list(found.values())


# --------------------------------------------------------------------------------------------- ESC/POS decoder


@dataclass
class EscPos:
    text: str = ""
    qr: list[str] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)
    raster_images: int = 0
    unknown: list[str] = field(default_factory=list)


def decode_escpos(data: bytes) -> EscPos:
    """Our own small ESC/POS reader: text (ASCII/CP437, and GB18030 between ``FS &`` and ``FS .``),
    QR payloads (``GS ( k`` function 180) and Code128/other barcodes (``GS k``); images are skipped."""
    out = EscPos()
    text: list[str] = []
    buf = bytearray()
    chinese = False
    i = 0
    n = len(data)

    def flush() -> None:
        if buf:
            text.append(bytes(buf).decode("gb18030" if chinese else "cp437", errors="replace"))
            buf.clear()

    while i < n:
        b = data[i]
        if b == 0x1B and i + 1 < n:  # ESC
            flush()
            c = data[i + 1]
            if c in (0x40, 0x32):  # @, 2
                i += 2
            elif c == 0x2A and i + 4 < n:  # ESC * m nL nH data
                m, nl, nh = data[i + 2], data[i + 3], data[i + 4]
                k = nl + 256 * nh
                i += 5 + (k * 3 if m in (32, 33) else k)
            elif c == 0x70:  # ESC p m t1 t2
                i += 5
            elif c == 0x42 or c == 0x28:
                i += 4
            else:  # ESC x n
                i += 3
        elif b == 0x1D and i + 1 < n:  # GS
            flush()
            c = data[i + 1]
            if c == 0x76 and i + 7 < n and data[i + 2] == 0x30:  # GS v 0 m xL xH yL yH
                xl, xh, yl, yh = data[i + 4], data[i + 5], data[i + 6], data[i + 7]
                i += 8 + (xl + 256 * xh) * (yl + 256 * yh)
                out.raster_images += 1
            elif c == 0x28 and i + 4 < n:  # GS ( X pL pH ...
                fn_class = data[i + 2]
                pl, ph = data[i + 3], data[i + 4]
                body = data[i + 5 : i + 5 + pl + 256 * ph]
                if fn_class == 0x6B and len(body) >= 3 and body[1] == 80:  # GS ( k cn 80 m data: store QR
                    out.qr.append(body[3:].decode("utf-8", errors="replace"))
                i += 5 + pl + 256 * ph
            elif c == 0x6B and i + 2 < n:  # GS k m ...
                m = data[i + 2]
                if m >= 65:
                    k = data[i + 3]
                    out.barcodes.append(data[i + 4 : i + 4 + k].decode("latin-1"))
                    i += 4 + k
                else:
                    j = data.find(b"\x00", i + 3)
                    j = n if j < 0 else j
                    out.barcodes.append(data[i + 3 : j].decode("latin-1"))
                    i = j + 1
            elif c == 0x56 and i + 2 < n:  # GS V m [n]
                i += 4 if data[i + 2] in (65, 66, 97, 98, 103, 104) else 3
            elif c in (0x4C, 0x57):  # GS L / GS W nL nH
                i += 4
            elif c == 0x38 and i + 2 < n and data[i + 2] == 0x4C:  # GS 8 L p1..p4
                size = int.from_bytes(data[i + 3 : i + 7], "little")
                i += 7 + size
            else:  # GS ! n, GS B n, GS h n, GS w n, GS H n, GS f n, GS a n, GS r n
                i += 3
        elif b == 0x1C and i + 1 < n:  # FS
            flush()
            c = data[i + 1]
            if c == 0x26:
                chinese = True
                i += 2
            elif c == 0x2E:
                chinese = False
                i += 2
            elif c in (0x21, 0x2D, 0x57, 0x43):
                i += 3
            else:
                i += 2
        elif b == 0x10 and i + 2 < n and data[i + 1] == 0x04:  # DLE EOT n
            flush()
            i += 3
        elif b == 0x0A:
            flush()
            text.append("\n")
            i += 1
        elif b < 0x20 and b not in (0x09, 0x0D):
            flush()
            i += 1
        else:
            buf.append(b)
            i += 1
    flush()
    out.text = "".join(text)
    return out


def sqlite_dump(path: Path) -> str:
    import subprocess

    try:
        res = subprocess.run(["sqlite3", str(path), ".dump"], capture_output=True, timeout=60, check=False)
        return res.stdout.decode("utf-8", errors="replace") + res.stderr.decode("utf-8", errors="replace")
    except FileNotFoundError:
        import sqlite3

        con = sqlite3.connect(str(path))
        try:
            return "\n".join(con.iterdump())
        finally:
            con.close()


def file_text(path: Path) -> str:
    """Text of one output file, by its kind."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return pdf_text(path)
    if suffix in (".xlsx", ".xlsm"):
        try:
            return xlsx_text(path)
        except Exception as exc:
            return f"<xlsx unreadable: {exc}>"
    if suffix in (".sqlite", ".db"):
        return sqlite_dump(path)
    if suffix in (".png", ".jpg"):
        return ""
    if suffix in (".bin", ".escpos", ".prn"):
        d = decode_escpos(path.read_bytes())
        return d.text + "\n" + "\n".join(d.qr + d.barcodes)
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")
