"""Coach-dashboard figures on a 360 px phone: short axis labels, wrapped axis titles, group colours, captions."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from cohort import aggregate as agg
from reports.charts import BAND_COLOURS, contrast
from reports.cohort_charts import (
    comparison_figure,
    distribution_figure,
    dropoff_figure,
    trend_figure,
)
from scoring.loader import load

ROOT = Path(__file__).resolve().parents[1]
AXIS_TITLE = 28  # characters per line of an axis title that a 360 px phone shows
FILES = {"en": "strategic-candidate.yaml", "de": "strategic-candidate.de.yaml"}


def lines(text: str) -> list[str]:
    return text.split("<br>")


def drop(lang: str, k: int = 5) -> tuple[list[str], pd.DataFrame]:
    titles = [s.title for s in load(ROOT / "questions" / FILES[lang]).sections]
    stopped = pd.Series([p for p, n in enumerate([40, 20, 3, 10, 8, 6, 6]) for _ in range(n)])
    return titles, agg.dropoff(stopped, titles, k)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_dropoff_page_titles_are_short_on_the_axis_and_whole_in_the_hover(lang: str) -> None:
    titles, table = drop(lang)
    fig = dropoff_figure(table, 5, lang=lang)
    y = fig.layout.yaxis
    assert list(y.tickvals) == [f"{i}. {t}" for i, t in enumerate(titles, 1)]  # the categories: whole titles
    for tick in y.ticktext:  # what the axis shows: at most two lines of at most 22 characters
        assert 1 <= len(lines(tick)) <= 2 and all(len(line) <= 22 for line in lines(tick)), tick
    assert len(set(y.ticktext)) == len(titles)
    assert not [tick for tick in y.ticktext if "…" in tick]  # this questionnaire's titles fit whole
    assert fig.data[0].hovertemplate.startswith("%{y}")  # the hover names the whole title
    assert all(title in fig.layout.meta["alt"] for title in titles)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_axis_titles_wrap_to_what_a_phone_shows(lang: str) -> None:
    _, table = drop(lang)
    stats = pd.DataFrame(
        {"campaign": list("aabb"), "measure": list("xyxy"), "n": [40] * 4, "mean": [50.0, 60, 55, 45], "sd": [10.0] * 4}
    )
    comparison = comparison_figure(agg.compare_groups(stats, "campaign", 5), "campaign", {"x": "X", "y": "Y"}, 5)
    for fig in (dropoff_figure(table, 5, lang=lang), comparison):
        assert all(len(line) <= AXIS_TITLE for line in lines(fig.layout.xaxis.title.text)), fig.layout.xaxis.title.text


def test_compared_groups_take_no_band_colour() -> None:
    stats = pd.DataFrame(
        {
            "campaign": [g for g in "abcde" for _ in "xy"],
            "measure": list("xy") * 5,
            "n": [40] * 10,
            "mean": [50.0, 60] * 5,
            "sd": [10.0] * 10,
        }
    )
    fig = comparison_figure(agg.compare_groups(stats, "campaign", 5), "campaign", {"x": "X", "y": "Y"}, 5)
    colours = [t.marker.color for t in fig.data]
    rgb = lambda c: [int(c[i : i + 2], 16) for i in (1, 3, 5)]  # noqa: E731
    for colour in colours:
        assert contrast(colour, "#FFFFFF") >= 3  # a mark on white (WCAG 1.4.11)
        assert min(math.dist(rgb(colour), rgb(b)) for b in BAND_COLOURS) >= 80, colour  # no band's colour, nor near
    assert len(set(colours[:4])) == 4  # four groups, four colours (and a symbol each)


def test_captions_say_nothing_of_hidden_weeks_or_bins_when_none_is_hidden() -> None:
    weeks = pd.DataFrame({"week": pd.date_range("2026-01-05", periods=3, freq="7D"), "n": [9, 12, 20]})
    full = agg.trend_table(weeks.assign(mean=[50.0, 55, 60], sd=[10.0] * 3), 5)
    assert trend_figure(full, 5).layout.meta["alt"] == "Weekly mean overall score and number of responses over 3 weeks."
    one = agg.trend_table(weeks.assign(n=[3, 12, 20], mean=[50.0, 55, 60], sd=[10.0] * 3), 5)
    # A lone small week takes the next smallest with it (so it cannot be worked out from a total): two hidden.
    assert trend_figure(one, 5).layout.meta["alt"].endswith(" 2 weeks with fewer than 5 responses are hidden.")
    from reports.cohort_charts import _hidden_sentence

    assert _hidden_sentence(1, 5, "week", "de") == " 1 Woche mit weniger als 5 Antworten ist ausgeblendet."
    german = trend_figure(full, 5, lang="de").layout.meta["alt"]
    assert german == "Wöchentlicher mittlerer Gesamtwert und Anzahl der Antworten über 3 Wochen."
    q = load(ROOT / "questions" / FILES["en"])
    edges = [0, 20, 40, 60, 80, 100]
    shown = distribution_figure(agg.histogram(None, edges, 5, counts=[9, 8, 7, 6, 5]), q.bands.overall, 5)
    assert "hidden" not in shown.layout.meta["alt"] and "0 bins" not in shown.layout.meta["alt"]
    some = distribution_figure(agg.histogram(None, edges, 5, counts=[9, 2, 7, 3, 5]), q.bands.overall, 5, lang="de")
    assert some.layout.meta["alt"].endswith(" Klassen mit weniger als 5 Antworten sind ausgeblendet.")
