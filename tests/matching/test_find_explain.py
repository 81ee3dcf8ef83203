"""find() at the counter (with a reusable JournalIndex) and explain()'s evidence waterfall."""

from __future__ import annotations

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.errors import SchemaError
from receiptkit.matching.evidence import FIELDS

from .conftest import background, journal, pf, proofs, row_of, txn

J = journal(
    *background(),
    txn("A", 12850, "14:32:10", card_last4="1234", rrn="631099887766"),
    txn("B", 12850, "14:40:00", card_last4="9876"),
    txn("C", 12850, "14:31:50", card_last4="5555"),
)
REF = pd.Timestamp("2026-11-25").date()


def test_find_with_keywords_ranks_candidates_with_confidence() -> None:
    ranked = rk.find(J, amount="128.50", time="2026-11-20 14:32", last4="1234")
    assert ranked["txn_id"].iloc[0] == "A"
    assert ranked["confidence"].is_monotonic_decreasing
    assert ranked["confidence"].iloc[0] > 0.99
    assert {"confidence", "why", "txn_id", "amount_minor", "ts"} <= set(ranked.columns)
    verdict = ranked.attrs["verdict"]
    assert (verdict["status"], verdict["txn_id"]) == ("matched", "A")


def test_find_without_the_card_lists_both_sales_in_the_minute() -> None:
    ranked = rk.find(J, amount="128.50", time="2026-11-20 14:32")
    assert set(ranked["txn_id"].head(2)) == {"A", "C"}
    assert ranked.attrs["verdict"]["status"] == "ambiguous"
    assert "last 4" in ranked.attrs["verdict"]["ask"]


def test_find_reuses_an_index_and_gives_the_same_answer() -> None:
    index = rk.JournalIndex(J)
    proof = rk.proof(amount="128.50", time="11-20 14:32", last4="1234", ref=REF)
    first = rk.find(index, proof)
    again = rk.find(index, proof)
    plain = rk.find(J, proof)
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, plain)
    for clock, last4, expected in (("14:40", "9876", "B"), ("14:31", "5555", "C")):
        p = rk.proof(amount="128.50", time=f"11-20 {clock}", last4=last4, ref=REF)
        assert rk.find(index, p)["txn_id"].iloc[0] == expected


def test_find_with_no_candidate_is_empty_and_says_why() -> None:
    ranked = rk.find(J, amount="999.99", time="2026-11-20 14:32")
    assert ranked.empty
    verdict = ranked.attrs["verdict"]
    assert verdict["status"] == "unmatched"
    assert "999.99" in verdict["reason"]


def test_index_requires_an_aware_canonical_journal() -> None:
    with pytest.raises(SchemaError):
        rk.JournalIndex(J.drop(columns=["amount_minor"]))


def test_explain_shows_each_field_for_the_best_and_the_runner_up() -> None:
    p = proofs(pf("p1", 12850, "14:32:00", kind="sms", ts_precision="minute", card_last4="1234"))
    result = rk.match(p, J)
    assert row_of(result, "p1")["txn_id"] == "A"
    table = rk.explain(result, "p1")
    assert table["field"].tolist() == ["base rate", *FIELDS, "posterior"]
    for column in (
        "proof_value",
        "best_txn_id",
        "best_value",
        "best_level",
        "best_bits",
        "runner_up_txn_id",
        "runner_up_value",
        "runner_up_level",
        "runner_up_bits",
    ):
        assert column in table.columns
    by_field = table.set_index("field")
    assert by_field.loc["card_last4", "proof_value"] == "1234"
    assert by_field.loc["card_last4", "best_value"] == "1234"
    assert by_field.loc["card_last4", "best_level"] == "agree"
    assert by_field.loc["card_last4", "runner_up_level"] == "differs"
    assert by_field.loc["card_last4", "best_bits"] > 0 > by_field.loc["card_last4", "runner_up_bits"]
    assert by_field.loc["amount", "best_level"] == "exact"
    assert by_field["best_txn_id"].eq("A").all()
    assert by_field["runner_up_txn_id"].eq("C").all()
    # the waterfall adds up: the best candidate's bits outweigh the runner-up's
    bits = by_field.drop(index="posterior")
    assert bits["best_bits"].sum() > bits["runner_up_bits"].sum()


def test_explain_of_an_unknown_proof_and_of_a_foreign_frame() -> None:
    result = rk.match(proofs(pf("p1", 12850, "14:32:00", card_last4="1234")), J)
    with pytest.raises(KeyError):
        rk.explain(result, "nope")
    with pytest.raises(ValueError):
        rk.explain(_strip(result), "p1")


def _strip(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.attrs = {}
    return frame


def test_index_without_zone_is_refused() -> None:
    naive = J.copy()
    naive["ts"] = naive["ts"].dt.tz_localize(None)
    with pytest.raises(SchemaError):
        rk.JournalIndex(naive)


def test_explain_rows_are_written_by_the_comparators(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each field row of explain is its comparator's explanation_row (issue #17 item 6), not explain's own text."""
    from receiptkit.matching.comparators import Comparator

    j = journal(*background(), txn("A", 12850, "14:32:10", card_last4="1234"))
    result = rk.match(proofs(pf("p1", 12850, "14:32:05", card_last4="1234")), j)
    plain = rk.explain(result, "p1").set_index("field")
    written = Comparator.explanation_row

    def marked(self, proof_value, journal_value, reading, weight):  # type: ignore[no-untyped-def]
        row = written(self, proof_value, journal_value, reading, weight)
        return {**row, "level": f"{self.field}:{row['level']}", "note": f"by {type(self).__name__}"}

    monkeypatch.setattr(Comparator, "explanation_row", marked)
    shown = rk.explain(result, "p1").set_index("field")
    for field in FIELDS:
        assert shown.loc[field, "best_level"] == f"{field}:{plain.loc[field, 'best_level']}"
        assert shown.loc[field, "best_note"].startswith("by ")
        assert shown.loc[field, "best_bits"] == plain.loc[field, "best_bits"]
    assert shown.loc["card_last4", "best_level"] == "card_last4:agree"
