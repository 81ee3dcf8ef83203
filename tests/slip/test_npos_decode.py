"""Decode our ESC/POS bytes with npos, an independent open-source parser (npm, MIT).

`make test` installs it into tests/.node (`make node-tools`). The test skips only
when node or npm are missing from the machine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from receiptkit.slip import DUPLICATE_BANNER, DUPLICATE_REMARK, Slip

from .conftest import PRINTED_AT, VERIFICATION
from .test_document import EXPECTED

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE.parent / ".node"
NPOS = NODE_DIR / "node_modules" / "npos"
SCRIPT = HERE / "npos_decode.js"


@pytest.fixture(scope="module")
def npos() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed for the npos ESC/POS decoder and are not installed")
    if not (NPOS / "package.json").is_file():
        subprocess.run(
            [
                npm,
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--prefix",
                str(NODE_DIR),
                "npos@0.1.19",
            ],
            check=True,
            timeout=300,
        )
    return NPOS


def decode(npos: Path, data: bytes, tmp_path: Path) -> dict:
    path = tmp_path / "slip.bin"
    path.write_bytes(data)
    done = subprocess.run(
        ["node", str(SCRIPT), str(npos), str(path)], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return json.loads(done.stdout)


@pytest.mark.parametrize("width", ["80mm", "58mm"])
@pytest.mark.parametrize("txn_id", sorted(EXPECTED))
def test_npos_reads_every_field_chinese_included(npos, journal, txn_id, width, tmp_path):
    slip = Slip.from_transaction(
        journal.loc[txn_id], printed_at=PRINTED_AT, width=width, verification=VERIFICATION
    )
    result = decode(npos, slip.to_escpos(), tmp_path)
    text = result["text"]
    flat = "".join(text.split())
    for value in [*EXPECTED[txn_id], DUPLICATE_BANNER, DUPLICATE_REMARK, "7KQ2-9XZD"]:
        assert "".join(value.split()) in flat, value
    assert flat.count("".join(DUPLICATE_BANNER.split())) == 2
    assert text.splitlines()[0].strip() == DUPLICATE_BANNER
    for command in ("ESC@", "FS&", "FS.", "GS!", "GS(k", "GSV"):
        assert command in result["commands"], command
    # Code128: native, or an image when too long for 2-dot modules on the paper
    assert "GSk" in result["commands"] or "GSv0" in result["commands"]


def test_npos_sees_raster_not_text_for_a_printer_without_chinese(npos, journal, tmp_path):
    from receiptkit.slip.render_escpos import escpos_environment

    escpos_environment()
    from escpos.printer import Dummy

    data = Slip.from_transaction(journal.loc["EM-0001"], printed_at=PRINTED_AT).to_escpos(
        Dummy(profile="TM-T88V")
    )
    result = decode(npos, data, tmp_path)
    assert "raster" in result["types"]
    assert "HKD 456.00" in result["text"] and "重打印" not in result["text"]
