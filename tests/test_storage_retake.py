"""Retake chains in the store: who may chain, what a history shows, and that deleting removes the chain.

Every test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (see conftest.db_url).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from scoring.models import Questionnaire
from service import submissions
from storage import (
    Attribution,
    ChainFull,
    NotAllowed,
    NotComparable,
    NotFound,
    NotSubmitted,
    Started,
    Store,
    StoreError,
)
from storage import chain as chain_mod
from storage.filters import Filters
from storage.schema import answers as answers_t
from storage.schema import deletion_log, responses

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
LOW = {"p1": 2, "p2": 4, "p3": 2, "e1": 2, "e2": 4, "s1": "decline"}
MID = {"p1": 3, "p2": 3, "p3": 3, "e1": 3, "e2": 3, "s1": "email"}
HIGH = {"p1": 5, "p2": 1, "p3": 5, "e1": 5, "e2": 1, "s1": "listen"}


def variant(q: Questionnaire, **changes: Any) -> Questionnaire:
    """q with its definition edited: ``weight`` (a scoring change) or ``title``/``language`` (wording only)."""
    data = json.loads(q.canonical_json())
    if "weight" in changes:
        data["dimensions"][0]["weight"] = changes["weight"]
    if "title" in changes:
        data["meta"]["title"] = changes["title"]
    if "language" in changes:
        data["meta"]["language"] = changes["language"]
    return Questionnaire.model_validate(data)


def attempt(store: Store, q: Any, answers: dict[str, Any], at: datetime, after: Started | None = None) -> Started:
    """Start (as a retake of ``after`` when given) and submit one attempt at time ``at``."""
    if after is None:
        started = store.start(q, Attribution("rec-1", "spring"), now=at)
    else:
        started = submissions.retake(store, q, after.resume_token, after.delete_token, now=at)
    submissions.submit(store, started.resume_token, answers, now=at + timedelta(minutes=5))
    return started


def chain_of_three(store: Store, q: Any) -> list[Started]:
    first = attempt(store, q, LOW, T0)
    second = attempt(store, q, MID, T0 + timedelta(days=30), first)
    third = attempt(store, q, HIGH, T0 + timedelta(days=60), second)
    return [first, second, third]


def count_rows(store: Store, table: Any = responses) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def test_a_retake_records_the_attempt_it_follows_and_the_history_grows(store: Store, minimal_q: Any) -> None:
    first, second, third = chain_of_three(store, minimal_q)
    with store.engine.connect() as conn:
        ids = dict(conn.execute(select(responses.c.public_id, responses.c.id)).all())
        links = dict(conn.execute(select(responses.c.public_id, responses.c.previous_id)).all())
    assert links == {
        first.public_id: None,
        second.public_id: ids[first.public_id],
        third.public_id: ids[second.public_id],
    }
    history = store.history(third.resume_token)
    assert [a.public_id for a in history] == [first.public_id, second.public_id, third.public_id]
    assert [a.current for a in history] == [False, False, True]
    assert [a.submitted_at for a in history] == sorted(a.submitted_at for a in history)
    stored = [store.result(s.resume_token) for s in (first, second, third)]
    assert [a.overall for a in history] == [s.overall for s in stored]
    assert [a.band for a in history] == [s.band for s in stored]
    assert [a.dimension_scores for a in history] == [s.dimension_scores for s in stored]
    assert history[0].overall < history[-1].overall  # the answers really differ
    assert {a.language for a in history} == {"en"} and {a.content_hash for a in history} == {minimal_q.content_hash}


def test_an_earlier_result_sees_only_itself_and_what_it_follows(store: Store, minimal_q: Any) -> None:
    first, second, _ = chain_of_three(store, minimal_q)
    assert [a.public_id for a in store.history(second.resume_token)] == [first.public_id, second.public_id]
    assert [a.public_id for a in store.history(first.resume_token)] == [first.public_id]


def test_a_history_never_shows_another_chain(store: Store, minimal_q: Any) -> None:
    mine = chain_of_three(store, minimal_q)
    theirs = chain_of_three(store, minimal_q)
    other_ids = {s.public_id for s in theirs}
    for s in mine:
        assert not {a.public_id for a in store.history(s.resume_token)} & other_ids
    assert store.history("not a token") == [] and store.history("Z" * 32) == []
    assert store.history(mine[-1].delete_token) == []  # the manage token is not a result token


def test_an_unsubmitted_retake_shows_the_attempts_it_follows(store: Store, minimal_q: Any) -> None:
    first = attempt(store, minimal_q, LOW, T0)
    pending = submissions.retake(store, minimal_q, first.resume_token, first.delete_token, now=T0 + timedelta(days=1))
    assert [a.public_id for a in store.history(pending.resume_token)] == [first.public_id]


@pytest.mark.parametrize("kind", ["another chain's manage token", "own result token", "missing", "garbage", "unknown"])
def test_only_the_earlier_attempts_own_manage_token_may_chain(store: Store, minimal_q: Any, kind: str) -> None:
    mine = attempt(store, minimal_q, LOW, T0)
    other = attempt(store, minimal_q, HIGH, T0)
    manage = {
        "another chain's manage token": other.delete_token,
        "own result token": mine.resume_token,
        "missing": None,
        "garbage": "<script>",
        "unknown": "Z" * 32,
    }[kind]
    with pytest.raises(NotAllowed):
        store.start(minimal_q, previous=mine.resume_token, previous_manage=manage)
    assert count_rows(store) == 2


def test_a_token_of_another_chain_chains_to_that_chain_only(store: Store, minimal_q: Any) -> None:
    """A result token with its own manage token chains there; mixing two chains' tokens is refused."""
    mine = attempt(store, minimal_q, LOW, T0)
    other = attempt(store, minimal_q, HIGH, T0)
    with pytest.raises(NotAllowed):
        store.start(minimal_q, previous=other.resume_token, previous_manage=mine.delete_token)
    with pytest.raises(NotFound):
        store.start(minimal_q, previous="Z" * 32, previous_manage=mine.delete_token)
    with pytest.raises(NotFound):
        store.start(minimal_q, previous="bad token!", previous_manage=mine.delete_token)
    assert count_rows(store) == 2


def test_an_unsubmitted_attempt_cannot_be_retaken(store: Store, minimal_q: Any) -> None:
    pending = store.start(minimal_q)
    with pytest.raises(NotSubmitted):
        store.start(minimal_q, previous=pending.resume_token, previous_manage=pending.delete_token)
    assert count_rows(store) == 1


def test_another_scoring_key_cannot_be_chained_but_a_translation_can(store: Store, minimal_q: Any) -> None:
    first = attempt(store, minimal_q, LOW, T0)
    changed = variant(minimal_q, weight=3)
    assert changed.scoring_key != minimal_q.scoring_key
    with pytest.raises(NotComparable):
        store.start(changed, previous=first.resume_token, previous_manage=first.delete_token)
    assert count_rows(store) == 1
    german = variant(minimal_q, title="Kurzer Check", language="de")
    assert german.scoring_key == minimal_q.scoring_key and german.content_hash != minimal_q.content_hash
    second = attempt(store, german, MID, T0 + timedelta(days=9), first)
    history = store.history(second.resume_token)
    assert [(a.public_id, a.language) for a in history] == [(first.public_id, "en"), (second.public_id, "de")]
    assert [a.content_hash for a in history] == [minimal_q.content_hash, german.content_hash]


def test_refusals_are_store_errors(store: Store, minimal_q: Any) -> None:
    for error in (NotComparable, ChainFull, NotAllowed, NotSubmitted, NotFound):
        assert issubclass(error, StoreError)


def test_a_chain_has_a_length_limit(store: Store, minimal_q: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("storage.responses.MAX_ATTEMPTS", 3)
    first, _, third = chain_of_three(store, minimal_q)
    with pytest.raises(ChainFull):
        store.start(minimal_q, previous=third.resume_token, previous_manage=third.delete_token)
    with pytest.raises(ChainFull):  # a fork counts the whole chain too
        store.start(minimal_q, previous=first.resume_token, previous_manage=first.delete_token)
    assert count_rows(store) == 3


@pytest.mark.parametrize("which", [0, 1, 2])
def test_deleting_from_any_attempt_deletes_the_whole_chain(store: Store, minimal_q: Any, which: int) -> None:
    chain = chain_of_three(store, minimal_q)
    others = chain_of_three(store, minimal_q)
    pending = submissions.retake(store, minimal_q, chain[1].resume_token, chain[1].delete_token)  # a fork, unsubmitted
    store.save_answers(pending.resume_token, {"p1": 4})
    assert store.chain_size(chain[which].delete_token) == 4
    assert store.delete(chain[which].delete_token, resume_token=chain[which].resume_token, now=T0) is True
    left = store.responses_frame(submitted_only=False, latest_only=False)["response_id"]
    assert {s.public_id for s in others} == set(left)
    for s in [*chain, pending]:
        assert store.result(s.resume_token) is None and store.progress(s.resume_token) is None
        assert store.chain_size(s.delete_token) == 0
    with store.engine.connect() as conn:
        left_answers = conn.scalar(select(func.count()).select_from(answers_t))
        log = conn.execute(select(deletion_log.c.count, deletion_log.c.reason)).all()
    assert left_answers == 3 * len(LOW)  # only the other chain's answers
    assert [tuple(r) for r in log] == [(4, "candidate")]
    assert [a.public_id for a in store.history(others[-1].resume_token)] == [s.public_id for s in others]


def test_deleting_needs_matching_tokens_and_a_foreign_pair_deletes_nothing(store: Store, minimal_q: Any) -> None:
    chain = chain_of_three(store, minimal_q)
    assert store.delete(chain[2].delete_token, resume_token=chain[0].resume_token) is False
    assert store.delete(chain[2].resume_token) is False
    assert count_rows(store) == 3 and count_rows(store, deletion_log) == 0


def test_a_purged_earlier_attempt_drops_out_of_the_history(store: Store, minimal_q: Any) -> None:
    chain = chain_of_three(store, minimal_q)
    # Retention by last save: the first attempt (saved at T0) is past 45 days at T0 + 50, the others are not.
    assert store.purge(older_than_days=45, now=T0 + timedelta(days=50)) == 1
    history = store.history(chain[2].resume_token)
    assert [a.public_id for a in history] == [chain[1].public_id, chain[2].public_id]
    assert store.chain_size(chain[2].delete_token) == 2
    retake = submissions.retake(store, minimal_q, chain[2].resume_token, chain[2].delete_token)
    assert retake.public_id and store.delete(chain[1].delete_token) is True
    assert count_rows(store) == 0


def test_a_deleted_earlier_attempt_cannot_be_retaken(store: Store, minimal_q: Any) -> None:
    first = attempt(store, minimal_q, LOW, T0)
    assert store.delete(first.delete_token)
    with pytest.raises(NotFound):
        submissions.retake(store, minimal_q, first.resume_token, first.delete_token)


def test_the_component_walk_finds_forks_and_stops_at_a_gap(store: Store, minimal_q: Any) -> None:
    first, second, third = chain_of_three(store, minimal_q)
    fork = attempt(store, minimal_q, MID, T0 + timedelta(days=40), first)
    with store.engine.connect() as conn:
        ids = dict(conn.execute(select(responses.c.public_id, responses.c.id)).all())
        every = {ids[s.public_id] for s in (first, second, third, fork)}
        assert chain_mod.component(conn, ids[third.public_id]) == every
        assert chain_mod.component(conn, ids[fork.public_id]) == every
        assert chain_mod.ancestors(conn, ids[fork.public_id]) == [ids[fork.public_id], ids[first.public_id]]
    assert [a.public_id for a in store.history(fork.resume_token)] == [first.public_id, fork.public_id]


def test_chains_work_on_a_database_upgraded_to_version_5(fresh_db_url: str, minimal_q: Any) -> None:
    """Upgraded databases link with ON DELETE SET NULL (fresh ones have no foreign key): same behaviour."""
    from sqlalchemy import text

    from tests.test_storage_faults import drop_version_5

    with Store(fresh_db_url) as store, store.engine.begin() as conn:
        drop_version_5(conn)
        conn.exec_driver_sql("UPDATE schema_version SET version = 4")
    with Store(fresh_db_url) as store:
        chain = chain_of_three(store, minimal_q)
        assert store.purge(older_than_days=45, now=T0 + timedelta(days=50)) == 1
        assert [a.public_id for a in store.history(chain[2].resume_token)] == [chain[1].public_id, chain[2].public_id]
        assert store.delete(chain[2].delete_token) is True
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM responses")) == 0


def test_a_deletion_waits_for_a_retake_being_chained_and_takes_it_too(store: Store, minimal_q: Any) -> None:
    """The retake holds the earlier attempt's row lock until it is written; the deletion then finds it."""
    import threading
    import time

    from sqlalchemy import insert

    first = attempt(store, minimal_q, LOW, T0)
    done: list[bool] = []
    with store.database.locked(store_hash(first.resume_token)) as (conn, row):  # what start(previous=…) holds
        worker = threading.Thread(target=lambda: done.append(store.delete(first.delete_token)))
        worker.start()
        time.sleep(0.5)
        assert done == []  # waiting for the lock
        conn.execute(
            insert(responses).values(
                public_id="f" * 24,
                resume_token_hash="a" * 64,
                delete_token_hash="b" * 64,
                content_hash=row.content_hash,
                started_at=T0,
                last_saved_at=T0,
                page=0,
                shared=False,
                previous_id=row.id,
            )
        )
    worker.join(15)
    assert done == [True]
    assert count_rows(store) == 0


def store_hash(token: str) -> str:
    from storage._db import token_hash

    found = token_hash(token)
    assert found is not None
    return found


def test_cohort_reads_count_a_person_once_and_retest_reads_every_attempt(store: Store, minimal_q: Any) -> None:
    """A retake supersedes the attempt it follows in cohort figures (n, percentile, k-anonymity counts)."""
    chain = chain_of_three(store, minimal_q)
    alone = attempt(store, minimal_q, MID, T0)
    pending = submissions.retake(store, minimal_q, alone.resume_token, alone.delete_token)  # not submitted
    store.save_answers(pending.resume_token, {"p1": 4})
    latest = set(store.responses_frame()["response_id"])
    assert latest == {chain[2].public_id, alone.public_id}  # an unsubmitted retake supersedes nothing
    every = set(store.responses_frame(latest_only=False)["response_id"])
    assert every == {s.public_id for s in [*chain, alone]}
    by_campaign = store.aggregate(group_by="campaign", content_hash=minimal_q.content_hash)
    assert by_campaign["n"].sum() == 2
    _, n = store.percentile(minimal_q.content_hash, 50.0)
    assert n == 2
    pairs = store.retest_pairs(Filters(scoring_key=minimal_q.scoring_key), 0)
    assert len(pairs) == 2  # first → second and second → third
