"""Closing a terminal: refusal and force (audited), open items with age, the pack and its manifest."""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

import receiptkit as rk
from receiptkit.audit import AuditLog
from receiptkit.pan import find_full_pans
from receiptkit.terminals import Terminals
from receiptkit.terminals.closing import (
    CLOSE_EVENT,
    ClosingError,
    ClosingRefused,
    close_terminal,
    open_items,
)
from receiptkit.terminals.pack import MANIFEST_NAME, PackError, verify_pack
from receiptkit.terminals.settlement import journal_batches

KEY = "hex:" + "5a" * 32
OTHER_KEY = "hex:" + "a5" * 32


@pytest.fixture(autouse=True)
def _merchant_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The merchant key in the environment, as at a counter: the audit log is keyed with it."""
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)


NOW = pd.Timestamp("2026-11-20 12:00", tz="Asia/Shanghai")
TID = "12345678"


@pytest.fixture
def folder(fixtures):
    return fixtures / "settlement"


@pytest.fixture
def journal(folder):
    return rk.read_journal(folder / "journal_12345678.csv")


@pytest.fixture
def audit(tmp_path):
    """The shop's audit log, started before the closing (a closing refuses a missing log)."""
    path = tmp_path / "audit.sqlite"
    AuditLog(path, key=KEY).close()
    return path


def _close(journal, folder, out, audit, **options):
    options.setdefault("now", NOW)
    return close_terminal(
        TID,
        journal,
        out=out,
        settlement=folder / "unionpay_settlement_gbk.csv",
        payouts=folder / "payouts_cmb_debit.csv",
        key=KEY,
        audit=audit,
        operator="li",
        **options,
    )


def test_open_preauths_with_age_and_the_other_open_items(journal):
    items = open_items(journal, now=NOW, settled_txn_ids=None)
    preauth = items[items["kind"] == "preauth_open"]
    # B2-4 was completed by B2-5; B3-2 (600.00 on 2026-11-04 14:00) never was
    assert list(preauth["txn_id"]) == ["B3-2"]
    assert preauth["age_days"].iloc[0] == pytest.approx(
        (NOW - pd.Timestamp("2026-11-04 14:00", tz="Asia/Shanghai")).total_seconds() / 86400, abs=0.01
    )
    assert bool(preauth["blocking"].iloc[0])
    # without settlement data no refund is shown settled
    assert list(items.loc[items["kind"] == "refund_unsettled", "txn_id"]) == ["B1-5", "B4-2"]
    voided = items[items["kind"] == "voided_sale"]
    assert list(voided["txn_id"]) == ["B1-3"] and list(voided["related_txn_id"]) == ["B1-4"]
    assert not voided["blocking"].any()
    # B2-2 was retried and approved a minute later; B2-6 never was
    assert list(items.loc[items["kind"] == "declined_only", "txn_id"]) == ["B2-6"]
    assert items["age_days"].notna().sum() == 1
    settled = open_items(journal, now=NOW, settled_txn_ids={"B1-5"})
    assert list(settled.loc[settled["kind"] == "refund_unsettled", "txn_id"]) == ["B4-2"]


def test_preauth_finished_by_auth_code_without_original_id(journal):
    unlinked = journal.copy()
    unlinked.loc[unlinked["txn_id"] == "B2-5", "original_txn_id"] = pd.NA
    items = open_items(unlinked, now=NOW)
    assert list(items.loc[items["kind"] == "preauth_open", "txn_id"]) == ["B3-2"]
    unlinked.loc[unlinked["txn_id"] == "B2-5", "auth_code"] = "999999"
    items = open_items(unlinked, now=NOW)
    assert list(items.loc[items["kind"] == "preauth_open", "txn_id"]) == ["B2-4", "B3-2"]


def test_refused_while_items_are_open_nothing_written_nothing_logged(journal, folder, tmp_path, audit):
    out = tmp_path / "pack"
    with pytest.raises(ClosingRefused) as info:
        _close(journal, folder, out, audit)
    assert info.value.blocking == {"preauth_open": 1, "refund_unsettled": 1, "batch_not_settled": 1}
    assert "preauth_open" in str(info.value)
    assert not out.exists()
    with AuditLog(audit) as log:
        assert log.rows().empty
    with pytest.raises(ClosingError, match="reason"):
        _close(journal, folder, out, audit, force=True, reason="  ")


def test_forced_closing_is_audited_and_marks_the_register_after_the_pack(journal, folder, tmp_path, audit):
    register = Terminals(audit)
    register.add(TID, operator="li", merchant_id="898310048161234")
    register.close_log()
    out = tmp_path / "pack"
    pack = _close(journal, folder, out, audit, force=True, reason="contract ended; acquirer informed")
    assert pack.forced and pack.blocking == {"preauth_open": 1, "refund_unsettled": 1, "batch_not_settled": 1}
    assert pack.register_status == "closed"
    with AuditLog(audit) as log:
        rows = log.rows()
        assert log.verify().ok
    closing = rows[rows["event_type"] == CLOSE_EVENT].iloc[0]
    assert closing["status"] == "forced" and closing["operator"] == "li" and closing["subject"] == TID
    details = json.loads(closing["details"])
    assert details["reason"] == "contract ended; acquirer informed"
    assert details["blocking"] == {"preauth_open": 1, "refund_unsettled": 1, "batch_not_settled": 1}
    assert details["manifest_sha256"] == pack.manifest_sha256
    # the register change comes after the pack's row and names it
    status_rows = rows[(rows["event_type"] == "terminal_status") & (rows["status"] == "closed")]
    assert len(status_rows) == 1 and int(status_rows["seq"].iloc[0]) > int(closing["seq"])
    assert json.loads(status_rows["details"].iloc[0])["manifest_sha256"] == pack.manifest_sha256
    meta = json.loads((out / "closing.json").read_text(encoding="utf-8"))
    assert meta["forced"] is True and meta["reason"] == "contract ended; acquirer informed"
    assert meta["open_items"]["preauth_open"] == 1 and meta["differences"]["fee_difference"] == 1
    # a closed terminal is not closed twice
    with pytest.raises(ClosingError, match="already closed"):
        _close(journal, folder, tmp_path / "again", audit, force=True, reason="again")


def test_pack_contents(journal, folder, tmp_path, audit):
    out = tmp_path / "pack"
    pack = _close(journal, folder, out, audit, force=True, reason="device returned")
    names = {p.name for p in out.iterdir()}
    assert names == {
        "closing.json",
        "settlement_summary.csv",
        "settlement_batches.csv",
        "settlement_lines.csv",
        "settlement_differences.csv",
        "payouts.csv",
        "open_items.csv",
        "journal_extract.csv",
        "journal_extract.xlsx",
        "vouchers.pdf",
        "audit_head.json",
        MANIFEST_NAME,
    }
    assert set(pack.files) == names - {MANIFEST_NAME}
    summary = pd.read_csv(out / "settlement_summary.csv", dtype={"batch": str})
    b1 = summary[summary["batch"] == "000001"].set_index(["channel", "txn_type"])
    assert b1.loc[("card", "sale"), "count"] == 2 and b1.loc[("card", "sale"), "amount_minor"] == 35000
    assert b1.loc[("wechat", "void"), "gross_minor"] == -4990
    assert summary.groupby("batch")["gross_minor"].sum().to_dict() == {
        "000001": 33000,
        "000002": 86800,
        "000003": 100000,
        "000004": 5000,
    }
    differences = pd.read_csv(out / "settlement_differences.csv")
    assert "fee_difference" in set(differences["kind"])
    # every approved transaction is one duplicate slip; bookmarks by day
    reader = PdfReader(out / "vouchers.pdf")
    assert pack.vouchers == int((journal["status"] == "approved").sum()) == 13
    assert [o.title for o in reader.outline] == ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"]
    text = "".join(page.extract_text() for page in reader.pages)
    assert text.count("CLOSING ARCHIVE") == 13 and "DUPLICATE" in text
    assert "5454" in text and "545454" not in text  # the card number is masked to the last four


def test_extract_is_formula_safe_and_has_no_full_card_number(journal, folder, tmp_path, audit):
    tampered = journal.copy()
    tampered.loc[0, "merchant_name"] = '=HYPERLINK("http://x","pay")'
    tampered.loc[1, "operator_id"] = "+cmd"
    tampered.loc[2, "pan_masked"] = "6222021234567890123"
    with pytest.warns(rk.schema.FullPanWarning):
        _close(tampered, folder, tmp_path / "pack", audit, force=True, reason="test")
    csv_text = (tmp_path / "pack" / "journal_extract.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "'+cmd" in csv_text
    assert "6222021234567890123" not in csv_text and "622202*********0123" in csv_text
    assert not find_full_pans(csv_text, strict=True)
    sheet = openpyxl.load_workbook(tmp_path / "pack" / "journal_extract.xlsx").active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert '\'=HYPERLINK("http://x","pay")' in values
    assert not any(v.startswith("=") for v in values)
    assert "6222021234567890123" not in values and "622202*********0123" in values
    header = [c.value for c in next(sheet.iter_rows())]
    assert "pan_masked" in header and "amount" in header


def test_folder_must_be_new_and_terminal_known(journal, folder, tmp_path, audit):
    out = tmp_path / "pack"
    out.mkdir()
    (out / "x.txt").write_text("x")
    with pytest.raises(ClosingError, match="not empty"):
        _close(journal, folder, out, audit, force=True, reason="r")
    with pytest.raises(ClosingError, match="settlement file"):
        close_terminal(
            TID, journal, out=tmp_path / "p3", payouts=folder / "payouts_cmb_debit.csv", key=KEY, audit=audit
        )
    with pytest.raises(ClosingError, match="no transaction"):
        close_terminal("99999999", journal, out=tmp_path / "p2", key=KEY, audit=audit, now=NOW)


def test_after_loss_rows_block_and_are_marked(journal, folder, tmp_path, audit):
    register = Terminals(audit)
    register.add(TID, operator="li")
    lost = pd.Timestamp("2026-11-04 13:00", tz="Asia/Shanghai").to_pydatetime()
    register.report_lost(TID, at=lost, operator="li", note="stolen")
    register.close_log()
    with pytest.raises(ClosingRefused) as info:
        _close(journal, folder, tmp_path / "pack", audit)
    # B3-2 (14:00), B4-1 and B4-2 (11-05) came after the loss
    assert info.value.blocking["after_loss"] == 3
    with pytest.raises(ClosingError, match="before the terminal's last change"):
        _close(
            journal,
            folder,
            tmp_path / "early",
            audit,
            force=True,
            reason="r",
            now=pd.Timestamp(lost) - pd.Timedelta(hours=1),
        )


def test_sales_after_the_closing_time_block_and_are_marked(journal, folder, tmp_path, audit):
    """Closing at 13:00 on 11-04 a terminal whose journal has sales at 14:00 and on 11-05 archived those
    sales as ordinary vouchers of the closed terminal: no open item, nothing blocked, nothing on the slip."""
    closed_at = pd.Timestamp("2026-11-04 13:00", tz="Asia/Shanghai")
    with pytest.raises(ClosingRefused) as info:
        _close(journal, folder, tmp_path / "pack", audit, now=closed_at)
    assert info.value.blocking.get("after_loss") == 3
    pack = _close(journal, folder, tmp_path / "forced", audit, now=closed_at, force=True, reason="audit")
    after = pack.open_items[pack.open_items["kind"] == "after_loss"]
    assert sorted(after["txn_id"]) == sorted(journal.loc[journal["ts"] > closed_at, "txn_id"])
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "forced" / "vouchers.pdf").pages)
    assert text.count("AFTER REPORTED LOSS") == 3


def test_a_stale_after_loss_column_does_not_hide_the_registers_cutoff(journal, folder, tmp_path, audit):
    """A journal marked while the terminal was still active (after_loss all False) kept its marks: the
    register's later loss report was not applied, so the sales after the loss did not block the closing."""
    register = Terminals(audit)
    register.add(TID, operator="li")
    marked_early = rk.mark_after_loss(journal, register)  # the terminal is still active: nothing marked
    assert not marked_early["after_loss"].any()
    lost = pd.Timestamp("2026-11-04 13:00", tz="Asia/Shanghai").to_pydatetime()
    register.report_lost(TID, at=lost, operator="li", note="stolen")
    register.close_log()
    with pytest.raises(ClosingRefused) as info:
        _close(marked_early, folder, tmp_path / "pack", audit)
    assert info.value.blocking["after_loss"] == 3


# --------------------------------------------------------------------------- demo data


def _demo(n: int = 300):
    data = rk.make_dataset(n_transactions=n, n_proofs=10, seed=11, start="2026-10-01", days=20)
    journal = data.journal
    terminal = journal["terminal_id"].value_counts().index[0]
    own = journal[journal["terminal_id"] == terminal].reset_index(drop=True)
    batches = journal_batches(own)
    rate = Decimal("0.006")
    fee = [
        int((Decimal(int(g)) * rate).to_integral_value(rounding=ROUND_HALF_UP))
        for g in batches["gross_minor"]
    ]
    settlement = pd.DataFrame(  # no terminal column: the lines are compared with this terminal's rows
        {
            "settlement_date": batches["last_day"],
            "batch_no": batches["batch_no"],
            "count": batches["count"],
            "gross_minor": batches["gross_minor"],
            "fee_minor": fee,
            "currency": batches["currency"],
        }
    )
    return str(terminal), own, settlement


def test_demo_pack_verifies_and_detects_changes(tmp_path, audit):
    terminal, journal, settlement = _demo()
    register = Terminals(audit)
    register.add(terminal, operator="li")
    register.close_log()
    out = tmp_path / "pack"
    pack = close_terminal(
        terminal,
        journal,
        out=out,
        settlement=settlement,
        key=KEY,
        audit=audit,
        now=pd.Timestamp("2026-10-25 18:00", tz="Asia/Shanghai"),
        operator="li",
    )
    assert not pack.forced and pack.register_status == "closed"
    assert pack.reconciliation is not None and pack.reconciliation.ok
    assert pack.vouchers == int((journal["status"] == "approved").sum()) > 20

    report = verify_pack(out, key=KEY)
    assert report.intact and report.signature == "valid" and report.files == len(pack.files)
    assert report.meta["terminal_id"] == terminal
    assert not verify_pack(out, key=OTHER_KEY).intact
    assert "another key" in verify_pack(out, key=OTHER_KEY).message

    # one byte of one file changes
    target = out / "journal_extract.csv"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    changed = verify_pack(out, key=KEY)
    assert not changed.intact and changed.changed == ("journal_extract.csv",) and changed.signature == "valid"
    assert "journal_extract.csv" in changed.message
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    assert verify_pack(out, key=KEY).intact

    # a file removed, a file added
    removed = (out / "open_items.csv").read_bytes()
    (out / "open_items.csv").unlink()
    (out / "notes.txt").write_text("added later")
    gone = verify_pack(out, key=KEY)
    assert gone.missing == ("open_items.csv",) and gone.added == ("notes.txt",) and not gone.intact
    (out / "open_items.csv").write_bytes(removed)
    (out / "notes.txt").unlink()

    # the manifest edited to cover a changed file: the HMAC no longer fits
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    manifest["files"][0]["sha256"] = "0" * 64
    (out / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    edited = verify_pack(out, key=KEY)
    assert (
        edited.signature == "invalid" and not edited.intact and manifest["files"][0]["path"] in edited.changed
    )


def test_verify_pack_errors(tmp_path):
    with pytest.raises(PackError, match="not a folder"):
        verify_pack(tmp_path / "nope", key=KEY)
    with pytest.raises(PackError, match="manifest"):
        verify_pack(tmp_path, key=KEY)
    (tmp_path / MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    with pytest.raises(PackError, match="unreadable"):
        verify_pack(tmp_path, key=KEY)


def test_closing_time_must_be_aware(journal, tmp_path, audit):
    with pytest.raises(ClosingError, match="timezone"):
        close_terminal(TID, journal, out=tmp_path / "p", key=KEY, audit=audit, now=dt.datetime(2026, 11, 20))


def test_a_manifest_naming_a_key_twice_is_not_intact(tmp_path):
    """JSON readers keep the last of two equal keys: a manifest edited to show another terminal or
    closing time first ('"terminal_id": "99999999", "terminal_id": "12345678"') verified as intact, while
    anyone reading manifest.json saw the forged value."""
    from receiptkit.terminals.pack import write_manifest

    out = tmp_path / "pack"
    out.mkdir()
    (out / "a.csv").write_text("x\n")
    manifest = write_manifest(
        out, key=KEY, meta={"terminal_id": TID, "closed_at": "2026-11-20T12:00:00+08:00"}
    )
    text = manifest.read_text(encoding="utf-8")
    assert f'"terminal_id": "{TID}"' in text
    manifest.write_text(
        text.replace(f'"terminal_id": "{TID}"', f'"terminal_id": "99999999", "terminal_id": "{TID}"'),
        encoding="utf-8",
    )
    report = verify_pack(out, key=KEY)
    assert not report.intact and report.signature == "invalid"
    assert "'terminal_id' twice" in report.message
