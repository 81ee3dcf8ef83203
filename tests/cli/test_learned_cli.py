"""``reconcile`` keeps what it learns beside the journal; ``find`` uses it; the register declares aliases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from receiptkit.cli import app


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args), terminal_width=200)


@pytest.fixture
def folder(demo_dir, tmp_path) -> Path:
    for name in ("journal.csv", "proofs.csv"):
        shutil.copy(demo_dir / name, tmp_path / name)
    return tmp_path


def _off_clock_sale(folder: Path, offsets: dict) -> tuple[pd.Series, int]:
    """A card sale on the terminal whose clock is furthest off (at least six minutes)."""
    terminal, entry = max(offsets.items(), key=lambda kv: abs(kv[1]["offset_s"]))
    offset = int(entry["offset_s"])
    assert abs(offset) >= 360
    journal = pd.read_csv(folder / "journal.csv", dtype=str)
    sales = journal[
        (journal["terminal_id"] == terminal)
        & (journal["status"] == "approved")
        & (journal["txn_type"] == "sale")
    ]
    counts = sales["amount_minor"].value_counts()
    sales = sales[sales["amount_minor"].map(counts) == 1]  # an amount sold once on that terminal
    undone = set(
        journal["original_txn_id"].dropna()
    )  # not one refunded or voided since (rule refunded/voided)
    row = sales[~sales["txn_id"].isin(undone)].iloc[0]
    return row, offset


def test_reconcile_keeps_offsets_and_find_uses_them(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "7e" * 32)  # for the reprint at the end
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    done = _invoke(
        "reconcile",
        "--journal",
        str(folder / "journal.csv"),
        "--proofs",
        str(folder / "proofs.csv"),
        "--fx",
        "HKD:CNY=0.92",
    )
    assert done.exit_code in (0, 1), done.output
    kept = folder / "journal.csv.receiptkit.json"
    data = json.loads(kept.read_text(encoding="utf-8"))
    assert data["format"] == "receiptkit-learned"
    row, offset = _off_clock_sale(folder, data["clock_offsets"])
    zone = "Asia/Hong_Kong" if row["currency"] == "HKD" else "Asia/Shanghai"
    true_time = (pd.Timestamp(row["ts"]) - pd.Timedelta(seconds=offset)).tz_convert(zone)
    amount = f"{int(row['amount_minor']) // 100}.{int(row['amount_minor']) % 100:02d}"
    evidence = ["--amount", amount, "--currency", row["currency"], "--tz", zone]
    evidence += ["--time", true_time.strftime("%Y-%m-%d %H:%M")]
    if isinstance(row["card_last4"], str):
        evidence += ["--last4", row["card_last4"]]
    used = _invoke("find", "--journal", str(folder / "journal.csv"), *evidence)
    assert row["txn_id"] in used.output, used.output
    assert "using what earlier runs learned" in used.output
    ignored = _invoke("find", "--journal", str(folder / "journal.csv"), *evidence, "--no-learned")
    assert row["txn_id"] not in ignored.output
    assert ignored.exit_code == 1
    assert "MATCHED" in used.output
    # the reprint that find suggests matches the proof as find did: with the kept offsets
    reprint = [
        "reprint",
        "--new-audit-log",
        row["txn_id"],
        "--journal",
        str(folder / "journal.csv"),
        *evidence,
    ]
    reprint += ["--operator", "li", "--reason", "lost slip", "--pdf", str(folder / "dup.pdf")]
    reprint += ["--audit", str(folder / "audit.sqlite")]
    refused = _invoke(*reprint, "--no-learned")
    assert refused.exit_code == 2, refused.output
    done = _invoke(*reprint)
    assert done.exit_code == 0, done.output
    assert (folder / "dup.pdf").is_file()


def test_find_refuses_a_learned_file_that_is_not_there(folder: Path) -> None:
    done = _invoke(
        "find",
        "--journal",
        str(folder / "journal.csv"),
        "--amount",
        "1.00",
        "--learned",
        str(folder / "nope.json"),
    )
    assert done.exit_code == 2
    assert "nope.json" in done.output


def test_terminal_alias_declared_and_used_by_find(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "7e" * 32)  # the audit log is keyed, as at a counter
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    audit = folder / "audit.sqlite"
    journal = pd.read_csv(folder / "journal.csv", dtype=str)
    sale = journal[
        (journal["status"] == "approved")
        & (journal["txn_type"] == "sale")
        & journal["merchant_name"].str.contains("海底捞", na=False)
        & journal["card_last4"].notna()
    ].iloc[0]
    terminal = sale["terminal_id"]
    assert (
        _invoke(
            "terminal", "add", terminal, "--operator", "li", "--audit", str(audit), "--new-audit-log"
        ).exit_code
        == 0
    )
    legal = "北京某某餐饮管理有限公司"
    done = _invoke("terminal", "alias", terminal, legal, "--operator", "li", "--audit", str(audit))
    assert done.exit_code == 0, done.output
    assert f"alias {legal} declared" in done.output
    when = pd.Timestamp(sale["ts"]).tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M:%S")
    amount = f"{int(sale['amount_minor']) // 100}.{int(sale['amount_minor']) % 100:02d}"
    proof = [
        "--amount",
        amount,
        "--currency",
        sale["currency"],
        "--time",
        when,
        "--last4",
        sale["card_last4"],
        "--merchant",
        f"支付宝-{legal}",
    ]
    proof += ["--no-learned"]
    declared = _invoke("find", "--journal", str(folder / "journal.csv"), *proof, "--audit", str(audit))
    assert "merchant alias" in declared.output, declared.output
    assert "merchant aliases declared for 1 terminal(s)" in declared.output
    plain = _invoke("find", "--journal", str(folder / "journal.csv"), *proof)
    assert "merchant alias" not in plain.output
    shown = _invoke("terminal", "show", terminal, "--audit", str(audit))
    assert f"aliases: {legal}" in shown.output
    again = _invoke("terminal", "alias", terminal, legal, "--operator", "li", "--audit", str(audit))
    assert again.exit_code == 2  # already declared
    from receiptkit.terminals import Terminals

    with Terminals(str(audit), create=False) as register:
        assert register.aliases() == {terminal: [legal]}
        assert register.get(terminal).status == "active"  # an alias is no change of status
        assert register.verify().ok
    removed = _invoke(
        "terminal", "alias", terminal, legal, "--operator", "li", "--remove", "--audit", str(audit)
    )
    assert removed.exit_code == 0 and "aliases now: none" in removed.output
