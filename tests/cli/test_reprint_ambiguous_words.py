"""A proof ``find`` calls AMBIGUOUS is refused by ``reprint`` saying in plain words why it was not matched and
what to ask next. Before session 16 the refusal said "it fits several transactions and T... is only one
candidate" even when that sale was the only one the proof fits (the demo's P0000195: 1 candidate, 98.0%)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.errors import ReprintRefused

from .conftest import run_cli

KEY = "hex:" + "5e" * 32


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo as `receiptkit demo` writes it: its P0000195 is ambiguous with one candidate (98.0%)."""
    from receiptkit.demo import run_demo

    folder = tmp_path_factory.mktemp("full-demo")
    run_demo(folder, slips=0, lost_terminal=False)
    return folder


def _ambiguous_proofs(demo_dir: Path) -> list[tuple[str, dict]]:
    """(proof_id, find's verdict) of the demo's proofs find calls ambiguous, as find weighs them."""
    journal = rk.read_journal(demo_dir / "journal.csv", tz="Asia/Shanghai")
    proofs = rk.read_proofs(demo_dir / "proofs.csv")
    index = rk.JournalIndex(journal)
    found = []
    for proof_id in proofs["proof_id"]:
        ranked = rk.find(index, proofs[proofs["proof_id"] == proof_id])
        if ranked.attrs["verdict"]["status"] == "ambiguous":
            found.append((str(proof_id), ranked.attrs["verdict"]))
    return found


def _one_candidate(demo_dir: Path, against: bool) -> tuple[str, dict]:
    for proof_id, verdict in _ambiguous_proofs(demo_dir):
        if len(verdict["candidate_txn_ids"]) == 1 and ("against the best" in verdict["reason"]) == against:
            return proof_id, verdict
    pytest.skip("the demo has no such proof")


def _reprint(demo_dir: Path, tmp_path: Path, proof_id: str, *txn: str) -> tuple[int, str]:
    done = run_cli(
        "reprint", "--new-audit-log", *txn, "--journal", "journal.csv", "--proof", "proofs.csv", "--proof-id", proof_id,
        "--tz", "Asia/Shanghai", "--no-learned", "--operator", "li", "--reason", "lost",
        "--audit", str(tmp_path / "audit.sqlite"), "--pdf", str(tmp_path / "dup.pdf"),
        cwd=demo_dir, RECEIPTKIT_KEY=KEY,
    )  # fmt: skip
    return done.returncode, done.stderr.decode("utf-8")


@pytest.mark.parametrize("typed", [False, True], ids=["no TXN_ID", "its TXN_ID"])
def test_the_only_candidate_below_the_threshold_is_refused_in_plain_words(
    full_demo: Path, tmp_path: Path, typed: bool
) -> None:
    proof_id, verdict = _one_candidate(full_demo, against=False)
    txn = verdict["candidate_txn_ids"][0]
    code, err = _reprint(full_demo, tmp_path, proof_id, *([txn] if typed else []))
    assert code == 2 and not (tmp_path / "dup.pdf").exists()
    assert "several" not in err and "only one candidate" not in err, err
    assert f"{txn} is the only sale that fits the proof" in err, err
    assert f"{verdict['confidence']:.1%} sure" in err and "a match needs 98.5%" in err, err
    assert verdict["ask"] and verdict["ask"] in err and "then find again" in err, err


def test_the_only_candidate_the_proof_disagrees_with_says_on_what(demo_dir: Path, tmp_path: Path) -> None:
    proof_id, verdict = _one_candidate(demo_dir, against=True)
    txn = verdict["candidate_txn_ids"][0]
    code, err = _reprint(demo_dir, tmp_path, proof_id)
    assert code == 2 and "several" not in err, err
    against = verdict["reason"].split("against the best: ", 1)[1]
    assert (
        f"{txn} is the only sale found for the proof, but the proof disagrees with it ({against})" in err
    ), err
    assert "(value" not in err, err  # the sale is named in the message: no unexplained "(value 'T...')"


def test_a_candidate_row_of_find_is_refused_in_the_same_words_in_python(
    full_demo: Path, tmp_path: Path
) -> None:
    proof_id, verdict = _one_candidate(full_demo, against=False)
    journal = rk.read_journal(full_demo / "journal.csv", tz="Asia/Shanghai")
    proofs = rk.read_proofs(full_demo / "proofs.csv")
    ranked = rk.find(journal, proofs[proofs["proof_id"] == proof_id])
    with pytest.raises(ReprintRefused) as caught:
        rk.reprint(
            ranked.iloc[0], journal=journal, operator="li", reason="lost", pdf=tmp_path / "x.pdf",
            audit=str(tmp_path / "audit.sqlite"), key=KEY,new_audit_log=True)  # fmt: skip
    said = str(caught.value)
    assert caught.value.rule == "ambiguous" and "several" not in said
    assert "is the only sale that fits the proof" in said and verdict["ask"] in said, said


def test_a_proof_fitting_several_sales_still_says_so(demo_dir: Path, tmp_path: Path) -> None:
    several = [
        (proof_id, verdict)
        for proof_id, verdict in _ambiguous_proofs(demo_dir)
        if len(verdict["candidate_txn_ids"]) >= 2 and "against the best" not in verdict["reason"]
    ]
    if not several:
        pytest.skip("the demo has no such proof")
    proof_id, verdict = several[0]
    best, following = verdict["candidate_txn_ids"][:2]
    code, err = _reprint(demo_dir, tmp_path, proof_id)
    assert code == 2 and f"{best} fits the proof best" in err, err
    code, err = _reprint(demo_dir, tmp_path, proof_id, following)
    assert code == 2 and f"{following} is not the sale the proof fits best ({best} is, " in err, err
    elsewhere = next(
        t
        for t in pd.read_csv(demo_dir / "journal.csv", dtype=str)["txn_id"]
        if t not in verdict["candidate_txn_ids"]
    )
    code, err = _reprint(demo_dir, tmp_path, proof_id, elsewhere)
    assert code == 2 and f"the proof does not point to {elsewhere}: the sale it fits best is {best}" in err, (
        err
    )
