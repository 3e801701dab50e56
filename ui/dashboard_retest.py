"""The coach dashboard's test–retest section: how stable scores are when candidates retake the questionnaire.

Pairs come from ``Store.retest_pairs`` (a retake and the attempt it follows, same scoring key, at least the
chosen number of days apart, both attempts inside the dashboard's filters), one pair per candidate
(``cohort.retest.one_per_chain``); ``cohort.retest`` computes the figures. Nothing is shown below
``cohort.retest.threshold(k)`` candidates — 30, or the dashboard's k when that is larger — and a measure with
fewer pairs than that (a dimension some attempts have no score for) is withheld on its own row.
The read is refused to anyone but a coach or admin, like every dashboard read (``ui.dashboard_data``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from access.accounts import Account, require_cohort_reader
from cohort import retest as rt
from cohort.figures import DashboardFilters
from scoring.csvsafe import safe_frame
from storage import Filters
from ui import resources
from ui.lang import t

if TYPE_CHECKING:
    from scoring.models import Questionnaire

KEY = "cr_dash_retest_"
TTL = 300  # seconds a read stays cached, as the dashboard's other reads
DEFAULT_MIN_DAYS = 14
MAX_DAYS = 3650


def min_days_setting() -> int:
    """The default minimum gap in days: env CAREER_RADAR_RETEST_MIN_DAYS, then secrets [dashboard] retest_min_days."""
    days = resources.int_setting("dashboard.retest_min_days", "CAREER_RADAR_RETEST_MIN_DAYS", DEFAULT_MIN_DAYS)
    return min(MAX_DAYS, max(1, days))


def read_pairs(account: Account, url: str, filters: Filters, min_days: int) -> pd.DataFrame:
    """Retake pairs for these filters (coach or admin only; checked before the cache or the store)."""
    require_cohort_reader(account)
    return _pairs(url, filters, min_days)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=16)
def _pairs(url: str, filters: Filters, min_days: int) -> pd.DataFrame:
    store = resources.store()
    if store is None:
        raise RuntimeError("the response store is unavailable")
    return store.retest_pairs(filters, min_days)


def _interval(low: Any, high: Any, digits: int) -> str:
    if not (_known(low) and _known(high)):
        return "—"
    # Brackets first: a cell starting with "-" would be a formula to a spreadsheet (scoring.csvsafe).
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def _note(row: pd.Series, need: int) -> str:
    if row["note"] == rt.HIDDEN:
        return t("fewer than {n} pairs: not shown").format(n=need)
    if row["note"] == rt.NO_SPREAD:
        return t("everyone had the same score: no correlation")
    if row["note"] == rt.FEW_PAIRS:
        return t("too few pairs for a correlation")
    return ""


def _shown(table: pd.DataFrame, labels: dict[str, str], k: int, need: int) -> pd.DataFrame:
    """The table as the coach reads it: a label per measure, numbers rounded, intervals as text."""
    return pd.DataFrame(
        {
            "measure": [labels.get(m, m) for m in table["measure"]],
            "n": [t("fewer than {k}").format(k=k) if n is None else f"{n:,}" for n in table["n"]],
            "r": table["r"].astype(float),
            "r_ci": [_interval(a, b, 2) for a, b in zip(table["r_low"], table["r_high"], strict=True)],
            "icc": table["icc"].astype(float),
            "icc_ci": [_interval(a, b, 2) for a, b in zip(table["icc_low"], table["icc_high"], strict=True)],
            "change": table["mean_change"].astype(float),
            "change_ci": [_interval(a, b, 1) for a, b in zip(table["change_low"], table["change_high"], strict=True)],
            "src": table["src"].astype(float),
            "note": [_note(row, need) for _, row in table.iterrows()],
        }
    )


def _reading(row: pd.Series, days: int) -> str:
    """Plain sentences about the overall score: stability, agreement, average change and noise."""
    levels = {
        "poor": t("poor"),
        "moderate": t("moderate"),
        "good": t("good"),
        "excellent": t("excellent"),
    }
    parts = []
    if _known(row["r"]):
        parts.append(
            t(
                "Between two attempts at least {days} days apart, overall scores correlate at r = {r} (95% CI {low} "
                "to {high}): the closer to 1, the more candidates keep their place relative to each other."
            ).format(days=days, r=_num(row["r"], 2), low=_num(row["r_low"], 2), high=_num(row["r_high"], 2))
        )
    level = rt.agreement(row["icc"])
    if level is not None:
        parts.append(
            t("Agreement of the scores themselves (ICC {icc}) is {level} by Koo and Li's guideline.").format(
                icc=_num(row["icc"], 2), level=levels[level]
            )
        )
    if _known(row["mean_change"]) and _known(row["change_low"]) and _known(row["change_high"]):
        low, high = row["change_low"], row["change_high"]
        if low > 0 or high < 0:
            sentence = t("On average the overall score moved by {change} points (95% CI {low} to {high}).")
        else:
            sentence = t("On average the overall score did not clearly move ({change} points, 95% CI {low} to {high}).")
        parts.append(sentence.format(change=f"{row['mean_change']:+.1f}", low=f"{low:+.1f}", high=f"{high:+.1f}"))
    if _known(row["src"]):
        noise = t("One person's change of less than {src} points is within what measurement noise alone would give.")
        parts.append(noise.format(src=_num(row["src"], 1)))
    return " ".join(parts)


def _known(value: Any) -> bool:
    return value is not None and not pd.isna(value)


def _num(value: Any, digits: int) -> str:
    return f"{value:.{digits}f}" if _known(value) else "—"


def show(account: Account, url: str, f: DashboardFilters, q: Questionnaire, k: int) -> None:
    """The test–retest section for the dashboard's filters, or a message saying why it is not shown."""
    st.subheader(t("Test–retest"))
    days = int(
        st.number_input(
            t("Minimum days between the two attempts"),
            min_value=1,
            max_value=MAX_DAYS,
            value=min_days_setting(),
            step=1,
            key=f"{KEY}days",
            help=t("Only a retake submitted at least this many days after the attempt it follows counts as a pair."),
        )
    )
    filters = Filters(
        scoring_key=f.scoring_key, since=f.since, until=f.until, recruiter_id=f.recruiter, campaign=f.one_campaign
    )
    pairs = rt.one_per_chain(rt.select_pairs(read_pairs(account, url, filters, days), f.campaigns, f.include_flagged))
    need = rt.threshold(k)
    n = len(pairs)
    if n < need:
        found = t("fewer than {k}").format(k=k) if 0 < n < k else f"{n:,}"
        st.info(
            t(
                "Test–retest figures appear from {need} candidates who retook the questionnaire at least {days} days "
                "later, with both attempts inside these filters; there are {found}."
            ).format(need=need, days=days, found=found)
        )
        return
    labels = {"overall": t("Overall"), **{d.id: d.label for d in q.dimensions}}
    table = rt.publishable(rt.retest_table(pairs, ["overall", *(d.id for d in q.dimensions)]), k)
    number = st.column_config.NumberColumn
    text = st.column_config.TextColumn
    st.dataframe(
        safe_frame(_shown(table, labels, k, need)),  # st.dataframe offers a CSV download of exactly this
        hide_index=True,
        key=f"{KEY}table",
        column_config={
            "measure": text(t("Measure")),
            "n": text(t("Pairs")),
            "r": number("r", format="%.2f", help=t("Retest correlation (Pearson)")),
            "r_ci": text(t("r, 95% CI")),
            "icc": number("ICC", format="%.2f", help=t("Intraclass correlation, absolute agreement (ICC 2,1)")),
            "icc_ci": text(t("ICC, 95% CI")),
            "change": number(t("Mean change"), format="%+.1f", help=t("Second attempt minus first, in points")),
            "change_ci": text(t("Change, 95% CI")),
            "src": number(
                t("Smallest real change"), format="%.1f", help=t("Changes smaller than this are within noise (95%)")
            ),
            "note": text(t("Note")),
        },
    )
    overall = table[table["measure"] == "overall"].iloc[0]
    if overall["note"] != rt.HIDDEN:
        st.write(_reading(overall, days))
    st.caption(
        t(
            "{n} candidates, one pair each (their first retake at least {days} days after the attempt before it). "
            "r says whether people keep their order; the ICC also counts everyone moving together; the mean "
            "change mixes real change, for example after coaching, with noise."
        ).format(n=f"{n:,}", days=days)
    )
