"""A voided sale reprinted under ``override="voided"`` says VOIDED 已撤销 on every output, never APPROVED
(newcomer 19, G11).

The sale's own row is ``approved`` (the void is its own row, pointing at the sale): the slip was headed
``APPROVED - OVERRIDE: voided`` and nothing else said VOIDED, while a refunded sale gets a REFUNDED 已退款 line.
A duplicate is evidence: the large status line must not call a voided payment approved.
"""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit.audit import AuditLog
from receiptkit.reprinting import reprint
from receiptkit.schema import validate_journal

KEY = "hex:" + "3f" * 32
TZ = "Asia/Shanghai"


@pytest.fixture(autouse=True)
def merchant_key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)


def _row(txn_id: str, ts: str, txn_type: str = "sale", original=None) -> dict:
    return {
        "txn_id": txn_id,
        "merchant_id": "898310058120001",
        "merchant_name": "瑞幸咖啡(国贸店)",
        "terminal_id": "10000001",
        "ts": pd.Timestamp(ts, tz=TZ),
        "amount_minor": 5000,
        "currency": "CNY",
        "txn_type": txn_type,
        "status": "approved",
        "channel": "card",
        "card_last4": "4821",
        "original_txn_id": original,
    }


JOURNAL = validate_journal(
    pd.DataFrame([_row("S1", "2026-11-01 09:39:10"), _row("S1V", "2026-11-01 09:45:00", "void", "S1")])
)


def _outputs(tmp_path, txn_id: str) -> dict:
    row = JOURNAL[JOURNAL["txn_id"] == txn_id].iloc[0]
    return dict(
        journal_row_or_match=row,
        journal=JOURNAL,
        operator="li",
        reason="customer needs it for tax",
        override="voided",
        pdf=tmp_path / f"{txn_id}.pdf",
        png=tmp_path / f"{txn_id}.png",
        outputs={"text": tmp_path / f"{txn_id}.txt", "escpos": tmp_path / f"{txn_id}.bin"},
        audit=tmp_path / "a.sqlite",
        new_audit_log=True,
    )


def _pdf_text(path) -> str:
    import pypdf

    return " ".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def test_an_overridden_voided_sale_says_voided_on_every_output_never_approved(tmp_path):
    call = _outputs(tmp_path, "S1")
    record = reprint(call.pop("journal_row_or_match"), **call)
    assert record.overridden == ("voided",)
    text = " ".join((tmp_path / "S1.txt").read_text(encoding="utf-8").split())
    assert "VOIDED 已撤销" in text and "S1V" in text
    assert "APPROVED" not in text
    escpos = (tmp_path / "S1.bin").read_bytes()
    assert b"VOIDED" in escpos and "已撤销".encode("gb18030") in escpos and b"S1V" in escpos
    assert b"APPROVED" not in escpos
    pdf = _pdf_text(tmp_path / "S1.pdf")
    assert "VOIDED" in pdf and "S1V" in pdf and "APPROVED" not in pdf
    assert (tmp_path / "S1.png").stat().st_size > 0  # the PNG is drawn from the same document as the others
    with AuditLog(tmp_path / "a.sqlite", create=False) as log:
        assert "voided" in log.rows(event_type="reprint")["details"].astype(str).str.cat()


def test_the_void_itself_is_headed_void_not_approved(tmp_path):
    call = _outputs(tmp_path, "S1V")
    reprint(call.pop("journal_row_or_match"), **call)
    text = " ".join((tmp_path / "S1V.txt").read_text(encoding="utf-8").split())
    assert "VOID 撤销" in text and "APPROVED" not in text


def test_a_void_without_a_time_is_named_without_one(tmp_path):
    """Review 19, §10: a void row whose ``ts`` is NaT (a hand-built journal) made ``_void_heading`` raise
    pandas' ``ValueError`` formatting the time; the remark now names the void and says its time is not recorded."""
    from receiptkit.reprinting import VOIDED_WORDS, _void_heading

    journal = JOURNAL.copy()
    journal.loc[journal["txn_id"] == "S1V", "ts"] = pd.NaT
    heading, remarks = _void_heading(journal[journal["txn_id"] == "S1"].iloc[0], journal)
    assert heading == VOIDED_WORDS
    assert remarks == ("已撤销/voided by S1V (time not recorded)",)
    heading, remarks = _void_heading(JOURNAL[JOURNAL["txn_id"] == "S1"].iloc[0], JOURNAL)
    assert remarks == ("已撤销/voided by S1V 2026-11-01 09:45",)
