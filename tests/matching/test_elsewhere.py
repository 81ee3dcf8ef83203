"""Payments made elsewhere that coincide with a sale here: the batch's own rate (matching.elsewhere)."""

from __future__ import annotations

import pytest

import receiptkit as rk

from .conftest import background, journal, pf, proofs, row_of, txn

BG = background()
SHOP = "海底捞火锅(五角场店)"


def _upper(k: int, n: int, z: float = 1.645) -> float:
    """The upper end of the one-sided 95 % Wilson interval of ``k / n``: the coinciding rate read from ``n``
    proofs naming another shop of which ``k`` coincide (at least ``coincidence_min_named`` of them)."""
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return min(1.0, (centre + spread) / (1 + z * z / n))


def _journal_and_decoys(n_decoys: int):
    """Sales of the shop, and SMS of payments at another branch coinciding with the first ``n_decoys`` of them."""
    sales = [
        txn(
            f"S{k}",
            10000 + 100 * k,
            f"1{k % 10}:{10 + k:02d}:20",
            card_last4=f"{1000 + k}",
            merchant_name=SHOP,
        )
        for k in range(12)
    ]
    sales.append(txn("T", 8800, "19:31:10", card_last4="4321", merchant_name=SHOP))
    decoys = [
        pf(
            f"elsewhere{k}",
            10000 + 100 * k,
            f"1{k % 10}:{10 + k:02d}:00",
            kind="sms",
            ts_precision="minute",
            card_last4=f"{1000 + k}",
            merchant_text="财付通-海底捞火锅(厦门中山路店)",
        )
        for k in range(n_decoys)
    ]
    return journal(*BG, *sales), decoys


def _usd_lines(n: int) -> list:
    """``n`` SMS of USD card payments naming another branch (no rate: their amount cannot be weighed)."""
    return [
        pf(
            f"usd{k}",
            1500 + 10 * k,
            f"1{k % 10}:{k % 60:02d}:00",
            kind="sms",
            ts_precision="minute",
            currency="USD",
            card_last4=f"{6000 + k}",
            merchant_text="财付通-海底捞火锅(厦门中山路店)",
        )
        for k in range(n)
    ]


def _apart(n: int) -> list:
    """``n`` SMS naming another branch whose amounts no sale here has: they never coincide."""
    return [
        pf(
            f"apart{k}",
            90000 + 100 * k,
            f"1{k % 10}:{30 + k:02d}:00",
            kind="sms",
            ts_precision="minute",
            card_last4=f"{5000 + k}",
            merchant_text="财付通-海底捞火锅(厦门中山路店)",
        )
        for k in range(n)
    ]


UNNAMED = pf(
    "unnamed",
    8800,
    "19:31:00",
    kind="sms",
    ts_precision="minute",
    card_last4="4321",
    merchant_text="美团平台商户",
)


def test_an_unnamed_proof_is_matched_when_the_batch_shows_no_coincidences() -> None:
    j, _ = _journal_and_decoys(0)
    result = rk.match(proofs(UNNAMED), j)
    assert row_of(result, "unnamed")["txn_id"] == "T"
    assert result.attrs["coincidence"]["sms"] == {
        "named": 0,
        "coincide": 0,
        "rate": 0.001,
        "here": 0,
        "share": 0.1,  # no proof says where it was paid: prior_absent
        "silent": 1,
        "silent_none_found": 0,
        "absent_prior": 0.1,
        "kept": False,
    }


def test_when_payments_naming_another_shop_coincide_an_unnamed_one_is_not_matched() -> None:
    """Ten SMS naming another branch fit sales here on amount, minute and card: an SMS naming only a
    platform is then as likely one more of them, and stays ambiguous however well it fits."""
    j, decoys = _journal_and_decoys(10)
    result = rk.match(proofs(UNNAMED, *decoys), j)
    for k in range(10):
        assert row_of(result, f"elsewhere{k}")["status"] == "unmatched"  # another branch: never matched
    stats = result.attrs["coincidence"]["sms"]
    assert stats["named"] == 10 and stats["coincide"] == 10
    # ten proofs to read the rate from: the upper end of what 10 coinciding of 10 allow (1)
    assert stats["rate"] == round(_upper(10, 10), 4) == 1.0
    verdict = row_of(result, "unnamed")
    assert verdict["status"] == "ambiguous"
    assert "not in this journal" in verdict["reason"]
    assert "names the shop" in verdict["ask"]
    # no proof names this shop: the share of payments made elsewhere is (10 + 0.1 * 20) / (10 + 0 + 20)
    assert stats["here"] == 0 and stats["share"] == round(12 / 30, 4)
    # the cap: (1 - share) / (1 - share + share * rate)
    share, rate = 12 / 30, 1.0
    assert verdict["confidence"] <= (1 - share) / (1 - share + share * rate) + 1e-6


def test_a_name_of_no_shop_here_weighs_against_a_sale_but_not_against_a_payment_made_elsewhere() -> None:
    """One SMS naming another branch coincides with a sale here. An SMS naming only a platform, on amount, minute
    and card of another sale, is matched (99.2 %). The same SMS naming another shop's sign (蜀大侠火锅, no shop of
    this journal) was matched too: its name weighed against the sale (m_merchant_unrelated) and, as much,
    against "paid elsewhere and coinciding", so it cancelled out. A payment made elsewhere shows another
    shop's name as a matter of course: on that path the name no longer counts against, and the proof is not
    matched (the cap becomes (1 - s) / (1 - s + s q u / m), u the share of the journal the name is unrelated
    to: all of it here). The batch holds 200 SMS naming this shop, so that payments made elsewhere are rare
    among the proofs that say where they were paid (3 / 221 with the prior)."""
    sales, named = _sales_and_sms_naming_this_shop(200)
    j, decoys = _journal_and_decoys(1)
    j = journal(*j.to_dict("records"), *sales)
    decoys = decoys + named
    sign = pf(
        "sign",
        8800,
        "19:31:00",
        kind="sms",
        ts_precision="minute",
        card_last4="4321",
        merchant_text="蜀大侠火锅",
    )
    platform = rk.match(proofs(UNNAMED, *decoys), j)
    assert row_of(platform, "unnamed")["status"] == "matched"
    result = rk.match(proofs(sign, *decoys), j)
    verdict = row_of(result, "sign")
    assert verdict["status"] != "matched"
    stats = result.attrs["coincidence"]["sms"]
    share, rate, m = stats["share"], stats["rate"], rk.MatchPolicy().m_merchant_unrelated
    assert verdict["confidence"] == pytest.approx((1 - share) / (1 - share + share * rate / m), abs=2e-3)
    # the sale it would have been is still the one named, and the text is still read as it was
    table = rk.explain(result, "sign").set_index("field")
    assert table.loc["merchant", "best_level"] == "unrelated"
    assert table.loc["merchant", "best_txn_id"] == "T"


@pytest.mark.parametrize("threshold", [0.995, 0.999, 0.9999])
def test_a_higher_match_threshold_never_makes_coincidences_rarer(threshold: float) -> None:
    """Ten SMS naming another branch coincide with sales here. Whether they coincide is a fact about their
    evidence (coincidence_level), not about the threshold: at match_threshold 0.999 they counted as not
    coinciding (none reached 0.999 without its merchant text), the cap vanished, and the SMS naming only a
    platform was matched at 99.95 %, where the default threshold leaves it ambiguous at 81.8 %."""
    j, decoys = _journal_and_decoys(10)
    default = rk.match(proofs(UNNAMED, *decoys), j)
    strict = rk.match(proofs(UNNAMED, *decoys), j, policy=rk.MatchPolicy(match_threshold=threshold))
    assert strict.attrs["coincidence"]["sms"] == default.attrs["coincidence"]["sms"]
    assert strict.attrs["coincidence"]["sms"]["coincide"] == 10
    assert row_of(default, "unnamed")["status"] == "ambiguous"
    assert row_of(strict, "unnamed")["status"] == "ambiguous"
    assert row_of(strict, "unnamed")["confidence"] == pytest.approx(row_of(default, "unnamed")["confidence"])


def test_a_proof_naming_the_shop_or_carrying_a_number_is_not_affected() -> None:
    j, decoys = _journal_and_decoys(10)
    named = pf(
        "named", 8800, "19:31:00", kind="sms", ts_precision="minute", card_last4="4321", merchant_text=SHOP
    )
    result = rk.match(proofs(named, *decoys), j)
    assert row_of(result, "named")["txn_id"] == "T"
    j2 = journal(
        *BG,
        txn(
            "W",
            8800,
            "19:31:10",
            card_last4="4321",
            merchant_name=SHOP,
            wallet_txn_id="4200001111202611201234567890",
        ),
    )
    wallet = pf(
        "wallet", 8800, "19:31:10", merchant_text="美团平台商户", wallet_txn_id="4200001111202611201234567890"
    )
    result = rk.match(proofs(wallet, *decoys), j2)
    assert row_of(result, "wallet")["txn_id"] == "W"


def test_the_prior_can_be_switched_off() -> None:
    j, decoys = _journal_and_decoys(10)
    policy = rk.MatchPolicy(coincidence_prior=0.0)
    result = rk.match(proofs(UNNAMED, *decoys), j, policy=policy)
    assert row_of(result, "unnamed")["txn_id"] == "T"
    assert result.attrs["coincidence"] == {}


REFUND_SMS = pf(
    "refund",
    8800,
    "19:31:00",
    kind="sms",
    ts_precision="minute",
    card_last4="4321",
    direction="credit",
    merchant_text=None,
)


def test_a_refund_is_not_capped_by_the_rate_of_payments_made_elsewhere() -> None:
    """Ten SMS of payments at another branch coincide with sales here: that is what the batch says about
    payments, not about refunds. A refund SMS naming no shop is weighed against its own kind's rate
    (no refund in the batch names another shop: the prior), and is matched."""
    j = journal(
        *BG,
        *[
            txn(
                f"S{k}",
                10000 + 100 * k,
                f"1{k % 10}:{10 + k:02d}:20",
                card_last4=f"{1000 + k}",
                merchant_name=SHOP,
            )
            for k in range(12)
        ],
        txn("S-orig", 8800, "12:05:00", card_last4="4321", merchant_name=SHOP),
        txn(
            "R",
            8800,
            "19:31:10",
            card_last4="4321",
            merchant_name=SHOP,
            txn_type="refund",
            original_txn_id="S-orig",
        ),
    )
    _, decoys = _journal_and_decoys(10)
    result = rk.match(proofs(REFUND_SMS, *decoys), j)
    stats = result.attrs["coincidence"]
    assert stats["sms"]["named"] == 10 and stats["sms"]["coincide"] == 10  # payments: a high rate
    assert stats["sms credit"] == {  # refunds: the prior
        "named": 0,
        "coincide": 0,
        "rate": 0.001,
        "here": 0,
        "share": 0.1,
        "silent": 1,
        "silent_none_found": 0,
        "absent_prior": 0.1,
        "kept": False,
    }
    assert row_of(result, "refund")["status"] == "matched"
    assert row_of(result, "refund")["txn_id"] == "R"


def test_refunds_naming_another_shop_set_the_rate_of_refunds() -> None:
    """When refunds made elsewhere do coincide with refunds here, an unnamed refund is capped as a payment is."""
    shop_refunds = []
    elsewhere = []
    for k in range(10):
        shop_refunds.append(
            txn(f"O{k}", 5000 + 100 * k, "09:00:00", card_last4=f"{2000 + k}", merchant_name=SHOP)
        )
        shop_refunds.append(
            txn(
                f"R{k}",
                5000 + 100 * k,
                f"1{k % 10}:{20 + k:02d}:20",
                card_last4=f"{2000 + k}",
                merchant_name=SHOP,
                txn_type="refund",
                original_txn_id=f"O{k}",
            )
        )
        elsewhere.append(
            pf(
                f"refund-elsewhere{k}",
                5000 + 100 * k,
                f"1{k % 10}:{20 + k:02d}:00",
                kind="sms",
                ts_precision="minute",
                card_last4=f"{2000 + k}",
                direction="credit",
                merchant_text="财付通-海底捞火锅(厦门中山路店)",
            )
        )
    j = journal(
        *BG,
        *shop_refunds,
        txn("S-orig", 8800, "12:05:00", card_last4="4321", merchant_name=SHOP),
        txn(
            "R",
            8800,
            "19:31:10",
            card_last4="4321",
            merchant_name=SHOP,
            txn_type="refund",
            original_txn_id="S-orig",
        ),
    )
    result = rk.match(proofs(REFUND_SMS, *elsewhere), j)
    stats = result.attrs["coincidence"]["sms credit"]
    assert stats["named"] == 10 and stats["coincide"] == 10
    for k in range(10):
        assert row_of(result, f"refund-elsewhere{k}")["status"] == "unmatched"
    verdict = row_of(result, "refund")
    assert verdict["status"] == "ambiguous"
    assert "names the shop" in verdict["ask"]


def test_a_jump_code_name_declared_as_an_alias_is_not_capped() -> None:
    """A jump-code (跳码) terminal reports an unrelated business (field guide 2.1.8): nothing in the proof
    tells it from a payment at an unknown shop, so it is capped like a proof naming no shop. Once the shop
    declares the name its terminal reports (the terminal register, ``JournalIndex(merchant_aliases=...)``),
    the proof names this shop and the batch's coincidence rate no longer weighs on it."""
    j, decoys = _journal_and_decoys(10)
    jump = pf(
        "jump",
        8800,
        "19:31:00",
        kind="sms",
        ts_precision="minute",
        card_last4="4321",
        merchant_text="财付通-深圳市宏达贸易有限公司",
    )
    capped = row_of(rk.match(proofs(jump, *decoys), j), "jump")
    assert capped["status"] == "ambiguous" and "names the shop" in capped["ask"]
    declared = rk.JournalIndex(j, merchant_aliases={"T1": ["深圳市宏达贸易有限公司"]})
    verdict = row_of(rk.match(proofs(jump, *decoys), declared), "jump")
    assert verdict["status"] == "matched" and verdict["txn_id"] == "T"


def _sales_and_sms_naming_this_shop(n: int) -> tuple[list, list]:
    """``n`` sales of the shop and an SMS naming the shop for each (amount, minute and card agreeing)."""
    sales, named = [], []
    for k in range(n):
        clock = (
            f"{8 + k // 40:02d}:{k % 40:02d}:20" if n > 200 else f"{10 + k // 20:02d}:{(k % 20) * 3:02d}:20"
        )
        sales.append(txn(f"N{k}", 20000 + 7 * k, clock, card_last4=f"{3000 + k}", merchant_name=SHOP))
        named.append(
            pf(
                f"named{k}",
                20000 + 7 * k,
                clock[:-2] + "00",
                kind="sms",
                ts_precision="minute",
                card_last4=f"{3000 + k}",
                merchant_text=SHOP,
            )
        )
    return sales, named


def test_a_few_coinciding_payments_elsewhere_among_many_proofs_of_this_shop_do_not_cap_every_proof() -> None:
    """Five SMS naming another branch coincide with sales here (every one of them: the rate is read as 1),
    but 600 SMS of the same batch name this shop: payments made elsewhere are about 1 % of the proofs that say
    where they were paid, so an SMS naming no shop that fits one sale on amount, minute and card is this
    shop's at 99 %. Among 200 naming this shop they are 3 %, every one coinciding: one SMS naming no shop in 33
    would then be a stranger's payment, and it is not matched. The same SMS in a batch where the five are all
    that name a shop stays capped."""
    sales, named = _sales_and_sms_naming_this_shop(600)
    j, decoys = _journal_and_decoys(5)
    j = journal(*j.to_dict("records"), *sales)
    result = rk.match(proofs(UNNAMED, *decoys, *named), j)
    stats = result.attrs["coincidence"]["sms"]
    assert stats["named"] == 5 and stats["coincide"] == 5 and stats["here"] == 600
    assert stats["share"] == round((5 + 0.1 * 20) / (5 + 600 + 20), 4)
    assert stats["rate"] == 1.0
    assert row_of(result, "unnamed")["txn_id"] == "T"
    fewer = rk.match(proofs(UNNAMED, *decoys, *named[:200]), j)
    assert fewer.attrs["coincidence"]["sms"]["share"] == round((5 + 0.1 * 20) / (5 + 200 + 20), 4)
    verdict = row_of(fewer, "unnamed")
    assert verdict["status"] == "ambiguous" and "not in this journal" in verdict["reason"]
    for k in range(5):
        assert row_of(result, f"elsewhere{k}")["status"] == "unmatched"
    alone = row_of(rk.match(proofs(UNNAMED, *decoys), j), "unnamed")
    assert alone["status"] == "ambiguous" and "names the shop" in alone["ask"]


def _counter_batch(n_here: int, n_lost: int) -> tuple:
    """A month of counter input: ``n_here`` proofs of sales of this shop (no shop typed: the clerk is in it),
    ``n_lost`` proofs naming no shop that find no sale of their amount, and ten proofs naming another branch,
    five of which coincide with a sale here on amount and minute."""
    sales, here = [], []
    for k in range(n_here):
        clock = f"{8 + k // 60:02d}:{k % 60:02d}:20"
        sales.append(txn(f"H{k}", 30000 + 13 * k, clock, merchant_name=SHOP))
        here.append(pf(f"here{k}", 30000 + 13 * k, clock[:-2] + "00", kind="manual", ts_precision="minute"))
    lost = [
        pf(f"lost{k}", 70000 + 17 * k, f"1{k % 10}:{k:02d}:00", kind="manual", ts_precision="minute")
        for k in range(n_lost)
    ]
    sales += [
        txn(f"S{k}", 10000 + 100 * k, f"1{k % 10}:{10 + k:02d}:20", merchant_name=SHOP) for k in range(5)
    ]
    other = [
        pf(
            f"other{k}",
            10000 + 100 * k if k < 5 else 90000 + 100 * k,
            f"1{k % 10}:{10 + k:02d}:00",
            kind="manual",
            ts_precision="minute",
            merchant_text="海底捞火锅(厦门中山路店)",
        )
        for k in range(10)
    ]
    return journal(*BG, *sales), proofs(*here, *lost, *other)


def test_counter_proofs_naming_no_shop_tell_their_own_share_of_payments_made_elsewhere() -> None:
    """At a counter the clerk types no shop for a payment made here, so every proof that names a shop names
    another one: the share of the proofs that say where they were paid (10 of 10 elsewhere) says nothing of
    the proofs that do not. Those tell their own: payments made elsewhere find no sale of their amount half
    the time (5 of the 10 naming another branch; 22 % at the lower end of what 10 proofs allow), and all 600
    proofs naming no shop found theirs, so few of them were made elsewhere; they are matched (with 300, the
    prior's pull towards 0.1 keeps about 2 % of them made elsewhere, each coinciding at up to 73 %: not)."""
    j, batch = _counter_batch(600, 0)
    result = rk.match(batch, j)
    stats = result.attrs["coincidence"]["manual"]
    assert stats["named"] == 10 and stats["coincide"] == 5 and stats["here"] == 0
    assert stats["silent"] == 600 and stats["silent_none_found"] == 0
    named_share = (10 + 0.1 * 20) / (10 + 0 + 20)
    assert stats["share"] < 0.05 < named_share
    # and that share is their prior of "not in this journal" (never above prior_absent)
    assert stats["absent_prior"] == stats["share"]
    statuses = [row_of(result, f"here{k}")["status"] for k in range(600)]
    assert statuses.count("matched") == 600
    # the same proofs with the named share (fewer than coincidence_min_named naming another shop) are capped
    capped = rk.match(batch, j, policy=rk.MatchPolicy(coincidence_min_named=11))
    assert [row_of(capped, f"here{k}")["status"] for k in range(600)].count("matched") == 0
    for k in range(10):
        assert row_of(result, f"other{k}")["status"] == "unmatched"


def test_too_few_proofs_naming_no_shop_say_less_than_the_prior() -> None:
    """The same counter with 60 proofs naming no shop: were they all made elsewhere, at the lower end of how
    often such payments find nothing (22 %) about 13 of them would have found nothing, fewer than the 20 proofs
    the prior counts as; they say less than the prior, and the named share stays (they are capped)."""
    j, batch = _counter_batch(60, 0)
    result = rk.match(batch, j)
    stats = result.attrs["coincidence"]["manual"]
    assert stats["share"] == round((10 + 0.1 * 20) / (10 + 0 + 20), 4)
    assert [row_of(result, f"here{k}")["status"] for k in range(60)].count("matched") == 0


def test_counter_proofs_naming_no_shop_that_often_find_nothing_stay_capped() -> None:
    """The same counter, but 50 of the proofs naming no shop find no sale of their amount: with about half of
    the payments made elsewhere finding nothing (22-45 %), most of the 200 were made elsewhere, less the
    prior's pull towards 0.1: the 150 that found their amount could be the coinciding ones, and none is
    matched on amount and minute alone. More likely absent than not, they are ``unmatched``, and the reason says
    so without claiming that the evidence disagrees with the sale (nothing does)."""
    j, batch = _counter_batch(150, 50)
    result = rk.match(batch, j)
    stats = result.attrs["coincidence"]["manual"]
    assert stats["silent"] == 200 and stats["silent_none_found"] == 50
    assert 0.4 < stats["share"] < 0.95
    for k in range(150):
        verdict = row_of(result, f"here{k}")
        assert verdict["status"] in ("ambiguous", "unmatched")
        if verdict["status"] == "unmatched":
            assert "disagrees with every candidate" not in verdict["reason"]
            assert verdict["reason"].startswith("not in this journal ")
            assert "nothing disagrees with it" in verdict["reason"]
            # the shares it names are the proof's own: its best candidate's is its confidence
            assert f"best candidate {verdict['confidence']:.1%}" in verdict["reason"]


def test_a_few_proofs_naming_another_shop_keep_the_named_share() -> None:
    """With fewer than ``coincidence_min_named`` proofs naming another shop, how often a payment made elsewhere
    finds nothing is not known, and the share stays that of the proofs that say where they were paid."""
    j, batch = _counter_batch(150, 0)
    policy = rk.MatchPolicy(coincidence_min_named=11)
    stats = rk.match(batch, j, policy=policy).attrs["coincidence"]["manual"]
    assert stats["share"] == round((10 + 0.1 * 20) / (10 + 0 + 20), 4)


def test_the_share_read_from_proofs_naming_no_shop_is_their_prior_of_absence() -> None:
    """A counter proof of a common amount at hour precision, no card: a stranger's payment of that amount in that
    hour is likely, and with ``prior_absent`` (0.1) "not in this journal" keeps 5.7 %. In a month whose 250
    proofs naming no shop all found their sale (their share of payments made elsewhere about 2 %), that share
    is the proof's prior of absence, and "not in this journal" falls with its odds."""
    j, batch = _counter_batch(250, 0)
    common = [txn(f"C{k}", 2500, f"1{k % 8}:{k % 60:02d}:00", merchant_name=SHOP) for k in range(40)]
    j = journal(*j.to_dict("records"), *common, txn("HOUR", 2500, "19:20:00", merchant_name=SHOP))
    hour = pf("hour", 2500, "19:00:00", kind="manual", ts_precision="hour")
    alone = row_of(rk.match(proofs(hour), j), "hour")
    result = rk.match(proofs(hour, *batch.to_dict("records")), j)
    prior = result.attrs["coincidence"]["manual"]["absent_prior"]
    assert prior < 0.03
    in_batch = row_of(result, "hour")
    assert alone["candidate_txn_ids"] == in_batch["candidate_txn_ids"] == ["HOUR"]
    # odds of absence, (1 - conf) / conf, fall with the prior's odds (0.016 / 0.984 against 0.1 / 0.9), less the
    # coinciding path (share times rate) the batch keeps
    ratio = ((1 - in_batch["confidence"]) / in_batch["confidence"]) / (
        (1 - alone["confidence"]) / alone["confidence"]
    )
    assert (prior / (1 - prior)) / (0.1 / 0.9) < ratio < 0.5


def test_a_proof_naming_no_shop_is_absent_once_coinciding_or_by_chance_not_both() -> None:
    """A proof naming no shop that is not in this journal either coincides with a sale here (the batch's rate
    ``q`` of its share ``s``) or fits one only by chance (the rest, ``s (1 - q)``): one share covers both ways,
    so the chance way weighs ``s (1 - q)``, not ``s`` again on top of ``s q``. The hour-precision proof of a
    common amount of the batch above, weighed alone (prior 0.1, nothing coinciding) and in the batch: the odds
    of "not in this journal" in the batch are exactly what the two ways give, from the same candidate mass."""
    j, batch = _counter_batch(250, 0)
    common = [txn(f"C{k}", 2500, f"1{k % 8}:{k % 60:02d}:00", merchant_name=SHOP) for k in range(40)]
    j = journal(*j.to_dict("records"), *common, txn("HOUR", 2500, "19:20:00", merchant_name=SHOP))
    hour = pf("hour", 2500, "19:00:00", kind="manual", ts_precision="hour")
    policy = rk.MatchPolicy()
    alone = rk.match(proofs(hour), j)
    result = rk.match(proofs(hour, *batch.to_dict("records")), j)
    said = result.attrs["coincidence"]["manual"]
    s, q = said["absent_prior"], said["rate"]
    assert said["share"] == s and 0 < s < 0.03
    assert q == round(_upper(5, 10), 4)  # 5 of the 10 naming another branch coincide
    p0, miss = policy.prior_absent, 1 - policy.m_amount

    def odds(row) -> float:
        return (1 - row["confidence"]) / row["confidence"]

    alone_copy = alone.attrs["coincidence"]["manual"]
    alone_copy = alone_copy["share"] / (1 - alone_copy["share"]) * alone_copy["rate"]
    # alone: (p0 + (1 - p0) miss) / K + the prior's own coinciding path; K, the candidate's mass, is the same
    mass = (p0 + (1 - p0) * miss) / (odds(row_of(alone, "hour")) - alone_copy)
    both_ways = ((1 - p0) * s * (1 - q) / (1 - s) + (1 - p0) * miss) / mass + s / (1 - s) * q
    twice = ((1 - p0) * s / (1 - s) + (1 - p0) * miss) / mass + s / (1 - s) * q  # the chance way at s again
    in_batch = odds(row_of(result, "hour"))
    assert in_batch == pytest.approx(both_ways, rel=2e-3)  # the estimates in attrs are rounded to 4 places
    # counting the share twice would add the coinciding way's share to the chance way
    assert twice - in_batch == pytest.approx((1 - p0) * s * q / (1 - s) / mass, rel=2e-2)


def test_the_counter_uses_what_the_month_said_of_payments_made_elsewhere(tmp_path) -> None:
    """One counter proof cannot tell how often counter proofs naming no shop were paid elsewhere; the month's
    match can, and the learned file keeps it for find: the hour-precision proof that the month's batch moves
    moves as much at the counter, and a policy's own estimate wins over the kept one."""
    import json

    j, batch = _counter_batch(250, 0)
    common = [txn(f"C{k}", 2500, f"1{k % 8}:{k % 60:02d}:00", merchant_name=SHOP) for k in range(40)]
    j = journal(*j.to_dict("records"), *common, txn("HOUR", 2500, "19:20:00", merchant_name=SHOP))
    hour = pf("hour", 2500, "19:00:00", kind="manual", ts_precision="hour")
    month = rk.match(batch, j)
    said = month.attrs["coincidence"]["manual"]
    path = tmp_path / "journal.csv.receiptkit.json"
    learned = rk.save_learned(path, month)
    assert learned.elsewhere["manual"] == {k: said[k] for k in ("share", "rate", "absent_prior")}
    assert "paid elsewhere (naming no shop; '<kind> brand': the brand without its branch): manual" in (
        learned.describe()
    )
    again = rk.load_learned(path)
    assert again.elsewhere == learned.elsewhere
    alone = rk.find(j, proofs(hour)).attrs["verdict"]
    kept = rk.find(j, proofs(hour), learned=again).attrs["verdict"]
    in_month = row_of(rk.match(proofs(hour, *batch.to_dict("records")), j), "hour")
    assert kept["confidence"] > alone["confidence"]
    assert abs(kept["confidence"] - in_month["confidence"]) < 0.002
    # the policy's own wins
    own = {"manual": {"share": 0.1, "rate": 0.001, "absent_prior": 0.1}}
    policy = rk.MatchPolicy(coincidence_by_kind=own)
    assert rk.find(j, proofs(hour), learned=again, policy=policy).attrs["verdict"][
        "confidence"
    ] == pytest.approx(alone["confidence"], abs=0.002)
    # a malformed kept estimate is refused, naming the kind and the key
    data = json.loads(path.read_text(encoding="utf-8"))
    data["elsewhere"]["manual"]["rate"] = 2
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(rk.ReceiptkitError, match="manual: rate is not a probability"):
        rk.load_learned(path)


@pytest.mark.parametrize(
    "weights",
    [
        {"coincidence_rate_prior_weight": 0},
        {"coincidence_prior_weight": 0, "coincidence_rate_prior_weight": 0},
    ],
)
def test_what_a_run_with_no_prior_weight_learns_is_kept_only_when_it_reads_back(tmp_path, weights) -> None:
    """With no prior weight (the policy allows it) a batch can read a rate of 0 (three SMS naming another branch
    that can be compared, none coinciding; five more in USD with no rate make the kind count as told) or a share
    of 1 (every proof saying where it was paid names another shop). Neither is a kept estimate a learned file can
    hold: ``save_learned`` wrote them and the file could no longer be read (nor saved again). They are not kept;
    what the file kept before stays, and the file reads back."""
    import json

    j, decoys = _journal_and_decoys(10)
    apart = [dict(d, amount_minor=90000 + 100 * k) for k, d in enumerate(decoys[:3])]  # find no sale here
    usd = _usd_lines(5)
    policy = rk.MatchPolicy(**weights)
    result = rk.match(proofs(UNNAMED, *apart, *usd), j, policy=policy)
    stats = result.attrs["coincidence"]["sms"]
    assert stats["named"] == 8 and stats["coincide"] == 0 and stats["rate"] == 0.0
    path = tmp_path / "journal.csv.receiptkit.json"
    kept = {"sms": {"share": 0.2, "rate": 0.3, "absent_prior": 0.1}}
    path.write_text(
        '{"format": "receiptkit-learned", "version": 2, "elsewhere": ' + json.dumps(kept) + "}\n",
        encoding="utf-8",
    )
    before = rk.load_learned(path)
    assert before.elsewhere == kept
    learned = rk.save_learned(path, result)
    assert learned.elsewhere == kept
    assert rk.load_learned(path).elsewhere == kept
    # a share of 1 (no prior weight for it) is not kept either
    if "coincidence_prior_weight" in weights:
        every = rk.match(proofs(UNNAMED, *decoys), j, policy=policy)
        assert every.attrs["coincidence"]["sms"]["share"] == 1.0
        assert rk.save_learned(path, every).elsewhere == kept


BRAND_ONLY = pf(
    "brand_only",
    8800,
    "19:31:00",
    kind="sms",
    ts_precision="minute",
    card_last4="4321",
    merchant_text="财付通-海底捞火锅",
)


def test_a_brand_without_its_branch_is_capped_when_other_branches_coincide() -> None:
    """Ten SMS naming another branch of the brand (厦门中山路店) fit sales here on amount, minute and card. An SMS
    naming the brand without its branch reads as well for that branch as for this one (五角场店): as one more of
    them it coincides with its sale here, and it stays ambiguous, with the stratum ``"sms brand"`` saying why.
    Without that estimate (``coincidence_brand=False``) the brand alone carried it to ``matched``."""
    j, decoys = _journal_and_decoys(10)
    result = rk.match(proofs(BRAND_ONLY, *decoys), j)
    stats = result.attrs["coincidence"]["sms brand"]
    assert stats["named"] == 10 and stats["coincide"] == 10 and stats["silent"] == 1
    assert stats["share"] == round((10 + 0.1 * 20) / (10 + 0 + 20), 4)
    verdict = row_of(result, "brand_only")
    assert verdict["status"] == "ambiguous" and "not in this journal" in verdict["reason"]
    off = rk.match(proofs(BRAND_ONLY, *decoys), j, policy=rk.MatchPolicy(coincidence_brand=False))
    assert "sms brand" not in off.attrs["coincidence"]
    assert row_of(off, "brand_only")["txn_id"] == "T"


def test_a_brand_without_its_branch_is_matched_when_proofs_naming_this_branch_abound() -> None:
    """The same SMS among 600 naming this branch, five naming another one: another branch is about 1 % of the
    proofs of the brand that name their branch (7 / 625 with the prior), and the brand alone is matched, though
    all five coincide (with 200 it is not: 3 % of them)."""
    sales, named = _sales_and_sms_naming_this_shop(600)
    j, decoys = _journal_and_decoys(5)
    j = journal(*j.to_dict("records"), *sales)
    result = rk.match(proofs(BRAND_ONLY, *decoys, *named), j)
    stats = result.attrs["coincidence"]["sms brand"]
    assert stats["named"] == 5 and stats["here"] == 600
    assert row_of(result, "brand_only")["txn_id"] == "T"
    fewer = rk.match(proofs(BRAND_ONLY, *decoys, *named[:200]), j)
    assert row_of(fewer, "brand_only")["status"] == "ambiguous"
    for k in range(5):
        assert row_of(result, f"elsewhere{k}")["status"] == "unmatched"


def test_the_counter_weighs_a_brand_without_its_branch_as_the_month_did(tmp_path) -> None:
    """The month's batch said SMS naming the brand without its branch coincide with other branches' payments;
    shown alone at the counter, that SMS is capped as it was in the month (the learned file keeps the
    stratum ``"sms brand"``)."""
    j, decoys = _journal_and_decoys(10)
    month = rk.match(proofs(BRAND_ONLY, *decoys), j)
    learned = rk.save_learned(tmp_path / "journal.csv.receiptkit.json", month)
    assert "sms brand" in learned.elsewhere
    alone = rk.find(j, proofs(BRAND_ONLY)).attrs["verdict"]
    kept = rk.find(j, proofs(BRAND_ONLY), learned=learned).attrs["verdict"]
    assert alone["status"] == "matched"
    assert kept["status"] == "ambiguous"
    assert kept["confidence"] == pytest.approx(row_of(month, "brand_only")["confidence"], abs=0.002)


def test_a_brand_without_its_branch_keeps_prior_absent_whatever_the_proofs_naming_no_shop_say() -> None:
    """A brand-only text names a shop: its prior of "not in this journal" is ``prior_absent`` (its stratum,
    ``"manual brand"``, says so), not the share the proofs naming no shop read for themselves. So the same
    brand-only counter proof weighs the same whether or not the month also holds 250 proofs naming no shop that
    all found their sale (they lower the prior of *those* proofs, stratum ``"manual"``, to about 2 %)."""
    j, batch = _counter_batch(250, 0)
    common = [txn(f"C{k}", 2500, f"1{k % 8}:{k % 60:02d}:00", merchant_name=SHOP) for k in range(40)]
    j = journal(*j.to_dict("records"), *common, txn("HOUR", 2500, "19:20:00", merchant_name=SHOP))
    brand = pf("brand", 2500, "19:00:00", kind="manual", ts_precision="hour", merchant_text="海底捞火锅")
    records = batch.to_dict("records")
    full = rk.match(proofs(brand, *records), j)
    assert full.attrs["coincidence"]["manual"]["absent_prior"] < 0.03
    assert full.attrs["coincidence"]["manual brand"]["absent_prior"] == 0.1
    others = [r for r in records if str(r["proof_id"]).startswith("other")]
    few = rk.match(proofs(brand, *others), j)
    assert few.attrs["coincidence"]["manual brand"] == full.attrs["coincidence"]["manual brand"]
    assert row_of(full, "brand")["confidence"] == pytest.approx(row_of(few, "brand")["confidence"], abs=1e-6)


def _sms_month(n_foreign: int):
    """SMS of a month: 250 naming no shop that each find their sale here, ten naming another branch (five of them
    coinciding with a sale here), and ``n_foreign`` more naming another branch, billed in USD, with no rate."""
    j, decoys = _journal_and_decoys(10)
    decoys = decoys[:5] + [dict(d, amount_minor=90000 + 100 * k) for k, d in enumerate(decoys[5:])]
    sales, here = [], []
    for k in range(250):
        clock = f"{8 + k // 60:02d}:{k % 60:02d}:20"
        sales.append(txn(f"H{k}", 30000 + 13 * k, clock, card_last4=f"{5000 + k}", merchant_name=SHOP))
        here.append(
            pf(
                f"here{k}",
                30000 + 13 * k,
                clock[:-2] + "00",
                kind="sms",
                ts_precision="minute",
                card_last4=f"{5000 + k}",
            )
        )
    usd = _usd_lines(n_foreign)
    return journal(*j.to_dict("records"), *sales), proofs(UNNAMED, *decoys, *here, *usd)


def test_proofs_in_a_currency_without_a_rate_do_not_dilute_the_coinciding_rate() -> None:
    """A USD line with no rate cannot be weighed on its amount, so it can never coincide with a sale here: it says
    nothing of how often a payment made elsewhere does. Thirty of them naming another branch leave the rate at
    that of the ten SMS that could be compared (5 coinciding of 10), and the SMS naming no shop weighs
    as without them."""
    j, batch = _sms_month(0)
    without = rk.match(batch, j)
    j, batch = _sms_month(30)
    with_usd = rk.match(batch, j)
    assert with_usd.attrs["fx_rates_learned"] == []
    stats = with_usd.attrs["coincidence"]["sms"]
    assert stats["coincide"] == 5
    assert stats["rate"] == without.attrs["coincidence"]["sms"]["rate"] == round(_upper(5, 10), 4)
    assert row_of(with_usd, "unnamed")["confidence"] == pytest.approx(
        row_of(without, "unnamed")["confidence"], abs=1e-6
    )


def test_proofs_in_a_currency_without_a_rate_do_not_replace_the_kept_rate() -> None:
    """A learned month said that SMS naming another shop often coincide with a sale here (rate 0.5). Six USD lines
    naming another branch, with no rate, name another shop (the kind counts as told for the share) but none can
    be compared: they say nothing of how often a payment made elsewhere coincides. The kept rate stands; read
    from no proof, the rate fell to the prior (0.001) and the SMS naming no shop that the month's rate keeps
    ambiguous was matched."""
    j, _ = _journal_and_decoys(0)
    usd = _usd_lines(6)
    policy = rk.MatchPolicy(coincidence_by_kind={"sms": {"share": 0.3, "rate": 0.5, "absent_prior": 0.1}})
    alone = rk.match(proofs(UNNAMED), j, policy=policy)
    assert alone.attrs["coincidence"]["sms"]["kept"] and row_of(alone, "unnamed")["status"] == "ambiguous"
    result = rk.match(proofs(UNNAMED, *usd), j, policy=policy)
    stats = result.attrs["coincidence"]["sms"]
    assert stats["named"] == 6 and stats["coincide"] == 0 and not stats["kept"]
    assert stats["share"] == round((6 + 0.1 * 20) / (6 + 0 + 20), 4)  # the batch tells the share
    assert stats["rate"] == 0.5  # not the rate: the kept one stands
    assert row_of(result, "unnamed")["status"] == "ambiguous"


@pytest.mark.parametrize("min_named", [5, 11])
def test_no_prior_weight_gives_no_crash_and_no_nan(min_named: int) -> None:
    """``coincidence_prior_weight=0`` and ``coincidence_rate_prior_weight=0`` (the batch alone, no prior): one proof at the counter has no proof naming
    another shop (the rate is the prior, not 0 / 0), and a batch whose ten proofs naming a shop all name another
    one and all coincide caps the proof naming no shop at 0 (share 1), without a NaN posterior; the proofs naming
    no shop, when every payment made elsewhere coincides, cannot tell their own share (the named one stands)."""
    policy = rk.MatchPolicy(
        coincidence_prior_weight=0, coincidence_rate_prior_weight=0, coincidence_min_named=min_named
    )
    j, decoys = _journal_and_decoys(10)
    alone = rk.match(proofs(UNNAMED), j, policy=policy)
    assert row_of(alone, "unnamed")["txn_id"] == "T"
    assert alone.attrs["coincidence"]["sms"]["rate"] == 0.001
    result = rk.match(proofs(UNNAMED, *decoys), j, policy=policy)
    stats = result.attrs["coincidence"]["sms"]
    assert stats["named"] == 10 and stats["coincide"] == 10 and stats["rate"] == 1.0
    assert stats["share"] == 1.0 and stats["absent_prior"] == 0.1
    verdict = row_of(result, "unnamed")
    assert verdict["status"] == "unmatched"
    assert verdict["confidence"] == 0.0
    assert all(isinstance(c, float) and c == c for c in [verdict["confidence"], verdict["margin"]])


@pytest.mark.parametrize("n_foreign", [0, 6])
def test_no_proof_that_can_be_compared_reads_no_rate_even_with_no_fewest(n_foreign: int) -> None:
    """``coincidence_min_named=0`` (the policy allows it): with no proof naming another shop that can be compared
    (none at all, or only USD lines without a rate), the batch says nothing of the coinciding rate, and the rate
    is the prior. The upper end of what zero proofs allow is 1: read so, it capped every SMS naming no shop at
    1 - prior_absent (90 %) in a batch that shows no payment made elsewhere at all."""
    policy = rk.MatchPolicy(coincidence_min_named=0)
    j, _ = _journal_and_decoys(0)
    usd = _usd_lines(n_foreign)
    result = rk.match(proofs(UNNAMED, *usd), j, policy=policy)
    stats = result.attrs["coincidence"]["sms"]
    assert stats["named"] == n_foreign and stats["coincide"] == 0
    assert stats["rate"] == 0.001
    assert row_of(result, "unnamed")["txn_id"] == "T"
    assert row_of(result, "unnamed")["confidence"] == pytest.approx(
        row_of(rk.match(proofs(UNNAMED, *usd), j), "unnamed")["confidence"], abs=1e-6
    )


@pytest.mark.parametrize(
    "entry",
    [
        {"share": 0.2},  # a key missing
        {"share": "x", "rate": 0.5, "absent_prior": 0.1},  # not a number
        {"share": 1.0, "rate": 0.5, "absent_prior": 0.1},  # not a probability strictly between 0 and 1
        {"share": 0.2, "rate": 0.5, "absent_prior": float("nan")},
        "0.2",
    ],
)
def test_a_malformed_estimate_given_in_the_policy_is_a_typed_error(entry) -> None:
    """``coincidence_by_kind`` given by hand is refused as a learned file's would be, naming the kind and the key
    (not a KeyError or a ValueError from inside the matcher)."""
    j, _ = _journal_and_decoys(0)
    policy = rk.MatchPolicy(coincidence_by_kind={"sms": entry})
    with pytest.raises(rk.ReceiptkitError, match=r"coincidence_by_kind\['sms'\]"):
        rk.match(proofs(UNNAMED), j, policy=policy)


def test_a_wallets_name_in_front_of_another_shop_does_not_hide_its_coincidence() -> None:
    """Ten SMS "财付通-海底捞火锅(厦门中山路店)" (another branch; no card last 4) coincide with card sales here on
    amount and minute. Whether they coincide is read on their amount, time and card alone (the module's
    docstring): their text's wallet word weighs against a card sale (not_at_a_terminal), and left in, none
    counted as coinciding (rate 0.0007), so an SMS naming only 美团平台商户 on the amount and minute of another
    sale was matched at 99.6 %. Weighed without what the text says (merchant and its wallet word), they
    coincide as they did before that level existed, and the proof is capped as then."""
    j, decoys = _journal_and_decoys(10)
    for decoy in decoys:
        decoy["card_last4"] = None
    unnamed = dict(UNNAMED, card_last4=None)
    result = rk.match(proofs(unnamed, *decoys), j)
    stats = result.attrs["coincidence"]["sms"]
    assert stats["coincide"] == 10
    neutral = rk.match(proofs(unnamed, *decoys), j, policy=rk.MatchPolicy(m_bank_not_terminal_card_sale=1.0))
    assert neutral.attrs["coincidence"]["sms"] == stats
    assert row_of(result, "unnamed")["status"] == "ambiguous"
    # the wallet word still weighs against the card sale on the proof's own evidence
    table = rk.explain(result, "elsewhere0").set_index("field")
    assert table.loc["channel", "best_level"] == "not_at_a_terminal"


def test_a_lower_match_threshold_counts_the_coincidences_it_would_match() -> None:
    """Ten SMS naming another branch, to the hour and without card last 4, coincide with sales here: with their
    text left out they would be matched at 96 %. At match_threshold 0.8 a proof naming no shop with that evidence
    is matched, but coincidence_level (0.985) counted none of the ten as coinciding: the cap vanished, and the
    SMS naming only 美团平台商户 was matched on the amount and hour of another sale. A coincidence is what the
    matcher would match: it is read at the lower of coincidence_level and match_threshold."""
    j, decoys = _journal_and_decoys(10)
    for decoy in decoys:
        decoy.update(ts_precision="hour", card_last4=None)
    unnamed = dict(UNNAMED, ts_precision="hour", card_last4=None)
    low = rk.MatchPolicy(match_threshold=0.8)
    alone = rk.match(proofs(unnamed), j, policy=low)
    assert row_of(alone, "unnamed")["status"] == "matched"
    result = rk.match(proofs(unnamed, *decoys), j, policy=low)
    stats = result.attrs["coincidence"]["sms"]
    assert stats["coincide"] == 10
    assert row_of(result, "unnamed")["status"] != "matched"
    # at the default threshold nothing changes: the level stays coincidence_level
    default = rk.match(proofs(unnamed, *decoys), j)
    assert default.attrs["coincidence"]["sms"]["coincide"] == 0


def test_the_prior_of_the_coinciding_rate_does_not_outweigh_what_the_batch_shows() -> None:
    """Thirteen SMS name another branch and four of them coincide with a sale here (a rate of 4 / 13, as clean
    room 3 seed 17 showed); 150 name this shop. The rate is read at the upper end of what 4 of 13 allow (0.54),
    and an SMS naming no shop that fits one sale stays ambiguous (one in 40 such SMS would be a stranger's
    payment). With the prior of the rate (0.001) counted as 20 proofs and the rate read as the mean, as until
    session 10, the prior held the rate at 0.12 and the SMS was matched."""
    sales, named = _sales_and_sms_naming_this_shop(150)
    j, coinciding = _journal_and_decoys(4)
    j = journal(*j.to_dict("records"), *sales)
    apart = _apart(9)
    batch = proofs(UNNAMED, *coinciding, *apart, *named)
    result = rk.match(batch, j)
    stats = result.attrs["coincidence"]["sms"]
    assert stats["named"] == 13 and stats["coincide"] == 4 and stats["here"] == 150
    assert stats["rate"] == round(_upper(4, 13), 4)
    share, rate = stats["share"], _upper(4, 13)
    verdict = row_of(result, "unnamed")
    assert verdict["status"] == "ambiguous" and "not in this journal" in verdict["reason"]
    # the cap (1 - s) / (1 - s + s q), s as shown (rounded to 4 places)
    assert verdict["confidence"] <= (1 - share) / (1 - share + share * rate) + 1e-3
    # as until session 10: the mean with the prior worth 20 proofs (no bound below 14 proofs naming another shop)
    held = rk.match(
        batch, j, policy=rk.MatchPolicy(coincidence_rate_prior_weight=20, coincidence_min_named=14)
    )
    assert held.attrs["coincidence"]["sms"]["rate"] == round((4 + 0.001 * 20) / 33, 4)
    assert row_of(held, "unnamed")["txn_id"] == "T"
    for k in range(13):
        pid = f"elsewhere{k}" if k < 4 else f"apart{k - 4}"
        assert row_of(result, pid)["status"] != "matched"


def test_a_handful_of_proofs_naming_another_shop_never_read_the_rate_below_its_prior() -> None:
    """Four SMS naming another branch, none coinciding: fewer than ``coincidence_min_named`` to read a rate from,
    and the prior worth one proof would read (0 + 0.001) / 5; the rate stays the prior, 0.001. Five of them are
    enough to read it, at the upper end of what 0 of 5 allow."""
    j, _ = _journal_and_decoys(0)
    apart = _apart(5)
    four = rk.match(proofs(UNNAMED, *apart[:4]), j).attrs["coincidence"]["sms"]
    assert four["named"] == 4 and four["coincide"] == 0 and four["rate"] == 0.001
    five = rk.match(proofs(UNNAMED, *apart), j).attrs["coincidence"]["sms"]
    assert five["named"] == 5 and five["coincide"] == 0 and five["rate"] == round(_upper(0, 5), 4)


def _base_note(result, proof_id: str) -> str:
    """The note of ``explain``'s base-rate row for the best candidate ("" when none)."""
    table = rk.explain(result, proof_id)
    note = table.loc[table["field"] == "base rate", "best_note"] if "best_note" in table else []
    return "" if not len(note) or not isinstance(note.iloc[0], str) else note.iloc[0]


def test_explain_names_the_batch_estimate_that_holds_a_proof_naming_no_shop() -> None:
    """The reason of a proof held by "paid elsewhere and coinciding" says "not in this journal 28 %"; explain says
    which estimate of the batch set that, from what, and the most it lets the proof reach, so the clerk sees the
    rule that refuses it (the proofs naming another shop that fit sales here) and what would settle it."""
    j, decoys = _journal_and_decoys(10)
    result = rk.match(proofs(UNNAMED, *decoys), j)
    verdict = row_of(result, "unnamed")
    assert verdict["status"] == "ambiguous"
    note = _base_note(result, "unnamed")
    share, rate = 12 / 30, 1.0
    cap = (1 - share) / (1 - share + share * rate)
    assert "names no shop of this journal" in note
    assert "10 of the batch's 10 sms proofs naming another shop fit a sale here" in note
    assert f"share {share:.1%}" in note and f"rate {rate:.1%}" in note
    assert f"at most {cap:.1%}" in note
    assert verdict["confidence"] <= cap + 1e-6


def test_explain_names_the_brand_estimate_that_holds_a_brand_without_its_branch() -> None:
    j, decoys = _journal_and_decoys(10)
    result = rk.match(proofs(BRAND_ONLY, *decoys), j)
    note = _base_note(result, "brand_only")
    assert 'names a brand here without its branch ("sms brand")' in note
    assert "10 of the batch's 10 sms proofs naming another branch of a brand here fit a sale here" in note
    stats = result.attrs["coincidence"]["sms brand"]
    cap = (1 - stats["share"]) / (1 - stats["share"] + stats["share"] * stats["rate"])
    assert f"at most {cap:.1%}" in note


def test_explain_says_nothing_of_payments_made_elsewhere_where_they_do_not_weigh() -> None:
    """A proof naming no shop in a batch where no payment made elsewhere coincides, and a proof naming the shop in a
    batch where they do: neither is held by the estimate, and explain does not mention it."""
    j, decoys = _journal_and_decoys(10)
    alone = rk.match(proofs(UNNAMED), j)
    assert row_of(alone, "unnamed")["status"] == "matched"
    assert "paid elsewhere" not in _base_note(alone, "unnamed")
    named = {**UNNAMED, "proof_id": "named", "merchant_text": SHOP}
    result = rk.match(proofs(named, *decoys), j)
    assert "paid elsewhere" not in _base_note(result, "named")


def test_explain_at_the_counter_says_the_estimate_was_kept(tmp_path) -> None:
    """At the counter the estimate is the month's, kept beside the journal: explain says so, not a count of a
    batch of one proof."""
    j, decoys = _journal_and_decoys(10)
    month = rk.match(proofs(BRAND_ONLY, *decoys), j)
    learned = rk.save_learned(tmp_path / "journal.csv.receiptkit.json", month)
    ranked = rk.find(j, proofs(BRAND_ONLY), learned=learned)
    assert ranked.attrs["verdict"]["status"] == "ambiguous"
    note = _base_note(ranked, "brand_only")
    assert '("sms brand")' in note and "as an earlier run of this journal kept it" in note
