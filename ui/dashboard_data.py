"""The coach dashboard's reads, each refused unless the account may read cohort figures.

Every figure on the dashboard is computed over all candidates, sharers or not, so it is for coaches
and admins only (``access.accounts.COHORT_ROLES``). The page checks the role before it draws anything;
these functions check it again before any data is fetched — including the deferred CSV export, which
runs when the download is requested — so no route to a read skips the rule.

Reads are cached with ``st.cache_data`` keyed on the database URL and the filters (never on the
account: the check runs on every call, before the cache), for ``TTL`` seconds — except the versions, the
campaign counts and the summary, whose only page caller (``ui.dashboard_first``) holds what it builds from
them for ``TTL`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from access.accounts import Account, require_cohort_reader
from cohort import summary as cs
from cohort.figures import DashboardFilters, ReadPlan, SqlFigures
from cohort.summary import SummaryView
from scoring.models import Questionnaire
from storage import Filters
from ui import resources
from ui.lang import t

TTL = 300  # seconds a read stays cached; new responses show up within this
CONTACT = ("contact_name", "contact_email")


def _store() -> Any:
    store = resources.store()
    if store is None:
        raise RuntimeError("the response store is unavailable")
    return store


# ----- checked entry points --------------------------------------------------------------------------


def read_versions(account: Account, url: str) -> pd.DataFrame:
    """Questionnaire versions (content hash, scoring key, language) with a submitted response, and their counts."""
    require_cohort_reader(account)
    return _versions(url)


def read_campaigns(account: Account, url: str, recruiter_id: str | None) -> pd.DataFrame:
    """(recruiter_id, campaign, started, completed, shared) for the filter lists."""
    require_cohort_reader(account)
    return _campaigns(url, recruiter_id)


def read_responses(
    account: Account,
    url: str,
    scoring_key: str,
    since: date,
    until: date,
    recruiter_id: str | None,
    limit: int,
    campaign: str | None,
) -> pd.DataFrame:
    """Responses started in [since, until) to one scoring key (all its texts), oldest first, at most ``limit``."""
    require_cohort_reader(account)
    with st.spinner(t("Reading responses…")):  # here, not on the cache: its text is fixed at import, in English
        return _responses(url, _filters(scoring_key, since, until, recruiter_id, campaign, submitted_only=False), limit)


def read_summary(
    account: Account,
    url: str,
    scoring_key: str,
    since: date,
    until: date,
    recruiter_id: str | None,
    campaigns: tuple[str, ...],
    sample_limit: int | None,
    edges: tuple[float, ...],
    dim_edges: tuple[float, ...],
) -> Any:
    """The first render's figures from the database (``storage.summary``): counts and bins, no response rows.

    Responses started in [since, until) to one scoring key, of the picked ``campaigns`` (all when none);
    ``sample_limit``: the rows read's size when more may match (``cohort.summary.sample_limit``).
    """
    require_cohort_reader(account)
    one = campaigns[0] if len(campaigns) == 1 else None
    filters = _filters(scoring_key, since, until, recruiter_id, one, submitted_only=False)
    return _summary(url, filters, campaigns, sample_limit, edges, dim_edges)


def read_groups(
    account: Account,
    url: str,
    group_by: str,
    scoring_key: str,
    since: date,
    until: date,
    recruiter_id: str | None,
    campaign: str | None,
    submitted_only: bool = True,
    shared_only: bool = False,
) -> pd.DataFrame:
    """Counts and means per group, computed by the database, with each measure's own count (``n:<measure>``)."""
    require_cohort_reader(account)
    filters = _filters(
        scoring_key, since, until, recruiter_id, campaign, submitted_only=submitted_only, shared_only=shared_only
    )
    return _groups(url, group_by, filters)


def read_answers(
    account: Account, url: str, scoring_key: str, since: date, until: date, recruiter_id: str | None, limit: int
) -> pd.DataFrame:
    """Submitted responses with their answers (psychometrics and export), at most ``limit`` rows; no contact."""
    require_cohort_reader(account)
    with st.spinner(t("Reading answers…")):
        return _answers(url, _filters(scoring_key, since, until, recruiter_id, None, submitted_only=True), limit)


def group_reader(
    account: Account, url: str, scoring_key: str, since: date, until: date, recruiter_id: str | None
) -> Callable[..., pd.DataFrame]:
    """A ``cohort.figures.GroupReader`` over ``read_groups`` for these filters (each call checks the account)."""

    def read(
        group_by: str, *, campaign: str | None, submitted_only: bool = True, shared_only: bool = False
    ) -> pd.DataFrame:
        return read_groups(
            account, url, group_by, scoring_key, since, until, recruiter_id, campaign, submitted_only, shared_only
        )

    return read


def first_view(
    account: Account, url: str, q: Questionnaire, f: DashboardFilters, plan: ReadPlan, k: int
) -> SummaryView:
    """The first render's tables (headline, Scores tab) without response rows: the store's summary and,
    past the row budget, the exact counts from the grouped aggregates (the cohort rollup). The page and
    ``bench/bench_dashboard.py`` both call this, so the benchmark times what the page does."""
    totals = read_summary(
        account,
        url,
        f.scoring_key,
        f.since,
        f.until,
        f.recruiter,
        f.campaigns,
        cs.sample_limit(plan),
        tuple(cs.overall_edges(q).tolist()),
        tuple(cs.dimension_edges(q).tolist()),
    )
    read = group_reader(account, url, f.scoring_key, f.since, f.until, f.recruiter)

    def exact(median: float | None) -> SqlFigures:
        return SqlFigures(median, q, None, read, f, k)

    return SummaryView(q, totals, k, limit=plan.limit, include_flagged=f.include_flagged, exact=exact)


# ----- cached reads (the URL keys the cache to one database) -----------------------------------------


# Not cached here (nor _campaigns): their only page caller is ``ui.dashboard_first.catalogue``, which holds
# the lists built from them for TTL; a second cache under it would let the lists be twice as old.
def _versions(url: str) -> pd.DataFrame:
    versions = _store().questionnaire_versions()
    return versions[versions["submitted"] > 0].reset_index(drop=True)


def _campaigns(url: str, recruiter_id: str | None) -> pd.DataFrame:
    return _store().campaign_counts(recruiter_id)


def _frame(filters: Filters, *, limit: int, include_answers: bool = False) -> pd.DataFrame:
    """A responses frame for the dashboard: never a contact column, whatever the store's defaults become."""
    frame = _store().responses_frame(filters, limit=limit, include_answers=include_answers)
    return frame.drop(columns=[c for c in CONTACT if c in frame.columns])


def _filters(
    scoring_key: str,
    since: date,
    until: date,
    recruiter_id: str | None,
    campaign: str | None,
    *,
    submitted_only: bool,
    shared_only: bool = False,
) -> Filters:
    """The store's filters for the dashboard's selection: one scoring key, a date window, a recruiter, a campaign."""
    return Filters(
        scoring_key=scoring_key,
        since=since,
        until=until,
        recruiter_id=recruiter_id,
        campaign=campaign,
        submitted_only=submitted_only,
        shared_only=shared_only,
    )


# The filters are a frozen dataclass: st.cache_data keys on their values like on any other argument.
@st.cache_data(ttl=TTL, show_spinner=False, max_entries=16)
def _responses(url: str, filters: Filters, limit: int) -> pd.DataFrame:
    return _frame(filters, limit=limit)


# Not cached here: its only caller is ``first_view``, whose result ``ui.dashboard_first`` holds per selection
# (a second cache under it would add its TTL to how old a held figure can be).
def _summary(
    url: str,
    filters: Filters,
    campaigns: tuple[str, ...],
    sample_limit: int | None,
    edges: tuple[float, ...],
    dim_edges: tuple[float, ...],
) -> Any:
    return _store().response_summary(
        filters, edges=edges, dim_edges=dim_edges, campaigns=campaigns, sample_limit=sample_limit
    )


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def _groups(url: str, group_by: str, filters: Filters) -> pd.DataFrame:
    return _store().aggregate(group_by, filters, counts=True)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=8)
def _answers(url: str, filters: Filters, limit: int) -> pd.DataFrame:
    return _frame(filters, limit=limit, include_answers=True)
