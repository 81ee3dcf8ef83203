"""A seeded generator of realistic terminal journals and customer proofs.

Used by ``receiptkit demo``, the tests and the benchmarks. It is built to be
hard for a matcher: chains selling hundreds of the same price in an hour,
cards sharing last four digits, declined attempts followed by an approved
retry, voids and refunds, terminals whose clocks are minutes or hours off (one
in the wrong time zone), date-only bank lines posted days later, card bills in
another currency, and proofs that have no transaction at all.

>>> data = make_dataset(n_transactions=500, n_proofs=50, seed=1)
>>> sales = (data.journal["txn_type"] == "sale") & (data.journal["status"] == "approved")
>>> int(sales.sum()), len(data.proofs), data.truth["proof_id"].is_unique
(500, 50, True)

``truth`` says for every proof which transaction it really is (``txn_id`` is
empty for proofs of payments that are not in the journal).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from receiptkit.schema import validate_journal, validate_proofs

__all__ = ["MERCHANTS", "Dataset", "make_dataset"]


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


@dataclass
class Dataset:
    """A generated journal, proofs and ground truth."""

    journal: pd.DataFrame
    proofs: pd.DataFrame
    truth: pd.DataFrame
    clock_offsets: pd.Series  # seconds each terminal's clock is ahead of true time
    fx_rates: dict[tuple[str, str], Decimal]


def _digits(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return np.array([f"{v:0{width}d}" for v in rng.integers(0, 10**width, size=n, dtype=np.int64)])


def _minor(price: str, currency: str) -> int:
    return int(Decimal(price) * (1 if currency == "JPY" else 100))


def make_dataset(
    *,
    n_transactions: int = 5000,
    n_proofs: int = 500,
    seed: int = 0,
    start: str = "2026-11-01",
    days: int = 30,
    negative_share: float = 0.06,
    proof_kinds: dict[str, float] | None = None,
) -> Dataset:
    """Generate a journal of ``n_transactions`` sales (plus their declined attempts,
    voids and refunds) and ``n_proofs`` proofs.

    Deterministic for a given seed. Proof kinds are drawn with the shares in
    ``proof_kinds`` (default: wallet 30 %, sms 20 %, bank_statement 30 %,
    manual 12 %, issuer_app 8 %); ``negative_share`` of proofs describe
    payments that are not in the journal.
    """
    rng = np.random.default_rng(seed)
    kinds = proof_kinds or {
        "wallet": 0.30,
        "sms": 0.20,
        "bank_statement": 0.30,
        "manual": 0.12,
        "issuer_app": 0.08,
    }
    journal, true_ts, skews = _journal(rng, n_transactions, start, days)
    proofs, truth = _proofs(rng, journal, true_ts, n_proofs, kinds, negative_share, start, days)
    journal = validate_journal(journal)
    proofs = validate_proofs(proofs)
    return Dataset(journal, proofs, truth, skews, {("HKD", "CNY"): _FX_TO_CNY})


def _journal(
    rng: np.random.Generator, n: int, start: str, days: int
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    shares = np.array([m.busy for m in MERCHANTS])
    merchant_idx = rng.choice(len(MERCHANTS), size=n, p=shares / shares.sum())
    base = pd.Timestamp(start)
    day = rng.integers(0, days, size=n)
    # business hours with a lunch and an evening peak
    hour = np.clip(rng.normal(13.5, 3.2, size=n), 8, 22.9)
    seconds = (hour * 3600).astype(np.int64) + rng.integers(0, 60, size=n)
    rows = []
    terminal_offset = 0
    terminal_ids: dict[tuple[int, int], str] = {}
    skews: dict[str, int] = {}
    for m_index, merchant in enumerate(MERCHANTS):
        for t in range(merchant.terminals):
            tid = f"{10 + m_index:02d}{t + 1:06d}"
            terminal_ids[(m_index, t)] = tid
            skews[tid] = _SKEWS_S[terminal_offset % len(_SKEWS_S)]
            terminal_offset += 1
    # a pool of cards with deliberate last-4 collisions
    pool = 400
    card_last4 = np.concatenate([_digits(rng, pool - 60, 4), np.repeat(["8888", "1234", "6666"], 20)])
    card_bin = rng.choice(["622202", "622848", "621700", "625807", "411111", "545454", "356999"], size=pool)
    card_scheme = np.where(
        np.char.startswith(card_bin.astype(str), "4"),
        "VISA",
        np.where(np.char.startswith(card_bin.astype(str), "5"), "MASTERCARD", "UNIONPAY"),
    )
    issuers = {"622202": "工商银行", "622848": "农业银行", "621700": "建设银行", "625807": "招商银行"}
    stan_counter: dict[str, int] = {}
    order = np.lexsort((seconds, day))
    true_ts_list = []
    for serial, i in enumerate(order):
        merchant = MERCHANTS[merchant_idx[i]]
        terminal = terminal_ids[(int(merchant_idx[i]), int(rng.integers(0, merchant.terminals)))]
        local = base + pd.Timedelta(days=int(day[i]), seconds=int(seconds[i]))
        true_ts = local.tz_localize(merchant.tz)
        channel = str(rng.choice(merchant.channels, p=merchant.channel_p))
        price = str(rng.choice(merchant.prices))
        amount = _minor(price, merchant.currency)
        if rng.random() < 0.25:  # baskets: a few items
            amount += _minor(str(rng.choice(merchant.prices)), merchant.currency)
        stan = stan_counter.get(terminal, 0) + 1
        stan_counter[terminal] = stan
        row = {
            "txn_id": f"T{serial + 1:08d}",
            "merchant_id": merchant.merchant_id,
            "merchant_name": merchant.name,
            "terminal_id": terminal,
            "ts": true_ts + pd.Timedelta(seconds=skews[terminal]),
            "amount_minor": amount,
            "currency": merchant.currency,
            "txn_type": "sale",
            "status": "approved",
            "channel": channel,
            "batch_no": f"{int(day[i]) + 1:06d}",
            "stan": f"{stan:06d}",
            "operator_id": f"{int(rng.integers(1, 4)):02d}",
        }
        if channel == "card":
            card = int(rng.integers(0, pool))
            row.update(
                pan_masked=f"{card_bin[card]}******{card_last4[card]}",
                card_last4=card_last4[card],
                card_scheme=card_scheme[card],
                issuer=issuers.get(str(card_bin[card]), "VISA" if card_bin[card].startswith("4") else "BANK"),
                acquirer="银联商务" if merchant.currency == "CNY" else "Global Payments Asia",
                entry_mode=str(rng.choice(["C", "C", "Q", "S"])),
                auth_code=f"{int(rng.integers(0, 10**6)):06d}",
                rrn=f"{int(rng.integers(10**11, 10**12))}",
                aid="A000000333010101" if card_scheme[card] == "UNIONPAY" else "A0000000031010",
                app_label=str(card_scheme[card]),
            )
        elif channel in ("wechat", "alipay"):
            prefix = "4200" if channel == "wechat" else "2026"
            row.update(
                wallet_txn_id=prefix + "".join(_digits(rng, 1, 12)) + "".join(_digits(rng, 1, 12)),
                order_no=f"RK{merchant.merchant_id[-4:]}{serial + 1:010d}",
                card_last4=card_last4[int(rng.integers(0, pool))] if rng.random() < 0.5 else None,
            )
        else:
            row.update(rrn=f"{int(rng.integers(10**11, 10**12))}", order_no=f"UQ{serial + 1:010d}")
        # declined first attempt, then the approved retry a little later
        if channel == "card" and rng.random() < 0.04:
            declined = dict(row)
            declined.update(
                txn_id=row["txn_id"] + "D",
                status="declined",
                auth_code=None,
                ts=row["ts"] - pd.Timedelta(seconds=int(rng.integers(20, 90))),
            )
            rows.append(declined)
            true_ts_list.append(true_ts - pd.Timedelta(seconds=30))
        rows.append(row)
        true_ts_list.append(true_ts)
        roll = rng.random()
        if roll < 0.015:  # voided soon after
            void = dict(row)
            void.update(
                txn_id=row["txn_id"] + "V",
                txn_type="void",
                original_txn_id=row["txn_id"],
                ts=row["ts"] + pd.Timedelta(minutes=int(rng.integers(1, 20))),
                stan=f"{stan + 100000:06d}",
            )
            rows.append(void)
            true_ts_list.append(true_ts + pd.Timedelta(minutes=5))
        elif roll < 0.03:  # refunded days later
            refund = dict(row)
            refund.update(
                txn_id=row["txn_id"] + "R",
                txn_type="refund",
                original_txn_id=row["txn_id"],
                ts=row["ts"] + pd.Timedelta(days=int(rng.integers(1, 4)), minutes=int(rng.integers(0, 300))),
                stan=f"{stan + 200000:06d}",
                auth_code=None,
            )
            if "rrn" in row and row.get("rrn"):
                refund["rrn"] = f"{int(rng.integers(10**11, 10**12))}"
            if row.get("wallet_txn_id"):
                refund["wallet_txn_id"] = "5" + str(row["wallet_txn_id"])[1:]
            rows.append(refund)
            true_ts_list.append(true_ts + pd.Timedelta(days=2))
    frame = pd.DataFrame(rows)
    frame["ts"] = pd.to_datetime([t.tz_convert("UTC") for t in frame["ts"]], utc=True).tz_convert(
        "Asia/Shanghai"
    )
    frame = frame.sort_values(["ts", "txn_id"]).reset_index(drop=True)
    true_ts = pd.Series(
        pd.to_datetime([t.tz_convert("UTC") for t in true_ts_list], utc=True),
        index=pd.Index([r["txn_id"] for r in rows]),
    )
    return frame, true_ts, pd.Series(skews, name="offset_s")


def _proofs(
    rng: np.random.Generator,
    journal: pd.DataFrame,
    true_ts: pd.Series,
    n: int,
    kinds: dict[str, float],
    negative_share: float,
    start: str,
    days: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    eligible = journal[(journal["status"] == "approved") & journal["txn_type"].isin(["sale", "refund"])]
    kind_names = list(kinds)
    kind_p = np.array([kinds[k] for k in kind_names], dtype=float)
    kind_p /= kind_p.sum()
    n_neg = round(n * negative_share)
    n_pos = min(n - n_neg, len(eligible))
    picked = eligible.iloc[np.sort(rng.choice(len(eligible), size=n_pos, replace=False))]
    merchant_by_id = {m.merchant_id: m for m in MERCHANTS}
    rows = []
    truth = []
    for serial, (_, txn) in enumerate(picked.iterrows()):
        merchant = merchant_by_id[txn["merchant_id"]]
        kind = str(rng.choice(kind_names, p=kind_p))
        if txn["channel"] in ("wechat", "alipay") and kind in ("sms", "issuer_app"):
            kind = "wallet"
        if txn["channel"] == "card" and kind == "wallet":
            kind = "sms"
        when = true_ts[txn["txn_id"]].tz_convert(merchant.tz)
        proof = _proof_row(rng, kind, txn, merchant, when, serial)
        rows.append(proof)
        truth.append({"proof_id": proof["proof_id"], "txn_id": txn["txn_id"], "kind": kind})
    for k in range(n_neg):
        merchant = MERCHANTS[int(rng.integers(0, len(MERCHANTS)))]
        kind = str(rng.choice(kind_names, p=kind_p))
        local = pd.Timestamp(start) + pd.Timedelta(
            days=int(rng.integers(0, days)), hours=float(rng.uniform(9, 21))
        )
        when = local.tz_localize(merchant.tz).floor("s")
        fake = {
            "txn_id": None,
            "amount_minor": int(rng.integers(1, 5000)) * 100 + 77,  # prices no menu has
            "currency": merchant.currency,
            "txn_type": "sale",
            "channel": "card" if kind in ("sms", "bank_statement", "issuer_app", "manual") else "wechat",
            "card_last4": "".join(_digits(rng, 1, 4)),
            "merchant_name": merchant.name,
            "wallet_txn_id": "4200" + "".join(_digits(rng, 2, 12)),
            "order_no": None,
            "rrn": None,
            "auth_code": None,
        }
        proof = _proof_row(rng, kind, pd.Series(fake), merchant, when, len(rows) + k)
        rows.append(proof)
        truth.append({"proof_id": proof["proof_id"], "txn_id": None, "kind": kind})
    proofs = pd.DataFrame(rows)
    for column in ("ts",):
        proofs[column] = pd.to_datetime(
            [v.tz_convert("UTC") if v is not None else pd.NaT for v in proofs[column]], utc=True
        )
    order = rng.permutation(len(proofs))  # proofs arrive in no particular order
    proofs = proofs.iloc[order].reset_index(drop=True)
    truth_frame = pd.DataFrame(truth).set_index("proof_id").loc[proofs["proof_id"]].reset_index()
    truth_frame["txn_id"] = truth_frame["txn_id"].astype("string")
    return proofs, truth_frame


def _proof_row(
    rng: np.random.Generator,
    kind: str,
    txn: pd.Series,
    merchant: _Merchant,
    when: pd.Timestamp,
    serial: int,
) -> dict[str, object]:
    direction = "credit" if txn["txn_type"] in ("refund", "void") else "debit"
    proof: dict[str, object] = {
        "proof_id": f"P{serial + 1:07d}",
        "kind": kind,
        "ts": None,
        "ts_precision": None,
        "date": None,
        "amount_minor": int(txn["amount_minor"]),
        "currency": txn["currency"],
        "direction": direction,
        "merchant_text": None,
        "card_last4": None,
        "reference": None,
        "wallet_txn_id": None,
        "order_no": None,
        "source": "synthetic",
        "source_row": serial + 1,
    }
    phone_error = pd.Timedelta(seconds=int(rng.integers(-45, 46)))
    last4 = txn.get("card_last4")
    last4 = None if last4 is None or pd.isna(last4) else str(last4)
    if kind == "wallet":
        proof.update(
            ts=(when + phone_error).floor("s"),
            ts_precision="second",
            merchant_text=merchant.name,
            wallet_txn_id=txn.get("wallet_txn_id") if rng.random() < 0.7 else None,
            order_no=txn.get("order_no") if rng.random() < 0.3 else None,
            card_last4=last4 if rng.random() < 0.6 else None,
        )
        if proof["wallet_txn_id"] is not None and not pd.isna(proof["wallet_txn_id"]) and rng.random() < 0.3:
            proof["wallet_txn_id"] = str(proof["wallet_txn_id"])[-8:]  # only the visible end
    elif kind in ("sms", "issuer_app"):
        proof.update(
            ts=(when + phone_error).floor("min"),
            ts_precision="minute",
            merchant_text=merchant.name if rng.random() < 0.7 else None,
            card_last4=last4,
        )
    elif kind == "manual":
        proof.update(
            ts=(when + phone_error).floor("min"),
            ts_precision="minute",
            card_last4=last4 if rng.random() < 0.5 else None,
        )
    else:  # bank_statement: posted 0-3 business days later, date only
        posted = when.normalize().tz_localize(None) + pd.offsets.BDay(int(rng.integers(0, 4)))
        descriptor = merchant.descriptor.upper()[: int(rng.integers(14, 26))]
        proof.update(
            date=posted,
            ts_precision="day",
            merchant_text=descriptor,
            card_last4=last4,
            reference=txn.get("rrn") if rng.random() < 0.15 else None,
        )
        if merchant.currency == "HKD" and rng.random() < 0.6:  # billed in CNY with a fee
            fee = Decimal("1.015") if rng.random() < 0.5 else Decimal("1")
            jitter = Decimal(str(1 + float(rng.uniform(-0.01, 0.01))))
            amount = (Decimal(int(txn["amount_minor"])) * _FX_TO_CNY * fee * jitter).quantize(Decimal(1))
            proof.update(amount_minor=int(amount), currency="CNY")
    for key in ("wallet_txn_id", "order_no", "reference", "card_last4"):
        value = proof.get(key)
        if value is not None and ((isinstance(value, float) and value != value) or value is pd.NA):
            proof[key] = None
    return proof
