"""Bulk reconciliation: every proof matched against the journal, with its report.

:func:`reconcile` runs :func:`receiptkit.match` once over all the proofs
(one-to-one resolution and the clock offsets need them together) and keeps
what a report needs: the result frame, the proofs, the journal and the display
zone. :class:`Reconciliation` gives the summary, the report tables, the plots,
styled explanations, and writes the report as ``.xlsx``, ``.html`` or ``.csv``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from receiptkit.errors import ReceiptkitError
from receiptkit.frames import concat_proofs, side_report
from receiptkit.matching import JournalIndex, MatchPolicy, explain, match
from receiptkit.matching.result import candidate_pairs
from receiptkit.reports import plots
from receiptkit.reports.csv_report import write_csv
from receiptkit.reports.excel import write_excel
from receiptkit.reports.html import write_html
from receiptkit.reports.intake import files_table, left_out_table
from receiptkit.reports.notebook import Explanation
from receiptkit.reports.saletimes import about_rows, column_labels, labelled, sale_clocks
from receiptkit.reports.summary import status_counts, summarise
from receiptkit.reports.tables import proof_rows, report_tables
from receiptkit.schema import validate_proofs

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["REPORT_FORMATS", "Reconciliation", "reconcile", "write_report"]

REPORT_FORMATS = (".xlsx", ".html", ".csv")
"""File suffixes :meth:`Reconciliation.write` knows."""


@dataclass(frozen=True, eq=False)
class Reconciliation:
    """The outcome of :func:`reconcile`.

    ``result`` is the :func:`receiptkit.match` frame (one row per proof, its
    ``attrs`` carrying the clock offsets and the evidence), ``proofs`` and
    ``journal`` the frames it was matched from, ``tz`` the zone times are
    shown in. ``sale_clocks``: the clock offsets the matcher applied to the
    sales the report lists as candidates (``{txn_id: [seconds ahead]}``,
    :func:`~receiptkit.reports.saletimes.sale_clocks`), for their corrected
    times; ``None`` (a reconciliation built by hand): found again from
    ``result``'s clock offsets when the tables are made.
    """

    result: pd.DataFrame
    proofs: pd.DataFrame
    journal: pd.DataFrame
    tz: str = "Asia/Shanghai"
    sale_clocks: Mapping[str, Sequence[int]] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def counts(self) -> dict[str, int]:
        """Proofs per verdict: ``{"matched": .., "ambiguous": .., "unmatched": ..}``."""
        return status_counts(self.result)

    @property
    def summary(self) -> pd.DataFrame:
        """Proofs and amounts per verdict and currency (:func:`~receiptkit.reports.summarise`)."""
        return summarise(self.result, self.proofs)

    @property
    def files(self) -> pd.DataFrame:
        """Per file read: ``file, rows, proofs, skipped, refused, note`` (rows = proofs + skipped + refused).

        From the proofs' ``attrs["read"]`` (:func:`receiptkit.read_proofs`); proofs with no reader's report
        are counted on a row of their own with their left-out rows not known (``<NA>``), never zero.
        """
        return files_table(self.proofs)

    @property
    def left_out(self) -> pd.DataFrame:
        """The rows the readers left out: ``file, row, left_out, column, value, reason``.

        ``left_out`` is ``skipped`` (not a payment: a PayPal conversion, a Stripe payout) or ``refused`` (a
        bad row, read with ``strict=False``).
        """
        return left_out_table(self.proofs)

    @property
    def clock_offsets(self) -> pd.DataFrame:
        """The per-terminal clock offsets the matcher found (``offset_s, votes, used``)."""
        return side_report(self.result, "clock_offsets")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's sheets: summary, files, matched, ambiguous, unmatched, left out, clock offsets."""
        if "tables" not in self._cache:
            self._cache["tables"] = report_tables(
                self.result, self.proofs, self.journal, self.tz, self._sale_clocks()
            )
        return {name: frame.copy() for name, frame in self._cache["tables"].items()}

    def _sale_clocks(self) -> Mapping[str, Sequence[int]]:
        if self.sale_clocks is not None:
            return self.sale_clocks
        from receiptkit.frames import clock_offsets

        index = JournalIndex(self.journal, clock_offsets=clock_offsets(self.result))
        return sale_clocks(index, _candidate_ids(self.result))

    def about(self) -> pd.DataFrame:
        """The lines at the head of each report (``item, value``): the zone of its times, what each time column
        is (the proof's, the sale's as its terminal logged it, corrected for the terminal's clock), how amounts
        are held, what was read. The ``about`` sheet of the workbook, the list at the top of the page."""
        rows = about_rows(self.tz, self.read_text())
        return pd.DataFrame(rows, columns=["item", "value"])

    def rows(self) -> pd.DataFrame:
        """One row per proof with its verdict and matched transaction (the CSV report)."""
        return proof_rows(self.result, self.proofs, self.journal, self.tz)

    def explain(self, proof_id: str) -> Explanation:
        """:func:`receiptkit.explain` for one proof, shown as a styled waterfall in a notebook."""
        table = explain(self.result, proof_id)
        out = Explanation(table)
        out.attrs.update(table.attrs)
        return out

    def figures(self) -> dict[str, Figure]:
        """The plots by caption (needs the ``plot`` extra)."""
        return {
            "Clock offset found per terminal": plots.plot_clock_offsets(self.result),
            "Match status by day of payment": plots.plot_status_by_day(self.result, self.proofs, self.tz),
            "Match status by kind of proof": plots.plot_status_by_kind(self.result, self.proofs),
            "Confidence of the best candidate": plots.plot_scores(self.result),
        }

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write the workbook: one sheet per table (time columns named with the zone), then ``about``."""
        return write_excel({**labelled(self.tables(), self.tz), "about": self.about()}, path)

    def to_html(self, path: str | os.PathLike[str], *, plots: bool = True) -> Path:
        """Write one self-contained HTML page; the plots embedded when ``plots`` (needs matplotlib)."""
        from receiptkit.reports.plots import figure_png

        figures = {caption: figure_png(fig) for caption, fig in self.figures().items()} if plots else {}
        about = [(str(i), str(v)) for i, v in self.about().itertuples(index=False)]
        return write_html(labelled(self.tables(), self.tz), self.counts, path, figures, about=about)

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write one row per proof (:meth:`rows`), then one per row the readers left out (status ``skipped``
        or ``refused``, with its file, row and reason)."""
        labels = column_labels(self.tz)
        return write_csv(self.rows().rename(columns=labels), path, self.tables()["left out"])

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the report in the format its suffix names (``.xlsx``, ``.html``, ``.csv``)."""
        return write_report(self, path)

    def read_text(self) -> str:
        """One line on what the proofs were read from: ``read 46 rows of 2 files: 34 proofs, 12 skipped, 0
        refused`` (``; left out not known for N proofs`` where a file's report is missing)."""
        return read_text(self.files)

    def _repr_html_(self) -> str:
        import html

        counts = ", ".join(f"{status} <b>{n}</b>" for status, n in self.counts.items())
        table = self.summary.to_html(index=False, escape=True, border=0)
        read = html.escape(self.read_text())
        return f"<p>Reconciliation of {len(self.result)} proofs: {counts}</p><p>{read}</p>{table}"

    def __repr__(self) -> str:
        counts = ", ".join(f"{status} {n}" for status, n in self.counts.items())
        return (
            f"<Reconciliation of {len(self.result)} proofs against {len(self.journal)} transactions: {counts}; "
            f"{self.read_text()}>"
        )


def read_text(files: pd.DataFrame) -> str:
    """The files table (:meth:`Reconciliation.files`) in one line."""
    known = files[files["skipped"].notna() & files["refused"].notna()]
    unknown = files[~(files["skipped"].notna() & files["refused"].notna())]
    n = len(known)
    if not n:
        more = int(files["proofs"].clip(lower=0).sum())
        return f"{more:,} proofs with no reader's report (rows left out not known)"
    text = (
        f"read {int(known['rows'].sum()):,} rows of {n} file{'s' if n != 1 else ''}: "
        f"{int(known['proofs'].sum()):,} proofs, {int(known['skipped'].sum()):,} skipped (not payments), "
        f"{int(known['refused'].sum()):,} refused"
    )
    more = int(unknown.loc[unknown["proofs"] > 0, "proofs"].sum())
    if more:
        text += f"; {more:,} proofs with no reader's report (rows left out not known)"
    fewer = -int(unknown.loc[unknown["proofs"] < 0, "proofs"].sum())
    if fewer:
        text += f"; {fewer:,} proofs read are not reconciled (taken out after reading)"
    return text


def write_report(reconciliation: Reconciliation, path: str | os.PathLike[str]) -> Path:
    """Write ``reconciliation`` to ``path`` as ``.xlsx``, ``.html`` or ``.csv`` (by suffix).

    Raises :class:`~receiptkit.errors.ReceiptkitError` naming the file for any
    other suffix, and when the file cannot be written.
    """
    target = Path(path)
    writers = {
        ".xlsx": reconciliation.to_excel,
        ".html": reconciliation.to_html,
        ".csv": reconciliation.to_csv,
    }
    writer = writers.get(target.suffix.lower())
    if writer is None:
        raise ReceiptkitError(
            f"report format not known (use {', '.join(REPORT_FORMATS)})",
            file=str(target),
            value=target.suffix,
        )
    try:
        return writer(target)
    except OSError as exc:
        raise ReceiptkitError(f"cannot write the report: {exc.strerror or exc}", file=str(target)) from None


def reconcile(
    proofs: pd.DataFrame | Sequence[pd.DataFrame],
    journal: pd.DataFrame | JournalIndex,
    *,
    policy: MatchPolicy | None = None,
    clock_offsets: Mapping[str, float] | None = None,
    tz: str = "Asia/Shanghai",
) -> Reconciliation:
    """Match every proof against the journal and keep what the report needs.

    The matching is :func:`receiptkit.match` itself (same verdicts, same
    columns); ``tz`` is only the zone in which the report shows times.
    ``proofs``: one proofs frame, or a list of them (each reader's frame: they are joined with
    :func:`receiptkit.concat_proofs`, which keeps the rows each reader skipped or refused for the report;
    ``pd.concat`` drops them when the frames' ``attrs`` differ).

    >>> import receiptkit as rk
    >>> data = rk.make_dataset(n_transactions=300, n_proofs=20, seed=1)
    >>> rec = rk.reconcile(data.proofs, data.journal, policy=rk.MatchPolicy(fx_rates=data.fx_rates))
    >>> sum(rec.counts.values())
    20
    """
    if not isinstance(proofs, pd.DataFrame):
        proofs = concat_proofs(proofs)
    proofs = validate_proofs(proofs)
    index = journal if isinstance(journal, JournalIndex) else JournalIndex(journal)
    result = match(proofs, index, policy=policy, clock_offsets=clock_offsets)
    frame = journal.journal if isinstance(journal, JournalIndex) else journal
    # the offsets the matcher applied to each listed candidate, read off the index it left them on
    clocks = sale_clocks(index, _candidate_ids(result))
    return Reconciliation(result=result, proofs=proofs, journal=frame, tz=tz, sale_clocks=clocks)


def _candidate_ids(result: pd.DataFrame) -> set[str]:
    """The txn ids listed as candidates of the result's ambiguous proofs."""
    ambiguous = result[result["status"].astype(str) == "ambiguous"]
    if "candidate_txn_ids" not in ambiguous.columns:
        return set()
    return {
        str(txn)
        for ids, ps in zip(ambiguous["candidate_txn_ids"], ambiguous["candidate_confidences"], strict=True)
        for txn, _ in candidate_pairs({"candidate_txn_ids": ids, "candidate_confidences": ps})
    }
