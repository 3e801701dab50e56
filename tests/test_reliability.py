"""Cronbach's α, Feldt CI and item statistics: published reference values, bounds, bad input, keying."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from scoring.engine import plan
from scoring.loader import load
from scoring.models import Questionnaire
from scoring.reliability import (
    TABLE_COLUMNS,
    ReliabilityAccumulator,
    cronbach_alpha,
    dimension_alphas,
    dimension_matrix,
    item_stats,
    reliability_table,
)
from scoring.sample import generate

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "reference"
MINIMAL = ROOT / "tests" / "data" / "good" / "minimal.yaml"
BANK = ROOT / "questions" / "strategic-candidate.yaml"


def wide_missing() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "cronbach_wide_missing.csv")


def likert_long() -> pd.DataFrame:
    data = pd.read_csv(REFERENCE / "cronbach_alpha_long.csv")
    return data.pivot(index="Subj", columns="Items", values="Scores")


# ----- published reference values -------------------------------------------------------------
# Source: the docstring of pingouin.cronbach_alpha (raphaelvallat/pingouin,
# src/pingouin/reliability.py), whose examples state the values below for its datasets
# ``cronbach_wide_missing`` (checked there against R: psych::alpha(data, use="pairwise") and
# psych::alpha(data[complete.cases(data), ])) and ``cronbach_alpha`` (long format). pingouin
# rounds the CI to 3 decimals, so the CI is compared after the same rounding.
REFERENCE_CASES = [
    pytest.param(wide_missing, "pairwise", 0.732660835214447, (0.435, 0.909), 12, 11, id="wide_missing-pairwise"),
    pytest.param(wide_missing, "listwise", 0.8016949152542373, (0.533, 0.947), 9, 11, id="wide_missing-listwise"),
    pytest.param(likert_long, "pairwise", 0.5917188485995826, (0.195, 0.84), 15, 10, id="likert_long"),
]


@pytest.mark.parametrize(("data", "policy", "alpha", "ci", "n", "k"), REFERENCE_CASES)
def test_matches_pingouin_published_values(data, policy: str, alpha: float, ci: tuple, n: int, k: int) -> None:
    result = cronbach_alpha(data(), nan_policy=policy)
    assert result.alpha == pytest.approx(alpha, abs=1e-12)
    assert (round(result.ci_low, 3), round(result.ci_high, 3)) == ci
    assert (result.n, result.k) == (n, k)


def test_numpy_input_gives_the_same_alpha_as_a_frame() -> None:
    data = wide_missing()
    assert cronbach_alpha(data.to_numpy()) == cronbach_alpha(data)


def test_a_wider_ci_for_a_higher_confidence_level() -> None:
    data = likert_long()
    narrow, wide = cronbach_alpha(data, ci=0.8), cronbach_alpha(data, ci=0.99)
    assert wide.ci_low < narrow.ci_low < narrow.alpha < narrow.ci_high < wide.ci_high


def test_item_total_r_is_the_rest_score_correlation_on_complete_data() -> None:
    data = likert_long()
    stats = item_stats(data)
    for item in data.columns:
        rest = data.drop(columns=item).sum(axis=1)
        assert stats.at[item, "r_it"] == pytest.approx(np.corrcoef(data[item], rest)[0, 1], abs=1e-12)
        assert stats.at[item, "alpha_if_deleted"] == pytest.approx(cronbach_alpha(data.drop(columns=item)).alpha)
        assert stats.at[item, "mean"] == pytest.approx(data[item].mean())
        assert stats.at[item, "sd"] == pytest.approx(data[item].std(ddof=1))
        assert stats.at[item, "n"] == len(data)


def test_item_stats_count_each_items_own_answers() -> None:
    stats = item_stats(wide_missing())
    assert stats["n"].to_dict() == wide_missing().notna().sum().to_dict()


def test_pairwise_n_counts_respondents_with_two_or_more_answers() -> None:
    data = pd.DataFrame({"a": [1, 2, 3, 4, 5, np.nan], "b": [2, 2, 3, 5, 4, np.nan], "c": [1, 3, 3, 4, 5, 2.0]})
    # The last respondent answered one item only: no covariance uses them.
    assert cronbach_alpha(data).n == 5
    assert cronbach_alpha(data, nan_policy="listwise").n == 5


# ----- bounds -------------------------------------------------------------------------------------


def test_identical_items_give_alpha_one() -> None:
    column = np.array([1.0, 2, 2, 3, 5, 4])
    result = cronbach_alpha(np.column_stack([column, column, column]))
    assert result.alpha == pytest.approx(1.0)
    assert result.ci_low == pytest.approx(1.0) and result.ci_high == pytest.approx(1.0)


def test_opposed_items_give_negative_alpha() -> None:
    a = np.array([1.0, 2, 3, 4, 5])
    b = np.array([4.0, 5, 1, 3, 1])  # covaries negatively with a, yet the total still varies
    assert cronbach_alpha(np.column_stack([a, b])).alpha < 0


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        float,
        st.tuples(st.integers(3, 30), st.integers(2, 6)),
        elements=st.integers(1, 5).map(float),
    )
)
def test_alpha_at_most_one_and_inside_its_ci(matrix: np.ndarray) -> None:
    try:
        result = cronbach_alpha(matrix)
    except ValueError:
        # Only a constant total score may be refused on complete data.
        assert matrix.sum(axis=1).var() == 0 or np.cov(matrix, rowvar=False).sum() <= 0
        return
    assert result.alpha <= 1 + 1e-9
    assert result.ci_low <= result.alpha <= result.ci_high
    assert (result.n, result.k) == matrix.shape


# ----- bad input ---------------------------------------------------------------------------------

BAD_INPUT = [
    pytest.param(np.array([[1.0], [2.0], [3.0]]), {}, "at least two items", id="one-item"),
    pytest.param(np.array([[1.0, 2.0, 3.0]]), {}, "at least two respondents", id="one-respondent"),
    pytest.param(pd.DataFrame({"a": ["1", "2"], "b": ["2", "x"]}), {}, "numeric", id="text-columns"),
    pytest.param(np.array([["1", "2"], ["3", "4"]]), {}, "numeric", id="text-array"),
    pytest.param(np.array([1.0, 2.0, 3.0]), {}, "2-D", id="one-dimensional"),
    pytest.param([[1, 2], [3, 4]], {}, "DataFrame or a numpy array", id="list"),
    pytest.param(np.array([[1.0, np.inf], [2.0, 3.0], [1.0, 1.0]]), {}, "infinite", id="infinite"),
    pytest.param(np.ones((5, 3)), {}, "no variance", id="constant"),
    pytest.param(np.array([[1.0, 2], [2, 1], [3, 3]]), {"ci": 1.0}, "ci must be", id="ci-one"),
    pytest.param(np.array([[1.0, 2], [2, 1], [3, 3]]), {"nan_policy": "drop"}, "nan_policy", id="policy"),
    pytest.param(
        np.array([[1.0, np.nan], [2, np.nan], [3, 3], [np.nan, 4]]),
        {"nan_policy": "listwise"},
        "at least two respondents",
        id="listwise-leaves-one",
    ),
    pytest.param(
        np.array([[1.0, 2, np.nan], [2, 4, np.nan], [np.nan, 3, 1], [np.nan, 1, 2]]),
        {},
        "fewer than two respondents in common",
        id="never-answered-together",
    ),
]


@pytest.mark.parametrize(("matrix", "kwargs", "message"), BAD_INPUT)
def test_bad_input_raises_value_error(matrix, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cronbach_alpha(matrix, **kwargs)


@pytest.mark.parametrize("matrix", [np.array([[1.0], [2.0]]), np.array([[1.0, 2.0]])])
def test_item_stats_refuses_what_alpha_refuses(matrix: np.ndarray) -> None:
    with pytest.raises(ValueError):
        item_stats(matrix)


# ----- questionnaire tables ---------------------------------------------------------------------


def variant(**item_changes: dict) -> Questionnaire:
    """minimal.yaml with some item fields changed (item id → fields)."""
    data = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    for section in data["sections"]:
        for item in section["items"]:
            item.update(item_changes.get(item["id"], {}))
    return Questionnaire.model_validate(data)


@pytest.fixture(scope="module")
def minimal() -> Questionnaire:
    return load(MINIMAL)


@pytest.fixture(scope="module")
def responses(minimal: Questionnaire) -> pd.DataFrame:
    return generate(minimal, 2_000, seed=7)


def test_mis_keyed_item_has_negative_item_total_r(minimal: Questionnaire, responses: pd.DataFrame) -> None:
    right = reliability_table(minimal, responses).set_index(["dimension", "item"])
    wrong = reliability_table(variant(p2={"reverse": False}), responses).set_index(["dimension", "item"])
    assert right.at[("partnership", "p2"), "r_it"] > 0.3
    assert wrong.at[("partnership", "p2"), "r_it"] < 0
    # Dropping the mis-keyed item is what would raise α.
    assert wrong.at[("partnership", "p2"), "alpha_if_deleted"] > wrong.at[("partnership", ""), "alpha"]


def test_table_layout_and_keying(minimal: Questionnaire, responses: pd.DataFrame) -> None:
    table = reliability_table(minimal, responses)
    assert list(table.columns) == TABLE_COLUMNS
    assert list(zip(table["dimension"], table["item"], strict=True)) == [
        ("partnership", ""),
        ("partnership", "p1"),
        ("partnership", "p2"),
        ("partnership", "p3"),
        ("partnership", "s1"),  # a choice item scoring the dimension is one of its items
        ("exploration", ""),
        ("exploration", "e1"),
        ("exploration", "e2"),
        ("exploration", "s1"),
    ]
    rows = table.set_index(["dimension", "item"])
    # Reverse key applied: the keyed mean of p2 is 1 − its raw answer rescaled to 0–1.
    assert rows.at[("partnership", "p2"), "mean"] == pytest.approx(1 - (responses["p2"].mean() - 1) / 4)
    for dim in ("partnership", "exploration"):
        direct = cronbach_alpha(dimension_matrix(minimal, responses, dim))
        assert rows.at[(dim, ""), "alpha"] == pytest.approx(direct.alpha)
        assert rows.at[(dim, ""), "ci_low"] == pytest.approx(direct.ci_low)
        assert rows.at[(dim, ""), "n"] == len(responses)
    assert dimension_alphas(minimal, responses)["exploration"].alpha == pytest.approx(
        rows.at[("exploration", ""), "alpha"]
    )


def test_item_nobody_answered_is_listed_but_left_out_of_alpha(minimal: Questionnaire, responses: pd.DataFrame) -> None:
    blank = responses.assign(p3=np.nan)
    rows = reliability_table(minimal, blank).set_index(["dimension", "item"])
    assert rows.at[("partnership", "p3"), "n"] == 0
    assert np.isnan(rows.at[("partnership", "p3"), "r_it"])
    assert rows.at[("partnership", ""), "k"] == 3  # p1, p2, s1
    expected = cronbach_alpha(dimension_matrix(minimal, blank, "partnership").drop(columns="p3"))
    assert rows.at[("partnership", ""), "alpha"] == pytest.approx(expected.alpha)


def test_too_few_responses_give_an_empty_alpha_not_an_error(minimal: Questionnaire, responses: pd.DataFrame) -> None:
    table = reliability_table(minimal, responses.head(1))
    assert table.loc[table["item"] == "", "alpha"].isna().all()
    assert dimension_alphas(minimal, responses.head(1)) == {"partnership": None, "exploration": None}


def test_every_bank_dimension_reaches_alpha_070_on_sampled_data() -> None:
    bank = load(BANK)
    alphas = dimension_alphas(bank, generate(bank, 5_000, seed=2024))
    low = {dim: a.alpha if a else None for dim, a in alphas.items() if a is None or a.alpha < 0.70}
    assert low == {}
    assert len(alphas) == len(bank.dimensions)


def _chunked_table(q: Questionnaire, frame: pd.DataFrame, size: int) -> pd.DataFrame:
    acc = ReliabilityAccumulator(q)
    for start in range(0, len(frame), size):
        acc.add(frame.iloc[start : start + size])
    return acc.table()


def _assert_tables_equal(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    for col in ("dimension", "item", "n", "k"):
        assert got[col].tolist() == want[col].tolist(), col
    for col in ("alpha", "ci_low", "ci_high", "mean", "sd", "r_it", "alpha_if_deleted"):
        a, b = got[col].to_numpy(dtype=float), want[col].to_numpy(dtype=float)
        assert (np.isnan(a) == np.isnan(b)).all(), col
        assert np.nanmax(np.abs(a - b), initial=0.0) <= 1e-12, (col, np.nanmax(np.abs(a - b)))


@pytest.mark.parametrize("size", [3, 7, 333, 1000, 5000])
def test_chunked_table_equals_in_memory(size: int) -> None:
    """Sufficient statistics added chunk by chunk give reliability_table's figures to 1e-12."""
    q = load(BANK)
    frame = generate(q, 2501, seed=3)  # 2501 rows: no chunk size here divides it
    rng = np.random.default_rng(4)
    items = [i.id for i in q.scored_items()]
    blank = rng.random((len(frame), len(items))) < 0.15  # pairwise-missing answers
    frame[items] = frame[items].astype(object).mask(blank, None)
    frame[items[0]] = None  # an item nobody answered
    # An item answered once is left out of α; its row then has one answer fewer, which changes n.
    loadings = plan(q).loadings[q.dimensions[1].id]
    lonely, other = loadings[0].item_id, loadings[1].item_id
    frame[lonely] = None
    frame.loc[1700, items] = None
    frame.loc[1700, [lonely, other]] = [3, 4] if loadings[1].likert else [3, frame.loc[1699, other]]
    want = reliability_table(q, frame)
    assert want["alpha"].notna().any()
    _assert_tables_equal(_chunked_table(q, frame, size), want)


@pytest.mark.parametrize("rows", [0, 1, 2, 3])
def test_chunked_table_on_too_few_rows(rows: int) -> None:
    q = load(MINIMAL)
    frame = generate(q, rows, seed=1)
    _assert_tables_equal(_chunked_table(q, frame, 2), reliability_table(q, frame))
