"""The one blank-answer rule (scoring.answers.is_blank) and the places that must agree with it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.answers import is_blank
from scoring.engine import answers_from_row, check_frame
from scoring.flow import answered, clean_answers
from tests.test_interpret import MINIMAL, cached


@pytest.mark.parametrize(
    ("value", "blank"),
    [
        (None, True),
        (float("nan"), True),
        (np.nan, True),
        (np.float64("nan"), True),
        (pd.NA, True),
        (pd.NaT, True),
        ("", True),
        ("   ", True),
        ("\t\n\u3000", True),  # an ideographic space is whitespace too
        (0, False),
        (0.0, False),
        (False, False),  # refused later as an answer, but not blank
        ("0", False),
        (" a ", False),
        (np.int64(3), False),
        (float("inf"), False),
        ([], False),  # an array-like is not one missing value
        ([None], False),
    ],
)
def test_is_blank(value: Any, blank: bool) -> None:
    assert is_blank(value) is blank


@given(st.text())
def test_text_is_blank_when_only_whitespace(text: str) -> None:
    assert is_blank(text) == (text.strip() == "")


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_float_is_blank_only_when_nan(x: float) -> None:
    assert is_blank(x) == math.isnan(x)


CELLS = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.sampled_from(["", " ", "\t", "3", " 3 ", "2.0", "x", "a", "b"]),
    st.integers(-2, 7),
    st.text(max_size=5),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=12))
def test_the_vectorised_check_agrees_with_is_blank(cells: list[Any]) -> None:
    """check_frame finds bad cells column-wise: a blank cell is never reported, a non-blank bad one always."""
    q = cached(MINIMAL)
    frame = pd.DataFrame({"p1": pd.Series(cells, dtype=object)})
    reported = {row for row, msg in check_frame(q, frame) if row > 0}
    for row, cell in enumerate(cells, start=1):
        if is_blank(cell):
            assert row not in reported
        else:
            on_scale = pd.to_numeric(pd.Series([cell]), errors="coerce").isin([1, 2, 3, 4, 5]).item()
            assert (row in reported) == (not on_scale)


@settings(max_examples=80, deadline=None)
@given(st.fixed_dictionaries({}, optional={"p1": CELLS, "s1": CELLS, "note": CELLS}))
def test_rows_flow_and_rule_agree(row: dict[str, Any]) -> None:
    """A blank cell is unanswered everywhere: the CSV row reader, the quiz flow and its clean-up."""
    q = cached(MINIMAL)
    kept = set(answers_from_row(q, row))
    assert kept == {k for k, v in row.items() if not is_blank(v)}
    assert set(clean_answers(q, row)) == kept
    assert all(answered(v) != is_blank(v) for v in row.values())
