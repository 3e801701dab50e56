"""Cohort summaries for the coach dashboard: k-anonymity, means with CIs, effect sizes, exports.

Pure functions over pandas frames (no streamlit, no SQL). Every function expects rows that
answered ONE questionnaire version (one content hash): scores of different versions are not on
the same instrument and must never be pooled, so the caller filters first and the dashboard
makes the coach pick a version.

Conventions
-----------
* A *scores frame* has one row per submitted response: a column per dimension id and
  ``overall`` (0–100), ``band`` (overall band id), and attribution columns (``recruiter``,
  ``campaign``, ``submitted_at``) where a function needs them.
* A *stats frame* is the summary of groups: group columns, then ``measure``, ``n``, ``mean``,
  ``sd`` (what SQL can return: count, mean and standard deviation per group), so the same
  functions serve a pandas summary of a sample and an SQL aggregate of a million rows.

k-anonymity
-----------
A group or cell with ``0 < n < k`` responses is *suppressed* (``suppress``): its values become
missing and its ``note`` says "fewer than k". Zero cells are kept (they reveal nobody). Because
the dashboard also shows totals, a lone suppressed cell would be recoverable by subtraction, so
the next-smallest cell of the same table is hidden with it (*complementary suppression*). Where
it keeps information, small groups are *merged* into one "Other" group before aggregating
(``merge_small``), topped up with the next-smallest groups until it reaches k. Row-level exports
are generalised instead (``generalise``): recruiter → campaign → week, until every visible
combination has at least k rows, and rows that cannot reach k are withheld.

This protects each figure shown. It does not stop someone comparing two different filter
selections (a total with and without one campaign); the role scoping of the dashboard is what
limits who can try.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from scoring.csvsafe import safe_frame
from scoring.models import ChoiceItem, ClaimItem, LikertItem, Questionnaire, TextItem

DEFAULT_K = 5
NOTE = "note"
OTHER = "Other (small groups)"
PROTECT = "hidden to protect a small group"
DIM_WEEK = "week"


def fewer_than(k: int) -> str:
    """The label shown in place of a suppressed figure."""
    return f"fewer than {k}"


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")


# ----- k-anonymity -------------------------------------------------------------------------------


def small(counts: pd.Series | np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the cells that must be hidden: 0 < n < k (a zero reveals nobody)."""
    _check_k(k)
    n = pd.to_numeric(pd.Series(np.asarray(counts)), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return (n > 0) & (n < k)


def _row_keys(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """One string per row joining the given columns (works on empty frames too)."""
    key = pd.Series("", index=frame.index, dtype=object)
    for col in columns:
        key = key + "\x1f" + frame[col].astype(str)
    return key


def hidden_cells(counts: pd.Series, k: int, groups: pd.Series | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(primary, complementary) masks of the cells to hide.

    Primary: 0 < n < k. Complementary: where a partition (``groups``; default the whole column)
    has exactly one primary cell, the smallest other non-zero cell is hidden too, because a
    single hidden count could be recovered by subtracting the visible cells from the total
    (which the dashboard shows).
    """
    primary = small(counts, k)
    extra = np.zeros(len(primary), dtype=bool)
    n = pd.to_numeric(pd.Series(np.asarray(counts)), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    keys = np.zeros(len(n)) if groups is None else pd.Series(np.asarray(groups, dtype=object)).astype(str).to_numpy()
    for key in pd.unique(keys):
        idx = np.flatnonzero(keys == key)
        if primary[idx].sum() != 1:
            continue
        candidates = [i for i in idx if not primary[i] and n[i] > 0]
        if candidates:
            extra[min(candidates, key=lambda i: (n[i], i))] = True
    return primary, extra


def suppress(
    df: pd.DataFrame,
    count_col: str,
    k: int,
    keep: Sequence[str] | None = None,
    complementary: bool = True,
    within: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Copy of ``df`` where rows with 0 < ``count_col`` < k lose every value but their labels.

    ``keep`` names the label columns left visible (default: the non-numeric columns, i.e. the
    group names); every other column, the count included, becomes missing (None/NaN) in those
    rows. A ``note`` column says "fewer than k" for them and is empty otherwise. With
    ``complementary`` (default) a lone hidden row per partition (``within`` columns, default the
    whole table) takes the smallest other row with it, noted "hidden to protect a small group".
    """
    _check_k(k)
    if count_col not in df.columns:
        raise ValueError(f"no column {count_col!r} to count groups by")
    out = df.copy()
    if keep is None:
        keep = [c for c in out.columns if c != count_col and not pd.api.types.is_numeric_dtype(out[c])]
    groups = _row_keys(out, within) if within else None
    primary, extra = hidden_cells(out[count_col], k, groups)
    if not complementary:
        extra[:] = False
    hide = primary | extra
    for col in out.columns:
        if col in keep or col == NOTE or not hide.any():
            continue
        if pd.api.types.is_bool_dtype(out[col]) or not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].astype(object)
            out.loc[hide, col] = None
        else:
            out[col] = out[col].astype(float)
            out.loc[hide, col] = np.nan
    out[NOTE] = np.where(primary, fewer_than(k), np.where(extra, PROTECT, ""))
    return out


def merge_small(labels: pd.Series, k: int, other: str = OTHER, top_up: bool = True) -> pd.Series:
    """Labels with the groups of fewer than k rows renamed ``other``.

    With ``top_up`` (the default, for aggregate tables), when the merged group would itself be
    smaller than k the next-smallest groups join it until it reaches k (or everything is merged),
    so no small group can be recovered by subtracting the shown groups from a total. Without it
    the merged group may stay small (row-level exports withhold those rows instead). Missing
    labels stay missing unless their group is merged.
    """
    _check_k(k)
    filled = labels.astype(object).where(labels.notna(), "\x00none")
    counts = filled.value_counts(sort=False)
    order = sorted(counts.index, key=lambda g: (counts[g], str(g)))
    merged: set[Hashable] = {g for g in order if counts[g] < k}
    total = sum(counts[g] for g in merged)
    joined: list[Hashable] = []  # groups of k or more folded in to bring "other" up to k
    for g in order:
        if not top_up or not merged or total >= k:
            break
        if g not in merged:
            merged.add(g)
            joined.append(g)
            total += counts[g]
    out = labels.astype(object).copy()
    if merged:
        # Name the large groups that were folded in, so a reader knows where they went.
        label = f"{other} + {', '.join(map(str, joined))}" if joined else other
        out[filled.isin(list(merged)).to_numpy()] = label
    return out


def generalise(frame: pd.DataFrame, hierarchy: Sequence[str], k: int, other: str | None = None) -> pd.DataFrame:
    """Row-level data made k-anonymous over the quasi-identifier columns in ``hierarchy``.

    Top-down: the first column's groups of fewer than k rows are merged under one label
    ("fewer than k"), then the second column's within each visible value of the first, and so on.
    Rows whose visible combination still has fewer than k rows (a merged group that stayed small)
    are withheld rather than folding a large group into it. Every visible combination of the
    returned frame has at least k rows; ``frame.attrs["withheld"]`` counts the rows left out.
    """
    _check_k(k)
    label = other or fewer_than(k)
    out = frame.copy()
    parents: list[str] = []
    for col in hierarchy:
        values = out[col].astype(object)
        if parents:
            keys = _row_keys(out, parents)
            parts = [merge_small(part, k, label, top_up=False) for _, part in values.groupby(keys, sort=False)]
            out[col] = pd.concat(parts).reindex(out.index) if parts else values
        else:
            out[col] = merge_small(values, k, label, top_up=False)
        parents.append(col)
        sizes = out.groupby(parents, dropna=False, sort=False)[col].transform("size")
        out = out[sizes >= k]
    out.attrs["withheld"] = len(frame) - len(out)
    return out


# ----- means, confidence intervals, effect sizes ------------------------------------------------


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


# ----- distributions, bands, trend, drop-off -----------------------------------------------------


def score_edges(boundaries: Iterable[float] = (), width: float = 5.0) -> np.ndarray:
    """Histogram edges over 0–100 every ``width`` points, with every band boundary added."""
    if width <= 0:
        raise ValueError("bin width must be positive")
    edges = set(np.round(np.arange(0.0, 100.0 + width / 2, width), 9).tolist())
    edges |= {float(b) for b in boundaries if 0 <= b <= 100}
    edges |= {0.0, 100.0}
    return np.array(sorted(edges))


def histogram_counts(values: Iterable[float], edges: Sequence[float] | np.ndarray) -> np.ndarray:
    """Counts per bin [e_i, e_i+1); the last bin includes 100, like the last band."""
    x = pd.to_numeric(pd.Series(values), errors="coerce").dropna().to_numpy(dtype=float)
    e = np.asarray(edges, dtype=float)
    idx = np.clip(np.searchsorted(e, x, side="right") - 1, 0, len(e) - 2)
    inside = (x >= e[0]) & (x <= e[-1])
    return np.bincount(idx[inside], minlength=len(e) - 1)


def histogram(
    values: Iterable[float] | None, edges: Sequence[float] | np.ndarray, k: int, counts: Sequence[int] | None = None
) -> pd.DataFrame:
    """Histogram table (bin_low, bin_high, n, share, note) with bins of 0 < n < k suppressed.

    Pass ``values`` (a sample or all scores) or precomputed ``counts`` (from SQL).
    """
    e = np.asarray(edges, dtype=float)
    n = np.asarray(counts if counts is not None else histogram_counts([] if values is None else values, e), dtype=float)
    if len(n) != len(e) - 1:
        raise ValueError(f"{len(e) - 1} bins but {len(n)} counts")
    total = n.sum()
    table = pd.DataFrame(
        {"bin_low": e[:-1], "bin_high": e[1:], "n": n, "share": n / total if total else np.zeros_like(n)}
    )
    return suppress(table, "n", k, keep=["bin_low", "bin_high"])


def band_split(bands: pd.Series | pd.DataFrame, band_ids: Sequence[str], labels: Sequence[str], k: int) -> pd.DataFrame:
    """Count and share per overall band (every band listed, in order), small bands suppressed.

    ``bands`` is either one band id per response, or a frame with ``band`` and ``n`` columns
    (SQL counts).
    """
    counts = bands.groupby("band")["n"].sum() if isinstance(bands, pd.DataFrame) else bands.value_counts()
    n = np.array([float(counts.get(b, 0)) for b in band_ids])
    total = n.sum()
    table = pd.DataFrame({"band": list(band_ids), "label": list(labels), "n": n})
    table["share"] = n / total if total else 0.0
    return suppress(table, "n", k, keep=["band", "label"])


def week_start(when: pd.Series) -> pd.Series:
    """Monday 00:00 (UTC, without zone) of each timestamp's ISO week."""
    ts = pd.to_datetime(when, utc=True).dt.tz_convert(None)
    return (ts - pd.to_timedelta(ts.dt.day_of_week, unit="D")).dt.normalize()


def weekly_trend(
    frame: pd.DataFrame, k: int, when: str = "submitted_at", measure: str = "overall", confidence: float = 0.95
) -> pd.DataFrame:
    """Responses and mean score per ISO week (week, n, mean, sd, ci_low, ci_high, note)."""
    if frame.empty:
        return suppress(pd.DataFrame(columns=[DIM_WEEK, "n", "mean", "sd", "ci_low", "ci_high"]), "n", k, [DIM_WEEK])
    data = pd.DataFrame({DIM_WEEK: week_start(frame[when]), "x": pd.to_numeric(frame[measure], errors="coerce")})
    g = data.groupby(DIM_WEEK)["x"]
    stats = pd.DataFrame({"n": g.count(), "mean": g.mean(), "sd": g.std(ddof=1)}).reset_index()
    return trend_table(stats, k, confidence)


def trend_table(stats: pd.DataFrame, k: int, confidence: float = 0.95) -> pd.DataFrame:
    """Weekly stats (week, n, mean, sd — from pandas or SQL) with CIs, sorted, small weeks suppressed."""
    table = with_ci(stats.sort_values(DIM_WEEK).reset_index(drop=True), confidence)
    return suppress(table, "n", k, keep=[DIM_WEEK])


def dropoff(last_pages: pd.Series | pd.DataFrame, page_titles: Sequence[str], k: int) -> pd.DataFrame:
    """Unfinished responses by the last page reached (page, title, n, share, note).

    ``last_pages`` holds 0-based page numbers (one per unfinished response), or is a frame with
    ``page`` and ``n`` columns (SQL counts). Pages beyond the list are counted on the last page.
    """
    if isinstance(last_pages, pd.DataFrame):
        pages = last_pages["page"].astype(int).clip(0, len(page_titles) - 1)
        counts = last_pages["n"].groupby(pages.to_numpy()).sum()
    else:
        pages = pd.to_numeric(last_pages, errors="coerce").dropna().astype(int).clip(0, len(page_titles) - 1)
        counts = pages.value_counts()
    n = np.array([float(counts.get(i, 0)) for i in range(len(page_titles))])
    total = n.sum()
    table = pd.DataFrame({"page": np.arange(1, len(page_titles) + 1), "title": list(page_titles), "n": n})
    table["share"] = n / total if total else 0.0
    return suppress(table, "n", k, keep=["page", "title"])


@dataclass(frozen=True)
class Headline:
    """The dashboard's headline figures (None where hidden: fewer than k completed)."""

    started: int
    completed: int
    completion_rate: float | None
    median_duration_seconds: float | None
    share_rate: float | None
    hidden: bool  # completed responses are fewer than k: rates and durations are withheld


def headline(started: int, completed: int, shared: int, median_duration: float | None, k: int) -> Headline:
    """Headline figures from counts; rates and the median are withheld when 0 < completed < k."""
    _check_k(k)
    if completed > started:
        raise ValueError(f"completed ({completed}) cannot exceed started ({started})")
    hidden = bool(small([completed], k)[0])
    if hidden or completed == 0:
        return Headline(started, completed, None, None, None, hidden)
    med = None if median_duration is None or not np.isfinite(median_duration) else float(median_duration)
    return Headline(started, completed, completed / started if started else None, med, shared / completed, hidden)


# ----- codebook and export ------------------------------------------------------------------------

CODEBOOK_COLUMNS = ["column", "kind", "section", "text", "dimension", "reverse_keyed", "scale", "options", "weight"]

ATTRIBUTION = {
    "response": "Pseudonymous response id (not linked to a person).",
    "questionnaire": "Questionnaire id.",
    "version": "Questionnaire version.",
    "content_hash": "SHA-256 of the exact questionnaire version answered (never pooled across versions).",
    "recruiter": "Recruiter whose link was used; '{small}' where that group is small.",
    "campaign": "Campaign of the link; '{small}' where that group is small.",
    "week": "Monday of the ISO week of submission (UTC); '{small}' where that group is small.",
    "duration_minutes": "Time from start to submission, rounded to the minute.",
}
TRAILING = {
    "overall": "Overall score, 0 (tactical) … 100 (strategic).",
    "band": "Overall band id.",
    "flags": "Response-quality flags, ';'-separated (see the dashboard's quality panel).",
    "shared": "The candidate shared the result with the recruiter.",
    "contact_name": "Contact name; only with the candidate's consent and a role allowed to see it.",
    "contact_email": "Contact email; only with the candidate's consent and a role allowed to see it.",
}


def _scale_text(q: Questionnaire, scale_id: str) -> str:
    scale = q.scales[scale_id]
    return f"{scale_id} ({scale.label}): " + "; ".join(f"{p.value}={p.label}" for p in scale.points)


def codebook(q: Questionnaire, include_contact: bool = False, k: int = DEFAULT_K) -> pd.DataFrame:
    """One row per column of the responses export: attribution, every item, scores, flags.

    Items: id, section, text, dimension(s), reverse key, scale (values and labels) or options
    (id, label and per-dimension score), weight. Claim items (statements naming things that do not
    exist) are exported as raw scale answers and marked as not scored. Free-text items are described
    but marked as not exported (their content can identify a person).
    """
    small = fewer_than(k)
    rows: list[dict[str, object]] = [
        {"column": c, "kind": "attribution", "text": t.format(small=small)} for c, t in ATTRIBUTION.items()
    ]
    for section in q.sections:
        for item in section.items:
            row: dict[str, object] = {"column": item.id, "section": section.title, "text": item.text}
            if isinstance(item, LikertItem):
                row.update(
                    kind="likert",
                    dimension=item.dimension,
                    reverse_keyed=item.reverse,
                    scale=_scale_text(q, item.scale),
                    weight=item.weight,
                )
            elif isinstance(item, ChoiceItem):
                opts = []
                for o in item.options:
                    scores = ", ".join(f"{d} {o.scores.get(d, 0.0):g}" for d in item.dimensions())
                    opts.append(f"{o.id}={o.label} [{scores}]")
                row.update(
                    kind="choice",
                    dimension=", ".join(item.dimensions()),
                    reverse_keyed=False,
                    options="; ".join(opts),
                    weight=item.weight,
                )
            elif isinstance(item, ClaimItem):
                # Exported as the raw answer, for the over-claiming flag; it scores no dimension.
                row.update(kind="claim (not scored)", reverse_keyed=False, scale=_scale_text(q, item.scale))
            else:
                assert isinstance(item, TextItem)
                row.update(kind="text (not exported)", reverse_keyed=False)
            rows.append(row)
    for dim in q.dimensions:
        rows.append({"column": dim.id, "kind": "score", "dimension": dim.id, "text": f"{dim.name} score, 0–100."})
    rows += [{"column": c, "kind": "derived", "text": t} for c, t in TRAILING.items()]
    if not include_contact:
        rows = [r for r in rows if not str(r["column"]).startswith("contact_")]
    return pd.DataFrame(rows, columns=CODEBOOK_COLUMNS)


def export_columns(q: Questionnaire, include_contact: bool) -> list[str]:
    """The responses export's columns, in order (those of ``codebook`` minus unexported text)."""
    book = codebook(q, include_contact)
    return book.loc[book["kind"] != "text (not exported)", "column"].tolist()


def responses_export(frame: pd.DataFrame, q: Questionnaire, k: int, include_contact: bool) -> pd.DataFrame:
    """Row-level export: attribution, answers, scores, band, flags; k-anonymous and formula-safe.

    ``frame`` has one row per submitted response of ``q`` (a ``content_hash`` column, if present,
    must hold only q's hash) with ``response``, ``recruiter``, ``campaign``, ``submitted_at``,
    ``duration_seconds``, item answers, dimension scores, ``overall``, ``band``, ``flags`` (codes,
    a list or ';'-joined), ``shared``, and when contact may be shown ``contact_consent``,
    ``contact_name``, ``contact_email``. Quasi-identifiers are coarsened: the submission time to
    its week, the duration to minutes; then recruiter → campaign → week are generalised until
    every visible combination has at least k rows (fewer than k rows in all: no rows).
    Contact details appear only when ``include_contact`` (the viewer's role allows it) AND the
    row's ``contact_consent`` is true. Every text cell is made formula-safe.
    """
    _check_k(k)
    if "content_hash" in frame.columns and frame["content_hash"].nunique(dropna=True) > 1:
        raise ValueError("responses of different questionnaire versions must not be exported together")
    columns = export_columns(q, include_contact)
    out = pd.DataFrame(index=frame.index)
    out["response"] = frame.get("response", pd.Series(range(1, len(frame) + 1), index=frame.index)).astype(str)
    out["questionnaire"] = q.meta.id
    out["version"] = q.meta.version
    out["content_hash"] = q.content_hash
    for col in ("recruiter", "campaign"):
        out[col] = frame[col].astype(object).where(frame[col].notna(), "(none)") if col in frame else "(none)"
    out["week"] = week_start(frame["submitted_at"]).dt.strftime("%Y-%m-%d") if len(frame) else pd.Series(dtype=str)
    dur = pd.to_numeric(frame.get("duration_seconds", pd.Series(np.nan, index=frame.index)), errors="coerce")
    out["duration_minutes"] = (dur / 60).round().astype("Int64")
    for col in columns:
        if col in out.columns or col.startswith("contact_") or col in ("flags", "shared"):
            continue
        out[col] = frame[col] if col in frame.columns else None
    flags = frame.get("flags", pd.Series([[]] * len(frame), index=frame.index, dtype=object))
    out["flags"] = flags.map(lambda v: ";".join(v) if isinstance(v, (list, tuple, set)) else ("" if v is None else v))
    out["shared"] = frame["shared"].astype(bool) if "shared" in frame.columns else False
    if include_contact:
        consent = frame.get("contact_consent", pd.Series(False, index=frame.index)).fillna(False).astype(bool)
        for col in ("contact_name", "contact_email"):
            values = frame[col] if col in frame.columns else pd.Series(None, index=frame.index, dtype=object)
            out[col] = values.astype(object).where(consent, None)
    out = generalise(out.reset_index(drop=True), ["recruiter", "campaign", "week"], k)
    return safe_frame(out[columns])


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """RFC 4180 CSV (CRLF rows, UTF-8 with a BOM so spreadsheets read accents right).

    CRLF matters for safety too: with a bare "\\n" terminator pandas leaves a lone carriage return
    in a cell unquoted, and a reader then splits the row there.
    """
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


# ----- the dashboard's view of one questionnaire version ----------------------------------------


@dataclass(frozen=True)
class View:
    """Every table the dashboard shows, already k-suppressed."""

    headline: Headline
    scored: int  # submitted responses behind the score figures (after the quality filter)
    flagged_excluded: int  # submitted responses left out because they carry a quality flag
    overall: pd.DataFrame  # histogram
    dimensions: dict[str, pd.DataFrame]  # histogram per dimension
    bands: pd.DataFrame
    comparison: pd.DataFrame
    trend: pd.DataFrame
    dropoff: pd.DataFrame
    flags: pd.DataFrame


def flag_counts(flags: pd.Series, labels: dict[str, str], k: int) -> pd.DataFrame:
    """Responses per quality flag (a response can carry several), plus any/none; small counts suppressed."""
    lists = flags.map(lambda v: list(v) if isinstance(v, (list, tuple, set)) else [])
    rows = [
        {"part": "flag", "flag": code, "label": label, "n": int(lists.map(lambda f, c=code: c in f).sum())}
        for code, label in labels.items()
    ]
    any_flag = int(lists.map(bool).sum())
    rows.append({"part": "summary", "flag": "any", "label": "At least one flag", "n": any_flag})
    rows.append({"part": "summary", "flag": "none", "label": "No flag", "n": len(lists) - any_flag})
    table = pd.DataFrame(rows, columns=["part", "flag", "label", "n"])
    table["share"] = table["n"] / len(lists) if len(lists) else 0.0
    # "any" + "none" is the total shown in the headline, so that pair is protected as a unit.
    out = suppress(table, "n", k, keep=["part", "flag", "label"], within=["part"])
    return out.drop(columns=["part"])


def build_view(
    q: Questionnaire,
    frame: pd.DataFrame,
    k: int,
    *,
    flag_labels: dict[str, str],
    group_col: str = "campaign",
    groups: Sequence[str] | None = None,
    include_flagged: bool = False,
    bin_width: float = 5.0,
) -> View:
    """All dashboard tables from one frame of responses (started ones included) to ONE version ``q``.

    ``frame`` has ``submitted_at`` (missing while unfinished), ``duration_seconds``, ``page``,
    ``overall``, ``band``, a column per dimension, ``flags`` (list of codes), ``shared`` and the
    attribution column ``group_col``. Headline counts and drop-off use every response; score
    figures use submitted responses, without quality-flagged ones unless ``include_flagged``.
    Groups for the comparison are ``groups`` (default: all), small ones merged into "Other".
    """
    if "content_hash" in frame.columns and frame["content_hash"].nunique(dropna=True) > 1:
        raise ValueError("responses of different questionnaire versions must not be pooled")
    done = frame["submitted_at"].notna()
    completed = frame[done]
    durations = pd.to_numeric(completed["duration_seconds"], errors="coerce").dropna()
    head = headline(
        started=len(frame),
        completed=len(completed),
        shared=int(completed["shared"].astype(bool).sum()),
        median_duration=float(durations.median()) if len(durations) else None,
        k=k,
    )
    flagged = completed["flags"].map(lambda v: bool(len(v)) if isinstance(v, (list, tuple, set)) else False)
    scored = completed if include_flagged else completed[~flagged.to_numpy(dtype=bool)]
    dims = [d.id for d in q.dimensions]
    edges = score_edges([b.min for b in q.bands.overall[1:]], bin_width)
    dim_edges = score_edges([b.min for b in q.bands.dimension[1:]], bin_width)

    chosen = scored if not groups else scored[scored[group_col].isin(list(groups))]
    labelled = chosen.assign(**{group_col: merge_small(chosen[group_col].astype(object).fillna("(none)"), k)})
    comparison = compare_groups(describe(labelled, [group_col], [*dims, "overall"]), group_col, k)

    unfinished = frame.loc[~done, "page"]
    return View(
        headline=head,
        scored=len(scored),
        flagged_excluded=0 if include_flagged else int(flagged.sum()),
        overall=histogram(scored["overall"], edges, k),
        dimensions={d: histogram(scored[d], dim_edges, k) for d in dims},
        bands=band_split(scored["band"], [b.id for b in q.bands.overall], [b.label for b in q.bands.overall], k),
        comparison=comparison,
        trend=weekly_trend(scored, k),
        dropoff=dropoff(unfinished, [s.title for s in q.sections], k),
        flags=flag_counts(completed["flags"], flag_labels, k),
    )


# ----- from the store's frame to the export --------------------------------------------------------


def pseudonym(public_id: str) -> str:
    """A stable export id for a response that matches nothing the candidate or a recruiter sees."""
    return hashlib.sha256(f"career-radar-export:{public_id}".encode()).hexdigest()[:16]


def export_input(frame: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """The store's responses frame (``response_id``, ``recruiter_id``, …, a column per dimension and per
    item id) renamed to what ``responses_export`` reads. Contact consent is the candidate's sharing
    choice, the only consent under which contact details are stored."""
    out = frame.rename(columns={"recruiter_id": "recruiter"})
    out["response"] = out["response_id"].astype(str).map(pseudonym) if "response_id" in out else None
    out["contact_consent"] = out["shared"].astype(bool) if "shared" in out else False
    return out


def item_frame(frame: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Just the item answer columns of a store frame, named by item id (for the reliability functions)."""
    columns = {item.id: frame[item.id] for item in q.scored_items() if item.id in frame.columns}
    return pd.DataFrame(columns, index=frame.index)
