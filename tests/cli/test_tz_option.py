"""``--tz``: one validation for every command; offsets (``+8``, ``UTC+8``, ``GMT+8``) read as the offset."""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit.readers.journal import read_journal

from .conftest import run_cli


def _sale(demo_dir) -> pd.Series:
    journal = read_journal(demo_dir / "journal.csv")
    ok = journal[(journal["status"] == "approved") & (journal["txn_type"] == "sale")]
    return ok[ok["currency"] == "CNY"].iloc[0]


def _find_args(row: pd.Series) -> list[str]:
    ts = pd.Timestamp(row["ts"]).tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M:%S")
    amount = f"{int(row['amount_minor']) // 100}.{int(row['amount_minor']) % 100:02d}"
    return ["find", "--journal", "journal.csv", "--amount", amount, "--time", ts, "--currency", "CNY"]


@pytest.mark.parametrize("tz", ["+8", "UTC+8", "GMT+8", "+08:00"])
def test_find_reads_an_offset_tz_as_shanghai_time(demo_dir, tz):
    row = _sale(demo_dir)
    named = run_cli(*_find_args(row), "--tz", "Asia/Shanghai", "--no-cache", cwd=demo_dir)
    offset = run_cli(*_find_args(row), "--tz", tz, "--no-cache", cwd=demo_dir)
    err = offset.stderr.decode("utf-8")
    assert offset.returncode == named.returncode and offset.returncode in (0, 1), err
    assert "internal error" not in err
    assert row["txn_id"] in offset.stdout.decode("utf-8")


@pytest.mark.parametrize("command", ["find", "reprint", "reconcile"])
@pytest.mark.parametrize("tz", ["Hong_Kong", "HKT", "UTC+99"])
def test_an_unknown_tz_is_exit_2_naming_the_option_not_the_journal(demo_dir, tmp_path, command, tz):
    args = {
        "find": ["find", "--journal", "journal.csv", "--amount", "1.00", "--time", "2026-11-01 10:00"],
        "reprint": [
            "reprint",
            "--new-audit-log",
            "T00000001",
            "--journal",
            "journal.csv",
            "--operator",
            "a",
            "--reason",
            "lost",
            "--pdf",
            str(tmp_path / "dup.pdf"),
        ],
        "reconcile": [
            "reconcile",
            "--journal",
            "journal.csv",
            "--proofs",
            "proofs.csv",
            "--out",
            str(tmp_path / "report.csv"),
        ],
    }[command]
    done = run_cli(*args, "--tz", tz, cwd=demo_dir, RECEIPTKIT_KEY="hex:" + "5a" * 32)
    err = done.stderr.decode("utf-8").strip()
    assert done.returncode == 2, err
    assert len(err.splitlines()) == 1 and "--tz" in err and repr(tz) in err and "Asia/" in err
    assert "journal.csv" not in err and "internal error" not in err
    assert not (tmp_path / "dup.pdf").exists()


def test_hong_kong_suggests_the_iana_name(demo_dir):
    done = run_cli("find", "--journal", "journal.csv", "--amount", "1.00", "--tz", "Hong_Kong", cwd=demo_dir)
    assert done.returncode == 2 and "Asia/Hong_Kong" in done.stderr.decode("utf-8")


def test_reprint_and_reconcile_read_utc_plus_8(demo_dir, tmp_path):
    key = "hex:" + "5a" * 32
    args = [
        "--journal",
        "journal.csv",
        "--operator",
        "a",
        "--reason",
        "lost",
        "--audit",
        str(tmp_path / "a.sqlite"),
    ]
    done = run_cli(
        "reprint",
        "--new-audit-log",
        "T00000001",
        *args,
        "--pdf",
        str(tmp_path / "d.pdf"),
        "--tz",
        "UTC+8",
        cwd=demo_dir,
        RECEIPTKIT_KEY=key,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8")
    report = tmp_path / "report.csv"
    rec = run_cli(
        "reconcile",
        "--journal",
        "journal.csv",
        "--proofs",
        "proofs.csv",
        "--out",
        str(report),
        "--tz",
        "GMT+8",
        cwd=demo_dir,
    )
    assert rec.returncode in (0, 1) and "internal error" not in rec.stderr.decode("utf-8")
    assert report.exists()
