"""``receiptkit reconcile`` end to end: typer's runner and a real process on the demo data."""

from __future__ import annotations

import csv
import warnings

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import receiptkit as rk
from receiptkit.cli import app
from receiptkit.cli.reconcile import parse_fx, read_proof_file
from receiptkit.schema import FullPanWarning

from .conftest import run_cli

FX = ["--fx", "HKD:CNY=0.92"]


@pytest.fixture(scope="module")
def expected(demo_dir) -> pd.DataFrame:
    """match() on the same files, through the library: what the command must report."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FullPanWarning)
        journal = rk.read_journal(demo_dir / "journal.csv", tz="Asia/Shanghai")
    proofs = read_proof_file(demo_dir / "proofs.csv")
    return rk.match(proofs, journal, policy=rk.MatchPolicy(fx_rates=parse_fx(["HKD:CNY=0.92"])))


def _counts(frame: pd.DataFrame) -> dict[str, int]:
    return {s: int((frame["status"] == s).sum()) for s in ("matched", "ambiguous", "unmatched")}


def test_runner_writes_three_reports_with_the_library_counts(demo_dir, expected, tmp_path):
    outs = [tmp_path / "r.xlsx", tmp_path / "r.html", tmp_path / "r.csv"]
    args = ["reconcile", "--journal", str(demo_dir / "journal.csv"), "--proofs", str(demo_dir / "proofs.csv")]
    result = CliRunner().invoke(app, [*args, *FX, *[a for o in outs for a in ("--out", str(o))]])
    counts = _counts(expected)
    assert result.exit_code == (1 if counts["ambiguous"] or counts["unmatched"] else 0), result.output
    for status, n in counts.items():
        assert any(
            line.split("│")[1:3] == [f" {status:<9} ", f" {n:>6} "] for line in result.output.splitlines()
        ), (
            status,
            result.output,
        )
    assert all(o.exists() for o in outs) and f"report written: {outs[0]}" in result.output
    book = openpyxl.load_workbook(outs[0])
    assert book["matched"].max_row - 1 == counts["matched"]
    assert book["unmatched"].max_row - 1 == counts["unmatched"]
    with outs[2].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["txn_id"] or None for r in rows] == [None if pd.isna(t) else t for t in expected["txn_id"]]


def test_exit_0_when_every_proof_is_matched_and_files_can_follow_proofs(demo_dir, expected, tmp_path):
    proofs = pd.read_csv(demo_dir / "proofs.csv", dtype=str)
    matched = proofs[proofs["proof_id"].isin(expected.loc[expected["status"] == "matched", "proof_id"])]
    half = len(matched) // 2
    matched.iloc[:half].to_csv(tmp_path / "a.csv", index=False)
    matched.iloc[half:].to_csv(tmp_path / "b.csv", index=False)
    result = CliRunner().invoke(
        app,
        [
            "reconcile",
            "--journal",
            str(demo_dir / "journal.csv"),
            "--proofs",
            str(tmp_path / "a.csv"),
            str(tmp_path / "b.csv"),
            *FX,
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"reconciliation: {len(matched)} proofs" in result.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--proofs", "missing.csv"], "missing.csv: no such file"),
        (["--proofs", "proofs.csv", "--out", "r.pdf"], "r.pdf: write .xlsx, .html or .csv"),
        (["--proofs", "proofs.csv", "proofs.csv"], "given twice"),
        (["--proofs", "proofs.csv", "--fx", "HKD=1"], "JOURNAL_CURRENCY:PROOF_CURRENCY=RATE"),
        (["--proofs", "proofs.csv", "--out", "no/such/dir/r.csv"], "cannot write"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(demo_dir, extra, message, monkeypatch):
    monkeypatch.chdir(demo_dir)
    result = CliRunner().invoke(app, ["reconcile", "--journal", "journal.csv", *extra])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1


def test_debug_shows_the_exception(demo_dir, monkeypatch):
    monkeypatch.chdir(demo_dir)
    result = CliRunner().invoke(
        app, ["--debug", "reconcile", "--journal", "journal.csv", "--proofs", "x.csv"]
    )
    assert result.exit_code != 0 and isinstance(result.exception, rk.ProofError)


def test_as_a_real_process_with_utf8_output(demo_dir, expected, tmp_path):
    done = run_cli(
        "reconcile",
        "--journal",
        "journal.csv",
        "--proofs",
        "proofs.csv",
        *FX,
        "--out",
        str(tmp_path / "r.xlsx"),
        cwd=demo_dir,
    )
    out = done.stdout.decode("utf-8")
    counts = _counts(expected)
    assert done.returncode == (1 if counts["ambiguous"] or counts["unmatched"] else 0), (
        out + done.stderr.decode()
    )
    assert f"reconciliation: {len(expected)} proofs" in out
    assert f"report written: {tmp_path / 'r.xlsx'}" in out
    assert done.stderr.decode("utf-8") == ""  # no progress noise or warnings when not on a terminal
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book["matched"].max_row - 1 == counts["matched"]


def test_from_the_report_to_a_duplicate_on_a_tcp_printer(demo_dir, tmp_path, monkeypatch):
    from _printer import PrinterServer

    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "5a" * 32)
    report = tmp_path / "r.csv"
    journal = str(demo_dir / "journal.csv")
    CliRunner().invoke(
        app,
        ["reconcile", "--journal", journal, "--proofs", str(demo_dir / "proofs.csv"), "--out", str(report)],
    )
    rows = pd.read_csv(report, dtype=str, encoding="utf-8-sig")
    card = rows[(rows["status"] == "matched") & (rows["txn_channel"] == "card")].iloc[0]
    with PrinterServer() as server:
        done = CliRunner().invoke(
            app,
            [
                "reprint",
                "--new-audit-log",
                card["txn_id"],
                "--journal",
                journal,
                "--printer",
                server.url,
                "--operator",
                "clerk7",
                "--reason",
                "lost slip",
                "--audit",
                str(tmp_path / "audit.sqlite"),
            ],
        )
        # the default profile cannot confirm the printing (no process-ID response): the clerk checks it
        assert done.exit_code == 1, done.output
        assert server.done.wait(10)
    assert b"DUPLICATE" in server.received
    assert f"CHECK THE PRINTER: reprint 1 of {card['txn_id']}" in " ".join(done.output.split())


def test_real_wallet_bills_from_two_apps(samples, demo_dir, tmp_path):
    wechat = samples / "wechat_personal" / "example-wechat-records.csv"
    alipay = samples / "alipay_personal" / "example-alipay-records.csv"
    out = tmp_path / "bills.xlsx"
    result = CliRunner().invoke(
        app,
        [
            "reconcile",
            "--journal",
            str(demo_dir / "journal.csv"),
            "--proofs",
            str(wechat),
            str(alipay),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 1, result.output  # the bills are from other shops: nothing matches
    expected = len(rk.read_proofs(wechat)) + len(rk.read_proofs(alipay))
    assert f"reconciliation: {expected} proofs" in result.output
    book = openpyxl.load_workbook(out)
    assert book["unmatched"].max_row - 1 == expected
    refunds = [r for r in book["summary"].iter_rows(values_only=True) if r[2] == "credit"]
    assert refunds  # the bills hold refunds, summed apart from payments


def test_an_input_that_fails_to_read_is_not_called_a_write_failure(demo_dir, monkeypatch):
    """An OSError before the reports are written is about reading: only a report is 'cannot write'."""

    def unreadable(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "journal.csv")

    monkeypatch.chdir(demo_dir)
    monkeypatch.setattr(rk, "read_journal", unreadable)
    result = CliRunner().invoke(app, ["reconcile", "--journal", "journal.csv", "--proofs", "proofs.csv"])
    assert result.exit_code == 2, result.output
    assert result.output.strip() == "error: journal.csv: cannot be read: Permission denied"


@pytest.mark.parametrize("which", ["journal.csv", "proofs.csv"])
def test_a_report_is_never_written_over_an_input(demo_dir, tmp_path, which):
    """`reconcile --out journal.csv` wrote the report over the merchant's journal (a .csv report is allowed): an
    output that is an input (the journal, a proofs file) is refused before anything is read."""
    import shutil

    for name in ("journal.csv", "proofs.csv"):
        shutil.copy(demo_dir / name, tmp_path / name)
    before = (tmp_path / which).read_bytes()
    args = ["reconcile", "--journal", str(tmp_path / "journal.csv"), "--proofs", str(tmp_path / "proofs.csv")]
    done = CliRunner().invoke(app, [*args, "--out", str(tmp_path / which)])
    assert done.exit_code == 2, done.output
    assert "--out" in done.output and "Traceback" not in done.output
    assert (tmp_path / which).read_bytes() == before


def test_a_report_in_a_folder_that_does_not_exist_is_refused_before_matching(demo_dir, tmp_path):
    args = ["reconcile", "--journal", str(demo_dir / "journal.csv"), "--proofs", str(demo_dir / "proofs.csv")]
    done = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "nodir" / "r.html")])
    assert done.exit_code == 2, done.output
    assert "no such folder" in " ".join(done.output.split())
    assert "matching" not in done.output
