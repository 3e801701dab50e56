"""reports.change: the noise rule at its edges, the sentences, and the chart's bands and values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reports import change
from scoring.loader import load
from scoring.models import Questionnaire
from tests.conftest import TEST_DATA

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class At:
    overall: float | None
    dimension_scores: dict[str, float | None] = field(default_factory=dict)
    submitted_at: datetime = T0


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load(TEST_DATA / "good" / "minimal.yaml")  # bands 0–40–70–100, near_boundary 4 (the default)


def history(*overalls: float | None, dims: list[dict[str, float | None]] | None = None) -> list[At]:
    return [At(o, (dims or [{}] * len(overalls))[i], T0 + timedelta(days=30 * i)) for i, o in enumerate(overalls)]


def test_the_threshold_is_the_result_pages_boundary_margin(q: Questionnaire) -> None:
    assert change.summarise(q, history(50, 60)).threshold == q.scoring.near_boundary == 4.0


@pytest.mark.parametrize(
    ("before", "after", "noise"),
    [
        (50, 53.99, True),  # just under the margin
        (50, 54, False),  # exactly the margin is a change
        (50, 46.01, True),
        (50, 46, False),
        (50, 50, True),
        (20, 80, False),
    ],
)
def test_within_noise_is_strictly_below_the_margin(q: Questionnaire, before: float, after: float, noise: bool) -> None:
    (overall, *_) = change.summarise(q, history(before, after)).first_to_last
    assert overall.measure == change.OVERALL
    assert overall.delta == pytest.approx(after - before)
    assert overall.noise is noise
    assert ("noise" in overall.sentence) is (noise and before != after)


def test_a_noise_sentence_says_so_plainly_with_numbers_that_add_up(q: Questionnaire) -> None:
    (overall, *_) = change.summarise(q, history(50, 53)).first_to_last
    assert overall.sentence == (
        "Overall: 50 → 53. A change of 3 points is within what this questionnaire treats as noise "
        "(less than 4 points), so read it as no real change."
    )
    # 3.6 would show as "4 points", which is not noise: the sentence shows one decimal instead.
    (overall, *_) = change.summarise(q, history(50.0, 53.6)).first_to_last
    assert "50.0 → 53.6" in overall.sentence and "3.6 points" in overall.sentence and overall.noise


def test_real_changes_say_up_or_down_and_name_a_band_crossing(q: Questionnaire) -> None:
    up, *_ = change.summarise(q, history(35, 75)).first_to_last
    assert up.sentence == "Overall: 35 → 75, up 40 points. That moves it from Tactical to Strategic."
    down, *_ = change.summarise(q, history(65, 55)).first_to_last
    assert down.sentence == "Overall: 65 → 55, down 10 points."
    near, *_ = change.summarise(q, history(38, 41)).first_to_last  # crosses 40 by less than the margin
    assert near.noise and "Tactical to Developing" in near.sentence and "either way" in near.sentence


def test_steps_and_first_to_last_cover_every_measure(q: Questionnaire) -> None:
    dims = [
        {"partnership": 20.0, "exploration": None},
        {"partnership": 22.0, "exploration": 50.0},
        {"partnership": 60.0, "exploration": 70.0},
    ]
    summary = change.summarise(q, history(30, 40, 70, dims=dims))
    assert [(step[0].first, step[0].last) for step in summary.steps] == [(1, 2), (2, 3)]
    assert [c.measure for c in summary.first_to_last] == ["overall", "partnership", "exploration"]
    first_last = {c.measure: c for c in summary.first_to_last}
    assert first_last["partnership"].delta == 40 and not first_last["partnership"].noise
    assert first_last["exploration"].delta is None and "not compared" in first_last["exploration"].sentence
    step1 = {c.measure: c for c in summary.steps[0]}
    assert step1["partnership"].noise and step1["exploration"].delta is None
    assert change.summarise(q, history(30)).steps == [] and change.summarise(q, history(30)).first_to_last == []


def test_a_zero_margin_makes_every_change_real(q: Questionnaire) -> None:
    strict = q.model_copy(update={"scoring": q.scoring.model_copy(update={"near_boundary": 0.0})})
    (c, *_) = change.summarise(strict, history(50, 50.4)).first_to_last
    assert not c.noise and "up 0.4 points" in c.sentence
    (same, *_) = change.summarise(strict, history(50, 50)).first_to_last
    assert same.sentence == "Overall: unchanged at 50."


def test_sentences_follow_the_language(q: Questionnaire, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = change.i18n.translator

    def spy(lang: str | None, domain: str = "reports") -> Any:
        seen.append(str(lang))
        return real(lang, domain)

    monkeypatch.setattr(change.i18n, "translator", spy)
    change.summarise(q, history(50, 70), lang="de")
    assert seen and set(seen) == {"de"}


def shapes_on(fig: Any, axis: str) -> list[Any]:
    return [s for s in fig.layout.shapes if s.yref == axis]


def test_the_chart_shows_every_measure_with_its_own_band_edges(q: Questionnaire) -> None:
    dims = [{"partnership": 20.0, "exploration": None}, {"partnership": 60.0, "exploration": 70.0}]
    fig = change.change_figure(q, history(30, 72, dims=dims))
    assert [t.name for t in fig.data] == ["overall", "partnership", "exploration"]
    assert list(fig.data[0].y) == [30, 72] and list(fig.data[2].y) == [None, 70.0]
    assert list(fig.data[0].text) == ["30", "72"] and list(fig.data[2].text) == ["", "70"]
    for r, (trace, bands) in enumerate(
        zip(fig.data, [q.bands.overall, q.bands.dimension, q.bands.dimension], strict=True)
    ):
        axis = "y" if r == 0 else f"y{r + 1}"
        assert trace.yaxis == axis
        rects = [s for s in shapes_on(fig, axis) if s.type == "rect"]
        assert [(s.y0, s.y1) for s in rects] == [(b.min, b.max) for b in bands]
        edges = [s.y0 for s in shapes_on(fig, axis) if s.type == "line"]
        assert edges == [b.min for b in bands[1:]]
        layout_axis = fig.layout["yaxis" if r == 0 else f"yaxis{r + 1}"]
        assert tuple(layout_axis.range) == (0, 100) and layout_axis.fixedrange
    assert fig.layout.xaxis.fixedrange and fig.layout.dragmode is False and fig.layout.showlegend is False
    assert fig.layout.xaxis.anchor == "y3"  # the attempts axis sits under the last row
    meta = fig.layout.meta
    assert meta["kind"] == "change" and meta["values"]["overall"] == [30, 72]
    assert meta["bands"]["overall"] == [[b.id, b.min, b.max] for b in q.bands.overall]
    assert "Overall over 2 attempts: 30, 72." in meta["alt"]


def test_the_chart_stays_readable_on_a_phone(q: Questionnaire) -> None:
    fig = change.change_figure(q, history(*range(10, 100, 10)))
    assert list(fig.layout.xaxis.ticktext) == [str(i) for i in range(1, 10)]  # no dates once they would crowd
    sizes = [fig.layout.font.size, fig.layout.xaxis.tickfont.size]
    sizes += [a.font.size for a in fig.layout.annotations] + [t.textfont.size for t in fig.data]
    assert min(sizes) >= 12
    short = change.change_figure(q, history(30, 60))
    assert list(short.layout.xaxis.ticktext) == ["1<br>2025-03-03", "2<br>2025-04-02"]


def test_the_german_sentences_come_from_the_catalogue(q: Questionnaire) -> None:
    up, *_ = change.summarise(q, history(50, 65), lang="de").first_to_last
    assert up.sentence == "Gesamt: 50 → 65, 15 Punkte höher."
    noise, *_ = change.summarise(q, history(50, 52), lang="de").first_to_last
    assert "Rauschen" in noise.sentence and "weniger als 4 Punkte" in noise.sentence


def test_german_sentences_quote_the_band_names(q: Questionnaire) -> None:
    """A band name such as "Im Aufbau" reads as part of the sentence unless it is quoted."""
    was, now = change.band_label(q.bands.overall, 50), change.band_label(q.bands.overall, 80)
    up, *_ = change.summarise(q, history(50, 80), lang="de").first_to_last
    assert up.sentence.endswith(f"Damit wechselt der Wert von „{was}“ zu „{now}“."), up.sentence
    near, *_ = change.summarise(q, history(69, 71), lang="de").first_to_last
    assert f"von „{was}“ zu „{now}“, aber nur" in near.sentence, near.sentence


def test_the_german_history_intro_says_the_bands_are_behind_the_scores() -> None:
    import i18n

    intro = i18n.translator("de", "ui")(
        "You have taken this questionnaire {count} times. Your scores at each attempt, over the bands:"
    )
    assert "vor den Bereichen" not in intro  # "in front of the bands": the wrong way round
    assert intro.endswith("mit den Bereichen im Hintergrund:"), intro
