"""PDF of a slip through reportlab: a roll-width page, and the A4 sheet writer.

Text is drawn with the font shipped in the package (a GBK subset of
WenQuanYi Micro Hei, embedded as a TrueType subset), so Chinese renders on any
machine and stays extractable (reportlab writes a ToUnicode map). The geometry
is the PNG preview's (:mod:`render_png`), scaled from printer dots to
millimetres, so the PDF, the PNG and the paper slip look the same.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from receiptkit.slip.document import WIDTHS, Row
from receiptkit.slip.render_png import (
    _BARCODE_HEIGHT,
    _FONT,
    code128_modules,
    qr_matrix,
    qr_module_dots,
    row_height,
)
from receiptkit.slip.targets import Target, register_target
from receiptkit.slip.targets import render as render_target

if TYPE_CHECKING:
    from receiptkit.slip.document import Slip

__all__ = ["FONT_NAME", "PdfTarget", "draw_slip", "register_font", "render", "slip_size"]

#: The reportlab name of the shipped CJK font.
FONT_NAME = "ReceiptkitWQYMicroHei"
#: Blank paper above and below the print on a roll page, in mm.
ROLL_MARGIN_MM = 4.0


@lru_cache(maxsize=1)
def register_font() -> str:
    """Register the shipped font with reportlab once; return its name."""
    from reportlab.pdfbase.ttfonts import TTFont

    from receiptkit.slip._fonts import font_path

    pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path())))
    return FONT_NAME


def _scale(slip: Slip) -> float:
    """Points per printer dot."""
    paper_mm, print_mm = WIDTHS[slip.width][2], WIDTHS[slip.width][3]
    del paper_mm
    return print_mm * mm / slip.dots


def slip_size(slip: Slip, rows: list[Row] | None = None) -> tuple[float, float]:
    """Width and height in points of the printed area of ``slip`` (without margins)."""
    rows = slip.rows() if rows is None else rows
    scale = _scale(slip)
    return slip.dots * scale, sum(row_height(r, slip.dots) for r in rows) * scale


def _text(
    c: Canvas, x: float, y: float, text: str, size: float, *, bold: bool, anchor: str, white: bool
) -> None:
    width = pdfmetrics.stringWidth(text, FONT_NAME, size)
    if anchor == "right":
        x -= width
    elif anchor == "center":
        x -= width / 2
    t = c.beginText(x, y)
    t.setFont(FONT_NAME, size)
    # fill and stroke is a faux bold for a font without a bold face; the mode is graphics
    # state that outlives the text object, so it is set for every string
    t.setTextRenderMode(2 if bold else 0)
    t.textOut(text)
    c.setFillGray(1 if white else 0)
    c.setStrokeGray(1 if white else 0)
    c.setLineWidth(size * 0.04)
    c.drawText(t)
    c.setFillGray(0)
    c.setStrokeGray(0)


def _fit(text: str, size: float, width: float) -> float:
    measured = pdfmetrics.stringWidth(text, FONT_NAME, size)
    return size if measured <= width else size * width / measured


def _draw_rule(c: Canvas, row: Row, x0: float, top: float, dots: int, scale: float) -> None:
    height, width = row_height(row, dots) * scale, dots * scale
    c.setDash(7 * scale, 5 * scale)
    c.setLineWidth(2 * scale)
    c.line(x0, top - height / 2, x0 + width, top - height / 2)
    c.setDash()


def _draw_feed(c: Canvas, row: Row, x0: float, top: float, dots: int, scale: float) -> None:
    return


def _draw_qr(c: Canvas, row: Row, x0: float, top: float, dots: int, scale: float) -> None:
    width = dots * scale
    matrix = qr_matrix(row.data)
    box = qr_module_dots(row.data, dots) * scale
    left = x0 + (width - len(matrix) * box) / 2
    y_top = top - 6 * scale
    for r, line in enumerate(matrix):
        c_start = None
        for col, on in enumerate((*line, False)):
            if on and c_start is None:
                c_start = col
            elif not on and c_start is not None:
                c.rect(left + c_start * box, y_top - (r + 1) * box, (col - c_start) * box, box, 0, 1)
                c_start = None


def _draw_barcode(c: Canvas, row: Row, x0: float, top: float, dots: int, scale: float) -> None:
    width = dots * scale
    bars = code128_modules(row.data)
    module = (2 if len(bars) * 2 <= dots - 24 else 1) * scale
    left = x0 + (width - len(bars) * module) / 2
    bar_top = top - 4 * scale
    bar_h = _BARCODE_HEIGHT * scale
    start = None
    for i, bit in enumerate(bars + "0"):
        if bit == "1" and start is None:
            start = i
        elif bit != "1" and start is not None:
            c.rect(left + start * module, bar_top - bar_h, (i - start) * module, bar_h, 0, 1)
            start = None
    size = _FONT * scale
    _text(
        c, x0 + width / 2, bar_top - bar_h - 4 * scale - size * 0.9, row.data, size, bold=False,
        anchor="center", white=False,
    )  # fmt: skip


def _draw_text(c: Canvas, row: Row, x0: float, top: float, dots: int, scale: float) -> None:
    height, width = row_height(row, dots) * scale, dots * scale
    size = (2 if row.double else 1) * _FONT * scale
    white = row.inverse
    if white:
        c.rect(x0, top - height + scale, width, height - 2 * scale, 0, 1)
    whole = row.left + ("  " + row.right if row.right else "")
    size = _fit(whole, size, width)
    baseline = top - height / 2 - size * 0.35
    if row.right:
        _text(c, x0, baseline, row.left, size, bold=row.bold, anchor="left", white=white)
        _text(c, x0 + width, baseline, row.right, size, bold=row.bold, anchor="right", white=white)
    elif row.align == "center":
        _text(c, x0 + width / 2, baseline, row.left, size, bold=row.bold, anchor="center", white=white)
    elif row.align == "right":
        _text(c, x0 + width, baseline, row.left, size, bold=row.bold, anchor="right", white=white)
    else:
        _text(c, x0, baseline, row.left, size, bold=row.bold, anchor="left", white=white)


_DRAW = {
    "text": _draw_text,
    "rule": _draw_rule,
    "feed": _draw_feed,
    "qr": _draw_qr,
    "barcode": _draw_barcode,
}


def _draw_row(c: Canvas, row: Row, x0: float, top: float, dots: int, scale: float) -> float:
    """Draw one row with its top edge at ``top``; return its height in points."""
    _DRAW[row.kind](c, row, x0, top, dots, scale)
    return row_height(row, dots) * scale


def draw_slip(c: Canvas, slip: Slip, x: float, top: float, *, scale_by: float = 1.0) -> float:
    """Draw ``slip``'s printed area on canvas ``c`` with its top-left corner at (x, top); return its height."""
    register_font()
    rows = slip.rows()
    scale = _scale(slip) * scale_by
    y = top
    for row in rows:
        y -= _draw_row(c, row, x, y, slip.dots, scale)
    return top - y


@register_target
class PdfTarget(Target):
    """A one-page PDF on roll paper (58 or 80 mm wide, as tall as the slip), text in the shipped font."""

    name, suffix = "pdf", ".pdf"

    def open(self) -> None:
        register_font()
        slip = self.slip
        paper_mm, print_mm = WIDTHS[slip.width][2], WIDTHS[slip.width][3]
        _, height = slip_size(slip)
        page_h = height + 2 * ROLL_MARGIN_MM * mm
        self.buffer = io.BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=(paper_mm * mm, page_h), invariant=True, pageCompression=1)
        _metadata(self.canvas, slip)
        self.x = (paper_mm - print_mm) / 2 * mm
        self.y = page_h - ROLL_MARGIN_MM * mm
        self.scale = _scale(slip)

    def _row(self, row: Row) -> None:
        self.y -= _draw_row(self.canvas, row, self.x, self.y, self.slip.dots, self.scale)

    text = rule = feed = qr = barcode = _row

    def close(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


def render(slip: Slip, path: str | Path | None = None) -> bytes:
    """A one-page PDF of ``slip`` on roll paper (58 or 80 mm wide, as tall as the slip): the ``pdf`` target."""
    return render_target(slip, "pdf", path)


def _metadata(c: Any, slip: Slip) -> None:
    c.setTitle(f"Duplicate slip {slip.txn_id or ''}".strip())
    c.setAuthor("receiptkit")
    c.setSubject("DUPLICATE 重打印")
    c.setCreator("receiptkit")
