"""reports.charts: the figures' structure (traces, values, ranges, colours), not frozen JSON."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser

import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports import charts
from scoring.interpret import Interpretation, interpret
from scoring.loader import load
from scoring.models import Questionnaire
from tests.test_interpret import AUTO, BANK, MINIMAL, ROOT, cached, four_dimension, make_result


@pytest.fixture(scope="module")
def bank() -> Questionnaire:
    return cached(BANK if BANK.exists() else MINIMAL)


def reading_of(q: Questionnaire, scores: dict[str, float | None], overall: object = AUTO) -> Interpretation:
    return interpret(q, make_result(q, scores, overall))


def bars(fig: go.Figure, name: str) -> go.Bar:
    return next(t for t in fig.data if t.name == name)


def fonts_of(fig: go.Figure) -> list[float]:
    """Every font size the figure sets explicitly (layout, axes, traces, annotations)."""
    sizes = [fig.layout.font.size, fig.layout.xaxis.tickfont.size]
    if fig.layout.yaxis.tickfont.size is not None:
        sizes.append(fig.layout.yaxis.tickfont.size)
    sizes += [a.font.size for a in fig.layout.annotations if a.font.size is not None]
    for trace in fig.data:
        font = getattr(trace, "textfont", None)
        if font is not None and font.size is not None:
            sizes.append(font.size)
    return sizes


# ----- colour helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "ratio"),
    [
        ("#FFFFFF", "#000000", 21.0),
        ("#000000", "#FFFFFF", 21.0),
        ("#0072B2", "#0072B2", 1.0),
        ("#767676", "#FFFFFF", 4.54),
    ],
)
def test_contrast_matches_wcag(a: str, b: str, ratio: float) -> None:
    assert charts.contrast(a, b) == pytest.approx(ratio, abs=0.01)


@pytest.mark.parametrize(("fill", "text"), [("#D55E00", "#000000"), ("#0072B2", "#FFFFFF"), ("#F0E442", "#000000")])
def test_text_colour_picks_the_readable_one(fill: str, text: str) -> None:
    assert charts.text_colour_on(fill) == text
    assert charts.contrast(fill, text) >= 4.5


@pytest.mark.parametrize("colour", charts.BAND_COLOURS)
def test_band_colours_are_okabe_ito_and_visible_on_white(colour: str) -> None:
    assert colour in charts.OKABE_ITO.values()
    assert charts.contrast(colour, "#FFFFFF") >= 3.0  # WCAG 1.4.11 non-text contrast


# ----- continuum -------------------------------------------------------------------------------


# ----- continuum as HTML (the result page's first chart, no plotly.js) --------------------------


class Boxes(HTMLParser):
    """Every element of the markup: (tag, attributes, its own text)."""

    def __init__(self) -> None:
        super().__init__()
        self.boxes: list[tuple[str, dict[str, str | None], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.boxes.append((tag, dict(attrs), ""))

    def handle_data(self, data: str) -> None:
        tag, attrs, text = self.boxes[-1]
        self.boxes[-1] = (tag, attrs, text + data)


def boxes(markup: str) -> list[tuple[str, dict[str, str | None], str]]:
    parser = Boxes()
    parser.feed(markup)
    return parser.boxes


def style(attrs: dict[str, str | None]) -> dict[str, str]:
    return dict(part.split(":", 1) for part in (attrs.get("style") or "").split(";") if part)


@pytest.mark.parametrize("overall", [0.0, 12.5, 40.0, 61.0, 99.9, 100.0])
def test_continuum_html_shows_bands_and_the_position(bank: Questionnaire, overall: float) -> None:
    reading = reading_of(bank, {d.id: 50.0 for d in bank.dimensions}, overall)
    found = boxes(charts.continuum_html(bank, reading))
    tag, root, _ = found[0]
    assert (tag, root["role"], root["data-chart"]) == ("div", "img", "continuum")
    assert root["aria-label"] == charts.continuum_alt_text(bank, reading)  # the text alternative
    bands = bank.bands.overall
    fills = [style(a) for _, a, _ in found if "background" in style(a) and style(a)["height"] == "36px"]
    assert [(f["left"], f["width"], f["background"]) for f in fills] == [
        (f"{b.min:.2f}%", f"{b.max - b.min:.2f}%", charts.band_colour(i)) for i, b in enumerate(bands)
    ]
    labels = [(text, style(a)) for _, a, text in found if text in {b.label for b in bands}]
    assert [text for text, _ in labels] == [b.label for b in bands]
    for i, (_, s) in enumerate(labels):
        assert s["color"] == charts.text_colour_on(charts.band_colour(i))
        assert charts.contrast(s["color"], charts.band_colour(i)) >= 4.5
    assert [text for _, _, text in found if text.startswith("You:")] == [f"You: {overall:.0f}"]
    lines = [style(a) for _, a, _ in found if style(a).get("width") in {"6px", "2.5px"}]
    assert [s["background"] for s in lines] == ["#FFFFFF", charts.INK]  # a dark line on a white halo
    assert all(s["left"].startswith(f"calc({overall:.2f}%") for s in lines)
    edges = sorted({b.min for b in bands} | {bands[-1].max})
    assert [text for _, a, text in found if style(a).get("top") == "82px"] == [f"{e:g}" for e in edges]


def test_continuum_html_keeps_the_band_label_clear_of_the_position(bank: Questionnaire) -> None:
    band = bank.bands.overall[1]
    value = band.min + (band.max - band.min) / 10  # the wider side, to the right of the line, fits the label
    reading = reading_of(bank, {d.id: 50.0 for d in bank.dimensions}, value)
    found = boxes(charts.continuum_html(bank, reading))
    label = next(style(a) for _, a, text in found if text == band.label)
    assert (label["left"], label["width"]) == (f"{value:.2f}%", f"{band.max - value:.2f}%")


@pytest.mark.parametrize("lang", ["en", "de"])
def test_continuum_band_labels_fit_whole_on_a_360_px_phone_at_every_score(lang: str) -> None:
    """Every band label's box is at least as wide as the label (its longest line when it wraps) at 360 px."""
    q = load(ROOT / "questions" / ("strategic-candidate.yaml" if lang == "en" else f"strategic-candidate.{lang}.yaml"))
    texts = {b.label for b in q.bands.overall}
    for overall in range(101):
        reading = reading_of(q, {d.id: 50.0 for d in q.dimensions}, float(overall))
        found = boxes(charts.continuum_html(q, reading, lang=lang))
        line_at = next(i for i, (_, a, _) in enumerate(found) if style(a).get("width") == "2.5px")
        for index, (_, a, text) in enumerate(found):
            if text not in texts:
                continue
            s = style(a)
            lo, width = float(s["left"].rstrip("%")), float(s["width"].rstrip("%"))
            lines = text.split() if s["white-space"] == "normal" else [text]
            allotted = width / 100 * charts.PHONE_CHART_PX
            needed = max(charts.text_px(line) for line in lines) + charts.LABEL_PAD_PX
            assert allotted >= needed, (overall, text, allotted, needed)
            assert len(lines) * charts.LABEL_LINE_PX <= 36  # two lines at most in the 36 px track
            if lo < overall < lo + width:  # drawn over the position line: after it, with a halo in the band colour
                assert index > line_at and "text-shadow" in s, (overall, text)


def test_continuum_html_escapes_questionnaire_text(bank: Questionnaire) -> None:
    sly = '<b>Bold</b> & "quoted" <script>x</script>'
    first = bank.bands.overall[0].model_copy(update={"label": sly})
    q = bank.model_copy(update={"bands": bank.bands.model_copy(update={"overall": [first, *bank.bands.overall[1:]]})})
    markup = charts.continuum_html(q, reading_of(q, {d.id: 50.0 for d in q.dimensions}, 20.0))
    assert "<b>" not in markup and "<script" not in markup
    found = boxes(markup)
    assert [tag for tag, _, _ in found] == ["div"] * len(found)  # only our own boxes
    assert sly in [text for _, _, text in found]
    assert sly in (found[0][1]["aria-label"] or "")


def test_continuum_html_without_an_overall_says_so(bank: Questionnaire) -> None:
    reading = reading_of(bank, {d.id: None for d in bank.dimensions}, None)
    found = boxes(charts.continuum_html(bank, reading))
    texts = [text for _, _, text in found]
    assert "Not enough answers to place you" in texts
    assert not [t for t in texts if t.startswith("You:")]
    assert "not enough answers" in (found[0][1]["aria-label"] or "")


def test_the_html_continuum_does_not_import_plotly() -> None:
    """The result page's first chart must not wait for plotly, in the browser or on the server."""
    code = (
        "import sys\n"
        "from reports import charts\n"
        "from scoring.interpret import interpret\n"
        "from tests.test_interpret import MINIMAL, cached, make_result\n"
        "q = cached(MINIMAL)\n"
        "html = charts.continuum_html(q, interpret(q, make_result(q, {d.id: 50.0 for d in q.dimensions})))\n"
        "assert 'data-chart' in html\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'plotly'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"


# ----- dimensions ------------------------------------------------------------------------------


def test_dimension_bars_carry_the_scores_in_order(bank: Questionnaire) -> None:
    scores = {d.id: float(10 + 15 * i) for i, d in enumerate(bank.dimensions)}
    reading = reading_of(bank, scores)
    fig = charts.dimensions_figure(reading, bands=bank.bands.dimension)
    bar = bars(fig, "score")
    assert bar.orientation == "h"
    assert list(bar.x) == [scores[d.id] for d in bank.dimensions]
    assert list(bar.y) == [d.label for d in bank.dimensions]
    assert list(bar.text) == [f"{scores[d.id]:.0f}" for d in bank.dimensions]
    assert list(fig.layout.yaxis.categoryarray) == [d.label for d in bank.dimensions]
    assert fig.layout.yaxis.autorange == "reversed"
    assert tuple(fig.layout.xaxis.range) == (0, 100)
    assert fig.layout.meta["scores"] == scores


def test_dimension_bars_use_band_colours_and_guides(bank: Questionnaire) -> None:
    bands = bank.bands.dimension
    scores = {d.id: float(5 + 18 * i) for i, d in enumerate(bank.dimensions)}
    reading = reading_of(bank, scores)
    fig = charts.dimensions_figure(reading, bands=bands)
    expected = [charts.band_colour(charts.band_index(bands, r.band) or 0) for r in reading.dimensions]
    assert list(bars(fig, "score").marker.color) == expected
    assert sorted(s.x0 for s in fig.layout.shapes) == [b.min for b in bands[1:]]
    tracks = [t for t in fig.data if t.name.startswith("track:")]
    assert [(t.base[0], t.base[0] + t.x[0]) for t in tracks] == [(b.min, b.max) for b in bands]
    assert {a.text for a in fig.layout.annotations} >= {b.label for b in bands}


def test_dimension_labels_are_readable_wherever_they_sit(bank: Questionnaire) -> None:
    scores = {d.id: float(5 + 18 * i) for i, d in enumerate(bank.dimensions)}
    fig = charts.dimensions_figure(reading_of(bank, scores), bands=bank.bands.dimension)
    bar = bars(fig, "score")
    for fill, position, ink in zip(bar.marker.color, bar.textposition, bar.textfont.color, strict=True):
        background = fill if position == "inside" else "#FFFFFF"
        assert charts.contrast(background, ink) >= 4.5


def test_unscored_dimensions_say_not_enough_answers(bank: Questionnaire) -> None:
    ids = [d.id for d in bank.dimensions]
    scores: dict[str, float | None] = {d: 60.0 for d in ids}
    scores[ids[1]] = None
    scores[ids[-1]] = None
    fig = charts.dimensions_figure(reading_of(bank, scores), bands=bank.bands.dimension)
    bar = bars(fig, "score")
    assert list(bar.y) == [bank.dimension(d).label for d in ids if scores[d] is not None]
    missing = [a.y for a in fig.layout.annotations if a.text == charts.NOT_SCORED]
    assert missing == [bank.dimension(ids[1]).label, bank.dimension(ids[-1]).label]
    assert list(fig.layout.yaxis.categoryarray) == [d.label for d in bank.dimensions]


def test_percentiles_appear_in_labels_and_alt_text(bank: Questionnaire) -> None:
    first, second = bank.dimensions[0].id, bank.dimensions[1].id
    reading = reading_of(bank, {d.id: 50.0 for d in bank.dimensions})
    fig = charts.dimensions_figure(reading, percentiles={first: 71.4, second: 2.0}, bands=bank.bands.dimension)
    text = list(bars(fig, "score").text)
    assert text[0] == "50 · 71st percentile"
    assert text[1] == "50 · 2nd percentile"
    assert text[2] == "50"
    assert "71st percentile" in fig.layout.meta["alt"]


def test_dimension_chart_is_phone_sized(bank: Questionnaire) -> None:
    fig = charts.dimensions_figure(reading_of(bank, {d.id: 50.0 for d in bank.dimensions}), bands=bank.bands.dimension)
    assert fig.layout.showlegend is False
    assert fig.layout.xaxis.fixedrange and fig.layout.yaxis.fixedrange
    assert fig.layout.height <= 40 * len(bank.dimensions) + 80
    assert min(fonts_of(fig)) >= 12
    assert all(len(d.label) <= 14 for d in bank.dimensions), "short names must fit a 360 px screen"


def test_without_bands_there_are_no_guides(bank: Questionnaire) -> None:
    fig = charts.dimensions_figure(reading_of(bank, {d.id: 50.0 for d in bank.dimensions}))
    assert fig.layout.shapes == ()
    assert set(bars(fig, "score").marker.color) == {charts.band_colour(0)}


@settings(max_examples=25, deadline=None)  # plotly builds ~30 ms per figure; 25 cases keep the file quick
@given(st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=100)), min_size=4, max_size=4))
def test_any_scores_give_a_consistent_figure(values: list[float | None]) -> None:
    q = four_dimension()
    scores = dict(zip([d.id for d in q.dimensions], values, strict=True))
    reading = interpret(q, make_result(q, scores))
    fig = charts.dimensions_figure(reading, bands=q.bands.dimension)
    assert list(bars(fig, "score").x) == [v for v in values if v is not None]
    assert sum(a.text == charts.NOT_SCORED for a in fig.layout.annotations) == values.count(None)
    assert tuple(fig.layout.xaxis.range) == (0, 100)
    assert ("You:" in charts.continuum_html(q, reading)) == (reading.overall is not None)


def test_alt_text_names_every_dimension(bank: Questionnaire) -> None:
    reading = reading_of(bank, {d.id: 50.0 for d in bank.dimensions})
    alt = charts.dimensions_alt_text(reading)
    assert all(d.name in alt for d in bank.dimensions)
    assert reading.label in charts.continuum_alt_text(bank, reading)


# ----- radar -----------------------------------------------------------------------------------


def test_radar_is_a_closed_loop_of_the_scored_dimensions(bank: Questionnaire) -> None:
    ids = [d.id for d in bank.dimensions]
    scores: dict[str, float | None] = {d: float(20 + 10 * i) for i, d in enumerate(ids)}
    scores[ids[2]] = None
    fig = charts.radar_figure(reading_of(bank, scores))
    (trace,) = fig.data
    assert isinstance(trace, go.Scatterpolar)
    expected = [v for v in scores.values() if v is not None]
    assert list(trace.r) == [*expected, expected[0]]
    assert trace.theta[0] == trace.theta[-1]
    assert tuple(fig.layout.polar.radialaxis.range) == (0, 100)
