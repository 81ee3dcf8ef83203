"""Bidirectional embedding, override and isolate characters (U+202A-U+202E, U+2066-U+2069) in a text cell are
refused like NUL and ESC: they make a terminal, a slip or a report show the text around them reversed or moved
(Trojan Source, CVE-2021-42574: a merchant name shown as another). Before session 16 they were kept.
Chinese, full-width and emoji text (with its zero-width joiner and variation selector) is read as it is, and so
are the left-to-right and right-to-left marks U+200E/U+200F, which move no text of a Latin or Chinese name."""

from __future__ import annotations

import warnings

import pytest

import receiptkit as rk
from receiptkit.arrowtext import arrow_text, has_control
from receiptkit.errors import JournalError, ProofError

HEADER = "txn_id,merchant_id,merchant_name,terminal_id,ts,amount_minor,currency,txn_type,status,channel\n"
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


def _journal(tmp_path, name: str):
    path = tmp_path / "journal.csv"
    rows = [
        "T1,M1,Shop A,10000001,2026-11-01 10:00:00+08:00,1000,CNY,sale,approved,card\n",
        f"T2,M1,{name},10000001,2026-11-01 10:05:00+08:00,2000,CNY,sale,approved,card\n",
    ]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("char", BIDI, ids=[f"U+{ord(c):04X}" for c in BIDI])
def test_a_bidi_control_in_a_journal_name_is_refused_naming_where(tmp_path, char):
    path = _journal(tmp_path, f"海底捞{char}店门三")
    with pytest.raises(JournalError) as caught:
        rk.read_journal(path)
    error = caught.value
    assert (error.row, error.column, error.value) == (3, "merchant_name", f"海底捞{char}店门三")
    assert f"U+{ord(char):04X}" in error.reason and "bidirectional" in error.reason


def test_strict_false_leaves_out_only_that_row(tmp_path):
    path = _journal(tmp_path, "Shop \u202eB pohS")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = rk.read_journal(path, strict=False)
    assert list(frame["txn_id"]) == ["T1"]
    assert rk.rejected(frame)[["row", "column"]].values.tolist() == [[3, "merchant_name"]]


def test_a_typed_proof_with_a_bidi_override_is_refused():
    with pytest.raises(ProofError) as caught:
        rk.proof(amount="25.00", time="2026-11-01 10:00", tz="Asia/Shanghai", merchant="\u202e店啡咖幸瑞")
    assert "U+202E" in caught.value.reason and caught.value.column == "merchant_text"


def test_a_frame_with_a_bidi_isolate_is_refused_by_validation():
    frame = rk.read_journal(
        __import__("io").BytesIO(
            (
                HEADER + "T1,M1,Shop A,10000001,2026-11-01 10:00:00+08:00,1000,CNY,sale,approved,card\n"
            ).encode()
        )
    )
    frame["merchant_name"] = frame["merchant_name"].astype(object)
    frame.loc[0, "merchant_name"] = "Shop\u2067A"
    with pytest.raises(rk.SchemaError) as caught:
        rk.validate_journal(frame)
    assert "U+2067" in caught.value.reason


@pytest.mark.parametrize(
    "name",
    [
        "海底捞火锅(三里屯店)",
        "ＡＢＣ便利店１２３",  # full-width Latin and digits
        "☕️ Café 🍜 👨‍👩‍👧",  # variation selector U+FE0F, zero-width joiner U+200D
        "Shop\u200eA\u200fB",  # left-to-right / right-to-left marks: kept
        "（旗舰店）【官方】・",
    ],
)
def test_chinese_full_width_emoji_and_direction_marks_are_read_as_they_are(tmp_path, name):
    frame = rk.read_journal(_journal(tmp_path, name))
    assert frame["merchant_name"].iloc[1] == name


def test_the_byte_scan_finds_a_bidi_control():
    import pandas as pd

    for char in BIDI:
        assert has_control(arrow_text(pd.Series(["ok", f"a{char}b"], dtype="string[pyarrow]")))
    assert not has_control(
        arrow_text(pd.Series(["海底捞", "ＡＢＣ", "☕️👨‍👩‍👧", "a\u200eb", "‘’“”…—"], dtype="string[pyarrow]"))
    )
