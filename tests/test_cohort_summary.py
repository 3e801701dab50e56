"""The first render from the store's summary equals the tables built from rows, on SQLite and PostgreSQL.

Three texts share one scoring key: English, German, and an English text whose dimensions come in the
other order (so its score slots map the other way round). Scores include values exactly on histogram
and band edges, 0, 100, values outside 0–100 and missing ones; some responses are unfinished, some
quality-flagged, some shared, some started before the period but submitted in it. Every selection is
computed twice — ``cohort.figures`` over the rows read (``RowView``, and ``SqlFigures`` past the row
budget) and ``cohort.summary`` over ``Store.response_summary`` — and the tables must be equal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from cohort import figures as cf
from cohort import summary as cs
from scoring.loader import parse
from scoring.models import Questionnaire
from scoring.quality import FLAG_LABELS
from storage import Filters, Store
from storage.bulk import bulk_insert

FOLDER = Path(__file__).resolve().parent / "data" / "translations"
SINCE, UNTIL = date(2026, 3, 1), date(2026, 4, 1)
EDGE_VALUES = [0.0, 100.0, 5.0, 10.0, 42.5, 70.0, 42.4999, 69.99999, 99.9, 0.5, 55.0, 40.0, -1.0, 100.5]


def _text(name: str) -> Questionnaire:
    # A band boundary off the 5-point grid, in every text alike (they keep one scoring key).
    raw = (
        (FOLDER / name).read_text(encoding="utf-8").replace("max: 40}", "max: 42.5}").replace("max: 40,", "max: 42.5,")
    )
    return parse(raw.replace("min: 40,", "min: 42.5,"))


EN, DE = _text("mini.yaml"), _text("mini.de.yaml")
_data = EN.model_dump(mode="json")
_data["dimensions"] = list(reversed(_data["dimensions"]))
REORDERED = Questionnaire.model_validate(_data)


def _frame(q: Questionnaire, n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    rng = np.random.default_rng(seed)
    start = datetime(2026, 2, 26, tzinfo=UTC)
    started = [start + timedelta(hours=int(h)) for h in rng.integers(0, 24 * 38, n)]
    submitted = [s + timedelta(hours=int(h)) for s, h in zip(started, rng.integers(0, 72, n), strict=True)]

    def scores() -> np.ndarray:
        values = rng.uniform(0, 100, n)
        pick = rng.random(n)
        values[pick < 0.45] = rng.choice(EDGE_VALUES, int((pick < 0.45).sum()))
        values[pick > 0.93] = np.nan
        return values

    overall = scores()
    mins = [b.min for b in q.bands.overall]
    band = [
        None if np.isnan(x) else q.bands.overall[max(0, int(np.searchsorted(mins, x, side="right")) - 1)].id
        for x in overall
    ]
    duration = np.round(rng.uniform(30, 900, n), 3)
    duration[rng.random(n) < 0.05] = np.nan
    frame = pd.DataFrame(
        {
            "started_at": started,
            "submitted_at": submitted,
            "duration_seconds": duration,
            "recruiter_id": rng.choice(["dana", "priya"], n),
            "campaign": rng.choice(["spring", "autumn", "data", None], n),
            "role": rng.choice(["u", "s", "p", "p", "p"], n),  # unfinished, shared, plain (set below)
        }
    )
    table = pd.DataFrame({"overall": overall, "band": band, "near_boundary": False})
    for d in q.dimensions:
        table[d.id] = scores()
    flags = [
        '["speeding"]' if x < 0.15 else '["straightlining", "speeding"]' if x < 0.2 else "[]" for x in rng.random(n)
    ]
    return frame, table, flags


@pytest.fixture
def loaded(store: Store) -> Store:
    for seed, (q, n) in enumerate(((EN, 160), (DE, 70), (REORDERED, 90))):
        store.register(q)
        frame, table, flags = _frame(q, n, seed)
        bulk_insert(store.database, q, frame, table, flags, attribution_columns=("recruiter_id", "campaign", "role"))
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE questionnaires SET scoring_key = :key WHERE content_hash = :h"),
            {"key": EN.scoring_key, "h": REORDERED.content_hash},
        )
        conn.execute(
            text(
                "UPDATE responses SET submitted_at = NULL, flags = NULL, overall = NULL, band = NULL, page = 1, "
                + ", ".join(f"score_{s:02d} = NULL" for s in (1, 2))
                + " WHERE role = 'u'"
            )
        )
        conn.execute(text("UPDATE responses SET shared = TRUE WHERE role = 's'"))
    return store


def _reader(store: Store, f: cf.DashboardFilters) -> Any:
    def read(group_by: str, *, campaign: str | None, submitted_only: bool = True, shared_only: bool = False) -> Any:
        filters = Filters(
            scoring_key=f.scoring_key,
            since=f.since,
            until=f.until,
            recruiter_id=f.recruiter,
            campaign=campaign,
            submitted_only=submitted_only,
            shared_only=shared_only,
        )
        return store.aggregate(group_by, filters, counts=True)  # type: ignore[arg-type]

    return read


def both(store: Store, f: cf.DashboardFilters, plan: cf.ReadPlan, k: int) -> tuple[cf.Figures, cs.SummaryView]:
    filters = Filters(
        scoring_key=f.scoring_key,
        since=f.since,
        until=f.until,
        recruiter_id=f.recruiter,
        campaign=f.one_campaign,
        submitted_only=False,
    )
    rows = store.responses_frame(filters, limit=plan.limit + 1)
    figs = cf.figures(EN, rows, plan, f, _reader(store, f), k, FLAG_LABELS)
    summary = store.response_summary(
        filters,
        edges=cs.overall_edges(EN).tolist(),
        dim_edges=cs.dimension_edges(EN).tolist(),
        campaigns=f.campaigns,
        sample_limit=cs.sample_limit(plan),
    )
    read = _reader(store, f)
    view = cs.SummaryView(
        EN,
        summary,
        k,
        limit=plan.limit,
        include_flagged=f.include_flagged,
        exact=lambda median: cf.SqlFigures(median, EN, None, read, f, k),
    )
    return figs, view


def assert_same(figs: cf.Figures, view: cs.SummaryView) -> None:
    assert view.large == figs.large
    assert view.headline == figs.exact.headline
    pd.testing.assert_frame_equal(view.bands, figs.exact.bands)
    pd.testing.assert_frame_equal(view.languages, figs.exact.languages)
    pd.testing.assert_frame_equal(view.overall, figs.view.overall)
    assert view.dimensions.keys() == figs.view.dimensions.keys()
    for dim, table in figs.view.dimensions.items():
        pd.testing.assert_frame_equal(view.dimensions[dim], table, obj=dim)
    assert (view.scored, view.flagged_excluded) == (figs.view.scored, figs.view.flagged_excluded)
    assert view.scored_shown == figs.scored


SELECTIONS = [
    {},
    {"include_flagged": True},
    {"recruiter": "dana"},
    {"campaigns": ("spring",)},
    {"campaigns": ("spring", "data")},
    {"recruiter": "priya", "campaigns": ("autumn", "data"), "include_flagged": True},
    {"campaigns": ("nobody",)},
]


@pytest.mark.parametrize("k", [1, 4])
@pytest.mark.parametrize("kw", SELECTIONS, ids=lambda kw: ",".join(f"{a}={b}" for a, b in kw.items()) or "all")
def test_every_table_equals_the_rows_view(loaded: Store, kw: dict[str, Any], k: int) -> None:
    f = cf.DashboardFilters(EN.scoring_key, SINCE, UNTIL, **kw)
    figs, view = both(loaded, f, cf.ReadPlan(bound=500, limit=1000), k)
    assert not figs.large
    assert_same(figs, view)
    if not kw:  # the data exercise what the test is about
        assert figs.view.headline.completed > 100 and figs.view.flagged_excluded > 5
        assert figs.view.overall["n"].sum() > 50 and view.summary.median_duration is not None


@pytest.mark.parametrize("limit", [40, 120, 299, 100_000])
@pytest.mark.parametrize(
    "kw", [{}, {"campaigns": ("spring", "autumn")}, {"recruiter": "dana", "include_flagged": True}]
)
def test_past_the_row_budget_the_sampled_route_is_the_same(loaded: Store, kw: dict[str, Any], limit: int) -> None:
    f = cf.DashboardFilters(EN.scoring_key, SINCE, UNTIL, **kw)
    figs, view = both(loaded, f, cf.ReadPlan(bound=10**6, limit=limit), 3)
    assert figs.large == (limit < 200)  # about 250 responses started in the period
    assert_same(figs, view)


def test_an_empty_period_gives_empty_tables(loaded: Store) -> None:
    f = cf.DashboardFilters(EN.scoring_key, date(2020, 1, 1), date(2020, 2, 1))
    for plan in (cf.ReadPlan(0, 100), cf.ReadPlan(10**6, 100)):
        figs, view = both(loaded, f, plan, 3)
        assert_same(figs, view)
        assert view.headline.started == 0 and view.summary.median_duration is None


def test_an_empty_store_gives_empty_tables(store: Store) -> None:
    store.register(EN)
    figs, view = both(store, cf.DashboardFilters(EN.scoring_key, SINCE, UNTIL), cf.ReadPlan(0, 100), 3)
    assert_same(figs, view)


def test_the_median_is_pandas_median_for_even_and_odd_counts(store: Store) -> None:
    store.register(EN)
    for n in (4, 5):
        frame, table, flags = _frame(EN, n, 7)
        frame["started_at"] = datetime(2026, 3, 2, tzinfo=UTC) + pd.to_timedelta(np.arange(n), unit="h")
        frame["submitted_at"] = frame["started_at"] + timedelta(minutes=5)
        frame["duration_seconds"] = [0.1, 0.2, 1e9 / 3, 7.7, 2.0][:n]
        bulk_insert(store.database, EN, frame, table, flags)
        filters = Filters(scoring_key=EN.scoring_key, since=SINCE, until=UNTIL, submitted_only=False)
        summary = store.response_summary(filters, edges=[0.0, 100.0], dim_edges=[0.0, 100.0])
        durations = store.responses_frame(filters)["duration_seconds"]
        assert summary.median_duration == float(durations.median())
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM responses"))


def test_the_summary_refuses_a_selection_it_cannot_sum(store: Store) -> None:
    with pytest.raises(ValueError, match="started in the period"):
        store.response_summary(Filters(scoring_key="k"), edges=[0.0, 100.0], dim_edges=[0.0, 100.0])
    with pytest.raises(ValueError, match="one instrument"):
        store.response_summary(Filters(submitted_only=False), edges=[0.0, 100.0], dim_edges=[0.0, 100.0])


def test_past_the_row_budget_the_summary_scans_only_the_sample(loaded: Store) -> None:
    """The exact counts come from the grouped aggregates (the rollup), so the summary's own scan stays in the sample."""
    f = cf.DashboardFilters(EN.scoring_key, SINCE, UNTIL)
    figs, view = both(loaded, f, cf.ReadPlan(bound=10**6, limit=40), 3)
    assert view.large and figs.large
    assert int(view.summary.groups["n"].sum()) <= 40 < view.headline.started
    with pytest.raises(ValueError, match="exact"):
        cs.SummaryView(EN, view.summary, 3, limit=40)
