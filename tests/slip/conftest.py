"""Journal rows for slip tests: tests/fixtures/slip/journal.csv through validate_journal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from receiptkit.schema import validate_journal

JOURNAL_CSV = Path(__file__).resolve().parents[1] / "fixtures" / "slip" / "journal.csv"
PRINTED_AT = pd.Timestamp("2024-06-01 10:00:00", tz="Asia/Shanghai")
VERIFICATION = ("7KQ2-9XZD", "https://verify.example/r/7KQ29XZD")


def load_journal() -> pd.DataFrame:
    """The fixture journal as a canonical frame, indexed by txn_id."""
    raw = pd.read_csv(JOURNAL_CSV, dtype=str, keep_default_na=False)
    raw["amount_minor"] = raw["amount_minor"].astype("int64")
    journal = validate_journal(raw, tz="Asia/Shanghai")
    return journal.set_index("txn_id", drop=False)


@pytest.fixture(scope="session")
def journal() -> pd.DataFrame:
    return load_journal()
