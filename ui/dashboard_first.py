"""What the dashboard draws on every rerun, built once and held: the filter lists and the first render.

Every widget click reruns the whole page. Before this module, each rerun rebuilt the first render from
its cached reads: the suppressed histograms and tables (``cohort.summary.SummaryView``), the plotly
figures (``reports.cohort_charts``) and the tables as shown (notes in the page's language, formula-safe
cells), and the filter block's lists (instruments grouped from the versions, their titles and labels,
the recruiters and campaigns). None of that changes until the selection, the language or the data does,
so ``catalogue`` builds the lists once per database and language, and ``first_render`` the first render
once per selection and language, and both hold the finished objects (``st.cache_resource``: handed back
as they are, not copied per run); a rerun only draws them.

The rule of ``ui.dashboard_data`` holds here too: the account is checked on every call, before the cache
is consulted, and the cache is keyed on the database URL and the selection, never on the account. What is
held is plain data (counts, frames, figures); nothing that could read the store again with the account
of whoever built it. What is held expires with the reads' ``TTL``. The versions, campaign counts and
summary under it are read afresh when it is built (``ui.dashboard_data`` does not cache them); past the
row budget, the exact counts come through the grouped reads' own cache (shared with the Compare tab), so
there a figure can be up to twice ``TTL`` old.

Nothing here mutates what it hands out, and the page must not either: ``st.dataframe`` and
``st.plotly_chart`` read their input (the chart is copied by ``Figure.to_dict``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from access.accounts import Account, require_cohort_reader
from cohort import aggregate as agg
from cohort import figures as cf
from cohort.figures import DashboardFilters, ReadPlan
from reports import cohort_charts as charts
from scoring.models import Questionnaire
from ui import resources
from ui.dashboard_data import TTL, first_view, read_campaigns, read_versions
from ui.dashboard_parts import dimension_labels, instrument_label, shown


@dataclass(frozen=True)
class Catalogue:
    """The filter block's lists for one database, in one language: what is there to pick from."""

    instruments: pd.DataFrame  # ``cohort.figures.instruments``: one row per scoring key
    labels: dict[str, str]  # scoring key → its label in the picker
    preferred: str  # the key picked by default: the current catalogue's, most submitted first
    texts: dict[str, Questionnaire | None]  # scoring key → the text that labels its figures (in the language)
    rows: dict[str, Any]  # scoring key → its row of ``instruments`` (versions, languages, counts)
    campaigns: pd.DataFrame  # ``read_campaigns`` for every recruiter
    recruiters: list[str]  # every recruiter with a campaign, sorted
    campaign_names: dict[str | None, list[str]]  # each recruiter's campaigns (None: everybody's), sorted


def catalogue(account: Account, url: str, lang: str) -> Catalogue | None:
    """The filter lists (None when nothing is submitted yet), built on the first call, then held for ``TTL``."""
    require_cohort_reader(account)
    return _catalogue(url, lang, account)


@dataclass(frozen=True)
class FirstRender:
    """What the first render draws for one selection and language, finished."""

    large: bool  # more responses match than the row budget: distributions come from the sample
    headline: agg.Headline
    scored: int  # submitted responses behind the distributions
    scored_shown: int  # the count the caption names (exact when large)
    flagged_excluded: int
    languages: pd.DataFrame  # as shown (``dashboard_parts.shown``)
    bands: pd.DataFrame  # as shown, without the band id
    overall_chart: Any  # plotly figures
    bands_chart: Any
    dimensions_chart: Any


def first_render(
    account: Account, url: str, q: Questionnaire, f: DashboardFilters, plan: ReadPlan, k: int, lang: str
) -> FirstRender:
    """The first render for these filters in ``lang``: built on the first call, then held for ``TTL`` seconds."""
    require_cohort_reader(account)
    return _first_render(url, q.content_hash, f, plan, k, lang, account, q)


def clear() -> None:
    """Drop what is held here, with every data cache: a benchmark's or a test's cold start."""
    _catalogue.clear()
    _first_render.clear()
    st.cache_data.clear()


@st.cache_resource(ttl=TTL, max_entries=16, show_spinner=False)
def _catalogue(url: str, lang: str, _account: Account) -> Catalogue | None:
    versions = read_versions(_account, url)
    if versions.empty:
        return None
    instruments = cf.instruments(versions)
    library = [(code, q) for by_lang in resources.library().values() for code, q in by_lang.items()]
    current = {q.scoring_key for _, q in library}
    # Figures are labelled in the page's language: the questions/ text in ``lang`` that shares the key, else a
    # stored text in ``lang``, else English (cohort.figures.representative). The data pools every text alike.
    in_lang = {q.scoring_key: q for code, q in library if code == lang}
    texts = {
        key: in_lang.get(key) or resources.questionnaire_by_hash(cf.representative(versions, key, lang))
        for key in instruments["scoring_key"]
    }
    labels = {}
    for row in instruments.itertuples():
        named = texts[row.scoring_key]
        labels[row.scoring_key] = instrument_label(
            row, named.meta.title if named is not None else row.questionnaire_id, current
        )
    preferred = instruments.assign(current=instruments["scoring_key"].isin(current)).sort_values(
        ["current", "submitted"], ascending=False, kind="stable"
    )
    campaigns = read_campaigns(_account, url, None)
    with_name = campaigns.dropna(subset=["campaign"])
    names: dict[str | None, list[str]] = {None: sorted(set(with_name["campaign"]))}
    for recruiter, part in with_name.groupby("recruiter_id"):
        names[str(recruiter)] = sorted(set(part["campaign"]))
    return Catalogue(
        instruments=instruments,
        labels=labels,
        preferred=str(preferred["scoring_key"].iloc[0]),
        texts=texts,
        rows={row.scoring_key: row for row in instruments.itertuples()},
        campaigns=campaigns,
        recruiters=sorted(set(campaigns["recruiter_id"].dropna())),
        campaign_names=names,
    )


def wire_form(fig: Any) -> Any:
    """The figure as it travels: rebuilt from its own JSON, so its numpy arrays are encoded once, here, not on
    every rerun's ``st.plotly_chart`` (which serialises what it is given; the drawn JSON is the same, tested).

    Measured on the Scores tab's three figures (20k responses): drawing them takes 4.0 ms a rerun in this
    form against 6.3 ms as built; building the form once takes about 12 ms. The JSON comes from a figure
    plotly has already validated, so it is not validated again (``_validate=False``, plotly's own switch:
    validating costs 40 ms and finds nothing new)."""
    return type(fig)(json.loads(fig.to_json()), _validate=False)


@st.cache_resource(ttl=TTL, max_entries=16, show_spinner=False)
def _first_render(
    url: str,
    content_hash: str,
    f: DashboardFilters,
    plan: ReadPlan,
    k: int,
    lang: str,
    _account: Account,
    _q: Questionnaire,
) -> FirstRender:
    # ``_account`` and ``_q`` are left out of the key (leading underscore): the account was checked by the
    # caller, and the questionnaire is keyed by its content hash.
    q = _q
    first = first_view(_account, url, q, f, plan, k)
    labels = dimension_labels(q)
    return FirstRender(
        large=first.large,
        headline=first.headline,
        scored=first.scored,
        scored_shown=first.scored_shown,
        flagged_excluded=first.flagged_excluded,
        languages=shown(first.languages),
        bands=shown(first.bands.drop(columns=["band"])),
        overall_chart=wire_form(charts.distribution_figure(first.overall, q.bands.overall, k, lang=lang)),
        bands_chart=wire_form(charts.band_split_figure(first.bands, k, lang=lang)),
        dimensions_chart=wire_form(
            charts.dimension_distributions_figure(first.dimensions, labels, q.bands.dimension, k, lang=lang)
        ),
    )
