"""examples/reconcile.py (a percent-format notebook) runs top to bottom and shows what it says."""

from __future__ import annotations

import runpy
from pathlib import Path

import openpyxl
import pandas as pd
from matplotlib.figure import Figure

from receiptkit.reports import SHEETS, Explanation

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reconcile.py"


def test_the_notebook_runs_on_demo_data_and_writes_its_reports(tmp_path, monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_EXAMPLE_OUT", str(tmp_path))
    monkeypatch.setenv("RECEIPTKIT_EXAMPLE_SIZE", "900")
    cells = runpy.run_path(str(EXAMPLE), run_name="__notebook__")
    rec = cells["rec"]
    assert sum(rec.counts.values()) == len(cells["proofs"]) == 75
    assert isinstance(rec.explain(cells["proof_id"]), Explanation)
    assert "<table" in cells["styled"].to_html()
    assert cells["slip"]._repr_png_().startswith(b"\x89PNG")
    for name in ("xlsx", "html", "csv"):
        assert (tmp_path / f"reconciliation.{name}").stat().st_size > 1000
    assert openpyxl.load_workbook(tmp_path / "reconciliation.xlsx").sheetnames == [*SHEETS, "about"]
    csv = pd.read_csv(tmp_path / "reconciliation.csv", encoding="utf-8-sig")
    assert csv["status"].value_counts().to_dict() == {k: v for k, v in rec.counts.items() if v}
    assert isinstance(cells["plots"].plot_scores(rec.result), Figure)
