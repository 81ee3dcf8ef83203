"""A payee that is a person's account is not the shop's terminal (matching.comparators, QR swap).

Field guide 2.1 item 5: personal payees look like ``支付宝-严`` (ICBC SMS), ``付款给酱骨头焖面(**强)`` (WeChat) and
``173******86(未实名)`` (Alipay). Field guide 5: "Paid, but to another account (QR swap)": a genuine payment
whose payee is not the shop (a sticker over the shop's code); the police advice is to check the payee.
"""

from __future__ import annotations

import pytest

import receiptkit as rk
from receiptkit.matching.comparators import MerchantComparator

from .conftest import background, journal, pf, proofs, row_of, txn

SHOP = "蜀香阁(徐家汇店)"


def _shop():
    rows = background(merchant_name=SHOP)
    for row in rows[::2]:
        row.update(channel="wechat", card_last4=None)
    return journal(*rows, txn("W1", 12100, "12:00:03", channel="wechat", card_last4=None, merchant_name=SHOP))


@pytest.mark.parametrize(
    ("payee", "level"),
    [
        ("173******86(未实名)", "unrelated"),  # a masked phone number, not real-name verified
        ("138****5678", "unrelated"),
        ("付款给酱骨头焖面(**强)", "unrelated"),  # a person's code named after another shop
        ("酱骨头焖面(**强)", "unrelated"),
        ("付款给蜀香阁(**强)", "unrelated"),  # a person's code named after this shop is still a person's
        ("**强", "unrelated"),  # a real name masked but for one character
        ("支付宝-严", "unrelated"),  # a surname (the field guide's ICBC SMS)
        (
            "小白**店",
            "neutral",
        ),  # a shop's masked title not fitting this sign: maybe the wallet's title of it
        ("蜀**阁", "brand"),  # this shop's masked title
        ("蜀香阁(**店)", "brand"),  # a masked branch of this brand, not a person's code
        ("**店", "neutral"),  # a masked shop title, not a person's name
    ],
)
def test_how_a_personal_payee_reads(payee: str, level: str) -> None:
    reading = MerchantComparator().read(payee, SHOP)
    assert reading.level == level, reading.note
    if level == "unrelated":
        assert "person" in str(reading.note) or "personal" in str(reading.note)


@pytest.mark.parametrize("payee", ["173******86(未实名)", "付款给酱骨头焖面(**强)", "**伟"])
def test_a_payment_to_a_personal_account_is_not_matched_on_amount_and_second(payee: str) -> None:
    # the gap: a WeChat screen paying 173******86(未实名) the amount of a sale here, at its second, was matched
    result = rk.match(
        proofs(pf("swap", 12100, "12:00:00", merchant_text=payee, raw={"app": "微信"})), _shop()
    )
    assert row_of(result, "swap")["status"] != "matched"
    table = rk.explain(result, "swap").set_index("field")
    assert table.loc["merchant", "best_level"] == "unrelated"


def test_the_shops_own_name_is_still_matched() -> None:
    result = rk.match(
        proofs(pf("own", 12100, "12:00:00", merchant_text="蜀香阁", raw={"app": "微信"})), _shop()
    )
    assert row_of(result, "own")["txn_id"] == "W1"
