"""The reconciliation report as one self-contained HTML page.

The same tables as the Excel workbook (escaped; text a spreadsheet could take for
a formula is shown as it is, in cells marked with Excel's text format so that a
table copied from the page into a spreadsheet stays inert), each under its own
heading with a ``data-rows`` count, and the plots embedded as base64 PNG
images: the file can be mailed or archived on its own.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import SupportsFloat

import pandas as pd

from receiptkit.spreadsheet import html_text_marks, mark_html_cells, xml_safe_frame

__all__ = ["render_html", "write_html"]

_PERCENT_COLUMNS = ("confidence", "margin", "candidate_confidence")
_STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; position: sticky; top: 0; }
.counts span { display: inline-block; margin-right: 1.5em; font-size: 1.1em; }
.matched { color: #2e7d32; } .ambiguous { color: #ef8f00; } .unmatched { color: #c62828; }
figure { margin: 1em 0; } img { max-width: 100%; }
dl.about { display: grid; grid-template-columns: max-content auto; gap: 2px 1em; font-size: 0.9em; }
dl.about dt { font-weight: bold; } dl.about dd { margin: 0; }
"""


def _percent(value: SupportsFloat | None) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.1%}"


def _table_html(name: str, frame: pd.DataFrame) -> str:
    safe = html_text_marks(xml_safe_frame(frame))
    formatters = {c: _percent for c in _PERCENT_COLUMNS if c in safe.columns}
    table = mark_html_cells(
        safe.to_html(index=False, escape=True, na_rep="", border=0, formatters=formatters)
    )
    anchor = name.replace(" ", "-")
    return (
        f'<section id="{anchor}" data-rows="{len(frame)}">\n<h2>{html.escape(name)} ({len(frame)} rows)</h2>\n'
        f"{table}\n</section>"
    )


def render_html(
    tables: Mapping[str, pd.DataFrame],
    counts: Mapping[str, int],
    figures: Mapping[str, bytes] | None = None,
    *,
    title: str = "receiptkit reconciliation",
    about: Sequence[tuple[str, str]] = (),
) -> str:
    """The report page as text: ``about`` lines (the zone of its times ...), counts, plots (PNG bytes by
    caption), then one table per sheet."""
    made = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = "".join(
        f'<span class="{html.escape(status)}" data-status="{html.escape(status)}" data-count="{n}">'
        f"{html.escape(status)}: <b>{n}</b></span>"
        for status, n in counts.items()
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>made {made} by receiptkit</p>",
        f'<p class="counts">{head}</p>',
    ]
    if about:
        items = "".join(f"<dt>{html.escape(item)}</dt><dd>{html.escape(value)}</dd>" for item, value in about)
        parts.insert(-1, f'<dl class="about">{items}</dl>')
    for caption, png in (figures or {}).items():
        data = base64.b64encode(png).decode("ascii")
        parts.append(
            f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    parts += [_table_html(name, frame) for name, frame in tables.items()]
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(
    tables: Mapping[str, pd.DataFrame],
    counts: Mapping[str, int],
    path: str | os.PathLike[str],
    figures: Mapping[str, bytes] | None = None,
    *,
    title: str = "receiptkit reconciliation",
    about: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8)."""
    target = Path(path)
    target.write_text(render_html(tables, counts, figures, title=title, about=about), encoding="utf-8")
    return target
