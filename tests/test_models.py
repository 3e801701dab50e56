"""Questionnaire models: strictness, small helpers, and the cross-field checks on plain data."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from scoring.crossfield import cross_field_problems
from scoring.loader import load
from scoring.models import (
    Band,
    ChoiceItem,
    DimensionScore,
    LikertItem,
    Questionnaire,
    Result,
    Scale,
)
from scoring.yamlread import read_document

MINIMAL = Path(__file__).parent / "data" / "good" / "minimal.yaml"
DATA, _ = read_document(MINIMAL.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mini() -> Questionnaire:
    return load(MINIMAL)


# ----- strictness ---------------------------------------------------------------------------------

LIKERT = {"type": "likert", "id": "x1", "text": "A statement.", "scale": "agree5", "dimension": "d"}

STRICT = [
    ({"weight": "2"}, "weight"),  # no string → number coercion
    ({"weight": True}, "weight"),  # a bool is not a weight
    ({"weight": 0}, "weight"),  # must be > 0
    ({"weight": 101}, "weight"),
    ({"reverse": "yes"}, "reverse"),
    ({"reverse": 1}, "reverse"),
    ({"id": "X1"}, "id"),
    ({"id": "1x"}, "id"),
    ({"id": "x" * 49}, "id"),
    ({"text": ""}, "text"),
    ({"text": "   "}, "text"),  # stripped, then empty
    ({"text": "x" * 2001}, "text"),
    ({"colour": "red"}, "colour"),
    ({"scale": 5}, "scale"),
]


@pytest.mark.parametrize(("change", "field"), STRICT)
def test_likert_item_is_strict(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        LikertItem.model_validate({**LIKERT, **change})
    assert [e["loc"][-1] for e in info.value.errors()] == [field]


def test_likert_item_defaults() -> None:
    item = LikertItem.model_validate(LIKERT)
    assert (item.reverse, item.weight, item.required, item.help) == (False, 1.0, True, None)
    assert isinstance(LikertItem.model_validate({**LIKERT, "weight": 2}).weight, float)


def test_models_are_frozen(mini: Questionnaire) -> None:
    with pytest.raises(ValidationError):
        mini.meta.title = "Changed"  # type: ignore[misc]


# ----- scales and bands ---------------------------------------------------------------------------


def scale(values: list[int]) -> dict:
    return {"label": "S", "points": [{"value": v, "label": str(v)} for v in values]}


@pytest.mark.parametrize("values", [[1, 2, 3, 4, 5], [0, 1], [-3, 0, 3], [1, 2, 4, 8]])
def test_scale_accepts_increasing_values(values: list[int]) -> None:
    s = Scale.model_validate(scale(values))
    assert (s.min, s.max, s.values()) == (values[0], values[-1], values)


@pytest.mark.parametrize("values", [[1, 1, 2], [3, 2, 1], [1, 3, 2], [1], list(range(12))])
def test_scale_refuses_bad_points(values: list[int]) -> None:
    with pytest.raises(ValidationError):
        Scale.model_validate(scale(values))


BAND = Band(id="b", label="B", min=40, max=70)

CONTAINS = [
    (39.999, False, False),
    (40.0, False, True),
    (69.999, False, True),
    (70.0, False, False),  # the max belongs to the next band …
    (70.0, True, True),  # … unless this is the last band
    (70.001, True, False),
]


@pytest.mark.parametrize(("value", "last", "expected"), CONTAINS)
def test_band_contains(value: float, last: bool, expected: bool) -> None:
    assert BAND.contains(value, last=last) is expected


# ----- helpers on the questionnaire ---------------------------------------------------------------


def test_item_lookups(mini: Questionnaire) -> None:
    assert [i.id for i in mini.items()] == ["p1", "p2", "p3", "e1", "e2", "s1", "note"]
    assert [i.id for i in mini.scored_items()] == ["p1", "p2", "p3", "e1", "e2", "s1"]
    assert mini.item("e2").reverse is True  # type: ignore[union-attr]
    assert mini.item("nope") is None
    assert mini.dimension("exploration").weight == 2.0
    assert mini.dimension("partnership").label == "Recruiter partnership"


def test_choice_item_dimensions_in_first_mention_order(mini: Questionnaire) -> None:
    s1 = mini.item("s1")
    assert isinstance(s1, ChoiceItem)
    assert s1.dimensions() == ["exploration", "partnership"]
    assert s1.option("listen").scores == {"exploration": 1.0, "partnership": 0.75}  # type: ignore[union-attr]
    assert s1.option("nope") is None


def test_hash_is_cached_and_short_hash_is_its_prefix(mini: Questionnaire) -> None:
    assert mini.content_hash is mini.content_hash
    assert mini.short_hash == mini.content_hash[:12]


def test_result_scores() -> None:
    dims = {
        "a": DimensionScore(dimension="a", score=50.0, answered=3, total=3, band="mid"),
        "b": DimensionScore(dimension="b", score=None, answered=1, total=4, band=None),
    }
    result = Result(
        questionnaire_id="q", content_hash="h", dimensions=dims, overall=50.0, band="mid", near_boundary=False
    )
    assert result.scores() == {"a": 50.0, "b": None}


# ----- cross-field checks on plain data -----------------------------------------------------------


def changed(path: tuple, value: Any) -> dict:
    data = copy.deepcopy(DATA)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def removed(path: tuple) -> dict:
    data = copy.deepcopy(DATA)
    node = data
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return data


def test_minimal_has_no_cross_field_problems(mini: Questionnaire) -> None:
    assert cross_field_problems(DATA) == []
    assert cross_field_problems(mini.model_dump()) == []


CROSS = [
    # (data, expected problems): unreadable parts switch off the checks that depend on them
    (
        changed(("sections", 0, "items", 0, "dimension"), "nope"),
        [(("sections", 0, "items", 0, "dimension"), "unknown dimension 'nope'")],
    ),
    (changed(("dimensions",), "not a list"), []),  # no dimension ids: nothing to check references against
    (changed(("dimensions", 0, "id"), 7), []),  # one unreadable id: same
    (changed(("scales",), ["agree5"]), []),  # scales unreadable: no "unknown scale" for every item
    (changed(("sections", 0, "items", 0, "type"), "slider"), []),  # counts unknowable: no "too few items"
    (changed(("sections", 0, "items", 0, "dimension"), ["partnership"]), []),
    (changed(("bands", "overall", 0, "min"), "zero"), []),
    (changed(("bands", "overall", 0, "min"), 10), [(("bands", "overall", 0, "min"), "bands must start at 0, not 10")]),
    (changed(("advice",), []), []),
    (removed(("advice", "exploration")), [(("advice",), "no advice for dimension 'exploration'")]),
    (
        removed(("playbook", "partnership")),
        [(("playbook",), "no playbook entry for dimension 'partnership'")],
    ),
    (
        changed(("sections", 1, "items", 2, "options", 2, "scores"), {}),
        [],  # an option may score nothing (the others still name dimensions)
    ),
    (
        changed(("sections", 1, "items", 2, "options"), [{"id": "a", "scores": {}}, {"id": "b", "scores": {}}]),
        [
            (("sections", 1, "items", 2, "options"), "a choice item must score at least one dimension"),
            (("dimensions", 1), "dimension 'exploration' has 2 scored items; at least 3 needed"),
        ],
    ),
    (
        changed(("sections", 1, "items", 2, "options", 0, "scores", "exploration"), float("nan")),
        [(("sections", 1, "items", 2, "options", 0, "scores", "exploration"), "option score nan is outside 0–1")],
    ),
    (changed(("scoring",), {"min_items_per_dimension": "three"}), []),
    (
        changed(("dimensions", 0, "method"), "median"),
        [(("dimensions", 0, "method"), "unknown scoring method 'median' (known: mean, sum)")],
    ),
    (removed(("meta",)), []),  # references unknowable: no "unknown reference"
    ({}, []),
    ([], []),
    (None, []),
]


@pytest.mark.parametrize(("data", "expected"), CROSS)
def test_cross_field_problems(data: Any, expected: list) -> None:
    assert cross_field_problems(data) == expected


def test_model_validate_raises_the_cross_field_problems() -> None:
    data = changed(("sections", 0, "items", 0, "scale"), "agree9")
    with pytest.raises(ValidationError) as info:
        Questionnaire.model_validate(data)
    assert "unknown scale 'agree9'" in str(info.value)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from([*DATA, "id", "type", "items", "options", "scores", "min", "max", "dimension"])


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(KEYS, JSONISH, max_size=8) | JSONISH)
def test_cross_field_problems_never_raise(data: Any) -> None:
    """It runs on raw documents with field errors, so any JSON-like shape must be survivable."""
    for loc, message in cross_field_problems(data):
        assert isinstance(loc, tuple) and isinstance(message, str)
