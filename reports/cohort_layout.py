"""What every coach-dashboard figure shares (``reports.cohort_charts`` builds the figures from these).

The common layout (title, margins, font, no zoom or drag, a horizontal legend below), axes, the muted "< k" marks
of hidden cells, confidence-interval bars, the explanatory empty figure, band guides and labels, and long
labels wrapped onto lines for a 360 px phone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cohort.aggregate import NOTE
from reports.charts import FONT_SIZE, INK, MUTED, band_colour
from scoring.models import Band

# Groups in a comparison: dark, muted hues that are none of the band colours (which mean bands only), each
# ≥ 3:1 on white (charcoal 9.3, violet 6.9, brown 5.8, grey 4.0); a group's marker symbol tells them apart too.
GROUP_COLOURS = ("#3D4852", "#6A4C93", "#8C5A2B", "#7F7F7F")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star", "hexagon")
SUPPRESSED_COLOUR = "#AFB8C1"  # muted marker for a hidden cell; its meaning is in text, not colour
Translate = Callable[[str], str]


def _hidden_marks(x: Any, k: int, _: Translate, *, hover: str, size: int = 10, **axes: str) -> go.Scatter:
    """Muted dashes on the baseline where a cell under k is hidden: its place shows, never its height."""
    x = list(x)
    return go.Scatter(
        name=_("fewer than {k}").format(k=k),
        x=x,
        y=[0.0] * len(x),
        mode="markers",
        marker={"symbol": "line-ew-open", "size": size, "color": SUPPRESSED_COLOUR, "line": {"width": 2}},
        hovertemplate=f"{hover}<extra></extra>",
        **axes,
    )


def _layout_dict(title: str, height: int, legend: bool = False) -> dict[str, Any]:
    """The layout every figure shares (axes aside), as ``update_layout`` keywords."""
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": FONT_SIZE + 3, "color": INK}},
        "height": height,
        "margin": {"l": 8, "r": 12, "t": 56, "b": 48},
        "font": {"size": FONT_SIZE, "color": INK},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "dragmode": False,
        "showlegend": legend,
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0, "font": {"size": 12}},
    }


def _axis(**extra: Any) -> dict[str, Any]:
    """An axis as ``_layout`` leaves it (no zoom, automatic margin, muted 12 px ticks), with ``extra`` on top."""
    return {"fixedrange": True, "automargin": True, "tickfont": {"size": 12, "color": MUTED}} | extra


def _layout(fig: go.Figure, title: str, height: int, legend: bool = False) -> None:
    fig.update_layout(**_layout_dict(title, height, legend))
    fig.update_xaxes(**_axis())
    fig.update_yaxes(**_axis())


def _hidden(table: pd.DataFrame) -> np.ndarray:
    if NOTE not in table.columns:
        return np.zeros(len(table), dtype=bool)
    # Element by element: a few dozen cells, where pandas' vectorised ops cost more than they save.
    return np.array([not (pd.isna(v) or v == "") for v in table[NOTE]], dtype=bool)


def _num(values: pd.Series) -> list[float | None]:
    """Plain floats with None for missing: what plotly writes as JSON null."""
    return [None if pd.isna(v) else float(v) for v in values]


def _ci_bars(table: pd.DataFrame, mean: pd.Series, *, thickness: float, width: int) -> dict[str, Any]:
    """Error bars from ``mean`` out to the table's ``ci_low`` / ``ci_high`` (asymmetric: plotly wants the two arms)."""
    return {
        "type": "data",
        "symmetric": False,
        "array": _num(table["ci_high"] - mean),
        "arrayminus": _num(mean - table["ci_low"]),
        "thickness": thickness,
        "width": width,
    }


def _empty(title: str, message: str, height: int = 220) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(x=0.5, y=0.5, xref="paper", yref="paper", text=message, showarrow=False, font={"color": MUTED})
    _layout(fig, title, height)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(meta={"kind": "empty", "alt": message})
    return fig


def _nothing_visible(title: str, table: pd.DataFrame, k: int, none: str, _: Translate) -> go.Figure | None:
    """An explanatory empty figure when a table has no counts, or only hidden ones."""
    if not table.empty and np.nansum(table["n"].astype(float)):
        return None
    if _hidden(table).any():
        return _empty(title, _("Every group here has fewer than {k} responses, so none is shown.").format(k=k))
    return _empty(title, none)


def _guide(x: float, yref: str, **extra: str) -> dict[str, Any]:
    """A dotted vertical line at a band boundary, over the whole height of the y-axis ``yref``."""
    line = {"color": MUTED, "width": 1.5, "dash": "dot"}
    return {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": yref, "line": line} | extra


def _band_guides(bands: Sequence[Band]) -> dict[str, list[dict[str, Any]]]:
    """Layout entries: dotted lines at the inner band boundaries, band names above the plot — as ``add_vline``
    and ``reports.charts.add_band_label`` would add them, in a fraction of the time (each add re-validates)."""
    return {
        "shapes": [
            _guide(band.min, "y domain", layer="above") for band in bands[1:]
        ],
        "annotations": [
            {"x": (band.min + band.max) / 2, "y": 1, "yref": "paper", "yanchor": "bottom", "text": band.label,
             "showarrow": False, "font": {"size": 12, "color": band_colour(i) if i < 4 else INK}}
            for i, band in enumerate(bands)
        ],
    }  # fmt: skip


def wrap(text: str, width: int, *, lines: int = 0) -> str:
    """``text`` broken at spaces into lines of at most ``width`` characters joined by ``<br>`` (plotly's line
    break); with ``lines``, at most that many, the last cut with "…". A word longer than ``width`` stays whole."""
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if lines and len(out) > lines:
        out = out[:lines]
        out[-1] = (out[-1][: width - 1].rstrip() if len(out[-1]) >= width else out[-1]) + "…"
    return "<br>".join(out)
