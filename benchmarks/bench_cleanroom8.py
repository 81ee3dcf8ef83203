"""Clean room 8: privacy and output safety of every receiptkit output path.

Usage::

    PYTHONPATH=$PWD/src python benchmarks/bench_cleanroom8.py --seed 4 [--seed 5] [--keep DIR] [--findings DIR]
        [--no-cli] [--no-ocr]

Seeds 0-3 were used while writing it; seeds >= 4 are for measurement.

What it does. From the public docs only (README, docs/*.md, the field guide and notes; never the code under test) it
writes one shop's inputs per seed: a UnionPay-style terminal journal (卡号 in plain, full-width, spaced, dashed,
dotted, ideographic-spaced and zero-width forms; card numbers, expiry dates, formula and HTML payloads in 商户名称
and 发卡行), a canonical journal frame (full numbers in pan_masked, merchant_name, order_no, app_label), a WeChat
Pay bill (交易对方, 商品, 备注, 支付方式, and a card number in the file's name), card SMS (full numbers, full-width
ideographic-spaced numbers, expiry dates, formula text), screenshot JSON (merchant, reference) and counter input
(``proof(merchant=, reference=)``, ``find(merchant=)``). Card numbers are Luhn-valid, 13-19 digits, UnionPay 62…,
Visa 4…, Mastercard 5…, Amex 3…. It runs readers, ``match``/``explain``/``find``, ``reconcile`` and its CSV, Excel
and HTML reports, ``reprint`` (PDF, PNG, ``file:`` printer ESC/POS), ``Slip`` (text, ESC/POS native and raster,
PDF), ``close_terminal`` (forced, every pack file), the audit log (``sqlite3 .dump``, ``rows()``, ``export``
xlsx/csv, ``export_log``), bad input naming a card number (journal cells, ``tz=``, a missing file's name,
``proof(amount|last4|time|wallet_txn_id=)``, a WeChat amount), and the ``receiptkit`` command (reconcile, find,
reprint, close-terminal, audit list/export), capturing Python warnings and every ``logging`` record.

The oracle (``cleanroom8/oracle.py``): text of every output (frames with all columns and ``attrs``, files: PDF by
pypdf, xlsx by openpyxl, ESC/POS by our own decoder (FS & … FS . as GB18030, QR and barcode payloads), sqlite by
``sqlite3 .dump``; PNG by rapidocr when importable) is NFKC-normalised, every Unicode digit made ASCII and card
separators dropped; a planted number leaks when 7 or more of its consecutive digits appear (every such window holds
a hidden middle digit). The ``decoy`` line counts numbers drawn the same way but never planted, found anyway (the
chance-match baseline: 0 expected). Expiry dates (years 2030-2039) are searched on duplicates only. A spreadsheet
cell holding a planted payload token is unsafe when it starts (after leading spaces) with = + - @, their
full-width forms, tab or CR, or is an xlsx formula; an HTML payload is unescaped when its markup appears raw or
parses as a tag carrying the token. A crash is an exception that is not a ``ReceiptkitError`` (CLI: exit 3 or a
traceback). A silent change is a planted non-secret text (shop name, memo) read back otherwise with no error.
Hidden digits are never "fixed" here: what is found is reported.

Run time: about 80 s per seed with the command line and OCR on the shared 2-core machine (5.5 min for seeds 0-3).

Development seeds 0-3 (session 17, src as of main 45ea43d, unchanged to 1316b24): 4413 cases, 201 leaks, 0 expiry dates on a
duplicate, 0 default duplicates showing the first 6, 0 unsafe spreadsheet cells (868 payloads fed, 520 seen in
outputs, every one neutralised with an apostrophe), 0 unescaped HTML, 0 leaks in warnings and log records, 0 decoy
(chance) matches, 8 untyped exceptions, 6 silent changes. The leaks have five causes: (1) a card number written
after other digit groups (a date ``2026-11-12 4111 1111 1111 1111``, a code glued to its first group
``No.2094111 1111 1111 1111``, or a second card number one space after a first) is not masked in free text:
journal shop names, WeChat/JSON/OFX/MT940 merchant text, ``proof(merchant=)``, reprint reasons (audit log) and
remarks and ``Slip`` status notes and remarks (printed on the duplicate: PDF, ESC/POS, PNG), the closing pack's
journal extract, ``close-terminal --reason`` and ``find --merchant`` echoed on stdout, an error's quoted value
(``proof(time=)``); forms after_date 24/25, after_digits 29/31 and after_card 3/15 leaked, every other form 0-1;
(2) a card number in a proof file's name stays whole in ``proof_id`` and ``source`` of the reader frame, the
match result and ``Reconciliation`` (the CSV/Excel/HTML reports mask it), and in the ``no such file`` error;
(3) ``order_no`` of a canonical journal frame keeps a card number whole (32/32; docs/journal.md keeps identifier
columns verbatim); (4) a 13-digit card number typed or exported as an amount is read as one (``amount_minor``,
and ``find --amount`` prints it); (5) a number split across two cells (商品 and 备注) is kept (6/7; neither cell
alone is a card number). Crashes: ``rk.reprint`` given the README's ``journal.set_index("txn_id").loc[...]``
row raises ``KeyError: 'txn_id'``; ``Slip.from_transaction`` with a full number in ``pan_masked`` raises
``ValueError`` (documented as raising, not typed). Silent: a leading tab or carriage return of a shop name or a
WeChat memo is dropped without a word.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cleanroom8 import gen, oracle, run


def score(r: run.Run) -> tuple[dict[str, dict[str, int]], list[dict[str, object]]]:
    sc = r.sc
    secrets = [p for p in sc.plants if p.pan]
    expiries = [p for p in sc.plants if p.expiry]
    table: dict[str, dict[str, int]] = {p: defaultdict(int) for p in run.PATHS}
    findings: list[dict[str, object]] = []
    leaked_by_path: dict[str, set[str]] = defaultdict(set)
    exp_by_path: dict[str, set[str]] = defaultdict(set)
    ran = {o.path for o in r.outputs} | {c.path for c in r.crashes}
    for path, feeds in run.FEEDS.items():
        if path not in ran:  # not run (--no-cli, --no-ocr) or made no output
            continue
        fed = {p.pan for p in secrets if any(p.where.startswith(f) for f in feeds)}
        table[path]["cases"] = len(fed) + sum(
            1 for e in expiries if path in run.SLIP_PATHS and any(e.where.startswith(f) for f in feeds)
        )
        table[path]["payloads"] = sum(1 for pl in sc.payloads if any(pl.where.startswith(f) for f in feeds))
    decoy_hits = 0
    reached: dict[str, set[str]] = defaultdict(set)
    for o in r.outputs:
        sq = oracle.Searchable(o.text)
        sqc = oracle.Searchable(o.text, cells=True)
        for d in sc.decoys:
            if sq.leaked(d):
                decoy_hits += 1
                print(f"seed {sc.seed}: decoy {d} found in {o.path} / {o.label}", file=sys.stderr)
        for p in secrets:
            w = sq.leaked(p.pan)
            if w is None and p.form == "split_cells":
                w = sqc.leaked(p.pan)
            if w and p.pan not in leaked_by_path[o.path]:
                leaked_by_path[o.path].add(p.pan)
                findings.append(_finding("leak", o, p, w))
        if o.slip:
            for p in expiries:
                mm, yy = p.expiry  # type: ignore[misc]
                hit = oracle.expiry_found(mm, yy, o.text)
                if hit and p.pid not in exp_by_path[o.path]:
                    exp_by_path[o.path].add(p.pid)
                    findings.append(_finding("expiry", o, p, hit))
        for pl in sc.payloads:
            if pl.tok in o.text:
                reached[o.path].add(pl.tok)
        if o.kind in ("csv", "xlsx") and o.file is not None:
            for where, cell, why in _unsafe_cells(o, sc):
                table[o.path]["unsafe"] += 1
                findings.append(
                    {
                        "kind": "unsafe cell",
                        "path": o.path,
                        "output": o.label,
                        "where": where,
                        "form": why,
                        "cell": cell,
                        "file": str(o.file),
                    }
                )
        if o.kind == "html":
            payloads = {pl.tok: pl.text for pl in sc.payloads}
            for f in oracle.html_findings(o.text, payloads):
                table[o.path]["unescaped"] += 1
                pl = next(x for x in sc.payloads if x.tok == f.payload)
                findings.append(
                    {
                        "kind": "unescaped html",
                        "path": o.path,
                        "output": o.label,
                        "where": pl.where,
                        "form": pl.text,
                        "cell": f.how,
                        "file": str(o.file),
                    }
                )
    for path in run.PATHS:
        fed_pans = {p.pan for p in secrets if any(p.where.startswith(f) for f in run.FEEDS[path])}
        table[path]["leaks"] = len(leaked_by_path[path])
        table[path]["leaks_fed"] = len(leaked_by_path[path] & fed_pans)
        table[path]["expiry"] = len(exp_by_path[path])
        table[path]["reached"] = len(reached[path])
    for c in r.crashes:
        table[c.path]["crashes"] += 1
        findings.append(
            {
                "kind": "crash",
                "path": c.path,
                "output": c.label,
                "where": "",
                "form": "",
                "cell": c.error,
                "trace": c.trace,
            }
        )
    for path, label, pan in r.over_shown:
        table[path]["first6"] += 1
        findings.append(
            {
                "kind": "first 6 on a default duplicate",
                "path": path,
                "output": label,
                "where": "journal:卡号",
                "form": "",
                "pan": pan,
                "cell": "",
            }
        )
    for s in r.silent:
        table[s.path]["silent"] += 1
        findings.append(
            {
                "kind": "silent change",
                "path": s.path,
                "output": "",
                "where": s.where,
                "form": s.planted,
                "cell": s.read,
            }
        )
    forms: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    any_leak = set().union(*leaked_by_path.values()) if leaked_by_path else set()
    for p in secrets:
        forms[p.form]["planted"] += 1
        forms[p.form]["leaked"] += p.pan in any_leak
    table["__forms__"] = forms  # type: ignore[assignment]
    table["(decoys: chance matches)"] = defaultdict(int, {"cases": len(sc.decoys), "leaks": decoy_hits})
    return table, findings


def _finding(kind: str, o: run.Output, p: gen.Plant, hit: str) -> dict[str, object]:
    ctx = []
    for line in o.text.splitlines():
        if (kind == "leak" and oracle.leaked(p.pan, oracle.squeeze(line))) or (
            kind == "expiry" and p.expiry and oracle.expiry_found(p.expiry[0], p.expiry[1], line)
        ):
            ctx.append(line[:400])
        if len(ctx) >= 3:
            break
    return {
        "kind": kind,
        "path": o.path,
        "output": o.label,
        "where": p.where,
        "form": p.form,
        "pan": p.pan,
        "planted": p.text,
        "found": hit,
        "context": ctx,
        "file": str(o.file) if o.file else None,
    }


def _unsafe_cells(o: run.Output, sc: gen.Scenario) -> list[tuple[str, str, str]]:
    toks = {pl.tok: pl for pl in sc.payloads}
    bad = []
    if o.kind == "csv":
        for row in oracle.csv_cells(o.file):  # type: ignore[arg-type]
            for cell in row:
                for tok, pl in toks.items():
                    if tok in cell and oracle.starts_with_trigger(cell):
                        bad.append((pl.where, repr(cell[:120]), "csv cell starts with a formula trigger"))
    else:
        for sheet, coord, value, dtype, qp in oracle.xlsx_cells(o.file):  # type: ignore[arg-type]
            s = str(value)
            for tok, pl in toks.items():
                if tok not in s:
                    continue
                if dtype == "f":
                    bad.append((pl.where, f"{sheet}!{coord} {s[:120]!r}", "xlsx formula cell"))
                elif oracle.starts_with_trigger(s) and not qp:
                    bad.append(
                        (
                            pl.where,
                            f"{sheet}!{coord} {s[:120]!r}",
                            "xlsx text cell starting with a trigger, no apostrophe/quotePrefix",
                        )
                    )
    return bad


COLS = [
    "cases",
    "payloads",
    "reached",
    "leaks",
    "expiry",
    "first6",
    "unsafe",
    "unescaped",
    "crashes",
    "silent",
]


def print_table(tables: list[dict[str, dict[str, int]]], seeds: list[int]) -> None:
    total: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for t in tables:
        for path, row in t.items():
            for c in COLS:
                total[path][c] += row.get(c, 0)
    print(f"clean room 8: privacy and output safety, seeds {seeds}")
    print(f"{'path':34s}" + "".join(f"{c:>10s}" for c in COLS))
    grand: dict[str, int] = defaultdict(int)
    for path in [*run.PATHS, "(decoys: chance matches)"]:
        row = total[path]
        print(f"{path:34s}" + "".join(f"{row.get(c, 0):>10d}" for c in COLS))
        if not path.startswith("("):
            for c in COLS:
                grand[c] += row.get(c, 0)
    print(f"{'total':34s}" + "".join(f"{grand[c]:>10d}" for c in COLS))
    forms: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for t in tables:
        for form, row in t.get("__forms__", {}).items():
            for c in ("planted", "leaked"):
                forms[form][c] += row[c]
    print("\nby form (planted card numbers; leaked: found in at least one output of any path)")
    for form, row in sorted(forms.items()):
        print(f"  {form:20s} planted {row['planted']:5d}  leaked {row['leaked']:5d}")
    print(
        "cases: distinct planted card numbers fed to the path (+ expiry plants on slip paths); payloads: formula/HTML "
        "texts fed; reached: payload tokens seen in the path's outputs; leaks: distinct planted numbers found (7+ consecutive digits) in the path's outputs, from any input"
    )


def write_findings(fdir: Path, seed: int, findings: list[dict[str, object]], keep: Path) -> int:
    seen: set[tuple[object, ...]] = set()
    n = 0
    for f in findings:
        sig = (f["kind"], f["path"], f["where"], f["form"] if f["kind"] != "crash" else str(f["cell"])[:60])
        if sig in seen:
            continue
        seen.add(sig)
        n += 1
        slug = "".join(ch if ch.isalnum() else "_" for ch in f"{f['kind']}_{f['path']}_{f['where']}")[:80]
        d = fdir / f"seed{seed}_{n:03d}_{slug}"
        d.mkdir(parents=True, exist_ok=True)
        (d / "finding.json").write_text(
            json.dumps(f, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        cli = "cli" in str(f["path"])
        (d / "reproduce.py").write_text(
            REPRO.format(
                bench=str(Path(__file__).resolve().parent),
                seed=seed,
                path=f["path"],
                kind=f["kind"],
                pan=f.get("pan", ""),
                cli=cli,
                where=f["where"],
            ),
            encoding="utf-8",
        )
        if f.get("file") and Path(str(f["file"])).exists():
            shutil.copy(str(f["file"]), d / Path(str(f["file"])).name)
    return n


REPRO = '''"""Reproduce one clean room 8 finding: {kind} on path {path!r} (planted in {where!r}).

Run from the repository root: PYTHONPATH=$PWD/src python THIS_FILE
It rebuilds seed {seed}'s inputs beside this file, runs the same calls, and prints the outputs that show it.
"""
import json, shutil, sys
from pathlib import Path

sys.path.insert(0, {bench!r})
from cleanroom8 import gen, oracle, run  # noqa: E402

here = Path(__file__).resolve().parent
work = here / "work"
shutil.rmtree(work, ignore_errors=True)
sc = gen.build({seed}, work / "in")
r = run.run_all(sc, work, ocr=False, cli={cli})
f = json.loads((here / "finding.json").read_text(encoding="utf-8"))
print("finding:", json.dumps(f, ensure_ascii=False)[:600])
pan = {pan!r}
for o in r.outputs:
    if o.path != {path!r}:
        continue
    if pan and oracle.leaked(pan, oracle.squeeze(o.text)):
        print("LEAK in", o.label)
        for line in o.text.splitlines():
            if oracle.leaked(pan, oracle.squeeze(line)):
                print("   ", line[:300])
if {kind!r} == "crash":
    for c in r.crashes:
        print("CRASH", c.path, c.label, c.error)
if {kind!r} in ("unsafe cell", "unescaped html", "expiry", "silent change"):
    print("see finding.json (cell/context) and the output file under", work)
'''


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, action="append", required=True)
    ap.add_argument("--keep", type=Path, help="keep each seed's inputs and outputs here")
    ap.add_argument("--findings", type=Path, help="one folder per finding with a reproducer")
    ap.add_argument("--no-cli", action="store_true", help="skip the receiptkit command")
    ap.add_argument("--no-ocr", action="store_true", help="skip OCR of PNG slips")
    ap.add_argument("--json", type=Path, help="write the tables and findings as JSON")
    a = ap.parse_args(argv)
    tables = []
    all_findings: list[dict[str, object]] = []
    for seed in a.seed:
        t0 = time.perf_counter()
        base = (a.keep / f"seed{seed}") if a.keep else Path(tempfile.mkdtemp(prefix=f"cr8-{seed}-"))
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        sc = gen.build(seed, base / "in")
        r = run.run_all(sc, base, ocr=not a.no_ocr, cli=not a.no_cli)
        table, findings = score(r)
        tables.append(table)
        for f in findings:
            f["seed"] = seed
        all_findings.extend(findings)
        if a.findings:
            write_findings(a.findings, seed, findings, base)
        (base / "plants.json").write_text(
            json.dumps(
                [p.__dict__ | {"paths": sorted(p.paths)} for p in sc.plants], ensure_ascii=False, indent=1
            ),
            encoding="utf-8",
        )
        for note in r.notes:
            print(f"seed {seed}: note: {note}", file=sys.stderr)
        print(
            f"seed {seed}: {len(sc.plants)} plants, {len(sc.payloads)} payloads, {len(r.outputs)} outputs, "
            f"{time.perf_counter() - t0:.0f} s",
            file=sys.stderr,
        )
        if not a.keep:
            shutil.rmtree(base, ignore_errors=True)
    print_table(tables, a.seed)
    kinds: dict[tuple[str, str, str], int] = defaultdict(int)
    for f in all_findings:
        kinds[(str(f["kind"]), str(f["path"]), str(f["where"]))] += 1
    print("\nfindings (kind, path, planted in: count):")
    for (k, p, w), n in sorted(kinds.items()):
        print(f"  {k:15s} {p:32s} {w:34s} {n}")
    if a.json:
        a.json.write_text(
            json.dumps(
                {"tables": tables, "findings": all_findings}, ensure_ascii=False, indent=1, default=str
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
