"""A clerk's mistyped id gets a "did you mean" naming ids only, never a chosen row (newcomer 19, G14.3).

``reprint --trace 000177 --terminal 1200002`` (a digit short) said "no transaction with stan 000177 on terminal
1200002", not that no such terminal is in the journal; ``reprint T0001111`` got no "did you mean T00001111".
"""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit.errors import JournalError
from receiptkit.reprinting import did_you_mean, lookup


@pytest.fixture
def journal() -> pd.DataFrame:
    rows = [
        ("T00001111", "12000002", "000177"),
        ("T00001112", "12000002", "000178"),
        ("T00000041", "11000001", "000177"),
        ("T00000500", "13000001", "000001"),
    ]
    return pd.DataFrame(rows, columns=["txn_id", "terminal_id", "stan"])


def test_a_txn_id_a_digit_short_is_refused_with_the_near_ids(journal) -> None:
    with pytest.raises(JournalError) as caught:
        lookup(journal, txn_id="T0001111")
    assert "no transaction with txn_id T0001111 in the journal; did you mean T00001111?" in str(caught.value)


def test_a_terminal_not_in_the_journal_is_said_so_with_the_near_terminal(journal) -> None:
    with pytest.raises(JournalError) as caught:
        lookup(journal, stan="000177", terminal_id="1200002")
    said = str(caught.value)
    assert "terminal 1200002 is not in the journal (it has 3 terminals); did you mean 12000002?" in said, said
    assert "T0000" not in said  # ids of terminals only: no sale is named


def test_nothing_near_suggests_nothing_and_a_found_id_is_not_second_guessed(journal) -> None:
    with pytest.raises(JournalError) as caught:
        lookup(journal, txn_id="X9")
    assert "did you mean" not in str(caught.value)
    assert lookup(journal, txn_id="T00001112").row["txn_id"] == "T00001112"
    assert did_you_mean("T00001111", ["T00001111"]) == ""


def test_several_near_ids_are_all_named_as_a_question(journal) -> None:
    said = did_you_mean("T0000111", ["T00001111", "T00001112", "T00000111", "T00000041"])
    assert said.startswith("; did you mean one of ") and said.endswith("?")
    assert "T00000041" not in said
