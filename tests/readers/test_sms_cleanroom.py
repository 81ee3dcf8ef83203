"""Card SMS and notifications: the clean-room intake findings (issue #18), each from its reproducer.

The messages are those of /work/cleanroom-intake-findings (benchmarks/bench_cleanroom_intake.py,
seeds 1 and 2): E amounts after a bracketed payee, F one row per JSON message, G expiry dates,
H the card named versus a full card number, O the length of a message, J a message cut in its amount.
"""

from __future__ import annotations

import contextlib
import json
import time
import warnings

import pytest

from receiptkit import ProofError, read_proofs
from receiptkit.readers.sms import MAX_MESSAGE_CHARS, parse_sms

REF = "2025-10-13"


# ---------------------------------------------------------------- E: the amount is the whole token


@pytest.mark.parametrize(
    "amount",
    ["1E5", "1e5", "0x10", "12 50", "1e309", "5-"],
)
@pytest.mark.parametrize("payee", ["消费罗森(莘庄店)", "消费罗森", "退款罗森(莘庄店)"])
def test_an_amount_after_a_bracketed_payee_is_the_whole_token_or_refused(payee, amount):
    verb = "收入" if payee.startswith("退款") else "支出"
    text = f"尾号6089卡10月12日16:34{verb}({payee}){amount}元，余额1,333.22元。【工商银行】"
    with pytest.raises(ProofError) as info:
        parse_sms(text, ref=REF)
    assert info.value.column == "amount"


@pytest.mark.parametrize(
    "tail",
    ["人民币-12 50，余额1,234.56。", "人民币12 50。", "人民币12 50；"],
)
def test_digits_after_a_space_that_end_the_field_make_the_amount_a_guess(tail):
    """Seed 3 of the clean-room intake run: ``人民币-12 50，`` (was -12.50) was read as 12.00."""
    text = f"【中国农业银行】您尾号0555账户01月27日11:49向金拱门(中国)有限公司完成支付宝交易{tail}"
    with pytest.raises(ProofError) as info:
        parse_sms(text, ref="2026-02-02")
    assert info.value.column == "amount" and "runs on" in str(info.value)
    whole = parse_sms(text.replace("12 50", "12.50"), ref="2026-02-02")
    assert whole["amount_minor"] == 1250


@pytest.mark.parametrize(
    ("text", "minor", "merchant", "direction"),
    [
        (
            "尾号6089卡10月12日16:34支出(消费罗森(莘庄店))12.50元，余额1,333.22元。【工商银行】",
            1250,
            "罗森(莘庄店)",
            "debit",
        ),
        (
            "尾号6089卡10月12日16:34支出(消费罗森(莘庄店))45元，余额1,333.22元。【工商银行】",
            4500,
            "罗森(莘庄店)",
            "debit",
        ),
        (
            "尾号6089卡10月12日16:34收入(退款罗森(莘庄店))3.7元，余额1,333.22元。【工商银行】",
            370,
            "罗森(莘庄店)",
            "credit",
        ),
    ],
)
def test_a_nested_payee_still_reads_its_amount(text, minor, merchant, direction):
    row = parse_sms(text, ref=REF)
    assert (row["amount_minor"], row["merchant_text"], row["direction"]) == (minor, merchant, direction)


# ---------------------------------------------------------------- F: one row per JSON message


def _two_messages(first_body: str) -> bytes:
    objs = [
        {"body": first_body, "t": 1743125920000},
        {
            "body": "尾号5897卡3月29日10:38支出(消费罗森)12.00元，余额1,333.22元。【工商银行】",
            "t": 1743215920000,
        },
    ]
    return json.dumps(objs, ensure_ascii=False, indent=1).encode()


@pytest.mark.parametrize(
    "bad",
    [
        "尾号5897卡3月28日09:38支出(消费罗森)0x10元，余额1,333.22元。【工商银行】",
        "尾号5897卡2月30日09:38支出(消费罗森)5.00元，余额1,333.22元。【工商银行】",
    ],
)
def test_a_bad_json_message_does_not_take_the_good_one_with_it(bad):
    data = _two_messages(bad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = read_proofs(data, name="n.json", format="sms", strict=False)
    assert list(frame["amount_minor"]) == [1200]
    assert list(frame["source_row"]) == [2]
    assert [r["row"] for r in frame.attrs["rejected"]] == [1]
    # the second message bad instead: the error names message 2
    swapped = json.loads(data)[::-1]
    with pytest.raises(ProofError) as info:
        read_proofs(json.dumps(swapped, ensure_ascii=False).encode(), name="n.json", format="sms")
    assert info.value.row == 2


def test_json_rows_are_message_numbers_across_lists():
    good = {"body": "尾号5897卡3月29日10:38支出(消费罗森)12.00元，余额1,333.22元。【工商银行】"}
    doc = [[good, good], {"messages": [good]}, good]
    data = "\n".join(json.dumps(v, ensure_ascii=False) for v in doc).encode()
    frame = read_proofs(data, name="n.json", format="sms", ref=REF)
    assert list(frame["source_row"]) == [1, 2, 3, 4]


# ---------------------------------------------------------------- G: expiry dates


@pytest.mark.parametrize("expiry", ["09/39", "09-39", "2039年09月", "09/2039"])
def test_an_expiry_is_masked_before_parsing_and_never_quoted(expiry):
    text = (
        "您尾号0690交行信用卡04日04时35分成功消费人民币875.38元 美团-牛约堡手(旭辉店) "
        f"卡号5255-0061-6745-4770-690 有效期 {expiry}"
    )
    row = parse_sms(text, ref="2026-07-04")
    assert str(row["ts"]) == "2026-07-04 04:35:00+08:00"
    assert (row["amount_minor"], row["card_last4"]) == (87538, "0690")
    assert expiry not in str(row["raw"]) and "有效期 **/**" in row["raw"]["text"]
    assert "5255006167454770690" not in str(row["raw"]).replace("-", "")


def test_an_expiry_never_reaches_an_error_message():
    # the message is refused for another reason (no amount): neither the expiry nor the number is quoted
    text = "您尾号0690交行信用卡04日04时35分 卡号5255-0061-6745-4770-690 有效期 09/39"
    with pytest.raises(ProofError) as info:
        read_proofs(text.encode(), name="sms.txt", format="sms", ref="2026-07-04")
    said = str(info.value) + repr(info.value.value)
    assert "09/39" not in said and "6745" not in said


# ---------------------------------------------------------------- H: the card named, not a full number


def test_a_full_card_number_is_never_the_source_of_the_tail():
    text = (
        "【招商银行】您的招商银行信用卡(5463)于05月17日09:13在云膳过桥米线(传奇广场店)消费970.37元，"
        "详询185****6220。 杭州园区便利店 卡号6222 0238 7403 5693 725 有效期 09/39"
    )
    with pytest.raises(ProofError) as info:
        parse_sms(text, ref="2026-05-20")
    assert info.value.column == "card_last4"
    assert "5463" in info.value.reason and "3725" in info.value.reason
    assert "6222 0238" not in str(info.value) and "09/39" not in str(info.value)


def test_a_full_card_number_that_agrees_with_the_card_named_is_masked_and_read():
    text = (
        "【招商银行】您的招商银行信用卡(5832)于06月20日02:37在大商鲜生（长兴岛）消费287540.41元，"
        "详询185****6220。 卡号4111 1130 9037 5832 有效期 09/39"
    )
    row = parse_sms(text, ref="2026-07-09")
    assert row["card_last4"] == "5832"
    assert "4111 1130 9037" not in row["raw"]["text"] and "411111******5832" in row["raw"]["text"]


def test_a_full_card_number_alone_leaves_the_tail_empty():
    # no card named: the number (which might be the payee's) is masked and not read as the card
    text = "12月03日22:44在罗森快捷支付27.78元 卡号6222 0238 7403 5693 725"
    row = parse_sms(text, ref=REF)
    assert row["card_last4"] is None and row["amount_minor"] == 2778
    assert "622202*********3725" in row["raw"]["text"]


# ---------------------------------------------------------------- O: linear, and a length limit


def test_a_message_beyond_the_limit_is_refused_at_once():
    text = f"尾号1234卡3月28日09:38支出(消费{'长' * 300_000})12.00元，余额1,333.22元。【工商银行】"
    started = time.perf_counter()
    with pytest.raises(ProofError) as info:
        read_proofs(text.encode(), name="sms.txt", format="sms", ref="2025-03-29")
    assert time.perf_counter() - started < 5
    assert info.value.row == 1 and info.value.column == "text"
    assert f"{MAX_MESSAGE_CHARS:,}" in info.value.reason


@pytest.mark.parametrize("fill", ["长", "在", "向", "以", "(", "元1"])
def test_parsing_is_linear_up_to_the_limit(fill):
    def seconds(n: int) -> float:
        text = (
            f"尾号1234卡3月28日09:38支出(消费{fill * (n // len(fill))})12.00元，余额1,333.22元。【工商银行】"
        )
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            with contextlib.suppress(ProofError):  # read or refused: either way, in linear time
                parse_sms(text, ref="2025-03-29")
            best = min(best, time.perf_counter() - started)
        return best

    small, large = seconds(900), seconds(3_600)
    # four times the text: well under sixteen times the time (quadratic gave 3.4x per doubling)
    assert large < max(8 * small, 0.05), (small, large)


def test_a_payee_up_to_the_limit_is_read():
    payee = "长" * (MAX_MESSAGE_CHARS - 60)
    row = parse_sms(
        f"尾号1234卡3月28日09:38支出(消费{payee})12.00元，余额1,333.22元。【工商银行】", ref="2025-03-29"
    )
    assert row["amount_minor"] == 1200


# ---------------------------------------------------------------- J: a message cut inside its amount


@pytest.mark.parametrize("cut", ["0.8", "0", "0.", "4"])
def test_a_message_ending_inside_its_amount_is_refused(cut):
    text = f"【招商银行】您账户1234于03月28日09:38在罗森快捷支付{cut}"
    with pytest.raises(ProofError) as info:
        read_proofs(text.encode(), name="sms.txt", format="sms", ref="2025-03-29")
    assert info.value.column == "amount" and "cut" in info.value.reason


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("【招商银行】您账户1234于03月28日09:38在罗森快捷支付0.86", 86),  # two decimals: the whole amount
        ("【招商银行】您账户1234于03月28日09:38在罗森快捷支付0.8元", 80),  # a unit after it: not cut
        ("尾号1234卡11月11日12:39支出(消费支付宝-严)28.1元，余额1,333.22元。【工商银行】", 2810),  # ICBC
        ("您的信用卡1234于9月29日消费1169.00，", 116900),  # 江苏银行: no 元, two decimals
    ],
)
def test_an_amount_that_is_not_cut_is_read(text, minor):
    assert parse_sms(text, ref=REF)["amount_minor"] == minor


def test_a_reference_that_looks_like_a_card_is_masked_names_no_card_and_is_never_cut():
    text = "尾号1234卡10月12日16:34支出(消费罗森)12.00元，流水号4111111111111111。"
    row = parse_sms(text, ref=REF)
    assert row["card_last4"] == "1234"
    assert row["reference"] is None  # masked: no reference, never its first 6 digits
    assert "4111111111111111" not in row["raw"]["text"]
    plain = parse_sms(text.replace("4111111111111111", "ABC123456"), ref=REF)
    assert plain["reference"] == "ABC123456"
