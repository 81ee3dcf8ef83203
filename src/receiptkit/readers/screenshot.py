"""Payment-detail screenshots (WeChat Pay, Alipay, UnionPay QuickPass, bank apps) read by offline OCR.

The image is opened safely (:mod:`receiptkit.readers.screenshot_image`),
recognised by the engine in :mod:`receiptkit.readers.ocr` (loaded once per
process), and the lines are read by the data-driven parser in
:mod:`receiptkit.readers.screenshot_parse` into one row of the canonical
proofs frame. See ``docs/screenshots.md``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from receiptkit.errors import ProofError
from receiptkit.readers.proofbase import DEFAULT_TZ_CN, finish
from receiptkit.readers.screenshot_image import (
    IMAGE_SUFFIXES,
    MAX_BYTES,
    MAX_PIXELS,
    is_image,
    metadata_cues,
    open_image,
)
from receiptkit.readers.screenshot_parse import (
    MIN_PHRASE_SCORE,
    MIN_SCORE,
    MIN_TEXT_SCORE,
    Reading,
    parse_lines,
)
from receiptkit.readers.screenshot_text import Amount
from receiptkit.readers.table import source_name
from receiptkit.schema import proofs_in_zone
from receiptkit.timeparse import resolve_tz, zone_option

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
    "reading_frame",
    "reading_note",
    "sniff",
]


def sniff(head: str) -> bool:
    """Screenshots are recognised by their bytes (:func:`is_image`), never by text."""
    return False


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
    layout = (
        f"{reading.layout.name} layout guessed"
        if reading.layout_score > 0
        else "no known app layout recognised"
    )
    return ProofError(
        f"not read as a payment ({layout}): {'; '.join(parts)}",
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

    ``tz`` (the zone the screen's time is read in) defaults to Asia/Shanghai; ``ts`` is returned in
    UTC, or in ``tz`` when given, as by every proofs reader. A field not read with confidence
    (``min_score`` for numbers and times, ``min_text_score`` for the merchant)
    is left empty. Raises :class:`ProofError` for a file that is not a
    readable image, and for a screenshot that shows no payment (saying
    what was missing). Needs the ``ocr`` extra.
    """
    from receiptkit.readers.ocr import recognise

    name = name or source_name(source)
    given = zone_option(tz, error=ProofError)  # "UTC+8" is +08:00; a typo or "" is refused
    zone = given or DEFAULT_TZ_CN
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
        image_width=image.width,
    )
    reading_raw = {
        "image": {"width": image.width, "height": image.height, "format": image.info.get("__format")},
        "ocr": cost,
        "cues": metadata_cues(image.info, name),
    }
    frame = reading_frame(reading, name=name, tz=zone, extra_raw=reading_raw)
    return proofs_in_zone(frame, given)


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
