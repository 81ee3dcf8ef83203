"""The channel a card statement line tells: a card at the shop's terminal, not a wallet payment.

A card's statement line names the merchant as the card network saw it.
When the card funded a wallet payment, the line names the wallet: field
guide 2.1.1, "wallet or channel prefix + payee" (``财付通-X``, ``支付宝-X``,
``美团支付-X``; ICBC's 交易场所 ``财付通-拼多多平台商户``, ``支付宝-金拱门(中国)有限公司``),
and UnionPay QR shows as a QR payment (§2.2: ``跨行二维码支付``,
``云闪付APP扫码-…``, ``QR  YAHUI CATERING CO.,LTD.`` on a Hong Kong card). A
line that names a shop and no wallet, QR or platform word
(``消费 蜀香阁(徐家汇店)``, ``SALES:   SHUXIANGGE CATERING  CHN CN``,
``POS消费CHN``) is a card payment at a terminal: of the journal's rows it fits
the ``card`` ones (and a wallet payment whose row shows the card that funded
it: the journal ties it to a card), and a WeChat, Alipay or UnionPay QR row
that shows no card only when a card funded it and the statement printed it
without its wallet, which the field guide never shows (``channel_wallet_ratio``).

That is what a clerk holding such a line uses first: of three sales of
121.00 that day, one by card and two by WeChat and Alipay, the line is the
card's. Without it the wallet rows (which show no card last 4) keep the line
``ambiguous`` however well its card fits.

Only **foreign cards'** statement lines are read so (:func:`foreign_lines`:
billed in a currency the journal does not hold, showing the original amount
beside the billed one in another currency, or naming the shop in Latin letters
only, field guide 2.3): a card issued abroad pays a shop here at its terminal,
and a wallet it funds shows the wallet (``APPLEPAY``, ``QR``). A domestic card's
line is left to the guard of :mod:`.guards` (which reads SMS and pushes, not
statement lines), and an SMS or a push may leave out the wallet of a wallet
payment it reports (field guide 1.1: ABC's "完成一笔消费交易" names nothing).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from receiptkit.matching.text import parse_merchant

__all__ = [
    "ALIPAY",
    "CARD",
    "WALLET",
    "WECHAT",
    "bank_not_terminal",
    "bank_not_terminal_of",
    "bank_wallets",
    "bank_wallets_of",
    "card_lines",
    "card_lines_of",
    "card_sales_named_by_wallet",
    "channel_codes",
    "channel_counts",
    "foreign_lines",
    "journal_channel_counts",
    "journal_channels",
    "journal_wallets",
    "not_at_terminal_pairs",
    "number_dates",
    "proof_wallets",
    "proof_wallets_of",
]

# words that say the card paid through a wallet, a QR code or a platform (field guide 2.1.1, 2.2, 2.3)
_NOT_A_TERMINAL = re.compile(
    r"财付通|微信|支付宝|美团|京东|网银在线|钱袋宝|抖音|拼多多|淘宝|天猫|云闪付|二维码|扫码|银联在线|快捷支付|网上支付|"
    r"网银支付|联通支付|翼支付|收钱吧|拉卡拉|平台|TENPAY|WECHAT|WEIXIN|ALIPAY|MEITUAN|UNIONPAY|PAYPAL|APPLEPAY|"
    r"GOOGLEPAY|SAMSUNGPAY|(?<![A-Z])QR(?![A-Z])|(?<![A-Z])PP\*",
    re.IGNORECASE,
)
_POS = re.compile(r"POS消费|POS\s*SALE|^SALES:", re.IGNORECASE)

CARD = 0  # journal channel card
WALLET = 1  # wechat, alipay, unionpay_qr
_UNKNOWN = -1  # other, or not given

# which wallet's record a proof is (proof_wallets), and what a journal row is to it (journal_wallets)
WECHAT = 0  # a WeChat Pay record showing its 交易单号; a wechat row
ALIPAY = 1  # an Alipay record showing its 交易订单号; an alipay row
CARD_SALE = 2  # a card row (the journal's channel card)


def card_lines(kinds: np.ndarray, texts: np.ndarray, foreign: np.ndarray | None = None) -> np.ndarray:
    """Which proofs are foreign cards' statement lines naming a shop and no wallet (see the module's text).

    ``foreign``: which proofs are a foreign card's (:func:`foreign_lines`); a
    text in Latin letters only is one too (field guide 2.3). None: all are.
    """
    out = np.zeros(len(kinds), dtype=bool)
    statement = np.asarray(kinds, dtype=object) == "bank_statement"
    cache: dict[str, bool] = {}
    for k in np.flatnonzero(statement):
        text = texts[k]
        if text is None or (isinstance(text, float) and text != text) or text is pd.NA:
            continue
        text = str(text)
        if text not in cache:
            cache[text] = _card_line(text)
        latin = text.isascii() and any(ch.isalpha() for ch in text)
        out[k] = cache[text] and (foreign is None or bool(foreign[k]) or latin)
    return out


# an amount with a currency code, as statements print the billed or the original amount ("USD 17.31", "2.28 USD")
_CODED_AMOUNT = re.compile(r"^\s*(?:([A-Z]{3})\s*-?[\d,]+(?:\.\d+)?|-?[\d,]+(?:\.\d+)?\s*([A-Z]{3}))\s*$")


def foreign_lines(proofs) -> np.ndarray:
    """Which proofs are a foreign card's: billed in a currency the journal does not hold, or showing beside
    their amount one in another currency (a line of the original CNY amount and the billed USD one)."""
    out = np.asarray(proofs.cur_code < 0, dtype=bool).copy()
    frame = proofs.frame
    if "raw" not in frame.columns:
        return out
    currencies = frame["currency"].astype(str).to_numpy()
    raws = frame["raw"].to_numpy(dtype=object)
    # only statement lines are read (card_lines)
    statement = frame["kind"].astype(object).to_numpy() == "bank_statement"
    for k in np.flatnonzero(statement & ~out):
        raw = raws[k]
        if not isinstance(raw, dict):
            continue
        for value in raw.values():
            found = _CODED_AMOUNT.match(value) if isinstance(value, str) else None
            code = (found.group(1) or found.group(2)) if found else None
            if code and code != currencies[k]:
                out[k] = True
                break
    return out


def card_lines_of(proofs) -> np.ndarray:
    """:func:`card_lines` of a :class:`~receiptkit.matching.evidence.ProofArrays` (computed once per batch)."""
    return proofs.per_proof(
        "card_lines",
        lambda every: card_lines(
            every.frame["kind"].astype(object).to_numpy(),
            np.asarray(every.merchant, dtype=object),
            foreign_lines(every),
        ),
    )


def _card_line(text: str) -> bool:
    if _NOT_A_TERMINAL.search(text):
        return False
    if _POS.search(text.strip()):
        return True
    return parse_merchant(text).kind in ("shop", "legal")


def _channel_words(channel: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's position in the column's distinct values, lower-cased (-1 where empty).

    A journal's channel column holds a handful of values over a million rows: they are lower-cased
    once each, not once per row.
    """
    from receiptkit.matching.index import _codes

    codes, values = _codes(channel)
    return codes, np.array([str(v).lower() for v in values], dtype=object)


def _is_one_of(words: tuple[np.ndarray, np.ndarray], *wanted: str) -> np.ndarray:
    """Per row: whether its lower-cased channel is one of ``wanted``."""
    codes, values = words
    hit = np.isin(values, list(wanted))
    if not len(values):
        return np.zeros(len(codes), dtype=bool)
    return hit[np.maximum(codes, 0)] & (codes >= 0)


def channel_codes(
    channel: pd.Series | None, shows_card: np.ndarray, words: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """``CARD``, ``WALLET`` or -1 per row, from the journal's ``channel`` and whether the row shows a card.

    ``words``: the column's ``_channel_words`` when already known.
    """
    if channel is None:
        return np.full(len(shows_card), _UNKNOWN, dtype=np.int8)
    words = _channel_words(channel) if words is None else words
    card = _is_one_of(words, "card")
    wallet = _is_one_of(words, "wechat", "alipay", "unionpay_qr")
    return np.select([card | (wallet & shows_card), wallet], [CARD, WALLET], _UNKNOWN).astype(np.int8)


def _journal_channel_words(index) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_channel_words` of the index's journal (computed once per index)."""
    cached = getattr(index, "_rk_channel_words", None)
    if cached is None or len(cached[0]) != len(index):
        cached = _channel_words(index.journal["channel"])
        object.__setattr__(index, "_rk_channel_words", cached)
    return cached


def channel_counts(codes: np.ndarray, shows_card: np.ndarray) -> np.ndarray:
    """Rows per (shows a card's last 4: 0/1) x (``CARD``, ``WALLET``, -1): counts that add up over partitions."""
    out = np.zeros((2, 3), dtype=np.int64)
    for has4 in (0, 1):
        mine = codes[shows_card == bool(has4)]
        out[has4] = [(mine == CARD).sum(), (mine == WALLET).sum(), (mine == _UNKNOWN).sum()]
    return out


def journal_channels(index) -> np.ndarray:
    """Per journal row: ``CARD``, ``WALLET`` or -1; computed once per index.

    ``CARD``: a card sale, or a wallet payment whose row shows the card that
    funded it (a card's last 4: the journal itself ties it to a card, and the
    card's statement may print it under the shop's name). ``WALLET``: a
    WeChat, Alipay or UnionPay QR payment whose row shows no card. -1: another
    channel (cash, other) or none given.
    """
    cached = getattr(index, "_rk_channel_codes", None)
    if cached is not None and len(cached) == len(index):
        return cached
    journal = index.journal
    channel = journal["channel"] if "channel" in journal.columns else None
    words = _journal_channel_words(index) if channel is not None else None
    codes = channel_codes(channel, index.last4_code >= 0, words)
    object.__setattr__(index, "_rk_channel_codes", codes)
    return codes


def journal_channel_counts(index) -> np.ndarray:
    """:func:`channel_counts` of the whole journal: the index's own, or the journal-wide ones a
    distributed run gave a slice's index (``channel_counts`` attribute, :mod:`.partial`)."""
    given = getattr(index, "channel_counts", None)
    if given is not None:
        return np.asarray(given)
    cached = getattr(index, "_rk_channel_counts", None)
    if cached is None or cached[0] is not journal_channels(index):
        codes = journal_channels(index)
        cached = (codes, channel_counts(codes, index.last4_code >= 0))
        object.__setattr__(index, "_rk_channel_counts", cached)
    return cached[1].copy()


# --------------------------------------------------------------------------- wallet records
# A WeChat Pay or Alipay record (a bill row, a bill detail or its screenshot) showing the wallet's own
# transaction number is a wallet payment at the shop: the merchant's terminal records it as a WeChat or
# Alipay payment even when a bank card funded it (支付方式 / 收/付款方式 names the card, field guide 4.1,
# 4.3, 4.4), so its row is never a card sale, nor the other wallet's payment.

# the numbers' observed forms (field guide 4.2, 4.4; observations, so a date inside must be a real one):
# WeChat's merchant-payment 交易单号 4200 + 6 digits + YYYYMMDD + 10 digits (28); Alipay's 交易订单号
# YYYYMMDD + 20 digits (TRADE, 28) or + 24 digits (32)
_WECHAT_NO = re.compile(r"^4200\d{6}(20\d{6})\d{10}$")
_ALIPAY_NO = re.compile(r"^(20\d{6})(?:\d{20}|\d{24})$")


@lru_cache(maxsize=4096)
def _a_date(digits: str) -> bool:
    try:
        pd.Timestamp(year=int(digits[:4]), month=int(digits[4:6]), day=int(digits[6:8]))
    except ValueError:
        return False
    return True


def _wallet_of_number(number: str) -> int:
    found = _WECHAT_NO.match(number)
    if found:
        return WECHAT if _a_date(found.group(1)) else _UNKNOWN
    found = _ALIPAY_NO.match(number)
    if found:
        return ALIPAY if _a_date(found.group(1)) else _UNKNOWN
    return _UNKNOWN


def _wallet_of_raw(raw: dict) -> int:
    keys = set(raw)
    # WeChat's export (交易单号 + 商户单号; Meituan's says 商家单号) or its bill detail (收单机构 财付通)
    if {"交易单号", "商户单号"} <= keys or "财付通" in str(raw.get("收单机构") or ""):
        return WECHAT
    # Alipay's export (交易订单号 + 交易对方; JD's names a 商户名称 instead)
    if {"交易订单号", "交易对方"} <= keys and "商户名称" not in keys:
        return ALIPAY
    # a screen of the wallet's own bill detail names its app (a screenshot read by OCR: the layout's app; a
    # screenshot's metadata: app / source_app / 应用): its 支付时间 is the wallet's (field guide 4.2, 4.4)
    app = " ".join(str(raw.get(k) or "") for k in ("app", "source_app", "应用"))
    if _WECHAT_APP.search(app):
        return WECHAT
    if _ALIPAY_APP.search(app):
        return ALIPAY
    return _UNKNOWN


_WECHAT_APP = re.compile(r"wechat\s*pay|weixin\s*pay|微信支付|^\s*微信\s*$|^\s*wechat\s*$", re.I)
_ALIPAY_APP = re.compile(r"alipay|支付宝", re.I)


def proof_wallets(kinds: np.ndarray, numbers: np.ndarray, raws) -> np.ndarray:
    """Per proof: ``WECHAT``, ``ALIPAY`` or -1: which wallet's record it is, when that is clear.

    Only a ``wallet`` proof that shows a wallet transaction number is read: by
    the columns of the export it came from (``raw``: WeChat's ``交易单号`` +
    ``商户单号``, or ``收单机构`` 财付通; Alipay's ``交易订单号`` + ``交易对方``; a
    screenshot's app, ``raw["app"]``: ``WeChat Pay 账单详情``, ``支付宝``),
    else by the unmasked number's observed form with a real date in it (WeChat
    ``4200…YYYYMMDD…``, 28 digits; Alipay ``YYYYMMDD…``, 28 or 32 digits). A
    masked number, JD's or Meituan's records, and a bank's text are not.
    """
    from receiptkit.matching.evidence import visible_id

    kinds = np.asarray(kinds, dtype=object)
    numbers = np.asarray(numbers, dtype=object)
    raws = np.asarray(raws, dtype=object) if raws is not None else np.full(len(kinds), None, dtype=object)
    out = np.full(len(kinds), _UNKNOWN, dtype=np.int8)
    shown = (kinds == "wallet") & ~pd.isna(numbers)
    for k in np.flatnonzero(shown):
        number = str(numbers[k]).strip()
        if not number:
            continue
        raw = raws[k]
        wallet = _wallet_of_raw(raw) if isinstance(raw, dict) else _UNKNOWN
        if wallet == _UNKNOWN:
            _, whole, masked = visible_id(number)
            wallet = _UNKNOWN if masked else _wallet_of_number(whole)
        out[k] = wallet
    return out


def number_dates(kinds: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """Per proof: the date a wallet record's own transaction number carries (``datetime64[D]``; NaT: none).

    Read from a ``wallet`` proof's whole (unmasked) number of an observed form
    with a real date in it (above: WeChat ``4200`` + 6 digits + ``YYYYMMDD`` +
    10 digits; Alipay ``YYYYMMDD`` + 20 or 24 digits). The date is the one the
    wallet's servers gave the order, in China time (field guide 4.2, 4.4).
    """
    from receiptkit.matching.evidence import whole_ids

    kinds = np.asarray(kinds, dtype=object)
    out = np.full(len(kinds), np.datetime64("NaT"), dtype="datetime64[D]")
    mine = np.flatnonzero(kinds == "wallet")
    if not len(mine):
        return out
    whole = whole_ids(np.asarray(numbers, dtype=object)[mine])
    shown = pd.notna(whole)
    if not shown.any():
        return out
    found = pd.Series(whole[shown], dtype=object).str.extract(_NUMBER_DATE)
    first, second = found[0].to_numpy(dtype=object), found[1].to_numpy(dtype=object)
    digits = pd.Series(np.where(pd.notna(first), first, second), dtype=object)
    dates = pd.to_datetime(digits, format="%Y%m%d", errors="coerce")  # 20261345 is no date: NaT
    out[mine[shown]] = dates.to_numpy().astype("datetime64[D]")
    return out


# either form, its date captured (the first group for WeChat's, the second for Alipay's)
_NUMBER_DATE = r"^(?:4200\d{6}(20\d{6})\d{10}|(20\d{6})(?:\d{20}|\d{24}))$"


def proof_wallets_of(proofs) -> np.ndarray:
    """:func:`proof_wallets` of a :class:`~receiptkit.matching.evidence.ProofArrays` (computed once per batch)."""

    def compute(every) -> np.ndarray:
        frame = every.frame
        raws = frame["raw"].to_numpy(dtype=object) if "raw" in frame.columns else None
        return proof_wallets(frame["kind"].astype(object).to_numpy(), every.wallet, raws)

    return proofs.per_proof("proof_wallets", compute)


def journal_wallets(index) -> np.ndarray:
    """Per journal row: ``WECHAT``, ``ALIPAY``, ``CARD_SALE`` or -1 (UnionPay QR, other, not given).

    From the ``channel`` alone: a WeChat row showing the card that funded it is
    a WeChat row here. A UnionPay QR row is -1: an acquirer may record a QR
    payment under a card scheme, so it is no clear case either way.
    """
    cached = getattr(index, "_rk_wallet_codes", None)
    if cached is not None and len(cached) == len(index):
        return cached
    journal = index.journal
    if "channel" not in journal.columns:
        codes = np.full(len(journal), _UNKNOWN, dtype=np.int8)
    else:
        words = _journal_channel_words(index)
        codes = np.select(
            [_is_one_of(words, "wechat"), _is_one_of(words, "alipay"), _is_one_of(words, "card")],
            [WECHAT, ALIPAY, CARD_SALE],
            _UNKNOWN,
        ).astype(np.int8)
    object.__setattr__(index, "_rk_wallet_codes", codes)
    return codes


# --------------------------------------------------------------------------- a bank's text naming the wallet
# A card's SMS, push or statement line names the wallet a card paid through in front of the payee (field guide
# 1.1 and 2.1 pattern 1: CMB ``在财付通-滴滴出行快捷支付``, ICBC ``支出(消费支付宝-北京三快在线科技有限公司)``,
# ABC ``完成财付通交易``, 邮储 ``微信支付（财付通）-``, BOC ``微信-NETSTARS CO.LTDCHN``, ICBC's 交易场所
# ``财付通-拼多多平台商户``). 财付通 (Tenpay) is WeChat Pay's payment company. Such a payment reached the shop's
# terminal as that wallet's payment: its row is the wallet's, not a card sale nor the other wallet's.
_WECHAT_WORDS = re.compile(r"财付通|微信|TENPAY|WECHAT|WEIXIN|WXPAY", re.IGNORECASE)
_ALIPAY_WORDS = re.compile(r"支付宝|ALIPAY", re.IGNORECASE)
_BANK_KINDS = ("sms", "issuer_app", "bank_statement")


def _bank_words(kinds: np.ndarray, texts: np.ndarray, raws) -> list[tuple[int, str]]:
    """The bank's texts (SMS, push, statement line) of a batch: per such proof with text, its position and its
    merchant text and whole message (``raw["text"]``) joined, NFKC-folded (full-width letters read as ASCII)."""
    import unicodedata

    kinds = np.asarray(kinds, dtype=object)
    texts = np.asarray(texts, dtype=object)
    raws = np.asarray(raws, dtype=object) if raws is not None else np.full(len(kinds), None, dtype=object)
    folded: dict[str, str] = {}
    out: list[tuple[int, str]] = []
    bank = np.isin(kinds, np.asarray(_BANK_KINDS, dtype=object))
    # a wallet's own screen says which app it is (raw["app"]: the screenshot readers keep the layout or the
    # document's app field): a WeChat Pay or Alipay payment screen is that wallet's payment, as a bank's text
    # naming the wallet is; only the app's name is read there (its payee is the shop's name, not the channel)
    screen = np.zeros(len(kinds), dtype=bool)
    for k in np.flatnonzero(kinds == "wallet"):
        raw = raws[k]
        screen[k] = isinstance(raw, dict) and isinstance(raw.get("app"), str)
    for k in np.flatnonzero(bank | screen):
        raw = raws[k]
        whole = raw.get("text") if isinstance(raw, dict) else None
        if screen[k]:
            texts_k: tuple[object, ...] = (raw["app"],)
        else:
            texts_k = (texts[k], whole)
        parts = [str(v) for v in texts_k if isinstance(v, str) and v.strip()]
        if not parts:
            continue
        words = " ".join(parts)
        if words not in folded:
            folded[words] = unicodedata.normalize("NFKC", words)
        out.append((int(k), folded[words]))
    return out


def bank_wallets(kinds: np.ndarray, texts: np.ndarray, raws) -> np.ndarray:
    """Per proof: ``WECHAT``, ``ALIPAY`` or -1: the one wallet a bank's text (SMS, push, statement line) names.

    The merchant text and the message's whole text (``raw["text"]``) are read;
    a text naming both wallets, or neither, is -1 (nothing said).
    """
    out = np.full(len(kinds), _UNKNOWN, dtype=np.int8)
    read: dict[str, int] = {}
    for k, words in _bank_words(kinds, texts, raws):
        if words not in read:
            wechat = _WECHAT_WORDS.search(words) is not None
            alipay = _ALIPAY_WORDS.search(words) is not None
            read[words] = WECHAT if wechat and not alipay else ALIPAY if alipay and not wechat else _UNKNOWN
        out[k] = read[words]
    return out


def _per_proof_of_bank_texts(proofs, key: str, read) -> np.ndarray:
    """``read(kinds, texts, raws)`` of a :class:`~receiptkit.matching.evidence.ProofArrays`, once per batch
    (kept under ``key``)."""

    def compute(every) -> np.ndarray:
        frame = every.frame
        raws = frame["raw"].to_numpy(dtype=object) if "raw" in frame.columns else None
        return read(frame["kind"].astype(object).to_numpy(), np.asarray(every.merchant, dtype=object), raws)

    return proofs.per_proof(key, compute)


def bank_wallets_of(proofs) -> np.ndarray:
    """:func:`bank_wallets` of a :class:`~receiptkit.matching.evidence.ProofArrays` (computed once per batch)."""
    return _per_proof_of_bank_texts(proofs, "bank_wallets", bank_wallets)


# --------------------------------------------------------------------------- a bank's text naming no terminal
# The same texts tell what the payment was not: a card at the shop's terminal. A card sale reaches the card's
# SMS and statement under the shop's name as the card network saw it (``消费 蜀香阁(徐家汇店)``, ``POS消费``,
# ``SALES:``); a payment the card made through WeChat Pay or Alipay shows the wallet in front of the payee
# (field guide 2.1 pattern 1: ``财付通-X``, ``支付宝-X``, ``微信支付X``; ABC ``完成财付通交易``), and the shop's
# terminal logged it as that wallet's payment, not as a card sale. Platform names are not read so: the field
# guide (2.4) lists a platform (美团平台商户) and its legal entity among the names the same purchase at the shop
# can reach the customer under, and 美团支付 / 京东支付 run aggregated terminals; nor are 快捷支付 (PSBC's SMS
# for any card debit, 1.1) and UnionPay QR (an acquirer may log it under a card scheme).
_NOT_TERMINAL_WORDS = re.compile(r"财付通|微信|TENPAY|WECHAT|WEIXIN|WXPAY|支付宝|ALIPAY", re.IGNORECASE)


def bank_not_terminal(kinds: np.ndarray, texts: np.ndarray, raws) -> np.ndarray:
    """Per proof: whether a bank's text (SMS, push, statement line) names WeChat Pay or Alipay as what the card
    paid through (one of them or both), so that the payment was no card sale at the shop's terminal (above).

    The merchant text and the message's whole text (``raw["text"]``) are read, NFKC-folded (full-width too).
    """
    out = np.zeros(len(kinds), dtype=bool)
    read: dict[str, bool] = {}
    for k, words in _bank_words(kinds, texts, raws):
        if words not in read:
            read[words] = _NOT_TERMINAL_WORDS.search(words) is not None
        out[k] = read[words]
    return out


def bank_not_terminal_of(proofs) -> np.ndarray:
    """:func:`bank_not_terminal` of a :class:`~receiptkit.matching.evidence.ProofArrays` (once per batch)."""
    return _per_proof_of_bank_texts(proofs, "bank_not_terminal", bank_not_terminal)


def not_at_terminal_pairs(proofs, index, p: np.ndarray, j: np.ndarray, policy) -> np.ndarray:
    """Per pair (proof ``p``, journal row ``j``): a bank's text naming WeChat Pay or Alipay
    (:func:`bank_not_terminal`) against a card sale (the journal's channel ``card``), where the proof is no
    foreign card's line naming a shop (:func:`card_lines`, weighed by its own levels) and the row's merchant
    is not one whose card sales are named so (``policy.card_sales_named_by_wallet``)."""
    if not len(p):
        return np.zeros(0, dtype=bool)
    named = bank_not_terminal_of(proofs)[p]
    if not named.any():
        return named
    hit = named & (journal_wallets(index)[j] == CARD_SALE) & ~card_lines_of(proofs)[p]
    exempt = set(policy.card_sales_named_by_wallet)
    if exempt and hit.any():
        merchants = np.array([str(m) in exempt for m in index.merchants] + [False], dtype=bool)
        hit &= ~merchants[index.merchant_code[j]]  # code -1 (no merchant) reads the last: not exempt
    return hit


def card_sales_named_by_wallet(hits: pd.DataFrame, kinds, texts, raws, policy) -> set[str]:
    """Journal merchants whose card sales the batch proves to reach bank texts naming a wallet.

    ``hits``: :func:`~receiptkit.matching.comparators.alias_hits` (``q`` indexes ``kinds``, ``texts``,
    ``raws``). A proof counts when its bank text names a wallet (:func:`bank_not_terminal`) and
    its strong number (RRN, auth code) leads to exactly one transaction, a card sale: the shop's terminal
    reports its card sales under a wallet's name (an aggregator's terminal, a jump code: field guide 2.1.8).
    A merchant needs ``policy.min_skew_votes`` such proofs; fewer teach nothing.
    """
    if not len(hits) or "card" not in hits.columns:
        return set()
    pairs = hits.drop_duplicates(["q", "r"])
    single = pairs[pairs.groupby("q")["r"].transform("nunique") == 1]
    single = single[single["card"].astype(bool)]
    if not len(single):
        return set()
    q = single["q"].to_numpy(dtype=np.int64)
    kinds = np.asarray(kinds, dtype=object)[q]
    texts = np.asarray(texts, dtype=object)[q]
    raws = np.asarray(raws, dtype=object)[q] if raws is not None else None
    named = single[bank_not_terminal(kinds, texts, raws)]
    counts = named.drop_duplicates("q")["merchant"].value_counts()
    return {str(m) for m, n in counts.items() if int(n) >= int(policy.min_skew_votes)}
