"""cohort.figures without Streamlit or a database: routing, weighted means, the row filter, weak items.

The large path is checked against a hand-written fake reader that aggregates the *full* set of rows
with pandas (what the database would return), while only the first ``limit`` rows are "read".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cohort import aggregate as agg
from cohort import figures as cf
from scoring.loader import load
from scoring.models import Questionnaire
from scoring.quality import FLAG_LABELS

BANK = Path(__file__).resolve().parents[1] / "questions" / "strategic-candidate.yaml"
K = 5


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load(BANK)


def responses(q: Questionnaire, n: int, seed: int = 3) -> pd.DataFrame:
    """Rows shaped like the store's responses frame: some unfinished, some flagged, two recruiters."""
    rng = np.random.default_rng(seed)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    done = rng.random(n) < 0.9
    overall = rng.uniform(0, 100, n)
    mins = [b.min for b in q.bands.overall]
    band = [q.bands.overall[int(np.searchsorted(mins, x, side="right")) - 1].id for x in overall]
    frame = pd.DataFrame(
        {
            "recruiter_id": rng.choice(["dana", "priya"], n),
            "campaign": rng.choice(["spring", "autumn", "data"], n),
            "started_at": [start + timedelta(hours=int(h)) for h in rng.integers(0, 24 * 60, n)],
            "duration_seconds": rng.uniform(200, 900, n),
            "page": rng.integers(0, len(q.sections), n),
            "overall": overall,
            "band": band,
            "flags": [["speeding"] if x < 0.1 else [] for x in rng.random(n)],
            "shared": rng.random(n) < 0.2,
        }
    )
    for d in q.dimensions:
        frame[d.id] = rng.uniform(0, 100, n)
    frame["submitted_at"] = (frame["started_at"] + pd.Timedelta(minutes=10)).where(done)
    unfinished = ~done
    frame.loc[unfinished, ["overall", "band", *(d.id for d in q.dimensions)]] = np.nan
    return frame.sort_values("started_at", kind="stable").reset_index(drop=True)


class FakeReader:
    """The database's per-group counts and means, computed with pandas over every row; records its calls."""

    def __init__(self, full: pd.DataFrame, q: Questionnaire) -> None:
        self.full, self.measures = full, ["overall", *(d.id for d in q.dimensions)]
        self.calls: list[tuple[str, str | None, bool, bool]] = []

    def __call__(
        self, group_by: str, *, campaign: str | None, submitted_only: bool = True, shared_only: bool = False
    ) -> pd.DataFrame:
        self.calls.append((group_by, campaign, submitted_only, shared_only))
        rows = self.full if campaign is None else self.full[self.full["campaign"] == campaign]
        if submitted_only:
            rows = rows[rows["submitted_at"].notna()]
        if shared_only:
            rows = rows[rows["shared"] & rows["submitted_at"].notna()]
        keys = {
            "band": rows["band"],
            "week": agg.week_start(rows["submitted_at"]),
            "campaign": rows["campaign"],
            "recruiter": rows["recruiter_id"],
        }[group_by]
        key = keys.astype(object).where(keys.notna(), "\0none")  # NULL is a group of its own, as in SQL
        grouped = rows.groupby(key.to_numpy())
        counts = {cf.count_column(m): grouped[m].count() for m in self.measures}  # SQL count(col): non-missing
        out = grouped[self.measures].mean().assign(n=grouped.size(), **counts).reset_index(names=group_by)
        out[group_by] = out[group_by].where(out[group_by] != "\0none", None)
        return out[[group_by, "n", *self.measures, *counts]]


def refusing_reader(group_by: str, **kw: Any) -> pd.DataFrame:
    raise AssertionError(f"no aggregate read expected while every row is read ({group_by}, {kw})")


def filters(**kw: Any) -> cf.DashboardFilters:
    return cf.DashboardFilters(scoring_key="h", since=date(2026, 1, 1), until=date(2026, 12, 31), **kw)


# ----- weighted means -----------------------------------------------------------------------------------------


def test_weighted_means_against_a_hand_computation() -> None:
    a = pd.DataFrame({"recruiter": ["x", "y"], "n": [10, 30], "overall": [50.0, 70.0], "grit": [20.0, np.nan]})
    b = pd.DataFrame({"recruiter": ["x", None], "n": [30, 5], "overall": [90.0, 40.0], "grit": [60.0, 10.0]})
    got = cf.weighted_means([a, b], "recruiter", ["overall", "grit"]).set_index("recruiter")
    assert got.loc["x", "n"] == 40
    assert got.loc["x", "overall"] == pytest.approx((10 * 50 + 30 * 90) / 40)  # 80, not the plain mean 70
    assert got.loc["x", "grit"] == pytest.approx((10 * 20 + 30 * 60) / 40)
    assert got.loc["y", "overall"] == pytest.approx(70.0) and pd.isna(got.loc["y", "grit"])
    assert got.loc[cf.NONE, "n"] == 5 and got.loc[cf.NONE, "overall"] == pytest.approx(40.0)


def test_weighted_means_of_per_campaign_tables_equal_the_pooled_means(q: Questionnaire) -> None:
    full = responses(q, 600)
    done = full[full["submitted_at"].notna()]
    read = FakeReader(full, q)
    per_campaign = [read("recruiter", campaign=c) for c in ("spring", "autumn", "data")]
    got = cf.weighted_means(per_campaign, "recruiter", read.measures).set_index("recruiter")
    pooled = done.groupby("recruiter_id")[read.measures].mean()  # an independent pandas computation
    assert got["n"].to_dict() == done.groupby("recruiter_id").size().to_dict()
    for m in read.measures:
        np.testing.assert_allclose(got[m].astype(float), pooled.loc[got.index, m], rtol=1e-12)


def test_weighted_means_weight_each_mean_by_its_own_count_when_a_score_is_missing() -> None:
    # Campaign a: 10 responses, grit known for only 2 of them (mean 20); campaign b: 10, all known (mean 60).
    a = pd.DataFrame({"band": ["high"], "n": [10], "overall": [50.0], "grit": [20.0], "n:grit": [2]})
    b = pd.DataFrame({"band": ["high"], "n": [10], "overall": [70.0], "grit": [60.0], "n:grit": [10]})
    got = cf.weighted_means([a, b], "band", ["overall", "grit"]).set_index("band")
    assert got.loc["high", "n"] == 20
    assert got.loc["high", "overall"] == pytest.approx(60.0)  # no n:overall column: known on every row
    # The mean of the 12 known grit scores: (2·20 + 10·60) / 12, not (10·20 + 10·60) / 20 = 40.
    assert got.loc["high", "grit"] == pytest.approx((2 * 20 + 10 * 60) / 12)


def test_weighted_means_with_missing_scores_equal_the_pooled_means(q: Questionnaire) -> None:
    full = responses(q, 600)
    dim = q.dimensions[0].id
    rng = np.random.default_rng(11)
    # A dimension left unscored on many rows of one campaign only, so groups differ in how many they miss.
    missing = (full["campaign"] == "spring").to_numpy() & (rng.random(len(full)) < 0.7)
    full.loc[missing, dim] = np.nan
    done = full[full["submitted_at"].notna()]
    read = FakeReader(full, q)
    per_campaign = [read("band", campaign=c) for c in ("spring", "autumn", "data")]
    got = cf.weighted_means(per_campaign, "band", read.measures).set_index("band")
    pooled = done.groupby("band")[read.measures].mean()
    np.testing.assert_allclose(got[dim].astype(float), pooled.loc[got.index, dim], rtol=1e-12)
    np.testing.assert_allclose(got["overall"].astype(float), pooled.loc[got.index, "overall"], rtol=1e-12)


def test_weighted_means_of_nothing_is_an_empty_table_with_the_columns() -> None:
    got = cf.weighted_means([pd.DataFrame(columns=["band", "n", "overall"])], "band", ["overall"])
    assert got.empty and list(got.columns) == ["band", "n", "overall"]
    assert list(cf.weighted_means([], "week", ["overall"]).columns) == ["week", "n", "overall"]


# ----- routing ---------------------------------------------------------------------------------------------------

COUNTS = pd.DataFrame(
    {"recruiter_id": ["dana", "dana", "priya"], "campaign": ["spring", "autumn", "data"], "started": [300, 80, 50]}
)


@pytest.mark.parametrize(
    ("kw", "max_rows", "bound", "limit"),
    [
        ({}, 1000, 430, 1000),  # all rows fit: read them all
        ({}, 400, 430, 100),  # more may match: a first read of large_sample
        ({"recruiter": "priya"}, 400, 50, 400),  # the recruiter filter narrows the bound
        ({"campaigns": ("spring",)}, 299, 300, 100),  # one campaign: its own count
        ({"campaigns": ("spring", "data")}, 400, 430, 100),  # several: the store reads all, so the total
        ({"recruiter": "dana", "campaigns": ("autumn",)}, 100, 80, 100),  # exactly at the edge is still "all"
    ],
)
def test_plan_reads(kw: dict[str, Any], max_rows: int, bound: int, limit: int) -> None:
    plan = cf.plan_reads(COUNTS, filters(**kw), max_rows, large_sample=100)
    assert (plan.bound, plan.limit) == (bound, limit)


def test_a_read_that_is_not_full_stays_exact_and_never_asks_the_reader(q: Questionnaire) -> None:
    rows = responses(q, 300)
    figs = cf.figures(q, rows, cf.ReadPlan(bound=5000, limit=300), filters(), refusing_reader, K, FLAG_LABELS)
    assert not figs.large and figs.exact is figs.view
    assert figs.view.headline.started == 300
    assert figs.scored == figs.view.scored < figs.view.headline.completed  # flagged ones left out


def test_a_full_read_takes_counts_and_means_from_the_reader(q: Questionnaire) -> None:
    full = responses(q, 900)
    read = FakeReader(full, q)
    f = filters(group_col="campaign")
    figs = cf.figures(q, full.iloc[:201], cf.ReadPlan(bound=900, limit=200), f, read, K, FLAG_LABELS)
    assert figs.large and isinstance(figs.exact, cf.SqlFigures)
    assert figs.view.headline.started == 200  # the rows read…
    done = full[full["submitted_at"].notna()]
    h = figs.exact.headline  # …and the exact figures over all of them, flagged included
    assert (h.started, h.completed) == (900, len(done))
    assert h.share_rate == pytest.approx(done["shared"].sum() / len(done))
    assert figs.scored == len(done)
    bands = figs.exact.bands.set_index("band")["n"]
    assert bands.to_dict() == {b.id: int((done["band"] == b.id).sum()) for b in q.bands.overall}
    means = figs.exact.comparison.set_index(["campaign", "measure"])["mean"]
    for campaign, group in done.groupby("campaign"):
        assert means[(campaign, "overall")] == pytest.approx(group["overall"].mean())
    weeks = figs.exact.trend
    assert weeks["n"].sum() == len(done)
    assert {c[1] for c in read.calls} == {None}  # no campaign picked: one read over all per figure


def test_picked_campaigns_are_read_one_by_one_and_added(q: Questionnaire) -> None:
    full = responses(q, 900)
    read = FakeReader(full, q)
    f = filters(campaigns=("spring", "data"))
    figs = cf.figures(q, full.iloc[:101], cf.ReadPlan(bound=900, limit=100), f, read, K, FLAG_LABELS)
    picked = full[full["campaign"].isin(["spring", "data"])]
    assert figs.exact.headline.started == len(picked)
    assert figs.exact.headline.completed == picked["submitted_at"].notna().sum()
    assert {c[1] for c in read.calls} == {"spring", "data"}
    assert set(figs.view.comparison["campaign"]) <= {"spring", "data", agg.OTHER}


def test_the_reader_is_asked_only_for_the_figures_shown(q: Questionnaire) -> None:
    full = responses(q, 400)
    read = FakeReader(full, q)
    figs = cf.figures(q, full.iloc[:101], cf.ReadPlan(bound=400, limit=100), filters(), read, K, FLAG_LABELS)
    assert read.calls == []
    _ = figs.exact.headline
    assert {c[0] for c in read.calls} == {"band"}


# ----- rows for the psychometrics and the export --------------------------------------------------------------


def test_select_rows_keeps_picked_campaigns_and_drops_flagged_unless_included(q: Questionnaire) -> None:
    rows = responses(q, 200)
    both = cf.select_rows(rows, ("spring",), include_flagged=False)
    assert set(both["campaign"]) == {"spring"} and (both["flags"].map(len) == 0).all()
    assert len(cf.select_rows(rows, (), include_flagged=True)) == 200
    flagged = rows["flags"].map(len) > 0
    assert len(cf.select_rows(rows, ("spring",))) == (rows["campaign"] == "spring").sum()
    assert len(cf.select_rows(rows, (), include_flagged=False)) == 200 - flagged.sum()


def test_psychometrics_basis_samples_reproducibly_and_says_how(q: Questionnaire) -> None:
    rows = responses(q, 300)
    small = cf.figures(q, rows, cf.ReadPlan(bound=300, limit=1000), filters(), refusing_reader, K, FLAG_LABELS)
    whole = cf.psychometrics_basis(rows, small, limit=1000, sample=500)
    assert len(whole.rows) == 300 and whole.note == ""
    sampled = cf.psychometrics_basis(rows, small, limit=1000, sample=120)
    assert len(sampled.rows) == 120 and sampled.available == 300
    assert sampled.note == " (a random sample, seed 0, of 300)"
    assert sampled.rows.index.equals(cf.psychometrics_basis(rows, small, limit=1000, sample=120).rows.index)
    large = cf.figures(q, rows, cf.ReadPlan(bound=900, limit=100), filters(), FakeReader(rows, q), K, FLAG_LABELS)
    assert cf.answers_limit(large.large, sample=50, max_rows=1000) == 50
    assert cf.answers_limit(small.large, sample=50, max_rows=1000) == 1000
    note = cf.psychometrics_basis(rows.iloc[:50], large, limit=50, sample=50).note
    assert note == f" (the first 50 of {rows['submitted_at'].notna().sum():,} responses, oldest first)"


# ----- weak items ---------------------------------------------------------------------------------------------------


def test_flag_items_rules() -> None:
    rel = pd.DataFrame(
        {
            "dimension": ["d"] * 8,
            "item": ["", "neg", "zero", "low", "edge", "ok", "nan", "tiny_neg"],
            "r_it": [np.nan, -0.3, 0.0, 0.19, cf.WEAK_ITEM_R, 0.55, np.nan, -1e-9],
        }
    )
    items = cf.flag_items(rel).set_index("item")["flag"]
    assert "" not in items.index  # the summary row is not an item
    assert items.to_dict() == {
        "neg": cf.NEGATIVE,
        "zero": cf.WEAK,
        "low": cf.WEAK,
        "edge": "",  # at the threshold: not weak
        "ok": "",
        "nan": "",  # not computable: nothing to flag
        "tiny_neg": cf.NEGATIVE,
    }
    assert cf.flag_items(rel, threshold=0.6).set_index("item").loc["ok", "flag"] == cf.WEAK


def test_one_campaign_is_what_the_store_can_filter_on() -> None:
    assert filters(campaigns=("a",)).one_campaign == "a"
    assert filters(campaigns=("a", "b")).one_campaign is None and filters().one_campaign is None


# ----- the lazy view ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("include_flagged", [False, True])
@pytest.mark.parametrize("group_col", ["campaign", "recruiter_id"])
def test_row_view_builds_every_table_as_build_view_does(
    q: Questionnaire, include_flagged: bool, group_col: str
) -> None:
    rows = responses(q, 400)
    rows.loc[rows.index[:40], "campaign"] = "tiny-" + rows.index[:40].astype(str)  # small groups to merge
    kw: dict[str, Any] = {"flag_labels": dict(FLAG_LABELS), "group_col": group_col, "include_flagged": include_flagged}
    eager = agg.build_view(q, rows, K, **kw)
    lazy = cf.RowView(q, rows, K, **kw)
    assert lazy.headline == eager.headline
    assert (lazy.scored, lazy.flagged_excluded) == (eager.scored, eager.flagged_excluded)
    for name in ("overall", "bands", "comparison", "trend", "dropoff", "flags"):
        pd.testing.assert_frame_equal(getattr(lazy, name), getattr(eager, name), obj=name)
    assert lazy.dimensions.keys() == eager.dimensions.keys()
    for d, table in eager.dimensions.items():
        pd.testing.assert_frame_equal(lazy.dimensions[d], table, obj=d)


def test_row_view_refuses_pooled_versions(q: Questionnaire) -> None:
    rows = responses(q, 20).assign(content_hash=["a", "b"] * 10)
    with pytest.raises(ValueError, match="pooled"):
        cf.RowView(q, rows, K, flag_labels={})
