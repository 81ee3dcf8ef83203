"""Proofs customers bring: honest ones in many forms, and hostile ones (field guide sections 1, 2, 4, 5).

Each proof keeps what it *shows* (the evidence a careful clerk reads from it) separately from how it is
written (an SMS, a WeChat or Alipay bill row, a screenshot's JSON, a statement line, counter input), so
the oracle judges the evidence and never the generator's intent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .world import (
    BANKS,
    BRAND,
    LEGAL,
    OTHER_SHOPS,
    SHOPS,
    TZ,
    World,
    alipay_number,
    sales,
    wechat_number,
)

# category -> (share of the batch, hostile)
SHARES: dict[str, tuple[float, bool]] = {
    "sms": (0.15, False),
    "wechat_bill": (0.09, False),
    "alipay_bill": (0.07, False),
    "screenshot": (0.10, False),
    "statement": (0.06, False),
    "counter": (0.10, False),
    "reused_original": (0.05, False),
    "edited_screenshot": (0.07, True),
    "reused_edited": (0.05, True),
    "replayed": (0.06, True),
    "qr_swap": (0.06, True),
    "elsewhere": (0.08, True),
    "fake_screen": (0.06, True),
}
HOSTILE = tuple(c for c, (_, h) in SHARES.items() if h)

PERSONS_WECHAT = ("酱骨头焖面(**强)", "老街馄饨(**明)", "小吃摊(**华)", "**伟")
PERSONS_ALIPAY = ("173******86(未实名)", "严", "老街馄饨(*明)", "上海鑫源贸易有限公司")


@dataclass
class Proof:
    pid: str
    category: str
    hostile: bool
    form: str  # sms, wechat_csv, alipay_csv, shot, cmb_credit, boc_credit, counter
    truth: int | None  # journal row of the payment the proof really records (genuine proofs)
    target: int | None  # the sale here a hostile proof was made to fit
    amount: int
    date: date  # the date shown (always)
    ts: datetime | None = None  # shown time
    precision: str = "day"  # second, minute, hour, about (左右), day
    last4: str | None = None
    tail3: str | None = None
    number: str | None = None  # full wallet number shown
    suffix: str | None = None  # visible end of a masked wallet number
    channels: frozenset[str] | None = None  # channels the proof can come from; None = any
    merchant: tuple[str, ...] = (
        "none",
    )  # ("shop", i) / ("brand",) / ("none",) / ("other", t) / ("person", t)
    render: dict = field(default_factory=dict)  # form-specific text


def yuan(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def yuan_icbc(minor: int) -> str:
    """ICBC drops trailing zeros: 45元, 28.1元."""
    s = yuan(minor).rstrip("0").rstrip(".")
    return s


class Maker:
    """Draws proofs against one world."""

    def __init__(self, world: World, seed: int) -> None:
        self.w = world
        self.rng = random.Random(seed * 104729 + 17)
        self.j = world.journal
        self.t = world.truth
        self.sale_rows = sales(world)
        self.by_channel: dict[str, list[int]] = {}
        for i in self.sale_rows:
            self.by_channel.setdefault(str(self.j.at[i, "channel"]), []).append(i)
        self.true_ts = self.t["true_ts"].tolist()
        self.amounts = self.j["amount_minor"].astype(int).tolist()
        self.channel = self.j["channel"].astype(str).tolist()
        self.used: set[int] = set()
        self.n = 0

    # ---- helpers -------------------------------------------------------------------------------
    def pick(self, channels: tuple[str, ...], fresh: bool = True) -> int:
        rows = [r for c in channels for r in self.by_channel.get(c, [])]
        for _ in range(200):
            r = self.rng.choice(rows)
            if not fresh or r not in self.used:
                self.used.add(r)
                return r
        return self.rng.choice(rows)

    def new(self, category: str, hostile: bool, form: str, **kw: object) -> Proof:
        self.n += 1
        return Proof(pid=f"{category}:{self.n}", category=category, hostile=hostile, form=form, **kw)  # type: ignore[arg-type]

    def shop(self, r: int) -> int:
        return int(self.t.at[r, "shop"])

    def number_of(self, r: int) -> str:
        return str(self.t.at[r, "wallet_no"])

    def funding_text(self, r: int) -> tuple[str, str | None]:
        f = str(self.t.at[r, "funding"])
        if f != "card":
            return f, None
        bank, _, credit = BANKS[int(self.t.at[r, "bank"])]
        last4 = str(self.t.at[r, "last4"])
        return f"{bank}{'信用卡' if credit else '储蓄卡'}({last4})", last4

    # ---- honest forms --------------------------------------------------------------------------
    def sms(self, r: int, category: str = "sms") -> Proof:
        """A bank SMS or push for a card sale or a card-funded wallet payment (field guide 1.1)."""
        ch = self.channel[r]
        if ch in ("wechat", "alipay") and str(self.t.at[r, "funding"]) != "card":
            r = self.pick(("card", "unionpay_qr"))
            ch = self.channel[r]
        ts = self.true_ts[r]
        return self._sms_text(
            category,
            False,
            r,
            None,
            ts,
            self.amounts[r],
            str(self.t.at[r, "last4"]),
            ch,
            ("shop", self.shop(r)),
        )

    def _sms_text(
        self,
        category: str,
        hostile: bool,
        truth: int | None,
        target: int | None,
        ts: datetime,
        amount: int,
        last4: str,
        ch: str,
        merchant: tuple[str, ...],
        shown_name: str | None = None,
    ) -> Proof:
        rng = self.rng
        a = yuan(amount)
        m, d, hh, mi = ts.month, ts.day, ts.hour, ts.minute
        cap = ts + timedelta(seconds=rng.randint(2, 75))
        name = SHOPS[int(merchant[1])].name if merchant[0] == "shop" else shown_name or ""
        prefix = {"wechat": "财付通-", "alipay": "支付宝-"}.get(ch, "")
        channels: frozenset[str] | None
        channels = (
            frozenset({"wechat"})
            if ch == "wechat"
            else frozenset({"alipay"})
            if ch == "alipay"
            else frozenset({"card", "unionpay_qr"})
        )
        if merchant[0] == "shop" and ch in ("card", "unionpay_qr") and rng.random() < 0.3:
            name, merchant = LEGAL, ("brand",)
        kw: dict = dict(
            amount=amount,
            date=ts.date(),
            ts=ts.replace(second=0),
            precision="minute",
            last4=last4,
            merchant=merchant,
            channels=channels,
        )
        if ch in ("wechat", "alipay"):
            style = rng.choice(["cmb", "icbc", "abc", "ccb"] if ch == "wechat" else ["cmb", "icbc", "ccb"])
        else:
            style = rng.choice(
                ["cmb", "icbc", "icbc_up", "ccb", "abc_plain", "boc", "bocom", "cgb", "psbc", "cmb_push"]
            )
        full = prefix + name
        if style == "cmb":
            verb = "快捷支付" if prefix else "消费"
            text = f"【招商银行】您账户{last4}于{m:02d}月{d:02d}日{hh:02d}:{mi:02d}在{full}{verb}{a}元"
        elif style == "icbc":
            text = f"尾号{last4}卡{m}月{d}日{hh:02d}:{mi:02d}支出(消费{full}){yuan_icbc(amount)}元，余额{rng.randint(100, 9000)}.{rng.randrange(100):02d}元。【工商银行】"
        elif style == "abc":
            text = f"【中国农业银行】您尾号{last4}账户{m:02d}月{d:02d}日{hh:02d}:{mi:02d}向微信支付{name}完成财付通交易人民币-{a}，余额{rng.randint(100, 9000)}.00。"
        elif style == "ccb":
            cut = full[:8] + "…" if len(full) > 8 else full
            # CCB cuts the payee to 8 characters: two characters left of the branch (or of a masked
            # person) still tell it; less leaves the brand at most
            branch_seen = "(" in cut and len(cut[cut.index("(") + 1 :].rstrip("…")) >= 2
            if len(full) > 8 and not branch_seen and merchant[0] != "none":
                kw["merchant"] = ("brand",) if BRAND in cut else ("none",)
            text = f"您尾号{last4}的龙卡信用卡{m:02d}月{d:02d}日{hh:02d}:{mi:02d}消费（{cut}）{a}元，当前可用额度{rng.randint(1000, 50000)}.00元。"
        elif style == "icbc_up":
            kw["merchant"] = ("none",)
            text = f"尾号{last4}卡{m}月{d}日{hh:02d}:{mi:02d}工商银行支出(银联消费){yuan_icbc(amount)}元，余额{rng.randint(100, 9000)}.00元。【工商银行】"
        elif style == "abc_plain":
            kw["merchant"] = ("none",)
            text = f"【中国农业银行】您尾号为{last4}的金融账户于{m}月{d}日{hh:02d}时{mi:02d}分完成一笔消费交易人民币-{a}，余额{rng.randint(100, 9000)}.00。"
        elif style == "boc":
            kw.update(ts=None, precision="day")
            text = f"您的信用卡{last4}于{ts.year}年{m:02d}月{d:02d}日，在{full}消费RMB{a}元。【中国银行】"
        elif style == "bocom":
            kw["merchant"] = ("none",)
            text = f"您尾号{last4}交行信用卡{d:02d}日{hh:02d}时{mi:02d}分成功消费人民币{a}元。"
        elif style == "cgb":
            kw["merchant"] = ("none",)
            text = f"【广发银行】您尾号{last4}广发卡{d:02d}日{hh:02d}:{mi:02d}消费人民币{a}元。"
        elif style == "psbc":
            kw.update(merchant=("none",), last4=None, tail3=last4[1:])
            text = f"【邮储银行】{ts.year % 100:02d}年{m:02d}月{d:02d}日{hh:02d}:{mi:02d}您尾号{last4[1:]}账户快捷支付，支出金额{a}元，余额{rng.randint(100, 9000)}.00元。"
        else:  # cmb_push: no date, no time, no merchant; dated by its capture time
            kw.update(merchant=("none",), ts=None, precision="day", date=cap.date(), channels=None)
            return self.new(
                category,
                hostile,
                "sms",
                truth=truth,
                target=target,
                render={"title": "信用卡通知", "text": f"您尾号{last4}的招行信用卡消费{a}人民币。", "t": cap},
                **kw,
            )
        return self.new(
            category, hostile, "sms", truth=truth, target=target, render={"body": text, "t": cap}, **kw
        )

    def wechat_bill(self, r: int, category: str = "wechat_bill") -> Proof:
        ts = self.true_ts[r]
        pay, last4 = self.funding_text(r)
        number = self.number_of(r)
        name = SHOPS[self.shop(r)].name
        return self.new(
            category,
            False,
            "wechat_csv",
            truth=r,
            target=None,
            amount=self.amounts[r],
            date=ts.date(),
            ts=ts,
            precision="second",
            last4=last4,
            number=number,
            channels=frozenset({"wechat"}),
            merchant=("shop", self.shop(r)),
            render=dict(kind="商户消费", payee=name, goods=f"{BRAND}-堂食", pay=pay, state="支付成功"),
        )

    def alipay_bill(self, r: int, category: str = "alipay_bill") -> Proof:
        ts = self.true_ts[r]
        pay, last4 = self.funding_text(r)
        shop = self.shop(r)
        masked = self.rng.random() < 0.3
        name = f"{BRAND[:2]}**({SHOPS[shop].branch})" if masked else SHOPS[shop].name
        seconds = self.rng.random() < 0.5
        return self.new(
            category,
            False,
            "alipay_csv",
            truth=r,
            target=None,
            amount=self.amounts[r],
            date=ts.date(),
            ts=ts if seconds else ts.replace(second=0),
            precision="second" if seconds else "minute",
            last4=last4,
            number=self.number_of(r),
            channels=frozenset({"alipay"}),
            merchant=("shop", shop),
            render=dict(payee=name, goods="餐饮", pay=pay, state="交易成功", seconds=seconds),
        )

    def screenshot(self, r: int, category: str = "screenshot", number_mode: str | None = None) -> Proof:
        ch = self.channel[r]
        ts = self.true_ts[r]
        pay, last4 = self.funding_text(r)
        mode = number_mode or self.rng.choices(["full", "masked", "none"], [50, 30, 20])[0]
        number = self.number_of(r)
        p = self.new(
            category,
            False,
            "shot",
            truth=r,
            target=None,
            amount=self.amounts[r],
            date=ts.date(),
            ts=ts,
            precision="second",
            last4=last4,
            channels=frozenset({ch}),
            merchant=("shop", self.shop(r)),
            render=dict(app="微信" if ch == "wechat" else "支付宝", payee=SHOPS[self.shop(r)].name, pay=pay),
        )
        self._set_number(p, number, mode)
        return p

    def _set_number(self, p: Proof, number: str, mode: str) -> None:
        p.number = p.suffix = None
        if mode == "full":
            p.number = number
        elif mode == "masked":
            p.suffix = number[-8:]
        p.render["number_mode"] = mode
        p.render["number"] = number

    def statement(self, r: int) -> Proof:
        """A credit-card statement line: the transaction day, no time, posted a day or two later."""
        ch = self.channel[r]
        if ch in ("wechat", "alipay") and str(self.t.at[r, "funding"]) != "card":
            r = self.pick(("card", "unionpay_qr"))
            ch = self.channel[r]
        ts = self.true_ts[r]
        lag = self.rng.choice([0, 1, 1, 1, 2])
        posted = ts.date() + timedelta(days=lag)
        prefix = {"wechat": "财付通-", "alipay": "支付宝-"}.get(ch, "")
        shop = self.shop(r)
        fmt = self.rng.choice(["cmb_credit", "boc_credit"])
        channels = frozenset({ch}) if ch in ("wechat", "alipay") else frozenset({"card", "unionpay_qr"})
        text = prefix + SHOPS[shop].name + ("CHN" if fmt == "boc_credit" else "")
        return self.new(
            "statement",
            False,
            fmt,
            truth=r,
            target=None,
            amount=self.amounts[r],
            date=ts.date(),
            last4=str(self.t.at[r, "last4"]),
            channels=channels,
            merchant=("shop", shop),
            render=dict(posted=posted, text=text),
        )

    def counter(self, r: int) -> Proof:
        """What a customer says at the counter: date and amount, a time to the minute, an hour or '左右'."""
        ts = self.true_ts[r]
        ch = self.channel[r]
        last4 = (
            str(self.t.at[r, "last4"]) if ch in ("card", "unionpay_qr") and self.rng.random() < 0.7 else None
        )
        day = f"{ts.month}月{ts.day}日"
        mode = self.rng.choices(["minute", "hour", "about"], [45, 30, 25])[0]
        sec = ts.hour * 3600 + ts.minute * 60 + ts.second
        near = round(sec / 3600)
        if mode == "about" and abs(sec - near * 3600) > 20 * 60:
            mode = "hour"
        if mode == "minute":
            text, start, prec = f"{day} {ts:%H:%M}", ts.replace(second=0), "minute"
        elif mode == "hour":
            hour = f"上午{ts.hour}点" if ts.hour < 12 else f"{ts.hour}点"
            text, start, prec = f"{day} {hour}", ts.replace(minute=0, second=0), "hour"
        else:
            word = "上午" if near < 12 else "中午" if near == 12 else "下午" if near < 18 else "晚上"
            h12 = near if near <= 12 else near - 12
            text, prec = f"{day} {word}{h12}点左右", "about"
            start = ts.replace(hour=near, minute=0, second=0)
        return self.new(
            "counter",
            False,
            "counter",
            truth=r,
            target=None,
            amount=self.amounts[r],
            date=ts.date(),
            ts=start,
            precision=prec,
            last4=last4,
            render=dict(time=text),
        )

    # ---- hostile --------------------------------------------------------------------------------
    def _fit_time(self, target: int) -> datetime:
        """A time copied from a sale: the payment's minute, seconds made up."""
        ts = self.true_ts[target]
        return ts + timedelta(seconds=self.rng.randint(-20, 20))

    def edited_screenshot(self) -> Proof:
        """A real payment's screen (WeChat or Alipay) with time and/or amount changed to fit another sale here."""
        rng = self.rng
        ch = rng.choice(["wechat", "alipay"])
        r = self.pick((ch,), fresh=False)
        mode = rng.choice(["time", "amount", "both"])
        target = None
        if mode == "time":  # same amount, another time
            same = [
                s
                for s in self.w.by_amount.get(self.amounts[r], [])
                if s != r and self.channel[s] == ch and s in self._sale_set
            ]
            target = rng.choice(same) if same else None
        elif mode == "amount":  # same hour of the same day, another amount
            near = [
                s
                for s in self.by_channel[ch]
                if s != r
                and abs((self.true_ts[s] - self.true_ts[r]).total_seconds()) < 3600
                and self.amounts[s] != self.amounts[r]
            ]
            target = rng.choice(near) if near else None
        if target is None:
            mode = "both"
            target = self.pick((ch,), fresh=False)
        p = self.screenshot(r, "edited_screenshot", rng.choices(["full", "masked", "none"], [45, 30, 25])[0])
        p.hostile, p.truth, p.target = True, None, target
        p.amount = self.amounts[target]
        p.ts = self._fit_time(target)
        p.date = p.ts.date()
        p.render["edit"] = mode
        return p

    def reused_pair(self) -> tuple[Proof, Proof]:
        """The same 交易单号 twice in the batch: once honestly, once edited to fit another sale here."""
        rng = self.rng
        ch = rng.choice(["wechat", "alipay"])
        r = self.pick((ch,))
        honest = (
            self.screenshot(r, "reused_original", "full")
            if rng.random() < 0.6
            else (
                self.wechat_bill(r, "reused_original")
                if ch == "wechat"
                else self.alipay_bill(r, "reused_original")
            )
        )
        if rng.random() < 0.35:  # the same day: the number's date does not give it away
            same_day = [
                s for s in self.by_channel[ch] if s != r and self.true_ts[s].date() == self.true_ts[r].date()
            ]
            target = rng.choice(same_day)
        else:
            target = self.pick((ch,), fresh=False)
        edited = self.screenshot(r, "reused_edited", "full")
        edited.hostile, edited.truth, edited.target = True, None, target
        edited.amount = self.amounts[target]
        edited.ts = self._fit_time(target)
        edited.date = edited.ts.date()
        return honest, edited

    def replayed(self) -> Proof:
        """A genuine screen of an older payment here, shown again with only its date edited."""
        rng = self.rng
        found = None
        for _ in range(60):
            ch = rng.choice(["wechat", "alipay"])
            r = rng.choice(self.by_channel[ch])
            tr = self.true_ts[r]
            tod = tr.hour * 3600 + tr.minute * 60 + tr.second
            later = [
                s
                for s in self.w.by_amount.get(self.amounts[r], [])
                if self.channel[s] == ch
                and s in self._sale_set
                and self.true_ts[s].date() > tr.date()
                and abs(
                    self.true_ts[s].hour * 3600 + self.true_ts[s].minute * 60 + self.true_ts[s].second - tod
                )
                <= 60
            ]
            if later:
                found = (r, rng.choice(later))
                break
        if found is None:
            ch = rng.choice(["wechat", "alipay"])
            r = rng.choice(
                [
                    s
                    for s in self.by_channel[ch]
                    if self.true_ts[s].date() < self.true_ts[self.by_channel[ch][-1]].date()
                ]
            )
            new_day = self.true_ts[r].date() + timedelta(days=rng.randint(1, 10))
            target = None
        else:
            r, target = found
            new_day = self.true_ts[target].date()
        p = self.screenshot(r, "replayed", rng.choices(["full", "masked", "none"], [50, 25, 25])[0])
        p.hostile, p.truth, p.target = True, None, target
        tr = self.true_ts[r]
        p.ts = datetime(new_day.year, new_day.month, new_day.day, tr.hour, tr.minute, tr.second, tzinfo=TZ)
        p.date = new_day
        return p

    def qr_swap(self) -> Proof:
        """A genuine payment to a person or another account, amount and time copied from a sale here."""
        rng = self.rng
        ch = rng.choice(["wechat", "alipay"])
        target = self.pick((ch,), fresh=False)
        ts = self._fit_time(target)
        amount = self.amounts[target]
        form = rng.choices(["bill", "shot", "sms"], [45, 35, 20])[0]
        if form == "sms":
            who = rng.choice(PERSONS_ALIPAY if ch == "alipay" else PERSONS_WECHAT)
            last4 = f"{rng.randrange(10000):04d}"
            p = self._sms_text(
                "qr_swap", True, None, target, ts, amount, last4, ch, ("person", who), shown_name=who
            )
            return p
        day = ts.date()
        if ch == "wechat":
            who = rng.choice(PERSONS_WECHAT)
            number = f"10000499{rng.randrange(10**6):06d}{day:%y%m%d}{rng.randrange(10**16):016d}"  # 36-digit personal QR
        else:
            who = rng.choice(PERSONS_ALIPAY)
            number = alipay_number(rng, day)
        bank, _, credit = BANKS[rng.randrange(len(BANKS))]
        last4 = f"{rng.randrange(10000):04d}"
        pay = f"{bank}{'信用卡' if credit else '储蓄卡'}({last4})"
        p = self.new(
            "qr_swap",
            True,
            "wechat_csv"
            if (form == "bill" and ch == "wechat")
            else "alipay_csv"
            if form == "bill"
            else "shot",
            truth=None,
            target=target,
            amount=amount,
            date=day,
            ts=ts,
            precision="second",
            last4=last4,
            number=number,
            channels=frozenset({ch}),
            merchant=("person", who),
            render=dict(
                kind="扫二维码付款",
                payee=who,
                goods="收款方备注:二维码收款",
                pay=pay,
                state="对方已收钱" if ch == "wechat" else "交易成功",
                seconds=True,
                app="微信" if ch == "wechat" else "支付宝",
                number=number,
                number_mode="full",
            ),
        )
        return p

    def elsewhere(self) -> Proof:
        """A genuine payment in another shop whose amount, minute and last 4 coincide with a sale here."""
        rng = self.rng
        ch = rng.choices(["card", "unionpay_qr", "wechat", "alipay"], [40, 10, 30, 20])[0]
        target = self.pick((ch,), fresh=False)
        ts = self.true_ts[target] + timedelta(seconds=rng.randint(-25, 25))
        amount = self.amounts[target]
        other = rng.choice(OTHER_SHOPS)
        if ch in ("card", "unionpay_qr") or rng.random() < 0.4:
            last4 = (
                str(self.t.at[target, "last4"])
                if ch in ("card", "unionpay_qr")
                else f"{rng.randrange(10000):04d}"
            )
            if ch in ("wechat", "alipay"):
                pass
            return self._sms_text(
                "elsewhere", True, None, target, ts, amount, last4, ch, ("other", other), shown_name=other
            )
        number = wechat_number(rng, ts.date()) if ch == "wechat" else alipay_number(rng, ts.date())
        bank, _, credit = BANKS[rng.randrange(len(BANKS))]
        last4 = f"{rng.randrange(10000):04d}"
        form = rng.choice(["bill", "shot"])
        p = self.new(
            "elsewhere",
            True,
            ("wechat_csv" if ch == "wechat" else "alipay_csv") if form == "bill" else "shot",
            truth=None,
            target=target,
            amount=amount,
            date=ts.date(),
            ts=ts,
            precision="second",
            last4=last4,
            channels=frozenset({ch}),
            merchant=("other", other),
            render=dict(
                kind="商户消费",
                payee=other,
                goods="商品",
                pay=f"{bank}{'信用卡' if credit else '储蓄卡'}({last4})",
                state="支付成功" if ch == "wechat" else "交易成功",
                seconds=True,
                app="微信" if ch == "wechat" else "支付宝",
            ),
        )
        self._set_number(
            p, number, rng.choices(["full", "masked", "none"], [60, 20, 20])[0] if form == "shot" else "full"
        )
        return p

    def fake_screen(self) -> Proof:
        """A '高仿' tool's screen: a number of the right form, a sale's time and amount, nothing else."""
        rng = self.rng
        ch = rng.choice(["wechat", "alipay"])
        target = self.pick((ch,), fresh=False)
        ts = self._fit_time(target)
        number = wechat_number(rng, ts.date()) if ch == "wechat" else alipay_number(rng, ts.date())
        p = self.new(
            "fake_screen",
            True,
            "shot",
            truth=None,
            target=target,
            amount=self.amounts[target],
            date=ts.date(),
            ts=ts,
            precision="second",
            channels=frozenset({ch}),
            merchant=("none",),
            render=dict(app="微信" if ch == "wechat" else "支付宝", payee=None, pay=None),
        )
        self._set_number(p, number, "full")
        return p

    @property
    def _sale_set(self) -> set[int]:
        if not hasattr(self, "_ss"):
            self._ss = set(self.sale_rows)
        return self._ss


def shares(hostile_share: float | None = None) -> dict[str, float]:
    """The categories' shares of the batch; hostile_share rescales the hostile ones to that total."""
    if hostile_share is None:
        return {c: s for c, (s, _) in SHARES.items()}
    h = sum(s for s, hostile in SHARES.values() if hostile)
    return {
        c: s * (hostile_share / h if hostile else (1 - hostile_share) / (1 - h))
        for c, (s, hostile) in SHARES.items()
    }


def make_proofs(world: World, n: int, seed: int, hostile_share: float | None = None) -> list[Proof]:
    mk = Maker(world, seed)
    counts = {c: max(1, round(n * s)) for c, s in shares(hostile_share).items()}
    counts["reused_original"] = counts["reused_edited"]  # one honest copy per edited one
    counts["sms"] += n - sum(counts.values())
    out: list[Proof] = []
    honest_makers = {
        "sms": lambda: mk.sms(mk.pick(("card", "unionpay_qr", "wechat", "alipay"))),
        "wechat_bill": lambda: mk.wechat_bill(mk.pick(("wechat",))),
        "alipay_bill": lambda: mk.alipay_bill(mk.pick(("alipay",))),
        "screenshot": lambda: mk.screenshot(mk.pick(("wechat", "alipay"))),
        "statement": lambda: mk.statement(mk.pick(("card", "unionpay_qr", "wechat", "alipay"))),
        "counter": lambda: mk.counter(mk.pick(("card", "unionpay_qr", "wechat", "alipay"))),
    }
    for cat, maker in honest_makers.items():
        out.extend(maker() for _ in range(counts[cat]))
    for _ in range(counts["reused_edited"]):
        out.extend(mk.reused_pair())
    hostile_makers = {
        "edited_screenshot": mk.edited_screenshot,
        "replayed": mk.replayed,
        "qr_swap": mk.qr_swap,
        "elsewhere": mk.elsewhere,
        "fake_screen": mk.fake_screen,
    }
    for cat, maker in hostile_makers.items():
        out.extend(maker() for _ in range(counts[cat]))
    mk.rng.shuffle(out)
    return out
