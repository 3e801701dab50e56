"""Scoring engine: parametrised tables for each rule, and hypothesis properties that hold the
vectorised ``score_frame`` equal to the single-response ``score`` on random questionnaires."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.engine import (
    AnswerError,
    answers_from_row,
    band_for,
    check_answers,
    check_frame,
    keyed_matrix,
    near_boundary,
    plan,
    score,
    score_frame,
)
from scoring.loader import load
from scoring.models import Questionnaire

MINIMAL = Path(__file__).parent / "data" / "good" / "minimal.yaml"


# ----- building questionnaires as plain data ---------------------------------------------------


def likert(item_id: str, dim: str, *, scale: str = "s5", reverse: bool = False, weight: float = 1.0) -> dict:
    return {
        "id": item_id,
        "type": "likert",
        "text": f"Statement {item_id}.",
        "scale": scale,
        "dimension": dim,
        "reverse": reverse,
        "weight": weight,
    }


def choice(item_id: str, options: dict[str, dict[str, float]], *, weight: float = 1.0) -> dict:
    opts = [{"id": oid, "label": f"Option {oid}", "scores": scores} for oid, scores in options.items()]
    return {"id": item_id, "type": "choice", "text": f"Scenario {item_id}.", "options": opts, "weight": weight}


def bands(edges: list[float], prefix: str) -> list[dict]:
    cuts = [0.0, *edges, 100.0]
    return [
        {"id": f"{prefix}{i}", "label": f"Band {i}", "min": lo, "max": hi}
        for i, (lo, hi) in enumerate(itertools.pairwise(cuts))
    ]


def questionnaire(
    dims: dict[str, tuple[float, str]],
    sections: list[list[dict]],
    *,
    scales: dict[str, list[int]] | None = None,
    overall_edges: list[float] | None = None,
    dimension_edges: list[float] | None = None,
    min_answered: float = 0.6,
    min_items: int = 1,
    near: float = 4.0,
) -> Questionnaire:
    """A valid questionnaire from the parts a test cares about; dims maps id → (weight, method)."""
    scales = scales or {"s5": [1, 2, 3, 4, 5]}
    dim_bands = bands(dimension_edges if dimension_edges is not None else [40, 70], "d")
    data: dict[str, Any] = {
        "meta": {
            "id": "t",
            "version": "1.0",
            "title": "Test",
            "language": "en",
            "description": "Built by a test.",
            "estimated_minutes": 1,
        },
        "scales": {
            name: {"label": name, "points": [{"value": v, "label": str(v)} for v in values]}
            for name, values in scales.items()
        },
        "dimensions": [
            {"id": d, "name": d.title(), "description": "A dimension.", "weight": w, "method": m}
            for d, (w, m) in dims.items()
        ],
        "sections": [{"id": f"sec{i}", "title": f"Page {i}", "items": items} for i, items in enumerate(sections)],
        "bands": {
            "overall": bands(overall_edges if overall_edges is not None else [40, 70], "o"),
            "dimension": dim_bands,
        },
        "advice": {d: {b["id"]: {"meaning": "Meaning.", "actions": ["Act."]} for b in dim_bands} for d in dims},
        "playbook": {d: {"prepare": ["Prepare."], "ask": ["Ask."]} for d in dims},
        "scoring": {"min_answered": min_answered, "min_items_per_dimension": min_items, "near_boundary": near},
    }
    return Questionnaire.model_validate(data)


def one_dim(items: list[dict], **kwargs: Any) -> Questionnaire:
    return questionnaire({"a": (1.0, kwargs.pop("method", "mean"))}, [items], **kwargs)


def frame_of(q: Questionnaire, rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[i.id for i in q.items()])


def batch_one(q: Questionnaire, answers: dict[str, Any]) -> pd.Series:
    return score_frame(q, frame_of(q, [answers])).iloc[0]


def same(a: float | None, b: float) -> bool:
    """A single-response value (None = not scored) equals a batch value (NaN = not scored)."""
    if a is None:
        return bool(np.isnan(b))
    return not np.isnan(b) and abs(a - b) <= 1e-9


@pytest.fixture(scope="module")
def mini() -> Questionnaire:
    return load(MINIMAL)


# ----- reverse keys -------------------------------------------------------------------------------

REVERSE = [
    # (scale values, reverse, answer, expected 0–100)
    ([1, 2, 3, 4, 5], False, 5, 100.0),
    ([1, 2, 3, 4, 5], False, 1, 0.0),
    ([1, 2, 3, 4, 5], False, 4, 75.0),
    ([1, 2, 3, 4, 5], True, 5, 0.0),
    ([1, 2, 3, 4, 5], True, 1, 100.0),
    ([1, 2, 3, 4, 5], True, 2, 75.0),
    ([1, 2, 3, 4, 5], True, 3, 50.0),
    ([0, 1, 2, 3, 4, 5, 6], True, 6, 0.0),
    ([0, 1, 2, 3, 4, 5, 6], True, 0, 100.0),
    ([0, 1, 2], True, 1, 50.0),
    ([1, 2, 4, 8], False, 4, 100 * 3 / 7),  # uneven spacing is rescaled by value, not by rank
    ([1, 2, 4, 8], True, 4, 100 * 4 / 7),
    ([-2, -1, 0, 1, 2], True, -2, 100.0),
]


@pytest.mark.parametrize(("values", "reverse", "answer", "expected"), REVERSE)
def test_reverse_keys(values: list[int], reverse: bool, answer: int, expected: float) -> None:
    q = one_dim([likert("x", "a", scale="s", reverse=reverse)], scales={"s": values})
    result = score(q, {"x": answer})
    assert result.dimensions["a"].score == pytest.approx(expected, abs=1e-9)
    assert batch_one(q, {"x": answer})["a"] == pytest.approx(expected, abs=1e-9)
    keyed, _ = keyed_matrix(q, frame_of(q, [{"x": answer}]), "a")
    assert keyed[0, 0] == pytest.approx(expected / 100, abs=1e-12)


# ----- the minimum-answered rule ------------------------------------------------------------------

MIN_ANSWERED = [
    # (items in the dimension, rule, answered, scored?)
    (5, 0.6, 2, False),  # just below: 0.4
    (5, 0.6, 3, True),  # at: 0.6
    (5, 0.6, 4, True),  # above
    (4, 0.5, 1, False),
    (4, 0.5, 2, True),
    (4, 0.75, 2, False),
    (4, 0.75, 3, True),
    (3, 1.0, 2, False),
    (3, 1.0, 3, True),
    (10, 0.7, 6, False),
    (10, 0.7, 7, True),  # 7/10 against 0.7: equal, not a hair below
    (20, 0.35, 7, True),
    (20, 0.35, 6, False),
    (6, 0.1, 0, False),  # nothing answered is never a score, whatever the rule
    (6, 0.1, 1, True),
]


@pytest.mark.parametrize(("n", "rule", "answered", "scored"), MIN_ANSWERED)
def test_min_answered(n: int, rule: float, answered: int, scored: bool) -> None:
    q = one_dim([likert(f"x{i}", "a") for i in range(n)], min_answered=rule)
    answers = {f"x{i}": 4 for i in range(answered)}
    dim = score(q, answers).dimensions["a"]
    assert (dim.answered, dim.total) == (answered, n)
    assert (dim.score is not None) is scored
    assert (dim.band is not None) is scored
    assert (not np.isnan(batch_one(q, answers)["a"])) is scored


# ----- weights ------------------------------------------------------------------------------------

WEIGHTS = [
    # (weights, answers, expected) on a 5-point scale: keyed 1 for 5, 0 for 1
    ((2.0, 1.0), (5, 1), 100 * 2 / 3),
    ((2.0, 1.0), (1, 5), 100 * 1 / 3),
    ((1.0, 1.0), (5, 1), 50.0),
    ((3.0, 1.0), (5, None), 100.0),  # a missing item's weight drops out of the mean
    ((0.5, 1.5, 2.0), (5, 1, 3), 100 * (0.5 + 1.0) / 4),
]


@pytest.mark.parametrize(("weights", "answers", "expected"), WEIGHTS)
def test_weights(weights: tuple[float, ...], answers: tuple[int | None, ...], expected: float) -> None:
    q = one_dim([likert(f"x{i}", "a", weight=w) for i, w in enumerate(weights)], min_answered=0.5)
    given_answers = {f"x{i}": v for i, v in enumerate(answers) if v is not None}
    assert score(q, given_answers).dimensions["a"].score == pytest.approx(expected, abs=1e-9)
    assert batch_one(q, given_answers)["a"] == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("answers", [(5, 1), (1, 5), (2, 4), (3, 3), (5, 5)])
@pytest.mark.parametrize("method", ["mean", "sum"])
def test_weight_two_counts_twice(answers: tuple[int, int], method: str) -> None:
    weighted = one_dim([likert("x", "a", weight=2), likert("y", "a")], method=method)
    doubled = one_dim([likert("x", "a"), likert("x2", "a"), likert("y", "a")], method=method)
    a, b = answers
    left = score(weighted, {"x": a, "y": b}).dimensions["a"].score
    right = score(doubled, {"x": a, "x2": a, "y": b}).dimensions["a"].score
    assert left == pytest.approx(right, abs=1e-9)


# ----- choice items scoring several dimensions ----------------------------------------------------

OPTIONS = {
    "both": {"a": 1.0, "b": 0.5},
    "only_a": {"a": 0.25},
    "only_b": {"b": 1.0},
    "zero": {"a": 0.0, "b": 0.0},
}

CHOICES = [
    # (option, expected a, expected b): an option that does not name a dimension scores 0 on it
    ("both", 100.0, 50.0),
    ("only_a", 25.0, 0.0),
    ("only_b", 0.0, 100.0),
    ("zero", 0.0, 0.0),
]


@pytest.mark.parametrize(("option", "a", "b"), CHOICES)
def test_multi_dimension_choice(option: str, a: float, b: float) -> None:
    q = questionnaire({"a": (1.0, "mean"), "b": (1.0, "mean")}, [[choice("c", OPTIONS)]])
    result = score(q, {"c": option})
    assert result.scores() == pytest.approx({"a": a, "b": b}, abs=1e-9)
    row = batch_one(q, {"c": option})
    assert (row["a"], row["b"]) == pytest.approx((a, b), abs=1e-9)


def test_choice_item_counts_once_per_dimension_it_scores(mini: Questionnaire) -> None:
    p = plan(mini)
    assert [ld.item_id for ld in p.loadings["partnership"]] == ["p1", "p2", "p3", "s1"]
    assert [ld.item_id for ld in p.loadings["exploration"]] == ["e1", "e2", "s1"]
    assert p.loadings["partnership"][-1].options == {"decline": 0.0, "listen": 0.75, "email": 0.0}


# ----- bounds -------------------------------------------------------------------------------------

BOUND_SCALES = [[1, 2, 3], [1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5, 6], [1, 3, 4, 10]]


def best_and_worst(q: Questionnaire) -> tuple[dict[str, Any], dict[str, Any]]:
    """Answers keyed 1 on every item, and answers keyed 0 on every item."""
    best: dict[str, Any] = {}
    worst: dict[str, Any] = {}
    for item in q.scored_items():
        if item.type == "likert":
            lo, hi = q.scales[item.scale].min, q.scales[item.scale].max
            best[item.id], worst[item.id] = (lo, hi) if item.reverse else (hi, lo)
        else:
            best[item.id] = next(o.id for o in item.options if all(v == 1 for v in o.scores.values()))
            worst[item.id] = next(o.id for o in item.options if all(v == 0 for v in o.scores.values()))
    return best, worst


@pytest.mark.parametrize("values", BOUND_SCALES)
@pytest.mark.parametrize("method", ["mean", "sum"])
@pytest.mark.parametrize("reverse", [(False, False, False), (True, False, True), (True, True, True)])
def test_bounds(values: list[int], method: str, reverse: tuple[bool, ...]) -> None:
    items = [likert(f"x{i}", "a", scale="s", reverse=r, weight=i + 1) for i, r in enumerate(reverse)]
    items.append(choice("c", {"top": {"a": 1.0, "b": 1.0}, "bottom": {"a": 0.0, "b": 0.0}, "half": {"a": 0.5}}))
    items += [likert("y", "b", scale="s", reverse=True)]
    q = questionnaire({"a": (1.0, method), "b": (2.0, method)}, [items], scales={"s": values})
    best, worst = best_and_worst(q)
    for answers, expected in ((best, 100.0), (worst, 0.0)):
        result = score(q, answers)
        assert result.scores() == {"a": expected, "b": expected}
        assert result.overall == expected
        row = batch_one(q, answers)
        assert (row["a"], row["b"], row["overall"]) == (expected, expected, expected)


def test_bounds_on_minimal(mini: Questionnaire) -> None:
    """In minimal.yaml the best option of s1 scores partnership 0.75, so partnership tops out below 100."""
    answers = {"p1": 5, "p2": 1, "p3": 5, "e1": 5, "e2": 1, "s1": "listen"}
    result = score(mini, answers)
    assert result.dimensions["exploration"].score == 100.0
    assert result.dimensions["partnership"].score == pytest.approx(100 * (1 + 1 + 2 + 0.75) / 5)
    worst = score(mini, {"p1": 1, "p2": 5, "p3": 1, "e1": 1, "e2": 5, "s1": "decline"})
    assert worst.scores() == {"partnership": 0.0, "exploration": 0.0}
    assert worst.overall == 0.0


# ----- bands and the near-boundary flag -----------------------------------------------------------

BAND_EDGES = [
    (0.0, "o0"),
    (39.999, "o0"),
    (39.999999, "o0"),
    (40.0, "o1"),
    (40.0001, "o1"),
    (69.999, "o1"),
    (70.0, "o2"),
    (99.999, "o2"),
    (100.0, "o2"),  # the last band includes its max
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), BAND_EDGES)
def test_band_edges(mini: Questionnaire, value: float | None, expected: str | None) -> None:
    q = one_dim([likert("x", "a")])
    assert band_for(q.bands.overall, value) == expected
    from scoring.engine import _bands_vector  # the vectorised twin must agree

    vector = _bands_vector(q.bands.overall, np.array([np.nan if value is None else value]))
    assert vector[0] == expected


def test_exact_band_edge_survives_float_error() -> None:
    """Weights 1, 2, 2 and answers 4, 3, 2 on a 4-point scale average to exactly 60.

    In floating point (1·1 + 2·⅔ + 2·⅓)/5 comes out as 59.999999999999986; a response that is
    exactly on an edge must land in the upper band, in both paths.
    """
    items = [likert("x", "a", scale="s4", weight=1), likert("y", "a", scale="s4", weight=2)]
    items.append(likert("z", "a", scale="s4", weight=2))
    q = one_dim(items, scales={"s4": [1, 2, 3, 4]}, dimension_edges=[60], overall_edges=[60])
    answers = {"x": 4, "y": 3, "z": 2}
    result = score(q, answers)
    assert result.dimensions["a"].score == 60.0
    assert result.dimensions["a"].band == "d1"
    assert result.band == "o1"
    row = batch_one(q, answers)
    assert row["a"] == 60.0
    assert row["band"] == "o1"


NEAR = [
    # (overall, near_boundary setting, expected)
    (37.0, 4.0, True),
    (36.0, 4.0, False),  # exactly 4 away is not "within" 4
    (36.5, 4.0, True),
    (43.9, 4.0, True),
    (44.0, 4.0, False),
    (55.0, 4.0, False),
    (70.0, 4.0, True),
    (0.0, 4.0, False),  # 0 and 100 are ends, not boundaries
    (100.0, 4.0, False),
    (50.0, 25.0, True),  # 10 from the edge at 40, within the widest setting
    (40.0, 0.0, False),  # a zero setting turns the flag off
    (None, 4.0, False),
]


@pytest.mark.parametrize(("overall", "setting", "expected"), NEAR)
def test_near_boundary(overall: float | None, setting: float, expected: bool) -> None:
    q = one_dim([likert("x", "a")], near=setting)
    assert near_boundary(q, overall) is expected


@pytest.mark.parametrize("answer", [1, 2, 3, 4, 5])
def test_near_boundary_matches_batch(answer: int) -> None:
    # One item on a 5-point scale gives overall 0, 25, 50, 75 or 100; edges at 40 and 70, near = 6.
    q = one_dim([likert("x", "a")], near=6.0)
    result = score(q, {"x": answer})
    assert result.near_boundary is (result.overall in (75.0,))
    assert bool(batch_one(q, {"x": answer})["near_boundary"]) is result.near_boundary


# ----- the overall score --------------------------------------------------------------------------

OVERALL = [
    # (weights of a and b, answers to a's and b's item, expected overall); one item per dimension
    ((1.0, 3.0), (5, 1), 25.0),
    ((1.0, 3.0), (1, 5), 75.0),
    ((1.0, 1.0), (5, 1), 50.0),
    ((2.0, 1.0), (4, 2), 100 * (2 * 0.75 + 0.25) / 3),
    ((1.0, 3.0), (None, 5), 100.0),  # a (weight share 0.25) missing: b alone carries 0.75 ≥ 0.6
    ((1.0, 3.0), (5, None), None),  # b missing: 0.25 < 0.6, no overall
    ((1.0, 1.0), (5, None), None),  # 0.5 < 0.6
]


@pytest.mark.parametrize(("weights", "answers", "expected"), OVERALL)
def test_overall_is_weighted_by_dimension(
    weights: tuple[float, float], answers: tuple[int | None, int | None], expected: float | None
) -> None:
    q = questionnaire({"a": (weights[0], "mean"), "b": (weights[1], "mean")}, [[likert("xa", "a"), likert("xb", "b")]])
    given_answers = {k: v for k, v in zip(("xa", "xb"), answers, strict=True) if v is not None}
    result = score(q, given_answers)
    if expected is None:
        assert result.overall is None and result.band is None and result.near_boundary is False
    else:
        assert result.overall == pytest.approx(expected, abs=1e-9)
    assert same(result.overall, batch_one(q, given_answers)["overall"])


# ----- methods: sum vs mean with missing answers ---------------------------------------------------

METHODS_TABLE = [
    # (method, answers of four equal-weight items, expected)
    ("mean", (5, 5, 5, None), 100.0),
    ("sum", (5, 5, 5, None), 75.0),  # a missing item counts as the lowest keyed answer
    ("mean", (5, 1, 3, None), 50.0),
    ("sum", (5, 1, 3, None), 100 * 1.5 / 4),
    ("mean", (5, 5, 5, 5), 100.0),
    ("sum", (5, 5, 5, 5), 100.0),
    ("sum", (1, 1, 1, None), 0.0),
    ("mean", (5, 5, None, None), 100.0),  # 2/4 = 0.5 ≥ rule 0.5
    ("sum", (5, 5, None, None), 50.0),
]


@pytest.mark.parametrize(("method", "answers", "expected"), METHODS_TABLE)
def test_sum_versus_mean(method: str, answers: tuple[int | None, ...], expected: float) -> None:
    q = one_dim([likert(f"x{i}", "a") for i in range(4)], method=method, min_answered=0.5)
    given_answers = {f"x{i}": v for i, v in enumerate(answers) if v is not None}
    assert score(q, given_answers).dimensions["a"].score == pytest.approx(expected, abs=1e-9)
    assert batch_one(q, given_answers)["a"] == pytest.approx(expected, abs=1e-9)


def test_sum_of_reverse_item_missing_counts_as_keyed_lowest() -> None:
    q = one_dim([likert("x", "a", reverse=True), likert("y", "a")], method="sum", min_answered=0.5)
    # y missing counts 0 (keyed), whatever its direction; x = 1 on a reverse item keys to 1.
    assert score(q, {"x": 1}).dimensions["a"].score == 50.0


# ----- rejected answers ---------------------------------------------------------------------------

REJECTED = [
    ({"zz": 3}, "unknown item id 'zz'"),
    ({3: 3}, "unknown item id 3"),
    ({"p1": 6}, "p1: 6 is not one of [1, 2, 3, 4, 5]"),
    ({"p1": 0}, "p1: 0 is not one of"),
    ({"p1": 2.5}, "p1: 2.5 is not one of"),
    ({"p1": True}, "p1: True is not one of"),
    ({"p1": np.bool_(True)}, "is not one of"),
    ({"p1": "4"}, "p1: '4' is not one of"),
    ({"p1": float("nan")}, "p1: nan is not one of"),
    ({"s1": "maybe"}, "s1: 'maybe' is not one of ['decline', 'listen', 'email']"),
    ({"s1": 1}, "s1: 1 is not one of"),
    ({"s1": "Listen"}, "s1: 'Listen' is not one of"),
    ({"note": "x" * 1001}, "note: text is longer than 1000 characters"),
    ({"note": 12}, "note: free text must be a string"),
]


@pytest.mark.parametrize(("answers", "message"), REJECTED)
def test_check_answers_rejects(mini: Questionnaire, answers: dict, message: str) -> None:
    problems = check_answers(mini, answers)
    assert len(problems) == 1
    assert message in problems[0]
    with pytest.raises(AnswerError) as info:
        score(mini, answers)
    assert info.value.problems == problems


ACCEPTED = [
    {"p1": 4},
    {"p1": 4.0},
    {"p1": np.int64(4)},
    {"p1": np.float64(5.0)},
    {"p1": None, "s1": None, "note": None},
    {"s1": "email", "note": "x" * 1000},
    {},
]


@pytest.mark.parametrize("answers", ACCEPTED)
def test_check_answers_accepts(mini: Questionnaire, answers: dict) -> None:
    assert check_answers(mini, answers) == []
    score(mini, answers)


def test_all_problems_are_reported(mini: Questionnaire) -> None:
    problems = check_answers(mini, {"p1": 9, "zz": 1, "s1": "nope"})
    assert len(problems) == 3


def test_text_answers_never_score(mini: Questionnaire) -> None:
    base = {"p1": 4, "p2": 2, "p3": 4, "e1": 4, "e2": 2, "s1": "email"}
    assert score(mini, base) == score(mini, {**base, "note": "I would like more calls."})


# ----- reading rows and checking frames -----------------------------------------------------------

ROWS = [
    ({"p1": "4", "s1": " listen "}, {"p1": 4, "s1": "listen"}),
    ({"p1": 4.0, "p2": "", "s1": "  "}, {"p1": 4}),
    ({"p1": float("nan"), "p2": None, "p3": pd.NA}, {}),
    ({"p1": np.int64(3), "e1": "5.0"}, {"p1": 3, "e1": 5}),
    ({"p1": "four"}, {"p1": "four"}),  # kept as given, so check_answers names it
    ({"note": "hello", "response_id": "r1"}, {"note": "hello"}),
]


@pytest.mark.parametrize(("row", "expected"), ROWS)
def test_answers_from_row(mini: Questionnaire, row: dict, expected: dict) -> None:
    assert answers_from_row(mini, row) == expected


def test_check_frame_reports_rows(mini: Questionnaire) -> None:
    frame = pd.DataFrame(
        {
            "response_id": ["a", "b", "c", "d"],
            "p1": ["4", "7", "x", ""],
            "p2": [1, 2, 3, 4],
            "s1": ["listen", "nope", None, "email"],
            "bogus": [1, 1, 1, 1],
        }
    )
    problems = check_frame(mini, frame)
    assert (0, "unknown columns (not item ids): bogus") in problems
    assert any(row == 0 and "missing item columns" in msg and "p3, e1, e2" in msg for row, msg in problems)
    rows = sorted((row, msg) for row, msg in problems if row)
    assert rows == [
        (2, "p1: '7' is not one of [1, 2, 3, 4, 5]"),
        (2, "s1: 'nope' is not one of ['decline', 'listen', 'email']"),
        (3, "p1: 'x' is not one of [1, 2, 3, 4, 5]"),
    ]


def test_score_frame_treats_values_off_the_scale_as_missing(mini: Questionnaire) -> None:
    """score_frame expects checked answers; an unchecked 7 must not be scored (nor clipped) as if valid."""
    rows = [{"p1": bad, "p2": 2, "p3": 4, "s1": "email"} for bad in (7, 2.5, -1, 0, "x", None)]
    out = score_frame(mini, frame_of(mini, rows))
    expected = score(mini, rows[-1]).dimensions["partnership"].score
    assert expected == pytest.approx(100 * (0.75 + 2 * 0.75 + 0) / 4)
    assert out["partnership"].tolist() == pytest.approx([expected] * len(rows))


def test_score_frame_without_some_item_columns(mini: Questionnaire) -> None:
    frame = pd.DataFrame({"p1": [5, 1], "p2": [1, 5], "p3": [5, 1]})
    out = score_frame(mini, frame)
    assert out["partnership"].tolist() == [100.0, 0.0]  # s1 unanswered: 3 of 4 items, mean of those
    assert out["exploration"].isna().all()
    assert list(out.columns) == ["partnership", "exploration", "overall", "band", "near_boundary"]


def test_score_frame_keeps_the_index(mini: Questionnaire) -> None:
    frame = pd.DataFrame({"p1": [5, 1], "p2": [1, 5], "p3": [5, 1]}, index=["r9", "r3"])
    assert list(score_frame(mini, frame).index) == ["r9", "r3"]


def test_score_frame_on_empty_frame(mini: Questionnaire) -> None:
    out = score_frame(mini, frame_of(mini, []))
    assert len(out) == 0 and "overall" in out.columns


# ----- hypothesis: batch equals single on random questionnaires -----------------------------------

IDS = [f"d{i}" for i in range(4)]
WEIGHT = st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]) | st.floats(0.05, 10, allow_nan=False)
SCORE = st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]) | st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def scale_values(draw: st.DrawFn) -> list[int]:
    n = draw(st.integers(3, 7))
    if draw(st.booleans()):
        start = draw(st.integers(-3, 1))
        return list(range(start, start + n))
    return sorted(draw(st.sets(st.integers(-5, 20), min_size=n, max_size=n)))  # uneven spacing


@st.composite
def edges(draw: st.DrawFn) -> list[float]:
    cut = st.sampled_from([20.0, 25.0, 40.0, 50.0, 60.0, 70.0, 75.0]) | st.floats(0.5, 99.5)
    return sorted(draw(st.sets(cut, min_size=1, max_size=3)))


@st.composite
def random_questionnaire(draw: st.DrawFn) -> Questionnaire:
    n_dims = draw(st.integers(1, 4))
    dims = {d: (draw(WEIGHT), draw(st.sampled_from(["mean", "sum"]))) for d in IDS[:n_dims]}
    scales = {f"s{i}": draw(scale_values()) for i in range(draw(st.integers(1, 3)))}
    items: list[dict] = []
    for d in dims:
        for j in range(draw(st.integers(3, 6))):
            scale = draw(st.sampled_from(sorted(scales)))
            items.append(likert(f"{d}i{j}", d, scale=scale, reverse=draw(st.booleans()), weight=draw(WEIGHT)))
    for c in range(draw(st.integers(0, 3))):
        options = {}
        for o in range(draw(st.integers(2, 4))):
            named = draw(st.lists(st.sampled_from(list(dims)), unique=True, max_size=n_dims))
            options[f"o{o}"] = {d: draw(SCORE) for d in named}
        if not any(options.values()):
            options["o0"] = {next(iter(dims)): draw(SCORE)}
        items.append(choice(f"c{c}", options, weight=draw(WEIGHT)))
    if draw(st.booleans()):
        items.append({"id": "free", "type": "text", "text": "Anything else?"})
    items = draw(st.permutations(items))
    cut = draw(st.integers(1, len(items)))
    sections = [items[:cut], items[cut:]] if cut < len(items) else [items]
    return questionnaire(
        dims,
        sections,
        scales=scales,
        overall_edges=draw(edges()),
        dimension_edges=draw(edges()),
        min_answered=draw(st.sampled_from([0.1, 0.5, 0.6, 0.75, 1.0]) | st.floats(0.05, 1.0)),
        min_items=draw(st.integers(1, 3)),
        near=draw(st.sampled_from([0.0, 4.0, 10.0]) | st.floats(0, 25)),
    )


@st.composite
def answer_sets(draw: st.DrawFn, q: Questionnaire) -> list[dict[str, Any]]:
    """1–8 responses with a random share of missing answers (one seeded draw per row keeps this fast)."""
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        rng = random.Random(draw(st.integers(0, 2**32)))
        missing = draw(st.sampled_from([0.0, 0.2, 0.5, 0.9]))
        row: dict[str, Any] = {}
        for item in q.items():
            if rng.random() < missing:
                continue
            if item.type == "likert":
                row[item.id] = rng.choice(q.scales[item.scale].values())
            elif item.type == "choice":
                row[item.id] = rng.choice([o.id for o in item.options])
            else:
                row[item.id] = "".join(rng.choices('abc ,;"\n', k=rng.randint(0, 12)))
        rows.append(row)
    return rows


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_batch_equals_single(data: st.DataObject) -> None:
    q = data.draw(random_questionnaire())
    rows = data.draw(answer_sets(q))
    frame = frame_of(q, rows)
    if data.draw(st.booleans()):  # a CSV may omit columns nobody answered
        frame = frame[[c for c in frame.columns if frame[c].notna().any()]]
    batch = score_frame(q, frame)
    for i, answers in enumerate(rows):
        single = score(q, answers)
        via_row = score(q, answers_from_row(q, frame.iloc[i].to_dict()))
        assert via_row == single
        row = batch.iloc[i]
        for dim, dim_score in single.dimensions.items():
            assert same(dim_score.score, row[dim]), (dim, dim_score.score, row[dim])
            if dim_score.score is not None:
                assert 0.0 <= dim_score.score <= 100.0
        assert same(single.overall, row["overall"])
        assert single.band == (None if pd.isna(row["band"]) else row["band"])
        assert single.near_boundary == bool(row["near_boundary"])
        if single.overall is not None:
            assert 0.0 <= single.overall <= 100.0
            assert single.band is not None


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_extremes_on_random_questionnaires(data: st.DataObject) -> None:
    """Keyed-best answers score each dimension at its attainable maximum, never above 100; worst never below 0."""
    q = data.draw(random_questionnaire())
    best: dict[str, Any] = {}
    for item in q.scored_items():
        if item.type == "likert":
            values = q.scales[item.scale].values()
            best[item.id] = values[0] if item.reverse else values[-1]
    result = score(q, best)
    likert_only = {d: all(ld.likert for ld in plan(q).loadings[d]) for d in plan(q).dims}
    for dim, dim_score in result.dimensions.items():
        assert dim_score.score is None or 0.0 <= dim_score.score <= 100.0
        if likert_only[dim] and q.dimension(dim).method == "mean":
            assert dim_score.score == 100.0
    assert result.overall is None or math.isfinite(result.overall)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_text_frame_scores_like_typed_frame(data: st.DataObject) -> None:
    """Cells read from a CSV as text ("3", " 3 ", "3.0", "", "7", "x") score exactly as the typed values do."""
    q = data.draw(random_questionnaire())
    rows = data.draw(answer_sets(q))
    typed = frame_of(q, rows)
    spelling = data.draw(st.sampled_from(["{}", " {} ", "{}.0"]))
    text = pd.DataFrame(
        {
            c: pd.Series(
                ["" if pd.isna(v) else spelling.format(v) if isinstance(v, int) else str(v) for v in typed[c]],
                dtype="str",
            )
            for c in typed.columns
        }
    )
    expected = score_frame(q, typed)
    pd.testing.assert_frame_equal(score_frame(q, text), expected)
    # an off-scale or unreadable cell counts as missing in both
    likert_ids = [i.id for i in q.scored_items() if i.type == "likert"]
    junk = data.draw(st.sampled_from(["7777", "2.5", "x", "nan", "-"]))
    text[likert_ids[0]] = junk
    typed[likert_ids[0]] = None
    pd.testing.assert_frame_equal(score_frame(q, text), score_frame(q, typed))
