"""receiptkit.reprint: control rules, overrides, counter, verification, printer failure and retry."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pypdf import PdfReader

import receiptkit as rk
from _printer import PrinterServer
from receiptkit.audit import AuditLog
from receiptkit.errors import PrinterError, ReprintRefused
from receiptkit.reprinting import ReprintPolicy, reprint
from receiptkit.schema import validate_journal

KEY = "hex:" + "3f" * 32


@pytest.fixture(autouse=True)
def merchant_key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)


def _txn(txn_id: str, **extra) -> dict:
    row = {
        "txn_id": txn_id,
        "merchant_id": "898310058120001",
        "merchant_name": "瑞幸咖啡(国贸店)",
        "terminal_id": "10000001",
        "ts": pd.Timestamp("2026-11-20 14:32:05", tz="Asia/Shanghai"),
        "amount_minor": 12850,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": "card",
        "pan_masked": "622202******0123",
        "card_scheme": "UNIONPAY",
        "auth_code": "123456",
        "rrn": "631099887766",
        "stan": "000123",
        "batch_no": "000045",
    }
    row.update(extra)
    return row


@pytest.fixture
def journal() -> pd.DataFrame:
    return validate_journal(
        pd.DataFrame(
            [
                _txn("A"),
                _txn("B", status="declined", rrn="631099887700", stan="000124"),
                _txn("C", status="reversed", rrn="631099887701", stan="000125"),
                _txn("S", rrn="631099887702", stan="000126"),
                _txn("V", txn_type="void", original_txn_id="S", rrn="631099887703", stan="000127"),
            ]
        )
    )


@pytest.fixture
def audit(tmp_path) -> AuditLog:
    return AuditLog(tmp_path / "audit.sqlite")


def _row(journal: pd.DataFrame, txn_id: str) -> pd.Series:
    return journal.set_index("txn_id", drop=False).loc[txn_id]


def test_reprint_writes_pdf_counts_and_verifies(journal, audit, tmp_path):
    first = reprint(
        _row(journal, "A"),
        operator="op1",
        reason="lost slip",
        pdf=tmp_path / "a1.pdf",
        audit=audit,
        new_audit_log=True,
        journal=journal,
    )
    second = reprint(
        _row(journal, "A"),
        operator="op1",
        reason="again",
        png=tmp_path / "a2.png",
        audit=audit,
        new_audit_log=True,
        journal=journal,
    )
    assert (first.reprint_no, second.reprint_no) == (1, 2)
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "a1.pdf").pages)
    assert "DUPLICATE" in text and "重打印" in text
    assert first.short_code.replace("-", "") in text.replace("-", "").replace(" ", "")
    assert "0123" in text and "622202" not in text  # last 4 only by default
    genuine = rk.verify(first.qr_payload, key=KEY, audit=audit)
    assert genuine.genuine and genuine.txn_id == "A" and genuine.reprint_no == 1
    assert not rk.verify(first.qr_payload, key="hex:" + "00" * 32).genuine
    rows = audit.rows()
    printed = rows[(rows["event_type"] == "reprint") & (rows["status"] == "printed")]
    assert len(printed) == 2
    assert audit.verify().ok


@pytest.mark.parametrize(
    ("txn_id", "rule"), [("B", "declined"), ("C", "reversed"), ("S", "voided"), ("V", "voided")]
)
def test_refusal_rules_name_the_rule_and_are_logged(journal, audit, tmp_path, txn_id, rule):
    with pytest.raises(ReprintRefused) as caught:
        reprint(
            _row(journal, txn_id),
            journal=journal,
            operator="op1",
            reason="r",
            pdf=tmp_path / "x.pdf",
            audit=audit,
            new_audit_log=True,
        )
    assert caught.value.rule == rule
    assert not (tmp_path / "x.pdf").exists()
    rows = audit.rows()
    assert list(rows["status"]) == ["refused"]
    assert audit.reprint_count(txn_id) == 0


def _verdict(status: str, confidence: float, txn_id: str | None = "A", **extra) -> dict:
    return {
        "proof_id": "P1",
        "txn_id": txn_id,
        "status": status,
        "confidence": confidence,
        "reason": "test",
        "flags": "",
        "candidate_txn_ids": ["A"],
        "candidate_confidences": [confidence],
        **extra,
    }


@pytest.mark.parametrize(
    ("verdict", "rule"),
    [
        (_verdict("ambiguous", 0.6, txn_id=None), "ambiguous"),
        (
            _verdict("unmatched", 0.0, txn_id=None, candidate_txn_ids=[], candidate_confidences=[]),
            "unmatched",
        ),
        (_verdict("matched", 0.97), "confidence"),
    ],
)
def test_match_verdicts_that_are_not_sure_are_refused(journal, audit, tmp_path, verdict, rule):
    with pytest.raises(ReprintRefused) as caught:
        reprint(
            verdict,
            journal=journal,
            operator="op1",
            reason="r",
            png=tmp_path / "x.png",
            audit=audit,
            new_audit_log=True,
        )
    assert caught.value.rule == rule
    assert audit.rows()["status"].tolist() == ["refused"]


def test_a_confident_match_row_reprints(journal, audit, tmp_path):
    record = reprint(
        _verdict("matched", 0.999),
        journal=journal,
        operator="op1",
        reason="r",
        png=tmp_path / "x.png",
        audit=audit,
        new_audit_log=True,
    )
    assert record.txn_id == "A" and record.status == "printed"
    assert (tmp_path / "x.png").read_bytes().startswith(b"\x89PNG")


def test_a_match_at_the_matchers_threshold_reprints_by_default(journal, audit, tmp_path):
    """The default minimum is the matcher's own threshold (0.985): a match the matcher calls matched at
    0.9933 was refused against a stale copied 0.995."""
    from receiptkit.matching.policy import MatchPolicy

    threshold = MatchPolicy().match_threshold
    assert ReprintPolicy().min_confidence == threshold
    for confidence, name, proof_id in ((0.9933, "x.png", "P1"), (threshold, "y.png", "P2")):
        record = reprint(
            _verdict("matched", confidence, proof_id=proof_id),  # two proofs: one proof twice is same_proof
            journal=journal,
            operator="op1",
            reason="r",
            png=tmp_path / name,
            audit=audit,
            new_audit_log=True,
        )
        assert record.status == "printed"


def test_an_explicit_higher_minimum_is_kept_and_refuses_below_it(journal, audit, tmp_path):
    policy = ReprintPolicy(min_confidence=0.995)
    assert policy.min_confidence == 0.995
    with pytest.raises(ReprintRefused) as caught:
        reprint(
            _verdict("matched", 0.9933),
            journal=journal,
            operator="op1",
            reason="r",
            png=tmp_path / "x.png",
            audit=audit,
            policy=policy,
            new_audit_log=True,
        )
    assert caught.value.rule == "confidence" and "0.995" in str(caught.value)


def test_override_needs_the_rule_named_and_prints_the_status(journal, audit, tmp_path):
    record = reprint(
        _row(journal, "B"),
        journal=journal,
        operator="supervisor",
        reason="customer dispute, acquirer asked for a copy",
        override="declined",
        pdf=tmp_path / "b.pdf",
        audit=audit,
        new_audit_log=True,
    )
    assert record.overridden == ("declined",)
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "b.pdf").pages)
    assert "DECLINED" in text
    rows = audit.rows()
    assert rows["status"].tolist() == ["pending", "printed"]
    assert "declined" in rows["details"].iloc[0]


def test_operator_and_reason_are_required(journal, audit, tmp_path):
    with pytest.raises(ReprintRefused):
        reprint(
            _row(journal, "A"),
            operator=" ",
            reason="r",
            pdf=tmp_path / "x.pdf",
            audit=audit,
            new_audit_log=True,
        )
    with pytest.raises(ReprintRefused):
        reprint(
            _row(journal, "A"),
            operator="op",
            reason="",
            pdf=tmp_path / "x.pdf",
            audit=audit,
            new_audit_log=True,
        )


def test_cap_refuses_beyond_it(journal, audit, tmp_path):
    policy = ReprintPolicy(cap=1)
    reprint(
        _row(journal, "A"),
        operator="op",
        reason="r",
        png=tmp_path / "1.png",
        audit=audit,
        policy=policy,
        new_audit_log=True,
        journal=journal,
    )
    with pytest.raises(ReprintRefused) as caught:
        reprint(
            _row(journal, "A"),
            operator="op",
            reason="r",
            png=tmp_path / "2.png",
            audit=audit,
            policy=policy,
            new_audit_log=True,
            journal=journal,
        )
    assert caught.value.rule == "reprint_cap"


def test_printer_failure_leaves_a_failed_row_and_the_next_call_retries_it(journal, audit):
    with PrinterServer() as server:
        url = server.url
    with pytest.raises(PrinterError):  # the server is gone: connection refused
        reprint(
            _row(journal, "A"),
            operator="op",
            reason="r",
            printer=url,
            audit=audit,
            new_audit_log=True,
            journal=journal,
        )
    rows = audit.rows()
    assert rows["status"].tolist() == ["pending", "failed"]
    with PrinterServer() as server:
        record = reprint(
            _row(journal, "A"), operator="op", reason="retry", printer=server.url, audit=audit,
            printer_profile="TM-T88V",new_audit_log=True, journal=journal)  # fmt: skip
        assert server.done.wait(10)
    assert record.retried and record.reprint_no == 1
    assert audit.rows()["status"].tolist() == ["pending", "failed", "retry", "printed"]
    assert len(server.received) > 200 and b"\x1dV" in server.received  # a cut at the end
    assert audit.verify().ok


# -- printed means printed: the audit row follows the printer's confirmation -----------------------


@pytest.mark.parametrize(
    ("mode", "profile", "raised", "status"),
    [
        ("ok", None, "unconfirmed", "unconfirmed"),  # a clear status after the job is not a printed slip
        ("ok", "TM-T88V", None, "printed"),
        ("no_pid", None, "unconfirmed", "unconfirmed"),
        ("drops_job", None, "unconfirmed", "unconfirmed"),  # "ready" throughout, and no paper came out
        ("paper_out", None, "not_ready", "failed"),
        ("cover_open", None, "not_ready", "failed"),
        ("offline", None, "not_ready", "failed"),
        ("reset", None, "unconfirmed", "unconfirmed"),
        ("never_reads", None, "unconfirmed", "unconfirmed"),
        ("paper_out_mid", None, "unconfirmed", "unconfirmed"),
        ("silent", None, "failed", "failed"),
    ],
)
def test_the_audit_row_says_what_the_printer_confirmed(
    journal, audit, fake_printer, mode, profile, raised, status
):
    from receiptkit.errors import PrinterNotReady, PrintUnconfirmed

    server = fake_printer(mode, fail_after=103)
    call = dict(
        journal=journal,
        operator="op",
        reason="lost",
        printer=server.url,
        audit=audit,
        printer_profile=profile,
        policy=ReprintPolicy(printer_timeout=0.8),
    )
    expected = {
        None: None,
        "unconfirmed": PrintUnconfirmed,
        "not_ready": PrinterNotReady,
        "failed": PrinterError,
    }
    if raised is None:
        record = reprint(_row(journal, "A"), **call, new_audit_log=True)
        assert record.status == "printed" and record.detail
    else:
        with pytest.raises(expected[raised]) as caught:
            reprint(_row(journal, "A"), **call, new_audit_log=True)
        if raised == "unconfirmed":
            assert caught.value.record.status == "unconfirmed" and caught.value.record.reprint_no == 1
            assert "check the printer" in str(caught.value) or "check that the duplicate came out" in str(
                caught.value
            )
    rows = audit.rows()
    assert rows["status"].tolist() == ["pending", status]
    if status != "printed":
        (left,) = audit.unfinished()
        assert left.state == status and left.reprint_no == 1
    assert audit.verify().ok


def test_an_unconfirmed_reprint_is_retried_with_its_number_and_code_within_the_cap(
    journal, audit, fake_printer
):
    from receiptkit.errors import PrintUnconfirmed

    policy = ReprintPolicy(cap=1, printer_timeout=0.8)
    silent_after = fake_printer("never_reads")
    with pytest.raises(PrintUnconfirmed) as caught:
        reprint(
            _row(journal, "A"),
            operator="op",
            reason="r",
            printer=silent_after.url,
            audit=audit,
            policy=policy,
            new_audit_log=True,
            journal=journal,
        )
    first = caught.value.record
    ok = fake_printer("ok")
    record = reprint(
        _row(journal, "A"), operator="op", reason="again", printer=ok.url, audit=audit, policy=policy,
        printer_profile="TM-T88V",new_audit_log=True, journal=journal)  # fmt: skip
    assert record.retried and record.status == "printed"
    assert (record.reprint_no, record.short_code, record.qr_payload) == (
        1,
        first.short_code,
        first.qr_payload,
    )
    assert audit.rows()["status"].tolist() == ["pending", "unconfirmed", "retry", "printed"]
    assert audit.reprint_count("A") == 1 and audit.unfinished() == []
    with pytest.raises(ReprintRefused) as refused:  # the cap is 1 and one duplicate was printed
        reprint(
            _row(journal, "A"),
            operator="op",
            reason="third",
            printer=ok.url,
            audit=audit,
            policy=policy,
            new_audit_log=True,
            journal=journal,
        )
    assert refused.value.rule == "reprint_cap"


@pytest.mark.parametrize("address", ["ftp://x", "tcp://", "usb:zz:01", "usb:04b8", "serial:", "dummy:x", ""])
def test_an_invalid_printer_address_logs_nothing(journal, audit, address):
    with pytest.raises(PrinterError):
        reprint(
            _row(journal, "A"), operator="op", reason="r", printer=address, audit=audit, new_audit_log=True
        )
    assert audit.rows().empty


def test_usb_without_pyusb_fails_the_attempt_with_the_install_hint(journal, audit, monkeypatch):
    from escpos.printer import usb as usb_module

    monkeypatch.setattr(usb_module, "is_usable", lambda: False)
    with pytest.raises(PrinterError, match=r"pip install 'receiptkit\[usb\]'"):
        reprint(
            _row(journal, "A"),
            operator="op",
            reason="r",
            printer="usb:04b8:0202",
            audit=audit,
            new_audit_log=True,
            journal=journal,
        )
    assert audit.rows()["status"].tolist() == ["pending", "failed"]
    (left,) = audit.unfinished()
    assert left.state == "failed"  # retried by the next call: no number is lost against the cap


def test_usb_permission_denied_gives_the_udev_hint(journal, audit, monkeypatch):
    import usb.core

    def denied(**_kwargs):
        raise usb.core.USBError("Access denied (insufficient permissions)", errno=13)

    monkeypatch.setattr(usb.core, "find", denied)
    with pytest.raises(PrinterError, match="udev") as caught:
        reprint(
            _row(journal, "A"),
            operator="op",
            reason="r",
            printer="usb:04b8:0202",
            audit=audit,
            new_audit_log=True,
            journal=journal,
        )
    assert 'ATTRS{idVendor}=="04b8"' in str(caught.value)
    assert audit.rows()["status"].tolist() == ["pending", "failed"]


def test_a_one_way_printer_is_unconfirmed_never_printed(journal, audit, tmp_path):
    from receiptkit.errors import PrintUnconfirmed

    target = tmp_path / "lp0"
    with pytest.raises(PrintUnconfirmed, match="one-way") as caught:
        reprint(
            _row(journal, "A"),
            operator="op",
            reason="r",
            printer=f"file:{target}",
            audit=audit,
            new_audit_log=True,
            journal=journal,
        )
    assert target.stat().st_size > 200
    assert caught.value.record.outputs["printer"]
    assert audit.rows()["status"].tolist() == ["pending", "unconfirmed"]


def test_files_of_any_slip_target_are_made_through_the_registry(journal, audit, tmp_path):
    record = reprint(
        _row(journal, "A"), operator="op", reason="r", pdf=tmp_path / "d.pdf", outputs={"svg": tmp_path / "d.svg"},
        audit=audit,new_audit_log=True, journal=journal)  # fmt: skip
    assert set(record.outputs) == {"pdf", "svg"} and record.paths["svg"].read_bytes().startswith(b"<svg")
    assert audit.rows()["status"].tolist() == ["pending", "printed"]
    with pytest.raises(rk.ReceiptkitError, match="unknown slip target"):
        reprint(
            _row(journal, "A"),
            operator="op",
            reason="r",
            outputs={"star": tmp_path / "x"},
            audit=audit,
            new_audit_log=True,
            journal=journal,
        )
    assert len(audit.rows()) == 2  # nothing logged for an unknown target


def test_an_unexpected_printer_library_error_ends_the_attempt_failed(journal, audit, monkeypatch):
    import receiptkit.printers as printers_module

    def broken(*_args, **_kwargs):
        raise RuntimeError("driver exploded")

    monkeypatch.setattr(printers_module, "print_slip", broken)
    with pytest.raises(PrinterError, match="unexpected RuntimeError: driver exploded"):
        reprint(
            _row(journal, "A"),
            operator="op",
            reason="r",
            printer="tcp://127.0.0.1:9",
            audit=audit,
            new_audit_log=True,
            journal=journal,
        )
    assert audit.rows()["status"].tolist() == ["pending", "failed"]
    (left,) = audit.unfinished()
    assert left.state == "failed"  # never left pending: the next call retries it with its number


def test_reprint_without_a_key_is_refused_before_a_log_exists(journal, tmp_path, monkeypatch):
    from receiptkit.errors import VerificationKeyError

    monkeypatch.delenv("RECEIPTKIT_KEY", raising=False)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    log = tmp_path / "new-audit.sqlite"
    with pytest.raises(VerificationKeyError):
        reprint(
            _row(journal, "A"),
            operator="op1",
            reason="lost slip",
            pdf=tmp_path / "a.pdf",
            audit=log,
            new_audit_log=True,
        )
    assert not list(tmp_path.glob("new-audit.sqlite*"))
    assert not (tmp_path / "a.pdf").exists()


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"pan_masked": "6222021234567890128"}, "full card number"),  # a row with a full card number
        ({"ts": "2026-11-20T14:32:05+08:00"}, "timestamp"),  # a time as text, not a Timestamp
        ({"currency": None}, "currency"),  # printed as RMB before, while the code covered no currency
    ],
)
def test_a_slip_that_cannot_be_made_uses_no_number_and_leaves_nothing_pending(audit, tmp_path, change, why):
    """The slip was built after the pending attempt was written and outside the failure handling: a row
    the slip refuses (a full card number in pan_masked) left the attempt pending for ever, and every new
    call took the next reprint number (counted against the cap) and left another."""
    row = _txn("A", **change)
    for _ in range(2):
        with pytest.raises(rk.ReceiptkitError, match=why):
            reprint(
                row,
                operator="op1",
                reason="lost slip",
                pdf=tmp_path / "a.pdf",
                audit=audit,
                new_audit_log=True,
                override="no_journal",  # the changed row is in no journal
            )
    assert audit.reprint_count("A") == 0
    assert audit.unfinished() == []
    assert "6222021234567890128" not in " ".join(audit.rows()["details"])


def test_an_override_used_on_a_retry_is_recorded_in_the_retry_row(journal, audit, tmp_path):
    """A retry of a failed attempt is a new print under a new call's override (a declined sale a
    supervisor lets through): the slip said 'DECLINED - OVERRIDE: declined', but the retry row, which
    names the supervisor, did not say which rule this call overrode (only the first attempt's row did)."""
    with PrinterServer() as server:
        url = server.url
    with pytest.raises(PrinterError):  # the first try fails: nobody listens
        reprint(
            _row(journal, "B"),
            operator="op",
            reason="r",
            printer=url,
            audit=audit,
            override="declined",
            new_audit_log=True,
            journal=journal,
        )
    record = reprint(
        _row(journal, "B"),
        operator="supervisor",
        reason="acquirer asked for a copy",
        pdf=tmp_path / "b.pdf",
        audit=audit,
        override="declined",
        new_audit_log=True,
        journal=journal,
    )
    assert record.retried and record.overridden == ("declined",)
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "b.pdf").pages)
    assert "OVERRIDE: declined" in " ".join(text.split())
    rows = audit.rows()
    retry = rows[rows["status"] == "retry"].iloc[0]
    assert retry["operator"] == "supervisor"
    assert json.loads(retry["details"]).get("override_rule") == "declined"


def test_a_failed_attempt_is_not_retried_with_other_sale_data(journal, audit, tmp_path):
    """A retry reprints the failed attempt's number and code, which cover the fields written then; when
    the journal row changed since (a rebuilt journal that corrected the amount), the retried slip showed the
    new amount under a QR code vouching for the old one. Such a call now takes a new number."""
    with PrinterServer() as server:
        url = server.url
    with pytest.raises(PrinterError):
        reprint(
            _txn("A"),
            operator="op",
            reason="r",
            printer=url,
            audit=audit,
            new_audit_log=True,
            journal=journal,
        )
    corrected = _txn("A", amount_minor=1285)
    record = reprint(
        corrected,
        operator="op",
        reason="again",
        pdf=tmp_path / "a.pdf",
        audit=audit,
        new_audit_log=True,
        journal=journal,
    )
    assert not record.retried and record.reprint_no == 2
    assert "|1285|" in record.qr_payload
    text = " ".join("".join(p.extract_text() for p in PdfReader(tmp_path / "a.pdf").pages).split())
    assert "12.85" in text and "128.50" not in text
    same = reprint(
        _txn("A"),
        operator="op",
        reason="the first one",
        pdf=tmp_path / "b.pdf",
        audit=audit,
        new_audit_log=True,
        journal=journal,
    )
    assert same.retried and same.reprint_no == 1  # the failed attempt, with its own data, is retried


def test_check_outputs_names_a_missing_folder_or_a_file_in_its_place(tmp_path):
    from receiptkit.errors import ReceiptkitError
    from receiptkit.reprinting import check_outputs

    with pytest.raises(ReceiptkitError, match=r"cannot write pdf='nosuch/x.pdf': no such folder \S*nosuch$"):
        check_outputs({"pdf='nosuch/x.pdf'": tmp_path / "nosuch" / "x.pdf"}, {}, overwrite=False)
    (tmp_path / "f").write_text("x")
    with pytest.raises(ReceiptkitError, match="is a file, not a folder"):
        check_outputs({"png='f/x.png'": tmp_path / "f" / "x.png"}, {}, overwrite=False)
    check_outputs({"pdf='x.pdf'": tmp_path / "x.pdf"}, {}, overwrite=False)  # an existing folder: fine


def test_a_row_with_txn_id_in_the_index_reprints_with_journal_or_is_refused_typed(journal, audit, tmp_path):
    """Clean room 8: journal.set_index("txn_id").loc[txn] (txn_id moved into the index) raised KeyError."""
    row = journal.set_index("txn_id").loc["A"]
    with pytest.raises(rk.ReceiptkitError, match=r"no txn_id column.*set_index"):
        reprint(
            row, operator="op1", reason="lost slip", pdf=tmp_path / "a.pdf", audit=audit, new_audit_log=True
        )
    done = reprint(
        row,
        journal=journal,
        operator="op1",
        reason="lost slip",
        pdf=tmp_path / "a.pdf",
        audit=audit,
        new_audit_log=True,
    )
    assert done.reprint_no == 1
    other = row.rename("631099887700")  # named by another index (an RRN): never taken for a txn_id
    with pytest.raises(rk.ReceiptkitError, match="no txn_id column"):
        reprint(
            other,
            journal=journal,
            operator="op1",
            reason="x",
            pdf=tmp_path / "b.pdf",
            audit=audit,
            new_audit_log=True,
        )


def test_a_row_from_the_index_that_differs_in_an_empty_cell_is_refused_typed(journal, audit, tmp_path):
    """A cell that is empty in the journal and filled on the row (or the reverse) compared as <NA>: a TypeError
    ("boolean value of NA is ambiguous"), not the typed refusal."""
    row = journal.set_index("txn_id").loc["A"].copy()
    empty = next(c for c in row.index if pd.isna(row[c]) and journal[c].dtype == "string")
    row[empty] = "filled by hand"
    with pytest.raises(rk.ReceiptkitError, match="no txn_id column"):
        reprint(
            row,
            journal=journal,
            operator="op1",
            reason="x",
            pdf=tmp_path / "c.pdf",
            audit=audit,
            new_audit_log=True,
        )
