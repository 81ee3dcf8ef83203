"""A numeric day/month read in the order of where the proof's currency is used, else refused (newcomer 18, F4).

Before: a Hong Kong SMS's ``03/11/2026`` and a typed ``3/11`` with ``--currency HKD`` were read as 11 March (the
default zone Asia/Shanghai writes month first), nothing matched, and the advice ended with ``--fx CNY:HKD=RATE``
(an HKD proof for an HKD sale); the ``--fx`` line also ended every unmatched typed CNY proof.
"""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from receiptkit.cli import app

HK_SMS = "HSBC: Your card ending {last4} was charged HKD {amount} at HARBOUR BOOKS LTD on {date} {time}."


def _hkd_sale(demo_dir, ambiguous: bool) -> pd.Series:
    journal = pd.read_csv(demo_dir / "journal.csv", dtype=str, keep_default_na=False)
    sales = journal[
        (journal["currency"] == "HKD")
        & (journal["txn_type"] == "sale")
        & (journal["status"] == "approved")
        & (journal["card_last4"].str.len() == 4)
    ]
    days = pd.to_datetime(sales["ts"].str[:10])
    fits = (days.dt.day <= 12) & (days.dt.day != days.dt.month) if ambiguous else days.dt.day > 12
    return sales[fits.to_numpy()].iloc[0]


def _run(*args: str):
    return CliRunner().invoke(app, ["find", *args, "--no-cache"], terminal_width=250)


def _typed(demo_dir, sale: pd.Series, *extra: str):
    ts = pd.Timestamp(sale["ts"])
    amount = f"{int(sale['amount_minor']) // 100}.{int(sale['amount_minor']) % 100:02d}"
    args = ["--journal", str(demo_dir / "journal.csv"), "--amount", amount, "--currency", "HKD"]
    args += ["--time", f"{ts.day}/{ts.month} {ts:%H:%M}", "--last4", sale["card_last4"], *extra]
    return _run(*args)


def test_a_typed_hkd_date_that_reads_both_ways_is_refused_naming_the_zone(demo_dir):
    sale = _hkd_sale(demo_dir, ambiguous=True)
    result = _typed(demo_dir, sale)
    assert result.exit_code == 2, result.output
    assert "could be" in result.output and "the proof is in HKD" in result.output
    assert "give --tz Asia/Hong_Kong, or --dayfirst / --monthfirst" in result.output
    assert "--fx" not in result.output
    told = _typed(demo_dir, sale, "--tz", "Asia/Hong_Kong")
    assert told.exit_code == 0 and "MATCHED" in told.output and sale["txn_id"] in told.output, told.output


def test_a_typed_hkd_date_that_reads_one_way_is_read_so(demo_dir):
    sale = _hkd_sale(demo_dir, ambiguous=False)
    result = _typed(
        demo_dir, sale
    )  # 13/11: day first, the only way (it was refused as "not a month/day date")
    assert result.exit_code == 0 and sale["txn_id"] in result.output, result.output


def test_a_hong_kong_sms_date_that_reads_both_ways_is_refused_then_matched_with_tz(demo_dir, tmp_path):
    sale = _hkd_sale(demo_dir, ambiguous=True)
    ts = pd.Timestamp(sale["ts"])
    amount = f"{int(sale['amount_minor']) // 100}.{int(sale['amount_minor']) % 100:02d}"
    path = tmp_path / "hk.txt"
    text = HK_SMS.format(last4=sale["card_last4"], amount=amount, date=f"{ts:%d/%m/%Y}", time=f"{ts:%H:%M}")
    path.write_text(text + "\n", encoding="utf-8")
    result = _run("--journal", str(demo_dir / "journal.csv"), "--proof", str(path))
    assert result.exit_code == 2 and "give --tz Asia/Hong_Kong" in result.output, result.output
    assert "--fx" not in result.output
    told = _run("--journal", str(demo_dir / "journal.csv"), "--proof", str(path), "--tz", "Asia/Hong_Kong")
    assert told.exit_code == 0 and sale["txn_id"] in told.output, told.output


def test_an_unmatched_typed_proof_in_a_currency_the_journal_holds_gets_no_fx_hint(demo_dir):
    args = ["--journal", str(demo_dir / "journal.csv"), "--amount", "368.51", "--currency", "CNY"]
    result = _run(*args, "--time", "2026-11-18 08:11", "--last4", "9403")
    assert result.exit_code == 1 and "UNMATCHED" in result.output, result.output
    assert "--fx" not in result.output
    assert "a numeric date such as 3/11" not in result.output  # no 3/11 typed: the order is not mentioned


def test_a_mainland_banks_sms_of_an_hkd_purchase_is_read_month_first(demo_dir, tmp_path):
    """Review 20 §12: 【招商银行】...11/03 14:05消费港币 was refused by HKD's day-first order, and the advice
    (--tz Asia/Hong_Kong) read it as 11 March; a mainland bank writes month first whatever the currency."""
    sms = tmp_path / "cmb_hkd.txt"
    sms.write_text("【招商银行】您尾号1234的信用卡11/03 14:05消费港币56.00元\n", encoding="utf-8")
    out = _run("--journal", str(demo_dir / "journal.csv"), "--proof", str(sms))
    assert "proof: sms · 56.00 HKD · " in out.output, out.output
    assert "-11-03 14:05" in out.output and "-03-11" not in out.output
