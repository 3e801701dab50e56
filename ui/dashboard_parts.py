"""The coach dashboard's widgets: the filter block (once, returning a ``DashboardFilters``), charts, tables."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from access.accounts import Account
from cohort.figures import DashboardFilters
from reports.charts import PLOTLY_CONFIG
from scoring.csvsafe import safe_frame
from ui.dashboard_data import read_campaigns

KEY = "cr_dash_"
DEFAULT_DAYS = 180
ALL = "All recruiters"
GROUP_LABELS = {"campaign": "Campaign", "recruiter_id": "Recruiter"}
# A line that markdown would start as a list, heading or quote: "1. …", "2,000. …", "3) …", "- …", "# …".
_BLOCK_START = re.compile(r"^(\s*)(\d[\d,]*(?=[.)](?:\s|$))|[-+*](?=\s|$)|#|>)", re.MULTILINE)


def inert(text: str) -> str:
    """Text for st.caption that markdown shows as one paragraph: a leading list/heading/quote mark is escaped."""

    def escape(m: re.Match[str]) -> str:
        mark = m.group(2)
        return m.group(1) + (mark + "\\" if mark[0].isdigit() else "\\" + mark)

    return _BLOCK_START.sub(escape, text)


def chart(fig: Any, key: str) -> None:
    """A plotly figure, full width, without the zoom bar, with its text alternative as a caption."""
    st.plotly_chart(fig, config=PLOTLY_CONFIG, key=f"{KEY}{key}")
    alt = (fig.layout.meta or {}).get("alt") if isinstance(fig.layout.meta, dict) else None
    if alt:
        st.caption(inert(alt))


def table(frame: pd.DataFrame, key: str, **config: Any) -> None:
    """A table, formula-safe: st.dataframe's own toolbar offers a CSV download of exactly this."""
    st.dataframe(safe_frame(frame), hide_index=True, key=f"{KEY}{key}", column_config=config or None)


def filters(account: Account, url: str, versions: pd.DataFrame, current: set[str]) -> DashboardFilters:
    """The filter block: version (current catalogue first), start dates, recruiter, campaigns, flags, grouping."""
    labels = {
        r.content_hash: f"{r.questionnaire_id} {r.version} · {r.content_hash[:12]} — {r.submitted:,} submitted"
        + ("" if r.content_hash in current else " (retired)")
        for r in versions.itertuples()
    }
    hashes = list(versions["content_hash"])
    preferred = versions.assign(current=versions["content_hash"].isin(current)).sort_values(
        ["current", "submitted"], ascending=False
    )
    with st.container(border=True):
        content_hash = st.selectbox(
            "Questionnaire version",
            hashes,
            index=hashes.index(preferred["content_hash"].iloc[0]),
            format_func=labels.get,
            key=f"{KEY}version",
            help="Each version's answers are kept apart: different wording or scoring is never pooled.",
        )
        if len(versions) > 1:
            st.caption(
                inert(
                    f"{len(versions)} versions with responses; the figures below use only the one selected: "
                    + "; ".join(f"{r.version} ({r.content_hash[:12]}): {r.submitted:,}" for r in versions.itertuples())
                )
            )
        today = datetime.now(UTC).date()
        left, right = st.columns(2)
        picked = left.date_input(
            "Started between",
            value=(today - timedelta(days=DEFAULT_DAYS), today),
            max_value=today + timedelta(days=1),
            key=f"{KEY}dates",
        )
        since, last = (picked[0], picked[-1]) if isinstance(picked, (tuple, list)) and picked else (picked, picked)
        known = read_campaigns(account, url, None)
        chosen = right.selectbox(
            "Recruiter", [ALL, *sorted(set(known["recruiter_id"].dropna()))], key=f"{KEY}recruiter"
        )
        recruiter = None if chosen == ALL else chosen
        pool = known if recruiter is None else known[known["recruiter_id"] == recruiter]
        campaigns = st.multiselect(
            "Campaigns",
            sorted(set(pool["campaign"].dropna())),
            key=f"{KEY}campaigns",
            placeholder="All campaigns",
            help="Pick two or more to compare them.",
        )
        left, right = st.columns(2)
        include_flagged = left.toggle(
            "Include quality-flagged responses",
            value=False,
            key=f"{KEY}flagged",
            help="Responses flagged for speeding, straight-lining or contradictory answers are left out by default.",
        )
        group_col = right.segmented_control(
            "Compare by", list(GROUP_LABELS), default="campaign", format_func=GROUP_LABELS.get, key=f"{KEY}by"
        )
    return DashboardFilters(
        content_hash=content_hash,
        since=since,
        until=last + timedelta(days=1),  # the end date is inclusive
        recruiter=recruiter,
        campaigns=tuple(campaigns),
        include_flagged=include_flagged,
        group_col=group_col or "campaign",
    )
