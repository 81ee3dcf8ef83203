"""ESC/POS bytes of a slip through python-escpos, to any python-escpos printer object.

Chinese text (any character outside ASCII) reaches the printer in one of two ways:

``native``  ``FS &`` (1C 26, Chinese character mode on), the text as GB18030
            bytes, ``FS .`` (1C 2E, Chinese mode off). python-escpos has no GB
            code page and its magic encoder sends Chinese without ``FS &``, so
            the bytes are written through the printer's raw channel.
``raster``  the row is drawn with the shipped font (:mod:`render_png`) and
            sent as a ``GS v 0`` raster image: for printers without a Chinese font.

``chinese="auto"`` picks ``native`` for the printer profiles in
:data:`CHINESE_TEXT_PROFILES` (the generic profile and printers sold with a
GB18030 font) and ``raster`` for the others. ``¥`` is never sent: CNY amounts
are printed as ``RMB`` or the full-width ``￥`` (GB18030 ``A3 A4``).

Columns: 48 (80 mm, 576 dots) or 32 (58 mm, 384 dots), a CJK character counts
as two. Banners and the amount are bold and double size, the banner inverted.
The verification QR is native (``GS ( k``) when the profile supports it, an
image otherwise; the reference is a Code128 barcode; the paper is cut.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from receiptkit.slip.document import Row, row_text
from receiptkit.slip.targets import Target, register_target
from receiptkit.slip.targets import render as render_target

if TYPE_CHECKING:
    from receiptkit.slip.document import Slip

__all__ = [
    "CHINESE_TEXT_PROFILES",
    "FS_CHINESE_OFF",
    "FS_CHINESE_ON",
    "EscposTarget",
    "chinese_mode",
    "encode_line",
    "escpos_environment",
    "render",
]

FS_CHINESE_ON = b"\x1c\x26"
FS_CHINESE_OFF = b"\x1c\x2e"

#: python-escpos profile names whose printers take GB18030 text after ``FS &``.
#: ``default`` is the generic ESC/POS printer, which in China ships with a GB18030 font.
CHINESE_TEXT_PROFILES: frozenset[str] = frozenset(
    {"default", "POS-5890", "ZJ-5870", "NT-5890K", "NT-80-V-UL", "RP326", "Sunmi-V2", "KR-306", "P822D"}
)


def escpos_environment() -> None:
    """Prepare for importing python-escpos: a stable folder for its capabilities pickle.

    Without ``ESCPOS_CAPABILITIES_PICKLE_DIR`` python-escpos makes a new temporary
    folder in every process. The variable is left alone when already set.
    """
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
        folder = (
            Path(tempfile.gettempdir()) / f"receiptkit-escpos-{os.getuid() if hasattr(os, 'getuid') else 0}"
        )
        folder.mkdir(parents=True, exist_ok=True)
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(folder)
    _load_capabilities()


def _load_capabilities() -> None:
    """Import python-escpos' printer database once, so that a half-written pickle cannot fail a print.

    python-escpos 3.1 writes its capabilities pickle in place (``open(..., "wb")``, then ``pickle.dump``): a
    second process starting at that moment reads a half-written file and fails with ``EOFError``. Two tills
    reprinting at once on a fresh machine hit it, and the clerk was told to check the printer (clean room 13,
    F2). The database is then read again from a folder of this process's own (the pickle is only a cache).
    """
    import pickle
    import sys

    if "escpos.capabilities" in sys.modules:
        return
    try:
        import escpos.capabilities
    except (EOFError, pickle.UnpicklingError):
        sys.modules.pop("escpos.capabilities", None)  # Python drops a failed import; to be sure
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = tempfile.mkdtemp(prefix="receiptkit-escpos-")
        import escpos.capabilities  # noqa: F401


def profile_name(profile: Any) -> str | None:
    """The capabilities key of a python-escpos profile object (``"default"``, ``"TM-T88V"``...)."""
    escpos_environment()
    from escpos.capabilities import CAPABILITIES

    data = getattr(profile, "profile_data", None)
    for name, candidate in CAPABILITIES["profiles"].items():
        if candidate is data:
            return name
    return None


def chinese_mode(profile: Any, chinese: str = "auto") -> str:
    """``"native"`` or ``"raster"`` for ``profile`` (see module docs)."""
    if chinese in ("native", "raster"):
        return chinese
    if chinese != "auto":
        raise ValueError("chinese must be 'auto', 'native' or 'raster'")
    return "native" if profile_name(profile) in CHINESE_TEXT_PROFILES else "raster"


def _runs(text: str) -> Iterator[tuple[bool, str]]:
    """Split text into (is_ascii, run) pieces."""
    if not text:
        return
    current = text[0]
    ascii_now = text[0].isascii()
    for char in text[1:]:
        if char.isascii() == ascii_now:
            current += char
        else:
            yield ascii_now, current
            current, ascii_now = char, char.isascii()
    yield ascii_now, current


def encode_line(text: str) -> bytes:
    """ASCII as is, everything else as ``FS &`` + GB18030 + ``FS .``.

    >>> encode_line("金额 RMB 1.00")
    b'\\x1c&\\xbd\\xf0\\xb6\\xee\\x1c. RMB 1.00'
    >>> encode_line("￥8").hex(" ")
    '1c 26 a3 a4 1c 2e 38'
    """
    out = bytearray()
    for is_ascii, run in _runs(text.replace("¥", "￥")):
        if is_ascii:
            out += run.encode("ascii")
        else:
            out += FS_CHINESE_ON + run.encode("gb18030") + FS_CHINESE_OFF
    return bytes(out)


class _Style:
    """Tracks the printer's text style so that only changes are sent."""

    def __init__(self) -> None:
        self.double = False
        self.bold = False
        self.inverse = False

    def apply(self, printer: Any, row: Row) -> None:
        if row.double != self.double:
            # GS ! (custom size) enlarges Chinese characters too; ESC ! does not on Epson models
            if row.double:
                printer.set(custom_size=True, width=2, height=2)
            else:
                printer.set(custom_size=True, width=1, height=1)
            self.double = row.double
        if row.bold != self.bold:
            printer.set(bold=row.bold)
            self.bold = row.bold
        if row.inverse != self.inverse:
            printer.set(invert=row.inverse)
            self.inverse = row.inverse


def _image_impl(profile: Any) -> str:
    if profile.supports("bitImageRaster"):
        return "bitImageRaster"
    if profile.supports("graphics"):
        return "graphics"
    return "bitImageColumn"


def _profile_pixels(profile: Any) -> int | None:
    try:
        return int(profile.profile_data["media"]["width"]["pixels"])
    except (KeyError, TypeError, ValueError):
        return None


def _send_image(printer: Any, rows: list[Row], dots: int) -> None:
    """Draw rows with the shipped font and send them as one raster image."""
    from PIL import Image

    from receiptkit.slip.render_png import draw_rows

    image = draw_rows(rows, dots).point(lambda v: 0 if v < 128 else 255).convert("1")
    limit = _profile_pixels(printer.profile)
    if limit is not None and image.width > limit:
        image = image.resize((limit, max(1, image.height * limit // image.width)), Image.Resampling.NEAREST)
    impl = _image_impl(printer.profile)
    if impl == "bitImageRaster":
        # GS v 0 written here: python-escpos' image() prints a notice to stdout for profiles
        # without a known paper width (such as the generic one); the conversion is still its own.
        from escpos.image import EscposImage

        im = EscposImage(image)
        for piece in [EscposImage(p) for p in im.split(960)] if im.height > 960 else [im]:
            header = b"\x1dv0\x00" + _low_high(piece.width_bytes) + _low_high(piece.height)
            printer._raw(header + piece.to_raster_format())
    else:
        printer.image(image, impl=impl)


def _low_high(value: int) -> bytes:
    return bytes((value & 0xFF, (value >> 8) & 0xFF))


def _barcode_fits(data: str, dots: int) -> bool:
    modules = (len(data) + 3) * 11 + 2  # start, data, check, stop (+2), set B
    return modules * 2 <= dots


@register_target
class EscposTarget(Target):
    """ESC/POS bytes, built on a python-escpos ``Dummy`` with the printer's profile.

    Options: ``printer`` (a python-escpos printer object: its profile is used,
    and the bytes are written to it in one piece at :meth:`close`) and
    ``chinese`` (``"auto"``, ``"native"`` or ``"raster"``, see the module docs).
    """

    name, suffix = "escpos", ".bin"

    def __init__(self, slip: Slip, *, printer: Any = None, chinese: str = "auto") -> None:
        super().__init__(slip)
        self.printer = printer
        self.chinese = chinese

    def open(self) -> None:
        escpos_environment()
        from escpos.printer import Dummy

        self.buf = buf = Dummy()
        if self.printer is not None:
            buf.profile = self.printer.profile
        self.mode = chinese_mode(buf.profile, self.chinese)
        self.cols, self.dots = self.slip.cols, self.slip.dots
        self.style = _Style()
        buf.hw("INIT")
        buf.set(align="left")

    def text(self, row: Row) -> None:
        buf, cols = self.buf, self.cols
        line = row_text(row, cols)
        if row.inverse:
            width = cols // 2 if row.double else cols
            line = line + " " * max(0, width - _cells(line))
        if self.mode == "raster" and not line.isascii():
            _send_image(buf, [row], self.dots)
            return
        self.style.apply(buf, row)
        buf._raw(encode_line(line) + b"\n")

    def rule(self, row: Row) -> None:
        self.style.apply(self.buf, Row("text"))
        self.buf._raw((row.data or "-").encode("ascii", "replace") * self.cols + b"\n")

    def feed(self, row: Row) -> None:
        self.buf._raw(b"\n")

    def qr(self, row: Row) -> None:
        from escpos.constants import QR_ECLEVEL_M

        from receiptkit.slip.render_png import qr_module_dots

        buf = self.buf
        self.style.apply(buf, Row("text"))
        if buf.profile.supports("qrCode"):
            buf.set(align="center")
            buf.qr(row.data, ec=QR_ECLEVEL_M, size=qr_module_dots(row.data, self.dots), native=True)
            buf._raw(b"\n")
            buf.set(align="left")
        else:
            _send_image(buf, [row], self.dots)

    def barcode(self, row: Row) -> None:
        buf = self.buf
        self.style.apply(buf, Row("text"))
        if buf.profile.supports("barcodeB") and _barcode_fits(row.data, self.dots):
            # python-escpos' own hardware barcode (barcode() would print a notice to stdout)
            buf._hw_barcode("{B" + row.data, "CODE128", height=64, width=2, pos="BELOW", function_type="B")
            buf.set(align="left")
        else:
            _send_image(buf, [row], self.dots)

    def close(self) -> bytes:
        self.style.apply(self.buf, Row("text"))
        self.buf.cut()
        data: bytes = self.buf.output
        if self.printer is not None:
            self.printer._raw(data)
        return data


def render(slip: Slip, printer: Any = None, *, chinese: str = "auto") -> bytes:
    """ESC/POS bytes of ``slip``; also sent to ``printer`` when given (the ``escpos`` target).

    The bytes are built on a python-escpos ``Dummy`` with the printer's
    profile (the generic profile when ``printer`` is None), then written to
    ``printer`` in one piece, so what is returned is exactly what was sent.
    ``chinese`` is ``"auto"``, ``"native"`` or ``"raster"`` (see module docs).
    """
    return render_target(slip, "escpos", printer=printer, chinese=chinese)


def _cells(text: str) -> int:
    from receiptkit.slip.document import cell_width

    return cell_width(text)
