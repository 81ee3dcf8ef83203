"""The signed verification code on a slip: the QR payload and the public key's fingerprint, in every output."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from receiptkit.slip import Slip
from receiptkit.verification import canonical_fields, load_key, make_code, verify

from .conftest import PRINTED_AT

KEY = bytes(range(32))


def _code(row):
    return make_code(canonical_fields(row, 1, PRINTED_AT), KEY)


@pytest.mark.parametrize("width", ["80mm", "58mm"])
@pytest.mark.parametrize("lang", ["zh", "en", "zh-en"])
def test_the_fingerprint_is_printed_whole_under_the_code(journal, width, lang):
    row = journal.loc["UP-0001"]
    code = _code(row)
    fingerprint = load_key(KEY).public_key().fingerprint
    assert code.key_fingerprint == fingerprint
    slip = Slip.from_transaction(row, printed_at=PRINTED_AT, width=width, lang=lang, verification=code)
    lines = slip.text().splitlines()
    at = next(i for i, line in enumerate(lines) if fingerprint in line)  # never split across lines
    assert code.short_code in lines[at - 1] or code.short_code in lines[at - 2]
    assert ("公钥指纹" if lang != "en" else "PUBLIC KEY") in lines[at] + lines[at - 1]
    qr = [r.data for r in slip.rows() if r.kind == "qr"]
    assert qr == [code.qr_payload] and verify(qr[0], public_key=load_key(KEY).public_key()).genuine


def test_every_renderer_carries_the_fingerprint_and_the_signed_payload(journal):
    row = journal.loc["UP-0001"]
    code = _code(row)
    signed = Slip.from_transaction(row, printed_at=PRINTED_AT, verification=code)
    unsigned = Slip.from_transaction(
        row, printed_at=PRINTED_AT, verification=(code.short_code, code.qr_payload)
    )
    fingerprint = code.key_fingerprint
    assert fingerprint not in unsigned.text()

    escpos = signed.to_escpos()
    assert fingerprint.encode("ascii") in escpos and code.qr_payload.encode("ascii") in escpos  # native QR
    assert fingerprint.encode("ascii") not in unsigned.to_escpos()

    text = "".join(PdfReader(io.BytesIO(signed.to_pdf())).pages[0].extract_text().split())
    assert fingerprint in text and code.short_code in text

    with_print = Image.open(io.BytesIO(signed.to_png()))
    without = Image.open(io.BytesIO(unsigned.to_png()))
    assert with_print.width == without.width and with_print.height > without.height  # one more line


def test_a_verification_triple_is_accepted(journal):
    row = journal.loc["WX-0001"]
    slip = Slip.from_transaction(
        row, printed_at=PRINTED_AT, verification=("ABCDE-FGHJK", "RK2|x", "ABCD-EFGH")
    )
    assert "ABCD-EFGH" in slip.text()


@pytest.mark.parametrize("width", ["80mm", "58mm"])
def test_the_signed_qr_scans_back_from_the_png(journal, width):
    """A QR decoder (OpenCV's, where installed) reads the signed payload off the picture, and it verifies."""
    cv2 = pytest.importorskip("cv2")
    import numpy as np

    row = journal.loc["UP-0001"]
    code = _code(row)
    png = Slip.from_transaction(row, printed_at=PRINTED_AT, width=width, verification=code).to_png()
    image = cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_COLOR)
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert text == code.qr_payload and len(text.encode()) < 400
    assert verify(text, public_key=load_key(KEY).public_key()).genuine
