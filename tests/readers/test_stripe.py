"""Stripe "Balance change from activity" CSV read as proofs (own fixture + the public sample)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import receiptkit as rk
from receiptkit import ProofError, read_journal, read_proofs
from receiptkit.readers import stripe
from receiptkit.readers.proofs import sniff_format

HEADER = (
    '"balance_transaction_id","created_utc","available_on_utc","currency","gross","fee","net",'
    '"reporting_category","description"\n'
)
SAMPLE = "stripe/hledger__stripe-balance-change-from-activity.csv"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "balance.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_charges_and_refunds_are_proofs_payouts_and_fees_are_reported(fixtures):
    path = fixtures / "proofs" / "stripe_balance.csv"
    frame = read_proofs(path)
    assert list(frame["source_row"]) == [2, 3, 4, 7]
    assert list(frame["wallet_txn_id"]) == [
        "txn_1RkQ2bLm8xYz0001",
        "txn_1RkQ2bLm8xYz0002",
        "txn_1RkQ2bLm8xYz0003",
        "txn_1RkQ2bLm8xYz0006",
    ]
    assert list(frame["amount_minor"]) == [5000, 125000, 5000, 3200]  # JPY has no decimals
    assert list(frame["currency"]) == ["EUR", "EUR", "EUR", "JPY"]
    assert list(frame["direction"]) == ["debit", "debit", "credit", "debit"]
    assert (frame["kind"] == "bank_statement").all()
    first = frame.iloc[0]
    assert first["ts"] == pd.Timestamp("2026-03-14 17:05:11", tz="UTC") and first["ts_precision"] == "second"
    assert pd.isna(first["merchant_text"])  # the description is the charge's text, kept in raw
    assert first["raw"]["description"] == "Frühstück, Tisch 4"
    assert first["raw"]["available_on_utc"] == "2026-03-18 00:00:00"
    skipped = rk.skipped(frame)
    assert list(skipped["row"]) == [5, 6] and list(skipped["value"]) == ["payout", "fee"]


def test_times_stay_utc_whatever_tz_says(fixtures):
    path = fixtures / "proofs" / "stripe_balance.csv"
    utc = read_proofs(path)
    berlin = read_proofs(path, tz="Europe/Berlin")
    assert (berlin["ts"] == utc["ts"]).all()
    assert berlin.iloc[0]["ts"].strftime("%H:%M:%S") == "18:05:11"


def test_local_date_follows_tz(tmp_path):
    path = _write(
        tmp_path,
        HEADER + '"txn_A","2026-03-14 23:30:00","2026-03-18 00:00:00","eur","9.00","0","9.00","charge",\n',
    )
    assert read_proofs(path).iloc[0]["date"] == pd.Timestamp("2026-03-14")
    assert read_proofs(path, tz="Europe/Berlin").iloc[0]["date"] == pd.Timestamp("2026-03-15")


def test_bad_gross_names_file_line_column_and_value(tmp_path, fixtures):
    text = (fixtures / "proofs" / "stripe_balance.csv").read_text(encoding="utf-8")
    path = _write(tmp_path, text.replace('"50.00","-1.05"', '"50.0.0","-1.05"'))
    with pytest.raises(ProofError) as info:
        read_proofs(path)
    assert (info.value.file, info.value.row, info.value.column, info.value.value) == (
        str(path),
        2,
        "gross",
        "50.0.0",
    )


def test_header_only_or_payouts_only_hold_no_payment(tmp_path):
    with pytest.raises(ProofError) as info:
        read_proofs(_write(tmp_path, HEADER))
    assert info.value.row == 1 and "no transactions" in info.value.reason
    payout = '"txn_B","2026-01-06 10:00:00","2026-01-06 00:00:00","eur","-9.50","0.00","-9.50","payout","STRIPE PAYOUT"\n'
    with pytest.raises(ProofError) as info:
        read_proofs(_write(tmp_path, HEADER + payout))
    assert info.value.row == 1 and "no charges or refunds" in info.value.reason


def test_public_sample(samples):
    frame = read_proofs(samples / SAMPLE)
    assert sniff_format(samples / SAMPLE)[0] == "stripe"
    assert list(frame["wallet_txn_id"]) == ["txn_14G11HjubSIHf9IKrvJdwN", "txn_14G11HjHgubIH9ZvbPgYO7"]
    assert list(frame["amount_minor"]) == [1200, 77]
    assert list(frame["direction"]) == ["debit", "credit"]  # charge, then "-0.77" refund
    assert frame.iloc[0]["ts"] == pd.Timestamp("2020-01-23 08:26:29", tz="UTC")
    assert frame.iloc[1]["raw"]["description"] == "REFUND FOR PAYMENT"


def test_proof_and_journal_readers_agree_on_the_rows(samples, fixtures):
    for path in (samples / SAMPLE, fixtures / "proofs" / "stripe_balance.csv"):
        proofs = read_proofs(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            journal = read_journal(path)
        assert sorted(proofs["wallet_txn_id"]) == sorted(journal["txn_id"])
        assert sorted(proofs["amount_minor"]) == sorted(journal["amount_minor"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_header_plus_arbitrary_text_only_raises_proof_error(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            stripe.read((HEADER + text).encode("utf-8"), name="f.csv")
        except ProofError as exc:
            assert exc.file == "f.csv" and exc.row is not None


PAYMENTS_EXPORT = b"""id,Created (UTC),Amount,Amount Refunded,Currency,Captured,Description,Fee,Status,Statement Descriptor,Card Brand,Card Funding,Card Last4,Card Exp Month,Card Exp Year,PaymentIntent ID
ch_3AAA,2024-03-15 14:32:07,25.00,0.00,usd,true,Order 1001,1.03,Paid,SAMPLE CAFE,Visa,credit,4242,12,2028,pi_3AAA
ch_3BBB,2024-03-15 15:01,100.00,39.93,usd,true,Order 1002,3.20,Paid,SAMPLE CAFE,Mastercard,debit,5555,01,2027,pi_3BBB
ch_3CCC,2024-03-16 09:00:00,1000,1000,jpy,true,Order 1003,0.30,Refunded,SAMPLE CAFE,Visa,credit,1881,03,2026,pi_3CCC
ch_3DDD,2024-03-16 10:00:00,5.00,0.00,usd,false,Order 1004,0,Failed,SAMPLE CAFE,Visa,credit,0002,04,2029,pi_3DDD
ch_3EEE,2024-03-16 11:00:00,7.00,0.00,usd,true,Order 1005,0.50,Someday,SAMPLE CAFE,Visa,credit,0003,05,2029,pi_3EEE
"""


def test_dashboard_payments_export_with_card_last4():
    frame = read_proofs(PAYMENTS_EXPORT, name="unified_payments.csv")
    assert list(frame["amount_minor"]) == [2500, 10000, 1000, 500, 700]
    assert list(frame["currency"]) == ["USD", "USD", "JPY", "USD", "USD"]
    assert list(frame["card_last4"]) == ["4242", "5555", "1881", "0002", "0003"]
    assert list(frame["wallet_txn_id"]) == ["ch_3AAA", "ch_3BBB", "ch_3CCC", "ch_3DDD", "ch_3EEE"]
    assert list(frame["reference"]) == ["pi_3AAA", "pi_3BBB", "pi_3CCC", "pi_3DDD", "pi_3EEE"]
    assert set(frame["direction"]) == {"debit"}
    assert list(frame["payment_state"]) == ["success", "partially_refunded", "refunded", "failed", "unknown"]
    assert frame.iloc[1]["raw"]["refunded_minor"] == 3993
    # times are UTC; a time without seconds keeps minute precision
    assert frame.iloc[0]["ts"] == pd.Timestamp("2024-03-15 14:32:07", tz="UTC")
    assert list(frame["ts_precision"][:2]) == ["second", "minute"]
    # the card's expiry never reaches raw
    assert not any("Exp" in key for record in frame["raw"] for key in record)


# --------------------------------------------------------------------------- Connect application fees (issue #18)

FEES_HEADER = (
    "id,Created (UTC),Amount,Amount Refunded,Currency,User ID,User Email,Application ID,Transaction ID\n"
)


def test_connect_application_fee_export_european_locale():
    """Amounts "0,25", times to the minute: each row is a fee the platform collected on a charge."""
    data = (
        FEES_HEADER
        + 'fee_1AAA0001,2025-12-31 14:30,"0,25","0,00",eur,acct_1TEST001,shop1@example.com,ca_APP1,ch_3CHARGE001\n'
        + 'fee_1AAA0002,2025-12-31 10:15,"1,50","0,50",eur,acct_1TEST002,shop2@example.com,ca_APP1,ch_3CHARGE002\n'
    ).encode()
    assert sniff_format(data, name="fees.csv")[0] == "stripe"
    frame = read_proofs(data, name="fees.csv")
    assert frame["amount_minor"].tolist() == [25, 150]
    assert set(frame["currency"]) == {"EUR"} and set(frame["direction"]) == {"credit"}
    assert frame["wallet_txn_id"].tolist() == ["fee_1AAA0001", "fee_1AAA0002"]
    assert frame["reference"].tolist() == ["ch_3CHARGE001", "ch_3CHARGE002"]
    assert frame["merchant_text"].tolist() == ["shop1@example.com", "shop2@example.com"]
    assert set(frame["ts_precision"]) == {"minute"}
    assert frame.iloc[0]["ts"] == pd.Timestamp("2025-12-31 14:30", tz="UTC")
    assert frame["payment_state"].tolist() == ["success", "partially_refunded"]
    assert all(record["application_fee"] for record in frame["raw"])
    assert frame.iloc[1]["raw"]["refunded_minor"] == 50


def test_connect_application_fee_export_with_decimal_points_and_a_bad_cell():
    data = (
        FEES_HEADER + "fee_1,2026-01-02 09:00:00,2.00,2.00,usd,acct_1,,ca_1,ch_1\n"
        "fee_2,2026-01-02 09:01:00,12.345,0.00,usd,acct_2,,ca_1,ch_2\n"
    ).encode()
    with pytest.raises(ProofError) as info:
        read_proofs(data, name="fees.csv")
    assert (info.value.row, info.value.column) == (3, "Amount")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = read_proofs(data, name="fees.csv", strict=False)
    assert frame["amount_minor"].tolist() == [200] and frame["payment_state"].tolist() == ["refunded"]
    assert frame["merchant_text"].tolist() == ["acct_1"]  # no e-mail: the connected account's id


def test_a_payments_export_cut_inside_its_last_payment_intent_id_is_refused():
    """Clean-room intake finding J: the last PaymentIntent id came back shortened."""
    data = PAYMENTS_EXPORT.rstrip(b"\r\n")[:-2]  # pi_3EEE cut to pi_3E, no final line break
    with pytest.raises(ProofError, match="end it with a line break") as info:
        read_proofs(data, name="unified_payments.csv")
    assert (info.value.column, info.value.value) == ("PaymentIntent ID", "pi_3E")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = read_proofs(data, name="unified_payments.csv", strict=False)
    assert list(frame["reference"]) == ["pi_3AAA", "pi_3BBB", "pi_3CCC", "pi_3DDD"]
    assert rk.rejected(frame)["row"].tolist() == [info.value.row]


def test_a_payments_export_cut_inside_a_card_expiry_never_quotes_the_expiry():
    """Clean-room intake (seeds 7/8): a file cut right after the last row's Card Exp Year was refused naming
    the column, but the error quoted the year ('2031'): an expiry alone carries no marker a mask can find, so
    an expiry column's value is never quoted, in the error nor in the rejected-cells report."""
    head, _, _ = PAYMENTS_EXPORT.rstrip(b"\r\n").rpartition(b",")  # the last row ends after its expiry year
    with pytest.raises(ProofError, match="end it with a line break") as info:
        read_proofs(head, name="unified_payments.csv")
    assert info.value.column == "Card Exp Year"
    assert info.value.value == "****" and "2029" not in str(info.value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = read_proofs(head, name="unified_payments.csv", strict=False)
    report = rk.rejected(frame)
    assert report["column"].tolist() == ["Card Exp Year"] and report["value"].tolist() == ["****"]
    assert "2029" not in repr(frame.attrs)
