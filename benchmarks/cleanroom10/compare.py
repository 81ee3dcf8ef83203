"""Read a written file with the documented public reader and compare it with the oracle, field by field."""

from __future__ import annotations

import io
import unicodedata
import warnings
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

import receiptkit as rk

from .gen import EXPONENT, Line, Written

RIGHT, LOST, TYPED, UNNAMED, SILENT, CRASH = "right", "lost", "typed", "typed_unnamed", "SILENT", "crash"
TYPED_FILE = "typed_file"  # a typed error naming the file only (no row, no column)


@dataclass
class Outcome:
    status: str  # frame / typed / typed_unnamed / crash
    frame: pd.DataFrame | None = None
    error: BaseException | None = None
    warnings: list[str] = field(default_factory=list)


def read(
    w: Written,
    data: bytes | None = None,
    *,
    strict: bool = True,
    name: str | None = None,
    mode: str = "path",
    kwargs: dict[str, Any] | None = None,
) -> Outcome:
    """Read ``data`` (default: the written bytes) as the file would be read: a path in a temp folder, or
    (``mode="bytes"``) an upload: a binary file object."""
    import tempfile
    from pathlib import Path

    data = w.data if data is None else data
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / (name or w.name)
        p.write_bytes(data)
        fn = {"proofs": rk.read_proofs, "journal": rk.read_journal, "settlement": rk.read_settlement}[
            w.reader
        ]
        src: Any = str(p) if mode == "path" else io.BytesIO(data)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                df = fn(src, strict=strict, **{**w.kwargs, **(kwargs or {})})
            except rk.ReceiptkitError as e:
                named = getattr(e, "row", None) is not None or getattr(e, "column", None) is not None
                st = TYPED if named else (TYPED_FILE if getattr(e, "file", None) else UNNAMED)
                return Outcome(st, error=e, warnings=[str(c.message) for c in caught])
            except Exception as e:
                return Outcome(CRASH, error=e, warnings=[str(c.message) for c in caught])
        return Outcome("frame", frame=df, warnings=[str(c.message) for c in caught])


def _norm(s: Any) -> str:
    if s is None or (not isinstance(s, str) and pd.isna(s)):
        return ""
    return " ".join(unicodedata.normalize("NFC", str(s)).split())


def _day(v: Any) -> date | None:
    if v is None or (not isinstance(v, (str, date)) and pd.isna(v)):
        return None
    try:
        t = pd.Timestamp(v)
    except (ValueError, TypeError):
        return None
    return t.date()


def _is_na(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def compare_proof(row: pd.Series, x: Line, w: Written) -> dict[str, str]:
    """Field -> 'ok' / 'lost' / 'wrong: ...' for one proofs row against its oracle line."""
    res: dict[str, str] = {}

    def put(k: str, ok: bool, got: Any, want: Any, lost: bool = False) -> None:
        res[k] = "ok" if ok else ("lost" if lost else f"wrong: got {got!r}, want {want!r}")

    am = row.get("amount_minor")
    put(
        "amount_minor",
        not _is_na(am) and int(am) == x.minor and not isinstance(am, float),
        am,
        x.minor,
        _is_na(am),
    )
    cur = row.get("currency")
    put("currency", cur == x.currency, cur, x.currency, _is_na(cur))
    d = row.get("direction")
    put("direction", d == x.direction, d, x.direction, _is_na(d))
    dd = _day(row.get("date"))
    put("date", dd == x.day, row.get("date"), x.day, dd is None)
    ts = row.get("ts")
    prec = row.get("ts_precision")
    if x.ts is not None:
        if _is_na(ts):
            res["ts"] = "lost"
        else:
            t = pd.Timestamp(ts)
            ok = t.tzinfo is not None and t == pd.Timestamp(x.ts)
            put("ts", ok, str(t), x.ts.isoformat())
        put("ts_precision", prec == x.precision, prec, x.precision, _is_na(prec) or prec == "day")
    else:
        put("ts", _is_na(ts), ts, None)
        put("ts_precision", _is_na(prec) or prec == "day", prec, "day")
    if w.text_check:
        mt = _norm(row.get("merchant_text"))
        want = _norm(x.text)
        put("text", want in mt, row.get("merchant_text"), x.text, mt == "")
    if x.ref:
        vals = [_norm(row.get(c)) for c in ("reference", "wallet_txn_id", "order_no")]
        ok = any(v == x.ref or x.ref in v.split() for v in vals)
        put("ref", ok, vals, x.ref, all(v == "" for v in vals))
    return res


def compare_journal(row: pd.Series, x: Line, w: Written) -> dict[str, str]:
    res: dict[str, str] = {}

    def put(k: str, ok: bool, got: Any, want: Any) -> None:
        res[k] = "ok" if ok else ("lost" if _is_na(got) else f"wrong: got {got!r}, want {want!r}")

    am = row.get("amount_minor")
    put("amount_minor", not _is_na(am) and int(am) == x.minor, am, x.minor)
    put("currency", row.get("currency") == x.currency, row.get("currency"), x.currency)
    tt = "sale" if x.signed < 0 else "refund"
    put("txn_type", row.get("txn_type") == tt, row.get("txn_type"), tt)
    ts = row.get("ts")
    assert x.ts is not None
    put("ts", not _is_na(ts) and pd.Timestamp(ts).tzinfo is not None and pd.Timestamp(ts) == pd.Timestamp(x.ts),
        ts, x.ts.isoformat())  # fmt: skip
    put("text", _norm(row.get("merchant_name")) == _norm(x.text), row.get("merchant_name"), x.text)
    if x.ref:
        put("ref", _norm(row.get("wallet_txn_id")) == x.ref, row.get("wallet_txn_id"), x.ref)
    return res


def compare_settlement(row: pd.Series, x: Line, w: Written) -> dict[str, str]:
    res: dict[str, str] = {}

    def put(k: str, ok: bool, got: Any, want: Any) -> None:
        res[k] = "ok" if ok else ("lost" if _is_na(got) else f"wrong: got {got!r}, want {want!r}")

    for col, key in (("gross_minor", "gross"), ("fee_minor", "fee"), ("net_minor", "net")):
        want = int(Decimal(x.extra[key]) * 100)
        got = row.get(col)
        put(col, not _is_na(got) and int(got) == want, got, want)
    put("currency", row.get("currency") == "CNY", row.get("currency"), "CNY")
    put("date", _day(row.get("settlement_date")) == x.day, row.get("settlement_date"), x.day)
    put("batch", _norm(row.get("batch_no")) == x.extra["batch"], row.get("batch_no"), x.extra["batch"])
    return res


COMPARE = {"proofs": compare_proof, "journal": compare_journal, "settlement": compare_settlement}


def score_lines(
    w: Written, df: pd.DataFrame, lines: list[Line] | None = None
) -> list[tuple[str, dict[str, str]]]:
    """Per oracle line: (verdict, field results). Rows are aligned in file order; a missing row is SILENT."""
    lines = w.lines if lines is None else lines
    cmp = COMPARE[w.reader]
    frame = df.reset_index(drop=True)
    if "source_row" in frame.columns and frame["source_row"].notna().all():
        frame = frame.sort_values("source_row", kind="stable").reset_index(drop=True)
    out: list[tuple[str, dict[str, str]]] = []
    used: set[int] = set()
    for i, x in enumerate(lines):
        best: tuple[int, int, dict[str, str]] | None = None
        cand = [i] + [j for j in range(len(frame)) if j != i] if i < len(frame) else list(range(len(frame)))
        for j in cand:
            if j in used:
                continue
            r = cmp(frame.iloc[j], x, w)
            good = sum(v == "ok" for v in r.values())
            if best is None or good > best[0]:
                best = (good, j, r)
            if good == len(r):
                break
        if best is None:
            out.append((SILENT, {"row": "missing: no row read for this line"}))
            continue
        used.add(best[1])
        r = best[2]
        if all(v == "ok" for v in r.values()):
            out.append((RIGHT, r))
        elif any(v.startswith("wrong") for v in r.values()):
            out.append((SILENT, r))
        else:
            out.append((LOST, r))
    extra = len(frame) - len(used)
    for _ in range(max(0, extra)):
        out.append((SILENT, {"row": "extra: a row read that no line wrote"}))
    return out


def money_sums_exact(df: pd.DataFrame, lines: list[Line], reader: str) -> str | None:
    """Group sums of money per currency (and direction) against the oracle's exact Python-int sums."""
    if reader == "proofs":
        if not pd.api.types.is_integer_dtype(df["amount_minor"]):
            return f"amount_minor dtype {df['amount_minor'].dtype}"
        got = {
            (k[0], k[1]): int(v)
            for k, v in df.groupby(["currency", "direction"])["amount_minor"].sum().items()
        }
        want: dict[tuple[str, str], int] = {}
        for x in lines:
            want[(x.currency, x.direction)] = want.get((x.currency, x.direction), 0) + x.minor
    elif reader == "journal":
        if not pd.api.types.is_integer_dtype(df["amount_minor"]):
            return f"amount_minor dtype {df['amount_minor'].dtype}"
        got = {(k, ""): int(v) for k, v in df.groupby("currency")["amount_minor"].sum().items()}
        want = {}
        for x in lines:
            want[(x.currency, "")] = want.get((x.currency, ""), 0) + x.minor
    else:
        for c in ("gross_minor", "fee_minor", "net_minor"):
            if not pd.api.types.is_integer_dtype(df[c]):
                return f"{c} dtype {df[c].dtype}"
        got = {("CNY", "gross"): int(df["gross_minor"].sum())}
        want = {("CNY", "gross"): sum(int(Decimal(x.extra["gross"]) * 100) for x in lines)}
    if got != want:
        return f"group sums {got} != oracle {want}"
    return None


def minor_of(v: Decimal, cur: str) -> int:
    return int(v * (10 ** EXPONENT[cur]))


def to_bytes_io(b: bytes) -> io.BytesIO:
    return io.BytesIO(b)
