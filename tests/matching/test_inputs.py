"""match, find and JournalIndex take every frame the readers give, or raise a typed error."""

from __future__ import annotations

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.errors import SchemaError

from .conftest import at


def _raw_journal() -> pd.DataFrame:
    """An international chain's journal: aware times in two zones (object dtype), few columns."""
    return pd.DataFrame(
        [
            {
                "txn_id": "SH1",
                "ts": pd.Timestamp("2026-11-20 14:32:05", tz="Asia/Shanghai"),
                "amount_minor": 12850,
                "currency": "CNY",
                "txn_type": "sale",
                "status": "approved",
                "channel": "card",
                "card_last4": "1234",
                "terminal_id": "T1",
            },
            {
                "txn_id": "LN1",
                "ts": pd.Timestamp("2026-11-20 23:50:00", tz="Europe/London"),
                "amount_minor": 5000,
                "currency": "GBP",
                "txn_type": "sale",
                "status": "approved",
                "channel": "card",
                "card_last4": "9999",
                "terminal_id": "T2",
            },
        ]
    )


def _proof(**fields: object) -> pd.DataFrame:
    row = {
        "proof_id": "p1",
        "kind": "wallet",
        "ts": at("14:32:05"),
        "ts_precision": "second",
        "amount_minor": 12850,
        "currency": "CNY",
        "direction": "debit",
        "card_last4": "1234",
    }
    row.update(fields)
    return pd.DataFrame([row])


def test_mixed_zone_journal_is_indexed_in_utc_keeping_each_rows_local_day() -> None:
    raw = _raw_journal()
    assert raw["ts"].dtype == object
    index = rk.JournalIndex(raw)
    assert str(index.journal["ts"].dt.tz) == "UTC"
    assert index.journal.loc[0, "ts"] == pd.Timestamp("2026-11-20 06:32:05", tz="UTC")
    # London's 23:50 is 20 November there (21 November in Shanghai): the row's own zone decides
    assert [str(d) for d in index.local_date] == ["2026-11-20", "2026-11-20"]
    assert raw["ts"].dtype == object  # the input is not changed


def test_match_and_find_accept_a_mixed_zone_journal() -> None:
    raw = _raw_journal()
    result = rk.match(_proof(), raw)
    assert result.loc[0, ["status", "txn_id"]].tolist() == ["matched", "SH1"]
    london = _proof(
        proof_id="p2", ts=pd.Timestamp("2026-11-20 23:50:00", tz="Europe/London"), amount_minor=5000
    )
    london["currency"], london["card_last4"] = "GBP", "9999"
    assert rk.match(london, raw).loc[0, "txn_id"] == "LN1"
    ranked = rk.find(raw, amount="128.50", time="2026-11-20 14:32", last4="1234", ref="2026-11-20")
    assert ranked.loc[0, "txn_id"] == "SH1"


def test_mixed_zone_proofs_are_accepted() -> None:
    proofs = pd.concat(
        [
            _proof(),
            _proof(
                proof_id="p2",
                ts=pd.Timestamp("2026-11-20 23:50:00", tz="Europe/London"),
                amount_minor=5000,
                currency="GBP",
                card_last4="9999",
            ),
        ],
        ignore_index=True,
    )
    assert proofs["ts"].dtype == object
    result = rk.match(proofs, _raw_journal())
    assert result["txn_id"].tolist() == ["SH1", "LN1"]


@pytest.mark.parametrize(
    ("value", "column"),
    [
        (pd.Timestamp("2026-11-20 14:32:05"), "ts"),  # naive among aware
        ("not a time", "ts"),
        (None, "ts"),
    ],
)
def test_bad_journal_times_are_typed_errors(value: object, column: str) -> None:
    raw = _raw_journal()
    raw["ts"] = raw["ts"].astype(object)
    raw.loc[1, "ts"] = value
    with pytest.raises(SchemaError) as info:
        rk.JournalIndex(raw)
    assert info.value.column == column
    assert info.value.row == 2


def test_naive_datetime_journal_is_a_typed_error() -> None:
    raw = _raw_journal()
    raw["ts"] = pd.to_datetime(["2026-11-20 14:32:05", "2026-11-20 15:00:00"])
    with pytest.raises(SchemaError, match="timezone-aware"):
        rk.match(_proof(), raw)


def test_uncoded_status_is_a_typed_error_not_a_silently_dropped_row() -> None:
    journal = rk.validate_journal(_raw_journal())
    journal["status"] = journal["status"].astype(object)
    journal.loc[0, "status"] = "Approved"
    with pytest.raises(SchemaError) as info:
        rk.JournalIndex(journal)
    assert (info.value.column, info.value.value) == ("status", "Approved")


def test_empty_source_row_is_null_and_text_is_a_typed_error() -> None:
    journal = _raw_journal()
    ok = rk.match(_proof(source_row=""), journal)
    assert ok.loc[0, "status"] == "matched"
    assert pd.isna(rk.validate_proofs(_proof(source_row=""))["source_row"].iloc[0])
    assert rk.validate_proofs(_proof(source_row="17"))["source_row"].iloc[0] == 17
    with pytest.raises(SchemaError) as info:
        rk.match(_proof(source_row="row 3"), journal)
    assert (info.value.column, info.value.row, info.value.value) == ("source_row", 1, "row 3")
