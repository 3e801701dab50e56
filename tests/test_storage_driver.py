"""The answer save on the driver's connection (storage.driver): the same values as through SQLAlchemy, the
writer queue given back whatever happens, a broken connection dropped, nothing left open by close()."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from storage import InvalidAnswers, Store, StoreUnavailable
from storage.engine import WRITE

T0 = datetime(2025, 3, 3, 9, 0, 0, 123456, tzinfo=UTC)


def test_a_saved_stamp_is_stored_exactly_as_sqlalchemy_stores_a_time(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q, now=T0)  # started_at and last_saved_at written through SQLAlchemy
    with store.engine.connect() as conn:
        before = conn.execute(text("SELECT started_at, last_saved_at FROM responses")).one()
    store.save_answers(started.resume_token, {"p1": 3}, page=1, now=T0)  # last_saved_at through the driver
    with store.engine.connect() as conn:
        after = conn.execute(text("SELECT started_at, last_saved_at, page FROM responses")).one()
    assert tuple(after) == (before.started_at, before.started_at, 1)  # same text (SQLite) or instant (PostgreSQL)
    progress = store.progress(started.resume_token)
    assert progress is not None and progress.last_saved_at == T0 and progress.answers == {"p1": 3}


def test_a_refused_save_gives_the_write_lock_back(tmp_path: Path, minimal_q: Any) -> None:
    with Store(f"sqlite:///{tmp_path / 'q.sqlite3'}", lock_timeout=0.5) as store:
        started = store.start(minimal_q, now=T0)
        store.save_answers(started.resume_token, {"p1": 3}, now=T0)
        with pytest.raises(InvalidAnswers):
            store.save_answers(started.resume_token, {"p1": 9}, now=T0 + timedelta(minutes=1))
        done = threading.Event()

        def write_elsewhere() -> None:  # another thread's write transaction, through the engine
            with store.engine.connect() as conn:
                conn.execution_options(**{WRITE: True})
                with conn.begin():
                    conn.execute(text("UPDATE responses SET page = 4"))
            done.set()

        worker = threading.Thread(target=write_elsewhere)
        worker.start()
        worker.join(5)
        assert done.is_set()  # not queued behind a save that never ended
        store.save_answers(started.resume_token, {"p2": 2}, now=T0 + timedelta(minutes=2))
        progress = store.progress(started.resume_token)
        assert progress is not None
        assert (progress.answers, progress.page, progress.last_saved_at) == (
            {"p1": 3, "p2": 2},
            4,
            T0 + timedelta(minutes=2),
        )


def test_a_broken_kept_connection_is_unavailable_then_replaced(tmp_path: Path, minimal_q: Any) -> None:
    with Store(f"sqlite:///{tmp_path / 'k.sqlite3'}") as store:
        started = store.start(minimal_q, now=T0)
        store.save_answers(started.resume_token, {"p1": 3}, now=T0)
        kept = store._driver._kept
        assert kept is not None
        kept.dbapi_connection.execute("PRAGMA query_only = ON")  # every write on it now fails in the driver
        with pytest.raises(StoreUnavailable):
            store.save_answers(started.resume_token, {"p1": 5}, now=T0)
        assert store._driver._kept is None  # dropped, not reused
        store.save_answers(started.resume_token, {"p1": 4}, now=T0)  # on a new connection
        assert store.progress(started.resume_token).answers == {"p1": 4}


def test_close_closes_the_kept_connection(tmp_path: Path, minimal_q: Any) -> None:
    store = Store(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    started = store.start(minimal_q, now=T0)
    store.save_answers(started.resume_token, {"p1": 3}, now=T0)
    kept = store._driver._kept.dbapi_connection
    store.close()
    assert store._driver._kept is None
    with pytest.raises(Exception, match="closed"):
        kept.execute("SELECT 1")


def test_an_in_memory_store_saves_through_the_pool(minimal_q: Any) -> None:
    with Store("sqlite://") as store:
        started = store.start(minimal_q, now=T0)
        store.save_answers(started.resume_token, {"p1": 2, "s1": "listen"}, page=1, now=T0)
        assert store._driver._kept is None  # no writer queue in memory: the pool's one connection
        progress = store.progress(started.resume_token)
        assert progress is not None and progress.answers == {"p1": 2, "s1": "listen"}


def test_a_store_opened_later_reads_the_version_and_deletes_a_blanked_text(db_url: str, minimal_q: Any) -> None:
    with Store(db_url) as first:
        started = first.start(minimal_q, now=T0)
        first.save_answers(started.resume_token, {"p1": 3, "note": "Keep me"}, now=T0)
    with Store(db_url) as later:  # knows no questionnaire version yet: the save reads it on the driver
        assert later.database.questionnaires == {}
        later.save_answers(started.resume_token, {"p2": 4, "note": "  "}, page=1, now=T0)  # blank text: deleted
        assert minimal_q.content_hash in later.database.questionnaires
        progress = later.progress(started.resume_token)
        assert progress is not None and (progress.answers, progress.page) == ({"p1": 3, "p2": 4}, 1)
