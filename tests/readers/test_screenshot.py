"""Screenshots read end to end by the OCR engine: every layout and theme, degraded images, states, matching.

About 27 images are recognised here (0.5-1 s each warm); the parsing rules are
tested on text lines in test_screenshot_parse.py without the engine.
"""

from __future__ import annotations

import io
import itertools
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from PIL import Image, ImageDraw, ImageFont

import receiptkit
from receiptkit.errors import ProofError
from receiptkit.readers.ocr import engine_available, engine_stats, load_engine
from receiptkit.readers.screenshot import read_screenshot
from receiptkit.schema import validate_journal
from receiptkit.slip._fonts import font_path
from receiptkit.testing.screenshots import APPS, Payment, Style, degrade, draw_screenshot, random_payment

pytestmark = pytest.mark.skipif(
    not engine_available(),
    reason="the OCR extra is not installed (pip install 'receiptkit[ocr]'; make test installs it)",
)

TZ = "Asia/Shanghai"
FIELDS = ("kind", "amount_minor", "currency", "direction", "ts", "ts_precision", "card_last4")
FIELDS += ("wallet_txn_id", "order_no", "reference", "payment_state")

PAID = Payment(
    amount_minor=12850,
    currency="CNY",
    ts=pd.Timestamp("2026-11-20 14:32:05", tz=TZ),
    merchant="星巴克",
    merchant_full="上海星巴克咖啡经营有限公司",
    txn_id="4200001234202611201234567890",
    order_no="POS20261120001",
    card="招商银行信用卡",
    last4="4821",
    reference=None,
    state="success",
)


@pytest.fixture(scope="session")
def ocr_engine():
    """The one engine of the test session (loaded once; every read_screenshot call reuses it)."""
    return load_engine()


def _read(ocr_engine, data, shot, **kwargs):
    ref = (shot.payment.ts + pd.Timedelta(days=20)).date()
    return read_screenshot(data, ref_date=ref, **kwargs).iloc[0]


def _check(row, expected):
    wrong = {}
    for name in FIELDS:
        got = None if pd.isna(row[name]) else row[name]
        if got != expected[name]:
            wrong[name] = (expected[name], got)
    assert not wrong, f"{row['raw']['layout']}: (expected, got) {wrong}; unread {row['raw']['unread']}"


@pytest.mark.parametrize(
    ("app", "lang", "theme"), list(itertools.product(APPS, ("zh", "en"), ("light", "dark")))
)
def test_every_layout_language_and_theme(ocr_engine, app, lang, theme):
    index = APPS.index(app) * 4 + (lang == "en") * 2 + (theme == "dark")
    width = (720, 1080, 1440)[index % 3]
    style = Style(
        app=app, lang=lang, theme=theme, width=width, show_year=index % 2 == 0, stacked=index % 4 == 1
    )
    payment = random_payment(100 + index, app=app, lang=lang)
    data, shot = degrade(draw_screenshot(payment, style, seed=index))
    row = _read(ocr_engine, data, shot)
    _check(row, shot.expected)
    assert row["raw"]["layout"] == app
    assert row["merchant_text"] == payment.merchant_full
    assert row["raw"]["lines"] and all(0 < line["score"] <= 1 for line in row["raw"]["lines"])


@pytest.mark.parametrize(
    ("app", "lang", "theme", "width", "scale", "crop", "quality"),
    [
        ("wechat", "zh", "light", 1080, 0.56, 1.0, 40),  # sent through a chat app: half size, JPEG 40
        ("alipay", "en", "dark", 828, 1.0, 0.72, 75),  # cut at the bottom
        ("bank", "zh", "dark", 1440, 0.5, 1.0, 90),
        ("unionpay", "en", "light", 750, 0.85, 0.8, 60),
    ],
)
def test_scaled_cropped_compressed(ocr_engine, app, lang, theme, width, scale, crop, quality):
    shot = draw_screenshot(
        random_payment(7, app=app, lang=lang), Style(app=app, lang=lang, theme=theme, width=width)
    )
    data, small = degrade(shot, scale=scale, crop=crop, jpeg_quality=quality)
    row = _read(ocr_engine, data, small)
    for name in FIELDS:
        got = None if pd.isna(row[name]) else row[name]
        want = small.expected[name]
        if name in small.optional:
            assert got in (None, want), name  # cut through: empty or right, never another value
        else:
            assert got == want, (name, want, got, row["raw"]["unread"])
    assert row["raw"]["image"]["format"] == "JPEG"


@pytest.mark.parametrize(
    ("app", "state"), [("wechat", "refunded"), ("alipay", "closed"), ("unionpay", "failed")]
)
def test_refunded_closed_failed_never_match_as_paid(ocr_engine, app, state):
    payment = Payment(**{**PAID.__dict__, "state": state, "txn_id": random_payment(1, app=app).txn_id})
    data, _shot = degrade(draw_screenshot(payment, Style(app=app)))
    proofs = read_screenshot(data, name="shot.png")
    assert proofs["payment_state"].iloc[0] == state
    result = receiptkit.match(proofs, _journal(payment, channel="wechat" if app == "wechat" else "alipay"))
    assert result["status"].iloc[0] == "unmatched" and "proof_not_paid" in result["flags"].iloc[0]


def _journal(payment: Payment, channel: str) -> pd.DataFrame:
    base = {
        "merchant_name": "星巴克(国贸店)",
        "terminal_id": "T0001",
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": channel,
    }
    rows = [
        {**base, "txn_id": "J1", "ts": payment.ts + pd.Timedelta(seconds=3), "amount_minor": payment.amount_minor,
         "wallet_txn_id": payment.txn_id, "order_no": payment.order_no, "card_last4": None},
        {**base, "txn_id": "J2", "ts": payment.ts + pd.Timedelta(minutes=4), "amount_minor": payment.amount_minor,
         "wallet_txn_id": "4200009999202611209999999999", "order_no": "POS20261120002", "card_last4": None},
        {**base, "txn_id": "J3", "ts": payment.ts - pd.Timedelta(minutes=2), "amount_minor": 4200,
         "wallet_txn_id": "4200008888202611208888888888", "order_no": "POS20261120003", "card_last4": None},
    ]  # fmt: skip
    return validate_journal(pd.DataFrame(rows))


def test_a_screenshot_matches_its_transaction(ocr_engine, tmp_path):
    data, _shot = degrade(
        draw_screenshot(PAID, Style(app="wechat", theme="dark", width=1080)), jpeg_quality=70
    )
    path = tmp_path / "Screenshot_20261121_090102.jpg"
    path.write_bytes(data)
    proofs = receiptkit.read_proofs(path)  # sniffed as an image
    row = proofs.iloc[0]
    assert row["wallet_txn_id"] == PAID.txn_id and row["ts"] == PAID.ts
    # the file's own time is a weak cue, never the payment time
    assert row["raw"]["cues"]["file_name_time"] == "2026-11-21T09:01:02"
    result = receiptkit.match(proofs, _journal(PAID, "wechat"))
    assert result["status"].iloc[0] == "matched" and result["txn_id"].iloc[0] == "J1"
    found = receiptkit.find(_journal(PAID, "wechat"), proofs)
    assert found["txn_id"].iloc[0] == "J1"


def test_a_picture_without_payment_says_what_is_missing(ocr_engine):
    image = Image.new("RGB", (720, 900), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(font_path()), 36)
    for y, text in (
        (100, "周会纪要"),
        (200, "1. 新门店开业安排"),
        (300, "2. 收银员培训 周三下午"),
        (400, "Bring the slides"),
    ):
        draw.text((40, y), text, font=font, fill="black")
    with pytest.raises(ProofError) as info:
        read_screenshot(_png(image), name="notes.png")
    assert "no amount and no payment time found" in str(info.value) and info.value.file == "notes.png"


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_engine_loaded_once_and_warm_calls_counted(ocr_engine):
    before = engine_stats().warm_calls
    data, shot = degrade(draw_screenshot(PAID, Style(app="wechat", width=720)))
    row = _read(ocr_engine, data, shot)
    assert row["raw"]["ocr"]["cold"] is False and row["raw"]["ocr"]["seconds"] > 0
    assert engine_stats().warm_calls == before + 1 and load_engine() is ocr_engine
    assert engine_stats().load_s is not None and "rapidocr" in row["raw"]["ocr"]["engine"]


CHILD = """
import sys
from receiptkit.readers.screenshot import read_screenshot
row = read_screenshot(sys.argv[1]).iloc[0]
print(row["amount_minor"], row["wallet_txn_id"], row["raw"]["ocr"]["cold"])
"""


def _network_can_be_cut() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False).returncode == 0


@pytest.mark.skipif(
    not _network_can_be_cut(), reason="unshare -n is not permitted here (needs user namespaces)"
)
def test_reads_with_the_network_cut(tmp_path):
    data, _ = degrade(draw_screenshot(PAID, Style(app="wechat", width=720)))
    path = tmp_path / "shot.png"
    path.write_bytes(data)
    done = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["12850", PAID.txn_id, "True"]  # a fresh process: the cold call


def test_cli_find_with_a_screenshot(ocr_engine, tmp_path):
    from typer.testing import CliRunner

    from receiptkit.cli import app

    journal = tmp_path / "journal.csv"
    _journal(PAID, "wechat").drop(columns=["raw"], errors="ignore").to_csv(journal, index=False)
    data, _ = degrade(draw_screenshot(PAID, Style(app="wechat", width=720)), jpeg_quality=80)
    shot = tmp_path / "Screenshot_20261121_090102.jpg"
    shot.write_bytes(data)
    result = CliRunner().invoke(app, ["find", "--journal", str(journal), "--screenshot", str(shot)])
    assert result.exit_code == 0, result.output
    assert "MATCHED" in result.output and "J1" in result.output
    assert (
        PAID.txn_id in result.output and "****4821" in result.output
    )  # what was read, next to the candidates
    assert "read as WeChat Pay" in result.output and "file_name_time 2026-11-21T09:01:02" in result.output
