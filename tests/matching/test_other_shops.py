"""Proofs of payments made in another shop: another brand or branch is evidence against (issue 17, item 1).

A clean-room evaluation matched, at 98.8-100 %, card SMS and a statement line naming another shop whose
amount, minute and card last 4 coincided with a sale of a journal holding 老码头火锅(五角场店),
老码头火锅(静安寺店) and 一点点(莘庄店): a brand cut inside its branch (蜀大侠火锅(五角…), a branch cut in its
bracket that begins no branch here (老码头火锅(徐家…, (徐, 一点点(七), and a sole trader's name with a
place word (上海闵行区七宝一点点饮品店(个体工商户)).
"""

from __future__ import annotations

import pytest

import receiptkit as rk
from receiptkit.matching.comparators import MerchantComparator

from .conftest import background, journal, pf, proofs, row_of, txn

WJC, JAS, XZ = "老码头火锅(五角场店)", "老码头火锅(静安寺店)", "一点点(莘庄店)"
REF = "2026-11-20"

# each SMS as the bank sends it, and the sale of this journal it coincides with (amount, minute, last 4)
SMS = [
    (
        "您尾号1973的龙卡信用卡11月07日18:42消费（蜀大侠火锅(五角…）18.00元。【建设银行】",
        WJC,
        "11-07",
        "18:42:20",
    ),
    (
        "您尾号3105的龙卡信用卡11月09日14:21消费（老码头火锅(徐家…）147.00元。【建设银行】",
        WJC,
        "11-09",
        "14:21:30",
    ),
    (
        "尾号5269卡11月11日20:07支出(消费老码头火锅(徐家)96元，余额1,333.22元。【工商银行】",
        JAS,
        "11-11",
        "20:07:10",
    ),
    (
        "尾号9212卡11月12日10:28支出(消费美团App一点点(七)22元，余额1,333.22元。【工商银行】",
        XZ,
        "11-12",
        "10:28:40",
    ),
    (
        "【中国农业银行】您尾号0555账户11月13日12:01向老码头火锅(徐完成财付通交易人民币-138.00，余额1,234.56。",
        WJC,
        "11-13",
        "12:01:15",
    ),
    ("【招商银行】您账户1234于11月13日15:02在财付通-一点点(七快捷支付28.00元", XZ, "11-13", "15:02:05"),
]
LAST4 = ["1973", "3105", "5269", "9212", "0555", "1234"]
AMOUNTS = [1800, 14700, 9600, 2200, 13800, 2800]


def _journal() -> object:
    rows = []
    for k, ((_, shop, day, clock), last4, amount) in enumerate(zip(SMS, LAST4, AMOUNTS, strict=True)):
        rows.append(txn(f"S{k}", amount, clock, day=f"2026-{day}", card_last4=last4, merchant_name=shop))
    # other sales of the three shops, so that each name has its share of the journal
    for k, shop in enumerate((WJC, JAS, XZ)):
        for row in background(40, seed=k, merchant_name=shop, merchant_id=f"M{k}"):
            rows.append(dict(row, txn_id=f"{k}{row['txn_id']}"))
    return journal(*rows)


def _read(tmp_path, texts: list[str]):
    path = tmp_path / "sms.txt"
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    return rk.read_proofs(path, format="sms", ref=REF)


@pytest.mark.parametrize("k", range(len(SMS)))
def test_an_sms_naming_another_shop_is_not_matched_to_a_coincident_sale(tmp_path, k: int) -> None:
    read = _read(tmp_path, [SMS[k][0]])
    assert read.at[0, "amount_minor"] == AMOUNTS[k] and read.at[0, "card_last4"] == LAST4[k]
    result = rk.match(read, _journal())
    verdict = row_of(result, read.at[0, "proof_id"])
    assert verdict["status"] == "unmatched", (SMS[k][0], verdict["reason"])
    assert "other bran" in verdict["reason"]  # other branch / other brand, named as the reason
    table = rk.explain(result, read.at[0, "proof_id"]).set_index("field")
    assert table.loc["merchant", "best_level"] in ("other branch", "other brand")


def test_the_readings_name_the_brand_and_the_cut_branch() -> None:
    c = MerchantComparator()
    assert c.read("蜀大侠火锅(五角…", WJC).note == "other brand — 蜀大侠火锅 (五角…) vs 老码头火锅五角场店"
    assert c.read("老码头火锅(徐家…", WJC).note == "other branch — 徐家… vs 五角场店"
    assert c.read("财付通-一点点(七", XZ).note == "other branch — 七… vs 莘庄店"
    assert c.read("上海闵行区七宝一点点饮品店(个体工商户)CHN", XZ).note == "other branch — 七宝 vs 莘庄店"


@pytest.mark.parametrize(
    ("text", "name", "level"),
    [
        # (a) another brand, its branch cut: even when the cut begins a branch of this journal
        ("蜀大侠火锅(五角…", WJC, "other brand"),
        ("蜀大侠火锅(五角", WJC, "other brand"),
        ("财付通-一点点(七", WJC, "other brand"),
        # (b) the brand of this journal, a cut branch that begins none of its branches
        ("老码头火锅(徐家…", WJC, "other branch"),
        ("老码头火锅(徐家…", JAS, "other branch"),
        ("老码头火锅(徐", WJC, "other branch"),
        ("一点点(七", XZ, "other branch"),
        ("美团App一点点(七)", XZ, "other branch"),
        # ...one that begins this branch stays as it was (for, or neutral when one character)
        ("老码头火锅(五角…", WJC, "brand"),
        ("老码头火锅(五角…", JAS, "other branch"),
        ("一点点(莘…", XZ, "brand"),
        ("一点点(莘", XZ, "brand"),
        ("老码头火锅(上海五…", WJC, "brand"),  # a city in front, then the branch's start
        ("支付宝-蜀香阁五…", "蜀香阁(五角场店)", "brand"),
        # (c) a place word before the brand in the shop's own name
        ("上海闵行区七宝一点点饮品店(个体工商户)CHN", XZ, "other branch"),
        ("上海闵行区莘庄一点点饮品店(个体工商户)", XZ, "same branch"),
        ("七宝一点点", XZ, "other branch"),
        ("上海一点点", XZ, "brand"),  # a city is not a branch
        ("上海闵行区七宝一点点饮品店(个体工商户)", WJC, "neutral"),  # a sole trader not known here
        # legal entities not known here stay neutral; a chain's own legal name agrees with the brand
        ("上海七宝餐饮管理有限公司", XZ, "neutral"),
        ("支付宝-瑞幸咖啡(中国)有限公司", "瑞幸咖啡(陆家嘴店)", "brand"),
        # a registered name or a channel word cut by the bank's width is not another shop's sign
        ("上海老码头餐饮管…", JAS, "brand"),  # the brand's own company, cut inside 餐饮管理
        ("上海老码头餐饮管…", XZ, "neutral"),
        ("北京三快在线科技…", JAS, "neutral"),  # Meituan's company, cut
        ("上海闵行区莘庄一…", XZ, "neutral"),  # a sole trader's name, cut after its place
        ("支付宝-上海闵行…", JAS, "neutral"),
        ("跨行二维码…", JAS, "neutral"),  # 跨行二维码支付, cut
        # ...while a cut sign of another shop stays against
        ("蜀大侠火锅…", JAS, "unrelated"),
        ("支付宝-蜀大侠火", JAS, "unrelated"),
        ("南京大牌档", JAS, "unrelated"),
        # a shop's sign that begins with its city, cut: a city alone is no place of registration
        ("南京大牌档德基广场…", JAS, "unrelated"),
        ("北京烤鸭王府井…", JAS, "unrelated"),
        ("西安肉夹馍小寨店…", JAS, "unrelated"),
        ("上海市老码头餐饮…", JAS, "brand"),  # ...while a city with its 市 still is
        # a product name cut in its bracket, against a branch it may end in, is not held against it
        ("美团支付-美团App酱新香酥鸡饼(鸡柳拌饼益", "酱新香酥鸡饼(益田店)", "brand"),
    ],
)
def test_levels_of_cut_and_placed_names(text: str, name: str, level: str) -> None:
    assert MerchantComparator().read(text, name).level == level


def test_the_statement_line_of_a_sole_trader_elsewhere_is_not_matched() -> None:
    j = _journal()
    line = pf(
        "boc",
        29650,
        None,
        date="2026-11-14",
        card_last4="7788",
        merchant_text="上海闵行区七宝一点点饮品店(个体工商户)CHN",
    )
    sale = txn("B", 29650, "13:05:00", day="2026-11-14", card_last4="7788", merchant_name=XZ)
    here = journal(*j.to_dict("records"), sale)
    result = rk.match(proofs(line), here)
    verdict = row_of(result, "boc")
    assert verdict["status"] == "unmatched", verdict["reason"]
    assert "other branch — 七宝 vs 莘庄店" in verdict["reason"]
    # the same line naming this shop's place is matched
    own = dict(line, proof_id="own", merchant_text="上海闵行区莘庄一点点饮品店(个体工商户)CHN")
    assert row_of(rk.match(proofs(own), here), "own")["txn_id"] == "B"


def test_a_sole_trader_of_another_branch_is_another_shop_for_the_journals_other_brands() -> None:
    """The clean room's BOC line coincided (amount, day, last 4) with a sale of 老码头火锅: read as a legal
    entity not known there (neutral), it was matched at 98.8 %. It names a shop of 一点点, a brand of this
    journal (another branch of it): for 老码头火锅 it is another shop."""
    j = _journal()
    sale = txn("H", 29650, "13:05:00", day="2026-11-14", card_last4="7788", merchant_name=WJC)
    here = journal(*j.to_dict("records"), sale)
    line = pf(
        "boc",
        29650,
        None,
        date="2026-11-14",
        card_last4="7788",
        merchant_text="上海闵行区七宝一点点饮品店(个体工商户)CHN",
    )
    result = rk.match(proofs(line), here)
    verdict = row_of(result, "boc")
    assert verdict["status"] == "unmatched", verdict["reason"]
    table = rk.explain(result, "boc").set_index("field")
    assert table.loc["merchant", "best_level"] in ("other brand", "other branch")
    # a sole trader naming no brand of this journal stays neutral (a legal entity not known here)
    other = dict(line, proof_id="x", merchant_text="上海闵行区七宝某某饮品店(个体工商户)CHN")
    assert row_of(rk.match(proofs(other), here), "x")["txn_id"] == "H"


def test_an_sms_naming_the_brands_company_cut_short_is_read_for_it_not_against(tmp_path) -> None:
    """ "上海老码头餐饮管…" is 上海老码头餐饮管理有限公司 cut by the bank: the company is named after the brand, so
    the SMS of a sale of 老码头火锅 reads for that sale (it read "unrelated", against, before), while a sign of
    another shop cut the same way stays against it."""
    sms = "您尾号1973的龙卡信用卡11月07日18:42消费（{}）18.00元。【建设银行】"
    company = _read(tmp_path, [sms.format("上海老码头餐饮管…")])
    other = _read(tmp_path, [sms.format("蜀大侠火锅…")])
    j = _journal()
    ours, theirs = rk.match(company, j), rk.match(other, j)
    table = rk.explain(ours, company.at[0, "proof_id"]).set_index("field")
    assert table.loc["merchant", "best_level"] == "brand"
    assert "company's name cut short" in str(table.loc["merchant", "best_note"])
    assert (
        rk.explain(theirs, other.at[0, "proof_id"]).set_index("field").loc["merchant", "best_level"]
        == "unrelated"
    )
    assert row_of(ours, company.at[0, "proof_id"])["txn_id"] == "S0"
    assert (
        row_of(ours, company.at[0, "proof_id"])["confidence"]
        > row_of(theirs, other.at[0, "proof_id"])["confidence"]
    )
