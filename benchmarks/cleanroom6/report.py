"""Per-category table and FINDING lines."""

from __future__ import annotations

import shutil
from collections import OrderedDict
from pathlib import Path

from .driver import Outcome
from .world import World


def classify(o: Outcome) -> str:
    s = o.session
    if o.reprinted is None:
        return "refused"
    if s.truth is not None and o.reprinted == s.truth:
        return "right"
    if s.group == "replay":
        return "replayed"
    return "wrong"


def field_problems(o: Outcome) -> list[str]:
    keys = ("pdf:", "escpos:", "qr:", "full card", "slip says")
    return [p for p in o.problems if p.startswith(keys) or "FULL CARD" in p]


def findings(o: Outcome, w: World) -> list[str]:
    s = o.session
    out = []
    k = classify(o)
    if k == "wrong":
        clerk_too = o.clerk == [o.reprinted]
        whose = "no sale here is the customer's" if s.truth is None else f"the customer's is {s.truth}"
        ev = s.evidence
        named = next((x for x in w.sales if ev and ev.wallet_txn and x.wallet_txn_id == ev.wallet_txn), None)
        if named is not None and named.txn_id == o.reprinted and ev is not None and ev.contradicts:
            shown = f"{(ev.amount_minor or 0) / 100:.2f}"
            out.append(
                f"session {s.sid} [{s.category}]: reprinted {named.txn_id}, the sale its wallet number names "
                f"({named.amount_minor / 100:.2f} {named.currency}), on a screen edited to {shown} "
                f"(README: a number of another amount is never matched); brought: {s.said}"
            )
        elif not clerk_too:
            sale = w.by_id.get(o.reprinted or "")
            what = (
                f"{sale.amount_minor / 100:.2f} {sale.currency} at {sale.logged_time:%Y-%m-%d %H:%M:%S}"
                if sale
                else "?"
            )
            out.append(
                f"session {s.sid} [{s.category}]: reprinted a stranger's sale {o.reprinted} ({what}); {whose}; "
                f"a careful clerk with this evidence finds {o.clerk or 'none'}; brought: {s.said}"
            )
    for p in o.problems:
        out.append(f"session {s.sid} [{s.category}]: {p}")
    for c in o.crashes:
        out.append(f"session {s.sid} [{s.category}]: CRASH {c}")
    if (
        s.group == "replay"
        and o.reprinted is not None
        and o.reprint_no == 1
        and "again" not in " ".join(c.out + c.err for c in o.calls).lower()
    ):
        pass
    return out


def table(outcomes: list[Outcome]) -> str:
    cats: OrderedDict[str, list[Outcome]] = OrderedDict()
    for o in sorted(
        outcomes,
        key=lambda o: (
            ["genuine", "mistaken", "hostile", "replay", "printer"].index(o.session.group),
            o.session.category,
        ),
    ):
        cats.setdefault(f"{o.session.group}/{o.session.category}", []).append(o)
    cats["ALL"] = outcomes
    hdr = f"{'category':34} {'n':>4} {'ident':>5} {'right':>5} {'WRONG':>5} {'w=clerk':>7} {'fields!':>7} {'refused':>7} {'missed':>6} {'replay':>6} {'crash':>5} {'contra':>6} {'s/sess':>6}"
    lines = [hdr, "-" * len(hdr)]
    for cat, os_ in cats.items():
        n = len(os_)
        ident = sum(1 for o in os_ if o.session.truth is not None and o.clerk == [o.session.truth])
        right = sum(1 for o in os_ if classify(o) == "right")
        wrong = [o for o in os_ if classify(o) == "wrong"]
        wclerk = sum(1 for o in wrong if o.clerk == [o.reprinted])
        fields = sum(1 for o in os_ if field_problems(o))
        refused = sum(1 for o in os_ if classify(o) == "refused")
        missed = sum(
            1
            for o in os_
            if classify(o) == "refused" and o.session.truth is not None and o.clerk == [o.session.truth]
        )
        replayed = sum(1 for o in os_ if classify(o) == "replayed")
        crash = sum(1 for o in os_ if o.crashes)
        contra = sum(1 for o in os_ if [p for p in o.problems if p not in field_problems(o)])
        sec = sum(o.seconds for o in os_) / max(n, 1)
        lines.append(
            f"{cat:34} {n:>4} {ident:>5} {right:>5} {len(wrong):>5} {wclerk:>7} {fields:>7} {refused:>7} {missed:>6} {replayed:>6} {crash:>5} {contra:>6} {sec:>6.1f}"
        )
    return "\n".join(lines)


LEGEND = (
    "   ident = a careful clerk with the same evidence finds exactly the customer's sale (oracle); right = reprinted the "
    "customer's sale; WRONG = reprinted another sale (or any sale when none here is the customer's), w=clerk = of those, "
    "the one sale the evidence itself points to (a clerk would be fooled too: not a finding); fields! = a duplicate with a "
    "wrong or missing field (amount, currency, local time, reference, card beyond first 6 + last 4, duplicate mark); "
    "refused = no reprint (AMBIGUOUS / UNMATCHED / refused); missed = refused though the clerk could single it out; "
    "replay = a proof already reprinted, reprinted again; contra = an exit code or message that contradicts the docs or "
    "itself; s/sess = seconds per session (find + reprint + verify)"
)


def keep_reproducer(o: Outcome, w: World, root: Path, seed: int, work: Path) -> Path:
    d = root / f"seed{seed}-s{o.session.sid:03d}"
    d.mkdir(parents=True, exist_ok=True)
    assert w.path is not None
    if not (root / f"seed{seed}-journal.csv").exists():
        shutil.copy(w.path, root / f"seed{seed}-journal.csv")
    src = work / f"s{o.session.sid:03d}"
    for f in src.iterdir() if src.exists() else []:
        if f.is_file():
            shutil.copy(f, d / f.name)
    lines = [
        "# run from this folder; a fresh key and audit log:",
        "export PYTHONPATH=/work/main/src",
        "python3 -c \"import secrets; print('hex:' + secrets.token_hex(32))\" > merchant.key; chmod 600 merchant.key",
        "export RECEIPTKIT_KEY_FILE=$PWD/merchant.key COLUMNS=200",
    ]
    started = False
    for c in o.calls:
        cmd = (
            c.cmdline()
            .replace(str(w.path), f"../seed{seed}-journal.csv")
            .replace(str(src) + "/", "")
            .replace(str(work) + "/", "")
        )
        if c.argv[:1] == ["reprint"] and not started:
            # the audit log here is fresh: its first reprint starts it (docs/cli.md, --new-audit-log)
            started = True
            if "--new-audit-log" not in c.argv:
                cmd += " --new-audit-log"
        lines.append(f"{cmd}   # exit {c.rc} ({c.seconds:.1f} s)")
    (d / "commands.sh").write_text("\n".join(lines) + "\n")
    (d / "output.txt").write_text(
        "\n\n".join(
            f"$ {c.cmdline()}\n[exit {c.rc}]\n--- stdout\n{c.out}\n--- stderr\n{c.err}" for c in o.calls
        )
    )
    return d
