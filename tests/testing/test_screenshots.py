"""The synthetic screenshot drawer: every app, language and theme, and what degrading does to the truth."""

from __future__ import annotations

import io
import itertools
import random

import pytest
from PIL import Image

from receiptkit.testing.screenshots import (
    APPS,
    Payment,
    Style,
    degrade,
    draw_screenshot,
    random_payment,
    random_screenshot,
    random_style,
)


@pytest.mark.parametrize(
    ("app", "lang", "theme"), list(itertools.product(APPS, ("zh", "en"), ("light", "dark")))
)
def test_every_app_language_and_theme_is_drawn(app, lang, theme):
    payment = random_payment(11, app=app, lang=lang)
    shot = draw_screenshot(payment, Style(app=app, lang=lang, theme=theme, width=720))
    assert shot.image.width == 720 and 1000 < shot.image.height < 2400
    background = shot.image.getpixel((5, shot.image.height - 5))
    assert (sum(background) / 3 > 128) == (theme == "light")
    assert shot.expected["amount_minor"] == payment.amount_minor
    assert shot.expected["kind"] == ("issuer_app" if app == "bank" else "wallet")
    assert shot.expected["ts_precision"] == ("minute" if app == "bank" else "second")
    if app == "bank":
        assert shot.expected["reference"] == payment.reference and shot.expected["wallet_txn_id"] is None
    else:
        assert shot.expected["wallet_txn_id"] == payment.txn_id and len(payment.txn_id) >= 20
    # every expected field has a row on the screen, top to bottom inside the image
    for name in ("ts", "card_last4", "wallet_txn_id", "order_no", "reference"):
        if shot.expected.get(name if name != "ts" else "ts_precision") is not None:
            top, bottom = shot.rows[name]
            assert 0 < top < bottom <= shot.image.height


def test_same_seed_same_image():
    first, second = random_screenshot(5), random_screenshot(5)
    assert first[0] == second[0] and first[1].expected == second[1].expected
    assert random_screenshot(6)[0] != first[0]


def test_minute_precision_drops_the_seconds():
    payment = random_payment(3, app="bank")
    shot = draw_screenshot(payment, Style(app="bank"))
    assert shot.expected["ts"] == payment.ts.floor("min") and shot.expected["ts"].second == 0


def test_degrade_crops_scales_and_compresses():
    shot = draw_screenshot(random_payment(2, app="wechat"), Style(app="wechat", width=1080))
    top, _bottom = shot.rows["order_no"]
    cut = (top - 5) / shot.image.height  # just above the merchant order number row
    data, small = degrade(shot, scale=0.5, crop=cut, jpeg_quality=50)
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.width == 540
    assert (
        small.expected["order_no"] is None
        and small.expected["wallet_txn_id"] == shot.expected["wallet_txn_id"]
    )
    txn_top, txn_bottom = shot.rows["wallet_txn_id"]
    _, half = degrade(shot, crop=(txn_top + txn_bottom) / 2 / shot.image.height)
    assert "wallet_txn_id" in half.optional  # cut through the row: empty or right are both fine
    png, same = degrade(shot)
    assert Image.open(io.BytesIO(png)).format == "PNG" and same.expected == shot.expected


def test_wallet_balance_has_no_card():
    payment = Payment(**{**random_payment(1, app="wechat").__dict__, "card": None, "last4": None})
    shot = draw_screenshot(payment, Style(app="wechat"))
    assert shot.expected["card_last4"] is None


def test_random_screenshots_cover_the_range():
    styles = [random_style(random.Random(seed)) for seed in range(200)]
    assert {s.app for s in styles} == set(APPS)
    assert {s.lang for s in styles} == {"zh", "en"} and {s.theme for s in styles} == {"light", "dark"}
    assert min(s.width for s in styles) == 720 and max(s.width for s in styles) == 1440
    assert any(s.stacked for s in styles) and {s.currency_mark for s in styles} == {"", "¥", "CNY ", "RMB "}
    assert any(s.discount for s in styles) and not any(s.discount for s in styles if s.app == "bank")
