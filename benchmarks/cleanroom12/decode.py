"""Independent decoders of the three outputs.

ESC/POS: a decoder written here from the command set (FIELD-NOTES, "Checking ESC/POS bytes
independently"; docs/slips.md, "ESC/POS"): commands are stripped, text between ``FS &`` and
``FS .`` is GB18030, other text is in the code page chosen by ``ESC t`` (PC437 by default).
Raster images (``GS v 0``) are counted, not read: text drawn as an image is missing from the
decoded text and counted so. PDF: pypdf's text extraction. PNG: rapidocr offline (FIELD-NOTES,
"OCR of payment screenshots, offline"), or nothing when it is not installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CODEPAGES = {0: "cp437", 2: "cp850", 3: "cp860", 16: "cp1252", 17: "cp866", 19: "cp858"}


class EscposDecodeError(ValueError):
    """A byte sequence the decoder does not know: reported, never guessed over."""


@dataclass
class Escpos:
    """What the decoder saw."""

    text: str
    rasters: int = 0
    qr: list[bytes] = field(default_factory=list)
    barcodes: list[bytes] = field(default_factory=list)
    cut: bool = False
    inverted_text: str = ""
    double_text: str = ""


def decode_escpos(data: bytes) -> Escpos:
    """Strip commands and decode text; raise EscposDecodeError on an unknown command."""
    out: list[str] = []
    inv: list[str] = []
    dbl: list[str] = []
    res = Escpos(text="")
    i = 0
    n = len(data)
    kanji = False
    codepage = "cp437"
    inverted = False
    double = False
    pending = bytearray()

    def flush() -> None:
        if not pending:
            return
        s = bytes(pending).decode("gb18030" if kanji else codepage, errors="replace")
        out.append(s)
        if inverted:
            inv.append(s)
        if double:
            dbl.append(s)
        pending.clear()

    def need(k: int) -> None:
        if i + k > n:
            raise EscposDecodeError(f"command cut at byte {i}")

    while i < n:
        b = data[i]
        if b == 0x0A:
            flush()
            out.append("\n")
            inv.append("\n")
            dbl.append("\n")
            i += 1
        elif b == 0x0D:
            i += 1
        elif b == 0x1B:  # ESC
            need(2)
            c = data[i + 1]
            if c == 0x40:  # ESC @
                flush()
                kanji, codepage, inverted, double = False, "cp437", False, False
                i += 2
            elif c in (
                0x61,
                0x45,
                0x2D,
                0x64,
                0x4A,
                0x4D,
                0x21,
                0x47,
                0x33,
                0x7B,
                0x52,
                0x56,
                0x72,
                0x65,
                0x20,
            ):
                need(3)
                i += 3
            elif c == 0x74:  # ESC t n
                need(3)
                flush()
                codepage = CODEPAGES.get(data[i + 2], "cp437")
                i += 3
            elif c == 0x32:  # ESC 2
                i += 2
            elif c == 0x24:  # ESC $ nL nH
                i += 4
            elif c == 0x70:  # ESC p m t1 t2
                i += 5
            elif c == 0x2A:  # ESC * m nL nH data (bit image)
                need(5)
                m, nl, nh = data[i + 2], data[i + 3], data[i + 4]
                width = nl + 256 * nh
                i += 5 + width * (3 if m in (32, 33) else 1)
                res.rasters += 1
            else:
                raise EscposDecodeError(f"unknown ESC {c:#04x} at byte {i}")
        elif b == 0x1D:  # GS
            need(2)
            c = data[i + 1]
            if c == 0x21:  # GS ! n
                need(3)
                flush()
                double = data[i + 2] != 0
                i += 3
            elif c == 0x42:  # GS B n
                need(3)
                flush()
                inverted = data[i + 2] != 0
                i += 3
            elif c in (0x48, 0x66, 0x68, 0x77, 0x61, 0x72):
                i += 3
            elif c == 0x4C or c == 0x57:  # GS L / GS W nL nH
                i += 4
            elif c == 0x56:  # GS V m [n]
                need(3)
                m = data[i + 2]
                i += 4 if m in (65, 66, 97, 98, 103, 104) else 3
                res.cut = True
            elif c == 0x6B:  # GS k m ...
                need(3)
                m = data[i + 2]
                if m >= 65:
                    k = data[i + 3]
                    res.barcodes.append(data[i + 4 : i + 4 + k])
                    i += 4 + k
                else:
                    j = data.index(0, i + 3)
                    res.barcodes.append(data[i + 3 : j])
                    i = j + 1
            elif c == 0x28:  # GS ( x pL pH ...
                need(5)
                fn = data[i + 2]
                length = data[i + 3] + 256 * data[i + 4]
                body = data[i + 5 : i + 5 + length]
                if fn == 0x6B and len(body) >= 3 and body[1] == 49 and body[2] == 80:
                    res.qr.append(bytes(body[3:]))
                i += 5 + length
            elif c == 0x76:  # GS v 0 m xL xH yL yH data
                need(8)
                xb = data[i + 4] + 256 * data[i + 5]
                yb = data[i + 6] + 256 * data[i + 7]
                flush()
                out.append("\n[RASTER]\n")
                res.rasters += 1
                i += 8 + xb * yb
            else:
                raise EscposDecodeError(f"unknown GS {c:#04x} at byte {i}")
        elif b == 0x1C:  # FS
            need(2)
            c = data[i + 1]
            if c == 0x26:
                flush()
                kanji = True
                i += 2
            elif c == 0x2E:
                flush()
                kanji = False
                i += 2
            elif c in (0x21, 0x2D, 0x57, 0x43):
                i += 3
            elif c == 0x53:
                i += 4
            else:
                raise EscposDecodeError(f"unknown FS {c:#04x} at byte {i}")
        elif b == 0x10:  # DLE EOT n / DLE ENQ n
            i += 3
        elif b < 0x20 and b not in (0x09,):
            raise EscposDecodeError(f"stray control byte {b:#04x} at byte {i}")
        else:
            pending.append(b)
            if kanji and b >= 0x81:
                # keep a GB18030 sequence whole (2 or 4 bytes)
                need(2)
                pending.append(data[i + 1])
                if 0x30 <= data[i + 1] <= 0x39:
                    need(4)
                    pending.extend(data[i + 2 : i + 4])
                    i += 4
                else:
                    i += 2
            else:
                i += 1
    flush()
    res.text = "".join(out)
    res.inverted_text = "".join(inv)
    res.double_text = "".join(dbl)
    return res


def pdf_text(path: Path) -> str:
    """Text of every page, by pypdf."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


class Ocr:
    """rapidocr, loaded once; ``available`` is False when it is not installed."""

    def __init__(self) -> None:
        try:
            import logging

            from rapidocr import RapidOCR

            logging.getLogger("RapidOCR").setLevel(logging.ERROR)
            self.engine = RapidOCR()
            self.available = True
            self.why = ""
        except Exception as exc:
            self.engine = None
            self.available = False
            self.why = f"{type(exc).__name__}: {exc}"

    def text(self, path: Path) -> str:
        """One line per box the OCR found."""
        result = self.engine(str(path))  # type: ignore[misc]
        return "\n".join(result.txts or ())
