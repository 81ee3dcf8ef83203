"""`reprint --pdf/--png/--printer file:` never writes over a file it was not told it may replace.

`--pdf journal.csv` destroyed the journal, `--pdf receiptkit-audit.sqlite` the audit log (every
verification code with it), `--pdf receiptkit-audit.sqlite.head` the signed head, and `--pdf dup.png`
wrote PDF bytes over an earlier PNG duplicate. An output that is an input, the audit log, its head or
the key is always refused; an existing file only with --overwrite; both before a number is used.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from receiptkit.cli import app
from receiptkit.demo import run_demo

KEY = "hex:" + "5a" * 32


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    run_demo(folder, n_transactions=80, n_proofs=2, seed=4, slips=0)
    return folder


@pytest.fixture
def shop(demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A folder with the journal and an audit log holding one reprint; the txn to reprint again."""
    (tmp_path / "journal.csv").write_bytes((demo / "journal.csv").read_bytes())
    journal = pd.read_csv(tmp_path / "journal.csv", dtype=str)
    ok = journal[(journal["status"] == "approved") & (journal["txn_type"] == "sale")]
    txn = str(ok[ok["channel"] == "card"].iloc[0]["txn_id"])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    first = _reprint(txn, "--png", "dup.png")
    assert first.exit_code == 0, first.output
    return tmp_path, txn


def _reprint(txn: str, *outputs: str):
    args = [
        "reprint",
        "--new-audit-log",
        txn,
        "--journal",
        "journal.csv",
        "--operator",
        "a",
        "--reason",
        "lost",
        *outputs,
    ]
    return CliRunner().invoke(app, args)


def _audit_rows(folder: Path) -> int:
    with sqlite3.connect(folder / "receiptkit-audit.sqlite") as db:
        return int(db.execute("select count(*) from receiptkit_audit").fetchone()[0])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and not p.name.endswith(".lock")}


@pytest.mark.parametrize(
    ("option", "target", "what"),
    [
        ("--pdf", "journal.csv", "the journal (--journal)"),
        ("--png", "journal.csv", "the journal (--journal)"),
        ("--pdf", "receiptkit-audit.sqlite", "the audit log (--audit)"),
        ("--pdf", "receiptkit-audit.sqlite.head", "the audit log's signed head"),
        ("--pdf", "sub/../journal.csv", "the journal (--journal)"),
    ],
)
def test_an_output_over_an_input_or_the_audit_log_is_refused_even_with_overwrite(
    shop: tuple[Path, str], option: str, target: str, what: str
) -> None:
    folder, txn = shop
    (folder / "sub").mkdir()
    before, rows = _snapshot(folder), _audit_rows(folder)
    for extra in ((), ("--overwrite",)):
        result = _reprint(txn, option, target, *extra)
        assert result.exit_code == 2, result.output
        assert f"error: {option} {target} is {what}" in result.output
        assert _snapshot(folder) == before  # nothing written over, nothing logged
        assert _audit_rows(folder) == rows


def test_a_hard_link_to_the_journal_is_the_journal(shop: tuple[Path, str]) -> None:
    folder, txn = shop
    os.link(folder / "journal.csv", folder / "link.pdf")
    before, rows = _snapshot(folder), _audit_rows(folder)
    result = _reprint(txn, "--pdf", "link.pdf", "--overwrite")
    assert result.exit_code == 2 and "--pdf link.pdf is the journal (--journal)" in result.output
    assert _snapshot(folder) == before and _audit_rows(folder) == rows


def test_the_key_file_is_never_an_output(shop: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    folder, txn = shop
    (folder / "merchant.key").write_text(KEY)
    monkeypatch.delenv("RECEIPTKIT_KEY")
    monkeypatch.setenv("RECEIPTKIT_KEY_FILE", str(folder / "merchant.key"))
    result = _reprint(txn, "--pdf", "merchant.key", "--overwrite")
    assert result.exit_code == 2 and "--pdf merchant.key is the merchant key file" in result.output
    assert (folder / "merchant.key").read_text() == KEY


def test_a_file_printer_over_the_journal_is_refused(shop: tuple[Path, str]) -> None:
    folder, txn = shop
    before, rows = _snapshot(folder), _audit_rows(folder)
    result = _reprint(txn, "--printer", "file:journal.csv")
    assert result.exit_code == 2 and "--printer file:journal.csv is the journal (--journal)" in result.output
    assert _snapshot(folder) == before and _audit_rows(folder) == rows


def test_an_existing_duplicate_is_replaced_only_with_overwrite(shop: tuple[Path, str]) -> None:
    folder, txn = shop
    png = (folder / "dup.png").read_bytes()
    rows = _audit_rows(folder)
    refused = _reprint(txn, "--png", "dup.png")
    assert refused.exit_code == 2
    assert "error: --png dup.png exists; pass --overwrite to replace it" in refused.output
    assert (folder / "dup.png").read_bytes() == png and _audit_rows(folder) == rows  # no number used
    done = _reprint(txn, "--png", "dup.png", "--overwrite")
    assert done.exit_code == 0, done.output
    assert "reprint 2 of" in done.output  # the refusal used no number
    assert (folder / "dup.png").read_bytes() != png  # reprint 2, its own number and code


def test_two_outputs_to_one_file_are_refused(shop: tuple[Path, str]) -> None:
    folder, txn = shop
    rows = _audit_rows(folder)
    result = _reprint(txn, "--pdf", "x.out", "--png", "x.out")
    assert result.exit_code == 2 and "--png x.out is also --pdf" in result.output
    assert not (folder / "x.out").exists() and _audit_rows(folder) == rows


def test_the_api_refuses_an_existing_file_and_the_audit_log(shop: tuple[Path, str]) -> None:
    import receiptkit as rk
    from receiptkit.errors import ReceiptkitError
    from receiptkit.reprinting import lookup

    folder, txn = shop
    item = lookup(rk.read_journal(folder / "journal.csv"), txn_id=txn)
    rows = _audit_rows(folder)
    with pytest.raises(ReceiptkitError, match=r"png='dup\.png' exists; pass overwrite=True to replace it"):
        rk.reprint(item, operator="a", reason="lost", png="dup.png")
    for name in ("receiptkit-audit.sqlite", "receiptkit-audit.sqlite.head"):
        with pytest.raises(ReceiptkitError, match=r"pdf='.*' is the audit log"):
            rk.reprint(item, operator="a", reason="lost", pdf=name, overwrite=True)
    assert _audit_rows(folder) == rows
    record = rk.reprint(item, operator="a", reason="lost", png="dup.png", overwrite=True)
    assert record.reprint_no == 2


def _config(folder: Path, kind: str, devfile: str) -> str:
    """A python-escpos configuration file naming a printer of ``kind`` at ``devfile``."""
    (folder / "printer.yaml").write_text(
        f"printer:\n  type: {kind}\n  devfile: {devfile}\n", encoding="utf-8"
    )
    return "printer.yaml"


@pytest.mark.parametrize(
    ("kind", "devfile", "what"),
    [
        ("File", "journal.csv", "the journal (--journal)"),
        ("File", "receiptkit-audit.sqlite", "the audit log (--audit)"),
        ("File", "receiptkit-audit.sqlite.head", "the audit log's signed head"),
        ("File", "printer.yaml", "the printer configuration (--printer-config)"),
        ("Serial", "journal.csv", "the journal (--journal)"),
    ],
)
def test_a_printer_named_in_the_config_file_goes_through_the_same_checks(
    shop: tuple[Path, str], kind: str, devfile: str, what: str
) -> None:
    """Before, a File printer of --printer-config at journal.csv truncated the journal to the slip's bytes."""
    folder, txn = shop
    config = _config(folder, kind, devfile)
    before, rows = _snapshot(folder), _audit_rows(folder)
    result = _reprint(txn, "--printer-config", config, "--overwrite")
    assert result.exit_code == 2, result.output
    assert f"--printer-config {config}" in result.output and f"devfile {devfile}" in result.output
    assert what in result.output
    assert _snapshot(folder) == before and _audit_rows(folder) == rows


def test_a_config_printer_at_the_key_file_is_refused(
    shop: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, txn = shop
    (folder / "merchant.key").write_text(KEY)
    monkeypatch.delenv("RECEIPTKIT_KEY")
    monkeypatch.setenv("RECEIPTKIT_KEY_FILE", str(folder / "merchant.key"))
    result = _reprint(txn, "--printer-config", _config(folder, "File", "merchant.key"))
    assert result.exit_code == 2 and "the merchant key file" in result.output
    assert (folder / "merchant.key").read_text() == KEY


@pytest.mark.parametrize("how", ["config", "file"])
def test_a_printer_file_that_is_an_existing_file_is_replaced_only_with_overwrite(
    shop: tuple[Path, str], how: str
) -> None:
    """A File printer opens its devfile for writing from the start: an existing file (dup.png) was lost."""
    folder, txn = shop
    png, rows = (folder / "dup.png").read_bytes(), _audit_rows(folder)
    target = (
        ["--printer-config", _config(folder, "File", "dup.png")]
        if how == "config"
        else ["--printer", "file:dup.png"]
    )
    refused = _reprint(txn, *target)
    assert refused.exit_code == 2 and "exists; pass --overwrite to replace it" in refused.output, (
        refused.output
    )
    assert (folder / "dup.png").read_bytes() == png and _audit_rows(folder) == rows
    done = _reprint(txn, *target, "--overwrite")
    assert done.exit_code == 1 and "CHECK THE PRINTER" in done.output  # a file: the bytes are not a print
    assert (folder / "dup.png").read_bytes() != png


def test_a_config_printer_at_a_new_file_prints(shop: tuple[Path, str]) -> None:
    folder, txn = shop
    done = _reprint(txn, "--printer-config", _config(folder, "File", "lp0.bin"))
    assert done.exit_code == 1 and "CHECK THE PRINTER" in done.output, done.output
    assert (folder / "lp0.bin").stat().st_size > 200


def test_the_api_checks_a_config_printer_too(shop: tuple[Path, str]) -> None:
    import receiptkit as rk
    from receiptkit.errors import ReceiptkitError
    from receiptkit.reprinting import lookup

    folder, txn = shop
    item = lookup(rk.read_journal(folder / "journal.csv"), txn_id=txn)
    config = _config(folder, "File", "receiptkit-audit.sqlite")
    rows, log = _audit_rows(folder), (folder / "receiptkit-audit.sqlite").read_bytes()
    with pytest.raises(ReceiptkitError, match=r"devfile receiptkit-audit\.sqlite.* is the audit log"):
        rk.reprint(item, operator="a", reason="lost", printer=f"config:{config}", overwrite=True)
    assert _audit_rows(folder) == rows and (folder / "receiptkit-audit.sqlite").read_bytes() == log


def test_a_serial_printer_address_at_the_journal_is_refused_too(shop: tuple[Path, str]) -> None:
    """serial:PATH opens PATH as a file too: the same checks as file:PATH and a config's Serial devfile."""
    folder, txn = shop
    before, rows = _snapshot(folder), _audit_rows(folder)
    result = _reprint(txn, "--printer", "serial:journal.csv")
    assert (
        result.exit_code == 2 and "--printer serial:journal.csv is the journal (--journal)" in result.output
    )
    assert _snapshot(folder) == before and _audit_rows(folder) == rows


@pytest.mark.parametrize("option", ["--pdf", "--png"])
def test_an_output_in_a_folder_that_does_not_exist_is_refused_before_anything_is_logged(shop, option) -> None:
    """'--pdf nosuchdir/x.pdf' used a reprint number, logged it failed and said 'reprint 2 of T... failed:
    [Errno 2] No such file or directory'; the clerk is told the real cause, and nothing is logged."""
    folder, txn = shop
    rows = _audit_rows(folder)
    done = _reprint(txn, option, "nosuchdir/x.pdf")
    assert done.exit_code == 2
    assert f"cannot write {option} nosuchdir/x.pdf: no such folder nosuchdir" in done.output
    assert "failed" not in done.output and "Errno" not in done.output
    assert _audit_rows(folder) == rows
    (folder / "afile").write_text("x")
    done = _reprint(txn, option, "afile/x.pdf")
    assert (
        done.exit_code == 2
        and f"cannot write {option} afile/x.pdf: afile is a file, not a folder" in done.output
    )
    assert _audit_rows(folder) == rows


@pytest.mark.parametrize(
    ("option", "target", "right"),
    [("--png", "dup2.pdf", "--pdf"), ("--pdf", "dup2.png", "--png"), ("--pdf", "DUP2.PNG", "--png")],
)
def test_an_output_named_for_the_other_format_is_refused_before_anything_is_logged(
    shop: tuple[Path, str], option: str, target: str, right: str
) -> None:
    """'--png dup2.pdf' wrote PNG bytes into dup2.pdf (and '--pdf dup2.png' a PDF into a .png), used a
    reprint number and said 'done': the clerk's file opens as garbage or not at all. It is refused, naming
    the option that writes that format, and no number is used."""
    folder, txn = shop
    rows = _audit_rows(folder)
    done = _reprint(txn, option, target)
    assert done.exit_code == 2, done.output
    assert f"error: {option} {target}: the name says" in done.output
    assert f"give {right} {target}" in done.output
    assert not (folder / target).exists() and _audit_rows(folder) == rows


@pytest.mark.parametrize(("option", "target"), [("--pdf", "dup2"), ("--png", "slip.png"), ("--pdf", "x.PDF")])
def test_an_output_without_or_with_its_own_suffix_is_written(
    shop: tuple[Path, str], option: str, target: str
) -> None:
    folder, txn = shop
    done = _reprint(txn, option, target)
    assert done.exit_code == 0, done.output
    assert (folder / target).exists()
