"""report_tables(): the sheets' contents, times at their precision, offsets as text."""

from __future__ import annotations

import pandas as pd

from receiptkit.reports import SHEETS, report_tables
from receiptkit.reports.tables import offset_text, proof_rows


def test_sheets_and_their_key_columns(rec):
    tables = rec.tables()
    assert tuple(tables) == SHEETS
    assert {"txn_id", "txn_time", "confidence", "flags", "reason"} <= set(tables["matched"].columns)
    assert {"rank", "candidate_txn_id", "candidate_confidence", "ask"} <= set(tables["ambiguous"].columns)
    assert {"reason", "n_candidates"} <= set(tables["unmatched"].columns)
    assert {"terminal_id", "offset_s", "offset", "used", "matched_proofs"} <= set(
        tables["clock offsets"].columns
    )


def test_times_follow_the_precision_of_each_proof(rec):
    rows = rec.rows().set_index("proof_id")
    proofs = rec.proofs.set_index("proof_id")
    for pid, precision, length in (("day", "day", 10), ("minute", "minute", 16), ("second", "second", 19)):
        ids = proofs.index[proofs["ts_precision"] == precision]
        assert len(ids), pid
        assert rows.loc[ids, "time"].str.len().eq(length).all(), precision


def test_times_are_shown_in_the_requested_zone(rec, dataset):
    first = rec.proofs[rec.proofs["ts"].notna() & (rec.proofs["ts_precision"] == "second")].iloc[0]
    shanghai = report_tables(rec.result, rec.proofs, dataset.journal, tz="Asia/Shanghai")
    utc = proof_rows(rec.result, rec.proofs, dataset.journal, tz="UTC").set_index("proof_id")
    expected = first["ts"].tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S")
    assert utc.loc[first["proof_id"], "time"] == expected
    assert shanghai  # built without error in another zone


def test_clock_offsets_count_matched_proofs_per_terminal(rec):
    offsets = rec.tables()["clock offsets"].set_index("terminal_id")
    matched = rec.result[rec.result["status"] == "matched"]
    for terminal, n in matched["terminal_id"].value_counts().items():
        if terminal in offsets.index:
            assert offsets.loc[terminal, "matched_proofs"] == n
    assert (offsets["offset"] == offsets["offset_s"].map(offset_text)).all()


def test_offset_text():
    assert offset_text(416) == "+6 min 56 s"
    assert offset_text(-28768) == "-7 h 59 min 28 s"
    assert offset_text(3600) == "+1 h 0 min 0 s"
    assert offset_text(pd.NA) == ""


def test_inputs_are_not_changed(rec, dataset):
    before = (rec.result.copy(), rec.proofs.copy())
    report_tables(rec.result, rec.proofs, dataset.journal)
    pd.testing.assert_frame_equal(rec.result, before[0])
    pd.testing.assert_frame_equal(rec.proofs, before[1])


def test_a_proof_window_is_shown_whole_not_as_an_exact_time() -> None:
    import receiptkit as rk
    from receiptkit.reports.tables import _times

    hour = rk.proof(amount="88.00", time="11月3日 上午8点", ref="2026-11-20")
    point = rk.proof(amount="88.00", time="2026-11-03 08:05", ref="2026-11-20")
    both = pd.concat([hour, point], ignore_index=True)
    text = _times(both["ts"], both["ts_precision"], both["date"], "Asia/Shanghai", both["ts_end"]).tolist()
    assert text == ["2026-11-03 08:00 to 2026-11-03 09:00", "2026-11-03 08:05"]


def test_a_terminals_card_clock_counts_the_proofs_of_its_card_sales() -> None:
    """A terminal whose card sales keep a clock of their own (``"T1 card"``) has two rows in the sheet.

    Before (review of session 12) the ``"T1 card"`` row counted no matched proof (no proof is matched to a
    terminal of that name) and the ``"T1"`` row all of them, card sales' proofs too: the ten SMS its card clock
    found read as found by T1's own offset.
    """
    from tests.matching.test_card_clock import UTC_CLOCK, _aggregator

    import receiptkit as rk
    from receiptkit.matching.clocks import card_clock_key

    journal, batch, truth = _aggregator(UTC_CLOCK)
    result = rk.match(batch, journal)
    offsets = report_tables(result, batch, journal)["clock offsets"].set_index("terminal_id")
    matched = result[result["status"] == "matched"]
    card = matched["txn_id"].astype(str).str.startswith("C") & (matched["terminal_id"] == "T1")
    assert int(card.sum()) == sum(t.startswith("C") for t in truth.values())
    assert offsets.loc[card_clock_key("T1"), "matched_proofs"] == int(card.sum())
    assert offsets.loc["T1", "matched_proofs"] == int(((matched["terminal_id"] == "T1") & ~card).sum())
    assert offsets.loc[card_clock_key("T1"), "card_sales_of"] == "T1"  # the row says whose card sales it is
    assert pd.isna(offsets.loc["T1", "card_sales_of"])


def test_a_terminal_named_t1_card_is_its_own_row_not_t1s_card_sales() -> None:
    """Beside terminal T1, a terminal named "T1 card": its row is its own (tests/matching/test_card_clock_names.py).

    Before (session 13) its row counted the proofs of T1's card sales and T1's row only those of T1's other rows.
    """
    from tests.matching.test_card_clock_names import _both

    import receiptkit as rk

    journal, batch, _ = _both(0)
    result = rk.match(batch, journal)
    offsets = report_tables(result, batch, journal)["clock offsets"].set_index("terminal_id")
    assert pd.isna(offsets.loc["T1 card", "card_sales_of"]) and pd.isna(offsets.loc["T1", "card_sales_of"])
    assert offsets.loc["T1 card", "matched_proofs"] == 12  # its own twelve sales' SMS
    assert offsets.loc["T1", "matched_proofs"] == 50  # T1's forty QR records and ten card SMS
