"""Means with confidence intervals and effect sizes for cohort comparisons.

Pure functions over pandas frames (no streamlit, no SQL). A *stats frame* is the summary of groups:
group columns, then ``measure``, ``n``, ``mean``, ``sd`` (what SQL can return: count, mean and standard
deviation per group), so the same functions serve a pandas summary of a sample and an SQL aggregate of a
million rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from cohort.privacy import small, suppress


@dataclass(frozen=True)
class MeanCI:
    """A mean with its t-based confidence interval."""

    mean: float
    ci_low: float
    ci_high: float
    sd: float
    n: int


def t_interval(n: float, mean: float, sd: float, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided t confidence interval of a mean from its summary: mean ± t(1−a/2; n−1) · sd/√n.

    NaN bounds when n < 2 (no spread to estimate).
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if not n or n < 2 or sd is None or not np.isfinite(sd):
        return (math.nan, math.nan)
    half = float(sps.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return (mean - half, mean + half)


def mean_ci(values: Iterable[float], confidence: float = 0.95) -> MeanCI:
    """Mean, SD (ddof = 1) and the t-based CI of the non-missing values."""
    x = pd.to_numeric(pd.Series(list(values) if not isinstance(values, pd.Series) else values), errors="coerce")
    x = x.dropna().to_numpy(dtype=float)
    n = len(x)
    mean = float(x.mean()) if n else math.nan
    sd = float(x.std(ddof=1)) if n >= 2 else math.nan
    low, high = t_interval(n, mean, sd, confidence)
    return MeanCI(mean=mean, ci_low=low, ci_high=high, sd=sd, n=n)


def with_ci(stats: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """A stats frame (n, mean, sd) with ``ci_low`` and ``ci_high`` added (t-based, df = n − 1)."""
    out = stats.copy()
    n = out["n"].astype(float).to_numpy()
    sd = out["sd"].astype(float).to_numpy()
    mean = out["mean"].astype(float).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n >= 2, sps.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)), np.nan)
        half = t * sd / np.sqrt(n)
    out["ci_low"] = mean - half
    out["ci_high"] = mean + half
    return out


@dataclass(frozen=True)
class Effect:
    """Standardised mean difference of group 1 minus group 2."""

    d: float  # Cohen's d (pooled SD)
    g: float  # Hedges' g (small-sample corrected d)
    n1: int
    n2: int


def hedges_correction(df: float) -> float:
    """Hedges' exact small-sample factor J(df) = Γ(df/2) / (√(df/2) · Γ((df − 1)/2)); df = n1 + n2 − 2."""
    if df <= 1:
        return math.nan
    return math.exp(math.lgamma(df / 2) - math.log(math.sqrt(df / 2)) - math.lgamma((df - 1) / 2))


def cohens_d_from_stats(n1: float, mean1: float, sd1: float, n2: float, mean2: float, sd2: float) -> Effect:
    """Cohen's d and Hedges' g of group 1 minus group 2 from their summaries.

    d = (M1 − M2) / s_p with the pooled SD s_p = √(((n1 − 1)·s1² + (n2 − 1)·s2²) / (n1 + n2 − 2))
    (Cohen, 1988, ch. 2; Lakens, 2013, eq. 1). Hedges' g = d · J(n1 + n2 − 2) with the exact
    correction J(df) = Γ(df/2) / (√(df/2) · Γ((df − 1)/2)) (Hedges, 1981; Hedges & Olkin, 1985),
    close to 1 − 3 / (4·df − 1). Worked example: Gravetter & Wallnau, *Statistics for the
    Behavioral Sciences*, section 10.4 (means 8 and 12, pooled variance 9 → d = −4/3, reported
    as 1.33). NaN when either group has fewer than two responses or the pooled SD is zero.

    References: Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences (2nd ed.).
    Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and related
    estimators. Journal of Educational Statistics, 6(2), 107–128. Lakens, D. (2013). Calculating and
    reporting effect sizes to facilitate cumulative science. Frontiers in Psychology, 4, 863.
    """
    nan = Effect(math.nan, math.nan, int(n1 or 0), int(n2 or 0))
    if not n1 or not n2 or n1 < 2 or n2 < 2:
        return nan
    df = n1 + n2 - 2
    pooled = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / df)
    if not np.isfinite(pooled) or pooled == 0:
        return nan
    d = (mean1 - mean2) / pooled
    return Effect(d=d, g=d * hedges_correction(df), n1=int(n1), n2=int(n2))


def cohens_d(a: Iterable[float], b: Iterable[float]) -> Effect:
    """Cohen's d and Hedges' g of sample a minus sample b (see ``cohens_d_from_stats``); NaN ignored."""
    x, y = mean_ci(a), mean_ci(b)
    return cohens_d_from_stats(x.n, x.mean, x.sd, y.n, y.mean, y.sd)


def describe(frame: pd.DataFrame, by: Sequence[str], measures: Sequence[str]) -> pd.DataFrame:
    """Stats frame (``*by``, measure, n, mean, sd) of each measure per group, in pandas."""
    rows = []
    groups = frame.groupby(list(by), sort=True, dropna=False) if by else [((), frame)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        for m in measures:
            x = pd.to_numeric(part[m], errors="coerce").dropna()
            rows.append(
                {
                    **dict(zip(by, key, strict=True)),
                    "measure": m,
                    "n": len(x),
                    "mean": float(x.mean()) if len(x) else math.nan,
                    "sd": float(x.std(ddof=1)) if len(x) >= 2 else math.nan,
                }
            )
    return pd.DataFrame(rows, columns=[*by, "measure", "n", "mean", "sd"])


def compare_groups(
    stats: pd.DataFrame, group_col: str, k: int, reference: str | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    """Group comparison table: CI per group and measure, plus d and g against a reference group.

    ``stats`` is a stats frame with ``group_col``. The reference is the given group or, by
    default, the largest. Effect sizes are of each group minus the reference; the reference row
    and any pair with a suppressed group get none. Rows with fewer than k are suppressed.
    """
    table = with_ci(stats, confidence)
    if table.empty:
        table["d"] = pd.Series(dtype=float)
        table["g"] = pd.Series(dtype=float)
        return suppress(table, "n", k, keep=[group_col, "measure"])
    sizes = table.groupby(group_col, sort=False)["n"].max()
    if reference is None:
        reference = str(sizes.idxmax())
    ref = table[table[group_col] == reference].set_index("measure")
    d_col, g_col = [], []
    for _, row in table.iterrows():
        if row[group_col] == reference or row["measure"] not in ref.index or small([row["n"]], k)[0]:
            d_col.append(math.nan)
            g_col.append(math.nan)
            continue
        r = ref.loc[row["measure"]]
        if small([r["n"]], k)[0]:
            d_col.append(math.nan)
            g_col.append(math.nan)
            continue
        e = cohens_d_from_stats(row["n"], row["mean"], row["sd"], r["n"], r["mean"], r["sd"])
        d_col.append(e.d)
        g_col.append(e.g)
    table["d"] = d_col
    table["g"] = g_col
    table["reference"] = reference
    return suppress(table, "n", k, keep=[group_col, "measure", "reference"], within=["measure"])
