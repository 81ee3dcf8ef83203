"""``find`` with an SMS showing the paying card as a whole number (newcomer 19, G7).

Before: ``您的信用卡6217 0000 1001 2345 677`` was read with no card and MATCHED 99.7 % on time alone to a sale on
another card, with no word that the card was not compared. Now the number's last 4 are the card (the sale's other
card contradicts it), and a whole number the message does not name as its card is said not compared.
"""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from receiptkit.cli import app

WHOLE = "6217 0000 1001 2345 677"  # Luhn-valid UnionPay number ending 5677


def _sale(demo_dir) -> pd.Series:
    journal = pd.read_csv(demo_dir / "journal.csv", dtype=str, keep_default_na=False)
    sales = journal[
        (journal["currency"] == "CNY")
        & (journal["txn_type"] == "sale")
        & (journal["status"] == "approved")
        & (journal["card_last4"].str.len() == 4)
        & (journal["card_last4"] != "5677")
        & (journal["channel"] == "card")
    ]
    return sales.iloc[len(sales) // 2]


def _find(demo_dir, tmp_path, text: str):
    path = tmp_path / "sms.txt"
    path.write_text(text + "\n", encoding="utf-8")
    args = ["find", "--journal", str(demo_dir / "journal.csv"), "--proof", str(path), "--no-cache"]
    return CliRunner().invoke(app, args, terminal_width=250)


def _when(sale: pd.Series) -> str:
    ts = pd.Timestamp(sale["ts"])
    return f"{ts.year}年{ts.month}月{ts.day}日{ts:%H:%M}"


def _amount(sale: pd.Series) -> str:
    return (
        f"{int(sale['amount_minor']) / 100:.2f}"  # the test's own text only; receiptkit reads it as Decimal
    )


def test_a_whole_card_number_named_as_the_card_contradicts_a_sale_on_another_card(demo_dir, tmp_path):
    sale = _sale(demo_dir)
    result = _find(demo_dir, tmp_path, f"您的信用卡{WHOLE}于{_when(sale)}消费人民币{_amount(sale)}元")
    assert "card ****5677" in result.output, result.output
    assert result.exit_code == 1 and "MATCHED:" not in result.output, result.output
    assert "card_last4 differs" in result.output
    assert "0000 1001" not in result.output and "621700000" not in result.output


def test_a_whole_card_number_not_named_as_the_card_is_said_not_compared(demo_dir, tmp_path):
    sale = _sale(demo_dir)
    text = f"{_when(sale)}消费人民币{_amount(sale)}元 卡号{WHOLE}"
    result = _find(demo_dir, tmp_path, text)
    assert "card not compared: the message holds a whole card number ending 5677" in result.output, (
        result.output
    )
    assert "0000 1001" not in result.output and "621700000" not in result.output


def test_explain_says_the_card_was_not_compared(demo_dir, tmp_path):
    import receiptkit as rk

    sale = _sale(demo_dir)
    path = tmp_path / "sms.txt"
    path.write_text(f"{_when(sale)}消费人民币{_amount(sale)}元 卡号{WHOLE}\n", encoding="utf-8")
    proofs = rk.read_proofs(path)
    result = rk.match(proofs, rk.read_journal(demo_dir / "journal.csv"))
    row = rk.explain(result, str(proofs["proof_id"].iloc[0])).set_index("field").loc["card_last4"]
    assert "whole card number ending 5677" in str(row["best_note"]) and "not compared" in str(
        row["best_note"]
    )
    assert "0000 1001" not in str(row.to_dict())
