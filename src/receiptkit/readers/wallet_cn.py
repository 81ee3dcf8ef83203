"""Chinese wallet personal bills: WeChat Pay, Alipay, JD, Meituan.

Each export is one declarative :class:`~receiptkit.readers.proofbase.ProofSpec`.
The header is found by its column names, so the preambles (WeChat's 16 lines,
Alipay's 24, JD's and Meituan's notes) and trailers are skipped whatever their
length. Rows are ``kind="wallet"`` with second precision in China time
(``Asia/Shanghai`` unless ``tz=`` says otherwise); ``wallet_txn_id`` is the
wallet's transaction number, ``order_no`` the merchant's order number, the
card's last four digits come from the payment method (``招商银行信用卡(1234)``)
and the status text is classified into the extra column ``payment_state``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from receiptkit.errors import ReceiptkitError
from receiptkit.money import parse_amount
from receiptkit.readers.proofbase import ProofSpec, read_spec
from receiptkit.readers.protocol import Head
from receiptkit.readers.spec import detect as detect_layout
from receiptkit.readers.table import Col, RawTable
from receiptkit.schema import STRING

__all__ = ["ALIPAY", "ALIPAY_WEB", "JD", "MEITUAN", "SPECS", "WECHAT", "read", "sniff"]

_LAST4 = r"[(（](\d{4})[)）]"
_SIDE = {"支出": "debit", "收入": "credit", "不计收支": "", "已支出": "debit", "已收入": "credit"}
_TIME = "%Y-%m-%d %H:%M:%S"

_REFUNDED = r"已退款\s*[(（]?\s*[¥￥]?\s*(\d[\d,]*(?:\.\d+)?)"


def _wechat_refine(frame: pd.DataFrame, raw: RawTable) -> pd.DataFrame:
    """当前状态 "已退款(￥39.93)" names the amount refunded: less than the payment is a partial refund.

    The refunded amount is kept in ``raw["refunded_minor"]``. "对方已退还" (a transfer the payee
    sent back) is ``refunded`` and flagged ``raw["returned_transfer"]``.
    """
    if "当前状态" not in raw.frame.columns:
        return frame
    status = raw.frame["当前状态"].astype("string").str.strip()
    found = status.str.extract(_REFUNDED, expand=False)
    state = frame["payment_state"].astype(object).copy()
    for position in np.flatnonzero(found.notna().to_numpy(dtype=bool)):
        try:
            refunded = parse_amount(found.iloc[position], "CNY").minor
        except ReceiptkitError:
            continue  # not an amount: the state stays as the words say
        paid = frame["amount_minor"].iloc[position]
        record = frame["raw"].iloc[position]
        record["refunded_minor"] = refunded
        if pd.notna(paid) and refunded < int(paid):
            state.iloc[position] = "partially_refunded"
        elif pd.notna(paid):
            state.iloc[position] = "refunded"
    returned = status.str.contains("已退还", na=False).to_numpy(dtype=bool)
    for position in np.flatnonzero(returned):
        frame["raw"].iloc[position]["returned_transfer"] = True
    frame["payment_state"] = pd.array(state, dtype=STRING)
    return frame


WECHAT = ProofSpec(
    "wechat",
    header=("交易时间", "交易类型", "交易对方", "收/支", "金额(元)", "当前状态", "交易单号"),
    fields={
        "ts": Col("交易时间", kind="time", fmt=_TIME),
        "amount": Col("金额(元)", kind="amount"),
        "direction": Col("收/支", values=_SIDE),
        "merchant_text": Col("交易对方"),
        "card_last4": Col("支付方式", kind="last4", regex=_LAST4),
        "wallet_txn_id": Col("交易单号"),
        "order_no": Col("商户单号"),
        "state": Col("当前状态"),
    },
    kind="wallet",
    sign="unsigned",
    context=("交易类型", "当前状态"),
    refine=_wechat_refine,
    description="微信支付账单明细 (CSV or xlsx)",
)

ALIPAY = ProofSpec(
    "alipay",
    header=("交易时间", "交易分类", "交易对方", "收/支", "金额", "交易状态", "交易订单号"),
    fields={
        "ts": Col("交易时间", kind="time", fmt=_TIME),
        "amount": Col("金额", kind="amount"),
        "direction": Col("收/支", values=_SIDE),
        "merchant_text": Col("交易对方"),
        "card_last4": Col("收/付款方式", kind="last4", regex=_LAST4),
        "wallet_txn_id": Col("交易订单号"),
        "order_no": Col("商家订单号"),
        "state": Col("交易状态"),
    },
    kind="wallet",
    sign="unsigned",
    context=("交易分类", "商品说明", "交易状态"),
    encodings=("gb18030", "utf-8-sig"),
    description="支付宝交易明细 (mobile export, GBK)",
)

ALIPAY_WEB = ProofSpec(
    "alipay_web",
    header=("交易号", "商家订单号", "交易创建时间", "金额（元）", "收/支", "交易状态"),
    fields={
        "ts": Col("付款时间", "交易创建时间", kind="time"),
        "amount": Col("金额（元）", kind="amount"),
        "direction": Col("收/支", "资金状态", values=_SIDE),
        "merchant_text": Col("交易对方"),
        "wallet_txn_id": Col("交易号"),
        "order_no": Col("商家订单号"),
        "state": Col("交易状态"),
    },
    kind="wallet",
    sign="unsigned",
    stop_at=r"^-{5,}|^共\d+笔记录",
    context=("类型", "商品名称", "交易状态"),
    encodings=("gb18030", "utf-8-sig"),
    description="支付宝交易记录明细查询 (older web export)",
)


def _jd_refine(frame: pd.DataFrame, raw: RawTable) -> pd.DataFrame:
    note = raw.frame["金额"].str.extract(r"[(（](.*)[)）]", expand=False)
    full = note.str.contains("全额退款", na=False).to_numpy()
    part = note.str.contains(r"已退款\d", na=False).to_numpy()
    state = frame["payment_state"].copy()
    state[full] = "refunded"
    state[part] = "partially_refunded"
    frame["payment_state"] = state.astype(STRING)
    return frame


JD = ProofSpec(
    "jd",
    header=("交易时间", "商户名称", "交易说明", "金额", "收/付款方式", "交易状态", "收/支", "交易订单号"),
    fields={
        "ts": Col("交易时间", kind="time", fmt=_TIME),
        # the whole cell before an optional note ("131.77(已退款89.84)"), checked whole by the amount parser:
        # a leading-digits prefix read "1 23.45" as 1.00 and "１０．２０" as 10.00
        "amount": Col("金额", kind="amount", regex=r"^\s*([^(（]*?)\s*(?:[(（][^()（）]*[)）])?\s*$"),
        "direction": Col("收/支", values=_SIDE),
        "merchant_text": Col("商户名称"),
        "card_last4": Col("收/付款方式", kind="last4", regex=_LAST4),
        "wallet_txn_id": Col("交易订单号"),
        "order_no": Col("商家订单号"),
        "state": Col("交易状态"),
    },
    kind="wallet",
    sign="unsigned",
    context=("交易说明", "交易状态"),
    refine=_jd_refine,
    description="京东 payment statement; amounts such as 131.77(已退款89.84) keep the note in raw",
)

MEITUAN = ProofSpec(
    "meituan",
    header=("交易创建时间", "交易成功时间", "交易类型", "收/支", "实付金额", "交易单号"),
    fields={
        "ts": Col("交易成功时间", "交易创建时间", kind="time", fmt=_TIME),
        "amount": Col("实付金额", kind="amount"),
        "direction": Col("收/支", values=_SIDE),
        "merchant_text": Col("订单标题"),
        "card_last4": Col("支付方式", kind="last4", regex=_LAST4),
        "wallet_txn_id": Col("交易单号"),
        "order_no": Col("商家单号"),
        "state": Col("交易类型", values={"支付": "支付成功", "退款": "退款成功"}, default=""),
    },
    kind="wallet",
    sign="unsigned",
    context=("交易类型",),
    description="美团交易账单明细; amount = 实付金额 (订单金额 kept in raw)",
)

SPECS: dict[str, ProofSpec] = {s.name: s for s in (WECHAT, ALIPAY, ALIPAY_WEB, JD, MEITUAN)}


def detect(head: Head | str) -> ProofSpec | None:
    """The wallet spec whose header row is among the first rows of ``head``
    (:func:`receiptkit.readers.spec.detect`), or None."""
    return detect_layout(SPECS.values(), head)


def sniff(head: Head | str) -> bool:
    """True when ``head`` (a :class:`~receiptkit.readers.protocol.Head` or decoded text) is a wallet bill."""
    return detect(head) is not None


def read(
    source: Any,
    *,
    format: str | None = None,
    tz: str | None = None,
    strict: bool = True,
    head: Head | str | None = None,
    name: str | None = None,
    **_: Any,
) -> pd.DataFrame:
    """Read a wallet bill; ``format`` is one of :data:`SPECS` (sniffed from ``head`` when None)."""
    from receiptkit.errors import ProofError
    from receiptkit.readers.table import source_name

    spec = SPECS.get(format or "") or (detect(head) if head is not None else None)
    if spec is None:
        raise ProofError("not a known wallet bill layout", file=name or source_name(source), row=1)
    return read_spec(source, spec, tz=tz, strict=strict, name=name)
