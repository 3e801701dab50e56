"""Response-quality flags: rule tables for one response, and the vectorised version equal to it."""

from __future__ import annotations

import math
from collections.abc import Callable
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
from scoring.models import ChoiceItem, ClaimItem, LikertItem, Questionnaire
from scoring.quality import FLAG_LABELS, FLAGS, acquiescence_index, flags, flags_frame

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "data" / "good" / "minimal.yaml"
BANK = ROOT / "questions" / "strategic-candidate.yaml"
BALANCED = ROOT / "tests" / "data" / "good" / "balanced.yaml"
MINIMAL_DATA = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
BALANCED_DATA = yaml.safe_load(BALANCED.read_text(encoding="utf-8"))


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
    assert result.iloc[1].to_dict() == {
        "straight_lining": False,
        "speeding": True,
        "inconsistent": True,
        "erratic": False,
        "acquiescence": False,
        "overclaiming": False,
    }


def test_missing_columns_and_no_duration_column() -> None:
    q = with_rules(**RULES)
    result = flags_frame(q, pd.DataFrame({"p1": [5, 5], "p2": [5, 1]}))
    assert list(result.columns) == list(FLAGS)
    assert result["inconsistent"].tolist() == [True, False]
    assert not result["speeding"].any()


def test_labels_cover_every_flag() -> None:
    assert set(FLAG_LABELS) == set(FLAGS)
    assert set(FLAGS) == {"straight_lining", "speeding", "inconsistent", "erratic", "acquiescence", "overclaiming"}
    assert all(label and label[0].isupper() for label in FLAG_LABELS.values())


# ----- property: the frame version equals the single version ---------------------------------


def answer_strategy(q: Questionnaire) -> st.SearchStrategy[dict]:
    """Random valid (possibly partial) answers to q, biased towards repeated Likert values."""
    fields: dict[str, st.SearchStrategy] = {}
    for item in q.items():
        if isinstance(item, (LikertItem, ClaimItem)):
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
        "acquiescence_index": st.sampled_from([0.6, 0.625, 0.75, 1.0]) | st.floats(0.51, 1.0),
        "acquiescence_min_items": st.integers(2, 6),
        "overclaim_min": st.integers(1, 4),
        "inconsistency_min_dimensions": st.integers(1, 3),
        "erratic_spread": st.sampled_from([0.125, 0.25, 0.5]) | st.floats(0.01, 0.5),
        "erratic_min_items": st.integers(4, 8),
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
    assert flags_frame(q, frame.iloc[:0]).shape == (0, len(FLAGS))
    assert flags_frame(q, pd.DataFrame(index=np.arange(3))).sum().sum() == 0


# ----- acquiescence and over-claiming on a balanced bank (7 dimensions × 2 plain + 2 reverse, 3 claims) ----


def balanced(**quality: Any) -> Questionnaire:
    """tests/data/good/balanced.yaml with its quality thresholds replaced."""
    data = {**BALANCED_DATA, "scoring": {**BALANCED_DATA.get("scoring", {}), "quality": quality}}
    return Questionnaire.model_validate(data)


BAL = load(BALANCED)
PLAIN = [i.id for i in BAL.items() if isinstance(i, LikertItem) and not i.reverse]
REVERSE = [i.id for i in BAL.items() if isinstance(i, LikertItem) and i.reverse]
CLAIMS = [i.id for i in BAL.claim_items()]


def likert(plain: int, reverse: int, **extra: Any) -> dict[str, Any]:
    """Every plain item answered `plain`, every reverse-keyed item `reverse` (raw values), plus extra."""
    return {**dict.fromkeys(PLAIN, plain), **dict.fromkeys(REVERSE, reverse), **extra}


def claims(*values: int | None) -> dict[str, int | None]:
    return dict(zip(CLAIMS, values, strict=True))


QUALITY_CASES = [
    # answers, expected flags (balanced.yaml defaults: index ≥ 0.7 over ≥ 8 items; ≥ 2 of 3 claims agreed)
    pytest.param(likert(5, 1, **claims(1, 2, 1)), [], id="strategic-and-honest"),
    pytest.param(likert(2, 4, **claims(1, 1, 1)), [], id="tactical-and-honest"),
    pytest.param(likert(5, 4), ["inconsistent", "erratic", "acquiescence"], id="agrees-with-everything"),
    # Ten plain items (no reverse one answered, so no inconsistency): eight 4s (position 0.75) and two 3s
    # (0.5) → index 7 / 10 = 0.7, exactly the threshold; seven 4s and three 3s → 0.675.
    pytest.param({**dict.fromkeys(PLAIN[:8], 4), **dict.fromkeys(PLAIN[8:10], 3)}, ["acquiescence"], id="at-threshold"),
    pytest.param({**dict.fromkeys(PLAIN[:7], 4), **dict.fromkeys(PLAIN[7:10], 3)}, [], id="just-below-threshold"),
    pytest.param(dict.fromkeys(PLAIN[:7] + REVERSE[:0], 5), [], id="seven-items-too-few-for-the-index"),
    pytest.param(likert(5, 1, **claims(4, 5, 1)), ["overclaiming"], id="two-foils-claimed"),
    pytest.param(likert(5, 1, **claims(4, 3, 3)), [], id="one-foil-and-neutral"),
    pytest.param(likert(5, 1, **claims(5, None, 4)), ["overclaiming"], id="a-claim-left-blank"),
    pytest.param(claims(5, 5, 5), ["overclaiming"], id="claims-only"),
]


@pytest.mark.parametrize(("answers", "expected"), QUALITY_CASES)
def test_acquiescence_and_overclaiming(answers: dict, expected: list[str]) -> None:
    assert flags(BAL, answers, 600.0) == expected
    frame = pd.DataFrame([{**answers, "duration_seconds": 600.0}])
    row = flags_frame(BAL, frame).iloc[0]
    assert [code for code in FLAGS if row[code]] == expected


def test_acquiescence_index_ignores_reverse_keys_and_unbalanced_dimensions() -> None:
    assert acquiescence_index(BAL, likert(5, 1)) == pytest.approx(0.5)
    assert acquiescence_index(BAL, likert(5, 5)) == pytest.approx(1.0)
    assert acquiescence_index(BAL, claims(5, 5, 5)) is None  # claims never count
    # minimal.yaml: both dimensions have plain and reverse items, so all five Likert answers count.
    assert acquiescence_index(load(MINIMAL), {"p1": 5, "p2": 5, "p3": 1, "e1": 3, "e2": 3}) == pytest.approx(0.6)
    # A dimension without a reverse-keyed item does not count.
    data = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    data["sections"][1]["items"][1]["reverse"] = False  # exploration loses its only reverse item
    q = Questionnaire.model_validate(data)
    assert acquiescence_index(q, {"p1": 5, "p2": 5, "p3": 5, "e1": 1, "e2": 1}) == pytest.approx(1.0)


def test_overclaiming_agree_side_of_an_even_and_a_seven_point_scale() -> None:
    data = yaml.safe_load(BALANCED.read_text(encoding="utf-8"))
    data["scales"]["four"] = {"label": "Four", "points": [{"value": v, "label": f"p{v}"} for v in range(1, 5)]}
    data["scales"]["seven"] = {"label": "Seven", "points": [{"value": v, "label": f"p{v}"} for v in range(1, 8)]}
    foils = data["sections"][1]["items"]
    foils[0]["scale"], foils[1]["scale"] = "four", "seven"
    q = Questionnaire.model_validate(data)
    assert flags(q, claims(3, 5, 1), None) == ["overclaiming"]  # 3 of 1–4 and 5 of 1–7 are above the middle
    assert flags(q, claims(2, 4, 5), None) == []  # 2 of 1–4 and 4 of 1–7 are not


def test_claim_items_count_towards_speeding() -> None:
    q = balanced(min_seconds_per_item=2.0)
    answers = claims(1, 1, 1)
    assert flags(q, answers, 5.9) == ["speeding"]
    assert flags(q, answers, 6.0) == []


def test_flags_never_change_scores() -> None:
    from scoring.engine import score

    honest = likert(5, 1, **claims(1, 1, 1))
    faked = likert(5, 1, **claims(5, 5, 5))
    assert flags(BAL, faked, None) == ["overclaiming"]
    assert score(BAL, honest) == score(BAL, faked)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), quality=rules)
def test_frame_equals_single_on_the_balanced_bank(data: st.DataObject, quality: dict) -> None:
    q = balanced(**quality)
    one = answer_strategy(q) | same_value_strategy(q)
    check_equal(q, data.draw(st.lists(st.tuples(one, durations), min_size=1, max_size=4)))


# ----- erratic answering and the dimension count for inconsistency ---------------------------------

BANK_PATH = Path(__file__).resolve().parents[1] / "questions" / "strategic-candidate.yaml"


def _keyed_answers(level_of: Callable[[LikertItem, int], int]) -> dict[str, int]:
    """Likert answers of the shipped bank from a keyed level (1–5) chosen per item and its position in its dimension."""
    bank = load(BANK_PATH)
    out: dict[str, int] = {}
    seen: dict[str, int] = {}
    for item in bank.items():
        if isinstance(item, LikertItem):
            k = seen.get(item.dimension, 0)
            seen[item.dimension] = k + 1
            keyed = level_of(item, k)
            out[item.id] = 6 - keyed if item.reverse else keyed
    return out


def _bank_flags(answers: dict[str, int]) -> list[str]:
    return flags(load(BANK_PATH), answers)


def test_steady_answers_within_each_habit_are_not_erratic() -> None:
    # Each habit answered at one keyed level (levels differ between habits): no spread within a habit.
    levels = [1, 2, 3, 4, 5, 4, 2]
    dims: dict[str, int] = {}

    def level(item: LikertItem, k: int) -> int:
        return levels[dims.setdefault(item.dimension, len(dims))]

    assert "erratic" not in _bank_flags(_keyed_answers(level))


def test_answers_that_swing_within_every_habit_are_erratic() -> None:
    # 1, 5, 1, 5 (keyed) inside every habit: spread 0.5 in each, far above 0.24.
    assert "erratic" in _bank_flags(_keyed_answers(lambda item, k: 1 if k % 2 == 0 else 5))


def test_a_little_spread_is_not_erratic() -> None:
    # 3, 4, 3, 4 (keyed) inside every habit: spread 0.125.
    assert "erratic" not in _bank_flags(_keyed_answers(lambda item, k: 3 + k % 2))


def test_erratic_needs_enough_answers() -> None:
    answers = _keyed_answers(lambda item, k: 1 if k % 2 == 0 else 5)
    few = dict(list(answers.items())[:8])  # fewer than erratic_min_items (12) counted answers
    assert "erratic" not in _bank_flags(few)


def test_inconsistency_needs_two_dimensions_in_the_shipped_bank() -> None:
    bank = load(BANK_PATH)
    assert bank.scoring.quality.inconsistency_min_dimensions == 2
    dims = [d.id for d in bank.dimensions]

    def contradicts(first: set[str]) -> dict[str, int]:
        # In the named dimensions, strongly agree with plain AND reverse statements; elsewhere answer 3.
        return {i.id: 5 if i.dimension in first else 3 for i in bank.items() if isinstance(i, LikertItem)}

    assert "inconsistent" not in flags(bank, contradicts({dims[0]}))
    assert "inconsistent" in flags(bank, contradicts({dims[0], dims[1]}))
