"""``find`` and ``reprint`` at the terminal when the journal names a refund of the sale it cannot weigh (session 19).

The demo's fully refunded sale, its refund rewritten into another currency: before, the refund was left out, so
``find`` said MATCHED with no word of it and ``reprint`` printed a plain SALE duplicate. Now ``find`` says
REFUND UNSURE (both currencies), ``reprint`` refuses it (rule ``refund_unsure``) and, overridden, the slip says
REFUND UNSURE with no REFUNDED amount.
"""

from __future__ import annotations

import shutil

import pandas as pd
from typer.testing import CliRunner

from receiptkit.cli import app

from .test_reprint_refunded_cli import _refunded_sale


def test_a_refund_in_another_currency_is_said_unsure_and_refused(demo_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "6a" * 32)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    shutil.copy(demo_dir / "journal.csv", tmp_path / "journal.csv")
    journal = pd.read_csv(tmp_path / "journal.csv", dtype=str, keep_default_na=False)
    sale = _refunded_sale(journal)
    refund = journal["original_txn_id"] == sale["txn_id"]
    refund_id = journal.loc[refund, "txn_id"].iloc[0]
    other = "USD" if sale["currency"] != "USD" else "EUR"
    journal.loc[refund, "currency"] = other
    journal.to_csv(tmp_path / "journal.csv", index=False)
    ts = pd.Timestamp(sale["ts"])
    amount = f"{int(sale['amount_minor']) // 100}.{int(sale['amount_minor']) % 100:02d}"
    evidence = ["--amount", amount, "--currency", sale["currency"], "--last4", sale["card_last4"]]
    evidence += ["--time", ts.strftime("%Y-%m-%d %H:%M:%S"), "--tz", str(ts.tz), "--no-learned"]
    found = CliRunner().invoke(
        app, ["find", "--journal", str(tmp_path / "journal.csv"), *evidence], terminal_width=200
    )
    assert found.exit_code == 0 and "MATCHED" in found.output, found.output
    said = " ".join(found.output.split())
    assert "REFUND UNSURE:" in said and refund_id in said
    assert f"in {other}, the sale {sale['txn_id']} in {sale['currency']}" in said
    assert "(refused as it is: rule refund_unsure, above)" in said and "REFUNDED:" not in said

    base = ["reprint", "--new-audit-log", sale["txn_id"], "--journal", str(tmp_path / "journal.csv")]
    base += ["--operator", "li", "--reason", "lost slip", "--audit", str(tmp_path / "audit.sqlite")]
    refused = CliRunner().invoke(app, [*base, "--pdf", str(tmp_path / "d1.pdf")], terminal_width=200)
    assert refused.exit_code == 2 and "[refund_unsure]" in refused.output, refused.output
    assert other in refused.output and not (tmp_path / "d1.pdf").exists()
    done = CliRunner().invoke(
        app,
        [*base, "--override", "refund_unsure", "--pdf", str(tmp_path / "d2.pdf")],
        terminal_width=200,
    )
    assert done.exit_code == 0 and "override applied: rule refund_unsure" in done.output, done.output
    assert "cannot weigh: the slip says REFUND UNSURE" in " ".join(done.output.split())
    import pypdf

    slip = "".join(page.extract_text() for page in pypdf.PdfReader(tmp_path / "d2.pdf").pages)
    assert (
        "REFUND UNSURE" in slip and refund_id in slip and "REFUNDED" not in slip.replace("REFUND UNSURE", "")
    )
