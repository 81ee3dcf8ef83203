"""PNG preview of a slip (Pillow), drawn at thermal-printer resolution.

The image is what a 203 dpi printer would print: 576 dots across for 80 mm
paper, 384 for 58 mm, one text column every 12 dots (a CJK character is two
columns, 24 dots). :func:`draw_rows` is also used by the ESC/POS renderer to
print Chinese as a raster image on printers without a Chinese font.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

from receiptkit.slip._fonts import font_path
from receiptkit.slip.document import Row
from receiptkit.slip.targets import Target, register_target
from receiptkit.slip.targets import render as render_target

if TYPE_CHECKING:
    from receiptkit.slip.document import Slip

__all__ = ["PngTarget", "code128_modules", "draw_rows", "qr_matrix", "render", "render_image"]

#: Blank paper around the printed area in the preview, in dots.
MARGIN = 16
_LINE = 30  # dots per normal text line (24-dot glyphs + leading)
_FONT = 24
_BARCODE_HEIGHT = 72


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size)


@lru_cache(maxsize=256)
def qr_matrix(payload: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code modules of ``payload`` (error correction M, no quiet zone)."""
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(payload)
    qr.make(fit=True)
    return tuple(tuple(bool(v) for v in line) for line in qr.get_matrix())


@lru_cache(maxsize=256)
def code128_modules(data: str) -> str:
    """Code128 bars and spaces of ``data`` as a string of ``1`` and ``0`` (python-barcode)."""
    import barcode

    return barcode.get("code128", data).build()[0]


def qr_module_dots(payload: str, dots: int) -> int:
    """Dots per QR module: about 40 % of the paper width, 3 to 8 dots."""
    n = len(qr_matrix(payload))
    return max(3, min(8, int(dots * 0.4) // n))


def row_height(row: Row, dots: int) -> int:
    """Height of one row in dots."""
    if row.kind == "qr":
        return len(qr_matrix(row.data)) * qr_module_dots(row.data, dots) + 12
    if row.kind == "barcode":
        return _BARCODE_HEIGHT + _LINE + 8
    if row.kind == "text" and row.double:
        return 2 * _LINE
    return _LINE


def _fit_font(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> ImageFont.FreeTypeFont:
    font = _font(size)
    while size > 10 and draw.textlength(text, font=font) > width:
        size -= 1
        font = _font(size)
    return font


def _draw_rule(draw: ImageDraw.ImageDraw, row: Row, y: int, dots: int) -> None:
    mid = y + row_height(row, dots) // 2
    for x in range(0, dots, 12):
        draw.line([(x + 1, mid), (x + 8, mid)], fill=0, width=2)


def _draw_feed(draw: ImageDraw.ImageDraw, row: Row, y: int, dots: int) -> None:
    return


def _draw_qr(draw: ImageDraw.ImageDraw, row: Row, y: int, dots: int) -> None:
    matrix = qr_matrix(row.data)
    box = qr_module_dots(row.data, dots)
    left = (dots - len(matrix) * box) // 2
    for r, line in enumerate(matrix):
        for c, on in enumerate(line):
            if on:
                x0, y0 = left + c * box, y + 6 + r * box
                draw.rectangle([x0, y0, x0 + box - 1, y0 + box - 1], fill=0)


def _draw_barcode(draw: ImageDraw.ImageDraw, row: Row, y: int, dots: int) -> None:
    bars = code128_modules(row.data)
    module = 2 if len(bars) * 2 <= dots - 24 else 1
    left = (dots - len(bars) * module) // 2
    for i, bit in enumerate(bars):
        if bit == "1":
            x0 = left + i * module
            draw.rectangle([x0, y + 4, x0 + module - 1, y + 4 + _BARCODE_HEIGHT], fill=0)
    font = _font(_FONT)
    text_w = draw.textlength(row.data, font=font)
    draw.text(((dots - text_w) / 2, y + _BARCODE_HEIGHT + 8), row.data, font=font, fill=0)


def _draw_text(draw: ImageDraw.ImageDraw, row: Row, y: int, dots: int) -> None:
    height = row_height(row, dots)
    size = 2 * _FONT if row.double else _FONT
    ink = 0
    if row.inverse:
        draw.rectangle([0, y + 1, dots - 1, y + height - 2], fill=0)
        ink = 255
    stroke = 1 if row.bold else 0
    whole = row.left + ("  " + row.right if row.right else "")
    font = _fit_font(draw, whole, size, dots - 2 * stroke)
    top = y + (height - size) // 2 - 1
    if row.right:
        draw.text((0, top), row.left, font=font, fill=ink, stroke_width=stroke, stroke_fill=ink)
        right_w = draw.textlength(row.right, font=font)
        draw.text(
            (dots - right_w - stroke, top),
            row.right,
            font=font,
            fill=ink,
            stroke_width=stroke,
            stroke_fill=ink,
        )
        return
    text_w = draw.textlength(row.left, font=font)
    if row.align == "center":
        x = (dots - text_w) / 2
    elif row.align == "right":
        x = dots - text_w - stroke
    else:
        x = 0
    draw.text((x, top), row.left, font=font, fill=ink, stroke_width=stroke, stroke_fill=ink)


_DRAW = {
    "text": _draw_text,
    "rule": _draw_rule,
    "feed": _draw_feed,
    "qr": _draw_qr,
    "barcode": _draw_barcode,
}


def _draw_row(draw: ImageDraw.ImageDraw, row: Row, y: int, dots: int) -> None:
    _DRAW[row.kind](draw, row, y, dots)


def draw_rows(rows: Sequence[Row], dots: int, *, margin: int = 0) -> Image.Image:
    """Draw laid-out rows on a white 1-bit-ready greyscale image ``dots`` (+ margins) wide."""
    heights = [row_height(r, dots) for r in rows]
    image = Image.new("L", (dots + 2 * margin, sum(heights) + 2 * margin), 255)
    draw = ImageDraw.Draw(image)
    y = margin
    for row, height in zip(rows, heights, strict=True):
        if margin:
            sub = Image.new("L", (dots, height), 255)
            _draw_row(ImageDraw.Draw(sub), row, 0, dots)
            image.paste(sub, (margin, y))
        else:
            _draw_row(draw, row, y, dots)
        y += height
    return image


@register_target
class PngTarget(Target):
    """A PNG preview at printer resolution: each row drawn on its own strip, stacked with a paper margin.

    The strips are :meth:`image` (greyscale) before :meth:`close` encodes them.
    """

    name, suffix = "png", ".png"

    def open(self) -> None:
        self.dots = self.slip.dots
        self.strips: list[Image.Image] = []

    def _strip(self, row: Row) -> None:
        strip = Image.new("L", (self.dots, row_height(row, self.dots)), 255)
        _DRAW[row.kind](ImageDraw.Draw(strip), row, 0, self.dots)
        self.strips.append(strip)

    text = rule = feed = qr = barcode = _strip

    def image(self) -> Image.Image:
        """The rows drawn so far on white paper with a :data:`MARGIN` all round."""
        height = sum(strip.height for strip in self.strips)
        image = Image.new("L", (self.dots + 2 * MARGIN, height + 2 * MARGIN), 255)
        y = MARGIN
        for strip in self.strips:
            image.paste(strip, (MARGIN, y))
            y += strip.height
        return image

    def close(self) -> bytes:
        buffer = io.BytesIO()
        self.image().save(buffer, format="PNG", optimize=False)
        return buffer.getvalue()


def render_image(slip: Slip) -> Image.Image:
    """The slip as a Pillow image (greyscale), with a paper margin."""
    target = PngTarget(slip)
    target.open()
    for row in slip.rows():
        target.draw(row)
    return target.image()


def render(slip: Slip, path: str | Path | None = None) -> bytes:
    """PNG bytes of ``slip``; also written to ``path`` when given (the ``png`` target)."""
    return render_target(slip, "png", path)
