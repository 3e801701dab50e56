"""An answer, once ``save_answers`` returns, survives what a candidate's refresh or a crash of the app can do:
another connection (the resumed session, another server process) reads it at once, and so does a new
process after the saving one was killed without closing anything. SQLite runs WAL with
``synchronous=NORMAL`` (no fsync per commit); these tests hold that this gives up nothing of the above."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from storage import Store

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "data" / "good" / "minimal.yaml"

# Started, saved twice (the second save changes p1 and adds e1), then killed with SIGKILL: no commit
# pending, no connection closed, no WAL checkpoint, no atexit handler.
SAVE_THEN_DIE = textwrap.dedent(
    """
    import json, os, signal, sys
    sys.path.insert(0, sys.argv[2])
    from scoring.loader import load
    from storage import Store

    store = Store(sys.argv[1])
    q = load(sys.argv[3])
    started = store.start(q)
    store.save_answers(started.resume_token, {"p1": 2, "p2": 4}, page=0)
    store.save_answers(started.resume_token, {"p1": 5, "e1": 3}, page=1)
    print(json.dumps({"token": started.resume_token}), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_sqlite_commits_without_fsync_only_in_wal_mode(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'x.sqlite3'}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    with Store("sqlite:///:memory:") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "memory"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL: not WAL, nothing weakened


def test_a_saved_answer_is_read_at_once_by_another_connection(db_url: str, minimal_q: Any) -> None:
    """A refresh resumes through the ``?r=`` token, possibly on another server process: it sees every saved answer."""
    with Store(db_url) as writer, Store(db_url) as reader:
        started = writer.start(minimal_q)
        for value in (1, 2, 3, 4, 5, 4):
            writer.save_answers(started.resume_token, {"p1": value}, page=0)
            progress = reader.progress(started.resume_token)
            assert progress is not None and progress.answers == {"p1": value}


def test_saved_answers_survive_the_app_being_killed(db_url: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SAVE_THEN_DIE, db_url, str(ROOT), str(MINIMAL)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    token = json.loads(proc.stdout)["token"]
    if make_url(db_url).get_backend_name() == "sqlite":
        # Killed before any checkpoint: the saves live only in the WAL file the next opener recovers from.
        database = make_url(db_url).database
        assert database is not None and Path(database + "-wal").stat().st_size > 0
    with Store(db_url) as store:
        progress = store.progress(token)
    assert progress is not None
    assert progress.answers == {"p1": 5, "p2": 4, "e1": 3}
    assert progress.page == 1


def test_a_killed_app_leaves_a_sqlite_database_that_passes_its_integrity_check(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.sqlite3'}"
    for _ in range(2):  # twice: the second run opens the database the first one left behind
        proc = subprocess.run(
            [sys.executable, "-c", SAVE_THEN_DIE, url, str(ROOT), str(MINIMAL)], capture_output=True, text=True
        )
        assert proc.returncode == -signal.SIGKILL, proc.stderr
    with Store(url) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
