"""After the loss: marking, match flags, the activity list and its files, reprint refusal and override."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

import receiptkit as rk
from receiptkit.errors import ReprintRefused, SchemaError
from receiptkit.terminals import (
    Terminals,
    activity_totals,
    loss_activity,
    mark_after_loss,
    merge_journals,
    write_activity,
)

KEY = "hex:" + "3c" * 32
CST = dt.timezone(dt.timedelta(hours=8))
LOST_AT = dt.datetime(2026, 11, 20, 14, 0, tzinfo=CST)
WECHAT_REFUND = "50300001234202611201111111111"


@pytest.fixture(scope="module")
def rebuilt(fixtures: Path) -> pd.DataFrame:
    folder = fixtures / "terminals"
    frames = [
        rk.read_journal(folder / "acquirer_detail.csv", preset="unionpay_terminal"),
        rk.read_journal(folder / "terminal_export_gbk.csv"),
        rk.read_journal(folder / "wechat_merchant_bill.csv"),
    ]
    return merge_journals(frames, sources=["acquirer", "terminal", "wechat"]).journal


@pytest.fixture
def register(tmp_path: Path) -> Terminals:
    clock = lambda: dt.datetime(2026, 11, 21, 9, 0, tzinfo=CST)  # noqa: E731
    with Terminals(tmp_path / "receiptkit-audit.sqlite", clock=clock, key=KEY) as reg:
        reg.add(
            "12345678", operator="li", merchant_id="898310048161234", model="PAX A920", acquirer="银联商务"
        )
        reg.report_lost("12345678", at=LOST_AT, operator="li", note="stolen at lunch")
        yield reg


def stan(journal: pd.DataFrame, value: str) -> pd.Series:
    return journal[journal["stan"] == value].iloc[0]


def test_rows_after_the_cutoff_are_marked(rebuilt, register) -> None:
    marked = mark_after_loss(rebuilt, register)
    assert marked["after_loss"].dtype == "boolean"
    after = marked[marked["after_loss"]]
    # the acquirer's card rows after 14:00, and a WeChat refund issued on the lost terminal at 16:00
    assert after["stan"].fillna("-").tolist() == ["000110", "000111", "000112", "-"]
    assert after["txn_id"].iloc[-1] == WECHAT_REFUND
    # the interim QR payments were taken without the terminal: not after its loss
    assert not marked.loc[marked["terminal_id"].isna(), "after_loss"].any()
    assert "after_loss" not in rebuilt.columns  # input untouched
    same = mark_after_loss(rebuilt, register.cutoffs())
    pd.testing.assert_series_equal(same["after_loss"], marked["after_loss"])
    by_mapping = mark_after_loss(rebuilt, {"12345678": pd.Timestamp("2026-11-20 15:15", tz="Asia/Shanghai")})
    assert by_mapping.loc[by_mapping["after_loss"], "stan"].fillna("-").tolist() == ["000111", "000112", "-"]
    rk.validate_journal(marked)  # still a canonical journal


def test_mark_after_loss_refuses_naive_cutoffs_and_times(rebuilt) -> None:
    with pytest.raises(SchemaError, match="timezone-aware"):
        mark_after_loss(rebuilt, {"12345678": dt.datetime(2026, 11, 20, 14)})
    naive = rebuilt.assign(ts=rebuilt["ts"].dt.tz_localize(None))
    with pytest.raises(SchemaError, match="timezone-aware"):
        mark_after_loss(naive, {"12345678": LOST_AT})


def proofs() -> pd.DataFrame:
    items = [
        rk.proof("500.00", "2026-11-20 15:10", "5566", reference="632415000009", direction="credit"),
        rk.proof("128.50", "2026-11-20 09:30", "0123", reference="632415000001"),
        rk.proof("46.00", "2026-11-20 14:32", wallet_txn_id="4200001234202611203333333333"),
    ]
    for item in items:
        item.attrs = {}  # reader reports in attrs cannot be compared by concat
    frame = pd.concat(items, ignore_index=True)
    frame["proof_id"] = ["thief_refund", "before_loss", "interim_qr"]
    return frame


def test_match_flags_after_loss_matches_only(rebuilt, register) -> None:
    result = rk.match(proofs(), mark_after_loss(rebuilt, register)).set_index("proof_id")
    assert (result["status"] == "matched").all(), result[["status", "reason"]]
    assert stan(rebuilt, "000110")["txn_id"] == result.loc["thief_refund", "txn_id"]
    assert "after_loss" in result.loc["thief_refund", "flags"].split(";")
    assert "after_loss" not in str(result.loc["before_loss", "flags"])
    assert "after_loss" not in str(result.loc["interim_qr", "flags"])
    assert result.loc["interim_qr", "txn_id"] == "4200001234202611203333333333"
    plain = rk.match(proofs(), rebuilt).set_index("proof_id")  # unmarked journal: no flag
    assert "after_loss" not in str(plain.loc["thief_refund", "flags"])


def test_activity_list_and_totals(rebuilt, register) -> None:
    activity = loss_activity(rebuilt, "12345678", register, audit=register.log)
    assert activity["stan"].fillna("-").tolist() == ["000110", "000111", "000112", "-"]
    assert activity["wallet_txn_id"].iloc[3] == "4200001234202611201111111111"
    assert activity["minutes_after_loss"].tolist()[:3] == [70.0, 80.0, 81.0]
    assert activity["amount"].tolist() == ["500.00", "1.00", "2000.00", "25.00"]
    assert activity["card"].fillna("-").tolist() == [
        "621700******5566",
        "621700******5566",
        "621700******7788",
        "-",
    ]
    assert activity["sources"].tolist() == ["acquirer"] * 3 + ["wechat"]
    assert activity["reprints"].tolist() == [0, 0, 0, 0]
    assert activity.attrs["terminal"]["note"] == "stolen at lunch"
    json.dumps(activity.attrs)  # plain values only
    totals = activity_totals(activity).set_index(["txn_type", "status"])
    assert totals.loc[("sale", "declined"), "count"] == 1
    assert totals.loc[("refund", "approved"), "count"] == 2
    assert totals.loc[("refund", "approved"), "amount_minor"] == 50000 + 2500
    assert totals.loc[("net", "approved"), "amount_minor"] == 100 - 50000 - 2500
    assert totals.loc[("net", "approved"), "count"] == 3
    assert totals.loc[("net", "approved"), "amount"] == "-524.00"
    everything = loss_activity(rebuilt, "12345678", register, since_loss=False)
    assert len(everything) == (rebuilt["terminal_id"] == "12345678").sum()
    assert (everything["minutes_after_loss"] < 0).sum() == len(everything) - 4
    with pytest.raises(rk.ReceiptkitError, match="no reported loss"):
        loss_activity(rebuilt, "99999999", register)


def hostile(rebuilt: pd.DataFrame) -> pd.DataFrame:
    out = rebuilt.copy()
    row = out.index[out["stan"] == "000111"][0]
    out.loc[row, "operator_id"] = '=HYPERLINK("http://x.example","click")'
    out.loc[row, "pan_masked"] = "6217001234567895566"  # a full card number that slipped through
    return out


def test_write_activity_xlsx_is_formula_safe_and_masks_cards(rebuilt, register, tmp_path) -> None:
    activity = loss_activity(hostile(rebuilt), "12345678", register)
    path = write_activity(activity, tmp_path / "after-loss.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["activity", "totals", "terminal"]
    sheet = book["activity"]
    header = [c.value for c in sheet[1]]
    cells = {header[i]: c.value for i, c in enumerate(sheet[3])}
    assert cells["operator_id"].startswith("'=HYPERLINK")
    assert cells["card"] == "621700*********5566"
    assert sheet.max_row == 5
    texts = [str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any("6217001234567895566" in t for t in texts)
    assert not any(str(c.value).startswith("=") for ws in book for row in ws.iter_rows() for c in row)
    terminal = {r[0].value: r[1].value for r in book["terminal"].iter_rows(min_row=2)}
    assert terminal["cutoff_at (UTC)"].startswith("2026-11-20T06:00:00")
    assert terminal["model"] == "PAX A920"


def test_write_activity_csv_has_rows_then_totals(rebuilt, register, tmp_path) -> None:
    activity = loss_activity(hostile(rebuilt), "12345678", register)
    path = write_activity(activity, tmp_path / "after-loss.csv")
    text = path.read_text(encoding="utf-8-sig")
    assert "6217001234567895566" not in text
    lines = list(csv.reader(text.splitlines()))
    blank = lines.index([])
    assert len(lines[1:blank]) == 4
    assert lines[blank + 1] == ["currency", "txn_type", "status", "count", "amount_minor", "amount"]
    assert ["CNY", "net", "approved", "3", "-52400", "-524.00"] in lines[blank + 2 :]
    operator = lines[0].index("operator_id")
    assert lines[2][operator].startswith("'=")
    with pytest.raises(rk.ReceiptkitError, match=r"xlsx or \.csv"):
        write_activity(activity, tmp_path / "after-loss.txt")


def test_reprint_after_the_loss_is_refused_by_the_register_and_can_be_overridden(
    rebuilt, register, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    audit = register.log
    row = stan(rebuilt, "000111")  # the journal itself is not marked: the register says it
    with pytest.raises(ReprintRefused) as refused:
        rk.reprint(
            row,
            journal=rebuilt,
            operator="zhao",
            reason="asked",
            pdf=tmp_path / "x.pdf",
            audit=audit,
            new_audit_log=True,
        )
    assert refused.value.rule == "after_loss"
    assert "reported lost at 2026-11-20T14:00:00+08:00" in str(refused.value)
    logged = audit.rows(event_type="reprint").iloc[-1]
    assert logged["status"] == "refused" and logged["rule"] == "after_loss"
    assert json.loads(logged["details"])["sources"] == ["acquirer"]
    assert not (tmp_path / "x.pdf").exists()

    record = rk.reprint(
        row,
        journal=rebuilt,
        operator="zhao",
        reason="police asked for a copy",
        pdf=tmp_path / "x.pdf",
        audit=audit,
        override="after_loss",
        new_audit_log=True,
    )
    assert record.overridden == ("after_loss",)
    text = PdfReader(tmp_path / "x.pdf").pages[0].extract_text()
    assert "OVERRIDE:\nafter_loss" in text or "OVERRIDE: after_loss" in text
    started = audit.rows(event_type="reprint", status="pending").iloc[-1]
    assert json.loads(started["details"])["override_rule"] == "after_loss"

    before = stan(rebuilt, "000101")
    ok = rk.reprint(
        before,
        journal=rebuilt,
        operator="zhao",
        reason="lost slip",
        pdf=tmp_path / "ok.pdf",
        audit=audit,
        new_audit_log=True,
    )
    assert ok.overridden == ()


def test_reprint_refuses_a_row_marked_after_loss_without_a_register(rebuilt, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    marked = mark_after_loss(rebuilt, {"12345678": LOST_AT})
    with pytest.raises(ReprintRefused, match=r"\[after_loss\]"):
        rk.reprint(
            stan(marked, "000110"),
            operator="li",
            reason="x",
            pdf=tmp_path / "a.pdf",
            audit=tmp_path / "a.sqlite",
            new_audit_log=True,
        )


def test_duplicate_from_a_rebuilt_journal_says_so_and_the_log_names_the_sources(
    rebuilt, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    row = stan(rebuilt, "000101")
    record = rk.reprint(
        row,
        journal=rebuilt,
        operator="li",
        reason="lost slip",
        pdf=tmp_path / "d.pdf",
        audit=tmp_path / "a.sqlite",
        new_audit_log=True,
    )
    text = PdfReader(tmp_path / "d.pdf").pages[0].extract_text()
    assert "data from acquirer records" in text
    assert "acquirer, terminal" in text
    log = rk.AuditLog(tmp_path / "a.sqlite")
    started = log.rows(event_type="reprint", status="pending").iloc[-1]
    assert json.loads(started["details"])["sources"] == ["acquirer", "terminal"]
    assert record.reprint_no == 1


def test_reprint_refuses_a_row_whose_sources_disagree(rebuilt, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    row = rebuilt[rebuilt["merge_conflict"] == "C1"].iloc[0]
    with pytest.raises(ReprintRefused, match=r"\[source_conflict\].*C1"):
        rk.reprint(
            row,
            journal=rebuilt,
            operator="li",
            reason="x",
            pdf=tmp_path / "c.pdf",
            audit=tmp_path / "a.sqlite",
            new_audit_log=True,
        )
    done = rk.reprint(
        row,
        journal=rebuilt,
        operator="li",
        reason="acquirer confirmed the amount",
        pdf=tmp_path / "c.pdf",
        audit=tmp_path / "a.sqlite",
        override="source_conflict",
        new_audit_log=True,
    )
    assert done.overridden == ("source_conflict",)


def test_activity_of_a_journal_without_card_numbers(rebuilt) -> None:
    bare = rebuilt.assign(pan_masked=pd.NA, card_last4=pd.NA).astype(
        {"pan_masked": "string", "card_last4": "string"}
    )
    activity = loss_activity(bare, "12345678", {"12345678": LOST_AT})
    assert activity["card"].isna().all() and len(activity) == 4
    only_last4 = rebuilt.assign(pan_masked=pd.NA).astype({"pan_masked": "string"})
    assert loss_activity(only_last4, "12345678", {"12345678": LOST_AT})["card"].iloc[0] == "****5566"


FULL_WIDTH_ID = "１２３４５６７８"  # the terminal id typed with a Chinese IME in full-width mode


def test_a_terminal_id_typed_in_full_width_digits_is_the_same_terminal(
    rebuilt, tmp_path, monkeypatch
) -> None:
    """A loss reported for '１２３４５６７８' was kept under that id, which the journal's '12345678' never
    equals: no row was marked after the loss, the activity list was empty and a sale after the loss was
    reprinted as a normal duplicate."""
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    clock = lambda: dt.datetime(2026, 11, 21, 9, 0, tzinfo=CST)  # noqa: E731
    with Terminals(tmp_path / "receiptkit-audit.sqlite", clock=clock, key=KEY) as reg:
        reg.add(FULL_WIDTH_ID, operator="li")
        reg.report_lost(FULL_WIDTH_ID, at=LOST_AT, operator="li")
        assert reg.get("12345678").status == "reported_lost" and "12345678" in reg
        marked = mark_after_loss(rebuilt, reg)
        assert marked.loc[marked["after_loss"], "stan"].fillna("-").tolist() == [
            "000110",
            "000111",
            "000112",
            "-",
        ]
        assert len(loss_activity(rebuilt, FULL_WIDTH_ID, reg)) == 4
        with pytest.raises(ReprintRefused) as refused:
            rk.reprint(
                stan(rebuilt, "000111"),
                operator="zhao",
                reason="asked",
                pdf=tmp_path / "x.pdf",
                audit=reg.log,
                new_audit_log=True,
            )
        assert refused.value.rule == "after_loss"
        with pytest.raises(rk.ReceiptkitError, match="already in the register"):
            reg.add("12345678", operator="li")  # the same terminal, not a second one
    by_mapping = mark_after_loss(rebuilt, {FULL_WIDTH_ID: pd.Timestamp(LOST_AT)})
    assert int(by_mapping["after_loss"].sum()) == 4
