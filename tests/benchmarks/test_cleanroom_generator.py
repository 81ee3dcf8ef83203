"""Smoke test of the clean-room scenario generator (benchmarks/cleanroom): its invariants, not the matcher."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import receiptkit as rk

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

from cleanroom.journal import make_journal  # noqa: E402
from cleanroom.oracle import identifiable, merchant_compatible  # noqa: E402
from cleanroom.proofs import CATEGORIES, ELSEWHERE, make_proofs  # noqa: E402
from cleanroom.world import BRAND_BY_KEY, Shop, descriptor, make_world, strip_text, truncate_gbk  # noqa: E402


@pytest.fixture(scope="module")
def tiny():
    rng = np.random.default_rng(7)
    world = make_world(rng)
    jw = make_journal(world, 3000, rng)
    ps = make_proofs(world, jw, 400, rng)
    return world, jw, ps


def test_frames_validate(tiny):
    _, jw, ps = tiny
    journal = rk.validate_journal(jw.journal)
    assert len(journal) == len(jw.journal)
    assert journal["txn_id"].is_unique
    proofs = rk.validate_proofs(ps.proofs)  # hour and range proofs carry ts_precision "hour" and ts_end
    assert len(proofs) == len(ps.proofs)
    assert (proofs["ts_precision"] == "hour").any()
    assert ps.proofs["proof_id"].is_unique


def test_every_category_present_and_truth_exists(tiny):
    _, jw, ps = tiny
    truth = ps.truth
    assert set(truth["category"]) == set(CATEGORIES)
    ids = set(jw.journal["txn_id"])
    true = truth[truth["truth"].notna()]
    assert true["truth"].isin(ids).all()
    assert not truth.loc[truth["category"].isin(ELSEWHERE), "truth"].notna().any()
    assert truth.loc[truth["category"].isin(ELSEWHERE), "decoy"].isin(ids).all()
    assert true["truth"].is_unique  # one proof per transaction


def test_proofs_agree_with_their_truth(tiny):
    _, jw, ps = tiny
    j = jw.journal.set_index("txn_id")
    df = ps.proofs.merge(ps.truth, on="proof_id")
    same_currency = df[df["truth"].notna() & (df["currency"] == "CNY")]
    assert (
        same_currency["amount_minor"].to_numpy() == j.loc[same_currency["truth"], "amount_minor"].to_numpy()
    ).all()
    credit = df["direction"] == "credit"
    assert (j.loc[df.loc[credit & df["truth"].notna(), "truth"], "txn_type"] == "refund").all()
    wid = df[df["form"] == "wallet_id"]
    assert (wid["wallet_txn_id"].to_numpy() == j.loc[wid["truth"], "wallet_txn_id"].to_numpy()).all()
    # a decoy's amount and minute are copied by the proof of a payment made elsewhere
    sms = df[df["category"].isin(ELSEWHERE) & (df["form"] == "sms")]
    decoy = j.loc[sms["decoy"]]
    assert (sms["amount_minor"].to_numpy() == decoy["amount_minor"].to_numpy()).all()
    hour = df[df["ts_precision"] == "hour"]
    assert (hour["ts_end"] > hour["ts"]).all()


def test_clocks_and_scenarios(tiny):
    world, jw, _ = tiny
    kinds = [t.clock_kind for t in world.terminals if world.shops[t.shop].in_journal]
    assert kinds.count("minutes") == 3 and kinds.count("zone") == 2 and kinds.count("days") == 1
    roles = set(jw.meta["role"])
    assert {"sale", "declined", "double", "shared_last4", "void", "refund"} <= roles
    declined = jw.meta[jw.meta["role"] == "declined"]
    j = jw.journal.set_index("txn_id")
    assert (j.loc[declined["txn_id"], "status"] == "declined").all()
    # a declined attempt comes before its approved retry, same amount and card
    retry = j.loc[declined["partner_txn"]]
    assert (j.loc[declined["txn_id"], "amount_minor"].to_numpy() == retry["amount_minor"].to_numpy()).all()
    assert (
        declined["true_ts"].to_numpy()
        < jw.meta.set_index("txn_id").loc[declined["partner_txn"], "true_ts"].to_numpy()
    ).all()


def test_oracle_reads_names_like_a_clerk():
    rng = np.random.default_rng(0)
    world = make_world(rng)
    hdl = [s for s in world.shops if s.brand.key == "haidilao"]
    wjc = next(s for s in hdl if s.branch == "五角场店")
    xm = next(s for s in hdl if s.branch == "厦门中山路店")
    assert merchant_compatible("财付通-海底捞火锅(五角场店)", wjc, world)
    assert not merchant_compatible("财付通-海底捞火锅(厦门中山路店", wjc, world)  # another branch, truncated
    assert merchant_compatible("美团支付-美团App海底捞火锅(", wjc, world)  # branch cut off: any branch
    assert merchant_compatible("北京三快在线科技有限公司", wjc, world)  # aggregator: neutral
    assert merchant_compatible("支付宝-" + wjc.brand.legal, xm, world)  # the brand's legal entity
    assert not merchant_compatible("支付宝-" + BRAND_BY_KEY["lawson"].legal, wjc, world)
    assert not merchant_compatible("古茗(打浦桥店)", wjc, world)  # another brand
    assert merchant_compatible("某某小吃店", wjc, world)  # unknown: neutral, never against
    assert merchant_compatible("财付通-鑫源美容院", wjc, world)  # a jump code names nobody we know
    assert strip_text("SALES:   MCDONALDS SHANGHAI  CHN CN") == "MCDONALDSSHANGHAI"
    assert (
        truncate_gbk("美团-美团App真好嘢粤菜点心老字号（宝安店）", 40)
        == "美团-美团App真好嘢粤菜点心老字号（宝安店"
    )
    shop = Shop(0, BRAND_BY_KEY["mcd"], "上海", "中山公园店", True, 0, "898000000000000")
    assert descriptor(shop, "legal", "alipay", rng) == "支付宝-金拱门(中国)有限公司"


def test_oracle_on_the_tiny_world(tiny):
    world, jw, ps = tiny
    o = identifiable(ps.proofs, ps.truth, jw.journal, world)
    assert len(o) == len(ps.proofs)
    assert not o.loc[o["truth"].isna(), "identifiable"].any()
    # a full wallet number names its row
    wid = o.merge(ps.truth[["proof_id", "form"]], on="proof_id")
    assert wid.loc[wid["form"] == "wallet_id", "identifiable"].all()
    # double charges seen by minute-precision evidence cannot be told apart
    dc = wid[(wid["category"] == "double_charge") & (wid["form"].isin(["sms", "counter_minute"]))]
    assert not dc["identifiable"].any()
    assert pd.api.types.is_bool_dtype(o["identifiable"])
