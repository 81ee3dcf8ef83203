"""ESC/POS bytes: Chinese as FS & + GB18030, or raster; widths, sizes, QR, Code128, cut."""

from __future__ import annotations

import re

import pytest

from receiptkit.slip import DUPLICATE_BANNER, Slip
from receiptkit.slip.render_escpos import chinese_mode, encode_line, escpos_environment

from .conftest import PRINTED_AT, VERIFICATION

escpos_environment()
from escpos.printer import Dummy, File  # noqa: E402

FS_ON, FS_OFF = b"\x1c\x26", b"\x1c\x2e"


def make(journal, txn_id, **kwargs):
    kwargs.setdefault("printed_at", PRINTED_AT)
    kwargs.setdefault("verification", VERIFICATION)
    return Slip.from_transaction(journal.loc[txn_id], **kwargs)


def chinese_runs(data: bytes) -> list[str]:
    """Every FS & ... FS . run, decoded as GB18030."""
    return [m.decode("gb18030") for m in re.findall(rb"\x1c\x26(.*?)\x1c\x2e", data, flags=re.S)]


@pytest.mark.parametrize("width", ["80mm", "58mm"])
@pytest.mark.parametrize("txn_id", ["UP-0001", "EM-0001", "WX-0001"])
def test_chinese_is_gb18030_inside_fs_ampersand(journal, txn_id, width):
    slip = make(journal, txn_id, width=width)
    data = slip.to_escpos()
    runs = "".join(chinese_runs(data))
    assert "重打印" in runs
    outside = re.sub(rb"\x1c\x26.*?\x1c\x2e", b"", data, flags=re.S)
    # no Chinese left outside FS & ... FS . (neither UTF-8 nor bare GB18030)
    assert "重打印".encode() not in outside and "重打印".encode("gb18030") not in outside
    # every Chinese character of the document went out as GB18030, in order
    expected = "".join(ch for ch in slip.text() if not ch.isascii())
    assert "".join(ch for ch in runs if not ch.isascii()) == expected


def test_yen_sign_is_full_width_a3a4(journal):
    data = make(journal, "WX-0001").to_escpos()
    assert FS_ON + b"\xa3\xa4" + FS_OFF + b"88.00" in data
    assert encode_line("¥1") == FS_ON + b"\xa3\xa4" + FS_OFF + b"1"


@pytest.mark.parametrize(("width", "cols"), [("80mm", 48), ("58mm", 32)])
def test_rules_span_the_columns(journal, width, cols):
    data = make(journal, "EM-0001", width=width).to_escpos()
    assert b"\n" + b"-" * cols + b"\n" in data
    assert b"-" * (cols + 1) not in data


def test_cjk_counts_two_columns_in_the_bytes(journal):
    data = make(journal, "UP-0001", width="58mm").to_escpos()
    line = next(raw for raw in data.split(b"\n") if raw.startswith(FS_ON) and b"(TERMINAL NO.):" in raw)
    text = line.replace(FS_ON, b"").replace(FS_OFF, b"").decode("gb18030")
    cells = sum(2 if ord(c) > 0x2E80 else 1 for c in text)
    assert cells == 32 and text.endswith("10086123")


def test_banner_and_amount_are_bold_double_size(journal):
    data = make(journal, "UP-0001").to_escpos()
    double, normal, bold = b"\x1d!\x11", b"\x1d!\x00", b"\x1bE\x01"
    banner = data.index(b"DUPLICATE ")
    assert data.rfind(double, 0, banner) > data.rfind(normal, 0, banner)
    assert data.rfind(bold, 0, banner) != -1
    amount = data.index(b"RMB 128.50")
    assert data.rfind(double, 0, amount) > data.rfind(normal, 0, amount)
    assert data.count(b"DUPLICATE ") == 2


def test_native_qr_code128_and_cut(journal):
    data = make(journal, "UP-0001").to_escpos()
    payload = VERIFICATION[1].encode()
    assert b"\x1d(k" in data and payload in data  # GS ( k store data
    assert b"\x1dkI" in data and b"{B412212345678" in data  # GS k 73 Code128, code set B
    assert data.rstrip(b"\x00").endswith(b"\x1dV\x00") or b"\x1dV" in data[-8:]


def test_qr_is_an_image_where_the_profile_has_no_native_qr(journal):
    printer = Dummy(profile="POS-5890")
    data = make(journal, "UP-0001", width="58mm").to_escpos(printer)
    assert b"\x1d(k" not in data
    assert b"\x1dv0" in data  # GS v 0 raster
    assert printer.output == data
    assert chinese_mode(printer.profile) == "native" and FS_ON in data


def test_raster_chinese_where_the_profile_has_no_chinese_font(journal):
    printer = Dummy(profile="TM-T88V")
    assert chinese_mode(printer.profile) == "raster"
    slip = make(journal, "UP-0001")
    data = slip.to_escpos(printer)
    assert FS_ON not in data
    assert "重打印".encode("gb18030") not in data and "重打印".encode() not in data
    chinese_rows = sum(1 for r in slip.rows() if r.kind == "text" and not r.left.isascii())
    assert data.count(b"\x1dv0") == chinese_rows  # each Chinese row is an image
    english = make(journal, "EM-0001").to_escpos(Dummy(profile="TM-T88V"))
    assert b"413011223344" in english and b"HKD 456.00" in english  # ASCII rows stay text
    assert english.count(b"\x1dv0") == 2 + 1  # the two banners and the remark line
    # the image is the 576-dot row scaled to the 512-dot paper of the TM-T88V
    header = data[data.index(b"\x1dv0") :][:8]
    assert header[4] + 256 * header[5] == 512 // 8


def test_forced_modes(journal):
    slip = make(journal, "WX-0001")
    assert FS_ON not in slip.to_escpos(chinese="raster")
    assert FS_ON in slip.to_escpos(Dummy(profile="TM-T88V"), chinese="native")
    with pytest.raises(ValueError):
        slip.to_escpos(chinese="maybe")


def test_any_python_escpos_printer_gets_the_same_bytes(journal, tmp_path):
    slip = make(journal, "EM-0001")
    target = tmp_path / "lp0"
    printer = File(devfile=str(target))
    sent = slip.to_escpos(printer)
    printer.close()
    assert target.read_bytes() == sent == slip.to_escpos()
    assert sent.startswith(b"\x1b@")


def test_declined_note_is_printed_inverted(journal):
    data = make(journal, "EM-0002").to_escpos()
    at = data.index(b"DECLINED")
    assert data.rfind(b"\x1dB\x01", 0, at) > data.rfind(b"\x1dB\x00", 0, at)
    assert DUPLICATE_BANNER.split()[0].encode() in data
