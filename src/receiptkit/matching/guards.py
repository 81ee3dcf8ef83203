"""Guards: proofs that may not be ``matched`` to their best candidate, whatever its posterior.

Two situations where the posterior is computed on a premise the evidence
does not support, so the proof stays ``ambiguous`` (never a stranger's
receipt; a clerk can still ask for more):

- **A clock change whose segment is unclear** (:func:`.clocks.clock_doubt`):
  the proof's window holds a possible place of a row logged near a terminal's
  clock change; its sale may be that row, logged on the other side.
- **A card's message against a wallet's row.** A bank SMS or app push that shows the card (its last 4 or a 3-digit tail) and names
  the payee *without* any wallet or channel word describes a card payment:
  when a card pays through WeChat Pay or Alipay, the bank's text names the
  wallet in front of the payee. Field guide 1.1 and 2.1 (pattern 1, "wallet or
  channel prefix + payee"): CMB ``在财付通-滴滴出行快捷支付``, ICBC
  ``支出(消费支付宝-北京三快在线科技有限公司)``, ABC ``完成财付通交易`` / ``完成支付宝交易``,
  广东农信 ``财付通支付支出``, 光大 ``财付通 华强电子世界``, 平安 ``财付通-``, 浦发
  ``支付宝-``, 邮储 ``微信支付（财付通）-`` and ``快捷支付``; ICBC's card purchase
  reads ``支出(银联消费)``. So a WeChat or Alipay row that shows no card is not
  that payment's row; when it is the best candidate, the card's own row may lie
  outside the window (a terminal clock off: seed 203 of the second clean room
  matched an ICBC ``支出(消费上海蜀香阁餐饮管理有限公司)`` to a WeChat sale of the
  same minute and amount on another terminal). A message with no payee at all
  (CCB ``尾号1234信用卡人民币消费``, CMB's credit push, BOC) says nothing either way
  and is not guarded; nor is one that names a platform or aggregator (美团,
  收钱吧, 拉卡拉), which take both.
- **A refunded payment against a sale not refunded.** A wallet record whose
  status says the payment was fully refunded (WeChat ``已全额退款``, Alipay
  ``退款成功`` on a payment, field guide 4.3 and 4.4: the status is shown beside
  the original payment) is a payment that was made and given back: its sale is
  in the journal with a refund or void pointing at it (``original_txn_id``).
  It may be matched to such a sale only, never to a later sale of the same
  amount that nothing refunded (the customer who bought the same again); when
  none fits it stays ``unmatched`` with ``proof_not_paid``, as before.
- **A wallet record whose number and date disagree.** WeChat Pay's 交易单号
  and Alipay's 交易订单号 carry the date the wallet's servers gave the order
  (``4200`` + 6 digits + ``YYYYMMDD`` + …; ``YYYYMMDD`` + …, field guide 4.2,
  4.4). A payment record that shows neither that date nor the next day within
  :attr:`MatchPolicy.number_date_tolerance_hours` of its start contradicts
  itself: a screen whose time was edited, or an old payment shown again (field
  guide 5, "edited proofs, where the ID's embedded date disagrees with the
  shown date"). Whatever sale it fits, it is not matched: it stays
  ``ambiguous`` (or ``unmatched``) with the flag ``number_date_disagrees`` and
  a reason naming both dates, so the clerk checks the payment in the
  customer's app. A refund record is not read so (its visible number is the
  original payment's, 4.4), nor a masked number.
- **One payment, proved twice.** A wallet transaction number names one
  payment (field guide 4.2, 4.4; field guide 5 asks for "re-used proofs, where
  the same 交易单号 is presented twice"). Payment records of one batch that show
  the same whole number are one payment: none of them is matched (flag
  ``number_shown_twice``, the reason names the others), since at most one is
  the customer's own and an edited copy may fit another sale (seen: the same
  number at 12:00 and at 12:20 matched two sales); but where the journal holds
  the number on a sale, the one record agreeing with that sale (amount, and
  time within its window) is the payment and may be matched
  (:func:`twice_blocked`); where it does not, the one record that shows the date
  its number carries, when every other one contradicts its own number (a copy
  edited to fit a sale of another day), is the payment; and of copies of one
  record (the same amount, time and date: a bill row and its screen,
  :func:`copies_of`) the first by ``proof_id`` is. And a payment record whose
  whole number is on a sale of the journal is that sale or none: it is never
  matched to another row (flag ``number_on_another_sale``), also when that
  sale is taken by another proof or lies outside its window (before, a second
  record of a taken sale's number was matched to a sale of the same amount 20
  minutes later). Nor is it matched to that sale when it shows another amount
  in the sale's currency (flag ``number_amount_differs``): an edited screen
  (or a discount the clerk can see in the customer's app); before, a WeChat
  record showing 121.00 was matched at 100 % to the 88.00 sale its number
  names. Masked numbers and refund records (whose number may be the
  original payment's) are not read so. Within one ``match`` call (``match_dask``
  plans the records showing one number into one task).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

import numpy as np
import pandas as pd

from receiptkit.matching.channel import number_dates, proof_wallets_of
from receiptkit.matching.clocks import _duration, beyond_doubt, beyond_rivals, clock_doubt
from receiptkit.matching.evidence import ProofArrays, whole_ids
from receiptkit.matching.index import JournalIndex
from receiptkit.matching.policy import MatchPolicy
from receiptkit.matching.text import normalise_merchant
from receiptkit.money import exponent, format_minor

__all__ = [
    "card_text_without_wallet",
    "copies_of",
    "guards",
    "number_date_disagrees",
    "number_holders",
    "number_time_disagrees",
    "numbers_shown_twice",
    "twice_blocked",
]

# a wallet, online or QR channel, or a platform or aggregator that takes wallets (field guide 1.1, 2.1, 2.2)
_WALLET_WORDS = re.compile(
    r"财付通|支付宝|微信|TENPAY|ALIPAY|WECHAT|WEIXIN|WXPAY|快捷支付|网上支付|网银|在线支付|银联在线|二维码|扫码|"
    r"云闪付|美团|京东|钱袋宝|抖音|抖店|多多支付|拼多多|淘宝|天猫|翼支付|联通支付|收钱吧|拉卡拉|汇付|银盛|通联|"
    r"富友|随行付|乐刷|平台商户|特约商户|饿了么|滴滴"
)
# the bank's own messages (field guide 1.1); a statement line (2.1) names the wallet too in the samples, but
# an evaluation whose statement lines of wallet payments carry the bare descriptor lost 7 true matches of
# 144 on one seed: statements are left to the evidence as before
_CARD_KINDS = ("sms", "issuer_app")
_WALLET_CHANNELS = ("wechat", "alipay")


def card_text_without_wallet(proofs: ProofArrays) -> np.ndarray:
    """Which proofs are a card's text naming a payee with no wallet or channel word (module docstring)."""
    frame = proofs.frame
    n = len(frame)
    out = np.zeros(n, dtype=bool)
    if not n or "kind" not in frame.columns:
        return out
    kind = frame["kind"].astype(object).to_numpy()
    card = proofs.last4_code >= 0 if proofs.last4_code is not None else np.zeros(n, dtype=bool)
    if proofs.tail_code is not None:
        card = card | (proofs.tail_code >= 0)
    asked = np.flatnonzero(np.isin(kind, _CARD_KINDS) & card & (proofs.side == 0))
    raws = frame["raw"].to_numpy(dtype=object) if "raw" in frame.columns else np.full(n, None, dtype=object)
    for k in asked:
        text = proofs.merchant[k]
        if text is None or not str(text).strip():
            continue  # no payee: nothing said either way
        raw = raws[k]
        whole = raw.get("text") if isinstance(raw, dict) else None
        words = unicodedata.normalize("NFKC", f"{text} {whole or ''}").upper()
        out[k] = _WALLET_WORDS.search(words) is None
    return out


def _shown_dates(proofs: ProofArrays) -> np.ndarray:
    """Per proof, the date it shows in China time (``datetime64[D]``): its time's, else its ``date``."""
    frame = proofs.frame
    n = len(frame)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    if "ts" in frame.columns:
        ts = pd.to_datetime(frame["ts"], utc=True)
        has = ts.notna().to_numpy()
        local = ts[has].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
        out[has] = local.to_numpy().astype("datetime64[D]")
    if "date" in frame.columns:
        rest = np.isnat(out)
        dates = pd.to_datetime(frame["date"], errors="coerce")
        if getattr(dates.dt, "tz", None) is not None:
            dates = dates.dt.tz_localize(None)
        out[rest] = dates.to_numpy()[rest].astype("datetime64[D]")
    return out


def _shown_clocks(proofs: ProofArrays) -> np.ndarray:
    """Per proof, the seconds since midnight (China time) of the time it shows; NaN: a date only."""
    frame = proofs.frame
    out = np.full(len(frame), np.nan)
    if "ts" in frame.columns:
        ts = pd.to_datetime(frame["ts"], utc=True)
        has = ts.notna().to_numpy()
        local = ts[has].dt.tz_convert("Asia/Shanghai")
        out[has] = (local - local.dt.normalize()).dt.total_seconds().to_numpy()
    return out


def number_date_disagrees(proofs: ProofArrays, tolerance_hours: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Per proof: whether it is a payment record that shows neither the date its number carries
    (:func:`.channel.number_dates`) nor the next day within ``tolerance_hours`` of its start (module docstring),
    and that number's date (NaT: none)."""
    frame = proofs.frame
    n = len(frame)
    if not n or "kind" not in frame.columns:
        return np.zeros(n, dtype=bool), np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    carried = proofs.per_proof(
        "number_dates",
        lambda every: number_dates(every.frame["kind"].astype(object).to_numpy(), every.wallet),
    )
    shown = proofs.per_proof("shown_dates", _shown_dates)
    both = ~np.isnat(carried) & ~np.isnat(shown) & (proofs.side == 0)
    gap = np.zeros(n, dtype=np.int64)
    gap[both] = (shown[both] - carried[both]).astype(np.int64)
    clock = proofs.per_proof("shown_clocks", _shown_clocks)
    early = np.isnan(clock) | (clock < 3600.0 * float(tolerance_hours))
    ok = (gap == 0) | ((gap == 1) & (float(tolerance_hours) > 0) & early)
    return both & ~ok, carried


def _whole_numbers(proofs: ProofArrays) -> np.ndarray:
    """Per proof: its whole wallet number, normalised (:func:`.evidence.whole_ids`), for a payment; else None."""
    out = whole_ids(np.asarray(proofs.wallet, dtype=object))
    out[proofs.side != 0] = None
    return out


def numbers_shown_twice(proofs: ProofArrays) -> dict[int, list[int]]:
    """Payment records of the batch showing a whole wallet number another one shows too: by proof position,
    the positions of the others (module docstring)."""
    whole = proofs.per_proof("whole_numbers", _whole_numbers)
    shown = np.flatnonzero(pd.notna(whole))
    if len(shown) < 2:
        return {}
    numbers = pd.Series(whole[shown], dtype=object)
    twice = numbers.duplicated(keep=False).to_numpy()
    if not twice.any():
        return {}
    groups: dict[str, list[int]] = {}
    for k, number in zip(shown[twice].tolist(), numbers[twice].tolist(), strict=True):
        groups.setdefault(str(number), []).append(int(k))
    return {k: [o for o in ks if o != k] for ks in groups.values() for k in ks}


def number_holders(index: JournalIndex, proofs: ProofArrays) -> tuple[np.ndarray, np.ndarray]:
    """(proof position, journal row) pairs: the approved sales whose ``wallet_txn_id`` is a payment record's whole
    number (module docstring)."""
    e = np.empty(0, dtype=np.int64)
    if "wallet_txn_id" not in index.journal.columns or not len(proofs):
        return e, e.copy()
    # once per batch and journal: the guards, their notes and the result read it several times
    cache = proofs.__dict__.setdefault("_rk_number_holders", {})
    key = (id(index), len(index))
    if key not in cache:
        cache[key] = _number_holders(index, proofs)
    return cache[key]


def _number_holders(index: JournalIndex, proofs: ProofArrays) -> tuple[np.ndarray, np.ndarray]:
    e = np.empty(0, dtype=np.int64)
    whole = proofs.per_proof("whole_numbers", _whole_numbers)
    if not pd.notna(whole).any():
        return e, e.copy()
    q, rows = index.lookup("wallet_txn_id", whole)
    keep = index.side[rows] == 0
    return q[keep], rows[keep]


def _money(minor: int, currency: str) -> str:
    return f"{format_minor(minor, currency)} {currency}"


def _rate_of(index: JournalIndex, proofs: ProofArrays, p: int, r: int, policy: MatchPolicy | None):
    """The billing rate of the sale's currency in the record's (``MatchPolicy.fx_rates``, given or learned), or
    None; and the two currencies."""
    sale = str(index.currencies[index.currency_code[r]])
    shown = str(proofs.currency[p])
    rates = policy.fx_rates if policy is not None else {}
    return rates.get((sale, shown)), sale, shown


def _converts(index: JournalIndex, proofs: ProofArrays, p: int, r: int, policy: MatchPolicy | None) -> bool:
    """Whether a record in another currency than the sale its number is on shows that sale's amount at the
    billing rate (``fx_tolerance`` below, ``fx_tolerance`` + ``fx_fee_max`` above, as the ``fx`` band); False
    when no rate is known: the amount cannot be checked."""
    rate, sale, shown = _rate_of(index, proofs, p, r, policy)
    if rate is None or policy is None:
        return False
    expected = (
        Decimal(int(index.amount[r]))
        / (Decimal(10) ** exponent(sale))
        * Decimal(rate)
        * Decimal(10) ** exponent(shown)
    )
    paid = Decimal(int(proofs.amount[p]))
    low = expected * (1 - policy.fx_tolerance)
    high = expected * (1 + policy.fx_tolerance + policy.fx_fee_max)
    return low <= paid <= high


def amount_differs(index: JournalIndex, proofs: ProofArrays, policy: MatchPolicy | None = None) -> np.ndarray:
    """Per proof: a payment record whose whole number is on a sale of the journal in the proof's currency, of
    another amount (module docstring); or in another currency, not at the billing rate (``policy.fx_rates``) or
    with no rate known to check it (a mainland wallet shows a Hong Kong sale in yuan: clean room 6 matched an
    edited one at 100 % on its number)."""
    q, rows = number_holders(index, proofs)
    out = np.zeros(len(proofs), dtype=bool)
    if len(q):
        same_currency = proofs.cur_code[q] == index.currency_code[rows]
        out[q[same_currency & (proofs.amount[q] != index.amount[rows])]] = True
        for p, r in zip(q[~same_currency].tolist(), rows[~same_currency].tolist(), strict=True):
            if not _converts(index, proofs, int(p), int(r), policy):
                out[p] = True
    return out


def twice_blocked(index: JournalIndex, proofs: ProofArrays, tolerance_hours: int = 2) -> np.ndarray:
    """Per proof: shown twice (:func:`numbers_shown_twice`) and not the one copy the evidence vouches for.

    When the journal holds the number on a sale, the one record of the group that agrees with that sale (its
    amount and currency, and the sale's corrected time inside the record's window) is the payment itself and is
    not held back; the others are. Otherwise, when exactly one record of the group shows the date its number
    carries and every other one contradicts its own number (:func:`number_date_disagrees`), that one is the
    payment: the others were edited from it. With neither, or more than one such record, all are held back.
    """
    twice = numbers_shown_twice(proofs)
    out = np.zeros(len(proofs), dtype=bool)
    if not twice:
        return out
    out[list(twice)] = True
    q, rows = number_holders(index, proofs)
    mine = out[q]
    q, rows = q[mine], rows[mine]
    agree = (
        (proofs.amount[q] == index.amount[rows])
        & (proofs.cur_code[q] == index.currency_code[rows])
        & (proofs.lo[q] <= index.ts_adj[rows])
        & (index.ts_adj[rows] <= proofs.hi[q])
    )
    agreeing = np.unique(q[agree])
    whole = proofs.per_proof("whole_numbers", _whole_numbers)
    counts = pd.Series(whole[agreeing], dtype=object).value_counts()
    for k in agreeing.tolist():
        if counts[whole[k]] == 1:
            out[k] = False
    # the journal does not hold the number: the one record true to its number's date is the payment when every
    # other one contradicts its own (a record with no number date, e.g. typed at the counter, contradicts nothing:
    # it may be the payment and the one true to its date a copy edited within the day)
    disagrees, carried = number_date_disagrees(proofs, tolerance_hours)
    group = np.array(sorted(twice), dtype=np.int64)
    group = group[~np.isin(group, q)]  # where the journal holds the number, it alone vouches
    consistent = ~disagrees[group] & ~np.isnat(carried[group])
    kinds = pd.DataFrame(
        {"consistent": consistent, "contradicts": disagrees[group], "size": 1},
        index=pd.Index(whole[group], dtype=object),
    )
    per_number = kinds.groupby(level=0, sort=False).transform("sum")
    alone = (per_number["consistent"].to_numpy() == 1) & (
        per_number["contradicts"].to_numpy() == per_number["size"].to_numpy() - 1
    )
    out[group[alone & consistent]] = False
    # copies of one record (a screen and its bill row): one of them is the payment, the others are copies of it.
    # Where the journal's sale already told one of them for the payment, that one stays; else the first by id
    # (before, a copy was held back again after the sale had told it for the payment: neither was matched)
    for first in sorted(set(copies_of(proofs, tolerance_hours).values())):
        if out[first] and out[twice[first]].all():  # nothing else in the group was told for the payment
            out[first] = False
    return out


_COPY_SPAN_S = (
    60  # copies of one record show its time within a minute (a bill row and its screen: the same second)
)


def copies_of(proofs: ProofArrays, tolerance_hours: int = 2) -> dict[int, int]:
    """Records that are copies of one record, by position: each copy -> the first of its group (by ``proof_id``).

    A group of records showing one whole number (:func:`numbers_shown_twice`) whose records all show the same
    amount and currency, times (their whole windows) within ``_COPY_SPAN_S`` of each other and none a date
    its number contradicts (:func:`number_date_disagrees`), naming one payee (each inside the longest: the
    shop's short name on a screen and its name with the branch on the bill; none named agrees with any), one
    state (paid, or refunded...) and at most one card's last 4, is one payment shown more than once (its
    WeChat bill row and the customer's screen of it): nothing in it was edited, and whichever is matched
    proves the same payment.
    """
    twice = numbers_shown_twice(proofs)
    if not twice:
        return {}
    disagrees, _ = number_date_disagrees(proofs, tolerance_hours)
    positions = np.array(sorted(twice), dtype=np.int64)
    whole = proofs.per_proof("whole_numbers", _whole_numbers)
    frame = pd.DataFrame(
        {
            "number": pd.Series(whole[positions], dtype=object).astype(str).to_numpy(),
            "amount": proofs.amount[positions],
            "currency": proofs.cur_code[positions],
            "lo": proofs.core_lo[positions],
            "hi": proofs.core_hi[positions],
            "bad": disagrees[positions],
            "id": proofs.frame["proof_id"].astype(str).to_numpy()[positions],
            "position": positions,
            "payee": [
                normalise_merchant(str(t)) if isinstance(t, str) else "" for t in proofs.merchant[positions]
            ],
            "not_paid": proofs.not_paid[positions],
            "card": [str(c) if isinstance(c, str) and c else None for c in proofs.last4[positions]],
        }
    )
    # the longest payee of each group: every payee named must be inside it (a Python step per record of the
    # groups only, which are few)
    ranked = frame.assign(n=frame["payee"].str.len()).sort_values("n", ascending=False, kind="stable")
    longest = frame["number"].map(ranked.groupby("number", sort=False)["payee"].first())
    inside = [payee in named for payee, named in zip(frame["payee"].tolist(), longest.tolist(), strict=True)]
    frame["one_payee"] = inside
    by = frame.groupby("number", sort=False)
    same = (
        (by["amount"].transform("nunique") == 1)
        & (by["currency"].transform("nunique") == 1)
        # every window inside one minute: a window (12:00-12:30 typed at the counter) and a time inside it
        # (12:00:00 on the screen) are not copies, the window may fit a stranger's sale the screen does not
        & (by["hi"].transform("max") - by["lo"].transform("min") <= _COPY_SPAN_S)
        & ~by["bad"].transform("any")
        # one payee: a record naming the shop and one naming another shop or a person are not copies (one was
        # edited); the shop's short name on a screen and its name with the branch on the bill are
        & by["one_payee"].transform("all")
        # and one state and card: a screen taken at the till (paid, card 1234) and the bill row of the number
        # saying refunded (已全额退款) or another card are not copies: a refunded payment fits only a sale the
        # journal shows refunded, and one of two records naming different cards was edited
        & (by["not_paid"].transform("nunique") == 1)
        & (by["card"].transform("nunique") <= 1)
    )
    kept = frame[same.to_numpy()].sort_values(["number", "id"], kind="stable")
    if not len(kept):
        return {}
    first = kept.groupby("number", sort=False)["position"].transform("first").to_numpy()
    mine = kept["position"].to_numpy()
    return {int(c): int(f) for c, f in zip(mine[mine != first], first[mine != first], strict=True)}


def _on_another_sale(index: JournalIndex, proofs: ProofArrays, pair_txn: np.ndarray, pair_proof: np.ndarray):
    """Per pair: its proof's whole number is on a sale of the journal, and its row is not such a sale."""
    q, rows = number_holders(index, proofs)
    out = np.zeros(len(pair_txn), dtype=bool)
    if not len(q):
        return out
    held = np.zeros(len(proofs), dtype=bool)
    held[q] = True
    n = np.int64(len(index) + 1)
    mine = np.isin(pair_proof.astype(np.int64) * n + pair_txn.astype(np.int64), q * n + rows)
    out[held[pair_proof] & ~mine] = True
    return out


def number_time_disagrees(
    index: JournalIndex, proofs: ProofArrays, tolerance_s: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per proof: whether it is a wallet record whose time disagrees with the sale its whole number is on, on a
    terminal whose clock is known; and that row (-1: none).

    A WeChat Pay or Alipay record shows the wallet's own payment time (field guide 4.2, 4.4: 支付时间 to the
    second). Where the terminal's clock offset is known (learned by the batch or kept, and in one piece), the
    sale's corrected time is the payment's: a record showing a time more than ``tolerance_s`` away from the sale
    its own number is on, both from its corrected time and from its logged time, contradicts it (an older
    payment's screen with its time edited to fit another sale; clean room 4 seed 8). A time that fits the logged
    time is the row's own stamp (an aggregator's QR row carries the channel's time, field guide 6, where the
    terminal's one offset may be its card sales' clock). Where the clock is not known, or the row's place is
    unsure, the time may be the terminal's clock, and the number decides as before (the reason says "despite
    time outside"). A record whose number is on two sales is held only when both contradict it.
    """
    n = len(proofs)
    out = np.zeros(n, dtype=bool)
    row_of = np.full(n, -1, dtype=np.int64)
    q, rows = number_holders(index, proofs)
    known = index.clock_offsets or {}
    if not len(q) or not known:
        return out, row_of
    wallets = proof_wallets_of(proofs)
    timed = proofs.precision[q] != 2  # a date alone says nothing of the time
    ask = np.flatnonzero((wallets[q] >= 0) & timed & (index.terminal_code[rows] >= 0))
    if not len(ask):
        return out, row_of
    q, rows = q[ask], rows[ask]
    segmented = set(index.clock_segments)
    # per terminal (not per record: guards() and guard_notes() each ask, for every record of the batch)
    known_code = np.array([str(t) in known and str(t) not in segmented for t in index.terminals], dtype=bool)
    # a row whose one offset would carry it out of the journal's period keeps its logged time, unsure
    sure = known_code[index.terminal_code[rows]] & ~index.offset_unsure[rows]
    t = index.ts_adj[rows]
    away = np.maximum(proofs.core_lo[q] - t, t - proofs.core_hi[q])
    # a time that fits the sale's logged time is the row's own stamp, not a contradiction: an aggregator logs a
    # QR payment at the channel's time (field guide 6), and a terminal's one offset learned mostly from its card
    # sales is their clock, not the QR rows' (tests/matching/test_edited_records.py)
    logged = index.ts_s[rows]
    away_logged = np.maximum(proofs.core_lo[q] - logged, logged - proofs.core_hi[q])
    bad = sure & (away > tolerance_s) & (away_logged > tolerance_s)
    out[q[bad]] = True
    row_of[q[bad]] = rows[bad]
    # a record whose number is on two sales (a journal logging it twice) is judged by the nearer: held only
    # when every sale holding its number disagrees on a known clock
    fine = q[~bad]
    out[fine] = False
    row_of[fine] = -1
    return out, row_of


#: The flag of a proof held because a sale logged after its terminal's kept offset was learned may be its own.
LATER_FLAG = "clock_learned_before"
#: What :func:`beyond_text` says of the sale the old offset brings onto the proof's time (left out where there is none).
LATER_BROUGHT = ", not the sale the old offset puts here"
#: What a clerk asks of a proof held so (its ``ask``): a full number names its sale whatever the clock; a last 4 does not.
LATER_ASK = (
    "ask for the payment's full transaction number (WeChat Pay, Alipay), order number or reference number (RRN) "
    "from the customer's app or bank: a number names its sale whatever the terminal's clock, a card's last 4 "
    "does not; or have the terminal's clock learned again by a reconcile of proofs of those sales"
)


def beyond_text(index: JournalIndex, terminal: str, rivals: np.ndarray | None = None) -> str:
    """Why a proof near a sale logged after its terminal's kept offset was learned is not matched, in words.

    ``rivals``: the journal rows that fit the proof by their logged time only (:func:`.clocks.beyond_rivals`);
    up to three are named (each once, however many kept clocks put it here), so that the clerk sees the sale a
    clock set right would make the customer's.
    """
    offsets = index.clock_offsets or {}
    kept = [_duration(round(offsets[terminal]))] if terminal in offsets else []
    if f"{terminal} card" in offsets:
        kept.append(f"card sales {_duration(round(offsets[f'{terminal} card']))}")
    pieces = sorted({int(p.offset_s) for p in index.clock_segments.get(terminal, ())})
    if len(pieces) > 1:
        kept.append("pieces " + ", ".join(_duration(p) for p in pieces))
    shown = f" ({'; '.join(kept)})" if kept else ""
    through = getattr(index, "learned_through", {}).get(terminal)
    if through is None:
        learned = (
            f"terminal {terminal}'s clock offset{shown} was learned from other rows than this journal holds for it "
            "(a new export, or sales added since)"
        )
    else:
        stamp = pd.Timestamp(through, unit="s", tz="UTC").tz_convert(index.tz)
        learned = (
            f"terminal {terminal}'s clock offset{shown} was learned from its sales up to "
            f"{stamp:%Y-%m-%d %H:%M}, and the customer's sale may be logged after that"
        )
    named = ""
    if rivals is not None and len(rivals):
        # a row is listed once per kept clock that puts it here (clocks.beyond_rivals): name each sale once
        rivals = rivals[np.sort(np.unique(rivals, return_index=True)[1])]
        stamps = pd.DatetimeIndex(index.ts_s[rivals[:3]].astype("datetime64[s]"), tz="UTC").tz_convert(
            index.tz
        )
        shown = ", ".join(
            f"{txn} logged {when:%Y-%m-%d %H:%M:%S}"
            for txn, when in zip(index.txn_ids(rivals[:3]), stamps, strict=True)
        )
        named = f" ({shown}{', …' if len(rivals) > 3 else ''})"
    if through is None:
        again = "reconcile proofs of its sales in this journal to learn its clock again"
    else:
        again = f"reconcile proofs of its sales after {stamp:%Y-%m-%d %H:%M} to learn its clock again"
    return (
        learned
        + f": if its clock was set right since, a sale logged at this time is the one{named}{LATER_BROUGHT}; "
        + again
    )


def guards(
    index: JournalIndex,
    proofs: ProofArrays,
    pair_txn: np.ndarray,
    pair_proof: np.ndarray,
    tolerance_hours: int = 2,
    tolerance_s: int = 300,
    policy: MatchPolicy | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per proof, the terminal code of a clock doubt (-1: none); per pair, whether it may not be matched.

    A pair may not be matched when its proof is a card's text without a
    wallet word and its row is a WeChat or Alipay sale that shows no card, when
    its proof is a refunded payment and its row a sale nothing undid, or when
    its proof is a wallet record whose number and date disagree
    (:func:`number_date_disagrees`, within ``tolerance_hours``), whose
    number another record of the batch shows too (:func:`numbers_shown_twice`),
    or whose number is on another sale (:func:`number_holders`), or whose time disagrees with the sale its number
    is on by more than ``tolerance_s`` on a terminal whose clock is known (:func:`number_time_disagrees`).
    """
    doubt = clock_doubt(index, proofs, policy)
    later = beyond_doubt(index, proofs, policy)  # a sale logged after the kept offset was learned
    doubt = np.where(doubt >= 0, doubt, later)
    blocked = np.zeros(len(pair_txn), dtype=bool)
    disagrees, _ = number_date_disagrees(proofs, tolerance_hours)
    twice = twice_blocked(index, proofs, tolerance_hours)
    if (disagrees | twice).any() and len(pair_txn):
        blocked |= (disagrees | twice)[pair_proof]
    if len(pair_txn):
        blocked |= _on_another_sale(index, proofs, pair_txn, pair_proof)
        blocked |= amount_differs(index, proofs, policy)[pair_proof]
        blocked |= number_time_disagrees(index, proofs, tolerance_s)[0][pair_proof]
    if proofs.refunded is not None and proofs.refunded.any() and len(pair_txn):
        # a refunded payment (已全额退款) is the sale the journal shows refunded or voided, never a later twin
        mine = np.flatnonzero(proofs.refunded[pair_proof])
        blocked[mine[~np.isin(pair_txn[mine], index._later_owner)]] = True
    card_only = proofs.per_proof("card_text_without_wallet", card_text_without_wallet)
    if card_only.any() and len(pair_txn) and "channel" in index.journal.columns:
        mine = np.flatnonzero(card_only[pair_proof])
        channel = index.values("channel", pair_txn[mine])
        wallet = np.isin(channel.astype(str), _WALLET_CHANNELS) & (index.last4_code[pair_txn[mine]] < 0)
        blocked[mine[wallet]] = True
    return doubt, blocked


def guard_notes(
    index: JournalIndex,
    proofs: ProofArrays,
    pair_txn: np.ndarray,
    pair_proof: np.ndarray,
    best: np.ndarray,
    tolerance_hours: int = 2,
    tolerance_s: int = 300,
    policy: MatchPolicy | None = None,
) -> tuple[dict[int, str], dict[int, set[str]]]:
    """Why each guarded proof was not matched, in words, and its flags (``number_date_disagrees``,
    ``number_shown_twice``, ``number_on_another_sale``), by proof position."""
    _, blocked = guards(index, proofs, pair_txn, pair_proof, tolerance_hours, tolerance_s, policy)
    notes: dict[int, str] = {}
    flags: dict[int, set[str]] = {}

    def add(k: int, text: str, flag: str | None = None) -> None:
        notes[k] = f"{notes[k]}; {text}" if k in notes else text
        if flag:
            flags.setdefault(k, set()).add(flag)

    # a clock change's doubt and a sale logged after a kept offset was learned: a proof may have both, say each
    changed = clock_doubt(index, proofs, policy)
    for k in np.flatnonzero(changed >= 0):
        add(
            int(k),
            f"terminal {index.terminals[changed[k]]}'s clock changed near this time and which offset applies is "
            "unclear: its sale may be logged on the other side of the change",
        )
    later = beyond_doubt(index, proofs, policy)
    rival_q, rival_r = beyond_rivals(index, proofs, policy)
    for k in np.flatnonzero(later >= 0):
        mine = rival_r[rival_q == k]
        add(int(k), beyond_text(index, str(index.terminals[later[k]]), mine), LATER_FLAG)
    disagrees, carried = number_date_disagrees(proofs, tolerance_hours)
    shown = proofs.per_proof("shown_dates", _shown_dates)
    for k in np.flatnonzero(disagrees):
        add(
            int(k),
            f"its transaction number carries the date {carried[k]} but it shows {shown[k]}: a record that "
            "contradicts itself (an edited screen, or an older payment shown again); check the payment in the "
            "customer's app",
            "number_date_disagrees",
        )
    held_twice = twice_blocked(
        index, proofs, tolerance_hours
    )  # the batch's answer, read once (not once per record)
    twice = {k: v for k, v in numbers_shown_twice(proofs).items() if held_twice[k]}
    ids = proofs.frame["proof_id"].astype(str).to_numpy()
    whole = proofs.per_proof("whole_numbers", _whole_numbers)
    copies = copies_of(proofs, tolerance_hours)
    in_copies = set(copies) | set(copies.values())
    for p_twice, others in twice.items():
        told = [o for o in others if not held_twice[o]]  # of copies, the one the sale or the first id told
        if p_twice in in_copies and len(told) == 1:
            add(
                p_twice,
                f"a copy of proof {ids[told[0]]} (the same transaction number …{str(whole[p_twice])[-8:]}, "
                "amount and time): one payment is proved once",
                "number_shown_twice",
            )
            continue
        if told:  # the journal's sale, or the other record's number date, told which one is the payment
            add(
                p_twice,
                f"proof {ids[told[0]]} shows the same transaction number (…{str(whole[p_twice])[-8:]}) and was "
                "taken for the payment (it agrees with the journal's sale of that number, or shows the date its "
                "number carries where this record does not): one payment is proved once",
                "number_shown_twice",
            )
            continue
        add(
            p_twice,
            f"{'proof' if len(others) == 1 else 'proofs'} {', '.join(ids[o] for o in others[:5])}"
            f"{', …' if len(others) > 5 else ''} {'shows' if len(others) == 1 else 'show'} the same "
            f"transaction number (…{str(whole[p_twice])[-8:]}): one payment is proved once; check which is the "
            "customer's",
            "number_shown_twice",
        )
    q, rows = number_holders(index, proofs)
    holder_of: dict[int, list[int]] = {}
    for p_held, r in zip(q.tolist(), rows.tolist(), strict=True):
        holder_of.setdefault(int(p_held), []).append(int(r))
    has = best >= 0
    best_row = np.where(has, np.append(pair_txn, -1)[np.where(has, best, len(pair_txn))], -1)
    for p_held, held in holder_of.items():
        if int(best_row[p_held]) >= 0 and int(best_row[p_held]) not in held:
            names = ", ".join(str(t) for t in index.txn_ids(np.asarray(held[:3], dtype=np.int64)))
            add(
                p_held,
                f"its transaction number is on {names}: it is that sale or none",
                "number_on_another_sale",
            )
    late, late_row = number_time_disagrees(index, proofs, tolerance_s)
    for p_late in np.flatnonzero(late).tolist():
        r = int(late_row[p_late])
        terminal = str(index.terminals[index.terminal_code[r]])
        logged = pd.Timestamp(int(index.ts_s[r]), unit="s", tz="UTC").tz_convert(index.tz)
        shown = pd.Timestamp(int(proofs.core_lo[p_late]), unit="s", tz="UTC").tz_convert(index.tz)
        offset = int(index.ts_s[r] - index.ts_adj[r])  # the row's own clock's (a card sale's may be its own)
        add(
            int(p_late),
            f"its transaction number is on {index.txn_ids(np.asarray([r], dtype=np.int64))[0]}, logged "
            f"{logged:%Y-%m-%d %H:%M:%S} by terminal {terminal}, whose clock is known ({float(offset):+.0f} s), but "
            f"it shows {shown:%Y-%m-%d %H:%M:%S}: a record that contradicts its own sale (an older payment's "
            "screen with its time edited?); check the payment in the customer's app",
            "number_time_disagrees",
        )
    differs = amount_differs(index, proofs, policy)
    for p_held in np.flatnonzero(differs).tolist():
        held = holder_of.get(int(p_held), [])
        unchecked = ""
        if held:
            rate, sale, shown = _rate_of(index, proofs, int(p_held), held[0], policy)
            if sale != shown:
                unchecked = (
                    f"; no {sale} to {shown} rate is known to check it (MatchPolicy.fx_rates, or the rates a "
                    "reconcile learned)"
                    if rate is None
                    else f"; at the rate of {rate} {shown} per {sale} that sale is "
                    f"{Decimal(int(index.amount[held[0]])) / Decimal(10) ** exponent(sale) * Decimal(rate):.2f} {shown}"
                )
        sales = ", ".join(
            f"{t} ({_money(int(index.amount[r]), str(index.currencies[index.currency_code[r]]))})"
            for t, r in zip(index.txn_ids(np.asarray(held[:3], dtype=np.int64)), held[:3], strict=True)
        )
        paid = _money(int(proofs.amount[p_held]), str(proofs.currency[p_held]))
        add(
            int(p_held),
            f"its transaction number is on {sales} but it shows {paid}{unchecked}: an edited record, or a "
            "discount; check the payment in the customer's app",
            "number_amount_differs",
        )
    guarded = disagrees | differs
    guarded[list(twice)] = True
    for k in np.flatnonzero(has & np.append(blocked, False)[np.where(has, best, len(blocked))] & ~guarded):
        if k in holder_of:
            continue
        add(
            int(k),
            "the card's message names the payee without 财付通/支付宝/微信 (a card payment), "
            "and the best candidate is a wallet sale that shows no card",
        )
    return notes, flags
