"""Plotly figures for the candidate's result page (pure: build figures, never render them).

Design choices, because most candidates read this on a phone:
- horizontal bars rather than a radar (labels stay horizontal and readable at 360 px);
- a fixed 0–100 axis, tight margins, font size ≥ 12, no legend and no zoom (``fixedrange``), so a
  thumb scrolling the page does not pan the chart;
- Okabe–Ito colours, restricted for filled marks to those with ≥ 3:1 contrast against white
  (WCAG 1.4.11), and every value also written as text, so colour never carries meaning alone;
- ``fig.layout.meta`` holds what the figure shows (kind, values, bands, a text alternative) so tests
  and the page can check or reuse it without parsing plotly's JSON.

The PDF draws its own versions of these charts with fpdf2 (``reports.pdf``) from the same palette.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import i18n
from i18n import Translate
from i18n.formats import decimal
from scoring.interpret import Interpretation
from scoring.models import Band, Questionnaire

if TYPE_CHECKING:  # plotly is imported where a figure is built: the palette and continuum_html need none of it
    import plotly.graph_objects as go

# Okabe & Ito (2008) "Color Universal Design". Filled marks use the members with ≥ 3:1 contrast on
# white (vermillion 3.9, blue 5.2, bluish green 3.4, reddish purple 3.1, black 21); orange, sky blue
# and yellow are too light for bars on a white page.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
BAND_COLOURS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#000000")
INK = "#1F2328"  # body text: 15.8:1 on white
MUTED = "#57606A"  # secondary text and guide lines: 6.4:1 on white
# Marks that count responses rather than place a score in a band (histograms, weekly counts, drop-off):
# one neutral slate, 5.5:1 on white, so no band colour (green = the top band) is borrowed for them.
NEUTRAL = "#5F6B77"
# Empty part of a bar, alternating per band so the band a value falls in shows along the row.
TRACK = ("#EEF1F4", "#E1E6EB")
FONT_SIZE = 13
NOT_SCORED = "not enough answers"  # English; the figures say it in their language

# Plotly config the page may pass to st.plotly_chart; the figures do not depend on it.
PLOTLY_CONFIG = {"displayModeBar": False, "responsive": True, "scrollZoom": False}


def _luminance(colour: str) -> float:
    rgb = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#RRGGBB`` colours (1–21)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_colour_on(fill: str) -> str:
    """Black or white, whichever reads better on ``fill``."""
    return "#000000" if contrast(fill, "#000000") >= contrast(fill, "#FFFFFF") else "#FFFFFF"


def band_colour(index: int) -> str:
    """Colour of the band at ``index`` (0 = lowest); cycles when there are more bands than colours."""
    return BAND_COLOURS[index % len(BAND_COLOURS)]


def band_index(bands: Sequence[Band], band_id: str | None) -> int | None:
    """Position of a band id in its list, or None."""
    return next((i for i, b in enumerate(bands) if b.id == band_id), None)


def add_band_label(fig: go.Figure, band: Band, colour: str, **extra: str) -> None:
    """The band's label, centred above its stretch of a 0–100 score axis."""
    fig.add_annotation(
        x=(band.min + band.max) / 2,
        y=1,
        yref="paper",
        yanchor="bottom",
        text=band.label,
        showarrow=False,
        font={"size": 12, "color": colour},
        **extra,
    )


def _base_layout(fig: go.Figure, *, height: int, margin: dict[str, int]) -> None:
    fig.update_layout(
        height=height,
        margin=margin,
        showlegend=False,
        font={"size": FONT_SIZE, "color": INK},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        dragmode=False,
        hovermode="closest",
    )


def continuum_alt_text(q: Questionnaire, interpretation: Interpretation, *, lang: str = "en") -> str:
    """One sentence describing the continuum chart, for screen readers and captions."""
    _ = i18n.translator(lang)
    ranges = ", ".join(f"{b.label} {decimal(b.min, lang)}–{decimal(b.max, lang)}" for b in q.bands.overall)
    if interpretation.overall is None:
        text = _("Tactical-to-strategic scale from 0 to 100 ({ranges}); there were not enough answers to place you.")
        return text.format(ranges=ranges)
    text = _("Tactical-to-strategic scale from 0 to 100 ({ranges}); you are at {score}, in the {band} band.")
    return text.format(ranges=ranges, score=f"{interpretation.overall:.0f}", band=interpretation.label)


def _pct(value: float) -> str:
    return f"{min(max(value, 0.0), 100.0):.2f}%"


def _box(style: str, text: str = "") -> str:
    """One absolutely placed ``div``; ``text`` must already be escaped."""
    return f'<div style="position:absolute;{style}">{text}</div>'


# The narrowest the continuum gets: its width in a 360 px phone viewport (Streamlit's 16 px page padding and the
# chart's 8 px margins each side). Band labels are laid out so they fit whole at this width, and so at any wider one.
PHONE_CHART_PX = 312.0
# A conservative average glyph width for the page font (Source Sans at 13 px averages about 0.47 em per character),
# and the room a label keeps from its box's edges.
CHAR_EM = 0.55
LABEL_PAD_PX = 8.0
LABEL_LINE_PX = 15  # two lines fit the 36 px track


def text_px(text: str, size: float = FONT_SIZE) -> float:
    """Estimated width of ``text`` in pixels at ``size`` px (no font metrics: a deliberately generous average)."""
    return len(text) * CHAR_EM * size


def band_label_span(band: Band, value: float | None, width_px: float = PHONE_CHART_PX) -> tuple[float, float, bool]:
    """Where a band's label goes on the 0–100 track: ``(lo, hi, wrap)``, fitting whole at ``width_px``.

    The label takes the wider side of the band next to the candidate's position when it fits there (clear of the
    line); otherwise the whole band, centred and drawn over the line (with a halo in the band colour, so the line
    never hides a letter), and on two lines at its spaces when one line is too wide even for the whole band.
    """
    px = width_px / 100
    need = text_px(band.label) + LABEL_PAD_PX
    if value is not None and band.min < value < band.max:
        lo, hi = (band.min, value) if value - band.min >= band.max - value else (value, band.max)
        if (hi - lo) * px >= need:
            return lo, hi, False
    return band.min, band.max, (band.max - band.min) * px < need


def continuum_html(q: Questionnaire, interpretation: Interpretation, *, lang: str = "en") -> str:
    """The continuum as plain HTML and CSS (no plotly.js): the page's first chart, drawn as soon as it arrives.

    Band segments in the band colours with their labels (placed by ``band_label_span``: whole and readable from a
    360 px phone up), the candidate's position as a line with a white halo, a "You: NN" label and a marker — placed
    in percent, so it fits any width while the text keeps its size. One element with ``role="img"`` and the text
    alternative as its ``aria-label``; every text is escaped (questionnaire text, never the candidate's).
    """
    _ = i18n.translator(lang)
    bands = q.bands.overall
    value = interpretation.overall
    parts, labels = [], []
    for i, band in enumerate(bands):
        fill = band_colour(i)
        parts.append(
            _box(
                f"top:40px;height:36px;left:{_pct(band.min)};width:{_pct(band.max - band.min)};background:{fill};"
                "box-shadow:inset -1px 0 0 #FFFFFF"
            )
        )
        lo, hi, wrap = band_label_span(band, value)
        crossed = value is not None and lo < value < hi
        # Over the position line a halo in the band colour keeps every letter legible on the line and its halo.
        halo = f";text-shadow:0 0 2px {fill},0 0 2px {fill},0 0 3px {fill}" if crossed else ""
        flow = f"white-space:normal;line-height:{LABEL_LINE_PX}px" if wrap else "white-space:nowrap"
        labels.append(
            _box(
                f"top:40px;height:36px;left:{_pct(lo)};width:{_pct(hi - lo)};color:{text_colour_on(fill)};"
                f"display:flex;align-items:center;justify-content:center;text-align:center;{flow}{halo}",
                html.escape(band.label),
            )
        )
    if value is not None:
        at = _pct(value)
        # Near an end the label leans inwards, so it is never cut off on a narrow screen.
        lean = "0" if value < 12 else "-100%" if value > 88 else "-50%"
        parts += [
            # A white halo under the position line; a band label it crosses is drawn over both.
            _box(f"top:32px;height:52px;left:calc({at} - 3px);width:6px;background:#FFFFFF"),
            _box(f"top:32px;height:52px;left:calc({at} - 1.25px);width:2.5px;background:{INK}"),
            *labels,
            _box(
                f"top:20px;left:calc({at} - 8px);border-left:8px solid transparent;"
                f"border-right:8px solid transparent;border-top:12px solid {INK}"
            ),
            _box(
                f"top:0;left:{at};transform:translateX({lean});white-space:nowrap;font-size:{FONT_SIZE + 1}px;"
                "line-height:18px;font-weight:600",
                html.escape(_("You: {score}").format(score=f"{value:.0f}")),
            ),
        ]
    else:
        nothing = html.escape(_("Not enough answers to place you"))
        parts += [*labels, _box(f"top:0;left:0;right:0;text-align:center;color:{MUTED}", nothing)]
    for edge in sorted({b.min for b in bands} | {bands[-1].max}):
        lean = "0" if edge <= 0 else "-100%" if edge >= 100 else "-50%"
        parts.append(
            _box(
                f"top:82px;left:{_pct(edge)};transform:translateX({lean});font-size:12px;line-height:16px;"
                f"color:{MUTED}",
                decimal(edge, lang),
            )
        )
    alt = html.escape(continuum_alt_text(q, interpretation, lang=lang))
    return (
        f'<div data-chart="continuum" role="img" aria-label="{alt}" style="position:relative;height:100px;'
        f'margin:4px 8px 8px;color:{INK};font-size:{FONT_SIZE}px">' + "".join(parts) + "</div>"
    )


def _percentile(n: int, _: Translate) -> str:
    """ "71st percentile": English picks the suffix from the number, other languages write their own ordinal."""
    if 10 <= n % 100 <= 20:
        text = _("{n}th percentile")
    else:
        text = {1: _("{n}st percentile"), 2: _("{n}nd percentile"), 3: _("{n}rd percentile")}.get(
            n % 10, _("{n}th percentile")
        )
    return text.format(n=n)


def score_label(score: float, percentile: float | None = None, *, lang: str = "en") -> str:
    """Bar label: the score, plus the percentile when one is given ("62 · 71st percentile")."""
    if percentile is None:
        return f"{score:.0f}"
    return f"{score:.0f} · {_percentile(round(percentile), i18n.translator(lang))}"


def dimensions_alt_text(
    interpretation: Interpretation, percentiles: Mapping[str, float] | None = None, *, lang: str = "en"
) -> str:
    """One sentence per dimension describing the bar chart, for screen readers and captions."""
    _ = i18n.translator(lang)
    parts = []
    for d in interpretation.dimensions:
        if d.score is None:
            parts.append(_("{name}: not enough answers.").format(name=d.name))
        else:
            pct = (percentiles or {}).get(d.id)
            extra = _(", {percentile}").format(percentile=_percentile(round(pct), _)) if pct is not None else ""
            text = _("{name}: {score} out of 100 ({band}{extra}).")
            parts.append(text.format(name=d.name, score=f"{d.score:.0f}", band=d.band_label, extra=extra))
    return " ".join(parts)


def dimensions_figure(
    interpretation: Interpretation,
    *,
    percentiles: dict[str, float] | None = None,
    bands: Sequence[Band] | None = None,
    lang: str = "en",
) -> go.Figure:
    """Horizontal 0–100 bar per dimension, in questionnaire order, coloured by band, values as text.

    ``bands`` are the questionnaire's dimension bands; they draw the boundary guides and pick the
    colours. Without them the guides are omitted and every bar takes the first band colour.
    """
    import plotly.graph_objects as go

    _ = i18n.translator(lang)
    readings = interpretation.dimensions
    names = [d.short_name for d in readings]
    scored = [d for d in readings if d.score is not None]
    band_list = list(bands or [])
    colours, text_colours, positions, labels = [], [], [], []
    for d in scored:
        idx = band_index(band_list, d.band) if band_list else None
        fill = band_colour(idx or 0)
        colours.append(fill)
        assert d.score is not None
        # Long bars carry their label inside (no clipping at the fixed 100 edge); short ones outside.
        inside = d.score >= 55
        positions.append("inside" if inside else "outside")
        text_colours.append(text_colour_on(fill) if inside else INK)
        labels.append(score_label(d.score, (percentiles or {}).get(d.id), lang=lang))

    fig = go.Figure()
    # An opaque light track first, one segment per band, so an empty or short bar still shows where
    # 100 is and which band a value falls in; the dotted guides beneath show only between rows.
    segments = [(b.id, b.min, b.max) for b in band_list] or [("all", 0.0, 100.0)]
    for i, (band_id, lo, hi) in enumerate(segments):
        fig.add_trace(
            go.Bar(
                name=f"track:{band_id}",
                orientation="h",
                y=names,
                x=[hi - lo] * len(names),
                base=[lo] * len(names),
                marker={"color": TRACK[i % 2], "line": {"width": 0}},
                hoverinfo="skip",
                width=0.62,
            )
        )
    fig.add_trace(
        go.Bar(
            name="score",
            orientation="h",
            y=[d.short_name for d in scored],
            x=[d.score for d in scored],
            customdata=[[d.name, d.band_label or ""] for d in scored],
            marker={"color": colours},
            width=0.62,
            text=labels,
            textposition=positions,
            textangle=0,  # never rotate a value that is tight in its bar: rotated numbers read as broken
            insidetextanchor="end",
            textfont={"color": text_colours, "size": FONT_SIZE},
            outsidetextfont={"color": INK, "size": FONT_SIZE},
            constraintext="none",
            cliponaxis=False,
            hovertemplate="%{customdata[0]}: %{x:.0f} (%{customdata[1]})<extra></extra>",
        )
    )
    for d in readings:
        if d.score is None:
            fig.add_annotation(
                x=2,
                y=d.short_name,
                xanchor="left",
                text=_("not enough answers"),
                showarrow=False,
                font={"color": MUTED},
            )
    for band in band_list[1:]:
        fig.add_shape(
            type="line",
            x0=band.min,
            x1=band.min,
            y0=0,
            y1=1,
            yref="paper",
            line={"color": MUTED, "width": 1, "dash": "dot"},
            layer="below",  # hidden by the rows, so a guide never strikes through a value label
        )
    for band in band_list:
        add_band_label(fig, band, MUTED, name=f"band:{band.id}")
    _base_layout(fig, height=36 * len(readings) + 64, margin={"l": 8, "r": 12, "t": 28, "b": 28})
    fig.update_layout(
        barmode="overlay",
        bargap=0.3,
        xaxis={
            "range": [0, 100],
            "fixedrange": True,
            "tickvals": [0, 25, 50, 75, 100],
            "showgrid": False,
            "zeroline": False,
            "tickfont": {"size": 12, "color": MUTED},
        },
        yaxis={
            "categoryorder": "array",
            "categoryarray": names,
            "autorange": "reversed",  # questionnaire order, top to bottom
            "fixedrange": True,
            "automargin": True,
            "ticks": "",
            "ticklabelstandoff": 6,
            "tickfont": {"size": FONT_SIZE, "color": INK},
        },
        meta={
            "kind": "dimensions",
            "scores": {d.id: d.score for d in readings},
            "bands": {d.id: d.band for d in readings},
            "percentiles": dict(percentiles or {}),
            "alt": dimensions_alt_text(interpretation, percentiles, lang=lang),
        },
    )
    return fig


def radar_figure(interpretation: Interpretation) -> go.Figure:
    """Optional radar view of the scored dimensions (bars read better on phones; this suits wide screens)."""
    import plotly.graph_objects as go

    scored = [d for d in interpretation.dimensions if d.score is not None]
    theta = [d.short_name for d in scored]
    r = [d.score for d in scored]
    fig = go.Figure(
        go.Scatterpolar(
            name="score",
            r=[*r, r[0]] if r else [],
            theta=[*theta, theta[0]] if theta else [],
            mode="lines+markers",
            fill="toself",
            line={"color": BAND_COLOURS[1], "width": 2},
            fillcolor="rgba(0,114,178,0.18)",
            marker={"size": 8},
            hovertemplate="%{theta}: %{r:.0f}<extra></extra>",
        )
    )
    _base_layout(fig, height=360, margin={"l": 48, "r": 48, "t": 24, "b": 24})
    fig.update_layout(
        polar={
            "radialaxis": {"range": [0, 100], "tickvals": [25, 50, 75, 100], "tickfont": {"size": 12}},
            "angularaxis": {"tickfont": {"size": FONT_SIZE}},
        },
        meta={"kind": "radar", "scores": {d.id: d.score for d in scored}},
    )
    return fig
