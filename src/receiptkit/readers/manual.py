"""Evidence typed in at the counter: :func:`proof` builds a one-row proofs frame.

>>> p = proof(amount="128.50", time="2026-11-20 14:32", last4="1234")
>>> int(p.at[0, "amount_minor"]), p.at[0, "ts_precision"], str(p.at[0, "ts"])
(12850, 'minute', '2026-11-20 06:32:00+00:00')

The time is read in Asia/Shanghai and kept in UTC, as every proofs reader keeps it (``tz=`` to keep another zone):

>>> str(proof(amount="128.50", time="2026-11-20 14:32", tz="Asia/Shanghai").at[0, "ts"])
'2026-11-20 14:32:00+08:00'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.money import normalise_currency, parse_amount
from receiptkit.readers.proofbase import DEFAULT_TZ_CN, finish
from receiptkit.schema import proofs_in_zone
from receiptkit.timeparse import parse_time_window, zone_option

__all__ = ["card_last4", "proof"]

# the last 4 of a card as typed: four digits, or a masked number ending in them ("**** 1234",
# "6222 **** **** 0128", "622588******5674"); NFKC has made full-width digits and stars ASCII
_LAST4 = re.compile(r"[0-9]{4}")
_MASKED_LAST4 = re.compile(r"(?:[0-9]{4,6}[ -]?)?[*xX•#](?:[*xX•# -]*[*xX•#])?[ -]?([0-9]{4})")
# the words staff type before the digits, as card SMS write them (field guide 1.1: 尾号1234, 卡号后四位): they say
# "the last digits" and nothing else, so they are left out ("尾号7761" is 7761)
_LAST4_WORDS = re.compile(
    r"^(?:(?:卡号?|银行卡|信用卡|储蓄卡)?(?:尾号|尾数|末四位|末4位|后四位|后4位)"
    r"|(?:card\s+)?(?:ending(?:\s+in)?|ends\s+in|last\s*(?:4|four)(?:\s+digits)?))\s*[:：]?\s*",
    re.IGNORECASE,
)


def card_last4(typed: object) -> str:
    """The last 4 digits of the card as typed at the counter: exactly four digits, or a masked number.

    ASCII or full-width digits (``"１２３４"``), spaces around them, or a masked card number ending in
    them (``"**** 1234"``), after the words that name them (``"尾号1234"``, ``"卡号后四位 1234"``,
    ``"ending 1234"``). Anything else raises :class:`ProofError` on ``last4``: ``"12345"`` was
    read as ``2345`` and ``"12-34"`` as ``1234``, another card than the one the customer said. A
    value holding more than four digits (a whole card number typed in) is never quoted: the error
    shows at most its last 4 (``************5674``).

    >>> card_last4("**** 1234"), card_last4("１２３４")
    ('1234', '1234')
    """
    text = unicodedata.normalize("NFKC", str(typed)).strip()
    text = _LAST4_WORDS.sub("", text, count=1)
    if _LAST4.fullmatch(text):
        return text
    masked = _MASKED_LAST4.fullmatch(text)
    if masked:
        return masked.group(1)
    digits = [c for c in text if c.isdigit()]
    if len(digits) > 4:  # a card number typed whole, or a digit too many: show no more than the last 4
        raise ProofError(
            f"last4 must be exactly four digits (the last 4 of the card); {len(digits)} digits were typed "
            "(a whole card number is never needed: give its last 4)",
            file="manual",
            row=1,
            column="last4",
            value="*" * (len(digits) - 4) + "".join(digits[-4:]),
        )
    raise ProofError(
        "last4 must be exactly four digits (the last 4 of the card)",
        file="manual",
        row=1,
        column="last4",
        value=typed,
    )


def _card_number_in(text: str) -> bool:
    """Whether ``text`` is, or holds, a whole card number (digits grouped or not, full-width or not).

    >>> _card_number_in("4111 1111 1111 1111"), _card_number_in("4200002971202611183306432119")
    (True, False)
    """
    from receiptkit.pan import find_full_pans, looks_like_card

    digits = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text if c not in " -\u3000")
    return (digits.isdigit() and looks_like_card(digits)) or bool(find_full_pans(text, strict=True))


def proof(
    amount: str | int,
    time: str | None = None,
    last4: str | None = None,
    reference: str | None = None,
    merchant: str | None = None,
    *,
    tz: str | None = None,
    currency: str = "CNY",
    direction: str = "debit",
    wallet_txn_id: str | None = None,
    order_no: str | None = None,
    terminal_id: str | None = None,
    ref: Any = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """One proof from what the customer tells or shows at the counter.

    ``amount`` is text read exactly (``"128.50"``, ``"¥128.5"``); ``time`` is
    read as a clerk types it (:func:`~receiptkit.timeparse.parse_time_window`)
    and keeps its precision and window: ``"14:32"`` is minute precision,
    ``"14点"`` the hour 14:00-15:00, ``"下午两点左右"`` 13:30-14:30,
    ``"11月3日 上午8点"``, ``"昨天 14:32"``, a date alone is day precision.
    ``tz`` is the zone the time is read in (default Asia/Shanghai); ``ts`` and ``ts_end`` are
    returned in UTC, or in ``tz`` when given, as by every proofs reader.
    ``ref`` is the reference: by default *now* in ``tz`` (a time alone or
    今天 is today, and a time later than now is refused, never moved to
    another day); a date gives the day of such texts instead. A numeric
    day/month (``"3/11 14:32"``) is read in the order ``dayfirst`` gives, by
    default in the order ``tz``'s territory writes (CLDR: ``Asia/Shanghai``
    11 March, ``Asia/Hong_Kong`` 3 November); where ``tz`` has none (``UTC``)
    a date read both ways is refused. ``last4`` is exactly
    four digits (ASCII or full-width) or a masked number ending in them
    (``"**** 1234"``), see :func:`card_last4`. Raises :class:`ProofError`
    naming the bad field.
    """
    where = "manual"
    given = zone_option(tz, error=ProofError, file=where, row=1, column="tz")
    tz = given or DEFAULT_TZ_CN
    try:
        currency = normalise_currency(currency) or ""  # "usd" is USD, "RMB" CNY
    except ReceiptkitError as exc:
        raise ProofError(exc.reason, file=where, row=1, column="currency", value=currency) from None
    if not currency:
        raise ProofError("empty currency", file=where, row=1, column="currency", value=currency)
    try:
        money = parse_amount(amount, currency)
    except ReceiptkitError as exc:
        reason = exc.reason
        if reason.startswith("a sign after the amount"):  # typed: the amount paid has no sign (F8: the advice
            bare = (
                str(amount).strip().rstrip("-+－").strip()
            )  # to write it in front was then refused as negative)
            reason = f"a sign after the amount: type the amount paid without a sign ({bare!r})"
        raise ProofError(reason, file=where, row=1, column="amount", value=amount) from None
    if money.minor < 0:  # the schema would name amount_minor; the clerk typed the amount
        raise ProofError(
            "the amount is negative: type the amount paid, without a sign",
            file=where,
            row=1,
            column="amount",
            value=amount,
        )
    ts = pd.NaT
    ts_end = pd.NaT
    precision = "day"
    date = pd.NaT
    if time is not None:
        try:
            window = parse_time_window(
                time, tz, ref=ref if ref is not None else pd.Timestamp.now(tz=tz), dayfirst=dayfirst
            )
        except ReceiptkitError as exc:
            raise ProofError(exc.reason, file=where, row=1, column="time", value=time) from None
        precision = window.precision
        if precision == "day":
            date = window.start.tz_localize(None).normalize()
        else:
            ts = window.start
            ts_end = window.end if window.end is not None else pd.NaT
    else:
        raise ProofError("a proof needs a time or a date", file=where, row=1, column="time")
    card = None if last4 is None else card_last4(last4)
    for column, value in (("wallet_txn_id", wallet_txn_id), ("order_no", order_no)):
        if value is not None and _card_number_in(str(value)):
            # a join key is kept as typed and shown whole: a card number there would be too
            raise ProofError(
                "a whole card number, not a wallet's transaction or order number (交易单号: 28-40 digits); "
                "give the card's last 4 digits as the last 4",
                file=where,
                row=1,
                column=column,
                value=value,
            )
    if direction not in ("debit", "credit"):
        raise ProofError(
            "direction must be debit or credit", file=where, row=1, column="direction", value=direction
        )
    frame = pd.DataFrame(
        {
            "proof_id": ["manual:pending"],
            "kind": ["manual"],
            "ts": pd.Series([ts], dtype=f"datetime64[ns, {tz}]") if ts is not pd.NaT else [pd.NaT],
            "ts_precision": [precision],
            "ts_end": pd.Series([ts_end], dtype=f"datetime64[ns, {tz}]"),
            "date": pd.Series([date], dtype="datetime64[ns]"),
            "amount_minor": [money.minor],
            "currency": [money.currency],
            "direction": [direction],
            "merchant_text": [merchant],
            "card_last4": [card],
            "reference": [reference],
            "wallet_txn_id": [wallet_txn_id],
            "order_no": [order_no],
            "terminal_id": [terminal_id],
            "source_row": [1],
            "raw": [{"amount": amount, "time": time, "last4": last4}],
        }
    )
    out = finish(frame, where, tz=tz)
    out["proof_id"] = pd.array([_proof_id(out.iloc[0], tz)], dtype=out["proof_id"].dtype)
    return proofs_in_zone(out, given)


_ID_FIELDS = (
    "amount_minor",
    "currency",
    "direction",
    "card_last4",
    "reference",
    "merchant_text",
    "wallet_txn_id",
    "order_no",
    "terminal_id",
)


def _proof_id(row: pd.Series, tz: str) -> str:
    """``manual:<hash>`` of what the typed evidence was resolved to, never of the text typed.

    The instant or window in UTC, the date of a date alone and the zone (``"3/11 14:32"`` is
    3 November in Hong Kong and 11 March in Shanghai: two proofs; ``"14:32"`` typed on two days, two
    proofs), the amount in minor units and the other fields as the validated frame holds them (card
    numbers already masked). The same payment typed two ways (``"3/11"`` and ``"2026-11-03"``,
    ``"１２３４"`` and ``"**** 1234"``) has one id, deterministic across runs.
    """

    def text(value: object) -> str:
        if value is None or (not isinstance(value, list | dict) and pd.isna(value)):
            return ""
        if isinstance(value, pd.Timestamp):
            return (
                value.tz_convert("UTC").isoformat() if value.tzinfo is not None else value.date().isoformat()
            )
        return str(value)

    parts = [
        "manual-v2",
        f"tz={tz}",
        f"ts={text(row.get('ts'))}",
        f"ts_end={text(row.get('ts_end'))}",
        f"precision={text(row.get('ts_precision'))}",
        f"date={text(row.get('date')) if row.get('ts_precision') == 'day' else ''}",
        *(f"{name}={text(row.get(name))}" for name in _ID_FIELDS),
    ]
    return "manual:" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]
