"""The second clean room's generator keeps its own promises (it is never used to tune the matcher).

Checks the world, journal, proofs and oracle of one small seed: the oracle's truth is one of the rows it
could not rule out, payments made elsewhere never point to a journal row, each text shows what the oracle
says it shows, and the journal file the library reads holds the rows generated. Imports the public
receiptkit API only.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pytest

import receiptkit as rk

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

cleanroom2 = pytest.importorskip("cleanroom2")
from cleanroom2.proofs import ELSEWHERE, SHARES  # noqa: E402
from cleanroom2.texts import amt  # noqa: E402


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    return cleanroom2.build(202, 300, 3000, tmp_path_factory.mktemp("cleanroom2"))


def test_every_category_is_drawn(scenario):
    cats = {p.category for p in scenario.proofs}
    assert cats == set(SHARES)
    assert 290 <= len(scenario.proofs) <= 300


def test_truth_is_a_real_row_the_oracle_cannot_rule_out(scenario):
    j = scenario.journal.set_index("txn_id")
    judged = scenario.judged.set_index("pid")
    for p in scenario.proofs:
        if p.truth is None:
            continue
        row = j.loc[p.truth]
        assert row.status == "approved"
        assert row.txn_type == ("refund" if p.ev.direction == "credit" else "sale")
        if not p.ev.fx:
            assert int(row.amount_minor) == p.ev.amount
        assert p.ev.start <= row.true_ts <= p.ev.end, (p.pid, p.text)
        assert judged.at[p.pid, "truth_consistent"], (p.pid, p.category, p.text)
        assert judged.at[p.pid, "identifiable"] == (judged.at[p.pid, "consistent"] == [p.truth])


def test_payments_elsewhere_never_point_to_a_journal_row(scenario):
    judged = scenario.judged.set_index("pid")
    j = scenario.journal.set_index("txn_id")
    elsewhere = [p for p in scenario.proofs if p.category in ELSEWHERE]
    assert elsewhere
    ours = {b.brand for b in scenario.world.journal_branches()}
    named = 0
    wallet_ids = set(scenario.journal.wallet_txn_id)
    for p in elsewhere:
        assert p.truth is None
        assert p.ev.wallet_id is None or p.ev.wallet_id not in wallet_ids
        near = j.loc[p.near]  # the sale it coincides with: same amount, within half a minute
        assert int(near.amount_minor) == p.ev.amount
        assert not judged.at[p.pid, "identifiable"]
        m = (p.ev.merchant or "").replace("（", "(").replace("）", ")")
        names_other = any(
            b.sign in m or f"{b.brand}{b.branch}" in m for b in scenario.world.elsewhere
        ) or any(b.brand in m for b in scenario.world.elsewhere if b.brand not in ours)
        if names_other:  # another branch or brand named in the text: a clerk rules every row out
            assert judged.at[p.pid, "n_consistent"] == 0, p.text
            named += 1
    assert named >= 5
    # and no honest proof points at a row twice
    truths = [p.truth for p in scenario.proofs if p.truth is not None]
    assert len(truths) == len(set(truths))


def test_texts_show_what_the_oracle_reads_from_them(scenario):
    for p in scenario.proofs:
        text = p.text
        ev = p.ev
        if p.fmt == "hsbc_hk":
            assert amt(ev.amount, "comma") in text
        elif p.fmt != "counter":
            forms = {amt(ev.amount), amt(ev.amount, "comma"), amt(ev.amount, "icbc")}
            assert any(f in text for f in forms), (p.pid, text)
        else:
            typed = re.sub("^¥|元$", "", p.payload["amount"])
            assert typed in {amt(ev.amount), amt(ev.amount, "icbc"), amt(ev.amount, "comma")}
        if ev.last4:
            assert ev.last4 in text, (p.pid, text)
        if ev.tail3:
            assert ("尾号" + ev.tail3) in text
        if ev.merchant:
            assert ev.merchant in text, (p.pid, ev.merchant, text)
        if ev.wallet_id:
            assert ev.wallet_id in text
        if ev.wallet_suffix:
            assert ev.wallet_suffix in text and p.truth is not None


def test_the_journal_file_holds_the_generated_rows(scenario):
    read = rk.read_journal(scenario.journal_csv)
    gen = scenario.journal
    assert len(read) == len(gen)
    merged = read[["txn_id", "amount_minor", "terminal_id", "ts"]].merge(
        gen[["txn_id", "amount_minor", "terminal_id", "ts"]], on="txn_id", suffixes=("_read", "_gen")
    )
    assert len(merged) == len(gen)
    assert (merged.amount_minor_read == merged.amount_minor_gen).all()
    assert (merged.ts_read == merged.ts_gen).all()
    # the clocks: one terminal eight hours off, one reset to another date mid-month, true time hidden
    off = (gen.ts - gen.true_ts).dt.total_seconds().groupby(gen.terminal_id).agg(["min", "max"])
    assert (off["min"] < -7 * 3600).sum() >= 1
    assert (off["min"] < -200 * 86400).sum() == 1
    assert "true_ts" not in read.columns


def test_written_files_put_each_proof_on_its_line(scenario):
    for key, path in scenario.files.items():
        raw = path.read_bytes()
        text = raw.decode("gb18030" if key == "alipay" else "utf-8-sig")
        lines = text.splitlines()
        for p in scenario.proofs:
            fmt_key = f"cmb_credit_{p.payload['post'].month:02d}" if p.fmt == "cmb_credit" else p.fmt
            if fmt_key != key:
                continue
            line = lines[p.payload["line"] - 1]
            if p.fmt in ("sms_txt",):
                assert line == p.text
            elif p.fmt == "sms_json":
                assert pd.Series([line]).str.contains(str(p.payload["t"])).all()
            else:
                first = p.text.split(",")[0].split(" ")[0] if p.fmt != "screen" else str(p.payload["time"])
                assert first in line, (key, p.payload["line"], line, p.text)
