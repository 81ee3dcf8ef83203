"""Time by precision and kind, time zones, proofs without a year, per-terminal clock skew."""

from __future__ import annotations

import pandas as pd

import receiptkit as rk

from .conftest import at, background, flags_of, journal, pf, proofs, row_of, txn

BG = background()


def test_wallet_to_the_second_tolerates_minutes_of_offset_but_not_more() -> None:
    j = journal(*BG, txn("A", 6600, "10:00:00", card_last4="1111"))
    near = rk.match(proofs(pf("p1", 6600, "10:03:40", card_last4="1111")), j)
    assert row_of(near, "p1")["txn_id"] == "A"
    far = rk.match(proofs(pf("p1", 6600, "10:20:00", card_last4="1111")), j, clock_offsets={})
    assert row_of(far, "p1")["status"] == "unmatched"


def test_sms_to_the_minute_picks_the_transaction_in_that_minute() -> None:
    j = journal(
        *BG,
        txn("early", 3300, "10:31:10", card_last4="1111"),
        txn("right", 3300, "10:42:31", card_last4="1111"),
    )
    sms = pf("s1", 3300, "10:42:00", kind="sms", ts_precision="minute", card_last4="1111")
    result = rk.match(proofs(sms), j)
    assert row_of(result, "s1")["txn_id"] == "right"


def test_bank_statement_by_date_posted_business_days_later() -> None:
    # Friday 2026-11-20 sale, posted Tuesday 2026-11-24 (2 business days later)
    j = journal(*BG, txn("A", 12345, "19:00:00", card_last4="4444", merchant_name="海底捞火锅(三里屯店)"))
    line = pf("b1", 12345, None, day="2026-11-24", card_last4="4444", merchant_text="POS消费 海底捞三里屯")
    result = rk.match(proofs(line), j)
    assert row_of(result, "b1")["txn_id"] == "A"
    # a line dated before the sale cannot be it, nor one posted 5 business days later
    for day in ("2026-11-19", "2026-11-27"):
        line = pf("b2", 12345, None, day=day, card_last4="4444", merchant_text="POS消费 海底捞三里屯")
        assert row_of(rk.match(proofs(line), j), "b2")["status"] == "unmatched"


def test_proof_in_another_time_zone_than_the_terminal() -> None:
    # the terminal logs in Shanghai; the customer's phone shows Tokyo time (one hour ahead)
    j = journal(*BG, txn("A", 6600, "10:00:00", card_last4="1111"))
    tokyo = pf("p1", 6600, "11:00:10", tz="Asia/Tokyo", card_last4="1111")
    assert row_of(rk.match(proofs(tokyo), j), "p1")["txn_id"] == "A"
    # a bank line dated by the journal's local day: a 23:30 Shanghai sale belongs to that day
    late = journal(*BG, txn("B", 7700, "23:30:00", card_last4="2222"))
    line = pf("b1", 7700, None, day="2026-11-20", card_last4="2222")
    assert row_of(rk.match(proofs(line), late), "b1")["txn_id"] == "B"


def test_counter_time_without_a_year_is_resolved_by_the_reader() -> None:
    j = journal(*BG, txn("A", 6600, "14:32:10", card_last4="1111"))
    p = rk.proof(amount="66.00", time="11-20 14:32", last4="1111", ref=pd.Timestamp("2026-12-01").date())
    assert str(p.at[0, "ts"].tz_convert("Asia/Shanghai")).startswith("2026-11-20 14:32")  # kept in UTC
    result = rk.match(p, j)
    assert row_of(result, p.at[0, "proof_id"])["txn_id"] == "A"


def _skewed_case(offset_s: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Terminal T9 runs ``offset_s`` ahead; 6 proofs with wallet numbers on it plus one plain proof."""
    rows, ps = [], []
    for k in range(6):
        true = at("09:00:00") + pd.Timedelta(minutes=37 * k)
        logged = true + pd.Timedelta(seconds=offset_s)
        row = txn(f"K{k}", 1000 + 111 * k, "00:00:00", terminal_id="T9", wallet_txn_id=f"42000{k:023d}")
        row["ts"] = logged
        rows.append(row)
        ps.append(
            pf(
                f"w{k}",
                1000 + 111 * k,
                None,
                ts=true,
                ts_precision="second",
                kind="wallet",
                wallet_txn_id=f"42000{k:023d}",
            )
        )
    target = txn("T", 8888, "00:00:00", terminal_id="T9", card_last4="3030")
    target["ts"] = at("15:10:00") + pd.Timedelta(seconds=offset_s)
    rows.append(target)
    ps.append(pf("plain", 8888, "15:10:04", card_last4="3030"))
    return journal(*BG, *rows), proofs(*ps)


def test_terminal_hours_off_is_estimated_used_and_reported() -> None:
    j, p = _skewed_case(8 * 3600)  # a terminal set to the wrong zone (UTC+16 instead of +8)
    result = rk.match(p, j)
    offsets = rk.clock_offsets(result)
    assert offsets.loc["T9", "used"]
    assert abs(offsets.loc["T9", "offset_s"] - 8 * 3600) <= 60
    row = row_of(result, "plain")
    assert row["txn_id"] == "T"
    assert "clock_offset" in flags_of(result, "plain")
    assert abs(row["clock_offset_s"] - 8 * 3600) <= 60


def test_terminal_minutes_fast_is_corrected() -> None:
    j, p = _skewed_case(-7 * 60)
    result = rk.match(p, j)
    assert abs(rk.clock_offsets(result).loc["T9", "offset_s"] + 420) <= 60
    assert row_of(result, "plain")["txn_id"] == "T"


def test_given_clock_offsets_are_used_as_is() -> None:
    j, p = _skewed_case(3 * 3600)
    plain = p[p["proof_id"] == "plain"]
    without = rk.match(plain, j, clock_offsets={})
    assert row_of(without, "plain")["status"] == "unmatched"
    given = rk.match(plain, j, clock_offsets={"T9": 3 * 3600})
    assert row_of(given, "plain")["txn_id"] == "T"
    assert rk.clock_offsets(given).loc["T9", "offset_s"] == 3 * 3600


def test_terminal_without_skew_gets_no_offset() -> None:
    j, p = _skewed_case(0)
    result = rk.match(p, j)
    offsets = rk.clock_offsets(result)
    assert abs(offsets.loc["T9", "offset_s"]) < 60
    assert "clock_offset" not in flags_of(result, "plain")
    assert row_of(result, "plain")["clock_offset_s"] == 0


def test_clock_offset_votes_are_weighed_by_the_policy() -> None:
    """The vote of a proof sharing a wallet number, or its card's last 4, is the policy's value, not a literal."""
    rows = [
        txn(f"A{k}", 1000 + k, f"10:{10 + k:02d}:00", wallet_txn_id=f"42000000{k:02d}20261120000000{k:04d}")
        for k in range(4)
    ]
    j = journal(*BG, *rows)
    # the customer's phone is right; the terminal logs 7 minutes ahead
    ps = proofs(
        *[
            pf(f"p{k}", 1000 + k, f"10:{3 + k:02d}:00", wallet_txn_id=f"42000000{k:02d}20261120000000{k:04d}")
            for k in range(4)
        ]
    )
    votes = {}
    for weight in (20.0, 5.0):
        policy = rk.MatchPolicy(skew_vote_same_wallet=weight)
        offsets = rk.clock_offsets(rk.match(ps, j, policy=policy))
        assert offsets.loc["T1", "offset_s"] == 420 and bool(offsets.loc["T1", "used"])
        votes[weight] = offsets.loc["T1", "votes"]
    assert votes[20.0] == 4 * 20.0 and votes[5.0] == 4 * 5.0
    # below min_skew_votes the offset is estimated but not used
    few = rk.clock_offsets(rk.match(ps, j, policy=rk.MatchPolicy(skew_vote_same_wallet=0.5)))
    assert not bool(few.loc["T1", "used"])


def test_a_corrected_time_across_a_dst_change_has_the_local_day_of_its_corrected_time() -> None:
    """Field guide 6: terminals hours off (a zone misconfigured). A London terminal 2 h 45 min fast logs 02:30 GMT on
    25 October 2026, the night clocks go back: the sale was at 00:45 BST on the 25th. Its local day was taken
    with the offset of the logged time (GMT), 24 October, so an SMS dated the 25th read it 'outside' (unmatched
    at 7 %; before session 15 'edge'). The corrected time's own day is the proof's: 'same day' (ambiguous
    at 88 %: one sale, little else said)."""
    j = pd.DataFrame(
        [
            {
                "txn_id": "L1",
                "ts": pd.Timestamp("2026-10-25 02:30:00", tz="Europe/London"),
                "amount_minor": 5000,
                "currency": "GBP",
                "txn_type": "sale",
                "status": "approved",
                "channel": "card",
                "card_last4": "1234",
                "terminal_id": "T1",
            }
        ]
    )
    index = rk.JournalIndex(j, clock_offsets={"T1": 9900})
    assert str(pd.Timestamp(int(index.day_adj[0]), unit="D").date()) == "2026-10-25"
    sms = pd.DataFrame(
        [
            {
                "proof_id": "p1",
                "kind": "sms",
                "ts": None,
                "ts_precision": "day",
                "date": pd.Timestamp("2026-10-25"),
                "amount_minor": 5000,
                "currency": "GBP",
                "direction": "debit",
                "card_last4": "1234",
            }
        ]
    )
    result = rk.match(sms, index)
    assert rk.explain(result, "p1").set_index("field").loc["time", "best_level"] == "same day"
    got = row_of(result, "p1")
    assert got["status"] != "unmatched" and "L1" in list(got["candidate_txn_ids"]), got["reason"]
