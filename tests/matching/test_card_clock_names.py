"""Terminal ids are free text: a terminal named "T1 card" is not terminal T1's card sales' clock.

The key of a terminal's card sales' clock is ``"<terminal_id> card"`` (:func:`~receiptkit.matching.clocks.card_clock_key`).
A journal may have a terminal of that name beside T1, or a lone terminal named "POS card". Before, such a key was read
as T1's card sales' clock wherever T1 was in the journal: T1's card sales were moved by the other terminal's offset and a
customer's SMS was matched to another sale of the same amount and card; a learned file lost the other terminal's offset
when T1 was learned again, and kept a stale card clock of "POS card" for ever.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.matching.clocks import card_clock_clashes, card_clock_key, card_clocks

from .conftest import journal, pf, proofs, row_of, txn
from .test_card_clock import UTC_CLOCK, _aggregator, _all_matched, _clock, _counter_c9

FAST = 1200  # terminal "T1 card" logs its sales twenty minutes ahead of true time


def _namesake(n: int = 12, offset: int = FAST) -> tuple[list[dict], list[dict], dict[str, str]]:
    """Terminal "T1 card": ``n`` card sales logged ``offset`` seconds fast, each with its bank SMS."""
    rows, batch, truth = [], [], {}
    for k in range(n):
        clock, amount, last4 = _clock(k, 37), 4407 + 100 * k, f"{3300 + k}"
        rows.append(txn(f"N{k:02d}", amount, clock, terminal_id="T1 card", card_last4=last4))
        rows[-1]["ts"] += pd.Timedelta(seconds=offset)
        batch.append(
            pf(f"n{k:02d}", amount, clock[:5] + ":00", kind="sms", ts_precision="minute", card_last4=last4)
        )
        truth[f"n{k:02d}"] = f"N{k:02d}"
    return rows, batch, truth


def _decoy() -> dict:
    """The same customer's second sale on T1 (C9's amount and card), FAST seconds after C9: T1's card sales moved
    back by terminal "T1 card"'s offset put it on C9's SMS."""
    row = txn("D9", 6203 + 900, _clock(9, 45), card_last4="2209")
    row["ts"] += pd.Timedelta(seconds=FAST)
    return row


def _both(card_offset: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """T1 (QR rows right, card sales ``card_offset`` off) with the decoy, and terminal "T1 card" FAST."""
    j, batch, truth = _aggregator(card_offset)
    rows, more, more_truth = _namesake()
    decoy = _decoy()
    decoy["ts"] += pd.Timedelta(seconds=card_offset)
    j = pd.concat([j, journal(*rows, decoy)], ignore_index=True)
    return j, pd.concat([batch, proofs(*more)], ignore_index=True), {**truth, **more_truth}


def _counter_n5() -> pd.DataFrame:
    """What the customer of terminal "T1 card"'s sale N05 says at the counter."""
    return proofs(
        pf(
            "m",
            4407 + 500,
            _clock(5, 37)[:5] + ":00",
            kind="manual",
            ts_precision="minute",
            card_last4="3305",
        )
    )


def test_which_keys_are_card_clocks_is_read_against_the_journals_terminals() -> None:
    assert card_clocks(["T1", "T1 card"], ["T1", "T9"]) == {"T1 card": "T1"}
    assert card_clocks(["T1", "T1 card"], ["T1", "T1 card"]) == {}
    assert card_clocks(["POS card"], ["POS card"]) == {}  # a lone terminal named so: its own offset
    assert card_clocks(["POS card card"], ["POS card"]) == {"POS card card": "POS card"}
    assert card_clock_clashes(["T1", "T1 card", "POS card"]) == {"T1": "T1 card"}


def test_a_terminal_named_t1_card_is_not_t1s_card_clock() -> None:
    """T1 keeps one clock; terminal "T1 card" runs twenty minutes fast. Before, T1's card sales were moved back by
    "T1 card"'s offset: C9's SMS was matched to D9, the same card's sale twenty minutes later."""
    j, batch, truth = _both(0)
    result = rk.match(batch, j)
    offsets = rk.clock_offsets(result)
    assert offsets.index.is_unique
    assert offsets.loc["T1 card", "offset_s"] == pytest.approx(FAST, abs=60)
    assert abs(offsets.loc["T1", "offset_s"]) <= 2
    _all_matched(result, truth)
    for k in range(10):  # T1's card sales go by T1's clock
        assert abs(row_of(result, f"s{k}")["clock_offset_s"]) <= 2
    assert result.attrs["card_clocks"] == {}
    assert result.attrs["card_clock_clashes"] == {"T1": "T1 card"}
    # the counter, with the index built from the month's offsets, and with the learned file
    counter = _counter_c9()
    for ranked in (
        rk.find(rk.JournalIndex(j, clock_offsets=offsets), counter),
        rk.find(j, counter, learned=rk.Learned(clock_offsets=offsets["offset_s"].astype(int).to_dict())),
    ):
        verdict = ranked.attrs["verdict"]
        assert (verdict["status"], verdict["txn_id"]) == ("matched", "C9")
    table = rk.explain(result, "s9")
    note = str(table.loc[table["field"] == "time", "best_note"].iloc[0])
    assert "card sales keep no clock of their own here: terminal T1 card bears that name" in note


def test_t1_gets_no_card_clock_beside_a_terminal_named_t1_card() -> None:
    """T1's card sales run on UTC, eight hours behind its QR rows. Before, the run learned two offsets named "T1 card"
    (T1's card sales' and the terminal's) and T1's card sales were moved by the terminal's. A journal that names a
    terminal "T1 card" leaves T1 one clock: its card sales' SMS find nothing (said, never guessed)."""
    j, batch, _ = _both(UTC_CLOCK)
    result = rk.match(batch, j)
    offsets = rk.clock_offsets(result)
    assert offsets.index.is_unique
    assert offsets.loc["T1 card", "offset_s"] == pytest.approx(FAST, abs=60)
    for k in range(12):
        assert (row_of(result, f"n{k:02d}")["status"], row_of(result, f"n{k:02d}")["txn_id"]) == (
            "matched",
            f"N{k:02d}",
        )
    for k in range(40):
        assert row_of(result, f"w{k:02d}")["txn_id"] == f"Q{k:02d}"
    for k in range(10):  # T1's card sales: eight hours off their SMS, which stay open
        assert row_of(result, f"s{k}")["status"] != "matched"
    assert result.attrs["card_clock_clashes"] == {"T1": "T1 card"}


def test_the_learned_file_keeps_the_offset_of_a_terminal_named_t1_card(tmp_path: Path) -> None:
    """Before, T1 learned again (one clock) dropped the entry "T1 card" as T1's stale card clock: the other terminal's
    offset was lost, and its sale at the counter was twenty minutes off its SMS."""
    path = rk.learned_path(tmp_path / "journal.csv")
    j, batch, _ = _both(0)
    rk.save_learned(path, rk.match(batch, j))
    first = rk.load_learned(path)
    assert first.clock_offsets["T1 card"] == pytest.approx(FAST, abs=60)
    assert first.card_clocks == {}
    only_t1 = batch[~batch["proof_id"].str.startswith("n")]  # next run: no proof of terminal "T1 card"
    learned = rk.save_learned(path, rk.match(only_t1, first.index(j)))
    assert learned.clock_offsets["T1 card"] == pytest.approx(FAST, abs=60)
    entry = json.loads(path.read_text(encoding="utf-8"))["clock_offsets"]["T1 card"]
    assert "card_sales_of" not in entry
    verdict = rk.find(j, _counter_n5(), learned=rk.load_learned(path)).attrs["verdict"]
    assert (verdict["status"], verdict["txn_id"]) == ("matched", "N05")


def _pos(card_offset: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """The aggregator's terminal, named "POS card"."""
    j, batch, truth = _aggregator(card_offset)
    j = j.assign(terminal_id=j["terminal_id"].astype(object).where(j["terminal_id"] != "T1", "POS card"))
    return rk.schema.validate_journal(j), batch, truth


def test_a_terminal_named_pos_card_learned_again_loses_its_stale_card_clock(tmp_path: Path) -> None:
    """Before, a terminal named "POS card" learned again with one clock kept its card sales' clock ("POS card card")
    in the learned file for ever (its name already ended in " card"): at the counter every card sale was moved eight
    hours and C9's SMS found nothing."""
    path = rk.learned_path(tmp_path / "journal.csv")
    before, batch, _ = _pos(UTC_CLOCK)
    month = rk.match(batch, before)
    assert rk.clock_offsets(month).loc["POS card card", "offset_s"] == pytest.approx(UTC_CLOCK, abs=60)
    assert month.attrs["card_clocks"] == {"POS card card": "POS card"}
    rk.save_learned(path, month)
    assert rk.load_learned(path).card_clocks == {"POS card card": "POS card"}
    j, batch, truth = _pos(0)  # the zone set right: one clock again
    result = rk.match(batch, rk.load_learned(path).index(j))
    _all_matched(result, truth)
    learned = rk.save_learned(path, result)
    assert "POS card card" not in learned.clock_offsets
    verdict = rk.find(j, _counter_c9(), learned=rk.load_learned(path)).attrs["verdict"]
    assert (verdict["status"], verdict["txn_id"]) == ("matched", "C9")


def _as_version_2(path: Path) -> None:
    """The file as session 12 wrote it: version 2, card sales' clocks not marked."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data["version"] = 2
    for entry in data["clock_offsets"].values():
        entry.pop("card_sales_of", None)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_a_version_2_file_is_read_as_written_where_the_key_means_one_thing(tmp_path: Path) -> None:
    path = rk.learned_path(tmp_path / "journal.csv")
    j, batch, _ = _aggregator(UTC_CLOCK)
    rk.save_learned(path, rk.match(batch.iloc[:49], j))
    _as_version_2(path)
    kept = rk.load_learned(path)
    assert kept.card_clocks == {"T1 card": "T1"}
    verdict = rk.find(j, _counter_c9(), learned=kept).attrs["verdict"]
    assert (verdict["status"], verdict["txn_id"]) == ("matched", "C9")
    again = rk.save_learned(path, rk.match(batch.iloc[:49], kept.index(j)))  # rewritten as version 3, marked
    assert again.card_clocks == {"T1 card": "T1"} and not again.card_clocks_guessed


@pytest.mark.parametrize("version", [2, 3])
def test_a_card_clock_key_the_journal_reads_as_a_terminal_is_refused(tmp_path: Path, version: int) -> None:
    """T1's card sales' clock kept from a month when no terminal was named "T1 card"; the journal now has one. Version
    3 says the key is T1's card sales'; version 2 cannot say: either way it is never applied to terminal "T1 card"."""
    path = rk.learned_path(tmp_path / "journal.csv")
    j, batch, _ = _aggregator(UTC_CLOCK)
    rk.save_learned(path, rk.match(batch, j))
    if version == 2:
        _as_version_2(path)
    grown, _, _ = _both(UTC_CLOCK)
    kept = rk.load_learned(path)
    for use in (lambda: kept.index(grown), lambda: rk.find(grown, _counter_n5(), learned=kept)):
        with pytest.raises(rk.LearnedFileError) as caught:
            use()
        assert caught.value.file == str(path) and caught.value.value == card_clock_key("T1")
        assert "terminal of that name" in str(caught.value)
    assert kept.clock_offsets_for(["T1"]) == kept.clock_offsets  # the journal it was learned on: as written


def test_match_dask_reads_t1_card_as_the_terminal_as_match_does() -> None:
    dask = pytest.importorskip("dask")  # the dask extra
    from receiptkit.scale import plan_dask

    for card_offset in (0, UTC_CLOCK):
        j, batch, truth = _both(card_offset)
        expected = rk.match(batch, j)
        with dask.config.set(scheduler="sync"):
            planned = plan_dask(batch, j, min_tasks=8)
            got = planned.result.compute().sort_index()
        assert list(got["txn_id"]) == list(expected["txn_id"])
        assert list(got["status"]) == list(expected["status"])
        assert planned.clock_offsets.index.is_unique
        assert got.attrs["card_clock_clashes"] == {"T1": "T1 card"} and got.attrs["card_clocks"] == {}
        if card_offset == 0:
            _all_matched(got.reset_index(drop=True), truth)
