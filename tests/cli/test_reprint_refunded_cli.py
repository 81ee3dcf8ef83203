"""``find`` says a matched sale was refunded; ``reprint`` refuses a fully refunded one (rule ``refunded``) and
marks the slip when overridden (newcomer 18, F6: the demo's T00000021, refunded next day by T00000021R, was
MATCHED and reprinted as a plain SALE duplicate)."""

from __future__ import annotations

import shutil

import pandas as pd
from typer.testing import CliRunner

from receiptkit.cli import app


def _refunded_sale(journal: pd.DataFrame) -> pd.Series:
    refunds = journal[(journal["txn_type"] == "refund") & (journal["status"] == "approved")]
    refunds = refunds[refunds["original_txn_id"] != ""]
    for _, refund in refunds.iterrows():
        sale = journal[journal["txn_id"] == refund["original_txn_id"]]
        if (
            len(sale) == 1
            and sale.iloc[0]["amount_minor"] == refund["amount_minor"]
            and sale.iloc[0]["card_last4"]
        ):
            return sale.iloc[0]
    raise AssertionError("the demo journal has no fully refunded card sale")


def test_refunded_sale_is_said_refused_and_marked(demo_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "6a" * 32)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    shutil.copy(demo_dir / "journal.csv", tmp_path / "journal.csv")
    journal = pd.read_csv(tmp_path / "journal.csv", dtype=str, keep_default_na=False)
    sale = _refunded_sale(journal)
    refund_id = journal[journal["original_txn_id"] == sale["txn_id"]].iloc[0]["txn_id"]
    ts = pd.Timestamp(sale["ts"])
    amount = f"{int(sale['amount_minor']) // 100}.{int(sale['amount_minor']) % 100:02d}"
    evidence = ["--amount", amount, "--currency", sale["currency"], "--last4", sale["card_last4"]]
    evidence += ["--time", ts.strftime("%Y-%m-%d %H:%M:%S"), "--tz", str(ts.tz), "--no-learned"]
    found = CliRunner().invoke(
        app, ["find", "--journal", str(tmp_path / "journal.csv"), *evidence], terminal_width=200
    )
    assert found.exit_code == 0 and "MATCHED" in found.output, found.output
    assert f"REFUNDED: {sale['txn_id']} was refunded in full" in found.output
    assert refund_id in found.output and "(refused as it is: rule refunded, above)" in found.output

    base = [
        "reprint",
        "--new-audit-log",
        sale["txn_id"],
        "--journal",
        str(tmp_path / "journal.csv"),
        "--operator",
        "li",
    ]
    base += ["--reason", "lost slip", "--audit", str(tmp_path / "audit.sqlite")]
    refused = CliRunner().invoke(app, [*base, "--pdf", str(tmp_path / "d1.pdf")], terminal_width=200)
    assert refused.exit_code == 2 and "[refunded]" in refused.output and refund_id in refused.output
    assert not (tmp_path / "d1.pdf").exists()
    done = CliRunner().invoke(
        app, [*base, "--override", "refunded", "--png", str(tmp_path / "d2.png")], terminal_width=200
    )
    assert done.exit_code == 0 and "override applied: rule refunded" in done.output, done.output
    assert (tmp_path / "d2.png").exists()
    assert (
        "the slip says REFUNDED 已退款" in done.output
        and refund_id in done.output.split("this sale refunded: the slip says")[1]
    )
