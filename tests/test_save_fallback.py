"""ui/candidate.save: when the store refuses a batch of answers, it saves them one by one and drops only the bad.

Called directly (no Streamlit page): the store is a real SQLite store, or a fake that fails on cue.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import storage
from scoring.models import Questionnaire
from ui import candidate, resources
from ui.state import Flow

BAD_ANSWER = "We couldn't save this answer. Please change it and try again."


@pytest.fixture
def real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, minimal_q: Questionnaire) -> Iterator[tuple[Any, Flow]]:
    """A SQLite store the page's resources hand out, and a flow on a started response."""
    store = storage.Store(f"sqlite:///{tmp_path / 'cr.sqlite3'}")
    monkeypatch.setattr(resources, "store", lambda: store)
    store.register(minimal_q)
    started = store.start(minimal_q)
    flow = Flow(
        questionnaire_id=minimal_q.meta.id,
        content_hash=minimal_q.content_hash,
        stage="questions",
        page=1,
        resume_token=started.resume_token,
        delete_token=started.delete_token,
        public_id=started.public_id,
    )
    yield store, flow
    store.close()


def given(flow: Flow, answers: dict[str, Any]) -> None:
    flow.answers.update(answers)
    flow.unsaved.update(answers)


def test_a_clean_batch_is_saved_at_once(real: tuple[Any, Flow]) -> None:
    store, flow = real
    given(flow, {"p1": 4, "s1": "listen"})
    candidate.save(flow)
    assert store.progress(flow.resume_token).answers == {"p1": 4, "s1": "listen"}
    assert flow.unsaved == {} and not flow.store_failed and flow.input_errors == {}


def test_a_refused_batch_keeps_the_good_answers_and_drops_only_the_bad(real: tuple[Any, Flow]) -> None:
    store, flow = real
    # 9 is not a point of the five-point scale and "shout" is no option of s1: the store refuses the
    # whole batch (all-or-nothing), so save falls back to one answer at a time.
    given(flow, {"p1": 4, "p2": 9, "s1": "shout", "e1": 2, "note": "Keep me"})
    with pytest.raises(storage.InvalidAnswers):
        store.save_answers(flow.resume_token, dict(flow.unsaved), page=1)  # the batch really is refused
    candidate.save(flow)
    stored = store.progress(flow.resume_token)
    assert stored.answers == {"p1": 4, "e1": 2, "note": "Keep me"}
    assert stored.page == 1
    assert flow.answers == {"p1": 4, "e1": 2, "note": "Keep me"}  # the bad ones are gone from the page too
    assert flow.input_errors == {"p2": BAD_ANSWER, "s1": BAD_ANSWER}
    assert flow.unsaved == {}
    assert not flow.store_failed


class FlakyStore:
    """Refuses every batch of more than one answer, and goes away after ``up_for`` single saves."""

    def __init__(self, up_for: int) -> None:
        self.up_for = up_for
        self.saved: dict[str, Any] = {}

    def save_answers(self, token: str, answers: dict[str, Any], *, page: int) -> None:
        if len(answers) > 1:
            raise storage.InvalidAnswers(["one of these is bad"])
        if self.up_for == 0:
            raise storage.StoreUnavailable("database is locked")
        self.up_for -= 1
        self.saved.update(answers)


def test_the_store_going_away_mid_fallback_keeps_what_is_unsaved(
    monkeypatch: pytest.MonkeyPatch, minimal_q: Questionnaire
) -> None:
    fake = FlakyStore(up_for=2)
    monkeypatch.setattr(resources, "store", lambda: fake)
    flow = Flow(questionnaire_id=minimal_q.meta.id, content_hash=minimal_q.content_hash, resume_token="tok")
    given(flow, {"p1": 4, "p2": 2, "p3": 5, "e1": 1})
    candidate.save(flow)
    assert fake.saved == {"p1": 4, "p2": 2}
    assert flow.store_failed  # the page offers a retry...
    assert flow.unsaved == {"p3": 5, "e1": 1}  # ...and only what did not reach the store is sent again
    assert flow.answers == {"p1": 4, "p2": 2, "p3": 5, "e1": 1}  # nothing the candidate gave is lost
    assert flow.input_errors == {}

    fake.up_for = 10
    candidate.save(flow)  # the retry: one batch of two is refused again, then each goes alone
    assert fake.saved == {"p1": 4, "p2": 2, "p3": 5, "e1": 1}
    assert flow.unsaved == {} and not flow.store_failed


def test_a_save_that_times_out_behind_other_writers_keeps_the_answers_for_the_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, minimal_q: Questionnaire
) -> None:
    from storage.engine import WRITE

    store = storage.Store(f"sqlite:///{tmp_path / 'busy.sqlite3'}", lock_timeout=0.2)
    monkeypatch.setattr(resources, "store", lambda: store)
    started = store.start(minimal_q)
    flow = Flow(
        questionnaire_id=minimal_q.meta.id,
        content_hash=minimal_q.content_hash,
        stage="questions",
        page=1,
        resume_token=started.resume_token,
    )
    given(flow, {"p1": 4, "note": "Keep me"})
    writer = store.engine.connect()  # another session's write transaction, held past the lock timeout
    writer.execution_options(**{WRITE: True})
    writer.begin()
    candidate.save(flow)  # "database is locked": StoreUnavailable, caught
    assert flow.store_failed  # the page says it could not save and offers a retry
    assert flow.unsaved == {"p1": 4, "note": "Keep me"} == flow.answers  # nothing typed is lost
    assert store.progress(started.resume_token).answers == {}
    writer.rollback()
    writer.close()
    candidate.retry(flow)
    assert store.progress(started.resume_token).answers == {"p1": 4, "note": "Keep me"}
    assert flow.unsaved == {} and not flow.store_failed
    store.close()
