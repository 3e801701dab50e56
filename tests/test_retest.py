"""Test–retest statistics (cohort.retest) against published values and independent computations (scipy, numpy)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from cohort import retest as rt

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]

scores = st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False)


def paired(min_size: int = 4, max_size: int = 60) -> st.SearchStrategy[tuple[list[float], list[float]]]:
    return st.integers(min_size, max_size).flatmap(
        lambda n: st.tuples(st.lists(scores, min_size=n, max_size=n), st.lists(scores, min_size=n, max_size=n))
    )


def icc_by_long_anova(matrix: np.ndarray) -> float:
    """ICC(A,1) from a long-format two-way ANOVA written out in pandas (a second, independent path)."""
    n, k = matrix.shape
    long = pd.DataFrame(
        [(i, j, matrix[i, j]) for i in range(n) for j in range(k)], columns=["person", "occasion", "score"]
    )
    grand = long["score"].mean()
    person = long.groupby("person")["score"].transform("mean")
    occasion = long.groupby("occasion")["score"].transform("mean")
    ss_person = ((person - grand) ** 2).sum()
    ss_occasion = ((occasion - grand) ** 2).sum()
    ss_error = ((long["score"] - person - occasion + grand) ** 2).sum()
    msr, msc, mse = ss_person / (n - 1), ss_occasion / (k - 1), ss_error / ((n - 1) * (k - 1))
    return float((msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n))


# ----- ICC(2,1) ----------------------------------------------------------------------------------


def test_icc_reproduces_shrout_and_fleiss() -> None:
    # Published: ICC(2,1) = .29 (Shrout & Fleiss 1979, Table 4); interval .019–.76 (psych::ICC on the same data).
    icc, low, high = rt.icc_a1(SHROUT_FLEISS)
    assert icc == pytest.approx(0.29, abs=0.005)
    assert low == pytest.approx(0.019, abs=0.0005)
    assert high == pytest.approx(0.76, abs=0.005)


def test_icc_of_two_occasions_by_hand() -> None:
    # 3 people, 2 occasions: grand mean 4; row means 2, 4, 6; column means 11/3, 13/3.
    # SS rows = 2·(4 + 0 + 4) = 16 → MSR 8; SS cols = 3·(1/9 + 1/9) = 2/3 → MSC 2/3;
    # SS total = 9+1+1+1+1+9 = 22 → SS err 16/3, MSE 8/3. ICC = (16/3) / (8 + 8/3 + 2·(−2)/3) = 16/28.
    icc, _, _ = rt.icc_a1([[1, 3], [5, 3], [5, 7]])
    assert icc == pytest.approx(4 / 7)


@settings(max_examples=60, deadline=None)
@given(paired(min_size=3, max_size=40))
def test_icc_matches_a_long_format_anova(data: tuple[list[float], list[float]]) -> None:
    matrix = np.column_stack(data)
    icc, low, high = rt.icc_a1(matrix)
    assume(icc is not None)
    expected = icc_by_long_anova(matrix)
    assert icc == pytest.approx(min(expected, 1.0), abs=1e-9)
    if low is not None and high is not None:
        assert low <= icc + 1e-9 and icc <= high + 1e-9


def test_icc_drops_when_everyone_moves_but_r_does_not() -> None:
    first = np.arange(40, dtype=float)
    second = first + 10  # the same order, 10 points higher
    r, *_ = rt.pearson_ci(first, second)
    icc, *_ = rt.icc_a1(np.column_stack([first, second]))
    assert r == pytest.approx(1.0)
    assert icc is not None and icc < 0.9


@pytest.mark.parametrize(
    ("ratings", "message"),
    [([[1], [2]], "n × k"), ([1, 2, 3], "n × k"), ([[1, 2], [3, math.nan]], "finite")],
)
def test_icc_refuses_bad_input(ratings: list[object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rt.icc_a1(ratings)  # type: ignore[arg-type]


def test_icc_undefined_cases() -> None:
    assert rt.icc_a1([[5, 5]]) == (None, None, None)  # one person
    assert rt.icc_a1([[5, 5], [5, 5], [5, 5]]) == (None, None, None)  # no variance at all
    assert rt.icc_a1([[1, 1], [5, 5], [9, 9]]) == (1.0, None, None)  # perfect agreement: no interval


# ----- Pearson r --------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(paired())
def test_r_and_interval_match_scipy(data: tuple[list[float], list[float]]) -> None:
    x, y = np.array(data[0]), np.array(data[1])
    assume(np.ptp(x) > 1e-6 and np.ptp(y) > 1e-6)
    r, low, high, note = rt.pearson_ci(x, y)
    res = sps.pearsonr(x, y)
    assume(abs(res.statistic) < 1 - 1e-9)
    ci = res.confidence_interval(0.95)
    assert note == ""
    assert r == pytest.approx(res.statistic, abs=1e-9)
    assert low == pytest.approx(ci.low, abs=1e-9)
    assert high == pytest.approx(ci.high, abs=1e-9)


def test_r_interval_by_hand() -> None:
    # r = 0.5 with n = 28: z = artanh(.5) = 0.549306, ± 1.959964/5 = 0.391993 → tanh(0.157313), tanh(0.941299).
    x = np.array([1, 2, 3, 4] * 7, dtype=float)
    noise = np.array([1, -1, -1, 1] * 7, dtype=float)
    y = x + noise * math.sqrt(1.25 * 3)  # var(x) = 1.25, so cov/√(var x var y) = 1.25/√(1.25·5) = 0.5
    r, low, high, _ = rt.pearson_ci(x, y)
    assert r == pytest.approx(0.5, abs=1e-12)
    assert low == pytest.approx(math.tanh(0.549306 - 0.391993), abs=1e-5)
    assert high == pytest.approx(math.tanh(0.549306 + 0.391993), abs=1e-5)


def test_r_is_none_with_a_reason() -> None:
    assert rt.pearson_ci([50, 50, 50, 50], [40, 60, 45, 70])[::3] == (None, rt.NO_SPREAD)
    assert rt.pearson_ci([40, 60, 45, 70], [55.5] * 4)[::3] == (None, rt.NO_SPREAD)
    assert rt.pearson_ci([1, 2], [3, 5])[::3] == (None, rt.FEW_PAIRS)
    r, low, high, note = rt.pearson_ci([1, 2, 4], [3, 5, 4])
    assert r is not None and low is None and high is None and note == ""


def test_missing_scores_are_dropped_pairwise() -> None:
    first = [10, None, 30, 40, math.nan, 60]
    second = [12, 25, None, 41, 55, 58]
    r, *_ = rt.pearson_ci(first, second)
    assert r == pytest.approx(sps.pearsonr([10, 40, 60], [12, 41, 58]).statistic)
    assert rt.retest("x", first, second).n == 3


@pytest.mark.parametrize(
    ("first", "second", "kwargs", "message"),
    [
        ([1, 2, 3], [1, 2], {}, "pair up"),
        ([1, 2, math.inf, 4], [1, 2, 3, 4], {}, "finite"),
        ([1, 2, 3, 4], [1, 2, 3, 5], {"confidence": 1.0}, "confidence"),
        ([1, 2, 3, 4], [1, 2, 3, 5], {"confidence": 0}, "confidence"),
    ],
)
def test_bad_input_is_refused(first: list[float], second: list[float], kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rt.pearson_ci(first, second, **kwargs)
    with pytest.raises(ValueError, match=message):
        rt.change_stats(first, second, **kwargs)


# ----- change ----------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(paired(min_size=2))
def test_change_interval_matches_scipy_ttest_rel(data: tuple[list[float], list[float]]) -> None:
    x, y = np.array(data[0]), np.array(data[1])
    d = y - x
    assume(np.ptp(d) > 1e-6)
    mean, low, high, sd, sem, src = rt.change_stats(x, y)
    ci = sps.ttest_rel(y, x).confidence_interval(0.95)
    assert mean == pytest.approx(float(np.mean(d)), abs=1e-9)
    assert low == pytest.approx(ci.low, abs=1e-7)
    assert high == pytest.approx(ci.high, abs=1e-7)
    assert sd == pytest.approx(float(np.std(d, ddof=1)), rel=1e-9)
    assert sem == pytest.approx(sd / math.sqrt(2))
    assert src == pytest.approx(1.959964 * sd, rel=1e-6)


def test_change_by_hand() -> None:
    # Changes 2, 4, 6, 8: mean 5, s_d = √(20/3) = 2.581989; t(.975; 3) = 3.182446 → 5 ± 4.108521.
    mean, low, high, sd, sem, src = rt.change_stats([10, 10, 10, 10], [12, 14, 16, 18])
    assert (mean, sd) == (pytest.approx(5.0), pytest.approx(2.581989, abs=1e-6))
    assert low == pytest.approx(5 - 4.108521, abs=1e-5) and high == pytest.approx(5 + 4.108521, abs=1e-5)
    assert sem == pytest.approx(1.825742, abs=1e-6) and src == pytest.approx(5.060608, abs=1e-5)


def test_change_of_too_few_pairs() -> None:
    assert rt.change_stats([], []) == (None,) * 6
    assert rt.change_stats([1], [4]) == (3.0, None, None, None, None, None)


# ----- tables, one pair per person, suppression --------------------------------------------------


def pairs_frame(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = rng.normal(50, 10, n)
    second = first + rng.normal(2, 5, n)
    return pd.DataFrame(
        {
            "chain": np.arange(n),
            "second_submitted_at": pd.date_range("2026-01-01", periods=n, freq="D", tz="UTC"),
            "first:overall": first,
            "second:overall": second,
            "first:dim": np.where(np.arange(n) % 5 == 0, np.nan, first),
            "second:dim": second,
        }
    )


def test_table_has_a_row_per_measure_with_its_own_n() -> None:
    frame = pairs_frame(40)
    table = rt.retest_table(frame, ["overall", "dim"])
    assert list(table.columns) == rt.COLUMNS
    assert list(table["measure"]) == ["overall", "dim"]
    assert list(table["n"]) == [40, 32]
    expected = sps.pearsonr(frame["first:overall"], frame["second:overall"]).statistic
    assert table.loc[0, "r"] == pytest.approx(expected)
    with pytest.raises(ValueError, match="first:nope"):
        rt.retest_table(frame, ["nope"])


def test_one_pair_per_chain_keeps_the_earliest() -> None:
    frame = pairs_frame(6)
    frame["chain"] = [1, 1, 2, 3, 3, 3]
    frame = frame.iloc[::-1]  # order must not depend on the input's
    kept = rt.one_per_chain(frame)
    assert sorted(kept["chain"]) == [1, 2, 3]
    assert list(kept.sort_values("chain")["first:overall"]) == list(pairs_frame(6)["first:overall"].iloc[[0, 2, 3]])
    with pytest.raises(ValueError, match="chain"):
        rt.one_per_chain(frame.drop(columns=["chain"]))


@pytest.mark.parametrize(("n", "k", "shown"), [(30, 5, True), (29, 5, False), (35, 40, False), (40, 40, True)])
def test_publishable_needs_the_larger_of_k_and_thirty(n: int, k: int, shown: bool) -> None:
    table = rt.publishable(rt.retest_table(pairs_frame(n), ["overall"]), k)
    row = table.iloc[0]
    assert (row["r"] is not None) is shown
    assert (row["mean_change"] is not None) is shown
    assert (row["note"] == rt.HIDDEN) is not shown
    assert row["n"] == (n if n >= k else None)
    assert rt.threshold(k) == max(k, 30)


def test_publishable_hides_a_count_below_k() -> None:
    table = rt.publishable(rt.retest_table(pairs_frame(4), ["overall"]), 5)
    assert table.iloc[0]["n"] is None and table.iloc[0]["r"] is None
    with pytest.raises(ValueError, match="k must"):
        rt.publishable(table, 0)
    with pytest.raises(ValueError, match="min_pairs"):
        rt.publishable(table, 5, min_pairs=0)


def test_select_pairs_follows_the_campaigns_and_the_flag_switch() -> None:
    frame = pd.DataFrame(
        {
            "first_campaign": ["a", "a", "b", None],
            "second_campaign": ["a", "b", "b", "a"],
            "first_flagged": [False, False, True, False],
            "second_flagged": [False, False, False, False],
        }
    )
    assert list(rt.select_pairs(frame).index) == [0, 1, 2]
    assert len(rt.select_pairs(frame, include_flagged=True)) == 4
    assert list(rt.select_pairs(frame, ["a"])["second_campaign"]) == ["a"]
    assert len(rt.select_pairs(frame, ["a", "b"], include_flagged=True)) == 3


@pytest.mark.parametrize(
    ("icc", "level"),
    [
        (None, None),
        (math.nan, None),
        (-0.1, "poor"),
        (0.49, "poor"),
        (0.5, "moderate"),
        (0.75, "good"),
        (0.9, "excellent"),
    ],
)
def test_agreement_follows_koo_and_li(icc: float | None, level: str | None) -> None:
    assert rt.agreement(icc) == level


def test_an_undefined_figure_stays_none_in_the_table() -> None:
    frame = pairs_frame(40)
    frame["first:dim"] = 50.0  # no spread in the first attempt
    row = rt.retest_table(frame, ["dim"]).iloc[0]
    assert row["r"] is None and row["r_low"] is None and row["note"] == rt.NO_SPREAD
    assert row["mean_change"] == pytest.approx(float((frame["second:dim"] - 50).mean()))
