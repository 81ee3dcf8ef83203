"""The clean-room intake generator works: it renders every format, damages it and classifies a read.

These tests check the measurement tool, not the library's results: a case may come back in any
status; what must hold is that the writers render what they claim (a plain file reads back through a
neutral parser where one exists) and that every status is one the oracle knows.
"""

from __future__ import annotations

import csv
import io
import random
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

from cleanroom_intake.campaign import all_pairs, build, pan_text, variants  # noqa: E402
from cleanroom_intake.oracle import STATUSES, compare, leak_scan, run_case  # noqa: E402
from cleanroom_intake.truth import luhn_ok, pan_ending  # noqa: E402
from cleanroom_intake.writers import FORMATS  # noqa: E402


def test_every_format_has_valid_and_damaged_variants():
    for name in FORMATS:
        cats = {c for c, _ in variants(name)}
        # foreign_csv is a layout no reader knows: it has only inputs that must be refused
        assert cats == ({"damaged"} if name == "foreign_csv" else {"valid", "damaged"}), name
    assert len(all_pairs()) > 1000


def test_pan_generator_and_leak_scan():
    rng = random.Random(7)
    pan = pan_ending("4321", rng, 16)
    assert luhn_ok(pan) and pan.endswith("4321") and len(pan) == 16
    for style in ("ascii", "spaced", "dashed", "fullwidth", "fullwidth_spaced"):
        assert leak_scan([f"shop {pan_text(pan, style)} x"], [pan], []), style
    assert not leak_scan([f"shop {pan[:6]}******{pan[-4:]}"], [pan], [])
    assert leak_scan(["exp 09/39"], [], ["09/39"]) and not leak_scan(["2023/09/391"], [], ["09/39"])


def test_wechat_csv_renders_the_truth_it_claims():
    case = build("wechat_csv", "valid", "plain", 3)
    text = case.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "交易时间")
    body = [r for r in rows[header_at + 1 :] if r]
    assert len(body) == len(case.expect)
    for r, e in zip(body, case.expect, strict=True):
        assert r[5] == "¥" + f"{e['amount_minor'] // 100}.{e['amount_minor'] % 100:02d}"
        assert r[0] == e["ts"].strftime("%Y-%m-%d %H:%M:%S")
        assert r[2] == e["merchant_text"]


def test_damaged_amounts_demand_a_refusal():
    case = build("alipay_csv", "damaged", "amt_hex", 5)
    assert case.expect is None and b"0x10" in case.data


def test_compare_flags_wrong_lossy_and_right():
    import pandas as pd

    case = build("stripe_balance", "valid", "plain", 11)
    exp = case.expect
    frame = pd.DataFrame(
        {
            "amount_minor": [e["amount_minor"] for e in exp],
            "currency": [e["currency"] for e in exp],
            "direction": [e["direction"] for e in exp],
            "ts": [e["ts"] for e in exp],
            "ts_precision": [e["ts_precision"] for e in exp],
            "date": [e["date"] for e in exp],
            "wallet_txn_id": [e["wallet_txn_id"] for e in exp],
        }
    )
    assert compare(frame, exp)[0] == "right"
    frame.loc[0, "amount_minor"] += 1
    assert compare(frame, exp)[0] == "WRONG"
    frame.loc[0, "amount_minor"] -= 1
    frame.loc[0, "wallet_txn_id"] = None
    assert compare(frame, exp)[0] == "lossy"
    assert compare(frame.iloc[:0], exp)[0] == "WRONG"  # rows lost


@pytest.mark.parametrize(
    "fmt", ["wechat_csv", "mt940", "camt053", "ofx2", "sms_json", "journal_parquet", "counter"]
)
def test_a_few_cases_run_and_classify(fmt, tmp_path):
    pytest.importorskip("receiptkit")
    for cat, var in [("valid", "plain"), ("damaged", "truncate" if fmt != "counter" else "amt_hex")]:
        case = build(fmt, cat, var, 1)
        out = run_case(case, str(tmp_path))
        assert out.status in STATUSES
        assert out.seconds >= 0
