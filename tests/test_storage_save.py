"""The answer save path (two statements: stamp the open response, upsert the answers) keeps every rule the
locked read-then-write had: the page kept when not given, only the token's own response touched, a
submitted response left exactly as it was, and a refused answer rolling the stamp back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service import submissions
from storage import AlreadySubmitted, InvalidAnswers, NotFound, Store

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
FULL = {"p1": 4, "p2": 2, "p3": 5, "e1": 4, "e2": 2, "s1": "listen"}


def test_a_save_without_a_page_keeps_the_page_and_stamps_the_time(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q, now=T0)
    store.save_answers(started.resume_token, {"p1": 3}, page=2, now=T0 + timedelta(minutes=1))
    store.save_answers(started.resume_token, {"p2": 4}, now=T0 + timedelta(minutes=2))
    progress = store.progress(started.resume_token)
    assert progress is not None
    assert (progress.page, progress.last_saved_at, progress.answers) == (
        2,
        T0 + timedelta(minutes=2),
        {"p1": 3, "p2": 4},
    )


def test_a_save_touches_only_its_own_response(store: Store, minimal_q: Any) -> None:
    mine, other = store.start(minimal_q, now=T0), store.start(minimal_q, now=T0)
    store.save_answers(other.resume_token, {"p1": 1}, page=1, now=T0)
    for value in (2, 5, 3):
        store.save_answers(mine.resume_token, {"p1": value, "e1": value}, page=3, now=T0 + timedelta(hours=1))
    theirs = store.progress(other.resume_token)
    assert theirs is not None and (theirs.answers, theirs.page, theirs.last_saved_at) == ({"p1": 1}, 1, T0)
    ours = store.progress(mine.resume_token)
    assert ours is not None and (ours.answers, ours.page) == ({"p1": 3, "e1": 3}, 3)


def test_a_save_to_a_submitted_response_changes_nothing(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q, now=T0)
    store.save_answers(started.resume_token, {"p1": 2}, page=1, now=T0)
    submissions.submit(store, started.resume_token, FULL, now=T0 + timedelta(minutes=5))
    before = store.progress(started.resume_token)
    with pytest.raises(AlreadySubmitted):
        store.save_answers(started.resume_token, {"p1": 1, "e2": 5}, page=4, now=T0 + timedelta(hours=1))
    assert store.progress(started.resume_token) == before


def test_a_refused_save_rolls_back_its_stamp_and_a_deleted_response_is_not_found(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q, now=T0)
    store.save_answers(started.resume_token, {"p1": 2}, page=1, now=T0)
    with pytest.raises(InvalidAnswers):
        store.save_answers(started.resume_token, {"p2": 9}, page=3, now=T0 + timedelta(hours=1))
    progress = store.progress(started.resume_token)
    assert progress is not None and (progress.page, progress.last_saved_at) == (1, T0)
    assert store.delete(started.delete_token) is True
    with pytest.raises(NotFound):
        store.save_answers(started.resume_token, {"p1": 3}, page=1)
