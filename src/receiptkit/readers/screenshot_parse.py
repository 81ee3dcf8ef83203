"""Recognised OCR lines to payment fields: one data-driven parser for every app layout.

1. lines are grouped into visual rows (label on the left, value on the right,
   or a value merged into the label's box when OCR joins them);
2. the layout is the app whose markers and labels
   (:mod:`receiptkit.readers.screenshot_layouts`) fit the screen best;
3. a row that starts with one of the layout's labels (at the left margin)
   gives that field; a value wrapped onto the next line, or shown under its
   label, is joined;
4. the headline amount is the tallest line that is exactly an amount; a line
   that is exactly a status phrase (``支付成功``, ``已全额退款``) gives the state;
5. each field is kept only when its weakest character's probability reaches
   ``min_score`` (``min_text_score`` for the merchant text) and its value has
   the expected shape, and not when it ends at the cut bottom edge; otherwise
   it is left empty and the reason goes to ``Reading.unread``. Nothing is guessed.

No image and no OCR engine are needed here: the rules are tested on lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from receiptkit.errors import ReceiptkitError
from receiptkit.pan import mask_pans_in_text
from receiptkit.readers.ocr import OcrLine
from receiptkit.readers.proofbase import DEFAULT_TZ_CN, payment_state
from receiptkit.readers.screenshot_layouts import LAYOUTS, STATUS_PHRASES, Layout
from receiptkit.readers.screenshot_text import (
    CHEVRON,
    Amount,
    Scored,
    identifier,
    last4_in,
    normalise,
    parse_amount_text,
    parse_time_text,
    squeeze_key,
)
from receiptkit.timeparse import resolve_tz

__all__ = ["MIN_PHRASE_SCORE", "MIN_SCORE", "MIN_TEXT_SCORE", "Reading", "parse_lines"]

#: Weakest character probability kept for amounts, times, numbers and card digits (the recogniser's
#: per-character probability; misreads sit far below it, sure reads of clear text near 1.0).
MIN_SCORE = 0.60
#: Weakest character probability kept for the merchant text.
MIN_TEXT_SCORE = 0.50
#: Weakest character probability kept for a line that is exactly one of the known status phrases.
MIN_PHRASE_SCORE = 0.30
_ID_FIELDS = ("wallet_txn_id", "order_no", "reference")
_CONTINUABLE = ("merchant", "method", "card", *_ID_FIELDS)
#: A wrapping value whose last line ends closer than this many line heights to the bottom edge is not read.
_EDGE_LINES = 1.3
_CREDIT_TYPES = re.compile(r"退款|退货|冲正|还款|refund|return|reversal|credit", re.I)


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
    #: markers and labels of ``layout`` seen on the screen; 0 means no known layout was recognised
    layout_score: int = 0
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


def _choose_layout(rows: list[_Row]) -> tuple[Layout, int]:
    keys = [_key_chars(row.text.text)[0] for row in rows]
    whole = "".join(keys)
    best, best_score = LAYOUTS[-1], -1
    for layout in LAYOUTS:
        score = 2 * sum(1 for marker in layout.markers if _label_key(marker) in whole)
        for labels in layout.labels.values():
            score += sum(1 for label in labels if any(k.startswith(_label_key(label)) for k in keys))
        if score > best_score:
            best, best_score = layout, score
    return best, best_score


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
    image_width: int | None = None,
) -> Reading:
    """Read the proof fields from recognised lines (no image, no OCR engine needed).

    ``image_height`` (pixels) lets a value that ends at the bottom edge of a
    cropped screenshot be left unread: its continuation may be cut off.
    ``image_width`` does the same for a number that reaches the right edge
    (a 28-digit transaction number cut to 22 digits by a crop).

    Returns a :class:`Reading`; ``fields`` holds the values read with
    confidence (``amount`` as :class:`~receiptkit.readers.screenshot_text.Amount`,
    ``time`` as :class:`~receiptkit.timeparse.ParsedTime`, texts as str,
    ``payment_state``, ``direction``), ``unread`` the reason for each field
    seen but not kept.
    """
    rows = _rows(lines)
    layout, layout_score = _choose_layout(rows)
    table = _label_table(layout)
    hits = _label_column(rows, [_match_label(row, table) for row in rows])
    reading = Reading(
        layout=layout,
        layout_score=layout_score,
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
        if hit.field in _ID_FIELDS and image_width is not None and value.text:
            # the number's last line runs into the right edge: a crop may have cut digits off
            edge = max(line.box[2] for line in rows[nxt - 1].lines)
            char = max(1.0, (edge - rows[nxt - 1].x0) / max(1, len(rows[nxt - 1].text.text)))
            if image_width - edge < 0.5 * char:
                reading.unread[hit.field] = (
                    "at the right edge of the image: digits may be cut off (a partial number is not read)"
                )
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
        # Alipay shows a "更多 >" expander after the counterparty: not part of the name
        cut = CHEVRON.search(hit.value.text)
        if cut is not None:
            hit.value = hit.value[: cut.start()].strip()
        note("merchant", hit, hit.value)
        if hit.value.text and sure_enough("merchant", hit.value, min_text_score):
            reading.fields["merchant"] = hit.value.text
    for name in _ID_FIELDS:
        for hit in found.get(name, [])[:1]:
            note(name, hit, hit.value)
            shaped = identifier(hit.value, layout.id_patterns.get(name, r".+"))
            if shaped is None:
                reading.unread[name] = "not the shape of this number (a character missing or misread)"
            elif sure_enough(name, shaped, min_score):
                reading.fields[name] = shaped.text
    methods = [*found.get("method", []), *found.get("card", [])]
    for hit in methods:
        # the first payment method or card text that shows four last digits
        digits = last4_in(hit.value)
        if digits is not None:
            note("method" if hit.field == "method" else "card", hit, hit.value)
            if sure_enough("card_last4", digits, min_score):
                reading.fields["card_last4"] = digits.text
            break
    else:
        if methods:
            shown = mask_pans_in_text(methods[0].value.text)
            reading.unread["card_last4"] = f"the payment method shows no card's last 4 digits ({shown!r})"
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
    hit: _Hit | None
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
