"""Bombs: small inputs that would take gigabytes or minutes are refused with a typed error (issue #18 item 9).

Each bomb is built cheaply in tmp_path; the test also bounds the time it takes
to refuse it, and ``tracemalloc`` bounds the memory Python allocates.
"""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

import receiptkit as rk
from receiptkit.errors import JournalError, ProofError, ReceiptkitError
from receiptkit.readers.table import MAX_COLUMNS, read_table

LIMIT_BYTES = 200 * 2**20  # far below what the bombs would take unchecked


def _bounded(call: Callable[[], object], error: type[Exception] = ReceiptkitError) -> Exception:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(error) as caught:
            call()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 30
    assert peak < LIMIT_BYTES, peak
    return caught.value


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _inflate_member(path: Path, member: str, size: int) -> Path:
    """Replace one part of a real workbook by ``size`` bytes of spaces (compresses about 1000 times)."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts.setdefault(member, b"")  # openpyxl writes no sharedStrings.xml: add one, as Excel writes
    out = path.with_name(path.stem + "-bomb.xlsx")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            if name == member:
                with target.open(name, "w", force_zip64=True) as handle:
                    chunk = b" " * 2**20
                    for _ in range(size // len(chunk)):
                        handle.write(chunk)
            else:
                target.writestr(name, data)
    return out


HEADER = ["交易时间", "金额", "参考号"]


def test_xlsx_that_inflates_to_gigabytes_is_refused_before_parsing(tmp_path) -> None:
    real = _workbook(tmp_path / "journal.xlsx", [HEADER, ["2026-01-15 14:30:25", "1.00", "R1"]])
    bomb = _inflate_member(real, "xl/worksheets/sheet1.xml", 1024 * 2**20)  # 1 GiB of spaces, ~1 MB on disk
    assert bomb.stat().st_size < 5 * 2**20
    mapping = {"交易时间": "ts", "金额": "amount", "参考号": "rrn"}
    error = _bounded(
        lambda: rk.read_journal(bomb, mapping=mapping, tz="Asia/Shanghai", currency="CNY"), JournalError
    )
    assert "decompression bomb" in str(error) and error.file == str(bomb)
    error = _bounded(lambda: rk.read_proofs(bomb), ProofError)
    assert "decompression bomb" in str(error)
    error = _bounded(lambda: rk.read_settlement(bomb))
    assert "decompression bomb" in str(error)


def test_real_workbook_still_reads(tmp_path) -> None:
    real = _workbook(
        tmp_path / "journal.xlsx", [HEADER, ["2026-01-15 14:30:25", 12.5, "R1"], [None, None, None]]
    )
    mapping = {"交易时间": "ts", "金额": "amount", "参考号": "rrn"}
    journal = rk.read_journal(real, mapping=mapping, tz="Asia/Shanghai", currency="CNY")
    assert journal["amount_minor"].tolist() == [1250] and journal["source_row"].tolist() == [2]


def test_a_lying_dimension_does_not_pad_rows(tmp_path) -> None:
    real = _workbook(tmp_path / "j.xlsx", [HEADER, ["2026-01-15 14:30:25", "1.00", "R1"]])
    with zipfile.ZipFile(real) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b'<dimension ref="A1:C2"/>', b'<dimension ref="A1:XFD1048576"/>'
    )
    lying = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(lying, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    started = time.perf_counter()
    raw = read_table(lying, header=HEADER)
    assert time.perf_counter() - started < 10
    assert raw.frame.shape == (1, 3)


def test_twenty_thousand_columns_are_refused(tmp_path) -> None:
    wide = ",".join(f"c{i}" for i in range(20_000))
    data = (",".join(HEADER) + "," + wide + "\n2026-01-15 14:30:25,1.00,R1\n").encode()
    error = _bounded(lambda: read_table(data, header=HEADER, name="wide.csv"))
    assert error.row == 1 and f"at most {MAX_COLUMNS:,}" in str(error)
    # a sheet holds at most 16,384 columns (XFD)
    book = _workbook(tmp_path / "wide.xlsx", [[*HEADER, *[f"c{i}" for i in range(16_000)]], ["x", "1", "R"]])
    error = _bounded(lambda: read_table(book, header=HEADER))
    assert error.row == 1 and "columns are read" in str(error)


def test_a_fifty_megabyte_cell_is_refused(tmp_path) -> None:
    cell = "9" * (50 * 2**20)
    data = (",".join(HEADER) + f"\n2026-01-15 14:30:25,{cell},R1\n").encode()
    error = _bounded(lambda: read_table(data, header=HEADER, name="big.csv"))
    assert error.row == 2
    real = _workbook(tmp_path / "cell.xlsx", [HEADER, ["2026-01-15 14:30:25", "1.00", "R1"]])
    bomb = _inflate_member(real, "xl/sharedStrings.xml", 50 * 2**20)
    error = _bounded(lambda: read_table(bomb, header=HEADER))
    assert "decompression bomb" in str(error)


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_a_400_megapixel_screenshot_is_refused_before_decoding() -> None:
    bomb = _png_header(20_000, 20_000)  # 400 megapixels (1.2 GB decoded) in about 100 bytes
    assert len(bomb) < 200
    error = _bounded(lambda: rk.read_proofs(io.BytesIO(bomb), name="shot.png"), ProofError)
    assert "pixel" in str(error) or "bomb" in str(error)
