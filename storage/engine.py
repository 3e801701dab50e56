"""Engines configured for the store: SQLite with WAL (``synchronous=NORMAL``), busy timeout, foreign keys
and write-first transactions queued fairly within the process; PostgreSQL with pre-ping and a lock timeout.

Why the queue (measured, BENCHMARKS.md "Response store"): SQLite's busy handler does not queue writers. A
connection that finds the write lock taken sleeps and polls again, backing off to one try every 100 ms;
a writer that just arrived tries at once. With many threads writing short transactions, the lock is free
only in short gaps that the newcomers take, so an early waiter can miss every gap for the whole busy
timeout and fail with "database is locked" while the database commits hundreds of transactions a second
(50 writer threads: waits up to 1.9 s with a median write-lock hold of 0.5 ms, and a 10 s timeout
exceeded under machine load). So within one process, write transactions on a file database first wait
in a first-come, first-served queue (``_WriterQueue``, per database file), each woken the moment the one
before commits or rolls back; only then ``BEGIN IMMEDIATE``, whose busy timeout is left for writers in
other processes (a command-line job, a second app process). A writer waits at most ``lock_timeout`` in
the queue plus, if another process holds the lock, the busy timeout; an answer's save (``storage.driver``,
which skips the pool's wait for a connection) keeps its place longer while the writers ahead keep
committing (``while_moving``).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from storage.records import StoreError

WRITE = "career_radar_write"  # execution option: this transaction will write (SQLite: BEGIN IMMEDIATE)


class _WriterQueue:
    """A lock handed to its waiters in arrival order (``threading.Lock`` lets a newcomer barge in)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Lock] = deque()
        self._handovers = 0  # releases so far: whether the queue moved while someone waited

    def acquire(self, timeout: float, *, while_moving: float = 0.0) -> bool:
        """Wait for the lock; give up after ``timeout`` with no release, or, while releases keep coming,
        after ``timeout + while_moving`` in all (0: ``timeout`` in all)."""
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
            seen = self._handovers
        deadline = time.monotonic() + timeout + while_moving
        wait = timeout
        while True:
            if turn.acquire(timeout=wait):
                return True  # handed over by release(): the queue is ours
            with self._mutex:
                left = deadline - time.monotonic()
                if self._handovers != seen and left > 0:  # it moved: keep the place a little longer
                    seen, wait = self._handovers, min(timeout, left)
                    continue
                try:
                    self._waiters.remove(turn)
                except ValueError:
                    return True  # handed over just as the wait timed out
                return False

    def release(self) -> None:
        with self._mutex:
            self._handovers += 1
            if self._waiters:
                self._waiters.popleft().release()  # stays held, by the next in line
            else:
                self._held = False


_QUEUES: dict[str, _WriterQueue] = {}
_QUEUES_LOCK = threading.Lock()


def _writer_queue(database: str) -> _WriterQueue:
    key = database if database.startswith("file:") else str(Path(database).expanduser().resolve())
    with _QUEUES_LOCK:
        return _QUEUES.setdefault(key, _WriterQueue())


class _QueuedConnection(sqlite3.Connection):
    """A pysqlite connection that gives its place in the writer queue back when its transaction ends."""

    queued: _WriterQueue | None = None

    def leave_queue(self) -> None:
        queue, self.queued = self.queued, None
        if queue is not None:
            queue.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_queue()

    def __del__(self) -> None:  # dropped without close (pysqlite then closes it): never keep the queue
        self.leave_queue()


def sqlite_writer_queue(url: str) -> _WriterQueue | None:
    """The writer queue of the SQLite file at ``url`` (one per file in this process); None in memory."""
    u = normalise_url(url)
    return None if u.database in (None, "", ":memory:") else _writer_queue(str(u.database))


def normalise_url(url: str) -> URL:
    u = make_url(url)
    # Plain postgresql:// would pick psycopg2; this project ships psycopg 3.
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u


def make_engine(
    url: str, *, lock_timeout: float = 10.0, pool_size: int | None = None, max_overflow: int | None = None
) -> Engine:
    """An engine configured for the store: SQLite with WAL, busy timeout and foreign keys; PostgreSQL with pre-ping."""
    u = normalise_url(url)
    backend = u.get_backend_name()
    wait_ms = max(1, int(lock_timeout * 1000))
    if backend == "sqlite":
        memory = u.database in (None, "", ":memory:")
        pool: dict[str, Any] = {}
        connect_args: dict[str, Any] = {"check_same_thread": False}
        if memory:
            pool["poolclass"] = StaticPool  # one shared in-memory database, not one per connection
        else:
            assert u.database is not None
            if not u.database.startswith("file:"):
                Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            pool = {"pool_size": pool_size or 5, "max_overflow": 10 if max_overflow is None else max_overflow}
            connect_args["factory"] = _QueuedConnection
        engine = create_engine(u, connect_args=connect_args, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # pysqlite's own BEGIN handling is off; see _sqlite_begin
            cur = dbapi_conn.cursor()
            for pragma in (f"busy_timeout = {wait_ms}", "foreign_keys = ON"):
                cur.execute(f"PRAGMA {pragma}")
            mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode == "wal":
                # Each answer is committed in its click (so a refresh cannot lose it); with the default
                # synchronous=FULL every such commit waits for an fsync of the WAL (3-8 ms on the shared
                # machine, most of an answer click's cost). In WAL mode NORMAL still writes every commit
                # to the WAL file before COMMIT returns: the commit is visible to every connection at once
                # and survives the app crashing or being killed, a browser refresh, a dropped connection.
                # What it gives up is the fsync: a power cut or OS crash can roll back the last commits
                # (never corrupt the database). That is the same class of loss as the disk itself failing,
                # which backups, not this pragma, cover; production runs PostgreSQL (DEPLOY.md).
                cur.execute("PRAGMA synchronous = NORMAL")
            # Any other mode (":memory:" reports "memory"; a filesystem without shared memory keeps
            # "delete") keeps SQLite's default synchronous=FULL: NORMAL is only weakened safely in WAL.
            cur.close()

        queue = sqlite_writer_queue(url)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # A write transaction takes the write lock up front: a deferred one that reads first and
            # writes later fails at once with "database is locked" when another writer got in between,
            # instead of waiting out the busy timeout. Reads stay deferred (WAL: they never wait).
            if not conn.get_execution_options().get(WRITE):
                conn.exec_driver_sql("BEGIN")
                return
            dbapi_conn = conn.connection.dbapi_connection
            if queue is not None and isinstance(dbapi_conn, _QueuedConnection) and dbapi_conn.queued is None:
                # First in, first served among this process's writers (see the module's docstring).
                if not queue.acquire(lock_timeout):
                    locked = sqlite3.OperationalError(f"database is locked (queued {lock_timeout:g} s behind writers)")
                    raise sa_exc.OperationalError("BEGIN IMMEDIATE", None, locked)
                dbapi_conn.queued = queue
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                if isinstance(dbapi_conn, _QueuedConnection):
                    dbapi_conn.leave_queue()
                raise

        return engine
    if backend == "postgresql":
        engine = create_engine(
            u,
            pool_pre_ping=True,
            pool_size=pool_size or 5,
            max_overflow=10 if max_overflow is None else max_overflow,
            connect_args={"connect_timeout": max(1, int(lock_timeout))},
        )

        @event.listens_for(engine, "connect")
        def _pg_connect(dbapi_conn: Any, _record: Any) -> None:
            # A row or table lock held elsewhere becomes StoreUnavailable after this wait, not a hang.
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET lock_timeout = {wait_ms}")
            dbapi_conn.commit()

        return engine
    raise StoreError(f"unsupported database {backend!r}: use sqlite or postgresql")
