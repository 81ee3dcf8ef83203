"""The counter's typed amount is in the shop's currency: the journal's one currency, or --currency.

Before session 14 ``find``/``reprint`` took a typed amount as CNY whatever the journal held: a Hong Kong shop's
``--amount 128.50`` (HKD) was UNMATCHED against its own HKD 128.50 sale, and with what ``reconcile`` keeps
beside the journal (a HKD:CNY card billing rate, the counter's prior of absence) it was MATCHED to an HKD
139.67 sale (128.50 / 0.92), "on time same", without a word of currency.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from receiptkit.cli import app

HK = "Asia/Hong_Kong"


def _journal(path: Path, sale_minor: int, *, other_currency: str | None = None) -> Path:
    """An HKD shop's day: forty sales of odd amounts, and sale HX at 14:32:10 of ``sale_minor``."""
    rows = []
    start = pd.Timestamp("2026-11-18 09:00", tz=HK)
    for k in range(40):
        rows.append(
            {
                "txn_id": f"H{k:03d}",
                "merchant_id": "M1",
                "merchant_name": "Harbour Books Ltd",
                "terminal_id": "13000001",
                "ts": (start + pd.Timedelta(minutes=17 * k)).isoformat(),
                "amount_minor": 1000 + 137 * k,
                "currency": "HKD",
                "txn_type": "sale",
                "status": "approved",
                "channel": "card",
                "card_last4": f"{1000 + k}",
            }
        )
    rows.append({**rows[0], "txn_id": "HX", "ts": pd.Timestamp("2026-11-18 14:32:10", tz=HK).isoformat()})
    rows[-1].update(amount_minor=sale_minor, card_last4="4321")
    if other_currency:
        rows.append({**rows[1], "txn_id": "C1", "currency": other_currency, "amount_minor": 5000})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _find(journal: Path, *extra: str):
    args = ["find", "--journal", str(journal), "--amount", "128.50", "--time", "2026-11-18 14:32", "--tz", HK]
    return CliRunner().invoke(app, [*args, "--no-cache", *extra], terminal_width=200)


def test_a_typed_amount_is_in_the_journals_only_currency(tmp_path):
    found = _find(_journal(tmp_path / "hkd.csv", 12850))
    assert found.exit_code == 0, found.output
    assert "proof: manual · 128.50 HKD" in found.output and "MATCHED" in found.output
    assert "the journal's only currency" in found.output  # said, on stderr
    assert "--currency HKD" in found.output.split("reprint with:")[1]


def test_a_journal_of_several_currencies_needs_currency(tmp_path):
    journal = _journal(tmp_path / "mixed.csv", 12850, other_currency="CNY")
    refused = _find(journal)
    assert refused.exit_code == 2, refused.output
    assert "--currency" in refused.output and "CNY" in refused.output and "HKD" in refused.output
    assert "Traceback" not in refused.output
    reprint = [
        "reprint",
        "--new-audit-log",
        "--journal",
        str(journal),
        "--amount",
        "128.50",
        "--time",
        "2026-11-18 14:32",
    ]
    reprint += ["--tz", HK, "--operator", "li", "--reason", "lost", "--pdf", str(tmp_path / "dup.pdf")]
    refused = CliRunner().invoke(app, reprint, terminal_width=200)
    assert refused.exit_code == 2 and "--currency" in refused.output, refused.output
    assert not (tmp_path / "dup.pdf").exists()
    told = _find(journal, "--currency", "HKD")
    assert told.exit_code == 0 and "HX" in told.output, told.output


def test_an_explicit_currency_wins(tmp_path):
    said = _find(_journal(tmp_path / "hkd.csv", 12850), "--currency", "CNY")
    assert said.exit_code == 1, said.output
    assert "128.50 CNY" in said.output and "reprint with" not in said.output


def test_a_counter_amount_is_not_converted_to_another_sale_by_a_kept_billing_rate(tmp_path):
    # what reconcile keeps beside the journal: HKD:CNY card bills at 0.92, and counter input always found
    journal = _journal(tmp_path / "hkd.csv", 13967)  # HKD 139.67 = CNY 128.50 at 0.92
    learned = {"format": "receiptkit-learned", "version": 3, "journal": "hkd.csv", "updated_at": None}
    learned.update(fx_rates={"HKD:CNY": "0.92"}, prior_absent={"manual": 0.01})
    Path(f"{journal}.receiptkit.json").write_text(json.dumps(learned), encoding="utf-8")
    found = _find(journal)
    assert found.exit_code == 1, found.output  # before: MATCHED HX "on time same", an HKD 139.67 sale
    assert "128.50 HKD" in found.output and "reprint with" not in found.output


@pytest.mark.parametrize("source", ["--proof", "--screenshot"])
def test_currency_beside_a_proof_file_is_refused_not_ignored(tmp_path, source):
    journal = _journal(tmp_path / "hkd.csv", 12850)
    path = tmp_path / "p.csv"
    path.write_text("x\n", encoding="utf-8")
    args = ["find", "--journal", str(journal), source, str(path), "--currency", "USD", "--no-cache"]
    refused = CliRunner().invoke(app, args, terminal_width=200)
    assert refused.exit_code == 2 and "--currency" in refused.output, refused.output


@pytest.mark.parametrize(
    ("typed", "named"), [("HK$128.50", "HKD"), ("港币128.50", "HKD"), ("CNY 128.50", "CNY")]
)
def test_the_currency_hint_is_the_one_the_typed_amount_names(tmp_path, typed, named):
    """`--amount HK$128.50` on the demo's CNY+HKD journal said `(e.g. --currency CNY)`: the wrong currency to
    copy. The refusal stays (the journal holds two), and its example is the currency the amount names."""
    journal = _journal(tmp_path / "mixed.csv", 12850, other_currency="CNY")
    args = ["find", "--journal", str(journal), "--amount", typed, "--time", "2026-11-18 14:32", "--tz", HK]
    refused = CliRunner().invoke(app, [*args, "--no-cache"], terminal_width=200)
    assert refused.exit_code == 2, refused.output
    assert f"(e.g. --currency {named})" in refused.output
