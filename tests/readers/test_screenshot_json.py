"""Screenshot metadata JSON (Chinese and English keys)."""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit import ProofError, read_proofs


def test_chinese_and_english_keys(fixtures):
    frame = read_proofs(fixtures / "proofs" / "screenshot.json")
    assert list(frame["source_row"]) == [3, 5]
    wechat, card = frame.iloc[0], frame.iloc[1]
    assert wechat["kind"] == "wallet" and wechat["amount_minor"] == 12850 and wechat["direction"] == "debit"
    assert wechat["card_last4"] == "1234" and wechat["order_no"] == "POS20261120001"
    assert wechat["wallet_txn_id"] == "4200001234…7890"
    assert wechat["ts"] == pd.Timestamp("2026-11-20 14:32:07", tz="Asia/Shanghai")
    assert card["kind"] == "issuer_app" and card["currency"] == "HKD" and card["card_last4"] == "9876"
    assert card["ts_precision"] == "minute" and card["reference"] == "123456"


def test_float_amount_refused(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('[\n{"amount": 1.1, "time": "2026-11-20 10:00"}\n]', encoding="utf-8")
    with pytest.raises(ProofError) as info:
        read_proofs(path)
    assert info.value.row == 2 and info.value.column == "amount"


def test_broken_json_names_line(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('[\n{"amount": "1.10",\n "time": }\n]', encoding="utf-8")
    with pytest.raises(ProofError) as info:
        read_proofs(path, format="json")
    assert info.value.row == 3


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        (
            "Asia/Hong_Kong",
            "2026-11-03 14:32",
        ),  # day first, as Hong Kong writes dates (CLDR zh_Hant_HK d/M/y)
        ("Asia/Shanghai", "2026-03-11 14:32"),  # month first, as before
    ],
)
def test_a_numeric_date_is_read_in_the_zones_order(tmp_path, tz, expected):
    # parse_time read every screen time month first: a Hong Kong screen's "03/11/2026 14:32" was 11 March
    path = tmp_path / "p.json"
    path.write_text('{"amount": "12.50", "time": "03/11/2026 14:32"}', encoding="utf-8")
    assert read_proofs(path, tz=tz).iloc[0]["ts"] == pd.Timestamp(expected, tz=tz)


def test_a_numeric_date_read_both_ways_is_refused_without_an_order(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"amount": "12.50", "time": "03/11/2026 14:32"}', encoding="utf-8")
    with pytest.raises(ProofError) as info:
        read_proofs(path, tz="UTC")
    assert info.value.column == "time" and "11月3日" in info.value.reason and "3月11日" in info.value.reason
