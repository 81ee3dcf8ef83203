"""Reconciliation reports: summary, Excel, HTML, CSV, plots and notebook views.

- :func:`reconcile` / :class:`Reconciliation`: match every proof and keep
  what a report needs; ``.write("report.xlsx" | ".html" | ".csv")``;
- :func:`summarise`: proofs and amounts per verdict and currency;
- :func:`report_tables`: the report's sheets as frames;
- :func:`styled_explanation` / :class:`Explanation`: an explanation as a
  styled table in Jupyter;
- :mod:`receiptkit.reports.plots`: clock offsets, verdicts by day and kind,
  the score distribution (matplotlib, the ``plot`` extra).
"""

from receiptkit.reports.notebook import Explanation, styled_explanation
from receiptkit.reports.reconciliation import REPORT_FORMATS, Reconciliation, reconcile, write_report
from receiptkit.reports.summary import STATUSES, status_counts, summarise
from receiptkit.reports.tables import SHEETS, report_tables

__all__ = [
    "REPORT_FORMATS",
    "SHEETS",
    "STATUSES",
    "Explanation",
    "Reconciliation",
    "reconcile",
    "report_tables",
    "status_counts",
    "styled_explanation",
    "summarise",
    "write_report",
]
