"""The main job, end to end, on bundled synthetic data (``receiptkit demo``).

Generates a realistic journal and a month of customer proofs, writes them as
files, reads them back through the public readers, matches them, and writes
duplicate slips (PDF, ESC/POS bytes, PNG) for a few matched proofs, plus the
match results. Then a lost-terminal day (``lost-terminal/``, see
:mod:`receiptkit.terminals.lost_day`): the journal rebuilt from back-office
exports, the misuse after the loss, and what the merchant hands over.
Everything goes into one output folder.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from receiptkit.datasets import make_dataset
from receiptkit.frames import side_report
from receiptkit.matching import MatchPolicy, candidate_pairs, match
from receiptkit.readers.journal import read_journal
from receiptkit.schema import FullPanWarning

__all__ = ["DemoSummary", "run_demo"]


@dataclass
class DemoSummary:
    """What the demo did and where its outputs are."""

    out: Path
    n_transactions: int
    n_proofs: int
    status_counts: dict[str, int]
    wrong_matches: int
    files: list[Path] = field(default_factory=list)
    lost_terminal: list[str] = field(default_factory=list)  # report lines of the lost-terminal day

    def lines(self) -> list[str]:
        """A short human-readable report."""
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.status_counts.items()))
        lines = [
            f"journal: {self.n_transactions} transactions; proofs: {self.n_proofs}",
            f"match: {counts}; wrong matches against the generator's truth: {self.wrong_matches}",
            f"outputs in {self.out}/:",
        ]
        lines += [f"  {p.relative_to(self.out)}" for p in self.files]
        return lines + self.lost_terminal


def run_demo(
    out: str | Path = "receiptkit-demo",
    *,
    n_transactions: int = 5000,
    n_proofs: int = 400,
    seed: int = 7,
    slips: int = 3,
    lost_terminal: bool = True,
) -> DemoSummary:
    """Run the main job on generated data and write the outputs into ``out``.

    ``lost_terminal``: also work through a lost-terminal day (``out/lost-terminal/``).
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    data = make_dataset(n_transactions=n_transactions, n_proofs=n_proofs, seed=seed)
    files: list[Path] = []

    journal_csv = folder / "journal.csv"
    data.journal.to_csv(journal_csv, index=False)
    proofs_csv = folder / "proofs.csv"
    data.proofs.drop(columns=["raw"]).to_csv(proofs_csv, index=False)
    files += [journal_csv, proofs_csv]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FullPanWarning)
        journal = read_journal(journal_csv)
    result = match(data.proofs, journal, policy=MatchPolicy(fx_rates=data.fx_rates))
    checked = result.merge(data.truth[["proof_id", "txn_id"]], on="proof_id", suffixes=("", "_true"))
    matched = checked[checked["status"] == "matched"]
    wrong = int((matched["txn_id"] != matched["txn_id_true"]).sum())

    results_csv = folder / "match_results.csv"
    listed = [" ".join(f"{t}:{p}" for t, p in candidate_pairs(row)) for _, row in result.iterrows()]
    result.drop(columns=["candidate_txn_ids", "candidate_confidences"]).assign(candidates=listed).to_csv(
        results_csv, index=False
    )
    offsets_csv = folder / "clock_offsets.csv"
    side_report(result, "clock_offsets").to_csv(offsets_csv)
    files += [results_csv, offsets_csv]
    files += _write_slips(folder, journal, result, slips)
    lost_lines: list[str] = []
    if lost_terminal:
        from receiptkit.terminals.lost_day import run_lost_terminal_day

        day = run_lost_terminal_day(folder / "lost-terminal", data, seed=seed)
        files += day.files
        lost_lines = day.lines()

    return DemoSummary(
        out=folder,
        n_transactions=len(journal),
        n_proofs=len(data.proofs),
        status_counts={k: int(v) for k, v in result["status"].value_counts().items()},
        wrong_matches=wrong,
        files=files,
        lost_terminal=lost_lines,
    )


def _write_slips(folder: Path, journal: pd.DataFrame, result: pd.DataFrame, count: int) -> list[Path]:
    from receiptkit.slip import Slip

    slips_dir = folder / "slips"
    slips_dir.mkdir(exist_ok=True)
    by_id = journal.set_index("txn_id", drop=False)
    matched = result[result["status"] == "matched"].sort_values("proof_id")
    written: list[Path] = []
    # one of each kind of slip where the data has it: UnionPay card, international card, wallet
    wanted: dict[str, pd.Series | None] = {"unionpay": None, "card": None, "wallet": None}
    for txn_id in matched["txn_id"]:
        row = by_id.loc[txn_id]
        template = _template_for(row)
        if template in wanted and wanted[template] is None:
            wanted[template] = row
        if all(v is not None for v in wanted.values()):
            break
    picked = [(t, r) for t, r in wanted.items() if r is not None][:count]
    printed_at = pd.Timestamp.now(tz="Asia/Shanghai").floor("s")
    for template, row in picked:
        slip = Slip.from_transaction(row, template=template, printed_at=printed_at)
        stem = slips_dir / f"{row['txn_id']}-{template}"
        for suffix, writer in ((".pdf", slip.to_pdf), (".png", slip.to_png)):
            writer(stem.with_suffix(suffix))
            written.append(stem.with_suffix(suffix))
        escpos = stem.with_suffix(".escpos.bin")
        escpos.write_bytes(slip.to_escpos())
        written.append(escpos)
    return written


def _template_for(row: pd.Series) -> str:
    if row["channel"] in ("wechat", "alipay"):
        return "wallet"
    if row["currency"] == "CNY" or str(row.get("card_scheme") or "").upper() == "UNIONPAY":
        return "unionpay"
    return "card"
