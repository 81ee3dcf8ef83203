"""One reader protocol and one registry for every source format.

Every reader, whatever it reads (a customer's proof, a merchant's journal, an
acquirer's settlement file), is a :class:`Reader`:

- ``name``: the name users pass as ``format=`` / ``preset=``;
- ``target``: what it produces, ``"proofs"``, ``"journal"`` or ``"settlement"``;
- ``sniff(head: Head) -> float``: how sure it is that the source is its format,
  from ``0.0`` (not mine) to ``1.0`` (certainly mine);
- ``read(source, *, tz=None, strict=True, name=None, **options) -> DataFrame``:
  the canonical frame of its target.

A :class:`Head` is the start of one source, decoded once and shared by every
sniffer (raw bytes, the text, the cells of the first rows of a CSV or
workbook, the columns of a DataFrame): a reader never opens the file itself
to sniff. :data:`REGISTRY` holds the readers of each target in sniffing order;
:func:`~receiptkit.read_proofs`, :func:`~receiptkit.read_journal` and
:func:`~receiptkit.readers.settlement.read_settlement` all sniff through it.
The highest score wins, the earlier-registered reader on a tie, and a score of
``1.0`` ends the search.

Declared layouts (:class:`~receiptkit.readers.spec.TableSpec` subclasses) are
readers themselves when they belong to a target's shelf (journal presets,
settlement specs); proof formats that hold several layouts (banks, wallets,
PayPal, Stripe) are one reader each, whose ``read`` picks the layout.

>>> from receiptkit.readers.protocol import REGISTRY, Head
>>> head = Head(b"balance_transaction_id,created_utc,gross,reporting_category\\n", name="x.csv")
>>> REGISTRY.sniff(head, "journal").name, REGISTRY.sniff(head, "proofs").name
('stripe_balance', 'stripe')
"""

from __future__ import annotations

import csv
import importlib
import io
import warnings
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from receiptkit.errors import ReceiptkitError
from receiptkit.readers.table import (
    STRIP_CHARS,
    _cell_text,
    _read_bytes,
    check_workbook,
    decode_bytes,
    excel_engine,
    head_text,
    source_name,
    workbook_suffix,
)

__all__ = ["REGISTRY", "TARGETS", "Head", "ModuleReader", "Reader", "Registry"]

#: What readers produce.
TARGETS: tuple[str, ...] = ("proofs", "journal", "settlement")

_WORKBOOKS = (".xlsx", ".xlsm", ".xls")
_PARQUET = (".parquet", ".pq")
#: How far sniffers look: bytes of a text file, lines of text, rows of a workbook.
HEAD_BYTES = 65536
HEAD_LINES = 80
HEAD_SHEET_ROWS = 40


class Head:
    """The start of one source, as sniffers look at it; each view is computed once, on first use.

    - :attr:`data`: the first bytes (empty for a DataFrame);
    - :attr:`text`: the first bytes decoded leniently (UTF-8, else GB18030), or
      a workbook's first rows as comma-joined lines;
    - :meth:`rows`: the cells of each of the first lines or rows (a DataFrame's or
      Parquet file's columns as one row), for header tests;
    - :attr:`suffix`, :attr:`name`, :attr:`source`.

    ``encoding`` forces one text encoding (a user's ``encoding=``).
    A workbook or Parquet file that cannot be opened raises
    :class:`~receiptkit.errors.ReceiptkitError` naming the file.
    """

    def __init__(self, source: Any, name: str | None = None, *, encoding: str | None = None) -> None:
        if isinstance(source, io.IOBase | bytearray | memoryview):
            name = name or source_name(source)
            source = _read_bytes(source) if isinstance(source, io.IOBase) else bytes(source)
        self.source = source
        self.name = name or ("<DataFrame>" if isinstance(source, pd.DataFrame) else source_name(source))
        self.encoding = encoding
        self._rows: dict[tuple[str, ...] | None, list[frozenset[str]]] = {}

    @cached_property
    def suffix(self) -> str:
        """The lower-case suffix of a path source; ``.xlsx``/``.xls`` for workbook bytes; else ``""``."""
        if isinstance(self.source, str | Path):
            return Path(self.source).suffix.lower()
        return workbook_suffix(self.source)

    @property
    def is_workbook(self) -> bool:
        """A ``.xlsx``/``.xlsm``/``.xls`` path."""
        return self.suffix in _WORKBOOKS

    @cached_property
    def data(self) -> bytes:
        """The first :data:`HEAD_BYTES` bytes of the source (empty for a DataFrame)."""
        if isinstance(self.source, pd.DataFrame):
            return b""
        if isinstance(self.source, str | Path):
            with open(self.source, "rb") as handle:
                return handle.read(HEAD_BYTES)
        return bytes(self.source[:HEAD_BYTES])

    @cached_property
    def sheet(self) -> pd.DataFrame:
        """A workbook's first :data:`HEAD_SHEET_ROWS` rows, every cell an object (no header)."""
        if self.suffix != ".xls":
            check_workbook(self.source, self.name)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return pd.read_excel(
                    io.BytesIO(self.source) if isinstance(self.source, bytes) else self.source,
                    header=None,
                    dtype=object,
                    nrows=HEAD_SHEET_ROWS,
                    engine=excel_engine(self.suffix),
                )
        except Exception as exc:  # calamine/openpyxl/xlrd raise many kinds
            raise ReceiptkitError(
                f"not a readable {self.suffix} workbook ({exc})", file=self.name, row=1
            ) from None

    @cached_property
    def text(self) -> str:
        """The start of the source as text: decoded leniently, or a workbook's rows as comma-joined lines."""
        if isinstance(self.source, pd.DataFrame):
            return ",".join(str(c) for c in self.source.columns)
        if self.is_workbook:
            cells = self.sheet.astype(str).where(self.sheet.notna(), "")
            return "\n".join(",".join(str(c).strip() for c in row) for row in cells.to_numpy())
        return head_text(self.data if not isinstance(self.source, str | Path) else self.source)

    @cached_property
    def columns(self) -> list[str] | None:
        """The columns of a DataFrame or Parquet source (None for text and workbooks)."""
        if isinstance(self.source, pd.DataFrame):
            return [str(c).strip() for c in self.source.columns]
        if self.suffix in _PARQUET:
            import pyarrow.parquet as pq

            try:  # the schema only: sniffing never reads the rows
                schema = pq.read_schema(self.source)
            except Exception as exc:
                raise ReceiptkitError(f"not a readable Parquet file ({exc})", file=self.name) from None
            # the columns pandas reads back as columns (a saved index is not one)
            index = {c for c in (schema.pandas_metadata or {}).get("index_columns", []) if isinstance(c, str)}
            return [str(n) for n in schema.names if n not in index]
        return None

    def rows(self, encodings: tuple[str, ...] | None = None) -> list[frozenset[str]]:
        """The cells of each of the first lines (or workbook rows), stripped of padding and backticks.

        ``encodings``: a layout's own list, tried in order (default UTF-8 then GB18030); a
        forced ``encoding`` given to the head wins.
        """
        key = None if self.encoding else encodings
        if key not in self._rows:
            self._rows[key] = self._compute_rows(encodings)
        return self._rows[key]

    def _compute_rows(self, encodings: tuple[str, ...] | None) -> list[frozenset[str]]:
        if self.columns is not None:
            return [frozenset(self.columns)]
        if self.is_workbook:
            return [
                frozenset(_cell_text(v).strip(STRIP_CHARS) for v in row)
                for row in self.sheet.itertuples(index=False)
            ]
        if self.encoding:
            data = self.source if isinstance(self.source, bytes) else Path(self.source).read_bytes()
            text = decode_bytes(data, (self.encoding,), self.name)
        elif encodings is None:
            text = self.text
        else:
            text = head_text(self.data, encodings=encodings)
        rows = []
        for line in text.splitlines()[:HEAD_LINES]:
            try:
                tabbed = line.count("\t") > line.count(",")  # a tab-separated export
                cells = next(csv.reader([line], delimiter="\t" if tabbed else ","), [])
            except csv.Error:
                cells = line.split(",")
            rows.append(frozenset(c.strip(STRIP_CHARS) for c in cells))
        return rows


@runtime_checkable
class Reader(Protocol):
    """A source format: recognises its files and reads them into one canonical frame."""

    @property
    def name(self) -> str:
        """The name users give as ``format=`` (proofs, settlement) or ``preset=`` (journal)."""
        ...

    @property
    def target(self) -> str:
        """What :meth:`read` returns: ``"proofs"``, ``"journal"`` or ``"settlement"``."""
        ...

    def sniff(self, head: Head) -> float:
        """How sure the reader is that ``head`` starts a file of its format (0.0 to 1.0)."""
        ...

    def read(
        self,
        source: Any,
        *,
        tz: str | None = None,
        strict: bool = True,
        name: str | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        """Read ``source`` into the canonical frame of :attr:`target`."""
        ...


class ModuleReader:
    """A reader module (``sniff(text) -> bool``, ``read(source, **options)``) seen as a :class:`Reader`.

    ``sniff_head`` replaces the text test when the module looks at something else
    (the screenshot reader looks at image signatures). A module that reads several
    declared layouts lists them in ``layouts`` (name -> spec, a live mapping) and
    names the ``read`` option that picks one in ``layout_option``: then
    ``format=<layout name>`` reaches it through ``read_proofs``.
    """

    def __init__(
        self,
        name: str,
        module: Any,
        *,
        target: str = "proofs",
        sniff_head: Callable[[Head], bool] | None = None,
        description: str = "",
        layouts: Mapping[str, Any] | None = None,
        layout_option: str = "format",
    ) -> None:
        self.name = name
        self.module = module
        self.target = target
        self.layouts: Mapping[str, Any] = layouts if layouts is not None else {}
        self.layout_option = layout_option
        self._sniff_head = sniff_head
        self.description = description or (module.__doc__ or "").strip().splitlines()[0]

    def sniff(self, head: Head) -> float:
        """1.0 when the module's ``sniff`` claims the head's text (or ``sniff_head`` the head), else 0.0."""
        if self._sniff_head is not None:
            return 1.0 if self._sniff_head(head) else 0.0
        return 1.0 if self.module.sniff(head.text) else 0.0

    def read(
        self,
        source: Any,
        *,
        tz: str | None = None,
        strict: bool = True,
        name: str | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        """The module's ``read``."""
        frame: pd.DataFrame = self.module.read(source, tz=tz, strict=strict, name=name, **options)
        return frame

    def __repr__(self) -> str:
        return f"<reader {self.target}:{self.name} ({self.module.__name__})>"


# Modules whose import fills a target's shelf (imported on first use: no import loop).
_SHELF_MODULES = {
    "proofs": "receiptkit.readers.proofs",
    "journal": "receiptkit.readers.presets",
    "settlement": "receiptkit.readers.settlement",
}


class Registry:
    """The readers of each target, by name, in sniffing order.

    Each target's shelf is a live mapping owned by the module that declares
    the formats (:data:`receiptkit.readers.proofs.FORMATS`,
    :data:`receiptkit.readers.presets.PRESETS`,
    :data:`receiptkit.readers.settlement.SPECS`): registering in one is
    registering here.
    """

    def __init__(self) -> None:
        self._shelves: dict[str, MutableMapping[str, Any]] = {}

    def add_shelf(self, target: str, shelf: MutableMapping[str, Any]) -> None:
        """Make ``shelf`` (name -> reader) the live list of ``target``'s readers."""
        if target not in TARGETS:
            raise ValueError(f"unknown target {target!r} (one of {', '.join(TARGETS)})")
        self._shelves[target] = shelf

    def shelf(self, target: str) -> MutableMapping[str, Any]:
        """The live name -> reader mapping of ``target``."""
        if target not in self._shelves:
            if target not in _SHELF_MODULES:
                raise ValueError(f"unknown target {target!r} (one of {', '.join(TARGETS)})")
            importlib.import_module(_SHELF_MODULES[target])
        return self._shelves[target]

    def readers(self, target: str | None = None) -> Iterator[Reader]:
        """Every reader of ``target`` (of all targets when None), in sniffing order."""
        for each in (target,) if target else TARGETS:
            yield from list(self.shelf(each).values())

    def get(self, target: str, name: str) -> Reader | None:
        """The reader of ``target`` called ``name``, or None."""
        reader: Reader | None = self.shelf(target).get(name)
        return reader

    def register(self, reader: Reader, *, replace: bool = False) -> Reader:
        """Add ``reader`` to its target's shelf (last in sniffing order); refuse to replace silently."""
        shelf = self.shelf(reader.target)
        if reader.name in shelf and not replace:
            raise ValueError(f"a {reader.target} reader named {reader.name!r} exists; pass replace=True")
        shelf[reader.name] = reader
        return reader

    def scores(self, head: Head, target: str) -> list[tuple[Reader, float]]:
        """Every reader of ``target`` with its score for ``head``, in sniffing order (for explaining)."""
        return [(reader, float(reader.sniff(head))) for reader in self.readers(target)]

    def sniff(self, head: Head, target: str) -> Reader | None:
        """The reader of ``target`` most sure of ``head`` (the first on a tie; 1.0 stops the search), or None."""
        best: Reader | None = None
        best_score = 0.0
        for reader in self.readers(target):
            score = float(reader.sniff(head))
            if score > best_score:
                best, best_score = reader, score
                if score >= 1.0:
                    break
        return best


#: The one registry of every reader (see the module docs).
REGISTRY = Registry()
