"""The first code block of docs/matching.md runs as written, at any time of day.

It used ``Decimal`` without importing it, named ``proofs`` and ``journal`` without reading them, and
searched ``time="14:32"`` (today), which is refused before 14:32 local time ("later than now").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd

from receiptkit.demo import run_demo

DOC = Path(__file__).resolve().parents[2] / "docs" / "matching.md"


def _first_python_block() -> str:
    found = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert found, "docs/matching.md has no python block"
    return found[1]


def test_the_first_snippet_runs_and_finds_the_walk_through_sale(tmp_path, monkeypatch):
    run_demo(tmp_path / "receiptkit-demo", slips=0, lost_terminal=False)  # what `make demo` writes
    monkeypatch.chdir(tmp_path)
    tree = ast.parse(_first_python_block())
    last = tree.body[-1]
    assert isinstance(last, ast.Expr), "the block ends with the find call"
    tree.body[-1] = ast.Assign(targets=[ast.Name("found", ctx=ast.Store())], value=last.value)
    ast.fix_missing_locations(tree)
    namespace: dict[str, object] = {}
    exec(compile(tree, str(DOC), "exec"), namespace)  # our own documentation, run as a reader would
    result = namespace["result"]
    assert isinstance(result, pd.DataFrame) and len(result) == 400
    found = namespace["found"]
    assert isinstance(found, pd.DataFrame)
    assert found.attrs["verdict"]["status"] == "matched"
    assert found.attrs["verdict"]["txn_id"] == "T00002798"


def test_the_snippet_gives_find_a_date():
    """A time without a date is today's, refused when later than now: the snippet must not depend on the hour."""
    calls = [c for c in re.findall(r"rk\.find\((.*?)\)\s", _first_python_block())]
    assert calls
    for call in calls:
        time = re.search(r'time="([^"]*)"', call)
        assert time is None or re.match(r"\d{4}-\d{2}-\d{2} ", time[1]), call
