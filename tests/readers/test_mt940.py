"""MT940 via the mt-940 package."""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit import ProofError, read_proofs


def test_own_statement(fixtures):
    frame = read_proofs(fixtures / "proofs" / "statement.sta")
    assert list(frame["amount_minor"]) == [12850, 3000]
    assert list(frame["direction"]) == ["debit", "credit"]
    assert list(frame["source_row"]) == [5, 7]
    assert frame.iloc[0]["date"] == pd.Timestamp("2026-11-20") and frame.iloc[0]["ts_precision"] == "day"
    assert "SAMPLE STORE" in frame.iloc[0]["merchant_text"]


def test_broken_statement_names_a_line(samples):
    with pytest.raises(ProofError) as info:
        read_proofs(samples / "mt940" / "ASNB__mt940.txt")
    assert info.value.row is not None and info.value.file.endswith("ASNB__mt940.txt")


def _statement(line61: str, *, closing: bool = True) -> bytes:
    lines = [
        ":20:STMT1",
        ":25:NL00TEST0123456789",
        ":28C:1/1",
        ":60F:C200901EUR1000,00",
        f":61:{line61}",
        ":86:FIRST ENTRY TEXT",
        ":61:2009030903D7,00NMSCNONREF",
        ":86:SECOND ENTRY TEXT",
    ]
    if closing:
        lines.append(":62F:C200930EUR973,00")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    "amount",
    ["12.345", "5-", "1_000", "1234567890123456,00", "12345678901234567", "1e309", "1E5", "0x10", "-5,00"],
)
def test_malformed_amount_is_an_error_naming_the_line_never_a_vanished_entry(amount):
    with pytest.raises(ProofError) as info:
        read_proofs(_statement(f"2009020902D{amount}NMSCNONREF"), format="mt940", name="bad.sta")
    assert info.value.row == 5 and info.value.column == ":61:"
    assert info.value.file == "bad.sta"


def test_amount_without_decimals_and_the_second_entry_keeps_its_own_text():
    frame = read_proofs(_statement("2009020902D500NTRFNONREF"), format="mt940", name="ok.sta")
    assert list(frame["amount_minor"]) == [50000, 700]
    assert list(frame["merchant_text"]) == ["FIRST ENTRY TEXT", "SECOND ENTRY TEXT"]
    assert list(frame["source_row"]) == [5, 7]


def test_nonref_without_transaction_type_code_is_no_reference():
    frame = read_proofs(_statement("2009020902D20,00NONREF"), format="mt940", name="n.sta")
    assert frame["reference"].isna().all()
    assert frame.iloc[0]["amount_minor"] == 2000 and frame.iloc[0]["direction"] == "debit"
    with_bank_ref = read_proofs(_statement("2009020902D20,00NONREF//BANK77"), format="mt940", name="n.sta")
    assert with_bank_ref.iloc[0]["reference"] == "BANK77"


def test_customer_reference_is_16_characters_then_supplementary_details():
    frame = read_proofs(
        _statement("2009020902D20,00N0440121470966      W.P. Jansen"), format="mt940", name="r.sta"
    )
    assert frame.iloc[0]["reference"] == "0121470966"


def test_truncated_statement_is_an_error():
    with pytest.raises(ProofError) as info:
        read_proofs(_statement("2009020902D20,00NMSCNONREF", closing=False), format="mt940", name="cut.sta")
    assert info.value.row == 7 and "truncated" in info.value.reason
    cut_in_line = (
        _statement("2009020902D20,00NMSCNONREF").decode().split(":61:2009030903")[0] + ":61:2009030903D7,"
    )
    with pytest.raises(ProofError) as info:
        read_proofs(cut_in_line.encode(), format="mt940", name="cut.sta")
    assert info.value.row == 7


def test_details_without_their_statement_line_are_an_error_naming_the_line():
    # found by the fuzz oracle: a :61: line lost before the first entry left its :86: after the
    # opening balance; the entry vanished without an error
    text = _statement("2009020902D20,00NMSCNONREF").decode().replace(":61:2009020902D20,00NMSCNONREF\n", "")
    with pytest.raises(ProofError) as info:
        read_proofs(text.encode(), format="mt940", name="lost.sta")
    assert info.value.row == 5 and info.value.column == ":86:" and info.value.file == "lost.sta"


def test_several_86_lines_of_one_entry_are_one_text(samples):
    frame = read_proofs(samples / "mt940" / "jejik__rabobank.sta", format="mt940")
    assert "NIET AKKOORD MET AFSCHRIJVING" in frame.iloc[0]["merchant_text"]


def _long_details(details: str) -> bytes:
    return (
        ":20:STMT0001\r\n:25:NL77ABNA0574908765\r\n:28C:1/1\r\n:60F:C250101EUR1000,00\r\n"
        f":61:2501020102D12,34NTRFREF1//B1\r\n:86:{details}\r\n:61:2501030103D1,00NTRFREF2\r\n"
        ":86:NEXT\r\n:62F:C250103EUR986,66\r\n-\r\n"
    ).encode()


def test_long_86_details_are_kept_whole_up_to_the_cell_limit():
    """Clean-room intake finding I: mt-940 cut :86: after nine 65-character chunks (585 characters)."""
    details = "".join(f"WORD{i:05d} " for i in range(10_000)).strip()  # 99,999 characters
    frame = read_proofs(_long_details(details), format="mt940", name="long.sta")
    assert frame["merchant_text"].tolist() == [details, "NEXT"]
    assert frame.iloc[0]["raw"]["transaction_details"] == details


def test_86_details_beyond_the_cell_limit_are_refused_naming_the_line():
    from receiptkit.readers.table import MAX_CELL_CHARS

    details = "X" * 300_000
    with pytest.raises(ProofError, match="never cut") as info:
        read_proofs(_long_details(details), format="mt940", name="long.sta")
    assert (info.value.file, info.value.row, info.value.column) == ("long.sta", 6, ":86:")
    assert f"{MAX_CELL_CHARS:,}" in info.value.reason and "300,000" in info.value.reason


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("1602310301", "value date 02-31"),
        ("1604310301", "value date 04-31"),
        ("1613320301", "value date 13-32"),
        ("1602001301", "value date 02-00"),
        ("1602301301", "entry date 13-01"),
        ("1602300230", "entry date 02-30"),
    ],
)
def test_an_impossible_61_date_is_refused_at_its_line(samples, written, reason):
    """The mt-940 library moved 02-31 to February's last day without a word, and named the statement's
    first line for other impossible days (issue #18, hostile dates on the public samples)."""
    text = (samples / "mt940" / "self-provided__february_30.sta").read_text()
    assert ":61:1602300301" in text
    with pytest.raises(ProofError, match=reason) as caught:
        read_proofs(text.replace(":61:1602300301", f":61:{written}").encode(), name="s.sta")
    assert caught.value.row == 6 and caught.value.column == ":61:"


def test_february_30_is_the_end_of_february_as_banks_write_it(samples):
    """The 30/360 value date some German banks write (public sample): the last day of February."""
    frame = read_proofs(samples / "mt940" / "self-provided__february_30.sta")
    assert frame["date"].tolist() == [pd.Timestamp("2016-02-29")]
