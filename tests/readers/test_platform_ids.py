"""A known bill's own dated id in its id column is kept whole; a card number anywhere else is still masked.

Newcomer 19, G13: a real Meituan bill's 19-digit refund 交易单号 ``2502160180268562443`` (a refund of 2025-02-16)
passes a card's check digit with a 2-series Mastercard prefix and was masked as a card number, its join key lost.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.schema import FullPanWarning

MEITUAN = "meituan_personal/example-mt-records.csv"  # in ../shared/samples, through the samples fixture
HEADER = "交易创建时间,交易成功时间,交易类型,订单标题,收/支,支付方式,订单金额,实付金额,交易单号,商家单号,备注"
PAN = "5454545454545454"  # a test Mastercard number (Luhn-valid)


def _bill(*rows: str) -> bytes:
    return (
        "\ufeff美团交易账单明细\r\n【美团交易账单明细列表】\r\n"
        + HEADER
        + "\r\n"
        + "\r\n".join(rows)
        + "\r\n"
    ).encode()


def _row(ts: str, txn: str, remark: str = "/") -> str:
    return f'{ts},{ts},退款,瑞幸咖啡,收入,微信支付,¥11.90,¥11.90,"{txn}\t","0_2204430449361044\t",{remark}'


def test_the_meituan_samples_refund_id_is_kept_whole(samples):
    with warnings.catch_warnings():
        warnings.simplefilter("error", FullPanWarning)
        proofs = rk.read_proofs(samples / MEITUAN)
    row = proofs[proofs["source_row"] == 44].iloc[0]
    assert row["wallet_txn_id"] == "2502160180268562443"
    assert row["raw"]["交易单号"] == "2502160180268562443"


def test_a_dated_19_digit_id_in_the_id_column_is_kept_and_joins():
    with warnings.catch_warnings():
        warnings.simplefilter("error", FullPanWarning)
        proofs = rk.read_proofs(_bill(_row("2025-02-16 05:46:29", "2502160180268562443")), name="mt.csv")
    assert proofs["wallet_txn_id"].iloc[0] == "2502160180268562443"


def test_an_undated_card_number_in_the_id_column_is_still_masked_and_the_warning_names_the_row():
    with pytest.warns(FullPanWarning) as caught:
        proofs = rk.read_proofs(_bill(_row("2025-02-16 05:46:29", PAN)), name="mt.csv")
    assert proofs["wallet_txn_id"].iloc[0] == "545454******5454"
    assert PAN not in str(proofs["raw"].iloc[0])
    text = " ".join(str(w.message) for w in caught)
    assert "row 4" in text and "can no longer be joined on whole" in text and PAN not in text


def test_a_card_number_pasted_into_the_remark_of_a_kept_row_is_masked():
    proofs = rk.read_proofs(
        _bill(_row("2025-02-16 05:46:29", "2502160180268562443", remark=f"卡号{PAN}")), name="mt.csv"
    )
    raw = proofs["raw"].iloc[0]
    assert proofs["wallet_txn_id"].iloc[0] == "2502160180268562443"
    assert PAN not in str(raw) and "545454******5454" in raw["备注"]


def test_a_dated_card_like_id_in_a_hand_built_frame_without_the_readers_mark_is_masked():
    frame = pd.DataFrame(
        {
            "proof_id": ["p1"],
            "kind": ["wallet"],
            "ts": [pd.Timestamp("2025-02-16 05:46:29", tz="Asia/Shanghai")],
            "amount_minor": [1190],
            "currency": ["CNY"],
            "direction": ["credit"],
            "wallet_txn_id": ["2502160180268562443"],
        }
    )
    with pytest.warns(FullPanWarning):
        proofs = rk.validate_proofs(frame)
    assert proofs["wallet_txn_id"].iloc[0] == "250216*********2443"


def test_the_keep_is_a_wallet_rows_own_id_cell_only():
    """Review 20 §1: the mark in raw was honoured on any row and put back every raw cell equal to the id."""
    pan = "2612081234567895"  # a 2-series Mastercard number beginning with the row's date (26-12-08)
    base = {
        "proof_id": "P1",
        "ts": pd.Timestamp("2026-12-08 09:00", tz="Asia/Shanghai"),
        "date": pd.Timestamp("2026-12-08"),
        "amount_minor": 1190,
        "currency": "CNY",
        "direction": "debit",
        "wallet_txn_id": pan,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FullPanWarning)
        bank = rk.validate_proofs(
            pd.DataFrame(
                [{**base, "kind": "bank_statement", "raw": {"platform_ids": ["wallet_txn_id"], "卡号": pan}}]
            )
        )
        wallet = rk.validate_proofs(
            pd.DataFrame(
                [{**base, "kind": "wallet", "raw": {"platform_ids": ["wallet_txn_id"], "note": pan}}]
            )
        )
    assert pan not in str(bank.iloc[0].to_dict())
    assert pan not in str(wallet["raw"].iloc[0])  # the id may stay whole in its column, never in another cell


@pytest.mark.parametrize(
    "grouped", ["4111 1111 1111 1111", "4111-1111-1111-1111", "４１１１ １１１１ １１１１ １１１１"]
)
def test_a_grouped_card_number_in_an_id_column_is_masked(grouped):
    """Review 20 §6: a card number written in groups in wallet_txn_id / order_no stayed whole (find printed it)."""
    frame = pd.DataFrame(
        [
            {
                "proof_id": "P1",
                "kind": "wallet",
                "ts": pd.Timestamp("2026-12-08 09:00", tz="Asia/Shanghai"),
                "amount_minor": 1190,
                "currency": "CNY",
                "direction": "debit",
                "wallet_txn_id": grouped,
                "order_no": grouped,
            }
        ]
    )
    with pytest.warns(FullPanWarning):
        out = rk.validate_proofs(frame)
    assert (
        out["wallet_txn_id"].iloc[0] == "411111******1111" and out["order_no"].iloc[0] == "411111******1111"
    )
