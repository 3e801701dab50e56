"""Psychometrics of a questionnaire: Cronbach's α with a Feldt confidence interval and item statistics.

Everything works on an item-score matrix (rows = respondents, columns = items, NaN = unanswered).
For a questionnaire the matrix of a dimension is its *keyed* item scores (0–1, reverse keys
applied, choice items scored on that dimension), so a well-keyed item correlates positively with
the rest of its dimension.

Missing answers
---------------
By default the item covariance matrix is computed *pairwise*: each covariance uses the respondents
who answered both items (pandas ``DataFrame.cov``, as pingouin does and as
``psych::alpha(use="pairwise")`` does in R). ``nan_policy="listwise"`` first drops every respondent
with a missing answer. The sample size ``n`` used for the confidence interval is the number of
respondents who answered at least two of the items (pairwise) or every item (listwise): a
respondent with a single answer contributes to no covariance, so counting them would make the
interval look narrower than the data justify. With complete data both rules give the full count,
and on pingouin's published example they give pingouin's n.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import f as f_dist

from scoring.engine import keyed_matrix, plan
from scoring.models import Questionnaire

NanPolicy = Literal["pairwise", "listwise"]


@dataclass(frozen=True)
class Alpha:
    """Cronbach's α of a set of items with its confidence interval."""

    alpha: float
    ci_low: float
    ci_high: float
    n: int  # respondents behind the interval (see the module docstring)
    k: int  # items


def _as_frame(matrix: pd.DataFrame | np.ndarray) -> pd.DataFrame:
    """A float DataFrame from a numeric matrix; ValueError for anything else."""
    if isinstance(matrix, pd.DataFrame):
        bad = [str(c) for c in matrix.columns if matrix[c].dtype.kind not in "biuf"]
        if bad:
            raise ValueError(f"all columns must be numeric; not numeric: {', '.join(bad)}")
        frame = matrix.astype(float)
    elif isinstance(matrix, np.ndarray):
        if matrix.ndim != 2:
            raise ValueError(f"the matrix must be 2-D (respondents × items), got {matrix.ndim}-D")
        if matrix.dtype.kind not in "biuf":
            raise ValueError(f"the matrix must be numeric, got dtype {matrix.dtype}")
        frame = pd.DataFrame(matrix.astype(float))
    else:
        raise ValueError(f"expected a DataFrame or a numpy array, got {type(matrix).__name__}")
    values = frame.to_numpy()
    if np.isinf(values).any():
        raise ValueError("the matrix contains infinite values")
    return frame


def _covariance(frame: pd.DataFrame) -> np.ndarray:
    """Item covariance matrix (ddof=1), pairwise-complete when answers are missing."""
    values = frame.to_numpy()
    if not np.isnan(values).any():
        return np.atleast_2d(np.cov(values, rowvar=False))
    return frame.cov(min_periods=2).to_numpy()


def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    total = cov.sum()
    if np.isnan(total):
        raise ValueError("some pair of items has fewer than two respondents in common; alpha is undefined")
    if total <= 0:
        raise ValueError(
            "the total score has no variance (the summed covariances are not positive); alpha is undefined"
        )
    return float(k / (k - 1) * (1.0 - np.trace(cov) / total))


def _prepare(matrix: pd.DataFrame | np.ndarray, nan_policy: str) -> tuple[pd.DataFrame, int]:
    """Checked float frame after the missing-data policy, and the n for the interval."""
    if nan_policy not in ("pairwise", "listwise"):
        raise ValueError(f"nan_policy must be 'pairwise' or 'listwise', not {nan_policy!r}")
    frame = _as_frame(matrix)
    if frame.shape[1] < 2:
        raise ValueError(f"at least two items are needed, got {frame.shape[1]}")
    answered = frame.notna().sum(axis=1).to_numpy()
    if nan_policy == "listwise":
        frame = frame[answered == frame.shape[1]]
        n = len(frame)
    else:
        n = int((answered >= 2).sum())
    if n < 2:
        raise ValueError(f"at least two respondents are needed, got {n}")
    return frame, n


def cronbach_alpha(matrix: pd.DataFrame | np.ndarray, ci: float = 0.95, nan_policy: NanPolicy = "pairwise") -> Alpha:
    """Cronbach's α of an n × k item-score matrix, with Feldt's confidence interval.

    With C the k × k item covariance matrix (ddof = 1),

        α = k / (k − 1) · (1 − tr(C) / ΣC)

    i.e. one minus the share of the total-score variance (ΣC) that is item variance (tr C),
    scaled by k / (k − 1) (Cronbach, 1951). α ≤ 1 and is negative when the items covary
    negatively on balance.

    The confidence interval follows Feldt, Woodruff & Salih (1987): (1 − α̂)/(1 − α) follows an
    F distribution with df1 = n − 1 and df2 = (n − 1)(k − 1), so with a = 1 − ci

        low  = 1 − (1 − α̂) · F⁻¹(1 − a/2; df1, df2)
        high = 1 − (1 − α̂) · F⁻¹(a/2; df1, df2)

    These are the definitions of ``pingouin.cronbach_alpha`` (which matches R's ``psych::alpha``);
    the interval here is not rounded. See the module docstring for the missing-answer policy
    and for how n is counted.

    References: Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16(3), 297–334. Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987).
    Statistical inference for coefficient alpha. Applied Psychological Measurement, 11(1), 93–103.

    Raises ValueError for fewer than two items or respondents, non-numeric or infinite values,
    a ci outside (0, 1), an unknown nan_policy, or data on which α is undefined (no total
    variance, or a pair of items never answered together).
    """
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1, got {ci}")
    frame, n = _prepare(matrix, nan_policy)
    return _alpha_with_ci(_covariance(frame), n, ci)


def _alpha_with_ci(cov: np.ndarray, n: int, ci: float) -> Alpha:
    """α of a covariance matrix with Feldt's interval for n respondents (see ``cronbach_alpha``)."""
    k = cov.shape[0]
    alpha = _alpha_from_cov(cov)
    tail = (1.0 - ci) / 2.0
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1.0 - (1.0 - alpha) * float(f_dist.isf(tail, df1, df2))
    high = 1.0 - (1.0 - alpha) * float(f_dist.isf(1.0 - tail, df1, df2))
    return Alpha(alpha=alpha, ci_low=low, ci_high=high, n=n, k=k)


def item_stats(matrix: pd.DataFrame | np.ndarray, nan_policy: NanPolicy = "pairwise") -> pd.DataFrame:
    """Per item: mean, sd, n, corrected item–total correlation ``r_it`` and ``alpha_if_deleted``.

    mean, sd (ddof = 1) and n use each item's own answers. The corrected item–total correlation
    of item i is the correlation of the item with the sum of the *other* items, computed from
    the same covariance matrix C as α (so missing answers follow ``nan_policy``):

        r_it(i) = Σ_{j≠i} C_ij / sqrt(C_ii · Σ_{j≠i} Σ_{l≠i} C_jl)

    With complete data this equals the Pearson correlation of the item with the rest score; it
    is what ``psych::alpha`` reports as ``r.drop``. A negative r_it usually means a mis-keyed
    item. ``alpha_if_deleted`` is α of the remaining items (NaN when fewer than two would
    remain). Rows are indexed by the matrix's column names.

    Raises ValueError on the same input problems as ``cronbach_alpha``.
    """
    frame, _ = _prepare(matrix, nan_policy)
    rows = []
    for i, (r_it, alpha_del) in enumerate(_item_total(_covariance(frame))):
        col = frame.iloc[:, i]
        rows.append(
            {
                "mean": float(col.mean()),
                "sd": float(col.std(ddof=1)),
                "n": int(col.notna().sum()),
                "r_it": r_it,
                "alpha_if_deleted": alpha_del,
            }
        )
    return pd.DataFrame(rows, index=pd.Index(frame.columns, name="item"))


def _item_total(cov: np.ndarray) -> list[tuple[float, float]]:
    """(r_it, alpha_if_deleted) per item of a covariance matrix (see ``item_stats``)."""
    k = cov.shape[0]
    out = []
    for i in range(k):
        rest = [j for j in range(k) if j != i]
        cov_rest = cov[i, rest].sum()
        var_rest = cov[np.ix_(rest, rest)].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            r_it = float(cov_rest / np.sqrt(cov[i, i] * var_rest)) if cov[i, i] > 0 and var_rest > 0 else np.nan
        alpha_del = np.nan
        if len(rest) >= 2:
            try:
                alpha_del = _alpha_from_cov(cov[np.ix_(rest, rest)])
            except ValueError:
                alpha_del = np.nan
        out.append((r_it, alpha_del))
    return out


TABLE_COLUMNS = ["dimension", "item", "alpha", "ci_low", "ci_high", "n", "k", "mean", "sd", "r_it", "alpha_if_deleted"]


def dimension_matrix(q: Questionnaire, frame: pd.DataFrame, dim: str) -> pd.DataFrame:
    """Keyed item scores (0–1, reverse keys applied) of one dimension, a column per item id."""
    values, _ = keyed_matrix(q, frame, dim)
    ids = [ld.item_id for ld in plan(q).loadings[dim]]
    return pd.DataFrame(values, columns=ids, index=frame.index)


def dimension_alphas(q: Questionnaire, frame: pd.DataFrame, ci: float = 0.95) -> dict[str, Alpha | None]:
    """Cronbach's α with CI per dimension (None where α cannot be computed on these answers)."""
    out: dict[str, Alpha | None] = {}
    for dim in plan(q).dims:
        matrix = _usable(dimension_matrix(q, frame, dim))
        try:
            out[dim] = cronbach_alpha(matrix, ci=ci)
        except ValueError:
            out[dim] = None
    return out


def _usable(matrix: pd.DataFrame) -> pd.DataFrame:
    """Drop items with fewer than two answers: they carry no covariance and would void α."""
    return matrix.loc[:, matrix.notna().sum(axis=0) >= 2]


def reliability_table(q: Questionnaire, frame: pd.DataFrame, ci: float = 0.95) -> pd.DataFrame:
    """The psychometrics table of a set of responses, one block per dimension.

    Each dimension gets a summary row (``item`` is empty) with α, its CI, n and k, followed by
    one row per item with mean, sd and n of its keyed 0–1 score, r_it and alpha_if_deleted.
    Items come from ``keyed_matrix``: Likert items with reverse keys applied and every choice
    item that scores the dimension. Items with fewer than two answers are left out of α and
    shown with NaN statistics; a dimension whose α is undefined shows NaN in the summary row.
    Answers are expected to be checked (``engine.check_frame``); unreadable cells count as missing.
    """
    rows: list[dict[str, object]] = []
    for dim in plan(q).dims:
        full = dimension_matrix(q, frame, dim)
        usable = _usable(full)
        summary: dict[str, object] = {"dimension": dim, "item": "", "k": full.shape[1]}
        stats = None
        try:
            a = cronbach_alpha(usable, ci=ci)
            summary.update(alpha=a.alpha, ci_low=a.ci_low, ci_high=a.ci_high, n=a.n, k=a.k)
            stats = item_stats(usable)
        except ValueError:
            summary["n"] = int((full.notna().sum(axis=1) >= 2).sum())
        rows.append(summary)
        for item_id in full.columns:
            col = full[item_id]
            n = int(col.notna().sum())
            row: dict[str, object] = {"dimension": dim, "item": item_id, "n": n}
            row["mean"] = float(col.mean()) if n else np.nan
            row["sd"] = float(col.std(ddof=1)) if n >= 2 else np.nan
            if stats is not None and item_id in stats.index:
                row.update(r_it=stats.at[item_id, "r_it"], alpha_if_deleted=stats.at[item_id, "alpha_if_deleted"])
            rows.append(row)
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    table["n"] = table["n"].astype("Int64")
    table["k"] = table["k"].astype("Int64")
    return table


class ReliabilityAccumulator:
    """``reliability_table`` of responses added chunk by chunk, from sufficient statistics.

    Per dimension it keeps, for every pair of items (i, j) over the respondents who answered both,
    the count n_ij and the sums Σx_i, Σx_i² and Σx_i·x_j of the keyed scores (shifted by 0.5 to keep
    the sums small), so memory does not grow with the number of responses. The pairwise covariance
    is then (Σx_i·x_j − Σx_i·Σx_j / n_ij) / (n_ij − 1), the same as ``DataFrame.cov(min_periods=2)``;
    an item's mean and sd come from the diagonal (its own answers). The n of the interval (respondents
    with two or more answers among the items kept) needs the answered-pattern of the rare rows in
    which an item answered fewer than twice overall was answered; those patterns are kept aside.
    Answers are expected checked, as for ``reliability_table``.
    """

    SHIFT = 0.5  # keyed scores are 0–1: centring near the middle keeps the raw sums well conditioned

    def __init__(self, q: Questionnaire) -> None:
        self.q = q
        self.rows = 0
        self.sums: dict[str, dict[str, Any]] = {}
        for dim in plan(q).dims:
            k = len(plan(q).loadings[dim])
            zeros = np.zeros((k, k))
            self.sums[dim] = {
                "n": zeros.copy(),  # n[i, j]: respondents who answered both
                "sx": zeros.copy(),  # sx[i, j]: Σ x_i over them
                "sxy": zeros.copy(),  # sxy[i, j]: Σ x_i x_j over them
                "two": 0,  # respondents with two or more answers in the dimension
                "lonely": {},  # item → (row, answered pattern) while the item has a single answer
            }

    def add(self, frame: pd.DataFrame) -> None:
        """Add a chunk of responses (the rows of ``frame``)."""
        cache: dict[str, np.ndarray] = {}
        for dim, acc in self.sums.items():
            values, _ = keyed_matrix(self.q, frame, dim, cache=cache)
            answered = ~np.isnan(values)
            mask = answered.astype(float)
            x = np.where(answered, values - self.SHIFT, 0.0)
            before = np.diag(acc["n"]).copy()
            acc["n"] += mask.T @ mask
            acc["sx"] += x.T @ mask
            acc["sxy"] += x.T @ x
            acc["two"] += int((answered.sum(axis=1) >= 2).sum())
            for j in np.flatnonzero(before < 2):
                total = acc["n"][j, j]
                if total >= 2:
                    acc["lonely"].pop(j, None)
                elif total == 1 and before[j] == 0:
                    row = int(np.flatnonzero(answered[:, j])[0])
                    acc["lonely"][j] = (self.rows + row, answered[row].copy())
        self.rows += len(frame)

    def table(self, ci: float = 0.95) -> pd.DataFrame:
        """The table ``reliability_table`` gives on all the rows added."""
        rows: list[dict[str, Any]] = []
        for dim, acc in self.sums.items():
            ids = [ld.item_id for ld in plan(self.q).loadings[dim]]
            n, sx, sxy = acc["n"], acc["sx"], acc["sxy"]
            with np.errstate(invalid="ignore", divide="ignore"):
                cov = np.where(n >= 2, (sxy - sx * sx.T / n) / (n - 1), np.nan)
            own = np.diag(n)
            usable = own >= 2
            summary: dict[str, Any] = {"dimension": dim, "item": "", "k": len(ids)}
            try:
                if usable.sum() < 2:
                    raise ValueError("at least two items are needed")
                patterns = dict(acc["lonely"].values())  # row → pattern, each row once
                two = acc["two"] + sum(int(p[usable].sum() >= 2) - int(p.sum() >= 2) for p in patterns.values())
                if two < 2:
                    raise ValueError("at least two respondents are needed")
                kept = cov[np.ix_(usable, usable)]
                a = _alpha_with_ci(kept, two, ci)
                summary.update(alpha=a.alpha, ci_low=a.ci_low, ci_high=a.ci_high, n=a.n, k=a.k)
                stats = dict(zip((int(i) for i in np.flatnonzero(usable)), _item_total(kept), strict=True))
            except ValueError:
                summary["n"] = acc["two"]
                stats = {}
            rows.append(summary)
            for i, item_id in enumerate(ids):
                count = own[i]
                row: dict[str, Any] = {"dimension": dim, "item": item_id, "n": int(count)}
                with np.errstate(invalid="ignore", divide="ignore"):
                    row["mean"] = float(sx[i, i] / count + self.SHIFT) if count else np.nan
                    row["sd"] = float(np.sqrt(max(cov[i, i], 0.0))) if count >= 2 else np.nan  # never √(−1e-17)
                if i in stats:
                    row.update(r_it=stats[i][0], alpha_if_deleted=stats[i][1])
                rows.append(row)
        table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
        table["n"] = table["n"].astype("Int64")
        table["k"] = table["k"].astype("Int64")
        return table
