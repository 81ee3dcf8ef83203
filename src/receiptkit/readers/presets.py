"""Journal presets: each known export layout declared as data.

A :class:`JournalPreset` says how one export format maps onto the canonical
journal (:data:`receiptkit.schema.JOURNAL_COLUMNS`): the header names that
identify it, one :class:`~receiptkit.readers.table.Col` per canonical field,
constants (zone, currency, channel) and, only where a format has genuinely
special rows, a small ``finish`` hook. New formats cost a dozen lines::

    register_preset(JournalPreset(
        name="my_pos",
        description="My POS back-office CSV",
        header=("Ref", "When", "Total"),
        fields={"txn_id": Col("Ref"), "ts": Col("When", kind="time"), "amount_minor": Col("Total", kind="amount")},
        tz="Europe/Berlin", currency="EUR", defaults={"channel": "card"},
    ))

:data:`SYNONYMS` is the shared table of words exports use for transaction
type, status and channel; it applies to every preset and to user mappings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from receiptkit.errors import TimeParseError
from receiptkit.readers.protocol import REGISTRY
from receiptkit.readers.spec import DEFAULT_ENCODINGS, TableSpec
from receiptkit.readers.table import Col, Problem, RawTable, map_unique
from receiptkit.schema import JOURNAL_COLUMNS, JOURNAL_OPTIONAL, STRING
from receiptkit.timeparse import parse_time, resolve_tz

__all__ = [
    "CANONICAL",
    "JOURNAL_ROLES",
    "PRESETS",
    "SYNONYMS",
    "FinishHook",
    "JournalPreset",
    "normalise_enum",
    "register_preset",
]

# --------------------------------------------------------------------------- synonyms

# value (normalised: NFKC, no spaces, lower case) -> canonical value, or a dict of
# canonical fields the word implies (a status "REFUND" means an approved refund).
SYNONYMS: dict[str, dict[str, str | dict[str, str]]] = {
    "txn_type": {
        "sale": "sale",
        "purchase": "sale",
        "payment": "sale",
        "charge": "sale",
        "消费": "sale",
        "交易": "sale",
        "支付": "sale",
        "付款": "sale",
        "收款": "sale",
        "扫码支付": "sale",
        "扫码消费": "sale",
        "被扫": "sale",
        "主扫": "sale",
        "微信消费": {"txn_type": "sale", "channel": "wechat"},
        "微信支付": {"txn_type": "sale", "channel": "wechat"},
        "支付宝消费": {"txn_type": "sale", "channel": "alipay"},
        "支付宝支付": {"txn_type": "sale", "channel": "alipay"},
        "银联二维码消费": {"txn_type": "sale", "channel": "unionpay_qr"},
        "云闪付消费": {"txn_type": "sale", "channel": "unionpay_qr"},
        "二维码消费": {"txn_type": "sale", "channel": "unionpay_qr"},
        "refund": "refund",
        "return": "refund",
        "退货": "refund",
        "退款": "refund",
        "消费退货": "refund",
        "void": "void",
        "撤销": "void",
        "消费撤销": "void",
        "预授权撤销": "void",
        "预授权完成撤销": "void",
        "preauth": "preauth",
        "pre-auth": "preauth",
        "preauthorization": "preauth",
        "authorization": "preauth",
        "预授权": "preauth",
        "completion": "completion",
        "capture": "completion",
        "预授权完成": "completion",
        "预授权完成(请求)": "completion",
    },
    "status": {
        "approved": "approved",
        "success": "approved",
        "succeeded": "approved",
        "completed": "approved",
        "00": "approved",
        "成功": "approved",
        "交易成功": "approved",
        "支付成功": "approved",
        "已支付": "approved",
        "已完成": "approved",
        "declined": "declined",
        "failed": "declined",
        "fail": "declined",
        "失败": "declined",
        "交易失败": "declined",
        "支付失败": "declined",
        "已拒绝": "declined",
        "closed": "declined",
        "notpay": "declined",
        "payerror": "declined",
        "userpaying": "declined",
        "交易关闭": "declined",
        "未支付": "declined",
        "reversed": "reversed",
        "冲正": "reversed",
        "已冲正": "reversed",
        "冲正成功": "reversed",
        "refund": {"status": "approved", "txn_type": "refund"},
        "退款成功": {"status": "approved", "txn_type": "refund"},
        "已退款": {"status": "approved", "txn_type": "refund"},
        "revoked": {"status": "approved", "txn_type": "void"},
        "已撤销": {"status": "approved", "txn_type": "void"},
    },
    "channel": {
        "card": "card",
        "银行卡": "card",
        "刷卡": "card",
        "插卡": "card",
        "挥卡": "card",
        "闪付": "card",
        "借记卡": "card",
        "贷记卡": "card",
        "信用卡": "card",
        "ic卡": "card",
        "磁条卡": "card",
        "wechat": "wechat",
        "wechatpay": "wechat",
        "wxpay": "wechat",
        "微信": "wechat",
        "微信支付": "wechat",
        "alipay": "alipay",
        "支付宝": "alipay",
        "unionpay_qr": "unionpay_qr",
        "unionpayqr": "unionpay_qr",
        "云闪付": "unionpay_qr",
        "银联二维码": "unionpay_qr",
        "银联扫码": "unionpay_qr",
        "other": "other",
        "cash": "other",
        "现金": "other",
    },
}

ENUM_FIELDS = ("txn_type", "status", "channel")


def _key(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).lower()


def normalise_enum(
    values: pd.Series, column: str, extra: Mapping[str, str] | None = None
) -> tuple[pd.Series, dict[str, pd.Series], pd.Series]:
    """Map raw words of one enum column (``txn_type``, ``status``, ``channel``).

    Returns the canonical values, the fields the words imply for other columns
    (``{"txn_type": Series}`` for a status ``REFUND``) and a mask of unknown
    words. ``extra`` (a preset's own words) is looked up before :data:`SYNONYMS`.

    >>> values, implied, bad = normalise_enum(pd.Series(["消费", "REFUND ", "?"]), "status")
    >>> list(bad)
    [True, False, True]
    >>> values, implied, bad = normalise_enum(pd.Series(["消费撤销", "微信消费"], dtype="string"), "txn_type")
    >>> list(values), list(implied["channel"].fillna("-"))
    (['void', 'sale'], ['-', 'wechat'])
    """
    table: dict[str, str | dict[str, str]] = dict(SYNONYMS[column])
    table.update({_key(k): v for k, v in (extra or {}).items()})
    text = values.astype(STRING)
    resolved: dict[Any, str | dict[str, str] | None] = {}

    def lookup(word: str) -> str | dict[str, str] | None:
        if word not in resolved:
            resolved[word] = table.get(_key(word))
        return resolved[word]

    # one lookup per distinct word, not per row
    own = map_unique(text, lambda word: _own(lookup(word), column))
    implied: dict[str, pd.Series] = {}
    others = {k for hit in resolved.values() if isinstance(hit, dict) for k in hit if k != column}
    for other in sorted(others):
        implied[other] = map_unique(text, lambda word, o=other: _implied(lookup(word), o))  # type: ignore[misc]
    bad = text.notna() & own.isna()
    return own, implied, bad.astype(bool)


def _implied(hit: str | dict[str, str] | None, other: str) -> str | None:
    return hit.get(other) if isinstance(hit, dict) else None


def _own(hit: str | dict[str, str] | None, column: str) -> str | None:
    if isinstance(hit, dict):
        return hit.get(column)
    return hit


# --------------------------------------------------------------------------- presets

FinishHook = Callable[[pd.DataFrame, RawTable, list[Problem]], pd.DataFrame]
"""``finish(frame, raw, problems) -> frame``: special rows after the fields are read.

``frame`` holds the converted fields (index = positions in ``raw.frame``, so
``raw.lines[i]`` is the line of row ``i``) with enums already canonical;
append a :class:`Problem` for each bad cell instead of raising."""


#: The roles a :class:`JournalPreset` may declare in ``fields``: the journal's columns
#: (helper roles for a ``finish`` hook start with ``_``).
JOURNAL_ROLES: frozenset[str] = frozenset(JOURNAL_COLUMNS) | frozenset(JOURNAL_OPTIONAL)


@dataclass(frozen=True, init=False)
class JournalPreset(TableSpec):
    """One export layout, declared (a :class:`~receiptkit.readers.spec.TableSpec`).

    - ``header`` (also accepted as ``identify=``, its older name; ``preset.identify``
      still reads it): header names that must all be on the header row; they find
      the header and recognise the format when ``preset=None``.
    - ``fields``: canonical column -> :class:`Col` (roles: :data:`JOURNAL_ROLES`).
      ``amount_minor`` is read with ``kind="amount"`` (decimal text in major units,
      signed) or ``kind="minor"`` (integer minor units). Fields whose columns are
      absent are left empty, except the ``required`` ones (default ``ts`` and
      ``amount_minor``). Names starting with ``_`` are helpers for ``finish`` and are not kept.
    - ``tz``: zone of naive times (``tz=`` overrides it unless ``tz_fixed``,
      for columns that say their zone, such as Stripe's ``created_utc``).
    - ``currency``: used when no currency field is given or a cell is empty.
    - ``defaults``: values for empty ``txn_type``/``status``/``channel``.
    - ``combine``: new helper column -> source columns joined with a space
      (``交易日期`` + ``交易时间``), built only when all sources are present.
    - ``skip``: column -> values whose rows are not journal transactions
      (Stripe payouts); they are listed in ``frame.attrs["skipped"]``.
    - ``finish``: a hook for genuinely special rows (:data:`FinishHook`).

    A preset is a :class:`~receiptkit.readers.protocol.Reader` of the ``journal``
    target: ``preset.sniff(head)`` and ``preset.read(source)``.
    """

    ROLES = JOURNAL_ROLES
    TARGET = "journal"
    PREAMBLE_ROLES = frozenset(
        {"merchant_id", "merchant_name", "terminal_id", "batch_no", "operator_id", "acquirer", "issuer"}
    )

    tz_fixed: bool = False
    defaults: Mapping[str, str] = field(default_factory=dict)
    skip: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    dayfirst: bool = False
    finish: FinishHook | None = None

    def __init__(
        self,
        name: str,
        description: str = "",
        identify: Sequence[str] | None = None,
        fields: Mapping[str, Col] | None = None,
        tz: str | None = None,
        tz_fixed: bool = False,
        currency: str | None = None,
        defaults: Mapping[str, str] | None = None,
        encodings: Sequence[str] = DEFAULT_ENCODINGS,
        skip_prefixes: Sequence[str] = ("#",),
        stop_at: str | None = None,
        combine: Mapping[str, tuple[str, ...]] | None = None,
        skip: Mapping[str, tuple[str, ...]] | None = None,
        dayfirst: bool = False,
        finish: FinishHook | None = None,
        *,
        header: Sequence[str] | None = None,
        required: Sequence[str] = ("ts", "amount_minor"),
        **options: Any,
    ) -> None:
        """``options``: the other :class:`~receiptkit.readers.spec.TableSpec` fields (``decimal_comma``,
        ``sniff_text``, ``preamble``)."""
        # the positional order is the one JournalPreset always had; ``identify`` is ``header``'s older name
        if identify is not None and header is not None and tuple(identify) != tuple(header):
            raise TypeError(f"JournalPreset {name!r}: give header= or identify= (the same thing), not both")
        self._assign(
            name=name,
            header=header if header is not None else identify or (),
            fields=fields,
            description=description,
            tz=tz,
            tz_fixed=tz_fixed,
            currency=currency,
            defaults=defaults,
            encodings=encodings,
            skip_prefixes=skip_prefixes,
            stop_at=stop_at,
            combine=combine,
            skip=skip,
            dayfirst=dayfirst,
            finish=finish,
            required=required,
            **options,
        )

    @property
    def identify(self) -> tuple[str, ...]:
        """The header names (``header``'s older name, kept for existing code)."""
        return self.header

    @property
    def target(self) -> str:
        """``"journal"``: what :meth:`read` returns."""
        return self.TARGET

    def read(
        self,
        source: Any,
        *,
        tz: str | None = None,
        strict: bool = True,
        name: str | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        """:func:`~receiptkit.read_journal` with this preset (``options``: ``currency=``, ``encoding=``, ``con=``,
        ``mapping=``). ``name`` is not used: the journal names its sources itself."""
        from receiptkit.readers.journal import read_journal

        return read_journal(source, preset=self, tz=tz, strict=strict, **options)


PRESETS: dict[str, JournalPreset] = {}
"""Known presets by name, in sniffing order (first match wins); the registry's ``journal`` shelf."""
REGISTRY.add_shelf("journal", PRESETS)


def register_preset(preset: JournalPreset, *, replace: bool = False) -> JournalPreset:
    """Add a preset to :data:`PRESETS` (the ``journal`` shelf of the reader registry, used for sniffing);
    refuse to replace silently."""
    if preset.name in PRESETS and not replace:
        raise ValueError(f"a journal preset named {preset.name!r} exists; pass replace=True")
    PRESETS[preset.name] = preset
    return preset


# canonical: a frame or file that already uses the schema's column names
CANONICAL = JournalPreset(
    name="canonical",
    description="Columns already named as in receiptkit's journal schema (amount_minor in minor units)",
    header=("ts", "amount_minor"),
    fields={
        **{c: Col(c) for c in JOURNAL_COLUMNS if c not in ("ts", "amount_minor", "currency", "card_last4")},
        "ts": Col("ts", kind="time"),
        "amount_minor": Col("amount_minor", kind="minor"),
        "currency": Col("currency", kind="currency_code"),  # the codes themselves: RMB is refused (write CNY)
        "card_last4": Col("card_last4"),
        # kept when present: after-loss marks and a rebuilt journal's sources and conflicts
        **{c: Col(c) for c in JOURNAL_OPTIONAL},
    },
    defaults={"txn_type": "sale", "status": "approved", "channel": "other"},
)


# -- WeChat Pay merchant trade bill (交易账单, type ALL) ----------------------------


def _wechat_finish(frame: pd.DataFrame, raw: RawTable, problems: list[Problem]) -> pd.DataFrame:
    """Refund rows (交易状态 REFUND) carry the refund in 退款金额 / 微信退款单号.

    The merchant is the sub-merchant (特约商户号) when there is one, else 商户号: a direct merchant's
    bill writes 特约商户号 "0".
    """
    out = frame.copy()
    if "_sub_merchant_id" in out:
        sub = out["_sub_merchant_id"].astype("string").str.strip()
        has_sub = sub.notna() & ~sub.isin(["", "0"])
        out["merchant_id"] = sub.where(has_sub, out.get("merchant_id"))
    refund = raw.frame["交易状态"].str.upper().eq("REFUND").fillna(False).to_numpy(dtype=bool)
    refund = pd.Series(refund, index=frame.index)
    if not refund.any():
        return out
    out.loc[refund, "txn_type"] = "refund"
    out.loc[refund, "original_txn_id"] = out.loc[refund, "wallet_txn_id"]
    if "_refund_id" in out:
        has_id = refund & out["_refund_id"].notna() & out["_refund_id"].ne("0")
        out.loc[has_id, "txn_id"] = out.loc[has_id, "_refund_id"]
    if "_refund_amount" in out:
        out.loc[refund, "amount_minor"] = out.loc[refund, "_refund_amount"]
    if "_refund_status" in out:
        status, _, bad = normalise_enum(out["_refund_status"], "status")
        take = refund & status.notna()
        out.loc[take, "status"] = status[take]
        for position in out.index[refund & bad]:
            problems.append(
                Problem(
                    int(raw.lines[position]),
                    "退款状态",
                    out.at[position, "_refund_status"],
                    "unknown value for status",
                )
            )
    return out


WECHAT_MERCHANT = JournalPreset(
    name="wechat_merchant",
    description="WeChat Pay merchant trade bill (交易账单, ALL): backtick-prefixed cells, summary trailer",
    header=("交易时间", "微信订单号", "商户订单号", "应结订单金额"),
    fields={
        "txn_id": Col("微信订单号"),
        "ts": Col("交易时间", kind="time"),
        "merchant_id": Col("商户号"),
        # a service provider's sub-merchant; "0" for a direct merchant (then the merchant is 商户号)
        "_sub_merchant_id": Col("特约商户号"),
        "terminal_id": Col("设备号"),
        "wallet_txn_id": Col("微信订单号"),
        "order_no": Col("商户订单号"),
        "status": Col("交易状态"),
        "issuer": Col("付款银行"),
        "currency": Col("货币种类", kind="currency"),
        "amount_minor": Col("应结订单金额", kind="amount"),
        "_refund_id": Col("微信退款单号"),
        "_refund_amount": Col("退款金额", kind="amount"),
        "_refund_status": Col("退款状态"),
    },
    tz="Asia/Shanghai",
    currency="CNY",
    defaults={"txn_type": "sale", "channel": "wechat"},
    stop_at=r"^总交易单数",
    finish=_wechat_finish,
)


# -- Alipay merchant bill (业务明细) ----------------------------------------------


def _alipay_finish(frame: pd.DataFrame, raw: RawTable, problems: list[Problem]) -> pd.DataFrame:
    """Refund rows point back to the trade (the account, PID, comes from the ``#账号`` line: ``preamble``)."""
    out = frame.copy()
    refund = out["txn_type"].eq("refund").fillna(False)
    out.loc[refund, "original_txn_id"] = out.loc[refund, "wallet_txn_id"]
    return out


ALIPAY_MERCHANT = JournalPreset(
    name="alipay_merchant",
    description="Alipay merchant bill 业务明细 (GBK, '#' preamble and trailer lines)",
    header=("支付宝交易号", "商户订单号", "业务类型"),
    fields={
        "txn_id": Col("退款批次号/请求号", "支付宝交易号"),
        "ts": Col("完成时间", "创建时间", kind="time"),
        "wallet_txn_id": Col("支付宝交易号"),
        "order_no": Col("商户订单号"),
        "txn_type": Col("业务类型"),
        "merchant_name": Col("门店名称"),
        "terminal_id": Col("终端号"),
        "operator_id": Col("操作员"),
        "amount_minor": Col("订单金额（元）", "订单金额(元)", kind="amount"),
    },
    tz="Asia/Shanghai",
    currency="CNY",
    defaults={"txn_type": "sale", "status": "approved", "channel": "alipay"},
    preamble={"merchant_id": r"账号[:：]\s*\[?(\d+)"},
    finish=_alipay_finish,
)


# -- Square Transactions CSV --------------------------------------------------------

# Square writes the seller's zone with its Rails/ActiveSupport name.
SQUARE_ZONES: dict[str, str] = {
    "Eastern Time (US & Canada)": "America/New_York",
    "Central Time (US & Canada)": "America/Chicago",
    "Mountain Time (US & Canada)": "America/Denver",
    "Pacific Time (US & Canada)": "America/Los_Angeles",
    "Arizona": "America/Phoenix",
    "Alaska": "America/Anchorage",
    "Hawaii": "Pacific/Honolulu",
    "Atlantic Time (Canada)": "America/Halifax",
    "Newfoundland": "America/St_Johns",
    "London": "Europe/London",
    "Dublin": "Europe/Dublin",
    "Edinburgh": "Europe/London",
    "Paris": "Europe/Paris",
    "Madrid": "Europe/Madrid",
    "Tokyo": "Asia/Tokyo",
    "Sydney": "Australia/Sydney",
    "Melbourne": "Australia/Melbourne",
    "Brisbane": "Australia/Brisbane",
    "Perth": "Australia/Perth",
    "Adelaide": "Australia/Adelaide",
    "UTC": "UTC",
}


def _square_zone(name: object) -> Any:
    if not isinstance(name, str):
        return None
    if name in SQUARE_ZONES:
        return SQUARE_ZONES[name]
    try:
        return resolve_tz(name)  # an IANA name or an offset
    except TimeParseError:
        return None


def _square_finish(frame: pd.DataFrame, raw: RawTable, problems: list[Problem]) -> pd.DataFrame:
    """Local time per row from Date + Time + Time Zone; refunds; card vs other tender."""
    out = frame.copy()
    stamps: list[Any] = []
    for position in out.index:
        line = int(raw.lines[position])
        text = out.at[position, "_when"]
        zone_name = out.at[position, "_zone"]
        zone = _square_zone(zone_name)
        if zone is None:
            problems.append(Problem(line, "Time Zone", zone_name, "unknown time zone"))
            stamps.append(pd.NaT)
            continue
        if not isinstance(text, str):
            problems.append(Problem(line, "Date", None, "empty time"))
            stamps.append(pd.NaT)
            continue
        try:
            stamps.append(parse_time(text, zone).ts.tz_convert("UTC"))
        except TimeParseError as exc:
            problems.append(Problem(line, "Date", text, exc.reason))
            stamps.append(pd.NaT)
    out["ts"] = pd.Series(pd.DatetimeIndex(stamps, tz="UTC"), index=out.index)
    # a refund row reuses the payment's Transaction ID: give it its own id
    refund = out["txn_type"].eq("refund").fillna(False)
    if refund.any():
        sale_ids = set(out.loc[~refund, "txn_id"].dropna())
        clash = refund & out["txn_id"].isin(sale_ids)
        out.loc[clash, "original_txn_id"] = out.loc[clash, "txn_id"]
        out.loc[clash, "txn_id"] = out.loc[clash, "txn_id"] + "/refund"
    card = out["card_last4"].notna() | out["card_scheme"].notna()
    out["channel"] = pd.Series(["card" if c else "other" for c in card], index=out.index, dtype=STRING)
    return out


SQUARE = JournalPreset(
    name="square",
    description="Square Transactions CSV (Date, Time, Time Zone, Total Collected, PAN Suffix, ...)",
    header=("Date", "Time", "Time Zone", "Total Collected", "Transaction ID"),
    fields={
        "txn_id": Col("Transaction ID", "Payment ID"),
        "ts": Col(const="1970-01-01"),  # replaced by finish (one zone per row)
        "_when": Col("_when"),
        "_zone": Col("Time Zone"),
        "amount_minor": Col("Total Collected", kind="amount"),
        "txn_type": Col("Event Type"),
        "card_scheme": Col("Card Brand"),
        "card_last4": Col("PAN Suffix", kind="last4"),
        "entry_mode": Col("Card Entry Methods"),
        "terminal_id": Col("Device Name"),
        "operator_id": Col("Staff ID", "Staff Name"),
        "merchant_name": Col("Location"),
        "order_no": Col("Payment ID"),
    },
    combine={"_when": ("Date", "Time")},
    tz="UTC",
    tz_fixed=True,
    currency="USD",
    defaults={"txn_type": "sale", "status": "approved"},
    finish=_square_finish,
)


# -- Stripe balance change from activity -------------------------------------------

STRIPE_BALANCE = JournalPreset(
    name="stripe_balance",
    description="Stripe 'Balance change from activity' CSV (itemised; created_utc, gross, reporting_category)",
    header=("balance_transaction_id", "created_utc", "gross", "reporting_category"),
    fields={
        "txn_id": Col("balance_transaction_id"),
        "ts": Col("created_utc", kind="time"),
        "currency": Col("currency", kind="currency"),
        "amount_minor": Col("gross", kind="amount"),
        "txn_type": Col(
            "reporting_category",
            values={"charge": "sale", "refund": "refund", "partial_capture_reversal": "void"},
        ),
        "acquirer": Col(const="Stripe"),
    },
    tz="UTC",
    tz_fixed=True,
    defaults={"status": "approved", "channel": "card"},
    skip={
        "reporting_category": (
            "payout",
            "payout_reversal",
            "fee",
            "network_cost",
            "transfer",
            "transfer_reversal",
            "topup",
            "topup_reversal",
            "adjustment",
            "other_adjustment",
            "contribution",
            "tax",
            "platform_earning",
            "platform_earning_refund",
            "connect_collection_transfer",
            "connect_reserved_funds",
            "risk_reserved_funds",
            "anticipation_repayment",
            "climate_order_purchase",
            "climate_order_refund",
            "dispute",
            "dispute_reversal",
            "issuing_authorization_hold",
            "issuing_authorization_release",
            "issuing_disbursement",
            "issuing_dispute",
            "issuing_transaction",
            "charge_failure",
            "refund_failure",
            "obligation",
        )
    },
)


# -- UnionPay-style terminal export (Chinese headers) ------------------------------

UNIONPAY_TERMINAL = JournalPreset(
    name="unionpay_terminal",
    description="UnionPay-style POS terminal export with Chinese headers (终端号, 参考号, 凭证号, 批次号, 卡号, ...)",
    header=("终端号", "参考号", "交易类型"),
    fields={
        "txn_id": Col("交易流水号", "订单号"),
        "merchant_id": Col("商户号", "商户编号"),
        "merchant_name": Col("商户名称", "商户名"),
        "terminal_id": Col("终端号", "终端编号"),
        "batch_no": Col("批次号"),
        "stan": Col("凭证号", "流水号", "终端流水号"),
        "rrn": Col("参考号", "系统参考号", "检索参考号"),
        "auth_code": Col("授权码"),
        "ts": Col("_when", "交易时间", kind="time"),
        "amount_minor": Col("交易金额", "金额", "交易金额(元)", "金额(元)", "交易金额（元）", kind="amount"),
        "currency": Col("币种", "货币", kind="currency"),
        "pan_masked": Col("卡号", "交易卡号"),
        "issuer": Col("发卡行"),
        "card_scheme": Col("卡组织", "卡品牌", "卡类别"),
        "txn_type": Col("交易类型"),
        "status": Col("交易状态", "状态", "交易结果"),
        "channel": Col("支付方式", "交易渠道", "渠道"),
        "wallet_txn_id": Col("第三方订单号", "钱包订单号"),
        "order_no": Col("商户订单号"),
        "operator_id": Col("操作员", "操作员号"),
        "original_txn_id": Col("原交易流水号"),
    },
    combine={"_when": ("交易日期", "交易时间")},
    tz="Asia/Shanghai",
    currency="CNY",
    defaults={"txn_type": "sale", "status": "approved", "channel": "card"},
    stop_at=r"^(合计|总计|汇总)",
)


for _preset in (CANONICAL, WECHAT_MERCHANT, ALIPAY_MERCHANT, SQUARE, STRIPE_BALANCE, UNIONPAY_TERMINAL):
    register_preset(_preset)
del _preset
