"""Slip templates as data.

A template is an ordered tuple of :class:`Item` records. Each item names a
*kind* of block and, for key/value lines, the display field it shows and its
label in Chinese and English. :func:`receiptkit.slip.document.build_blocks`
turns a template plus the display fields of one transaction into the block
list that every renderer draws, so a new layout costs a few lines of data and
never a new renderer.

Kinds:

``banner``      the fixed "DUPLICATE 重打印" banner (large, inverted)
``title``       the template title (large, bold, centred)
``copy``        the copy banner, e.g. 持卡人存根 CARDHOLDER COPY
``status``      the status note (DECLINED, VOIDED...) when there is one
``sep``         a separator rule
``kv``          a key/value line; ``stacked=True`` puts the value on its own line
``amount``      the amount, emphasised (double size, bold)
``text``        a free text line from a field (``align`` left/center)
``remarks``     the 备注 / remarks section (duplicate mark, original refs, extra lines)
``reprint``     the "Reprint N" line when ``reprint_no`` is given
``printed_at``  the "打印时间 / PRINTED AT" line
``qr``          the verification QR, its short code and the public key's fingerprint when
                ``verification`` is given
``barcode``     Code128 of the reference (field named by ``field``)
``feed``        blank paper

An item is shown only when its field has a value, so optional lines (AID,
operator, application label) disappear for transactions that lack them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CARD", "TEMPLATES", "UNIONPAY", "WALLET", "Item", "Template", "label_text"]


@dataclass(frozen=True)
class Item:
    """One line (or block) of a template."""

    kind: str
    field: str | None = None
    zh: str = ""
    en: str = ""
    stacked: bool = False
    align: str = "left"
    bold: bool = False


@dataclass(frozen=True)
class Template:
    """A named slip layout: default language, title and items."""

    name: str
    lang: str
    title_zh: str
    title_en: str
    items: tuple[Item, ...]


def label_text(zh: str, en: str, lang: str) -> str:
    """A label in ``lang``: ``"zh"``, ``"en"`` or bilingual ``"zh-en"``.

    >>> label_text("商户名称", "MERCHANT NAME", "zh-en")
    '商户名称(MERCHANT NAME)'
    >>> label_text("商户名称", "MERCHANT NAME", "en")
    'MERCHANT NAME'
    """
    if lang == "zh" or not en:
        return zh or en
    if lang == "en" or not zh:
        return en or zh
    return f"{zh}({en})"


def _kv(field: str, zh: str, en: str, *, stacked: bool = False, bold: bool = False) -> Item:
    return Item("kv", field, zh, en, stacked=stacked, bold=bold)


SEP = Item("sep")

#: UnionPay 签购单 (POS purchase slip), bilingual by default.
UNIONPAY = Template(
    name="unionpay",
    lang="zh-en",
    title_zh="银联POS签购单",
    title_en="POS SALES SLIP",
    items=(
        Item("banner"),
        Item("title"),
        Item("copy"),
        Item("status"),
        SEP,
        _kv("merchant_name", "商户名称", "MERCHANT NAME", stacked=True),
        _kv("merchant_id", "商户编号", "MERCHANT NO."),
        _kv("terminal_id", "终端编号", "TERMINAL NO."),
        _kv("operator_id", "操作员号", "OPERATOR NO."),
        SEP,
        _kv("issuer", "发卡行", "ISSUER"),
        _kv("acquirer", "收单行", "ACQUIRER"),
        _kv("pan_entry", "卡号", "CARD NO.", stacked=True, bold=True),
        _kv("txn_type", "交易类型", "TRANS TYPE", bold=True),
        _kv("batch_no", "批次号", "BATCH NO."),
        _kv("stan", "凭证号", "VOUCHER NO."),
        _kv("auth_code", "授权码", "AUTH NO."),
        _kv("rrn", "参考号", "REFER NO."),
        _kv("datetime", "日期/时间", "DATE/TIME"),
        SEP,
        Item("banner"),
        Item("amount", "amount", "金额", "AMOUNT"),
        SEP,
        Item("remarks", None, "备注", "REFERENCE"),
        Item("reprint"),
        Item("printed_at", None, "打印时间", "PRINTED AT"),
        Item("qr"),
        Item("barcode", "rrn"),
        Item("feed"),
    ),
)

#: International (EMV) card receipt, English by default.
CARD = Template(
    name="card",
    lang="en",
    title_zh="银行卡交易凭证",
    title_en="CARD RECEIPT",
    items=(
        Item("banner"),
        Item("title"),
        Item("copy"),
        Item("status"),
        SEP,
        Item("text", "merchant_name", align="center", bold=True),
        Item("text", "merchant_location", align="center"),
        _kv("merchant_id", "商户编号", "MID"),
        _kv("terminal_id", "终端编号", "TID"),
        SEP,
        _kv("card_scheme", "卡组织", "CARD"),
        _kv("pan", "卡号", "PAN", bold=True),
        _kv("entry_mode", "输入方式", "ENTRY"),
        _kv("app_label", "应用标签", "APP"),
        _kv("aid", "AID", "AID"),
        SEP,
        _kv("txn_type", "交易类型", "TYPE", bold=True),
        _kv("date", "日期", "DATE"),
        _kv("time", "时间", "TIME"),
        _kv("batch_trace", "批次/流水", "BATCH/TRACE"),
        _kv("auth_code", "授权码", "AUTH CODE"),
        _kv("rrn", "参考号", "RRN"),
        SEP,
        Item("banner"),
        Item("amount", "amount", "金额", "TOTAL"),
        Item("text", "cvm", align="center", bold=True),
        SEP,
        Item("remarks", None, "备注", "REMARKS"),
        Item("reprint"),
        Item("printed_at", None, "打印时间", "PRINTED AT"),
        Item("qr"),
        Item("barcode", "rrn"),
        Item("feed"),
    ),
)

#: WeChat Pay / Alipay QR payment receipt, Chinese by default.
WALLET = Template(
    name="wallet",
    lang="zh",
    title_zh="扫码支付凭证",
    title_en="QR PAYMENT RECEIPT",
    items=(
        Item("banner"),
        Item("title"),
        Item("copy"),
        Item("status"),
        SEP,
        _kv("merchant_name", "商户", "MERCHANT", stacked=True),
        _kv("merchant_id", "商户编号", "MERCHANT NO."),
        _kv("terminal_id", "终端编号", "TERMINAL NO."),
        SEP,
        _kv("txn_type", "交易类型", "TYPE", bold=True),
        _kv("pay_method", "支付方式", "PAID BY"),
        _kv("datetime", "支付时间", "PAID AT"),
        _kv("wallet_txn_id", "交易单号", "TRANSACTION NO.", stacked=True),
        _kv("order_no", "商户单号", "MERCHANT ORDER NO.", stacked=True),
        SEP,
        Item("banner"),
        Item("amount", "amount", "金额", "AMOUNT"),
        SEP,
        Item("remarks", None, "备注", "REMARKS"),
        Item("reprint"),
        Item("printed_at", None, "打印时间", "PRINTED AT"),
        Item("qr"),
        Item("barcode", "order_no"),
        Item("feed"),
    ),
)

#: Templates by name; add one here to make it available to ``Slip.from_transaction``.
TEMPLATES: dict[str, Template] = {t.name: t for t in (UNIONPAY, CARD, WALLET)}
