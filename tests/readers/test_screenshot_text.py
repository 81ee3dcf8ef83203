"""OCR text rules of the screenshot reader: normalisation and value parsers (no OCR engine needed)."""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit.errors import TimeParseError
from receiptkit.readers.screenshot_text import (
    Scored,
    identifier,
    last4_in,
    normalise,
    parse_amount_text,
    parse_time_text,
    squeeze_key,
)

TZ = "Asia/Shanghai"


@pytest.mark.parametrize(
    ("shown", "normal"),
    [
        ("１２８．５０", "128.50"),  # full-width digits and point
        ("招商银行信用卡（４８２１）", "招商银行信用卡(4821)"),  # full-width brackets
        ("支付时间：2026-11-20", "支付时间:2026-11-20"),  # full-width colon
        ("￥128.50", "¥128.50"),  # full-width yen sign
        ("  交易单号   4200\u3000001234  ", "交易单号 4200 001234"),  # runs of spaces, ideographic space
        ("\u2212128.50", "-128.50"),  # minus sign
        ("－128.50", "-128.50"),  # full-width hyphen-minus
        ("4200...7890", "4200…7890"),  # three dots read for an ellipsis
        ("4200……7890", "4200…7890"),
    ],
)
def test_normalise(shown, normal):
    assert normalise(shown).text == normal


def test_normalise_keeps_one_score_per_character():
    line = Scored("（４８２１）", (0.9, 0.8, 0.7, 0.6, 0.5, 0.99))
    out = normalise(line)
    assert out.text == "(4821)"
    assert out.scores == (0.9, 0.8, 0.7, 0.6, 0.5, 0.99)
    assert normalise(Scored("4200...7890", (1, 1, 1, 1, 0.4, 0.9, 0.9, 1, 1, 1, 1))).scores[4] == 0.4


def test_scored_min_score_ignores_spaces():
    assert Scored("1 2", (0.9, 0.1, 0.8)).min_score() == 0.8
    assert Scored("", ()).min_score() == 1.0
    with pytest.raises(ValueError):
        Scored("12", (1.0,))


@pytest.mark.parametrize(
    ("shown", "minor", "currency", "sign"),
    [
        ("-128.50", -12850, "CNY", "-"),
        ("+128.50", 12850, "CNY", "+"),
        ("一128.50", -12850, "CNY", "-"),  # a minus read as the character 一
        ("—128.50", -12850, "CNY", "-"),  # a dash
        ("¥128.50", 12850, "CNY", ""),
        ("￥ 128.50", 12850, "CNY", ""),
        ("RMB 128.50", 12850, "CNY", ""),
        ("RMB128.50", 12850, "CNY", ""),  # space dropped
        ("CNY 1,234.50", 123450, "CNY", ""),
        ("-1,234.50", -123450, "CNY", "-"),
        ("128.50元", 12850, "CNY", ""),
        ("¥128", 12800, "CNY", ""),
        ("人民币 128.50", 12850, "CNY", ""),
        ("HKD 1,234.50", 123450, "HKD", ""),
        ("USD12.00", 1200, "USD", ""),
        ("-¥128.50", -12850, "CNY", "-"),
        ("１２８．５０", 12850, "CNY", ""),
    ],
)
def test_amounts(shown, minor, currency, sign):
    amount = parse_amount_text(normalise(shown))
    assert amount is not None
    assert (amount.money.minor, amount.money.currency, amount.sign) == (minor, currency, sign)


@pytest.mark.parametrize(
    "shown",
    [
        "85%",
        "14:35",
        "128",
        "128.5",
        "2026-11-20",
        "4821",
        "交易成功",
        "--128.50",
        "¥128.50 USD",
        "1,23.00",
        "",
    ],
)
def test_not_amounts(shown):
    assert parse_amount_text(normalise(shown)) is None


def test_amount_score_is_the_weakest_character():
    assert parse_amount_text(Scored("-12.50", (1, 1, 0.42, 1, 1, 1))).score == 0.42


@pytest.mark.parametrize(
    ("shown", "iso", "precision"),
    [
        ("2026年11月20日 14:32:05", "2026-11-20T14:32:05+08:00", "second"),
        ("2026年11月20日14:32:05", "2026-11-20T14:32:05+08:00", "second"),  # space dropped
        ("2026 年 11 月 20 日 14 : 32", "2026-11-20T14:32:00+08:00", "minute"),  # extra spaces
        ("2026-11-20 14:32:05", "2026-11-20T14:32:05+08:00", "second"),
        ("2026-11-2014:32:05", "2026-11-20T14:32:05+08:00", "second"),  # space dropped
        ("2026/11/20 14:32", "2026-11-20T14:32:00+08:00", "minute"),
        ("２０２６－１１－２０　１４：３２", "2026-11-20T14:32:00+08:00", "minute"),  # full width
        ("20 Nov 2026, 14:32", "2026-11-20T14:32:00+08:00", "minute"),
        ("20 November 2026 14:32:05", "2026-11-20T14:32:05+08:00", "second"),
        ("Nov 20, 2026 14:32", "2026-11-20T14:32:00+08:00", "minute"),
        ("20Nov2026 14:32", "2026-11-20T14:32:00+08:00", "minute"),
        ("2026-11-20", "2026-11-20T00:00:00+08:00", "day"),
    ],
)
def test_times(shown, iso, precision):
    parsed = parse_time_text(normalise(shown), TZ)
    assert (parsed.ts.isoformat(), parsed.precision) == (iso, precision)


@pytest.mark.parametrize(
    ("shown", "ref", "iso"),
    [
        ("11-20 14:32", "2026-12-01", "2026-11-20T14:32:00+08:00"),
        ("11-2014:32", "2026-12-01", "2026-11-20T14:32:00+08:00"),
        ("11月20日 14:32", "2026-12-01", "2026-11-20T14:32:00+08:00"),
        ("20 Nov 14:32", "2026-12-01", "2026-11-20T14:32:00+08:00"),
        ("Nov 20 14:32", "2026-12-01", "2026-11-20T14:32:00+08:00"),
        ("12-30 09:00", "2027-01-03", "2026-12-30T09:00:00+08:00"),  # never after the reference date
    ],
)
def test_yearless_times_take_the_year_from_the_reference_date(shown, ref, iso):
    parsed = parse_time_text(normalise(shown), TZ, ref_date=pd.Timestamp(ref).date())
    assert parsed.ts.isoformat() == iso and parsed.precision == "minute"


@pytest.mark.parametrize("shown", ["今天 14:32", "昨天 09:10", "Yesterday 14:32", "支付成功", "Nov"])
def test_relative_days_and_non_times_are_refused(shown):
    with pytest.raises(TimeParseError):
        parse_time_text(normalise(shown), TZ, ref_date=pd.Timestamp("2026-12-01").date())


@pytest.mark.parametrize(
    ("shown", "last4"),
    [
        ("招商银行信用卡(4821)", "4821"),
        ("招商银行信用卡（4821）", "4821"),
        ("中国银行储蓄卡 ( 4821 )", "4821"),
        ("尾号4821", "4821"),
        ("尾号 4821", "4821"),
        ("Card ending 4821", "4821"),
        ("Card ending in 4821", "4821"),
        ("**** **** **** 4821", "4821"),
        ("* 4821", "4821"),
        ("•••• 4821", "4821"),
        ("CMB Credit Card(4821)", "4821"),
    ],
)
def test_last4(shown, last4):
    assert last4_in(normalise(shown)).text == last4


@pytest.mark.parametrize(
    "shown", ["零钱", "余额", "工商银行(482)", "工商银行(48210)", "尾号48210", "Balance", "2026"]
)
def test_no_last4(shown):
    assert last4_in(normalise(shown)) is None


def test_identifiers():
    digits = r"\d{10,40}|[0-9A-Za-z]{2,}…[0-9A-Za-z]{2,}"
    assert (
        identifier(normalise("4200 0012 3420 2611 2012 3456 7890"), digits).text
        == "4200001234202611201234567890"
    )
    assert identifier(normalise("4200001234...7890"), digits).text == "4200001234…7890"
    assert identifier(normalise("42000O1234202611"), digits) is None  # a letter in a digits-only number
    assert identifier(normalise("12345"), digits) is None  # too short to be this number


def test_label_keys():
    assert squeeze_key("Payment Time:") == squeeze_key("paymenttime") == squeeze_key("PAYMENT  TIME：")
    assert squeeze_key("交易 单号") == "交易单号"


@pytest.mark.parametrize("tz", ["Asia/Hong_Kong", "UTC"])
@pytest.mark.parametrize("shown", ["03/11/2026 14:32", "03-11 14:32"])
def test_a_screen_date_read_both_ways_is_refused_outside_month_first_zones(tz, shown):
    # parse_time read every screen date month first: a Hong Kong app's "03/11/2026 14:32" (3 November) was
    # 11 March, silently; a mainland wallet shows "03-11" for 11 March: the app is not known, so refused
    with pytest.raises(TimeParseError) as info:
        parse_time_text(normalise(shown), tz, ref_date=pd.Timestamp("2026-11-30").date())
    assert "2026-11-03" in info.value.reason and "2026-03-11" in info.value.reason


@pytest.mark.parametrize(
    ("tz", "shown", "expected"),
    [
        ("Asia/Shanghai", "03/11/2026 14:32", "2026-03-11 14:32"),
        ("Asia/Hong_Kong", "13/11/2026 14:32", "2026-11-13 14:32"),
        ("Asia/Hong_Kong", "11-20 14:32", "2026-11-20 14:32"),
        ("Asia/Hong_Kong", "2026-11-03 14:32:05", "2026-11-03 14:32:05"),
    ],
)
def test_a_screen_date_read_one_way_is_read_so_in_every_zone(tz, shown, expected):
    parsed = parse_time_text(normalise(shown), tz, ref_date=pd.Timestamp("2026-11-30").date())
    assert parsed.ts == pd.Timestamp(expected, tz=tz)
