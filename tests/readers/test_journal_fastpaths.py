"""Every vectorised path of read_journal gives exactly what its reference path gives (issue #18, "Speed").

Each fast path is compared with the slower path it replaces, on hostile values: the same frame,
the same rejected cells, the same typed error. A fast path may decline (and hand the column to
the reference path); it may never give a different answer.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import receiptkit as rk
from receiptkit.arrowtext import WHITESPACE, arrow_text, has_edge
from receiptkit.errors import ReceiptkitError
from receiptkit.money import MAX_MINOR
from receiptkit.readers import journal, table
from receiptkit.schema import STRING, _suspicious
from receiptkit.timeparse import _arrow_iso_seconds

SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ZONES = [
    "Asia/Shanghai",
    "Europe/Berlin",
    "America/St_Johns",
    "UTC",
    dt.timezone(dt.timedelta(hours=14)),
    dt.timezone(dt.timedelta(hours=-18, minutes=-30)),  # beyond ±18:00: the text path refuses it
    dt.timezone(dt.timedelta(hours=5, minutes=45, seconds=30)),  # seconds in the offset
]
HOSTILE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "-",
        "null",
        "N/A",
        " x ",
        "\u3000全角\u3000",
        "`6225880137706658",  # a card number in a text column
        "4111 1111 1111 1111",
        "６２２５８８０１３７７０６６５８",  # full-width
        "EXP 12/28",
        "\u00a0a",
        "b\ufeff",
        "\u2003c",
        "plain",
        "建设银行",
    ]
)
HOSTILE_MINOR = st.sampled_from(
    [0, 1, 7300, MAX_MINOR, -MAX_MINOR, MAX_MINOR + 1, -MAX_MINOR - 1, 2**63 - 1, -(2**63), -5]
)


def _read(source: object, **options: object) -> tuple[pd.DataFrame | None, str | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return rk.read_journal(source, **options), None
        except ReceiptkitError as exc:
            return None, str(exc)


def _text_path(source: object, **options: object) -> tuple[pd.DataFrame | None, str | None]:
    """The reference: every column of the frame written out as text and parsed again."""
    saved = journal._typed_times
    journal._typed_times = lambda preset: set()  # type: ignore[assignment]
    try:
        return _read(source, **options)
    finally:
        journal._typed_times = saved  # type: ignore[assignment]


def _same(fast: tuple[pd.DataFrame | None, str | None], slow: tuple[pd.DataFrame | None, str | None]) -> None:
    assert fast[1] == slow[1]
    if fast[0] is not None and slow[0] is not None:
        pd.testing.assert_frame_equal(fast[0], slow[0])
        assert fast[0].attrs == slow[0].attrs
    else:
        assert fast[0] is None and slow[0] is None


@st.composite
def typed_frames(draw: st.DrawFn) -> pd.DataFrame:
    rows = draw(st.integers(min_value=60, max_value=90))  # both sides of the 64-row fast path
    zone = draw(st.sampled_from(ZONES))
    seconds = draw(
        st.lists(st.integers(min_value=-2 * 10**8, max_value=8 * 10**9), min_size=rows, max_size=rows)
    )
    stamps = pd.Series(pd.to_datetime(np.asarray(seconds, dtype="int64"), unit="s", utc=True)).dt.tz_convert(
        zone
    )
    if draw(st.booleans()):
        stamps = stamps + pd.Timedelta(microseconds=draw(st.integers(0, 999_999)))
    if draw(st.integers(0, 4)) == 0:
        stamps = stamps.where(pd.Series(range(rows)) != draw(st.integers(0, rows - 1)))  # a gap
    amounts = draw(st.lists(st.integers(min_value=0, max_value=10**6), min_size=rows, max_size=rows))
    if draw(st.booleans()):
        amounts[draw(st.integers(0, rows - 1))] = draw(HOSTILE_MINOR)
    texts = draw(st.lists(HOSTILE_TEXT, min_size=rows, max_size=rows))
    return pd.DataFrame(
        {
            "txn_id": pd.Series([f"T{i}" for i in range(rows)], dtype=STRING),
            "ts": stamps,
            "amount_minor": pd.Series(amounts, dtype="int64"),
            "currency": pd.Series(
                draw(st.sampled_from(["CNY", "cny", " HKD ", "人民币", "XX1"])), index=range(rows)
            ),
            "merchant_name": pd.Series(texts, dtype=STRING),
            "txn_type": pd.Series(draw(st.sampled_from(["sale", "消费", "REFUND", "??"])), index=range(rows)),
        }
    )


@SLOW
@given(frame=typed_frames(), strict=st.booleans(), tz=st.sampled_from([None, "Asia/Tokyo"]))
def test_a_typed_frame_reads_exactly_as_its_text_would(
    frame: pd.DataFrame, strict: bool, tz: str | None
) -> None:
    _same(_read(frame, strict=strict, tz=tz), _text_path(frame, strict=strict, tz=tz))


def test_the_typed_path_is_taken_and_gives_the_csv_frame(tmp_path) -> None:
    data = rk.make_dataset(n_transactions=300, n_proofs=2, seed=3).journal
    path = tmp_path / "j.parquet"
    data.to_parquet(path, index=False)
    calls = []
    saved = table._times_typed

    def spy(values: pd.Series, tz: object) -> object:
        calls.append(saved(values, tz))
        return calls[-1]

    table._times_typed = spy  # type: ignore[assignment]
    try:
        typed = _read(path)
    finally:
        table._times_typed = saved  # type: ignore[assignment]
    assert calls and calls[0] is not None  # the typed path read the times
    data.to_csv(tmp_path / "j.csv", index=False)
    text = _read(tmp_path / "j.csv")
    assert typed[0] is not None and text[0] is not None
    columns = [c for c in typed[0].columns if c not in ("source", "source_row")]
    pd.testing.assert_frame_equal(typed[0][columns], text[0][columns])
    _same(typed, _text_path(path))


@settings(max_examples=60, deadline=None)
@given(
    seconds=st.lists(st.integers(min_value=-4 * 10**9, max_value=7 * 10**9), min_size=1, max_size=20),
    zone=st.sampled_from(ZONES[:5]),
    micro=st.sampled_from([0, 0, 1, 500_000]),
    gap=st.booleans(),
)
def test_iso_text_writes_what_isoformat_writes(
    seconds: list[int], zone: object, micro: int, gap: bool
) -> None:
    stamps = pd.Series(pd.to_datetime(np.asarray(seconds, dtype="int64"), unit="s", utc=True)).dt.tz_convert(
        zone
    )
    stamps = stamps + pd.Timedelta(microseconds=micro)
    if gap:
        stamps = stamps.where(pd.Series(range(len(stamps))) != 0)
    for values in (stamps, stamps.dt.tz_localize(None)):
        expected = values.map(lambda v: None if pd.isna(v) else v.isoformat(sep=" ")).astype(STRING)
        pd.testing.assert_series_equal(table.iso_text(values), expected)


ISO_PIECES = st.tuples(
    st.sampled_from(["2026", "1969", "2200", "0001", "9999", "2024"]),
    st.sampled_from(["01", "02", "12", "13", "00"]),
    st.sampled_from(["01", "28", "29", "30", "31", "00"]),
    st.sampled_from([" ", "T"]),
    st.sampled_from(["00", "23", "24"]),
    st.sampled_from(["00", "59", "60"]),
    st.sampled_from(["00", "59", "60", "61"]),
    st.sampled_from(["+08:00", "Z", "-03:30", "+18:00", "+18:01", "+25:00", "-00:60", "+0800", ""]),
)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(ISO_PIECES, min_size=1, max_size=4))
def test_pyarrow_iso_times_are_pandas_times_or_declined(pieces: list[tuple[str, ...]]) -> None:
    texts = [f"{y}-{m}-{d}{sep}{hh}:{mm}:{ss}{off}" for y, m, d, sep, hh, mm, ss, off in pieces]
    series = pd.Series(texts, dtype=STRING)
    fast = _arrow_iso_seconds(series)
    try:
        expected = pd.to_datetime(series, format="ISO8601", utc=True)
    except (ValueError, OverflowError):
        expected = None
    if fast is None:
        return  # declined: the pandas path reads (or names) these values
    assert expected is not None, texts
    pd.testing.assert_series_equal(fast, expected)
    for text, stamp in zip(texts, fast, strict=True):  # never a rolled-over wall time
        assert pd.Timestamp(text) == stamp


def test_pyarrow_iso_times_decline_what_pyarrow_would_roll_over() -> None:
    for text in ("2026-02-30 10:00:00+08:00", "2026-01-01 23:59:60+08:00", "2026-01-01 10:00:00+25:00"):
        assert _arrow_iso_seconds(pd.Series([text] * 3, dtype=STRING)) is None


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    cell = st.one_of(
        st.text(alphabet=st.sampled_from(list("ab1 #`-\t\u3000全\u00a0")), max_size=5),
        st.sampled_from(["null", "N/A", "--", " # x"]),
    )
    rows = draw(st.lists(st.tuples(cell, cell, cell), min_size=1, max_size=40))
    body = []
    for a, b, c in rows:
        body.append(f"{a},{b},{c}")
        if draw(st.integers(0, 9)) == 0:
            body.append("")  # an empty line
    filler = "".join(f"x{i:020d},{i}.00,R{i:010d}\n" for i in range(1800))  # long enough for the fast path
    return "title\n时间,金额,参考号\n" + filler + "\n".join(body) + "\n"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=csv_texts())
def test_the_pyarrow_csv_table_is_the_row_by_row_table(text: str) -> None:
    taken = []
    saved = table._arrow_cells

    def spy(*args: object) -> object:
        taken.append(saved(*args))  # type: ignore[arg-type]
        return taken[-1]

    table._arrow_cells = spy  # type: ignore[assignment]
    try:
        fast = table.read_table(text.encode(), name="t.csv", header=("时间", "金额"))
    finally:
        table._arrow_cells = saved  # type: ignore[assignment]
    saved_limit = table._FAST_CSV_CHARS
    table._FAST_CSV_CHARS = 10**12
    try:
        slow = table.read_table(text.encode(), name="t.csv", header=("时间", "金额"))
    finally:
        table._FAST_CSV_CHARS = saved_limit
    if "\t" not in text.split("\n")[1]:
        assert taken and taken[0] is not None  # pyarrow read it
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert fast.lines.tolist() == slow.lines.tolist()
    assert (fast.header_line, fast.preamble) == (slow.header_line, slow.preamble)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.one_of(st.none(), HOSTILE_TEXT, st.text(max_size=6)), max_size=30))
def test_text_helpers_match_their_per_cell_definitions(values: list[str | None]) -> None:
    series = pd.Series(values, dtype=STRING)
    cells = [v for v in values if v is not None]
    expected_edge = any(v != v.strip(WHITESPACE) for v in cells)
    assert has_edge(arrow_text(series), WHITESPACE) == expected_edge
    cleaned = table.clean_text(series)
    reference = series.str.strip(table.STRIP_CHARS)
    reference = reference.mask(reference.isin(list(table.NULL_MARKERS)), pd.NA)
    pd.testing.assert_series_equal(cleaned, reference.astype(STRING))
    mapped = table.map_unique(series, lambda v: v.upper() if "a" in v else None, missing="-")
    expected = [("-" if v is None else (v.upper() if "a" in v else None)) for v in values]
    assert mapped.tolist() == [pd.NA if v is None else v for v in expected]
    from receiptkit.schema import _SUSPICIOUS

    pd.testing.assert_series_equal(
        _suspicious(series), series.str.contains(_SUSPICIOUS, regex=True, na=False).astype(bool)
    )


@settings(max_examples=100, deadline=None)
@given(
    cells=st.lists(
        st.one_of(
            st.sampled_from(["+12", "-0", "0010", "+-1", "1.0", "1.50", "٣", "１２", "", " 5", "1e3"]),
            st.integers(min_value=-(10**17), max_value=10**17).map(str),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_plain_amount_minor_cells_read_as_the_reference_reads_them(cells: list[str]) -> None:
    frame = pd.DataFrame({"amount_minor": pd.Series(cells, dtype=STRING).replace("", pd.NA)})
    lines = np.arange(2, len(cells) + 2)
    spec = journal.PRESETS["canonical"].fields["amount_minor"]
    fast_problems: list = []
    fast = journal._minor_units(frame, spec, lines, fast_problems)
    saved = journal._plain_minor_units
    journal._plain_minor_units = lambda values: None  # type: ignore[assignment]
    try:
        slow_problems: list = []
        slow = journal._minor_units(frame, spec, lines, slow_problems)
    finally:
        journal._plain_minor_units = saved  # type: ignore[assignment]
    pd.testing.assert_series_equal(fast, slow)
    assert fast_problems == slow_problems


@pytest.mark.parametrize("amount", [MAX_MINOR + 1, -(2**63), 2**63 - 1])
def test_a_typed_amount_beyond_the_maximum_is_named_not_wrapped(amount: int) -> None:
    frame = rk.make_dataset(n_transactions=100, n_proofs=2, seed=5).journal
    frame.loc[17, "amount_minor"] = amount
    with pytest.raises(rk.errors.JournalError, match="beyond the maximum") as caught:
        rk.read_journal(frame)
    assert caught.value.row == 18 and caught.value.column == "amount_minor"


@st.composite
def text_frames(draw: st.DrawFn) -> pd.DataFrame:
    """A canonical frame whose text columns (free text, card, ids) hold hostile cells, or none."""
    rows = draw(st.integers(min_value=1, max_value=12))
    frame = (
        rk.make_dataset(n_transactions=rows, n_proofs=1, seed=4).journal.iloc[:rows].reset_index(drop=True)
    )
    for column in draw(
        st.sets(st.sampled_from(["merchant_name", "issuer", "operator_id", "rrn", "pan_masked"]))
    ):
        cells = draw(st.lists(st.one_of(st.none(), HOSTILE_TEXT), min_size=len(frame), max_size=len(frame)))
        frame[column] = pd.Series(cells, dtype=draw(st.sampled_from([STRING, object])))
    return frame


@settings(max_examples=60, deadline=None)
@given(frame=text_frames(), strict=st.booleans())
def test_settled_text_columns_read_exactly_as_when_checked_again(frame: pd.DataFrame, strict: bool) -> None:
    fast = _read(frame, strict=strict)
    saved = journal._settled_fields
    journal._settled_fields = lambda *args: set()  # type: ignore[assignment]
    try:
        slow = _read(frame, strict=strict)
    finally:
        journal._settled_fields = saved  # type: ignore[assignment]
    _same(fast, slow)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.one_of(st.none(), HOSTILE_TEXT, st.text(max_size=6)), max_size=30))
def test_a_settled_column_is_what_the_schema_would_make_of_it(values: list[str | None]) -> None:
    from receiptkit.schema import _as_string

    cleaned, settled = table.clean_text_settled(pd.Series(values, dtype=STRING))
    pd.testing.assert_series_equal(cleaned, table.clean_text(pd.Series(values, dtype=STRING)))
    if settled:
        pd.testing.assert_series_equal(_as_string(cleaned), cleaned)
    else:  # not settled: some cell has whitespace at an end
        assert any(v is not None and v != v.strip(WHITESPACE + table.STRIP_CHARS) for v in values)


def test_parquet_row_groups_and_dataset_folders_read_as_one_file(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = rk.make_dataset(n_transactions=400, n_proofs=2, seed=6).journal
    whole = tmp_path / "one.parquet"
    data.to_parquet(whole, index=False)
    groups = tmp_path / "groups.parquet"
    data.to_parquet(groups, index=False, row_group_size=70)
    assert pq.ParquetFile(groups).metadata.num_row_groups > 1
    folder = tmp_path / "folder.parquet"  # a dataset folder, as Spark writes one
    pq.write_to_dataset(pa.Table.from_pandas(data, preserve_index=False), folder)
    expected = _read(whole)
    assert expected[0] is not None
    for path in (groups, folder):
        got = _read(path)
        assert got[0] is not None, got[1]
        columns = [c for c in expected[0].columns if c != "source"]
        pd.testing.assert_frame_equal(got[0][columns], expected[0][columns])


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.sampled_from(sorted(table.NULL_MARKERS)), st.text(max_size=5)), max_size=20
    ),
    cut=st.integers(0, 3),
)
def test_the_marker_prefilter_never_misses_a_marker(values: list[str | None], cut: int) -> None:
    import pyarrow as pa

    arr = pa.array(values, type=pa.large_string()).slice(min(cut, len(values)))
    if any(v in table.NULL_MARKERS for v in values[cut:] if v is not None):
        assert table._may_hold_marker(arr)
