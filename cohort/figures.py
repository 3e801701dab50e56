"""What the coach dashboard shows for one instrument (a scoring key), decided without Streamlit or SQL.

The page gathers filters, asks this module for the figures and draws them. Data arrives through a
small injected reader (``GroupReader``: counts and means per group, computed wherever the caller
likes — the app passes the database's aggregates from ``ui.dashboard_data``), so every rule here is
testable with plain frames:

* **routing, exact vs sampled** (``plan_reads``, ``figures``): up to ``max_rows`` matching responses
  are read as rows and every figure comes from them. Beyond that a smaller first read is made; if it
  is not full it holds everything and all stays exact; if it is full, the counts, bands, weekly
  means and group means come exact from the reader (``SqlFigures``) and the rest from the rows read.
  The first render (headline, Scores tab) reads no rows: ``cohort.summary`` builds the same tables,
  with the same routing, from the database's grouped counts;
* **weighted means** (``weighted_means``): per-campaign group tables add up, counts summed and
  each mean weighted by its own measure's count (missing scores are not averaged by the database);
* **the row filter** (``select_rows``) the psychometrics and the export share;
* **instruments** (``instruments``): the registered versions grouped by scoring key. Versions that
  share a key (translations, wording fixes) score alike and are pooled in every figure; different
  keys are different instruments and never mixed, even under one questionnaire id. Each response
  keeps its exact text (content hash and language); ``languages`` counts them per language;
* **weak items** (``flag_items``): a corrected item–total r below ``WEAK_ITEM_R`` flags an item, a
  negative one points at a reverse-key error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Protocol

import numpy as np
import pandas as pd

import i18n
from cohort import aggregate as agg
from scoring.models import Questionnaire

WEAK_ITEM_R = 0.2  # corrected item–total r below this flags an item (negative: likely a reverse-key error)
NEGATIVE = "negative: check the reverse key"
WEAK = "weak item"
NONE = "(none)"  # the group label of rows without a campaign or recruiter


@dataclass(frozen=True)
class DashboardFilters:
    """What the coach picked: one instrument (scoring key), a start-date window [since, until), narrowing choices."""

    scoring_key: str
    since: date
    until: date  # exclusive
    recruiter: str | None = None
    campaigns: tuple[str, ...] = ()
    include_flagged: bool = False
    group_col: str = "campaign"  # "campaign" or "recruiter_id"

    @property
    def one_campaign(self) -> str | None:
        """The campaign the store can filter on, when exactly one is picked."""
        return self.campaigns[0] if len(self.campaigns) == 1 else None


class GroupReader(Protocol):
    """Counts and means per group (``n``, ``overall`` and one column per dimension) for one campaign or all."""

    def __call__(
        self, group_by: str, *, campaign: str | None, submitted_only: bool = True, shared_only: bool = False
    ) -> pd.DataFrame: ...


# ----- routing ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadPlan:
    """How many response rows to read: ``bound`` is the most that can match, by the campaign counts."""

    bound: int
    limit: int


def plan_reads(campaign_counts: pd.DataFrame, f: DashboardFilters, max_rows: int, large_sample: int) -> ReadPlan:
    """All rows when the campaign counts allow at most ``max_rows``; otherwise a first read of ``large_sample``."""
    pool = campaign_counts
    if f.recruiter is not None:
        pool = pool[pool["recruiter_id"] == f.recruiter]
    if f.one_campaign is not None:
        pool = pool[pool["campaign"] == f.one_campaign]
    bound = int(pool["started"].sum())
    return ReadPlan(bound, max_rows if bound <= max_rows else large_sample)


def count_column(measure: str) -> str:
    """The column of a group table holding how many responses have ``measure`` (its mean's own n)."""
    return f"n:{measure}"


def weighted_means(frames: Sequence[pd.DataFrame], key: str, measures: Sequence[str]) -> pd.DataFrame:
    """Add group tables from several reads: counts add, each measure's mean is weighted by its own count.

    The database averages a measure over the rows where it is present (``avg`` skips NULL), so each
    mean is weighted by that measure's count (column ``n:<measure>``, ``count_column``) — weighting by
    the group's ``n`` would bias a pooled mean whenever a score is missing. A table without the count
    column is taken to have the measure on every row (its ``n``). A group missing from one table
    simply contributes nothing there; a missing key becomes "(none)".
    """
    parts_in = [f for f in frames if not f.empty]
    if not parts_in:
        return pd.DataFrame(columns=[key, "n", *measures])
    both = pd.concat(parts_in, ignore_index=True)
    both[key] = both[key].astype(object).where(both[key].notna(), NONE)
    parts = {"n": both.groupby(key)["n"].sum()}
    for m in measures:
        col = count_column(m)
        counts = both[col].fillna(both["n"]) if col in both else both["n"]
        counts = counts.where(both[m].notna(), 0).astype(float)
        weighted = (both[m] * counts).groupby(both[key]).sum(min_count=1)
        total = counts.groupby(both[key]).sum()
        parts[m] = weighted / total.where(total > 0)
    return pd.DataFrame(parts).reset_index()


class SqlFigures:
    """Exact replacements, from the reader, for the view's headline, bands, weekly means and group means.

    Used when more responses match than are read as rows; each part is read only when asked for.
    Spreads (SDs, hence CIs and effect sizes) come from the rows read, as the reader has no SDs.
    """

    def __init__(
        self,
        median_duration: float | None,
        q: Questionnaire,
        rows: pd.DataFrame | None,
        read: GroupReader,
        f: DashboardFilters,
        k: int,
    ) -> None:
        """``median_duration`` comes from the sample (the reader has no medians); ``rows`` (the sample) only
        for the spreads of ``trend`` and ``comparison`` — None when only counts, bands and languages are asked."""
        self.median_duration, self.q, self.read, self.f, self.k = median_duration, q, read, f, k
        self.campaigns: list[str | None] = list(f.campaigns) or [None]
        self.done = rows[rows["submitted_at"].notna()] if rows is not None else pd.DataFrame(columns=["submitted_at"])
        self.measures = ["overall", *(d.id for d in q.dimensions)]

    def _total(self, group_by: str, **kw: bool) -> pd.DataFrame:
        return weighted_means([self.read(group_by, campaign=c, **kw) for c in self.campaigns], group_by, self.measures)

    @cached_property
    def _bands(self) -> pd.DataFrame:
        # Responses *started* in the period, like the rows read: unfinished ones have no band.
        return self._total("band", submitted_only=False)

    @cached_property
    def headline(self) -> agg.Headline:
        started = int(self._bands["n"].sum())
        # Submitted in the period: a few may have started just before it, so never more than started.
        completed = min(started, int(self._total("band")["n"].sum()))
        shared = int(self._total("band", submitted_only=False, shared_only=True)["n"].sum())
        return agg.headline(started, completed, shared, self.median_duration, self.k)

    @cached_property
    def bands(self) -> pd.DataFrame:
        bands = self._bands[self._bands["band"] != NONE]
        overall = self.q.bands.overall
        return agg.band_split(bands, [b.id for b in overall], [b.label for b in overall], self.k)

    @cached_property
    def trend(self) -> pd.DataFrame:
        weeks = self._total("week").rename(columns={"overall": "mean"})
        weekly_sd = self.done.groupby(agg.week_start(self.done["submitted_at"]))["overall"].std(ddof=1)
        weeks["sd"] = pd.to_datetime(weeks["week"]).map(weekly_sd)
        return agg.trend_table(weeks[["week", "n", "mean", "sd"]], self.k)

    @cached_property
    def languages(self) -> pd.DataFrame:
        started = self._total("language", submitted_only=False).set_index("language")["n"]
        submitted = self._total("language").set_index("language")["n"]
        return language_counts(started, submitted, self.k)

    @cached_property
    def comparison(self) -> pd.DataFrame:
        col = self.f.group_col
        groups = self._total("campaign" if col == "campaign" else "recruiter")
        groups = groups.rename(columns={"recruiter": col}) if col != "campaign" else groups
        labelled = self.done.assign(**{col: self.done[col].astype(object).fillna(NONE)})
        sd = agg.describe(labelled, [col], self.measures).set_index([col, "measure"])["sd"]
        long = groups.melt(id_vars=[col, "n"], value_vars=self.measures, var_name="measure", value_name="mean")
        long["sd"] = [sd.get((g, m), np.nan) for g, m in zip(long[col], long["measure"], strict=True)]
        return agg.compare_groups(long[[col, "measure", "n", "mean", "sd"]], col, self.k)


class RowView:
    """The tables of ``agg.build_view`` over the rows read, each built only when the page asks for it.

    Only the open tab draws, so the first render (headline and the Scores tab) never pays for the
    comparison, the trend, the drop-off or the flag counts. Each table is what ``agg.build_view``
    returns for the same arguments (tests/test_cohort_figures.py checks them all against it).
    """

    def __init__(
        self,
        q: Questionnaire,
        frame: pd.DataFrame,
        k: int,
        *,
        flag_labels: dict[str, str],
        group_col: str = "campaign",
        include_flagged: bool = False,
        bin_width: float = 5.0,
    ) -> None:
        agg.one_instrument(frame, q)  # texts sharing q's scoring key pool (translations); other keys never do
        self.q, self.frame, self.k, self.flag_labels = q, frame, k, flag_labels
        self.group_col, self.include_flagged, self.bin_width = group_col, include_flagged, bin_width
        self._done = frame["submitted_at"].notna().to_numpy(dtype=bool)
        self.completed = frame[self._done]
        self._flagged = self.completed["flags"].map(
            lambda v: bool(len(v)) if isinstance(v, list | tuple | set) else False
        )
        self.scored_rows = self.completed if include_flagged else self.completed[~self._flagged.to_numpy(dtype=bool)]

    @cached_property
    def headline(self) -> agg.Headline:
        durations = pd.to_numeric(self.completed["duration_seconds"], errors="coerce").dropna()
        return agg.headline(
            started=len(self.frame),
            completed=len(self.completed),
            shared=int(self.completed["shared"].astype(bool).sum()),
            median_duration=float(durations.median()) if len(durations) else None,
            k=self.k,
        )

    @property
    def scored(self) -> int:
        return len(self.scored_rows)

    @property
    def flagged_excluded(self) -> int:
        return 0 if self.include_flagged else int(self._flagged.sum())

    @cached_property
    def overall(self) -> pd.DataFrame:
        edges = agg.score_edges([b.min for b in self.q.bands.overall[1:]], self.bin_width)
        return agg.histogram(self.scored_rows["overall"], edges, self.k)

    @cached_property
    def dimensions(self) -> dict[str, pd.DataFrame]:
        edges = agg.score_edges([b.min for b in self.q.bands.dimension[1:]], self.bin_width)
        return {d.id: agg.histogram(self.scored_rows[d.id], edges, self.k) for d in self.q.dimensions}

    @cached_property
    def bands(self) -> pd.DataFrame:
        overall = self.q.bands.overall
        return agg.band_split(self.scored_rows["band"], [b.id for b in overall], [b.label for b in overall], self.k)

    @cached_property
    def comparison(self) -> pd.DataFrame:
        col, rows = self.group_col, self.scored_rows
        labelled = rows.assign(**{col: agg.merge_small(rows[col].astype(object).fillna(NONE), self.k)})
        measures = [*(d.id for d in self.q.dimensions), "overall"]
        return agg.compare_groups(agg.describe(labelled, [col], measures), col, self.k)

    @cached_property
    def trend(self) -> pd.DataFrame:
        return agg.weekly_trend(self.scored_rows, self.k)

    @cached_property
    def dropoff(self) -> pd.DataFrame:
        return agg.dropoff(self.frame.loc[~self._done, "page"], [s.title for s in self.q.sections], self.k)

    @cached_property
    def languages(self) -> pd.DataFrame:
        language = self.frame["language"] if "language" in self.frame.columns else pd.Series(dtype=object)
        started = language.fillna(NONE).value_counts()
        submitted = language[self._done].fillna(NONE).value_counts()
        return language_counts(started, submitted, self.k)

    @cached_property
    def flags(self) -> pd.DataFrame:
        return agg.flag_counts(self.completed["flags"], self.flag_labels, self.k)


class ExactFigures(Protocol):
    """The parts that are exact either way: from the rows (``RowView``) or from the reader (``SqlFigures``)."""

    @property
    def headline(self) -> agg.Headline: ...
    @property
    def bands(self) -> pd.DataFrame: ...
    @property
    def trend(self) -> pd.DataFrame: ...
    @property
    def comparison(self) -> pd.DataFrame: ...
    @property
    def languages(self) -> pd.DataFrame: ...


@dataclass(frozen=True)
class Figures:
    """Everything the page draws: ``view`` from the rows read, ``exact`` for the parts that must be exact."""

    view: RowView
    exact: ExactFigures
    large: bool  # more rows matched than were read
    limit: int  # rows read

    @property
    def scored(self) -> int:
        """Submitted responses behind the scores: all of them when large (exact, flagged included)."""
        return self.exact.headline.completed if self.large else self.view.scored


def figures(
    q: Questionnaire,
    rows: pd.DataFrame,
    plan: ReadPlan,
    f: DashboardFilters,
    read: GroupReader,
    k: int,
    flag_labels: Mapping[str, str],
) -> Figures:
    """Route: ``rows`` (read with ``plan.limit + 1``) decide whether the reader must supply the exact parts."""
    large = len(rows) > plan.limit
    kept = select_rows(rows.iloc[: plan.limit], f.campaigns)
    view = RowView(q, kept, k, flag_labels=dict(flag_labels), group_col=f.group_col, include_flagged=f.include_flagged)
    exact: ExactFigures = SqlFigures(view.headline.median_duration_seconds, q, kept, read, f, k) if large else view
    return Figures(view, exact, large, plan.limit)


# ----- instruments and languages ---------------------------------------------------------------------------


INSTRUMENT_COLUMNS = [
    "scoring_key",
    "questionnaire_id",
    "versions",
    "languages",
    "content_hashes",
    "started",
    "submitted",
    "registered_at",
]


def instruments(versions: pd.DataFrame) -> pd.DataFrame:
    """Registered versions (``questionnaire_versions``) grouped by scoring key, newest registration first.

    One row per key: its questionnaire id, its version labels and languages (each once, in
    registration order), its content hashes, and the response counts added up over them.
    """
    if versions.empty:
        return pd.DataFrame(columns=INSTRUMENT_COLUMNS)
    ordered = versions.sort_values("registered_at", kind="stable")
    rows = []
    for key, part in ordered.groupby("scoring_key", sort=False):
        rows.append(
            {
                "scoring_key": key,
                "questionnaire_id": part["questionnaire_id"].iloc[0],
                "versions": tuple(dict.fromkeys(part["version"])),
                "languages": tuple(dict.fromkeys(part["language"])),
                "content_hashes": tuple(part["content_hash"]),
                "started": int(part["started"].sum()),
                "submitted": int(part["submitted"].sum()),
                "registered_at": part["registered_at"].max(),
            }
        )
    out = pd.DataFrame(rows, columns=INSTRUMENT_COLUMNS)
    return out.sort_values("registered_at", ascending=False, kind="stable").reset_index(drop=True)


def representative(versions: pd.DataFrame, scoring_key: str, lang: str = "en") -> str:
    """The content hash that labels a key's figures: its latest text in ``lang`` if it has one, else its latest
    English text, else its latest text (all of a key's texts score alike; only the labels differ)."""
    part = versions[versions["scoring_key"] == scoring_key].sort_values("registered_at", kind="stable")
    if part.empty:
        raise KeyError(scoring_key)
    for wanted in (lang, "en"):
        chosen = part[part["language"] == wanted]
        if len(chosen):
            return str(chosen["content_hash"].iloc[-1])
    return str(part["content_hash"].iloc[-1])


def language_counts(started: pd.Series, submitted: pd.Series, k: int) -> pd.DataFrame:
    """Responses started and submitted per language (counts indexed by language); small languages suppressed.

    A language with fewer than k submitted (or, none submitted, started) responses shows neither count, and a lone
    hidden one takes the next smallest with it, so the headline total cannot give it away.
    """
    languages = sorted(set(started.index) | set(submitted.index), key=str)
    table = pd.DataFrame(
        {
            "language": languages,
            "started": [int(started.get(lang, 0)) for lang in languages],
            "submitted": [int(submitted.get(lang, 0)) for lang in languages],
        }
    )
    # The smallest count that is not zero decides (submitted never exceeds started).
    table["guard"] = table["submitted"].where(table["submitted"] > 0, table["started"])
    return agg.suppress(table, "guard", k, keep=["language"]).drop(columns=["guard"])


# ----- rows for the psychometrics and the export ------------------------------------------------------------


def select_rows(rows: pd.DataFrame, campaigns: Sequence[str], include_flagged: bool = True) -> pd.DataFrame:
    """Rows of the picked campaigns (all when none is picked), without quality-flagged ones unless included."""
    if campaigns:
        rows = rows[rows["campaign"].isin(list(campaigns))]
    if not include_flagged:
        rows = rows[rows["flags"].map(len) == 0]
    return rows


@dataclass(frozen=True)
class Basis:
    """The responses the psychometrics are computed on, and how they were chosen."""

    rows: pd.DataFrame
    available: int
    note: str  # "" when every matching response is used


def answers_limit(large: bool, sample: int, max_rows: int) -> int:
    """Rows to read with answers: all up to ``max_rows``; past that, the first ``sample`` (no SQL sampling)."""
    return sample if large else max_rows


def psychometrics_basis(
    answers: pd.DataFrame, figs: Figures, limit: int, sample: int, seed: int = 0, *, lang: str = "en"
) -> Basis:
    """A random sample of ``sample`` rows when more are available; says which rows were used (in ``lang``)."""
    _ = i18n.translator(lang)
    available = len(answers)
    rows = answers.sample(n=sample, random_state=seed) if available > sample else answers
    if figs.large:
        note = _(" (the first {limit} of {n} responses, oldest first)").format(
            limit=_count(limit, lang), n=_count(figs.scored, lang)
        )
    elif available > len(rows):
        note = _(" (a random sample, seed {seed}, of {n})").format(seed=seed, n=_count(available, lang))
    else:
        note = ""
    return Basis(rows, available, note)


def _count(n: int, lang: str) -> str:
    from i18n.formats import integer

    return integer(n, lang)


def item_flag_labels(*, lang: str = "en") -> dict[str, str]:
    """What the item table's ``flag`` codes (``NEGATIVE``, ``WEAK``) say to a reader of ``lang``."""
    _ = i18n.translator(lang)
    return {NEGATIVE: _("negative: check the reverse key"), WEAK: _("weak item"), "": ""}


def flag_items(rel: pd.DataFrame, threshold: float = WEAK_ITEM_R) -> pd.DataFrame:
    """Item rows of a reliability table with a ``flag``: negative r(it), r(it) below ``threshold``, or ""."""
    items = rel[rel["item"] != ""].copy()
    r = items["r_it"].astype(float)
    items["flag"] = np.where(r < 0, NEGATIVE, np.where(r < threshold, WEAK, ""))
    return items
