"""Merchant text as banks and wallets print it, compared with the journal's name.

Bank descriptors are truncated, upper-cased and prefixed (``POS消费``,
``支付宝-``, ``财付通-``, ``SQ *``); wallet records carry the display name
with a branch in brackets. :func:`normalise_merchant` strips what carries no
identity and :func:`merchant_similarity` scores two names 0-100 with rapidfuzz.
:func:`parse_merchant` reads a name as a brand, a branch and a kind (a shop
sign, a legal entity, a payment platform or aggregator, a person), which is
what :class:`~receiptkit.matching.comparators.MerchantComparator` compares.

>>> normalise_merchant("POS消费 瑞幸咖啡国贸店")
'瑞幸咖啡国贸店'
>>> merchant_similarity("SQ *HARBOUR BOOKS HONG KO", "Harbour Books Ltd") >= 85
True
>>> parse_merchant("财付通-海底捞火锅(厦门中山路店")
MerchantName(text='财付通-海底捞火锅(厦门中山路店', kind='shop', brand='海底捞火锅', branch='厦门中山路', truncated=True, key='海底捞火锅厦门中山路店')
>>> parse_merchant("支付宝-北京三快在线科技有限公司").kind
'legal'
>>> parse_merchant("美团支付-美团支…").kind
'platform'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

__all__ = ["MerchantName", "merchant_similarity", "normalise_merchant", "parse_merchant"]

# wallet, acquirer and channel prefixes: Chinese ones may be glued to the name ("微信支付大商鲜生"),
# Latin ones need a delimiter ("SQ *", "PAYPAL*", "APPLEPAY ") so that "SPAR" keeps its "SP"
_CJK_PREFIXES = (
    "（特约）|\\(特约\\)|特约|境外消费|POS消费|POS|消费/预付款|消费|快捷支付|网上支付|网银支付|银联在线支付|银联在线|"
    "银联商务|银联二维码|银联消费|银联|云闪付APP扫码|云闪付APP|云闪付|跨行二维码支付|二维码支付|扫码支付|"
    "支付宝|财付通支付|财付通|微信支付\\(财付通\\)|微信支付|微信|抖音支付快捷|抖音支付|"
    "美团支付|美团APP|美团|京东支付|网银在线|钱袋宝支付|钱袋宝|联通支付|翼支付|收钱吧|拉卡拉"
)
# acquirers and aggregators whose name a bank may put before the payee (field guide 2.2: 银联商务 (chinaums), 汇付,
# 银盛支付, 通联, 富友, 随行付, 乐刷; 拉卡拉, 收钱吧, 钱袋宝 are channel prefixes above): read as a prefix only before a
# delimiter ("银联商务-小杨生煎", newcomer 20, H7), never glued (a shop may be called 富友超市), and before the
# channel prefixes, so that 银联商务- is not read as 银联 + a shop "商务" (银联商务 is one of those too, glued or alone)
_ACQUIRER_PREFIXES = "银联商务|汇付天下|汇付|银盛支付|银盛|通联支付|通联|富友支付|富友|随行付|乐刷"
_PREFIXES = re.compile(
    rf"^(?:(?:{_ACQUIRER_PREFIXES})\s*[-－—*＊:：/]+|"
    rf"(?:{_CJK_PREFIXES})\s*[-－—*＊:：/]*|"
    r"(?:SQ|SQUARE|TST|SP|PAYPAL|PP|IZ|SUMUP|ZETTLE|APPLEPAY|GOOGLEPAY|QR|SALES:|RETURN:|SALES|RETURN)"
    r"(?:\s*[-*＊:：/]+|\s+))\s*",
    re.IGNORECASE,
)
_NOISE = re.compile(r"[\s\-_*＊·.,，。:：/\\'\"“”()（）\[\]【】…?#]+")
_SUFFIXES = re.compile(
    r"(?:有限公司|有限责任公司|股份有限公司|公司|LTD|LIMITED|INC|CO|LLC|GMBH)$", re.IGNORECASE
)
_TRUNCATION = re.compile(r"(?:…+|\.{2,}|\*+|＊+)\s*$")
_COUNTRY_CODES = r"(?:CHN|CN|HKG|HK|JPN|JP|AUS|AU|USA|US|SGP|SG|TWN|TW|MAC|MO|KOR|KR)"
# a country code glued on (BOC: "...CHN") or a fixed-width tail of codes (HSBC HK: "MCDONALDS  CHN CN",
# "QR  YAHUI CATERING CO.,LTD.   CHN          CN"; ABC: "...  AU"): field guide 2.1.7 and 2.3
_COUNTRY = re.compile(
    rf"(?:(?<=[\u4e00-\u9fff)]){_COUNTRY_CODES}|\s+{_COUNTRY_CODES})(?:\s+{_COUNTRY_CODES})?$"
)
_TAIL_NOISE = re.compile(r"\s*(?:门店收款|扫码收款|收款码|收款)$")
_LEGAL = re.compile(
    r"(?:有限公司|有限责任公司|股份有限公司|个体工商户|有限公?$|公司$|集团$|科技有$|(?:科技|贸易|管理|餐饮|网络)有限?$|"
    r"\bCO\b\.?,?\s*LTD|COMPANY\s+LIMITED|CORPORATION$)",
    re.IGNORECASE,
)
_PLATFORM = re.compile(
    r"(?:平台商户|特约商户|平台第三方|第三方商户|^(?:美团|美团外卖|美团平台|大众点评|收钱吧|拉卡拉|钱袋宝|网银在线|京东|"
    r"京东商城|拼多多|淘宝|天猫|抖店|抖音|滴滴|滴滴出行|饿了么|财付通|支付宝|微信|微信支付|银联|云闪付|汇付|汇付天下|"
    r"银联商务|通联|通联支付|富友|随行付|乐刷|银盛|扫码点单|餐馆|商户|消费|MEITUAN|ALIPAY|WECHAT|TENPAY|UNIONPAY)$)",
    re.IGNORECASE,
)
_PLATFORM_WORDS = (
    "美团支付",
    "美团平台商户",
    "美团特约商户",
    "支付宝",
    "财付通",
    "微信支付",
    "钱袋宝支付",
    "京东支付",
    "云闪付",
)
_PREFIX_ONLY = re.compile(rf"(?:{_CJK_PREFIXES})+", re.IGNORECASE)
_PERSON = re.compile(r"(?:\*\*|未实名|^付款给|^转账|\d{3}\*+\d{2})")
_OPEN = "("
_CLOSE = ")"
# words that say "a place", for a branch in an unclosed (truncated) bracket without 店
_PLACE = re.compile(
    r"(?:路|街|道|巷|广场|中心|大厦|城|镇|村|区|县|市|站|场|湾|岛|港|门|桥|里|坊|园|苑|汇|天地|万达|万象|SOHO|店)"
)
# what a name may end with that is a kind of shop, not a branch ("全家便利店" is a brand)
_SHOP_TYPES = re.compile(
    r"^(?:便利店|超市|商店|商行|餐厅|饭店|酒店|旗舰店|专卖店|药店|药房|大药房|小吃店|面馆|咖啡店|咖啡馆|门店|分店|总店|"
    r"火锅店|烧烤店|奶茶店|水果店|蛋糕店|面包店|书店|花店|理发店|美容院|店)$"
)
_BRANCH_END = re.compile(r"(?:分店|门店|店)$")
_NOT_BRANCH = ("个体工商户", "特约", "未实名", "中国")


@lru_cache(maxsize=65536)
def _clean(text: str) -> tuple[str, bool]:
    """NFKC, upper case, prefixes, glued country codes and truncation marks removed; and whether cut."""
    cleaned = unicodedata.normalize("NFKC", text).strip().upper()
    cleaned = cleaned.replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")
    truncated = bool(_TRUNCATION.search(cleaned))
    cleaned = _TRUNCATION.sub("", cleaned).strip()
    # a country code glued to a channel or platform ("POS消费CHN", "网银在线CHN"; field guide 2.1.7) goes first,
    # so that what is left is read as the channel or platform it is, never as a shop called "CHN"
    cleaned = _COUNTRY.sub("", cleaned).strip()
    for _ in range(4):  # "支付宝-财付通-...", "美团支付-美团APP..."
        stripped = _PREFIXES.sub("", cleaned)
        left = len(_squash(stripped))
        if stripped == cleaned or left == 0:
            break  # nothing more, or only a platform's name (美团, 收钱吧) is left
        if left == 1 and truncated and any(w.startswith(_squash(cleaned)) for w in _PLATFORM_WORDS):
            break  # a cut platform's name (美团支付-美团支…): not a payee cut after one character (支付宝-古…)
        cleaned = stripped
    cleaned = _COUNTRY.sub("", _TAIL_NOISE.sub("", cleaned)).strip()
    truncated |= bool(_TRUNCATION.search(cleaned))
    cleaned = _TRUNCATION.sub("", cleaned).strip()
    return cleaned, truncated


def _squash(text: str) -> str:
    return _NOISE.sub("", text)


@lru_cache(maxsize=65536)
def normalise_merchant(text: str) -> str:
    """Upper-case, strip payment prefixes, punctuation and company suffixes."""
    cleaned, _ = _clean(text)
    return _SUFFIXES.sub("", _squash(cleaned))


@dataclass(frozen=True)
class MerchantName:
    """A merchant text read as a brand, a branch and a kind.

    ``kind``: ``shop`` (a shop sign, maybe with its branch), ``legal`` (a
    company or 个体工商户 name, which need not resemble the sign), ``platform``
    (a payment platform or aggregator: 美团, 收钱吧, 拉卡拉, 美团平台商户), ``person``
    (a personal payee: 支付宝-严, masked names) or ``empty`` (a prefix and nothing
    else). ``brand`` and ``branch`` are upper-cased, without punctuation; the
    branch without its trailing 店/分店/门店. ``truncated``: the text was cut
    (an ellipsis, a trailing ``*``, an unclosed bracket). ``key``: the whole
    name as :func:`normalise_merchant` writes it (aliases are compared on it).
    """

    text: str
    kind: str
    brand: str
    branch: str | None
    truncated: bool
    key: str


def _branch_core(text: str) -> str:
    return _BRANCH_END.sub("", _squash(text)) or _squash(text)


@lru_cache(maxsize=65536)
def parse_merchant(text: str) -> MerchantName:
    """Read a journal merchant name or a proof's merchant text (see :class:`MerchantName`)."""
    cleaned, truncated = _clean(text)
    key = _SUFFIXES.sub("", _squash(cleaned))
    if not key:
        return MerchantName(text, "empty", "", None, truncated, key)
    if _PERSON.search(cleaned) or (len(key) == 1 and "\u4e00" <= key <= "\u9fff" and not truncated):
        return MerchantName(text, "person", key, None, truncated, key)
    platform_prefix = any(word.startswith(key) for word in _PLATFORM_WORDS) and (truncated or len(key) >= 2)
    if _PREFIX_ONLY.fullmatch(key) and not (_PLATFORM.search(key) or platform_prefix):
        return MerchantName(text, "empty", "", None, truncated, key)  # a channel only: "POS消费", "银联消费"
    if _PLATFORM.search(key) or _PLATFORM.search(cleaned) or platform_prefix:
        return MerchantName(text, "platform", key, None, truncated, key)
    if _LEGAL.search(cleaned) or _LEGAL.search(key):
        return MerchantName(text, "legal", key, None, truncated, key)
    brand_text, branch = cleaned, None
    opened = cleaned.rfind(_OPEN)
    if opened > 0:
        closed = cleaned.find(_CLOSE, opened)
        inside = cleaned[opened + 1 : closed if closed >= 0 else None]
        inner = _squash(inside)
        after = cleaned[closed + 1 :].strip() if closed >= 0 else ""
        unclosed = closed < 0
        if inner and inner not in _NOT_BRANCH and not _squash(after):
            if not unclosed or "店" in inner or _PLACE.search(inner):
                brand_text, branch = cleaned[:opened], _branch_core(inner)
                truncated |= unclosed
            else:
                brand_text = cleaned[:opened]  # "(鸡柳拌饼益": cut, not known to be a branch
                truncated = True
    brand = _SUFFIXES.sub("", _squash(brand_text)) or key
    return MerchantName(text, "shop", brand, branch or None, truncated, key)


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
