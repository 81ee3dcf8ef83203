"""A seeded generator of realistic terminal journals and customer proofs.

Used by ``receiptkit demo``, the tests and the benchmarks. It is built to be
hard for a matcher: chains selling hundreds of the same price in an hour,
cards sharing last four digits, declined attempts followed by an approved
retry, voids and refunds, terminals whose clocks are minutes or hours off (one
in the wrong time zone), date-only bank lines posted days later, card bills in
another currency, and proofs that have no transaction at all (half of them at a
menu price, so a stranger's payment of the same amount may sit right there).

Vectorised (numpy and Arrow strings, no per-row Python loop): ten million
transactions take well under a minute.

>>> data = make_dataset(n_transactions=500, n_proofs=50, seed=1)
>>> sales = (data.journal["txn_type"] == "sale") & (data.journal["status"] == "approved")
>>> int(sales.sum()), len(data.proofs), data.truth["proof_id"].is_unique
(500, 50, True)

``truth`` says for every proof which transaction it really is (``txn_id`` is
empty for proofs of payments that are not in the journal).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from receiptkit.schema import JOURNAL_COLUMNS, PROOF_COLUMNS, STRING

__all__ = ["MERCHANTS", "SCENARIOS", "Dataset", "make_dataset"]


@dataclass(frozen=True)
class _Merchant:
    merchant_id: str
    name: str
    descriptor: str  # how a bank statement prints it
    currency: str
    tz: str
    prices: tuple[str, ...]  # menu prices, repeated a lot
    channels: tuple[str, ...]
    channel_p: tuple[float, ...]
    terminals: int
    busy: float  # relative share of transactions


MERCHANTS: tuple[_Merchant, ...] = (
    _Merchant(
        "898310058120001",
        "瑞幸咖啡(国贸店)",
        "POS消费 瑞幸咖啡国贸店",
        "CNY",
        "Asia/Shanghai",
        ("25.00", "28.00", "32.00", "19.90", "25.00", "25.00", "36.50"),
        ("card", "wechat", "alipay", "unionpay_qr"),
        (0.35, 0.35, 0.25, 0.05),
        3,
        0.40,
    ),
    _Merchant(
        "898310058120002",
        "全家便利店(望京SOHO店)",
        "财付通-全家便利店",
        "CNY",
        "Asia/Shanghai",
        ("6.50", "12.80", "15.00", "23.40", "8.00", "45.60", "99.00", "3.50"),
        ("card", "wechat", "alipay"),
        (0.3, 0.4, 0.3),
        2,
        0.30,
    ),
    _Merchant(
        "898310058120003",
        "海底捞火锅(三里屯店)",
        "POS消费 海底捞三里屯",
        "CNY",
        "Asia/Shanghai",
        ("368.00", "512.50", "1288.00", "226.00", "845.30", "419.00"),
        ("card", "wechat", "alipay"),
        (0.5, 0.3, 0.2),
        2,
        0.12,
    ),
    _Merchant(
        "000123456789012",
        "Harbour Books Ltd",
        "SQ *HARBOUR BOOKS HONG KO",
        "HKD",
        "Asia/Hong_Kong",
        ("88.00", "120.00", "245.50", "58.00", "399.00", "15.00"),
        ("card",),
        (1.0,),
        2,
        0.18,
    ),
)

# Terminal clock error, by terminal number within the whole set: most are close,
# one is minutes off, one is set to the wrong zone (UTC instead of +08:00).
_SKEWS_S = (0, 40, -15, 7 * 60, 0, -3 * 60 - 20, 0, -8 * 3600, 25, 0)
_FX_TO_CNY = Decimal("0.9200")  # HKD -> CNY for card bills in CNY
_CHANNELS = ("card", "wechat", "alipay", "unionpay_qr")
_KINDS = ("wallet", "sms", "bank_statement", "manual", "issuer_app")
_BINS = ("622202", "622848", "621700", "625807", "411111", "545454", "356999")
_ISSUERS = {"622202": "工商银行", "622848": "农业银行", "621700": "建设银行", "625807": "招商银行"}
_PHONE_ERROR_S = 45  # a phone's clock is at most this far off
SCENARIOS = ("clock_jump", "dead_clock", "foreign_cards", "fx_original", "hour_counter", "sms_no_time")
_DEAD_CLOCK_S = 365 * 86400  # battery loss: a year behind
# clocks that jump mid-month: (terminal number, day of the set, local time, offset before, offset after)
_CLOCK_JUMPS = (
    (1, 13, "09:12", 40, 40 - (297 * 86400 + 3 * 3600)),  # battery died: ~10 months back on the 14th
    (4, 8, "12:00", 9 * 60, 0),  # ran 9 minutes fast, set right on the 9th at noon
)
_USD_PER_CNY = 0.1389  # reference rate of the foreign-card scenario (not given to the matcher)
_SECOND = 10**9


@dataclass
class Dataset:
    """A generated journal, proofs and ground truth."""

    journal: pd.DataFrame
    proofs: pd.DataFrame
    truth: pd.DataFrame
    clock_offsets: pd.Series  # seconds each terminal's clock is ahead of true time (before any jump)
    fx_rates: dict[tuple[str, str], Decimal]
    # terminals whose clock jumped (scenario clock_jump): true time of the jump and the offset after it
    clock_jumps: dict[str, tuple[pd.Timestamp, int]] = field(default_factory=dict)


def make_dataset(
    *,
    n_transactions: int = 5000,
    n_proofs: int = 500,
    seed: int = 0,
    start: str = "2026-11-01",
    days: int = 30,
    negative_share: float = 0.06,
    proof_kinds: dict[str, float] | None = None,
    scenarios: Collection[str] = (),
) -> Dataset:
    """Generate a journal of ``n_transactions`` sales (plus their declined attempts,
    voids and refunds) and ``n_proofs`` proofs.

    Deterministic for a given seed. Proof kinds are drawn with the shares in
    ``proof_kinds`` (default: wallet 30 %, sms 20 %, bank_statement 30 %,
    manual 12 %, issuer_app 8 %); ``negative_share`` of proofs describe
    payments that are not in the journal.

    ``scenarios`` adds field-guide situations the default set leaves out
    (``SCENARIOS``; none by default, so a seed gives the same data as before):

    - ``clock_jump``: two terminals' clocks jump mid-month (``clock_jumps``):
      the second terminal's battery dies on the 14th at 09:12 and its clock
      comes back 297 days 3 hours behind; the fifth runs 9 minutes fast until
      it is set right on the 9th at noon (field guide 6);
    - ``dead_clock``: the first terminal lost its date and logs a year behind
      (field guide 6, battery loss);
    - ``foreign_cards``: a quarter of the CNY card statement lines are a
      foreign card's, billed in USD only at a reference rate plus a 1-3 %
      fee and up to 0.5 % rate-date drift, with no rate in ``fx_rates``
      (field guide 3.2);
    - ``fx_original``: a third of the CNY card statement lines are a foreign
      card's that show the original CNY amount beside the billed USD one
      (``raw``: ``交易币种/金额`` ``CNY 121.00``, ``入账币种/金额`` ``USD 17.31``;
      ICBC's ``21.32/AUD → 99.20/RMB``, field guide 3.2), the shop's sign
      (``消费 瑞幸咖啡(国贸店)``) and no card last 4;
    - ``hour_counter``: half of the counter proofs name only the hour
      (``14点``: ``ts_precision`` ``hour``, ``ts_end`` an hour later);
    - ``sms_no_time``: a third of the SMS and app pushes carry the date and
      no time (BOC credit style, field guide 1.1).
    """
    unknown_scenarios = set(scenarios) - set(SCENARIOS)
    if unknown_scenarios:
        raise ValueError(f"unknown scenario(s): {', '.join(sorted(unknown_scenarios))}")
    rng = np.random.default_rng(seed)
    kinds = proof_kinds or {
        "wallet": 0.30,
        "sms": 0.20,
        "bank_statement": 0.30,
        "manual": 0.12,
        "issuer_app": 0.08,
    }
    unknown = set(kinds) - set(_KINDS)
    if unknown:
        raise ValueError(f"unknown proof kind(s): {', '.join(sorted(unknown))}")
    terminals, skews = _terminals()
    if "dead_clock" in scenarios:
        skews = skews.copy()
        skews[0] -= _DEAD_CLOCK_S
    jumps: dict[int, tuple[int, int]] = {}
    clock_jumps: dict[str, tuple[pd.Timestamp, int]] = {}
    if "clock_jump" in scenarios:
        skews = skews.copy()
        for number, day, clock, before, after in _CLOCK_JUMPS:
            when = pd.Timestamp(f"{pd.Timestamp(start).date() + pd.Timedelta(days=day)} {clock}")
            when = when.tz_localize(MERCHANTS[_merchant_of(number)].tz)
            skews[number] = before
            jumps[number] = (int(when.value), after)
            clock_jumps[str(terminals[number])] = (when, after)
    table, true_ns, merchant_idx = _journal(rng, n_transactions, start, days, terminals, skews, jumps)
    proofs, truth = _proofs(rng, table, true_ns, merchant_idx, n_proofs, kinds, negative_share, start, days)
    if scenarios:  # drawn from a stream of their own, so the default data stay as they were
        proofs = _scenarios(np.random.default_rng([seed, 17]), proofs, scenarios)
    journal = table.to_pandas(types_mapper={pa.string(): STRING}.get)
    journal["ts"] = journal["ts"].dt.tz_convert("Asia/Shanghai")
    # Both frames are built canonical (columns, order, dtypes); tests/matching/test_dataset.py
    # checks that validate_journal / validate_proofs leave them unchanged, so ten million rows
    # are not validated again here.
    offsets = pd.Series(dict(zip(terminals.tolist(), skews.tolist(), strict=True)), name="offset_s")
    return Dataset(journal, proofs, truth, offsets, {("HKD", "CNY"): _FX_TO_CNY}, clock_jumps)


def _merchant_of(terminal_number: int) -> int:
    """The merchant (position in MERCHANTS) of a terminal number."""
    ends = np.cumsum([m.terminals for m in MERCHANTS])
    return int(np.searchsorted(ends, terminal_number, side="right"))


# ------------------------------------------------------------------ helpers


def _terminals() -> tuple[np.ndarray, np.ndarray]:
    """Terminal ids (merchant after merchant) and their clock offsets in seconds."""
    ids = [
        f"{10 + m:02d}{t + 1:06d}" for m, merchant in enumerate(MERCHANTS) for t in range(merchant.terminals)
    ]
    skews = [_SKEWS_S[k % len(_SKEWS_S)] for k in range(len(ids))]
    return np.array(ids), np.array(skews, dtype=np.int64)


def _fmt(prefix: str, values: np.ndarray, width: int, suffix: str = "") -> pa.Array:
    """``prefix + zero-padded number + suffix`` for every value, as Arrow strings."""
    text = pc.utf8_lpad(pc.cast(pa.array(values, type=pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, text, suffix, "")


def _digits(values: np.ndarray) -> pa.Array:
    """Numbers as Arrow strings (no padding: callers draw them with a fixed width)."""
    return pc.cast(pa.array(values, type=pa.int64()), pa.string())


def _concat(*parts: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _null_unless(values: pa.Array, keep: np.ndarray) -> pa.Array:
    """``values`` where ``keep``, null elsewhere."""
    return pc.if_else(pa.array(keep), values, pa.nulls(len(values), values.type))


def _pick(options: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """``options[code]`` for every code, as Arrow strings."""
    return pa.array(list(options), type=pa.string()).take(pa.array(codes))


def _minor(price: str, currency: str) -> int:
    return int(Decimal(price) * (1 if currency == "JPY" else 100))


def _local_to_utc_ns(local_ns: np.ndarray, merchant_idx: np.ndarray) -> np.ndarray:
    """Naive local times (ns) at each row's merchant to UTC ns."""
    out = np.empty_like(local_ns)
    for m, merchant in enumerate(MERCHANTS):
        rows = np.flatnonzero(merchant_idx == m)
        stamps = pd.DatetimeIndex(local_ns[rows].astype("datetime64[ns]")).tz_localize(
            merchant.tz, nonexistent="shift_forward", ambiguous="NaT"
        )
        out[rows] = stamps.tz_convert("UTC").asi8
    return out


def _utc_to_local_ns(utc_ns: np.ndarray, merchant_idx: np.ndarray) -> np.ndarray:
    """UTC ns to naive local ns at each row's merchant."""
    out = np.empty_like(utc_ns)
    for m, merchant in enumerate(MERCHANTS):
        rows = np.flatnonzero(merchant_idx == m)
        stamps = pd.DatetimeIndex(utc_ns[rows].astype("datetime64[ns]"), tz="UTC")
        out[rows] = stamps.tz_convert(merchant.tz).tz_localize(None).asi8
    return out


# ------------------------------------------------------------------ journal


def _cards(rng: np.random.Generator, pool: int) -> dict[str, np.ndarray]:
    """A pool of cards with deliberate last-4 collisions (5 % share 8888, 1234 or 6666)."""
    last4 = np.char.zfill(rng.integers(0, 10_000, size=pool).astype(str), 4)
    shared = rng.random(pool) < 0.05
    last4[shared] = rng.choice(["8888", "1234", "6666"], size=int(shared.sum()))
    card_bin = rng.choice(_BINS, size=pool)
    scheme = np.where(
        np.char.startswith(card_bin, "4"),
        "VISA",
        np.where(np.char.startswith(card_bin, "5"), "MASTERCARD", "UNIONPAY"),
    )
    issuer = np.array([_ISSUERS.get(b, "VISA" if b.startswith("4") else "BANK") for b in card_bin])
    return {
        "pan_masked": np.char.add(np.char.add(card_bin, "******"), last4),
        "card_last4": last4,
        "card_scheme": scheme,
        "issuer": issuer,
        "aid": np.where(scheme == "UNIONPAY", "A000000333010101", "A0000000031010"),
        "app_label": scheme,
    }


def _journal(
    rng: np.random.Generator,
    n: int,
    start: str,
    days: int,
    terminals: np.ndarray,
    skews: np.ndarray,
    jumps: dict[int, tuple[int, int]] | None = None,
) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """The journal as an Arrow table sorted by (ts, txn_id), each row's true time and merchant.

    Every sale's attributes are drawn as numbers first; the declined attempts, voids and
    refunds are rows that point at their sale (``owner``) with a mark; each text column is
    then built once, already in journal order.
    """
    shares = np.array([m.busy for m in MERCHANTS])
    merchant = rng.choice(len(MERCHANTS), size=n, p=shares / shares.sum()).astype(np.int8)
    day = rng.integers(0, days, size=n)
    hour = np.clip(rng.normal(13.5, 3.2, size=n), 8, 22.9)  # lunch and evening peaks
    seconds = (hour * 3600).astype(np.int64) + rng.integers(0, 60, size=n)
    order = np.lexsort((seconds, day))  # serial numbers follow the local clock
    merchant, day, seconds = merchant[order], day[order], seconds[order]
    del hour, order

    first_terminal = np.cumsum([0] + [m.terminals for m in MERCHANTS])[:-1]
    n_terminals = np.array([m.terminals for m in MERCHANTS])
    terminal = (first_terminal[merchant] + (rng.random(n) * n_terminals[merchant])).astype(np.int8)

    channel = np.zeros(n, dtype=np.int8)
    price = np.zeros(n, dtype=np.int64)
    for code, spec in enumerate(MERCHANTS):
        rows = np.flatnonzero(merchant == code)
        codes = [_CHANNELS.index(c) for c in spec.channels]
        channel[rows] = rng.choice(codes, size=len(rows), p=spec.channel_p)
        prices = np.array([_minor(p, spec.currency) for p in spec.prices], dtype=np.int64)
        price[rows] = prices[rng.integers(0, len(prices), size=len(rows))]
        basket = rng.random(len(rows)) < 0.25  # a few items
        price[rows[basket]] += prices[rng.integers(0, len(prices), size=int(basket.sum()))]

    base = np.datetime64(pd.Timestamp(start).date(), "ns").astype(np.int64)
    true_ns = _local_to_utc_ns(base + (day * 86400 + seconds) * _SECOND, merchant)
    del seconds
    pool = max(400, n // 25)
    cards = _cards(rng, pool)
    card = rng.integers(0, pool, size=n)
    card[channel != 0] = rng.integers(0, pool, size=int((channel != 0).sum()))  # behind a wallet
    wallet_last4 = rng.random(n) < 0.5
    stan = (pd.Series(terminal).groupby(terminal).cumcount().to_numpy() % 999_999) + 1
    keys = {
        "rrn": rng.integers(10**11, 10**12, size=n),
        "auth": rng.integers(0, 10**6, size=n),
        "w_hi": rng.integers(10**11, 10**12, size=n),
        "w_lo": rng.integers(0, 10**12, size=n),
        "operator": rng.integers(1, 4, size=n),
        "entry": rng.integers(0, 4, size=n),
    }

    # declined first attempts (then the approved retry), voids soon after, refunds days later
    declined = np.flatnonzero((channel == 0) & (rng.random(n) < 0.04))
    roll = rng.random(n)
    voided = np.flatnonzero(roll < 0.015)
    refunded = np.flatnonzero((roll >= 0.015) & (roll < 0.03))
    del roll
    # marks, in txn_id order: 0 the sale T..1, 1 declined T..1D, 2 refund T..1R, 3 void T..1V
    owner = np.concatenate([np.arange(n), declined, refunded, voided])
    mark = np.repeat(np.arange(4, dtype=np.int8), [n, len(declined), len(refunded), len(voided)])
    shift = np.concatenate(
        [
            np.zeros(n, dtype=np.int64),
            -rng.integers(20, 90, size=len(declined)) * _SECOND,
            (rng.integers(1, 4, size=len(refunded)) * 86400 + rng.integers(0, 300, size=len(refunded)) * 60)
            * _SECOND,
            rng.integers(1, 20, size=len(voided)) * 60 * _SECOND,
        ]
    )
    refund_rrn = np.concatenate(
        [np.zeros(n + len(declined), dtype=np.int64), rng.integers(10**11, 10**12, size=len(refunded))]
    )
    refund_rrn = np.concatenate([refund_rrn, np.zeros(len(voided), dtype=np.int64)])
    skew_ns = skews[terminal[owner]] * _SECOND
    row_true = true_ns[owner] + shift
    for number, (when_ns, after_s) in (jumps or {}).items():  # a clock set at a true time
        skew_ns[(terminal[owner] == number) & (row_true >= when_ns)] = after_s * _SECOND
    ts_ns = row_true + skew_ns
    order = np.lexsort((owner * 4 + mark, ts_ns))
    owner, mark, ts_ns, row_true, refund_rrn = (
        owner[order],
        mark[order],
        ts_ns[order],
        row_true[order],
        refund_rrn[order],
    )
    del order, shift, skew_ns, true_ns

    def at(values: np.ndarray) -> np.ndarray:  # a sale attribute on every journal row
        return values[owner]

    m, ch, t = at(merchant), at(channel), at(terminal)
    is_card, is_qr = ch == 0, ch == 3
    is_wallet = (ch == 1) | (ch == 2)
    card_at = pa.array(at(card))
    serial = owner + 1
    width = max(8, len(str(n)))
    sale_id = _fmt("T", serial, width)
    merchant_ids = tuple(x.merchant_id for x in MERCHANTS)

    def card_field(name: str) -> pa.Array:
        return _null_unless(pa.array(cards[name]).take(card_at), is_card)

    wallet = _concat(
        _pick(("", "4200", "2026", ""), ch), _digits(at(keys["w_hi"])), _fmt("", at(keys["w_lo"]), 12)
    )
    refund = mark == 2
    rrn = _null_unless(_digits(np.where(refund, refund_rrn, at(keys["rrn"]))), is_card | is_qr)
    stan_shift = np.array([0, 300_000, 200_000, 100_000])[mark]
    columns: dict[str, pa.Array] = {
        "txn_id": _concat(sale_id, _pick(("", "D", "R", "V"), mark)),
        "merchant_id": _pick(merchant_ids, m),
        "merchant_name": _pick(tuple(x.name for x in MERCHANTS), m),
        "terminal_id": _pick(tuple(terminals), t),
        "ts": pa.array(ts_ns, type=pa.timestamp("ns", tz="UTC")),
        "amount_minor": pa.array(at(price)),
        "currency": _pick(tuple(x.currency for x in MERCHANTS), m),
        "txn_type": _pick(("sale", "sale", "refund", "void"), mark),
        "status": _pick(("approved", "declined", "approved", "approved"), mark),
        "channel": _pick(_CHANNELS, ch),
        "pan_masked": card_field("pan_masked"),
        "card_last4": _null_unless(
            pa.array(cards["card_last4"]).take(card_at), is_card | (is_wallet & at(wallet_last4))
        ),
        "card_scheme": card_field("card_scheme"),
        "issuer": card_field("issuer"),
        "acquirer": _null_unless(
            _pick(tuple("银联商务" if x.currency == "CNY" else "Global Payments Asia" for x in MERCHANTS), m),
            is_card,
        ),
        "entry_mode": _null_unless(_pick(("C", "C", "Q", "S"), at(keys["entry"])), is_card),
        "auth_code": _null_unless(_fmt("", at(keys["auth"]), 6), is_card & ((mark == 0) | (mark == 3))),
        "rrn": rrn,
        "stan": _fmt("", (at(stan) - 1 + stan_shift) % 999_999 + 1, 6),
        "batch_no": _fmt("", at(day) + 1, 6),
        "wallet_txn_id": _null_unless(
            pc.if_else(
                pa.array(refund),
                _concat(
                    _pick(("5",), np.zeros(len(owner), dtype=np.int8)), pc.utf8_slice_codeunits(wallet, 1)
                ),
                wallet,
            ),
            is_wallet,
        ),
        "order_no": pc.if_else(
            pa.array(is_wallet),
            _concat(_pick(tuple("RK" + mid[-4:] for mid in merchant_ids), m), _fmt("", serial, 10)),
            _null_unless(_fmt("UQ", serial, 10), is_qr),
        ),
        "operator_id": _fmt("", at(keys["operator"]), 2),
        "aid": card_field("aid"),
        "app_label": card_field("app_label"),
        "original_txn_id": _null_unless(sale_id, mark >= 2),
    }
    return pa.table(columns).select(list(JOURNAL_COLUMNS)), row_true, m


# ------------------------------------------------------------------- proofs


def _proofs(
    rng: np.random.Generator,
    table: pa.Table,
    true_ns: np.ndarray,
    merchant_idx: np.ndarray,
    n: int,
    kinds: dict[str, float],
    negative_share: float,
    start: str,
    days: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Proofs of randomly picked approved sales and refunds, plus proofs with no transaction."""
    eligible = np.flatnonzero(
        np.asarray(
            pc.and_(
                pc.equal(table["status"], "approved"),
                pc.is_in(table["txn_type"], pa.array(["sale", "refund"])),
            )
        )
    )
    kind_names = list(kinds)
    kind_p = np.array([kinds[k] for k in kind_names], dtype=float)
    kind_p /= kind_p.sum()
    kind_codes = np.array([_KINDS.index(k) for k in kind_names])
    n_neg = round(n * negative_share)
    n_pos = min(n - n_neg, len(eligible))
    picked = np.sort(eligible[rng.choice(len(eligible), size=n_pos, replace=False)])
    take = pa.array(picked, type=pa.int64())

    def column(name: str) -> pa.Array:
        return table[name].take(take).combine_chunks()

    channel = np.asarray(column("channel").to_numpy(zero_copy_only=False), dtype=str)
    kind = kind_codes[rng.choice(len(kind_names), size=n_pos, p=kind_p)]
    wallet_channel = np.isin(channel, ["wechat", "alipay"])
    kind[wallet_channel & np.isin(kind, [1, 4])] = 0  # a wallet payment leaves a wallet record
    kind[(channel == "card") & (kind == 0)] = 1  # a card payment leaves no wallet record: an SMS

    # proofs of payments that are not in the journal: prices no menu has
    neg_merchant = rng.integers(0, len(MERCHANTS), size=n_neg)
    neg_kind = kind_codes[rng.choice(len(kind_names), size=n_neg, p=kind_p)]
    neg_local = (
        np.datetime64(pd.Timestamp(start).date(), "ns").astype(np.int64)
        + rng.integers(0, days, size=n_neg) * 86400 * _SECOND
        + (rng.uniform(9, 21, size=n_neg) * 3600).astype(np.int64) * _SECOND
    )
    # half at prices no menu has, half at a menu price of the shop (a payment made elsewhere or on
    # another day: a stranger may well have paid the same amount in that minute)
    odd = rng.integers(1, 5000, size=n_neg) * 100 + 77
    menu = np.array([_minor(m.prices[k % len(m.prices)], m.currency) for m in MERCHANTS for k in range(8)])
    on_menu = rng.random(n_neg) < 0.5
    neg_amount = np.where(on_menu, menu[neg_merchant * 8 + rng.integers(0, 8, size=n_neg)], odd)
    neg_last4 = _fmt("", rng.integers(0, 10_000, size=n_neg), 4)
    neg_wallet = _concat(
        pa.array(["4200"] * n_neg, type=pa.string()),
        _fmt("", rng.integers(0, 10**12, size=n_neg), 12),
        _fmt("", rng.integers(0, 10**12, size=n_neg), 12),
    )

    merchant = np.concatenate([merchant_idx[picked], neg_merchant])
    kind = np.concatenate([kind, neg_kind])
    when = np.concatenate([true_ns[picked], _local_to_utc_ns(neg_local, neg_merchant)])
    amount = np.concatenate([np.asarray(column("amount_minor")), neg_amount])
    currency = pa.concat_arrays(
        [column("currency"), _pick(tuple(m.currency for m in MERCHANTS), neg_merchant)]
    )
    credit = np.concatenate([np.asarray(pc.equal(column("txn_type"), "refund")), np.zeros(n_neg, dtype=bool)])
    last4 = pa.concat_arrays([column("card_last4"), neg_last4])
    wallet = pa.concat_arrays([column("wallet_txn_id"), neg_wallet])
    order_no = pa.concat_arrays([column("order_no"), pa.nulls(n_neg, pa.string())])
    rrn = pa.concat_arrays([column("rrn"), pa.nulls(n_neg, pa.string())])
    total = n_pos + n_neg

    # one draw per field for every proof; each kind uses the ones it needs
    is_wallet, is_bank, is_manual = kind == 0, kind == 2, kind == 3
    is_text = (kind == 1) | (kind == 4)  # SMS and issuer app
    observed = when + rng.integers(-_PHONE_ERROR_S, _PHONE_ERROR_S + 1, size=total) * _SECOND
    observed = np.where(is_wallet, observed, observed - observed % (60 * _SECOND))
    keep_wallet = rng.random(total) < 0.7
    visible_end = rng.random(total) < 0.3
    keep_order = rng.random(total) < 0.3
    keep_last4 = rng.random(total)
    keep_merchant = rng.random(total) < 0.7
    lag = rng.integers(0, 4, size=total)
    cut = rng.integers(14, 26, size=total)
    keep_reference = rng.random(total) < 0.15
    billed_cny = rng.random(total) < 0.6
    fee = np.where(rng.random(total) < 0.5, 1.015, 1.0)
    jitter = 1 + rng.uniform(-0.01, 0.01, size=total)

    wallet_seen = pc.if_else(pa.array(visible_end), pc.utf8_slice_codeunits(wallet, -8), wallet)
    names = _pick(tuple(m.name for m in MERCHANTS), merchant)
    lengths = range(14, 26)
    descriptors = tuple(m.descriptor.upper()[:k].strip() for m in MERCHANTS for k in lengths)
    descriptor = _pick(descriptors, merchant * len(lengths) + (cut - 14))
    merchant_text = pc.if_else(
        pa.array(is_wallet | (is_text & keep_merchant)), names, _null_unless(descriptor, is_bank)
    )
    show_last4 = (is_wallet & (keep_last4 < 0.6)) | is_text | is_bank | (is_manual & (keep_last4 < 0.5))
    local_day = (_utc_to_local_ns(when, merchant) // (86400 * _SECOND)).astype("datetime64[D]")
    posted = np.where(
        lag == 0,
        np.busday_offset(local_day, 0, roll="forward"),
        np.busday_offset(local_day, lag, roll="backward"),
    )
    fx = is_bank & (np.asarray(currency.to_numpy(zero_copy_only=False), dtype=str) == "HKD") & billed_cny
    rate = float(_FX_TO_CNY)
    amount = np.where(fx, np.rint(amount * rate * fee * jitter).astype(np.int64), amount)
    currency = pc.if_else(pa.array(fx), pa.array(["CNY"] * total, type=pa.string()), currency)

    serial = np.arange(1, total + 1, dtype=np.int64)
    proof_id = _fmt("P", serial, max(7, len(str(total))))
    utc = pd.DatetimeIndex(observed.astype("datetime64[ns]"), tz="UTC")
    frame = pd.DataFrame(
        {
            "proof_id": _strings(proof_id),
            "kind": _strings(_pick(_KINDS, kind)),
            "ts": pd.Series(utc).where(~is_bank),
            "ts_precision": _strings(
                _pick(("second", "minute", "day"), np.select([is_wallet, is_bank], [0, 2], 1))
            ),
            "ts_end": pd.Series(pd.NaT, index=range(total), dtype="datetime64[ns, UTC]"),  # points and days
            # the UTC date of a timed proof, as validate_proofs fills it
            "date": pd.Series(
                np.where(is_bank, posted, observed.astype("datetime64[ns]").astype("datetime64[D]")).astype(
                    "datetime64[ns]"
                )
            ),
            "amount_minor": amount.astype(np.int64),
            "currency": _strings(currency),
            "direction": _strings(_pick(("debit", "credit"), credit.astype(np.int64))),
            "merchant_text": _strings(merchant_text),
            "card_last4": _strings(_null_unless(last4, show_last4)),
            "reference": _strings(_null_unless(rrn, is_bank & keep_reference)),
            "wallet_txn_id": _strings(_null_unless(wallet_seen, is_wallet & keep_wallet)),
            "order_no": _strings(_null_unless(order_no, is_wallet & keep_order)),
            "source": _strings(pa.array(["synthetic"] * total, type=pa.string())),
            "source_row": pd.array(serial, dtype="Int64"),
        }
    )
    for name in PROOF_COLUMNS:  # canonical columns this generator leaves empty
        if name not in frame.columns:
            frame[name] = _strings(pa.nulls(total, pa.string()))
    frame = frame[list(PROOF_COLUMNS)]
    truth = pd.DataFrame(
        {
            "proof_id": frame["proof_id"],
            "txn_id": _strings(pa.concat_arrays([column("txn_id"), pa.nulls(n_neg, pa.string())])),
            "kind": frame["kind"],
        }
    )
    shuffle = rng.permutation(total)  # proofs arrive in no particular order
    return (
        frame.iloc[shuffle].reset_index(drop=True),
        truth.iloc[shuffle].reset_index(drop=True),
    )


def _scenarios(rng: np.random.Generator, proofs: pd.DataFrame, scenarios: Collection[str]) -> pd.DataFrame:
    """The optional field-guide situations of :func:`make_dataset` applied to the proofs."""
    out = proofs.copy()
    n = len(out)
    kind = out["kind"].astype(str).to_numpy()
    if "foreign_cards" in scenarios:
        chosen = (
            (kind == "bank_statement")
            & (out["currency"].astype(str).to_numpy() == "CNY")
            & out["card_last4"].notna().to_numpy()
            & (out["direction"].astype(str).to_numpy() == "debit")
            & (rng.random(n) < 0.25)
        )
        fee = 1 + rng.uniform(0.01, 0.03, size=n)
        drift = 1 + rng.uniform(-0.005, 0.005, size=n)
        billed = np.rint(out["amount_minor"].to_numpy() * _USD_PER_CNY * fee * drift).astype(np.int64)
        out.loc[chosen, "amount_minor"] = billed[chosen]
        out["currency"] = out["currency"].astype(object).where(~chosen, "USD").astype(STRING)
    if "fx_original" in scenarios:
        # the shop a line's descriptor was cut from; only shops selling in CNY (a Hong Kong shop's line billed
        # in CNY is a converted amount, not an original one)
        heads = [(m.descriptor.upper()[:8], m.name) for m in MERCHANTS if m.currency == "CNY"]
        text = out["merchant_text"].astype(object).to_numpy().copy()
        sign = np.array(
            [next((name for head, name in heads if str(t).startswith(head)), None) for t in text],
            dtype=object,
        )
        chosen = (
            (kind == "bank_statement")
            & (out["currency"].astype(str).to_numpy() == "CNY")
            & out["card_last4"].notna().to_numpy()
            & (out["direction"].astype(str).to_numpy() == "debit")
            & (sign != None)  # noqa: E711 (elementwise)
            & (rng.random(n) < 1 / 3)
        )
        billed = out["amount_minor"].to_numpy() * _USD_PER_CNY * (1 + rng.uniform(0.01, 0.03, size=n))
        raw = out["raw"].astype(object).to_numpy().copy()
        for k in np.flatnonzero(chosen):
            text[k] = f"消费 {sign[k]}"
            raw[k] = {
                "交易币种/金额": f"CNY {out['amount_minor'].iat[k] / 100:.2f}",
                "入账币种/金额": f"USD {billed[k] / 100:.2f}",
                "posting_date": str(out["date"].iat[k].date()),
            }
        out["raw"] = pd.Series(raw, index=out.index, dtype=object)
        out["merchant_text"] = pd.Series(text, index=out.index, dtype=object).astype(STRING)
        out["card_last4"] = out["card_last4"].astype(object).where(~chosen, None).astype(STRING)
    if "hour_counter" in scenarios:
        chosen = (kind == "manual") & out["ts"].notna().to_numpy() & (rng.random(n) < 0.5)
        local = out.loc[chosen, "ts"].dt.tz_convert("Asia/Shanghai").dt.floor("h")
        out.loc[chosen, "ts"] = local.dt.tz_convert("UTC")
        out.loc[chosen, "ts_end"] = (local + pd.Timedelta(hours=1)).dt.tz_convert("UTC")
        out["ts_precision"] = out["ts_precision"].astype(object).where(~chosen, "hour").astype(STRING)
    if "sms_no_time" in scenarios:
        chosen = np.isin(kind, ["sms", "issuer_app"]) & out["ts"].notna().to_numpy() & (rng.random(n) < 1 / 3)
        local_day = out.loc[chosen, "ts"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None).dt.normalize()
        out.loc[chosen, "date"] = local_day.astype("datetime64[ns]")
        out.loc[chosen, "ts"] = pd.NaT
        out["ts_precision"] = out["ts_precision"].astype(object).where(~chosen, "day").astype(STRING)
    return out


def _strings(values: pa.Array) -> pd.Series:
    return pd.Series(pd.array(values, dtype=STRING))
