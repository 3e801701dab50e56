"""Change over time (pure): what moved between a candidate's attempts, in plain sentences, and a chart.

A history is the submitted attempts of one retake chain, oldest first, each with the scores recorded at
its submission (``storage.Store.history``; anything with ``submitted_at``, ``overall`` and
``dimension_scores`` will do). Every attempt shares one scoring key, so the numbers are comparable.

The noise rule is the result page's own: a score within ``q.scoring.near_boundary`` of a band edge is
"near the boundary" because a point or two either way is within what one sitting can tell apart, so a
change smaller than that margin is called noise (``within_noise``), and the sentence says so plainly.

The chart follows ``reports.charts``: a fixed 0–100 axis per row, no zoom, no legend, every value written
as text, band edges as shaded stretches with their labels (overall bands on the overall row, dimension
bands on the others), and ``fig.layout.meta`` holding what it shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import i18n
from reports.charts import FONT_SIZE, INK, MUTED, _base_layout, band_colour
from scoring.engine import band_for
from scoring.models import Band, Questionnaire

if TYPE_CHECKING:
    import plotly.graph_objects as go

OVERALL = "overall"  # the measure id of the overall score (dimension ids are the others)
LINE = "#0072B2"  # Okabe–Ito blue: 5.2:1 on white
ROW_PX = 112  # height of one row of the chart


class Scores(Protocol):
    """One attempt as a history holds it (``storage.Attempt`` fits)."""

    @property
    def submitted_at(self) -> datetime: ...

    @property
    def overall(self) -> float | None: ...

    @property
    def dimension_scores(self) -> Mapping[str, float | None]: ...


@dataclass(frozen=True)
class Change:
    """One measure from one attempt to a later one (attempts numbered from 1, oldest first)."""

    measure: str  # OVERALL or a dimension id
    name: str
    first: int
    last: int
    before: float | None
    after: float | None
    delta: float | None  # None when either attempt had too few answers to score it
    noise: bool  # |delta| below the questionnaire's near-boundary margin
    sentence: str


@dataclass(frozen=True)
class ChangeSummary:
    """Every change of a history: step by step, and from the first attempt to the last."""

    threshold: float
    steps: list[list[Change]]  # steps[i]: attempt i + 1 → i + 2; overall first, then dimensions in order
    first_to_last: list[Change]


def within_noise(delta: float, threshold: float) -> bool:
    """Whether a change is smaller than the margin the result page treats as noise near a band edge."""
    return abs(delta) < threshold


def _shown(before: float, after: float, threshold: float) -> tuple[str, str, str]:
    """Before, after and the change as shown: whole points, finer only when whole points would contradict the
    noise rule (or call a change none). The change shown is the difference of the scores shown, so it adds up."""
    noise = within_noise(after - before, threshold)
    for digits in (0, 1, 2, 3):
        b, a = round(before, digits), round(after, digits)
        if within_noise(a - b, threshold) == noise and (a == b) == (after == before):
            break
    return f"{b:.{digits}f}", f"{a:.{digits}f}", f"{abs(a - b):.{digits}f}"


def band_label(bands: Sequence[Band], value: float | None) -> str | None:
    """The label of the band a score falls in; None for no score."""
    band_id = band_for(list(bands), value)
    return next((b.label for b in bands if b.id == band_id), None)


def _sentence(
    name: str, before: float | None, after: float | None, threshold: float, bands: Sequence[Band], lang: str
) -> tuple[float | None, bool, str]:
    _ = i18n.translator(lang)
    if before is None or after is None:
        return (
            None,
            False,
            _("{name}: not compared — one of the two attempts had too few answers here.").format(name=name),
        )
    delta = after - before
    noise = within_noise(delta, threshold)
    shown = _shown(before, after, threshold)
    values = {"name": name, "before": shown[0], "after": shown[1], "amount": shown[2]}
    if values["amount"].strip("0.") == "":
        text = _("{name}: unchanged at {after}.").format(**values)
    elif noise:
        text = _(
            "{name}: {before} → {after}. A change of {amount} points is within what this questionnaire treats as "
            "noise (less than {threshold} points), so read it as no real change."
        ).format(threshold=f"{threshold:g}", **values)
    elif delta > 0:
        text = _("{name}: {before} → {after}, up {amount} points.").format(**values)
    else:
        text = _("{name}: {before} → {after}, down {amount} points.").format(**values)
    was, now = band_label(bands, before), band_label(bands, after)
    if was and now and was != now:
        if noise:
            text += " " + _("It crosses from {was} to {now}, but only by a margin that could go either way.").format(
                was=was, now=now
            )
        else:
            text += " " + _("That moves it from {was} to {now}.").format(was=was, now=now)
    return delta, noise, text


def _changes(q: Questionnaire, history: Sequence[Scores], first: int, last: int, lang: str) -> list[Change]:
    _ = i18n.translator(lang)
    a, b = history[first - 1], history[last - 1]
    threshold = q.scoring.near_boundary
    measures: list[tuple[str, str, float | None, float | None, Sequence[Band]]] = [
        (OVERALL, _("Overall"), a.overall, b.overall, q.bands.overall)
    ]
    measures += [
        (d.id, d.name, a.dimension_scores.get(d.id), b.dimension_scores.get(d.id), q.bands.dimension)
        for d in q.dimensions
    ]
    out = []
    for measure, name, before, after, bands in measures:
        delta, noise, sentence = _sentence(name, before, after, threshold, bands, lang)
        out.append(Change(measure, name, first, last, before, after, delta, noise, sentence))
    return out


def summarise(q: Questionnaire, history: Sequence[Scores], lang: str = "en") -> ChangeSummary:
    """The changes of a history (oldest first): each consecutive step and first → last; empty below two."""
    n = len(history)
    steps = [_changes(q, history, i, i + 1, lang) for i in range(1, n)]
    overall = _changes(q, history, 1, n, lang) if n >= 2 else []
    return ChangeSummary(threshold=q.scoring.near_boundary, steps=steps, first_to_last=overall)


def _series(q: Questionnaire, history: Sequence[Scores], lang: str) -> list[tuple[str, str, list[float | None]]]:
    _ = i18n.translator(lang)
    rows = [(OVERALL, _("Overall"), [a.overall for a in history])]
    rows += [(d.id, d.label, [a.dimension_scores.get(d.id) for a in history]) for d in q.dimensions]
    return rows


def change_alt_text(q: Questionnaire, history: Sequence[Scores], lang: str = "en") -> str:
    """The chart in words, one measure a sentence, for screen readers and captions."""
    _ = i18n.translator(lang)
    parts = []
    for _id, name, values in _series(q, history, lang):
        shown = ", ".join("–" if v is None else f"{v:.0f}" for v in values)
        parts.append(_("{name} over {count} attempts: {values}.").format(name=name, count=len(values), values=shown))
    return " ".join(parts)


def _band_shapes(bands: Sequence[Band], axis: str) -> list[dict[str, Any]]:
    """Shaded stretches, one per band, and a dotted line at each inner edge, on one row's y axis."""
    shapes: list[dict[str, Any]] = []
    for i, band in enumerate(bands):
        shapes.append(
            {
                "type": "rect",
                "name": f"band:{band.id}",
                "xref": "x domain",
                "x0": 0,
                "x1": 1,
                "yref": f"y{axis}",
                "y0": band.min,
                "y1": band.max,
                "fillcolor": band_colour(i),
                "opacity": 0.13,
                "line": {"width": 0},
                "layer": "below",
            }
        )
    for band in bands[1:]:
        shapes.append(
            {
                "type": "line",
                "name": f"edge:{band.min:g}",
                "xref": "x domain",
                "x0": 0,
                "x1": 1,
                "yref": f"y{axis}",
                "y0": band.min,
                "y1": band.min,
                "line": {"color": MUTED, "width": 1, "dash": "dot"},
                "layer": "below",
            }
        )
    return shapes


def change_figure(q: Questionnaire, history: Sequence[Scores], lang: str = "en") -> go.Figure:
    """One row per measure (overall first, then each dimension): its score at each attempt on a fixed
    0–100 axis over the bands' shaded stretches, every value written beside its point."""
    import plotly.graph_objects as go

    _ = i18n.translator(lang)
    series = _series(q, history, lang)
    n = len(history)
    ticks = [str(i) for i in range(1, n + 1)]
    # Dates only while they fit side by side at 360 px; the hover and the alt text keep them anyway.
    tick_text = [f"{i}<br>{a.submitted_at:%Y-%m-%d}" if n <= 4 else f"{i}" for i, a in enumerate(history, 1)]
    rows = len(series)
    gap = 0.28 / rows
    height = (1 - gap * (rows - 1)) / rows
    layout: dict[str, Any] = {"shapes": [], "annotations": []}
    traces = []
    for r, (measure, name, values) in enumerate(series):
        axis = "" if r == 0 else str(r + 1)
        top = 1 - r * (height + gap)
        bands = q.bands.overall if measure == OVERALL else q.bands.dimension
        layout[f"yaxis{axis}"] = {
            "domain": [max(0.0, top - height), top],
            "range": [0, 100],
            "fixedrange": True,
            "tickvals": sorted({b.min for b in bands} | {100.0}),
            "tickfont": {"size": 12, "color": MUTED},
            "showgrid": False,
            "zeroline": False,
            "anchor": "x",
        }
        layout["shapes"] += _band_shapes(bands, axis)
        layout["annotations"].append(
            {
                "text": f"<b>{name}</b>" if measure == OVERALL else name,
                "x": 0,
                "xref": "paper",
                "xanchor": "left",
                "y": top,
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": FONT_SIZE, "color": INK},
            }
        )
        traces.append(
            go.Scatter(
                name=measure,
                x=ticks,
                y=values,
                mode="lines+markers+text",
                text=["" if v is None else f"{v:.0f}" for v in values],
                textposition="top center",
                textfont={"size": FONT_SIZE, "color": INK},
                line={"color": LINE, "width": 2.5},
                marker={"color": LINE, "size": 9},
                connectgaps=False,
                cliponaxis=False,
                customdata=[f"{a.submitted_at:%Y-%m-%d}" for a in history],
                hovertemplate=f"{name} · %{{customdata}}: %{{y:.0f}}<extra></extra>",
                xaxis="x",
                yaxis=f"y{axis}",
            )
        )
    fig = go.Figure(data=traces)
    _base_layout(fig, height=ROW_PX * rows + 70, margin={"l": 8, "r": 16, "t": 28, "b": 56})
    fig.update_layout(
        **layout,
        xaxis={
            "type": "category",
            "anchor": f"y{rows}" if rows > 1 else "y",  # under the last row, not the first
            "domain": [0, 1],
            "tickvals": ticks,
            "ticktext": tick_text,
            "fixedrange": True,
            "showgrid": False,
            "title": {"text": _("Attempt"), "font": {"size": 12, "color": MUTED}},
            "tickfont": {"size": 12, "color": MUTED},
        },
        meta={
            "kind": "change",
            "attempts": [a.submitted_at.isoformat() for a in history],
            "values": {measure: values for measure, _name, values in series},
            "bands": {
                "overall": [[b.id, b.min, b.max] for b in q.bands.overall],
                "dimension": [[b.id, b.min, b.max] for b in q.bands.dimension],
            },
            "alt": change_alt_text(q, history, lang),
        },
    )
    return fig
