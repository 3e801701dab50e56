"""The item-kind registry (scoring.registry.ITEM_KINDS) and derived values kept beside the frozen models."""

from __future__ import annotations

import gc
import typing
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.derived import PerModel
from scoring.engine import _plans, answers_from_row, check_answers, check_frame, plan, score
from scoring.loader import load
from scoring.models import Item, Questionnaire
from scoring.registry import ITEM_KINDS, OPTION, SCALE, TEXT
from tests.test_interpret import BANK, MINIMAL, cached


def test_every_yaml_item_type_has_a_kind() -> None:
    union = typing.get_args(typing.get_args(Item)[0])
    tags = {typing.get_args(cls.model_fields["type"].annotation)[0]: cls for cls in union}
    assert set(tags) == set(ITEM_KINDS)
    assert all(kind.name == name for name, kind in ITEM_KINDS.items())


def test_kinds_of_the_bank() -> None:
    q = cached(BANK)
    by_type = {item.type: item for item in q.items()}
    assert set(by_type) == {"likert", "choice", "claim", "text"}
    assert {t: (i.kind.form, i.kind.scored) for t, i in by_type.items()} == {
        "likert": (SCALE, True),
        "choice": (OPTION, True),
        "claim": (SCALE, False),
        "text": (TEXT, False),
    }
    assert q.scored_items() == [i for i in q.items() if i.type in {"likert", "choice"}]
    assert q.claim_items() == [i for i in q.items() if i.type == "claim"]
    claim = by_type["claim"]
    assert claim.allowed(q.scales) == q.scales[claim.scale].values() and claim.dimensions() == []
    assert by_type["text"].allowed(q.scales) == by_type["text"].max_length
    assert by_type["choice"].allowed(q.scales) == [o.id for o in by_type["choice"].options]


@pytest.mark.parametrize(
    ("form", "value", "allowed", "problem"),
    [
        (SCALE, 3, [1, 2, 3, 4, 5], None),
        (SCALE, np.int64(3), [1, 2, 3, 4, 5], None),
        (SCALE, 3.0, [1, 2, 3, 4, 5], None),
        (SCALE, 2.5, [1, 2, 3, 4, 5], "2.5 is not one of [1, 2, 3, 4, 5]"),
        (SCALE, True, [1, 2, 3, 4, 5], "True is not one of [1, 2, 3, 4, 5]"),
        (SCALE, "3", [1, 2, 3, 4, 5], "'3' is not one of [1, 2, 3, 4, 5]"),
        (SCALE, 6, [1, 2, 3, 4, 5], "6 is not one of [1, 2, 3, 4, 5]"),
        (OPTION, "a", ["a", "b"], None),
        (OPTION, "c", ["a", "b"], "'c' is not one of ['a', 'b']"),
        (OPTION, 1, ["a", "b"], "1 is not one of ['a', 'b']"),
        (TEXT, "hello\nthere", 20, None),
        (TEXT, 5, 20, "free text must be a string"),
        (TEXT, "x" * 21, 20, "text is longer than 20 characters"),
        (TEXT, "a\x00b", 20, "text contains a control character"),
    ],
)
def test_answer_forms(form: Any, value: Any, allowed: Any, problem: str | None) -> None:
    got = form.problem(value, allowed)
    if problem is None or not problem.startswith("text contains"):
        assert got == problem
    else:
        assert got is not None and got.startswith("text ")


@pytest.mark.parametrize(
    ("form", "cell", "answer"),
    [
        *[(SCALE, "3", 3), (SCALE, " 4 ", 4), (SCALE, "2.0", 2), (SCALE, 5.0, 5), (SCALE, "x", "x")],
        *[(SCALE, "2.5", "2.5"), (OPTION, " a ", "a"), (OPTION, 7, "7"), (TEXT, "  some words ", "some words")],
    ],
)
def test_cells_parse(form: Any, cell: Any, answer: Any) -> None:
    got = form.parse(cell)
    assert got == answer and type(got) is type(answer)


CELL = st.one_of(
    st.integers(-1, 7),
    st.floats(0, 6, allow_nan=False),
    st.sampled_from(["1", "3", " 5 ", "3.0", "2.5", "seven", "decline", "nope", " decline "]),
    st.text(max_size=4),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.fixed_dictionaries({"p1": CELL, "s1": CELL}), min_size=1, max_size=8))
def test_batch_and_single_checks_agree(rows: list[dict[str, Any]]) -> None:
    """A cell check_frame reports is exactly a row whose parsed answer check_answers refuses."""
    q = cached(MINIMAL)
    frame = pd.DataFrame(rows, dtype=object)
    batch = {(row, msg.split(":")[0]) for row, msg in check_frame(q, frame) if row > 0}
    single = set()
    for n, row in enumerate(rows, start=1):
        answers = answers_from_row(q, row)
        single |= {(n, item_id) for item_id, value in answers.items() if check_answers(q, {item_id: value})}
    assert batch == single


def test_the_plan_lives_beside_the_questionnaire() -> None:
    q = load(MINIMAL)
    before = dict(vars(q))
    p = plan(q)
    assert plan(q) is p and vars(q) == before  # built once, nothing written onto the frozen model
    assert not q.__pydantic_private__  # no private cache attributes at all
    copy = q.model_copy(update={"scoring": q.scoring.model_copy(update={"min_answered": 1.0})})
    assert plan(copy) is not p  # a copy is another questionnaire: its own plan, not a stale shared one
    answers = {"p1": 5, "p2": 1, "p3": 4}  # 3 of partnership's 4 items: enough for 0.6, not for 1.0
    assert score(q, answers).dimensions["partnership"].score is not None
    assert score(copy, answers).dimensions["partnership"].score is None  # its own rule applies


def test_per_model_values_go_with_the_model() -> None:
    calls: list[int] = []
    derived: PerModel[Questionnaire, int] = PerModel(lambda q: calls.append(1) or len(calls))
    q = load(MINIMAL)
    assert derived(q) == derived(q) == 1 and calls == [1]
    key = id(q)
    plan(q)
    assert key in _plans._values and len(derived) == 1
    del q
    gc.collect()
    assert key not in _plans._values and len(derived) == 0
    assert derived(load(MINIMAL)) == 2  # a new model, a new value
