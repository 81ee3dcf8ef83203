"""``strict=False`` leaves out only the row of a control character or an unknown currency, as it does for any
other bad cell: the row goes to ``rejected(frame)``, the rest is read. Before session 16 such a cell refused
the whole file even with ``strict=False`` (a journal's or a wallet bill's control character; a canonical proofs
file's control character or unknown currency); ``strict=True`` still refuses at that cell."""

from __future__ import annotations

import warnings

import pytest

import receiptkit as rk
from receiptkit.errors import JournalError, ProofError

JOURNAL_HEADER = (
    "txn_id,merchant_id,merchant_name,terminal_id,ts,amount_minor,currency,txn_type,status,channel\n"
)
JOURNAL_ROWS = [
    "T1,M1,Shop A,10000001,2026-11-01 10:00:00+08:00,1000,CNY,sale,approved,card\n",
    "T2,M1,Shop\x00A,10000001,2026-11-01 10:05:00+08:00,2000,CNY,sale,approved,card\n",
    "T3,M1,Shop A,10000001,2026-11-01 10:10:00+08:00,3000,CNY,sale,approved,card\n",
    "T4,M1,Shop A,10000001,2026-11-01 10:15:00+08:00,4000,CNY,sale,approved,\x1bcard\n",
]


def _read_loose(read, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = read(*args, strict=False, **kwargs)
    assert any("rejected" in str(w.message) for w in caught)  # RejectedRowsWarning
    return frame


def test_a_journal_control_character_rejects_only_its_row(tmp_path):
    path = tmp_path / "journal.csv"
    path.write_text(JOURNAL_HEADER + "".join(JOURNAL_ROWS[:3]), encoding="utf-8")
    with pytest.raises(JournalError) as caught:
        rk.read_journal(path)
    assert (caught.value.row, caught.value.column) == (3, "merchant_name")
    assert "control character U+0000" in caught.value.reason
    frame = _read_loose(rk.read_journal, path)
    assert list(frame["txn_id"]) == ["T1", "T3"]
    rejected = rk.rejected(frame)
    assert rejected[["row", "column"]].values.tolist() == [[3, "merchant_name"]]
    assert rejected["value"].tolist() == ["Shop\x00A"]
    assert "control character U+0000" in rejected["reason"].iloc[0]


def test_a_journal_control_character_in_an_enum_column_is_the_rows_too(tmp_path):
    path = tmp_path / "journal.csv"
    path.write_text(JOURNAL_HEADER + JOURNAL_ROWS[0] + JOURNAL_ROWS[3], encoding="utf-8")
    frame = _read_loose(rk.read_journal, path)
    assert list(frame["txn_id"]) == ["T1"]
    assert rk.rejected(frame)["row"].tolist() == [3]


PROOFS_HEADER = "proof_id,kind,ts,amount_minor,currency,direction,merchant_text\n"


@pytest.mark.parametrize(
    ("bad", "column", "reason"),
    [
        ("P2,wallet,2026-11-01 10:05:00+08:00,2000,CNY,debit,Shop\x1bA\n", "merchant_text", "U+001B"),
        ("P2,wallet,2026-11-01 10:05:00+08:00,2000,XYZ,debit,Shop A\n", "currency", "ISO 4217"),
    ],
    ids=["control", "currency"],
)
def test_a_canonical_proofs_file_rejects_only_the_bad_row(tmp_path, bad, column, reason):
    path = tmp_path / "proofs.csv"
    good = [
        "P1,wallet,2026-11-01 10:00:00+08:00,1000,CNY,debit,Shop A\n",
        "P3,wallet,2026-11-01 10:10:00+08:00,3000,CNY,debit,Shop A\n",
    ]
    path.write_text(PROOFS_HEADER + good[0] + bad + good[1], encoding="utf-8")
    with pytest.raises(ProofError) as caught:
        rk.read_proofs(path)
    assert (caught.value.row, caught.value.column) == (3, column) and reason in caught.value.reason
    frame = _read_loose(rk.read_proofs, path)
    assert list(frame["proof_id"]) == ["P1", "P3"]
    rejected = rk.rejected(frame)
    assert rejected[["row", "column"]].values.tolist() == [[3, column]]
    assert reason in rejected["reason"].iloc[0]


STRIPE = (
    b"id,Created (UTC),Amount,Amount Refunded,Currency,Captured,Description,Fee,Status,Statement Descriptor,"
    b"Card Brand,Card Funding,Card Last4,Card Exp Month,Card Exp Year,PaymentIntent ID\n"
    b"ch_3AAA,2024-03-15 14:32:07,25.00,0.00,usd,true,Order 1001,1.03,Paid,SAMPLE CAFE,Visa,credit,4242,12,2028,pi_3AAA\n"
    b"ch_3BBB,2024-03-15 15:01,100.00,0.00,usd,true,Order 1002,3.20,Paid,SAMPLE\x1bCAFE,Visa,debit,5555,01,2027,pi_3BBB\n"
    b"ch_3CCC,2024-03-16 09:00:00,7.00,0.00,usd,true,Order 1003,0.30,Paid,SAMPLE CAFE,Visa,credit,1881,03,2026,pi_3CCC\n"
)


def test_a_table_proof_reader_rejects_only_the_row_of_a_control_character():
    with pytest.raises(ProofError) as caught:
        rk.read_proofs(STRIPE, name="stripe.csv")
    assert caught.value.row == 3 and "U+001B" in caught.value.reason
    frame = _read_loose(rk.read_proofs, STRIPE, name="stripe.csv")
    assert list(frame["wallet_txn_id"]) == ["ch_3AAA", "ch_3CCC"]
    rejected = rk.rejected(frame)
    assert rejected["row"].tolist() == [3] and "U+001B" in rejected["reason"].iloc[0]
