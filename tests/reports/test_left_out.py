"""Rows a reader leaves out are in the reconciliation and its reports (newcomer 19, G8).

Before: a PayPal statement's 12 conversion and withdrawal rows (of 19) were listed only in the reader's
``frame.attrs["skipped"]``; ``reconcile`` (command, xlsx, html, csv) said nothing of them, and after the
documented ``pd.concat`` of two readers' frames ``rk.skipped`` gave 0 rows without a word (pandas keeps attrs
only when every frame's are equal). Now every row read is a proof, skipped or refused, per file, in the
summary and in each report, and the reports survive the joining of several files' frames.
"""

from __future__ import annotations

import csv
import warnings
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import receiptkit as rk
from receiptkit.cli import app
from receiptkit.frames import NoReportWarning
from receiptkit.reports.intake import NO_REPORT

PAYPAL = "paypal/oca__paypal_statement_en.csv"
WECHAT = "wechat_personal/example-wechat-records.csv"


def _data_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for row in list(csv.reader(handle))[1:] if any(cell.strip() for cell in row))


@pytest.fixture(scope="module")
def frames(samples):
    return rk.read_proofs(samples / PAYPAL), rk.read_proofs(samples / WECHAT)


@pytest.fixture(scope="module")
def journal():
    return rk.make_dataset(n_transactions=300, n_proofs=10, seed=3).journal


def test_a_reader_counts_what_it_read_and_the_count_ties_to_the_file(frames, samples):
    paypal, wechat = frames
    (record,) = paypal.attrs["read"]
    assert record == {"file": str(samples / PAYPAL), "rows": 19, "proofs": 7, "skipped": 12, "refused": 0}
    assert record["rows"] == _data_rows(samples / PAYPAL)  # the file's own data rows, counted here
    assert wechat.attrs["read"][0]["skipped"] == 0 and wechat.attrs["read"][0]["proofs"] == len(wechat)


def test_a_refused_row_is_counted_once_and_listed(fixtures, tmp_path, journal):
    text = (fixtures / "proofs" / "wechat_bill.csv").read_text(encoding="utf-8-sig")
    bad = tmp_path / "bill.csv"
    bad.write_text(text.replace("¥128.50", "¥12x.50"), encoding="utf-8-sig")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = rk.read_proofs(bad, strict=False)
    assert frame.attrs["read"] == [{"file": str(bad), "rows": 4, "proofs": 3, "skipped": 0, "refused": 1}]
    rec = rk.reconcile(frame, journal)
    left = rec.left_out
    assert left["left_out"].tolist() == ["refused"] and "12x.50" in left["value"].iloc[0]
    assert rec.files[["rows", "proofs", "skipped", "refused"]].iloc[0].tolist() == [4, 3, 0, 1]


def test_skipped_takes_several_frames_and_concat_proofs_keeps_the_reports(frames):
    paypal, wechat = frames
    assert len(rk.skipped(paypal, wechat)) == 12
    both = rk.concat_proofs([paypal, wechat])
    assert len(both) == len(paypal) + len(wechat)
    assert len(rk.skipped(both)) == 12 and len(both.attrs["read"]) == 2
    assert both["ts"].dtype == pd.concat([paypal, wechat])["ts"].dtype


def test_pd_concat_loses_the_report_and_says_so(frames, journal):
    paypal, wechat = frames
    joined = pd.concat([paypal, wechat], ignore_index=True)
    assert joined.attrs == {}  # pandas 3: attrs kept only when every frame's are equal
    with pytest.warns(NoReportWarning, match="concat_proofs"):
        assert rk.skipped(joined).empty
    files = rk.reconcile(joined, journal).files
    assert files["proofs"].tolist() == [len(joined)]
    assert files["skipped"].isna().all() and files["note"].tolist() == [NO_REPORT]  # not known, never 0


def test_the_reconciliation_accounts_for_every_row(frames, journal, samples):
    rec = rk.reconcile(list(frames), journal)  # a list of frames: joined with their reports
    files = rec.files
    assert files["file"].tolist() == [str(samples / PAYPAL), str(samples / WECHAT)]
    assert (files["rows"] == files["proofs"] + files["skipped"] + files["refused"]).all()
    assert int(files["proofs"].sum()) == len(rec.result)
    assert files["skipped"].tolist() == [12, 0]
    left = rec.left_out
    assert len(left) == 12 and set(left["left_out"]) == {"skipped"}
    assert set(left["value"]) == {"General Currency Conversion", "General Withdrawal - Bank Account"}
    assert "12 skipped" in rec.read_text() and "46 rows of 2 files" in rec.read_text()


class _Sections(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.rows[attrs["id"]] = int(attrs["data-rows"])


def test_every_report_lists_the_rows_left_out(frames, journal, tmp_path, samples):
    rec = rk.reconcile(list(frames), journal)
    book = openpyxl.load_workbook(rec.write(tmp_path / "r.xlsx"))
    left = list(book["left out"].iter_rows(values_only=True))
    assert left[0][:3] == ("file", "row", "left_out") and len(left) == 13
    assert {r[1] for r in left[1:]} == set(rec.left_out["row"])
    files = list(book["files"].iter_rows(values_only=True))
    assert files[1][:5] == (str(samples / PAYPAL), 19, 7, 12, 0)
    page = _Sections()
    page.feed(rec.write(tmp_path / "r.html").read_text(encoding="utf-8"))
    assert page.rows["left-out"] == 12 and page.rows["files"] == 2
    with rec.write(tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 19 + 27  # a row for every row read
    skipped = [r for r in rows if r["status"] == "skipped"]
    assert len(skipped) == 12 and all(
        r["source"] == str(samples / PAYPAL) and r["source_row"] for r in skipped
    )
    assert all(r["reason"].startswith("not a payment") for r in skipped)


def test_the_command_says_what_it_left_out(samples, tmp_path):
    journal = tmp_path / "journal.csv"
    rk.make_dataset(n_transactions=300, n_proofs=10, seed=3).journal.to_csv(journal, index=False)
    args = ["reconcile", "--journal", str(journal), "--proofs", str(samples / PAYPAL), str(samples / WECHAT)]
    result = CliRunner().invoke(app, [*args, "--no-learn", "--out", str(tmp_path / "r.xlsx")])
    assert result.exit_code in (0, 1), result.output
    assert f"{samples / PAYPAL}: 12 of 19 rows left out (12 skipped: not a payment" in result.output
    assert "listed in the report ('left out')" in result.output
    assert WECHAT.split("/")[1] + ":" not in result.output  # nothing left out there: no line
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book["left out"].max_row == 13
