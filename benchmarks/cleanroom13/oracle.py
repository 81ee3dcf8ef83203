"""What the documentation promises, as checks on the audit log and on what the commands said.

Sources: docs/reprint.md (Order of events, What "printed" means, Counter and cap, Failures, crashes and
retries, Checking the chain, the clerk's confirmation, How a verifier checks a duplicate) and docs/cli.md
(exit codes 0/1/2/3/130, `audit verify`, `audit pending`, `verify`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

OUTCOMES = ("right", "silently_wrong", "over_refused", "misleading", "crash", "hang")
# a 13-19 digit run with a card prefix and a valid Luhn digit (docs/reprint.md, "What is stored")
# (a run inside a hex digest or another token is no card number: seed 3 found 13 digits inside a SHA-256)
PAN_RE = re.compile(r"(?<![0-9A-Za-z])([2-6]\d{12,18})(?![0-9A-Za-z])")


def luhn_ok(digits: str) -> bool:
    """The Luhn check digit holds."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def full_pans(text: str) -> list[str]:
    """Whole card numbers in a text (spaces and dashes inside a number are joined first)."""
    joined = re.sub(r"(?<=\d)[ -](?=\d)", "", text)
    return [m for m in PAN_RE.findall(joined) if luhn_ok(m)]


@dataclass
class Attempt:
    """One allocated reprint number (a ``pending`` row) and what followed it."""

    seq: int
    txn: str
    reprint_no: int
    code: str
    states: list[str] = field(default_factory=list)
    hows: list[str] = field(default_factory=list)

    @property
    def final(self) -> str:
        """The last state written for it (``pending`` when nothing followed)."""
        return self.states[-1] if self.states else "pending"

    @property
    def printed(self) -> bool:
        """A ``printed`` row exists for it."""
        return "printed" in self.states


def read_log(path: Path) -> pd.DataFrame:
    """The log's rows through the public API (reading needs no key)."""
    from receiptkit import AuditLog

    return AuditLog(str(path), create=False).rows()


def attempts(rows: pd.DataFrame) -> dict[int, Attempt]:
    """Every reprint attempt by the seq of its pending row."""
    out: dict[int, Attempt] = {}
    r = rows[rows["event_type"] == "reprint"]
    for row in r.itertuples(index=False):
        st = str(row.status)
        if st == "pending":
            out[int(row.seq)] = Attempt(
                seq=int(row.seq),
                txn=str(row.subject),
                reprint_no=int(row.reprint_no),
                code=str(row.short_code),
            )
    for row in r.itertuples(index=False):
        st = str(row.status)
        ref = row.ref_seq
        if st != "pending" and pd.notna(ref) and int(ref) in out:
            out[int(ref)].states.append(st)
            how = getattr(row, "how", None)
            out[int(ref)].hows.append("" if how is None or pd.isna(how) else str(how))
    return out


def number_problems(att: dict[int, Attempt]) -> list[str]:
    """Reprint numbers issued twice, or skipped without a visible row, per sale."""
    by_txn: dict[str, list[Attempt]] = defaultdict(list)
    for a in att.values():
        by_txn[a.txn].append(a)
    problems = []
    for txn, lst in by_txn.items():
        nos = sorted(a.reprint_no for a in lst)
        seen: dict[int, set[str]] = defaultdict(set)
        for a in lst:
            seen[a.reprint_no].add(a.code)
        for no, codes in seen.items():
            if sum(1 for a in lst if a.reprint_no == no) > 1:
                problems.append(
                    f"{txn}: reprint number {no} issued {nos.count(no)} times (codes {sorted(codes)})"
                )
        if nos and sorted(set(nos)) != list(range(1, max(nos) + 1)):
            missing = sorted(set(range(1, max(nos) + 1)) - set(nos))
            problems.append(f"{txn}: reprint numbers {missing} skipped with no row")
    return problems
