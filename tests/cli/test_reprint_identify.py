"""``receiptkit reprint``: how the transaction was identified (proof, trace number, RRN, txn_id), end to end."""

from __future__ import annotations

import shlex

import pandas as pd

import receiptkit as rk
from receiptkit.audit import AuditLog

from .conftest import run_cli

KEY = "hex:" + "5a" * 32


def _cli(*args: str, cwd):
    done = run_cli(*args, cwd=cwd, RECEIPTKIT_KEY=KEY)
    return done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")


def _journal(folder) -> pd.DataFrame:
    return rk.read_journal(folder / "journal.csv", tz="Asia/Shanghai")


def test_after_find_said_ambiguous_the_proof_reprints_nothing(demo_dir, tmp_path):
    audit = str(tmp_path / "audit.sqlite")
    journal = _journal(demo_dir)
    sales = journal[(journal["amount_minor"] == 2500) & (journal["currency"] == "CNY")]
    day = sales["ts"].dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d").value_counts().index[0]
    proof = (
        "--amount",
        "25.00",
        "--currency",
        "CNY",
        "--time",
        day,
    )  # several 25.00 sales that day, no card, no time of day
    code, out, _ = _cli("find", "--journal", "journal.csv", *proof, cwd=demo_dir)
    assert code == 1 and "AMBIGUOUS" in out
    ranked = rk.find(journal, amount="25.00", currency="CNY", time=day, tz="Asia/Shanghai")
    one_of_them = str(ranked["txn_id"].iloc[0])
    assert one_of_them in out and len(ranked) > 1
    common = ("--journal", "journal.csv", "--operator", "clerk7", "--reason", "lost", "--audit", audit)
    pdf = tmp_path / "x.pdf"
    for picked in ([one_of_them], []):
        code, _, err = _cli(
            "reprint", "--new-audit-log", *picked, *proof, *common, "--pdf", str(pdf), cwd=demo_dir
        )
        assert code == 2 and "[ambiguous]" in err and "Traceback" not in err
    assert not pdf.exists()
    rows = AuditLog(audit, create=False).rows()
    assert rows["status"].tolist() == ["refused", "refused"]
    assert rows["identified_by"].tolist() == ["proof", "proof"] and rows["rule"].tolist() == ["ambiguous"] * 2


def test_a_matched_proof_reprints_with_find_s_own_command_and_records_the_proof(demo_dir, tmp_path):
    audit = str(tmp_path / "audit.sqlite")
    code, out, err = _cli(
        "find", "--journal", "journal.csv", "--proof", "proofs.csv", "--proof-id", "P0000058", cwd=demo_dir
    )
    assert code == 0, err
    suggested = next(line for line in out.splitlines() if line.startswith("reprint with: "))
    words = shlex.split(suggested.removeprefix("reprint with: "))
    assert words[:2] == ["receiptkit", "reprint"] and "--proof-id" in words
    words = words[1 : words.index("--operator")]
    code, out, err = _cli(
        *words,
        "--operator",
        "clerk7",
        "--reason",
        "lost",
        "--pdf",
        str(tmp_path / "d.pdf"),
        "--audit",
        audit,
        "--new-audit-log",  # find's line never adds it: the first reprint starts the log explicitly
        cwd=demo_dir,
    )
    assert code == 0, err
    assert "identified by proof P0000058 (matched" in out and "public key" in out
    row = AuditLog(audit, create=False).rows(status="pending").iloc[0]
    assert row["identified_by"] == "proof" and row["proof_id"] == "P0000058" and row["confidence"] > 0.99
    # the same proof does not let another transaction be reprinted
    other = str(_journal(demo_dir)["txn_id"].iloc[0])
    code, _, err = _cli(
        "reprint",
        "--new-audit-log",
        other,
        "--journal",
        "journal.csv",
        "--proof",
        "proofs.csv",
        "--proof-id",
        "P0000058",
        "--operator",
        "clerk7",
        "--reason",
        "lost",
        "--pdf",
        str(tmp_path / "o.pdf"),
        "--audit",
        audit,
        cwd=demo_dir,
    )
    assert code == 2 and "[ambiguous]" in err and not (tmp_path / "o.pdf").exists()


def test_trace_number_rrn_and_txn_id_lookups_are_recorded_as_such(demo_dir, tmp_path):
    audit = str(tmp_path / "audit.sqlite")
    journal = _journal(demo_dir)
    ok = journal[(journal["status"] == "approved") & (journal["txn_type"] == "sale") & journal["rrn"].notna()]
    per_trace = ok.groupby(["terminal_id", "stan"])["txn_id"].transform("size")
    unique = ok[per_trace == 1].iloc[0]
    common = ("--journal", "journal.csv", "--operator", "clerk7", "--reason", "lost", "--audit", audit)

    trace = str(int(unique["stan"]))  # typed without the leading zeros
    code, out, err = _cli(
        "reprint",
        "--new-audit-log",
        "--trace",
        trace,
        "--terminal",
        str(unique["terminal_id"]),
        *common,
        "--png",
        "t.png",
        cwd=demo_dir,
    )
    assert code == 0, err
    assert f"reprint 1 of {unique['txn_id']}" in out and f"identified by stan {trace}" in out
    other = ok[(ok["txn_id"] != unique["txn_id"])].iloc[0]
    code, out, err = _cli(
        "reprint", "--new-audit-log", "--rrn", str(other["rrn"]), *common, "--png", "r.png", cwd=demo_dir
    )
    assert code == 0, err
    assert f"reprint 1 of {other['txn_id']}" in out and f"identified by rrn {other['rrn']}" in out
    code, out, err = _cli(
        "reprint", "--new-audit-log", str(unique["txn_id"]), *common, "--png", "i.png", cwd=demo_dir
    )
    assert code == 0 and "reprint 2 of" in out, err
    rows = AuditLog(audit, create=False).rows(status="pending")
    assert rows["identified_by"].tolist() == ["stan", "rrn", "txn_id"]
    assert rows["reference"].tolist() == [trace, str(other["rrn"]), str(unique["txn_id"])]

    code, _, err = _cli(
        "reprint", "--new-audit-log", "--trace", trace, *common, "--png", "x.png", cwd=demo_dir
    )
    assert code == 2 and "terminal" in err
    repeated = journal.groupby(["terminal_id", "stan"])["txn_id"].transform("size") > 1
    if repeated.any():
        twice = journal[repeated].iloc[0]
        code, _, err = _cli(
            "reprint",
            "--new-audit-log",
            "--trace",
            str(twice["stan"]),
            "--terminal",
            str(twice["terminal_id"]),
            *common,
            "--png",
            "x.png",
            cwd=demo_dir,
        )
        assert code == 2 and "transactions have stan" in err and "batch" in err
    code, _, err = _cli(
        "reprint", str(unique["txn_id"]), "--rrn", "1", *common, "--png", "x.png", cwd=demo_dir
    )
    assert code == 2 and "one way" in err


def test_require_proof_refuses_a_lookup(demo_dir, tmp_path):
    audit = str(tmp_path / "audit.sqlite")
    journal = _journal(demo_dir)
    ok = journal[(journal["status"] == "approved") & (journal["txn_type"] == "sale")]
    code, _, err = _cli(
        "reprint",
        "--new-audit-log",
        str(ok["txn_id"].iloc[0]),
        "--journal",
        "journal.csv",
        "--operator",
        "clerk7",
        "--reason",
        "lost",
        "--require-proof",
        "--pdf",
        str(tmp_path / "x.pdf"),
        "--audit",
        audit,
        cwd=demo_dir,
    )
    assert code == 2 and "[proof_required]" in err and not (tmp_path / "x.pdf").exists()
    assert AuditLog(audit, create=False).rows()["rule"].tolist() == ["proof_required"]
