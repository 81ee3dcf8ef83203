"""Renderers behind one command interface: the registry, the built-in targets, a new target in a few lines."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from io import BytesIO

import pytest
from escpos.printer import Dummy
from PIL import Image

from receiptkit.errors import ReceiptkitError
from receiptkit.slip import Slip
from receiptkit.slip.render_png import MARGIN
from receiptkit.slip.targets import COMMANDS, TARGETS, Target, available_targets, register_target, render

from .conftest import PRINTED_AT, VERIFICATION


@pytest.fixture
def slip(journal) -> Slip:
    return Slip.from_transaction(journal.loc["UP-0001"], printed_at=PRINTED_AT, verification=VERIFICATION)


def test_builtin_targets_are_the_slip_outputs(slip, tmp_path):
    assert {"escpos", "pdf", "png", "svg", "text"} <= set(available_targets())
    assert slip.render("escpos") == slip.to_escpos()
    assert slip.render("escpos", printer=Dummy(profile="TM-T88V"), chinese="raster") == slip.to_escpos(
        Dummy(profile="TM-T88V"), chinese="raster"
    )
    assert slip.render("png") == slip.to_png()
    assert slip.render("pdf") == slip.to_pdf()
    assert slip.render("text").decode("utf-8") == slip.text()
    path = tmp_path / "slip.svg"
    assert slip.render("svg", path) == path.read_bytes()


def test_the_escpos_target_sends_exactly_what_it_returns(slip):
    printer = Dummy()
    data = slip.render("escpos", printer=printer)
    assert printer.output == data


def test_an_unknown_target_or_option_is_an_error(slip):
    with pytest.raises(ReceiptkitError, match="unknown slip target 'star'"):
        slip.render("star")
    with pytest.raises(TypeError, match="no option"):
        slip.render("text", dpi=300)


def test_a_new_target_is_one_class_and_gets_every_row_through_the_commands(slip):
    seen: list[tuple[str, str]] = []

    @register_target
    class Recorder(Target):
        name = "recorder"

        def open(self) -> None:
            seen.append(("open", ""))

        def text(self, row):
            seen.append(("text", row.left))

        def qr(self, row):
            seen.append(("qr", row.data))

        def close(self) -> bytes:
            seen.append(("close", ""))
            return b"done"

    try:
        assert render(slip, "recorder") == b"done"
    finally:
        del TARGETS["recorder"]
    rows = slip.rows()
    expected = [
        ("text", r.left) if r.kind == "text" else ("qr", r.data) for r in rows if r.kind in ("text", "qr")
    ]
    assert seen == [("open", ""), *expected, ("close", "")]  # rules, feeds, barcodes: the no-op defaults
    assert {r.kind for r in rows} <= set(COMMANDS)


def test_svg_has_the_png_geometry_and_real_text(slip):
    svg = ET.fromstring(slip.render("svg"))
    png = Image.open(BytesIO(slip.to_png()))
    assert (int(svg.get("width")), int(svg.get("height"))) == png.size == (slip.dots + 2 * MARGIN, png.height)
    texts = "".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "DUPLICATE 重打印" in texts and VERIFICATION[0] in texts
    assert len(list(svg.iter("{http://www.w3.org/2000/svg}path"))) == 2  # the QR code and the barcode


def test_importing_the_slip_package_does_not_import_the_renderers():
    code = (
        "import sys, receiptkit.slip, receiptkit.slip.targets\n"
        "print(sorted(m for m in ('escpos', 'reportlab', 'PIL') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"
