"""Clock offsets and merchant aliases learned by a run, kept beside the journal, used at the counter."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.errors import ReceiptkitError
from receiptkit.matching.comparators import alias_key

from .conftest import at, background, journal, pf, proofs, row_of, txn

OFF = 420  # terminal T2's clock is seven minutes fast
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def _skewed_journal() -> pd.DataFrame:
    rows = [*background()]
    for k in range(8):  # sales on T2, logged seven minutes late
        rows.append(
            txn(f"S{k}", 5100 + 100 * k, f"{9 + k}:15:10", terminal_id="T2", card_last4=f"{1000 + k}")
        )
        rows[-1]["ts"] = rows[-1]["ts"] + pd.Timedelta(seconds=OFF)
    rows.append(txn("LATE", 8800, "17:40:30", terminal_id="T2", card_last4="4321"))
    rows[-1]["ts"] = rows[-1]["ts"] + pd.Timedelta(seconds=OFF)
    return journal(*rows)


def _month_of_proofs() -> pd.DataFrame:
    return proofs(*[pf(f"w{k}", 5100 + 100 * k, f"{9 + k}:15:12") for k in range(8)])


def _counter_proof() -> pd.DataFrame:
    return proofs(pf("c1", 8800, "17:40:00", kind="manual", ts_precision="minute", card_last4="4321"))


def test_learned_path_sits_beside_the_journal() -> None:
    assert rk.learned_path("/data/journal.csv") == Path("/data/journal.csv.receiptkit.json")


def test_offsets_learned_by_a_month_reach_the_counter(tmp_path: Path) -> None:
    j = _skewed_journal()
    month = rk.match(_month_of_proofs(), j)
    assert rk.clock_offsets(month).loc["T2", "offset_s"] == pytest.approx(OFF, abs=5)
    # one proof at the counter cannot learn the offset: the sale is seven minutes away
    alone = rk.find(j, _counter_proof()).attrs["verdict"]
    assert alone["status"] == "unmatched"
    path = rk.learned_path(tmp_path / "journal.csv")
    learned = rk.save_learned(path, month, now=NOW)
    assert learned.clock_offsets["T2"] == pytest.approx(OFF, abs=5)
    kept = rk.load_learned(path)
    assert kept.clock_offsets == learned.clock_offsets
    for ranked in (rk.find(j, _counter_proof(), learned=kept), rk.find(kept.index(j), _counter_proof())):
        verdict = ranked.attrs["verdict"]
        assert (verdict["status"], verdict["txn_id"]) == ("matched", "LATE")
        assert "clock_offset" in verdict["flags"]


def test_match_falls_back_on_kept_offsets_when_its_proofs_cannot_vote() -> None:
    j = _skewed_journal()
    # one proof without a card: too few votes to estimate T2's clock
    few = proofs(pf("c1", 8800, "17:40:00", kind="manual", ts_precision="minute"))
    assert row_of(rk.match(few, j), "c1")["status"] == "unmatched"
    index = rk.JournalIndex(j, clock_offsets={"T2": OFF})
    result = rk.match(few, index)
    assert row_of(result, "c1")["txn_id"] == "LATE"
    assert rk.clock_offsets(result).loc["T2", "offset_s"] == OFF


def test_a_later_run_replaces_what_it_learned_again_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "j.csv.receiptkit.json"
    rk.save_learned(path, clock_offsets={"T1": 30, "T2": 420}, merchant_aliases={"A": ["X"]}, now=NOW)
    frame = pd.DataFrame(
        {"offset_s": [0, 999], "votes": [12.5, 1.0], "used": [True, False]},
        index=pd.Index(["T2", "T3"], name="terminal_id"),
    )
    merged = rk.save_learned(path, clock_offsets=frame, merchant_aliases={"A": ["Y"], "B": ["Z"]})
    assert merged.clock_offsets == {"T1": 30, "T2": 0}  # T3's estimate was not used: not kept
    assert merged.votes["T2"] == 12.5
    assert merged.merchant_aliases == {"A": ["X", "Y"], "B": ["Z"]}
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "receiptkit-learned" and data["clock_offsets"]["T1"]["learned_at"]


def test_learned_aliases_are_kept_and_used_at_the_counter(tmp_path: Path) -> None:
    wallet = "4200002372202412105648962911"
    shop = "海底捞火锅(五角场店)"
    j = journal(
        *background(merchant_name=shop),
        txn("PAID", 12850, "14:32:20", merchant_name=shop, wallet_txn_id=wallet),
    )
    legal = "支付宝-北京三快在线科技有限公司"
    month = rk.match(proofs(pf("w1", 12850, "14:32:21", wallet_txn_id=wallet, merchant_text=legal)), j)
    learned = rk.save_learned(tmp_path / "l.json", month, now=NOW)
    assert learned.merchant_aliases == {shop: [alias_key(legal)]}
    ranked = rk.find(j, amount="128.50", time=f"{at('14:32:00')}", merchant=legal, learned=learned)
    explained = rk.explain(ranked, ranked.attrs["verdict"]["proof_id"])
    assert explained.set_index("field").loc["merchant", "best_level"] == "alias"


def test_missing_file_is_empty_and_a_malformed_one_is_an_error(tmp_path: Path) -> None:
    assert not rk.load_learned(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReceiptkitError) as caught:
        rk.load_learned(bad)
    assert caught.value.file == str(bad)
    bad.write_text(
        json.dumps(
            {"format": "receiptkit-learned", "version": 1, "clock_offsets": {"T1": {"offset_s": "7 min"}}}
        ),
        encoding="utf-8",
    )
    with pytest.raises(ReceiptkitError, match="whole seconds"):
        rk.load_learned(bad)


@pytest.mark.parametrize(
    "section", ["clock_offsets", "merchant_aliases", "fx_rates", "prior_absent", "elsewhere"]
)
@pytest.mark.parametrize("value", [["manual"], "manual", 3])
def test_a_section_that_is_not_a_mapping_is_an_error_naming_it(tmp_path: Path, section: str, value) -> None:
    """Each section of the file maps names to values; a list, a text or a number there is refused with a typed
    error naming the file and the section (not an AttributeError from inside the reader)."""
    bad = tmp_path / "journal.csv.receiptkit.json"
    bad.write_text(
        json.dumps({"format": "receiptkit-learned", "version": 2, section: value}), encoding="utf-8"
    )
    with pytest.raises(ReceiptkitError, match=f"'{section}' is not a mapping") as caught:
        rk.load_learned(bad)
    assert caught.value.file == str(bad)


def test_a_file_written_before_payments_made_elsewhere_were_kept_still_loads(tmp_path: Path) -> None:
    """A version 2 file without ``elsewhere`` (written before it was kept) loads with nothing of it, and the
    policy it gives is the default's there."""
    old = tmp_path / "journal.csv.receiptkit.json"
    old.write_text(
        json.dumps(
            {"format": "receiptkit-learned", "version": 2, "clock_offsets": {"T2": {"offset_s": OFF}}}
        ),
        encoding="utf-8",
    )
    learned = rk.load_learned(old)
    assert learned.elsewhere == {} and learned.clock_offsets == {"T2": OFF}
    assert learned.policy().coincidence_by_kind == {}
    assert "paid elsewhere" not in learned.describe()
