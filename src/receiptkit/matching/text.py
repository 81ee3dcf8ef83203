"""Merchant text as banks and wallets print it, compared with the journal's name.

Bank descriptors are truncated, upper-cased and prefixed (``POS消费``,
``支付宝-``, ``财付通-``, ``SQ *``); wallet records carry the display name
with a branch in brackets. :func:`normalise_merchant` strips what carries no
identity and :func:`merchant_similarity` scores two names 0-100 with rapidfuzz.

>>> normalise_merchant("POS消费 瑞幸咖啡国贸店")
'瑞幸咖啡国贸店'
>>> merchant_similarity("SQ *HARBOUR BOOKS HONG KO", "Harbour Books Ltd") >= 85
True
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

__all__ = ["merchant_similarity", "normalise_merchant"]

_PREFIXES = re.compile(
    r"^(?:POS消费|POS|消费|快捷支付|网上支付|网银支付|银联在线|银联|云闪付APP|云闪付|"
    r"支付宝|财付通|微信支付|微信|抖音支付|美团支付|京东支付|扫码支付|"
    r"SQ|SQUARE|TST|SP|PAYPAL|PP|IZ|SUMUP|ZETTLE|APPLEPAY|GOOGLEPAY|QR)\s*[-－*＊:：/]*\s*",
    re.IGNORECASE,
)
_NOISE = re.compile(r"[\s\-_*＊·.,，。:：/\\'\"“”()（）\[\]【】]+")
_SUFFIXES = re.compile(
    r"(?:有限公司|有限责任公司|股份有限公司|公司|LTD|LIMITED|INC|CO|LLC|GMBH)$", re.IGNORECASE
)


@lru_cache(maxsize=65536)
def normalise_merchant(text: str) -> str:
    """Upper-case, strip payment prefixes, punctuation and company suffixes."""
    cleaned = unicodedata.normalize("NFKC", text).strip().upper()
    for _ in range(3):  # "支付宝-财付通-..." chains
        stripped = _PREFIXES.sub("", cleaned)
        if stripped == cleaned:
            break
        cleaned = stripped
    cleaned = _NOISE.sub("", cleaned)
    cleaned = _SUFFIXES.sub("", cleaned)
    return cleaned


@lru_cache(maxsize=65536)
def merchant_similarity(proof_text: str, merchant_name: str) -> float:
    """0-100: how well a proof's merchant text fits a journal merchant name.

    Truncated descriptors match a prefix of the name, so the score is the best
    of a partial ratio (the shorter inside the longer) and a token-set ratio.
    Very short texts (under 3 characters) score 0: they prove nothing.
    """
    a = normalise_merchant(proof_text)
    b = normalise_merchant(merchant_name)
    if len(a) < 3 or len(b) < 3:
        return 0.0
    if a in b or b in a:
        return 100.0
    partial = fuzz.partial_ratio(a, b) if min(len(a), len(b)) >= 4 else 0.0
    return float(max(partial, fuzz.token_set_ratio(a, b), fuzz.ratio(a, b)))
