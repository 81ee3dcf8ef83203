"""Synthetic payment-detail screenshots with their expected reading, for tests and benchmarks.

Draws the detail screen of WeChat Pay (账单详情), Alipay (账单详情), UnionPay
QuickPass (云闪付 交易详情) and a generic bank app's card transaction, in
Chinese or English, light or dark, with the phone status bar, at any width
(720-1440 px for phones), then optionally scales it down, crops it at the
bottom and JPEG-compresses it. Every field drawn is recorded, so a reader's
output can be scored field by field: :attr:`Screenshot.expected` holds what
must be read, :attr:`Screenshot.optional` the fields cut by the crop (empty
or right are both fine, a different value is wrong).

The screens are drawn from this module's own description of each app (label
texts, order, alignment), written apart from the reader's layout data.

>>> shot = draw_screenshot(random_payment(7, app="wechat"), Style(app="wechat"))
>>> shot.image.width, shot.expected["kind"]
(1080, 'wallet')
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import pandas as pd
from PIL import Image, ImageDraw, ImageFont

from receiptkit.slip._fonts import font_path

__all__ = [
    "APPS",
    "Payment",
    "Screenshot",
    "Style",
    "degrade",
    "draw_screenshot",
    "random_payment",
    "random_screenshot",
    "random_style",
]

APPS = ("wechat", "alipay", "unionpay", "bank")
TZ = "Asia/Shanghai"

_MERCHANTS = (
    ("星巴克", "上海星巴克咖啡经营有限公司"),
    ("肯德基", "百胜餐饮(上海)有限公司"),
    ("全家便利店", "上海福满家便利有限公司"),
    ("美宜佳", "美宜佳控股有限公司"),
    ("麦当劳", "金拱门(中国)有限公司"),
    ("永辉超市", "永辉超市股份有限公司"),
    ("喜茶", "深圳美西西餐饮管理有限公司"),
    ("瑞幸咖啡", "瑞幸咖啡(北京)有限公司"),
    ("罗森", "上海罗森便利有限公司"),
    ("海底捞", "四川海底捞餐饮股份有限公司"),
    ("华润万家", "华润万家有限公司"),
    ("云膳过桥米线", "昆明云膳餐饮管理有限公司"),
)
_CARDS_ZH = (
    "招商银行信用卡",
    "中国银行储蓄卡",
    "工商银行信用卡",
    "建设银行储蓄卡",
    "交通银行信用卡",
    "浦发银行信用卡",
)
_CARDS_EN = ("CMB Credit Card", "Bank of China Debit Card", "ICBC Credit Card", "CCB Debit Card")
_BALANCE = {"wechat": ("零钱", "Balance"), "alipay": ("余额", "Balance"), "unionpay": None, "bank": None}


@dataclass(frozen=True)
class Payment:
    """The truth behind one screenshot."""

    amount_minor: int
    currency: str
    ts: pd.Timestamp  # aware, second precision
    merchant: str  # short name shown in the header
    merchant_full: str  # legal name shown in a row
    txn_id: str | None  # wallet transaction number
    order_no: str | None  # merchant's order number
    card: str | None  # card product name, None for a wallet balance
    last4: str | None
    reference: str | None  # bank apps: reference number
    state: str  # success, refunded, partially_refunded, closed, failed, pending
    direction: str = "debit"


@dataclass(frozen=True)
class Style:
    """How the screen looks: app, UI language, theme, width in pixels and bank-app variants."""

    app: str = "wechat"
    lang: str = "zh"
    theme: str = "light"
    width: int = 1080
    status_bar: bool = True
    show_year: bool = True  # bank apps: some show "11-20 14:32"
    stacked: bool = False  # bank apps: label above value
    thousands: bool = False  # "1,234.50"
    currency_mark: str = ""  # bank apps: "¥", "CNY ", "RMB " before the headline amount
    discount: int = (
        0  # wallets: a coupon of this many minor units; the original price is shown struck through
    )


@dataclass
class Screenshot:
    """A drawn screen, what a reader must find on it, and where each field's row is (y0, y1)."""

    image: Image.Image
    payment: Payment
    style: Style
    expected: dict[str, Any]
    rows: dict[str, tuple[int, int]] = field(default_factory=dict)
    optional: set[str] = field(default_factory=set)
    line_px: float = 0.0  # height of one text line, in pixels of ``image``


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def random_payment(seed: int | random.Random, *, app: str = "wechat", lang: str = "zh") -> Payment:
    """A plausible payment for ``app``: amount, second-precision time, ids in the app's shapes, state."""
    rng = seed if isinstance(seed, random.Random) else random.Random(seed)
    kind = rng.random()
    if kind < 0.6:
        amount = rng.randint(100, 99_999)
    elif kind < 0.85:
        amount = rng.randint(1, 999) * 100
    else:
        amount = rng.randint(100_000, 2_000_000)
    start = pd.Timestamp("2025-01-01", tz=TZ)
    ts = start + pd.Timedelta(seconds=rng.randint(0, 700 * 86400))
    short, full = rng.choice(_MERCHANTS)
    day = ts.strftime("%Y%m%d")
    txn_id = order_no = reference = None
    if app == "wechat":
        txn_id = "42000" + _digits(rng, 5) + day + _digits(rng, 10)
    elif app == "alipay":
        txn_id = day + "2200" + _digits(rng, 16)
    elif app == "unionpay":
        txn_id = _digits(rng, rng.choice((20, 21, 24)))
    else:
        reference = _digits(rng, 12)
    if app != "bank":
        shape = rng.random()
        if shape < 0.35:
            order_no = "POS" + day + _digits(rng, 6)
        elif shape < 0.7:
            order_no = _digits(rng, rng.choice((16, 20, 23)))
        else:
            order_no = (
                rng.choice("TMS")
                + day
                + "".join(rng.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(8))
            )
    balance = _BALANCE[app]
    if balance is not None and rng.random() < 0.15:
        card, last4 = None, None
    else:
        card = rng.choice(_CARDS_ZH if lang == "zh" else _CARDS_EN)
        last4 = _digits(rng, 4)
    state = rng.choices(
        ("success", "refunded", "partially_refunded", "closed", "failed"), weights=(80, 8, 4, 5, 3)
    )[0]
    if app in ("wechat", "alipay") and state == "failed":
        state = "closed"
    direction = "credit" if app == "bank" and state == "success" and rng.random() < 0.08 else "debit"
    return Payment(
        amount_minor=amount,
        currency="CNY",
        ts=ts,
        merchant=short,
        merchant_full=full,
        txn_id=txn_id,
        order_no=order_no,
        card=card,
        last4=last4,
        reference=reference,
        state=state,
        direction=direction,
    )


# ---------------------------------------------------------------------------------------------------------
# what each app shows (label texts as the apps write them)

_STATES = {
    ("wechat", "zh"): {
        "success": "支付成功",
        "refunded": "已全额退款",
        "partially_refunded": "部分退款",
        "closed": "交易关闭",
    },
    ("wechat", "en"): {
        "success": "Successful",
        "refunded": "Refunded",
        "partially_refunded": "Partially Refunded",
        "closed": "Closed",
    },
    ("alipay", "zh"): {
        "success": "交易成功",
        "refunded": "退款成功",
        "partially_refunded": "部分退款",
        "closed": "交易关闭",
    },
    ("alipay", "en"): {
        "success": "Success",
        "refunded": "Refunded",
        "partially_refunded": "Partially Refunded",
        "closed": "Closed",
    },
    ("unionpay", "zh"): {
        "success": "交易成功",
        "refunded": "已退款",
        "partially_refunded": "部分退款",
        "closed": "交易关闭",
        "failed": "交易失败",
    },
    ("unionpay", "en"): {
        "success": "Successful",
        "refunded": "Refunded",
        "partially_refunded": "Partially Refunded",
        "closed": "Closed",
        "failed": "Failed",
    },
    ("bank", "zh"): {
        "success": "已入账",
        "refunded": "已退款",
        "partially_refunded": "部分退款",
        "closed": "已撤销",
        "failed": "交易失败",
    },
    ("bank", "en"): {
        "success": "Posted",
        "refunded": "Refunded",
        "partially_refunded": "Partially Refunded",
        "closed": "Cancelled",
        "failed": "Declined",
    },
}
_TITLES = {
    ("wechat", "zh"): "账单详情",
    ("wechat", "en"): "Transaction Details",
    ("alipay", "zh"): "账单详情",
    ("alipay", "en"): "Bill Details",
    ("unionpay", "zh"): "交易详情",
    ("unionpay", "en"): "Transaction Details",
    ("bank", "zh"): "交易详情",
    ("bank", "en"): "Transaction Details",
}
_FOOTERS = {
    ("wechat", "zh"): ("对订单有疑惑", "发起群收款", "在此商户的交易"),
    ("wechat", "en"): ("Have questions about this order?", "Transactions with this merchant"),
    ("alipay", "zh"): ("对此订单有疑问", "账单管理"),
    ("alipay", "en"): ("Questions about this order?", "Bill management"),
    ("unionpay", "zh"): ("申请电子签购单", "联系客服"),
    ("unionpay", "en"): ("Request e-receipt", "Contact us"),
    ("bank", "zh"): ("申请分期", "如有疑问请致电客服热线"),
    ("bank", "en"): ("Convert to instalments", "Call us if you do not recognise this"),
}
_CATEGORY = {"zh": "餐饮美食", "en": "Food & Dining"}
_ACQUIRER = {"zh": "财付通支付科技有限公司", "en": "Tenpay Payment Technology Co., Ltd."}


def _amount_text(payment: Payment, style: Style) -> str:
    whole, cents = divmod(payment.amount_minor, 100)
    number = f"{whole:,}" if style.thousands else str(whole)
    number = f"{number}.{cents:02d}"
    sign = "+" if payment.direction == "credit" else "-"
    if style.app == "bank":
        if style.currency_mark:
            return (
                f"{style.currency_mark}{number}"
                if payment.direction == "debit"
                else f"+{style.currency_mark}{number}"
            )
        return f"{sign}{number}"
    return f"{sign}{number}"


def _time_text(payment: Payment, style: Style) -> tuple[str, str]:
    ts = payment.ts
    if style.app == "wechat":
        text = (
            f"{ts.year}年{ts.month}月{ts.day}日 {ts:%H:%M:%S}"
            if style.lang == "zh"
            else f"{ts:%Y-%m-%d %H:%M:%S}"
        )
        return text, "second"
    if style.app in ("alipay", "unionpay"):
        return f"{ts:%Y-%m-%d %H:%M:%S}", "second"
    if style.lang == "zh":
        text = f"{ts:%Y-%m-%d %H:%M}" if style.show_year else f"{ts:%m-%d %H:%M}"
        return text, "minute"
    text = f"{ts.day} {ts:%b %Y, %H:%M}" if style.show_year else f"{ts.day} {ts:%b %H:%M}"
    return text, "minute"


def _method_text(payment: Payment, style: Style) -> str:
    if payment.card is None:
        balance = _BALANCE[style.app]
        return balance[0] if style.lang == "zh" else balance[1]  # type: ignore[index]
    return f"{payment.card}({payment.last4})"


def _card_text(payment: Payment, style: Style, rng: random.Random) -> str:
    if style.app == "unionpay":
        return _method_text(payment, style)
    if style.lang == "en":
        return rng.choice((f"Card ending {payment.last4}", f"**** {payment.last4}"))
    return rng.choice(
        (f"尾号{payment.last4}", f"{payment.card}({payment.last4})", f"**** **** **** {payment.last4}")
    )


def _rows_of(payment: Payment, style: Style, rng: random.Random) -> list[tuple[str, str, str]]:
    """(field, label, value) rows as the app lists them; field names match the reader's output columns."""
    zh = style.lang == "zh"
    state_text = _STATES[(style.app, style.lang)][payment.state]
    time_text, _ = _time_text(payment, style)
    rows: list[tuple[str, str, str]]
    if style.app == "wechat":
        rows = [
            ("payment_state", "当前状态" if zh else "Status", state_text),
            ("ts", "支付时间" if zh else "Payment Time", time_text),
            (
                "product",
                "商品" if zh else "Product",
                f"{payment.merchant}消费" if zh else f"{payment.merchant} purchase",
            ),
            ("merchant_text", "商户全称" if zh else "Merchant Full Name", payment.merchant_full),
            ("acquirer", "收单机构" if zh else "Acquirer", _ACQUIRER[style.lang]),
            ("card_last4", "支付方式" if zh else "Payment Method", _method_text(payment, style)),
            ("wallet_txn_id", "交易单号" if zh else "Transaction ID", payment.txn_id or ""),
            ("order_no", "商户单号" if zh else "Merchant Order No.", payment.order_no or ""),
        ]
    elif style.app == "alipay":
        rows = [
            ("ts", "支付时间" if zh else "Payment Time", time_text),
            ("card_last4", "付款方式" if zh else "Payment Method", _method_text(payment, style)),
            (
                "product",
                "商品说明" if zh else "Description",
                f"{payment.merchant}消费" if zh else f"{payment.merchant} purchase",
            ),
            ("merchant_text", "收款方全称" if zh else "Payee Full Name", payment.merchant_full),
            ("category", "账单分类" if zh else "Category", _CATEGORY[style.lang]),
            ("wallet_txn_id", "订单号" if zh else "Order No.", payment.txn_id or ""),
            ("order_no", "商家订单号" if zh else "Merchant Order No.", payment.order_no or ""),
        ]
    elif style.app == "unionpay":
        rows = [
            ("type", "交易类型" if zh else "Type", "消费" if zh else "Purchase"),
            ("ts", "交易时间" if zh else "Time", time_text),
            ("merchant_text", "商户名称" if zh else "Merchant Name", payment.merchant_full),
            ("card_last4", "付款卡" if zh else "Payment Card", _card_text(payment, style, rng)),
            ("wallet_txn_id", "订单编号" if zh else "Order No.", payment.txn_id or ""),
            ("order_no", "商户订单号" if zh else "Merchant Order No.", payment.order_no or ""),
        ]
    else:
        refund = payment.direction == "credit"
        posted = (payment.ts + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        rows = [
            ("ts", "交易时间" if zh else "Date", time_text),
            (
                "merchant_text",
                rng.choice(("交易描述", "商户名称")) if zh else "Merchant",
                payment.merchant_full,
            ),
            ("card_last4", "卡号" if zh else "Card", _card_text(payment, style, rng)),
            (
                "type",
                "交易类型" if zh else "Type",
                ("退货" if refund else "消费") if zh else ("Refund" if refund else "Purchase"),
            ),
            ("payment_state", "交易状态" if zh else "Status", state_text),
            ("reference", "参考号" if zh else "Reference No.", payment.reference or ""),
            ("posted", "入账日期" if zh else "Posting Date", posted),
        ]
    return [row for row in rows if row[2]]


# ---------------------------------------------------------------------------------------------------------
# drawing

_THEMES = {
    "light": {
        "page": (237, 237, 237),
        "card": (255, 255, 255),
        "label": (128, 128, 128),
        "value": (25, 25, 25),
        "amount": (0, 0, 0),
        "rule": (229, 229, 229),
        "link": (87, 107, 149),
    },
    "dark": {
        "page": (17, 17, 17),
        "card": (25, 25, 25),
        "label": (118, 118, 118),
        "value": (208, 208, 208),
        "amount": (232, 232, 232),
        "rule": (44, 44, 44),
        "link": (125, 144, 169),
    },
}


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Lines of at most ``width``: at spaces when the text has words, else at any character."""
    if font.getlength(text) <= width:
        return [text]
    if " " in text:
        words = text.split(" ")
        out = [words[0]]
        for word in words[1:]:
            if font.getlength(f"{out[-1]} {word}") <= width:
                out[-1] = f"{out[-1]} {word}"
            else:
                out.append(word)
        if all(font.getlength(line) <= width for line in out):
            return out
    lines: list[str] = []
    current = ""
    for ch in text:
        if current and font.getlength(current + ch) > width:
            lines.append(current)
            current = ch
        else:
            current += ch
    if current:
        lines.append(current)
    return lines


def _status_bar(
    draw: ImageDraw.ImageDraw, style: Style, dp: float, ink: tuple[int, int, int], rng: random.Random
) -> float:
    height = 28 * dp
    font = _font(round(13 * dp))
    draw.text((20 * dp, 7 * dp), f"{rng.randint(7, 23)}:{rng.randint(0, 59):02d}", font=font, fill=ink)
    right = style.width - 20 * dp
    battery_w, battery_h = 24 * dp, 11 * dp
    top = 9 * dp
    draw.rectangle((right - battery_w, top, right, top + battery_h), outline=ink, width=max(1, round(dp)))
    level = rng.uniform(0.2, 1.0)
    draw.rectangle(
        (
            right - battery_w + 2 * dp,
            top + 2 * dp,
            right - battery_w + 2 * dp + (battery_w - 4 * dp) * level,
            top + battery_h - 2 * dp,
        ),
        fill=ink,
    )
    label = rng.choice(("5G", "4G", "WiFi"))
    draw.text((right - battery_w - 8 * dp - font.getlength(label), 7 * dp), label, font=font, fill=ink)
    for bar in range(4):  # signal bars
        x = 70 * dp + bar * 5 * dp
        draw.rectangle((x, top + battery_h - (bar + 1) * 2.5 * dp, x + 3 * dp, top + battery_h), fill=ink)
    return height


def draw_screenshot(payment: Payment, style: Style, *, seed: int = 0) -> Screenshot:
    """Draw ``payment`` as ``style.app`` shows it; return the image and the expected reading."""
    rng = random.Random(seed)
    colours = _THEMES[style.theme]
    dp = style.width / 360
    rows = _rows_of(payment, style, rng)
    label_font, value_font = _font(round(15 * dp)), _font(round(15 * dp))
    line_h = 15 * dp * 1.45
    # the canvas is sized generously and cut to the content at the end
    image = Image.new("RGB", (style.width, int(style.width * 3)), colours["page"])
    draw = ImageDraw.Draw(image)
    y = 0.0
    if style.status_bar:
        y = _status_bar(draw, style, dp, colours["value"], rng)
    # navigation bar: back chevron and title
    nav_h = 48 * dp
    mid = y + nav_h / 2
    draw.line(
        ((22 * dp, mid - 8 * dp), (14 * dp, mid), (22 * dp, mid + 8 * dp)),
        fill=colours["value"],
        width=max(2, round(2 * dp)),
    )
    title = _TITLES[(style.app, style.lang)]
    title_font = _font(round(17 * dp))
    draw.text(
        ((style.width - title_font.getlength(title)) / 2, mid - 11 * dp),
        title,
        font=title_font,
        fill=colours["value"],
    )
    y += nav_h + 8 * dp
    card_top = y
    draw.rectangle((0, card_top, style.width, card_top + style.width * 2.5), fill=colours["card"])
    y += 28 * dp
    # header: merchant icon and short name, the amount, a status line on some apps
    icon = 40 * dp
    draw.ellipse(
        ((style.width - icon) / 2, y, (style.width + icon) / 2, y + icon),
        fill=(rng.randint(60, 220), rng.randint(60, 200), rng.randint(60, 200)),
    )
    y += icon + 10 * dp
    head_font = _font(round(16 * dp))
    draw.text(
        ((style.width - head_font.getlength(payment.merchant)) / 2, y),
        payment.merchant,
        font=head_font,
        fill=colours["value"],
    )
    y += 16 * dp * 1.6
    amount_text = _amount_text(payment, style)
    amount_font = _font(round(34 * dp))
    stroke = max(1, round(dp * 0.8))
    amount_box = (y, y + 34 * dp * 1.3)
    draw.text(
        ((style.width - amount_font.getlength(amount_text)) / 2, y),
        amount_text,
        font=amount_font,
        fill=colours["amount"],
        stroke_width=stroke,
        stroke_fill=colours["amount"],
    )
    y += 34 * dp * 1.5
    boxes: dict[str, tuple[int, int]] = {"amount_minor": (int(amount_box[0]), int(amount_box[1]))}
    if style.discount and style.app != "bank":
        # a coupon: the original price, smaller and struck through, under the amount paid
        cents = payment.amount_minor + style.discount
        original = f"¥{cents // 100}.{cents % 100:02d}"
        small = _font(round(14 * dp))
        x = (style.width - small.getlength(original)) / 2
        draw.text((x, y), original, font=small, fill=colours["label"])
        middle = y + 14 * dp * 0.6
        draw.line(
            ((x, middle), (x + small.getlength(original), middle)),
            fill=colours["label"],
            width=max(1, round(dp)),
        )
        y += 14 * dp * 1.8
    if style.app in ("alipay", "unionpay"):
        state_text = _STATES[(style.app, style.lang)][payment.state]
        state_font = _font(round(14 * dp))
        draw.text(
            ((style.width - state_font.getlength(state_text)) / 2, y),
            state_text,
            font=state_font,
            fill=colours["label"],
        )
        boxes["payment_state"] = (int(y), int(y + 14 * dp * 1.4))
        y += 14 * dp * 1.8
    y += 16 * dp
    draw.line(((16 * dp, y), (style.width - 16 * dp, y)), fill=colours["rule"], width=max(1, round(dp / 2)))
    y += 20 * dp
    # the rows
    margin = 16 * dp
    label_col = (104 if style.lang == "zh" else 150) * dp
    right_aligned = style.app in ("alipay", "bank") and not style.stacked
    for name, label, value in rows:
        top = y
        draw.text((margin, y), label, font=label_font, fill=colours["label"])
        if style.stacked:
            y += line_h
            x_left, available = margin, style.width - 2 * margin
        elif right_aligned:
            x_left = max(label_col, margin + label_font.getlength(label) + 24 * dp)
            available = style.width - margin - x_left
        else:
            x_left = max(label_col, margin + label_font.getlength(label) + 16 * dp)
            available = style.width - margin - x_left
        for piece in _wrap(value, value_font, available):
            x = style.width - margin - value_font.getlength(piece) if right_aligned else x_left
            draw.text((x, y), piece, font=value_font, fill=colours["value"])
            y += line_h
        boxes[name] = (int(top), int(y))
        y += 14 * dp
    y += 12 * dp
    draw.line(((16 * dp, y), (style.width - 16 * dp, y)), fill=colours["rule"], width=max(1, round(dp / 2)))
    y += 20 * dp
    for text in _FOOTERS[(style.app, style.lang)]:
        draw.text((margin, y), text, font=_font(round(15 * dp)), fill=colours["link"])
        y += 15 * dp * 2.4
    height = int(y + 24 * dp)
    image = image.crop((0, 0, style.width, height))
    precision = _time_text(payment, style)[1]
    expected: dict[str, Any] = {
        "kind": "issuer_app" if style.app == "bank" else "wallet",
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "direction": payment.direction,
        "ts": payment.ts.floor("min") if precision == "minute" else payment.ts,
        "ts_precision": precision,
        "merchant_text": payment.merchant_full,
        "card_last4": payment.last4,
        "wallet_txn_id": payment.txn_id,
        "order_no": payment.order_no,
        "reference": payment.reference,
        "payment_state": payment.state,
    }
    for name in ("merchant_text", "card_last4", "wallet_txn_id", "order_no", "reference"):
        if name not in boxes:
            expected[name] = None
    return Screenshot(
        image=image, payment=payment, style=style, expected=expected, rows=boxes, line_px=line_h
    )


def degrade(
    shot: Screenshot, *, scale: float = 1.0, crop: float = 1.0, jpeg_quality: int | None = None
) -> tuple[bytes, Screenshot]:
    """Scale the screen down, keep the top ``crop`` share of it, and encode it (PNG, or JPEG at a quality).

    Fields whose row the crop cuts, or that end just above the cut (their next
    line could be missing), become optional; fields below it are expected empty. Returns the file bytes and the adjusted screenshot.
    """
    image = shot.image
    cut = int(image.height * crop)
    expected = dict(shot.expected)
    optional = set(shot.optional)
    for name, (top, bottom) in shot.rows.items():
        if name not in expected:
            continue
        if top >= cut:
            expected[name] = None
            optional.discard(name)
        elif bottom + 1.5 * shot.line_px > cut:
            optional.add(name)  # cut through, or ending at the edge: a reader cannot know it is whole
    image = image.crop((0, 0, image.width, cut))
    if scale != 1.0:
        image = image.resize(
            (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
            Image.Resampling.LANCZOS,
        )
    buffer = io.BytesIO()
    if jpeg_quality is None:
        image.save(buffer, format="PNG")
    else:
        image.save(buffer, format="JPEG", quality=jpeg_quality)
    return buffer.getvalue(), replace(shot, image=image, expected=expected, optional=optional)


def random_style(rng: random.Random) -> Style:
    """A random app, language (zh twice as often as en), theme and phone width (720-1440 px)."""
    app = rng.choice(APPS)
    width = rng.choice((720, 750, 828, 1080, 1125, 1170, 1242, 1284, 1440))
    return Style(
        app=app,
        lang=rng.choice(("zh", "zh", "en")),
        theme=rng.choice(("light", "dark")),
        width=width,
        status_bar=rng.random() < 0.9,
        show_year=rng.random() < 0.6,
        stacked=app == "bank" and rng.random() < 0.3,
        thousands=rng.random() < 0.3,
        currency_mark=rng.choice(("", "¥", "CNY ", "RMB ")) if app == "bank" else "",
        discount=rng.choice((100, 200, 500, 1000)) if app != "bank" and rng.random() < 0.15 else 0,
    )


def random_screenshot(seed: int) -> tuple[bytes, Screenshot]:
    """One seeded screenshot: random style, payment, scale (down to 0.5, never below 600 px wide), crop
    (the top 70-100 %) and encoding (PNG, or JPEG quality 40-90)."""
    rng = random.Random(seed)
    style = random_style(rng)
    payment = random_payment(rng, app=style.app, lang=style.lang)
    shot = draw_screenshot(payment, style, seed=rng.randint(0, 2**31))
    scale = 1.0 if rng.random() < 0.4 else rng.uniform(max(0.5, 600 / style.width), 1.0)
    crop = 1.0 if rng.random() < 0.6 else rng.uniform(0.7, 1.0)
    quality = None if rng.random() < 0.35 else rng.randint(40, 90)
    return degrade(shot, scale=scale, crop=crop, jpeg_quality=quality)
