"""Frames that carry reports in attrs still concatenate (pandas compares attrs)."""

from __future__ import annotations

import pandas as pd

import receiptkit as rk
from receiptkit.datasets import make_dataset
from receiptkit.frames import AttachedFrame, attach


def test_proofs_from_two_wallets_concatenate(fixtures):
    wechat = rk.read_proofs(fixtures / "proofs" / "wechat_bill.csv")
    alipay = rk.read_proofs(fixtures / "proofs" / "alipay_bill.csv")
    assert isinstance(wechat.attrs["rejected"], AttachedFrame)
    both = pd.concat([wechat, alipay], ignore_index=True)
    assert len(both) == len(wechat) + len(alipay)
    assert both["proof_id"].is_unique
    sizes = both.groupby("kind").size().to_dict()
    assert sizes == {"wallet": len(wechat) + len(alipay)}


def test_journals_from_two_exports_concatenate(fixtures):
    wechat = rk.read_journal(fixtures / "journal" / "wechat_merchant.csv")
    square = rk.read_journal(fixtures / "journal" / "square_transactions.csv")
    assert len(pd.concat([wechat, square])) == len(wechat) + len(square)


def test_attached_frame_compares_whole_but_derives_plain_frames():
    report = attach(pd.DataFrame({"row": [3, 4], "reason": ["bad", "worse"]}))
    assert (report == report.copy()) is True
    assert (report != report.head(1)) is True
    assert (report["row"] == 3).tolist() == [True, False]  # columns still compare element-wise
    assert type(report[report["row"] > 3]) is pd.DataFrame
    assert type(report.copy()) is pd.DataFrame


def test_match_results_concatenate():
    data = make_dataset(n_transactions=400, n_proofs=40, seed=5)
    half = len(data.proofs) // 2
    first = rk.match(data.proofs.iloc[:half], data.journal)
    second = rk.match(data.proofs.iloc[half:], data.journal)
    assert isinstance(first.attrs["clock_offsets"], AttachedFrame)
    assert len(pd.concat([first, second])) == len(data.proofs)
