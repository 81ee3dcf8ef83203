"""Screenshot metadata JSON (Chinese and English keys)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    ("tz", "time", "expected"),
    [
        ("Asia/Shanghai", "03/11/2026 14:32", "2026-03-11 14:32"),  # month first, as before
        ("Asia/Hong_Kong", "13/11/2026 14:32", "2026-11-13 14:32"),  # one reading only
        ("Asia/Hong_Kong", "11-20 14:32", "2026-11-20 14:32"),  # a mainland wallet's list: one reading only
        ("Asia/Hong_Kong", "2026-11-03 14:32", "2026-11-03 14:32"),
    ],
)
def test_a_numeric_screen_date_is_read_where_it_reads_one_way(tmp_path, tz, time, expected):
    path = tmp_path / "p.json"
    path.write_text(f'{{"amount": "12.50", "time": "{time}"}}', encoding="utf-8")
    frame = read_proofs(path, tz=tz, ref="2026-11-30")
    assert frame.iloc[0]["ts"] == pd.Timestamp(expected, tz=tz)


@pytest.mark.parametrize("tz", ["Asia/Hong_Kong", "UTC"])
@pytest.mark.parametrize("time", ["03/11/2026 14:32", "03-11 14:32"])
def test_a_numeric_screen_date_read_both_ways_is_refused_outside_month_first_zones(tmp_path, tz, time):
    # parse_time read every screen date month first: a Hong Kong app's "03/11/2026 14:32" (3 November) was
    # 11 March, silently; but a mainland wallet in Hong Kong shows "03-11 14:32" for 11 March: the app is
    # not known, so where tz does not write month first a date read both ways is refused
    path = tmp_path / "p.json"
    path.write_text(f'{{"amount": "12.50", "time": "{time}"}}', encoding="utf-8")
    with pytest.raises(ProofError) as info:
        read_proofs(path, tz=tz, ref="2026-11-30")
    assert info.value.column == "time" and info.value.value == time
    assert "2026-11-03" in info.value.reason and "2026-03-11" in info.value.reason


@settings(max_examples=40, deadline=None)
@given(
    key=st.sampled_from(["amount", "time", "merchant", "transaction_id", "currency", "payment_method"]),
    spelling=st.sampled_from(["same", "upper", "padded"]),
    first=st.booleans(),
    listed=st.booleans(),
)
def test_an_object_naming_a_key_twice_is_refused_naming_its_line(key, spelling, first, listed):
    """'{"amount": "128.50", "amount": "1.00"}' was read as 1.00 (json keeps the last value without a
    word), and 'Amount' beside 'amount' as whichever came last, though the keys are read case-insensitively
    (issue #18 fuzzing). The object is refused at its line, naming the key."""
    values = {
        "amount": ("128.50", "1.00"),
        "time": ("2026-11-20 14:32:05", "2026-11-21 09:00:00"),
        "merchant": ("示例便利店", "别的店"),
        "transaction_id": ("4200001234", "4200005678"),
        "currency": ("CNY", "HKD"),
        "payment_method": ("招商银行(1234)", "招商银行(5678)"),
    }[key]
    other = {"same": key, "upper": key.upper(), "padded": f" {key} "}[spelling]
    fields = {"amount": "12.00", "time": "2026-11-20 10:00:00"}
    fields.pop(key, None)
    pairs = [f'"{k}": "{v}"' for k, v in fields.items()]
    doubled = [f'"{key}": "{values[0]}"', f'"{other}": "{values[1]}"']
    body = "{" + ", ".join(doubled + pairs if first else pairs + doubled) + "}"
    text = '[\n{"amount": "5.00", "time": "2026-11-20 09:00"},\n' + body + "\n]" if listed else body
    with pytest.raises(ProofError) as info:
        read_proofs(text.encode("utf-8"), name="p.json")
    assert info.value.row == (3 if listed else 1) and key in str(info.value)


def test_masked_ids_with_an_ellipsis_are_read_not_crashed_on(tmp_path):
    """A screenshot's masked number (``2026…63653839``, 13 characters) is no card number: read as written."""
    path = tmp_path / "p.json"
    path.write_text(
        '[{"app": "支付宝", "amount": "-58.00", "time": "2026-11-06 21:14:15", "merchant": "老码**店",'
        ' "status": "支付成功", "transaction_id": "2026…63653839"}]',
        encoding="utf-8",
    )
    frame = read_proofs(path)
    assert frame["wallet_txn_id"].iloc[0] == "2026…63653839" and frame["amount_minor"].iloc[0] == 5800
