"""Payment-detail screenshots (WeChat Pay, Alipay, UnionPay QuickPass, bank apps) read by offline OCR.

The image is opened safely (size checked before decoding: a decompression
bomb, a truncated file or a non-image is a :class:`ProofError`), recognised by
the engine in :mod:`receiptkit.readers.ocr` (loaded once per process), and the
recognised lines are read by one data-driven parser:

1. lines are grouped into visual rows (label on the left, value on the right,
   or a value merged into the label's box when OCR joins them);
2. the layout is the app whose markers and labels
   (:mod:`receiptkit.readers.screenshot_layouts`) fit the screen best;
3. a row that starts with one of the layout's labels gives that field; a value
   wrapped onto the next line, or shown under its label, is joined;
4. the headline amount is the tallest line that is exactly an amount; a line
   that is exactly a status phrase (``支付成功``, ``已全额退款``) gives the state;
5. each field is kept only when its weakest character's OCR score reaches
   ``min_score`` (``min_text_score`` for the merchant text) and its value has
   the expected shape; otherwise it is left empty and the reason goes to
   ``raw["unread"]``. Nothing is guessed.

:func:`parse_lines` is step 1-5 on already recognised lines, so the rules are
testable without the OCR engine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.pan import mask_pans_in_text
from receiptkit.readers.ocr import OcrLine
from receiptkit.readers.proofbase import DEFAULT_TZ_CN, finish, payment_state
from receiptkit.readers.screenshot_layouts import LAYOUTS, STATUS_PHRASES, Layout
from receiptkit.readers.screenshot_text import (
    Amount,
    Scored,
    identifier,
    last4_in,
    normalise,
    parse_amount_text,
    parse_time_text,
    squeeze_key,
)
from receiptkit.readers.table import source_name
from receiptkit.timeparse import resolve_tz

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_BYTES",
    "MAX_PIXELS",
    "MIN_PHRASE_SCORE",
    "MIN_SCORE",
    "MIN_TEXT_SCORE",
    "Reading",
    "is_image",
    "metadata_cues",
    "open_image",
    "parse_lines",
    "read",
    "read_screenshot",
    "reading_note",
    "sniff",
]

#: Weakest character probability kept for amounts, times, numbers and card digits (the recogniser's
#: per-character probability; misreads sit far below it, sure reads of clear text near 1.0).
MIN_SCORE = 0.60
#: Weakest character probability kept for the merchant text.
MIN_TEXT_SCORE = 0.50
#: Weakest character probability kept for a line that is exactly one of the known status phrases.
MIN_PHRASE_SCORE = 0.30
#: Largest image accepted (pixels); a phone screenshot is 1-5 million, a long scrolling one up to ~30 million.
MAX_PIXELS = 40_000_000
#: Largest file accepted (bytes).
MAX_BYTES = 50 * 1024 * 1024

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".heic", ".heif", ".bmp", ".gif", ".tif", ".tiff")
_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",
    b"MM\x00*",
)

_ID_FIELDS = ("wallet_txn_id", "order_no", "reference")
_CONTINUABLE = ("merchant", "method", "card", *_ID_FIELDS)
#: A wrapping value whose last line ends closer than this many line heights to the bottom edge is not read.
_EDGE_LINES = 1.3
_CREDIT_TYPES = re.compile(r"退款|退货|冲正|还款|refund|return|reversal|credit", re.I)


def sniff(head: str) -> bool:
    """Screenshots are recognised by their bytes (:func:`is_image`), never by text."""
    return False


def is_image(source: Any, name: str | None = None) -> bool:
    """True for a path with an image suffix, or bytes / a seekable file starting with an image signature."""
    if isinstance(source, str | Path):
        if Path(source).suffix.lower() in IMAGE_SUFFIXES:
            return True
        try:
            with open(source, "rb") as handle:
                head = handle.read(16)
        except OSError:
            return False
    elif isinstance(source, bytes | bytearray):
        head = bytes(source[:16])
    elif hasattr(source, "read") and hasattr(source, "seek") and hasattr(source, "tell"):
        position = source.tell()
        head = source.read(16)
        source.seek(position)
        if not isinstance(head, bytes):
            return False
    else:
        return False
    if any(head.startswith(magic) for magic in _MAGIC):
        return True
    if head[:2] == b"BM" and head[6:10] == b"\0\0\0\0":  # BMP: "BM", file size, four zero bytes
        return True
    return (head[:4] == b"RIFF" and head[8:12] == b"WEBP") or head[4:12] in (
        b"ftypheic",
        b"ftypheix",
        b"ftypmif1",
    )


def _register_heif() -> None:
    try:  # HEIC/HEIF only where pillow-heif is installed; not a dependency of receiptkit
        from pillow_heif import register_heif_opener
    except ImportError:
        return
    register_heif_opener()


def open_image(source: Any, *, name: str, max_pixels: int = MAX_PIXELS, max_bytes: int = MAX_BYTES) -> Any:
    """Open an image safely and return it decoded as RGB (EXIF rotation applied), with ``.info`` kept.

    The pixel count is checked from the header before any pixel is decoded.
    Raises :class:`ProofError` for a non-image, an oversized image (a
    decompression bomb), or a truncated or damaged file.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise ProofError("no such file", file=name)
        if path.stat().st_size > max_bytes:
            raise ProofError(f"file larger than {max_bytes} bytes", file=name, value=path.stat().st_size)
        data = path.read_bytes()
    elif isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        data = source.read(max_bytes + 1)
        if not isinstance(data, bytes):
            raise ProofError("a screenshot must be read from a binary file", file=name)
    if len(data) > max_bytes:
        raise ProofError(f"file larger than {max_bytes} bytes", file=name, value=len(data))
    if not data:
        raise ProofError("empty file, not an image", file=name)
    _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ProofError(
                    f"image of {width} x {height} pixels is larger than the {max_pixels:,} pixel limit "
                    "(a decompression bomb or not a phone screenshot)",
                    file=name,
                    value=f"{width}x{height}",
                )
            image.load()
            info = dict(image.info)
            exif = image.getexif()
            image_format = image.format
            upright = ImageOps.exif_transpose(image)
            rgb = _to_rgb(upright)
    except ProofError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ProofError(f"image too large, refused as a decompression bomb ({exc})", file=name) from None
    except UnidentifiedImageError:
        raise ProofError(
            "not an image Pillow can open (PNG, JPEG, WebP; HEIC with pillow-heif)",
            file=name,
            value=data[:12],
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ProofError(f"truncated or damaged image ({exc})", file=name) from None
    rgb.info = info
    rgb.info["__exif"] = exif
    rgb.info["__format"] = image_format
    return rgb


def _to_rgb(image: Any) -> Any:
    from PIL import Image

    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.point(lambda v: v / 256).convert("L").convert("RGB")
    return image.convert("RGB")


_FILE_TIME = re.compile(
    r"(?P<y>20\d{2})[-_.]?(?P<m>[01]\d)[-_.]?(?P<d>[0-3]\d)[-_. T]?(?P<H>[0-2]\d)[-_.:]?(?P<M>[0-5]\d)[-_.:]?(?P<S>[0-5]\d)"
)
_FILE_EPOCH_MS = re.compile(r"mmexport(?P<ms>1\d{12})")


def metadata_cues(info: dict[str, Any], name: str) -> dict[str, str]:
    """The file's own hints of when it was made (EXIF, PNG text chunks, file name): weak cues only.

    They say when the *file* was made or saved, not when the payment was
    made, and can be edited freely; they go to ``raw["cues"]`` and are
    never used as the payment time.
    """
    cues: dict[str, str] = {}
    exif = info.get("__exif")
    if exif:
        for tag, key in (
            (306, "exif_datetime"),
            (305, "exif_software"),
            (271, "exif_make"),
            (272, "exif_model"),
        ):
            if exif.get(tag):
                cues[key] = str(exif.get(tag))[:100]
        try:
            sub = exif.get_ifd(0x8769)
        except (KeyError, AttributeError, ValueError):
            sub = {}
        for tag, key in ((36867, "exif_datetime_original"), (36868, "exif_datetime_digitized")):
            if sub.get(tag):
                cues[key] = str(sub.get(tag))[:100]
    for key, value in info.items():
        if key.startswith("__") or key in ("exif", "icc_profile", "dpi", "gamma", "transparency", "aspect"):
            continue
        if isinstance(value, str) and value.strip():
            cues[f"text:{key}"[:60]] = mask_pans_in_text(value.strip())[:200]
    stem = Path(name).name if name and not name.startswith("<") else ""
    match = _FILE_TIME.search(stem)
    if match:
        parts = {k: int(v) for k, v in match.groupdict().items()}
        with contextlib.suppress(ValueError):  # 20261340_250000 is no time
            cues["file_name_time"] = dt.datetime(
                parts["y"], parts["m"], parts["d"], parts["H"], parts["M"], parts["S"]
            ).isoformat()
    epoch = _FILE_EPOCH_MS.search(stem)
    if epoch:
        cues["file_name_epoch_ms"] = epoch.group("ms")
    return cues


# ---------------------------------------------------------------------------------------------------------
# recognised lines -> fields


@dataclass
class _Row:
    lines: list[OcrLine]
    text: Scored
    top: int
    bottom: int
    x0: int
    x1: int
    height: int
    starts: list[int]  # character offset of each line in text


@dataclass
class _Hit:
    field: str
    label: str
    value: Scored
    value_x: float
    rank: int  # position of the label in the field's preference order


@dataclass
class Reading:
    """What :func:`parse_lines` read: the proof fields, the layout, and why any field was left empty."""

    layout: Layout
    fields: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    unread: dict[str, str] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)


def _rows(lines: Sequence[OcrLine]) -> list[_Row]:
    ordered = sorted(lines, key=lambda line: ((line.box[1] + line.box[3]) / 2, line.box[0]))
    groups: list[list[OcrLine]] = []
    for line in ordered:
        for group in groups[-3:]:
            top = min(member.box[1] for member in group)
            bottom = max(member.box[3] for member in group)
            overlap = min(bottom, line.box[3]) - max(top, line.box[1])
            smaller = min(line.height, min(member.height for member in group))
            if smaller > 0 and overlap >= 0.5 * smaller:
                group.append(line)
                break
        else:
            groups.append([line])
    rows = []
    for group in groups:
        group.sort(key=lambda line: line.box[0])
        text = Scored("", ())
        starts = []
        for position, line in enumerate(group):
            if position:
                text = text + Scored.sure(" ")
            starts.append(len(text))
            text = text + normalise(Scored(line.text, line.scores))
        heights = sorted(line.height for line in group)
        rows.append(
            _Row(
                lines=group,
                text=text,
                top=min(line.box[1] for line in group),
                bottom=max(line.box[3] for line in group),
                x0=group[0].box[0],
                x1=max(line.box[2] for line in group),
                height=heights[len(heights) // 2],
                starts=starts,
            )
        )
    rows.sort(key=lambda row: row.top)
    return rows


_KEY_SKIP = " .:·"


def _key_chars(text: str) -> tuple[str, list[int]]:
    """The row text as a label key (no spaces or dots, lower case) and each key character's position."""
    key: list[str] = []
    where: list[int] = []
    for position, ch in enumerate(text):
        if ch.isspace() or ch in _KEY_SKIP:
            continue
        lower = ch.lower()
        key.append(lower if len(lower) == 1 else ch)
        where.append(position)
    return "".join(key), where


def _label_key(label: str) -> str:
    return "".join(ch for ch in squeeze_key(label) if ch not in _KEY_SKIP)


def _label_table(layout: Layout) -> list[tuple[str, str, str, int]]:
    table = []
    for name in ("amount", "time", "merchant", "wallet_txn_id", "order_no", "method", "card", "reference"):
        for rank, label in enumerate(layout.field_labels(name)):
            table.append((_label_key(label), name, label, rank))
    for name in ("status", "type", "ignore"):
        for rank, label in enumerate(layout.field_labels(name)):
            table.append((_label_key(label), name, label, rank))
    # longest first: "商家订单号" before "订单号", "Merchant Order No." before "Merchant"
    table.sort(key=lambda entry: -len(entry[0]))
    return table


def _match_label(row: _Row, table: list[tuple[str, str, str, int]]) -> _Hit | None:
    key, where = _key_chars(row.text.text)
    for label_key, name, label, rank in table:
        if not label_key or not key.startswith(label_key):
            continue
        end = where[len(label_key) - 1] + 1  # first character after the label in the row text
        after = row.text.text[end : end + 1]
        if label_key[-1].isascii() and label_key[-1].isalpha() and after.isascii() and after.isalpha():
            continue  # "Cardiff Bakery" is not the label "Card"
        rest = row.text.text[end:]
        start = end + len(rest) - len(rest.lstrip(" .:·"))
        return _Hit(name, label, row.text[start:].strip(" .:·"), _x_at(row, start), rank)
    return None


def _x_at(row: _Row, position: int) -> float:
    """Approximate x pixel of a character position in the row text."""
    for index in range(len(row.lines) - 1, -1, -1):
        start = row.starts[index]
        if position >= start:
            line = row.lines[index]
            offset = min(position - start, len(line.text))
            return line.box[0] + (line.box[2] - line.box[0]) * offset / max(1, len(line.text))
    return float(row.x0)


def _label_column(rows: list[_Row], hits: list[_Hit | None]) -> list[_Hit | None]:
    """Labels sit at the left margin: a "label" found in a row indented far from it is value text
    (``Card(0824)`` continuing ``Bank of China Debit`` is not the label ``Card``)."""
    starts = sorted(row.x0 for row, hit in zip(rows, hits, strict=True) if hit is not None)
    if not starts:
        return hits
    margin = starts[len(starts) // 2]
    return [
        hit if hit is None or row.x0 <= margin + 2 * row.height else None
        for row, hit in zip(rows, hits, strict=True)
    ]


def _status_of_phrase(text: str) -> str | None:
    key = _label_key(text)
    for phrase, state in STATUS_PHRASES.items():
        if _label_key(phrase) == key:
            return state
    return None


def _choose_layout(rows: list[_Row]) -> Layout:
    keys = [_key_chars(row.text.text)[0] for row in rows]
    whole = "".join(keys)
    best, best_score = LAYOUTS[-1], -1
    for layout in LAYOUTS:
        score = 2 * sum(1 for marker in layout.markers if _label_key(marker) in whole)
        for labels in layout.labels.values():
            score += sum(1 for label in labels if any(k.startswith(_label_key(label)) for k in keys))
        if score > best_score:
            best, best_score = layout, score
    return best


def _is_identifier_piece(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9A-Za-z_…-]+", text.replace(" ", "")))


def parse_lines(
    lines: Sequence[OcrLine],
    *,
    tz: Any = DEFAULT_TZ_CN,
    ref_date: Any = None,
    min_score: float = MIN_SCORE,
    min_text_score: float = MIN_TEXT_SCORE,
    image_height: int | None = None,
) -> Reading:
    """Read the proof fields from recognised lines (no image, no OCR engine needed).

    ``image_height`` (pixels) lets a value that ends at the bottom edge of a
    cropped screenshot be left unread: its continuation may be cut off.

    Returns a :class:`Reading`; ``fields`` holds the values read with
    confidence (``amount`` as :class:`~receiptkit.readers.screenshot_text.Amount`,
    ``time`` as :class:`~receiptkit.timeparse.ParsedTime`, texts as str,
    ``payment_state``, ``direction``), ``unread`` the reason for each field
    seen but not kept.
    """
    rows = _rows(lines)
    layout = _choose_layout(rows)
    table = _label_table(layout)
    hits = _label_column(rows, [_match_label(row, table) for row in rows])
    reading = Reading(
        layout=layout,
        lines=[
            {"text": mask_pans_in_text(line.text), "score": round(line.score, 4), "box": list(line.box)}
            for row in rows
            for line in row.lines
        ],
    )
    used: set[int] = set()
    found: dict[str, list[_Hit]] = {}
    for index, hit in enumerate(hits):
        if hit is None or index in used:
            continue
        row = rows[index]
        value = hit.value
        nxt = index + 1
        gap_limit = 1.0 * row.height
        value_beside = bool(value.text)  # False: the value is shown under its label
        if (
            not value.text
            and nxt < len(rows)
            and hits[nxt] is None
            and rows[nxt].top - row.bottom < gap_limit
        ):
            value = rows[nxt].text  # the value is shown under its label
            hit.value_x = rows[nxt].x0
            used.add(nxt)
            nxt += 1
        if hit.field in _CONTINUABLE and value.text:
            while (
                nxt < len(rows)
                and hits[nxt] is None
                and nxt not in used
                and rows[nxt].top - rows[nxt - 1].bottom < 0.5 * row.height
                and (
                    abs(rows[nxt].x0 - hit.value_x) < 1.5 * row.height  # under the value's start
                    or (value_beside and rows[nxt].x0 > row.x0 + 2 * row.height)  # in the value column
                    or abs(rows[nxt].x1 - rows[nxt - 1].x1) < 1.5 * row.height  # right-aligned values
                )
                and _status_of_phrase(rows[nxt].text.text) is None
                and (hit.field not in _ID_FIELDS or _is_identifier_piece(rows[nxt].text.text))
            ):
                piece = rows[nxt].text
                joiner = (
                    " "
                    if value.text[-1:].isascii()
                    and value.text[-1:].isalpha()
                    and piece.text[:1].isascii()
                    and piece.text[:1].isalpha()
                    else ""
                )
                value = value + Scored.sure(joiner) + piece
                used.add(nxt)
                nxt += 1
        hit.value = value
        last = rows[nxt - 1]
        if (
            hit.field in _CONTINUABLE
            and image_height is not None
            and image_height - last.bottom < _EDGE_LINES * row.height
        ):
            # the value touches the bottom edge: its next line may have been cut off
            reading.unread[hit.field] = "at the bottom edge of the image: the value may go on below it"
            continue
        if value.text:
            found.setdefault(hit.field, []).append(hit)
    for hit_list in found.values():
        hit_list.sort(key=lambda h: h.rank)

    def note(name: str, hit: _Hit, shown: Scored) -> None:
        reading.evidence[name] = {
            "label": hit.label,
            "text": mask_pans_in_text(shown.text),
            "score": round(shown.min_score(), 4),
        }

    def sure_enough(name: str, value: Scored, threshold: float) -> bool:
        if value.min_score() >= threshold:
            return True
        reading.unread[name] = (
            f"not read with confidence (weakest character {value.min_score():.2f} < {threshold:.2f})"
        )
        return False

    _read_amount(rows, hits, found, layout, reading, min_score)
    zone = resolve_tz(tz)
    for hit in found.get("time", [])[:1]:
        note("time", hit, hit.value)
        if sure_enough("time", hit.value, min_score):
            try:
                parsed = parse_time_text(hit.value, zone, ref_date)
            except ReceiptkitError as exc:
                reading.unread["time"] = f"not a time ({exc.reason})"
            else:
                reading.fields["time"] = parsed
                reading.fields["year_inferred"] = not re.search(r"(?<!\d)\d{4}(?!\d)", hit.value.text)
    for hit in found.get("merchant", [])[:1]:
        note("merchant", hit, hit.value)
        if hit.value.text and sure_enough("merchant", hit.value, min_text_score):
            reading.fields["merchant"] = hit.value.text
    for name in _ID_FIELDS:
        for hit in found.get(name, [])[:1]:
            note(name, hit, hit.value)
            value = identifier(hit.value, layout.id_patterns.get(name, r".+"))
            if value is None:
                reading.unread[name] = "not the shape of this number (a character missing or misread)"
            elif sure_enough(name, value, min_score):
                reading.fields[name] = value.text
    for hit in [*found.get("method", []), *found.get("card", [])]:
        # the first payment method or card text that shows four last digits
        digits = last4_in(hit.value)
        if digits is not None:
            note("method" if hit.field == "method" else "card", hit, hit.value)
            if sure_enough("card_last4", digits, min_score):
                reading.fields["card_last4"] = digits.text
            break
    _read_state(rows, hits, found, reading, note, min_score)
    amount = reading.fields.get("amount")
    sign = amount.sign if amount is not None else ""
    refund_type = any(_CREDIT_TYPES.search(hit.value.text) for hit in found.get("type", []))
    # "+128.50" is money back; an unsigned amount is a credit only under a refund transaction type
    reading.fields["direction"] = "credit" if sign == "+" or (sign == "" and refund_type) else "debit"
    return reading


def _read_amount(
    rows: list[_Row],
    hits: list[_Hit | None],
    found: dict[str, list[_Hit]],
    layout: Layout,
    reading: Reading,
    min_score: float,
) -> None:
    headline: list[tuple[int, Amount, _Row]] = []
    for row, hit in zip(rows, hits, strict=True):
        if hit is None:
            amount = parse_amount_text(row.text, layout.currency)
            if amount is not None:
                headline.append((row.height, amount, row))
    chosen: Amount | None = None
    if headline:
        tallest = max(height for height, _, _ in headline)
        top = [(amount, row) for height, amount, row in headline if height >= 0.85 * tallest]
        values = {(a.money.minor, a.money.currency) for a, _ in top}
        if len(values) > 1:
            reading.unread["amount"] = "several amounts of the same size on the screen"
            return
        chosen, row = top[0]
        reading.evidence["amount"] = {"label": None, "text": row.text.text, "score": round(chosen.score, 4)}
    labelled = found.get("amount", [])
    if chosen is None and labelled:
        hit = labelled[0]
        chosen = parse_amount_text(hit.value, layout.currency)
        reading.evidence["amount"] = {
            "label": hit.label,
            "text": hit.value.text,
            "score": round(hit.value.min_score(), 4),
        }
        if chosen is None:
            reading.unread["amount"] = "not an amount"
            return
    if chosen is None:
        return
    if chosen.score < min_score:
        reading.unread["amount"] = (
            f"not read with confidence (weakest character {chosen.score:.2f} < {min_score:.2f})"
        )
        return
    reading.fields["amount"] = chosen


def _read_state(
    rows: list[_Row],
    hits: list[_Hit | None],
    found: dict[str, list[_Hit]],
    reading: Reading,
    note: Any,
    min_score: float,
) -> None:
    """The payment state: a labelled status row first, else a line that is exactly a status phrase.

    A whole status phrase is compared with a closed list (``STATUS_PHRASES``),
    where a misread lands on no phrase, so it needs only ``MIN_PHRASE_SCORE``;
    free status text classified by ``payment_state`` needs ``min_score``. A
    status seen but not read with confidence gives ``unknown``, never success.
    """
    candidates: list[Scored] = []
    for hit in found.get("status", [])[:1]:
        note("status", hit, hit.value)
        candidates.append(hit.value)
    if not candidates:
        for row, hit in zip(rows, hits, strict=True):
            if hit is None and _status_of_phrase(row.text.text) is not None:
                reading.evidence["status"] = {
                    "label": None,
                    "text": row.text.text,
                    "score": round(row.text.min_score(), 4),
                }
                candidates.append(row.text)
                break
    for value in candidates:
        phrase = _status_of_phrase(value.text)
        needed = MIN_PHRASE_SCORE if phrase is not None else min_score
        if value.min_score() < needed:
            reading.fields["payment_state"] = "unknown"
            reading.unread["status"] = (
                f"status not read with confidence (weakest character {value.min_score():.2f} < {needed:.2f})"
            )
            return
        state = phrase or payment_state(value.text)
        if state:
            reading.fields["payment_state"] = state
            return


# ---------------------------------------------------------------------------------------------------------
# the reader


def _missing(reading: Reading, name: str) -> ProofError:
    wanted = {"amount": "amount", "time": "payment time"}
    missing = [field for field in ("amount", "time") if field not in reading.fields]
    reasons = [f"{wanted[f]}: {reading.unread[f]}" for f in missing if f in reading.unread]
    plain = [wanted[f] for f in missing if f not in reading.unread]
    if not reading.lines:
        return ProofError("no text found in the image: not a payment screenshot", file=name)
    parts = []
    if plain:
        parts.append(f"no {' and no '.join(plain)} found")
    parts.extend(reasons)
    shown = " | ".join(line["text"] for line in reading.lines[:8])
    return ProofError(
        f"not read as a payment ({reading.layout.name} layout guessed): {'; '.join(parts)}",
        file=name,
        column=missing[0],
        value=shown[:120],
    )


def read_screenshot(
    source: Any,
    *,
    tz: str | None = None,
    ref_date: Any = None,
    name: str | None = None,
    min_score: float = MIN_SCORE,
    min_text_score: float = MIN_TEXT_SCORE,
    max_pixels: int = MAX_PIXELS,
) -> pd.DataFrame:
    """Read a payment-detail screenshot (path, bytes or binary file) into a one-row proofs frame.

    - ``kind``: ``wallet`` (WeChat Pay, Alipay, UnionPay QuickPass) or ``issuer_app`` (a bank app);
    - amount and currency, ``ts`` with the precision shown (``second`` on wallet
      screens, ``minute`` on many bank apps; a year-less date takes the latest
      year not after ``ref_date``, default today in ``tz``), ``merchant_text``,
      ``wallet_txn_id``, ``order_no``, ``reference``, ``card_last4`` and the
      extra column ``payment_state`` (``success``, ``refunded``, ``closed``,
      ``failed`` ...: the matcher never takes a refunded, closed or failed
      payment as paid);
    - ``raw``: the recognised lines with their scores, the layout, each
      field's label and score, ``unread`` (fields seen but not kept, and why),
      the file's metadata as weak ``cues`` (never the payment time) and the
      OCR cost (``ocr.cold`` is True for the call that loaded the engine).

    ``tz`` defaults to Asia/Shanghai. A field not read with confidence
    (``min_score`` for numbers and times, ``min_text_score`` for the merchant)
    is left empty. Raises :class:`ProofError` for a file that is not a
    readable image, and for a screenshot that shows no payment (saying
    what was missing). Needs the ``ocr`` extra.
    """
    from receiptkit.readers.ocr import recognise

    name = name or source_name(source)
    zone = tz or DEFAULT_TZ_CN
    ref = ref_date if ref_date is not None else pd.Timestamp.now(tz=resolve_tz(zone)).date()
    image = open_image(source, name=name, max_pixels=max_pixels)
    lines, cost = recognise(image)
    reading = parse_lines(
        lines,
        tz=zone,
        ref_date=ref,
        min_score=min_score,
        min_text_score=min_text_score,
        image_height=image.height,
    )
    reading_raw = {
        "image": {"width": image.width, "height": image.height, "format": image.info.get("__format")},
        "ocr": cost,
        "cues": metadata_cues(image.info, name),
    }
    return reading_frame(reading, name=name, tz=zone, extra_raw=reading_raw)


def reading_frame(
    reading: Reading, *, name: str, tz: str = DEFAULT_TZ_CN, extra_raw: dict[str, Any] | None = None
) -> pd.DataFrame:
    """The one-row proofs frame of a :class:`Reading`; ProofError when amount or time is missing."""
    fields = reading.fields
    if "amount" not in fields or "time" not in fields:
        raise _missing(reading, name)
    amount: Amount = fields["amount"]
    parsed = fields["time"]
    day = parsed.precision == "day"
    raw: dict[str, Any] = {
        "layout": reading.layout.name,
        "app": reading.layout.app,
        "fields": reading.evidence,
        "unread": reading.unread,
        "year_inferred": bool(fields.get("year_inferred")),
        "lines": reading.lines,
        **(extra_raw or {}),
    }
    row = {
        "kind": reading.layout.kind,
        "ts": pd.NaT if day else parsed.ts,
        "ts_precision": parsed.precision,
        "date": parsed.ts.tz_localize(None).normalize(),
        "amount_minor": abs(amount.money.minor),
        "currency": amount.money.currency,
        "direction": fields["direction"],
        "merchant_text": fields.get("merchant"),
        "card_last4": fields.get("card_last4"),
        "reference": fields.get("reference"),
        "wallet_txn_id": fields.get("wallet_txn_id"),
        "order_no": fields.get("order_no"),
        "terminal_id": None,
        "payment_state": fields.get("payment_state"),
        "source_row": 1,
        "raw": raw,
    }
    frame = pd.DataFrame([row])
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    frame["payment_state"] = frame["payment_state"].astype("string")
    return finish(frame, name, tz=tz)


def reading_note(proof: pd.DataFrame) -> str:
    """One line for the counter: which app layout was read, what was left empty and why, the file's cues.

    >>> reading_note(pd.DataFrame({"raw": [{"app": "WeChat Pay 账单详情", "unread": {"order_no": "cut"}}]}))
    'read as WeChat Pay 账单详情; left empty: order_no (cut)'
    """
    raw = proof["raw"].iloc[0] if len(proof) else {}
    parts = [f"read as {raw.get('app', 'an unknown layout')}"]
    unread = raw.get("unread") or {}
    if unread:
        parts.append("left empty: " + ", ".join(f"{name} ({why})" for name, why in unread.items()))
    if raw.get("year_inferred"):
        parts.append("the screen shows no year: the latest year not after the reference date was taken")
    cues = raw.get("cues") or {}
    if cues:
        shown = ", ".join(f"{k} {v}" for k, v in cues.items() if "time" in k or "date" in k)
        if shown:
            parts.append(f"file cues (weak, never the payment time): {shown}")
    return "; ".join(parts)


def read(
    source: Any,
    *,
    tz: str | None = None,
    strict: bool = True,
    ref: Any = None,
    name: str | None = None,
    **options: Any,
) -> pd.DataFrame:
    """``read_proofs`` entry point: ``ref`` is the reference date for year-less times."""
    allowed = {
        k: v for k, v in options.items() if k in ("min_score", "min_text_score", "max_pixels", "ref_date")
    }
    ref_date = allowed.pop("ref_date", ref)
    return read_screenshot(source, tz=tz, ref_date=ref_date, name=name, **allowed)
