"""Pictures of a reconciliation (matplotlib, the ``plot`` extra).

Each function takes a :func:`receiptkit.match` result (and the proofs where it
needs them) and returns a :class:`matplotlib.figure.Figure` drawn with the
Agg canvas, without pyplot: nothing opens a window, nothing depends on the
global backend, and a notebook shows the figure inline. :func:`figure_png`
turns a figure into PNG bytes (the HTML report embeds them).

- :func:`plot_clock_offsets`: the clock offset the matcher found per terminal;
- :func:`plot_status_by_day` and :func:`plot_status_by_kind`: verdicts per day
  and per kind of proof;
- :func:`plot_scores`: the distribution of the best candidate's confidence,
  with the match threshold.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from receiptkit.frames import side_report
from receiptkit.reports.summary import STATUSES, without_attrs
from receiptkit.reports.tables import offset_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "STATUS_COLORS",
    "figure_png",
    "plot_clock_offsets",
    "plot_scores",
    "plot_status_by_day",
    "plot_status_by_kind",
]

STATUS_COLORS = {"matched": "#2e7d32", "ambiguous": "#ef8f00", "unmatched": "#c62828"}
"""Colour of each verdict in every plot."""


def _figure(width: float = 7.0, height: float = 3.6) -> Figure:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - the plot extra is installed in tests
        raise ImportError('plots need matplotlib: pip install "receiptkit[plot]"') from exc
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def figure_png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def plot_clock_offsets(result: pd.DataFrame) -> Figure:
    """The clock offset found for each terminal (minutes ahead of true time).

    Offsets the matcher applied are solid; estimates it did not trust enough to
    apply are hatched.
    """
    offsets = side_report(result, "clock_offsets")
    figure = _figure(7.0, 0.5 + 0.35 * max(len(offsets), 2))
    axes = figure.add_subplot()
    axes.set_title("Clock offset found per terminal")
    if not isinstance(offsets, pd.DataFrame) or offsets.empty:
        axes.text(0.5, 0.5, "no terminal clock offset estimated", ha="center", va="center")
        axes.set_axis_off()
        return figure
    frame = offsets.reset_index()
    names = frame.iloc[:, 0].astype(str).to_numpy()
    minutes = frame["offset_s"].astype(float).to_numpy() / 60.0
    used = frame["used"].astype(bool).to_numpy()
    positions = np.arange(len(frame))
    seconds = frame["offset_s"].astype("int64").to_numpy()
    styles: tuple[tuple[np.ndarray, dict[str, Any]], ...] = (
        (used, {"color": "#1565c0", "label": "applied"}),
        (~used, {"color": "white", "edgecolor": "#1565c0", "hatch": "//", "label": "not applied"}),
    )
    for mask, style in styles:
        if mask.any():
            bars = axes.barh(positions[mask], minutes[mask], **style)
            axes.bar_label(bars, labels=[offset_text(s) for s in seconds[mask]], padding=3, fontsize="small")
    axes.set_xscale("symlog", linthresh=1.0)
    axes.margins(x=0.45)
    axes.xaxis.set_major_formatter(lambda value, _pos: f"{value:g}")
    axes.set_yticks(positions, names)
    axes.invert_yaxis()
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_xlabel("minutes ahead of true time (negative: behind; log scale beyond 1 min)")
    axes.legend(loc="lower right", fontsize="small")
    return figure


def _status_table(keys: pd.Series, status: pd.Series) -> pd.DataFrame:
    table = pd.crosstab(keys, status.astype(str))
    return table.reindex(columns=[s for s in STATUSES], fill_value=0)


def _stacked(axes: Any, table: pd.DataFrame, horizontal: bool) -> None:
    bottom = np.zeros(len(table))
    positions = np.arange(len(table))
    for status in STATUSES:
        values = table[status].to_numpy()
        if horizontal:
            axes.barh(positions, values, left=bottom, color=STATUS_COLORS[status], label=status)
        else:
            axes.bar(positions, values, bottom=bottom, color=STATUS_COLORS[status], label=status)
        bottom = bottom + values
    axes.legend(loc="best", fontsize="small")


def _proof_days(proofs: pd.DataFrame, tz: str) -> pd.Series:
    ts = pd.to_datetime(proofs["ts"], utc=True)
    days = ts.dt.tz_convert(tz).dt.strftime("%Y-%m-%d")
    dates = pd.to_datetime(proofs["date"]).dt.strftime("%Y-%m-%d")
    return days.where(ts.notna(), dates).fillna("no date")


def plot_status_by_day(result: pd.DataFrame, proofs: pd.DataFrame, tz: str = "Asia/Shanghai") -> Figure:
    """Verdicts per day of payment (the proof's day in ``tz``), stacked."""
    result, proofs = without_attrs(result), without_attrs(proofs)
    by_id = proofs.assign(proof_id=proofs["proof_id"].astype(str)).set_index("proof_id")
    ids = result["proof_id"].astype(str)
    days = _proof_days(by_id.loc[ids.to_numpy()], tz).to_numpy()
    table = _status_table(pd.Series(days, name="day"), result["status"].reset_index(drop=True))
    figure = _figure(max(7.0, 0.25 * len(table) + 2), 3.6)
    axes = figure.add_subplot()
    axes.set_title("Match status by day of payment")
    _stacked(axes, table, horizontal=False)
    step = max(1, len(table) // 15)
    axes.set_xticks(np.arange(len(table))[::step], [d[5:] for d in table.index[::step]], rotation=45)
    axes.set_ylabel("proofs")
    return figure


def plot_status_by_kind(result: pd.DataFrame, proofs: pd.DataFrame) -> Figure:
    """Verdicts per kind of proof (bank statement, wallet, SMS, ...), stacked."""
    result, proofs = without_attrs(result), without_attrs(proofs)
    kinds = proofs.assign(proof_id=proofs["proof_id"].astype(str)).set_index("proof_id")["kind"]
    keys = kinds.loc[result["proof_id"].astype(str).to_numpy()].astype(str).reset_index(drop=True)
    table = _status_table(keys.rename("kind"), result["status"].reset_index(drop=True))
    figure = _figure(7.0, 0.8 + 0.45 * max(len(table), 2))
    axes = figure.add_subplot()
    axes.set_title("Match status by kind of proof")
    _stacked(axes, table, horizontal=True)
    axes.set_yticks(np.arange(len(table)), table.index.tolist())
    axes.invert_yaxis()
    axes.set_xlabel("proofs")
    return figure


def plot_scores(result: pd.DataFrame, threshold: float | None = None) -> Figure:
    """How confident the best candidate was, per verdict, with the match threshold.

    Left: the whole range; right: the top (0.9 to 1), where the threshold sits.
    Proofs without any candidate are left out. ``threshold`` defaults to the
    policy the result was matched with.
    """
    if threshold is None:
        policy = result.attrs.get("policy")
        threshold = float(policy.get("match_threshold", np.nan) if isinstance(policy, dict) else np.nan)
    result = without_attrs(result)
    has = result["n_candidates"].astype("int64") > 0
    scores = result.loc[has, "confidence"].astype(float)
    status = result.loc[has, "status"].astype(str)
    figure = _figure(8.0, 3.4)
    whole, top = figure.subplots(1, 2, width_ratios=[3, 2])
    figure.suptitle("Confidence of the best candidate")
    for axes, low, bins in ((whole, 0.0, 40), (top, 0.9, 20)):
        edges = np.linspace(low, 1.0, bins + 1)
        data = [scores[(status == s) & (scores >= low)].to_numpy() for s in STATUSES]
        axes.hist(data, bins=edges, stacked=True, color=[STATUS_COLORS[s] for s in STATUSES], label=STATUSES)
        if not np.isnan(threshold):
            axes.axvline(
                threshold, color="black", linestyle="--", linewidth=1, label=f"threshold {threshold:g}"
            )
        axes.set_xlim(low, 1.0)
        axes.set_xlabel("confidence")
    whole.set_ylabel("proofs")
    top.set_title("zoom: 0.9 to 1", fontsize="small")
    whole.legend(loc="upper left", fontsize="small")
    return figure
