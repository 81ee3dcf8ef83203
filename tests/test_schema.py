"""receiptkit.schema: what validate_journal masks and the whole-column tests it relies on."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import receiptkit as rk
from receiptkit.schema import _SUSPICIOUS, STRING, FullPanWarning, _maybe_suspicious

# every separator receiptkit.pan accepts between the digit groups of a written card number
SEPARATORS = [
    " ",
    "\u00a0",
    "\u2007",
    "\u202f",
    "\u3000",
    "-",
    "\u2010",
    "\u2011",
    "\u2012",
    "\u2013",
    "\u2014",
    "\u2212",
    "\uff0d",
]


@pytest.mark.parametrize("sep", SEPARATORS)
def test_a_card_number_grouped_by_any_separator_is_masked(sep: str) -> None:
    journal = rk.make_dataset(n_transactions=5, n_proofs=1, seed=1).journal
    written = sep.join(["4111", "1111", "1111", "1111"])
    journal["merchant_name"] = pd.Series([f"shop {written}"] * len(journal), dtype=STRING)
    for read in (rk.validate_journal, rk.read_journal):
        with pytest.warns(FullPanWarning):
            out = read(journal)
        assert set(out["merchant_name"]) == {"shop 411111******1111"}, repr(sep)


CELL = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list("0１٣ -\u00a0\u3000xeEpP有效期")), max_size=16),
    st.sampled_from(
        ["4111 1111 1111 1111", "６２２５８８０１３７７０６６５８", "EXP 12/28", "Good thru", "到期"]
    ),
)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(CELL, max_size=12), cut=st.integers(0, 2))
def test_the_whole_buffer_test_never_misses_a_suspicious_cell(cells: list[str | None], cut: int) -> None:
    arr = pa.array(cells, type=pa.large_string()).slice(min(cut, len(cells)))
    series = pd.Series(pd.array(arr, dtype=STRING))
    if any(v is not None and re.search(_SUSPICIOUS, v) for v in cells[cut:]):
        assert _maybe_suspicious(series)
    if not any(v for v in cells[cut:]):
        assert not _maybe_suspicious(series)


def test_a_column_without_digits_or_words_is_not_searched_cell_by_cell() -> None:
    series = pd.Series(["建设银行", "plain", None, "a1b2"] * 1000, dtype=STRING)
    assert not _maybe_suspicious(series)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing masked, nothing said
        journal = rk.make_dataset(n_transactions=5, n_proofs=1, seed=1).journal
        rk.validate_journal(journal)


def _outcome(call: object, *args: object) -> tuple[object, str | None]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return call(*args), None  # type: ignore[operator]
    except rk.errors.ReceiptkitError as exc:
        return None, str(exc)


WORDS = st.sampled_from(
    [
        "sale",
        "SALE",
        "Refund",
        "void",
        "ſale",
        "sale\n",
        "bogus",
        None,
        "CNY",
        "cny",
        "ＣＮＹ",
        "CNY\n",
        "Cny",
        "HK",
        "ß",
    ]
)
LAST4 = st.sampled_from(["1234", "0000", "123", "12345", "１２３４", "12a4", "٣٣٣٣", None, " 1234"])


@settings(max_examples=150, deadline=None)
@given(
    rows=st.integers(1, 8),
    data=st.data(),
    kind=st.sampled_from(["txn_type", "status", "channel", "currency", "card_last4"]),
)
def test_the_distinct_value_checks_give_what_the_row_checks_give(
    rows: int, data: st.DataObject, kind: str
) -> None:
    from receiptkit import schema

    journal = (
        rk.make_dataset(n_transactions=rows, n_proofs=1, seed=2).journal.iloc[:rows].reset_index(drop=True)
    )
    cells = data.draw(
        st.lists(LAST4 if kind == "card_last4" else WORDS, min_size=len(journal), max_size=len(journal))
    )
    journal[kind] = pd.Series(cells, dtype=STRING)
    fast = _outcome(rk.validate_journal, journal)
    saved = schema._words, schema._four_ascii_digits
    schema._words = lambda values: None  # type: ignore[assignment]
    schema._four_ascii_digits = lambda values: False  # type: ignore[assignment]
    try:
        slow = _outcome(rk.validate_journal, journal)
    finally:
        schema._words, schema._four_ascii_digits = saved
    assert fast[1] == slow[1]
    if fast[0] is not None:
        pd.testing.assert_frame_equal(fast[0], slow[0])  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    offsets=st.lists(st.integers(-4 * 86400, 4 * 86400), min_size=1, max_size=6),
    edge=st.sampled_from(["1678-01-01", "2262-01-01", "2026-06-01"]),
    zone=st.sampled_from(["UTC", "Asia/Shanghai", "Pacific/Kiritimati", "Etc/GMT+12", None]),
    unit=st.sampled_from(["s", "ms", "us"]),
    gap=st.booleans(),
)
def test_the_quick_time_range_check_names_what_the_year_check_names(
    offsets: list[int], edge: str, zone: str | None, unit: str, gap: bool
) -> None:
    from receiptkit import schema

    base = pd.Timestamp(edge).as_unit(unit)
    series = pd.Series([base + pd.Timedelta(seconds=o) for o in offsets]).astype(f"datetime64[{unit}]")
    if zone is not None:
        series = series.dt.tz_localize("UTC").dt.tz_convert(zone)
    if gap:
        series = series.where(series.index != 0)
    fast = _outcome(schema._check_time_range, series, "ts", None)
    saved = schema._surely_in_range
    schema._surely_in_range = lambda values: False  # type: ignore[assignment]
    try:
        slow = _outcome(schema._check_time_range, series, "ts", None)
    finally:
        schema._surely_in_range = saved
    assert fast == slow


@pytest.mark.parametrize("validate", [rk.validate_journal, rk.validate_proofs])
def test_validators_read_tz_as_the_readers_do(validate):
    """validate_journal / validate_proofs handed tz to pandas: 'UTC+8' was a bare ValueError, 'GMT-5' a
    ZoneInfoNotFoundError (not a receiptkit error)."""
    data = rk.make_dataset(n_transactions=5, n_proofs=3, seed=1)
    frame = (data.journal if validate is rk.validate_journal else data.proofs).copy()
    frame["ts"] = frame["ts"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    out = validate(frame, tz="UTC+8")
    assert out["ts"].dropna().iloc[0].utcoffset() == pd.Timedelta(hours=8)
    with pytest.raises(rk.SchemaError, match="tz='Asia/Shanghaii' is not a time zone"):
        validate(frame, tz="Asia/Shanghaii")


@pytest.mark.parametrize("validate", [rk.validate_journal, rk.validate_proofs])
@pytest.mark.parametrize(("code", "hint"), [("XYZ", "ISO 4217"), ("RMB", "write CNY"), ("XAU", "ISO 4217")])
def test_a_currency_outside_iso_4217_is_refused_naming_row_and_value(validate, code, hint):
    """'XYZ' passed the schema (three letters) and took 2 decimals; 'RMB' stayed 'RMB' and never met a CNY sale."""
    data = rk.make_dataset(n_transactions=5, n_proofs=3, seed=1)
    frame = (data.journal if validate is rk.validate_journal else data.proofs).copy()
    frame["currency"] = frame["currency"].astype(object)
    frame.loc[frame.index[1], "currency"] = code
    with pytest.raises(rk.SchemaError, match=hint) as info:
        validate(frame)
    assert (info.value.row, info.value.column, info.value.value) == (2, "currency", code)
    frame.loc[frame.index[1], "currency"] = "usd"  # lower case is the code it spells
    assert validate(frame)["currency"].iloc[1] == "USD"


def test_a_card_number_in_a_proofs_wallet_number_is_masked_and_said(recwarn):
    """A wallet's 交易单号 is 28-40 digits (field guide 4); a whole card number there was kept and shown whole
    (find's proof line: 'wallet 4111111111111111'). Real wallet numbers are left as they are: they join."""
    from receiptkit.schema import FullPanWarning, validate_proofs

    frame = pd.DataFrame(
        {
            "proof_id": ["P1", "P2", "P3"],
            "kind": ["wallet", "wallet", "wallet"],
            "ts": ["2026-11-18 08:11:00+08:00"] * 3,
            "ts_precision": ["minute"] * 3,
            "amount_minor": [36800, 36800, 36800],
            "currency": ["CNY"] * 3,
            "direction": ["debit"] * 3,
            "wallet_txn_id": ["4111111111111111", "4200002971202611183306432119", "4111111111111112"],
        }
    )
    with pytest.warns(FullPanWarning, match="wallet_txn_id"):
        out = validate_proofs(frame)
    assert out["wallet_txn_id"].tolist() == [
        "411111******1111",
        "4200002971202611183306432119",
        "4111111111111112",
    ]


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x07", "\x7f", "\x85", "\x9b"])
@pytest.mark.parametrize("validate", [rk.validate_journal, rk.validate_proofs])
def test_a_control_character_in_a_text_cell_is_refused_naming_row_column_and_value(validate, char):
    """A NUL (or ESC, BEL, DEL, a C1 control) in a shop's name was kept as it was: printed to a terminal (an ESC
    sequence), cut or dropped by renderers, never said. It is a damaged cell: refused, named."""
    data = rk.make_dataset(n_transactions=5, n_proofs=3, seed=1)
    journal = validate is rk.validate_journal
    frame = (data.journal if journal else data.proofs).copy()
    column = "merchant_name" if journal else "merchant_text"
    frame[column] = frame[column].astype(object)
    frame.loc[frame.index[2], column] = f"海底{char}捞火锅"
    with pytest.raises(rk.SchemaError, match=f"control character U\\+{ord(char):04X}") as info:
        validate(frame)
    assert (info.value.row, info.value.column, info.value.value) == (3, column, f"海底{char}捞火锅")


@pytest.mark.parametrize("validate", [rk.validate_journal, rk.validate_proofs])
def test_tabs_line_breaks_and_latin_1_signs_in_text_are_kept(validate):
    data = rk.make_dataset(n_transactions=5, n_proofs=3, seed=1)
    journal = validate is rk.validate_journal
    frame = (data.journal if journal else data.proofs).copy()
    column = "merchant_name" if journal else "merchant_text"
    frame[column] = frame[column].astype(object)
    frame.loc[frame.index[2], column] = "Café\tNo.1\r\n¥ £ · ©"
    assert validate(frame)[column].iloc[2] == "Café\tNo.1\r\n¥ £ · ©"


def test_a_card_number_as_a_journals_order_no_or_rrn_is_masked_as_in_proofs():
    """Clean room 8: a canonical journal kept a card number whole in order_no (and rrn) while proofs masked
    their wallet_txn_id; both sides now mask the same identifiers alike, so a masked pair still compares
    equal. A dated order number (20261112...) and a 12-digit RRN are left as written."""
    from receiptkit.schema import FullPanWarning, validate_journal, validate_proofs

    journal = pd.DataFrame(
        {
            "txn_id": ["A1", "A2", "A3"],
            "ts": [pd.Timestamp("2026-11-12 10:00", tz="Asia/Shanghai")] * 3,
            "amount_minor": [100, 200, 300],
            "currency": ["CNY"] * 3,
            "merchant_name": ["x"] * 3,
            "txn_type": ["sale"] * 3,
            "status": ["approved"] * 3,
            "channel": ["card"] * 3,
            "order_no": ["5155545198964732", "2026111200001239", "ORD-1"],
            "rrn": ["343964581086447", "401512345601", None],
        }
    )
    with pytest.warns(FullPanWarning, match="order_no"):
        out = validate_journal(journal)
    assert out["order_no"].tolist()[:2] == ["515554******4732", "2026111200001239"]
    assert out["rrn"].tolist()[:2] == ["343964*****6447", "401512345601"]
    proofs = pd.DataFrame(
        {
            "proof_id": ["P1"],
            "kind": ["wallet"],
            "ts": ["2026-11-12 10:00:00+08:00"],
            "ts_precision": ["minute"],
            "amount_minor": [100],
            "currency": ["CNY"],
            "direction": ["debit"],
            "order_no": ["5155545198964732"],
        }
    )
    with pytest.warns(FullPanWarning, match="order_no"):
        assert validate_proofs(proofs)["order_no"].iloc[0] == out["order_no"].iloc[0]


def test_ids_unique_per_terminal_only_are_refused_naming_the_terminal_prefix() -> None:
    """Review 19, §12: two terminals' journals put together, each numbering its own sales 000123, 000124, ...
    The refusal is right (the audit log and the cap count by txn_id), and now it names the usual fix: prefix
    the terminal id, or let read_journal derive terminal_id/batch_no/stan; one terminal keeps the plain advice."""
    import pandas as pd

    from receiptkit.errors import SchemaError
    from receiptkit.schema import validate_journal

    def sale(terminal: str, txn_id: str, minutes: int, amount: int) -> dict[str, object]:
        return {
            "txn_id": txn_id,
            "merchant_id": "898310048161234",
            "terminal_id": terminal,
            "ts": pd.Timestamp("2026-11-20 14:00", tz="Asia/Shanghai") + pd.Timedelta(minutes=minutes),
            "amount_minor": amount,
            "currency": "CNY",
            "txn_type": "sale",
            "status": "approved",
            "channel": "card",
        }

    two = pd.DataFrame([sale("11000001", "000123", 0, 1000), sale("12000001", "000123", 5, 2500)])
    with pytest.raises(SchemaError) as caught:
        validate_journal(two)
    text = str(caught.value)
    assert "duplicate txn_id: rows 1 and 2 share it" in text, text
    assert "unique per terminal only" in text and "prefixing the terminal id" in text, text
    assert "df['txn_id'] = df['terminal_id'] + '/' + df['txn_id']" in text, text
    assert "terminal_id/batch_no/stan" in text, text
    fixed = two.assign(txn_id=two["terminal_id"] + "/" + two["txn_id"])
    assert list(validate_journal(fixed)["txn_id"]) == ["11000001/000123", "12000001/000123"]

    one = pd.DataFrame([sale("11000001", "000123", 0, 1000), sale("11000001", "000123", 5, 2500)])
    with pytest.raises(SchemaError) as caught:
        validate_journal(one)
    assert "unique per terminal only" not in str(caught.value)
    assert "give each its own txn_id" in str(caught.value)
