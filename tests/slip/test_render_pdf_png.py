"""PDF (pypdf text extraction, page width, embedded font), PNG, and the streaming A4 writer."""

from __future__ import annotations

import gc
import io
import tracemalloc

import pytest
from PIL import Image, ImageChops, ImageDraw
from pypdf import PdfReader

from receiptkit.slip import DUPLICATE_BANNER, Slip, write_a4_pdf

from .conftest import PRINTED_AT, VERIFICATION
from .test_document import EXPECTED

MM = 72 / 25.4


def make(journal, txn_id, **kwargs):
    kwargs.setdefault("printed_at", PRINTED_AT)
    kwargs.setdefault("verification", VERIFICATION)
    return Slip.from_transaction(journal.loc[txn_id], **kwargs)


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("width", ["80mm", "58mm"])
@pytest.mark.parametrize("txn_id", sorted(EXPECTED))
def test_pdf_roll_page_text_and_width(journal, txn_id, width, tmp_path):
    slip = make(journal, txn_id, width=width)
    path = tmp_path / "slip.pdf"
    data = slip.to_pdf(path)
    assert path.read_bytes() == data
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert float(page.mediabox.width) == pytest.approx(int(width[:2]) * MM, abs=0.01)
    assert float(page.mediabox.height) > 2 * float(page.mediabox.width)  # a roll, as tall as the slip
    text = squash(page.extract_text())
    for value in [*EXPECTED[txn_id], DUPLICATE_BANNER, "7KQ2-9XZD"]:
        assert squash(value) in text, value
    assert text.count(squash(DUPLICATE_BANNER)) == 2


def test_pdf_embeds_the_shipped_font(journal):
    reader = PdfReader(io.BytesIO(make(journal, "UP-0001").to_pdf()))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = []
    for ref in fonts.values():
        font = ref.get_object()
        for desc in font.get("/DescendantFonts", [font]):
            d = desc.get_object().get("/FontDescriptor")
            if d is not None:
                descriptors.append(d.get_object())
    assert descriptors and all(
        "/FontFile2" in d for d in descriptors
    )  # embedded TrueType, not a CID reference


@pytest.mark.parametrize(("width", "dots"), [("80mm", 576), ("58mm", 384)])
def test_png_is_printer_resolution_and_draws_chinese(journal, width, dots, tmp_path):
    slip = make(journal, "UP-0001", width=width)
    data = slip.to_png(tmp_path / "slip.png")
    image = Image.open(io.BytesIO(data))
    assert image.width == dots + 32
    assert image.height > 2 * image.width
    ink = sum(image.convert("L").histogram()[:128]) / (image.width * image.height)
    assert 0.05 < ink < 0.5


def test_png_chinese_glyphs_are_real_not_boxes():
    from receiptkit.slip.render_png import _font

    def draw(text):
        img = Image.new("L", (60, 30), 255)
        ImageDraw.Draw(img).text((0, 0), text, font=_font(24), fill=0)
        return img

    notdef = draw("\U0010fffd")
    for char in "重打印签购单喆堃":
        assert ImageChops.difference(draw(char), notdef).getbbox() is not None, char
    assert ImageChops.difference(draw("重"), draw("打")).getbbox() is not None


def _slips(journal, n, width="80mm"):
    ids = list(journal.index)
    for i in range(n):
        yield make(journal, ids[i % len(ids)], width=width)


def test_a4_sheet_has_all_slips_and_day_bookmarks(journal, tmp_path):
    path = tmp_path / "pack.pdf"
    ordered = sorted(journal.index, key=lambda t: journal.loc[t, "ts"])
    count = write_a4_pdf((make(journal, t) for t in ordered), path, chunk_pages=1)
    assert count == len(ordered)
    reader = PdfReader(str(path))
    assert float(reader.pages[0].mediabox.width) == pytest.approx(210 * MM, abs=0.1)
    text = squash("".join(p.extract_text() for p in reader.pages))
    assert text.count(squash(DUPLICATE_BANNER)) == 2 * len(ordered)
    for values in EXPECTED.values():
        for value in values:
            assert squash(value) in text, value
    outline = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    days = sorted({journal.loc[t, "ts"].strftime("%Y-%m-%d") for t in ordered})
    assert [title for title, _ in outline] == days
    pages = [page for _, page in outline]
    assert pages == sorted(pages) and pages[0] == 0
    # each bookmark points at a page that holds a slip of that day
    for day, page in outline:
        assert day.replace("-", "/") in reader.pages[page].extract_text()


def test_a4_sheet_58mm_has_three_columns(journal, tmp_path):
    path = tmp_path / "pack58.pdf"
    write_a4_pdf(_slips(journal, 6, "58mm"), path, bookmarks=None)
    reader = PdfReader(str(path))
    assert len(reader.pages) == 2
    assert reader.outline == []


def test_a4_bookmarks_by_function_and_refusals(journal, tmp_path):
    path = tmp_path / "pack.pdf"
    write_a4_pdf(_slips(journal, 4), path, bookmarks=lambda s: f"终端 {s.fields['terminal_id']}")
    titles = [item.title for item in PdfReader(str(path)).outline]
    assert titles[0] == "终端 10086123"
    with pytest.raises(ValueError):
        write_a4_pdf(iter(()), tmp_path / "empty.pdf")
    with pytest.raises(ValueError):
        write_a4_pdf(_slips(journal, 1), tmp_path / "x.pdf", bookmarks="month")


def test_a4_writer_streams_memory_does_not_grow_with_slips(journal, tmp_path):
    def peak(n):
        gc.collect()
        tracemalloc.start()
        write_a4_pdf(_slips(journal, n), tmp_path / f"m{n}.pdf", chunk_pages=2, bookmarks=None)
        value = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return value

    peak(4)  # warm caches (font, QR)
    small, large = peak(8), peak(40)
    assert len(PdfReader(str(tmp_path / "m40.pdf")).pages) == 20
    assert large < small * 1.25, (small, large)  # 5x the slips, about the same peak
