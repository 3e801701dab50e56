"""scoring.interpret: band labels, the boundary note, the playbook choice and the advice texts.

Results are built directly from chosen dimension scores (``make_result``) so each rule is tested at
its exact edge; a few tests go through ``score`` to tie the two together. The helpers here are also
used by the chart, report and export tests.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from scoring.engine import band_for, near_boundary, score
from scoring.interpret import PLAYBOOK_MAX, PLAYBOOK_MIN, boundary_note, interpret, weakest
from scoring.loader import load
from scoring.models import DimensionScore, LikertItem, Questionnaire, Result

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "data" / "good" / "minimal.yaml"
BANK = ROOT / "questions" / "strategic-candidate.yaml"
SHIPPED = [p for p in (MINIMAL, BANK) if p.exists()]
AUTO = object()


@functools.cache
def cached(path: Path) -> Questionnaire:
    """Load once per run: questionnaires are frozen, and the bank takes ~0.1 s to validate."""
    return load(path)


@functools.cache
def four_dimension() -> Questionnaire:
    return Questionnaire.model_validate(four_dimension_data())


# ----- helpers (shared with test_charts, test_report, test_answers_export) ------------------------


def make_result(q: Questionnaire, scores: Mapping[str, float | None], overall: Any = AUTO) -> Result:
    """A Result with the given dimension scores; the overall is their weighted mean unless given."""
    dims = {}
    for d in q.dimensions:
        value = scores.get(d.id)
        dims[d.id] = DimensionScore(
            dimension=d.id,
            score=value,
            answered=0 if value is None else 3,
            total=3,
            band=band_for(q.bands.dimension, value),
        )
    if overall is AUTO:
        scored = [(d.weight, scores[d.id]) for d in q.dimensions if scores.get(d.id) is not None]
        overall = sum(w * s for w, s in scored) / sum(w for w, _ in scored) if scored else None
    return Result(
        questionnaire_id=q.meta.id,
        content_hash=q.content_hash,
        dimensions=dims,
        overall=overall,
        band=band_for(q.bands.overall, overall),
        near_boundary=near_boundary(q, overall),
    )


def four_dimension_data() -> dict[str, Any]:
    """The minimal questionnaire grown to four dimensions whose order is not alphabetical."""
    data = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    order = ["zeta", "alpha", "mid", "beta"]
    data["dimensions"] = [
        {"id": d, "name": f"Dimension {d}", "short_name": d.title(), "description": f"About {d}."} for d in order
    ]
    data["dimensions"][0]["references"] = ["claes1998"]
    data["sections"] = [
        {
            "id": "all",
            "title": "Everything",
            "items": [
                {"id": f"{d}{k}", "type": "likert", "text": f"Item {k} on {d}.", "scale": "agree5", "dimension": d}
                for d in order
                for k in range(3)
            ],
        }
    ]
    bands = [b["id"] for b in data["bands"]["dimension"]]
    data["advice"] = {
        d: {b: {"meaning": f"{d} reads {b}.", "actions": [f"Do the {b} thing for {d}."]} for b in bands} for d in order
    }
    data["playbook"] = {d: {"prepare": [f"Prepare for {d}."], "ask": [f"Ask about {d}?"]} for d in order}
    return data


@pytest.fixture(scope="module")
def mini() -> Questionnaire:
    return cached(MINIMAL)


@pytest.fixture(scope="module")
def four() -> Questionnaire:
    return four_dimension()


# ----- the overall band ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overall", "label"),
    [
        (0.0, "Tactical"),
        (20.0, "Tactical"),
        (39.99, "Tactical"),
        (40.0, "Developing"),
        (55.5, "Developing"),
        (69.99, "Developing"),
        (70.0, "Strategic"),
        (100.0, "Strategic"),
    ],
)
def test_band_label_and_text_follow_the_overall(mini: Questionnaire, overall: float, label: str) -> None:
    got = interpret(mini, make_result(mini, {"partnership": 50, "exploration": 50}, overall))
    band = next(b for b in mini.bands.overall if b.label == label)
    assert (got.overall, got.band, got.label, got.text) == (overall, band.id, label, band.text)


def test_no_overall_means_no_band_and_no_note(mini: Questionnaire) -> None:
    got = interpret(mini, make_result(mini, {"partnership": None, "exploration": None}))
    assert (got.overall, got.band, got.label, got.text, got.boundary_note) == (None, None, None, None, None)
    assert got.playbook == [] and got.strongest == []


# ----- the boundary note -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overall", "neighbour"),
    [
        (36.01, "Developing"),  # just inside the near_boundary (4) window, below the 40 edge
        (39.9, "Developing"),
        (40.0, "Tactical"),
        (43.99, "Tactical"),
        (66.5, "Strategic"),
        (73.5, "Developing"),
    ],
)
def test_boundary_note_near_an_edge_names_the_neighbouring_band(
    mini: Questionnaire, overall: float, neighbour: str
) -> None:
    got = interpret(mini, make_result(mini, {"partnership": 50, "exploration": 50}, overall))
    assert got.near_boundary is True
    assert got.boundary_note is not None
    assert f"Read the {neighbour} description" in got.boundary_note
    assert f"{overall:.0f}" in got.boundary_note


@pytest.mark.parametrize("overall", [0.0, 10.0, 36.0, 44.0, 55.0, 66.0, 74.0, 90.0, 100.0])
def test_no_boundary_note_outside_the_window(mini: Questionnaire, overall: float) -> None:
    got = interpret(mini, make_result(mini, {"partnership": 50, "exploration": 50}, overall))
    assert got.boundary_note is None
    assert got.near_boundary is False


@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_boundary_note_agrees_with_the_distance_to_the_nearest_inner_edge(overall: float) -> None:
    q = cached(MINIMAL)
    edges = [b.min for b in q.bands.overall[1:]]
    expected = min(abs(overall - e) for e in edges) < q.scoring.near_boundary
    assert (boundary_note(q, overall) is not None) == expected == near_boundary(q, overall)


@pytest.mark.parametrize("window", [0.0, 1.0, 10.0])
def test_boundary_window_comes_from_the_questionnaire(window: float) -> None:
    data = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    data["scoring"]["near_boundary"] = window
    q = Questionnaire.model_validate(data)
    assert (boundary_note(q, 40 + window / 2) is not None) == (window > 0)
    assert boundary_note(q, 40 + window + 0.01) is None


# ----- the playbook ----------------------------------------------------------------------------

# Scores in questionnaire order (zeta, alpha, mid, beta); dimension bands low < 40 ≤ mid < 70 ≤ high.
N = None
PLAYBOOK_CASES = [
    ("three weakest", (10, 20, 30, 90), ["zeta", "alpha", "mid"]),
    ("ascending order", (60, 20, 30, 10), ["beta", "alpha", "mid"]),
    ("third in the top band is dropped", (10, 20, 80, 90), ["zeta", "alpha"]),
    ("third exactly at the top band edge is dropped", (10, 20, 70, 90), ["zeta", "alpha"]),
    ("third just below the top band stays", (10, 20, 69.9, 90), ["zeta", "alpha", "mid"]),
    ("all tied: questionnaire order", (50, 50, 50, 50), ["zeta", "alpha", "mid"]),
    ("tie broken by questionnaire order, not id", (60, 30, 60, 30), ["alpha", "beta", "zeta"]),
    ("all strong: still two", (90, 80, 95, 85), ["alpha", "beta"]),
    ("unscored dimensions are skipped", (N, 20, N, 40), ["alpha", "beta"]),
    ("unscored never fill the third place", (N, 20, 30, 40), ["alpha", "mid", "beta"]),
    ("only one scored", (N, N, 75, N), ["mid"]),
    ("none scored", (N, N, N, N), []),
]


@pytest.mark.parametrize(("case", "values", "expected"), PLAYBOOK_CASES, ids=[c[0] for c in PLAYBOOK_CASES])
def test_playbook_picks_the_weakest(
    four: Questionnaire, case: str, values: tuple[float | None, ...], expected: list[str]
) -> None:
    scores = dict(zip([d.id for d in four.dimensions], values, strict=True))
    got = interpret(four, make_result(four, scores)).playbook
    assert [p.dimension for p in got] == expected
    assert [p.score for p in got] == [scores[d] for d in expected]
    assert [p.name for p in got] == [four.dimension(d).name for d in expected]


@given(
    st.lists(
        st.one_of(st.none(), st.integers(min_value=0, max_value=100).map(float)),
        min_size=4,
        max_size=4,
    )
)
def test_playbook_rules_hold_for_any_scores(values: list[float | None]) -> None:
    q = four_dimension()
    scores = dict(zip([d.id for d in q.dimensions], values, strict=True))
    chosen = [p.dimension for p in interpret(q, make_result(q, scores)).playbook]
    scored = [d for d, v in scores.items() if v is not None]
    assert len(chosen) == min(len(scored), len(chosen)) <= PLAYBOOK_MAX
    assert len(chosen) >= min(PLAYBOOK_MIN, len(scored))
    assert all(scores[d] is not None for d in chosen)
    # Every dimension left out scores at least as high as every one chosen.
    left = [d for d in scored if d not in chosen]
    if chosen and left:
        assert max(scores[d] for d in chosen) <= min(scores[d] for d in left)  # type: ignore[type-var]
    if len(chosen) == PLAYBOOK_MAX:
        assert scores[chosen[-1]] < q.bands.dimension[-1].min  # type: ignore[operator]


def test_weakest_orders_all_scored_dimensions(four: Questionnaire) -> None:
    result = make_result(four, {"zeta": 70, "alpha": None, "mid": 10, "beta": 70})
    assert weakest(four, result) == ["mid", "zeta", "beta"]


def test_strongest_are_the_top_two(four: Questionnaire) -> None:
    got = interpret(four, make_result(four, {"zeta": 70, "alpha": 5, "mid": 90, "beta": 20}))
    assert got.strongest == ["mid", "zeta"]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # A low-band area is never called a strength, even when it is the candidate's best.
        ({"zeta": 39.9, "alpha": 5, "mid": 20, "beta": 10}, []),
        ({"zeta": 40, "alpha": 5, "mid": 39.99, "beta": 10}, ["zeta"]),  # 40 is the middle band's edge
        ({"zeta": 55, "alpha": None, "mid": 30, "beta": 100}, ["beta", "zeta"]),
        ({"zeta": None, "alpha": None, "mid": None, "beta": None}, []),
    ],
)
def test_strengths_come_only_from_the_middle_and_top_bands(
    four: Questionnaire, scores: dict[str, float | None], expected: list[str]
) -> None:
    got = interpret(four, make_result(four, scores))
    assert got.strongest == expected
    lowest = four.bands.dimension[0].id
    assert all(got.reading(d).band != lowest for d in got.strongest)


# ----- readings and advice ---------------------------------------------------------------------


def advice_cases() -> list[tuple[Path, str, str]]:
    out = []
    for path in SHIPPED:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for dim, by_band in raw["advice"].items():
            for band in by_band:
                out.append((path, dim, band))
    return out


@pytest.mark.parametrize(("path", "dim", "band"), advice_cases(), ids=lambda v: getattr(v, "name", v))
def test_advice_texts_match_the_yaml(path: Path, dim: str, band: str) -> None:
    q = cached(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    target = next(b for b in q.bands.dimension if b.id == band)
    scores = {d.id: (target.min + target.max) / 2 for d in q.dimensions}
    reading = interpret(q, make_result(q, scores)).reading(dim)
    assert reading.band == band
    assert reading.band_label == target.label
    assert reading.meaning == raw["advice"][dim][band]["meaning"].strip()
    assert reading.actions == [a.strip() for a in raw["advice"][dim][band]["actions"]]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_playbook_texts_match_the_yaml(path: Path) -> None:
    q = cached(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    # Every dimension weakest in turn, so each playbook entry is shown at least once.
    for weak in q.dimensions:
        scores = {d.id: 90.0 for d in q.dimensions} | {weak.id: 5.0}
        item = interpret(q, make_result(q, scores)).playbook[0]
        assert item.dimension == weak.id
        assert item.prepare == [p.strip() for p in raw["playbook"][weak.id]["prepare"]]
        assert item.ask == [a.strip() for a in raw["playbook"][weak.id]["ask"]]


def test_readings_follow_questionnaire_order_and_carry_names(four: Questionnaire) -> None:
    got = interpret(four, make_result(four, {"zeta": 10, "alpha": 50, "mid": 90, "beta": None}))
    assert [r.id for r in got.dimensions] == ["zeta", "alpha", "mid", "beta"]
    assert [r.short_name for r in got.dimensions] == ["Zeta", "Alpha", "Mid", "Beta"]
    assert [r.band_label for r in got.dimensions] == ["Low", "Middle", "High", None]


def test_unscored_dimension_has_no_advice(four: Questionnaire) -> None:
    reading = interpret(four, make_result(four, {"zeta": 10, "alpha": 50, "mid": 90, "beta": None})).reading("beta")
    assert (reading.score, reading.band, reading.meaning, reading.actions) == (None, None, None, [])


def test_short_name_falls_back_to_the_name(mini: Questionnaire) -> None:
    got = interpret(mini, make_result(mini, {"partnership": 50, "exploration": 50}))
    assert [r.short_name for r in got.dimensions] == [d.name for d in mini.dimensions]


# ----- through the engine ----------------------------------------------------------------------


def extreme(q: Questionnaire, high: bool) -> dict[str, Any]:
    """Top (or bottom) answer on every Likert item, the best (or worst) option on every choice item."""
    answers: dict[str, Any] = {}
    for item in q.scored_items():
        if isinstance(item, LikertItem):
            scale = q.scales[item.scale]
            answers[item.id] = scale.max if high != item.reverse else scale.min
        else:
            pick = max if high else min
            answers[item.id] = pick(item.options, key=lambda o: sum(o.scores.values())).id
    return answers


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
@pytest.mark.parametrize(("high", "band_index"), [(True, -1), (False, 0)])
def test_extreme_answers_land_in_the_extreme_bands(path: Path, high: bool, band_index: int) -> None:
    q = cached(path)
    got = interpret(q, score(q, extreme(q, high)))
    assert got.label == q.bands.overall[band_index].label
    assert all(r.meaning for r in got.dimensions)


def test_interpret_does_not_mutate_the_questionnaire(four: Questionnaire) -> None:
    before = copy.deepcopy(four.model_dump())
    got = interpret(four, make_result(four, {"zeta": 10, "alpha": 20, "mid": 30, "beta": 40}))
    got.playbook[0].ask.append("changed")
    got.dimensions[0].actions.append("changed")
    assert four.model_dump() == before
