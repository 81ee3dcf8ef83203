"""The README's and docs/cli.md's walk-through say what the demo and the commands print.

A newcomer found "79 + 20 proofs are left open" and "99 proofs" where the demo shows 81 + 20, "5,000
transactions" where it prints 5228, and "reprint 1; signed by key" where `verify` prints "reprint 1,
signed by key". These numbers are computed here from the demo itself and looked up in the docs.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import receiptkit as rk
from receiptkit.cli import app
from receiptkit.demo import run_demo

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CLI_MD = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
MATCHING_MD = (ROOT / "docs" / "matching.md").read_text(encoding="utf-8")
FINGERPRINT = re.compile(r"\b[A-Z2-7]{4}(?:-[A-Z2-7]{4}){3}\b")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The README's demo with its defaults (no slips, no lost-terminal day: they change no count)."""
    folder = tmp_path_factory.mktemp("readme-demo")
    summary = run_demo(folder, slips=0, lost_terminal=False)
    return folder, summary


def _one(pattern: str, text: str, where: str) -> re.Match[str]:
    found = list(re.finditer(pattern, text))
    assert len(found) == 1, f"{where}: {len(found)} matches of {pattern!r}"
    return found[0]


def test_the_demo_lines_are_what_it_prints(demo):
    _, summary = demo
    for line in summary.lines()[:2]:  # "journal: N transactions; proofs: P", "match: ambiguous A, ..."
        assert f"\n{line}\n" in README, line


def test_the_open_proofs_and_the_journal_size_add_up(demo):
    _, summary = demo
    counts = summary.status_counts
    ambiguous, unmatched = counts.get("ambiguous", 0), counts.get("unmatched", 0)
    said = _one(r"`reconcile` exits 1 here \((\d+) \+ (\d+) proofs are\s+left open", README, "README.md")
    assert (int(said[1]), int(said[2])) == (ambiguous, unmatched)
    said = _one(
        r"`reconcile` exits 1 here: (\d+) proofs \((\d+) ambiguous, (\d+) unmatched\)", CLI_MD, "cli.md"
    )
    assert (int(said[1]), int(said[2]), int(said[3])) == (ambiguous + unmatched, ambiguous, unmatched)
    rows = f"{summary.n_transactions:,} journal rows"
    assert rows in CLI_MD and rows in MATCHING_MD, rows
    for text in (README, CLI_MD):
        assert (
            f"reconciliation: {summary.n_proofs} proofs against {summary.n_transactions} transactions" in text
        )
        assert not re.search(r"\b5,000 transactions\b", text)


def test_the_reconcile_table_counts_are_what_reconcile_finds(demo):
    folder, _ = demo
    journal = rk.read_journal(folder / "journal.csv")
    proofs = rk.read_proofs(folder / "proofs.csv")
    policy = rk.MatchPolicy(
        fx_rates={("HKD", "CNY"): Decimal("0.92")}
    )  # the walk-through's --fx HKD:CNY=0.92
    counts = rk.reconcile(proofs, journal, policy=policy).counts
    for name, text in (("README.md", README), ("docs/cli.md", CLI_MD)):
        for status in ("matched", "ambiguous", "unmatched"):
            row = _one(rf"│ {status} +│ +(\d+) │", text, f"{name} {status}")
            assert int(row[1]) == counts[status], (name, status)


def test_the_python_example_says_its_figures_differ_from_reconcile_s_and_why(demo):
    """A newcomer running the README's `rk.match(proofs, journal)` on the demo got about 290/80/30, not the
    299/81/20 of `reconcile --fx HKD:CNY=0.92`, and the README did not say why."""
    folder, _ = demo
    journal = rk.read_journal(folder / "journal.csv")
    proofs = rk.read_proofs(folder / "proofs.csv")
    plain = rk.match(proofs, journal)["status"].value_counts()
    rate = rk.MatchPolicy(fx_rates={("HKD", "CNY"): Decimal("0.92")})
    with_rate = rk.match(proofs, journal, policy=rate)["status"].value_counts()
    said = _one(
        r"gives matched (\d+), ambiguous (\d+), unmatched (\d+) where `reconcile --fx HKD:CNY=0\.92` "
        r"gives (\d+)/(\d+)/(\d+)",
        " ".join(README.split()),
        "README.md",
    )
    statuses = ("matched", "ambiguous", "unmatched")
    assert [int(x) for x in said.groups()[:3]] == [int(plain[s]) for s in statuses]
    assert [int(x) for x in said.groups()[3:]] == [int(with_rate[s]) for s in statuses]
    assert int(plain["matched"]) < int(with_rate["matched"])  # the rate is what makes the difference


def test_the_public_key_verify_line_is_what_verify_prints(tmp_path, monkeypatch):
    from receiptkit.verification import canonical_fields, make_code

    key = "hex:" + "5a" * 32
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECEIPTKIT_KEY", key)
    assert CliRunner().invoke(app, ["key", "export-public", "merchant.pem"]).exit_code == 0
    row = {
        "txn_id": "T00002798",
        "merchant_id": "898310058120003",
        "terminal_id": "12000002",
        "ts": "2026-11-18T08:11:17+08:00",
        "amount_minor": 36800,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
    }
    payload = make_code(canonical_fields(row, 1, "2026-12-06T08:29:09Z"), key).qr_payload
    monkeypatch.delenv("RECEIPTKIT_KEY")
    result = CliRunner().invoke(app, ["verify", payload, "--public-key", "merchant.pem"])
    assert result.exit_code == 0, result.output
    printed = FINGERPRINT.sub("FP", result.output.splitlines()[0])
    documented = _one(r"GENUINE: the signature matches[^\n]*", README, "README.md")[0]
    assert FINGERPRINT.sub("FP", documented) == printed
