"""The fourth clean room's generator keeps its own promises (it never tunes or judges the matcher).

On one small seed: every genuine proof's payment is among the rows the oracle could not rule out, hostile
proofs point at no payment of their own, wallet numbers have the field guide's forms, a shown number whose
date disagrees with the shown date is flagged, and the files read back through the public API hold the
proofs written. Imports the public receiptkit API only.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import receiptkit as rk

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

cleanroom4 = pytest.importorskip("cleanroom4")
from cleanroom4.proofs import HOSTILE, SHARES  # noqa: E402
from cleanroom4.world import embedded_date  # noqa: E402


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> cleanroom4.Scenario:
    return cleanroom4.build(1, 240, 2400, tmp_path_factory.mktemp("cleanroom4"))


def test_every_category_is_drawn_and_the_batch_has_the_size_asked(scenario: cleanroom4.Scenario) -> None:
    cats = {p.category for p in scenario.proofs}
    assert cats == set(SHARES)
    assert len(scenario.proofs) == 240
    assert len({p.pid for p in scenario.proofs}) == 240


def test_genuine_proofs_fit_their_own_payment(scenario: cleanroom4.Scenario) -> None:
    for p in scenario.proofs:
        v = scenario.verdicts[p.pid]
        if p.hostile:
            assert p.truth is None and not v.identifiable
            assert p.category in HOSTILE
        else:
            assert p.truth is not None and p.truth in v.fits, p.pid
            assert v.identifiable == (len(v.fits) == 1)


def test_hostile_targets_are_approved_sales_and_payees_elsewhere_fit_nothing(
    scenario: cleanroom4.Scenario,
) -> None:
    j = scenario.world.journal
    for p in scenario.proofs:
        if p.target is not None:
            assert j.at[p.target, "txn_type"] == "sale" and j.at[p.target, "status"] == "approved"
        if p.category in ("elsewhere", "qr_swap") and p.merchant[0] in ("other", "person"):
            assert scenario.verdicts[p.pid].fits == []
            assert scenario.verdicts[p.pid].could_tell


def test_wallet_numbers_have_the_field_guides_forms(scenario: cleanroom4.Scenario) -> None:
    j, t = scenario.world.journal, scenario.world.truth
    for ch, w, true_ts in zip(j["channel"], t["wallet_no"], t["true_ts"], strict=True):
        if ch == "wechat":
            assert re.fullmatch(r"4200\d{24}", w) and embedded_date(w) == true_ts.date()
        elif ch == "alipay":
            assert re.fullmatch(r"\d{28}", w) and embedded_date(w) == true_ts.date()
    shown = j["wallet_txn_id"].dropna()
    assert (
        0 < len(shown) < int(j["channel"].isin(["wechat", "alipay"]).sum())
    )  # some terminals carry it, not all


def test_self_contradicting_numbers_are_flagged(scenario: cleanroom4.Scenario) -> None:
    seen = 0
    for p in scenario.proofs:
        if p.number and embedded_date(p.number) not in (None, p.date):
            seen += 1
            assert scenario.verdicts[p.pid].could_tell
            assert p.hostile
    assert seen > 0


def test_terminal_clocks_are_mostly_right(scenario: cleanroom4.Scenario) -> None:
    kinds = [t.kind for t in scenario.world.terminals]
    assert kinds.count("ok") > len(kinds) / 2 and "skewed" in kinds and "wrong_zone" in kinds


def test_files_read_back_hold_the_proofs_written(scenario: cleanroom4.Scenario) -> None:
    frame = scenario.frame
    assert sorted(frame["proof_id"]) == sorted(p.pid for p in scenario.proofs)
    amounts = dict(zip(frame["proof_id"], frame["amount_minor"].astype(int), strict=True))
    assert all(amounts[p.pid] == p.amount for p in scenario.proofs)
    assert len(rk.read_journal(scenario.world.journal)) == len(scenario.world.journal)
