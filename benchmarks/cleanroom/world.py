"""The merchant world: brands and chains, branches in several cities, terminals and their clocks.

Everything here comes from the field guide (../shared/FIELD-GUIDE-PROOFS.md): a purchase reaches the
customer under the shop sign with its branch (``海底捞火锅(五角场店)``), behind a wallet or channel prefix
(``财付通-``, ``支付宝-``, ``微信支付``, ``美团支付-美团App``), as the brand's legal entity (``金拱门(中国)有限公司``),
as a payment aggregator or platform (美团, 收钱吧, 拉卡拉, 北京三快在线科技有限公司, 美团平台商户), cut at 40 GBK
bytes or much shorter with ``…``, with a country code glued on (``CHN``), or in Latin capitals on a foreign
card (``SALES:   MCDONALDS  CHN CN``). Terminal clocks are mostly right, some minutes off, a few set to
another zone (section 6 of the guide).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

TZ = "Asia/Shanghai"


@dataclass(frozen=True)
class Brand:
    """A shop sign (chain or independent) and the names it is billed under."""

    key: str
    sign: str  # the shop sign as printed: 海底捞火锅
    legal: str  # the brand's operating company, as statements show it
    latin: str | None  # descriptor on foreign cards (upper case), if any
    menu: tuple[int, ...]  # common prices, minor units
    menu_share: float  # share of sales at a menu price (the rest: any amount in `spread`)
    spread: tuple[int, int]  # range of other amounts, minor units
    wallet_share: float  # share of sales paid by WeChat / Alipay


BRANDS: tuple[Brand, ...] = (
    Brand(
        "haidilao", "海底捞火锅", "上海海悦餐饮管理有限公司", "HAIDILAO HOT POT", (), 0.0, (9000, 98000), 0.45
    ),
    Brand(
        "guming",
        "古茗",
        "杭州古茗茶饮管理有限公司",
        None,
        (1200, 1500, 1600, 1800, 2200),
        0.9,
        (800, 6000),
        0.8,
    ),
    Brand("lawson", "罗森", "上海罗森便利有限公司", "LAWSON", (350, 500, 800, 1200), 0.25, (300, 12000), 0.6),
    Brand(
        "luckin",
        "瑞幸咖啡",
        "瑞幸咖啡(中国)有限公司",
        "LUCKIN COFFEE",
        (990, 1390, 1590),
        0.85,
        (900, 5000),
        0.7,
    ),
    Brand(
        "mcd",
        "麦当劳",
        "金拱门(中国)有限公司",
        "MCDONALDS",
        (1500, 2300, 3500, 4250),
        0.5,
        (900, 16000),
        0.55,
    ),
    Brand("xiangji", "老乡鸡", "合肥老乡鸡餐饮有限公司", None, (2500, 2800, 3200), 0.4, (1200, 12000), 0.5),
    Brand(
        "sanjin", "三津汤包", "南京三津餐饮店(个体工商户)", None, (1800, 2000, 2600), 0.6, (1000, 8000), 0.7
    ),
    Brand("dashang", "大商鲜生", "大连大商鲜生超市有限公司", None, (), 0.0, (500, 60000), 0.4),
    Brand(
        "heytea", "喜茶", "深圳美西西餐饮管理有限公司", "HEYTEA", (1900, 2500, 2900), 0.8, (1500, 8000), 0.85
    ),
    Brand("kfc", "肯德基", "百胜餐饮(上海)有限公司", "KFC", (1500, 2900, 3900), 0.5, (900, 15000), 0.55),
    Brand("meiyijia", "美宜佳", "美宜佳(湖北)便利店有限公司", None, (300, 500, 1000), 0.3, (200, 9000), 0.6),
)
BRAND_BY_KEY = {b.key: b for b in BRANDS}

# (brand key, city, branch, in the journal, busy one-price shop price or 0)
SHOP_SPECS: tuple[tuple[str, str, str, bool, int], ...] = (
    ("haidilao", "上海", "五角场店", True, 0),
    ("haidilao", "北京", "三里屯店", True, 0),
    ("haidilao", "厦门", "厦门中山路店", False, 0),
    ("haidilao", "上海", "徐家汇店", False, 0),
    ("lawson", "上海", "莘庄店", True, 0),
    ("lawson", "北京", "望京店", True, 0),
    ("lawson", "上海", "打浦桥店", False, 0),
    ("lawson", "上海", "五角场店", False, 0),
    ("luckin", "上海", "陆家嘴店", True, 990),  # busy: one price all hour
    ("luckin", "北京", "中关村店", True, 0),
    ("luckin", "上海", "陆家嘴二店", False, 0),
    ("luckin", "北京", "西单店", False, 0),
    ("mcd", "上海", "中山公园店", True, 0),
    ("mcd", "深圳", "宝安店", True, 0),
    ("mcd", "深圳", "南山店", False, 0),
    ("guming", "杭州", "西湖店", True, 1500),  # busy: one price all hour
    ("guming", "上海", "打浦桥店", False, 0),
    ("xiangji", "上海", "徐家汇店", True, 0),
    ("xiangji", "上海", "五角场店", False, 0),
    ("sanjin", "南京", "雅雀湖店", True, 0),
    ("dashang", "大连", "长兴岛店", True, 0),
    ("heytea", "深圳", "南山店", False, 0),
    ("heytea", "上海", "陆家嘴店", False, 0),
    ("kfc", "上海", "莘庄店", False, 0),
    ("kfc", "北京", "三里屯店", False, 0),
    ("meiyijia", "深圳", "宝安店", False, 0),
)

# Payment aggregators and platforms seen on statements in place of the shop (field guide 2.1-2.2).
AGGREGATOR_TEXTS: tuple[str, ...] = (
    "美团",
    "收钱吧",
    "拉卡拉",
    "北京三快在线科技有限公司",
    "支付宝-北京三快在线科技有限公司",
    "美团平台商户",
    "美团特约商户",
    "财付通-美团平台商户",
    "钱袋宝支付",
    "美团支付-美团支…",
    "拉卡拉支付股份有限公司",
    "上海收钱吧互联网科技股份有限公司",
    "银盛支付服务股份有限公司",
)
NO_MERCHANT_TEXTS: tuple[str, ...] = ("银联消费", "快捷支付", "消费")
# Jump codes (跳码): some acquirers' terminals report another business's name (field guide 2.1.8).
JUMP_TEXTS: tuple[str, ...] = (
    "某某娱乐城",
    "深圳市宏达贸易有限公司",
    "财付通-鑫源美容院",
    "支付宝-广州市百汇商行",
    "POS消费 恒通五金经营部",
    "银联在线支付 / 瑞祥旗舰店",
)

# Wallet / channel prefixes as they appear before the payee (field guide 1.1, 2.1).
PREFIXES = {
    "wechat": ("财付通-", "微信支付", "微信支付（财付通）-", "财付通 "),
    "alipay": ("支付宝-", "支付宝-"),
    "card": ("", "", "POS消费 ", "消费 "),
    "unionpay_qr": ("云闪付APP扫码-", "跨行二维码支付 "),
    "meituan": ("美团支付-美团App", "美团-"),
}

# Public reference rates, 1 CNY in the card's billing currency (a clerk can look these up).
FX_REFERENCE = {"USD": 0.1390, "HKD": 1.0850}


@dataclass
class Shop:
    index: int
    brand: Brand
    city: str
    branch: str
    in_journal: bool
    busy_price: int
    merchant_id: str
    terminals: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The journal's merchant_name: sign + parenthesised branch."""
        return f"{self.brand.sign}({self.branch})"


@dataclass
class Terminal:
    terminal_id: str
    shop: int
    clock_offset_s: float  # seconds the terminal's clock is ahead of true time
    clock_kind: str  # ok, minutes, zone


@dataclass
class World:
    shops: list[Shop]
    terminals: list[Terminal]
    start: np.datetime64  # first local day (naive, Asia/Shanghai)
    days: int

    @property
    def journal_shops(self) -> list[Shop]:
        return [s for s in self.shops if s.in_journal]

    def terminal(self, terminal_id: str) -> Terminal:
        return self._by_tid[terminal_id]

    def __post_init__(self) -> None:
        self._by_tid = {t.terminal_id: t for t in self.terminals}


def make_world(rng: np.random.Generator, *, days: int = 30, start: str = "2026-11-01") -> World:
    """Shops with 1-3 terminals each; clocks: most right, three minutes off, one UTC, one an hour ahead, one a
    year behind."""
    shops: list[Shop] = []
    terminals: list[Terminal] = []
    for index, (key, city, branch, in_journal, busy) in enumerate(SHOP_SPECS):
        mid = "898" + "".join(str(d) for d in rng.integers(0, 10, 12))
        shop = Shop(index, BRAND_BY_KEY[key], city, branch, in_journal, busy, mid)
        n_term = 3 if busy else int(rng.integers(1, 4))
        for k in range(n_term):
            tid = f"{10 + index:02d}{k + 1:02d}" + "".join(str(d) for d in rng.integers(0, 10, 4))
            shop.terminals.append(tid)
            terminals.append(Terminal(tid, index, float(rng.normal(0, 12)), "ok"))
        shops.append(shop)
    journal_terms = [t for t in terminals if shops[t.shop].in_journal]
    order = rng.permutation(len(journal_terms))
    # minutes off: +3..+8 min or -2..-6 min (weak clock battery, no network sync)
    for j, sign in zip(order[:3], (1, -1, 1), strict=True):
        t = journal_terms[j]
        t.clock_offset_s = sign * float(rng.uniform(150, 480))
        t.clock_kind = "minutes"
    # another zone: one terminal logs UTC (8 h behind Shanghai), one an hour ahead
    journal_terms[order[3]].clock_offset_s = -8 * 3600 + float(rng.normal(0, 10))
    journal_terms[order[3]].clock_kind = "zone"
    journal_terms[order[4]].clock_offset_s = 3600 + float(rng.normal(0, 10))
    journal_terms[order[4]].clock_kind = "zone"
    # a clock that lost its date (battery): a year behind
    journal_terms[order[5]].clock_offset_s = -366 * 86400 + float(rng.normal(0, 30))
    journal_terms[order[5]].clock_kind = "days"
    return World(shops, terminals, np.datetime64(start), days)


# --- descriptors -------------------------------------------------------------------------------------------


def truncate_gbk(text: str, limit: int, ellipsis: str = "") -> str:
    """Cut ``text`` to at most ``limit`` GBK bytes (never inside a character), then add ``ellipsis``."""
    out = []
    used = 0
    for ch in text:
        n = len(ch.encode("gbk", errors="replace"))
        if used + n > limit:
            return "".join(out) + ellipsis
        out.append(ch)
        used += n
    return text


def masked_nickname(sign: str) -> str:
    """Alipay's masked title: first two characters, ``**``, last character (``小白**店``)."""
    if len(sign) <= 3:
        return sign[0] + "**" + sign[-1]
    return sign[:2] + "**" + sign[-1]


def descriptor(shop: Shop, style: str, channel: str, rng: np.random.Generator) -> str | None:
    """The merchant text a customer's record shows for a payment at ``shop``."""
    sign_branch = shop.name
    brand = shop.brand
    prefixes = PREFIXES.get(channel, ("",))
    prefix = prefixes[int(rng.integers(len(prefixes)))]
    if style == "sign_branch":
        return sign_branch
    if style == "fullwidth":
        return f"{prefix}{brand.sign}（{shop.branch}）"
    if style == "prefixed":
        return prefix + sign_branch
    if style == "city_branch":
        branch = shop.branch if shop.branch.startswith(shop.city) else shop.city + shop.branch
        return f"{prefix}{brand.sign}({branch})"
    if style == "truncated40":
        pre = PREFIXES["meituan"][0] if rng.random() < 0.5 else prefix
        return truncate_gbk(pre + sign_branch, 40 - int(rng.integers(0, 6)))
    if style == "truncated_short":
        return truncate_gbk(prefix + sign_branch, int(rng.integers(10, 16)), "…")
    if style == "legal":
        return prefix + brand.legal
    if style == "legal_truncated":
        return truncate_gbk(prefix + brand.legal, 30, "…")
    if style == "aggregator":
        return AGGREGATOR_TEXTS[int(rng.integers(len(AGGREGATOR_TEXTS)))]
    if style == "none":
        return None if rng.random() < 0.5 else NO_MERCHANT_TEXTS[int(rng.integers(len(NO_MERCHANT_TEXTS)))]
    if style == "statement_chn":
        return truncate_gbk(brand.sign + shop.branch, 36) + "CHN"
    if style == "latin":
        latin = brand.latin or brand.sign
        city = {"上海": "SHANGHAI", "北京": "BEIJING", "深圳": "SHENZHEN", "杭州": "HANGZHOU"}.get(
            shop.city, ""
        )
        return f"SALES:   {latin} {city}  CHN CN" if rng.random() < 0.5 else f"{latin} {city}CHN"
    if style == "jump":
        return JUMP_TEXTS[int(rng.integers(len(JUMP_TEXTS)))]
    if style == "masked_nick":
        return masked_nickname(brand.sign)
    raise ValueError(style)


# --- what a clerk knows about names (used by the oracle, never by a matcher) --------------------------------

_STRIP_PREFIXES = (
    "（特约）",
    "(特约)",
    "微信支付（财付通）-",
    "微信支付(财付通)-",
    "云闪付APP扫码-",
    "跨行二维码支付",
    "美团支付-美团APP",
    "美团支付-",
    "美团-美团APP",
    "美团-",
    "财付通-",
    "财付通",
    "支付宝-",
    "微信支付",
    "POS消费",
    "消费",
    "SALES:",
)


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), upper case, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()


def strip_text(text: str) -> str:
    """The payee part of a descriptor: prefixes, country codes and ellipses removed."""
    t = normalise(text)
    changed = True
    while changed:
        changed = False
        for p in _STRIP_PREFIXES:
            q = normalise(p)
            if q and t.startswith(q):
                t = t[len(q) :]
                changed = True
    t = re.sub(r"(…|\.\.\.)$", "", t)
    t = re.sub(r"(CHNCN|CHN|CN)$", "", t)
    return t
