"""A company named after the shop by a two-character 字号 reads as the shop's brand (matching.comparators).

A registered company name is 行政区划 + 字号 + 行业 + 组织形式 (上海 + 老街 + 餐饮管理 + 有限公司), and a 字号 has two
characters or more; a shop's sign is often its 字号 and what it sells (老街 + 馄饨). Field guide 2.4: the same
purchase reaches the customer under "the shop's own legal entity". Before, only a 字号 of three characters or
more was read so, and 上海老街餐饮管理有限公司 was "neutral" for 老街馄饨(徐家汇店): with the shop's wallet payee
learned as its sign (matching.payees), a genuine record naming its company was held as paid to someone else.
"""

from __future__ import annotations

import pytest

from receiptkit.matching.comparators import MerchantComparator

SHOP = "老街馄饨(徐家汇店)"


@pytest.mark.parametrize(
    "text",
    [
        "上海老街餐饮管理有限公司",
        "支付宝-上海老街餐饮管理有限公司",
        "老街餐饮有限公司",
        "上海老街食品有限公司",
    ],
)
def test_a_two_character_name_with_its_trade_names_the_brand(text: str) -> None:
    reading = MerchantComparator().read(text, SHOP)
    assert reading.level == "brand", reading.note
    assert "老街馄饨" in reading.note


@pytest.mark.parametrize(
    "text, shop",
    [
        ("上海老街有限公司", SHOP),  # no trade word: the two characters alone say too little
        ("上海鑫源贸易有限公司", SHOP),  # another 字号
        ("上海老街餐饮管理有限公司", "老街(徐家汇店)"),  # the sign is the 字号 alone: read as before (equal)
        (
            "上海老码餐饮管理有限公司",
            "老码头火锅(五角场店)",
        ),  # a longer sign's 字号 is longer: 老码头, not 老码
        ("上海老码餐饮管理有限公司", "老码头(五角场店)"),  # nor is a sign of three the 字号 and one character
        ("上海街老餐饮管理有限公司", SHOP),  # not the sign's start
    ],
)
def test_what_is_not_read_so(text: str, shop: str) -> None:
    reading = MerchantComparator().read(text, shop)
    expected = "brand" if shop == "老街(徐家汇店)" else "neutral"
    assert reading.level == expected, reading.note


def test_a_cut_company_name_too() -> None:
    # a bank cuts the descriptor (field guide 2.1): "上海老街餐饮管…"
    reading = MerchantComparator().read("上海老街餐饮管…", SHOP)
    assert reading.level == "brand", reading.note
