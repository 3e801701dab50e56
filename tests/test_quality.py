"""Response-quality flags: rule tables for one response, and the vectorised version equal to it."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.engine import AnswerError
from scoring.loader import load
from scoring.models import ChoiceItem, LikertItem, Questionnaire
from scoring.quality import FLAG_LABELS, FLAGS, flags, flags_frame

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "data" / "good" / "minimal.yaml"
BANK = ROOT / "questions" / "strategic-candidate.yaml"
MINIMAL_DATA = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))


def with_rules(**quality: Any) -> Questionnaire:
    """minimal.yaml with its quality thresholds replaced."""
    data = {**MINIMAL_DATA, "scoring": {**MINIMAL_DATA["scoring"], "quality": quality}}
    return Questionnaire.model_validate(data)


# minimal.yaml: partnership = p1, p2 (reverse), p3 + s1; exploration = e1, e2 (reverse) + s1.
# 5 Likert items on a 1–5 scale, 6 scored items.
RULES = {"straightline_share": 0.8, "straightline_min_items": 3, "min_seconds_per_item": 2.0, "inconsistency_gap": 0.5}
HONEST = {"p1": 5, "p2": 1, "p3": 4, "e1": 5, "e2": 2, "s1": "listen"}

CASES = [
    # answers, duration, expected flags
    pytest.param(HONEST, 60.0, [], id="honest"),
    pytest.param(
        {"p1": 5, "p2": 5, "p3": 5, "e1": 5, "e2": 5, "s1": "listen"},
        60.0,
        ["straight_lining", "inconsistent"],
        id="all-fives-agrees-with-opposites",
    ),
    pytest.param({"p1": 3, "p2": 3, "p3": 3, "e1": 3, "e2": 3}, 60.0, ["straight_lining"], id="all-neutral"),
    pytest.param({"p1": 3, "p2": 3, "p3": 3, "e1": 3, "e2": 4}, 60.0, ["straight_lining"], id="share-at-threshold"),
    pytest.param({"p1": 3, "p2": 3, "p3": 3, "e1": 4, "e2": 2}, 60.0, [], id="share-below-threshold"),
    pytest.param({"p1": 5, "p2": 5}, 60.0, ["inconsistent"], id="too-few-items-to-straight-line"),
    pytest.param({"p1": 4, "p2": 4}, 60.0, ["inconsistent"], id="gap-at-threshold"),
    pytest.param({"p1": 4, "p2": 3}, 60.0, [], id="gap-below-threshold"),
    pytest.param({"p1": 5, "p3": 5}, 60.0, [], id="no-reverse-item-answered"),
    pytest.param(HONEST, 11.9, ["speeding"], id="under-2s-per-item"),
    pytest.param(HONEST, 12.0, [], id="exactly-2s-per-item"),
    pytest.param({"s1": "email"}, 1.9, ["speeding"], id="one-item-fast"),
    pytest.param({"s1": "email", "note": "hello"}, 2.0, [], id="text-items-do-not-count"),
    pytest.param(HONEST, None, [], id="unknown-duration"),
    pytest.param(HONEST, math.nan, [], id="nan-duration"),
    pytest.param({}, 0.0, [], id="nothing-answered"),
    pytest.param({"p1": None, "p2": None, "s1": None}, 0.0, [], id="explicit-blanks"),
]


@pytest.mark.parametrize(("answers", "duration", "expected"), CASES)
def test_flags_of_one_response(answers: dict, duration: float | None, expected: list[str]) -> None:
    q = with_rules(**RULES)
    assert flags(q, answers, duration) == expected


@pytest.mark.parametrize(("answers", "duration", "expected"), CASES)
def test_frame_flags_match_the_table(answers: dict, duration: float | None, expected: list[str]) -> None:
    q = with_rules(**RULES)
    frame = pd.DataFrame([{**answers, "duration_seconds": duration}])
    row = flags_frame(q, frame).iloc[0]
    assert [code for code in FLAGS if row[code]] == expected


@pytest.mark.parametrize("answers", [{"p1": 9}, {"p1": "5"}, {"s1": "maybe"}, {"zz": 1}])
def test_invalid_answers_raise(answers: dict) -> None:
    with pytest.raises(AnswerError):
        flags(with_rules(**RULES), answers, 60.0)


def test_frame_treats_unreadable_cells_as_unanswered() -> None:
    q = with_rules(**RULES)
    frame = pd.DataFrame(
        [
            {"p1": "x", "p2": "5", "p3": "9", "e1": "", "e2": None, "s1": "maybe", "duration_seconds": "fast"},
            {"p1": "4", "p2": "4", "p3": None, "e1": None, "e2": None, "s1": None, "duration_seconds": "1"},
        ]
    )
    result = flags_frame(q, frame)
    # Row 1: only p2 is readable → nothing to compare, nothing to time.
    assert not result.iloc[0].any()
    # Row 2: text cells read as numbers; 2 answers in 1 s is speeding; 4 vs reverse 4 is inconsistent.
    assert result.iloc[1].to_dict() == {"straight_lining": False, "speeding": True, "inconsistent": True}


def test_missing_columns_and_no_duration_column() -> None:
    q = with_rules(**RULES)
    result = flags_frame(q, pd.DataFrame({"p1": [5, 5], "p2": [5, 1]}))
    assert list(result.columns) == list(FLAGS)
    assert result["inconsistent"].tolist() == [True, False]
    assert not result["speeding"].any()


def test_labels_cover_every_flag() -> None:
    assert set(FLAG_LABELS) == set(FLAGS) == {"straight_lining", "speeding", "inconsistent"}
    assert all(label and label[0].isupper() for label in FLAG_LABELS.values())


# ----- property: the frame version equals the single version ---------------------------------


def answer_strategy(q: Questionnaire) -> st.SearchStrategy[dict]:
    """Random valid (possibly partial) answers to q, biased towards repeated Likert values."""
    fields: dict[str, st.SearchStrategy] = {}
    for item in q.scored_items():
        if isinstance(item, LikertItem):
            values = q.scales[item.scale].values()
            fields[item.id] = st.none() | st.sampled_from(values)
        elif isinstance(item, ChoiceItem):
            fields[item.id] = st.none() | st.sampled_from([o.id for o in item.options])
    return st.fixed_dictionaries(fields)


def same_value_strategy(q: Questionnaire) -> st.SearchStrategy[dict]:
    """Straight-lined answers (one raw value everywhere), with some items left out."""
    likert = [i for i in q.items() if isinstance(i, LikertItem)]
    values = q.scales[likert[0].scale].values()
    return st.tuples(st.sampled_from(values), st.sets(st.sampled_from([i.id for i in likert]))).map(
        lambda pair: {i.id: (None if i.id in pair[1] else pair[0]) for i in likert}
    )


durations = st.none() | st.just(math.nan) | st.floats(0, 600, allow_nan=False) | st.integers(0, 40).map(float)


def check_equal(q: Questionnaire, responses: list[tuple[dict, float | None]]) -> None:
    frame = pd.DataFrame([{**answers, "duration_seconds": duration} for answers, duration in responses])
    frame = frame.reindex(columns=[*(i.id for i in q.items()), "duration_seconds"])
    batch = flags_frame(q, frame)
    for pos, (answers, duration) in enumerate(responses):
        row = batch.iloc[pos]
        assert [code for code in FLAGS if row[code]] == flags(q, answers, duration)


rules = st.fixed_dictionaries(
    {
        "straightline_share": st.floats(0.51, 1.0),
        "straightline_min_items": st.integers(3, 6),
        "min_seconds_per_item": st.floats(0, 10),
        "inconsistency_gap": st.sampled_from([0.25, 0.5, 0.75, 1.0]) | st.floats(0.01, 1.0),
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), quality=rules)
def test_frame_equals_single_on_minimal(data: st.DataObject, quality: dict) -> None:
    q = with_rules(**quality)
    one = answer_strategy(q) | same_value_strategy(q)
    check_equal(q, data.draw(st.lists(st.tuples(one, durations), min_size=1, max_size=6)))


@pytest.fixture(scope="module")
def bank() -> Questionnaire:
    if not BANK.exists():
        pytest.skip("the question bank is not written yet")
    return load(BANK)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_frame_equals_single_on_the_bank(bank: Questionnaire, data: st.DataObject) -> None:
    one = answer_strategy(bank) | same_value_strategy(bank)
    check_equal(bank, data.draw(st.lists(st.tuples(one, durations), min_size=1, max_size=4)))


def test_frame_keeps_the_index() -> None:
    q = with_rules(**RULES)
    frame = pd.DataFrame([HONEST, HONEST], index=[10, 20])
    assert flags_frame(q, frame).index.tolist() == [10, 20]
    assert flags_frame(q, frame.iloc[:0]).shape == (0, 3)
    assert flags_frame(q, pd.DataFrame(index=np.arange(3))).sum().sum() == 0
