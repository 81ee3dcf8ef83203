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
    ranked = rk.find(
        raw, amount="128.50", currency="CNY", time="2026-11-20 14:32", last4="1234", ref="2026-11-20"
    )
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
    # written to after validation: validated again, and read as validate_journal and read_journal read it
    index = rk.JournalIndex(journal)
    assert index.journal.loc[0, "status"] == "approved" and index.side[0] == 0  # not dropped
    journal.loc[0, "status"] = "approved-ish"
    with pytest.raises(SchemaError) as info:
        rk.JournalIndex(journal)
    assert (info.value.column, info.value.value) == ("status", "approved-ish")


def test_empty_source_row_is_null_and_text_is_a_typed_error() -> None:
    journal = _raw_journal()
    ok = rk.match(_proof(source_row=""), journal)
    assert ok.loc[0, "status"] == "matched"
    assert pd.isna(rk.validate_proofs(_proof(source_row=""))["source_row"].iloc[0])
    assert rk.validate_proofs(_proof(source_row="17"))["source_row"].iloc[0] == 17
    with pytest.raises(SchemaError) as info:
        rk.match(_proof(source_row="row 3"), journal)
    assert (info.value.column, info.value.row, info.value.value) == ("source_row", 1, "row 3")


# ------------------------------------------------------------------ canonical names, never validated


def _canonical(n: int = 300) -> pd.DataFrame:
    """A frame with every canonical column and dtype that no validation has seen (a generator's)."""
    from receiptkit.datasets import make_dataset

    return make_dataset(n_transactions=n, n_proofs=5, seed=4).journal.copy()


def _with(frame: pd.DataFrame, column: str, row: int, value: object) -> pd.DataFrame:
    out = frame.copy()
    values = out[column].astype(object)
    values.iloc[row] = value
    out[column] = values.astype(out[column].dtype)
    return out


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("card_last4", "12345"),
        ("channel", "carrier pigeon"),
        ("currency", "XX"),
        ("txn_id", None),
        ("status", "maybe"),
    ],
)
def test_a_canonical_frame_that_was_never_validated_is_validated(column: str, value: object) -> None:
    bad = _with(_canonical(), column, 5, value)
    with pytest.raises(SchemaError) as caught:
        rk.JournalIndex(bad)
    assert caught.value.column == column and caught.value.row == 6


def test_a_canonical_frame_with_a_card_number_is_masked_before_indexing() -> None:
    from receiptkit.schema import FullPanWarning

    bad = _with(_canonical(), "merchant_name", 3, "瑞幸 4111111111111111")
    with pytest.warns(FullPanWarning, match="merchant_name"):
        index = rk.JournalIndex(bad)
    assert index.journal.loc[3, "merchant_name"] == "瑞幸 411111******1111"


def test_a_canonical_frame_with_folded_values_is_read_as_validate_journal_reads_it() -> None:
    frame = _with(_canonical(), "status", 0, " Approved ")
    assert rk.JournalIndex(frame).journal.loc[0, "status"] == "approved"


def test_a_validated_journal_is_not_validated_again_until_it_is_written_to(monkeypatch) -> None:
    import receiptkit.matching.index as index_module

    journal = rk.validate_journal(_canonical())
    calls = []
    original = index_module.validate_journal
    monkeypatch.setattr(index_module, "validate_journal", lambda f: calls.append(1) or original(f))
    rk.JournalIndex(journal)
    assert calls == []  # settled: read_journal's and validate_journal's frames are trusted as they are
    journal.loc[2, "currency"] = "XX"  # written to since: a frame like any other
    with pytest.raises(SchemaError, match="currency"):
        rk.JournalIndex(journal)
    assert calls == [1]
    again = rk.validate_journal(_canonical())
    again.loc[4, "amount_minor"] = -100  # a number written in place keeps its array: checked anyway
    with pytest.raises(SchemaError, match="amount_minor"):
        rk.JournalIndex(again)


def test_read_journal_frames_are_settled(tmp_path) -> None:
    from receiptkit.schema import _is_settled

    path = tmp_path / "journal.csv"
    rk.validate_journal(_canonical(50)).drop(columns=["pan_masked"]).to_csv(path, index=False)
    journal = rk.read_journal(path)
    assert _is_settled(journal)
    assert not _is_settled(journal.copy()) or journal.copy() is journal
    assert not _is_settled(journal.assign(extra=1))


def _night_sale(zones: str) -> pd.DataFrame:
    """A sale at 03:00 on 21 November in Shanghai (20 November 19:00 UTC), as an object column of aware Timestamps
    (one zone, or with a London row: an international chain)."""
    rows = [
        {
            "txn_id": "SH1",
            "ts": pd.Timestamp("2026-11-21 03:00:00", tz="Asia/Shanghai"),
            "amount_minor": 12850,
            "currency": "CNY",
            "txn_type": "sale",
            "status": "approved",
            "channel": "card",
            "card_last4": "1234",
            "terminal_id": "T1",
        }
    ]
    if zones == "two":
        rows.append(
            {
                **rows[0],
                "txn_id": "LN1",
                "ts": pd.Timestamp("2026-11-20 12:00", tz="Europe/London"),
                "currency": "GBP",
                "amount_minor": 5000,
                "card_last4": "9999",
                "terminal_id": "T2",
            }
        )
    frame = pd.DataFrame(rows)
    frame["ts"] = frame["ts"].astype(object)  # as a frame built row by row, or from Arrow, may hold them
    return frame


@pytest.mark.parametrize("zones", ["one", "two"])
def test_a_day_only_proof_is_read_on_the_shops_local_days_whatever_the_columns_dtype(zones: str) -> None:
    """An SMS dated 20 November (the day of the payment, no time) cannot be a sale made on 21 November at 03:00
    Shanghai time. With the journal's times as objects, the day was read in UTC (19:00 on the 20th), and the
    SMS was taken for that sale (ambiguous at 89-94 %, one step from matched). The verdicts are those of the
    same journal with a typed column (each row in its own zone)."""
    raw = _night_sale(zones)
    typed = raw.copy()
    typed["ts"] = [pd.Timestamp(v) for v in raw["ts"]]
    if zones == "one":
        typed["ts"] = pd.Series(pd.DatetimeIndex(list(raw["ts"])))
        assert str(typed["ts"].dt.tz) == "Asia/Shanghai"
    sms = {"kind": "sms", "ts": None, "ts_precision": "day", "card_last4": "1234"}
    before = _proof(**sms, date=pd.Timestamp("2026-11-20"))
    result = rk.match(before, raw)
    assert result.loc[0, "status"] == "unmatched", result.loc[0, "reason"]
    same_day = _proof(**sms, date=pd.Timestamp("2026-11-21"))
    got = rk.match(same_day, raw).loc[0]
    assert got["status"] != "unmatched" and "SH1" in list(got["candidate_txn_ids"]), got["reason"]
    if zones == "one":
        want = rk.match(same_day, typed).loc[0]
        assert (got["status"], got["confidence"]) == (want["status"], want["confidence"])


def test_a_journal_of_timestamps_as_objects_in_one_zone_is_read_once(monkeypatch) -> None:
    """JournalIndex reads ts objects cell by cell once: with one zone it kept the raw column, and validate_journal
    read all of it again cell by cell (a 1M-row object column: 14 s -> 24 s). The index is that of the typed
    column, in the shop's zone."""
    import receiptkit.schema as schema

    raw = _night_sale("one")
    typed = raw.copy()
    typed["ts"] = pd.Series(pd.DatetimeIndex(list(raw["ts"])))
    want = rk.JournalIndex(typed)

    def again(*args, **kwargs):
        raise AssertionError("ts read again cell by cell")

    monkeypatch.setattr(schema, "_parse_time_column", again)
    got = rk.JournalIndex(raw)
    assert str(got.tz) == "Asia/Shanghai" == str(want.tz)
    assert list(got.ts_s) == list(want.ts_s) and list(got.day_adj) == list(want.day_adj)
    assert got.zone_spread_s == (0, 0)


def test_two_zones_of_one_name_are_two_zones() -> None:
    """Objects whose zones print alike are one zone only when that zone gives each its own offset: 'CST' is China
    Standard Time (+08:00) and Central Standard Time (-06:00). Read as one zone, the Chicago sale at 22:00 on 20
    November was put on 21 November (12:00 in +08:00) with no error (validate_journal refused the column)."""
    import datetime as dt

    china = dt.timezone(dt.timedelta(hours=8), "CST")
    central = dt.timezone(dt.timedelta(hours=-6), "CST")
    raw = _night_sale("two")
    raw["ts"] = pd.Series(
        [dt.datetime(2026, 11, 21, 3, tzinfo=china), dt.datetime(2026, 11, 20, 22, tzinfo=central)],
        dtype=object,
    )
    index = rk.JournalIndex(raw)
    assert [str(d) for d in index.local_date] == ["2026-11-21", "2026-11-20"]
    valid = rk.validate_journal(raw)
    assert str(valid["ts"].dt.tz) == "UTC"
    assert list(valid["ts"]) == [
        pd.Timestamp("2026-11-20 19:00", tz="UTC"),
        pd.Timestamp("2026-11-21 04:00", tz="UTC"),
    ]


def test_a_sale_a_minute_past_its_zones_midnight_is_at_the_edge_in_several_zones_as_in_one() -> None:
    """Clock tolerance at midnight: a Shanghai sale at 00:01 on 22 November for an SMS dated the 21st reads 'edge'
    in a Shanghai journal. With a London row too (several zones, indexed in UTC, the day window widened to every
    zone's day), the sale was inside the widened window and its own day was not the SMS's: 'outside', unmatched
    at 14 %. Its own local time is what the tolerance is measured on, in every zone."""
    sale = {
        "txn_id": "S1",
        "ts": pd.Timestamp("2026-11-22 00:01:00", tz="Asia/Shanghai"),
        "amount_minor": 12850,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": "card",
        "card_last4": "1234",
        "terminal_id": "T1",
    }
    london = {
        **sale,
        "txn_id": "LN1",
        "ts": pd.Timestamp("2026-11-21 12:00", tz="Europe/London"),
        "currency": "GBP",
        "amount_minor": 999,
        "card_last4": "9999",
        "terminal_id": "T2",
    }
    sms = _proof(kind="sms", ts=None, ts_precision="day", date=pd.Timestamp("2026-11-21"))
    levels = []
    for rows in ([sale], [sale, london]):
        frame = pd.DataFrame(rows)
        frame["ts"] = frame["ts"].astype(object)
        result = rk.match(sms, frame)
        levels.append(rk.explain(result, "p1").set_index("field").loc["time", "best_level"])
    assert levels == ["edge", "edge"]
    # a sale hours into the next day in its own zone is still outside
    late = pd.DataFrame([{**sale, "ts": pd.Timestamp("2026-11-22 03:00", tz="Asia/Shanghai")}, london])
    late["ts"] = late["ts"].astype(object)
    assert rk.explain(rk.match(sms, late), "p1").set_index("field").loc["time", "best_level"] == "outside"


def test_an_arrow_timestamp_column_is_read_as_the_typed_column_it_is() -> None:
    """A journal whose ``ts`` is an Arrow timestamp with its zone was read cell by cell (about 10 s per million
    rows); it is now typed at once, in its zone, and the index is the same as the typed column's. An empty
    time is still an error naming its row."""
    import pyarrow as pa

    raw = _night_sale("one")
    typed = raw.copy()
    typed["ts"] = pd.Series(pd.DatetimeIndex(list(raw["ts"])))
    arrow = typed.copy()
    arrow["ts"] = typed["ts"].astype(pd.ArrowDtype(pa.timestamp("us", tz="Asia/Shanghai")))
    got, want = rk.JournalIndex(arrow), rk.JournalIndex(typed)
    assert str(got.tz) == "Asia/Shanghai"
    assert got.ts_s.tolist() == want.ts_s.tolist() and got.utc_offset_s.tolist() == want.utc_offset_s.tolist()
    two = pd.concat([arrow, arrow.assign(txn_id="SH2")], ignore_index=True)
    two.loc[1, "ts"] = None
    with pytest.raises(rk.SchemaError, match="row 2"):
        rk.JournalIndex(two)


def test_an_arrow_timestamp_column_keeps_each_row_its_own_time_whatever_its_labels() -> None:
    """``_aware_times`` built the typed column with ``pd.Series(series, index=labels)``, which aligns on labels:
    a column labelled 5, 1, 0 came back with row 5 empty and row 0 holding row 5's time. JournalIndex numbers
    its rows afresh before, so only another caller could meet it; the column is now taken by position."""
    import pyarrow as pa

    from receiptkit.matching.index import _aware_times

    stamps = pd.to_datetime(["2026-11-20 10:00+08:00", "2026-11-20 11:00+08:00", "2026-11-20 12:00+08:00"])
    ts = pd.Series(stamps, index=[5, 1, 0]).astype(pd.ArrowDtype(pa.timestamp("us", tz="Asia/Shanghai")))
    typed, offsets = _aware_times(ts)
    assert offsets is None and typed.index.tolist() == [5, 1, 0]
    assert typed.dt.tz_convert("UTC").tolist() == list(stamps.tz_convert("UTC"))
