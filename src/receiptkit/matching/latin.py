"""Merchant names in Latin letters on foreign cards' lines, read against a journal's Chinese names.

A card issued abroad prints the merchant in Latin letters only (field guide
2.3: Stripe strips non-ASCII; HSBC Hong Kong ``SALES:   MCDONALDS  CHN CN``,
``QR       YAHUI CATERING CO.,LTD.   CHN          CN``). The name is then one
of two things:

- the **pinyin** of the shop's sign or of its legal name, with English words
  for the line of business and the company form (``SHUXIANGGE CATERING`` for
  蜀香阁, ``HAIDILAO HOT POT SHANGHAI`` for 海底捞火锅, ``YAHUI CATERING CO.,LTD.``
  for 雅惠餐饮有限公司). :func:`pinyin_reading` reads it: the letters of a run
  of its words are the pinyin of the journal's brand (pypinyin, every reading
  of a character with several);
- an **English trading name** (``LUCKIN COFFEE`` for 瑞幸咖啡, ``MCDONALDS`` for
  麦当劳), which no rule can read. A clerk with a month of such lines learns it:
  the lines whose card last 4, amount and date single out one sale keep naming
  the same shop. :func:`latin_aliases` does the same over the batch (as
  :mod:`.fxlearn` learns the billing rate): a Latin name whose confident lines
  all lead to one brand, at least ``min_skew_votes`` of them and
  ``skew_peak_ratio`` times any other brand, becomes an alias of the branches
  they led to.

A name read either way names that shop, so against another merchant of the
journal it reads ``other brand`` (:meth:`.MerchantComparator.table`), and the
line no longer counts as "naming no shop" for :mod:`.elsewhere`. A Latin name
read neither way stays ``neutral``: it cannot be compared with a Chinese sign.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

import numpy as np

from receiptkit.matching.policy import MatchPolicy
from receiptkit.matching.text import _COUNTRY_CODES

__all__ = [
    "BUSINESS_WORDS",
    "aliases_from_votes",
    "bracket_branch",
    "bracket_reading",
    "english_places",
    "is_english_place",
    "latin_aliases",
    "latin_texts",
    "latin_voters",
    "latin_votes",
    "latin_words",
    "pinyin_of",
    "pinyin_reading",
    "place_marks",
    "places_nest",
    "shared_start",
    "taught_branch",
]

#: English words for a line of business, a kind of shop or a company form: they follow (or precede) a
#: pinyin name on a foreign card's line and carry no identity ("SHUXIANGGE CATERING", "YAHUI CATERING
#: CO.,LTD.", "HAIDILAO HOT POT", "CHAYUXUAN TEA").
BUSINESS_WORDS = frozenset(
    [
        "CATERING",
        "RESTAURANT",
        "RESTAURANTS",
        "FOOD",
        "FOODS",
        "BEVERAGE",
        "BEVERAGES",
        "DRINK",
        "DRINKS",
        "TEA",
        "TEAS",
        "COFFEE",
        "CAFE",
        "HOT",
        "POT",
        "HOTPOT",
        "BAKERY",
        "NOODLE",
        "NOODLES",
        "KITCHEN",
        "BBQ",
        "GRILL",
        "SNACK",
        "SNACKS",
        "DESSERT",
        "BAR",
        "STORE",
        "STORES",
        "SHOP",
        "SHOPS",
        "MART",
        "SUPERMARKET",
        "CONVENIENCE",
        "MARKET",
        "BRANCH",
        "OUTLET",
        "MANAGEMENT",
        "MGMT",
        "TRADING",
        "TRADE",
        "COMMERCE",
        "COMMERCIAL",
        "BUSINESS",
        "SERVICE",
        "SERVICES",
        "TECHNOLOGY",
        "TECH",
        "INDUSTRY",
        "INDUSTRIAL",
        "DEVELOPMENT",
        "ENTERPRISE",
        "ENTERPRISES",
        "INVESTMENT",
        "HOLDINGS",
        "HOLDING",
        "GROUP",
        "CHAIN",
        "CULTURE",
        "INTERNATIONAL",
        "CO",
        "LTD",
        "LIMITED",
        "COMPANY",
        "CORP",
        "CORPORATION",
        "INC",
        "LLC",
        "AND",
        "THE",
        "OF",
    ]
)

# Chinese words for a line of business at the end of a sign ("海底捞火锅": the pinyin on a card is often
# HAIDILAO with "HOT POT" in English): the brand is also tried without them
_CJK_BUSINESS = re.compile(
    # 茶餐厅 (a Hong Kong-style café, "CAFE" on its card lines) before 茶 and 餐厅; Hong Kong writes the traditional forms
    r"(?:茶餐厅|茶餐廳|火锅|火鍋|咖啡|奶茶|茶饮|茶飲|茶|餐厅|餐廳|餐饮|餐飲|饭店|飯店|酒家|酒楼|酒樓|面馆|麵館"
    r"|小吃|烧烤|燒烤|便利店|超市|面包|麵包|烘焙|甜品|快餐|食品|小面|小麵)$"
)
_WORD = re.compile(r"[A-Z]+")
_COUNTRY_WORD = re.compile(_COUNTRY_CODES)
_MAX_VARIANTS = 32  # readings of a name with several many-reading characters (a bound, not a weight)


def latin_words(text: str) -> list[str]:
    """The Latin words of a cleaned, upper-case name ("SHUXIANGGE CATERING CO.,LTD." -> 3 words)."""
    return _WORD.findall(text.upper())


@lru_cache(maxsize=4096)
def pinyin_of(chinese: str) -> frozenset[str]:
    """The pinyin of a Chinese name as a card prints it: upper case, no tones, no spaces.

    Every reading of a character with several (``行`` XING / HANG) is kept,
    up to a bound; ``ü`` is written ``U`` (passports and cards: LU, NU) and
    ``V`` (typing: LV). Characters pypinyin cannot read (Latin letters,
    digits) are kept as they are. Empty when the name holds no Chinese.
    """
    from pypinyin import Style, pinyin  # a well-kept converter with a phrase dictionary (MIT)

    if not any("\u4e00" <= ch <= "\u9fff" for ch in chinese):
        return frozenset()
    # pypinyin's annotation says str; a list (one reading per character) is what it documents and does
    readings = pinyin(chinese, style=Style.NORMAL, heteronym=True, errors=lambda s: list(s))  # type: ignore[arg-type,return-value]
    choices = [[r.upper().replace("Ü", "V") for r in options[:4]] for options in readings]
    out: set[str] = set()
    for combo in itertools.islice(itertools.product(*choices), _MAX_VARIANTS):
        written = "".join(combo)
        out.add(written)
        out.add(written.replace("V", "U"))
    return frozenset(out)


def _runs(words: list[str]) -> list[tuple[int, int, str]]:
    """Every run of consecutive words, glued: (first, end, letters)."""
    return [(i, k, "".join(words[i:k])) for i in range(len(words)) for k in range(i + 1, len(words) + 1)]


@lru_cache(maxsize=65536)
def pinyin_reading(latin_text: str, brand: str, branch: str | None) -> str | None:
    """How a Latin name reads against a Chinese sign: ``same branch``, ``brand`` or ``None`` (not read).

    ``latin_text``: the proof's name, cleaned (prefixes and country codes
    removed, upper case); ``brand`` and ``branch``: the journal's sign as
    :func:`~receiptkit.matching.text.parse_merchant` reads it. The name reads
    ``brand`` when a run of its words spells the brand in pinyin (also the
    brand without a Chinese business word at its end: HAIDILAO for
    海底捞火锅), at least two characters of it; the other words (English
    business words, :data:`BUSINESS_WORDS`, a city, a branch) are not held
    against it (a city in pinyin cannot be told from a branch); it reads
    ``same branch`` when a run of the words that are not business words spells
    the journal's branch.
    """
    words = latin_words(latin_text)
    if not words or not brand:
        return None
    targets: set[str] = set()
    for name in {brand, _CJK_BUSINESS.sub("", brand)}:
        if sum("\u4e00" <= ch <= "\u9fff" for ch in name) >= 2:
            targets |= pinyin_of(name)
    if not targets:
        return None
    runs = _runs(words)
    found = [(i, k) for i, k, letters in runs if letters in targets]
    if not found:
        return None
    i, k = found[0]
    if branch:
        branch_pinyin = pinyin_of(branch)
        rest = [w for w in words[:i] + words[k:] if w not in BUSINESS_WORDS]
        if branch_pinyin and any(letters in branch_pinyin for _, _, letters in _runs(rest)):
            return "same branch"
        bracket = bracket_reading(latin_text, branch)
        if bracket is not None:
            return bracket
    return "brand"


# a bracket group at the end of a Latin name, closed or cut: "LAOMATOU HOTPOT (WUJIAOCHANG)", "... (WUJIAOC"
_BRACKET = re.compile(r"\((?P<group>[^()]*)(?P<closed>\))?\s*$")
#: Cities a sign may put in its bracket in place of a branch ("HAIDILAO (SHANGHAI)"): no branch either way.
_CITIES = (
    "北京",
    "上海",
    "天津",
    "重庆",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "厦门",
)
_CUT_SAME = 4  # letters of a cut branch that tell it (WUJIAOC): fewer (WU) fit too many places to say

#: Hong Kong places by their English names, as Hong Kong signs and card lines write a branch ("KAM KEE CAFE
#: (CAUSEWAY BAY)" for 金記茶餐廳(銅鑼灣店)): these names are neither pinyin nor a romanisation a rule could
#: derive, so they are listed (the districts and the areas shops are named after; Lands Department and MTR
#: station names). Compared through pinyin, so 銅鑼灣 and 铜锣湾 are the same place.
HK_PLACES = {
    "CENTRAL": "中環", "SHEUNGWAN": "上環", "WANCHAI": "灣仔", "CAUSEWAYBAY": "銅鑼灣", "ADMIRALTY": "金鐘",
    "NORTHPOINT": "北角", "QUARRYBAY": "鰂魚涌", "TAIKOO": "太古", "SAIWANHO": "西灣河", "SHAUKEIWAN": "筲箕灣",
    "CHAIWAN": "柴灣", "ABERDEEN": "香港仔", "STANLEY": "赤柱", "HAPPYVALLEY": "跑馬地", "KENNEDYTOWN": "堅尼地城",
    "SAIYINGPUN": "西營盤", "FORTRESSHILL": "炮台山", "TINHAU": "天后", "TSIMSHATSUI": "尖沙咀", "JORDAN": "佐敦",
    "YAUMATEI": "油麻地", "MONGKOK": "旺角", "PRINCEEDWARD": "太子", "SHAMSHUIPO": "深水埗",
    "CHEUNGSHAWAN": "長沙灣", "LAICHIKOK": "荔枝角", "MEIFOO": "美孚", "KOWLOONTONG": "九龍塘",
    "KOWLOONBAY": "九龍灣", "KWUNTONG": "觀塘", "NGAUTAUKOK": "牛頭角", "LAMTIN": "藍田", "YAUTONG": "油塘",
    "WONGTAISIN": "黃大仙", "DIAMONDHILL": "鑽石山", "SANPOKONG": "新蒲崗", "KOWLOONCITY": "九龍城",
    "TOKWAWAN": "土瓜灣", "HUNGHOM": "紅磡", "HOMANTIN": "何文田", "TSEUNGKWANO": "將軍澳", "SHATIN": "沙田",
    "TAIWAI": "大圍", "MAONSHAN": "馬鞍山", "TAIPO": "大埔", "FANLING": "粉嶺", "SHEUNGSHUI": "上水",
    "YUENLONG": "元朗", "TUENMUN": "屯門", "TINSHUIWAI": "天水圍", "TSUENWAN": "荃灣", "KWAICHUNG": "葵涌",
    "KWAIFONG": "葵芳", "TSINGYI": "青衣", "TUNGCHUNG": "東涌", "SAIKUNG": "西貢", "LOHAS": "日出康城",
    "TAIKOOSHING": "太古城", "WHAMPOA": "黃埔", "OLYMPIC": "奧運", "SHEKKIPMEI": "石硤尾", "LOKFU": "樂富",
    "CHOIHUNG": "彩虹", "TSZWAN SHAN".replace(" ", ""): "慈雲山", "SHEKO": "石澳", "REPULSEBAY": "淺水灣",
}  # fmt: skip


@lru_cache(maxsize=4096)
def english_places(branch: str) -> frozenset[str]:
    """The English names of a Hong Kong place a branch is named after (``銅鑼灣`` / ``铜锣湾店`` ->
    CAUSEWAYBAY); empty when the branch is not one of :data:`HK_PLACES`."""
    core = branch[:-1] if branch.endswith("店") else branch
    readings = pinyin_of(core)
    if not readings:
        return frozenset()
    return frozenset(en for en, zh in HK_PLACES.items() if pinyin_of(zh) & readings)


def places_nest(letters: str, place: str, closed: bool = True) -> bool:
    """Whether a bracket's letters name a listed Hong Kong place inside another listed ``place`` or holding it (by
    their Chinese names, one beginning the other: TAIKOO 太古 and TAIKOOSHING 太古城, the MTR station Tai Koo is in
    Taikoo Shing): neither the same place nor another. A cut group (not ``closed``) nests when a place it may
    begin does."""
    if place not in HK_PLACES:
        return False
    names = [letters] if closed else [en for en in HK_PLACES if en.startswith(letters)]
    outer = HK_PLACES[place]
    return any(
        en != place
        and en in HK_PLACES
        and (HK_PLACES[en].startswith(outer) or outer.startswith(HK_PLACES[en]))
        for en in names
    )


def is_english_place(letters: str) -> bool:
    """Whether the letters of a bracket are a Hong Kong place's English name (MONGKOK)."""
    return letters in HK_PLACES


#: Words that end a name without being a branch: trade words, country codes, territories and cities in pinyin
#: ("KAMKEECAFEHONGKONG", "LUCKINCOFFEEBEIJINGCHN": a known name's tail, not one outlet of the brand).
_TERRITORIES = frozenset({"HONGKONG", "KOWLOON", "CHINA", "MACAU", "MACAO"})


@lru_cache(maxsize=1)
def _tail_words() -> tuple[str, ...]:
    words = set(BUSINESS_WORDS) | set(re.findall(r"[A-Z]+", _COUNTRY_CODES)) | _TERRITORIES
    for city in _CITIES:
        words |= pinyin_of(city)
    return tuple(sorted(words, key=len, reverse=True))


def _places_only(glued: str) -> bool:
    """Whether glued letters are cities, territories and country codes only ("HONGKONGHK"; "" is)."""
    places = [w for w in _tail_words() if w not in BUSINESS_WORDS]
    cut = True
    while cut and glued:
        cut = False
        for word in places:
            if glued.endswith(word):
                glued, cut = glued[: -len(word)], True
                break
    return not glued


_LEAD_WORDS = tuple(sorted(BUSINESS_WORDS, key=len, reverse=True))


@lru_cache(maxsize=4096)
def taught_branch(rest: str) -> str:
    """The branch a known name holds after a line's brand: ``rest`` (its letters after the brand, glued) without
    the trade words in front ("CAFE" of KAMKEECAFECAUSEWAYBAY after KAMKEE) and the trade words, country codes,
    territories and cities at its end; "" when nothing is left: "CAFE", "HONGKONG" or "HK" after the brand is no
    branch, and a line naming a branch in brackets is not "another branch" of such a name."""
    for vocabulary, front in ((_LEAD_WORDS, True), (_tail_words(), False)):
        cut = True
        while cut and rest:
            cut = False
            if not front and is_english_place(rest):
                break  # a listed place is never cut further: TINHAU is not TINH and Australia's code
            for word in vocabulary:
                if rest.startswith(word) if front else rest.endswith(word):
                    rest = rest[len(word) :] if front else rest[: -len(word)]
                    cut = True
                    break
    return rest


def bracket_branch(latin_text: str) -> tuple[str, bool] | None:
    """The branch in brackets at the end of a Latin name: its letters (business words left out) and whether
    the group is closed; None when there is no group, fewer than two letters, or a city ("HAIDILAO
    (SHANGHAI)" names no branch)."""
    text = latin_text.upper()
    found = _BRACKET.search(text)
    if found is None:
        # a city, territory or country after the closed bracket ("KAM KEE CAFE (MONG KOK)HONG KONG    HK": a card
        # line's city and country columns, field guide 2.1.7), or a full stop, leaves the bracket the branch
        closing = text.rfind(")")
        after = text[closing + 1 :]
        if closing < 0 or re.search(r"[^A-Z\s.,]", after) or not _places_only("".join(latin_words(after))):
            return None
        found = _BRACKET.search(text[: closing + 1])
        if found is None:
            return None
    group = found.group("group")
    words = [w for w in latin_words(group) if w not in BUSINESS_WORDS]
    if any(ch.isdigit() for ch in group):
        words = [w for w in words if w != "NO"]  # "(NO.2)": a shop's number, not a branch spelled NO
    letters = "".join(words)
    if len(letters) < 2 or any(letters in pinyin_of(city) for city in _CITIES):
        return None
    if letters in _TERRITORIES or _COUNTRY_WORD.fullmatch(letters):
        return None  # "KAM KEE CATERING (HK) LIMITED", "JINJI CAFE (CHINA)": where the company is, no branch
    return letters, bool(found.group("closed"))


def shared_start(latin_text: str, known: list[str]) -> str:
    """The first words of a Latin name that begin one of a shop's known names ("KAM KEE" of KAM KEE CATERING
    (HK) LIMITED for KAMKEECAFE), four letters at least and not trade words only; "" when none do."""
    words = latin_words(latin_text)
    for k in range(len(words), 0, -1):
        head = "".join(words[:k])
        named = len(head) >= 4 and any(w not in BUSINESS_WORDS for w in words[:k])
        if named and any(name.startswith(head) for name in known):
            return " ".join(words[:k])
    return ""


def bracket_reading(latin_text: str, branch: str) -> str | None:
    """A branch in brackets after a pinyin brand, against the journal's branch: ``same branch``,
    ``other branch`` or None (no bracket, a city, or too little left to tell).

    A sign keeps its branch in brackets (field guide 2.1.4: 美团-牛约堡手(旭辉店); "the branch is often
    the only thing that tells two outlets of one brand apart"), and a fixed-width field cuts it
    (2.1.6; the HSBC HK current account's 24 characters: ``LAOMATOU HOTPOT (WUJIAOC``). A closed group
    that spells the journal's branch in pinyin (with or without 店), or a cut one whose first four or
    more letters begin it, is that branch; a group that neither spells nor begins it names another
    branch of the brand; a city in the brackets (SHANGHAI) names no branch.
    """
    group = bracket_branch(latin_text)
    if group is None:
        return None
    letters, closed = group
    spelled = set(pinyin_of(branch)) | english_places(branch)
    if not branch.endswith("店"):
        spelled |= pinyin_of(branch + "店")
    if not spelled:
        return None
    if letters not in spelled and any(places_nest(letters, p, closed) for p in english_places(branch)):
        return None  # a place inside the branch's place, or holding it: neither the same nor another
    if closed:
        return "same branch" if letters in spelled else "other branch"
    if any(p.startswith(letters) for p in spelled):
        return "same branch" if len(letters) >= _CUT_SAME else None
    return "other branch"


def _names_someone(cleaned: str) -> bool:
    """Whether a Latin name holds a word that is neither a trade word nor a country code."""
    return any(
        len(word) >= 3 and word not in BUSINESS_WORDS and not _COUNTRY_WORD.fullmatch(word)
        for word in latin_words(cleaned)
    )


def latin_texts(texts) -> np.ndarray:
    """Per text, whether it may name a shop in Latin letters no rule could read (with a word naming someone).

    What a line's text must be to vote in :func:`latin_aliases` whatever the journal (a voter's text must also
    read ``neutral`` against every merchant of the journal, :func:`latin_voters`).
    """
    from receiptkit.matching.comparators import _latin_only
    from receiptkit.matching.text import _clean, parse_merchant

    return np.array(
        [
            _names_someone(_clean(str(text))[0]) and _latin_only(parse_merchant(str(text)).key)
            for text in texts
        ],
        dtype=bool,
    )


def latin_voters(proofs, table) -> np.ndarray:
    """Rows of the proofs that may vote in :func:`latin_aliases`: a Latin-only text no rule could read, and a card.

    Weighing is per proof, so :func:`latin_aliases` of these rows alone (their own weighing) learns what it
    learns from the whole batch; ``match`` weighs the batch once more only with the names learned.
    """
    comparator = table.comparator
    if comparator is None or not table.levels.size or not len(proofs):
        return np.zeros(0, dtype=np.int64)
    latin = latin_texts(table.texts) & _unread(table)
    if not latin.any():
        return np.zeros(0, dtype=np.int64)
    text = table.text_code
    voter = (text >= 0) & latin[np.maximum(text, 0)] & (proofs.codes4() >= 0)
    return np.flatnonzero(voter)


def _unread(table) -> np.ndarray:
    """Per text of the table, whether no rule read it: ``neutral`` against every merchant, or ``unrelated`` only
    where the merchant's own card-line names are known and it is none of them (a Latin sign against a Chinese
    sign with known Latin aliases, :meth:`.MerchantComparator.read`). That reading says the name is not that
    shop's, which is no reason not to learn it for another: a vote still goes only where the text is ``neutral``
    (:func:`latin_votes`)."""
    from receiptkit.matching.comparators import _LATIN_WORD, _has_cjk, _latin_only
    from receiptkit.matching.text import parse_merchant

    comparator = table.comparator
    neutral, unrelated = comparator.code("neutral"), comparator.code("unrelated")
    aliases = table.aliases if len(table.aliases) == len(table.merchants) else [()] * len(table.merchants)
    knows = np.array(
        [
            any(len(a) >= 4 and _latin_only(a) for a in known)
            and _has_cjk(key := parse_merchant(str(name)).key)
            and not _LATIN_WORD.search(key)
            for name, known in zip(table.merchants, aliases, strict=True)
        ],
        dtype=bool,
    )
    shop = np.array([parse_merchant(str(text)).kind == "shop" for text in table.texts], dtype=bool)
    levels = table.levels
    allowed = (levels == neutral) | ((levels == unrelated) & knows[None, :] & shop[:, None])
    return allowed.all(axis=1) & (levels == neutral).any(axis=1)


def latin_aliases(
    index, proofs, w, table, policy: MatchPolicy, marks: list[tuple[str, str, bool]] | tuple = ()
) -> dict[str, set[str]]:
    """Latin names the batch ties to one merchant: ``{merchant_name: {alias key}}``.

    A vote is a proof whose merchant text is in Latin letters only and reads
    ``neutral`` against every merchant of the journal (no rule could read it),
    whose best candidate agrees on the card's last 4 and is confident
    (posterior at least ``match_threshold`` with the name weighing nothing;
    before the coincidence estimate of :mod:`.elsewhere`, which is what the
    name is needed for). A name is learned for the merchant its votes lead to
    when they are at least ``min_skew_votes`` and ``skew_peak_ratio`` times the
    votes for any other brand (the branches of a chain count together; the
    name becomes an alias of the branches its lines led to).

    :func:`latin_votes` then :func:`aliases_from_votes`: the votes of the parts of a batch add up
    (``match_dask`` gathers them from its tasks).
    """
    return aliases_from_votes(latin_votes(index, proofs, w, table, policy), policy, marks)


def latin_votes(index, proofs, w, table, policy: MatchPolicy) -> list[tuple[str, str]]:
    """The votes of these weighed proofs: ``(name key, merchant_name)`` per voting line (see :func:`latin_aliases`)."""
    from receiptkit.matching.comparators import _latin_only
    from receiptkit.matching.decide import _posteriors
    from receiptkit.matching.text import _clean, parse_merchant

    out: list[tuple[str, str]] = []
    comparator = table.comparator
    if comparator is None or not table.levels.size or not len(w.proof):
        return out
    neutral = comparator.code("neutral")
    keys = [parse_merchant(str(text)).key for text in table.texts]
    # a name must hold a word that is neither a trade word nor a country code ("CHN" alone names nobody)
    named = [_names_someone(_clean(str(text))[0]) for text in table.texts]
    unread = _unread(table)
    latin = np.array(
        [ok and _latin_only(key) and bool(free) for key, free, ok in zip(keys, unread, named, strict=True)],
        dtype=bool,
    )
    if not latin.any():
        return out
    text = table.text_code
    voter = (text >= 0) & latin[np.maximum(text, 0)]
    proof4 = proofs.codes4()
    voter &= proof4 >= 0
    if not voter.any():
        return out
    post = _posteriors(w, np.ones(len(w.proof), dtype=bool), policy)
    best = post.best
    has = voter & (best >= 0)
    q = np.flatnonzero(has)
    if not len(q):
        return out
    pair = best[q]
    conf = post.conf[pair]
    txn = w.txn[pair]
    merchant = index.merchant_code[txn]
    ok = (conf >= policy.match_threshold) & (index.last4_code[txn] == proof4[q]) & (merchant >= 0)
    # only for a shop the name reads neutral against: not for one whose known names it is not
    ok &= table.levels[text[q], np.maximum(merchant, 0)] == neutral
    q, txn = q[ok], txn[ok]
    return [
        (keys[int(key_code)], str(index.merchants[int(merchant)]))
        for key_code, merchant in zip(text[q], index.merchant_code[txn], strict=True)
    ]


def _lead(latin_text: str) -> str:
    """The first words of a Latin sign before its trade words and brackets, glued ("TSUIWAH" of TSUI WAH
    RESTAURANT (CENTRAL)); "" when they are trade words only or fewer than four letters."""
    words = latin_words(latin_text.split("(")[0])
    lead: list[str] = []
    for word in words:
        if word in BUSINESS_WORDS and any(w not in BUSINESS_WORDS for w in lead):
            break
        lead.append(word)
    glued = "".join(lead)
    return glued if len(glued) >= 4 and any(w not in BUSINESS_WORDS for w in lead) else ""


def place_marks(table) -> list[tuple[str, str, bool]]:
    """Where the batch's Latin signs say their first words are: ``(lead, shop, at)`` per Latin text naming a
    listed Hong Kong place in closed brackets ("TSUI WAH RESTAURANT (CENTRAL)") and per shop of the journal whose
    branch is a listed place; ``at``: whether the bracket is that shop's place.

    A name is not learned for a shop when these tie its first words to a sign at another place and never to
    the shop's own (:func:`aliases_from_votes`); they add up over the parts of a batch, as votes do.
    """
    from receiptkit.matching.comparators import _at_place, _bracket_place
    from receiptkit.matching.text import _clean, parse_merchant

    shops = []
    for name in table.merchants:
        parsed = parse_merchant(str(name))
        if parsed.kind == "shop" and parsed.branch and english_places(parsed.branch):
            shops.append((str(name), parsed.branch))
    if not shops:
        return []
    out: list[tuple[str, str, bool]] = []
    for text in table.texts:
        place = _bracket_place(str(text))
        lead = _lead(_clean(str(text))[0]) if place else ""
        if lead:
            out.extend((lead, name, _at_place(place, branch)) for name, branch in shops)
    return sorted(set(out))


def _tail_place(key: str) -> str:
    """The listed Hong Kong place a glued Latin name ends in, before its trade words, cities, territories and
    country codes ("MONGKOK" of KAMKEECAFEMONGKOKHONGKONGHK); "" when none."""
    rest = key
    cut = True
    while cut and rest:
        cut = False
        if any(rest.endswith(en) and len(rest) > len(en) for en in HK_PLACES):
            break  # a listed place is never cut further (TINHAU ends in AU, Australia's code)
        for word in _tail_words():
            if rest.endswith(word) and len(rest) > len(word):
                rest, cut = rest[: -len(word)], True
                break
    return max((en for en in HK_PLACES if rest.endswith(en) and len(rest) > len(en)), key=len, default="")


def _linked_elsewhere(
    key: str,
    merchant: str,
    marks: list[tuple[str, str, bool]] | tuple = (),
    named: set[str] | frozenset[str] = frozenset(),
) -> bool:
    """Whether a name's first words are a sign's at another place than ``merchant``'s and never one at a place
    of its brand's shops (field guide 2.4: "a legal entity already linked to another merchant"), or the name
    ends in a listed place other than the shop's ("KAMKEECAFEMONGKOK" for the Causeway Bay shop: 2.1.4, 2.1.7).

    ``named``: the names the votes tie to the brand's shops. A sign at the shop's place ties its first words to
    the shop only when another of these begins with them (KAM KEE CAFE (CAUSEWAY BAY) singling out the shop's
    sales, for KAM KEE CATERING (HK) LIMITED): another brand's shop in the same district (TSUI WAH RESTAURANT
    (CAUSEWAY BAY), chains cluster) does not make its company this shop's."""
    from receiptkit.matching.text import parse_merchant

    parsed = parse_merchant(merchant)
    place = _tail_place(key)
    if place and parsed.kind == "shop" and parsed.branch:
        here = english_places(parsed.branch)
        if here and place not in here and not any(places_nest(place, p) for p in here):
            return True
    brand = parsed.brand
    away = any(not at and shop == merchant and key.startswith(lead) for lead, shop, at in marks)
    home = any(
        at
        and parse_merchant(shop).brand == brand
        and key.startswith(lead)
        and any(other != key and other.startswith(lead) for other in named)
        for lead, shop, at in marks
    )
    return away and not home


def aliases_from_votes(
    votes: list[tuple[str, str]], policy: MatchPolicy, marks: list[tuple[str, str, bool]] | tuple = ()
) -> dict[str, set[str]]:
    """The names the votes (:func:`latin_votes`, of one batch or of all its parts) tie to one brand.

    ``marks``: the batch's :func:`place_marks`. A name whose first words the batch reads on a sign at another
    place than a shop's, and never on one at its brand's place ("TSUI WAH HOLDINGS LIMITED" beside "TSUI WAH
    RESTAURANT (CENTRAL)", against 金記茶餐廳(銅鑼灣店)), is that other sign's company, not this shop's: it is not
    learned for the shop, however many of its lines copy the shop's sales.
    """
    from receiptkit.matching.text import parse_merchant

    out: dict[str, set[str]] = {}
    if not votes:
        return out
    # a name with a country code glued on ("LUCKIN COFFEE BEIJINGCHN", field guide 2.1.7) votes with the same
    # name without it: an alias agrees with every text it starts (MerchantComparator.read), so the shorter is kept
    root: dict[str, str] = {}
    for key in sorted({key for key, _ in votes}, key=lambda k: (len(k), k)):
        root[key] = next((r for r in root.values() if len(r) >= 4 and key.startswith(r)), key)
    # votes per name and brand (the branches of one chain share a card line's name: "MCDONALDS SHANGHAI")
    tally: dict[str, dict[str, dict[str, int]]] = {}
    named: dict[str, set[str]] = {}  # the names voted for each brand's shops (_linked_elsewhere)
    for key, merchant in votes:
        named.setdefault(parse_merchant(merchant).brand, set()).add(root[key])
        per = tally.setdefault(root[key], {}).setdefault(parse_merchant(merchant).brand, {})
        per[merchant] = per.get(merchant, 0) + 1
    for key, per_brand in sorted(tally.items()):
        ranked = sorted(((sum(v.values()), b) for b, v in per_brand.items()), reverse=True)
        top, brand = ranked[0]
        second = ranked[1][0] if len(ranked) > 1 else 0
        if len(key) >= 2 and top >= policy.min_skew_votes and top >= policy.skew_peak_ratio * second:
            for merchant in per_brand[brand]:  # the branches its confident lines led to
                if not _linked_elsewhere(key, merchant, marks, named.get(brand, set())):
                    out.setdefault(merchant, set()).add(key)
    return out
