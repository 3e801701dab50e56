"""The coach dashboard's first render (headline and Scores tab) from the database's summary, not from rows.

The store (``Store.response_summary``) groups the matching responses by a few keys and counts them
(rows, shared, histogram bins per measure); ``SummaryView`` adds the groups up into exactly the tables
``cohort.figures`` builds from rows — ``headline``, ``overall``, ``dimensions``, ``bands``,
``languages``, ``scored``, ``flagged_excluded`` — through the same pure functions
(``agg.headline``, ``agg.histogram``, ``agg.band_split``, ``language_counts``), so the k-suppression
is the same. tests/test_cohort_summary.py checks every table against ``RowView`` and ``SqlFigures``.

Routing is ``cohort.figures``' too: up to ``max_rows`` matching responses every figure is over all of
them; past that (``large``) the counts, the band split and the languages are exact over every match
(``SqlFigures``: quality-flagged responses included, completed = submitted in the period) and the
distributions and the median duration come from the first ``large_sample`` responses, oldest first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Protocol

import numpy as np
import pandas as pd

from cohort import aggregate as agg
from cohort.figures import ReadPlan, language_counts
from scoring.models import Questionnaire


class ExactCounts(Protocol):
    """The parts that are exact over every match past the row budget (``cohort.figures.SqlFigures``)."""

    @property
    def headline(self) -> agg.Headline: ...

    @property
    def bands(self) -> pd.DataFrame: ...

    @property
    def languages(self) -> pd.DataFrame: ...


class SummaryRead(Protocol):
    """What the store's summary holds (``storage.summary.Summary``): grouped counts and bins, the median."""

    @property
    def groups(self) -> pd.DataFrame: ...
    @property
    def bins(self) -> Mapping[str, np.ndarray]: ...
    @property
    def median_duration(self) -> float | None: ...
    @property
    def large(self) -> bool: ...


def overall_edges(q: Questionnaire, bin_width: float = 5.0) -> np.ndarray:
    """The overall histogram's edges (``RowView.overall``'s): every ``bin_width`` points and each band boundary."""
    return agg.score_edges([b.min for b in q.bands.overall[1:]], bin_width)


def dimension_edges(q: Questionnaire, bin_width: float = 5.0) -> np.ndarray:
    """The dimension histograms' edges (``RowView.dimensions``')."""
    return agg.score_edges([b.min for b in q.bands.dimension[1:]], bin_width)


def sample_limit(plan: ReadPlan) -> int | None:
    """The first read's size when more responses may match than it holds; None when all are counted anyway."""
    return plan.limit if plan.bound > plan.limit else None


class SummaryView:
    """The first render's tables from a summary; each built when the page asks for it."""

    def __init__(
        self,
        q: Questionnaire,
        summary: SummaryRead,
        k: int,
        *,
        limit: int,
        include_flagged: bool = False,
        bin_width: float = 5.0,
        exact: Callable[[float | None], ExactCounts] | None = None,
    ) -> None:
        """``exact`` (needed when the summary is ``large``): given the sample's median duration, the exact
        headline, band split and languages over every match — ``cohort.figures.SqlFigures`` on the store's
        grouped aggregates; the summary itself then covers the sample only."""
        self.q, self.summary, self.k, self.limit, self.bin_width = q, summary, k, limit, bin_width
        self.include_flagged = include_flagged
        self.large = bool(summary.large)  # more responses matched than ``limit``: distributions are sampled
        if self.large and exact is None:
            raise ValueError("past the row budget the exact counts need a reader: pass exact=")
        self._exact = exact(summary.median_duration) if self.large and exact is not None else None
        g = summary.groups
        self._n = g["n"].to_numpy(dtype=np.int64)
        # Every group is of rows the view would have read: started in the period, inside the sample.
        self._kept = np.ones(len(g), dtype=bool)
        self._completed = self._kept & g["submitted"].to_numpy(dtype=bool)
        self._flagged = self._completed & g["flagged"].to_numpy(dtype=bool)
        self._scored = self._completed if include_flagged else self._completed & ~self._flagged

    def _count(self, mask: np.ndarray, column: str = "n") -> int:
        return int(self.summary.groups[column].to_numpy(dtype=np.int64)[mask].sum())

    @cached_property
    def headline(self) -> agg.Headline:
        median = self.summary.median_duration
        if self._exact is not None:  # large: exact over every match, from the reader
            return self._exact.headline
        return agg.headline(
            self._count(self._kept),
            self._count(self._completed),
            self._count(self._completed, "shared"),
            median,
            self.k,
        )

    @property
    def scored(self) -> int:
        """Submitted responses behind the distributions (in the sample when large)."""
        return self._count(self._scored)

    @property
    def flagged_excluded(self) -> int:
        return 0 if self.include_flagged else self._count(self._flagged)

    @property
    def scored_shown(self) -> int:
        """``Figures.scored``: all submitted responses when large (exact, flagged included), else ``scored``."""
        return self.headline.completed if self.large else self.scored

    def _counts(self, measure: str, bins: int) -> np.ndarray:
        per_group = self.summary.bins.get(measure)
        if per_group is None or not len(per_group):
            return np.zeros(bins, dtype=np.int64)
        return np.asarray(per_group, dtype=np.int64)[self._scored].sum(axis=0)

    @cached_property
    def overall_counts(self) -> np.ndarray:
        """Raw bin counts of the overall histogram (before suppression)."""
        edges = overall_edges(self.q, self.bin_width)
        return self._counts("overall", len(edges) - 1)

    @cached_property
    def overall(self) -> pd.DataFrame:
        return agg.histogram(None, overall_edges(self.q, self.bin_width), self.k, counts=self.overall_counts.tolist())

    @cached_property
    def dimensions(self) -> dict[str, pd.DataFrame]:
        edges = dimension_edges(self.q, self.bin_width)
        return {
            d.id: agg.histogram(None, edges, self.k, counts=self._counts(d.id, len(edges) - 1).tolist())
            for d in self.q.dimensions
        }

    @cached_property
    def bands(self) -> pd.DataFrame:
        if self._exact is not None:  # large: every response started in the period that has a band
            return self._exact.bands
        rows = self.summary.groups[self._scored]
        overall = self.q.bands.overall
        return agg.band_split(rows[["band", "n"]], [b.id for b in overall], [b.label for b in overall], self.k)

    @cached_property
    def languages(self) -> pd.DataFrame:
        if self._exact is not None:
            return self._exact.languages
        g = self.summary.groups

        def per_language(mask: np.ndarray) -> pd.Series:
            rows = g[mask]
            return rows["n"].groupby(rows["language"].astype(object).fillna("(none)")).sum()

        return language_counts(per_language(self._kept), per_language(self._completed), self.k)
