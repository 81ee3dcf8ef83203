"""Tables from real exports: find the header, keep line numbers, strip the quirks.

Exports from POS back offices, wallets and banks are CSV or spreadsheets with
preambles, trailers, padded cells, trailing tabs and backtick-prefixed ids.
:func:`read_table` turns any of them into a :class:`RawTable`: every cell a
stripped string (or ``<NA>``), the header found by the column names it must
contain (never by counting lines), and each data row tagged with the line (or
spreadsheet row) it came from, so that every later error can name it.

Declarative field specs (:class:`Col`) then say how each canonical field is
read from those strings; :func:`convert` applies them and collects every bad
cell with its line and column instead of stopping at the first.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import logging
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from receiptkit.arrowtext import (
    WHITESPACE,
    CellBytes,
    arrow_text,
    constant_text,
    has_edge,
    in_byte_set,
    known_values,
)
from receiptkit.errors import AmountError, ReceiptkitError, TimeParseError
from receiptkit.frames import report_records
from receiptkit.money import CURRENCIES, MAX_MINOR, ascii_digits, exponent, normalise_currency, parse_amount
from receiptkit.pan import last4_of, mask_pans_deep, mask_pans_in_text
from receiptkit.schema import STRING, currency_reason
from receiptkit.timeparse import parse_time

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_WORKBOOK_BYTES",
    "NULL_MARKERS",
    "Col",
    "Problem",
    "RawTable",
    "check_workbook",
    "convert",
    "decode_bytes",
    "head_text",
    "path_problem",
    "read_failure",
    "read_table",
    "silenced_logs",
    "source_name",
]

NULL_MARKERS = frozenset(
    {"", "/", "-", "--", "—", "null", "NULL", "None", "none", "nan", "NaN", "N/A", "n/a"}
)
STRIP_CHARS = " \t\r\n`\u3000\u00a0\ufeff"

Source = str | Path | bytes | io.IOBase


@dataclass(frozen=True)
class Problem:
    """One bad cell: where it is and what is wrong."""

    row: int
    column: str
    value: Any
    reason: str


@dataclass
class RawTable:
    """Cells as strings, with the line each row came from.

    ``frame`` has one column per header name (duplicates get ``.1``, ``.2``),
    ``lines`` holds the 1-based line (CSV) or row (spreadsheet) of each row,
    ``source`` is the file name used in error messages, ``preamble`` the text
    lines above the header (titles such as ``招商银行信用卡对账单（2024年01月）``).
    ``short_rows`` are the rows of a text file with fewer cells than the header
    has columns: :func:`convert` reports them as bad rows (raised with
    ``strict=True``, rejected with ``strict=False``), never read as if the
    missing cells were empty.
    """

    frame: pd.DataFrame
    lines: np.ndarray
    source: str
    header_line: int
    preamble: list[str] = field(default_factory=list)
    short_rows: tuple[Problem, ...] = ()


def source_name(source: Any) -> str:
    """Name of a source for messages: the file's name, or a description."""
    if isinstance(source, str | Path):
        return str(source)
    name = getattr(source, "name", None)
    if isinstance(name, str):
        return name
    return "<bytes>" if isinstance(source, bytes | bytearray) else f"<{type(source).__name__}>"


def unreadable_source(source: Any) -> str | None:
    """Why ``source`` cannot be read at all (not a path, bytes, binary file or DataFrame), or None."""
    if isinstance(source, str | Path | bytes | bytearray | memoryview | pd.DataFrame) or hasattr(
        source, "read"
    ):
        return None
    return f"cannot read a {type(source).__name__}: give a path, bytes, a binary file or a DataFrame"


def path_problem(source: Any, *, folder_ok: bool = False) -> str | None:
    """Why the path ``source`` cannot be read as a file, in words, or None (also for a source that is no path).

    "no such file" or "is a folder, not a file" (``folder_ok``: a folder is a source too, e.g. a
    partitioned Parquet dataset). A file that exists but fails to read is :func:`read_failure`'s.

    >>> path_problem("/no/such/journal.csv"), path_problem("/"), path_problem(b"bytes")
    ('no such file', 'is a folder, not a file', None)
    """
    if not isinstance(source, str | Path):
        return None
    try:
        path = Path(source)
        if path.is_dir():
            return None if folder_ok else "is a folder, not a file"
        return None if path.exists() else "no such file"
    except (OSError, ValueError):  # a name the system refuses (too long, a NUL byte)
        return "no such file"


def read_failure(exc: OSError) -> str:
    """An ``OSError`` met while reading an input, in words (the file is named by the error's ``file``)."""
    return f"cannot be read: {exc.strerror or exc}"


@contextlib.contextmanager
def silenced_logs(*names: str) -> Iterator[None]:
    """Silence third-party parsers' loggers while they parse.

    mt-940 logs the raw lines it cannot match at ERROR level, ofxtools logs
    every token at DEBUG: card numbers in the input would reach the
    application's logs. The readers raise typed errors saying what is wrong instead.
    """
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _read_bytes(source: Source) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    data = source.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def decode_bytes(data: bytes, encodings: Sequence[str], name: str) -> str:
    """Decode with the first encoding that fits; name the line that fits none."""
    first_error: UnicodeDecodeError | None = None
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
            continue
        # a byte order mark inside the text (two exports joined into one file) is invisible to a person
        # but would stop the csv module from seeing the quote it precedes ('\ufeff"txn_1"' read quoted)
        return text.replace("\ufeff", "") if "\ufeff" in text else text
    assert first_error is not None
    line = data[: first_error.start].count(b"\n") + 1
    raise ReceiptkitError(
        f"cannot be decoded as {' or '.join(encodings)}",
        file=name,
        row=line,
        value=data[first_error.start : first_error.start + 8],
    )


def head_text(
    source: Source, *, encodings: Sequence[str] = ("utf-8-sig", "gb18030"), limit: int = 65536
) -> str:
    """The first bytes of a text source, decoded leniently (for sniffing)."""
    if isinstance(source, str | Path):
        with open(source, "rb") as handle:
            data = handle.read(limit)
    else:
        data = _read_bytes(source)[:limit]
    for encoding in encodings:
        try:
            return data.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            if exc.start > limit - 8:  # cut in the middle of a character
                return data[: exc.start].decode(encoding).lstrip("\ufeff")
    return data.decode("utf-8", errors="replace")


def _clean(cell: str, strip: str) -> str:
    return cell.strip(strip)


def _dedupe(names: Iterable[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            out.append(f"{name}.{seen[name]}")
        else:
            seen[name] = 0
            out.append(name)
    return out


def _is_header(cells: list[str], header: Sequence[str]) -> bool:
    present = set(cells)
    return all(name in present for name in header)


def read_table(
    source: Source,
    *,
    header: Sequence[str],
    encodings: Sequence[str] = ("utf-8-sig", "gb18030"),
    delimiter: str = ",",
    skip_prefixes: Sequence[str] = ("#",),
    stop_at: str | None = None,
    strip: str = STRIP_CHARS,
    sheet: int | str = 0,
    name: str | None = None,
    complete_tail: str | None = None,
) -> RawTable:
    """Read a CSV or spreadsheet export into a :class:`RawTable`.

    - ``header``: column names the header row must contain; the first row that
      holds all of them is the header, whatever comes before it.
    - ``skip_prefixes``: rows whose first cell starts with one of these are
      comments (Alipay merchant bills' ``#`` lines).
    - ``stop_at``: a regular expression; the first row whose first cell matches
      it ends the table (summary blocks, ``合计`` rows, disclaimers).
    - The default delimiter ``","`` becomes a tab when the header line is
      tab-separated (WeChat Pay tab-separated bills, ``.tsv`` exports).
    - Blank rows are skipped. A row with more non-empty cells than the header
      has columns is an error naming its line, and so is a short last row of a
      file that does not end with a line break (a truncated file). Any other
      row with fewer cells than the header (CSV/TSV text) is listed in
      ``short_rows``: a lost cell shifts every cell after it, so the row is
      reported, never padded silently. Empty names at the end of the header
      row (``"Saldo",,,,``) are not columns. Spreadsheet rows are never short:
      a missing cell there is an empty cell.
    - A text file whose bytes do not end with a line break may have been cut
      inside its last row (``...,CNY,356`` for ``3561``): when that row is a
      data row (not a footer after ``stop_at`` or a comment), it is listed in
      ``short_rows`` as cut (:data:`CUT_ROW_REASON`), never read. A layout whose
      last column has a fixed shape declares it as ``complete_tail``, a regular
      expression the last row's last cell must match in full for the row to
      count as complete (``"CREDIT|DEBIT"``, ``"[A-Z]{3}"``).
    """
    name = name or source_name(source)
    suffix = workbook_suffix(source)
    if suffix:
        if suffix == ".xls" and not isinstance(source, str | Path):
            source = io.BytesIO(bytes(cast(bytes, source)))  # workbook_suffix: not a path, so bytes
        rows = _spreadsheet_rows(source, suffix, sheet, name)
    else:
        text = decode_bytes(_read_bytes(source), encodings, name)
        if delimiter == ",":
            delimiter = _header_delimiter(text, header)
        _refuse_giant_cells(text, delimiter, name)
        # spaces after the last line break are not a row; spaces after the last cell are part of it
        cut_tail = bool(text.strip()) and not text.rstrip(" \t").endswith(("\n", "\r"))
        if not cut_tail and len(text) >= _FAST_CSV_CHARS:
            fast = _fast_table(text, delimiter, header, skip_prefixes, stop_at, strip, name)
            if fast is not None:
                return fast
        _warn_dropped_guards(text, delimiter, name)  # the fast path checks its trimmed columns itself
        rows = _csv_rows(text, delimiter, name)
        return _table_from_rows(
            rows, header, skip_prefixes, stop_at, strip, name, cut_tail=cut_tail, complete_tail=complete_tail
        )
    table = _table_from_rows(rows, header, skip_prefixes, stop_at, strip, name, spreadsheet=True)
    _warn_unread_sheets(source, suffix, header, sheet, name)
    return table


class TextChangedWarning(UserWarning):
    """A cell's text was read otherwise than written: a leading tab, carriage return or space, which spreadsheet users
    put before ``=``, ``+`` or ``@`` so that the cell is not run as a formula, was removed with the padding."""


# A cell that starts with a tab, carriage return or (full-width) space (after the delimiter, a line start or an opening quote) and
# then, after optional spaces, a formula's first character. A minus before a digit is a number (no guard).
_GUARD_RE = re.compile(r"(?:^|(?<=[,;|\n]))\"?[\t\r \u3000]+(?:[=+@＝＋＠]|-(?![0-9. ]))", re.M)


def _warn_dropped_guards(text: str, delimiter: str, name: str) -> None:
    """Warn (:class:`TextChangedWarning`, the first line named) when cells lose a leading tab or carriage return
    in front of formula text: padding is stripped from every cell (exports pad them, WeChat bills end numbers
    with a tab), so ``\\t=1+1`` reads ``=1+1``. The text is kept so read; every output receiptkit writes
    (CSV, XLSX, the pack) guards formula text again with an apostrophe."""
    if delimiter == "\t" or not _GUARD_HINT.search(text):
        return
    found = list(_GUARD_RE.finditer(text))
    if found:
        _guard_warning(name, text.count("\n", 0, found[0].end()) + 1, len(found))


_GUARD_HINT = re.compile("[\t\r \u3000][=+@＝＋＠-]")
# _GUARD_RE on one cell, for pyarrow (RE2)
_GUARD_CELL = "^[\t\r \u3000]+(?:[=+@＝＋＠]|-(?:[^0-9. ]|$))"


def _guard_warning(name: str, line: int, count: int) -> None:
    warnings.warn(
        f"{mask_pans_deep(name)}: line {line}: {count} cell(s) lost a leading tab, carriage return or "
        "space before formula text ('\\t=...' reads '=...'); outputs guard such text with an apostrophe",
        TextChangedWarning,
        stacklevel=5,
    )


class UnreadSheetsWarning(UserWarning):
    """A workbook holds the table's header on other sheets than the one read: their rows were not read."""


def _warn_unread_sheets(
    source: Source, suffix: str, header: Sequence[str], sheet: int | str, name: str
) -> None:
    """Warn when sheets other than ``sheet`` hold every ``header`` name in their first rows.

    One sheet is read (the first by default); a bill or statement continued on a second sheet
    (an .xls sheet holds 65,536 rows; a copy of the bill, as the public WeChat .xlsx sample
    has) would be left out without a word.
    """
    wanted = {h.strip() for h in header}
    if not wanted:
        return
    if hasattr(source, "seek"):
        source.seek(0)
    try:
        if suffix in (".xlsx", ".xlsm"):
            import openpyxl

            handle = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
            try:
                sheets = {
                    ws.title: [
                        [_cell_text(v) for v in row] for row in ws.iter_rows(max_row=80, values_only=True)
                    ]
                    for ws in book.worksheets
                }
            finally:
                book.close()
        else:
            frames = pd.read_excel(
                source, sheet_name=None, header=None, nrows=80, dtype=object, engine=excel_engine(suffix)
            )
            sheets = {
                str(title): [[_cell_text(v) for v in row] for row in f.itertuples(index=False, name=None)]
                for title, f in frames.items()
            }
    except Exception:  # the sheet read already succeeded; a sheet that cannot be scanned is not a table
        return
    titles = list(sheets)
    read = titles[sheet] if isinstance(sheet, int) and sheet < len(titles) else str(sheet)
    others = [
        title
        for title, rows in sheets.items()
        if title != read and any(wanted <= {c.strip() for c in row} for row in rows)
    ]
    if others:
        warnings.warn(
            f"{name}: sheet(s) {', '.join(repr(t) for t in others)} also hold this table's header; only "
            f"sheet {read!r} was read: save each sheet as its own file to read its rows",
            UnreadSheetsWarning,
            stacklevel=4,
        )


def _header_delimiter(text: str, header: Sequence[str]) -> str:
    """``"\t"`` when the line holding every header name is tab-separated (tab-separated exports), else ``","``."""
    for number, line in enumerate(text.splitlines()):
        if number >= 200:
            break
        if all(name in line for name in header):
            return "\t" if line.count("\t") > line.count(",") else ","
    return ","


def _refuse_giant_cells(text: str, delimiter: str, name: str) -> None:
    # a giant cell is refused before the csv module copies the text (StringIO holds 4 bytes a character)
    if len(text) <= MAX_CELL_CHARS:
        return
    # a run of more than MAX_CELL_CHARS characters without delimiter or "\n" lies inside one "\n"-line,
    # so only lines longer than that are searched (the regex alone is quadratic in the cell length)
    lines = text.split("\n")
    if max(map(len, lines)) <= MAX_CELL_CHARS:
        return
    pattern = re.compile(f"[^{re.escape(delimiter)}\n]{{{MAX_CELL_CHARS + 1}}}")
    start = 0
    for line in lines:
        if len(line) > MAX_CELL_CHARS:
            giant = pattern.search(line)
            if giant is not None:
                raise ReceiptkitError(
                    f"a cell of more than {MAX_CELL_CHARS:,} characters",
                    file=name,
                    row=text.count("\n", 0, start + giant.start()) + 1,
                )
        start += len(line) + 1


def _csv_rows(text: str, delimiter: str, name: str) -> Iterable[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    start = 1
    try:
        for record in reader:
            yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ReceiptkitError(f"not a valid CSV ({exc})", file=name, row=start) from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if hasattr(value, "isoformat"):  # a date, or a time of day alone (a workbook cell formatted hh:mm)
        return value.isoformat()
    return str(value)


#: Bounds that keep memory and time bounded on hostile workbooks and tables (issue #18 item 9).
#: A workbook whose parts decompress to more than MAX_WORKBOOK_BYTES in all, or a
#: part larger than 1 MiB that decompresses more than MAX_ZIP_RATIO times its
#: compressed size, is refused before it is parsed (real exports compress 5-30x).
MAX_WORKBOOK_BYTES = 512 * 2**20
MAX_ZIP_RATIO = 200
#: Widest row read (real exports have 10-100 columns), and the longest cell in characters
#: (the csv module's own default field limit).
MAX_COLUMNS = 1024
MAX_CELL_CHARS = 131072
_EXCEL_ERRORS = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#GETTING_DATA"}
)


def check_workbook(source: Any, name: str) -> None:
    """Refuse an ``.xlsx``/``.xlsm`` whose zip parts would decompress to too much (a zip bomb).

    Looks only at the zip directory (declared sizes; ``zipfile`` never inflates
    a part beyond its declared size), so it costs nothing on real files.
    """
    import zipfile

    handle = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReceiptkitError(f"not a readable workbook (not a zip file: {exc})", file=name) from None
    finally:
        if hasattr(handle, "seek") and not isinstance(source, str | Path):
            handle.seek(0)
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 2**20 and ratio > MAX_ZIP_RATIO:
            raise ReceiptkitError(
                f"workbook part {member.filename} inflates {ratio:,.0f} times "
                f"({member.file_size:,} bytes): refused as a decompression bomb",
                file=name,
            )
        if total > MAX_WORKBOOK_BYTES:
            raise ReceiptkitError(
                f"workbook decompresses to more than {MAX_WORKBOOK_BYTES:,} bytes: refused as a decompression bomb",
                file=name,
            )


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a BIFF8 .xls (an OLE compound file)


def workbook_suffix(source: Any) -> str:
    """``.xlsx``/``.xlsm``/``.xls`` for a workbook, else ``""``.

    A path by its suffix; bytes by their content: a zip whose directory holds ``xl/`` parts (an
    Office Open XML workbook) or an OLE compound file (a BIFF8 workbook), so workbook bytes uploaded
    without a path read as the same file saved to disk.
    """
    if isinstance(source, str | Path):
        suffix = Path(source).suffix.lower()
        return suffix if suffix in (".xlsx", ".xlsm", ".xls") else ""
    if not isinstance(source, bytes | bytearray | memoryview):
        return ""
    data = bytes(source[:8])
    if data.startswith(_OLE_MAGIC):
        return ".xls"
    if data.startswith(b"PK\x03\x04"):
        import zipfile

        try:
            with zipfile.ZipFile(io.BytesIO(bytes(source))) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return ""
        if any(n.startswith("xl/") for n in names):
            return ".xlsx"
    return ""


def excel_engine(suffix: str) -> str:
    """The pandas engine for a workbook: calamine reads BIFF8 ``.xls``, openpyxl ``.xlsx``."""
    return "calamine" if suffix.lower() == ".xls" else "openpyxl"


def _spreadsheet_rows(
    source: Source, suffix: str, sheet: int | str, name: str
) -> Iterable[tuple[int, list[str]]]:
    if suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(source, sheet, name)
        return
    try:
        frame = pd.read_excel(
            source, sheet_name=sheet, header=None, dtype=object, engine=excel_engine(suffix)
        )
    except Exception as exc:  # calamine/openpyxl raise many kinds
        raise ReceiptkitError(f"not a readable {suffix} workbook ({exc})", file=name) from None
    if frame.shape[1] > MAX_COLUMNS:
        raise ReceiptkitError(
            f"sheet has {frame.shape[1]:,} columns (at most {MAX_COLUMNS:,} are read)", file=name
        )
    for position, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        yield position, [_cell_text(v) for v in values]


def _shown_time(cell: Any) -> Any:
    """A cell's value; a date-time cell whose number format shows no seconds (no hour) and whose seconds
    (time) are zero as the text it shows, so it keeps minute (day) precision instead of a claimed :00."""
    value: Any = getattr(cell, "value", None)
    if not hasattr(value, "hour") or not hasattr(value, "date"):
        return value
    shown = str(getattr(cell, "number_format", "") or "").lower()
    if shown == "general":
        return value
    if "h" not in shown and (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
        return value.date().isoformat()
    if "s" not in shown and (value.second, value.microsecond) == (0, 0):
        return value.strftime("%Y-%m-%d %H:%M")
    return value


def _xlsx_rows(source: Source, sheet: int | str, name: str) -> Iterable[tuple[int, list[str]]]:
    """Rows of an .xlsx sheet, streamed (openpyxl read-only): checked for bombs before and while reading."""
    import openpyxl

    check_workbook(source, name)
    handle = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds
        raise ReceiptkitError(f"not a readable .xlsx workbook ({exc})", file=name) from None
    try:
        try:
            ws = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
        except (IndexError, KeyError):
            raise ReceiptkitError(f"no sheet {sheet!r} in the workbook", file=name) from None
        ws.reset_dimensions()  # a lying <dimension> must not pad every row to 16,384 cells
        rows = ws.iter_rows()
        for position, row in enumerate(rows, start=1):
            cells = [_shown_time(c) for c in row]
            while cells and (cells[-1] is None or cells[-1] == ""):
                cells.pop()
            if len(cells) > MAX_COLUMNS:
                raise ReceiptkitError(
                    f"row has {len(cells):,} cells (at most {MAX_COLUMNS:,} columns are read)",
                    file=name,
                    row=position,
                )
            texts = []
            for value in cells:
                if isinstance(value, str) and value in _EXCEL_ERRORS:
                    value = None
                text = _cell_text(value)
                if len(text) > MAX_CELL_CHARS:
                    raise ReceiptkitError(
                        f"cell of {len(text):,} characters (at most {MAX_CELL_CHARS:,})",
                        file=name,
                        row=position,
                    )
                texts.append(text)
            yield position, texts
    except ReceiptkitError:
        raise
    except Exception as exc:  # a damaged part found while streaming
        raise ReceiptkitError(f"not a readable .xlsx workbook ({exc})", file=name) from None
    finally:
        book.close()


def _table_from_rows(
    rows: Iterable[tuple[int, list[str]]],
    header: Sequence[str],
    skip_prefixes: Sequence[str],
    stop_at: str | None,
    strip: str,
    name: str,
    *,
    cut_tail: bool = False,
    complete_tail: str | None = None,
    spreadsheet: bool = False,
) -> RawTable:
    stop_re = re.compile(stop_at) if stop_at else None
    last_content = 0  # line of the last record with a non-empty cell after the header
    stopped = False
    preamble: list[str] = []
    columns: list[str] | None = None
    header_line = 0
    header_cells = 0
    data: list[list[str]] = []
    lines: list[int] = []
    wide: list[tuple[int, int]] = []  # (position, cells) of rows wider than the header
    widths: list[int] = []
    rows = iter(rows)  # a footer's check reads on from where the table stopped
    for line, record in rows:
        if len(record) > MAX_COLUMNS:
            raise ReceiptkitError(
                f"row has {len(record):,} cells (at most {MAX_COLUMNS:,} columns are read)",
                file=name,
                row=line,
            )
        cells = [_clean(c, strip) for c in record]
        if columns is None:
            if _is_header(cells, header):
                columns = _dedupe(_header_names(cells))
                header_line = line
                header_cells = len(cells)
            else:
                text = ",".join(c for c in cells if c)
                if text:
                    preamble.append(text)
            continue
        if not any(cells):
            continue
        last_content = line
        first = next((c for c in cells if c), "")
        if skip_prefixes and any(first.startswith(p) for p in skip_prefixes) and cells[0] == first:
            continue
        if stop_re is not None and stop_re.search(first):
            stopped = True  # a footer ends the table: a cut after it leaves the data rows whole
            _refuse_rows_after_footer(rows, stop_re, skip_prefixes, strip, line, first, data, name)
            break
        width = len(columns)
        if len(cells) > width:
            extra = [c for c in cells[width:] if c]
            if extra:
                raise ReceiptkitError(
                    f"row has {len(cells)} cells but the header has {width} columns",
                    file=name,
                    row=line,
                    value=extra[0],
                )
            wide.append((len(data), len(cells)))
            cells = cells[:width]
        widths.append(len(record))
        data.append(cells)
        lines.append(line)
    if columns is None:
        raise ReceiptkitError(f"no header row with the columns {', '.join(header)}", file=name)
    _check_wide_rows(wide, widths, lines, len(columns), name, header_cells)
    cut_last = cut_tail and not stopped and bool(lines) and lines[-1] == last_content
    short = _short_rows(
        data, lines, columns, name, cut_last, spreadsheet=spreadsheet, complete_tail=complete_tail
    )
    if not spreadsheet:
        short += _narrow_rows(widths, lines, columns, header_cells, short)
    frame = (
        pd.DataFrame(data, columns=columns, dtype=STRING)
        if data
        else pd.DataFrame({c: pd.Series([], dtype=STRING) for c in columns})
    )
    frame = frame.mask(frame.isin(list(NULL_MARKERS)), pd.NA) if len(frame) else frame
    return RawTable(frame, np.asarray(lines, dtype=np.int64), name, header_line, preamble, short)


def _refuse_rows_after_footer(
    rows: Iterable[tuple[int, list[str]]],
    stop_re: re.Pattern[str],
    skip_prefixes: Sequence[str],
    strip: str,
    footer_line: int,
    footer: str,
    data: list[list[str]],
    name: str,
) -> None:
    """Refuse a summary row (``合计``, ``总交易单数``) that data rows follow: the table does not end there.

    A footer ends the table, so every row after it would be left out without a word (a ``合计``
    subtotal pasted after the first row of an ICBC export dropped the other rows). The rows after a
    real footer are totals, notes and disclaimers, with fewer filled cells than a data row; a row
    after it as full as the data rows (three quarters of their usual filled cells, at least three)
    is a data row, and the footer line is named.
    """
    filled = sorted(sum(1 for c in cells if c) for cells in data)
    usual = filled[len(filled) // 2] if filled else 0
    needed = max(3, (3 * usual + 3) // 4)
    for line, record in rows:
        cells = [_clean(c, strip) for c in record]
        first = next((c for c in cells if c), "")
        if not first or stop_re.search(first):
            continue
        if skip_prefixes and any(first.startswith(p) for p in skip_prefixes) and cells[0] == first:
            continue
        if data and sum(1 for c in cells if c) >= needed:
            raise ReceiptkitError(
                f"a summary row ends the table here, but data rows follow it (line {line}): "
                "the rows after it would be left out",
                file=name,
                row=footer_line,
                value=footer,
            )


def _header_names(cells: list[str]) -> list[str]:
    """The header row's names without the empty cells after the last name (``"Saldo",,,,``)."""
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def short_row_problem(line: int, count: int, columns: Sequence[str]) -> Problem:
    """The bad-row report of a text row with ``count`` cells under a header of ``len(columns)`` names."""
    missing = list(columns[count:])
    shown = ", ".join(missing[:3]) + (", ..." if len(missing) > 3 else "")
    return Problem(
        int(line),
        missing[0],
        None,
        f"row has {count} cells but the header has {len(columns)} columns ({shown} missing): "
        "a lost cell or separator shifts the cells after it, so the row is not read",
    )


_FAST_CSV_CHARS = 1 << 16
_ODD_LINE_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _fast_table(
    text: str,
    delimiter: str,
    header: Sequence[str],
    skip_prefixes: Sequence[str],
    stop_at: str | None,
    strip: str,
    name: str,
) -> RawTable | None:
    """The same table as :func:`_table_from_rows` gives, read by pandas' C parser; None when unsure.

    Taken only for text without quotes and with plain line breaks (every record
    is one line, so line numbers stay exact); anything unusual (a row wider than
    the header, no header in the first 200 lines, a giant cell) goes back to the
    row-by-row path, which names the problem.
    """
    if '"' in text:
        return None
    text = text.replace("\r\n", "\n")
    if _ODD_LINE_BREAKS.search(text):
        return None
    start = 0
    preamble: list[str] = []
    columns: list[str] | None = None
    header_line = 0
    for number in range(1, 201):
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end]
        cells = [c.strip(strip) for c in line.split(delimiter)]
        if len(cells) > MAX_COLUMNS:
            return None
        if _is_header(cells, header):
            columns, header_line = _dedupe(_header_names(cells)), number
            start = len(text) if end < 0 else end + 1
            break
        joined = ",".join(c for c in cells if c)
        if joined:
            preamble.append(joined)
        if end < 0:
            return None
        start = end + 1
    if columns is None:
        return None
    width = len(columns)
    arrow = _arrow_cells(text[start:], delimiter, width, header_line)
    if arrow is not None:  # every row has exactly the header's cells
        cells, lines = arrow
        maybe_short = np.zeros(len(lines), dtype=bool)
    else:
        parsed = _c_parser_cells(text[start:], delimiter, width)
        if parsed is None:
            return None
        body, maybe_short = parsed
        cells = [pa.array(body[c].to_numpy(dtype=object), type=pa.large_string()) for c in body.columns]
        lines = np.arange(header_line + 1, header_line + 1 + len(body), dtype=np.int64)
    cells = [arrow_text_chunks(c) for c in cells]
    edged = [bool(strip) and has_edge(c, strip) for c in cells]
    if delimiter != "\t" and any(edged):
        guarded = [
            np.asarray(pc.match_substring_regex(c, _GUARD_CELL).to_numpy(zero_copy_only=False), dtype=bool)
            for c, e in zip(cells, edged, strict=True)
            if e
        ]
        hit = np.logical_or.reduce(guarded) if guarded else np.zeros(len(lines), dtype=bool)
        if hit.any():
            _guard_warning(name, int(lines[int(np.argmax(hit))]), int(sum(g.sum() for g in guarded)))
    cells = [pc.utf8_trim(c, characters=strip) if e else c for c, e in zip(cells, edged, strict=True)]
    keep = np.zeros(len(lines), dtype=bool)
    for c in cells:
        keep |= pc.not_equal(c, "").to_numpy(zero_copy_only=False)
    if skip_prefixes and len(lines):
        # a comment row's first cell is its first non-empty cell and starts with a prefix
        first_cell = pd.Series(_string_array(cells[0]))
        comment = first_cell.ne("") & first_cell.str.startswith(tuple(skip_prefixes))
        keep &= ~comment.to_numpy(dtype=bool)
    if stop_at and len(lines):
        first = pd.Series("", index=range(len(lines)), dtype=object)
        for c in reversed(cells):
            values = pd.Series(_string_array(c)).astype(object)
            first = first.where(values.eq("").to_numpy(dtype=bool), values)
        stops = np.flatnonzero(
            first.astype(str).str.contains(stop_at, regex=True).to_numpy(dtype=bool) & keep
        )
        if len(stops):
            filled = np.zeros(len(lines), dtype=np.int64)
            for c in cells:
                filled += pc.not_equal(c, "").to_numpy(zero_copy_only=False).astype(np.int64)
            before = np.sort(filled[: stops[0]][keep[: stops[0]]])
            needed = max(3, (3 * int(before[len(before) // 2]) + 3) // 4) if len(before) else None
            after = keep.copy()
            after[: stops[0] + 1] = False
            after[stops] = False
            if needed is not None and (filled[after] >= needed).any():
                return None  # data rows after a footer: the row-by-row path names the footer
            keep[stops[0] :] = False
    short: tuple[Problem, ...] = ()
    candidates = np.flatnonzero(maybe_short & keep)
    if len(candidates):
        records = pd.Series(text[start:].split("\n")[: len(lines)], dtype=object)
        counts = records.iloc[candidates].str.count(re.escape(delimiter)).to_numpy() + 1
        short = tuple(
            short_row_problem(int(lines[p]), int(n), columns)
            for p, n in zip(candidates, counts, strict=True)
            if n < width
        )
    chosen = pa.array(keep)
    nulls = pa.array(sorted(NULL_MARKERS), type=pa.large_string())
    data = {}
    for column, c in zip(columns, cells, strict=True):
        c = pc.filter(c, chosen)
        c = pc.if_else(pc.is_in(c, value_set=nulls), pa.scalar(None, pa.large_string()), c)
        data[column] = pd.Series(_string_array(c))
    frame = pd.DataFrame(data) if data else pd.DataFrame(index=range(int(keep.sum())))
    return RawTable(frame, lines[keep], name, header_line, preamble, short)


def clean_text(values: pd.Series, strip: str = STRIP_CHARS) -> pd.Series:
    """A text column stripped of ``strip`` at both ends, with :data:`NULL_MARKERS` as ``<NA>`` (pyarrow kernels)."""
    return clean_text_settled(values, strip)[0]


def clean_text_settled(values: pd.Series, strip: str = STRIP_CHARS) -> tuple[pd.Series, bool]:
    """:func:`clean_text`, and whether its result is *settled*: no cell starts or ends with whitespace
    (:data:`~receiptkit.arrowtext.WHITESPACE`) or ``strip``, and none is empty, so that
    :func:`receiptkit.schema._as_string` would leave it exactly as it is.
    """
    text = values if values.dtype == STRING else values.astype(STRING)
    arr = arrow_text(text)
    cells = CellBytes(arr)  # each cell's first and last byte and length, read once for every test below
    settled = not has_edge(arr, strip + WHITESPACE, cells)
    changed = False
    if not settled and strip and has_edge(arr, strip, cells):
        arr = pc.utf8_trim(arr, characters=strip)
        cells, changed = CellBytes(arr), True
    if _may_hold_marker(arr, cells):
        nulls = pa.array(sorted(NULL_MARKERS), type=arr.type)
        marked = pc.is_in(arr, value_set=nulls)
        if pc.any(marked).as_py():
            arr = pc.if_else(marked, pa.scalar(None, arr.type), arr)
            changed = True
    if not changed:  # the column as it came (no new pandas array to build)
        return pd.Series(text.array, index=values.index, copy=False), settled
    return pd.Series(_string_array(arr), index=values.index), settled


_MARKER_BYTES = max(len(m.encode("utf-8")) for m in NULL_MARKERS)
_MARKER_FIRST = np.zeros(256, dtype=bool)
_MARKER_FIRST[[m.encode("utf-8")[0] for m in NULL_MARKERS if m]] = True


def _may_hold_marker(arr: pa.Array, cells: CellBytes | None = None) -> bool:
    """False when no present cell of a ``large_string`` array can be one of :data:`NULL_MARKERS`.

    A candidate is an empty cell, or a short one (at most as many bytes as the longest marker)
    whose first byte starts a marker; an empty or null cell reads a neighbour's byte, which can
    only add candidates. ``cells``: the array's :class:`~receiptkit.arrowtext.CellBytes` when known.
    """
    n = len(arr)
    if n == 0 or arr.null_count == n:
        return False
    cover = known_values(arr)
    if cover is not None and len(cover) < n and not _may_hold_marker(cover):
        return False  # no value the cells are drawn from is a marker
    cells = CellBytes(arr) if cells is None else cells
    lengths = cells.lengths
    candidates = lengths <= _MARKER_BYTES
    if len(cells.data):  # else every cell is empty (or null): each short one a candidate
        candidates &= in_byte_set(cells.first, _MARKER_FIRST) | (lengths == 0)
    if arr.null_count:
        candidates &= cells.valid
    return bool(candidates.any())


def iso_text(values: pd.Series) -> pd.Series:
    """Each time as ``Timestamp.isoformat(sep=" ")`` writes it (``<NA>`` for NaT), formatted by pyarrow.

    Whole seconds only; a column with fractions of a second is written value by value.
    """

    def one_by_one() -> pd.Series:
        return values.map(lambda v: None if pd.isna(v) else v.isoformat(sep=" ")).astype(STRING)

    stamps = values.dt
    present = values.notna()
    if not present.any() or ((stamps.microsecond != 0) | (stamps.nanosecond != 0))[present].any():
        return one_by_one()
    zone = stamps.tz
    wall = stamps.tz_localize(None) if zone is not None else values
    base = pc.strftime(pa.array(wall).cast(pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S")
    if zone is None:
        text = base
    else:
        # the offset of each row, written as isoformat writes it, from one example per distinct offset
        offset = (wall - stamps.tz_convert("UTC").dt.tz_localize(None)).dt.total_seconds()
        examples = values[present].groupby(offset[present].to_numpy(), sort=False).head(1)
        written = {offset[i]: v.isoformat(sep=" ")[19:] for i, v in examples.items()}
        suffix = offset.map(written)
        text = pc.binary_join_element_wise(base, pa.array(suffix, type=pa.string()), "")
    out = pd.Series(pd.array(text, dtype=STRING), index=values.index)
    return out.where(present.to_numpy(), pd.NA) if not present.all() else out


def arrow_text_chunks(values: Any) -> pa.Array:
    """One pyarrow ``large_string`` array from a (chunked) pyarrow string array."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    return values.cast(pa.large_string()) if values.type != pa.large_string() else values


def _string_array(values: Any) -> pd.api.extensions.ExtensionArray:
    """A pyarrow string array as the pandas array of :data:`~receiptkit.schema.STRING` (no copy of the text)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if values.type != pa.large_string():
        values = values.cast(pa.large_string())
    return pd.array(values, dtype=STRING)


def _arrow_cells(
    body: str, delimiter: str, width: int, header_line: int
) -> tuple[list[Any], np.ndarray] | None:
    """Every cell of a quote-free body as pyarrow strings, and each row's line; None when rows are ragged.

    pyarrow's CSV reader leaves out empty lines only; each other line is one row of exactly ``width``
    cells (anything else is refused and the caller goes to a more lenient parser).
    """
    import pyarrow.csv as pacsv

    data = body.encode("utf-8")
    if not data:
        return None
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [len(data)]))
    present = stops > starts  # empty lines are left out by the reader
    lines = (np.arange(len(starts), dtype=np.int64) + header_line + 1)[present]
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char=False,
                double_quote=False,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=True,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.large_string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException, ValueError):
        return None
    if table.num_rows != len(lines):
        return None
    return [table.column(n) for n in names], lines


def _c_parser_cells(body: str, delimiter: str, width: int) -> tuple[pd.DataFrame, np.ndarray] | None:
    """pandas' C parser on a quote-free body: rows padded to ``width`` cells; None when a row is wider.

    Also gives which rows may have been short (padded): the caller counts their separators.
    """
    try:
        frame = pd.read_csv(
            io.StringIO(body),
            sep=delimiter,
            header=None,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_NONE,
            engine="c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    frame = frame.fillna("")
    if frame.shape[1] > width:
        return None  # rows wider than the header: the row-by-row path checks and names them
    # pandas fills the cells a short row lacks with "": such a row is told apart by its separators
    maybe_short = (
        np.ones(len(frame), dtype=bool)
        if frame.shape[1] < width
        else (frame.iloc[:, width - 1] == "").to_numpy(dtype=bool)
    )
    for position in range(frame.shape[1], width):
        frame[position] = ""
    return frame, maybe_short


def _usual_width(widths: list[int], width: int, header_cells: int) -> int | None:
    """The number of cells most rows have (None on a tie). A header line that itself ends with
    separators (``...,备注,``: more cells than names) says how the export writes its rows, and counts
    as one row: with two rows of different widths, the one like the header is the usual one."""
    counts = Counter(widths)
    if header_cells > width:
        counts[header_cells] += 1
    ranked = counts.most_common(2)
    if not ranked:
        return None
    return ranked[0][0] if len(ranked) == 1 or ranked[0][1] > ranked[1][1] else None


def _check_wide_rows(
    wide: list[tuple[int, int]],
    widths: list[int],
    lines: list[int],
    width: int,
    name: str,
    header_cells: int = 0,
) -> None:
    """Refuse a row wider than the header (its extra cells empty) unless that is how the export writes rows.

    Exports that end every row with a delimiter (ICBC, JD) have rows one cell wider than the
    header: there the wide width is the one most rows have. A row whose extra width is not the
    file's usual one has a separator too many inside it, and its cells would be read shifted
    (a merchant in the amount column, an id in the status): an error naming the line.
    """
    if not wide:
        return
    usual = _usual_width(widths, width, header_cells)
    for position, cells in wide:
        if cells != usual:
            others = f"most rows have {usual}" if usual is not None else "the rows differ"
            raise ReceiptkitError(
                f"row has {cells} cells, the header {width} columns and {others}: "
                "a separator too many inside the row (its cells would be read shifted)?",
                file=name,
                row=lines[position],
            )


def _short_rows(
    data: list[list[str]],
    lines: list[int],
    columns: Sequence[str],
    name: str,
    cut_last: bool,
    *,
    spreadsheet: bool = False,
    complete_tail: str | None = None,
) -> tuple[Problem, ...]:
    """Report the rows with fewer cells than the header (padded only so that positions stay aligned).

    Some exports leave out trailing empty cells, but a row that lost a cell or
    a separator in the middle looks the same, with every later cell shifted
    ("35.61" read from the next column): neither is read silently. Each short
    row becomes a :class:`Problem` naming its line and first missing column;
    the readers raise it (``strict=True``) or reject the row (``strict=False``).
    A spreadsheet row is padded without a report: its missing cells are empty
    cells (workbooks do not store trailing empty cells).
    When the file does not end with a line break (``cut_last``: its last record
    is the last data row), that row may have been cut anywhere inside: it is
    reported as cut (:data:`CUT_ROW_REASON`, naming the column the file ends
    in), unless the layout's ``complete_tail`` pattern matches its last cell in
    full.
    """
    if not data:
        return ()
    width = len(columns)
    last = data[-1]
    cut: Problem | None = None
    if cut_last:
        count = len(last)
        whole = (
            complete_tail is not None
            and count >= width
            and re.fullmatch(complete_tail, last[width - 1]) is not None
        )
        if not whole:
            shown = "" if count >= width else f" ({count} of {width} cells)"
            column = columns[min(count, width) - 1] if count else columns[0]
            cut = Problem(
                int(lines[-1]), column, last[min(count, width) - 1] if count else None, CUT_ROW_REASON + shown
            )
    found = []
    for line, cells in zip(lines, data, strict=True):
        if len(cells) < width:
            if not spreadsheet and not (cut is not None and line == cut.row):
                found.append(short_row_problem(line, len(cells), columns))
            cells.extend([""] * (width - len(cells)))
    if cut is not None:
        found.append(cut)
    return tuple(found)


def _narrow_rows(
    widths: list[int],
    lines: list[int],
    columns: Sequence[str],
    header_cells: int,
    reported: tuple[Problem, ...],
) -> tuple[Problem, ...]:
    """Rows that lost a cell in an export whose rows all end with a separator (Alipay's ``...,备注,``).

    There a complete row has one cell more than the header has names, so a row that lost a cell
    (or a separator) still has a cell for every name, each after the lost one shifted (a card in
    the amount column): a row narrower than the header line and most rows is reported as short,
    naming its own line, never read.
    """
    width = len(columns)
    usual = _usual_width(widths, width, header_cells)
    if usual is None or usual <= width or header_cells < usual:
        return ()
    named = {p.row for p in reported}
    return tuple(
        Problem(
            int(line),
            columns[-1],  # the cell after it is the one the row lacks
            None,
            f"row has {cells} cells but the header line and most rows have {usual} (each ends with a "
            "separator): a lost cell or separator shifts the cells after it, so the row is not read",
        )
        for line, cells in zip(lines, widths, strict=True)
        if width <= cells < usual and line not in named
    )


#: Why the last row of a text file without a final line break is not read (see :func:`read_table`).
CUT_ROW_REASON = (
    "the file ends inside this row: it may be cut; if the file is complete, end it with a line break"
)


# --------------------------------------------------------------------------- fields


@dataclass(frozen=True)
class Col:
    """How one canonical field is read: from which source columns, as what.

    ``names`` are the source column names, tried in order; per row the first
    non-empty one wins (so ``Col("微信退款单号", "微信订单号")`` takes the refund
    number when there is one). ``kind`` is one of:

    - ``text``: stripped text;
    - ``amount``: exact money (``"¥1,234.50"``, ``"-25.00"``) into minor units;
    - ``time``: a date/time in the reader's zone (``fmt`` optional);
    - ``last4``: the last four digits found in the text (``"招商银行(1234)"``);
    - ``currency``: a code, word or symbol turned into ISO 4217;
    - ``currency_code``: an ISO 4217 code itself, case-blind (``usd`` is USD); a word or symbol
      (``RMB``, ``元``, ``$``) is a bad cell (``write CNY``): the canonical preset's column.

    ``values`` maps source values to canonical ones (``{"消费": "sale"}``); a
    value not in the map is an error unless ``default`` is set. ``const``
    gives the value for every row without reading a column.
    """

    names: tuple[str, ...] = ()
    kind: str = "text"
    values: Mapping[str, str] | None = None
    default: str | None = None
    fmt: str | None = None
    const: str | None = None
    regex: str | None = None

    def __init__(
        self,
        *names: str,
        kind: str = "text",
        values: Mapping[str, str] | None = None,
        default: str | None = None,
        fmt: str | None = None,
        const: str | None = None,
        regex: str | None = None,
    ) -> None:
        object.__setattr__(self, "names", tuple(names))
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "default", default)
        object.__setattr__(self, "fmt", fmt)
        object.__setattr__(self, "const", const)
        object.__setattr__(self, "regex", regex)


class _SameName:
    """Which source column each row's value came from, when it is the same one for every row.

    Read as a column is read where a problem is named (``origin.iloc[position]``), without a
    column of the name repeated per row.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.iloc = self

    def __getitem__(self, position: object) -> str:
        return self.name


def _same_name(name: str, index: pd.Index) -> Any:
    """``name`` for every row of ``index`` (see :class:`_SameName`)."""
    return _SameName(name)


def _coalesce(frame: pd.DataFrame, names: Sequence[str]) -> tuple[pd.Series, Any]:
    """First non-empty value per row among the present columns, and which column."""
    present = [n for n in names if n in frame.columns]
    if len(present) == 1:  # one source column: its values as they are
        only = frame[present[0]]
        return (only if only.dtype == STRING else only.astype(STRING)), _same_name(present[0], frame.index)
    values = pd.Series(pd.NA, index=frame.index, dtype=STRING)
    origin = pd.Series(
        present[0] if present else (names[0] if names else ""), index=frame.index, dtype=object
    )
    for name in present:
        take = values.isna() & frame[name].notna()
        if take.any():
            values = values.mask(take, frame[name])
            origin = origin.mask(take, name)
    return values, origin


# Commas are accepted only as thousands separators in groups of three
# ("1,234.50", never led by a zero: "0,001"), exactly as parse_amount does; "1,00" goes to the slow path,
# which reports it. Only ASCII digits take the fast path ("\d" would match
# full-width and Arabic-Indic digits too, which parse_amount reads), and at
# most 16 of them: MAX_MINOR has 16 digits, and anything longer goes to the
# slow path, which refuses it by name instead of wrapping it modulo 2**64.
_FAST_AMOUNT = re.compile(r"^[+-]?(?:[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$")
# Currency marks and the padding around them; a space left between digits ("12 50") sends the
# column to the slow path, which accepts only thousands groups of three ("1 234.50").
_AMOUNT_NOISE = re.compile(
    r"^[ \t\r\n\u3000\u00a0]*(?:[¥￥$€£]|RMB|CNY)?[ \t\r\n\u3000\u00a0]*|[ \t\r\n\u3000\u00a0]*(?:元|RMB|CNY)?[ \t\r\n\u3000\u00a0]*$"
)
_FAST_DIGITS = 16
# The marks _AMOUNT_NOISE strips; each names a currency, as parse_amount reads it beside one
_AMOUNT_MARKS = ("¥", "￥", "$", "€", "£", "RMB", "CNY", "元")


@functools.cache
def _other_marks(currency: str) -> re.Pattern[str] | None:
    """The marks naming another currency than ``currency`` (``€``, ``£``, ``元`` beside USD), or None."""
    other = []
    for mark in _AMOUNT_MARKS:
        try:
            parse_amount(f"{mark}1", currency)
        except AmountError:
            other.append(re.escape(mark))
    return re.compile("|".join(other)) if other else None


def _amounts_fast(values: pd.Series, currency: str) -> pd.Series | None:
    """Vectorised exact parse for plain decimal columns; None when not plain.

    None also when any value has more digits than :data:`~receiptkit.money.MAX_MINOR`
    allows or lies beyond it, or names another currency than ``currency`` (``€12.00`` in a
    USD row, ``$8.00`` in a CNY bill): the per-cell path then names the cell.
    """
    other = _other_marks(currency)
    if other is not None and values.str.contains(other.pattern, regex=True).fillna(False).any():
        return None
    cleaned = values.str.replace(_AMOUNT_NOISE, "", regex=True)
    if not cleaned.dropna().str.fullmatch(_FAST_AMOUNT.pattern).all():
        return None
    exp = exponent(currency)
    parts = cleaned.str.replace(",", "", regex=False).str.extract(
        r"^(?P<sign>[+-]?)(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]+))?$"
    )
    if (parts["int"].str.len() >= 13).any():
        return None  # a card number in a money field? the per-cell path names it
    frac = parts["frac"].fillna("")
    if (frac.str.len() > exp).any():
        return None  # let the slow path report the bad value
    frac = frac.str.ljust(exp, "0") if exp else frac.where(frac == "", "")
    digits = (parts["int"] + (frac if exp else "")).str.lstrip("0").replace("", "0")
    digits = digits.where(parts["int"].notna())
    if (digits.str.len() > _FAST_DIGITS).any():
        return None
    minor = pd.to_numeric(digits, errors="coerce")
    if minor.notna().sum() != digits.notna().sum():
        return None
    minor = minor.astype("Int64")
    if (minor.abs() > MAX_MINOR).any():
        return None
    negative = parts["sign"] == "-"
    return minor.where(~negative, -minor)


def _amounts_by_currency(
    values: pd.Series, currencies: pd.Series | None, single: str | None
) -> pd.Series | None:
    """The vectorised path, one currency at a time; None when any group needs the slow path."""
    if single is not None:
        return _amounts_fast(values, single)
    if currencies is None or currencies.isna().any():
        return None
    parts = []
    for currency, group in values.groupby(currencies.to_numpy(), sort=False):
        fast = _amounts_fast(group, str(currency))
        if fast is None:
            return None
        parts.append(fast)
    return pd.concat(parts).reindex(values.index)


def convert(
    raw: RawTable,
    fields: Mapping[str, Col],
    *,
    tz: Any,
    currency: str | None = None,
    ref: Any = None,
    decimal_comma: bool = False,
    dayfirst: bool = False,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Apply field specs to a raw table.

    Returns the converted frame (index = positions in ``raw.frame``) and every
    bad cell as a :class:`Problem`, starting with the table's short rows
    (:attr:`RawTable.short_rows`) that are still in it. Amount fields give ``Int64`` minor units
    (the currency is taken from a ``currency`` field when the spec has one,
    else ``currency``); time fields give timezone-aware timestamps plus a
    ``<name>_precision`` column.
    """
    frame = raw.frame
    out: dict[str, pd.Series] = {}
    index = frame.index
    lines = raw.lines
    # rows with cells missing (RawTable.short_rows) are bad rows, wherever the table went since
    present = set(lines.tolist()) if raw.short_rows else set()
    problems: list[Problem] = [p for p in raw.short_rows if p.row in present]

    # currency first: amounts need it
    ordered = sorted(fields.items(), key=lambda item: 0 if item[1].kind in _CURRENCY_KINDS else 1)
    for canonical, spec in ordered:
        if spec.const is not None:
            out[canonical] = pd.Series(spec.const, index=index, dtype=STRING)
            continue
        if spec.kind == "time":
            typed = _typed_column(frame, spec)
            if typed is not None:
                fast = _times_typed(typed, tz)
                if fast is not None:
                    out[canonical], out[f"{canonical}_precision"] = fast
                    continue
                frame = frame.assign(**{typed.name: iso_text(typed)})  # the text path names the bad cells
        values, origin = _coalesce(frame, spec.names)
        if spec.regex is not None:
            extracted = values.str.extract(spec.regex, expand=False)
            values = extracted.astype(STRING)
        if spec.kind == "text":
            result = values
            if spec.values is not None:
                result, bad = _map_values(values, spec)
                problems += _problems(bad, values, origin, lines, f"unknown value for {canonical}")
        elif spec.kind in _CURRENCY_KINDS:
            result = _currencies(values, spec, origin, lines, problems, currency)
        elif spec.kind == "last4":
            result = values.map(lambda v: last4_of(v) if isinstance(v, str) else None).astype(STRING)
        elif spec.kind == "amount":
            cur = out.get("currency")
            result = _amounts(values, origin, lines, problems, cur, currency, decimal_comma)
        elif spec.kind == "time":
            result, precision = _times(values, origin, lines, problems, tz, spec.fmt, ref, dayfirst)
            out[f"{canonical}_precision"] = precision
        else:
            raise ValueError(f"unknown field kind {spec.kind!r}")
        if spec.default is not None and spec.kind == "text":
            result = result.fillna(spec.default)
        out[canonical] = result
    return pd.DataFrame(out, index=index), problems


def _problems(
    bad: pd.Series, values: pd.Series, origin: pd.Series, lines: np.ndarray, reason: str
) -> list[Problem]:
    found = []
    for position in np.flatnonzero(bad.to_numpy(dtype=bool)):
        found.append(Problem(int(lines[position]), str(origin.iloc[position]), values.iloc[position], reason))
    return found


def _map_values(values: pd.Series, spec: Col) -> tuple[pd.Series, pd.Series]:
    assert spec.values is not None
    mapping = dict(spec.values)
    mapped = values.map(lambda v: mapping.get(v) if isinstance(v, str) else None).astype(STRING)
    bad = values.notna() & mapped.isna()
    if spec.default is not None:
        mapped = mapped.mask(bad | values.isna(), spec.default)
        bad = pd.Series(False, index=values.index)
    return mapped, bad


_CURRENCY_KINDS = ("currency", "currency_code")


def _currencies(
    values: pd.Series,
    spec: Col,
    origin: pd.Series,
    lines: np.ndarray,
    problems: list[Problem],
    default: str | None,
) -> pd.Series:
    reasons: dict[str, str] = {}

    def code(value: str) -> str | None:
        if spec.kind == "currency_code" and value.strip().upper() not in CURRENCIES:
            reasons[value] = currency_reason(value.strip().upper())  # RMB: "write CNY", never read as CNY
            return None
        try:
            return normalise_currency(value, default)
        except AmountError as exc:
            reasons[value] = exc.reason
            return None

    out = map_unique(values, code, missing=default)
    if reasons:  # only now find the rows, to name each one
        for position in np.flatnonzero(values.isin(list(reasons)).fillna(False).to_numpy(dtype=bool)):
            value = values.iloc[position]
            problems.append(Problem(int(lines[position]), str(origin.iloc[position]), value, reasons[value]))
    return out


def map_unique(
    values: pd.Series, function: Callable[[str], str | None], *, missing: str | None = None
) -> pd.Series:
    """``function`` applied to each distinct value of a text column (once each), as a text column.

    Empty cells give ``missing``. Exports repeat a handful of words (currencies, types, statuses)
    over millions of rows: this calls Python once per word, not once per row.
    """
    arr = pa.array(values.astype(STRING).array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    cover = known_values(arr)
    if cover is not None and len(cover) < len(arr) and values.dtype == STRING:
        # the values every cell is drawn from (a Parquet dictionary): when each maps to itself,
        # so does every cell, and the column is already what this would build
        cover_words = cover.to_pylist()
        if (missing is None or arr.null_count == 0) and [function(w) for w in cover_words] == cover_words:
            return values
    encoded = pc.dictionary_encode(arr)
    if not isinstance(encoded, pa.DictionaryArray):  # pragma: no cover - pyarrow always gives one
        raise TypeError(type(encoded))
    known = encoded.dictionary.to_pylist()
    words = [function(word) for word in known]
    if missing is None and words == known and values.dtype == STRING:
        return values  # every word maps to itself (a column already canonical): nothing to rebuild
    taken = pc.take(pa.array(words, type=pa.large_string()), encoded.indices)
    if missing is not None:
        taken = pc.if_else(pc.is_null(encoded.indices), pa.scalar(missing, pa.large_string()), taken)
    return pd.Series(_string_array(taken), index=values.index)


def _amounts(
    values: pd.Series,
    origin: pd.Series,
    lines: np.ndarray,
    problems: list[Problem],
    currencies: pd.Series | None,
    default: str | None,
    decimal_comma: bool,
) -> pd.Series:
    single = None
    if currencies is None:
        single = default
    elif currencies.nunique(dropna=False) == 1 and currencies.notna().all():
        single = str(currencies.iloc[0])
    if not decimal_comma and len(values):
        fast = _amounts_by_currency(values, currencies, single)
        if fast is not None:
            missing = values.isna()
            problems += _problems(missing, values, origin, lines, "empty amount")
            return fast
    out: list[Any] = []
    for position, value in enumerate(values):
        cur = single if single is not None else (None if currencies is None else currencies.iloc[position])
        cur = None if cur is pd.NA else cur
        if value is pd.NA:
            problems.append(Problem(int(lines[position]), str(origin.iloc[position]), None, "empty amount"))
            out.append(pd.NA)
            continue
        try:
            _refuse_bare_mark(value, decimal_comma)
            money = parse_amount(value, cur or default, decimal_comma=decimal_comma)
        except AmountError as exc:
            problems.append(Problem(int(lines[position]), str(origin.iloc[position]), value, exc.reason))
            out.append(pd.NA)
            continue
        out.append(money.minor)
    return pd.Series(out, index=values.index, dtype="Int64")


_BARE_MARK = {
    ".": re.compile(r"(?<![0-9])\.[0-9]|[0-9]\.(?![0-9])"),
    ",": re.compile(r"(?<![0-9]),[0-9]|[0-9],(?![0-9])"),
}


def _refuse_bare_mark(value: str, decimal_comma: bool) -> None:
    """Refuse an export's amount cell whose decimal mark has no digit on one side (``.50``, ``12.``).

    No export read here writes one; it is what a lost digit leaves (``1.50`` -> ``.50``), so the cell
    is refused, never read as 0.50 or 12.00. (``parse_amount`` itself, for typed input, accepts both.)
    """
    text = ascii_digits(unicodedata.normalize("NFKC", value))
    if _BARE_MARK["," if decimal_comma else "."].search(text):
        raise AmountError(
            "a decimal mark without a digit on one side ('.50', '12.'): a digit may be lost", value=value
        )


def _typed_column(frame: pd.DataFrame, spec: Col) -> pd.Series | None:
    present = [n for n in spec.names if n in frame.columns]
    if len(present) != 1 or spec.regex is not None or spec.fmt is not None:
        return None
    values = frame[present[0]]
    return values if pd.api.types.is_datetime64_any_dtype(values.dtype) else None


def _times_typed(values: pd.Series, tz: Any) -> tuple[pd.Series, pd.Series] | None:
    """Timezone-aware datetimes checked as they are: exactly what their ISO text would read as; None when unsure.

    The text path (:func:`_times` over :func:`iso_text`) reads whole columns of 64 or more
    timezone-aware values, with offsets in whole minutes up to ±18:00 and years 1970-2199, as
    these instants with precision ``second``, in ``tz`` or else in the first value's offset.
    Anything else (a gap, a naive or odd value, a short column) returns None: the text path
    then names every bad cell.
    """
    from receiptkit.timeparse import _MAX_OFFSET_MINUTES, _YEARS, resolve_tz

    if len(values) < 64 or not isinstance(values.dtype, pd.DatetimeTZDtype) or values.isna().any():
        return None
    # integers of the column's unit: UTC instants (years and fractions of a second read off them)
    unit = values.dt.unit
    instants = np.asarray(values.array.asi8)
    low, high = (
        int(np.datetime64(f"{year}-01-01", unit).astype(np.int64)) for year in (_YEARS[0], _YEARS[1] + 1)
    )
    if instants.min() < low or instants.max() >= high:
        return None
    per_second = int(np.timedelta64(1, "s") / np.timedelta64(1, unit))
    wall = np.asarray(values.dt.tz_localize(None).array.asi8)
    offsets = wall - instants  # each value's UTC offset, in the unit
    if (offsets % (60 * per_second)).any() or np.abs(offsets).max() > _MAX_OFFSET_MINUTES * 60 * per_second:
        return None
    if (instants % per_second).any():
        return None  # fractions of a second (whole-minute offsets: the same on the wall): the text path decides the unit
    utc = values.dt.tz_convert("UTC")
    first = values.iloc[0].isoformat(sep=" ")
    # the unit and zone the text path gives: pandas' own reading of the first value
    unit = pd.to_datetime(pd.Series([first]), format="ISO8601", utc=True).dtype.unit
    zone = resolve_tz(tz)
    target = zone if zone is not None else pd.Timestamp(first).tzinfo
    out = utc.astype(f"datetime64[{unit}, UTC]").dt.tz_convert(target)
    precision = constant_text("second", len(values))  # built by pyarrow, not a Python object per row
    precision.index = values.index
    return out, precision


def _times(
    values: pd.Series,
    origin: pd.Series,
    lines: np.ndarray,
    problems: list[Problem],
    tz: Any,
    fmt: str | None,
    ref: Any,
    dayfirst: bool,
) -> tuple[pd.Series, pd.Series]:
    from receiptkit.timeparse import _fast_parse, resolve_tz

    zone = resolve_tz(tz)
    if values.notna().all():
        fast = _fast_parse(values, zone, fmt)
        if fast is not None:
            return fast
    stamps: list[Any] = []
    precisions: list[Any] = []
    for position, value in enumerate(values):
        if value is pd.NA:
            stamps.append(pd.NaT)
            precisions.append(pd.NA)
            continue
        try:
            parsed = parse_time(value, zone, ref=ref, dayfirst=dayfirst, fmt=fmt)
        except TimeParseError as exc:
            problems.append(Problem(int(lines[position]), str(origin.iloc[position]), value, exc.reason))
            stamps.append(pd.NaT)
            precisions.append(pd.NA)
            continue
        stamps.append(parsed.ts)
        precisions.append(parsed.precision)
    target: dt.tzinfo | str | None = zone
    if target is None:
        target = next((s.tzinfo for s in stamps if s is not pd.NaT), "UTC")
    series = pd.Series(
        pd.DatetimeIndex([s if s is pd.NaT else s.tz_convert(target) for s in stamps], tz=target),
        index=values.index,
    )
    return series, pd.Series(precisions, index=values.index, dtype=STRING)


# A time of day as exports write it in a column of its own beside a date column: 14:32, 14:32:05,
# 14:32:05.123, 2:32 PM, 143205, 1432 (digits of any script read as the digits they are).
_TIME_OF_DAY = re.compile(
    r"(?:[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:\s*[AaPp]\.?[Mm]\.?)?|[0-9]{4}(?:[0-9]{2})?)"
)


# A clock time other than midnight (a workbook's date cell may be shown as "2026-01-15 00:00:00")
_CLOCK_IN_DATE = re.compile(r"(?<![0-9:])(?!0{1,2}:00(?::00(?:\.0+)?)?(?![0-9:.]))[0-9]{1,2}:[0-9]{2}")


def times_of_day(frame: pd.DataFrame, date: str, times: Sequence[str], lines: np.ndarray) -> list[Problem]:
    """The cells of a date column and its ``times`` columns that do not say what their column does.

    A layout that writes the date and the time in two columns (``记账日期`` + ``记账时间``) has them
    joined for the time parser, which reads whatever it is given as one instant: a date in the time
    cell (``2025-08-22`` + ``2026-01-15``) was read as 19:26 the next day, a second time
    (``09:30:15 09:30:15``) as one of them, and a clock time in the date cell (``2026-01-15
    24:00:00`` + ``093015``) was dropped for the time cell's. Each is a :class:`Problem` naming its
    cell: a time cell that is not a time of day, a date cell holding a clock time other than
    midnight. Empty cells are not problems here (a date alone).
    """
    problems: list[Problem] = []
    if date in frame.columns:
        dates = frame[date].astype(STRING)
        clocked = dates.str.contains(r"[0-9]:[0-9]", regex=True).fillna(False).to_numpy(dtype=bool)
        for position in np.flatnonzero(clocked):
            value = frame[date].iloc[position]
            if _CLOCK_IN_DATE.search(ascii_digits(unicodedata.normalize("NFKC", str(value)))):
                reason = f"a clock time in the date column: the time of day is in {', '.join(times)}"
                problems.append(Problem(int(lines[position]), date, value, reason))
    for column in times:
        if column not in frame.columns:
            continue
        values = frame[column].astype(STRING).str.strip()
        fine = (values.isna() | (values == "") | values.str.fullmatch(_TIME_OF_DAY.pattern)).fillna(True)
        for position in np.flatnonzero(~fine.to_numpy(dtype=bool)):
            value = frame[column].iloc[position]
            if _TIME_OF_DAY.fullmatch(ascii_digits(unicodedata.normalize("NFKC", str(value))).strip()):
                continue
            reason = f"not a time of day: this column holds the time of the day in {date} (14:32:05)"
            problems.append(Problem(int(lines[position]), column, value, reason))
    return problems


def local_day(stamps: pd.Series) -> pd.Series:
    """The calendar day of each time in its own zone, as naive midnight (``datetime64[ns]``); NaT when not times."""
    if not pd.api.types.is_datetime64_any_dtype(stamps.dtype):
        return pd.Series(pd.NaT, index=stamps.index, dtype="datetime64[ns]")
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_localize(None)
    return stamps.dt.normalize().astype("datetime64[ns]")


def problems_frame(problems: Sequence[Problem], source: str) -> list[dict[str, Any]]:
    """The rejected-cells report as plain records (``file, row, column, value, reason``) for ``frame.attrs``.

    Values are masked (card numbers, expiry dates); :func:`receiptkit.rejected`
    turns the records back into a DataFrame.
    """
    return report_records(problems, source, mask=mask_pans_in_text)


TableFinish = Callable[[pd.DataFrame, RawTable], pd.DataFrame]
