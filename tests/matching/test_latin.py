"""Foreign cards' Latin merchant names: pinyin of the sign, and names the batch ties to one shop (matching.latin)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.matching.comparators import MerchantComparator
from receiptkit.matching.latin import pinyin_of, pinyin_reading

from .conftest import background, journal, pf, proofs, row_of, txn

SHU = "蜀香阁(五角场店)"
CHA = "茶语轩(五角场店)"
LUCKIN = "瑞幸咖啡(国贸店)"  # the background's merchant


@pytest.mark.parametrize(
    ("text", "brand", "branch", "level"),
    [
        ("SHUXIANGGE CATERING", "蜀香阁", "五角场", "brand"),  # HSBC HK: the operator's name in pinyin
        ("SHU XIANG GE", "蜀香阁", "五角场", "brand"),  # syllables apart
        ("SHANGHAI SHUXIANGGE CATERING MANAGEMENT CO LTD", "蜀香阁", None, "brand"),  # an English legal name
        ("CHAYUXUAN TEA", "茶语轩", None, "brand"),
        ("HAIDILAO HOT POT SHANGHAI", "海底捞火锅", "五角场", "brand"),  # 火锅 in English, a city
        ("HAIDILAO WUJIAOCHANG", "海底捞火锅", "五角场", "same branch"),
        ("YAHUI CATERING CO.,LTD.", "雅惠", None, "brand"),  # field guide 2.2: "QR  YAHUI CATERING CO.,LTD."
        ("LUCKIN COFFEE SHANGHAI", "瑞幸咖啡", "国贸", None),  # an English trading name: no rule reads it
        ("CHAYUXUAN TEA", "蜀香阁", "五角场", None),  # another shop's pinyin
        ("SHUXIANG", "蜀香阁", None, None),  # part of a name spells no brand
    ],
)
def test_a_latin_name_is_read_as_pinyin_of_the_sign(text, brand, branch, level) -> None:
    assert pinyin_reading(text, brand, branch) == level


def test_pinyin_keeps_every_reading_of_a_character_with_several() -> None:
    assert {"XINGJI", "HANGJI"} <= pinyin_of("行记")  # a phrase the dictionary knows keeps its one reading
    assert pinyin_of("银行") == frozenset({"YINHANG"})
    assert {"ZENGJI", "CENGJI"} <= pinyin_of("曾记")
    assert "LVCHA" in pinyin_of("绿茶") and "LUCHA" in pinyin_of("绿茶")  # ü as V (typing) and U (cards)
    assert pinyin_of("MCDONALDS") == frozenset()


def test_the_comparator_reads_a_foreign_cards_line_against_the_sign() -> None:
    c = MerchantComparator()
    line = "SALES:   SHUXIANGGE CATERING       CHN          CN"  # HSBC HK, country codes in columns
    assert c.read(line, SHU).level == "brand"
    assert c.read(line, CHA).level == "neutral"  # read alone: a Latin name is not compared with another sign
    assert c.read("QR       SHUXIANGGE CATERING CO.,LTD.   CHN          CN", SHU).level == "brand"  # legal
    assert c.read("MCDONALDS SHANGHAI  CHN CN", SHU).level == "neutral"


def test_a_latin_name_that_reads_as_another_shop_of_the_journal_is_evidence_against() -> None:
    c = MerchantComparator()
    merchants = np.array([SHU, CHA], dtype=object)
    table = c.table(merchants, np.array([0.5, 0.5]), pd.Series(["CHAYUXUAN TEA", "ZHANGSAN FOOD"]), {})
    names = c.names
    assert list(names[table.levels[0]]) == ["other brand", "brand"]  # 茶语轩's pinyin: against 蜀香阁
    assert list(names[table.levels[1]]) == ["neutral", "neutral"]  # read as no shop: neither for nor against


def _line(pid: str, amount: int, last4: str, text: str, **fields) -> dict:
    return pf(pid, amount, None, card_last4=last4, merchant_text=text, **fields)


def test_a_line_in_pinyin_is_matched_and_one_naming_the_other_shop_is_not() -> None:
    bg = background()
    j = journal(
        *bg,
        txn("S1", 14200, "12:10:00", card_last4="1111", merchant_name=SHU),
        txn("C1", 2100, "15:20:00", card_last4="2222", merchant_name=CHA),
    )
    lines = [
        _line("shu", 14200, "1111", "SALES:   SHUXIANGGE CATERING       CHN          CN"),
        _line("cha_as_shu", 2100, "2222", "SALES:   SHUXIANGGE CATERING       CHN          CN"),
    ]
    result = rk.match(proofs(*lines), j)
    assert row_of(result, "shu")["txn_id"] == "S1"
    other = row_of(result, "cha_as_shu")
    assert other["status"] == "unmatched" and "other brand" in other["reason"]


def _luckin_world(n_lines: int):
    """Sales at the coffee shop on cards only foreign lines name, and one at 蜀香阁."""
    sales = [
        txn(f"L{k}", 3100 + 100 * k, f"1{k}:05:00", card_last4=f"{5000 + k}", merchant_name=LUCKIN)
        for k in range(n_lines)
    ]
    sales.append(txn("S9", 8800, "19:31:10", card_last4="4321", merchant_name=SHU))
    lines = [
        _line(f"luckin{k}", 3100 + 100 * k, f"{5000 + k}", "LUCKIN COFFEE SHANGHAICHN")
        for k in range(n_lines)
    ]
    return journal(*background(), *sales), lines


def test_an_english_trading_name_is_learned_from_the_lines_that_single_out_its_sales() -> None:
    j, lines = _luckin_world(3)
    stray = _line("stray", 8800, "4321", "SALES:   LUCKIN COFFEE SHANGHAI  CHN CN")  # fits 蜀香阁's sale
    result = rk.match(proofs(*lines, stray), j)
    assert result.attrs["merchant_aliases"][LUCKIN] == ["LUCKINCOFFEESHANGHAI"]
    for k in range(3):
        assert row_of(result, f"luckin{k}")["txn_id"] == f"L{k}"
    # the learned name is the coffee shop's: on 蜀香阁's sale it names another shop
    verdict = row_of(result, "stray")
    assert verdict["status"] == "unmatched" and "other brand" in verdict["reason"]
    evidence = rk.explain(result, "luckin0")
    assert evidence.set_index("field").loc["merchant", "best_level"] == "alias"


def test_two_lines_teach_no_name() -> None:
    j, lines = _luckin_world(2)
    result = rk.match(proofs(*lines), j)
    assert LUCKIN not in result.attrs["merchant_aliases"]


def test_lines_that_lead_to_two_brands_alike_teach_no_name() -> None:
    j, lines = _luckin_world(3)
    extra = [
        txn(f"S{k}", 6100 + 100 * k, f"1{k}:45:00", card_last4=f"{6000 + k}", merchant_name=SHU)
        for k in range(3)
    ]
    j = journal(*j.to_dict("records"), *extra)
    more = [_line(f"shu{k}", 6100 + 100 * k, f"{6000 + k}", "LUCKIN COFFEE SHANGHAICHN") for k in range(3)]
    result = rk.match(proofs(*lines, *more), j)
    assert result.attrs["merchant_aliases"] == {}


def test_a_country_code_or_a_channel_is_never_learned_as_a_name() -> None:
    """BOC glues the country to the channel ("POS消费CHN", field guide 2.1.7): a channel, not a shop "CHN"."""
    j, _ = _luckin_world(4)
    lines = [_line(f"boc{k}", 3100 + 100 * k, f"{5000 + k}", "POS消费CHN") for k in range(4)]
    result = rk.match(proofs(*lines), j)
    assert result.attrs["merchant_aliases"] == {}
    for k in range(4):
        assert row_of(result, f"boc{k}")["txn_id"] == f"L{k}"  # read as a channel only: neutral, and matched


def test_trade_words_and_country_codes_alone_teach_no_name() -> None:
    j, _ = _luckin_world(4)
    lines = [
        _line(f"c{k}", 3100 + 100 * k, f"{5000 + k}", "SALES:   CATERING CO LTD  CHN CN") for k in range(4)
    ]
    result = rk.match(proofs(*lines), j)
    assert result.attrs["merchant_aliases"] == {}


@pytest.mark.parametrize(
    ("text", "kind"),
    [("POS消费CHN", "empty"), ("网银在线CHN", "platform"), ("SALES:   MCDONALDS  CHN CN", "shop")],
)
def test_a_glued_country_code_leaves_the_channel_or_platform_it_follows(text: str, kind: str) -> None:
    from receiptkit.matching.text import parse_merchant

    assert (
        parse_merchant(text).kind == kind
    )  # BOC: "POS消费CHN", "网银在线CHN 70.48" (field guide 2.1.7, 3.1)


@pytest.mark.parametrize(
    ("text", "branch", "level"),
    [
        ("LAOMATOU HOTPOT (WUJIAOCHANG)", "五角场", "same branch"),
        ("LAOMATOU HOTPOT (WUJIAOCHANGDIAN)", "五角场", "same branch"),  # 店 spelled too
        ("LAOMATOU HOTPOT (JINGANSI)", "五角场", "other branch"),
        # cut by a fixed-width field (the HSBC HK current account's 24 characters, field guide 2.1.6)
        ("LAOMATOU HOTPOT (WUJIAOC", "五角场", "same branch"),
        ("LAOMATOU HOTPOT (JINGANS", "五角场", "other branch"),
        ("LAOMATOU HOTPOT (WU", "五角场", "brand"),  # two letters fit too many places to tell
        ("LAOMATOU HOTPOT (WU", "静安寺", "other branch"),  # ...but cannot begin JINGANSI
        ("LAOMATOU HOTPOT (SHANGHAI)", "五角场", "brand"),  # a city in the brackets names no branch
        ("LAOMATOU HOTPOT (WUJIAOCHANG)", None, "brand"),  # the journal names no branch
    ],
)
def test_a_branch_in_brackets_after_a_pinyin_brand_is_read_against_the_journals(text, branch, level) -> None:
    assert pinyin_reading(text, "老码头火锅", branch) == level


def test_a_latin_line_naming_another_branch_is_not_matched_to_this_branchs_sale() -> None:
    """Two branches, each with a card sale of 186.00 on the line's day: the pinyin branch tells them apart,
    in full or cut at a fixed width; read as 'brand' before, both were alike and the line ambiguous."""
    rows = background(40)
    rows.append(
        txn("WJC", 18600, "12:10:00", merchant_name="老码头火锅(五角场店)", merchant_id="M2", card_last4=None)
    )
    rows.append(
        txn("JAS", 18600, "19:40:00", merchant_name="老码头火锅(静安寺店)", merchant_id="M3", card_last4=None)
    )
    j = journal(*rows)
    c = MerchantComparator()
    for text, right in (
        ("SALES:   LAOMATOU HOTPOT (JINGANSI)CHN          CN", "JAS"),
        ("LAOMATOU HOTPOT (WUJIAOC", "WJC"),
    ):
        wrong = "WJC" if right == "JAS" else "JAS"
        names = {"WJC": "老码头火锅(五角场店)", "JAS": "老码头火锅(静安寺店)"}
        assert c.read(text, names[right]).level == "same branch"
        assert c.read(text, names[wrong]).level == "other branch"
        result = rk.match(proofs(pf("l", 18600, None, merchant_text=text)), j)
        row = row_of(result, "l")
        assert row["txn_id"] != wrong or row["status"] != "matched"
        if row["status"] == "matched":
            assert row["txn_id"] == right
        else:
            assert list(row["candidate_txn_ids"])[:1] == [right]


# ---------------------------------------------------------------- a branch in brackets after a known name

KAMKEE = "金記茶餐廳(銅鑼灣店)"  # a Hong Kong sign: its card lines print an English trading name


@pytest.mark.parametrize(
    ("text", "aliases", "level"),
    [
        # an alias of the brand that holds a branch: that branch, or another (field guide 2.1.4)
        ("KAM KEE CAFE (CAUSEWAY BAY)", ["KAMKEECAFECAUSEWAYBAY"], "alias"),
        ("KAM KEE CAFE (CAUSEW", ["KAMKEECAFECAUSEWAYBAY"], "alias"),  # cut by a fixed-width field
        ("KAM KEE CAFE (MONG KOK)", ["KAMKEECAFECAUSEWAYBAY"], "other branch"),
        # an alias of the brand only: the branch is read against the sign's (Hong Kong places in English)
        ("KAM KEE CAFE (CAUSEWAY BAY)", ["KAMKEECAFE"], "same branch"),
        ("KAM KEE CAFE (MONG KOK)", ["KAMKEECAFE"], "other branch"),
        ("KAM KEE CAFE (HARBOUR CITY)", ["KAMKEECAFE"], "brand"),  # a place nobody taught: the brand only
        ("KAM KEE CAFE HONG KONG HK", ["KAMKEECAFE"], "alias"),  # a city after the name, no branch
        # the shop's names on card lines are known: another Latin sign is another shop's
        ("TSUI WAH RESTAURANT (HARBOUR CITY)", ["KAMKEECAFECAUSEWAYBAY"], "other brand"),
        ("TSUI WAH RESTAURANT", ["KAMKEECAFECAUSEWAYBAY"], "unrelated"),
        ("TSUI WAH RESTAURANT (HARBOUR CITY)", [], "neutral"),  # nothing known: no rule can read it
        # a Hong Kong place in the bracket that is not the sign's: another shop, whatever the brand
        # (another shop: 'other brand', nothing says the line is of this brand)
        ("TSUI WAH RESTAURANT (CENTRAL)", [], "other brand"),
        ("KAM KEE CAFE (MONG KOK)", [], "other brand"),
        ("KAM KEE CAFE (CAUSEWAY BAY)", [], "neutral"),  # the same place, a brand nobody taught
        ("KAM KEE CAFE (MONG", [], "neutral"),  # cut: too little to tell
    ],
)
def test_a_branch_after_a_known_latin_name_is_compared(text, aliases, level) -> None:
    assert MerchantComparator().read(text, KAMKEE, aliases).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("JINJI CAFE (JINGANSI)", "same branch"),  # 茶餐厅 is the line of business (CAFE), 金记 the brand
        ("JINJI CAFE (XUJIAHUI)", "other branch"),
        ("JINJI CAFE", "brand"),
    ],
)
def test_a_cha_chaan_teng_is_read_by_the_pinyin_of_its_brand(text, level) -> None:
    assert MerchantComparator().read(text, "金记茶餐厅(静安寺店)").level == level
    # a learned alias of the brand does not hide the branch
    with_alias = MerchantComparator().read(text, "金记茶餐厅(静安寺店)", ["JINJICAFE"]).level
    assert with_alias == (level if level != "brand" else "alias")


def test_a_line_naming_another_branch_after_a_declared_name_is_not_matched() -> None:
    """A Hong Kong card's SMS naming the chain's Mong Kok shop, with the amount, minute and last 4 of a sale at
    the Causeway Bay shop (the journal's), is held; the same line naming Causeway Bay is matched."""
    j = journal(
        *background(),
        txn("K1", 12850, "12:10:00", card_last4="1111", merchant_name=KAMKEE),
        txn("K2", 4800, "13:54:00", card_last4="7109", merchant_name=KAMKEE),
    )
    index = rk.JournalIndex(j, merchant_aliases={KAMKEE: ["KAM KEE CAFE (CAUSEWAY BAY)"]})
    sms = {"kind": "sms", "ts_precision": "minute"}
    lines = [
        pf("here", 12850, "12:10:00", card_last4="1111", merchant_text="KAM KEE CAFE (CAUSEWAY BAY)", **sms),
        pf("mongkok", 4800, "13:54:00", card_last4="7109", merchant_text="KAM KEE CAFE (MONG KOK)", **sms),
    ]
    result = rk.match(proofs(*lines), index)
    assert row_of(result, "here")["txn_id"] == "K1"
    other = row_of(result, "mongkok")
    assert other["status"] != "matched" and "other branch" in other["reason"]


def test_hong_kong_places_are_compared_through_pinyin() -> None:
    """銅鑼灣 (traditional) and 铜锣湾 (simplified) are one place, Causeway Bay; 旺角 is Mong Kok."""
    from receiptkit.matching.latin import english_places

    assert english_places("銅鑼灣") == english_places("铜锣湾店") == {"CAUSEWAYBAY"}
    assert english_places("旺角店") == {"MONGKOK"}
    assert english_places("五角场") == frozenset()


# ---------------------------------------------------------------- review of the session-14 readings


@pytest.mark.parametrize(
    ("text", "aliases", "level"),
    [
        # a known name shorter than the line's brand: the bracket after it is still compared (it was 'alias', and
        # an SMS from the chain's Mong Kok shop copying a Causeway Bay sale was matched at 100 %)
        ("KAM KEE CAFE (MONG KOK)", ["KAMKEE"], "other branch"),
        ("KAM KEE CAFE (CAUSEWAY BAY)", ["KAMKEE"], "same branch"),
        # what follows the line's brand in a known name is not a branch when it is a trade word, a city or a
        # country code: the shop's own line was 'other branch' (held)
        ("KAM KEE (CAUSEWAY BAY)", ["KAMKEECAFE"], "same branch"),
        ("KAM KEE CAFE (CAUSEWAY BAY)", ["KAMKEECAFEHONGKONG"], "same branch"),
        ("KAM KEE CAFE (CAUSEWAY BAY)", ["KAMKEECAFEHK"], "same branch"),
        ("KAM KEE CAFE (MONG KOK)", ["KAMKEECAFEHONGKONG"], "other branch"),
        # ...and a trade word before the taught branch leaves the branch
        ("KAM KEE (CAUSEWAY BAY)", ["KAMKEECAFECAUSEWAYBAY"], "alias"),
        ("KAM KEE (MONG KOK)", ["KAMKEECAFECAUSEWAYBAY"], "other branch"),
    ],
)
def test_the_bracket_after_a_known_name_is_compared_only_with_a_taught_branch(text, aliases, level) -> None:
    assert MerchantComparator().read(text, KAMKEE, aliases).level == level


def test_a_line_naming_another_branch_after_a_short_declared_name_is_not_matched() -> None:
    """The shop declared as 'KAM KEE': an SMS from the chain's Mong Kok shop copying the amount, minute and last 4
    of a Causeway Bay sale is not matched (it was, at 100 %: the short name agreed with everything after it)."""
    j = journal(*background(), txn("K2", 4800, "13:54:00", card_last4="7109", merchant_name=KAMKEE))
    index = rk.JournalIndex(j, merchant_aliases={KAMKEE: ["KAM KEE"]})
    sms = {"kind": "sms", "ts_precision": "minute"}
    line = pf("mongkok", 4800, "13:54:00", card_last4="7109", merchant_text="KAM KEE CAFE (MONG KOK)", **sms)
    other = row_of(rk.match(proofs(line), index), "mongkok")
    assert other["status"] != "matched" and "other branch" in other["reason"]


@pytest.mark.parametrize(
    ("text", "merchant", "aliases", "level"),
    [
        # a territory or country in brackets names no branch: the shop's own company, or the brand in Hong Kong
        ("KAM KEE CATERING (HK)", KAMKEE, ["KAMKEECAFE"], "neutral"),  # was 'other brand'
        ("KAM KEE CAFE (HONG KONG)", KAMKEE, ["KAMKEECAFE"], "alias"),
        ("JINJI CAFE (HK)", "金记茶餐厅(静安寺店)", [], "brand"),  # was 'other branch' (HK is no branch)
        ("JINJI CAFE (CHINA)", "金记茶餐厅(静安寺店)", [], "brand"),
        # a line whose first words begin a known name is not another shop's: the shop's company, its name
        # with a city (both were 'unrelated')
        ("KAM KEE CATERING (HK) LIMITED", KAMKEE, ["KAMKEECAFE"], "neutral"),
        ("KAM KEE CAFE HONG KONG HK", KAMKEE, ["KAMKEECAFECAUSEWAYBAY"], "neutral"),
        ("TSUI WAH RESTAURANT", KAMKEE, ["KAMKEECAFECAUSEWAYBAY"], "unrelated"),  # still another shop's
        ("KAM WAH CAFE", KAMKEE, ["KAMKEECAFE"], "unrelated"),  # one short word in common says nothing
    ],
)
def test_a_territory_in_brackets_or_the_brands_first_words_are_not_another_shop(
    text, merchant, aliases, level
) -> None:
    assert MerchantComparator().read(text, merchant, aliases).level == level


TSUIWAH = "翠華餐廳(中環店)"


def test_a_hong_kong_place_in_brackets_names_another_shop_not_a_branch_of_this_brand() -> None:
    """'TSUI WAH RESTAURANT (CENTRAL)' is not at 金記's Causeway Bay shop, but nothing says it is 金記's brand: read
    'other branch', the batch took it for a shop of 金記 and so 'other brand' against every other shop of the
    journal, its own included: the genuine line of 翠華 at Central was unmatched."""
    c = MerchantComparator()
    assert c.read("TSUI WAH RESTAURANT (CENTRAL)", KAMKEE).level == "other brand"
    assert c.read("TSUI WAH RESTAURANT (CENTRAL)", TSUIWAH).level == "neutral"
    j = journal(
        *background(),
        txn("K1", 12850, "12:10:00", card_last4="1111", merchant_name=KAMKEE, merchant_id="M2"),
        txn("T1", 4800, "13:54:00", card_last4="7109", merchant_name=TSUIWAH, merchant_id="M3"),
    )
    sms = {"kind": "sms", "ts_precision": "minute"}
    line = pf(
        "tsui", 4800, "13:54:00", card_last4="7109", merchant_text="TSUI WAH RESTAURANT (CENTRAL)", **sms
    )
    result = rk.match(proofs(line), j)
    assert row_of(result, "tsui")["txn_id"] == "T1"
    evidence = rk.explain(result, "tsui").set_index("field")
    assert evidence.loc["merchant", "best_level"] == "neutral"


@pytest.mark.parametrize(
    ("text", "merchant", "aliases", "level"),
    [
        # Tai Koo (the MTR station) is in Taikoo Shing: one place inside the other is not another shop
        ("KAM KEE CAFE (TAIKOO)", "金記茶餐廳(太古城店)", [], "neutral"),
        ("KAM KEE CAFE (TAIKOO SHING)", "金記茶餐廳(太古店)", [], "neutral"),
        ("KAM KEE CAFE (TAIKOO)", "金記茶餐廳(太古城店)", ["KAMKEECAFE"], "brand"),
        ("KAM KEE CAFE (MONG KOK)", "金記茶餐廳(太古城店)", [], "other brand"),
        ("KAM KEE CAFE (MONG KOK)", "金記茶餐廳(太古城店)", ["KAMKEECAFE"], "other branch"),
    ],
)
def test_a_place_inside_the_shops_place_is_not_another_branch(text, merchant, aliases, level) -> None:
    assert MerchantComparator().read(text, merchant, aliases).level == level


def test_a_shops_known_name_does_not_stop_another_shop_from_learning_its_own() -> None:
    """金記's card-line name declared: 'LUCKIN COFFEE' reads 'unrelated' against 金記 (not its name), which is no
    reason not to learn it for the coffee shop its lines single out (nothing was learned: a voter had to read
    'neutral' against every shop); it still teaches 金記 nothing."""
    j, lines = _luckin_world(4)
    j = journal(*j.to_dict("records"), txn("K1", 12850, "12:10:00", card_last4="1111", merchant_name=KAMKEE))
    index = rk.JournalIndex(j, merchant_aliases={KAMKEE: ["KAM KEE CAFE"]})
    result = rk.match(proofs(*lines), index)
    assert result.attrs["merchant_aliases"].get(LUCKIN) == ["LUCKINCOFFEESHANGHAICHN"]
    assert KAMKEE not in result.attrs["merchant_aliases"]
    assert MerchantComparator().read("LUCKIN COFFEE SHANGHAICHN", KAMKEE, ["KAMKEECAFE"]).level == "unrelated"


def test_a_name_that_is_not_a_shops_known_one_teaches_that_shop_nothing() -> None:
    """Lines of another brand copying 金記's sales (amount, minute, last 4) vote for nothing: against 金記, whose
    name is known, they read 'unrelated'."""
    sales = [
        txn(f"K{k}", 3100 + 100 * k, f"1{k}:05:00", card_last4=f"{5000 + k}", merchant_name=KAMKEE)
        for k in range(4)
    ]
    j = journal(*background(), *sales)
    index = rk.JournalIndex(j, merchant_aliases={KAMKEE: ["KAM KEE CAFE"]})
    lines = [_line(f"t{k}", 3100 + 100 * k, f"{5000 + k}", "TSUI WAH RESTAURANT") for k in range(4)]
    result = rk.match(proofs(*lines), index)
    assert "TSUIWAHRESTAURANT" not in result.attrs["merchant_aliases"].get(KAMKEE, [])


@pytest.mark.parametrize(
    ("text", "aliases", "level"),
    [
        # a city, territory or country after the bracket (a card line's city column, field guide 2.1.7: ABC's
        # 23-character name, 13-character city, country) or a full stop: the bracket is still the branch (the
        # line read 'alias' and was matched as the shop's own)
        ("KAM KEE CAFE (MONG KOK) HONG KONG", ["KAMKEECAFE"], "other branch"),
        ("KAM KEE CAFE (MONG KOK)HONG KONG    HK", ["KAMKEECAFE"], "other branch"),
        ("KAM KEE CAFE (MONG KOK).", ["KAMKEECAFE"], "other branch"),
        ("KAM KEE CAFE (CAUSEWAY BAY) HONG KONG", ["KAMKEECAFE"], "same branch"),
        ("KAM KEE CAFE (MONG KOK) HONG KONG", [], "other brand"),
        ("KAM KEE CAFE (HARBOUR CITY) KOWLOON", ["KAMKEECAFE"], "brand"),
        ("KAM KEE CATERING (HK) LIMITED", [], "neutral"),  # a company word after it: not read as a branch
    ],
)
def test_a_city_after_the_bracket_does_not_hide_the_branch(text, aliases, level) -> None:
    assert MerchantComparator().read(text, KAMKEE, aliases).level == level


def test_a_line_at_a_hong_kong_place_is_another_shop_for_the_journals_shops_elsewhere() -> None:
    """'TSUI WAH RESTAURANT (CENTRAL)' names a shop at Central: against 金記's Causeway Bay shop it is another shop,
    and so for every shop sign of the journal whose branch is named and is not at Central (a Shanghai branch);
    the journal's own shop at Central keeps its reading. Counted as naming no shop, such lines (copying the
    sales here) raised the batch's estimate of payments made elsewhere: on clean room 5 seed 0, 112 genuine SMS
    that were 'ambiguous' became 'unmatched'."""
    c = MerchantComparator()
    merchants = np.array([KAMKEE, "金记茶餐厅(静安寺店)", TSUIWAH, "翠華餐廳"], dtype=object)
    table = c.table(merchants, np.full(4, 0.25), pd.Series(["TSUI WAH RESTAURANT (CENTRAL)"]), {})
    assert list(c.names[table.levels[0]]) == ["other brand", "other brand", "neutral", "neutral"]


@pytest.mark.parametrize("text", ["JINJI CAFE (NO.2)", "JINJI CAFE (NO 2)", "JINJI CAFE (NO2)"])
def test_a_numbered_shop_in_brackets_is_no_branch_named_no(text) -> None:
    """'(NO.2)' is a shop's number, not a branch spelled NO: it read 'other branch' of 金记茶餐厅(静安寺店)."""
    assert MerchantComparator().read(text, "金记茶餐厅(静安寺店)").level == "brand"


def _hong_kong_batch(company: str, elsewhere: str, n_elsewhere: int = 2):
    """金記's Causeway Bay sales named on card lines as its sign, sales copied by lines naming ``company``, and
    ``n_elsewhere`` lines of ``elsewhere`` (a sign at another place) that fit no sale."""
    own = [
        txn(f"K{k}", 3100 + 100 * k, f"1{k}:05:00", card_last4=f"{5000 + k}", merchant_name=KAMKEE)
        for k in range(5)
    ]
    copied = [
        txn(f"C{k}", 4300 + 100 * k, f"1{k}:35:00", card_last4=f"{6000 + k}", merchant_name=KAMKEE)
        for k in range(4)
    ]
    j = journal(*background(), *own, *copied)
    sms = {"kind": "sms", "ts_precision": "minute"}
    lines = [
        pf(
            f"own{k}",
            3100 + 100 * k,
            f"1{k}:05:00",
            card_last4=f"{5000 + k}",
            merchant_text="KAM KEE CAFE (CAUSEWAY BAY)",
            **sms,
        )
        for k in range(5)
    ]
    lines += [
        pf(f"co{k}", 4300 + 100 * k, f"1{k}:35:00", card_last4=f"{6000 + k}", merchant_text=company, **sms)
        for k in range(4)
    ]
    lines += [
        pf(
            f"else{k}",
            9900 + 100 * k,
            f"1{k}:50:00",
            card_last4=f"{7000 + k}",
            merchant_text=elsewhere,
            **sms,
        )
        for k in range(n_elsewhere)
    ]
    return j, proofs(*lines)


def test_a_company_named_like_a_sign_at_another_place_is_not_learned_for_this_shop() -> None:
    """Field guide 2.4: the strongest 'other shop' signal is 'a legal entity already linked to another merchant'.
    'TSUI WAH HOLDINGS LIMITED' lines copying 金記's sales (amount, minute, last 4) taught it as 金記's own name
    while the same batch read 'TSUI WAH RESTAURANT (CENTRAL)' as a shop at another place: the company is that
    sign's, not 金記's, and its lines are not 金記's sales."""
    j, batch = _hong_kong_batch("TSUI WAH HOLDINGS LIMITED", "TSUI WAH RESTAURANT (CENTRAL)")
    result = rk.match(batch, j)
    learned = result.attrs["merchant_aliases"].get(KAMKEE, [])
    assert "KAMKEECAFECAUSEWAYBAY" in learned
    assert "TSUIWAHHOLDINGS" not in learned
    for k in range(
        4
    ):  # against 金記, whose card-line names are known, another company's name: evidence against
        evidence = rk.explain(result, f"co{k}").set_index("field")
        assert evidence.loc["merchant", "best_level"] == "unrelated"
    for k in range(5):
        assert row_of(result, f"own{k}")["txn_id"] == f"K{k}"


def test_a_company_is_learned_when_the_batch_ties_its_name_to_this_shops_place() -> None:
    """'KAM KEE CATERING (HK) LIMITED' shares KAM KEE with a sign at another place (Mong Kok, another branch) and
    with the lines naming this shop's own place (Causeway Bay): the batch ties the words to this shop too, so the
    company is learned as before."""
    j, batch = _hong_kong_batch("KAM KEE CATERING (HK) LIMITED", "KAM KEE CAFE (MONG KOK)")
    result = rk.match(batch, j)
    learned = result.attrs["merchant_aliases"].get(KAMKEE, [])
    assert "KAMKEECATERINGHK" in learned
    for k in range(4):
        assert row_of(result, f"co{k}")["txn_id"] == f"C{k}"
        assert rk.explain(result, f"co{k}").set_index("field").loc["merchant", "best_level"] == "alias"


def test_a_company_is_learned_when_nothing_in_the_batch_links_it_elsewhere() -> None:
    """Without a sign at another place sharing its words, nothing tells a company's lines from the shop's own
    legal name (field guide 2.1.2: 金拱门 for McDonald's): learned, as before (docs/matching.md says so)."""
    j, batch = _hong_kong_batch("TSUI WAH HOLDINGS LIMITED", "TSUI WAH RESTAURANT (CENTRAL)", n_elsewhere=0)
    result = rk.match(batch, j)
    assert "TSUIWAHHOLDINGS" in result.attrs["merchant_aliases"].get(KAMKEE, [])


@pytest.mark.parametrize(
    ("text", "merchant", "aliases", "level"),
    [
        # field guide 2.1.7: a card line's fixed-width name runs into its city column without brackets; a listed
        # Hong Kong place after a known name is the outlet, as in brackets (2.1.4)
        ("KAM KEE CAFE MONG KOK", KAMKEE, ["KAMKEECAFE"], "other branch"),
        ("KAM KEE CAFE MONG KOK HONG KONG HK", KAMKEE, ["KAMKEECAFE"], "other branch"),
        ("KAM KEE CAFE CAUSEWAY BAY", KAMKEE, ["KAMKEECAFE"], "alias"),
        ("KAM KEE CAFE HONG KONG HK", KAMKEE, ["KAMKEECAFE"], "alias"),
        (
            "KAM KEE CAFE TAIKOO",
            "金記茶餐廳(太古城店)",
            ["KAMKEECAFE"],
            "alias",
        ),  # Tai Koo is in Taikoo Shing
        ("KAM KEE CAFE MONG KOK", KAMKEE, ["KAMKEECAFECAUSEWAYBAY"], "other branch"),
        ("KAM KEE CAFE CAUSEWAY BAY", KAMKEE, ["KAMKEECAFECAUSEWAYBAY"], "alias"),
        (
            "KAM KEE CAFE MONG KOK",
            "金记茶餐厅(静安寺店)",
            ["KAMKEECAFE"],
            "alias",
        ),  # no listed place: not compared
    ],
)
def test_a_place_without_brackets_after_a_known_name_is_compared(text, merchant, aliases, level) -> None:
    assert MerchantComparator().read(text, merchant, aliases).level == level


def test_a_line_naming_another_place_without_brackets_is_not_matched() -> None:
    """An SMS from the chain's Mong Kok shop, 'KAM KEE CAFE MONG KOK', whose amount, minute and last 4 copy a sale
    of the Causeway Bay shop, read 'alias' (the known name begins it) and was matched at 100 %."""
    j = journal(
        *background(),
        txn("K1", 12850, "12:10:00", card_last4="1111", merchant_name=KAMKEE, merchant_id="M2"),
    )
    index = rk.JournalIndex(j, merchant_aliases={KAMKEE: ["KAM KEE CAFE"]})
    sms = {"kind": "sms", "ts_precision": "minute"}
    line = pf("mk", 12850, "12:10:00", card_last4="1111", merchant_text="KAM KEE CAFE MONG KOK", **sms)
    result = rk.match(proofs(line), index)
    verdict = row_of(result, "mk")
    assert verdict["status"] == "unmatched" and "other branch" in verdict["reason"]


def test_a_name_ending_in_another_place_is_not_learned_for_this_shop() -> None:
    """Lines 'KAM KEE CAFE MONG KOK' (the chain's Mong Kok shop, its city column run into the name) copying the
    Causeway Bay shop's sales would teach that name as the Causeway Bay shop's own; a name ending in a listed
    place other than the shop's is not learned for it (one ending in its own place is)."""
    j, batch = _hong_kong_batch("KAM KEE CAFE MONG KOK", "TSUI WAH RESTAURANT (CENTRAL)", n_elsewhere=0)
    result = rk.match(batch, j)
    learned = result.attrs["merchant_aliases"].get(KAMKEE, [])
    assert "KAMKEECAFECAUSEWAYBAY" in learned
    assert not [name for name in learned if "MONGKOK" in name]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # ABC's foreign lines (field guide 2.1.7): 境外消费 + a 23-character name + a 13-character city + country
        ("境外消费  KAM KEE CAFE            CAUSEWAY BAY HK", "alias"),
        ("境外消费  KAM KEE CAFE            MONG KOK     HK", "other branch"),
        ("境外消费  TSUI WAH RESTAURANT", "unrelated"),
    ],
)
def test_abcs_foreign_spending_prefix_is_a_channel_not_the_name(text: str, level: str) -> None:
    """'境外消费' was read as part of the name, so the shop's own line read 'unrelated' (against)."""
    assert MerchantComparator().read(text, KAMKEE, ["KAMKEECAFE"]).level == level


@pytest.mark.parametrize(
    ("text", "merchant", "aliases", "level"),
    [
        # the Tin Hau shop's line, one MTR stop from Causeway Bay: AU was cut as Australia's code, TINH is no place,
        # and the line read 'alias' for the Causeway Bay shop
        ("KAM KEE CAFE TIN HAU", KAMKEE, ["KAMKEECAFE"], "other branch"),
        ("KAM KEE CAFE TIN HAU HONG KONG HK", KAMKEE, ["KAMKEECAFE"], "other branch"),
        # the Tin Hau shop's own line against its known name: the branch taught was TINH, and TIN HAU read another
        ("KAM KEE (TIN HAU)", "金記茶餐廳(天后店)", ["KAMKEECAFETINHAU"], "alias"),
        ("KAM KEE CAFE TIN HAU", "金記茶餐廳(天后店)", ["KAMKEECAFE"], "alias"),
    ],
)
def test_a_place_ending_in_a_country_code_is_that_place(text, merchant, aliases, level) -> None:
    """TIN HAU ends in AU (Australia): a place is never cut as a country code after it."""
    assert MerchantComparator().read(text, merchant, aliases).level == level


def test_a_name_ending_in_a_place_ending_in_a_country_code_ends_in_that_place() -> None:
    """KAMKEECAFETINHAU ends in TIN HAU (not learned for the Causeway Bay shop); KAMKEECAFEAU still ends in none."""
    from receiptkit.matching.latin import _tail_place, taught_branch

    assert _tail_place("KAMKEECAFETINHAU") == "TINHAU"
    assert _tail_place("KAMKEECAFETINHAUHONGKONGHK") == "TINHAU"
    assert taught_branch("CAFETINHAU") == "TINHAU"
    assert taught_branch("CAFEAU") == ""
    assert _tail_place("KAMKEECAFEAU") == ""


def test_another_brands_sign_at_this_shops_place_does_not_tie_its_company_to_this_shop() -> None:
    """Chains cluster: TSUI WAH has a Causeway Bay shop too. Its lines 'TSUI WAH RESTAURANT (CAUSEWAY BAY)' (fitting
    no sale of 金記) put TSUI WAH at 金記's place, and 'TSUI WAH HOLDINGS LIMITED', whose lines copy 金記's sales,
    was learned as 金記's name again. A sign at the shop's place ties its words to the shop only when another name
    of the shop's brand beginning with them singles out its sales (as KAM KEE CAFE (CAUSEWAY BAY) does for KAM
    KEE CATERING (HK) LIMITED)."""
    j, batch = _hong_kong_batch("TSUI WAH HOLDINGS LIMITED", "TSUI WAH RESTAURANT (CENTRAL)")
    here = [
        pf(
            f"cwb{k}",
            7700 + 100 * k,
            f"1{k}:55:00",
            card_last4=f"{8000 + k}",
            merchant_text="TSUI WAH RESTAURANT (CAUSEWAY BAY)",
            kind="sms",
            ts_precision="minute",
        )
        for k in range(2)
    ]
    result = rk.match(pd.concat([batch, proofs(*here)], ignore_index=True), j)
    learned = result.attrs["merchant_aliases"].get(KAMKEE, [])
    assert "KAMKEECAFECAUSEWAYBAY" in learned
    assert "TSUIWAHHOLDINGS" not in learned
    for k in range(4):
        assert rk.explain(result, f"co{k}").set_index("field").loc["merchant", "best_level"] == "unrelated"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # a shop's number before the city column (field guide 2.1.7; Square's '#02', 2.3): the place after it was
        # never compared, and the Mong Kok shop's line read 'alias' for the Causeway Bay shop
        ("KAM KEE CAFE 2 MONG KOK", "other branch"),
        ("SQ *KAM KEE CAFE #02 MONG KOK", "other branch"),
        ("KAM KEE CAFE NO.2 MONG KOK", "other branch"),
        ("KAM KEE CAFE SHOP 12 MONG KOK HONG KONG HK", "other branch"),
        # the branch in Chinese after the Latin name
        ("KAM KEE CAFE 旺角", "other branch"),
        ("KAM KEE CAFE 旺角店", "other branch"),
        # the shop's own place, or no place: as before
        ("KAM KEE CAFE 2 CAUSEWAY BAY", "alias"),
        ("KAM KEE CAFE 銅鑼灣", "alias"),
        ("KAM KEE CAFE 2", "alias"),
        ("KAM KEE CAFE 852 HK", "alias"),
    ],
)
def test_a_place_after_a_shops_number_or_in_chinese_is_compared(text: str, level: str) -> None:
    assert MerchantComparator().read(text, KAMKEE, ["KAMKEECAFE"]).level == level
