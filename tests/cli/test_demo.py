"""The demo job and the command line, end to end."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from receiptkit.cli import app
from receiptkit.demo import run_demo


def test_run_demo_writes_outputs_and_makes_no_wrong_match(tmp_path):
    summary = run_demo(tmp_path / "out", n_transactions=1500, n_proofs=120, seed=3)
    assert summary.wrong_matches == 0
    assert sum(summary.status_counts.values()) == 120
    assert summary.status_counts.get("matched", 0) > 40
    names = {p.name for p in summary.files}
    assert {"journal.csv", "proofs.csv", "match_results.csv", "clock_offsets.csv"} <= names
    pdfs = [p for p in summary.files if p.suffix == ".pdf"]
    assert pdfs and all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    pngs = [p for p in summary.files if p.suffix == ".png"]
    assert pngs and all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    escpos = [p for p in summary.files if p.name.endswith(".escpos.bin")]
    assert escpos and all(p.read_bytes().startswith(b"\x1b@") for p in escpos)


def test_cli_demo_with_typer_runner(tmp_path):
    result = CliRunner().invoke(
        app, ["demo", "--out", str(tmp_path / "d"), "--transactions", "800", "--proofs", "60"]
    )
    assert result.exit_code == 0, result.output
    assert "wrong matches against the generator's truth: 0" in result.output
    assert (tmp_path / "d" / "match_results.csv").exists()


def test_cli_find_as_subprocess(tmp_path):
    run_demo(tmp_path, n_transactions=800, n_proofs=40, seed=5)
    import pandas as pd

    journal = pd.read_csv(tmp_path / "journal.csv", dtype=str)
    row = journal[(journal["channel"] == "card") & (journal["status"] == "approved")].iloc[0]
    ts = pd.Timestamp(row["ts"]).tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M:%S")
    amount = str(int(row["amount_minor"]) // 100) + "." + f"{int(row['amount_minor']) % 100:02d}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "receiptkit.cli",
            "find",
            "--journal",
            str(tmp_path / "journal.csv"),
            "--amount",
            amount,
            "--currency",
            row["currency"],
            "--time",
            ts,
            "--last4",
            row["card_last4"],
            "--ref",
            row["rrn"],
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": ""},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert row["txn_id"] in done.stdout
    assert "MATCHED" in done.stdout


def test_cli_reports_bad_input_in_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("hello,world\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["find", "--journal", str(bad), "--amount", "1.00"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
