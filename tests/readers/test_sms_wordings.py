"""Card SMS and app notifications as people receive them (../shared/FIELD-GUIDE-PROOFS.md section 1).

Each wording quoted in the field guide is a case; the expected fields were written by reading the text.
``ref`` is the day the message was received (2025-01-26: the corpus snapshot), so year-less dates fall
on or before it and day-only dates (``01日``) take its month.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from receiptkit import ProofError, read_proofs
from receiptkit.readers import sms
from receiptkit.readers.sms import parse_sms

REF = "2025-01-26"
TZ = "Asia/Shanghai"


def _at(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ)


# (text, amount_minor, currency, direction, card_last4, time or date, precision, merchant)
CASES = [
    # CMB SMS, debit: "您账户NNNN", no year, wallet prefix + payee
    (
        "【招商银行】您账户1234于12月03日22:44在财付通-滴滴出行快捷支付27.78元",
        2778,
        "CNY",
        "debit",
        "1234",
        "2024-12-03 22:44",
        "minute",
        "财付通-滴滴出行",
    ),
    # CMB SMS, refund names the legal entity
    (
        "【招商银行】您账户1234于12月16日23:38在支付宝-盈思网络科技（深圳）有限公司退款4529.48元",
        452948,
        "CNY",
        "credit",
        "1234",
        "2024-12-16 23:38",
        "minute",
        "支付宝-盈思网络科技（深圳）有限公司",
    ),
    # ICBC: month and day not zero-padded; integer amount; the balance after it is not the amount
    (
        "尾号1234卡9月27日18:55支出(消费支付宝-北京三快在线科技有限公司)45元，余额1,333.22元。【工商银行】",
        4500,
        "CNY",
        "debit",
        "1234",
        "2024-09-27 18:55",
        "minute",
        "支付宝-北京三快在线科技有限公司",
    ),
    (
        "尾号1234卡11月11日12:39支出(消费支付宝-严)28.1元，余额100.00元。【工商银行】",
        2810,
        "CNY",
        "debit",
        "1234",
        "2024-11-11 12:39",
        "minute",
        "支付宝-严",
    ),
    # 银联 purchase: no merchant at all
    (
        "尾号1234卡11月22日11:58工商银行支出(银联消费)0.08元，余额9.00元。【工商银行】",
        8,
        "CNY",
        "debit",
        "1234",
        "2024-11-22 11:58",
        "minute",
        None,
    ),
    # ICBC push, refund shows as 收入
    (
        "尾号1234卡1月5日15:00收入(退款支付宝-支付宝-消费)3.70元，余额10.00元。【工商银行】",
        370,
        "CNY",
        "credit",
        "1234",
        "2025-01-05 15:00",
        "minute",
        "支付宝-支付宝-消费",
    ),
    # CCB credit: merchant truncated with …, available credit not the amount
    (
        "您尾号1234的龙卡信用卡10月09日11:18消费（美团支付-美团支…）14.93元，当前可用额度5000.00元。",
        1493,
        "CNY",
        "debit",
        "1234",
        "2024-10-09 11:18",
        "minute",
        "美团支付-美团支…",
    ),
    # CCB foreign currency word after the number
    (
        "您尾号1234的龙卡信用卡10月02日23:00消费/预付款858.00日元，实际消费金额以入账结算币种金额为准。",
        858,
        "JPY",
        "debit",
        "1234",
        "2024-10-02 23:00",
        "minute",
        None,
    ),
    # CCB refund: no time
    (
        "您尾号1234的龙卡信用卡10月08日消费退货/退税（支付宝-支付宝-…）207.51元",
        20751,
        "CNY",
        "credit",
        "1234",
        "2024-10-08",
        "day",
        "支付宝-支付宝-…",
    ),
    # CCB debit: 时分 time, * inside the merchant
    (
        "【建设银行】您账户1234于1月21日10时27分向美团支付-美团App老山东招牌炒鸡*支出人民币24.15元",
        2415,
        "CNY",
        "debit",
        "1234",
        "2025-01-21 10:27",
        "minute",
        "美团支付-美团App老山东招牌炒鸡*",
    ),
    # BOC credit: a year, no time, RMB prefix
    (
        "您的信用卡1234于2024年10月05日，在钱袋宝支付消费RMB138.20元。【中国银行】",
        13820,
        "CNY",
        "debit",
        "1234",
        "2024-10-05",
        "day",
        "钱袋宝",
    ),
    (
        "您的信用卡1234于2024年12月30日，消费RMB12.59元。【中国银行】",
        1259,
        "CNY",
        "debit",
        "1234",
        "2024-12-30",
        "day",
        None,
    ),
    # BOC online: ISO date with seconds, "RMB 45.00元"; the date is not a merchant
    (
        "尊敬的X，您在2024-12-24 13:05:14使用银行卡1234进行了RMB 45.00元的网上支付交易。",
        4500,
        "CNY",
        "debit",
        "1234",
        "2024-12-24 13:05:14",
        "second",
        None,
    ),
    # BOC debit: date only
    (
        "您的借记卡账户1234，于12月28日网上支付支取人民币1.00元,交易后余额99.00元。",
        100,
        "CNY",
        "debit",
        "1234",
        "2024-12-28",
        "day",
        None,
    ),
    # ABC credit: no 尾号 word ("您1234的信用卡"), available balance not the amount
    (
        "【中国农业银行】您1234的信用卡(附属卡)12月20日20:01消费27.40元，可用余额800.00元，如有外币欠款以入账为准。",
        2740,
        "CNY",
        "debit",
        "1234",
        "2024-12-20 20:01",
        "minute",
        None,
    ),
    # ABC debit: negative sign after 人民币
    (
        "【中国农业银行】您尾号1234账户10月06日15:03向湖北良品铺子电子商务有限公司完成支付宝交易人民币-18.90，余额81.10。",
        1890,
        "CNY",
        "debit",
        "1234",
        "2024-10-06 15:03",
        "minute",
        "湖北良品铺子电子商务有限公司",
    ),
    (
        "【中国农业银行】您尾号1234账户01月24日16:47向微信支付大商鲜生（长兴岛）完成财付通交易人民币-504.20，余额1.00。",
        50420,
        "CNY",
        "debit",
        "1234",
        "2025-01-24 16:47",
        "minute",
        "微信支付大商鲜生（长兴岛）",
    ),
    (
        "【中国农业银行】您尾号为1234的金融账户于11月18日13时03分完成一笔消费交易人民币-400.00，余额0.50。",
        40000,
        "CNY",
        "debit",
        "1234",
        "2024-11-18 13:03",
        "minute",
        None,
    ),
    # BOCOM: day of the month only: the month comes from ref
    (
        "您尾号1234交行信用卡01日19时09分成功消费人民币153.00元。",
        15300,
        "CNY",
        "debit",
        "1234",
        "2025-01-01 19:09",
        "minute",
        None,
    ),
    # CGB: day of the month only
    (
        "【广发银行】您尾号1234广发卡10日09:27消费人民币40.00元。",
        4000,
        "CNY",
        "debit",
        "1234",
        "2025-01-10 09:27",
        "minute",
        None,
    ),
    # 广东农信: 尾数 instead of 尾号
    (
        "您尾数1234的卡号10月01日00:05财付通支付支出人民币5.00元",
        500,
        "CNY",
        "debit",
        "1234",
        "2024-10-01 00:05",
        "minute",
        None,
    ),
    # 江苏银行: no time, no currency, no 元
    (
        "您的信用卡1234于9月29日消费1169.00，如有疑问请致电。",
        116900,
        "CNY",
        "debit",
        "1234",
        "2024-09-29",
        "day",
        None,
    ),
    # 云闪付 pushes: day of the month only
    (
        "支付助手：付款成功\n您尾号为1234的银行卡于01日11时37分消费114.65元",
        11465,
        "CNY",
        "debit",
        "1234",
        "2025-01-01 11:37",
        "minute",
        None,
    ),
    (
        "支付助手：退款受理\n您尾号为1234的银行卡于19日19时10分退款203.36元",
        20336,
        "CNY",
        "credit",
        "1234",
        "2025-01-19 19:10",
        "minute",
        None,
    ),
    # WeChat official-account template (CMB credit): labelled amount, currency after it, available credit below
    (
        "交易时间：尾号1356信用卡04月11日18:05\n交易类型：消费\n交易金额：34.69人民币\n交易商户：美团-牛约堡手(旭辉店)\n可用额度：￥11383815.03",
        3469,
        "CNY",
        "debit",
        "1356",
        "2024-04-11 18:05",
        "minute",
        "美团-牛约堡手(旭辉店)",
    ),
    (
        "交易时间：尾号1356信用卡04月12日09:10\n交易类型：退货\n交易金额：34.69人民币\n交易商户：支付宝-潮很鲜潮汕牛肉火锅\n可用额度：￥11383815.03",
        3469,
        "CNY",
        "credit",
        "1356",
        "2024-04-12 09:10",
        "minute",
        "支付宝-潮很鲜潮汕牛肉火锅",
    ),
    # Template with seconds and a legal entity under 交易地址 (ABC credit; amount line added)
    (
        "交易时间：2024-12-09 11:54:03\n交易金额：29.90元\n交易地址：上海秋实企业管理有限公司",
        2990,
        "CNY",
        "debit",
        None,
        "2024-12-09 11:54:03",
        "second",
        "上海秋实企业管理有限公司",
    ),
    # 点分秒 (CIB), a 交易说明 merchant (amount line added)
    (
        "交易时间：11月24日19点37分59秒成功交易\n交易金额：12.00元\n交易说明：抖音支付快捷--抖店平台商户",
        1200,
        "CNY",
        "debit",
        None,
        "2024-11-24 19:37:59",
        "second",
        "抖音支付快捷--抖店平台商户",
    ),
    # CEB: a space inside the merchant, then the next field (amount and date lines added)
    (
        "交易时间：01月20日 12:00\n交易商户:财付通 华强电子世界 可用额度:￥500.00\n交易金额:RMB15.00",
        1500,
        "CNY",
        "debit",
        None,
        "2025-01-20 12:00",
        "minute",
        "财付通 华强电子世界",
    ),
    # PSBC template: amount with a region after it
    (
        "交易时间：01月18日08:30\n交易金额：0.50元-中国\n商户名称：微信支付（财付通）-广州骑安",
        50,
        "CNY",
        "debit",
        None,
        "2025-01-18 08:30",
        "minute",
        "微信支付（财付通）-广州骑安",
    ),
    # currency in brackets after the amount; tails without 尾号
    (
        "您6559的信用卡01月22日10:00消费74.26（人民币）",
        7426,
        "CNY",
        "debit",
        "6559",
        "2025-01-22 10:00",
        "minute",
        None,
    ),
    (
        "交易卡号:9354 01月21日20:15 交易金额：29.90元 商户名称：便利蜂",
        2990,
        "CNY",
        "debit",
        "9354",
        "2025-01-21 20:15",
        "minute",
        "便利蜂",
    ),
    (
        "您的借记卡（6510）于01月23日12:01支出人民币66.00元",
        6600,
        "CNY",
        "debit",
        "6510",
        "2025-01-23 12:01",
        "minute",
        None,
    ),
    # a masked phone number is never the card's last 4
    (
        "招商银行信用卡(1356)01月25日18:00消费88.00元，如有疑问致电185****6220",
        8800,
        "CNY",
        "debit",
        "1356",
        "2025-01-25 18:00",
        "minute",
        None,
    ),
]


@pytest.mark.parametrize(
    ("text", "minor", "currency", "direction", "last4", "when", "precision", "merchant"), CASES
)
def test_field_guide_wording(text, minor, currency, direction, last4, when, precision, merchant):
    row = parse_sms(text, ref=REF)
    assert row["amount_minor"] == minor
    assert row["currency"] == currency
    assert row["direction"] == direction
    assert row["card_last4"] == last4
    assert row["ts_precision"] == precision
    if precision == "day":
        assert pd.isna(row["ts"])
        assert row["date"] == pd.Timestamp(when)
    else:
        assert row["ts"] == _at(when)
        assert row["date"] == pd.Timestamp(when[:10])
    assert row["merchant_text"] == merchant


# The payee sits in the bracket after the verb (ICBC ``支出(消费X)``, CCB ``消费（X）``); the field guide's
# "shop sign + branch" payees carry their own brackets (美团-牛约堡手(旭辉店), 大商鲜生（长兴岛）), and
# truncated payees end in "…" (CCB 美团支付-美团支…) or simply stop (…老字号（宝安店), so an inner bracket
# may be nested or left open. The whole payee is kept, truncation mark included.
@pytest.mark.parametrize(
    ("text", "merchant", "minor", "direction"),
    [
        # ICBC: a branch bracket nested inside the payee bracket
        (
            "尾号6076卡11月28日15:17支出(消费罗森(莘庄店))24.4元，余额39,146.05元。【工商银行】",
            "罗森(莘庄店)",
            2440,
            "debit",
        ),
        # ICBC refund with a wallet prefix and a nested branch
        ("尾号1234卡1月5日15:00收入(退款支付宝-罗森(莘庄店))3.70元", "支付宝-罗森(莘庄店)", 370, "credit"),
        # ICBC: payee cut inside its branch bracket, the inner bracket left open
        (
            "尾号1234卡11月28日15:17支出(消费茶语轩(五角场店…)24.4元，余额1.00元。【工商银行】",
            "茶语轩(五角场店…",
            2440,
            "debit",
        ),
        # CCB: full-width payee bracket, half-width branch bracket, then the truncation mark
        (
            "您尾号1234的龙卡信用卡10月09日11:18消费（罗森(莘庄店)…）14.93元，当前可用额度",
            "罗森(莘庄店)…",
            1493,
            "debit",
        ),
        # CCB: truncated inside the branch bracket, which is never closed
        (
            "您尾号1234的龙卡信用卡10月09日11:18消费（茶语轩(五角场店…）14.93元，当前可用额度",
            "茶语轩(五角场店…",
            1493,
            "debit",
        ),
        # CCB refund, no time, truncated inside the branch
        (
            "您尾号1234的龙卡信用卡10月08日消费退货/退税（支付宝-罗森(莘庄…）207.51元",
            "支付宝-罗森(莘庄…",
            20751,
            "credit",
        ),
        # a full-width branch bracket left open inside a half-width payee bracket (cut at the field's end)
        (
            "尾号1234卡9月27日18:55支出(消费美团-真好嘢粤菜点心老字号（宝安店)45元",
            "美团-真好嘢粤菜点心老字号（宝安店",
            4500,
            "debit",
        ),
    ],
)
def test_payee_with_brackets_inside_the_payee_bracket(text, merchant, minor, direction):
    row = parse_sms(text, ref=REF)
    assert row["merchant_text"] == merchant
    assert row["amount_minor"] == minor
    assert row["direction"] == direction
    assert row["card_last4"] == "1234" or row["card_last4"] == "6076"


def test_channel_only_bracket_still_names_no_merchant():
    row = parse_sms("尾号1234卡11月22日11:58工商银行支出(银联消费)0.08元，余额1.00元。", ref=REF)
    assert row["merchant_text"] is None and row["amount_minor"] == 8


@pytest.mark.parametrize(
    "text",
    [
        "【邮储银行】24年10月09日15:54您尾号123账户快捷支付，支出金额680.00元，余额1.00元。",
        "您尾号123的账户在01月25日10:31支取人民币2000.00。",
    ],
)
def test_three_digit_tail_is_kept_as_a_partial_tail_not_a_last4(text):
    row = parse_sms(text, ref=REF)
    assert row["card_last4"] is None
    assert row["raw"]["card_tail"] == "123"


@pytest.mark.parametrize(
    ("text", "last4"),
    [
        ("您的信用卡5258********7731于2026年11月01日12:46消费人民币25.00元", "7731"),
        ("您的信用卡6217 **** **** 9403于2026年11月18日08:11消费人民币368.00元", "9403"),
        ("【招商银行】您账户5258****7731于11月01日12:46消费人民币25.00元", "7731"),
        ("【中国银行】您的借记卡账户5258******7731于2026年11月01日12:46支出人民币25.00元", "7731"),
        ("卡号6217 **** **** 9403 于2026年11月18日08:11消费人民币368.00元", "9403"),
        ("您的卡号6217********9403于2026年11月18日08:11消费人民币368.00元", "9403"),
        ("您的信用卡7731于2026年11月01日12:46消费人民币25.00元", "7731"),
        # the review's second read (session 19): other separators and masks
        ("【招商银行】您的信用卡6217-****-****-9403于11月07日14:38消费人民币100.00元", "9403"),
        ("【招商银行】卡号6217 ●●●● ●●●● 9403于11月07日14:38消费人民币100.00元", "9403"),
        ("【工商银行】卡号6217····9403于11月07日14:38消费人民币100.00元", "9403"),
        ("【工商银行】卡号6217 #### #### 9403于11月07日14:38消费人民币100.00元", "9403"),
        ("【工商银行】您的账户6217…9403于11月07日14:38消费人民币100.00元", "9403"),
        # another masked number in the message (a counterparty's account, a member number) is not the card
        ("【招商银行】您的信用卡(9403)于11月07日14:38消费人民币100.00元，对方账户6222****5678", "9403"),
        ("【建设银行】您的龙卡(9403)于11月07日14:38向6222****5678转账人民币100.00元", "9403"),
        ("【招商银行】您的借记卡账户9403于11月07日14:38向张三6222 **** **** 5678转出人民币100.00元", "9403"),
        ("【招商银行】您的卡(9403)于11月07日14:38消费人民币100.00元，会员号1234****5678", "9403"),
    ],
)
def test_a_masked_card_number_gives_its_last_group_never_its_first(text, last4):
    """Newcomer 19, G17: ``您的信用卡5258********7731`` was read as card ****5258 (the BIN's first group) and
    matched at 100 % to a stranger's sale on a card ending 5258, whose duplicate was printed; the customer's own
    SMS in that form was held ``card_last4 differs``. A masked number's last group is its last 4."""
    assert parse_sms(text, ref="2026-11-20")["card_last4"] == last4


def test_psbc_two_digit_year_and_3_digit_tail():
    row = parse_sms(
        "【邮储银行】24年10月09日15:54您尾号123账户快捷支付，支出金额680.00元，余额1.00元。", ref=REF
    )
    assert row["amount_minor"] == 68000 and row["direction"] == "debit"
    assert row["ts"] == _at("2024-10-09 15:54") and row["ts_precision"] == "minute"


def test_weifang_withdrawal_reads_the_date_not_a_merchant():
    row = parse_sms("您尾号123的账户在01月25日10:31支取人民币2000.00。", ref=REF)
    assert row["amount_minor"] == 200000 and row["ts"] == _at("2025-01-25 10:31")
    assert row["merchant_text"] is None


def test_day_of_month_only_without_a_reference_is_refused_never_today():
    with pytest.raises(ProofError) as info:
        parse_sms("【广发银行】您尾号1234广发卡10日09:27消费人民币40.00元。")
    assert "day of the month" in info.value.reason
    # a day after the reference's day is in the month before
    row = parse_sms("【广发银行】您尾号1234广发卡28日09:27消费人民币40.00元。", ref="2025-03-05")
    assert row["ts"] == _at("2025-02-28 09:27") and row["raw"]["month_from"] == "ref"
    row = parse_sms("【广发银行】您尾号1234广发卡31日09:27消费人民币40.00元。", ref="2025-03-05")
    assert row["ts"] == _at("2025-01-31 09:27")


@pytest.mark.parametrize(
    "text",
    [
        "信用卡通知：您尾号1234的招行信用卡消费6225.34人民币。",
        "信用卡通知：您尾号1234的招行信用卡预授权1,362.41人民币。",
        "您在美团支付-美团App酱新香酥鸡饼(鸡柳拌饼益有一笔29.96人民币的消费已成功",
        "交易商户:财付通-高新开发区创印图文制作中心\n交易金额:RMB15.00",
    ],
)
def test_message_without_a_date_is_refused_without_a_capture_time(text):
    with pytest.raises(ProofError) as info:
        parse_sms(text, ref=REF)
    assert "no date" in info.value.reason


@pytest.mark.parametrize(
    "text",
    [
        "交易时间：5月17日 17时52分\n交易类型：尾号1234信用卡人民币消费",
        "商户名称：支付宝-美宜佳（湖北）便利店...",
        "交易商户：（特约）京东支付-网银在线（北京）科技有",
        "交易类型：消费，云闪付APP扫码-财付通(银联云闪付) ...",
    ],
)
def test_template_fragment_without_an_amount_is_refused(text):
    with pytest.raises(ProofError) as info:
        parse_sms(text, ref=REF)
    assert "no amount" in info.value.reason


def test_available_credit_alone_is_never_an_amount():
    with pytest.raises(ProofError):
        parse_sms("尾号1234信用卡01月20日12:00\n可用额度：￥11383815.03\n余额：100.00元", ref=REF)


CAPTURED = [
    # app push: title + text, capture time t (ms)
    {
        "title": "招商银行",
        "text": "信用卡通知：您尾号1356的招行信用卡消费6225.34人民币。",
        "t": 1711393810000,
    },
    # WeChat official-account message: description under mMap
    {
        "mMap": {
            "tableName": "AppMessage",
            "description": "交易时间：尾号1356信用卡04月11日18:05\n交易类型：消费\n交易金额：34.69人民币\n"
            "交易商户：美团-牛约堡手(旭辉店)\n可用额度：￥11383815.03",
            "source": "招商银行信用卡",
            "title": "交易成功提醒",
        },
        "t": 1712830000000,
    },
    # SMS: body, day of the month only, month from the capture time
    {
        "sender": "95508",
        "body": "【广发银行】您尾号1234广发卡10日09:27消费人民币40.00元。",
        "t": 1736475000000,
    },
]


def test_json_wrappers_of_capture_apps():
    data = "\n".join(json.dumps(o, ensure_ascii=False) for o in CAPTURED).encode()
    assert sms.sniff(data.decode())
    frame = read_proofs(data, name="captured.json")
    assert list(frame["amount_minor"]) == [622534, 3469, 4000]
    assert list(frame["card_last4"]) == ["1356", "1356", "1234"]
    assert list(frame["source_row"]) == [1, 2, 3]
    assert list(frame["merchant_text"].fillna("-")) == ["-", "美团-牛约堡手(旭辉店)", "-"]
    # no date in the push: the day it was captured (2024-03-26 03:10 +08:00), day precision, and raw says so
    first = frame.iloc[0]
    assert first["ts_precision"] == "day" and first["date"] == pd.Timestamp("2024-03-26")
    assert first["raw"]["date_from"] == "capture time"
    # year from the capture time (2024), not from today
    assert frame.iloc[1]["ts"] == _at("2024-04-11 18:05")
    # 1736475000000 ms = 2025-01-10 10:10 +08:00
    assert frame.iloc[2]["ts"] == _at("2025-01-10 09:27")


def test_json_wrapper_without_message_text_names_the_line():
    data = b'{"body": "\xe3\x80\x90\xe5\xb9\xbf\xe5\x8f\x91\xe9\x93\xb6\xe8\xa1\x8c\xe3\x80\x91x"}\n{"sender": "1"}\n'
    with pytest.raises(ProofError) as info:
        read_proofs(data, format="sms", name="c.json")
    assert info.value.row == 1
    with pytest.raises(ProofError) as info:
        read_proofs(b'{"sender": "1", "t": 1}\n', format="sms", name="c.json")
    assert info.value.row == 1 and "body" in info.value.reason
