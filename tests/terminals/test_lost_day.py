"""The demo's lost-terminal day: the story holds together end to end."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

import receiptkit as rk
from receiptkit.demo import run_demo
from receiptkit.terminals import Terminals, activity_totals
from receiptkit.terminals.lost_day import REPLACEMENT, LostDayResult, run_lost_terminal_day


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> LostDayResult:
    data = rk.make_dataset(n_transactions=600, n_proofs=5, seed=1)
    return run_lost_terminal_day(tmp_path_factory.mktemp("lost"), data, seed=1, key=bytes(range(32)))


def test_the_exports_are_in_their_real_layouts(story) -> None:
    exports = story.folder / "exports"
    raw = (exports / "terminal-export.csv").read_bytes()
    assert raw.decode("gb18030").startswith("商户交易明细查询结果")
    assert (
        (exports / "wechat-merchant-bill.csv").read_text(encoding="utf-8-sig").splitlines()[1].startswith("`")
    )
    alipay = next(exports.glob("*_业务明细.csv")).read_bytes().decode("gb18030")
    assert alipay.startswith("#支付宝业务明细查询")
    assert rk.read_journal(exports / "terminal-export.csv").attrs["preset"] == "unionpay_terminal"
    assert rk.read_journal(next(exports.glob("*_业务明细.csv"))).attrs["preset"] == "alipay_merchant"


def test_only_the_misuse_is_after_the_loss(story) -> None:
    journal = story.journal
    after = journal.loc[journal["after_loss"], "txn_id"].tolist()
    assert after == story.day.misuse_txn_ids
    assert story.activity["txn_id"].tolist() == story.day.misuse_txn_ids
    totals = activity_totals(story.activity).set_index("txn_type")
    assert totals.loc["net", "amount"] == "-499.00"


def test_interim_qr_payments_are_wallet_rows_without_a_terminal_and_match(story) -> None:
    journal = story.journal
    interim = journal[journal["terminal_id"].isna()]
    assert len(interim) > 0
    assert set(interim["channel"]) <= {"wechat", "alipay"}
    assert set(interim["sources"]) <= {"wechat", "alipay"}
    assert not interim["after_loss"].any()
    verdicts = story.match.set_index("proof_id")
    qr = [p for p in verdicts.index if p.startswith("qr_")]
    assert qr and (verdicts.loc[qr, "status"] == "matched").all()
    assert set(verdicts.loc[qr, "txn_id"]) <= set(interim["txn_id"])


def test_rows_seen_twice_are_merged_and_the_reversed_sale_is_a_conflict(story) -> None:
    journal = story.journal
    assert (journal["sources"] == "acquirer;terminal").sum() > 0
    assert journal["txn_id"].is_unique
    if story.day.conflict_rrn is not None:
        assert story.conflicts["key_value"].tolist() == [story.day.conflict_rrn]
        assert story.conflicts["fields"].tolist() == ["status"]
        assert {story.conflicts.loc[0, "status_a"], story.conflicts.loc[0, "status_b"]} == {
            "reversed",
            "approved",
        }


def test_duplicates_and_refusals(story) -> None:
    assert story.refused == {"after_loss_sale": "after_loss"}
    assert set(story.reprinted) == {"card_after_sync"}
    text = PdfReader(story.folder / "duplicate-card_after_sync.pdf").pages[0].extract_text()
    assert "data from acquirer records" in text and "来源/sources: acquirer" in text


def test_the_register_and_the_log_tell_the_same_story(story) -> None:
    with Terminals(story.folder / "receiptkit-audit.sqlite", create=False, key=bytes(range(32))) as register:
        entry = register.get(story.day.terminal_id)
        assert entry.status == "replaced" and entry.replaced_by == REPLACEMENT
        assert pd.Timestamp(entry.cutoff_at) == story.day.lost_at
        assert register.verify().ok
        refused = register.log.rows(event_type="reprint", status="refused")
        assert refused["rule"].tolist() == ["after_loss"]
    lines = "\n".join(story.lines())
    assert "hand over to the acquirer and the police" in lines
    assert "refused by the rule after_loss" in lines


def test_the_demo_includes_the_lost_terminal_day(tmp_path: Path) -> None:
    summary = run_demo(tmp_path, n_transactions=300, n_proofs=5, seed=2, slips=0)
    assert any("hand over to the acquirer and the police" in line for line in summary.lines())
    assert (tmp_path / "lost-terminal" / "after-loss-activity.xlsx").exists()
    assert any(p.name == "after-loss-activity.csv" for p in summary.files)


def test_the_demo_keeps_its_key_so_the_see_command_checks_the_log(tmp_path: Path, monkeypatch) -> None:
    """The demo's last line is a command that works: the register verifies with the key file it names."""
    from receiptkit.terminals.register import Terminals

    summary = run_demo(tmp_path, n_transactions=300, n_proofs=5, seed=2, slips=0)
    key_file = tmp_path / "lost-terminal" / "demo-merchant.key"
    (see,) = [line for line in summary.lines() if line.strip().startswith("see:")]
    assert f"RECEIPTKIT_KEY_FILE={key_file} " in see
    register = Terminals(tmp_path / "lost-terminal" / "receiptkit-audit.sqlite", key=key_file)
    assert register.verify().ok


def test_the_story_can_be_told_again_in_the_same_folder(tmp_path) -> None:
    """`make demo` run twice: the second run refused its own duplicates ("exists; pass overwrite=True") once
    reprint stopped overwriting files silently. A new story starts a new log and replaces its duplicates."""
    data = rk.make_dataset(n_transactions=600, n_proofs=5, seed=1)
    first = run_lost_terminal_day(tmp_path, data, seed=1, key=bytes(range(32)))
    again = run_lost_terminal_day(tmp_path, data, seed=1, key=bytes(range(32)))
    assert first.reprinted and again.reprinted.keys() == first.reprinted.keys()
    for proof_id in again.reprinted:
        assert (tmp_path / f"duplicate-{proof_id}.pdf").stat().st_size > 0
