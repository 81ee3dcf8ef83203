"""``find`` shows a candidate's time as its terminal logged it and, when a learned clock offset moved it, the
corrected time and the offset: the customer's screen shows the corrected one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from receiptkit.cli import app, counter

OFFSET_S = -28786  # a clock 7 h 59 min 46 s slow: a terminal set to UTC in Hong Kong, as in the demo


@pytest.fixture
def folder(demo_dir, tmp_path) -> Path:
    shutil.copy(demo_dir / "journal.csv", tmp_path / "journal.csv")
    return tmp_path


def _sale_sold_once(folder: Path) -> tuple[pd.Series, str]:
    """An approved HKD card sale whose amount its terminal sold once, and that terminal."""
    journal = pd.read_csv(folder / "journal.csv", dtype=str)
    sales = journal[
        (journal["status"] == "approved")
        & (journal["txn_type"] == "sale")
        & (journal["channel"] == "card")
        & (journal["currency"] == "HKD")
        & journal["card_last4"].notna()
    ]
    terminal = sales["terminal_id"].value_counts().index[0]
    mine = sales[sales["terminal_id"] == terminal]
    counts = journal.loc[journal["currency"] == "HKD", "amount_minor"].value_counts()
    return mine[mine["amount_minor"].map(counts) == 1].iloc[0], terminal


def _learned(folder: Path, offsets: dict[str, int]) -> Path:
    path = folder / "kept.json"
    data = {
        "format": "receiptkit-learned",
        "version": 3,
        "journal": "journal.csv",
        "clock_offsets": {t: {"offset_s": s, "votes": 50.0} for t, s in offsets.items()},
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _find(folder: Path, row: pd.Series, when: pd.Timestamp, learned: Path | None, width: int):
    amount = f"{int(row['amount_minor']) // 100}.{int(row['amount_minor']) % 100:02d}"
    args = ["find", "--journal", str(folder / "journal.csv"), "--amount", amount, "--currency", "HKD"]
    args += [
        "--tz",
        "Asia/Hong_Kong",
        "--time",
        when.strftime("%Y-%m-%d %H:%M"),
        "--last4",
        row["card_last4"],
    ]
    args += ["--no-cache", *(["--learned", str(learned)] if learned else ["--no-learned"])]
    return CliRunner().invoke(app, args, terminal_width=width)


@pytest.mark.parametrize("width", [200, 100])
def test_a_time_moved_by_a_learned_clock_offset_shows_both_times_and_the_offset(folder, width):
    row, terminal = _sale_sold_once(folder)
    logged = pd.Timestamp(row["ts"]).tz_convert("Asia/Hong_Kong")
    paid = logged - pd.Timedelta(seconds=OFFSET_S)  # what the customer's bank or phone shows
    done = _find(folder, row, paid, _learned(folder, {terminal: OFFSET_S}), width)
    assert done.exit_code == 0, done.output
    assert row["txn_id"] in done.output and "MATCHED" in done.output
    out = done.output
    assert logged.strftime("%Y-%m-%d %H:%M:%S") in out  # the time the terminal printed, as on its slip
    assert paid.strftime("%Y-%m-%d %H:%M:%S") in out  # corrected: the time the customer's screen shows
    assert "-7 h 59 min 46 s" in out  # by how much, so the clerk knows why the two differ
    assert "corrected" in out


def test_a_candidate_of_a_right_clock_has_no_corrected_time(folder):
    row, terminal = _sale_sold_once(folder)
    logged = pd.Timestamp(row["ts"]).tz_convert("Asia/Hong_Kong")
    done = _find(folder, row, logged, _learned(folder, {terminal: 0}), 200)
    assert done.exit_code == 0, done.output
    assert logged.strftime("%Y-%m-%d %H:%M:%S") in done.output
    assert "corrected" not in done.output


def test_the_candidate_lines_and_table_say_the_offset_of_each_row(monkeypatch):
    ranked = pd.DataFrame(
        {
            "confidence": [0.997, 0.41],
            "txn_id": ["T1", "T2"],
            "ts": pd.to_datetime(["2026-11-05 07:14:21", "2026-11-05 07:15:02"], utc=True),
            "amount_minor": [24550, 24550],
            "currency": ["HKD", "HKD"],
            "card_last4": ["5513", None],
            "terminal_id": ["13000001", "13000002"],
            "merchant_name": ["Harbour Books Ltd", "Harbour Books Kowloon"],
            "why": ["time same, card_last4 agree", "time close"],
        }
    )
    clocks = [counter.CandidateClock(offset_s=418), counter.CandidateClock(offset_s=0)]
    for width in (80, counter.WIDE_TABLE):
        shown = Console(width=width, record=True, force_terminal=False)
        monkeypatch.setattr(counter, "console", shown)
        counter._print_candidates(ranked, "MATCHED", "Asia/Hong_Kong", top=5, clocks=clocks)
        out = shown.export_text()
        assert "2026-11-05 15:14:21" in out and "2026-11-05 15:15:02" in out  # logged
        assert "2026-11-05 15:07:23" in out and "+6 min 58 s" in out  # T1 corrected by its terminal's clock
        assert out.count("+6 min 58 s") == 1  # T2's clock is right: nothing to correct
