"""Every file the README's walk-through writes in the repository folder is ignored by git.

The walk-through writes ``merchant.pem`` (``key export-public``), but ``.gitignore`` ignored only
``/merchant.pub*``: ``git status`` offered it for commit. A merchant key (``merchant.key``, the demo's
``demo-merchant.key``) must never be offered.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from receiptkit.cli import app

ROOT = Path(__file__).resolve().parents[2]


def _ignored(paths: list[str]) -> set[str]:
    """The paths (relative to the repository) that the repository's .gitignore ignores."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "--no-index", "--stdin", "-z"],  # -z: names unquoted
        input="\0".join(paths) + "\0",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode in (0, 1), done.stderr
    return set(filter(None, done.stdout.split("\0")))


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_the_walk_through_leaves_nothing_to_commit(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RECEIPTKIT_KEY", raising=False)
    runner = CliRunner()

    def run(*args: str, codes: tuple[int, ...] = (0,)) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code in codes, (args, result.output, result.exception)
        return result.output

    run("demo", "--out", "receiptkit-demo", "--transactions", "800", "--proofs", "60")
    journal = "receiptkit-demo/journal.csv"
    run(
        "reconcile", "--journal", journal, "--proofs", "receiptkit-demo/proofs.csv", "--fx", "HKD:CNY=0.92",
        "--out", "report.xlsx", "--out", "report.html", codes=(0, 1),
    )  # fmt: skip
    run(
        "find",
        "--journal",
        journal,
        "--amount",
        "1.00",
        "--currency",
        "CNY",
        "--time",
        "2026-11-18",
        codes=(0, 1),
    )
    Path("merchant.key").write_text("hex:" + "ab" * 32 + "\n", encoding="utf-8")
    monkeypatch.setenv("RECEIPTKIT_KEY_FILE", "merchant.key")
    import pandas as pd

    txn = str(pd.read_csv(journal, dtype=str)["txn_id"].iloc[0])
    out = run(
        "reprint", txn, "--journal", journal, "--operator", "clerk7", "--reason", "customer lost slip",
        "--pdf", "dup.pdf", "--png", "dup.png", "--new-audit-log",
    )  # fmt: skip
    code = out.split("verification code ", 1)[1].split()[0]
    run("verify", code)
    run("key", "export-public", "merchant.pem")

    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert {"merchant.key", "merchant.pem", "receiptkit-audit.sqlite", "dup.pdf"} <= set(written)
    assert any(p.endswith("demo-merchant.key") for p in written)
    left = sorted(set(written) - _ignored(written))
    assert not left, f"git would offer these for commit: {left}"


def test_a_private_key_anywhere_in_the_repository_is_ignored():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    keys = ["merchant.key", "keys/shop-2.key", "tests/tmp/merchant.key", "journal.csv.receiptkit.json"]
    assert _ignored(keys) == set(keys)
