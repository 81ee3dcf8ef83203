"""An unmatched counter proof whose window lies wholly outside the journal's period says so (a hint only).

Without --tz a Hong Kong clerk's "3/11 14:14" is read, rightly for Shanghai, as 11 March; the journal covers
November, and find said only "no approved payment of ... in the window".
"""

from __future__ import annotations

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.datasets import make_dataset


@pytest.fixture(scope="module")
def journal() -> pd.DataFrame:
    return make_dataset(n_transactions=400, n_proofs=10, seed=3).journal


@pytest.fixture(scope="module")
def index(journal) -> rk.JournalIndex:
    return rk.JournalIndex(journal)


def _covers(journal: pd.DataFrame) -> str:
    local = pd.to_datetime(journal["ts"], utc=True).dt.tz_convert("Asia/Shanghai")
    return f"the journal covers {local.min():%Y-%m-%d} to {local.max():%Y-%m-%d}"


def _sold(journal: pd.DataFrame) -> str:
    row = journal[(journal["currency"] == "CNY") & (journal["status"] == "approved")].iloc[0]
    return rk.format_minor(int(row["amount_minor"]), "CNY")


def test_a_day_and_month_read_as_march_says_what_the_journal_covers(journal, index):
    proof = rk.proof(amount=_sold(journal), time="3/11 14:14", tz="Asia/Shanghai")  # month first: 11 March
    given = proof["ts"].iloc[0].tz_convert("Asia/Shanghai").strftime("%Y-%m-%d")
    assert given.endswith("-03-11")
    ranked = rk.find(index, proof)
    verdict = ranked.attrs["verdict"]
    assert verdict["status"] == "unmatched" and ranked.empty  # a hint: the verdict is the same
    assert verdict["reason"] == (
        f"no approved payment of {_sold(journal)} CNY in the window; {_covers(journal)}; "
        f"the time given ({given}) is before it"
    )


def test_a_proof_after_the_journal_says_so(journal, index):
    # a statement line of January (a canonical proof: no "later than now" check at the counter)
    proof = rk.proof(amount=_sold(journal), time="2026-11-15 12:00", tz="Asia/Shanghai")
    proof["ts"] = pd.Series([pd.Timestamp("2027-01-20 12:00", tz="Asia/Shanghai")]).astype(proof["ts"].dtype)
    verdict = rk.find(index, proof).attrs["verdict"]
    assert verdict["status"] == "unmatched"
    assert verdict["reason"].endswith(f"; {_covers(journal)}; the time given (2027-01-20) is after it"), (
        verdict
    )


def test_a_window_inside_the_journal_has_no_hint(journal, index):
    ranked = rk.find(index, amount="0.07", currency="CNY", time="2026-11-15 12:00", tz="Asia/Shanghai")
    verdict = ranked.attrs["verdict"]
    assert verdict["status"] == "unmatched"
    assert "journal covers" not in verdict["reason"], verdict["reason"]


def test_match_in_bulk_is_unchanged(journal):
    proof = rk.proof(amount=_sold(journal), time="3/11 14:14", tz="Asia/Shanghai")
    result = rk.match(proof, journal)
    assert "journal covers" not in str(result["reason"].iloc[0])


def test_a_time_before_the_first_sale_on_the_journals_first_day_names_that_sale(journal, index):
    """Newcomer 19, G16: "2026-11-01 2:46" (meant 14:46) on the journal's first day said "the journal covers
    2026-11-01 to ...; the time given (2026-11-01) is before it", a self-contradiction at the counter."""
    local = pd.to_datetime(journal["ts"], utc=True).dt.tz_convert("Asia/Shanghai")
    first = local.min()
    early = (first - pd.Timedelta(minutes=30)).floor("min")
    assert early.date() == first.date()  # the generator's day starts after 00:30
    proof = rk.proof(amount=_sold(journal), time=f"{early:%Y-%m-%d %H:%M}", tz="Asia/Shanghai")
    verdict = rk.find(index, proof).attrs["verdict"]
    assert verdict["status"] == "unmatched"
    assert verdict["reason"].endswith(
        f"; the journal's first sale is at {first:%Y-%m-%d %H:%M}; the time given ({early:%Y-%m-%d %H:%M}) is "
        "before it: check the hour (上午/下午, 24-hour time)"
    ), verdict["reason"]


def test_the_edge_sale_is_said_at_its_clock_corrected_time_with_the_logged_time_beside_it(journal):
    """Review 19, section 8: the side is decided on the clock-corrected times, but the hint named the first sale's
    time as logged. With the first sale's terminal 40 minutes slow, "the first sale is at 08:00" while the
    window (07:50) is decided against 08:40: the hint now says 08:40 and "logged 08:00"."""
    local = pd.to_datetime(journal["ts"], utc=True).dt.tz_convert("Asia/Shanghai")
    first_row = journal.loc[local.idxmin()]
    terminal = str(first_row["terminal_id"])
    index = rk.JournalIndex(journal, clock_offsets={terminal: -40 * 60})  # its clock is 40 minutes slow
    corrected = index.ts_adj.min()
    first = pd.Timestamp(int(corrected), unit="s", tz="UTC").tz_convert("Asia/Shanghai")
    logged = pd.Timestamp(journal["ts"].iloc[int(index.ts_adj.argmin())]).tz_convert("Asia/Shanghai")
    assert first != logged
    early = (first - pd.Timedelta(minutes=30)).floor("min")
    assert early.date() == first.date()
    proof = rk.proof(amount=_sold(journal), time=f"{early:%Y-%m-%d %H:%M}", tz="Asia/Shanghai")
    verdict = rk.find(index, proof).attrs["verdict"]
    assert verdict["status"] == "unmatched"
    assert verdict["reason"].endswith(
        f"; the journal's first sale is at {first:%Y-%m-%d %H:%M} (logged {logged:%H:%M}); the time given "
        f"({early:%Y-%m-%d %H:%M}) is before it: check the hour (上午/下午, 24-hour time)"
    ), verdict["reason"]


def test_a_rounded_time_is_said_as_typed_with_its_window(journal, index):
    """Review 19, section 8: "晚上9点" (an hour, 21:00-22:00) after the last sale was said as 21:59, a time nobody
    typed ("2点半" as 14:20). The hint now quotes what was typed and the window it stands for."""
    local = pd.to_datetime(journal["ts"], utc=True).dt.tz_convert("Asia/Shanghai")
    last = local.max()
    assert last.hour < 21, last  # the generator's last day ends before 21:00
    proof = rk.proof(amount=_sold(journal), time=f"{last:%Y-%m-%d} 晚上9点", tz="Asia/Shanghai")
    verdict = rk.find(index, proof).attrs["verdict"]
    assert verdict["status"] == "unmatched"
    assert verdict["reason"].endswith(
        f"; the journal's last sale is at {last:%Y-%m-%d %H:%M}; the time given ({last:%Y-%m-%d} 晚上9点: "
        f"{last:%Y-%m-%d} 21:00-22:00) is after it: check the hour (上午/下午, 24-hour time)"
    ), verdict["reason"]
