"""Coach dashboard: one questionnaire version at a time, k-anonymous, with psychometrics and safe exports.

For coaches and admins only: every figure here is computed over all candidates, including those who
did not share their result, so a recruiter is refused (in the page, and again in every read in
``ui.dashboard_data``); recruiters see shared results and counts on "My candidates". Wiring only: the
store does the reading and the SQL aggregation, ``cohort.aggregate`` builds every table (k-suppressed),
``reports.cohort_charts`` draws them and ``scoring.reliability`` computes the psychometrics.

Reads are cached with ``st.cache_data`` keyed on the database URL and the filters, for ``TTL``
seconds. Up to ``max_rows`` responses are read as rows and every figure is exact; beyond that
the counts, bands, weekly means and group means come from SQL aggregates and the rest from the
first ``max_rows`` responses, which the page says.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from access.accounts import COHORT_ROLES
from cohort import aggregate as agg
from reports import cohort_charts as charts
from reports.charts import PLOTLY_CONFIG
from scoring.csvsafe import safe_frame
from scoring.models import Questionnaire
from scoring.quality import FLAG_LABELS
from scoring.reliability import reliability_table
from ui import resources
from ui.auth import require_role
from ui.dashboard_data import read_answers, read_campaigns, read_groups, read_responses, read_versions

log = logging.getLogger("career_radar")

KEY = "cr_dash_"
WEAK_ITEM_R = 0.2  # corrected item–total r below this flags an item (negative: likely a reverse-key error)
DEFAULT_DAYS = 180
ALL = "All recruiters"
COUNT_COLUMNS = {
    "n": st.column_config.NumberColumn("Responses", format="%d"),
    "share": st.column_config.NumberColumn("Share", format="percent"),
    agg.NOTE: st.column_config.TextColumn("Note"),
}
TABS = ["Scores", "Compare", "Trend & drop-off", "Psychometrics", "Quality", "Export"]


def settings() -> dict[str, Any]:
    """Dashboard settings: environment first, then secrets ``[dashboard]``, then defaults."""
    setting = resources.int_setting
    return {
        "k": max(1, setting("dashboard.min_group", "CAREER_RADAR_MIN_GROUP", agg.DEFAULT_K)),
        "min_n": max(2, setting("dashboard.psychometrics_min_n", "CAREER_RADAR_PSYCHOMETRICS_MIN_N", 50)),
        "sample": max(50, setting("dashboard.psychometrics_sample", "CAREER_RADAR_PSYCHOMETRICS_SAMPLE", 20_000)),
        "max_rows": max(100, setting("dashboard.max_rows", "CAREER_RADAR_DASHBOARD_MAX_ROWS", 50_000)),
        "large_sample": max(100, setting("dashboard.large_sample", "CAREER_RADAR_DASHBOARD_SAMPLE_ROWS", 10_000)),
        "export_max": max(100, setting("dashboard.export_max_rows", "CAREER_RADAR_EXPORT_MAX_ROWS", 100_000)),
    }


# ----- helpers for the large case (more rows than max_rows) -----------------------------------------


def _sum_groups(frames: list[pd.DataFrame], key: str, measures: list[str]) -> pd.DataFrame:
    """Add SQL group tables from several campaigns: counts add, means are n-weighted."""
    both = pd.concat([f for f in frames if not f.empty], ignore_index=True) if frames else pd.DataFrame()
    if both.empty:
        return pd.DataFrame(columns=[key, "n", *measures])
    both[key] = both[key].astype(object).where(both[key].notna(), "(none)")
    parts = {"n": both.groupby(key)["n"].sum()}
    for m in measures:
        weighted = (both[m] * both["n"]).groupby(both[key]).sum(min_count=1)
        parts[m] = weighted / parts["n"]
    return pd.DataFrame(parts).reset_index()


class SqlFigures:
    """Exact SQL replacements for the view's counts, bands, weekly means and group means.

    Used when more responses match than are read as rows; each part is computed only when a tab
    asks for it (the aggregates are the expensive reads). Spreads (SDs, hence CIs and effect sizes)
    come from the rows read, as SQL does not return them yet.
    """

    def __init__(
        self,
        view: agg.View,
        q: Questionnaire,
        sample: pd.DataFrame,
        read: Any,
        campaigns: list[str | None],
        group_col: str,
        k: int,
    ) -> None:
        self.view, self.q, self.read, self.campaigns, self.group_col, self.k = view, q, read, campaigns, group_col, k
        self.done = sample[sample["submitted_at"].notna()]
        self.measures = ["overall", *(d.id for d in q.dimensions)]

    def _total(self, group_by: str, **kw: Any) -> pd.DataFrame:
        return _sum_groups([self.read(group_by, campaign=c, **kw) for c in self.campaigns], group_by, self.measures)

    @cached_property
    def _bands(self) -> pd.DataFrame:
        # Responses *started* in the period, like the rows the page reads: unfinished ones have no band.
        return self._total("band", submitted_only=False)

    @cached_property
    def headline(self) -> agg.Headline:
        started = int(self._bands["n"].sum())
        # Submitted in the period: a few may have started just before it, so never more than started.
        completed = min(started, int(self._total("band")["n"].sum()))
        shared = int(self._total("band", submitted_only=False, shared_only=True)["n"].sum())
        return agg.headline(started, completed, shared, self.view.headline.median_duration_seconds, self.k)

    @cached_property
    def bands(self) -> pd.DataFrame:
        bands = self._bands[self._bands["band"] != "(none)"]
        overall = self.q.bands.overall
        return agg.band_split(bands, [b.id for b in overall], [b.label for b in overall], self.k)

    @cached_property
    def trend(self) -> pd.DataFrame:
        weeks = self._total("week").rename(columns={"overall": "mean"})
        weekly_sd = self.done.groupby(agg.week_start(self.done["submitted_at"]))["overall"].std(ddof=1)
        weeks["sd"] = pd.to_datetime(weeks["week"]).map(weekly_sd)
        return agg.trend_table(weeks[["week", "n", "mean", "sd"]], self.k)

    @cached_property
    def comparison(self) -> pd.DataFrame:
        col = self.group_col
        groups = self._total("campaign" if col == "campaign" else "recruiter")
        groups = groups.rename(columns={"recruiter": col}) if col != "campaign" else groups
        labelled = self.done.assign(**{col: self.done[col].astype(object).fillna("(none)")})
        sd = agg.describe(labelled, [col], self.measures).set_index([col, "measure"])["sd"]
        long = groups.melt(id_vars=[col, "n"], value_vars=self.measures, var_name="measure", value_name="mean")
        long["sd"] = [sd.get((g, m), np.nan) for g, m in zip(long[col], long["measure"], strict=True)]
        return agg.compare_groups(long[[col, "measure", "n", "mean", "sd"]], col, self.k)


def in_parallel(*calls: Any) -> list[Any]:
    """Run independent cached reads at once (each on its own pooled connection), in order.

    The threads carry this script run's context, so ``st.cache_data`` works in them as in the
    script; nothing in them draws on the page.
    """
    ctx = get_script_run_ctx()

    def attached(call: Any) -> Any:
        def run() -> Any:
            add_script_run_ctx(threading.current_thread(), ctx)
            return call()

        return run

    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="cr-dash") as pool:
        futures = [pool.submit(attached(call)) for call in calls]
        return [f.result() for f in futures]


# ----- small display helpers ------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _count(n: int, k: int) -> str:
    return agg.fewer_than(k) if 0 < n < k else f"{n:,}"


def _minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f} min"


def chart(fig: Any, key: str) -> None:
    """A plotly figure, full width, without the zoom bar, with its text alternative as a caption."""
    st.plotly_chart(fig, config=PLOTLY_CONFIG, key=f"{KEY}{key}")
    alt = (fig.layout.meta or {}).get("alt") if isinstance(fig.layout.meta, dict) else None
    if alt:
        st.caption(alt)


def table(frame: pd.DataFrame, key: str, **config: Any) -> None:
    """A table, formula-safe: st.dataframe's own toolbar offers a CSV download of exactly this."""
    st.dataframe(safe_frame(frame), hide_index=True, key=f"{KEY}{key}", column_config=config or None)


# ----- page -------------------------------------------------------------------------------------------

RECRUITER_REFUSAL = (
    "The coach dashboard is for coaches and admins. Its figures are computed over every candidate, "
    "including those who didn't share their result with you, so recruiters don't see it. Your shared "
    "results and your campaigns' started, completed and shared counts are under **My candidates**."
)

account = require_role(*COHORT_ROLES, refusal={"recruiter": RECRUITER_REFUSAL})
if account is None or not account.reads_cohorts:
    st.stop()

cfg = settings()
k = cfg["k"]

st.title("Cohort dashboard")
st.caption(
    f"All responses. Any group or cell with fewer than {k} responses is hidden (“fewer than {k}”), so nobody can be "
    "singled out. Career Radar is a self-reflection, not a validated test: use these figures to understand "
    "groups, never to judge a person."
)

store = resources.store()
if store is None:
    st.error("The response store is unavailable right now. Please try again in a minute.")
    st.stop()
url = store.url

versions = read_versions(account, url)
if versions.empty:
    st.info(
        "No submitted responses yet. To try the dashboard with synthetic data, run "
        "`python -m service.demo --n 5000` and reload this page."
    )
    st.stop()

# ----- filters ----------------------------------------------------------------------------------------
catalogue_hashes = {q.content_hash for q in resources.catalogue().values()}
labels = {
    row.content_hash: f"{row.questionnaire_id} {row.version} · {row.content_hash[:12]} — {row.submitted:,} submitted"
    + ("" if row.content_hash in catalogue_hashes else " (retired)")
    for row in versions.itertuples()
}
preferred = versions.assign(current=versions["content_hash"].isin(catalogue_hashes)).sort_values(
    ["current", "submitted"], ascending=False
)
with st.container(border=True):
    content_hash = st.selectbox(
        "Questionnaire version",
        list(versions["content_hash"]),
        index=list(versions["content_hash"]).index(preferred["content_hash"].iloc[0]),
        format_func=labels.get,
        key=f"{KEY}version",
        help="Each version's answers are kept apart: different wording or scoring is never pooled.",
    )
    if len(versions) > 1:
        st.caption(
            f"{len(versions)} versions with responses; the figures below use only the one selected: "
            + "; ".join(f"{r.version} ({r.content_hash[:12]}): {r.submitted:,}" for r in versions.itertuples())
        )
    today = datetime.now(UTC).date()
    left, right = st.columns(2)
    with left:
        picked = st.date_input(
            "Started between",
            value=(today - timedelta(days=DEFAULT_DAYS), today),
            max_value=today + timedelta(days=1),
            key=f"{KEY}dates",
        )
    since, until_day = (picked[0], picked[-1]) if isinstance(picked, (tuple, list)) and picked else (picked, picked)
    until = until_day + timedelta(days=1)  # the end date is inclusive
    campaigns_known = read_campaigns(account, url, None)
    with right:
        ids = sorted({r for r in campaigns_known["recruiter_id"].dropna()})
        chosen = st.selectbox("Recruiter", [ALL, *ids], key=f"{KEY}recruiter")
        recruiter_filter = None if chosen == ALL else chosen
    pool = campaigns_known
    if recruiter_filter is not None:
        pool = pool[pool["recruiter_id"] == recruiter_filter]
    campaign_options = sorted({c for c in pool["campaign"].dropna()})
    campaigns = st.multiselect(
        "Campaigns",
        campaign_options,
        key=f"{KEY}campaigns",
        placeholder="All campaigns",
        help="Pick two or more to compare them.",
    )
    left, right = st.columns(2)
    with left:
        include_flagged = st.toggle(
            "Include quality-flagged responses",
            value=False,
            key=f"{KEY}flagged",
            help="Responses flagged for speeding, straight-lining or contradictory answers are left out by default.",
        )
    with right:
        by_options = ["campaign", "recruiter_id"]
        group_col = (
            st.segmented_control(
                "Compare by",
                by_options,
                default="campaign",
                format_func=lambda c: "Campaign" if c == "campaign" else "Recruiter",
                key=f"{KEY}by",
            )
            or "campaign"
        )

q = resources.questionnaire_by_hash(content_hash)
if q is None:
    st.error("That questionnaire version can't be read from the store.")
    st.stop()

# ----- data -------------------------------------------------------------------------------------------
# Every matching response is read as a row when the campaign counts say there can be at most
# max_rows of them. Otherwise a smaller first read: if even that is not full, it holds everything
# and all figures stay exact; if it is full, SQL aggregates take over the counts and means.
one_campaign = campaigns[0] if len(campaigns) == 1 else None
bound = int(pool.loc[pool["campaign"] == one_campaign, "started"].sum() if one_campaign else pool["started"].sum())
limit = cfg["max_rows"] if bound <= cfg["max_rows"] else cfg["large_sample"]


def read(group_by: str, **kw: Any) -> pd.DataFrame:
    return read_groups(account, url, group_by, content_hash, since, until, recruiter_filter, **kw)


def first_read() -> pd.DataFrame:
    return read_responses(account, url, content_hash, since, until, recruiter_filter, limit + 1, one_campaign)


if bound > cfg["max_rows"]:
    # Probably many responses: fetch the headline aggregates together with the first read
    # (these are the reads SqlFigures.headline makes, so they land in the cache).
    heads = [None] if not campaigns else list(campaigns)
    calls = [first_read]
    for c in heads:
        calls += [
            lambda c=c: read("band", campaign=c, submitted_only=False),
            lambda c=c: read("band", campaign=c),
            lambda c=c: read("band", campaign=c, submitted_only=False, shared_only=True),
        ]
    frame = in_parallel(*calls)[0]
else:
    frame = first_read()
large = len(frame) > limit
frame = frame.iloc[:limit]
if campaigns:
    frame = frame[frame["campaign"].isin(campaigns)]
view = agg.build_view(q, frame, k, flag_labels=FLAG_LABELS, group_col=group_col, include_flagged=include_flagged)
exact: Any = view  # where headline, bands, trend and comparison come from
if large:
    exact = SqlFigures(view, q, frame, read, list(campaigns) or [None], group_col, k)
    st.warning(
        f"More than {limit:,} responses match. Counts, bands, weekly means and group means are exact "
        "and include quality-flagged responses; distributions, spreads, quality counts, drop-off and the "
        f"psychometrics use the first {limit:,} responses (oldest first).",
        icon=":material/info:",
    )

# ----- headline ---------------------------------------------------------------------------------------
h = exact.headline
cols = st.columns(5)
cols[0].metric("Started", _count(h.started, k))
cols[1].metric("Completed", _count(h.completed, k))
cols[2].metric("Completion rate", _pct(h.completion_rate))
cols[3].metric("Median time", _minutes(h.median_duration_seconds))
cols[4].metric("Shared with recruiter", _pct(h.share_rate))
if h.hidden:
    st.info(f"Fewer than {k} completed responses match these filters, so nothing more is shown.")
    st.stop()
scored = h.completed if large else view.scored
st.caption(
    f"Scores below: {scored:,} submitted responses"
    + (f" ({view.flagged_excluded:,} quality-flagged left out)" if view.flagged_excluded and not large else "")
    + f" to {q.meta.id} {q.meta.version}."
)

dim_labels = {d.id: d.label for d in q.dimensions} | {"overall": "Overall"}
# Only the open tab runs (on_change="rerun"), so a tab's reads happen when someone looks at it.
# Bound to the URL (?dash_tab=Psychometrics) so a view can be shared or bookmarked.
scores_tab, compare_tab, trend_tab, psych_tab, quality_tab, export_tab = st.tabs(
    TABS, key="dash_tab", on_change="rerun", bind="query-params"
)

if scores_tab.open:
    with scores_tab:
        chart(charts.distribution_figure(view.overall, q.bands.overall, k), "overall")
        chart(charts.band_split_figure(exact.bands, k), "bands")
        table(exact.bands.drop(columns=["band"]), "bands_table", label="Band", **COUNT_COLUMNS)
        chart(charts.dimension_distributions_figure(view.dimensions, dim_labels, q.bands.dimension, k), "dims")

if compare_tab.open:
    with compare_tab:
        comparison = exact.comparison
        visible = comparison.loc[comparison[agg.NOTE] == "", group_col].nunique()
        if visible < 2:
            st.info(f"A comparison needs at least two groups with {k} or more responses each.")
        chart(charts.comparison_figure(comparison, group_col, dim_labels, k), "compare")
        shown = comparison.assign(measure=comparison["measure"].map(dim_labels))
        table(
            shown[[group_col, "measure", "n", "mean", "ci_low", "ci_high", "d", "g", agg.NOTE]],
            "compare_table",
            mean=st.column_config.NumberColumn("Mean", format="%.1f"),
            ci_low=st.column_config.NumberColumn("95% CI low", format="%.1f"),
            ci_high=st.column_config.NumberColumn("95% CI high", format="%.1f"),
            d=st.column_config.NumberColumn("Cohen's d", format="%.2f"),
            g=st.column_config.NumberColumn("Hedges' g", format="%.2f"),
        )
        reference = comparison["reference"].iloc[0] if "reference" in comparison and len(comparison) else None
        if reference is not None:
            st.caption(
                f"d and g compare each group with “{reference}” (the largest): the difference in means in pooled "
                "standard deviations; g corrects d for small groups. Roughly 0.2 is small, 0.5 medium, 0.8 large. "
                f"Groups of fewer than {k} are merged into “{agg.OTHER}”."
            )

if trend_tab.open:
    with trend_tab:
        chart(charts.trend_figure(exact.trend, k), "trend")
        chart(charts.dropoff_figure(view.dropoff, k), "dropoff")
        table(view.dropoff, "dropoff_table", page="Page", title="Section", **COUNT_COLUMNS)

if psych_tab.open:
    with psych_tab:
        if view.scored < cfg["min_n"]:
            st.info(f"The psychometrics appear from {cfg['min_n']} scored responses; these filters give {view.scored}.")
        else:
            # Rows with answers are the most expensive read: all of them up to max_rows, then a random
            # sample; past max_rows, the first `sample` responses (the store cannot sample yet).
            limit = cfg["sample"] if large else cfg["max_rows"]
            answers = read_answers(account, url, content_hash, since, until, recruiter_filter, limit)
            if campaigns:
                answers = answers[answers["campaign"].isin(campaigns)]
            if not include_flagged:
                answers = answers[answers["flags"].map(len) == 0]
            available = len(answers)
            if available > cfg["sample"]:
                answers = answers.sample(n=cfg["sample"], random_state=0)
            rel = reliability_table(q, agg.item_frame(answers, q))
            if large:
                basis = f" (the first {limit:,} of {scored:,} responses, oldest first)"
            elif available > len(answers):
                basis = f" (a random sample, seed 0, of {available:,})"
            else:
                basis = ""
            st.caption(
                f"Computed on {len(answers):,} responses{basis}. Item scores are keyed 0–1 with reverse keys "
                "applied. α with a 95% Feldt interval; r(it) is the corrected item–total correlation."
            )
            summary = rel[rel["item"] == ""]
            cols = st.columns(min(3, len(summary)) or 1)
            for i, row in enumerate(summary.itertuples()):
                text = "—" if pd.isna(row.alpha) else f"{row.alpha:.2f}"
                ci = (
                    ""
                    if pd.isna(row.alpha)
                    else f"95% CI {row.ci_low:.2f}–{row.ci_high:.2f} · n {row.n:,} · {row.k} items"
                )
                cols[i % len(cols)].metric(f"α {dim_labels.get(row.dimension, row.dimension)}", text, help=ci or None)
            items = rel[rel["item"] != ""].copy()
            items["flag"] = np.where(
                items["r_it"] < 0,
                "negative: check the reverse key",
                np.where(items["r_it"] < WEAK_ITEM_R, "weak item", ""),
            )
            table(
                items[["dimension", "item", "mean", "sd", "r_it", "alpha_if_deleted", "n", "flag"]],
                "items_table",
                mean=st.column_config.NumberColumn("Mean (0–1)", format="%.2f"),
                sd=st.column_config.NumberColumn("SD", format="%.2f"),
                r_it=st.column_config.NumberColumn("r(it)", format="%.2f"),
                alpha_if_deleted=st.column_config.NumberColumn("α if deleted", format="%.2f"),
            )
            weak = items[items["flag"] != ""]
            if len(weak):
                st.warning(
                    f"{len(weak)} item(s) with r(it) below {WEAK_ITEM_R}: "
                    + ", ".join(f"{r.item} ({r.r_it:.2f})" for r in weak.itertuples())
                    + ". A negative value usually means a reverse-key error; a low one, an item that measures "
                    "something else."
                )

if quality_tab.open:
    with quality_tab:
        table(view.flags, "flags_table", flag="Code (in the export)", label="Quality flag", **COUNT_COLUMNS)
        st.caption(
            "A response can carry several flags. Flagged responses are "
            + ("included in" if include_flagged else "left out of")
            + " the scores and psychometrics (the switch above changes this)."
        )

if export_tab.open:
    with export_tab:
        st.write(
            "The responses file has one row per submitted response: answers, scores, band, quality flags and "
            f"attribution, with campaigns and weeks of fewer than {k} merged or left out. It never holds contact "
            "details: a candidate gives those only to the recruiter they share with."
        )

        def responses_csv() -> bytes:
            # Runs later, when the download is requested: read_answers checks the account again then.
            raw = read_answers(account, url, content_hash, since, until, recruiter_filter, cfg["export_max"])
            if campaigns:
                raw = raw[raw["campaign"].isin(campaigns)]
            if not include_flagged:
                raw = raw[raw["flags"].map(len) == 0]
            return agg.csv_bytes(agg.responses_export(agg.export_input(raw, q), q, k, include_contact=False))

        stamp = f"{q.meta.id}-{q.meta.version}-{q.short_hash}"
        st.download_button(
            "Responses (CSV)",
            data=responses_csv,
            file_name=f"responses-{stamp}.csv",
            mime="text/csv",
            key=f"{KEY}export_responses",
            icon=":material/download:",
        )
        st.download_button(
            "Codebook (CSV)",
            data=agg.csv_bytes(agg.codebook(q, include_contact=False, k=k)),
            file_name=f"codebook-{stamp}.csv",
            mime="text/csv",
            key=f"{KEY}export_codebook",
            icon=":material/download:",
        )
        st.caption(
            f"At most {cfg['export_max']:,} responses per file (oldest first). Text cells that a spreadsheet would "
            "run as a formula start with an apostrophe. Free-text answers are never exported."
        )
