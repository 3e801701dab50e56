"""The candidate's path through the store: start, save, resume, submit, share, delete, purge.

Every test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (see conftest.db_url).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from scoring.engine import score
from scoring.loader import load, parse
from scoring.models import LikertItem
from scoring.quality import flags as quality_flags
from service import submissions
from storage import (
    AlreadySubmitted,
    Attribution,
    InvalidAnswers,
    InvalidContact,
    NotFound,
    NotSubmitted,
    Store,
    StoreError,
)
from storage.__main__ import main as cli
from storage.schema import answers, deletion_log, responses
from storage.store import token_hash
from tests.conftest import ROOT, TEST_DATA

FULL = {"p1": 4, "p2": 2, "p3": 5, "e1": 4, "e2": 2, "s1": "listen"}
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def count(store: Store, table: Any, *where: Any) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table).where(*where))


def score_rows(store: Store, *where: str, **params: Any) -> int:
    """Rows of the response_scores view (one per submitted response and dimension)."""
    sql = "SELECT count(*) FROM response_scores" + (" WHERE " + " AND ".join(where) if where else "")
    with store.engine.connect() as conn:
        return conn.scalar(text(sql), params)


def response_id(store: Store, public_id: str) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(responses.c.id).where(responses.c.public_id == public_id))


# ----- start, save, resume -------------------------------------------------------------------


def test_start_save_progress_round_trip(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q, Attribution("rec-7", "spring", "data engineer"), now=T0)
    store.save_answers(started.resume_token, {"p1": 4, "s1": "email"}, page=1, now=T0 + timedelta(minutes=1))
    store.save_answers(started.resume_token, {"note": "  long answer  "}, now=T0 + timedelta(minutes=2))
    progress = store.progress(started.resume_token)
    assert progress is not None
    assert progress.public_id == started.public_id
    assert progress.questionnaire_id == "mini"
    assert progress.content_hash == minimal_q.content_hash
    assert progress.answers == {"p1": 4, "s1": "email", "note": "long answer"}
    assert progress.page == 1  # unchanged by a save without a page
    assert progress.started_at == T0
    assert progress.last_saved_at == T0 + timedelta(minutes=2)
    assert progress.submitted is False
    assert progress.shared is False
    assert progress.attribution == Attribution("rec-7", "spring", "data engineer")


def test_tokens_are_random_and_stored_only_as_hashes(store: Store, minimal_q: Any) -> None:
    a, b = store.start(minimal_q), store.start(minimal_q)
    assert len({a.resume_token, a.delete_token, b.resume_token, b.delete_token}) == 4
    assert all(len(t) >= 32 for t in (a.resume_token, a.delete_token))  # ≥ 192 bits, URL-safe
    with store.engine.connect() as conn:
        stored = [str(v) for row in conn.execute(select(responses)).all() for v in row]
    for token in (a.resume_token, a.delete_token, b.resume_token, b.delete_token):
        assert token not in stored
        assert token_hash(token) in stored


def test_timestamps_are_utc_whatever_zone_now_is_given_in(store: Store, minimal_q: Any) -> None:
    paris = timezone(timedelta(hours=2))
    started = store.start(minimal_q, now=datetime(2025, 6, 1, 12, 0, 0, 123456, tzinfo=paris))
    progress = store.progress(started.resume_token)
    assert progress is not None
    assert progress.started_at == datetime(2025, 6, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert progress.started_at.utcoffset() == timedelta(0)


def test_naive_now_is_refused(store: Store, minimal_q: Any) -> None:
    with pytest.raises(ValueError, match="timezone"):
        store.start(minimal_q, now=datetime(2025, 1, 1))


def test_saving_the_same_answers_twice_is_idempotent(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q)
    for _ in range(3):
        store.save_answers(started.resume_token, {"p1": 3, "e1": 5})
    rid = response_id(store, started.public_id)
    assert count(store, answers, answers.c.response_id == rid) == 2
    assert store.progress(started.resume_token).answers == {"p1": 3, "e1": 5}


def test_last_write_wins_and_none_deletes(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q)
    store.save_answers(started.resume_token, {"p1": 1, "p2": 1, "note": "first"})
    store.save_answers(started.resume_token, {"p1": 5, "p2": None, "note": "   "})
    assert store.progress(started.resume_token).answers == {"p1": 5}


VALUES = {"p1": [1, 5], "p2": [2, 3], "e1": [4], "s1": ["decline", "listen", "email"], "note": ["a", "b c"]}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    saves=st.lists(
        st.dictionaries(
            st.sampled_from(sorted(VALUES)),
            st.one_of(st.none(), st.sampled_from([v for vs in VALUES.values() for v in vs])),
            max_size=4,
        ).filter(lambda d: all(v is None or v in VALUES[k] for k, v in d.items())),
        min_size=1,
        max_size=6,
    )
)
def test_any_sequence_of_saves_ends_as_a_dict_update(store: Store, minimal_q: Any, saves: list[dict]) -> None:
    started = store.start(minimal_q)  # one response per example: examples never share state
    model: dict[str, Any] = {}
    for save in saves:
        store.save_answers(started.resume_token, save)
        for key, value in save.items():
            if value is None:
                model.pop(key, None)
            else:
                model[key] = value
    assert store.progress(started.resume_token).answers == model


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ({"zz": 3}, "unknown item id 'zz'"),
        ({"p1": 6}, "p1: 6 is not one of [1, 2, 3, 4, 5]"),
        ({"p1": "4"}, "p1: '4' is not one of"),
        ({"p1": True}, "p1: True is not one of"),
        ({"s1": "maybe"}, "s1: 'maybe' is not one of"),
        ({"note": 5}, "note: free text must be a string"),
        ({"note": "x" * 1001}, "note: text is longer than 1000 characters"),
    ],
)
def test_invalid_answers_are_rejected_and_nothing_is_written(
    store: Store, minimal_q: Any, bad: dict, problem: str
) -> None:
    started = store.start(minimal_q, now=T0)
    store.save_answers(started.resume_token, {"e1": 2}, page=0, now=T0)
    with pytest.raises(InvalidAnswers) as info:
        # The valid p2 in the same call must not be written either.
        store.save_answers(started.resume_token, {"p2": 4, **bad}, page=1, now=T0 + timedelta(hours=1))
    assert any(problem in p for p in info.value.problems)
    progress = store.progress(started.resume_token)
    assert progress.answers == {"e1": 2}
    assert progress.page == 0
    assert progress.last_saved_at == T0


def test_answers_must_be_a_mapping(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q)
    with pytest.raises(InvalidAnswers):
        store.save_answers(started.resume_token, [("p1", 3)])  # type: ignore[arg-type]


@pytest.mark.parametrize("page", [-1, "2", True, 10_001])
def test_a_bad_page_is_rejected(store: Store, minimal_q: Any, page: Any) -> None:
    started = store.start(minimal_q)
    with pytest.raises(InvalidAnswers):
        store.save_answers(started.resume_token, {"p1": 3}, page=page)
    assert store.progress(started.resume_token).answers == {}


def test_concurrent_saves_to_one_response_lose_nothing(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q)
    barrier = threading.Barrier(len(FULL))
    errors: list[BaseException] = []

    def save(item: str, value: Any) -> None:
        try:
            barrier.wait()
            store.save_answers(started.resume_token, {item: value})
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=kv) for kv in FULL.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.progress(started.resume_token).answers == FULL


# ----- submit --------------------------------------------------------------------------------


def test_submit_scores_against_the_stored_version_with_flags_and_duration(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q, Attribution(campaign="c1"), now=T0)
    store.save_answers(started.resume_token, {"p1": 4, "p2": 2, "p3": 5})
    stored = submissions.submit(
        store, started.resume_token, {"e1": 4, "e2": 2, "s1": "listen"}, now=T0 + timedelta(seconds=5)
    )
    expected = score(minimal_q, FULL)
    assert stored.answers == FULL
    assert stored.dimension_scores == expected.scores()
    assert list(stored.dimension_scores) == ["partnership", "exploration"]
    assert stored.overall == pytest.approx(expected.overall)
    assert stored.band == expected.band
    assert stored.near_boundary == expected.near_boundary
    assert stored.duration_seconds == 5.0
    assert stored.flags == quality_flags(minimal_q, FULL, 5.0) == ["speeding"]  # 6 items in 5 s
    assert stored.submitted_at == T0 + timedelta(seconds=5)
    assert stored.attribution.campaign == "c1"
    assert store.progress(started.resume_token).submitted is True


def test_a_slow_careful_response_has_no_flags(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q, now=T0)
    stored = submissions.submit(store, started.resume_token, FULL, now=T0 + timedelta(minutes=4))
    assert stored.flags == []


def test_submitting_twice_returns_the_first_result_and_keeps_one_row(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q, now=T0)
    first = submissions.submit(store, started.resume_token, FULL, now=T0 + timedelta(minutes=3))
    # A retry with other answers and a later clock changes nothing.
    second = submissions.submit(store, started.resume_token, {"p1": 1, "e1": 1}, now=T0 + timedelta(minutes=9))
    assert second == first
    rid = response_id(store, started.public_id)
    assert count(store, responses, responses.c.submitted_at.is_not(None)) == 1
    assert score_rows(store, "response_id = :rid", rid=rid) == 2
    assert store.result(started.resume_token) == first


def test_concurrent_double_submit_counts_once(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q, now=T0)
    store.save_answers(started.resume_token, {"p1": 2, "p2": 4, "p3": 1})
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    results: list[Any] = []
    errors: list[BaseException] = []

    def submit(i: int) -> None:
        try:
            barrier.wait()
            # Each "click" carries different final answers: only one set may win.
            results.append(submissions.submit(store, started.resume_token, {"e1": 1 + i % 5, "e2": 3, "s1": "email"}))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == threads_n
    assert all(r == results[0] for r in results)
    rid = response_id(store, started.public_id)
    assert count(store, responses) == 1
    assert score_rows(store, "response_id = :rid", rid=rid) == 2
    assert store.result(started.resume_token).answers == results[0].answers
    assert score(minimal_q, results[0].answers).scores() == results[0].dimension_scores


def test_answers_are_frozen_after_submit(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q)
    submissions.submit(store, started.resume_token, FULL)
    with pytest.raises(AlreadySubmitted):
        store.save_answers(started.resume_token, {"p1": 1})
    assert isinstance(AlreadySubmitted(), StoreError)
    assert store.progress(started.resume_token).answers == FULL


def test_invalid_final_answers_leave_the_response_open(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q)
    store.save_answers(started.resume_token, {"p1": 4})
    with pytest.raises(InvalidAnswers):
        submissions.submit(store, started.resume_token, {"p2": 9})
    assert store.progress(started.resume_token).submitted is False
    assert store.result(started.resume_token) is None
    assert score_rows(store) == 0


def test_result_is_none_until_submitted(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q)
    store.save_answers(started.resume_token, FULL)
    assert store.result(started.resume_token) is None
    stored = submissions.submit(store, started.resume_token)
    assert store.result(started.resume_token) == stored


def test_an_old_response_is_scored_against_the_version_it_answered(store: Store, minimal_q: Any) -> None:
    yaml_text = (TEST_DATA / "good" / "minimal.yaml").read_text(encoding="utf-8")
    # Version 1.1 flips p1's key: the same answers would score differently under it.
    changed = yaml_text.replace('version: "1.0"', 'version: "1.1"').replace(
        "scale: agree5, dimension: partnership}", "scale: agree5, dimension: partnership, reverse: true}", 1
    )
    newer = parse(changed)
    assert newer.content_hash != minimal_q.content_hash
    old = store.start(minimal_q)
    store.register(newer)
    stored = submissions.submit(store, old.resume_token, FULL)
    assert stored.content_hash == minimal_q.content_hash
    assert stored.dimension_scores == score(minimal_q, FULL).scores()
    assert stored.dimension_scores != score(newer, FULL).scores()


@pytest.mark.parametrize("path", [TEST_DATA / "good" / "minimal.yaml", ROOT / "questions" / "strategic-candidate.yaml"])
def test_the_stored_definition_rebuilds_the_same_questionnaire(db_url: str, path: Any) -> None:
    q = load(path)
    with Store(db_url) as first:
        first.register(q)
        first.register(q)  # idempotent
    with Store(db_url) as fresh:  # no in-process cache: read back from the database
        rebuilt = fresh.questionnaire(q.content_hash)
        with fresh.engine.connect() as conn:
            definition = conn.scalar(text("SELECT definition FROM questionnaires"))
            registered = conn.scalar(text("SELECT count(*) FROM questionnaires"))
    assert rebuilt is not None and rebuilt is not q
    assert rebuilt.content_hash == q.content_hash
    assert rebuilt.model_dump() == q.model_dump()
    assert definition == q.canonical_json()
    assert registered == 1


def test_an_unknown_questionnaire_hash_is_none(store: Store) -> None:
    assert store.questionnaire("0" * 64) is None
    assert store.questionnaire("nonsense") is None


# ----- bad tokens --------------------------------------------------------------------------


GARBAGE = {
    "empty": lambda mine, other: "",
    "short": lambda mine, other: "abc",
    "unicode": lambda mine, other: "ü" * 32,
    "emoji": lambda mine, other: "🧭" * 40,
    "nul bytes": lambda mine, other: "\x00" * 32,
    "10 kB": lambda mine, other: "A" * 10_240,
    "truncated": lambda mine, other: mine.resume_token[:-1],
    "extended": lambda mine, other: mine.resume_token + "A",
    "padded": lambda mine, other: " " + mine.resume_token,
    "other case": lambda mine, other: mine.resume_token.swapcase(),
    "own delete token": lambda mine, other: mine.delete_token,
    "another's delete token": lambda mine, other: other.delete_token,
    "well-formed unknown": lambda mine, other: "Z" * 32,
    "not a string": lambda mine, other: 12345,
    "none": lambda mine, other: None,
}


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_a_garbage_or_foreign_token_is_not_found(store: Store, minimal_q: Any, kind: str) -> None:
    mine, other = store.start(minimal_q), store.start(minimal_q)
    submissions.submit(store, other.resume_token, FULL)
    token = GARBAGE[kind](mine, other)
    assert store.progress(token) is None
    assert store.result(token) is None
    with pytest.raises(NotFound):
        store.save_answers(token, {"p1": 3})
    with pytest.raises(NotFound):
        submissions.submit(store, token, FULL)
    with pytest.raises(NotFound):
        store.set_shared(token, True, manage_token=mine.delete_token)
    if "delete token" not in kind:  # a delete token is meant to delete
        assert store.delete(token) is False
    assert count(store, responses) == 2
    assert store.progress(mine.resume_token).answers == {}


def test_a_resume_token_does_not_delete(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q)
    assert store.delete(started.resume_token) is False
    assert store.progress(started.resume_token) is not None


# ----- sharing -------------------------------------------------------------------------------


def test_share_stores_contact_and_unshare_wipes_it(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q, Attribution("rec-1", "c"))
    submissions.submit(store, started.resume_token, FULL)
    shared = store.set_shared(
        started.resume_token,
        True,
        manage_token=started.delete_token,
        name=" Ada Lovelace ",
        email="ada@example.org",
        now=T0,
    )
    assert (shared.shared, shared.contact_name, shared.contact_email) == (True, "Ada Lovelace", "ada@example.org")
    assert shared.shared_at == T0
    assert store.progress(started.resume_token).shared is True
    unshared = store.set_shared(
        started.resume_token, False, manage_token=started.delete_token, name="ignored", email="ignored@example.org"
    )
    assert (unshared.shared, unshared.contact_name, unshared.contact_email, unshared.shared_at) == (
        False,
        None,
        None,
        None,
    )
    with store.engine.connect() as conn:
        row = conn.execute(select(responses.c.contact_name, responses.c.contact_email)).one()
    assert tuple(row) == (None, None)


def test_sharing_without_contact_details_is_allowed(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q)
    submissions.submit(store, started.resume_token, FULL)
    shared = store.set_shared(started.resume_token, True, manage_token=started.delete_token)
    assert shared.shared and shared.contact_name is None and shared.contact_email is None


@pytest.mark.parametrize(
    ("name", "email"),
    [("A", "not-an-address"), ("A", "a@b"), ("x" * 201, None), (None, "a" * 250 + "@b.co"), (5, None)],
)
def test_bad_contact_details_are_refused_and_nothing_changes(
    store: Store, minimal_q: Any, name: Any, email: Any
) -> None:
    started = store.start(minimal_q)
    submissions.submit(store, started.resume_token, FULL)
    with pytest.raises(InvalidContact):
        store.set_shared(started.resume_token, True, manage_token=started.delete_token, name=name, email=email)
    assert store.result(started.resume_token).shared is False


def test_only_a_submitted_result_can_be_shared(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q)
    with pytest.raises(NotSubmitted):
        store.set_shared(started.resume_token, True, manage_token=started.delete_token, name="A")


def test_the_database_refuses_contact_details_without_consent(store: Store, minimal_q: Any) -> None:
    from sqlalchemy.exc import IntegrityError

    store.start(minimal_q)
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(responses.update().values(contact_email="x@example.org"))


# ----- deletion and retention ----------------------------------------------------------------


def test_delete_removes_everything_and_logs_only_a_count(store: Store, minimal_q: Any) -> None:
    kept, gone = store.start(minimal_q), store.start(minimal_q)
    for s in (kept, gone):
        submissions.submit(store, s.resume_token, FULL)
    gone_id = response_id(store, gone.public_id)
    assert store.delete(gone.delete_token, now=T0) is True
    assert store.delete(gone.delete_token) is False  # already gone
    assert store.progress(gone.resume_token) is None
    assert count(store, responses, responses.c.id == gone_id) == 0
    assert count(store, answers, answers.c.response_id == gone_id) == 0
    assert score_rows(store, "response_id = :rid", rid=gone_id) == 0
    assert store.result(kept.resume_token).answers == FULL
    log = store.deletions()
    assert log.to_dict("records") == [{"deleted_at": T0, "count": 1, "reason": "candidate"}]
    assert {c.name for c in deletion_log.columns} == {"id", "deleted_at", "count", "reason"}


def test_purge_deletes_past_retention_and_logs(db_url: str, minimal_q: Any) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with Store(db_url, retention_days=365) as store:
        ancient = store.start(minimal_q, now=now - timedelta(days=400))
        stale = store.start(minimal_q, now=now - timedelta(days=500))
        store.save_answers(stale.resume_token, {"p1": 2}, now=now - timedelta(days=200))  # activity counts
        recent = store.start(minimal_q, now=now - timedelta(days=40))
        fresh = store.start(minimal_q, now=now - timedelta(days=1))
        submissions.submit(store, fresh.resume_token, FULL, now=now)
        assert store.purge(now=now) == 1
        assert store.progress(ancient.resume_token) is None
        assert store.purge(older_than_days=30, now=now) == 2
        assert store.progress(stale.resume_token) is None and store.progress(recent.resume_token) is None
        assert store.result(fresh.resume_token) is not None
        assert store.purge(older_than_days=30, now=now) == 0
        assert count(store, answers) == len(FULL)
        log = store.deletions()
    assert log["count"].tolist() == [1, 2]
    assert log["reason"].tolist() == ["retention", "retention"]


@pytest.mark.parametrize("days", [-1, 1.5, True])
def test_purge_refuses_a_bad_period(store: Store, days: Any) -> None:
    with pytest.raises(ValueError):
        store.purge(older_than_days=days)


def test_purge_cli(db_url: str, minimal_q: Any, capsys: pytest.CaptureFixture[str]) -> None:
    with Store(db_url) as store:
        old = store.start(minimal_q, now=datetime.now(UTC) - timedelta(days=10))
        new = store.start(minimal_q)
    assert cli(["--url", db_url, "purge", "--days", "5"]) == 0
    assert "purged 1 response older than 5 days" in capsys.readouterr().out
    assert cli(["--url", db_url, "info"]) == 0
    out = capsys.readouterr().out
    assert "schema version: 6" in out and "mini 1.0" in out and "1 started, 0 submitted" in out
    with Store(db_url) as store:
        assert store.progress(old.resume_token) is None
        assert store.progress(new.resume_token) is not None


def test_attribution_is_bounded() -> None:
    with pytest.raises(ValueError):
        Attribution(campaign="x" * 201)
    with pytest.raises(ValueError):
        Attribution(recruiter_id=7)  # type: ignore[arg-type]


def test_flags_are_stored_as_json_codes(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q, now=T0)
    submissions.submit(store, started.resume_token, FULL, now=T0 + timedelta(seconds=1))
    with store.engine.connect() as conn:
        raw = conn.scalar(select(responses.c.flags))
    assert json.loads(raw) == ["speeding"]


# ----- a 1.x response after the format grew ------------------------------------------------------------

BANK_1 = TEST_DATA / "good" / "strategic-candidate-1.0.0.yaml"
# The content hash the 1.0.0 bank had when it shipped (computed by the code of that time): responses
# recorded against it carry this hash, so the format's later fields must not change it.
BANK_1_HASH = "a1a816bbf56fb753dfa0e77438cb7af151d9570493f5b99aea1512f672197e47"


def test_the_1_0_bank_keeps_the_hash_it_shipped_with() -> None:
    assert load(BANK_1).content_hash == BANK_1_HASH


def test_a_1_x_response_stays_explainable_and_is_never_pooled_with_2_x(db_url: str) -> None:
    from scoring.interpret import interpret

    old, new = load(BANK_1), load(ROOT / "questions" / "strategic-candidate.yaml")
    answers: dict[str, Any] = {}
    for item in old.scored_items():
        if isinstance(item, LikertItem):
            answers[item.id] = old.scales[item.scale].values()[1 if item.reverse else -2]
        else:
            answers[item.id] = item.options[0].id
    with Store(db_url) as store:
        store.register(old)
        started = store.start(old)
        submissions.submit(store, started.resume_token, answers)
        store.register(new)
    with Store(db_url) as fresh:  # only what the database holds
        stored = fresh.result(started.resume_token)
        rebuilt = fresh.questionnaire(stored.content_hash)
        assert rebuilt is not None and rebuilt.meta.version == "1.0.0"
        assert rebuilt.content_hash == stored.content_hash == BANK_1_HASH
        reading = interpret(rebuilt, score(rebuilt, stored.answers))
        assert reading.overall == pytest.approx(score(old, answers).overall)
        assert {d.id for d in reading.dimensions} == {d.id for d in old.dimensions}  # six, not seven
        versions = fresh.questionnaire_versions().set_index("content_hash")
        assert versions.loc[BANK_1_HASH, "submitted"] == 1
        assert versions.loc[new.content_hash, "submitted"] == 0
