"""The CSV report: one row per proof, UTF-8 with BOM, neutralised."""

from __future__ import annotations

import csv

from .conftest import HOSTILE


def test_one_row_per_proof_with_its_verdict(rec, tmp_path):
    path = rec.to_csv(tmp_path / "report.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["proof_id"] for r in rows] == rec.result["proof_id"].tolist()
    assert {s: sum(r["status"] == s for r in rows) for s in rec.counts} == rec.counts
    matched = [r for r in rows if r["status"] == "matched"]
    # the time columns name the zone and the clock (newcomer 19, G10)
    assert all(r["txn_id"] and r["sale time as logged (Asia/Shanghai)"] for r in matched)
    assert all(r["sale time corrected (Asia/Shanghai)"] for r in matched)
    texts = [v for r in rows for v in r.values()]
    for text in HOSTILE:
        assert "'" + text in texts and text not in texts
    assert any("瑞幸" in t or "全家" in t for t in texts)  # Chinese text survives


def test_clock_offset_seconds_are_integers(rec, tmp_path):
    """Newcomer 18 F7: the CSV wrote clock_offset_s as -28786.0 (an Int64 column with gaps went through numpy)."""
    assert rec.rows()["clock_offset_s"].dtype == "Int64"
    path = rec.to_csv(tmp_path / "report.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        written = [r["clock_offset_s"] for r in csv.DictReader(handle)]
    given = [v for v in written if v]
    assert given and all(v.lstrip("-").isdigit() for v in given), given[:5]
    assert len(given) < len(written)  # proofs without a matched terminal leave it empty


def test_a_hostile_cell_stays_inert_in_the_csv(rec, tmp_path):
    """CSV has no cell types: Excel evaluates =, +, -, @ there, so the apostrophe stays."""
    text = rec.to_csv(tmp_path / "report.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(" in text
    assert ",=HYPERLINK(" not in text and '"=HYPERLINK(' not in text
