"""Counter sessions after period 1 (field guide 5 and 6), and the strangers' sales some of them meet.

Every session is one customer at the counter with the evidence a customer brings: a card SMS read out (the
minute and the last 4), a wallet detail screen (its 交易单号), or words (the day and the hour, and the last 4 when
they remember it). A *trap* session has a stranger's sale of the same amount on the same terminal placed at the
minute the terminal's old clock offset would move onto the customer's: if the clock was set right after period 1
(or the vendor's re-export corrected it), the old offset carries the stranger's sale onto the customer's minute.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from .world import CLOSE_H, CURRENCY, MERCHANT_NAME, OPEN_H, P1_START, P2_START, World, make_sale

CATEGORIES = [
    ("control", "plain genuine proofs: SMS minute + last 4 (clock right), wallet screen, words with last 4"),
    ("p2_clock_kept", "period-2 sale, the terminal's clock kept its offset; SMS minute + last 4"),
    (
        "p2_clock_set_right",
        "period-2 sale, the terminal's clock was set right after period 1; SMS minute + last 4",
    ),
    (
        "p1_after_growth",
        "period-1 sale on an off terminal, asked after the journal grew; SMS minute + last 4",
    ),
    ("trap_last4", "a stranger's sale of the amount at the old offset's minute; SMS minute + last 4"),
    ("trap_minute_only", "the same trap; the minute said, no card (words or a wallet-less notification)"),
    (
        "reexport_last4",
        "vendor re-export, one terminal's times corrected; stranger at the old minute; + last 4",
    ),
    ("reexport_minute_only", "vendor re-export; stranger at the old offset's minute; minute only"),
    ("replaced_terminal", "sale on the terminal replaced after period 1 (or on its successor)"),
    ("replay_same", "the same proof again after it was reprinted (field guide 5: a replay)"),
    ("replay_other", "another proof of a sale already reprinted"),
]


@dataclass
class Evidence:
    """What the customer shows or says, as the clerk can use it."""

    amount_minor: int
    start: datetime | None  # the window the evidence states (shop zone)
    end: datetime | None
    last4: str = ""
    wallet_txn_id: str = ""
    typed: list[str] = field(default_factory=list)  # find's typed options
    proof_json: dict[str, str] | None = None  # a wallet screen (docs/proofs.md, Screenshot JSON schema)


@dataclass
class Session:
    """One customer at the counter."""

    sid: str
    cat: str
    phase: str  # "grow" or "reexport"
    truth: str  # the customer's txn_id
    evidence: Evidence
    stranger: str = ""
    replay_of: str = ""
    note: str = ""

    def find_args(self, folder: Path) -> list[str]:
        if self.evidence.proof_json is not None:
            p = folder / f"{self.sid}.json"
            p.write_text(json.dumps(self.evidence.proof_json, ensure_ascii=False), encoding="utf-8")
            return ["--proof", str(p)]
        return list(self.evidence.typed)


def money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def sms_minute(s_amount: int, t: datetime, last4: str) -> Evidence:
    """A card SMS read out: the minute and the last 4 (field guide 1.2: seconds are rare)."""
    m = t.replace(second=0, microsecond=0)
    typed = ["--amount", money(s_amount), "--time", m.strftime("%Y-%m-%d %H:%M"), "--currency", CURRENCY]
    if last4:
        typed += ["--last4", last4]
    return Evidence(s_amount, m, m + timedelta(seconds=59), last4=last4, typed=typed)


def words_hour(s_amount: int, t: datetime, last4: str) -> Evidence:
    """Words at the counter: the date and the hour (14点), and the last 4."""
    h = t.replace(minute=0, second=0, microsecond=0)
    # as said: 上午11点, 12点, 下午3点, 晚上7点 (a bare 11点 is refused as 11:00 or 23:00, docs/cli.md)
    if h.hour < 12:
        said = f"上午{h.hour}点"
    elif h.hour == 12:
        said = "12点"
    elif h.hour < 18:
        said = f"下午{h.hour - 12}点"
    else:
        said = f"晚上{h.hour - 12}点"
    typed = ["--amount", money(s_amount), "--time", h.strftime("%Y-%m-%d ") + said, "--currency", CURRENCY]
    if last4:
        typed += ["--last4", last4]
    return Evidence(s_amount, h, h + timedelta(hours=1), last4=last4, typed=typed)


def wallet_screen(s_amount: int, t: datetime, number: str, channel: str) -> Evidence:
    """A WeChat Pay / Alipay detail screen: time to the second, 交易单号, the shop (field guide 4.1, 4.4)."""
    app = "微信" if channel == "wechat" else "支付宝"
    data = {
        "app": app,
        "amount": "-" + money(s_amount),
        "time": t.strftime("%Y-%m-%d %H:%M:%S"),
        "merchant": MERCHANT_NAME,
        "交易单号": number,
        "status": "支付成功",
    }
    return Evidence(s_amount, t, t, wallet_txn_id=number, proof_json=data)


def _open(t: datetime) -> bool:
    return OPEN_H <= t.hour < CLOSE_H and t.hour * 60 + t.minute <= CLOSE_H * 60 - 2


def _period(t: datetime) -> int:
    return 1 if t.date() < P2_START else 2


class Planner:
    """Picks customers' sales and plants strangers' sales in the world, before the journals are written."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.rng = world.rng
        self.used: set[str] = set()
        self.sessions: list[Session] = []
        self.n = 0

    def _pick(self, pred, k: int) -> list:  # type: ignore[no-untyped-def]
        pool = [
            s
            for s in self.w.sales
            if s.status == "approved"
            and s.txn_type == "sale"
            and not s.planted
            and s.txn_id not in self.used
            and pred(s)
        ]
        self.rng.shuffle(pool)
        out = pool[:k]
        self.used.update(s.txn_id for s in out)
        return out

    def _add(self, cat: str, phase: str, sale, ev: Evidence, stranger: str = "", note: str = "") -> None:  # type: ignore[no-untyped-def]
        self.n += 1
        self.sessions.append(
            Session(f"S{self.n:03d}", cat, phase, sale.txn_id, ev, stranger=stranger, note=note)
        )

    def _plant(self, sale, true_ts: datetime) -> str:  # type: ignore[no-untyped-def]
        """A stranger's card sale of the same amount on the same terminal, another card."""
        last4 = sale.last4
        while last4 == sale.last4:
            last4 = f"{self.rng.randrange(10000):04d}"
        ids = _IdsProxy(self.w)
        st = make_sale(
            self.rng,
            ids,
            terminal=sale.terminal,
            true_ts=true_ts,
            amount_minor=sale.amount_minor,
            channel="card",
            period=_period(true_ts),
            last4=last4,
            planted=True,
        )
        self.w.sales.append(st)
        self.used.add(st.txn_id)
        return st.txn_id

    def plan(self, scale: float = 1.0) -> list[Session]:
        w = self.w
        t_off = {t.tid: t for t in w.terminals.values()}
        kept = next(t for t in t_off.values() if t.fate == "same" and abs(t.offset_s) > 120)
        setr = next(t for t in t_off.values() if t.fate == "set_right")
        fixed = t_off[w.fixed_terminal]

        def k(n: int) -> int:
            return max(1, round(n * scale))

        # control: a right clock, wallet screens, words with the last 4
        for s in self._pick(lambda s: s.channel == "card" and s.terminal == "31000003", k(3)):
            self._add("control", "grow", s, sms_minute(s.amount_minor, s.true_ts, s.last4), note="sms")
        for s in self._pick(lambda s: s.channel in ("wechat", "alipay"), k(3)):
            self._add(
                "control",
                "grow",
                s,
                wallet_screen(s.amount_minor, s.true_ts, s.wallet_txn_id, s.channel),
                note="wallet",
            )
        for s in self._pick(lambda s: s.channel == "card" and s.terminal == "31000003", k(2)):
            self._add(
                "control", "grow", s, words_hour(s.amount_minor, s.true_ts, s.last4), note="words+last4"
            )
        for s in self._pick(lambda s: s.channel == "card" and s.terminal == kept.tid and s.period == 2, k(4)):
            self._add("p2_clock_kept", "grow", s, sms_minute(s.amount_minor, s.true_ts, s.last4), note="sms")
        for s in self._pick(lambda s: s.channel == "card" and s.terminal == setr.tid and s.period == 2, k(4)):
            self._add(
                "p2_clock_set_right", "grow", s, sms_minute(s.amount_minor, s.true_ts, s.last4), note="sms"
            )
        for s in self._pick(
            lambda s: s.channel == "card" and s.terminal in (kept.tid, setr.tid) and s.period == 1, k(4)
        ):
            self._add(
                "p1_after_growth", "grow", s, sms_minute(s.amount_minor, s.true_ts, s.last4), note="sms"
            )

        # traps after growth: the stranger at the minute the old offset points to
        def trap(cat: str, term, phase: str, with_last4: bool, period: int | None) -> None:  # type: ignore[no-untyped-def]
            o = timedelta(seconds=term.offset_s)

            def stranger_ts(s) -> datetime:  # type: ignore[no-untyped-def]
                if phase == "reexport" or term.fate == "set_right":
                    # logged right; the old offset moves a row logged at t + o onto t
                    return s.true_ts + o
                # clock kept: the customer's row is logged at t + o; a row logged at t (true t - o) fits by its
                # logged time if the clock was set right
                return s.true_ts - o

            def ok(s) -> bool:  # type: ignore[no-untyped-def]
                if s.channel != "card" or s.terminal != term.tid or (period and s.period != period):
                    return False
                st = stranger_ts(s)
                if not _open(st) or not _open(s.true_ts):
                    return False
                if phase == "grow" and _period(st) != 2:
                    return False
                return P1_START <= st.date() < P2_START + timedelta(days=6)

            for s in self._pick(ok, 1):
                jitter = timedelta(seconds=self.rng.randint(-15, 15))
                st_id = self._plant(s, stranger_ts(s) + jitter)
                ev = sms_minute(s.amount_minor, s.true_ts, s.last4 if with_last4 else "")
                self._add(cat, phase, s, ev, stranger=st_id, note=f"{term.tid} {term.fate}")

        for i in range(k(4)):
            trap("trap_last4", setr if i % 2 == 0 else kept, "grow", True, 2)
        for i in range(k(4)):
            trap("trap_minute_only", setr if i % 2 == 0 else kept, "grow", False, 2)
        for _ in range(k(3)):
            trap("reexport_last4", fixed, "reexport", True, None)
        for _ in range(k(3)):
            trap("reexport_minute_only", fixed, "reexport", False, None)

        # the replaced terminal and its successor
        for s in self._pick(lambda s: s.channel == "card" and s.terminal == w.replaced, k(2)):
            self._add(
                "replaced_terminal",
                "grow",
                s,
                sms_minute(s.amount_minor, s.true_ts, s.last4),
                note="sms, old terminal",
            )
        for s in self._pick(lambda s: s.channel in ("wechat", "alipay") and s.terminal == w.replaced, 1):
            self._add(
                "replaced_terminal",
                "grow",
                s,
                wallet_screen(s.amount_minor, s.true_ts, s.wallet_txn_id, s.channel),
                note="wallet, old terminal",
            )
        for s in self._pick(lambda s: s.channel == "card" and s.terminal == w.successor, 1):
            self._add(
                "replaced_terminal",
                "grow",
                s,
                sms_minute(s.amount_minor, s.true_ts, s.last4),
                note="sms, successor",
            )
        return self.sessions

    def replays(self, done: list[Session], right: set[str], n_same: int, n_other: int) -> list[Session]:
        """Replays of proofs already reprinted, and other proofs of sales already reprinted."""
        by_id = self.w.by_id()
        pool = [s for s in done if s.sid in right and s.phase == "grow" and not s.replay_of]
        self.rng.shuffle(pool)
        out: list[Session] = []
        for s in pool[:n_same]:
            self.n += 1
            out.append(
                Session(
                    f"S{self.n:03d}",
                    "replay_same",
                    s.phase,
                    s.truth,
                    s.evidence,
                    replay_of=s.sid,
                    note=f"again: {s.note}",
                )
            )
        for s in pool[n_same : n_same + n_other]:
            sale = by_id[s.truth]
            if sale.channel == "card" and s.note == "words+last4":
                ev = sms_minute(sale.amount_minor, sale.true_ts, sale.last4)
                note = "sms minute + last4"
            elif sale.channel == "card":
                ev = words_hour(sale.amount_minor, sale.true_ts, sale.last4)
                note = "words hour + last4"
            else:
                ev = sms_minute(sale.amount_minor, sale.true_ts, "")
                note = "words: the minute"
            self.n += 1
            out.append(
                Session(f"S{self.n:03d}", "replay_other", s.phase, s.truth, ev, replay_of=s.sid, note=note)
            )
        return out


class _IdsProxy:
    """Ids for planted rows, after the world's own (txn ids continue, RRNs stay unique)."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.rng = world.rng

    def txn(self) -> str:
        n = max(int(s.txn_id[1:]) for s in self.w.sales) + 1
        return f"T{n:08d}"

    def next_stan(self, tid: str) -> str:
        n = sum(1 for s in self.w.sales if s.terminal == tid and s.channel == "card") + 1
        return f"{900000 + n:06d}"

    def rrn(self) -> str:
        used = {s.rrn for s in self.w.sales}
        while True:
            r = "".join(self.rng.choice("0123456789") for _ in range(12))
            if r not in used:
                return r
