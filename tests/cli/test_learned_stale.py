"""A journal file changed after ``reconcile`` learned its clocks: ``find`` and ``reprint`` say so.

The kept clock offsets were learned from the journal as it was. A new export saved under the same name (a
terminal whose clock has since been set right) is corrected by the old offsets all the same: on the demo, a
Hong Kong customer's 08:00 proof was MATCHED to a stranger's sale logged 8 hours earlier (the terminal's old
-7 h 59 min 46 s). The note now says the journal changed after the offsets were learned and what to do.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from typer.testing import CliRunner

from receiptkit.cli import app


def _find(folder: Path):
    args = ["find", "--journal", str(folder / "journal.csv"), "--amount", "1.00", "--currency", "CNY"]
    return CliRunner().invoke(app, [*args, "--time", "2026-11-18 08:11", "--no-cache"], terminal_width=200)


def _learned(folder: Path) -> None:
    data = {
        "format": "receiptkit-learned",
        "version": 3,
        "journal": "journal.csv",
        "updated_at": "2026-12-01T00:00:00+00:00",
        "clock_offsets": {"13000001": {"offset_s": -28786, "votes": 30.0}},
    }
    (folder / "journal.csv.receiptkit.json").write_text(json.dumps(data), encoding="utf-8")


def test_a_journal_changed_after_the_offsets_were_learned_is_said(demo_dir, tmp_path):
    shutil.copy(demo_dir / "journal.csv", tmp_path / "journal.csv")
    _learned(tmp_path)
    fresh = _find(tmp_path)
    assert "using what earlier runs learned" in fresh.output and "changed after" not in fresh.output
    later = time.time() + 60
    os.utime(tmp_path / "journal.csv", (later, later))  # a new export saved over it
    stale = _find(tmp_path)
    assert "journal.csv changed after these were learned" in stale.output, stale.output
    assert "reconcile again" in stale.output and "--no-learned" in stale.output


def test_reprint_says_it_too(demo_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "5d" * 32)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    shutil.copy(demo_dir / "journal.csv", tmp_path / "journal.csv")
    _learned(tmp_path)
    later = time.time() + 60
    os.utime(tmp_path / "journal.csv", (later, later))
    args = ["reprint", "--journal", str(tmp_path / "journal.csv"), "--amount", "1.00", "--currency", "CNY"]
    args += [
        "--time",
        "2026-11-18 08:11",
        "--operator",
        "li",
        "--reason",
        "lost",
        "--pdf",
        str(tmp_path / "d.pdf"),
    ]
    done = CliRunner().invoke(app, [*args, "--audit", str(tmp_path / "audit.sqlite")])
    assert done.exit_code == 2 and "journal.csv changed after these were learned" in done.output, done.output
