"""An id given to two different proofs, or to two different sales, is refused where every consumer enters.

Newcomer 19, G18: two statements both named ``statement.csv`` give the same ids (``statement:3``), and
``reconcile`` counted their rows twice in its summary, then ``write`` died in a pandas merge. G19: a journal
frame built in code with one ``txn_id`` on two different sales was accepted, and a duplicate receipt of one
sale was numbered as the other's.
"""

from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.datasets import make_dataset


@pytest.fixture(scope="module")
def data():
    return make_dataset(n_transactions=300, n_proofs=40, seed=3)


@pytest.fixture
def two_statements(samples: Path, tmp_path: Path) -> pd.DataFrame:
    """Two months' statements under one file name, read separately and concatenated (docs/proofs.md)."""
    for month, sample in (
        ("m10", "bank_cn_boc/example-boc-debit-records.csv"),
        ("m11", "bank_cn_cmb/example-cmb-debit-records.csv"),
    ):
        (tmp_path / month).mkdir()
        shutil.copy(samples / sample, tmp_path / month / "statement.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frames = [rk.read_proofs(tmp_path / month / "statement.csv") for month in ("m10", "m11")]
    both = pd.concat(frames, ignore_index=True)
    assert both["proof_id"].duplicated().sum() == 4  # statement:3 .. statement:6 in both
    return both


def test_validate_proofs_names_the_repeated_ids_their_sources_and_the_way_forward(two_statements) -> None:
    with pytest.raises(rk.SchemaError) as caught:
        rk.validate_proofs(two_statements)
    error = caught.value
    assert error.column == "proof_id"
    assert error.value == "statement:3"
    assert error.row == 1  # the first row holding it
    text = str(error)
    assert "rows 1 and 19" in text
    assert re.search(r"m10/statement\.csv line 3.*m11/statement\.csv line 3", text)
    assert "4 ids are repeated" in text and "'statement:6'" in text
    assert "distinct names" in text and "proof_id" in text


@pytest.mark.parametrize(
    "consumer, error",
    [("match", rk.SchemaError), ("reconcile", rk.SchemaError), ("read_proofs", rk.ProofError)],
)
def test_every_consumer_refuses_repeated_proof_ids(two_statements, data, consumer, error) -> None:
    call = {
        "match": lambda: rk.match(two_statements, data.journal),
        "reconcile": lambda: rk.reconcile(two_statements, data.journal),
        "read_proofs": lambda: rk.read_proofs(
            two_statements
        ),  # a frame read as canonical: its reader's error
    }[consumer]
    with pytest.raises(error, match="proof_id 'statement:3' is given to 2 proofs: rows 1 and 19"):
        call()


def test_a_proof_given_twice_is_refused_even_as_an_exact_copy(data) -> None:
    proofs = pd.concat([data.proofs, data.proofs.iloc[[5]]], ignore_index=True)
    with pytest.raises(rk.SchemaError, match="is given to 2 proofs") as caught:
        rk.match(proofs, data.journal)
    assert caught.value.row == 6 and caught.value.value == data.proofs["proof_id"].iloc[5]


def test_a_canonical_proofs_file_with_a_repeated_id_is_refused_at_its_line(data, tmp_path: Path) -> None:
    proofs = pd.concat([data.proofs, data.proofs.iloc[[5]]], ignore_index=True)
    path = tmp_path / "proofs.csv"
    proofs.to_csv(path, index=False)
    with pytest.raises(rk.ProofError, match="is given to 2 proofs") as caught:
        rk.read_proofs(path)
    assert caught.value.file is not None and caught.value.row == 7  # data row 6 is line 7 (header is line 1)


def test_distinct_proof_ids_are_untouched(two_statements, data) -> None:
    renamed = two_statements.copy()
    renamed["proof_id"] = renamed["source"].str.split("/").str[-2] + ":" + renamed["source_row"].astype(str)
    out = rk.validate_proofs(renamed)
    assert list(out["proof_id"]) == list(renamed["proof_id"])  # never renumbered
    rec = rk.reconcile(renamed, data.journal)
    assert len(rec.result) == len(renamed)


def _two_sales_one_id(journal: pd.DataFrame) -> tuple[pd.DataFrame, str, str]:
    sales = journal[(journal["txn_type"] == "sale") & (journal["status"] == "approved")]
    first, second = sales["txn_id"].iloc[0], sales["txn_id"].iloc[1]
    out = journal.copy()
    out.loc[out["txn_id"] == second, "txn_id"] = first  # a POS that reuses ids across terminals
    return out, first, second


@pytest.mark.parametrize("consumer", ["validate_journal", "match", "JournalIndex"])
def test_two_different_sales_under_one_txn_id_are_refused(data, consumer) -> None:
    journal, shared, _ = _two_sales_one_id(data.journal)
    rows = [int(k) + 1 for k in (journal.index[journal["txn_id"] == shared])]
    call = {
        "validate_journal": lambda: rk.validate_journal(journal),
        "match": lambda: rk.match(data.proofs, journal),
        "JournalIndex": lambda: rk.JournalIndex(journal),
    }[consumer]
    with pytest.raises(rk.SchemaError) as caught:
        call()
    error = caught.value
    assert error.column == "txn_id" and error.value == shared and error.row == rows[0]
    # read_journal's wording, then what differs and what to do
    assert f"duplicate txn_id: rows {rows[0]} and {rows[1]} share it" in str(error)
    assert "amount_minor" in str(error) and "its own txn_id" in str(error)


def test_read_journal_and_validate_journal_refuse_the_same_frame_in_the_same_words(data) -> None:
    journal, shared, _ = _two_sales_one_id(data.journal)
    a, b = (int(k) + 1 for k in journal.index[journal["txn_id"] == shared])
    with pytest.raises(rk.JournalError, match=f"duplicate txn_id: rows {a} and {b} share it"):
        rk.read_journal(journal)
    with pytest.raises(rk.SchemaError, match=f"duplicate txn_id: rows {a} and {b} share it"):
        rk.validate_journal(journal)


def test_a_journal_written_out_twice_is_still_the_same_transactions(data) -> None:
    # exact copies under the same ids: one transaction logged twice (JournalIndex keeps the first, flags the rest)
    twice = pd.concat([data.journal, data.journal], ignore_index=True)
    out = rk.validate_journal(twice)
    assert list(out["txn_id"]) == list(twice["txn_id"])
    rk.JournalIndex(twice)
