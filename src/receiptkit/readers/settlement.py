"""Acquirer settlement files: the canonical settlement frame and its declarative readers.

A settlement line says what an acquirer or wallet settled for one terminal batch
(or one trading day of a wallet): how many transactions, the gross amount, the
fee it kept and the net amount it pays out. :func:`read_settlement` turns a
settlement file into the canonical settlement frame (:data:`SETTLEMENT_COLUMNS`,
see ``docs/terminals.md``); :func:`validate_settlement` checks a frame built by
hand. Each layout is one :class:`SettlementSpec` of
:class:`~receiptkit.readers.table.Col` field specs:

- ``unionpay_settlement``: a UnionPay-style settlement detail (结算明细) with one
  line per terminal batch (结算日期, 商户号, 终端号, 批次号, 笔数, 交易金额, 手续费, 结算金额);
- ``wechat_merchant``: the WeChat Pay merchant trade bill (交易账单), whose
  应结订单金额, 退款金额, 手续费 and 费率 columns are summed per trading day and device;
- ``alipay_merchant``: the Alipay merchant bill (业务明细), whose 订单金额 and
  服务费 columns are summed per trading day and terminal;
- ``wechat_fund_flow``: the WeChat Pay merchant fund flow bill (资金账单), one
  row per movement of the merchant's balance: 交易 and 退款 rows are summed into
  the gross, 扣除交易手续费 / 退还交易手续费 rows into the fee, per booking day;
  withdrawals, top-ups and other movements are left out.

Money is integer minor units, read exactly. ``gross_minor`` is signed (a
refund-only batch is negative); ``net_minor`` is always ``gross_minor - fee_minor``.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from receiptkit.errors import ReceiptkitError, SettlementError
from receiptkit.money import CURRENCIES, MAX_MINOR, currency_option
from receiptkit.readers.presets import normalise_enum
from receiptkit.readers.protocol import REGISTRY, Head
from receiptkit.readers.spec import TableSpec
from receiptkit.readers.table import (
    Col,
    Problem,
    RawTable,
    convert,
    local_day,
    path_problem,
    problems_frame,
    read_failure,
    source_name,
    unreadable_source,
)
from receiptkit.schema import CHANNELS, STRING
from receiptkit.timeparse import zone_option

__all__ = [
    "SETTLEMENT_COLUMNS",
    "SETTLEMENT_EXTRA",
    "SETTLEMENT_ROLES",
    "SPECS",
    "RejectedSettlementWarning",
    "SettlementError",
    "SettlementSpec",
    "empty_settlement",
    "parse_rate",
    "read_settlement",
    "sniff",
    "validate_settlement",
]

#: The canonical settlement columns, in this order (the public contract).
SETTLEMENT_COLUMNS: tuple[str, ...] = (
    "settlement_date",
    "merchant_id",
    "terminal_id",
    "batch_no",
    "count",
    "gross_minor",
    "fee_minor",
    "net_minor",
    "currency",
    "source",
    "source_row",
)
#: Columns that always follow :data:`SETTLEMENT_COLUMNS` (empty when the source has none).
SETTLEMENT_EXTRA: tuple[str, ...] = ("line_id", "trade_date", "channel", "fee_rate")

_TEXT = ("merchant_id", "terminal_id", "batch_no", "currency", "source", "line_id", "channel", "fee_rate")
_MONEY = ("gross_minor", "fee_minor", "net_minor")


class RejectedSettlementWarning(UserWarning):
    """``strict=False`` left settlement rows out; they are in ``frame.attrs["rejected"]``."""


#: The roles a :class:`SettlementSpec` may declare in ``fields``.
SETTLEMENT_ROLES: frozenset[str] = frozenset(
    {
        # one line per batch
        "settlement_date",
        "trade_date",
        "batch_no",
        "count",
        "gross",
        "fee",
        "net",
        "channel",
        "fee_rate",
        # one row per transaction
        "time",
        "kind",
        "refund",
        "sub_merchant_id",
        "direction",
        "entry_id",
        # both
        "merchant_id",
        "terminal_id",
        "currency",
    }
)


@dataclass(frozen=True, kw_only=True)
class SettlementSpec(TableSpec):
    """One settlement layout, declared (a :class:`~receiptkit.readers.spec.TableSpec`).

    ``header``: column names that must all be on the header row (they find it
    and recognise the format). ``fields``: role -> :class:`Col` (roles:
    :data:`SETTLEMENT_ROLES`).

    With ``per_transaction=False`` (one line per batch) the fields are
    ``settlement_date`` (required), ``trade_date``, ``merchant_id``,
    ``terminal_id``, ``batch_no``, ``count``, ``gross``, ``fee``, ``net`` (two of
    the three amounts are needed), ``currency``, ``channel`` and ``fee_rate``.
    The fee may be written positive (deducted) or negative: the sign that makes
    ``net = gross - fee`` true is taken, and a line where neither does is a bad row.

    With ``per_transaction=True`` (a merchant bill, one row per transaction) the
    fields are ``time`` (required), ``kind`` (values mapped to ``sale``,
    ``refund``, ``fee`` or ``skip``), ``gross``, ``refund`` (the refunded amount of refund
    rows, else ``gross``), ``fee``, ``fee_rate``, ``merchant_id``,
    ``sub_merchant_id`` (a service provider's sub-merchant, "0" for none),
    ``terminal_id``, ``currency``, ``direction`` (values mapped to ``in`` or
    ``out``) and ``entry_id`` (the row's own number, such as a fund flow's
    资金流水单号: a number written twice is one row repeated, refused at the
    repeat's line instead of counted twice). A bill without such a number names
    one of its columns in ``repeated_rows``: a row equal in every cell to an
    earlier one is that row written twice (two exports pasted together), refused
    the same way and named by that column's value; rows are summed per trading day,
    merchant, terminal and currency into one line each (a sale adds its amount
    and fee, a refund takes them back, whatever sign the file writes). A ``fee``
    row (a fund flow's own fee line) adds its amount to the fee; with a
    ``direction`` field, money out of the account makes a counted row a refund
    and a fee row a fee charged, money in a sale and a fee given back. ``count``
    counts the sale and refund rows.

    ``required`` lists roles whose columns must exist. ``channel`` is the
    channel of every line (wallet bills). ``preamble`` maps ``merchant_id`` or
    ``terminal_id`` to a regular expression whose group 1, found in the lines
    above the header, fills the rows that carry none (``preamble_merchant`` is
    the older name of ``preamble["merchant_id"]``).

    A settlement spec is a :class:`~receiptkit.readers.protocol.Reader` of the
    ``settlement`` target: ``spec.sniff(head)`` and ``spec.read(source)``.
    """

    ROLES = SETTLEMENT_ROLES
    TARGET = "settlement"
    PREAMBLE_ROLES = frozenset({"merchant_id", "terminal_id"})

    per_transaction: bool = False
    channel: str | None = None
    tz: str = "Asia/Shanghai"
    currency: str = "CNY"
    preamble_merchant: str | None = None
    repeated_rows: str | None = None

    def preamble_patterns(self) -> dict[str, str]:
        """``preamble``, with ``preamble_merchant`` (its older name for the ``merchant_id`` role)."""
        patterns = super().preamble_patterns()
        if self.preamble_merchant and "merchant_id" not in patterns:
            patterns["merchant_id"] = self.preamble_merchant
        return patterns

    def __post_init__(self) -> None:
        super().__post_init__()
        missing = self.missing_roles()
        if missing:
            raise ValueError(
                f"SettlementSpec {self.name!r}: required role(s) without a column: {', '.join(missing)}"
            )

    @property
    def target(self) -> str:
        """``"settlement"``: what :meth:`read` returns."""
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
        """:func:`read_settlement` with this layout (``options``: ``currency=``)."""
        return read_settlement(source, format=self, tz=tz, strict=strict, name=name, **options)


_A = "amount"
_T = "time"

UNIONPAY_SETTLEMENT = SettlementSpec(
    name="unionpay_settlement",
    description="UnionPay-style settlement detail (结算明细): one line per terminal batch",
    header=("批次号", "手续费"),
    fields={
        "settlement_date": Col("结算日期", "清算日期", "入账日期", kind=_T),
        "trade_date": Col("交易日期", kind=_T),
        "merchant_id": Col("商户号", "商户编号"),
        "terminal_id": Col("终端号", "终端编号"),
        "batch_no": Col("批次号"),
        "count": Col("笔数", "交易笔数", "总笔数"),
        "gross": Col("交易金额", "交易总金额", "交易金额(元)", "交易金额（元）", kind=_A),
        "fee": Col("手续费", "手续费(元)", "手续费（元）", kind=_A),
        "net": Col("结算金额", "清算金额", "入账金额", "结算金额(元)", "结算金额（元）", kind=_A),
        "currency": Col("币种", "货币", kind="currency"),
        "channel": Col("交易渠道", "支付方式", "渠道"),
        "fee_rate": Col("费率", "扣率"),
    },
    required=("settlement_date", "gross", "net"),
    stop_at=r"^(合计|总计|汇总)",
)

WECHAT_MERCHANT = SettlementSpec(
    name="wechat_merchant",
    description="WeChat Pay merchant trade bill (交易账单): 手续费 and 费率 summed per day and device",
    header=("交易时间", "微信订单号", "应结订单金额", "手续费"),
    fields={
        "time": Col("交易时间", kind=_T),
        "kind": Col(
            "交易状态",
            values={"SUCCESS": "sale", "REFUND": "refund"},
            default="skip",
        ),
        "gross": Col("应结订单金额", kind=_A),
        "refund": Col("退款金额", kind=_A),
        "fee": Col("手续费", kind=_A),
        "fee_rate": Col("费率"),
        "merchant_id": Col("商户号"),
        # a service provider's sub-merchant; "0" for a direct merchant (then the merchant is 商户号)
        "sub_merchant_id": Col("特约商户号"),
        "terminal_id": Col("设备号"),
        "currency": Col("货币种类", kind="currency"),
    },
    required=("time", "gross", "fee"),
    per_transaction=True,
    channel="wechat",
    stop_at=r"^总交易单数",
    repeated_rows="微信订单号",
)

ALIPAY_MERCHANT = SettlementSpec(
    name="alipay_merchant",
    description="Alipay merchant bill (业务明细): 订单金额 and 服务费 summed per day and terminal",
    header=("支付宝交易号", "商户订单号", "业务类型"),
    fields={
        "time": Col("完成时间", "创建时间", kind=_T),
        "kind": Col("业务类型", values={"交易": "sale", "退款": "refund"}),
        "gross": Col("订单金额（元）", "订单金额(元)", kind=_A),
        "fee": Col("服务费（元）", "服务费(元)", kind=_A),
        "terminal_id": Col("终端号"),
    },
    required=("time", "gross", "fee"),
    per_transaction=True,
    channel="alipay",
    encodings=("gb18030", "utf-8-sig"),
    repeated_rows="支付宝交易号",
    preamble={"merchant_id": r"账号[:：]\s*\[?(\d+)"},
)

#: The WeChat Pay merchant fund flow bill (资金账单). Layout from WeChat Pay's bill documentation
#: (pay.weixin.qq.com, 资金账单结构说明 / 下载资金账单): header 记账时间, 微信支付业务单号, 资金流水单号,
#: 业务名称, 业务类型, 收支类型, 收支金额(元), 账户结余(元), 资金变更提交申请人, 备注, 业务凭证号; every
#: data cell starts with a backtick; then a summary header 资金流水总笔数, 收入笔数, 收入金额, 支出笔数,
#: 支出金额 and one summary row. 业务类型 values named there: 交易, 扣除交易手续费, 退款, 退款关闭,
#: 退还交易手续费; 收支类型 is 收入 or 支出. 记账时间 is when the balance moved (a refund's booking,
#: not its success time), so lines are per booking day.
WECHAT_FUND_FLOW = SettlementSpec(
    name="wechat_fund_flow",
    description="WeChat Pay merchant fund flow bill (资金账单): 交易/退款 into gross, 手续费 rows into fee, per day",
    header=("记账时间", "微信支付业务单号", "资金流水单号", "业务类型", "收支类型"),
    fields={
        "time": Col("记账时间", kind=_T),
        "kind": Col(
            "业务类型",
            values={
                "交易": "sale",
                "退款": "sale",  # the direction (支出) makes it a refund
                "退款关闭": "sale",  # money back in after a refund failed (收入)
                "扣除交易手续费": "fee",
                "退还交易手续费": "fee",
            },
            default="skip",
        ),
        "direction": Col("收支类型", values={"收入": "in", "支出": "out"}),
        "gross": Col("收支金额(元)", "收支金额（元）", kind=_A),
        # one number per movement of the balance: a repeated row would be summed twice
        "entry_id": Col("资金流水单号"),
    },
    required=("time", "gross", "direction"),
    per_transaction=True,
    channel="wechat",
    stop_at=r"^资金流水总笔数",
)

#: Known settlement layouts by name, in sniffing order.
SPECS: dict[str, SettlementSpec] = {
    s.name: s for s in (WECHAT_MERCHANT, WECHAT_FUND_FLOW, ALIPAY_MERCHANT, UNIONPAY_SETTLEMENT)
}
REGISTRY.add_shelf("settlement", SPECS)


# --------------------------------------------------------------------------- frame


def empty_settlement() -> pd.DataFrame:
    """A settlement frame with no rows and every column with its dtype."""
    data: dict[str, pd.Series] = {}
    for column in SETTLEMENT_COLUMNS + SETTLEMENT_EXTRA:
        if column in ("settlement_date", "trade_date"):
            data[column] = pd.Series([], dtype="datetime64[ns]")
        elif column in _MONEY:
            data[column] = pd.Series([], dtype="int64")
        elif column in ("count", "source_row"):
            data[column] = pd.Series([], dtype="Int64")
        else:
            data[column] = pd.Series([], dtype=STRING)
    return pd.DataFrame(data)


def _text(series: pd.Series) -> pd.Series:
    out = series.astype(object).where(series.notna(), None)
    out = out.map(lambda v: v if v is None or isinstance(v, str) else str(v)).astype(STRING).str.strip()
    return out.mask(out == "", pd.NA)


def _days(series: pd.Series, column: str, where: _Where, tz: str | None = None) -> pd.Series:
    """The calendar day of each value: a time that carries its zone is taken in ``tz`` (in its own zone
    when None); a date or a time without a zone is that day already."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        out = series
    else:
        try:
            out = pd.to_datetime(series.astype(object).where(series.notna(), None), format="mixed")
        except (TypeError, ValueError) as exc:
            raise where.error(f"not a date ({exc})", column, None) from None
    if getattr(out.dt, "tz", None) is not None:
        if tz is not None:
            out = out.dt.tz_convert(tz)
        out = out.dt.tz_localize(None)
    return out.dt.normalize().astype("datetime64[ns]")


class _Where:
    """Names rows of a frame being validated by their source line when it is known."""

    def __init__(self, frame: pd.DataFrame, name: str | None) -> None:
        self.name = name
        self.rows = frame["source_row"] if "source_row" in frame.columns else None
        self.files = frame["source"] if "source" in frame.columns else None

    def error(self, reason: str, column: str, position: int | None, value: Any = None) -> SettlementError:
        row = None if position is None else position + 1
        file = self.name
        if position is not None and self.rows is not None and pd.notna(self.rows.iloc[position]):
            row = int(self.rows.iloc[position])
        if position is not None and self.files is not None and pd.notna(self.files.iloc[position]):
            file = str(self.files.iloc[position])
        if isinstance(value, np.generic):
            value = value.item()
        return SettlementError(reason, file=file, row=row, column=column, value=value)


def _first(mask: pd.Series) -> int:
    return int(np.flatnonzero(mask.to_numpy(dtype=bool))[0])


def _integers(frame: pd.DataFrame, column: str, where: _Where, *, nullable: bool) -> pd.Series:
    series = frame[column]
    if pd.api.types.is_float_dtype(series.dtype):
        finite = series.dropna()
        if not (finite == finite.round()).all():
            bad = series.notna() & (series != series.round())
            position = _first(bad)
            raise where.error(
                "must be an integer (minor units), not a fraction", column, position, series.iloc[position]
            )
        if not nullable or column in _MONEY:
            raise where.error("must be integer minor units, not float", column, None)
    try:
        out = pd.array(series, dtype="Int64")
    except (TypeError, ValueError, OverflowError):
        values = list(series)
        for position, value in enumerate(values):
            try:
                number = int(value) if value is not None and not pd.isna(value) else None
            except (TypeError, ValueError):
                raise where.error("must be an integer", column, position, value) from None
            if number is not None and abs(number) > MAX_MINOR:
                raise where.error(f"beyond the maximum of {MAX_MINOR:,}", column, position, value) from None
        raise where.error("must be an integer", column, None) from None
    out = pd.Series(out, index=frame.index)
    beyond = (out.abs() > MAX_MINOR).fillna(False).astype(bool)
    if beyond.any():
        position = _first(beyond)
        raise where.error(f"beyond the maximum of {MAX_MINOR:,}", column, position, series.iloc[position])
    if not nullable and out.isna().any():
        position = _first(out.isna())
        raise where.error("empty value", column, position)
    return out if nullable else out.astype("int64")


def validate_settlement(
    frame: pd.DataFrame, *, name: str | None = None, tz: str | None = None, currency: str | None = None
) -> pd.DataFrame:
    """Return ``frame`` as a canonical settlement frame: columns present, ordered, typed, consistent.

    ``tz``: the zone in which a ``settlement_date`` / ``trade_date`` that is a time with its zone is taken as
    a calendar day (default: its own zone); a date, or a time without a zone, is that day in any zone.
    ``currency`` fills the rows without one (and a missing ``currency`` column), as :func:`read_settlement`
    does for a file. Both are read as :func:`read_settlement` reads them (``"UTC+8"``; an unknown code refused).

    Required columns: ``settlement_date``, ``gross_minor``, ``currency`` and two
    of ``fee_minor`` / ``net_minor`` (the third is derived). Optional ones are
    added empty. Checks: integer minor units (never float), ``net_minor ==
    gross_minor - fee_minor``, ``count >= 0``, ISO 4217 currency, a known
    ``channel``, a decimal ``fee_rate`` (``0.006`` or ``0.60%``) and unique
    ``line_id`` (filled as ``<source stem>:<source_row>``, or ``line:<n>``).
    A problem raises :class:`SettlementError` naming the file, row (the
    ``source_row`` when known), column and value. The input is not modified.

    >>> frame = validate_settlement(pd.DataFrame({"settlement_date": ["2026-11-02"], "batch_no": ["000001"],
    ...     "gross_minor": [100000], "fee_minor": [600], "currency": ["cny"]}))
    >>> int(frame.at[0, "net_minor"]), frame.at[0, "currency"], frame.at[0, "line_id"]
    (99400, 'CNY', 'line:1')
    """
    tz = zone_option(tz, error=SettlementError)
    currency = currency_option(currency, error=SettlementError)
    out = frame.copy().reset_index(drop=True)
    if currency is not None and "currency" not in out.columns:
        out["currency"] = pd.Series(pd.NA, index=out.index, dtype=STRING)
    where = _Where(out, name)
    for column in ("settlement_date", "gross_minor", "currency"):
        if column not in out.columns:
            raise SettlementError(f"missing required column {column}", file=name, column=column)
    if "fee_minor" not in out.columns and "net_minor" not in out.columns:
        raise SettlementError("needs fee_minor or net_minor (or both)", file=name, column="fee_minor")
    for column in SETTLEMENT_COLUMNS + SETTLEMENT_EXTRA:
        if column not in out.columns:
            out[column] = pd.Series(pd.NA, index=out.index, dtype=STRING)
    for column in _TEXT:
        out[column] = _text(out[column])
    if currency is not None:
        out["currency"] = out["currency"].fillna(currency)
    out["settlement_date"] = _days(out["settlement_date"], "settlement_date", where, tz)
    if out["settlement_date"].isna().any():
        raise where.error("empty settlement_date", "settlement_date", _first(out["settlement_date"].isna()))
    out["trade_date"] = _days(out["trade_date"], "trade_date", where, tz)
    gross = _integers(out, "gross_minor", where, nullable=False)
    has_fee = "fee_minor" in frame.columns and bool(out["fee_minor"].notna().any())
    has_net = "net_minor" in frame.columns and bool(out["net_minor"].notna().any())
    fee = _integers(out, "fee_minor", where, nullable=True) if has_fee else None
    net = _integers(out, "net_minor", where, nullable=True) if has_net else None
    if fee is None and net is None:
        raise SettlementError("fee_minor and net_minor are both empty", file=name, column="fee_minor")
    if fee is None:
        fee = gross - net
    if net is None:
        net = gross - fee
    fee = fee.fillna(gross - net)
    net = net.fillna(gross - fee)
    if fee.isna().any():
        raise where.error("fee_minor and net_minor are both empty", "fee_minor", _first(fee.isna()))
    out["gross_minor"] = gross.astype("int64")
    out["fee_minor"] = fee.astype("int64")
    out["net_minor"] = net.astype("int64")
    wrong = out["net_minor"] != out["gross_minor"] - out["fee_minor"]
    if wrong.any():
        position = _first(wrong)
        raise where.error(
            f"net_minor is not gross_minor - fee_minor ({int(out.at[position, 'gross_minor'])} - "
            f"{int(out.at[position, 'fee_minor'])})",
            "net_minor",
            position,
            int(out.at[position, "net_minor"]),
        )
    count = _integers(out, "count", where, nullable=True)
    if (count < 0).fillna(False).any():
        position = _first((count < 0).fillna(False))
        raise where.error("count must not be negative", "count", position, int(count.iloc[position]))
    out["count"] = count.astype("Int64")
    out["currency"] = out["currency"].str.upper()
    bad = out["currency"].isna() | ~out["currency"].isin(list(CURRENCIES)).fillna(False).astype(bool)
    if bad.any():  # a code outside ISO 4217 ('XYZ', 'RMB') is never a currency of 2 decimals
        position = _first(bad)
        raise where.error(
            "currency must be an ISO 4217 code (CNY, HKD, USD, ...)",
            "currency",
            position,
            out.at[position, "currency"],
        )
    out["channel"] = out["channel"].str.lower()
    bad = out["channel"].notna() & ~out["channel"].isin(list(CHANNELS))
    if bad.any():
        position = _first(bad)
        raise where.error(
            f"channel must be one of {', '.join(CHANNELS)}", "channel", position, out.at[position, "channel"]
        )
    rates: list[str | None] = []
    for position, value in enumerate(out["fee_rate"]):
        if value is pd.NA:
            rates.append(None)
            continue
        rate = parse_rate(value)
        if rate is None:
            raise where.error("not a fee rate (0.006 or 0.60%)", "fee_rate", position, value)
        rates.append(str(rate))
    out["fee_rate"] = pd.Series(rates, index=out.index, dtype=STRING)
    out["source_row"] = pd.Series(pd.array(out["source_row"], dtype="Int64"), index=out.index)
    missing = out["line_id"].isna()
    if missing.any():
        ids = [
            _line_id(src, row, position)
            for position, (src, row) in enumerate(zip(out["source"], out["source_row"], strict=True))
        ]
        out["line_id"] = out["line_id"].fillna(pd.Series(ids, index=out.index, dtype=STRING))
    dupes = out["line_id"].duplicated()
    if dupes.any():
        position = _first(dupes)
        raise where.error("duplicate line_id", "line_id", position, out.at[position, "line_id"])
    extra = [c for c in out.columns if c not in SETTLEMENT_COLUMNS + SETTLEMENT_EXTRA]
    return out[list(SETTLEMENT_COLUMNS + SETTLEMENT_EXTRA) + extra]


def _line_id(source: Any, row: Any, position: int) -> str:
    if isinstance(source, str) and not source.startswith("<") and pd.notna(row):
        return f"{Path(source).stem}:{int(row)}"
    return f"line:{position + 1}"


_RATE_RE = re.compile(r"^\s*([+]?\d+(?:\.\d+)?)\s*(%|‰)?\s*$")


def parse_rate(text: Any) -> Decimal | None:
    """A fee rate as a Decimal fraction: ``"0.60%"`` -> ``0.006``, ``"0.006"`` -> ``0.006``; None if not one.

    >>> parse_rate("0.60%"), parse_rate("0.0038"), parse_rate("6‰"), parse_rate("abc")
    (Decimal('0.006'), Decimal('0.0038'), Decimal('0.006'), None)
    """
    if isinstance(text, Decimal):
        return text
    found = _RATE_RE.match(str(text))
    if not found:
        return None
    try:
        value = Decimal(found.group(1))
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        return None
    if found.group(2) == "%":
        value /= 100
    elif found.group(2) == "‰":
        value /= 1000
    if value >= 1:
        return None
    return value.normalize() if value else Decimal(0)


# --------------------------------------------------------------------------- reading


def sniff(source: Any, *, name: str | None = None) -> str | None:
    """The name of the settlement layout whose header is in the first lines of ``source``, or None.

    Every reader of the ``settlement`` target in :data:`~receiptkit.readers.protocol.REGISTRY`
    is asked (the layouts of :data:`SPECS`, in order).
    """
    name = name or source_name(source)
    try:
        found = REGISTRY.sniff(Head(source, name), "settlement")
    except SettlementError:
        raise
    except ReceiptkitError as exc:
        raise SettlementError(exc.reason, file=exc.file or name, row=exc.row, value=exc.value) from None
    return None if found is None else found.name


def read_settlement(
    source: Any,
    *,
    format: str | SettlementSpec | None = None,
    tz: str | None = None,
    strict: bool = True,
    currency: str | None = None,
    name: str | None = None,
) -> pd.DataFrame:
    """Read an acquirer or wallet settlement file into the canonical settlement frame.

    ``source`` is a path (CSV in UTF-8/GBK, ``.xlsx``/``.xls``), bytes, a binary
    file, or a DataFrame with canonical column names (validated by
    :func:`validate_settlement`, with ``tz`` and ``currency`` applied as for a file). ``format`` is a name in :data:`SPECS`
    (``unionpay_settlement``, ``wechat_merchant``, ``alipay_merchant``) or a
    :class:`SettlementSpec`; sniffed from the header when None. ``tz`` is the
    zone of the file's times (default: the layout's, ``Asia/Shanghai``);
    settlement dates are local calendar days. ``currency`` fills rows without
    one (default: the layout's, CNY).

    ``strict=True``: the first bad cell raises :class:`SettlementError` naming the
    file, line, column and value. ``strict=False``: bad rows are left out and
    listed in ``frame.attrs["rejected"]`` (file, row, column, value, reason)
    with a warning; nothing is dropped silently.
    """
    tz = zone_option(tz, error=SettlementError)  # "UTC+8" is +08:00 as at the command line; a typo is refused
    currency = currency_option(currency, error=SettlementError)  # "XYZ" is refused, never read as 2 decimals
    if isinstance(source, pd.DataFrame):  # tz and currency as for a file (as read_journal(frame) takes them)
        return validate_settlement(source, name=name or "<DataFrame>", tz=tz, currency=currency)
    name = name or source_name(source)
    unreadable = unreadable_source(source) or path_problem(source)
    if unreadable:
        raise SettlementError(unreadable, file=name)
    try:
        if isinstance(
            source, io.IOBase
        ):  # an upload: read once (telling the layout read it to its end before)
            data = source.read()
            source = data.encode("utf-8") if isinstance(data, str) else data
        return _read_settlement(source, format, tz, strict, currency, name)
    except OSError as exc:  # the file is there but fails to read (permissions, I/O)
        raise SettlementError(read_failure(exc), file=name) from None


def _read_settlement(
    source: Any,
    format: str | SettlementSpec | None,
    tz: str | None,
    strict: bool,
    currency: str | None,
    name: str,
) -> pd.DataFrame:
    if isinstance(format, SettlementSpec):
        spec = format
    else:
        if format is None:
            format = sniff(source, name=name)
            if format is None:
                raise SettlementError(
                    "settlement layout not recognised; give format= (one of "
                    + ", ".join(SPECS)
                    + " or a SettlementSpec)",
                    file=name,
                    row=1,
                )
        if format not in SPECS:
            raise SettlementError(f"unknown settlement format {format!r}", file=name)
        chosen = SPECS[format]
        if not isinstance(chosen, SettlementSpec):  # another Reader registered for the settlement target
            return chosen.read(source, tz=tz, strict=strict, name=name, currency=currency)
        spec = chosen
    try:
        raw = spec.read_raw(source, name=name)
    except ReceiptkitError as exc:
        raise SettlementError(
            exc.reason, file=exc.file or name, row=exc.row if exc.row is not None else 1, value=exc.value
        ) from None
    _require(raw, spec, name)
    zone = tz or spec.tz
    default_currency = currency or spec.currency
    fields = {k: v for k, v in spec.fields.items() if k not in ("count", "channel", "fee_rate")}
    converted, problems = convert(raw, fields, tz=zone, currency=default_currency)
    for key in ("count", "channel", "fee_rate"):
        if key in spec.fields:
            converted[key], extra = _special(raw, spec.fields[key], key)
            problems += extra
    if spec.per_transaction:
        lines, problems = _per_transaction(raw, converted, problems, spec, default_currency)
    else:
        lines, problems = _per_batch(raw, converted, problems, spec, default_currency)
    return _finish(lines, problems, raw, spec, name, strict, skipped=_left_out(raw, converted, spec))


def _left_out(raw: RawTable, converted: pd.DataFrame, spec: SettlementSpec) -> list[Problem]:
    """The rows of a per-transaction bill whose ``kind`` is ``skip`` (withdrawals, top-ups, unpaid or
    closed orders, a type the layout does not name): left out of the sums, listed, never dropped silently."""
    if not spec.per_transaction or "kind" not in converted:
        return []
    column = _origin(raw, spec, "kind")
    left_out = (converted["kind"] == "skip").fillna(False).to_numpy(dtype=bool)
    cells = raw.frame[column] if column in raw.frame.columns else pd.Series(pd.NA, index=raw.frame.index)
    return [
        Problem(int(raw.lines[p]), column, cells.iloc[p], "not a sale, refund or fee: left out of the sums")
        for p in np.flatnonzero(left_out)
    ]


def _require(raw: RawTable, spec: SettlementSpec, name: str) -> None:
    columns = set(raw.frame.columns)
    for key in spec.required:
        names = spec.fields[key].names
        if not any(n in columns for n in names):
            raise SettlementError(
                f"missing required column {' or '.join(names)}",
                file=name,
                row=raw.header_line,
                column=names[0],
            )


def _special(raw: RawTable, spec: Col, key: str) -> tuple[pd.Series, list[Problem]]:
    """Counts, channels and fee rates: read as text, checked here."""
    present = [n for n in spec.names if n in raw.frame.columns]
    index = raw.frame.index
    if not present:
        return pd.Series(pd.NA, index=index, dtype=STRING if key != "count" else "Int64"), []
    values = raw.frame[present[0]]
    for other in present[1:]:
        values = values.fillna(raw.frame[other])
    problems: list[Problem] = []
    column = present[0]
    if key == "count":
        cleaned = values.str.replace(",", "", regex=False)
        bad = cleaned.notna() & ~cleaned.str.fullmatch(r"\d+", na=False)
        for position in np.flatnonzero(bad.to_numpy(dtype=bool)):
            problems.append(Problem(int(raw.lines[position]), column, values.iloc[position], "not a count"))
        counts = pd.to_numeric(cleaned.where(~bad), errors="coerce").astype("Int64")
        return counts, problems
    if key == "channel":
        mapped, _implied, bad = normalise_enum(values, "channel")
        for position in np.flatnonzero(bad.to_numpy(dtype=bool)):
            problems.append(
                Problem(int(raw.lines[position]), column, values.iloc[position], "unknown value for channel")
            )
        return mapped, problems
    rates: list[Any] = []
    for at, value in enumerate(values):
        if value is pd.NA:
            rates.append(None)
            continue
        rate = parse_rate(value)
        if rate is None:
            problems.append(Problem(int(raw.lines[at]), column, value, "not a fee rate"))
        rates.append(None if rate is None else str(rate))
    return pd.Series(rates, index=index, dtype=STRING), problems


def _origin(raw: RawTable, spec: SettlementSpec, key: str) -> str:
    names = spec.fields[key].names if key in spec.fields else ()
    return next((n for n in names if n in raw.frame.columns), names[0] if names else key)


def _per_batch(
    raw: RawTable,
    converted: pd.DataFrame,
    problems: list[Problem],
    spec: SettlementSpec,
    default_currency: str,
) -> tuple[pd.DataFrame, list[Problem]]:
    index = raw.frame.index
    lines = pd.DataFrame(index=index)
    lines["settlement_date"] = local_day(converted["settlement_date"])
    lines["trade_date"] = local_day(converted["trade_date"]) if "trade_date" in converted else pd.NaT
    for key in ("merchant_id", "terminal_id", "batch_no"):
        lines[key] = converted[key] if key in converted else pd.Series(pd.NA, index=index, dtype=STRING)
    for role, value in spec.preamble_values(raw).items():  # written once above the header
        lines[role] = lines[role].fillna(value)
    gross = converted["gross"]
    fee = converted["fee"] if "fee" in converted else pd.Series(pd.NA, index=index, dtype="Int64")
    net = converted["net"] if "net" in converted else pd.Series(pd.NA, index=index, dtype="Int64")
    # an empty fee/net cell is derived from the other two, when they are there
    problems = [
        p for p in problems if not (p.reason == "empty amount" and p.column != _origin(raw, spec, "gross"))
    ]
    fee_col, net_col = _origin(raw, spec, "fee"), _origin(raw, spec, "net")
    fee = fee.fillna(gross - net)
    net = net.fillna(gross - fee)
    plain = (net == gross - fee).fillna(False)
    flipped = (net == gross + fee).fillna(False) & ~plain
    fee = fee.where(~flipped, -fee)
    known = gross.notna() & fee.notna() & net.notna()
    for position in np.flatnonzero((known & ~plain & ~flipped).to_numpy(dtype=bool)):
        problems.append(
            Problem(
                int(raw.lines[position]),
                net_col,
                raw.frame[net_col].iloc[position] if net_col in raw.frame else None,
                f"{net_col} is neither {_origin(raw, spec, 'gross')} - {fee_col} nor + {fee_col}",
            )
        )
    for position in np.flatnonzero((gross.notna() & fee.isna() & net.isna()).to_numpy(dtype=bool)):
        problems.append(Problem(int(raw.lines[position]), fee_col, None, "empty amount"))
    lines["gross_minor"] = gross
    lines["fee_minor"] = fee
    lines["net_minor"] = net
    lines["count"] = converted.get("count", pd.Series(pd.NA, index=index, dtype="Int64"))
    currency = (
        converted["currency"] if "currency" in converted else pd.Series(pd.NA, index=index, dtype=STRING)
    )
    lines["currency"] = currency.fillna(default_currency)
    channel = converted.get("channel", pd.Series(pd.NA, index=index, dtype=STRING))
    lines["channel"] = channel.fillna(spec.channel) if spec.channel else channel
    lines["fee_rate"] = converted.get("fee_rate", pd.Series(pd.NA, index=index, dtype=STRING))
    lines["source_row"] = pd.array(raw.lines, dtype="Int64")
    return lines, problems


def _repeated_entries(raw: RawTable, converted: pd.DataFrame, spec: SettlementSpec) -> list[Problem]:
    """A problem for each row whose ``entry_id`` an earlier row already has (the same row twice)."""
    if "entry_id" in converted:
        ids = converted["entry_id"]
        column = _origin(raw, spec, "entry_id")
    elif spec.repeated_rows is not None and spec.repeated_rows in raw.frame.columns:
        # no row number of its own: a row equal in every cell to an earlier one is that row again
        cells = raw.frame.astype("string").fillna("\x00")
        whole = pd.Series(pd.util.hash_pandas_object(cells, index=False).to_numpy(), index=raw.frame.index)
        repeat = whole.duplicated(keep=False) & cells.duplicated(keep=False)
        ids = whole.astype("string").where(repeat)
        column = spec.repeated_rows
    else:
        return []
    repeated = (ids.notna() & ids.duplicated(keep="first")).to_numpy(dtype=bool)
    if not repeated.any():
        return []
    problems = []
    for position in np.flatnonzero(repeated):  # a repeat is rare: a Python loop over the repeats only
        value = ids.iloc[position]
        first = int(raw.lines[int(np.argmax((ids == value).fillna(False).to_numpy(dtype=bool)))])
        if "entry_id" in converted:
            reason = f"the same {column} as line {first}: one row written twice"
        else:
            value = raw.frame[column].iloc[position]
            reason = f"the same row as line {first} (every cell): one row written twice"
        problems.append(Problem(int(raw.lines[position]), column, value, reason))
    return problems


def _signed_directional(raw: RawTable, converted: pd.DataFrame, spec: SettlementSpec) -> list[Problem]:
    """A problem for each signed amount in a bill whose ``direction`` column says which way money went.

    The fund flow writes 收支金额 unsigned and 收入/支出 beside it: "-36.00" on a 收入 row contradicts
    its own row (taking the absolute value would hide that).
    """
    if "direction" not in converted or "gross" not in converted:
        return []
    column = _origin(raw, spec, "gross")
    signed = (converted["gross"] < 0).fillna(False)
    if "kind" in converted:  # rows left out (withdrawals, top-ups) are not read
        signed &= converted["kind"].isin(["sale", "refund", "fee"]).fillna(False)
    negative = signed.to_numpy(dtype=bool)
    return [
        Problem(
            int(raw.lines[p]),
            column,
            raw.frame[column].iloc[p],
            f"a negative amount where {_origin(raw, spec, 'direction')} gives the direction",
        )
        for p in np.flatnonzero(negative)
    ]


def _per_transaction(
    raw: RawTable,
    converted: pd.DataFrame,
    problems: list[Problem],
    spec: SettlementSpec,
    default_currency: str,
) -> tuple[pd.DataFrame, list[Problem]]:
    index = raw.frame.index
    problems = problems + _repeated_entries(raw, converted, spec) + _signed_directional(raw, converted, spec)
    kind = converted["kind"] if "kind" in converted else pd.Series("sale", index=index, dtype=STRING)
    counted = kind.isin(["sale", "refund"]).fillna(False)
    is_fee = (kind == "fee").fillna(False)
    outgoing = (converted["direction"] == "out").fillna(False) if "direction" in converted else None
    refund = (counted & outgoing) if outgoing is not None else (kind == "refund").fillna(False)
    gross_col = _origin(raw, spec, "gross")
    refund_amount = (
        converted["refund"] if "refund" in converted else pd.Series(pd.NA, index=index, dtype="Int64")
    )
    # refund rows carry the refunded amount in its own column when the bill has one
    use_refund = refund & refund_amount.notna() & (refund_amount != 0).fillna(False)
    amount = converted["gross"].where(~use_refund, refund_amount).abs()
    fee = converted["fee"].abs() if "fee" in converted else pd.Series(0, index=index, dtype="Int64")
    if is_fee.any():
        # a fee row's amount is a fee: charged (money out) or given back (money in)
        given_back = is_fee & ~outgoing if outgoing is not None else pd.Series(False, index=index)
        fee = fee.mask(is_fee, amount).mask(given_back, -amount)
        amount = amount.mask(is_fee, 0)
    # skipped rows (closed, unpaid) may leave their amounts empty; that is not a problem
    skipped_lines = set(raw.lines[~(counted | is_fee).to_numpy(dtype=bool)].tolist())
    problems = [p for p in problems if not (p.row in skipped_lines and p.reason == "empty amount")]
    refund_col = _origin(raw, spec, "refund")
    for position in np.flatnonzero(((counted | is_fee) & amount.isna()).to_numpy(dtype=bool)):
        column = refund_col if bool(refund.iloc[position]) and "refund" in spec.fields else gross_col
        if not any(p.row == int(raw.lines[position]) for p in problems):
            problems.append(Problem(int(raw.lines[position]), column, None, "empty amount"))
    sign = pd.Series(np.where(refund.to_numpy(dtype=bool), -1, 1), index=index)
    merchant = converted.get("merchant_id", pd.Series(pd.NA, index=index, dtype=STRING))
    if "sub_merchant_id" in converted:
        # the sub-merchant when there is one; "0" (or empty) means a direct merchant: 商户号
        sub = converted["sub_merchant_id"].astype(STRING).str.strip()
        merchant = sub.where(sub.notna() & ~sub.isin(["", "0"]), merchant)
    rows = pd.DataFrame(
        {
            "settlement_date": local_day(converted["time"]),
            "merchant_id": merchant,
            "terminal_id": converted.get("terminal_id", pd.Series(pd.NA, index=index, dtype=STRING)),
            "currency": converted.get("currency", pd.Series(pd.NA, index=index, dtype=STRING)).fillna(
                default_currency
            ),
            "gross_minor": amount * sign,
            "fee_minor": fee.fillna(0) * sign,
            "fee_rate": converted.get("fee_rate", pd.Series(pd.NA, index=index, dtype=STRING)),
            "line": raw.lines,
            "txn": counted.astype("int64"),
        },
        index=index,
    )
    for role, value in spec.preamble_values(raw).items():  # written once above the header
        rows[role] = rows[role].fillna(value)
    bad_lines = {p.row for p in problems}
    keep = (counted | is_fee) & ~rows["line"].isin(list(bad_lines))
    rows = rows[keep.to_numpy(dtype=bool)]
    keys = ["settlement_date", "merchant_id", "terminal_id", "currency"]
    if rows.empty:
        return empty_settlement().drop(columns=["source", "line_id"]), problems
    grouped = rows.groupby(keys, dropna=False, sort=True)
    lines = grouped.agg(
        count=("txn", "sum"),
        gross_minor=("gross_minor", "sum"),
        fee_minor=("fee_minor", "sum"),
        source_row=("line", "min"),
        rates=("fee_rate", lambda r: r.iloc[0] if r.notna().all() and r.nunique() == 1 else pd.NA),
    ).reset_index()
    lines = lines.rename(columns={"rates": "fee_rate"})
    lines["net_minor"] = lines["gross_minor"] - lines["fee_minor"]
    lines["trade_date"] = lines["settlement_date"]
    lines["batch_no"] = pd.Series(pd.NA, index=lines.index, dtype=STRING)
    lines["channel"] = spec.channel
    lines["count"] = lines["count"].astype("Int64")
    lines["source_row"] = lines["source_row"].astype("Int64")
    return lines, problems


def _finish(
    lines: pd.DataFrame,
    problems: list[Problem],
    raw: RawTable,
    spec: SettlementSpec,
    name: str,
    strict: bool,
    *,
    skipped: Sequence[Problem] = (),
) -> pd.DataFrame:
    problems = sorted(problems, key=lambda p: (p.row, p.column))
    if problems and strict:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise SettlementError(
            first.reason + more, file=name, row=first.row, column=first.column, value=first.value
        )
    if problems and not spec.per_transaction:
        bad = {p.row for p in problems}
        lines = lines[~lines["source_row"].isin(list(bad)).to_numpy(dtype=bool)]
    lines = lines.copy()
    lines["source"] = name
    try:
        out = validate_settlement(lines, name=name)
    except SettlementError as exc:  # pragma: no cover - readers produce valid lines; keep the location
        raise exc.located(file=name) from None
    out.attrs["format"] = spec.name
    out.attrs["rejected"] = problems_frame(problems, name)
    out.attrs["skipped"] = problems_frame(list(skipped), name)
    if problems:
        warnings.warn(
            f"{name}: {len({p.row for p in problems})} row(s) rejected; see receiptkit.rejected(frame)",
            RejectedSettlementWarning,
            stacklevel=3,
        )
    return out
