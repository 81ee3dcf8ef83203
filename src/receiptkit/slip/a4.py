"""The A4 sheet writer: many slips on A4 pages, streamed into one PDF with bookmarks.

Memory does not grow with the number of slips. reportlab keeps every page of a
canvas in memory until ``save()``, so slips are laid out in chunks of
``chunk_pages`` pages; each chunk is made by reportlab in memory, then its
objects are renumbered and written to the output file at once (pypdf reads the
chunk), and the chunk is dropped. What stays in memory for the whole run is
one file offset per PDF object and one page reference per page (needed for the
cross-reference table and the page tree at the end), plus one entry per bookmark.

Each chunk embeds its own subset of the font, so a very large file carries the
subset several times (about 30-60 KB per chunk).
"""

from __future__ import annotations

import gc
import io
from array import array
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from receiptkit.slip.document import WIDTHS
from receiptkit.slip.render_pdf import draw_slip, register_font, slip_size

if TYPE_CHECKING:
    from receiptkit.slip.document import Slip

__all__ = ["write_a4_pdf"]

_MARGIN = 10 * mm
_GAP = 6 * mm

Bookmarks = str | Callable[["Slip"], str | None] | None


def _bookmark_key(bookmarks: Bookmarks) -> Callable[[Slip], str | None]:
    if bookmarks is None:
        return lambda slip: None
    if bookmarks == "day":
        return lambda slip: slip.ts.strftime("%Y-%m-%d") if slip.ts is not None else "undated"
    if callable(bookmarks):
        return bookmarks
    raise ValueError("bookmarks must be None, 'day' or a function of a slip")


class _Layout:
    """Places slips in columns on A4 pages and tells when a page is full."""

    def __init__(self, cell_w: float) -> None:
        usable_w = A4[0] - 2 * _MARGIN
        self.cell_w = cell_w
        self.columns = max(1, int((usable_w + _GAP) // (cell_w + _GAP)))
        spare = usable_w - self.columns * cell_w - (self.columns - 1) * _GAP
        self.left = _MARGIN + spare / 2
        self.top = A4[1] - _MARGIN
        self.bottom = _MARGIN
        self.column = 0
        self.y = self.top

    def place(self, height: float) -> tuple[bool, float, float]:
        """(new_page, x, top) for a slip of ``height`` points."""
        new_page = False
        if self.y - height < self.bottom and self.y < self.top:
            self.column += 1
            self.y = self.top
            if self.column >= self.columns:
                self.column = 0
                new_page = True
        x = self.left + self.column * (self.cell_w + _GAP)
        top = self.y
        self.y -= height + _GAP
        return new_page, x, top


def _draw_cut_marks(c: Canvas, x: float, top: float, w: float, h: float) -> None:
    c.saveState()
    c.setDash(2, 2)
    c.setLineWidth(0.3)
    c.setStrokeGray(0.6)
    c.rect(x - 2 * mm, top - h - 2 * mm, w + 4 * mm, h + 4 * mm, 1, 0)
    c.restoreState()


def _chunks(
    slips: Iterable[Slip], key: Callable[[Slip], str | None], chunk_pages: int, title: str
) -> Iterator[tuple[bytes, list[tuple[int, str, float]], int]]:
    """Yield (chunk PDF bytes, bookmarks as (page index in chunk, title, y), slips in chunk)."""
    register_font()
    layout: _Layout | None = None
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
    c.setTitle(title)
    pages_in_chunk = 0
    count = 0
    marks: list[tuple[int, str, float]] = []
    last_key: str | None = None
    started = False
    for slip in slips:
        if layout is None:
            layout = _Layout(WIDTHS[slip.width][3] * mm)
        rows = slip.rows()
        w, h = slip_size(slip, rows)
        shrink = 1.0
        page_h = layout.top - layout.bottom
        if h > page_h:  # taller than a page: scale down to fit
            shrink = page_h / h
        if w * shrink > layout.cell_w:
            shrink = min(shrink, layout.cell_w / w)
        new_page, x, top = layout.place(h * shrink + 4 * mm)
        if new_page:
            c.showPage()
            pages_in_chunk += 1
            if pages_in_chunk >= chunk_pages:
                c.save()
                yield buffer.getvalue(), marks, count
                buffer = io.BytesIO()
                c = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
                c.setTitle(title)
                pages_in_chunk, count, marks = 0, 0, []
        top -= 2 * mm
        label = key(slip)
        if label is not None and (not started or label != last_key):
            marks.append((pages_in_chunk, label, top + 3 * mm))
        started = True
        last_key = label
        _draw_cut_marks(c, x, top, w * shrink, h * shrink)
        draw_slip(c, slip, x, top, scale_by=shrink)
        count += 1
    if count or pages_in_chunk:
        c.showPage()
        c.save()
        yield buffer.getvalue(), marks, count


class _StreamWriter:
    """Writes PDF objects to a file as they come; keeps only offsets and page references."""

    CATALOG, PAGES, OUTLINES = 1, 2, 3

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.offsets = array("q", [-1] * 4)  # 8 bytes per object: the xref needs them all
        self.next_id = 4
        self.pages = array("q")
        out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def new_id(self) -> int:
        self.offsets.append(-1)
        self.next_id += 1
        return self.next_id - 1

    def write_object(self, number: int, obj: Any) -> None:
        self.offsets[number] = self.out.tell()
        self.out.write(f"{number} 0 obj\n".encode())
        if isinstance(obj, bytes):
            self.out.write(obj)
        else:
            obj.write_to_stream(self.out)
        self.out.write(b"\nendobj\n")

    def copy_chunk(self, data: bytes) -> list[int]:
        """Copy the pages of a chunk PDF (and all they use); return their new object numbers."""
        from pypdf import PdfReader
        from pypdf.generic import (
            ArrayObject,
            DictionaryObject,
            IndirectObject,
            NameObject,
            StreamObject,
        )

        reader = PdfReader(io.BytesIO(data))
        mapping: dict[tuple[int, int], int] = {}
        queue: list[tuple[int, int]] = []
        parent = IndirectObject(self.PAGES, 0, None)

        def remap(obj: Any) -> Any:
            if isinstance(obj, IndirectObject):
                ref = (obj.idnum, obj.generation)
                if ref not in mapping:
                    mapping[ref] = self.new_id()
                    queue.append(ref)
                return IndirectObject(mapping[ref], 0, None)
            if isinstance(obj, StreamObject):
                new_stream = type(obj)()
                new_stream._data = obj._data
                for k, v in obj.items():
                    new_stream[NameObject(k)] = remap(v)
                return new_stream
            if isinstance(obj, DictionaryObject):
                out = DictionaryObject()
                for k, v in obj.items():
                    out[NameObject(k)] = parent if k == "/Parent" else remap(v)
                return out
            if isinstance(obj, ArrayObject):
                return ArrayObject(remap(v) for v in obj)
            return obj

        page_ids = []
        for page in reader.pages:
            ref = page.indirect_reference
            assert ref is not None  # a page read from a file is an indirect object
            key = (ref.idnum, ref.generation)
            if key not in mapping:
                mapping[key] = self.new_id()
                queue.append(key)
            page_ids.append(mapping[key])
        while queue:
            pair = queue.pop()
            obj = reader.get_object(IndirectObject(pair[0], pair[1], reader))
            self.write_object(mapping[pair], remap(obj))
        self.pages.extend(page_ids)
        return page_ids

    def finish(self, outline: list[tuple[str, int, float]], title: str) -> None:
        from pypdf.generic import create_string_object

        kids = " ".join(f"{p} 0 R" for p in self.pages)
        self.write_object(self.PAGES, f"<< /Type /Pages /Count {len(self.pages)} /Kids [{kids}] >>".encode())
        item_ids = [self.new_id() for _ in outline]
        for i, (text, page, y) in enumerate(outline):
            buf = io.BytesIO()
            create_string_object(text).write_to_stream(buf)
            links = f"/Parent {self.OUTLINES} 0 R"
            if i > 0:
                links += f" /Prev {item_ids[i - 1]} 0 R"
            if i + 1 < len(item_ids):
                links += f" /Next {item_ids[i + 1]} 0 R"
            self.write_object(
                item_ids[i],
                b"<< /Title " + buf.getvalue() + f" {links} /Dest [{page} 0 R /XYZ 0 {y:.2f} 0] >>".encode(),
            )
        if item_ids:
            self.write_object(
                self.OUTLINES,
                f"<< /Type /Outlines /First {item_ids[0]} 0 R /Last {item_ids[-1]} 0 R "
                f"/Count {len(item_ids)} >>".encode(),
            )
            catalog = f"<< /Type /Catalog /Pages {self.PAGES} 0 R /Outlines {self.OUTLINES} 0 R /PageMode /UseOutlines >>"
        else:
            self.write_object(self.OUTLINES, b"<< /Type /Outlines /Count 0 >>")
            catalog = f"<< /Type /Catalog /Pages {self.PAGES} 0 R >>"
        self.write_object(self.CATALOG, catalog.encode())
        info_id = self.new_id()
        buf = io.BytesIO()
        create_string_object(title).write_to_stream(buf)
        self.write_object(info_id, b"<< /Producer (receiptkit) /Title " + buf.getvalue() + b" >>")
        xref_at = self.out.tell()
        size = self.next_id
        self.out.write(f"xref\n0 {size}\n".encode())
        self.out.write(b"0000000000 65535 f \n")
        for number in range(1, size):
            offset = self.offsets[number]
            if offset < 0:
                self.out.write(b"0000000000 65535 f \n")
            else:
                self.out.write(f"{offset:010d} 00000 n \n".encode())
        self.out.write(
            f"trailer\n<< /Size {size} /Root {self.CATALOG} 0 R /Info {info_id} 0 R >>\n"
            f"startxref\n{xref_at}\n%%EOF\n".encode()
        )


def write_a4_pdf(
    slips: Iterable[Slip],
    path: str | Path | IO[bytes],
    *,
    bookmarks: Bookmarks = "day",
    chunk_pages: int = 100,
    title: str = "Duplicate slips",
) -> int:
    """Write slips on A4 pages (2 columns of 80 mm slips, 3 of 58 mm) into one PDF; return the count.

    ``slips`` is consumed once, lazily: pass a generator to keep memory flat
    (a closing pack of 50,000 slips is fine). ``bookmarks`` makes an outline
    entry whenever its value changes from one slip to the next: ``"day"``
    (default, the transaction date), ``None`` (no outline) or a function of a
    slip returning a title (or None). ``chunk_pages`` bounds how many pages are
    held in memory at a time. The slips' paper width is taken from the first slip.
    """
    if chunk_pages < 1:
        raise ValueError("chunk_pages must be at least 1")
    key = _bookmark_key(bookmarks)
    own = not hasattr(path, "write")
    out: IO[bytes] = open(path, "wb") if own else path  # type: ignore[arg-type, assignment]  # noqa: SIM115
    try:
        writer = _StreamWriter(out)
        outline: list[tuple[str, int, float]] = []
        total = 0
        for data, marks, count in _chunks(slips, key, chunk_pages, title):
            page_ids = writer.copy_chunk(data)
            del data
            gc.collect()  # reportlab canvases and pypdf readers hold reference cycles
            outline.extend((text, page_ids[index], y) for index, text, y in marks)
            total += count
        if not writer.pages:
            raise ValueError("no slips to write")
        writer.finish(outline, title)
    finally:
        if own:
            out.close()
    return total
