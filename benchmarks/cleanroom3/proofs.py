"""Proofs as customers bring them: SMS texts, wallet bill exports, statements, screenshots, counter input.

Each proof is a `Spec`: the text/row written to a file, the truth (which journal rows are the payment; empty
for a payment made elsewhere) and the evidence the proof really carries, for the oracle.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from .world import DAYS, REF, SH, START, Merchant, Txn, World

PINYIN = {
    "老码头火锅": "LAOMATOU HOTPOT",
    "一点点": "YIDIANDIAN",
    "古茗": "GUMING TEA",
    "罗森": "LAWSON",
    "蜀大侠火锅": "SHUDAXIA HOTPOT",
    "五角场店": "WUJIAOCHANG",
    "静安寺店": "JINGANSI",
    "莘庄店": "XINZHUANG",
    "徐家汇店": "XUJIAHUI",
    "七宝店": "QIBAO",
    "打浦桥店": "DAPUQIAO",
}


@dataclass
class Spec:
    form: str  # file kind
    tags: set  # situations
    truth: set  # acceptable txn_ids (empty: made elsewhere)
    here: bool
    ev: dict  # evidence the proof carries (for the oracle and the naive baseline)
    payload: object = None  # text line / CSV row / JSON object / proof() kwargs
    proof_id: str = ""
    src: Txn | None = None
    extra: dict = field(default_factory=dict)


def _yuan(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def _icbc_yuan(minor: int) -> str:  # ICBC drops trailing zeros
    s = _yuan(minor).rstrip("0").rstrip(".")
    return s


def _gbk_cut(s: str, nbytes: int) -> str:
    out, n = "", 0
    for ch in s:
        b = len(ch.encode("gbk", errors="replace"))
        if n + b > nbytes:
            break
        out, n = out + ch, n + b
    return out


class Describer:
    """How a statement or SMS names the merchant, and what a clerk can read from it (the scope)."""

    def __init__(self, world: World, rng: random.Random):
        self.here = [m for m in world.merchants if m.here]
        self.all = list(world.merchants)
        self.rng = rng

    def scope_of_text(self, text: str | None) -> set | None:
        """What a clerk who knows the shops of this city reads from a merchant text as shown (None: nothing)."""
        if not text:
            return None
        t = text.replace("（", "(").replace("）", ")").replace("…", "").replace("...", "").strip()
        for p in ("财付通-", "支付宝-", "美团支付-", "拉卡拉支付-", "收钱吧-", "美团App"):
            t = t.replace(p, "")
        t = t.removesuffix("CHN").replace(" 门店收款", "").strip()
        if not t:
            return None
        for m in self.all:
            if m.name in t or (m.brand + m.branch) in t:
                return {m.mid} if m.here else set()
        legal = [m for m in self.all if m.legal in t or (len(t) >= 4 and m.legal.startswith(t))]
        if legal:
            return {m.mid for m in legal if m.here}
        for m in self.all:
            if m.brand in t:
                rest = t.split(m.brand, 1)[1]
                same = [x for x in self.all if x.brand == m.brand]
                if rest.startswith("(") and rest[1:]:
                    return {x.mid for x in same if x.here and x.branch.startswith(rest[1:].rstrip(")"))}
                return {x.mid for x in same if x.here}
        brands = [m for m in self.all if len(t) >= 2 and m.brand.startswith(t)]
        if brands:
            return {m.mid for m in brands if m.here}
        return None

    def scope_of_branch(self, m: Merchant) -> set:
        return {m.mid} if m.here else set()

    def scope_of_brand(self, brand: str) -> set:
        return {x.mid for x in self.here if x.brand == brand}

    def scope_of_legal(self, legal: str) -> set:
        return {x.mid for x in self.here if x.legal == legal}

    def describe(self, m: Merchant, channel: str, style: str | None = None) -> tuple[str, set | None, str]:
        """(text, scope, style); scope None = the text says nothing about which shop."""
        rng = self.rng
        prefix = {"wechat": "财付通-", "alipay": "支付宝-"}.get(channel, "")
        styles = ["branch", "branch", "branch", "legal", "aggregator", "fullwidth", "truncated", "brand"]
        style = style or rng.choice(styles)
        if style == "branch":
            return prefix + m.name, self.scope_of_branch(m), style
        if style == "fullwidth":
            return prefix + m.name.replace("(", "（").replace(")", "）"), self.scope_of_branch(m), style
        if style == "brand":
            return prefix + m.brand, self.scope_of_brand(m.brand), style
        if style == "legal":
            return prefix + m.legal, self.scope_of_legal(m.legal), style
        if style == "aggregator":
            if m.aggregator == "美团":
                t = rng.choice(["美团支付-美团App" + m.name, "北京三快在线科技有限公司", "美团平台商户"])
            elif m.aggregator == "收钱吧":
                t = rng.choice(["收钱吧-" + m.brand + m.branch + " 门店收款", "收钱吧"])
            elif m.aggregator == "拉卡拉":
                t = "拉卡拉支付-" + m.name
            else:
                t = prefix + "平台商户"
            t = _gbk_cut(t, 40)
            if m.name in t or (m.brand + m.branch) in t:
                return t, self.scope_of_branch(m), style
            return t, None, style
        # truncated at 40 GBK bytes (or a short template cut)
        t = _gbk_cut(
            prefix + "美团App" + m.name if rng.random() < 0.5 else prefix + m.name, rng.choice([16, 20, 40])
        )
        if m.name in t:
            return t, self.scope_of_branch(m), style
        if m.brand in t:
            # the branch is cut: visible part of the branch may still tell it
            tail = t.split("(")[-1].split("（")[-1] if "(" in t or "（" in t else ""
            cands = {x.mid for x in self.here if x.brand == m.brand and tail and x.branch.startswith(tail)}
            if not tail:
                cands = self.scope_of_brand(m.brand)
            return t, cands, style
        return t, None, style


def _window_minute(ts: datetime, tol_s: int = 0) -> tuple[datetime, datetime]:
    lo = ts.replace(second=0, microsecond=0)
    return lo - timedelta(seconds=tol_s), lo + timedelta(seconds=60 + tol_s)


def _window_day(d: datetime, before_days: int = 0, after_days: int = 0) -> tuple[datetime, datetime]:
    lo = d.replace(hour=0, minute=0, second=0, microsecond=0)
    return lo - timedelta(days=before_days), lo + timedelta(days=1 + after_days)


def _post(d: datetime, rng: random.Random, weekend_moves: bool) -> datetime:
    p = d + timedelta(days=rng.choice([1, 1, 1, 2]))
    if weekend_moves:
        while p.weekday() >= 5:
            p += timedelta(days=1)
    return p


def _capture(ts: datetime, rng: random.Random) -> int:
    cap = ts + timedelta(seconds=rng.randint(1, 90))
    return int(cap.timestamp() * 1000)


class Generator:
    def __init__(self, world: World, seed: int):
        self.w = world
        self.rng = random.Random(seed * 104729 + 3)
        self.desc = Describer(world, self.rng)
        self.used: set = set()
        sales = [t for t in world.txns if t.txn_type == "sale" and t.status == "approved"]
        self.sales = sales
        self.by_channel = {
            c: [t for t in sales if t.channel == c] for c in ("card", "wechat", "alipay", "unionpay_qr")
        }
        self.refunds = [t for t in world.txns if t.txn_type == "refund"]
        self.common4 = {c for c in world.cards if world.cards.count(c) > 20}

    def pick(self, pool: list[Txn], pred=None) -> Txn | None:
        for _ in range(60):
            t = self.rng.choice(pool)
            if t.txn_id in self.used or (pred and not pred(t)):
                continue
            self.used.add(t.txn_id)
            return t
        return None

    def base_tags(self, t: Txn) -> set:
        tags = set(t.tags) - {"refunded"}
        if t.terminal.kind != "ok":
            tags.add("clock_" + t.terminal.kind)
        if t.card_last4 and t.card_last4 in self.common4:
            tags.add("shared_last4")
        return tags

    def truth(self, t: Txn) -> set:
        return {t.txn_id, t.twin} - {""} if "double" in t.tags else {t.txn_id}

    # ---------------- SMS ----------------
    def sms(self, t: Txn, here: bool, tags: set, style: str | None = None) -> Spec | None:
        rng = self.rng
        ts = t.true_ts
        amt = t.amount_minor
        ev = {"amount": amt, "currency": "CNY", "direction": "debit"}
        if t.channel in ("wechat", "alipay"):
            if not t.payer_card:
                return None
            l4 = t.payer_card
            text, scope, st = self.desc.describe(t.merchant, t.channel, style)
            ev["channels"] = {t.channel}
            if rng.random() < 0.5:
                body = f"【招商银行】您账户{l4}于{ts:%m}月{ts:%d}日{ts:%H:%M}在{text}快捷支付{_yuan(amt)}元"
                w = "cmb"
            else:
                kind = "财付通" if t.channel == "wechat" else "支付宝"
                body = f"【中国农业银行】您尾号{l4}账户{ts:%m}月{ts:%d}日{ts:%H:%M}向{text.removeprefix(kind + '-')}完成{kind}交易人民币-{_yuan(amt)}，余额{rng.randint(100, 99999)}.{rng.randint(10, 99)}。"
                w = "abc"
            ev.update(last4=l4, window=_window_minute(ts, 60), scope=scope)
        else:
            if t.channel != "card" or t.foreign:
                return None
            l4 = t.card_last4
            text, scope, st = self.desc.describe(t.merchant, "card", style)
            ev["channels"] = {"card"}
            w = rng.choice(["icbc", "icbc_nomerchant", "ccb", "bocom", "cgb", "boc", "jiangsu", "psbc"])
            ev["last4"] = l4
            ev["window"] = _window_minute(ts, 60)
            ev["scope"] = scope
            if w == "icbc":
                body = f"尾号{l4}卡{ts.month}月{ts.day}日{ts:%H:%M}支出(消费{text}){_icbc_yuan(amt)}元，余额{rng.randint(100, 9999)}.{rng.randint(10, 99)}元。【工商银行】"
            elif w == "icbc_nomerchant":
                body = f"尾号{l4}卡{ts.month}月{ts.day}日{ts:%H:%M}工商银行支出(银联消费){_icbc_yuan(amt)}元，余额{rng.randint(100, 9999)}.{rng.randint(10, 99)}元。【工商银行】"
                ev["scope"], st = None, "none"
            elif w == "ccb":
                body = f"您尾号{l4}的龙卡信用卡{ts:%m}月{ts:%d}日{ts:%H:%M}消费（{text[:8]}…）{_yuan(amt)}元，当前可用额度{rng.randint(1000, 50000)}.00元。"
                cut = text[:8]
                if t.merchant.name not in cut:
                    ev["scope"] = (
                        self.desc.scope_of_brand(t.merchant.brand) if t.merchant.brand in cut else None
                    )
                    if ev["scope"] is not None and "(" in cut:
                        tail = cut.split("(")[-1]
                        ev["scope"] = {
                            m
                            for m in ev["scope"]
                            if any(x.mid == m and x.branch.startswith(tail) for x in self.desc.here)
                        }
            elif w == "bocom":
                body = f"您尾号{l4}交行信用卡{ts:%d}日{ts:%H}时{ts:%M}分成功消费人民币{_yuan(amt)}元。"
                ev["scope"], st = None, "none"
            elif w == "cgb":
                body = f"【广发银行】您尾号{l4}广发卡{ts:%d}日{ts:%H:%M}消费人民币{_yuan(amt)}元。"
                ev["scope"], st = None, "none"
            elif w == "boc":
                body = f"您的信用卡{l4}于{ts:%Y}年{ts:%m}月{ts:%d}日，在{text}消费RMB{_yuan(amt)}元。【中国银行】"
                ev["window"] = _window_day(ts)
                tags = tags | {"sms_no_time"}
            elif w == "jiangsu":
                body = f"您的信用卡{l4}于{ts.month}月{ts.day}日消费{_yuan(amt)}，可用额度{rng.randint(1000, 50000)}.00元。"
                ev["window"] = _window_day(ts)
                ev["scope"], st = None, "none"
                tags = tags | {"sms_no_time"}
            else:  # PSBC: a 3-digit tail
                body = f"【邮储银行】{ts:%y}年{ts:%m}月{ts:%d}日{ts:%H:%M}您尾号{l4[1:]}账户快捷支付，支出金额{_yuan(amt)}元，余额{rng.randint(100, 9999)}.{rng.randint(10, 99)}元。"
                ev.pop("last4")
                ev["tail3"] = l4[1:]
                ev["scope"], st = None, "none"
                tags = tags | {"tail3"}
        if st != "none":
            ev["scope"] = self.desc.scope_of_text(text[:8] if w == "ccb" else text)
        tags = tags | {"desc_" + st}
        payload = {"body": body, "t": _capture(ts, rng)}
        return Spec("sms:" + w, tags, self.truth(t) if here else set(), here, ev, payload, src=t)

    def sms_refund(self, f: Txn) -> Spec | None:
        rng = self.rng
        l4 = f.card_last4 or f.payer_card
        if not l4 or f.foreign:
            return None
        ts = f.true_ts
        ch = f.channel
        text, scope, st = self.desc.describe(f.merchant, ch if ch in ("wechat", "alipay") else "card")
        ev = {"amount": f.amount_minor, "currency": "CNY", "direction": "credit", "last4": l4, "scope": scope}
        ev["channels"] = {ch}
        tags = self.base_tags(f) | {"desc_" + st}
        if rng.random() < 0.5:
            # CCB: no time; a wallet refund may reach the card the next day
            d = ts + timedelta(days=1) if ch != "card" and rng.random() < 0.5 else ts
            body = (
                f"您尾号{l4}的龙卡信用卡{d:%m}月{d:%d}日消费退货/退税（{text[:8]}…）{_yuan(f.amount_minor)}元"
            )
            ev["window"] = _window_day(d, before_days=1 if ch != "card" else 0)
            if f.merchant.name not in text[:8]:
                ev["scope"] = (
                    self.desc.scope_of_brand(f.merchant.brand) if f.merchant.brand in text[:8] else None
                )
            w = "ccb_refund"
            cap = _capture(d.replace(hour=20), rng)
        else:
            body = f"尾号{l4}卡{ts.month}月{ts.day}日{ts:%H:%M}收入(退款{text}){_icbc_yuan(f.amount_minor)}元，余额{rng.randint(100, 9999)}.{rng.randint(10, 99)}元。【工商银行】"
            ev["window"] = _window_minute(ts, 60)
            w = "icbc_refund"
            cap = _capture(ts, rng)
        ev["scope"] = self.desc.scope_of_text(text[:8] if w == "ccb_refund" else text)
        return Spec("sms:" + w, tags, {f.txn_id}, True, ev, {"body": body, "t": cap}, src=f)

    # ---------------- wallet bills ----------------
    def wallet_row(self, t: Txn, here: bool, tags: set) -> Spec:
        rng = self.rng
        ts = t.true_ts
        ev = {"amount": t.amount_minor, "currency": "CNY", "direction": "debit", "channels": {t.channel}}
        ev["window"] = (ts.replace(microsecond=0) - timedelta(seconds=60), ts + timedelta(seconds=61))
        ev["wallet_id"] = t.wallet_txn_id
        ev["order_no"] = t.order_no
        name_style = rng.choice(["branch", "branch", "legal", "brand"])
        text, _scope, st = self.desc.describe(t.merchant, "none", name_style)
        ev["scope"] = self.desc.scope_of_text(text)
        pay = (
            f"招商银行信用卡({t.payer_card})" if t.payer_card else "零钱" if t.channel == "wechat" else "余额"
        )
        if t.payer_card:
            ev["last4"] = t.payer_card
        status = "支付成功" if t.channel == "wechat" else "交易成功"
        if "refunded" in t.tags:
            ref = next((x for x in self.w.txns if x.txn_id == getattr(t, "refund_id", "")), None)
            if ref is not None:
                full = ref.amount_minor == t.amount_minor
                if t.channel == "wechat":
                    status = "已全额退款" if full else f"已退款(￥{_yuan(ref.amount_minor)})"
                else:
                    status = "退款成功" if full else "交易成功"
                tags = tags | {"refunded_sale"}
        form = "wechat" if t.channel == "wechat" else "alipay"
        return Spec(
            form,
            tags | {"desc_" + st},
            self.truth(t) if here else set(),
            here,
            ev,
            {
                "ts": ts,
                "name": text,
                "amount": t.amount_minor,
                "pay": pay,
                "status": status,
                "id": t.wallet_txn_id,
                "order": t.order_no,
            },
            src=t,
        )

    def screenshot(self, t: Txn, here: bool, tags: set) -> Spec:
        rng = self.rng
        ts = t.true_ts
        ev = {"amount": t.amount_minor, "currency": "CNY", "direction": "debit", "channels": {t.channel}}
        ev["window"] = (ts.replace(microsecond=0) - timedelta(seconds=60), ts + timedelta(seconds=61))
        m = t.merchant
        title = m.brand[:2] + "**" + m.branch[-1:] if m.branch else m.brand[:1] + "**"
        obj = {
            "app": "微信" if t.channel == "wechat" else "支付宝",
            "amount": "-" + _yuan(t.amount_minor),
            "time": ts.strftime("%Y-%m-%d %H:%M:%S"),
            "merchant": title,
            "status": "支付成功",
        }
        ev["scope"] = None
        if t.payer_card:
            obj["payment_method"] = f"中国银行储蓄卡({t.payer_card})"
            ev["last4"] = t.payer_card
        if rng.random() < 0.4:
            obj["transaction_id"] = t.wallet_txn_id[:4] + "…" + t.wallet_txn_id[-8:]
            ev["wallet_suffix"] = t.wallet_txn_id[-8:]
            tags = tags | {"masked_id"}
        return Spec(
            "screenshot", tags | {"desc_masked"}, self.truth(t) if here else set(), here, ev, obj, src=t
        )

    # ---------------- statements ----------------
    def statement(self, t: Txn, here: bool, tags: set, bank: str, style: str | None = None) -> Spec | None:
        rng = self.rng
        ts = t.true_ts
        l4 = t.card_last4 if t.channel == "card" else t.payer_card
        if not l4 or (t.channel == "unionpay_qr" and bank != "hsbc"):
            return None
        ev = {"amount": t.amount_minor, "currency": "CNY", "direction": "debit", "last4": l4}
        ev["channels"] = {t.channel}
        text, _scope, st = self.desc.describe(t.merchant, t.channel, style)
        ev["scope"] = self.desc.scope_of_text(text)
        tags = tags | {"desc_" + st}
        if bank == "cmb":
            post = _post(ts, rng, weekend_moves=False)
            row = [
                ts.strftime("%m/%d"),
                post.strftime("%m/%d"),
                text,
                _yuan(t.amount_minor),
                l4,
                _yuan(t.amount_minor),
            ]
            ev["window"] = _window_day(ts)
        elif bank == "boc":
            post = ts + timedelta(days=1)  # T+1 including weekends
            if rng.random() < 0.3:
                text = text.upper()
            row = [
                ts.strftime("%Y-%m-%d"),
                post.strftime("%Y-%m-%d"),
                l4,
                text + "CHN",
                "",
                _yuan(t.amount_minor),
                "CNY",
            ]
            ev["window"] = _window_day(ts)
        else:  # HSBC HK credit card: a foreign card
            m = t.merchant
            name = f"{PINYIN.get(m.brand, 'SHOP')} ({PINYIN.get(m.branch, '')})"
            post = _post(ts, rng, weekend_moves=True)
            ev["window"] = _window_day(ts)
            ev["channels"] = {"card", "unionpay_qr"}
            ev["scope"] = self.desc.scope_of_branch(m)
            tags = (tags - {"desc_" + st}) | {"desc_latin"}
            if rng.random() < 0.5:
                cur, amount = "CNY", t.amount_minor
                tags = tags | {"fx_orig"}
            else:
                rate = 0.92 * rng.uniform(0.985, 1.005) / (1 + rng.uniform(0.0, 0.02))
                cur, amount = "HKD", round(t.amount_minor / rate)
                ev.update(currency="HKD", amount=amount, fx=True)
                tags = tags | {"fx_no_orig"}
            prefix = "QR      " if t.channel == "unionpay_qr" else "SALES:   "
            desc = f"{prefix}{name:<26}CHN          CN"
            if (
                rng.random() < 0.35
            ):  # HSBC HK debit card: the posting date only, the day of the sale in the text
                ev.pop("last4", None)
                if cur == "CNY":
                    rate = 0.92 * rng.uniform(0.985, 1.005) / (1 + rng.uniform(0.0, 0.02))
                    amount = round(t.amount_minor / rate)
                    ev.update(currency="HKD", amount=amount, fx=True)
                    tags = (tags - {"fx_orig"}) | {"fx_no_orig"}
                desc = f"{name[:24]:<25}{rng.randint(10**17, 10**18 - 1)}   {ts.strftime('%d%b').upper()}"
                row = [post.strftime("%d/%m/%Y"), desc, f'"-{amount // 100:,}.{amount % 100:02d}"\t', "HKD"]
                row.append(f'"{rng.randint(1000, 90000):,}.{rng.randint(10, 99)}"\t')
                row.append("HKD")
                if ts.weekday() >= 4:
                    tags = tags | {"weekend_post"}
                return Spec(
                    "stmt:hsbcd",
                    tags | {"posting_date"},
                    self.truth(t) if here else set(),
                    here,
                    ev,
                    row,
                    src=t,
                )
            row = [
                ts.strftime("%d/%m/%Y"),
                post.strftime("%d/%m/%Y"),
                desc,
                f'"-{amount // 100:,}.{amount % 100:02d}"\t',
                cur,
                "POSTED",
                name,
                "CHINA",
                "CHN",
                "DEBIT",
            ]
        if ts.weekday() >= 4:
            tags = tags | {"weekend_post"}
        return Spec("stmt:" + bank, tags, self.truth(t) if here else set(), here, ev, row, src=t)

    # ---------------- counter ----------------
    def counter(self, t: Txn, here: bool, tags: set, how: str) -> Spec:
        rng = self.rng
        ts = t.true_ts
        kw = {"amount": _yuan(t.amount_minor), "tz": "Asia/Shanghai", "ref": REF}
        ev = {"amount": t.amount_minor, "currency": "CNY", "direction": "debit", "scope": None}
        l4 = t.card_last4 or t.payer_card
        if l4 and rng.random() < 0.7:
            kw["last4"] = l4
            ev["last4"] = l4
        if how == "minute":
            kw["time"] = ts.strftime("%Y-%m-%d %H:%M")
            ev["window"] = _window_minute(ts, 60)
        elif how == "about":
            kw["time"] = f"{ts.month}月{ts.day}日 {ts:%H:%M}左右"
            shown = ts + timedelta(minutes=rng.randint(-6, 6))
            kw["time"] = f"{shown.month}月{shown.day}日 {shown:%H:%M}左右"
            lo = shown.replace(second=0) - timedelta(minutes=10)
            ev["window"] = (lo, lo + timedelta(minutes=21))
        elif how == "hour":
            h = ts.hour
            half = "上午" if h < 12 else "中午" if h == 12 else "下午" if h < 18 else "晚上"
            hh = h if h <= 12 else h - 12
            kw["time"] = (
                f"{ts.month}月{ts.day}日 {half}{hh}点"
                if half != "中午"
                else f"{ts.month}月{ts.day}日 中午12点"
            )
            lo = ts.replace(minute=0, second=0, microsecond=0)
            ev["window"] = (lo, lo + timedelta(hours=1))
        else:  # range
            h = ts.hour
            a = h - rng.choice([0, 1]) if h > 0 else h
            b = min(a + rng.choice([1, 2]), 23)
            if b <= h:
                b = h + 1
            kw["time"] = f"{ts.month}月{ts.day}日 {a}点-{b}点"
            lo = ts.replace(hour=a, minute=0, second=0, microsecond=0)
            ev["window"] = (lo, ts.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(hours=b))
        return Spec(
            "counter:" + how, tags | {"counter_" + how}, self.truth(t) if here else set(), here, ev, kw, src=t
        )

    # ---------------- elsewhere ----------------
    def elsewhere(self, coincide: bool) -> Txn:
        """A payment made in another shop; when `coincide`, its amount, minute and card copy a sale here."""
        rng = self.rng
        e = rng.choice(self.w.elsewhere)
        if not coincide:
            return e
        base = rng.choice(self.sales)
        c = Txn(
            e.txn_id + "c" + base.txn_id,
            e.merchant,
            e.terminal,
            base.true_ts + timedelta(seconds=rng.randint(-20, 20)),
            base.amount_minor,
            base.channel,
        )
        c.card_last4, c.payer_card, c.card_scheme = base.card_last4, base.payer_card, base.card_scheme
        c.wallet_txn_id = (
            e.wallet_txn_id[:10] + base.true_ts.strftime("%Y%m%d") + e.wallet_txn_id[18:]
            if e.wallet_txn_id
            else ""
        )
        if base.channel == "wechat":
            c.wallet_txn_id = (
                "4200"
                + str(rng.randrange(10**6)).zfill(6)
                + base.true_ts.strftime("%Y%m%d")
                + str(rng.randrange(10**10)).zfill(10)
            )
        elif base.channel == "alipay":
            c.wallet_txn_id = base.true_ts.strftime("%Y%m%d") + "2200" + str(rng.randrange(10**16)).zfill(16)
        c.order_no = "EO" + str(rng.randrange(10**14))
        return c

    # ---------------- the batch ----------------
    def batch(self, n: int, elsewhere: float = 0.06) -> list[Spec]:
        rng = self.rng
        plan = [
            ("wechat", 0.11),
            ("alipay", 0.07),
            ("screenshot", 0.07),
            ("sms", 0.19),
            ("sms_refund", 0.04),
            ("cmb", 0.07),
            ("boc", 0.06),
            ("hsbc", 0.05),
            ("counter_minute", 0.06),
            ("counter_about", 0.02),
            ("counter_hour", 0.05),
            ("counter_range", 0.03),
            ("elsewhere", elsewhere / (1 - elsewhere)),
        ]
        specs: list[Spec] = []
        kinds = rng.choices([k for k, _ in plan], [w for _, w in plan], k=n)
        for kind in kinds:
            s = None
            for _ in range(10):
                s = self._one(kind)
                if s is not None:
                    break
            if s is not None:
                specs.append(s)
        return specs

    def _one(self, kind: str) -> Spec | None:
        rng = self.rng
        if kind in ("wechat", "alipay", "screenshot"):
            ch = kind if kind != "screenshot" else rng.choice(["wechat", "alipay"])
            t = self.pick(self.by_channel[ch])
            if t is None:
                return None
            return (
                self.wallet_row(t, True, self.base_tags(t))
                if kind != "screenshot"
                else self.screenshot(t, True, self.base_tags(t))
            )
        if kind == "sms":
            pool = (
                self.by_channel["card"]
                if rng.random() < 0.6
                else self.by_channel[rng.choice(["wechat", "alipay"])]
            )
            t = self.pick(pool, lambda x: (x.channel == "card" and not x.foreign) or bool(x.payer_card))
            return None if t is None else self.sms(t, True, self.base_tags(t))
        if kind == "sms_refund":
            f = self.pick(self.refunds)
            return None if f is None else self.sms_refund(f)
        if kind in ("cmb", "boc"):
            t = self.pick(
                self.sales,
                lambda x: (
                    (x.channel == "card" and not x.foreign)
                    or (x.channel in ("wechat", "alipay") and bool(x.payer_card))
                ),
            )
            return None if t is None else self.statement(t, True, self.base_tags(t), kind)
        if kind == "hsbc":
            t = self.pick(self.by_channel["card"], lambda x: x.foreign)
            return None if t is None else self.statement(t, True, self.base_tags(t), "hsbc")
        if kind.startswith("counter_"):
            t = self.pick(self.sales)
            return None if t is None else self.counter(t, True, self.base_tags(t), kind.split("_")[1])
        # elsewhere
        coincide = rng.random() < 0.6
        e = self.elsewhere(coincide)
        same_chain = any(m.here and m.brand == e.merchant.brand for m in self.w.merchants)
        tags = {
            "elsewhere",
            "elsewhere_coincident" if coincide else "elsewhere_plain",
            "other_branch" if same_chain else "other_brand",
        }
        how = rng.choice(["sms", "sms", "wallet", "cmb", "boc", "counter"])
        style = rng.choice(["branch", "branch", "fullwidth", "truncated", "legal", "aggregator", "brand"])
        if how == "sms":
            if e.channel == "card" and e.foreign:
                e.foreign = False
            if e.channel in ("wechat", "alipay") and not e.payer_card:
                e.payer_card = rng.choice(self.w.cards)
            if e.channel == "unionpay_qr":
                return None
            return self.sms(e, False, tags, style)
        if how == "wallet":
            if e.channel not in ("wechat", "alipay"):
                return None
            return self.wallet_row(e, False, tags)
        if how in ("cmb", "boc"):
            if e.channel == "card" and e.foreign:
                return None
            return self.statement(e, False, tags, how, style)
        s = self.counter(e, False, tags, "minute")
        s.payload["merchant"] = e.merchant.name  # the customer names the shop they think they paid
        s.ev["scope"] = self.desc.scope_of_text(e.merchant.name)
        return s


# ---------------- writing the files ----------------

WECHAT_HEAD = [
    "微信支付账单明细",
    "微信昵称：[顾客]",
    "起始时间：[2026-11-01 00:00:00] 终止时间：[2026-11-30 23:59:59]",
    "导出类型：[全部]",
    "导出时间：[2026-12-01 09:12:52]",
    "",
    "共{n}笔记录",
    "收入：0笔 0.00元",
    "支出：{n}笔 {total}元",
    "中性交易：0笔 0.00元",
    "注：",
    "1. 充值/提现/理财通购买/零钱通存取/信用卡还款等交易，将计入中性交易",
    "2. 本明细仅展示当前账单中的交易，不包括已删除的记录",
    "3. 本明细仅供个人对账使用",
    "",
    "----------------------微信支付账单明细列表--------------------",
]

ALIPAY_HEAD = [
    "------------------------------------------------------------------------------------",
    "导出信息：",
    "姓名：xx",
    "支付宝账户：xx@example.com",
    "起始时间：[2026-11-01 00:00:00]    终止时间：[2026-11-30 23:59:59]",
    "导出交易类型：[全部]",
    "导出时间：[2026-12-01 09:12:52]",
    "共{n}笔记录",
    "收入：0笔 0.00元",
    "支出：{n}笔 {total}元",
    "不计收支：0笔 0.00元",
    "",
    "特别提示：",
    "1.本回单内容可表明支付宝受理了相应支付交易申请，因系统原因或通讯故障等偶发因素导致本回单与实际交易结果不符时，以实际交易情况为准；",
    "2.请勿将本回单作为收款方发货的凭据使用，请查证账户实际到账情况后再进行发货操作；",
    "",
    "------------------------支付宝（中国）网络技术有限公司  电子客户回单------------------------",
]


def _q(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def write_files(specs: list[Spec], out: Path) -> list[tuple[str, Path, dict, list[Spec]]]:
    """Write every file-borne proof; returns (format, path, options, specs in row order) with each spec's line."""
    out.mkdir(parents=True, exist_ok=True)
    groups: dict[str, list[Spec]] = {}
    for s in specs:
        if not s.form.startswith("counter"):
            groups.setdefault(s.form.split(":")[0], []).append(s)
    files = []
    for form, ss in groups.items():
        if form == "sms":
            p = out / "sms_messages.json"
            lines = [json.dumps(s.payload, ensure_ascii=False) for s in ss]
            for i, s in enumerate(ss):
                s.extra["row"] = i + 1
            p.write_text("\n".join(lines) + "\n", encoding="utf-8")
            files.append(("sms", p, {}, ss))
        elif form == "wechat":
            p = out / "微信支付账单(20261101-20261130).csv"
            total = sum(s.payload["amount"] for s in ss)
            head = [h.format(n=len(ss), total=_yuan(total)) + ",,,,,,,,,," for h in WECHAT_HEAD]
            head.append(
                "交易时间,交易类型,交易对方,商品,收/支,金额(元),支付方式,当前状态,交易单号,商户单号,备注"
            )
            rows = []
            for i, s in enumerate(ss):
                d = s.payload
                s.extra["row"] = len(head) + i + 1
                rows.append(
                    ",".join(
                        [
                            d["ts"].strftime("%Y-%m-%d %H:%M:%S"),
                            "商户消费",
                            _q(d["name"]),
                            _q("/"),
                            "支出",
                            "¥" + _yuan(d["amount"]),
                            _q(d["pay"]),
                            _q(d["status"]),
                            d["id"] + "\t",
                            d["order"] + "\t",
                            "/",
                        ]
                    )
                )
            p.write_bytes(("\ufeff" + "\r\n".join(head + rows) + "\r\n").encode("utf-8"))
            files.append(("wechat", p, {}, ss))
        elif form == "alipay":
            p = out / "alipay_record_20261201.csv"
            total = sum(s.payload["amount"] for s in ss)
            head = [h.format(n=len(ss), total=_yuan(total)) for h in ALIPAY_HEAD]
            head.append(
                "交易时间,交易分类,交易对方,对方账号,商品说明,收/支,金额,收/付款方式,交易状态,交易订单号,商家订单号,备注,"
            )
            rows = []
            for i, s in enumerate(ss):
                d = s.payload
                s.extra["row"] = len(head) + i + 1
                rows.append(
                    ",".join(
                        [
                            d["ts"].strftime("%Y-%m-%d %H:%M:%S"),
                            "餐饮美食",
                            d["name"].replace(",", " "),
                            "/",
                            "商品",
                            "支出",
                            _yuan(d["amount"]),
                            d["pay"],
                            d["status"],
                            d["id"] + "\t",
                            d["order"] + "\t",
                            "",
                            "",
                        ]
                    )
                )
            p.write_bytes(("\r\n".join(head + rows) + "\r\n").encode("gb18030"))
            files.append(("alipay", p, {}, ss))
        elif form == "screenshot":
            p = out / "screenshots.json"
            lines = ["["]
            for i, s in enumerate(ss):
                s.extra["row"] = i + 2
                lines.append(json.dumps(s.payload, ensure_ascii=False) + ("," if i < len(ss) - 1 else ""))
            lines.append("]")
            p.write_text("\n".join(lines) + "\n", encoding="utf-8")
            files.append(("json", p, {}, ss))
        else:  # stmt
            for bank in ("cmb", "boc", "hsbc", "hsbcd"):
                bs = [s for s in ss if s.form == "stmt:" + bank]
                if not bs:
                    continue
                if bank == "cmb":
                    p = out / "cmb_credit_202611.csv"
                    head = [
                        "招商银行信用卡对账单（个人消费卡账户 2026年11月）",
                        "交易日,记账日,交易摘要,人民币金额,卡号末四位,交易地金额",
                    ]
                    fmt = "cmb_credit"
                elif bank == "boc":
                    p = out / "boc_credit_202611.csv"
                    head = [
                        "中国银行信用卡账单(2026年11月)",
                        "交易日,银行记账日,卡号后四位,交易描述,存入,支出,币种",
                    ]
                    fmt = "boc_credit"
                elif bank == "hsbcd":
                    p = out / "hsbc_hk_debit_202611.csv"
                    head = ["Date,Description,Billing amount,Billing currency,Balance,Balance currency"]
                    fmt = "hsbc_hk_debit"
                else:
                    p = out / "hsbc_hk_credit_202611.csv"
                    head = [
                        "Transaction date,Post date,Description,Billing amount,Billing currency,Transaction status,Merchant name,Country / region,Area / district,Credit / Debit"
                    ]
                    fmt = "hsbc_hk_credit"
                rows = []
                for i, s in enumerate(bs):
                    s.extra["row"] = len(head) + i + 1
                    if bank == "hsbcd":
                        rows.append(",".join(s.payload))
                    elif bank == "hsbc":
                        r = list(s.payload)
                        rows.append(",".join([r[0], r[1], _q(r[2]), r[3], *r[4:6], _q(r[6]), *r[7:]]))
                    else:
                        rows.append(
                            ",".join(
                                _q(str(c)) if ("," in str(c) or '"' in str(c)) else str(c) for c in s.payload
                            )
                        )
                p.write_text("\n".join(head + rows) + "\n", encoding="utf-8")
                files.append((fmt, p, {}, bs))
    return files


def read_all(rk, specs: list[Spec], out: Path) -> tuple[pd.DataFrame, dict]:
    """Read every proof through the public readers; returns (proofs frame, intake problems per spec id)."""
    files = write_files(specs, out)
    frames = []
    problems: dict[int, str] = {}
    for fmt, path, opts, ss in files:
        try:
            fr = rk.read_proofs(str(path), format=fmt, strict=False, **opts)
        except Exception as exc:  # a whole file refused
            for s in ss:
                problems[id(s)] = f"file refused: {type(exc).__name__}: {str(exc)[:120]}"
            continue
        rej = {
            int(r["row"]): r.get("reason", "")
            for r in fr.attrs.get("rejected", [])
            if str(r.get("row", "")).isdigit()
        }
        by_row: dict[int, list[str]] = {}
        for pid, row, amt in zip(fr["proof_id"], fr["source_row"], fr["amount_minor"], strict=True):
            by_row.setdefault(int(row), []).append((pid, int(amt)))
        for s in ss:
            got = by_row.get(s.extra["row"])
            if not got:
                problems[id(s)] = "refused: " + str(rej.get(s.extra["row"], "row not read"))[:160]
                continue
            s.proof_id = got[0][0]
            if got[0][1] != s.ev["amount"]:
                s.extra["misread_amount"] = got[0][1]
        frames.append(fr)
    n = 0
    for s in specs:
        if s.form.startswith("counter"):
            try:
                fr = rk.proof(**s.payload)
            except Exception as exc:
                problems[id(s)] = f"refused: {type(exc).__name__}: {str(exc)[:160]}"
                continue
            n += 1
            fr = fr.copy()
            fr["proof_id"] = f"counter:{n}"
            s.proof_id = f"counter:{n}"
            frames.append(fr)
    proofs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return proofs, problems


__all__ = ["DAYS", "SH", "START", "Generator", "Spec", "read_all"]
