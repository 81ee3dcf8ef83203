"""The HTML report, parsed with html.parser: sections, row counts, embedded plots."""

from __future__ import annotations

import base64
from html.parser import HTMLParser

import pytest

from receiptkit.reports import SHEETS

from .conftest import HOSTILE


class _Report(HTMLParser):
    """Rows per section, counts, images and cell texts of a report page."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, dict] = {}
        self.counts: dict[str, int] = {}
        self.images: list[str] = []
        self.cells: list[str] = []
        self.styles: list[str | None] = []
        self._section: str | None = None
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self._section = attrs["id"]
            self.sections[self._section] = {"declared": int(attrs["data-rows"]), "rows": 0}
        elif tag == "span" and "data-status" in attrs:
            self.counts[attrs["data-status"]] = int(attrs["data-count"])
        elif tag == "img":
            self.images.append(attrs["src"])
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body and self._section:
            self.sections[self._section]["rows"] += 1
        elif tag == "td":
            self._cell = []
            self.styles.append(attrs.get("style"))

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def page(rec, tmp_path_factory) -> _Report:
    path = rec.to_html(tmp_path_factory.mktemp("html") / "report.html")
    parser = _Report()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_table_is_there_with_its_rows(page, rec):
    assert list(page.sections) == [name.replace(" ", "-") for name in SHEETS]
    for section in page.sections.values():
        assert section["rows"] == section["declared"]
    tables = rec.tables()
    for name in SHEETS:
        assert page.sections[name.replace(" ", "-")]["rows"] == len(tables[name])
    assert page.counts == rec.counts
    assert page.sections["matched"]["rows"] == rec.counts["matched"]
    assert page.sections["unmatched"]["rows"] == rec.counts["unmatched"]


def test_the_four_plots_are_embedded_as_png(page):
    assert len(page.images) == 4
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG")


def test_cells_are_escaped_and_inert(page, rec, tmp_path):
    """Shown as written (escaped, no apostrophe), in Excel's text format for a table pasted into a spreadsheet."""
    for text in HOSTILE:
        assert text in page.cells and "'" + text not in page.cells
        assert page.styles[page.cells.index(text)] == "mso-number-format:'\\@'", text
    assert any("%" in c for c in page.cells)  # confidences as percentages
    raw = rec.to_html(tmp_path / "raw.html", plots=False).read_text(encoding="utf-8")
    assert (
        """<td style="mso-number-format:'\\@'">=HYPERLINK("http://evil","x")</td>""" in raw
    )  # text, no link
    assert "<a " not in raw


def test_clock_offsets_show_without_an_apostrophe(page, rec):
    """Newcomer 18 F7: the offset column read '+7 s."""
    shown = rec.tables()["clock offsets"]["offset"].tolist()
    assert shown
    for text in shown:
        assert text in page.cells and "'" + text not in page.cells


def test_without_plots(rec, tmp_path):
    parser = _Report()
    parser.feed(rec.to_html(tmp_path / "plain.html", plots=False).read_text(encoding="utf-8"))
    assert parser.images == [] and parser.counts == rec.counts
