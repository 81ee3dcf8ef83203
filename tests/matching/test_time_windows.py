"""Hours, periods, ranges and 左右 in the matcher: the candidate window and the time evidence."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

import receiptkit as rk
from receiptkit.cli.app import app

from .conftest import at, background, journal, proofs, row_of, txn

REF = "2026-11-20"
BG = background()


def _counter(time: str, amount: str = "88.13", last4: str | None = "1111") -> pd.DataFrame:
    return rk.proof(amount=amount, time=time, last4=last4, ref=REF)


def _level(result: pd.DataFrame, proof_id: str) -> str:
    table = rk.explain(result, proof_id).set_index("field")
    return str(table.at["time", "best_level"])


@pytest.mark.parametrize(
    ("time", "clock"),
    [
        ("14点", "14:40:12"),  # anywhere inside the hour
        ("14点", "14:00:03"),
        ("14点-15点", "14:59:50"),
        ("下午两点左右", "13:41:00"),  # 13:30-14:30
        ("下午", "19:45:00"),
        ("11月20日 下午2点", "14:20:00"),
        ("14:20-14:40", "14:33:33"),
        ("14:32左右", "14:25:00"),
    ],
)
def test_a_transaction_inside_the_window_agrees(time: str, clock: str) -> None:
    j = journal(*BG, txn("A", 8813, clock, card_last4="1111"))
    proof = _counter(time)
    result = rk.match(proof, j)
    row = result.iloc[0]
    assert (row["status"], row["txn_id"]) == ("matched", "A"), row["reason"]
    assert _level(result, row["proof_id"]) == "inside"


@pytest.mark.parametrize(
    ("time", "clock"),
    [
        ("14点", "15:20:00"),  # 20 minutes after the hour: beyond the clock tolerance
        ("14点", "13:50:00"),
        ("下午两点左右", "14:50:00"),
        ("上午", "12:30:00"),
    ],
)
def test_a_transaction_outside_the_window_is_no_candidate(time: str, clock: str) -> None:
    j = journal(*BG, txn("A", 8813, clock, card_last4="1111"))
    row = rk.match(_counter(time), j, clock_offsets={}).iloc[0]
    assert row["status"] == "unmatched"
    assert row["n_candidates"] == 0


def test_an_hour_does_not_pick_between_two_sales_in_it() -> None:
    j = journal(
        *BG,
        txn("A", 8813, "14:10:00", card_last4="1111"),
        txn("B", 8813, "14:50:00", card_last4="2222"),
        txn("C", 8813, "16:50:00", card_last4="3333"),  # outside: not a candidate
    )
    row = rk.match(_counter("14点", last4=None), j).iloc[0]
    assert row["status"] == "ambiguous"
    assert sorted(t for t, _ in rk.candidate_pairs(row)) == ["A", "B"]
    assert "time of payment (to the minute)" in row["ask"]
    # the card's last 4 settles it inside the hour
    row = rk.match(_counter("14点", last4="2222"), j).iloc[0]
    assert (row["status"], row["txn_id"]) == ("matched", "B")


def test_an_hour_is_weaker_time_evidence_than_a_minute() -> None:
    j = journal(*BG, txn("A", 8813, "14:32:20", card_last4="1111"))
    minute = rk.explain(rk.match(_counter("14:32"), j), _counter("14:32").at[0, "proof_id"])
    hour = rk.explain(rk.match(_counter("14点"), j), _counter("14点").at[0, "proof_id"])
    bits = {
        name: float(t.set_index("field").at["time", "best_bits"])
        for name, t in (("minute", minute), ("hour", hour))
    }
    assert bits["hour"] < bits["minute"]


def test_hour_precision_without_ts_end_is_that_hour() -> None:
    # a canonical frame that says hour but gives no end: validate_proofs fills ts + 1 hour
    frame = proofs(
        {
            "proof_id": "h1",
            "kind": "manual",
            "ts": at("14:00:00"),
            "ts_precision": "hour",
            "amount_minor": 8813,
            "currency": "CNY",
            "direction": "debit",
            "card_last4": "1111",
        }
    )
    assert frame.at[0, "ts_end"] == at("15:00:00")
    j = journal(*BG, txn("A", 8813, "14:55:00", card_last4="1111"))
    assert rk.match(frame, j).at[0, "txn_id"] == "A"


def test_find_takes_the_time_as_typed() -> None:
    j = journal(
        *BG, txn("A", 8813, "21:30:40", card_last4="1111"), txn("B", 8813, "09:30:40", card_last4="1111")
    )
    ranked = rk.find(j, amount="88.13", time="晚上9点半", last4="1111", ref=REF)
    assert ranked.loc[0, "txn_id"] == "A"
    assert ranked.attrs["verdict"]["status"] == "matched"
    with pytest.raises(rk.ProofError) as info:
        rk.find(j, amount="88.13", time="9点半", last4="1111", ref=REF)
    assert info.value.column == "time" and "09:30 or 21:30" in info.value.reason


def test_cli_find_reads_an_hour_and_refuses_an_ambiguous_one(tmp_path) -> None:
    j = journal(*BG, txn("A", 8813, "14:40:12", card_last4="1111"))
    path = tmp_path / "journal.csv"
    j.to_csv(path, index=False)
    runner = CliRunner()
    args = ["find", "--journal", str(path), "--amount", "88.13", "--last4", "1111"]
    ok = runner.invoke(app, [*args, "--time", "2026-11-20 14点"])
    assert ok.exit_code == 0, ok.output
    assert "2026-11-20 14:00 to 2026-11-20 15:00 (hour, as typed: 2026-11-20 14点)" in ok.output
    assert "MATCHED" in ok.output
    bad = runner.invoke(app, [*args, "--time", "2026-11-20 两点"])
    assert bad.exit_code != 0
    assert "02:00 or 14:00" in bad.output


def test_the_window_survives_a_csv_round_trip(tmp_path) -> None:
    proof = _counter("下午两点左右")
    path = tmp_path / "proofs.csv"
    proof.drop(columns=["raw"]).to_csv(path, index=False)
    back = rk.read_proofs(path)
    assert back.at[0, "ts_precision"] == "hour"
    assert back.at[0, "ts"] == at("13:30:00")
    assert back.at[0, "ts_end"] == at("14:30:00")
    assert (
        row_of(
            rk.match(back, journal(*BG, txn("A", 8813, "14:05:00", card_last4="1111"))),
            back.at[0, "proof_id"],
        )["txn_id"]
        == "A"
    )
