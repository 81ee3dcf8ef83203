"""The comparison library: one comparator object per evidence field.

In the style of splink's comparison library, a comparator names the levels a
(proof, transaction) pair can reach on its field, carries each level's ``m``
(how often the true transaction shows that level; a policy value) and
computes its ``u`` (how often a random transaction of the journal does), and
says in words what it read, for :func:`~receiptkit.matching.explain`.

A level's weight is ``ln(m / u)``. A level with ``m=None`` weighs nothing
(the field says nothing about which transaction it is: ``m = u``).

:class:`MerchantComparator` is the merchant field. It reads both names as a
brand, a branch and a kind (:func:`~receiptkit.matching.text.parse_merchant`)
and compares them:

=============== ===================================================== =========
level           when                                                  weighs
=============== ===================================================== =========
``alias``       the text is a known alias of the journal's merchant   for
``same branch`` same brand, same branch (truncation allowed)          for
``brand``       same brand, one side names no branch                  for
``similar``     the names are alike but not the same brand            a little
``neutral``     a legal entity, platform, aggregator or person,       nothing
                not known for this merchant; or a prefix only
``unrelated``   another name, of no known shop                        against
``other brand`` another shop sign (with a branch, or another          against,
                merchant of this journal)                             strongly
``other branch`` the same brand, another branch                       against,
                                                                      strongly
=============== ===================================================== =========

"Strongly" is chosen (``MatchPolicy.m_merchant_other_*``) so that amount,
time, card last 4 and a terminal id at their strongest cannot carry a proof
naming another shop to ``matched``; a strong identifier (wallet number, RRN,
auth code, order number) can, since a proof the journal holds the number of
was paid here whatever the statement calls the shop. Such matches teach the
merchant's aliases (:func:`learn_aliases`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from receiptkit.matching.latin import (
    bracket_branch,
    bracket_reading,
    english_places,
    is_english_place,
    pinyin_reading,
    places_nest,
    shared_start,
    taught_branch,
)
from receiptkit.matching.policy import MatchPolicy
from receiptkit.matching.text import (
    _SHOP_TYPES,
    MerchantName,
    _branch_core,
    _clean,
    _squash,
    merchant_similarity,
    parse_merchant,
)

if TYPE_CHECKING:  # at run time these modules import this one
    from receiptkit.matching.evidence import ProofArrays
    from receiptkit.matching.index import JournalIndex, Pairs

__all__ = [
    "ChannelComparator",
    "Comparator",
    "ComparisonLevel",
    "MerchantComparator",
    "MerchantTable",
    "Reading",
    "alias_hits",
    "alias_key",
    "aliases_from_hits",
    "learn_aliases",
]

# what a legal name carries besides the brand it is named after: places in brackets, a leading city or
# province, the line of business and the company form ("上海海悦餐饮管理有限公司" -> "海悦")
_REGION = re.compile(r"\([^)]*\)")
_LEGAL_CORE = re.compile(
    r"^(?:北京|上海|天津|重庆|广州|深圳|杭州|南京|苏州|成都|武汉|西安|厦门|福州|青岛|济南|长沙|郑州|合肥|宁波|"
    r"[\u4e00-\u9fff]{2}(?:省|市))|(?:餐饮管理|餐饮|管理|网络科技|信息科技|互联网科技|科技|贸易|商贸|实业|食品|连锁|"
    r"控股|企业|服务|文化|发展|投资|集团|股份|有限|公司|个体工商户|中国)+$"
)
# a registered name's leading city or province, and its legal form (what _LEGAL_CORE strips but the trade)
_LEADING_CITY = re.compile(
    r"^(?:北京|上海|天津|重庆|广州|深圳|杭州|南京|苏州|成都|武汉|西安|厦门|福州|青岛|济南|长沙|郑州|合肥|宁波|"
    r"[\u4e00-\u9fff]{2}(?:省|市))"
)
_LEGAL_FORM = re.compile(r"(?:有限责任公司|股份有限公司|有限公司|股份|有限|公司|集团|个体工商户)+$")
_U_FLOOR = 0.01  # the smallest u a level is given (a share of the journal estimated from few rows)


@dataclass(frozen=True)
class ComparisonLevel:
    """One agreement level of a field: its name, its m (``None``: weighs nothing) and what it means."""

    name: str
    m: float | None
    description: str = ""
    against: bool = False


@dataclass(frozen=True)
class Reading:
    """What a comparator read for one pair: the level and a line for people."""

    level: str
    note: str | None


class Comparator:
    """A field's comparator: its levels with their m, their weights from u, and explanation rows."""

    field: str = ""
    levels: tuple[ComparisonLevel, ...] = ()

    def level(self, name: str) -> ComparisonLevel:
        """The level called ``name``."""
        for level in self.levels:
            if level.name == name:
                return level
        raise KeyError(f"{self.field} has no level {name!r}")

    def code(self, name: str) -> int:
        """The position of a level in :attr:`levels`."""
        return [level.name for level in self.levels].index(name)

    @property
    def names(self) -> np.ndarray:
        """The level names as an object array (indexed by level code)."""
        return np.array([level.name for level in self.levels], dtype=object)

    def weights(self, u: np.ndarray) -> np.ndarray:
        """``ln(m / u)`` per level (u per level, last axis); 0 where m is ``None``."""
        u = np.maximum(np.asarray(u, dtype=float), _U_FLOOR)
        out = np.zeros(u.shape)
        for q, level in enumerate(self.levels):
            if level.m is not None:
                out[..., q] = np.log(level.m) - np.log(u[..., q])
        return out

    def compare(self, ctx: PairContext) -> tuple[np.ndarray, np.ndarray]:
        """Level names and weights of ``ctx``'s pairs (each comparator of :func:`comparators` has its own)."""
        raise NotImplementedError(f"{type(self).__name__} does not weigh pairs")

    def explanation_row(
        self, proof_value: object, journal_value: object, reading: Reading, weight: float
    ) -> dict[str, object]:
        """One row of the match-weight waterfall for this field."""
        return {
            "field": self.field,
            "proof_value": proof_value,
            "journal_value": journal_value,
            "level": reading.level,
            "bits": round(float(weight) / np.log(2), 2),
            "note": reading.note,
        }


# --------------------------------------------------------------------------- merchant


def alias_key(text: str) -> str:
    """How an alias is stored and compared: the name without prefixes, punctuation, suffixes or case."""
    return parse_merchant(str(text)).key


def _contains(a: str, b: str, shortest: int = 2) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= shortest and short in long


def _alike(a: str, b: str, strong: float) -> bool:
    if not a or not b:
        return False
    return a == b or _contains(a, b) or fuzz.ratio(a, b) >= strong


def _same_branch(a: str, b: str) -> bool:
    """Two branch names of one shop: equal, or one is the other with a place word in front.

    "上海五角场" and "五角场" agree (a city or district named on one side);
    "陆家嘴二" and "陆家嘴" do not (二店 is another shop), nor "厦门中山路" and
    "上海中山路".
    """
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return a == b or (len(short) >= 2 and long.endswith(short))


def _brand_of_legal(name: MerchantName) -> str:
    """The brand a legal name is named after: "瑞幸咖啡(中国)有限公司" -> "瑞幸咖啡" ("" when none is left)."""
    cleaned, _ = _clean(name.text)
    return _LEGAL_CORE.sub("", _squash(_REGION.sub("", cleaned)))


def _legal_has_trade(name: MerchantName, core: str) -> bool:
    """Whether a legal name shows a trade between its 字号 and its legal form: 上海老街 **餐饮管理** 有限公司."""
    cleaned, _ = _clean(name.text)
    rest = _LEGAL_FORM.sub("", _LEADING_CITY.sub("", _squash(_REGION.sub("", cleaned))))
    return bool(core) and rest.startswith(core) and len(rest) > len(core)


def _legal_names_brand(core: str, brand: str, trade: bool = False) -> bool:
    """Whether a legal name's core (its 字号, :func:`_brand_of_legal`) names the sign's brand.

    The core is the brand, begins it with three characters or more, or holds it. A core of two characters
    names a sign of four that it begins, and only where the name shows its trade (``trade``): a registered
    name is 行政区划 + 字号 + 行业 + 组织形式 and a 字号 has two characters or more (上海 + 老街 + 餐饮管理 +
    有限公司 for the sign 老街馄饨: its 字号 and what it sells, two and two). Two characters alone
    ("上海老街有限公司") say too little, and a longer sign's 字号 is longer than two (老码头火锅: 老码头, not 老码).
    """
    return (
        len(core) >= 2
        and bool(brand)
        and (
            core == brand
            or (len(core) >= 3 and brand.startswith(core))
            or (core.startswith(brand) and len(brand) >= 2)
            or (trade and len(core) == 2 and len(brand) == 4 and brand.startswith(core) and _cjk_only(brand))
        )
    )


def _cjk_only(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)


_LATIN_WORD = re.compile(r"[A-Z]{3,}")
_MASKED_TITLE = re.compile(r"^(?P<head>[^*\d]+?)(?P<stars>\*{1,8})(?P<tail>[^*\d]+)$")


def _masked_title_fits(text: str, journal: MerchantName) -> Reading | None:
    """A wallet's masked shop title ("麦**劳", "海底**锅"; field guide 4.4: "a shop name, often masked").

    Returns ``brand`` when its visible head and tail frame the journal's sign
    (the mask hides one to eight characters; a mask of two stars or more may
    hide none, as a fixed-width mask shows a two-character sign, 罗**森 for
    罗森: the field guide's WeChat payee ``(**强)`` shows two stars for a name
    of two or three characters, so the stars do not count what they hide),
    else ``None`` (the caller reads it as a person's name: neutral). Personal
    payees (付款给…(**强), 未实名) and fewer than two visible characters never fit.
    """
    cleaned, _ = _clean(text)
    if "付款给" in cleaned or "未实名" in cleaned or journal.kind != "shop":
        return None
    found = _MASKED_TITLE.match(re.sub(r"\s+", "", cleaned))
    if not found:
        return None
    head, tail = found["head"], found["tail"]
    if len(head) + len(tail) < 2:
        return None
    hidden = r".{0,8}" if len(found["stars"]) >= 2 else r".{1,8}"
    pattern = re.compile(re.escape(head) + hidden + re.escape(tail))
    for target in (journal.brand, journal.key):
        if target and pattern.fullmatch(target):
            return Reading("brand", f"brand — the masked title {head}*{tail} fits {journal.brand}")
    return None


# a personal account (field guide 2.1 item 5, and 5 "QR swap"): an Alipay payee shown as a masked phone number, or
# marked 未实名 (not real-name verified: an account that has not passed the checks a merchant's account passes)
_PERSONAL_ACCOUNT = re.compile(r"未实名|^\d{3}\*+\d{2,4}")
# WeChat's personal payee: the nickname, then the owner's masked real name ("付款给酱骨头焖面(**强)")
_NICKNAME = re.compile(r"^(?:付款给|转账给)?(?P<nick>[^()*]+?)\((?:\*+)(?P<name>[^()*]{1,3})\)$")
# what ends a shop's (or its branch's) name, never a person's: "蜀香阁(**店)" is a masked branch, "**店" a masked title
_SHOP_END = re.compile(r"[店铺馆厅行部场城坊园站号家屋楼]$")


def _personal_payee(text: str, journal: MerchantName) -> Reading | None:
    """A payee that is a person's account (field guide 2.1 item 5, and 5: "Paid, but to another account (QR swap)
    ... a genuine payment whose payee is not the shop"), read against a journal merchant.

    - An Alipay account shown as a masked phone number or marked 未实名 is a personal account: ``unrelated``
      (a shop's terminal takes a payment on a merchant's account, and the police advice is to check the payee).
    - WeChat's ``付款给<nickname>(**<name>)``: a person's collection code (its owner's masked real name in
      brackets), whatever its nickname (``酱骨头焖面(**强)``, or a nickname copying this shop's name): a shop's
      terminal takes WeChat payments on a merchant account, which shows the merchant's name, so such a payment
      is not one of its rows: ``unrelated``.
    - A person's name shown as one character (``**伟``, ``*强``, ``支付宝-严``: a real name masked but for one
      character, or a surname): ``unrelated``; a shop's masked title shows more of itself (``小白**店``).
    - Anything else (a masked title of two characters or more that does not fit this shop's sign: it may be the
      shop's title as the wallet registered it) is ``None``: neutral, as before.
    """
    if journal.kind != "shop":
        return None
    cleaned, _ = _clean(text)
    cleaned = re.sub(r"\s+", "", cleaned)
    if _PERSONAL_ACCOUNT.search(cleaned):
        return Reading(
            "unrelated", f"unrelated — {cleaned} is a personal account, not a merchant's (a swapped QR code?)"
        )
    found = _NICKNAME.match(cleaned)
    if found and len(_squash(found["nick"])) >= 1 and not _SHOP_END.search(found["name"]):
        return Reading(
            "unrelated",
            f"unrelated — {cleaned} is a person's collection code (named {found['nick']}), not a merchant's "
            "account (a swapped QR code?)",
        )
    visible = _squash(re.sub(r"[*＊]", "", cleaned))
    if len(visible) == 1 and "\u4e00" <= visible <= "\u9fff" and not _SHOP_END.search(visible):
        return Reading(
            "unrelated", f"unrelated — {cleaned} is a person's name, not a shop's (a payment to a person?)"
        )
    return None


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _latin_only(text: str) -> bool:
    """Letters, digits and marks, and no Chinese: how a foreign card line prints a name."""
    return bool(text) and text.isascii() and any(ch.isalpha() for ch in text)


def _branch_label(branch: str) -> str:
    """A branch as people write it: "五角场" -> "五角场店"."""
    return branch if branch.endswith("店") else f"{branch}店"


_LEADING_REGION = re.compile(
    r"^(?:(?:北京|上海|天津|重庆|广州|深圳|杭州|南京|苏州|成都|武汉|西安|厦门|福州|青岛|济南|长沙|郑州|合肥|宁波)市?"
    r"|[\u4e00-\u9fff]{1,4}?(?:省|市|区|县))+"
)
_ADMIN_WORD = re.compile(r"[省市区县]")  # an administrative division's word in a region (上海市, 闵行区)
_TRADE_TAIL = re.compile(
    r"(?:饮品店|饮品|奶茶店|茶饮店|餐饮店|餐厅|饭店|火锅店|小吃店|面馆|咖啡店|咖啡馆|便利店|超市|商店|商行|门店|分店|店)$"
)


# what a company's registered name ends with before its legal form (企业名称: 行政区划 + 字号 + 行业 + 组织形式)
_TRADE_WORDS = (
    "餐饮管理",
    "企业管理",
    "网络科技",
    "信息科技",
    "信息技术",
    "互联网科技",
    "在线科技",
    "电子商务",
    "文化传播",
    "科技",
    "贸易",
    "商贸",
    "实业",
    "食品",
    "连锁",
    "控股",
    "投资",
    "管理",
    "餐饮",
)
# channel words a descriptor may be cut inside ("跨行二维码…" of 跨行二维码支付; field guide 2.2)
_CHANNEL_WORDS = (
    "跨行二维码支付",
    "银联二维码",
    "云闪付APP扫码",
    "银联在线支付",
    "快捷支付",
    "网上支付",
    "网银支付",
)


def _trade_cut(name: str) -> int:
    """How many trailing characters of a cut name are a trade word or its start ("餐饮管" of 餐饮管理); 0: none.

    Only starts of two characters or more count: one character ("管") may end any sign."""
    best = 0
    for word in _TRADE_WORDS:
        for k in range(len(word), 1, -1):
            if name.endswith(word[:k]):
                best = max(best, k)
                break
    return best


def _cut_name_reading(proof: MerchantName, journal: MerchantName) -> Reading | None:
    """A cut text that is not a sign: the start of a company's name, or of a channel word.

    Banks cut descriptors to a fixed width (field guide 2.1), and what is cut
    is often a registered name ("上海老码头餐饮管…", "北京三快在线科技…",
    "上海闵行区莘庄一…": a place of registration in front, a trade word at the
    end) or a channel ("跨行二维码…"). Such a text is not another shop's sign:
    it is read as the legal entity it begins (``brand`` when that entity is
    named after the journal's brand, as a whole legal name is, else
    ``neutral``), or as a channel only (``neutral``). ``None``: a sign.
    """
    key = proof.key
    if len(key) >= 2 and any(word.startswith(key) for word in _CHANNEL_WORDS):
        return Reading("neutral", f"neutral — {key}… is a payment channel cut short")
    region = _LEADING_REGION.match(key)
    trade = _trade_cut(key)
    if not trade and (not region or (not _ADMIN_WORD.search(region.group()) and len(key) - region.end() > 2)):
        # a city alone in front begins shops' signs as often as registered names (南京大牌档德基广…,
        # 北京烤鸭王府井…): it is a place of registration only with its administrative word (上海闵行区…,
        # 上海市…) or with no more than a place's start after it (上海闵行…)
        return None
    core = key[region.end() if region else 0 : len(key) - trade]
    core = _LEGAL_CORE.sub("", core)
    if journal.kind == "shop" and _legal_names_brand(core, journal.brand, trade=trade > 0):
        return Reading("brand", f"brand — {key}…, a company's name cut short, is named after {journal.brand}")
    return Reading(
        "neutral", f"neutral — {key}… reads as a company's name cut short, not known for this merchant"
    )


def _cut_group(proof: MerchantName) -> str:
    """The start of a branch cut inside its bracket and not read as one: "徐家" of "老码头火锅(徐家…".

    "" when the text has no unclosed bracket group after its brand (or the group was read as a branch).
    """
    if proof.branch is not None or not proof.truncated:
        return ""
    cleaned, _ = _clean(proof.text)
    opened = cleaned.rfind("(")
    if opened <= 0 or ")" in cleaned[opened:]:
        return ""
    return _squash(cleaned[opened + 1 :])


def _may_begin(group: str, branch: str) -> bool:
    """A cut group may be the start of the branch: it begins it, holds it, or ends with its start (a city in
    front, "上海五" for 五角场)."""
    return branch in group or any(branch.startswith(group[k:]) for k in range(len(group)))


def _place_before(name: str, brand: str) -> str:
    """The place word a shop's own name puts before its brand: "闵行区七宝一点点饮品店" -> "七宝" for 一点点.

    Cities, districts and counties in front (上海, 闵行区) and the trade after the brand (饮品店) are not a
    place of a branch; "" when the brand is not in the name, or what is left is not two to four Chinese
    characters in front of the brand and nothing after it.
    """
    if len(brand) < 2 or brand not in name:
        return ""
    head, _, tail = name.partition(brand)
    if _TRADE_TAIL.sub("", tail):
        return ""
    head = _LEADING_REGION.sub("", head)
    if 2 <= len(head) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in head):
        return head
    return ""


def _place_reading(place: str, journal: MerchantName) -> Reading | None:
    """A place word of a shop's own name against the journal's branch of the same brand."""
    j_branch = journal.branch
    if not place or not j_branch:
        return None
    if _same_branch(place, j_branch) or j_branch.startswith(place) or place.endswith(j_branch):
        return Reading("same branch", f"same branch — {place} is {_branch_label(j_branch)}")
    return Reading("other branch", f"other branch — {place} vs {_branch_label(j_branch)}")


_LEVELS_READ: dict[tuple, str] = {}  # MerchantComparator._level
_LEVELS_KEPT = 1 << 17


def _bracket_place(text: str) -> str:
    """The listed Hong Kong place in the closed bracket of a Latin-only text ("" when none)."""
    if not _latin_only(parse_merchant(text).key):
        return ""
    group = bracket_branch(_clean(text)[0])
    return group[0] if group is not None and group[1] and is_english_place(group[0]) else ""


def _at_place(place: str, branch: str) -> bool:
    """Whether a journal branch is at a listed place (its English name, or a place inside it or holding it)."""
    places = english_places(branch)
    return place in places or any(places_nest(place, p) for p in places)


def _other_place(proof: MerchantName, journal: MerchantName) -> Reading | None:
    """``other branch`` when a Latin line's bracket names a Hong Kong place and the journal's branch is
    another one ("TSUI WAH RESTAURANT (CENTRAL)" or "KAM KEE CAFE (MONG KOK)" against 金記茶餐廳(銅鑼灣店)):
    a shop in Causeway Bay is not the one at Central, whatever the brand (field guide 2.1.4). None otherwise
    (no bracket, a place not listed, or the journal's branch not a listed place)."""
    if journal.kind != "shop" or not journal.branch:
        return None
    group = bracket_branch(_clean(proof.text)[0])
    if group is None or not group[1] or not is_english_place(group[0]):
        return None
    places = english_places(journal.branch)
    if not places or group[0] in places or any(places_nest(group[0], p) for p in places):
        return None
    # another shop, not 'other branch': nothing says the line is of this brand, and 'other branch' would make the
    # batch take it for a shop of this brand, so against every other shop of the journal (its own included)
    return Reading(
        "other brand",
        f"other brand — ({group[0]}) is another place than {_branch_label(journal.branch)}: another shop",
    )


def _place_after(key: str, head: str, journal: MerchantName) -> Reading | None:
    """``other branch`` when what a Latin text holds after a known name (``head``, glued), without trade words,
    cities, territories and country codes, is a listed Hong Kong place other than the journal's branch
    ("KAMKEECAFEMONGKOK" after KAMKEECAFE against 金記茶餐廳(銅鑼灣店)): a card line's fixed-width name runs
    into its city column without brackets (field guide 2.1.7), and the place is the outlet (2.1.4). None when
    it is nothing listed, the journal's place, a place inside it or holding it, or the journal's branch is no
    listed place. A shop's number before the place ("#02", "NO.2") is left out; a place in Chinese after a
    Latin name ("KAM KEE CAFE 旺角") is read by its pinyin."""
    if journal.kind != "shop" or not journal.branch or not key.startswith(head):
        return None
    tail = key[len(head) :]
    places = english_places(journal.branch)
    if not places:
        return None
    if _latin_only(key):
        # a shop's number before the city column ("KAM KEE CAFE #02 MONG KOK", "NO.2", "SHOP 12") is no place
        rest = taught_branch(re.sub(r"NO(?=[0-9])|[^A-Z]", "", tail))
    elif re.fullmatch(r"[\u4e00-\u9fff]+", tail) and _latin_only(head):
        # the branch in Chinese after the Latin name ("KAM KEE CAFE 旺角"): a listed place read by its pinyin
        named = english_places(tail)
        if not named or named & places:
            return None
        rest = min(named)
    else:
        return None
    if not rest or not is_english_place(rest):
        return None
    if rest in places or any(places_nest(rest, p) for p in places):
        return None
    return Reading(
        "other branch",
        f"other branch — {rest} after {head} is another place than {_branch_label(journal.branch)}",
    )


def _alias_reading(
    proof: MerchantName, journal: MerchantName, merchant_name: str, known: list[str]
) -> Reading | None:
    """The reading of a text by the merchant's known aliases (keys), or None when no alias applies.

    A text that is an alias, or the start of one (cut by a fixed-width field), is that alias. A text that
    starts with an alias and goes on is the alias with something after it (a city, a country code glued
    on: "LUCKINCOFFEEBEIJINGCHN"), unless what follows is a branch in brackets on a Latin line ("KAM KEE
    CAFE (MONG KOK)"): the branch is what tells two outlets of one brand apart (field guide 2.1.4), so it
    is compared. With an alias of the same brand that holds a branch ("KAM KEE CAFE (CAUSEWAY BAY)"), it
    is that branch (``alias``) or another (``other branch``); with aliases of the brand only, the branch
    is read as pinyin of the journal's (``same branch`` / ``other branch``), or else the text names the
    brand and a branch nobody taught (``brand``).
    """
    key = proof.key
    if key in known:
        return Reading("alias", f"alias — {key} is a known name of {merchant_name}")
    if len(key) >= 4 and any(len(a) >= 4 and a.startswith(key) for a in known):
        return Reading("alias", f"alias — {key} begins a known name of {merchant_name}")
    roots = [a for a in known if len(a) >= 4 and key.startswith(a)]
    group = bracket_branch(_clean(proof.text)[0]) if _latin_only(key) else None
    if group is not None and len(proof.brand) >= 4:
        letters, closed = group
        brand = proof.brand
        # a known name of the line's brand: longer (it may hold a branch after the brand) or shorter ("KAMKEE"
        # for KAM KEE CAFE (MONG KOK): the bracket is compared all the same)
        same_brand = [a for a in known if len(a) >= 4 and (a.startswith(brand) or brand.startswith(a))]
        if same_brand:
            # what a longer name holds after the brand, when it is a branch (not a trade word, city or country)
            taught = sorted(
                {
                    (rest, taught_branch(rest))
                    for a in same_brand
                    for rest in [a[len(brand) :]]
                    if taught_branch(rest)
                }
            )
            if any(
                form == letters or (not closed and form.startswith(letters))
                for pair in taught
                for form in pair
            ):
                return Reading("alias", f"alias — {key} is a known name of {merchant_name}")
            nest = any(places_nest(letters, form, closed) for pair in taught for form in pair)
            if taught and not nest:
                return Reading(
                    "other branch",
                    f"other branch — ({letters}) vs the branch{'es' if len(taught) > 1 else ''} "
                    + ", ".join(f"{branch} of {brand}{rest}" for rest, branch in taught)
                    + f", known name{'s' if len(taught) > 1 else ''} of {merchant_name}",
                )
            if journal.kind == "shop" and journal.branch:
                level = bracket_reading(_clean(proof.text)[0], journal.branch)
                if level == "same branch":
                    return Reading(
                        "same branch", f"same branch — ({letters}) is {_branch_label(journal.branch)}"
                    )
                # another branch when the line writes branches as the journal's can be read: in pinyin (its
                # brand is the pinyin of the sign's) or a Hong Kong place by its English name
                pinyin_brand = pinyin_reading(_clean(proof.text)[0], journal.brand, None) is not None
                if level == "other branch" and (pinyin_brand or is_english_place(letters)):
                    return Reading(
                        "other branch", f"other branch — ({letters}) is not {_branch_label(journal.branch)}"
                    )
            return Reading(
                "brand",
                f"brand — {brand} is a known name of {merchant_name}; its branch ({letters}) is not known",
            )
    if roots:
        root = max(roots, key=len)
        place = _place_after(key, root, journal)
        if place is not None:
            return place
        return Reading("alias", f"alias — {key} is {root}, a known name of {merchant_name}")
    return None


class MerchantComparator(Comparator):
    """The merchant field: brand, branch and kind of the proof's text against the journal's name."""

    field = "merchant"

    def __init__(self, policy: MatchPolicy | None = None) -> None:
        p = policy or MatchPolicy()
        self.strong = p.merchant_strong
        self.partial = p.merchant_partial
        self.levels = (
            ComparisonLevel("alias", p.m_merchant_alias, "a known alias of the journal's merchant"),
            ComparisonLevel("same branch", p.m_merchant_branch, "same brand and branch"),
            ComparisonLevel("brand", p.m_merchant_brand, "same brand; one side names no branch"),
            ComparisonLevel("similar", p.m_merchant_similar, "alike, but not read as the same brand"),
            ComparisonLevel("neutral", None, "legal entity, platform, aggregator or person not known here"),
            ComparisonLevel("unrelated", p.m_merchant_unrelated, "another name", against=True),
            ComparisonLevel("other brand", p.m_merchant_other_brand, "another shop", against=True),
            ComparisonLevel("other branch", p.m_merchant_other_branch, "another branch", against=True),
        )

    def read(self, proof_text: str, merchant_name: str, aliases: Iterable[str] = ()) -> Reading:
        """The level of one proof text against one journal merchant name, and the reading in words."""
        proof = parse_merchant(str(proof_text))
        journal = parse_merchant(str(merchant_name))
        if proof.kind == "empty":
            return Reading("neutral", "the text names no merchant (a payment channel only)")
        known = [str(a) for a in aliases if a]
        if known:
            by_alias = _alias_reading(proof, journal, merchant_name, known)
            if by_alias is not None:
                return by_alias
        if proof.kind == "person":
            masked = _masked_title_fits(proof.text, journal)
            if masked is not None:
                return masked
            personal = _personal_payee(proof.text, journal)
            if personal is not None:
                return personal
        if (
            proof.kind in ("shop", "legal")
            and _latin_only(proof.key)
            and _has_cjk(journal.key)
            and not _LATIN_WORD.search(journal.key)
        ):
            # a foreign card's line prints the name in Latin letters only (field guide 2.3: Stripe strips
            # non-ASCII, HSBC HK "SALES:   MCDONALDS  CHN CN"): read as pinyin of the sign (matching.latin),
            # or not comparable with a Chinese sign
            if journal.kind == "shop":
                level = pinyin_reading(_clean(proof.text)[0], journal.brand, journal.branch)
                if level == "same branch":
                    return Reading(
                        "same branch",
                        f"same branch — {proof.key} spells {journal.key} (pinyin, or a place by its English name)",
                    )
                if level == "brand":
                    return Reading("brand", f"brand — {proof.key} spells {journal.brand} in pinyin")
                if level == "other branch":
                    return Reading(
                        "other branch",
                        f"other branch — {proof.key} spells {journal.brand} in pinyin, "
                        f"not {_branch_label(journal.branch or '')}",
                    )
            place = _other_place(proof, journal)
            if place is not None:
                return place
            latin_known = sorted(a for a in known if len(a) >= 4 and _latin_only(a))
            if latin_known and proof.kind == "shop":
                # the shop's names on foreign cards' lines are known (declared, or learned): a sign in Latin
                # letters that is none of them, nor its pinyin, is another shop's, as a Chinese sign would be; one
                # whose first words begin a known name is the brand's own company or its name with a city
                shared = shared_start(_clean(proof.text)[0], latin_known)
                place = _place_after(proof.key, shared.replace(" ", ""), journal) if shared else None
                if place is not None:
                    return place
                if shared:
                    return Reading(
                        "neutral",
                        f"neutral — {proof.key} begins with {shared}, as {merchant_name}'s known card-line name "
                        f"{next(a for a in latin_known if a.startswith(shared.replace(' ', '')))} does",
                    )
                if bracket_branch(_clean(proof.text)[0]) is not None:
                    return Reading(
                        "other brand",
                        f"other brand — {proof.key} is a sign with a branch; {merchant_name} is known on "
                        f"card lines as {', '.join(latin_known)}",
                    )
                return Reading(
                    "unrelated",
                    f"unrelated — {proof.key}; {merchant_name} is known on card lines as {', '.join(latin_known)}",
                )
            return Reading("neutral", f"neutral — {proof.key} is in Latin letters, {journal.key} is not")
        if proof.kind == "shop" and journal.kind == "shop":
            return self._shops(proof, journal)
        if proof.kind == "legal" and journal.kind == "shop":
            core = _brand_of_legal(proof)
            if "个体工商户" in proof.key:
                # a sole trader is one shop: "上海闵行区七宝一点点饮品店(个体工商户)" names its place (七宝)
                place = _place_reading(_place_before(core, journal.brand), journal)
                if place is not None:
                    return place
            # "瑞幸咖啡(中国)有限公司" for "瑞幸咖啡(陆家嘴店)"; "上海老街餐饮管理有限公司" for "老街馄饨(徐家汇店)"
            if _legal_names_brand(core, journal.brand, trade=_legal_has_trade(proof, core)):
                return Reading(
                    "brand", f"brand — the legal entity {proof.key} is named after {journal.brand}"
                )
        score = merchant_similarity(str(proof_text), str(merchant_name))
        if score >= self.strong:
            return Reading("brand", f"brand — {proof.key} fits {journal.key}")
        what = {
            "legal": "a legal entity",
            "platform": "a payment platform or aggregator",
            "person": "a person",
        }
        kind = proof.kind if proof.kind != "shop" else journal.kind
        return Reading(
            "neutral",
            f"neutral — {proof.key} is {what.get(kind, 'not comparable')}, not known for this merchant",
        )

    def _level(self, proof_text: str, merchant_name: str, aliases: frozenset[str]) -> str:
        """``read(...).level``, remembered: a batch builds its table twice (before and after learning aliases
        from foreign cards' lines), over the same texts and names."""
        key = (type(self), self.strong, self.partial, proof_text, merchant_name, aliases)
        level = _LEVELS_READ.get(key)
        if level is None:
            if len(_LEVELS_READ) >= _LEVELS_KEPT:
                _LEVELS_READ.clear()
            level = _LEVELS_READ[key] = self.read(proof_text, merchant_name, aliases).level
        return level

    def _shops(self, proof: MerchantName, journal: MerchantName) -> Reading:
        pb, p_branch = proof.brand, proof.branch
        jb, j_branch = journal.brand, journal.branch
        if proof.truncated and p_branch is None and len(pb) == 1:
            # a payee cut after its first character ("支付宝-古…", "POS消费 海…"): it fits a sign that starts
            # with it, but one character says too little to be for it; against any other sign it is unrelated
            if jb.startswith(pb):
                return Reading("neutral", f"neutral — {pb}… is cut after one character (fits {jb})")
            return Reading("unrelated", f"unrelated — {pb}… vs {journal.key}")
        # a branch glued to the brand: "瑞幸咖啡国贸店", "海底捞火锅厦门中山路店"
        if p_branch is None and len(jb) >= 2 and pb.startswith(jb) and len(pb) > len(jb):
            rest = pb[len(jb) :]
            if _latin_only(rest) and _has_cjk(jb):
                pb = jb  # "老乡鸡 SHANGHAI": a city in Latin letters on a card line, not a branch
            elif not _SHOP_TYPES.match(rest):
                pb, p_branch = jb, _branch_core(rest)
        if j_branch is None and len(pb) >= 2 and jb.startswith(pb) and len(jb) > len(pb):
            rest = jb[len(pb) :]
            if not _SHOP_TYPES.match(rest):
                jb, j_branch = pb, _branch_core(rest)
        # a descriptor holding the branch but a shortened brand: "海底捞三里屯" for "海底捞火锅(三里屯店)"
        if p_branch is None and j_branch and len(j_branch) >= 2 and j_branch in pb:
            rest = pb.replace(j_branch, "", 1)
            if len(rest) >= 2 and (jb.startswith(rest) or _alike(rest, jb, self.strong)):
                return Reading("same branch", f"same branch — {j_branch}")
        group = _cut_group(proof) if p_branch is None else ""
        if p_branch is None and j_branch and pb != jb and _has_cjk(jb):
            # a place word before the brand in the sign ("七宝一点点" for 一点点(莘庄店))
            place = _place_reading(_place_before(pb, jb), journal)
            if place is not None:
                return place
        if _alike(pb, jb, self.strong):
            if group and j_branch and not _may_begin(group, j_branch):
                # a branch cut in its bracket that cannot begin this one ("老码头火锅(徐家…" for 五角场店)
                return Reading("other branch", f"other branch — {group}… vs {_branch_label(j_branch)}")
            if p_branch and j_branch:
                # a text cut inside its branch ("蜀香阁五…", "海底捞火锅(五角场") shows only the branch's start
                starts = proof.truncated and j_branch.startswith(p_branch)
                if _same_branch(p_branch, j_branch) or (starts and len(p_branch) >= 2):
                    return Reading("same branch", f"same branch — {j_branch}")
                if starts and not _clean(proof.text)[0].endswith(")"):
                    # one character of the branch is left: it fits, but cannot tell this branch from another
                    return Reading(
                        "brand", f"brand — {pb}, its branch cut after {p_branch} (fits {j_branch})"
                    )
                return Reading(
                    "other branch", f"other branch — {_branch_label(p_branch)} vs {_branch_label(j_branch)}"
                )
            return Reading(
                "brand", f"brand — {pb} (no branch on {'the proof' if not p_branch else 'the journal'})"
            )
        if group:
            # another brand whose branch was cut in its bracket ("蜀大侠火锅(五角…"): a sign, not this one
            return Reading("other brand", f"other brand — {pb} ({group}…) vs {journal.key}")
        if p_branch is None:
            score = merchant_similarity(proof.text, journal.text)
            if score >= self.strong:
                return Reading("brand", f"brand — {proof.key} fits {journal.key}")
            if score >= self.partial:
                return Reading("similar", f"similar — {proof.key} and {journal.key}")
            cut = _cut_name_reading(proof, journal) if proof.truncated else None
            if cut is not None:
                return cut
            return Reading("unrelated", f"unrelated — {proof.key} vs {journal.key}")
        return Reading("other brand", f"other brand — {proof.key} vs {journal.key}")

    def table(
        self,
        merchants: np.ndarray,
        shares: np.ndarray,
        texts: pd.Series,
        aliases: Mapping[str, Iterable[str]],
    ) -> MerchantTable:
        """The levels and weights of every distinct proof text against every journal merchant.

        ``merchants``: the journal's merchant names (index order), ``shares``:
        their shares of the journal (the u of a level is the share of the
        journal whose merchant the text reaches that level with),
        ``aliases``: alias keys per merchant name.
        """
        codes, raw = pd.factorize(pd.Series(texts, dtype=object), use_na_sentinel=True)
        # a reading depends only on the text as _clean() leaves it (prefixes, marks and case removed), so
        # "财付通-X" and "支付宝-X" share one row: each cleaned text is read once, in its first raw form
        cleaned = pd.Series(
            [f"{int(cut)}{text}" for text, cut in (_clean(str(t)) for t in raw)], dtype=object
        )
        same, _ = pd.factorize(cleaned)
        _, firsts = np.unique(same, return_index=True)
        distinct = [raw[k] for k in firsts]
        codes = np.where(codes >= 0, same[np.maximum(codes, 0)] if len(same) else 0, -1)
        names = [str(name) for name in merchants]
        n_levels = len(self.levels)
        levels = np.full((len(distinct), len(names)), self.code("neutral"), dtype=np.int8)
        weights = np.zeros((len(distinct), n_levels))
        unrelated, other, neutral = self.code("unrelated"), self.code("other brand"), self.code("neutral")
        other_branch = self.code("other branch")
        named = [self.code("same branch"), self.code("brand")]
        alias = self.code("alias")
        # only a shop sign in the journal is "another shop": a journal name that is a legal entity may be
        # the same shop's (a journal merged from the terminal and the acquirer)
        parsed = [parse_merchant(name) for name in names]
        is_shop = np.array([name.kind == "shop" for name in parsed], dtype=bool)
        brands = [name.brand if name.kind == "shop" else "" for name in parsed]
        known = [frozenset(aliases.get(name, ())) for name in names]
        for t, text in enumerate(distinct):
            row = np.array(
                [self.code(self._level(str(text), name, known[k])) for k, name in enumerate(names)]
            )
            # it names another merchant of this journal: by its sign, or as a legal entity already linked to
            # it (an alias that is a legal name; a platform's or person's name may be shared, it is not)
            kind = parse_merchant(str(text)).kind
            # (a masked title that fits a sign, "麦**劳", is for that sign but may be a person: never against)
            # (an alias in Latin letters, learned from foreign cards' lines, names its shop as a sign does)
            # (another branch of a brand of this journal names that brand: "上海闵行区七宝一点点饮品店(个体工商户)"
            # is a shop of 一点点, so it is another shop for 老码头火锅 too)
            names_one = (
                (np.isin(row, named).any() and kind != "person")
                or (
                    (row == alias).any()
                    and (kind == "legal" or (kind == "shop" and _latin_only(alias_key(text))))
                )
                or ((row == other_branch).any() and kind in ("shop", "legal"))
            )
            if names_one:
                # ...but not against another branch of the brand it names: a chain's legal entity or head
                # office bills for all its branches (field guide 2.4), so there it says nothing
                named_brands = {
                    brands[k]
                    for k in np.flatnonzero(np.isin(row, [*named, alias, other_branch]))
                    if brands[k]
                }
                sibling = np.array(
                    [any(_alike(b, nb, self.strong) for nb in named_brands) if b else False for b in brands],
                    dtype=bool,
                )
                row = np.where(((row == unrelated) | (row == neutral)) & is_shop & ~sibling, other, row)
            place = _bracket_place(str(text))
            if place and (row == other).any():
                # a Latin line at a Hong Kong place another shop here is not at (_other_place) is a shop at that
                # place: another shop for every shop sign here whose branch is named and is not that place (the
                # journal's own shop at that place, or one inside it, keeps its reading)
                elsewhere = np.array(
                    [
                        is_shop[k] and bool(parsed[k].branch) and not _at_place(place, parsed[k].branch or "")
                        for k in range(len(names))
                    ],
                    dtype=bool,
                )
                row = np.where(((row == unrelated) | (row == neutral)) & elsewhere, other, row)
            levels[t] = row
            u = (
                np.array([shares[row == q].sum() for q in range(n_levels)])
                if len(names)
                else np.ones(n_levels)
            )
            weights[t] = self.weights(u)
        return MerchantTable(
            np.asarray(codes, dtype=np.int64), levels, weights, self, list(distinct), names, known
        )


@dataclass
class MerchantTable:
    """Merchant evidence of each distinct proof text against each journal merchant."""

    text_code: np.ndarray  # per proof: row of the table (-1 when the proof has no text)
    levels: np.ndarray  # (texts, merchants): level code (position in comparator.levels)
    weights: np.ndarray  # (texts, levels): weight of each level for the text
    comparator: MerchantComparator | None = None
    texts: list = field(default_factory=list)
    merchants: list = field(default_factory=list)
    aliases: list = field(default_factory=list)

    @classmethod
    def build(
        cls, index, proofs, policy: MatchPolicy, aliases: Mapping[str, Iterable[str]] | None = None
    ) -> MerchantTable:
        """The table of a proofs' texts against an index's merchants (with its and the given aliases)."""
        comparator = MerchantComparator(policy)
        known = merchant_aliases_of(index)
        for name, keys in (aliases or {}).items():
            known.setdefault(str(name), set()).update(keys)
        return comparator.table(
            index.merchants, index.merchant_share, pd.Series(proofs.merchant, dtype=object), known
        )

    def evidence(
        self, p: np.ndarray, merchant_code: np.ndarray, with_levels: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        level = np.full(len(p), "missing", dtype=object) if with_levels else None
        weight = np.zeros(len(p))
        text = self.text_code[p]
        usable = (text >= 0) & (merchant_code >= 0)
        if usable.any():
            lv = self.levels[text[usable], merchant_code[usable]].astype(np.int64)
            if with_levels and self.comparator is not None:
                assert level is not None  # made above when with_levels
                level[usable] = self.comparator.names[lv]
            weight[usable] = self.weights[text[usable], lv]
        if level is None:
            from receiptkit.matching.evidence import _NO_LEVELS

            return _NO_LEVELS, weight  # type: ignore[return-value]
        return level, weight

    def notes(self, p: np.ndarray, merchant_code: np.ndarray) -> np.ndarray:
        """The comparator's reading in words for some pairs (``None`` without text or merchant)."""
        out = np.full(len(p), None, dtype=object)
        if self.comparator is None:
            return out
        for k, (t, mc) in enumerate(zip(self.text_code[p], merchant_code, strict=True)):
            if t >= 0 and mc >= 0:
                reading = self.comparator.read(str(self.texts[t]), self.merchants[mc], self.aliases[mc])
                level = self.comparator.levels[int(self.levels[t, mc])].name
                if level != reading.level:  # upgraded: the text names another merchant of this journal
                    reading = Reading(
                        level,
                        f"{level} — {alias_key(str(self.texts[t]))} names another merchant of this journal",
                    )
                out[k] = reading.note
        return out

    def take(self, rows: np.ndarray) -> MerchantTable:
        """The same table for some proofs (a chunk)."""
        if len(rows) == len(self.text_code) and np.array_equal(rows, np.arange(len(rows))):
            return self
        return MerchantTable(
            self.text_code[rows],
            self.levels,
            self.weights,
            self.comparator,
            self.texts,
            self.merchants,
            self.aliases,
        )

    def best(self) -> np.ndarray:
        """Per proof: the highest merchant weight any journal merchant can get (0 without text)."""
        if not self.levels.size:
            return np.zeros(len(self.text_code))
        per_text = np.max(np.take_along_axis(self.weights, self.levels.astype(np.int64), axis=1), axis=1)
        return np.where(self.text_code >= 0, per_text[np.maximum(self.text_code, 0)], 0.0)


# --------------------------------------------------------------------------- aliases


def resolve_aliases(index, aliases: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """Alias keys per journal merchant name, from aliases keyed by merchant name or terminal id."""
    names = {str(m) for m in index.merchants}
    out: dict[str, set[str]] = {}
    terminal_names: dict[str, set[str]] | None = None
    for key, texts in aliases.items():
        if isinstance(texts, str):
            texts = [texts]
        keys = {alias_key(t) for t in texts if t is not None and alias_key(t)}
        if not keys:
            continue
        if str(key) in names:
            out.setdefault(str(key), set()).update(keys)
            continue
        if terminal_names is None:
            frame = index.journal[["terminal_id", "merchant_name"]].dropna().astype(str).drop_duplicates()
            terminal_names = frame.groupby("terminal_id")["merchant_name"].agg(set).to_dict()
        for name in terminal_names.get(str(key), ()):
            out.setdefault(name, set()).update(keys)
    return out


def merchant_aliases_of(index) -> dict[str, set[str]]:
    """The alias keys an index was given, per journal merchant name (a copy)."""
    return {str(k): set(v) for k, v in getattr(index, "merchant_aliases", {}).items()}


_LEARNABLE = ("shop", "legal")  # platform, person and channel-only texts name no merchant: never learned


def learn_aliases(index, proofs, policy: MatchPolicy) -> dict[str, set[str]]:
    """Aliases taught by proofs that a strong identifier ties to one journal transaction.

    A proof whose full wallet number, order number, RRN, or auth code (with the
    same amount) leads to exactly one approved transaction of the same side,
    amount and currency, near its time, was paid at that transaction's
    merchant: its merchant text (a shop sign or a legal entity; never a
    platform, a person or a channel only) is then a name of that merchant.
    Returns alias keys per journal merchant name.

    Two steps, so that a run over slices of the journal learns the same
    (:func:`receiptkit.scale.match_dask`): :func:`alias_hits` per slice, then
    :func:`aliases_from_hits` over all of them.
    """
    return aliases_from_hits(alias_hits(index, proofs, policy), proofs.merchant, policy)


def alias_hits(index, proofs, policy: MatchPolicy) -> pd.DataFrame:
    """The transactions a proof's strong identifier leads to: ``q`` (proof), ``r`` (row), ``merchant``,
    ``card`` (the row is a card sale: :func:`~receiptkit.matching.channel.card_sales_named_by_wallet`).

    Only proofs with a merchant text ask. A transaction qualifies when it is
    approved, of the proof's side, amount and currency, near the proof's time
    (``max_clock_skew_s`` and a few days, in the index's corrected time) and
    names a merchant.
    """
    from receiptkit.matching.channel import CARD_SALE, journal_wallets
    from receiptkit.matching.evidence import FULL_ID

    empty = pd.DataFrame(
        {"q": np.empty(0, np.int64), "r": np.empty(0, np.int64), "merchant": [], "card": np.empty(0, bool)}
    )
    texts = proofs.merchant
    has_text = np.fromiter((t is not None for t in texts), dtype=bool, count=len(texts))
    if not has_text.any() or not len(index):
        return empty
    wide = policy.max_clock_skew_s + (policy.bank_post_lag_days + 3) * 86400
    found_q, found_r = [], []
    for column, values, shortest in (
        ("wallet_txn_id", proofs.wallet, FULL_ID),
        ("order_no", proofs.order, 10),
        ("rrn", proofs.reference, 12),
        ("auth_code", proofs.reference, 6),
    ):
        asked = np.array(
            [
                v if (h and v is not None and len(str(v)) >= shortest) else None
                for v, h in zip(values, has_text, strict=True)
            ],
            dtype=object,
        )
        query, rows = index.lookup(column, asked)
        if not len(rows):
            continue
        ok = (
            (index.side[rows] == proofs.side[query])
            & (index.amount[rows] == proofs.amount[query])
            & (index.currency_code[rows] == proofs.cur_code[query])
            & (proofs.lo[query] - wide <= index.ts_adj[rows])
            & (index.ts_adj[rows] <= proofs.hi[query] + wide)
            & (index.merchant_code[rows] >= 0)
        )
        found_q.append(query[ok])
        found_r.append(rows[ok])
    if not found_q:
        return empty
    query, rows = np.concatenate(found_q), np.concatenate(found_r)
    merchant = np.asarray(index.merchants, dtype=object)[index.merchant_code[rows]]
    card = journal_wallets(index)[rows] == CARD_SALE
    return pd.DataFrame({"q": query, "r": rows, "merchant": [str(m) for m in merchant], "card": card})


def aliases_from_hits(hits: pd.DataFrame, texts: np.ndarray, policy: MatchPolicy) -> dict[str, set[str]]:
    """Aliases from :func:`alias_hits` (of one index, or of all slices with ``r`` a global row number).

    A proof teaches only when its hits are exactly one transaction.
    """
    learned: dict[str, set[str]] = {}
    comparator = MerchantComparator(policy)
    pairs = hits.drop_duplicates(["q", "r"])
    single = (
        pairs.groupby("q")["r"].transform("nunique") == 1
    )  # one transaction, or the proof teaches nothing
    for q, merchant in pairs[single].drop_duplicates("q")[["q", "merchant"]].itertuples(index=False):
        name = parse_merchant(str(texts[q]))
        if name.kind not in _LEARNABLE or len(name.key) < 2:
            continue
        if comparator.read(str(texts[q]), merchant).level in ("same branch", "brand"):
            continue  # the name already says it
        learned.setdefault(merchant, set()).add(name.key)
    return learned


# --------------------------------------------------------------------------- the other fields


@dataclass
class PairContext:
    """What a comparator needs to weigh a batch of (proof, transaction) pairs."""

    index: JournalIndex
    proofs: ProofArrays
    pairs: Pairs
    policy: MatchPolicy
    with_levels: bool = True
    counts: Mapping[str, np.ndarray] = field(default_factory=dict)  # n_exact, n_fx, n_window, base_exact
    merchant_table: MerchantTable | None = None


def _named(ctx: PairContext, names: np.ndarray, codes: np.ndarray):
    """Level names per pair from level codes (or the no-levels stand-in when names are not wanted)."""
    if not ctx.with_levels:
        from receiptkit.matching.evidence import _NO_LEVELS

        return _NO_LEVELS
    return names[codes]


class AmountComparator(Comparator):
    """The amount: ``exact``, ``fx`` (within the billing-rate tolerance) or ``differs``.

    Its u is not a level property: how often an amount is paid by chance is
    the base rate (:meth:`base_rate`), the first row of ``explain``.
    """

    field = "amount"

    def __init__(self, policy: MatchPolicy | None = None) -> None:
        p = policy or MatchPolicy()
        self.levels = (
            ComparisonLevel("exact", p.m_amount, "same amount and currency"),
            ComparisonLevel(
                "fx", p.m_amount_fx, "within fx_tolerance and fx_fee_max of the converted amount"
            ),
            ComparisonLevel("differs", 1 - p.m_amount, "another amount (a reference number found it)"),
        )
        self.prior_absent = p.prior_absent

    def _codes(self, ctx: PairContext) -> np.ndarray:
        index, proofs, pairs = ctx.index, ctx.proofs, ctx.pairs
        p, j = pairs.proof, pairs.txn
        exact = (index.amount[j] == proofs.amount[p]) & (index.currency_code[j] == proofs.cur_code[p])
        fx = (pairs.route == 1) & ~exact
        return np.where(exact, 0, np.where(fx, 1, 2))

    def compare(self, ctx: PairContext) -> tuple[np.ndarray, np.ndarray]:
        codes = self._codes(ctx)
        m = np.array([level.m for level in self.levels], dtype=float)
        return _named(ctx, self.names, codes), np.log(np.maximum(m[codes], 1e-300))

    def base_rate(self, ctx: PairContext, floor: float) -> tuple[np.ndarray, np.ndarray]:
        """Per pair: the base-rate term ``ln(1 - prior_absent) - ln(n_same)`` and ``n_same``."""
        p = ctx.pairs.proof
        codes = self._codes(ctx)
        c = ctx.counts
        n_same = np.where(
            codes == 0,
            c["base_exact"][p],
            np.where(codes == 1, c["n_fx"][p], np.maximum(c["n_window"][p] - c["n_exact"][p], 1)),
        )
        n_same = np.maximum(n_same, floor)
        return np.log(1 - self.prior_absent) - np.log(n_same.astype(float)), n_same


class TimeComparator(Comparator):
    """The time, by the proof's precision (second, minute, hour or window, day); see ``time_evidence``.

    u of ``same``/``inside``/``near``/``window`` is the share of the proof's
    window the level covers; of ``lag Nd`` one in (lag days + 1).
    """

    field = "time"

    def __init__(self, policy: MatchPolicy | None = None) -> None:
        p = policy or MatchPolicy()
        self.policy = p
        days = p.bank_post_lag_days + 1
        lag_m = p.m_time_day[:days] + (p.m_time_day[-1],) * max(0, days - len(p.m_time_day))
        self.levels = (
            ComparisonLevel(
                "same", p.m_time_minute[0], "within 60 s of a second or minute proof (m by precision)"
            ),
            ComparisonLevel("inside", p.m_time_range[0], "within 60 s of an hour or a window"),
            ComparisonLevel("near", p.m_time_minute[1], "within 180 s"),
            ComparisonLevel("window", p.m_time_minute[2], "within clock_tolerance_s"),
            *(
                ComparisonLevel(f"lag {k}d", m, f"{k} business days to the statement date")
                for k, m in enumerate(lag_m)
            ),
            ComparisonLevel("same day", p.m_time_txn_day, "on the payment's own date (SMS, app, 交易日)"),
            ComparisonLevel("edge", None, "at the edge of a date-only window"),
            ComparisonLevel(
                "outside", p.m_time_outside, "outside the window (found by a reference)", against=True
            ),
        )

    def compare(self, ctx: PairContext) -> tuple[np.ndarray, np.ndarray]:
        j = ctx.pairs.txn
        ts = ctx.index.ts_adj[j]
        return self.weigh(
            ctx.proofs,
            ctx.pairs.proof,
            ts,
            ctx.index.day_adj[j],
            ctx.with_levels,
            ts + ctx.index.utc_offset_s[j],
        )

    def weigh(
        self,
        proofs,
        p: np.ndarray,
        ts: np.ndarray,
        day: np.ndarray,
        with_levels: bool = True,
        local_s: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Level and weight of candidates at times ``ts`` (seconds UTC, local day ``day``) for proofs ``p``;
        ``local_s``: their times in their own zones (seconds), for day proofs in a journal of several zones.

        Blocking weighs whole time bands of counted candidates with it, from a time inside each band.
        """
        from receiptkit.matching.evidence import time_evidence

        return time_evidence(proofs, p, ts, day, self.policy, with_levels, local_s)


class Last4Comparator(Comparator):
    """The card's last 4: ``agree`` (u: the share of the journal's cards with those digits), ``differs``.

    A proof showing only 3 digits of the card (``尾号245``, kept by the SMS reader in ``raw["card_tail"]``)
    compares them with the end of the sale's last 4 (a tail is a suffix: 245 fits ...1245, not ...3456):
    ``tail agrees`` (u: the share of the journal's cards ending so, at least 1/1000) or ``tail differs``.
    """

    field = "card_last4"

    def __init__(self, policy: MatchPolicy | None = None) -> None:
        p = policy or MatchPolicy()
        self.policy = p
        self.levels = (
            ComparisonLevel("agree", p.m_last4, "same last 4"),
            ComparisonLevel("differs", 1 - p.m_last4, "another card", against=True),
            ComparisonLevel("missing", None, "not on the proof or not in the journal"),
            ComparisonLevel("tail agrees", p.m_last4, "the 3 digits shown end the last 4"),
            ComparisonLevel("tail differs", 1 - p.m_last4, "another card (its 3 digits shown)", against=True),
        )

    def per_proof(self, index, proof4: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per proof (last 4 as 0-9999, -1 when not given): the weight of ``agree`` and of ``differs``.

        Blocking bounds the mass of counted candidates (whose last 4 differ) with it.
        """
        from receiptkit.matching.evidence import last4_weights

        return last4_weights(index, proof4, self.policy)

    def compare(self, ctx: PairContext) -> tuple[np.ndarray, np.ndarray]:
        p, j = ctx.pairs.proof, ctx.pairs.txn
        proof4 = ctx.proofs.codes4()[p]
        txn4 = ctx.index.last4_code[j]
        both = (proof4 >= 0) & (txn4 >= 0)
        agree = both & (proof4 == txn4)
        w_agree, w_differs = self.per_proof(ctx.index, proof4)
        codes = np.where(agree, 0, np.where(both, 1, 2))
        weights = np.where(agree, w_agree, np.where(both, w_differs, 0.0))
        tail = ctx.proofs.tails()[p]
        tailed = (proof4 < 0) & (tail >= 0) & (txn4 >= 0)
        if tailed.any():
            fits = tailed & (txn4 % 1000 == tail)
            w_fits, w_other = self.tail_weights(ctx.index, tail)
            codes = np.where(fits, 3, np.where(tailed, 4, codes))
            weights = np.where(fits, w_fits, np.where(tailed, w_other, weights))
        return _named(ctx, self.names, codes), weights

    def tail_weights(self, index, tail: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per proof (3-digit tail as 0-999, -1 when none): the weight of ``tail agrees`` and ``tail differs``."""
        u = np.clip(
            index.last4_frequency().reshape(10, 1000).sum(axis=0)[np.maximum(tail, 0)], 1e-3, 1 - 1e-9
        )
        has = tail >= 0
        m = self.policy.m_last4
        return np.where(has, np.log(m) - np.log(u), 0.0), np.where(has, np.log(1 - m) - np.log(1 - u), 0.0)


class IdComparator(Comparator):
    """A wallet or order number: ``exact``, ``suffix N`` (a visible end or masked digits that agree),
    ``masked differs``, ``differs`` (a full number that is not the transaction's), ``missing``.

    u of an agreement is one in 10 to the power of the digits compared (at most 12).
    """

    def __init__(self, field_name: str, policy: MatchPolicy | None = None) -> None:
        p = policy or MatchPolicy()
        self.field = field_name
        self.policy = p
        self.levels = (
            ComparisonLevel("exact", p.m_id_agree, "the same number"),
            ComparisonLevel("suffix N", p.m_id_agree, "the visible N digits agree"),
            ComparisonLevel("masked differs", p.m_id_masked_differs, "visible digits differ", against=True),
            ComparisonLevel("differs", p.m_id_differs, "another full number", against=True),
            ComparisonLevel("missing", None, "not on the proof or not in the journal"),
        )

    def compare(self, ctx: PairContext) -> tuple[np.ndarray, np.ndarray]:
        from receiptkit.matching.evidence import _id_evidence

        values = ctx.proofs.wallet if self.field == "wallet_txn_id" else ctx.proofs.order
        return _id_evidence(
            ctx.index, self.field, values, ctx.pairs.proof, ctx.pairs.txn, self.policy, ctx.with_levels
        )


class ReferenceComparator(Comparator):
    """A reference on the proof against the transaction's RRN (12 digits), auth code (6) or STAN / 凭证号.

    Each agreeing level carries its own u: the chance that a stranger's
    transaction shows the same digits.
    """

    field = "reference"

    def __init__(self, policy: MatchPolicy | None = None) -> None:
        p = policy or MatchPolicy()
        self.levels = (
            ComparisonLevel("rrn", p.m_id_agree, "the RRN (检索参考号); u 1e-10"),
            ComparisonLevel("auth_code", p.m_auth_code, "the auth code (授权码); u 1e-5"),
            ComparisonLevel("stan", p.m_stan, "the STAN / 凭证号 without leading zeros; u 1e-3"),
            ComparisonLevel("differs", p.m_reference_unmatched, "none of them", against=True),
            ComparisonLevel("missing", None, "not on the proof"),
        )
        self.u = {"rrn": 1e-10, "auth_code": 1e-5, "stan": 1e-3, "differs": 1.0}

    def weight(self, name: str) -> float:
        """ln(m / u) of one level."""
        level = self.level(name)
        return 0.0 if level.m is None else float(np.log(level.m) - np.log(self.u[name]))

    def compare(self, ctx: PairContext) -> tuple[np.ndarray, np.ndarray]:
        from receiptkit.matching.evidence import _reference_evidence

        return _reference_evidence(
            ctx.index, ctx.proofs.reference, ctx.pairs.proof, ctx.pairs.txn, self, ctx.with_levels
        )


class TerminalComparator(Comparator):
    """A terminal id on the proof: ``agree`` (u: the terminal's share of the journal), ``differs``."""

    field = "terminal_id"

    def __init__(self, policy: MatchPolicy | None = None) -> None:
        p = policy or MatchPolicy()
        self.levels = (
            ComparisonLevel("agree", p.m_terminal_agree, "the same terminal"),
            ComparisonLevel("differs", p.m_terminal_differs, "another terminal", against=True),
            ComparisonLevel("missing", None, "not on the proof or not in the journal"),
        )

    def compare(self, ctx: PairContext) -> tuple[np.ndarray, np.ndarray]:
        index, proofs = ctx.index, ctx.proofs
        p, j = ctx.pairs.proof, ctx.pairs.txn
        proof_t = proofs.terminal_code[p] if proofs.terminal_code is not None else np.full(len(p), -1)
        given = (
            np.asarray([v is not None for v in proofs.terminal[p]], dtype=bool)
            if len(p)
            else np.zeros(0, bool)
        )
        code = index.terminal_code[j]
        has = given & (code >= 0)
        same = has & (proof_t == code)
        share = index.terminal_share[np.maximum(code, 0)] if len(index.terminals) else np.ones(len(p))
        # both levels have an m (TerminalComparator.__init__)
        agree, differs = cast(float, self.level("agree").m), cast(float, self.level("differs").m)
        weight = np.where(
            same, np.log(agree) - np.log(np.maximum(share, 1e-300)), np.where(has, np.log(differs), 0.0)
        )
        return _named(ctx, self.names, np.where(same, 0, np.where(has, 1, 2))), weight


class ChannelComparator(Comparator):
    """The channel a card statement line tells (:mod:`~receiptkit.matching.channel`): ``card`` (the row is a
    card sale, or a wallet payment showing its card), ``wallet`` (a WeChat, Alipay or UnionPay QR row showing
    no card), ``missing`` (the proof is no such line, or the row's channel is other or not given).

    The line is a card's: its true row is a wallet row ``channel_wallet_ratio`` (r) times as often as the
    journal's shares of wallet and card rows (``s_w``, ``s_c``) alone would make it. So m of ``wallet`` is
    ``r s_w / (r s_w + s_c)`` and of ``card`` ``s_c / (r s_w + s_c)``, u their shares, and the weights
    ``ln r - ln(r s_w + s_c)`` and ``-ln(r s_w + s_c)``: against a wallet row whatever the shop's mix, for a
    card row by as much as card rows are rare.

    A WeChat Pay or Alipay record showing its wallet number (:func:`~receiptkit.matching.channel.proof_wallets`)
    is a wallet payment at the shop, recorded by the terminal as one even when a card funded it: against a
    card row it is ``card_sale``, against the other wallet's row ``other_wallet``, both with m
    ``m_wallet_record_other_channel`` (u about 1: weight ``ln m``). A row of the same wallet, of UnionPay QR,
    other or no channel, or one carrying the record's own number, is ``missing`` (no evidence).
    """

    field = "channel"

    def __init__(self, policy: MatchPolicy | None = None) -> None:
        p = policy or MatchPolicy()
        self.ratio = p.channel_wallet_ratio
        self.levels = (
            ComparisonLevel(
                "card", None, "a card line naming a shop; a card row (weight from the journal's mix)"
            ),
            ComparisonLevel(
                "wallet",
                None,
                "a card line naming no wallet; a wallet row showing no card (weight from channel_wallet_ratio)",
                against=True,
            ),
            ComparisonLevel("missing", None, "not a card line naming a shop, or the row's channel unknown"),
            ComparisonLevel(
                "card_sale",
                p.m_wallet_record_other_channel,
                "a WeChat Pay or Alipay record showing its number; a card sale",
                against=True,
            ),
            ComparisonLevel(
                "other_wallet",
                p.m_wallet_record_other_channel,
                "a WeChat Pay record; an Alipay row (or the reverse)",
                against=True,
            ),
            ComparisonLevel(
                "not_the_named_wallet",
                p.m_bank_wallet_other_channel,
                "a bank's text (or a wallet's screen) naming 财付通/微信 (or 支付宝); the other wallet's row",
                against=True,
            ),
            ComparisonLevel(
                "not_at_a_terminal",
                p.m_bank_not_terminal_card_sale,
                "a bank's text (or a wallet's screen) naming WeChat Pay (财付通) or Alipay; a card sale",
                against=True,
            ),
        )

    def level_weights(self, index) -> np.ndarray:
        """The weight of ``card``, ``wallet`` and ``missing`` in this journal."""
        from receiptkit.matching.channel import journal_channel_counts

        counts = journal_channel_counts(index).sum(axis=0)  # CARD, WALLET, other
        n = max(int(counts.sum()), 1)
        s_card, s_wallet = counts[0] / n, counts[1] / n
        if s_card <= 0 or s_wallet <= 0:
            return np.zeros(3)  # all rows alike: the channel tells nothing
        both = self.ratio * s_wallet + s_card
        return np.array([-np.log(both), np.log(self.ratio) - np.log(both), 0.0])

    def record_weights(self) -> np.ndarray:
        """The weight of ``card_sale`` and ``other_wallet``: ``ln m`` (a stranger's row is of any channel)."""
        return np.log(cast("list[float]", [self.level("card_sale").m, self.level("other_wallet").m]))

    def class_bounds(self, index) -> np.ndarray:
        """The largest weight a counted row can have, for rows without (0) and with (1) a card's last 4."""
        from receiptkit.matching.channel import journal_channel_counts

        counts = journal_channel_counts(index)
        weights = self.level_weights(index)  # card, wallet, missing (0 for a row of another channel)
        out = np.zeros(2)
        for has4 in (0, 1):
            present = counts[has4] > 0
            if present.any():
                out[has4] = weights[present].max()
        return out

    def compare(self, ctx: PairContext) -> tuple[np.ndarray, np.ndarray]:
        from receiptkit.matching.channel import card_lines_of, journal_channels

        p, j = ctx.pairs.proof, ctx.pairs.txn
        line = card_lines_of(ctx.proofs)[p] if len(p) else np.zeros(0, dtype=bool)
        channel = journal_channels(ctx.index)[j] if len(j) else np.zeros(0, dtype=np.int8)
        codes = np.where(line & (channel >= 0), channel, 2).astype(np.int64)
        codes = self._wallet_records(ctx, codes)
        codes = self._named_wallets(ctx, codes)
        codes = self._not_at_terminal(ctx, codes)
        weights = np.concatenate(
            [
                self.level_weights(ctx.index),
                self.record_weights(),
                [np.log(cast(float, self.level("not_the_named_wallet").m))],
                [np.log(cast(float, self.level("not_at_a_terminal").m))],
            ]
        )
        return _named(ctx, self.names, codes), weights[codes]

    def _not_at_terminal(self, ctx: PairContext, codes: np.ndarray) -> np.ndarray:
        """``not_at_a_terminal`` (6) where a bank's text naming WeChat Pay or Alipay meets a card sale
        (:func:`~receiptkit.matching.channel.bank_not_terminal`; u about 1: weight ``ln m``).

        The card paid through the wallet the text names (field guide 2.1 pattern 1), so the
        shop logged the payment, if at all, as the wallet's: a card sale of the same amount and card last 4
        is another payment of that card (or of a stranger's card with the same last 4)."""
        from receiptkit.matching.channel import not_at_terminal_pairs

        hit = not_at_terminal_pairs(ctx.proofs, ctx.index, ctx.pairs.proof, ctx.pairs.txn, ctx.policy)
        hit &= codes == 2
        if not hit.any():
            return codes
        hit = _not_its_own_number(ctx, hit)
        codes = codes.copy()
        codes[hit] = 6
        return codes

    def _named_wallets(self, ctx: PairContext, codes: np.ndarray) -> np.ndarray:
        """``not_the_named_wallet`` (5) where a bank's text naming one wallet meets the other wallet's row
        (:func:`~receiptkit.matching.channel.bank_wallets`; u about 1: weight ``ln m``).

        A card row is weighed by :meth:`_not_at_terminal`."""
        from receiptkit.matching.channel import CARD_SALE, bank_wallets_of, journal_wallets

        p, j = ctx.pairs.proof, ctx.pairs.txn
        if not len(p):
            return codes
        named = bank_wallets_of(ctx.proofs)[p]
        row = journal_wallets(ctx.index)[j]
        hit = (named >= 0) & (row >= 0) & (row != CARD_SALE) & (row != named) & (codes == 2)
        if not hit.any():
            return codes
        hit = _not_its_own_number(ctx, hit)
        codes = codes.copy()
        codes[hit] = 5
        return codes

    def _wallet_records(self, ctx: PairContext, codes: np.ndarray) -> np.ndarray:
        """``card_sale`` (3) and ``other_wallet`` (4) where a WeChat / Alipay record meets such a row."""
        from receiptkit.matching.channel import CARD_SALE, journal_wallets, proof_wallets_of

        p, j = ctx.pairs.proof, ctx.pairs.txn
        if not len(p):
            return codes
        record = proof_wallets_of(ctx.proofs)[p]
        row = journal_wallets(ctx.index)[j]
        card = (record >= 0) & (row == CARD_SALE)
        other = (record >= 0) & (row >= 0) & (row != CARD_SALE) & (row != record)
        hit = np.flatnonzero(card | other)
        if not len(hit):
            return codes
        journal = ctx.index.journal
        if "wallet_txn_id" in journal.columns:  # a row carrying the record's own number: the number speaks
            mine = ctx.proofs.wallet[p[hit]]
            theirs = ctx.index.values("wallet_txn_id", j[hit])  # only these rows become Python strings
            same = np.array([str(a).strip() == str(b).strip() for a, b in zip(mine, theirs, strict=True)])
            same &= ~pd.isna(theirs)
            hit = hit[~same]
        codes = codes.copy()
        codes[hit] = np.where(card[hit], 3, 4)
        return codes


def _not_its_own_number(ctx: PairContext, hit: np.ndarray) -> np.ndarray:
    """``hit`` without the pairs whose row carries the proof's whole wallet number: the number speaks (a wallet's
    screen naming its app is read as a bank's text naming the wallet, :mod:`.channel`; a record and the row of its
    own number are one payment, whatever channel the terminal logged it under, as :meth:`_wallet_records` reads)."""
    from receiptkit.matching.evidence import whole_ids

    if "wallet_txn_id" not in ctx.index.journal.columns:
        return hit
    k = np.flatnonzero(hit)
    mine = whole_ids(np.asarray(ctx.proofs.wallet, dtype=object)[ctx.pairs.proof[k]])
    shown = pd.notna(mine)
    if not shown.any():
        return hit
    k = k[shown]
    theirs = whole_ids(ctx.index.values("wallet_txn_id", ctx.pairs.txn[k]))  # only these rows become strings
    own = pd.notna(theirs) & (mine[shown] == theirs)
    if not own.any():
        return hit
    hit = hit.copy()
    hit[k[own]] = False
    return hit


def later_event_rows(index) -> tuple[np.ndarray, np.ndarray]:
    """Per journal row: whether an approved void points at it, and whether any void or refund does (cached)."""
    cached = getattr(index, "_rk_later_events", None)
    if cached is not None and len(cached[0]) == len(index):
        return cached
    voided = np.zeros(len(index), dtype=bool)
    undone = np.zeros(len(index), dtype=bool)
    later, owner = index._later_rows, index._later_owner
    if len(later):
        undone[owner] = True
        kinds = index.values("txn_type", later).astype(str)
        voided[owner[kinds == "void"]] = True
    object.__setattr__(index, "_rk_later_events", (voided, undone))
    return voided, undone


class StateComparator(Comparator):
    """What the proof says became of the payment, against what the journal did to the sale.

    - ``posted_voided``: a bank statement's debit line (a posted, settled payment) against a sale the journal
      shows voided. A void cancels a card sale before the terminal's batch settles, so nothing posts to the
      card; and a sale made again after a void (the customer paid once more) is a row of its own. m
      ``m_posted_voided`` (u about 1: weight ``ln m``).
    - ``not_refunded``: a wallet record whose status says the payment was fully refunded (``payment_state``
      ``refunded``, field guide 4.3 / 4.4) against a sale no refund or void points at (the same amount
      bought again later); m ``m_refunded_not_undone``.
    - ``missing``: anything else (an SMS is sent when the card is authorised, before any void).
    """

    field = "payment_state"

    def __init__(self, policy: MatchPolicy | None = None) -> None:
        p = policy or MatchPolicy()
        self.levels = (
            ComparisonLevel("missing", None, "no state to compare"),
            ComparisonLevel(
                "posted_voided",
                p.m_posted_voided,
                "a posted statement line; a sale the journal voided",
                against=True,
            ),
            ComparisonLevel(
                "not_refunded",
                p.m_refunded_not_undone,
                "a payment shown refunded; a sale nothing refunded or voided",
                against=True,
            ),
        )

    def compare(self, ctx: PairContext) -> tuple[np.ndarray, np.ndarray]:
        p, j = ctx.pairs.proof, ctx.pairs.txn
        codes = np.zeros(len(p), dtype=np.int64)
        if len(p):
            proofs = ctx.proofs
            posted = proofs.per_proof("posted_debit_lines", _posted_debit_lines)[p]
            voided, undone = later_event_rows(ctx.index)
            codes[posted & voided[j]] = 1
            if proofs.refunded is not None:
                codes[proofs.refunded[p] & ~undone[j]] = 2
        m = [float(level.m) if level.m is not None else 1.0 for level in self.levels]
        weights = np.log(np.array(m))
        return _named(ctx, self.names, codes), weights[codes]


def _posted_debit_lines(proofs) -> np.ndarray:
    kind = proofs.frame["kind"].astype(object).to_numpy()
    return np.array([k == "bank_statement" for k in kind], dtype=bool) & (proofs.side == 0)


class MerchantField(Comparator):
    """The merchant field in a comparison: :class:`MerchantComparator` through a :class:`MerchantTable`."""

    field = "merchant"

    def __init__(self, policy: MatchPolicy | None = None) -> None:
        self.comparator = MerchantComparator(policy)
        self.levels = self.comparator.levels
        self.policy = policy or MatchPolicy()

    def compare(self, ctx: PairContext) -> tuple[np.ndarray, np.ndarray]:
        table = ctx.merchant_table or MerchantTable.build(ctx.index, ctx.proofs, self.policy)
        from receiptkit.matching.evidence import _NO_LEVELS

        level, weight = table.evidence(
            ctx.pairs.proof, ctx.index.merchant_code[ctx.pairs.txn], ctx.with_levels
        )
        return (level if ctx.with_levels else _NO_LEVELS), weight  # type: ignore[return-value]


def comparators(policy: MatchPolicy | None = None) -> tuple[Comparator, ...]:
    """The comparison: one comparator per evidence field, in the order ``explain`` shows them."""
    p = policy or MatchPolicy()
    return (
        AmountComparator(p),
        TimeComparator(p),
        Last4Comparator(p),
        IdComparator("wallet_txn_id", p),
        IdComparator("order_no", p),
        ReferenceComparator(p),
        MerchantField(p),
        TerminalComparator(p),
        ChannelComparator(p),
        StateComparator(p),
    )
