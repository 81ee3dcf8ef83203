"""The plots: figures with the data in them, drawn without pyplot."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from receiptkit.reports import plots


def _bar_total(axes) -> float:
    return float(sum(p.get_width() if p.get_height() < 0.9 else p.get_height() for p in axes.patches))


def test_clock_offsets_one_bar_per_terminal_with_its_offset(rec):
    figure = plots.plot_clock_offsets(rec.result)
    axes = figure.axes[0]
    offsets = rec.clock_offsets
    assert [t.get_text() for t in axes.get_yticklabels()] == offsets.index.astype(str).tolist()
    widths = sorted(round(p.get_width() * 60) for p in axes.patches)
    assert widths == sorted(offsets["offset_s"].astype(int).tolist())
    assert plots.figure_png(figure).startswith(b"\x89PNG")


def test_status_by_kind_counts_every_proof(rec):
    axes = plots.plot_status_by_kind(rec.result, rec.proofs).axes[0]
    assert round(sum(p.get_width() for p in axes.patches)) == len(rec.result)
    assert {t.get_text() for t in axes.get_yticklabels()} == set(rec.proofs["kind"].astype(str))


def test_status_by_day_counts_every_proof(rec):
    axes = plots.plot_status_by_day(rec.result, rec.proofs).axes[0]
    assert round(sum(p.get_height() for p in axes.patches)) == len(rec.result)


def test_scores_show_the_threshold_and_every_scored_proof(rec):
    figure = plots.plot_scores(rec.result)
    whole = figure.axes[0]
    threshold = rec.result.attrs["policy"]["match_threshold"]
    lines = [line.get_xdata()[0] for line in whole.get_lines()]
    assert np.isclose(lines, threshold).any()
    scored = int((rec.result["n_candidates"] > 0).sum())
    assert round(sum(p.get_height() for p in whole.patches)) == scored


def test_no_offsets_gives_a_figure_that_says_so(rec):
    bare = rec.result.copy()
    bare.attrs = {}
    figure = plots.plot_clock_offsets(bare)
    assert "no terminal clock offset" in figure.axes[0].texts[0].get_text()
