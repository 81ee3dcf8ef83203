"""pandas conventions (docs/journal.md, docs/proofs.md) and the accountant's exports (docs/reports.md)."""

from __future__ import annotations

import csv
import io
import json
import pickle
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from .gen import HOSTILE

UNSAFE_START = tuple("=+-@＝＋－＠\t\r")


def _key(df: pd.DataFrame) -> str | None:
    for k in ("proof_id", "txn_id", "line_id"):
        if k in df.columns:
            return k
    return None


def _parquet_ready(df: pd.DataFrame) -> pd.DataFrame:
    """docs/proofs.md: proofs go to Parquet 'after raw, a column of dicts, is turned into text'."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object and out[c].map(lambda v: isinstance(v, (dict, list))).any():
            out[c] = out[c].map(lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True, default=str))
    return out


def check_frame(df: Any, label: str, money_cols: tuple[str, ...] = ("amount_minor",)) -> dict[str, str]:
    """Check name -> 'ok' or what failed."""
    res: dict[str, str] = {}

    def run(name: str, fn: Any) -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = fn()
            res[name] = "ok" if r in (None, True) else str(r)
        except Exception as e:
            res[name] = f"{type(e).__name__}: {str(e)[:300]}"

    run(
        "type",
        lambda: None if type(df) is pd.DataFrame else f"type is {type(df).__module__}.{type(df).__name__}",
    )
    if type(df) is not pd.DataFrame and not isinstance(df, pd.DataFrame):
        return res

    def attrs_plain() -> str | None:
        json.dumps(df.attrs)
        pickle.dumps(df.attrs)
        bad = [k for k, v in df.attrs.items() if isinstance(v, (pd.DataFrame, pd.Series))]
        return f"attrs hold frames: {bad}" if bad else None

    run("attrs_json_pickle", attrs_plain)
    run("astype_object", lambda: None if len(df.astype(object)) == len(df) else "length changed")

    def concat() -> str | None:
        c = pd.concat([df, df])
        return None if len(c) == 2 * len(df) else "length"

    run("concat", concat)
    k = _key(df)
    if k:

        def merge() -> str | None:
            m = df.merge(df, on=k)
            json.dumps(m.attrs)
            return None if len(m) == len(df) else f"merge on {k}: {len(m)} rows of {len(df)}"

        run("merge", merge)

    def pkl() -> str | None:
        back = pickle.loads(pickle.dumps(df))
        pd.testing.assert_frame_equal(back, df)
        return None

    run("pickle", pkl)

    def parquet() -> str | None:
        ready = _parquet_ready(df)
        buf = io.BytesIO()
        ready.to_parquet(buf)
        back = pd.read_parquet(io.BytesIO(buf.getvalue()))
        pd.testing.assert_frame_equal(back, ready, check_dtype=True)
        for c in ready.columns:
            if isinstance(ready[c].dtype, pd.DatetimeTZDtype) and str(back[c].dtype) != str(ready[c].dtype):
                return f"{c}: tz {ready[c].dtype} -> {back[c].dtype}"
        return None

    run("parquet", parquet)

    def dask(convert_string: bool) -> str | None:
        import dask
        import dask.dataframe as dd

        with dask.config.set({"dataframe.convert-string": convert_string}):
            back = dd.from_pandas(df, npartitions=2).compute()
        # with dask's default string conversion the dtypes of text columns change by design: values only
        pd.testing.assert_frame_equal(back, df, check_dtype=not convert_string)
        return None

    # dask's default turns object columns into strings (its own convention): a column of dicts or lists
    # (proofs' raw, match's candidate ids) comes back as text; checked apart from the library's own round trip
    run("dask", lambda: dask(False))
    run("dask_default_config", lambda: dask(True))

    def money() -> str | None:
        bad = [c for c in money_cols if c in df.columns and not pd.api.types.is_integer_dtype(df[c])]
        return f"money columns not integer: {[(c, str(df[c].dtype)) for c in bad]}" if bad else None

    run("money_integer", money)

    def ts_aware() -> str | None:
        bad = [
            c
            for c in ("ts", "ts_end")
            if c in df.columns and not isinstance(df[c].dtype, pd.DatetimeTZDtype) and df[c].notna().any()
        ]
        return f"time columns not timezone-aware: {[(c, str(df[c].dtype)) for c in bad]}" if bad else None

    run("ts_tz_aware", ts_aware)
    return res


def hostile_cells_csv(path: Path) -> list[str]:
    bad = []
    text = path.read_text(encoding="utf-8-sig")
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if any(h.split("(")[0][:6] in cell for h in HOSTILE) and cell.lstrip(
                " \u3000\u00a0\u200b"
            ).startswith(UNSAFE_START):
                bad.append(cell)
    return bad


def hostile_cells_xlsx(path: Path) -> list[str]:
    import openpyxl

    bad = []
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if c.data_type == "f":
                    bad.append(f"{ws.title}!{c.coordinate} formula {v!r}")
                elif (
                    isinstance(v, str)
                    and any(h.split("(")[0][:6] in v for h in HOSTILE)
                    and v.lstrip(" \u3000\u00a0\u200b").startswith(UNSAFE_START)
                ):
                    bad.append(f"{ws.title}!{c.coordinate} {v!r}")
    return bad


def hostile_html(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    bad = []
    if "<script>alert('rk')" in text or re.search(r"<script>alert\(", text):
        bad.append("raw <script>alert( in the page")
    return bad
