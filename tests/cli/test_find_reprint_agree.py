"""``find`` and ``reprint`` agree on a proof matched between the matcher's threshold and 0.995.

A counter proof matched at 99.3 % (demo seed 9, P0000032, with the clock offsets ``reconcile`` kept) was
MATCHED by ``find``, which printed a ``reprint with:`` line, and the reprint it offered was refused (rule
confidence, below 0.995).
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from receiptkit.cli import app
from receiptkit.demo import run_demo
from receiptkit.matching.policy import MatchPolicy
from receiptkit.reprinting import ReprintPolicy

KEY = "hex:" + "5a" * 32
PROOF = "P0000032"  # matched at 0.9933 in the conftest demo (seed 9): above 0.985, below 0.995


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    """The conftest demo in a folder of its own, with what ``reconcile`` learned kept for the counter."""
    folder = tmp_path_factory.mktemp("gate-demo")
    run_demo(folder, n_transactions=1000, n_proofs=80, seed=9, slips=0)
    args = ["reconcile", "--journal", str(folder / "journal.csv"), "--proofs", str(folder / "proofs.csv")]
    done = CliRunner().invoke(app, [*args, "--out", str(folder / "r.csv")], terminal_width=300)
    assert done.exit_code in (0, 1), done.output
    assert (folder / "journal.csv.receiptkit.json").is_file()
    return folder


def _find(demo_dir, *extra: str):
    args = ["find", "--journal", str(demo_dir / "journal.csv"), "--proof", str(demo_dir / "proofs.csv")]
    return CliRunner().invoke(app, [*args, "--proof-id", PROOF, "--no-cache", *extra], terminal_width=300)


def test_the_proof_is_between_the_matcher_threshold_and_the_old_reprint_minimum(demo_dir):
    found = _find(demo_dir)
    assert "MATCHED" in found.output and "99.3" in found.output, found.output
    assert MatchPolicy().match_threshold < 0.9933 < 0.995


def test_the_reprint_line_find_offers_is_not_refused(demo_dir, tmp_path, monkeypatch):
    found = _find(demo_dir)
    assert found.exit_code == 0, found.output
    line = found.output.split("reprint with:", 1)[1].split("\n\n")[0].replace("\n", " ")
    command = shlex.split(line)
    assert command[:2] == ["receiptkit", "reprint"]
    command = [
        c for c in command[1:] if c not in ("NAME", "TEXT", "dup.pdf", "--operator", "--reason", "--pdf")
    ]
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    pdf = tmp_path / "dup.pdf"
    audit = tmp_path / "audit.sqlite"
    done = CliRunner().invoke(
        app,
        [
            *command,
            "--operator",
            "ann",
            "--reason",
            "customer copy",
            "--pdf",
            str(pdf),
            "--audit",
            str(audit),
            "--new-audit-log",  # a fresh log here: the first reprint starts it explicitly (newcomer 18, F1)
        ],
        terminal_width=300,
    )
    assert done.exit_code == 0, done.output
    assert "confidence" not in done.output and pdf.is_file()


def test_a_stricter_reprint_minimum_is_said_by_find_and_no_reprint_line_is_offered(
    demo_dir, tmp_path, monkeypatch
):
    """A ReprintPolicy with an explicit higher minimum keeps it; find then says the match is below it."""
    from receiptkit.cli import counter

    strict = ReprintPolicy(min_confidence=0.995)
    assert strict.min_confidence == 0.995
    monkeypatch.setattr(counter, "reprint_policy", lambda **kw: ReprintPolicy(min_confidence=0.995, **kw))
    found = _find(demo_dir)
    assert "reprint with:" not in found.output, found.output
    text = " ".join(found.output.split())
    assert "matched at 99.3 %, below the reprint minimum 99.5 %" in text, found.output
    assert "ask for" in text.split("below the reprint minimum", 1)[1]
    assert found.exit_code != 0
    # and the reprint, under the same policy, refuses it for that reason
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    args = [
        "reprint",
        "--new-audit-log",
        "--journal",
        str(demo_dir / "journal.csv"),
        "--proof",
        str(demo_dir / "proofs.csv"),
    ]
    args += ["--proof-id", PROOF, "--operator", "ann", "--reason", "copy", "--pdf", str(tmp_path / "d.pdf")]
    refused = CliRunner().invoke(app, [*args, "--audit", str(tmp_path / "a.sqlite")], terminal_width=300)
    assert refused.exit_code == 2 and "[confidence]" in refused.output, refused.output


@pytest.mark.parametrize("threshold", [0.97, 0.985, 0.99])
def test_the_reprint_default_minimum_is_read_from_the_match_policy(monkeypatch, threshold):
    import dataclasses

    from receiptkit.matching import policy as policy_module

    fields = {f.name: f for f in dataclasses.fields(MatchPolicy)}
    assert (
        ReprintPolicy().min_confidence == fields["match_threshold"].default == MatchPolicy().match_threshold
    )
    monkeypatch.setattr(policy_module.MatchPolicy, "__init__", _init_with(threshold))
    assert ReprintPolicy().min_confidence == threshold


def _init_with(threshold: float):
    original = MatchPolicy.__init__

    def init(self, *args, **kwargs):
        kwargs.setdefault("match_threshold", threshold)
        original(self, *args, **kwargs)

    return init


def test_the_threshold_the_help_and_the_docs_give_is_the_policys():
    """`reconcile --help` and docs/cli.md said 0.995 long after the default became 0.985."""
    threshold = f"{MatchPolicy().match_threshold}"
    import typer

    command = typer.main.get_command(app).commands["reconcile"]  # type: ignore[attr-defined]
    help_text = next(p.help for p in command.params if p.name == "threshold")
    assert f"default: MatchPolicy's match_threshold, {threshold})" in help_text, help_text
    docs = Path(__file__).resolve().parents[2] / "docs"
    assert f"[--threshold {threshold}]" in (docs / "cli.md").read_text(encoding="utf-8")
    assert f"match_threshold`, {threshold})" in (docs / "reprint.md").read_text(encoding="utf-8")
    assert "0.995" not in help_text
