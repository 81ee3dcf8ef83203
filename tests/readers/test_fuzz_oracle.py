"""Fuzzing with an oracle (issue #18): write a known frame, damage it, read it back.

Hypothesis draws a small journal or proofs frame, writes it as the canonical
CSV (what ``frame.to_csv(index=False)`` writes), then applies one damage whose
meaning is known: a change that must read the same (full-width digits, padding
around a cell, CRLF line ends) or a change that makes the file wrong (a letter
in an amount, a cell cut in half, a cell too many, a cut file, bytes that are
not UTF-8, an impossible date). The reader must return exactly the original
frame, or raise a typed :class:`~receiptkit.errors.ReceiptkitError`: never a
different frame without an error. Budget: a few dozen examples per property.
"""

from __future__ import annotations

import io
import os
import re
import warnings

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import receiptkit as rk
from receiptkit.errors import ReceiptkitError
from receiptkit.money import MAX_MINOR

SAME = ("none", "fullwidth", "padding", "crlf")
WRONG = ("letter", "extra_cell", "cut_file", "bad_bytes", "bad_date", "huge")
BUDGET = settings(
    max_examples=int(os.environ.get("RK_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def journals(draw) -> pd.DataFrame:
    n = draw(st.integers(1, 8))
    seconds = draw(st.lists(st.integers(0, 86_399 * 30), min_size=n, max_size=n))
    amounts = draw(st.lists(st.integers(0, MAX_MINOR), min_size=n, max_size=n))
    frame = pd.DataFrame(
        {
            "txn_id": [f"T{i:03d}" for i in range(n)],
            "ts": [pd.Timestamp("2026-11-01 00:00:00+08:00") + pd.Timedelta(seconds=s) for s in seconds],
            "amount_minor": amounts,
            "currency": "CNY",
            "txn_type": draw(st.lists(st.sampled_from(["sale", "refund"]), min_size=n, max_size=n)),
            "status": "approved",
            "channel": "card",
            "merchant_name": draw(
                st.lists(st.sampled_from(["示例便利店", "Shop A", "店"]), min_size=n, max_size=n)
            ),
        }
    )
    return rk.validate_journal(frame)


def _damage(text: str, kind: str, draw) -> str:
    lines = text.split("\n")
    header = lines[0].split(",")
    row = draw(st.integers(1, len([x for x in lines if x]) - 1))
    cells = lines[row].split(",")
    amount = header.index("amount_minor")
    if kind == "fullwidth":
        cells[amount] = "".join(chr(0xFF10 + int(d)) for d in cells[amount])
    elif kind == "padding":
        cells[amount] = f"  {cells[amount]}\t"
    elif kind == "crlf":
        return text.replace("\n", "\r\n")
    elif kind == "letter":
        position = draw(st.integers(0, len(cells[amount])))
        cells[amount] = cells[amount][:position] + "x" + cells[amount][position:]
    elif kind == "extra_cell":
        cells.append("12")
    elif kind == "cut_file":
        cut = draw(st.integers(len(lines[0]) + 2, len(text.rstrip("\n")) - 1))
        return text[:cut]
    elif kind == "bad_date":
        ts = header.index("ts")
        cells[ts] = re.sub(r"^(\d{4})-\d{2}", r"\1-13", cells[ts], count=1)  # any month: UTC may be October
    elif kind == "huge":
        cells[amount] = str(MAX_MINOR + draw(st.integers(1, 10**20)))
    elif kind == "bad_bytes":
        return text  # applied on the bytes below
    lines[row] = ",".join(cells)
    return "\n".join(lines)


def _read(data: bytes) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rk.read_journal(data, preset="canonical")


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.drop(columns=["source", "source_row"], errors="ignore").reset_index(drop=True)
    out["ts"] = out["ts"].dt.tz_convert("UTC")
    return out


@BUDGET
@given(journal=journals(), kind=st.sampled_from(SAME + WRONG), data=st.data())
def test_canonical_journal_csv_reads_back_the_same_or_refuses(journal, kind, data) -> None:
    text = journal.to_csv(index=False)
    damaged = _damage(text, kind, data.draw)
    raw = damaged.encode("utf-8")
    if kind == "bad_bytes":
        position = data.draw(st.integers(len(text.split("\n")[0]) + 1, len(raw) - 1))
        raw = raw[:position] + b"\xff\xfe" + raw[position:]
    try:
        back = _read(raw)
    except ReceiptkitError as exc:
        assert kind in WRONG or kind == "bad_bytes", (kind, str(exc))
        assert exc.file is not None
        return
    expected = journal
    if kind == "cut_file" and damaged.endswith("\n"):
        # cut exactly at a line end: a shorter CSV, which no reader can tell from a complete one
        expected = journal.head(damaged.count("\n") - 1)
    pd.testing.assert_frame_equal(_comparable(back), _comparable(expected), check_dtype=False)
    assert kind in SAME or kind in ("cut_file", "bad_bytes"), kind


@st.composite
def proofs(draw) -> pd.DataFrame:
    n = draw(st.integers(1, 6))
    amounts = draw(st.lists(st.integers(0, MAX_MINOR), min_size=n, max_size=n))
    seconds = draw(st.lists(st.integers(0, 86_399 * 30), min_size=n, max_size=n))
    frame = pd.DataFrame(
        {
            "proof_id": [f"p{i}" for i in range(n)],
            "kind": "bank_statement",
            "ts": [pd.Timestamp("2026-11-01 00:00:00+08:00") + pd.Timedelta(seconds=s) for s in seconds],
            "amount_minor": amounts,
            "currency": "CNY",
            "direction": draw(st.lists(st.sampled_from(["debit", "credit"]), min_size=n, max_size=n)),
            "merchant_text": "Shop",
        }
    )
    return rk.validate_proofs(frame)


@BUDGET
@given(
    table=proofs(),
    kind=st.sampled_from(("none", "padding", "letter", "huge", "bad_date", "extra_cell")),
    data=st.data(),
)
def test_canonical_proofs_csv_and_parquet_read_back_the_same_or_refuse(table, kind, data) -> None:
    frame = table.drop(columns=["raw"])
    text = frame.to_csv(index=False)
    damaged = _damage(text, kind, data.draw)
    columns = ["proof_id", "amount_minor", "currency", "direction", "date"]
    try:
        back = rk.read_proofs(damaged.encode("utf-8"), name="p.csv")
    except ReceiptkitError as exc:
        assert kind not in ("none", "padding"), (kind, str(exc))
        assert exc.file == "p.csv"
    else:
        assert kind in ("none", "padding"), kind
        pd.testing.assert_frame_equal(back[columns], frame[columns], check_dtype=False)
        assert (back["ts"] == frame["ts"]).all()
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    back = rk.read_proofs(buffer.getvalue(), name="p.parquet")
    pd.testing.assert_frame_equal(back[columns], frame[columns], check_dtype=False)
