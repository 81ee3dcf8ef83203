"""A terminal's one clock offset that only fits the rows after its clock jumped (index.JournalIndex).

A battery reset sets a terminal's clock back by months. ``match`` learns the pieces (before and after the
jump); given as one number per terminal (a plain mapping), the offset of the latest piece was applied to every
row, and the rows logged before the jump by a right clock were moved months into the future. A counter proof of
such a sale then found a stranger's WeChat sale of its amount 26 s away, and ``find`` matched it (clean room 2,
seed 204, seen by a helper). Now those rows keep their logged time and are unsure, so the proof is not matched
on time; rows after the jump are corrected as given.
"""

from __future__ import annotations

import pandas as pd

import receiptkit as rk

from .conftest import background, journal, txn

JUMP = -307 * 86400  # the clock after the reset is 307 days behind true time


def _journal() -> pd.DataFrame:
    rows = [dict(r, terminal_id="A", txn_id=f"A{r['txn_id']}") for r in background(200, seed=3)]
    for day in range(1, 29):  # a second terminal, right all month
        rows.append(txn(f"a{day}", 4000 + day, "10:00:00", day=f"2026-11-{day:02d}", terminal_id="A"))
    # terminal B: right until 14 November (its sale of 136.00 on the 10th, on a card), reset on the 15th
    rows.append(txn("B-before", 13600, "12:17:30", day="2026-11-10", terminal_id="B", card_last4="4898"))
    rows.append(txn("B-before2", 5100, "09:00:00", day="2026-11-03", terminal_id="B"))
    after = pd.Timestamp("2026-11-20 15:00:00", tz="Asia/Shanghai") + pd.Timedelta(seconds=JUMP)
    rows.append(
        txn("B-after", 7700, after.strftime("%H:%M:%S"), day=after.strftime("%Y-%m-%d"), terminal_id="B")
    )
    # a stranger's WeChat sale of the same amount on terminal A, 26 s before B's
    rows.append(
        txn(
            "A-wechat",
            13600,
            "12:17:04",
            day="2026-11-10",
            terminal_id="A",
            channel="wechat",
            card_last4=None,
        )
    )
    return journal(*rows)


def test_an_offset_that_moves_a_row_out_of_the_journals_month_is_not_that_rows() -> None:
    index = rk.JournalIndex(_journal(), clock_offsets={"B": JUMP})
    found = rk.find(index, amount="136.00", time="2026-11-10 12:17", last4="4898", ref="2026-11-10 18:00")
    # before: A-wechat "matched" at 99.7 % (time same), B's own sale moved 307 days on
    assert not found["chosen"].any(), found[["txn_id", "verdict", "confidence", "why"]].to_string()
    assert found.iloc[0]["verdict"] == "ambiguous"
    assert found.iloc[0]["txn_id"] == "B-before"  # listed first, at its logged time, on the card it shows
    assert "A-wechat" in set(found["txn_id"])
    # the row after the jump is corrected as given: its proof finds it on the true day
    after = rk.find(index, amount="77.00", time="2026-11-20 15:00", ref="2026-11-20 18:00")
    assert after.iloc[0]["txn_id"] == "B-after"


def test_without_the_stray_rows_the_offset_is_applied_as_given() -> None:
    j = _journal()
    j = j[~j["txn_id"].isin(["B-before", "B-before2"])].reset_index(drop=True)
    index = rk.JournalIndex(j, clock_offsets={"B": JUMP})
    assert not index.offset_unsure.any()
    row = int((j["txn_id"] == "B-after").to_numpy().nonzero()[0][0])
    assert int(index.offset_s[row]) == JUMP


def test_the_stray_rows_are_unsure_in_both_places() -> None:
    j = _journal()
    index = rk.JournalIndex(j, clock_offsets={"B": JUMP})
    stray = [int((j["txn_id"] == t).to_numpy().nonzero()[0][0]) for t in ("B-before", "B-before2")]
    assert index.offset_unsure[stray].all() and (index.offset_s[stray] == 0).all()
    places = {(int(r), int(s)) for r, s in zip(index.offset_alt_rows, index.offset_alt_s, strict=True)}
    assert {(r, 0) for r in stray} | {(r, JUMP) for r in stray} <= places
    assert index.offset_unsure.sum() == 2
