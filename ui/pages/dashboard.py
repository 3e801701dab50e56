"""Coach dashboard: one instrument at a time, k-anonymous, with psychometrics and safe exports.

An instrument is a scoring key: every text that shares it (its translations) is pooled in every figure,
with the counts per language shown; different keys are never mixed, even under one questionnaire id.

For coaches and admins only: every figure is computed over all candidates, including those who did
not share their result, so a recruiter is refused (here, and again in every read in
``ui.dashboard_data``). Wiring only: ``ui.dashboard_parts.filters`` reads the filters,
``cohort.figures`` decides what is exact and what is sampled and builds every table (k-suppressed,
through ``cohort.aggregate``), ``reports.cohort_charts`` draws them, ``scoring.reliability`` computes
the psychometrics. Reads run one after another, cached in ``ui.dashboard_data``. The headline and the
Scores tab come from the database's grouped counts (``cohort.summary``) and read no response rows; the
rows are read only when a tab that needs them (spreads, trend, drop-off, flags, psychometrics) is open.
"""

from __future__ import annotations

from functools import cache, partial
from typing import TYPE_CHECKING

import streamlit as st

from access.accounts import COHORT_ROLES
from cohort import aggregate as agg
from cohort import figures as cf
from reports import cohort_charts as charts
from scoring.quality import flag_labels
from scoring.reliability import reliability_table
from ui import dashboard_retest, lang, resources
from ui.auth import require_role
from ui.dashboard_data import group_reader, read_answers, read_responses
from ui.dashboard_first import catalogue, first_render
from ui.dashboard_parts import (
    KEY,
    chart,
    dimension_labels,
    filters,
    headline,
    inert,
    note,
    psychometrics,
    settings,
    shown_table,
    table,
)
from ui.lang import number, t
from ui.navigation import menu_title

if TYPE_CHECKING:
    from access.accounts import Account
    from scoring.models import Questionnaire

COUNT_COLUMNS = {
    "n": st.column_config.NumberColumn(t("Responses"), format="%d"),
    "share": st.column_config.NumberColumn(t("Share"), format="percent"),
    agg.NOTE: st.column_config.TextColumn(t("Note")),
}
TABS = [t("Scores"), t("Compare"), t("Trend & drop-off"), t("Psychometrics"), t("Quality"), t("Export")]
RECRUITER_REFUSAL = t(
    "The coach dashboard is for coaches and admins. Its figures are computed over every candidate, "
    "including those who didn't share their result with you, so recruiters don't see it. Your shared "
    "results and your campaigns' started, completed and shared counts are under **My candidates**."
)
LANG = lang.current()


account = require_role(*COHORT_ROLES, refusal={"recruiter": RECRUITER_REFUSAL})
if account is None or not account.reads_cohorts:
    st.stop()
cfg = settings()
k = cfg["k"]
st.title(menu_title("dashboard"))
st.caption(
    t(
        "All responses. Any group or cell with fewer than {k} responses is hidden (“fewer than {k}”), so nobody "
        "can be singled out. Career Radar is a self-reflection, not a validated test: use these figures to "
        "understand groups, never to judge a person."
    ).format(k=k)
)
store = resources.store_or_stop()
url = store.url
lists = catalogue(account, url, LANG)
if lists is None:
    st.info(
        t(
            "No submitted responses yet. To try the dashboard with synthetic data, run "
            "`python -m service.demo --n 5000` and reload this page."
        )
    )
    st.stop()

f = filters(lists)
# The figures are labelled from one text of the key, in the page's language where there is one; all score alike.
q = lists.texts[f.scoring_key]
if q is None:
    st.error(t("That questionnaire can't be read from the store."))
    st.stop()
picked = lists.rows[f.scoring_key]

# ----- data: gather, then the pure core decides what is exact --------------------------------------------
plan = cf.plan_reads(lists.campaigns, f, cfg["max_rows"], cfg["large_sample"])
# The headline and the Scores tab come from the database's grouped counts (cohort.summary): no response rows.
# Built once per selection and language and held (ui.dashboard_first): a rerun only draws it.
first = first_render(account, url, q, f, plan, k, LANG)


def _row_figures(account: Account, q: Questionnaire) -> cf.Figures:
    """The tables built from rows, read only for a tab that needs them (spreads, trend, drop-off, flags)."""
    rows = read_responses(account, url, f.scoring_key, f.since, f.until, f.recruiter, plan.limit + 1, f.one_campaign)
    read = group_reader(account, url, f.scoring_key, f.since, f.until, f.recruiter)
    return cf.figures(q, rows, plan, f, read, k, flag_labels(lang=LANG))


row_figures = cache(partial(_row_figures, account, q))  # once per run, and only when called


if first.large:
    st.warning(
        t(
            "More than {limit} responses match. Counts, bands, weekly means and group means are exact "
            "and include quality-flagged responses; distributions, spreads, quality counts, drop-off and the "
            "psychometrics use the first {limit} responses (oldest first)."
        ).format(limit=number(plan.limit)),
        icon=":material/info:",
    )

h = first.headline
headline(h, k)
if h.hidden:
    st.info(t("Fewer than {k} completed responses match these filters, so nothing more is shown.").format(k=k))
    st.stop()
left_out = first.flagged_excluded if first.flagged_excluded and not first.large else 0
st.caption(
    inert(
        t("Scores below: {n} submitted responses").format(n=number(first.scored_shown))
        + (t(" ({n} quality-flagged left out)").format(n=number(left_out)) if left_out else "")
        + t(" to {questionnaire} {versions}").format(questionnaire=q.meta.id, versions=", ".join(picked.versions))
        + (
            t(", pooled over {n} languages (one scoring key).").format(n=len(picked.languages))
            if len(picked.languages) > 1
            else "."
        )
    )
)
shown_table(
    first.languages,
    "languages_table",
    language=t("Language"),
    started=st.column_config.NumberColumn(t("Responses"), format="%d", help=t("Started in the period")),
    submitted=st.column_config.NumberColumn(t("Submitted"), format="%d"),
    **{agg.NOTE: COUNT_COLUMNS[agg.NOTE]},
)

dim_labels = dimension_labels(q)
# Only the open tab runs (on_change="rerun"); bound to the URL (?dash_tab=Psychometrics) to share a view.
scores_tab, compare_tab, trend_tab, psych_tab, quality_tab, export_tab = st.tabs(
    TABS, key="dash_tab", on_change="rerun", bind="query-params"
)

if scores_tab.open:
    with scores_tab:
        chart(first.overall_chart, "overall")
        chart(first.bands_chart, "bands")
        shown_table(first.bands, "bands_table", label=t("Band"), **COUNT_COLUMNS)
        chart(first.dimensions_chart, "dims")

if compare_tab.open:
    with compare_tab:
        exact = row_figures().exact
        by = f.group_col
        comparison = exact.comparison.assign(**{by: exact.comparison[by].map(note)})  # "Other (small groups)"
        if comparison.loc[comparison[agg.NOTE] == "", by].nunique() < 2:
            st.info(t("A comparison needs at least two groups with {k} or more responses each.").format(k=k))
        chart(charts.comparison_figure(comparison, by, dim_labels, k, lang=LANG), "compare")
        shown = comparison.assign(measure=comparison["measure"].map(dim_labels))
        column = st.column_config.NumberColumn
        table(
            shown[[by, "measure", "n", "mean", "ci_low", "ci_high", "d", "g", agg.NOTE]],
            "compare_table",
            mean=column(t("Mean"), format="%.1f"),
            ci_low=column(t("CI low"), format="%.1f", help=t("95% confidence interval, lower end")),
            ci_high=column(t("CI high"), format="%.1f", help=t("95% confidence interval, upper end")),
            d=column("d", format="%.2f", help=t("Cohen's d against the reference group")),
            g=column("g", format="%.2f", help=t("Hedges' g against the reference group")),
            **{agg.NOTE: st.column_config.TextColumn(t("Note"), width="medium")},
        )
        reference = comparison["reference"].iloc[0] if "reference" in comparison and len(comparison) else None
        if reference is not None:
            st.caption(
                t(
                    "d and g compare each group with “{reference}” (the largest): the difference in means in pooled "
                    "standard deviations; g corrects d for small groups. Roughly 0.2 is small, 0.5 medium, 0.8 "
                    "large. Groups of fewer than {k} are merged into “{other}”."
                ).format(reference=note(reference), k=k, other=note(agg.OTHER))
            )

if trend_tab.open:
    with trend_tab:
        exact, view = row_figures().exact, row_figures().view
        chart(charts.trend_figure(exact.trend, k, lang=LANG), "trend")
        chart(charts.dropoff_figure(view.dropoff, k, lang=LANG), "dropoff")
        table(view.dropoff, "dropoff_table", page=t("Page"), title=t("Section"), **COUNT_COLUMNS)

if psych_tab.open:
    with psych_tab:
        if first.scored < cfg["min_n"]:
            st.info(
                t("The psychometrics appear from {min_n} scored responses; these filters give {n}.").format(
                    min_n=cfg["min_n"], n=first.scored
                )
            )
        else:
            limit = cf.answers_limit(first.large, cfg["sample"], cfg["max_rows"])
            answers = read_answers(account, url, f.scoring_key, f.since, f.until, f.recruiter, limit)
            basis = cf.psychometrics_basis(
                cf.select_rows(answers, f.campaigns, f.include_flagged), row_figures(), limit, cfg["sample"], lang=LANG
            )
            psychometrics(reliability_table(q, agg.item_frame(basis.rows, q)), basis, dim_labels)
        dashboard_retest.show(account, url, f, q, k)

if quality_tab.open:
    with quality_tab:
        view = row_figures().view
        summary = {"any": t("At least one flag"), "none": t("No flag")}  # the two rows cohort.aggregate adds
        flags = view.flags.assign(
            label=[summary.get(c, lbl) for c, lbl in zip(view.flags["flag"], view.flags["label"], strict=True)]
        )
        table(flags, "flags_table", flag=t("Code (in the export)"), label=t("Quality flag"), **COUNT_COLUMNS)
        st.caption(
            t(
                "A response can carry several flags. Flagged responses are included in the scores and "
                "psychometrics (the switch above changes this)."
            )
            if f.include_flagged
            else t(
                "A response can carry several flags. Flagged responses are left out of the scores and "
                "psychometrics (the switch above changes this)."
            )
        )

if export_tab.open:
    with export_tab:
        st.write(
            t(
                "The responses file has one row per submitted response: answers, scores, band, quality flags and "
                "attribution, with campaigns and weeks of fewer than {k} merged or left out. It never holds "
                "contact details: a candidate gives those only to the recruiter they share with."
            ).format(k=k)
        )

        # The checked account and questionnaire are passed in (partial, below): the callback runs later, and
        # inside a function a module-level name is Optional again (mypy keeps no narrowing there, rightly).
        def responses_csv(account: Account, q: Questionnaire) -> bytes:
            # Runs later, when the download is requested: read_answers checks the account again then.
            raw = read_answers(account, url, f.scoring_key, f.since, f.until, f.recruiter, cfg["export_max"])
            raw = cf.select_rows(raw, f.campaigns, f.include_flagged)
            return agg.csv_bytes(agg.responses_export(agg.export_input(raw, q), q, k, include_contact=False))

        stamp = f"{q.meta.id}-{'-'.join(picked.versions)}-{f.scoring_key[:12]}"
        for label, data, name in (
            (t("Responses (CSV)"), partial(responses_csv, account, q), "responses"),
            (t("Codebook (CSV)"), agg.csv_bytes(agg.codebook(q, include_contact=False, k=k, lang=LANG)), "codebook"),
        ):
            st.download_button(
                label,
                data=data,
                file_name=f"{name}-{stamp}.csv",
                mime="text/csv",
                key=f"{KEY}export_{name}",
                icon=":material/download:",
            )
        st.caption(
            t(
                "At most {n} responses per file (oldest first). Text cells that a spreadsheet would run as a "
                "formula start with an apostrophe. Free-text answers are never exported."
            ).format(n=number(cfg["export_max"]))
        )
