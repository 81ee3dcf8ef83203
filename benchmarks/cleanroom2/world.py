"""The world of the second clean room: merchants, terminals, customers and cards.

Written from ../shared/FIELD-GUIDE-PROOFS.md (sections 1, 2, 3 and 6), never from the matcher:
a chain with several branches (only some of them in the journal), a second brand of the same
operator, legal entities (``上海…餐饮管理有限公司``), aggregators (收钱吧, 拉卡拉, 银联商务, 美团),
wallet prefixes (财付通-, 支付宝-), terminals whose clocks are right, minutes off, in the wrong zone
or reset to another date after a battery loss, and customers whose cards share last 4 digits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

TZ = "Asia/Shanghai"
#: The month the journal covers (local dates, both ends included).
FIRST_DAY = dt.date(2026, 11, 1)
DAYS = 30
#: Reference rates a clerk can look up: 1 CNY in the card's billing currency.
FX_REFERENCE = {"HKD": "1.087", "USD": "0.1406"}


@dataclass(frozen=True)
class Branch:
    """One outlet: a shop sign, a branch, the operator's legal entity and how it is collected."""

    key: str
    brand: str  # 蜀香阁
    branch: str  # 五角场店
    legal: str  # 上海蜀香阁餐饮管理有限公司
    english: str  # SHUXIANGGE CATERING
    aggregator: str  # 收钱吧 / 拉卡拉 / 银联商务 / 美团
    in_journal: bool
    merchant_id: str = ""

    @property
    def sign(self) -> str:
        """The shop sign with its branch as wallets show it: ``蜀香阁(五角场店)``."""
        return f"{self.brand}({self.branch})"


@dataclass(frozen=True)
class Terminal:
    """A device that writes the journal, with its clock behaviour."""

    terminal_id: str
    branch: Branch
    kind: str  # card | qr
    clock: str  # correct | minutes | wrong_zone | battery
    offset_s: int = 0  # seconds ahead of true time (minutes / wrong_zone)
    reset_day: int = 0  # battery: day of the month (1-based) from which the clock is wrong
    reset_offset_s: int = 0  # battery: offset after the reset

    def offset_at(self, day_index: int) -> int:
        """Seconds the terminal's clock is ahead of true time on a given day (0-based)."""
        if self.clock == "battery":
            return self.reset_offset_s if day_index + 1 >= self.reset_day else 0
        return self.offset_s


@dataclass(frozen=True)
class Card:
    """A customer's card: its last 4, its issuer (which decides the SMS wording) and billing currency."""

    card_id: int
    bin6: str
    last4: str
    bank: str  # cmb, icbc, ccb, boc, abc, bocom, cgb, psbc, gdrc, jsb, hsbc_hk, bocom_fx
    credit: bool
    billing: str = "CNY"

    @property
    def pan_masked(self) -> str:
        return f"{self.bin6}******{self.last4}"


@dataclass
class World:
    """Everything the journal and the proofs are drawn from."""

    branches: list[Branch]
    terminals: list[Terminal]
    cards: list[Card]
    elsewhere: list[Branch]
    menu_cents: np.ndarray
    set_prices_cents: np.ndarray
    rng: np.random.Generator = field(repr=False, default=None)  # type: ignore[assignment]

    def journal_branches(self) -> list[Branch]:
        return [b for b in self.branches if b.in_journal]


OPERATOR_SX = "上海蜀香阁餐饮管理有限公司"
OPERATOR_CY = "上海茶语轩餐饮有限公司"

#: Banks by share of domestic cards (their SMS wordings are in texts.py).
DOMESTIC_BANKS = [
    "cmb",
    "icbc",
    "ccb",
    "boc",
    "abc",
    "bocom",
    "cgb",
    "psbc",
    "gdrc",
    "jsb",
    "cib",
    "ceb",
    "pab",
]
DOMESTIC_WEIGHTS = [0.18, 0.16, 0.13, 0.09, 0.09, 0.06, 0.05, 0.05, 0.04, 0.03, 0.04, 0.04, 0.04]
BINS = {
    "cmb": "622588",
    "icbc": "622202",
    "ccb": "436742",
    "boc": "625908",
    "abc": "622848",
    "bocom": "622260",
    "cgb": "622568",
    "psbc": "621799",
    "gdrc": "621017",
    "jsb": "622173",
    "cib": "622909",
    "ceb": "625978",
    "pab": "622155",
    "hsbc_hk": "454254",
    "bocom_fx": "521899",
}


def build_world(rng: np.random.Generator, n_cards: int) -> World:
    """Draw the world: branches, terminals (with their clocks), cards (with shared last 4)."""
    sx = dict(brand="蜀香阁", legal=OPERATOR_SX, english="SHUXIANGGE CATERING")
    branches = [
        Branch(
            "sx_wjc",
            branch="五角场店",
            aggregator="收钱吧",
            in_journal=True,
            merchant_id="898310058120101",
            **sx,
        ),
        Branch(
            "sx_xjh",
            branch="徐家汇店",
            aggregator="拉卡拉",
            in_journal=True,
            merchant_id="898310058120102",
            **sx,
        ),
        Branch(
            "cy_wjc",
            brand="茶语轩",
            branch="五角场店",
            legal=OPERATOR_CY,
            english="CHAYUXUAN TEA",
            aggregator="银联商务",
            in_journal=True,
            merchant_id="898310058120201",
        ),
    ]
    elsewhere = [
        # other branches of the same chain (same legal entity: a head office bills for all of them)
        Branch("sx_ljz", branch="陆家嘴店", aggregator="收钱吧", in_journal=False, **sx),
        Branch("sx_jas", branch="静安寺店", aggregator="拉卡拉", in_journal=False, **sx),
        Branch("sx_hzxh", branch="杭州西湖店", aggregator="美团", in_journal=False, **sx),
        Branch("cy_dxl", "茶语轩", "大学路店", OPERATOR_CY, "CHAYUXUAN TEA", "银联商务", False),
        # other brands, one of them with a branch name the journal also has (徐家汇店, 五角场店)
        Branch("gm_dpq", "古茗", "打浦桥店", "上海古茗餐饮管理有限公司", "GUMING TEA", "收钱吧", False),
        Branch("ls_xz", "罗森", "莘庄店", "上海罗森便利有限公司", "LAWSON SHANGHAI", "银联商务", False),
        Branch(
            "lsc_xjh", "老盛昌", "徐家汇店", "上海老盛昌餐饮管理有限公司", "LAOSHENGCHANG", "拉卡拉", False
        ),
        Branch("xc_wjc", "喜茶", "五角场店", "深圳美西西餐饮管理有限公司", "HEYTEA", "美团", False),
    ]
    terminals = [
        Terminal("11000001", branches[0], "card", "correct"),
        Terminal("11000002", branches[0], "card", "minutes", offset_s=int(rng.integers(200, 480))),
        Terminal("11000009", branches[0], "qr", "correct"),
        Terminal(
            "12000001", branches[1], "card", "wrong_zone", offset_s=-8 * 3600 + int(rng.integers(-20, 20))
        ),
        Terminal(
            "12000002",
            branches[1],
            "card",
            "battery",
            reset_day=int(rng.integers(10, 20)),
            reset_offset_s=-int(rng.integers(300, 320)) * 86400 + int(rng.integers(-3600, 3600)),
        ),
        Terminal("12000009", branches[1], "qr", "correct"),
        Terminal("21000001", branches[2], "card", "minutes", offset_s=-int(rng.integers(60, 150))),
        Terminal("21000009", branches[2], "qr", "correct"),
    ]
    banks = rng.choice(DOMESTIC_BANKS, size=n_cards, p=np.array(DOMESTIC_WEIGHTS) / sum(DOMESTIC_WEIGHTS))
    credit = rng.random(n_cards) < 0.55
    # last 4 digits: drawn from 10,000 values, so shared tails happen as they do among real cards;
    # a few popular "lucky" tails (8888, 6666...) are over-represented in self-chosen numbers.
    last4 = rng.integers(0, 10000, size=n_cards)
    lucky = rng.random(n_cards) < 0.01
    last4[lucky] = rng.choice([8888, 6666, 1688, 5188], size=int(lucky.sum()))
    cards = []
    for i in range(n_cards):
        bank = str(banks[i])
        billing = "CNY"
        if i % 40 == 7:  # 2.5 % foreign cards billed in another currency
            bank, billing = ("hsbc_hk", "HKD") if i % 80 == 7 else ("bocom_fx", "USD")
        cards.append(Card(i, BINS[bank], f"{int(last4[i]):04d}", bank, bool(credit[i]), billing))
    menu = np.array(
        [
            1200,
            1500,
            1800,
            2200,
            2500,
            2800,
            3200,
            3500,
            3800,
            4200,
            4800,
            5200,
            5800,
            6600,
            6800,
            7800,
            8800,
            9800,
            12800,
            1650,
            2350,
            2990,
            3350,
            4450,
            990,
            1390,
            1590,
            1890,
            2190,
            2650,
            690,
            850,
        ],
        dtype=np.int64,
    )
    set_prices = np.array([3800, 5800, 6800, 8800, 12850, 1600, 1900], dtype=np.int64)
    return World(branches, terminals, cards, elsewhere, menu, set_prices, rng)
