"""Screenshot metadata: the fields a payment-detail screen shows, as JSON.

A document is one object, a list of objects, or ``{"proofs": [...]}``. Keys
may be English or Chinese (see ``docs/proofs.md`` for the full table):

========================  ==========================================  ================
field                     keys accepted                               goes to
========================  ==========================================  ================
amount (required)         amount, total, 金额, 支付金额, 实付金额         amount_minor
time (required)           time, datetime, paid_at, 支付时间, 交易时间     ts / date
merchant                  merchant, payee, 商户, 商户名称, 收款方         merchant_text
transaction number        transaction_id, 交易单号, 交易号, 订单号        wallet_txn_id
merchant order number     order_no, 商户单号, 商家订单号                  order_no
payment method            payment_method, 支付方式, 付款方式              card_last4
========================  ==========================================  ================

Transaction numbers may be partial (``"4200…1234"``) as screens cut them;
they are kept as shown. ``source_row`` is the line where the object starts.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.money import normalise_currency, parse_amount
from receiptkit.pan import last4_of
from receiptkit.readers.proofbase import DEFAULT_TZ_CN, payment_state, read_records, read_text
from receiptkit.readers.screenshot_text import screen_time
from receiptkit.readers.table import source_name

__all__ = ["KEYS", "read", "sniff"]

KEYS: dict[str, tuple[str, ...]] = {
    "amount": ("amount", "total", "金额", "支付金额", "实付金额", "付款金额", "交易金额"),
    "currency": ("currency", "币种", "货币"),
    "time": ("time", "datetime", "paid_at", "timestamp", "支付时间", "交易时间", "付款时间", "创建时间"),
    "merchant": ("merchant", "merchant_name", "payee", "商户", "商户名称", "商户全称", "收款方", "交易对方"),
    "transaction_id": ("transaction_id", "txn_id", "交易单号", "交易号", "交易订单号", "订单号"),
    "order_no": ("order_no", "merchant_order_no", "商户单号", "商家订单号", "商户订单号"),
    "payment_method": ("payment_method", "支付方式", "付款方式", "收/付款方式"),
    "last4": ("card_last4", "last4", "卡号后四位", "卡号"),
    "reference": ("reference", "rrn", "auth_code", "凭证号", "参考号", "授权码"),
    "terminal_id": ("terminal_id", "终端号"),
    "direction": ("direction", "收/支"),
    "status": ("status", "当前状态", "交易状态", "支付状态"),
    "app": ("app", "source_app", "应用"),
    "kind": ("kind",),
}
_WALLET_APPS = re.compile(r"wechat|weixin|alipay|微信|支付宝|京东|jd|美团|meituan|云闪付|unionpay", re.I)
_DIRECTIONS = {"debit": "debit", "credit": "credit", "支出": "debit", "收入": "credit", "退款": "credit"}
_SNIFF = re.compile(r"^\s*[\[{]")


def sniff(head: str) -> bool:
    """True for a JSON document that carries an amount key."""
    return bool(_SNIFF.match(head)) and any(f'"{k}"' in head for k in KEYS["amount"])


_READ_KEYS = frozenset(key.lower() for keys in KEYS.values() for key in keys)


class _DuplicateKey(ValueError):
    """An object names one key twice (the key, and its other spelling, as written)."""


def _one_value_per_key(items: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's pairs as a dict, refusing a key named twice: ``json`` keeps the last value without a
    word, and a key read case-insensitively (``Amount`` beside ``amount``) would be whichever came last."""
    out: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for key, value in items:
        folded = key.strip().lower()
        if key in out or (folded in _READ_KEYS and folded in seen):
            first = seen.get(folded, key)
            raise _DuplicateKey(repr(first) if first == key else f"{first!r} (also as {key!r})")
        seen[folded] = key
        out[key] = value
    return out


def _records(text: str, name: str) -> list[tuple[int, Any]]:
    decoder = json.JSONDecoder(object_pairs_hook=_one_value_per_key)

    def line_of(position: int) -> int:
        return text.count("\n", 0, position) + 1

    def skip(position: int) -> int:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        return position

    try:
        start = skip(0)
        if start >= len(text):
            raise ProofError("empty JSON document", file=name, row=1)
        if text[start] == "{":
            obj, _end = decoder.raw_decode(text, start)
            if isinstance(obj, dict) and isinstance(obj.get("proofs"), list):
                match = re.compile(r'"proofs"\s*:\s*\[').search(text, start)
                position = match.end() if match else start
                return _array(text, position, decoder, line_of, skip)
            return [(line_of(start), obj)]
        if text[start] == "[":
            return _array(text, start + 1, decoder, line_of, skip)
    except json.JSONDecodeError as exc:
        raise ProofError(
            f"not valid JSON ({exc.msg})", file=name, row=exc.lineno, value=exc.doc[exc.pos : exc.pos + 20]
        ) from None
    except _DuplicateKey as exc:
        line = exc.args[1] if len(exc.args) > 1 else line_of(start)
        raise ProofError(
            f"the key {exc.args[0]} appears twice in one object: which value is meant is not known",
            file=name,
            row=line,
        ) from None
    except RecursionError:
        raise ProofError("JSON nested too deeply", file=name, row=1) from None
    raise ProofError(
        "not a JSON object or list", file=name, row=line_of(start), value=text[start : start + 20]
    )


def _array(
    text: str, position: int, decoder: json.JSONDecoder, line_of: Any, skip: Any
) -> list[tuple[int, Any]]:
    out = []
    position = skip(position)
    while position < len(text) and text[position] != "]":
        try:
            obj, end = decoder.raw_decode(text, position)
        except _DuplicateKey as exc:
            raise _DuplicateKey(exc.args[0], line_of(position)) from None
        out.append((line_of(position), obj))
        position = skip(end)
    if position >= len(text):
        raise json.JSONDecodeError("unterminated list", text, min(position, len(text)))
    return out


def _get(record: dict[str, Any], field: str) -> Any:
    lowered = {str(k).strip().lower(): v for k, v in record.items()}
    for key in KEYS[field]:
        value = lowered.get(key.lower())
        if value not in (None, ""):
            return value
    return None


def _row(record: Any, tz: str, ref: Any) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise ProofError("each proof must be a JSON object", value=str(record)[:40])
    amount = _get(record, "amount")
    if amount is None:
        raise ProofError("no amount", column="amount")
    if isinstance(amount, float):
        raise ProofError(
            "write the amount as a string or integer, not a JSON float", column="amount", value=amount
        )
    currency_text = _get(record, "currency")
    try:
        currency = normalise_currency(str(currency_text), "CNY") if currency_text else None
        money = parse_amount(amount if isinstance(amount, int) else str(amount), currency or "CNY")
    except ReceiptkitError as exc:
        raise ProofError(exc.reason, column="amount", value=amount) from None
    when = _get(record, "time")
    if when is None:
        raise ProofError("no time", column="time")
    try:
        parsed = screen_time(str(when), tz, ref if ref is not None else pd.Timestamp.now(tz=tz).date())
    except ReceiptkitError as exc:
        raise ProofError(exc.reason, column="time", value=when) from None
    last4 = _get(record, "last4")
    method = _get(record, "payment_method")
    card = last4_of(str(last4)) if last4 is not None else None
    if card is None and method is not None:
        hit = re.search(r"[(（\s*＊*](\d{4})[)）]?\s*$", str(method))
        card = hit.group(1) if hit else None
    direction_text = _get(record, "direction")
    status = _get(record, "status")
    direction = _DIRECTIONS.get(str(direction_text).strip().lower()) if direction_text else None
    signed = str(amount).strip()
    if direction is None and money.minor < 0:
        direction = "debit"  # payment screens show "-128.50" for money paid
    elif direction is None and signed.startswith("+"):
        direction = "credit"
    if direction is None:
        direction = "credit" if status and re.search(r"^退款成功$|^refunded$", str(status), re.I) else "debit"
    app = _get(record, "app")
    kind = _get(record, "kind") or ("wallet" if app and _WALLET_APPS.search(str(app)) else "issuer_app")
    day = parsed.precision == "day"

    def text(field: str) -> str | None:
        value = _get(record, field)
        return None if value is None else str(value)

    return {
        "kind": kind,
        "ts": pd.NaT if day else parsed.ts,
        "ts_precision": parsed.precision,
        "date": parsed.ts.tz_localize(None).normalize(),
        "amount_minor": abs(money.minor),
        "currency": money.currency,
        "direction": direction,
        "merchant_text": text("merchant"),
        "card_last4": card,
        "reference": text("reference"),
        "wallet_txn_id": text("transaction_id"),
        "order_no": text("order_no"),
        "terminal_id": text("terminal_id"),
        "payment_state": payment_state(status) if status else None,
        "raw": {
            str(k): (v if isinstance(v, str | int | bool) or v is None else str(v)) for k, v in record.items()
        },
    }


def read(
    source: Any,
    *,
    tz: str | None = None,
    strict: bool = True,
    ref: Any = None,
    name: str | None = None,
    **_: Any,
) -> pd.DataFrame:
    """Read a screenshot-metadata JSON document into a proofs frame."""
    name = name or source_name(source)
    zone = tz or DEFAULT_TZ_CN
    return read_records(
        _records(read_text(source, name), name),
        lambda record: _row(record, zone, ref),
        name=name,
        tz=zone,
        strict=strict,
        what="proofs",
        column="record",
    )
