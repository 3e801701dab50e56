"""Cohort numbers from the store: percentile, listing with filters, SQL aggregates, counts, bulk loading.

Expected values are computed here from what the test itself put in (plain Python or pandas), never
copied from the store's output.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from scoring.engine import answers_from_row, score, score_frame
from scoring.loader import parse
from scoring.quality import flags as quality_flags
from scoring.sample import generate
from service import submissions
from service.bulk import bulk_load
from storage import GROUP_BY, Attribution, InvalidAnswers, Store
from tests.conftest import TEST_DATA

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday
FULL = {"p1": 4, "p2": 2, "p3": 5, "e1": 4, "e2": 2, "s1": "listen"}


def answers_for(level: int) -> dict[str, Any]:
    """A complete answer set whose scores rise with level (1–5)."""
    return {"p1": level, "p2": 6 - level, "p3": level, "e1": level, "e2": 6 - level, "s1": "listen"}


# ----- percentile ----------------------------------------------------------------------------


def test_percentile_counts_ties_half(store: Store, minimal_q: Any) -> None:
    overalls = []
    for level in (1, 2, 2, 3, 5):
        started = store.start(minimal_q)
        overalls.append(submissions.submit(store, started.resume_token, answers_for(level)).overall)
    store.start(minimal_q)  # unsubmitted: not in the cohort
    for x in [*set(overalls), 0.0, 100.0, (overalls[0] + overalls[1]) / 2]:
        expected = 100 * (sum(o < x for o in overalls) + 0.5 * sum(o == x for o in overalls)) / len(overalls)
        pct, n = store.percentile(minimal_q.content_hash, x)
        assert n == 5
        assert pct == pytest.approx(expected)


def test_percentile_pools_translations_and_never_another_key(store: Store, minimal_q: Any) -> None:
    """A German candidate is compared with everyone who answered the same instrument, in any language."""
    data = minimal_q.model_dump()
    data["meta"]["language"] = "de"
    data["sections"][0]["items"][0]["text"] = "Eine übersetzte Aussage."
    german = type(minimal_q).model_validate(data)
    data["sections"][0]["items"][0]["reverse"] = not minimal_q.sections[0].items[0].reverse  # another key
    other = type(minimal_q).model_validate(data)
    assert german.scoring_key == minimal_q.scoring_key != other.scoring_key
    assert german.content_hash != minimal_q.content_hash
    for q, level in ((minimal_q, 1), (minimal_q, 5), (german, 2), (other, 3), (other, 4)):
        store.register(q)
        started = store.start(q)
        submissions.submit(store, started.resume_token, answers_for(level))
    for q in (minimal_q, german):
        assert store.percentile(q.content_hash, 50.0)[1] == 3  # both languages, not the other key
    assert store.percentile(other.content_hash, 50.0)[1] == 2


def test_percentile_before_a_cutoff_counts_only_earlier_submissions(store: Store, minimal_q: Any) -> None:
    """The daily snapshot: a response submitted after the cutoff moves nobody's comparison."""
    cutoff = datetime(2026, 3, 2, tzinfo=UTC)
    early = [cutoff - timedelta(hours=h) for h in (30, 5)]
    for when, level in zip(early, (1, 5), strict=True):
        started = store.start(minimal_q, now=when)
        submissions.submit(store, started.resume_token, answers_for(level), now=when)
    late = cutoff + timedelta(minutes=1)
    started = store.start(minimal_q, now=late)
    target = submissions.submit(store, started.resume_token, answers_for(2), now=late).overall
    assert store.percentile(minimal_q.content_hash, 50.0, before=cutoff) == (50.0, 2)
    pct, n = store.percentile(minimal_q.content_hash, 50.0)
    assert n == 3 and target < 50.0 and pct == pytest.approx(200 / 3)


def test_percentile_of_an_empty_cohort_is_none(store: Store, minimal_q: Any) -> None:
    assert store.percentile(minimal_q.content_hash, 50.0) == (None, 0)
    assert store.percentile("f" * 64, 50.0) == (None, 0)


# ----- listing with filters ------------------------------------------------------------------


def make_cohort(store: Store, minimal_q: Any) -> list[dict[str, Any]]:
    """Twelve responses over three weeks, two recruiters and campaigns; some unsubmitted or shared."""
    records = []
    for i in range(12):
        started_at = T0 + timedelta(days=2 * i, hours=i)
        attribution = Attribution(
            recruiter_id=["rec-a", "rec-b", None][i % 3], campaign=["spring", "autumn"][i % 2], role="analyst"
        )
        s = store.start(minimal_q, attribution, now=started_at)
        submitted = i % 4 != 3
        submitted_at = started_at + timedelta(minutes=5 + i) if submitted else None
        if submitted:
            submissions.submit(store, s.resume_token, answers_for(1 + i % 5), now=submitted_at)
            if i % 3 == 0:
                store.set_shared(
                    s.resume_token, True, manage_token=s.delete_token, name=f"Person {i}", email=f"p{i}@example.org"
                )
        records.append(
            {
                "public_id": s.public_id,
                "recruiter_id": attribution.recruiter_id,
                "campaign": attribution.campaign,
                "started_at": started_at,
                "submitted_at": submitted_at,
                "shared": submitted and i % 3 == 0,
                "token": s.resume_token,
            }
        )
    return records


def load_synthetic(store: Store, q: Any) -> None:
    """400 synthetic submitted responses over ten weeks from T0 (bulk path) plus a few through the normal path."""
    rng = np.random.default_rng(7)
    frame = generate(q, 400, seed=3)
    frame["campaign"] = rng.choice(np.array(["alpha", "beta", "gamma", None], dtype=object), len(frame))
    frame["recruiter_id"] = rng.choice(np.array(["r1", "r2", "r3"], dtype=object), len(frame))
    frame["submitted_at"] = [T0 + timedelta(hours=int(h)) for h in rng.integers(0, 24 * 70 - 10, len(frame))]
    assert bulk_load(store, q, frame, chunk=150) == 400
    for i in range(5):
        s = store.start(q, Attribution("r1", "alpha"), now=T0 + timedelta(days=i))
        submissions.submit(store, s.resume_token, answers_for(i + 1), now=T0 + timedelta(days=i, minutes=6))
    store.start(q, Attribution("r1", "alpha"))  # unsubmitted: excluded


@pytest.fixture(scope="module")
def other_q(minimal_q: Any) -> Any:
    """Another version of the minimal questionnaire (its own content hash, so its own cohort)."""
    return parse((TEST_DATA / "good" / "minimal.yaml").read_text("utf-8").replace('version: "1.0"', 'version: "1.1"'))


@pytest.fixture(scope="module")
def shared_db(module_db_url: str, minimal_q: Any, other_q: Any) -> Iterator[SimpleNamespace]:
    """One database per backend for the read-only tests: a hand-made cohort on minimal_q and 405
    synthetic responses on other_q."""
    store = Store(module_db_url)
    records = make_cohort(store, minimal_q)
    load_synthetic(store, other_q)
    yield SimpleNamespace(store=store, records=records)
    store.close()


FILTERS = [
    {},
    {"submitted_only": False},
    {"recruiter_id": "rec-a"},
    {"campaign": "autumn"},
    {"recruiter_id": "rec-b", "campaign": "spring"},
    {"shared_only": True},
    {"since": T0 + timedelta(days=7)},
    {"until": date(2025, 3, 10)},
    {"since": T0 + timedelta(days=4), "until": T0 + timedelta(days=14), "submitted_only": False},
    {"limit": 3},
    {"limit": 4, "submitted_only": False, "campaign": "spring"},
]


def expected_ids(records: list[dict[str, Any]], f: dict[str, Any]) -> list[str]:
    submitted_only = f.get("submitted_only", True)

    def moment(bound: Any) -> datetime:
        return bound if isinstance(bound, datetime) else datetime(bound.year, bound.month, bound.day, tzinfo=UTC)

    out = []
    for r in records:
        when = r["submitted_at"] if submitted_only else r["started_at"]
        if submitted_only and r["submitted_at"] is None:
            continue
        if "since" in f and when < moment(f["since"]):
            continue
        if "until" in f and when >= moment(f["until"]):
            continue
        if any(key in f and r[key] != f[key] for key in ("recruiter_id", "campaign")):
            continue
        if f.get("shared_only") and not r["shared"]:
            continue
        out.append(r["public_id"])
    return out[: f["limit"]] if "limit" in f else out


@pytest.mark.parametrize("filters", FILTERS, ids=[str(sorted(f)) for f in FILTERS])
def test_responses_frame_filters(shared_db: SimpleNamespace, minimal_q: Any, filters: dict[str, Any]) -> None:
    frame = shared_db.store.responses_frame(content_hash=minimal_q.content_hash, **filters)
    assert frame["response_id"].tolist() == expected_ids(shared_db.records, filters)
    assert list(frame.columns[-2:]) == ["partnership", "exploration"]


def test_responses_frame_columns_and_values(shared_db: SimpleNamespace, minimal_q: Any) -> None:
    store = shared_db.store
    frame = store.responses_frame(content_hash=minimal_q.content_hash, include_answers=True, include_contact=True)
    first = shared_db.records[0]
    row = frame.iloc[0]
    stored = store.result(first["token"])
    assert row["response_id"] == first["public_id"]
    assert row["started_at"] == first["started_at"]
    assert str(frame["started_at"].dtype) == "datetime64[us, UTC]" or "UTC" in str(frame["started_at"].dtype)
    assert row["overall"] == pytest.approx(stored.overall)
    assert row["partnership"] == pytest.approx(stored.dimension_scores["partnership"])
    assert row["contact_name"] == "Person 0"
    assert row["flags"] == stored.flags
    assert {k: row[k] for k in FULL} == stored.answers
    assert str(frame["p1"].dtype) == "Int64"
    assert "contact_email" not in store.responses_frame().columns  # contact details only on request


def test_responses_frame_types_and_times_are_the_same_on_every_backend(
    shared_db: SimpleNamespace, minimal_q: Any
) -> None:
    # The frame is built from the driver's raw values (SQLite: text and 0/1), converted per column.
    frame = shared_db.store.responses_frame(content_hash=minimal_q.content_hash, submitted_only=False)
    records = shared_db.records
    assert {col: str(frame[col].dtype) for col in ("near_boundary", "shared", "page", "overall")} == {
        "near_boundary": "boolean",
        "shared": "bool",
        "page": "int64",
        "overall": "float64",
    }
    for col in ("started_at", "last_saved_at", "submitted_at"):
        assert isinstance(frame[col].dtype, pd.DatetimeTZDtype) and str(frame[col].dt.tz) == "UTC"
    assert frame["started_at"].tolist() == [r["started_at"] for r in records]
    assert [None if pd.isna(t) else t for t in frame["submitted_at"]] == [r["submitted_at"] for r in records]
    assert frame["shared"].tolist() == [r["shared"] for r in records]
    unfinished = frame["submitted_at"].isna()
    assert frame.loc[unfinished, "near_boundary"].isna().all()
    assert frame.loc[~unfinished, "near_boundary"].notna().all()
    assert all(f == [] for f in frame.loc[unfinished, "flags"])
    assert all(isinstance(f, list) for f in frame["flags"])


def test_responses_frame_when_empty_still_has_the_columns(store: Store, minimal_q: Any) -> None:
    store.register(minimal_q)
    frame = store.responses_frame(content_hash=minimal_q.content_hash)
    assert frame.empty
    assert {"response_id", "overall", "band", "partnership", "exploration"} <= set(frame.columns)


@pytest.mark.parametrize(("started", "submitted"), [(0, 0), (3, 0), (4, 2)])
def test_questionnaire_versions_counts_each_version_apart(
    store: Store, minimal_q: Any, other_q: Any, started: int, submitted: int
) -> None:
    store.register(minimal_q)  # registered first: listed first within the questionnaire id
    store.register(other_q)  # listed even without responses
    for i in range(started):
        s = store.start(other_q, now=T0 + timedelta(hours=i))
        if i < submitted:
            submissions.submit(store, s.resume_token, answers_for(i + 1), now=T0 + timedelta(hours=i, minutes=6))
    for _ in range(2):  # responses on minimal_q never count towards other_q
        submissions.submit(store, store.start(minimal_q).resume_token, answers_for(3))
    versions = store.questionnaire_versions()
    assert list(versions.columns) == [
        "content_hash",
        "scoring_key",
        "language",
        "questionnaire_id",
        "version",
        "registered_at",
        "started",
        "submitted",
    ]
    got = {row.content_hash: (row.version, row.started, row.submitted) for row in versions.itertuples()}
    assert got[minimal_q.content_hash] == ("1.0", 2, 2)
    assert got[other_q.content_hash] == ("1.1", started, submitted)
    assert versions["content_hash"].tolist()[0] == minimal_q.content_hash
    assert versions["started"].dtype == "int64" and versions["submitted"].dtype == "int64"


def test_campaign_counts(store: Store, minimal_q: Any) -> None:
    cohort = make_cohort(store, minimal_q)
    counts = store.campaign_counts()
    expected: dict[tuple[Any, Any], list[int]] = {}
    for r in cohort:
        row = expected.setdefault((r["recruiter_id"], r["campaign"]), [0, 0, 0])
        row[0] += 1
        row[1] += r["submitted_at"] is not None
        row[2] += r["shared"]
    got = {
        (None if pd.isna(r.recruiter_id) else r.recruiter_id, r.campaign): [r.started, r.completed, r.shared]
        for r in counts.itertuples()
    }
    assert got == expected
    only_a = store.campaign_counts("rec-a")
    assert set(only_a["recruiter_id"]) == {"rec-a"}
    assert only_a["started"].sum() == sum(r["recruiter_id"] == "rec-a" for r in cohort)


# ----- aggregates: SQL against pandas --------------------------------------------------------


def pandas_aggregate(frame: pd.DataFrame, group_by: str, dims: list[str]) -> pd.DataFrame:
    key = {"recruiter": "recruiter_id"}.get(group_by, group_by)
    if group_by == "week":
        frame = frame.assign(week=frame["submitted_at"].dt.tz_convert(None).dt.to_period("W-SUN").dt.start_time)
    grouped = frame.groupby(key, dropna=False)
    out = grouped.agg(n=("response_id", "size"), overall=("overall", "mean"), **{d: (d, "mean") for d in dims})
    out = out.reset_index().rename(columns={key: group_by})
    return out.sort_values(group_by, na_position="last").reset_index(drop=True)


@pytest.mark.parametrize("group_by", GROUP_BY)
@pytest.mark.parametrize(
    "filters", [{}, {"recruiter_id": "r2"}, {"campaign": "alpha", "since": T0 + timedelta(days=20)}]
)
def test_aggregate_equals_pandas_on_the_listing(
    shared_db: SimpleNamespace, other_q: Any, group_by: str, filters: dict[str, Any]
) -> None:
    h = other_q.content_hash
    got = shared_db.store.aggregate(group_by=group_by, content_hash=h, **filters)
    frame = shared_db.store.responses_frame(content_hash=h, **filters)
    expected = pandas_aggregate(frame, group_by, ["partnership", "exploration"])
    assert list(got.columns) == [group_by, "n", "overall", "partnership", "exploration"]
    assert got["n"].sum() == len(frame) > 0
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("group_by", GROUP_BY)
def test_aggregate_counts_each_measure_over_its_known_scores(
    shared_db: SimpleNamespace, other_q: Any, group_by: str
) -> None:
    h = other_q.content_hash
    got = shared_db.store.aggregate(group_by=group_by, content_hash=h, counts=True)
    frame = shared_db.store.responses_frame(content_hash=h)
    plain = shared_db.store.aggregate(group_by=group_by, content_hash=h)
    pd.testing.assert_frame_equal(got[list(plain.columns)], plain)
    key = {"recruiter": "recruiter_id"}.get(group_by, group_by)
    if group_by == "week":
        frame = frame.assign(week=frame["submitted_at"].dt.tz_convert(None).dt.to_period("W-SUN").dt.start_time)
    for m in ("overall", "partnership", "exploration"):
        expected = frame.groupby(key, dropna=False)[m].count().sort_index(na_position="last")
        assert got[f"n:{m}"].tolist() == expected.tolist()
        assert got[f"n:{m}"].sum() == frame[m].notna().sum()


def test_week_groups_start_on_monday(shared_db: SimpleNamespace, other_q: Any) -> None:
    weeks = shared_db.store.aggregate(group_by="week", content_hash=other_q.content_hash)["week"]
    assert len(weeks) == 10
    assert (weeks.dt.day_of_week == 0).all()
    assert weeks.iloc[0] == pd.Timestamp("2025-03-03")


def test_aggregate_rejects_an_unknown_grouping(store: Store, minimal_q: Any) -> None:
    with pytest.raises(ValueError, match="group_by"):
        store.aggregate(group_by="colour", content_hash=minimal_q.content_hash)  # type: ignore[arg-type]


# ----- bulk loading --------------------------------------------------------------------------


def test_bulk_rows_match_one_by_one_scoring(store: Store, minimal_q: Any) -> None:
    frame = generate(minimal_q, 120, seed=11, straightliner_share=0.1, speeder_share=0.1)
    bulk_load(store, minimal_q, frame, chunk=50)
    listed = store.responses_frame(include_answers=True)
    assert len(listed) == len(frame)
    for (_, source), (_, row) in zip(frame.iterrows(), listed.iterrows(), strict=True):
        answers = answers_from_row(minimal_q, source.to_dict())
        stored = {k: row[k] for k in answers}
        assert stored == answers
        result = score(minimal_q, answers)
        assert row["overall"] == pytest.approx(result.overall, nan_ok=True)
        assert row["band"] == result.band
        for dim, value in result.scores().items():
            assert row[dim] == pytest.approx(value if value is not None else np.nan, nan_ok=True)
        assert row["flags"] == quality_flags(minimal_q, answers, source["duration_seconds"])
        assert row["duration_seconds"] == source["duration_seconds"]
    assert any(row for row in listed["flags"])  # the sample includes flagged respondents


def test_bulk_load_and_start_share_the_id_space(store: Store, minimal_q: Any) -> None:
    bulk_load(store, minimal_q, generate(minimal_q, 30, seed=1))
    s = store.start(minimal_q)
    submissions.submit(store, s.resume_token, FULL)
    bulk_load(store, minimal_q, generate(minimal_q, 30, seed=2))
    listed = store.responses_frame()
    assert len(listed) == 61
    assert listed["response_id"].is_unique


def test_bulk_load_rejects_bad_cells_and_writes_nothing(store: Store, minimal_q: Any) -> None:
    frame = generate(minimal_q, 20, seed=1)
    frame["p1"] = frame["p1"].astype(object)
    frame.loc[4, "p1"] = 9
    with pytest.raises(InvalidAnswers, match="row 5: p1"):
        bulk_load(store, minimal_q, frame)
    assert store.responses_frame(submitted_only=False).empty


def test_bulk_scores_equal_score_frame(store: Store, minimal_q: Any) -> None:
    frame = generate(minimal_q, 200, seed=5)
    bulk_load(store, minimal_q, frame)
    listed = store.responses_frame()
    expected = score_frame(minimal_q, frame)
    for col in ("partnership", "exploration", "overall"):
        np.testing.assert_allclose(listed[col].to_numpy(), expected[col].to_numpy(), rtol=1e-12, equal_nan=True)


# Another session whose snapshot is no newer than the loaded rows: its backend xmin (or its own xid) is at
# least as old as the youngest loaded row's xmin. While one exists, VACUUM may not treat those rows as
# visible to everyone, so it cannot mark their pages all-visible however correct the loader is.
OLDER_SNAPSHOTS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
    " AND (age(backend_xmin) >= :age OR age(backend_xid) >= :age)"
)


def test_bulk_load_leaves_the_planner_statistics_and_pg_visibility_fresh(store: Store, minimal_q: Any) -> None:
    frame = generate(minimal_q, 60, seed=5)
    if store.dialect == "postgresql":
        with store.engine.connect() as conn:
            load_started = conn.scalar(text("SELECT clock_timestamp()"))
    assert bulk_load(store, minimal_q, frame) == 60
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            stats = conn.execute(
                text(
                    "SELECT c.relpages, c.relallvisible, c.reltuples, s.last_vacuum, s.last_analyze FROM pg_class c"
                    " JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = to_regclass('responses')"
                )
            ).one()
            # What the loader guarantees whatever other sessions do: it ran VACUUM (ANALYZE) on responses
            # for this load (not only an earlier one), leaving the row count and column statistics fresh.
            assert stats.last_vacuum is not None and stats.last_vacuum >= load_started
            assert stats.last_analyze is not None and stats.last_analyze >= load_started
            assert stats.relpages > 0 and stats.reltuples == 60
            assert conn.scalar(
                text("SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'responses'")
            )
            # Every page all-visible (index-only scans skip the heap) is asserted only when no older snapshot
            # is open: a concurrent long transaction (another run's 10M-row build) makes it fail whatever the
            # loader does; the statistics above were what this test was for. Looked up after the load, so a
            # short transaction that held VACUUM back and ended in the milliseconds since is not seen (rare).
            # In a quiet database this still fails a loader that writes after its VACUUM.
            youngest = conn.scalar(text("SELECT min(age(xmin)) FROM responses"))
            if not conn.scalar(OLDER_SNAPSHOTS, {"age": youngest}):
                assert stats.relallvisible == stats.relpages
        else:
            assert conn.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'responses'")) > 0
    assert store.responses_frame(content_hash=minimal_q.content_hash)["response_id"].nunique() == 60


def test_bulk_load_leaves_foreign_keys_in_force(store: Store, minimal_q: Any) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    bulk_load(store, minimal_q, generate(minimal_q, 40, seed=4), chunk=15)
    with store.engine.begin() as conn:  # a pooled connection, possibly the one the load used
        if store.dialect == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        first = conn.scalar(text("SELECT min(id) FROM responses"))
        assert conn.scalar(text("SELECT count(*) FROM answers WHERE response_id = :i"), {"i": first}) > 0
        conn.execute(text("DELETE FROM responses WHERE id = :i"), {"i": first})
        assert conn.scalar(text("SELECT count(*) FROM answers WHERE response_id = :i"), {"i": first}) == 0
        orphan = text("INSERT INTO answers (response_id, item_id, value_int) VALUES (:i, 'p1', 3)")
        with pytest.raises(IntegrityError):
            conn.execute(orphan, {"i": first})


@pytest.mark.parametrize("overall", [None, float("nan")])
def test_percentile_of_no_score_is_none_but_n_is_given(store: Store, minimal_q: Any, overall: Any) -> None:
    for level in (2, 4):
        submissions.submit(store, store.start(minimal_q).resume_token, answers_for(level))
    assert store.percentile(minimal_q.content_hash, overall) == (None, 2)


def plain(column: pd.Series) -> list[Any]:
    """The column's values with every missing one as None."""
    return [None if pd.isna(v) else v for v in column.tolist()]


def test_bulk_load_keeps_awkward_text_times_and_numbers_exact(store: Store, minimal_q: Any) -> None:
    # PostgreSQL loads by COPY's text format: tabs, newlines, backslashes and \N must arrive as typed.
    awkward = ["tab\there", "line\nbreak\r\n", "back\\slash \\N", "naïve – 東京", "\\", ""]
    frame = generate(minimal_q, len(awkward), seed=8)
    frame["note"] = awkward
    frame["campaign"] = awkward[::-1]
    frame["role"] = [None, "r", None, "\\N", "x\ty", None]
    frame["submitted_at"] = pd.to_datetime(
        ["2025-03-30 01:30:00.123456", "2025-10-26 02:59:59.999999", "2024-02-29 23:00:00.000000"] * 2, utc=True
    )
    frame["duration_seconds"] = [0.1, 1 / 3, 1e-7, 123456.789, np.nan, 2.0]
    assert bulk_load(store, minimal_q, frame) == len(awkward)
    listed = store.responses_frame(include_answers=True)  # in id order, which is the frame's
    assert plain(listed["note"]) == [a.strip() or None for a in awkward]  # stripped; a blank is no answer
    assert listed["campaign"].tolist() == awkward[::-1]
    assert plain(listed["role"]) == [None, "r", None, "\\N", "x\ty", None]
    assert [t.isoformat() for t in listed["submitted_at"]] == [t.isoformat() for t in frame["submitted_at"]]
    np.testing.assert_array_equal(listed["duration_seconds"].to_numpy(), frame["duration_seconds"].to_numpy())
    expected = score_frame(minimal_q, frame)
    np.testing.assert_array_equal(listed["overall"].to_numpy(), expected["overall"].to_numpy())
    for col in ("p1", "p2", "s1"):
        assert listed[col].tolist() == frame[col].tolist()


def test_bulk_load_into_a_larger_table_keeps_foreign_keys(store: Store, minimal_q: Any) -> None:
    # The second, smaller load keeps the constraint (checked row by row) instead of re-checking the table.
    bulk_load(store, minimal_q, generate(minimal_q, 50, seed=1))
    bulk_load(store, minimal_q, generate(minimal_q, 5, seed=2))
    listed = store.responses_frame(include_answers=True)
    assert len(listed) == 55 and listed["response_id"].is_unique
    with store.engine.begin() as conn:
        fks = "SELECT count(*) FROM pg_constraint WHERE conrelid = 'answers'::regclass AND contype = 'f'"
        if store.dialect == "postgresql":
            assert conn.exec_driver_sql(fks).scalar() == 1
        per_response = conn.exec_driver_sql("SELECT count(DISTINCT response_id) FROM answers").scalar()
        assert per_response == 55
