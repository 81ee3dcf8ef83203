"""Attacks on the audit log, each on a fresh copy of the genuine shop folder, checked by ``audit verify``."""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import sqlite3
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import receiptkit as rk

from . import cases as C
from .world import Shop

TABLE = "receiptkit_audit"
LOG = "receiptkit-audit.sqlite"
HEAD = LOG + ".head"
DOC_TABLE = "docs/reprint.md, Checking the chain: problem table"


def copy_shop(shop: Shop, dest: Path) -> Path:
    """A fresh copy of the genuine shop folder."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(shop.folder, dest)
    return dest


def read_rows(folder: Path) -> tuple[list[str], list[list[Any]]]:
    con = sqlite3.connect(folder / LOG)
    cur = con.execute(f"select * from {TABLE} order by seq")
    cols = [d[0] for d in cur.description]
    rows = [list(r) for r in cur.fetchall()]
    con.close()
    return cols, rows


def write_rows(folder: Path, cols: list[str], rows: list[list[Any]], *, drop_unique: bool = False) -> None:
    """Replace the table's rows (an insider with write access to the database file)."""
    con = sqlite3.connect(folder / LOG)
    if drop_unique:
        con.execute(f"create table t_copy as select * from {TABLE} where 0")
        con.execute(f"drop table {TABLE}")
        con.execute(f"alter table t_copy rename to {TABLE}")
    con.execute(f"delete from {TABLE}")
    marks = ",".join("?" for _ in cols)
    con.executemany(f"insert into {TABLE} ({','.join(cols)}) values ({marks})", rows)
    con.commit()
    con.close()


def sql(folder: Path, statement: str, params: tuple[Any, ...] = ()) -> None:
    con = sqlite3.connect(folder / LOG)
    con.execute(statement, params)
    con.commit()
    con.close()


def plain_hash(cols: list[str], row: list[Any]) -> str:
    """What an outsider without the key can compute: a plain SHA-256 of the row's columns."""
    d = {c: v for c, v in zip(cols, row, strict=True) if c not in ("seq", "row_hash") and v is not None}
    return hashlib.sha256(json.dumps(d, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class Ctx:
    """What every attack needs: the genuine shops, a seeded choice, the output folder."""

    def __init__(self, a: Shop, b: Shop, root: Path, seed: int) -> None:
        self.a, self.b, self.root = a, b, root
        self.rng = random.Random(f"cr11-attacks-{seed}")
        _, rows = read_rows(a.folder)
        self.n = len(rows)
        cols, _ = read_rows(a.folder)
        self.cols = cols
        ci = {c: i for i, c in enumerate(cols)}
        self.ci = ci
        self.pending = [r[ci["seq"]] for r in rows if r[ci["status"]] == "pending"]
        self.completions = [
            r[ci["seq"]] for r in rows if r[ci["status"]] in ("printed", "unconfirmed", "failed")
        ]
        self.confirm_seq = next(
            (
                r[ci["seq"]]
                for r in rows
                if r[ci["status"]] == "printed" and '"how":"operator"' in r[ci["details"]]
            ),
            None,
        )
        self.middle = [s for s in range(2, self.n)]


# ---------------------------------------------------------------- tampering functions


def edit_details(field_path: list[str], new: Callable[[Any], Any], seq: int) -> Callable[[Path], str]:
    def tamper(f: Path) -> str:
        cols, rows = read_rows(f)
        ci = cols.index("details")
        for r in rows:
            if r[0] == seq:
                d = json.loads(r[ci])
                tgt = d
                for k in field_path[:-1]:
                    tgt = tgt[k]
                old = tgt.get(field_path[-1])
                tgt[field_path[-1]] = new(old)
                r[ci] = json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                write_rows(f, cols, rows)
                return f"row {seq} details.{'.'.join(field_path)}: {old!r} -> {tgt[field_path[-1]]!r}"
        raise AssertionError(seq)

    return tamper


def edit_column(column: str, new: Callable[[Any], Any], seq: int) -> Callable[[Path], str]:
    def tamper(f: Path) -> str:
        cols, rows = read_rows(f)
        ci = cols.index(column)
        for r in rows:
            if r[0] == seq:
                old = r[ci]
                r[ci] = new(old)
                write_rows(f, cols, rows)
                return f"row {seq} {column}: {old!r} -> {r[ci]!r}"
        raise AssertionError(seq)

    return tamper


def delete_rows(seqs: list[int], renumber: bool = False) -> Callable[[Path], str]:
    def tamper(f: Path) -> str:
        cols, rows = read_rows(f)
        rows = [r for r in rows if r[0] not in seqs]
        if renumber:
            for i, r in enumerate(rows):
                r[0] = i + 1
        write_rows(f, cols, rows)
        return f"deleted rows {seqs}" + (" and renumbered seq" if renumber else "")

    return tamper


def swap_rows(seq: int) -> Callable[[Path], str]:
    def tamper(f: Path) -> str:
        cols, rows = read_rows(f)
        i = next(k for k, r in enumerate(rows) if r[0] == seq)
        a, b = rows[i], rows[i + 1]
        rows[i], rows[i + 1] = [a[0], *b[1:]], [b[0], *a[1:]]
        write_rows(f, cols, rows)
        return f"swapped the content of rows {seq} and {seq + 1}"

    return tamper


def forged_row(at: int | None, row_hash: str = "plain") -> Callable[[Path], str]:
    """A reprint row written without the key: a plain SHA-256 hash, linked to the row before it."""

    def tamper(f: Path) -> str:
        cols, rows = read_rows(f)
        ci = {c: i for i, c in enumerate(cols)}
        pos = len(rows) if at is None else at - 1
        tmpl = next(r for r in rows if r[ci["status"]] == "pending")
        new = list(tmpl)
        new[ci["subject"]] = "A99999"
        new[ci["short_code"]] = "FORGE-DCODE"
        new[ci["recorded_at"]] = rows[pos - 1][ci["recorded_at"]]
        new[ci["prev_hash"]] = rows[pos - 1][ci["row_hash"]]
        new[ci["row_hash"]] = plain_hash(cols, new)
        rows.insert(pos, new)
        if at is not None:
            rows[pos + 1][ci["prev_hash"]] = new[ci["row_hash"]]
            rows[pos + 1][ci["row_hash"]] = plain_hash(cols, rows[pos + 1])
        for k, r in enumerate(rows):
            r[0] = k + 1
        write_rows(f, cols, rows)
        return f"forged reprint row at position {pos + 1} (plain SHA-256 hash)"

    return tamper


def recompute_plain_chain(seq: int) -> Callable[[Path], str]:
    """Edit an amount, then recompute every hash after it with plain SHA-256 (an outsider's best effort)."""

    def tamper(f: Path) -> str:
        edit_details(["fields", "amount_minor"], lambda v: str(int(v) + 100), seq)(f)
        cols, rows = read_rows(f)
        ci = {c: i for i, c in enumerate(cols)}
        for k, r in enumerate(rows):
            if r[0] < seq:
                continue
            if k > 0:
                r[ci["prev_hash"]] = rows[k - 1][ci["row_hash"]]
            r[ci["row_hash"]] = plain_hash(cols, r)
        write_rows(f, cols, rows)
        return f"row {seq} amount +1.00 and every hash from it recomputed as plain SHA-256"

    return tamper


def duplicate_row(seq: int) -> Callable[[Path], str]:
    def tamper(f: Path) -> str:
        cols, rows = read_rows(f)
        i = next(k for k, r in enumerate(rows) if r[0] == seq)
        rows.insert(i + 1, list(rows[i]))
        for k, r in enumerate(rows):
            r[0] = k + 1
        write_rows(f, cols, rows, drop_unique=True)
        return f"row {seq} written twice (unique constraints dropped)"

    return tamper


def foreign_row(b: Shop) -> Callable[[Path], str]:
    def tamper(f: Path) -> str:
        cols, rows = read_rows(f)
        _, brows = read_rows(b.folder)
        new = list(brows[0])
        new[0] = len(rows) + 1
        rows.append(new)
        write_rows(f, cols, rows, drop_unique=True)
        return "shop B's first row (prev_hash genesis) appended to shop A's log (unique constraints dropped)"

    return tamper


def foreign_row_relinked(b: Shop) -> Callable[[Path], str]:
    def tamper(f: Path) -> str:
        cols, rows = read_rows(f)
        ci = {c: i for i, c in enumerate(cols)}
        _, brows = read_rows(b.folder)
        new = list(brows[-1])
        new[0] = len(rows) + 1
        new[ci["prev_hash"]] = rows[-1][ci["row_hash"]]
        rows.append(new)
        write_rows(f, cols, rows)
        return "shop B's last row appended to shop A's log, its prev_hash relinked to A's last row"

    return tamper


def restore_old(with_rows: bool, with_head: bool) -> Callable[[Path], str]:
    def tamper(f: Path) -> str:
        if with_rows:
            shutil.copy2(f / "old" / LOG, f / LOG)
        if with_head:
            shutil.copy2(f / "old" / HEAD, f / HEAD)
        return "older copy put back: " + " and ".join(
            x for x, y in (("rows (database file)", with_rows), ("signed head", with_head)) if y
        )

    return tamper


def truncate_with_old_head() -> Callable[[Path], str]:
    def tamper(f: Path) -> str:
        old = json.loads((f / "old" / HEAD).read_text())
        n = int(old["seq"])
        cols, rows = read_rows(f)
        write_rows(f, cols, [r for r in rows if r[0] <= n])
        shutil.copy2(f / "old" / HEAD, f / HEAD)
        return f"rows after {n} cut off and the genuine older head (rows {n}) put back"

    return tamper


def edit_head(fn: Callable[[dict[str, Any]], None], what: str) -> Callable[[Path], str]:
    def tamper(f: Path) -> str:
        h = json.loads((f / HEAD).read_text())
        fn(h)
        (f / HEAD).write_text(json.dumps(h, sort_keys=True, separators=(",", ":")))
        return what

    return tamper


def replace_file(name: str, src: Callable[[Path], bytes | None], what: str) -> Callable[[Path], str]:
    def tamper(f: Path) -> str:
        data = src(f)
        if data is None:
            (f / name).unlink()
        else:
            (f / name).write_bytes(data)
        return what

    return tamper


def rebuild_log(key_text: str, what: str, txns: list[str]) -> Callable[[Path], str]:
    """A fresh log started with ``key_text`` and a few reprints re-created (the incriminating ones left out)."""

    def tamper(f: Path) -> str:
        for name in (LOG, HEAD, HEAD + ".lock"):
            if (f / name).exists():
                (f / name).unlink()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            journal = rk.read_journal(str(f / "journal.csv"))
            for k, txn in enumerate(txns):
                rk.reprint(
                    journal[journal.txn_id == txn].iloc[0],
                    journal=journal,
                    operator="clerk7",
                    reason="customer lost the slip",
                    pdf=f / f"rebuilt{k}.pdf",
                    audit=str(f / LOG),
                    key=key_text,
                    new_audit_log=True,
                )
        return what

    return tamper


def edit_register() -> Callable[[Path], str]:
    def tamper(f: Path) -> str:
        con = sqlite3.connect(f / LOG)
        cur = con.execute("select * from receiptkit_terminals")
        cols = [d[0] for d in cur.description]
        changed = []
        for row in cur.fetchall():
            for c, v in zip(cols, row, strict=True):
                if isinstance(v, str) and "2026-11-30" in v:
                    con.execute(
                        f"update receiptkit_terminals set {c} = ? where {c} = ?",
                        (v.replace("2026-11-30", "2026-11-02"), v),
                    )
                    changed.append(c)
        con.commit()
        con.close()
        return f"register columns {changed}: 2026-11-30 -> 2026-11-02"

    return tamper


def edit_loss_event() -> Callable[[Path], str]:
    def tamper(f: Path) -> str:
        cols, rows = read_rows(f)
        ci = {c: i for i, c in enumerate(cols)}
        for r in rows:
            if (
                r[ci["event_type"]] == "terminal_status"
                and r[ci["effective_at"]]
                and "2026-11-30" in r[ci["effective_at"]]
            ):
                r[ci["effective_at"]] = r[ci["effective_at"]].replace("2026-11-30", "2026-11-02")
                write_rows(f, cols, rows)
                return f"row {r[0]} effective_at moved to 2026-11-02"
        raise AssertionError("no loss event")

    return tamper


def drop_tables() -> Callable[[Path], str]:
    def tamper(f: Path) -> str:
        sql(f, f"drop table {TABLE}")
        return "audit table dropped, head left"

    return tamper


def edit_meta(name: str, value: str | None) -> Callable[[Path], str]:
    def tamper(f: Path) -> str:
        if value is None:
            sql(f, "delete from receiptkit_audit_meta where name = ?", (name,))
            return f"metadata {name} removed"
        sql(f, "update receiptkit_audit_meta set value = ? where name = ?", (value, name))
        return f"metadata {name} set to {value}"

    return tamper


# ---------------------------------------------------------------- oracle

PROBLEM_RE = re.compile(r"audit log (TAMPERED|NOT VERIFIED): (\w+)")


def judge_verify(
    case: C.Case, res: C.CliResult, api: tuple[bool | None, str], problems: set[str], exit_code: int
) -> None:
    """Classify one ``audit verify`` answer against the expectation."""
    api_ok, api_problem = api
    m = PROBLEM_RE.search(res.text)
    lines = [x for x in (res.out.strip().splitlines()[:1] + res.err.strip().splitlines()[:2]) if x]
    said = f"exit {res.code}: {' / '.join(lines)[:300]}"
    said += f" | API ok={api_ok} problem={api_problem}"
    case.detail = (case.detail + "; " if case.detail else "") + said
    if res.crashed or api_problem.startswith("CRASH"):
        case.outcome = C.CRASH
        return
    if case.expect == "genuine":
        intact = res.code == 0 and "intact" in res.out and api_ok is not False
        case.outcome = C.GENUINE_OK if intact else C.FALSE_ALARM
        return
    detected = res.code != 0 and ("TAMPERED" in res.text or "NOT VERIFIED" in res.text)
    if case.expect == "limit":
        case.outcome = C.LIMIT
        case.detail += " (detected anyway)" if detected else " (not detected, as documented)"
        return
    if res.code == 0 or not detected:
        case.outcome = C.SILENT
        return
    if api_ok is True and not case.category.endswith("register"):
        case.outcome = C.SILENT
        case.detail += " (the command caught it, AuditLog.verify() said ok)"
        return
    if res.code != exit_code:
        case.outcome = C.WRONG
        case.detail += f" (expected exit {exit_code})"
        return
    if problems and (m is None or m.group(2) not in problems):
        case.outcome = C.WRONG
        case.detail += f" (expected problem {sorted(problems)})"
        return
    case.outcome = C.DETECTED


def api_verify(folder: Path, anchor: str | None) -> tuple[bool | None, str]:
    """``AuditLog(..., create=False).verify()`` with the folder's key file; a typed refusal counts as a refusal."""
    if not (folder / "a.key").exists():
        return None, "no key file"
    key_text = (folder / "a.key").read_text().strip()
    try:
        log = rk.AuditLog(str(folder / LOG), create=False, key=key_text)
        anchors = [rk.audit.read_head(str(folder / anchor))] if anchor else []
        rep = log.verify(anchors=anchors)
        return bool(rep.ok), str(rep.problem)
    except rk.ReceiptkitError as exc:
        return None, f"refused {type(exc).__name__}: {str(exc)[:120]}"
    except Exception as exc:
        return None, f"CRASH {type(exc).__name__}: {str(exc)[:160]}"


# ---------------------------------------------------------------- the cases


def log_cases(ctx: Ctx) -> list[tuple[str, str, str, Callable[[Path], str], set[str], str | None, int, str]]:
    """(category, name, expect, tamper, expected problems, anchor, exit code, doc sentence)."""
    rng, a, b = ctx.rng, ctx.a, ctx.b
    pend = rng.choice(ctx.pending)
    comp = rng.choice(ctx.completions)
    mid = rng.choice(ctx.middle)
    last = ctx.n
    keep = [a.dups[0].txn_id, a.dups[1].txn_id]  # re-created; the others' reprints left out
    t: list[tuple[str, str, str, Callable[[Path], str], set[str], str | None, int, str]] = []
    ed = {"edited"}
    doc_ed = "reprint.md: `edited`: a row's content no longer gives its keyed hash"
    t += [
        (
            "edit",
            "amount in a reprint row",
            "detect",
            edit_details(["fields", "amount_minor"], lambda v: str(int(v) * 10), pend),
            ed,
            None,
            1,
            doc_ed,
        ),
        (
            "edit",
            "txn id (subject)",
            "detect",
            edit_column("subject", lambda v: v[:-1] + ("9" if v[-1] != "9" else "8"), pend),
            ed,
            None,
            1,
            doc_ed,
        ),
        (
            "edit",
            "txn id inside the signed fields",
            "detect",
            edit_details(["fields", "txn_id"], lambda v: "A99999", pend),
            ed,
            None,
            1,
            doc_ed,
        ),
        (
            "edit",
            "state printed->failed",
            "detect",
            edit_column("status", lambda v: "failed" if v != "failed" else "printed", comp),
            ed,
            None,
            1,
            doc_ed,
        ),
        (
            "edit",
            "operator",
            "detect",
            edit_column("operator", lambda v: "mallory", pend),
            ed,
            None,
            1,
            doc_ed,
        ),
        (
            "edit",
            "recorded_at (time) -1 s",
            "detect",
            edit_column("recorded_at", lambda v: v[:17] + f"{max(int(v[17:19]) - 1, 0):02d}" + v[19:], mid),
            {"edited", "reordered"},
            None,
            1,
            doc_ed,
        ),
        (
            "edit",
            "short code",
            "detect",
            edit_column("short_code", lambda v: "ABCDE-FGHJK", pend),
            ed,
            None,
            1,
            doc_ed,
        ),
        (
            "edit",
            "reprint_no",
            "detect",
            edit_column("reprint_no", lambda v: (v or 0) + 5, pend),
            ed,
            None,
            1,
            doc_ed,
        ),
        (
            "edit",
            "reason text",
            "detect",
            edit_details(["reason"], lambda v: "police request", pend),
            ed,
            None,
            1,
            doc_ed,
        ),
        (
            "edit",
            "card last 4 in fields",
            "detect",
            edit_details(["fields", "card_last4"], lambda v: "0000", pend),
            ed,
            None,
            1,
            doc_ed,
        ),
        (
            "edit",
            "plain-SHA chain recomputed after an edit",
            "detect",
            recompute_plain_chain(pend),
            {"forged", "edited"},
            None,
            1,
            "reprint.md: `forged`: a row's hash is a plain SHA-256: written or recomputed by someone without the key",
        ),
    ]
    if ctx.confirm_seq:
        t.append(
            (
                "edit",
                "clerk confirmation how operator->process_id",
                "detect",
                edit_details(["how"], lambda v: "process_id", ctx.confirm_seq),
                ed,
                None,
                1,
                doc_ed,
            )
        )
    doc_del = "reprint.md: `deleted`: a row links to a row that is gone and `seq` has a gap, or the rows after it were renumbered"
    doc_tr = (
        "reprint.md: `truncated`: the signed head (or an anchor) names rows that are no longer in the log"
    )
    t += [
        ("delete", "middle row", "detect", delete_rows([mid]), {"deleted"}, None, 1, doc_del),
        (
            "delete",
            "middle row, seq renumbered",
            "detect",
            delete_rows([mid], renumber=True),
            {"deleted"},
            None,
            1,
            doc_del,
        ),
        (
            "delete",
            "two middle rows",
            "detect",
            delete_rows([mid, mid + 1 if mid + 1 < last else mid - 1]),
            {"deleted"},
            None,
            1,
            doc_del,
        ),
        ("truncate", "last row", "detect", delete_rows([last]), {"truncated"}, None, 1, doc_tr),
        (
            "truncate",
            "last 3 rows",
            "detect",
            delete_rows([last, last - 1, last - 2]),
            {"truncated"},
            None,
            1,
            doc_tr,
        ),
        (
            "truncate",
            "all rows",
            "detect",
            delete_rows(list(range(1, last + 1))),
            {"truncated"},
            None,
            1,
            doc_tr,
        ),
        (
            "truncate",
            "log file emptied (0 bytes)",
            "detect",
            replace_file(LOG, lambda f: b"", "log emptied"),
            {"truncated"},
            None,
            1,
            doc_tr,
        ),
        (
            "truncate",
            "log file cut in half",
            "detect",
            replace_file(
                LOG, lambda f: (f / LOG).read_bytes()[: len((f / LOG).read_bytes()) // 2], "log cut in half"
            ),
            {"truncated"},
            None,
            1,
            doc_tr,
        ),
        ("truncate", "audit table dropped", "detect", drop_tables(), {"truncated"}, None, 1, doc_tr),
    ]
    doc_ins = "reprint.md: `inserted` rows sit between a row and the row it links to; `forged`: plain SHA-256"
    t += [
        (
            "insert",
            "forged row at the end",
            "detect",
            forged_row(None),
            {"forged", "unsigned_tail", "edited"},
            None,
            1,
            doc_ins,
        ),
        (
            "insert",
            "forged row in the middle",
            "detect",
            forged_row(mid),
            {"forged", "inserted", "edited"},
            None,
            1,
            doc_ins,
        ),
        (
            "insert",
            "a row written twice",
            "detect",
            duplicate_row(mid),
            {"duplicated"},
            None,
            1,
            "reprint.md: `duplicated`: a row is there twice",
        ),
        (
            "insert",
            "row copied from shop B's log",
            "detect",
            foreign_row(b),
            set(),
            None,
            1,
            "reprint.md: someone without the key can neither append a row nor rewrite a row",
        ),
        (
            "insert",
            "shop B's row relinked to A's chain",
            "detect",
            foreign_row_relinked(b),
            set(),
            None,
            1,
            "reprint.md: someone without the key can neither append a row nor rewrite a row",
        ),
        (
            "reorder",
            "two adjacent rows swapped",
            "detect",
            swap_rows(mid),
            {"reordered"},
            None,
            1,
            "reprint.md: `reordered`: a row links to a row that comes later",
        ),
    ]
    doc_head = "reprint.md, How a verifier checks the log's head, step 3: cuts rows and puts back a genuine older head: consistent in itself; keep heads elsewhere and pass them as anchors"
    t += [
        (
            "rollback",
            "whole log + head rolled back (no anchor)",
            "limit",
            restore_old(True, True),
            set(),
            None,
            1,
            doc_head,
        ),
        (
            "rollback",
            "whole log + head rolled back, --anchor head",
            "detect",
            restore_old(True, True),
            {"truncated"},
            "anchor.head",
            1,
            doc_head,
        ),
        (
            "rollback",
            "whole log + head rolled back, --anchor backup",
            "detect",
            restore_old(True, True),
            {"truncated"},
            "backup.jsonl",
            1,
            doc_head,
        ),
        (
            "rollback",
            "rows cut + older head put back (no anchor)",
            "limit",
            truncate_with_old_head(),
            set(),
            None,
            1,
            doc_head,
        ),
        (
            "rollback",
            "rows cut + older head put back, --anchor head",
            "detect",
            truncate_with_old_head(),
            {"truncated"},
            "anchor.head",
            1,
            doc_head,
        ),
        (
            "rollback",
            "older head only (rows kept)",
            "detect",
            restore_old(False, True),
            {"unsigned_tail"},
            None,
            1,
            "reprint.md: `unsigned_tail`: rows come after the signed head: an older head was put back",
        ),
        (
            "rollback",
            "rows rolled back, current head kept",
            "detect",
            restore_old(True, False),
            {"truncated"},
            None,
            1,
            doc_tr,
        ),
        (
            "rebuild",
            "fresh log, merchant key, rows re-created (no anchor)",
            "limit",
            rebuild_log(a.key_text, "fresh log under the merchant key", keep),
            set(),
            None,
            1,
            "reprint.md: Someone who holds the key can do the same, which is why anchors kept elsewhere matter",
        ),
        (
            "rebuild",
            "fresh log, merchant key, --anchor head",
            "detect",
            rebuild_log(a.key_text, "fresh log under the merchant key", keep),
            {"truncated"},
            "anchor.head",
            1,
            doc_head,
        ),
        (
            "rebuild",
            "fresh log under another key",
            "detect",
            rebuild_log(b.key_text, "fresh log under shop B's key", keep),
            {"wrong_key"},
            None,
            1,
            "reprint.md: `wrong_key` ... a log rebuilt under another key, which an anchor signed with the merchant's key shows",
        ),
        (
            "rebuild",
            "fresh log under another key, --anchor head",
            "detect",
            rebuild_log(b.key_text, "fresh log under shop B's key", keep),
            {"wrong_key", "truncated"},
            "anchor.head",
            1,
            "reprint.md: `wrong_key`: When something was made with the key given (... an anchor signed with it), it is `TAMPERED: wrong_key`",
        ),
    ]
    doc_nh = "reprint.md: `no_head`: the head is missing; `head_invalid`: the head was edited, or signed with another key"
    t += [
        (
            "head",
            "head file deleted",
            "detect",
            replace_file(HEAD, lambda f: None, "head deleted"),
            {"no_head"},
            None,
            1,
            doc_nh,
        ),
        (
            "head",
            "head rows count edited",
            "detect",
            edit_head(lambda h: h.update(rows=h["rows"] - 1, seq=h["seq"] - 1), "head edited: rows-1"),
            {"head_invalid"},
            None,
            1,
            doc_nh,
        ),
        (
            "head",
            "shop B's head put in",
            "detect",
            replace_file(HEAD, lambda f: (b.folder / HEAD).read_bytes(), "shop B's head"),
            {"head_invalid", "wrong_key"},
            None,
            1,
            doc_nh,
        ),
        (
            "head",
            "head re-hashed with plain SHA-256",
            "detect",
            edit_head(
                lambda h: h.update(
                    hmac=hashlib.sha256(
                        json.dumps({k: v for k, v in h.items() if k != "hmac"}, sort_keys=True).encode()
                    ).hexdigest()
                ),
                "head HMAC replaced by a plain SHA-256",
            ),
            {"head_invalid"},
            None,
            1,
            doc_nh,
        ),
        (
            "head",
            "anchor file edited (genuine log)",
            "detect",
            lambda f: (
                (f / "anchor.head").write_text((f / "anchor.head").read_text().replace('"rows":', '"rows":1'))
                and "anchor edited"
            ),
            {"anchor_invalid", "truncated"},
            "anchor.head",
            1,
            "reprint.md: `anchor_invalid`: an anchor passed in is not validly signed",
        ),
    ]
    doc_key = "reprint.md: `wrong_key` ... When nothing in it was made with the key given, `checked` is false and the command says `audit log NOT VERIFIED: wrong_key`"
    t += [
        (
            "key",
            "key file replaced by shop B's key",
            "detect",
            replace_file("a.key", lambda f: (b.key_text + "\n").encode(), "key file now holds shop B's key"),
            {"wrong_key"},
            None,
            1,
            doc_key,
        ),
        (
            "key",
            "key_id in the metadata changed to B's",
            "detect",
            edit_meta("key_id", _key_id(b)),
            {"wrong_key"},
            None,
            1,
            "reprint.md: When something was made with the key given (its key id changed under rows keyed with it ...), it is `TAMPERED: wrong_key`",
        ),
        (
            "key",
            "chain version removed from the metadata",
            "detect",
            edit_meta("chain", None),
            {"unkeyed"},
            None,
            1,
            "reprint.md: `unkeyed`: the log has no chain version: ... or its metadata was removed",
        ),
    ]
    t += [
        (
            "register",
            "register table: loss time moved earlier",
            "detect",
            edit_register(),
            set(),
            None,
            1,
            "terminals.md: If they edit the register table instead ... `receiptkit audit verify` and `receiptkit terminal verify` exit 1 naming the field and both values",
        ),
        (
            "register",
            "loss event's effective_at edited in the audit table",
            "detect",
            edit_loss_event(),
            {"edited"},
            None,
            1,
            "terminals.md: If someone edits the loss time in the audit table ... `receiptkit audit verify` exits 1 (`TAMPERED: edited at row 2`)",
        ),
    ]
    t += [
        (
            "genuine",
            "untouched log",
            "genuine",
            lambda f: "nothing changed",
            set(),
            None,
            0,
            "cli.md: exit 0 ... the audit log is intact",
        ),
        (
            "genuine",
            "untouched log, --anchor head",
            "genuine",
            lambda f: "nothing changed",
            set(),
            "anchor.head",
            0,
            "reprint.md: The log must still hold the anchor's row",
        ),
        (
            "genuine",
            "untouched log, --anchor backup",
            "genuine",
            lambda f: "nothing changed",
            set(),
            "backup.jsonl",
            0,
            "reprint.md: --anchor ... a backup from audit export",
        ),
        (
            "genuine",
            "untouched log, --anchor older head",
            "genuine",
            lambda f: "nothing changed",
            set(),
            "old/" + HEAD,
            0,
            "reprint.md: older heads the log must still extend",
        ),
    ]
    return t


def _key_id(shop: Shop) -> str:
    con = sqlite3.connect(shop.folder / LOG)
    v = con.execute("select value from receiptkit_audit_meta where name='key_id'").fetchone()[0]
    con.close()
    return str(v)


def run_log_attacks(ctx: Ctx) -> list[C.Case]:
    """Every log attack on a fresh copy, judged by ``audit verify`` (CLI) and ``AuditLog.verify`` (API)."""
    out: list[C.Case] = []
    todo: list[tuple[C.Case, Path, str | None, set[str], int]] = []
    jobs: list[tuple[list[str], Path, Path | None]] = []
    for k, (cat, name, expect, tamper, problems, anchor, code, doc) in enumerate(log_cases(ctx)):
        folder = copy_shop(
            ctx.a, ctx.root / "log" / f"{k:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}"
        )
        case = C.Case(f"log:{cat}", name, expect, doc=doc, folder=str(folder))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                case.detail = str(tamper(folder))
        except Exception as exc:
            case.outcome = C.CRASH
            case.detail = f"bench could not apply the attack: {type(exc).__name__}: {exc}"
            out.append(case)
            continue
        argv = ["audit", "verify", "--audit", LOG] + (["--anchor", anchor] if anchor else [])
        key_file = folder / "a.key" if (folder / "a.key").exists() else None
        jobs.append((argv, folder, key_file))
        todo.append((case, folder, anchor, problems, code))
    for (case, folder, anchor, problems, code), res in zip(todo, C.run_many(jobs), strict=True):
        api = api_verify(folder, anchor)
        case.repro = [res.command()]
        judge_verify(case, res, api, problems, code)
        out.append(case)
    out += consequence_cases(ctx)
    return out


def consequence_cases(ctx: Ctx) -> list[C.Case]:
    """What the docs promise follows from a tampered log: no append, codes not genuine, backups refused."""
    out: list[C.Case] = []
    a = ctx.a
    printed = [d for d in a.dups if d.state == "printed" and d.short_code]
    # 1. a truncated log is not written to
    folder = copy_shop(a, ctx.root / "log" / "c1-append-after-truncation")
    delete_rows([ctx.n])(folder)
    case = C.Case(
        "log:consequence",
        "reprint appended to a truncated log",
        "detect",
        folder=str(folder),
        doc="reprint.md: Every append checks that the log still ends where the head says (a log that does not is not written to, so a shortened log is never silently extended and re-signed)",
    )
    txn = a.dups[1].txn_id  # a sale reprinted once already: another duplicate by its txn id is allowed
    res = C.run_cli(
        [
            "reprint",
            txn,
            "--journal",
            "journal.csv",
            "--operator",
            "clerk7",
            "--reason",
            "lost",
            "--pdf",
            "x.pdf",
            "--tz",
            "Asia/Shanghai",
        ],
        folder,
        folder / "a.key",
    )
    n_after = len(read_rows(folder)[1])
    case.repro = [res.command()]
    case.detail = f"exit {res.code}: {res.text.strip()[:200]}; rows {ctx.n - 1} -> {n_after}"
    case.outcome = (
        C.CRASH
        if res.crashed
        else (
            C.DETECTED
            if res.code == 2 and n_after == ctx.n - 1 and not (folder / "x.pdf").exists()
            else C.SILENT
        )
    )
    out.append(case)
    # 2. a short code whose row was edited
    d = ctx.rng.choice(printed)
    folder = copy_shop(a, ctx.root / "log" / "c2-code-of-edited-row")
    cols, rows = read_rows(folder)
    seq = next(r[0] for r in rows if r[cols.index("short_code")] == d.short_code)
    edit_details(["fields", "amount_minor"], lambda v: str(int(v) * 10), seq)(folder)
    case = C.Case(
        "log:consequence",
        "verify CODE of an edited row",
        "detect",
        folder=str(folder),
        doc="reprint.md: Short code: ... The fields recorded there are checked against the code with the key, so an edited log row is caught too",
    )
    res = C.run_cli(["verify", d.short_code, "--audit", LOG], folder, folder / "a.key")
    case.repro = [res.command()]
    case.detail = f"exit {res.code}: {res.out.strip()[:200]}"
    case.outcome = (
        C.CRASH if res.crashed else (C.DETECTED if res.code == 1 and "NOT GENUINE" in res.out else C.SILENT)
    )
    out.append(case)
    # 3. the QR of a reprint the rolled-back log no longer holds
    d = a.dups[-1]
    folder = copy_shop(a, ctx.root / "log" / "c3-qr-after-rollback")
    restore_old(True, True)(folder)
    case = C.Case(
        "log:consequence",
        "verify QR --audit after a roll-back",
        "detect",
        folder=str(folder),
        doc="reprint.md: QR payload, key and log: ... A valid HMAC on a reprint the log does not know means that the key leaked or rows were lost, and the slip is reported not genuine",
    )
    res = C.run_cli(["verify", d.payload, "--audit", LOG], folder, folder / "a.key")
    case.repro = [res.command()]
    case.detail = f"exit {res.code}: {res.out.strip()[:200]}"
    case.outcome = (
        C.CRASH if res.crashed else (C.DETECTED if res.code == 1 and "NOT GENUINE" in res.out else C.SILENT)
    )
    out.append(case)
    # 4. a tampered backup is not imported
    folder = copy_shop(a, ctx.root / "log" / "c4-import-tampered-backup")
    lines = (folder / "backup.jsonl").read_text().splitlines()
    i = ctx.rng.choice([k for k in range(1, len(lines) - 1) if "amount_minor" in lines[k]])
    lines[i] = (
        re.sub(
            r'\\"amount_minor\\":\\"(\d+)\\"',
            lambda m: '\\"amount_minor\\":\\"' + str(int(m.group(1)) + 1) + '\\"',
            lines[i],
        )
        if "amount_minor" in lines[i]
        else lines[i]
        .replace('"clerk7"', '"mallory"')
        .replace('"li"', '"mallory"')
        .replace('"pending"', '"printed"')
    )
    changed = lines[i] != (ctx.a.folder / "backup.jsonl").read_text().splitlines()[i]
    (folder / "backup.jsonl").write_text("\n".join(lines) + "\n")
    case = C.Case(
        "log:consequence",
        "audit import of an edited backup",
        "detect",
        folder=str(folder),
        doc="reprint.md: audit import ... refuses a tampered, cut or foreign backup (exit 1)",
    )
    res = C.run_cli(
        ["audit", "import", "backup.jsonl", "--audit", "restored.sqlite"], folder, folder / "a.key"
    )
    restored = folder / "restored.sqlite"
    has_rows = restored.exists() and restored.stat().st_size > 0 and _count(restored) > 0
    case.repro = [res.command()]
    case.detail = (
        f"line {i + 1} changed={changed}; exit {res.code}: {res.text.strip()[:200]}; restored rows={has_rows}"
    )
    case.outcome = C.CRASH if res.crashed else (C.DETECTED if res.code == 1 and not has_rows else C.SILENT)
    if not changed:
        case.expect, case.outcome = "genuine", (C.GENUINE_OK if res.code == 0 else C.FALSE_ALARM)
    out.append(case)
    # 5. a genuine backup round trip
    folder = copy_shop(a, ctx.root / "log" / "c5-import-genuine-backup")
    case = C.Case(
        "genuine",
        "audit import of the genuine backup, then audit verify",
        "genuine",
        folder=str(folder),
        doc="reprint.md: restores only into a new or empty log, rows, hashes and head unchanged",
    )
    r1 = C.run_cli(
        ["audit", "import", "backup.jsonl", "--audit", "restored.sqlite"], folder, folder / "a.key"
    )
    r2 = C.run_cli(["audit", "verify", "--audit", "restored.sqlite"], folder, folder / "a.key")
    case.repro = [r1.command(), r2.command()]
    case.detail = (
        f"import exit {r1.code}; verify exit {r2.code}: {r2.out.strip()[:160]} {r1.err.strip()[:160]}"
    )
    case.outcome = (
        C.CRASH
        if (r1.crashed or r2.crashed)
        else (C.GENUINE_OK if r1.code == 0 and r2.code == 0 else C.FALSE_ALARM)
    )
    out.append(case)
    # 6. a genuine reprint appended after the anchor keeps the log intact (and the anchor valid)
    folder = copy_shop(a, ctx.root / "log" / "c6-genuine-append")
    case = C.Case(
        "genuine",
        "genuine reprint appended, audit verify --anchor",
        "genuine",
        folder=str(folder),
        doc="cli.md: exit 0 ... the audit log is intact",
    )
    r1 = C.run_cli(
        [
            "reprint",
            txn,
            "--journal",
            "journal.csv",
            "--operator",
            "clerk7",
            "--reason",
            "lost",
            "--pdf",
            "x.pdf",
            "--tz",
            "Asia/Shanghai",
        ],
        folder,
        folder / "a.key",
    )
    r2 = C.run_cli(["audit", "verify", "--audit", LOG, "--anchor", "anchor.head"], folder, folder / "a.key")
    case.repro = [r1.command(), r2.command()]
    case.detail = f"reprint exit {r1.code}; verify exit {r2.code}: {r2.out.strip()[:160]}"
    case.outcome = (
        C.CRASH
        if (r1.crashed or r2.crashed)
        else (C.GENUINE_OK if r1.code == 0 and r2.code == 0 else C.FALSE_ALARM)
    )
    out.append(case)
    # 8. an insider with the key re-signs the head over a cut or edited log
    for name, tamper in (
        ("cut", delete_rows([ctx.n, ctx.n - 1])),
        ("edited", edit_column("operator", lambda v: "mallory", ctx.pending[0])),
    ):
        folder = copy_shop(a, ctx.root / "log" / f"c8-resign-after-{name}")
        tamper(folder)
        case = C.Case(
            "log:consequence",
            f"audit head --resign over a {name} log",
            "detect",
            folder=str(folder),
            doc="reprint.md: `receiptkit audit head --resign ...` signs the current end again ... (refused when anything else is wrong)",
        )
        r1 = C.run_cli(
            ["audit", "head", "--resign", "--operator", "mallory", "--reason", "writer died"],
            folder,
            folder / "a.key",
        )
        r2 = C.run_cli(["audit", "verify"], folder, folder / "a.key")
        case.repro = [r1.command(), r2.command()]
        case.detail = (
            f"resign exit {r1.code}: {r1.text.strip()[:160]}; verify exit {r2.code}: {r2.out.strip()[:120]}"
        )
        case.outcome = (
            C.CRASH
            if (r1.crashed or r2.crashed)
            else (C.DETECTED if r1.code != 0 and r2.code == 1 else C.SILENT)
        )
        out.append(case)
    # 9. an edit is not laundered by the next genuine append
    folder = copy_shop(a, ctx.root / "log" / "c9-edit-then-genuine-append")
    edit_details(["fields", "amount_minor"], lambda v: str(int(v) * 10), ctx.pending[0])(folder)
    case = C.Case(
        "log:consequence",
        "edited row, then a genuine reprint appended",
        "detect",
        folder=str(folder),
        doc="reprint.md: `edited`: a row's content no longer gives its keyed hash",
    )
    r1 = C.run_cli(
        [
            "reprint",
            txn,
            "--journal",
            "journal.csv",
            "--operator",
            "clerk7",
            "--reason",
            "lost",
            "--pdf",
            "x.pdf",
            "--tz",
            "Asia/Shanghai",
        ],
        folder,
        folder / "a.key",
    )
    r2 = C.run_cli(["audit", "verify"], folder, folder / "a.key")
    case.repro = [r1.command(), r2.command()]
    case.detail = (
        f"reprint exit {r1.code}: {r1.text.strip()[:140]}; verify exit {r2.code}: {r2.out.strip()[:140]}"
    )
    case.outcome = (
        C.CRASH
        if (r1.crashed or r2.crashed)
        else (C.DETECTED if r2.code == 1 and "TAMPERED" in r2.text else C.SILENT)
    )
    out.append(case)
    # 10. the clerk's word cannot turn a failed or unknown attempt into a printed one
    failed = next((d for d in a.dups if d.state == "failed"), None)
    for name, code in (
        ("a failed attempt", failed.short_code if failed else ""),
        ("an unknown code", "QQQQQ-QQQQQ"),
        ("a printed one", a.dups[1].short_code),
    ):
        if not code:
            continue
        folder = copy_shop(a, ctx.root / "log" / f"c10-confirm-{name.replace(' ', '-')}")
        case = C.Case(
            "log:consequence",
            f"audit confirm {name}",
            "detect",
            folder=str(folder),
            doc="reprint.md: Refused with `ConfirmRefused` ...: a `failed` attempt ..., one `printed` already, ..., a code no reprint carries (`unknown`)",
        )
        r1 = C.run_cli(["audit", "confirm", code, "--operator", "mallory"], folder, folder / "a.key")
        n_after = len(read_rows(folder)[1])
        case.repro = [r1.command()]
        case.detail = f"exit {r1.code}: {r1.text.strip()[:160]}; rows {ctx.n} -> {n_after}"
        case.outcome = (
            C.CRASH if r1.crashed else (C.DETECTED if r1.code == 2 and n_after == ctx.n else C.SILENT)
        )
        out.append(case)
    # 12. the state row of a failed attempt edited to printed: what does verify CODE say?
    if failed:
        folder = copy_shop(a, ctx.root / "log" / "c12-failed-edited-to-printed")
        cols, rows = read_rows(folder)
        ci = {c: i for i, c in enumerate(cols)}
        att = next(r[0] for r in rows if r[ci["short_code"]] == failed.short_code)
        done = next(r[0] for r in rows if r[ci["ref_seq"]] == att and r[ci["status"]] == "failed")
        edit_column("status", lambda v: "printed", done)(folder)
        case = C.Case(
            "log:consequence",
            "verify CODE after its failed state was edited to printed",
            "detect",
            folder=str(folder),
            doc="reprint.md: Short code: ... The fields recorded there are checked against the code with the key, so an edited log row is caught too. The answer gives ... the reprint's state in the log",
        )
        r1 = C.run_cli(["verify", failed.short_code, "--audit", LOG], folder, folder / "a.key")
        case.repro = [r1.command()]
        case.detail = f"row {done} status failed->printed; verify exit {r1.code}: {' / '.join(r1.out.strip().splitlines()[:2])[:220]}"
        plain_genuine = r1.code == 0 and "FAILED" not in r1.out.upper() and "TAMPER" not in r1.out.upper()
        case.outcome = C.CRASH if r1.crashed else (C.SILENT if plain_genuine else C.DETECTED)
        out.append(case)
    # 13. the QR of a rolled-back reprint, public key + log (API)
    folder = ctx.root / "log" / "c3-qr-after-rollback"
    case = C.Case(
        "log:consequence",
        "rk.verify(QR, public_key, audit=rolled-back log)",
        "detect",
        folder=str(folder),
        doc="reprint.md: QR payload, public key: ... With audit= the reprint must also be in the log",
    )
    try:
        v = rk.verify(a.dups[-1].payload, public_key=str(folder / "merchant.pem"), audit=str(folder / LOG))
        case.detail = f"genuine={v.genuine} in_log={v.in_log} reason={str(v.reason)[:160]}"
        case.outcome = C.SILENT if v.genuine else C.DETECTED
    except rk.ReceiptkitError as exc:
        case.detail, case.outcome = f"raised {type(exc).__name__}: {exc}", C.DETECTED
    except Exception as exc:
        case.detail, case.outcome = f"untyped {type(exc).__name__}: {exc}", C.CRASH
    case.repro = [
        f"python -c \"import receiptkit as rk; print(rk.verify(PAYLOAD, public_key='merchant.pem', audit='{LOG}'))\" (in {folder})"
    ]
    out.append(case)
    # 14. a log keyed with the merchant key is not written to with another key
    folder = copy_shop(a, ctx.root / "log" / "c14-reprint-with-another-key")
    (folder / "a.key").write_text(ctx.b.key_text + "\n")
    case = C.Case(
        "log:consequence",
        "reprint with another shop's key file",
        "detect",
        folder=str(folder),
        doc="reprint.md: A new log stores the key's public id (`key_id`), never the key; a log keyed with another key is not written to",
    )
    r1 = C.run_cli(
        [
            "reprint",
            txn,
            "--journal",
            "journal.csv",
            "--operator",
            "clerk7",
            "--reason",
            "lost",
            "--pdf",
            "x.pdf",
            "--tz",
            "Asia/Shanghai",
        ],
        folder,
        folder / "a.key",
    )
    n_after = len(read_rows(folder)[1])
    case.repro = [r1.command()]
    case.detail = f"exit {r1.code}: {r1.text.strip()[:160]}; rows {ctx.n} -> {n_after}; pdf written={(folder / 'x.pdf').exists()}"
    case.outcome = (
        C.CRASH
        if r1.crashed
        else (
            C.DETECTED if r1.code == 2 and n_after == ctx.n and not (folder / "x.pdf").exists() else C.SILENT
        )
    )
    out.append(case)
    # 11. a tampered log is not exported
    folder = copy_shop(a, ctx.root / "log" / "c11-export-tampered")
    edit_column("operator", lambda v: "mallory", ctx.pending[-1])(folder)
    case = C.Case(
        "log:consequence",
        "audit export of an edited log",
        "detect",
        folder=str(folder),
        doc="reprint.md: The log is verified first; a log that does not verify is not exported; cli.md: exit 1 when the log does not verify",
    )
    r1 = C.run_cli(["audit", "export", "x.jsonl"], folder, folder / "a.key")
    case.repro = [r1.command()]
    case.detail = f"exit {r1.code}: {r1.text.strip()[:160]}; written={(folder / 'x.jsonl').exists()}"
    case.outcome = (
        C.CRASH
        if r1.crashed
        else (C.DETECTED if r1.code == 1 and not (folder / "x.jsonl").exists() else C.SILENT)
    )
    out.append(case)
    # 7. key file lost; key file replaced by the public key
    for name, data, doc in (
        ("key file lost", None, "cli.md: with neither set it exits 2: `error: no verification key ...`"),
        (
            "public key given as the key file",
            "pem",
            "reprint.md: A public key is refused as the secret key (exit 2 at the command line, naming the file or the variable, never quoting the key)",
        ),
    ):
        folder = copy_shop(a, ctx.root / "log" / f"c7-{name.replace(' ', '-')}")
        if data is None:
            (folder / "a.key").unlink()
            kf: Path | None = None
        else:
            kf = folder / "merchant.pem"
        case = C.Case("log:key", name, "detect", folder=str(folder), doc=doc)
        res = C.run_cli(["audit", "verify", "--audit", LOG], folder, kf)
        case.repro = [res.command()]
        case.detail = f"exit {res.code}: {res.text.strip()[:200]}"
        pem_body = "".join((a.folder / "merchant.pem").read_text().splitlines()[1:-1])
        quoted = data is not None and pem_body[:20] in res.text
        case.outcome = (
            C.CRASH
            if res.crashed
            else (C.DETECTED if res.code == 2 and "intact" not in res.out and not quoted else C.WRONG)
        )
        out.append(case)
    return out


def _count(path: Path) -> int:
    try:
        con = sqlite3.connect(path)
        n = con.execute(f"select count(*) from {TABLE}").fetchone()[0]
        con.close()
        return int(n)
    except sqlite3.Error:
        return 0
