"""Cohort summaries for the coach dashboard: distributions, trend, drop-off, and the dashboard's View.

Pure functions over pandas frames (no streamlit, no SQL). Every function expects rows that
answered ONE instrument (one scoring key; its translations share it): scores of different keys are
not on the same instrument and must never be pooled, so the caller filters first and the dashboard
makes the coach pick a scoring key.

A *scores frame* has one row per submitted response: a column per dimension id and ``overall``
(0–100), ``band`` (overall band id), and attribution columns (``recruiter``, ``campaign``,
``submitted_at``) where a function needs them. The pieces it builds on live beside it:

* ``cohort.privacy`` — k-anonymity: ``suppress`` small cells, ``merge_small`` groups, ``generalise`` export rows;
* ``cohort.stats`` — means with confidence intervals, Cohen's d / Hedges' g, ``describe`` and ``compare_groups``;
* ``cohort.export`` — the codebook, the row-level responses export and ``csv_bytes``.

The dashboard and its tests use one name for all of it (``agg.suppress``, ``agg.codebook``), so this
module re-exports what they call from those three.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cohort.export import codebook as codebook
from cohort.export import csv_bytes as csv_bytes
from cohort.export import export_columns as export_columns
from cohort.export import export_input as export_input
from cohort.export import item_frame as item_frame
from cohort.export import one_instrument as one_instrument
from cohort.export import pseudonym as pseudonym
from cohort.export import responses_export as responses_export
from cohort.privacy import DEFAULT_K as DEFAULT_K
from cohort.privacy import NOTE as NOTE
from cohort.privacy import OTHER as OTHER
from cohort.privacy import PROTECT as PROTECT
from cohort.privacy import check_k, small
from cohort.privacy import fewer_than as fewer_than
from cohort.privacy import generalise as generalise
from cohort.privacy import merge_small as merge_small
from cohort.privacy import suppress as suppress
from cohort.privacy import week_start as week_start
from cohort.stats import cohens_d as cohens_d
from cohort.stats import cohens_d_from_stats as cohens_d_from_stats
from cohort.stats import compare_groups as compare_groups
from cohort.stats import describe as describe
from cohort.stats import hedges_correction as hedges_correction
from cohort.stats import mean_ci as mean_ci
from cohort.stats import with_ci as with_ci
from scoring.models import Questionnaire

DIM_WEEK = "week"


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
    check_k(k)
    if completed > started:
        raise ValueError(f"completed ({completed}) cannot exceed started ({started})")
    hidden = bool(small([completed], k)[0])
    if hidden or completed == 0:
        return Headline(started, completed, None, None, None, hidden)
    med = None if median_duration is None or not np.isfinite(median_duration) else float(median_duration)
    return Headline(started, completed, completed / started if started else None, med, shared / completed, hidden)


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
    one_instrument(frame, q)
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
