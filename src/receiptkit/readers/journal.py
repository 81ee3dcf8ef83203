"""Read a merchant's terminal transaction journal into the canonical journal frame.

:func:`read_journal` takes a file (CSV in UTF-8, UTF-8 with BOM, GBK/GB18030;
``.xlsx``/``.xls``; Parquet), a SQL query plus a connection, or a DataFrame,
and returns one row per transaction with the columns of
:data:`receiptkit.schema.JOURNAL_COLUMNS`. The layout is given by a preset
(see :data:`PRESETS`), by a user ``mapping`` of column names, or recognised
from the header. ``docs/journal.md`` describes every column and rule.

>>> import pandas as pd
>>> raw = pd.DataFrame({"交易时间": ["2026-01-15 14:30:25"], "金额": ["¥128.50"], "参考号": ["401512345678"]})
>>> journal = read_journal(raw, mapping={"交易时间": "ts", "金额": "amount", "参考号": "rrn"}, tz="Asia/Shanghai")
>>> journal.loc[0, ["txn_id", "currency", "txn_type"]].tolist(), int(journal.loc[0, "amount_minor"])
(['401512345678', 'CNY', 'sale'], 12850)
>>> str(journal.loc[0, "ts"])
'2026-01-15 14:30:25+08:00'
"""

from __future__ import annotations

import dataclasses
import io
import sqlite3
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from receiptkit.arrowtext import (
    arrow_text,
    constant_text,
    remember_values,
    remembering,
    surely_distinct,
)
from receiptkit.errors import AmountError, JournalError, ReceiptkitError, SchemaError
from receiptkit.frames import report_records
from receiptkit.money import MAX_MINOR, ascii_digits, currency_option, parse_amount
from receiptkit.pan import mask_pans_deep, mask_pans_in_text
from receiptkit.readers.presets import (
    ENUM_FIELDS,
    PRESETS,
    SYNONYMS,
    JournalPreset,
    normalise_enum,
    register_preset,
)
from receiptkit.readers.protocol import REGISTRY, Head, Reader
from receiptkit.readers.table import (
    STRIP_CHARS,
    Col,
    Problem,
    RawTable,
    _cell_text,
    clean_text_settled,
    convert,
    iso_text,
    path_problem,
    read_failure,
    read_table,
    source_name,
    times_of_day,
    unreadable_source,
)
from receiptkit.schema import (
    JOURNAL_COLUMNS,
    JOURNAL_OPTIONAL,
    STRING,
    _as_string,
    _four_ascii_digits,
    _settle,
    _surely_in_range,
    _validate_journal,
    control_cells,
    control_reason,
)
from receiptkit.timeparse import zone_option, zone_text

__all__ = [
    "ID_COLUMNS",
    "PRESETS",
    "SYNONYMS",
    "JournalPreset",
    "RejectedRowsWarning",
    "read_journal",
    "register_preset",
    "sniff",
]

# Identifier columns: kept verbatim (not scanned for card numbers as free text), because
# 12-19 digit ids are normal there (RRN: 12 digits, UnionPay merchant no.: 15,
# Alipay PID: 16) and masking them would destroy the join keys; a whole card number in
# wallet_txn_id, order_no or rrn is masked by validation (schema.CARD_CHECKED_IDS), in proofs alike.
ID_COLUMNS = (
    "txn_id",
    "merchant_id",
    "terminal_id",
    "rrn",
    "stan",
    "batch_no",
    "auth_code",
    "wallet_txn_id",
    "order_no",
    "original_txn_id",
    "operator_id",
    "aid",
)
_TEXT_SUFFIXES = {".parquet", ".pq"}
_MAPPING_KINDS = {
    "ts": "time",
    "amount": "amount",
    "amount_minor": "minor",
    "currency": "currency",
    "card_last4": "last4",
}


class RejectedRowsWarning(UserWarning):
    """``strict=False`` left rows out; ``receiptkit.rejected(frame)`` lists them."""


# --------------------------------------------------------------------------- public


def read_journal(
    source: Any,
    *,
    preset: str | JournalPreset | None = None,
    mapping: Mapping[str, str] | None = None,
    tz: str | None = None,
    strict: bool = True,
    con: Any = None,
    currency: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a terminal journal into the canonical journal frame.

    Parameters
    ----------
    source:
        A path (CSV, ``.xlsx``/``.xls``, ``.parquet``), bytes or a binary file
        object (CSV), a SQL query (with ``con``), or a DataFrame.
    preset:
        A name in :data:`PRESETS` or a :class:`JournalPreset`. ``None``
        recognises the preset from the header; a source already using the
        canonical column names reads as ``"canonical"``.
    mapping:
        Source column -> canonical column (``{"交易时间": "ts", "金额": "amount"}``).
        ``amount`` is a decimal amount in major units; ``amount_minor`` is an
        integer in minor units. With a preset, it overrides the preset's fields.
    tz:
        Zone of times written without one, and the zone of the result's ``ts``.
        Defaults to the preset's zone; naive times with neither are an error.
    strict:
        ``True``: the first bad cell raises :class:`JournalError` naming file,
        row, column and value. ``False``: bad rows are left out, listed in
        ``frame.attrs["rejected"]`` as plain records (file, row, column,
        value, reason; :func:`receiptkit.rejected` gives them as a DataFrame)
        and a :class:`RejectedRowsWarning` gives their count.
    con:
        A ``sqlite3`` connection or SQLAlchemy engine/connection for a SQL ``source``.
    currency:
        ISO 4217 code for amounts when the source has no currency column
        (overrides the preset's default).
    encoding:
        Force one text encoding instead of the preset's list.

    Full card numbers are masked on ingest (first 6 + last 4) with a
    :class:`~receiptkit.schema.FullPanWarning`. ``amount_minor`` is never
    negative: a negative amount on a sale (or untyped) row makes it a refund.
    """
    name = "<DataFrame>" if isinstance(source, pd.DataFrame) else source_name(source)
    unreadable = unreadable_source(source) or (
        None if con is not None else path_problem(source, folder_ok=_suffix(source) in _TEXT_SUFFIXES)
    )
    if unreadable:
        raise JournalError(unreadable, file=name)
    if tz is not None:
        tz = _zone_option(tz)
    currency = currency_option(currency, error=JournalError)  # "usd" is USD, "RMB" CNY; "XYZ" is refused
    try:
        with remembering():  # covers of Parquet columns (their dictionaries), for this read only
            return _settle(_read(source, preset, mapping, tz, strict, con, currency, encoding))
    except JournalError:
        raise
    except OSError as exc:  # the file is there but fails to read (permissions, I/O)
        raise JournalError(read_failure(exc), file=name) from None
    except ReceiptkitError as exc:
        raise JournalError(
            exc.reason, file=exc.file or name, row=exc.row, column=exc.column, value=_safe(exc.value)
        ) from None


def _zone_option(tz: str) -> str | None:
    """``tz=`` as every step reads it (``UTC+8`` -> ``+08:00``); a zone no one knows is the option's fault."""

    return zone_option(tz, error=JournalError)


def sniff(source: Any, *, encoding: str | None = None) -> str | None:
    """Name of the preset whose identifying header names the source has, or None.

    Looks at the first 80 lines of a text file, the first 40 rows of a
    workbook, or the columns of a DataFrame/Parquet file. Every reader of the
    ``journal`` target in :data:`~receiptkit.readers.protocol.REGISTRY` (the
    presets of :data:`PRESETS`, in order) is asked.
    """
    try:
        found = REGISTRY.sniff(Head(source, encoding=encoding), "journal")
    except JournalError:
        raise
    except ReceiptkitError as exc:
        raise JournalError(
            exc.reason, file=exc.file or source_name(source), row=exc.row, value=_safe(exc.value)
        ) from None
    return None if found is None else found.name


# --------------------------------------------------------------------------- loading


def _suffix(source: Any) -> str:
    return Path(source).suffix.lower() if isinstance(source, str | Path) else ""


def _head_rows(source: Any, encoding: str | None) -> list[frozenset[str]]:
    return Head(source, encoding=encoding).rows()


#: Columns of the canonical proofs frame that no journal has: with ts and amount_minor (the canonical journal's
#: identifying pair) and without txn_id they make a proofs file, never a journal of 'sales'.
_PROOF_ONLY = frozenset({"proof_id", "kind", "direction"})


def _proofs_header(source: Any, encoding: str | None) -> bool:
    """Whether ``source``'s header is a canonical proofs table's (proof_id, kind, direction; no txn_id)."""
    if isinstance(source, pd.DataFrame):
        rows = [frozenset(str(c) for c in source.columns)]
    else:
        rows = _head_rows(source, encoding)
    return any(row >= _PROOF_ONLY and {"ts", "amount_minor"} <= row and "txn_id" not in row for row in rows)


def _read_parquet(source: Any, name: str | None = None) -> pd.DataFrame:
    """``pandas.read_parquet``, with text columns straight into :data:`~receiptkit.schema.STRING`.

    Text stays in Arrow memory instead of becoming one Python object per cell (pandas 2 reads a
    string column as Python strings); every other column is read as pandas reads it. A text
    column stored with a small dictionary (a handful of merchants, issuers, types repeated over
    every row) is read as its dictionary and indices, decoded here, and its dictionary remembered
    (:func:`~receiptkit.arrowtext.remember_values`): the checks that look for whitespace, null
    markers or card numbers then read the few distinct values instead of every cell.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    def text_as_string(kind: Any) -> Any:
        return STRING if kind in (pa.string(), pa.large_string()) else None

    try:
        if isinstance(source, str | Path) and Path(source).is_dir():  # a partitioned dataset
            table = pq.read_table(source)
            covers: dict[str, Any] = {}
        else:
            metadata = pq.read_metadata(source)
            few = _small_dictionaries(metadata, metadata.schema.to_arrow_schema())
            with pq.ParquetFile(source, metadata=metadata, read_dictionary=few) as parquet:
                table = parquet.read()  # one chunk per row group (read_table splits into batches)
            table, covers = _decode_dictionaries(table, few)
        # one chunk per column: every later pass over a column would otherwise join its row groups again
        frame = table.combine_chunks().to_pandas(types_mapper=text_as_string)
    except Exception as exc:
        raise JournalError(f"not a readable Parquet file ({exc})", file=name or str(source)) from None
    for name, cover in covers.items():
        remember_values(arrow_text(frame[name]), cover)
    return frame


_SMALL_DICTIONARY = 64 * 1024  # bytes of a dictionary page (as stored) worth reading as one


def _small_dictionaries(metadata: Any, schema: Any) -> list[str]:
    """The top-level text columns whose every column chunk is dictionary-encoded with a small dictionary.

    Only a choice of how to read: either way the column comes back with the same cells.
    """
    import pyarrow as pa

    text = {f.name for f in schema if f.type in (pa.string(), pa.large_string())} - {
        n for n in schema.names if schema.names.count(n) > 1
    }
    if metadata.num_row_groups == 0 or not text:
        return []
    out = []
    leaves = metadata.row_group(0).num_columns
    for i in range(leaves):
        path = metadata.row_group(0).column(i).path_in_schema
        if path not in text:
            continue
        small = True
        for group in range(metadata.num_row_groups):
            chunk = metadata.row_group(group).column(i)
            if not chunk.has_dictionary_page or chunk.dictionary_page_offset is None:
                small = False
                break
            size = chunk.data_page_offset - chunk.dictionary_page_offset
            if not 0 < size <= min(_SMALL_DICTIONARY, chunk.total_compressed_size // 4):
                small = False
                break
        if small:
            out.append(path)
    return out


def _decode_dictionaries(table: Any, columns: Sequence[str]) -> tuple[Any, dict[str, Any]]:
    """``table`` with each dictionary column decoded to ``large_string``, and each one's dictionary values.

    The columns are decoded on pyarrow's CPU count of threads, as its Parquet reader decodes the others.
    """
    import concurrent.futures

    import pyarrow as pa

    wanted = [n for n in columns if pa.types.is_dictionary(table.schema.field(n).type)]

    def decode(name: str) -> tuple[Any, Any]:
        column = table.column(name)
        dictionaries = [c.dictionary.cast(pa.large_string()) for c in column.chunks]
        dense = pa.chunked_array(
            [d.take(c.indices) for d, c in zip(dictionaries, column.chunks, strict=True)],
            type=pa.large_string(),
        )
        return dense, (pa.concat_arrays(dictionaries) if dictionaries else pa.array([], pa.large_string()))

    workers = min(len(wanted), pa.cpu_count())
    if workers > 1:
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            decoded = list(pool.map(decode, wanted))
    else:
        decoded = [decode(n) for n in wanted]
    covers: dict[str, Any] = {}
    for name, (dense, cover) in zip(wanted, decoded, strict=True):
        position = table.schema.get_field_index(name)
        field = pa.field(name, pa.large_string(), nullable=table.schema.field(position).nullable)
        table = table.set_column(position, field, dense)
        covers[name] = cover
    return table, covers


def _read_sql(query: Any, con: Any) -> pd.DataFrame:
    try:
        return pd.read_sql(query, con)
    except (sqlite3.Error, pd.errors.DatabaseError, ValueError) as exc:
        raise JournalError(f"SQL query failed ({exc})", file=_sql_name(query)) from None
    except Exception as exc:  # SQLAlchemy errors without importing it
        if type(exc).__module__.startswith("sqlalchemy"):
            raise JournalError(f"SQL query failed ({exc})", file=_sql_name(query)) from None
        raise


def _sql_name(query: Any) -> str:
    text = " ".join(str(query).split())
    return f"<sql: {text[:60]}>"


def _typed_times(preset: JournalPreset) -> set[str]:
    """Source columns a typed column may stay typed in: the one name of a time or minor-units field, used nowhere else."""
    uses: dict[str, int] = {}
    for spec in preset.fields.values():
        for n in spec.names:
            uses[n] = uses.get(n, 0) + 1
    for parts in preset.combine.values():
        for n in parts:
            uses[n] = uses.get(n, 0) + 1
    for n in preset.skip:
        uses[n] = uses.get(n, 0) + 1
    return {
        spec.names[0]
        for spec in preset.fields.values()
        if spec.kind in ("time", "minor")
        and len(spec.names) == 1
        and spec.regex is None
        and uses[spec.names[0]] == 1
    }


def _raw_from_frame(
    frame: pd.DataFrame,
    name: str,
    typed: set[str] = frozenset(),  # type: ignore[assignment]
) -> tuple[RawTable, frozenset[str]]:
    """A DataFrame as a RawTable: cells as exact text, rows numbered from 1; and its settled columns.

    Timezone-aware datetime and signed integer columns named in ``typed`` stay as they are: they
    are validated as they are (and written as text only when a check fails, to name the cell).
    The settled columns are the text columns that need no more stripping
    (:func:`~receiptkit.readers.table.clean_text_settled`).
    """
    columns = [str(c).strip(STRIP_CHARS) for c in frame.columns]
    if not frame.index.equals(pd.RangeIndex(len(frame))):
        # rows by position: a sorted or filtered frame's labels would otherwise pair the text
        # columns (aligned by label below) with other rows' typed times and amounts
        frame = frame.reset_index(drop=True)
    data: dict[str, pd.Series] = {}
    settled: set[str] = set()
    for position, (_, values) in enumerate(frame.items()):  # items(): no indexer per column
        if columns[position] in typed and (
            isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_signed_integer_dtype(values.dtype)
        ):
            data[columns[position]] = values.reset_index(drop=True)
            continue
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            text = iso_text(values)
        elif (
            isinstance(values.dtype, pd.StringDtype)
            or pd.api.types.is_integer_dtype(values.dtype)
            or (
                values.dtype == object
                and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")
            )
        ):
            text = values if values.dtype == STRING else values.astype(STRING)  # exact already
        else:
            text = values.map(lambda v: None if v is None or v is pd.NA or v is pd.NaT else _cell_text(v))
        data[columns[position]], is_settled = clean_text_settled(text, STRIP_CHARS)
        if is_settled:
            settled.add(columns[position])
    out = pd.DataFrame(data, index=range(len(frame)))
    if len(set(columns)) != len(columns):
        raise JournalError("duplicate column names", file=name, value=columns)
    return RawTable(out, np.arange(1, len(frame) + 1, dtype=np.int64), name, 0, []), frozenset(settled)


# --------------------------------------------------------------------------- presets


def _resolve_preset(preset: str | JournalPreset | None) -> JournalPreset | Reader | None:
    if preset is None or isinstance(preset, JournalPreset):
        return preset
    reader = REGISTRY.get("journal", preset)
    if reader is None:
        raise JournalError(f"unknown preset {preset!r}; known presets: {', '.join(PRESETS)}")
    return reader


def _mapping_fields(mapping: Mapping[str, str]) -> dict[str, Col]:
    allowed = {*JOURNAL_COLUMNS, "amount"}
    sources: dict[str, list[str]] = {}
    for source_column, canonical in mapping.items():
        if canonical not in allowed:
            raise JournalError(
                f"mapping target {canonical!r} is not a journal column "
                f"(use one of: amount, {', '.join(JOURNAL_COLUMNS)})",
                column=source_column,
            )
        sources.setdefault(canonical, []).append(source_column)
    fields: dict[str, Col] = {}
    for canonical, names in sources.items():
        key = "amount_minor" if canonical == "amount" else canonical
        if key in fields:
            raise JournalError("mapping gives both 'amount' and 'amount_minor'", column=names[0])
        fields[key] = Col(*names, kind=_MAPPING_KINDS.get(canonical, "text"))
    return fields


def _choose(
    source: Any,
    preset: str | JournalPreset | None,
    mapping: Mapping[str, str] | None,
    name: str,
    encoding: str | None,
) -> JournalPreset | Reader:
    """The preset (or another registered journal reader) that reads ``source``."""
    chosen = _resolve_preset(preset)
    if mapping is not None:
        if not mapping:
            raise JournalError("empty mapping", file=name)
        if chosen is not None and not isinstance(chosen, JournalPreset):
            raise JournalError(f"mapping= needs a JournalPreset; {chosen.name!r} is another kind of reader")
        fields = dict(chosen.fields) if chosen else {}
        fields.update(_mapping_fields(mapping))
        base = chosen or JournalPreset(
            name="mapping",
            description="user mapping",
            header=(),
            fields={},
            defaults={"txn_type": "sale", "status": "approved", "channel": "other"},
        )
        # the preset (or a plain one) with the mapped columns: every other declared option is kept
        mapped = dataclasses.replace(
            base, name=base.name if chosen else "mapping", header=tuple(dict.fromkeys(mapping)), fields=fields
        )
        missing = mapped.missing_roles()
        if missing:
            targets = (
                " or ".join(repr(t) for t in ("amount", "amount_minor"))
                if missing[0] == "amount_minor"
                else repr(missing[0])
            )
            raise JournalError(
                f"the mapping names no column for {missing[0]} (required): map one to {targets}",
                file=name,
                column=missing[0],
            )
        return mapped
    if chosen is not None:
        return chosen
    found = sniff(source, encoding=encoding)
    if found == "canonical" and _proofs_header(source, encoding):
        raise JournalError(
            "a proofs file (its header has proof_id, kind and direction, and no txn_id), not a terminal "
            "journal: read it with read_proofs, and the terminal's own export as the journal",
            file=name,
            row=1,
        )
    if found is None:
        listing = "; ".join(
            f"{p.name} ({', '.join(getattr(p, 'header', ()))})" for p in REGISTRY.readers("journal")
        )
        raise JournalError(
            "the journal format was not recognised from its header. Known presets and the columns that "
            f"identify them: {listing}. Pass preset= or mapping={{'<your column>': '<canonical>'}}",
            file=name,
        )
    reader = REGISTRY.get("journal", found)
    assert reader is not None  # sniffed from the same shelf
    return reader


# --------------------------------------------------------------------------- reading


def _read(
    source: Any,
    preset: str | JournalPreset | None,
    mapping: Mapping[str, str] | None,
    tz: str | None,
    strict: bool,
    con: Any,
    currency: str | None,
    encoding: str | None,
) -> pd.DataFrame:
    opened: str | None = None
    if isinstance(source, io.IOBase):
        opened = source_name(source)  # errors name the file the object was opened from, not "<bytes>"
        source = source.read()
        if isinstance(source, str):
            source = source.encode("utf-8")
    frame_source: pd.DataFrame | None = None
    if isinstance(source, pd.DataFrame):
        frame_source, name = source, "<DataFrame>"
    elif con is not None:
        frame_source, name = _read_sql(source, con), _sql_name(source)
    elif _suffix(source) in _TEXT_SUFFIXES:
        frame_source, name = _read_parquet(source), str(source)
    elif isinstance(source, bytes | bytearray) and bytes(source[:4]) == b"PAR1":  # Parquet's magic: an upload
        name = opened or source_name(source)
        frame_source = _read_parquet(io.BytesIO(bytes(source)), name)
    else:
        name = opened or source_name(source)
    chosen = _choose(frame_source if frame_source is not None else source, preset, mapping, name, encoding)
    if not isinstance(chosen, JournalPreset):  # another reader registered for the journal target
        given = {k: v for k, v in (("currency", currency), ("encoding", encoding)) if v is not None}
        result: pd.DataFrame = chosen.read(
            frame_source if frame_source is not None else source, tz=tz, strict=strict, name=name, **given
        )
        return result

    settled: frozenset[str] = frozenset()
    if frame_source is not None:
        raw, settled = _raw_from_frame(frame_source, name, _typed_times(chosen))
        missing = [n for n in chosen.header if n not in raw.frame.columns]
        if missing:
            raise JournalError(
                f"missing column(s) {', '.join(missing)} for preset {chosen.name!r}; "
                f"the source has: {', '.join(map(str, raw.frame.columns))}",
                file=name,
                column=missing[0],
            )
    else:
        raw = _read_text(source, chosen, name, encoding)
    return _process(raw, chosen, tz, strict, currency, settled)


def _read_text(source: Any, preset: JournalPreset, name: str, encoding: str | None) -> RawTable:
    encodings = (encoding,) if encoding else preset.encodings
    try:
        return read_table(
            source,
            header=preset.header,
            encodings=encodings,
            skip_prefixes=preset.skip_prefixes,
            stop_at=preset.stop_at,
            name=name,
        )
    except ReceiptkitError as exc:
        if not exc.reason.startswith("no header row"):
            raise
    # explain which columns are missing, from the closest header-like line
    best: tuple[int, int, frozenset[str]] = (0, 0, frozenset())
    for line, cells in enumerate(_head_rows(source, encoding), start=1):
        score = sum(n in cells for n in preset.header)
        if score > best[0]:
            best = (score, line, cells)
    missing = [n for n in preset.header if n not in best[2]]
    where = f" (closest header: line {best[1]})" if best[0] else ""
    raise JournalError(
        f"missing required column(s) {', '.join(missing)} for preset {preset.name!r}{where}",
        file=name,
        row=best[1] or None,
        column=missing[0],
    )


def _process(
    raw: RawTable,
    preset: JournalPreset,
    tz: str | None,
    strict: bool,
    currency: str | None,
    settled: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Read a raw table with a preset; ``settled`` names source text columns already settled (see :func:`_settled_fields`)."""
    name = raw.source
    columns = set(raw.frame.columns)
    frame = raw.frame.copy()
    settled = settled - set(preset.combine)  # a combined column is new text
    for new, parts in preset.combine.items():
        if all(p in columns for p in parts):
            cells = [frame[p].fillna("").astype(str) for p in parts]
            joined = cells[0].str.cat(cells[1:], sep=" ").str.strip()
            # no date, only a time: never let a parser supply a default day
            no_date = frame[parts[0]].isna()
            frame[new] = joined.mask((joined == "") | no_date, None).astype(STRING)
    raw = replace(raw, frame=frame)

    # rows that are not journal transactions (payouts, fees): reported, not read
    skipped: list[Problem] = []
    keep = pd.Series(True, index=frame.index)
    for column, values in preset.skip.items():
        if column in frame.columns:
            hit = frame[column].str.lower().isin([v.lower() for v in values]).fillna(False).astype(bool)
            for position in np.flatnonzero(hit.to_numpy() & keep.to_numpy()):
                skipped.append(
                    Problem(
                        int(raw.lines[position]), column, frame.iloc[position][column], "not a transaction"
                    )
                )
            keep &= ~hit
    if not keep.all():
        mask = keep.to_numpy()
        frame = frame[mask].reset_index(drop=True)
        raw = replace(raw, frame=frame, lines=raw.lines[mask])

    # which fields can be read
    fields: dict[str, Col] = {}
    minor: dict[str, Col] = {}
    enum_values: dict[str, Mapping[str, str] | None] = {}
    for canonical, spec in preset.fields.items():
        present = spec.const is not None or any(n in frame.columns for n in spec.names)
        if not present:
            if canonical in preset.required:
                raise JournalError(
                    f"missing required column for {canonical}: none of {', '.join(spec.names)}",
                    file=name,
                    row=raw.header_line or None,
                    column=spec.names[0] if spec.names else canonical,
                )
            continue
        if spec.kind == "minor":
            minor[canonical] = spec
        elif canonical in ENUM_FIELDS:
            enum_values[canonical] = spec.values
            fields[canonical] = Col(*spec.names, const=spec.const, regex=spec.regex)
        else:
            fields[canonical] = spec
    problems: list[Problem] = []
    clock_problems: dict[str, list[Problem]] = {}  # per joined column: its time cells that are no time of day
    for new, parts in preset.combine.items():
        if all(p in frame.columns for p in parts):
            clock_problems[new] = times_of_day(frame, parts[0], parts[1:], raw.lines)
    frame = _guard_commas(frame, fields, raw.lines, problems)
    raw = replace(raw, frame=frame)
    naive_zone = preset.tz if preset.tz_fixed else (tz or preset.tz)
    default_currency = currency or preset.currency
    options: dict[str, Any] = {"tz": naive_zone, "currency": default_currency, "dayfirst": preset.dayfirst}
    converted, found = convert(raw, fields, **options)
    problems += found
    for joined, clocks in clock_problems.items():  # the time cell is named, not the joined column
        named = {p.row for p in clocks}
        problems = clocks + [p for p in problems if not (p.column == joined and p.row in named)]
    zone_problems = [p for p in problems if "no zone" in p.reason]
    if zone_problems:
        first = zone_problems[0]
        raise JournalError(
            "times have no time zone and none is known: pass tz= (e.g. tz='Asia/Shanghai')",
            file=name,
            row=first.row,
            column=first.column,
            value=first.value,
        )
    if "ts_precision" in converted:
        # a date alone would become midnight: a journal needs each transaction's time of day
        dated = (converted["ts_precision"] == "day").fillna(False).astype(bool)
        ts_column = _source_column(fields.get("ts"), frame.columns, "ts")
        for position in np.flatnonzero(dated.to_numpy()):
            value = frame[ts_column].iloc[position] if ts_column in frame.columns else None
            problems.append(
                Problem(int(raw.lines[position]), ts_column, value, "a date without a time of day")
            )
    for canonical, spec in minor.items():
        converted[canonical] = _minor_units(frame, spec, raw.lines, problems)
    if "currency" not in converted:
        converted["currency"] = _currency_from_amounts(frame, preset, default_currency, raw.lines, problems)
    elif converted["currency"].isna().any():
        converted["currency"] = converted["currency"].fillna(default_currency or pd.NA)

    converted = _resolve_enums(converted, enum_values, preset, fields, raw.lines, problems, frame.columns)
    preamble = preset.preamble_values(raw)
    for role, value in preamble.items():  # written once above the header
        known = (
            converted[role] if role in converted else pd.Series(pd.NA, index=converted.index, dtype=STRING)
        )
        converted[role] = known.fillna(value)
    if preset.finish is not None:
        converted = preset.finish(converted, raw, problems)

    # sign rule: amount_minor >= 0, a negative sale is a refund
    amount = converted["amount_minor"].astype("Int64")
    negative = (amount < 0).fillna(False).astype(bool)
    converted["amount_minor"] = amount.abs()
    refund = negative & converted["txn_type"].eq("sale").fillna(False)
    if refund.any():
        converted.loc[refund, "txn_type"] = "refund"

    lines = pd.Series(raw.lines, index=converted.index)
    _require_present(converted, preset, lines, problems)
    converted["txn_id"], id_origin = _derive_ids(converted, lines, name)
    _duplicates(converted, id_origin, preset, lines, problems, frame.columns)

    _control_problems(converted, fields, frame.columns, lines, problems)

    bad_lines = {p.row for p in problems}
    if problems and strict:
        first = min(problems, key=lambda p: (p.row, p.column))
        more = len(problems) - 1
        extra = f"; {more} more problem(s) in this source (strict=False reports them all)" if more else ""
        raise JournalError(
            first.reason + extra, file=name, row=first.row, column=first.column, value=_safe(first.value)
        )
    good = ~lines.isin(bad_lines)
    out = converted[good.to_numpy()] if bad_lines else converted
    kept = _settled_fields(fields, frame.columns, settled) - set(preamble) if preset.finish is None else set()
    result = _canonical(out, lines[good] if bad_lines else lines, name, tz or preset.tz, kept)
    result.attrs["preset"] = preset.name
    result.attrs["rejected"] = _report(problems, name)
    result.attrs["skipped"] = _report(skipped, name)
    if problems:
        warnings.warn(
            f"{name}: {len(bad_lines)} row(s) rejected ({len(problems)} problem(s)); "
            "see receiptkit.rejected(frame)",
            RejectedRowsWarning,
            stacklevel=3,
        )
    return result


_THOUSANDS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"


def _guard_commas(
    frame: pd.DataFrame, fields: Mapping[str, Col], lines: np.ndarray, problems: list[Problem]
) -> pd.DataFrame:
    """A comma in an amount must be a thousands separator ("1,234.50"), never a decimal mark."""
    out = frame
    for spec in fields.values():
        if spec.kind != "amount":
            continue
        for column in spec.names:
            if column not in out.columns:
                continue
            values = out[column]
            has = values.str.contains(",", regex=False).fillna(False).astype(bool)
            if not has.any():
                continue
            core = values.str.replace(r"[^\d,.]", "", regex=True)
            bad = has & ~core.str.fullmatch(_THOUSANDS).fillna(False).astype(bool)
            for position in np.flatnonzero(bad.to_numpy()):
                problems.append(
                    Problem(
                        int(lines[position]), column, values.iloc[position], "not an amount (stray comma)"
                    )
                )
            if bad.any():
                out = out.copy() if out is frame else out
                out[column] = values.mask(bad, "0")
    return out


_PLAIN_MINOR = r"^[+-]?[0-9]{1,16}$"


def _plain_minor_units(values: pd.Series) -> pd.Series | None:
    """Every cell a plain integer of at most 16 ASCII digits within MAX_MINOR: Int64 at once; else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(values.astype(STRING).array)
    if arr.null_count or not pc.all(pc.match_substring_regex(arr, _PLAIN_MINOR)).as_py():
        return None
    numbers = pc.cast(pc.replace_substring_regex(arr, r"^\+", ""), pa.int64()).to_numpy(zero_copy_only=False)
    if len(numbers) and ((numbers > MAX_MINOR) | (numbers < -MAX_MINOR)).any():
        return None  # named by the reference path below
    return pd.Series(numbers, index=values.index, dtype="Int64", name=values.name)


def _minor_units(frame: pd.DataFrame, spec: Col, lines: np.ndarray, problems: list[Problem]) -> pd.Series:
    column = next(n for n in spec.names if n in frame.columns)
    if pd.api.types.is_integer_dtype(frame[column].dtype):  # a typed column (DataFrame, Parquet)
        values = frame[column]
        if not values.isna().any() and values.between(-MAX_MINOR, MAX_MINOR).all():
            return values.astype("Int64")
        frame = frame.assign(**{column: values.astype(STRING)})  # the text path names the bad cells
    plain = _plain_minor_units(frame[column])
    if plain is not None:
        return plain
    text = frame[column].str.replace(r"\.0+$", "", regex=True)
    foreign = text.str.contains(r"[^\x00-\x7f]", regex=True, na=False)
    if foreign.any():  # full-width or Arabic-Indic digits: the same number
        text = text.mask(foreign, text[foreign].map(ascii_digits))
    ok = text.str.fullmatch(r"[+-]?0*[0-9]{1,16}").fillna(False).astype(bool)
    numbers = pd.to_numeric(text.where(ok, None), errors="coerce").astype("Int64")
    beyond = (numbers.abs() > MAX_MINOR).fillna(False).astype(bool)
    integral = text.str.fullmatch(r"[+-]?[0-9]+").fillna(False).astype(bool)
    for position in np.flatnonzero(~ok.to_numpy() | beyond.to_numpy()):
        value = frame[column].iloc[position]
        if value is pd.NA:
            reason = "empty amount"
        elif beyond.iloc[position] or integral.iloc[position]:
            reason = f"amount beyond the maximum of {MAX_MINOR:,} minor units"
        else:
            reason = "amount_minor must be an integer number of minor units"
        problems.append(Problem(int(lines[position]), column, None if value is pd.NA else value, reason))
    return numbers.mask(beyond, pd.NA)


def _currency_from_amounts(
    frame: pd.DataFrame,
    preset: JournalPreset,
    default: str | None,
    lines: np.ndarray,
    problems: list[Problem],
) -> pd.Series:
    if default is not None:
        return pd.Series(default, index=frame.index, dtype=STRING)
    spec = preset.fields["amount_minor"]
    column = next((n for n in spec.names if n in frame.columns), None)
    out: list[Any] = []
    for position in range(len(frame)):
        value = None if column is None else frame[column].iloc[position]
        code = None
        if isinstance(value, str):
            try:
                code = parse_amount(value).currency
            except AmountError:
                code = None
        if code is None and spec.kind == "minor":
            problems.append(
                Problem(int(lines[position]), "currency", None, "no currency: pass currency= or map a column")
            )
        out.append(code)
    return pd.Series(out, index=frame.index, dtype=STRING)


def _resolve_enums(
    frame: pd.DataFrame,
    values: Mapping[str, Mapping[str, str] | None],
    preset: JournalPreset,
    fields: Mapping[str, Col],
    lines: np.ndarray,
    problems: list[Problem],
    columns: Any,
) -> pd.DataFrame:
    out = frame.copy()
    own: dict[str, pd.Series] = {}
    implied: dict[str, list[pd.Series]] = {}
    for column in ENUM_FIELDS:
        if column not in out:
            own[column] = pd.Series(pd.NA, index=out.index, dtype=STRING)
            continue
        mapped, hints, bad = normalise_enum(out[column], column, values.get(column))
        origin = _source_column(fields[column], columns, column)
        for position in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(
                    int(lines[position]), origin, out[column].iloc[position], f"unknown value for {column}"
                )
            )
        own[column] = mapped
        for other, hint in hints.items():
            implied.setdefault(other, []).append(hint)
    defaults = {"txn_type": "sale", "status": "approved", "channel": "other", **preset.defaults}
    txn_type = own["txn_type"]
    for hint in implied.get("txn_type", []):
        take = hint.notna() & (txn_type.isna() | txn_type.eq("sale"))
        txn_type = txn_type.mask(take, hint)
    status = own["status"]
    for hint in implied.get("status", []):
        status = status.mask(status.isna() & hint.notna(), hint)
    channel = own["channel"]
    for hint in implied.get("channel", []):
        channel = channel.mask(channel.isna() & hint.notna(), hint)
    out["txn_type"] = txn_type.fillna(defaults["txn_type"]).astype(STRING)
    out["status"] = status.fillna(defaults["status"]).astype(STRING)
    out["channel"] = channel.fillna(defaults["channel"]).astype(STRING)
    return out


def _require_present(
    frame: pd.DataFrame, preset: JournalPreset, lines: pd.Series, problems: list[Problem]
) -> None:
    known = {p.row for p in problems}
    ts_names = preset.fields["ts"].names
    missing_ts = frame["ts"].isna() & ~lines.isin(known)
    for position in np.flatnonzero(missing_ts.to_numpy()):
        problems.append(
            Problem(int(lines.iloc[position]), ts_names[0] if ts_names else "ts", None, "empty time")
        )
    ts = frame["ts"]
    if pd.api.types.is_datetime64_any_dtype(ts.dtype) and not _surely_in_range(ts):
        years = ts.dt.year
        far = (ts.notna() & ((years < 1678) | (years > 2261)) & ~lines.isin(known)).fillna(False)
        for position in np.flatnonzero(far.to_numpy(dtype=bool)):
            line = int(lines.iloc[position])
            problems.append(
                Problem(line, ts_names[0] if ts_names else "ts", str(ts.iloc[position]), "time out of range")
            )
    if "card_last4" in frame and not _four_ascii_digits(frame["card_last4"]):
        last4 = frame["card_last4"].astype(STRING)
        bad = last4.notna() & ~last4.str.fullmatch(r"\d{4}").fillna(False)
        for position in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(
                    int(lines.iloc[position]),
                    "card_last4",
                    last4.iloc[position],
                    "card_last4 must be four digits",
                )
            )


def _derive_ids(frame: pd.DataFrame, lines: pd.Series, name: str) -> tuple[pd.Series, pd.Series]:
    """Fill empty txn_id: terminal/batch/stan, else wallet txn no, else rrn, else stem:line.

    Returns the ids and, per row, the canonical field each id came from.
    """

    def col(column: str) -> pd.Series:
        if column in frame:
            return frame[column].astype(STRING)
        return pd.Series(pd.NA, index=frame.index, dtype=STRING)

    ids = col("txn_id")
    origin = pd.Series("txn_id", index=frame.index, dtype=object)
    if not ids.isna().any():  # every row has its own id (a canonical journal)
        return ids, origin
    terminal, batch, stan = col("terminal_id"), col("batch_no"), col("stan")
    both = ids.isna() & terminal.notna() & batch.notna() & stan.notna()
    ids = ids.mask(both, terminal + "/" + batch + "/" + stan)
    origin = origin.mask(both, "stan")
    for column in ("wallet_txn_id", "rrn"):
        take = ids.isna() & col(column).notna()
        ids = ids.mask(take, col(column))
        origin = origin.mask(take, column)
    shown = mask_pans_deep(name)  # a file named by a card number: masked in the ids
    stem = Path(shown).stem if not name.startswith("<") else ("sql" if name.startswith("<sql") else "frame")
    empty = ids.isna()
    if empty.any():  # stem:line, for the rows that have no id of their own
        fallback = pd.Series(
            [f"{stem}:{line}" for line in lines[empty]], index=frame.index[empty], dtype=STRING
        )
        ids = ids.fillna(fallback)
    return ids.astype(STRING), origin


def _control_problems(
    converted: pd.DataFrame,
    fields: Mapping[str, Col],
    columns: Any,
    lines: pd.Series,
    problems: list[Problem],
) -> None:
    """A problem for each text cell holding a control character, named by its source column and line: a bad row
    like any other (``strict=False`` leaves it out; before session 16 it refused the whole file)."""
    text = [c for c in converted.columns if c not in ("ts", "amount_minor")]
    for position, canonical, value in control_cells(converted, text):
        column = _source_column(fields.get(canonical), columns, canonical)
        problems.append(Problem(int(lines.iloc[position]), column, value, control_reason(value)))


def _source_column(spec: Col | None, columns: Any, default: str) -> str:
    """The first of a spec's source columns that the source has (for messages)."""
    if spec is None:
        return default
    return next((n for n in spec.names if n in columns), default)


def _duplicates(
    frame: pd.DataFrame,
    origin: pd.Series,
    preset: JournalPreset,
    lines: pd.Series,
    problems: list[Problem],
    columns: Any,
) -> None:
    import pyarrow.compute as pc

    all_ids = arrow_text(frame["txn_id"].astype(STRING))
    if surely_distinct(all_ids) or len(pc.unique(all_ids)) == len(all_ids):
        return  # every id once (the usual case): nothing to name
    bad = {p.row for p in problems}
    usable = ~lines.isin(bad)
    ids = frame["txn_id"][usable.to_numpy()]
    dup = ids.duplicated(keep="first")
    if not dup.any():
        return
    first_line: dict[str, int] = {}
    for position, value in ids.items():
        first_line.setdefault(value, int(lines[position]))
    for position in dup[dup].index:
        value = ids[position]
        line = int(lines[position])
        spec = preset.fields.get(origin[position])
        column = _source_column(spec, columns, "txn_id")
        problems.append(
            Problem(line, column, value, f"duplicate txn_id: rows {first_line[value]} and {line} share it")
        )


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return mask_pans_in_text(value, strict=False)
    return value


def _report(problems: Sequence[Problem], name: str) -> list[dict[str, Any]]:
    """Problems as plain records for ``frame.attrs`` (values masked: any 12-19 digit run)."""
    return report_records(problems, name, mask=_safe)


def _settled_fields(fields: Mapping[str, Col], columns: Any, settled: frozenset[str]) -> set[str]:
    """The canonical text fields whose values are cells of settled source columns, taken as they are.

    A plain text field (no value map, pattern, constant or default) read from source columns that
    are all settled holds their cells unchanged (the first non-empty one per row), so it is settled
    too. ``txn_id`` is left out: ids missing there are made up from other columns.
    """
    out = set()
    for canonical, spec in fields.items():
        present = [n for n in spec.names if n in columns]
        if (
            canonical != "txn_id"
            and spec.kind == "text"
            and spec.values is None
            and spec.regex is None
            and spec.const is None
            and spec.default is None
            and present
            and all(n in settled for n in present)
        ):
            out.add(canonical)
    return out


def _canonical(
    frame: pd.DataFrame, lines: pd.Series, name: str, zone: str | None, settled: Collection[str] = ()
) -> pd.DataFrame:
    keep = [c for c in frame.columns if c in JOURNAL_COLUMNS or c in JOURNAL_OPTIONAL]
    out = frame[keep].reset_index(drop=True)
    out["amount_minor"] = out["amount_minor"].astype("int64")
    ts = out["ts"]
    if not pd.api.types.is_datetime64_any_dtype(ts.dtype):
        ts = pd.to_datetime(ts, utc=True)
    if zone is not None:
        ts = ts.dt.tz_convert(zone_text(zone))  # "+08:00" for "UTC+8" (a preset's zone is a name)
    out["ts"] = ts
    held = [c for c in ID_COLUMNS if c in out]
    for column in held:
        if out[column].dtype != STRING:
            out[column] = out[column].astype(STRING)
    try:
        result = _validate_journal(out, settled=settled, passed=held)  # ids: settled here, never masked
    except SchemaError as exc:  # a data row of the frame: the line it was read from
        row = exc.row
        if row is not None and 0 < row <= len(lines):
            row = int(lines.to_numpy()[row - 1])
        raise JournalError(exc.reason, file=name, row=row, column=exc.column, value=exc.value) from None
    for column in held:
        if column not in settled:
            result[column] = _as_string(result[column])  # stripped, "" as <NA>
    result["source"] = constant_text(mask_pans_deep(name), len(result))
    result["source_row"] = pd.Series(lines.to_numpy(), dtype="Int64")
    return result
