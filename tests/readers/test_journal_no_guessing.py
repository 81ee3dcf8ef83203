"""A canonical journal holds codes, and a status word outside the documented table is refused, never guessed.

Newcomer 18 (F12.1, F12.2): a canonical journal file with currency ``RMB`` was read as CNY without a word
(docs/journal.md: "a canonical frame or file holds the codes themselves (`usd` is USD; `RMB` is refused with
`write CNY`)"), and a status ``ok`` was read as ``approved`` though ``ok`` is in no table of the docs ("A word
not in the table is a bad cell ..., never guessed"); ``ok`` in ``txn_type`` and ``channel`` was refused.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.errors import JournalError
from receiptkit.readers.journal import RejectedRowsWarning
from receiptkit.readers.presets import SYNONYMS

HEADER = "txn_id,merchant_id,merchant_name,terminal_id,ts,amount_minor,currency,txn_type,status,channel,card_last4\n"
GOOD = "T1,M1,Shop,10000001,2026-11-01 10:00:00+08:00,12850,CNY,sale,approved,card,1234\n"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "journal.md"


def _csv(second_row: str) -> io.BytesIO:
    return io.BytesIO((HEADER + GOOD + second_row).encode())


@pytest.mark.parametrize("word", ["RMB", "rmb", "人民币", "元", "￥"])
def test_a_currency_word_in_a_canonical_file_is_refused_naming_the_cell(word: str) -> None:
    row = f"T2,M1,Shop,10000001,2026-11-01 10:05:00+08:00,12850,{word},sale,approved,card,1234\n"
    with pytest.raises(JournalError) as caught:
        rk.read_journal(_csv(row), preset="canonical")
    error = caught.value
    assert error.row == 3 and error.column == "currency" and error.value == word
    assert "ISO 4217" in error.reason
    if word.upper() == "RMB":
        assert "write CNY" in error.reason


def test_a_currency_word_in_a_canonical_dataframe_is_refused() -> None:
    frame = pd.read_csv(
        _csv("T2,M1,Shop,1,2026-11-01 10:05:00+08:00,100,RMB,sale,approved,card,1234\n"), dtype=str
    )
    with pytest.raises(JournalError, match="write CNY"):
        rk.read_journal(frame)


def test_non_strict_leaves_the_row_out_and_reports_it() -> None:
    row = "T2,M1,Shop,10000001,2026-11-01 10:05:00+08:00,12850,RMB,sale,approved,card,1234\n"
    with pytest.warns(RejectedRowsWarning):
        journal = rk.read_journal(_csv(row), preset="canonical", strict=False)
    assert journal["txn_id"].tolist() == ["T1"]
    assert rk.rejected(journal)[["row", "column", "value"]].to_dict("records") == [
        {"row": 3, "column": "currency", "value": "RMB"}
    ]


def test_codes_in_any_case_are_still_codes() -> None:
    row = "T2,M1,Shop,10000001,2026-11-01 10:05:00+08:00,12850,usd,sale,approved,card,1234\n"
    assert rk.read_journal(_csv(row), preset="canonical")["currency"].tolist() == ["CNY", "USD"]


def test_an_export_still_reads_its_words() -> None:
    """Exports (not the canonical file) write RMB and 人民币: their presets read them as CNY, as documented."""
    frame = pd.DataFrame(
        {"交易时间": ["2026-11-01 10:00:00"], "金额": ["128.50"], "币种": ["RMB"], "交易类型": ["消费"]}
    )
    mapping = {"交易时间": "ts", "金额": "amount", "币种": "currency", "交易类型": "txn_type"}
    journal = rk.read_journal(frame, mapping=mapping, tz="Asia/Shanghai")
    assert journal["currency"].tolist() == ["CNY"]


@pytest.mark.parametrize("word", ["ok", "OK", "Ok"])
def test_status_ok_is_refused_naming_the_cell(word: str) -> None:
    row = f"T2,M1,Shop,10000001,2026-11-01 10:05:00+08:00,12850,CNY,sale,{word},card,1234\n"
    with pytest.raises(JournalError) as caught:
        rk.read_journal(_csv(row), preset="canonical")
    error = caught.value
    assert (error.row, error.column, error.value) == (3, "status", word)
    assert "unknown value for status" in error.reason


def _documented_words() -> dict[str, set[str]]:
    """The synonyms table of docs/journal.md: canonical value -> its words (keyed as the readers key them)."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### Types, statuses and channels: the shared synonyms", 1)[1].split("\n\n|", 1)[1]
    table = "|" + section.split("\n\n", 1)[0]
    words: dict[str, set[str]] = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        names = re.findall(r"`([^`]+)`", cells[0])
        groups = cells[1].split(" / ") if len(names) > 1 else [cells[1]]
        for name, group in zip(names, groups, strict=True):
            words.setdefault(name, set()).update(
                re.sub(r"\s+", "", w).lower() for w in re.split(r",\s*", group) if w.strip()
            )
    return words


def test_every_word_the_readers_take_is_in_the_documented_table() -> None:
    """The docs' table is the contract: a word read is a word shown there (and nothing else is guessed)."""
    documented = _documented_words()
    missing = []
    section = (
        DOCS.read_text(encoding="utf-8").split("### Types, statuses and channels", 1)[1].split("\n### ", 1)[0]
    )
    for field, table in SYNONYMS.items():
        for word, canonical in table.items():
            if not isinstance(
                canonical, str
            ):  # a word implying a second field: in the paragraph below the table
                if f"`{word}`" not in section.lower():
                    missing.append(f"{field}: {word} -> {canonical}")
                continue
            if word not in documented.get(canonical, set()):
                missing.append(f"{field}: {word} -> {canonical}")
    assert missing == []
    assert "ok" not in SYNONYMS["status"]
