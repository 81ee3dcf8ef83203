"""SVG of a slip: the PNG preview's geometry as vector shapes and real text (the ``svg`` target).

Written to show that a target is one file: the class below implements the
commands of :class:`receiptkit.slip.targets.Target` and registers itself. The
geometry (203 dpi dots, row heights, QR modules, Code128 bars) is
:mod:`render_png`'s, so the SVG lines up with the PNG and the paper slip.
Text stays text (searchable, selectable); it is drawn in the viewer's
fonts (WenQuanYi Micro Hei or Noto Sans CJK when installed), not embedded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from receiptkit.slip.render_png import (
    _BARCODE_HEIGHT,
    _FONT,
    MARGIN,
    code128_modules,
    qr_matrix,
    qr_module_dots,
    row_height,
)
from receiptkit.slip.targets import Target, register_target

if TYPE_CHECKING:
    from receiptkit.slip.document import Row

__all__ = ["FONT_FAMILY", "SvgTarget"]

#: The CSS font list of the text.
FONT_FAMILY = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"


@register_target
class SvgTarget(Target):
    """A standalone SVG document, one unit per printer dot, white paper with a margin."""

    name, suffix = "svg", ".svg"

    def open(self) -> None:
        self.dots = self.slip.dots
        self.y = 0
        self.parts: list[str] = []

    def _advance(self, row: Row) -> int:
        top = self.y
        self.y += row_height(row, self.dots)
        return top

    def _text(
        self, x: float, y: float, text: str, *, size: int, anchor: str, bold: bool, white: bool
    ) -> None:
        weight = ' font-weight="bold"' if bold else ""
        fill = "#fff" if white else "#000"
        self.parts.append(
            f'<text x="{x:g}" y="{y:g}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{weight}>'
            f"{escape(text)}</text>"
        )

    def text(self, row: Row) -> None:
        top, height = self._advance(row), row_height(row, self.dots)
        size = 2 * _FONT if row.double else _FONT
        if row.inverse:
            self.parts.append(
                f'<rect x="0" y="{top + 1}" width="{self.dots}" height="{height - 2}" fill="#000"/>'
            )
        baseline = top + (height + size) // 2 - 4
        style = {"size": size, "bold": row.bold, "white": row.inverse}
        if row.right:
            self._text(0, baseline, row.left, anchor="start", **style)  # type: ignore[arg-type]
            self._text(self.dots, baseline, row.right, anchor="end", **style)  # type: ignore[arg-type]
            return
        x, anchor = {"center": (self.dots / 2, "middle"), "right": (self.dots, "end")}.get(
            row.align, (0, "start")
        )
        self._text(x, baseline, row.left, anchor=anchor, **style)  # type: ignore[arg-type]

    def rule(self, row: Row) -> None:
        mid = self._advance(row) + row_height(row, self.dots) // 2
        self.parts.append(
            f'<line x1="0" y1="{mid}" x2="{self.dots}" y2="{mid}" stroke="#000" stroke-width="2" '
            'stroke-dasharray="7 5"/>'
        )

    def feed(self, row: Row) -> None:
        self._advance(row)

    def qr(self, row: Row) -> None:
        top = self._advance(row)
        matrix = qr_matrix(row.data)
        box = qr_module_dots(row.data, self.dots)
        left = (self.dots - len(matrix) * box) // 2
        path = []
        for r, line in enumerate(matrix):
            for c, on in enumerate(line):
                if on:
                    path.append(f"M{left + c * box},{top + 6 + r * box}h{box}v{box}h-{box}z")
        self.parts.append(f'<path d="{"".join(path)}" fill="#000"/>')

    def barcode(self, row: Row) -> None:
        top = self._advance(row)
        bars = code128_modules(row.data)
        module = 2 if len(bars) * 2 <= self.dots - 24 else 1
        left = (self.dots - len(bars) * module) // 2
        path = [
            f"M{left + i * module},{top + 4}h{module}v{_BARCODE_HEIGHT}h-{module}z"
            for i, bit in enumerate(bars)
            if bit == "1"
        ]
        self.parts.append(f'<path d="{"".join(path)}" fill="#000"/>')
        baseline = top + _BARCODE_HEIGHT + 8 + _FONT - 4
        self._text(self.dots / 2, baseline, row.data, size=_FONT, anchor="middle", bold=False, white=False)

    def close(self) -> bytes:
        width, height = self.dots + 2 * MARGIN, self.y + 2 * MARGIN
        title = escape(f"Duplicate slip {self.slip.txn_id or ''}".strip())
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family={quoteattr(FONT_FAMILY)}>'
            f"<title>{title}</title>"
            f'<rect width="{width}" height="{height}" fill="#fff"/>'
            f'<g transform="translate({MARGIN},{MARGIN})">'
        )
        return (head + "".join(self.parts) + "</g></svg>\n").encode("utf-8")
