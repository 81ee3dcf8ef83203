"""How the transaction to reprint was identified: proofs, find candidates, clerk look-ups, require_proof."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.audit import AuditLog
from receiptkit.errors import JournalError, ReceiptkitError, ReprintRefused
from receiptkit.reprinting import Identification, ReprintPolicy, lookup, reprint
from receiptkit.schema import validate_journal

KEY = "hex:" + "3f" * 32
TZ = "Asia/Shanghai"
RRN_A, RRN_B = "631099887766", "631099887767"


@pytest.fixture(autouse=True)
def merchant_key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)


def _txn(txn_id: str, ts: str, pan: str, stan: str, rrn: str, **extra) -> dict:
    row = {
        "txn_id": txn_id,
        "merchant_id": "898310058120001",
        "merchant_name": "瑞幸咖啡(国贸店)",
        "terminal_id": "10000001",
        "ts": pd.Timestamp(ts, tz=TZ),
        "amount_minor": 12850,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": "card",
        "pan_masked": pan,
        "card_scheme": "UNIONPAY",
        "auth_code": "123456",
        "rrn": rrn,
        "stan": stan,
        "batch_no": "000045",
    }
    row.update(extra)
    return row


@pytest.fixture
def journal() -> pd.DataFrame:
    """Two sales of 128.50 a minute apart on different cards (a proof without the card is ambiguous),
    a third sale whose trace number repeats in the next batch, and one on another terminal."""
    return validate_journal(
        pd.DataFrame(
            [
                _txn("A", "2026-11-20 14:32:05", "622202******0123", "000123", "631099887766"),
                _txn("B", "2026-11-20 14:32:50", "622848******4821", "000124", "631099887767"),
                _txn("C", "2026-11-20 09:00:00", "622202******5555", "000007", "631099880001"),
                _txn(
                    "D",
                    "2026-11-21 09:00:00",
                    "622202******6666",
                    "000007",
                    "631099880002",
                    batch_no="000046",
                ),
                _txn(
                    "E",
                    "2026-11-20 10:00:00",
                    "622202******7777",
                    "000123",
                    "631099880003",
                    terminal_id="20000002",
                ),
            ]
        )
    )


@pytest.fixture
def audit(tmp_path) -> AuditLog:
    return AuditLog(tmp_path / "audit.sqlite")


def _details(audit: AuditLog) -> list[dict]:
    return [json.loads(text) for text in audit.rows()["details"]]


# -- the proof: match rows and find candidates -------------------------------------------


def test_after_find_said_ambiguous_no_candidate_is_reprinted(journal, audit, tmp_path):
    ranked = rk.find(journal, amount="128.50", time="2026-11-20 14:32", tz=TZ)
    assert set(ranked["txn_id"]) >= {"A", "B"}
    assert (ranked["verdict"] == "ambiguous").all() and not ranked["chosen"].any()
    for _, candidate in ranked.iterrows():
        with pytest.raises(ReprintRefused) as caught:
            reprint(
                candidate,
                journal=journal,
                operator="op",
                reason="r",
                pdf=tmp_path / "x.pdf",
                audit=audit,
                new_audit_log=True,
            )
        assert caught.value.rule == "ambiguous" and "ambiguous" in str(caught.value)
    assert not (tmp_path / "x.pdf").exists()
    rows = audit.rows()
    assert (rows["status"] == "refused").all() and len(rows) == len(ranked)
    assert (rows["identified_by"] == "proof").all() and (rows["proof_id"] == ranked["proof_id"].iloc[0]).all()
    assert audit.reprint_count("A") == 0 and audit.reprint_count("B") == 0


def test_the_chosen_candidate_of_a_matched_proof_reprints_with_its_proof_and_confidence(
    journal, audit, tmp_path
):
    ranked = rk.find(journal, amount="128.50", time="2026-11-20 14:32", last4="4821", reference=RRN_B, tz=TZ)
    chosen = ranked[ranked["chosen"]]
    assert chosen["txn_id"].tolist() == ["B"] and (ranked["verdict"] == "matched").all()
    record = reprint(
        chosen.iloc[0],
        journal=journal,
        operator="op",
        reason="r",
        png=tmp_path / "b.png",
        audit=audit,
        new_audit_log=True,
    )
    ident = record.identification
    assert record.txn_id == "B" and ident.by == "proof"
    assert ident.proof_id == chosen["proof_id"].iloc[0] and ident.verdict == "matched"
    assert ident.match_confidence == pytest.approx(float(chosen["confidence"].iloc[0]))
    pending = audit.rows(status="pending").iloc[0]
    assert pending["identified_by"] == "proof" and pending["proof_id"] == ident.proof_id
    assert pending["confidence"] == pytest.approx(ident.match_confidence)
    # a runner-up of the same matched proof is not the transaction the proof points to
    others = ranked[~ranked["chosen"]]
    assert len(others)
    with pytest.raises(ReprintRefused) as caught:
        reprint(
            others.iloc[0],
            journal=journal,
            operator="op",
            reason="r",
            png=tmp_path / "x.png",
            audit=audit,
            new_audit_log=True,
        )
    assert caught.value.rule == "ambiguous" and "another transaction" in str(caught.value)


def test_a_candidate_row_that_does_not_say_its_verdict_is_refused(journal, audit, tmp_path):
    ranked = rk.find(journal, amount="128.50", time="2026-11-20 14:32", last4="4821", reference=RRN_B, tz=TZ)
    bare = ranked[ranked["chosen"]].drop(columns=["verdict", "chosen"]).iloc[0]
    with pytest.raises(ReprintRefused) as caught:
        reprint(
            bare,
            journal=journal,
            operator="op",
            reason="r",
            png=tmp_path / "x.png",
            audit=audit,
            new_audit_log=True,
        )
    assert caught.value.rule == "ambiguous" and "no verdict" in str(caught.value)


def test_match_result_rows_record_their_proof(journal, audit, tmp_path):
    proofs = rk.proof(amount="128.50", time="2026-11-20 14:32", last4="0123", reference=RRN_A, tz=TZ)
    result = rk.match(proofs, journal)
    assert result["status"].tolist() == ["matched"]
    record = reprint(
        result.iloc[0],
        journal=journal,
        operator="op",
        reason="r",
        pdf=tmp_path / "a.pdf",
        audit=audit,
        new_audit_log=True,
    )
    assert record.txn_id == "A" and record.identification.proof_id == str(result["proof_id"].iloc[0])
    assert record.identification.match_confidence == pytest.approx(float(result["confidence"].iloc[0]))
    details = _details(audit)[0]
    assert details["identified_by"] == "proof" and details["verdict"] == "matched"
    ambiguous = rk.match(rk.proof(amount="128.50", time="2026-11-20 14:32", tz=TZ), journal)
    with pytest.raises(ReprintRefused) as caught:
        reprint(
            ambiguous.iloc[0],
            journal=journal,
            operator="op",
            reason="r",
            pdf=tmp_path / "x.pdf",
            audit=audit,
            new_audit_log=True,
        )
    assert caught.value.rule == "ambiguous"
    with pytest.raises(ReceiptkitError, match="identified by its proof"):
        reprint(
            result.iloc[0],
            journal=journal,
            identified_by="stan",
            operator="o",
            reason="r",
            pdf="x.pdf",
            audit=audit,
            new_audit_log=True,
        )


# -- the clerk's look-ups --------------------------------------------------------------------


def test_lookup_by_trace_number_on_a_terminal_is_recorded_as_such(journal, audit, tmp_path):
    found = lookup(journal, stan="123", terminal_id="10000001")  # as typed: the zeros are optional
    assert found.row["txn_id"] == "A"
    record = reprint(
        found,
        journal=journal,
        operator="op",
        reason="r",
        pdf=tmp_path / "a.pdf",
        audit=audit,
        new_audit_log=True,
    )
    ident = record.identification
    assert (ident.by, ident.reference, ident.terminal_id) == ("stan", "123", "10000001")
    row = audit.rows(status="pending").iloc[0]
    assert row["identified_by"] == "stan" and row["reference"] == "123" and pd.isna(row["proof_id"])
    assert _details(audit)[0]["lookup_terminal_id"] == "10000001"
    assert pd.isna(row["confidence"])
    assert lookup(journal, stan="000123", terminal_id="20000002").row["txn_id"] == "E"


def test_lookup_by_rrn_and_txn_id(journal, audit, tmp_path):
    by_rrn = lookup(journal, rrn="631099887767")
    assert by_rrn.row["txn_id"] == "B" and by_rrn.identification.by == "rrn"
    by_id = lookup(journal, txn_id="C")
    assert by_id.identification == Identification("txn_id", reference="C")
    record = reprint(
        by_rrn, operator="op", reason="r", pdf=tmp_path / "b.pdf", audit=audit, new_audit_log=True
    )
    assert audit.rows(status="pending")["identified_by"].tolist() == ["rrn"]
    assert "rrn 631099887767" in record.identification.describe()


def test_lookups_never_guess(journal):
    with pytest.raises(JournalError, match="terminal id"):
        lookup(journal, stan="000007")  # trace numbers are per terminal
    with pytest.raises(JournalError, match="2 transactions") as caught:
        lookup(journal, stan="000007", terminal_id="10000001")  # the trace repeats in the next batch
    assert "C" in str(caught.value) and "D" in str(caught.value) and "batch" in str(caught.value)
    assert lookup(journal, stan="7", terminal_id="10000001", batch_no="46").row["txn_id"] == "D"
    with pytest.raises(JournalError, match="no transaction"):
        lookup(journal, stan="000999", terminal_id="10000001")
    with pytest.raises(JournalError, match="no transaction"):
        lookup(journal, rrn="631099887799")
    with pytest.raises(JournalError, match="exactly one"):
        lookup(journal, rrn="631099887766", txn_id="A")
    with pytest.raises(JournalError, match="exactly one"):
        lookup(journal)


def test_a_plain_journal_row_says_so_or_what_the_caller_says(journal, audit, tmp_path):
    row = journal.iloc[0]
    plain = reprint(
        row,
        operator="op",
        reason="r",
        pdf=tmp_path / "1.pdf",
        audit=audit,
        new_audit_log=True,
        journal=journal,
    )
    assert plain.identification.by == "journal_row"
    said = reprint(
        row,
        operator="op",
        reason="r",
        pdf=tmp_path / "2.pdf",
        audit=audit,
        identified_by="stan",
        new_audit_log=True,
        journal=journal,
    )
    assert (said.identification.by, said.identification.reference) == ("stan", "000123")
    assert audit.rows(status="pending")["identified_by"].tolist() == ["journal_row", "stan"]
    with pytest.raises(ReceiptkitError, match="unknown identification"):
        reprint(
            row,
            operator="op",
            reason="r",
            pdf=tmp_path / "3.pdf",
            audit=audit,
            identified_by="guess",
            new_audit_log=True,
            journal=journal,
        )
    with pytest.raises(ReceiptkitError, match="comes from the match"):
        reprint(
            row,
            operator="op",
            reason="r",
            pdf=tmp_path / "3.pdf",
            audit=audit,
            identified_by="proof",
            new_audit_log=True,
            journal=journal,
        )


# -- require_proof -----------------------------------------------------------------------------


def test_require_proof_refuses_lookups_and_plain_rows_but_not_a_matched_proof(journal, audit, tmp_path):
    policy = ReprintPolicy(require_proof=True)
    for item in (journal.iloc[0], lookup(journal, stan="000123", terminal_id="10000001")):
        with pytest.raises(ReprintRefused) as caught:
            reprint(
                item,
                operator="op",
                reason="r",
                pdf=tmp_path / "x.pdf",
                audit=audit,
                policy=policy,
                new_audit_log=True,
                journal=journal,
            )
        assert caught.value.rule == "proof_required"
    refused = audit.rows()
    assert refused["status"].tolist() == ["refused", "refused"]
    assert refused["rule"].tolist() == ["proof_required"] * 2
    assert refused["identified_by"].tolist() == ["journal_row", "stan"]
    assert audit.reprint_count("A") == 0

    ranked = rk.find(journal, amount="128.50", time="2026-11-20 14:32", last4="0123", reference=RRN_A, tz=TZ)
    record = reprint(
        ranked[ranked["chosen"]].iloc[0],
        operator="op",
        reason="r",
        pdf=tmp_path / "a.pdf",
        audit=audit,
        policy=policy,
        new_audit_log=True,
        journal=journal,
    )
    assert record.txn_id == "A" and record.identification.by == "proof"


def test_require_proof_can_be_overridden_only_by_name_and_is_recorded(journal, audit, tmp_path):
    policy = ReprintPolicy(require_proof=True)
    record = reprint(
        lookup(journal, rrn="631099887766"),
        operator="supervisor",
        reason="customer has no proof; acquirer asked for a copy",
        override="proof_required",
        pdf=tmp_path / "a.pdf",
        audit=audit,
        policy=policy,
        new_audit_log=True,
    )
    assert record.overridden == ("proof_required",)
    details = _details(audit)[0]
    assert details["override_rule"] == "proof_required" and details["identified_by"] == "rrn"


def test_a_retry_records_how_that_call_identified_the_transaction(journal, audit, tmp_path, monkeypatch):
    from receiptkit.slip.document import Slip

    found = lookup(journal, stan="000123", terminal_id="10000001")

    def disk_full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    with (
        monkeypatch.context() as patched
    ):  # checked and logged, then the write fails: the attempt ends failed
        patched.setattr(Slip, "render", disk_full)
        with pytest.raises(rk.PrinterError):
            reprint(
                found,
                operator="op",
                reason="r",
                pdf=tmp_path / "a.pdf",
                audit=audit,
                new_audit_log=True,
                journal=journal,
            )
    ranked = rk.find(journal, amount="128.50", time="2026-11-20 14:32", last4="0123", reference=RRN_A, tz=TZ)
    record = reprint(
        ranked[ranked["chosen"]].iloc[0],
        operator="op",
        reason="again",
        pdf=tmp_path / "a.pdf",
        audit=audit,
        new_audit_log=True,
        journal=journal,
    )
    assert record.retried and record.reprint_no == 1
    rows = audit.rows()
    assert rows["status"].tolist() == ["pending", "failed", "retry", "printed"]
    assert rows["identified_by"].fillna("-").tolist() == ["stan", "-", "proof", "-"]
    assert rows["proof_id"].iloc[2] == ranked["proof_id"].iloc[0]
    assert audit.verify().ok


def test_a_candidate_of_a_proof_that_fits_nothing_is_refused_as_unmatched_not_ambiguous(
    journal, audit, tmp_path
):
    ranked = rk.find(journal, amount="128.50", time="2026-11-20 14:32", tz=TZ)
    row = ranked.iloc[0].copy()
    row["verdict"], row["chosen"] = (
        "unmatched",
        False,
    )  # as the command line hands over a TXN_ID the proof missed
    with pytest.raises(ReprintRefused) as caught:
        reprint(
            row,
            journal=journal,
            operator="op",
            reason="r",
            pdf=tmp_path / "x.pdf",
            audit=audit,
            new_audit_log=True,
        )
    assert caught.value.rule == "unmatched" and "only a candidate" not in str(caught.value)
    assert "matches no transaction" in str(caught.value)
    assert audit.rows()["rule"].tolist() == ["unmatched"] and not (tmp_path / "x.pdf").exists()
