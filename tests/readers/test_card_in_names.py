"""A file named by a card number: the name reaches proof_id, source and error messages only masked."""

from __future__ import annotations

import shutil

import pytest

import receiptkit as rk
from receiptkit import ProofError, read_proofs

PAN = "4272478645594503266"


def test_a_card_number_in_a_proof_files_name_is_masked_in_proof_id_and_source(fixtures, tmp_path):
    path = tmp_path / f"微信支付账单_卡{PAN}.csv"
    shutil.copy(fixtures / "proofs" / "wechat_bill.csv", path)
    frame = read_proofs(path)
    for column in ("proof_id", "source"):
        assert not frame[column].str.contains(PAN[6:-4]).any(), frame[column].iloc[0]
    assert frame["proof_id"].iloc[0] == f"微信支付账单_卡{PAN[:6]}*********{PAN[-4:]}:18"
    assert frame["proof_id"].is_unique


def test_a_card_number_in_a_missing_files_name_is_masked_in_the_error(tmp_path):
    with pytest.raises(ProofError) as caught:
        read_proofs(tmp_path / f"账单{PAN}.csv")
    assert PAN not in str(caught.value) and PAN not in (caught.value.file or "")
    assert PAN[-4:] in str(caught.value)


def test_a_dated_file_name_stays_as_written(fixtures, tmp_path):
    path = tmp_path / "账单(20261120-20261127).csv"
    shutil.copy(fixtures / "proofs" / "wechat_bill.csv", path)
    assert read_proofs(path)["proof_id"].iloc[0] == "账单(20261120-20261127):18"


def test_a_card_number_in_a_journal_files_name_is_masked_in_source(tmp_path):
    path = tmp_path / f"journal_{PAN}.csv"
    path.write_text(
        "txn_id,ts,amount_minor,currency,merchant_name\nA1,2026-11-12T10:00:00+08:00,100,CNY,shop\n",
        encoding="utf-8",
    )
    frame = rk.read_journal(path)
    assert PAN not in frame["source"].iloc[0]
