"""Property: whatever text a journal file holds, read_journal fails only with JournalError."""

from __future__ import annotations

import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receiptkit.errors import JournalError
from receiptkit.readers.journal import read_journal

CELL = st.text(alphabet=st.sampled_from(list("0123456789-.,:/ ¥$()元年月日aZ`#\t\"'交易消费")), max_size=12)


def _call(data: bytes, **kwargs: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            frame = read_journal(data, **kwargs)
        except JournalError:
            return
    assert (frame["amount_minor"] >= 0).all()
    assert frame["ts"].dt.tz is not None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8")))
def test_arbitrary_bytes_raise_only_journal_error(data: bytes) -> None:
    _call(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(CELL, CELL, CELL), max_size=6), st.booleans())
def test_arbitrary_cells_under_a_mapping_raise_only_journal_error(
    rows: list[tuple[str, str, str]], strict: bool
) -> None:
    lines = ["交易时间,金额,交易类型"]
    for row in rows:
        lines.append(",".join('"' + c.replace('"', '""') + '"' for c in row))
    data = "\n".join(lines).encode("utf-8")
    _call(
        data,
        mapping={"交易时间": "ts", "金额": "amount", "交易类型": "txn_type"},
        tz="Asia/Shanghai",
        strict=strict,
    )


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(CELL, CELL, CELL), max_size=5))
def test_arbitrary_cells_in_a_preset_layout(rows: list[tuple[str, str, str]]) -> None:
    lines = ["终端号,参考号,交易类型,交易时间,交易金额"]
    for terminal, when, amount in rows:
        lines.append(
            ",".join('"' + c.replace('"', '""') + '"' for c in (terminal, "r", "消费", when, amount))
        )
    _call("\n".join(lines).encode("gb18030"), strict=False)
