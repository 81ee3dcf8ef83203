"""Proof texts as customers bring them: card SMS and app pushes in the banks' own wordings.

Every wording here is one quoted in ../shared/FIELD-GUIDE-PROOFS.md section 1.1 (the bank, the
order of the fields, what is missing), filled with this world's values. Each renderer returns the
message, the container it arrives in (plain SMS line, JSON ``body``, app push ``title``/``text``,
WeChat official-account ``description``) and what the text shows (date form, time, tail, merchant).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Shown:
    """What a message shows, for the intake expectation and the oracle."""

    text: str
    container: str  # line | body | push | wxmp
    date: str  # ymd | md | d | none  (year+month+day, month+day, day of month only, no date)
    time: str  # hm | hms | none
    tail: str  # 4 | 3 | none
    merchant: str | None
    wording: str
    title: str = ""


def amt(cents: int, style: str = "plain") -> str:
    """An amount as a bank writes it: ``128.50``, ``1,362.41`` or ICBC's ``45`` / ``28.1``."""
    whole, frac = divmod(int(cents), 100)
    if style == "icbc":
        if frac == 0:
            return str(whole)
        s = f"{whole}.{frac:02d}"
        return s.rstrip("0")
    if style == "comma" and whole >= 1000:
        return f"{whole:,}.{frac:02d}"
    return f"{whole}.{frac:02d}"


def _bal(rng: np.random.Generator) -> str:
    v = int(rng.integers(1000, 5_000_000))
    return amt(v, "comma" if rng.random() < 0.5 else "plain")


def _limit(rng: np.random.Generator) -> str:
    return amt(int(rng.integers(100_000, 2_000_000_000)))


def card_sms(
    bank: str,
    credit: bool,
    t: pd.Timestamp,
    cents: int,
    last4: str,
    merchant: str | None,
    wallet: str | None,
    refund: bool,
    rng: np.random.Generator,
) -> Shown:
    """One card message for a payment (``wallet`` = 财付通/支付宝 when a wallet drew on the card)."""
    M, D, hh, mm, ss = t.month, t.day, t.hour, t.minute, t.second
    MM, DD, H2, m2 = f"{M:02d}", f"{D:02d}", f"{hh:02d}", f"{mm:02d}"
    pay = f"{wallet}-{merchant}" if wallet and merchant else (merchant or wallet or "")
    a = amt(cents, "comma" if rng.random() < 0.4 else "plain")
    if refund:
        if bank == "cmb" and wallet:
            return Shown(
                f"【招商银行】您账户{last4}于{MM}月{DD}日{H2}:{m2}在{pay}退款{a}元",
                "body",
                "md",
                "hm",
                "4",
                pay,
                "cmb_refund",
            )
        if bank == "ccb":
            m8 = (pay or "银联消费")[:8]
            return Shown(
                f"您尾号{last4}的龙卡信用卡{MM}月{DD}日消费退货/退税（{m8}…）{a}元【建设银行】",
                "body",
                "md",
                "none",
                "4",
                m8,
                "ccb_refund",
            )
        if bank == "icbc":
            what = f"退款{pay}" if pay else "银联退货"
            return Shown(
                f"尾号{last4}卡{M}月{D}日{H2}:{m2}收入({what}){amt(cents, 'icbc')}元，余额{_bal(rng)}元。【工商银行】",
                "body",
                "md",
                "hm",
                "4",
                pay or None,
                "icbc_refund",
            )
        return Shown(
            f"您尾号为{last4}的银行卡于{DD}日{H2}时{m2}分退款{a}元",
            "push",
            "d",
            "hm",
            "4",
            None,
            "unionpay_refund",
            title="支付助手：退款受理",
        )
    if bank == "cmb":
        if wallet:
            return Shown(
                f"【招商银行】您账户{last4}于{MM}月{DD}日{H2}:{m2}在{pay}快捷支付{a}元",
                "body",
                "md",
                "hm",
                "4",
                pay,
                "cmb_quick",
            )
        if rng.random() < 0.5:
            return Shown(
                f"信用卡通知：您尾号{last4}的招行信用卡消费{a}人民币。",
                "push",
                "none",
                "none",
                "4",
                None,
                "cmb_push",
            )
        who = merchant or "银联商户"
        text = (
            f"交易时间：尾号{last4}信用卡{MM}月{DD}日{H2}:{m2}\n交易类型：消费\n交易金额：{a}人民币\n"
            f"交易商户：{who}\n可用额度：{_limit(rng)}人民币"
        )
        return Shown(text, "wxmp", "md", "hm", "4", who, "cmb_wxmp")
    if bank == "icbc":
        what = f"消费{pay}" if pay else "银联消费"
        lead = "工商银行" if not pay else ""
        return Shown(
            f"尾号{last4}卡{M}月{D}日{H2}:{m2}{lead}支出({what}){amt(cents, 'icbc')}元，余额{_bal(rng)}元。【工商银行】",
            "line" if rng.random() < 0.5 else "body",
            "md",
            "hm",
            "4",
            pay or None,
            "icbc",
        )
    if bank == "ccb":
        if credit:
            m8 = (pay or "银联消费")[:8]
            return Shown(
                f"您尾号{last4}的龙卡信用卡{MM}月{DD}日{H2}:{m2}消费（{m8}…）{a}元，当前可用额度{_limit(rng)}元。【建设银行】",
                "body",
                "md",
                "hm",
                "4",
                m8,
                "ccb_credit",
            )
        if pay:
            return Shown(
                f"【建设银行】您账户{last4}于{M}月{D}日{hh}时{m2}分向{pay}支出人民币{a}元，活期余额{_bal(rng)}元。",
                "line",
                "md",
                "hm",
                "4",
                pay,
                "ccb_debit",
            )
        return Shown(
            f"【建设银行】您账户{last4}于{M}月{D}日{hh}时{m2}分消费支出人民币{a}元，活期余额{_bal(rng)}元。",
            "line",
            "md",
            "hm",
            "4",
            None,
            "ccb_debit_pos",
        )
    if bank == "boc":
        if wallet:
            return Shown(
                f"尊敬的X，您在{t.year}-{MM}-{DD} {H2}:{m2}:{ss:02d}使用银行卡{last4}进行了RMB {a}元的网上支付交易。【中国银行】",
                "line",
                "ymd",
                "hms",
                "4",
                None,
                "boc_online",
            )
        where = f"在{merchant}" if merchant else ""
        return Shown(
            f"您的信用卡{last4}于{t.year}年{MM}月{DD}日，{where}消费RMB{a}元。【中国银行】",
            "line",
            "ymd",
            "none",
            "4",
            merchant,
            "boc_credit",
        )
    if bank == "cib":  # 兴业 official-account message: seconds, 点/分/秒
        text = (
            f"交易时间：{M}月{D}日{hh}点{mm}分{ss}秒成功交易\n交易类型：消费\n交易金额：{a}元\n"
            f"交易说明：{pay or '银联消费'}\n可用额度：{_limit(rng)}元"
        )
        return Shown(text, "wxmp", "md", "hms", "none", pay or None, "cib_wxmp")
    if bank == "ceb":  # 光大: "财付通 X" with a space, RMB before the amount
        who = f"{wallet} {merchant}" if wallet and merchant else (merchant or wallet or "银联商户")
        text = (
            f"尊敬的客户，您尾号{last4}的光大信用卡\n交易时间：{MM}月{DD}日 {H2}:{m2}\n交易类型：消费\n"
            f"交易金额:RMB{a}\n交易商户:{who}\n可用额度:{_limit(rng)}"
        )
        return Shown(text, "wxmp", "md", "hm", "4", who, "ceb_wxmp")
    if bank == "pab":  # 平安
        who = pay or "银联商户"
        text = f"您尾号{last4}的平安信用卡\n交易时间：{MM}月{DD}日{H2}:{m2}\n交易商户:{who}\n交易金额:RMB{a}\n可用额度:RMB{_limit(rng)}"
        return Shown(text, "wxmp", "md", "hm", "4", who, "pab_wxmp")
    if bank == "abc" and not wallet and rng.random() < 0.3:  # official account: date, seconds, legal entity
        where = merchant or "银联商户"
        text = (
            f"您尾号{last4}的农行信用卡\n交易时间：{t.year}-{MM}-{DD} {H2}:{m2}:{ss:02d}\n交易类型：消费\n"
            f"交易金额：{a}元\n交易地址：{where}\n可用余额：{_bal(rng)}元"
        )
        return Shown(text, "wxmp", "ymd", "hms", "4", where, "abc_wxmp")
    if bank == "abc":
        if wallet:
            shown = ("微信支付" + (merchant or "")) if wallet == "财付通" else (merchant or "支付宝")
            kind = "财付通" if wallet == "财付通" else "支付宝"
            return Shown(
                f"【中国农业银行】您尾号{last4}账户{MM}月{DD}日{H2}:{m2}向{shown}完成{kind}交易人民币-{a}，余额{_bal(rng)}。",
                "body",
                "md",
                "hm",
                "4",
                shown,
                "abc_wallet",
            )
        if credit:
            return Shown(
                f"【中国农业银行】您{last4}的信用卡{MM}月{DD}日{H2}:{m2}消费{a}元，可用余额{_bal(rng)}元，如有外币欠款以入账为准。",
                "body",
                "md",
                "hm",
                "4",
                None,
                "abc_credit",
            )
        return Shown(
            f"【中国农业银行】您尾号为{last4}的金融账户于{MM}月{DD}日{H2}时{m2}分完成一笔消费交易人民币-{a}，余额{_bal(rng)}。",
            "body",
            "md",
            "hm",
            "4",
            None,
            "abc_debit",
        )
    if bank == "bocom":
        return Shown(
            f"您尾号{last4}交行信用卡{DD}日{H2}时{m2}分成功消费人民币{a}元，可用额度{_limit(rng)}元。【交通银行】",
            "body",
            "d",
            "hm",
            "4",
            None,
            "bocom_day",
        )
    if bank == "cgb":
        return Shown(
            f"【广发银行】您尾号{last4}广发卡{DD}日{H2}:{m2}消费人民币{a}元。",
            "body",
            "d",
            "hm",
            "4",
            None,
            "cgb_day",
        )
    if (
        bank == "psbc" and wallet == "财付通" and rng.random() < 0.5
    ):  # official account: "微信支付（财付通）-X"
        who = f"微信支付（财付通）-{merchant}" if merchant else "微信支付（财付通）"
        text = f"交易时间：{MM}月{DD}日 {H2}:{m2}\n交易金额：{a}元-中国\n商户名称：{who}\n交易卡号：尾号{last4[1:]}"
        return Shown(text, "wxmp", "md", "hm", "3", who, "psbc_wxmp")
    if bank == "psbc":
        what = "快捷支付" if wallet else "消费"
        return Shown(
            f"【邮储银行】{t.year % 100:02d}年{MM}月{DD}日{H2}:{m2}您尾号{last4[1:]}账户{what}，支出金额{a}元，余额{_bal(rng)}元。",
            "line",
            "ymd",
            "hm",
            "3",
            None,
            "psbc_tail3",
        )
    if bank == "gdrc":
        what = "财付通支付" if wallet == "财付通" else ("支付宝支付" if wallet else "银联消费")
        return Shown(
            f"您尾数{last4}的卡号{MM}月{DD}日{H2}:{m2}{what}支出人民币{a}元",
            "line",
            "md",
            "hm",
            "4",
            None,
            "gdrc_tailnum",
        )
    if bank == "jsb":
        return Shown(
            f"您的信用卡{last4}于{M}月{D}日消费{amt(cents)}，当前可用额度{_limit(rng)}。【江苏银行】",
            "line",
            "md",
            "none",
            "4",
            None,
            "jsb_notime",
        )
    # 云闪付 push (any UnionPay card)
    return Shown(
        f"您尾号为{last4}的银行卡于{DD}日{H2}时{m2}分消费{a}元",
        "push",
        "d",
        "hm",
        "4",
        None,
        "unionpay_push",
        "支付助手：付款成功",
    )


# Counter input: time as a clerk types it, from what the customer says (field guide section 5).
CN_HOURS = ["零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]


def spoken_hour(h: int) -> str:
    """``14`` → ``下午两点``; ``9`` → ``上午九点``; ``12`` → ``中午十二点``; ``20`` → ``晚上八点``."""
    if h == 12:
        return "中午十二点"
    if h < 12:
        return f"上午{CN_HOURS[h]}点"
    if h < 18:
        return f"下午{CN_HOURS[h - 12]}点"
    return f"晚上{CN_HOURS[h - 12]}点"
