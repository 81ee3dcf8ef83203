"""An input file that is missing, a folder or unreadable is one typed line naming it (exit 2), never exit 3.

Every command that reads a journal (``--journal``) or proof files (``--proofs``, ``--proof``,
``--screenshot``), and ``close-terminal``'s settlement and payout files, is tried with each bad path.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from receiptkit.cli import app

# Root reads a chmod 000 file; /proc/self/mem is a regular file that fails to read at offset 0 (EIO) for anyone.
UNREADABLE = Path("/proc/self/mem")

BAD = {
    "missing": ("no-such-journal.csv", "no such file"),
    "folder": ("a-folder", "is a folder, not a file"),
    "unreadable": (str(UNREADABLE), "cannot be read"),
}


def _commands(bad: str, demo: Path) -> dict[str, list[str]]:
    journal, proofs = str(demo / "journal.csv"), str(demo / "proofs.csv")
    return {
        "find": ["find", "--journal", bad, "--amount", "1"],
        "find --no-cache": ["find", "--journal", bad, "--amount", "1", "--no-cache"],
        "find --proof": ["find", "--journal", journal, "--proof", bad],
        "find --screenshot": ["find", "--journal", journal, "--screenshot", bad],
        "reprint": [
            "reprint",
            "--new-audit-log",
            "T00000001",
            "--journal",
            bad,
            "--operator",
            "a",
            "--reason",
            "b",
            "--pdf",
            "x.pdf",
        ],
        "reprint --proof": [
            "reprint",
            "--new-audit-log",
            "--journal",
            journal,
            "--proof",
            bad,
            "--operator",
            "a",
            "--reason",
            "b",
            "--pdf",
            "x.pdf",
        ],
        "reconcile --journal": ["reconcile", "--journal", bad, "--proofs", proofs],
        "reconcile --proofs": ["reconcile", "--journal", journal, "--proofs", bad],
        "close-terminal --journal": ["close-terminal", "11000001", "--journal", bad, "--out", "pack"],
        "close-terminal --settlement": [
            "close-terminal",
            "11000001",
            "--journal",
            journal,
            "--out",
            "pack",
            "--settlement",
            bad,
        ],
        "terminal activity": ["terminal", "activity", "11000001", "--journal", bad, "--out", "a.csv"],
    }


COMMANDS = list(_commands("BAD", Path(".")))


@pytest.fixture
def key_and_register(demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with a merchant key and a register (``terminal activity`` opens it first)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-folder").mkdir()
    key = tmp_path / "merchant.key"
    key.write_text("hex:" + "ab" * 32 + "\n", encoding="utf-8")
    monkeypatch.setenv("RECEIPTKIT_KEY_FILE", str(key))
    monkeypatch.delenv("RECEIPTKIT_KEY", raising=False)
    done = CliRunner().invoke(
        app,
        [
            "terminal",
            "add",
            "11000001",
            "--operator",
            "clerk7",
            "--merchant",
            "898310058120003",
            "--new-audit-log",
        ],
    )
    assert done.exit_code == 0, done.output
    return tmp_path


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", list(BAD))
def test_a_bad_input_path_is_one_line_naming_it(demo_dir, key_and_register, command, kind):
    if kind == "unreadable" and not UNREADABLE.is_file():
        pytest.skip("no /proc/self/mem on this system")
    bad, words = BAD[kind]
    result = CliRunner().invoke(app, _commands(bad, demo_dir)[command])
    assert result.exit_code == 2, (result.output, result.exception)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ") and bad in lines[0] and words in lines[0], lines[0]
    assert "cannot write" not in lines[0]
    assert not (key_and_register / "pack").exists()


def test_a_folder_named_like_parquet_is_still_read_as_a_dataset(demo_dir, tmp_path, monkeypatch):
    """The folder check leaves a partitioned Parquet journal (a folder) alone, with or without the cache."""
    import pandas as pd

    import receiptkit as rk

    monkeypatch.chdir(tmp_path)
    journal = rk.read_journal(demo_dir / "journal.csv", tz="Asia/Shanghai")
    folder = tmp_path / "journal.parquet"
    frame = journal.assign(day=journal["ts"].dt.strftime("%Y-%m-%d")).head(50)
    frame.to_parquet(folder, partition_cols=["day"])
    row = frame.iloc[0]
    amount = rk.format_minor(int(row["amount_minor"]), str(row["currency"]))
    for cache in ("--cache", "--no-cache"):
        result = CliRunner().invoke(
            app,
            [
                "find",
                "--journal",
                str(folder),
                "--amount",
                amount,
                "--currency",
                str(row["currency"]),
                "--time",
                row["ts"].tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M"),
                "--ref",
                str(row["rrn"]),
                cache,
            ],
        )
        assert result.exit_code in (0, 1), (result.output, result.exception)
        assert str(row["txn_id"]) in result.output
    assert pd.Timestamp(row["ts"]).tzinfo is not None


@pytest.mark.parametrize("report", ["no/such/dir/r.csv", "no/such/dir/r.html", "no/such/dir/r.xlsx"])
def test_a_real_write_failure_still_says_cannot_write(demo_dir, monkeypatch, report):
    monkeypatch.chdir(demo_dir)
    result = CliRunner().invoke(
        app, ["reconcile", "--journal", "journal.csv", "--proofs", "proofs.csv", "--out", report]
    )
    assert result.exit_code == 2, result.output
    # refused before the journal is read (session 15: it failed only after the whole match)
    assert result.output.startswith(f"error: cannot write --out {report}: no such folder no/such/dir"), (
        result.output
    )
    assert "cannot be read" not in result.output


def test_the_library_readers_name_the_file(tmp_path):
    import receiptkit as rk
    from receiptkit.errors import SettlementError
    from receiptkit.readers.settlement import read_settlement

    for reader, error in (
        (rk.read_journal, rk.JournalError),
        (rk.read_proofs, rk.ProofError),
        (read_settlement, SettlementError),
    ):
        with pytest.raises(error, match="no such file") as missing:
            reader(tmp_path / "nope.csv")
        assert missing.value.file == str(tmp_path / "nope.csv")
        with pytest.raises(error, match="is a folder, not a file"):
            reader(tmp_path)
        if UNREADABLE.is_file():
            with pytest.raises(error, match="cannot be read"):
                reader(UNREADABLE)
    assert os.path.isdir(tmp_path)


def test_the_counter_messages_name_the_commands_options_not_the_librarys(demo_dir):
    """find --amount -368 named 'amount_minor' and 'txn_type / direction'; find --journal proofs.csv said
    'strict=False reports them all'; an unrecognised journal said 'Pass preset= or mapping={...}'."""
    journal, proofs = str(demo_dir / "journal.csv"), str(demo_dir / "proofs.csv")
    args = ["find", "--journal", journal, "--amount", "-368", "--currency", "CNY", "--time", "2026-11-18"]
    negative = CliRunner().invoke(app, args)
    assert negative.exit_code == 2 and "'--amount'" in negative.output
    assert "amount_minor" not in negative.output and "direction" not in negative.output
    swapped = CliRunner().invoke(app, ["find", "--journal", proofs, "--amount", "368.00"])
    assert swapped.exit_code == 2 and "a proofs file" in swapped.output and "--proof" in swapped.output
    assert "strict=" not in swapped.output and "read_proofs" not in swapped.output
    odd = demo_dir / "odd.csv"
    odd.write_text("a,b\n1,2\n", encoding="utf-8")
    unknown = CliRunner().invoke(app, ["find", "--journal", str(odd), "--amount", "1"], terminal_width=400)
    assert unknown.exit_code == 2 and "--preset" in unknown.output
    assert "preset=" not in unknown.output and "mapping=" not in unknown.output


def test_an_unrecognised_proof_file_names_the_commands_option_not_format_equals(demo_dir, tmp_path):
    """find --proof of a pasted message no layout reads said 'format not recognised (give format=)':
    find has no such option; reconcile calls it --proof-format, and at the counter the clerk types it."""
    journal = str(demo_dir / "journal.csv")
    note = tmp_path / "pasted.txt"
    note.write_text("您的卡于11月18日08:11消费人民币368.00元。\n", encoding="utf-8")
    found = CliRunner().invoke(app, ["find", "--journal", journal, "--proof", str(note)], terminal_width=400)
    assert found.exit_code == 2 and "format not recognised" in found.output, found.output
    assert "format=" not in found.output
    assert "--amount" in found.output
    args = ["reconcile", "--journal", journal, "--proofs", str(note)]
    reconciled = CliRunner().invoke(app, args, terminal_width=400)
    assert reconciled.exit_code == 2 and "--proof-format" in reconciled.output, reconciled.output
    assert "format=" not in reconciled.output


def test_a_journal_given_as_the_proof_is_named_a_journal(demo_dir):
    """reconcile --proofs journal.csv and find --proof journal.csv said 'format not recognised': the mirror of
    a proofs file given as --journal, which has said which file goes where since session 15."""
    journal = str(demo_dir / "journal.csv")
    for args in (
        ["reconcile", "--journal", journal, "--proofs", journal],
        ["find", "--journal", journal, "--proof", journal],
    ):
        refused = CliRunner().invoke(app, args, terminal_width=400)
        assert refused.exit_code == 2, refused.output
        assert "a terminal journal" in refused.output and "--journal" in refused.output, refused.output
        assert "read_journal" not in refused.output and "format=" not in refused.output


def test_the_library_names_a_journal_given_to_read_proofs(demo_dir):
    import receiptkit as rk
    from receiptkit.errors import ProofError

    with pytest.raises(ProofError, match=r"a terminal journal .*read_journal"):
        rk.read_proofs(demo_dir / "journal.csv")


def test_a_day_only_sms_at_the_counter_says_how_to_give_the_day_it_arrived(
    tmp_path: Path, demo_dir: Path
) -> None:
    """Field guide 1.1 (广发, 交行, 云闪付): '22日14:02' names no month. The reader asks a Python caller for
    ref=; at the counter there is no ref=, and --ref beside --proof is refused: say what a clerk can do."""
    sms = tmp_path / "sms.txt"
    sms.write_text("【广发银行】您尾号5953广发卡22日14:02消费人民币18.00元。\n", encoding="utf-8")
    done = CliRunner().invoke(
        app,
        ["find", "--journal", str(demo_dir / "journal.csv"), "--proof", str(sms), "--tz", "Asia/Shanghai"],
    )
    flat = " ".join(done.output.split())
    assert done.exit_code == 2, done.output
    assert "ref=" not in flat
    assert '"t"' in flat and "--amount" in flat and "--time" in flat
