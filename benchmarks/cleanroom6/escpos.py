"""A minimal ESC/POS decoder, written from the command set (FIELD-NOTES: text between ``FS &`` and ``FS .``
is GB18030, everything else single-byte; commands and their parameters are skipped).

Returns the printed text, the QR code payloads stored with ``GS ( k`` and the commands it did not know
(an unknown command is reported, never guessed through).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10

# ESC x: number of parameter bytes
ESC_FIXED = {
    ord("@"): 0,
    ord("a"): 1,
    ord("E"): 1,
    ord("!"): 1,
    ord("d"): 1,
    ord("t"): 1,
    ord("-"): 1,
    ord("2"): 0,
    ord("3"): 1,
    ord("J"): 1,
    ord("G"): 1,
    ord("M"): 1,
    ord("{"): 1,
    ord("V"): 1,
    ord("R"): 1,
    ord("c"): 2,
    ord("p"): 3,
    ord("="): 1,
    ord("r"): 1,
    ord("e"): 1,
    ord(" "): 1,
    ord("%"): 1,
    ord("U"): 1,
    ord("i"): 0,
    ord("m"): 0,
    ord("S"): 0,
    ord("L"): 0,
    ord("T"): 1,
}
GS_FIXED = {
    ord("!"): 1,
    ord("B"): 1,
    ord("H"): 1,
    ord("h"): 1,
    ord("w"): 1,
    ord("f"): 1,
    ord("a"): 1,
    ord("b"): 1,
    ord("r"): 1,
    ord("I"): 1,
    ord("L"): 2,
    ord("W"): 2,
    ord("P"): 2,
    ord("$"): 2,
    ord("\\"): 2,
    ord("^"): 3,
    ord(":"): 0,
}


@dataclass
class Decoded:
    text: str
    qr: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    cut: bool = False
    rasters: int = 0


def decode(data: bytes) -> Decoded:
    out: list[str] = []
    plain = bytearray()
    qr: list[str] = []
    unknown: list[str] = []
    cut = False
    rasters = 0
    chinese = False
    i, n = 0, len(data)

    def flush() -> None:
        if plain:
            out.append(plain.decode("gb18030" if chinese else "latin-1", errors="replace"))
            plain.clear()

    while i < n:
        b = data[i]
        if b == ESC and i + 1 < n:
            c = data[i + 1]
            if c in ESC_FIXED:
                i += 2 + ESC_FIXED[c]
            elif c == ord("*") and i + 4 < n:  # ESC * m nL nH data
                m, nl, nh = data[i + 2], data[i + 3], data[i + 4]
                k = nl + 256 * nh
                i += 5 + (k * 3 if m in (32, 33) else k)
            elif c in (ord("$"), ord("\\")):
                i += 4
            else:
                unknown.append(f"ESC {c:#04x} at {i}")
                i += 2
            continue
        if b == GS and i + 1 < n:
            c = data[i + 1]
            if c in GS_FIXED:
                i += 2 + GS_FIXED[c]
            elif c == ord("V"):  # GS V m [n]
                cut = True
                m = data[i + 2] if i + 2 < n else 0
                i += 3 + (1 if m in (65, 66, 97, 98, 103, 104) else 0)
            elif c == ord("(") and i + 4 < n:  # GS ( fn pL pH data
                fn, pl, ph = data[i + 2], data[i + 3], data[i + 4]
                k = pl + 256 * ph
                body = data[i + 5 : i + 5 + k]
                if fn == ord("k") and len(body) >= 3 and body[0] == 49 and body[1] == 80:
                    qr.append(body[3:].decode("utf-8", errors="replace"))
                i += 5 + k
            elif c == ord("8") and i + 6 < n:  # GS 8 L p1..p4 data
                k = int.from_bytes(data[i + 3 : i + 7], "little")
                i += 7 + k
            elif c == ord("v") and i + 7 < n:  # GS v 0 m xL xH yL yH data
                xb = data[i + 4] + 256 * data[i + 5]
                yb = data[i + 6] + 256 * data[i + 7]
                rasters += 1
                i += 8 + xb * yb
            elif c == ord("k") and i + 2 < n:  # GS k m ...
                m = data[i + 2]
                if m <= 6:  # NUL-terminated
                    j = data.index(0, i + 3) if 0 in data[i + 3 :] else n - 1
                    i = j + 1
                else:
                    k = data[i + 3]
                    i += 4 + k
            else:
                unknown.append(f"GS {c:#04x} at {i}")
                i += 2
            continue
        if b == FS and i + 1 < n:
            c = data[i + 1]
            if c == ord("&"):
                flush()
                chinese = True
                i += 2
            elif c == ord("."):
                flush()
                chinese = False
                i += 2
            elif c in (ord("!"), ord("-"), ord("C"), ord("W")):
                i += 3
            else:
                unknown.append(f"FS {c:#04x} at {i}")
                i += 2
            continue
        if b == DLE and i + 2 < n and data[i + 1] == 0x04:
            i += 3
            continue
        if b in (0x0A, 0x0D, 0x09) or b >= 0x20:
            plain.append(b)
            i += 1
            continue
        i += 1  # other control bytes (LF variants, HT handled above)
    flush()
    return Decoded("".join(out), qr, unknown, cut, rasters)
