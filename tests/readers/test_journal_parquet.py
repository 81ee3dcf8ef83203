"""read_journal of Parquet files: the exactness checks on its fast path (issue #18, "Speed").

The Parquet path checks text, card numbers and ids on Arrow buffers with whole-column tests
that may only prove an absence. These tests put what the checks look for into a Parquet file,
at one row among many ordinary ones, and pin what the reader must then do: mask it, settle it,
or refuse it naming the row and column.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.errors import JournalError
from receiptkit.readers.journal import RejectedRowsWarning
from receiptkit.schema import STRING, FullPanWarning

PAN = "6225880137706652"  # a UnionPay-prefixed number with a valid Luhn digit (not a real card)
FULL_WIDTH_PAN = PAN.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
ROWS = 300


def _journal() -> pd.DataFrame:
    journal = rk.make_dataset(n_transactions=ROWS, n_proofs=2, seed=11).journal.copy()
    return journal.iloc[:ROWS].reset_index(drop=True)


def _write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_parquet(path, index=False)
    return path


def _set(frame: pd.DataFrame, position: int, column: str, value: object) -> pd.DataFrame:
    out = frame.copy()
    out[column] = out[column].astype(object)
    out.loc[position, column] = value
    out[column] = out[column].astype(STRING)
    return out


@pytest.mark.parametrize("column", ["merchant_name", "issuer", "app_label"])
@pytest.mark.parametrize("pan", [PAN, FULL_WIDTH_PAN, "６２２５ ８８０１ ３７７０ ６６５２"])
def test_a_card_number_in_a_parquet_text_column_is_masked(tmp_path: Path, column: str, pan: str) -> None:
    frame = _set(_journal(), 137, column, f"店 {pan} 收银")
    path = _write(frame, tmp_path / "pan.parquet")
    with pytest.warns(FullPanWarning, match=column):
        back = rk.read_journal(path)
    cell = back.loc[137, column]
    digits = "".join(c for c in pan if c.isdigit())
    assert digits not in cell.replace(" ", "") and pan not in cell
    assert cell.startswith("店 ") and cell.endswith(" 收银") and "*" in cell
    assert not back[column].astype(str).str.contains(pan, regex=False).any()
    others = back[column].drop(index=137)
    pd.testing.assert_series_equal(others, frame[column].drop(index=137), check_names=False)


def test_a_full_width_card_number_in_the_parquet_pan_column_is_masked(tmp_path: Path) -> None:
    frame = _set(_journal(), 42, "pan_masked", FULL_WIDTH_PAN)
    path = _write(frame, tmp_path / "pan_column.parquet")
    with pytest.warns(FullPanWarning, match="pan_masked"):
        back = rk.read_journal(path)
    cell = back.loc[42, "pan_masked"]
    assert cell != FULL_WIDTH_PAN and "*" in cell
    assert FULL_WIDTH_PAN[6:12] not in cell  # the middle digits are gone
    others = back["pan_masked"].drop(index=42)
    pd.testing.assert_series_equal(others, frame["pan_masked"].drop(index=42), check_names=False)


def test_no_warning_and_no_change_when_a_parquet_journal_has_no_card_number(tmp_path: Path) -> None:
    frame = _journal()
    path = _write(frame, tmp_path / "clean.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("error", FullPanWarning)
        back = rk.read_journal(path)
    for column in ("merchant_name", "pan_masked", "issuer", "txn_id", "rrn"):
        pd.testing.assert_series_equal(back[column], frame[column], check_names=False)


def test_a_duplicate_txn_id_in_parquet_names_both_rows(tmp_path: Path) -> None:
    frame = _journal()
    frame = _set(frame, 250, "txn_id", frame.loc[17, "txn_id"])
    path = _write(frame, tmp_path / "dup.parquet")
    with pytest.raises(JournalError, match="duplicate txn_id: rows 18 and 251") as info:
        rk.read_journal(path)
    assert info.value.row == 251 and info.value.column == "txn_id"
    assert info.value.value == frame.loc[17, "txn_id"]


def test_a_duplicate_txn_id_in_parquet_is_rejected_not_dropped_when_not_strict(tmp_path: Path) -> None:
    frame = _journal()
    frame = _set(frame, 250, "txn_id", frame.loc[17, "txn_id"])
    path = _write(frame, tmp_path / "dup.parquet")
    with pytest.warns(RejectedRowsWarning):
        back = rk.read_journal(path, strict=False)
    report = rk.rejected(back)
    assert report["row"].tolist() == [251]
    assert len(back) == ROWS - 1 and 251 not in back["source_row"].tolist()


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("card_last4", "12a4", "card_last4 must be four digits"),
        ("txn_type", "积分兑换", "unknown value for txn_type"),
        ("currency", "XX1", "currency"),
    ],
)
def test_a_bad_text_cell_in_parquet_is_named_by_row_and_column(
    tmp_path: Path, column: str, value: str, reason: str
) -> None:
    frame = _set(_journal(), 208, column, value)
    path = _write(frame, tmp_path / "bad.parquet")
    with pytest.raises(JournalError, match=reason) as info:
        rk.read_journal(path)
    assert info.value.row == 209 and info.value.column == column
    assert info.value.value == value


def test_parquet_text_cells_are_settled_as_any_other_source(tmp_path: Path) -> None:
    frame = _journal()
    frame = _set(frame, 5, "merchant_name", "\u3000全角店\u00a0")
    frame = _set(frame, 6, "issuer", "N/A")
    frame = _set(frame, 7, "rrn", " 401512345678 ")
    frame = _set(frame, 8, "app_label", "")
    path = _write(frame, tmp_path / "edges.parquet")
    back = rk.read_journal(path)
    assert back.loc[5, "merchant_name"] == "全角店"
    assert back.loc[6, "issuer"] is pd.NA
    assert back.loc[7, "rrn"] == "401512345678"
    assert back.loc[8, "app_label"] is pd.NA
    assert back.loc[9, "merchant_name"] == frame.loc[9, "merchant_name"]


HOSTILE = [
    "",
    " ",
    "-",
    "N/A",
    "null",
    " x ",
    "\u3000全角\u3000",
    "b\ufeff",
    "`6225880137706652",
    "４１１１ １１１１ １１１１ １１１１",
    "EXP 12/28",
    "plain",
    "建设银行",
    "1234",
    "12a4",
]


def _every_text_column(metadata: object, schema: object) -> list[str]:
    import pyarrow as pa

    return [f.name for f in schema if f.type in (pa.string(), pa.large_string())]  # type: ignore[attr-defined]


def _outcome(path: Path, choose: object) -> tuple[pd.DataFrame | None, str | None, list[str]]:
    """read_journal of ``path`` (its frame or error, and its warnings), ``choose`` picking the columns read as dictionaries."""
    from receiptkit.readers import journal

    saved = journal._small_dictionaries
    journal._small_dictionaries = choose or saved  # type: ignore[assignment]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                frame, error = rk.read_journal(path, strict=False), None
            except rk.ReceiptkitError as exc:
                frame, error = None, str(exc)
    finally:
        journal._small_dictionaries = saved  # type: ignore[assignment]
    return frame, error, sorted(str(w.message) for w in caught)


@pytest.mark.parametrize("row_group_size", [None, 37])
@pytest.mark.parametrize("seed", range(6))
def test_columns_read_as_dictionaries_read_exactly_as_dense_columns(
    tmp_path: Path, seed: int, row_group_size: int | None
) -> None:
    """Whatever the cells, a text column read through its dictionary gives what reading every cell gives."""
    import random

    chance = random.Random(seed)
    frame = _journal()
    for column in ("merchant_name", "issuer", "card_last4", "pan_masked", "currency", "status", "rrn"):
        for _ in range(chance.randint(0, 3)):
            frame = _set(frame, chance.randrange(ROWS), column, chance.choice(HOSTILE))
    path = tmp_path / "hostile.parquet"
    frame.to_parquet(path, index=False, row_group_size=row_group_size)
    slow = _outcome(path, lambda metadata, schema: [])  # every column read cell by cell
    for choose in (_every_text_column, None):  # every text column as a dictionary; the reader's own choice
        fast = _outcome(path, choose)
        assert fast[1] == slow[1] and fast[2] == slow[2]
        if fast[0] is None or slow[0] is None:
            assert fast[0] is None and slow[0] is None
        else:
            pd.testing.assert_frame_equal(fast[0], slow[0])
            assert fast[0].attrs == slow[0].attrs


def test_small_dictionaries_are_chosen_from_the_file_layout(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from receiptkit.readers import journal

    rows = 20_000
    frame = pd.DataFrame(
        {
            "few": pd.Series(["甲店", "乙店", None, "丙店"] * (rows // 4), dtype=STRING),
            "many": pd.Series([f"R{i:012d}" for i in range(rows)], dtype=STRING),
            "number": range(rows),
        }
    )
    path = tmp_path / "layout.parquet"
    frame.to_parquet(path, index=False, row_group_size=5_000)
    metadata = pq.read_metadata(path)
    assert journal._small_dictionaries(metadata, metadata.schema.to_arrow_schema()) == ["few"]
    frame.to_parquet(path, index=False, use_dictionary=False)
    metadata = pq.read_metadata(path)
    assert journal._small_dictionaries(metadata, metadata.schema.to_arrow_schema()) == []
