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
    args = [
        "reprint",
        "--new-audit-log",
        "--journal",
        str(tmp_path / "journal.csv"),
        "--amount",
        "1.00",
        "--currency",
        "CNY",
    ]
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


def test_a_new_export_with_the_clock_corrected_is_held_not_matched_to_a_stranger(demo_dir, tmp_path):
    """``reconcile`` records the rows each offset was learned from; a journal whose rows differ is doubted.

    The vendor's new export corrects the off terminal's times. Its old offset would move another sale of the
    amount onto the customer's minute, or the customer's own sale hours away; ``find`` now holds the proof
    and says why, instead of matching by the old offset.
    """
    import pandas as pd

    for name in ("journal.csv", "proofs.csv"):
        shutil.copy(demo_dir / name, tmp_path / name)
    journal = tmp_path / "journal.csv"
    done = CliRunner().invoke(
        app,
        [
            "reconcile",
            "--journal",
            str(journal),
            "--proofs",
            str(tmp_path / "proofs.csv"),
            "--fx",
            "HKD:CNY=0.92",
        ],
    )
    assert done.exit_code in (0, 1), done.output
    data = json.loads((tmp_path / "journal.csv.receiptkit.json").read_text(encoding="utf-8"))
    terminal, entry = max(data["clock_offsets"].items(), key=lambda kv: abs(kv[1]["offset_s"]))
    offset = int(entry["offset_s"])
    assert abs(offset) >= 360 and terminal in data["journal_rows"]
    frame = pd.read_csv(journal, dtype=str, keep_default_na=False)
    mine = frame["terminal_id"] == terminal
    sales = frame[mine & (frame["status"] == "approved") & (frame["txn_type"] == "sale")]
    row = sales.iloc[len(sales) // 2]
    zone = "Asia/Hong_Kong" if row["currency"] == "HKD" else "Asia/Shanghai"
    true_time = (pd.Timestamp(row["ts"]) - pd.Timedelta(seconds=offset)).tz_convert(zone)
    amount = f"{int(row['amount_minor']) // 100}.{int(row['amount_minor']) % 100:02d}"
    evidence = ["--amount", amount, "--currency", row["currency"], "--tz", zone, "--no-cache"]
    evidence += ["--time", true_time.strftime("%Y-%m-%d %H:%M")]
    before = CliRunner().invoke(app, ["find", "--journal", str(journal), *evidence], terminal_width=200)
    assert before.exit_code == 0 and "MATCHED" in before.output and row["txn_id"] in before.output, (
        before.output
    )
    # the new export: the same sales, the terminal's times corrected
    frame.loc[mine, "ts"] = [
        (pd.Timestamp(t) - pd.Timedelta(seconds=offset)).isoformat(sep=" ") for t in frame.loc[mine, "ts"]
    ]
    frame.to_csv(journal, index=False)
    after = CliRunner().invoke(app, ["find", "--journal", str(journal), *evidence], terminal_width=200)
    assert after.exit_code == 1 and "AMBIGUOUS" in after.output, after.output
    assert (
        f"the sales of terminal {terminal} (" in after.output
        and "are not those its clock was learned" in after.output
    )
    assert "reconciling proofs of these sales learns the clock again" in after.output
    # the reason names the sale its logged time fits: the customer's own, which the old offset moves away
    assert f"({row['txn_id']} logged " in after.output, after.output
    assert "changed after these were learned" not in after.output  # the precise note, not the file-time one
    # its full reference names it whatever the clock; the corrected time shown says the offset may not hold
    assert row["rrn"], row
    find = ["find", "--journal", str(journal), *evidence, "--ref", row["rrn"]]
    named = CliRunner().invoke(app, find, terminal_width=250)
    assert named.exit_code == 0 and row["txn_id"] in named.output, named.output
    assert "or as logged if its clock was set right since" in named.output, named.output


def test_the_note_speaks_of_each_terminal_plainly():
    """One terminal: "its clock"; several: "their clocks"; rows that differ are not counted as differing rows.

    The note said "terminal 13000001's 474 sales differ from those its clock offset was learned from" when a
    sale or two was added within the learned period (all 474 are doubted, few differ), and "its clock" after
    naming three terminals.
    """
    from types import SimpleNamespace

    from receiptkit.cli.reconcile import beyond_note

    one = SimpleNamespace(beyond_counts={"T1": 3}, learned_through={"T1": 1796010518}, tz="Asia/Shanghai")
    note = beyond_note(one)
    assert (
        "3 sales on terminal T1 (3 after 2026-11-30 11:48) were logged after the last proof that showed its clock"
        in (note)
    ), note
    assert (
        "fits only if the clock was set right since is held" in note and "reconciling proofs of these" in note
    )
    two = SimpleNamespace(
        beyond_counts={"T1": 1, "T2": 474}, learned_through={"T1": 1796010518, "T2": None}, tz="Asia/Shanghai"
    )
    note = beyond_note(two)
    assert "1 sale on terminal T1 (1 after 2026-11-30 11:48) was logged after" in note, note
    assert (
        "474 sales differ" not in note
        and "the sales of terminal T2 (474) are not those its clock was" in note
    )


def test_an_offset_with_no_rows_recorded_keeps_the_file_time_note(demo_dir, tmp_path):
    """A version 4 file may hold an offset with no rows recorded (kept from a version 3 file by a run too few
    proofs voted on, or given by hand): it is used on every row, so the journal written after the file is said,
    as for a file with no rows at all. The note was left out as soon as any terminal had its rows recorded."""
    shutil.copy(demo_dir / "journal.csv", tmp_path / "journal.csv")
    data = {
        "format": "receiptkit-learned",
        "version": 4,
        "journal": "journal.csv",
        "updated_at": "2026-12-01T00:00:00+00:00",
        "clock_offsets": {
            "13000001": {"offset_s": -28786, "votes": 30.0},
            "11000001": {"offset_s": 418, "votes": 300.0},
        },
        "journal_rows": {
            "11000001": {"through": "2026-11-30T08:41:13+00:00", "rows": 751, "digest": "0" * 16}
        },
    }
    (tmp_path / "journal.csv.receiptkit.json").write_text(json.dumps(data), encoding="utf-8")
    later = time.time() + 60
    os.utime(tmp_path / "journal.csv", (later, later))
    stale = _find(tmp_path)
    assert "journal.csv changed after these were learned" in stale.output, stale.output
