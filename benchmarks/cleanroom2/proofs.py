"""Proofs as the texts and files customers bring, each with what it should read as and its evidence.

Categories (each a share of ``n_proofs``):

- ``sms_card``: a bank SMS / app push / official-account message for a card sale at the terminal;
- ``sms_wallet``: the card's message for a WeChat/Alipay payment it funded (``财付通-``, ``支付宝-``);
- ``wechat_bill`` / ``alipay_bill``: rows of the customer's 微信支付账单 / 支付宝交易明细 export;
- ``statement``: credit-card statement lines (招商 ``MM/DD`` with or without 交易日, 中行 T+1 posting);
- ``statement_fx``: foreign cards: HSBC HK billed in HKD (no original amount), a USD card line that
  shows the original CNY amount too;
- ``counter_minute`` / ``counter_hour``: what a clerk types at the counter (``14:32``, ``昨天 14:32``,
  ``下午两点左右``, ``14点-15点``, ``中午``...), with or without the last 4;
- ``screen_noid``: a wallet payment screen typed in without its transaction number, or with it masked;
- ``refund``, ``retry`` (approved after a decline), ``double_charge``, ``voided``: the harder sales;
- ``elsewhere_branch``, ``elsewhere_brand``, ``elsewhere_unnamed``: payments made in another shop whose
  amount and minute (and often last 4) coincide with a sale in this journal.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .texts import amt, card_sms, spoken_hour
from .world import FX_REFERENCE, TZ, Branch, Card, World

SHARES = {
    "sms_card": 0.15,
    "sms_wallet": 0.07,
    "wechat_bill": 0.11,
    "alipay_bill": 0.06,
    "statement": 0.09,
    "statement_fx": 0.05,
    "counter_minute": 0.08,
    "counter_hour": 0.08,
    "screen_noid": 0.06,
    "refund": 0.05,
    "retry": 0.04,
    "double_charge": 0.02,
    "voided": 0.02,
    "elsewhere_branch": 0.04,
    "elsewhere_brand": 0.04,
    "elsewhere_unnamed": 0.04,
}
ELSEWHERE = ("elsewhere_branch", "elsewhere_brand", "elsewhere_unnamed")

BANK_NAMES = {
    "cmb": "招商银行",
    "icbc": "工商银行",
    "ccb": "建设银行",
    "boc": "中国银行",
    "abc": "农业银行",
    "bocom": "交通银行",
    "cgb": "广发银行",
    "psbc": "邮储银行",
    "gdrc": "广东农信",
    "jsb": "江苏银行",
    "cib": "兴业银行",
    "ceb": "光大银行",
    "pab": "平安银行",
}


@dataclass
class Evidence:
    """What a careful clerk can read off the proof (the oracle's input)."""

    amount: int
    currency: str
    direction: str  # debit | credit
    channels: tuple[str, ...] | None  # journal channels this kind of payment can be; None = any
    last4: str | None = None
    tail3: str | None = None
    merchant: str | None = None  # the merchant text as shown
    start: pd.Timestamp | None = None  # true-time window the payment lies in
    end: pd.Timestamp | None = None
    wallet_id: str | None = None
    wallet_suffix: str | None = None
    fx: bool = False


@dataclass
class Expect:
    """What a correct reader makes of the text."""

    amount: int
    currency: str
    direction: str
    last4: str | None
    date: dt.date
    ts_kind: str  # second | minute | hour | day
    ts: pd.Timestamp | None = None  # the shown instant (second/minute) or the true time (hour)
    alt: tuple[int, str] | None = None  # another acceptable (amount, currency): FX billing amount
    wallet_id: str | None = None
    merchant: bool = False


@dataclass
class Proof:
    pid: str
    category: str
    fmt: str  # sms_json | sms_txt | wechat | alipay | cmb_credit | boc_credit | hsbc_hk | bocom_fx | screen | counter
    text: str
    truth: str | None
    ev: Evidence
    exp: Expect
    sub: str = ""
    payload: dict = field(default_factory=dict)
    near: str | None = None  # elsewhere: the journal sale it coincides with


def _ts_local(t: pd.Timestamp) -> pd.Timestamp:
    return t.tz_convert(TZ)


def descriptor(b: Branch, channel: str, rng: np.random.Generator) -> str | None:
    """How the payee is named on the customer's side (field guide section 2.1)."""
    u = rng.random()
    if channel in ("wechat", "alipay"):
        if u < 0.55:
            return b.sign
        if u < 0.8:
            return b.legal
        if u < 0.92:
            return b.brand
        return f"{b.brand}{b.branch}"
    if u < 0.35:
        return None
    if u < 0.55:
        return b.legal
    if u < 0.8:
        return b.sign
    if u < 0.92:
        return f"{b.brand}{b.branch}"
    return b.brand


def payment_method(card: Card, credit_word: bool = True) -> str:
    """``招商银行信用卡(1234)`` as wallet bills show the card that paid."""
    kind = "信用卡" if card.credit else "储蓄卡"
    return f"{BANK_NAMES.get(card.bank, '银行')}{kind if credit_word else ''}({card.last4})"


class Builder:
    """Draws the proofs of one seed from the world and its journal."""

    def __init__(self, world: World, journal: pd.DataFrame, rng: np.random.Generator) -> None:
        self.w = world
        self.j = journal
        self.rng = rng
        self.used: set[int] = set()
        self.proofs: list[Proof] = []
        self.branch_by_sign = {b.sign: b for b in world.branches}
        self.cards = world.cards
        self._idx: dict[int, tuple[pd.Series, np.ndarray]] = {}

    # -- picking journal rows -------------------------------------------------------------------------
    def pick(self, mask: pd.Series) -> pd.Series | None:
        """A random journal row under ``mask`` not yet given a proof (a payment is proved once)."""
        key = id(mask)
        if key not in self._idx:
            self._idx[key] = (mask, np.flatnonzero(mask.to_numpy()))
        idx = self._idx[key][1]
        if len(idx) == 0:
            return None
        for _ in range(50):
            i = int(idx[int(self.rng.integers(0, len(idx)))])
            if i not in self.used:
                self.used.add(i)
                return self.j.iloc[i]
        return None

    def sales(self, **eq: object) -> pd.Series:
        m = (self.j.status == "approved") & (self.j.txn_type == "sale")
        for k, v in eq.items():
            m &= self.j[k].isin(v) if isinstance(v, (list, tuple, set)) else (self.j[k] == v)
        return m

    def add(self, p: Proof) -> None:
        p.pid = f"C{len(self.proofs):05d}"
        self.proofs.append(p)

    def branch(self, row: pd.Series) -> Branch:
        return self.branch_by_sign[row.merchant_name]

    # -- SMS ---------------------------------------------------------------------------------------------
    def sms_proof(
        self,
        category: str,
        row: pd.Series | None,
        card: Card,
        true_ts: pd.Timestamp,
        cents: int,
        merchant: str | None,
        wallet: str | None,
        refund: bool = False,
        channels: tuple[str, ...] | None = ("card", "unionpay_qr"),
    ) -> Proof:
        delay = int(self.rng.integers(0, 20))
        bank_t = _ts_local(true_ts + pd.Timedelta(seconds=delay)).floor("s")
        s = card_sms(card.bank, card.credit, bank_t, cents, card.last4, merchant, wallet, refund, self.rng)
        capture = bank_t + pd.Timedelta(seconds=int(self.rng.integers(2, 70)))
        minute = bank_t.floor("min")
        if s.time == "hms":
            start, end, kind, shown = (
                bank_t - pd.Timedelta(seconds=60),
                bank_t + pd.Timedelta(seconds=60),
                "second",
                bank_t,
            )
        elif s.time == "hm":
            start, end, kind, shown = (
                minute - pd.Timedelta(seconds=120),
                minute + pd.Timedelta(seconds=180),
                "minute",
                minute,
            )
        elif s.date == "none":  # a push with nothing but the amount: the phone shows when it arrived
            start, end, kind, shown = capture - pd.Timedelta(minutes=5), capture, "day", None
        else:
            day0 = bank_t.normalize()
            start, end, kind, shown = (
                day0 - pd.Timedelta(seconds=120),
                day0 + pd.Timedelta(days=1),
                "day",
                None,
            )
        date = (capture if s.date == "none" else bank_t).date()
        if wallet is not None:  # the clerk knows the wallet only when the text names it
            marks = [
                c for w, c in (("财付通", "wechat"), ("微信", "wechat"), ("支付宝", "alipay")) if w in s.text
            ]
            channels = tuple(sorted(set(marks))) or None
        ev = Evidence(
            amount=cents,
            currency="CNY",
            direction="credit" if refund else "debit",
            channels=channels,
            last4=card.last4 if s.tail == "4" else None,
            tail3=card.last4[1:] if s.tail == "3" else None,
            merchant=s.merchant,
            start=start,
            end=end,
        )
        exp = Expect(
            amount=cents,
            currency="CNY",
            direction=ev.direction,
            last4=ev.last4,
            date=date,
            ts_kind=kind,
            ts=shown,
            merchant=s.merchant is not None,
        )
        container = s.container
        if container == "line" and self.rng.random() < 0.5:
            container = "body"
        payload: dict = {"t": int(capture.timestamp() * 1000)}
        if container in ("line", "body"):
            payload["body"] = s.text
        elif container == "push":
            payload.update(title=s.title or "通知", text=s.text)
        else:
            payload["description"] = s.text
        fmt = "sms_txt" if container == "line" else "sms_json"
        return Proof(
            "",
            category,
            fmt,
            s.text,
            None if row is None else row.txn_id,
            ev,
            exp,
            sub=s.wording,
            payload=payload,
        )

    def card_of(self, row: pd.Series) -> Card:
        return self.cards[int(row.card_id)]

    def make_sms_card(self, category: str, row: pd.Series, refund: bool = False) -> Proof:
        card = self.card_of(row)
        merchant = descriptor(self.branch(row), "card", self.rng)
        return self.sms_proof(category, row, card, row.true_ts, int(row.amount_minor), merchant, None, refund)

    def make_sms_wallet(self, category: str, row: pd.Series, refund: bool = False) -> Proof:
        card = self.cards[int(row.card_id)]
        wallet = "财付通" if row.channel == "wechat" else "支付宝"
        merchant = descriptor(self.branch(row), row.channel, self.rng)
        p = self.sms_proof(
            category,
            row,
            card,
            row.true_ts,
            int(row.amount_minor),
            merchant,
            wallet,
            refund,
            (str(row.channel),),
        )
        return p

    # -- wallet bills ------------------------------------------------------------------------------------
    def wallet_row(self, category: str, row: pd.Series, app: str, refund: bool = False) -> Proof:
        b = self.branch(row)
        who = descriptor(b, row.channel, self.rng)
        t = _ts_local(row.true_ts).floor("s")
        card = self.cards[int(row.card_id)] if row.payer == "card" else None
        cents = int(row.amount_minor)
        seconds = app == "wechat" or self.rng.random() < 0.8
        shown = t if seconds else t.floor("min")
        if app == "wechat":
            method = payment_method(card) if card else "零钱"
            state = "支付成功"
            if refund:
                state = f"已退款￥{amt(cents)}"
            elif (
                row.get("event") == "refunded"
                and not pd.isna(row.get("refunded_minor"))
                and int(row.refunded_minor) < cents
            ):
                state = f"已退款(￥{amt(int(row.refunded_minor))})"
            cells = [
                shown.strftime("%Y-%m-%d %H:%M:%S"),
                f"{who}-退款" if refund else ("商户消费" if self.rng.random() < 0.7 else "扫二维码付款"),
                who,
                "堂食" if self.rng.random() < 0.5 else "/",
                "收入" if refund else "支出",
                f"¥{amt(cents)}" if cents % 10 or self.rng.random() < 0.7 else f"¥{amt(cents)[:-1]}",
                method,
                state,
                row.wallet_txn_id + "\t",
                row.order_no + "\t",
                "/",
            ]
        else:
            method = payment_method(card) if card else "余额"
            cells = [
                shown.strftime("%Y-%m-%d %H:%M:%S") if seconds else shown.strftime("%Y-%m-%d %H:%M"),
                "退款" if refund else "餐饮美食",
                who,
                "/",
                "收款" if self.rng.random() < 0.5 else "堂食",
                "收入" if refund else "支出",
                amt(cents),
                method,
                "退款成功" if refund else "交易成功",
                row.wallet_txn_id + "\t",
                row.order_no + "\t",
                "",
            ]
        start = shown - pd.Timedelta(seconds=60)
        end = shown + pd.Timedelta(seconds=120 if not seconds else 60)
        ev = Evidence(
            cents,
            "CNY",
            "credit" if refund else "debit",
            (str(row.channel),),
            last4=card.last4 if card else None,
            merchant=who,
            start=start,
            end=end,
            wallet_id=row.wallet_txn_id,
        )
        exp = Expect(
            cents,
            "CNY",
            ev.direction,
            ev.last4,
            t.date(),
            "second" if seconds else "minute",
            shown,
            wallet_id=row.wallet_txn_id,
            merchant=True,
        )
        return Proof(
            "",
            category,
            app,
            ",".join(c.strip() for c in cells),
            row.txn_id,
            ev,
            exp,
            sub=app,
            payload={"cells": cells},
        )

    # -- statements ------------------------------------------------------------------------------------
    def statement_row(self, category: str, row: pd.Series, refund: bool = False) -> Proof:
        card = self.card_of(row)
        t = _ts_local(row.true_ts)
        cents = int(row.amount_minor)
        b = self.branch(row)
        if card.billing != "CNY":
            return self.fx_row(category, row, card, t, cents, b)
        desc = descriptor(b, "card", self.rng) or "POS消费"
        if not refund and (card.bank == "boc" or (card.bank != "cmb" and self.rng.random() < 0.5)):
            post = t.date() + dt.timedelta(days=1)  # BOC: T+1 including weekends
            cells = [
                t.strftime("%Y-%m-%d"),
                post.strftime("%Y-%m-%d"),
                card.last4,
                desc + "CHN",
                "",
                amt(cents),
                "CNY",
            ]
            fmt, txn_date = "boc_credit", t.date()
        else:
            lag = int(self.rng.integers(1, 3))
            post = t.date() + dt.timedelta(days=lag)
            if post.weekday() == 6:
                post += dt.timedelta(days=1)
            txn_date = t.date() if self.rng.random() < 0.8 else None
            a = ("-" if refund else "") + amt(cents, "comma")
            cells = [
                txn_date.strftime("%m/%d") if txn_date else "",
                post.strftime("%m/%d"),
                desc,
                a,
                card.last4,
                a + ("(CN)" if self.rng.random() < 0.3 else ""),
            ]
            fmt = "cmb_credit"
        if txn_date is not None:
            d0 = pd.Timestamp(txn_date, tz=TZ)
            start, end = d0, d0 + pd.Timedelta(days=1)
        else:
            d1 = pd.Timestamp(post, tz=TZ)
            start, end = d1 - pd.Timedelta(days=4), d1 + pd.Timedelta(days=1)
        d = "credit" if refund else "debit"
        ev = Evidence(
            cents, "CNY", d, ("card", "unionpay_qr"), last4=card.last4, merchant=desc, start=start, end=end
        )
        exp = Expect(cents, "CNY", d, card.last4, txn_date or post, "day", merchant=True)
        p = Proof(
            "",
            category,
            fmt,
            ",".join(cells),
            row.txn_id,
            ev,
            exp,
            sub=fmt + ("" if txn_date else "_posting_only"),
        )
        p.payload = {"cells": cells, "post": post}
        return p

    def fx_row(
        self, category: str, row: pd.Series, card: Card, t: pd.Timestamp, cents: int, b: Branch
    ) -> Proof:
        rate = float(FX_REFERENCE[card.billing])
        spread = self.rng.uniform(0.005, 0.025)
        billed = round(cents * rate * (1 + spread))
        post = t.date() + dt.timedelta(days=1)
        while post.weekday() >= 5:  # HSBC HK: weekend transactions post on Monday
            post += dt.timedelta(days=1)
        d0 = pd.Timestamp(t.date(), tz=TZ)
        if card.billing == "HKD":
            name = b.english
            desc = f"SALES:   {name:<26}CHN          CN"
            cells = [
                t.strftime("%d/%m/%Y"),
                post.strftime("%d/%m/%Y"),
                desc,
                f'"-{amt(billed, "comma")}"\t',
                "HKD",
            ]
            cells += ["POSTED", name, "CHINA", "CHN", "DEBIT"]
            ev = Evidence(
                billed,
                "HKD",
                "debit",
                ("card",),
                merchant=name,
                start=d0,
                end=d0 + pd.Timedelta(days=1),
                fx=True,
            )
            exp = Expect(billed, "HKD", "debit", None, t.date(), "day", merchant=True)
            fmt = "hsbc_hk"
        else:
            desc = f"消费 {b.sign}"
            cells = [
                t.strftime("%Y-%m-%d"),
                post.strftime("%Y-%m-%d"),
                desc,
                f"CNY {amt(cents)}",
                f"USD {amt(billed)}",
            ]
            ev = Evidence(
                cents, "CNY", "debit", ("card",), merchant=b.sign, start=d0, end=d0 + pd.Timedelta(days=1)
            )
            exp = Expect(cents, "CNY", "debit", None, t.date(), "day", alt=(billed, "USD"), merchant=True)
            fmt = "bocom_fx"
        p = Proof("", category, fmt, ",".join(c.strip() for c in cells), row.txn_id, ev, exp, sub=fmt)
        p.payload = {"cells": cells}
        return p

    # -- counter -------------------------------------------------------------------------------------------
    def counter(self, category: str, row: pd.Series, hour: bool) -> Proof | None:
        t = _ts_local(row.true_ts)
        cents = int(row.amount_minor)
        card = self.cards[int(row.card_id)] if int(row.card_id) >= 0 else None
        last4 = card.last4 if card is not None and self.rng.random() < 0.7 else None
        visit = t.date()
        if not hour:
            m = (t + pd.Timedelta(seconds=int(self.rng.integers(0, 20)))).floor("min")
            u = self.rng.random()
            if u < 0.4:
                text = m.strftime("%H:%M")
            elif u < 0.65:
                text, visit = "昨天 " + m.strftime("%H:%M"), visit + dt.timedelta(days=1)
            elif u < 0.75 and m.hour > 12:
                text = f"下午{m.hour - 12}:{m.minute:02d}"
            elif u < 0.85:
                text = f"{m.hour}点{m.minute:02d}分" if m.hour < 13 else f"下午{m.hour - 12}点{m.minute}分"
            else:
                text, visit = f"{m.month}月{m.day}日 {m.strftime('%H:%M')}", visit + dt.timedelta(days=3)
            start, end, kind, shown = (
                m - pd.Timedelta(seconds=120),
                m + pd.Timedelta(seconds=180),
                "minute",
                m,
            )
        else:
            h, mi = t.hour, t.minute
            u = self.rng.random()
            day0 = t.normalize()
            if u < 0.25:
                text, a, b = f"{h}点", day0 + pd.Timedelta(hours=h), day0 + pd.Timedelta(hours=h + 1)
            elif u < 0.45:
                text, a, b = (
                    f"{h}点-{h + 1}点",
                    day0 + pd.Timedelta(hours=h),
                    day0 + pd.Timedelta(hours=h + 1),
                )
            elif u < 0.65 and (mi <= 20 or mi >= 40):
                hh = h if mi <= 20 else h + 1
                text = spoken_hour(hh) + "左右"
                a, b = day0 + pd.Timedelta(hours=hh, minutes=-30), day0 + pd.Timedelta(hours=hh, minutes=30)
            elif u < 0.8:
                text = spoken_hour(h) + "多"  # 两点多: 14:00-14:59 (field guide section 5)
                a, b = day0 + pd.Timedelta(hours=h), day0 + pd.Timedelta(hours=h + 1)
            elif 11.25 <= h + mi / 60 <= 13.25:
                text, a, b = "中午", day0 + pd.Timedelta(hours=11), day0 + pd.Timedelta(hours=14)
            elif (h >= 18 and mi >= 15) or h >= 19:
                text, a, b = "晚上", day0 + pd.Timedelta(hours=18), day0 + pd.Timedelta(hours=24)
            else:
                text, a, b = f"{h}点", day0 + pd.Timedelta(hours=h), day0 + pd.Timedelta(hours=h + 1)
            if (
                self.rng.random() < 0.3
                and text[0].isdigit() is False
                and not text.startswith(("中午", "晚上"))
            ):
                text, visit = "昨天" + text, visit + dt.timedelta(days=1)
            start, end, kind, shown = a, b, "hour", t
        u = self.rng.random()
        amount_text = amt(cents) if u < 0.55 else (amt(cents, "icbc") if u < 0.75 else amt(cents) + "元")
        if u >= 0.9:
            amount_text = "¥" + amt(cents, "comma")
        typed4 = ("尾号" + last4) if last4 and self.rng.random() < 0.15 else last4
        merchant = self.branch(row).sign if self.rng.random() < 0.3 else None
        ev = Evidence(
            cents,
            "CNY",
            "debit",
            None,
            last4=last4,
            merchant=merchant,
            start=start,
            end=end,
        )
        exp = Expect(cents, "CNY", "debit", last4, t.date(), kind, shown, merchant=merchant is not None)
        payload = {
            "amount": amount_text,
            "time": text,
            "last4": typed4,
            "merchant": merchant,
            "ref": visit.isoformat(),
        }
        shown_text = " ".join(
            x for x in (amount_text, text, f"尾号{last4}" if last4 else None, merchant) if x
        )
        return Proof(
            "",
            category,
            "counter",
            shown_text,
            row.txn_id,
            ev,
            exp,
            sub="hour" if hour else "minute",
            payload=payload,
        )

    # -- wallet screens without ids -------------------------------------------------------------------------
    def screen(self, category: str, row: pd.Series) -> Proof:
        b = self.branch(row)
        t = _ts_local(row.true_ts).floor("s")
        cents = int(row.amount_minor)
        card = self.cards[int(row.card_id)] if row.payer == "card" else None
        who = descriptor(b, row.channel, self.rng)
        obj: dict = {
            "app": "微信" if row.channel == "wechat" else "支付宝",
            "amount": f"-{amt(cents)}",
            "time": t.strftime("%Y-%m-%d %H:%M:%S")
            if self.rng.random() < 0.7
            else f"{t.year}年{t.month}月{t.day}日 {t.strftime('%H:%M:%S')}",  # as the screen shows it
            "merchant": who,
            "payment_method": payment_method(card)
            if card
            else ("零钱" if row.channel == "wechat" else "余额"),
            "status": "支付成功" if row.channel == "wechat" else "交易成功",
        }
        suffix = None
        u = self.rng.random()
        wid = str(row.wallet_txn_id)
        push = row.channel == "alipay" and self.rng.random() < 0.25
        if push:  # Alipay's 付款成功 push: the date without a year and no time (field guide 4.4)
            obj["time"] = f"{t.month:02d}月{t.day:02d}日"
            u = 1.0
        if u < 0.25:
            obj["交易单号"] = wid[:4] + "…" + wid[-4:]
            suffix = wid[-4:]
        elif u < 0.45:
            obj["交易单号"] = "****" + wid[-8:]
            suffix = wid[-8:]
        ev = Evidence(
            cents,
            "CNY",
            "debit",
            (str(row.channel),),
            last4=card.last4 if card else None,
            merchant=who,
            start=t - pd.Timedelta(seconds=60) if not push else t.normalize(),
            end=t + pd.Timedelta(seconds=60) if not push else t.normalize() + pd.Timedelta(days=1),
            wallet_suffix=suffix,
        )
        exp = Expect(cents, "CNY", "debit", ev.last4, t.date(), "day" if push else "second", t, merchant=True)
        sub = "alipay_push_date_only" if push else ("masked_id" if suffix else "no_id")
        return Proof(
            "",
            category,
            "screen",
            json.dumps(obj, ensure_ascii=False),
            row.txn_id,
            ev,
            exp,
            sub=sub,
            payload=obj,
        )

    # -- payments elsewhere --------------------------------------------------------------------------------
    def elsewhere(self, category: str) -> Proof | None:
        if not hasattr(self, "_near"):
            self._near = self.sales(channel=["card", "wechat", "alipay"])
            self._by_last4: dict[str, list[Card]] = {}
            for c in self.cards:
                if c.billing == "CNY":
                    self._by_last4.setdefault(c.last4, []).append(c)
            self._domestic = [c for c in self.cards if c.billing == "CNY"]
        near = self.pick(self._near)
        if near is None:
            return None
        rng = self.rng
        ours = self.branch(near)
        if category == "elsewhere_branch":
            others = [b for b in self.w.elsewhere if b.brand == ours.brand]
            other = others[int(rng.integers(0, len(others)))]
            name = other.sign if rng.random() < 0.7 else f"{other.brand}{other.branch}"
        elif category == "elsewhere_brand":
            others = [b for b in self.w.elsewhere if b.brand != ours.brand]
            other = others[int(rng.integers(0, len(others)))]
            name = other.sign if rng.random() < 0.6 else (other.legal if rng.random() < 0.5 else other.brand)
        else:
            u = rng.random()
            # no shop identity at all, a platform, or the chain's own legal entity (a head office
            # billing for a branch not in this journal): a clerk cannot tell these from a sale here
            name = None if u < 0.4 else ("美团平台商户" if u < 0.7 else ours.legal)
        true_ts = near.true_ts + pd.Timedelta(seconds=int(rng.integers(-25, 25)))
        cents = int(near.amount_minor)
        if near.channel == "wechat" and rng.random() < 0.35:
            return self.elsewhere_bill(category, near, true_ts, cents, name or "美团平台商户")
        if near.channel == "card":
            base = self.card_of(near)
            same4 = category != "elsewhere_unnamed" or rng.random() < 0.5
            if same4:
                pool = [c for c in self._by_last4.get(base.last4, []) if c.card_id != base.card_id]
                if not pool:  # nobody else has this tail: a card of another customer that does
                    c0 = self._domestic[int(rng.integers(0, len(self._domestic)))]
                    pool = [Card(c0.card_id, c0.bin6, base.last4, c0.bank, c0.credit)]
            else:
                pool = [c for c in self._domestic if c.last4 != base.last4]
            card = pool[int(rng.integers(0, len(pool)))]
            p = self.sms_proof(category, None, card, true_ts, cents, name, None)
        else:
            card = self._domestic[int(rng.integers(0, len(self._domestic)))]
            wallet = "财付通" if near.channel == "wechat" else "支付宝"
            if name is None and category != "elsewhere_unnamed":
                name = "收款商户"
            p = self.sms_proof(
                category, None, card, true_ts, cents, name, wallet, channels=(str(near.channel),)
            )
        p.near = near.txn_id
        p.truth = None
        return p

    def elsewhere_bill(
        self, category: str, near: pd.Series, true_ts: pd.Timestamp, cents: int, who: str
    ) -> Proof:
        """A row of the customer's WeChat bill for a payment elsewhere: its own 交易单号, not in this journal."""
        rng = self.rng
        t = _ts_local(true_ts).floor("s")
        card = self._domestic[int(rng.integers(0, len(self._domestic)))] if rng.random() < 0.7 else None
        wid = "4200" + "".join(str(d) for d in rng.integers(0, 10, 6)) + t.strftime("%Y%m%d")
        wid += "".join(str(d) for d in rng.integers(0, 10, 10))
        order = "".join(str(d) for d in rng.integers(0, 10, 24))
        cells = [
            t.strftime("%Y-%m-%d %H:%M:%S"),
            "商户消费",
            who,
            "/",
            "支出",
            f"¥{amt(cents)}",
            payment_method(card) if card else "零钱",
            "支付成功",
            wid + "\t",
            order + "\t",
            "/",
        ]
        ev = Evidence(
            cents,
            "CNY",
            "debit",
            ("wechat",),
            last4=card.last4 if card else None,
            merchant=who,
            start=t - pd.Timedelta(seconds=60),
            end=t + pd.Timedelta(seconds=60),
            wallet_id=wid,
        )
        exp = Expect(cents, "CNY", "debit", ev.last4, t.date(), "second", t, wallet_id=wid, merchant=True)
        text = ",".join(c.strip() for c in cells)
        return Proof(
            "",
            category,
            "wechat",
            text,
            None,
            ev,
            exp,
            sub="wechat",
            payload={"cells": cells},
            near=near.txn_id,
        )


def build_proofs(world: World, journal: pd.DataFrame, rng: np.random.Generator, n_proofs: int) -> list[Proof]:
    """Draw ``n_proofs`` proofs in the categories' shares (see the module docstring)."""
    b = Builder(world, journal, rng)
    j = journal
    domestic_card = j.card_id.map(lambda c: c >= 0 and world.cards[int(c)].billing == "CNY")
    foreign_card = j.card_id.map(lambda c: c >= 0 and world.cards[int(c)].billing != "CNY")
    plan = {k: round(v * n_proofs) for k, v in SHARES.items()}
    plan["sms_card"] += n_proofs - sum(plan.values())
    masks = {
        "sms_card": b.sales(channel="card", event="sale") & domestic_card,
        "sms_wallet": b.sales(channel=["wechat", "alipay"], payer="card"),
        "wechat_bill": b.sales(channel="wechat", event=["sale", "refunded"]),
        "alipay_bill": b.sales(channel="alipay", event=["sale", "refunded"]),
        "statement": b.sales(channel="card", event="sale") & domestic_card,
        "statement_fx": b.sales(channel="card") & foreign_card,
        "counter_minute": b.sales(event="sale", channel=["card", "wechat", "alipay"]) & ~foreign_card,
        "counter_hour": b.sales(event="sale", channel=["card", "wechat", "alipay"]) & ~foreign_card,
        "screen_noid": b.sales(channel=["wechat", "alipay"]),
        "refund": (j.status == "approved") & (j.txn_type == "refund") & ~foreign_card,
        "retry": b.sales(event="retry", channel="card") & domestic_card,
        "double_charge": b.sales(event="double", channel="card") & domestic_card,
        "voided": b.sales(event="voided", channel="card") & domestic_card,
    }
    for cat, n in plan.items():
        for _ in range(n):
            p = None
            r = b.pick(masks[cat]) if cat in masks else None
            if cat in ("sms_card", "retry", "double_charge", "voided"):
                p = r is not None and b.make_sms_card(cat, r)
            elif cat == "sms_wallet":
                p = r is not None and b.make_sms_wallet(cat, r)
            elif cat in ("wechat_bill", "alipay_bill"):
                p = r is not None and b.wallet_row(cat, r, cat.split("_")[0])
            elif cat in ("statement", "statement_fx"):
                p = r is not None and b.statement_row(cat, r)
            elif cat in ("counter_minute", "counter_hour"):
                p = r is not None and b.counter(cat, r, cat == "counter_hour")
            elif cat == "screen_noid":
                p = r is not None and b.screen(cat, r)
            elif cat == "refund":
                if r is not None:
                    if r.channel == "card" and b.cards[int(r.card_id)].bank == "cmb" and b.rng.random() < 0.5:
                        p = b.statement_row(cat, r, refund=True)
                    elif r.channel == "card":
                        p = b.make_sms_card(cat, r, refund=True)
                    elif r.channel in ("wechat", "alipay") and b.rng.random() < 0.7:
                        p = b.wallet_row(cat, r, str(r.channel), refund=True)
                    elif r.channel in ("wechat", "alipay") and r.payer == "card":
                        p = b.make_sms_wallet(cat, r, refund=True)
            else:
                p = b.elsewhere(cat)
            if p:
                b.add(p)
    return b.proofs


# -- files as customers hand them over ------------------------------------------------------------------------


def _wechat_file(rows: list[list[str]]) -> str:
    pad = "," * 10
    pre = [
        "微信支付账单明细",
        "微信昵称：[某某]",
        "起始时间：[2026-11-01 00:00:00] 终止时间：[2026-12-05 23:59:59]",
        "导出类型：[全部]",
        "导出时间：[2026-12-06 09:12:27]",
        "",
        f"共{len(rows)}笔记录",
        "收入：0笔 0.00元",
        f"支出：{len(rows)}笔 0.00元",
        "中性交易：0笔 0.00元",
        "注：",
        "1. 充值/提现/理财通购买/零钱通存取/信用卡还款等交易，将计入中性交易",
        "2. 本明细仅展示当前账单中的交易，不包括已删除的记录",
        "3. 本明细仅供个人对账使用",
        "",
        "----------------------微信支付账单明细列表--------------------",
    ]
    lines = [p + pad for p in pre]
    lines.append("交易时间,交易类型,交易对方,商品,收/支,金额(元),支付方式,当前状态,交易单号,商户单号,备注")
    for cells in rows:
        out = []
        for c in cells:
            out.append(f'"{c}"' if ("\t" in c or "," in c) else c)
        lines.append(",".join(out))
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


def _alipay_file(rows: list[list[str]]) -> str:
    pre = [
        "------------------------------------------------------------------------------------",
        "导出信息：",
        "姓名：某某",
        "支付宝账户：xx@example.com",
        "起始时间：[2026-11-01 00:00:00]    终止时间：[2026-12-05 23:59:59]",
        "导出交易类型：[全部]",
        "导出时间：[2026-12-06 09:12:52]",
        f"共{len(rows)}笔记录",
        "收入：0笔 0.00元",
        f"支出：{len(rows)}笔 0.00元",
        "不计收支：0笔 0.00元",
        "",
        "特别提示：",
        "1.本回单内容可表明支付宝受理了相应支付交易申请，因不同交易的退款、撤销等情况，回单内容可能与实际情况不符；",
        "2.请勿将本回单作为收款方发货的凭据使用，请查证账户实际到账情况后再进行发货操作；",
        "",
        "------------------------支付宝支付科技有限公司  电子客户回单------------------------",
        "交易时间,交易分类,交易对方,对方账号,商品说明,收/支,金额,收/付款方式,交易状态,交易订单号,商家订单号,备注,",
    ]
    lines = list(pre)
    for cells in rows:
        lines.append(",".join(cells) + ",")
    return "\r\n".join(lines) + "\r\n"


def write_proof_files(proofs: list[Proof], folder: Path) -> dict[str, Path]:
    """Write the proofs as the files customers bring; ``payload['line']`` gets each proof's line."""
    files: dict[str, Path] = {}
    groups: dict[str, list[Proof]] = {}
    for p in proofs:
        key = p.fmt
        if p.fmt == "cmb_credit":
            key = f"cmb_credit_{p.payload['post'].month:02d}"
        groups.setdefault(key, []).append(p)
    for key, ps in groups.items():
        if key == "counter":
            continue
        if key == "sms_txt":
            path = folder / "短信.txt"
            path.write_text("\n".join(p.payload["body"] for p in ps) + "\n", encoding="utf-8")
            for i, p in enumerate(ps):
                p.payload["line"] = i + 1
        elif key == "sms_json":
            path = folder / "captured_messages.json"
            path.write_text(
                "\n".join(json.dumps(p.payload, ensure_ascii=False) for p in ps) + "\n", encoding="utf-8"
            )
            for i, p in enumerate(ps):
                p.payload["line"] = i + 1
        elif key == "wechat":
            path = folder / "微信支付账单(20261101-20261205).csv"
            path.write_text(_wechat_file([p.payload["cells"] for p in ps]), encoding="utf-8", newline="")
            for i, p in enumerate(ps):
                p.payload["line"] = 18 + i
        elif key == "alipay":
            path = folder / "alipay_record_20261206.csv"
            path.write_bytes(_alipay_file([p.payload["cells"] for p in ps]).encode("gb18030"))
            for i, p in enumerate(ps):
                p.payload["line"] = 19 + i
        elif key.startswith("cmb_credit"):
            month = int(key.rsplit("_", 1)[1])
            year = 2026
            path = folder / f"cmb_credit_{year}{month:02d}.csv"
            head = [
                f"招商银行信用卡对账单（个人消费卡账户 {year}年{month:02d}月）",
                "交易日,记账日,交易摘要,人民币金额,卡号末四位,交易地金额",
            ]
            body = []
            for p in ps:
                body.append(",".join(f'"{c}"' if "," in c else c for c in p.payload["cells"]))
            path.write_text("\n".join(head + body) + "\n", encoding="utf-8")
            for i, p in enumerate(ps):
                p.payload["line"] = 3 + i
        elif key == "boc_credit":
            path = folder / "boc_credit_202612.csv"
            head = ["中国银行信用卡账单(2026年12月)", "交易日,银行记账日,卡号后四位,交易描述,存入,支出,币种"]
            path.write_text(
                "\n".join(head + [",".join(p.payload["cells"]) for p in ps]) + "\n", encoding="utf-8"
            )
            for i, p in enumerate(ps):
                p.payload["line"] = 3 + i
        elif key == "hsbc_hk":
            path = folder / "hsbc_hk_credit.csv"
            head = (
                "Transaction date,Post date,Description,Billing amount,Billing currency,Transaction status,"
                "Merchant name,Country / region,Area / district,Credit / Debit"
            )
            path.write_text(
                "\n".join([head] + [",".join(p.payload["cells"]) for p in ps]) + "\n", encoding="utf-8"
            )
            for i, p in enumerate(ps):
                p.payload["line"] = 2 + i
        elif key == "bocom_fx":
            path = folder / "bocom_credit.csv"
            head = "交易日期,记账日期,交易说明,交易币种/金额,入账币种/金额"
            path.write_text(
                "\n".join([head] + [",".join(p.payload["cells"]) for p in ps]) + "\n", encoding="utf-8"
            )
            for i, p in enumerate(ps):
                p.payload["line"] = 2 + i
        elif key == "screen":
            path = folder / "screens.json"
            body = ",\n".join(json.dumps(p.payload, ensure_ascii=False) for p in ps)
            path.write_text("[\n" + body + "\n]\n", encoding="utf-8")
            for i, p in enumerate(ps):
                p.payload["line"] = 2 + i
        else:  # pragma: no cover - a new format without a writer
            raise ValueError(key)
        files[key] = path
    return files
