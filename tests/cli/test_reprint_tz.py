"""``reprint`` without ``--tz``: a refusal says the proof matched nothing, in which zone its time was read,
and what to type; a journal whose times carry no zone names ``--tz``, not the library's ``tz=``."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from receiptkit.audit import AuditLog
from receiptkit.cli import app


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "5c" * 32)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args), terminal_width=200)


def _hong_kong_sale(demo_dir) -> pd.Series:
    """An approved HKD card sale on a terminal whose clock is right, dated so that d/m and m/d differ."""
    journal = pd.read_csv(demo_dir / "journal.csv", dtype=str)
    local = pd.to_datetime(journal["ts"], utc=True).dt.tz_convert("Asia/Hong_Kong")
    ok = journal[
        (journal["status"] == "approved")
        & (journal["txn_type"] == "sale")
        & (journal["channel"] == "card")
        & (journal["currency"] == "HKD")
        & (journal["terminal_id"] != "13000001")  # the demo's Hong Kong terminal 8 h slow
        & journal["card_last4"].notna()
        & (local.dt.day <= 12)
        & (local.dt.day != local.dt.month)
    ]
    return ok.iloc[0]


def _day_first(row: pd.Series) -> list[str]:
    local = pd.Timestamp(row["ts"]).tz_convert("Asia/Hong_Kong")
    amount = f"{int(row['amount_minor']) // 100}.{int(row['amount_minor']) % 100:02d}"
    when = f"{local.day}/{local.month}/{local.year} {local:%H:%M}"  # as a Hong Kong clerk writes it
    return ["--amount", amount, "--currency", "HKD", "--time", when, "--last4", row["card_last4"]]


@pytest.mark.parametrize("named", [True, False])
def test_a_proof_read_in_the_default_zone_is_refused_saying_unmatched_the_zone_and_what_to_type(
    demo_dir, tmp_path, named
):
    row = _hong_kong_sale(demo_dir)
    audit = str(tmp_path / "audit.sqlite")
    common = ["--journal", str(demo_dir / "journal.csv"), *_day_first(row), "--operator", "li"]
    common += ["--reason", "lost slip", "--audit", audit, "--no-learned"]
    which = [row["txn_id"]] if named else []
    refused = _invoke("reprint", "--new-audit-log", *which, *common, "--pdf", str(tmp_path / "a.pdf"))
    assert refused.exit_code == 2, refused.output
    out = refused.output
    # session 20 (newcomer 18, F4): an HKD proof's d/m that reads both ways is no longer read month first (then
    # refused as unmatched): it is refused before anything is matched or logged, naming the zone to give
    assert "could be" in out and "the proof is in HKD" in out, out
    assert "Asia/Shanghai" in out and "--tz was not given" in out  # which zone would have read it, and why
    assert "give --tz Asia/Hong_Kong, or --dayfirst / --monthfirst" in out  # what to type
    assert not (tmp_path / "a.pdf").exists()
    assert not (tmp_path / "audit.sqlite").exists() or AuditLog(audit, create=False).rows().empty
    # the same with the shop's zone: reprinted
    done = _invoke(
        "reprint",
        "--new-audit-log",
        *which,
        *common,
        "--tz",
        "Asia/Hong_Kong",
        "--pdf",
        str(tmp_path / "b.pdf"),
    )
    assert done.exit_code == 0, done.output
    assert (tmp_path / "b.pdf").is_file()


def test_a_refusal_with_tz_given_has_no_zone_hint(demo_dir, tmp_path):
    row = _hong_kong_sale(demo_dir)
    args = [
        "reprint",
        "--new-audit-log",
        row["txn_id"],
        "--journal",
        str(demo_dir / "journal.csv"),
        *_day_first(row),
    ]
    args += ["--tz", "Asia/Shanghai", "--operator", "li", "--reason", "lost", "--no-learned"]
    args += ["--audit", str(tmp_path / "audit.sqlite"), "--pdf", str(tmp_path / "a.pdf")]
    refused = _invoke(*args)
    assert refused.exit_code == 2 and "[unmatched]" in refused.output
    assert "--tz was not given" not in refused.output


def test_a_journal_without_zones_by_txn_id_names_the_tz_option(demo_dir, tmp_path):
    journal = pd.read_csv(demo_dir / "journal.csv", dtype=str)
    journal["ts"] = (
        pd.to_datetime(journal["ts"], utc=True).dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    )
    journal.to_csv(tmp_path / "naive.csv", index=False)
    txn = str(journal["txn_id"].iloc[0])
    refused = _invoke(
        "reprint",
        "--new-audit-log",
        txn,
        "--journal",
        str(tmp_path / "naive.csv"),
        "--operator",
        "li",
        "--reason",
        "lost",
        "--audit",
        str(tmp_path / "audit.sqlite"),
        "--pdf",
        str(tmp_path / "a.pdf"),
    )
    assert refused.exit_code == 2
    assert "--tz" in refused.output and "tz=" not in refused.output, refused.output


def test_find_says_the_zone_and_the_day_order_a_refused_time_was_read_in(demo_dir):
    # a newcomer (session 18): a Hong Kong clerk's "3/11 16:24" was read as 11 March; `find` said UNMATCHED and
    # only suggested a billing rate, never --tz or --dayfirst (reprint's refusal did)
    row = _hong_kong_sale(demo_dir)
    args = [
        "find",
        "--journal",
        str(demo_dir / "journal.csv"),
        *_day_first(row),
        "--no-learned",
        "--no-cache",
    ]
    alone = _invoke(*args)
    # session 20 (F4): an HKD d/m that reads both ways is refused (exit 2), never read month first
    assert alone.exit_code == 2, alone.output
    assert "--tz was not given" in alone.output and "month first" in alone.output, alone.output
    assert "--tz Asia/Hong_Kong" in alone.output and "--dayfirst" in alone.output
    assert "--fx" not in alone.output
    for extra in (["--tz", "Asia/Hong_Kong"], ["--dayfirst"]):
        done = _invoke(*args, *extra)
        assert "--tz was not given" not in done.output or "month first" not in done.output, done.output
        if extra[0] == "--tz":
            assert done.exit_code == 0 and "MATCHED" in done.output, done.output
