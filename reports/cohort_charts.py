"""Plotly figures for the coach dashboard (pure: they take ``cohort.aggregate`` tables, never render).

Same visual language as ``reports.charts``: Okabe–Ito colours (filled marks only in the members with ≥ 3:1
contrast on white) for bands, which keep their colours; marks that count responses (histograms, weekly counts,
drop-off) take the one ``NEUTRAL`` colour instead of a band's; font ≥ 12 px, no zoom or drag so a phone scrolls
past a chart, titles and axis titles on every figure, and values written out where colour would otherwise carry
them. Groups in comparisons differ by marker symbol as well as colour, in colours that are no band's
(``GROUP_COLOURS``). Every figure takes ``lang`` (domain
"reports") for its titles, axes, legends, hover text and text alternative; the numbers never depend on it.

k-anonymity: suppressed cells arrive as missing values with a "fewer than k" note; a figure never draws a height
or a mean for them, only a muted "< k" marker at zero and the note in the hover text. ``fig.layout.meta`` holds
the kind, the figures drawn and a text alternative, so tests and the page read what a chart shows without
parsing plotly's trace JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

import i18n
from reports.charts import FONT_SIZE, INK, MUTED, NEUTRAL, band_colour, text_colour_on
from reports.cohort_layout import (
    GROUP_COLOURS,
    SYMBOLS,
    Translate,
    _axis,
    _band_guides,
    _ci_bars,
    _empty,
    _guide,
    _hidden,
    _hidden_marks,
    _layout,
    _layout_dict,
    _nothing_visible,
    _num,
    wrap,
)
from scoring.models import Band

AXIS_TITLE = 28  # characters per line of an axis title: what a 360 px phone shows under a plot beside long labels
TICK_CHARS = 22  # characters per line of a drop-off page title on the axis (two lines leave a phone ~150 px of bars)


def _hidden_sentence(hidden: int, k: int, unit: str, lang: str) -> str:
    """ " 2 weeks with fewer than 5 responses are hidden." — or nothing at all when none is (never "0 weeks")."""
    if not hidden:
        return ""
    ngettext = i18n.ntranslator(lang)
    if unit == "week":
        text = ngettext(
            "{n} week with fewer than {k} responses is hidden.",
            "{n} weeks with fewer than {k} responses are hidden.",
            hidden,
        )
    else:
        text = ngettext(
            "{n} bin with fewer than {k} responses is hidden.",
            "{n} bins with fewer than {k} responses are hidden.",
            hidden,
        )
    return " " + text.format(n=hidden, k=k)


def distribution_figure(
    hist: pd.DataFrame, bands: Sequence[Band], k: int, title: str | None = None, *, lang: str = "en"
) -> go.Figure:
    """Histogram of overall scores (share of responses per bin) with the band boundaries marked."""
    _ = i18n.translator(lang)
    title = title or _("Overall score")
    empty = _nothing_visible(title, hist, k, _("No scored responses match these filters."), _)
    if empty is not None:
        return empty
    hidden = _hidden(hist)
    centre = ((hist["bin_low"] + hist["bin_high"]) / 2).to_numpy()
    width = (hist["bin_high"] - hist["bin_low"]).to_numpy() * 0.92
    share = hist["share"].astype(float) * 100
    traces: list[go.BaseTraceType] = [
        go.Bar(
            name=_("responses"),
            x=centre[~hidden],
            y=_num(share[~hidden]),
            width=width[~hidden],
            marker={"color": NEUTRAL},
            customdata=np.column_stack([hist["bin_low"][~hidden], hist["bin_high"][~hidden], hist["n"][~hidden]]),
            hovertemplate="%{customdata[0]:g}–%{customdata[1]:g}: %{y:.1f}% (%{customdata[2]:,.0f})<extra></extra>",
        )
    ]
    if hidden.any():
        hover = "%{x:g}: " + _("fewer than {k} responses (hidden)").format(k=k)
        traces.append(_hidden_marks(centre[hidden], k, _, hover=hover))
    layout = _layout_dict(title, 340) | _band_guides(bands)
    layout |= {
        "bargap": 0.05,
        "xaxis": _axis(title={"text": _("Score (0 = tactical, 100 = strategic)")}, range=[0, 100]),
        "yaxis": _axis(title={"text": _("Share of responses (%)")}, rangemode="tozero"),
        "meta": {
            "kind": "distribution",
            "bins": [
                {"low": float(lo), "high": float(hi), "n": None if h else float(n), "hidden": bool(h)}
                for lo, hi, n, h in zip(hist["bin_low"], hist["bin_high"], hist["n"], hidden, strict=True)
            ],
            "boundaries": [b.min for b in bands[1:]],
            "alt": _("Histogram of overall scores; band boundaries at {boundaries}.").format(
                boundaries=", ".join(f"{b.min:g}" for b in bands[1:])
            )
            + _hidden_sentence(int(hidden.sum()), k, "bin", lang),
        },
    }
    return go.Figure(data=traces, layout=layout)


def dimension_distributions_figure(
    hists: Mapping[str, pd.DataFrame], labels: Mapping[str, str], bands: Sequence[Band], k: int, *, lang: str = "en"
) -> go.Figure:
    """Small multiples, one row per dimension: share of responses per score bin, shared 0–100 axis.

    One figure with stacked y-axes, built once from plain dicts (each axis as ``_layout`` would leave it): no
    ``make_subplots``, no update passes — each of those re-validates the figure (issue 12: drawing time).
    """
    _ = i18n.translator(lang)
    title = _("Scores per dimension")
    dims = [d for d, h in hists.items() if not h.empty and np.nansum(h["n"].astype(float))]
    if not dims:
        return _empty(title, _("No scored responses match these filters."))
    rows, hidden_text = len(dims), _("fewer than {k} responses (hidden)").format(k=k)
    gap = 0.05
    height = (1 - gap * (rows - 1)) / rows
    traces: list[go.BaseTraceType | dict[str, Any]] = []
    layout: dict[str, Any] = {"shapes": [], "annotations": []}
    meta: dict[str, list[Any]] = {}
    for i, dim in enumerate(dims):
        hist = hists[dim]
        hidden = _hidden(hist)
        centre = ((hist["bin_low"] + hist["bin_high"]) / 2).to_numpy()
        share = hist["share"].astype(float) * 100
        axis = "" if i == 0 else str(i + 1)
        top = 1 - i * (height + gap)
        layout[f"yaxis{axis}"] = {
            "domain": [max(0.0, top - height), top],
            "rangemode": "tozero",
            "ticksuffix": "%",
            "nticks": 3,
            "fixedrange": True,
            "automargin": True,
            "tickfont": {"size": 12, "color": MUTED},
            "anchor": "x",
        }
        traces.append(
            {
                "type": "bar",
                "name": labels[dim],
                "x": centre[~hidden],
                "y": _num(share[~hidden]),
                "width": (hist["bin_high"] - hist["bin_low"]).to_numpy()[~hidden] * 0.92,
                "marker": {"color": NEUTRAL},
                "customdata": hist["n"].to_numpy()[~hidden],
                "hovertemplate": f"{labels[dim]} %{{x:g}}: %{{y:.1f}}% (%{{customdata:,.0f}})<extra></extra>",
                "xaxis": "x",
                "yaxis": f"y{axis}",
            }
        )
        if hidden.any():
            traces.append(_hidden_marks(centre[hidden], k, _, hover=hidden_text, size=8, xaxis="x", yaxis=f"y{axis}"))
        layout["shapes"] += [_guide(band.min, f"y{axis} domain") for band in bands[1:]]
        layout["annotations"].append(
            {
                "text": labels[dim],
                "x": 0,
                "xref": "paper",
                "xanchor": "left",
                "y": top,
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 13, "color": INK},
            }
        )
        meta[dim] = [None if h else float(n) for n, h in zip(hist["n"], hidden, strict=True)]
    layout["xaxis"] = {
        "range": [0, 100],
        "title": {"text": _("Score (0–100)")},
        "anchor": f"y{'' if rows == 1 else rows}",
        "fixedrange": True,
        "automargin": True,
        "tickfont": {"size": 12, "color": MUTED},
    }
    layout["meta"] = {
        "kind": "dimension_distributions",
        "counts": meta,
        "alt": _("One histogram per dimension ({dimensions}); bins with fewer than {k} responses hidden.").format(
            dimensions=", ".join(labels[d] for d in dims), k=k
        ),
    }
    return go.Figure(data=traces, layout=layout | _layout_dict(title, 110 * rows + 110) | {"bargap": 0.05})


def _share_labels(share: pd.Series, hidden: np.ndarray, k: int, _: Translate) -> list[str]:
    """What a share bar says: its percentage, or "fewer than k" where its count is hidden."""
    return [_("fewer than {k}").format(k=k) if h else f"{s:.0f}%" for s, h in zip(share, hidden, strict=True)]


def _bars_layout(
    ticks: Sequence[str],
    hidden: np.ndarray,
    k: int,
    title: str,
    height: int,
    x_title: str,
    _: Translate,
) -> dict[str, Any]:
    """The layout horizontal bars share: "fewer than k" at each hidden bar, the first bar on top."""
    fewer = _("fewer than {k}").format(k=k)
    annotations = [
        {"x": 0, "y": tick, "xanchor": "left", "text": fewer, "showarrow": False}
        for tick, h in zip(ticks, hidden, strict=True)
        if h
    ]
    return _layout_dict(title, height) | {
        **({"annotations": annotations} if annotations else {}),
        "xaxis": _axis(title={"text": x_title}, rangemode="tozero"),
        "yaxis": _axis(autorange="reversed", tickfont={"size": FONT_SIZE, "color": INK}),
    }


def band_split_figure(split: pd.DataFrame, k: int, title: str | None = None, *, lang: str = "en") -> go.Figure:
    """Horizontal bar per overall band (lowest first), share written on each bar."""
    _ = i18n.translator(lang)
    title = title or _("Responses per band")
    empty = _nothing_visible(title, split, k, _("No scored responses match these filters."), _)
    if empty is not None:
        return empty
    hidden = _hidden(split)
    share = split["share"].astype(float) * 100
    colours = [band_colour(i) for i in range(len(split))]
    text = _share_labels(share, hidden, k, _)
    bar = go.Bar(
        name=_("share"),
        orientation="h",
        y=split["label"].tolist(),
        x=[None if h else float(s) for s, h in zip(share, hidden, strict=True)],
        marker={"color": colours},
        text=text,
        textposition="auto",
        textfont={"color": [text_colour_on(c) for c in colours], "size": FONT_SIZE},
        outsidetextfont={"color": INK},
        customdata=[None if h else float(n) for n, h in zip(split["n"], hidden, strict=True)],
        hovertemplate="%{y}: %{x:.1f}% (%{customdata:,.0f})<extra></extra>",
        cliponaxis=False,
    )
    layout = _bars_layout(split["label"], hidden, k, title, 60 * len(split) + 110, _("Share of responses (%)"), _)
    layout["meta"] = {
        "kind": "band_split",
        "n": {b: (None if h else float(n)) for b, n, h in zip(split["band"], split["n"], hidden, strict=True)},
        "alt": "; ".join(f"{lbl}: {x}" for lbl, x in zip(split["label"], text, strict=True)),
    }
    return go.Figure(data=[bar], layout=layout)


def comparison_figure(
    table: pd.DataFrame,
    group_col: str,
    labels: Mapping[str, str],
    k: int,
    title: str | None = None,
    *,
    lang: str = "en",
) -> go.Figure:
    """Mean per dimension with 95 % CI error bars, one marker series per group (colour + symbol)."""
    _ = i18n.translator(lang)
    title = title or _("Dimension means by group")
    if table.empty:
        return _empty(title, _("Choose at least two groups to compare."))
    measures = list(dict.fromkeys(table["measure"]))
    names = [labels.get(m, m) for m in measures]
    groups = list(dict.fromkeys(table[group_col]))
    fig = go.Figure()
    meta: dict[str, dict[str, Any]] = {}
    ci = _("95% CI {low}–{high}, n={n}").format(
        low="%{customdata[2]:.1f}", high="%{customdata[3]:.1f}", n="%{customdata[1]}"
    )
    offsets = np.linspace(-0.25, 0.25, len(groups)) if len(groups) > 1 else [0.0]
    for i, group in enumerate(groups):
        part = table[table[group_col] == group].set_index("measure").reindex(measures)
        hidden = _hidden(part.reset_index())
        mean = part["mean"].astype(float)
        meta[str(group)] = {m: (None if h else float(v)) for m, v, h in zip(measures, mean, hidden, strict=True)}
        y = np.arange(len(measures)) + offsets[i]
        label = _("{group} (fewer than {k})").format(group=group, k=k) if hidden.all() else str(group)
        fig.add_trace(
            go.Scatter(
                name=label,
                x=[None if h else v for v, h in zip(_num(mean), hidden, strict=True)],
                y=y,
                mode="markers",
                marker={
                    "color": GROUP_COLOURS[i % len(GROUP_COLOURS)],
                    "symbol": SYMBOLS[i % len(SYMBOLS)],
                    "size": 10,
                },
                error_x=_ci_bars(part, mean, thickness=1.5, width=4),
                # dtype=object keeps the numbers numbers: stacked with the names they would all turn into
                # strings whenever no value is missing (numpy's common type of str and float is str).
                customdata=np.array(
                    [names, _num(part["n"]), _num(part["ci_low"]), _num(part["ci_high"])], dtype=object
                ).T,
                hovertemplate=f"{group} · %{{customdata[0]}}: %{{x:.1f}} ({ci})<extra></extra>",
            )
        )
    _layout(fig, title, 64 * len(measures) + 150, legend=True)
    fig.update_xaxes(title=wrap(_("Mean score with 95% confidence interval"), AXIS_TITLE), range=[0, 100])
    fig.update_yaxes(
        tickvals=list(range(len(measures))),
        ticktext=names,
        autorange="reversed",
        tickfont={"size": FONT_SIZE, "color": INK},
    )
    fig.update_layout(
        meta={
            "kind": "comparison",
            "means": meta,
            "alt": _(
                "Mean score per dimension for {groups}, with 95% confidence intervals; "
                "groups with fewer than {k} responses are not drawn."
            ).format(groups=", ".join(map(str, groups)), k=k),
        }
    )
    return fig


def trend_figure(trend: pd.DataFrame, k: int, title: str | None = None, *, lang: str = "en") -> go.Figure:
    """Two rows on one week axis: mean overall score with 95 % CI, and the number of responses."""
    _ = i18n.translator(lang)
    title = title or _("Responses and overall score by week")
    if trend.empty:
        return _empty(title, _("No responses in this period."))
    week_of = _("week of {week}").format(week="%{x}")
    hidden = _hidden(trend)
    weeks = pd.to_datetime(trend["week"]).dt.strftime("%Y-%m-%d").tolist()
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.62, 0.38], vertical_spacing=0.08)
    mean = trend["mean"].astype(float)
    fig.add_trace(
        go.Scatter(
            name=_("mean overall"),
            x=weeks,
            y=[None if h else v for v, h in zip(_num(mean), hidden, strict=True)],
            mode="lines+markers",
            line={"color": NEUTRAL, "width": 2},
            marker={"size": 7},
            error_y=_ci_bars(trend, mean, thickness=1.2, width=3),
            connectgaps=False,
            hovertemplate=week_of + ": %{y:.1f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            name=_("responses"),
            x=weeks,
            y=[None if h else v for v, h in zip(_num(trend["n"]), hidden, strict=True)],
            marker={"color": NEUTRAL},
            hovertemplate=week_of + ": " + _("{n} responses").format(n="%{y:,.0f}") + "<extra></extra>",
        ),
        row=2,
        col=1,
    )
    if hidden.any():
        fig.add_trace(
            _hidden_marks(
                [w for w, h in zip(weeks, hidden, strict=True) if h],
                k,
                _,
                hover=week_of + ": " + _("fewer than {k} responses (hidden)").format(k=k),
            ),
            row=2,
            col=1,
        )
    _layout(fig, title, 420)
    fig.update_yaxes(title=_("Mean overall (95% CI)"), range=[0, 100], row=1, col=1)
    fig.update_yaxes(title=_("Responses"), rangemode="tozero", row=2, col=1)
    fig.update_xaxes(title=_("Week starting (Monday, UTC)"), type="category", row=2, col=1)
    fig.update_layout(
        meta={
            "kind": "trend",
            "weeks": weeks,
            "n": [None if h else float(v) for v, h in zip(trend["n"], hidden, strict=True)],
            "alt": _("Weekly mean overall score and number of responses over {weeks} weeks.").format(weeks=len(weeks))
            + _hidden_sentence(int(hidden.sum()), k, "week", lang),
        }
    )
    return fig


def dropoff_figure(drop: pd.DataFrame, k: int, title: str | None = None, *, lang: str = "en") -> go.Figure:
    """Horizontal bar per page: how many unfinished responses stopped there (share written out)."""
    _ = i18n.translator(lang)
    title = title or _("Where unfinished responses stopped")
    empty = _nothing_visible(title, drop, k, _("No unfinished responses match these filters."), _)
    if empty is not None:
        return empty
    hidden = _hidden(drop)
    ticks = [f"{p}. {title}" for p, title in zip(drop["page"], drop["title"], strict=True)]
    # On a 360 px phone a page title on one line left the bars about 60 px: the axis shows it on at most two short
    # lines (the rest cut with "…"), the hover text and the text alternative the whole title.
    short = [wrap(tick, TICK_CHARS, lines=2) for tick in ticks]
    share = drop["share"].astype(float) * 100
    text = _share_labels(share, hidden, k, _)
    bar = go.Bar(
        name=_("stopped here"),
        orientation="h",
        y=ticks,
        x=[None if h else float(v) for v, h in zip(drop["n"], hidden, strict=True)],
        marker={"color": NEUTRAL},
        text=text,
        textposition="auto",
        textfont={"size": FONT_SIZE},
        cliponaxis=False,
        hovertemplate="%{y}: " + _("{n} stopped here").format(n="%{x:,.0f}") + "<extra></extra>",
    )
    x_title = wrap(_("Unfinished responses that stopped on this page"), AXIS_TITLE)
    layout = _bars_layout(ticks, hidden, k, title, 44 * len(drop) + 130, x_title, _)
    layout["yaxis"] |= {"tickmode": "array", "tickvals": ticks, "ticktext": short}
    layout["meta"] = {
        "kind": "dropoff",
        "n": [None if h else float(v) for v, h in zip(drop["n"], hidden, strict=True)],
        "alt": "; ".join(f"{tick}: {x}" for tick, x in zip(ticks, text, strict=True)),
    }
    return go.Figure(data=[bar], layout=layout)
