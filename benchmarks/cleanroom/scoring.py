"""Precision, recall and false matches per category, from a linker's answers, the truth and the oracle."""

from __future__ import annotations

import pandas as pd

from cleanroom.proofs import CATEGORIES, ELSEWHERE


def score(answers: pd.DataFrame, oracle: pd.DataFrame) -> pd.DataFrame:
    """Per category (and ``all``): n, identifiable, matched, correct, false, precision, recall."""
    df = oracle.merge(answers[["proof_id", "txn_id"]], on="proof_id", how="left")
    df["matched"] = df["txn_id"].notna()
    df["correct"] = df["matched"] & (df["txn_id"] == df["truth"]).fillna(False).astype(bool)
    df["false"] = df["matched"] & ~df["correct"]
    df["hit"] = df["correct"] & df["identifiable"]

    def agg(g: pd.DataFrame) -> dict:
        matched = int(g["matched"].sum())
        ident = int(g["identifiable"].sum())
        return {
            "n": len(g),
            "identifiable": ident,
            "matched": matched,
            "correct": int(g["correct"].sum()),
            "false": int(g["false"].sum()),
            "precision": g["correct"].sum() / matched if matched else float("nan"),
            "recall": g["hit"].sum() / ident if ident else float("nan"),
        }

    rows = {c: agg(df[df["category"] == c]) for c in CATEGORIES if (df["category"] == c).any()}
    rows["all"] = agg(df)
    rows["all elsewhere"] = agg(df[df["category"].isin(ELSEWHERE)])
    return pd.DataFrame.from_dict(rows, orient="index")


def _pct(x: float) -> str:
    return "-" if x != x else f"{100 * x:.1f}"


def format_markdown(scores: dict[str, pd.DataFrame], oracle: pd.DataFrame, walls: dict[str, float]) -> str:
    """The same table as :func:`format_tables` in Markdown: one ``P / R / FM`` cell per linker."""
    names = list(scores)
    first = scores[names[0]]
    wrong_pick = oracle["clerk_pick"].notna() & (oracle["clerk_pick"] != oracle["truth"]).fillna(True)
    fooled = wrong_pick.groupby(oracle["category"]).sum()
    fooled["all"] = wrong_pick.sum()
    fooled["all elsewhere"] = wrong_pick[oracle["truth"].isna()].sum()
    lines = [
        "| category | n | ident | clerk | " + " | ".join(f"{n} P / R / FM" for n in names) + " |",
        "|---|---:|---:|---:|" + "---:|" * len(names),
    ]
    for cat in first.index:
        row = first.loc[cat]
        cells = []
        for name in names:
            sc = scores[name]
            if sc is None or cat not in sc.index:
                cells.append("n/a")
                continue
            r = sc.loc[cat]
            cells.append(f"{_pct(r['precision'])} / {_pct(r['recall'])} / {int(r['false'])}")
        label = f"**{cat}**" if cat.startswith("all") else cat
        lines.append(
            f"| {label} | {int(row['n'])} | {int(row['identifiable'])} | {int(fooled.get(cat, 0))} | "
            + " | ".join(cells)
            + " |"
        )
    lines.append(
        "| wall time (s) | | | | "
        + " | ".join("n/a" if walls.get(n) is None else f"{walls[n]:.2f}" for n in names)
        + " |"
    )
    return "\n".join(lines)


def format_tables(scores: dict[str, pd.DataFrame], oracle: pd.DataFrame, walls: dict[str, float]) -> str:
    """One table: per category, the oracle's identifiable share, then precision / recall / false per linker."""
    names = list(scores)
    first = scores[names[0]]
    head = f"{'category':<24}{'n':>6}{'ident':>7}{'clerk':>7}"
    for name in names:
        head += f" | {name[:12]:>12} P%     R%    FM"
    lines = [head, "-" * len(head)]
    wrong_pick = oracle["clerk_pick"].notna() & (oracle["clerk_pick"] != oracle["truth"]).fillna(True)
    fooled = wrong_pick.groupby(oracle["category"]).sum()
    fooled["all"] = wrong_pick.sum()
    fooled["all elsewhere"] = wrong_pick[oracle["truth"].isna()].sum()
    for cat in first.index:
        row = first.loc[cat]
        line = f"{cat:<24}{int(row['n']):>6}{int(row['identifiable']):>7}{int(fooled.get(cat, 0)):>7}"
        for name in names:
            s = scores[name]
            if s is None or cat not in s.index:
                line += f" | {'n/a':>12}{'':>17}"
                continue
            r = s.loc[cat]
            line += f" | {'':>6}{_pct(r['precision']):>6} {_pct(r['recall']):>6} {int(r['false']):>5}"
        lines.append(line)
    lines.append("")
    lines.append(
        "ident: proofs the oracle's clerk singles out; clerk: proofs where that clerk would name a wrong row"
    )
    lines.append(
        "wall time (s): "
        + ", ".join(f"{n} {walls[n]:.2f}" if walls.get(n) is not None else f"{n} n/a" for n in names)
    )
    return "\n".join(lines)
