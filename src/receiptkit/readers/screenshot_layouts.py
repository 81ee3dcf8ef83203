"""Payment-detail screens as data: which labels each app shows for which field, in Chinese and English.

One parser (:mod:`receiptkit.readers.screenshot`) reads every layout; a new app
costs one :class:`Layout` entry here. Labels are compared after normalisation
(NFKC, spaces removed, case folded), so ``"Payment Time"``, ``"PaymentTime"``
and ``"payment time:"`` are the same label. Within one field the first label
found in this order wins (``商户全称`` before ``商品``); the others stay in ``raw``.

Fields: ``amount``, ``time``, ``merchant``, ``wallet_txn_id``, ``order_no``,
``method`` (payment method text, gives ``card_last4``), ``card`` (card number
text, gives ``card_last4``), ``reference``, ``status``, ``type`` (transaction
type, a refund type makes the proof a credit) and ``ignore`` (labels known not
to carry a proof field, such as the acquirer or the posting time: listed so
that their values are never taken for another field's continuation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "COMMON_LABELS",
    "LAYOUTS",
    "STATUS_PHRASES",
    "TITLES",
    "Layout",
]


def _frozen(mapping: dict[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType(mapping)


#: Labels every layout understands (an app's own labels come first).
COMMON_LABELS: Mapping[str, tuple[str, ...]] = _frozen(
    {
        "amount": (
            "实付金额",
            "支付金额",
            "付款金额",
            "交易金额",
            "消费金额",
            "金额",
            "Amount Paid",
            "Payment Amount",
            "Transaction Amount",
            "Amount",
            "Total",
        ),
        "time": (
            "支付时间",
            "付款时间",
            "交易时间",
            "消费时间",
            "创建时间",
            "Payment Time",
            "Transaction Time",
            "Transaction Date",
            "Date and Time",
            "Date & Time",
            "Paid at",
            "Paid on",
            "Time",
            "Date",
        ),
        "status": ("当前状态", "交易状态", "支付状态", "订单状态", "状态", "Payment Status", "Status"),
        "method": ("支付方式", "付款方式", "Payment Method", "Paid with", "Pay with"),
        "card": ("交易卡号", "付款卡号", "付款卡", "卡号", "银行卡", "Card Number", "Card No.", "Card"),
        "reference": (
            "检索参考号",
            "交易参考号",
            "参考号",
            "凭证号",
            "Reference Number",
            "Reference No.",
            "Ref. No.",
            "Reference",
        ),
        "type": ("交易类型", "Transaction Type", "Type"),
        "ignore": (
            "收单机构",
            "账单分类",
            "入账时间",
            "记账时间",
            "入账日期",
            "记账日期",
            "授权码",
            "备注",
            "标签",
            "Acquirer",
            "Category",
            "Posting Date",
            "Posted on",
            "Authorization Code",
            "Auth Code",
            "Notes",
            "Remarks",
        ),
    }
)

#: Screen titles (never a merchant name).
TITLES: tuple[str, ...] = (
    "账单详情",
    "交易详情",
    "订单详情",
    "交易明细",
    "账单明细",
    "消费详情",
    "Bill Details",
    "Transaction Details",
    "Transaction Detail",
    "Payment Details",
    "Order Details",
)

#: A whole line that is one of these phrases is the payment state (state names as in ``payment_state``).
STATUS_PHRASES: Mapping[str, str] = MappingProxyType(
    {
        "支付成功": "success",
        "交易成功": "success",
        "付款成功": "success",
        "已支付": "success",
        "已入账": "success",
        "未入账": "success",  # authorised, not yet posted: the card was charged
        "已全额退款": "refunded",
        "全额退款": "refunded",
        "已退款": "refunded",
        "退款成功": "refunded",
        "部分退款": "partially_refunded",
        "已部分退款": "partially_refunded",
        "交易关闭": "closed",
        "已关闭": "closed",
        "已撤销": "closed",
        "已取消": "closed",
        "支付失败": "failed",
        "交易失败": "failed",
        "付款失败": "failed",
        "处理中": "pending",
        "等待付款": "pending",
        "Successful": "success",
        "Payment Successful": "success",
        "Success": "success",
        "Paid": "success",
        "Completed": "success",
        "Posted": "success",
        "Pending": "pending",
        "Processing": "pending",
        "Refunded": "refunded",
        "Fully Refunded": "refunded",
        "Refund Successful": "refunded",
        "Partially Refunded": "partially_refunded",
        "Closed": "closed",
        "Cancelled": "closed",
        "Canceled": "closed",
        "Failed": "failed",
        "Payment Failed": "failed",
        "Declined": "failed",
    }
)

#: Identifier shapes (after spaces are removed); a partial number keeps the app's ellipsis as "…".
_DIGITS = r"\d{10,40}"
_ALNUM = r"[0-9A-Za-z][0-9A-Za-z_-]{3,63}"
_PARTIAL = r"[0-9A-Za-z]{2,}…[0-9A-Za-z]{2,}"


@dataclass(frozen=True)
class Layout:
    """One app's payment-detail screen.

    ``markers`` are texts whose presence points to this app (distinctive
    labels, brand words); ``labels`` its own labels per field (searched before
    :data:`COMMON_LABELS`); ``id_patterns`` the shape each identifier must have
    to be kept (a value of another shape is left empty, never trimmed to fit).
    """

    name: str
    app: str
    kind: str
    markers: tuple[str, ...]
    labels: Mapping[str, tuple[str, ...]]
    id_patterns: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(
            {"wallet_txn_id": f"{_ALNUM}|{_PARTIAL}", "order_no": f"{_ALNUM}|{_PARTIAL}", "reference": _ALNUM}
        )
    )
    currency: str = "CNY"

    def field_labels(self, name: str) -> tuple[str, ...]:
        """This app's labels for ``name``, then the common ones."""
        own = self.labels.get(name, ())
        return own + tuple(label for label in COMMON_LABELS.get(name, ()) if label not in own)


_WALLET_IDS = MappingProxyType(
    {"wallet_txn_id": f"{_DIGITS}|{_PARTIAL}", "order_no": f"{_ALNUM}|{_PARTIAL}", "reference": _ALNUM}
)

LAYOUTS: tuple[Layout, ...] = (
    Layout(
        name="wechat",
        app="WeChat Pay 账单详情",
        kind="wallet",
        markers=(
            "商户全称",
            "收单机构",
            "交易单号",
            "商户单号",
            "财付通",
            "零钱",
            "Merchant Full Name",
            "Tenpay",
        ),
        labels=_frozen(
            {
                "merchant": (
                    "商户全称",
                    "商品",
                    "Merchant Full Name",
                    "Merchant Name",
                    "Merchant",
                    "Product",
                    "Goods",
                ),
                "wallet_txn_id": ("交易单号", "Transaction ID", "Transaction No."),
                "order_no": ("商户单号", "Merchant Order No.", "Merchant Tracking No.", "Merchant Order ID"),
            }
        ),
        id_patterns=_WALLET_IDS,
    ),
    Layout(
        name="alipay",
        app="Alipay 账单详情",
        kind="wallet",
        markers=(
            "收款方全称",
            "商家订单号",
            "账单分类",
            "商品说明",
            "支付宝",
            "花呗",
            "余额宝",
            "Alipay",
            "Payee Full Name",
        ),
        labels=_frozen(
            {
                "merchant": ("收款方全称", "商品说明", "Payee Full Name", "Payee", "Description"),
                "wallet_txn_id": ("订单号", "交易号", "Order No.", "Transaction No."),
                "order_no": ("商家订单号", "商户订单号", "Merchant Order No."),
            }
        ),
        id_patterns=_WALLET_IDS,
    ),
    Layout(
        name="unionpay",
        app="UnionPay QuickPass 云闪付 交易详情",
        kind="wallet",
        markers=("云闪付", "银联", "订单编号", "付款卡", "UnionPay", "QuickPass", "Payment Card"),
        labels=_frozen(
            {
                "merchant": ("商户名称", "收款方", "Merchant Name", "Merchant"),
                "wallet_txn_id": ("订单编号", "交易单号", "Order Number", "Order No."),
                "order_no": ("商户订单号", "Merchant Order No."),
                "card": ("付款卡", "Payment Card"),
            }
        ),
        id_patterns=_WALLET_IDS,
    ),
    Layout(
        name="bank",
        app="bank app card transaction detail",
        kind="issuer_app",
        markers=(
            "尾号",
            "参考号",
            "入账",
            "交易描述",
            "交易摘要",
            "信用卡",
            "Card ending",
            "Reference No.",
            "Posted",
        ),
        labels=_frozen(
            {
                "merchant": ("商户名称", "交易描述", "交易摘要", "交易商户", "Merchant", "Description"),
            }
        ),
    ),
)
