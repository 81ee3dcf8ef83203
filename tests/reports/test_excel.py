"""The Excel report, read back with openpyxl: sheets, counts, inert text, no card numbers."""

from __future__ import annotations

import openpyxl
import pytest

from receiptkit.reports import SHEETS, Reconciliation

from .conftest import FULL_PAN, HOSTILE


@pytest.fixture(scope="module")
def workbook(rec, tmp_path_factory):
    path = rec.to_excel(tmp_path_factory.mktemp("xlsx") / "report.xlsx")
    return openpyxl.load_workbook(path)


def _records(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_sheets_hold_the_right_counts(workbook, rec):
    assert workbook.sheetnames == [*SHEETS, "about"]
    counts = rec.counts
    assert len(_records(workbook["matched"])) == counts["matched"]
    assert len(_records(workbook["unmatched"])) == counts["unmatched"]
    ambiguous = _records(workbook["ambiguous"])
    assert len({r["proof_id"] for r in ambiguous}) == counts["ambiguous"]
    listed = sum(
        len(c) or 1 for c in rec.result.loc[rec.result["status"] == "ambiguous", "candidate_txn_ids"]
    )
    assert len(ambiguous) == listed
    summary = _records(workbook["summary"])
    for status, n in counts.items():
        assert sum(r["proofs"] for r in summary if r["status"] == status) == n
    offsets = _records(workbook["clock offsets"])
    assert {str(r["terminal_id"]) for r in offsets} == set(rec.clock_offsets.index.astype(str))


def test_matched_rows_carry_the_transaction_and_exact_amounts(workbook, rec):
    by_proof = rec.result.set_index("proof_id")
    for record in _records(workbook["matched"])[:20]:
        assert record["txn_id"] == by_proof.loc[record["proof_id"], "txn_id"]
        assert isinstance(record["amount_minor"], int)
        assert record["amount"] == record["txn_amount"] or record["currency"] != record["txn_currency"]
    cell = workbook["matched"]["A2"].parent.cell(
        row=2, column=list(_records(workbook["matched"])[0]).index("confidence") + 1
    )
    assert cell.number_format == "0.0%"


def test_text_that_would_run_as_a_formula_is_stored_inert(workbook, rec, tmp_path):
    """Stored as a string cell with Excel's quote prefix, never evaluated, and with the apostrophe in its value
    (clean room 10 seed 5: a bare '=HYPERLINK(...)' value becomes a formula again once read out of the sheet)."""
    cells = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    cells.setdefault(cell.value, cell)
    for text in HOSTILE:
        assert "'" + text in cells, text
        assert text not in cells
        assert cells["'" + text].data_type == "s" and cells["'" + text].quotePrefix, text
    # the file itself: no formula element anywhere, the hostile text an inline string
    import zipfile

    path = rec.to_excel(tmp_path / "inert.xlsx")
    with zipfile.ZipFile(path) as book:
        sheets = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any("<f>" in xml or "<f " in xml for xml in sheets)
    assert any('t="inlineStr"><is><t>\'=HYPERLINK(' in xml for xml in sheets)


def test_clock_offsets_show_without_an_apostrophe(workbook):
    """Newcomer 18 F7: the offset column read '+7 s (the apostrophe was part of the value)."""
    offsets = _records(workbook["clock offsets"])
    assert offsets
    for record in offsets:
        assert not record["offset"].startswith("'"), record
        assert record["offset"][0] in "+-0", record


def test_a_full_card_number_never_reaches_any_report(dataset, hostile_proofs, rec, tmp_path):
    raw = hostile_proofs.copy()  # not validated: the readers' own masking is bypassed
    raw.iloc[1, raw.columns.get_loc("merchant_text")] = f"POS {FULL_PAN} 消费"
    unchecked = Reconciliation(result=rec.result, proofs=raw, journal=dataset.journal)
    book = openpyxl.load_workbook(unchecked.to_excel(tmp_path / "pan.xlsx"))
    texts = [
        c for s in book.worksheets for r in s.iter_rows(values_only=True) for c in r if isinstance(c, str)
    ]
    assert any("消费" in t for t in texts)
    texts.append(unchecked.to_html(tmp_path / "pan.html", plots=False).read_text(encoding="utf-8"))
    texts.append(unchecked.to_csv(tmp_path / "pan.csv").read_text(encoding="utf-8-sig"))
    assert "消费" in texts[-1] and "消费" in texts[-2]
    assert not any(FULL_PAN in t.replace(" ", "") for t in texts)
    assert not any(FULL_PAN[6:12] in t for t in texts)
