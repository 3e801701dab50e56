"""The cohort rollup (``storage.rollup``, schema version 6): kept exact by triggers on every write path, read
whenever it answers exactly, and equal to the scan it replaces.

Every test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (see conftest); the concurrency test
needs PostgreSQL.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from scoring.sample import generate
from service import submissions
from service.bulk import bulk_load
from storage import GROUP_BY, Attribution, Filters, Started, Store, StoreError, rollup
from storage.__main__ import main as storage_cli
from storage.responses import _STAMP

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday
ANSWERS = [
    {"p1": 2, "p2": 4, "p3": 2, "e1": 2, "e2": 4, "s1": "decline"},
    {"p1": 3, "p2": 3, "p3": 3, "e1": 3, "e2": 3, "s1": "email"},
    {"p1": 5, "p2": 1, "p3": 5, "e1": 5, "e2": 1, "s1": "listen"},
    {"p1": 4},  # too few answers for some scores: NULL slots and overall
]
ATTRIBUTIONS = [Attribution("r1", "spring"), Attribution("r1", None), Attribution("r2", "spring"), Attribution()]


@contextmanager
def scanning(store: Store) -> Iterator[Store]:
    """The same store with the rollup switched off: every read scans the responses."""
    store._rollup = False
    try:
        yield store
    finally:
        store._rollup = True


def selections(q: Any) -> list[Filters]:
    """Filters the rollup answers (dates), across every field it keys."""
    out = []
    for submitted_only in (True, False):
        for latest_only in (True, False):
            out.append(Filters(content_hash=q.content_hash, submitted_only=submitted_only, latest_only=latest_only))
        out.append(Filters(scoring_key=q.scoring_key, submitted_only=submitted_only, shared_only=True))
        out.append(Filters(scoring_key=q.scoring_key, submitted_only=submitted_only, recruiter_id="r1"))
        out.append(Filters(content_hash=q.content_hash, submitted_only=submitted_only, campaign="spring"))
        out.append(
            Filters(
                content_hash=q.content_hash,
                submitted_only=submitted_only,
                since=date(2025, 3, 4),
                until=datetime(2025, 3, 9, tzinfo=UTC),  # a datetime at UTC midnight answers too
            )
        )
    return out


def assert_rollup_equals_scan(store: Store, q: Any) -> None:
    """Every rollup-backed read equals the scan's frame: counts exactly, means to 1e-9; the check agrees."""
    assert store.check_rollup() == []
    for filters in selections(q):
        assert rollup.answers(filters)
        for group_by in GROUP_BY:  # counts=True: the means and the count behind each
            fast = store.aggregate(group_by, filters, counts=True)
            with scanning(store):
                slow = store.aggregate(group_by, filters, counts=True)
            pd.testing.assert_frame_equal(fast, slow, rtol=1e-9, atol=1e-9)
    plain = store.aggregate("band", selections(q)[0])
    with scanning(store):
        pd.testing.assert_frame_equal(plain, store.aggregate("band", selections(q)[0]), rtol=1e-9, atol=1e-9)
    fast_versions, fast_campaigns = store.questionnaire_versions(), store.campaign_counts()
    fast_r1 = store.campaign_counts("r1")
    with scanning(store):
        pd.testing.assert_frame_equal(fast_versions, store.questionnaire_versions())
        pd.testing.assert_frame_equal(fast_campaigns, store.campaign_counts())
        pd.testing.assert_frame_equal(fast_r1, store.campaign_counts("r1"))


def empty(store: Store) -> None:
    with store.engine.begin() as conn:
        for table in ("answers", "responses", "deletion_log"):
            conn.exec_driver_sql(f"DELETE FROM {table}")


# ----- random operations ---------------------------------------------------------------------------

OPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "start",
                "start",
                "save",
                "submit",
                "submit",
                "share",
                "unshare",
                "retake",
                "delete",
                "purge",
                "bulk",
                "sql",
            ]
        ),
        st.integers(0, 30),  # which response (modulo how many there are)
        st.integers(0, 9),  # a day offset, an answer set, a count
    ),
    min_size=1,
    max_size=25,
)


class Session:
    """The random walk's state: what was started and what each token can still do."""

    def __init__(self, store: Store, q: Any) -> None:
        self.store, self.q = store, q
        self.open: list[tuple[Started, datetime]] = []
        self.done: list[Started] = []

    def run(self, op: str, which: int, k: int) -> None:
        store, q = self.store, self.q
        when = T0 + timedelta(days=k, hours=which % 30)
        if op == "start":
            started = store.start(q, ATTRIBUTIONS[which % len(ATTRIBUTIONS)], now=when)
            self.open.append((started, when))
        elif op == "save" and self.open:
            started, at = self.open[which % len(self.open)]
            store.save_answers(started.resume_token, {"p1": 1 + k % 5}, page=1, now=at + timedelta(minutes=1))
        elif op == "submit" and self.open:
            started, at = self.open.pop(which % len(self.open))
            later = at + timedelta(days=k % 3, hours=20)  # the same UTC day or a later one
            submissions.submit(store, started.resume_token, ANSWERS[k % len(ANSWERS)], now=later)
            self.done.append(started)
        elif op in ("share", "unshare") and self.done:
            started = self.done[which % len(self.done)]
            store.set_shared(started.resume_token, op == "share", manage_token=started.delete_token)
        elif op == "retake" and self.done:
            before = self.done[which % len(self.done)]
            at = T0 + timedelta(days=12 + k)
            self.open.append((submissions.retake(store, q, before.resume_token, before.delete_token, now=at), at))
        elif op == "delete" and (self.done or self.open):
            pool = [s for s, _ in self.open] + self.done
            store.delete(pool[which % len(pool)].delete_token)  # the whole chain; stale tokens find nothing
        elif op == "purge":
            store.purge(older_than_days=k, now=T0 + timedelta(days=10))
            store.purge_empty(now=T0 + timedelta(days=10))
        elif op == "bulk":
            frame = generate(q, 3 + k, seed=which)
            frame["recruiter_id"] = np.array(["r1", "r2", None] * 4, dtype=object)[: len(frame)]
            frame["campaign"] = np.array([None, "spring", "autumn"] * 4, dtype=object)[: len(frame)]
            frame["submitted_at"] = [T0 + timedelta(days=i % 9, hours=i) for i in range(len(frame))]
            bulk_load(store, q, frame, chunk=4)
        elif op == "sql":  # hand-written SQL: a campaign renamed, a band cleared, a row deleted
            with store.engine.begin() as conn:
                conn.execute(text("UPDATE responses SET campaign = :c WHERE id % 3 = :m"), {"c": f"c{k}", "m": k % 3})
                conn.execute(text("UPDATE responses SET band = NULL, score_02 = NULL WHERE id % 5 = :m"), {"m": k % 5})
                conn.execute(text("DELETE FROM responses WHERE id % 7 = :m AND previous_id IS NULL"), {"m": k % 7})


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS)
def test_random_writes_keep_the_rollup_equal_to_the_scan(store: Store, minimal_q: Any, ops: list[Any]) -> None:
    empty(store)
    session = Session(store, minimal_q)
    for op, which, k in ops:
        # A refused step (a deleted chain's token, a retake of a superseded attempt) writes nothing.
        with suppress(StoreError):
            session.run(op, which, k)
    assert_rollup_equals_scan(store, minimal_q)


def test_a_fixed_walk_covers_every_write_path(store: Store, minimal_q: Any) -> None:
    """The random test's paths once each, deterministically (the rollup has rows, retakes supersede)."""
    session = Session(store, minimal_q)
    for op, which, k in [
        ("start", 0, 0), ("start", 1, 1), ("start", 2, 2), ("start", 3, 3), ("save", 0, 1),
        ("submit", 0, 0), ("submit", 0, 2), ("submit", 0, 3), ("share", 0, 0), ("share", 1, 0),
        ("unshare", 0, 0), ("retake", 1, 1), ("submit", 1, 1),
    ]:  # fmt: skip
        session.run(op, which, k)
    with store.engine.connect() as conn:
        # Checked before the hand-written SQL, whose "id % 7" delete may take the superseded attempt: the ids
        # depend on how many the schema's sequence gave out before this test.
        assert conn.scalar(text("SELECT count(*) FROM responses WHERE superseded")) == 1
    assert_rollup_equals_scan(store, minimal_q)
    for op, which, k in [("bulk", 2, 5), ("sql", 0, 1)]:
        session.run(op, which, k)
    with store.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM response_rollup WHERE n > 0")) > 5
    assert_rollup_equals_scan(store, minimal_q)
    for op, which, k in [("purge", 0, 9), ("delete", 1, 0)]:
        session.run(op, which, k)
    assert_rollup_equals_scan(store, minimal_q)


# ----- which path a read takes ------------------------------------------------------------------------


def test_reads_use_the_rollup_only_when_it_answers_exactly(store: Store, minimal_q: Any) -> None:
    for i in range(4):
        started = store.start(minimal_q, ATTRIBUTIONS[i], now=T0 + timedelta(days=i))
        submissions.submit(store, started.resume_token, ANSWERS[i % 3], now=T0 + timedelta(days=i, hours=1))
    with store.engine.begin() as conn:  # tamper with the rollup: a read that uses it shows the change
        conn.execute(text("UPDATE response_rollup SET n = n + 100 WHERE n > 0"))
    by_day = Filters(content_hash=minimal_q.content_hash, since=date(2025, 3, 3))
    by_hour = Filters(content_hash=minimal_q.content_hash, since=T0 - timedelta(hours=1))
    assert rollup.answers(by_day) and not rollup.answers(by_hour)
    assert store.aggregate("band", by_day)["n"].sum() == 404  # from the rollup
    assert store.aggregate("band", by_hour)["n"].sum() == 4  # a bound inside a day: the scan
    assert store.campaign_counts()["started"].sum() == 404
    assert store.questionnaire_versions()["started"].sum() == 404
    with scanning(store):
        assert store.aggregate("band", by_day)["n"].sum() == 4
    problems = store.check_rollup()
    assert len(problems) == 4 and all("n is 101 in the rollup, 1 in the responses" in p for p in problems)
    assert store.rebuild_rollup() == 4
    assert_rollup_equals_scan(store, minimal_q)


def test_the_cli_checks_and_rebuilds(db_url: str, minimal_q: Any, capsys: pytest.CaptureFixture[str]) -> None:
    with Store(db_url) as store:
        started = store.start(minimal_q, ATTRIBUTIONS[0], now=T0)
        submissions.submit(store, started.resume_token, ANSWERS[0], now=T0)
        assert storage_cli(["--url", db_url, "rollup", "--check"]) == 0
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE response_rollup SET sum_overall = sum_overall + 1"))
        assert storage_cli(["--url", db_url, "rollup", "--check"]) == 2
        assert "sum_overall" in capsys.readouterr().out
        assert storage_cli(["--url", db_url, "rollup", "--rebuild"]) == 0
        assert storage_cli(["--url", db_url, "rollup", "--check"]) == 0
        assert "consistent" in capsys.readouterr().out


# ----- the answer's save does not touch it ----------------------------------------------------------


def test_an_answer_save_does_not_fire_the_rollup_trigger(store: Store, minimal_q: Any) -> None:
    """With the rollup's unique index gone every trigger upsert fails: a save must still work, a submit not."""
    assigned = re.findall(r"(\w+)=", str(_STAMP.compile()).split(" SET ", 1)[1].split(" WHERE ", 1)[0])
    assert assigned == ["last_saved_at", "page"]  # the save's statement sets none of the watched columns
    assert not set(assigned) & set(rollup.WATCHED)
    started = store.start(minimal_q, ATTRIBUTIONS[0], now=T0)
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP INDEX {rollup.INDEX}")
    store.save_answers(started.resume_token, {"p1": 3, "p2": 2}, page=1, now=T0 + timedelta(minutes=1))
    assert store.progress(started.resume_token).answers == {"p1": 3, "p2": 2}
    with pytest.raises(Exception, match=r"ON CONFLICT|conflict"):
        submissions.submit(store, started.resume_token, ANSWERS[0], now=T0 + timedelta(minutes=2))
    with store.engine.begin() as conn:
        conn.exec_driver_sql(rollup.ddl(store.dialect)[0])
    submissions.submit(store, started.resume_token, ANSWERS[0], now=T0 + timedelta(minutes=2))
    assert_rollup_equals_scan(store, minimal_q)


# ----- migration ---------------------------------------------------------------------------------------


def test_a_version_5_database_gets_a_backfilled_rollup(fresh_db_url: str, minimal_q: Any) -> None:
    with Store(fresh_db_url) as store:
        session = Session(store, minimal_q)
        for op, which, k in [("start", 0, 0), ("start", 3, 1), ("submit", 0, 2), ("bulk", 1, 6), ("start", 1, 4)]:
            session.run(op, which, k)
        with store.engine.begin() as conn:
            rollup.drop(conn)
            conn.exec_driver_sql("UPDATE schema_version SET version = 5")  # a fresh store records only its own
        with scanning(store):
            before = store.aggregate("week", Filters(content_hash=minimal_q.content_hash, submitted_only=False))
    with Store(fresh_db_url) as store:
        assert store.schema_version == 6
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT sum(n) FROM response_rollup")) == 1 + 1 + 1 + 9
        assert store.aggregate("week", Filters(content_hash=minimal_q.content_hash, submitted_only=False)).equals(
            before
        )
        assert_rollup_equals_scan(store, minimal_q)
        # The triggers came with it: new writes keep it exact.
        started = store.start(minimal_q, ATTRIBUTIONS[2], now=T0)
        submissions.submit(store, started.resume_token, ANSWERS[1], now=T0)
        assert_rollup_equals_scan(store, minimal_q)


# ----- PostgreSQL only ---------------------------------------------------------------------------------


def test_truncate_and_writes_from_another_search_path_keep_it_exact(pg_url: str, minimal_q: Any) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = make_url(pg_url).query["options"].split("=", 1)[1]
    with Store(pg_url) as store:
        for i in range(3):
            started = store.start(minimal_q, ATTRIBUTIONS[i], now=T0)
            submissions.submit(store, started.resume_token, ANSWERS[i], now=T0)
        bare = create_engine(pg_url.split("?")[0])  # search_path "public": names must be qualified
        with bare.begin() as conn:
            conn.exec_driver_sql(f'UPDATE "{schema}".responses SET shared = true WHERE id = 1')
            conn.exec_driver_sql(f'DELETE FROM "{schema}".responses WHERE id = 2')
        bare.dispose()
        assert_rollup_equals_scan(store, minimal_q)
        with store.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE responses CASCADE")
            assert conn.scalar(text("SELECT count(*) FROM response_rollup")) == 0
        assert_rollup_equals_scan(store, minimal_q)


def test_concurrent_submits_shares_and_retakes_stay_exact(pg_url: str, minimal_q: Any) -> None:
    """8 threads start, submit, share, unshare and retake at once, on the same few rollup keys: no error
    (no deadlock, no lost update), and the rollup equals a fresh grouping afterwards."""
    errors: list[BaseException] = []
    with Store(pg_url, pool_size=10, max_overflow=0) as store:
        store.register(minimal_q)

        def worker(n: int) -> None:
            try:
                for i in range(6):
                    at = T0 + timedelta(hours=i)
                    first = store.start(minimal_q, ATTRIBUTIONS[(n + i) % 2], now=at)
                    store.save_answers(first.resume_token, {"p1": 2}, now=at)
                    submissions.submit(store, first.resume_token, ANSWERS[(n + i) % 3], now=at)
                    store.set_shared(first.resume_token, True, manage_token=first.delete_token)
                    second = submissions.retake(store, minimal_q, first.resume_token, first.delete_token, now=at)
                    submissions.submit(store, second.resume_token, ANSWERS[(n + i + 1) % 3], now=at)
                    store.set_shared(first.resume_token, False, manage_token=first.delete_token)
                    store.set_shared(second.resume_token, True, manage_token=second.delete_token)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT sum(n) FROM response_rollup")) == 8 * 6 * 2
        assert_rollup_equals_scan(store, minimal_q)


def test_registering_a_version_leaves_questionnaire_statistics(pg_url: str, minimal_q: Any) -> None:
    """Unanalysed, the few questionnaire rows look like 140 to the planner and the dashboard's first-rows frame
    reads a whole version; register (and a bulk load) analyse them."""
    with Store(pg_url) as store:
        store.register(minimal_q)
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'questionnaires'::regclass")) == 1
