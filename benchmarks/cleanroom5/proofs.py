"""Proofs customers bring, with their truth, written as the files and counter input the docs say are read.

Sources: field guide 1.1-1.2 (SMS wordings, CCB's foreign-currency wording), 2.1-2.3 (descriptors, legal
entities, Latin names), 2.3 and samples/bank_hk_hsbc (HSBC HK credit and debit lines), 3.1-3.2 (posting lags,
weekends to Monday, FX spread and rate-date drift, DCC), 4.1-4.4 (wallet screens and numbers), 5 (counter
input, replayed and edited proofs, payments elsewhere), 6 (terminal clocks). English card SMS wordings are
not in the field guide (section 7: no foreign SMS corpus); they are written in the forms docs/proofs.md says
the SMS reader reads (`card ending 9876`, `at X`, `21 Nov`).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from .world import REF_RATE, SHOPS, Shop, World

MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass
class Proof:
    """One proof and its truth. ``ev`` is what a clerk holding it knows (for the oracle and the baseline)."""

    pid: str
    cat: str
    channel: str  # file name it is written to, or "counter"
    truth: str | None
    hostile: bool
    ev: dict[str, Any]
    payload: Any = None  # SMS dict, CSV row, screen object, or rk.find keyword arguments
    note: str = ""
    read: dict[str, Any] = field(default_factory=dict)


def fmt_amt(minor: int, sep: bool = False) -> str:
    s = f"{minor // 100:,}" if sep else str(minor // 100)
    return f"{s}.{minor % 100:02d}"


def post_date(d: date, rng: random.Random) -> date:
    """HSBC HK: T+1, weekend transactions moved to Monday (field guide 3.1)."""
    p = d + timedelta(days=1 if rng.random() < 0.85 else 2)
    while p.weekday() >= 5:
        p += timedelta(days=1)
    return p


class Generator:
    """Draws proofs from a world; each genuine proof takes a distinct journal row."""

    def __init__(self, world: World, seed: int) -> None:
        self.w = world
        self.rng = random.Random(seed * 104729 + 17)
        j = world.journal.merge(
            world.truth[["txn_id", "shop", "true_ts", "card_origin", "card_kind", "situation"]], on="txn_id"
        )
        self.j = j
        self.used: set[str] = set()
        self.pools: dict[str, list[int]] = {}
        self.proofs: list[Proof] = []
        ok = (j.status == "approved") & (j.txn_type == "sale")
        self.sales = j[ok].reset_index(drop=True)
        self.by_amount: dict[tuple[int, str], list[int]] = {}
        for i, (a, c) in enumerate(zip(self.sales.amount_minor, self.sales.currency, strict=True)):
            self.by_amount.setdefault((int(a), str(c)), []).append(i)

    # ---- picking rows -------------------------------------------------------------------------------
    def pick(self, key: str, mask: Any) -> pd.Series | None:
        """A random unused sale of the pool ``key`` (``mask``: a function of the sales frame, built once)."""
        if key not in self.pools:
            self.pools[key] = list(map(int, (mask(self.sales)).to_numpy().nonzero()[0]))
        pool = self.pools[key]
        while pool:
            k = self.rng.randrange(len(pool))
            pool[k], pool[-1] = pool[-1], pool[k]
            i = pool.pop()
            row = self.sales.iloc[i]
            if str(row.txn_id) not in self.used:
                self.used.add(str(row.txn_id))
                return row
        return None

    def any_row(self, key: str, mask: Any) -> pd.Series:
        """A random sale of the pool ``key`` (used or not: hostile proofs copy a sale's evidence)."""
        if key not in self.pools:
            self.pools[key] = list(map(int, (mask(self.sales)).to_numpy().nonzero()[0]))
        return self.sales.iloc[self.rng.choice(self.pools[key])]

    def add(
        self,
        cat: str,
        channel: str,
        row: pd.Series | None,
        hostile: bool,
        ev: dict[str, Any],
        payload: Any,
        note: str = "",
    ) -> None:
        pid = f"C{len(self.proofs) + 1:05d}"
        self.proofs.append(
            Proof(
                pid,
                cat,
                channel,
                None if row is None or hostile else str(row.txn_id),
                hostile,
                ev,
                payload,
                note,
            )
        )

    # ---- evidence helpers ---------------------------------------------------------------------------
    @staticmethod
    def local(row: pd.Series) -> datetime:
        return row.true_ts.to_pydatetime().astimezone(SHOPS[row["shop"]].tz)

    @staticmethod
    def minute_ev(t: datetime) -> tuple[datetime, datetime]:
        m = t.replace(second=0, microsecond=0).astimezone(UTC)
        return m - timedelta(seconds=60), m + timedelta(seconds=120)

    @staticmethod
    def day_ev(d: date, tz: Any, before: int = 0) -> tuple[datetime, datetime]:
        lo = datetime.combine(d - timedelta(days=before), datetime.min.time(), tzinfo=tz).astimezone(UTC)
        return lo, datetime.combine(d + timedelta(days=1), datetime.min.time(), tzinfo=tz).astimezone(UTC)

    def merchant_choice(self, shop: Shop, latin: bool) -> tuple[str | None, frozenset[str] | None]:
        """(text, scope): scope = journal shops the text is consistent with (None: any)."""
        r = self.rng.random()
        same_brand = frozenset(
            s.key for s in SHOPS.values() if s.in_journal and s.brand_latin == shop.brand_latin
        )
        same_legal = frozenset(s.key for s in SHOPS.values() if s.in_journal and s.legal == shop.legal)
        here = frozenset([shop.key]) if shop.in_journal else frozenset()
        if r < 0.5:
            return (shop.latin if latin else shop.name), here
        if r < 0.75:
            return (shop.brand_latin if latin else shop.name.split("(")[0]), same_brand
        if r < 0.88:
            return shop.legal, same_legal
        return None, None

    # ---- SMS ----------------------------------------------------------------------------------------
    def english_sms(
        self,
        cur: str,
        minor: int,
        l4: str,
        scheme: str,
        merchant: str | None,
        t: datetime,
        numeric_date: bool,
    ) -> str:
        at = f" at {merchant}" if merchant else ""
        when = f"{t.day} {MON[t.month - 1]} {t:%H:%M}"
        amt = fmt_amt(minor, sep=self.rng.random() < 0.5)
        if numeric_date:
            return f"[BOC HK] {scheme} card ending {l4}: {cur} {amt} spent{at} on {t:%d/%m/%Y %H:%M}."
        v = self.rng.randrange(3)
        if v == 0:
            return f"HSBC: Your {scheme} card ending {l4} was charged {cur} {amt}{at} on {when}."
        if v == 1:
            return (
                f"[Hang Seng] Card ending {l4}: {cur} {amt} spent{at} on {when}. "
                f"Avail. limit {cur} {self.rng.randrange(5, 90)},{self.rng.randrange(1000):03d}.00"
            )
        return f"AMEX: A charge of {cur}{amt} was made on your card ending {l4}{at} on {when}."

    def capture(self, row_or_t: datetime) -> int:
        return int(
            (row_or_t.astimezone(UTC) + timedelta(seconds=self.rng.randrange(3, 90))).timestamp() * 1000
        )

    def sms_proof(
        self,
        cat: str,
        row: pd.Series,
        text: str,
        ev: dict[str, Any],
        hostile: bool = False,
        when: datetime | None = None,
        note: str = "",
    ) -> None:
        t = when or self.local(row)
        self.add(cat, "sms", row, hostile, ev, {"body": text, "t": self.capture(t)}, note)

    def gen_hk_sms_en(self, cat: str) -> None:
        row = self.pick(
            cat, lambda s: (s["shop"] == "HK_CWB") & (s.channel == "card") & s.card_origin.isin(["hk", "us"])
        )
        if row is None:
            return
        t = self.local(row)
        shop = SHOPS["HK_CWB"]
        merchant, scope = self.merchant_choice(shop, latin=True)
        numeric = self.rng.random() < 0.08
        text = self.english_sms(
            "HKD", int(row.amount_minor), str(row.card_last4), str(row.card_scheme), merchant, t, numeric
        )
        lo, hi = self.minute_ev(t)
        self.sms_proof(
            cat,
            row,
            text,
            {
                "amount": int(row.amount_minor),
                "cur": "HKD",
                "lo": lo,
                "hi": hi,
                "l4": row.card_last4,
                "scope": scope,
                "day": t.date(),
            },
            note="numeric day-first date" if numeric else "",
        )

    def gen_cn_card_in_hk(self, cat: str) -> None:
        row = self.pick(
            cat, lambda s: (s["shop"] == "HK_CWB") & (s.channel == "card") & (s.card_origin == "cn")
        )
        if row is None:
            return
        t = self.local(row)
        amt = fmt_amt(int(row.amount_minor))
        l4 = str(row.card_last4)
        if self.rng.random() < 0.5:  # CCB's foreign wording, no merchant (field guide 1.1)
            text = (
                f"您尾号{l4}的龙卡信用卡{t.month:02d}月{t.day:02d}日{t:%H:%M}消费/预付款{amt}港币，"
                f"实际消费金额以入账结算币种金额为准。"
            )
            scope = None
        else:
            text = f"【招商银行】您账户{l4}于{t.month:02d}月{t.day:02d}日{t:%H:%M}在{SHOPS['HK_CWB'].latin}消费{amt}港币"
            scope = frozenset(["HK_CWB"])
        lo, hi = self.minute_ev(t)
        self.sms_proof(
            cat,
            row,
            text,
            {
                "amount": int(row.amount_minor),
                "cur": "HKD",
                "lo": lo,
                "hi": hi,
                "l4": l4,
                "scope": scope,
                "day": t.date(),
            },
        )

    def gen_hk_card_in_cn(self, cat: str) -> None:
        row = self.pick(
            cat,
            lambda s: (
                s["shop"].isin(["SH_JAS", "SZ_FT"]) & (s.channel == "card") & s.card_origin.isin(["hk", "us"])
            ),
        )
        if row is None:
            return
        t = self.local(row)
        shop = SHOPS[row["shop"]]
        merchant, scope = self.merchant_choice(shop, latin=True)
        if merchant and self.rng.random() < 0.5:
            merchant += " SHANGHAI CN" if shop.key == "SH_JAS" else " SHENZHEN CN"
        text = self.english_sms(
            "CNY", int(row.amount_minor), str(row.card_last4), str(row.card_scheme), merchant, t, False
        )
        lo, hi = self.minute_ev(t)
        self.sms_proof(
            cat,
            row,
            text,
            {
                "amount": int(row.amount_minor),
                "cur": "CNY",
                "lo": lo,
                "hi": hi,
                "l4": row.card_last4,
                "scope": scope,
                "day": t.date(),
            },
        )

    def cn_sms_text(self, l4: str, minor: int, t: datetime, payee: str | None, cur_word: str = "元") -> str:
        amt = fmt_amt(minor)
        v = self.rng.randrange(3)
        if v == 0:
            where = f"在{payee}" if payee else ""
            return f"【招商银行】您账户{l4}于{t.month:02d}月{t.day:02d}日{t:%H:%M}{where}消费{amt}{cur_word}"
        if v == 1:
            icbc = amt.rstrip("0").rstrip(".")
            inner = f"消费{payee}" if payee else "银联消费"
            return f"尾号{l4}卡{t.month}月{t.day}日{t:%H:%M}支出({inner}){icbc}元，余额{self.rng.randrange(100, 9999)}.22元。【工商银行】"
        cut = (payee[:8] + "…") if payee and len(payee) > 8 else payee
        inner = f"（{cut}）" if cut else ""
        return f"您尾号{l4}的龙卡信用卡{t.month:02d}月{t.day:02d}日{t:%H:%M}消费{inner}{amt}元，当前可用额度12,000.00元。"

    def gen_cn_sms(self, cat: str) -> None:
        row = self.pick(
            cat,
            lambda s: s["shop"].isin(["SH_JAS", "SZ_FT"]) & (s.channel == "card") & (s.card_origin == "cn"),
        )
        if row is None:
            return
        t = self.local(row)
        shop = SHOPS[row["shop"]]
        payee, scope = self.merchant_choice(shop, latin=False)
        text = self.cn_sms_text(str(row.card_last4), int(row.amount_minor), t, payee)
        if payee and "…" in text and scope is not None and len(payee) > 8:
            scope = frozenset(s.key for s in SHOPS.values() if s.in_journal and s.name.startswith(payee[:8]))
        lo, hi = self.minute_ev(t)
        self.sms_proof(
            cat,
            row,
            text,
            {
                "amount": int(row.amount_minor),
                "cur": "CNY",
                "lo": lo,
                "hi": hi,
                "l4": row.card_last4,
                "scope": scope,
                "day": t.date(),
            },
        )

    # ---- statements ---------------------------------------------------------------------------------
    def hsbc_credit_row(
        self, t: datetime, desc: str, billed: int, cur: str, mname: str, country: str, area: str
    ) -> dict[str, str]:
        p = post_date(t.date(), self.rng)
        return {
            "Transaction date": f"{t:%d/%m/%Y}",
            "Post date": f"{p:%d/%m/%Y}",
            "Description": desc,
            "Billing amount": "-" + fmt_amt(billed, sep=True),
            "Billing currency": cur,
            "Transaction status": "POSTED",
            "Merchant name": mname,
            "Country / region": country,
            "Area / district": area,
            "Credit / Debit": "DEBIT",
        }

    @staticmethod
    def desc(prefix: str, name: str, area: str, cc: str) -> str:
        return f"{prefix:<9}{name[:25]:<26}{area:<13}{cc}"

    def gen_hsbc(self, cat: str) -> None:
        """HSBC HK credit card lines: HK shop in HKD; mainland shops billed CNY, HKD (no original) or DCC."""
        hk = cat == "hsbc_hk_hkd"
        row = self.pick(
            cat,
            lambda s: (
                (s.channel == "card")
                & (s.card_origin == "hk")
                & (s.card_kind == "credit")
                & ((s["shop"] == "HK_CWB") if hk else s["shop"].isin(["SH_JAS", "SZ_FT"]))
            ),
        )
        if row is None:
            return
        t = self.local(row)
        shop = SHOPS[row["shop"]]
        minor = int(row.amount_minor)
        prefix = self.rng.choice(["SALES:", "SALES:", "APPLEPAY"])
        name = shop.latin if self.rng.random() < 0.6 else shop.brand_latin
        scope = (
            frozenset([shop.key])
            if name == shop.latin
            else frozenset(
                s.key for s in SHOPS.values() if s.in_journal and s.brand_latin == shop.brand_latin
            )
        )
        area, cc, country = ("HKG", "HK", "HONG KONG") if hk else ("CHN", "CN", "CHINA")
        ev: dict[str, Any] = {"amount": minor, "cur": shop.currency, "l4": None, "scope": scope}
        if hk or cat == "hsbc_cn_cny":
            billed, cur, dname = minor, shop.currency, name
        else:
            rate = (
                REF_RATE[("CNY", "HKD")]
                * (1 + self.rng.uniform(0.01, 0.03))
                * (1 + self.rng.uniform(-0.005, 0.005))
            )
            if cat == "fx_dcc":  # the merchant converted at the terminal: its own rate and markup
                rate = REF_RATE[("CNY", "HKD")] * (1 + self.rng.uniform(0.03, 0.045))
            billed, cur, dname = round(minor * rate), "HKD", name + " (HKD)"
            ev.update(amount=billed, cur="HKD", fx_from=shop.currency)
        line = self.hsbc_credit_row(t, self.desc(prefix, dname, area, cc), billed, cur, name, country, area)
        ev.update(lo=self.day_ev(t.date(), shop.tz)[0], hi=self.day_ev(t.date(), shop.tz)[1], day=t.date())
        self.add(cat, "hsbc_credit", row, False, ev, line)

    def gen_hsbc_debit(self, cat: str) -> None:
        row = self.pick(
            cat,
            lambda s: (
                (s["shop"] == "HK_CWB")
                & (s.channel == "card")
                & (s.card_origin == "hk")
                & (s.card_kind == "debit")
            ),
        )
        if row is None:
            return
        t = self.local(row)
        p = post_date(t.date(), self.rng)
        shop = SHOPS["HK_CWB"]
        ref = "HC" + "".join(self.rng.choice("0123456789") for _ in range(16))
        line = {
            "Date": f"{p:%d/%m/%Y}",
            "Description": f"{shop.latin[:24]:<25}{ref}   {t.day:02d}{MON[t.month - 1].upper()}",
            "Billing amount": "-" + fmt_amt(int(row.amount_minor), sep=True),
            "Billing currency": "HKD",
            "Balance": fmt_amt(self.rng.randrange(100000, 2000000), sep=True),
            "Balance currency": "HKD",
        }
        lo, hi = self.day_ev(t.date(), shop.tz)
        self.add(
            cat,
            "hsbc_debit",
            row,
            False,
            {
                "amount": int(row.amount_minor),
                "cur": "HKD",
                "l4": None,
                "scope": frozenset(["HK_CWB"]),
                "lo": lo,
                "hi": hi,
                "day": t.date(),
            },
            line,
        )

    def gen_bocom_fx(self, cat: str) -> None:
        """A mainland card at the Hong Kong shop: BOCOM shows the HKD amount and the CNY billed (3.2)."""
        row = self.pick(
            cat, lambda s: (s["shop"] == "HK_CWB") & (s.channel == "card") & (s.card_origin == "cn")
        )
        if row is None:
            return
        t = self.local(row)
        shop = SHOPS["HK_CWB"]
        minor = int(row.amount_minor)
        billed = round(minor * REF_RATE[("HKD", "CNY")] * (1 + self.rng.uniform(0.0, 0.015)))
        p = post_date(t.date(), self.rng)
        name = shop.latin if self.rng.random() < 0.6 else shop.brand_latin
        scope = frozenset(["HK_CWB"])
        line = {
            "交易日期": f"{t:%Y-%m-%d}",
            "记账日期": f"{p:%Y-%m-%d}",
            "交易说明": f"消费 {name} HKG",
            "交易币种/金额": f"HKD {fmt_amt(minor)}",
            "入账币种/金额": f"CNY {fmt_amt(billed)}",
        }
        lo, hi = self.day_ev(t.date(), shop.tz)
        self.add(
            cat,
            "bocom_credit",
            row,
            False,
            {"amount": minor, "cur": "HKD", "l4": None, "scope": scope, "lo": lo, "hi": hi, "day": t.date()},
            line,
        )

    # ---- wallet screens -----------------------------------------------------------------------------
    def screen(self, row: pd.Series, t: datetime, minor: int, merchant: str) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "app": "微信" if row.channel == "wechat" else "支付宝",
            "amount": "-" + fmt_amt(minor),
            "time": f"{t:%Y-%m-%d %H:%M:%S}",
            "merchant": merchant,
            ("交易单号" if row.channel == "wechat" else "交易订单号"): str(row.wallet_txn_id),
        }
        if isinstance(row.card_last4, str) and self.rng.random() < 0.7:
            obj["支付方式"] = f"{row.issuer}信用卡({row.card_last4})"
        return obj

    def gen_wallet_screen(self, cat: str) -> None:
        row = self.pick(
            cat, lambda s: s["shop"].isin(["SH_JAS", "SZ_FT"]) & s.channel.isin(["wechat", "alipay"])
        )
        if row is None:
            return
        t = self.local(row)
        shop = SHOPS[row["shop"]]
        merchant = shop.name if self.rng.random() < 0.6 else shop.legal
        lo, hi = t.astimezone(UTC) - timedelta(seconds=60), t.astimezone(UTC) + timedelta(seconds=60)
        self.add(
            cat,
            "screens",
            row,
            False,
            {
                "amount": int(row.amount_minor),
                "cur": "CNY",
                "l4": None,
                "scope": None,
                "lo": lo,
                "hi": hi,
                "day": t.date(),
                "wallet": str(row.wallet_txn_id),
            },
            self.screen(row, t, int(row.amount_minor), merchant),
        )

    # ---- counter ------------------------------------------------------------------------------------
    def gen_counter(self, cat: str) -> None:
        hk = cat.startswith("counter_hk")
        row = self.pick(cat, lambda s: (s["shop"] == "HK_CWB") if hk else s["shop"].isin(["SH_JAS", "SZ_FT"]))
        if row is None:
            return
        t = self.local(row)
        shop = SHOPS[row["shop"]]
        H, M, d, m = t.hour, t.minute, t.day, t.month
        h12 = H - 12 if H > 12 else H
        pm = "下午" if H >= 12 else "上午"
        visit = t.date() + timedelta(days=self.rng.randrange(0, 4))
        kind = cat.rsplit("_", 1)[1]
        if kind == "minute":
            lo, hi = self.minute_ev(t)
            forms = (
                [
                    f"{d}/{m} {H:02d}:{M:02d}",
                    f"{d} {MON[m - 1]} {H:02d}:{M:02d}",
                    f"{d} {MON[m - 1]} {h12}:{M:02d} {'PM' if H >= 12 else 'AM'}",
                    f"{d}/{m} {pm}{h12}:{M:02d}",
                ]
                if hk
                else [f"{m}/{d} {H:02d}:{M:02d}", f"{m}月{d}日 {H:02d}:{M:02d}", f"{m}/{d} {pm}{h12}:{M:02d}"]
            )
        else:
            if kind == "hour":
                a, b = H, H + 1
                bare = (
                    H >= 13 or H == 0
                )  # staff write 24-hour hours after noon; a bare 1-11 is refused by design
                forms = (
                    [
                        f"{d}/{m} {pm}{h12}點",
                        f"{d}/{m} {H if bare else pm + str(h12)}點",
                        f"{d} {MON[m - 1]} {h12}{'pm' if H >= 12 else 'am'}",
                    ]
                    if hk
                    else [
                        f"{m}/{d} {pm}{h12}点",
                        f"{m}月{d}日 {H if bare else pm + str(h12)}点",
                        f"{m}月{d}日 {pm}{h12}点多",
                    ]
                )
            else:
                a, b = (H - 1, H + 1) if self.rng.random() < 0.4 and H >= 8 else (H, H + 1)
                # 上午 only when the range stays in the morning ("上午11点到13点" is refused, and staff write 11点-13点)
                sa = f"上午{a}" if b <= 12 else str(a)
                forms = (
                    [
                        f"{d}/{m} {sa}點-{b}點",
                        f"{d}/{m} {a:02d}:00-{b:02d}:00",
                        f"{d} {MON[m - 1]} {a:02d}:00-{b:02d}:00",
                    ]
                    if hk
                    else [
                        f"{m}/{d} {sa}点-{b}点",
                        f"{m}月{d}日 {sa}点到{b}点",
                        f"{m}/{d} {a:02d}:00-{b:02d}:00",
                    ]
                )
            base = datetime.combine(t.date(), datetime.min.time(), tzinfo=shop.tz)
            lo, hi = (base + timedelta(hours=a)).astimezone(UTC), (base + timedelta(hours=b)).astimezone(UTC)
        form = self.rng.randrange(len(forms))
        if kind == "minute" and not hk and self.rng.random() < 0.2 and visit > t.date():
            visit, text = t.date() + timedelta(days=1), f"昨天 {H:02d}:{M:02d}"
        else:
            text = forms[form]
        kw: dict[str, Any] = {
            "amount": fmt_amt(int(row.amount_minor)),
            "time": text,
            "tz": shop.tz.key,
            "currency": shop.currency,
            "ref": visit.isoformat(),
        }
        l4 = row.card_last4 if isinstance(row.card_last4, str) and row.channel == "card" else None
        if l4 and self.rng.random() < 0.7:
            kw["last4"] = l4
        else:
            l4 = None
        scope = None
        if self.rng.random() < 0.4:
            kw["merchant"] = shop.name
            scope = frozenset([shop.key])
        self.add(
            cat,
            "counter",
            row,
            False,
            {
                "amount": int(row.amount_minor),
                "cur": shop.currency,
                "l4": l4,
                "scope": scope,
                "lo": lo,
                "hi": hi,
                "day": t.date(),
            },
            kw,
            note=f"form {form}",
        )

    # ---- hostile ------------------------------------------------------------------------------------
    def gen_elsewhere(self, cat: str) -> None:
        """A payment at another branch / brand coinciding with a sale here: amount, minute, last 4 (field guide 5)."""
        row = self.any_row(
            "card HK/SH", lambda s: (s.channel == "card") & s["shop"].isin(["HK_CWB", "SH_JAS"])
        )
        t = self.local(row)
        hk = row["shop"] == "HK_CWB"
        other = SHOPS[
            ("HK_MK" if hk else "SH_XJH") if cat == "h_other_branch" else ("HK_TW" if hk else "SH_TW")
        ]
        if cat == "h_other_branch":
            merchant = other.latin if hk or self.rng.random() < 0.3 else other.name
        else:
            merchant = (
                self.rng.choice([other.latin, other.legal])
                if hk
                else self.rng.choice([other.name, other.legal])
            )
        l4 = str(row.card_last4)
        if merchant.isascii():
            text = self.english_sms(
                other.currency, int(row.amount_minor), l4, str(row.card_scheme), merchant, t, False
            )
        else:
            text = self.cn_sms_text(l4, int(row.amount_minor), t, merchant)
        lo, hi = self.minute_ev(t)
        self.sms_proof(
            cat,
            row,
            text,
            {
                "amount": int(row.amount_minor),
                "cur": other.currency,
                "lo": lo,
                "hi": hi,
                "l4": l4,
                "scope": frozenset(),
                "day": t.date(),
            },
            hostile=True,
            note=f"paid at {other.name}; copies {row.txn_id}",
        )

    def gen_other_currency(self, cat: str) -> None:
        """HKD 128.50 paid in Hong Kong elsewhere while a CNY 128.50 sale on the same last 4 and minute is here."""
        row = self.any_row(
            "card SH/SZ", lambda s: (s.channel == "card") & s["shop"].isin(["SH_JAS", "SZ_FT"])
        )
        t = self.local(row)
        l4 = str(row.card_last4)
        minor = int(row.amount_minor)
        r = self.rng.random()
        if r < 0.4:
            text = (
                f"您尾号{l4}的龙卡信用卡{t.month:02d}月{t.day:02d}日{t:%H:%M}消费/预付款{fmt_amt(minor)}港币，"
                f"实际消费金额以入账结算币种金额为准。"
            )
            scope = None
        elif r < 0.7:
            text = self.english_sms("HKD", minor, l4, str(row.card_scheme), None, t, False)
            scope = None
        else:
            text = self.english_sms("HKD", minor, l4, str(row.card_scheme), SHOPS["HK_MK"].latin, t, False)
            scope = frozenset()
        lo, hi = self.minute_ev(t)
        self.sms_proof(
            cat,
            row,
            text,
            {"amount": minor, "cur": "HKD", "lo": lo, "hi": hi, "l4": l4, "scope": scope, "day": t.date()},
            hostile=True,
            note=f"HKD, copies CNY sale {row.txn_id}",
        )

    def gen_replay_or_edit(self, cat: str) -> None:
        """A real wallet screen shown again: its date edited to a later day (replay) or its time edited (same day)
        to fit another sale of the same amount (field guide 5)."""
        for _ in range(50):
            row = self.any_row(
                "wallet SH/SZ",
                lambda s: s["shop"].isin(["SH_JAS", "SZ_FT"]) & s.channel.isin(["wechat", "alipay"]),
            )
            t1 = self.local(row)
            idx = self.by_amount.get((int(row.amount_minor), "CNY"), [])
            targets = []
            for i in self.rng.sample(idx, k=min(len(idx), 40)):
                tr = self.sales.iloc[i]
                if tr.txn_id == row.txn_id or tr["shop"] not in ("SH_JAS", "SZ_FT"):
                    continue
                t2 = self.local(tr)
                if (cat == "h_replay" and t2.date() > t1.date()) or (
                    cat == "h_edited_time" and t2.date() == t1.date()
                ):
                    targets.append((tr, t2))
            if targets:
                break
        else:
            return
        tr, t2 = targets[0]
        shown = t2.replace(second=self.rng.randrange(60)) if self.rng.random() < 0.5 else t2
        shop = SHOPS[row["shop"]]
        obj = self.screen(row, shown, int(row.amount_minor), shop.name)
        keep_number = self.rng.random() < 0.7
        if not keep_number:  # the number cropped off: only the edited time and the amount speak
            obj.pop("交易单号", None)
            obj.pop("交易订单号", None)
        lo, hi = shown.astimezone(UTC) - timedelta(seconds=60), shown.astimezone(UTC) + timedelta(seconds=60)
        self.add(
            cat,
            "screens",
            row,
            True,
            {
                "amount": int(row.amount_minor),
                "cur": "CNY",
                "l4": None,
                "scope": None,
                "lo": lo,
                "hi": hi,
                "day": shown.date(),
                "wallet": str(row.wallet_txn_id) if keep_number else None,
                "number_date": t1.date() if keep_number else None,
                "number_sale": str(row.txn_id),
            },
            obj,
            note=f"real {row.txn_id} at {t1:%m-%d %H:%M:%S}, shown {shown:%m-%d %H:%M:%S} to fit {tr.txn_id}",
        )


# category -> (share of --proofs, method name)
PLAN: dict[str, tuple[float, str]] = {
    "hk_sms_en": (0.11, "gen_hk_sms_en"),
    "cn_card_in_hk_sms": (0.04, "gen_cn_card_in_hk"),
    "hk_card_in_cn_sms": (0.05, "gen_hk_card_in_cn"),
    "cn_sms": (0.06, "gen_cn_sms"),
    "hsbc_hk_hkd": (0.07, "gen_hsbc"),
    "hsbc_cn_cny": (0.04, "gen_hsbc"),
    "fx_no_orig": (0.05, "gen_hsbc"),
    "fx_dcc": (0.02, "gen_hsbc"),
    "fx_with_orig": (0.04, "gen_bocom_fx"),
    "hsbc_debit": (0.04, "gen_hsbc_debit"),
    "wallet_screen": (0.08, "gen_wallet_screen"),
    "counter_hk_minute": (0.04, "gen_counter"),
    "counter_hk_hour": (0.03, "gen_counter"),
    "counter_hk_range": (0.03, "gen_counter"),
    "counter_sh_minute": (0.04, "gen_counter"),
    "counter_sh_hour": (0.03, "gen_counter"),
    "counter_sh_range": (0.03, "gen_counter"),
    "h_other_branch": (0.05, "gen_elsewhere"),
    "h_other_brand": (0.04, "gen_elsewhere"),
    "h_other_currency": (0.04, "gen_other_currency"),
    "h_replay": (0.03, "gen_replay_or_edit"),
    "h_edited_time": (0.03, "gen_replay_or_edit"),
}


def generate(world: World, seed: int, n: int) -> list[Proof]:
    """Draw about ``n`` proofs in the plan's shares, then shuffle them (deterministic per seed)."""
    g = Generator(world, seed)
    for cat, (share, meth) in PLAN.items():
        for _ in range(max(1, round(share * n))):
            getattr(g, meth)(cat)
    g.rng.shuffle(g.proofs)
    return g.proofs


HSBC_CREDIT_COLS = [
    "Transaction date",
    "Post date",
    "Description",
    "Billing amount",
    "Billing currency",
    "Transaction status",
    "Merchant name",
    "Country / region",
    "Area / district",
    "Credit / Debit",
]
HSBC_DEBIT_COLS = ["Date", "Description", "Billing amount", "Billing currency", "Balance", "Balance currency"]
BOCOM_COLS = ["交易日期", "记账日期", "交易说明", "交易币种/金额", "入账币种/金额"]


def _csv_cell(v: str) -> str:
    return '"' + v.replace('"', '""') + '"' if ("," in v or '"' in v) else v


def write_files(proofs: list[Proof], out: Path) -> dict[str, tuple[Path, list[Proof]]]:
    """Write each file channel; a proof's place in its file is its list position (row ``k`` of the file)."""
    groups: dict[str, list[Proof]] = {}
    for p in proofs:
        if p.channel != "counter":
            groups.setdefault(p.channel, []).append(p)
    files: dict[str, tuple[Path, list[Proof]]] = {}
    for ch, ps in groups.items():
        if ch == "sms":
            path = out / "captured_messages.json"
            path.write_text(
                json.dumps([p.payload for p in ps], ensure_ascii=False, indent=None), encoding="utf-8"
            )
        elif ch == "screens":
            path = out / "screens.json"
            lines = (
                ["["]
                + [
                    json.dumps(p.payload, ensure_ascii=False) + ("," if i < len(ps) - 1 else "")
                    for i, p in enumerate(ps)
                ]
                + ["]"]
            )
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        else:
            cols = {
                "hsbc_credit": HSBC_CREDIT_COLS,
                "hsbc_debit": HSBC_DEBIT_COLS,
                "bocom_credit": BOCOM_COLS,
            }[ch]
            path = out / f"{ch}.csv"
            body = [",".join(cols)]
            for p in ps:
                cells = []
                for c in cols:
                    v = str(p.payload[c])
                    cells.append(f'"{v}"\t' if c in ("Billing amount", "Balance") else _csv_cell(v))
                body.append(",".join(cells))
            path.write_text("\n".join(body) + "\n", encoding="utf-8")
        files[ch] = (path, ps)
    return files
