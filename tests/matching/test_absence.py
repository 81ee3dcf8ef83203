"""The prior of absence per kind of proof, from the batch (matching.absence).

A month of counter input in which every proof finds its amount says that the
customers at this counter describe payments made here; a batch in which some
find nothing keeps the careful prior; a kind in which some proof names
another shop keeps it too (payments made elsewhere may coincide, and then find
a sale as a true proof does).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import receiptkit as rk
from receiptkit.matching.absence import absent_share

from .conftest import at, background, journal, pf, proofs, row_of, txn

SHOP = "蜀香阁(五角场店)"
DAYS = [(pd.Timestamp("2026-11-20") + pd.Timedelta(days=d)).strftime("%Y-%m-%d") for d in range(-6, 1)]


def _journal(extra: list[dict] | None = None) -> pd.DataFrame:
    """A week of sales; 156.00 sold between 17:00 and 18:00 on three other days and at 17:41 today."""
    rows: list[dict] = []
    for k, day in enumerate(DAYS):
        for row in background(60, seed=40 + k):
            rows.append(
                {
                    **row,
                    "txn_id": f"{day}-{row['txn_id']}",
                    "ts": row["ts"] + (pd.Timestamp(day) - pd.Timestamp(DAYS[-1])),
                    "merchant_name": SHOP,
                }
            )
    for k, day in enumerate(DAYS[:3]):
        rows.append(txn(f"O{k}", 15600, "17:20:00", day=day, card_last4=f"70{k:02d}", merchant_name=SHOP))
    rows.append(txn("A", 15600, "17:41:01", channel="alipay", merchant_name=SHOP))
    # the sales the other counter proofs describe: one each, of amounts sold nowhere else
    for k in range(240):
        day = DAYS[k % 7]
        clock = f"{9 + (k * 7) % 12:02d}:{(k * 13) % 60:02d}:30"
        rows.append(txn(f"C{k:03d}", 30000 + 100 * k, clock, day=day, merchant_name=SHOP))
    return journal(*rows, *(extra or []))


def _counter_batch(n_elsewhere: int = 0, other_shop: bool = False) -> list[dict]:
    """Counter proofs to the minute of the C sales; ``n_elsewhere`` more of amounts not in the journal."""
    rows = []
    for k in range(240):
        day = DAYS[k % 7]
        clock = f"{9 + (k * 7) % 12:02d}:{(k * 13) % 60:02d}:00"
        rows.append(pf(f"c{k:03d}", 30000 + 100 * k, clock, day=day, kind="manual", ts_precision="minute"))
    for k in range(n_elsewhere):
        day = DAYS[k % 7]
        rows.append(
            pf(f"x{k:03d}", 77700 + 100 * k, "12:10:00", day=day, kind="manual", ts_precision="minute")
        )
    if other_shop:
        rows.append(
            pf(
                "other",
                30000,
                "09:00:00",
                day=DAYS[0],
                kind="manual",
                ts_precision="minute",
                merchant_text="蜀香阁(徐家汇店)",
            )
        )
    return rows


# "下午五点到六点": 156.00 between 17:00 and 18:00, nothing else (the sale is an Alipay row showing no card)
HOUR = pf(
    "h1", 15600, "17:00:00", kind="manual", ts_precision="hour", ts_end=at("18:00:00").tz_convert("UTC")
)


def test_alone_the_hour_proof_is_ambiguous() -> None:
    """The amount is sold 4 times in 7 days in that hour: a payment made elsewhere finds one often enough."""
    result = rk.match(proofs(HOUR), _journal())
    row = row_of(result, "h1")
    assert row["status"] == "ambiguous", row["reason"]
    assert "not in this journal" in row["reason"]
    assert result.attrs["prior_absent"]["manual"]["used"] == 0.1  # one proof says nothing of the kind


def test_a_batch_of_counter_proofs_that_all_find_their_sale_lowers_the_prior() -> None:
    result = rk.match(proofs(HOUR, *_counter_batch()), _journal())
    stats = result.attrs["prior_absent"]["manual"]
    assert stats["proofs"] == 241 and stats["none_found"] == 0 and stats["other_shop"] == 0
    assert stats["used"] == stats["estimate"] < 0.02
    row = row_of(result, "h1")
    assert row["status"] == "matched" and row["txn_id"] == "A", row["reason"]
    assert (result["status"] == "matched").sum() == 241  # the batch's own proofs too, none elsewhere


def test_when_some_counter_proofs_find_nothing_the_prior_stays() -> None:
    """40 of 280 describe payments this journal does not hold: absence is common here, the hour proof is not
    matched (the prior is never raised above prior_absent, only kept)."""
    result = rk.match(proofs(HOUR, *_counter_batch(n_elsewhere=40)), _journal())
    stats = result.attrs["prior_absent"]["manual"]
    assert stats["none_found"] == 40
    assert stats["estimate"] > 0.1 and stats["used"] == 0.1
    assert row_of(result, "h1")["status"] == "ambiguous"
    assert (result["proof_id"].str.startswith("x") & (result["status"] == "matched")).sum() == 0


def test_a_proof_naming_another_shop_keeps_the_prior_for_its_kind() -> None:
    result = rk.match(proofs(HOUR, *_counter_batch(other_shop=True)), _journal())
    stats = result.attrs["prior_absent"]["manual"]
    assert stats["other_shop"] == 1 and stats["used"] == 0.1
    assert row_of(result, "h1")["status"] == "ambiguous"
    assert row_of(result, "other")["status"] == "unmatched"


def test_other_kinds_keep_their_own_prior() -> None:
    """The counter batch says nothing of SMS: an SMS of the same evidence stays ambiguous."""
    sms = pf(
        "s1", 15600, "17:00:00", kind="sms", ts_precision="hour", ts_end=at("18:00:00").tz_convert("UTC")
    )
    result = rk.match(proofs(sms, *_counter_batch()), _journal())
    assert result.attrs["prior_absent"]["sms"]["used"] == 0.1
    assert row_of(result, "s1")["status"] == "ambiguous"


def test_too_few_proofs_or_switched_off_keep_the_prior() -> None:
    few = rk.match(proofs(HOUR, *_counter_batch()[:150]), _journal())
    assert few.attrs["prior_absent"]["manual"]["used"] == 0.1
    assert row_of(few, "h1")["status"] == "ambiguous"
    off = rk.match(
        proofs(HOUR, *_counter_batch()), _journal(), policy=rk.MatchPolicy(learn_prior_absent=False)
    )
    assert off.attrs["prior_absent"] == {}
    assert row_of(off, "h1")["status"] == "ambiguous"


def test_find_at_the_counter_keeps_the_prior() -> None:
    ranked = rk.find(_journal(), proofs(HOUR))
    assert ranked.attrs["verdict"]["status"] == "ambiguous"


def test_the_explanation_shows_the_posterior_the_verdict_used() -> None:
    result = rk.match(proofs(HOUR, *_counter_batch()), _journal())
    table = rk.explain(result, "h1")
    shown = table.loc[table["field"] == "posterior", "best_value"].iloc[0]
    assert shown == f"{row_of(result, 'h1')['confidence']:.4%}"


def test_the_estimate_recovers_a_known_share() -> None:
    """Simulated: 8 % absent; an absent proof finds nothing with probability exp(-λ), a present one 1 %."""
    rng = np.random.default_rng(3)
    n = 4000
    lam = rng.uniform(0.05, 2.0, n)
    absent = rng.random(n) < 0.08
    found_none = np.where(absent, rng.random(n) < np.exp(-lam), rng.random(n) < 0.01)
    share = absent_share(found_none, np.exp(-lam), 0.01, rk.MatchPolicy())
    assert abs(share - 0.08) < 0.02
    # proofs that could not have found nothing by chance (λ large) say nothing: the prior stays
    assert abs(absent_share(np.zeros(500, bool), np.full(500, 1e-9), 0.01, rk.MatchPolicy()) - 0.1) < 1e-6


def _wallet_journal_and_batch(n_unknown: int) -> tuple[pd.DataFrame, list[dict]]:
    """Wallet sales with their numbers, the bills of them, and ``n_unknown`` bills whose number is not here."""
    sales, bills = [], []
    for k in range(240):
        day = DAYS[k % 7]
        clock = f"{9 + (k * 7) % 12:02d}:{(k * 13) % 60:02d}:30"
        number = f"42000012{k:04d}20261120{k:08d}"
        sales.append(
            txn(
                f"W{k:03d}",
                1000 + 100 * (k % 9),
                clock,
                day=day,
                channel="wechat",
                wallet_txn_id=number,
                merchant_name=SHOP,
            )
        )
        bills.append(pf(f"w{k:03d}", 1000 + 100 * (k % 9), clock, day=day, wallet_txn_id=number))
    for k in range(n_unknown):  # a sale of that amount and second is here, but the bill's number is not
        bills.append(
            pf(
                f"u{k:03d}",
                1000 + 100 * (k % 9),
                sales[k]["ts"].strftime("%H:%M:%S"),
                day=DAYS[k % 7],
                wallet_txn_id=f"42000099{k:04d}20261120{k:08d}",
            )
        )
    return _journal(sales), bills


def test_full_numbers_the_journal_does_not_hold_are_proofs_that_found_nothing() -> None:
    """A bill whose full wallet number is not in the journal was not paid here, even when a sale of its amount
    and second is: the estimate counts it, where the amount alone would have counted it as found."""
    screen = pf("h1", 15600, "17:00:00", ts_precision="hour", ts_end=at("18:00:00").tz_convert("UTC"))
    j, bills = _wallet_journal_and_batch(0)
    result = rk.match(proofs(screen, *bills), j)
    stats = result.attrs["prior_absent"]["wallet"]
    assert stats["none_found"] == 0 and stats["used"] < 0.02
    assert row_of(result, "h1")["txn_id"] == "A"
    j, bills = _wallet_journal_and_batch(40)
    result = rk.match(proofs(screen, *bills), j)
    stats = result.attrs["prior_absent"]["wallet"]
    assert stats["none_found"] == 40 and stats["used"] == 0.1
    assert row_of(result, "h1")["status"] == "ambiguous"


def test_the_counter_uses_the_prior_a_reconcile_kept(tmp_path) -> None:
    """One proof at the counter cannot estimate how often its kind is absent; a month's match can, and the
    learned file keeps it for find (as it keeps clock offsets)."""
    j = _journal()
    month = rk.match(proofs(*_counter_batch()), j)
    learned = rk.save_learned(tmp_path / "journal.csv.receiptkit.json", month)
    assert 0 < learned.prior_absent["manual"] < 0.02
    assert "not in the journal manual" in learned.describe()
    again = rk.load_learned(tmp_path / "journal.csv.receiptkit.json")
    assert again.prior_absent == learned.prior_absent
    ranked = rk.find(j, proofs(HOUR), learned=again)
    assert ranked.attrs["verdict"]["status"] == "matched"
    assert ranked.loc[ranked["chosen"], "txn_id"].tolist() == ["A"]
    # a policy's own prior wins over the kept one; a later month where absence is common replaces it
    careful = rk.MatchPolicy(prior_absent_by_kind={"manual": 0.1})
    assert rk.find(j, proofs(HOUR), learned=again, policy=careful).attrs["verdict"]["status"] == "ambiguous"
    later = rk.match(proofs(*_counter_batch(n_elsewhere=40)), j)
    assert rk.save_learned(tmp_path / "journal.csv.receiptkit.json", later).prior_absent["manual"] == 0.1


def test_a_kept_prior_that_is_not_a_probability_is_refused(tmp_path) -> None:
    import json

    import pytest

    path = tmp_path / "j.receiptkit.json"
    path.write_text(
        json.dumps({"format": "receiptkit-learned", "version": 2, "prior_absent": {"manual": 1.5}})
    )
    with pytest.raises(rk.ReceiptkitError, match="prior of absence of manual"):
        rk.load_learned(path)
