"""The canonical frames: column names, dtypes, allowed values, validation.

Two frames are the public contract between readers and everything after them:

- the **journal**: one row per terminal transaction (:data:`JOURNAL_COLUMNS`);
- the **proofs**: one row per piece of customer evidence (:data:`PROOF_COLUMNS`).

Readers produce them; the matcher, slips and reports consume them. Extra
columns are allowed and passed through; the canonical ones are always present,
in this order, with these dtypes. ``docs/journal.md`` and ``docs/proofs.md``
describe each column.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import warnings
import weakref
from collections.abc import Collection, Iterable
from typing import Any

import numpy as np
import pandas as pd

from receiptkit.arrowtext import (
    BIDI_CONTROLS,
    CONTROL_CHARACTERS,
    WHITESPACE,
    arrow_text,
    has_control,
    has_edge,
    has_empty,
    known_values,
    surely_distinct,
    valid_cells,
)
from receiptkit.errors import SchemaError
from receiptkit.money import CURRENCIES, CURRENCY_ALIASES, CURRENCY_EXPONENTS, MAX_MINOR, ascii_digits
from receiptkit.pan import (
    _SENSITIVE_PATTERN,
    card_like_cells,
    find_full_pans,
    last4_of,
    mask_pan,
    mask_pans_in_text,
    mask_pans_many,
)
from receiptkit.timeparse import zone_option

__all__ = [
    "CHANNELS",
    "DIRECTIONS",
    "JOURNAL_COLUMNS",
    "JOURNAL_OPTIONAL",
    "JOURNAL_REQUIRED",
    "PROOF_COLUMNS",
    "PROOF_KINDS",
    "PROOF_REQUIRED",
    "STATUSES",
    "STRING",
    "TXN_TYPES",
    "FullPanWarning",
    "empty_journal",
    "empty_proofs",
    "validate_journal",
    "validate_proofs",
]

#: Text columns: pandas' string dtype with pd.NA, stored in Arrow. Python-object storage
#: held a 10M-row journal in about twice the memory and built it about twice as slowly.
STRING = pd.StringDtype("pyarrow")

TXN_TYPES = ("sale", "refund", "void", "preauth", "completion")
STATUSES = ("approved", "declined", "reversed")
CHANNELS = ("card", "wechat", "alipay", "unionpay_qr", "other")
PROOF_KINDS = ("bank_statement", "wallet", "sms", "issuer_app", "manual")
DIRECTIONS = ("debit", "credit")
PRECISIONS = ("second", "minute", "hour", "day")
MAX_WINDOW = pd.Timedelta(days=1)  # the longest proof window [ts, ts_end]: longer is a date (day precision)

JOURNAL_COLUMNS: tuple[str, ...] = (
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
    "pan_masked",
    "card_last4",
    "card_scheme",
    "issuer",
    "acquirer",
    "entry_mode",
    "auth_code",
    "rrn",
    "stan",
    "batch_no",
    "wallet_txn_id",
    "order_no",
    "operator_id",
    "aid",
    "app_label",
    "original_txn_id",
)
JOURNAL_REQUIRED = ("txn_id", "ts", "amount_minor", "currency", "txn_type", "status", "channel")
JOURNAL_OPTIONAL: dict[str, str] = {
    "after_loss": "boolean",  # on a terminal after its reported loss (receiptkit.terminals.mark_after_loss)
    "sources": "string",  # rebuilt journal: the sources a row came from, ";"-joined (merge_journals)
    "merge_conflict": "string",  # rebuilt journal: id of the conflict between sources (merge_journals)
}
"""Optional columns with a meaning of their own: typed when present, never added."""

PROOF_COLUMNS: tuple[str, ...] = (
    "proof_id",
    "kind",
    "ts",
    "ts_precision",
    "ts_end",
    "date",
    "amount_minor",
    "currency",
    "direction",
    "merchant_text",
    "card_last4",
    "reference",
    "wallet_txn_id",
    "order_no",
    "terminal_id",
    "source",
    "source_row",
    "raw",
)
PROOF_REQUIRED = ("proof_id", "kind", "amount_minor", "currency", "direction")

_JOURNAL_SPECIAL = {"ts", "amount_minor"}
_PROOF_SPECIAL = {"ts", "ts_end", "date", "amount_minor", "source_row", "raw"}


class FullPanWarning(UserWarning):
    """A full card number was found in input and masked."""


def _utc_empty() -> pd.Series:
    return pd.Series(pd.DatetimeIndex([], tz="UTC"))


def empty_journal() -> pd.DataFrame:
    """A journal with no rows and every canonical column with its dtype."""
    data: dict[str, pd.Series] = {}
    for column in JOURNAL_COLUMNS:
        if column == "ts":
            data[column] = _utc_empty()
        elif column == "amount_minor":
            data[column] = pd.Series([], dtype="int64")
        else:
            data[column] = pd.Series([], dtype=STRING)
    return pd.DataFrame(data)


def empty_proofs() -> pd.DataFrame:
    """A proofs frame with no rows and every canonical column with its dtype."""
    data: dict[str, pd.Series] = {}
    for column in PROOF_COLUMNS:
        if column in ("ts", "ts_end"):
            data[column] = _utc_empty()
        elif column == "date":
            data[column] = pd.Series([], dtype="datetime64[ns]")
        elif column == "amount_minor":
            data[column] = pd.Series([], dtype="int64")
        elif column == "source_row":
            data[column] = pd.Series([], dtype="Int64")
        elif column == "raw":
            data[column] = pd.Series([], dtype=object)
        else:
            data[column] = pd.Series([], dtype=STRING)
    return pd.DataFrame(data)


def _as_string(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.na_value is pd.NA:
        out = series if series.dtype == STRING else series.astype(STRING)
    else:
        out = series.astype(object).where(series.notna(), None)
        out = out.map(lambda v: v if v is None or isinstance(v, str) else str(v)).astype(STRING)
    arr = arrow_text(out)
    if has_edge(arr, WHITESPACE):
        out = out.str.strip()
        arr = arrow_text(out)
    return out.mask(out == "", pd.NA) if has_empty(arr) else out


def _null_text(index: pd.Index, nulls: object = None) -> pd.Series:
    """An all-``<NA>`` text column (:data:`STRING`) on ``index``, built by pyarrow (from ``nulls``, one such array, when given)."""
    import pyarrow as pa

    if nulls is None:
        nulls = pa.nulls(len(index), pa.large_string())
    return pd.Series(pd.array(nulls, dtype=STRING), index=index)


def _words(values: pd.Series) -> list[str | None] | None:
    """The distinct values of a text column (``None`` for a missing cell); None when not Arrow-backed text.

    From a remembered cover of the column (:func:`~receiptkit.arrowtext.known_values`) some words
    may occur in no cell: callers only ever ask whether *every* word passes a test.
    """
    import pyarrow.compute as pc

    if not (isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"):
        return None
    arr = arrow_text(values)
    cover = known_values(arr)
    if cover is not None and len(cover) < len(arr):  # a cover of the values (a Parquet dictionary)
        words: list[str | None] = pc.unique(cover).to_pylist()
        return [*words, None] if arr.null_count else words
    return pc.unique(arr).to_pylist()  # type: ignore[no-any-return]


def _folded(values: pd.Series, upper: bool) -> tuple[pd.Series, list[str | None] | None]:
    """``values.str.upper()`` (or ``lower()``), without a pass over the rows when no distinct word changes.

    Only words that are plain ASCII and already in that case are taken as unchanged: any other
    word goes through pandas' own case mapping, as before. Also returns the distinct words of the
    result when known (the column came back as it was), else None.
    """
    words = _words(values)
    if words is not None and all(
        w is None or (w.isascii() and w == (w.upper() if upper else w.lower())) for w in words
    ):
        return values, words
    return (values.str.upper() if upper else values.str.lower()), None


def _check_values(
    frame: pd.DataFrame,
    column: str,
    allowed: Iterable[str],
    required: bool,
    words: list[str | None] | None = None,
) -> None:
    """Every value of ``column`` in ``allowed`` (and present when ``required``), or a :class:`SchemaError` naming the first that is not.

    ``words``: the column's distinct values when the caller knows them already.
    """
    values = frame[column]
    words = _words(values) if words is None else words
    if words is not None and all(
        (w is not None or not required) and (w is None or w in allowed) for w in words
    ):
        return  # every distinct value allowed: nothing to name
    bad = values.notna() & ~values.isin(list(allowed))
    if required:
        bad |= values.isna()
    if bad.any():
        index = bad.idxmax()
        raise SchemaError(
            f"must be one of {', '.join(allowed)}",
            row=_row_label(frame, index),
            column=column,
            value=None if pd.isna(values[index]) else values[index],
        )


def control_reason(value: str) -> str:
    """Why a text cell holding one of :data:`~receiptkit.arrowtext.CONTROL_CHARACTERS` is refused."""
    char = re.search(CONTROL_CHARACTERS, value).group(0)  # type: ignore[union-attr]
    if re.fullmatch(f"[{BIDI_CONTROLS}]", char):
        return (
            f"a bidirectional control character U+{ord(char):04X} in the text (it makes the text around it "
            "display reversed or moved, so a name can show as another): remove it"
        )
    return f"a control character U+{ord(char):04X} in the text (a damaged cell or binary data): remove it"


def control_cells(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> list[tuple[int, str, str]]:
    """Every cell ``(position, column, value)`` of a text column of ``frame`` (or of ``columns``) that holds a
    control character (:data:`~receiptkit.arrowtext.CONTROL_CHARACTERS`), by column, then position.

    The readers call it before they decide what a bad row is (``strict=False`` leaves such a row out; before
    session 16 it refused the whole file). Text columns are string and object ones (cells that are not text
    are read as their ``str``); one numpy pass over each column's bytes, cell by cell only where one is found.
    """
    import numpy as np
    import pyarrow.compute as pc

    found: list[tuple[int, str, str]] = []
    for column in frame.columns if columns is None else columns:
        if column not in frame.columns:
            continue
        values = frame[column]
        if isinstance(values, pd.DataFrame):  # a duplicated column name: each is checked by validation
            continue
        if not (isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"):
            if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
                continue
            text = values.map(lambda v: v if isinstance(v, str) or v is None else str(v), na_action="ignore")
            try:
                values = text.astype(STRING)
            except (TypeError, ValueError):  # pragma: no cover - str() cells always convert
                continue
        arr = arrow_text(values)
        if not has_control(arr):
            continue
        hits = pc.fill_null(pc.match_substring_regex(arr, CONTROL_CHARACTERS), False)
        for position in np.flatnonzero(np.asarray(hits.to_numpy(zero_copy_only=False), dtype=bool)):
            found.append((int(position), str(column), str(values.iloc[int(position)])))
    return found


def currency_reason(value: object) -> str:
    """Why a ``currency`` cell is refused: not a code of :data:`receiptkit.money.CURRENCIES` (``RMB``: write CNY)."""
    alias = CURRENCY_ALIASES.get(str(value)) if value is not None else None
    return "currency must be an ISO 4217 code" + (f": write {alias}" if alias else " (CNY, HKD, USD, ...)")


def currency_cells(frame: pd.DataFrame, column: str = "currency") -> list[tuple[int, object]]:
    """Every row ``(position, value)`` whose ``column`` :func:`validate_proofs` / :func:`validate_journal` would
    refuse as a currency (empty, or no ISO 4217 code once upper-cased and stripped)."""
    import numpy as np

    if column not in frame.columns:
        return []
    values = frame[column]
    folded = values.astype(STRING).str.strip().str.upper()
    bad = folded.isna() | ~folded.isin(list(CURRENCIES)).fillna(False).astype(bool)
    return [
        (int(p), None if pd.isna(values.iloc[int(p)]) else values.iloc[int(p)])
        for p in np.flatnonzero(bad.to_numpy(dtype=bool))
    ]


def _refuse_controls(frame: pd.DataFrame) -> None:
    """A :class:`SchemaError` naming the first cell of a text column that holds a control character.

    NUL, ESC, DEL, the C1 controls (:data:`~receiptkit.arrowtext.CONTROL_CHARACTERS`; tab, line feed and
    carriage return are text) mean a damaged cell: kept, a NUL was cut or dropped by renderers and an ESC
    sequence reached the terminal, silently. One numpy pass over each text column's bytes; only a column
    with such a byte is searched cell by cell. Run after masking, so the value quoted holds no card number.
    """
    columns = [
        c
        for c in frame.columns
        if isinstance(frame[c].dtype, pd.StringDtype) and frame[c].dtype.storage == "pyarrow"
    ]
    found = control_cells(frame, columns)
    if found:
        position, column, value = found[0]
        raise SchemaError(control_reason(value), row=position + 1, column=column, value=value)


def _row_label(frame: pd.DataFrame, index: object) -> int | None:
    try:
        return int(frame.index.get_loc(index)) + 1  # type: ignore[arg-type]
    except (TypeError, KeyError):
        return None


# Identifier columns hold long numbers by design (RRN, wallet and order numbers,
# merchant ids); they are not scanned for card numbers.
_ID_COLUMNS = frozenset(
    {
        "txn_id",
        "merchant_id",
        "terminal_id",
        "auth_code",
        "rrn",
        "stan",
        "batch_no",
        "wallet_txn_id",
        "order_no",
        "aid",
        "original_txn_id",
        "card_last4",
        "currency",
        "txn_type",
        "status",
        "channel",
        "proof_id",
        "kind",
        "direction",
        "ts_precision",
        "source",
        "sources",
        "merge_conflict",
    }
)
_CARD_COLUMNS = frozenset({"pan_masked"})


# A run of 12+ digits of any script (grouped by any separator a card number is written with:
# spaces, no-break and figure spaces, hyphens and dashes, full-width forms), digit groups 4-4-4 or 4-6-4
# joined by dots, slashes or underscores (a card written "4111.1111.1111.1111") or an expiry word:
# the same test as receiptkit.pan's, in literal characters so that RE2 (pyarrow) reads it as ``re`` does.
_SUSPICIOUS = _SENSITIVE_PATTERN


def _suspicious(text: pd.Series) -> pd.Series:
    """``text.str.contains(_SUSPICIOUS)``, the regex run once per distinct value (text columns repeat)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    encoded = pc.dictionary_encode(arr)
    hits = pc.match_substring_regex(encoded.dictionary, _SUSPICIOUS)
    found = pc.fill_null(pc.take(hits, encoded.indices), False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=text.index)


def _maybe_suspicious(text: pd.Series) -> bool:
    """False only when no cell of ``text`` can match :data:`_SUSPICIOUS`: one regex pass over all the text.

    The cells of an Arrow string column lie end to end in one buffer; a cell's match is a match
    in that buffer (the pattern has no anchors or look-arounds), so a buffer without one has no
    suspicious cell. A match across two cells only sends the column to :func:`_suspicious`.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = arrow_text(text)
    n = len(arr)
    if n == 0 or arr.null_count == n:
        return False
    cover = known_values(arr)
    cover = cover if cover is not None and len(cover) < n else None  # a cover (a Parquet dictionary)
    if cover is not None and not pc.any(pc.match_substring_regex(cover, _SUSPICIOUS)).as_py():
        return False  # no value the cells are drawn from can match
    buffers = arr.buffers()
    if buffers[2] is None:
        return False
    offsets = np.frombuffer(buffers[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    if arr.null_count:
        valid = valid_cells(arr)
        if (np.diff(offsets)[~valid] != 0).any():
            return True  # bytes under a null cell: not known to be text, ask cell by cell
    start, end = int(offsets[0]), int(offsets[-1])
    whole = pa.LargeStringArray.from_buffers(
        1, pa.py_buffer(np.array([0, end - start], dtype=np.int64)), buffers[2].slice(start, end - start)
    )
    return bool(pc.any(pc.match_substring_regex(whole, _SUSPICIOUS)).as_py())


#: the headers a known wallet or platform bill gives its own transaction id under (the cell kept whole in ``raw``)
PLATFORM_ID_HEADERS = frozenset(
    {
        "交易单号",
        "交易号",
        "交易订单号",
        "支付单号",
        "微信支付单号",
        "微信订单号",
        "支付宝交易号",
        "退款单号",
        "订单号",
    }
)


def _keep_platform_ids_in_raw(frame: pd.DataFrame, masked: list[Any], changed: np.ndarray) -> None:
    """In ``masked`` (the rows' ``raw`` after masking), put back a known bill's own dated id
    (:func:`platform_id_rows`) in the cell it was read from; every other cell of the row stays masked (a card
    number pasted into its 备注 is masked)."""
    if "raw" not in frame.columns:
        return
    if not changed.any():
        return
    originals = frame["raw"].to_numpy(dtype=object)
    for column in CARD_CHECKED_IDS:
        kept = platform_id_rows(frame, column, np.flatnonzero(changed))
        for k in np.flatnonzero(kept):
            value, before, after = frame[column].iloc[k], originals[k], masked[k]
            if after is before or not isinstance(after, dict):
                continue
            after = dict(after)
            for key, cell in before.items():  # the id's own cell only, never another cell equal to it (§1)
                if str(key) in PLATFORM_ID_HEADERS and isinstance(cell, str) and cell.strip() == value:
                    after[key] = cell
            masked[k] = after


def _mask_full_pans(frame: pd.DataFrame, columns: Iterable[str], what: str) -> pd.DataFrame:
    """Mask every full PAN and expiry date in the card and free-text columns, warning once per column.

    ``pan_masked`` is checked leniently (any 12-19 digits); free-text columns
    (and the proofs' ``reference``) need a card-like number (network prefix and
    Luhn digit); digits of any script count (``６２２５…``). Identifier columns
    are left alone: they are join keys. ``raw`` dicts are masked string by string.
    """
    for column in columns:
        if column not in frame.columns or column in _ID_COLUMNS:
            continue
        values = frame[column]
        if column == "raw":
            masked = mask_pans_many(list(values))
            moved = np.fromiter((m is not v for m, v in zip(masked, values, strict=True)), bool, len(masked))
            _keep_platform_ids_in_raw(frame, masked, moved)
            changed = [m is not v for m, v in zip(masked, values, strict=True)]
            if any(changed):
                frame[column] = pd.Series(masked, index=frame.index, dtype=values.dtype)
            continue
        if not (isinstance(values.dtype, pd.StringDtype) or values.dtype == object):
            continue
        text = values.astype(STRING)
        if not _maybe_suspicious(text):
            continue
        suspicious = _suspicious(text)
        if not suspicious.any():
            continue
        strict = column not in _CARD_COLUMNS
        if column in _CARD_COLUMNS:
            masked = text[suspicious].map(lambda v: mask_pan(v) if find_full_pans(v) else v)
        else:
            masked = text[suspicious].map(lambda v, strict=strict: mask_pans_in_text(v, strict=strict))
        changed = masked != text[suspicious]
        if changed.any():
            frame[column] = text.where(~suspicious, masked).astype(STRING)
            warnings.warn(
                f"{what}: {int(changed.sum())} full card number(s) or expiry date(s) in column {column!r} were masked",
                FullPanWarning,
                stacklevel=3,
            )
    return frame


#: Identifier columns whose value may be a whole card number put in the wrong column: masked (first 6 + last 4)
#: in journals and proofs alike, so that the two sides still compare equal.
CARD_CHECKED_IDS = ("wallet_txn_id", "order_no", "rrn")


#: the ``raw`` key where a known wallet or platform bill's reader names the identifier columns the bill itself
#: wrote (``["wallet_txn_id"]``: its 交易单号 column), for :func:`platform_id_rows`
PLATFORM_IDS = "platform_ids"


def platform_id_rows(frame: pd.DataFrame, column: str, rows: np.ndarray | None = None) -> np.ndarray:
    """Rows whose ``column`` holds a known bill's own dated identifier, never a card number put there.

    Meituan writes its refunds' 交易单号 as 19 digits beginning with the day (``2502160180268562443``, a refund of
    2025-02-16); one in ten of them happens to pass a card's check digit with a 2-series Mastercard prefix, and was
    masked as a card number, its join key lost (newcomer 19, G13). Kept only when all hold: the reader of a known
    wallet bill layout named the column as the bill's own id column (``raw["platform_ids"]``, set by the wallet
    readers, never by a free-text or unknown column), and the value is 13-19 ASCII digits beginning with the
    row's own date as YYMMDD (or the day before: created before midnight, paid after). Anything else that looks
    like a card is masked. ``rows``: the positions to look at (default all), so that a frame of a million
    rows is walked only where a card-like value or a changed ``raw`` is.
    """
    out = np.zeros(len(frame), dtype=bool)
    if column not in frame.columns or "raw" not in frame.columns or "date" not in frame.columns:
        return out
    positions = np.arange(len(frame)) if rows is None else np.asarray(rows, dtype=np.int64)
    if not len(positions):
        return out
    raws = frame["raw"].to_numpy(dtype=object)
    values = frame[column].to_numpy(dtype=object)
    dates = frame["date"]
    kinds = frame["kind"].astype(object).to_numpy() if "kind" in frame.columns else None
    for k in positions.tolist():
        raw, value = raws[k], values[k]
        if not isinstance(raw, dict) or not isinstance(value, str):
            continue
        named = raw.get(PLATFORM_IDS)
        if not isinstance(named, (list, tuple)) or column not in named:
            continue
        if column != "wallet_txn_id" or (kinds is not None and kinds[k] != "wallet"):
            continue  # a wallet bill's own transaction id only (review 20 §1): never an order number, a bank line
        if not (13 <= len(value) <= 19 and value.isascii() and value.isdigit()):
            continue
        day = pd.to_datetime(dates.iloc[k], errors="coerce")
        if pd.isna(day):
            continue
        out[k] = value[:6] in {day.strftime("%y%m%d"), (day - pd.Timedelta(days=1)).strftime("%y%m%d")}
    return out


def _mask_card_ids(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """An identifier (:data:`CARD_CHECKED_IDS`) that is a whole card number, masked (first 6, last 4), warning
    once per column.

    Identifier columns are join keys and are not scanned as free text; but a wallet's 交易单号 is 28-40 digits
    (field guide 4: WeChat 28, Alipay 28-34, personal QR 36, group collection 40), an RRN 12, and a 13-19 digit
    order number with a card's prefix and check digit that does not begin with a date (:func:`card_like_cells`)
    is a card number put in the wrong column, shown whole wherever the row is (find's ``proof:`` line, reports,
    the pack). Masked, it still joins as a masked wallet number does (first 6, last 4): journal and proofs mask
    alike. Vectorised.
    """
    for column in CARD_CHECKED_IDS:
        if column not in frame.columns:
            continue
        values = frame[column]
        present = values.notna()
        if not present.any():
            continue
        text = values.astype(STRING)
        # a number grouped with spaces or dashes, full-width too, is tested as its digits (review 20 §6: '4111 1111
        # 1111 1111' in an id column stayed whole): no wallet or order id is written grouped
        folded = text.str.normalize("NFKC").str.replace(r"[\s\-.\u3000]", "", regex=True)
        sized = (present & folded.str.len().between(13, 19)).fillna(False).to_numpy(dtype=bool)
        if not sized.any():
            continue
        cards = np.zeros(len(frame), dtype=bool)
        cards[sized] = card_like_cells(arrow_text(folded[sized]))
        if cards.any() and what == "proofs":
            cards &= ~platform_id_rows(
                frame, column, np.flatnonzero(cards)
            )  # a known bill's own dated id (G13)
        if not cards.any():
            continue
        frame[column] = text.where(~cards, folded[cards].map(mask_pan)).astype(STRING)
        rows = (
            [str(r) for r in frame["source_row"].to_numpy(dtype=object)[cards][:5]]
            if "source_row" in frame.columns
            else []
        )
        where = f" (row {', '.join(rows)}{', ...' if int(cards.sum()) > 5 else ''})" if rows else ""
        warnings.warn(
            f"{what}: {int(cards.sum())} value(s) in identifier column {column!r}{where} look like whole card "
            "numbers and were masked (first 6 + last 4); they can no longer be joined on whole. A known bill's "
            "own dated id in its id column is kept (docs/proofs.md, 'Identifiers that look like card numbers')",
            FullPanWarning,
            stacklevel=4,
        )
    return frame


# Journals this package made canonical (validate_journal, read_journal), by identity: id(frame) -> (a weak
# reference to it, the array under each column). A frame whose columns are still those arrays need not be
# validated again (JournalIndex); a column replaced or written to (Arrow arrays are immutable: a write makes a
# new one) or a column added or dropped makes it a frame like any other. Numeric columns written in place
# keep their array: JournalIndex checks their values itself.
_SETTLED: dict[int, tuple[weakref.ref, tuple[tuple[str, object, object], ...]]] = {}


def _column_arrays(frame: pd.DataFrame) -> tuple[tuple[str, object, object], ...]:
    """Per column: its name, the object holding its values, and where in it they lie.

    An Arrow column is its (immutable) Arrow array. A numpy column is the array at the root of its
    views (pandas 3 hands out a new view on every access) and the view's address, shape and strides.
    """
    import numpy as np

    out = []
    for name in frame.columns:
        values = frame[name].array
        inner = getattr(values, "_pa_array", None)
        where: object = None
        if inner is None:
            inner = getattr(values, "_ndarray", values)
            if isinstance(inner, np.ndarray):
                view = inner
                while isinstance(inner.base, np.ndarray):
                    inner = inner.base
                where = (view.__array_interface__["data"][0], view.shape, view.strides, str(view.dtype))
        out.append((str(name), inner, where))
    return tuple(out)


def _forget_settled(key: int, _ref: object) -> None:
    """Drop what :func:`_settle` kept of a frame that is gone (a weak reference's callback)."""
    _SETTLED.pop(key, None)


def _settle(frame: pd.DataFrame) -> pd.DataFrame:
    """Remember ``frame`` as a canonical journal this package made (returned as is)."""
    key = id(frame)
    try:
        ref = weakref.ref(frame, functools.partial(_forget_settled, key))
    except TypeError:  # pragma: no cover - DataFrames take weak references
        return frame
    _SETTLED[key] = (ref, _column_arrays(frame))
    return frame


def _is_settled(frame: pd.DataFrame) -> bool:
    """``frame`` is a journal :func:`_settle` remembered, with the very arrays it had then."""
    kept = _SETTLED.get(id(frame))
    if kept is None or not frame.columns.is_unique or kept[0]() is not frame:
        return False
    now = _column_arrays(frame)
    return len(now) == len(kept[1]) and all(
        a == b and x is y and p == q for (a, x, p), (b, y, q) in zip(now, kept[1], strict=True)
    )


def validate_journal(frame: pd.DataFrame, *, tz: str | None = None) -> pd.DataFrame:
    """Return ``frame`` as a canonical journal: columns present, ordered, typed.

    Missing optional columns are added empty. Values of ``txn_type``,
    ``status``, ``channel`` and ``currency`` are checked; ``ts`` must be
    timezone-aware (or ``tz`` given to localise it); ``amount_minor`` must be
    a non-negative integer. Full card numbers in any text column are masked
    with a :class:`FullPanWarning`. Raises :class:`SchemaError` otherwise.
    The input is not modified. ``tz`` is read as every reader reads it (``"UTC+8"`` is +08:00; a zone
    no one knows is a :class:`SchemaError`, :func:`receiptkit.timeparse.zone_option`).
    """
    out = _validate_journal(frame, tz=zone_option(tz, error=SchemaError))
    _refuse_shared_txn_ids(out)
    return _settle(out)


def _id_codes(ids: pd.Series) -> np.ndarray | None:
    """One code per distinct id, per row; ``None`` when every id is different (the usual case: proved on the
    Arrow buffers, :func:`~receiptkit.arrowtext.surely_distinct`, without a Python string). ``ids`` has no
    empty cell (refused before)."""
    import pyarrow.compute as pc

    arr = arrow_text(ids.astype(STRING))
    if surely_distinct(arr):
        return None
    encoded = pc.dictionary_encode(arr)
    if len(encoded.dictionary) == len(arr):
        return None
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)


def _repeated(ids: pd.Series) -> np.ndarray | None:
    """Per row, whether another row holds the same id; ``None`` when every id is different."""
    codes = _id_codes(ids)
    return None if codes is None else np.bincount(codes)[codes] > 1


def _rows_text(rows: list[int]) -> str:
    """``[1, 5, 19]`` -> ``'rows 1, 5 and 19'``."""
    if len(rows) > 5:
        return "rows " + ", ".join(str(r) for r in rows[:5]) + ", ..."
    return "rows " + ", ".join(str(r) for r in rows[:-1]) + " and " + str(rows[-1])


def _others(values: list[str], what: str) -> str:
    """``; 4 ids are repeated ('a', 'b', ...)`` when more than one id is, else nothing."""
    if len(values) < 2:
        return ""
    shown = ", ".join(repr(v) for v in values[:6]) + (", ..." if len(values) > 6 else "")
    return f"; {len(values)} {what} are repeated ({shown})"


def _refuse_shared_txn_ids(out: pd.DataFrame, numbers: np.ndarray | None = None) -> None:
    """Two different transactions under one ``txn_id``: a :class:`SchemaError` naming the id and both rows.

    The audit log, the reprint cap and ``same_proof`` count duplicates by ``txn_id``: one id on two sales
    numbers a duplicate of one as the other's (newcomer 19, G19). ``read_journal`` refuses any repeated id
    in a file (``duplicate txn_id: rows 2 and 6 share it``); a frame may hold exact copies of a row (a journal
    written out twice over, every canonical column equal): they are one transaction logged twice, which
    :class:`~receiptkit.JournalIndex` keeps once and flags ``journal_duplicate``, and are accepted.
    ``numbers``: each row's number in the whole journal when ``out`` is a part of it (dask); by default its
    position, counted from 1.
    """
    codes = _id_codes(out["txn_id"])
    if codes is None:
        return
    positions = np.flatnonzero(np.bincount(codes)[codes] > 1)
    code = codes[positions]
    first = np.zeros(int(code.max()) + 1, dtype=np.int64)
    held, at = np.unique(code, return_index=True)
    first[held] = positions[at]  # each id's first row
    reference = first[code]
    columns = [c for c in JOURNAL_COLUMNS if c in out.columns]
    # each row against its id's first row, column by column: equal everywhere is a copy (one transaction)
    differs = np.zeros(len(positions), dtype=bool)
    for column in columns:
        mine = out[column].take(positions).reset_index(drop=True)
        theirs = out[column].take(reference).reset_index(drop=True)
        same = (mine == theirs).fillna(False).to_numpy(dtype=bool) | (mine.isna() & theirs.isna()).to_numpy()
        differs |= ~same
    if not differs.any():
        return
    k = int(np.flatnonzero(differs)[0])
    value = str(out["txn_id"].iloc[positions[k]])
    a, b = out.iloc[int(reference[k])], out.iloc[int(positions[k])]
    differ = [
        c
        for c in columns
        if not (pd.isna(a[c]) and pd.isna(b[c])) and (pd.isna(a[c]) or pd.isna(b[c]) or a[c] != b[c])
    ]
    key = ("ts", "amount_minor", "currency", "card_last4", "terminal_id", "txn_type", "status")
    differ = [c for c in key if c in differ] + [c for c in differ if c not in key]  # the sale's own first
    if len(differ) > 6:
        differ = [*differ[:6], f"and {len(differ) - 6} more columns"]
    pair = [int(reference[k]), int(positions[k])]
    rows = [p + 1 for p in pair] if numbers is None else [int(numbers[p]) for p in pair]
    ids = out["txn_id"].take(positions[differs])
    advice = "give each its own txn_id"
    if "terminal_id" in out.columns:
        # ids unique per terminal only (a trace number 000123 on two terminals, journals concatenated): the
        # usual fix is named (review 19, §12), not just "give each its own"
        mine = out["terminal_id"].take(positions[differs]).astype("string").reset_index(drop=True)
        theirs = out["terminal_id"].take(reference[differs]).astype("string").reset_index(drop=True)
        if bool((mine != theirs).fillna(False).any()):
            advice = (
                "these ids are unique per terminal only (the same id on different terminals: journals of "
                "several terminals put together): make them unique by prefixing the terminal id (12345678/000123; "
                "in pandas: df['txn_id'] = df['terminal_id'] + '/' + df['txn_id']), or read the journals "
                "without an id column so that read_journal derives the documented key terminal_id/batch_no/stan "
                "(docs/journal.md, txn_id derivation); otherwise give each its own txn_id"
            )
    raise SchemaError(
        f"duplicate txn_id: {_rows_text(rows)} share it but differ in {', '.join(differ)}: two transactions "
        f"under one id would be counted as one (duplicate numbers, the audit log); {advice} "
        "(rows equal in every column are one transaction logged twice, and are accepted)"
        + _others([str(v) for v in pd.unique(ids)], "ids"),
        row=rows[0],
        column="txn_id",
        value=value,
    )


def _validate_journal(
    frame: pd.DataFrame,
    *,
    tz: str | None = None,
    settled: Collection[str] = (),
    passed: Collection[str] = (),
) -> pd.DataFrame:
    """:func:`validate_journal`, told by a reader which text columns it has already settled.

    ``settled`` names text columns that are :data:`STRING` with no whitespace at either end of
    any cell and no empty cell (what :func:`_as_string` makes of a column): they are not
    stripped again. Everything else (their card-number scan included) is done as for any frame.
    ``passed`` names :data:`STRING` identifier columns the reader settles itself: they are passed
    through untouched (not stripped, scanned or checked), as if absent, and kept in their place.
    """
    out = frame.copy()
    missing = [c for c in JOURNAL_REQUIRED if c not in out.columns]
    if missing:
        raise SchemaError(f"missing required column(s): {', '.join(missing)}")
    import pyarrow as pa

    nulls = pa.nulls(len(out), pa.large_string())  # one immutable Arrow array under every missing column
    for column in JOURNAL_COLUMNS:
        if column not in out.columns:
            out[column] = _null_text(out.index, nulls)
    passed = {c for c in passed if c in out.columns and out[c].dtype == STRING}
    for column in JOURNAL_COLUMNS:
        if column in passed:
            continue
        if column not in _JOURNAL_SPECIAL and not (column in settled and out[column].dtype == STRING):
            out[column] = _as_string(out[column])
    out["ts"] = _as_aware(out["ts"], tz, "ts", frame=out)
    out["amount_minor"] = _as_minor(out, "amount_minor", allow_negative=False)
    out["currency"], words = _folded(out["currency"], upper=True)
    _check_currency(out, words)
    for column, allowed in (("txn_type", TXN_TYPES), ("status", STATUSES), ("channel", CHANNELS)):
        out[column], words = _folded(out[column], upper=False)
        _check_values(out, column, allowed, required=True, words=words)
    missing_ids = out["txn_id"].isna() if "txn_id" not in passed else pd.Series(False, index=out.index)
    if missing_ids.any():
        index = missing_ids.idxmax()
        raise SchemaError("empty txn_id", row=_row_label(out, index), column="txn_id")
    for column, dtype in JOURNAL_OPTIONAL.items():
        if column in out.columns:
            out[column] = _as_string(out[column]) if dtype == "string" else _as_boolean(out, column)
    text_columns = [c for c in out.columns if c not in _JOURNAL_SPECIAL and c not in passed]
    out = _mask_full_pans(out, text_columns, "journal")
    out = _mask_card_ids(out, "journal")
    _refuse_controls(out)
    # card_last4 from pan_masked when only the latter is known
    need = out["card_last4"].isna() & out["pan_masked"].notna()
    if need.any():
        out.loc[need, "card_last4"] = out.loc[need, "pan_masked"].map(last4_of).astype(STRING)
    _check_last4(out)
    extra = [c for c in out.columns if c not in JOURNAL_COLUMNS]
    return out[list(JOURNAL_COLUMNS) + extra]


def _four_ascii_digits(values: pd.Series) -> bool:
    """True when every present cell of an Arrow-backed text column is exactly four ASCII digits (numpy on its buffers)."""
    if not (isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"):
        return False
    return _four_ascii_digits_arrow(arrow_text(values))


def _four_ascii_digits_arrow(arr: Any) -> bool:
    """:func:`_four_ascii_digits` of a ``large_string`` array (of its remembered cover when there is one)."""
    import numpy as np

    n = len(arr)
    if n == 0:
        return True
    cover = known_values(arr)
    if cover is not None and len(cover) < n and _four_ascii_digits_arrow(cover):
        return True  # every value the cells are drawn from is four digits
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    lengths = np.diff(offsets)
    valid = valid_cells(arr) if arr.null_count else np.ones(n, dtype=bool)
    if (lengths[valid] != 4).any() or (lengths[~valid] != 0).any():
        return False
    if arr.buffers()[2] is None:
        return True  # no text at all: every cell missing
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return bool(((data >= 0x30) & (data <= 0x39)).all())


def _check_last4(out: pd.DataFrame) -> None:
    """``card_last4`` is four digits where present, or a :class:`SchemaError` naming the first cell that is not."""
    if _four_ascii_digits(out["card_last4"]):
        return
    bad4 = out["card_last4"].notna() & ~out["card_last4"].str.fullmatch(r"\d{4}", na=False)
    if bad4.any():
        index = bad4.idxmax()
        raise SchemaError(
            "card_last4 must be four digits",
            row=_row_label(out, index),
            column="card_last4",
            value=out.at[index, "card_last4"],
        )


def validate_proofs(frame: pd.DataFrame, *, tz: str | None = None) -> pd.DataFrame:
    """Return ``frame`` as a canonical proofs frame (see :func:`validate_journal`).

    ``ts`` may be empty for date-only proofs, which then need ``date``;
    ``ts_precision`` is filled from what is known (``day`` when only a date). ``tz`` as for
    :func:`validate_journal`: the zone of naive times. ``ts`` and ``ts_end`` are returned in UTC, or in
    ``tz`` when given (:func:`proofs_in_zone`); ``date``, when filled from ``ts``, is the day in the zone
    ``ts`` was given in.
    """
    tz = zone_option(tz, error=SchemaError)
    out = frame.copy()
    missing = [c for c in PROOF_REQUIRED if c not in out.columns]
    if missing:
        raise SchemaError(f"missing required column(s): {', '.join(missing)}")
    for column in PROOF_COLUMNS:
        if column not in out.columns:
            out[column] = _null_text(out.index)
    for column in PROOF_COLUMNS:
        if column not in _PROOF_SPECIAL:
            out[column] = _as_string(out[column])
    if out["ts"].isna().all() and not pd.api.types.is_datetime64_any_dtype(out["ts"].dtype):
        out["ts"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns, UTC]")
    else:
        out["ts"] = _as_aware(out["ts"], tz, "ts", allow_missing=True, frame=out)
    date = out["date"]
    if not pd.api.types.is_datetime64_any_dtype(date.dtype):
        date = _parse_time_column(date, "date", out)
    _check_time_range(date, "date", out)
    if getattr(date.dt, "tz", None) is not None:
        date = date.dt.tz_localize(None)
    out["date"] = date.dt.normalize().astype("datetime64[ns]")
    has_ts = out["ts"].notna()
    fill_date = out["date"].isna() & has_ts
    if fill_date.any():
        out.loc[fill_date, "date"] = out.loc[fill_date, "ts"].dt.tz_localize(None).dt.normalize()
    no_when = out["date"].isna() & ~has_ts
    if no_when.any():
        index = no_when.idxmax()
        raise SchemaError("proof has neither ts nor date", row=_row_label(out, index), column="ts")
    precision = out["ts_precision"].str.lower()
    precision = precision.mask(precision.isna() & ~has_ts, "day")
    precision = precision.mask(precision.isna() & has_ts, "second")
    out["ts_precision"] = precision
    _check_values(out, "ts_precision", PRECISIONS, required=True)
    timeless = (~has_ts & (out["ts_precision"] != "day")).fillna(False)
    if timeless.any():  # "second" with no ts: a precision without its time is a contradiction
        index = timeless.idxmax()
        raise SchemaError(
            f"ts_precision {out.at[index, 'ts_precision']!r} without a ts: give the time, "
            "or 'day' (or nothing) for a date alone",
            row=_row_label(out, index),
            column="ts",
        )
    out["ts_end"] = _proof_window_end(out)
    out["amount_minor"] = _as_minor(out, "amount_minor", allow_negative=False)
    out["currency"], words = _folded(out["currency"], upper=True)
    _check_currency(out, words)
    out["kind"], words = _folded(out["kind"], upper=False)
    _check_values(out, "kind", PROOF_KINDS, required=True, words=words)
    out["direction"], words = _folded(out["direction"], upper=False)
    _check_values(out, "direction", DIRECTIONS, required=True, words=words)
    out["source_row"] = _as_row_numbers(out, "source_row")
    empty_ids = out["proof_id"].isna()
    if empty_ids.any():
        index = empty_ids.idxmax()
        raise SchemaError("empty proof_id", row=_row_label(out, index), column="proof_id")
    _refuse_repeated_proof_ids(out)
    out["raw"] = _raw_dicts(out)
    text_columns = [c for c in out.columns if c not in _PROOF_SPECIAL]
    out = _mask_full_pans(out, [*text_columns, "raw"], "proofs")
    out = _mask_card_ids(out, "proofs")
    _refuse_controls(out)
    _check_last4(out)
    out = proofs_in_zone(out, tz)
    extra = [c for c in out.columns if c not in PROOF_COLUMNS]
    return out[list(PROOF_COLUMNS) + extra]


def _refuse_repeated_proof_ids(out: pd.DataFrame, rows: np.ndarray | None = None) -> None:
    """A ``proof_id`` held by two rows: a :class:`SchemaError` naming the id, its rows and where they came from.

    Results, explanations, reports and the audit log name a proof by its id: two proofs under one id were
    counted twice in a reconciliation's summary and broke its reports (newcomer 19, G18: two statements both
    named ``statement.csv`` read separately and concatenated). Never renumbered here: which proof is which is
    the caller's to say. ``rows``: each row's number in the whole batch when ``out`` is a part of it (dask);
    by default its position, counted from 1.
    """
    twice = _repeated(out["proof_id"])
    if twice is None:
        return
    positions = np.flatnonzero(twice)
    ids = out["proof_id"].iloc[positions]
    value = str(ids.iloc[0])
    same = positions[(ids == value).to_numpy(dtype=bool)]
    places = []
    for k in same[:5]:
        source, line = out["source"].iloc[k], out["source_row"].iloc[k]
        if pd.notna(source):
            places.append(f"{source} line {line}" if pd.notna(line) else str(source))
    where = f" ({', '.join(places)})" if places else ""
    numbers = [int(k) + 1 for k in same] if rows is None else [int(rows[k]) for k in same]
    raise SchemaError(
        f"proof_id {value!r} is given to {len(same)} proofs: {_rows_text(numbers)}{where}"
        + _others([str(v) for v in pd.unique(ids)], "ids")
        + ". Every proof needs its own id: files with one name give the same ids (<file stem>:<line>), so read "
        "them under distinct names or set proof_id yourself; a proof given twice, keep once",
        row=numbers[0],
        column="proof_id",
        value=value,
    )


def _raw_dicts(out: pd.DataFrame) -> pd.Series:
    """``raw`` as dicts again where a round trip made them text: JSON (what Parquet needs, docs/proofs.md) or
    the text of a dict (dask's default ``dataframe.convert-string`` turns a column of dicts into ``str(dict)``).

    The matcher reads evidence from ``raw`` (a card's 3-digit tail, the export a wallet record came from): text
    there was silently no evidence. Text that is neither is refused, naming the row.
    """
    import ast
    import json

    raw = out["raw"]
    values = raw.to_numpy(dtype=object)
    # only text that is a dict's: other text (an SMS body kept by a caller) stays text, masked as text is
    texts = [k for k, v in enumerate(values) if isinstance(v, str) and v.lstrip().startswith("{")]
    if not texts:
        return raw
    values = values.copy()
    for k in texts:
        text = values[k].strip()
        if len(text) > _RAW_TEXT_MAX:
            raise SchemaError(
                f"raw text longer than {_RAW_TEXT_MAX:,} characters", row=k + 1, column="raw", value=text[:40]
            )
        parsed: Any = None
        try:
            parsed = json.loads(text)
        except ValueError:
            try:  # a Python literal only: ast.literal_eval evaluates no code
                parsed = ast.literal_eval(text)
            except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
                parsed = None
        try:
            plain = _json_values(parsed) if isinstance(parsed, dict) else None
        except (TypeError, RecursionError):
            plain = None
        if plain is None:
            raise SchemaError(
                "raw must be a dict of text, numbers, lists and dicts (or its JSON text)",
                row=k + 1,
                column="raw",
                value=text[:80],
            )
        values[k] = plain
    return pd.Series(values, index=raw.index, dtype=object)


_RAW_TEXT_MAX = 100_000


def _json_values(value: Any) -> Any:
    """``value`` with only JSON's kinds of values (a tuple becomes a list), a long int as text (so that the
    card-number scan that follows reads it: ``{"card_no": 4111111111111111}`` was kept whole, a reviewer, session
    18; a float stays a float, which the scan masks as a number: :func:`receiptkit.pan.mask_pans_deep`);
    TypeError on anything else (bytes, a set: never kept unscanned)."""
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value) if len(str(value)) >= 12 else value
    if isinstance(
        value, float
    ):  # masked by the card scan as a number (6.222021234567891e+18 as text was not)
        return value
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("raw keys must be text")
        return {key: _json_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_values(item) for item in value]
    raise TypeError(f"{type(value).__name__} in raw")


def proofs_in_zone(frame: pd.DataFrame, tz: str | None = None) -> pd.DataFrame:
    """``frame`` (a proofs frame, changed in place and returned) with ``ts`` and ``ts_end`` in ``tz``, UTC when None.

    The one convention of every proofs frame: its times are ``datetime64[ns, UTC]``, or in the zone the
    caller gave as ``tz=``, whatever zone the file wrote them in, so frames of any readers concatenate
    with one dtype. The instant never changes; ``date`` keeps the day the proof shows.
    """
    zone = tz or "UTC"
    for column in ("ts", "ts_end"):
        typed = column in frame.columns and isinstance(frame[column].dtype, pd.DatetimeTZDtype)
        if typed and str(frame[column].dt.tz) != str(zone):
            frame[column] = frame[column].dt.tz_convert(zone)
    return frame


def _proof_window_end(out: pd.DataFrame) -> pd.Series:
    """``ts_end``: the end of a proof's window [ts, ts_end], in the zone of ``ts``.

    Null for a point (second, minute) and a day; an ``hour`` proof without one
    ends an hour after ``ts``. Refused: an end without ``ts``, before ``ts``,
    or more than :data:`MAX_WINDOW` after it.
    """
    ts = out["ts"]
    end = out["ts_end"]
    if end.isna().all() and not pd.api.types.is_datetime64_any_dtype(end.dtype):
        end = pd.Series(pd.NaT, index=out.index, dtype=ts.dtype)
    else:
        end = _as_aware(end, ts.dt.tz, "ts_end", allow_missing=True)  # type: ignore[arg-type]
        end = end.dt.tz_convert(ts.dt.tz)
    hour = (
        (out["ts_precision"] == "hour").fillna(False).to_numpy()
        & end.isna().to_numpy()
        & ts.notna().to_numpy()
    )
    if hour.any():
        end = end.mask(hour, ts + pd.Timedelta(hours=1))
    for bad, why in (
        (end.notna() & ts.isna(), "ts_end without ts (a window needs its start)"),
        (end.notna() & ts.notna() & (end < ts), "ts_end is before ts"),
        (end.notna() & ts.notna() & (end - ts > MAX_WINDOW), "the window is longer than a day: give a date"),
    ):
        if bad.any():
            index = bad.idxmax()
            raise SchemaError(why, row=_row_label(out, index), column="ts_end", value=end[index])
    return end.dt.as_unit("ns")


def _as_row_numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    """Row numbers as nullable integers: empty text is missing, anything else not an integer is an error."""
    values = frame[column]
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.astype("Int64")
    cells = [
        None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v).strip()
        for v in values.astype(object)
    ]
    text = [None if v == "" else v for v in cells]  # plain list: pandas 3 would turn None into NaN
    whole = pd.Series(
        [v is None or re.fullmatch(r"\d+(?:\.0*)?", v) is not None for v in text], index=frame.index
    )
    if not whole.all():
        index = (~whole).idxmax()
        raise SchemaError(
            "must be a whole row number", row=_row_label(frame, index), column=column, value=values[index]
        )
    return pd.Series(
        pd.array([None if v is None else int(v.split(".")[0]) for v in text], dtype="Int64"),
        index=frame.index,
    )


def _as_boolean(frame: pd.DataFrame, column: str) -> pd.Series:
    values = frame[column]
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
    text = values.astype(object).map(
        lambda v: None if v is None or v is pd.NA or v != v else str(v).strip().lower()
    )
    bad = text.notna() & ~text.isin(list(words))
    if bad.any():
        index = bad.idxmax()
        raise SchemaError(
            "must be true or false", row=_row_label(frame, index), column=column, value=values[index]
        )
    return pd.array(text.map(words), dtype="boolean")


_OFFSET_END = r"(?:Z|[+-]\d\d(?::?\d\d)?)$"


def _one_time(value: object, frame: pd.DataFrame | None, index: object, column: str) -> object:
    """One cell as a Timestamp (or NaT), or a :class:`SchemaError` naming it."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return pd.NaT
    row = None if frame is None else _row_label(frame, index)
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError) as exc:
        reason = str(exc).split("\n")[0]
        raise SchemaError(f"not a time ({reason})", row=row, column=column, value=value) from None
    if stamp is pd.NaT:
        return stamp
    if not 1678 <= stamp.year <= 2261:
        raise SchemaError("time out of range (years 1678-2261)", row=row, column=column, value=value)
    return stamp


# Two days inside the years 1678-2261: a time between them is within those years on any clock
# (no zone is a day or more away from UTC).
_SAFE_TIMES = ("1678-01-03", "2261-12-29")


def _surely_in_range(series: pd.Series) -> bool:
    """True when every time of a datetime column lies well inside the years 1678-2261 (read off its integers).

    False means only "look closer": :func:`_check_time_range` then reads each time's year in its zone.
    """
    import numpy as np

    try:
        unit = series.dt.unit
        values = np.asarray(series.array.asi8)  # UTC instants for a zoned column, wall times for a naive one
    except (AttributeError, TypeError):
        return False
    present = values != np.iinfo(np.int64).min  # NaT
    if not present.all():
        values = values[present]
    if not len(values):
        return True
    low, high = (int(np.datetime64(day, unit).astype(np.int64)) for day in _SAFE_TIMES)
    return bool(values.min() >= low and values.max() <= high)


def _check_time_range(series: pd.Series, column: str, frame: pd.DataFrame | None) -> None:
    """Times outside 1678-2261 (what nanosecond timestamps hold) are a :class:`SchemaError` naming the cell.

    pandas 3 parses such times into a coarser unit instead of failing, so the
    check is made on the parsed column too, before it is converted to ns.
    """
    if _surely_in_range(series):
        return
    years = series.dt.year
    bad = series.notna() & ((years < 1678) | (years > 2261))
    if bad.any():
        index = bad.idxmax()
        row = _row_label(frame, index) if frame is not None else int(index) + 1  # type: ignore[call-overload]
        raise SchemaError(
            "time out of range (years 1678-2261)", row=row, column=column, value=str(series[index])
        )


def _as_aware(
    series: pd.Series,
    tz: str | None,
    column: str,
    *,
    allow_missing: bool = False,
    frame: pd.DataFrame | None = None,
) -> pd.Series:
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = _parse_time_column(series, column, frame)
    _check_time_range(series, column, frame)
    if series.dt.tz is None:
        if series.notna().any() and tz is None:
            raise SchemaError("times have no zone; pass tz=", column=column)
        series = series.dt.tz_localize(tz or "UTC")
    elif tz is not None:
        series = series.dt.tz_convert(tz)
    series = series.dt.as_unit("ns")
    if not allow_missing and series.isna().any():
        index = series.isna().idxmax()
        row = _row_label(frame, index) if frame is not None else int(index) + 1  # type: ignore[call-overload]
        raise SchemaError("empty time", column=column, row=row)
    return series


def _one_zone(converted: pd.Series) -> bool:
    """Whether aware times whose zones print alike are in one zone: it gives each its own UTC offset."""
    import numpy as np

    held = [v for v in converted if v is not pd.NaT]
    if len({id(v.tzinfo) for v in held}) <= 1:
        return True  # one tzinfo object (zoneinfo, dateutil, a typed column's): one zone, checked no further
    try:
        typed = pd.DatetimeIndex(held)
    except (TypeError, ValueError, OverflowError):
        return False
    if typed.tz is None:
        return False
    walls = (
        typed.tz_localize(None).as_unit("s").asi8
        - typed.tz_convert("UTC").tz_localize(None).as_unit("s").asi8
    )
    own = [int(v.utcoffset().total_seconds()) for v in held]
    return bool(np.array_equal(walls, np.asarray(own, dtype=np.int64)))


def _parse_time_column(series: pd.Series, column: str, frame: pd.DataFrame | None) -> pd.Series:
    """Text or objects to datetimes: ISO 8601 text in one vectorised pass, anything else cell by cell.

    Aware values in one zone keep it; in several zones they are converted to UTC; a column
    mixing aware and naive values is an error. A value that is not a time, an
    offset of 24 hours or more, or a year outside 1678-2261 is a
    :class:`SchemaError` naming the row.
    """
    held = series.dropna()
    stamps = series.dtype == object and len(held) and all(isinstance(v, dt.datetime) for v in held)
    if (isinstance(series.dtype, pd.StringDtype) or series.dtype == object) and not stamps:
        # text (objects that are Timestamps keep their zone: read cell by cell below)
        text = series.astype(STRING).str.strip()
        present = text.notna()
        if present.any():
            aware = text.str.contains(_OFFSET_END, regex=True, na=False)
            if not aware[present].any() or aware[present].all():
                try:
                    parsed = pd.to_datetime(text, format="ISO8601", utc=bool(aware[present].any()))
                except (TypeError, ValueError, OverflowError):
                    parsed = None
                if parsed is not None and parsed.notna().sum() == int(present.sum()):
                    return parsed
    converted = pd.Series(
        [_one_time(v, frame, i, column) for i, v in series.items()], index=series.index, dtype=object
    )
    zones = {str(v.tzinfo) for v in converted if v is not pd.NaT}
    if len(zones) == 1 and zones != {"None"} and not _one_zone(converted):
        zones.add("")  # zones that print alike but give other offsets ("CST": +08:00 and -06:00): several
    if len(zones) > 1:  # one zone stays that zone: a day is then its local day, as in a typed column
        if "None" in zones:
            naive = converted.map(lambda v: v is not pd.NaT and v.tzinfo is None)
            index = naive.idxmax()
            raise SchemaError(
                "times mix values with and without a zone",
                row=None if frame is None else _row_label(frame, index),
                column=column,
                value=series[index],
            )
        converted = converted.map(lambda v: v.tz_convert("UTC") if v is not pd.NaT else v)
    try:
        return pd.to_datetime(converted)
    except (TypeError, ValueError, OverflowError) as exc:
        raise SchemaError(f"not a time column ({exc})", column=column) from None


def _as_minor(frame: pd.DataFrame, column: str, *, allow_negative: bool) -> pd.Series:
    series = frame[column]
    if pd.api.types.is_float_dtype(series.dtype):
        raise SchemaError("amount_minor must be integer minor units, not float", column=column)
    if series.isna().any():
        index = series.isna().idxmax()
        raise SchemaError("empty amount", row=_row_label(frame, index), column=column)
    if pd.api.types.is_integer_dtype(series.dtype) and series.dtype.kind != "u":
        out = series.astype("int64")
    else:
        # text (a CSV read with dtype=str), objects or unsigned integers: checked
        # digit by digit so that nothing wraps modulo 2**64 or overflows
        text = series.astype(STRING).str.strip()
        foreign = text.str.contains(r"[^\x00-\x7f]", regex=True, na=False)
        if foreign.any():
            text = text.mask(foreign, text[foreign].map(ascii_digits).str.strip())
        bad = ~text.str.fullmatch(r"[+-]?[0-9]{1,30}").fillna(False).astype(bool)
        if bad.any():
            index = bad.idxmax()
            raise SchemaError(
                "amount_minor must be integer minor units",
                row=_row_label(frame, index),
                column=column,
                value=series[index],
            )
        too_long = text.str.lstrip("+-").str.lstrip("0").str.len() > len(str(MAX_MINOR))
        if too_long.any():
            index = too_long.idxmax()
            raise SchemaError(
                f"amount beyond the maximum of {MAX_MINOR:,} minor units",
                row=_row_label(frame, index),
                column=column,
                value=series[index],
            )
        out = text.astype("int64")
    beyond = out.abs() > MAX_MINOR
    if beyond.any():
        index = beyond.idxmax()
        raise SchemaError(
            f"amount beyond the maximum of {MAX_MINOR:,} minor units",
            row=_row_label(frame, index),
            column=column,
            value=int(out[index]),
        )
    if not allow_negative and (out < 0).any():
        index = (out < 0).idxmax()
        raise SchemaError(
            "amount_minor must not be negative (the sign lives in txn_type / direction)",
            row=_row_label(frame, index),
            column=column,
            value=int(out[index]),
        )
    return out


def _check_currency(frame: pd.DataFrame, words: list[str | None] | None = None) -> None:
    """Every ``currency`` is a code in :data:`receiptkit.money.CURRENCIES` (upper case by now), checked on the
    distinct values; the first row with another is a :class:`SchemaError` naming it (``RMB``: write CNY)."""
    values = frame["currency"]
    words = _words(values) if words is None else words
    if words is not None and all(w is not None and w in CURRENCIES for w in words):
        return  # every distinct code known: nothing to name
    bad = values.isna() | ~values.isin(list(CURRENCIES)).fillna(False).astype(bool)
    if bad.any():
        index = bad.idxmax()
        value = None if pd.isna(values[index]) else values[index]
        raise SchemaError(
            currency_reason(value), row=_row_label(frame, index), column="currency", value=value
        )


def known_exponent(currency: str) -> bool:
    """True when the currency's minor unit is listed explicitly (not the default 2)."""
    return currency in CURRENCY_EXPONENTS
