"""A proofs frame saved as CSV or Parquet reads back through read_proofs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.datasets import make_dataset
from receiptkit.demo import run_demo
from receiptkit.errors import ProofError
from receiptkit.readers.proofs import sniff_format


@pytest.fixture(scope="module")
def proofs() -> pd.DataFrame:
    return make_dataset(n_transactions=300, n_proofs=30, seed=3).proofs


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    columns = ["proof_id", "kind", "amount_minor", "currency", "direction", "ts_precision", "card_last4"]
    pd.testing.assert_frame_equal(a[columns].reset_index(drop=True), b[columns].reset_index(drop=True))
    assert (a["ts"].dropna().dt.tz_convert("UTC").tolist()) == (
        b["ts"].dropna().dt.tz_convert("UTC").tolist()
    )


def test_csv_round_trip(tmp_path: Path, proofs: pd.DataFrame) -> None:
    path = tmp_path / "proofs.csv"
    proofs.drop(columns=["raw"]).to_csv(path, index=False)
    assert sniff_format(path)[0] == "canonical"
    _same(rk.read_proofs(path), proofs)


def test_parquet_round_trip(tmp_path: Path, proofs: pd.DataFrame) -> None:
    path = tmp_path / "proofs.parquet"
    proofs.drop(columns=["raw"]).to_parquet(path)
    _same(rk.read_proofs(path), proofs)


def test_bad_cell_names_file_line_and_column(tmp_path: Path, proofs: pd.DataFrame) -> None:
    frame = proofs.drop(columns=["raw"]).astype({"amount_minor": "string"})
    frame.loc[frame.index[4], "amount_minor"] = "12.50"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(ProofError) as info:
        rk.read_proofs(path)
    assert (info.value.row, info.value.column) == (6, "amount_minor")  # header is line 1
    assert "bad.csv" in str(info.value)


def test_demo_proofs_reconcile_from_the_file(tmp_path: Path) -> None:
    run_demo(tmp_path / "demo", n_transactions=600, n_proofs=40, seed=2, slips=False)
    journal = rk.read_journal(tmp_path / "demo" / "journal.csv")
    proofs = rk.read_proofs(tmp_path / "demo" / "proofs.csv")
    assert len(proofs) == 40
    assert rk.match(proofs, journal)["status"].value_counts().sum() == 40


def test_a_row_with_cells_missing_or_too_many_is_refused_at_its_line(
    tmp_path: Path, proofs: pd.DataFrame
) -> None:
    """pandas would pad a short row (its last columns empty) or stop at line 1 on a long one."""
    path = tmp_path / "proofs.csv"
    proofs.drop(columns=["raw"]).to_csv(path, index=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    short = lines.copy()
    short[3] = ",".join(short[3].split(",")[:-2])  # the last two cells lost
    path.write_text("\n".join(short) + "\n", encoding="utf-8")
    with pytest.raises(ProofError) as info:
        rk.read_proofs(path)
    assert (info.value.row, info.value.column) == (4, header[-2])
    long = lines.copy()
    long[5] = long[5] + ",extra"
    path.write_text("\n".join(long) + "\n", encoding="utf-8")
    with pytest.raises(ProofError) as info:
        rk.read_proofs(path)
    assert info.value.row == 6 and "cells but the header has" in info.value.reason


_HEADER = "proof_id,kind,ts,ts_precision,date,amount_minor,currency,direction"


@pytest.mark.parametrize("precision", ["second", "minute", "hour"])
def test_a_precision_without_a_time_is_refused(tmp_path: Path, precision: str) -> None:
    """Clean-room intake finding K: an empty ts with ts_precision 'second' came back as second precision."""
    path = tmp_path / "proofs.csv"
    path.write_text(
        f"{_HEADER}\np:1,wallet,2026-01-15 14:30:25+08:00,second,2026-01-15,1234,CNY,debit\n"
        f"p:2,wallet,,{precision},2026-01-15,1234,CNY,debit\n",
        encoding="utf-8",
    )
    with pytest.raises(ProofError, match="without a ts") as info:
        rk.read_proofs(path)
    assert (info.value.file, info.value.row, info.value.column) == (str(path), 3, "ts")
    assert precision in info.value.reason


@pytest.mark.parametrize("precision", ["day", ""])
def test_a_date_alone_is_day_precision(tmp_path: Path, precision: str) -> None:
    path = tmp_path / "proofs.csv"
    path.write_text(f"{_HEADER}\np:2,wallet,,{precision},2026-01-15,1234,CNY,debit\n", encoding="utf-8")
    frame = rk.read_proofs(path)
    assert frame["ts_precision"].tolist() == ["day"] and frame["ts"].isna().all()


def test_a_header_wider_than_the_column_limit_is_refused_before_the_body(tmp_path: Path) -> None:
    """Clean-room intake finding N: 20,000 extra empty columns took 17-35 s to read."""
    import time

    from receiptkit.readers.table import MAX_COLUMNS

    extra = 20_000
    path = tmp_path / "proofs.csv"
    header = _HEADER + "".join(f",c{i}" for i in range(extra))
    row = "p:2,wallet,2026-01-15 14:30:25+08:00,second,2026-01-15,1234,CNY,debit" + "," * extra
    path.write_text(f"{header}\n{row}\n{row.replace('p:2', 'p:3')}\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ProofError, match=f"at most {MAX_COLUMNS:,}") as info:
        rk.read_proofs(path)
    assert time.perf_counter() - started < 5
    assert (info.value.file, info.value.row) == (str(path), 1)
    assert f"{8 + extra:,} columns" in info.value.reason
    wide = pd.DataFrame({f"c{i}": [1] for i in range(MAX_COLUMNS + 1)})
    parquet = tmp_path / "wide.parquet"
    wide.to_parquet(parquet)
    with pytest.raises(ProofError, match=f"at most {MAX_COLUMNS:,}"):
        rk.read_proofs(parquet, format="canonical")


def test_a_proofs_csv_cut_inside_its_last_cell_is_refused(tmp_path: Path) -> None:
    """Clean-room intake finding J: the last row's order_no came back shortened."""
    path = tmp_path / "proofs.csv"
    text = (
        f"{_HEADER},order_no\np:1,wallet,2026-01-15 14:30:25+08:00,second,2026-01-15,1234,CNY,debit,A1\n"
        "p:2,wallet,2026-01-15 14:31:25+08:00,second,2026-01-15,3561,CNY,debit,542833BBC5BB91C7"
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProofError, match="end it with a line break") as info:
        rk.read_proofs(path)
    assert (info.value.row, info.value.column, info.value.value) == (3, "order_no", "542833BBC5BB91C7")
    path.write_text(text + "\r\n", encoding="utf-8")
    assert rk.read_proofs(path)["order_no"].tolist() == ["A1", "542833BBC5BB91C7"]


def test_a_dataframe_of_canonical_proofs_is_read_as_validate_proofs_reads_it(proofs: pd.DataFrame) -> None:
    got = rk.read_proofs(proofs)
    pd.testing.assert_frame_equal(got, rk.validate_proofs(proofs))
    assert rk.read_proofs(proofs, format="canonical").equals(got)


def test_a_dataframe_that_is_not_canonical_proofs_is_a_proof_error_naming_the_place(
    proofs: pd.DataFrame,
) -> None:
    bad = proofs.astype({"amount_minor": object})
    bad.loc[bad.index[3], "amount_minor"] = "12.5"
    with pytest.raises(ProofError) as caught:
        rk.read_proofs(bad)
    assert caught.value.row == 4 and caught.value.column == "amount_minor" and caught.value.value == "12.5"
    with pytest.raises(ProofError, match="missing required column"):
        rk.read_proofs(pd.DataFrame({"a": [1]}))
    with pytest.raises(ProofError, match="not as format='wechat'"):
        rk.read_proofs(proofs, format="wechat")


@pytest.mark.parametrize("source", [5, [b"x"], 1.5, None])
def test_a_source_that_is_no_file_bytes_or_frame_is_a_proof_error(source: object) -> None:
    with pytest.raises(ProofError, match="give a path, bytes, a binary file or a DataFrame"):
        rk.read_proofs(source)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_proofs_file_with_no_rows_is_refused(tmp_path: Path, proofs: pd.DataFrame, suffix: str) -> None:
    """A canonical proofs file holding only its header read as an empty frame, while every proof export with
    no transactions is refused: a file that holds no proof is said to, never an empty answer."""
    path = tmp_path / f"proofs{suffix}"
    empty = proofs.drop(columns=["raw"]).iloc[:0]
    empty.to_csv(path, index=False) if suffix == ".csv" else empty.to_parquet(path)
    with pytest.raises(ProofError) as info:
        rk.read_proofs(path)
    assert info.value.reason == "no transactions in the file (header only)" and info.value.row == 1
    assert len(rk.read_proofs(proofs.iloc[:0])) == 0  # an empty frame in code is still an empty frame


@pytest.mark.parametrize(("code", "hint"), [("XYZ", "ISO 4217"), ("RMB", "write CNY")])
def test_an_unknown_currency_cell_is_refused_naming_file_line_and_value(
    tmp_path: Path, proofs: pd.DataFrame, code: str, hint: str
) -> None:
    """'XYZ' was kept (2 decimals assumed), 'RMB' kept as RMB: a proof that could never meet its CNY sale."""
    frame = proofs.drop(columns=["raw"]).copy()
    frame["currency"] = frame["currency"].astype(object)
    frame.loc[frame.index[1], "currency"] = code
    path = tmp_path / "proofs.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(ProofError, match=hint) as info:
        rk.read_proofs(path)
    assert (info.value.row, info.value.column, info.value.value) == (3, "currency", code)
