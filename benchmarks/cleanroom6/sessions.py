"""Counter sessions, written from field guide section 5 (what customers bring and how it goes wrong),
section 1 (bank SMS wordings) and section 4 (wallet detail screens).

Each session holds what the customer brings (files, or the words a clerk types as docs/cli.md says), the
truth (the customer's own sale in the journal, or None when there is none here), and the evidence as a
careful clerk reads it, for the oracle.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .world import CST, OTHER_BRANCH, Sale, World

CN_NUM = {
    1: "一",
    2: "两",
    3: "三",
    4: "四",
    5: "五",
    6: "六",
    7: "七",
    8: "八",
    9: "九",
    10: "十",
    11: "十一",
}
WEEKDAY = "一二三四五六日"


@dataclass
class Evidence:
    """What the clerk knows, for the oracle: every field is optional but the window."""

    lo: datetime
    hi: datetime
    amount_minor: int | None = None
    currency: str | None = None
    last4: str | None = None
    wallet_txn: str | None = None
    other_merchant: bool = False  # the proof names a shop that is not in this journal
    contradicts: bool = False  # the proof contradicts itself (a number of another day or sale)


@dataclass
class Session:
    sid: int
    group: str  # genuine / mistaken / hostile / replay
    category: str
    shop_key: str
    zone: str
    truth: str | None  # the customer's own sale, or None
    said: str  # what the customer brought or said, for the report
    find_args: list[str]
    files: dict[str, str] = field(default_factory=dict)
    evidence: Evidence | None = None
    replay_of: int | None = None


def yuan(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def icbc_amount(minor: int) -> str:
    s = yuan(minor).rstrip("0").rstrip(".")
    return s


def _day_window(d: date) -> tuple[datetime, datetime]:
    lo = datetime(d.year, d.month, d.day, tzinfo=CST)
    return lo, lo + timedelta(days=1) - timedelta(seconds=1)


def _point_window(t: datetime, precision_s: int) -> tuple[datetime, datetime]:
    return t, t + timedelta(seconds=precision_s - 1)


def sms_text(
    rng: random.Random, s: Sale, last4: str, merchant: str | None, amount_minor: int
) -> tuple[str, str]:
    """A card SMS in one of the field guide's section 1 wordings; returns (text, precision)."""
    t = s.true_time
    a = yuan(amount_minor)
    m = merchant or s.shop.name
    choices = [
        (f"【招商银行】您账户{last4}于{t:%m}月{t:%d}日{t:%H:%M}在{m}消费{a}元", "minute"),
        (
            f"尾号{last4}卡{t.month}月{t.day}日{t:%H:%M}支出(消费{m}){icbc_amount(amount_minor)}元，余额1,333.22元。【工商银行】",
            "minute",
        ),
        (
            f"尾号{last4}卡{t.month}月{t.day}日{t:%H:%M}工商银行支出(银联消费){a}元，余额2,018.40元。【工商银行】",
            "minute",
        ),
        (
            f"您尾号{last4}的龙卡信用卡{t:%m}月{t:%d}日{t:%H:%M}消费（{m[:8]}…）{a}元，当前可用额度12,000.00元。",
            "minute",
        ),
        (f"【建设银行】您账户{last4}于{t.month}月{t.day}日{t:%H}时{t:%M}分向{m}支出人民币{a}元", "minute"),
        (f"您的信用卡{last4}于{t:%Y}年{t:%m}月{t:%d}日，在{m}消费RMB{a}元。【中国银行】", "day"),
        (
            f"【中国农业银行】您{last4}的信用卡{t:%m}月{t:%d}日{t:%H:%M}消费{a}元，可用余额5,120.00元，如有外币欠款以入账为准。",
            "minute",
        ),
        (
            f"【中国农业银行】您尾号{last4}账户{t:%m}月{t:%d}日{t:%H:%M}向{m}完成银联交易人民币-{a}，余额3,210.55。",
            "minute",
        ),
        (f"您尾号{last4}交行信用卡{t:%d}日{t:%H}时{t:%M}分成功消费人民币{a}元。", "minute"),
        (f"【广发银行】您尾号{last4}广发卡{t:%d}日{t:%H:%M}消费人民币{a}元。", "minute"),
        (f"支付助手：付款成功 / 您尾号为{last4}的银行卡于{t:%d}日{t:%H}时{t:%M}分消费{a}元", "minute"),
    ]
    return rng.choice(choices)


def wallet_json(
    rng: random.Random, s: Sale, amount_minor: int, t: datetime, txn: str, merchant: str | None
) -> str:
    """A wallet detail screen as the screenshot JSON of docs/proofs.md (field guide 4.1 / 4.4 fields)."""
    if s.channel == "wechat":
        rec: dict[str, str] = {
            "app": "微信",
            "当前状态": "支付成功",
            "支付时间": t.strftime("%Y-%m-%d %H:%M:%S"),
        }
        rec["金额"] = "-" + yuan(amount_minor)
        rec["商户全称"] = merchant or s.shop.wallet_payee
        rec["支付方式"] = rng.choice(["零钱", "招商银行信用卡(3321)", "中国银行储蓄卡(1234)"])
        rec["交易单号"] = txn
        rec["商户单号"] = s.order_no if merchant is None else f"LJ{t:%Y%m%d}{rng.randint(0, 10**8 - 1):08d}"
    else:
        rec = {"app": "支付宝", "交易状态": "交易成功", "支付时间": t.strftime("%Y-%m-%d %H:%M")}
        rec["金额"] = "-" + yuan(amount_minor)
        rec["商户"] = merchant or s.shop.name
        rec["付款方式"] = rng.choice(["余额宝", "农业银行储蓄卡(1234)"])
        rec["订单号"] = txn
    if s.currency != "CNY":
        rec["币种"] = s.currency
    return json.dumps(rec, ensure_ascii=False, indent=1)


def spoken_time(rng: random.Random, t: datetime) -> tuple[str, datetime, datetime]:
    """What the customer says about the time, the text the clerk types, and the window it means."""
    h, m = t.hour, t.minute
    day0 = t.replace(hour=0, minute=0, second=0)
    r = rng.random()
    if r < 0.3:  # read off the phone: to the minute, sometimes as the customer says it (下午2:32)
        lo = t.replace(second=0)
        said = t.strftime("%H:%M")
        if rng.random() < 0.4:
            h12 = h if h <= 12 else h - 12
            said = f"{'上午' if h < 12 else ('中午' if h == 12 else ('下午' if h < 18 else '晚上'))}{h12}:{m:02d}"
        return said, lo, lo + timedelta(seconds=59)
    if r < 0.6 and (m <= 20 or m >= 40):  # about an hour (左右: taken as +/- 30 min)
        hh = h + (1 if m >= 40 else 0)
        period = "上午" if hh < 12 else ("中午" if hh == 12 else ("下午" if hh < 18 else "晚上"))
        h12 = hh if hh <= 12 else hh - 12
        centre = day0 + timedelta(hours=hh)
        return (
            f"{period}{CN_NUM.get(h12, str(h12))}点左右",
            centre - timedelta(minutes=30),
            centre + timedelta(minutes=30),
        )
    # "两点多": within the hour (field guide 5: 14:00-14:59)
    said = f"{h}点" if h > 12 else (f"上午{h}点" if h < 12 else "中午12点")
    return said, day0 + timedelta(hours=h), day0 + timedelta(hours=h, minutes=59, seconds=59)


def spoken_day(rng: random.Random, d: date, today: date, zone: str) -> tuple[str, str]:
    """What the customer says about the day and the date the clerk types: ISO, 11月19日, or numeric in the
    order the shop's territory writes it (docs/cli.md: Hong Kong day first, Shanghai month first)."""
    delta = (today - d).days
    if delta <= 7 + today.weekday() and rng.random() < 0.5:
        wk = "上周" if delta > today.weekday() else "这周"
        said = "昨天" if delta == 1 else f"{wk}{WEEKDAY[d.weekday()]}"
    else:
        said = f"{d.month}月{d.day}日"
    r = rng.random()
    if r < 0.4:
        return said, d.isoformat()
    if r < 0.7:
        return said, f"{d.month}月{d.day}日"
    return said, (f"{d.day}/{d.month}" if zone == "Asia/Hong_Kong" else f"{d.month}/{d.day}")


class SessionMaker:
    def __init__(self, w: World, seed: int) -> None:
        self.w = w
        self.rng = random.Random(seed * 104729 + 66)
        self.sales = [s for s in w.approved_sales() if s.true_time.date() >= w.first_day]
        self.n = 0

    def _pick(self, channels: tuple[str, ...], shops: tuple[str, ...] | None = None) -> Sale:
        pool = [s for s in self.sales if s.channel in channels and (shops is None or s.shop.key in shops)]
        return self.rng.choice(pool)

    def _new(
        self, group: str, cat: str, s: Sale, truth: str | None, said: str, args: list[str], **kw
    ) -> Session:
        self.n += 1
        return Session(self.n, group, cat, s.shop.key, s.shop.zone, truth, said, args, **kw)

    def _typed(
        self, s: Sale, amount_minor: int, day: date, t: datetime, last4: str | None
    ) -> tuple[list[str], str, Evidence]:
        rng = self.rng
        said_t, lo, hi = spoken_time(rng, t)
        said_d, iso = spoken_day(rng, day, self.w.today, s.shop.zone)
        # the window is the spoken one on the day said
        shift = datetime(day.year, day.month, day.day, tzinfo=CST) - t.replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        lo, hi = lo + shift, hi + shift
        args = ["--amount", yuan(amount_minor), "--time", f"{iso} {said_t}"]
        if len(self.w.shops) > 1 and len({sh.currency for sh in self.w.shops}) > 1:
            args += ["--currency", s.currency]
        said = f"{said_d} {said_t}, {yuan(amount_minor)} {s.currency}"
        if last4:
            args += ["--last4", last4]
            said += f", 尾号{last4}"
        return args, said, Evidence(lo, hi, amount_minor, s.currency, last4)

    # genuine ---------------------------------------------------------------------------------------
    def sms(self) -> Session:
        s = self._pick(("card",), ("sh", "sh2"))
        assert s.customer is not None
        merch = self.rng.choice([None, s.shop.wallet_payee, s.shop.name])
        text, prec = sms_text(self.rng, s, s.customer.last4, merch, s.amount_minor)
        t = s.true_time
        lo, hi = _day_window(t.date()) if prec == "day" else _point_window(t.replace(second=0), 60)
        ev = Evidence(lo, hi, s.amount_minor, s.currency, s.customer.last4)
        name, files = self._sms_file(text, s.true_time)
        return self._new("genuine", "sms", s, s.txn_id, text, ["--proof", name], files=files, evidence=ev)

    def _sms_file(self, text: str, t: datetime) -> tuple[str, dict[str, str]]:
        """A text file (one message a line), or, for wordings with the day of the month only (field guide 1.2:
        the month comes from when the message arrived) and half of the others, a capture app's JSON with the
        arrival time ``t`` in milliseconds (docs/proofs.md, Card SMS)."""
        day_only = "月" not in text.split("日")[0] and "-" not in text.split("日")[0]
        if day_only or self.rng.random() < 0.5:
            arrived = t + timedelta(seconds=self.rng.randint(5, 70))
            body = json.dumps({"body": text, "t": int(arrived.timestamp() * 1000)}, ensure_ascii=False)
            return "sms.json", {"sms.json": body + "\n"}
        return "sms.txt", {"sms.txt": text + "\n"}

    def wallet(self) -> Session:
        s = self._pick(("wechat", "alipay"))
        t = s.true_time
        shown = s.wallet_txn_id
        if self.rng.random() < 0.25:  # a cropped or OCR'd screen: the number shown in part (docs/proofs.md)
            shown = f"{shown[:4]}…{shown[-4:]}"
        body = wallet_json(self.rng, s, s.amount_minor, t, shown, None)
        prec = 1 if s.channel == "wechat" else 60
        lo, hi = _point_window(t if prec == 1 else t.replace(second=0), prec)
        ev = Evidence(lo, hi, s.amount_minor, s.currency, None, shown)
        said = f"{s.channel} screen {yuan(s.amount_minor)} {t:%m-%d %H:%M}"
        return self._new(
            "genuine",
            "wallet screen",
            s,
            s.txn_id,
            said,
            ["--proof", "shot.json"],
            files={"shot.json": body},
            evidence=ev,
        )

    def words(self) -> Session:
        s = self._pick(("card", "wechat", "alipay"))
        last4 = s.customer.last4 if s.channel == "card" and s.customer and self.rng.random() < 0.75 else None
        args, said, ev = self._typed(s, s.amount_minor, s.true_time.date(), s.true_time, last4)
        return self._new("genuine", "words", s, s.txn_id, said, args, evidence=ev)

    # mistaken (a genuine customer, wrong evidence) ---------------------------------------------------
    def wrong_day(self) -> Session:
        s = self._pick(("card", "wechat", "alipay"))
        d = s.true_time.date() + timedelta(days=self.rng.choice([-1, 1]))
        if d > self.w.last_day:
            d = s.true_time.date() - timedelta(days=1)
        last4 = s.customer.last4 if s.channel == "card" and s.customer else None
        args, said, ev = self._typed(s, s.amount_minor, d, s.true_time, last4)
        return self._new("mistaken", "wrong day", s, s.txn_id, said, args, evidence=ev)

    def rounded(self) -> Session:
        s = self._pick(("card", "wechat", "alipay"))
        a = s.amount_minor
        r = int(round(a / 1000.0) * 1000) if a % 1000 else a + 500
        last4 = s.customer.last4 if s.channel == "card" and s.customer and self.rng.random() < 0.5 else None
        args, said, ev = self._typed(s, r, s.true_time.date(), s.true_time, last4)
        return self._new("mistaken", "rounded amount", s, s.txn_id, said, args, evidence=ev)

    def wrong_card(self) -> Session:
        s = self._pick(("card",))
        assert s.customer is not None
        other = self.rng.choice([c for c in self.w.customers if c.last4 != s.customer.last4])
        args, said, ev = self._typed(s, s.amount_minor, s.true_time.date(), s.true_time, other.last4)
        return self._new("mistaken", "wrong card", s, s.txn_id, said, args, evidence=ev)

    def card_typed(self) -> Session:
        """The clerk types the card number the customer reads off the card: into --last4 (refused, exit 2) or
        as the reference (masked, docs/cli.md); it must appear nowhere whole."""
        s = self._pick(("card",))
        assert s.customer is not None
        args, said, ev = self._typed(s, s.amount_minor, s.true_time.date(), s.true_time, s.customer.last4)
        pan = s.customer.pan
        shown = " ".join(pan[i : i + 4] for i in range(0, len(pan), 4))
        if self.rng.random() < 0.5:
            k = args.index("--last4")
            args[k + 1] = shown
            said += f" (card number typed into --last4: {pan[:6]}…)"
        else:
            args += ["--ref", shown]
            said += f" (card number typed as --ref: {pan[:6]}…)"
        return self._new("mistaken", "card number typed", s, s.txn_id, said, args, evidence=ev)

    # hostile -----------------------------------------------------------------------------------------
    def other_branch(self) -> Session:
        """Paid at a branch that is not in this journal; a sale here has the same amount minutes apart."""
        rng = self.rng
        if rng.random() < 0.5:
            s = self._pick(("card",), ("sh", "sh2"))
            assert s.customer is not None
            payer = rng.choice([c for c in self.w.customers if c.last4 != s.customer.last4])
            fake = Sale(
                **{**s.__dict__, "true_time": s.true_time + timedelta(seconds=rng.randint(-150, 150))}
            )
            text, prec = sms_text(rng, fake, payer.last4, OTHER_BRANCH[s.shop.key], s.amount_minor)
            lo, hi = (
                _day_window(fake.true_time.date())
                if prec == "day"
                else _point_window(fake.true_time.replace(second=0), 60)
            )
            named = OTHER_BRANCH[s.shop.key][:8] in text
            ev = Evidence(lo, hi, s.amount_minor, s.currency, payer.last4, other_merchant=named)
            name, files = self._sms_file(text, fake.true_time)
            return self._new(
                "hostile", "other branch", s, None, text, ["--proof", name], files=files, evidence=ev
            )
        s = self._pick(("wechat", "alipay"))
        t = s.true_time + timedelta(seconds=rng.randint(-120, 120))
        ymd = t.strftime("%Y%m%d")
        txn = (
            f"4200{rng.randint(0, 999999):06d}{ymd}{rng.randint(0, 10**10 - 1):010d}"
            if s.channel == "wechat"
            else f"{ymd}2200{rng.randint(0, 10**16 - 1):016d}"
        )
        body = wallet_json(rng, s, s.amount_minor, t, txn, OTHER_BRANCH[s.shop.key])
        lo, hi = _point_window(t, 60)
        ev = Evidence(lo, hi, s.amount_minor, s.currency, None, txn, other_merchant=True)
        return self._new(
            "hostile",
            "other branch",
            s,
            None,
            f"{s.channel} screen at {OTHER_BRANCH[s.shop.key]}",
            ["--proof", "shot.json"],
            files={"shot.json": body},
            evidence=ev,
        )

    def edited_screen(self) -> Session:
        """The customer's own wallet record edited to the amount and time of a stranger's sale (field guide 5)."""
        rng = self.rng
        own = self._pick(("wechat", "alipay"))
        same_day = [
            s
            for s in self.sales
            if s.channel == own.channel
            and s.shop is own.shop
            and s.true_time.date() == own.true_time.date()
            and s.amount_minor > own.amount_minor
        ]
        if not same_day:
            same_day = [
                s
                for s in self.sales
                if s.channel == own.channel and s.amount_minor != own.amount_minor and s.shop is own.shop
            ]
        target = rng.choice(same_day)
        if rng.random() < 0.5:  # amount and time of the stranger's sale, the customer's own number
            t, amount, how = (
                target.true_time,
                target.amount_minor,
                "amount+time of a stranger's sale, own 交易单号",
            )
        else:  # only the amount raised (an expense claim)
            t, amount, how = own.true_time, target.amount_minor, "own time and number, amount raised"
        body = wallet_json(rng, own, amount, t, own.wallet_txn_id, None)
        if own.currency != "CNY":
            # a mainland wallet paying in Hong Kong shows yuan: the screen names no currency (docs/proofs.md:
            # default CNY) and its amount is edited
            body = body.replace(f'"币种": "{own.currency}"', '"备注": "境外消费"')
            how += " (mainland wallet screen in CNY)"
        lo, hi = _point_window(
            t.replace(second=0) if own.channel == "alipay" else t, 60 if own.channel == "alipay" else 1
        )
        ev = Evidence(lo, hi, amount, own.currency, None, own.wallet_txn_id, contradicts=True)
        return self._new(
            "hostile",
            "edited screen",
            own,
            None,
            how,
            ["--proof", "shot.json"],
            files={"shot.json": body},
            evidence=ev,
        )

    def stranger_card(self) -> Session:
        """Someone asks for the slip of a card sale they did not make: right amount and time, their own last 4."""
        s = self._pick(("card",))
        assert s.customer is not None
        payer = self.rng.choice([c for c in self.w.customers if c.last4 != s.customer.last4])
        args, said, ev = self._typed(s, s.amount_minor, s.true_time.date(), s.true_time, payer.last4)
        return self._new("hostile", "stranger (card)", s, None, said, args, evidence=ev)

    def someone_else(self) -> Session:
        """Someone asks for the slip of a stranger's wallet sale with words only (amount, about when)."""
        s = self._pick(("wechat", "alipay"))
        args, said, ev = self._typed(s, s.amount_minor, s.true_time.date(), s.true_time, None)
        return self._new("hostile", "stranger (words)", s, None, said, args, evidence=ev)

    def replay(self, earlier: Session) -> Session:
        self.n += 1
        return Session(
            self.n,
            "replay",
            "replay of a reprinted proof",
            earlier.shop_key,
            earlier.zone,
            None,
            f"the proof of session {earlier.sid} again",
            list(earlier.find_args),
            dict(earlier.files),
            earlier.evidence,
            replay_of=earlier.sid,
        )


MIX = (
    ("sms", 0.17),
    ("wallet", 0.17),
    ("words", 0.17),
    ("wrong_day", 0.07),
    ("rounded", 0.06),
    ("wrong_card", 0.05),
    ("card_typed", 0.04),
    ("other_branch", 0.1),
    ("edited_screen", 0.08),
    ("stranger_card", 0.05),
    ("someone_else", 0.04),
)


def make_sessions(w: World, seed: int, k: int) -> tuple[SessionMaker, list[Session]]:
    mk = SessionMaker(w, seed)
    names = [n for n, _ in MIX]
    weights = [p for _, p in MIX]
    plan: list[str] = []
    for n, _p in MIX:  # at least one of each
        plan.append(n)
    while len(plan) < k:
        plan.append(mk.rng.choices(names, weights)[0])
    mk.rng.shuffle(plan)
    return mk, [getattr(mk, n)() for n in plan[:k]]
