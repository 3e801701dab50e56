"""Test–retest statistics: how stable scores are when the same people take the questionnaire again.

Pure functions (no Streamlit, no SQL). The input is a *pairs frame*: one row per pair of attempts by the
same candidate (a retake and the attempt it follows), with ``first:<measure>`` and ``second:<measure>``
columns holding the two scores of each measure (``overall`` and one per dimension), and a ``chain``
column naming the candidate's chain of retakes. Per measure, ``retest_table`` reports

* n, the pairs with both scores (pairwise deletion: a pair missing one dimension's score still counts
  for the other measures);
* Pearson's r with a Fisher-z confidence interval (``pearson_ci``);
* the intraclass correlation ICC(2,1), absolute agreement (``icc_a1``): unlike r it drops when everyone
  moves the same way, so it answers "do people get the same score again", not only "the same order";
* the mean change (second − first) with a paired t interval, the SD of the changes, the standard error
  of measurement and the smallest real change (``change_stats``).

``one_per_chain`` keeps each candidate's earliest pair, so that every pair is an independent person (the
intervals assume independent pairs, and the k-anonymity rule counts people); ``publishable`` hides a
measure with fewer than ``max(k, MIN_PAIRS)`` pairs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import TypeAlias

import numpy as np
import pandas as pd
from scipy import stats as sps

from cohort.privacy import check_k, small

MIN_PAIRS = 30  # below this an r's interval spans most of its range: nothing is shown
FIRST, SECOND = "first:", "second:"

# Why a figure is missing (codes: the page words them in the reader's language).
FEW_PAIRS = "few_pairs"  # too few pairs to compute it at all
NO_SPREAD = "no_spread"  # every first (or every second) score is the same: a correlation is undefined
HIDDEN = "hidden"  # fewer than max(k, MIN_PAIRS) pairs: withheld by ``publishable``

# One score per pair, in pair order; None or NaN where a score is missing.
Scores: TypeAlias = Sequence[float | None] | np.ndarray | pd.Series


@dataclass(frozen=True)
class Retest:
    """The test–retest figures of one measure; None where a figure is undefined (``note`` says why)."""

    measure: str
    n: int
    r: float | None
    r_low: float | None
    r_high: float | None
    icc: float | None
    icc_low: float | None
    icc_high: float | None
    mean_change: float | None
    change_low: float | None
    change_high: float | None
    sd_change: float | None
    sem: float | None
    src: float | None
    note: str = ""


COLUMNS = [f.name for f in fields(Retest)]


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")


def _vectors(first: Scores, second: Scores) -> tuple[np.ndarray, np.ndarray]:
    """The two score vectors as floats with incomplete pairs dropped (None and NaN are missing)."""
    x = pd.to_numeric(pd.Series(list(first), dtype=object), errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(pd.Series(list(second), dtype=object), errors="coerce").to_numpy(dtype=float)
    if len(x) != len(y):
        raise ValueError(f"first and second must pair up: {len(x)} against {len(y)} scores")
    if np.isinf(x).any() or np.isinf(y).any():
        raise ValueError("scores must be finite")
    keep = ~(np.isnan(x) | np.isnan(y))
    return x[keep], y[keep]


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def pearson_ci(
    first: Scores, second: Scores, confidence: float = 0.95
) -> tuple[float | None, float | None, float | None, str]:
    """(r, low, high, note): Pearson's r of complete pairs with a Fisher-z confidence interval.

    r = Σ(x − x̄)(y − ȳ) / √(Σ(x − x̄)² · Σ(y − ȳ)²). The interval transforms r with Fisher's
    z = artanh(r), whose sampling distribution is close to normal with standard error 1/√(n − 3), and back:
    tanh(z ± z_{1−α/2} / √(n − 3)) (Fisher, 1921; the method scipy.stats.pearsonr uses for its interval).

    r is None (note ``FEW_PAIRS``) below 3 complete pairs — two points always lie on a line — and
    (note ``NO_SPREAD``) when every first or every second score is the same. The interval needs n ≥ 4;
    with |r| = 1 it is the point itself.

    References: Fisher, R. A. (1921). On the "probable error" of a coefficient of correlation deduced from
    a small sample. Metron, 1, 3–32. Fisher, R. A. (1915). Frequency distribution of the values of the
    correlation coefficient in samples from an indefinitely large population. Biometrika, 10(4), 507–521.
    """
    _check_confidence(confidence)
    x, y = _vectors(first, second)
    n = len(x)
    if n < 3:
        return None, None, None, FEW_PAIRS
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy = float(dx @ dx), float(dy @ dy)
    # Relative to the scale of the scores: float round-off leaves a tiny spread in equal values.
    tiny = 1e-24 * max(1.0, float(np.abs(np.concatenate([x, y])).max()) ** 2) * n
    if sxx <= tiny or syy <= tiny:
        return None, None, None, NO_SPREAD
    r = float(np.clip((dx @ dy) / math.sqrt(sxx * syy), -1.0, 1.0))
    if n < 4:
        return r, None, None, ""
    if abs(r) == 1.0:
        return r, r, r, ""
    half = float(sps.norm.ppf(0.5 + confidence / 2)) / math.sqrt(n - 3)
    z = math.atanh(r)
    return r, math.tanh(z - half), math.tanh(z + half), ""


def icc_a1(ratings: np.ndarray | Sequence[Sequence[float]], confidence: float = 0.95) -> tuple[float | None, ...]:
    """(ICC, low, high): the two-way random-effects, absolute-agreement, single-measure ICC and its interval.

    ``ratings`` is an n × k matrix (n people, k occasions or raters; no missing values). From the two-way
    ANOVA without replication, with mean squares MSR (rows, df n − 1), MSC (columns, df k − 1) and MSE
    (residual, df (n − 1)(k − 1)):

        ICC(A,1) = (MSR − MSE) / (MSR + (k − 1)·MSE + k·(MSC − MSE)/n)

    — ICC(2,1) of Shrout & Fleiss (1979), ICC(A,1) of McGraw & Wong (1996), "case 2A". The interval is
    McGraw & Wong's (1996, Table 7) with Satterthwaite's degrees of freedom
    v = (a·MSC + b·MSE)² / ((a·MSC)²/(k − 1) + (b·MSE)²/((n − 1)(k − 1))), a = k·ICC/(n(1 − ICC)),
    b = 1 + k·ICC·(n − 1)/(n(1 − ICC)), and F* the upper 1 − α/2 quantiles of F(n − 1, v) and F(v, n − 1):

        low  = n(MSR − F*₁·MSE) / (F*₁·(k·MSC + (kn − k − n)·MSE) + n·MSR)
        high = n(F*₂·MSR − MSE) / (k·MSC + (kn − k − n)·MSE + n·F*₂·MSR)

    Shrout & Fleiss's Table 2 (6 targets, 4 judges) gives ICC(2,1) = 0.29 with the interval 0.019–0.76
    (as R's psych::ICC reports it). Each figure is None where it is undefined: fewer than 2 rows, no
    variance at all, or an interval that does not exist (ICC = 1).

    References: Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
    reliability. Psychological Bulletin, 86(2), 420–428. McGraw, K. O., & Wong, S. P. (1996). Forming
    inferences about some intraclass correlation coefficients. Psychological Methods, 1(1), 30–46.
    Koo, T. K., & Li, M. Y. (2016). A guideline of selecting and reporting intraclass correlation
    coefficients for reliability research. Journal of Chiropractic Medicine, 15(2), 155–163.
    """
    _check_confidence(confidence)
    y = np.asarray(ratings, dtype=float)
    if y.ndim != 2 or y.shape[1] < 2:
        raise ValueError(f"ratings must be an n × k matrix with k ≥ 2, got shape {y.shape}")
    if not np.isfinite(y).all():
        raise ValueError("ratings must be finite (drop incomplete rows first)")
    n, k = y.shape
    if n < 2:
        return None, None, None
    grand = y.mean()
    ss_rows = k * float(((y.mean(axis=1) - grand) ** 2).sum())
    ss_cols = n * float(((y.mean(axis=0) - grand) ** 2).sum())
    ss_err = float(((y - grand) ** 2).sum()) - ss_rows - ss_cols
    msr, msc, mse = ss_rows / (n - 1), ss_cols / (k - 1), max(ss_err, 0.0) / ((n - 1) * (k - 1))
    denominator = msr + (k - 1) * mse + k * (msc - mse) / n
    if denominator <= 1e-12 * max(1.0, grand**2):
        return None, None, None
    icc = (msr - mse) / denominator
    if icc >= 1.0:
        return 1.0, None, None
    alpha = 1 - confidence
    a = k * icc / (n * (1 - icc))
    b = 1 + k * icc * (n - 1) / (n * (1 - icc))
    with np.errstate(divide="ignore", invalid="ignore"):
        v = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1)))
        f_low = float(sps.f.ppf(1 - alpha / 2, n - 1, v))
        f_high = float(sps.f.ppf(1 - alpha / 2, v, n - 1))
        low = n * (msr - f_low * mse) / (f_low * (k * msc + (k * n - k - n) * mse) + n * msr)
        high = n * (f_high * msr - mse) / (k * msc + (k * n - k - n) * mse + n * f_high * msr)
    return float(icc), _finite(low), _finite(high)


def change_stats(
    first: Scores, second: Scores, confidence: float = 0.95
) -> tuple[float | None, float | None, float | None, float | None, float | None, float | None]:
    """(mean change, low, high, SD of change, SEM, smallest real change) of complete pairs.

    With the changes dᵢ = secondᵢ − firstᵢ: the mean d̄, s_d = √(Σ(dᵢ − d̄)²/(n − 1)) and the paired t
    interval d̄ ± t_{1−α/2; n−1} · s_d/√n (Student, 1908; as scipy.stats.ttest_rel). The standard error of
    measurement SEM = √MSE of the two-way ANOVA, which with two occasions is s_d/√2 (Weir, 2005), and the
    smallest real change SRC = z_{1−α/2} · √2 · SEM = z_{1−α/2} · s_d: a person's change beyond it is unlikely
    (at 1 − α) to be measurement error alone (Beckerman et al., 2001). None where undefined (n < 1 for the
    mean, n < 2 for the rest).

    References: Student (1908). The probable error of a mean. Biometrika, 6(1), 1–25. Weir, J. P. (2005).
    Quantifying test-retest reliability using the intraclass correlation coefficient and the SEM. Journal
    of Strength and Conditioning Research, 19(1), 231–240. Beckerman, H., Roebroeck, M. E., Lankhorst,
    G. J., et al. (2001). Smallest real difference, a link between reproducibility and responsiveness.
    Quality of Life Research, 10(7), 571–578.
    """
    _check_confidence(confidence)
    x, y = _vectors(first, second)
    d = y - x
    n = len(d)
    if n == 0:
        return None, None, None, None, None, None
    mean = float(d.mean())
    if n < 2:
        return mean, None, None, None, None, None
    sd = float(d.std(ddof=1))
    half = float(sps.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    sem = sd / math.sqrt(2)
    src = float(sps.norm.ppf(0.5 + confidence / 2)) * math.sqrt(2) * sem
    return mean, mean - half, mean + half, sd, sem, src


def retest(measure: str, first: Scores, second: Scores, confidence: float = 0.95) -> Retest:
    """Every test–retest figure of one measure over its complete pairs (see the functions above)."""
    x, y = _vectors(first, second)
    r, r_low, r_high, note = pearson_ci(x, y, confidence)
    icc, icc_low, icc_high = icc_a1(np.column_stack([x, y]), confidence) if len(x) else (None, None, None)
    mean, low, high, sd, sem, src = change_stats(x, y, confidence)
    return Retest(
        measure=measure,
        n=len(x),
        r=r,
        r_low=r_low,
        r_high=r_high,
        icc=icc,
        icc_low=icc_low,
        icc_high=icc_high,
        mean_change=mean,
        change_low=low,
        change_high=high,
        sd_change=sd,
        sem=sem,
        src=src,
        note=note,
    )


def retest_table(pairs: pd.DataFrame, measures: Sequence[str], confidence: float = 0.95) -> pd.DataFrame:
    """One row per measure (columns ``COLUMNS``; None where undefined) from ``first:<m>``/``second:<m>`` columns."""
    missing = [f"{side}{m}" for m in measures for side in (FIRST, SECOND) if f"{side}{m}" not in pairs.columns]
    if missing:
        raise ValueError(f"the pairs frame has no column {', '.join(missing)}")
    rows = [asdict(retest(m, pairs[f"{FIRST}{m}"], pairs[f"{SECOND}{m}"], confidence)) for m in measures]
    # dtype object: an undefined figure stays None (with its note), not a NaN that reads like a number.
    return pd.DataFrame(rows, columns=COLUMNS, dtype=object)


def select_pairs(pairs: pd.DataFrame, campaigns: Sequence[str] = (), include_flagged: bool = False) -> pd.DataFrame:
    """The pairs the dashboard's choices cover: both attempts in the picked campaigns (all when none is
    picked) and, unless ``include_flagged``, neither attempt quality-flagged."""
    keep = pd.Series(True, index=pairs.index)
    if campaigns:
        chosen = set(campaigns)
        keep &= pairs["first_campaign"].isin(chosen) & pairs["second_campaign"].isin(chosen)
    if not include_flagged:
        keep &= ~(pairs["first_flagged"].astype(bool) | pairs["second_flagged"].astype(bool))
    return pairs[keep.to_numpy(dtype=bool)].reset_index(drop=True)


def one_per_chain(pairs: pd.DataFrame, order: str = "second_submitted_at") -> pd.DataFrame:
    """Each chain's earliest pair (by ``order``): one pair per candidate, so the pairs are independent."""
    if pairs.empty:
        return pairs.copy()
    for col in ("chain", order):
        if col not in pairs.columns:
            raise ValueError(f"the pairs frame has no column {col!r}")
    ranked = pairs.sort_values([order, "chain"], kind="stable")
    return ranked.drop_duplicates("chain", keep="first").reset_index(drop=True)


def publishable(table: pd.DataFrame, k: int, min_pairs: int = MIN_PAIRS) -> pd.DataFrame:
    """``table`` with every figure of a measure with fewer than max(k, min_pairs) pairs withheld (note ``HIDDEN``).

    Every statistic of such a row becomes None, and its n too when 0 < n < k (the k-anonymity rule of
    ``cohort.privacy``: a count that small is shown as "fewer than k"), so no small group can be read from it.
    """
    check_k(k)
    if isinstance(min_pairs, bool) or not isinstance(min_pairs, int) or min_pairs < 1:
        raise ValueError(f"min_pairs must be a positive integer, got {min_pairs!r}")
    out = table.copy().astype(object)
    n = out["n"].astype(int)
    hide = n < max(k, min_pairs)
    for col in COLUMNS:
        if col not in ("measure", "n", "note"):
            out.loc[hide, col] = None
    out.loc[small(n, k), "n"] = None
    out.loc[hide, "note"] = HIDDEN
    return out


def threshold(k: int, min_pairs: int = MIN_PAIRS) -> int:
    """The number of pairs (one per candidate) a measure needs before any figure of it is shown."""
    check_k(k)
    return max(k, min_pairs)


def agreement(icc: float | None) -> str | None:
    """Koo & Li's (2016) reading of an ICC: "poor" below 0.5, "moderate" to 0.75, "good" to 0.9, else "excellent".

    Koo, T. K., & Li, M. Y. (2016). A guideline of selecting and reporting intraclass correlation coefficients
    for reliability research. Journal of Chiropractic Medicine, 15(2), 155–163.
    """
    if icc is None or not np.isfinite(icc):
        return None
    return "poor" if icc < 0.5 else "moderate" if icc < 0.75 else "good" if icc < 0.9 else "excellent"
