"""The journal as ``find`` last read it, kept beside the journal and keyed by the file's content.

At the counter the same journal is searched again and again; each ``receiptkit find`` is a new
process, so without a cache every search reads the whole file (26-31 s on 210,000 rows before the
vectorised reader). The cache is ``JOURNAL.receiptkit-cache.parquet``; it is used only when the
SHA-256 of the journal's bytes, the preset, the zone and the reader's own source all match what
it was written from, so a changed journal (or a changed receiptkit) is read afresh. The frame that
comes back is exactly the frame :func:`receiptkit.read_journal` gives (same columns, dtypes, attrs;
its warnings are shown again). Card numbers were masked before the frame was written.

Only ``find`` uses it: ``reprint`` always reads the journal itself, since the duplicate is evidence.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["CACHE_SUFFIX", "cache_path", "read_journal_cached"]

CACHE_SUFFIX = ".receiptkit-cache.parquet"
_FORMAT = 1
_META_KEY = b"receiptkit.journal_cache"


def cache_path(journal: Path) -> Path:
    """Where the cache of ``journal`` lives: beside it."""
    return journal.with_name(journal.name + CACHE_SUFFIX)


def _reader_fingerprint() -> str:
    """A hash of the reader's own source: a cache written by other code is never trusted."""
    import receiptkit
    from receiptkit import arrowtext, money, pan, schema, timeparse
    from receiptkit.readers import journal, presets, table

    digest = hashlib.sha256(receiptkit.__version__.encode())
    for module in (journal, presets, table, schema, money, pan, timeparse, arrowtext):
        source = getattr(module, "__file__", None)
        if source:
            digest.update(Path(source).read_bytes())
    digest.update(pd.__version__.encode())
    return digest.hexdigest()


def _key(journal: Path, preset: str | None, tz: str | None) -> str:
    digest = hashlib.sha256()
    with open(journal, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    parts = {"format": _FORMAT, "journal": digest.hexdigest(), "preset": preset, "tz": tz}
    parts["reader"] = _reader_fingerprint()
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _load(path: Path, key: str, tz: str) -> tuple[pd.DataFrame, list[list[str]]] | None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from receiptkit.schema import STRING

    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {}).get(_META_KEY, b"{}"))
        if meta.get("key") != key:
            return None
        frame = table.to_pandas(
            types_mapper=lambda kind: STRING if kind in (pa.string(), pa.large_string()) else None
        )
        # times were written in UTC; read_journal gives them in the zone passed as tz
        frame["ts"] = frame["ts"].dt.tz_convert(tz)
        frame.attrs = meta["attrs"]
        return frame, meta["warnings"]
    except Exception:  # an unreadable or foreign cache is read afresh, never trusted
        return None


def _store(path: Path, frame: pd.DataFrame, key: str, caught: list[list[str]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = frame.copy()
    out.attrs = {}
    out["ts"] = out["ts"].dt.tz_convert("UTC")
    table = pa.Table.from_pandas(out, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[_META_KEY] = json.dumps({"key": key, "attrs": frame.attrs, "warnings": caught}).encode()
    table = table.replace_schema_metadata(meta)
    try:
        handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    except OSError:  # a read-only folder: no cache, the next search reads the journal again
        return
    os.close(handle)
    try:  # written whole and then renamed: a reader never sees half a cache
        pq.write_table(table, temporary)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _warning_class(name: str) -> type[Warning]:
    from receiptkit.readers.journal import RejectedRowsWarning
    from receiptkit.schema import FullPanWarning

    return {"FullPanWarning": FullPanWarning, "RejectedRowsWarning": RejectedRowsWarning}.get(
        name, UserWarning
    )


def read_journal_cached(
    journal: Path,
    *,
    preset: str | None,
    tz: str,
    progress: Callable[[str], Any] | None = None,
) -> tuple[pd.DataFrame, bool]:
    """``receiptkit.read_journal(journal, preset=preset, tz=tz)``, from the cache when it is current.

    Returns the frame and whether it came from the cache. ``progress(text)`` is told what is
    happening (for a status line). Errors are those of ``read_journal`` (a missing, unreadable
    or folder path too). A folder (a partitioned Parquet dataset) is read without the cache.
    """
    import receiptkit as rk
    from receiptkit.errors import JournalError
    from receiptkit.readers.table import read_failure

    journal = Path(journal)
    if (
        not journal.is_file()
    ):  # missing (a typed error naming it), or a folder: a Parquet dataset is not cached
        return rk.read_journal(journal, preset=preset, tz=tz), False
    target = cache_path(journal)
    try:
        key = _key(journal, preset, tz)
    except OSError as exc:  # there but unreadable: the same error read_journal gives
        raise JournalError(read_failure(exc), file=str(journal)) from None
    if target.is_file():
        if progress:
            progress(f"reading {journal.name} (cached)")
        loaded = _load(target, key, tz)
        if loaded is not None:
            frame, caught = loaded
            for category, message in caught:
                warnings.warn(message, _warning_class(category), stacklevel=2)
            return frame, True
    if progress:
        progress(f"reading {journal.name}")
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        frame = rk.read_journal(journal, preset=preset, tz=tz)
    caught = [[type(r.message).__name__, str(r.message)] for r in records]
    for record in records:
        warnings.warn(record.message, stacklevel=2)
    if progress:
        progress(f"keeping {journal.name} for the next search")
    _store(target, frame, key, caught)
    return frame, False
