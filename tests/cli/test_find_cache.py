"""``receiptkit find`` keeps the read journal beside it, and uses it only while the journal is unchanged."""

from __future__ import annotations

import shutil
import warnings

import pandas as pd
import pytest
from typer.testing import CliRunner

import receiptkit as rk
from receiptkit.cli import app
from receiptkit.cli.journal_cache import cache_path, read_journal_cached
from receiptkit.schema import FullPanWarning


@pytest.fixture
def journal(demo_dir, tmp_path):
    target = tmp_path / "journal.csv"
    shutil.copy(demo_dir / "journal.csv", target)
    return target


def _cached(path, **options):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame, hit = read_journal_cached(path, preset=options.get("preset"), tz="Asia/Shanghai")
    return frame, hit, [type(w.message) for w in caught]


def test_the_cached_frame_is_the_frame_read_journal_gives(journal):
    direct = rk.read_journal(journal, tz="Asia/Shanghai")
    first, hit_first, _ = _cached(journal)
    second, hit_second, _ = _cached(journal)
    assert (hit_first, hit_second) == (False, True)
    assert cache_path(journal).is_file()
    for frame in (first, second):
        pd.testing.assert_frame_equal(frame, direct)
        assert frame.attrs == direct.attrs


def test_a_changed_journal_is_read_again(journal):
    _cached(journal)
    lines = journal.read_text(encoding="utf-8").splitlines(keepends=True)
    header, first = lines[0], lines[1]
    columns = header.rstrip("\n").split(",")
    cells = first.rstrip("\n").split(",")
    cells[columns.index("amount_minor")] = str(int(cells[columns.index("amount_minor")]) + 1)
    journal.write_text(header + ",".join(cells) + "\n" + "".join(lines[2:]), encoding="utf-8")
    frame, hit, _ = _cached(journal)
    assert not hit
    pd.testing.assert_frame_equal(frame, rk.read_journal(journal, tz="Asia/Shanghai"))
    assert _cached(journal)[1]


def test_a_damaged_or_foreign_cache_is_never_trusted(journal, tmp_path):
    _cached(journal)
    cache_path(journal).write_bytes(b"PAR1 not parquet")
    frame, hit, _ = _cached(journal)
    assert not hit
    pd.testing.assert_frame_equal(frame, rk.read_journal(journal, tz="Asia/Shanghai"))
    # a cache written for another journal, copied in: its key does not match
    other = tmp_path / "other.csv"
    text = journal.read_text(encoding="utf-8").splitlines(keepends=True)
    other.write_text("".join(text[:50]), encoding="utf-8")
    _cached(other)
    shutil.copy(cache_path(other), cache_path(journal))
    frame, hit, _ = _cached(journal)
    assert not hit and len(frame) == len(text) - 1


def test_warnings_of_the_read_are_shown_again_from_the_cache(journal):
    lines = journal.read_text(encoding="utf-8").splitlines(keepends=True)
    columns = lines[0].rstrip("\n").split(",")
    cells = lines[1].rstrip("\n").split(",")
    cells[columns.index("merchant_name")] = "Card 4111111111111111"
    journal.write_text(lines[0] + ",".join(cells) + "\n" + "".join(lines[2:]), encoding="utf-8")
    first, hit_first, caught_first = _cached(journal)
    second, hit_second, caught_second = _cached(journal)
    assert (hit_first, hit_second) == (False, True)
    assert FullPanWarning in caught_first and FullPanWarning in caught_second
    assert "4111111111111111" not in cache_path(journal).read_bytes().decode("latin-1")
    pd.testing.assert_frame_equal(first, second)


def test_find_twice_gives_the_same_answer_and_no_cache_leaves_no_file(journal):
    log = rk.read_journal(journal, tz="Asia/Shanghai")
    row = log[(log["status"] == "approved") & (log["txn_type"] == "sale")].iloc[0]
    local = row["ts"].tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M:%S")
    amount = rk.format_minor(int(row["amount_minor"]), row["currency"])
    args = ["find", "--journal", str(journal), "--amount", amount, "--currency", row["currency"]]
    args += ["--time", local, "--ref", row["rrn"] if pd.notna(row["rrn"]) else row["txn_id"]]
    uncached = CliRunner().invoke(app, [*args, "--no-cache"], terminal_width=200)
    assert not cache_path(journal).exists()
    first = CliRunner().invoke(app, args, terminal_width=200)
    assert cache_path(journal).is_file()
    second = CliRunner().invoke(app, args, terminal_width=200)
    assert first.exit_code == second.exit_code == uncached.exit_code
    assert first.stdout == second.stdout == uncached.stdout
    assert row["txn_id"] in first.stdout
